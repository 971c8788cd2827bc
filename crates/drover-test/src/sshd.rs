//! Real OpenSSH servers on loopback addresses, for testing the `ssh` connection.
//!
//! [`SshdHost::start`] runs `/usr/sbin/sshd -D -e -f CONFIG` on `127.0.0.x` and a free port,
//! with a fresh ed25519 host key, a fresh client key in its `authorized_keys`, and a
//! `known_hosts` file holding the host key (so tests can keep strict host key checking). The
//! server accepts the current user (root in CI, with `PermitRootLogin prohibit-password`) and,
//! when [`ensure_test_user`] made it, the unprivileged [`TEST_USER`]. Dropping the value kills
//! the server and every connection process it started.
//!
//! Tests call [`require_sshd`] first: without `openssh-server` they fail with a message saying
//! how to get it, rather than silently passing.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sshd binary; sshd refuses to start unless run by absolute path.
pub const SSHD: &str = "/usr/sbin/sshd";

/// The unprivileged user that [`ensure_test_user`] creates (for `become` tests).
pub const TEST_USER: &str = "drovertest";

/// [`TEST_USER`]'s password (for sudo with a password).
pub const TEST_PASSWORD: &str = "drover-Test-pw1";

/// Whether sshd, ssh and ssh-keygen are installed.
pub fn sshd_available() -> bool {
    Path::new(SSHD).exists() && which("ssh").is_some() && which("ssh-keygen").is_some()
}

/// Panics with instructions when [`sshd_available`] is false: SSH tests must not pass by
/// skipping.
pub fn require_sshd() {
    assert!(
        sshd_available(),
        "the SSH tests need OpenSSH's server and client ({SSHD}, ssh, ssh-keygen): run \
         ./scripts/test.sh, which installs them, or `apt-get install -y openssh-server`"
    );
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The name of the user running the tests.
pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => panic!("`id -un` failed: cannot tell who runs the tests"),
    }
}

fn run(cmd: &mut Command) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes sure [`TEST_USER`] exists (with `/bin/sh` as shell and [`TEST_PASSWORD`]) and may use
/// sudo: to root with its password, to `nobody` without. Needs root; returns false (and does
/// nothing) otherwise. Safe to call from parallel tests.
pub fn ensure_test_user() -> bool {
    if !is_root() {
        return false;
    }
    static DONE: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut done = DONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if *done {
        return true;
    }
    let exists = Command::new("id")
        .arg(TEST_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        run(Command::new("useradd").args(["-m", "-s", "/bin/sh", TEST_USER]));
    }
    // A password also unlocks the account, which sshd requires without PAM.
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("chpasswd: {e}"));
    if let Some(mut stdin) = chpasswd.stdin.take() {
        use std::io::Write as _;
        let _ = writeln!(stdin, "{TEST_USER}:{TEST_PASSWORD}");
    }
    assert!(
        chpasswd.wait().is_ok_and(|s| s.success()),
        "chpasswd failed"
    );
    let sudoers = Path::new("/etc/sudoers.d/drovertest");
    let rules = format!(
        "# written by drover's tests\n\
         Defaults:{TEST_USER} !requiretty\n\
         {TEST_USER} ALL=(ALL) ALL\n\
         {TEST_USER} ALL=(nobody) NOPASSWD: ALL\n"
    );
    std::fs::write(sudoers, rules).unwrap_or_else(|e| panic!("write {}: {e}", sudoers.display()));
    std::fs::set_permissions(sudoers, std::fs::Permissions::from_mode(0o440))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", sudoers.display()));
    *done = true;
    true
}

/// Test servers offer only the classic curve25519 key exchange: OpenSSH 9's default
/// post-quantum one (`sntrup761x25519`) costs about a second of CPU per connection on a busy
/// 2-core machine, which is most of a test's time and says nothing about drover.
const KEX_LINE: &str = "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org\n";

