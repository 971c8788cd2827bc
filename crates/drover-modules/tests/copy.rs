//! copy and template against the local shell: apply, idempotence, check mode, diff, modes.

mod common;
use common::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

#[tokio::test]
async fn content_apply_idempotent_check_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.txt");
    let args = json!({"content": "hello\nworld\n", "dest": s(&dest), "mode": "0640"});
    let r = check("copy", args.clone()).await;
    ok(&r);
    assert!(r.changed && !dest.exists());
    let r = run("copy", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(std::fs::read(&dest).unwrap(), b"hello\nworld\n");
    assert_eq!(mode_of(&dest), 0o640);
    assert_eq!(
        r.data["checksum"],
        "58853e8a5e8272b1012f9a52a80758b27bd0d3cb"
    );
    assert_eq!(r.data["mode"], "0640");
    assert_eq!(r.data["size"], 12);
    assert_eq!(r.diffs.len(), 1);
    assert_eq!(r.diffs[0].before, "");
    assert_eq!(r.diffs[0].after, "hello\nworld\n");
    let r = run("copy", args.clone()).await;
    ok(&r);
    assert!(!r.changed && r.diffs.is_empty());
    // Only the mode differs.
    let r = run(
        "copy",
        json!({"content": "hello\nworld\n", "dest": s(&dest), "mode": "u=rw,go="}),
    )
    .await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(mode_of(&dest), 0o600);
    // New content, with a diff against the old.
    let r = run(
        "copy",
        json!({"content": "bye\n", "dest": s(&dest), "backup": true}),
    )
    .await;
    ok(&r);
    assert_eq!(r.diffs[0].before, "hello\nworld\n");
    assert_eq!(mode_of(&dest), 0o600, "mode kept without `mode`");
    let backup = r.data["backup_file"].as_str().unwrap();
    assert!(backup.starts_with(&format!("{}.", s(&dest))) && backup.ends_with('~'));
    assert_eq!(std::fs::read(backup).unwrap(), b"hello\nworld\n");
}

#[tokio::test]
async fn new_file_gets_umask_mode_and_force_false_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("n");
    let r = run("copy", json!({"content": "x", "dest": s(&dest)})).await;
    ok(&r);
    // SAFETY-free: read the umask through a shell.
    let umask = std::process::Command::new("/bin/sh")
        .args(["-c", "umask"])
        .output()
        .unwrap();
    let umask = u32::from_str_radix(String::from_utf8_lossy(&umask.stdout).trim(), 8).unwrap();
    assert_eq!(mode_of(&dest), 0o666 & !umask);
    let r = run(
        "copy",
        json!({"content": "y", "dest": s(&dest), "force": false}),
    )
    .await;
    ok(&r);
    assert!(!r.changed);
    assert_eq!(std::fs::read(&dest).unwrap(), b"x");
}

#[tokio::test]
async fn src_file_into_directory_and_preserve() {
    let ctl = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    std::fs::create_dir(ctl.path().join("files")).unwrap();
    let src = ctl.path().join("files/data.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    std::fs::write(&src, &bytes).unwrap();
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o751)).unwrap();
    let opts = Opts {
        search: vec![ctl.path().to_path_buf()],
        ..Opts::default()
    };
    let args =
        json!({"src": "data.bin", "dest": format!("{}/", s(host.path())), "mode": "preserve"});
    let r = run_with("copy", args.clone(), &opts).await;
    ok(&r);
    assert!(r.changed);
    let dest = host.path().join("data.bin");
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);
    assert_eq!(mode_of(&dest), 0o751);
    assert!(r.diffs[0].after.contains("binary"));
    let r = run_with("copy", args, &opts).await;
    assert!(!r.changed);
    // dest an existing directory without a trailing slash.
    let r = run_with(
        "copy",
        json!({"src": "data.bin", "dest": s(host.path())}),
        &opts,
    )
    .await;
    ok(&r);
    assert!(!r.changed);
    assert_eq!(r.data["dest"], s(&dest));
    // Missing parent directory with a trailing slash is created.
    let deep = host.path().join("a/b/");
    let r = run_with(
        "copy",
        json!({"src": "data.bin", "dest": format!("{}/", s(&deep))}),
        &opts,
    )
    .await;
    ok(&r);
    assert_eq!(std::fs::read(deep.join("data.bin")).unwrap(), bytes);
    let r = run_with(
        "copy",
        json!({"src": "data.bin", "dest": s(&host.path().join("no/such"))}),
        &opts,
    )
    .await;
    assert!(r.failed);
    assert!(
        r.msg
            .as_deref()
            .unwrap()
            .starts_with("Destination directory "),
        "{r:?}"
    );
    let r = run_with(
        "copy",
        json!({"src": "nope.txt", "dest": s(host.path())}),
        &opts,
    )
    .await;
    assert!(
        r.failed
            && r.msg
                .unwrap()
                .contains("Could not find or access 'nope.txt'")
    );
}

