//! Differential fuzzing of the template engine against ansible-core's own templar.
//!
//! `tests/fuzz/templar.py` (run by the reference venv's python) generates seeded cases —
//! filters, tests and lookups with Ansible's argument shapes, operators, Python methods and
//! small templates over values of every type — and evaluates each with ansible-core's Templar.
//! This test renders the same source with [`Templates::render_trusted`] over the same variables
//! and compares result, type and error-or-not (not error messages).
//!
//! Every disagreement gets a class (`<family>:<kind>`, e.g. `filter:union:value`); the test
//! fails on any class not listed in `tests/fuzz/known-exceptions.txt`, each of which
//! docs/compatibility.md must explain. It fails (never skips) when ansible-core is missing.
//!
//! * `DROVER_FUZZ_SEED` (default 1) and `DROVER_FUZZ_CASES` (default 3000) choose the run; the
//!   long run is `DROVER_FUZZ_CASES=100000 cargo test -p drover-template --test fuzz -- --nocapture`
//!   (or `scripts/fuzz-templates`).
//! * `DROVER_FUZZ_TRACE=1` prints each case before drover evaluates it (to find a crash).
//! * `DROVER_FUZZ_REPORT=<file>` writes the full report (every class with examples) there.
//! * `DROVER_FUZZ_DUMP=<file>` writes every disagreement there, one JSON object per line.
//! * The python is `$DROVER_ANSIBLE_VENV/bin/python`, else the one next to
//!   `$DROVER_ANSIBLE_PLAYBOOK`, else next to `ansible-playbook` on `PATH`.

use drover_template::Templates;
use drover_types::{Layer, Map, Trust, Value, Vars};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The reference venv's python; panics (never skips) when there is none.
fn python() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let candidate = if let Some(venv) = var("DROVER_ANSIBLE_VENV") {
        PathBuf::from(venv).join("bin/python")
    } else if let Some(playbook) = var("DROVER_ANSIBLE_PLAYBOOK") {
        Path::new(&playbook).with_file_name("python")
    } else {
        let path = var("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join("ansible-playbook"))
            .find(|p| p.is_file())
            .map(|p| p.with_file_name("python"))
            .unwrap_or_default()
    };
    assert!(
        candidate.is_file(),
        "the template fuzzer needs ansible-core's python (looked for {:?}). Run ./scripts/test.sh \
         (it installs ansible-core 2.19 into .venv), or set DROVER_ANSIBLE_VENV=/path/to/venv",
        candidate
    );
    candidate
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var_os(name)
        .and_then(|v| v.to_str().and_then(|v| v.trim().parse().ok()))
        .unwrap_or(default)
}

/// drover's outcome in the generator's type-tagged form.
fn tag(result: &Result<Value, String>) -> serde_json::Value {
    match result {
        Err(e) => json!({"t": "error", "v": e}),
        Ok(v) => tag_value(v),
    }
}

fn tag_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => json!({"t": "none"}),
        Value::Bool(b) => json!({"t": "bool", "v": b}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"t": "int", "v": n.to_string()}),
        Value::Number(n) => json!({"t": "float", "v": py_float(n.as_f64().unwrap_or(f64::NAN))}),
        Value::String(s) => json!({"t": "str", "v": s}),
        Value::Array(items) => {
            json!({"t": "list", "v": items.iter().map(tag_value).collect::<Vec<_>>()})
        }
        Value::Object(map) => json!({"t": "dict", "v": map
            .iter()
            .map(|(k, v)| json!([{"t": "str", "v": k}, tag_value(v)]))
            .collect::<Vec<_>>()}),
    }
}

fn py_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{f:?}")
    }
}

fn parse_float(s: &str) -> f64 {
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" => f64::NAN,
        _ => s.parse().unwrap_or(f64::NAN),
    }
}

