//! The human output of whole runs, snapshotted, compared with ansible-playbook 2.19.
//!
//! Each snapshot below is ansible-playbook 2.19's stdout for the same playbook and inventory
//! (run by hand with `NO_COLOR=1`, temp paths replaced by `[ROOT]`), so a snapshot failure is a
//! difference from Ansible, not just a change. Where ansible's output is not deterministic (the
//! order of results of different hosts within a task follows completion), the playbooks avoid
//! it: one host per play.
//!
//! Differences from ansible found while writing these (also in /tmp/engine-bugs.md at the time):
//! the `[ERROR]: Task failed ... Origin:` block ansible prints before each failure, the trailing
//! space after a skipped loop item, the multi-line form of a failed `assert`, and the shape of a
//! failed loop item.

use drover_test::{Project, redact};

use crate::modules::{assert_code, drover_raw, recap_of};

const TWO_HOSTS: &str =
    "all:\n  vars:\n    ansible_connection: local\n  hosts:\n    alpha:\n    beta:\n";

/// Runs `playbook` with `inventory`; returns the exit code and the redacted stdout.
fn run(playbook: &str, inventory: &str) -> (Option<i32>, String, Project) {
    let p = Project::new();
    p.file("playbook.yml", playbook)
        .file("inv.yml", inventory)
        .dir("out");
    let out_var = format!("out={}", p.join("out").display());
    let out = drover_raw(
        &p,
        &["run", "playbook.yml", "-i", "inv.yml", "-e", &out_var],
    );
    let text = redact(&out.stdout, p.path());
    (out.code, text, p)
}

const REPRESENTATIVE: &str = r#"
- name: Representative play
  hosts: alpha
  gather_facts: false
  vars:
    packages: [{name: nginx, port: 80}, {name: redis, port: 6379}]
  tasks:
    - name: Write a marker file
      copy:
        content: "{{ inventory_hostname }}\n"
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
      notify: Report change

    - name: Only on alpha
      debug:
        msg: "alpha only"
      when: inventory_hostname == 'alpha'

    - name: Loop with labels
      debug:
        msg: "{{ item.name }} listens on {{ item.port }}"
      loop: "{{ packages }}"
      loop_control:
        label: "{{ item.name }}"

    - name: Loop with a skipped item
      command: echo {{ item }}
      loop: [one, two]
      when: item != 'two'
      changed_when: item == 'one'

    - name: Show a variable
      debug:
        var: packages | length

    - name: Unchanged command
      command: "true"
      changed_when: false

    - name: Run the handlers now
      meta: flush_handlers

    - name: Everything after the handlers
      debug:
        msg: "{{ ansible_play_hosts | join(' ') }}"
      run_once: false

  handlers:
    - name: Report change
      debug:
        msg: "{{ inventory_hostname }} changed"

- name: Second play
  hosts: beta
  gather_facts: false
  tasks:
    - name: Structured result
      debug:
        msg:
          list: [1, "two", true, null]
          nested: {key: value}
"#;

