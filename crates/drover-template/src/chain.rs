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

/// Rewrites the chains in `source` that need undefined-tolerant lookups.
pub(crate) fn rewrite_chains(source: &str) -> Cow<'_, str> {
    let pct = crate::pyops::rewrite_percent(source);
    let sub = match crate::pyops::rewrite_datetime_sub(&pct) {
        Cow::Borrowed(_) => pct,
        Cow::Owned(s) => Cow::Owned(s),
    };
    match sub {
        Cow::Borrowed(s) => rewrite_defaults(s),
        Cow::Owned(s) => Cow::Owned(rewrite_defaults(&s).into_owned()),
    }
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
            rewrite_chains("a.b is not defined"),
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
