//! Each module through the real `drover` binary on a temp project, local connection.
//!
//! For the file-changing modules one "cycle" is checked: `--check --diff` on the fresh tree
//! changes nothing on disk but reports the change (and the diff), `--diff` applies it (exact
//! bytes and modes checked after), and a second plain run reports `changed=0` and leaves the tree
//! as it was. Expected diffs and messages were recorded from ansible-core 2.19 runs of the same
//! playbooks unless a comment says otherwise.
//!
//! The helpers at the top are shared with the other test modules of this binary.

use std::os::unix::fs::PermissionsExt;

use drover_test::{Cmd, Project, Recap, RunOutput, diff_trees, parse_recap, redact, snapshot_tree};

/// An inventory with one host, `localhost`, on the local connection.
pub(crate) const LOCAL_INVENTORY: &str =
    "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n";

/// Indents every non-empty line of `text` by `n` spaces.
pub(crate) fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A one-play playbook on `localhost`, facts off, with `tasks` (written at column 0).
pub(crate) fn play(tasks: &str) -> String {
    format!(
        "- name: test play\n  hosts: localhost\n  gather_facts: false\n  tasks:\n{}",
        indent(tasks, 4)
    )
}

/// A project with `playbook.yml`, the local `inv.yml` and an empty `out/` directory.
pub(crate) fn project(playbook: &str) -> Project {
    let p = Project::new();
    p.file("playbook.yml", playbook)
        .file("inv.yml", LOCAL_INVENTORY)
        .dir("out");
    p
}

/// `drover run playbook.yml -i inv.yml -e out=<root>/out [args]`, run in the project root.
pub(crate) fn drover(p: &Project, args: &[&str]) -> RunOutput {
    let out = format!("out={}", p.join("out").display());
    Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .args(["run", "playbook.yml", "-i", "inv.yml", "-e", &out])
        .args(args)
        .current_dir(p.path())
        .timeout(std::time::Duration::from_secs(120))
        .run()
}

/// `drover <args>` exactly as given, run in the project root.
pub(crate) fn drover_raw(p: &Project, args: &[&str]) -> RunOutput {
    Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .args(args)
        .current_dir(p.path())
        .timeout(std::time::Duration::from_secs(120))
        .run()
}

/// The recap counts of `host` (panics, showing the output, when there is none).
pub(crate) fn recap_of(out: &RunOutput, host: &str) -> Recap {
    *parse_recap(&out.stdout)
        .get(host)
        .unwrap_or_else(|| panic!("no recap line for {host}\n{}", out.describe()))
}

/// Asserts the exit code, showing the whole output when it differs.
pub(crate) fn assert_code(out: &RunOutput, code: i32) {
    assert_eq!(
        out.code,
        Some(code),
        "unexpected exit code\n{}",
        out.describe()
    );
}

/// Asserts that `lines` appear consecutively, in order, in `text`.
pub(crate) fn assert_lines(text: &str, lines: &[&str]) {
    let needle = lines.join("\n");
    assert!(
        text.contains(&needle),
        "expected these lines:\n{needle}\n--- in ---\n{text}"
    );
}

/// Permission bits of `rel` in the project.
pub(crate) fn mode_of(p: &Project, rel: &str) -> u32 {
    std::fs::symlink_metadata(p.join(rel))
        .unwrap_or_else(|e| panic!("stat {rel}: {e}"))
        .permissions()
        .mode()
        & 0o7777
}

/// Runs the check / apply / re-run cycle described in the module doc. Returns the project
/// (applied) and the redacted stdout of the applying `--diff` run.
///
/// `changed` is the `changed=` count expected from the check run and the applying run; `diff` are
/// consecutive lines that both of them must print.
fn cycle(tasks: &str, setup: impl Fn(&Project), changed: u32, diff: &[&str]) -> (Project, String) {
    let p = project(&play(tasks));
    setup(&p);
    let fresh = snapshot_tree(p.path());

    let check = drover(&p, &["--check", "--diff"]);
    assert_code(&check, 0);
    assert_eq!(
        recap_of(&check, "localhost")[1],
        changed,
        "changed count in --check\n{}",
        check.describe()
    );
    if let Some(d) = diff_trees("before", &fresh, "after --check", &snapshot_tree(p.path())) {
        panic!("--check changed the tree:\n{d}\n{}", check.describe());
    }
    let check_text = redact(&check.stdout, p.path());
    if !diff.is_empty() {
        assert_lines(&check_text, diff);
    }

    let apply = drover(&p, &["--diff"]);
    assert_code(&apply, 0);
    assert_eq!(
        recap_of(&apply, "localhost")[1],
        changed,
        "changed count on apply\n{}",
        apply.describe()
    );
    let applied = snapshot_tree(p.path());
    let apply_text = redact(&apply.stdout, p.path());
    if !diff.is_empty() {
        assert_lines(&apply_text, diff);
    }

    let again = drover(&p, &["--diff"]);
    assert_code(&again, 0);
    assert_eq!(
        recap_of(&again, "localhost")[1],
        0,
        "second run must change nothing\n{}",
        again.describe()
    );
    assert!(
        !again.stdout.contains("+++ after"),
        "second run printed a diff\n{}",
        again.describe()
    );
    if let Some(d) = diff_trees(
        "first run",
        &applied,
        "second run",
        &snapshot_tree(p.path()),
    ) {
        panic!("second run changed the tree:\n{d}");
    }
    (p, apply_text)
}

