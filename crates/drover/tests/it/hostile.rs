//! Hostile values through the real `drover` binary: quotes, `$(...)`, backticks, `;`, `&&`,
//! redirections, newlines, leading dashes, spaces, globs, backslashes, non-ASCII and very long
//! strings, used as command argv, in `shell` through `| quote`, and as paths and contents of
//! copy, template, file, lineinfile and blockinfile.
//!
//! Every payload that a shell would run tries to create a file named `PWNED` (relative, so in
//! whatever directory the shell runs in, or in an absolute place under the project). After each
//! run the intended files must exist with exactly the intended bytes, and no `PWNED` may exist
//! in the project, the working directory, `$HOME` or `/tmp`.

use std::path::{Path, PathBuf};

use drover_test::Project;

use crate::modules::{LOCAL_INVENTORY, assert_code, drover_raw, play};

/// Values that would run `touch PWNED` (or write a file) if they ever reached a shell unquoted,
/// plus other awkward ones. None contains `/` (they are also used as file names), none ends
/// with a newline (command output loses trailing newlines), none holds `{{`/`{%`, and none holds
/// `$NAME` or starts with `~`: Ansible expands those on purpose in command arguments and in
/// path arguments (see `path_arguments_expand_environment_variables_like_ansible`).
fn hostile_names() -> Vec<String> {
    let mut v: Vec<String> = [
        "$(touch PWNED)",
        "`touch PWNED`",
        "; touch PWNED",
        "a;touch PWNED;b",
        "x && touch PWNED",
        "x || touch PWNED",
        "x | touch PWNED",
        "> PWNED",
        "' ; touch PWNED ; '",
        "\" ; touch PWNED ; \"",
        "'$(touch PWNED)'",
        "\"$(touch PWNED)\"",
        "\\'; touch PWNED; echo \\'",
        "new\ntouch PWNED\nline",
        "tab\there",
        "-rf",
        "--help",
        "-",
        " spaced  name ",
        "*",
        "?[ab]*",
        "back\\slash\\n",
        "%s%n%d",
        "ünïcødé ☃ 日本",
        "#not a comment",
        "key=value other='x'",
        "!bang",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // A file name near the 255-byte limit.
    v.push(format!("long-{}", "x".repeat(240)));
    v
}

/// Every `PWNED` that exists now under `dirs` (recursively for the project).
fn pwned_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name() == "PWNED" {
                found.push(path.clone());
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    found
}

/// Places outside the project where a relative `touch PWNED` could land.
fn outside_places() -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from("/tmp/PWNED"), PathBuf::from("/PWNED")];
    if let Some(home) = std::env::var_os("HOME") {
        v.push(Path::new(&home).join("PWNED"));
    }
    if let Ok(cwd) = std::env::current_dir() {
        v.push(cwd.join("PWNED"));
    }
    v
}

/// Runs the playbook with the hostile values as `-e @vals.json` (`vals`: the list), from a
/// working directory `work/` inside the project, and checks no `PWNED` appeared anywhere.
fn run_hostile(tasks: &str, setup: impl Fn(&Project)) -> Project {
    let p = Project::new();
    let vals = serde_json::json!({ "vals": hostile_names() });
    p.file("playbook.yml", play(tasks))
        .file("inv.yml", LOCAL_INVENTORY)
        .file("vals.json", serde_json::to_string_pretty(&vals).unwrap())
        .dir("out")
        .dir("work");
    setup(&p);
    let outside_before: Vec<bool> = outside_places().iter().map(|p| p.exists()).collect();
    let out_var = format!("out={}", p.join("out").display());
    let playbook = p.join("playbook.yml").display().to_string();
    let inv = p.join("inv.yml").display().to_string();
    let vals = format!("@{}", p.join("vals.json").display());
    let out = drover_test::Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .args(["run", &playbook, "-i", &inv, "-e", &out_var, "-e", &vals])
        .current_dir(p.join("work"))
        .run();
    assert_code(&out, 0);
    let pwned = pwned_under(p.path());
    assert!(
        pwned.is_empty(),
        "a payload ran: {pwned:?}\n{}",
        out.describe()
    );
    for (place, existed) in outside_places().iter().zip(outside_before) {
        assert!(
            existed || !place.exists(),
            "a payload ran: {} exists\n{}",
            place.display(),
            out.describe()
        );
    }
    p
}

/// Reads a file under `out/<dir>/<name>` as bytes.
fn read_bytes(p: &Project, dir: &str, name: &str) -> Vec<u8> {
    let path = p.join("out").join(dir).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {:?}: {e}", path))
}

