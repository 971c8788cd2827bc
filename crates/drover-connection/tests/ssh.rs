//! The `ssh` connection against real OpenSSH servers on loopback addresses (see
//! `drover_test::sshd`). These tests fail, rather than skip, when sshd is not installed; the
//! `become` tests need root (as in CI) and return early otherwise.
//!
//! As root, the tests log in as the unprivileged test user, whose login shell is `/bin/sh`:
//! root's own `~/.bashrc` on a developer machine may do slow or noisy things (sshd has bash
//! read it for every command) that have nothing to do with drover. Root logins are covered by
//! the `become` test.

use drover_connection::{ConnectOptions, HostConnector, HostKeyChecking, Ssh, SshTarget};
use drover_test::sshd::{
    self, SshdHost, TEST_PASSWORD, TEST_USER, current_user, ensure_test_user, is_root,
};
use drover_types::{
    Become, BecomeMethod, Connection, ConnectionError, Connector, Exec, Map, Value, shell_quote,
};
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn server(last: u8) -> SshdHost {
    sshd::require_sshd();
    SshdHost::start(Ipv4Addr::new(127, 0, 0, last))
}

/// A target for `h` as `user`, checking its key strictly against its known_hosts file.
fn target(h: &SshdHost, user: &str) -> SshTarget {
    let mut t = SshTarget::new("testhost", &ConnectOptions::default());
    t.host = h.addr().to_string();
    t.port = Some(h.port());
    t.user = Some(user.to_owned());
    t.private_key = Some(h.client_key());
    t.ssh_args = vec![
        "-o".into(),
        format!("UserKnownHostsFile={}", h.known_hosts().display()),
    ];
    t
}

/// The user the tests log in as: the test user when we are root, else ourselves.
fn user() -> String {
    if ensure_test_user() {
        TEST_USER.to_owned()
    } else {
        current_user()
    }
}

async fn connect(h: &SshdHost) -> Ssh {
    match Ssh::connect(target(h, &user())).await {
        Ok(c) => c,
        Err(e) => panic!("connect: {e}\nsshd log: {}", h.log()),
    }
}

