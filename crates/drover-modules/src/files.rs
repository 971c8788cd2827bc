//! Writing files on a host the safe way, shared by copy, template, lineinfile, blockinfile and
//! replace: read the current state in one round trip, and when the content differs write a temp
//! file beside the destination, set mode and owner on it, then rename it over the destination.
//!
//! The scripts use POSIX sh and `stat -c` (GNU coreutils and busybox both have it). Paths go into
//! scripts only through [`shell_quote`] and always after `--` or with a `./` prefix (see
//! [`safe_path`]); file contents travel on standard input and standard output as raw bytes.

use crate::args::{Args, ModeSpec, format_mode};
use drover_types::{
    ArgDefault, ArgKind, ArgSpecEntry, Exec, ExecOutput, FileDiff, ModuleContext, TaskResult,
    Value, random_hex, shell_quote,
};
use sha1::Digest;

/// Ansible's default `max_diff_size`: larger contents are not diffed.
const MAX_DIFF: usize = 104_448;

/// Mode, owner and group a file should end up with (`None`: leave as is / default for new files).
#[derive(Debug, Clone, Default)]
pub(crate) struct FileAttrs {
    /// Octal mode bits, already parsed (symbolic modes resolved against the current mode).
    pub(crate) mode: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) group: Option<String>,
}

impl FileAttrs {
    /// Reads `mode`, `owner` and `group` from a task's arguments, resolving a symbolic mode
    /// against the file's current mode (`before`). `mode: preserve` is left to the caller.
    pub(crate) fn from_args(args: &Args<'_>, before: &FileState) -> Result<FileAttrs, TaskResult> {
        let mode = match args.mode("mode")? {
            None | Some(ModeSpec::Preserve) => None,
            Some(spec) => {
                let current = before.mode.as_deref().and_then(parse_octal);
                let bits = spec
                    .resolve(current, false, None)
                    .map_err(|e| TaskResult::failed(format!("argument 'mode': {e}")))?;
                Some(format_mode(bits))
            }
        };
        Ok(FileAttrs {
            mode,
            owner: args.str("owner")?,
            group: args.str("group")?,
        })
    }
}

/// What `read_state` found.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileState {
    pub(crate) exists: bool,
    pub(crate) is_dir: bool,
    pub(crate) content: Option<Vec<u8>>,
    pub(crate) mode: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) group: Option<String>,
    /// Numeric owner, when it exists.
    pub(crate) uid: Option<u32>,
    /// Numeric group, when it exists.
    pub(crate) gid: Option<u32>,
    /// Size in bytes, when it exists.
    pub(crate) size: Option<u64>,
    /// SHA-1 of the content when the file was too large to read back (`content` is then `None`).
    pub(crate) checksum: Option<String>,
    /// The path is a symlink (the rest describes its target).
    pub(crate) is_link: bool,
    /// Hard links to the file (Ansible calls a file of several `hard`).
    pub(crate) nlink: u64,
}

/// A path safe to put where a command expects an operand: relative paths get a `./` prefix, so
/// that `-rf` or `!` is never taken for an option or a `find` expression.
pub(crate) fn safe_path(path: &str) -> String {
    let plain = path.is_empty()
        || path.starts_with('/')
        || path.starts_with("./")
        || path.starts_with("../")
        || path == "."
        || path == "..";
    if plain {
        path.to_owned()
    } else {
        format!("./{path}")
    }
}

/// The directory part of `path` (`.` for a bare name), as dirname(1) gives it.
pub(crate) fn parent_dir(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/".to_owned(),
        Some(i) => match trimmed[..i].trim_end_matches('/') {
            "" => "/".to_owned(),
            dir => dir.to_owned(),
        },
        None if path.starts_with('/') => "/".to_owned(),
        None => ".".to_owned(),
    }
}

/// Runs one script on the task's host with the task's become and timeout. A connection error is
/// returned as the failed (or unreachable) result.
pub(crate) async fn run(
    ctx: &ModuleContext<'_>,
    script: &str,
    stdin: Option<&[u8]>,
) -> Result<ExecOutput, TaskResult> {
    let exec = Exec {
        script,
        stdin,
        become_: ctx.become_,
        timeout: ctx.timeout,
    };
    ctx.conn.exec(exec).await.map_err(TaskResult::from)
}

