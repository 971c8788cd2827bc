//! The `meta` module.
