//! Task lists: each entry is a block (it has `block:`) or a task (one module and task keywords).
//! Every key of a task that is not a keyword must be a module; which one, and whether the others
//! are typos, unsupported keywords or a second module, is decided here.

use crate::error::Error;
use crate::fields::{Loader, entries, is_template};
use crate::keywords::{
    self, ANSIBLE_MODULES, BLOCK, BLOCK_UNSUPPORTED, COMMON, INCLUDES, LISTEN, LOOP_CONTROL,
    LOOP_CONTROL_UNSUPPORTED, TASK, TASK_UNSUPPORTED, is_identifier, nearest,
};
use crate::{Block, Common, Loop, LoopKind, Task, TaskItem};
use drover_types::ArgSpec;
use drover_yaml::{Node, NodeValue, python_str};

/// How a key of a task was understood.
enum Key<'n> {
    Keyword,
    Module(&'static ArgSpec),
    Unknown(&'n Node),
}

impl Loader<'_> {
    /// A list of tasks and blocks (`tasks`, `handlers`, `block`, `rescue`...).
    pub(crate) fn task_list(
        &mut self,
        node: &Node,
        keyword: &str,
        handlers: bool,
    ) -> Result<Vec<TaskItem>, Error> {
        match &node.value {
            NodeValue::Null => Ok(Vec::new()),
            NodeValue::Seq(items) => items
                .iter()
                .map(|item| self.task_item(item, handlers))
                .collect(),
            _ => Err(self.report.invalid(
                &node.span,
                format!(
                    "`{keyword}` must be a list of tasks, found {}",
                    node.kind_name()
                ),
                "expected a list",
                Some("start each task with `- name: ...`".into()),
            )),
        }
    }

    fn task_item(&mut self, node: &Node, handlers: bool) -> Result<TaskItem, Error> {
        let items = match &node.value {
            NodeValue::Map(items) => items,
            _ => {
                return Err(self.report.invalid(
                    &node.span,
                    format!("a task must be a mapping, found {}", node.kind_name()),
                    "expected a mapping",
                    Some(
                        "write a task as `- name: ...` followed by a module, e.g. `debug: msg=hi`"
                            .into(),
                    ),
                ));
            }
        };
        let has = |name: &str| items.iter().any(|(k, _)| k.as_str() == Some(name));
        let import = items.iter().find_map(|(k, _)| {
            let short = keywords::short_name(k.as_str()?);
            matches!(short, "import_tasks" | "import_role").then_some((short, k))
        });
        if let Some((kind, key)) = import
            && !has("block")
        {
            let block = match kind {
                "import_tasks" => self.import_tasks(node, items, key, handlers)?,
                _ => self.import_role(node, items, key, handlers)?,
            };
            return Ok(TaskItem::Block(Box::new(block)));
        }
        if has("block") {
            return Ok(TaskItem::Block(Box::new(
                self.block(node, items, handlers)?,
            )));
        }
        if let Some((k, _)) = items
            .iter()
            .find(|(k, _)| matches!(k.as_str(), Some("rescue" | "always")))
        {
            return Err(self.report.invalid(
                &k.span,
                format!("`{}` needs a `block`", python_str(k)),
                "without `block`",
                None,
            ));
        }
        Ok(TaskItem::Task(Box::new(self.task(node, items, handlers)?)))
    }

    fn block(
        &mut self,
        node: &Node,
        items: &[(Node, Node)],
        handlers: bool,
    ) -> Result<Block, Error> {
        let mut block = Block {
            name: None,
            block: Vec::new(),
            rescue: Vec::new(),
            always: Vec::new(),
            common: Common::default(),
            span: node.span.clone(),
            role: None,
            params: None,
        };
        for (k, v) in items {
            let key = python_str(k);
            if self.common(&key, v, &mut block.common, "the block")? {
                continue;
            }
            match key.as_str() {
                "name" => block.name = self.text(v, "name")?,
                "block" => block.block = self.task_list(v, "block", handlers)?,
                "rescue" => block.rescue = self.task_list(v, "rescue", handlers)?,
                "always" => block.always = self.task_list(v, "always", handlers)?,
                _ if BLOCK_UNSUPPORTED.contains(&key.as_str()) => {
                    return Err(self.report.unsupported(
                        &k.span,
                        format!("`{key}` on a block is not supported by drover yet"),
                        None,
                    ));
                }
                _ => {
                    let known = BLOCK.iter().chain(COMMON).chain(BLOCK_UNSUPPORTED).copied();
                    let help = match nearest(&key, known) {
                        Some(near) => Some(format!("did you mean `{near}`?")),
                        None => Some("a block takes block keywords only; put modules in tasks inside `block:`".into()),
                    };
                    return Err(self.report.invalid(
                        &k.span,
                        format!("unknown block keyword `{key}`"),
                        "unknown keyword",
                        help,
                    ));
                }
            }
        }
        Ok(block)
    }

    fn classify<'n>(&self, key: &str, k: &'n Node, handlers: bool) -> Result<Key<'n>, Error> {
        let is_keyword =
            TASK.contains(&key) || COMMON.contains(&key) || (handlers && key == LISTEN);
        if is_keyword {
            return Ok(Key::Keyword);
        }
        if key == LISTEN {
            return Err(self.report.invalid(
                &k.span,
                "`listen` is only valid on handlers",
                "not a handler",
                None,
            ));
        }
        if TASK_UNSUPPORTED.contains(&key) {
            return Err(self.report.unsupported(
                &k.span,
                format!("`{key}` is not supported by drover yet"),
                None,
            ));
        }
        if let Some(lookup) = key.strip_prefix("with_") {
            if keywords::LOOP_LOOKUPS.contains(&lookup) {
                return Ok(Key::Keyword);
            } else {
                return Err(self.report.unsupported(
                    &k.span,
                    format!("`{key}` is not supported by drover yet"),
                    Some(format!(
                        "drover has `loop` and `with_` + one of: {}",
                        keywords::LOOP_LOOKUPS.join(", ")
                    )),
                ));
            }
        }
        let short = keywords::short_name(key);
        if let Some(spec) = (self.modules)(short) {
            return Ok(Key::Module(spec));
        }
        if let Some(spec) = crate::include::spec(short) {
            return Ok(Key::Module(spec));
        }
        if INCLUDES.contains(&short) {
            let message = match short {
                "include" => "`include` was removed in ansible-core 2.16".to_owned(),
                _ => format!("`{key}` belongs in a play's list of plays, not in a task list"),
            };
            let help = match short {
                "include" => {
                    Some("use `include_tasks` (dynamic) or `import_tasks` (static)".into())
                }
                _ => None,
            };
            return Err(self.report.invalid(&k.span, message, "not a task", help));
        }
        if ANSIBLE_MODULES.contains(&short) {
            return Err(self.report.unsupported(
                &k.span,
                format!("module `{key}` is not supported by drover yet"),
                None,
            ));
        }
        if short.contains('.') && !short.starts_with('.') && !short.ends_with('.') {
            return Err(self.report.unsupported(
                &k.span,
                format!("module `{key}` is not supported by drover yet"),
                Some("drover has only `ansible.builtin` modules".into()),
            ));
        }
        Ok(Key::Unknown(k))
    }

    /// The modules drover has, for suggestions.
    fn module_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        ANSIBLE_MODULES
            .iter()
            .copied()
            .filter(|m| (self.modules)(m).is_some())
    }

    fn task(&mut self, node: &Node, items: &[(Node, Node)], handlers: bool) -> Result<Task, Error> {
        let mut module: Option<(&Node, &Node, &'static ArgSpec)> = None;
        let mut unknown: Option<&Node> = None;
        for (k, v) in items {
            match self.classify(&python_str(k), k, handlers)? {
                Key::Keyword => {}
                Key::Unknown(k) => {
                    unknown = unknown.or(Some(k));
                }
                Key::Module(spec) => {
                    if let Some((first, _, _)) = module {
                        return Err(self.report.invalid(
                            &k.span,
                            format!(
                                "conflicting action statements: `{}`, `{}`",
                                python_str(first),
                                python_str(k)
                            ),
                            "second module",
                            Some("a task runs exactly one module; split it into two tasks".into()),
                        ));
                    }
                    module = Some((k, v, spec));
                }
            }
        }
        let keywords_known = || {
            let listen: &[&str] = if handlers { &[LISTEN] } else { &[] };
            TASK.iter()
                .chain(COMMON)
                .chain(TASK_UNSUPPORTED)
                .chain(listen)
                .copied()
        };
        if let Some(k) = unknown {
            let key = python_str(k);
            let (message, help) = match module {
                Some(_) => (
                    format!("unknown task keyword `{key}`"),
                    nearest(&key, keywords_known()).map(|n| format!("did you mean `{n}`?")),
                ),
                None => {
                    let near_module = nearest(&key, self.module_names());
                    let near_keyword = nearest(&key, keywords_known());
                    match (near_module, near_keyword) {
                        (None, Some(kw)) => (
                            format!("unknown task keyword `{key}`"),
                            Some(format!("did you mean `{kw}`?")),
                        ),
                        (Some(m), _) => (
                            format!("unknown module `{key}`"),
                            Some(format!("did you mean `{m}`?")),
                        ),
                        (None, None) => (format!("unknown module `{key}`"), None),
                    }
                }
            };
            return Err(self.report.invalid(&k.span, message, "unknown", help));
        }
        let Some((module_key, module_value, spec)) = module else {
            return Err(self.report.invalid(
                &node.span,
                "no module given in the task",
                "task without a module",
                Some("a task needs one module, e.g. `debug: msg=hi`".into()),
            ));
        };
        let module_name = keywords::short_name(&python_str(module_key)).to_owned();
        let mut task = Task::bare(
            &module_name,
            &python_str(module_key),
            node.span.clone(),
            module_key.span.clone(),
        );
        task.role = self.ctx.role.clone();
        let mut args_keyword: Option<&Node> = None;
        let mut loop_control: Option<&Node> = None;
        for (k, v) in items {
            let key = python_str(k);
            if std::ptr::eq(k, module_key) {
                continue;
            }
            if self.common(&key, v, &mut task.common, "the task")? {
                continue;
            }
            match key.as_str() {
                "name" => task.name = self.text(v, "name")?,
                "args" => args_keyword = Some(v),
                "register" => task.register = self.variable_name(v, "register")?,
                "changed_when" => {
                    task.changed_when = self.conditions(v, "changed_when")?;
                    task.changed_when_spans = crate::fields::condition_spans(v);
                }
                "failed_when" => {
                    task.failed_when = self.conditions(v, "failed_when")?;
                    task.failed_when_spans = crate::fields::condition_spans(v);
                }
                "until" => {
                    task.until = self.conditions(v, "until")?;
                    task.until_spans = crate::fields::condition_spans(v);
                }
                "retries" => task.retries = self.opt_value(v)?,
                "delay" => task.delay = self.opt_value(v)?,
                "notify" => task.notify = self.names(v, "notify")?,
                "listen" => task.listen = self.names(v, "listen")?,
                "loop_control" => loop_control = Some(v),
                _ if key == "loop" || key.starts_with("with_") => {
                    if task.loop_.is_some() {
                        return Err(self.report.invalid(
                            &k.span,
                            format!("`{key}` conflicts with another loop in the same task"),
                            "second loop",
                            Some("a task takes one of `loop` and `with_*`".into()),
                        ));
                    }
                    task.loop_ = Some(self.loop_items(&key, v)?);
                }
                _ => {}
            }
        }
        if let Some(control) = loop_control {
            match task.loop_.as_mut() {
                Some(l) => self.loop_control(control, l)?,
                None => self.warnings.push(format!(
                    "{}: `loop_control` without a loop is ignored",
                    control.span
                )),
            }
        }
        (task.args, task.args_trust, task.arg_spans) =
            self.module_args(&task.module, module_key, module_value, spec, args_keyword)?;
        if crate::include::spec(&task.module).is_some() {
            self.finish_include(&mut task, module_value, args_keyword, handlers)?;
        }
        Ok(task)
    }

    /// `register`, `loop_var`: a variable name.
    fn variable_name(&self, node: &Node, keyword: &str) -> Result<Option<String>, Error> {
        let Some(name) = self.text(node, keyword)? else {
            return Ok(None);
        };
        // `register` is never templated; `loop_var` and `index_var` may be.
        let templated = keyword != "register" && is_template(&name);
        if !templated && !is_identifier(&name) {
            return Err(self.report.invalid(
                &node.span,
                format!("`{keyword}` needs a variable name, `{name}` is not one"),
                "invalid variable name",
                Some(crate::fields::IDENTIFIER_HELP.into()),
            ));
        }
        Ok(Some(name))
    }

    fn loop_items(&self, keyword: &str, node: &Node) -> Result<Loop, Error> {
        let kind = match keyword {
            "with_items" => LoopKind::WithItems,
            "with_list" => LoopKind::WithList,
            "with_dict" => LoopKind::WithDict,
            "loop" => LoopKind::Loop,
            other => LoopKind::WithLookup(other.trim_start_matches("with_").to_owned()),
        };
        let template = node.as_str().is_some_and(is_template);
        let ok = match (&kind, &node.value) {
            (_, NodeValue::Str(_)) if template => true,
            (LoopKind::WithDict, value) => matches!(value, NodeValue::Map(_)),
            (LoopKind::WithItems, value) => !matches!(value, NodeValue::Map(_)),
            (LoopKind::WithLookup(_), _) => true,
            (_, value) => matches!(value, NodeValue::Seq(_)),
        };
        if !ok {
            let expected = match kind {
                LoopKind::WithDict => "a mapping (or a template that gives one)",
                _ => "a list (or a template that gives one)",
            };
            let help = match (&kind, &node.value) {
                (LoopKind::Loop, NodeValue::Map(_)) => {
                    Some("to loop over a mapping use `loop: \"{{ x | dict2items }}\"`".into())
                }
                _ => None,
            };
            return Err(self.report.invalid(
                &node.span,
                format!("`{keyword}` must be {expected}, found {}", node.kind_name()),
                "expected a list",
                help,
            ));
        }
        Ok(Loop {
            kind,
            items: self.value(node)?,
            loop_var: "item".to_owned(),
            index_var: None,
            label: None,
            pause: None,
            extended: None,
        })
    }

    fn loop_control(&self, node: &Node, l: &mut Loop) -> Result<(), Error> {
        for (k, v) in entries(self, node, "`loop_control`")? {
            let key = python_str(k);
            match key.as_str() {
                "loop_var" => {
                    if let Some(name) = self.variable_name(v, "loop_var")? {
                        l.loop_var = name;
                    }
                }
                "index_var" => l.index_var = self.variable_name(v, "index_var")?,
                "label" => l.label = self.opt_value(v)?,
                "pause" => l.pause = self.opt_value(v)?,
                "extended" => l.extended = self.boolean(v, "extended")?,
                _ if LOOP_CONTROL_UNSUPPORTED.contains(&key.as_str()) => {
                    return Err(self.report.unsupported(
                        &k.span,
                        format!("`loop_control.{key}` is not supported by drover yet"),
                        None,
                    ));
                }
                _ => {
                    let known = LOOP_CONTROL.iter().chain(LOOP_CONTROL_UNSUPPORTED).copied();
                    return Err(self.report.invalid(
                        &k.span,
                        format!("unknown `loop_control` keyword `{key}`"),
                        "unknown keyword",
                        nearest(&key, known).map(|n| format!("did you mean `{n}`?")),
                    ));
                }
            }
        }
        Ok(())
    }
}
