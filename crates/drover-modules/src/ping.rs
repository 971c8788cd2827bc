//! The `ping` module.