/// ssh processes whose command line mentions `dir`.
fn ssh_processes(dir: &Path) -> String {
    let out = std::process::Command::new("pgrep")
        .arg("-af")
        .arg(dir.as_os_str())
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn exec_collects_rc_output_and_binary_stdin() {
    let h = server(11);
    let c = connect(&h).await;
    let out = c
        .exec(Exec::script("echo out; echo err >&2; exit 3"))
        .await
        .unwrap();
    assert_eq!(
        (out.rc, &out.stdout[..], &out.stderr[..]),
        (3, &b"out\n"[..], &b"err\n"[..])
    );
    let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let out = c.exec(Exec::script("cat").with_stdin(&data)).await.unwrap();
    assert_eq!(out.rc, 0);
    assert!(out.stdout == data, "binary stdin/stdout round trip");
    let out = c.exec(Exec::script("no-such-command-x")).await.unwrap();
    assert_eq!(out.rc, 127, "{}", out.stderr_text());
    // 128 + 15 when the login shell reports the signal as a status, 255 when sshd reports it.
    let out = c.exec(Exec::script("kill -TERM $$")).await.unwrap();
    assert!(out.rc == 143 || out.rc == 255, "rc {}", out.rc);
    // Unread input does not hang or fail.
    let big = vec![b'z'; 1 << 20];
    let out = c
        .exec(Exec::script("echo hi").with_stdin(&big))
        .await
        .unwrap();
    assert_eq!(out.stdout, b"hi\n");
    c.close().await;
}

#[tokio::test]
async fn hostile_script_text_reaches_sh_unchanged() {
    let h = server(12);
    let c = connect(&h).await;
    let marker = h.dir().join("pwned");
    let m = marker.display();
    let hostile = format!(
        "it's \"quoted\" $(touch {m}) `touch {m}` ; touch {m} \\ \\' $HOME\nsecond line\n\t'tab'"
    );
    let script = format!("printf '%s' {}", shell_quote(&hostile));
    let out = c.exec(Exec::script(&script)).await.unwrap();
    assert_eq!(out.rc, 0, "{}", out.stderr_text());
    assert_eq!(out.stdout_text(), hostile);
    assert!(!marker.exists(), "something in the script was executed");
    // A script that is itself multi-line with quotes of both kinds.
    let out = c
        .exec(Exec::script("a='x y'\nb=\"$a\"'!'\necho \"$b\""))
        .await
        .unwrap();
    assert_eq!(out.stdout_text(), "x y!\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_execs_stay_within_max_sessions() {
    let h = server(13);
    let c = Arc::new(connect(&h).await);
    let start = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                let script = format!("sleep 0.4; echo {i}");
                c.exec(Exec::script(&script)).await
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        let out = t.await.expect("task").expect("exec");
        assert_eq!(out.stdout_text(), format!("{i}\n"), "{}", out.stderr_text());
    }
    // Ten at a time: two waves.
    assert!(
        start.elapsed() >= Duration::from_millis(800),
        "{:?}",
        start.elapsed()
    );
    c.close().await;
}

#[tokio::test]
async fn timeout_closes_the_channel_and_the_connection_stays_usable() {
    let h = server(14);
    let c = connect(&h).await;
    let start = Instant::now();
    let mut exec = Exec::script("sleep 30");
    exec.timeout = Some(Duration::from_millis(500));
    let err = c.exec(exec).await.unwrap_err();
    assert!(matches!(err, ConnectionError::Timeout(_)), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
    let out = c.exec(Exec::script("echo still")).await.unwrap();
    assert_eq!(out.stdout, b"still\n");
}

/// The process id of the long-lived shell that ran the command (its parent's).
async fn shell_pid(c: &Ssh) -> String {
    let out = c.exec(Exec::script("echo $PPID")).await.unwrap();
    assert_eq!(out.rc, 0, "{}", out.stderr_text());
    out.stdout_text()
}

#[tokio::test]
async fn commands_share_one_open_shell_until_one_times_out() {
    let h = server(27);
    let c = connect(&h).await;
    let first = shell_pid(&c).await;
    assert_eq!(
        shell_pid(&c).await,
        first,
        "the second command reused the shell"
    );
    // Each script still gets a shell of its own: `$$` is not the long-lived shell.
    let out = c.exec(Exec::script("echo $$")).await.unwrap();
    assert_ne!(out.stdout_text(), first);
    let mut exec = Exec::script("sleep 30");
    exec.timeout = Some(Duration::from_millis(300));
    assert!(matches!(
        c.exec(exec).await,
        Err(ConnectionError::Timeout(_))
    ));
    assert_ne!(
        shell_pid(&c).await,
        first,
        "a timed-out shell is never reused"
    );
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_input_gets_a_channel_when_idle_shells_hold_every_place() {
    let h = server(28);
    let c = Arc::new(connect(&h).await);
    let wave = || {
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move {
                    c.exec(Exec::script("sleep 0.3; echo $PPID"))
                        .await
                        .map(|o| o.stdout_text())
                })
            })
            .collect();
        async move {
            let mut pids = Vec::new();
            for t in tasks {
                pids.push(t.await.expect("task").expect("exec"));
            }
            pids.sort();
            pids.dedup();
            pids.len()
        }
    };
    assert_eq!(wave().await, 10, "ten commands at once, ten shells");
    let data: Vec<u8> = (0..=255u8).cycle().take(300 * 1024).collect();
    let out = c.exec(Exec::script("cat").with_stdin(&data)).await.unwrap();
    assert!(out.stdout == data, "rc {} {}", out.rc, out.stderr_text());
    assert_eq!(wave().await, 10);
    c.close().await;
}

#[tokio::test]
async fn a_server_allowing_one_session_still_takes_large_input() {
    sshd::require_sshd();
    let h = SshdHost::start_with_max_sessions(Ipv4Addr::new(127, 0, 0, 29), 1);
    let c = connect(&h).await;
    assert_eq!(c.exec(Exec::script("echo a")).await.unwrap().stdout, b"a\n");
    // Over 256 KiB: a channel of its own, which needs the idle shell's session.
    let data: Vec<u8> = (0..=255u8).cycle().take(300 * 1024).collect();
    let out = c.exec(Exec::script("cat").with_stdin(&data)).await.unwrap();
    assert!(out.stdout == data, "rc {} {}", out.rc, out.stderr_text());
    assert_eq!(c.exec(Exec::script("echo b")).await.unwrap().stdout, b"b\n");
    c.close().await;
}

