//! Every module costs one round trip when nothing changes.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn unchanged_runs_cost_one_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("a/b")).unwrap();
    for (i, f) in ["x", "a/y", "a/b/z"].iter().enumerate() {
        std::fs::write(tree.join(f), format!("file {i}\n")).unwrap();
    }
    let out = dir.path().join("out");
    let file = s(&dir.path().join("f"));
    let cases = [
        (
            "copy",
            json!({"content": "hello\n", "dest": file, "mode": "0640"}),
        ),
        ("copy", json!({"src": s(&tree), "dest": s(&out)})),
        (
            "file",
            json!({"path": s(&out), "state": "directory", "mode": "0755"}),
        ),
        (
            "file",
            json!({"path": s(&out), "state": "directory", "mode": "u=rwx,go=rx", "recurse": true}),
        ),
        (
            "file",
            json!({"path": file, "state": "file", "mode": "0640"}),
        ),
        ("stat", json!({"path": file})),
    ];
    for (name, args) in cases {
        let (first, _) = run_counted(name, args.clone()).await;
        ok(&first);
        let (again, trips) = run_counted(name, args.clone()).await;
        ok(&again);
        assert!(!again.changed, "{name} {args} changed twice");
        assert_eq!(trips, 1, "{name} {args}");
    }
    assert_eq!(
        listing(&out),
        vec![
            "tree",
            "tree/a",
            "tree/a/b",
            "tree/a/b/z",
            "tree/a/y",
            "tree/x"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("tree/a/b/z")).unwrap(),
        "file 2\n"
    );
}
