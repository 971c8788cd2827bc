//! The `ssh` connection: scripts run by the host's `/bin/sh` over one multiplexed OpenSSH
//! connection per host.
//!
//! The system `ssh` client makes the connection (so `~/.ssh/config`, the agent, `ProxyJump`,
//! `known_hosts` all work as they do for the user), as a ControlMaster that drover owns (see
//! [`master`]); each command is then one channel opened through the master's socket by
//! openssh's native mux client, with no process spawned per command.
//!
//! Each command is sent as the single command line `/bin/sh -c 'SCRIPT'`, the script quoted
//! as one word: sshd hands the line to the user's login shell, which only unquotes it. The
//! login shell must be a POSIX-like shell (as for Ansible). At most `max_sessions` commands
//! run at once over one connection (sshd's `MaxSessions` is 10 by default); more wait.
//!
//! A command that outlives its timeout gets its channel closed and [`ConnectionError::Timeout`];
//! sshd does not kill the remote process for that (there is no terminal to hang up), but it
//! loses its standard input and output, so most commands end soon after. A command killed by a
//! signal reports rc 255, as the `ssh` client does (the mux protocol does not tell which
//! signal). When the master is gone (the host rebooted, sshd died, the network failed and the
//! keep-alives, 3 × 15 s, gave up) the command fails with [`ConnectionError::Unreachable`].
//!
//! On SIGINT: the master is in its own process group, so the terminal's Ctrl-C does not reach
//! it; the program's Ctrl-C handler should call [`Connection::close`] on every connection (see
//! [`crate::HostConnector::close_all`]), which ends the masters and removes their directories.
//! If the program dies without that, Linux still ends the masters (parent-death signal), and the
//! next run removes directories left behind in `/tmp`.

mod args;
mod diagnose;
mod master;
mod target;

pub use args::split_args;
pub use target::{HostKeyChecking, SshTarget};

use crate::{become_stdin, wrap_become};
use async_trait::async_trait;
use drover_types::{Connection, ConnectionError, Exec, ExecOutput, shell_quote};
use master::Master;
use openssh::Stdio;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

/// One host over SSH: a ControlMaster and the commands multiplexed over it.
#[derive(Debug)]
pub struct Ssh {
    target: SshTarget,
    master: Master,
    session: openssh::Session,
    slots: Arc<Semaphore>,
    closed: AtomicBool,
}

impl Ssh {
    /// Connects to `target`: starts the master and waits until it is authenticated. Failures
    /// (refused, timed out, authentication, host key) are [`ConnectionError::Unreachable`] with
    /// ssh's own words and a hint.
    pub async fn connect(target: SshTarget) -> Result<Ssh, ConnectionError> {
        let master = Master::start(&target).await?;
        let session = openssh::Session::resume_mux(master.socket().into(), None);
        let slots = Arc::new(Semaphore::new(target.max_sessions.max(1)));
        Ok(Ssh {
            target,
            master,
            session,
            slots,
            closed: AtomicBool::new(false),
        })
    }

    /// What this connection was opened with.
    pub fn target(&self) -> &SshTarget {
        &self.target
    }

    /// The directory that holds the control socket (and ssh's log); for an owned master it is
    /// private to this connection and removed by [`Connection::close`] or on drop.
    pub fn control_dir(&self) -> PathBuf {
        self.master.dir()
    }

    /// The master's control socket (`ssh -S SOCKET -O check` works on it).
    pub fn control_socket(&self) -> &std::path::Path {
        self.master.socket()
    }

    /// Whether the master is still connected.
    pub async fn is_alive(&self) -> bool {
        !self.closed.load(Ordering::Acquire) && self.master.is_alive().await
    }