#[tokio::test]
async fn output_from_a_left_behind_process_never_reaches_the_next_command() {
    let h = server(30);
    let c = connect(&h).await;
    let first = shell_pid(&c).await;
    let out = c
        .exec(Exec::script("(sleep 0.3; echo late; echo late >&2) &"))
        .await
        .unwrap();
    assert_eq!((out.rc, &out.stdout[..]), (0, &b""[..]));
    tokio::time::sleep(Duration::from_millis(800)).await;
    let out = c.exec(Exec::script("echo next; echo $PPID")).await.unwrap();
    let text = out.stdout_text();
    assert!(
        text.starts_with("next\n"),
        "{text:?} {:?}",
        out.stderr_text()
    );
    assert!(out.stderr.is_empty(), "{:?}", out.stderr_text());
    assert_ne!(text.trim_start_matches("next\n"), first, "a fresh shell");
    c.close().await;
}

#[tokio::test]
async fn put_and_get_five_megabytes() {
    let h = server(15);
    let c = connect(&h).await;
    let mut data = Vec::with_capacity(5 << 20);
    let mut x: u32 = 12345;
    while data.len() < 5 << 20 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        data.push((x >> 16) as u8);
    }
    let dir = h.dir().join("files");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let path = dir.join("big file.bin");
    let p = path.display().to_string();
    let start = Instant::now();
    c.put(&data, &p, None).await.unwrap();
    let back = c.get(&p, None).await.unwrap().expect("file exists");
    assert!(back == data, "5 MB round trip");
    assert!(start.elapsed() < Duration::from_secs(20));
    let missing = c.get(&format!("{p}.nope"), None).await.unwrap();
    assert!(missing.is_none());
}

#[tokio::test]
async fn refused_port_is_unreachable_quickly() {
    sshd::require_sshd();
    let addr = Ipv4Addr::new(127, 0, 0, 16);
    let port = sshd::free_port(addr);
    let mut t = SshTarget::new("nowhere", &ConnectOptions::default());
    t.host = addr.to_string();
    t.port = Some(port);
    let start = Instant::now();
    let err = Ssh::connect(t).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    let msg = err.to_string();
    assert!(matches!(err, ConnectionError::Unreachable(_)), "{msg}");
    assert!(msg.contains("Connection refused"), "{msg}");
}

#[tokio::test]
async fn unknown_host_key_strict_refuses_and_accept_new_records() {
    let h = server(17);
    let known = h.dir().join("empty_known_hosts");
    std::fs::write(&known, "").unwrap();
    let mut t = target(&h, &user());
    t.ssh_args = vec![
        "-o".into(),
        format!("UserKnownHostsFile={}", known.display()),
    ];
    let err = Ssh::connect(t.clone()).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectionError::Unreachable(_)), "{msg}");
    assert!(
        msg.contains("ssh-keyscan") && msg.contains("accept-new"),
        "{msg}"
    );
    t.host_key_checking = HostKeyChecking::AcceptNew;
    let c = Ssh::connect(t.clone()).await.unwrap();
    assert_eq!(
        c.exec(Exec::script("echo ok")).await.unwrap().stdout,
        b"ok\n"
    );
    c.close().await;
    let recorded = std::fs::read_to_string(&known).unwrap();
    assert!(recorded.contains("ssh-ed25519"), "{recorded}");
    // Now known: strict checking accepts it.
    t.host_key_checking = HostKeyChecking::Strict;
    Ssh::connect(t).await.unwrap().close().await;
}

