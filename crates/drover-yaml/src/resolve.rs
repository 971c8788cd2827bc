//! Plain scalars resolved the way PyYAML's YAML 1.1 resolver does, since that is what Ansible
//! uses: `yes`/`on` are booleans (but `y` is text), `0755` is octal, `1e3` is text (a float needs
//! a dot, and an exponent needs a sign), `190:20:30` is a base-60 integer. Also the explicit
//! `!!int`/`!!float`/`!!bool`/`!!null` conversions, which are more lenient, as in PyYAML.

use crate::NodeValue;

/// What a plain (unquoted, untagged) scalar means in YAML 1.1.
pub(crate) fn plain(text: &str) -> NodeValue {
    if is_null(text) {
        return NodeValue::Null;
    }
    if let Some(b) = as_bool(text) {
        return NodeValue::Bool(b);
    }
    if looks_like_int(text) {
        return match construct_int(text) {
            Some(i) => NodeValue::Int(i),
            // Too big for 64 bits (Python has no limit): keep the text as written.
            None => NodeValue::Str(text.to_owned()),
        };
    }
    match looks_like_float(text)
        .then(|| construct_float(text))
        .flatten()
    {
        Some(f) => NodeValue::Float(f),
        None => NodeValue::Str(text.to_owned()),
    }
}

