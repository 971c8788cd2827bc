//! command, shell, raw and ping against the local shell.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn command_runs_argv_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        "command",
        json!({"_raw_params": "echo 'a  b' $DROVER_TEST_UNSET \"c\"", "chdir": s(dir.path())}),
    )
    .await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(r.data["stdout"], "a  b $DROVER_TEST_UNSET c");
    assert_eq!(r.data["rc"], 0);
    assert_eq!(
        r.data["cmd"],
        json!(["echo", "a  b", "$DROVER_TEST_UNSET", "c"])
    );
    assert_eq!(r.data["stdout_lines"], json!(["a  b $DROVER_TEST_UNSET c"]));
    assert_eq!(r.msg.as_deref(), Some(""));
    let delta = r.data["delta"].as_str().unwrap();
    assert!(delta.starts_with("0:00:"), "{delta}");
    assert_eq!(r.data["start"].as_str().unwrap().len(), 26);
}

#[tokio::test]
async fn command_failure_and_stdin() {
    let r = run(
        "command",
        json!({"argv": ["sh", "-c", "cat; echo err >&2; exit 4"], "stdin": "in"}),
    )
    .await;
    assert!(r.failed);
    assert_eq!(r.msg.as_deref(), Some("non-zero return code"));
    assert_eq!(r.data["rc"], 4);
    assert_eq!(r.data["stdout"], "in");
    assert_eq!(r.data["stderr"], "err");
    let r = run(
        "command",
        json!({"argv": ["printf", "x\n\n"], "strip_empty_ends": false}),
    )
    .await;
    assert_eq!(r.data["stdout"], "x\n\n");
}

#[tokio::test]
async fn creates_and_removes() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("made");
    let args = json!({"_raw_params": format!("touch {}", s(&marker)), "creates": s(&dir.path().join("ma*"))});
    let r = run("command", args.clone()).await;
    ok(&r);
    assert!(r.changed && marker.exists());
    let r = run("command", args).await;
    assert!(!r.changed && !r.failed);
    assert_eq!(
        r.msg.as_deref().unwrap(),
        format!(
            "Did not run command since '{}' exists",
            s(&dir.path().join("ma*"))
        )
    );
    let r = run(
        "command",
        json!({"_raw_params": "false", "removes": s(&dir.path().join("nope"))}),
    )
    .await;
    assert!(!r.changed && !r.failed);
}

#[tokio::test]
async fn check_mode_skips() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("m");
    let r = check("command", json!({"argv": ["touch", s(&marker)]})).await;
    assert!(r.skipped && !r.changed);
    assert!(!marker.exists());
    let r = check(
        "shell",
        json!({"_raw_params": format!("touch {}", s(&marker)), "creates": s(&marker)}),
    )
    .await;
    assert!(r.changed && !r.skipped);
    assert!(!marker.exists());
}

#[tokio::test]
async fn shell_uses_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        "shell",
        json!({"_raw_params": "echo $((1+2)) | tr 3 x; pwd", "chdir": s(dir.path())}),
    )
    .await;
    ok(&r);
    assert_eq!(r.data["stdout_lines"][0], "x");
    assert_eq!(r.data["cmd"], "echo $((1+2)) | tr 3 x; pwd");
    let r = run("shell", json!({"cmd": "exit 3"})).await;
    assert!(r.failed);
    assert_eq!(r.data["rc"], 3);
    let r = run(
        "shell",
        json!({"_raw_params": "true", "chdir": "/nonexistent/dir"}),
    )
    .await;
    assert!(r.failed);
    assert!(r.msg.unwrap().contains("Unable to change directory"));
}

#[tokio::test]
async fn raw_and_ping() {
    let r = run("raw", json!({"_raw_params": "echo raw; exit 0"})).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(r.data["stdout"], "raw\n");
    let r = run("ping", json!({})).await;
    ok(&r);
    assert!(!r.changed);
    assert_eq!(r.data["ping"], "pong");
    let r = run("ping", json!({"data": "crash"})).await;
    assert!(r.failed);
}

#[tokio::test]
async fn errors_name_the_problem() {
    let r = run("command", json!({})).await;
    assert!(r.failed);
    let r = run("command", json!({"_raw_params": "echo 'open"})).await;
    assert!(r.failed && r.msg.unwrap().contains("No closing quotation"));
    let r = run("command", json!({"argv": ["echo"], "_raw_params": "echo"})).await;
    assert!(r.failed);
    // A program that cannot be started: Python's errno as `rc`, nothing changed.
    let r = run("command", json!({"argv": ["/nonexistent/program", "a b"]})).await;
    assert!(r.failed && !r.changed);
    assert_eq!(r.data["rc"], 2);
    assert_eq!(r.msg.as_deref(), Some("Error executing command."));
    assert_eq!(r.data["cmd"], "/nonexistent/program 'a b'");
    let r = run(
        "command",
        json!({"_raw_params": "drover_no_such_program x"}),
    )
    .await;
    assert!(r.failed && !r.changed);
    assert_eq!(r.data["rc"], 2);
    let r = run("command", json!({"argv": ["/tmp"]})).await;
    assert!(r.failed && !r.changed);
    assert_eq!(r.data["rc"], 13);
    // A program that starts and exits 127 is its own failure, not one that could not start.
    let r = run("command", json!({"argv": ["sh", "-c", "exit 127"]})).await;
    assert!(r.failed && r.changed);
    assert_eq!(r.data["rc"], 127);
}

#[tokio::test]
async fn argument_vars_expand_like_ansible() {
    let home = std::process::Command::new("/bin/sh")
        .args(["-c", "printf %s \"$HOME\""])
        .output()
        .unwrap();
    let home = String::from_utf8(home.stdout).unwrap();
    let r = run(
        "command",
        json!({"argv": ["printf", "%s|", "~", "~/x y", "$HOME", "${HOME}/z", "$NOPE_X ${NOPE_Y}", "$(id)$", "a~"]}),
    )
    .await;
    ok(&r);
    assert_eq!(
        r.data["stdout"].as_str().unwrap(),
        format!("{home}|{home}/x y|{home}|{home}/z|$NOPE_X ${{NOPE_Y}}|$(id)$|a~|")
    );
    let r = run(
        "command",
        json!({"argv": ["printf", "%s", "$HOME"], "expand_argument_vars": false}),
    )
    .await;
    assert_eq!(r.data["stdout"], "$HOME");
}
