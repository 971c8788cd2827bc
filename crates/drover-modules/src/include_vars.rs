//! The `include_vars` module: loads variables from a YAML or JSON file, or every such file of a
//! directory, on the controller and sets them on the host (like `set_fact`, they outrank play
//! and task vars). A relative path is looked up as Ansible does: `vars/<file>`, then `<file>`,
//! below each search path (the role's directory, then the playbook's). A directory is walked as
//! ansible-core walks it: sorted, `depth` levels deep (0 is all), files kept by extension,
//! `files_matching` and `ignore_files` (Python regular expressions), later files over earlier.

use crate::args::Args;
use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `ansible.builtin.include_vars`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IncludeVars;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("file", ArgKind::Path),
        ArgSpecEntry::new("dir", ArgKind::Path),
        ArgSpecEntry::new("depth", ArgKind::Int),
        ArgSpecEntry::new("files_matching", ArgKind::Str),
        ArgSpecEntry::new("ignore_files", ArgKind::List),
        ArgSpecEntry::new("extensions", ArgKind::List),
        ArgSpecEntry::new("ignore_unknown_extensions", ArgKind::Bool),
        ArgSpecEntry::new("name", ArgKind::Str),
        ArgSpecEntry::new("hash_behaviour", ArgKind::Str).choices(&["replace", "merge"]),
    ],
    free_form: true,
    any_args: false,
};

fn find(ctx: &ModuleContext<'_>, file: &str, dir: bool) -> Option<PathBuf> {
    let path = Path::new(file);
    let kind = |p: &Path| if dir { p.is_dir() } else { p.is_file() };
    if path.is_absolute() {
        return kind(path).then(|| path.to_path_buf());
    }
    ctx.search_paths
        .iter()
        .flat_map(|d| [d.join("vars").join(path), d.join(path)])
        .find(|candidate| kind(candidate))
}

/// A failure as ansible-core's `include_vars` reports it: the text under `message` (not `msg`),
/// with the files and variables it had read.
fn failure(message: impl Into<String>) -> TaskResult {
    let mut result = TaskResult {
        failed: true,
        ..TaskResult::default()
    };
    result.set("message", message.into());
    result.set("ansible_included_var_files", Value::Array(Vec::new()));
    result.set("ansible_facts", Value::Object(Map::new()));
    result
}

/// ansible-core's `combine_vars(..., merge=True)`: mappings merged key by key, recursively;
/// anything else replaced.
fn merge(old: Value, new: Value) -> Value {
    match (old, new) {
        (Value::Object(mut old), Value::Object(new)) => {
            for (k, v) in new {
                let merged = match old.remove(&k) {
                    Some(prev) => merge(prev, v),
                    None => v,
                };
                old.insert(k, merged);
            }
            Value::Object(old)
        }
        (_, new) => new,
    }
}

/// A vars file's mapping and its trust (or why it cannot be used).
fn load_file(path: &Path) -> Result<(Map, drover_types::Trust), String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("could not read `{}`: {e}", path.display()))?;
    let file = Arc::new(path.to_path_buf());
    let opened = drover_yaml::FileText::open(bytes, &file).map_err(|e| e.to_string())?;
    let docs = drover_yaml::load_str(&opened.text, file).map_err(|e| e.to_string())?;
    let trust = docs.first().map(|d| d.trust()).unwrap_or_default();
    match docs.first().map(|d| d.to_value()) {
        None | Some(Ok(Value::Null)) => Ok((Map::new(), trust)),
        Some(Ok(Value::Object(map))) => {
            opened.reveal(&Value::Object(map.clone()));
            Ok((map, trust))
        }
        Some(Ok(_)) => Err(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        )),
        Some(Err(e)) => Err(e.to_string()),
    }
}

/// The files of `dir` that `include_vars` reads, in order.
fn dir_files(dir: &Path, args: &Args<'_>) -> Result<Vec<PathBuf>, Option<String>> {
    dir_files_checked(dir, args).map_err(|r| r.msg)
}

