//! Fact gathering against ansible-core: the same playbook gathers facts on the same host with
//! `ansible-playbook` and with drover, locally and over SSH (a harness sshd on this machine),
//! and every fact the brief names is compared. Facts that change between two runs (the clock,
//! free memory, uptime, the environment) or that depend on the Python running ansible's module
//! (`python`, SELinux's library) are compared by shape; `docs/compatibility.md` says why.

use std::collections::BTreeSet;

use drover_test::sshd::{SshdHost, current_user};
use drover_test::{Cmd, Project};
use serde_json::Value;

use crate::differential::ansible_playbook;
use crate::ssh::{Inventory, drover, lo, start_hosts};

/// Dumps each host's facts, some injected variables and its `hostvars` view to `out/`.
const PLAYBOOK: &str = r#"- hosts: all
  fact_path: FACT_PATH
  tasks:
    - copy:
        dest: "OUT/{{ inventory_hostname }}.json"
        content: "{{ {'facts': ansible_facts, 'hostname': ansible_hostname, 'local': ansible_local, 'module_setup': module_setup, 'via_hostvars': hostvars[inventory_hostname].ansible_facts.nodename, 'lo': ansible_lo.device} | to_json }}"
"#;

/// Facts that must be identical.
const SAME: &[&str] = &[
    "hostname",
    "fqdn",
    "nodename",
    "domain",
    "system",
    "kernel",
    "kernel_version",
    "architecture",
    "machine",
    "os_family",
    "distribution",
    "distribution_version",
    "distribution_major_version",
    "distribution_release",
    "pkg_mgr",
    "service_mgr",
    "user_id",
    "user_uid",
    "user_gid",
    "user_dir",
    "user_shell",
    "default_ipv4",
    "default_ipv6",
    "all_ipv4_addresses",
    "all_ipv6_addresses",
    "memtotal_mb",
    "processor_count",
    "processor_cores",
    "processor_vcpus",
    "lsb",
    "apparmor",
    "virtualization_type",
    "virtualization_role",
    "dns",
    "ansible_local",
    "gather_subset",
    "module_setup",
];

/// Facts compared by shape: same JSON type, and for mappings the same keys.
const SHAPE: &[&str] = &[
    "date_time",
    "env",
    "python",
    "selinux",
    "memfree_mb",
    "uptime_seconds",
];

fn run_both(p: &Project, inventory: &Inventory) -> (Value, Value) {
    let mut results = Vec::new();
    for tool in ["ansible", "drover"] {
        let out = p.join(format!("out-{tool}"));
        std::fs::create_dir_all(&out).expect("out dir");
        let text = PLAYBOOK
            .replace("FACT_PATH", &p.join("facts.d").display().to_string())
            .replace("OUT", &out.display().to_string());
        p.file("playbook.yml", &text);
        inventory.write(p);
        let run = if tool == "ansible" {
            let home = p.join("ansible-home");
            Cmd::new(ansible_playbook())
                .args(["-i", "inv.yml", "playbook.yml"])
                .env("ANSIBLE_HOME", &home)
                .env("ANSIBLE_LOCAL_TEMP", home.join("tmp"))
                .env("ANSIBLE_HOST_KEY_CHECKING", "False")
                .env("ANSIBLE_NOCOLOR", "1")
                .current_dir(p.path())
                .timeout(std::time::Duration::from_secs(300))
                .run()
        } else {
            drover(p, &[])
        };
        assert!(run.success(), "{tool} failed:\n{}", run.describe());
        assert!(
            run.stdout.contains("TASK [Gathering Facts] ***"),
            "{tool}: no gathering banner:\n{}",
            run.stdout
        );
        let text = std::fs::read_to_string(out.join("target.json")).expect("facts dump");
        results.push(serde_json::from_str::<Value>(&text).expect("facts dump is JSON"));
    }
    let drover = results.pop().unwrap_or_default();
    let ansible = results.pop().unwrap_or_default();
    (ansible, drover)
}

fn shape(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let keys: BTreeSet<&String> = m.keys().collect();
            format!("object {keys:?}")
        }
        Value::Array(_) => "array".into(),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => "null".into(),
    }
}

