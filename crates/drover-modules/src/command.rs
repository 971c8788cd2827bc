//! The `command`, `shell` and `raw` modules, and the shell-word splitter they share.
//!
//! `command` runs a program with an argument vector: every word is quoted, so nothing in it is
//! seen by a shell. `shell` hands its text to `/bin/sh -c` (or `executable`), on purpose. `raw`
//! runs its text as the script itself. One round trip each: `chdir`, `creates` and `removes` are
//! checked by the same script that runs the command, which first prints one status line.

use crate::args::Args;
use crate::files::run;
use async_trait::async_trait;
use drover_python::shlex::{self, Comments};
use drover_types::{
    ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value, shell_quote,
};
use std::time::{Duration, SystemTime};

const COMMON: [ArgSpecEntry; 8] = [
    ArgSpecEntry::new("_raw_params", ArgKind::Str),
    ArgSpecEntry::new("cmd", ArgKind::Str),
    ArgSpecEntry::new("chdir", ArgKind::Path),
    ArgSpecEntry::new("creates", ArgKind::Path),
    ArgSpecEntry::new("removes", ArgKind::Path),
    ArgSpecEntry::new("stdin", ArgKind::Str),
    ArgSpecEntry::new("stdin_add_newline", ArgKind::Bool),
    ArgSpecEntry::new("strip_empty_ends", ArgKind::Bool),
];

static COMMAND_SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        COMMON[0],
        COMMON[1],
        COMMON[2],
        COMMON[3],
        COMMON[4],
        COMMON[5],
        COMMON[6],
        COMMON[7],
        ArgSpecEntry::new("argv", ArgKind::List),
        ArgSpecEntry::new("executable", ArgKind::Path),
        ArgSpecEntry::new("expand_argument_vars", ArgKind::Bool),
    ],
    free_form: true,
    any_args: false,
};

static SHELL_SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        COMMON[0],
        COMMON[1],
        COMMON[2],
        COMMON[3],
        COMMON[4],
        COMMON[5],
        COMMON[6],
        COMMON[7],
        ArgSpecEntry::new("executable", ArgKind::Path),
    ],
    free_form: true,
    any_args: false,
};

static RAW_SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("_raw_params", ArgKind::Str),
        ArgSpecEntry::new("executable", ArgKind::Path),
    ],
    free_form: true,
    any_args: false,
};

/// `command`: runs a program with arguments, no shell involved.
pub(crate) struct Command;
/// `shell`: runs a command line through `/bin/sh -c`.
pub(crate) struct Shell;
/// `raw`: runs its text as a script, nothing else.
pub(crate) struct Raw;

#[async_trait]
impl Module for Command {
    fn name(&self) -> &'static str {
        "command"
    }
    fn spec(&self) -> &'static ArgSpec {
        &COMMAND_SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        run_command(ctx, args, false).await.unwrap_or_else(|e| e)
    }
    fn invocation(&self, args: &Map, _result: &TaskResult) -> Option<Map> {
        let mut out =
            crate::invocation::module_args(self.spec(), &[crate::invocation::COMMAND], args);
        out.insert("_uses_shell".into(), false.into());
        Some(out)
    }
}

#[async_trait]
impl Module for Shell {
    fn name(&self) -> &'static str {
        "shell"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SHELL_SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        run_command(ctx, args, true).await.unwrap_or_else(|e| e)
    }
    fn invocation(&self, args: &Map, _result: &TaskResult) -> Option<Map> {
        let mut out =
            crate::invocation::module_args(self.spec(), &[crate::invocation::COMMAND], args);
        out.insert("_uses_shell".into(), true.into());
        Some(out)
    }
}

#[async_trait]
impl Module for Raw {
    fn name(&self) -> &'static str {
        "raw"
    }
    fn spec(&self) -> &'static ArgSpec {
        &RAW_SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        run_raw(ctx, args).await.unwrap_or_else(|e| e)
    }
}

async fn run_raw(ctx: &ModuleContext<'_>, args: &Map) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let text = a.req_str("_raw_params")?;
    let script = match a.str("executable")? {
        Some(exe) => format!("exec {} -c {}", shell_quote(&exe), shell_quote(&text)),
        None => text,
    };
    if ctx.check_mode {
        return Ok(TaskResult::skipped("raw does not run in check mode"));
    }
    let out = run(ctx, &script, None).await?;
    let mut r = TaskResult::changed(true);
    r.set("rc", out.rc);
    add_output(&mut r, "stdout", &out.stdout_text());
    add_output(&mut r, "stderr", &out.stderr_text());
    if out.rc != 0 {
        r.failed = true;
        r.msg = Some("non-zero return code".into());
    }
    Ok(r)
}