#[test]
fn command_argv_string_form_and_shell_keep_every_value_exact() {
    let p = run_hostile(
        r#"- name: argv
  command:
    argv: [printf, "%s", "{{ item }}"]
  loop: "{{ vals }}"
  register: argv
- name: string form with quote
  command: "printf %s {{ item | quote }}"
  loop: "{{ vals }}"
  register: quoted
- name: shell with quote
  shell: "printf %s {{ item | quote }}"
  loop: "{{ vals }}"
  register: shelled
- name: shell with quote, into a file named by the index
  shell: "printf '%s' {{ item | quote }} > {{ (out ~ '/sh-' ~ i) | quote }}"
  loop: "{{ vals }}"
  loop_control: {index_var: i}
- copy:
    dest: "{{ out }}/results.json"
    content: "{{ {'argv': argv.results | map(attribute='stdout') | list, 'quoted': quoted.results | map(attribute='stdout') | list, 'shelled': shelled.results | map(attribute='stdout') | list} | to_json }}"
"#,
        |_| {},
    );
    let names = hostile_names();
    let results: serde_json::Value =
        serde_json::from_str(&p.read("out/results.json")).expect("results are JSON");
    for key in ["argv", "quoted", "shelled"] {
        let got: Vec<String> = serde_json::from_value(results[key].clone()).unwrap();
        assert_eq!(got, names, "{key}");
    }
    for (i, name) in names.iter().enumerate() {
        assert_eq!(p.read(format!("out/sh-{i}")), *name);
    }
}

#[test]
fn file_modules_use_hostile_names_and_contents_literally() {
    let p = run_hostile(
        r#"- file: {path: "{{ out }}/{{ item }}", state: directory}
  loop: [copy, tpl, touch, dirs, links, lif, bif]
- name: copy
  copy: {content: "{{ item }}", dest: "{{ out }}/copy/{{ item }}", mode: "0640"}
  loop: "{{ vals }}"
- name: template
  template: {src: t.j2, dest: "{{ out }}/tpl/{{ item }}"}
  loop: "{{ vals }}"
- name: touch
  file: {path: "{{ out }}/touch/{{ item }}", state: touch, mode: "0600"}
  loop: "{{ vals }}"
- name: directory
  file: {path: "{{ out }}/dirs/{{ item }}", state: directory, mode: "0750"}
  loop: "{{ vals }}"
- name: symlink to a hostile target
  file: {path: "{{ out }}/links/{{ item }}", src: "{{ item }}", state: link, force: true}
  loop: "{{ vals }}"
- name: lineinfile
  lineinfile: {path: "{{ out }}/lif/{{ item }}", line: "{{ item }}", create: true}
  loop: "{{ vals }}"
- name: blockinfile
  blockinfile: {path: "{{ out }}/bif/{{ item }}", block: "{{ item }}", create: true}
  loop: "{{ vals }}"
"#,
        |p| {
            p.file("templates/t.j2", "[{{ item }}]\n");
        },
    );
    use std::os::unix::fs::PermissionsExt;
    for name in hostile_names() {
        assert_eq!(
            read_bytes(&p, "copy", &name),
            name.as_bytes(),
            "copy {name:?}"
        );
        let meta = std::fs::metadata(p.join("out/copy").join(&name)).unwrap();
        assert_eq!(
            meta.permissions().mode() & 0o7777,
            0o640,
            "copy mode {name:?}"
        );
        assert_eq!(
            read_bytes(&p, "tpl", &name),
            format!("[{name}]\n").as_bytes(),
            "template {name:?}"
        );
        assert_eq!(read_bytes(&p, "touch", &name), b"", "touch {name:?}");
        let dir = p.join("out/dirs").join(&name);
        assert!(dir.is_dir(), "directory {name:?}");
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777,
            0o750
        );
        let link = std::fs::read_link(p.join("out/links").join(&name)).unwrap();
        assert_eq!(link, Path::new(&name), "link target {name:?}");
        assert_eq!(
            read_bytes(&p, "lif", &name),
            format!("{name}\n").as_bytes(),
            "lineinfile {name:?}"
        );
        assert_eq!(
            read_bytes(&p, "bif", &name),
            format!("# BEGIN ANSIBLE MANAGED BLOCK\n{name}\n# END ANSIBLE MANAGED BLOCK\n")
                .as_bytes(),
            "blockinfile {name:?}"
        );
    }
    // Nothing else was created: one entry per value in each directory (globs did not expand).
    for dir in ["copy", "tpl", "touch", "dirs", "links", "lif", "bif"] {
        let count = std::fs::read_dir(p.join("out").join(dir)).unwrap().count();
        assert_eq!(count, hostile_names().len(), "entries in out/{dir}");
    }
}