fn no_setup(_: &Project) {}

// ---------------------------------------------------------------- command, shell, raw

#[test]
fn command_runs_argv_without_a_shell_and_registers_output() {
    let p = project(&play(
        r#"- name: argv
  command: printf '%s|' "a b" '$HOME' ';' '>' {{ out }}/redirect
  register: r
- copy:
    content: "{{ r.stdout }}\n{{ r.rc }}\n{{ r.cmd | length }}\n"
    dest: "{{ out }}/result"
"#,
    ));
    let home = "/nonexistent/home for drover";
    let out_var = format!("out={}", p.join("out").display());
    let out = Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .args(["run", "playbook.yml", "-i", "inv.yml", "-e", &out_var])
        .env("HOME", home)
        .current_dir(p.path())
        .run();
    assert_code(&out, 0);
    // No shell: `;` and `>` are plain arguments and nothing is redirected. `$HOME` is expanded
    // even inside single quotes: ansible-core 2.19's command has expand_argument_vars on.
    let root = p.join("out").display().to_string();
    assert_eq!(
        p.read("out/result"),
        format!("a b|{home}|;|>|{root}/redirect|\n0\n7\n")
    );
    assert!(!p.join("out/redirect").exists());
    // command always reports changed (ansible-core 2.19).
    assert_eq!(recap_of(&out, "localhost"), [2, 2, 0, 0, 0, 0, 0]);
}

