//! The `local` connection: scripts run by the controller's own `/bin/sh`.

use crate::{become_stdin, wrap_become};
use async_trait::async_trait;
use drover_types::{Connection, ConnectionError, Connector, Exec, ExecOutput, Map};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// The controller itself, through `/bin/sh`.
///
/// Each script runs as `/bin/sh -c SCRIPT` in a process group of its own, so that a timeout kills
/// the script and everything it started. Standard input is written while the outputs are read,
/// so a script may produce any amount of output before it has read all of its input.
#[derive(Debug, Default)]
pub struct Local;

#[async_trait]
impl Connection for Local {
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError> {
        let (command_line, input) = match exec.become_ {
            Some(b) => (wrap_become(exec.script, b), become_stdin(exec.stdin, b)),
            None => (exec.script.to_owned(), exec.stdin.map(<[u8]>::to_vec)),
        };
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(&command_line)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| ConnectionError::Other(format!("could not start /bin/sh: {e}")))?;
        let pid = child.id();
        // If this future is dropped (the run is cancelled), the whole group goes with it.
        let mut guard = GroupGuard(pid);
        let run = collect(&mut child, input);
        let result = match exec.timeout {
            Some(limit) => match tokio::time::timeout(limit, run).await {
                Ok(r) => r,
                Err(_) => {
                    kill_group(pid);
                    guard.0 = None;
                    let _ = child.wait().await;
                    return Err(ConnectionError::Timeout(limit));
                }
            },
            None => run.await,
        };
        guard.0 = None;
        result.map_err(|e| ConnectionError::Other(format!("running a local command: {e}")))
    }
}

/// Feeds `input` to the child while reading both outputs, then waits for it.
async fn collect(child: &mut Child, input: Option<Vec<u8>>) -> std::io::Result<ExecOutput> {
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let write = async move {
        if let (Some(mut pipe), Some(data)) = (stdin, input) {
            // A script that exits without reading its input closes the pipe: not an error.
            let _ = pipe.write_all(&data).await;
            let _ = pipe.shutdown().await;
        }
    };
    let ((), out, err) = tokio::join!(write, read_all(stdout), read_all(stderr));
    let status = child.wait().await?;
    let rc = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => -1,
    };
    Ok(ExecOutput {
        rc,
        stdout: out?,
        stderr: err?,
    })
}

async fn read_all<R: AsyncRead + Unpin>(pipe: Option<R>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(mut p) = pipe {
        p.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

/// Kills the script's process group when dropped before the script finished.
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0.take());
    }
}

/// Ends the process group led by `pid` (the script and all it started): SIGTERM first, so that
/// a script's traps remove its temp files, then SIGKILL a moment later for whatever ignored it.
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: kill(2) has no memory-safety preconditions; a stale group id fails with ESRCH.
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            // SAFETY: as above.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        });
    }
}

/// Hands out [`Local`] connections for every host.
#[derive(Debug, Default)]
pub struct LocalConnector;

#[async_trait]
impl Connector for LocalConnector {
    async fn connect(
        &self,
        _host: &str,
        _vars: &Map,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        Ok(Arc::new(Local))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn runs_script_and_collects_output() {
        let out = Local
            .exec(Exec::script("echo out; echo err >&2; exit 3"))
            .await
            .unwrap();
        assert_eq!(out.rc, 3);
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[tokio::test]
    async fn large_input_and_output_do_not_deadlock() {
        let data = vec![b'x'; 4 << 20];
        let out = Local
            .exec(Exec::script("cat; cat >&2 </dev/null").with_stdin(&data))
            .await
            .unwrap();
        assert_eq!(out.rc, 0);
        assert_eq!(out.stdout.len(), data.len());
    }

    #[tokio::test]
    async fn unread_input_is_fine() {
        let data = vec![b'y'; 1 << 20];
        let out = Local
            .exec(Exec::script("echo hi").with_stdin(&data))
            .await
            .unwrap();
        assert_eq!(out.stdout, b"hi\n");
    }

    #[tokio::test]
    async fn signal_gives_128_plus_n() {
        let out = Local.exec(Exec::script("kill -TERM $$")).await.unwrap();
        assert_eq!(out.rc, 128 + 15);
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let start = Instant::now();
        let mut exec = Exec::script("sleep 30 & sleep 30; echo never");
        exec.timeout = Some(Duration::from_millis(300));
        let err = Local.exec(exec).await.unwrap_err();
        assert!(matches!(err, ConnectionError::Timeout(_)));
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    /// sudo tests need root (so sudo asks no password) and sudo itself.
    fn can_sudo() -> bool {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() == 0 };
        root && std::path::Path::new("/usr/bin/sudo").exists()
    }

    #[tokio::test]
    async fn become_with_sudo_runs_as_the_user_and_keeps_stdin() {
        if !can_sudo() {
            return;
        }
        use drover_types::{Become, BecomeMethod};
        let b = Become {
            user: "nobody".into(),
            method: BecomeMethod::Sudo,
            password: None,
        };
        let out = Local
            .exec(
                Exec::script("id -un; cat")
                    .with_stdin(b"in'put")
                    .with_become(Some(&b)),
            )
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), "nobody\nin'put", "{}", out.stderr_text());
        // With a password sudo does not need: the password line never reaches the script.
        let b = Become {
            user: "root".into(),
            method: BecomeMethod::Sudo,
            password: Some("pw".into()),
        };
        let out = Local
            .exec(
                Exec::script("cat")
                    .with_stdin(b"data\nmore")
                    .with_become(Some(&b)),
            )
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), "data\nmore", "{}", out.stderr_text());
        let out = Local
            .exec(Exec::script("id -u").with_become(Some(&b)))
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), "0\n");
    }

    #[tokio::test]
    async fn become_with_su_from_root() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        use drover_types::{Become, BecomeMethod};
        let b = Become {
            user: "root".into(),
            method: BecomeMethod::Su,
            password: None,
        };
        let out = Local
            .exec(Exec::script("echo \"it's $(id -u)\"").with_become(Some(&b)))
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), "it's 0\n", "{}", out.stderr_text());
    }

    #[tokio::test]
    async fn cancelling_kills_the_group() {
        let dir = std::env::temp_dir().join(format!("drover-cancel-{}", std::process::id()));
        let marker = dir.to_str().unwrap().to_owned();
        let script = format!("(sleep 1; touch '{marker}') & sleep 30");
        let run = Local.exec(Exec::script(&script));
        assert!(
            tokio::time::timeout(Duration::from_millis(200), run)
                .await
                .is_err()
        );
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            !dir.exists(),
            "the background job survived the cancelled run"
        );
    }
}
