//! The `blockinfile` module.
