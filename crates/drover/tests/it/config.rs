//! ansible.cfg and `ANSIBLE_*` variables through the real binary: where the file is found,
//! precedence (flags > environment > file), the world-writable warning, bad values, the
//! settings reaching a run (inventory, become, ssh user/key/args/host keys), and
//! `drover config dump` against `ansible-config dump`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use drover_test::{Cmd, Project, RunOutput};

use crate::modules::{LOCAL_INVENTORY, assert_code, play};

const DROVER: &str = env!("CARGO_BIN_EXE_drover");

/// A command in the project root with a private `HOME` (`<project>/home`) and none of the
/// caller's `ANSIBLE_*` variables.
fn cmd(p: &Project, program: &str, args: &[&str]) -> Cmd {
    std::fs::create_dir_all(p.join("home")).expect("home");
    let mut cmd = Cmd::new(program)
        .args(args)
        .current_dir(p.path())
        .env("HOME", p.join("home"))
        .timeout(std::time::Duration::from_secs(120));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ANSIBLE_") {
            cmd = cmd.env_remove(key);
        }
    }
    cmd
}

/// A project whose playbook prints `where` (a host var) and `ansible_config_file`.
fn project() -> Project {
    let p = Project::new();
    p.file(
        "playbook.yml",
        play("- debug:\n    msg: \"where={{ where }} cfg={{ ansible_config_file }}\"\n"),
    );
    for name in ["file", "env", "flag"] {
        p.file(
            format!("inv-{name}.yml"),
            format!("{LOCAL_INVENTORY}      where: {name}\n"),
        );
    }
    p
}

fn run(p: &Project, args: &[&str], env: &[(&str, &str)]) -> RunOutput {
    let mut all = vec!["run", "playbook.yml"];
    all.extend_from_slice(args);
    let mut c = cmd(p, DROVER, &all);
    for (k, v) in env {
        c = c.env(k, v);
    }
    c.run()
}

fn assert_says(out: &RunOutput, text: &str) {
    assert!(
        out.stdout.contains(text) || out.stderr.contains(text),
        "expected {text:?}\n{}",
        out.describe()
    );
}

#[test]
fn inventory_is_read_from_each_location_the_first_found_winning() {
    let p = project();
    let cfg = "[defaults]\ninventory = inv-file.yml\n";
    // ~/.ansible.cfg: relative paths start at the file's directory.
    p.file(
        "home/.ansible.cfg",
        "[defaults]\ninventory = ../inv-env.yml\n",
    );
    let out = run(&p, &[], &[]);
    assert_code(&out, 0);
    let home_cfg = p.join("home/.ansible.cfg");
    assert_says(&out, &format!("where=env cfg={}", home_cfg.display()));
    // ./ansible.cfg beats ~/.ansible.cfg.
    p.file("ansible.cfg", cfg);
    let out = run(&p, &[], &[]);
    assert_says(
        &out,
        &format!("where=file cfg={}", p.join("ansible.cfg").display()),
    );
    // ANSIBLE_CONFIG beats both, as a file or as a directory holding ansible.cfg.
    p.file(
        "elsewhere/ansible.cfg",
        "[defaults]\ninventory = ../inv-flag.yml\n",
    );
    let dir = p.join("elsewhere").display().to_string();
    let out = run(&p, &[], &[("ANSIBLE_CONFIG", &dir)]);
    assert_says(&out, &format!("where=flag cfg={dir}/ansible.cfg"));
    let file = format!("{dir}/ansible.cfg");
    let out = run(&p, &[], &[("ANSIBLE_CONFIG", &file)]);
    assert_says(&out, "where=flag");
}

#[test]
fn without_a_config_file_ansible_config_file_is_none_and_renders_empty() {
    let p = project();
    let out = run(&p, &["-i", "inv-flag.yml"], &[]);
    assert_code(&out, 0);
    assert_says(&out, "where=flag cfg=\"");
}

