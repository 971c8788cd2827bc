//! Every module scenario, once on the local connection and once over SSH: the same playbook must
//! give the same result whichever way drover reaches the host.
//!
//! A scenario is a list of tasks (plus handlers and the controller-side files they use) and a
//! `setup` that prepares the host's directory `out/`. For each connection, in a fresh project:
//!
//! 1. `--check --diff` leaves `out/` exactly as set up;
//! 2. a plain run applies the scenario (and changes something);
//! 3. a second run reports `changed=0` and leaves `out/` as the first left it.
//!
//! Then the two connections are compared: exit codes, every recap, the redacted output of each
//! run, and the trees `out/` ended with (paths to `out/` normalised), must all be identical.
//! The SSH host is a harness sshd on this machine, so both connections write to the same kind
//! of directory as the same user.

use std::path::Path;

use drover_test::sshd::SshdHost;
use drover_test::{
    Project, Recap, RunOutput, TreeEntry, diff_trees, normalize_tree, parse_recap, redact,
    snapshot_tree, text_diff,
};

use crate::modules::indent;
use crate::ssh::{Inventory, drover_cmd, lo, start_hosts};

/// One scenario: tasks and handlers (written at column 0), controller-side files, and what
/// `out/` holds before the first run.
struct Scenario {
    tasks: &'static str,
    handlers: &'static str,
    files: &'static [(&'static str, &'static str, u32)],
    setup: fn(&Path),
}

/// How the host is reached.
#[derive(Clone, Copy)]
enum Via<'a> {
    Local,
    Ssh(&'a SshdHost),
}

impl Via<'_> {
    fn label(&self) -> &'static str {
        match self {
            Via::Local => "local",
            Via::Ssh(_) => "ssh",
        }
    }
}

/// What one connection produced.
struct Outcome {
    codes: [Option<i32>; 3],
    recaps: [Recap; 3],
    stdouts: [String; 3],
    tree: std::collections::BTreeMap<String, TreeEntry>,
}

fn playbook(sc: &Scenario) -> String {
    let mut s = String::from(
        "- name: scenario\n  hosts: all\n  gather_facts: false\n  vars:\n    name: drover\n    \
         users: [ann, bob]\n  tasks:\n",
    );
    s.push_str(&indent(sc.tasks, 4));
    if !sc.handlers.is_empty() {
        s.push_str("  handlers:\n");
        s.push_str(&indent(sc.handlers, 4));
    }
    s
}

fn recap_or_panic(out: &RunOutput, what: &str) -> Recap {
    *parse_recap(&out.stdout)
        .get("target")
        .unwrap_or_else(|| panic!("{what}: no recap for target\n{}", out.describe()))
}

fn run_via(sc: &Scenario, via: Via<'_>) -> Outcome {
    let label = via.label();
    let p = Project::new();
    p.file("playbook.yml", playbook(sc)).dir("out");
    for (rel, text, mode) in sc.files {
        p.file_with_mode(rel, text, *mode);
    }
    let inventory = match via {
        Via::Local => {
            Inventory::new().host("target", &[("ansible_connection", "local".to_owned())])
        }
        Via::Ssh(server) => Inventory::new().ssh("target", server, "root", &[]),
    };
    inventory.write(&p);
    let out_dir = p.join("out");
    (sc.setup)(&out_dir);
    let out_arg = format!("out={}", out_dir.display());
    let run = |extra: &[&str]| {
        let mut args = vec!["-e", out_arg.as_str()];
        args.extend_from_slice(extra);
        drover_cmd(&p, &args).run()
    };

    let fresh = snapshot_tree(&out_dir);
    let check = run(&["--check", "--diff"]);
    let check_recap = recap_or_panic(&check, &format!("{label} --check"));
    assert_eq!(
        check_recap[2],
        0,
        "{label}: unreachable in --check\n{}",
        check.describe()
    );
    if let Some(d) = diff_trees("set up", &fresh, "after --check", &snapshot_tree(&out_dir)) {
        panic!(
            "{label}: --check wrote to the host:\n{d}\n{}",
            check.describe()
        );
    }

    let apply = run(&[]);
    let apply_recap = recap_or_panic(&apply, &format!("{label} apply"));
    assert!(
        apply_recap[1] > 0,
        "{label}: the scenario changed nothing\n{}",
        apply.describe()
    );
    let applied = snapshot_tree(&out_dir);

    let again = run(&[]);
    let again_recap = recap_or_panic(&again, &format!("{label} second run"));
    assert_eq!(
        again_recap[1],
        0,
        "{label}: the second run changed something\n{}",
        again.describe()
    );
    if let Some(d) = diff_trees(
        "after run 1",
        &applied,
        "after run 2",
        &snapshot_tree(&out_dir),
    ) {
        panic!(
            "{label}: the second run changed the host:\n{d}\n{}",
            again.describe()
        );
    }

    let mut tree = applied;
    normalize_tree(&mut tree, &out_dir.display().to_string(), "[OUT]");
    let clean = |o: &RunOutput| redact(&o.stdout, p.path());
    Outcome {
        codes: [check.code, apply.code, again.code],
        recaps: [check_recap, apply_recap, again_recap],
        stdouts: [clean(&check), clean(&apply), clean(&again)],
        tree,
    }
}

