//! The `copy` module: a controller file, a directory tree or inline `content` onto the host.
//!
//! `src` is found on the controller (absolute, else under each search path's `files/`, then the
//! search path itself). The host is read once per file (content, mode, owner) and written only
//! when something differs, through [`crate::files::write_file`]. The shared [`put_content`] is
//! what `template` uses too.

use crate::args::{Args, ModeSpec, format_mode};
use crate::files::{
    self, FILE_COMMON, FileAttrs, FileState, READ_FN, md5_hex, parent_dir, parse_octal,
    parse_state, run, safe_path, sha1_hex, write_file,
};
use async_trait::async_trait;
use drover_types::{
    ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value, shell_quote,
};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Arguments shared by copy and template (besides [`FILE_COMMON`]).
pub(crate) static COPY_ARGS: [ArgSpecEntry; 5] = [
    ArgSpecEntry::new("dest", ArgKind::Path).required(),
    ArgSpecEntry::new("backup", ArgKind::Bool),
    ArgSpecEntry::new("force", ArgKind::Bool).aliases(&["thirsty"]),
    ArgSpecEntry::new("validate", ArgKind::Str),
    ArgSpecEntry::new("follow", ArgKind::Bool),
];

static SPEC: ArgSpec = ArgSpec {
    shared: &[&COPY_ARGS, &FILE_COMMON],
    args: &[
        ArgSpecEntry::new("src", ArgKind::Path),
        ArgSpecEntry::new("content", ArgKind::Any),
        ArgSpecEntry::new("directory_mode", ArgKind::Mode),
        ArgSpecEntry::new("remote_src", ArgKind::Bool),
        ArgSpecEntry::new("local_follow", ArgKind::Bool),
        ArgSpecEntry::new("checksum", ArgKind::Str),
        ArgSpecEntry::new("decrypt", ArgKind::Bool),
    ],
    free_form: false,
    any_args: false,
};

/// `copy`: puts a file, a tree or inline content on the host.
pub(crate) struct Copy;

#[async_trait]
impl Module for Copy {
    fn name(&self) -> &'static str {
        "copy"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let result = run_copy(ctx, args).await.unwrap_or_else(|e| e);
        files::warn_ignored_file_args(result, &Args::new(args))
    }
}

/// Finds `src` on the controller: absolute, else `<dir>/<sub>/<src>` then `<dir>/<src>` for each
/// search path, else relative to the current directory.
pub(crate) fn find_source(
    ctx: &ModuleContext<'_>,
    src: &str,
    sub: &str,
) -> Result<PathBuf, TaskResult> {
    let p = Path::new(src);
    if p.is_absolute() {
        return if p.exists() {
            Ok(p.to_path_buf())
        } else {
            Err(not_found(src))
        };
    }
    for dir in ctx.search_paths {
        for candidate in [dir.join(sub).join(p), dir.join(p)] {
            if candidate.exists() {
                return Ok(candidate);
            }
        }
    }
    if p.exists() {
        Ok(p.to_path_buf())
    } else {
        Err(not_found(src))
    }
}

fn not_found(src: &str) -> TaskResult {
    TaskResult::failed(format!(
        "Could not find or access '{src}' on the Ansible Controller."
    ))
}

async fn run_copy(ctx: &ModuleContext<'_>, args: &Map) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let dest = crate::textedit::expand_path(ctx, &a.req_str("dest")?).await?;
    let content = a.value("content");
    let src = a.str("src")?;
    match (src, content) {
        (Some(_), Some(_)) => Err(TaskResult::failed("src and content are mutually exclusive")),
        (None, None) => Err(TaskResult::failed("src (or content) is required")),
        (None, Some(c)) => {
            if dest.ends_with('/') {
                return Err(TaskResult::failed("can not use content with a dir as dest"));
            }
            if a.mode("mode")? == Some(ModeSpec::Preserve) {
                return Err(TaskResult::failed(
                    "mode=preserve is not valid with content",
                ));
            }
            // A YAML mapping or list as content is written as JSON, as Ansible does.
            let text = match c {
                Value::String(s) => s.clone(),
                other => crate::args::to_text(other).unwrap_or_else(|| {
                    drover_python::json::dumps(other, &drover_python::json::Options::default())
                }),
            };
            put_content(ctx, &a, &dest, text.as_bytes(), None, None).await
        }
        (Some(src), None) if a.bool("remote_src", false)? => {
            let state = crate::files::read_state(ctx, &src).await?;
            let Some(bytes) = state.content.clone().filter(|_| !state.is_dir) else {
                return Err(TaskResult::failed(format!(
                    "remote_src: `{src}` is not a readable regular file"
                )));
            };
            let mode = state.mode.as_deref().and_then(parse_octal);
            let mut r = put_content(ctx, &a, &dest, &bytes, mode, Some(&src)).await?;
            // The module itself copies a remote source, and names it.
            r.set("src", src);
            Ok(r)
        }
        (Some(src), None) => {
            let path = find_source(ctx, &src, "files")?;
            if path.is_dir() {
                return copy_tree(ctx, &a, &src, &path, &dest).await;
            }
            let bytes = read_source(&a, &path)?;
            let mode = std::fs::metadata(&path)
                .ok()
                .map(|m| m.permissions().mode() & 0o7777);
            let shown = path.display().to_string();
            put_content(ctx, &a, &dest, &bytes, mode, Some(&shown)).await
        }
    }
}

