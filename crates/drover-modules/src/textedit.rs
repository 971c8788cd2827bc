//! Text editing shared by `lineinfile`, `blockinfile` and `replace`.
//!
//! Their regular expressions are Python's, through `drover_python::re` (`lineinfile` and
//! `blockinfile` compile bytes patterns, `replace` text ones with MULTILINE, and DOTALL for
//! `after`/`before`). Here are the line splitters (Python's `readlines` and `splitlines(True)`)
//! and [`apply`], the write half shared by the three modules: attributes, check mode, backup,
//! validate, diff and Ansible's messages.

use crate::files::{self, FileAttrs, FileState};
use drover_types::{Map, ModuleContext, TaskResult, Value, shell_quote};
use serde_json::json;

/// The length of the UTF-8 character at the start of `b` (1 for a byte that starts none).
pub(crate) fn char_len(b: &[u8]) -> usize {
    let want = match b.first() {
        Some(x) if *x >= 0xf0 => 4,
        Some(x) if *x >= 0xe0 => 3,
        Some(x) if *x >= 0xc0 => 2,
        _ => 1,
    };
    if b.len() >= want && std::str::from_utf8(&b[..want]).is_ok() {
        want
    } else {
        1
    }
}

/// Python's `bytes.readlines()`: lines split after each `\n`, each keeping it.
pub(crate) fn readlines(content: &[u8]) -> Vec<Vec<u8>> {
    content
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Python's `bytes.splitlines(True)`: lines split after `\n`, `\r` or `\r\n`, each kept.
pub(crate) fn splitlines_keepends(content: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'\n' => {
                lines.push(content[start..=i].to_vec());
                start = i + 1;
            }
            b'\r' => {
                let end = if content.get(i + 1) == Some(&b'\n') {
                    i + 1
                } else {
                    i
                };
                lines.push(content[start..=end].to_vec());
                i = end;
                start = end + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < content.len() {
        lines.push(content[start..].to_vec());
    }
    lines
}

/// A line without its trailing `\r`/`\n` characters (Python's `rstrip(b'\r\n')`).
pub(crate) fn rstrip_eol(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &line[..end]
}

/// Expands a `path` argument as Ansible's `type: path` does on the target: environment
/// variables (`$NAME`, `${NAME}`; unknown ones are kept) then `~` or `~user` (an unknown user is
/// kept). Costs one round trip, only when the path has a `$` or starts with `~`.
pub(crate) async fn expand_path(ctx: &ModuleContext<'_>, path: &str) -> Result<String, TaskResult> {
    let refs = var_refs(path);
    let tilde = tilde_user(path);
    if refs.is_empty() && tilde.is_none() {
        return Ok(path.to_owned());
    }
    let mut script = String::from("set -f\n");
    for (_, _, name) in &refs {
        // Only exported variables count, as with Python's os.path.expandvars (`$IFS` is a shell
        // variable, not an environment one). `name` is an identifier: safe to write as is.
        script.push_str(&format!(
            "if v=$(printenv {name} && printf x); then v=${{v%x}}; v=${{v%?}}; printf 's%s\\0' \"$v\"; else printf 'u\\0'; fi\n"
        ));
    }
    if let Some(user) = tilde {
        script.push_str(&format!("printf 'h%s\\0' ~{user}\n"));
    }
    let out = files::run(ctx, &script, None).await?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not expand `{path}`: {}",
            out.stderr_text().trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut answers = text.split('\0');
    let mut expanded = String::new();
    let mut last = 0;
    for (start, end, _) in &refs {
        expanded.push_str(&path[last..*start]);
        match answers.next().and_then(|a| a.strip_prefix('s')) {
            Some(value) => expanded.push_str(value),
            None => expanded.push_str(&path[*start..*end]),
        }
        last = *end;
    }
    expanded.push_str(&path[last..]);
    if let Some(user) = tilde {
        let home = answers
            .next()
            .and_then(|a| a.strip_prefix('h'))
            .filter(|h| !h.starts_with('~'));
        if let Some(home) = home {
            let rest = &expanded[1 + user.len()..];
            let joined = format!("{}{rest}", home.trim_end_matches('/'));
            expanded = if joined.is_empty() {
                "/".to_owned()
            } else {
                joined
            };
        }
    }
    Ok(expanded)
}

/// The environment variable references in a path that a shell can look up, as
/// `(start, end, name)`: Python's `\$(\w+|\{[^}]*\})`, keeping only valid names.
fn var_refs(path: &str) -> Vec<(usize, usize, &str)> {
    let valid = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && n.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
    };
    let b = path.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let (name, end) = if b.get(i + 1) == Some(&b'{') {
            match path[i + 2..].find('}') {
                Some(close) => (&path[i + 2..i + 2 + close], i + 3 + close),
                None => ("", i + 1),
            }
        } else {
            let len = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            (&path[i + 1..i + 1 + len], i + 1 + len)
        };
        if valid(name) {
            refs.push((i, end, name));
        }
        i = end.max(i + 1);
    }
    refs
}

