//! Shows a run: [`Human`] writes ansible-playbook style output (PLAY and TASK headers, a line per
//! host, diffs, PLAY RECAP), in colour only when asked to (a terminal without `NO_COLOR`).
//! Every decrypted vault value is masked in what it prints. Reporters only read events; they
//! never decide anything about the run.

#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod color;
mod diff;
mod human;
mod masked;
mod origin;

pub use human::Human;
