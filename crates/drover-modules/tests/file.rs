//! file and stat against the local shell.

mod common;
use common::*;
use serde_json::json;
use std::os::unix::fs::MetadataExt;

#[tokio::test]
async fn directory_with_parents_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("a/b/c");
    let args = json!({"path": s(&deep), "state": "directory", "mode": "0750"});
    let r = check("file", args.clone()).await;
    assert!(r.changed && !deep.exists());
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert!(deep.is_dir());
    assert_eq!(mode_of(&deep), 0o750);
    assert_eq!(
        mode_of(&dir.path().join("a")),
        0o750,
        "created parents get the mode too"
    );
    assert_eq!(r.data["state"], "directory");
    assert_eq!(r.data["mode"], "0750");
    assert!(r.diffs[0].before.contains("\"state\": \"absent\""));
    assert!(r.diffs[0].after.contains("\"state\": \"directory\""));
    let r = run("file", args).await;
    ok(&r);
    assert!(!r.changed && r.diffs.is_empty());
    let r = run(
        "file",
        json!({"path": s(&deep), "state": "directory", "mode": "g+w"}),
    )
    .await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(mode_of(&deep), 0o770);
    assert!(r.diffs[0].before.contains("\"mode\": \"0750\""));
}

#[tokio::test]
async fn recurse_sets_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("t");
    std::fs::create_dir_all(top.join("x/y")).unwrap();
    std::fs::write(top.join("x/f"), "").unwrap();
    let args = json!({"path": s(&top), "state": "directory", "mode": "0700", "recurse": true});
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(mode_of(&top.join("x/y")), 0o700);
    assert_eq!(mode_of(&top.join("x/f")), 0o700);
    let r = run("file", args).await;
    assert!(!r.changed);
    std::fs::set_permissions(
        top.join("x/f"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let r = check(
        "file",
        json!({"path": s(&top), "mode": "0700", "recurse": true}),
    )
    .await;
    assert!(r.changed);
    assert_eq!(mode_of(&top.join("x/f")), 0o644);
    // Symbolic modes are judged per file: only a file deep inside differs here.
    let args = json!({"path": s(&top), "mode": "go-rwx", "recurse": true});
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(mode_of(&top.join("x/f")), 0o600);
    assert_eq!(mode_of(&top.join("x/y")), 0o700);
    let r = run("file", args.clone()).await;
    assert!(!r.changed);
    std::fs::set_permissions(
        top.join("x/f"),
        std::os::unix::fs::PermissionsExt::from_mode(0o640),
    )
    .unwrap();
    let r = check("file", args.clone()).await;
    assert!(r.changed);
    assert_eq!(mode_of(&top.join("x/f")), 0o640);
    let r = run("file", args).await;
    assert!(r.changed);
    assert_eq!(mode_of(&top.join("x/f")), 0o600);
}

#[tokio::test]
async fn touch_file_absent() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t");
    let r = run(
        "file",
        json!({"path": s(&f), "state": "touch", "mode": "0604"}),
    )
    .await;
    ok(&r);
    assert!(r.changed && f.is_file());
    assert_eq!(mode_of(&f), 0o604);
    assert_eq!(r.data["state"], "file");
    // Touching again changes the times: always changed, as in Ansible.
    let r = run("file", json!({"path": s(&f), "state": "touch"})).await;
    assert!(r.changed);
    // Preserving the times makes touch idempotent.
    let r = run(
        "file",
        json!({"path": s(&f), "state": "touch", "modification_time": "preserve", "access_time": "preserve"}),
    )
    .await;
    assert!(!r.changed);
    // A given time.
    let args = json!({"path": s(&f), "state": "file", "modification_time": "202001021304.05"});
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    let r = run("file", args).await;
    assert!(!r.changed, "{:?}", r.diffs);
    // state=file on a missing path fails.
    let r = run(
        "file",
        json!({"path": s(&dir.path().join("nope")), "state": "file"}),
    )
    .await;
    assert!(r.failed);
    assert!(r.msg.unwrap().contains("is absent, cannot continue"));
    // absent
    let r = check("file", json!({"path": s(&f), "state": "absent"})).await;
    assert!(r.changed && f.exists());
    let r = run("file", json!({"path": s(&f), "state": "absent"})).await;
    assert!(r.changed && !f.exists());
    assert_eq!(r.data["state"], "absent");
    let r = run("file", json!({"path": s(&f), "state": "absent"})).await;
    assert!(!r.changed);
    // absent removes whole trees.
    std::fs::create_dir_all(dir.path().join("tree/sub")).unwrap();
    let r = run(
        "file",
        json!({"path": s(&dir.path().join("tree")), "state": "absent"}),
    )
    .await;
    assert!(r.changed && !dir.path().join("tree").exists());
}

