//! drover-python against CPython: each module generates hundreds of inputs deterministically,
//! sends them to `python3` once per batch (JSON on stdin, JSON back on stdout) and compares.
//! python3 must be installed: without it these tests fail rather than skip.

mod boolean;
mod inputs;
mod json;
mod literal;
mod python;
mod random;
mod re;
mod repr;
mod shlex;