/// Parses an octal mode string (`0644`, `644`).
pub(crate) fn parse_octal(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

/// The file arguments every file-writing module accepts (Ansible's `FILE_COMMON_ARGUMENTS`):
/// copy, template, file, lineinfile, blockinfile, replace.
pub(crate) static FILE_COMMON: [ArgSpecEntry; 9] = [
    ArgSpecEntry::new("mode", ArgKind::Mode),
    ArgSpecEntry::new("owner", ArgKind::Str),
    ArgSpecEntry::new("group", ArgKind::Str),
    ArgSpecEntry::new("seuser", ArgKind::Str),
    ArgSpecEntry::new("serole", ArgKind::Str),
    ArgSpecEntry::new("setype", ArgKind::Str),
    ArgSpecEntry::new("selevel", ArgKind::Str),
    ArgSpecEntry::new("unsafe_writes", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("attributes", ArgKind::Str).aliases(&["attr"]),
];

/// Warnings for the file arguments drover accepts but does not apply (SELinux, attributes).
pub(crate) fn ignored_file_args(args: &Args<'_>) -> Vec<String> {
    ["seuser", "serole", "setype", "selevel", "attributes"]
        .iter()
        .filter(|n| args.has(n))
        .map(|n| format!("drover does not support '{n}'; it was ignored"))
        .collect()
}

/// Adds what Ansible's modules add to any result naming a `path` (or else `dest`) that
/// exists: `uid`, `gid`, `owner`, `group`, `mode` (of the path itself, not a link's target),
/// `state` (`link`, `directory`, `hard` for a file of several links, or `file`) and `size`.
/// Costs one round trip; used where Ansible's result has them and drover's does not know them
/// already (failures, mostly).
pub(crate) async fn add_path_info(ctx: &ModuleContext<'_>, result: &mut TaskResult) {
    let Some(path) = ["path", "dest"]
        .iter()
        .find_map(|k| result.data.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
    else {
        return;
    };
    let script = format!(
        "set -f; p={}\n[ -e \"$p\" ] || exit 0\n\
         if [ -L \"$p\" ]; then t=link; elif [ -d \"$p\" ]; then t=directory; \
         elif [ \"$(stat -L -c %h -- \"$p\")\" -gt 1 ]; then t=hard; else t=file; fi\n\
         printf '%s ' \"$t\"; stat -c {STAT_FMT} -- \"$p\"",
        shell_quote(&safe_path(&path))
    );
    let Ok(out) = run(ctx, &script, None).await else {
        return;
    };
    let text = out.stdout_text();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut st = FileState::default();
    let Some((kind, rest)) = words.split_first() else {
        return;
    };
    if out.rc != 0 || parse_attrs(rest, &mut st).is_none() {
        return;
    }
    for (k, v) in [
        ("uid", st.uid.map(Value::from)),
        ("gid", st.gid.map(Value::from)),
        ("owner", st.owner.map(Value::from)),
        ("group", st.group.map(Value::from)),
        ("mode", st.mode.map(Value::from)),
        ("state", Some(Value::from(*kind))),
        ("size", st.size.map(Value::from)),
    ] {
        if let Some(v) = v {
            result.set(k, v);
        }
    }
}

/// `result` with the warnings of [`ignored_file_args`] first.
pub(crate) fn warn_ignored_file_args(mut result: TaskResult, args: &Args<'_>) -> TaskResult {
    let mut warnings = ignored_file_args(args);
    warnings.append(&mut result.warnings);
    result.warnings = warnings;
    result
}

/// The `stat -c` format for the attribute line every script prints: mode, uid, gid, size, owner
/// name, group name.
pub(crate) const STAT_FMT: &str = "'%a %u %g %s %U %G'";

/// The shell function `drover_read PATH`: prints `drover-state KIND ATTRS` and, for a regular
/// file, `content` and the bytes (or `sha1 SUM` for a file too large to read back).
pub(crate) const READ_FN: &str = concat!(
    "drover_read(){\n",
    "if [ -d \"$1\" ]; then t=directory\n",
    "elif [ -f \"$1\" ]; then t=file\n",
    "elif [ -L \"$1\" ] || [ ! -e \"$1\" ]; then echo 'drover-state absent'; return 0\n",
    "else t=other; fi\n",
    "s=$(stat -L -c '%a %u %g %s %U %G %h' -- \"$1\") || exit 1\n",
    "[ -L \"$1\" ] && s=\"$s link\"\n",
    "set -f; set -- \"$1\" $s\n",
    "if [ \"$t\" = file ] && [ \"$5\" -gt 16777216 ]; then\n",
    "  c=$(sha1sum < \"$1\") || exit 1\n",
    "  printf 'drover-state %s %s\\nsha1 %s\\n' \"$t\" \"$s\" \"${c%% *}\"; return 0\n",
    "fi\n",
    "printf 'drover-state %s %s\\n' \"$t\" \"$s\"\n",
    "if [ \"$t\" = file ]; then printf 'content\\n'; cat -- \"$1\" || exit 1; fi\n",
    "}\n",
);

/// Reads a file's existence, type, content, mode, owner and group in one round trip.
pub(crate) async fn read_state(
    ctx: &ModuleContext<'_>,
    path: &str,
) -> Result<FileState, TaskResult> {
    let script = format!(
        "set -f\n{READ_FN}drover_read {}",
        shell_quote(&safe_path(path))
    );
    let out = run(ctx, &script, None).await?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not read `{path}`: {}",
            out.stderr_text().trim()
        )));
    }
    parse_state(&out.stdout).ok_or_else(|| {
        TaskResult::failed(format!(
            "could not read `{path}`: unexpected output {:?}",
            out.stdout_text()
        ))
    })
}

