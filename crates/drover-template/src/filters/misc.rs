//! Numbers and dates: `log`, `pow`, `root`, `human_readable`, `human_to_bytes`, `strftime`,
//! `to_datetime`.

use super::core::fail;
use crate::convert::py_str;
use crate::filters::registry::Registry;
use minijinja::Error;
use minijinja::value::{Kwargs, Value, ValueKind};

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("log", log);
    env.add_filter("pow", |x: &Value, y: &Value| py_pow(real(x)?, real(y)?));
    env.add_filter("root", |x: &Value, base: Option<Value>| {
        // math.sqrt(x) / math.pow(x, 1.0 / float(base)): the base may be a numeric string.
        let x = real(x)?;
        let b = match base {
            None => 2.0,
            Some(b) if b.kind() == ValueKind::String => {
                let text = b.as_str().unwrap_or_default();
                text.trim()
                    .replace('_', "")
                    .parse::<f64>()
                    .map_err(|_| fail(format!("could not convert string to float: '{text}'")))?
            }
            Some(b) => real(&b)?,
        };
        if b == 2.0 {
            if x < 0.0 {
                return Err(fail("math domain error"));
            }
            Ok(x.sqrt())
        } else if b == 0.0 {
            Err(fail("float division by zero"))
        } else {
            py_pow(x, 1.0 / b)
        }
    });
    env.add_filter("human_readable", human_readable);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("strftime", strftime);
    env.add_filter("to_datetime", to_datetime);
}

/// A number as Python's math functions take it: a bool is 0 or 1, anything else not a number is
/// a TypeError.
fn real(v: &Value) -> Result<f64, Error> {
    match v.kind() {
        ValueKind::Bool => Ok(f64::from(u8::from(v.is_true()))),
        ValueKind::Number => Ok(f64::try_from(v.clone()).unwrap_or(f64::NAN)),
        _ => Err(fail(format!(
            "must be real number, not {}",
            super::core::type_name(v)
        ))),
    }
}

/// Python's `math.log(x)`, `math.log10(x)` or `math.log(x, base)`, with its errors.
fn log(x: &Value, base: Option<Value>) -> Result<f64, Error> {
    let x = real(x)?;
    let base = base.as_ref().map(real).transpose()?;
    let ln = |v: f64| {
        if v <= 0.0 || v == f64::NEG_INFINITY {
            Err(fail("math domain error"))
        } else {
            Ok(v.ln())
        }
    };
    match base {
        None => ln(x),
        Some(10.0) => ln(x).map(|_| x.log10()),
        Some(b) => {
            let (top, bottom) = (ln(x)?, ln(b)?);
            if bottom == 0.0 {
                return Err(fail("float division by zero"));
            }
            Ok(top / bottom)
        }
    }
}

/// Python's `math.pow`: a finite result too large is an overflow, a negative base with a
/// fractional exponent or zero to a negative power a domain error.
fn py_pow(x: f64, y: f64) -> Result<f64, Error> {
    if x.is_finite() && y.is_finite() {
        if x < 0.0 && y.fract() != 0.0 {
            return Err(fail("math domain error"));
        }
        if x == 0.0 && y < 0.0 {
            return Err(fail("math domain error"));
        }
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(fail("math range error"));
    }
    Ok(r)
}

const UNITS: [&str; 9] = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"];

