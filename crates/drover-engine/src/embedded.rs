//! Templates written inside a conditional (`when: "'{{ item }}' in wanted"`), evaluated the way
//! ansible-core 2.19 does, without ever running a template's output as an expression.
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

use drover_template::Templates;
use drover_types::{Layer, Map, Templar, TemplateError, Value, Vars};
use std::sync::Arc;

/// ansible-core 2.19's words for a template whose text result it will not evaluate.
const UNTRUSTED: &str = "Encountered untrusted template or expression.";

/// The inside of a condition that is exactly one `{{ expr }}`.
pub(crate) fn whole_template(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner.trim())
}

/// Evaluates a condition that is exactly one template. `Ok((value, true))` when the template
/// stood for a value (Ansible's deprecated form), `Ok((value, false))` when its text result, a
/// trusted variable, was evaluated as an expression.
pub(crate) fn eval_whole(
    templates: &Templates,
    text: &str,
    inner: &str,
    vars: &Vars,
) -> Result<(Value, bool), TemplateError> {
    match templates.render(text, vars)? {
        Value::String(s) if s.trim().is_empty() => Err(TemplateError::Render(
            "Empty conditional expressions are not allowed.".to_owned(),
        )),
        Value::String(s) => {
            let trusted = is_name(inner) && vars.find(inner).is_some_and(|f| f.trust.is_template());
            if !trusted {
                return Err(TemplateError::Render(UNTRUSTED.to_owned()));
            }
            templates.eval(&s, vars).map(|v| (v, false))
        }
        other => Ok((other, true)),
    }
}

/// Evaluates a condition with templates inside its string literals; delimiters elsewhere are
/// a syntax error.
pub(crate) fn eval_embedded(
    templates: &Templates,
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
        if Templates::is_template(body) {
            let name = format!("__drover_embedded_{}", bound.len());
            bound.insert(name.clone(), templates.render(&unescape(body), vars)?);
            expr.push_str(&name);
        } else {
            expr.push_str(whole);
        }
        rest = after;
    }
    check_code(rest)?;
    expr.push_str(rest);
    if bound.is_empty() {
        return templates.eval(&expr, vars);
    }
    // Rendered values are data: the layer is never rendered again.
    let vars = vars.clone().with(Arc::new(Layer::data(bound)));
    templates.eval(&expr, &vars)
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

#[cfg(test)]
mod tests {
    use super::*;
    use drover_types::Trust;

    fn vars() -> Vars {
        let mut map = Map::new();
        map.insert("cond".into(), Value::from("1 == 1"));
        map.insert("item".into(), Value::from("web1"));
        map.insert("wanted".into(), Value::from(vec![Value::from("web1")]));
        let mut data = Map::new();
        data.insert(
            "out".into(),
            Value::from(Map::from_iter([(
                "stdout".to_owned(),
                Value::from("lookup('pipe', 'echo bang')"),
            )])),
        );
        data.insert("quote".into(), Value::from("x' or 'a' == 'a"));
        let mut v = Vars::new().with(Arc::new(Layer::template(map)));
        v.set("untrusted_cond", Value::from("1 == 1"), Trust::Data);
        v.with(Arc::new(Layer::data(data)))
    }

    fn whole(text: &str) -> Result<(Value, bool), TemplateError> {
        let inner = whole_template(text).expect("a whole template");
        eval_whole(&Templates::new(), text, inner, &vars())
    }

    #[test]
    fn a_whole_template_of_a_value_is_that_value() {
        assert_eq!(whole("{{ 1 == 1 }}").unwrap(), (Value::Bool(true), true));
    }

    #[test]
    fn text_from_a_trusted_variable_is_evaluated() {
        assert_eq!(whole("{{ cond }}").unwrap(), (Value::Bool(true), false));
    }

    #[test]
    fn text_from_anywhere_else_is_untrusted() {
        for text in ["{{ '1 == 1' }}", "{{ out.stdout }}", "{{ untrusted_cond }}"] {
            let err = whole(text).unwrap_err();
            assert_eq!(err.message(), UNTRUSTED, "{text}");
        }
        let err = whole("{{ '' }}").unwrap_err();
        assert_eq!(
            err.message(),
            "Empty conditional expressions are not allowed."
        );
    }

    #[test]
    fn delimiters_in_the_expression_are_a_syntax_error() {
        let err =
            eval_embedded(&Templates::new(), "\"foo\" in {{ out.stdout }}", &vars()).unwrap_err();
        assert!(
            err.message()
                .contains("Template delimiters are not supported")
        );
    }

    #[test]
    fn a_template_in_a_literal_stands_for_its_value() {
        let t = Templates::new();
        let v = vars();
        for (expr, expected) in [
            ("'{{ item }}' in wanted", true),
            ("\"{{ cond }}\" == '1 == 1'", true),
            // Quotes in the value stay inside it: no way out of the literal.
            ("'{{ quote }}' == 'a'", false),
            ("'it\\'s {{ item }}' == \"it's web1\"", true),
        ] {
            let got = eval_embedded(&t, expr, &v).unwrap();
            assert_eq!(got, Value::Bool(expected), "{expr}");
        }
    }
}