    /// The error for a command that could not run because of `err`: `Unreachable` when the
    /// master is gone.
    async fn lost(&self, err: &openssh::Error) -> ConnectionError {
        if self.closed.load(Ordering::Acquire) {
            return ConnectionError::Unreachable(format!(
                "{}: the SSH connection was closed",
                self.target.name
            ));
        }
        if !self.master_alive_settled().await {
            let tail = self.master.log_tail();
            let why = if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            };
            return ConnectionError::Unreachable(format!(
                "lost the SSH connection to {}{why}",
                self.target.display()
            ));
        }
        ConnectionError::Other(format!(
            "ssh to {}: {err}{}",
            self.target.display(),
            source_text(err)
        ))
    }

    /// Whether the master lives, looking twice: a master whose server just went away may take
    /// a moment to notice and exit.
    async fn master_alive_settled(&self) -> bool {
        if !self.master.is_alive().await {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.master.is_alive().await
    }

    /// Opens a channel for `command`, feeds `input`, collects both outputs and the status.
    async fn run(
        &self,
        command: &str,
        input: Option<Vec<u8>>,
    ) -> Result<ExecOutput, ConnectionError> {
        let mut cmd = self.session.raw_command(command);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        // sshd frees a session only after the channel-close exchange, which can lag behind the
        // exit status that released our slot: a refused session is retried for a while.
        let mut refused = 0u32;
        let mut child = loop {
            match cmd.spawn().await {
                Ok(c) => break c,
                Err(e) if is_session_refused(&e) && refused < 100 => {
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(refused.min(10)))).await;
                }
                Err(e) => return Err(self.lost(&e).await),
            }
        };
        let stdin = child.stdin().take();
        let stdout = child.stdout().take();
        let stderr = child.stderr().take();
        let write = async move {
            if let (Some(mut pipe), Some(data)) = (stdin, input) {
                // A script that exits without reading its input closes the pipe: not an error.
                let _ = pipe.write_all(&data).await;
                let _ = pipe.shutdown().await;
            }
        };
        let ((), out, err) = tokio::join!(write, read_all(stdout), read_all(stderr));
        let status = child.wait().await;
        let (stdout, stderr) = match (out, err) {
            (Ok(o), Ok(e)) => (o, e),
            (Err(e), _) | (_, Err(e)) => {
                return Err(self.lost(&openssh::Error::ChildIo(e)).await);
            }
        };
        let rc = match status {
            Ok(s) => s
                .code()
                .or_else(|| s.signal().map(|n| 128 + n))
                .unwrap_or(-1),
            // The mux client reports exit status 127 as an error of its own.
            Err(openssh::Error::Remote(e)) if e.kind() == std::io::ErrorKind::NotFound => 127,
            Err(openssh::Error::RemoteProcessTerminated) if self.master_alive_settled().await => {
                255
            }
            Err(e) => return Err(self.lost(&e).await),
        };
        Ok(ExecOutput { rc, stdout, stderr })
    }
}

/// Whether sshd refused to open one more session (its `MaxSessions`, or sessions of ours it
/// has not finished closing).
fn is_session_refused(err: &openssh::Error) -> bool {
    matches!(err, openssh::Error::SshMux(_)) && source_text(err).contains("open refused")
}

/// ` (cause)` for an error with a source, else nothing.
fn source_text(err: &openssh::Error) -> String {
    match std::error::Error::source(err) {
        Some(s) => format!(" ({s})"),
        None => String::new(),
    }
}

async fn read_all<R: AsyncRead + Unpin>(pipe: Option<R>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(mut p) = pipe {
        p.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

#[async_trait]
impl Connection for Ssh {
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError> {
        let closed = || {
            ConnectionError::Unreachable(format!(
                "{}: the SSH connection was closed",
                self.target.name
            ))
        };
        if self.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        let (command_line, input) = match exec.become_ {
            Some(b) => (wrap_become(exec.script, b), become_stdin(exec.stdin, b)),
            None => (exec.script.to_owned(), exec.stdin.map(<[u8]>::to_vec)),
        };
        let remote = format!("/bin/sh -c {}", shell_quote(&command_line));
        // Waiting for a free channel does not count against the command's timeout.
        let _permit = self.slots.acquire().await.map_err(|_| closed())?;
        let run = self.run(&remote, input);
        match exec.timeout {
            // Dropping `run` drops the mux connection, which makes the master close the channel.
            Some(limit) => tokio::time::timeout(limit, run)
                .await
                .map_err(|_| ConnectionError::Timeout(limit))?,
            None => run.await,
        }
    }

    async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.slots.close();
        self.master.shutdown().await;
    }
}