/// ansible-core's `human_readable(size, isbits=False, unit=None)`: `isbits` is read by its truth,
/// and `unit` picks a scale only when it is one letter of `BKMGTPEZY` (in any case); any other
/// string (`'KB'`, `''`) falls through to bytes, as in ansible-core's loop.
fn human_readable(
    size: &Value,
    isbits: Option<Value>,
    unit: Option<Value>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, Error> {
    let isbits = super::core::flag(&kwargs, "isbits")?
        .or(isbits.map(|b| b.is_true()))
        .unwrap_or(false);
    let unit = kwargs.get::<Option<Value>>("unit")?.or(unit);
    kwargs.assert_all_used()?;
    let size = match size.kind() {
        ValueKind::Bool => f64::from(u8::from(size.is_true())),
        ValueKind::Number => f64::try_from(size.clone()).unwrap_or(f64::NAN),
        _ => return Err(fail("human_readable() failed on bad input")),
    };
    let unit = match unit.filter(|u| !u.is_none()) {
        None => None,
        Some(u) => Some(
            u.as_str()
                .ok_or_else(|| fail("human_readable() can't interpret the input"))?
                .to_uppercase(),
        ),
    };
    Ok(human_readable_text(size, isbits, unit))
}

fn human_readable_text(size: f64, isbits: bool, unit: Option<String>) -> String {
    let (base, suffix) = if isbits {
        ("bits", "b")
    } else {
        ("Bytes", "B")
    };
    let idx = match unit.as_deref() {
        Some(u) => UNITS
            .iter()
            .position(|x| !x.is_empty() && *x == u)
            .unwrap_or(0),
        None => (0..UNITS.len())
            .rev()
            .find(|i| size >= 1024f64.powi(*i as i32))
            .unwrap_or(0),
    };
    let value = size / 1024f64.powi(idx as i32);
    // Python's `%.2f` writes NaN as `nan`.
    let value = if value.is_nan() {
        "nan".to_owned()
    } else {
        format!("{value:.2}")
    };
    if idx == 0 {
        format!("{value} {base}")
    } else {
        format!("{value} {}{suffix}", UNITS[idx])
    }
}

/// ansible-core's `human_to_bytes(size, default_unit=None, isbits=False)`, arguments given by
/// position or keyword: `10M`, `1.5 KB`, `2 Mb` with `isbits`; a two-letter unit must be the
/// byte (or, with `isbits`, bit) one, and the result is Python's `int(round(n * unit))`.
fn human_to_bytes(
    size: &Value,
    default_unit: Option<Value>,
    isbits: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let default_unit = match default_unit {
        Some(u) => Some(u),
        None => kwargs.get::<Option<Value>>("default_unit")?,
    };
    let isbits = match isbits {
        Some(b) => Some(b),
        None => kwargs.get::<Option<Value>>("isbits")?,
    }
    .is_some_and(|b| b.is_true());
    kwargs.assert_all_used()?;
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*\z")
            .unwrap_or_else(|_| unreachable!("constant regex"))
    });
    let text = crate::convert::py_str(size);
    let cant = || fail("human_to_bytes() can't interpret the input");
    let caps = re.captures(&text).ok_or_else(cant)?;
    let n: f64 = caps[1].parse().map_err(|_| cant())?;
    let unit = match caps.get(2) {
        Some(u) => u.as_str().to_owned(),
        None => match default_unit.filter(|u| !u.is_none()) {
            Some(u) => crate::convert::py_str(&u),
            None => return Ok(py_round_int(n)),
        },
    };
    let letter = unit.chars().next().ok_or_else(cant)?.to_ascii_uppercase();
    let idx = if letter == 'B' {
        0
    } else {
        UNITS
            .iter()
            .position(|u| u.starts_with(letter))
            .ok_or_else(cant)?
    };
    if unit.chars().count() > 1 {
        let names = [
            "byte",
            "kilobyte",
            "megabyte",
            "gigabyte",
            "terabyte",
            "petabyte",
            "exabyte",
            "zetabyte",
            "yottabyte",
        ];
        let (long, short) = if isbits {
            (
                names[idx].replace("byte", "bit"),
                format!("{}b", UNITS[idx]),
            )
        } else {
            (names[idx].to_owned(), format!("{}B", UNITS[idx]))
        };
        let short = if idx == 0 {
            short[short.len() - 1..].to_owned()
        } else {
            short
        };
        if unit.to_lowercase() != long && unit != short {
            return Err(cant());
        }
    }
    Ok(py_round_int(n * 1024f64.powi(idx as i32)))
}

/// Python's `int(round(x))`: halves to even, integers beyond 64 bits kept.
fn py_round_int(x: f64) -> Value {
    let r = x.round_ties_even();
    if r.abs() < 1e38 {
        Value::from(r as i128)
    } else {
        Value::from(r)
    }
}

