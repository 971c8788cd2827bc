//! The `template` module: renders a controller template with the task's variables, then
//! writes it on the host exactly as `copy` writes content.

use crate::args::Args;
use crate::copy::{COPY_ARGS, find_source, put_content};
use crate::files::{self, FILE_COMMON};
use async_trait::async_trait;
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value};
use std::os::unix::fs::PermissionsExt;

static SPEC: ArgSpec = ArgSpec {
    shared: &[&COPY_ARGS, &FILE_COMMON],
    args: &[
        ArgSpecEntry::new("src", ArgKind::Path).required(),
        // Ansible also takes the escaped spellings that single-quoted YAML gives.
        ArgSpecEntry::new("newline_sequence", ArgKind::Str)
            .choices(&["\n", "\r", "\r\n", "\\n", "\\r", "\\r\\n"]),
        ArgSpecEntry::new("output_encoding", ArgKind::Str),
        ArgSpecEntry::new("trim_blocks", ArgKind::Bool),
        ArgSpecEntry::new("lstrip_blocks", ArgKind::Bool),
        ArgSpecEntry::new("block_start_string", ArgKind::Str),
        ArgSpecEntry::new("block_end_string", ArgKind::Str),
        ArgSpecEntry::new("variable_start_string", ArgKind::Str),
        ArgSpecEntry::new("variable_end_string", ArgKind::Str),
        ArgSpecEntry::new("comment_start_string", ArgKind::Str),
        ArgSpecEntry::new("comment_end_string", ArgKind::Str),
    ],
    free_form: false,
    any_args: false,
};

/// `template`: a rendered controller template onto the host.
pub(crate) struct Template;

#[async_trait]
impl Module for Template {
    fn name(&self) -> &'static str {
        "template"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let result = run_template(ctx, args).await.unwrap_or_else(|e| e);
        files::warn_ignored_file_args(result, &Args::new(args))
    }
}

async fn run_template(ctx: &ModuleContext<'_>, args: &Map) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let src = a.req_str("src")?;
    let dest = crate::textedit::expand_path(ctx, &a.req_str("dest")?).await?;
    let path = find_source(ctx, &src, "templates")?;
    let full = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    // The variables Ansible adds for a template.
    let mut vars = ctx.vars.clone();
    vars.set(
        "template_path",
        Value::from(src.clone()),
        drover_types::Trust::Data,
    );
    vars.set(
        "template_fullpath",
        Value::from(full.display().to_string()),
        drover_types::Trust::Data,
    );
    vars.set(
        "template_destpath",
        Value::from(dest.clone()),
        drover_types::Trust::Data,
    );
    vars.set(
        "template_host",
        ctx.vars
            .get("inventory_hostname")
            .cloned()
            .unwrap_or(Value::from("localhost")),
        drover_types::Trust::Data,
    );
    let uid = std::fs::metadata(&path)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(0);
    vars.set("template_uid", Value::from(uid), drover_types::Trust::Data);
    vars.set(
        "template_run_date",
        Value::from(crate::command::format_time(std::time::SystemTime::now())),
        drover_types::Trust::Data,
    );
    if !vars.contains_key("ansible_managed") {
        vars.set(
            "ansible_managed",
            Value::from("Ansible managed"),
            drover_types::Trust::Data,
        );
    }
    let mut options = drover_types::Map::new();
    for name in JINJA_OPTIONS {
        if let Some(value) = map_arg(args, name) {
            options.insert((*name).to_owned(), value.clone());
        }
    }
    if !options.is_empty() {
        vars.set(
            drover_types::TEMPLATE_OPTIONS_VAR,
            Value::Object(options),
            drover_types::Trust::Data,
        );
    }
    let text = ctx
        .templar
        .render_file(&path, &vars)
        .map_err(|e| TaskResult::failed(format!("AnsibleError: {e}")))?;
    let mode = std::fs::metadata(&path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777);
    let shown = path.display().to_string();
    put_content(ctx, &a, &dest, text.as_bytes(), mode, Some(&shown)).await
}

/// The arguments that are Jinja options, passed to the renderer as they are.
const JINJA_OPTIONS: &[&str] = &[
    "trim_blocks",
    "lstrip_blocks",
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "newline_sequence",
];

fn map_arg<'a>(args: &'a drover_types::Map, name: &str) -> Option<&'a Value> {
    args.get(name).filter(|v| !v.is_null())
}
