//! Helpers for drover's integration tests: a temp project directory and the real `drover` binary.
//!
//! The pieces, all small and independent:
//!
//! * [`Project`] — a temporary directory to write playbooks, inventories and files into.
//! * [`copy_tree`] — copies a directory (modes and symlinks kept), e.g. a checked-in test case.
//! * [`find_binary`] — where cargo put a binary of the workspace (prefer
//!   `env!("CARGO_BIN_EXE_drover")` inside integration tests of the `drover` crate).
//! * [`Cmd`] / [`RunOutput`] — runs a program with args and environment (`NO_COLOR=1`, no stdin,
//!   a timeout) and captures exit code, stdout and stderr.
//! * [`redact`] — makes output stable for snapshots: temp paths become `[ROOT]`, timestamps
//!   `[TIMESTAMP]`, durations `[DURATION]`.
//! * [`parse_recap`] — the `PLAY RECAP` counts per host.
//! * [`snapshot_tree`] / [`diff_trees`] — a directory's files, kinds, modes, contents and link
//!   targets (not times), and a readable difference between two such snapshots.

pub mod sshd;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use regex::Regex;

/// A temporary directory to build a test project in; removed when dropped.
///
/// ```no_run
/// let project = drover_test::Project::new();
/// project
///     .file("playbook.yml", "- hosts: localhost\n  tasks: []\n")
///     .file("files/a.txt", "hello\n");
/// assert!(project.join("files/a.txt").exists());
/// ```
#[derive(Debug)]
pub struct Project {
    dir: tempfile::TempDir,
}

impl Default for Project {
    fn default() -> Self {
        Self::new()
    }
}

impl Project {
    /// Creates an empty project in a fresh temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("drover-test-")
            .tempdir()
            .expect("create a temporary directory");
        Self { dir }
    }

    /// The project's root directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `root/rel`.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` to `rel` (parent directories created as needed).
    pub fn file(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Writes a file and sets its permission bits (e.g. `0o755` for a script).
    pub fn file_with_mode(
        &self,
        rel: impl AsRef<Path>,
        contents: impl AsRef<[u8]>,
        mode: u32,
    ) -> &Self {
        let rel = rel.as_ref();
        self.file(rel, contents);
        let path = self.join(rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
        self
    }

    /// Creates the directory `rel` (and its parents).
    pub fn dir(&self, rel: impl AsRef<Path>) -> &Self {
        let path = self.join(rel);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        self
    }

    /// Creates a symlink at `rel` pointing to `target` (taken literally).
    pub fn symlink(&self, rel: impl AsRef<Path>, target: impl AsRef<Path>) -> &Self {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::os::unix::fs::symlink(target.as_ref(), &path)
            .unwrap_or_else(|e| panic!("symlink {}: {e}", path.display()));
        self
    }

    /// Copies everything under `src` into the project root (see [`copy_tree`]).
    pub fn copy_from(&self, src: impl AsRef<Path>) -> &Self {
        let src = src.as_ref();
        copy_tree(src, self.path()).unwrap_or_else(|e| {
            panic!("copy {} into {}: {e}", src.display(), self.path().display())
        });
        self
    }

    /// Reads `rel` as UTF-8 text (panics when missing).
    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let path = self.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Keeps the directory on disk after the test (a debugging aid) and returns its path.
    pub fn keep(self) -> PathBuf {
        self.dir.keep()
    }
}

/// Copies the contents of directory `src` into `dst` (created if missing), recursively:
/// regular files with their permission bits, directories with theirs, symlinks as symlinks
/// (targets unchanged).
pub fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    let mut entries: Vec<_> = std::fs::read_dir(src)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let meta = std::fs::symlink_metadata(&from)?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from)?, &to)?;
        } else if kind.is_dir() {
            copy_tree(&from, &to)?;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        } else {
            std::fs::copy(&from, &to)?;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        }
    }
    Ok(())
}

/// Finds a binary built by cargo for this workspace.
///
/// Uses `CARGO_BIN_EXE_<name>` from the environment at run time when set (nextest sets it),
/// else the cargo layout: a test executable lives in `target/<profile>/deps/`, binaries in
/// `target/<profile>/`. Inside integration tests of the crate that owns the binary, prefer
/// `env!("CARGO_BIN_EXE_<name>")`, which also makes cargo build it first.
pub fn find_binary(name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(format!("CARGO_BIN_EXE_{name}")) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("path of the running test executable");
    let mut dir = exe
        .parent()
        .expect("test executable has a parent directory")
        .to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let candidate = dir.join(name);
    assert!(
        candidate.is_file(),
        "binary `{name}` not found at {} (build it first: cargo build -p {name})",
        candidate.display()
    );
    candidate
}

