//! The command line of the real `drover` binary: exit codes, load-time error messages (file, line,
//! column, the offending line, "did you mean" hints) and the listing modes (`--syntax-check`,
//! `--list-tasks`, `--list-hosts`, `--list-tags`).
//!
//! Listing outputs are compared with what ansible-playbook 2.19 printed for the same playbook
//! and inventory (recorded by hand). Error messages are drover's own format; their snapshots pin
//! the location, the source excerpt and the hint.

use std::time::{Duration, Instant};

use drover_test::{Project, redact};

use crate::modules::{LOCAL_INVENTORY, assert_code, drover_raw, play};

/// A project with `inv.yml` (localhost) and the given files.
fn project_files(files: &[(&str, &str)]) -> Project {
    let p = Project::new();
    p.file("inv.yml", LOCAL_INVENTORY);
    for (name, body) in files {
        p.file(name, body);
    }
    p
}

/// `drover run <playbook> -i inv.yml [args]` and the redacted stderr.
fn load_error(p: &Project, playbook: &str) -> String {
    let out = drover_raw(p, &["run", playbook, "-i", "inv.yml"]);
    assert_code(&out, 4);
    assert!(
        !out.stdout.contains("TASK ["),
        "nothing may run after a load error\n{}",
        out.describe()
    );
    redact(&out.stderr, p.path())
}

// ---------------------------------------------------------------- exit codes

#[test]
fn exit_0_on_success_and_2_when_a_host_fails() {
    let p = project_files(&[
        ("ok.yml", &play("- debug: msg=hi\n")),
        ("bad.yml", &play("- fail: msg=no\n")),
    ]);
    assert_code(&drover_raw(&p, &["run", "ok.yml", "-i", "inv.yml"]), 0);
    let bad = drover_raw(&p, &["run", "bad.yml", "-i", "inv.yml"]);
    assert_code(&bad, 2);
    assert!(bad.stdout.contains("failed=1"), "{}", bad.describe());
}

