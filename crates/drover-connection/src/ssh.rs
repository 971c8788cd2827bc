//! The `ssh` connection: scripts run by the host's `/bin/sh` over one multiplexed OpenSSH
//! connection per host.
//!
//! The system `ssh` client makes the connection (so `~/.ssh/config`, the agent, `ProxyJump`,
//! `known_hosts` all work as they do for the user), as a ControlMaster that drover owns (see
//! `ssh/master.rs`); channels are then opened through the master's socket by openssh's native
//! mux client, with no process spawned per channel.
//!
//! Scripts go to shells that stay open on the host (see `ssh/shell.rs`): the first command
//! opens a channel running `exec /bin/sh`, and later commands are lines written to it, about
//! 1 ms each instead of about 9 ms and two processes for a channel, a login shell and `sh -c`.
//! Commands that run at the same time on one host get shells of their own, up to
//! `max_sessions` channels (sshd's `MaxSessions` is 10 by default); more wait. Input larger
//! than 256 KiB (`shell::MAX_INLINE_INPUT`) goes over a channel of its own, as the single
//! command line `/bin/sh -c 'SCRIPT'`. Either way the user's login shell runs the command line
//! sshd hands it, so it must be a POSIX-like shell (as for Ansible), and `/bin/sh` must have
//! `printf` as a builtin (every POSIX shell in use has), so that input never appears on a
//! command line.
//!
//! A command that outlives its timeout gets its channel closed (its shell is never reused) and
//! [`ConnectionError::Timeout`]; sshd does not kill the remote process for that (there is no
//! terminal to hang up), but it loses its standard input and output, so most commands end soon
//! after. When the master is gone (the host rebooted, sshd died, the network failed and the
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
mod pool;
mod shell;
mod target;

pub use target::{HostKeyChecking, SshTarget};

use crate::{become_stdin, wrap_become};
use async_trait::async_trait;
use drover_types::{Connection, ConnectionError, Exec, ExecOutput, shell_quote};
use master::Master;
use openssh::{OwningCommand, Stdio};
use pool::{Lease, Pool, Ticket};
use shell::Shell;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// One host over SSH: a ControlMaster and the commands multiplexed over it.
#[derive(Debug)]
pub struct Ssh {
    target: SshTarget,
    master: Master,
    session: Arc<openssh::Session>,
    pool: Pool,
    closed: AtomicBool,
}