/// Runs `sc` locally and over SSH (at the same time) and compares the two.
fn both(address: u8, sc: &Scenario) {
    let servers = start_hosts(&[lo(address)]);
    let (local, ssh) = std::thread::scope(|s| {
        let local = s.spawn(|| run_via(sc, Via::Local));
        let ssh = run_via(sc, Via::Ssh(&servers[0]));
        let local = local
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (local, ssh)
    });
    let runs = ["--check --diff", "first run", "second run"];
    for (i, run) in runs.iter().enumerate() {
        assert_eq!(
            local.codes[i], ssh.codes[i],
            "{run}: exit codes differ (local, ssh)\n--- local ---\n{}\n--- ssh ---\n{}",
            local.stdouts[i], ssh.stdouts[i]
        );
        assert_eq!(
            local.recaps[i], ssh.recaps[i],
            "{run}: recaps differ (local, ssh)\n--- local ---\n{}\n--- ssh ---\n{}",
            local.stdouts[i], ssh.stdouts[i]
        );
        if local.stdouts[i] != ssh.stdouts[i] {
            panic!(
                "{run}: output differs\n{}",
                text_diff("local", &local.stdouts[i], "ssh", &ssh.stdouts[i])
            );
        }
    }
    if let Some(d) = diff_trees("local", &local.tree, "ssh", &ssh.tree) {
        panic!("the hosts' trees differ:\n{d}");
    }
    for (i, run) in runs.iter().enumerate() {
        assert_eq!(local.codes[i], Some(0), "{run}\n{}", local.stdouts[i]);
    }
}

