//! lineinfile, blockinfile and replace against results recorded from ansible-core 2.19.14.
//!
//! Every case below was run twice with `ansible localhost -c local -m <module> -a '<args>'` on a
//! file holding `initial` (at a path with a space and a dash, substituted for `@PATH@`); the
//! file's bytes, `changed`, `msg` and `found` after each run are recorded literally. drover must
//! give the same bytes and messages, including Ansible's oddities (a line inserted after a last
//! line without newline is glued to it; `x*` replacements are not idempotent). Each case is
//! also run in check mode (reports the same `changed`, touches nothing) and with `--diff`.

mod common;

use common::NoTemplar;
use drover_types::{Map, ModuleContext, TaskResult, Value};
use std::path::Path;

/// What one run did: as recorded from ansible-core, or as drover did it.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    changed: bool,
    failed: bool,
    msg: &'static str,
    content: Option<&'static [u8]>,
    found: Option<u64>,
}

/// One recorded ansible-core task: its arguments and what the first and second runs did.
struct Case {
    name: &'static str,
    module: &'static str,
    initial: Option<&'static [u8]>,
    args: &'static str,
    first: Outcome,
    second: Outcome,
}

/// Runs a module by name on the local host.
async fn run(module: &str, args: &Map, check: bool, diff: bool) -> TaskResult {
    let conn = drover_connection::Local;
    let vars = drover_types::Vars::new();
    let ctx = ModuleContext {
        conn: &conn,
        templar: &NoTemplar,
        vars: &vars,
        check_mode: check,
        diff,
        become_: None,
        search_paths: &[],
        timeout: None,
        arg_spans: &[],
    };
    let m = drover_modules::all()
        .into_iter()
        .find(|m| m.name() == module)
        .expect("module exists");
    m.run(&ctx, args).await
}

/// The case's arguments for a file at `path`.
fn args_for(case: &Case, path: &str) -> Map {
    let json = case
        .args
        .replace("@PATH@", &path.replace('\\', "\\\\").replace('"', "\\\""));
    serde_json::from_str(&json).expect("case args are JSON")
}

/// A result's message, wherever it is kept.
fn msg_of(r: &TaskResult) -> String {
    r.msg
        .clone()
        .or_else(|| r.data.get("msg").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// Differences between what ansible-core did and what drover did, in words.
fn compare(case: &str, run_no: &str, want: &Outcome, got: &TaskResult, path: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    let p = path.to_str().unwrap();
    let content = std::fs::read(path).ok();
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            errors.push(format!("{case} ({run_no} run): {what}: {detail}"));
        }
    };
    check(
        "changed",
        got.changed == want.changed,
        format!("want {} got {}", want.changed, got.changed),
    );
    check(
        "failed",
        got.failed == want.failed,
        format!("want {} got {} ({:?})", want.failed, got.failed, got.msg),
    );
    let want_msg = want.msg.replace("@PATH@", p);
    check(
        "msg",
        msg_of(got) == want_msg,
        format!("want {want_msg:?} got {:?}", msg_of(got)),
    );
    check(
        "content",
        content.as_deref() == want.content,
        format!(
            "want {:?} got {:?}",
            want.content.map(String::from_utf8_lossy),
            content.as_deref().map(String::from_utf8_lossy)
        ),
    );
    if let Some(n) = want.found {
        let found = got.data.get("found").and_then(Value::as_u64);
        check("found", found == Some(n), format!("want {n} got {found:?}"));
    }
    errors
}

/// A fresh directory holding the case's initial file; returns it and the file's path.
fn setup(case: &Case) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f i-le");
    if let Some(initial) = case.initial {
        std::fs::write(&path, initial).unwrap();
    }
    (dir, path)
}

