//! Rendering one string the Ansible way: a string that is exactly one `{{ expr }}` keeps the
//! expression's type, anything else renders to text; undefined values are errors that name the
//! variable.

use crate::chain::rewrite_chains;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, Expression};
use std::borrow::Cow;

/// The text inside `{{ }}` when `source` starts and ends with them and holds no other tag.
pub(crate) fn strip_braces(source: &str) -> Option<&str> {
    let inner = source.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    if inner.contains("{{") || inner.contains("{%") || inner.contains("{#") {
        return None;
    }
    Some(inner)
}

/// The compiled expression of a string that is exactly one `{{ expr }}`, if it is one.
pub(crate) fn single_expression<'a>(
    env: &'a Environment<'a>,
    source: &'a str,
) -> Option<(&'a str, Expression<'a, 'a>)> {
    let inner = strip_braces(source)?;
    // `{{ a }} x {{ b }}` does not compile as one expression; `{{ {'a': {'b': 1}} }}` does.
    env.compile_expression(inner).ok().map(|e| (inner, e))
}

/// Renders `source` with `ctx` as the variables: native type for a lone expression.
///
/// As Jinja (with `keep_trailing_newline` off) the source loses one trailing newline before it
/// is read, so `"{{ n }}\n"` is a lone expression; ansible-core then gives a text result back
/// the trailing newlines the source had and the result lacks.
pub(crate) fn render_in(env: &Environment<'_>, source: &str, ctx: Value) -> Result<Value, Error> {
    if !crate::Templates::is_template(source) {
        return Ok(Value::from(source));
    }
    let body = strip_one_newline(source);
    let escaped = escape_backslashes(body);
    let rewritten = rewrite_chains(&escaped);
    let text: &str = &rewritten;
    let value = if let Some((expr, compiled)) = single_expression(env, text) {
        eval_compiled(env, &compiled, expr, ctx)?
    } else {
        match render_or_none(&env.template_from_str(text)?, ctx)? {
            Some(rendered) => Value::from(rendered),
            None => return Ok(Value::from(())),
        }
    };
    Ok(match value.as_str() {
        Some(s) if value.kind() == minijinja::value::ValueKind::String => {
            let fixed = restore_trailing_newlines(source, s, "\n");
            if fixed.len() == s.len() {
                value
            } else {
                Value::from(fixed)
            }
        }
        _ => value,
    })
}