/// The result of a finished (or timed-out) [`Cmd`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// The exit code; `None` when killed by a signal (or by the timeout).
    pub code: Option<i32>,
    /// Standard output, lossily decoded as UTF-8.
    pub stdout: String,
    /// Standard error, lossily decoded as UTF-8.
    pub stderr: String,
    /// True when the timeout fired and the process was killed.
    pub timed_out: bool,
}

impl RunOutput {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// A block for failure messages: exit code, stdout and stderr, labelled.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let code = match self.code {
            Some(c) => c.to_string(),
            None if self.timed_out => "none (timed out, killed)".to_owned(),
            None => "none (killed by a signal)".to_owned(),
        };
        let _ = writeln!(s, "exit code: {code}");
        let _ = writeln!(s, "--- stdout ---\n{}", self.stdout.trim_end());
        let _ = writeln!(s, "--- stderr ---\n{}", self.stderr.trim_end());
        s
    }
}

/// A command to run: program, args, environment, working directory and a timeout.
///
/// Always sets `NO_COLOR=1`; stdin is `/dev/null`. The default timeout is 300 s.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
    timeout: Duration,
}

impl Cmd {
    /// A command running `program` (a path, or a name looked up on `PATH`).
    pub fn new(program: impl AsRef<Path>) -> Self {
        Self {
            program: program.as_ref().to_path_buf(),
            args: Vec::new(),
            env: vec![("NO_COLOR".into(), Some("1".into()))],
            cwd: None,
            timeout: Duration::from_secs(300),
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((
            key.as_ref().to_os_string(),
            Some(value.as_ref().to_os_string()),
        ));
        self
    }

    /// Removes an inherited environment variable from the child's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_os_string(), None));
        self
    }

    /// Runs the child in `dir`.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Kills the child after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The command line, for messages.
    pub fn display(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    /// Runs the command to completion (or timeout) and captures its output.
    ///
    /// Panics when the program cannot be started at all.
    pub fn run(&self) -> RunOutput {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.display()));
        let mut out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            buf
        });
        let deadline = Instant::now() + self.timeout;
        let mut timed_out = false;
        let status = loop {
            match child.try_wait().expect("wait for child") {
                Some(status) => break status,
                None if Instant::now() >= deadline => {
                    timed_out = true;
                    let _ = child.kill();
                    break child.wait().expect("wait for killed child");
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        RunOutput {
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            timed_out,
        }
    }
}

static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap());
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
        .unwrap()
});
static CLOCK_DURATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d+:\d{2}:\d{2}\.\d+\b").unwrap());
static UNIT_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|secs?|seconds?|mins?|minutes?)\b").unwrap()
});
static ANSIBLE_TMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ansible-tmp-[0-9.]+-\d+-\d+").unwrap());

/// Makes command output stable for snapshots.
///
/// * ANSI colour sequences are removed;
/// * `root` (as given and canonicalized) becomes `[ROOT]`;
/// * timestamps like `2024-05-01 12:34:56.789012` or `2024-05-01T12:34:56Z` become `[TIMESTAMP]`;
/// * durations like `0:00:00.012345`, `1.5s`, `12 ms`, `3 seconds` become `[DURATION]`;
/// * ansible's remote temp directory names `ansible-tmp-<time>-<pid>-<n>` become `ansible-tmp-[ID]`.
pub fn redact(text: &str, root: &Path) -> String {
    let mut s = ANSI.replace_all(text, "").into_owned();
    let mut roots = vec![root.to_string_lossy().into_owned()];
    if let Ok(canonical) = root.canonicalize() {
        roots.push(canonical.to_string_lossy().into_owned());
    }
    roots.retain(|r| !r.is_empty() && r != "/");
    roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
    roots.dedup();
    for r in &roots {
        s = s.replace(r.trim_end_matches('/'), "[ROOT]");
    }
    s = TIMESTAMP.replace_all(&s, "[TIMESTAMP]").into_owned();
    s = CLOCK_DURATION.replace_all(&s, "[DURATION]").into_owned();
    s = UNIT_DURATION.replace_all(&s, "[DURATION]").into_owned();
    ANSIBLE_TMP.replace_all(&s, "ansible-tmp-[ID]").into_owned()
}

