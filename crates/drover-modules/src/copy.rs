//! The `copy` module.
