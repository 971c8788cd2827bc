//! Chained lookups on undefined values before `default` and `is defined`.
//!
//! Ansible's undefined is strict when *used* but chainable: `a.b.c | default('x')` gives `'x'` even
//! when `a` itself is undefined, and `a.b is defined` is false. minijinja's strict mode fails at
//! `a.b`. Rather than loosen minijinja everywhere (printing or iterating an undefined value must
//! stay an error), the few spellings that need chaining are rewritten before compiling:
//! `a.b['c'].d | default(...)` becomes `__drover_chain(a, 'b', 'c', 'd') | default(...)`, whose
//! function walks the keys and gives undefined as soon as one is missing.

use minijinja::value::{Rest, Value};
use regex::{Captures, Regex};
use std::borrow::Cow;
use std::sync::OnceLock;

/// The name of the helper function the rewrite calls.
pub(crate) const CHAIN_FN: &str = "__drover_chain";

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?P<pre>^|[^\w.)\]'"])(?P<root>[A-Za-z_]\w*)(?P<chain>(?:\s*\.\s*(?:[A-Za-z_]\w*|\d+)|\[[^\[\]:]*\])+)(?P<post>\s*(?:\|\s*(?:default|d)\b|is\s+(?:not\s+)?(?:defined|undefined)\b))"#,
        )
        .expect("valid regex")
    })
}

fn step() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\s*\.\s*(?P<name>[A-Za-z_]\w*)|\s*\.\s*(?P<num>\d+)|\[(?P<expr>[^\[\]:]*)\]")
            .expect("valid regex")
    })
}

/// Rewrites a template's `{{ }}` and `{% %}` tags (never its text, comments or raw blocks) for
/// Ansible's chained undefined, Python's `%` formatting and datetime differences.
pub(crate) fn rewrite_chains(source: &str) -> Cow<'_, str> {
    if !source.contains("{{") && !source.contains("{%") {
        return Cow::Borrowed(source);
    }
    map_tags(source, |inner| rewrite(inner, true))
}

/// The same rewrites on a bare expression (a `when:` condition).
pub(crate) fn rewrite_expression(expr: &str) -> Cow<'_, str> {
    rewrite(expr, false)
}

/// The rewrites of one expression; `tag` when it is the inside of a tag (whitespace control).
fn rewrite(expr: &str, tag: bool) -> Cow<'_, str> {
    let sub = crate::pyops::rewrite_datetime_sub(expr);
    let defaults = match sub {
        Cow::Borrowed(s) => rewrite_defaults(s),
        Cow::Owned(s) => Cow::Owned(rewrite_defaults(&s).into_owned()),
    };
    match defaults {
        Cow::Borrowed(s) => crate::compare::rewrite(s, tag),
        Cow::Owned(s) => Cow::Owned(crate::compare::rewrite(&s, tag).into_owned()),
    }
}

