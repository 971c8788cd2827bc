//! Ansible's filters, registered over minijinja's built-in ones where the semantics differ.

pub(crate) mod attrs;
pub(crate) mod collections;
pub(crate) mod core;
pub(crate) mod data;
pub(crate) mod hash;
pub(crate) mod jinja;
pub(crate) mod misc;
pub(crate) mod paths;
pub(crate) mod pprint;
pub(crate) mod pytypes;
pub(crate) mod regex;
pub(crate) mod registry;
pub(crate) mod sets;
pub(crate) mod strformat;
pub(crate) mod vault;
pub(crate) mod yaml_emit;

use registry::Registry;

/// Registers every filter.
pub(crate) fn register(env: &mut Registry) {
    core::register(env);
    collections::register(env);
    attrs::register(env);
    data::register(env);
    hash::register(env);
    jinja::register(env);
    misc::register(env);
    paths::register(env);
    pprint::register(env);
    regex::register(env);
    vault::register(env);
}

/// A Unix time as Python's `str(datetime)` of it read as UTC: `2024-01-31 12:34:56.123456`.
pub(crate) fn format_datetime(secs: i64, micros: u32) -> String {
    let s = utc(secs).strftime("%Y-%m-%d %H:%M:%S").to_string();
    if micros == 0 {
        s
    } else {
        format!("{s}.{micros:06}")
    }
}

/// A Unix time's date and time in UTC, held to the years -9999 to 9999.
pub(crate) fn utc(secs: i64) -> jiff::civil::DateTime {
    let t = jiff::Timestamp::from_second(secs).unwrap_or(if secs < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    jiff::tz::Offset::UTC.to_datetime(t)
}