fn write(dir: &Path, rel: &str, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

fn nothing(_: &Path) {}

macro_rules! scenarios {
    ($($name:ident @ $address:literal => $sc:expr;)*) => {
        $(
            #[test]
            fn $name() {
                both($address, &$sc);
            }
        )*
    };
}

scenarios! {
    copy_content @ 60 => Scenario {
        tasks: r##"- copy:
    content: "hello\n"
    dest: "{{ out }}/a.txt"
    mode: "0640"
- name: replaces an existing file, keeping its mode
  copy:
    content: "replaced\n"
    dest: "{{ out }}/existing.txt"
- copy:
    content: "héllo ✓ {{ name }}\nno final newline"
    dest: "{{ out }}/unicode.txt"
- copy:
    content: "{{ {'k': [1, 2], 'a': 'b'} | to_nice_json }}"
    dest: "{{ out }}/data.json"
- name: force false leaves an existing file alone
  copy:
    content: "new\n"
    dest: "{{ out }}/keep.txt"
    force: false
"##,
        handlers: "",
        files: &[],
        setup: |out| {
            write(out, "existing.txt", "old\n", 0o604);
            write(out, "keep.txt", "kept\n", 0o644);
        },
    };

    copy_src @ 61 => Scenario {
        tasks: r##"- copy:
    src: one.txt
    dest: "{{ out }}/one.txt"
- name: a directory, by name
  copy:
    src: tree
    dest: "{{ out }}/"
- name: a directory's contents
  copy:
    src: tree/
    dest: "{{ out }}/flat/"
- copy:
    src: run.sh
    dest: "{{ out }}/run.sh"
    mode: preserve
- name: into an existing directory
  copy:
    src: one.txt
    dest: "{{ out }}/existing-dir"
"##,
        handlers: "",
        files: &[
            ("files/one.txt", "one\n", 0o644),
            ("files/tree/a.txt", "A\n", 0o644),
            ("files/tree/sub/b.txt", "B\n", 0o600),
            ("files/run.sh", "#!/bin/sh\necho run\n", 0o750),
        ],
        setup: |out| {
            std::fs::create_dir_all(out.join("existing-dir")).unwrap_or_else(|e| panic!("{e}"));
        },
    };

    template @ 62 => Scenario {
        tasks: r##"- template:
    src: t.j2
    dest: "{{ out }}/t.txt"
    mode: "0600"
- template:
    src: t.j2
    dest: "{{ out }}/t-trimmed.txt"
    trim_blocks: false
- name: replaces an existing file
  template:
    src: t.j2
    dest: "{{ out }}/old.txt"
"##,
        handlers: "",
        files: &[(
            "templates/t.j2",
            "{# a comment #}\nname={{ name }}\n{% for u in users %}\nuser {{ loop.index }}: {{ u | upper }}\n{% endfor %}\nhost={{ inventory_hostname }}\n",
            0o644,
        )],
        setup: |out| write(out, "old.txt", "old\n", 0o640),
    };

    file_states_and_modes @ 63 => Scenario {
        tasks: r##"- file:
    path: "{{ out }}/dir/sub"
    state: directory
    mode: "0750"
- name: mode of an existing file
  file:
    path: "{{ out }}/existing"
    mode: "0600"
- name: a relative link
  file:
    path: "{{ out }}/link"
    src: existing
    state: link
- name: an absolute link into a directory made by this run
  file:
    path: "{{ out }}/dir/abs-link"
    src: "{{ out }}/existing"
    state: link
    force: true
- file:
    path: "{{ out }}/hard"
    src: "{{ out }}/existing"
    state: hard
- file:
    path: "{{ out }}/gone"
    state: absent
- file:
    path: "{{ out }}/gone-dir"
    state: absent
- file:
    path: "{{ out }}/stamp"
    state: touch
    mode: "0640"
    modification_time: preserve
    access_time: preserve
- name: recursive mode
  file:
    path: "{{ out }}/tree"
    state: directory
    mode: "u=rwX,g=rX,o="
    recurse: true
"##,
        handlers: "",
        files: &[],
        setup: |out| {
            write(out, "existing", "data\n", 0o644);
            write(out, "gone", "bye\n", 0o644);
            write(out, "gone-dir/inner/f", "bye\n", 0o644);
            write(out, "tree/a", "a\n", 0o666);
            write(out, "tree/sub/b", "b\n", 0o700);
        },
    };

    lineinfile @ 64 => Scenario {
        tasks: r##"- lineinfile:
    path: "{{ out }}/conf"
    regexp: "^port="
    line: "port=8080"
- lineinfile:
    path: "{{ out }}/conf"
    line: "after=1"
    insertafter: "^host="
- lineinfile:
    path: "{{ out }}/conf"
    regexp: "^debug="
    state: absent
- lineinfile:
    path: "{{ out }}/conf"
    line: "# first"
    insertbefore: BOF
- lineinfile:
    path: "{{ out }}/new"
    line: "created"
    create: true
    mode: "0600"
- name: backrefs, no match leaves the file alone
  lineinfile:
    path: "{{ out }}/conf"
    regexp: "^nomatch=(.*)"
    line: "x=\\1"
    backrefs: true
"##,
        handlers: "",
        files: &[],
        setup: |out| write(out, "conf", "# config\nport=80\nhost=old\ndebug=true\n", 0o640),
    };

    blockinfile @ 65 => Scenario {
        tasks: r##"- blockinfile:
    path: "{{ out }}/f"
    block: |
      x=1
      y=2
- blockinfile:
    path: "{{ out }}/f"
    marker: "<!-- {mark} custom -->"
    block: "inner"
    insertbefore: BOF
- blockinfile:
    path: "{{ out }}/g"
    block: "created"
    create: true
- name: removes a block
  blockinfile:
    path: "{{ out }}/f"
    marker: "# {mark} OLD"
    state: absent
"##,
        handlers: "",
        files: &[],
        setup: |out| write(out, "f", "a\n# BEGIN OLD\nold\n# END OLD\nb\n", 0o644),
    };

    replace @ 66 => Scenario {
        tasks: r##"- replace:
    path: "{{ out }}/f"
    regexp: 'host=(\w+)'
    replace: 'name=\1'
- replace:
    path: "{{ out }}/f"
    regexp: 'port=2$'
    replace: 'port=22'
- name: nothing to replace
  replace:
    path: "{{ out }}/f"
    regexp: 'absent-text'
    replace: 'x'
"##,
        handlers: "",
        files: &[],
        setup: |out| write(out, "f", "host=alpha port=1\nhost=beta port=2\n", 0o600),
    };

    command_and_shell @ 67 => Scenario {
        tasks: r##"- command: cat
  args:
    stdin: "from stdin"
  register: cat_out
  changed_when: false
  check_mode: false
- command: pwd
  args:
    chdir: "{{ out }}/work"
  register: pwd_out
  changed_when: false
  check_mode: false
- shell: "echo one; echo two >&2; printf 'a|b' | tr '|' '-'"
  register: sh_out
  changed_when: false
  check_mode: false
- command: touch made-by-creates
  args:
    chdir: "{{ out }}"
    creates: "{{ out }}/made-by-creates"
- command: "rm -f {{ out }}/to-remove"
  args:
    removes: "{{ out }}/to-remove"
- name: already there
  command: "false"
  args:
    creates: "{{ out }}/work"
- command: "sh -c 'exit 3'"
  register: rc3
  failed_when: rc3.rc != 3
  changed_when: false
  check_mode: false
- copy:
    content: |
      cat={{ cat_out.stdout }}
      pwd={{ pwd_out.stdout | replace(out, '[OUT]') }}
      sh={{ sh_out.stdout_lines | join(',') }} err={{ sh_out.stderr }} rc={{ sh_out.rc }}
      rc3={{ rc3.rc }}
    dest: "{{ out }}/results.txt"
"##,
        handlers: "",
        files: &[],
        setup: |out| {
            std::fs::create_dir_all(out.join("work")).unwrap_or_else(|e| panic!("{e}"));
            write(out, "to-remove", "x\n", 0o644);
        },
    };

    stat @ 68 => Scenario {
        tasks: r##"- stat:
    path: "{{ out }}/f"
  register: f
- stat:
    path: "{{ out }}/d"
  register: d
- stat:
    path: "{{ out }}/missing"
  register: m
- stat:
    path: "{{ out }}/l"
  register: l
- copy:
    content: |
      f: {{ f.stat.exists }} {{ f.stat.isreg }} {{ f.stat.mode }} {{ f.stat.size }} {{ f.stat.checksum }}
      d: {{ d.stat.isdir }} {{ d.stat.mode }}
      m: {{ m.stat.exists }}
      l: {{ l.stat.islnk }} {{ l.stat.lnk_target }}
    dest: "{{ out }}/stat.txt"
"##,
        handlers: "",
        files: &[],
        setup: |out| {
            write(out, "f", "12345\n", 0o640);
            std::fs::create_dir_all(out.join("d")).unwrap_or_else(|e| panic!("{e}"));
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(out.join("d"), std::fs::Permissions::from_mode(0o711))
                .unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink("f", out.join("l")).unwrap_or_else(|e| panic!("{e}"));
        },
    };

    debug_set_fact_assert_fail @ 69 => Scenario {
        tasks: r##"- set_fact:
    greeting: hello
    numbers: [3, 1, 2]
- set_fact:
    total: "{{ numbers | sum }}"
- assert:
    that:
      - greeting == 'hello'
      - total | int == 6
    fail_msg: bad facts
- debug:
    msg: "{{ greeting }} {{ numbers | sort }}"
- debug:
    var: total
- fail:
    msg: deliberate
  ignore_errors: true
- assert:
    that: numbers | length == 4
    fail_msg: "not four: {{ numbers | length }}"
  ignore_errors: true
- copy:
    content: "{{ greeting }} {{ total }} {{ numbers | sort | join(',') }}\n"
    dest: "{{ out }}/facts.txt"
"##,
        handlers: "",
        files: &[],
        setup: nothing,
    };

    handlers @ 70 => Scenario {
        tasks: r##"- copy:
    content: "v1\n"
    dest: "{{ out }}/config"
  notify: restart
- name: unchanged, so no notification
  copy:
    content: "same\n"
    dest: "{{ out }}/unchanged"
  notify: other
- copy:
    content: "listened\n"
    dest: "{{ out }}/topic-source"
  notify: a topic
"##,
        handlers: r##"- name: restart
  copy:
    content: "restarted\n"
    dest: "{{ out }}/restarted"
- name: other
  copy:
    content: "must not run\n"
    dest: "{{ out }}/other"
- name: listener
  copy:
    content: "heard\n"
    dest: "{{ out }}/heard"
  listen: a topic
"##,
        files: &[],
        setup: |out| write(out, "unchanged", "same\n", 0o644),
    };

    block_rescue_always @ 71 => Scenario {
        tasks: r##"- block:
    - copy:
        content: "in block\n"
        dest: "{{ out }}/block"
    - fail:
        msg: boom
    - copy:
        content: "never\n"
        dest: "{{ out }}/never"
  rescue:
    - copy:
        content: "rescued: {{ ansible_failed_result.msg }}\n"
        dest: "{{ out }}/rescue"
  always:
    - copy:
        content: "always\n"
        dest: "{{ out }}/always"
- name: after the block
  copy:
    content: "after\n"
    dest: "{{ out }}/after"
"##,
        handlers: "",
        files: &[],
        setup: nothing,
    };
}