/// Parses the attribute part of a state line: `MODE UID GID SIZE OWNER GROUP`.
pub(crate) fn parse_attrs(words: &[&str], state: &mut FileState) -> Option<()> {
    let [mode, uid, gid, size, owner, group, ..] = words else {
        return None;
    };
    state.mode = Some(format_mode(parse_octal(mode)?));
    state.uid = uid.parse().ok();
    state.gid = gid.parse().ok();
    state.size = size.parse().ok();
    state.owner = Some((*owner).to_owned());
    state.group = Some((*group).to_owned());
    Some(())
}

fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &[]),
    }
}

pub(crate) fn parse_state(stdout: &[u8]) -> Option<FileState> {
    let (header, rest) = split_line(stdout);
    let header = std::str::from_utf8(header).ok()?;
    let words: Vec<&str> = header.split_whitespace().collect();
    if words.first() != Some(&"drover-state") {
        return None;
    }
    let mut state = FileState::default();
    match *words.get(1)? {
        "absent" => return Some(state),
        "directory" => state.is_dir = true,
        _ => {}
    }
    state.exists = true;
    parse_attrs(&words[2..], &mut state)?;
    state.nlink = words.get(8).and_then(|n| n.parse().ok()).unwrap_or(1);
    state.is_link = words.get(9) == Some(&"link");
    let (line, body) = split_line(rest);
    if line == b"content" {
        state.content = Some(body.to_vec());
    } else if let Some(sum) = line.strip_prefix(b"sha1 ") {
        state.checksum = Some(String::from_utf8_lossy(sum).into_owned());
    }
    Some(state)
}

/// What [`write_file`] did, for modules that report the final attributes (copy, template).
#[derive(Debug, Clone, Default)]
pub(crate) struct Written {
    /// Changed (or would change, in check mode).
    pub(crate) changed: bool,
    /// The file's attributes afterwards, when known (not in check mode).
    pub(crate) after: Option<FileState>,
    /// The backup made, if any.
    pub(crate) backup_file: Option<String>,
    /// With `--diff`, the diff of the content.
    pub(crate) diff: Option<FileDiff>,
    /// The temp file the new content went through (renamed over the destination since).
    pub(crate) tmp_path: Option<String>,
}