#[tokio::test]
async fn symlinks_and_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    std::fs::write(&target, "t").unwrap();
    let link = dir.path().join("link");
    let args = json!({"path": s(&link), "src": "target", "state": "link"});
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(
        std::fs::read_link(&link).unwrap().to_str().unwrap(),
        "target"
    );
    assert_eq!(r.data["state"], "link");
    let r = run("file", args).await;
    ok(&r);
    assert!(!r.changed);
    // Repoint.
    std::fs::write(dir.path().join("other"), "o").unwrap();
    let r = run(
        "file",
        json!({"path": s(&link), "src": "other", "state": "link"}),
    )
    .await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(
        std::fs::read_link(&link).unwrap().to_str().unwrap(),
        "other"
    );
    // A missing source needs force.
    let r = run(
        "file",
        json!({"path": s(&dir.path().join("l2")), "src": "missing", "state": "link"}),
    )
    .await;
    assert!(r.failed);
    let r = run("file", json!({"path": s(&dir.path().join("l2")), "src": "missing", "state": "link", "force": true})).await;
    ok(&r);
    // A regular file is not replaced without force.
    let r = run(
        "file",
        json!({"path": s(&target), "src": "other", "state": "link"}),
    )
    .await;
    assert!(r.failed);
    // Hard link.
    let hard = dir.path().join("hard");
    let args = json!({"path": s(&hard), "src": s(&target), "state": "hard"});
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(
        std::fs::metadata(&hard).unwrap().ino(),
        std::fs::metadata(&target).unwrap().ino()
    );
    let r = run("file", args).await;
    assert!(!r.changed);
    // Mode through a followed link lands on the target.
    let r = run("file", json!({"path": s(&link), "mode": "0600"})).await;
    ok(&r);
    assert_eq!(mode_of(&dir.path().join("other")), 0o600);
}

#[tokio::test]
async fn stat_reports() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    std::fs::write(&f, "abc").unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o754)).unwrap();
    std::os::unix::fs::symlink("f", dir.path().join("l")).unwrap();
    let r = run("stat", json!({"path": s(&f)})).await;
    ok(&r);
    assert!(!r.changed);
    let st = &r.data["stat"];
    assert_eq!(st["exists"], true);
    assert_eq!(st["isreg"], true);
    assert_eq!(st["isdir"], false);
    assert_eq!(st["mode"], "0754");
    assert_eq!(st["size"], 3);
    assert_eq!(st["checksum"], "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(st["xusr"], true);
    assert_eq!(st["woth"], false);
    assert_eq!(st["readable"], true);
    assert_eq!(st["path"], s(&f));
    assert!(st["mtime"].is_number());
    if std::path::Path::new("/usr/bin/file").exists() {
        assert_eq!(st["mimetype"], "text/plain");
        assert_eq!(st["charset"], "us-ascii");
    }
    assert!(st["attributes"].is_array());
    let md = std::fs::metadata(&f).unwrap();
    assert_eq!(st["inode"], md.ino());
    assert_eq!(st["uid"], md.uid());
    let r = run(
        "stat",
        json!({"path": s(&dir.path().join("l")), "checksum_algorithm": "sha256"}),
    )
    .await;
    let st = &r.data["stat"];
    assert_eq!(st["islnk"], true);
    assert_eq!(st["lnk_target"], "f");
    assert_eq!(st["lnk_source"], s(&std::fs::canonicalize(&f).unwrap()));
    assert!(st.get("checksum").is_none());
    let r = run(
        "stat",
        json!({"path": s(&dir.path().join("l")), "follow": true, "checksum_algorithm": "sha256"}),
    )
    .await;
    assert_eq!(r.data["stat"]["isreg"], true);
    assert_eq!(
        r.data["stat"]["checksum"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let r = run("stat", json!({"path": s(&dir.path().join("missing"))})).await;
    ok(&r);
    assert_eq!(r.data["stat"], json!({"exists": false}));
}

/// Owner and group changes need root; without it these tests only check the no-op case.
fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[tokio::test]
async fn owner_and_group() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("owned");
    std::fs::write(&f, "x").unwrap();
    let me = std::fs::metadata(&f).unwrap();
    // Numeric ids naming the current owner: nothing to do.
    let r = run(
        "file",
        json!({"path": s(&f), "owner": me.uid().to_string(), "group": me.gid().to_string()}),
    )
    .await;
    ok(&r);
    assert!(!r.changed);
    if !is_root() {
        return;
    }
    let args = json!({"path": s(&f), "owner": "nobody", "group": "65534"});
    let r = run("file", args.clone()).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(std::fs::metadata(&f).unwrap().uid(), 65534);
    assert_eq!(std::fs::metadata(&f).unwrap().gid(), 65534);
    assert_eq!(r.data["owner"], "nobody");
    let r = run("file", args).await;
    assert!(!r.changed);
    let c = dir.path().join("c");
    let args = json!({"content": "c", "dest": s(&c), "owner": "nobody"});
    let r = run("copy", args.clone()).await;
    ok(&r);
    assert_eq!(std::fs::metadata(&c).unwrap().uid(), 65534);
    assert_eq!(r.data["owner"], "nobody");
    let r = run("copy", args).await;
    assert!(!r.changed);
    // A new directory chain gets the owner on every directory it creates.
    let d = dir.path().join("d1/d2");
    let r = run(
        "file",
        json!({"path": s(&d), "state": "directory", "owner": "nobody"}),
    )
    .await;
    ok(&r);
    assert_eq!(
        std::fs::metadata(dir.path().join("d1")).unwrap().uid(),
        65534
    );
    assert_eq!(std::fs::metadata(&d).unwrap().uid(), 65534);
    // Recursive ownership.
    std::fs::write(d.join("inner"), "").unwrap();
    let r = run("file", json!({"path": s(&dir.path().join("d1")), "state": "directory", "owner": "root", "recurse": true})).await;
    ok(&r);
    assert!(r.changed);
    assert_eq!(std::fs::metadata(d.join("inner")).unwrap().uid(), 0);
    let r = run("file", json!({"path": s(&dir.path().join("d1")), "state": "directory", "owner": "root", "recurse": true})).await;
    assert!(!r.changed);
    // An unknown user fails with the tool's message.
    let r = run(
        "file",
        json!({"path": s(&f), "owner": "no-such-user-drover"}),
    )
    .await;
    assert!(r.failed);
}
