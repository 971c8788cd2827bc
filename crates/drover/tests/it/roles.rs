//! Roles, includes and imports through the real `drover` binary: what is refused before any host
//! is contacted and how it is reported, what fails at run time, and the role search path. Their
//! results against ansible-core are in the differential cases (23, 24, 93–101).

use crate::modules::{assert_code, drover, play, project};
use drover_test::{Cmd, Project, RunOutput};

/// `drover run` as [`drover`] runs it, with `ANSIBLE_ROLES_PATH` set.
fn drover_with_roles_path(p: &Project, roles_path: &std::path::Path) -> RunOutput {
    let out = format!("out={}", p.join("out").display());
    Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .args(["run", "playbook.yml", "-i", "inv.yml", "-e", &out])
        .env("ANSIBLE_ROLES_PATH", roles_path)
        .current_dir(p.path())
        .timeout(std::time::Duration::from_secs(120))
        .run()
}

#[test]
fn a_missing_role_is_an_error_naming_where_it_was_looked_for() {
    let p = project(
        "- hosts: localhost\n  gather_facts: false\n  roles:\n    - common\n    - webserver\n",
    );
    p.file("roles/common/tasks/main.yml", "- debug: msg=hi\n");
    let out = drover(&p, &[]);
    assert_code(&out, 4);
    assert!(
        out.stderr.contains("the role `webserver` was not found in"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("playbook.yml:5:7"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("ANSIBLE_ROLES_PATH"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.is_empty(), "nothing may run: {}", out.describe());
}

#[test]
fn ansible_roles_path_is_searched() {
    let p = project("- hosts: localhost\n  gather_facts: false\n  roles:\n    - elsewhere.role\n");
    p.file(
        "shelf/elsewhere.role/tasks/main.yml",
        "- name: From the shelf\n  debug:\n    msg: \"{{ role_name }}\"\n",
    );
    let missing = drover(&p, &[]);
    assert_code(&missing, 4);
    let shelf = p.join("shelf");
    let out = drover_with_roles_path(&p, &shelf);
    assert_code(&out, 0);
    assert!(
        out.stdout
            .contains("TASK [elsewhere.role : From the shelf]"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("\"msg\": \"elsewhere.role\""),
        "{}",
        out.describe()
    );
}

#[test]
fn a_mistake_in_an_imported_file_points_into_that_file() {
    let p = project(&play("- import_tasks: tasks/setup.yml\n"));
    p.file(
        "tasks/setup.yml",
        "- name: fine\n  debug: msg=ok\n- name: broken\n  copy:\n    dest: /tmp/x\n    bogus: 1\n",
    );
    let out = drover(&p, &[]);
    assert_code(&out, 4);
    assert!(
        out.stderr.contains("tasks/setup.yml:6:5"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("bogus"), "{}", out.describe());
    assert!(out.stdout.is_empty(), "{}", out.describe());
}

#[test]
fn an_import_loop_is_refused() {
    let p = project(&play("- import_tasks: tasks/a.yml\n"));
    p.file("tasks/a.yml", "- import_tasks: b.yml\n");
    p.file("tasks/b.yml", "- import_tasks: a.yml\n");
    let out = drover(&p, &[]);
    assert_code(&out, 4);
    assert!(out.stderr.contains("imports itself"), "{}", out.describe());
}

#[test]
fn a_missing_included_file_fails_the_host_when_it_runs() {
    let p = project(&play(
        "- name: first\n  debug: msg=before\n- name: include\n  include_tasks: \"tasks/{{ which }}.yml\"\n  vars:\n    which: nowhere\n- name: after\n  debug: msg=after\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert!(out.stdout.contains("TASK [first]"), "{}", out.describe());
    assert!(out.stdout.contains("nowhere.yml"), "{}", out.describe());
    assert!(!out.stdout.contains("TASK [after]"), "{}", out.describe());
    let recap = crate::modules::recap_of(&out, "localhost");
    // [ok, changed, unreachable, failed, skipped, rescued, ignored]
    assert_eq!(recap[3], 1, "{}", out.describe());
}

#[test]
fn an_include_that_includes_itself_stops_on_its_condition() {
    let p = project(&play(
        "- set_fact:\n    counter: 0\n- include_tasks: tasks/count.yml\n",
    ));
    p.file(
        "tasks/count.yml",
        "- debug:\n    msg: \"count {{ counter }}\"\n- set_fact:\n    counter: \"{{ counter | int + 1 }}\"\n- include_tasks: count.yml\n  when: counter | int < 3\n",
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    for n in 0..3 {
        assert!(
            out.stdout.contains(&format!("\"msg\": \"count {n}\"")),
            "{}",
            out.describe()
        );
    }
    assert!(!out.stdout.contains("count 3"), "{}", out.describe());
    // The file is read once: three includes of it, the last one skipped.
    assert_eq!(
        out.stdout.matches("included: ").count(),
        3,
        "{}",
        out.describe()
    );
}