/// Makes `path` hold exactly `content` with `attrs`, atomically; respects check mode; when
/// `backup`, keeps a timestamped copy of the old file and returns its path under `backup_file`.
/// Returns a result with `changed` and, with `--diff`, the diff of the content.
pub(crate) async fn write_content(
    ctx: &ModuleContext<'_>,
    path: &str,
    before: &FileState,
    content: &[u8],
    attrs: &FileAttrs,
    backup: bool,
    validate: Option<&str>,
) -> TaskResult {
    match write_file(ctx, path, before, content, attrs, backup, validate).await {
        Ok(w) => {
            let mut result = TaskResult::changed(w.changed);
            if let Some(b) = w.backup_file {
                result.set("backup_file", b);
            }
            result.diffs.extend(w.diff);
            result
        }
        Err(failed) => failed,
    }
}

/// Whether `want` (a name or a numeric id) names the same user or group as `name`/`id`.
fn same_principal(want: &str, name: Option<&str>, id: Option<u32>) -> bool {
    match want.parse::<u32>() {
        Ok(n) => id == Some(n),
        Err(_) => name == Some(want),
    }
}

/// The commands that set `attrs` on the file in `$var`; each failure exits with `code`.
fn attr_commands(attrs: &FileAttrs, var: &str, cleanup: &str) -> Result<String, TaskResult> {
    let mut s = String::new();
    if let Some(mode) = &attrs.mode {
        let bits = parse_octal(mode)
            .ok_or_else(|| TaskResult::failed(format!("invalid mode `{mode}`")))?;
        s.push_str(&format!(
            "chmod {:o} -- \"${var}\" || {{ {cleanup} exit 21; }}\n",
            bits
        ));
    }
    if let Some(owner) = &attrs.owner {
        s.push_str(&format!(
            "chown -- {} \"${var}\" || {{ {cleanup} exit 22; }}\n",
            shell_quote(owner)
        ));
    }
    if let Some(group) = &attrs.group {
        s.push_str(&format!(
            "chgrp -- {} \"${var}\" || {{ {cleanup} exit 23; }}\n",
            shell_quote(group)
        ));
    }
    Ok(s)
}

/// Whether a file in `before` state already has `attrs`.
pub(crate) fn attrs_match(before: &FileState, attrs: &FileAttrs) -> bool {
    let mode_ok = attrs.mode.as_deref().is_none_or(|m| {
        parse_octal(m).is_some() && parse_octal(m) == before.mode.as_deref().and_then(parse_octal)
    });
    let owner_ok = attrs
        .owner
        .as_deref()
        .is_none_or(|o| same_principal(o, before.owner.as_deref(), before.uid));
    let group_ok = attrs
        .group
        .as_deref()
        .is_none_or(|g| same_principal(g, before.group.as_deref(), before.gid));
    mode_ok && owner_ok && group_ok
}

/// [`write_content`], returning the details copy and template report.
pub(crate) async fn write_file(
    ctx: &ModuleContext<'_>,
    path: &str,
    before: &FileState,
    content: &[u8],
    attrs: &FileAttrs,
    backup: bool,
    validate: Option<&str>,
) -> Result<Written, TaskResult> {
    if before.is_dir {
        return Err(TaskResult::failed(format!("`{path}` is a directory")));
    }
    let content_changed = !before.exists
        || match (&before.content, &before.checksum) {
            (Some(old), _) => old.as_slice() != content,
            (None, Some(sum)) => *sum != sha1_hex(content),
            (None, None) => true,
        };
    let attrs_changed = before.exists && !attrs_match(before, attrs);
    let mut written = Written {
        changed: content_changed || attrs_changed,
        ..Written::default()
    };
    if ctx.diff && content_changed {
        let old = if before.exists {
            before.content.as_deref()
        } else {
            Some(&[][..])
        };
        let mut d = match old {
            Some(old) => text_diff(path, old, content),
            None => placeholder_diff(path, "(file too large to diff)"),
        };
        if !before.exists {
            // Ansible names no old side for a new file: the header reads just `before`.
            d.before_header.clear();
        }
        written.diff = Some(d);
    }
    if !written.changed {
        written.after = Some(before.clone());
        return Ok(written);
    }
    if ctx.check_mode {
        return Ok(written);
    }
    let p = shell_quote(&safe_path(path));
    let tmp = format!(
        "{}/.drover_tmp.{}",
        parent_dir(path).trim_end_matches('/'),
        random_hex()
    );
    let script = if content_changed {
        written.tmp_path = Some(tmp.clone());
        replace_script(
            &p,
            &safe_path(&tmp),
            content.len(),
            before,
            attrs,
            backup,
            validate,
        )?
    } else {
        format!(
            "set -f; p={p}\n{}stat -c {STAT_FMT} -- \"$p\"",
            attr_commands(attrs, "p", "")?
        )
    };
    let out = run(ctx, &script, content_changed.then_some(content)).await?;
    if out.rc != 0 {
        let err = out.stderr_text();
        if out.rc == 13 {
            // The script's last stderr line is `rc:N`, the validator's own output comes before.
            let (text, rc) = match err.trim_end().rsplit_once('\n') {
                Some((text, last)) => (text.to_owned(), last),
                None => (String::new(), err.trim_end()),
            };
            let rc: i64 = rc
                .strip_prefix("rc:")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            return Err(
                TaskResult::failed(format!("failed to validate: rc:{rc} error:{text}"))
                    .with("exit_status", rc)
                    .with("stdout", "")
                    .with("stderr", text),
            );
        }
        let msg = match out.rc {
            14 => format!("could not make a backup of `{path}`: {}", err.trim()),
            _ => format!("could not write `{path}`: {}", err.trim()),
        };
        return Err(TaskResult::failed(msg));
    }
    let mut after = FileState {
        exists: true,
        content: Some(content.to_vec()),
        ..FileState::default()
    };
    for line in out.stdout_text().lines() {
        if let Some(sfx) = line.strip_prefix("drover-backup ") {
            written.backup_file = Some(format!("{path}.{sfx}"));
        } else {
            let words: Vec<&str> = line.split_whitespace().collect();
            parse_attrs(&words, &mut after);
        }
    }
    written.after = Some(after);
    Ok(written)
}

