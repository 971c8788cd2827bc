//! drover's modules: each checks a host and changes it only when needed, through a
//! [`Connection`](drover_types::Connection) and nothing else.
//!
//! A module speaks POSIX shell: one script checks and, when needed, applies, so the common
//! unchanged case costs one round trip. Every value that reaches a script is quoted with
//! [`drover_types::shell_quote`] or sent on stdin, never pasted raw. Files are written atomically
//! (a temp file in the same directory, mode and owner set, then `mv`). Each module lives in its own
//! file; [`all`] lists them. Modules never print, never spawn tasks, and never read the playbook.

// Modules return `Result<_, TaskResult>` so that `?` turns any bad argument or failed step
// into the task's failed result; the size of the error is not a concern here.
#![allow(clippy::result_large_err)]

mod args;
mod files;
mod invocation;
mod textedit;

mod assert;
mod blockinfile;
mod command;
mod copy;
mod debug;
mod fail;
mod file;
mod include_vars;
mod inventory;
mod lineinfile;
mod meta;
mod ping;
mod replace;
mod set_fact;
mod setup;
mod stat;
mod tempfile;
mod template;
mod validate_argument_spec;

use drover_types::Module;

/// Every module drover has.
pub fn all() -> Vec<&'static dyn Module> {
    vec![
        &command::Command,
        &command::Shell,
        &command::Raw,
        &copy::Copy,
        &template::Template,
        &file::File,
        &stat::Stat,
        &lineinfile::LineInFile,
        &blockinfile::BlockInFile,
        &replace::Replace,
        &debug::Debug,
        &set_fact::SetFact,
        &assert::Assert,
        &fail::Fail,
        &include_vars::IncludeVars,
        &ping::Ping,
        &meta::Meta,
        &inventory::AddHost,
        &inventory::GroupBy,
        &validate_argument_spec::ValidateArgumentSpec,
        &tempfile::TempFile,
        &setup::Setup,
    ]
}
