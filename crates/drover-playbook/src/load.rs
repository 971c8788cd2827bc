//! Reading a playbook file into [`Playbook`]: the file must be one YAML document holding a list
//! of plays; each play's keywords are read here, its task lists in [`crate::task`].

use crate::context::{Context, LoadOptions};
use crate::error::{Error, Reporter};
use crate::fields::{Loader, Modules, entries, is_template};
use crate::keywords::{self, COMMON, PLAY, PLAY_UNSUPPORTED, nearest};
use crate::{Common, Play, Playbook};
use drover_types::{ArgSpec, Value};
use drover_yaml::{Node, NodeValue, python_str};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads and checks the playbook at `path`, looking for roles where Ansible does by default
/// (see [`LoadOptions::from_env`]). `modules` gives a module's argument spec by its short name
/// (`copy`), `None` for a module drover does not have.
pub fn load(
    path: &Path,
    modules: &dyn Fn(&str) -> Option<&'static ArgSpec>,
) -> Result<Playbook, Error> {
    load_with(path, modules, &LoadOptions::from_env())
}

/// [`load`] with the roles search path given.
pub fn load_with(
    path: &Path,
    modules: &dyn Fn(&str) -> Option<&'static ArgSpec>,
    options: &LoadOptions,
) -> Result<Playbook, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    load_source(&text, path, modules, options)
}

/// [`load`] for a playbook already read; `path` names it in errors and gives `playbook_dir`.
pub fn load_str(
    source: &str,
    path: &Path,
    modules: &dyn Fn(&str) -> Option<&'static ArgSpec>,
) -> Result<Playbook, Error> {
    load_source(source, path, modules, &LoadOptions::default())
}

