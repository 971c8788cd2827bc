//! Ansible's filters, registered over minijinja's built-in ones where the semantics differ.

pub(crate) mod collections;
pub(crate) mod core;
pub(crate) mod data;
pub(crate) mod hash;
pub(crate) mod misc;
pub(crate) mod paths;
pub(crate) mod regex;
pub(crate) mod yaml_emit;

use minijinja::Environment;

/// Registers every filter.
pub(crate) fn register(env: &mut Environment<'static>) {
    core::register(env);
    collections::register(env);
    data::register(env);
    hash::register(env);
    misc::register(env);
    paths::register(env);
    regex::register(env);
}

/// A Unix time as Python's `str(datetime)`: `2024-01-31 12:34:56.123456`.
pub(crate) fn format_datetime(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let s = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if micros == 0 {
        s
    } else {
        format!("{s}.{micros:06}")
    }
}

/// Days since 1970-01-01 to a (year, month, day) date.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
