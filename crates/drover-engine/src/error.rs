use drover_types::Span;

/// Why a run could not go on at all (as opposed to a host failing, which is a result).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A host pattern or `--limit` that cannot be understood.
    #[error(transparent)]
    Inventory(#[from] drover_inventory::Error),
    /// A `vars_files` file that cannot be read.
    #[error("{span}: could not load vars file `{path}`: {message}")]
    VarsFile {
        /// The play.
        span: Span,
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A play keyword with a value that cannot be used (`serial: lots`).
    #[error("{span}: {message}")]
    Play {
        /// The play.
        span: Span,
        /// What is wrong.
        message: String,
    },
    /// The run was given no playbook.
    #[error("no playbook to run")]
    NoPlaybook,
    /// `--start-at-task` named a task that does not exist.
    #[error("no task named `{0}` to start at")]
    StartAtTask(String),
}