/// What `command` runs: the program (as shell code for the word) and the command line as
/// Ansible's `_clean_args` reports it when the program cannot be run.
struct Program {
    word: String,
    clean: String,
}

/// What the command part of the script is, what `cmd` reports, and (for `command`) the program.
fn command_line(a: &Args<'_>, shell: bool) -> Result<(String, Value, Option<Program>), TaskResult> {
    let text = match a.str("_raw_params")? {
        Some(t) if !t.trim().is_empty() => Some(t),
        _ => a.str("cmd")?,
    };
    let argv = if shell { None } else { a.list("argv")? };
    let expand = a.bool("expand_argument_vars", true)?;
    match (text, argv) {
        (Some(_), Some(_)) => Err(TaskResult::failed(
            "only command or argv can be given, not both",
        )),
        (None, None) => Err(TaskResult::failed("no command given")),
        (Some(t), None) if t.trim().is_empty() => Err(TaskResult::failed("no command given")),
        (Some(t), None) if shell => {
            let exe = a.str_or("executable", "/bin/sh")?;
            Ok((
                format!("exec {} -c {}", shell_quote(&exe), shell_quote(&t)),
                Value::from(t),
                None,
            ))
        }
        (Some(t), None) => {
            let words =
                shlex::split(&t, Comments::Kept).map_err(|e| TaskResult::failed(e.to_string()))?;
            argv_line(words, expand)
        }
        (None, Some(words)) => argv_line(words, expand),
    }
}

fn argv_line(
    words: Vec<String>,
    expand: bool,
) -> Result<(String, Value, Option<Program>), TaskResult> {
    let Some(first) = words.first() else {
        return Err(TaskResult::failed("no command given"));
    };
    if first.starts_with('-') {
        return Err(TaskResult::failed(format!(
            "refusing to run a program whose name starts with '-': {first}"
        )));
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| {
            if expand {
                expand_word(w)
            } else {
                shell_quote(w)
            }
        })
        .collect();
    let program = Program {
        word: quoted[0].clone(),
        clean: words
            .iter()
            .map(|w| shlex::quote(w))
            .collect::<Vec<_>>()
            .join(" "),
    };
    Ok((
        format!("exec {}", quoted.join(" ")),
        Value::from(words),
        Some(program),
    ))
}

/// Shell variables that are not environment variables: Python's `expandvars` would not see them.
const SHELL_ONLY: &[&str] = &[
    "IFS", "PS1", "PS2", "PS4", "PPID", "OPTIND", "OPTARG", "LINENO",
];

/// Shell code for one argument with Ansible's `expand_argument_vars`: a leading `~` or `~user`
/// becomes the home directory, `$NAME` and `${NAME}` the environment variable when it is set
/// (and stay as written when it is not), everything else is quoted. Nothing else expands.
pub(crate) fn expand_word(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    if let Some(after) = word.strip_prefix('~') {
        let end = after.find('/').unwrap_or(after.len());
        let user = &after[..end];
        if user.is_empty() {
            out.push_str("\"$HOME\"");
            rest = &after[end..];
        } else if user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            && !user.starts_with('-')
        {
            out.push('~');
            out.push_str(user);
            rest = &after[end..];
        }
    }
    let mut literal = String::new();
    let flush = |lit: &mut String, out: &mut String| {
        if !lit.is_empty() {
            out.push_str(&shell_quote(lit));
            lit.clear();
        }
    };
    while let Some(i) = rest.find('$') {
        literal.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, written, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(e) => (&inner[..e], &rest[i..i + e + 3], e + 3),
                None => ("", "$", 1),
            }
        } else {
            let e = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..e], &rest[i..i + 1 + e], 1 + e)
        };
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !SHELL_ONLY.contains(&name);
        if valid {
            flush(&mut literal, &mut out);
            // Set: its value, quoted. Unset: the text as written (`$`, `{`, `}` escaped).
            let lit = written.replace('$', "\\$").replace('}', "\\}");
            out.push_str(&format!("\"${{{name}-{lit}}}\""));
        } else {
            literal.push_str(written);
        }
        rest = &rest[i + len..];
    }
    literal.push_str(rest);
    flush(&mut literal, &mut out);
    if out.is_empty() { "''".into() } else { out }
}

