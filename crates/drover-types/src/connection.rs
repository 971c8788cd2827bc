use async_trait::async_trait;
use std::time::Duration;

/// How to run a command as another user on the host (Ansible's `become`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Become {
    /// The user to become; `root` by default.
    pub user: String,
    /// sudo or su.
    pub method: BecomeMethod,
    /// Sent on stdin before the command's own input, never on a command line.
    pub password: Option<String>,
}

/// The become methods drover supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BecomeMethod {
    /// `sudo -u user`.
    Sudo,
    /// `su user -c`.
    Su,
}

/// One command for a host's `/bin/sh`: the script is run as `sh -c script`.
#[derive(Debug, Clone, Default)]
pub struct Exec<'a> {
    /// A POSIX shell script. Every value inside it must already be quoted.
    pub script: &'a str,
    /// Bytes written to the command's standard input, then closed.
    pub stdin: Option<&'a [u8]>,
    /// Run as another user.
    pub become_: Option<&'a Become>,
    /// Give up (and report a failure) after this long.
    pub timeout: Option<Duration>,
}

impl<'a> Exec<'a> {
    /// A plain script with no input.
    pub fn script(script: &'a str) -> Self {
        Exec {
            script,
            ..Exec::default()
        }
    }

    /// The same command with `stdin` as its input.
    pub fn with_stdin(mut self, stdin: &'a [u8]) -> Self {
        self.stdin = Some(stdin);
        self
    }

    /// The same command run as another user (when `become_` is `Some`).
    pub fn with_become(mut self, become_: Option<&'a Become>) -> Self {
        self.become_ = become_;
        self
    }
}

/// What a command left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit status; a command killed by a signal reports 128 + the signal number, as a shell does.
    pub rc: i32,
    /// Everything it wrote to standard output.
    pub stdout: Vec<u8>,
    /// Everything it wrote to standard error.
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// Standard output as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Why a host could not be reached or a command could not be run at all. A command that ran and
/// failed is not an error: it is an [`ExecOutput`] with a non-zero `rc`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The host cannot be reached: the host is counted `unreachable`.
    #[error("{0}")]
    Unreachable(String),
    /// The command did not finish in time.
    #[error("command timed out after {0:?}")]
    Timeout(Duration),
    /// Anything else that went wrong on the controller side.
    #[error("{0}")]
    Other(String),
}

/// A way to reach one host: a POSIX shell over a pipe. `local` runs `/bin/sh` on the controller;
/// `ssh` runs it over one multiplexed SSH connection. Modules see hosts only through this.
#[async_trait]
pub trait Connection: Send + Sync {
    /// Runs one script and waits for it.
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError>;

    /// Writes `content` to `path` on the host (creating or truncating it). Modules write to a
    /// temporary name and rename, so this need not be atomic.
    async fn put(
        &self,
        content: &[u8],
        path: &str,
        become_: Option<&Become>,
    ) -> Result<(), ConnectionError> {
        let script = format!("cat > {}", crate::shell_quote(path));
        let out = self
            .exec(
                Exec::script(&script)
                    .with_stdin(content)
                    .with_become(become_),
            )
            .await?;
        if out.rc != 0 {
            return Err(ConnectionError::Other(format!(
                "could not write `{path}`: {}",
                out.stderr_text().trim()
            )));
        }
        Ok(())
    }

    /// Reads a whole file from the host; `Ok(None)` when it does not exist.
    async fn get(
        &self,
        path: &str,
        become_: Option<&Become>,
    ) -> Result<Option<Vec<u8>>, ConnectionError> {
        let q = crate::shell_quote(path);
        let script = format!("if [ -e {q} ]; then exec cat -- {q}; else exit 3; fi");
        let out = self
            .exec(Exec::script(&script).with_become(become_))
            .await?;
        match out.rc {
            0 => Ok(Some(out.stdout)),
            3 => Ok(None),
            _ => Err(ConnectionError::Other(format!(
                "could not read `{path}`: {}",
                out.stderr_text().trim()
            ))),
        }
    }

    /// Releases what the connection holds (an SSH master, temp files). Idempotent.
    async fn close(&self) {}
}

/// Opens connections: the engine asks for one per host, with the host's variables
/// (`ansible_connection`, `ansible_host`, `ansible_user`...), and never knows which kind it got.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Connects to `host`. A host that cannot be reached is `ConnectionError::Unreachable`.
    async fn connect(
        &self,
        host: &str,
        vars: &crate::Map,
    ) -> Result<std::sync::Arc<dyn Connection>, ConnectionError>;
}
