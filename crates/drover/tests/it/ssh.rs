//! drover over real OpenSSH servers (the harness in `drover_test::sshd`): fan-out to many hosts,
//! become with and without a password, unreachable hosts (refused, killed mid-run, changed host
//! key, blackholed address), Ctrl-C, `--forks` and `throttle`, and many commands over one
//! connection.
//!
//! Every "host" is this machine: an sshd on its own `127.0.0.x` address and port. Each host gets
//! its own directory through the inventory variable `d`, so what each one wrote can be checked
//! separately. The tests fail (never skip) when sshd is missing; those that need root (become,
//! the network namespace) fail without it too, saying so.
//!
//! The helpers at the top are shared with `over_ssh`.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::Ipv4Addr;
use std::os::unix::fs::MetadataExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use drover_test::sshd::{self, SshdHost, TEST_PASSWORD, TEST_USER, require_sshd};
use drover_test::{Cmd, EntryKind, Project, RunOutput, TreeEntry, format_recap, parse_recap};

use crate::modules::assert_code;

/// The drover binary under test.
pub(crate) const DROVER: &str = env!("CARGO_BIN_EXE_drover");

/// `127.0.0.n`.
pub(crate) fn lo(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, n)
}

/// Starts one sshd per address, all at once (key generation dominates the start-up).
pub(crate) fn start_hosts(addrs: &[Ipv4Addr]) -> Vec<SshdHost> {
    require_sshd();
    std::thread::scope(|s| {
        let started: Vec<_> = addrs
            .iter()
            .map(|&a| s.spawn(move || SshdHost::start(a)))
            .collect();
        started
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
pub(crate) fn yq(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|e| panic!("quote {s:?}: {e}"))
}

/// A YAML inventory built host by host; variable values are written verbatim (quote strings
/// with [`yq`]).
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    text: String,
}

impl Inventory {
    pub(crate) fn new() -> Self {
        Inventory {
            text: "all:\n  hosts:\n".to_owned(),
        }
    }

    /// A host reached over SSH on `server` as `user`, with the server's key and known_hosts,
    /// plus `vars`.
    pub(crate) fn ssh(
        self,
        name: &str,
        server: &SshdHost,
        user: &str,
        vars: &[(&str, String)],
    ) -> Self {
        let mut all = vec![
            ("ansible_host", server.addr().to_string()),
            ("ansible_port", server.port().to_string()),
            ("ansible_user", yq(user)),
            (
                "ansible_ssh_private_key_file",
                yq(&server.client_key().display().to_string()),
            ),
            (
                "ansible_ssh_common_args",
                yq(&format!(
                    "-o 'UserKnownHostsFile={}'",
                    server.known_hosts().display()
                )),
            ),
        ];
        all.extend(vars.iter().cloned());
        self.host(name, &all)
    }

    /// A host with exactly `vars`.
    pub(crate) fn host(mut self, name: &str, vars: &[(&str, String)]) -> Self {
        self.text.push_str(&format!("    {name}:\n"));
        if vars.is_empty() {
            self.text.truncate(self.text.len() - 1);
            self.text.push_str(" {}\n");
        }
        for (k, v) in vars {
            self.text.push_str(&format!("      {k}: {v}\n"));
        }
        self
    }

    /// Writes the inventory to `inv.yml` in the project.
    pub(crate) fn write(&self, p: &Project) {
        p.file("inv.yml", &self.text);
    }
}

/// `drover run playbook.yml -i inv.yml [args]` in the project root, with a 180 s timeout and
/// no `ANSIBLE_HOST_KEY_CHECKING` from the environment.
pub(crate) fn drover(p: &Project, args: &[&str]) -> RunOutput {
    drover_cmd(p, args).run()
}

/// The command [`drover`] runs, to add environment or change the timeout.
pub(crate) fn drover_cmd(p: &Project, args: &[&str]) -> Cmd {
    Cmd::new(DROVER)
        .args(["run", "playbook.yml", "-i", "inv.yml"])
        .args(args)
        .env_remove("ANSIBLE_HOST_KEY_CHECKING")
        .current_dir(p.path())
        .timeout(Duration::from_secs(180))
}

/// The recap of every host, showing the output when `expected` differs.
fn assert_recaps(out: &RunOutput, expected: &[(&str, [u32; 7])]) {
    let got = parse_recap(&out.stdout);
    let want: BTreeMap<String, [u32; 7]> = expected
        .iter()
        .map(|(h, r)| ((*h).to_owned(), *r))
        .collect();
    if got != want {
        let show = |m: &BTreeMap<String, [u32; 7]>| {
            m.iter()
                .map(|(h, r)| format!("  {h}: {}", format_recap(r)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "recap differs\nexpected:\n{}\ngot:\n{}\n{}",
            show(&want),
            show(&got),
            out.describe()
        );
    }
}

/// The recap of one host (panics when missing).
fn recap(out: &RunOutput, host: &str) -> [u32; 7] {
    *parse_recap(&out.stdout)
        .get(host)
        .unwrap_or_else(|| panic!("no recap line for {host}\n{}", out.describe()))
}

/// The test process's umask (sshd, started by the tests, passes it on to the commands it runs).
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        .unwrap_or(0o022)
}

/// The numeric id of a user.
fn uid_of(user: &str) -> u32 {
    let out = Command::new("id")
        .args(["-u", user])
        .output()
        .unwrap_or_else(|e| panic!("id -u {user}: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no uid for {user}"))
}

fn file_entry(mode: u32, data: &[u8]) -> TreeEntry {
    TreeEntry {
        kind: EntryKind::File,
        mode,
        data: data.to_vec(),
        links: 1,
    }
}

fn assert_tree(dir: &Path, expected: &BTreeMap<String, TreeEntry>, out: &RunOutput) {
    let got = drover_test::snapshot_tree(dir);
    if let Some(d) = drover_test::diff_trees("expected", expected, "got", &got) {
        panic!("{}:\n{d}\n{}", dir.display(), out.describe());
    }
}

/// Paths of every entry under `dir` whose name starts with one of `prefixes`.
fn stray_files(dir: &Path, prefixes: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| name.starts_with(p)) {
            found.push(e.path());
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(stray_files(&e.path(), prefixes));
        }
    }
    found
}

/// Processes (pid and command line) whose command line contains `needle`.
fn processes_with(needle: &str) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let line = String::from_utf8_lossy(&raw).replace('\0', " ");
        if line.contains(needle) {
            found.push((pid, line.trim().to_owned()));
        }
    }
    found
}

