//! Loading from files and variables, end to end (the binary's tests cover the flags on top).

use super::*;
use std::os::unix::fs::PermissionsExt;

struct Dirs {
    _root: tempfile::TempDir,
    cwd: PathBuf,
    home: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().expect("tempdir");
    let cwd = root.path().join("project");
    let home = root.path().join("home");
    std::fs::create_dir_all(&cwd).expect("cwd");
    std::fs::create_dir_all(&home).expect("home");
    Dirs {
        _root: root,
        cwd,
        home,
    }
}

fn env(d: &Dirs, vars: &[(&str, &str)]) -> Environment {
    let mut all: Vec<(String, String)> = vec![("HOME".into(), d.home.display().to_string())];
    all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Environment::new(all, Some(d.cwd.clone()))
}

fn load(d: &Dirs, vars: &[(&str, &str)]) -> Result<Config, Error> {
    Config::load(&env(d, vars))
}

#[test]
fn nothing_found_gives_defaults() {
    let d = dirs();
    let c = load(&d, &[]).expect("loads");
    assert_eq!(c.file(), None);
    assert_eq!(c.forks(), 50);
    assert!(c.host_key_checking());
    assert_eq!(c.timeout(), None);
    assert_eq!(c.gathering(), "implicit");
    assert_eq!(c.fact_caching(), "memory");
    assert_eq!(c.fact_caching_connection(), None);
    assert_eq!(c.fact_caching_timeout(), 86400);
    assert_eq!(c.stdout_callback(), "default");
    assert!(!c.retry_files_enabled());
    assert!(!c.become_() && !c.become_ask_pass());
    assert_eq!((c.become_user(), c.become_method()), (None, None));
    assert_eq!(c.remote_user(), None);
    assert_eq!(c.private_key_file(), None);
    assert_eq!(c.vault_password_file(), None);
    assert!(c.vault_identity_list().is_empty());
    assert_eq!(c.ssh_args(), None);
    assert_eq!(c.ssh_common_args(), "");
    assert_eq!(c.transport(), None);
    assert_eq!(c.enable_plugins().len(), 6);
    assert_eq!(
        c.roles_path()[0],
        d.home.join(".ansible/roles"),
        "roles_path defaults under ANSIBLE_HOME"
    );
    assert_eq!(c.dump(true, false), "CONFIG_FILE() = None\n");
}

#[test]
fn the_first_location_found_wins() {
    let d = dirs();
    std::fs::write(d.home.join(".ansible.cfg"), "[defaults]\nforks = 3\n").expect("write");
    assert_eq!(load(&d, &[]).expect("home").forks(), 3);
    std::fs::write(d.cwd.join("ansible.cfg"), "[defaults]\nforks = 4\n").expect("write");
    assert_eq!(load(&d, &[]).expect("cwd").forks(), 4);
    let other = d.home.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    std::fs::write(other.join("ansible.cfg"), "[defaults]\nforks = 6\n").expect("write");
    let by_dir = load(&d, &[("ANSIBLE_CONFIG", &other.display().to_string())]).expect("env dir");
    assert_eq!(by_dir.forks(), 6);
    assert_eq!(by_dir.file(), Some(other.join("ansible.cfg").as_path()));
    // A missing ANSIBLE_CONFIG file falls through to the next location.
    let missing = load(&d, &[("ANSIBLE_CONFIG", "/nonexistent/x.cfg")]).expect("falls through");
    assert_eq!(missing.forks(), 4);
}

