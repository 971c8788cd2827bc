//! The `file` module: a path's type (file, directory, symlink, hard link, absent, touched),
//! mode, owner, group and timestamps.
//!
//! One script reads the path (and the link source, and for `recurse` whether anything below
//! differs); drover decides in Rust; a second script applies the change only when one is
//! needed, and reads the result back. Diffs are Ansible's `{path, state, mode...}` dicts as
//! JSON text.

use crate::args::{Args, ModeSpec, format_mode};
use crate::files::{FILE_COMMON, parent_dir, parse_octal, run, safe_path};
use async_trait::async_trait;
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, FileDiff, Map, Module, ModuleContext, TaskResult,
    Value, shell_quote,
};
use std::collections::HashMap;

static SPEC: ArgSpec = ArgSpec {
    shared: &[&FILE_COMMON],
    args: &[
        ArgSpecEntry::new("path", ArgKind::Path)
            .required()
            .aliases(&["dest", "name"]),
        ArgSpecEntry::new("state", ArgKind::Str).choices(&[
            "absent",
            "directory",
            "file",
            "hard",
            "link",
            "touch",
        ]),
        ArgSpecEntry::new("src", ArgKind::Path),
        ArgSpecEntry::new("recurse", ArgKind::Bool).default(ArgDefault::Bool(false)),
        ArgSpecEntry::new("force", ArgKind::Bool).default(ArgDefault::Bool(false)),
        ArgSpecEntry::new("follow", ArgKind::Bool).default(ArgDefault::Bool(true)),
        ArgSpecEntry::new("modification_time", ArgKind::Str),
        ArgSpecEntry::new("modification_time_format", ArgKind::Str)
            .default(ArgDefault::Str("%Y%m%d%H%M.%S")),
        ArgSpecEntry::new("access_time", ArgKind::Str),
        ArgSpecEntry::new("access_time_format", ArgKind::Str)
            .default(ArgDefault::Str("%Y%m%d%H%M.%S")),
    ],
    free_form: false,
    any_args: false,
};

/// `file`: makes a path be what the task says.
pub(crate) struct File;

#[async_trait]
impl Module for File {
    fn name(&self) -> &'static str {
        "file"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let mut result = run_file(ctx, args).await.unwrap_or_else(|e| e);
        if result.failed && !result.unreachable {
            crate::files::add_path_info(ctx, &mut result).await;
        }
        crate::files::warn_ignored_file_args(result, &Args::new(args))
    }
    fn invocation(&self, args: &Map, result: &TaskResult) -> Option<Map> {
        // Ansible's module reports the state it settled on (the current one when none is
        // given) and the path it worked on, with its two internal arguments.
        let mut module_args = crate::args::module_args(&SPEC, args);
        if let Some(path) = ["path", "dest"].iter().find_map(|k| result.data.get(*k)) {
            module_args.insert("path".into(), path.clone());
        }
        if module_args.get("state").is_none_or(Value::is_null) {
            let state = match result.data.get("state") {
                Some(s) if !result.failed => s.clone(),
                _ => "file".into(),
            };
            module_args.insert("state".into(), state);
        }
        module_args.insert("_diff_peek".into(), Value::Null);
        module_args.insert("_original_basename".into(), Value::Null);
        Some(module_args)
    }
}

/// One path as the probe saw it (`lstat`, or `stat` for the `follow` record).
#[derive(Debug, Clone, Default)]
pub(crate) struct Probe {
    /// absent, file, directory, link, other.
    pub(crate) kind: String,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) size: u64,
    pub(crate) owner: String,
    pub(crate) group: String,
    pub(crate) inode: u64,
    pub(crate) dev: u64,
    pub(crate) nlink: u64,
    pub(crate) atime: i64,
    pub(crate) mtime: i64,
}

impl Probe {
    fn exists(&self) -> bool {
        self.kind != "absent"
    }
    /// Ansible's state name: a file with more than one link is `hard`.
    fn state(&self) -> &str {
        if self.kind == "file" && self.nlink > 1 {
            "hard"
        } else {
            &self.kind
        }
    }
}