/// Shell code that tells, before `exec`, whether the program can be started as Python's
/// `subprocess` would: a name with a `/` must be an executable file (missing: ENOENT, else
/// EACCES); a bare name is searched for along `PATH` (found nowhere: ENOENT; found but not
/// executable: EACCES).
fn program_test(word: &str) -> String {
    format!(
        "drover_p={word}\n\
         case $drover_p in\n\
         */*) if [ ! -e \"$drover_p\" ]; then echo drover:noent; exit 0; fi\n\
         if [ -d \"$drover_p\" ] || [ ! -x \"$drover_p\" ]; then echo drover:noaccess; exit 0; fi ;;\n\
         *) drover_s=noent; drover_ifs=$IFS; IFS=:\n\
         for drover_d in $PATH; do\n\
         drover_f=\"${{drover_d:-.}}/$drover_p\"\n\
         if [ -f \"$drover_f\" ] && [ -x \"$drover_f\" ]; then drover_s=ok; break; fi\n\
         if [ -e \"$drover_f\" ]; then drover_s=noaccess; fi\n\
         done; IFS=$drover_ifs\n\
         if [ $drover_s != ok ]; then echo drover:$drover_s; exit 0; fi ;;\n\
         esac\n"
    )
}

/// The test for `creates`/`removes`: a glob on the host, no other expansion.
fn glob_test(pattern: &str) -> String {
    format!(
        "(g={}; IFS=; set +f; for f in $g; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then exit 0; fi; done; exit 1)",
        shell_quote(pattern)
    )
}

async fn run_command(
    ctx: &ModuleContext<'_>,
    args: &Map,
    shell: bool,
) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let (line, cmd, program) = command_line(&a, shell)?;
    let creates = a.str("creates")?;
    let removes = a.str("removes")?;
    let strip = a.bool("strip_empty_ends", true)?;
    let stdin = match a.str("stdin")? {
        Some(mut s) => {
            if a.bool("stdin_add_newline", true)? {
                s.push('\n');
            }
            Some(s.into_bytes())
        }
        None => None,
    };
    let mut script = String::from("set -f\n");
    if let Some(dir) = a.str("chdir")? {
        script.push_str(&format!(
            "cd -- {} || {{ echo drover:chdir; exit 1; }}\n",
            shell_quote(&dir)
        ));
    }
    if let Some(c) = &creates {
        script.push_str(&format!(
            "if {}; then echo drover:creates; exit 0; fi\n",
            glob_test(c)
        ));
    }
    if let Some(r) = &removes {
        script.push_str(&format!(
            "if ! {}; then echo drover:removes; exit 0; fi\n",
            glob_test(r)
        ));
    }
    let check_only = ctx.check_mode;
    if check_only {
        script.push_str("echo drover:check; exit 0\n");
    } else {
        if let Some(p) = &program {
            script.push_str(&program_test(&p.word));
        }
        script.push_str(&format!("echo drover:run\n{line}\n"));
    }
    let start = SystemTime::now();
    let out = run(
        ctx,
        &script,
        if check_only { None } else { stdin.as_deref() },
    )
    .await?;
    let end = SystemTime::now();
    let (status, stdout) = match out.stdout.iter().position(|&b| b == b'\n') {
        Some(i) => (
            String::from_utf8_lossy(&out.stdout[..i]).into_owned(),
            &out.stdout[i + 1..],
        ),
        None => (String::new(), &out.stdout[..]),
    };
    let mut r = TaskResult::changed(true);
    r.set("cmd", cmd.clone());
    if let (false, Some(exe)) = (shell, a.str("executable")?) {
        r.warnings.push(format!(
            "As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{exe}'."
        ));
    }
    match status.as_str() {
        "drover:run" => {}
        "drover:chdir" => {
            let err = out.stderr_text();
            return Ok(TaskResult::failed(format!(
                "Unable to change directory before execution: {}",
                err.trim()
            ))
            .with("rc", 1)
            .with("cmd", r.data["cmd"].clone()));
        }
        // Python could not start the program: ansible-core fails with the error's errno as `rc`
        // (ENOENT 2, EACCES 13), nothing changed.
        "drover:noent" | "drover:noaccess" => {
            let mut r = TaskResult::failed("Error executing command.")
                .with("rc", if status == "drover:noent" { 2 } else { 13 })
                .with("cmd", program.map(|p| p.clean).unwrap_or_default());
            add_output(&mut r, "stdout", "");
            add_output(&mut r, "stderr", "");
            return Ok(r);
        }
        "drover:creates" | "drover:removes" => {
            let shoulda = if ctx.check_mode { "Would" } else { "Did" };
            let (msg, stdout) = if status == "drover:creates" {
                let c = creates.unwrap_or_default();
                (
                    format!("{shoulda} not run command since '{c}' exists"),
                    format!("skipped, since {c} exists"),
                )
            } else {
                let rm = removes.unwrap_or_default();
                (
                    format!("{shoulda} not run command since '{rm}' does not exist"),
                    format!("skipped, since {rm} does not exist"),
                )
            };
            let mut r = not_run(cmd, false);
            add_output(&mut r, "stdout", &stdout);
            r.msg = Some(msg);
            return Ok(r);
        }
        "drover:check" => {
            // Only creates/removes can tell; without them the task is skipped.
            let decided = creates.is_some() || removes.is_some();
            let mut r = not_run(cmd, decided);
            r.skipped = !decided;
            r.msg = Some("Command would have run if not in check mode".into());
            return Ok(r);
        }
        _ => {
            return Err(TaskResult::failed(format!(
                "the command could not be started: {}",
                out.stderr_text().trim()
            )));
        }
    }
    let mut stdout = String::from_utf8_lossy(stdout).into_owned();
    let mut stderr = out.stderr_text();
    if strip {
        stdout.truncate(stdout.trim_end_matches(['\r', '\n']).len());
        stderr.truncate(stderr.trim_end_matches(['\r', '\n']).len());
    }
    r.set("rc", out.rc);
    add_output(&mut r, "stdout", &stdout);
    add_output(&mut r, "stderr", &stderr);
    r.set("start", format_time(start));
    r.set("end", format_time(end));
    r.set(
        "delta",
        format_delta(end.duration_since(start).unwrap_or_default()),
    );
    if out.rc != 0 {
        r.failed = true;
        r.msg = Some("non-zero return code".into());
    } else {
        r.msg = Some(String::new());
    }
    Ok(r)
}