#[test]
fn command_creates_and_removes_make_it_idempotent_and_check_mode_skips_the_run() {
    let tasks = "- command: touch {{ out }}/made\n  args:\n    creates: \"{{ out }}/made\"\n\
                 - command: rm {{ out }}/gone removes={{ out }}/gone\n";
    let p = project(&play(tasks));
    p.file("out/gone", "x");
    let check = drover(&p, &["--check"]);
    assert_code(&check, 0);
    // ansible-core 2.19: both would run, so both report changed in check mode; nothing happens.
    assert_eq!(recap_of(&check, "localhost"), [2, 2, 0, 0, 0, 0, 0]);
    assert!(!p.join("out/made").exists());
    assert!(p.join("out/gone").exists());
    let first = drover(&p, &[]);
    assert_eq!(recap_of(&first, "localhost"), [2, 2, 0, 0, 0, 0, 0]);
    assert!(p.join("out/made").exists());
    assert!(!p.join("out/gone").exists());
    let second = drover(&p, &[]);
    assert_eq!(recap_of(&second, "localhost"), [2, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn command_failure_is_fatal_with_rc_and_exit_code_2() {
    let p = project(&play(
        "- command: sh -c 'echo boom >&2; exit 3'\n- copy: {content: x, dest: \"{{ out }}/after\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert!(
        out.stdout.contains("fatal: [localhost]: FAILED!"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("\"rc\": 3"), "{}", out.describe());
    assert!(
        out.stdout.contains("\"stderr\": \"boom\""),
        "{}",
        out.describe()
    );
    assert!(
        !p.join("out/after").exists(),
        "a task after the failure ran"
    );
    assert_eq!(recap_of(&out, "localhost"), [0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn shell_uses_pipes_redirects_and_chdir() {
    let p = project(&play(
        "- shell: printf 'b\\na\\n' | sort > sorted; echo $((6*7))\n  args:\n    chdir: \"{{ out }}\"\n  register: r\n\
         - copy: {content: \"{{ r.stdout }}\", dest: \"{{ out }}/answer\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/sorted"), "a\nb\n");
    assert_eq!(p.read("out/answer"), "42");
}

#[test]
fn shell_in_check_mode_without_creates_is_skipped() {
    let p = project(&play("- shell: echo hi > {{ out }}/f\n"));
    let out = drover(&p, &["--check"]);
    assert_code(&out, 0);
    // ansible-core 2.19: shell/command without creates/removes is skipped in check mode.
    assert_eq!(recap_of(&out, "localhost"), [0, 0, 0, 0, 1, 0, 0]);
    assert!(!p.join("out/f").exists());
}

#[test]
fn raw_runs_through_the_shell_and_is_skipped_in_check_mode() {
    let p = project(&play(
        "- raw: echo raw-$((1+1)) > {{ out }}/r\n  register: r\n- debug: var=r.rc\n",
    ));
    let check = drover(&p, &["--check"]);
    assert_code(&check, 0);
    assert_eq!(recap_of(&check, "localhost"), [1, 0, 0, 0, 1, 0, 0]);
    assert!(!p.join("out/r").exists());
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/r"), "raw-2\n");
    assert_lines(
        &out.stdout,
        &["ok: [localhost] => {", "    \"r.rc\": 0", "}"],
    );
}

// ---------------------------------------------------------------- copy

#[test]
fn copy_content_cycle() {
    let (p, _) = cycle(
        "- copy: {content: \"hello\\nworld\\n\", dest: \"{{ out }}/c.txt\", mode: \"0640\"}\n",
        no_setup,
        1,
        &[
            "--- before",
            "+++ after: [ROOT]/out/c.txt",
            "@@ -0,0 +1,2 @@",
            "+hello",
            "+world",
        ],
    );
    assert_eq!(p.read("out/c.txt"), "hello\nworld\n");
    assert_eq!(mode_of(&p, "out/c.txt"), 0o640);
}

#[test]
fn copy_content_over_an_existing_file_shows_both_sides_of_the_diff() {
    let (p, _) = cycle(
        "- copy: {content: \"one\\nTWO\\nthree\\n\", dest: \"{{ out }}/c.txt\", mode: \"0600\"}\n",
        |p| {
            p.file_with_mode("out/c.txt", "one\ntwo\nthree\n", 0o644);
        },
        1,
        // ansible-core 2.19 labels both sides with the destination when the file existed.
        &[
            "--- before: [ROOT]/out/c.txt",
            "+++ after: [ROOT]/out/c.txt",
            "@@ -1,3 +1,3 @@",
            " one",
            "-two",
            "+TWO",
            " three",
        ],
    );
    assert_eq!(p.read("out/c.txt"), "one\nTWO\nthree\n");
    assert_eq!(mode_of(&p, "out/c.txt"), 0o600);
}

#[test]
fn copy_src_from_files_dir_cycle() {
    let (p, _) = cycle(
        "- copy: {src: a.txt, dest: \"{{ out }}/a.txt\", mode: \"0604\"}\n",
        |p| {
            p.file("files/a.txt", "from files/\n");
        },
        1,
        &[
            "--- before",
            "+++ after: [ROOT]/files/a.txt",
            "@@ -0,0 +1 @@",
            "+from files/",
        ],
    );
    assert_eq!(p.read("out/a.txt"), "from files/\n");
    assert_eq!(mode_of(&p, "out/a.txt"), 0o604);
}

#[test]
fn copy_into_an_existing_directory_keeps_the_source_name() {
    let (p, _) = cycle(
        "- copy: {src: a.txt, dest: \"{{ out }}/d/\", mode: \"0644\"}\n",
        |p| {
            p.file("files/a.txt", "into dir\n").dir("out/d");
        },
        1,
        &[],
    );
    assert_eq!(p.read("out/d/a.txt"), "into dir\n");
    assert!(!p.join("out/d/d").exists());
}

#[test]
fn copy_directory_src_with_and_without_trailing_slash() {
    let (p, _) = cycle(
        "- copy: {src: tree, dest: \"{{ out }}/\"}\n- copy: {src: tree/, dest: \"{{ out }}/flat\"}\n",
        |p| {
            p.file("files/tree/one", "1\n")
                .file("files/tree/sub/two", "2\n");
        },
        2,
        &[],
    );
    // `tree` copies the directory itself; `tree/` copies its contents.
    assert_eq!(p.read("out/tree/one"), "1\n");
    assert_eq!(p.read("out/tree/sub/two"), "2\n");
    assert_eq!(p.read("out/flat/one"), "1\n");
    assert_eq!(p.read("out/flat/sub/two"), "2\n");
    assert!(!p.join("out/flat/tree").exists());
}

#[test]
fn copy_directory_src_prints_no_diff() {
    // ansible-core 2.19 shows no diff for a directory `src` (only `changed`), in check mode or not.
    let p = project(&play("- copy: {src: tree, dest: \"{{ out }}/\"}\n"));
    p.file("files/tree/one", "1\n");
    let out = drover(&p, &["--diff"]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/tree/one"), "1\n");
    assert!(!out.stdout.contains("+++ after"), "{}", out.describe());
    assert_lines(
        &out.stdout,
        &[
            "TASK [copy] ********************************************************************",
            "changed: [localhost]",
        ],
    );
}

#[test]
fn copy_force_false_leaves_an_existing_file() {
    let (p, _) = cycle(
        "- copy: {content: new, dest: \"{{ out }}/keep\", force: false}\n- copy: {content: new, dest: \"{{ out }}/fresh\", force: no}\n",
        |p| {
            p.file("out/keep", "old");
        },
        1,
        &[],
    );
    assert_eq!(p.read("out/keep"), "old");
    assert_eq!(p.read("out/fresh"), "new");
}

// ---------------------------------------------------------------- template

#[test]
fn template_cycle_renders_vars_and_mode() {
    let (p, _) = cycle(
        "- template: {src: t.j2, dest: \"{{ out }}/t.txt\", mode: \"u=rw,g=r,o=\"}\n  vars: {x: 42, items_: [a, b]}\n",
        |p| {
            p.file("templates/t.j2", "x={{ x }}\n{% for i in items_ %}- {{ i }}\n{% endfor %}host={{ inventory_hostname }}\n");
        },
        1,
        &[
            "--- before",
            "+++ after: [ROOT]/templates/t.j2",
            "@@ -0,0 +1,4 @@",
            "+x=42",
            "+- a",
            "+- b",
            "+host=localhost",
        ],
    );
    assert_eq!(p.read("out/t.txt"), "x=42\n- a\n- b\nhost=localhost\n");
    assert_eq!(mode_of(&p, "out/t.txt"), 0o640);
}

#[test]
fn template_keeps_a_single_trailing_newline_like_jinja2() {
    // Jinja2 as ansible-core 2.19 configures it: trim_blocks on, the final newline kept.
    let (p, _) = cycle(
        "- template: {src: t.j2, dest: \"{{ out }}/t.txt\"}\n",
        |p| {
            p.file("templates/t.j2", "{% if true %}\nyes\n{% endif %}\nend\n");
        },
        1,
        &[],
    );
    assert_eq!(p.read("out/t.txt"), "yes\nend\n");
}

// ---------------------------------------------------------------- file

#[test]
fn file_directory_touch_and_absent_cycle() {
    let (p, out) = cycle(
        "- file: {path: \"{{ out }}/d/e\", state: directory, mode: \"0750\"}\n\
         - file: {path: \"{{ out }}/gone\", state: absent}\n\
         - file: {path: \"{{ out }}/missing\", state: absent}\n",
        |p| {
            p.file("out/gone/inner", "x");
        },
        2,
        &[],
    );
    assert_eq!(mode_of(&p, "out/d/e"), 0o750);
    assert!(!p.join("out/gone").exists());
    assert_lines(
        &out,
        &[
            "-    \"state\": \"directory\"",
            "+    \"state\": \"absent\"",
        ],
    );
}

#[test]
fn file_touch_changes_every_run() {
    // ansible-core 2.19: state=touch always reports changed (it updates the times).
    let p = project(&play(
        "- file: {path: \"{{ out }}/t\", state: touch, mode: \"0600\"}\n",
    ));
    let check = drover(&p, &["--check"]);
    assert_eq!(recap_of(&check, "localhost")[1], 1);
    assert!(!p.join("out/t").exists());
    for _ in 0..2 {
        let out = drover(&p, &[]);
        assert_code(&out, 0);
        assert_eq!(recap_of(&out, "localhost")[1], 1, "{}", out.describe());
    }
    assert_eq!(p.read("out/t"), "");
    assert_eq!(mode_of(&p, "out/t"), 0o600);
}

#[test]
fn file_link_and_hard_cycle() {
    let (p, out) = cycle(
        "- file: {path: \"{{ out }}/link\", state: link, src: c.txt}\n\
         - file: {path: \"{{ out }}/hard\", state: hard, src: \"{{ out }}/c.txt\"}\n",
        |p| {
            p.file_with_mode("out/c.txt", "target\n", 0o644);
        },
        2,
        &[],
    );
    assert_eq!(
        std::fs::read_link(p.join("out/link")).unwrap().to_str(),
        Some("c.txt")
    );
    assert_eq!(snapshot_tree(&p.join("out"))["hard"].links, 2);
    assert_lines(
        &out,
        &["-    \"state\": \"absent\"", "+    \"state\": \"link\""],
    );
    assert_lines(
        &out,
        &["-    \"state\": \"absent\"", "+    \"state\": \"hard\""],
    );
}

#[test]
fn file_modes_octal_string_and_symbolic() {
    let (p, out) = cycle(
        "- file: {path: \"{{ out }}/yaml-octal\", mode: 0640}\n\
         - file: {path: \"{{ out }}/string\", mode: \"0604\"}\n\
         - file: {path: \"{{ out }}/short-string\", mode: \"755\"}\n\
         - file: {path: \"{{ out }}/symbolic\", mode: \"u=rwx,g=rx,o=\"}\n\
         - file: {path: \"{{ out }}/relative\", mode: \"u+x,o-r\"}\n",
        |p| {
            for f in [
                "yaml-octal",
                "string",
                "short-string",
                "symbolic",
                "relative",
            ] {
                p.file_with_mode(format!("out/{f}"), "", 0o644);
            }
        },
        5,
        &[
            "--- before",
            "+++ after",
            "@@ -1,4 +1,4 @@",
            " {",
            "-    \"mode\": \"0644\",",
            "+    \"mode\": \"0640\",",
        ],
    );
    assert_eq!(mode_of(&p, "out/yaml-octal"), 0o640);
    assert_eq!(mode_of(&p, "out/string"), 0o604);
    assert_eq!(mode_of(&p, "out/short-string"), 0o755);
    assert_eq!(mode_of(&p, "out/symbolic"), 0o750);
    assert_eq!(mode_of(&p, "out/relative"), 0o740);
    assert!(out.contains("+    \"mode\": \"0740\","), "{out}");
}

#[test]
fn file_state_file_on_a_missing_path_fails() {
    let p = project(&play("- file: {path: \"{{ out }}/nope\", state: file}\n"));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    // Message from ansible-core 2.19.
    assert!(
        redact(&out.stdout, p.path()).contains("file ([ROOT]/out/nope) is absent, cannot continue"),
        "{}",
        out.describe()
    );
    assert!(!p.join("out/nope").exists());
}

#[test]
fn file_recurse_applies_symbolic_capital_x() {
    let (p, _) = cycle(
        "- file: {path: \"{{ out }}/tree\", state: directory, recurse: true, mode: \"u=rwX,g=rX,o=\"}\n",
        |p| {
            p.file_with_mode("out/tree/f", "a", 0o600)
                .file_with_mode("out/tree/sub/g", "b", 0o666);
            std::fs::set_permissions(
                p.join("out/tree/sub"),
                std::fs::Permissions::from_mode(0o777),
            )
            .unwrap();
        },
        1,
        &[],
    );
    // Same result as ansible-core 2.19: X gives x to directories only (the files had none).
    assert_eq!(mode_of(&p, "out/tree"), 0o750);
    assert_eq!(mode_of(&p, "out/tree/sub"), 0o750);
    assert_eq!(mode_of(&p, "out/tree/f"), 0o640);
    assert_eq!(mode_of(&p, "out/tree/sub/g"), 0o640);
}

// ---------------------------------------------------------------- lineinfile, blockinfile, replace

#[test]
fn lineinfile_regexp_insertbefore_and_absent() {
    let (p, _) = cycle(
        "- lineinfile: {path: \"{{ out }}/conf\", regexp: '^b=', line: b=3}\n\
         - lineinfile: {path: \"{{ out }}/conf\", line: c=4, insertbefore: '^# end'}\n\
         - lineinfile: {path: \"{{ out }}/conf\", regexp: '^a=', state: absent}\n",
        |p| {
            p.file_with_mode("out/conf", "a=1\nb=2\n# end\n", 0o644);
        },
        3,
        &[
            "--- before: [ROOT]/out/conf (content)",
            "+++ after: [ROOT]/out/conf (content)",
            "@@ -1,3 +1,3 @@",
            " a=1",
            "-b=2",
            "+b=3",
            " # end",
        ],
    );
    assert_eq!(p.read("out/conf"), "b=3\nc=4\n# end\n");
}

#[test]
fn lineinfile_create_makes_the_file_with_mode() {
    let (p, _) = cycle(
        "- lineinfile: {path: \"{{ out }}/new\", line: only, create: true, mode: \"0600\"}\n",
        no_setup,
        1,
        &[],
    );
    assert_eq!(p.read("out/new"), "only\n");
    assert_eq!(mode_of(&p, "out/new"), 0o600);
}

#[test]
fn lineinfile_missing_file_without_create_fails() {
    let p = project(&play("- lineinfile: {path: \"{{ out }}/none\", line: x}\n"));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    // ansible-core 2.19: "Destination <path> does not exist !" with rc 257.
    assert!(
        redact(&out.stdout, p.path()).contains("Destination [ROOT]/out/none does not exist !"),
        "{}",
        out.describe()
    );
}

#[test]
fn blockinfile_insert_then_custom_marker_then_remove() {
    let (p, _) = cycle(
        "- blockinfile: {path: \"{{ out }}/conf\", block: \"x\\ny\"}\n\
         - blockinfile: {path: \"{{ out }}/conf\", block: z, marker: \"// {mark} Z\", insertbefore: BOF}\n\
         - blockinfile: {path: \"{{ out }}/conf\", marker: \"# {mark} OLD\", state: absent}\n",
        |p| {
            p.file("out/conf", "keep\n# BEGIN OLD\nold\n# END OLD\n");
        },
        3,
        &[
            "@@ -2,3 +2,7 @@",
            " # BEGIN OLD",
            " old",
            " # END OLD",
            "+# BEGIN ANSIBLE MANAGED BLOCK",
            "+x",
            "+y",
            "+# END ANSIBLE MANAGED BLOCK",
        ],
    );
    assert_eq!(
        p.read("out/conf"),
        "// BEGIN Z\nz\n// END Z\nkeep\n# BEGIN ANSIBLE MANAGED BLOCK\nx\ny\n# END ANSIBLE MANAGED BLOCK\n"
    );
}

#[test]
fn replace_with_backreferences() {
    let (p, _) = cycle(
        "- replace: {path: \"{{ out }}/conf\", regexp: '(\\w+)=(\\d)', replace: '\\2:\\1'}\n",
        |p| {
            p.file("out/conf", "a=1\nb=2\n# end\n");
        },
        1,
        &[
            "--- before: [ROOT]/out/conf",
            "+++ after: [ROOT]/out/conf",
            "@@ -1,3 +1,3 @@",
            "-a=1",
            "-b=2",
            "+1:a",
            "+2:b",
            " # end",
        ],
    );
    assert_eq!(p.read("out/conf"), "1:a\n2:b\n# end\n");
}

#[test]
fn line_modules_and_filters_take_look_around_and_backreferences() {
    let p = project(&play(
        "- lineinfile: {path: \"{{ out }}/conf\", regexp: '^(?P<k>port)=(?!8080$)(\\d+)$', line: '\\g<k>=8080 # was \\2', backrefs: true}\n\
         - replace: {path: \"{{ out }}/conf\", regexp: '^(\\w+) \\1$', replace: '\\1'}\n\
         - copy:\n    dest: \"{{ out }}/filters\"\n    content: \"{{ 'v1.25.3' | regex_replace('(?<=v)(?P<major>\\\\d+)\\\\..*$', '\\\\g<major>') }}\"\n",
    ));
    p.file("out/conf", "port=80\nname name\n");
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/conf"), "port=8080 # was 80\nname\n");
    assert_eq!(p.read("out/filters"), "v1");
    // A second run changes nothing: the look-ahead keeps port=8080 from matching.
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(recap_of(&out, "localhost")[1], 0);
}

// ---------------------------------------------------------------- stat, debug, set_fact, assert, fail, ping

#[test]
fn stat_reports_existence_mode_size_and_type() {
    let p = project(&play(
        "- stat: {path: \"{{ out }}/f\"}\n  register: f\n\
         - stat: {path: \"{{ out }}/d\"}\n  register: d\n\
         - stat: {path: \"{{ out }}/none\"}\n  register: n\n\
         - copy:\n    dest: \"{{ out }}/result\"\n    content: \"{{ [f.stat.exists, f.stat.mode, f.stat.size, f.stat.isreg, d.stat.isdir, n.stat.exists] | join(' ') }}\"\n",
    ));
    p.file_with_mode("out/f", "12345", 0o640).dir("out/d");
    let out = drover(&p, &["--check"]);
    assert_code(&out, 0);
    // stat runs in check mode and never reports a change.
    assert_eq!(recap_of(&out, "localhost"), [4, 1, 0, 0, 0, 0, 0]);
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/result"), "True 0640 5 True True False");
}

#[test]
fn debug_msg_var_and_verbosity() {
    let p = project(&play(
        "- debug: {msg: \"sum={{ 1 + 2 }}\"}\n- debug: {var: answer}\n  vars: {answer: [1, {a: b}]}\n- debug: {msg: hidden, verbosity: 1}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_lines(
        &out.stdout,
        &["ok: [localhost] => {", "    \"msg\": \"sum=3\"", "}"],
    );
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => {",
            "    \"answer\": [",
            "        1,",
            "        {",
            "            \"a\": \"b\"",
            "        }",
            "    ]",
            "}",
        ],
    );
    // ansible-core 2.19: verbosity above the current level is skipped.
    assert_lines(&out.stdout, &["skipping: [localhost]"]);
    assert!(!out.stdout.contains("\"msg\": \"hidden\""));
    assert_eq!(recap_of(&out, "localhost"), [2, 0, 0, 0, 1, 0, 0]);
    let verbose = drover(&p, &["-v"]);
    assert!(
        verbose.stdout.contains("\"msg\": \"hidden\""),
        "{}",
        verbose.describe()
    );
}

#[test]
fn set_fact_persists_for_later_tasks_and_is_never_changed() {
    let p = project(&play(
        "- set_fact: {a: 1, b: \"{{ 2 * 3 }}\", c: [x]}\n- set_fact:\n    a: \"{{ a + 10 }}\"\n- copy: {content: \"{{ a }} {{ b }} {{ c | first }}\", dest: \"{{ out }}/r\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/r"), "11 6 x");
    assert_eq!(recap_of(&out, "localhost"), [3, 1, 0, 0, 0, 0, 0]);
}

#[test]
fn assert_passes_and_fails_with_fail_msg() {
    let p = project(&play(
        "- assert:\n    that: [\"1 < 2\", \"'a' in 'abc'\"]\n- assert:\n    that: x == 2\n    fail_msg: \"x was {{ x }}\"\n  vars: {x: 1}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    // ansible-core 2.19 output for a passing and a failing assert.
    assert_lines(
        &out.stdout,
        &[
            "ok: [localhost] => {",
            "    \"changed\": false,",
            "    \"msg\": \"All assertions passed\"",
            "}",
        ],
    );
    assert!(
        out.stdout.contains("\"msg\": \"x was 1\""),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("\"assertion\": \"x == 2\""),
        "{}",
        out.describe()
    );
    assert_eq!(recap_of(&out, "localhost"), [1, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn fail_stops_the_host_with_its_message() {
    let p = project(&play(
        "- fail: {msg: \"stop {{ 'here' }}\"}\n- copy: {content: x, dest: \"{{ out }}/after\"}\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert_lines(
        &out.stdout,
        &["fatal: [localhost]: FAILED! => {\"changed\": false, \"msg\": \"stop here\"}"],
    );
    assert!(!p.join("out/after").exists());
}

#[test]
fn ping_returns_pong() {
    let p = project(&play(
        "- ping:\n  register: r\n- copy: {content: \"{{ r.ping }}\", dest: \"{{ out }}/r\"}\n",
    ));
    let out = drover(&p, &["--check"]);
    assert_eq!(recap_of(&out, "localhost"), [2, 1, 0, 0, 0, 0, 0]);
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/r"), "pong");
}

#[test]
fn lineinfile_backrefs_insertafter_bof_and_replace_after() {
    let (p, _) = cycle(
        r#"- lineinfile: {path: "{{ out }}/f", regexp: '^port = (80)$', line: 'port = \1\1', backrefs: true}
- lineinfile: {path: "{{ out }}/f", regexp: '^nomatch (\d+)$', line: 'never \1', backrefs: true}
- lineinfile: {path: "{{ out }}/f", line: "after host", insertafter: '^host'}
- lineinfile: {path: "{{ out }}/f", line: "at bof", insertbefore: BOF}
- replace: {path: "{{ out }}/f", regexp: 'k=1', replace: 'k=2', after: '\[t\]'}
"#,
        |p| {
            p.file("out/f", "port = 80\nhost = a\n# tail\n[s]\nk=1\n[t]\nk=1\n");
        },
        4,
        &[],
    );
    // Same bytes as ansible-core 2.19: backrefs without a match leaves the file alone, `after`
    // limits replace to the text after the match.
    assert_eq!(
        p.read("out/f"),
        "at bof\nport = 8080\nhost = a\nafter host\n# tail\n[s]\nk=1\n[t]\nk=2\n"
    );
}

#[test]
fn copy_remote_src_and_backup() {
    let p = project(&play(
        r#"- copy: {src: "{{ out }}/f", dest: "{{ out }}/g", remote_src: true, mode: "0600"}
- copy: {content: "v2\n", dest: "{{ out }}/b", backup: true}
  register: bk
- copy: {content: "{{ bk.backup_file | default('none') | basename }}", dest: "{{ out }}/backup-name"}
"#,
    ));
    p.file("out/f", "remote\n").file("out/b", "v1\n");
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(p.read("out/g"), "remote\n");
    assert_eq!(mode_of(&p, "out/g"), 0o600);
    assert_eq!(p.read("out/b"), "v2\n");
    let backup = p.read("out/backup-name");
    // ansible-core 2.19 names backups `<name>.<pid>.<YYYY-MM-DD@HH:MM:SS>~`.
    assert!(
        backup.starts_with("b.") && backup.ends_with('~'),
        "{backup}"
    );
    assert_eq!(p.read(format!("out/{backup}")), "v1\n");
    let again = drover(&p, &[]);
    assert_eq!(
        recap_of(&again, "localhost")[1],
        1,
        "only the backup-name copy may change\n{}",
        again.describe()
    );
}

#[test]
fn every_file_module_accepts_the_common_file_arguments_and_says_it_ignores_selinux_ones() {
    let p = project(&play(
        "- copy: {content: \"c\\n\", dest: \"{{ out }}/c\", setype: etc_t}\n\
         - template: {src: t.j2, dest: \"{{ out }}/t\", attr: +i}\n\
         - file: {path: \"{{ out }}/d\", state: directory, seuser: system_u}\n\
         - lineinfile: {path: \"{{ out }}/c\", line: l, attributes: +a}\n",
    ));
    p.file("templates/t.j2", "t\n");
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_eq!(recap_of(&out, "localhost")[1], 4, "{}", out.describe());
    assert_eq!(p.read("out/c"), "c\nl\n");
    assert_eq!(p.read("out/t"), "t\n");
    for name in ["setype", "attributes", "seuser"] {
        let warning = format!("[WARNING]: drover does not support '{name}'; it was ignored");
        assert!(
            out.stderr.contains(&warning),
            "{warning}\n{}",
            out.describe()
        );
    }
}

#[test]
fn tempfile_makes_private_files_and_directories_and_skips_in_check_mode() {
    let p = project(&play(
        "- tempfile:\n    path: \"{{ out }}\"\n    prefix: \"-pre.\"\n    suffix: .txt\n  register: f\n- tempfile:\n    state: directory\n    path: \"{{ out }}\"\n  register: d\n- copy:\n    content: \"{{ f.path | basename }} {{ f.mode }} {{ f.state }} {{ d.path | basename }} {{ d.mode }} {{ d.state }} {{ f is changed }}\\n\"\n    dest: \"{{ out }}/report\"\n",
    ));
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    let report = std::fs::read_to_string(p.join("out/report")).expect("report");
    let words: Vec<&str> = report.split_whitespace().collect();
    assert!(
        words[0].starts_with("-pre.") && words[0].ends_with(".txt"),
        "{report}"
    );
    assert_eq!(words[0].len(), "-pre.".len() + 8 + ".txt".len(), "{report}");
    assert_eq!(&words[1..3], &["0600", "file"], "{report}");
    assert!(words[3].starts_with("ansible."), "{report}");
    assert_eq!(&words[4..], &["0700", "directory", "True"], "{report}");
    assert_eq!(mode_of(&p, &format!("out/{}", words[0])) & 0o777, 0o600);
    let p = project(&play("- tempfile:\n    path: \"{{ out }}\"\n"));
    let check = drover(&p, &["--check"]);
    assert_code(&check, 0);
    assert!(
        check.stdout.contains("skipping: [localhost]"),
        "{}",
        check.describe()
    );
    let made = std::fs::read_dir(p.join("out")).expect("out").count();
    assert_eq!(made, 0, "check mode made a file");
}