/// For a path starting with `~`, the user name after it (empty for the current user), when it
/// is one a shell can expand safely.
fn tilde_user(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('~')?;
    let user = &rest[..rest.find('/').unwrap_or(rest.len())];
    let safe = user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !user.starts_with('-');
    safe.then_some(user)
}

/// The content of a file `read_state` found (empty when it does not exist or is not a regular
/// file); fails for files too large to have been read back.
pub(crate) fn content_of(state: &FileState, path: &str) -> Result<Vec<u8>, TaskResult> {
    match (&state.content, &state.checksum) {
        (Some(c), _) => Ok(c.clone()),
        (None, Some(_)) => Err(TaskResult::failed(format!(
            "{path} is too large for drover to edit in place"
        ))),
        (None, None) => Ok(Vec::new()),
    }
}

/// Ansible's message when mode, owner or group had to change too.
const ATTRS_MSG: &str = "ownership, perms or SE linux context changed";

/// The outcome of a text edit, ready to be written by [`apply`].
#[derive(Debug)]
pub(crate) struct Edit<'a> {
    /// The destination as the task gave it.
    pub(crate) path: &'a str,
    /// What `read_state` found.
    pub(crate) state: &'a FileState,
    /// The new content.
    pub(crate) content: Vec<u8>,
    /// The content differs from the file's (or the file is to be created).
    pub(crate) changed: bool,
    /// The module's message for the content change (`line added`...), empty when none.
    pub(crate) msg: String,
    /// `backup`.
    pub(crate) backup: bool,
    /// `validate`.
    pub(crate) validate: Option<String>,
    /// `mode`, `owner`, `group`.
    pub(crate) attrs: FileAttrs,
    /// The diff headers (`/x (content)` for lineinfile and blockinfile, `/x` for replace).
    pub(crate) diff_header: String,
    /// How the module registers its `diff`.
    pub(crate) diff_shape: DiffShape,
    /// `mode: preserve`, which only copy and template understand: Ansible's text modules write
    /// the content, then fail when they come to the attributes.
    pub(crate) mode_preserve: bool,
}

/// The failure of a text module given `mode: preserve`, once the content is written.
async fn preserve_failure(ctx: &ModuleContext<'_>, path: &str) -> TaskResult {
    let mut failed = TaskResult::failed("mode must be in octal or symbolic form")
        .with("details", "bad symbolic permission for mode: preserve")
        .with("path", path);
    files::add_path_info(ctx, &mut failed).await;
    failed
}

/// The `diff` a text module puts in its result, which differs between Ansible's modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiffShape {
    /// `lineinfile`, `blockinfile`: always a list of the content diff (texts filled only with
    /// `--diff`) and the attribute diff (the modes when they change); only the content diff when
    /// check mode creates the file.
    ContentAndAttrs,
    /// `replace`: the content diff alone, only when the content changes under `--diff`.
    ChangedContent,
}