/// Polls `cond` every 20 ms until it holds or `limit` passes; returns whether it held.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Root is needed for become (the harness's sudoers and test user) and network namespaces.
fn require_root(what: &str) {
    assert!(
        sshd::is_root(),
        "{what} needs root (CI runs the tests as root; run ./scripts/test.sh as root)"
    );
}

/// The `fatal: [host]: UNREACHABLE! => {...}` line of `host`.
fn unreachable_line<'a>(out: &'a RunOutput, host: &str) -> &'a str {
    let prefix = format!("fatal: [{host}]: UNREACHABLE!");
    out.stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line\n{}", out.describe()))
}

// ---------------------------------------------------------------------------------------------
// 1. Fan-out
// ---------------------------------------------------------------------------------------------

const FANOUT_PLAYBOOK: &str = r#"- name: fan out
  hosts: all
  gather_facts: false
  vars:
    greeting: hello
  tasks:
    - name: host directory
      file:
        path: "{{ d }}"
        state: directory
        mode: "0750"
    - name: content
      copy:
        content: "host={{ inventory_hostname }} addr={{ ansible_host }}\n"
        dest: "{{ d }}/content.txt"
        mode: "0640"
    - name: binary file from the controller
      copy:
        src: payload.bin
        dest: "{{ d }}/payload.bin"
    - name: template
      template:
        src: motd.j2
        dest: "{{ d }}/motd"
    - name: a line
      lineinfile:
        path: "{{ d }}/conf"
        line: "extra=1"
        create: true
    - name: a command that runs once
      command: touch stamp
      args:
        chdir: "{{ d }}"
        creates: "{{ d }}/stamp"
"#;

const MOTD: &str = "{{ greeting }} from {{ inventory_hostname }} on port {{ ansible_port }}\n\
{% for i in range(3) %}{{ i }}{% endfor %}\n";

fn payload() -> Vec<u8> {
    (0..65536u32).map(|i| (i * 7 % 256) as u8).collect()
}

#[test]
fn fan_out_to_twelve_hosts_writes_each_hosts_files_and_is_idempotent() {
    let addrs: Vec<Ipv4Addr> = (2..=13).map(lo).collect();
    let servers = start_hosts(&addrs);
    let p = Project::new();
    let names: Vec<String> = (1..=12).map(|i| format!("h{i:02}")).collect();
    let mut inv = Inventory::new();
    for (name, s) in names.iter().zip(&servers) {
        let d = p.join("hosts").join(name);
        inv = inv.ssh(name, s, "root", &[("d", yq(&d.display().to_string()))]);
    }
    inv.write(&p);
    p.file("playbook.yml", FANOUT_PLAYBOOK)
        .file("files/payload.bin", payload())
        .file("templates/motd.j2", MOTD);

    let first = drover(&p, &["-f", "12"]);
    assert_code(&first, 0);
    let expected: Vec<(&str, [u32; 7])> = names
        .iter()
        .map(|n| (n.as_str(), [6, 6, 0, 0, 0, 0, 0]))
        .collect();
    assert_recaps(&first, &expected);

    let new_file = 0o666 & !umask();
    for (name, s) in names.iter().zip(&servers) {
        let mut want = BTreeMap::new();
        want.insert(
            "content.txt".to_owned(),
            file_entry(0o640, format!("host={name} addr={}\n", s.addr()).as_bytes()),
        );
        want.insert("payload.bin".to_owned(), file_entry(new_file, &payload()));
        want.insert(
            "motd".to_owned(),
            file_entry(
                new_file,
                format!("hello from {name} on port {}\n012\n", s.port()).as_bytes(),
            ),
        );
        want.insert("stamp".to_owned(), file_entry(new_file, b""));
        want.insert("conf".to_owned(), file_entry(new_file, b"extra=1\n"));
        let dir = p.join("hosts").join(name);
        assert_tree(&dir, &want, &first);
        let mode = std::fs::metadata(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(mode, 0o750, "mode of {}", dir.display());
    }
    assert_eq!(
        stray_files(&p.join("hosts"), &[".drover", "tmp"]),
        Vec::<PathBuf>::new(),
        "temp files left"
    );

    let before = drover_test::snapshot_tree(&p.join("hosts"));
    let second = drover(&p, &["-f", "12"]);
    assert_code(&second, 0);
    let expected: Vec<(&str, [u32; 7])> = names
        .iter()
        .map(|n| (n.as_str(), [6, 0, 0, 0, 0, 0, 0]))
        .collect();
    assert_recaps(&second, &expected);
    if let Some(d) = drover_test::diff_trees(
        "after run 1",
        &before,
        "after run 2",
        &drover_test::snapshot_tree(&p.join("hosts")),
    ) {
        panic!("the second run changed files:\n{d}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Become
// ---------------------------------------------------------------------------------------------

/// A project whose root the test user can traverse, with `shared/` (mode 0777) for both users
/// to write into.
fn become_project() -> Project {
    require_root("become");
    assert!(sshd::ensure_test_user(), "could not create {TEST_USER}");
    let p = Project::new();
    std::fs::set_permissions(p.path(), std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    p.dir("shared");
    std::fs::set_permissions(p.join("shared"), std::fs::Permissions::from_mode(0o777))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    p
}

fn owner(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .uid()
}

#[test]
fn become_root_to_test_user_without_password_owns_the_files() {
    let p = become_project();
    let servers = start_hosts(&[lo(14)]);
    Inventory::new()
        .ssh(
            "web",
            &servers[0],
            "root",
            &[("d", yq(&p.join("shared").display().to_string()))],
        )
        .write(&p);
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - name: as the test user
      become: true
      become_user: drovertest
      block:
        - copy:
            content: "mine\n"
            dest: "{{ d }}/by-user.txt"
        - file:
            path: "{{ d }}/user-dir"
            state: directory
        - command: id -un
          register: sudo_who
          changed_when: false
        - command: id -un
          register: su_who
          changed_when: false
          become_method: su
    - copy:
        content: "sudo={{ sudo_who.stdout }} su={{ su_who.stdout }}\n"
        dest: "{{ d }}/who.txt"
"#,
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert_recaps(&out, &[("web", [5, 3, 0, 0, 0, 0, 0])]);
    assert_eq!(p.read("shared/who.txt"), "sudo=drovertest su=drovertest\n");
    let test_uid = uid_of(TEST_USER);
    assert_eq!(
        owner(&p.join("shared/by-user.txt")),
        test_uid,
        "copy's file owner"
    );
    assert_eq!(
        owner(&p.join("shared/user-dir")),
        test_uid,
        "file's directory owner"
    );
    assert_eq!(
        owner(&p.join("shared/who.txt")),
        0,
        "without become: root's"
    );
    assert_eq!(p.read("shared/by-user.txt"), "mine\n");

    // The same from the command line: -b --become-user.
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      register: who
      changed_when: false
    - copy:
        content: "{{ who.stdout }}\n"
        dest: "{{ d }}/cli.txt"
"#,
    );
    let out = drover(&p, &["-b", "--become-user", TEST_USER]);
    assert_code(&out, 0);
    assert_eq!(p.read("shared/cli.txt"), "drovertest\n");
    assert_eq!(owner(&p.join("shared/cli.txt")), test_uid);
}

#[test]
fn become_with_a_password_works_and_never_shows_it() {
    let p = become_project();
    let servers = start_hosts(&[lo(15)]);
    let d = yq(&p.join("shared").display().to_string());
    Inventory::new()
        .ssh(
            "withpw",
            &servers[0],
            TEST_USER,
            &[
                ("d", d.clone()),
                ("ansible_become_password", yq(TEST_PASSWORD)),
            ],
        )
        .ssh("nopw", &servers[0], TEST_USER, &[("d", d)])
        .write(&p);
    p.file(
        "playbook.yml",
        r#"- name: to root with the test user's password
  hosts: withpw
  gather_facts: false
  become: true
  tasks:
    - command: id -un
      register: who
      changed_when: false
    - name: long enough to be seen in the process list
      command: sleep 1
      changed_when: false
    - copy:
        content: "{{ who.stdout }}\n"
        dest: "{{ d }}/root.txt"
- name: to nobody, NOPASSWD
  hosts: nopw
  gather_facts: false
  tasks:
    - command: id -un
      register: who
      changed_when: false
      become: true
      become_user: nobody
    - copy:
        content: "{{ who.stdout }}\n"
        dest: "{{ d }}/nobody.txt"
"#,
    );
    // The password must not be on any command line either (this machine is the remote host
    // too): sudo gets it on its standard input.
    let done = std::sync::atomic::AtomicBool::new(false);
    let (out, seen) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut seen = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                seen.extend(processes_with(TEST_PASSWORD));
                std::thread::sleep(Duration::from_millis(10));
            }
            seen
        });
        let out = drover(&p, &["-vvv"]);
        done.store(true, std::sync::atomic::Ordering::Release);
        (out, watcher.join().unwrap_or_default())
    });
    assert!(
        seen.is_empty(),
        "the password is on a command line: {seen:?}"
    );
    assert_code(&out, 0);
    assert_recaps(
        &out,
        &[
            ("withpw", [3, 1, 0, 0, 0, 0, 0]),
            ("nopw", [2, 1, 0, 0, 0, 0, 0]),
        ],
    );
    assert_eq!(p.read("shared/root.txt"), "root\n");
    assert_eq!(owner(&p.join("shared/root.txt")), 0);
    assert_eq!(p.read("shared/nobody.txt"), "nobody\n");
    assert_eq!(owner(&p.join("shared/nobody.txt")), uid_of(TEST_USER));
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(TEST_PASSWORD),
            "the become password appears in {name} with -vvv\n{}",
            out.describe()
        );
    }
}

