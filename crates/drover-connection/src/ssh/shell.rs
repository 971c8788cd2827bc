//! A `/bin/sh` that stays open on the host and runs one script after another, so a task costs
//! one line written to a pipe instead of a new SSH channel, a login shell and an inner shell.
//!
//! The shell reads its commands from the channel's standard input. Each script is sent as one
//! line that cannot break the shell's own parsing whatever the script holds:
//!
//! ```sh
//! ( eval 'SCRIPT' ) </dev/null; printf '\n%s %d\n' TOKEN "$?"; printf '\n%s\n' TOKEN >&2
//! ```
//!
//! * the script is a single-quoted word given to `eval` in a subshell, so a syntax error, an
//!   `exit`, a `cd` or a `set -e` ends or changes only that subshell, as with `sh -c`, for the
//!   cost of a fork where `sh -c` would cost a fork and an exec. A subshell differs from a new
//!   shell in one way a script can see: `$$` and `$PPID` name the long-lived shell and its
//!   parent. So a script that mentions either runs as `/bin/sh -c 'SCRIPT'` instead;
//! * the script's standard input is `/dev/null`, never the shell's own input (it would swallow
//!   the next commands); input for it is written by the builtin `printf` into a pipe, every
//!   byte that is not printable ASCII as an octal escape, so any bytes (NUL included) arrive
//!   as they were and nothing but the shell ever sees them;
//! * after the script, a line holding a token (random per shell, numbered per command) ends its
//!   output on each stream, with the exit status on stdout. Each stream keeps its own order, so
//!   everything the script wrote comes before the token on that stream.
//!
//! A new shell first echoes a marker of its own: whatever the login shell printed before it (a
//! banner or warnings from its rc files) is thrown away. A shell whose stream breaks, whose
//! command timed out, or that has sent anything since its last command ended (a background
//! process left holding its outputs) is dropped, never reused.

use super::pool::Ticket;
use drover_types::{ExecOutput, shell_quote};
use futures_util::FutureExt;
use openssh::{ChildStderr, ChildStdin, ChildStdout, Session};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Input larger than this goes over a channel of its own: escaped for `printf`, binary data
/// grows up to four times.
pub(super) const MAX_INLINE_INPUT: usize = 256 * 1024;

/// One shell, open on the host, idle between commands.
pub(super) struct Shell {
    // Dropping the child closes the channel; the ticket then frees the channel's place.
    _child: openssh::Child<Arc<Session>>,
    ticket: Ticket,
    stdin: ChildStdin,
    stdout: Stream<ChildStdout>,
    stderr: Stream<ChildStderr>,
    token: String,
    count: u64,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell").field("count", &self.count).finish()
    }
}

impl Shell {
    /// Wraps a channel already running `exec /bin/sh` with piped stdin, stdout and stderr.
    /// Returns `None` when the channel is missing a pipe.
    pub(super) fn new(mut child: openssh::Child<Arc<Session>>, ticket: Ticket) -> Option<Shell> {
        let stdin = child.stdin().take()?;
        let stdout = child.stdout().take()?;
        let stderr = child.stderr().take()?;
        Some(Shell {
            _child: child,
            ticket,
            stdin,
            stdout: Stream::new(stdout),
            stderr: Stream::new(stderr),
            token: random_token(),
            count: 0,
        })
    }

    /// Waits until a new shell answers, throwing away whatever came first: a login script that
    /// prints a banner or a warning even without a terminal would otherwise end up in the
    /// first command's output.
    pub(super) async fn settle(&mut self) -> std::io::Result<()> {
        // The banner, if any, is the output of this no-op command, and is dropped with it.
        self.run(":", None).await.map(drop)
    }

    /// Whether nothing has come from the shell since its last command ended (and it is still
    /// open). A background process that a script left holding the outputs can write after the
    /// end marker; such a shell is not reused.
    pub(super) fn is_quiet(&mut self) -> bool {
        self.stdout.buf.is_empty()
            && self.stderr.buf.is_empty()
            && self.stdout.nothing_ready()
            && self.stderr.nothing_ready()
    }

    /// Closes the shell's channel, keeping its place for another.
    pub(super) fn into_ticket(self) -> Ticket {
        self.ticket
    }

