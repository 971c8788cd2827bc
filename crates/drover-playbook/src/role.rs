//! Roles: where a role is found, what its directory gives (`defaults/`, `vars/`, `tasks/`,
//! `handlers/`, `meta/` dependencies), and how a use of it (`roles:`, `import_role`,
//! `include_role`, a dependency) becomes blocks. A role used again with the same parameters in
//! `roles:` or as a dependency runs once per play, unless its `meta` allows duplicates.

use crate::error::Error;
use crate::fields::{Loader, entries, is_template};
use crate::keywords::is_identifier;
use crate::{Block, Common, Role, Task, TaskItem};
use drover_types::{Layer, Map, Span, Trust, Value};
use drover_yaml::{Node, NodeValue, python_str};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One use of a role, as written.
pub(crate) struct RoleSpec {
    pub(crate) name: String,
    pub(crate) span: Span,
    /// Keywords its tasks inherit (`when`, `tags`, `become`...).
    pub(crate) common: Common,
    /// The `vars` keyword of a `roles:` entry (role vars rank).
    pub(crate) vars: Arc<Layer>,
    /// Role parameters.
    pub(crate) params: Layer,
    pub(crate) tasks_from: Option<String>,
    pub(crate) vars_from: Option<String>,
    pub(crate) defaults_from: Option<String>,
    pub(crate) handlers_from: Option<String>,
    /// Its variables are visible to the whole play.
    pub(crate) public: bool,
}

impl RoleSpec {
    fn named(name: String, span: Span) -> Self {
        RoleSpec {
            name,
            span,
            common: Common::default(),
            vars: Arc::default(),
            params: Layer::default(),
            tasks_from: None,
            vars_from: None,
            defaults_from: None,
            handlers_from: None,
            public: true,
        }
    }

    /// An `include_role` task's role: its `vars` are include parameters the task itself carries,
    /// so the role gets none of its own.
    pub(crate) fn from_include(task: &Task, name: &str) -> Self {
        Self::from_args(name, &task.args, &task.span)
    }

    /// The role `include_role` arguments name.
    pub(crate) fn from_args(name: &str, args: &Map, span: &Span) -> Self {
        let text = |key: &str| match args.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let mut spec = RoleSpec::named(name.to_owned(), span.clone());
        spec.tasks_from = text("tasks_from");
        spec.vars_from = text("vars_from");
        spec.defaults_from = text("defaults_from");
        spec.handlers_from = text("handlers_from");
        spec.public = args.get("public").is_some_and(drover_types::truthy);
        spec
    }

    /// What makes two uses the same for running once: the role and everything given to it.
    fn identity(&self, path: &Path) -> (PathBuf, String) {
        let given = serde_json::json!([
            Value::Object(self.params.map.clone()),
            Value::Object(self.vars.map.clone()),
            self.tasks_from,
            self.vars_from,
            self.defaults_from,
            self.handlers_from,
        ]);
        (path.to_path_buf(), given.to_string())
    }
}

/// `main.yml`, `main.yaml` or `main` (or the `*_from` name, with or without an extension) in
/// `dir`.
fn role_file(dir: &Path, from: Option<&str>) -> Option<PathBuf> {
    let base = from.unwrap_or("main");
    [
        format!("{base}.yml"),
        format!("{base}.yaml"),
        format!("{base}.json"),
        base.to_owned(),
    ]
    .iter()
    .map(|name| dir.join(name))
    .find(|p| p.is_file())
}

