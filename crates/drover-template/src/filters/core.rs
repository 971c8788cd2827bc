//! Ansible's general filters: `default`, `mandatory`, `bool`, `int`, `float`, `string`, `join`,
//! `split`, `ternary`, `type_debug`, `format`, `comment`, the string case filters, and Python
//! helpers they share.

use crate::convert::py_str;
use crate::filters::registry::Registry;
use crate::pycompat::py_split;
use drover_python::repr::float_repr;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Error, ErrorKind};

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("mandatory", mandatory);
    env.add_filter("bool", to_bool);
    env.add_filter("int", to_int);
    env.add_filter("abs", abs);
    env.add_filter("float", to_float);
    env.add_filter("string", string);
    env.add_filter("join", join);
    env.add_filter("split", split);
    env.add_filter("ternary", ternary);
    env.add_filter("type_debug", type_debug);
    env.add_filter("format", format);
    env.add_filter("capitalize", |v: &Value| py_capitalize(&py_str(v)));
    env.add_filter("title", |v: &Value| jinja_title(&py_str(v)));
    env.add_filter("lower", |v: &Value| py_str(v).to_lowercase());
    env.add_filter("upper", |v: &Value| py_str(v).to_uppercase());
    env.add_filter("trim", trim);
    env.add_filter("replace", replace);
    env.add_filter("comment", comment);
    env.add_filter("center", center);
    env.add_filter("urlencode", urlencode);
    env.add_filter("wordcount", |v: &Value| {
        word_re().find_iter(&py_str(v)).count()
    });
    env.add_filter("indent", indent);
    env.add_filter("e", escape);
    env.add_filter("escape", escape);
}

/// An error from a filter, with Ansible's wording.
/// The largest width or repeat count drover builds text for (16 Mi characters): Python would
/// try and run out of memory; drover refuses with an error instead of aborting.
pub(crate) const MAX_WIDTH: usize = 1 << 24;

/// `n` when it is within [`MAX_WIDTH`], else an error.
pub(crate) fn within_limit(n: usize) -> Result<usize, Error> {
    if n > MAX_WIDTH {
        Err(fail(format!(
            "a width or count of {n} is beyond drover's limit of {MAX_WIDTH}"
        )))
    } else {
        Ok(n)
    }
}

/// Python's `operator.index()`: an int (or bool) where Python wants one; a float is a TypeError.
pub(crate) fn py_index(v: &Value) -> Result<i64, Error> {
    match v.kind() {
        ValueKind::Bool => Ok(i64::from(v.is_true())),
        ValueKind::Number if v.is_integer() => i64::try_from(v.clone())
            .map_err(|_| fail("Python int too large to convert to C ssize_t")),
        _ => Err(fail(format!(
            "'{}' object cannot be interpreted as an integer",
            type_name(v)
        ))),
    }
}

/// A keyword option read as Python reads a flag (`if multiline:`): any value, by its truth.
pub(crate) fn flag(kwargs: &Kwargs, name: &str) -> Result<Option<bool>, Error> {
    Ok(kwargs.get::<Option<Value>>(name)?.map(|v| v.is_true()))
}

pub(crate) fn fail(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// `default(value, default_value='', boolean=False)`.
fn default(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    // By keyword or position; an explicit none or undefined is kept, not taken as missing.
    let arg = |i: usize, name: &str| -> Result<Option<Value>, Error> {
        if kwargs.args().any(|k| k == name) {
            return kwargs.get::<Value>(name).map(Some);
        }
        Ok(args.get(i).cloned())
    };
    let other = arg(0, "default_value")?;
    let boolean = arg(1, "boolean")?;
    if args.len() > 2 {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    kwargs.assert_all_used()?;
    let boolean = match boolean {
        None => false,
        Some(b) if b.kind() == ValueKind::Bool => b.is_true(),
        Some(b) if b.is_undefined() => {
            return Err(fail(
                "The 'boolean' argument must be of type 'bool': the value is undefined",
            ));
        }
        Some(b) => {
            return Err(fail(format!(
                "The 'boolean' argument must be of type 'bool', not '{}'.",
                type_name(&b)
            )));
        }
    };
    if value.is_undefined() || (boolean && !value.is_true()) {
        Ok(other.unwrap_or_else(|| Value::from("")))
    } else {
        Ok(value.clone())
    }
}

/// `mandatory(value, msg=None)`: fails when the value is undefined.
fn mandatory(value: &Value, msg: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    let msg = kwargs.get::<Option<String>>("msg")?.or(msg);
    kwargs.assert_all_used()?;
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            msg.unwrap_or_else(|| "Mandatory variable has not been overridden".into()),
        ));
    }
    Ok(value.clone())
}

