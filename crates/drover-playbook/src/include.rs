//! Task files: `import_tasks` reads one with the playbook and puts its tasks in a block that
//! carries the import's keywords (its `vars` as include parameters); `include_tasks` and
//! `include_role` stay tasks that the engine runs per host, but what they name is loaded ahead
//! when the name is not a template, so its mistakes show before any host is contacted.

use crate::context::{Context, LoadOptions};
use crate::error::{Error, Reporter};
use crate::fields::{Loader, Modules, entries, is_template};
use crate::{Block, Common, Role, Task, TaskItem};
use drover_types::{ArgKind, ArgSpec, ArgSpec as Spec, ArgSpecEntry, Span, Value};
use drover_yaml::{Node, NodeValue, python_str};
use std::path::{Path, PathBuf};
use std::sync::Arc;

static INCLUDE_TASKS: Spec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("file", ArgKind::Str),
        ArgSpecEntry::new("apply", ArgKind::Dict).raw(),
    ],
    free_form: true,
    any_args: false,
};

static INCLUDE_ROLE: Spec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("name", ArgKind::Str).required(),
        ArgSpecEntry::new("tasks_from", ArgKind::Str),
        ArgSpecEntry::new("vars_from", ArgKind::Str),
        ArgSpecEntry::new("defaults_from", ArgKind::Str),
        ArgSpecEntry::new("handlers_from", ArgKind::Str),
        ArgSpecEntry::new("public", ArgKind::Bool),
        ArgSpecEntry::new("allow_duplicates", ArgKind::Bool),
        ArgSpecEntry::new("rolespec_validate", ArgKind::Bool),
        ArgSpecEntry::new("apply", ArgKind::Dict).raw(),
    ],
    free_form: false,
    any_args: false,
};

/// The arguments of `include_tasks` and `include_role`, which the loader knows itself.
pub fn spec(short: &str) -> Option<&'static ArgSpec> {
    match short {
        "include_tasks" => Some(&INCLUDE_TASKS),
        "include_role" => Some(&INCLUDE_ROLE),
        _ => None,
    }
}

/// Reads the task file at `path` at run time (an `include_tasks` whose name was a template, or
/// that was not there when the playbook was read). `role` is the role the including task
/// belongs to: the file's tasks belong to it too.
pub fn load_tasks(
    path: &Path,
    modules: &dyn Fn(&str) -> Option<&'static ArgSpec>,
    options: &LoadOptions,
    play_dir: &Path,
    role: Option<Arc<Role>>,
) -> Result<Vec<TaskItem>, Error> {
    let mut ctx = Context::new(options.clone(), play_dir.to_path_buf());
    ctx.role = role;
    let mut loader = Loader {
        modules: modules as Modules<'_>,
        report: Reporter::new("", &path.display().to_string()),
        warnings: Vec::new(),
        ctx,
    };
    let at = Span {
        file: Arc::new(path.to_path_buf()),
        line: 1,
        column: 1,
        offset: 0,
    };
    loader.tasks_file(path, &at, false)
}

/// A role `include_role` names when the run reaches it (its name was a template): the role's
/// blocks and its handlers' blocks. `args` are the include's templated arguments.
pub fn load_role(
    name: &str,
    args: &drover_types::Map,
    at: &Span,
    modules: &dyn Fn(&str) -> Option<&'static ArgSpec>,
    options: &LoadOptions,
    play_dir: &Path,
) -> Result<(Vec<TaskItem>, Vec<TaskItem>), Error> {
    let mut loader = Loader {
        modules: modules as Modules<'_>,
        report: Reporter::new("", &at.file.display().to_string()),
        warnings: Vec::new(),
        ctx: Context::new(options.clone(), play_dir.to_path_buf()),
    };
    let spec = crate::role::RoleSpec::from_args(name, args, at);
    let items = loader.role_use(spec, false)?;
    Ok((items, std::mem::take(&mut loader.ctx.play.handlers)))
}

