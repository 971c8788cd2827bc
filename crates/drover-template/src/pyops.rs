//! Python behaviour minijinja's operators and types lack: `'fmt' % args` string formatting
//! (which `compare`'s rewrite of `%` calls) and the `datetime` values `to_datetime` returns.

use crate::filters::core::percent_format_with;
use crate::filters::misc::format_time;
use minijinja::value::{Object, ObjectRepr, Value, ValueKind};
use minijinja::{Error, State};
use std::borrow::Cow;
use std::sync::Arc;

/// Python's `fmt % operand` for a string `fmt`: a tuple gives positional arguments, a mapping named ones, any
/// other value is the single argument.
pub(crate) fn pct(fmt: String, operand: Value) -> Result<String, Error> {
    if operand.is_tuple() {
        let args: Vec<Value> = operand.try_iter()?.collect();
        percent_format_with(&fmt, &args, None)
    } else if matches!(operand.kind(), ValueKind::Map | ValueKind::Seq) {
        // Python reads anything with __getitem__ but a tuple as a mapping: `%(a)s` looks it
        // up, and arguments left over are no error.
        percent_format_with(&fmt, std::slice::from_ref(&operand), Some(&operand))
    } else {
        percent_format_with(&fmt, &[operand], None)
    }
}

/// The end (exclusive) of a string literal starting at `i` (a quote), if it closes.
fn literal_end(b: &[u8], i: usize) -> Option<usize> {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == q => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The end of the operand after `%`: a bracketed group, a literal, or a dotted name.
fn operand_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let start = i;
    match *b.get(i)? {
        b'(' | b'{' | b'[' => {
            let mut depth = 0i32;
            while i < b.len() {
                match b[i] {
                    b'\'' | b'"' => {
                        i = literal_end(b, i)?;
                        continue;
                    }
                    b'(' | b'{' | b'[' => depth += 1,
                    b')' | b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        b'\'' | b'"' => literal_end(b, i),
        c if c.is_ascii_alphanumeric() || c == b'_' => {
            while i < b.len() {
                let c = b[i];
                if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                    i += 1;
                } else if c == b'[' {
                    i = operand_end(b, i)?;
                } else {
                    break;
                }
            }
            (i > start).then_some(i)
        }
        _ => None,
    }
}

/// The helper `(a) - (b)` is rewritten to when datetimes may be involved.
pub(crate) const SUB_FN: &str = "__drover_sub";

/// `__drover_sub(a, b)`: datetime minus datetime is a timedelta; anything else is `a - b`.
pub(crate) fn sub(a: Value, b: Value) -> Result<Value, Error> {
    match (
        a.downcast_object_ref::<DateTime>(),
        b.downcast_object_ref::<DateTime>(),
    ) {
        (Some(x), Some(y)) => {
            let micros = (x.secs - y.secs) * 1_000_000 + i64::from(x.micros) - i64::from(y.micros);
            Ok(Value::from_object(TimeDelta { micros }))
        }
        _ => {
            if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64())
                && a.is_integer()
                && b.is_integer()
            {
                return Ok(Value::from(x - y));
            }
            let x = f64::try_from(a.clone())?;
            let y = f64::try_from(b.clone())?;
            Ok(Value::from(x - y))
        }
    }
}

/// `now(utc=False, fmt=None)`: the current time (the controller's clock, read as UTC).
pub(crate) fn now(kwargs: minijinja::value::Kwargs) -> Result<Value, Error> {
    let _: Option<bool> = kwargs.get("utc")?;
    let fmt: Option<String> = kwargs.get("fmt")?;
    kwargs.assert_all_used()?;
    let now = jiff::Timestamp::now();
    let dt = DateTime {
        secs: now.as_second(),
        micros: u32::try_from(now.subsec_microsecond()).unwrap_or(0),
    };
    Ok(match fmt {
        Some(f) => Value::from(format_time(&f, dt.secs)?),
        None => Value::from_object(dt),
    })
}

/// Rewrites `(...) - (...)` and `now() - ...` into `__drover_sub(...)` when the source uses
/// `to_datetime` or `now(`, so datetime differences work as in Python.
pub(crate) fn rewrite_datetime_sub(source: &str) -> Cow<'_, str> {
    if !(source.contains("to_datetime") || source.contains("now(")) || !source.contains('-') {
        return Cow::Borrowed(source);
    }
    let b = source.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\'' || b[i] == b'"' {
            i = literal_end(b, i).unwrap_or(b.len());
            continue;
        }
        if b[i] == b')' {
            let mut k = i + 1;
            while k < b.len() && b[k] == b' ' {
                k += 1;
            }
            if b.get(k) == Some(&b'-')
                && b.get(k + 1) != Some(&b'}')
                && b.get(k + 1) != Some(&b'%')
                && let (Some(start), Some(end)) = (group_start(b, i), operand_end(b, k + 1))
            {
                let left = &source[start..=i];
                let right = source[k + 1..end].trim();
                let rewritten = format!(
                    "{}{SUB_FN}({left}, {right}){}",
                    &source[..start],
                    &source[end..]
                );
                return Cow::Owned(rewrite_datetime_sub(&rewritten).into_owned());
            }
        }
        i += 1;
    }
    Cow::Borrowed(source)
}