/// The script that writes stdin to a temp file beside the destination and renames it over.
fn replace_script(
    p: &str,
    tmp: &str,
    size: usize,
    before: &FileState,
    attrs: &FileAttrs,
    backup: bool,
    validate: Option<&str>,
) -> Result<String, TaskResult> {
    // The temp file has a name no one can guess, is created by the shell only if nothing has
    // that name (noclobber: O_EXCL), so with 0666 less the umask as a new file must get (as
    // Ansible's atomic_move does), and goes away whatever ends the script, an interrupted run
    // included. It is renamed over the destination only when every byte arrived: a connection
    // cut mid-transfer ends stdin early, and a short file must never replace a whole one. The
    // stat that checks the size is also the new file's state: a rename changes none of it.
    let t = tmp;
    let mut attrs = attrs.clone();
    if attrs.mode.is_none()
        && let Some(m) = before.mode.as_ref().filter(|_| before.exists)
    {
        attrs.mode = Some(m.clone());
    }
    // A mode with no execute or special bit, that lets the owner write (the content is written
    // after the file is created), can be given at creation through the umask, which saves a
    // chmod; not when a validate command follows, which must see the caller's umask.
    let mut umask = String::new();
    if let Some(bits) = attrs.mode.as_deref().and_then(parse_octal)
        && bits & !0o666 == 0
        && bits & 0o200 != 0
        && validate.is_none()
    {
        umask = format!("umask {:03o}; ", 0o777 & !bits);
        attrs.mode = None;
    }
    let mut s = format!(
        "set -f; p={p}; t={}\n\
         trap 'exit 130' HUP INT TERM PIPE\n\
         {umask}set -C; : > \"$t\" || exit 20; set +C\n\
         trap 'rm -f -- \"$t\"' EXIT\n\
         cat > \"$t\" || exit 20\n",
        shell_quote(t)
    );
    if let (true, None, None, Some(uid), Some(gid)) = (
        before.exists,
        &attrs.owner,
        &attrs.group,
        before.uid,
        before.gid,
    ) {
        // Not needed when both files belong to us (`test -O/-G`; a shell without them fails
        // the test and chowns).
        s.push_str(&format!(
            "{{ [ -O \"$t\" ] && [ -G \"$t\" ] && [ -O \"$p\" ] && [ -G \"$p\" ]; }} 2>/dev/null \
             || chown {uid}:{gid} -- \"$t\" 2>/dev/null\n"
        ));
    }
    s.push_str(&attr_commands(&attrs, "t", "rm -f -- \"$t\";")?);
    s.push_str(&format!(
        "st=$(stat -c {STAT_FMT} -- \"$t\") || exit 20\n\
         set -- $st\n\
         [ \"$4\" = {size} ] || {{ echo 'the content did not arrive whole' >&2; exit 20; }}\n"
    ));
    if let Some(v) = validate {
        let cmd = validate_command(v)?;
        s.push_str(&format!("( {cmd} ) 1>&2 </dev/null || {{ rc=$?; rm -f -- \"$t\"; echo \"rc:$rc\" >&2; exit 13; }}\n"));
    }
    if backup {
        s.push_str(
            "if [ -e \"$p\" ]; then sfx=$$.$(date +%Y-%m-%d@%H:%M:%S~); \
             cp -p -- \"$p\" \"$p.$sfx\" || { rm -f -- \"$t\"; exit 14; }; printf 'drover-backup %s\\n' \"$sfx\"; fi\n",
        );
    }
    s.push_str("mv -f -- \"$t\" \"$p\" || exit 20\ntrap - EXIT\nprintf '%s\\n' \"$st\"");
    Ok(s)
}