/// The `diff` value Ansible's text modules register.
fn registered_diff(ctx: &ModuleContext<'_>, edit: &Edit<'_>, attrs_changed: bool) -> Option<Value> {
    let path = edit.path;
    let before =
        || String::from_utf8_lossy(edit.state.content.as_deref().unwrap_or_default()).into_owned();
    let after = || String::from_utf8_lossy(&edit.content).into_owned();
    match edit.diff_shape {
        DiffShape::ChangedContent => (ctx.diff && edit.changed).then(|| {
            json!({"before_header": path, "before": before(), "after_header": path, "after": after()})
        }),
        DiffShape::ContentAndAttrs => {
            let (b, a) = if ctx.diff { (before(), after()) } else { (String::new(), String::new()) };
            let content = json!({
                "before": b,
                "after": a,
                "before_header": edit.diff_header,
                "after_header": edit.diff_header,
            });
            if ctx.check_mode && !edit.state.exists {
                return Some(content);
            }
            let mut attrs = Map::new();
            if (attrs_changed || edit.state.is_link)
                && let Some(mode) = edit.attrs.mode.as_deref()
            {
                // Ansible compares with the link's own mode, which is always 0777.
                let was = if edit.state.is_link {
                    "0777".to_owned()
                } else {
                    edit.state.mode.clone().unwrap_or_else(|| "0644".to_owned())
                };
                if files::parse_octal(&was) != files::parse_octal(mode) {
                    attrs.insert("before".into(), json!({"mode": was}));
                    attrs.insert("after".into(), json!({"mode": mode}));
                }
            }
            let header = format!("{path} (file attributes)");
            attrs.insert("before_header".into(), header.clone().into());
            attrs.insert("after_header".into(), header.into());
            Some(Value::Array(vec![content, Value::Object(attrs)]))
        }
    }
}

/// Whether `attrs` ask for something the file does not have. A new file is assumed to get
/// mode 0644 (umask 022) and the connecting user as owner.
fn attrs_differ(attrs: &FileAttrs, state: &FileState) -> bool {
    if state.is_link {
        // Ansible sets the mode on the link itself, which Linux cannot do: nothing changes.
        let attrs = FileAttrs {
            mode: None,
            ..attrs.clone()
        };
        return !files::attrs_match(state, &attrs);
    }
    if state.exists {
        return !files::attrs_match(state, attrs);
    }
    attrs
        .mode
        .as_deref()
        .and_then(files::parse_octal)
        .is_some_and(|m| m != 0o644)
}