#[test]
fn representative_playbook_output_matches_ansible() {
    let (code, stdout, p) = run(REPRESENTATIVE, TWO_HOSTS);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(p.read("out/alpha.txt"), "alpha\n");
    insta::assert_snapshot!(trim_line_ends(&stdout), @r#"

        PLAY [Representative play] *****************************************************

        TASK [Write a marker file] *****************************************************
        changed: [alpha]

        TASK [Only on alpha] ***********************************************************
        ok: [alpha] => {
            "msg": "alpha only"
        }

        TASK [Loop with labels] ********************************************************
        ok: [alpha] => (item=nginx) => {
            "msg": "nginx listens on 80"
        }
        ok: [alpha] => (item=redis) => {
            "msg": "redis listens on 6379"
        }

        TASK [Loop with a skipped item] ************************************************
        changed: [alpha] => (item=one)
        skipping: [alpha] => (item=two)

        TASK [Show a variable] *********************************************************
        ok: [alpha] => {
            "packages | length": 2
        }

        TASK [Unchanged command] *******************************************************
        ok: [alpha]

        TASK [Run the handlers now] ****************************************************

        RUNNING HANDLER [Report change] ************************************************
        ok: [alpha] => {
            "msg": "alpha changed"
        }

        TASK [Everything after the handlers] *******************************************
        ok: [alpha] => {
            "msg": "alpha"
        }

        PLAY [Second play] *************************************************************

        TASK [Structured result] *******************************************************
        ok: [beta] => {
            "msg": {
                "list": [
                    1,
                    "two",
                    true,
                    null
                ],
                "nested": {
                    "key": "value"
                }
            }
        }

        PLAY RECAP *********************************************************************
        alpha                      : ok=8    changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
        beta                       : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
"#);
}

/// Each line without its trailing spaces (ansible ends some lines with spaces; checked apart).
fn trim_line_ends(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn trailing_spaces_match_ansible() {
    let (code, stdout, _p) = run(REPRESENTATIVE, TWO_HOSTS);
    assert_eq!(code, Some(0), "{stdout}");
    // ansible-core 2.19 pads the recap counts and ends the line with three spaces...
    assert!(
        stdout.contains(
            "\nalpha                      : ok=8    changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n"
        ),
        "{stdout}"
    );
    // ...and ends a skipped loop item's line with one space.
    assert!(
        stdout.contains("\nskipping: [alpha] => (item=two) \n"),
        "{stdout}"
    );
}

const FAILURES: &str = r#"
- name: Failures
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ignored failure
      fail:
        msg: "first problem"
      ignore_errors: true

    - name: Rescued block
      block:
        - name: Fails inside the block
          assert:
            that: 1 == 2
            fail_msg: "one is not two"
      rescue:
        - name: Rescue it
          debug:
            msg: "rescued {{ ansible_failed_task.name }}"
      always:
        - name: Always runs
          debug:
            msg: always

    - name: Loop item fails
      fail:
        msg: "bad {{ item }}"
      loop: [good, bad]
      when: item == 'bad'

    - name: Never reached
      debug:
        msg: unreachable
"#;

#[test]
fn failure_output_matches_ansible() {
    let (code, stdout, _p) = run(FAILURES, crate::modules::LOCAL_INVENTORY);
    assert_eq!(code, Some(2), "{stdout}");
    insta::assert_snapshot!(stdout, @r#"

        PLAY [Failures] ****************************************************************

        TASK [Ignored failure] *********************************************************
        [ERROR]: Task failed: Action failed: first problem
        Origin: [ROOT]/playbook.yml:6:7

        4   gather_facts: false
        5   tasks:
        6     - name: Ignored failure
                ^ column 7

        fatal: [localhost]: FAILED! => {"changed": false, "msg": "first problem"}
        ...ignoring

        TASK [Fails inside the block] **************************************************
        [ERROR]: Task failed: Action failed: one is not two
        Origin: [ROOT]/playbook.yml:13:11

        11     - name: Rescued block
        12       block:
        13         - name: Fails inside the block
                     ^ column 11

        fatal: [localhost]: FAILED! => {
            "assertion": "1 == 2",
            "changed": false,
            "evaluated_to": false,
            "msg": "one is not two"
        }

        TASK [Rescue it] ***************************************************************
        ok: [localhost] => {
            "msg": "rescued Fails inside the block"
        }

        TASK [Always runs] *************************************************************
        ok: [localhost] => {
            "msg": "always"
        }

        TASK [Loop item fails] *********************************************************
        skipping: [localhost] => (item=good) 
        [ERROR]: Task failed: Action failed: bad bad
        Origin: [ROOT]/playbook.yml:26:7

        24             msg: always
        25
        26     - name: Loop item fails
                 ^ column 7

        failed: [localhost] (item=bad) => {"ansible_loop_var": "item", "changed": false, "item": "bad", "msg": "bad bad"}

        PLAY RECAP *********************************************************************
        localhost                  : ok=3    changed=0    unreachable=0    failed=1    skipped=0    rescued=1    ignored=1   
    "#);
}

const CHECK_DIFF: &str = r#"
- name: Check and diff
  hosts: localhost
  gather_facts: false
  tasks:
    - name: New file from content
      copy:
        content: "line one\nline two\n"
        dest: "{{ out }}/new.txt"

    - name: New file from files/
      copy:
        src: a.txt
        dest: "{{ out }}/a.txt"

    - name: Edit a line
      lineinfile:
        path: "{{ out }}/existing.conf"
        regexp: '^old='
        line: new=2

    - name: Change a mode
      file:
        path: "{{ out }}/modefile"
        mode: "0600"

    - name: Already right
      copy:
        content: "x\n"
        dest: "{{ out }}/modefile"
"#;

#[test]
fn check_diff_output_matches_ansible() {
    let p = Project::new();
    p.file("playbook.yml", CHECK_DIFF)
        .file("inv.yml", crate::modules::LOCAL_INVENTORY)
        .file("files/a.txt", "from files\n")
        .file("out/existing.conf", "keep\nold=1\n")
        .file_with_mode("out/modefile", "x\n", 0o644);
    let before = drover_test::snapshot_tree(p.path());
    let out_var = format!("out={}", p.join("out").display());
    let out = drover_raw(
        &p,
        &[
            "run",
            "playbook.yml",
            "-i",
            "inv.yml",
            "-e",
            &out_var,
            "--check",
            "--diff",
        ],
    );
    assert_code(&out, 0);
    assert_eq!(recap_of(&out, "localhost"), [5, 4, 0, 0, 0, 0, 0]);
    assert_eq!(
        before,
        drover_test::snapshot_tree(p.path()),
        "--check changed files"
    );
    insta::assert_snapshot!(trim_line_ends(&redact(&out.stdout, p.path())), @r#"

        PLAY [Check and diff] **********************************************************

        TASK [New file from content] ***************************************************
        --- before
        +++ after: [ROOT]/out/new.txt
        @@ -0,0 +1,2 @@
        +line one
        +line two

        changed: [localhost]

        TASK [New file from files/] ****************************************************
        --- before
        +++ after: [ROOT]/files/a.txt
        @@ -0,0 +1 @@
        +from files

        changed: [localhost]

        TASK [Edit a line] *************************************************************
        --- before: [ROOT]/out/existing.conf (content)
        +++ after: [ROOT]/out/existing.conf (content)
        @@ -1,2 +1,2 @@
         keep
        -old=1
        +new=2

        changed: [localhost]

        TASK [Change a mode] ***********************************************************
        --- before
        +++ after
        @@ -1,4 +1,4 @@
         {
        -    "mode": "0644",
        +    "mode": "0600",
             "path": "[ROOT]/out/modefile"
         }

        changed: [localhost]

        TASK [Already right] ***********************************************************
        ok: [localhost]

        PLAY RECAP *********************************************************************
        localhost                  : ok=5    changed=4    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
    "#);
}

const VERBOSE: &str = r#"
- name: Verbose
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Set a fact
      set_fact:
        answer: 42
    - name: Run a command
      command: echo hello
    - name: Skip me
      debug:
        msg: never
      when: answer == 0
    - name: Show
      debug:
        msg: "{{ answer }}"
"#;

#[test]
fn verbose_output_matches_ansible() {
    // Like ansible-playbook 2.19 -v, it starts with the config file in use (none here). The rest
    // is line for line.
    let p = Project::new();
    p.file("playbook.yml", VERBOSE)
        .file("inv.yml", crate::modules::LOCAL_INVENTORY);
    let out = drover_raw(&p, &["run", "playbook.yml", "-i", "inv.yml", "-v"]);
    assert_code(&out, 0);
    insta::assert_snapshot!(trim_line_ends(&redact(&out.stdout, p.path())), @r#"
        No config file found; using defaults

        PLAY [Verbose] *****************************************************************

        TASK [Set a fact] **************************************************************
        ok: [localhost] => {"ansible_facts": {"answer": 42}, "changed": false}

        TASK [Run a command] ***********************************************************
        changed: [localhost] => {"changed": true, "cmd": ["echo", "hello"], "delta": "[DURATION]", "end": "[TIMESTAMP]", "msg": "", "rc": 0, "start": "[TIMESTAMP]", "stderr": "", "stderr_lines": [], "stdout": "hello", "stdout_lines": ["hello"]}

        TASK [Skip me] *****************************************************************
        skipping: [localhost] => {"false_condition": "answer == 0"}

        TASK [Show] ********************************************************************
        ok: [localhost] => {
            "msg": 42
        }

        PLAY RECAP *********************************************************************
        localhost                  : ok=3    changed=1    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
    "#);
}

#[test]
fn output_order_does_not_depend_on_timing_or_forks() {
    // drover prints each task's results in inventory order (ansible prints them as hosts finish,
    // so this is drover's own guarantee): alpha sleeps longer but still comes first.
    let playbook = r#"- name: Timing
  hosts: all
  gather_facts: false
  tasks:
    - name: Uneven work
      command: sleep {{ '0.6' if inventory_hostname == 'alpha' else '0' }}
    - name: Report
      debug:
        msg: "{{ inventory_hostname }}"
"#;
    let p = Project::new();
    p.file("playbook.yml", playbook).file("inv.yml", TWO_HOSTS);
    let runs: Vec<String> = ["1", "2", "50"]
        .iter()
        .map(|forks| {
            let out = drover_raw(
                &p,
                &["run", "playbook.yml", "-i", "inv.yml", "--forks", forks],
            );
            assert_code(&out, 0);
            out.stdout
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
    let result_lines: Vec<&str> = runs[0]
        .lines()
        .filter(|l| l.starts_with("changed: [") || l.starts_with("ok: ["))
        .collect();
    assert_eq!(
        result_lines,
        [
            "changed: [alpha]",
            "changed: [beta]",
            "ok: [alpha] => {",
            "ok: [beta] => {"
        ]
    );
}
