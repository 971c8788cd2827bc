//! A generated differential test of the file modules: [`generate`] draws a few hundred cases
//! (`lineinfile`, `blockinfile`, `replace`, `copy`, `template`, `file`, `stat`, loops) from a
//! seed, writes them as one playbook, and the playbook is run by `ansible-playbook` and by
//! `drover`, twice each, as the cases under `tests/differential/` are (see `differential.rs`).
//!
//! Each case is one task working in its own directory `out/cNNN/`, whose starting files the
//! test writes before the first run. Every task has `ignore_errors: true` and registers its
//! result; a last task per host dumps the registered results as JSON into `out/`. After each
//! run the exit codes and recaps must be equal, and, case by case, the `out/cNNN` trees and the
//! registered results (volatile values removed, see [`normalize`]). One playbook for all cases
//! keeps ansible's start-up cost to once per run; the cases are spread over a few local hosts
//! run with the `free` strategy, so both cores work.
//!
//! Knobs: `DROVER_FILEGEN_SEED` (default [`SEED`]) and `DROVER_FILEGEN_CASES` (default
//! [`CASES`]) run other cases by hand, e.g.
//!
//! ```text
//! DROVER_FILEGEN_SEED=7 DROVER_FILEGEN_CASES=400 \
//!   DROVER_ANSIBLE_PLAYBOOK=/opt/ansible-venv/bin/ansible-playbook \
//!   cargo test -p drover --test it -- filegen
//! ```
//!
//! `DROVER_DIFF_KEEP=1` keeps the temp dirs; ansible missing fails the test, as in
//! `differential.rs`.

#[path = "filegen/generate.rs"]
mod generate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use drover_test::{TreeEntry, copy_tree, diff_trees};
use serde_json::{Map, Value};

use crate::differential::{Outcome, Side, Tool, ansible_playbook, env_flag, show_recap, show_run};
use generate::{Case, Start};

/// The seed CI runs.
const SEED: u64 = 20_261_203;
/// How many cases CI runs.
const CASES: usize = 300;
/// Local hosts the cases are spread over.
const HOSTS: usize = 2;

/// Keys of registered results that differ from run to run or between tools by nature:
/// times, inode numbers and the like (in `stat` and file results).
const VOLATILE: &[&str] = &["atime", "mtime", "ctime", "inode", "dev", "version"];

/// Known, deliberate differences (each also in docs/compatibility.md), removed from both
/// results before they are compared: (module or `*`, key, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "copy",
        "src",
        "with `force: false` and an existing dest, ansible-core names the controller temp file that \
         held inline content; drover makes none (only when ansible's is a temp path)",
    ),
    (
        "template",
        "src",
        "with `force: false` and an existing dest, ansible-core names the rendered temp file; \
         drover names the template (only when ansible's is a temp path)",
    ),
];

/// Removes the [`EXCEPTIONS`] that apply to `module` from both results (at any depth, so loop
/// items too). A `src` exception applies only where ansible's `src` is a temp path and the
/// result has no `checksum` (the task stopped before comparing contents).
fn apply_exceptions(module: &str, ansible: &mut Value, drover: &mut Value) {
    if let (Value::Object(a), Value::Object(d)) = (&mut *ansible, &mut *drover) {
        for (m, key, _) in EXCEPTIONS {
            if *m != "*" && *m != module {
                continue;
            }
            let only_temp = *key == "src";
            if !only_temp
                || (a.get(*key) == Some(&Value::from("[TMP]")) && !a.contains_key("checksum"))
            {
                a.remove(*key);
                d.remove(*key);
            }
        }
        for (k, av) in a.iter_mut() {
            if let Some(dv) = d.get_mut(k) {
                apply_exceptions(module, av, dv);
            }
        }
    } else if let (Value::Array(a), Value::Array(d)) = (ansible, drover) {
        for (av, dv) in a.iter_mut().zip(d.iter_mut()) {
            apply_exceptions(module, av, dv);
        }
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var_os(name) {
        Some(v) if !v.is_empty() => v
            .to_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name}={} is not a number", v.to_string_lossy())),
        _ => default,
    }
}

