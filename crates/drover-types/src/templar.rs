use crate::{Value, Vars};
use std::path::Path;

/// Templating as modules need it (debug, assert, template), without a dependency on the template
/// crate. Errors are messages ready for the user ("`foo` is undefined").
pub trait Templar: Send + Sync {
    /// Renders a string that may hold `{{ }}`/`{% %}`. A string that is exactly one `{{ expr }}`
    /// keeps the expression's type (a list stays a list), as Ansible does.
    fn render(&self, source: &str, vars: &Vars) -> Result<Value, String>;
    /// Evaluates a bare expression (`when:`, `assert: that:`, `debug: var:`).
    fn eval(&self, expr: &str, vars: &Vars) -> Result<Value, String>;
    /// Renders a template file the way the `template` module does (trim_blocks, Ansible's
    /// newline handling). `path` is on the controller.
    fn render_file(&self, path: &Path, vars: &Vars) -> Result<String, String>;
}