#[test]
fn flags_beat_the_environment_which_beats_the_file() {
    let p = project();
    p.file("ansible.cfg", "[defaults]\ninventory = inv-file.yml\n");
    assert_says(&run(&p, &[], &[]), "where=file");
    let env = [("ANSIBLE_INVENTORY", "inv-env.yml")];
    assert_says(&run(&p, &[], &env), "where=env");
    assert_says(&run(&p, &["-i", "inv-flag.yml"], &env), "where=flag");
}

#[test]
fn become_settings_come_from_the_file_and_the_environment_overrides_them() {
    let p = project();
    p.file(
        "ansible.cfg",
        "[defaults]\ninventory = inv-file.yml\n\n[privilege_escalation]\nbecome = yes\nbecome_method = doas\n",
    );
    // drover knows sudo and su only, so the configured method shows that become is on.
    let out = run(&p, &[], &[]);
    assert_code(&out, 2);
    assert_says(&out, "become method `doas` is not supported");
    let out = run(&p, &[], &[("ANSIBLE_BECOME", "no")]);
    assert_code(&out, 0);
    // The flag overrides the file's method (su as root needs no password).
    let out = run(&p, &["--become-method", "su"], &[]);
    assert_code(&out, 0);
}

#[test]
fn a_world_writable_directory_is_not_a_config_source() {
    let p = project();
    p.file("ansible.cfg", "[defaults]\ninventory = inv-file.yml\n");
    std::fs::set_permissions(p.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = run(&p, &["-i", "inv-flag.yml"], &[]);
    assert_code(&out, 0);
    assert_says(&out, "cfg=\"");
    assert!(
        out.stderr.contains(&format!(
            "[WARNING]: not reading {}: the directory is writable by every user",
            p.join("ansible.cfg").display()
        )),
        "{}",
        out.describe()
    );
    // Named in ANSIBLE_CONFIG, it is read and nothing is said.
    let file = p.join("ansible.cfg").display().to_string();
    let out = run(&p, &[], &[("ANSIBLE_CONFIG", &file)]);
    assert_says(&out, "where=file");
    assert!(!out.stderr.contains("[WARNING]"), "{}", out.describe());
    std::fs::set_permissions(p.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

/// `drover run` with `ansible.cfg` holding `text`: exit 5 and this message on stderr.
fn refused(text: &str, env: &[(&str, &str)], message: &str) {
    let p = project();
    p.file("ansible.cfg", text);
    let out = run(&p, &["-i", "inv-flag.yml"], env);
    assert_code(&out, 5);
    let path = p.join("ansible.cfg").display().to_string();
    let expected = message.replace("[CFG]", &path);
    assert_eq!(out.stderr, expected, "{}", out.describe());
    assert!(
        !out.stdout.contains("PLAY"),
        "nothing may run\n{}",
        out.describe()
    );
}

#[test]
fn bad_values_stop_before_anything_runs_naming_file_line_section_and_key() {
    refused(
        "[defaults]\n# comment\nforks = many\n",
        &[],
        "error: [CFG]:3:9: [defaults] forks: expected an integer, got 'many'\n",
    );
    refused(
        "[ssh_connection]\nhost_key_checking = perhaps\n",
        &[],
        "error: [CFG]:2:21: [ssh_connection] host_key_checking: expected a boolean (yes/no, true/false, on/off, 1/0), got 'perhaps'\n",
    );
    refused(
        "[defaults]\ngathering = sometimes\n",
        &[],
        "error: [CFG]:2:13: [defaults] gathering: expected one of implicit, explicit, smart, got 'sometimes'\n",
    );
    refused(
        "[defaults]\n",
        &[("ANSIBLE_TIMEOUT", "soon")],
        "error: ANSIBLE_TIMEOUT (in the environment): expected an integer, got 'soon'\n",
    );
    refused(
        "[defaults]\nforks = 2\nforks = 3\n",
        &[],
        "error: [CFG]:3: `forks` is set twice in [defaults] (first on line 2)\nhint: keep one of the two\n",
    );
    refused(
        "remote_user = x\n",
        &[],
        "error: [CFG]:1: `remote_user = x` comes before any [section] header\nhint: settings go under a header such as [defaults]\n",
    );
    refused(
        "[ssh_connection]\nssh_args = -o 'unclosed\n",
        &[],
        "error: [CFG]:2: [ssh_connection] ssh_args: No closing quotation\n",
    );
}

#[test]
fn stdout_callback_yaml_is_accepted_and_json_is_refused() {
    let p = project();
    p.file(
        "ansible.cfg",
        "[defaults]\nstdout_callback = yaml\nretry_files_enabled = yes\n",
    );
    let out = run(&p, &["-i", "inv-flag.yml"], &[]);
    assert_code(&out, 0);
    assert_says(&out, "ok: [localhost] => {");
    assert_says(
        &out,
        "[WARNING]: stdout_callback = yaml: drover prints results as the `default` callback does",
    );
    let out = run(
        &p,
        &["-i", "inv-flag.yml"],
        &[("ANSIBLE_STDOUT_CALLBACK", "json")],
    );
    assert_code(&out, 5);
    assert_says(
        &out,
        "ANSIBLE_STDOUT_CALLBACK (in the environment): drover prints results only as the `default` callback does",
    );
}

#[test]
fn retry_files_list_the_failed_hosts_when_enabled() {
    let p = project();
    p.file(
        "inv.yml",
        "all:\n  hosts:\n    b:\n      ansible_connection: local\n    a:\n      ansible_connection: local\n    c:\n      ansible_connection: local\n",
    );
    p.file(
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - fail: msg=no\n      when: inventory_hostname != 'c'\n",
    );
    p.file(
        "ansible.cfg",
        "[defaults]\ninventory = inv.yml\nretry_files_enabled = True\n",
    );
    let out = cmd(&p, DROVER, &["run", "site.yml"]).run();
    assert_code(&out, 2);
    let retry = p.join("site.retry");
    assert_says(
        &out,
        &format!("\tto retry, use: --limit @{}\n", retry.display()),
    );
    assert_eq!(
        std::fs::read_to_string(&retry).expect("retry file"),
        "a\nb\n"
    );
    // A save path from the environment; nothing written when no host failed.
    std::fs::remove_file(&retry).expect("rm");
    let out = cmd(&p, DROVER, &["run", "site.yml", "-l", "c"]).run();
    assert_code(&out, 0);
    assert!(
        !retry.exists() && !out.stdout.contains("to retry"),
        "{}",
        out.describe()
    );
    let out = cmd(&p, DROVER, &["run", "site.yml"])
        .env("ANSIBLE_RETRY_FILES_SAVE_PATH", "retries")
        .run();
    assert_code(&out, 2);
    assert_eq!(
        std::fs::read_to_string(p.join("retries/site.retry")).expect("retry file"),
        "a\nb\n"
    );
    // Off by default.
    p.file("ansible.cfg", "[defaults]\ninventory = inv.yml\n");
    let out = cmd(&p, DROVER, &["run", "site.yml"]).run();
    assert_code(&out, 2);
    assert!(!p.join("site.retry").exists(), "{}", out.describe());
}

/// The `ansible-config` beside the `ansible-playbook` the differential tests use.
fn ansible_config() -> std::path::PathBuf {
    let playbook = crate::differential::ansible_playbook();
    let config = playbook.with_file_name("ansible-config");
    assert!(config.is_file(), "{} not found", config.display());
    config
}

/// The lines of `ansible-config dump --only-changed` output that show a setting drover knows
/// (a multi-line value's other lines go with its first).
fn known_lines(text: &str, known: &[String]) -> Vec<String> {
    let mut keep = false;
    text.lines()
        .filter(|l| {
            if l.is_empty() {
                keep = false;
            } else if let Some((name, _)) = l.split_once('(')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                keep = known.iter().any(|k| k == name);
            }
            keep
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn config_dump_matches_ansible_config_for_the_settings_drover_knows() {
    let p = project();
    p.file(
        "ansible.cfg",
        "# a comment\n[defaults]\ninventory = inv-file.yml, ../x\nforks: 7 ; inline comment\nremote_user = \"deploy\"\nprivate_key_file = ~/keys/id\nroles_path = roles:/srv/roles\nvault_identity_list = dev@~/dev, prod@prompt\ngathering = smart\nfact_caching = jsonfile\nfact_caching_connection = cache\nfact_caching_timeout = 60\nretry_files_enabled = True\nhost_key_checking = off\ntimeout = 30\n\n[privilege_escalation]\nbecome = True\nbecome_user = admin\nbecome_ask_pass = no\n\n[ssh_connection]\nssh_args = -o ForwardAgent=yes\n  -o ServerAliveInterval=5\npipelining = True\ncontrol_path_dir = cp\n\n[inventory]\nenable_plugins = yaml, 'ini'\n",
    );
    let env = [
        ("ANSIBLE_BECOME_METHOD", "su"),
        ("ANSIBLE_TIMEOUT", "12"),
        ("ANSIBLE_VAULT_PASSWORD_FILE", "pw.txt"),
    ];
    let dump = |program: &str, extra: &[&str]| {
        let mut args = vec!["dump", "--only-changed"];
        args.extend_from_slice(extra);
        let mut all: Vec<&str> = Vec::new();
        if program == DROVER {
            all.push("config");
        }
        all.extend(args);
        let mut c = cmd(&p, program, &all);
        for (k, v) in env {
            c = c.env(k, v);
        }
        let out = c.run();
        assert_code(&out, 0);
        out.stdout
    };
    let ours = dump(DROVER, &[]);
    let known: Vec<String> = ours
        .lines()
        .filter_map(|l| l.split_once('(').map(|(name, _)| name.to_owned()))
        .collect();
    assert!(known.len() > 15, "{ours}");
    let theirs = dump(&ansible_config().display().to_string(), &[]);
    assert_eq!(
        known_lines(&theirs, &known),
        ours.lines().map(str::to_owned).collect::<Vec<_>>()
    );
    // The ssh connection's options, under `-t all`.
    let ours = dump(DROVER, &["-t", "all"]);
    let ssh_part = ours.split_once("ssh:\n___\n").expect("ssh section").1;
    let theirs = dump(&ansible_config().display().to_string(), &["-t", "all"]);
    let their_ssh = theirs
        .split_once("\nssh:\n___\n")
        .expect("ansible's ssh section")
        .1
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let ssh_known: Vec<String> = ssh_part
        .lines()
        .filter_map(|l| l.split_once('(').map(|(name, _)| name.to_owned()))
        .collect();
    assert_eq!(
        known_lines(their_ssh, &ssh_known).join("\n"),
        ssh_part.trim_end().to_owned()
    );
}

#[test]
fn config_view_prints_the_file_in_use() {
    let p = project();
    let text = "[defaults]\nforks = 3 ; kept as written\n";
    p.file("ansible.cfg", text);
    let out = cmd(&p, DROVER, &["config", "view"]).run();
    assert_code(&out, 0);
    assert_eq!(out.stdout, text);
    std::fs::remove_file(p.join("ansible.cfg")).expect("rm");
    let out = cmd(&p, DROVER, &["config", "view"]).run();
    assert_code(&out, 1);
}

/// ssh settings from the file reach the connection: remote_user, a private key relative to the
/// file, ssh_args (the known hosts file) and host_key_checking.
#[test]
fn ssh_user_key_args_and_host_key_checking_from_ansible_cfg() {
    use crate::ssh::{lo, start_hosts};
    use drover_test::sshd::{self, TEST_USER};
    assert!(sshd::is_root(), "logging in as the test user needs root");
    assert!(sshd::ensure_test_user(), "could not create {TEST_USER}");
    let servers = start_hosts(&[lo(88)]);
    let s = &servers[0];
    let p = Project::new();
    p.file(
        "inv.yml",
        format!(
            "all:\n  hosts:\n    h:\n      ansible_host: {}\n      ansible_port: {}\n",
            s.addr(),
            s.port()
        ),
    );
    p.file(
        "playbook.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n      register: who\n      changed_when: false\n    - debug:\n        msg: \"as {{ who.stdout }}\"\n",
    );
    let key = std::fs::read(s.client_key()).expect("key");
    p.file_with_mode("conf/keys/id", key, 0o600);
    let known = s.known_hosts().display().to_string();
    p.file(
        "conf/ansible.cfg",
        format!(
            "[defaults]\ninventory = ../inv.yml\nremote_user = {TEST_USER}\nprivate_key_file = keys/id\n\n[ssh_connection]\nssh_args = -o UserKnownHostsFile={known}\n"
        ),
    );
    let cfg = p.join("conf/ansible.cfg").display().to_string();
    let run = |env: &[(&str, &str)]| {
        let mut c = cmd(&p, DROVER, &["run", "playbook.yml"]).env("ANSIBLE_CONFIG", &cfg);
        for (k, v) in env {
            c = c.env(k, v);
        }
        c.run()
    };
    let out = run(&[]);
    assert_code(&out, 0);
    assert_says(&out, &format!("\"msg\": \"as {TEST_USER}\""));
    // The environment overrides the file's user.
    let out = run(&[("ANSIBLE_REMOTE_USER", "root")]);
    assert_code(&out, 0);
    assert_says(&out, "\"msg\": \"as root\"");
    // Without the known hosts file the host key is unknown: refused under strict checking,
    // accepted with host_key_checking = False.
    let strict = "[defaults]\ninventory = ../inv.yml\nprivate_key_file = keys/id\n";
    p.file("conf/ansible.cfg", strict);
    let empty = p.join("empty_known_hosts");
    std::fs::write(&empty, "").expect("write");
    let only_empty = format!("-o UserKnownHostsFile={}", empty.display());
    let out = run(&[("ANSIBLE_SSH_ARGS", &only_empty)]);
    assert_code(&out, 4);
    p.file(
        "conf/ansible.cfg",
        format!("{strict}host_key_checking = False\n"),
    );
    let out = run(&[("ANSIBLE_SSH_ARGS", &only_empty)]);
    assert_code(&out, 0);
    assert!(Path::new(&empty).exists());
}

/// A small xorshift generator: the same files for the same seed, no dependency.
struct Rng(u64);

impl Rng {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let n = usize::try_from(self.0 % items.len() as u64).unwrap_or(0);
        items[n]
    }
}

/// One generated config file: section headers, comments, blank and continuation lines, and
/// `key <delimiter> value` lines mixing spellings ansible-core reads in surprising ways.
fn generated_cfg(rng: &mut Rng) -> String {
    const KEYS: &[&str] = &[
        "remote_user",
        "REMOTE_USER",
        " become_user",
        "forks",
        "timeout",
        "inventory",
        "roles_path",
        "vault_identity_list",
        "private_key_file",
        "gathering",
        "host_key_checking",
    ];
    const DELIMS: &[&str] = &[" = ", "=", ": ", ":", " :", " =  "];
    const VALUES: &[&str] = &[
        "alice",
        " bob ",
        "\"q\"",
        "'s'",
        "a;b",
        "a ;b",
        "a # b",
        "#x",
        ";y",
        "",
        "x:y",
        "x=y",
        "%(foo)s",
        "100%",
        "tab\there",
        "\"",
        "12",
        "1_0",
        "10.0",
        "1e1",
        "-3",
        "0x1",
        "yes",
        "No",
        "a,b",
        " a , \"b\" ",
        "~/k",
        "$HOME/k",
        "${HOME}/z",
        "$NOPE/x",
        "../up",
        "a/./b",
        "/abs/../p",
        "smart",
        "explicit",
        ",",
        "a,,b",
        "p1:p2",
    ];
    const OTHER: &[&str] = &[
        "[defaults]",
        "[privilege_escalation]",
        "[DEFAULT]",
        "[ssh_connection]",
        " [defaults]",
        "[defaults] ; c",
        "[x]",
        "# c",
        "; c",
        "  # c",
        "",
        "   ",
        "\t",
        "  cont",
        "\tcont;x",
        "    more ; c",
    ];
    let mut text = String::from("[defaults]\n");
    for _ in 0..1 + rng.pick(&["1", "2", "3", "4", "5", "6"]).len() * 2 {
        if rng.pick(&["kv", "kv", "kv", "other"]) == "other" {
            text.push_str(rng.pick(OTHER));
        } else {
            text.push_str(rng.pick(KEYS));
            text.push_str(rng.pick(DELIMS));
            text.push_str(rng.pick(VALUES));
        }
        text.push_str(rng.pick(&["\n", "\n", "\r\n"]));
    }
    text
}

/// Generated files read by `drover config dump --only-changed` and `ansible-config dump
/// --only-changed`: the same values (or both refusing the file), except where drover refuses
/// a boolean ansible-core would read as false (documented). `DROVER_CONFIG_FUZZ_CASES` and
/// `DROVER_CONFIG_FUZZ_SEED` run more.
#[test]
fn generated_config_files_read_as_ansible_config_reads_them() {
    let knob = |name: &str, default: u64| {
        std::env::var_os(name)
            .and_then(|v| v.to_str().and_then(|v| v.parse().ok()))
            .unwrap_or(default)
    };
    let cases = knob("DROVER_CONFIG_FUZZ_CASES", 25);
    let seed = knob("DROVER_CONFIG_FUZZ_SEED", 1);
    let ansible = ansible_config().display().to_string();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let p = Project::new();
    let mut compared = 0;
    for case in 0..cases {
        let text = generated_cfg(&mut rng);
        p.file("ansible.cfg", &text);
        let run = |program: &str, args: &[&str]| {
            let out = cmd(&p, program, args).run();
            (out.code, out.stdout, out.stderr)
        };
        let (d_code, d_out, d_err) = run(DROVER, &["config", "dump", "--only-changed"]);
        if d_err.contains("expected a boolean") {
            continue;
        }
        let (a_code, a_out, _) = run(&ansible, &["dump", "--only-changed"]);
        let known: Vec<String> = DUMP_NAMES.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(
            (d_code, known_lines(&d_out, &known)),
            (a_code, known_lines(&a_out, &known)),
            "case {case} (seed {seed}) differs; the file:\n{text}\ndrover stderr: {d_err}"
        );
        compared += 1;
    }
    assert!(
        compared * 2 >= cases,
        "too few cases compared: {compared} of {cases}"
    );
}

/// The base settings drover's dump shows.
const DUMP_NAMES: &[&str] = &[
    "CONFIG_FILE",
    "ANSIBLE_HOME",
    "CACHE_PLUGIN",
    "CACHE_PLUGIN_CONNECTION",
    "CACHE_PLUGIN_TIMEOUT",
    "DEFAULT_BECOME",
    "DEFAULT_BECOME_ASK_PASS",
    "DEFAULT_BECOME_METHOD",
    "DEFAULT_BECOME_USER",
    "DEFAULT_FORKS",
    "DEFAULT_GATHERING",
    "DEFAULT_HOST_LIST",
    "DEFAULT_PRIVATE_KEY_FILE",
    "DEFAULT_REMOTE_USER",
    "DEFAULT_ROLES_PATH",
    "DEFAULT_STDOUT_CALLBACK",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TRANSPORT",
    "DEFAULT_VAULT_IDENTITY_LIST",
    "DEFAULT_VAULT_PASSWORD_FILE",
    "HOST_KEY_CHECKING",
    "INVENTORY_ENABLED",
    "RETRY_FILES_ENABLED",
];
