//! Templates written inside a conditional (`when: "'{{ item }}' in wanted"`), evaluated the way
//! ansible-core 2.19 does, without ever running a template's output as an expression. Shared by
//! the engine (`when`, `changed_when`, `failed_when`, `until`) and the `assert` module.
//!
//! Rendering the whole condition as text and then evaluating that text lets a value from a host
//! (a registered `stdout`) become code on the controller: `"foo" in {{ out.stdout }}` with
//! `stdout` = `lookup('pipe', 'cmd')` would run `cmd` here. ansible-core 2.19 refuses that
//! (its conditionals test target checks it), and so does drover:
//!
//! * a condition that is exactly one `{{ expr }}` renders; a text result is evaluated only when
//!   it is a variable written in the playbook, inventory or a vars file (trusted, as Ansible
//!   does), else it is "untrusted";
//! * delimiters in the expression itself are a syntax error, as in Ansible;
//! * a string literal holding a template (`'{{ item }}'`) stands for its rendered value, bound
//!   to a fresh variable, so the value is data whatever quotes it contains.

use crate::{Layer, Map, Templar, TemplateError, Value, Vars};
use std::sync::Arc;

/// ansible-core 2.19's words for a template whose text result it will not evaluate.
pub const UNTRUSTED: &str = "Encountered untrusted template or expression.";

/// The inside of a condition that is exactly one `{{ expr }}`.
pub fn whole_template(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner.trim())
}

/// What a condition that is exactly `{{ inner }}` gives when the template's result is the text
/// `text`: an error, unless `inner` is one variable written in the playbook, inventory or a vars
/// file (trusted, as Ansible does), whose text is then evaluated as an expression.
pub fn text_result(
    templar: &(impl Templar + ?Sized),
    inner: &str,
    text: &str,
    vars: &Vars,
) -> Result<Value, TemplateError> {
    if text.trim().is_empty() {
        return Err(TemplateError::Render(
            "Empty conditional expressions are not allowed.".to_owned(),
        ));
    }
    let trusted = is_name(inner) && vars.find(inner).is_some_and(|f| f.trust.is_template());
    if !trusted {
        return Err(TemplateError::Render(UNTRUSTED.to_owned()));
    }
    templar.eval(text, vars)
}

/// Whether `text` holds template delimiters.
pub fn has_delimiters(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Evaluates a condition with templates inside its string literals; delimiters elsewhere are
/// a syntax error.
pub fn eval_embedded(
    templar: &(impl Templar + ?Sized),
    text: &str,
    vars: &Vars,
) -> Result<Value, TemplateError> {
    let mut expr = String::with_capacity(text.len());
    let mut bound = Map::new();
    let mut rest = text;
    while let Some(start) = rest.find(['\'', '"']) {
        let (code, literal) = rest.split_at(start);
        check_code(code)?;
        expr.push_str(code);
        let quote = literal.as_bytes()[0] as char;
        let Some(len) = literal_len(literal, quote) else {
            // An unclosed literal: the expression parser reports it.
            expr.push_str(literal);
            rest = "";
            break;
        };
        let (whole, after) = literal.split_at(len);
        let body = &whole[1..len - 1];
        if has_delimiters(body) {
            let name = format!("__drover_embedded_{}", bound.len());
            bound.insert(name.clone(), templar.render(&unescape(body), vars)?);
            expr.push_str(&name);
        } else {
            expr.push_str(whole);
        }
        rest = after;
    }
    check_code(rest)?;
    expr.push_str(rest);
    if bound.is_empty() {
        return templar.eval(&expr, vars);
    }
    // Rendered values are data: the layer is never rendered again.
    let vars = vars.clone().with(Arc::new(Layer::data(bound)));
    templar.eval(&expr, &vars)
}

/// Delimiters outside string literals are not an expression.
fn check_code(code: &str) -> Result<(), TemplateError> {
    if code.contains("{{") || code.contains("{%") || code.contains("}}") {
        return Err(TemplateError::Syntax(
            "Syntax error in expression. Template delimiters are not supported in expressions."
                .to_owned(),
        ));
    }
    Ok(())
}

/// The length in bytes of the string literal at the start of `s` (quotes included).
fn literal_len(s: &str, quote: char) -> Option<usize> {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            return Some(i + 1);
        }
    }
    None
}

/// The text of a literal's body: `\x` stands for `x` (enough for quotes and backslashes).
fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
