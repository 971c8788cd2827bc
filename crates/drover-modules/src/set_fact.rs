//! The `set_fact` module.