#[tokio::test]
async fn changed_host_key_is_refused_with_a_hint() {
    let h = server(18);
    let other = server(19);
    // known_hosts claims the other server's key for this address.
    let line = other.known_hosts_line();
    let key: Vec<&str> = line.split_whitespace().skip(1).collect();
    let known = h.dir().join("wrong_known_hosts");
    std::fs::write(
        &known,
        format!("[{}]:{} {}\n", h.addr(), h.port(), key.join(" ")),
    )
    .unwrap();
    let mut t = target(&h, &user());
    t.ssh_args = vec![
        "-o".into(),
        format!("UserKnownHostsFile={}", known.display()),
    ];
    t.host_key_checking = HostKeyChecking::AcceptNew;
    let msg = Ssh::connect(t.clone()).await.unwrap_err().to_string();
    assert!(msg.contains("changed"), "{msg}");
    // With checking off, key authentication still goes through.
    t.host_key_checking = HostKeyChecking::Off;
    let c = Ssh::connect(t).await.unwrap();
    assert_eq!(
        c.exec(Exec::script("echo ok")).await.unwrap().stdout,
        b"ok\n"
    );
    c.close().await;
}

#[tokio::test]
async fn wrong_key_is_an_authentication_failure() {
    let h = server(20);
    let other = server(21);
    let mut t = target(&h, &user());
    t.private_key = Some(other.client_key());
    t.ssh_args
        .extend(["-o".into(), "IdentityAgent=none".into()]);
    let msg = Ssh::connect(t).await.unwrap_err().to_string();
    assert!(
        msg.contains("Permission denied") && msg.contains("ansible_user"),
        "{msg}"
    );
}

