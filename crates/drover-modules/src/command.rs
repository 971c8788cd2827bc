//! The `command` module.
