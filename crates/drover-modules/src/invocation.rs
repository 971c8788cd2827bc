//! The `invocation.module_args` ansible-core's modules put in their results: every parameter
//! of the module, given or defaulted. Users see it in loop results and at `-vvv`, so the tables
//! below list ansible-core 2.19's parameters and defaults, including those drover does not
//! take (SELinux contexts...), which are always null here.

use crate::args::{to_bool, to_text};
use drover_types::{ArgKind, ArgSpec, Map, Value};

/// A parameter's default in ansible-core, used when the task does not give it.
#[derive(Clone, Copy)]
pub(crate) enum ParamDefault {
    Null,
    Bool(bool),
    Str(&'static str),
}

use ParamDefault::{Bool, Null, Str};

/// The file attributes every file-writing module takes.
pub(crate) const FILE_COMMON: &[(&str, ParamDefault)] = &[
    ("attributes", Null),
    ("group", Null),
    ("mode", Null),
    ("owner", Null),
    ("selevel", Null),
    ("serole", Null),
    ("setype", Null),
    ("seuser", Null),
    ("unsafe_writes", Bool(false)),
];

pub(crate) const COMMAND: &[(&str, ParamDefault)] = &[
    ("_raw_params", Null),
    ("argv", Null),
    ("chdir", Null),
    ("cmd", Null),
    ("creates", Null),
    ("executable", Null),
    ("expand_argument_vars", Bool(true)),
    ("removes", Null),
    ("stdin", Null),
    ("stdin_add_newline", Bool(true)),
    ("strip_empty_ends", Bool(true)),
];

pub(crate) const PING: &[(&str, ParamDefault)] = &[("data", Str("pong"))];

pub(crate) const STAT: &[(&str, ParamDefault)] = &[
    ("checksum_algorithm", Str("sha1")),
    ("follow", Bool(false)),
    ("get_attributes", Bool(true)),
    ("get_checksum", Bool(true)),
    ("get_mime", Bool(true)),
    ("path", Null),
];

pub(crate) const FILE: &[(&str, ParamDefault)] = &[
    ("_diff_peek", Null),
    ("_original_basename", Null),
    ("access_time", Null),
    ("access_time_format", Str("%Y%m%d%H%M.%S")),
    ("follow", Bool(true)),
    ("force", Bool(false)),
    ("modification_time", Null),
    ("modification_time_format", Str("%Y%m%d%H%M.%S")),
    ("path", Null),
    ("recurse", Bool(false)),
    ("src", Null),
    ("state", Null),
];

pub(crate) const LINEINFILE: &[(&str, ParamDefault)] = &[
    ("backrefs", Bool(false)),
    ("backup", Bool(false)),
    ("create", Bool(false)),
    ("firstmatch", Bool(false)),
    ("insertafter", Null),
    ("insertbefore", Null),
    ("line", Null),
    ("path", Null),
    ("regexp", Null),
    ("search_string", Null),
    ("state", Str("present")),
    ("validate", Null),
];

pub(crate) const BLOCKINFILE: &[(&str, ParamDefault)] = &[
    ("append_newline", Bool(false)),
    ("backup", Bool(false)),
    ("block", Str("")),
    ("create", Bool(false)),
    ("insertafter", Null),
    ("insertbefore", Null),
    ("marker", Str("# {mark} ANSIBLE MANAGED BLOCK")),
    ("marker_begin", Str("BEGIN")),
    ("marker_end", Str("END")),
    ("path", Null),
    ("prepend_newline", Bool(false)),
    ("state", Str("present")),
    ("validate", Null),
];

pub(crate) const REPLACE: &[(&str, ParamDefault)] = &[
    ("after", Null),
    ("backup", Bool(false)),
    ("before", Null),
    ("encoding", Str("utf-8")),
    ("path", Null),
    ("regexp", Null),
    ("replace", Str("")),
    ("validate", Null),
];

/// `module_args` for `args` (canonical names) from the module's parameter `tables`: given
/// values converted to the parameter's type as ansible-core converts them, defaults for the rest.
pub(crate) fn module_args(spec: &ArgSpec, tables: &[&[(&str, ParamDefault)]], args: &Map) -> Map {
    let mut out = Map::new();
    for (name, default) in tables.iter().flat_map(|t| t.iter()) {
        let value = match args.get(*name).filter(|v| !v.is_null()) {
            Some(given) => typed(spec, name, given),
            None => match default {
                Null => Value::Null,
                Bool(b) => Value::Bool(*b),
                Str(s) => Value::from(*s),
            },
        };
        out.insert((*name).to_owned(), value);
    }
    out
}

fn typed(spec: &ArgSpec, name: &str, given: &Value) -> Value {
    let kind = spec.find(name).map(|e| e.kind);
    let converted = match kind {
        Some(ArgKind::Bool) => to_bool(given).map(Value::Bool),
        Some(ArgKind::Str | ArgKind::Path) => to_text(given).map(Value::String),
        Some(ArgKind::Int) => match given {
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        },
        _ => None,
    };
    converted.unwrap_or_else(|| given.clone())
}