/// A controller-side source file's bytes, decrypted when it is vault-encrypted (unless
/// `decrypt: false`), as Ansible's copy does.
fn read_source(a: &Args<'_>, path: &Path) -> Result<Vec<u8>, TaskResult> {
    let bytes = std::fs::read(path).map_err(|e| {
        TaskResult::failed(format!("could not read source `{}`: {e}", path.display()))
    })?;
    if !a.bool("decrypt", true)? {
        return Ok(bytes);
    }
    crate::files::open_vaulted(bytes, path)
}

fn base_name(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .to_owned()
}

/// Writes `content` to `dest` (or into it, when it is a directory), with the task's mode,
/// owner, group, backup, force and validate; `src_mode` serves `mode: preserve`.
pub(crate) async fn put_content(
    ctx: &ModuleContext<'_>,
    a: &Args<'_>,
    dest: &str,
    content: &[u8],
    src_mode: Option<u32>,
    src_name: Option<&str>,
) -> Result<TaskResult, TaskResult> {
    let force = a.bool("force", true)?;
    // One round trip: the destination, or when it is a directory the file inside it.
    let base = src_name.map(base_name);
    let q = shell_quote(&safe_path(dest));
    let parent = parent_dir(dest);
    let no_dir = format!(
        "[ -d {} ] || {{ echo no-dir; exit 0; }}; ",
        shell_quote(&safe_path(&parent))
    );
    let mut script = format!("set -f\n{READ_FN}p={q}\n");
    match (&base, dest.ends_with('/')) {
        (Some(b), true) => script.push_str(&format!(
            "[ -d \"$p\" ] || echo no-parent; echo inside; f=\"$p\"/{}\n",
            shell_quote(b)
        )),
        (None, true) => return Err(TaskResult::failed("can not use content with a dir as dest")),
        (Some(b), false) => script.push_str(&format!(
            "if [ -d \"$p\" ]; then echo inside; f=\"$p\"/{}; else {no_dir}echo direct; f=\"$p\"; fi\n",
            shell_quote(b)
        )),
        (None, false) => script.push_str(&format!("{no_dir}echo direct; f=\"$p\"\n")),
    }
    if a.bool("follow", false)? {
        // A symlinked destination: write where it points (Ansible's `follow`).
        script.push_str(
            "if [ -L \"$f\" ]; then f=$(readlink -f -- \"$f\") || exit 1; printf 'real\\n%s\\000' \"$f\"; fi\n",
        );
    }
    script.push_str("drover_read \"$f\"\n");
    let out = run(ctx, &script, None).await?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not read `{dest}`: {}",
            out.stderr_text().trim()
        )));
    }
    if out.stdout == b"no-dir\n" {
        return Err(TaskResult::failed(format!(
            "Destination directory {parent} does not exist"
        )));
    }
    let mut stdout = &out.stdout[..];
    let missing_parent = stdout.starts_with(b"no-parent\n");
    if missing_parent {
        stdout = &stdout[10..];
    }
    let (final_dest, state_bytes) = if let Some(rest) = stdout.strip_prefix(b"inside\n") {
        (
            format!(
                "{}/{}",
                dest.trim_end_matches('/'),
                base.unwrap_or_default()
            ),
            rest,
        )
    } else {
        (
            dest.to_owned(),
            stdout.strip_prefix(b"direct\n").unwrap_or(stdout),
        )
    };
    let (final_dest, state_bytes) = match state_bytes.strip_prefix(b"real\n") {
        Some(rest) => match rest.iter().position(|&b| b == 0) {
            Some(i) => (
                String::from_utf8_lossy(&rest[..i]).into_owned(),
                &rest[i + 1..],
            ),
            None => (final_dest, state_bytes),
        },
        None => (final_dest, state_bytes),
    };
    let before: FileState = parse_state(state_bytes)
        .ok_or_else(|| TaskResult::failed(format!("could not read `{dest}`: unexpected output")))?;
    if before.is_dir {
        // Only inline content gets here with a directory (a file goes inside it).
        return Err(if src_name.is_none() {
            TaskResult::failed("can not use content with a dir as dest")
                .with("diff", Value::Array(Vec::new()))
        } else {
            TaskResult::failed(format!("dest `{final_dest}` is a directory"))
        });
    }
    if missing_parent && !ctx.check_mode && (force || !before.exists) {
        let out = run(ctx, &format!("mkdir -p -- {q}"), None).await?;
        if out.rc != 0 {
            return Err(TaskResult::failed(format!(
                "could not create `{dest}`: {}",
                out.stderr_text().trim()
            )));
        }
    }
    finish_put(ctx, a, final_dest, &before, content, src_mode, src_name).await
}