#[tokio::test]
async fn killed_server_is_unreachable_not_a_hang() {
    let mut h = server(22);
    let c = Arc::new(connect(&h).await);
    let running = {
        let c = c.clone();
        tokio::spawn(async move { c.exec(Exec::script("sleep 30")).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.kill();
    let start = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(15), running)
        .await
        .expect("exec hung after the server died")
        .expect("task");
    let err = res.unwrap_err();
    assert!(matches!(err, ConnectionError::Unreachable(_)), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    let err = c.exec(Exec::script("true")).await.unwrap_err();
    assert!(matches!(err, ConnectionError::Unreachable(_)), "{err}");
}

#[tokio::test]
async fn close_ends_the_master_and_removes_its_directory() {
    let h = server(23);
    let c = connect(&h).await;
    let dir = c.control_dir();
    assert!(dir.starts_with("/tmp/"));
    assert!(!ssh_processes(&dir).is_empty(), "master should be running");
    c.exec(Exec::script("true")).await.unwrap();
    c.close().await;
    c.close().await;
    assert_eq!(ssh_processes(&dir), "", "ssh processes left after close");
    assert!(!dir.exists());
    let err = c.exec(Exec::script("true")).await.unwrap_err();
    assert!(matches!(err, ConnectionError::Unreachable(_)), "{err}");
    // Dropping without close cleans up too.
    let c = connect(&h).await;
    let dir = c.control_dir();
    drop(c);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ssh_processes(&dir), "");
    assert!(!dir.exists());
}

#[tokio::test]
async fn host_connector_uses_host_vars_and_closes_all() {
    let h = server(24);
    let yaml_like = [
        ("ansible_host", Value::from(h.addr().to_string())),
        ("ansible_port", Value::from(h.port())),
        ("ansible_user", Value::from(user())),
        (
            "ansible_ssh_private_key_file",
            Value::from(h.client_key().display().to_string()),
        ),
        (
            "ansible_ssh_common_args",
            Value::from(format!(
                "-o 'UserKnownHostsFile={}'",
                h.known_hosts().display()
            )),
        ),
    ];
    let vars: Map = yaml_like
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let connector = HostConnector::new(ConnectOptions::default());
    let a = connector.connect("web1", &vars).await.unwrap();
    let b = connector.connect("web1", &vars).await.unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let out = a.exec(Exec::script("echo $SSH_CONNECTION")).await.unwrap();
    assert!(out.stdout_text().contains(&h.addr().to_string()));
    connector.close_all().await;
    let err = a.exec(Exec::script("true")).await.unwrap_err();
    assert!(matches!(err, ConnectionError::Unreachable(_)), "{err}");
}

#[tokio::test]
async fn control_persist_reuses_the_master_of_an_earlier_run() {
    let h = server(25);
    let mut t = target(&h, &user());
    t.control_persist = Some(Duration::from_secs(30));
    // `ssh -O check` on the socket: "Master running (pid=N)" on stderr.
    let master = |socket: &Path, op: &str| {
        let out = std::process::Command::new("ssh")
            .arg("-S")
            .arg(socket)
            .args(["-O", op, "x"])
            .output()
            .expect("ssh -O");
        String::from_utf8_lossy(&out.stderr).trim().to_owned()
    };
    let first = Ssh::connect(t.clone()).await.unwrap();
    first.exec(Exec::script("true")).await.unwrap();
    let socket = first.control_socket().to_path_buf();
    let pid = master(&socket, "check");
    assert!(pid.starts_with("Master running"), "{pid}");
    // close() leaves a persistent master running, for the next run.
    first.close().await;
    let second = Ssh::connect(t).await.unwrap();
    assert_eq!(second.control_socket(), socket);
    let out = second.exec(Exec::script("echo again")).await.unwrap();
    assert_eq!(out.stdout, b"again\n");
    second.close().await;
    assert_eq!(master(&socket, "check"), pid, "the same master was reused");
    // End it so that it does not outlive the test.
    master(&socket, "exit");
    let _ = std::fs::remove_file(socket.with_extension("log"));
}

fn become_(user: &str, password: Option<&str>) -> Become {
    Become {
        user: user.to_owned(),
        method: BecomeMethod::Sudo,
        password: password.map(str::to_owned),
    }
}

#[tokio::test]
async fn become_sudo_runs_as_the_user_and_owns_created_files() {
    if !is_root() {
        return;
    }
    assert!(ensure_test_user());
    let h = server(26);
    // Root logs in and becomes the unprivileged user.
    let c = Ssh::connect(target(&h, "root")).await.unwrap();
    let b = become_(TEST_USER, None);
    let out = c
        .exec(
            Exec::script("id -un; cat")
                .with_stdin(b"in\0put")
                .with_become(Some(&b)),
        )
        .await
        .unwrap();
    assert_eq!(
        out.stdout,
        format!("{TEST_USER}\nin\0put").as_bytes(),
        "{}",
        out.stderr_text()
    );
    let dir = h.dir().join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let file = dir.join("made-by-become");
    c.put(b"data", &file.display().to_string(), Some(&b))
        .await
        .unwrap();
    let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&file).unwrap());
    let id = c
        .exec(Exec::script(&format!("id -u {TEST_USER}")))
        .await
        .unwrap();
    assert_eq!(uid.to_string(), id.stdout_text().trim());
    c.close().await;

    // The unprivileged user becomes root with its password, and nobody without one.
    let t = target(&h, TEST_USER);
    let c = Ssh::connect(t).await.unwrap();
    let b = become_("root", Some(TEST_PASSWORD));
    let out = c
        .exec(
            Exec::script("id -u; cat")
                .with_stdin(b"line1\nline2")
                .with_become(Some(&b)),
        )
        .await
        .unwrap();
    assert_eq!(
        out.stdout_text(),
        "0\nline1\nline2",
        "{}",
        out.stderr_text()
    );
    let wrong = become_("root", Some("not-the-password"));
    let out = c
        .exec(Exec::script("id -u").with_become(Some(&wrong)))
        .await
        .unwrap();
    assert_ne!(out.rc, 0);
    assert!(!out.stderr_text().contains("not-the-password"));
    let out = c
        .exec(Exec::script("id -un").with_become(Some(&become_("nobody", None))))
        .await
        .unwrap();
    assert_eq!(out.stdout_text(), "nobody\n", "{}", out.stderr_text());
    // Without a password where one is needed: a prompt-free failure, not a hang.
    let mut exec = Exec::script("id -u");
    let no_pw = become_("root", None);
    exec.become_ = Some(&no_pw);
    exec.timeout = Some(Duration::from_secs(10));
    let out = c.exec(exec).await.unwrap();
    assert_ne!(out.rc, 0);
    c.close().await;
}
