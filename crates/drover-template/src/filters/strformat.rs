//! Python's `str.format`: `{}`, `{0}`, `{name}` fields with `!r`/`!s` conversions and the format
//! specification mini-language (`[[fill]align][sign][#][0][width][,|_][.precision][type]`),
//! applied per type as Python's `__format__` methods do.

use super::core::{fail, type_name};
use crate::convert::{py_repr, py_str};
use drover_python::repr::float_repr;
use minijinja::Error;
use minijinja::value::{Value, ValueKind};

/// `s.format(*args, **kwargs)`; minijinja hands keyword arguments over as a last kwargs value.
pub(crate) fn str_format(s: &str, args: &[Value]) -> Result<String, Error> {
    let (args, named) = match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => (rest, Some(last)),
        _ => (args, None),
    };
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err(fail("Single '}' encountered in format string")),
            '{' => {
                let mut field = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    field.push(c);
                }
                if !closed {
                    return Err(fail("expected '}' before end of string"));
                }
                let (head, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (name, conv) = match head.split_once('!') {
                    Some((n, c)) => (n, Some(c)),
                    None => (head, None),
                };
                let arg = if name.is_empty() {
                    auto += 1;
                    args.get(auto - 1).cloned().ok_or_else(|| {
                        fail("Replacement index out of range for positional args tuple")
                    })?
                } else if let Ok(i) = name.parse::<usize>() {
                    args.get(i).cloned().ok_or_else(|| {
                        fail("Replacement index out of range for positional args tuple")
                    })?
                } else {
                    let v = named
                        .map(|m| m.get_attr(name))
                        .transpose()?
                        .filter(|v| !v.is_undefined());
                    v.ok_or_else(|| fail(format!("KeyError: '{name}'")))?
                };
                let arg = match conv {
                    None => arg,
                    Some("s") => Value::from(py_str(&arg)),
                    Some("r") | Some("a") => {
                        let mut r = String::new();
                        py_repr(&arg, &mut r);
                        Value::from(r)
                    }
                    Some(other) => {
                        return Err(fail(format!("Unknown conversion specifier {other}")));
                    }
                };
                out.push_str(&format_value(&arg, spec)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A parsed format specification.
#[derive(Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alt: bool,
    zero: bool,
    width: usize,
    group: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

fn parse_spec(spec: &str) -> Result<Spec, Error> {
    let invalid = || fail("Invalid format specifier");
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec::default();
    if chars.len() >= 2 && "<>=^".contains(chars[1]) {
        s.fill = Some(chars[0]);
        s.align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && "<>=^".contains(chars[0]) {
        s.align = Some(chars[0]);
        i = 1;
    }
    if i < chars.len() && "+- ".contains(chars[i]) {
        s.sign = Some(chars[i]);
        i += 1;
    }
    if i < chars.len() && chars[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < chars.len() && chars[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let start = i;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    let width: String = chars[start..i].iter().collect();
    s.width = if width.is_empty() {
        0
    } else {
        super::core::within_limit(width.parse().map_err(|_| invalid())?)?
    };
    if i < chars.len() && (chars[i] == ',' || chars[i] == '_') {
        s.group = Some(chars[i]);
        i += 1;
    }
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let p: String = chars[start..i].iter().collect();
        s.precision = Some(
            p.parse()
                .map_err(|_| fail("Format specifier missing precision"))?,
        );
    }
    if i < chars.len() {
        s.kind = Some(chars[i]);
        i += 1;
    }
    if i != chars.len() {
        return Err(invalid());
    }
    Ok(s)
}

/// `format(value, spec)`.
fn format_value(v: &Value, spec: &str) -> Result<String, Error> {
    if spec.is_empty() {
        return Ok(py_str(v));
    }
    let s = parse_spec(spec)?;
    match v.kind() {
        ValueKind::String => format_str(v.as_str().unwrap_or_default(), &s),
        ValueKind::Bool | ValueKind::Number => format_number(v, &s),
        _ => Err(fail(format!(
            "unsupported format string passed to {}.__format__",
            py_type(v)
        ))),
    }
}

fn py_type(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::None => "NoneType",
        _ => type_name(v),
    }
}

fn format_str(text: &str, s: &Spec) -> Result<String, Error> {
    if !matches!(s.kind, None | Some('s')) {
        return Err(fail(format!(
            "Unknown format code '{}' for object of type 'str'",
            s.kind.unwrap_or('s')
        )));
    }
    if s.sign.is_some() {
        return Err(fail("Sign not allowed in string format specifier"));
    }
    if s.group.is_some() {
        return Err(fail("Cannot specify ',' with 's'."));
    }
    if s.align == Some('=') {
        return Err(fail("'=' alignment not allowed in string format specifier"));
    }
    let body: String = match s.precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_owned(),
    };
    Ok(pad(&body, "", s, '<'))
}

/// Pads `body` (after `prefix`, a sign) to the width; `=` and `0` pad between them.
fn pad(body: &str, prefix: &str, s: &Spec, default_align: char) -> String {
    let len = body.chars().count() + prefix.chars().count();
    if len >= s.width {
        return format!("{prefix}{body}");
    }
    let n = s.width - len;
    let (fill, align) = match (s.fill, s.align) {
        (f, Some(a)) => (f.unwrap_or(if s.zero && a == '=' { '0' } else { ' ' }), a),
        (_, None) if s.zero => ('0', '='),
        _ => (' ', default_align),
    };
    let fills = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{prefix}{body}{}", fills(n)),
        '^' => format!("{}{prefix}{body}{}", fills(n / 2), fills(n - n / 2)),
        '=' => format!("{prefix}{}{body}", fills(n)),
        _ => format!("{}{prefix}{body}", fills(n)),
    }
}

fn group(digits: &str, sep: Option<char>, every: usize) -> String {
    let Some(sep) = sep else {
        return digits.to_owned();
    };
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && (chars.len() - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(*c);
    }
    out
}

fn format_number(v: &Value, s: &Spec) -> Result<String, Error> {
    let int = if v.kind() == ValueKind::Bool {
        Some(i128::from(v.is_true()))
    } else if v.is_integer() {
        i128::try_from(v.clone()).ok()
    } else {
        None
    };
    let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
    let negative = match int {
        Some(i) => i < 0,
        None => f.is_sign_negative() && !f.is_nan(),
    };
    let sign = match (negative, s.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    let kind = s.kind;
    let body = match (int, kind) {
        (Some(i), None | Some('d') | Some('n')) => {
            if s.precision.is_some() {
                return Err(fail("Precision not allowed in integer format specifier"));
            }
            group(&i.unsigned_abs().to_string(), s.group, 3)
        }
        (Some(i), Some(k @ ('x' | 'X' | 'o' | 'b'))) => {
            let a = i.unsigned_abs();
            let (digits, alt) = match k {
                'x' => (format!("{a:x}"), "0x"),
                'X' => (format!("{a:X}"), "0X"),
                'o' => (format!("{a:o}"), "0o"),
                _ => (format!("{a:b}"), "0b"),
            };
            let digits = group(&digits, s.group.filter(|g| *g == '_'), 4);
            if s.alt {
                format!("{alt}{digits}")
            } else {
                digits
            }
        }
        (Some(i), Some('c')) => {
            char::from_u32(u32::try_from(i).map_err(|_| fail("%c arg not in range(0x110000)"))?)
                .map(String::from)
                .ok_or_else(|| fail("%c arg not in range(0x110000)"))?
        }
        (_, Some(k @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%'))) | (None, Some(k @ 'n')) => {
            let x = int.map_or(f, |i| i as f64).abs();
            float_body(x, k, s)
        }
        (None, None) => {
            let x = f.abs();
            match s.precision {
                Some(_) => float_body(x, 'g', s),
                None => group_float(&float_repr(x), s.group),
            }
        }
        (_, Some(k)) => {
            return Err(fail(format!(
                "Unknown format code '{k}' for object of type '{}'",
                type_name(v)
            )));
        }
    };
    Ok(pad(&body, sign, s, '>'))
}

fn group_float(text: &str, sep: Option<char>) -> String {
    let (int_part, rest) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    format!("{}{rest}", group(int_part, sep, 3))
}

fn float_body(x: f64, kind: char, s: &Spec) -> String {
    if x.is_nan() {
        return if kind.is_ascii_uppercase() {
            "NAN"
        } else {
            "nan"
        }
        .into();
    }
    if x.is_infinite() {
        return if kind.is_ascii_uppercase() {
            "INF"
        } else {
            "inf"
        }
        .into();
    }
    let p = s.precision.unwrap_or(6);
    let text = match kind {
        'f' | 'F' => format!("{x:.p$}"),
        '%' => format!("{:.p$}%", x * 100.0),
        'e' | 'E' => exp(x, p, kind == 'E'),
        _ => {
            // General: fixed or scientific by the exponent, trailing zeros dropped.
            let p = p.max(1);
            let e = if x == 0.0 {
                0
            } else {
                x.abs().log10().floor() as i32
            };
            let sci = exp(x, p - 1, kind == 'G');
            let e = sci
                .split(['e', 'E'])
                .nth(1)
                .and_then(|t| t.parse::<i32>().ok())
                .unwrap_or(e);
            let text = if e < -4 || e >= p as i32 {
                sci
            } else {
                format!("{x:.*}", (p as i32 - 1 - e).max(0) as usize)
            };
            if s.alt { text } else { strip_zeros(&text) }
        }
    };
    let text = if s.alt && !text.contains('.') && (kind == 'f' || kind == 'F') {
        format!("{text}.")
    } else {
        text
    };
    group_float(&text, s.group)
}

fn strip_zeros(text: &str) -> String {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}{exponent}")
}

/// Scientific notation as Python writes it: `1.500000e+00`.
fn exp(x: f64, p: usize, upper: bool) -> String {
    let s = format!("{x:.p$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    let out = format!("{m}e{sign}{digits:0>2}");
    if upper { out.to_uppercase() } else { out }
}
