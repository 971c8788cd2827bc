//! The `fail` module.
