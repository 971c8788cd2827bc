//! Python's `repr()`: of a float (the shortest text that reads back the same number), of a
//! `str` (quotes and escapes as CPython chooses them), and of JSON-shaped data (`None`, `True`,
//! `[1, 'a']`, `{'k': 1.5}`), which Ansible shows wherever a value is printed inside text.

use serde_json::Value;
use std::sync::OnceLock;

/// Python's `repr(float)`: the shortest digits that read back the same number, in fixed
/// notation for exponents from -4 to 15 (always with a fraction: `1.0`), in scientific
/// notation beyond (`1e+16`, `5e-324`); `inf`, `-inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-5`. When two such texts
    // are as near (an exact tie), Python takes the even last digit: the correctly rounded text
    // with as many digits (Rust rounds ties to even there) is that one whenever it reads back.
    let shortest = format!("{f:e}");
    let digits = shortest
        .split('e')
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    let nearest = format!("{f:.*e}", digits.saturating_sub(1));
    let sci = if nearest.parse::<f64>() == Ok(f) {
        nearest
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let (int_part, frac_part) = if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                let zeros = "0".repeat(point - digits.len());
                (format!("{digits}{zeros}"), String::new())
            } else {
                (digits[..point].to_owned(), digits[point..].to_owned())
            }
        };
        let frac_part = frac_part.trim_end_matches('0');
        let frac_part = if frac_part.is_empty() { "0" } else { frac_part };
        format!("{sign}{int_part}.{frac_part}")
    } else {
        let mantissa = match digits.split_at_checked(1) {
            Some((first, rest)) if !rest.is_empty() => format!("{first}.{rest}"),
            _ => digits.clone(),
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

/// Whether Python prints `c` as it is in a `repr` (`str.isprintable`): not a control, format,
/// private-use, unassigned or separator character (the space excepted).
pub fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    static OTHER: OnceLock<regex::Regex> = OnceLock::new();
    let other = OTHER.get_or_init(|| {
        regex::Regex::new(r"[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]").expect("a valid class")
    });
    !other.is_match(c.encode_utf8(&mut [0; 4]))
}

/// Python's `repr(str)`: single quotes unless the text holds `'` and no `"`; `\\`, the quote,
/// `\t`, `\n`, `\r` escaped; other characters that are not printable as `\xhh`, `\uhhhh` or
/// `\Uhhhhhhhh`.
pub fn str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_str_repr(s, &mut out);
    out
}

/// [`str_repr`] appended to `out`.
pub fn push_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
}

/// Python's `repr()` of JSON-shaped data: `None`, `True`, `1`, `1.5`, `'a'`, `[1, 'a']`,
/// `{'k': None}`.
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    push_repr(value, &mut out);
    out
}

/// [`repr`] appended to `out`.
pub fn push_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => out.push_str(&float_repr(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => push_str_repr(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_str_repr(k, out);
                out.push_str(": ");
                push_repr(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_like_python() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1.234e20, "1.234e+20"),
            (123456789012345.6, "123456789012345.6"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (685230.15, "685230.15"),
            (5e-324, "5e-324"),
            (-(1_015_839_459_813_240.0 + 0.25), "-1015839459813240.2"),
            (1e23, "1e+23"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (f, text) in cases {
            assert_eq!(float_repr(*f), *text, "{f}");
        }
    }

    #[test]
    fn strings_and_data() {
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(
            str_repr("\u{7f}\u{a0}é\u{200b}\u{1F600}"),
            "'\\x7f\\xa0é\\u200b\u{1F600}'"
        );
        assert_eq!(
            repr(&json!({"k": 1, "b": true, "n": null, "l": [1.0, "x"]})),
            "{'k': 1, 'b': True, 'n': None, 'l': [1.0, 'x']}"
        );
    }
}