/// The order of the counts in a [`Recap`] — the order of ansible-playbook's `PLAY RECAP` line.
pub const RECAP_KEYS: [&str; 7] = [
    "ok",
    "changed",
    "unreachable",
    "failed",
    "skipped",
    "rescued",
    "ignored",
];

/// One host's `PLAY RECAP` counts, in [`RECAP_KEYS`] order.
pub type Recap = [u32; 7];

static RECAP_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\S.*?)\s*:\s*(ok=\d+.*)$").unwrap());

/// Parses the `PLAY RECAP` block of ansible-playbook-style output into counts per host.
///
/// Each line looks like `web1  : ok=3 changed=1 unreachable=0 failed=0 skipped=0 rescued=0
/// ignored=0`; counts missing from a line are 0 and unknown keys are ignored. Colour codes are
/// stripped first. Returns an empty map when there is no recap.
pub fn parse_recap(stdout: &str) -> BTreeMap<String, Recap> {
    let clean = ANSI.replace_all(stdout, "");
    let mut hosts = BTreeMap::new();
    let mut in_recap = false;
    for line in clean.lines() {
        if line.starts_with("PLAY RECAP") {
            in_recap = true;
            hosts.clear();
            continue;
        }
        if !in_recap {
            continue;
        }
        if line.trim().is_empty() {
            if hosts.is_empty() {
                continue;
            }
            in_recap = false;
            continue;
        }
        let Some(caps) = RECAP_LINE.captures(line) else {
            in_recap = false;
            continue;
        };
        let mut counts = [0u32; 7];
        for pair in caps[2].split_whitespace() {
            if let Some((key, value)) = pair.split_once('=')
                && let Some(i) = RECAP_KEYS.iter().position(|k| *k == key)
            {
                counts[i] = value.parse().unwrap_or(0);
            }
        }
        hosts.insert(caps[1].to_owned(), counts);
    }
    hosts
}

/// Formats a recap as `ok=1 changed=0 ...`.
pub fn format_recap(counts: &Recap) -> String {
    RECAP_KEYS
        .iter()
        .zip(counts)
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a [`TreeEntry`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed).
    Symlink,
    /// Anything else (fifo, socket, device).
    Other,
}

/// One path of a [`snapshot_tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// What it is.
    pub kind: EntryKind,
    /// Permission bits (`mode & 0o7777`); 0 for symlinks.
    pub mode: u32,
    /// File contents, or the symlink's target; empty for directories.
    pub data: Vec<u8>,
    /// Hard-link count of a regular file (tells a hard link from a copy); 0 otherwise.
    pub links: u64,
}

/// Every path under `dir` (relative, `/`-separated, `dir` itself excluded) with its kind,
/// permission bits, contents or link target and hard-link count. Times and owners are not
/// recorded. A missing `dir` gives an empty map.
pub fn snapshot_tree(dir: &Path) -> BTreeMap<String, TreeEntry> {
    let mut map = BTreeMap::new();
    if dir.exists() {
        walk(dir, "", &mut map);
    }
    map
}

fn walk(dir: &Path, prefix: &str, map: &mut BTreeMap<String, TreeEntry>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        let path = entry.path();
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let meta = std::fs::symlink_metadata(&path)
            .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
        let ft = meta.file_type();
        let mode = meta.mode() & 0o7777;
        let e = if ft.is_symlink() {
            let target = std::fs::read_link(&path)
                .unwrap_or_else(|e| panic!("readlink {}: {e}", path.display()));
            TreeEntry {
                kind: EntryKind::Symlink,
                mode: 0,
                data: target.into_os_string().into_encoded_bytes(),
                links: 0,
            }
        } else if ft.is_dir() {
            walk(&path, &format!("{rel}/"), map);
            TreeEntry {
                kind: EntryKind::Dir,
                mode,
                data: Vec::new(),
                links: 0,
            }
        } else if ft.is_file() {
            let data =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            TreeEntry {
                kind: EntryKind::File,
                mode,
                data,
                links: meta.nlink(),
            }
        } else {
            TreeEntry {
                kind: EntryKind::Other,
                mode,
                data: Vec::new(),
                links: 0,
            }
        };
        map.insert(rel, e);
    }
}