impl Loader<'_> {
    /// `roles:` of a play.
    pub(crate) fn roles_section(&mut self, node: &Node) -> Result<Vec<TaskItem>, Error> {
        let items: Vec<&Node> = match &node.value {
            NodeValue::Null => return Ok(Vec::new()),
            NodeValue::Seq(items) => items.iter().collect(),
            _ => {
                return Err(self.report.invalid(
                    &node.span,
                    format!(
                        "`roles` must be a list of roles, found {}",
                        node.kind_name()
                    ),
                    "expected a list",
                    Some("write `roles: [name]` or `roles: [{role: name, ...}]`".into()),
                ));
            }
        };
        let mut out = Vec::new();
        for item in items {
            let spec = self.role_entry(item)?;
            self.ctx.play.names.push(spec.name.clone());
            out.extend(self.role_use(spec, true)?);
        }
        Ok(out)
    }

    /// A `roles:` entry or a dependency: a name, or a mapping with `role` (or `name`), keywords
    /// and role parameters.
    fn role_entry(&self, node: &Node) -> Result<RoleSpec, Error> {
        let items = match &node.value {
            NodeValue::Str(_) => return Ok(RoleSpec::named(python_str(node), node.span.clone())),
            NodeValue::Map(items) => items,
            _ => {
                return Err(self.report.invalid(
                    &node.span,
                    format!(
                        "a role must be a name or a mapping, found {}",
                        node.kind_name()
                    ),
                    "expected a role",
                    None,
                ));
            }
        };
        let mut spec = RoleSpec::named(String::new(), node.span.clone());
        let mut named = false;
        for (k, v) in items {
            let key = python_str(k);
            match key.as_str() {
                "role" | "name" => {
                    spec.name = python_str(v);
                    named = true;
                }
                "vars" => spec.vars = self.vars(v, "the role")?,
                _ if self.common(&key, v, &mut spec.common, "the role")? => {}
                "when" => {}
                "delegate_to" | "become_flags" | "become_exe" | "debugger" => {
                    return Err(self.report.unsupported(
                        &k.span,
                        format!("`{key}` on a role is not supported by drover yet"),
                        None,
                    ));
                }
                _ => {
                    if !is_identifier(&key) {
                        return Err(self.report.invalid(
                            &k.span,
                            format!("invalid role parameter `{key}`"),
                            "not a variable name",
                            Some(crate::fields::IDENTIFIER_HELP.into()),
                        ));
                    }
                    spec.params.insert(key, self.value(v)?, v.trust());
                }
            }
        }
        if !named || spec.name.trim().is_empty() {
            return Err(self.report.invalid(
                &node.span,
                "a role entry needs `role` (the role's name)",
                "no role name",
                None,
            ));
        }
        Ok(spec)
    }

    /// `import_role`: the role's blocks, with the import's keywords around them and its `vars`
    /// as include parameters.
    pub(crate) fn import_role(
        &mut self,
        node: &Node,
        items: &[(Node, Node)],
        key: &Node,
        _handlers: bool,
    ) -> Result<Block, Error> {
        let (mut common, value) = self.import_keywords(items, key, "import_role")?;
        let mut spec = RoleSpec::named(String::new(), value.span.clone());
        for (ak, av) in entries(self, value, "`import_role`")? {
            let text = || self.text(av, "import_role").map(Option::unwrap_or_default);
            match python_str(ak).as_str() {
                "name" => spec.name = text()?,
                "tasks_from" => spec.tasks_from = Some(text()?),
                "vars_from" => spec.vars_from = Some(text()?),
                "defaults_from" => spec.defaults_from = Some(text()?),
                "handlers_from" => spec.handlers_from = Some(text()?),
                "public" | "allow_duplicates" | "rolespec_validate" => {}
                other => {
                    return Err(self.report.invalid(
                        &ak.span,
                        format!("`import_role` has no argument `{other}`"),
                        "unknown argument",
                        Some("`import_role` takes `name`, `tasks_from`, `vars_from`, `defaults_from`, `handlers_from`, `public`, `allow_duplicates`, `rolespec_validate`".into()),
                    ));
                }
            }
        }
        if spec.name.trim().is_empty() {
            return Err(self.report.invalid(
                &key.span,
                "`import_role` needs `name`",
                "no role name",
                None,
            ));
        }
        let params = std::mem::take(&mut common.vars);
        let from = self.ctx.play.handlers.len();
        let block = self.role_use(spec, false)?;
        self.give_handlers_params(from, &params);
        Ok(Block {
            name: None,
            block,
            rescue: Vec::new(),
            always: Vec::new(),
            common,
            span: node.span.clone(),
            role: None,
            params: Some(params),
        })
    }

    /// Where the role `name` is: `roles/` beside the playbook, the roles path, then as a path
    /// from the playbook's directory.
    fn find_role(&self, spec: &RoleSpec) -> Result<PathBuf, Error> {
        let name = &spec.name;
        if is_template(name) {
            return Err(self.report.unsupported(
                &spec.span,
                "a templated role name is not supported by drover yet",
                Some("`include_role` with a templated `name` runs when the name is known".into()),
            ));
        }
        let mut candidates = Vec::new();
        if let Some(role) = &self.ctx.role {
            candidates.push(role.path.join("roles").join(name));
        }
        candidates.push(self.ctx.play_dir.join("roles").join(name));
        for dir in &self.ctx.options.roles_path {
            candidates.push(dir.join(name));
        }
        candidates.push(self.ctx.play_dir.join(name));
        if let Some(found) = candidates.iter().find(|c| c.is_dir()) {
            return Ok(crate::include::absolute(found.clone()));
        }
        let searched: Vec<String> = candidates
            .iter()
            .filter_map(|c| c.parent().map(|p| p.display().to_string()))
            .collect();
        Err(self.report.invalid(
            &spec.span,
            format!("the role `{name}` was not found in {}", searched.join(":")),
            "unknown role",
            Some("put it in `roles/` beside the playbook or add its directory to `roles_path` (ANSIBLE_ROLES_PATH)".into()),
        ))
    }

    /// A YAML file of variables (a mapping; empty is none).
    fn vars_file(&mut self, path: &Path, at: &Span) -> Result<Layer, Error> {
        self.with_file(path, at, |loader, doc| {
            let Some(doc) = doc else {
                return Ok(Layer::default());
            };
            match &doc.value {
                NodeValue::Null => Ok(Layer::default()),
                NodeValue::Map(items) => {
                    let mut layer = Layer::default();
                    for (k, v) in items {
                        layer.insert(python_str(k), loader.value(v)?, v.trust());
                    }
                    Ok(layer)
                }
                _ => Err(loader.report.invalid(
                    &doc.span,
                    format!(
                        "a variables file must be a mapping, found {}",
                        doc.kind_name()
                    ),
                    "expected a mapping",
                    None,
                )),
            }
        })
    }

    /// `meta/main.yml`: the dependencies (as uses), `allow_duplicates`, and the argument specs
    /// (from `meta/argument_specs.yml` when there is one).
    fn role_meta(&mut self, dir: &Path, at: &Span) -> Result<RoleMeta, Error> {
        let mut meta = self.role_meta_main(dir, at)?;
        if let Some(path) = role_file(&dir.join("meta"), Some("argument_specs")) {
            meta.argument_specs = self.with_file(&path, at, |loader, doc| match doc {
                Some(doc) => Ok(argument_specs_of(loader, doc)?.unwrap_or_default()),
                None => Ok(Vec::new()),
            })?;
        }
        Ok(meta)
    }

    fn role_meta_main(&mut self, dir: &Path, at: &Span) -> Result<RoleMeta, Error> {
        let Some(path) = role_file(&dir.join("meta"), None) else {
            return Ok(RoleMeta::default());
        };
        self.with_file(&path, at, |loader, doc| {
            let Some(NodeValue::Map(items)) = doc.map(|d| &d.value) else {
                return Ok(RoleMeta::default());
            };
            let mut deps = Vec::new();
            let mut allow = false;
            let argument_specs = match doc {
                Some(doc) => argument_specs_of(loader, doc)?.unwrap_or_default(),
                None => Vec::new(),
            };
            for (k, v) in items {
                match python_str(k).as_str() {
                    "dependencies" => {
                        if let NodeValue::Seq(list) = &v.value {
                            for dep in list {
                                deps.push(loader.role_entry(dep)?);
                            }
                        }
                    }
                    "allow_duplicates" => {
                        allow = loader
                            .boolean(v, "allow_duplicates")?
                            .is_some_and(|b| drover_types::truthy(&b));
                    }
                    _ => {}
                }
            }
            Ok(RoleMeta {
                dependencies: deps,
                allow_duplicates: allow,
                argument_specs,
            })
        })
    }

    /// One use of a role: its dependencies' blocks, then a block of its tasks that carries the
    /// role. `dedup`: skip it when the same use already ran in the play (`roles:` and
    /// dependencies); `import_role` and `include_role` always run the role itself.
    pub(crate) fn role_use(&mut self, spec: RoleSpec, dedup: bool) -> Result<Vec<TaskItem>, Error> {
        let path = self.find_role(&spec)?;
        let RoleMeta {
            dependencies: deps,
            allow_duplicates,
            argument_specs,
        } = self.role_meta(&path, &spec.span)?;
        let identity = spec.identity(&path);
        if dedup && !allow_duplicates && self.ctx.play.seen.contains(&identity) {
            return Ok(Vec::new());
        }
        self.ctx.play.seen.push(identity);
        let mut block = Vec::new();
        for dep in deps {
            if !self.ctx.play.dependency_names.contains(&dep.name) {
                self.ctx.play.dependency_names.push(dep.name.clone());
            }
            block.extend(self.role_use(dep, true)?);
        }
        let mut defaults = Layer::default();
        if let Some(file) = role_file(&path.join("defaults"), spec.defaults_from.as_deref()) {
            defaults = self.vars_file(&file, &spec.span)?;
        }
        let mut vars = (*spec.vars).clone();
        if let Some(file) = role_file(&path.join("vars"), spec.vars_from.as_deref()) {
            vars.extend(&self.vars_file(&file, &spec.span)?);
        }
        let mut magic = Map::new();
        magic.insert("role_name".into(), spec.name.clone().into());
        magic.insert("ansible_role_name".into(), spec.name.clone().into());
        magic.insert("role_path".into(), path.display().to_string().into());
        let role = Arc::new(Role {
            name: spec.name.clone(),
            path: path.clone(),
            defaults: Arc::new(defaults),
            vars: Arc::new(vars),
            params: Arc::new(spec.params),
            magic: Arc::new(Layer {
                map: magic,
                trust: Trust::Data,
            }),
        });
        let outer = self.ctx.role.replace(role.clone());
        let tasks = self.role_tasks(
            &path,
            "tasks",
            spec.tasks_from.as_deref(),
            &spec.span,
            false,
        );
        let handlers = tasks.and_then(|t| {
            Ok((
                t,
                self.role_tasks(
                    &path,
                    "handlers",
                    spec.handlers_from.as_deref(),
                    &spec.span,
                    true,
                )?,
            ))
        });
        self.ctx.role = outer;
        let (mut tasks, handlers) = handlers?;
        let entry = spec.tasks_from.as_deref().unwrap_or("main");
        if let Some((_, entry_spec, at)) = argument_specs.iter().find(|(name, _, _)| name == entry)
        {
            tasks.insert(0, validation_task(&role, entry, entry_spec, at));
        }
        if !handlers.is_empty() {
            self.ctx
                .play
                .handlers
                .push(TaskItem::Block(Box::new(role_block(
                    &role, handlers, &spec.span,
                ))));
        }
        if spec.public {
            self.ctx.play.public.push(role.clone());
        }
        // A dependency's tasks see the role that depends on it (its defaults, vars and
        // parameters under the dependency's own), as ansible-core's dependency chain does: the
        // dependencies run inside a block that carries this role.
        if !block.is_empty() {
            let deps = std::mem::take(&mut block);
            block.push(TaskItem::Block(Box::new(role_block(
                &role, deps, &spec.span,
            ))));
        }
        block.push(TaskItem::Block(Box::new(role_block(
            &role, tasks, &spec.span,
        ))));
        Ok(vec![TaskItem::Block(Box::new(Block {
            name: None,
            block,
            rescue: Vec::new(),
            always: Vec::new(),
            common: spec.common,
            span: spec.span,
            role: None,
            params: None,
        }))])
    }

    /// The handlers of a role brought in by an import or include see its `vars`, as its
    /// tasks do: they are the role's handler blocks collected since `from`.
    pub(crate) fn give_handlers_params(&mut self, from: usize, params: &Arc<Layer>) {
        if params.map.is_empty() {
            return;
        }
        for item in &mut self.ctx.play.handlers[from..] {
            if let TaskItem::Block(block) = item {
                block.params = Some(params.clone());
            }
        }
    }

    /// `tasks/` or `handlers/` of a role: `main` (none is fine) or the `*_from` file (which must
    /// be there).
    fn role_tasks(
        &mut self,
        role: &Path,
        dir: &str,
        from: Option<&str>,
        at: &Span,
        handlers: bool,
    ) -> Result<Vec<TaskItem>, Error> {
        match role_file(&role.join(dir), from) {
            Some(path) => self.tasks_file(&path, at, handlers),
            None => match from {
                None => Ok(Vec::new()),
                Some(name) => Err(self.report.invalid(
                    at,
                    format!("the role `{}` has no `{dir}/{name}`", role.display()),
                    "file not found",
                    None,
                )),
            },
        }
    }
}

