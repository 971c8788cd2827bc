//! The playbook language through the real `drover` binary: variables and their precedence, magic
//! variables, conditions, loops, handlers, blocks, tags, check/diff per task, `no_log`, YAML 1.1
//! quirks, inventories and host patterns, failures across hosts.
//!
//! Expected values were recorded from ansible-core 2.19 running the same playbooks (by hand, on
//! this machine); these tests do not need ansible.

use std::path::Path;

use drover_test::{Project, RunOutput, redact};

use crate::modules::{assert_code, assert_lines, drover, drover_raw, play, project, recap_of};

/// The `"msg": ...` values that `debug` printed, in order, as the raw JSON text after `"msg": `
/// (so a string keeps its quotes). Only single-line messages are seen.
fn msgs(out: &RunOutput) -> Vec<String> {
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("    \"msg\": "))
        .map(str::to_owned)
        .collect()
}

/// `msgs` with each JSON string decoded (non-strings kept as their JSON text).
fn msg_strings(out: &RunOutput) -> Vec<String> {
    msgs(out)
        .into_iter()
        .map(|m| match serde_json::from_str::<serde_json::Value>(&m) {
            Ok(serde_json::Value::String(s)) => s,
            _ => m,
        })
        .collect()
}

/// A project whose inventory is `inv` (YAML or INI, as named by `inv_name`).
fn project_with_inventory(playbook: &str, inv_name: &str, inv: &str) -> Project {
    let p = Project::new();
    p.file("playbook.yml", playbook)
        .file(inv_name, inv)
        .dir("out");
    p
}

/// Runs `drover run playbook.yml -i <inv> [args]` in the project.
fn run_with(p: &Project, inv: &str, args: &[&str]) -> RunOutput {
    let mut all = vec!["run", "playbook.yml", "-i", inv];
    all.extend_from_slice(args);
    drover_raw(p, &all)
}

const THREE_HOSTS: &str = "all:
  vars:
    ansible_connection: local
  children:
    web:
      hosts:
        alpha:
        beta:
          bad: true
        gamma:
";

// ---------------------------------------------------------------- variables

#[test]
fn variable_precedence_across_every_level() {
    // Each level sets its own variable and every variable above it, so variable N shows which
    // level won it. Order (low → high) from Ansible's documented precedence, checked with
    // ansible-core 2.19: inventory group_vars/all < playbook group_vars/all < inventory
    // group_vars/web < playbook group_vars/web < inventory host_vars < playbook host_vars < play
    // vars < vars_files < block vars < task vars.
    let names = [
        "inv_all", "pb_all", "inv_web", "pb_web", "inv_host", "pb_host",
    ];
    let files = [
        "inventory/group_vars/all.yml",
        "group_vars/all.yml",
        "inventory/group_vars/web.yml",
        "group_vars/web.yml",
        "inventory/host_vars/localhost.yml",
        "host_vars/localhost.yml",
    ];
    let vars = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let p = Project::new();
    for (k, (name, file)) in names.iter().zip(files).enumerate() {
        let body: String = vars[k..].iter().map(|v| format!("{v}: {name}\n")).collect();
        p.file(file, body);
    }
    p.file(
        "inventory/hosts.yml",
        "all:\n  children:\n    web:\n      hosts:\n        localhost:\n          ansible_connection: local\n",
    )
    .file("vf.yml", "h: vars_files\ni: vars_files\nj: vars_files\n")
    .file(
        "playbook.yml",
        r#"- hosts: web
  gather_facts: false
  vars: {g: play, h: play, i: play, j: play}
  vars_files: [vf.yml]
  tasks:
    - block:
        - debug:
            msg: "{{ [a, b, c, d, e, f, g, h, i, j] | join(' ') }}"
          vars: {j: task}
      vars: {i: block, j: block}
"#,
    );
    let out = run_with(&p, "inventory/hosts.yml", &[]);
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        ["inv_all pb_all inv_web pb_web inv_host pb_host play vars_files block task"]
    );
}

#[test]
fn set_fact_and_register_beat_task_vars_and_extra_vars_beat_everything() {
    let p = project(&play(
        r#"- debug: {msg: "{{ k }}"}
  vars: {k: task}
- set_fact: {k: fact}
- debug: {msg: "{{ k }}"}
  vars: {k: task}
- command: echo registered
  register: reg
- debug: {msg: "{{ reg.stdout }}"}
  vars: {reg: {stdout: task}}
- debug: {msg: "{{ ex }}"}
  vars: {ex: task}
- set_fact: {ex: fact}
- debug: {msg: "{{ ex }}"}
"#,
    ));
    let out = drover(&p, &["-e", "ex=extra"]);
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        ["task", "fact", "registered", "extra", "extra"]
    );
}

