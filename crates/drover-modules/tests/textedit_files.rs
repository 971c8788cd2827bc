//! lineinfile, blockinfile and replace on real files: backups, validate, modes, hostile paths,
//! clear regex errors, and one round trip when nothing changes.

mod common;

use async_trait::async_trait;
use common::NoTemplar;
use drover_types::{
    Connection, ConnectionError, Exec, ExecOutput, ModuleContext, TaskResult, Value,
};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The local connection, counting the scripts it runs.
#[derive(Default)]
struct Counting {
    inner: drover_connection::Local,
    execs: AtomicUsize,
}

#[async_trait]
impl Connection for Counting {
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError> {
        self.execs.fetch_add(1, Ordering::SeqCst);
        self.inner.exec(exec).await
    }
}

/// Runs a module by name; returns the result and how many scripts it ran.
async fn run_counted(module: &str, args: Value, check: bool) -> (TaskResult, usize) {
    let conn = Counting::default();
    let vars = drover_types::Vars::new();
    let ctx = ModuleContext {
        conn: &conn,
        templar: &NoTemplar,
        vars: &vars,
        check_mode: check,
        diff: true,
        become_: None,
        search_paths: &[],
        timeout: None,
        arg_spans: &[],
    };
    let m = drover_modules::all()
        .into_iter()
        .find(|m| m.name() == module)
        .expect("module exists");
    let args = args.as_object().cloned().expect("args are a map");
    let r = m.run(&ctx, &args).await;
    (r, conn.execs.load(Ordering::SeqCst))
}

async fn run(module: &str, args: Value) -> TaskResult {
    run_counted(module, args, false).await.0
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[tokio::test]
async fn unchanged_costs_one_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(
        &p,
        "a\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n",
    )
    .unwrap();
    let path = p.to_str().unwrap();
    for (module, args) in [
        ("lineinfile", json!({"path": path, "line": "a"})),
        (
            "lineinfile",
            json!({"path": path, "regexp": "^zz", "line": "q", "backrefs": true}),
        ),
        ("blockinfile", json!({"path": path, "block": "b"})),
        (
            "replace",
            json!({"path": path, "regexp": "zz", "replace": "y"}),
        ),
    ] {
        let (r, execs) = run_counted(module, args, false).await;
        assert!(!r.changed && !r.failed, "{module}: {r:?}");
        assert_eq!(execs, 1, "{module}");
    }
}

#[tokio::test]
async fn backups_keep_the_old_content() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    let path = p.to_str().unwrap();
    std::fs::write(&p, "old\n").unwrap();
    let r = run(
        "lineinfile",
        json!({"path": path, "line": "new", "backup": true}),
    )
    .await;
    let backup = r.data["backup"].as_str().unwrap().to_owned();
    assert!(
        backup.starts_with(path) && backup.len() > path.len(),
        "{r:?}"
    );
    assert_eq!(std::fs::read(&backup).unwrap(), b"old\n");
    // Nothing to change: no backup, and lineinfile still returns the key, empty.
    let r = run(
        "lineinfile",
        json!({"path": path, "line": "new", "backup": true}),
    )
    .await;
    assert_eq!(r.data["backup"], "");

    std::fs::write(&p, "x\n").unwrap();
    let r = run(
        "replace",
        json!({"path": path, "regexp": "x", "replace": "y", "backup": true}),
    )
    .await;
    assert_eq!(
        std::fs::read(r.data["backup_file"].as_str().unwrap()).unwrap(),
        b"x\n"
    );
    let r = run(
        "blockinfile",
        json!({"path": path, "block": "b", "backup": true}),
    )
    .await;
    assert_eq!(
        std::fs::read(r.data["backup_file"].as_str().unwrap()).unwrap(),
        b"y\n"
    );
    assert_eq!(
        std::fs::read(&p).unwrap(),
        b"y\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n"
    );
    let r = run(
        "blockinfile",
        json!({"path": path, "block": "b", "backup": true}),
    )
    .await;
    assert!(!r.data.contains_key("backup_file"));
}

#[tokio::test]
async fn failed_validation_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    let path = p.to_str().unwrap();
    std::fs::write(&p, "a\n").unwrap();
    for (module, args) in [
        (
            "lineinfile",
            json!({"path": path, "line": "b", "validate": "false %s"}),
        ),
        (
            "blockinfile",
            json!({"path": path, "block": "b", "validate": "false %s"}),
        ),
        (
            "replace",
            json!({"path": path, "regexp": "a", "replace": "b", "validate": "false %s"}),
        ),
    ] {
        let r = run(module, args).await;
        assert!(r.failed, "{module}: {r:?}");
        assert!(
            r.msg.as_deref().unwrap().starts_with("failed to validate"),
            "{module}: {r:?}"
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "{module}: temp file left"
        );
    }
    let r = run(
        "lineinfile",
        json!({"path": path, "line": "b", "validate": "true"}),
    )
    .await;
    assert_eq!(r.msg.as_deref(), Some("validate must contain %s: true"));
    let r = run(
        "lineinfile",
        json!({"path": path, "line": "b", "validate": "grep -q b %s"}),
    )
    .await;
    assert!(r.changed && !r.failed, "{r:?}");
    assert_eq!(std::fs::read(&p).unwrap(), b"a\nb\n");
}