/// A running sshd on a loopback address.
#[derive(Debug)]
pub struct SshdHost {
    addr: Ipv4Addr,
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl SshdHost {
    /// Starts sshd on `addr` (any `127.0.0.x`) and a free port, and waits until it accepts
    /// connections. Panics (with sshd's log) when it cannot.
    pub fn start(addr: Ipv4Addr) -> SshdHost {
        SshdHost::start_with_max_sessions(addr, 10)
    }

    /// [`SshdHost::start`] with sshd's `MaxSessions` (channels per connection) set to `max`.
    pub fn start_with_max_sessions(addr: Ipv4Addr, max: u32) -> SshdHost {
        require_sshd();
        let dir = tempfile::Builder::new()
            .prefix("drover-sshd-")
            .tempdir()
            .unwrap_or_else(|e| panic!("tempdir: {e}"));
        // Readable by the unprivileged test user: sshd reads authorized_keys as that user.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("chmod: {e}"));
        let d = dir.path();
        keygen(&d.join("host_ed25519"));
        keygen(&d.join("id_ed25519"));
        std::fs::copy(d.join("id_ed25519.pub"), d.join("authorized_keys"))
            .unwrap_or_else(|e| panic!("authorized_keys: {e}"));
        std::fs::set_permissions(
            d.join("authorized_keys"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap_or_else(|e| panic!("chmod: {e}"));
        if is_root() {
            // Debian's sshd insists on its privilege separation directory.
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let port = free_port(addr);
        let config = format!(
            "Port {port}\n\
             ListenAddress {addr}\n\
             HostKey {d}/host_ed25519\n\
             PidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\n\
             UsePAM no\n\
             StrictModes no\n\
             PermitRootLogin prohibit-password\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             MaxSessions {max}\n\
             MaxStartups 100:30:200\n\
             PrintMotd no\n\
             AcceptEnv BASH_ENV\n\
             LogLevel ERROR\n\
             Subsystem sftp internal-sftp\n\
             {kex}",
            d = d.display(),
            kex = KEX_LINE,
        );
        let config_path = d.join("sshd_config");
        std::fs::write(&config_path, config).unwrap_or_else(|e| panic!("sshd_config: {e}"));
        let host_pub = std::fs::read_to_string(d.join("host_ed25519.pub"))
            .unwrap_or_else(|e| panic!("host key: {e}"));
        let key: Vec<&str> = host_pub.split_whitespace().take(2).collect();
        std::fs::write(
            d.join("known_hosts"),
            format!("[{addr}]:{port} {}\n", key.join(" ")),
        )
        .unwrap_or_else(|e| panic!("known_hosts: {e}"));
        let log = std::fs::File::create(d.join("sshd.log")).unwrap_or_else(|e| panic!("{e}"));
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {SSHD}: {e}"));
        let mut host = SshdHost {
            addr,
            port,
            dir,
            child: Some(child),
        };
        host.wait_ready();
        host
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if TcpStream::connect((self.addr, self.port)).is_ok() {
                return;
            }
            let exited = self
                .child
                .as_mut()
                .map(|c| matches!(c.try_wait(), Ok(Some(_))))
                .unwrap_or(true);
            if exited || start.elapsed() > Duration::from_secs(10) {
                panic!(
                    "sshd on {}:{} did not start: {}",
                    self.addr,
                    self.port,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The private key that logs in (as the current user or [`TEST_USER`]).
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("id_ed25519")
    }

    /// A `known_hosts` file with this server's key, as `[addr]:port`.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// The `known_hosts` line for this server.
    pub fn known_hosts_line(&self) -> String {
        std::fs::read_to_string(self.known_hosts()).unwrap_or_default()
    }

    /// The server's directory (config, keys, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What sshd wrote to its standard error.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// The process id of the listening sshd (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server and every process it started (the per-connection sshd processes, which
    /// are in sessions of their own, and the commands they run): established connections
    /// break, as when a host goes down. Idempotent.
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let mut pids = descendants(child.id());
        pids.push(child.id());
        for pid in pids {
            if let Ok(pid) = libc::pid_t::try_from(pid) {
                // SAFETY: kill(2) has no memory-safety preconditions.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
        let _ = child.wait();
    }
}

impl Drop for SshdHost {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Every process below `root` in the process tree, from `/proc`.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid ...`; comm may contain spaces and parentheses.
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(child, parent) in &parents {
            if parent == p && !out.contains(&child) {
                out.push(child);
                frontier.push(child);
            }
        }
    }
    out
}

/// A port nobody listens on at `addr` right now.
pub fn free_port(addr: Ipv4Addr) -> u16 {
    let l = TcpListener::bind((addr, 0)).unwrap_or_else(|e| panic!("bind {addr}:0: {e}"));
    l.local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"))
        .port()
}

fn keygen(path: &Path) {
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "drover-test", "-f"])
        .arg(path));
}

/// A YAML inventory with one host per `(name, server)`, logging in as `user` with the server's
/// key and checking its host key against the server's `known_hosts` file:
///
/// ```yaml
/// all:
///   hosts:
///     web1:
///       ansible_host: 127.0.0.2
///       ansible_port: 40123
///       ansible_user: root
///       ansible_ssh_private_key_file: /tmp/drover-sshd-.../id_ed25519
///       ansible_ssh_common_args: "-o 'UserKnownHostsFile=/tmp/drover-sshd-.../known_hosts'"
/// ```
pub fn inventory_yaml(hosts: &[(&str, &SshdHost)], user: &str) -> String {
    let mut out = String::from("all:\n  hosts:\n");
    for (name, h) in hosts {
        let _ = write!(
            out,
            "    {name}:\n      ansible_host: {}\n      ansible_port: {}\n      ansible_user: {user}\n      \
             ansible_ssh_private_key_file: {}\n      \
             ansible_ssh_common_args: \"-o 'UserKnownHostsFile={}'\"\n",
            h.addr(),
            h.port(),
            h.client_key().display(),
            h.known_hosts().display(),
        );
    }
    out
}

/// Writes [`inventory_yaml`] to `path`.
pub fn write_inventory(path: &Path, hosts: &[(&str, &SshdHost)], user: &str) {
    std::fs::write(path, inventory_yaml(hosts, user))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_accepts_a_login_and_dies_with_its_connections() {
        require_sshd();
        let mut h = SshdHost::start(Ipv4Addr::new(127, 0, 0, 9));
        let out = Command::new("ssh")
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", h.known_hosts().display()))
            .arg("-i")
            .arg(h.client_key())
            .args(["-p", &h.port().to_string(), "-l", &current_user()])
            .arg(h.addr().to_string())
            .arg("echo hello")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("ssh: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "hello\n",
            "{} / sshd: {}",
            String::from_utf8_lossy(&out.stderr),
            h.log()
        );
        let yaml = inventory_yaml(&[("a", &h)], "root");
        assert!(
            yaml.contains(&format!("ansible_port: {}", h.port())),
            "{yaml}"
        );
        h.kill();
        assert!(TcpStream::connect((h.addr(), h.port())).is_err());
    }
}