fn dir_files_checked(dir: &Path, args: &Args<'_>) -> Result<Vec<PathBuf>, TaskResult> {
    let depth = args.int("depth")?.unwrap_or(0).max(0) as usize;
    let compile = |pattern: &str| {
        drover_python::re::Regex::new(
            pattern,
            drover_python::re::Kind::Text,
            drover_python::re::Flags::default(),
        )
        .map_err(|e| TaskResult::failed(e.to_string()))
    };
    let matching = match args.str("files_matching")? {
        Some(p) => Some(compile(&p)?),
        None => None,
    };
    let ignore = args
        .list("ignore_files")?
        .unwrap_or_default()
        .iter()
        .map(|p| compile(&format!("{p}$")))
        .collect::<Result<Vec<_>, _>>()?;
    let extensions = args
        .list("extensions")?
        .unwrap_or_else(|| vec!["yaml".into(), "yml".into(), "json".into()]);
    let ignore_unknown = args.bool("ignore_unknown_extensions", false)?;
    let mut out = Vec::new();
    walk(dir, 1, depth, &mut |path: &Path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if ignore.iter().any(|r| r.search(name.as_bytes()).is_some()) {
            return Ok(());
        }
        if matching
            .as_ref()
            .is_some_and(|r| r.search(name.as_bytes()).is_none())
        {
            return Ok(());
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !extensions.contains(&ext) {
            if ignore_unknown {
                return Ok(());
            }
            return Err(TaskResult::failed(format!(
                "{} does not have a valid extension: {}",
                path.display(),
                extensions.join(", ")
            )));
        }
        out.push(path.to_path_buf());
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` for every file below `dir`, sorted, files of a directory before its
/// subdirectories (as `os.walk` gives them), down to `depth` levels (0: all).
fn walk(
    dir: &Path,
    level: usize,
    depth: usize,
    f: &mut dyn FnMut(&Path) -> Result<(), TaskResult>,
) -> Result<(), TaskResult> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| TaskResult::failed(format!("could not read `{}`: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for file in entries.iter().filter(|p| p.is_file()) {
        f(file)?;
    }
    if depth == 0 || level < depth {
        for sub in entries.iter().filter(|p| p.is_dir()) {
            walk(sub, level + 1, depth, f)?;
        }
    }
    Ok(())
}

#[async_trait]
impl Module for IncludeVars {
    fn name(&self) -> &'static str {
        "include_vars"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, map: &Map) -> TaskResult {
        let args = Args::new(map);
        let files = match args.str("dir") {
            Ok(Some(dir)) => {
                let Some(found) = find(ctx, dir.trim(), true) else {
                    return failure(format!("{dir} directory does not exist"));
                };
                match dir_files(&found, &args) {
                    Ok(files) => files,
                    Err(Some(message)) => return failure(message),
                    Err(None) => return TaskResult::failed("invalid arguments"),
                }
            }
            Err(failed) => return failed,
            Ok(None) => {
                let file = match (args.str("file"), args.str("_raw_params")) {
                    (Ok(Some(f)), _) | (_, Ok(Some(f))) => f.trim().to_owned(),
                    // ansible-core's words for a file name that templated to nothing.
                    _ => return failure("Could not find file"),
                };
                if file.is_empty() {
                    return failure("Could not find file");
                }
                match find(ctx, &file, false) {
                    Some(path) => vec![path],
                    None => return failure(format!("Could not find or access '{file}'")),
                }
            }
        };
        let mut loaded = drover_types::Layer::default();
        for path in &files {
            match load_file(path) {
                Ok((map, trust)) => loaded.extend(&drover_types::Layer { map, trust }),
                Err(message) => return failure(message),
            }
        }
        let (mut data, trust) = (loaded.map, loaded.trust);
        if matches!(args.str("hash_behaviour"), Ok(Some(h)) if h == "merge") {
            // The host's current values of these names, with the file's merged into them.
            for (name, value) in data.iter_mut() {
                if ctx.vars.get(name).is_none() {
                    continue;
                }
                if let Ok(existing) = ctx.templar.eval(name, ctx.vars) {
                    *value = merge(existing, std::mem::take(value));
                }
            }
        }
        let mut result = TaskResult::ok();
        result.vars = match args.str("name") {
            Ok(Some(name)) => {
                let mut wrapped = drover_types::Layer::default();
                wrapped.insert(name, Value::Object(data), trust);
                wrapped
            }
            _ => drover_types::Layer { map: data, trust },
        };
        result.set("ansible_facts", Value::Object(result.vars.map.clone()));
        result.set(
            "ansible_included_var_files",
            files
                .iter()
                .map(|p| Value::String(p.display().to_string()))
                .collect::<Vec<_>>(),
        );
        result
    }
}