/// The result of a command that did not run: every key Ansible always returns.
fn not_run(cmd: Value, changed: bool) -> TaskResult {
    let mut r = TaskResult::changed(changed);
    r.set("cmd", cmd);
    r.set("rc", 0);
    add_output(&mut r, "stdout", "");
    add_output(&mut r, "stderr", "");
    for key in ["start", "end", "delta"] {
        r.set(key, Value::Null);
    }
    r
}

/// Sets `key` and `key_lines`.
fn add_output(r: &mut TaskResult, key: &str, text: &str) {
    r.set(key, text);
    let lines: Vec<Value> = split_lines(text).into_iter().map(Value::from).collect();
    r.set(&format!("{key}_lines"), lines);
}

/// Python's `str.splitlines()` for the common line ends (`\n`, `\r\n`, `\r`).
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                lines.push(rest);
                break;
            }
        }
    }
    lines
}

/// Local time as Python's `str(datetime.now())`: `2024-01-01 12:00:00.123456`.
pub(crate) fn format_time(t: SystemTime) -> String {
    let t = jiff::Timestamp::try_from(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    t.to_zoned(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S.%6f")
        .to_string()
}

/// A duration as Python's `str(timedelta)`: `0:00:00.003456` (no fraction when it is zero).
pub(crate) fn format_delta(d: Duration) -> String {
    let s = d.as_secs();
    let base = format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    match d.subsec_micros() {
        0 => base,
        us => format!("{base}.{us:06}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_formats() {
        assert_eq!(format_delta(Duration::from_micros(3456)), "0:00:00.003456");
        assert_eq!(format_delta(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(
            format_time(SystemTime::UNIX_EPOCH + Duration::from_micros(5)).len(),
            26
        );
        assert_eq!(split_lines("a\r\nb\rc\n"), vec!["a", "b", "c"]);
        assert!(split_lines("").is_empty());
    }
}