/// Ansible's `bool` filter: `yes`/`on`/`true`/`1` (any case) are true, anything else false
/// (ansible-core 2.19 still maps other values through `value == 1`).
pub(crate) fn ansible_bool(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::Number => f64::try_from(value.clone()).is_ok_and(|f| f == 1.0),
        ValueKind::String => {
            drover_python::boolean::filter_text(value.as_str().unwrap_or_default())
        }
        _ => false,
    }
}

fn to_bool(value: &Value) -> Value {
    Value::from(ansible_bool(value))
}

/// Python's `int()` of a string, with Jinja's fallback through `float()`.
pub(crate) fn parse_int(s: &str, base: u32) -> Option<i128> {
    // Python's int() refuses other bases (ValueError), as it refuses bad digits.
    if base == 1 || base > 36 {
        return None;
    }
    let t = s.trim().replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d.to_owned()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_owned()),
    };
    let lower = digits.to_lowercase();
    let (base, digits) = match (base, lower.get(..2)) {
        (16, Some("0x")) | (0, Some("0x")) => (16, &lower[2..]),
        (8, Some("0o")) | (0, Some("0o")) => (8, &lower[2..]),
        (2, Some("0b")) | (0, Some("0b")) => (2, &lower[2..]),
        (0, _) => (10, &lower[..]),
        (b, _) => (b, &lower[..]),
    };
    // Python's ints have no size limit; drover's go to 128 bits.
    let n = i128::from_str_radix(digits, base).ok()?;
    Some(if neg { -n } else { n })
}

fn to_int(
    value: &Value,
    default: Option<Value>,
    base: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let default = kwargs
        .get::<Option<Value>>("default")?
        .or(default)
        .unwrap_or_else(|| Value::from(0));
    let base = kwargs.get::<Option<Value>>("base")?.or(base);
    kwargs.assert_all_used()?;
    // Python's `int(s, base)` takes an integer base of 0 or 2 to 36; any other base fails
    // there, and Jinja's filter then tries `int(float(s))` as for any unparsable string.
    let base = match &base {
        None => Some(10),
        Some(b) if b.kind() == ValueKind::Bool => Some(u32::from(b.is_true())),
        Some(b) if b.is_integer() => b.as_i64().and_then(|b| u32::try_from(b).ok()),
        Some(_) => None,
    }
    .filter(|b| *b == 0 || (2..=36).contains(b));
    Ok(int_of(value, default, base))
}

/// Python's `abs()`: of a number (a bool is 0 or 1), else a TypeError.
fn abs(value: &Value) -> Result<Value, Error> {
    match value.kind() {
        ValueKind::Bool => Ok(Value::from(i64::from(value.is_true()))),
        ValueKind::Number if value.is_integer() => match i128::try_from(value.clone()) {
            Ok(n) => Ok(Value::from(n.unsigned_abs())),
            Err(_) => Ok(value.clone()),
        },
        ValueKind::Number => Ok(Value::from(
            f64::try_from(value.clone()).unwrap_or(f64::NAN).abs(),
        )),
        _ => Err(fail(format!(
            "bad operand type for abs(): '{}'",
            type_name(value)
        ))),
    }
}

fn int_of(value: &Value, default: Value, base: Option<u32>) -> Value {
    match value.kind() {
        ValueKind::Bool => Value::from(i64::from(value.is_true())),
        ValueKind::Number => {
            if value.is_integer() {
                value.clone()
            } else {
                f64::try_from(value.clone()).map_or(default, float_to_int)
            }
        }
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default();
            if let Some(n) = base.and_then(|base| parse_int(s, base)) {
                return Value::from(n);
            }
            if let Ok(f) = without_digit_underscores(s.trim()).parse::<f64>()
                && f.is_finite()
            {
                return float_to_int(f);
            }
            default
        }
        _ => default,
    }
}

/// A number's text without the `_` Python allows between two digits (`1_000`); any other `_`
/// is kept, so the text stays invalid.
fn without_digit_underscores(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if *c != '_' || !between_digits {
            out.push(*c);
        }
    }
    out
}

/// Python's `int(f)` of a float: truncated, beyond 64 bits when it needs to be.
fn float_to_int(f: f64) -> Value {
    if f.abs() < 1e38 {
        Value::from(f.trunc() as i128)
    } else {
        Value::from(f)
    }
}

fn to_float(value: &Value, default: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let default = kwargs
        .get::<Option<Value>>("default")?
        .or(default)
        .unwrap_or_else(|| Value::from(0.0));
    kwargs.assert_all_used()?;
    Ok(float_of(value, default))
}