/// The shell function `probe PATH LABEL [-L]`, printing `LABEL\0KIND MODE UID GID SIZE OWNER
/// GROUP INODE DEV NLINK ATIME MTIME\0`.
pub(crate) const PROBE_FN: &str = "probe(){
if [ -L \"$1\" ] && [ \"$3\" != -L ]; then t=link; elif [ -d \"$1\" ]; then t=directory; \
elif [ -f \"$1\" ]; then t=file; elif [ -e \"$1\" ]; then t=other; else printf '%s\\000absent\\000' \"$2\"; return 0; fi
s=$(stat $3 -c '%a %u %g %s %U %G %i %d %h %X %Y' -- \"$1\") || exit 1
printf '%s\\000%s %s\\000' \"$2\" \"$t\" \"$s\"
}
";

fn parse_probe(s: &str) -> Option<Probe> {
    let w: Vec<&str> = s.split(' ').collect();
    if w.first() == Some(&"absent") {
        return Some(Probe {
            kind: "absent".into(),
            ..Probe::default()
        });
    }
    let [
        kind,
        mode,
        uid,
        gid,
        size,
        owner,
        group,
        inode,
        dev,
        nlink,
        atime,
        mtime,
    ] = w[..]
    else {
        return None;
    };
    Some(Probe {
        kind: kind.into(),
        mode: parse_octal(mode)?,
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        size: size.parse().ok()?,
        owner: owner.into(),
        group: group.into(),
        inode: inode.parse().ok()?,
        dev: dev.parse().ok()?,
        nlink: nlink.parse().ok()?,
        atime: atime.parse().ok()?,
        mtime: mtime.parse().ok()?,
    })
}

pub(crate) fn parse_records(out: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut parts = out.split(|&b| b == 0);
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        map.insert(
            String::from_utf8_lossy(k).into_owned(),
            String::from_utf8_lossy(v).into_owned(),
        );
    }
    map
}

/// A timestamp request: keep it, set it to now, or set it to a given time.
#[derive(Debug, Clone, PartialEq)]
enum Stamp {
    Preserve,
    Now,
    At(String, i64),
}

fn stamp(a: &Args<'_>, name: &str, fmt_name: &str, default: Stamp) -> Result<Stamp, TaskResult> {
    match a.str(name)?.as_deref() {
        None => Ok(default),
        Some("preserve") => Ok(Stamp::Preserve),
        Some("now") => Ok(Stamp::Now),
        Some(t) => {
            let fmt = a.str_or(fmt_name, "%Y%m%d%H%M.%S")?;
            if fmt != "%Y%m%d%H%M.%S" {
                return Err(TaskResult::failed(format!(
                    "{fmt_name}: only the default format %Y%m%d%H%M.%S is supported"
                )));
            }
            let epoch = parse_stamp(t).ok_or_else(|| {
                TaskResult::failed(format!(
                    "Error while obtaining timestamp for time {t} using format {fmt}"
                ))
            })?;
            Ok(Stamp::At(t.to_owned(), epoch))
        }
    }
}

/// Parses `YYYYmmddHHMM.SS` as local time, as Python's `time.mktime(time.strptime(...))` does:
/// the date and time must exist, the seconds may be up to 61.
fn parse_stamp(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 15
        || b[12] != b'.'
        || !t
            .bytes()
            .enumerate()
            .all(|(i, c)| i == 12 || c.is_ascii_digit())
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| t[r].parse::<i8>().ok();
    let second = n(13..15).filter(|s| *s <= 61)?;
    let minute = jiff::civil::DateTime::new(
        t[0..4].parse().ok()?,
        n(4..6)?,
        n(6..8)?,
        n(8..10)?,
        n(10..12)?,
        0,
        0,
    )
    .ok()?;
    let zoned = minute.to_zoned(jiff::tz::TimeZone::system()).ok()?;
    Some(zoned.timestamp().as_second() + i64::from(second))
}