    /// Runs `command_line` (a script for `sh`) with `input` as its standard input and waits for
    /// its outputs and status. An error (the stream broke) or a cancelled future leaves the
    /// shell unusable: drop it.
    pub(super) async fn run(
        &mut self,
        command_line: &str,
        input: Option<&[u8]>,
    ) -> std::io::Result<ExecOutput> {
        self.count += 1;
        let token = format!("{}{}", self.token, self.count);
        let line = command_text(command_line, input, &token);
        self.stdin.write_all(line.as_bytes()).await?;
        self.stdin.flush().await?;
        let out_marker = format!("\n{token} ");
        let err_marker = format!("\n{token}\n");
        let (stdout, stderr) = tokio::join!(
            self.stdout.read_until(out_marker.as_bytes()),
            self.stderr.read_until(err_marker.as_bytes()),
        );
        let (stdout, stderr) = (stdout?, stderr?);
        let status = self.stdout.read_until(b"\n").await?;
        let rc = std::str::from_utf8(&status)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the remote shell sent no exit status",
                )
            })?;
        Ok(ExecOutput { rc, stdout, stderr })
    }
}

/// The line that makes the shell run `script` with `input`, then mark the end of its output
/// with `token`.
fn command_text(script: &str, input: Option<&[u8]>, token: &str) -> String {
    let body = if needs_own_shell(script) {
        format!("/bin/sh -c {}", shell_quote(script))
    } else {
        format!("( eval {} )", shell_quote(script))
    };
    let run = match input {
        None => format!("{body} </dev/null"),
        // printf's own complaints (a script that does not read its input) must not reach the
        // script's stderr.
        Some(data) => format!(
            "printf {} 2>/dev/null | {body}",
            shell_quote(&printf_format(data))
        ),
    };
    format!("{run}; printf '\\n%s %d\\n' {token} \"$?\"; printf '\\n%s\\n' {token} >&2\n")
}

/// Whether `script` may look at its own process ids, which a subshell would get wrong.
fn needs_own_shell(script: &str) -> bool {
    ["$$", "${$}", "PPID"].iter().any(|s| script.contains(s))
}

