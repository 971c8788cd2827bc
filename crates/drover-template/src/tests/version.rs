//! The `version` (`version_compare`) test: ansible-core's version classes, LooseVersion,
//! StrictVersion and SemanticVersion, with the errors they raise.

use crate::convert::py_str;
use crate::filters::core::fail;
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Error, ErrorKind};
use std::cmp::Ordering;

/// A number kept as its digits, so that any length compares right.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Digits(String);

impl Digits {
    fn new(s: &str) -> Self {
        let t = s.trim_start_matches('0');
        Digits(if t.is_empty() { "0" } else { t }.to_owned())
    }
}

impl Ord for Digits {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Digits {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Part {
    Num(Digits),
    Str(String),
}

/// LooseVersion's components: `re.split(r'(\d+ | [a-z]+ | \.)')` without the dots and empty
/// strings; the text between matches is kept as it is, digit runs become numbers.
fn loose_parts(v: &str) -> Vec<Part> {
    #[derive(PartialEq, Clone, Copy)]
    enum K {
        Digit,
        Lower,
        Other,
    }
    let kind = |c: char| {
        if c.is_ascii_digit() {
            K::Digit
        } else if c.is_ascii_lowercase() {
            K::Lower
        } else {
            K::Other
        }
    };
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_kind = K::Other;
    let flush = |cur: &mut String, k: K, parts: &mut Vec<Part>| {
        if !cur.is_empty() {
            let s = std::mem::take(cur);
            parts.push(if k == K::Digit {
                Part::Num(Digits::new(&s))
            } else {
                Part::Str(s)
            });
        }
    };
    for c in v.chars() {
        if c == '.' {
            flush(&mut cur, cur_kind, &mut parts);
            continue;
        }
        let k = kind(c);
        if k != cur_kind {
            flush(&mut cur, cur_kind, &mut parts);
            cur_kind = k;
        }
        cur.push(c);
    }
    flush(&mut cur, cur_kind, &mut parts);
    parts
}

/// Python's list comparison of LooseVersion components: an int and a str cannot be ordered.
fn cmp_loose(a: &str, b: &str) -> Result<Ordering, Error> {
    let (x, y) = (loose_parts(a), loose_parts(b));
    for (p, q) in x.iter().zip(&y) {
        let o = match (p, q) {
            (Part::Num(m), Part::Num(n)) => m.cmp(n),
            (Part::Str(m), Part::Str(n)) => m.cmp(n),
            (Part::Str(_), Part::Num(_)) => {
                return Err(failed(
                    "'<' not supported between instances of 'str' and 'int'",
                ));
            }
            (Part::Num(_), Part::Str(_)) => {
                return Err(failed(
                    "'<' not supported between instances of 'int' and 'str'",
                ));
            }
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(x.len().cmp(&y.len()))
}

fn failed(msg: impl std::fmt::Display) -> Error {
    fail(format!("Version comparison failed: {msg}"))
}

/// A StrictVersion: the three numbers and the pre-release tag (`a` or `b`, a number).
type Strict = ([Digits; 3], Option<(char, Digits)>);

/// StrictVersion: `major.minor[.patch][{a|b}N]`, ASCII digits only.
fn strict_parse(v: &str) -> Result<Strict, Error> {
    let invalid = || failed(format!("invalid version number '{v}'"));
    // Python's `$` also matches before a final newline.
    let s = v.strip_suffix('\n').unwrap_or(v);
    let (core, pre) = match s.find(['a', 'b']) {
        Some(i) => (&s[..i], Some((s.as_bytes()[i] as char, &s[i + 1..]))),
        None => (s, None),
    };
    let num = |t: &str| {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Digits::new(t))
            .ok_or_else(invalid)
    };
    let nums: Vec<&str> = core.split('.').collect();
    if !(2..=3).contains(&nums.len()) {
        return Err(invalid());
    }
    let patch = match nums.get(2) {
        Some(p) => num(p)?,
        None => Digits::new("0"),
    };
    let version = [num(nums[0])?, num(nums[1])?, patch];
    let pre = match pre {
        Some((c, n)) => Some((c, num(n)?)),
        None => None,
    };
    Ok((version, pre))
}

fn cmp_strict(a: &str, b: &str) -> Result<Ordering, Error> {
    let (va, pa) = strict_parse(a)?;
    let (vb, pb) = strict_parse(b)?;
    Ok(va.cmp(&vb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    }))
}

#[derive(Debug, PartialEq, Eq)]
enum Ident {
    Num(Digits),
    Alpha(String),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Alpha(a), Ident::Alpha(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// SemanticVersion (semver 2.0.0): the numeric core and the pre-release identifiers; build
/// metadata is checked and ignored.
fn semver_parse(v: &str) -> Result<([Digits; 3], Vec<Ident>), Error> {
    let invalid = || failed(format!("invalid semantic version '{v}'"));
    let s = v.strip_suffix('\n').unwrap_or(v);
    let ident_ok =
        |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let numeric = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let no_leading_zero = |t: &str| t == "0" || !t.starts_with('0');
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    if let Some(b) = build
        && !b.split('.').all(ident_ok)
    {
        return Err(invalid());
    }
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let nums: Vec<&str> = core.split('.').collect();
    if nums.len() != 3 || !nums.iter().all(|n| numeric(n) && no_leading_zero(n)) {
        return Err(invalid());
    }
    let mut idents = Vec::new();
    if let Some(p) = pre {
        for t in p.split('.') {
            if !ident_ok(t) || (numeric(t) && !no_leading_zero(t)) {
                return Err(invalid());
            }
            idents.push(if numeric(t) {
                Ident::Num(Digits::new(t))
            } else {
                Ident::Alpha(t.to_owned())
            });
        }
    }
    Ok((
        [
            Digits::new(nums[0]),
            Digits::new(nums[1]),
            Digits::new(nums[2]),
        ],
        idents,
    ))
}

fn cmp_semver(a: &str, b: &str) -> Result<Ordering, Error> {
    let (ca, pa) = semver_parse(a)?;
    let (cb, pb) = semver_parse(b)?;
    Ok(ca
        .cmp(&cb)
        .then_with(|| match (pa.is_empty(), pb.is_empty()) {
            (true, true) => Ordering::Equal,
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => pa.cmp(&pb),
        }))
}

/// `version(version, operator='eq', strict=None, version_type=None)`.
pub(super) fn version_test(
    value: &Value,
    version: &Value,
    args: Rest<Value>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    if args.len() > 3 {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    let arg = |i: usize, name: &str| -> Result<Option<Value>, Error> {
        let v = match args.get(i) {
            Some(v) => Some(v.clone()),
            None => kwargs.get::<Option<Value>>(name)?,
        };
        Ok(v.filter(|v| !v.is_none()))
    };
    // An explicit None operator is not one ansible-core knows; None strict/version_type is
    // "not given".
    let operator = match args.first() {
        Some(o) => Some(o.clone()),
        None => kwargs.get::<Option<Value>>("operator")?,
    }
    .map_or_else(|| "eq".to_owned(), |o| py_str(&o));
    let strict = arg(1, "strict")?;
    let version_type = arg(2, "version_type")?;
    kwargs.assert_all_used()?;
    if strict.is_some() && version_type.is_some() {
        return Err(fail("Cannot specify both 'strict' and 'version_type'"));
    }
    if !value.is_true() {
        return Err(fail("Input version value cannot be empty"));
    }
    if !version.is_true() {
        return Err(fail("Version parameter to compare against cannot be empty"));
    }
    let kind = if strict.as_ref().is_some_and(Value::is_true) {
        "strict".to_owned()
    } else {
        match version_type.filter(Value::is_true) {
            Some(t) => py_str(&t),
            None => "loose".to_owned(),
        }
    };
    let compare: fn(&str, &str) -> Result<Ordering, Error> = match kind.as_str() {
        "loose" | "pep440" => cmp_loose,
        "strict" => cmp_strict,
        "semver" | "semantic" => cmp_semver,
        other => {
            return Err(fail(format!(
                "Invalid version type ({other}). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'"
            )));
        }
    };
    let want: &[Ordering] = match operator.as_str() {
        "==" | "=" | "eq" => &[Ordering::Equal],
        "<" | "lt" => &[Ordering::Less],
        "<=" | "le" => &[Ordering::Less, Ordering::Equal],
        ">" | "gt" => &[Ordering::Greater],
        ">=" | "ge" => &[Ordering::Greater, Ordering::Equal],
        "!=" | "<>" | "ne" => &[Ordering::Less, Ordering::Greater],
        other => {
            return Err(fail(format!(
                "Invalid operator type ({other}). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'"
            )));
        }
    };
    Ok(want.contains(&compare(&py_str(value), &py_str(version))?))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn loose_components_keep_the_text_between_matches() {
        assert_eq!(
            loose_parts("1.2Bc-3"),
            vec![
                Part::Num(Digits::new("1")),
                Part::Num(Digits::new("2")),
                Part::Str("B".into()),
                Part::Str("c".into()),
                Part::Str("-".into()),
                Part::Num(Digits::new("3")),
            ]
        );
        assert_eq!(
            cmp_loose("1.99999999999999999999999", "1.100000000000000000000000").unwrap(),
            Ordering::Less
        );
    }

    #[test]
    fn strict_and_semantic_versions_validate() {
        assert!(cmp_strict("3", "1.2").is_err());
        assert!(cmp_strict("1.2.3.4", "1.2").is_err());
        assert_eq!(cmp_strict("1.2", "1.2.0").unwrap(), Ordering::Equal);
        assert_eq!(cmp_strict("1.2a1", "1.2").unwrap(), Ordering::Less);
        assert_eq!(cmp_strict("1.2a2", "1.2b1").unwrap(), Ordering::Less);
        assert!(cmp_semver("1.2", "1.2.0").is_err());
        assert!(cmp_semver("01.2.0", "1.2.0").is_err());
        assert_eq!(
            cmp_semver("1.0.0-alpha", "1.0.0-alpha.1").unwrap(),
            Ordering::Less
        );
        assert_eq!(
            cmp_semver("1.0.0-1", "1.0.0-alpha").unwrap(),
            Ordering::Less
        );
        assert_eq!(cmp_semver("1.0.0+b1", "1.0.0+b2").unwrap(), Ordering::Equal);
    }
}
