//! Hostile values through command, copy, template, file and stat: quotes, command
//! substitutions, backticks, separators, newlines, leading dashes, globs, non-UTF-8 contents and
//! very long strings must arrive exactly as given, and nothing may ever run them.

mod common;
use common::*;
use serde_json::json;
use std::path::Path;

/// Values that would run `touch PWNED` (here, or in `dir`) if a script pasted them raw.
fn hostile(dir: &Path) -> Vec<String> {
    let d = s(dir);
    vec![
        "'; touch PWNED; '".into(),
        "\"; touch PWNED; \"".into(),
        "$(touch PWNED)".into(),
        format!("$(touch {d}/PWNED)"),
        "`touch PWNED`".into(),
        format!("`touch {d}/PWNED`"),
        "a;touch PWNED".into(),
        "x && touch PWNED || touch PWNED".into(),
        "line1\ntouch PWNED\nline3".into(),
        "-rf".into(),
        "--help".into(),
        "* ? [a-z]".into(),
        "$HOME ${IFS} $0 $$".into(),
        "back\\slash \\' \\\"".into(),
        "tab\there | touch PWNED > PWNED".into(),
        "!".into(),
        "x".repeat(10_000),
    ]
}

/// Hostile file names (a name can hold neither `/` nor NUL, and at most 255 bytes).
fn hostile_names() -> Vec<String> {
    vec![
        "'; touch PWNED; '".into(),
        "$(touch PWNED)".into(),
        "`touch PWNED`".into(),
        "-rf".into(),
        "--".into(),
        "a b\nc".into(),
        "*".into(),
        "\"q\" $IFS".into(),
        "é ünïcode ☃".into(),
        "n".repeat(200),
    ]
}

fn assert_no_pwned(dir: &Path) {
    let found: Vec<String> = listing(dir)
        .into_iter()
        .filter(|p| p.ends_with("PWNED"))
        .collect();
    assert!(
        found.is_empty(),
        "PWNED created in {}: {found:?}",
        dir.display()
    );
    assert!(
        !Path::new("PWNED").exists(),
        "PWNED created in the current directory"
    );
}

#[tokio::test]
async fn command_argv_words_arrive_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    for value in hostile(dir.path()) {
        let r = run(
            "command",
            json!({"argv": ["printf", "%s", value], "expand_argument_vars": false}),
        )
        .await;
        ok(&r);
        assert_eq!(
            r.data["stdout"].as_str().unwrap(),
            value.trim_end_matches('\n')
        );
        // Free-form text, quoted for shlex, gives the same word.
        let quoted = format!("printf %s '{}'", value.replace('\'', "'\"'\"'"));
        let r = run(
            "command",
            json!({"_raw_params": quoted, "chdir": s(dir.path()), "expand_argument_vars": false}),
        )
        .await;
        ok(&r);
        assert_eq!(r.data["stdout"].as_str().unwrap(), value);
        // With Ansible's expansion of $VARS and ~, still nothing runs.
        let r = run("command", json!({"argv": ["printf", "%s", value]})).await;
        ok(&r);
        // As stdin, and as creates/removes patterns.
        let r = run(
            "command",
            json!({"argv": ["cat"], "stdin": value, "stdin_add_newline": false}),
        )
        .await;
        assert_eq!(r.data["stdout"].as_str().unwrap(), value);
        let r = run(
            "command",
            json!({"argv": ["true"], "removes": format!("{}/{value}", s(dir.path()))}),
        )
        .await;
        assert!(!r.changed && !r.failed);
    }
    for name in hostile_names() {
        let sub = dir.path().join(&name);
        std::fs::create_dir(&sub).unwrap();
        let r = run("command", json!({"argv": ["pwd"], "chdir": s(&sub)})).await;
        ok(&r);
        assert_eq!(r.data["stdout"].as_str().unwrap(), s(&sub));
        let r = run("command", json!({"argv": ["false"], "creates": s(&sub)})).await;
        assert!(!r.failed && !r.changed);
    }
    assert_no_pwned(dir.path());
}

#[tokio::test]
async fn copy_hostile_names_and_contents() {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in hostile_names().into_iter().enumerate() {
        let dest = dir.path().join(&name);
        let content = hostile(dir.path()).join("\n");
        let args = json!({"content": content, "dest": s(&dest), "mode": "0600", "backup": true});
        let r = run("copy", args.clone()).await;
        ok(&r);
        assert!(r.changed);
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            content,
            "name #{i}"
        );
        assert_eq!(mode_of(&dest), 0o600);
        let r = run("copy", args).await;
        assert!(!r.changed, "name #{i}");
        // Again with other content: a backup beside it, named after it.
        let r = run(
            "copy",
            json!({"content": name, "dest": s(&dest), "backup": true}),
        )
        .await;
        ok(&r);
        let backup = r.data["backup_file"].as_str().unwrap();
        assert_eq!(std::fs::read_to_string(backup).unwrap(), content);
        std::fs::remove_file(backup).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), name);
    }
    // Validate commands are split into quoted words: `;` is not a separator.
    let dest = dir.path().join("validated");
    let r = run(
        "copy",
        json!({"content": "x", "dest": s(&dest), "validate": "test -f %s; touch PWNED"}),
    )
    .await;
    assert!(r.failed);
    assert!(!dest.exists());
    let r = run(
        "copy",
        json!({"content": "x", "dest": s(&dest), "validate": "test -f %s$(touch PWNED)"}),
    )
    .await;
    assert!(r.failed);
    assert_no_pwned(dir.path());
    // Nothing left behind but the destinations.
    assert_eq!(listing(dir.path()).len(), hostile_names().len());
}

