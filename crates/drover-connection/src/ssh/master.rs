//! The ssh ControlMaster of one connection: starting it, telling whether it still lives, and
//! stopping it.
//!
//! drover starts the master itself (`ssh -M -N -S SOCKET ...`) rather than through
//! `openssh::SessionBuilder`, because the builder cannot pass arbitrary ssh options
//! (`ansible_ssh_common_args` may hold any `-o`, `-J`, `-F`...), and so that the master is a
//! child of drover that cannot outlive it:
//!
//! * it runs in a process group of its own, so a Ctrl-C at the terminal does not kill it under
//!   the commands still running (the caller closes every connection from its Ctrl-C handler);
//! * on Linux it gets `PR_SET_PDEATHSIG(SIGTERM)`, so it ends even if drover is killed with
//!   SIGKILL or aborts, without running any destructor;
//! * dropping or closing the connection terminates it and removes its directory.
//!
//! Commands then go over the master's socket with openssh's native mux client
//! (`openssh::Session::resume_mux`), one mux channel per command, no extra process.
//!
//! With `control_persist`, the master is instead daemonised by ssh (`-f`,
//! `ControlPersist=Ns`) in a stable directory (`~/.cache/drover/cm/`), named after a hash of
//! the connection's parameters, and a later run that finds a live master there reuses it.

use super::args::{MasterMode, master_args};
use super::diagnose::connect_failure;
use super::target::SshTarget;
use drover_types::ConnectionError;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// A running master.
#[derive(Debug)]
pub(crate) struct Master {
    /// The ssh process when drover owns it (not for a persistent master).
    child: Mutex<Option<Child>>,
    /// The control socket.
    socket: PathBuf,
    /// ssh's log (`-E`): where its errors go.
    log: PathBuf,
    /// The private directory holding socket and log; removed on drop (not for a persistent
    /// master, whose directory is shared between runs).
    dir: Mutex<Option<tempfile::TempDir>>,
}

impl Master {
    /// Starts (or, when persistent, finds or starts) the master for `target`.
    pub(crate) async fn start(target: &SshTarget) -> Result<Master, ConnectionError> {
        match target.control_persist {
            None => start_owned(target).await,
            Some(keep) => start_persistent(target, keep).await,
        }
    }

