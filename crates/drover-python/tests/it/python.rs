//! Running a Python script on a batch of inputs.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `script` with `python3 -c`, `input` as JSON on its stdin; returns the JSON it prints.
/// Panics (failing the test) when python3 is missing or the script fails.
pub(crate) fn run(script: &str, input: &Value) -> Value {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed to compare drover-python with CPython; install it");
    let body = serde_json::to_vec(input).expect("inputs are JSON");
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let out = child.wait_with_output().expect("python3 ran");
    writer
        .join()
        .expect("the writer thread")
        .expect("python3 read its input");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "python3 printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Panics with the first mismatches, each described by `show`, when there are any.
pub(crate) fn assert_all_equal(what: &str, mismatches: &[String], total: usize) {
    if !mismatches.is_empty() {
        let shown: Vec<&String> = mismatches.iter().take(12).collect();
        panic!(
            "{what}: {} of {total} cases differ from CPython; first ones:\n{}",
            mismatches.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