#[test]
fn second_run_with_hostile_names_changes_nothing() {
    let tasks = r#"- file: {path: "{{ out }}/c", state: directory}
- copy: {content: "{{ item }}", dest: "{{ out }}/c/{{ item }}"}
  loop: "{{ vals }}"
- file: {path: "{{ out }}/c/{{ item }}", mode: "u=rw,g=,o="}
  loop: "{{ vals }}"
"#;
    let p = run_hostile(tasks, |_| {});
    let before = drover_test::snapshot_tree(&p.join("out"));
    let out_var = format!("out={}", p.join("out").display());
    let again = drover_raw(
        &p,
        &[
            "run",
            "playbook.yml",
            "-i",
            "inv.yml",
            "-e",
            &out_var,
            "-e",
            "@vals.json",
        ],
    );
    assert_code(&again, 0);
    assert_eq!(
        crate::modules::recap_of(&again, "localhost")[1],
        0,
        "{}",
        again.describe()
    );
    assert_eq!(before, drover_test::snapshot_tree(&p.join("out")));
    assert!(pwned_under(p.path()).is_empty());
}

#[test]
fn very_long_values_survive_argv_content_and_lineinfile() {
    let p = Project::new();
    let long_arg: String = "a'b\"c$(touch PWNED)`d` ".repeat(2500); // 57,500 bytes in one argument
    let long_content: String = (0..40_000)
        .map(|i| format!("line {i} $(touch PWNED)\n"))
        .collect(); // ~1 MB
    let vars = serde_json::json!({ "long_arg": long_arg, "long_content": long_content });
    p.file(
        "playbook.yml",
        play(
            r#"- command: {argv: [printf, "%s", "{{ long_arg }}"]}
  register: r
- copy: {content: "{{ r.stdout }}", dest: "{{ out }}/arg"}
- copy: {content: "{{ long_content }}", dest: "{{ out }}/content"}
- lineinfile: {path: "{{ out }}/content", line: "{{ long_arg }}"}
- shell: "printf %s {{ long_arg | quote }} | wc -c"
  register: wc
- copy: {content: "{{ wc.stdout | trim }}", dest: "{{ out }}/wc"}
"#,
        ),
    )
    .file("inv.yml", LOCAL_INVENTORY)
    .file("vars.json", serde_json::to_string(&vars).unwrap())
    .dir("out");
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
            "-e",
            "@vars.json",
        ],
    );
    assert_code(&out, 0);
    assert_eq!(p.read("out/arg"), long_arg);
    assert_eq!(p.read("out/content"), format!("{long_content}{long_arg}\n"));
    assert_eq!(p.read("out/wc"), long_arg.len().to_string());
    assert!(pwned_under(p.path()).is_empty());
}

#[test]
fn hostile_extra_vars_key_value_and_debug_output() {
    let p = Project::new();
    p.file(
        "playbook.yml",
        play(
            r#"- debug: {msg: "{{ v }}"}
- shell: "printf %s {{ v | quote }} > {{ out }}/v"
- copy: {content: "{{ v }}", dest: "{{ out }}/c"}
"#,
        ),
    )
    .file("inv.yml", LOCAL_INVENTORY)
    .dir("out");
    let out_var = format!("out={}", p.join("out").display());
    let value = "$(touch PWNED);`touch PWNED`|touch PWNED";
    let out = drover_raw(
        &p,
        &[
            "run",
            "playbook.yml",
            "-i",
            "inv.yml",
            "-e",
            &out_var,
            "-e",
            &format!("v='{value}'"),
        ],
    );
    assert_code(&out, 0);
    assert_eq!(p.read("out/v"), value);
    assert_eq!(p.read("out/c"), value);
    assert!(
        out.stdout.contains(&format!("\"msg\": \"{value}\"")),
        "{}",
        out.describe()
    );
    assert!(pwned_under(p.path()).is_empty());
}