#[test]
fn yaml_syntax_error_points_at_the_line() {
    let p = project_files(&[(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=a\n     - debug: msg=b\n",
    )]);
    insta::assert_snapshot!(load_error(&p, "playbook.yml"), @r"
        drover::playbook::yaml

          × playbook.yml:5:6: while parsing a block collection, did not find expected '-' indicator
           ╭─[playbook.yml:5:6]
         3 │   tasks:
         4 │     - debug: msg=a
         5 │      - debug: msg=b
           ·      ───┬───
           ·         ╰── invalid YAML
           ╰────
    ");
}

#[test]
fn unknown_module_suggests_the_nearest() {
    let p = project_files(&[(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: bad module\n      coppy:\n        src: a\n        dest: b\n",
    )]);
    insta::assert_snapshot!(load_error(&p, "playbook.yml"), @r"
        drover::playbook::invalid

          × playbook.yml:5:7: unknown module `coppy`
           ╭─[playbook.yml:5:7]
         3 │   tasks:
         4 │     - name: bad module
         5 │       coppy:
           ·       ──┬──
           ·         ╰── unknown
         6 │         src: a
         7 │         dest: b
           ╰────
          help: did you mean `copy`?
    ");
}

#[test]
fn unknown_argument_suggests_the_nearest() {
    let p = project_files(&[(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: bad arg\n      copy:\n        content: a\n        dset: b\n",
    )]);
    insta::assert_snapshot!(load_error(&p, "playbook.yml"), @r"
        drover::playbook::invalid

          × playbook.yml:7:9: unknown argument `dset` for module `copy`
           ╭─[playbook.yml:7:9]
         5 │       copy:
         6 │         content: a
         7 │         dset: b
           ·         ──┬─
           ·           ╰── unknown argument
           ╰────
          help: did you mean `dest`?
    ");
}

#[test]
fn unknown_play_keyword_suggests_the_nearest() {
    let p = project_files(&[(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  taks:\n    - debug: msg=a\n",
    )]);
    insta::assert_snapshot!(load_error(&p, "playbook.yml"), @r"
        drover::playbook::invalid

          × playbook.yml:3:3: unknown play keyword `taks`
           ╭─[playbook.yml:3:3]
         1 │ - hosts: localhost
         2 │   gather_facts: false
         3 │   taks:
           ·   ──┬─
           ·     ╰── unknown keyword
         4 │     - debug: msg=a
           ╰────
          help: did you mean `tasks`?
    ");
}

#[test]
fn unknown_task_keyword_suggests_the_nearest() {
    let p = project_files(&[("playbook.yml", &play("- debug: msg=a\n  wehn: true\n"))]);
    insta::assert_snapshot!(load_error(&p, "playbook.yml"), @r"
        drover::playbook::invalid

          × playbook.yml:6:7: unknown task keyword `wehn`
           ╭─[playbook.yml:6:7]
         4 │   tasks:
         5 │     - debug: msg=a
         6 │       wehn: true
           ·       ──┬─
           ·         ╰── unknown
           ╰────
          help: did you mean `when`?
    ");
}

#[test]
fn missing_required_argument_is_a_load_error() {
    let p = project_files(&[("playbook.yml", &play("- copy:\n    content: x\n"))]);
    let err = load_error(&p, "playbook.yml");
    assert!(err.contains("dest"), "{err}");
    assert!(err.contains("playbook.yml:5:"), "{err}");
}

#[test]
fn notify_of_an_unknown_handler_is_a_load_error() {
    let p = project_files(&[(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  handlers:\n    - name: restart app\n      debug: msg=r\n  tasks:\n    - command: \"true\"\n      notify: restart ap\n",
    )]);
    let err = load_error(&p, "playbook.yml");
    assert!(err.contains("restart ap"), "{err}");
    assert!(
        err.contains("playbook.yml:7:") || err.contains("playbook.yml:8:"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `restart app`?"),
        "the hint names the real handler\n{err}"
    );
}

#[test]
fn bad_inventory_is_exit_4_naming_the_file_and_line() {
    let p = project_files(&[
        ("playbook.yml", &play("- debug: msg=a\n")),
        ("bad.yml", "all:\n  hosts: [a, b\n"),
    ]);
    let out = drover_raw(&p, &["run", "playbook.yml", "-i", "bad.yml"]);
    assert_code(&out, 4);
    assert!(out.stderr.contains("bad.yml:3:1"), "{}", out.describe());
    assert!(!out.stdout.contains("PLAY ["), "{}", out.describe());
}

#[test]
fn missing_playbook_is_exit_4() {
    let p = project_files(&[]);
    let out = drover_raw(&p, &["run", "nope.yml", "-i", "inv.yml"]);
    assert_code(&out, 4);
    insta::assert_snapshot!(redact(&out.stderr, p.path()), @r"
        error: the playbook `nope.yml` could not be found
        hint: check the path, relative to the current directory
    ");
}

#[test]
fn usage_errors_are_exit_5() {
    let p = project_files(&[("playbook.yml", &play("- debug: msg=a\n"))]);
    for args in [
        &["run", "--bogus"][..],
        &[][..],
        &["run"][..],
        &["run", "playbook.yml", "--forks", "many"][..],
    ] {
        let out = drover_raw(&p, args);
        assert_code(&out, 5);
        assert!(
            out.stdout.is_empty() || args.is_empty(),
            "{args:?}\n{}",
            out.describe()
        );
        assert!(
            !out.stderr.is_empty() || !out.stdout.is_empty(),
            "{args:?}: no message"
        );
    }
    let out = drover_raw(&p, &["run", "--chek", "playbook.yml"]);
    assert_code(&out, 5);
    assert!(
        out.stderr.contains("--check"),
        "a similar flag is suggested\n{}",
        out.describe()
    );
    // Split as Ansible splits it; an unbalanced quote is a usage error, not silently ignored.
    let args = [
        "run",
        "playbook.yml",
        "--ssh-common-args",
        "-o 'ProxyJump=x",
    ];
    let out = drover_raw(&p, &args);
    assert_code(&out, 5);
    assert!(
        out.stderr.contains("--ssh-common-args") && out.stderr.contains("No closing quotation"),
        "{}",
        out.describe()
    );
}

#[test]
fn interrupt_exits_99_and_stops_the_task() {
    let p = project_files(&[(
        "playbook.yml",
        &play("- command: sleep 30\n- copy: {content: x, dest: after}\n"),
    )]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drover"))
        .args(["run", "playbook.yml", "-i", "inv.yml"])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start drover");
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("drover did not stop within 20 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(99));
    assert!(!p.join("after").exists(), "a task after the interrupt ran");
}

// ---------------------------------------------------------------- listings

const LIST_INVENTORY: &str = "all:
  vars:
    ansible_connection: local
  children:
    web:
      hosts:
        web1:
        web2:
    db:
      hosts:
        db1:
";

const LIST_PLAYBOOK: &str = "- name: Configure web
  hosts: web
  gather_facts: false
  tags: [webtag]
  tasks:
    - name: first task
      debug: msg=a
      tags: [one, shared]
    - block:
        - name: in block
          debug: msg=b
      tags: blk
    - debug: msg=c
- name: Configure db
  hosts: db
  gather_facts: false
  tasks:
    - name: db task
      debug: msg=d
      tags: [shared, never]
  handlers:
    - name: h
      debug: msg=h
";

/// Runs a listing; the redacted stdout, and whether it ended with a blank line.
fn listing(args: &[&str]) -> (String, bool) {
    let p = Project::new();
    p.file("playbook.yml", LIST_PLAYBOOK)
        .file("inv.yml", LIST_INVENTORY);
    let mut all = vec!["run", "playbook.yml", "-i", "inv.yml"];
    all.extend_from_slice(args);
    let out = drover_raw(&p, &all);
    assert_code(&out, 0);
    assert!(
        !out.stdout.contains("TASK ["),
        "a listing must not run anything"
    );
    (redact(&out.stdout, p.path()), out.stdout.ends_with("\n\n"))
}

/// ansible-core 2.19 ends a listing right after its last line (checked after the snapshot, so a
/// snapshot difference shows first).
fn no_trailing_blank(blank: bool) {
    assert!(!blank, "drover printed a blank line after the listing");
}

#[test]
fn list_tasks_matches_ansible() {
    let (text, blank) = listing(&["--list-tasks"]);
    insta::assert_snapshot!(text, @r"

        playbook: playbook.yml

          play #1 (web): Configure web	TAGS: [webtag]
            tasks:
              first task	TAGS: [one, shared, webtag]
              in block	TAGS: [blk, webtag]
              debug	TAGS: [webtag]

          play #2 (db): Configure db	TAGS: []
            tasks:
    ");
    no_trailing_blank(blank);
}

#[test]
fn list_tasks_with_tags_matches_ansible() {
    let (text, blank) = listing(&["--list-tasks", "-t", "shared"]);
    insta::assert_snapshot!(text, @r"

        playbook: playbook.yml

          play #1 (web): Configure web	TAGS: [webtag]
            tasks:
              first task	TAGS: [one, shared, webtag]

          play #2 (db): Configure db	TAGS: []
            tasks:
              db task	TAGS: [never, shared]
    ");
    no_trailing_blank(blank);
}

// ansible-core 2.19 lists a play's hosts in set order, which changes from run to run (web1/web2
// or web2/web1); drover's inventory order is one of those.
#[test]
fn list_hosts_matches_ansible() {
    let (text, blank) = listing(&["--list-hosts"]);
    insta::assert_snapshot!(text, @r"

        playbook: playbook.yml

          play #1 (web): Configure web	TAGS: [webtag]
            pattern: ['web']
            hosts (2):
              web1
              web2

          play #2 (db): Configure db	TAGS: []
            pattern: ['db']
            hosts (1):
              db1
    ");
    no_trailing_blank(blank);
}

#[test]
fn list_hosts_with_limit_matches_ansible() {
    let (text, blank) = listing(&["--list-hosts", "-l", "web1,db1"]);
    insta::assert_snapshot!(text, @r"

        playbook: playbook.yml

          play #1 (web): Configure web	TAGS: [webtag]
            pattern: ['web']
            hosts (1):
              web1

          play #2 (db): Configure db	TAGS: []
            pattern: ['db']
            hosts (1):
              db1
    ");
    no_trailing_blank(blank);
}

#[test]
fn list_tags_matches_ansible() {
    let (text, blank) = listing(&["--list-tags"]);
    insta::assert_snapshot!(text, @r"

        playbook: playbook.yml

          play #1 (web): Configure web	TAGS: [webtag]
              TASK TAGS: [blk, one, shared, webtag]

          play #2 (db): Configure db	TAGS: []
              TASK TAGS: [never, shared]
    ");
    no_trailing_blank(blank);
}

#[test]
fn syntax_check_matches_ansible() {
    let (text, blank) = listing(&["--syntax-check"]);
    insta::assert_snapshot!(text, @r"

        playbook: playbook.yml
    ");
    no_trailing_blank(blank);
}

#[test]
fn syntax_check_reports_errors_with_exit_4() {
    let p = project_files(&[("playbook.yml", &play("- debug: msg=a\n- nosuchmodule: x\n"))]);
    let out = drover_raw(
        &p,
        &["run", "playbook.yml", "-i", "inv.yml", "--syntax-check"],
    );
    assert_code(&out, 4);
    assert!(
        out.stderr.contains("playbook.yml:6:7"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("nosuchmodule"), "{}", out.describe());
}

#[test]
fn several_playbooks_run_in_order_with_cumulative_recaps() {
    let p = project_files(&[
        ("one.yml", &play("- copy: {content: one, dest: order}\n")),
        ("two.yml", &play("- shell: cat order > seen-by-two\n")),
    ]);
    let out = drover_raw(&p, &["run", "one.yml", "two.yml", "-i", "inv.yml"]);
    assert_code(&out, 0);
    // ansible-core 2.19 prints a PLAY RECAP after each playbook, and the counts add up: the
    // second one says ok=2 changed=2 (parse_recap keeps the last one).
    assert_eq!(
        out.stdout.matches("PLAY RECAP").count(),
        2,
        "{}",
        out.describe()
    );
    assert_eq!(
        crate::modules::recap_of(&out, "localhost"),
        [2, 2, 0, 0, 0, 0, 0],
        "{}",
        out.describe()
    );
    // Relative paths: both playbooks' tasks ran in the directory drover was started in.
    assert_eq!(p.read("seen-by-two"), "one");
}