fn compare(ansible: &Value, drover: &Value, via: &str) {
    let (a, d) = (&ansible["facts"], &drover["facts"]);
    let mut problems = Vec::new();
    for key in SAME {
        if a.get(key) != d.get(key) {
            problems.push(format!("{key}: ansible {} drover {}", a[key], d[key]));
        }
    }
    for key in SHAPE {
        // SELinux: ansible-core without the Python library says so in `status`; the shape
        // (a mapping with `status`) is what drover promises.
        let (sa, sd) = match *key {
            "selinux" => (
                a[key].get("status").map(shape),
                d[key].get("status").map(shape),
            ),
            "env" => (
                Some(shape(&a[key]["HOME"]) + &shape(&a[key]["PATH"])),
                Some(shape(&d[key]["HOME"]) + &shape(&d[key]["PATH"])),
            ),
            _ => (Some(shape(&a[key])), Some(shape(&d[key]))),
        };
        if sa != sd {
            problems.push(format!("{key} (shape): ansible {sa:?} drover {sd:?}"));
        }
    }
    // Interfaces: the same set (ansible-core lists them in directory order), each the same.
    let names = |v: &Value| -> BTreeSet<String> {
        v["interfaces"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    if names(a) != names(d) {
        problems.push(format!("interfaces: {:?} vs {:?}", names(a), names(d)));
    }
    for name in names(a) {
        if a[&name] != d[&name] {
            problems.push(format!("{name}: ansible {} drover {}", a[&name], d[&name]));
        }
    }
    let mounts = |v: &Value| -> BTreeSet<String> {
        v["mounts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| format!("{} {} {}", m["mount"], m["device"], m["fstype"]))
                    .collect()
            })
            .unwrap_or_default()
    };
    if mounts(a) != mounts(d) {
        problems.push(format!("mounts: {:?} vs {:?}", mounts(a), mounts(d)));
    }
    for key in ["hostname", "local", "module_setup", "via_hostvars", "lo"] {
        if ansible[key] != drover[key] {
            problems.push(format!(
                "variable {key}: ansible {} drover {}",
                ansible[key], drover[key]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{via}: facts differ:\n{}",
        problems.join("\n")
    );
    // The time-dependent facts still make sense.
    let up = |v: &Value| v["uptime_seconds"].as_i64().unwrap_or(-1);
    assert!(
        (up(a) - up(d)).abs() < 600,
        "{via}: uptime {} vs {}",
        up(a),
        up(d)
    );
    assert_eq!(
        a["date_time"]["tz"], d["date_time"]["tz"],
        "{via}: time zone"
    );
}

/// Custom facts: a JSON file, an INI file and an executable.
fn local_facts(p: &Project) {
    p.file(
        "facts.d/json.fact",
        "{\"answer\": 42, \"list\": [1, \"a\"]}\n",
    );
    p.file("facts.d/ini.fact", "[Section]\nKey = value\nother: 2\n");
    p.file_with_mode(
        "facts.d/run.fact",
        "#!/bin/sh\necho '{\"ran\": true}'\n",
        0o755,
    );
    p.file("facts.d/ignored.txt", "not a fact");
}

#[test]
fn facts_match_ansible_locally() {
    let p = Project::new();
    local_facts(&p);
    let python = ansible_playbook()
        .parent()
        .map(|d| d.join("python"))
        .unwrap_or_default();
    let inventory = Inventory::new().host(
        "target",
        &[
            ("ansible_connection", "local".into()),
            ("ansible_python_interpreter", python.display().to_string()),
        ],
    );
    let (ansible, drover) = run_both(&p, &inventory);
    compare(&ansible, &drover, "local");
    assert_eq!(drover["local"]["json"]["answer"], 42);
    assert_eq!(drover["local"]["ini"]["Section"]["key"], "value");
    assert_eq!(drover["local"]["run"]["ran"], true);
}

#[test]
fn facts_match_ansible_over_ssh() {
    let hosts: Vec<SshdHost> = start_hosts(&[lo(61)]);
    let p = Project::new();
    local_facts(&p);
    // The system Python (interpreter discovery would find a pyenv shim on some machines).
    let python = [("ansible_python_interpreter", "/usr/bin/python3".to_owned())];
    let inventory = Inventory::new().ssh("target", &hosts[0], &current_user(), &python);
    let (ansible, drover) = run_both(&p, &inventory);
    compare(&ansible, &drover, "ssh");
}

/// The gathering task prints `ok` and never the facts, even with `-v`; a registered `setup`
/// result has the facts but not the engine's display key; a bad subset fails the host.
#[test]
fn gathering_output_registration_and_bad_subsets() {
    let p = Project::new();
    p.file(
        "playbook.yml",
        "- hosts: all\n  gather_subset: [min]\n  tasks:\n    - setup: {filter: [ansible_system]}\n      register: r\n    \
         - debug: {msg: \"{{ r.keys() | sort }} {{ r.ansible_facts }}\"}\n\
         - hosts: all\n  gather_subset: [bogus]\n  tasks:\n    - debug: {msg: never}\n",
    );
    let inventory = Inventory::new().host("target", &[("ansible_connection", "local".into())]);
    inventory.write(&p);
    let out = drover(&p, &["-v"]);
    assert!(
        out.stdout.contains("TASK [Gathering Facts] ***")
            && out.stdout.contains("ok: [target]\n\nTASK [setup]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "\"msg\": \"['ansible_facts', 'changed', 'failed'] {'ansible_system': 'Linux'}\""
        ),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("_ansible_verbose_override"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Bad subset 'bogus' given to Ansible") && !out.stdout.contains("never"),
        "{}",
        out.stdout
    );
    assert_eq!(out.code, Some(2), "{}", out.describe());
}