    /// The control socket.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// The directory of the control socket.
    pub(crate) fn dir(&self) -> PathBuf {
        self.socket
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Whether the master process is still there (an owned one: it has not exited; a
    /// persistent one: it answers an alive check on its socket).
    pub(crate) async fn is_alive(&self) -> bool {
        let owned = {
            let mut guard = lock(&self.child);
            guard
                .as_mut()
                .map(|child| matches!(child.try_wait(), Ok(None)))
        };
        match owned {
            Some(running) => running && self.socket.exists(),
            None => openssh::Session::resume_mux(self.socket.clone().into(), None)
                .check()
                .await
                .is_ok(),
        }
    }

    /// The last lines ssh logged, for a message about a lost connection.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
            .collect();
        lines[lines.len().saturating_sub(3)..].join("; ")
    }

    /// Terminates an owned master (SIGTERM, then SIGKILL after 2 s) and removes its directory.
    /// A persistent master is left running for the next run. Idempotent.
    pub(crate) async fn shutdown(&self) {
        let child = lock(&self.child).take();
        if let Some(mut child) = child {
            terminate(&child);
            if tokio::time::timeout(Duration::from_secs(2), child.wait())
                .await
                .is_err()
            {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
        if let Some(dir) = lock(&self.dir).take() {
            let _ = dir.close();
        }
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        // The Child is `kill_on_drop`; SIGTERM first lets ssh say goodbye to the server.
        if let Some(child) = lock(&self.child).as_ref() {
            terminate(child);
        }
        // Then the child (SIGKILL) and the directory (TempDir) go with the fields.
    }
}

/// Locks a mutex, ignoring poisoning (the data are a process handle and a path).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends SIGTERM to a child that has not been reaped.
fn terminate(child: &Child) {
    if let Some(pid) = child.id().and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: kill(2) has no memory-safety preconditions; the child is not reaped yet, so
        // the pid is still its own.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

/// Ceiling on the whole connect (TCP, key exchange, authentication, proxies): ssh's
/// `ConnectTimeout` only bounds the TCP connect and the banner.
fn connect_deadline(target: &SshTarget) -> Duration {
    target.connect_timeout * 3 + Duration::from_secs(20)
}

/// A fresh `/tmp/drover-PID-XXXXXX` (mode 0700): short enough for any socket name inside.
fn private_dir() -> Result<tempfile::TempDir, ConnectionError> {
    sweep_stale_dirs();
    let dir = tempfile::Builder::new()
        .prefix(&format!("drover-{}-", std::process::id()))
        .rand_bytes(6)
        .tempdir_in("/tmp")
        .map_err(|e| {
            ConnectionError::Other(format!("could not create a directory in /tmp: {e}"))
        })?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .map_err(|e| ConnectionError::Other(format!("chmod {}: {e}", dir.path().display())))?;
    Ok(dir)
}

/// Removes `/tmp/drover-PID-XXXXXX` directories left by drover processes that no longer exist
/// (killed before they could clean up), when they hold nothing but a socket and a log.
fn sweep_stale_dirs() {
    let Ok(entries) = std::fs::read_dir("/tmp") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("drover-")) else {
            continue;
        };
        let Some((pid, suffix)) = rest.split_once('-') else {
            continue;
        };
        if pid.is_empty()
            || !pid.bytes().all(|b| b.is_ascii_digit())
            || suffix.len() != 6
            || Path::new("/proc").join(pid).exists()
            || !Path::new("/proc/self").exists()
        {
            continue;
        }
        let path = entry.path();
        let only_ours = std::fs::read_dir(&path).is_ok_and(|files| {
            files
                .flatten()
                .all(|f| f.file_name() == "m" || f.file_name() == "log")
        });
        if only_ours {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Starts `ssh -M -N` as a child and waits until its control socket appears (it does once the
/// host is authenticated) or it exits (then its log says why).
async fn start_owned(target: &SshTarget) -> Result<Master, ConnectionError> {
    let dir = private_dir()?;
    let socket = dir.path().join("m");
    let log = dir.path().join("log");
    let mut cmd = Command::new("ssh");
    cmd.args(master_args(target, &socket, &log, MasterMode::Owned))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id();
        // SAFETY: the closure only makes async-signal-safe system calls (prctl, getppid).
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before prctl: then nobody would send the signal.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    return Err(std::io::Error::other("parent exited"));
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| {
        ConnectionError::Other(format!(
            "could not run `ssh` (is the OpenSSH client installed?): {e}"
        ))
    })?;
    let start = Instant::now();
    let deadline = connect_deadline(target);
    let mut pause = Duration::from_millis(2);
    loop {
        if socket.exists() {
            break;
        }
        match child.try_wait() {
            Ok(Some(_)) => {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(ConnectionError::Unreachable(connect_failure(
                    &target.display(),
                    &text,
                )));
            }
            Ok(None) => {}
            Err(e) => return Err(ConnectionError::Other(format!("waiting for ssh: {e}"))),
        }
        if start.elapsed() > deadline {
            terminate(&child);
            let _ = child.start_kill();
            let _ = child.wait().await;
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(ConnectionError::Unreachable(format!(
                "{} (gave up after {deadline:?})",
                connect_failure(&target.display(), &format!("connection timed out\n{text}"))
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(20));
    }
    Ok(Master {
        child: Mutex::new(Some(child)),
        socket,
        log,
        dir: Mutex::new(Some(dir)),
    })
}

/// The stable directory for persistent masters: `~/.cache/drover/cm` (mode 0700), or
/// `/tmp/drover-cm-UID` when the home directory's path would make socket paths too long.
fn persistent_dir() -> Result<PathBuf, ConnectionError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = match home {
        Some(h) if h.join(".cache/drover/cm").as_os_str().len() < 80 => h.join(".cache/drover/cm"),
        _ => {
            // SAFETY: geteuid has no preconditions.
            let uid = unsafe { libc::geteuid() };
            PathBuf::from(format!("/tmp/drover-cm-{uid}"))
        }
    };
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| ConnectionError::Other(format!("control directory {}: {e}", dir.display())))?;
    Ok(dir)
}

/// 64-bit FNV-1a: a stable name for a persistent master from the connection's parameters.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Reuses a live master left by an earlier run for the same parameters, or starts one that
/// ssh daemonises and keeps for `keep` after its last use.
async fn start_persistent(target: &SshTarget, keep: Duration) -> Result<Master, ConnectionError> {
    let dir = persistent_dir()?;
    let port = target.port.map(|p| p.to_string()).unwrap_or_default();
    let key = target
        .private_key
        .as_ref()
        .map(|k| k.display().to_string())
        .unwrap_or_default();
    let policy = format!("{:?}", target.host_key_checking);
    let mut parts = vec![
        target.host.as_str(),
        port.as_str(),
        target.user.as_deref().unwrap_or(""),
        key.as_str(),
        policy.as_str(),
    ];
    parts.extend(target.ssh_args.iter().map(String::as_str));
    let name = format!("{:016x}", fnv1a(&parts));
    let socket = dir.join(&name);
    let log = dir.join(format!("{name}.log"));
    let master = Master {
        child: Mutex::new(None),
        socket: socket.clone(),
        log: log.clone(),
        dir: Mutex::new(None),
    };
    if socket.exists() {
        if master.is_alive().await {
            return Ok(master);
        }
        let _ = std::fs::remove_file(&socket);
    }
    let _ = std::fs::remove_file(&log);
    let secs = keep.as_secs().max(1);
    let mut cmd = Command::new("ssh");
    cmd.args(master_args(
        target,
        &socket,
        &log,
        MasterMode::Persist(secs),
    ))
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .kill_on_drop(true);
    let deadline = connect_deadline(target);
    let status = match tokio::time::timeout(deadline, cmd.status()).await {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            return Err(ConnectionError::Other(format!(
                "could not run `ssh` (is the OpenSSH client installed?): {e}"
            )));
        }
        Err(_) => {
            return Err(ConnectionError::Unreachable(connect_failure(
                &target.display(),
                "connection timed out",
            )));
        }
    };
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(ConnectionError::Unreachable(connect_failure(
            &target.display(),
            &text,
        )));
    }
    // ssh forks once the socket listens; allow a moment in case it is not linked yet.
    let start = Instant::now();
    while !socket.exists() && start.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(master)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable_and_separates_parts() {
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
        assert_eq!(fnv1a(&["h", "22"]), fnv1a(&["h", "22"]));
    }
}