/// Brings one file whose state is known (`before`) to `content` with the task's attributes,
/// and builds copy's result.
async fn finish_put(
    ctx: &ModuleContext<'_>,
    a: &Args<'_>,
    final_dest: String,
    before: &FileState,
    content: &[u8],
    src_mode: Option<u32>,
    src_name: Option<&str>,
) -> Result<TaskResult, TaskResult> {
    let force = a.bool("force", true)?;
    let backup = a.bool("backup", false)?;
    let validate = a.str("validate")?;
    if let Some(expected) = a.str("checksum")? {
        let actual = sha1_hex(content);
        if !expected.eq_ignore_ascii_case(&actual) {
            return Err(TaskResult::failed(
                "Copied file does not match the expected checksum. Transfer failed.",
            )
            .with("checksum", actual)
            .with("expected_checksum", expected));
        }
    }
    if before.exists && !force {
        // Ansible's copy names its source; for inline content that is a temp file on the
        // controller, which drover does not make, so there is no `src` then.
        // ansible-core's copy reports the `dest` it was given here, a directory included.
        let mut r = TaskResult::changed(false);
        r.set("dest", a.str("dest")?.unwrap_or(final_dest));
        if let Some(src) = src_name {
            r.set("src", src);
        }
        return Ok(r);
    }
    let mut attrs = FileAttrs::from_args(a, before)?;
    if a.mode("mode")? == Some(ModeSpec::Preserve) {
        attrs.mode = src_mode.map(format_mode);
    }
    let w = write_file(
        ctx,
        &final_dest,
        before,
        content,
        &attrs,
        backup,
        validate.as_deref(),
    )
    .await
    .map_err(|mut failed| {
        // copy and template say just this; lineinfile and friends add rc and error.
        if failed
            .msg
            .as_deref()
            .is_some_and(|m| m.starts_with("failed to validate"))
        {
            failed.msg = Some("failed to validate".into());
        }
        failed
    })?;
    let mut r = TaskResult::changed(w.changed);
    r.set("dest", final_dest.clone());
    // As Ansible's copy action: content that went over is named by the temp file it went
    // through (`src`) and its MD5; otherwise only the attributes were checked, as its file
    // module does, which names the `path`.
    match &w.tmp_path {
        Some(tmp) => {
            r.set("src", tmp.clone());
            r.set("md5sum", md5_hex(content));
        }
        None => r.set("path", final_dest.clone()),
    }
    let registered_diff: Vec<Value> = w
        .diff
        .iter()
        .map(|d| {
            serde_json::json!({
                "before": d.before,
                "after": d.after,
                "before_header": d.before_header,
                "after_header": src_name.unwrap_or(&final_dest),
            })
        })
        .collect();
    r.set("diff", registered_diff);
    r.set("checksum", sha1_hex(content));
    r.set("size", content.len());
    let several_links = !w.changed && before.nlink > 1;
    r.set("state", if several_links { "hard" } else { "file" });
    if let Some(after) = &w.after {
        if let Some(m) = &after.mode {
            r.set("mode", m.clone());
        }
        if let Some(o) = &after.owner {
            r.set("owner", o.clone());
        }
        if let Some(g) = &after.group {
            r.set("group", g.clone());
        }
        if let Some(u) = after.uid {
            r.set("uid", u);
        }
        if let Some(g) = after.gid {
            r.set("gid", g);
        }
    }
    if let Some(b) = w.backup_file {
        r.set("backup_file", b);
    }
    if let Some(mut d) = w.diff {
        // Inline content is named after the destination, a source file after itself.
        d.after_header = src_name.unwrap_or(&final_dest).to_owned();
        r.diffs.push(d);
    }
    Ok(r)
}

