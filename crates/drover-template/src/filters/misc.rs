//! Numbers and dates: `log`, `pow`, `root`, `human_readable`, `human_to_bytes`, `strftime`,
//! `to_datetime`.

use super::core::fail;
use minijinja::value::Value;
use minijinja::{Environment, Error};

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("log", |x: f64, base: Option<f64>| match base {
        Some(b) => {
            if b == 10.0 {
                x.log10()
            } else {
                x.ln() / b.ln()
            }
        }
        None => x.ln(),
    });
    env.add_filter("pow", |x: f64, y: f64| x.powf(y));
    env.add_filter("root", |x: f64, base: Option<f64>| {
        let b = base.unwrap_or(2.0);
        if b == 2.0 { x.sqrt() } else { x.powf(1.0 / b) }
    });
    env.add_filter("human_readable", human_readable);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("strftime", strftime);
    env.add_filter("to_datetime", to_datetime);
}

const UNITS: [&str; 9] = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"];

fn human_readable(
    size: f64,
    isbits: Option<bool>,
    unit: Option<String>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, Error> {
    let isbits = kwargs
        .get::<Option<bool>>("isbits")?
        .or(isbits)
        .unwrap_or(false);
    let unit = kwargs.get::<Option<String>>("unit")?.or(unit);
    kwargs.assert_all_used()?;
    Ok(human_readable_text(size, isbits, unit))
}

fn human_readable_text(size: f64, isbits: bool, unit: Option<String>) -> String {
    let (base, suffix) = if isbits {
        ("bits", "b")
    } else {
        ("Bytes", "B")
    };
    let mut idx = UNITS.len() - 1;
    if let Some(u) = unit.as_deref().and_then(|u| u.chars().next()) {
        idx = UNITS
            .iter()
            .position(|x| x.starts_with(u.to_ascii_uppercase()))
            .unwrap_or(0);
    } else {
        for (i, _) in UNITS.iter().enumerate().rev() {
            if size >= 1024f64.powi(i as i32) {
                idx = i;
                break;
            }
            idx = 0;
        }
    }
    let value = size / 1024f64.powi(idx as i32);
    if idx == 0 {
        format!("{value:.2} {base}")
    } else {
        format!("{value:.2} {}{suffix}", UNITS[idx])
    }
}

fn human_to_bytes(
    size: &Value,
    default_unit: Option<String>,
    isbits: Option<bool>,
) -> Result<i64, Error> {
    let text = crate::convert::py_str(size);
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (num, unit) = (text[..split].trim(), text[split..].trim());
    let n: f64 = num.parse().map_err(|_| {
        fail(format!(
            "human_to_bytes() can't interpret following string: {text}"
        ))
    })?;
    let unit = if unit.is_empty() {
        default_unit.unwrap_or_default()
    } else {
        unit.to_owned()
    };
    let letter = unit.chars().next().map(|c| c.to_ascii_uppercase());
    let idx = match letter {
        None | Some('B') => 0,
        Some(c) => UNITS
            .iter()
            .position(|u| u.starts_with(c))
            .ok_or_else(|| fail(format!("human_to_bytes() failed to convert {text}")))?,
    };
    let _ = isbits;
    Ok((n * 1024f64.powi(idx as i32)).round() as i64)
}

/// Seconds since the epoch to (year, month, day, hour, minute, second, weekday 0=Monday, yday).
fn broken_down(secs: i64) -> (i64, u32, u32, i64, i64, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = super::civil_from_days(days);
    let weekday = (days + 3).rem_euclid(7);
    let jan1 = days_from_civil(y, 1, 1);
    (
        y,
        m,
        d,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        weekday,
        days - jan1 + 1,
    )
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// C `strftime` of a UTC time for the common directives.
pub(crate) fn format_time(fmt: &str, secs: i64) -> String {
    let (y, m, d, hh, mm, ss, wd, yd) = broken_down(secs);
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&y.to_string()),
            Some('y') => out.push_str(&format!("{:02}", y % 100)),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('e') => out.push_str(&format!("{d:2}")),
            Some('H') => out.push_str(&format!("{hh:02}")),
            Some('I') => out.push_str(&format!("{:02}", if hh % 12 == 0 { 12 } else { hh % 12 })),
            Some('M') => out.push_str(&format!("{mm:02}")),
            Some('S') => out.push_str(&format!("{ss:02}")),
            Some('p') => out.push_str(if hh < 12 { "AM" } else { "PM" }),
            Some('j') => out.push_str(&format!("{yd:03}")),
            Some('s') => out.push_str(&secs.to_string()),
            Some('A') => out.push_str(DAYS[wd as usize]),
            Some('a') => out.push_str(&DAYS[wd as usize][..3]),
            Some('B') => out.push_str(MONTHS[m as usize - 1]),
            Some('b') | Some('h') => out.push_str(&MONTHS[m as usize - 1][..3]),
            Some('u') => out.push_str(&(wd + 1).to_string()),
            Some('w') => out.push_str(&((wd + 1) % 7).to_string()),
            Some('F') => out.push_str(&format!("{y}-{m:02}-{d:02}")),
            Some('T') => out.push_str(&format!("{hh:02}:{mm:02}:{ss:02}")),
            Some('D') => out.push_str(&format!("{m:02}/{d:02}/{:02}", y % 100)),
            Some('z') => out.push_str("+0000"),
            Some('Z') => out.push_str("UTC"),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

fn strftime(
    fmt: String,
    second: Option<f64>,
    utc: Option<bool>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, Error> {
    let second = kwargs.get::<Option<f64>>("second")?.or(second);
    let _ = kwargs.get::<Option<bool>>("utc")?.or(utc);
    kwargs.assert_all_used()?;
    Ok(strftime_of(fmt, second))
}

fn strftime_of(fmt: String, second: Option<f64>) -> String {
    let secs = match second {
        Some(s) => s as i64,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    format_time(&fmt, secs)
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
    let days = days_from_civil(fields[0], fields[1] as u32, fields[2] as u32);
    let secs = days * 86_400 + fields[3] * 3600 + fields[4] * 60 + fields[5];
    Ok(Value::from_object(crate::pyops::DateTime {
        secs,
        micros: 0,
    }))
}
