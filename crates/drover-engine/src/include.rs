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
    pub(crate) item: Option<Layer>,
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
            self.reporter.event(&drover_types::Event::Included {
                host: host.to_owned(),
                target: shown,
                item_label: item.label.clone(),
            });
            if let Some(state) = self.hosts.get_mut(host) {
                state.stats.ok += 1;
            }
            self.include_hits.push(Hit {
                host: host.to_owned(),
                target: target.clone(),
                item: item_vars(&item.result),
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
        if let Some(dir) = task.span.file.parent() {
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
        let mut groups: Vec<(String, Option<Layer>, Vec<String>)> = Vec::new();
        for hit in hits {
            match groups
                .iter_mut()
                .find(|(t, item, _)| *t == hit.target && *item == hit.item)
            {
                Some((_, _, hosts)) => hosts.push(hit.host),
                None => groups.push((hit.target, hit.item, vec![hit.host])),
            }
        }
        for (target, item, hosts) in groups {
            let items: &'p [TaskItem] = match self.included_items(task, include, &target) {
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
        task: &'p Task,
        include: &'p drover_playbook::Include,
        target: &str,
    ) -> Result<&'p [TaskItem], String>
    where
        'r: 'p,
    {
        if let Some(items) = &include.preloaded {
            return Ok(items);
        }
        if include.role {
            return Err(format!(
                "`include_role` with a templated role name (`{target}`) is not supported by drover yet"
            ));
        }
        let path = self.task_file(task, target);
        let key = (path.clone(), task.role.as_ref().map(|r| r.path.clone()));
        if let Some(items) = self.include_cache.get(&key) {
            return Ok(items);
        }
        let specs = &self.modules;
        let lookup = |name: &str| -> Option<&'static ArgSpec> { specs.get(name).map(|m| m.spec()) };
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