/// Turns a `validate` command (`visudo -cf %s`) into a script line: split like a shell would,
/// every word quoted, `%s` replaced by the temp file.
pub(crate) fn validate_command(validate: &str) -> Result<String, TaskResult> {
    if !validate.contains("%s") {
        return Err(TaskResult::failed(format!(
            "validate must contain %s: {validate}"
        )));
    }
    let words = drover_python::shlex::split(validate, drover_python::shlex::Comments::Kept)
        .map_err(|e| TaskResult::failed(format!("validate: {e}")))?;
    let quoted: Vec<String> = words
        .iter()
        .map(|w| {
            w.split("%s")
                .map(shell_quote)
                .collect::<Vec<_>>()
                .join("\"$t\"")
        })
        .collect();
    Ok(quoted.join(" "))
}

fn looks_binary(bytes: &[u8]) -> bool {
    bytes.contains(&0) || std::str::from_utf8(bytes).is_err()
}

fn placeholder_diff(path: &str, note: &str) -> FileDiff {
    FileDiff {
        before_header: path.to_owned(),
        after_header: path.to_owned(),
        before: format!("{note}\n"),
        after: String::new(),
    }
}

/// A text diff for `--diff`.
pub(crate) fn text_diff(path: &str, before: &[u8], after: &[u8]) -> FileDiff {
    let show = |bytes: &[u8]| -> String {
        if bytes.len() > MAX_DIFF {
            format!(
                "(content of {} bytes, larger than {MAX_DIFF}: not shown)\n",
                bytes.len()
            )
        } else if looks_binary(bytes) {
            format!("(binary content of {} bytes: not shown)\n", bytes.len())
        } else {
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    FileDiff {
        before_header: path.to_owned(),
        after_header: path.to_owned(),
        before: show(before),
        after: show(after),
    }
}

/// SHA-1 of `data` as lowercase hex (Ansible's `checksum`).
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    lower_hex(&sha1::Sha1::digest(data))
}

/// MD5 of `data` as lowercase hex (the `md5sum` copy returns).
pub(crate) fn md5_hex(data: &[u8]) -> String {
    lower_hex(&md5::Md5::digest(data))
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` read from the controller file `path`, decrypted when they are vault text. The
/// decrypted lines are remembered as secrets, so a diff of them is masked in output.
pub(crate) fn open_vaulted(bytes: Vec<u8>, path: &std::path::Path) -> Result<Vec<u8>, TaskResult> {
    if !drover_vault::is_encrypted(&bytes) {
        return Ok(bytes);
    }
    let plain = drover_vault::open(&bytes)
        .map_err(|e| TaskResult::failed(format!("could not decrypt `{}`: {e}", path.display())))?;
    drover_vault::keyring::reveal_lines(&String::from_utf8_lossy(&plain));
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The write script for `p` with a temp file in `parent`, default attributes, no backup.
    fn test_script(p: &str, parent: &str, size: usize, before: &FileState) -> String {
        let tmp = format!("{parent}/.drover_tmp.t");
        replace_script(p, &tmp, size, before, &FileAttrs::default(), false, None).expect("script")
    }

    #[tokio::test]
    async fn a_short_transfer_never_replaces_the_destination() {
        use drover_types::{Connection, Exec};
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("dest.txt");
        std::fs::write(&dest, b"the whole old file\n").expect("write");
        let p = shell_quote(&dest.display().to_string());
        let parent = dir.path().display().to_string();
        let before = FileState {
            exists: true,
            ..FileState::default()
        };
        // The script expects 100 bytes; only 10 arrive, as when a connection is cut.
        let script = test_script(&p, &parent, 100, &before);
        let out = drover_connection::Local
            .exec(Exec::script(&script).with_stdin(b"0123456789"))
            .await
            .expect("exec");
        assert_ne!(out.rc, 0);
        assert_eq!(std::fs::read(&dest).expect("read"), b"the whole old file\n");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "a temp file was left behind: {left:?}");
    }

    #[tokio::test]
    async fn a_new_file_gets_the_umask_mode_and_an_old_one_keeps_its_own() {
        use drover_types::{Connection, Exec};
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let parent = dir.path().display().to_string();
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let write = |dest: std::path::PathBuf, before: FileState| {
            let parent = parent.clone();
            async move {
                let p = shell_quote(&dest.display().to_string());
                let script = test_script(&p, &parent, 3, &before);
                let out = drover_connection::Local
                    .exec(Exec::script(&format!("umask 027\n{script}")).with_stdin(b"new"))
                    .await
                    .expect("exec");
                assert_eq!(out.rc, 0, "{}", out.stderr_text());
                out.stdout_text()
            }
        };
        let fresh = dir.path().join("fresh");
        let state = write(fresh.clone(), FileState::default()).await;
        assert_eq!(mode(&fresh), 0o640);
        assert!(state.starts_with("640 "), "{state}");
        let old = dir.path().join("old");
        std::fs::write(&old, b"old").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o604)).unwrap();
        let before = FileState {
            exists: true,
            mode: Some("0604".into()),
            ..FileState::default()
        };
        write(old.clone(), before).await;
        assert_eq!(
            (mode(&old), std::fs::read(&old).unwrap()),
            (0o604, b"new".to_vec())
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temp file left"
        );
    }

    #[tokio::test]
    async fn an_edited_file_keeps_its_owner_and_group() {
        use drover_types::{Connection, Exec};
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("owned");
        std::fs::write(&dest, b"old").unwrap();
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let (uid, gid) = if root {
            // daemon:daemon on Debian; any ids other than ours do.
            std::os::unix::fs::chown(&dest, Some(1), Some(1)).unwrap();
            (1, 1)
        } else {
            let m = std::fs::metadata(&dest).unwrap();
            (m.uid(), m.gid())
        };
        let before = FileState {
            exists: true,
            uid: Some(uid),
            gid: Some(gid),
            ..FileState::default()
        };
        let p = shell_quote(&dest.display().to_string());
        let parent = dir.path().display().to_string();
        let script = test_script(&p, &parent, 3, &before);
        let out = drover_connection::Local
            .exec(Exec::script(&script).with_stdin(b"new"))
            .await
            .expect("exec");
        assert_eq!(out.rc, 0, "{}", out.stderr_text());
        let m = std::fs::metadata(&dest).unwrap();
        assert_eq!((m.uid(), m.gid()), (uid, gid));
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
    }

    #[test]
    fn sha1_known_values() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let long = vec![b'a'; 1000];
        assert_eq!(sha1_hex(&long), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
    }

    #[test]
    fn md5_known_values() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(md5_hex(&[b'a'; 1000]), "cabe45dcc9ae5b66ba86600cca6b8ba8");
    }

    #[test]
    fn paths() {
        assert_eq!(safe_path("-rf"), "./-rf");
        assert_eq!(safe_path("/a"), "/a");
        assert_eq!(parent_dir("/a/b"), "/a");
        assert_eq!(parent_dir("/a"), "/");
        assert_eq!(parent_dir("a"), ".");
        assert_eq!(parent_dir("a/b/"), "a");
        assert_eq!(parent_dir("a//b"), "a");
    }

    #[test]
    fn state_parsing() {
        let s = parse_state(b"drover-state file 644 0 0 3 root root\ncontent\nab\n").unwrap();
        assert!(s.exists && !s.is_dir);
        assert_eq!(s.content.as_deref(), Some(&b"ab\n"[..]));
        assert_eq!(s.mode.as_deref(), Some("0644"));
        assert!(!parse_state(b"drover-state absent\n").unwrap().exists);
    }

    struct NoTemplar;
    impl drover_types::Templar for NoTemplar {
        fn render(
            &self,
            s: &str,
            _: &drover_types::Vars,
        ) -> Result<drover_types::Value, drover_types::TemplateError> {
            Ok(s.into())
        }
        fn eval(
            &self,
            s: &str,
            _: &drover_types::Vars,
        ) -> Result<drover_types::Value, drover_types::TemplateError> {
            Ok(s.into())
        }
        fn render_file(
            &self,
            _: &std::path::Path,
            _: &drover_types::Vars,
        ) -> Result<String, drover_types::TemplateError> {
            Err(drover_types::TemplateError::Render("no".into()))
        }
    }

    fn ctx<'a>(
        conn: &'a drover_connection::Local,
        vars: &'a drover_types::Vars,
        check: bool,
    ) -> ModuleContext<'a> {
        ModuleContext {
            conn,
            templar: &NoTemplar,
            vars,
            check_mode: check,
            diff: true,
            become_: None,
            search_paths: &[],
            timeout: None,
            arg_spans: &[],
        }
    }

    #[tokio::test]
    async fn write_read_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("-f i'le");
        let p = path.to_str().unwrap();
        let conn = drover_connection::Local;
        let vars = drover_types::Vars::new();
        let c = ctx(&conn, &vars, false);
        let before = read_state(&c, p).await.unwrap();
        assert!(!before.exists);
        let content = b"a\x00\xffb\n".to_vec();
        let attrs = FileAttrs {
            mode: Some("0640".into()),
            ..FileAttrs::default()
        };
        // Check mode: reports, touches nothing.
        let r = write_content(
            &ctx(&conn, &vars, true),
            p,
            &before,
            &content,
            &attrs,
            false,
            None,
        )
        .await;
        assert!(r.changed && !r.failed);
        assert!(!path.exists());
        let r = write_content(&c, p, &before, &content, &attrs, false, None).await;
        assert!(r.changed && !r.failed, "{r:?}");
        assert_eq!(std::fs::read(&path).unwrap(), content);
        let now = read_state(&c, p).await.unwrap();
        assert_eq!(now.mode.as_deref(), Some("0640"));
        assert_eq!(now.content.as_deref(), Some(&content[..]));
        let r = write_content(&c, p, &now, &content, &attrs, false, None).await;
        assert!(!r.changed, "{r:?}");
        // Attributes only.
        let attrs2 = FileAttrs {
            mode: Some("0600".into()),
            ..FileAttrs::default()
        };
        let r = write_content(&c, p, &now, &content, &attrs2, false, None).await;
        assert!(r.changed && !r.failed);
        assert_eq!(
            read_state(&c, p).await.unwrap().mode.as_deref(),
            Some("0600")
        );
        // Failing validation leaves the file alone and no temp behind.
        let now = read_state(&c, p).await.unwrap();
        let r = write_content(&c, p, &now, b"new", &attrs2, true, Some("false %s")).await;
        assert!(
            r.failed && r.msg.as_deref().unwrap().starts_with("failed to validate"),
            "{r:?}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), content);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Backup, validate that passes.
        let r = write_content(
            &c,
            p,
            &now,
            b"new",
            &FileAttrs::default(),
            true,
            Some("test -f %s"),
        )
        .await;
        assert!(r.changed && !r.failed, "{r:?}");
        let backup = r.data["backup_file"].as_str().unwrap().to_owned();
        assert_eq!(std::fs::read(&backup).unwrap(), content);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(
            read_state(&c, p).await.unwrap().mode.as_deref(),
            Some("0600")
        );
    }

    #[test]
    fn validate_quoting() {
        assert_eq!(
            validate_command("visudo -cf %s").unwrap(),
            "'visudo' '-cf' ''\"$t\"''"
        );
        assert!(validate_command("true").is_err());
    }
}