#[tokio::test]
async fn modes_and_created_directories() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/dir/f");
    let path = p.to_str().unwrap();
    let (r, _) = run_counted(
        "lineinfile",
        json!({"path": path, "line": "a", "create": true}),
        true,
    )
    .await;
    assert!(
        r.changed && !dir.path().join("sub").exists(),
        "check mode creates nothing: {r:?}"
    );
    let r = run(
        "lineinfile",
        json!({"path": path, "line": "a", "create": true, "mode": "0600"}),
    )
    .await;
    assert_eq!(
        r.msg.as_deref(),
        Some("line added and ownership, perms or SE linux context changed")
    );
    assert_eq!(mode_of(&p), 0o600);
    let r = run(
        "lineinfile",
        json!({"path": path, "line": "a", "mode": "u=rw,g=r"}),
    )
    .await;
    assert_eq!(
        r.msg.as_deref(),
        Some("ownership, perms or SE linux context changed")
    );
    assert_eq!(mode_of(&p), 0o640);
    let r = run(
        "replace",
        json!({"path": path, "regexp": "a", "replace": "b", "mode": 0o640}),
    )
    .await;
    assert_eq!(r.msg.as_deref(), Some("1 replacements made"));
    assert_eq!(mode_of(&p), 0o640);
    let r = run(
        "lineinfile",
        json!({"path": dir.path().to_str().unwrap(), "line": "a"}),
    )
    .await;
    assert!(r.failed && r.data["rc"] == 256, "{r:?}");
}

#[tokio::test]
async fn hostile_paths_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("-d $(touch PWNED) `touch PWNED`; '\"");
    std::fs::create_dir(&sub).unwrap();
    let p = sub.join("-f;touch PWNED");
    let path = p.to_str().unwrap();
    let evil = "$(touch PWNED) `touch PWNED`; touch PWNED '\" \\";
    let r = run(
        "lineinfile",
        json!({"path": path, "line": evil, "create": true}),
    )
    .await;
    assert!(r.changed && !r.failed, "{r:?}");
    let r = run(
        "blockinfile",
        json!({"path": path, "block": evil, "marker": format!("# {{mark}} {evil}")}),
    )
    .await;
    assert!(r.changed && !r.failed, "{r:?}");
    let r = run(
        "replace",
        json!({"path": path, "regexp": "PWNED", "replace": "pwned", "validate": "test -f %s"}),
    )
    .await;
    assert!(r.changed && !r.failed, "{r:?}");
    let want = "$(touch pwned) `touch pwned`; touch pwned '\" \\\n";
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        format!("{want}# BEGIN {want}{want}# END {want}")
    );
    // Non-UTF-8 bytes survive untouched.
    std::fs::write(&p, b"\xff\xfe a\n\x80\n").unwrap();
    let r = run(
        "lineinfile",
        json!({"path": path, "regexp": "a$", "line": "b"}),
    )
    .await;
    assert!(r.changed, "{r:?}");
    assert_eq!(std::fs::read(&p).unwrap(), b"b\n\x80\n");
    for d in [dir.path(), sub.as_path(), Path::new(".")] {
        assert!(!d.join("PWNED").exists(), "{}", d.display());
    }
}

#[tokio::test]
async fn backtracking_regex_features_work_and_python_errors_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, "a\nab\n").unwrap();
    let path = p.to_str().unwrap();
    let r = run(
        "lineinfile",
        json!({"path": path, "regexp": "^(?!a)b", "line": "x"}),
    )
    .await;
    assert!(r.changed && !r.failed, "{r:?}");
    assert_eq!(std::fs::read(&p).unwrap(), b"a\nab\nx\n");
    let r = run(
        "replace",
        json!({"path": path, "regexp": r"(?<=a)(b)\n(x)", "replace": r"\2\1"}),
    )
    .await;
    assert!(r.changed && !r.failed, "{r:?}");
    assert_eq!(std::fs::read(&p).unwrap(), b"a\naxb\n");
    std::fs::write(&p, "a\n").unwrap();
    let r = run(
        "replace",
        json!({"path": path, "regexp": r"(a\1)", "replace": "x"}),
    )
    .await;
    assert!(
        r.msg
            .as_deref()
            .unwrap()
            .contains("cannot refer to an open group at position 2"),
        "{r:?}"
    );
    let r = run(
        "lineinfile",
        json!({"path": path, "insertafter": "(?<=a+)", "line": "x"}),
    )
    .await;
    assert!(
        r.msg
            .as_deref()
            .unwrap()
            .contains("look-behind requires fixed-width pattern"),
        "{r:?}"
    );
    assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
    let r = run(
        "lineinfile",
        json!({"path": path, "insertafter": "a", "insertbefore": "b", "line": "x"}),
    )
    .await;
    assert_eq!(
        r.msg.as_deref(),
        Some("parameters are mutually exclusive: insertbefore|insertafter")
    );
}