/// The parsed task.
struct Want {
    path: String,
    /// Where a symlink at `path` leads in the end (`readlink -f`), when it is one.
    real: Option<String>,
    state: Option<String>,
    src: Option<String>,
    mode: Option<ModeSpec>,
    owner: Option<String>,
    group: Option<String>,
    recurse: bool,
    force: bool,
    follow: bool,
    mtime: Stamp,
    atime: Stamp,
}

fn same(want: &str, name: &str, id: u32) -> bool {
    match want.parse::<u32>() {
        Ok(n) => n == id,
        Err(_) => want == name,
    }
}

fn diff_json(map: &Map) -> String {
    let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut s = String::from("{\n");
    for (i, (k, v)) in sorted.iter().enumerate() {
        let sep = if i + 1 < sorted.len() { "," } else { "" };
        s.push_str(&format!("    {}: {}{sep}\n", Value::from(k.as_str()), v));
    }
    s.push_str("}\n");
    s
}

async fn run_file(ctx: &ModuleContext<'_>, args: &Map) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let recurse = a.bool("recurse", false)?;
    let state = a.str("state")?;
    let touch = state.as_deref() == Some("touch");
    let default_time = if touch { Stamp::Now } else { Stamp::Preserve };
    let mut w = Want {
        path: crate::textedit::expand_path(ctx, &a.req_str("path")?).await?,
        real: None,
        src: a.str("src")?,
        mode: a.mode("mode")?,
        owner: a.str("owner")?,
        group: a.str("group")?,
        recurse,
        force: a.bool("force", false)?,
        follow: a.bool("follow", true)?,
        mtime: stamp(
            &a,
            "modification_time",
            "modification_time_format",
            default_time.clone(),
        )?,
        atime: stamp(&a, "access_time", "access_time_format", default_time)?,
        state,
    };
    if w.mode == Some(ModeSpec::Preserve) {
        return Err(TaskResult::failed(
            "mode=preserve is only valid for the copy and template modules",
        ));
    }
    if w.src.is_some() && !matches!(w.state.as_deref(), Some("link" | "hard") | None) {
        return Err(TaskResult::failed(
            "src option requires state to be 'link' or 'hard'",
        ));
    }
    let p = shell_quote(&safe_path(&w.path));
    // Relative symlink sources are relative to the link's directory.
    let src_probe_path = w.src.as_ref().map(|s| {
        if w.state.as_deref() == Some("link") && !s.starts_with('/') {
            format!("{}/{s}", parent_dir(&w.path))
        } else {
            s.clone()
        }
    });
    let mut script = format!("set -f; p={p}\n");
    // Ansible puts a hard link (or any state but link and absent, given src) whose path is a
    // directory inside it, under the source's name.
    let base = w
        .src
        .as_deref()
        .and_then(|s| s.rsplit('/').next())
        .unwrap_or("");
    if !base.is_empty() && !matches!(w.state.as_deref(), Some("link" | "absent")) {
        script.push_str(&format!(
            "if [ -d \"$p\" ]; then p=\"$p\"/{}; printf 'newpath\\000%s\\000' \"$p\"; fi\n",
            shell_quote(base)
        ));
    }
    script.push_str(&format!("{PROBE_FN}probe \"$p\" path\n"));
    script.push_str("if [ -L \"$p\" ]; then printf 'target\\000%s\\000' \"$(readlink -- \"$p\")\"; printf 'real\\000%s\\000' \"$(readlink -f -- \"$p\")\"; probe \"$p\" follow -L; fi\n");
    if let Some(sp) = &src_probe_path {
        script.push_str(&format!("probe {} src -L\n", shell_quote(&safe_path(sp))));
    }
    if w.recurse {
        script.push_str(&format!(
            "if [ -d \"$p\" ]; then printf 'tree\\000'; find \"$p\" ! -type l {} -print 2>/dev/null | head -n 1 | wc -l; printf '\\000'; fi\n",
            recurse_filter(&w)?
        ));
        if let Some(ModeSpec::Symbolic(_)) = &w.mode {
            // A symbolic mode depends on each file's own mode: list them all.
            script.push_str(
                "if [ -d \"$p\" ]; then printf 'modes\\000'; find \"$p\" ! -type l -exec stat -c '%a %F' -- {} + || exit 1; printf '\\000'; fi\n",
            );
        }
    }
    let out = run(ctx, &script, None).await?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not inspect `{}`: {}",
            w.path,
            out.stderr_text().trim()
        )));
    }
    let rec = parse_records(&out.stdout);
    if let Some(new) = rec.get("newpath") {
        w.path.clone_from(new);
    }
    w.real = rec.get("real").filter(|r| !r.is_empty()).cloned();
    let p = shell_quote(&safe_path(&w.path));
    let bad = || TaskResult::failed(format!("could not inspect `{}`: unexpected output", w.path));
    let path_p = rec
        .get("path")
        .and_then(|s| parse_probe(s))
        .ok_or_else(bad)?;
    let follow_p = rec.get("follow").and_then(|s| parse_probe(s));
    let src_p = rec.get("src").and_then(|s| parse_probe(s));
    let mut tree_differs = rec.get("tree").is_some_and(|s| s.trim() != "0");
    if let (Some(ModeSpec::Symbolic(spec)), Some(list)) = (&w.mode, rec.get("modes")) {
        for line in list.lines() {
            let Some((mode, kind)) = line.split_once(' ') else {
                continue;
            };
            let Some(mode) = parse_octal(mode) else {
                continue;
            };
            let want = crate::args::apply_symbolic(spec, mode, kind == "directory", 0o022)
                .map_err(TaskResult::failed)?;
            tree_differs |= want != mode;
        }
    }
    plan_and_apply(
        ctx,
        &w,
        &p,
        path_p,
        follow_p,
        src_p,
        rec.get("target").cloned(),
        tree_differs,
    )
    .await
}

