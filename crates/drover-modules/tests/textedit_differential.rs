//! Differential check of lineinfile, blockinfile and replace against ansible-core on generated
//! cases. Ignored by default: it needs a case file made by running ansible-core's modules, e.g.
//! `DROVER_TEXTEDIT_CASES=/tmp/cases.json cargo test -p drover-modules --test
//! textedit_differential -- --ignored`.
//!
//! The file is a JSON list of `{"module", "initial" (base64), "args" (with "@PATH@" for the
//! file), "result": {"changed", "failed", "msg", "content" (base64, or null when no file)}}`.

mod common;

use common::NoTemplar;
use drover_types::{Map, ModuleContext, TaskResult, Value};

async fn run(module: &str, args: &Map) -> TaskResult {
    let conn = drover_connection::Local;
    let vars = drover_types::Vars::new();
    let ctx = ModuleContext {
        conn: &conn,
        templar: &NoTemplar,
        vars: &vars,
        check_mode: false,
        diff: false,
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

/// Standard base64, as Python's `b64encode` writes it.
fn base64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[tokio::test]
#[ignore = "needs DROVER_TEXTEDIT_CASES, a case file recorded from ansible-core"]
async fn differential_against_ansible_core() {
    let file = std::env::var_os("DROVER_TEXTEDIT_CASES").expect("DROVER_TEXTEDIT_CASES is set");
    let cases: Vec<Value> = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let mut errors = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let p = path.to_str().unwrap();
        std::fs::write(&path, base64(case["initial"].as_str().unwrap())).unwrap();
        let args_text = case["args"].to_string().replace("@PATH@", p);
        let args: Map = serde_json::from_str(&args_text).unwrap();
        let module = case["module"].as_str().unwrap();
        let r = run(module, &args).await;
        let want = &case["result"];
        let got_msg = r.msg.clone().unwrap_or_default();
        let want_msg = want["msg"]
            .as_str()
            .unwrap_or_default()
            .replace("@PATH@", p);
        let got_content = std::fs::read(&path).ok();
        let want_content = want["content"].as_str().map(base64);
        let same = r.changed == want["changed"].as_bool().unwrap_or_default()
            && r.failed == want["failed"].as_bool().unwrap_or_default()
            && (got_msg == want_msg || r.failed)
            && got_content == want_content;
        if !same {
            errors.push(format!(
                "#{i} {module} {args_text} on {:?}:\n  want changed={} failed={} msg={want_msg:?} content={:?}\n  got  changed={} failed={} msg={got_msg:?} content={:?}",
                String::from_utf8_lossy(&base64(case["initial"].as_str().unwrap())),
                want["changed"],
                want["failed"],
                want_content.as_deref().map(String::from_utf8_lossy),
                r.changed,
                r.failed,
                got_content.as_deref().map(String::from_utf8_lossy),
            ));
        }
    }
    assert!(
        errors.is_empty(),
        "{} of {} differ:\n{}",
        errors.len(),
        cases.len(),
        errors.join("\n")
    );
}