#[tokio::test]
async fn paths_expand_home_and_variables() {
    let home = std::env::var_os("HOME").expect("HOME is set");
    let home = home.to_str().unwrap().trim_end_matches('/').to_owned();
    let name = "drover-surely-missing-file-8f3a";
    for (given, want) in [
        (format!("~/{name}"), format!("{home}/{name}")),
        (format!("$HOME/{name}"), format!("{home}/{name}")),
        (format!("${{HOME}}/{name}"), format!("{home}/{name}")),
        (
            format!("/tmp/$DROVER_SURELY_UNSET/{name}"),
            format!("/tmp/$DROVER_SURELY_UNSET/{name}"),
        ),
        (
            format!("/tmp/$(touch PWNED)/{name}"),
            format!("/tmp/$(touch PWNED)/{name}"),
        ),
    ] {
        let r = run("lineinfile", json!({"path": given, "line": "x"})).await;
        assert_eq!(
            r.msg.as_deref(),
            Some(format!("Destination {want} does not exist !").as_str())
        );
        let r = run("replace", json!({"path": given, "regexp": "x"})).await;
        assert_eq!(
            r.msg.as_deref(),
            Some(format!("Path {want} does not exist !").as_str())
        );
    }
    assert!(!Path::new("PWNED").exists());
}

#[tokio::test]
async fn writes_go_through_symlinks() {
    // ansible-core 2.19: lineinfile on a link edits the file it points to and keeps the link;
    // on a dangling link with create=true it creates the target.
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    let link = dir.path().join("link");
    std::fs::write(&real, "a\n").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let r = run(
        "lineinfile",
        json!({"path": link.to_str().unwrap(), "line": "b"}),
    )
    .await;
    assert_eq!(r.msg.as_deref(), Some("line added"));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap(), b"a\nb\n");
    let r = run(
        "replace",
        json!({"path": link.to_str().unwrap(), "regexp": "b", "replace": "c"}),
    )
    .await;
    assert!(
        r.changed
            && std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap(), b"a\nc\n");
    let dangling = dir.path().join("dangling");
    let target = dir.path().join("target");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    let r = run(
        "blockinfile",
        json!({"path": dangling.to_str().unwrap(), "block": "x", "create": true}),
    )
    .await;
    assert_eq!(r.msg.as_deref(), Some("File created"));
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"
    );
}

#[tokio::test]
async fn argument_errors_match_ansible() {
    // Messages recorded from ansible-core 2.19.14.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, "a\n").unwrap();
    let path = p.to_str().unwrap();
    let d = dir.path().to_str().unwrap();
    for (module, args, msg) in [
        (
            "lineinfile",
            json!({"path": path}),
            "line is required with state=present".to_owned(),
        ),
        (
            "lineinfile",
            json!({"path": path, "backrefs": true, "line": "x"}),
            "regexp is required with backrefs=true".to_owned(),
        ),
        (
            "lineinfile",
            json!({"path": path, "state": "absent"}),
            "one of line, search_string, or regexp is required with state=absent".to_owned(),
        ),
        (
            "lineinfile",
            json!({"path": path, "line": "x", "regexp": "a", "search_string": "b"}),
            "parameters are mutually exclusive: regexp|search_string".to_owned(),
        ),
        (
            "lineinfile",
            json!({"path": path, "line": "x", "state": "bogus"}),
            "value of state must be one of: absent, present, got: bogus".to_owned(),
        ),
        (
            "lineinfile",
            json!({"path": d, "line": "x"}),
            format!("Path {d} is a directory !"),
        ),
        (
            "blockinfile",
            json!({"path": d}),
            format!("Path {d} is a directory !"),
        ),
        (
            "replace",
            json!({"path": d, "regexp": "x"}),
            format!("Path {d} is a directory !"),
        ),
    ] {
        let r = run(module, args).await;
        assert!(r.failed, "{module}: {r:?}");
        assert_eq!(r.msg.as_deref(), Some(msg.as_str()), "{module}");
    }
    assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
}