/// Whether two tagged outcomes agree; `unordered` compares a top-level list as a multiset.
fn same(a: &serde_json::Value, b: &serde_json::Value, unordered: bool) -> bool {
    let (ta, tb) = (&a["t"], &b["t"]);
    if ta != tb {
        return false;
    }
    match ta.as_str() {
        Some("error") | Some("none") => true,
        Some("float") => {
            let (x, y) = (
                parse_float(a["v"].as_str().unwrap_or("")),
                parse_float(b["v"].as_str().unwrap_or("")),
            );
            (x.is_nan() && y.is_nan()) || (x == y && x.is_sign_negative() == y.is_sign_negative())
        }
        Some("list") if unordered => {
            let (Some(xs), Some(ys)) = (a["v"].as_array(), b["v"].as_array()) else {
                return false;
            };
            let mut used = vec![false; ys.len()];
            xs.len() == ys.len()
                && xs.iter().all(|x| {
                    let hit = ys
                        .iter()
                        .enumerate()
                        .find(|(i, y)| !used[*i] && same(x, y, false));
                    hit.map(|(i, _)| used[i] = true).is_some()
                })
        }
        Some("list") | Some("dict") => {
            let (Some(xs), Some(ys)) = (a["v"].as_array(), b["v"].as_array()) else {
                return false;
            };
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|(x, y)| match (x.as_array(), y.as_array()) {
                        (Some(p), Some(q)) => {
                            p.len() == q.len() && p.iter().zip(q).all(|(x, y)| same(x, y, false))
                        }
                        _ => same(x, y, false),
                    })
        }
        _ => a["v"] == b["v"],
    }
}

/// Whether a tagged value holds a float inf/nan or an integer JSON cannot carry.
fn holds(v: &serde_json::Value, what: &str) -> bool {
    match v["t"].as_str() {
        Some("float") if what == "nonfinite" => {
            !parse_float(v["v"].as_str().unwrap_or("0")).is_finite()
        }
        Some("int") if what == "bigint" => {
            let s = v["v"].as_str().unwrap_or("0");
            s.parse::<i64>().is_err() && s.parse::<u64>().is_err()
        }
        Some("list") | Some("dict") => v["v"].as_array().is_some_and(|items| {
            items.iter().any(|x| match x.as_array() {
                Some(pair) => pair.iter().any(|y| holds(y, what)),
                None => holds(x, what),
            })
        }),
        _ => false,
    }
}

/// Errors ansible-core raises where drover's engine goes on, by what ansible-core's message
/// says: the class is the kind of strictness, whatever filter or operator met it. Each is
/// explained in docs/compatibility.md.
const PYTHON_STRICTNESS: &[(&str, &str)] = &[
    ("not supported between instances of", "lenient:ordering"),
    ("unhashable type", "lenient:unhashable"),
    // An undefined value (a missing variable, key or index) given to a filter or test.
    ("is undefined", "lenient:undefined-argument"),
    ("' has no attribute ", "lenient:undefined-argument"),
    ("math domain error", "lenient:math"),
    ("math range error", "lenient:math"),
    ("Numerical result out of range", "lenient:math"),
    // Python's TypeError for an argument of the wrong type, which drover converts.
    ("expected str, bytes or os.PathLike object", "lenient:type"),
    ("path should be string, bytes", "lenient:type"),
    ("object is not iterable", "lenient:type"),
    ("is not iterable", "lenient:type"),
    ("requires string as left operand", "lenient:type"),
    ("unsupported operand type", "lenient:type"),
    ("object has no attribute", "lenient:type"),
    ("object is not subscriptable", "lenient:type"),
    ("must be str", "lenient:type"),
    ("must be string", "lenient:type"),
    ("must be real number", "lenient:type"),
    ("must be of type", "lenient:type"),
    ("can only be used on numbers", "lenient:type"),
    ("can't multiply sequence", "lenient:type"),
    ("cannot unpack non-iterable", "lenient:type"),
    ("the JSON object must be str", "lenient:type"),
    ("expected str instance", "lenient:type"),
    ("doesn't apply to a", "lenient:type"),
    ("can't sum strings", "lenient:type"),
    ("object cannot be interpreted as an integer", "lenient:type"),
    ("a real number is required", "lenient:type"),
];

