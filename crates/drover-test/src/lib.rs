//! Helpers for drover's integration tests: a temp project directory and the real `drover` binary.