/// Copies a controller directory: `src/` copies what is inside, `src` the directory itself.
async fn copy_tree(
    ctx: &ModuleContext<'_>,
    a: &Args<'_>,
    src: &str,
    root: &Path,
    dest: &str,
) -> Result<TaskResult, TaskResult> {
    let mut top = dest.trim_end_matches('/').to_owned();
    if top.is_empty() {
        top = "/".into();
    }
    if !src.ends_with('/') {
        top = format!("{}/{}", top.trim_end_matches('/'), base_name(src));
    }
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    walk(root, "", &mut dirs, &mut files)?;
    let dir_mode = match a.mode("directory_mode")? {
        Some(m) => Some(m.resolve(None, true, None).map_err(TaskResult::failed)?),
        None => None,
    };
    // One script makes every missing directory, says whether it made any, and reads every
    // destination file; then only the files that differ are written, one round trip each.
    let mut script = format!(
        "set -f; made=0\n{READ_FN}if [ -e {q} ] && [ ! -d {q} ]; then exit 3; fi\n",
        q = shell_quote(&safe_path(dest.trim_end_matches('/')))
    );
    for d in std::iter::once(String::new()).chain(dirs) {
        let path = if d.is_empty() {
            top.clone()
        } else {
            format!("{top}/{d}")
        };
        let q = shell_quote(&safe_path(&path));
        let mk = if ctx.check_mode {
            String::new()
        } else {
            format!("mkdir -p -- {q} || exit 1; ")
        };
        let chmod = match (dir_mode, ctx.check_mode) {
            (Some(m), false) => format!("chmod {m:o} -- {q} || exit 1; "),
            _ => String::new(),
        };
        script.push_str(&format!("if [ ! -d {q} ]; then {mk}{chmod}made=1; fi\n"));
    }
    script.push_str("echo $made\n");
    let dests: Vec<String> = files.iter().map(|rel| format!("{top}/{rel}")).collect();
    for dest in &dests {
        script.push_str(&format!("drover_read {}\n", shell_quote(&safe_path(dest))));
    }
    let out = run(ctx, &script, None).await?;
    if out.rc == 3 {
        // A file where the tree goes: Ansible fails when it looks at the first file inside.
        let first = files.first().map(String::as_str).unwrap_or_default();
        return Err(TaskResult::failed(format!(
            "Task failed: Failed to get information on remote file ({top}/{first}): Not a directory"
        )));
    }
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not create `{top}`: {}",
            out.stderr_text().trim()
        )));
    }
    let mut changed = out.stdout.starts_with(b"1");
    let mut rest = out.stdout.get(2..).unwrap_or_default();
    let mut result = TaskResult::changed(false);
    for (rel, dest) in files.iter().zip(dests) {
        let (before, tail) = next_state(rest).ok_or_else(|| {
            TaskResult::failed(format!("could not read `{dest}`: unexpected output"))
        })?;
        rest = tail;
        if before.is_dir {
            return Err(TaskResult::failed(format!("dest `{dest}` is a directory")));
        }
        let local = root.join(rel);
        let bytes = read_source(a, &local)?;
        let mode = std::fs::metadata(&local)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777);
        let shown = local.display().to_string();
        let r = finish_put(ctx, a, dest, &before, &bytes, mode, Some(&shown)).await?;
        // ansible-core shows no diff for a directory `src`, only whether it changed.
        changed |= r.changed;
    }
    result.changed = changed;
    result.set("dest", dest.to_owned());
    result.set("src", root.display().to_string());
    Ok(result)
}

/// Splits one `drover_read` output off the front of `bytes` (a regular file's content is as long
/// as the size its header gives).
fn next_state(bytes: &[u8]) -> Option<(FileState, &[u8])> {
    let line_end = |b: &[u8]| b.iter().position(|&c| c == b'\n');
    let h = line_end(bytes)?;
    let header = std::str::from_utf8(&bytes[..h]).ok()?;
    let words: Vec<&str> = header.split_whitespace().collect();
    let mut end = h + 1;
    if words.get(1) == Some(&"file") {
        let size: usize = words.get(5)?.parse().ok()?;
        let next = &bytes[end..];
        let l = line_end(next)?;
        end += l + 1;
        if &next[..l] == b"content" {
            end += size;
        }
    }
    let chunk = bytes.get(..end)?;
    Some((parse_state(chunk)?, &bytes[end..]))
}

/// Lists a controller tree: directories and files, relative, parents first, sorted.
fn walk(
    root: &Path,
    rel: &str,
    dirs: &mut Vec<String>,
    files: &mut Vec<String>,
) -> Result<(), TaskResult> {
    let dir = root.join(rel);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| TaskResult::failed(format!("could not read `{}`: {e}", dir.display())))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let sub = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        // Symlinks are followed (local_follow), as Ansible does by default.
        if e.path().is_dir() {
            dirs.push(sub.clone());
            walk(root, &sub, dirs, files)?;
        } else {
            files.push(sub);
        }
    }
    Ok(())
}