/// Applies `f` to the inside of every `{{ }}` and `{% %}` tag; text, `{# #}` comments and
/// `{% raw %}` blocks are copied unchanged.
fn map_tags<'a>(source: &'a str, f: impl Fn(&str) -> Cow<'_, str>) -> Cow<'a, str> {
    let b = source.as_bytes();
    let mut out = String::new();
    let mut copied = 0usize;
    let mut changed = false;
    let mut i = 0usize;
    while i + 1 < b.len() {
        if b[i] != b'{' || !matches!(b[i + 1], b'{' | b'%' | b'#') {
            i += 1;
            continue;
        }
        if b[i + 1] == b'#' {
            i = source[i..].find("#}").map_or(b.len(), |e| i + e + 2);
            continue;
        }
        let close: &[u8] = if b[i + 1] == b'{' { b"}}" } else { b"%}" };
        let start = i + 2;
        let mut j = start;
        let mut quote: Option<u8> = None;
        // As Jinja's lexer: a `}}` inside brackets (`{'a': {}}`) does not close the tag.
        let mut depth = 0usize;
        while j + 1 < b.len() {
            match quote {
                Some(q) => {
                    if b[j] == b'\\' {
                        j += 1;
                    } else if b[j] == q {
                        quote = None;
                    }
                }
                None => {
                    if b[j] == b'\'' || b[j] == b'"' {
                        quote = Some(b[j]);
                    } else if depth == 0 && &b[j..j + 2] == close {
                        break;
                    } else if matches!(b[j], b'(' | b'[' | b'{') {
                        depth += 1;
                    } else if matches!(b[j], b')' | b']' | b'}') {
                        depth = depth.saturating_sub(1);
                    }
                }
            }
            j += 1;
        }
        if j + 1 >= b.len() {
            break;
        }
        let inner = &source[start..j];
        let word = inner.trim().trim_start_matches(['-', '+']).trim_start();
        if close == b"%}" && (word == "raw" || word.starts_with("raw ")) {
            // Copy up to the end of the raw block untouched.
            i = source[j..]
                .find("endraw")
                .and_then(|e| source[j + e..].find("%}").map(|c| j + e + c + 2))
                .unwrap_or(b.len());
            continue;
        }
        let rewritten = f(inner);
        if let Cow::Owned(new) = rewritten {
            out.push_str(&source[copied..start]);
            out.push_str(&new);
            copied = j;
            changed = true;
        }
        i = j + 2;
    }
    if !changed {
        return Cow::Borrowed(source);
    }
    out.push_str(&source[copied..]);
    Cow::Owned(out)
}

/// The `default`/`defined` part of [`rewrite_chains`].
fn rewrite_defaults(source: &str) -> Cow<'_, str> {
    if !(source.contains("default")
        || source.contains("defined")
        || source.contains("|d")
        || source.contains("| d"))
    {
        return Cow::Borrowed(source);
    }
    pattern().replace_all(source, |caps: &Captures<'_>| {
        let mut out = String::new();
        out.push_str(&caps["pre"]);
        out.push_str(CHAIN_FN);
        out.push('(');
        out.push_str(&caps["root"]);
        for s in step().captures_iter(&caps["chain"]) {
            out.push_str(", ");
            if let Some(name) = s.name("name") {
                out.push('\'');
                out.push_str(name.as_str());
                out.push('\'');
            } else if let Some(num) = s.name("num") {
                out.push_str(num.as_str());
            } else if let Some(expr) = s.name("expr") {
                out.push('(');
                out.push_str(expr.as_str());
                out.push(')');
            }
        }
        out.push(')');
        out.push_str(&caps["post"]);
        out
    })
}

/// `__drover_chain(base, key...)`: looks the keys up one after the other; undefined as soon as
/// one is missing (or the base is undefined).
pub(crate) fn chain(base: &Value, keys: Rest<Value>) -> Value {
    let mut cur = base.clone();
    for key in keys.iter() {
        if cur.is_undefined() || cur.is_none() {
            return Value::UNDEFINED;
        }
        let next = match key.as_str() {
            Some(name) => cur.get_attr(name),
            None => cur.get_item(key),
        };
        cur = match next {
            Ok(v) => v,
            Err(_) => return Value::UNDEFINED,
        };
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_default_and_defined_chains() {
        assert_eq!(
            rewrite_chains("{{ a.b.c | default('x') }}"),
            "{{ __drover_chain(a, 'b', 'c') | default('x') }}"
        );
        assert_eq!(
            rewrite_expression("a.b is not defined"),
            "__drover_chain(a, 'b') is not defined"
        );
        assert_eq!(
            rewrite_chains("{{ h[item]['x'] |d(1) }}"),
            "{{ __drover_chain(h, (item), ('x')) |d(1) }}"
        );
        assert_eq!(rewrite_chains("{{ a.b }}"), "{{ a.b }}");
        assert_eq!(
            rewrite_chains("{{ x | default(1) }}"),
            "{{ x | default(1) }}"
        );
    }
}
