//! The `debug` module.
