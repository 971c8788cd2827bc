use crate::{Value, Vars};
use std::path::Path;

/// Templating as modules need it (debug, assert, template), without a dependency on the template
/// crate.
pub trait Templar: Send + Sync {
    /// Renders a string that may hold `{{ }}`/`{% %}`. A string that is exactly one `{{ expr }}`
    /// keeps the expression's type (a list stays a list), as Ansible does.
    fn render(&self, source: &str, vars: &Vars) -> Result<Value, TemplateError>;
    /// Evaluates a bare expression (`when:`, `assert: that:`, `debug: var:`).
    fn eval(&self, expr: &str, vars: &Vars) -> Result<Value, TemplateError>;
    /// Renders a template file the way the `template` module does (trim_blocks, Ansible's
    /// newline handling). `path` is on the controller.
    fn render_file(&self, path: &Path, vars: &Vars) -> Result<String, TemplateError>;
}

/// Why a template could not be rendered. Each message is ready for the user and says what the
/// template was (`'foo' is undefined. String: {{ foo }}`), in the words ansible-core uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A variable, attribute or item the template used is undefined.
    #[error("{0}")]
    Undefined(String),
    /// The text is not valid Jinja.
    #[error("{0}")]
    Syntax(String),
    /// A conditional (`when`, `assert`'s `that`...) whose result is not a boolean.
    #[error("{0}")]
    NotBoolean(String),
    /// A template file, or a file a lookup reads, could not be read.
    #[error("{0}")]
    Io(String),
    /// Anything else that failed while rendering: a filter's or lookup's error, an operation on
    /// the wrong type, a recursive loop between variables.
    #[error("{0}")]
    Render(String),
}

impl TemplateError {
    /// The message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            TemplateError::Undefined(m)
            | TemplateError::Syntax(m)
            | TemplateError::NotBoolean(m)
            | TemplateError::Io(m)
            | TemplateError::Render(m) => m,
        }
    }

    /// The same kind of error with its message rewritten (prefixed with where it happened).
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            TemplateError::Undefined(m) => TemplateError::Undefined(f(m)),
            TemplateError::Syntax(m) => TemplateError::Syntax(f(m)),
            TemplateError::NotBoolean(m) => TemplateError::NotBoolean(f(m)),
            TemplateError::Io(m) => TemplateError::Io(f(m)),
            TemplateError::Render(m) => TemplateError::Render(f(m)),
        }
    }
}

impl From<TemplateError> for String {
    /// The message, for results and events, which carry text.
    fn from(err: TemplateError) -> String {
        match err {
            TemplateError::Undefined(m)
            | TemplateError::Syntax(m)
            | TemplateError::NotBoolean(m)
            | TemplateError::Io(m)
            | TemplateError::Render(m) => m,
        }
    }
}
