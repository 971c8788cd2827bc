//! drover's integration tests: one test binary (`cargo test -p drover --test it`), a module per
//! area.

mod cli;
mod conditional_templates;
mod config;
mod differential;
mod differential_output;
mod examples;
mod facts;
mod filegen;
mod hostile;
mod language;
mod modules;
mod output;
mod over_ssh;
mod roles;
mod ssh;
mod targets;
mod vault;