#[test]
fn become_with_a_wrong_or_missing_password_fails_fast_without_showing_it() {
    let p = become_project();
    let servers = start_hosts(&[lo(16)]);
    let wrong = "wrong-Secret-0x5eed";
    let d = yq(&p.join("shared").display().to_string());
    Inventory::new()
        .ssh(
            "wrongpw",
            &servers[0],
            TEST_USER,
            &[("d", d.clone()), ("ansible_become_password", yq(wrong))],
        )
        .ssh("nopw", &servers[0], TEST_USER, &[("d", d.clone())])
        .ssh("fine", &servers[0], TEST_USER, &[("d", d)])
        .write(&p);
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      become: "{{ inventory_hostname != 'fine' }}"
      changed_when: false
    - copy:
        content: "reached\n"
        dest: "{{ d }}/{{ inventory_hostname }}.txt"
"#,
    );
    let started = Instant::now();
    let out = drover_cmd(&p, &["-vvv"])
        .timeout(Duration::from_secs(90))
        .run();
    let took = started.elapsed();
    assert!(
        !out.timed_out,
        "drover hung on a wrong password\n{}",
        out.describe()
    );
    assert_code(&out, 2);
    assert_recaps(
        &out,
        &[
            ("wrongpw", [0, 0, 0, 1, 0, 0, 0]),
            ("nopw", [0, 0, 0, 1, 0, 0, 0]),
            ("fine", [2, 1, 0, 0, 0, 0, 0]),
        ],
    );
    for host in ["wrongpw", "nopw"] {
        let prefix = format!("fatal: [{host}]: FAILED!");
        assert!(
            out.stdout.lines().any(|l| l.starts_with(&prefix)),
            "no `{prefix}`\n{}",
            out.describe()
        );
        assert!(!p.join(format!("shared/{host}.txt")).exists());
    }
    assert_eq!(p.read("shared/fine.txt"), "reached\n");
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(wrong),
            "the wrong become password appears in {name}\n{}",
            out.describe()
        );
    }
    // sudo waits about 2 s after a wrong password; it must not be asked again and again.
    assert!(
        took < Duration::from_secs(30),
        "took {took:?}\n{}",
        out.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Unreachable and failed hosts: exit codes
// ---------------------------------------------------------------------------------------------

const TWO_TASKS: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - file:
        path: "{{ d }}"
        state: directory
    - copy:
        content: "{{ inventory_hostname }}\n"
        dest: "{{ d }}/done"
"#;

#[test]
fn a_refusing_host_is_unreachable_the_others_finish_and_exit_is_4() {
    let servers = start_hosts(&[lo(17), lo(18)]);
    let p = Project::new();
    let dead_port = sshd::free_port(lo(19));
    let dir = |n: &str| yq(&p.join(n).display().to_string());
    Inventory::new()
        .ssh("a", &servers[0], "root", &[("d", dir("a"))])
        .host(
            "refusing",
            &[
                ("ansible_host", "127.0.0.19".to_owned()),
                ("ansible_port", dead_port.to_string()),
                ("ansible_user", "root".to_owned()),
                ("d", dir("refusing")),
            ],
        )
        .ssh("b", &servers[1], "root", &[("d", dir("b"))])
        .write(&p);
    // A later play leaves the unreachable host out, as Ansible does.
    p.file(
        "playbook.yml",
        format!(
            "{TWO_TASKS}- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        \
             content: \"play 2\\n\"\n        dest: \"{{{{ d }}}}/play2\"\n"
        ),
    );
    let out = drover_cmd(&p, &[]).timeout(Duration::from_secs(60)).run();
    assert_code(&out, 4);
    assert_recaps(
        &out,
        &[
            ("a", [3, 3, 0, 0, 0, 0, 0]),
            ("refusing", [0, 0, 1, 0, 0, 0, 0]),
            ("b", [3, 3, 0, 0, 0, 0, 0]),
        ],
    );
    assert_eq!(p.read("b/play2"), "play 2\n");
    assert_eq!(
        out.stdout.matches("fatal: [refusing]").count(),
        1,
        "tried the unreachable host again\n{}",
        out.describe()
    );
    let line = unreachable_line(&out, "refusing");
    assert!(line.contains("Connection refused"), "{line}");
    assert_eq!(p.read("a/done"), "a\n");
    assert_eq!(p.read("b/done"), "b\n");
    assert!(!p.join("refusing").exists());

    // Failures only, no unreachable host: exit 2.
    p.file(
        "playbook.yml",
        r#"- hosts: a:b
  gather_facts: false
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'a' else 'true' }}"
    - copy:
        content: "second\n"
        dest: "{{ d }}/done"
"#,
    );
    let out = drover(&p, &[]);
    assert_code(&out, 2);
    assert_recaps(
        &out,
        &[("a", [0, 0, 0, 1, 0, 0, 0]), ("b", [2, 2, 0, 0, 0, 0, 0])],
    );
    assert_eq!(p.read("a/done"), "a\n");
    assert_eq!(p.read("b/done"), "second\n");
}