fn float_of(value: &Value, default: Value) -> Value {
    match value.kind() {
        ValueKind::Bool => Value::from(if value.is_true() { 1.0 } else { 0.0 }),
        ValueKind::Number => f64::try_from(value.clone()).map_or(default, Value::from),
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default().trim().to_lowercase();
            match s.as_str() {
                "inf" | "+inf" | "infinity" => Value::from(f64::INFINITY),
                "-inf" | "-infinity" => Value::from(f64::NEG_INFINITY),
                "nan" => Value::from(f64::NAN),
                _ => s
                    .replace('_', "")
                    .parse::<f64>()
                    .map_or(default, Value::from),
            }
        }
        _ => default,
    }
}

fn string(value: &Value) -> Value {
    Value::from(py_str(value))
}

/// `join(value, d='', attribute=None)`: items as Python's `str()`.
/// Jinja's `join(d='', attribute=None)`: the separator and the items as Python's `str()`.
fn join(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    if args.len() > 2 {
        return Err(fail("join() takes at most 2 arguments"));
    }
    let p = crate::params::Params::new(&args, &kwargs);
    let sep = p.get(0, "d")?;
    let attribute = p.get(1, "attribute")?.filter(|a| !a.is_none());
    kwargs.assert_all_used()?;
    if sep.iter().chain(&attribute).any(Value::is_undefined) {
        return Err(crate::convert::undefined_error());
    }
    let sep = sep.map(|s| py_str(&s)).unwrap_or_default();
    let items: Vec<Value> = match value.as_str() {
        Some(s) => s.chars().map(|c| Value::from(c.to_string())).collect(),
        None => value.try_iter()?.collect(),
    };
    let mut parts = Vec::new();
    for item in items {
        let item = match &attribute {
            Some(a) if a.is_integer() => match item.get_item(a) {
                Ok(v) if !v.is_undefined() => v,
                _ => {
                    return Err(Error::new(
                        ErrorKind::UndefinedError,
                        format!("object of type '{}' has no attribute {a}", type_name(&item)),
                    ));
                }
            },
            Some(a) => super::attrs::attr_of(&item, &py_str(a))?,
            None => item,
        };
        parts.push(py_str(&item));
    }
    Ok(parts.join(&sep))
}

/// `split(separator=None, maxsplit=-1)`, as Python's `str.split`.
/// Ansible's `split` is `str.split` itself: the value must be a string, the separator one too.
fn split(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    if args.len() > 2 {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    let sep = kwargs
        .get::<Option<Value>>("separator")?
        .or(args.first().cloned());
    // An explicit maxsplit of none is not an int to Python.
    let maxsplit = match kwargs
        .get::<Option<Value>>("maxsplit")?
        .or(args.get(1).cloned())
    {
        Some(m) => Some(py_index(&m)?),
        None => None,
    };
    kwargs.assert_all_used()?;
    if value.kind() != ValueKind::String {
        return Err(fail(format!(
            "descriptor 'split' for 'str' objects doesn't apply to a '{}' object",
            type_name(value)
        )));
    }
    let sep = match sep {
        Some(s) if s.kind() == ValueKind::String => Some(py_str(&s)),
        Some(s) if !s.is_none() => {
            return Err(fail(format!("must be str or None, not {}", type_name(&s))));
        }
        _ => None,
    };
    if sep.as_deref() == Some("") {
        return Err(fail("empty separator"));
    }
    Ok(split_of(py_str(value), sep, maxsplit))
}

fn split_of(value: String, sep: Option<String>, maxsplit: Option<i64>) -> Value {
    Value::from(py_split(&value, sep.as_deref(), maxsplit.unwrap_or(-1)))
}

/// Jinja's `str(value).strip(chars)`: a number is written as Python writes it.
fn trim(value: &Value, chars: Option<String>) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    let value = py_str(value);
    Ok(match chars {
        Some(c) => value.trim_matches(|x| c.contains(x)).to_owned(),
        None => value.trim().to_owned(),
    })
}

/// Jinja's `replace(old, new, count=None)`: `str(s).replace(str(old), str(new), count)`.
fn replace(
    value: &Value,
    old: &Value,
    new: &Value,
    count: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let count = kwargs.get::<Option<Value>>("count")?.or(count);
    kwargs.assert_all_used()?;
    if value.is_undefined() || old.is_undefined() || new.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    let (s, old, new) = (py_str(value), py_str(old), py_str(new));
    Ok(match count.filter(|c| !c.is_none()) {
        Some(c) => match py_index(&c)? {
            n if n < 0 => s.replace(&old, &new),
            n => s.replacen(&old, &new, usize::try_from(n).unwrap_or(usize::MAX)),
        },
        None => s.replace(&old, &new),
    })
}