/// The start of the parenthesised group ending at `close` (including a function name before it).
fn group_start(b: &[u8], close: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut i = close as isize;
    while i >= 0 {
        match b[i as usize] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    let mut s = i as usize;
                    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_') {
                        s -= 1;
                    }
                    return Some(s);
                }
            }
            _ => {}
        }
        i -= 1;
    }
    None
}

/// A Python `timedelta`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeDelta {
    micros: i64,
}

impl Object for TimeDelta {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let total_secs = self.micros.div_euclid(1_000_000);
        match key.as_str()? {
            "days" => Some(Value::from(total_secs.div_euclid(86_400))),
            "seconds" => Some(Value::from(total_secs.rem_euclid(86_400))),
            "microseconds" => Some(Value::from(self.micros.rem_euclid(1_000_000))),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "total_seconds" => Ok(Value::from(self.micros as f64 / 1e6)),
            _ => Err(Error::from(minijinja::ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total = self.micros.div_euclid(1_000_000);
        let (days, rem) = (total.div_euclid(86_400), total.rem_euclid(86_400));
        if days != 0 {
            write!(
                f,
                "{} day{}, ",
                days,
                if days.abs() == 1 { "" } else { "s" }
            )?;
        }
        write!(f, "{}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)?;
        let us = self.micros.rem_euclid(1_000_000);
        if us != 0 {
            write!(f, ".{us:06}")?;
        }
        Ok(())
    }
}

/// A Python `date` (from a YAML timestamp without a time).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Date(pub(crate) jiff::civil::Date);

impl Object for Date {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "year" => Some(Value::from(self.0.year())),
            "month" => Some(Value::from(self.0.month())),
            "day" => Some(Value::from(self.0.day())),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%d"))
    }
}

/// A Python `datetime` (naive, as `to_datetime` makes it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateTime {
    /// Seconds since the epoch, the fields read as UTC.
    pub(crate) secs: i64,
    /// Microseconds.
    pub(crate) micros: u32,
}

impl DateTime {
    /// `isoformat()`: `2024-03-01T10:00:00`.
    pub(crate) fn isoformat(&self) -> String {
        crate::filters::format_datetime(self.secs, self.micros).replacen(' ', "T", 1)
    }
}

impl Object for DateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let dt = crate::filters::utc(self.secs);
        match key.as_str()? {
            "year" => Some(Value::from(dt.year())),
            "month" => Some(Value::from(dt.month())),
            "day" => Some(Value::from(dt.day())),
            "hour" => Some(Value::from(dt.hour())),
            "minute" => Some(Value::from(dt.minute())),
            "second" => Some(Value::from(dt.second())),
            "microsecond" => Some(Value::from(self.micros)),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "strftime" => Ok(Value::from(format_time(
                args.first().and_then(Value::as_str).unwrap_or(""),
                self.secs,
            )?)),
            "isoformat" => Ok(Value::from(self.isoformat())),
            "timestamp" => Ok(Value::from(self.secs as f64 + f64::from(self.micros) / 1e6)),
            _ => Err(Error::from(minijinja::ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::filters::format_datetime(self.secs, self.micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_sub_rewrite() {
        assert_eq!(
            rewrite_datetime_sub("{{ ((a | to_datetime) - (b | to_datetime)).days }}"),
            "{{ (__drover_sub((a | to_datetime), (b | to_datetime))).days }}"
        );
        assert_eq!(
            rewrite_datetime_sub("{{ (now() - x).seconds }}"),
            "{{ (__drover_sub(now(), x)).seconds }}"
        );
        assert_eq!(rewrite_datetime_sub("{{ (1) - (2) }}"), "{{ (1) - (2) }}");
    }
}