/// Writes an edit the way Ansible's text modules do: nothing (and no round trip) when neither
/// content nor attributes change; in check mode only the report; otherwise the parent directory
/// of a new file is created, then `files::write_content` writes atomically (backup only when the
/// content changes and the file existed), through symlinks. The message gets Ansible's attribute suffix. The
/// backup's path, when one was made, is under `backup_file`.
pub(crate) async fn apply(ctx: &ModuleContext<'_>, mut edit: Edit<'_>) -> TaskResult {
    let attrs_changed = attrs_differ(&edit.attrs, edit.state);
    let registered = registered_diff(ctx, &edit, attrs_changed);
    let mut msg = std::mem::take(&mut edit.msg);
    if attrs_changed && (!ctx.check_mode || edit.state.exists) {
        if edit.changed {
            msg.push_str(" and ");
        }
        msg.push_str(ATTRS_MSG);
    }
    let mut result = TaskResult::changed(edit.changed || attrs_changed);
    if ctx.diff && edit.changed {
        let before = edit.state.content.as_deref().unwrap_or_default();
        let mut diff = files::text_diff(edit.path, before, &edit.content);
        diff.before_header.clone_from(&edit.diff_header);
        diff.after_header = edit.diff_header;
        result.diffs.push(diff);
    }
    if let Some(diff) = registered {
        result.set("diff", diff);
    }
    let preserve_fails = edit.mode_preserve && (edit.state.exists || !ctx.check_mode);
    if preserve_fails && (!result.changed || ctx.check_mode) {
        return preserve_failure(ctx, edit.path).await;
    }
    if !result.changed || ctx.check_mode {
        result.msg = Some(msg);
        return result;
    }
    let bad_validate = edit
        .validate
        .as_ref()
        .filter(|v| edit.changed && !v.contains("%s"));
    if let Some(v) = bad_validate {
        return TaskResult::failed(format!("validate must contain %s: {v}"));
    }
    let target = match real_path(ctx, edit.path, edit.state.exists).await {
        Ok(target) => target,
        Err(failed) => return failed,
    };
    let backup = edit.backup && edit.changed && edit.state.exists;
    let mut attrs = edit.attrs.clone();
    if edit.state.is_link {
        attrs.mode = None;
    }
    let written = files::write_content(
        ctx,
        &target,
        edit.state,
        &edit.content,
        &attrs,
        backup,
        edit.validate.as_deref().filter(|_| edit.changed),
    )
    .await;
    if written.failed || written.unreachable {
        return written;
    }
    if let Some(b) = written
        .data
        .get("backup_file")
        .filter(|b| b.as_str().is_some_and(|s| !s.is_empty()))
    {
        result.set("backup_file", b.clone());
    }
    if preserve_fails {
        return preserve_failure(ctx, edit.path).await;
    }
    result.warnings = written.warnings;
    result.msg = Some(msg);
    result
}

/// Where to write: the file a symlink points to (Ansible writes through links, even dangling
/// ones, to their real path), with the parent directory of a new file created first as
/// Ansible's `create: true` does. One round trip, made only when something is written.
async fn real_path(
    ctx: &ModuleContext<'_>,
    path: &str,
    exists: bool,
) -> Result<String, TaskResult> {
    let mut script = format!(
        "set -f; p={}\nif [ -L \"$p\" ]; then r=$(readlink -f -- \"$p\") || exit 1; else r=$p; fi\n",
        shell_quote(path)
    );
    if !exists {
        // dirname(1) without its process: the directory only has to exist.
        script.push_str(
            "case $r in */*) d=${r%/*}; d=${d:-/};; *) d=.;; esac\n\
             [ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 2\n",
        );
    }
    script.push_str("printf '%s' \"$r\"");
    let out = files::run(ctx, &script, None).await?;
    match out.rc {
        0 => Ok(out.stdout_text()),
        2 => Err(TaskResult::failed(format!(
            "Error creating {} ({})",
            files::parent_dir(path),
            out.stderr_text().trim()
        ))),
        _ => Err(TaskResult::failed(format!(
            "could not resolve `{path}`: {}",
            out.stderr_text().trim()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_references() {
        assert_eq!(
            var_refs("$HOME/a${X}b$1$"),
            vec![(0, 5, "HOME"), (7, 11, "X")]
        );
        assert_eq!(tilde_user("~/x"), Some(""));
        assert_eq!(tilde_user("~bob/x"), Some("bob"));
        assert_eq!(tilde_user("~$(id)/x"), None);
        assert_eq!(tilde_user("/x~"), None);
    }

    #[test]
    fn line_splitting() {
        assert_eq!(
            readlines(b"a\nb\r\nc"),
            vec![b"a\n".to_vec(), b"b\r\n".to_vec(), b"c".to_vec()]
        );
        assert!(readlines(b"").is_empty());
        assert_eq!(
            splitlines_keepends(b"a\rb\r\nc\n\nd"),
            vec![
                b"a\r".to_vec(),
                b"b\r\n".to_vec(),
                b"c\n".to_vec(),
                b"\n".to_vec(),
                b"d".to_vec()
            ]
        );
        assert_eq!(rstrip_eol(b"a\r\n\r"), b"a");
    }
}