/// `ternary(true_val, false_val, none_val=None)`: Python truthiness of the value.
fn ternary(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    if args.len() > 3 {
        return Err(fail("ternary() takes at most 4 arguments"));
    }
    // Positional `none` is a value here (Option<Value> would read it as missing).
    let arg = |i: usize, name: &str| -> Result<Option<Value>, Error> {
        match args.get(i) {
            Some(v) => Ok(Some(v.clone())),
            None => kwargs.get::<Option<Value>>(name),
        }
    };
    let yes = arg(0, "true_val")?.ok_or_else(|| fail("ternary() missing true_val"))?;
    let no = arg(1, "false_val")?.ok_or_else(|| fail("ternary() missing false_val"))?;
    let none = arg(2, "none_val")?;
    kwargs.assert_all_used()?;
    // ansible-core lets ternary see undefined arguments, but its `bool(value)` fails on one.
    if value.is_undefined() {
        return Err(super::registry::undefined_error(value));
    }
    Ok(ternary_of(value, yes, no, none))
}

fn ternary_of(value: &Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(n) if value.is_none() => n,
        _ => {
            if value.is_true() {
                yes
            } else {
                no
            }
        }
    }
}

/// The Python type name Ansible's `type_debug` shows.
pub(crate) fn type_name(value: &Value) -> &'static str {
    if value
        .downcast_object_ref::<crate::convert::Tuple>()
        .is_some()
    {
        return "tuple";
    }
    match value.kind() {
        ValueKind::Undefined => "AnsibleUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number => {
            if value.is_integer() {
                "int"
            } else {
                "float"
            }
        }
        ValueKind::String if value.is_safe() => "Markup",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => "dict",
        _ => "object",
    }
}

fn type_debug(value: &Value) -> &'static str {
    // ansible-core 2.19's undefined values are markers.
    if value.is_undefined() {
        return "UndefinedMarker";
    }
    type_name(value)
}

/// Python's `str.capitalize()`: the first character in title case, the rest in lower case
/// (lowered as one string, so a final sigma is still `ς`).
pub(crate) fn py_capitalize(s: &str) -> String {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let lower = s.to_lowercase();
    let first_lower: String = first.to_lowercase().collect();
    let rest = lower.strip_prefix(&first_lower).unwrap_or(&lower);
    crate::pycompat::py_titlecase(first) + rest
}

/// Python's `str.title()`: a letter after a non-letter is upper-cased, the rest lower-cased.
/// Jinja's `title` filter (not Python's `str.title`): words start after `-`, whitespace or an
/// opening bracket, so `ab12cd` stays `Ab12cd`.
fn jinja_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word_start = true;
    for c in s.chars() {
        let separator = c == '-' || c.is_whitespace() || "({[<".contains(c);
        if word_start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        word_start = separator;
    }
    out
}

/// Jinja's `\w+`, which `wordcount` counts.
fn word_re() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"\w+").unwrap_or_else(|_| unreachable!("constant regex")))
}

/// Python's `str.splitlines()`: every line boundary Python knows, the boundaries dropped.
pub(crate) fn py_splitlines(s: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Jinja's `indent(width=4, first=False, blank=False)`: a string width is the indentation
/// itself, a negative one is none.
fn indent(v: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let names = ["width", "first", "blank"];
    if args.len() > names.len() {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    let arg = |i: usize| -> Result<Option<Value>, Error> {
        match args.get(i) {
            Some(a) => Ok(Some(a.clone())),
            None => kwargs.get::<Option<Value>>(names[i]),
        }
    };
    let indention = match arg(0)? {
        None => "    ".to_owned(),
        Some(w) if w.kind() == ValueKind::String => py_str(&w),
        Some(w) => " ".repeat(within_limit(
            usize::try_from(py_index(&w)?.max(0)).unwrap_or(0),
        )?),
    };
    let first = arg(1)?.is_some_and(|f| f.is_true());
    let blank = arg(2)?.is_some_and(|b| b.is_true());
    kwargs.assert_all_used()?;
    // Jinja appends a newline to the value with `s += "\n"`: only a string takes it.
    let Some(text) = v.as_str().filter(|_| v.kind() == ValueKind::String) else {
        return Err(fail(format!(
            "unsupported operand type(s) for +=: '{}' and 'str'",
            type_name(v)
        )));
    };
    let text = format!("{text}\n");
    let lines = py_splitlines(&text);
    let mut out = if blank {
        lines.join(&format!("\n{indention}"))
    } else {
        let mut rest = lines.iter();
        let mut out = rest.next().cloned().unwrap_or_default();
        for line in rest {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indention);
            }
            out.push_str(line);
        }
        out
    };
    if first {
        out.insert_str(0, &indention);
    }
    Ok(out)
}

/// markupsafe's `escape`, which `e`/`escape` use: `&<>'"` as `&amp; &lt; &gt; &#39; &#34;`.
/// Jinja's `escape`: a Markup string (safe), which Python's repr shows as `Markup('...')`.
fn escape(v: &Value) -> Value {
    if v.is_safe() {
        return v.clone();
    }
    Value::from_safe_string(super::jinja::html_escape(&py_str(v)))
}