fn host_of(index: usize) -> String {
    format!("h{}", index % HOSTS)
}

fn json(value: &Value) -> String {
    serde_json::to_string(value).expect("serialise")
}

/// The playbook running `cases`: one task each, then one dump of the results per host.
fn playbook(seed: u64, cases: &[Case]) -> String {
    let mut y = format!(
        "- name: generated file-module cases, seed {seed}\n  hosts: all\n  gather_facts: false\n  strategy: free\n  tasks:\n"
    );
    for (i, case) in cases.iter().enumerate() {
        let host = format!("inventory_hostname == '{}'", host_of(i));
        y.push_str(&format!(
            "    - name: {}\n      {}: {}\n      register: r_{}\n      ignore_errors: true\n",
            case.id,
            case.module,
            json(&case.args),
            case.id
        ));
        match (&case.items, &case.when) {
            (Some(items), Some(when)) => y.push_str(&format!(
                "      loop: {}\n      when: [{}, {}]\n",
                json(&Value::Array(items.clone())),
                json(&host.clone().into()),
                json(&when.clone().into())
            )),
            (Some(items), None) => y.push_str(&format!(
                "      loop: {}\n      when: {}\n",
                json(&Value::Array(items.clone())),
                json(&host.into())
            )),
            _ => y.push_str(&format!("      when: {}\n", json(&host.into()))),
        }
    }
    for h in 0..HOSTS {
        let host = format!("h{h}");
        let entries: Vec<String> = cases
            .iter()
            .enumerate()
            .filter(|(i, _)| host_of(*i) == host)
            .map(|(_, c)| format!("'{0}': r_{0}", c.id))
            .collect();
        y.push_str(&format!(
            "    - name: dump the results of {host}\n      copy:\n        dest: \"{{{{ out }}}}/results-{host}.json\"\n        content: \"{{{{ {{{}}} | to_nice_json }}}}\\n\"\n      when: inventory_hostname == '{host}'\n",
            entries.join(", ")
        ));
    }
    y
}

fn inventory() -> String {
    let mut y = String::from("all:\n  hosts:\n");
    for h in 0..HOSTS {
        y.push_str(&format!(
            "    h{h}:\n      ansible_connection: local\n      ansible_python_interpreter: \"{{{{ ansible_playbook_python }}}}\"\n"
        ));
    }
    y
}

fn write(path: &Path, data: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, data).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Writes the project (playbook, inventory, sources) and the starting tree under `root`.
fn materialise(root: &Path, seed: u64, cases: &[Case]) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let project = root.join("project");
    let start = root.join("start");
    write(
        &project.join("playbook.yml"),
        playbook(seed, cases).as_bytes(),
        0o644,
    );
    write(
        &project.join("inventory.yml"),
        inventory().as_bytes(),
        0o644,
    );
    for (rel, text) in generate::PROJECT_FILES {
        write(&project.join(rel), text.as_bytes(), 0o644);
    }
    std::fs::create_dir_all(&start).expect("mkdir start");
    for case in cases {
        for entry in &case.start {
            match entry {
                Start::File { rel, data, mode } => write(&start.join(rel), data, *mode),
                Start::Dir { rel, mode } => {
                    let dir = start.join(rel);
                    std::fs::create_dir_all(&dir).expect("mkdir");
                    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(*mode))
                        .expect("chmod");
                }
                Start::Symlink { rel, target } => {
                    std::os::unix::fs::symlink(target, start.join(rel)).expect("symlink");
                }
            }
        }
    }
    (project, start)
}

