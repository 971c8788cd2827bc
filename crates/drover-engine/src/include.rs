//! `include_tasks` and `include_role` at run time, as ansible-core's linear strategy runs them.
//! The include itself is a task: its `when` and loop are judged per host and item, and each
//! host's result names what it includes (`included: FILE for HOST`, counted `ok` per item).
//! Then the hosts that include the same thing with the same variables run it together, one such
//! group after another, in the order they came. The included tasks inherit the blocks around the
//! include, not the include's own keywords (only its `apply`); its `vars` and loop variable are
//! include parameters, which outrank facts.

use crate::block::Scope;
use crate::play::{PlayState, Runner};
use crate::task::{HostRun, ItemRun};
use async_trait::async_trait;
use drover_playbook::{Task, TaskItem};
use drover_types::{ArgSpec, Layer, Map, Module, ModuleContext, Status, TaskResult, Trust, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Task lists loaded during the run, alive as long as it.
pub(crate) type Loaded = typed_arena::Arena<Vec<TaskItem>>;

/// The include "module": its result names what is included; the runner does the including.
pub(crate) struct IncludeModule {
    name: &'static str,
}

pub(crate) static INCLUDE_TASKS: IncludeModule = IncludeModule {
    name: "include_tasks",
};
pub(crate) static INCLUDE_ROLE: IncludeModule = IncludeModule {
    name: "include_role",
};

#[async_trait]
impl Module for IncludeModule {
    fn name(&self) -> &'static str {
        self.name
    }

    fn spec(&self) -> &'static ArgSpec {
        drover_playbook::include_spec(self.name).expect("include specs exist")
    }

    async fn run(&self, _ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        let target = ["_raw_params", "file", "name"]
            .iter()
            .find_map(|k| match args.get(*k) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            });
        let Some(target) = target else {
            return TaskResult::failed(format!("`{}` needs a file or role name", self.name));
        };
        let mut result = TaskResult::default();
        result.set("include", target);
        let mut include_args = args.clone();
        include_args.remove("_raw_params");
        result.set("include_args", Value::Object(include_args));
        result
    }
}

/// One host's include of one thing (with one loop item's variables).
pub(crate) struct Hit {
    pub(crate) host: String,
    pub(crate) target: String,
    /// The include's arguments, templated for the host.
    pub(crate) args: Map,
    pub(crate) item: Option<Layer>,
    /// As shown: the task file's absolute path or the role's name, and the item's label.
    pub(crate) shown: String,
    pub(crate) label: Option<String>,
}

/// The loop variables of one item's result, as include parameters.
fn item_vars(result: &TaskResult) -> Option<Layer> {
    let loop_var = match result.data.get("ansible_loop_var") {
        Some(Value::String(name)) => name.clone(),
        _ => return None,
    };
    let mut layer = Layer::default();
    for name in [Some(loop_var.as_str()), Some("ansible_loop_var")]
        .into_iter()
        .flatten()
    {
        if let Some(v) = result.data.get(name) {
            layer.insert(name.to_owned(), v.clone(), Trust::Data);
        }
    }
    if let Some(Value::String(index)) = result.data.get("ansible_index_var")
        && let Some(v) = result.data.get(index)
    {
        layer.insert(index.clone(), v.clone(), Trust::Data);
    }
    Some(layer)
}

impl<'r> Runner<'r> {
    /// Records an include's results for `host` when they are includes; `false` when the run
    /// failed or was skipped as a whole, for the usual recording.
    pub(crate) fn record_include(&mut self, task: &Task, host: &str, run: &HostRun) -> bool {
        if !matches!(run.status, Status::Ok | Status::Changed) {
            return false;
        }
        let single;
        let items: Vec<&ItemRun> = if run.items.is_empty() {
            single = ItemRun {
                label: None,
                result: run.result.clone(),
                status: run.status,
            };
            vec![&single]
        } else {
            run.items.iter().collect()
        };
        for item in items {
            if item.status == Status::Skipped {
                self.reporter.event(&drover_types::Event::HostResult {
                    host: host.to_owned(),
                    delegated_to: None,
                    item_label: item.label.clone(),
                    status: Status::Skipped,
                    ignored: false,
                    result: item.result.clone(),
                    no_log: run.no_log,
                    verbose_always: false,
                    module: task.module.clone(),
                });
                continue;
            }
            let Some(Value::String(target)) = item.result.data.get("include") else {
                continue;
            };
            let shown = match &task.include {
                Some(include) if !include.role => {
                    self.task_file(task, target).display().to_string()
                }
                _ => target.clone(),
            };
            if let Some(state) = self.hosts.get_mut(host) {
                state.stats.ok += 1;
            }
            let args = match item.result.data.get("include_args") {
                Some(Value::Object(map)) => map.clone(),
                _ => Map::new(),
            };
            self.include_hits.push(Hit {
                host: host.to_owned(),
                target: target.clone(),
                args,
                item: item_vars(&item.result),
                shown,
                label: item.label.clone(),
            });
        }
        true
    }

