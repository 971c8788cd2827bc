//! The `file` module.
