//! Jinja templating as Ansible does it, on minijinja.
//!
//! [`Templates`] holds one minijinja environment set up the Ansible way (no autoescaping, `{{ x }}`
//! alone keeps its type, undefined variables are errors that name the variable) with Ansible's
//! filters, tests and lookups. Variables are rendered lazily: a variable whose value holds `{{ }}`
//! is rendered when it is used, as Ansible does; values wrapped by
//! [`drover_types::mark_unsafe`] are never rendered. This crate renders text; it reads files only
//! for lookups and the `template` module's source, and never contacts a host.

use drover_types::{Map, Templar, Value};
use std::path::Path;

/// The value of `omit`: a template that renders to it drops the module argument.
pub const OMIT: &str = "__omit_place_holder__drover";

/// Ansible-flavoured templating.
pub struct Templates {
    _private: (),
}

impl Templates {
    /// A new environment with every filter, test and lookup registered.
    pub fn new() -> Self {
        todo!()
    }

    /// Whether `source` holds any template syntax (`{{`, `{%`, `{#`).
    pub fn is_template(source: &str) -> bool {
        source.contains("{{") || source.contains("{%") || source.contains("{#")
    }

    /// Renders every string inside `value` (keys of mappings too), keeping types. Mapping
    /// entries and list items that render to [`OMIT`] are dropped.
    pub fn render_value(&self, value: &Value, vars: &Map) -> Result<Value, String> {
        let _ = (value, vars);
        todo!()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templar for Templates {
    fn render(&self, source: &str, vars: &Map) -> Result<Value, String> {
        let _ = (source, vars);
        todo!()
    }

    fn eval(&self, expr: &str, vars: &Map) -> Result<Value, String> {
        let _ = (expr, vars);
        todo!()
    }

    fn render_file(&self, path: &Path, vars: &Map) -> Result<String, String> {
        let _ = (path, vars);
        todo!()
    }
}