/// Seconds in 400 Gregorian years: the calendar, weekdays included, repeats after them.
const GREGORIAN_CYCLE: i64 = 146_097 * 86_400;

/// C `strftime`, as Python's `time.strftime` calls it, of a Unix time read as UTC. glibc
/// writes any year (36812, -29719); jiff formats the same moment moved into 1970..2370 by whole
/// 400-year cycles, and the directives that show the year are written here.
pub(crate) fn format_time(fmt: &str, secs: i64) -> Result<String, Error> {
    use jiff::fmt::strtime::{BrokenDownTime, Config, PosixCustom};
    let cycles = secs.div_euclid(GREGORIAN_CYCLE);
    let t = jiff::Timestamp::from_second(secs.rem_euclid(GREGORIAN_CYCLE))
        .map_err(|_| fail(format!("strftime: year is out of range for {secs}")))?;
    let zoned = t.to_zoned(jiff::tz::TimeZone::UTC);
    let shift = 400 * cycles;
    let year = i64::from(zoned.year()) + shift;
    // C's `struct tm` holds the year less 1900 in an int.
    if year > i64::from(i32::MAX) || year - 1900 < i64::from(i32::MIN) {
        return Err(fail(format!("strftime: year is out of range for {secs}")));
    }
    let iso_year = i64::from(zoned.date().iso_week_date().year()) + shift;
    let fmt = c_directives(fmt);
    let mut expanded = String::with_capacity(fmt.len());
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            expanded.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => expanded.push_str(&year.to_string()),
            Some('G') => expanded.push_str(&iso_year.to_string()),
            Some('C') => expanded.push_str(&year.div_euclid(100).to_string()),
            Some('y') => expanded.push_str(&format!("{:02}", year.rem_euclid(100))),
            Some('s') => expanded.push_str(&secs.to_string()),
            Some('F') => expanded.push_str(&format!("{year:04}-%m-%d")),
            Some('c') => expanded.push_str(&format!("%a %b %e %H:%M:%S {year}")),
            Some(other) => {
                expanded.push('%');
                expanded.push(other);
            }
            None => expanded.push('%'),
        }
    }
    // Lenient: like C, a directive jiff does not know stays as written.
    let config = Config::new().custom(PosixCustom::new()).lenient(true);
    BrokenDownTime::from(&zoned)
        .to_string_with_config(&config, &expanded)
        .map_err(|e| fail(format!("strftime: {e}")))
}

/// `fmt` with the directives only jiff has (`%f`, `%N`, `%q`, `%Q`, `%.f`, `%:z`) escaped, so
/// that they stay as written, as C leaves them.
fn c_directives(fmt: &str) -> std::borrow::Cow<'_, str> {
    if !fmt.contains('%') {
        return fmt.into();
    }
    let mut out = String::with_capacity(fmt.len() + 4);
    let mut rest = fmt;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let spec = rest.trim_start_matches(|c: char| "_-0^#".contains(c) || c.is_ascii_digit());
        if spec.starts_with(['f', 'N', 'q', 'Q', '.', ':']) {
            out.push_str("%%");
        } else if let Some(after) = rest.strip_prefix('%') {
            out.push_str("%%");
            rest = after;
        } else {
            out.push('%');
        }
    }
    out.push_str(rest);
    out.into()
}