/// `~`, `null`, `Null`, `NULL` or nothing.
pub(crate) fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// The YAML 1.1 booleans PyYAML knows (not `y`/`n`).
pub(crate) fn as_bool(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn strip_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn all(text: &str, ok: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(ok)
}

fn is_digit_(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `:` separated base-60 parts after the first: each `[0-5]?[0-9]`.
fn sexagesimal_tail(parts: &[&str]) -> bool {
    parts.iter().all(|p| match p.as_bytes() {
        [d] => d.is_ascii_digit(),
        [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
        _ => false,
    })
}

/// PyYAML's implicit int pattern.
fn looks_like_int(text: &str) -> bool {
    let (_, body) = strip_sign(text);
    let bytes = body.as_bytes();
    if let Some(rest) = body.strip_prefix("0b") {
        return !rest.is_empty() && all(rest, |b| matches!(b, b'0' | b'1' | b'_'));
    }
    if let Some(rest) = body.strip_prefix("0x") {
        return !rest.is_empty() && all(rest, |b| b.is_ascii_hexdigit() || b == b'_');
    }
    match bytes.first() {
        Some(b'0') => {
            // `0` alone, or an octal number `0[0-7_]+`.
            bytes.len() == 1 || all(&body[1..], |b| matches!(b, b'0'..=b'7' | b'_'))
        }
        Some(b'1'..=b'9') => {
            let mut parts = body.split(':');
            let first = parts.next().unwrap_or_default();
            let rest: Vec<&str> = parts.collect();
            all(first, is_digit_) && sexagesimal_tail(&rest)
        }
        _ => false,
    }
}

/// PyYAML's implicit float pattern (a dot is required, an exponent needs a sign).
fn looks_like_float(text: &str) -> bool {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    if matches!(strip_sign(text).1, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    if let Some(rest) = text.strip_prefix('.') {
        // `.5`, `.5e+3` (no sign allowed before the dot in this form).
        return rest.as_bytes().first().is_some_and(u8::is_ascii_digit) && decimal_tail(rest);
    }
    let (_, body) = strip_sign(text);
    if !body.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let Some(dot) = body.find('.') else {
        return false;
    };
    let (int_part, frac) = (&body[..dot], &body[dot + 1..]);
    if int_part.contains(':') {
        // Base 60: `190:20:30.15`; the fraction is digits and underscores only.
        let mut parts = int_part.split(':');
        let first = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        return all(first, is_digit_) && sexagesimal_tail(&rest) && all(frac, is_digit_);
    }
    all(int_part, is_digit_) && decimal_tail(frac)
}

/// `[0-9_]*` optionally followed by `[eE][-+][0-9]+`.
fn decimal_tail(text: &str) -> bool {
    let (digits, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    if !all(digits, is_digit_) {
        return false;
    }
    match exp {
        None => true,
        Some(e) => {
            let b = e.as_bytes();
            matches!(b.first(), Some(b'-' | b'+'))
                && b.len() > 1
                && all(&e[1..], |c| c.is_ascii_digit())
        }
    }
}

/// PyYAML's int constructor, also used for `!!int` (which accepts more than the pattern).
pub(crate) fn construct_int(text: &str) -> Option<i64> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let cleaned = cleaned.trim();
    let (negative, body) = strip_sign(cleaned);
    let magnitude: i128 = if body == "0" {
        0
    } else if let Some(bin) = body.strip_prefix("0b") {
        parse_radix(bin, 2)?
    } else if let Some(hex) = body.strip_prefix("0x") {
        parse_radix(hex, 16)?
    } else if let Some(oct) = body.strip_prefix('0') {
        // Python's int(x, 8) also takes an `0o` prefix here.
        parse_radix(oct.strip_prefix(['o', 'O']).unwrap_or(oct), 8)?
    } else if body.contains(':') {
        let mut total: i128 = 0;
        for part in body.split(':') {
            total = total.checked_mul(60)?.checked_add(parse_radix(part, 10)?)?;
        }
        total
    } else {
        parse_radix(body, 10)?
    };
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

fn parse_radix(digits: &str, radix: u32) -> Option<i128> {
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    i128::from_str_radix(digits, radix).ok()
}

/// PyYAML's float constructor, also used for `!!float`.
pub(crate) fn construct_float(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_lowercase();
    let cleaned = cleaned.trim();
    let (negative, body) = strip_sign(cleaned);
    let sign = if negative { -1.0 } else { 1.0 };
    if body == ".inf" {
        return Some(sign * f64::INFINITY);
    }
    if body == ".nan" {
        return Some(f64::NAN);
    }
    if body.contains(':') {
        let mut total = 0.0;
        for part in body.split(':') {
            let part: f64 = part.parse().ok()?;
            total = total * 60.0 + part;
        }
        return Some(sign * total);
    }
    if body.starts_with(['+', '-']) {
        return None;
    }
    body.parse::<f64>().ok().map(|f| sign * f)
}

/// The explicit `!!bool` conversion (PyYAML accepts the same words as the implicit one,
/// case-insensitively).
pub(crate) fn construct_bool(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> NodeValue {
        plain(text)
    }

    #[test]
    fn booleans_are_yaml_1_1() {
        for t in [
            "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(p(t), NodeValue::Bool(true), "{t}");
        }
        for t in [
            "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(p(t), NodeValue::Bool(false), "{t}");
        }
        for t in ["y", "n", "Y", "N", "oN", "tRUE", "yEs"] {
            assert_eq!(p(t), NodeValue::Str(t.into()), "{t}");
        }
    }

    #[test]
    fn nulls() {
        for t in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(p(t), NodeValue::Null);
        }
        assert_eq!(p("nUll"), NodeValue::Str("nUll".into()));
    }

    #[test]
    fn integers_as_pyyaml_reads_them() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("00", 0),
            ("0_", 0),
            ("12", 12),
            ("+12", 12),
            ("-12", -12),
            ("1_000", 1000),
            ("1__", 1),
            ("0755", 493),
            ("0x1F", 31),
            ("+0x1", 1),
            ("0b101", 5),
            ("-0b101", -5),
            ("190:20:30", 685_230),
            ("1:59", 119),
        ];
        for (t, v) in cases {
            assert_eq!(p(t), NodeValue::Int(*v), "{t}");
        }
        for t in [
            "0o755", "08", "09", "1:60", "_1", "-_1", "0b_", "0x_", "1e3", "1e+3", "0x", "+", "-",
        ] {
            assert_eq!(p(t), NodeValue::Str((*t).into()), "{t}");
        }
        assert_eq!(
            p("12345678901234567890123"),
            NodeValue::Str("12345678901234567890123".into())
        );
    }

    #[test]
    fn floats_as_pyyaml_reads_them() {
        let cases: &[(&str, f64)] = &[
            ("1.5", 1.5),
            ("-1.5", -1.5),
            ("1.", 1.0),
            ("1._", 1.0),
            ("0.", 0.0),
            (".5", 0.5),
            ("1.0e+3", 1000.0),
            ("1.e+3", 1000.0),
            ("1.5E-1", 0.15),
            ("190:20:30.15", 685_230.15),
            (".inf", f64::INFINITY),
            ("-.inf", f64::NEG_INFINITY),
            ("+.Inf", f64::INFINITY),
        ];
        for (t, v) in cases {
            assert_eq!(p(t), NodeValue::Float(*v), "{t}");
        }
        assert!(matches!(p(".NaN"), NodeValue::Float(f) if f.is_nan()));
        for t in [
            "1.0e3", "-.5", "+.5", "1e3", ".", "..", "1.2.3", "1.5e+", ".e+1", "inf", "nan",
        ] {
            assert_eq!(p(t), NodeValue::Str((*t).into()), "{t}");
        }
    }

    #[test]
    fn explicit_conversions_are_lenient() {
        assert_eq!(construct_int("0o12"), Some(10));
        assert_eq!(construct_int("12"), Some(12));
        assert_eq!(construct_int("x"), None);
        assert_eq!(construct_int("--1"), None);
        assert_eq!(construct_float("1"), Some(1.0));
        assert_eq!(construct_float("1e3"), Some(1000.0));
        assert_eq!(construct_bool("YeS"), Some(true));
        assert_eq!(construct_bool("y"), None);
    }
}
