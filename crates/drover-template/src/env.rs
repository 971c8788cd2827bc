//! Building the minijinja environment: Ansible's syntax settings, undefined handling, output
//! formatting, and every filter, test and function.

use crate::convert::printed;
use crate::lazy::{HostvarsMap, LazyList, LazyMap};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, UndefinedBehavior};

/// The settings a template may change with a `#jinja2:` header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Syntax {
    pub(crate) trim_blocks: bool,
    pub(crate) lstrip_blocks: bool,
    pub(crate) keep_trailing_newline: bool,
    pub(crate) variable: (String, String),
    pub(crate) block: (String, String),
    pub(crate) comment: (String, String),
    /// What every line break of the template's own text becomes (`newline_sequence`); values
    /// printed into it keep theirs.
    pub(crate) newline: String,
}

impl Default for Syntax {
    fn default() -> Self {
        Syntax {
            trim_blocks: true,
            lstrip_blocks: false,
            keep_trailing_newline: false,
            variable: ("{{".into(), "}}".into()),
            block: ("{%".into(), "%}".into()),
            comment: ("{#".into(), "#}".into()),
            newline: "\n".into(),
        }
    }
}

/// A new environment with Ansible's settings, filters, tests and functions.
pub(crate) fn build(syntax: &Syntax) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    let config = SyntaxConfig::builder()
        .trim_blocks(syntax.trim_blocks)
        .lstrip_blocks(syntax.lstrip_blocks)
        .keep_trailing_newline(syntax.keep_trailing_newline)
        .variable_delimiters(syntax.variable.0.clone(), syntax.variable.1.clone())
        .block_delimiters(syntax.block.0.clone(), syntax.block.1.clone())
        .comment_delimiters(syntax.comment.0.clone(), syntax.comment.1.clone())
        .build()?;
    env.set_syntax(config);
    env.set_formatter(|out, _state, value| {
        crate::render::count_output();
        // minijinja's strict mode stops a plain undefined before the formatter; what still
        // arrives is the silent undefined of an inline `if` without `else`, which Jinja prints
        // as nothing (`{{ ',' if not loop.last }}`).
        if value.is_undefined() {
            return Ok(());
        }
        // Ansible's finalize: None prints as nothing; everything else as Python's str().
        if value.is_none() {
            return Ok(());
        }
        if holds_undefined(value) {
            return Err(crate::convert::undefined_error());
        }
        out.write_str(&printed(value)).map_err(Error::from)
    });
    env.set_unknown_method_callback(crate::pycompat::call_method);
    env.add_function(crate::chain::CHAIN_FN, crate::chain::chain);
    env.add_function(crate::pyops::SUB_FN, crate::pyops::sub);
    env.add_function("now", crate::pyops::now);
    crate::globals::register(&mut env);
    let mut registry = crate::filters::registry::Registry::new(&mut env);
    crate::filters::registry::register_builtins(&mut registry);
    crate::filters::register(&mut registry);
    crate::tests::register(&mut registry);
    crate::compare::register(&mut env);
    crate::lookups::register(&mut env);
    Ok(env)
}

/// Whether a list or mapping built in the template holds an undefined value (the `vars`
/// lookup's missing variable), which Ansible refuses to print. Variables' own containers
/// (lazy lists and mappings, hostvars) cannot hold one and are not walked.
fn holds_undefined(value: &Value) -> bool {
    let from_vars = value.downcast_object_ref::<LazyList>().is_some()
        || value.downcast_object_ref::<LazyMap>().is_some()
        || value.downcast_object_ref::<HostvarsMap>().is_some();
    match value.kind() {
        ValueKind::Undefined => true,
        ValueKind::Seq | ValueKind::Map if !from_vars => value.try_iter().is_ok_and(|items| {
            items.into_iter().any(|item| {
                let item = match value.kind() {
                    ValueKind::Map => value.get_item(&item).unwrap_or_default(),
                    _ => item,
                };
                holds_undefined(&item)
            })
        }),
        _ => false,
    }
}

/// Looks the render call's root object up from inside a filter or function.
pub(crate) fn root(state: &minijinja::State<'_, '_>) -> Option<std::sync::Arc<crate::lazy::Root>> {
    state
        .lookup(crate::lazy::ROOT_NAME)
        .and_then(|v: Value| v.downcast_object::<crate::lazy::Root>())
}