/// Python's `str.title()`: a character after a cased one is lower-cased, any other is
/// title-cased (`ß` becomes `Ss`).
pub(crate) fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.push_str(&crate::pycompat::py_titlecase(c));
        }
        prev_cased = crate::pycompat::is_cased(c);
    }
    out
}

/// `"fmt" | format(args...)`: Python's `%` formatting.
fn format(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let value = py_str(value);
    let names: Vec<&str> = kwargs.args().collect();
    if names.is_empty() {
        return percent_format(&value, &args);
    }
    if !args.is_empty() {
        return Err(fail(
            "can't handle positional and keyword arguments at the same time",
        ));
    }
    // Jinja: `value % kwargs`, a mapping operand.
    let mut pairs = Vec::new();
    for name in names {
        pairs.push((Value::from(name), kwargs.get::<Value>(name)?));
    }
    let map = crate::convert::map_value(pairs);
    percent_format_with(&value, std::slice::from_ref(&map), Some(&map))
}

/// Python's `fmt % args`: `%s`, `%r`, `%d`, `%i`, `%f`, `%x`, `%o`, `%e`, with flags, width and
/// precision.
pub(crate) fn percent_format(fmt: &str, args: &[Value]) -> Result<String, Error> {
    percent_format_with(fmt, args, None)
}