/// A `printf` format that prints exactly `data`.
fn printf_format(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() + data.len() / 8);
    for &b in data {
        match b {
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str("\\\\"),
            b'\n' | b' '..=b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out
}

/// A marker that no script's output will hold by chance (not a secret).
fn random_token() -> String {
    format!("DROVER{}x", drover_types::random_hex())
}

/// A pipe read in chunks, with what was read past the last marker kept for the next call.
struct Stream<R> {
    pipe: R,
    buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin> Stream<R> {
    fn new(pipe: R) -> Self {
        Stream {
            pipe,
            buf: Vec::new(),
        }
    }

    /// Whether a read would have to wait: no data and no end of stream is pending. The read is
    /// polled once, never awaited (a zero timeout would wait for the timer's next tick).
    fn nothing_ready(&mut self) -> bool {
        let mut byte = [0u8; 1];
        self.pipe.read(&mut byte).now_or_never().is_none()
    }

    /// Everything up to `marker`, which is consumed too. The end of the stream before the
    /// marker is an error.
    async fn read_until(&mut self, marker: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut searched = 0;
        loop {
            if let Some(at) = memchr::memmem::find(&self.buf[searched..], marker) {
                let end = searched + at;
                let rest = self.buf.split_off(end + marker.len());
                let mut found = std::mem::replace(&mut self.buf, rest);
                found.truncate(end);
                return Ok(found);
            }
            searched = self.buf.len().saturating_sub(marker.len() - 1);
            let mut chunk = [0u8; 16 * 1024];
            let n = self.pipe.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the remote shell ended",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `command_text`'s line to the controller's own `/bin/sh`, as to a host's shell.
    fn run_locally(script: &str, input: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let line = command_text(script, input, "TOK1");
        let mut sh = Command::new("/bin/sh")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = sh.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(line.as_bytes()));
        let out = sh.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        (out.stdout, out.stderr)
    }

    #[test]
    fn printf_format_reproduces_every_byte() {
        let data: Vec<u8> = (0..=255u8)
            .chain(b"%s %% \\n \\\\ '\"$(x)`".iter().copied())
            .collect();
        let (stdout, _) = run_locally("cat", Some(&data));
        let mut want = data.clone();
        want.extend_from_slice(b"\nTOK1 0\n");
        assert_eq!(stdout, want);
    }

    #[test]
    fn script_status_and_streams_are_framed() {
        let (stdout, stderr) = run_locally("echo out; echo err >&2; exit 7", None);
        assert_eq!(stdout, b"out\n\nTOK1 7\n");
        assert_eq!(stderr, b"err\n\nTOK1\n");
    }

    #[test]
    fn a_syntax_error_or_exit_stays_inside_the_scripts_shell() {
        let (stdout, _) = run_locally("if then 'unbalanced", None);
        let text = String::from_utf8(stdout).unwrap();
        assert!(text.ends_with("\nTOK1 2\n"), "{text:?}");
    }

    #[test]
    fn a_script_that_asks_for_its_pid_gets_a_shell_of_its_own() {
        let (stdout, _) = run_locally("echo $PPID $$; kill -TERM $$", None);
        let text = String::from_utf8(stdout).unwrap();
        let (pids, status) = text.split_once("\n\nTOK1 ").unwrap();
        let (parent, own) = pids.split_once(' ').unwrap();
        assert_ne!(parent, own);
        assert_eq!(status, "143\n");
        assert!(command_text("echo ${$}", None, "T").contains("/bin/sh -c"));
        assert!(command_text("echo $HOME", None, "T").contains("( eval "));
    }

    #[test]
    fn a_script_that_ignores_its_input_leaves_stderr_clean() {
        let big = vec![b'x'; 200_000];
        let (stdout, stderr) = run_locally("true", Some(&big));
        assert_eq!(stdout, b"\nTOK1 0\n");
        assert_eq!(stderr, b"\nTOK1\n");
    }

    #[tokio::test]
    async fn stream_splits_at_markers_across_chunks() {
        let data: &[u8] = b"abc\nTOK1 0\nrest\nTOK2 1\n";
        let mut s = Stream::new(data);
        assert_eq!(s.read_until(b"\nTOK1 ").await.unwrap(), b"abc");
        assert_eq!(s.read_until(b"\n").await.unwrap(), b"0");
        assert_eq!(s.read_until(b"\nTOK2 ").await.unwrap(), b"rest");
        assert!(s.read_until(b"\nTOK3 ").await.is_err());
    }

    /// A pipe that hands out at most `step` bytes per read, to split markers anywhere.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl AsyncRead for Trickle<'_> {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            let n = self.step.min(self.data.len()).min(buf.remaining());
            buf.put_slice(&self.data[..n]);
            self.data = &self.data[n..];
            std::task::Poll::Ready(Ok(()))
        }
    }

    /// Pseudo-random bytes (a fixed LCG: the same every run).
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (x >> 56) as u8
            })
            .collect()
    }

    #[tokio::test]
    async fn markers_split_across_any_reads_are_found() {
        for step in 1..=7 {
            for (i, len) in [0usize, 1, 5, 40, 3000].into_iter().enumerate() {
                // Output that ends with part of a marker must not be mistaken for one.
                let mut first = noise(i as u64, len);
                first.extend_from_slice(b"\nTOK");
                let second = noise(100 + i as u64, len / 2);
                let mut all = first.clone();
                all.extend_from_slice(b"\nTOK1 0\n");
                all.extend_from_slice(&second);
                all.extend_from_slice(b"\nTOK2 3\n");
                let mut s = Stream::new(Trickle { data: &all, step });
                assert_eq!(
                    s.read_until(b"\nTOK1 ").await.unwrap(),
                    first,
                    "step {step}"
                );
                assert_eq!(s.read_until(b"\n").await.unwrap(), b"0");
                assert_eq!(s.read_until(b"\nTOK2 ").await.unwrap(), second);
                assert_eq!(s.read_until(b"\n").await.unwrap(), b"3");
            }
        }
    }

    #[test]
    fn random_input_arrives_byte_for_byte() {
        for (seed, len) in [(1u64, 1usize), (2, 255), (3, 4096), (4, 70_000)] {
            let data = noise(seed, len);
            let (stdout, stderr) = run_locally("cat", Some(&data));
            assert_eq!(stderr, b"\nTOK1\n");
            assert_eq!(&stdout[..data.len()], &data[..], "seed {seed}");
            assert_eq!(&stdout[data.len()..], b"\nTOK1 0\n");
        }
    }
}
