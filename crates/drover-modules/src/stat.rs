//! The `stat` module.