/// Python's `fmt % args`, with `%(name)s` fields taken from `named` when given.
pub(crate) fn percent_format_with(
    fmt: &str,
    args: &[Value],
    named: Option<&Value>,
) -> Result<String, Error> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key: Option<String> = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut k = String::new();
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
                k.push(c);
            }
            key = Some(k);
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "-+ 0#".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let conv = chars.next().ok_or_else(|| fail("incomplete format"))?;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let keyed;
        let arg = match (&key, named) {
            (Some(k), Some(map)) => {
                keyed = map.get_item(&Value::from(k.as_str()))?;
                if keyed.is_undefined() {
                    return Err(fail(format!("KeyError: '{k}'")));
                }
                &keyed
            }
            (Some(_), None) => return Err(fail("format requires a mapping")),
            _ => {
                next += 1;
                args.get(next - 1)
                    .ok_or_else(|| fail("not enough arguments for format string"))?
            }
        };
        let num = || {
            if arg.kind() == ValueKind::Bool {
                return Ok(f64::from(u8::from(arg.is_true())));
            }
            f64::try_from(arg.clone()).map_err(|_| {
                fail(format!(
                    "%{conv} format: a real number is required, not {}",
                    type_name(arg)
                ))
            })
        };
        let body = match conv {
            's' => {
                let s = py_str(arg);
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'r' => {
                let mut s = String::new();
                crate::convert::py_repr(arg, &mut s);
                s
            }
            'd' | 'i' | 'u' => {
                let n = as_int(arg, conv)?;
                sign(n < 0, &flags) + &n.unsigned_abs().to_string()
            }
            'f' | 'F' => {
                let f = num()?;
                sign(f.is_sign_negative() && !f.is_nan(), &flags)
                    + &format!("{:.*}", precision.unwrap_or(6), f.abs())
            }
            'e' | 'E' => {
                let f = num()?;
                let s = format!("{:.*e}", precision.unwrap_or(6), f.abs());
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let (es, ed) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                let s = format!("{m}e{es}{ed:0>2}");
                sign(f.is_sign_negative() && !f.is_nan(), &flags)
                    + &if conv == 'E' { s.to_uppercase() } else { s }
            }
            'g' => float_repr(num()?),
            'c' => match arg.as_str() {
                Some(c) if c.chars().count() == 1 => c.to_owned(),
                Some(c) => {
                    return Err(fail(format!(
                        "%c requires an int or a unicode character, not a string of length {}",
                        c.chars().count()
                    )));
                }
                None if arg.is_integer() || arg.kind() == ValueKind::Bool => {
                    let n = as_int(arg, conv)?;
                    u32::try_from(n)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| fail("%c arg not in range(0x110000)"))?
                        .to_string()
                }
                None => {
                    return Err(fail(format!(
                        "%c requires an int or a unicode character, not {}",
                        type_name(arg)
                    )));
                }
            },
            'x' | 'X' | 'o' => {
                if arg.kind() == ValueKind::Number && !arg.is_integer() {
                    return Err(fail(format!(
                        "%{conv} format: an integer is required, not float"
                    )));
                }
                let n = as_int(arg, conv)?;
                let s = match conv {
                    'x' => format!("{:x}", n.abs()),
                    'X' => format!("{:X}", n.abs()),
                    _ => format!("{:o}", n.abs()),
                };
                let alt = if flags.contains('#') {
                    if conv == 'o' {
                        "0o"
                    } else if conv == 'x' {
                        "0x"
                    } else {
                        "0X"
                    }
                } else {
                    ""
                };
                sign(n < 0, &flags) + alt + &s
            }
            other => return Err(fail(format!("unsupported format character '{other}'"))),
        };
        let width: usize = if width.is_empty() {
            0
        } else {
            within_limit(width.parse().unwrap_or(usize::MAX))?
        };
        let len = body.chars().count();
        if len < width {
            let pad = width - len;
            if flags.contains('-') {
                out.push_str(&body);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && conv != 's' && conv != 'r' {
                let (s, rest) = if body.starts_with(['-', '+', ' ']) {
                    body.split_at(1)
                } else {
                    ("", body.as_str())
                };
                out.push_str(s);
                out.push_str(&"0".repeat(pad));
                out.push_str(rest);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
    }
    if named.is_none() && next < args.len() {
        return Err(fail("not all arguments converted during string formatting"));
    }
    Ok(out)
}

/// A `%d`/`%x` argument as Python's `int()` of it: numbers and bools only, floats truncated.
fn as_int(arg: &Value, conv: char) -> Result<i128, Error> {
    match arg.kind() {
        ValueKind::Bool => Ok(i128::from(arg.is_true())),
        ValueKind::Number if arg.is_integer() => {
            i128::try_from(arg.clone()).map_err(|e| fail(e.to_string()))
        }
        ValueKind::Number => {
            let f = f64::try_from(arg.clone()).unwrap_or(f64::NAN);
            if f.is_nan() {
                Err(fail("cannot convert float NaN to integer"))
            } else if f.is_infinite() {
                Err(fail("cannot convert float infinity to integer"))
            } else {
                Ok(f.trunc() as i128)
            }
        }
        _ => Err(fail(format!(
            "%{conv} format: a real number is required, not {}",
            type_name(arg)
        ))),
    }
}

fn sign(negative: bool, flags: &str) -> String {
    if negative {
        "-".into()
    } else if flags.contains('+') {
        "+".into()
    } else if flags.contains(' ') {
        " ".into()
    } else {
        String::new()
    }
}

/// `comment(style='plain', **options)`: wraps text as a comment block, as Ansible's filter
/// does: every one of its parameters (`newline`, `beginning`, `prefix`, `prefix_count`,
/// `decoration`, `postfix`, `postfix_count`, `end`) may be given as a keyword.
fn comment(text: &Value, style: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let style = style.unwrap_or_else(|| "plain".into());
    let (beginning, decoration, end) = match style.as_str() {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => return Err(fail(format!("Invalid style '{other}'."))),
    };
    let text_of = |name: &str| -> Result<Option<String>, Error> {
        Ok(kwargs.get::<Option<Value>>(name)?.map(|v| py_str(&v)))
    };
    let count_of = |name: &str| -> Result<usize, Error> {
        match kwargs.get::<Option<Value>>(name)? {
            None => Ok(1),
            Some(v) => {
                let n = i64::try_from(v.clone())
                    .or_else(|_| py_str(&v).trim().parse::<i64>())
                    .map_err(|_| fail(format!("invalid literal for int(): {}", py_str(&v))))?;
                Ok(usize::try_from(n).unwrap_or(0))
            }
        }
    };
    // Python calls text.replace(newline, ...), decoration.rstrip() and joins the postfixes.
    let text = super::pytypes::str_for_method(text, "replace")?;
    let must_be_str = |name: &str, error: &dyn Fn(&str) -> String| -> Result<(), Error> {
        match kwargs.get::<Option<Value>>(name)? {
            Some(v) if v.kind() != ValueKind::String => Err(fail(error(type_name(&v)))),
            _ => Ok(()),
        }
    };
    must_be_str("decoration", &|t| {
        format!("'{t}' object has no attribute 'rstrip'")
    })?;
    must_be_str("newline", &|t| {
        format!("replace() argument 1 must be str, not {t}")
    })?;
    if count_of("postfix_count")? > 0 {
        must_be_str("postfix", &|t| {
            format!("sequence item 1: expected str instance, {t} found")
        })?;
    }
    let pre_post = text_of("decoration")?.unwrap_or_else(|| decoration.to_owned());
    let bare = pre_post.trim_end().to_owned();
    let newline = text_of("newline")?.unwrap_or_else(|| "\n".into());
    let beginning = text_of("beginning")?.unwrap_or_else(|| beginning.into());
    let prefix = text_of("prefix")?.unwrap_or_else(|| bare.clone());
    let postfix = text_of("postfix")?.unwrap_or_else(|| bare.clone());
    let decoration = pre_post;
    let end = text_of("end")?.unwrap_or_else(|| end.into());
    let (prefix_count, postfix_count) = (
        within_limit(count_of("prefix_count")?)?,
        within_limit(count_of("postfix_count")?)?,
    );
    kwargs.assert_all_used()?;
    let mut out = String::new();
    if !beginning.is_empty() {
        out.push_str(&beginning);
        out.push_str(&newline);
    }
    if !prefix.is_empty() {
        let line = if prefix == newline {
            newline.clone()
        } else {
            format!("{prefix}{newline}")
        };
        out.push_str(&line.repeat(within_limit(prefix_count)?));
    }
    let body = format!(
        "{decoration}{}",
        py_replace(&text, &newline, &format!("{newline}{decoration}"))
    );
    out.push_str(&py_replace(
        &body,
        &format!("{decoration}{newline}"),
        &format!("{}{newline}", decoration.trim_end()),
    ));
    for _ in 0..postfix_count {
        out.push_str(&newline);
        out.push_str(&postfix);
    }
    if !end.is_empty() {
        out.push_str(&newline);
        out.push_str(&end);
    }
    Ok(out)
}

/// Python's `str.replace`, whose empty pattern matches between every character.
fn py_replace(s: &str, from: &str, to: &str) -> String {
    if !from.is_empty() {
        return s.replace(from, to);
    }
    let mut out = String::from(to);
    for c in s.chars() {
        out.push(c);
        out.push_str(to);
    }
    out
}

/// Python's `urllib.parse.quote` (`for_qs`: nothing safe and spaces as `+`).
fn url_quote(s: &str, for_qs: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || (!for_qs && b == b'/') {
            out.push(b as char);
        } else if for_qs && b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Jinja's `urlencode`: strings quoted keeping `/`; mappings and pair lists as a query string.
/// Python's `k, v = pair`.
fn unpack_pair(pair: &Value) -> Result<(Value, Value), Error> {
    if !matches!(
        pair.kind(),
        ValueKind::String | ValueKind::Seq | ValueKind::Iterable | ValueKind::Map
    ) {
        return Err(fail(format!(
            "cannot unpack non-iterable {} object",
            type_name(pair)
        )));
    }
    let mut kv = super::collections::items(pair)?.into_iter();
    match (kv.next(), kv.next(), kv.len()) {
        (Some(k), Some(v), 0) => Ok((k, v)),
        (Some(_), Some(_), _) => Err(fail("too many values to unpack (expected 2)")),
        (k, _, _) => Err(fail(format!(
            "not enough values to unpack (expected 2, got {})",
            usize::from(k.is_some())
        ))),
    }
}

fn urlencode(value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::Map => {
            let mut parts = Vec::new();
            for k in value.try_iter()? {
                let v = value.get_item(&k)?;
                parts.push(format!(
                    "{}={}",
                    url_quote(&py_str(&k), true),
                    url_quote(&py_str(&v), true)
                ));
            }
            Ok(parts.join("&"))
        }
        ValueKind::Seq => {
            let mut parts = Vec::new();
            for pair in value.try_iter()? {
                let (k, v) = unpack_pair(&pair)?;
                parts.push(format!(
                    "{}={}",
                    url_quote(&py_str(&k), true),
                    url_quote(&py_str(&v), true)
                ));
            }
            Ok(parts.join("&"))
        }
        _ => Ok(url_quote(&py_str(value), false)),
    }
}

/// `center(value, width=80)`.
fn center(v: &Value, width: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let named: Option<Value> = kwargs.get("width")?;
    kwargs.assert_all_used()?;
    let s = py_str(v);
    let width = match named.or(width) {
        None => 80,
        Some(w) => usize::try_from(py_index(&w)?.max(0)).unwrap_or(usize::MAX),
    };
    let width = within_limit(width)?;
    let len = s.chars().count();
    if len >= width {
        return Ok(s);
    }
    let total = width - len;
    // Python puts the odd space on the left when the width is odd.
    let left = total / 2 + (total & width & 1);
    Ok(format!(
        "{}{}{}",
        " ".repeat(left),
        s,
        " ".repeat(total - left)
    ))
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Templar, Value, Vars};

    /// Expected values and errors from ansible-core 2.19's templar.
    #[test]
    fn string_filters_follow_python() {
        let t = Templates::new();
        let v = Vars::new();
        let cases: &[(&str, Value)] = &[
            (
                "{{ [1e300, 1e-07] | map('trim') | list }}",
                serde_json::json!(["1e+300", "1e-07"]),
            ),
            ("{{ ['ab', 'cd'] | urlencode }}", Value::from("a=b&c=d")),
            ("{{ '%5.2f|%d' % (false, true) }}", Value::from(" 0.00|1")),
            ("{{ '%c%c' | format(65, 'b') }}", Value::from("Ab")),
        ];
        for (src, want) in cases {
            assert_eq!(
                &t.render(src, &v).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        let fails: &[(&str, &str)] = &[
            ("{{ 'a' | split('') }}", "empty separator"),
            (
                "{{ ['abc'] | urlencode }}",
                "too many values to unpack (expected 2)",
            ),
            (
                "{{ ['a'] | urlencode }}",
                "not enough values to unpack (expected 2, got 1)",
            ),
            (
                "{{ [1] | urlencode }}",
                "cannot unpack non-iterable int object",
            ),
            ("{{ '%c' % 'ab' }}", "not a string of length 2"),
        ];
        for (src, want) in fails {
            let err = t.render(src, &v).expect_err(src);
            assert!(err.message().contains(want), "{src}: {err}");
        }
    }

    fn render(src: &str) -> Result<Value, String> {
        Templates::new()
            .render(src, &Vars::new())
            .map_err(|e| e.to_string())
    }

    /// Outcomes of ansible-core 2.19 (Jinja's `int`, `join` and `format`).
    #[test]
    fn int_join_and_format_take_python_arguments() {
        let cases: &[(&str, Value)] = &[
            // A base Python's int() refuses: Jinja goes on with int(float(s)), then the default.
            ("{{ '42' | int(base=-1) }}", Value::from(42)),
            ("{{ '0o17' | int(4, -3) }}", Value::from(4)),
            ("{{ '1' | int(16, 'x') }}", Value::from(1)),
            ("{{ '1_000' | int(base=-1) }}", Value::from(1000)),
            ("{{ '0x1f' | int(0, 16) }}", Value::from(31)),
            (
                "{{ [{'name': 'a'}, {'name': 'b'}] | join(',', 'name') }}",
                Value::from("a,b"),
            ),
            ("{{ [[1, 2]] | join(',', 1) }}", Value::from("2")),
            (
                "{{ [{'a': {'b': 2}}] | join(',', attribute='a.b') }}",
                Value::from("2"),
            ),
            ("{{ [1, 2] | join(3) }}", Value::from("132")),
            ("{{ [1, 2] | join(none) }}", Value::from("1None2")),
            ("{{ [] | join('x', 'name') }}", Value::from("")),
            ("{{ '%c' | format('ß') }}", Value::from("ß")),
            ("{{ '%c' | format(65) }}", Value::from("A")),
            ("{{ '%5.2f' | format(false) }}", Value::from(" 0.00")),
            ("{{ 'ßA' | capitalize }}", Value::from("Ssa")),
            ("{{ 'ǆA' | capitalize }}", Value::from("ǅa")),
            ("{{ 'AΣ' | capitalize }}", Value::from("Aς")),
            ("{{ 'ა' | capitalize }}", Value::from("ა")),
            ("{{ 1e16 | capitalize }}", Value::from("1e+16")),
            ("{{ '%5.2f' | format(-0.0) }}", Value::from("-0.00")),
            ("{{ true | abs }}", Value::from(1)),
            ("{{ -2.5 | abs }}", Value::from(2.5)),
            (
                "{{ '-99999999999999999999999' | int }}x",
                Value::from("-99999999999999999999999x"),
            ),
            (
                "{{ '99999999999999999999999' | int(4, 16) }}x",
                Value::from("2971056094284912659757898137x"),
            ),
            // Jinja's Markup: its repr inside a printed list, escaped once.
            ("x{{ ['<a>' | e] }}", Value::from("x[Markup('&lt;a&gt;')]")),
            (
                "x{{ ['<a>' | e | e] }}",
                Value::from("x[Markup('&lt;a&gt;')]"),
            ),
            ("x{{ ['<a>' | safe] }}", Value::from("x[Markup('<a>')]")),
            ("{{ '<a>' | e }}", Value::from("&lt;a&gt;")),
            ("{{ 'a' | e | type_debug }}", Value::from("Markup")),
            ("{{ [] | map | list }}", serde_json::json!([])),
            ("{{ none | map('upper') | list }}", serde_json::json!([])),
        ];
        for (src, want) in cases {
            assert_eq!(
                &render(src).unwrap_or_else(|e| panic!("{src}: {e}")),
                want,
                "{src}"
            );
        }
        for src in [
            "{{ [{'a': 1}] | join(',', 'b') }}",
            "{{ [[1, 2]] | join(',', 5) }}",
            "{{ [] | join(',', nope) }}",
            "{{ '%c' | format('ab') }}",
            "{{ '%c' | format(1.5) }}",
            "{{ '-3' | abs }}",
        ] {
            assert!(render(src).is_err(), "{src} should fail: {:?}", render(src));
        }
    }
}