impl Loader<'_> {
    /// Reads another file with a loader of its own (errors point into that file) that carries
    /// this one's context on; `at` is where it is named, for "could not read" errors.
    pub(crate) fn with_file<T>(
        &mut self,
        path: &Path,
        at: &Span,
        f: impl FnOnce(&mut Loader<'_>, Option<&Node>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            self.report.invalid(
                at,
                format!("could not read `{}`: {err}", path.display()),
                "named here",
                None,
            )
        })?;
        let report = Reporter::new(&text, &path.display().to_string());
        let (docs, yaml_warnings) =
            drover_yaml::load_str_with_warnings(&text, Arc::new(path.to_path_buf()))
                .map_err(|e| report.yaml(&e))?;
        let mut sub = Loader {
            modules: self.modules,
            report,
            warnings: yaml_warnings
                .iter()
                .map(|w| format!("{}: {}", w.span, w.message))
                .collect(),
            ctx: std::mem::take(&mut self.ctx),
        };
        sub.ctx.stack.push(path.to_path_buf());
        let result = f(&mut sub, docs.first());
        sub.ctx.stack.pop();
        self.ctx = sub.ctx;
        self.warnings.append(&mut sub.warnings);
        result
    }

    /// A file of tasks: a list of tasks and blocks (an empty file has none).
    pub(crate) fn tasks_file(
        &mut self,
        path: &Path,
        at: &Span,
        handlers: bool,
    ) -> Result<Vec<TaskItem>, Error> {
        if self.ctx.stack.iter().any(|p| p == path) {
            return Err(self.report.invalid(
                at,
                format!("`{}` imports itself", path.display()),
                "import loop",
                Some("use `include_tasks` with a condition for a file that includes itself".into()),
            ));
        }
        self.with_file(path, at, |loader, doc| match doc {
            None => Ok(Vec::new()),
            Some(doc) if matches!(doc.value, NodeValue::Null) => Ok(Vec::new()),
            Some(doc) if !matches!(doc.value, NodeValue::Seq(_)) => Err(loader.report.invalid(
                &doc.span,
                format!(
                    "a task file must be a list of tasks, found {}",
                    doc.kind_name()
                ),
                "expected a list of tasks",
                Some("start each task with `- name: ...`".into()),
            )),
            Some(doc) => loader.task_list(doc, "tasks", handlers),
        })
    }

    /// `import_tasks`: the file's tasks in a block with the import's keywords.
    pub(crate) fn import_tasks(
        &mut self,
        node: &Node,
        items: &[(Node, Node)],
        key: &Node,
        handlers: bool,
    ) -> Result<Block, Error> {
        let (mut common, value) = self.import_keywords(items, key, "import_tasks")?;
        let name = self.import_file_name(value)?;
        let at = value.span.clone();
        let path = self.ctx.task_file(&node.span.file, &name);
        let tasks = self.tasks_file(&path, &at, handlers)?;
        let params = std::mem::take(&mut common.vars);
        Ok(Block {
            name: None,
            block: tasks,
            rescue: Vec::new(),
            always: Vec::new(),
            common,
            span: node.span.clone(),
            role: None,
            params: Some(params),
        })
    }

    /// The keywords of an `import_tasks`/`import_role` (`name` is ignored, loops refused) and
    /// the value of its `key`.
    pub(crate) fn import_keywords<'n>(
        &self,
        items: &'n [(Node, Node)],
        key: &'n Node,
        kind: &str,
    ) -> Result<(Common, &'n Node), Error> {
        let mut common = Common::default();
        let mut value = None;
        for (k, v) in items {
            let name = python_str(k);
            if std::ptr::eq(k, key) {
                value = Some(v);
            } else if self.common(&name, v, &mut common, "the import")? || name == "name" {
            } else if name == "loop" || name.starts_with("with_") {
                return Err(self.report.invalid(
                    &k.span,
                    format!("loops cannot be used on `{kind}`"),
                    "loop on a static import",
                    Some(format!(
                        "use `{}`, which is run once per item",
                        kind.replace("import", "include")
                    )),
                ));
            } else {
                return Err(self.report.invalid(
                    &k.span,
                    format!("`{name}` is not a valid keyword for `{kind}`"),
                    "unknown keyword",
                    Some("an import takes `name`, `vars`, `when`, `tags` and the keywords blocks take".into()),
                ));
            }
        }
        Ok((common, value.unwrap_or(key)))
    }

    /// The file an import names: `import_tasks: x.yml` or `import_tasks: {file: x.yml}`.
    fn import_file_name(&self, v: &Node) -> Result<String, Error> {
        let name = match &v.value {
            NodeValue::Map(_) => entries(self, v, "`import_tasks`")?
                .iter()
                .find(|(k, _)| matches!(k.as_str(), Some("file" | "_raw_params")))
                .map(|(_, v)| python_str(v)),
            NodeValue::Null | NodeValue::Seq(_) => None,
            _ => Some(python_str(v)),
        };
        let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
            return Err(self.report.invalid(
                &v.span,
                "`import_tasks` needs a file name",
                "expected a file name",
                None,
            ));
        };
        if is_template(&name) {
            return Err(self.report.unsupported(
                &v.span,
                "a templated file name in `import_tasks` is not supported by drover yet",
                Some("use `include_tasks`, which templates its file name per host".into()),
            ));
        }
        Ok(name)
    }

    /// Completes an `include_tasks`/`include_role` task: its `apply` keywords, and what it
    /// names, loaded ahead when the name is not a template.
    pub(crate) fn finish_include(
        &mut self,
        task: &mut Task,
        module_value: &Node,
        args_keyword: Option<&Node>,
        handlers: bool,
    ) -> Result<(), Error> {
        let role = task.module == "include_role";
        let apply_node = [Some(module_value), args_keyword]
            .into_iter()
            .flatten()
            .filter_map(|n| match &n.value {
                NodeValue::Map(items) => items.iter().find(|(k, _)| k.as_str() == Some("apply")),
                _ => None,
            })
            .map(|(_, v)| v)
            .next_back();
        let apply = match apply_node {
            Some(node) => Some(self.apply_keywords(node)?),
            None => None,
        };
        task.args.remove("apply");
        let text = |name: &str| match task.args.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let preloaded = if role {
            match text("name") {
                Some(name) if !is_template(&name) => {
                    let spec = crate::role::RoleSpec::from_include(task, &name);
                    let from = self.ctx.play.handlers.len();
                    let items = self.ahead(|loader| loader.role_use(spec, false));
                    if items.is_some() {
                        self.give_handlers_params(from, &task.common.vars);
                    }
                    items
                }
                _ => None,
            }
        } else {
            match text("_raw_params").or_else(|| text("file")) {
                Some(name) if !is_template(&name) => {
                    let path = self.ctx.task_file(&task.span.file, &name);
                    // A file that includes itself (behind a condition) is read again as it
                    // runs; a file that is not there yet may be made by an earlier task.
                    if self.ctx.stack.contains(&path) || !path.is_file() {
                        None
                    } else {
                        self.ahead(|loader| loader.tasks_file(&path, &task.span, handlers))
                    }
                }
                Some(_) => None,
                None => {
                    return Err(self.report.invalid(
                        &task.module_span,
                        "`include_tasks` needs a file name",
                        "no file",
                        Some("write `include_tasks: file.yml` or give `file:`".into()),
                    ));
                }
            }
        };
        let instance = preloaded.as_deref().and_then(instance_of);
        task.include = Some(Box::new(crate::Include {
            role,
            apply,
            preloaded,
            instance: if role { instance } else { None },
        }));
        Ok(())
    }

    /// Loads what an include names ahead of the run. An include is dynamic in ansible-core: what
    /// it names is only read when a host reaches it, so a file that does not load (a role for
    /// another platform, a Windows-only file naming Windows modules) is no error unless it runs.
    /// Such a file is left for the run to load, which reports its error on the hosts that
    /// include it; what the failed attempt collected is dropped.
    fn ahead(
        &mut self,
        load: impl FnOnce(&mut Self) -> Result<Vec<TaskItem>, Error>,
    ) -> Option<Vec<TaskItem>> {
        let marks = (
            self.ctx.play.handlers.len(),
            self.ctx.play.public.len(),
            self.ctx.play.seen.len(),
            self.ctx.play.dependency_names.len(),
            self.warnings.len(),
        );
        match load(self) {
            Ok(items) => Some(items),
            Err(_) => {
                self.ctx.play.handlers.truncate(marks.0);
                self.ctx.play.public.truncate(marks.1);
                self.ctx.play.seen.truncate(marks.2);
                self.ctx.play.dependency_names.truncate(marks.3);
                self.warnings.truncate(marks.4);
                None
            }
        }
    }

    /// `apply`: keywords blocks take, given to every included task.
    fn apply_keywords(&self, node: &Node) -> Result<Common, Error> {
        let mut common = Common::default();
        for (k, v) in entries(self, node, "`apply`")? {
            let key = python_str(k);
            if key == "block" || !self.common(&key, v, &mut common, "`apply`")? {
                return Err(self.report.invalid(
                    &k.span,
                    format!("`{key}` cannot be given through `apply`"),
                    "not a block keyword",
                    Some("`apply` takes keywords such as `tags`, `when`, `become`".into()),
                ));
            }
        }
        Ok(common)
    }
}

/// The role a role use's blocks run: the role of the last block inside the outer one.
fn instance_of(items: &[TaskItem]) -> Option<Arc<Role>> {
    let TaskItem::Block(outer) = items.last()? else {
        return None;
    };
    match outer.block.last()? {
        TaskItem::Block(inner) => inner.role.clone(),
        TaskItem::Task(_) => None,
    }
}

/// Where a path given relative to a file is, absolute.
pub(crate) fn absolute(path: PathBuf) -> PathBuf {
    let abs = std::path::absolute(&path).unwrap_or(path);
    abs.components().collect()
}