/// The class of a disagreement. Templates (`tmpl:` families) share the class of the expression
/// they wrap: the cause is the same.
fn classify(family: &str, ansible: &serde_json::Value, drover: &serde_json::Value) -> String {
    let family = family.strip_prefix("tmpl:").unwrap_or(family);
    let (ae, de) = (ansible["t"] == "error", drover["t"] == "error");
    let message = ansible["v"].as_str().unwrap_or_default();
    if ae
        && !de
        && let Some((_, class)) = PYTHON_STRICTNESS.iter().find(|(m, _)| message.contains(m))
    {
        return (*class).into();
    }
    // ansible-core 2.19 gives None for a template whose nodes wrote nothing at all.
    if ansible["t"] == "none" && drover["t"] == "str" && drover["v"] == "" {
        return "template:empty-render-is-none".into();
    }
    let kind = if ae && !de {
        "ansible-error"
    } else if de && !ae {
        "drover-error"
    } else if holds(ansible, "nonfinite") {
        return "boundary:nonfinite".into();
    } else if holds(ansible, "bigint") {
        return "boundary:bigint".into();
    } else if ansible["t"] != drover["t"] {
        "type"
    } else {
        "value"
    };
    format!("{family}:{kind}")
}

/// The known exception classes: `class  reason` lines, `#` comments.
fn known_exceptions() -> BTreeMap<String, String> {
    let path = repo_root().join("tests/fuzz/known-exceptions.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((class, reason)) => (class.to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

fn vars_of(case: &serde_json::Value) -> Vars {
    let data: Map = case["vars"].as_object().cloned().unwrap_or_default();
    let templates: Map = case["tvars"].as_object().cloned().unwrap_or_default();
    Vars::new()
        .with(Arc::new(Layer::data(data)))
        .with(Arc::new(Layer::template(templates)))
}

#[derive(Default)]
struct Class {
    count: usize,
    examples: Vec<String>,
}

#[test]
fn templar_agrees_with_ansible() {
    let seed = env_number("DROVER_FUZZ_SEED", 1);
    let cases = env_number("DROVER_FUZZ_CASES", 3000);
    let known = known_exceptions();
    let docs =
        std::fs::read_to_string(repo_root().join("docs/compatibility.md")).unwrap_or_default();
    for class in known.keys() {
        assert!(
            docs.contains(&format!("`{class}`")),
            "known exception `{class}` must be explained in docs/compatibility.md"
        );
    }
    let started = Instant::now();
    let mut child = Command::new(python())
        .arg(repo_root().join("tests/fuzz/templar.py"))
        .args(["--seed", &seed.to_string(), "--cases", &cases.to_string()])
        .env("PYTHONHASHSEED", "0")
        .env("LC_ALL", "C.UTF-8")
        .env("LANG", "C.UTF-8")
        .env_remove("DROVER_FUZZ_UNSET_VAR")
        .env_remove("DROVER_FUZZ_UNSET_2")
        .stdout(Stdio::piped())
        // Not a file: the path tests of integers look at file descriptors (`2 is file`).
        .stderr(Stdio::null())
        .spawn()
        .expect("start tests/fuzz/templar.py");
    let stdout = child.stdout.take().expect("piped stdout");
    // The controller's environment, as the drover binary passes it in (`expandvars`, `env`):
    // the same one the generator's python sees.
    let templates =
        Templates::new().with_controller_env(std::env::vars().filter(|(k, _)| {
            !matches!(k.as_str(), "DROVER_FUZZ_UNSET_VAR" | "DROVER_FUZZ_UNSET_2")
        }));
    let trace = std::env::var_os("DROVER_FUZZ_TRACE").is_some();
    let (mut total, mut agreed, mut skipped) = (0usize, 0usize, 0usize);
    let mut classes: BTreeMap<String, Class> = BTreeMap::new();
    let mut dump = std::env::var_os("DROVER_FUZZ_DUMP")
        .map(|path| std::fs::File::create(path).expect("create the dump file"));
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read a case");
        let case: serde_json::Value = serde_json::from_str(&line).expect("a JSON case");
        if let Some(fatal) = case.get("fatal") {
            panic!(
                "tests/fuzz/templar.py failed:\n{}",
                fatal.as_str().unwrap_or_default()
            );
        }
        let ansible = &case["ansible"];
        if ansible["t"] == "timeout" {
            skipped += 1;
            continue;
        }
        total += 1;
        let src = case["src"].as_str().unwrap_or_default();
        let vars = vars_of(&case);
        if trace {
            // Written straight away: a crash loses what the test harness captured.
            let _ = writeln!(std::io::stderr(), "#{} {src}", case["id"]);
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            templates
                .render_trusted(&Value::String(src.to_owned()), &Trust::Template, &vars)
                .map_err(|e| e.to_string())
        }));
        let drover = match outcome {
            Ok(result) => tag(&result),
            Err(_) => json!({"t": "panic"}),
        };
        if same(
            ansible,
            &drover,
            case["unordered"].as_bool().unwrap_or(false),
        ) {
            agreed += 1;
            continue;
        }
        let family = case["family"].as_str().unwrap_or("?");
        let class = if drover["t"] == "panic" {
            format!("{family}:panic")
        } else {
            classify(family, ansible, &drover)
        };
        if let Some(f) = dump.as_mut() {
            let row = json!({"id": case["id"], "class": class, "family": family, "src": src,
                "vars": case["vars"], "tvars": case["tvars"], "ansible": ansible, "drover": drover});
            writeln!(f, "{row}").expect("write the dump file");
        }
        let entry = classes.entry(class).or_default();
        entry.count += 1;
        if entry.examples.len() < 3 {
            entry.examples.push(format!(
                "    #{} {src}\n      vars={} tvars={}\n      ansible={ansible}\n      drover={drover}",
                case["id"], case["vars"], case["tvars"]
            ));
        }
    }
    let status = child.wait().expect("wait for templar.py");
    assert!(status.success(), "tests/fuzz/templar.py failed: {status}");
    assert_eq!(total + skipped, cases as usize, "templar.py stopped early");

    let elapsed = started.elapsed();
    let disagreed = total - agreed;
    let mut report = format!(
        "template fuzz: seed {seed}, {total} cases ({skipped} skipped: ansible timed out), \
         {agreed} agree ({:.3}%), {disagreed} disagree, {:.1}s\n",
        100.0 * agreed as f64 / total.max(1) as f64,
        elapsed.as_secs_f64()
    );
    let mut summary = report.clone();
    let mut new = Vec::new();
    let mut new_examples = String::new();
    for (class, c) in &classes {
        let known = known.contains_key(class);
        let line = format!(
            "  {} {class}: {}\n",
            if known { "known" } else { "NEW" },
            c.count
        );
        summary.push_str(&line);
        report.push_str(&line);
        for e in &c.examples {
            report.push_str(e);
            report.push('\n');
        }
        if !known {
            new.push(class.clone());
            new_examples.push_str(&line);
            new_examples.push_str(&c.examples.join("\n"));
            new_examples.push('\n');
        }
    }
    let _ = writeln!(std::io::stdout(), "{summary}");
    if let Some(path) = std::env::var_os("DROVER_FUZZ_REPORT") {
        let mut f = std::fs::File::create(&path).expect("create the report");
        f.write_all(report.as_bytes()).expect("write the report");
    }
    assert!(
        new.is_empty(),
        "new template disagreements with ansible-core (fix them, or add the class with its reason \
         to tests/fuzz/known-exceptions.txt and docs/compatibility.md): {new:?}\n{new_examples}"
    );
}