#[test]
fn hostile_playbook_and_inventory_paths() {
    // The project itself lives under a directory whose name is hostile.
    let p = Project::new();
    let base = "dir $(touch PWNED) ; `touch PWNED` 'q' \"d\"";
    p.file(
        format!("{base}/playbook.yml"),
        play("- copy: {src: \"in file.txt\", dest: \"{{ playbook_dir }}/out/copied\"}\n- template: {src: \"t $(x).j2\", dest: \"{{ playbook_dir }}/out/t\"}\n- command: cat {{ (playbook_dir ~ '/out/copied') | quote }}\n  register: c\n- copy: {content: \"{{ c.stdout }}\", dest: \"{{ playbook_dir }}/out/cat\"}\n"),
    )
    .file(format!("{base}/inv.yml"), LOCAL_INVENTORY)
    .file(format!("{base}/files/in file.txt"), "payload $(touch PWNED)\n")
    .file(format!("{base}/templates/t $(x).j2"), "{{ playbook_dir | basename }}\n")
    .dir(format!("{base}/out"));
    let out = drover_raw(
        &p,
        &[
            "run",
            &format!("{base}/playbook.yml"),
            "-i",
            &format!("{base}/inv.yml"),
        ],
    );
    assert_code(&out, 0);
    assert_eq!(
        p.read(format!("{base}/out/copied")),
        "payload $(touch PWNED)\n"
    );
    assert_eq!(p.read(format!("{base}/out/cat")), "payload $(touch PWNED)");
    assert_eq!(p.read(format!("{base}/out/t")), format!("{base}\n"));
    assert!(pwned_under(p.path()).is_empty());
}

#[test]
fn path_arguments_expand_environment_variables_like_ansible() {
    // ansible-core 2.19 runs expandvars/expanduser on every `type=path` argument on the target:
    // copy and template `dest`, file `path`, lineinfile `path`.
    let p = Project::new();
    p.file(
        "playbook.yml",
        play(
            r#"- copy: {content: c, dest: "{{ out }}/$DROVER_T_SUB/copied"}
- template: {src: t.j2, dest: "{{ out }}/${DROVER_T_SUB}/templated"}
- file: {path: "{{ out }}/$DROVER_T_SUB/touched", state: touch}
- lineinfile: {path: "{{ out }}/$DROVER_T_SUB/lined", line: l, create: true}
"#,
        ),
    )
    .file("inv.yml", LOCAL_INVENTORY)
    .file("templates/t.j2", "t")
    .dir("out/sub");
    let out_var = format!("out={}", p.join("out").display());
    let out = drover_test::Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .args(["run", "playbook.yml", "-i", "inv.yml", "-e", &out_var])
        .env("DROVER_T_SUB", "sub")
        .current_dir(p.path())
        .run();
    assert_code(&out, 0);
    assert_eq!(p.read("out/sub/copied"), "c");
    assert_eq!(p.read("out/sub/templated"), "t");
    assert_eq!(p.read("out/sub/touched"), "");
    assert_eq!(p.read("out/sub/lined"), "l\n");
    assert!(!p.join("out/$DROVER_T_SUB").exists());
}

#[test]
fn command_output_and_file_lookups_are_never_templated() {
    // Data from a target or a file is not a template: ansible-core 2.19 keeps it literal even
    // after set_fact copies it, so the `pipe` lookups inside never run.
    let p = Project::new();
    p.file(
        "playbook.yml",
        play(
            r#"- command: {argv: [printf, "%s", "{{ '{{' }} lookup('pipe', 'touch PWNED') {{ '}}' }}"]}
  register: r
- set_fact: {copied: "{{ r.stdout }}", from_file: "{{ lookup('file', 'evil.txt') }}"}
- set_fact: {twice: "{{ copied }}"}
- copy: {content: "{{ copied }}|{{ from_file }}|{{ twice }}", dest: "{{ out }}/x"}
- template: {src: t.j2, dest: "{{ out }}/t"}
- debug: {msg: "{{ twice }}"}
"#,
        ),
    )
    .file("inv.yml", LOCAL_INVENTORY)
    .file("files/evil.txt", "{{ lookup('pipe', 'touch PWNED') }}")
    .file("templates/t.j2", "{{ copied }}/{{ from_file }}\n")
    .dir("out");
    let out_var = format!("out={}", p.join("out").display());
    let out = drover_raw(
        &p,
        &["run", "playbook.yml", "-i", "inv.yml", "-e", &out_var],
    );
    assert_code(&out, 0);
    assert!(
        pwned_under(p.path()).is_empty(),
        "a lookup inside data ran\n{}",
        out.describe()
    );
    let literal = "{{ lookup('pipe', 'touch PWNED') }}";
    assert_eq!(p.read("out/x"), format!("{literal}|{literal}|{literal}"));
    assert_eq!(p.read("out/t"), format!("{literal}/{literal}\n"));
}