/// Replaces every occurrence of `from` by `to` in file contents and link targets of a snapshot
/// — e.g. the run's own output directory by `[OUT]`, so two runs in different directories
/// compare equal.
pub fn normalize_tree(tree: &mut BTreeMap<String, TreeEntry>, from: &str, to: &str) {
    if from.is_empty() {
        return;
    }
    for entry in tree.values_mut() {
        entry.data = replace_bytes(&entry.data, from.as_bytes(), to.as_bytes());
    }
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

fn describe_entry(e: &TreeEntry) -> String {
    match e.kind {
        EntryKind::Symlink => format!("symlink -> {}", String::from_utf8_lossy(&e.data)),
        EntryKind::Dir => format!("directory, mode {:04o}", e.mode),
        EntryKind::File => format!(
            "file, mode {:04o}, {} bytes, {} link(s)",
            e.mode,
            e.data.len(),
            e.links
        ),
        EntryKind::Other => format!("special file, mode {:04o}", e.mode),
    }
}

/// A readable line diff of two texts (`-` lines from `left`, `+` lines from `right`).
/// Line ends are made visible: a missing final newline is marked `\ No newline at end of file`.
pub fn text_diff(left_label: &str, left: &str, right_label: &str, right: &str) -> String {
    similar::TextDiff::from_lines(left, right)
        .unified_diff()
        .context_radius(3)
        .header(left_label, right_label)
        .missing_newline_hint(true)
        .to_string()
}

fn show_contents(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => format!("{s:?}"),
        Err(_) => format!("<{} bytes of binary data>", data.len()),
    }
}