fn load_source(
    source: &str,
    path: &Path,
    modules: &dyn Fn(&str) -> Option<&'static ArgSpec>,
    options: &LoadOptions,
) -> Result<Playbook, Error> {
    let mut ctx = Context::new(options.clone(), playbook_dir(path));
    ctx.stack
        .push(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
    let mut loader = Loader {
        modules: modules as Modules<'_>,
        report: Reporter::new(source, &path.display().to_string()),
        warnings: Vec::new(),
        ctx,
    };
    let plays = loader.playbook(source, path)?;
    Ok(Playbook {
        path: path.to_owned(),
        dir: playbook_dir(path),
        plays,
        warnings: loader.warnings,
    })
}

/// The absolute directory of the playbook.
fn playbook_dir(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let absolute = std::path::absolute(&parent).unwrap_or(parent);
    // `a/./b` and a trailing `.` are noise in `playbook_dir`.
    absolute.components().collect()
}

impl Loader<'_> {
    /// The plays of a playbook file's text, imported playbooks spliced in.
    pub(crate) fn playbook(&mut self, source: &str, path: &Path) -> Result<Vec<Play>, Error> {
        let file = Arc::new(path.to_owned());
        let (docs, yaml_warnings) = drover_yaml::load_str_with_warnings(source, file.clone())
            .map_err(|e| self.report.yaml(&e))?;
        self.warnings.extend(
            yaml_warnings
                .iter()
                .map(|w| format!("{}: {}", w.span, w.message)),
        );
        let start = drover_types::Span {
            file,
            line: 1,
            column: 1,
            offset: 0,
        };
        let root = match docs.as_slice() {
            [] => {
                return Err(self.report.invalid(
                    &start,
                    "the playbook is empty",
                    "expected a list of plays",
                    None,
                ));
            }
            [root] => root,
            [_, second, ..] => {
                return Err(self.report.invalid(
                    &second.span,
                    "a playbook must be a single YAML document",
                    "second document",
                    None,
                ));
            }
        };
        let NodeValue::Seq(items) = &root.value else {
            return Err(self.report.invalid(
                &root.span,
                format!(
                    "a playbook must be a list of plays, found {}",
                    root.kind_name()
                ),
                "expected a list of plays",
                Some("start each play with `- hosts: ...`".into()),
            ));
        };
        let mut plays = Vec::with_capacity(items.len());
        for item in items {
            let is_import = matches!(&item.value, NodeValue::Map(entries) if entries.iter().any(|(k, _)| {
                k.as_str()
                    .is_some_and(|k| matches!(keywords::short_name(k), "import_playbook" | "include"))
            }));
            if is_import {
                plays.extend(self.import_playbook(item)?);
            } else {
                plays.push(self.play(item)?);
            }
        }
        Ok(plays)
    }

    fn play(&mut self, node: &Node) -> Result<Play, Error> {
        let items = entries(self, node, "a play")?;
        self.ctx.play = Default::default();
        let mut roles_node = None;
        let mut sections: Vec<(String, &Node)> = Vec::new();
        let mut play = Play {
            name: None,
            hosts: String::new(),
            hosts_title: String::new(),
            vars: Default::default(),
            vars_files: Vec::new(),
            gather_facts: None,
            gather_args: Default::default(),
            pre_tasks: Vec::new(),
            tasks: Vec::new(),
            post_tasks: Vec::new(),
            handlers: Vec::new(),
            become_: Default::default(),
            strategy: None,
            serial: None,
            any_errors_fatal: None,
            max_fail_percentage: None,
            force_handlers: None,
            common: Common::default(),
            span: node.span.clone(),
            dir: self.ctx.play_dir.clone(),
            roles: Vec::new(),
            role_names: Vec::new(),
            dependency_role_names: Vec::new(),
            vars_prompt: Vec::new(),
            prompted: Arc::default(),
        };
        let mut hosts_seen = false;
        for (k, v) in items {
            let key = python_str(k);
            if key != "when"
                && key != "delegate_to"
                && self.common(&key, v, &mut play.common, "the play")?
            {
                continue;
            }
            match key.as_str() {
                "name" => play.name = self.text(v, "name")?,
                "hosts" => {
                    play.hosts = self.hosts(v)?;
                    play.hosts_title = match &v.value {
                        NodeValue::Seq(items) => {
                            items.iter().map(python_str).collect::<Vec<_>>().join(",")
                        }
                        _ => play.hosts.clone(),
                    };
                    hosts_seen = true;
                }
                "vars_files" => play.vars_files = self.vars_files(v)?,
                "gather_facts" => play.gather_facts = self.boolean(v, "gather_facts")?,
                "roles" => roles_node = Some(v),
                "vars_prompt" => play.vars_prompt = self.vars_prompt(v)?,
                "pre_tasks" | "tasks" | "post_tasks" | "handlers" => {
                    sections.push((key.clone(), v));
                }
                "gather_subset" => play.gather_args.gather_subset = self.opt_value(v)?,
                "gather_timeout" => play.gather_args.gather_timeout = self.opt_value(v)?,
                "fact_path" => play.gather_args.fact_path = self.opt_value(v)?,
                "strategy" => play.strategy = self.strategy(v)?,
                "serial" => play.serial = self.opt_value(v)?,
                "max_fail_percentage" => play.max_fail_percentage = self.opt_value(v)?,
                "force_handlers" => play.force_handlers = self.boolean(v, "force_handlers")?,
                "order" => self.order(v)?,
                _ => return Err(self.play_keyword_error(k, &key)),
            }
        }
        if !hosts_seen {
            return Err(self.report.invalid(
                &node.span,
                "a play must have `hosts`",
                "play without `hosts`",
                Some("add `hosts: all` (or a host pattern) to the play".into()),
            ));
        }
        play.become_ = play.common.become_.clone();
        play.any_errors_fatal = play.common.any_errors_fatal.clone();
        // Read in the order they run, so a role that already ran is known when it comes again:
        // `pre_tasks`, then `roles` (at the head of `tasks`), `tasks`, `post_tasks`, `handlers`.
        let section = |name: &str| sections.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        if let Some(v) = section("pre_tasks") {
            play.pre_tasks = self.task_list(v, "pre_tasks", false)?;
        }
        if let Some(node) = roles_node {
            play.tasks = self.roles_section(node)?;
        }
        if let Some(v) = section("tasks") {
            let mut tasks = self.task_list(v, "tasks", false)?;
            play.tasks.append(&mut tasks);
        }
        if let Some(v) = section("post_tasks") {
            play.post_tasks = self.task_list(v, "post_tasks", false)?;
        }
        if let Some(v) = section("handlers") {
            play.handlers = self.task_list(v, "handlers", true)?;
        }
        let collected = std::mem::take(&mut self.ctx.play);
        play.roles = collected.public;
        play.role_names = collected.names;
        play.dependency_role_names = collected.dependency_names;
        play.handlers.extend(collected.handlers);
        Ok(play)
    }

    fn play_keyword_error(&self, k: &Node, key: &str) -> Error {
        if PLAY_UNSUPPORTED.contains(&key) {
            return self.report.unsupported(
                &k.span,
                format!("`{key}` is not supported by drover yet"),
                None,
            );
        }
        let known = PLAY.iter().chain(COMMON).chain(PLAY_UNSUPPORTED).copied();
        let help = match nearest(key, known) {
            Some(near) => Some(format!("did you mean `{near}`?")),
            None if (self.modules)(keywords::short_name(key)).is_some() || is_task_keyword(key) => {
                Some("tasks go in a play's `tasks:` list".into())
            }
            None => None,
        };
        let message = match key {
            "when" | "delegate_to" => format!("`{key}` is not a valid play keyword"),
            _ => format!("unknown play keyword `{key}`"),
        };
        self.report
            .invalid(&k.span, message, "unknown keyword", help)
    }

    /// `vars_prompt`: a list of `{name, prompt, default, private, confirm}`.
    fn vars_prompt(&self, node: &Node) -> Result<Vec<crate::VarsPrompt>, Error> {
        let items: Vec<&Node> = match &node.value {
            NodeValue::Null => return Ok(Vec::new()),
            NodeValue::Seq(items) => items.iter().collect(),
            _ => {
                return Err(self.report.invalid(
                    &node.span,
                    format!("`vars_prompt` must be a list, found {}", node.kind_name()),
                    "expected a list",
                    Some("write `vars_prompt: [{name: x, prompt: \"X?\"}]`".into()),
                ));
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let mut prompt = crate::VarsPrompt {
                name: String::new(),
                prompt: String::new(),
                default: None,
                private: true,
                confirm: false,
                span: item.span.clone(),
            };
            for (k, v) in entries(self, item, "a `vars_prompt` entry")? {
                match python_str(k).as_str() {
                    "name" => prompt.name = self.text(v, "name")?.unwrap_or_default(),
                    "prompt" => prompt.prompt = self.text(v, "prompt")?.unwrap_or_default(),
                    "default" => prompt.default = self.opt_value(v)?,
                    "private" => {
                        prompt.private = self
                            .boolean(v, "private")?
                            .is_none_or(|b| drover_types::truthy(&b));
                    }
                    "confirm" => {
                        prompt.confirm = self
                            .boolean(v, "confirm")?
                            .is_some_and(|b| drover_types::truthy(&b));
                    }
                    "unsafe" => {}
                    other @ ("encrypt" | "salt" | "salt_size") => {
                        return Err(self.report.unsupported(
                            &k.span,
                            format!("`vars_prompt` `{other}` is not supported by drover yet"),
                            None,
                        ));
                    }
                    other => {
                        return Err(self.report.invalid(
                            &k.span,
                            format!("unknown `vars_prompt` key `{other}`"),
                            "unknown key",
                            Some("an entry takes `name`, `prompt`, `default`, `private`, `confirm`, `unsafe`".into()),
                        ));
                    }
                }
            }
            if !crate::keywords::is_identifier(&prompt.name) {
                return Err(self.report.invalid(
                    &item.span,
                    "a `vars_prompt` entry needs `name`, a variable name",
                    "no variable name",
                    None,
                ));
            }
            if prompt.prompt.is_empty() {
                prompt.prompt = prompt.name.clone();
            }
            out.push(prompt);
        }
        Ok(out)
    }

    /// `hosts`: a pattern, or a list of them joined with `:`.
    fn hosts(&self, node: &Node) -> Result<String, Error> {
        let pattern = match &node.value {
            NodeValue::Seq(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    parts.push(self.host_pattern(item)?);
                }
                parts.join(":")
            }
            _ => self.host_pattern(node)?,
        };
        if pattern.trim().is_empty() {
            return Err(self.report.invalid(
                &node.span,
                "`hosts` must not be empty",
                "empty host pattern",
                Some("use `all` to target every host".into()),
            ));
        }
        Ok(pattern)
    }

    fn host_pattern(&self, node: &Node) -> Result<String, Error> {
        match &node.value {
            NodeValue::Str(s) if node.tag != Some(drover_yaml::Tag::Vault) => Ok(s.clone()),
            NodeValue::Seq(items) if items.is_empty() => Ok(String::new()),
            _ => Err(self.report.invalid(
                &node.span,
                format!(
                    "`hosts` must be a host pattern or a list of them, found {}",
                    node.kind_name()
                ),
                "expected a host pattern",
                Some(
                    "quote patterns YAML would read as something else, e.g. `hosts: \"yes\"`"
                        .into(),
                ),
            )),
        }
    }

    /// `vars_files`: a file or a list of them (an entry may itself be a list: the first that
    /// exists).
    fn vars_files(&self, node: &Node) -> Result<Vec<Value>, Error> {
        match &node.value {
            NodeValue::Null => Ok(Vec::new()),
            NodeValue::Seq(items) => items
                .iter()
                .map(|item| match item.value {
                    NodeValue::Map(_) | NodeValue::Null => Err(self.report.invalid(
                        &item.span,
                        format!(
                            "`vars_files` entries must be file names, found {}",
                            item.kind_name()
                        ),
                        "expected a file name",
                        None,
                    )),
                    _ => self.value(item),
                })
                .collect(),
            NodeValue::Map(_) => Err(self.report.invalid(
                &node.span,
                "`vars_files` must be a file name or a list of them, found a mapping",
                "expected a list",
                Some("variables given inline go in `vars:`".into()),
            )),
            _ => Ok(vec![self.value(node)?]),
        }
    }

    fn strategy(&self, node: &Node) -> Result<Option<String>, Error> {
        let Some(name) = self.text(node, "strategy")? else {
            return Ok(None);
        };
        let short = keywords::short_name(&name);
        match short {
            "linear" | "free" => Ok(Some(short.to_owned())),
            _ if is_template(short) => Ok(Some(name)),
            "debug" | "host_pinned" => Err(self.report.unsupported(
                &node.span,
                format!("strategy `{short}` is not supported by drover yet"),
                Some("drover has the `linear` and `free` strategies".into()),
            )),
            _ => Err(self.report.invalid(
                &node.span,
                format!("unknown strategy `{short}`"),
                "unknown strategy",
                Some("drover has the `linear` and `free` strategies".into()),
            )),
        }
    }

    /// `order`: only the default, inventory order, is supported.
    fn order(&self, node: &Node) -> Result<(), Error> {
        match self.text(node, "order")?.as_deref() {
            None | Some("inventory") => Ok(()),
            Some(other @ ("sorted" | "reverse_sorted" | "reverse_inventory" | "shuffle")) => {
                Err(self.report.unsupported(&node.span, format!("`order: {other}` is not supported by drover yet"), None))
            }
            Some(other) => Err(self.report.invalid(
                &node.span,
                format!("invalid `order` `{other}`"),
                "invalid value",
                Some("`order` is one of `inventory`, `reverse_inventory`, `sorted`, `reverse_sorted`, `shuffle`".into()),
            )),
        }
    }
}