#[tokio::test]
async fn non_utf8_contents_are_byte_exact() {
    let ctl = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    let mut bytes: Vec<u8> = vec![0xff, 0xfe, 0x00, b'\n', 0x80, b'\'', b'$', b'(', 0xc3];
    bytes.extend((0..=255u8).rev().cycle().take(70_000));
    bytes.extend_from_slice(b"\n\n\r\n");
    let src = ctl.path().join("blob");
    std::fs::write(&src, &bytes).unwrap();
    let dest = host.path().join("$(touch PWNED) blob");
    let args = json!({"src": s(&src), "dest": s(&dest)});
    let r = run("copy", args.clone()).await;
    ok(&r);
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);
    let r = run("copy", args).await;
    assert!(!r.changed);
    let r = run("stat", json!({"path": s(&dest)})).await;
    assert_eq!(r.data["stat"]["size"], bytes.len());
    let r2 = run("copy", json!({"src": s(&src), "dest": s(&dest)})).await;
    assert_eq!(r.data["stat"]["checksum"], r2.data["checksum"]);
    assert_no_pwned(host.path());
}

#[tokio::test]
async fn template_values_and_names() {
    let ctl = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    std::fs::write(ctl.path().join("t.j2"), "v={{ v }}\n").unwrap();
    for (i, v) in hostile(host.path()).into_iter().enumerate() {
        let mut vars = drover_types::Map::new();
        vars.insert("v".into(), v.clone().into());
        let opts = Opts {
            vars,
            search: vec![ctl.path().to_path_buf()],
            ..Opts::default()
        };
        let names = hostile_names();
        let dest = host.path().join(&names[i % names.len()]);
        let r = run_with("template", json!({"src": "t.j2", "dest": s(&dest)}), &opts).await;
        ok(&r);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), format!("v={v}\n"));
    }
    assert_no_pwned(host.path());
}

#[tokio::test]
async fn file_and_stat_with_hostile_paths() {
    let dir = tempfile::tempdir().unwrap();
    for name in hostile_names() {
        let p = dir.path().join(&name);
        let r = run(
            "file",
            json!({"path": s(&p), "state": "directory", "mode": "0701"}),
        )
        .await;
        ok(&r);
        assert!(p.is_dir());
        assert_eq!(mode_of(&p), 0o701);
        let inner = p.join(&name);
        let r = run("file", json!({"path": s(&inner), "state": "touch"})).await;
        ok(&r);
        assert!(inner.is_file());
        let link = p.join("link");
        let r = run(
            "file",
            json!({"path": s(&link), "src": name, "state": "link"}),
        )
        .await;
        ok(&r);
        assert_eq!(std::fs::read_link(&link).unwrap().to_str().unwrap(), name);
        let r = run("stat", json!({"path": s(&link)})).await;
        ok(&r);
        assert_eq!(r.data["stat"]["lnk_target"].as_str().unwrap(), name);
        assert_eq!(r.data["stat"]["path"].as_str().unwrap(), s(&link));
        let r = run("stat", json!({"path": s(&inner)})).await;
        assert_eq!(r.data["stat"]["isreg"], true);
        let r = run(
            "file",
            json!({"path": s(&p), "recurse": true, "mode": "u+rwx"}),
        )
        .await;
        ok(&r);
        let r = run("file", json!({"path": s(&p), "state": "absent"})).await;
        ok(&r);
        assert!(!p.exists());
    }
    // A glob as a path is a name, not a pattern.
    std::fs::write(dir.path().join("keep1"), "").unwrap();
    std::fs::write(dir.path().join("keep2"), "").unwrap();
    let r = run(
        "file",
        json!({"path": s(&dir.path().join("keep*")), "state": "absent"}),
    )
    .await;
    ok(&r);
    assert!(!r.changed);
    assert!(dir.path().join("keep1").exists() && dir.path().join("keep2").exists());
    assert_no_pwned(dir.path());
}

#[tokio::test]
async fn relative_leading_dash_paths_are_not_options() {
    let name = format!("-drover-hostile-{}", std::process::id());
    let r = run("file", json!({"path": name, "state": "touch"})).await;
    ok(&r);
    assert!(Path::new(&name).is_file());
    let r = run("stat", json!({"path": name})).await;
    assert_eq!(r.data["stat"]["exists"], true);
    let r = run("copy", json!({"content": "dash", "dest": name})).await;
    ok(&r);
    assert_eq!(std::fs::read_to_string(&name).unwrap(), "dash");
    let r = run("file", json!({"path": name, "state": "absent"})).await;
    ok(&r);
    assert!(!Path::new(&name).exists());
}