#[tokio::test]
async fn recursive_directory_copy() {
    let ctl = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    let tree = ctl.path().join("tree");
    std::fs::create_dir_all(tree.join("sub/deeper")).unwrap();
    std::fs::write(tree.join("a.txt"), "a").unwrap();
    std::fs::write(tree.join("sub/deeper/b.txt"), "b").unwrap();
    let src = s(&tree);
    let r = run(
        "copy",
        json!({"src": src, "dest": s(host.path()), "directory_mode": "0750"}),
    )
    .await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(
        listing(host.path()),
        vec![
            "tree",
            "tree/a.txt",
            "tree/sub",
            "tree/sub/deeper",
            "tree/sub/deeper/b.txt"
        ]
    );
    assert_eq!(mode_of(&host.path().join("tree/sub")), 0o750);
    let r = run("copy", json!({"src": src, "dest": s(host.path())})).await;
    ok(&r);
    assert!(!r.changed);
    // Trailing slash: the contents, not the directory.
    let into = host.path().join("flat");
    let r = run("copy", json!({"src": format!("{src}/"), "dest": s(&into)})).await;
    ok(&r);
    assert_eq!(
        listing(&into),
        vec!["a.txt", "sub", "sub/deeper", "sub/deeper/b.txt"]
    );
    let r = check(
        "copy",
        json!({"src": format!("{src}/"), "dest": s(&host.path().join("other"))}),
    )
    .await;
    assert!(r.changed && !host.path().join("other").exists());
}

#[tokio::test]
async fn validate_failure_leaves_dest_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("conf");
    std::fs::write(&dest, "old").unwrap();
    let r = run(
        "copy",
        json!({"content": "new", "dest": s(&dest), "validate": "grep -q good %s"}),
    )
    .await;
    assert!(r.failed, "{r:?}");
    assert_eq!(r.msg.as_deref(), Some("failed to validate"));
    assert_eq!(r.data["exit_status"], 1);
    assert_eq!(std::fs::read(&dest).unwrap(), b"old");
    assert_eq!(listing(dir.path()), vec!["conf"]);
    let r = run(
        "copy",
        json!({"content": "good", "dest": s(&dest), "validate": "grep -q good %s"}),
    )
    .await;
    ok(&r);
    assert_eq!(std::fs::read(&dest).unwrap(), b"good");
}

#[tokio::test]
async fn template_renders_and_is_idempotent() {
    let ctl = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    std::fs::create_dir(ctl.path().join("templates")).unwrap();
    std::fs::write(
        ctl.path().join("templates/motd.j2"),
        "Hello {{ who }} from {{ template_path }}\n",
    )
    .unwrap();
    let mut vars = drover_types::Map::new();
    vars.insert("who".into(), "world".into());
    let opts = Opts {
        search: vec![ctl.path().to_path_buf()],
        vars,
        ..Opts::default()
    };
    let dest = host.path().join("motd");
    let args = json!({"src": "motd.j2", "dest": s(&dest), "mode": "0600"});
    let r = run_with(
        "template",
        args.clone(),
        &Opts {
            check: true,
            ..clone_opts(&opts)
        },
    )
    .await;
    assert!(r.changed && !dest.exists());
    let r = run_with("template", args.clone(), &opts).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "Hello world from motd.j2\n"
    );
    assert_eq!(mode_of(&dest), 0o600);
    assert!(r.diffs[0].after_header.ends_with("motd.j2"));
    let r = run_with("template", args, &opts).await;
    assert!(!r.changed);
    // `newline_sequence` is applied by the templar (drover-template's tests, differential
    // case 33), not by this test's stand-in.
    let r = run_with(
        "template",
        json!({"src": "missing.j2", "dest": s(&dest)}),
        &opts,
    )
    .await;
    assert!(r.failed);
}

fn clone_opts(o: &Opts) -> Opts {
    Opts {
        check: o.check,
        diff: o.diff,
        vars: o.vars.clone(),
        search: o.search.clone(),
    }
}

#[tokio::test]
async fn follow_writes_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink("real", &link).unwrap();
    let r = run(
        "copy",
        json!({"content": "new", "dest": s(&link), "follow": true}),
    )
    .await;
    ok(&r);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    assert_eq!(r.data["dest"], s(&std::fs::canonicalize(&real).unwrap()));
    // Without follow the link is replaced by a file.
    let r = run("copy", json!({"content": "newer", "dest": s(&link)})).await;
    ok(&r);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_file()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
}