/// `find` tests that match a file whose attributes differ from the task's (octal modes only;
/// a symbolic mode is checked on the top directory alone).
fn recurse_filter(w: &Want) -> Result<String, TaskResult> {
    let mut tests = Vec::new();
    if let Some(ModeSpec::Bits(m)) = &w.mode {
        tests.push(format!("! -perm {:04o}", m));
    }
    if let Some(o) = &w.owner {
        tests.push(format!("! -user {}", shell_quote(o)));
    }
    if let Some(g) = &w.group {
        tests.push(format!("! -group {}", shell_quote(g)));
    }
    if tests.is_empty() {
        return Ok("-false".into());
    }
    Ok(format!("\\( {} \\)", tests.join(" -o ")))
}

#[allow(clippy::too_many_arguments)]
async fn plan_and_apply(
    ctx: &ModuleContext<'_>,
    w: &Want,
    p: &str,
    path_p: Probe,
    follow_p: Option<Probe>,
    src_p: Option<Probe>,
    target: Option<String>,
    tree_differs: bool,
) -> Result<TaskResult, TaskResult> {
    let prev_state = path_p.state().to_owned();
    let state = match w.state.clone() {
        Some(s) => s,
        None if path_p.exists() => {
            if prev_state == "hard" {
                "file".into()
            } else {
                prev_state.clone()
            }
        }
        None if w.recurse => "directory".into(),
        None => "file".into(),
    };
    if w.src.is_some() && !matches!(state.as_str(), "link" | "hard") {
        return Err(
            TaskResult::failed("src option requires state to be 'link' or 'hard'")
                .with("path", w.path.clone()),
        );
    }
    if w.recurse && state != "directory" {
        return Err(TaskResult::failed(
            "recurse option requires state to be 'directory'",
        ));
    }
    let mut before = Map::new();
    let mut after = Map::new();
    before.insert("path".into(), w.path.clone().into());
    after.insert("path".into(), w.path.clone().into());
    // The object whose attributes we manage: the link's target when following.
    let is_link = path_p.kind == "link";
    let attr_obj = if is_link && w.follow {
        follow_p.clone()
    } else {
        Some(path_p.clone())
    };
    let mut apply = String::new();
    let mut changed = false;
    let mut end_state = state.clone();
    match state.as_str() {
        "absent" => {
            if path_p.exists() {
                before.insert("state".into(), prev_state.clone().into());
                after.insert("state".into(), "absent".into());
                apply.push_str("rm -rf -- \"$p\" || exit 1\n");
                changed = true;
            }
            if !changed {
                return Ok(finish(ctx, w, changed, "absent", None, before, after, None));
            }
        }
        "file" => {
            let ok_kind = match (&attr_obj, is_link) {
                (Some(o), _) => o.kind == "file",
                _ => false,
            };
            if !ok_kind {
                let path = shown_path(w, is_link);
                let shown = if path_p.exists() {
                    prev_state.as_str()
                } else {
                    "absent"
                };
                return Err(TaskResult::failed(format!(
                    "file ({path}) is {shown}, cannot continue"
                ))
                .with("path", path)
                .with("state", shown));
            }
            end_state = prev_state.clone();
        }
        "directory" => {
            let target_kind = attr_obj
                .as_ref()
                .map(|o| o.kind.as_str())
                .unwrap_or("absent");
            if !path_p.exists() {
                before.insert("state".into(), "absent".into());
                after.insert("state".into(), "directory".into());
                changed = true;
                let mode = match &w.mode {
                    Some(m) => Some(m.resolve(None, true, None).map_err(TaskResult::failed)?),
                    None => None,
                };
                apply.push_str(&mkdir_chain(&w.path, mode, w));
            } else if target_kind != "directory" {
                let path = shown_path(w, is_link);
                let kind = match &attr_obj {
                    Some(target) if is_link && w.follow => target.state().to_owned(),
                    _ => prev_state.clone(),
                };
                return Err(
                    TaskResult::failed(format!("{path} already exists as a {kind}"))
                        .with("path", path),
                );
            }
        }
        "touch" => {
            // Ansible's diff names the requested state: `file` (or `absent`) to `touch`.
            before.insert("state".into(), prev_state.clone().into());
            after.insert("state".into(), "touch".into());
            if !path_p.exists() {
                changed = true;
                apply.push_str("touch -- \"$p\" || exit 1\n");
            }
            end_state = if path_p.exists() {
                prev_state.clone()
            } else {
                "file".into()
            };
        }
        "link" => {
            let src = w.src.clone().or_else(|| target.clone()).ok_or_else(|| {
                TaskResult::failed("src is required for creating new symlinks")
                    .with("path", w.path.clone())
            })?;
            let src_missing = src_p.as_ref().is_none_or(|s| !s.exists());
            if src_missing && !w.force && w.src.is_some() {
                return Err(TaskResult::failed(format!(
                    "src file does not exist, use 'force=yes' if you really want to create the link: {}",
                    src_probe_display(&w.path, &src)
                ))
                .with("path", w.path.clone())
                .with("src", src));
            }
            let same_link = is_link && target.as_deref() == Some(src.as_str());
            if !same_link {
                match path_p.kind.as_str() {
                    "absent" | "link" => {}
                    "directory" => {
                        if !w.force {
                            return Err(TaskResult::failed(format!(
                                "refusing to convert from directory to symlink for {}",
                                w.path
                            ))
                            .with("path", w.path.clone()));
                        }
                        apply.push_str("rmdir -- \"$p\" 2>/dev/null || { echo \"the directory $p is not empty, refusing to convert it\" >&2; exit 1; }\n");
                    }
                    _ if !w.force => {
                        return Err(TaskResult::failed(format!(
                            "refusing to convert from {prev_state} to symlink for {}",
                            w.path
                        ))
                        .with("path", w.path.clone()));
                    }
                    _ => {}
                }
                before.insert("state".into(), prev_state.clone().into());
                after.insert("state".into(), "link".into());
                if is_link {
                    before.insert("src".into(), target.clone().unwrap_or_default().into());
                    after.insert("src".into(), src.clone().into());
                }
                apply.push_str(&format!(
                    "ln -sfn -- {} \"$p\" || exit 1\n",
                    shell_quote(&src)
                ));
                changed = true;
            }
        }
        "hard" => {
            let src = match w.src.clone() {
                Some(src) => src,
                // An existing hard link without src: only its attributes are managed.
                None if prev_state == "hard" => String::new(),
                None => {
                    return Err(TaskResult::failed(
                        "src is required for creating new hardlinks",
                    ));
                }
            };
            let sp = match src_p.as_ref().filter(|s| s.exists()) {
                Some(sp) => sp.clone(),
                None if src.is_empty() => path_p.clone(),
                None => {
                    return Err(TaskResult::failed("src does not exist")
                        .with("dest", w.path.clone())
                        .with("src", src));
                }
            };
            let same_inode = path_p.exists() && path_p.inode == sp.inode && path_p.dev == sp.dev;
            if !same_inode {
                match path_p.kind.as_str() {
                    "absent" => {}
                    "directory" => {
                        return Err(TaskResult::failed(format!(
                            "refusing to convert from directory to hard link for {}",
                            w.path
                        )));
                    }
                    _ if !w.force && prev_state == "hard" => {
                        return Err(TaskResult::failed(
                            "Cannot link, different hard link exists at destination",
                        )
                        .with("dest", w.path.clone())
                        .with("src", src));
                    }
                    _ if !w.force && path_p.kind != "link" => {
                        return Err(TaskResult::failed(format!(
                            "Cannot link, {prev_state} exists at destination"
                        ))
                        .with("dest", w.path.clone())
                        .with("src", src));
                    }
                    _ => {}
                }
                before.insert("state".into(), prev_state.clone().into());
                after.insert("state".into(), "hard".into());
                apply.push_str(&format!(
                    "ln -f -- {} \"$p\" || exit 1\n",
                    shell_quote(&safe_path(&src))
                ));
                changed = true;
            }
            end_state = "hard".into();
        }
        other => return Err(TaskResult::failed(format!("unknown state {other}"))),
    }

    // Attributes, on the existing object (or on the new one, which starts from defaults).
    // For a link that is followed, that is the (new) target; unfollowed, the link itself.
    let existing = if state == "link" {
        if w.follow {
            if w.src.is_some() {
                src_p.clone()
            } else {
                follow_p.clone()
            }
        } else {
            Some(path_p.clone())
        }
        .filter(Probe::exists)
    } else {
        attr_obj.filter(Probe::exists)
    };
    let applies_to_link = (state == "link" || is_link) && !w.follow;
    let chown_flag = if applies_to_link { "-h " } else { "" };
    let mut attr_changed = false;
    if state != "absent" {
        let obj_is_dir =
            existing.as_ref().is_some_and(|o| o.kind == "directory") || state == "directory";
        if let Some(spec) = &w.mode {
            // Links have no mode of their own on Linux; a new directory's mode is set by mkdir_chain.
            let skip = (state == "link" && (!w.follow || existing.is_none()))
                || (state == "directory" && !path_p.exists());
            if !skip {
                let current = existing.as_ref().map(|o| o.mode);
                let new = spec
                    .resolve(current, obj_is_dir, None)
                    .map_err(TaskResult::failed)?;
                if current != Some(new) || (w.recurse && tree_differs) {
                    if let Some(c) = current {
                        before.insert("mode".into(), format_mode(c).into());
                    }
                    after.insert("mode".into(), format_mode(new).into());
                    attr_changed = true;
                }
                let recurse = if w.recurse { "-R " } else { "" };
                let mode_arg = match spec {
                    ModeSpec::Symbolic(s) if w.recurse => shell_quote(s),
                    _ => format!("{new:o}"),
                };
                if attr_changed {
                    apply.push_str(&format!("chmod {recurse}{mode_arg} -- \"$p\" || exit 1\n"));
                }
            }
        }
        for (want, key, cmd) in [(&w.owner, "owner", "chown"), (&w.group, "group", "chgrp")] {
            let Some(want) = want else { continue };
            let matches = existing.as_ref().is_some_and(|o| {
                if key == "owner" {
                    same(want, &o.owner, o.uid)
                } else {
                    same(want, &o.group, o.gid)
                }
            });
            let new_dir_chain = state == "directory" && !path_p.exists();
            if (!matches || (w.recurse && tree_differs)) && !new_dir_chain {
                if let Some(o) = &existing {
                    let cur = if key == "owner" { &o.owner } else { &o.group };
                    before.insert(key.into(), cur.clone().into());
                }
                after.insert(key.into(), want.clone().into());
                let recurse = if w.recurse { "-R " } else { "" };
                apply.push_str(&format!(
                    "{cmd} {recurse}{chown_flag}-- {} \"$p\" || exit 1\n",
                    shell_quote(want)
                ));
                attr_changed = true;
            }
        }
        // Timestamps.
        let h = if applies_to_link { "-h " } else { "" };
        for (st, flag, key) in [(&w.mtime, "-m", "mtime"), (&w.atime, "-a", "atime")] {
            match st {
                Stamp::Preserve => {}
                Stamp::Now => {
                    apply.push_str(&format!("touch {h}{flag} -c -- \"$p\" || exit 1\n"));
                    attr_changed = true;
                }
                Stamp::At(text, epoch) => {
                    let cur = existing
                        .as_ref()
                        .map(|o| if key == "mtime" { o.mtime } else { o.atime });
                    if cur != Some(*epoch) {
                        apply.push_str(&format!(
                            "touch {h}{flag} -c -t {} -- \"$p\" || exit 1\n",
                            shell_quote(text)
                        ));
                        if let Some(c) = cur {
                            before.insert(key.into(), c.into());
                        }
                        after.insert(key.into(), (*epoch).into());
                        attr_changed = true;
                    }
                }
            }
        }
    }
    changed |= attr_changed;
    if !changed {
        let probe = if is_link && w.follow && state != "link" {
            follow_p.or(Some(path_p))
        } else {
            Some(path_p)
        };
        return Ok(finish(
            ctx, w, false, &end_state, probe, before, after, target,
        ));
    }
    if ctx.check_mode {
        return Ok(finish(ctx, w, true, &end_state, None, before, after, None));
    }
    // Ansible reports a touched link itself (lstat), not its target.
    let follow_flag = if is_link && w.follow && state != "link" && state != "touch" {
        "-L"
    } else {
        ""
    };
    let script = format!(
        "set -f; p={p}\n{PROBE_FN}{apply}probe \"$p\" path {follow_flag}\nif [ -L \"$p\" ]; then printf 'target\\000%s\\000' \"$(readlink -- \"$p\")\"; fi\n"
    );
    let out = run(ctx, &script, None).await?;
    if out.rc != 0 {
        return Err(
            TaskResult::failed(out.stderr_text().trim().to_owned()).with("path", w.path.clone())
        );
    }
    let rec = parse_records(&out.stdout);
    let now = rec.get("path").and_then(|s| parse_probe(s));
    let target = rec.get("target").cloned();
    Ok(finish(ctx, w, true, &end_state, now, before, after, target))
}

