//! The `invocation.module_args` of modules whose parameters are not all in drover's argument
//! spec (`command`'s internal `_uses_shell`, `expand_argument_vars`...): tables of
//! ansible-core 2.19's parameters and defaults. Modules whose spec holds every parameter with
//! its default use [`crate::args::module_args`] instead.

use drover_types::{ArgDefault, ArgSpec, Map, Value};

use ArgDefault::{Bool, Null, Str};

pub(crate) const COMMAND: &[(&str, ArgDefault)] = &[
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

pub(crate) const PING: &[(&str, ArgDefault)] = &[("data", Str("pong"))];

/// `module_args` for `args` (canonical names) from the module's parameter `tables`: given
/// values converted to the parameter's type as ansible-core converts them, defaults for the rest.
pub(crate) fn module_args(spec: &ArgSpec, tables: &[&[(&str, ArgDefault)]], args: &Map) -> Map {
    let mut out = Map::new();
    for (name, default) in tables.iter().flat_map(|t| t.iter()) {
        let value = match args.get(*name).filter(|v| !v.is_null()) {
            Some(given) => match spec.find(name) {
                Some(entry) => crate::args::typed(entry.kind, given),
                None => given.clone(),
            },
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