    /// Where an included task file is: a role's `tasks/`, beside the including file, then in the
    /// play's directory.
    fn task_file(&self, task: &Task, name: &str) -> PathBuf {
        let name = std::path::Path::new(name);
        if name.is_absolute() {
            return name.to_path_buf();
        }
        let mut candidates = Vec::new();
        if let Some(role) = &task.role {
            candidates.push(role.path.join("tasks").join(name));
        }
        // A relative name is the playbook's own, whose directory is the play's (below).
        if let Some(dir) = task.span.file.parent().filter(|d| d.is_absolute()) {
            candidates.push(dir.join(name));
        }
        candidates.push(self.play_dir.join(name));
        let found = candidates.iter().find(|c| c.is_file()).cloned();
        let path = found.unwrap_or_else(|| candidates.swap_remove(0));
        std::path::absolute(&path).unwrap_or(path)
    }

    /// Runs what an include task brought in, group by group.
    pub(crate) async fn run_included<'p>(
        &mut self,
        state: &mut PlayState<'p>,
        task: &'p Task,
        scope: &Scope<'p>,
    ) where
        'r: 'p,
    {
        let Some(include) = task.include.as_deref() else {
            return;
        };
        let hits = std::mem::take(&mut self.include_hits);
        // Hosts that include the same thing with the same loop variables run it together.
        let mut groups: Vec<(Hit, Vec<String>)> = Vec::new();
        for hit in hits {
            match groups.iter_mut().find(|(first, _)| {
                first.target == hit.target && first.args == hit.args && first.item == hit.item
            }) {
                Some((_, hosts)) => hosts.push(hit.host),
                None => {
                    let host = hit.host.clone();
                    groups.push((hit, vec![host]));
                }
            }
        }
        // Every group is announced before any runs, as ansible-playbook does.
        for (hit, hosts) in &groups {
            self.reporter.event(&drover_types::Event::Included {
                hosts: hosts.clone(),
                target: hit.shown.clone(),
                item_label: hit.label.clone(),
            });
        }
        for (hit, hosts) in groups {
            let Hit {
                target, args, item, ..
            } = hit;
            let items: &'p [TaskItem] =
                match self.included_items(state, task, include, &target, &args) {
                    Ok(items) => items,
                    Err(message) => {
                        for host in &hosts {
                            self.fail_include(task, scope, host, &message);
                        }
                        continue;
                    }
                };
            let mut params = vec![task.common.vars.clone()];
            if let Some(item) = item {
                let item = Arc::new(item);
                // The role's handlers see the include as it last ran, loop variable included.
                if let Some(instance) = &include.instance {
                    for handler in &mut state.handlers {
                        if handler
                            .task
                            .role
                            .as_ref()
                            .is_some_and(|r| Arc::ptr_eq(r, instance))
                        {
                            handler.scope.high.push(item.clone());
                        }
                    }
                }
                params.push(item);
            }
            let inner = scope.included(include.apply.as_ref(), params);
            self.run_items_on(state, items, &inner, &hosts).await;
        }
    }

    /// What the include names: loaded with the playbook when the name was not a template, else
    /// now (once per file for the run).
    fn included_items<'p>(
        &mut self,
        state: &mut PlayState<'p>,
        task: &'p Task,
        include: &'p drover_playbook::Include,
        target: &str,
        args: &Map,
    ) -> Result<&'p [TaskItem], String>
    where
        'r: 'p,
    {
        if let Some(items) = &include.preloaded {
            return Ok(items);
        }
        let specs = &self.modules;
        let lookup = |name: &str| -> Option<&'static ArgSpec> { specs.get(name).map(|m| m.spec()) };
        if include.role {
            let key = (
                PathBuf::from(target),
                Some(PathBuf::from(Value::Object(args.clone()).to_string())),
            );
            if let Some(items) = self.include_cache.get(&key) {
                return Ok(items);
            }
            let (items, handlers) = drover_playbook::load_role(
                target,
                args,
                &task.span,
                &lookup,
                &self.config.load_options,
                &self.play_dir,
            )
            .map_err(|err| err.to_string())?;
            let items: &'r [TaskItem] = self.loaded.alloc(items);
            let handlers: &'r [TaskItem] = self.loaded.alloc(handlers);
            // The role's handlers join the play's, seeing the include's `vars`.
            let mut root = Scope::root(state.play);
            root.high.push(task.common.vars.clone());
            crate::play::collect_handlers(handlers, &root, &mut state.handlers);
            self.include_cache.insert(key, items);
            return Ok(items);
        }
        let path = self.task_file(task, target);
        let key = (path.clone(), task.role.as_ref().map(|r| r.path.clone()));
        if let Some(items) = self.include_cache.get(&key) {
            return Ok(items);
        }
        let items = drover_playbook::load_tasks(
            &path,
            &lookup,
            &self.config.load_options,
            &self.play_dir,
            task.role.clone(),
        )
        .map_err(|err| err.to_string())?;
        let items: &'r [TaskItem] = self.loaded.alloc(items);
        self.include_cache.insert(key, items);
        Ok(items)
    }

    fn fail_include(&mut self, task: &Task, scope: &Scope<'_>, host: &str, message: &str) {
        let run = HostRun::failed(message.to_owned(), false);
        self.record_plain(task, scope, host, run);
    }
}