fn strftime(
    fmt: &Value,
    second: Option<Value>,
    utc: Option<Value>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, Error> {
    let Some(fmt) = fmt.as_str().filter(|_| fmt.kind() == ValueKind::String) else {
        return Err(fail(format!(
            "strftime() argument 1 must be str, not {}",
            super::core::type_name(fmt)
        )));
    };
    let second = match second {
        Some(s) => Some(s),
        None => kwargs.get::<Option<Value>>("second")?,
    };
    let _ = super::core::flag(&kwargs, "utc")?.or(utc.map(|u| u.is_true()));
    kwargs.assert_all_used()?;
    // ansible-core: `float(second)` (numbers, bools and numeric text), then `time.gmtime`.
    let secs = match second.filter(|s| !s.is_none()) {
        Some(s) => {
            let invalid = || fail(format!("Invalid value for epoch value ({})", py_str(&s)));
            let f = match s.kind() {
                ValueKind::Bool => f64::from(u8::from(s.is_true())),
                ValueKind::Number => f64::try_from(s.clone()).map_err(|_| invalid())?,
                ValueKind::String => py_str(&s).trim().parse::<f64>().map_err(|_| invalid())?,
                _ => return Err(invalid()),
            };
            if !f.is_finite() || f.abs() > 1e17 {
                return Err(fail("timestamp out of range for platform time_t"));
            }
            f.floor() as i64
        }
        None => jiff::Timestamp::now().as_second(),
    };
    format_time(fmt, secs)
}

/// `to_datetime(format='%Y-%m-%d %H:%M:%S')`: a datetime value with `year`, `month`... fields
/// and `strftime()`/`timestamp()` methods (subtracting two datetimes is not supported).
fn to_datetime(
    text: String,
    format: Option<String>,
    kwargs: minijinja::value::Kwargs,
) -> Result<Value, Error> {
    let format = kwargs.get::<Option<String>>("format")?.or(format);
    kwargs.assert_all_used()?;
    let format = format.unwrap_or_else(|| "%Y-%m-%d %H:%M:%S".into());
    let mut fields = [1970i64, 1, 1, 0, 0, 0];
    let mut t = text.as_str();
    let mut f = format.chars();
    while let Some(c) = f.next() {
        if c == '%' {
            let idx = match f.next() {
                Some('Y') => 0,
                Some('m') => 1,
                Some('d') => 2,
                Some('H') => 3,
                Some('M') => 4,
                Some('S') => 5,
                other => {
                    return Err(fail(format!(
                        "to_datetime: unsupported directive %{}",
                        other.unwrap_or(' ')
                    )));
                }
            };
            let max = if idx == 0 { 4 } else { 2 };
            let n = t.chars().take(max).take_while(char::is_ascii_digit).count();
            if n == 0 {
                return Err(fail(format!(
                    "time data '{text}' does not match format '{format}'"
                )));
            }
            fields[idx] = t[..n].parse().unwrap_or(0);
            t = &t[n..];
        } else if let Some(rest) = t.strip_prefix(c) {
            t = rest;
        } else {
            return Err(fail(format!(
                "time data '{text}' does not match format '{format}'"
            )));
        }
    }
    if !t.is_empty() {
        return Err(fail(format!("unconverted data remains: {t}")));
    }
    // Only dates and times that exist, as Python's `datetime` takes them.
    let [year, rest @ ..] = fields;
    let [month, day, hour, minute, second] = rest.map(|n| i8::try_from(n).unwrap_or(i8::MAX));
    let secs = i16::try_from(year)
        .ok()
        .and_then(|y| jiff::civil::DateTime::new(y, month, day, hour, minute, second, 0).ok())
        .and_then(|dt| jiff::tz::Offset::UTC.to_timestamp(dt).ok())
        .ok_or_else(|| {
            fail(format!(
                "time data '{text}' does not match format '{format}'"
            ))
        })?
        .as_second();
    Ok(Value::from_object(crate::pyops::DateTime {
        secs,
        micros: 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::format_time;

    /// What Python's `time.strftime(fmt, time.gmtime(secs))` prints on glibc (but `%Z`: drover
    /// says UTC where gmtime says GMT).
    #[test]
    fn strftime_is_c_strftime() {
        let cases = [
            (0, "%Y-%m-%d %H:%M:%S", "1970-01-01 00:00:00"),
            (
                0,
                "%a %A %b %B %h %e %j %u %w %p %I",
                "Thu Thursday Jan January Jan  1 001 4 4 AM 12",
            ),
            (
                1_709_287_205,
                "%F %T %D %z %Z %s %%",
                "2024-03-01 10:00:05 03/01/24 +0000 UTC 1709287205 %",
            ),
            (
                1_709_287_205,
                "%c|%x|%X|%r|%R",
                "Fri Mar  1 10:00:05 2024|03/01/24|10:00:05|10:00:05 AM|10:00",
            ),
            (
                -2_522_880_000,
                "%C %G %g %V %U %W %k %l %P %y",
                "18 1890 90 04 03 03  0 12 am 90",
            ),
            (
                1_709_287_205,
                "%f %N %q %Q %.3f %:z %-d %_m %^a %10Y",
                "%f %N %q %Q %.3f %:z 1  3 FRI 0000002024",
            ),
            (0, "100% sure %", "100% sure %"),
            (0, "%%f %%%f %!", "%f %%f %!"),
        ];
        for (secs, fmt, want) in cases {
            assert_eq!(format_time(fmt, secs).unwrap(), want, "{fmt}");
        }
        assert!(format_time("%Y", i64::MAX).is_err());
        // glibc writes any year a C int holds (Python's time.strftime checked).
        assert_eq!(
            format_time("%Y-%m-%d %H:%M:%S|%C|%y|%c|%s", 1_099_511_627_776).unwrap(),
            "36812-02-20 00:36:16|368|12|Mon Feb 20 00:36:16 36812|1099511627776"
        );
        assert_eq!(
            format_time("%Y|%C|%y|%j", -1_000_000_000_000).unwrap(),
            "-29719|-298|81|095"
        );
        assert_eq!(format_time("%Y", -62_135_596_800).unwrap(), "1");
    }

    /// ansible-core 2.19: `unit` scales only when it is one letter; `isbits` and the numbers of
    /// `pow` and `log` are read as Python reads them (a bool is 0 or 1).
    #[test]
    fn human_readable_and_math_take_python_arguments() {
        use drover_types::Templar;
        let t = crate::Templates::new();
        let v = drover_types::Vars::new();
        let r = |s: &str| t.render(s, &v).unwrap_or_else(|e| panic!("{s}: {e}"));
        let cases = [
            ("{{ 42 | human_readable(unit='KB') }}", "42.00 Bytes"),
            ("{{ 0.0 | human_readable(unit='KB') }}", "0.00 Bytes"),
            ("{{ 2048 | human_readable(unit='k') }}", "2.00 KB"),
            ("{{ 7 | human_readable(unit='') }}", "7.00 Bytes"),
            ("{{ 255 | human_readable('x') }}", "255.00 bits"),
            ("{{ 7 | human_readable(false, 'KB') }}", "7.00 Bytes"),
            ("{{ true | human_readable }}", "1.00 Bytes"),
            (
                "{{ ('-inf' | float) | human_readable(unit='KB') }}",
                "-inf Bytes",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(r(src), serde_json::json!(want), "{src}");
        }
        assert!(t.render("{{ 7 | human_readable(unit=3) }}", &v).is_err());
        assert!(t.render("{{ '7' | human_readable }}", &v).is_err());
        assert_eq!(r("{{ true | pow(2) }}"), serde_json::json!(1.0));
        assert_eq!(r("{{ false | pow(0) }}"), serde_json::json!(1.0));
        assert_eq!(r("{{ 100 | log(true + 9) }}"), serde_json::json!(2.0));
        assert!(t.render("{{ 'x' | pow(2) }}", &v).is_err());
    }

    #[test]
    fn to_datetime_takes_only_real_dates() {
        use drover_types::Templar;
        let t = crate::Templates::new();
        let v = drover_types::Vars::new();
        let r = |s: &str| t.render(s, &v);
        let dt = "('2024-02-29 23:59:58' | to_datetime)";
        assert_eq!(
            r(&format!("{{{{ [{dt}.month, {dt}.day, {dt}.second] }}}}")),
            Ok(serde_json::json!([2, 29, 58]))
        );
        assert_eq!(
            r(&format!("{{{{ {dt}.strftime('%j %A') }}}}")),
            Ok("060 Thursday".into())
        );
        for bad in [
            "2023-02-29 00:00:00",
            "2024-13-01 00:00:00",
            "2024-01-01 24:00:00",
        ] {
            let err = r(&format!("{{{{ '{bad}' | to_datetime }}}}")).unwrap_err();
            assert!(
                err.message().contains("does not match format"),
                "{bad}: {err}"
            );
        }
    }
}