impl Ssh {
    /// Connects to `target`: starts the master and waits until it is authenticated. Failures
    /// (refused, timed out, authentication, host key) are [`ConnectionError::Unreachable`] with
    /// ssh's own words and a hint.
    pub async fn connect(target: SshTarget) -> Result<Ssh, ConnectionError> {
        let master = Master::start(&target).await?;
        let session = Arc::new(openssh::Session::resume_mux(master.socket().into(), None));
        let pool = Pool::new(target.max_sessions);
        Ok(Ssh {
            target,
            master,
            session,
            pool,
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

    fn closed_error(&self) -> ConnectionError {
        ConnectionError::Unreachable(format!(
            "{}: the SSH connection was closed",
            self.target.name
        ))
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

    /// Opens the channel `cmd` describes.
    async fn spawn<S: Clone>(
        &self,
        cmd: &mut OwningCommand<S>,
    ) -> Result<openssh::Child<S>, ConnectionError> {
        // sshd frees a session only after the channel-close exchange, which can lag behind the
        // exit status (or the closed shell) that returned our ticket: a refused session is
        // retried for a while. A server with a lower `MaxSessions` than ours refuses while our
        // idle shells hold its sessions: close one each time.
        let mut refused = 0u32;
        loop {
            match cmd.spawn().await {
                Ok(c) => return Ok(c),
                Err(e) if is_session_refused(&e) && refused < 100 => {
                    refused += 1;
                    self.pool.shed_idle();
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(refused.min(10)))).await;
                }
                Err(e) => return Err(self.lost(&e).await),
            }
        }
    }

    /// Opens a shell that will stay open for command after command.
    async fn open_shell(&self, ticket: Ticket) -> Result<Shell, ConnectionError> {
        let mut cmd = openssh::Session::arc_raw_command(self.session.clone(), "exec /bin/sh");
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = self.spawn(&mut cmd).await?;
        let mut shell = Shell::new(child, ticket).ok_or_else(|| {
            ConnectionError::Other(format!(
                "ssh to {}: the shell's channel has no pipes",
                self.target.display()
            ))
        })?;
        // A login script that waits (for input, say) must not hang the run: it gets as long as
        // connecting does.
        let limit = self.target.connect_timeout;
        match tokio::time::timeout(limit, shell.settle()).await {
            Ok(Ok(())) => Ok(shell),
            Ok(Err(e)) => Err(self.lost(&openssh::Error::ChildIo(e)).await),
            Err(_) => Err(ConnectionError::Unreachable(format!(
                "{}: the login shell did not answer within {} s (does a login script wait \
                 for something?)",
                self.target.display(),
                limit.as_secs()
            ))),
        }
    }

    /// Runs `command_line` in an open shell (an idle one, or a new one).
    async fn run_in_shell(
        &self,
        command_line: &str,
        input: Option<&[u8]>,
        timeout: Option<Duration>,
    ) -> Result<ExecOutput, ConnectionError> {
        let mut shell = loop {
            match self.pool.shell().await.map_err(|_| self.closed_error())? {
                // Output after the last command's end (a background process it left) would
                // land in this command's: such a shell is dropped, and another taken.
                Lease::Idle(mut shell) => {
                    if shell.is_quiet() {
                        break shell;
                    }
                }
                Lease::Open(ticket) => break Box::new(self.open_shell(ticket).await?),
            }
        };
        // On a timeout or an error the shell is dropped here, and its channel closed.
        match within(timeout, shell.run(command_line, input)).await? {
            Ok(out) => {
                self.pool.give_back(shell);
                Ok(out)
            }
            Err(e) => Err(self.lost(&openssh::Error::ChildIo(e)).await),
        }
    }

    /// Opens a channel for `command`, feeds `input`, collects both outputs and the status.
    async fn run_in_channel(
        &self,
        command: &str,
        input: Option<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Result<ExecOutput, ConnectionError> {
        // Waiting for a free channel does not count against the command's timeout.
        let _ticket = self.pool.channel().await.map_err(|_| self.closed_error())?;
        // On a timeout, dropping the future drops the mux connection, which makes the master
        // close the channel.
        within(timeout, self.run_channel(command, input)).await?
    }

    async fn run_channel(
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
        let mut child = self.spawn(&mut cmd).await?;
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

/// `run`'s output, or [`ConnectionError::Timeout`] when `limit` passes first (`run` is then
/// dropped).
async fn within<T>(
    limit: Option<Duration>,
    run: impl std::future::Future<Output = T>,
) -> Result<T, ConnectionError> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, run)
            .await
            .map_err(|_| ConnectionError::Timeout(limit)),
        None => Ok(run.await),
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
        if self.closed.load(Ordering::Acquire) {
            return Err(self.closed_error());
        }
        let (command_line, input) = match exec.become_ {
            Some(b) => (wrap_become(exec.script, b), become_stdin(exec.stdin, b)),
            None => (exec.script.to_owned(), exec.stdin.map(<[u8]>::to_vec)),
        };
        if input
            .as_ref()
            .is_some_and(|i| i.len() > shell::MAX_INLINE_INPUT)
        {
            let remote = format!("/bin/sh -c {}", shell_quote(&command_line));
            return self.run_in_channel(&remote, input, exec.timeout).await;
        }
        self.run_in_shell(&command_line, input.as_deref(), exec.timeout)
            .await
    }

    async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.pool.close();
        self.master.shutdown().await;
    }
}
