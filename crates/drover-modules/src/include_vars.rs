//! The `include_vars` module: loads variables from a YAML or JSON file on the controller and
//! sets them on the host (like `set_fact`, they outrank play and task vars). A relative path is
//! looked up as Ansible does: `vars/<file>`, then `<file>`, below each search path (the role's
//! directory, then the playbook's).

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
        ArgSpecEntry::new("name", ArgKind::Str),
        ArgSpecEntry::new("hash_behaviour", ArgKind::Str).choices(&["replace", "merge"]),
    ],
    free_form: true,
    any_args: false,
};

fn find(ctx: &ModuleContext<'_>, file: &str) -> Option<PathBuf> {
    let path = Path::new(file);
    if path.is_absolute() {
        return path.exists().then(|| path.to_path_buf());
    }
    ctx.search_paths
        .iter()
        .flat_map(|dir| [dir.join("vars").join(path), dir.join(path)])
        .find(|candidate| candidate.is_file())
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
        let file = match (args.str("file"), args.str("_raw_params")) {
            (Ok(Some(f)), _) | (_, Ok(Some(f))) => f.trim().to_owned(),
            _ => return TaskResult::failed("one of `file` or a free-form file name is required"),
        };
        let Some(path) = find(ctx, &file) else {
            return TaskResult::failed(format!("Could not find or access '{file}'"));
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                return TaskResult::failed(format!("could not read `{}`: {e}", path.display()));
            }
        };
        let file = Arc::new(path.clone());
        let opened = match drover_yaml::FileText::open(bytes, &file) {
            Ok(opened) => opened,
            Err(e) => return TaskResult::failed(e.to_string()),
        };
        let docs = match drover_yaml::load_str(&opened.text, file) {
            Ok(docs) => docs,
            Err(e) => return TaskResult::failed(e.to_string()),
        };
        let trust = docs.first().map(|d| d.trust()).unwrap_or_default();
        let data = match docs.first().map(|d| d.to_value()) {
            None => Map::new(),
            Some(Ok(Value::Object(map))) => {
                opened.reveal(&Value::Object(map.clone()));
                map
            }
            Some(Ok(Value::Null)) => Map::new(),
            Some(Ok(_)) => {
                return TaskResult::failed(format!(
                    "{} must be stored as a dictionary/hash",
                    path.display()
                ));
            }
            Some(Err(e)) => return TaskResult::failed(e.to_string()),
        };
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
            vec![Value::String(path.display().to_string())],
        );
        result
    }
}
