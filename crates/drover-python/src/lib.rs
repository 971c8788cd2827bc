//! Python's semantics in one place. Ansible is written in Python, and wherever its behaviour
//! shows through (a regular expression, `to_json`'s output, a value printed inside a message,
//! an INI value's type, a command line split into words, a `yes` read as true, a seeded
//! `shuffle`), drover must give the same result. This crate owns those pieces of Python, each
//! one tested against CPython on generated inputs (`tests/it`): `re` on Rust's `regex`
//! ([`re`]), `json.dumps` ([`json`]), `repr()` ([`repr`]), `ast.literal_eval` ([`literal`]),
//! `shlex` ([`shlex`]), `str.splitlines` ([`text`]), truth and type names ([`boolean`]) and `random.Random` ([`random`]).
//!
//! It must not do I/O, template, or know what a playbook, a task or a module is: callers turn
//! their own values into the plain data (`serde_json::Value`, text, bytes) these functions take.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod boolean;
pub mod fnmatch;
pub mod json;
pub mod literal;
pub mod random;
pub mod re;
pub mod repr;
pub mod set;
pub mod shlex;
pub mod text;