/// Where two byte strings first differ: line, column and byte offset, with a little context
/// from both sides (handy for long single-line files such as JSON).
pub fn first_difference(left_label: &str, left: &[u8], right_label: &str, right: &[u8]) -> String {
    let at = left.iter().zip(right).take_while(|(a, b)| a == b).count();
    let line = left[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = left[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let context = |data: &[u8]| {
        let from = at.saturating_sub(30);
        let to = (at + 30).min(data.len());
        let mut s = String::new();
        if from > 0 {
            s.push('…');
        }
        s.push_str(&String::from_utf8_lossy(&data[from..to]));
        if to < data.len() {
            s.push('…');
        }
        format!("{s:?}")
    };
    format!(
        "first difference at line {line}, column {} (byte {at}): {left_label} {}, {right_label} {}",
        at - line_start + 1,
        context(left),
        context(right)
    )
}

/// Describes every difference between two snapshots, or `None` when they are equal.
///
/// Paths present on one side only, kind, mode or hard-link count differences, link target
/// differences, and content differences (a unified diff for text, plus both contents quoted).
pub fn diff_trees(
    left_label: &str,
    left: &BTreeMap<String, TreeEntry>,
    right_label: &str,
    right: &BTreeMap<String, TreeEntry>,
) -> Option<String> {
    let mut out = String::new();
    let paths: std::collections::BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    for path in paths {
        match (left.get(path), right.get(path)) {
            (Some(l), None) => {
                let _ = writeln!(out, "{path}: only in {left_label} ({})", describe_entry(l));
            }
            (None, Some(r)) => {
                let _ = writeln!(out, "{path}: only in {right_label} ({})", describe_entry(r));
            }
            (Some(l), Some(r)) if l != r => {
                if l.kind != r.kind
                    || l.kind == EntryKind::Symlink
                    || l.mode != r.mode
                    || l.links != r.links
                {
                    let _ = writeln!(
                        out,
                        "{path}: {left_label}: {}; {right_label}: {}",
                        describe_entry(l),
                        describe_entry(r)
                    );
                }
                if l.kind == EntryKind::File && r.kind == EntryKind::File && l.data != r.data {
                    let _ = writeln!(out, "{path}: contents differ");
                    if let (Ok(ls), Ok(rs)) =
                        (std::str::from_utf8(&l.data), std::str::from_utf8(&r.data))
                    {
                        let diff = text_diff(left_label, ls, right_label, rs);
                        for line in diff.lines() {
                            let _ = writeln!(out, "    {line}");
                        }
                    }
                    let _ = writeln!(
                        out,
                        "    {}",
                        first_difference(left_label, &l.data, right_label, &r.data)
                    );
                    if l.data.len().max(r.data.len()) <= 2000 {
                        let _ = writeln!(out, "    {left_label}: {}", show_contents(&l.data));
                        let _ = writeln!(out, "    {right_label}: {}", show_contents(&r.data));
                    }
                }
            }
            _ => {}
        }
    }
    if out.is_empty() { None } else { Some(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSIBLE_RECAP: &str = "\
PLAY [all] *********************************************************************

TASK [Gathering Facts] *********************************************************
ok: [alpha]

PLAY RECAP *********************************************************************
alpha                      : ok=5    changed=2    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   
beta.example.com           : ok=3    changed=0    unreachable=1    failed=1    skipped=0    rescued=1    ignored=2   

";

    #[test]
    fn recap_is_parsed_per_host() {
        let recap = parse_recap(ANSIBLE_RECAP);
        assert_eq!(recap.len(), 2);
        assert_eq!(recap["alpha"], [5, 2, 0, 0, 1, 0, 0]);
        assert_eq!(recap["beta.example.com"], [3, 0, 1, 1, 0, 1, 2]);
    }

    #[test]
    fn recap_tolerates_colour_missing_keys_and_trailing_text() {
        let out = "PLAY RECAP ***\n\x1b[0;32mweb\x1b[0m : \x1b[0;32mok=1\x1b[0m changed=3 failed=1\nfinished in 1s\n";
        let recap = parse_recap(out);
        assert_eq!(recap.len(), 1);
        assert_eq!(recap["web"], [1, 3, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn no_recap_gives_empty_map() {
        assert!(parse_recap("ERROR! the playbook could not be found\n").is_empty());
        assert!(parse_recap("").is_empty());
    }

    #[test]
    fn recap_formats_in_ansible_order() {
        assert_eq!(
            format_recap(&[1, 2, 3, 4, 5, 6, 7]),
            "ok=1 changed=2 unreachable=3 failed=4 skipped=5 rescued=6 ignored=7"
        );
    }

    #[test]
    fn redact_replaces_root_timestamps_and_durations() {
        let root = Path::new("/tmp/drover-test-abc123");
        let text = "copied /tmp/drover-test-abc123/out/a.txt\n\
                    start: 2026-11-27 11:08:40.123456 end: 2026-11-27T11:08:41Z\n\
                    delta: 0:00:00.003512, took 1.25s, then 12 ms, total 3 seconds\n\
                    ok=1 changed=0 skipped=2\n\
                    /root/.ansible/tmp/ansible-tmp-1732700000.12-1234-56789/x\n\
                    \x1b[0;33mchanged\x1b[0m\n";
        let expected = "copied [ROOT]/out/a.txt\n\
                        start: [TIMESTAMP] end: [TIMESTAMP]\n\
                        delta: [DURATION], took [DURATION], then [DURATION], total [DURATION]\n\
                        ok=1 changed=0 skipped=2\n\
                        /root/.ansible/tmp/ansible-tmp-[ID]/x\n\
                        changed\n";
        assert_eq!(redact(text, root), expected);
    }

    #[test]
    fn redact_uses_the_canonical_root_too() {
        let project = Project::new();
        let canonical = project.path().canonicalize().unwrap();
        let text = format!(
            "{}/x and {}/y",
            project.path().display(),
            canonical.display()
        );
        assert_eq!(redact(&text, project.path()), "[ROOT]/x and [ROOT]/y");
    }

    #[test]
    fn redact_leaves_plain_numbers_alone() {
        let root = Path::new("/nonexistent-root");
        let text = "failed=1 skipped=0 item 5 size 42s3";
        assert_eq!(redact(text, root), text);
    }

    #[test]
    fn project_writes_files_and_snapshot_sees_kinds_modes_and_links() {
        let p = Project::new();
        p.file("a/b.txt", "hello\n")
            .file_with_mode("run.sh", "#!/bin/sh\n", 0o750)
            .dir("empty")
            .symlink("a/link", "b.txt");
        std::fs::set_permissions(p.join("empty"), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::hard_link(p.join("a/b.txt"), p.join("hard.txt")).unwrap();
        let tree = snapshot_tree(p.path());
        let keys: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["a", "a/b.txt", "a/link", "empty", "hard.txt", "run.sh"]
        );
        assert_eq!(tree["a"].kind, EntryKind::Dir);
        assert_eq!(tree["a/b.txt"].data, b"hello\n");
        assert_eq!(tree["a/b.txt"].links, 2);
        assert_eq!(tree["a/link"].kind, EntryKind::Symlink);
        assert_eq!(tree["a/link"].data, b"b.txt");
        assert_eq!(tree["empty"].mode, 0o700);
        assert_eq!(tree["run.sh"].mode, 0o750);
        assert_eq!(tree["run.sh"].links, 1);
        assert_eq!(p.read("a/b.txt"), "hello\n");
    }

    #[test]
    fn copy_tree_keeps_modes_and_symlinks() {
        let src = Project::new();
        src.file_with_mode("x/script", "echo\n", 0o700)
            .symlink("x/l", "../elsewhere");
        let dst = Project::new();
        dst.copy_from(src.path());
        assert_eq!(snapshot_tree(src.path()), snapshot_tree(dst.path()));
    }

    #[test]
    fn missing_tree_is_empty() {
        assert!(snapshot_tree(Path::new("/nonexistent/drover-test")).is_empty());
    }

    #[test]
    fn diff_trees_reports_each_kind_of_difference() {
        let left = Project::new();
        left.file("same", "1\n")
            .file("text", "a\nb\n")
            .file("only-left", "")
            .symlink("l", "t1");
        let right = Project::new();
        right
            .file("same", "1\n")
            .file("text", "a\nc")
            .file("only-right", "")
            .symlink("l", "t2");
        std::fs::set_permissions(right.join("same"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        std::fs::set_permissions(left.join("same"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let diff = diff_trees(
            "ansible",
            &snapshot_tree(left.path()),
            "drover",
            &snapshot_tree(right.path()),
        )
        .expect("trees differ");
        assert!(diff.contains("only-left: only in ansible"), "{diff}");
        assert!(diff.contains("only-right: only in drover"), "{diff}");
        assert!(
            diff.contains("l: ansible: symlink -> t1; drover: symlink -> t2"),
            "{diff}"
        );
        assert!(diff.contains("same: ansible: file, mode 0644"), "{diff}");
        assert!(diff.contains("text: contents differ"), "{diff}");
        assert!(diff.contains("-b"), "{diff}");
        assert!(diff.contains("+c"), "{diff}");
        assert!(diff.contains("No newline at end of file"), "{diff}");
        assert!(diff.contains(r#"ansible: "a\nb\n""#), "{diff}");
        assert!(
            diff.contains("first difference at line 2, column 1 (byte 2)"),
            "{diff}"
        );
        let same = snapshot_tree(left.path());
        assert_eq!(diff_trees("a", &same, "b", &same), None);
    }

    #[test]
    fn first_difference_locates_and_quotes_context() {
        let d = first_difference("a", b"line1\nabcdef", "b", b"line1\nabcXef");
        assert_eq!(
            d,
            r#"first difference at line 2, column 4 (byte 9): a "line1\nabcdef", b "line1\nabcXef""#
        );
        let long_l = format!("{}1{}", "x".repeat(100), "y".repeat(100));
        let long_r = format!("{}2{}", "x".repeat(100), "y".repeat(100));
        let d = first_difference("a", long_l.as_bytes(), "b", long_r.as_bytes());
        assert!(d.contains("column 101 (byte 100)"), "{d}");
        assert!(
            d.contains(&format!("\"…{}1{}…\"", "x".repeat(30), "y".repeat(29))),
            "{d}"
        );
        let d = first_difference("a", b"abc", "b", b"abcd");
        assert!(d.contains("byte 3"), "{d}");
    }

    #[test]
    fn normalize_replaces_paths_in_contents_and_targets() {
        let p = Project::new();
        p.file("f", "dest=/tmp/x/out/f /tmp/x/out\n")
            .symlink("l", "/tmp/x/out/f");
        let mut tree = snapshot_tree(p.path());
        normalize_tree(&mut tree, "/tmp/x/out", "[OUT]");
        assert_eq!(tree["f"].data, b"dest=[OUT]/f [OUT]\n");
        assert_eq!(tree["l"].data, b"[OUT]/f");
    }

    #[test]
    fn cmd_captures_code_output_and_env() {
        let out = Cmd::new("/bin/sh")
            .args(["-c", "echo \"out $NO_COLOR $X\"; echo err >&2; exit 3"])
            .env("X", "y")
            .run();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "out 1 y\n");
        assert_eq!(out.stderr, "err\n");
        assert!(!out.success());
        assert!(out.describe().contains("exit code: 3"));
    }

    #[test]
    fn cmd_runs_in_directory_and_times_out() {
        let p = Project::new();
        let out = Cmd::new("/bin/pwd").current_dir(p.path()).run();
        assert!(out.success());
        assert_eq!(
            Path::new(out.stdout.trim()).canonicalize().unwrap(),
            p.path().canonicalize().unwrap()
        );
        let slow = Cmd::new("/bin/sleep")
            .arg("10")
            .timeout(Duration::from_millis(200))
            .run();
        assert!(slow.timed_out);
        assert_eq!(slow.code, None);
    }
}