// ---------------------------------------------------------------------------------------------
// 4. sshd dies during a task
// ---------------------------------------------------------------------------------------------

#[test]
fn sshd_killed_mid_task_makes_that_host_unreachable_and_the_others_finish() {
    let mut servers = start_hosts(&[lo(20), lo(21), lo(22)]);
    let p = Project::new();
    let dir = |n: &str| yq(&p.join(n).display().to_string());
    Inventory::new()
        .ssh("a", &servers[0], "root", &[("d", dir("a"))])
        .ssh("victim", &servers[1], "root", &[("d", dir("victim"))])
        .ssh("c", &servers[2], "root", &[("d", dir("c"))])
        .write(&p);
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - file:
        path: "{{ d }}"
        state: directory
    - shell: "touch {{ d }}/started; sleep 3"
    - copy:
        content: "after\n"
        dest: "{{ d }}/after"
"#,
    );
    let marker = p.join("victim/started");
    let (out, took, killed) = std::thread::scope(|s| {
        let victim = &mut servers[1];
        let killer = s.spawn(move || {
            // Once the sleep runs on the victim, give it a second, then take its sshd down.
            if !wait_for(Duration::from_secs(60), || marker.exists()) {
                return false;
            }
            std::thread::sleep(Duration::from_secs(1));
            victim.kill();
            true
        });
        let started = Instant::now();
        let out = drover_cmd(&p, &[]).timeout(Duration::from_secs(120)).run();
        let took = started.elapsed();
        (out, took, killer.join().unwrap_or(false))
    });
    assert!(
        killed,
        "the sleep never started on the victim\n{}",
        out.describe()
    );
    assert!(
        !out.timed_out,
        "drover hung after sshd died\n{}",
        out.describe()
    );
    assert_code(&out, 4);
    assert_recaps(
        &out,
        &[
            ("a", [3, 3, 0, 0, 0, 0, 0]),
            ("victim", [1, 1, 1, 0, 0, 0, 0]),
            ("c", [3, 3, 0, 0, 0, 0, 0]),
        ],
    );
    unreachable_line(&out, "victim");
    assert_eq!(p.read("a/after"), "after\n");
    assert_eq!(p.read("c/after"), "after\n");
    assert!(!p.join("victim/after").exists());
    // The broken connection is noticed at once, not after the keep-alives (45 s) give up.
    assert!(
        took < Duration::from_secs(30),
        "took {took:?}\n{}",
        out.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Host keys
// ---------------------------------------------------------------------------------------------

/// A fresh ed25519 public key (`type base64`), as another server would have.
fn other_host_key(p: &Project) -> String {
    let path = p.join("other_host_key");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "other", "-f"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("ssh-keygen: {e}"));
    assert!(out.status.success(), "ssh-keygen failed");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap_or_default();
    public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_changed_host_key_is_refused_with_advice_unless_checking_is_off() {
    let servers = start_hosts(&[lo(23), lo(24)]);
    let p = Project::new();
    let (good, changed) = (&servers[0], &servers[1]);
    // As if the server's key had been regenerated after known_hosts was written.
    std::fs::write(
        changed.known_hosts(),
        format!(
            "[{}]:{} {}\n",
            changed.addr(),
            changed.port(),
            other_host_key(&p)
        ),
    )
    .unwrap_or_else(|e| panic!("known_hosts: {e}"));
    let dir = |n: &str| yq(&p.join(n).display().to_string());
    Inventory::new()
        .ssh("good", good, "root", &[("d", dir("good"))])
        .ssh("changed", changed, "root", &[("d", dir("changed"))])
        .write(&p);
    p.file("playbook.yml", TWO_TASKS);

    let out = drover(&p, &[]);
    assert_code(&out, 4);
    assert_recaps(
        &out,
        &[
            ("good", [2, 2, 0, 0, 0, 0, 0]),
            ("changed", [0, 0, 1, 0, 0, 0, 0]),
        ],
    );
    let line = unreachable_line(&out, "changed");
    assert!(
        line.contains("ssh-keyscan") || line.contains("--host-key-checking"),
        "the message does not say how to proceed: {line}"
    );
    assert!(
        line.to_ascii_lowercase().contains("host key"),
        "the message does not say it is about the host key: {line}"
    );
    assert!(!p.join("changed").exists());

    let off = drover(&p, &["--host-key-checking", "off"]);
    assert_code(&off, 0);
    assert_eq!(recap(&off, "changed"), [2, 2, 0, 0, 0, 0, 0]);
    assert_eq!(p.read("changed/done"), "changed\n");

    std::fs::remove_dir_all(p.join("changed")).unwrap_or_else(|e| panic!("{e}"));
    let env_off = drover_cmd(&p, &[])
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .run();
    assert_code(&env_off, 0);
    assert_eq!(recap(&env_off, "changed"), [2, 2, 0, 0, 0, 0, 0]);
    assert_eq!(p.read("changed/done"), "changed\n");

    // Checking is back on by default: still refused.
    let again = drover(&p, &[]);
    assert_code(&again, 4);
    assert_eq!(recap(&again, "changed")[2], 1);
}

#[test]
fn an_unknown_host_key_needs_accept_new_which_records_it() {
    let servers = start_hosts(&[lo(25)]);
    let s = &servers[0];
    let line = s.known_hosts_line();
    std::fs::write(s.known_hosts(), "").unwrap_or_else(|e| panic!("{e}"));
    let p = Project::new();
    Inventory::new()
        .ssh(
            "new",
            s,
            "root",
            &[("d", yq(&p.join("new").display().to_string()))],
        )
        .write(&p);
    p.file("playbook.yml", TWO_TASKS);

    let out = drover(&p, &[]);
    assert_code(&out, 4);
    let msg = unreachable_line(&out, "new");
    assert!(
        msg.contains("--host-key-checking accept-new") || msg.contains("ssh-keyscan"),
        "the message does not say how to proceed: {msg}"
    );

    let accept = drover(&p, &["--host-key-checking", "accept-new"]);
    assert_code(&accept, 0);
    assert_eq!(p.read("new/done"), "new\n");
    let recorded = std::fs::read_to_string(s.known_hosts()).unwrap_or_default();
    let key = line.split_whitespace().nth(2).unwrap_or("?");
    assert!(
        recorded.contains(key),
        "accept-new did not record the key: {recorded:?}"
    );
    // Now known: strict checking connects.
    let strict = drover(&p, &["--host-key-checking", "strict"]);
    assert_code(&strict, 0);
}

// ---------------------------------------------------------------------------------------------
// 6. Connect timeout on a blackholed address
// ---------------------------------------------------------------------------------------------

/// A network namespace behind a veth pair whose replies are blackholed: SYNs to
/// [`Blackhole::addr`] leave and nothing ever comes back, so a connect really times out.
/// Removed on drop.
struct Blackhole {
    ns: String,
    veth: String,
    addr: Ipv4Addr,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("ip {args:?}: {e} (is iproute2 installed?)"));
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Blackhole {
    fn new() -> Blackhole {
        require_root("a blackholed address (network namespace)");
        let id = std::process::id();
        let third = u8::try_from(id % 250).unwrap_or(0) + 1;
        let bh = Blackhole {
            ns: format!("drover-bh-{id}"),
            veth: format!("drbh{}", id % 100_000),
            addr: Ipv4Addr::new(10, 213, third, 2),
        };
        let peer = format!("{}p", bh.veth);
        let local = format!("10.213.{third}.1/30");
        let remote = format!("10.213.{third}.2/30");
        let back = format!("10.213.{third}.1/32");
        ip(&["netns", "add", &bh.ns]);
        ip(&[
            "link", "add", &bh.veth, "type", "veth", "peer", "name", &peer,
        ]);
        ip(&["link", "set", &peer, "netns", &bh.ns]);
        ip(&["addr", "add", &local, "dev", &bh.veth]);
        ip(&["link", "set", &bh.veth, "up"]);
        ip(&["-n", &bh.ns, "addr", "add", &remote, "dev", &peer]);
        ip(&["-n", &bh.ns, "link", "set", &peer, "up"]);
        // The namespace receives the SYN, but its answer goes nowhere.
        ip(&["-n", &bh.ns, "route", "add", "blackhole", &back]);
        bh
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        for args in [
            vec!["netns", "del", self.ns.as_str()],
            vec!["link", "del", self.veth.as_str()],
        ] {
            let _ = Command::new("ip")
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[test]
fn a_blackholed_host_times_out_after_the_connect_timeout() {
    let bh = Blackhole::new();
    // Sanity: the address really swallows connections (no refusal, no error).
    let probe =
        std::net::TcpStream::connect_timeout(&(bh.addr, 22).into(), Duration::from_millis(500));
    assert!(
        matches!(&probe, Err(e) if e.kind() == std::io::ErrorKind::TimedOut),
        "the blackhole answered: {probe:?}"
    );
    let servers = start_hosts(&[lo(26)]);
    let p = Project::new();
    let dir = |n: &str| yq(&p.join(n).display().to_string());
    Inventory::new()
        .ssh("good", &servers[0], "root", &[("d", dir("good"))])
        .host(
            "void",
            &[
                ("ansible_host", bh.addr.to_string()),
                ("ansible_user", "root".to_owned()),
                ("d", dir("void")),
            ],
        )
        .write(&p);
    p.file("playbook.yml", TWO_TASKS);

    let started = Instant::now();
    let out = drover_cmd(&p, &["-T", "2"])
        .timeout(Duration::from_secs(60))
        .run();
    let took = started.elapsed();
    assert!(
        !out.timed_out,
        "drover hung on a blackholed host\n{}",
        out.describe()
    );
    assert_code(&out, 4);
    assert_recaps(
        &out,
        &[
            ("good", [2, 2, 0, 0, 0, 0, 0]),
            ("void", [0, 0, 1, 0, 0, 0, 0]),
        ],
    );
    let line = unreachable_line(&out, "void");
    assert!(line.contains("timed out"), "not a timeout message: {line}");
    assert_eq!(p.read("good/done"), "good\n");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(15),
        "-T 2 but the run took {took:?}\n{}",
        out.describe()
    );

    // The host variable wins over the default (10 s) too.
    p.file(
        "inv.yml",
        format!(
            "all:\n  hosts:\n    void:\n      ansible_host: {}\n      ansible_user: root\n      \
             ansible_ssh_timeout: 1\n      d: {}\n",
            bh.addr,
            dir("void")
        ),
    );
    let started = Instant::now();
    let out = drover_cmd(&p, &[]).timeout(Duration::from_secs(60)).run();
    let took = started.elapsed();
    assert_code(&out, 4);
    assert!(unreachable_line(&out, "void").contains("timed out"));
    assert!(
        took < Duration::from_secs(8),
        "ansible_ssh_timeout: 1 but the run took {took:?}\n{}",
        out.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Ctrl-C
// ---------------------------------------------------------------------------------------------

#[test]
fn ctrl_c_stops_the_run_closes_every_connection_and_leaves_no_temp_files() {
    let addrs: Vec<Ipv4Addr> = (27..=31).map(lo).collect();
    let servers = start_hosts(&addrs);
    let p = Project::new();
    let names: Vec<String> = (1..=5).map(|i| format!("n{i}")).collect();
    let mut inv = Inventory::new();
    for (name, s) in names.iter().zip(&servers) {
        inv = inv.ssh(
            name,
            s,
            "root",
            &[("d", yq(&p.join(name).display().to_string()))],
        );
        p.dir(name);
    }
    inv.write(&p);
    // Big enough that its transfer takes a while, so the interrupt may land in the middle.
    let big: Vec<u8> = (0..48u32 << 20).map(|i| (i % 251) as u8).collect();
    p.file("files/big.bin", &big);
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - copy:
        src: big.bin
        dest: "{{ d }}/big.bin"
    - shell: "touch {{ d }}/sleeping; sleep 10"
    - copy:
        content: "too late\n"
        dest: "{{ d }}/late"
"#,
    );
    let log = p.join("drover.log");
    let mut child = Command::new(DROVER)
        .args(["run", "playbook.yml", "-i", "inv.yml", "-f", "5"])
        .env("NO_COLOR", "1")
        .env_remove("ANSIBLE_HOST_KEY_CHECKING")
        .current_dir(p.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}")))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start drover: {e}"));
    let pid = child.id();
    // Interrupt while a temp file exists (mid-copy) if we catch one, else during the sleep.
    let mut when = "never";
    let ready = wait_for(Duration::from_secs(90), || {
        if !stray_files(p.path(), &[".drover"]).is_empty() {
            when = "during the copy";
            return true;
        }
        if names.iter().any(|n| p.join(n).join("sleeping").exists()) {
            when = "during the sleep";
            return true;
        }
        matches!(child.try_wait(), Ok(Some(_)))
    });
    assert!(
        ready && when != "never",
        "drover ended before it could be interrupted"
    );
    let interrupted_at = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(kill.success());
    let mut status = None;
    wait_for(Duration::from_secs(15), || {
        status = child.try_wait().ok().flatten();
        status.is_some()
    });
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("drover did not stop within 15 s of SIGINT (sent {when})");
    };
    let took = interrupted_at.elapsed();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let stdout = std::fs::read_to_string(&log).unwrap_or_default();
    let context = format!("SIGINT sent {when}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    assert_eq!(status.code(), Some(99), "exit status {status:?}\n{context}");
    assert!(
        took < Duration::from_secs(10),
        "took {took:?} to stop\n{context}"
    );

    // Every ssh process of the run is gone, and so are its control directories.
    let needle = format!("/tmp/drover-{pid}-");
    let gone = wait_for(Duration::from_secs(3), || {
        processes_with(&needle).is_empty()
    });
    assert!(
        gone,
        "ssh processes of the run remain: {:?}\n{context}",
        processes_with(&needle)
    );
    let dirs: Vec<PathBuf> = std::fs::read_dir("/tmp")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|path| path.display().to_string().starts_with(&needle))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        dirs.is_empty(),
        "control directories remain: {dirs:?}\n{context}"
    );

    // No temp file in the hosts' directories once the remote side has noticed, and no
    // half-written destination.
    let clean = wait_for(Duration::from_secs(5), || {
        stray_files(p.path(), &[".drover", "tmp"]).is_empty()
    });
    assert!(
        clean,
        "temp files left in the destination directories: {:?}\n{context}",
        stray_files(p.path(), &[".drover", "tmp"])
    );
    for name in &names {
        let dest = p.join(name).join("big.bin");
        if let Ok(data) = std::fs::read(&dest) {
            assert!(
                data == big,
                "{} is a partial copy ({} of {} bytes)\n{context}",
                dest.display(),
                data.len(),
                big.len()
            );
        }
        assert!(
            !p.join(name).join("late").exists(),
            "a task ran after the interrupt"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Forks and throttle
// ---------------------------------------------------------------------------------------------

#[test]
fn forks_cap_hosts_at_once_and_throttle_one_serialises_a_task() {
    let addrs: Vec<Ipv4Addr> = (32..=43).map(lo).collect();
    let servers = start_hosts(&addrs);
    let p = Project::new();
    p.dir("shared/running");
    let names: Vec<String> = (1..=12).map(|i| format!("f{i:02}")).collect();
    let mut inv = Inventory::new();
    for (name, s) in names.iter().zip(&servers) {
        inv = inv.ssh(
            name,
            s,
            "root",
            &[
                ("d", yq(&p.join(name).display().to_string())),
                ("shared", yq(&p.join("shared").display().to_string())),
            ],
        );
    }
    inv.write(&p);
    // Each host marks itself running, counts who else runs, and waits a little; the counts
    // can never exceed the number of hosts really running at once.
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - shell: |
        mkdir {{ shared }}/running/{{ inventory_hostname }}
        ls {{ shared }}/running | wc -l >> {{ shared }}/counts.{{ inventory_hostname }}
        sleep 0.4
        rmdir {{ shared }}/running/{{ inventory_hostname }}
    - name: one host at a time, or mkdir fails
      shell: "mkdir {{ shared }}/lock && sleep 0.1 && rmdir {{ shared }}/lock"
      throttle: 1
    - file:
        path: "{{ d }}"
        state: directory
    - copy:
        content: "{{ inventory_hostname }}\n"
        dest: "{{ d }}/done"
"#,
    );
    let out = drover(&p, &["-f", "3"]);
    assert_code(&out, 0);
    let expected: Vec<(&str, [u32; 7])> = names
        .iter()
        .map(|n| (n.as_str(), [4, 4, 0, 0, 0, 0, 0]))
        .collect();
    assert_recaps(&out, &expected);
    let mut most = 0;
    for name in &names {
        assert_eq!(p.read(format!("{name}/done")), format!("{name}\n"));
        let counts = p.read(format!("shared/counts.{name}"));
        for c in counts.split_whitespace() {
            most = most.max(c.parse::<u32>().unwrap_or(99));
        }
    }
    assert!(
        most <= 3,
        "{most} hosts ran at once with -f 3\n{}",
        out.describe()
    );
    assert!(!p.join("shared/lock").exists());
}

// ---------------------------------------------------------------------------------------------
// 9. Many commands over one connection
// ---------------------------------------------------------------------------------------------

#[test]
fn thirty_loop_items_and_thirty_tasks_never_exhaust_ssh_sessions() {
    let servers = start_hosts(&[lo(44)]);
    let p = Project::new();
    Inventory::new()
        .ssh(
            "one",
            &servers[0],
            "root",
            &[("d", yq(&p.join("one").display().to_string()))],
        )
        .write(&p);
    let mut playbook = String::from(
        r#"- name: a loop
  hosts: all
  gather_facts: false
  tasks:
    - file:
        path: "{{ d }}"
        state: directory
    - command: "touch {{ d }}/item{{ item }}"
      loop: "{{ range(30) | list }}"
- name: thirty tasks
  hosts: all
  gather_facts: false
  tasks:
"#,
    );
    for i in 0..30 {
        playbook.push_str(&format!("    - command: \"touch {{{{ d }}}}/task{i}\"\n"));
    }
    p.file("playbook.yml", playbook);
    let out = drover(&p, &[]);
    for bad in [
        "session open refused",
        "administratively prohibited",
        "open failed",
    ] {
        assert!(
            !out.stdout.contains(bad) && !out.stderr.contains(bad),
            "`{bad}` in the output\n{}",
            out.describe()
        );
    }
    assert_code(&out, 0);
    assert_recaps(&out, &[("one", [32, 32, 0, 0, 0, 0, 0])]);
    for i in 0..30 {
        assert!(p.join(format!("one/item{i}")).exists(), "item{i}");
        assert!(p.join(format!("one/task{i}")).exists(), "task{i}");
    }
    assert!(
        !servers[0].log().contains("refused"),
        "sshd: {}",
        servers[0].log()
    );
}

// ---------------------------------------------------------------------------------------------
// Connection settings from the command line, passwords in the inventory, persistent masters
// ---------------------------------------------------------------------------------------------

#[test]
fn user_and_key_from_the_command_line_apply_when_the_inventory_has_none() {
    require_root("logging in as the test user");
    assert!(sshd::ensure_test_user(), "could not create {TEST_USER}");
    let servers = start_hosts(&[lo(45)]);
    let s = &servers[0];
    let p = Project::new();
    // No user, no key; the known_hosts file comes through ansible_ssh_extra_args.
    Inventory::new()
        .host(
            "cli",
            &[
                ("ansible_host", s.addr().to_string()),
                ("ansible_port", s.port().to_string()),
                (
                    "ansible_ssh_extra_args",
                    yq(&format!(
                        "-o UserKnownHostsFile={}",
                        s.known_hosts().display()
                    )),
                ),
            ],
        )
        .write(&p);
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      register: who
      changed_when: false
    - debug:
        msg: "logged in as {{ who.stdout }}"
"#,
    );
    let key = s.client_key().display().to_string();
    let out = drover(&p, &["-u", TEST_USER, "--private-key", &key]);
    assert_code(&out, 0);
    assert!(
        out.stdout.contains("\"msg\": \"logged in as drovertest\""),
        "{}",
        out.describe()
    );
    let out = drover(&p, &["-u", "root", "--private-key", &key]);
    assert_code(&out, 0);
    assert!(
        out.stdout.contains("\"msg\": \"logged in as root\""),
        "{}",
        out.describe()
    );
    // Without the key, ssh has nothing the server accepts.
    let missing = p.join("no-such-key").display().to_string();
    let out = drover(&p, &["-u", "root", "--private-key", &missing]);
    assert_code(&out, 4);
    assert_eq!(recap(&out, "cli")[2], 1);
}

#[test]
fn a_password_in_the_inventory_is_refused_without_being_shown() {
    let servers = start_hosts(&[lo(46)]);
    let p = Project::new();
    let secret = "inv-Secret-4242";
    let dir = |n: &str| yq(&p.join(n).display().to_string());
    Inventory::new()
        .ssh("good", &servers[0], "root", &[("d", dir("good"))])
        .ssh(
            "withpass",
            &servers[0],
            "root",
            &[("d", dir("withpass")), ("ansible_ssh_pass", yq(secret))],
        )
        .write(&p);
    p.file("playbook.yml", TWO_TASKS);
    let out = drover(&p, &["-vvv"]);
    assert_code(&out, 4);
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(secret),
            "the inventory password appears in {name}\n{}",
            out.describe()
        );
    }
    assert!(
        out.stdout.contains("password") || out.stderr.contains("password"),
        "no word about the password\n{}",
        out.describe()
    );
    assert!(!p.join("withpass").exists());
}