#[tokio::test]
async fn matches_ansible_core_byte_for_byte() {
    let mut errors = Vec::new();
    for case in CASES {
        let (_dir, path) = setup(case);
        let args = args_for(case, path.to_str().unwrap());
        let first = run(case.module, &args, false, true).await;
        errors.extend(compare(case.name, "first", &case.first, &first, &path));
        if case.first.changed && !case.first.failed {
            let before = case.initial.unwrap_or_default();
            let after = case.first.content.unwrap_or_default();
            // drover shows content with NUL bytes as binary, so only text is compared.
            let text = |b: &[u8]| {
                std::str::from_utf8(b)
                    .ok()
                    .filter(|s| !s.contains('\0'))
                    .map(str::to_owned)
            };
            if let (Some(b), Some(a), true) = (text(before), text(after), before != after) {
                let ok = first
                    .diffs
                    .first()
                    .is_some_and(|d| d.before == b && d.after == a);
                if !ok {
                    errors.push(format!("{}: diff {:?}", case.name, first.diffs));
                }
            }
        }
        let second = run(case.module, &args, false, false).await;
        errors.extend(compare(case.name, "second", &case.second, &second, &path));
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[tokio::test]
async fn check_mode_reports_and_touches_nothing() {
    let mut errors = Vec::new();
    for case in CASES {
        let (dir, path) = setup(case);
        let args = args_for(case, path.to_str().unwrap());
        let r = run(case.module, &args, true, false).await;
        if r.changed != case.first.changed || r.failed != case.first.failed {
            errors.push(format!(
                "{}: check mode changed={} failed={} ({:?})",
                case.name, r.changed, r.failed, r.msg
            ));
        }
        if std::fs::read(&path).ok().as_deref() != case.initial {
            errors.push(format!("{}: check mode touched the file", case.name));
        }
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        if entries != usize::from(case.initial.is_some()) {
            errors.push(format!("{}: check mode left {entries} entries", case.name));
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[tokio::test]
async fn hostile_values_run_nothing() {
    for case in CASES {
        let (dir, path) = setup(case);
        let args = args_for(case, path.to_str().unwrap());
        run(case.module, &args, false, false).await;
        assert!(!dir.path().join("PWNED").exists(), "{}", case.name);
    }
    assert!(!Path::new("PWNED").exists());
}

/// The recorded cases (generated from the ansible-core runs; do not edit by hand).
#[rustfmt::skip]
const CASES: &[Case] = &[
    Case {
        name: "li_append",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"c\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nb\nc\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\n"), found: None },
    },
    Case {
        name: "li_append_no_eol",
        module: "lineinfile",
        initial: Some(b"a\nb"),
        args: "{\"path\": \"@PATH@\", \"line\": \"c\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nb\nc\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\n"), found: None },
    },
    Case {
        name: "li_same_no_eol",
        module: "lineinfile",
        initial: Some(b"a\nb"),
        args: "{\"path\": \"@PATH@\", \"line\": \"b\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "li_present",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"a\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "li_crlf",
        module: "lineinfile",
        initial: Some(b"a\r\nb\r\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"b\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"a\r\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\r\nb\n"), found: None },
    },
    Case {
        name: "li_regexp_last",
        module: "lineinfile",
        initial: Some(b"x=1\ny\nx=2\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^x=\", \"line\": \"x=9\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"x=1\ny\nx=9\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x=1\ny\nx=9\n"), found: None },
    },
    Case {
        name: "li_regexp_first",
        module: "lineinfile",
        initial: Some(b"x=1\ny\nx=2\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^x=\", \"line\": \"x=9\", \"firstmatch\": true}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"x=9\ny\nx=2\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x=9\ny\nx=2\n"), found: None },
    },
    Case {
        name: "li_regexp_dollar",
        module: "lineinfile",
        initial: Some(b"x=1\ny\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^y$\", \"line\": \"z\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"x=1\nz\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x=1\nz\n"), found: None },
    },
    Case {
        name: "li_regexp_nomatch",
        module: "lineinfile",
        initial: Some(b"x=1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^nomatch\", \"line\": \"z\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"x=1\nz\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x=1\nz\n"), found: None },
    },
    Case {
        name: "li_backrefs",
        module: "lineinfile",
        initial: Some(b"a=1\nb=2\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^(\\\\w+)=(.*)$\", \"line\": \"\\\\1 := \\\\g<2>!\", \"backrefs\": true}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"a=1\nb := 2!\n"), found: None },
        second: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"a := 1!\nb := 2!\n"), found: None },
    },
    Case {
        name: "li_backrefs_nomatch",
        module: "lineinfile",
        initial: Some(b"a=1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^zzz(.*)\", \"line\": \"\\\\1\", \"backrefs\": true}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"a=1\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a=1\n"), found: None },
    },
    Case {
        name: "li_insertafter",
        module: "lineinfile",
        initial: Some(b"a\nb\nc\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertafter\": \"^b\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nb\nc\nb\nnew\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\nb\nnew\n"), found: None },
    },
    Case {
        name: "li_insertafter_first",
        module: "lineinfile",
        initial: Some(b"a\nb\nc\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertafter\": \"^b\", \"firstmatch\": true}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nb\nnew\nc\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nnew\nc\nb\n"), found: None },
    },
    Case {
        name: "li_insertbefore",
        module: "lineinfile",
        initial: Some(b"a\nb\nc\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertbefore\": \"^b\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nb\nc\nnew\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\nnew\nb\n"), found: None },
    },
    Case {
        name: "li_insertbefore_first",
        module: "lineinfile",
        initial: Some(b"a\nb\nc\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertbefore\": \"^b\", \"firstmatch\": true}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nnew\nb\nc\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\nb\nc\nb\n"), found: None },
    },
    Case {
        name: "li_insertbefore_bof",
        module: "lineinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertbefore\": \"BOF\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"new\na\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"new\na\n"), found: None },
    },
    Case {
        name: "li_insertafter_nomatch",
        module: "lineinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertafter\": \"^zzz\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nnew\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\n"), found: None },
    },
    Case {
        name: "li_insertafter_last_no_eol",
        module: "lineinfile",
        initial: Some(b"a\nfoo"),
        args: "{\"path\": \"@PATH@\", \"line\": \"bar\", \"insertafter\": \"foo\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nfoobar\n"), found: None },
        second: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nfoobar\nbar\n"), found: None },
    },
    Case {
        name: "li_insertafter_exists_next",
        module: "lineinfile",
        initial: Some(b"a\nnew\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertafter\": \"^a\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\nb\n"), found: None },
    },
    Case {
        name: "li_regexp_insertafter",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^zz\", \"line\": \"new\", \"insertafter\": \"^a\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nnew\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\nb\n"), found: None },
    },
    Case {
        name: "li_absent_line",
        module: "lineinfile",
        initial: Some(b"a\nb\na\r\nc"),
        args: "{\"path\": \"@PATH@\", \"line\": \"a\", \"state\": \"absent\"}",
        first: Outcome { changed: true, failed: false, msg: "2 line(s) removed", content: Some(b"b\nc"), found: Some(2) },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"b\nc"), found: Some(0) },
    },
    Case {
        name: "li_absent_search",
        module: "lineinfile",
        initial: Some(b"x1\nx2\ny\n"),
        args: "{\"path\": \"@PATH@\", \"search_string\": \"x\", \"state\": \"absent\"}",
        first: Outcome { changed: true, failed: false, msg: "2 line(s) removed", content: Some(b"y\n"), found: Some(2) },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"y\n"), found: Some(0) },
    },
    Case {
        name: "li_absent_regexp",
        module: "lineinfile",
        initial: Some(b"x1\nx2\ny\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^x[0-9]$\", \"state\": \"absent\"}",
        first: Outcome { changed: true, failed: false, msg: "2 line(s) removed", content: Some(b"y\n"), found: Some(2) },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"y\n"), found: Some(0) },
    },
    Case {
        name: "li_absent_none",
        module: "lineinfile",
        initial: Some(b"x1\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"nope\", \"state\": \"absent\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"x1\n"), found: Some(0) },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x1\n"), found: Some(0) },
    },
    Case {
        name: "li_absent_missing",
        module: "lineinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"line\": \"nope\", \"state\": \"absent\"}",
        first: Outcome { changed: false, failed: false, msg: "file not present", content: None, found: None },
        second: Outcome { changed: false, failed: false, msg: "file not present", content: None, found: None },
    },
    Case {
        name: "li_search_string",
        module: "lineinfile",
        initial: Some(b"a.*b\nab\n"),
        args: "{\"path\": \"@PATH@\", \"search_string\": \".*\", \"line\": \"X\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"X\nab\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"X\nab\n"), found: None },
    },
    Case {
        name: "li_non_utf8",
        module: "lineinfile",
        initial: Some(b"caf\xe9\nx\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^caf.$\", \"line\": \"cafe\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"cafe\nx\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"cafe\nx\n"), found: None },
    },
    Case {
        name: "li_non_ascii_regexp",
        module: "lineinfile",
        initial: Some(b"caf\xc3\xa9 1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^café \", \"line\": \"ké 2\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"k\xc3\xa9 2\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"k\xc3\xa9 2\n"), found: None },
    },
    Case {
        name: "li_hostile",
        module: "lineinfile",
        initial: Some(b"$(touch PWNED) old\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^\\\\$\\\\(touch PWNED\\\\)\", \"line\": \"$(touch PWNED) `touch PWNED` ; 'q' \\\"dq\\\" \\\\ &\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n"), found: None },
    },
    Case {
        name: "li_brace",
        module: "lineinfile",
        initial: Some(b"foo{1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^foo{\", \"line\": \"bar\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"bar\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"bar\n"), found: None },
    },
    Case {
        name: "li_empty_regexp",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"\", \"line\": \"X\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"a\nX\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nX\n"), found: None },
    },
    Case {
        name: "li_create",
        module: "lineinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"create\": true}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"new\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"new\n"), found: None },
    },
    Case {
        name: "li_missing",
        module: "lineinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"line\": \"new\"}",
        first: Outcome { changed: false, failed: true, msg: "Destination @PATH@ does not exist !", content: None, found: None },
        second: Outcome { changed: false, failed: true, msg: "Destination @PATH@ does not exist !", content: None, found: None },
    },
    Case {
        name: "li_create_mode",
        module: "lineinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"create\": true, \"mode\": \"0600\"}",
        first: Outcome { changed: true, failed: false, msg: "line added and ownership, perms or SE linux context changed", content: Some(b"new\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"new\n"), found: None },
    },
    Case {
        name: "li_mode_only",
        module: "lineinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"a\", \"mode\": \"0600\"}",
        first: Outcome { changed: true, failed: false, msg: "ownership, perms or SE linux context changed", content: Some(b"a\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n"), found: None },
    },
    Case {
        name: "li_mode_and_line",
        module: "lineinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"b\", \"mode\": \"0600\"}",
        first: Outcome { changed: true, failed: false, msg: "line added and ownership, perms or SE linux context changed", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "li_insertafter_eol_cr",
        module: "lineinfile",
        initial: Some(b"a\rb"),
        args: "{\"path\": \"@PATH@\", \"line\": \"c\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\rb\nc\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\rb\nc\n"), found: None },
    },
    Case {
        name: "bi_insert",
        module: "blockinfile",
        initial: Some(b"a\nb"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\\ny\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\ny\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\ny\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_update",
        module: "blockinfile",
        initial: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"new\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\nb\n"), found: None },
    },
    Case {
        name: "bi_remove",
        module: "blockinfile",
        initial: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n"),
        args: "{\"path\": \"@PATH@\", \"state\": \"absent\"}",
        first: Outcome { changed: true, failed: false, msg: "Block removed", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "bi_empty_block",
        module: "blockinfile",
        initial: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"\"}",
        first: Outcome { changed: true, failed: false, msg: "Block removed", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "bi_reversed",
        module: "blockinfile",
        initial: Some(b"a\n# END ANSIBLE MANAGED BLOCK\nold\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"new\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\nb\n"), found: None },
    },
    Case {
        name: "bi_insertafter",
        module: "blockinfile",
        initial: Some(b"a\nb\nc\nb\nd\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"^b\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\nb\nc\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nd\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nd\n"), found: None },
    },
    Case {
        name: "bi_insertbefore",
        module: "blockinfile",
        initial: Some(b"a\nb\nc\nb\nd\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertbefore\": \"^b\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\nb\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\nd\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\nd\n"), found: None },
    },
    Case {
        name: "bi_insertbefore_bof",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertbefore\": \"BOF\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\na\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\na\n"), found: None },
    },
    Case {
        name: "bi_insertafter_bof",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"BOF\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_multiline",
        module: "blockinfile",
        initial: Some(b"a\nb\nc\nd\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"(?m)^b\\\\nc\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\nb\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nd\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nd\n"), found: None },
    },
    Case {
        name: "bi_multiline_before",
        module: "blockinfile",
        initial: Some(b"a\nb\nc\nd\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertbefore\": \"(?m)^b\\\\nc\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\nc\nd\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\nc\nd\n"), found: None },
    },
    Case {
        name: "bi_newlines",
        module: "blockinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"^a\", \"prepend_newline\": true, \"append_newline\": true}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\nb\n"), found: None },
    },
    Case {
        name: "bi_newlines_bof",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertbefore\": \"BOF\", \"prepend_newline\": true, \"append_newline\": true}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\na\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\na\n"), found: None },
    },
    Case {
        name: "bi_marker",
        module: "blockinfile",
        initial: Some(b"<html>\n<body>\n</body>\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"<p>hi</p>\", \"marker\": \"<!-- {mark} ANSIBLE MANAGED BLOCK -->\", \"insertafter\": \"<body>\", \"marker_begin\": \"START\", \"marker_end\": \"STOP\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"<html>\n<body>\n<!-- START ANSIBLE MANAGED BLOCK -->\n<p>hi</p>\n<!-- STOP ANSIBLE MANAGED BLOCK -->\n</body>\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"<html>\n<body>\n<!-- START ANSIBLE MANAGED BLOCK -->\n<p>hi</p>\n<!-- STOP ANSIBLE MANAGED BLOCK -->\n</body>\n"), found: None },
    },
    Case {
        name: "bi_crlf_block",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\\r\\ny\\rz\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\r\ny\rz\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\r\ny\rz\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_create",
        module: "blockinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"create\": true}",
        first: Outcome { changed: true, failed: false, msg: "File created", content: Some(b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_create_empty",
        module: "blockinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"create\": true}",
        first: Outcome { changed: true, failed: false, msg: "File created", content: Some(b""), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b""), found: None },
    },
    Case {
        name: "bi_missing",
        module: "blockinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"block\": \"x\"}",
        first: Outcome { changed: false, failed: true, msg: "Path @PATH@ does not exist !", content: None, found: None },
        second: Outcome { changed: false, failed: true, msg: "Path @PATH@ does not exist !", content: None, found: None },
    },
    Case {
        name: "bi_absent_missing",
        module: "blockinfile",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"state\": \"absent\", \"create\": true}",
        first: Outcome { changed: false, failed: false, msg: "File @PATH@ not present", content: None, found: None },
        second: Outcome { changed: false, failed: false, msg: "File @PATH@ not present", content: None, found: None },
    },
    Case {
        name: "bi_hostile",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"$(touch PWNED) `touch PWNED` ; 'q' \\\"dq\\\" \\\\ &\\n$(touch PWNED) `touch PWNED` ; 'q' \\\"dq\\\" \\\\ &\", \"marker\": \"# {mark} $(touch PWNED) '\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN $(touch PWNED) '\n$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n# END $(touch PWNED) '\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN $(touch PWNED) '\n$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n# END $(touch PWNED) '\n"), found: None },
    },
    Case {
        name: "bi_non_utf8",
        module: "blockinfile",
        initial: Some(b"caf\xe9\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"caf\xe9\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"caf\xe9\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "re_groups",
        module: "replace",
        initial: Some(b"a=1\nb=2\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^(\\\\w)=(\\\\d)$\", \"replace\": \"\\\\2=\\\\g<1>\"}",
        first: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"1=a\n2=b\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"1=a\n2=b\n"), found: None },
    },
    Case {
        name: "re_empty_matches",
        module: "replace",
        initial: Some(b"abxd"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x*\", \"replace\": \"-\"}",
        first: Outcome { changed: true, failed: false, msg: "5 replacements made", content: Some(b"-a-b--d-"), found: None },
        second: Outcome { changed: true, failed: false, msg: "9 replacements made", content: Some(b"---a---b-----d---"), found: None },
    },
    Case {
        name: "re_dollar",
        module: "replace",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"$\", \"replace\": \";\"}",
        first: Outcome { changed: true, failed: false, msg: "3 replacements made", content: Some(b"a;\nb;\n;"), found: None },
        second: Outcome { changed: true, failed: false, msg: "3 replacements made", content: Some(b"a;;\nb;;\n;;"), found: None },
    },
    Case {
        name: "re_caret",
        module: "replace",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^\", \"replace\": \"> \"}",
        first: Outcome { changed: true, failed: false, msg: "3 replacements made", content: Some(b"> a\n> b\n> "), found: None },
        second: Outcome { changed: true, failed: false, msg: "3 replacements made", content: Some(b"> > a\n> > b\n> > "), found: None },
    },
    Case {
        name: "re_after_before",
        module: "replace",
        initial: Some(b"x START x\nx END x"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\", \"after\": \"START\", \"before\": \"END\"}",
        first: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"x START y\ny END x"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x START y\ny END x"), found: None },
    },
    Case {
        name: "re_after",
        module: "replace",
        initial: Some(b"x\nSTARTx\nx"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^x\", \"replace\": \"y\", \"after\": \"START\"}",
        first: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"x\nSTARTy\ny"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x\nSTARTy\ny"), found: None },
    },
    Case {
        name: "re_before",
        module: "replace",
        initial: Some(b"x\nx\nEND\nx\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^x$\", \"replace\": \"y\", \"before\": \"END\"}",
        first: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"y\ny\nEND\nx\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"y\ny\nEND\nx\n"), found: None },
    },
    Case {
        name: "re_section_nomatch",
        module: "replace",
        initial: Some(b"x\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\", \"before\": \"nomatch\"}",
        first: Outcome { changed: false, failed: false, msg: "Pattern for before/after params did not match the given file: (?P<subsection>.*)nomatch", content: Some(b"x\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "Pattern for before/after params did not match the given file: (?P<subsection>.*)nomatch", content: Some(b"x\n"), found: None },
    },
    Case {
        name: "re_nomatch",
        module: "replace",
        initial: Some(b"abc\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"z\", \"replace\": \"y\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"abc\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"abc\n"), found: None },
    },
    Case {
        name: "re_same",
        module: "replace",
        initial: Some(b"abc\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"b\", \"replace\": \"b\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"abc\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"abc\n"), found: None },
    },
    Case {
        name: "re_remove",
        module: "replace",
        initial: Some(b"a # c\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \" #.*\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "re_non_utf8",
        module: "replace",
        initial: Some(b"caf\xe9 x\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"caf\xe9 y\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"caf\xe9 y\n"), found: None },
    },
    Case {
        name: "re_latin1",
        module: "replace",
        initial: Some(b"caf\xe9\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"é\", \"replace\": \"e!\", \"encoding\": \"latin-1\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"cafe!\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"cafe!\n"), found: None },
    },
    Case {
        name: "re_unicode_class",
        module: "replace",
        initial: Some(b"caf\xc3\xa9 \xc3\xa9t\xc3\xa9\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"\\\\w+\", \"replace\": \"<\\\\g<0>>\"}",
        first: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"<caf\xc3\xa9> <\xc3\xa9t\xc3\xa9>\n"), found: None },
        second: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"<<caf\xc3\xa9>> <<\xc3\xa9t\xc3\xa9>>\n"), found: None },
    },
    Case {
        name: "re_hostile",
        module: "replace",
        initial: Some(b"v=1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^v=.*$\", \"replace\": \"$(touch PWNED) `touch PWNED` ; 'q' \\\"dq\\\" \\\\ &\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"$(touch PWNED) `touch PWNED` ; 'q' \"dq\" \\ &\n"), found: None },
    },
    Case {
        name: "re_escapes",
        module: "replace",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"a\", \"replace\": \"1\\\\n2\\\\t3\\\\-\\\\\\\\4\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"1\n2\t3\\-\\4\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"1\n2\t3\\-\\4\n"), found: None },
    },
    Case {
        name: "re_bad_group",
        module: "replace",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"(a)\", \"replace\": \"\\\\2\"}",
        first: Outcome { changed: false, failed: true, msg: "Unable to process replace due to error: invalid group reference 2 at position 1", content: Some(b"a\n"), found: None },
        second: Outcome { changed: false, failed: true, msg: "Unable to process replace due to error: invalid group reference 2 at position 1", content: Some(b"a\n"), found: None },
    },
    Case {
        name: "re_missing",
        module: "replace",
        initial: None,
        args: "{\"path\": \"@PATH@\", \"regexp\": \"a\"}",
        first: Outcome { changed: false, failed: true, msg: "Path @PATH@ does not exist !", content: None, found: None },
        second: Outcome { changed: false, failed: true, msg: "Path @PATH@ does not exist !", content: None, found: None },
    },
    Case {
        name: "re_dotall_section",
        module: "replace",
        initial: Some(b"A\nx\nB\nx\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\", \"after\": \"A.\", \"before\": \".B\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"A\ny\nB\nx\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"A\ny\nB\nx\n"), found: None },
    },
    Case {
        name: "li_regexp_insertbefore",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^zz\", \"line\": \"new\", \"insertbefore\": \"^b\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nnew\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\nb\n"), found: None },
    },
    Case {
        name: "li_firstmatch_exact_after",
        module: "lineinfile",
        initial: Some(b"b\nnew\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertafter\": \"^b\", \"firstmatch\": true}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"b\nnew\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"b\nnew\n"), found: None },
    },
    Case {
        name: "li_insertafter_empty",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertafter\": \"\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nb\nnew\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\nnew\n"), found: None },
    },
    Case {
        name: "li_search_insertafter",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"search_string\": \"zz\", \"line\": \"new\", \"insertafter\": \"^a\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nnew\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nnew\nb\n"), found: None },
    },
    Case {
        name: "li_backrefs_named",
        module: "lineinfile",
        initial: Some(b"k=1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^(?P<k>\\\\w+)=\", \"line\": \"\\\\g<k>: set\", \"backrefs\": true}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"k: set\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"k: set\n"), found: None },
    },
    Case {
        name: "li_backrefs_unmatched_group",
        module: "lineinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^(a)|(b)\", \"line\": \"[\\\\2]\", \"backrefs\": true}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"[]\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"[]\n"), found: None },
    },
    Case {
        name: "li_unicode_line",
        module: "lineinfile",
        initial: Some(b"x\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"ünïcødé\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"x\n\xc3\xbcn\xc3\xafc\xc3\xb8d\xc3\xa9\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x\n\xc3\xbcn\xc3\xafc\xc3\xb8d\xc3\xa9\n"), found: None },
    },
    Case {
        name: "li_regexp_case",
        module: "lineinfile",
        initial: Some(b"Foo=1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"(?i)^FOO=\", \"line\": \"foo=2\"}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"foo=2\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"foo=2\n"), found: None },
    },
    Case {
        name: "li_dos_absent",
        module: "lineinfile",
        initial: Some(b"a\r\nb\r\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"b\", \"state\": \"absent\"}",
        first: Outcome { changed: true, failed: false, msg: "1 line(s) removed", content: Some(b"a\r\n"), found: Some(1) },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\r\n"), found: Some(0) },
    },
    Case {
        name: "li_insertbefore_first_line",
        module: "lineinfile",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertbefore\": \"^a\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"new\na\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"new\na\nb\n"), found: None },
    },
    Case {
        name: "li_insertbefore_exists_before",
        module: "lineinfile",
        initial: Some(b"new\na\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"new\", \"insertbefore\": \"^a\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"new\na\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"new\na\n"), found: None },
    },
    Case {
        name: "li_multiline_value",
        module: "lineinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"line\": \"x\\ny\"}",
        first: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nx\ny\n"), found: None },
        second: Outcome { changed: true, failed: false, msg: "line added", content: Some(b"a\nx\ny\nx\ny\n"), found: None },
    },
    Case {
        name: "li_backrefs_escapes",
        module: "lineinfile",
        initial: Some(b"a=1\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^(a)=\", \"line\": \"\\\\1\\\\t\\\\\\\\n\\\\-\", \"backrefs\": true}",
        first: Outcome { changed: true, failed: false, msg: "line replaced", content: Some(b"a\t\\n\\-\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\t\\n\\-\n"), found: None },
    },
    Case {
        name: "bi_marker_no_mark",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"marker\": \"# fixed\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# fixed\nx\n# fixed\n"), found: None },
        second: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# fixed\nx\n# fixed\nx\n# fixed\n"), found: None },
    },
    Case {
        name: "bi_end_marker_no_eol",
        module: "blockinfile",
        initial: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK"),
        args: "{\"path\": \"@PATH@\", \"block\": \"new\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_crlf_markers",
        module: "blockinfile",
        initial: Some(b"before\r\n# BEGIN ANSIBLE MANAGED BLOCK\r\nold\r\n# END ANSIBLE MANAGED BLOCK\r\nafter\r\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"new\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"before\r\n# BEGIN ANSIBLE MANAGED BLOCK\r\nold\r\n# END ANSIBLE MANAGED BLOCK\r\nafter\r\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"before\r\n# BEGIN ANSIBLE MANAGED BLOCK\r\nold\r\n# END ANSIBLE MANAGED BLOCK\r\nafter\r\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_no_eol_insertafter",
        module: "blockinfile",
        initial: Some(b"a\nb"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"^a\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb"), found: None },
    },
    Case {
        name: "bi_no_eol_eof",
        module: "blockinfile",
        initial: Some(b"a\nb"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_insertafter_nomatch",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"^zz\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_insertbefore_nomatch",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertbefore\": \"^zz\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_only_begin",
        module: "blockinfile",
        initial: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_unicode_multiline",
        module: "blockinfile",
        initial: Some(b"\xc3\xa9\nb\nc\nd\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"(?m)^b\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"\xc3\xa9\nb\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nd\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"\xc3\xa9\nb\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nd\n"), found: None },
    },
    Case {
        name: "bi_block_trailing_newline",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\\n\\n\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n\n# END ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "bi_newlines_existing_blank",
        module: "blockinfile",
        initial: Some(b"a\n\nb\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"insertafter\": \"^a\", \"prepend_newline\": true, \"append_newline\": true}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\nb\n"), found: None },
    },
    Case {
        name: "bi_marker_escape",
        module: "blockinfile",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"block\": \"x\", \"marker_begin\": \"B\\\\tX\", \"marker_end\": \"E\\\\\\\\Y\"}",
        first: Outcome { changed: true, failed: false, msg: "Block inserted", content: Some(b"a\n# B\tX ANSIBLE MANAGED BLOCK\nx\n# E\\Y ANSIBLE MANAGED BLOCK\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\n# B\tX ANSIBLE MANAGED BLOCK\nx\n# E\\Y ANSIBLE MANAGED BLOCK\n"), found: None },
    },
    Case {
        name: "re_named",
        module: "replace",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"(?P<x>a)\", \"replace\": \"<\\\\g<x>>\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"<a>\n"), found: None },
        second: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"<<a>>\n"), found: None },
    },
    Case {
        name: "re_after_multiline",
        module: "replace",
        initial: Some(b"x\nB\nx\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\", \"after\": \"(?m)^B$\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"x\nB\ny\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"x\nB\ny\n"), found: None },
    },
    Case {
        name: "re_count_same",
        module: "replace",
        initial: Some(b"aaa\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"a\", \"replace\": \"a\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"aaa\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"aaa\n"), found: None },
    },
    Case {
        name: "re_ascii",
        module: "replace",
        initial: Some(b"caf\xc3\xa9 x\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\", \"encoding\": \"ascii\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"caf\xc3\xa9 y\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"caf\xc3\xa9 y\n"), found: None },
    },
    Case {
        name: "re_crlf_dollar",
        module: "replace",
        initial: Some(b"a\r\nb\r\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"^b$\", \"replace\": \"c\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\r\nb\r\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\r\nb\r\n"), found: None },
    },
    Case {
        name: "re_dot_newline",
        module: "replace",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"a.b\", \"replace\": \"X\"}",
        first: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"a\nb\n"), found: None },
    },
    Case {
        name: "re_class_newline",
        module: "replace",
        initial: Some(b"a\nb\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"a[^#]b\", \"replace\": \"X\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"X\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"X\n"), found: None },
    },
    Case {
        name: "re_lazy",
        module: "replace",
        initial: Some(b"<a><b>\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"<.*?>\", \"replace\": \"[]\"}",
        first: Outcome { changed: true, failed: false, msg: "2 replacements made", content: Some(b"[][]\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"[][]\n"), found: None },
    },
    Case {
        name: "re_octal",
        module: "replace",
        initial: Some(b"a\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"a\", \"replace\": \"\\\\101\\\\0\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"A\x00\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"A\x00\n"), found: None },
    },
    Case {
        name: "re_before_dollar",
        module: "replace",
        initial: Some(b"x\nEND\n"),
        args: "{\"path\": \"@PATH@\", \"regexp\": \"x\", \"replace\": \"y\", \"before\": \"END$\"}",
        first: Outcome { changed: true, failed: false, msg: "1 replacements made", content: Some(b"y\nEND\n"), found: None },
        second: Outcome { changed: false, failed: false, msg: "", content: Some(b"y\nEND\n"), found: None },
    },
];