/// Replaces the run's paths in every text, drops [`VOLATILE`] keys, and writes the temp paths
/// ansible and drover report as `src` of content they upload as `[TMP]`.
fn normalize(value: &mut Value, out: &str, project: &str) {
    match value {
        Value::String(s) => {
            if s.contains("/.ansible/tmp/")
                || s.contains("/ansible-remote-tmp/")
                || s.contains("/ansible-local-tmp/")
                || s.contains("/.drover_tmp.")
            {
                *s = "[TMP]".to_owned();
            } else {
                *s = s.replace(out, "[OUT]").replace(project, "[ROOT]");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalize(v, out, project)),
        Value::Object(map) => {
            for key in VOLATILE {
                map.remove(*key);
            }
            map.values_mut().for_each(|v| normalize(v, out, project));
        }
        _ => {}
    }
}

/// The registered results of one run, case by case, normalised.
fn results(side: &Side) -> BTreeMap<String, Value> {
    let out = side.out();
    let project = side.dir.path().join("project");
    let mut all = BTreeMap::new();
    for h in 0..HOSTS {
        let path = out.join(format!("results-h{h}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let parsed: Map<String, Value> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        for (id, mut v) in parsed {
            normalize(&mut v, &out.to_string_lossy(), &project.to_string_lossy());
            all.insert(id, v);
        }
    }
    all
}

/// The part of a tree under `out/<id>/`.
fn subtree(tree: &BTreeMap<String, TreeEntry>, id: &str) -> BTreeMap<String, TreeEntry> {
    tree.iter()
        .filter(|(k, _)| *k == id || k.starts_with(&format!("{id}/")))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// How two registered results differ, key by key, at any depth.
fn diff_values(prefix: &str, a: &Value, d: &Value, out: &mut Vec<String>) {
    match (a, d) {
        (Value::Object(am), Value::Object(dm)) => {
            let keys: std::collections::BTreeSet<&String> = am.keys().chain(dm.keys()).collect();
            for k in keys {
                let path = format!("{prefix}.{k}");
                match (am.get(k), dm.get(k)) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => diff_values(&path, x, y, out),
                    (x, y) => out.push(format!(
                        "{path}: ansible {} / drover {}",
                        x.map_or("(missing)".to_owned(), json),
                        y.map_or("(missing)".to_owned(), json)
                    )),
                }
            }
        }
        (Value::Array(ai), Value::Array(di)) if ai.len() == di.len() => {
            for (i, (x, y)) in ai.iter().zip(di).enumerate() {
                diff_values(&format!("{prefix}[{i}]"), x, y, out);
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(format!(
            "{prefix}: ansible {} / drover {}",
            json(x),
            json(y)
        )),
    }
}

/// What differs, per case id, between ansible's and drover's outcome of one run.
fn compare_cases(
    cases: &[Case],
    ansible: (&Outcome, &BTreeMap<String, Value>),
    drover: (&Outcome, &BTreeMap<String, Value>),
) -> BTreeMap<String, Vec<String>> {
    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for case in cases {
        let mut p = Vec::new();
        if let Some(diff) = diff_trees(
            "ansible",
            &subtree(&ansible.0.tree, &case.id),
            "drover",
            &subtree(&drover.0.tree, &case.id),
        ) {
            p.push(format!("out tree:\n{}", diff.trim_end()));
        }
        match (ansible.1.get(&case.id), drover.1.get(&case.id)) {
            (Some(a), Some(d)) => {
                let (mut a, mut d) = (a.clone(), d.clone());
                apply_exceptions(case.module, &mut a, &mut d);
                diff_values("r", &a, &d, &mut p);
            }
            (None, None) => {}
            (a, d) => p.push(format!(
                "result present: ansible {} / drover {}",
                a.is_some(),
                d.is_some()
            )),
        }
        if !p.is_empty() {
            problems.insert(case.id.clone(), p);
        }
    }
    problems
}

fn describe(case: &Case) -> String {
    let mut s = format!("{}: {}", case.module, json(&case.args));
    if let Some(items) = &case.items {
        s.push_str(&format!(" loop {}", json(&Value::Array(items.clone()))));
    }
    if let Some(when) = &case.when {
        s.push_str(&format!(" when {when}"));
    }
    let start: Vec<String> = case
        .start
        .iter()
        .filter_map(|e| match e {
            Start::File { rel, data, mode } => Some(format!(
                "{rel} ({mode:o}) {}",
                json(&String::from_utf8_lossy(data).into_owned().into())
            )),
            Start::Dir { rel, mode } if rel != &case.id => Some(format!("{rel}/ ({mode:o})")),
            Start::Symlink { rel, target } => Some(format!("{rel} -> {target}")),
            Start::Dir { .. } => None,
        })
        .collect();
    s.push_str(&format!("\n    start: [{}]", start.join(", ")));
    s
}

#[test]
fn generated_file_module_cases() {
    let seed = env_number("DROVER_FILEGEN_SEED", SEED);
    let count = env_number("DROVER_FILEGEN_CASES", CASES as u64) as usize;
    let keep = env_flag("DROVER_DIFF_KEEP");
    let cases = generate::cases(seed, count);
    let gen_dir = tempfile::Builder::new()
        .prefix("drover-filegen-")
        .tempdir()
        .expect("temp dir");
    let (project, start) = materialise(gen_dir.path(), seed, &cases);

    let ansible = Side::new(Tool::Ansible, ansible_playbook(), &project);
    let drover = Side::new(
        Tool::Drover,
        PathBuf::from(env!("CARGO_BIN_EXE_drover")),
        &project,
    );
    for side in [&ansible, &drover] {
        copy_tree(&start, &side.out()).expect("copy the starting tree");
    }

    let mut report = String::new();
    let mut problems = Vec::new();
    let mut per_case: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for run in 1..=2 {
        let started = std::time::Instant::now();
        let a = ansible.run();
        let ansible_time = started.elapsed();
        let started = std::time::Instant::now();
        let d = drover.run();
        let drover_time = started.elapsed();
        report.push_str(&format!(
            "run {run}: ansible {:.1}s, drover {:.1}s\n",
            ansible_time.as_secs_f64(),
            drover_time.as_secs_f64()
        ));
        if a.recap.is_empty() {
            problems.push(format!(
                "ansible run {run} printed no PLAY RECAP\n{}",
                show_run("ansible", &a)
            ));
        }
        if a.output.code != d.output.code {
            problems.push(format!(
                "run {run}: exit codes differ: ansible {:?}, drover {:?}\n{}",
                a.output.code,
                d.output.code,
                show_run("drover", &d)
            ));
        }
        if a.recap != d.recap {
            problems.push(format!(
                "run {run}: PLAY RECAP differs\n  ansible:\n{}  drover:\n{}",
                show_recap(&a.recap),
                show_recap(&d.recap)
            ));
        }
        let found = compare_cases(&cases, (&a, &results(&ansible)), (&d, &results(&drover)));
        for (id, p) in found {
            per_case
                .entry(id)
                .or_default()
                .extend(p.into_iter().map(|line| format!("run {run}: {line}")));
        }
    }

    let by_id: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut text = String::new();
    for (id, p) in &per_case {
        text.push_str(&format!("--- {id} {}\n", describe(by_id[id.as_str()])));
        for line in p {
            text.push_str(&format!("  {}\n", line.replace('\n', "\n    ")));
        }
    }
    let summary = format!(
        "seed {seed}: {} of {} generated cases agree\n{report}",
        cases.len() - per_case.len(),
        cases.len()
    );
    // The agreement and the timings, for CI logs (seen with `--nocapture`).
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{summary}");
    }
    if problems.is_empty() && per_case.is_empty() {
        return;
    }
    let kept = if keep {
        format!(
            "kept: {} {} {}\n",
            gen_dir.keep().display(),
            ansible.dir.keep().display(),
            drover.dir.keep().display()
        )
    } else {
        "(set DROVER_DIFF_KEEP=1 to keep the temp dirs)\n".to_owned()
    };
    panic!("{summary}\n{}\n{text}\n{kept}", problems.join("\n\n"));
}
