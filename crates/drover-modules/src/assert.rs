//! The `assert` module.