/// Whether `key` is a task (not play) keyword, for hints.
fn is_task_keyword(key: &str) -> bool {
    keywords::TASK.contains(&key) || keywords::TASK_UNSUPPORTED.contains(&key)
}

impl Loader<'_> {
    /// `import_playbook`: the plays of another playbook, with the import's `vars` over theirs,
    /// its `tags` added and its `when` on every task.
    fn import_playbook(&mut self, node: &Node) -> Result<Vec<Play>, Error> {
        let items = entries(self, node, "an import")?;
        let mut common = Common::default();
        let mut file: Option<(String, &Node)> = None;
        for (k, v) in items {
            let key = python_str(k);
            match keywords::short_name(&key) {
                "import_playbook" => file = Some((python_str(v), v)),
                "include" => {
                    return Err(self.report.invalid(
                        &k.span,
                        "`include` was removed in ansible-core 2.16",
                        "removed keyword",
                        Some("use `import_playbook` to run the plays of another playbook".into()),
                    ));
                }
                "name" => {}
                "vars" => common.vars = self.vars(v, "the import")?,
                "tags" => common.tags = self.tags(v)?,
                "when" => {
                    common.when = self.conditions(v, "when")?;
                    common.when_spans = crate::fields::condition_spans(v);
                }
                _ => {
                    return Err(self.report.invalid(
                        &k.span,
                        format!("`{key}` is not a valid keyword for `import_playbook`"),
                        "unknown keyword",
                        Some("`import_playbook` takes `name`, `vars`, `tags` and `when`".into()),
                    ));
                }
            }
        }
        let Some((name, at)) = file.filter(|(n, _)| !n.trim().is_empty()) else {
            return Err(self.report.invalid(
                &node.span,
                "`import_playbook` needs a playbook file name",
                "no file",
                None,
            ));
        };
        if is_template(&name) {
            return Err(self.report.unsupported(
                &at.span,
                "a templated `import_playbook` file name is not supported by drover yet",
                None,
            ));
        }
        let path = crate::include::absolute(self.ctx.play_dir.join(&name));
        if self.ctx.stack.contains(&path) {
            return Err(self.report.invalid(
                &at.span,
                format!("`{}` imports itself", path.display()),
                "import loop",
                None,
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|err| {
            self.report.invalid(
                &at.span,
                format!("could not read the playbook `{}`: {err}", path.display()),
                "named here",
                None,
            )
        })?;
        let mut sub = Loader {
            modules: self.modules,
            report: Reporter::new(&text, &path.display().to_string()),
            warnings: Vec::new(),
            ctx: std::mem::take(&mut self.ctx),
        };
        let outer_dir = std::mem::replace(&mut sub.ctx.play_dir, playbook_dir(&path));
        sub.ctx.stack.push(path.clone());
        let plays = sub.playbook(&text, &path);
        sub.ctx.stack.pop();
        sub.ctx.play_dir = outer_dir;
        self.ctx = sub.ctx;
        self.warnings.append(&mut sub.warnings);
        let mut plays = plays?;
        for play in &mut plays {
            if !common.vars.map.is_empty() {
                Arc::make_mut(&mut play.common.vars).extend(&common.vars);
            }
            play.common.tags.extend(common.tags.iter().cloned());
            play.common.when.extend(common.when.iter().cloned());
            play.common
                .when_spans
                .extend(common.when_spans.iter().cloned());
        }
        Ok(plays)
    }
}
