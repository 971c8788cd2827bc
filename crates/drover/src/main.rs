//! The `drover` command: parses flags, loads and validates, runs, reports, exits with
//! ansible-playbook's exit codes.

fn main() {}
