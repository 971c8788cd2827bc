//! Ansible playbooks read into typed, spanned [`Playbook`]s, and every check that can be made
//! before a host is contacted.
//!
//! [`load`] reads a playbook file (YAML 1.1 through `drover-yaml`), turns each play, block and
//! task into the types of [`model`], and validates them: unknown keywords and modules, unknown,
//! missing or mistyped module arguments are errors naming file, line and column, showing the line
//! and suggesting the nearest valid name. [`kv::parse`] reads the `key=value` short form. This
//! crate knows modules only by their [`ArgSpec`](drover_types::ArgSpec)s, given by the caller; it
//! never runs anything and never templates.

pub mod kv;
pub mod model;

pub use model::*;
