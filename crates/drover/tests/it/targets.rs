//! ansible-core's own integration targets that drover passes today keep passing.
//!
//! `tests/ansible-targets/passing.txt` lists targets from `test/integration/targets/` of the
//! ansible-core 2.19.14 sdist that drover runs to success; `scripts/ansible-targets` fetches the
//! sdist (once, into `target/ansible-targets/`), gives each target what `ansible-test` would
//! (the `testhost` inventory, `output_dir`, the targets on the roles path, an `ansible-playbook`
//! shim for `runme.sh` targets) and runs it with this build's `drover`. This test fails when a
//! listed target no longer passes. It skips, saying so, only when the sdist cannot be fetched
//! (no network to the package index); a missing `python3` fails it.
//!
//! The ansible-core side of the table in docs/compatibility.md is not run here: the script
//! keeps those results on the machine that ran it.

use std::path::Path;
use std::time::Duration;

use drover_test::{Cmd, Project};

/// The script's exit code when the sdist cannot be fetched.
const FETCH_FAILED: i32 = 3;

fn listed_targets(workspace: &Path) -> Vec<String> {
    let list = workspace.join("tests/ansible-targets/passing.txt");
    let text = std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", list.display()));
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn listed_ansible_targets_still_pass() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let names = listed_targets(&workspace);
    assert!(
        !names.is_empty(),
        "tests/ansible-targets/passing.txt lists no target"
    );
    let work = Project::new();
    let results = work.join("results.json");
    let run = Cmd::new("python3")
        .current_dir(&workspace)
        .arg("scripts/ansible-targets")
        .args(["--no-ansible", "--timeout", "300", "--drover"])
        .arg(env!("CARGO_BIN_EXE_drover"))
        .arg("--work")
        .arg(work.join("runs"))
        .arg("--json")
        .arg(&results)
        .args(&names)
        .timeout(Duration::from_secs(900))
        .run();
    if run.code == Some(FETCH_FAILED) {
        // The one message a skipped run leaves: CI's log must say the targets were not run.
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "SKIPPED: the ansible-core sdist cannot be fetched here:\n{}",
                run.stderr.trim_end()
            );
        }
        return;
    }
    let text = std::fs::read_to_string(&results)
        .unwrap_or_else(|e| panic!("no results from the script ({e}):\n{}", run.describe()));
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("results are JSON");
    let mut failures = Vec::new();
    for name in &names {
        let result = &parsed[name];
        if result["pass"] != serde_json::Value::Bool(true) {
            let reason = result["error"]
                .as_str()
                .or(result["skip"].as_str())
                .unwrap_or("no result");
            failures.push(format!("{name}: {reason} (log: {})", result["log"]));
        }
    }
    if failures.is_empty() {
        return;
    }
    let kept = work.keep();
    panic!(
        "ansible-core targets listed in tests/ansible-targets/passing.txt no longer pass with \
         drover (rerun one with scripts/ansible-targets --drover target/debug/drover --no-ansible \
         --keep NAME); the work dirs are kept in {}:\n{}\n{}",
        kept.display(),
        failures.join("\n"),
        run.describe()
    );
}
