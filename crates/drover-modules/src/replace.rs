//! The `replace` module.
