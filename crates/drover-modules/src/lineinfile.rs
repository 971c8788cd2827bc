//! The `lineinfile` module.
