//! The `template` module.