/// Kills, on drop, the persistent ssh masters left for a port (they would also end when the
/// server dies, but not at once).
struct PersistentMasters(u16);

impl PersistentMasters {
    fn pids(&self) -> Vec<u32> {
        processes_with(&format!(" -p {} ", self.0))
            .into_iter()
            .filter(|(_, cmd)| cmd.starts_with("ssh ") && !cmd.contains("ControlPersist=no"))
            .map(|(pid, _)| pid)
            .collect()
    }
}

impl Drop for PersistentMasters {
    fn drop(&mut self) {
        for pid in self.pids() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

#[test]
fn ssh_persist_keeps_the_master_for_the_next_run() {
    let servers = start_hosts(&[lo(47)]);
    let masters = PersistentMasters(servers[0].port());
    let p = Project::new();
    Inventory::new()
        .ssh(
            "kept",
            &servers[0],
            "root",
            &[("d", yq(&p.join("kept").display().to_string()))],
        )
        .write(&p);
    p.file("playbook.yml", TWO_TASKS);
    let first = drover(&p, &["--ssh-persist", "60"]);
    assert_code(&first, 0);
    let after_first = masters.pids();
    assert_eq!(
        after_first.len(),
        1,
        "expected one persistent master after the run\n{}",
        first.describe()
    );
    std::fs::remove_dir_all(p.join("kept")).unwrap_or_else(|e| panic!("{e}"));
    let second = drover(&p, &["--ssh-persist", "60"]);
    assert_code(&second, 0);
    assert_eq!(recap(&second, "kept"), [2, 2, 0, 0, 0, 0, 0]);
    assert_eq!(
        masters.pids(),
        after_first,
        "the second run did not reuse the master"
    );
    // Without --ssh-persist the run neither needs nor touches it.
    let third = drover(&p, &[]);
    assert_code(&third, 0);
    assert_eq!(masters.pids(), after_first);
}

// ---------------------------------------------------------------------------------------------
// A connection lost in the middle of a transfer
// ---------------------------------------------------------------------------------------------

/// The sshd processes serving connections of `server` (not the listener, not the commands they
/// run): killing them is what a network failure does, the remote commands live on.
fn connection_processes(server: &SshdHost) -> Vec<u32> {
    let Some(listener) = server.pid() else {
        return Vec::new();
    };
    let mut parents: Vec<(u32, u32, String)> = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        if let Some(ppid) = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
        {
            parents.push((pid, ppid, comm));
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![listener];
    while let Some(p) = frontier.pop() {
        for (pid, ppid, comm) in &parents {
            if *ppid == p && comm == "sshd" && !found.contains(pid) {
                found.push(*pid);
                frontier.push(*pid);
            }
        }
    }
    found
}

#[test]
fn a_connection_lost_mid_copy_never_leaves_a_truncated_destination() {
    let servers = start_hosts(&[lo(48)]);
    let server = &servers[0];
    let p = Project::new();
    p.dir("host");
    Inventory::new()
        .ssh(
            "cut",
            server,
            "root",
            &[("d", yq(&p.join("host").display().to_string()))],
        )
        .write(&p);
    let big: Vec<u8> = (0..48u32 << 20).map(|i| (i % 253) as u8).collect();
    p.file("files/big.bin", &big);
    p.file(
        "playbook.yml",
        r#"- hosts: all
  gather_facts: false
  tasks:
    - copy:
        src: big.bin
        dest: "{{ d }}/big.bin"
"#,
    );
    let dest = p.join("host/big.bin");
    let (out, cut) = std::thread::scope(|s| {
        let cutter = s.spawn(|| {
            // Cut the connection while the temp file is being written.
            let caught = wait_for(Duration::from_secs(60), || {
                !stray_files(&p.join("host"), &[".drover"]).is_empty()
            });
            if caught {
                for pid in connection_processes(server) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            }
            caught
        });
        let out = drover_cmd(&p, &[]).timeout(Duration::from_secs(120)).run();
        (out, cutter.join().unwrap_or(false))
    });
    assert!(
        cut,
        "never saw the transfer in progress\n{}",
        out.describe()
    );
    assert!(!out.timed_out, "drover hung\n{}", out.describe());
    assert_code(&out, 4);
    unreachable_line(&out, "cut");
    // Whatever the remote side does once its input ends, the destination is the whole file or
    // nothing, and the temp file goes.
    let clean = wait_for(Duration::from_secs(5), || {
        stray_files(&p.join("host"), &[".drover", "tmp"]).is_empty()
    });
    assert!(
        clean,
        "temp files left: {:?}",
        stray_files(&p.join("host"), &[".drover", "tmp"])
    );
    if let Ok(data) = std::fs::read(&dest) {
        assert!(
            data == big,
            "the destination is a truncated copy ({} of {} bytes)\n{}",
            data.len(),
            big.len(),
            out.describe()
        );
    }
}

#[test]
fn delegate_to_runs_on_the_delegate_with_the_task_hosts_variables() {
    let servers = start_hosts(&[lo(49), lo(50)]);
    let p = Project::new();
    Inventory::new()
        .ssh("a", &servers[0], "root", &[("color", "red".into())])
        .ssh("b", &servers[1], "root", &[("color", "blue".into())])
        .write(&p);
    // Where the command ran: sshd's address from SSH_CONNECTION, or `local`.
    let probe = "set -- $SSH_CONNECTION; echo \"${3:-local} {{ inventory_hostname }} {{ color }}\"";
    p.file(
        "playbook.yml",
        format!(
            "- hosts: a\n  gather_facts: false\n  tasks:\n\
             \x20   - shell: '{probe}'\n      register: own\n\
             \x20   - shell: '{probe}'\n      delegate_to: b\n      register: on_b\n\
             \x20   - shell: '{probe}'\n      delegate_to: localhost\n      register: on_local\n\
             \x20   - debug:\n        msg: \"{{{{ own.stdout }}}}|{{{{ on_b.stdout }}}}|{{{{ on_local.stdout }}}}\"\n"
        ),
    );
    let out = drover_cmd(&p, &[]).env_remove("SSH_CONNECTION").run();
    assert_code(&out, 0);
    assert!(
        out.stdout
            .contains("\"msg\": \"127.0.0.49 a red|127.0.0.50 a red|local a red\""),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("changed: [a -> b]"), "{}", out.stdout);
    assert!(
        out.stdout.contains("changed: [a -> localhost]"),
        "{}",
        out.stdout
    );
    assert_recaps(&out, &[("a", [4, 3, 0, 0, 0, 0, 0])]);
}

/// The host variable that makes the login shell run `script` before every command: bash,
/// root's login shell, reads $BASH_ENV even when not interactive, and the test sshd accepts
/// BASH_ENV from the client.
fn login_script(p: &Project, script: &str) -> (&'static str, String) {
    p.file("login.sh", script);
    let option = format!("-o SetEnv=BASH_ENV={}", p.join("login.sh").display());
    ("ansible_ssh_extra_args", yq(&option))
}

#[test]
fn a_login_shell_that_prints_a_banner_does_not_garble_command_output() {
    let servers = start_hosts(&[lo(51)]);
    let p = Project::new();
    let noise = login_script(&p, "echo 'Welcome to a noisy host'\necho 'a warning' >&2\n");
    let d = yq(&p.join("out").display().to_string());
    Inventory::new()
        .ssh("a", &servers[0], "root", &[noise, ("d", d)])
        .write(&p);
    p.file(
        "playbook.yml",
        "- hosts: a\n  gather_facts: false\n  tasks:\n\
         \x20   - command: echo hello\n      register: r\n      changed_when: false\n\
         \x20   - debug: {msg: \"[{{ r.stdout }}] [{{ r.stderr }}]\"}\n\
         \x20   - file: {path: \"{{ d }}\", state: directory}\n\
         \x20   - copy: {content: \"whole\\n\", dest: \"{{ d }}/f\"}\n",
    );
    let out = drover(&p, &[]);
    assert_code(&out, 0);
    assert!(
        out.stdout.contains("\"msg\": \"[hello] []\""),
        "{}",
        out.describe()
    );
    assert_eq!(p.read("out/f"), "whole\n");
    let again = drover(&p, &[]);
    assert_recaps(&again, &[("a", [4, 0, 0, 0, 0, 0, 0])]);
}

#[test]
fn a_login_shell_that_never_answers_makes_the_host_unreachable_not_a_hang() {
    let servers = start_hosts(&[lo(52)]);
    let p = Project::new();
    let stuck = login_script(&p, "sleep 60\n");
    Inventory::new()
        .ssh(
            "a",
            &servers[0],
            "root",
            &[stuck, ("ansible_ssh_timeout", "2".into())],
        )
        .write(&p);
    p.file(
        "playbook.yml",
        "- hosts: a\n  gather_facts: false\n  tasks:\n    - command: echo hello\n",
    );
    // The command's own timeout is the guard against a hang, well above the 2 s limit.
    let out = drover_cmd(&p, &[]).timeout(Duration::from_secs(40)).run();
    assert_code(&out, 4);
    assert_recaps(&out, &[("a", [0, 0, 1, 0, 0, 0, 0])]);
    let line = unreachable_line(&out, "a");
    assert!(
        line.contains("the login shell did not answer within 2 s"),
        "{line}"
    );
}