#[test]
fn extra_vars_key_value_file_and_json_later_wins() {
    let p = project(&play(
        "- debug: {msg: \"{{ [kv, from_file, json, both, typed] | to_json }}\"}\n",
    ));
    p.file("extra.yml", "from_file: yes\nboth: file\ntyped: 0755\n");
    let out = drover(
        &p,
        &[
            "-e",
            "kv='a value' unused=1",
            "-e",
            "@extra.yml",
            "-e",
            r#"{"json": 1, "both": "json"}"#,
        ],
    );
    assert_code(&out, 0);
    // `yes` and `0755` in the vars file are YAML 1.1 (True and 493); key=value stays a string.
    assert_eq!(msg_strings(&out), [r#"["a value", true, 1, "json", 493]"#]);
}

#[test]
fn magic_variables() {
    let p = project(&play(
        r#"- debug:
    msg: "{{ [inventory_hostname, inventory_hostname_short, groups, group_names, ansible_play_hosts, ansible_check_mode, ansible_diff_mode, hostvars.localhost.mine] | to_json }}"
  vars: {mine: 7}
- debug: {msg: "{{ playbook_dir }}"}
- debug: {msg: "{{ inventory_dir }}"}
- debug: {msg: "{{ hostvars['localhost']['ansible_connection'] }}"}
"#,
    ));
    p.file(
        "inv.yml",
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      mine: 7\n",
    );
    let out = drover(&p, &["--check", "--diff"]);
    assert_code(&out, 0);
    let m = redact(&msg_strings(&out).join("\n"), p.path());
    assert_eq!(
        m,
        "[\"localhost\", \"localhost\", {\"all\": [\"localhost\"], \"ungrouped\": [\"localhost\"]}, [\"ungrouped\"], [\"localhost\"], true, true, 7]\n\
         [ROOT]\n[ROOT]\nlocal"
    );
    let plain = drover(&p, &[]);
    assert!(
        msgs(&plain)[0].contains("false, false, 7]"),
        "{}",
        plain.describe()
    );
}

#[test]
fn inventory_hostname_short_cuts_at_the_first_dot() {
    let p = project_with_inventory(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: \"{{ inventory_hostname_short }}\"}\n",
        "inv.ini",
        "web1.example.com ansible_connection=local\n",
    );
    let out = run_with(&p, "inv.ini", &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["web1"]);
}

#[test]
fn lazy_vars_see_later_set_fact() {
    let p = project(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    lazy: \"{{ base }}-suffix\"\n    base: start\n  tasks:\n    - debug: {msg: \"{{ lazy }}\"}\n    - set_fact: {base: changed}\n    - debug: {msg: \"{{ lazy }}\"}\n",
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["start-suffix", "changed-suffix"]);
}

#[test]
fn undefined_variable_names_the_variable_and_the_task_location() {
    let p = project(&play(
        "- debug: msg=fine\n- name: uses it\n  debug: {msg: \"{{ undefined_var_xyz }}\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    let all = format!("{}{}", out.stdout, out.stderr);
    // ansible-core 2.19: "'undefined_var_xyz' is undefined" plus "Origin: .../playbook.yml:6:7"
    // (where the task starts).
    assert!(
        all.contains("'undefined_var_xyz' is undefined"),
        "{}",
        out.describe()
    );
    assert!(
        all.contains("playbook.yml:6:7"),
        "task location missing\n{}",
        out.describe()
    );
    assert_eq!(recap_of(&out, "localhost"), [1, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn default_and_is_defined_guard_undefined_variables() {
    let p = project(&play(
        r#"- debug: {msg: "{{ nope | default('dflt') }} {{ nope is defined }} {{ nope is undefined }}"}
- debug: {msg: "{{ nope.deeper | default('deep') }}"}
- debug: {msg: guarded}
  when: nope is defined and nope.x
- debug: {msg: "{{ empty | default('d', true) }}"}
  vars: {empty: ""}
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["dflt False True", "deep", "d"]);
    assert_eq!(recap_of(&out, "localhost"), [3, 0, 0, 0, 1, 0, 0]);
}

#[test]
fn unsafe_values_are_not_templated() {
    let p = project(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    raw: !unsafe \"{{ not_templated }}{% if %}\"\n  tasks:\n    - debug: {msg: \"{{ raw }}\"}\n    - copy: {content: \"{{ raw }}\", dest: \"{{ out }}/u\"}\n",
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["{{ not_templated }}{% if %}"]);
    assert_eq!(p.read("out/u"), "{{ not_templated }}{% if %}");
}

/// `!unsafe` is a property of where a value came from (its trust), not a marker in the data: it
/// holds wherever the value is written — nested in play vars, in group_vars, in an extra vars
/// file, in a vars file, in `include_vars`, in module arguments — and a registered result or a
/// fact built from one is never templated either; the parts that are not `!unsafe` still are.
#[test]
fn unsafe_holds_from_every_source_and_nothing_else_is_stopped() {
    let p = Project::new();
    p.file(
        "playbook.yml",
        r#"- hosts: localhost
  gather_facts: false
  vars:
    nested:
      raw: !unsafe "{{ p1 }}"
      ok: "{{ 1 + 1 }}"
      list: [!unsafe "{{ p2 }}", "{{ 2 + 2 }}"]
  vars_files: [vf.yml]
  tasks:
    - include_vars: {file: iv.yml}
    - command: echo {{ '{{' }} p3 }}
      register: echoed
    - set_fact:
        from_output: "{{ echoed.stdout }} {{ grouped }}"
    - debug:
        msg: !unsafe "{{ p4 }}"
    - debug:
        msg: "{{ nested.raw }}|{{ nested.ok }}|{{ nested.list }}|{{ grouped }}|{{ extra_raw }}|{{ extra_ok }}|{{ from_file }}|{{ included }}|{{ from_output }}"
"#,
    )
    .file(
        "inv.yml",
        "all:
  hosts:
    localhost:
      ansible_connection: local
",
    )
    .file("group_vars/all.yml", "grouped: !unsafe \"{{ p5 }}\"\n")
    .file(
        "extra.yml",
        "extra_raw: !unsafe \"{{ p6 }}\"\nextra_ok: \"{{ 3 + 3 }}\"\n",
    )
    .file("vf.yml", "from_file: !unsafe \"{{ p7 }}\"\n")
    .file("iv.yml", "included: !unsafe \"{{ p8 }}\"\n")
    .dir("out");
    let out = drover_raw(
        &p,
        &["run", "playbook.yml", "-i", "inv.yml", "-e", "@extra.yml"],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        msg_strings(&out),
        [
            "{{ p4 }}",
            "{{ p1 }}|2|['{{ p2 }}', 4]|{{ p5 }}|{{ p6 }}|6|{{ p7 }}|{{ p8 }}|{{ p3 }} {{ p5 }}"
        ]
    );
}

#[test]
fn vault_values_no_secret_opens_give_a_clear_error_pointing_at_the_tag() {
    let p = project(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162636465\n  tasks:\n    - debug: {msg: \"{{ secret }}\"}\n",
    );
    let out = drover(&p, &[]);
    // Without a vault secret drover refuses before running anything, exit 1 (ansible-core 2.19
    // fails the task instead, with "Attempt to use undecryptable variable").
    assert_code(&out, 1);
    assert!(
        out.stderr.contains("playbook.yml:4:13: could not decrypt this `!vault` value: Attempting to decrypt but no vault secrets found"),
        "{}",
        out.describe()
    );
    assert!(!out.stdout.contains("TASK ["), "{}", out.describe());
}

#[test]
fn yaml_1_1_quirks() {
    let p = project(
        r#"- hosts: localhost
  gather_facts: false
  vars:
    vals: [yes, no, on, off, True, y, n, Y, 0755, 0o17, 1_000, 0x1F, ~, "yes", 1.5e3]
    base: &b {a: 1, b: 2}
    merged:
      <<: *b
      c: 3
  tasks:
    - debug: {msg: "{{ vals | to_json }}"}
    - debug: {msg: "{{ merged | to_json }}"}
    - file: {path: "{{ out }}/m", state: touch, mode: 0640}
"#,
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    // PyYAML (YAML 1.1) as ansible-core 2.19 reads it: y/n/Y stay strings, 0o17 is a string, and
    // so is 1.5e3 (a YAML 1.1 float needs a dot and a signed exponent).
    assert_eq!(
        msg_strings(&out),
        [
            r#"[true, false, true, false, true, "y", "n", "Y", 493, "0o17", 1000, 31, null, "yes", "1.5e3"]"#,
            r#"{"a": 1, "b": 2, "c": 3}"#
        ]
    );
    assert_eq!(crate::modules::mode_of(&p, "out/m"), 0o640);
}

#[test]
fn key_value_arguments_with_quotes_and_fqcn_modules() {
    let p = project(&play(
        r#"- ansible.builtin.debug: msg="a 'quoted' value" verbosity=0
- ansible.builtin.command: echo "two words" 'single q'
  register: kv
- ansible.builtin.copy: content="x=1 y='2'" dest={{ out }}/kv
- debug: var=kv.stdout
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["a 'quoted' value"]);
    assert_lines(&out.stdout, &["    \"kv.stdout\": \"two words single q\""]);
    assert_eq!(p.read("out/kv"), "x=1 y='2'");
}

#[test]
fn fqcn_module_names_keep_their_task_banner() {
    let p = project(&play(
        "- ansible.builtin.debug: msg=hi\n- ansible.legacy.command: echo\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    // ansible-core 2.19 names an unnamed task by the action as written.
    assert!(
        out.stdout.contains("TASK [ansible.builtin.debug] ***"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("TASK [ansible.legacy.command] ***"),
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------- conditions and results

#[test]
fn when_string_list_and_bool() {
    let p = project(&play(
        r#"- command: echo hi
  register: c
  changed_when: false
- debug: {msg: string}
  when: c.stdout == 'hi'
- debug: {msg: list-all-true}
  when: [true, "1 < 2", c is success]
- debug: {msg: list-one-false}
  when: [true, "1 == 2"]
- debug: {msg: bool}
  when: flag
- debug: {msg: bool-false}
  when: not flag
"#,
    ));
    let out = drover(&p, &["-e", r#"{"flag": true}"#]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["string", "list-all-true", "bool"]);
    assert_eq!(recap_of(&out, "localhost"), [4, 0, 0, 0, 2, 0, 0]);
}

#[test]
fn changed_when_and_failed_when_use_the_registered_result() {
    let p = project(&play(
        r#"- shell: echo out; echo err >&2; exit 1
  register: r
  failed_when: r.rc != 1
  changed_when: "'out' in r.stdout"
- command: echo same
  register: s
  changed_when: false
- command: echo fine
  register: f
  failed_when: "'fine' in f.stdout"
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("[localhost]"))
        .collect();
    assert_eq!(lines[0], "changed: [localhost]");
    assert_eq!(lines[1], "ok: [localhost]");
    assert!(
        lines[2].starts_with("fatal: [localhost]: FAILED! => {"),
        "{}",
        out.describe()
    );
    assert!(
        lines[2].contains("\"failed_when_result\": true"),
        "{}",
        out.describe()
    );
    assert_eq!(recap_of(&out, "localhost"), [2, 1, 0, 1, 0, 0, 0]);
}

#[test]
fn ignore_errors_counts_ignored_and_carries_on() {
    let p = project(&play(
        "- command: \"false\"\n  ignore_errors: true\n- copy: {content: after, dest: \"{{ out }}/after\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_lines(&out.stdout, &["...ignoring"]);
    assert_eq!(p.read("out/after"), "after");
    assert_eq!(recap_of(&out, "localhost"), [2, 2, 0, 0, 0, 0, 1]);
}

// ---------------------------------------------------------------- loops

#[test]
fn loops_and_loop_control() {
    let p = project(&play(
        r#"- debug: {msg: "{{ item }} {{ ansible_loop_var }} {{ idx }}"}
  loop: [a, b]
  loop_control: {index_var: idx}
- debug: {msg: "{{ x }} {{ ansible_loop_var }}"}
  loop: [1]
  loop_control: {loop_var: x, label: "L{{ x }}"}
- debug: {msg: "{{ item }}"}
  with_items: [[1, [2]], 3]
- debug: {msg: "{{ item.key }}={{ item.value }}"}
  with_dict: {k1: v1, k2: v2}
- debug: {msg: "{{ item | to_json }}"}
  with_list: [[1, 2], 3]
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    // with_items flattens one level, with_list does not (ansible-core 2.19).
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => (item=a) => {",
            "    \"msg\": \"a item 0\"",
            "}",
        ],
    );
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => (item=b) => {",
            "    \"msg\": \"b item 1\"",
            "}",
        ],
    );
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => (item=L1) => {",
            "    \"msg\": \"1 x\"",
            "}",
        ],
    );
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => (item=[2]) => {",
            "    \"msg\": [",
            "        2",
            "    ]",
            "}",
        ],
    );
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => (item={'key': 'k2', 'value': 'v2'}) => {",
            "    \"msg\": \"k2=v2\"",
            "}",
        ],
    );
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => (item=[1, 2]) => {",
            "    \"msg\": \"[1, 2]\"",
            "}",
        ],
    );
    assert_eq!(out.stdout.matches("(item=").count(), 2 + 1 + 3 + 2 + 2);
}

#[test]
fn loop_results_are_registered_per_item() {
    let p = project(&play(
        "- command: echo {{ item }}\n  loop: [x, y]\n  register: r\n- copy: {content: \"{{ r.results | map(attribute='stdout') | join(',') }}\", dest: \"{{ out }}/r\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/r"), "x,y");
    assert_lines(
        &out.stdout,
        &[
            "changed: [localhost] => (item=x)",
            "changed: [localhost] => (item=y)",
        ],
    );
}

#[test]
fn until_retries_with_zero_delay_counts_attempts() {
    let p = project(&play(
        r#"- name: retry
  shell: "echo x >> {{ out }}/count; test $(wc -l < {{ out }}/count) -ge 3"
  register: r
  until: r.rc == 0
  retries: 5
  delay: 0
- debug: {msg: "{{ r.attempts }}"}
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/count"), "x\nx\nx\n");
    assert_eq!(msgs(&out), ["3"]);
}

#[test]
fn until_prints_retrying_lines() {
    let p = project(&play(
        "- name: retry\n  shell: \"echo x >> {{ out }}/count; test $(wc -l < {{ out }}/count) -ge 3\"\n  register: r\n  until: r.rc == 0\n  retries: 5\n  delay: 0\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    // ansible-core 2.19, on stdout, before the result line.
    assert_lines(
        &out.stdout,
        &[
            "FAILED - RETRYING: [localhost]: retry (5 retries left).",
            "FAILED - RETRYING: [localhost]: retry (4 retries left).",
            "changed: [localhost]",
        ],
    );
}

#[test]
fn until_exhausted_fails_with_attempts() {
    let p = project(&play(
        "- command: \"false\"\n  register: r\n  until: r.rc == 0\n  retries: 2\n  delay: 0\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    // ansible-core 2.19: `retries: 2` gives 2 attempts in all when none succeeds.
    assert!(
        out.stdout.contains("\"attempts\": 2,"),
        "{}",
        out.describe()
    );
    assert_lines(
        &out.stdout,
        &[
            "FAILED - RETRYING: [localhost]: command (2 retries left).",
            "FAILED - RETRYING: [localhost]: command (1 retries left).",
        ],
    );
}

// ---------------------------------------------------------------- handlers and meta

#[test]
fn handlers_run_once_in_definition_order_only_when_changed() {
    let p = project(&play(
        r#"- command: "true"
  notify: [h2, h1]
- command: "true"
  notify: h1
- debug: msg=unchanged
  notify: h3
- command: "true"
  notify: topic
"#,
    )
    .replace(
        "  tasks:\n",
        "  handlers:\n    - {name: h1, debug: msg=h1}\n    - {name: h2, debug: msg=h2}\n    - {name: h3, debug: msg=h3}\n    - {name: h4, debug: msg=h4, listen: topic}\n    - {name: h5, debug: msg=h5, listen: topic}\n  tasks:\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    let banners: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("RUNNING HANDLER"))
        .collect();
    assert_eq!(banners.len(), 4, "{}", out.describe());
    assert!(banners[0].starts_with("RUNNING HANDLER [h1] "));
    assert!(banners[1].starts_with("RUNNING HANDLER [h2] "));
    assert!(banners[2].starts_with("RUNNING HANDLER [h4] "));
    assert!(banners[3].starts_with("RUNNING HANDLER [h5] "));
    assert_eq!(msg_strings(&out), ["unchanged", "h1", "h2", "h4", "h5"]);
    // Handlers run after the last task.
    let last_task = out.stdout.rfind("TASK [").unwrap();
    assert!(out.stdout.find("RUNNING HANDLER").unwrap() > last_task);
}

#[test]
fn handlers_run_at_the_end_of_each_section_and_on_flush() {
    let p = project(
        r#"- hosts: localhost
  gather_facts: false
  pre_tasks:
    - command: "true"
      notify: h
  tasks:
    - debug: msg=task-1
    - command: "true"
      notify: h
    - meta: flush_handlers
    - debug: msg=task-2
  post_tasks:
    - debug: msg=post
  handlers:
    - name: h
      debug: msg=handler
"#,
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        ["handler", "task-1", "handler", "task-2", "post"]
    );
}

#[test]
fn failed_host_does_not_run_its_handlers() {
    let p = project(
        &play("- command: \"true\"\n  notify: h\n- fail: msg=stop\n").replace(
            "  tasks:\n",
            "  handlers:\n    - {name: h, copy: {content: ran, dest: \"{{ out }}/h\"}}\n  tasks:\n",
        ),
    );
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert!(!p.join("out/h").exists(), "{}", out.describe());
}

#[test]
fn meta_end_play_and_end_host() {
    let p = project_with_inventory(
        r#"- hosts: web
  gather_facts: false
  tasks:
    - meta: end_host
      when: inventory_hostname == 'gamma'
    - debug: {msg: "{{ ansible_play_hosts | join(',') }}"}
    - meta: end_play
    - debug: msg=never
- hosts: all
  gather_facts: false
  tasks:
    - debug: {msg: "second {{ inventory_hostname }}"}
"#,
        "inv.yml",
        &THREE_HOSTS.replace("          bad: true\n", ""),
    );
    let out = run_with(&p, "inv.yml", &[]);
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        [
            "alpha,beta",
            "alpha,beta",
            "second alpha",
            "second beta",
            "second gamma"
        ]
    );
}

#[test]
fn meta_clear_host_errors_makes_the_run_succeed() {
    let p = project_with_inventory(
        r#"- hosts: web
  gather_facts: false
  tasks:
    - fail: msg=boom
      when: bad | default(false)
    - meta: clear_host_errors
    - debug: {msg: "after {{ inventory_hostname }}"}
- hosts: all
  gather_facts: false
  tasks:
    - debug: {msg: "second {{ inventory_hostname }}"}
"#,
        "inv.yml",
        THREE_HOSTS,
    );
    let out = run_with(&p, "inv.yml", &[]);
    // ansible-core 2.19: beta does not come back in this play, but takes part in the next one
    // and the run exits 0 (its recap still says failed=1).
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        [
            "after alpha",
            "after gamma",
            "second alpha",
            "second beta",
            "second gamma"
        ]
    );
    assert_eq!(recap_of(&out, "beta"), [1, 0, 0, 1, 0, 0, 0]);
}

// ---------------------------------------------------------------- blocks

#[test]
fn block_rescue_always_with_failed_task_and_result() {
    let p = project(&play(
        r#"- block:
    - debug: msg=in-block
    - name: breaks
      command: sh -c 'echo oops; exit 4'
    - debug: msg=not-reached
  rescue:
    - debug: {msg: "{{ ansible_failed_task.name }} {{ ansible_failed_result.rc }} {{ ansible_failed_result.stdout }}"}
  always:
    - debug: msg=always
- debug: msg=after
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        ["in-block", "breaks 4 oops", "always", "after"]
    );
    assert_eq!(recap_of(&out, "localhost"), [4, 0, 0, 0, 0, 1, 0]);
}

#[test]
fn always_runs_after_an_unrescued_failure_and_the_host_still_fails() {
    let p = project(&play(
        "- block:\n    - command: \"false\"\n  always:\n    - copy: {content: always, dest: \"{{ out }}/a\"}\n- copy: {content: x, dest: \"{{ out }}/after\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert_eq!(p.read("out/a"), "always");
    assert!(!p.join("out/after").exists());
    assert_eq!(recap_of(&out, "localhost"), [1, 1, 0, 1, 0, 0, 0]);
}

#[test]
fn block_vars_and_when_apply_to_every_task_inside() {
    let p = project(&play(
        "- block:\n    - debug: {msg: \"{{ bv }}-1\"}\n    - debug: {msg: \"{{ bv }}-2\"}\n  vars: {bv: blockvar}\n- block:\n    - debug: msg=skipped\n  when: false\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["blockvar-1", "blockvar-2"]);
    assert_eq!(recap_of(&out, "localhost"), [2, 0, 0, 0, 1, 0, 0]);
}

// ---------------------------------------------------------------- tags, check_mode, diff

const TAGGED: &str = r#"- debug: msg=untagged
- debug: msg=tagged-a
  tags: a
- debug: msg=tagged-always
  tags: always
- debug: msg=tagged-never
  tags: never
- debug: msg=never-and-b
  tags: [never, b]
"#;

#[test]
fn tags_always_never_and_skip_tags() {
    let p = project(&play(TAGGED));
    let cases: [(&[&str], &[&str]); 6] = [
        (&[], &["untagged", "tagged-a", "tagged-always"]),
        (&["-t", "a"], &["tagged-a", "tagged-always"]),
        (&["--tags", "b"], &["tagged-always", "never-and-b"]),
        (&["--skip-tags", "always"], &["untagged", "tagged-a"]),
        (
            &["--skip-tags", "a", "-t", "all"],
            &["untagged", "tagged-always"],
        ),
        (
            &["-t", "never"],
            &["tagged-always", "tagged-never", "never-and-b"],
        ),
    ];
    for (args, expected) in cases {
        let out = drover(&p, args);
        assert_code(&out, 0);
        assert_eq!(msg_strings(&out), expected, "args {args:?}");
    }
}

#[test]
fn check_mode_and_diff_per_task() {
    let p = project(&play(
        r#"- name: forced real
  copy: {content: "real\n", dest: "{{ out }}/real"}
  check_mode: false
- name: forced check
  copy: {content: "checked\n", dest: "{{ out }}/checked"}
  check_mode: true
- name: nodiff
  copy: {content: "nodiff\n", dest: "{{ out }}/nodiff"}
  diff: false
- name: check var
  debug: {msg: "{{ ansible_check_mode }}"}
  check_mode: true
"#,
    ));
    let out = drover(&p, &["--diff"]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/real"), "real\n");
    assert!(!p.join("out/checked").exists());
    assert_eq!(p.read("out/nodiff"), "nodiff\n");
    let text = redact(&out.stdout, p.path());
    assert!(text.contains("+++ after: [ROOT]/out/real"), "{text}");
    assert!(text.contains("+++ after: [ROOT]/out/checked"), "{text}");
    assert!(!text.contains("+nodiff"), "{text}");
    assert_eq!(recap_of(&out, "localhost"), [4, 3, 0, 0, 0, 0, 0]);
    let check = drover(&p, &["--check"]);
    assert!(!p.join("out/checked").exists());
    assert_eq!(
        recap_of(&check, "localhost")[1],
        1,
        "only `checked` would change\n{}",
        check.describe()
    );
}

// ---------------------------------------------------------------- no_log

#[test]
fn no_log_hides_values_on_success_failure_loops_and_verbose() {
    const SECRET: &str = "s3cr3t-XYZZY";
    let p = project(&play(
        r#"- name: ok with secret
  debug: {msg: "{{ secret }}"}
  no_log: true
- name: command with secret
  command: echo {{ secret }}
  no_log: true
- name: loop with secret
  debug: {msg: "{{ item }}"}
  loop: ["{{ secret }}", other]
  no_log: true
- name: failing with secret
  fail: {msg: "{{ secret }}"}
  no_log: true
  ignore_errors: true
- name: shell failing with secret
  shell: "echo {{ secret }}; echo {{ secret }} >&2; exit 1"
  no_log: true
"#,
    ));
    for args in [&[][..], &["-v"][..], &["-vvvv"][..], &["--diff", "-vv"][..]] {
        let mut all = vec!["-e", "secret=s3cr3t-XYZZY"];
        all.extend_from_slice(args);
        let out = drover(&p, &all);
        assert_code(&out, 2);
        assert!(
            !out.stdout.contains(SECRET),
            "secret in stdout with {args:?}\n{}",
            out.stdout
        );
        assert!(
            !out.stderr.contains(SECRET),
            "secret in stderr with {args:?}\n{}",
            out.stderr
        );
        assert!(out.stdout.contains("the output has been hidden due to the fact that 'no_log: true' was specified for this result"));
        assert_eq!(
            recap_of(&out, "localhost"),
            [4, 1, 0, 1, 0, 0, 1],
            "{args:?}"
        );
    }
}

/// A `no_log` whose template fails hides the output (ansible-core does too) and fails the task;
/// it used to read as unset and print the secret.
#[test]
fn broken_no_log_hides_the_secret_and_fails() {
    const SECRET: &str = "s3cr3t-PLUGH";
    let p = project(&play(
        r#"- name: debug with secret
  debug: {msg: "{{ secret }}"}
  no_log: "{{ not_defined_anywhere }}"
- name: loop with secret
  debug: {msg: "{{ item }}"}
  loop: ["{{ secret }}"]
  no_log: "{{ not_defined_anywhere }}"
  ignore_errors: true
- name: command with secret
  command: echo {{ secret }}
  no_log: "{{ secret | int + not_defined_anywhere }}"
  ignore_errors: true
- name: skipped by when, still hidden
  debug: {msg: "{{ secret }}"}
  no_log: "{{ not_defined_anywhere }}"
  when: false
"#,
    ));
    for args in [&[][..], &["-vvv"][..]] {
        let mut all = vec!["-e", "secret=s3cr3t-PLUGH"];
        all.extend_from_slice(args);
        let out = drover(&p, &all);
        assert_code(&out, 2);
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !text.contains(SECRET),
                "secret shown with {args:?}\n{}",
                out.describe()
            );
        }
        assert!(
            out.stderr
                .contains("invalid `no_log` value, the output is hidden")
                || out
                    .stdout
                    .contains("invalid `no_log` value, the output is hidden"),
            "{}",
            out.describe()
        );
        // ok, changed, unreachable, failed, skipped, rescued, ignored
        assert_eq!(
            recap_of(&out, "localhost"),
            [0, 0, 0, 1, 0, 0, 0],
            "{args:?}"
        );
    }
}

/// Every task keyword fails closed: a template that cannot be evaluated fails the task (before
/// the module runs) instead of reading as unset or false. An `ignore_errors` that cannot be
/// evaluated ignores nothing.
#[test]
fn keywords_whose_template_fails_fail_the_task() {
    let keywords = [
        ("become", "become: \"{{ nope }}\""),
        ("become_user", "become: true\n  become_user: \"{{ nope }}\""),
        ("delegate_to", "delegate_to: \"{{ nope }}\""),
        ("environment", "environment: \"{{ nope }}\""),
        ("check_mode", "check_mode: \"{{ nope }}\""),
        ("diff", "diff: \"{{ nope }}\""),
        ("timeout", "timeout: \"{{ nope }}\""),
        ("run_once", "run_once: \"{{ nope }}\""),
        ("throttle", "throttle: \"{{ nope }}\""),
        ("any_errors_fatal", "any_errors_fatal: \"{{ nope }}\""),
        ("ignore_unreachable", "ignore_unreachable: \"{{ nope }}\""),
        ("connection", "connection: \"{{ nope }}\""),
        ("remote_user", "remote_user: \"{{ nope }}\""),
        (
            "retries",
            "register: r\n  until: r is success\n  retries: \"{{ nope }}\"",
        ),
        (
            "delay",
            "register: r\n  until: r is success\n  delay: \"{{ nope }}\"",
        ),
        (
            "label",
            "loop: [1]\n  loop_control: {label: \"{{ nope }}\"}",
        ),
        (
            "pause",
            "loop: [1, 2]\n  loop_control: {pause: \"{{ nope }}\"}",
        ),
        ("ignore_errors", "ignore_errors: \"{{ nope }}\""),
    ];
    for (name, keyword) in keywords {
        let p = project(&play(&format!(
            "- name: broken {name}\n  file: {{path: \"{{{{ out }}}}/touched\", state: touch}}\n  {keyword}\n- name: never runs\n  debug: {{msg: after}}\n"
        )));
        let out = drover(&p, &[]);
        assert_code(&out, 2);
        assert!(
            !p.join("out/touched").exists(),
            "`{name}`: the module ran\n{}",
            out.describe()
        );
        assert!(
            out.stdout.contains("'nope' is undefined"),
            "`{name}`: no reason given\n{}",
            out.describe()
        );
        assert_eq!(
            recap_of(&out, "localhost"),
            [0, 0, 0, 1, 0, 0, 0],
            "`{name}`\n{}",
            out.describe()
        );
    }
}

/// `when` and `meta` conditions that cannot be evaluated fail the host instead of skipping.
#[test]
fn broken_conditions_fail_instead_of_skipping() {
    let p = project(&play(
        r#"- name: meta with a broken when
  meta: end_play
  when: nope
- name: never runs
  debug: {msg: after}
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert!(!out.stdout.contains("\"after\""), "{}", out.describe());
    assert_eq!(recap_of(&out, "localhost"), [0, 0, 0, 1, 0, 0, 0]);
}

/// Play keywords that cannot be evaluated stop the run with an error naming the keyword instead
/// of falling back to their raw text.
#[test]
fn broken_play_keywords_are_errors() {
    for keyword in [
        "hosts",
        "serial",
        "max_fail_percentage",
        "any_errors_fatal",
        "force_handlers",
    ] {
        let hosts = if keyword == "hosts" {
            "\"{{ nope }}\""
        } else {
            "localhost"
        };
        let extra = if keyword == "hosts" {
            String::new()
        } else {
            format!("  {keyword}: \"{{{{ nope }}}}\"\n")
        };
        let p = project(&format!(
            "- hosts: {hosts}\n  gather_facts: false\n{extra}  tasks:\n    - debug: {{msg: ran}}\n"
        ));
        let out = drover(&p, &[]);
        assert_ne!(out.code, Some(0), "`{keyword}`\n{}", out.describe());
        assert!(
            !out.stdout.contains("\"ran\""),
            "`{keyword}`\n{}",
            out.describe()
        );
        assert!(
            out.stderr
                .contains(&format!("Error processing keyword `{keyword}`")),
            "`{keyword}`\n{}",
            out.describe()
        );
    }
}

// ---------------------------------------------------------------- inventories and hosts

const INI: &str = "[web]
web[01:03] ansible_connection=local
[db]
db-[a:b] ansible_connection=local
web02
[prod:children]
web
";

fn pattern_project(pattern: &str) -> Project {
    let pb = format!(
        "- hosts: '{pattern}'\n  gather_facts: false\n  tasks:\n    - debug: {{msg: \"{{{{ ansible_play_hosts | join(',') }}}}\"}}\n"
    );
    project_with_inventory(&pb, "inv.ini", INI)
}

#[test]
fn ini_inventory_ranges_groups_and_patterns() {
    // Results from ansible-core 2.19 with the same INI inventory (note the order of `all`:
    // ungrouped-first, then by group as defined, a host keeps its first position).
    let cases = [
        ("all", "db-a,db-b,web02,web01,web03"),
        ("web:db", "web01,web02,web03,db-a,db-b"),
        ("web:&db", "web02"),
        ("web:!db", "web01,web03"),
        ("~web0[13]", "web01,web03"),
        ("db-*", "db-a,db-b"),
        ("prod", "web01,web02,web03"),
        ("web[0]", "web01"),
        ("web[1:]", "web02,web03"),
        ("web,db-a", "web01,web02,web03,db-a"),
    ];
    for (pattern, expected) in cases {
        let p = pattern_project(pattern);
        let out = run_with(&p, "inv.ini", &[]);
        assert_code(&out, 0);
        let first = msg_strings(&out).first().cloned();
        assert_eq!(
            first.as_deref(),
            Some(expected),
            "pattern {pattern}\n{}",
            out.describe()
        );
        let hosts = drover_test::parse_recap(&out.stdout).len();
        assert_eq!(
            hosts,
            expected.split(',').count(),
            "pattern {pattern}\n{}",
            out.describe()
        );
    }
}

#[test]
fn run_once_runs_on_the_first_host_only() {
    let p = project_with_inventory(
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - debug: {msg: \"{{ ansible_play_hosts | join(',') }}\"}\n      run_once: true\n",
        "inv.ini",
        INI,
    );
    let out = run_with(&p, "inv.ini", &[]);
    assert_code(&out, 0);
    // ansible-core 2.19: one result, for the first host; only that host is in the recap.
    assert_eq!(
        msg_strings(&out),
        ["web01,web02,web03"],
        "{}",
        out.describe()
    );
    assert_lines(&out.stdout, &["ok: [web01] => {"]);
    let recap = drover_test::parse_recap(&out.stdout);
    assert_eq!(
        recap.keys().map(String::as_str).collect::<Vec<_>>(),
        ["web01"]
    );
}

#[test]
fn limit_narrows_the_play() {
    let p = pattern_project("all");
    let out = run_with(&p, "inv.ini", &["-l", "web:!web01"]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["web02,web03", "web02,web03"]);
    let recap = drover_test::parse_recap(&out.stdout);
    assert_eq!(
        recap.keys().map(String::as_str).collect::<Vec<_>>(),
        ["web02", "web03"]
    );
}

#[test]
fn limit_matching_no_host_is_an_error() {
    let p = pattern_project("all");
    let none = run_with(&p, "inv.ini", &["--limit", "nomatch"]);
    // ansible-core 2.19: "[ERROR]: Specified inventory, host pattern and/or --limit leaves us
    // with no hosts to target." on stderr, nothing run, exit code 1.
    assert_code(&none, 1);
    assert!(
        none.stderr.contains("no hosts to target"),
        "{}",
        none.describe()
    );
    assert!(!none.stdout.contains("TASK ["), "{}", none.describe());
}

#[test]
fn yaml_inventory_ranges_vars_and_children() {
    let p = project_with_inventory(
        r#"- hosts: app
  gather_facts: false
  tasks:
    - debug: {msg: "{{ inventory_hostname }} {{ port }} {{ role_name_ }} {{ group_names | join(',') }}"}
"#,
        "inv.yml",
        r#"all:
  vars:
    ansible_connection: local
    port: 1
  children:
    app:
      children:
        front:
          hosts:
            node[1:3:2]:
          vars:
            role_name_: front
      vars:
        port: 2
"#,
    );
    let out = run_with(&p, "inv.yml", &[]);
    assert_code(&out, 0);
    // [1:3:2] is 1 and 3; the child group's vars beat the parent's.
    assert_eq!(
        msg_strings(&out),
        ["node1 2 front app,front", "node3 2 front app,front"]
    );
}

#[test]
fn one_host_failing_lets_the_others_finish_and_exits_2() {
    let p = project_with_inventory(
        r#"- hosts: web
  gather_facts: false
  tasks:
    - fail: msg=boom
      when: bad | default(false)
    - copy: {content: "{{ inventory_hostname }}", dest: "{{ out }}/{{ inventory_hostname }}"}
- hosts: all
  gather_facts: false
  tasks:
    - debug: {msg: "second {{ inventory_hostname }}"}
"#,
        "inv.yml",
        THREE_HOSTS,
    );
    let out = drover_raw(
        &p,
        &[
            "run",
            "playbook.yml",
            "-i",
            "inv.yml",
            "-e",
            &format!("out={}", p.join("out").display()),
        ],
    );
    assert_code(&out, 2);
    assert_eq!(p.read("out/alpha"), "alpha");
    assert_eq!(p.read("out/gamma"), "gamma");
    assert!(!p.join("out/beta").exists());
    assert_eq!(msg_strings(&out), ["second alpha", "second gamma"]);
    assert_eq!(recap_of(&out, "alpha"), [2, 1, 0, 0, 1, 0, 0]);
    assert_eq!(recap_of(&out, "beta"), [0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(recap_of(&out, "gamma"), [2, 1, 0, 0, 1, 0, 0]);
}

#[test]
fn start_at_task_skips_everything_before() {
    let p = project(&play(
        "- debug: msg=one\n- name: second\n  debug: msg=two\n- debug: msg=three\n",
    ));
    let out = drover(&p, &["--start-at-task", "second"]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["two", "three"]);
    assert!(!out.stdout.contains("\"one\""));
}

#[test]
fn play_hosts_pattern_is_templated() {
    let p = project_with_inventory(
        "- hosts: \"{{ target }}\"\n  gather_facts: false\n  tasks:\n    - debug: {msg: \"{{ inventory_hostname }}\"}\n",
        "inv.ini",
        INI,
    );
    let out = run_with(&p, "inv.ini", &["-e", "target=db"]);
    assert_code(&out, 0);
    // ansible-core 2.19 templates `hosts` with the extra vars (checked by hand: db-a, db-b and
    // web02, which the INI inventory also puts in `db`).
    assert_eq!(msg_strings(&out), ["db-a", "db-b", "web02"]);
    assert!(out.stdout.contains("PLAY [db] "), "{}", out.describe());
}

#[test]
fn project_paths_are_relative_to_the_playbook() {
    // `files/` and `templates/` are looked up beside the playbook, not the working directory.
    let p = Project::new();
    p.file("site/playbook.yml", play("- copy: {src: a.txt, dest: \"{{ out }}/a\"}\n- template: {src: t.j2, dest: \"{{ out }}/t\"}\n"))
        .file("site/files/a.txt", "A")
        .file("site/templates/t.j2", "{{ 1 + 1 }}")
        .file("inv.yml", crate::modules::LOCAL_INVENTORY)
        .dir("out");
    let out = drover_raw(
        &p,
        &[
            "run",
            "site/playbook.yml",
            "-i",
            "inv.yml",
            "-e",
            &format!("out={}", p.join("out").display()),
        ],
    );
    assert_code(&out, 0);
    assert_eq!(p.read("out/a"), "A");
    assert_eq!(p.read("out/t"), "2");
    assert!(Path::new(&p.join("out/t")).is_file());
}

#[test]
fn hostvars_index_var_and_omit() {
    let p = project_with_inventory(
        r#"- hosts: all
  gather_facts: false
  tasks:
    - debug: {msg: "{{ ansible_index_var }} {{ n }} {{ ansible_loop_var }}"}
      loop: [a]
      loop_control: {index_var: n}
      when: inventory_hostname == 'alpha'
    - debug: {msg: "{{ hostvars['beta'].color }} {{ hostvars[groups.all | last]['color'] }} {{ ansible_play_hosts | join(',') }}"}
      when: inventory_hostname == 'alpha'
    - name: an omitted owner must not reach the module
      copy: {content: x, dest: "{{ out }}/{{ inventory_hostname }}", owner: "{{ omit }}", group: "{{ nope | default(omit) }}"}
    - set_fact: {shared: "{{ inventory_hostname }}-fact"}
    - debug: {msg: "{{ hostvars['beta'].shared }}"}
      when: inventory_hostname == 'alpha'
"#,
        "inv.yml",
        "all:\n  vars:\n    ansible_connection: local\n  hosts:\n    alpha: {color: red}\n    beta: {color: blue}\n",
    );
    let out = drover_raw(
        &p,
        &[
            "run",
            "playbook.yml",
            "-i",
            "inv.yml",
            "-e",
            &format!("out={}", p.join("out").display()),
        ],
    );
    assert_code(&out, 0);
    // ansible-core 2.19 output for the same playbook.
    assert_eq!(
        msg_strings(&out),
        ["n 0 item", "blue blue alpha,beta", "beta-fact"]
    );
    assert_eq!(p.read("out/alpha"), "x");
    assert_eq!(p.read("out/beta"), "x");
}

#[test]
fn undefined_in_when_loop_and_attribute_fail_the_task_naming_the_variable() {
    let p = project(&play(
        r#"- debug: msg=a
  when: undefined_in_when
  ignore_errors: true
- debug: msg="{{ item }}"
  loop: "{{ undefined_list }}"
  ignore_errors: true
- debug: msg="{{ some_dict.missing_key }}"
  vars: {some_dict: {a: 1}}
  ignore_errors: true
"#,
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    // ansible-core 2.19 fails each of them (all three ignored here). Its messages:
    // "Error while evaluating conditional: 'undefined_in_when' is undefined",
    // "'undefined_list' is undefined", "object of type 'dict' has no attribute 'missing_key'".
    let fatals: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("fatal: [localhost]"))
        .collect();
    assert_eq!(fatals.len(), 3, "{}", out.describe());
    assert!(fatals[0].contains("undefined_in_when"), "{}", fatals[0]);
    assert!(fatals[1].contains("undefined_list"), "{}", fatals[1]);
    assert!(fatals[2].contains("missing_key"), "{}", fatals[2]);
    assert_eq!(recap_of(&out, "localhost"), [3, 0, 0, 0, 0, 0, 3]);
}

#[test]
fn no_log_hides_diffs_too() {
    let p = project(&play(
        r#"- copy: {content: "password={{ secret }}\n", dest: "{{ out }}/s"}
  no_log: true
- lineinfile: {path: "{{ out }}/s", line: "token={{ secret }}"}
  no_log: true
"#,
    ));
    let out = drover(&p, &["--diff", "-e", "secret=s3cr3t-XYZZY"]);
    assert_code(&out, 0);
    // ansible-core 2.19 prints no diff for a no_log task; the files are still written.
    assert!(!out.stdout.contains("s3cr3t-XYZZY"), "{}", out.stdout);
    assert!(!out.stderr.contains("s3cr3t-XYZZY"), "{}", out.stderr);
    assert_eq!(
        p.read("out/s"),
        "password=s3cr3t-XYZZY\ntoken=s3cr3t-XYZZY\n"
    );
    assert_eq!(recap_of(&out, "localhost"), [2, 2, 0, 0, 0, 0, 0]);
}

#[test]
fn handlers_can_notify_other_handlers() {
    let p = project(&play("- command: \"true\"\n  notify: first\n").replace(
        "  tasks:\n",
        "  handlers:\n    - {name: first, command: \"true\", notify: second}\n    - {name: second, debug: msg=chained}\n  tasks:\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(msg_strings(&out), ["chained"]);
    let banners: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("RUNNING HANDLER"))
        .collect();
    assert_eq!(banners.len(), 2, "{}", out.describe());
    assert_eq!(recap_of(&out, "localhost"), [3, 2, 0, 0, 0, 0, 0]);
}

#[test]
fn start_at_task_accepts_a_glob_and_enters_blocks() {
    let p = project(
        &play(
            r#"- debug: msg=one
- block:
    - name: second task in block
      debug: msg=two
    - debug: msg=three
- copy: {content: x, dest: "{{ out }}/f"}
  notify: h
"#,
        )
        .replace(
            "  tasks:\n",
            "  handlers:\n    - {name: h, debug: msg=handler-in-check}\n  tasks:\n",
        ),
    );
    // ansible-core 2.19: the name may be an fnmatch pattern; handlers notified in check mode run.
    for name in ["second task in block", "second*"] {
        let out = drover(&p, &["--start-at-task", name, "--check"]);
        assert_code(&out, 0);
        assert_eq!(
            msg_strings(&out),
            ["two", "three", "handler-in-check"],
            "{name}"
        );
        assert_eq!(recap_of(&out, "localhost"), [4, 1, 0, 0, 0, 0, 0], "{name}");
        assert!(!p.join("out/f").exists());
    }
}

// ---------------------------------------------------------------- strategies

#[test]
fn free_strategy_lets_a_host_run_ahead_and_each_sees_the_others_hostvars() {
    // `slow` waits (at most 10 s) for a file that `fast` writes in the *next* task: under the
    // linear strategy it would give up and fail; under free, `fast` runs ahead and writes it.
    let playbook = "- hosts: all\n  gather_facts: false\n  strategy: free\n  tasks:\n\
        \x20   - name: wait for the fast host\n\
        \x20     shell: \"i=0; while [ ! -e {{ out }}/fast-done ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done\"\n\
        \x20     when: inventory_hostname == 'slow'\n\
        \x20   - name: the fast host is done\n\
        \x20     command: touch {{ out }}/fast-done\n\
        \x20     when: inventory_hostname == 'fast'\n\
        \x20   - set_fact: {mine: \"{{ inventory_hostname }}-fact\"}\n\
        \x20   - debug:\n\
        \x20       msg: \"{{ inventory_hostname }}: {{ hostvars['fast'].color }} {{ hostvars['slow'].color }} {{ hostvars[inventory_hostname].mine }}\"\n";
    let inv = "all:\n  vars: {ansible_connection: local}\n  hosts:\n    fast: {color: red}\n    slow: {color: blue}\n";
    let p = project_with_inventory(playbook, "inv.yml", inv);
    let out_var = format!("out={}", p.join("out").display());
    let out = run_with(&p, "inv.yml", &["-e", &out_var]);
    assert_code(&out, 0);
    assert_eq!(
        msg_strings(&out),
        ["fast: red blue fast-fact", "slow: red blue slow-fact"],
        "{}",
        out.describe()
    );
    // Reported host after host, never interleaved by timing.
    let body = out.stdout.split("PLAY RECAP").next().unwrap_or_default();
    let last_fast = body.rfind("[fast]").expect("fast results");
    let first_slow = body.find("[slow]").expect("slow results");
    assert!(last_fast < first_slow, "{}", out.stdout);
    assert_eq!(recap_of(&out, "slow")[..2], [3, 1], "{}", out.stdout);
}