thread_local! {
    /// How many `{{ }}` the template being rendered on this thread has output.
    static OUTPUTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Renders a template; `None` when it output nothing at all (no text, no expression:
/// `{% for x in [] %}..{% endfor %}`), which is ansible-core 2.19's None rather than ''.
pub(crate) fn render_or_none(
    template: &minijinja::Template<'_, '_>,
    ctx: Value,
) -> Result<Option<String>, Error> {
    // Renders inside this one (variables that are templates) count their own output.
    let outer = OUTPUTS.replace(0);
    let rendered = template.render(ctx);
    let outputs = OUTPUTS.replace(outer);
    let rendered = rendered?;
    Ok((!rendered.is_empty() || outputs > 0).then_some(rendered))
}

/// Counts one `{{ }}` output (called by the environment's formatter).
pub(crate) fn count_output() {
    OUTPUTS.set(OUTPUTS.get() + 1);
}

/// The source as Jinja's lexer reads it: one trailing `\n` (or `\r\n`) removed.
pub(crate) fn strip_one_newline(source: &str) -> &str {
    source
        .strip_suffix("\r\n")
        .or_else(|| source.strip_suffix('\n'))
        .unwrap_or(source)
}

/// ansible-core's `preserve_trailing_newlines`: appends the trailing newlines `source` has
/// beyond those `rendered` has.
/// Template text with every line break (`\r\n`, `\r`, `\n`) made `newline`, as Jinja's lexer
/// does with `newline_sequence`.
pub(crate) fn with_line_breaks<'a>(text: &'a str, newline: &str) -> Cow<'a, str> {
    if !text.contains('\r') && newline == "\n" {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str(newline);
            }
            '\n' => out.push_str(newline),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

pub(crate) fn restore_trailing_newlines(source: &str, rendered: &str, newline: &str) -> String {
    let count = |s: &str| s.len() - s.trim_end_matches('\n').len();
    let missing = count(source).saturating_sub(count(rendered));
    let mut out = rendered.to_owned();
    for _ in 0..missing {
        out.push_str(newline);
    }
    out
}

/// ansible-core keeps backslashes in string constants inside `{{ }}` of templates that come from
/// YAML (`'\\d'` stays two characters, `'a\\nb'` is no newline): their string tokens are
/// pre-escaped before Jinja unescapes them. This re-encodes such literals so minijinja's
/// unescaping gives the raw text back. `{% %}` blocks, conditionals and template files are not
/// affected, as in ansible-core.
pub(crate) fn escape_backslashes(source: &str) -> Cow<'_, str> {
    if !source.contains('\\') {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len() + 8);
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        let mut quote: Option<char> = None;
        let mut buf = String::new();
        while let Some((i, c)) = chars.next() {
            match quote {
                Some(q) => {
                    if c == '\\' {
                        buf.push_str("\\\\");
                        if let Some(&(_, n)) = chars.peek() {
                            if n == q {
                                buf.push('\\');
                                buf.push(n);
                                chars.next();
                            } else if n == '\\' {
                                buf.push_str("\\\\");
                                chars.next();
                            }
                        }
                    } else {
                        if c == q {
                            quote = None;
                        }
                        buf.push(c);
                    }
                }
                None => {
                    if c == '}' && rest[i..].starts_with("}}") {
                        end = i;
                        break;
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    }
                    buf.push(c);
                }
            }
        }
        out.push_str(&buf);
        rest = &rest[end.min(rest.len())..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Evaluates a bare expression; an undefined result is an error naming the variable.
pub(crate) fn eval_in(env: &Environment<'_>, expr: &str, ctx: Value) -> Result<Value, Error> {
    let rewritten: Cow<'_, str> = crate::chain::rewrite_expression(expr);
    let compiled = env.compile_expression(&rewritten)?;
    eval_compiled(env, &compiled, &rewritten, ctx)
}

/// Evaluates a compiled expression (`text` is its source, for error reporting).
fn eval_compiled(
    env: &Environment<'_>,
    compiled: &Expression<'_, '_>,
    text: &str,
    ctx: Value,
) -> Result<Value, Error> {
    let value = compiled.eval(ctx.clone())?;
    if value.is_undefined() {
        // Printing the expression makes minijinja report which part of it is undefined.
        let source = format!("{{{{ {text} }}}}");
        let tmpl = env.template_from_str(&source)?;
        tmpl.render(ctx)?;
        return Err(Error::new(
            ErrorKind::UndefinedError,
            format!("`{}` is undefined", text.trim()),
        ));
    }
    Ok(value)
}

/// A user-facing message for a template error, with the template text when it helps.
pub(crate) fn message(err: &Error, source: &str) -> String {
    let mut msg = describe(err);
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        if let Some(e) = inner.downcast_ref::<Error>() {
            let d = describe(e);
            if !msg.contains(&d) {
                msg.push_str(": ");
                msg.push_str(&d);
            }
        }
        cause = inner.source();
    }
    let snippet = source.trim();
    if !snippet.is_empty() && snippet.len() <= 400 && !msg.contains(snippet) {
        msg.push_str(". String: ");
        msg.push_str(snippet);
    }
    msg
}

/// The error's own text, without minijinja's location suffix for string templates.
pub(crate) fn describe(err: &Error) -> String {
    let base = match err.detail() {
        Some(detail) => match err.kind() {
            ErrorKind::UndefinedError
            | ErrorKind::InvalidOperation
            | ErrorKind::UnknownMethod
            | ErrorKind::BadSerialization => detail.to_owned(),
            ErrorKind::SyntaxError => format!("template syntax error: {detail}"),
            kind => format!("{kind}: {detail}"),
        },
        None => err.kind().to_string(),
    };
    match (err.name(), err.line()) {
        (Some(name), Some(line)) if name != "<string>" && name != "<expression>" => {
            format!("{base} (in {name}:{line})")
        }
        _ => base,
    }
}