#[test]
fn a_world_writable_directory_is_skipped_with_a_warning() {
    let d = dirs();
    std::fs::write(d.cwd.join("ansible.cfg"), "[defaults]\nforks = 4\n").expect("write");
    std::fs::set_permissions(&d.cwd, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let c = load(&d, &[]).expect("loads");
    assert_eq!(c.file(), None);
    assert_eq!(c.warnings().len(), 1);
    assert!(
        c.warnings()[0].contains("writable by every user"),
        "{:?}",
        c.warnings()
    );
    // Named through ANSIBLE_CONFIG it is read, without a warning.
    let cfg = d.cwd.join("ansible.cfg").display().to_string();
    let c = load(&d, &[("ANSIBLE_CONFIG", &cfg)]).expect("loads");
    assert_eq!(c.forks(), 4);
    assert!(c.warnings().is_empty());
}

#[test]
fn environment_beats_file_and_empty_variables_mean_unset() {
    let d = dirs();
    std::fs::write(
        d.cwd.join("ansible.cfg"),
        "[defaults]\nforks = 4\nremote_user = alice\n[ssh_connection]\nhost_key_checking = no\n",
    )
    .expect("write");
    let c = load(
        &d,
        &[("ANSIBLE_FORKS", "9"), ("ANSIBLE_REMOTE_USER", "bob")],
    )
    .expect("loads");
    assert_eq!(c.forks(), 9);
    assert_eq!(c.remote_user().as_deref(), Some("bob"));
    assert!(
        !c.host_key_checking(),
        "[ssh_connection] host_key_checking is read"
    );
    let c = load(&d, &[("ANSIBLE_FORKS", "")]).expect("loads");
    assert_eq!(
        c.forks(),
        50,
        "an empty variable gives the default, not the file's value"
    );
    let c = load(&d, &[("ANSIBLE_SSH_HOST_KEY_CHECKING", "yes")]).expect("loads");
    assert!(c.host_key_checking());
}

#[test]
fn paths_are_relative_to_the_file() {
    let d = dirs();
    let etc = d.home.join("etc");
    std::fs::create_dir_all(&etc).expect("dir");
    std::fs::write(
        etc.join("my.cfg"),
        "[defaults]\ninventory = hosts.ini, ../inv2\nprivate_key_file = keys/id\nroles_path = roles:/opt/r\nvault_password_file = ~/pw\nvault_identity_list = dev@a, prod@b\n",
    )
    .expect("write");
    let cfg = etc.join("my.cfg").display().to_string();
    let c = load(&d, &[("ANSIBLE_CONFIG", &cfg)]).expect("loads");
    assert_eq!(
        c.inventory(),
        vec![etc.join("hosts.ini"), d.home.join("inv2")]
    );
    assert_eq!(c.private_key_file(), Some(etc.join("keys/id")));
    assert_eq!(
        c.roles_path(),
        vec![etc.join("roles"), PathBuf::from("/opt/r")]
    );
    assert_eq!(c.vault_password_file(), Some(d.home.join("pw")));
    assert_eq!(c.vault_identity_list(), vec!["dev@a", "prod@b"]);
    // From the environment, relative paths start at the current directory.
    let c = load(
        &d,
        &[("ANSIBLE_CONFIG", &cfg), ("ANSIBLE_PRIVATE_KEY_FILE", "k")],
    )
    .expect("loads");
    assert_eq!(c.private_key_file(), Some(d.cwd.join("k")));
}

#[test]
fn bad_values_name_file_line_section_and_key() {
    let d = dirs();
    let cfg = d.cwd.join("ansible.cfg");
    let err = |text: &str, vars: &[(&str, &str)]| {
        std::fs::write(&cfg, text).expect("write");
        match load(&d, vars) {
            Ok(c) => c.check_for_run(false, false).expect_err("refused").message,
            Err(e) => e.message,
        }
    };
    let path = cfg.display().to_string();
    assert_eq!(
        err("[defaults]\n\nforks = ten\n", &[]),
        format!("{path}:3:9: [defaults] forks: expected an integer, got 'ten'")
    );
    assert_eq!(
        err("[defaults]\nhost_key_checking = maybe\n", &[]),
        format!(
            "{path}:2:21: [defaults] host_key_checking: expected a boolean (yes/no, true/false, on/off, 1/0), got 'maybe'"
        )
    );
    assert_eq!(
        err("[defaults]\ngathering = sometimes\n", &[]),
        format!(
            "{path}:2:13: [defaults] gathering: expected one of implicit, explicit, smart, got 'sometimes'"
        )
    );
    assert_eq!(
        err("[defaults]\n", &[("ANSIBLE_TIMEOUT", "soon")]),
        "ANSIBLE_TIMEOUT (in the environment): expected an integer, got 'soon'"
    );
    assert_eq!(
        err("[defaults]\nforks = 0\n", &[]),
        format!("{path}:2: [defaults] forks: forks must be 1 or more")
    );
    assert!(
        err("[defaults]\nstdout_callback = json\n", &[])
            .contains("cannot load the `json` callback")
    );
    assert_eq!(
        err("forks = 2\n", &[]),
        format!(
            "{path}:1: `forks = 2` comes before any [section] header\nhint: settings go under a header such as [defaults]"
        )
    );
}

#[test]
fn dump_shows_origins_like_ansible_config() {
    let d = dirs();
    let cfg = d.cwd.join("ansible.cfg");
    std::fs::write(
        &cfg,
        "[defaults]\nforks = 10\ninventory = hosts\n[privilege_escalation]\nbecome = True\n[ssh_connection]\npipelining = True\n",
    )
    .expect("write");
    let c = load(&d, &[("ANSIBLE_REMOTE_USER", "x")]).expect("loads");
    let path = cfg.display().to_string();
    let hosts = d.cwd.join("hosts").display().to_string();
    assert_eq!(
        c.dump(true, false),
        format!(
            "CONFIG_FILE() = {path}\nDEFAULT_BECOME({path}) = True\nDEFAULT_FORKS({path}) = 10\nDEFAULT_HOST_LIST({path}) = ['{hosts}']\nDEFAULT_REMOTE_USER(env: ANSIBLE_REMOTE_USER) = x\n"
        )
    );
    assert!(
        c.dump(true, true)
            .ends_with(&format!("ssh:\n___\npipelining({path}) = True\n"))
    );
    assert!(
        c.dump(false, false)
            .contains("DEFAULT_TIMEOUT(default) = 10\n")
    );
}

#[test]
fn stdout_callback_yaml_is_accepted_with_a_warning() {
    let d = dirs();
    let c = load(&d, &[("ANSIBLE_STDOUT_CALLBACK", "yaml")]).expect("loads");
    assert_eq!(c.accepted_only_warnings().len(), 1);
}

#[test]
fn a_config_file_must_be_ini_text_named_cfg_or_ini() {
    let d = dirs();
    let txt = d.cwd.join("settings.txt");
    std::fs::write(&txt, "[defaults]\n").expect("write");
    let e = load(&d, &[("ANSIBLE_CONFIG", &txt.display().to_string())]).expect_err("refused");
    assert!(
        e.message.contains("must end in `.cfg` or `.ini`"),
        "{}",
        e.message
    );
    let ini = d.cwd.join("settings.ini");
    std::fs::write(&ini, b"[defaults]\nremote_user = \xff\n").expect("write");
    let e = load(&d, &[("ANSIBLE_CONFIG", &ini.display().to_string())]).expect_err("refused");
    assert!(e.message.contains("not UTF-8"), "{}", e.message);
    std::fs::write(&ini, "[defaults]\nremote_user = ann\n").expect("write");
    let c = load(&d, &[("ANSIBLE_CONFIG", &ini.display().to_string())]).expect("loads");
    assert_eq!(c.remote_user().as_deref(), Some("ann"));
}