/// The path Ansible names for `file` and `directory`: a followed link's final target.
fn shown_path(w: &Want, is_link: bool) -> String {
    match &w.real {
        Some(real) if is_link && w.follow => real.clone(),
        _ => w.path.clone(),
    }
}

fn src_probe_display(path: &str, src: &str) -> String {
    if src.starts_with('/') {
        src.to_owned()
    } else {
        format!("{}/{src}", parent_dir(path))
    }
}

/// Creates each missing directory of `path` in turn, setting the task's attributes on every
/// directory it creates (as Ansible does).
fn mkdir_chain(path: &str, mode: Option<u32>, w: &Want) -> String {
    let mut prefixes = Vec::new();
    let mut cur = String::new();
    for (i, part) in path.split('/').enumerate() {
        if i == 0 && part.is_empty() {
            cur.push('/');
            continue;
        }
        if part.is_empty() {
            continue;
        }
        if !cur.is_empty() && !cur.ends_with('/') {
            cur.push('/');
        }
        cur.push_str(part);
        prefixes.push(shell_quote(&safe_path(&cur)));
    }
    // Another host or task may create the same directory at the same moment: that is success
    // (and the mode is then set by chmod). `mkdir -m` sets the mode whatever the umask.
    let mut body = match mode {
        Some(m) => format!(
            "mkdir -m {m:o} -- \"$d\" 2>/dev/null || {{ [ -d \"$d\" ] && chmod {m:o} -- \"$d\"; }} \
             || mkdir -m {m:o} -- \"$d\" || exit 1\n"
        ),
        None => String::from(
            "mkdir -- \"$d\" 2>/dev/null || [ -d \"$d\" ] || mkdir -- \"$d\" || exit 1\n",
        ),
    };
    if let Some(o) = &w.owner {
        body.push_str(&format!("chown -- {} \"$d\" || exit 1\n", shell_quote(o)));
    }
    if let Some(g) = &w.group {
        body.push_str(&format!("chgrp -- {} \"$d\" || exit 1\n", shell_quote(g)));
    }
    format!(
        "for d in {}; do if [ ! -d \"$d\" ]; then\n{body}fi; done\n",
        prefixes.join(" ")
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    ctx: &ModuleContext<'_>,
    w: &Want,
    changed: bool,
    state: &str,
    probe: Option<Probe>,
    before: Map,
    after: Map,
    target: Option<String>,
) -> TaskResult {
    let mut r = TaskResult::changed(changed);
    // Ansible names the path `dest` for links and touch, `path` otherwise.
    let requested = w.state.as_deref().unwrap_or(state);
    if matches!(requested, "link" | "hard" | "touch") {
        r.set("dest", w.path.clone());
    } else {
        r.set("path", w.path.clone());
    }
    if matches!(requested, "link" | "hard")
        && let Some(src) = w.src.clone().or(target)
    {
        r.set("src", src);
    }
    if ctx.diff {
        r.set(
            "diff",
            serde_json::json!({"before": before, "after": after}),
        );
    }
    match probe {
        Some(p) if p.exists() => {
            r.set(
                "state",
                if state == "absent" {
                    "absent".to_owned()
                } else {
                    p.state().to_owned()
                },
            );
            if p.kind == "link" {
                r.set("state", "link");
            } else if state == "hard" {
                r.set("state", "hard");
            }
            r.set("mode", format_mode(p.mode));
            r.set("owner", p.owner);
            r.set("group", p.group);
            r.set("uid", p.uid);
            r.set("gid", p.gid);
            r.set("size", p.size);
        }
        _ => r.set("state", state.to_owned()),
    }
    if ctx.diff && changed && (before.len() > 1 || after.len() > 1) {
        r.diffs.push(FileDiff {
            before_header: String::new(),
            after_header: String::new(),
            before: diff_json(&before),
            after: diff_json(&after),
        });
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn stamps_are_local_times_that_exist() {
        let secs = parse_stamp("202401021530.45").unwrap();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs.try_into().unwrap());
        assert!(crate::command::format_time(t).starts_with("2024-01-02 15:30:45."));
        assert_eq!(parse_stamp("202401021530.61"), Some(secs + 16));
        for bad in [
            "202402301200.00",
            "202413011200.00",
            "202401012400.00",
            "202401011200.62",
        ] {
            assert_eq!(parse_stamp(bad), None, "{bad}");
        }
    }
}