/// An entry point of `argument_specs`: its name, its spec, where it is written.
type EntryPoint = (String, Value, Span);

/// What a role's `meta/` says.
#[derive(Default)]
struct RoleMeta {
    dependencies: Vec<RoleSpec>,
    allow_duplicates: bool,
    argument_specs: Vec<EntryPoint>,
}

/// `argument_specs` of a meta document: each entry point's spec.
fn argument_specs_of(loader: &Loader<'_>, doc: &Node) -> Result<Option<Vec<EntryPoint>>, Error> {
    let NodeValue::Map(items) = &doc.value else {
        return Ok(None);
    };
    let Some((_, specs)) = items
        .iter()
        .find(|(k, _)| k.as_str() == Some("argument_specs"))
    else {
        return Ok(None);
    };
    let NodeValue::Map(entries) = &specs.value else {
        return Ok(Some(Vec::new()));
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        out.push((python_str(k), loader.value(v)?, v.span.clone()));
    }
    Ok(Some(out))
}

/// The task ansible-core puts first in a role with an argument spec for its entry point.
fn validation_task(role: &Arc<Role>, entry: &str, spec: &Value, at: &Span) -> TaskItem {
    let mut name = format!("Validating arguments against arg spec '{entry}'");
    if let Some(Value::String(desc)) = spec.get("short_description") {
        name.push_str(" - ");
        name.push_str(desc);
    }
    let mut args = Map::new();
    args.insert(
        "argument_spec".into(),
        spec.get("options")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    args.insert(
        "provided_arguments".into(),
        Value::Object(role.params.map.clone()),
    );
    args.insert(
        "validate_args_context".into(),
        serde_json::json!({
            "type": "role",
            "name": role.name,
            "argument_spec_name": entry,
            "path": role.path.display().to_string(),
        }),
    );
    let common = Common {
        tags: vec!["always".into()],
        ..Common::default()
    };
    let mut task = Task::bare(
        "validate_argument_spec",
        "ansible.builtin.validate_argument_spec",
        at.clone(),
        at.clone(),
    );
    task.name = Some(name);
    task.args = args;
    // `provided_arguments` holds the role's parameters with their own trust.
    task.args_trust = Trust::Parts(Arc::new(
        [("provided_arguments".to_owned(), role.params.trust.clone())].into(),
    ));
    task.common = common;
    task.role = Some(role.clone());
    TaskItem::Task(Box::new(task))
}

fn role_block(role: &Arc<Role>, items: Vec<TaskItem>, at: &Span) -> Block {
    Block {
        name: None,
        block: items,
        rescue: Vec::new(),
        always: Vec::new(),
        common: Common::default(),
        span: at.clone(),
        role: Some(role.clone()),
        params: None,
    }
}
