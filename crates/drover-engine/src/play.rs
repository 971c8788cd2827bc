//! Runs plays: picks each play's hosts, loads `vars_files`, walks `pre_tasks`, `tasks` and
//! `post_tasks` (flushing handlers after each), runs each task on every active host at once, and
//! turns the results into events and recap counters.

use crate::block::Scope;
use crate::host::HostState;
use crate::task::{self, HostRun, Keywords, TaskEnv};
use crate::vars::{self, HostLayers, Hostvars, RunLayers, Table, TaskLayers};
use crate::{Error, RunConfig, Runtime, Summary};
use drover_playbook::{Play, Task, TaskItem};
use drover_template::Templates;
use drover_types::{Event, Layer, Module, Status, TaskResult, Trust, Value, Vars};
use futures_util::future::join_all;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A handler with the keywords it inherited from the blocks around it.
#[derive(Clone)]
pub(crate) struct Handler<'p> {
    pub(crate) task: &'p Task,
    pub(crate) scope: Scope<'p>,
}

/// The state of a run while it goes from play to play.
pub(crate) struct Runner<'r> {
    pub(crate) config: &'r RunConfig,
    pub(crate) modules: HashMap<&'static str, &'static dyn Module>,
    pub(crate) connector: &'r dyn drover_types::Connector,
    pub(crate) reporter: &'r mut dyn drover_types::Reporter,
    pub(crate) templates: Arc<Templates>,
    pub(crate) order: Vec<String>,
    pub(crate) hosts: HashMap<String, HostState>,
    /// Every host's variables (see [`crate::vars`]); under the `free` strategy, a host's own
    /// runner holds only its host.
    pub(crate) table: Arc<Table>,
    /// For a host's own runner under the `free` strategy: every host's variables as the free
    /// section began, which `hostvars` reads for the other hosts.
    pub(crate) peers: Option<Arc<Table>>,
    /// The layers every host shares for the playbook being run.
    pub(crate) run_layers: Arc<RunLayers>,
    /// Every host's name, in inventory order (what `hostvars` lists).
    pub(crate) names: Arc<Vec<String>>,
    /// Task files `include_tasks` and `include_role` loaded as the run goes (names that were
    /// templates), kept for the whole run.
    pub(crate) loaded: &'r crate::include::Loaded,
    /// Those files by path (and role), so each is read once.
    pub(crate) include_cache: HashMap<(PathBuf, Option<PathBuf>), &'r [TaskItem]>,
    /// What the include task being recorded brought in, host by host.
    pub(crate) include_hits: Vec<crate::include::Hit>,
    /// The directory of the play in progress (`playbook_dir`).
    pub(crate) play_dir: PathBuf,
    /// The inventory as the run changes it (`add_host`, `group_by`).
    pub(crate) inventory: drover_inventory::Inventory,
    /// The direct parents of groups `group_by` touched, as ansible-core links them.
    pub(crate) group_links: HashMap<String, Vec<String>>,
    pub(crate) start_at: Option<String>,
    /// The playbook being run.
    pub(crate) playbook: &'r drover_playbook::Playbook,
    /// `any_errors_fatal` or `max_fail_percentage` stopped the play: no further plays run.
    pub(crate) abort: bool,
    pub(crate) forks: Arc<Semaphore>,
}

/// What the runner knows about the play in progress.
#[derive(Clone)]
pub(crate) struct PlayState<'p> {
    pub(crate) play: &'p Play,
    pub(crate) hosts: Vec<String>,
    pub(crate) handlers: Vec<Handler<'p>>,
    pub(crate) magic: PlayMagic,
    /// Play `vars`: the play's own, then those of its `vars` keyword.
    pub(crate) play_vars: [Arc<Layer>; 3],
    /// Its public roles' variables.
    pub(crate) roles: PlayRoles,
    pub(crate) force_handlers: bool,
    /// `any_errors_fatal` on the play.
    pub(crate) any_errors_fatal: bool,
    /// `max_fail_percentage` on the play.
    pub(crate) max_fail_percentage: Option<f64>,
    /// The play's hosts that sit it out, failed or unreachable in an earlier play:
    /// `meta: clear_host_errors` clears them too.
    pub(crate) sat_out: Vec<String>,
    /// How many hosts the current `serial` batch has, those sitting it out included: the
    /// whole of `max_fail_percentage`, as ansible-core counts it.
    pub(crate) batch_size: usize,
    /// `meta: end_play` ran: later `serial` batches do not run either.
    pub(crate) ended: bool,
    /// Hosts `meta: clear_host_errors` brought back from unreachable: when the batch is done
    /// they run the play from its start, as ansible-core's lockstep picks up their tasks.
    pub(crate) revived: Vec<String>,
}

/// The defaults and vars of a play's public roles, which every task of the play sees.
#[derive(Clone, Default)]
pub(crate) struct PlayRoles {
    pub(crate) defaults: Vec<Arc<Layer>>,
    pub(crate) vars: Vec<Arc<Layer>>,
    /// `ansible_role_names`, `ansible_play_role_names`, `ansible_dependent_role_names`,
    /// `role_names`.
    pub(crate) magic: Arc<Layer>,
}

impl PlayRoles {
    fn of(play: &Play) -> Self {
        let mut all: Vec<String> = play
            .role_names
            .iter()
            .chain(&play.dependency_role_names)
            .cloned()
            .collect();
        // A set in ansible-core, in no particular order: sorted here so runs repeat.
        all.sort();
        all.dedup();
        let mut magic = drover_types::Map::new();
        magic.insert("ansible_role_names".into(), all.into());
        magic.insert(
            "ansible_play_role_names".into(),
            play.role_names.clone().into(),
        );
        magic.insert("role_names".into(), play.role_names.clone().into());
        magic.insert(
            "ansible_dependent_role_names".into(),
            play.dependency_role_names.clone().into(),
        );
        let filled = |layer: &&Arc<Layer>| !layer.map.is_empty();
        PlayRoles {
            defaults: play
                .roles
                .iter()
                .map(|r| &r.defaults)
                .filter(filled)
                .cloned()
                .collect(),
            vars: play
                .roles
                .iter()
                .map(|r| &r.vars)
                .filter(filled)
                .cloned()
                .collect(),
            magic: Arc::new(Layer::data(magic)),
        }
    }
}

/// Magic variables of the play that change as it runs.
#[derive(Clone)]
pub(crate) struct PlayMagic {
    pub(crate) play_name: String,
    pub(crate) play_hosts: Vec<String>,
    pub(crate) play_hosts_all: Vec<String>,
    pub(crate) play_batch: Vec<String>,
}

pub(crate) async fn run_playbook(
    config: &RunConfig,
    runtime: Runtime<'_>,
) -> Result<Summary, Error> {
    let loaded = crate::include::Loaded::default();
    let first = config.playbooks.first().ok_or(Error::NoPlaybook)?;
    let forks = Arc::new(Semaphore::new(config.forks.max(1)));
    let start_at = config.start_at_task.clone();
    let names = config.inventory.hosts();
    let mut modules = runtime.modules;
    for include in [
        &crate::include::INCLUDE_TASKS,
        &crate::include::INCLUDE_ROLE,
    ] {
        modules.insert(include.name(), include as &dyn Module);
    }
    let mut runner = Runner {
        config,
        modules,
        connector: runtime.connector,
        reporter: runtime.reporter,
        templates: Arc::new(Templates::new().with_controller_env(config.controller_env.clone())),
        order: Vec::new(),
        hosts: HashMap::new(),
        table: Arc::new(
            names
                .iter()
                .map(|h| (h.clone(), HostLayers::new(h, &config.inventory)))
                .collect(),
        ),
        peers: None,
        run_layers: Arc::new(run_layers(config, &config.inventory, &first.dir)),
        names: Arc::new(names),
        loaded: &loaded,
        include_cache: HashMap::new(),
        include_hits: Vec::new(),
        play_dir: first.dir.clone(),
        inventory: config.inventory.clone(),
        group_links: HashMap::new(),
        start_at,
        abort: false,
        forks,
        playbook: first,
    };
    let mut result = Ok(());
    let mut stats = Vec::new();
    // One run for every playbook given: facts, connections and recap counters carry over, and
    // each playbook ends with a recap of the totals so far, as ansible-playbook does.
    'playbooks: for playbook in &config.playbooks {
        runner.playbook = playbook;
        runner.run_layers = Arc::new(run_layers(config, &runner.inventory, &playbook.dir));
        for play in &playbook.plays {
            if let Err(err) = runner.run_play(play).await {
                result = Err(err);
                break 'playbooks;
            }
            if runner.abort {
                break;
            }
        }
        if let Some(name) = &runner.start_at {
            result = Err(Error::StartAtTask(name.clone()));
            break;
        }
        stats = runner
            .order
            .iter()
            .filter_map(|h| runner.hosts.get(h).map(|s| (h.clone(), s.stats)))
            // Like ansible-playbook, the recap shows only hosts something was counted for, in
            // the order of their names.
            .filter(|(_, s)| *s != drover_types::HostStats::default())
            .collect();
        stats.sort_by(|a, b| a.0.cmp(&b.0));
        runner.reporter.event(&Event::Recap(stats.clone()));
        if runner.abort {
            break;
        }
    }
    for state in runner.hosts.values() {
        if let Some(conn) = &state.conn {
            conn.close().await;
        }
    }
    result?;
    let failed = runner
        .order
        .iter()
        .filter(|h| runner.hosts[*h].standing.counts_as_failed())
        .cloned()
        .collect();
    let unreachable = runner
        .order
        .iter()
        .filter(|h| runner.hosts[*h].standing.is_unreachable())
        .cloned()
        .collect();
    Ok(Summary {
        stats,
        failed,
        unreachable,
    })
}

/// The layers every host shares while `playbook` runs.
pub(crate) fn run_layers(
    config: &RunConfig,
    inventory: &drover_inventory::Inventory,
    dir: &std::path::Path,
) -> RunLayers {
    RunLayers::new(
        &config.extra_vars,
        inventory.groups(),
        &dir.display().to_string(),
        config.check,
        config.diff,
    )
    .with_config_file(config.config_file.as_deref())
}

impl<'r> Runner<'r> {
    async fn run_play(&mut self, play: &'r Play) -> Result<(), Error> {
        let config = self.config;
        // An imported playbook's plays have their own `playbook_dir`, as in Ansible.
        self.play_dir = play.dir.clone();
        if self.run_layers.playbook_dir() != play.dir {
            self.run_layers = Arc::new(run_layers(config, &self.inventory, &play.dir));
        }
        let play_level = self.play_level_vars(play);
        let pattern = match self.play_keyword(
            play,
            "hosts",
            &Value::String(play.hosts.clone()),
            &play_level,
        )? {
            Value::String(s) => s,
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(":"),
            other => other.to_string(),
        };
        let name = match &play.name {
            Some(n) => match self
                .templates
                .render_value(&Value::String(n.clone()), &play_level)
            {
                Ok(Value::String(s)) => s,
                _ => n.clone(),
            },
            // A list of patterns is titled with commas, as ansible-playbook does.
            None if play.hosts_title != play.hosts => play.hosts_title.clone(),
            None => pattern.clone(),
        };
        self.reporter.event(&Event::PlayStart {
            name: name.clone(),
            check_mode: config.check,
        });
        for unmatched in self.inventory.unmatched_patterns(&pattern)? {
            self.reporter.event(&Event::Warning(format!(
                "Could not match supplied host pattern, ignoring: {unmatched}"
            )));
        }
        let mut selected = self.inventory.select(&pattern)?;
        if let Some(limit) = &config.limit {
            selected = self.inventory.select_limit(selected, limit)?;
        }
        for host in &selected {
            self.hosts
                .entry(host.clone())
                .or_insert_with(HostState::new);
            if !self.table.contains_key(host) {
                // The implicit localhost, the first time a play names it.
                Arc::make_mut(&mut self.table)
                    .insert(host.clone(), HostLayers::new(host, &self.inventory));
                Arc::make_mut(&mut self.names).push(host.clone());
            }
        }
        let sat_out: Vec<String> = selected
            .iter()
            .filter(|h| self.hosts.get(*h).is_some_and(|s| s.standing.out_of_run()))
            .cloned()
            .collect();
        // ansible-core batches every host of the play, those that failed or were unreachable
        // in an earlier play too (they sit their batch out): batches and percentages count them.
        let targeted = selected.clone();
        selected.retain(|h| self.hosts.get(h).is_some_and(|s| !s.standing.out_of_run()));
        if selected.is_empty() {
            // Hosts that all failed earlier get the banner and nothing more, as in ansible-core.
            if targeted.is_empty() {
                self.reporter.event(&Event::NoHostsMatched);
            }
            return Ok(());
        }
        for host in &selected {
            if let Some(state) = self.hosts.get_mut(host) {
                state.standing.new_play();
                state.notified.clear();
            }
        }
        let gather = match &play.gather_facts {
            None => config.gathering != "explicit",
            Some(v) => drover_types::truthy(v),
        };
        let mut state = PlayState {
            play,
            hosts: selected.clone(),
            handlers: Vec::new(),
            magic: PlayMagic {
                play_name: name,
                play_hosts: selected.clone(),
                play_hosts_all: targeted.clone(),
                play_batch: selected.clone(),
            },
            play_vars: [
                play.vars.clone(),
                play.common.vars.clone(),
                play.prompted.clone(),
            ],
            roles: PlayRoles::of(play),
            force_handlers: self.play_flag(
                play,
                "force_handlers",
                &play.force_handlers,
                &play_level,
            )?,
            any_errors_fatal: self.play_flag(
                play,
                "any_errors_fatal",
                &play.any_errors_fatal,
                &play_level,
            )?,
            max_fail_percentage: None,
            sat_out,
            revived: Vec::new(),
            ended: false,
            batch_size: 0,
        };
        if let Some(raw) = &play.max_fail_percentage {
            let value = self.play_keyword(play, "max_fail_percentage", raw, &play_level)?;
            let pct = match &value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().trim_end_matches('%').parse().ok(),
                _ => None,
            };
            state.max_fail_percentage = Some(pct.ok_or_else(|| Error::Play {
                span: play.span.clone(),
                message: format!("`max_fail_percentage` must be a number, got `{value}`"),
            })?);
        }
        let serial = match &play.serial {
            Some(raw) => Some(self.play_keyword(play, "serial", raw, &play_level)?),
            None => None,
        };
        let batches =
            crate::serial::batches(serial.as_ref(), &targeted).map_err(|message| Error::Play {
                span: play.span.clone(),
                message,
            })?;
        let root = Scope::root(play);
        collect_handlers(&play.handlers, &root, &mut state.handlers);
        self.load_vars_files(&state)?;
        let free = match play.strategy.as_deref() {
            None | Some("linear") | Some("ansible.builtin.linear") => false,
            Some("free") | Some("ansible.builtin.free") => true,
            Some(other) => {
                self.reporter.event(&Event::Warning(format!(
                    "strategy `{other}` is not supported: the play runs with the `linear` strategy"
                )));
                false
            }
        };
        for (number, batch) in batches.into_iter().enumerate() {
            if number > 0 {
                // ansible-playbook starts the play over for each `serial` batch, banner included.
                self.reporter.event(&Event::PlayStart {
                    name: state.magic.play_name.clone(),
                    check_mode: config.check,
                });
            }
            // Hosts in the order they first took part (the recap sorts them by name).
            let seen: std::collections::HashSet<&String> = self.order.iter().collect();
            let new: Vec<String> = batch
                .iter()
                .filter(|h| !seen.contains(h))
                .cloned()
                .collect();
            self.order.extend(new);
            let out_before: Vec<bool> = batch
                .iter()
                .map(|h| self.hosts[h].standing.out_of_run())
                .collect();
            let active: Vec<String> = batch
                .iter()
                .zip(&out_before)
                .filter(|(_, out)| !**out)
                .map(|(h, _)| h.clone())
                .collect();
            state.batch_size = batch.len();
            state.hosts = active.clone();
            state.magic.play_batch = active.clone();
            if gather {
                self.gather_facts(&mut state, &root).await;
            }
            if free {
                self.run_free(&state, &root).await;
            } else {
                for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
                    self.run_items(&mut state, section, &root).await;
                    self.flush_handlers(&mut state).await;
                }
                let revived = std::mem::take(&mut state.revived);
                if !revived.is_empty() {
                    state.hosts = revived;
                    for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
                        self.run_items(&mut state, section, &root).await;
                        self.flush_handlers(&mut state).await;
                    }
                    state.hosts = active;
                }
            }
            // A batch in which every host failed ends the whole run, later plays included, as
            // ansible-playbook does (hosts that sat the batch out are not counted as failing).
            let newly_out = batch
                .iter()
                .zip(&out_before)
                .filter(|(h, before)| !**before && self.hosts[*h].standing.out_of_run())
                .count();
            if newly_out == batch.len() {
                self.abort = true;
            }
            if self.abort || state.ended {
                break;
            }
        }
        Ok(())
    }

    fn load_vars_files(&mut self, state: &PlayState<'_>) -> Result<(), Error> {
        let views = self.views(state, &Scope::root(state.play), &state.hosts);
        let mut all = Vec::with_capacity(views.len());
        for (host, vars) in state.hosts.iter().zip(views) {
            let mut loaded = Layer::default();
            for file in &state.play.vars_files {
                // A list is alternatives: the first that exists is read.
                let candidates = match file {
                    Value::Array(list) => list.clone(),
                    other => vec![other.clone()],
                };
                let mut paths = Vec::with_capacity(candidates.len());
                for candidate in &candidates {
                    let written = match candidate {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let path = match self.templates.render_value(candidate, &vars) {
                        Ok(Value::String(p)) => p,
                        Ok(other) => other.to_string(),
                        Err(message) => {
                            return Err(Error::VarsFile {
                                span: state.play.span.clone(),
                                path: written,
                                message: message.into(),
                            });
                        }
                    };
                    paths.push(path);
                }
                let found = if candidates.len() > 1 {
                    paths
                        .iter()
                        .find(|p| vars_file_path(&state.play.dir, p).is_file())
                        .cloned()
                } else {
                    paths.first().cloned()
                };
                let Some(path) = found else {
                    return Err(Error::VarsFile {
                        span: state.play.span.clone(),
                        path: paths.join(", "),
                        message: "none of these vars files was found on the controller".into(),
                    });
                };
                let full = vars_file_path(&state.play.dir, &path);
                let data = load_yaml_vars(&full).map_err(|message| Error::VarsFile {
                    span: state.play.span.clone(),
                    path: path.clone(),
                    message,
                })?;
                loaded.extend(&data);
            }
            all.push((host, loaded));
        }
        // Written once every view (each holding the table through `hostvars`) is gone, so the
        // table is updated in place rather than copied for each host.
        let table = Arc::make_mut(&mut self.table);
        for (host, loaded) in all {
            if let Some(layers) = table.get_mut(host) {
                layers.vars_files = Arc::new(loaded);
            }
        }
        Ok(())
    }

    /// The variables each of `hosts` sees for a task in `scope`. The layers every host shares
    /// (the play's magic, `hostvars`) are made once for all of them.
    pub(crate) fn views(
        &self,
        state: &PlayState<'_>,
        scope: &Scope<'_>,
        hosts: &[String],
    ) -> Vec<Vars> {
        self.task_layers(
            state,
            scope,
            &self.hostvars(),
            &self.play_magic(state),
            |task| hosts.iter().map(|h| task.view(&self.table[h])).collect(),
        )
    }

    /// `hostvars` as it is now: this runner's hosts, and under the `free` strategy the others
    /// as the free section began.
    pub(crate) fn hostvars(&self) -> Arc<Hostvars> {
        Arc::new(Hostvars {
            own: self.table.clone(),
            peers: self.peers.clone(),
            run: self.run_layers.clone(),
            names: self.names.clone(),
        })
    }

    fn play_magic(&self, state: &PlayState<'_>) -> Arc<Layer> {
        let m = &state.magic;
        vars::play_magic(
            &m.play_name,
            &m.play_hosts,
            &m.play_hosts_all,
            &m.play_batch,
        )
    }

    /// Calls `f` with what a task's views are made of.
    fn task_layers<T>(
        &self,
        state: &PlayState<'_>,
        scope: &Scope<'_>,
        hostvars: &Arc<Hostvars>,
        play_magic: &Arc<Layer>,
        f: impl FnOnce(&TaskLayers<'_>) -> T,
    ) -> T {
        f(&TaskLayers {
            run: &self.run_layers,
            play_vars: &state.play_vars,
            play_roles: &state.roles,
            low: &scope.low,
            scope: &scope.vars,
            high: &scope.high,
            play_magic,
            hostvars,
        })
    }

    /// `ansible_play_hosts` is every host of the play still active (not only the batch's),
    /// `ansible_play_batch` the batch's.
    fn refresh_magic(&mut self, state: &mut PlayState<'_>) {
        let active = |hosts: &[String]| -> Vec<String> {
            hosts
                .iter()
                .filter(|h| self.hosts.get(*h).is_some_and(|s| s.standing.active()))
                .cloned()
                .collect()
        };
        state.magic.play_hosts = active(&state.magic.play_hosts_all);
        state.magic.play_batch = active(&state.hosts);
    }

    /// Runs one task on the hosts of `hosts` that are still active, then records the results.
    pub(crate) async fn run_task<'p>(
        &mut self,
        state: &mut PlayState<'p>,
        task: &Task,
        scope: &Scope<'_>,
        hosts: &[String],
        handler: bool,
    ) where
        'r: 'p,
    {
        let active: Vec<String> = hosts
            .iter()
            .filter(|h| {
                let standing = self.hosts[*h].standing;
                if handler {
                    standing.runs_handlers(state.force_handlers)
                } else {
                    standing.active()
                }
            })
            .cloned()
            .collect();
        if active.is_empty() {
            return;
        }
        if task.module == "meta" {
            self.run_meta(state, task, scope, &active).await;
            return;
        }
        let Some(module) = self.modules.get(task.module.as_str()).copied() else {
            return;
        };
        self.refresh_magic(state);
        let keywords = scope.keywords_for(task);
        let display = self.task_title(state, task, scope);
        self.reporter.event(&Event::TaskStart {
            name: display,
            handler,
            span: Some(task.span.clone()),
        });

        let mut all_vars = self.views(state, scope, &active);
        // ansible-core's `ansible_search_path`: where lookups look for relative names.
        let search_path: Vec<Value> = task
            .search_paths(&self.play_dir)
            .iter()
            .map(|p| Value::String(p.display().to_string()))
            .collect();
        for vars in &mut all_vars {
            vars.set(
                "ansible_search_path",
                Value::Array(search_path.clone()),
                Trust::Data,
            );
        }
        // Keywords that shape the whole task are evaluated once, with the first host's
        // variables; one that cannot be evaluated fails the task on every host.
        let t = &self.templates;
        let first = &all_vars[0];
        let task_keywords = (|| {
            let run_once = task::keyword_bool(t, "run_once", keywords.run_once.as_ref(), first)?;
            let fatal = task::keyword_bool(
                t,
                "any_errors_fatal",
                keywords.any_errors_fatal.as_ref(),
                first,
            )?;
            let throttle =
                task::keyword_number::<usize>(t, "throttle", keywords.throttle.as_ref(), first)?;
            Ok::<_, String>((run_once.unwrap_or(false), fatal, throttle))
        })();
        let bypass = task.module == "add_host";
        let (run_once, fatal, throttle) = match task_keywords {
            Ok(values) => values,
            Err(err) => {
                let no_log = task::keyword_bool(t, "no_log", keywords.no_log.as_ref(), first)
                    .map_or(true, |v| v.unwrap_or(false));
                for host in &active {
                    self.record(task, scope, host, HostRun::failed(err.clone(), no_log));
                }
                return;
            }
        };
        let targets = if run_once || bypass {
            all_vars.truncate(1);
            &active[..1]
        } else {
            &active[..]
        };
        let runs = self
            .run_on_hosts(module, task, &keywords, targets, all_vars, throttle)
            .await;
        let failed_before: usize = state
            .hosts
            .iter()
            .filter(|h| self.hosts[*h].standing.counts_as_failed())
            .count();
        for (host, mut run) in targets.iter().zip(runs) {
            self.change_inventory(host, &mut run, !task.changed_when.is_empty());
            let shared = run_once.then(|| run.result.clone());
            self.record(task, scope, host, run);
            if let Some(result) = shared {
                // `run_once` results and facts belong to every host of the play, as in Ansible.
                for other in &active[1..] {
                    self.share_result(task, other, &result);
                }
            }
        }
        let failed_after: usize = state
            .hosts
            .iter()
            .filter(|h| self.hosts[*h].standing.counts_as_failed())
            .count();
        let fatal = fatal.unwrap_or(state.any_errors_fatal);
        let too_many = state.max_fail_percentage.is_some_and(|pct| {
            let total = state.batch_size.max(1) as f64;
            (failed_after as f64) * 100.0 / total > pct
        });
        if (fatal && failed_after > failed_before) || too_many {
            for host in &state.hosts {
                if let Some(s) = self.hosts.get_mut(host) {
                    s.standing.end();
                }
            }
            self.abort = true;
            if too_many {
                // ansible-playbook's linear strategy says it twice: once as the percentage is
                // exceeded, once more as it finds every remaining host failed.
                self.reporter.event(&Event::NoHostsLeft);
                self.reporter.event(&Event::NoHostsLeft);
            } else {
                self.reporter.event(&Event::Info(
                    "a task failed with `any_errors_fatal`: no more hosts left".into(),
                ));
            }
        }
    }

    fn share_result(&mut self, task: &Task, host: &str, result: &TaskResult) {
        if let Some(layers) = Arc::make_mut(&mut self.table).get_mut(host) {
            layers.keep(task.register.as_deref(), result);
        }
    }

    async fn run_on_hosts(
        &self,
        module: &'static dyn Module,
        task: &Task,
        keywords: &Keywords,
        hosts: &[String],
        all_vars: Vec<Vars>,
        throttle: Option<usize>,
    ) -> Vec<HostRun> {
        let search_paths = task.search_paths(&self.play_dir);
        let inventory = &self.inventory;
        let host_vars = move |name: &str| inventory.host_vars(name).map;
        let env = TaskEnv {
            templates: &self.templates,
            module,
            task,
            keywords,
            check: self.config.check,
            diff: self.config.diff,
            search_paths: &search_paths,
            connector: self.connector,
            verbosity: self.config.verbosity,
            become_defaults: &self.config.become_defaults,
            default_connection: self.config.connection.as_deref(),
            host_vars: &host_vars,
        };
        let env = &env;
        // `throttle` caps how many hosts run this task at once, below `--forks`.
        let throttle = throttle
            .filter(|n| *n > 0)
            .map(|n| Arc::new(Semaphore::new(n)));
        let futures = hosts.iter().zip(all_vars).map(|(host, vars)| {
            let conn = self.hosts[host].conn.clone();
            let forks = self.forks.clone();
            let throttle = throttle.clone();
            async move {
                let _permit = forks.acquire_owned().await;
                let _throttle = match &throttle {
                    Some(t) => Some(t.clone().acquire_owned().await),
                    None => None,
                };
                task::run_on_host(env, host, vars, conn).await
            }
        });
        join_all(futures).await
    }

    /// Applies one host's run: events, stats, register, facts, notifications, failure.
    fn record(&mut self, task: &Task, scope: &Scope<'_>, host: &str, run: HostRun) {
        if task.include.is_some() && self.record_include(task, host, &run) {
            self.share_result(task, host, &run.result);
            if let (Some(conn), Some(state)) = (run.conn, self.hosts.get_mut(host)) {
                state.conn = Some(conn);
            }
            return;
        }
        self.record_plain(task, scope, host, run);
    }

    /// [`Runner::record`] for every result but an include's.
    pub(crate) fn record_plain(
        &mut self,
        task: &Task,
        scope: &Scope<'_>,
        host: &str,
        run: HostRun,
    ) {
        let HostRun {
            items,
            mut result,
            status,
            ignored,
            no_log,
            conn,
            retries,
            delegated_to,
            warning,
        } = run;
        if let Some(warning) = warning {
            self.reporter.event(&Event::Warning(warning));
        }
        let title = task.display_name();
        for retries_left in retries {
            self.reporter.event(&Event::Retrying {
                host: host.to_owned(),
                task: title.clone(),
                retries_left,
            });
        }
        let verbose = result
            .data
            .remove(task::VERBOSE_ALWAYS)
            .is_some_and(|v| drover_types::truthy(&v));
        for item in &items {
            let mut item_result = item.result.clone();
            let item_verbose = item_result
                .data
                .remove(task::VERBOSE_ALWAYS)
                .is_some_and(|v| drover_types::truthy(&v));
            let item_ignored = ignored && item.status == Status::Failed;
            self.reporter.event(&Event::HostResult {
                host: host.to_owned(),
                delegated_to: delegated_to.clone(),
                item_label: item.label.clone(),
                status: item.status,
                ignored: item_ignored,
                result: item_result,
                no_log,
                verbose_always: item_verbose,
                module: task.module.clone(),
            });
        }
        if !items.is_empty() && status == Status::Failed && ignored {
            self.reporter.event(&Event::LoopFailureIgnored {
                host: host.to_owned(),
            });
        }
        // A loop's own line is shown only when every item was skipped or the host went away;
        // failed items were already shown one by one.
        let show_final =
            items.is_empty() || matches!(status, Status::Skipped | Status::Unreachable);
        // Shown to the reporter (which then prints no result), never registered.
        let quiet = result.data.remove(drover_types::VERBOSE_OVERRIDE);
        if show_final {
            let mut shown = result.clone();
            if let Some(flag) = quiet {
                shown
                    .data
                    .insert(drover_types::VERBOSE_OVERRIDE.into(), flag);
            }
            if !items.is_empty() {
                shown.data.remove("results");
            }
            self.reporter.event(&Event::HostResult {
                host: host.to_owned(),
                delegated_to: delegated_to.clone(),
                item_label: None,
                status,
                ignored,
                result: shown,
                no_log,
                verbose_always: verbose,
                module: task.module.clone(),
            });
        }
        self.share_result(task, host, &result);
        let Some(state) = self.hosts.get_mut(host) else {
            return;
        };
        if conn.is_some() {
            state.conn = conn;
        }
        let stats = &mut state.stats;
        match status {
            Status::Ok => stats.ok += 1,
            Status::Changed => {
                stats.ok += 1;
                stats.changed += 1;
            }
            Status::Skipped => stats.skipped += 1,
            Status::Failed if ignored => {
                stats.ok += 1;
                stats.ignored += 1;
                if result.changed {
                    stats.changed += 1;
                }
            }
            Status::Failed => {
                if scope.rescuable {
                    stats.rescued += 1;
                    let failed_task = serde_json::json!({
                        "name": task.name.clone().unwrap_or_default(),
                        "action": task.module,
                        "args": Value::Object(task.args.clone()),
                    });
                    if let Some(layers) = Arc::make_mut(&mut self.table).get_mut(host) {
                        layers.set_fact("ansible_failed_task", failed_task);
                        layers.set_fact("ansible_failed_result", result.to_value());
                    }
                    state.standing.fail_rescuable();
                } else {
                    stats.failed += 1;
                    state.standing.fail();
                }
            }
            // As ansible-core 2.19 counts it: the host stays in the play.
            Status::Unreachable if ignored => {
                stats.ok += 1;
                stats.ignored += 1;
            }
            Status::Unreachable => {
                stats.unreachable += 1;
                state.standing.unreachable();
            }
        }
        // A failed result notifies nothing, even when ignored and changed (ansible-core 2.19).
        if result.changed && !task.notify.is_empty() && status != Status::Failed {
            for name in &task.notify {
                state.notified.insert(name.clone());
            }
        }
    }

    /// A play keyword templated with the play-level variables; one that cannot be evaluated
    /// stops the run rather than falling back to its raw text.
    fn play_keyword(
        &self,
        play: &Play,
        name: &str,
        raw: &Value,
        vars: &Vars,
    ) -> Result<Value, Error> {
        self.templates
            .render_value(raw, vars)
            .map_err(|err| Error::Play {
                span: play.span.clone(),
                message: task::keyword_error(name, err),
            })
    }

    /// A boolean play keyword (`force_handlers`, `any_errors_fatal`), possibly templated.
    fn play_flag(
        &self,
        play: &Play,
        name: &str,
        raw: &Option<Value>,
        vars: &Vars,
    ) -> Result<bool, Error> {
        match raw {
            None => Ok(false),
            Some(raw) => Ok(drover_types::truthy(
                &self.play_keyword(play, name, raw, vars)?,
            )),
        }
    }

    /// Variables known before any host is considered: play vars and extra vars (what Ansible
    /// templates play names, `hosts` and task names with).
    fn play_level_vars(&self, play: &Play) -> Vars {
        let mut vars = Vars::new()
            .with(play.vars.clone())
            .with(play.common.vars.clone())
            .with(play.prompted.clone())
            .with(self.run_layers.extra.clone());
        vars.set(
            "playbook_dir",
            play.dir.display().to_string().into(),
            Trust::Data,
        );
        vars
    }

    /// The name in a task's banner: templated with what is known without a host (play vars,
    /// extra vars, role and include parameters); a role's task is `role : name`.
    fn task_title(&self, state: &PlayState<'_>, task: &Task, scope: &Scope<'_>) -> String {
        let name = match &task.name {
            // ansible-core names an unnamed `include_role` after the role it includes.
            None if task.module == "include_role" => match task.args.get("name") {
                Some(Value::String(role)) => format!("{} : {role}", task.action),
                _ => task.action.clone(),
            },
            None => task.action.clone(),
            Some(name) if !Templates::is_template(name) => name.clone(),
            Some(name) => {
                let mut vars = self.play_level_vars(state.play);
                for layer in &scope.high {
                    vars.push(layer.clone());
                }
                match self
                    .templates
                    .render_value(&Value::String(name.clone()), &vars)
                {
                    Ok(Value::String(s)) => s,
                    _ => name.clone(),
                }
            }
        };
        match &task.role {
            Some(role) => format!("{} : {name}", role.name),
            None => name,
        }
    }

    async fn run_meta<'p>(
        &mut self,
        state: &mut PlayState<'p>,
        task: &Task,
        scope: &Scope<'_>,
        hosts: &[String],
    ) where
        'r: 'p,
    {
        let action = task
            .args
            .get("_raw_params")
            .and_then(Value::as_str)
            .unwrap_or("noop")
            .trim()
            .to_owned();
        let keywords = scope.keywords_for(task);
        let title = self.task_title(state, task, scope);
        self.reporter.event(&Event::TaskStart {
            name: title,
            handler: false,
            span: Some(task.span.clone()),
        });
        let mut chosen = Vec::new();
        for (host, vars) in hosts.iter().zip(self.views(state, scope, hosts)) {
            let ok = keywords.when.iter().try_fold(true, |ok, c| {
                Ok::<_, String>(ok && task::condition(&self.templates, c, &vars)?)
            });
            let ok = match ok {
                Ok(ok) => ok,
                Err(err) => {
                    self.record(task, scope, host, HostRun::failed(err, false));
                    continue;
                }
            };
            if ok {
                chosen.push(host.clone());
            } else {
                // Shown, but not counted in the recap (as ansible-playbook does).
                self.reporter.event(&Event::HostResult {
                    host: host.clone(),
                    delegated_to: None,
                    item_label: None,
                    status: Status::Skipped,
                    ignored: false,
                    result: TaskResult::skipped("Conditional result was False"),
                    no_log: false,
                    verbose_always: false,
                    module: "meta".into(),
                });
            }
        }
        match action.as_str() {
            "flush_handlers" => {
                // Only the hosts whose `when` held flush; the others keep their notifications.
                if chosen.is_empty() {
                    return;
                }
                let everyone = std::mem::replace(&mut state.hosts, chosen);
                self.flush_handlers(state).await;
                state.hosts = everyone;
            }
            // `end_batch` ends the current `serial` batch (the whole play without `serial`);
            // `end_play` the later batches too.
            "end_play" | "end_batch" => {
                if !chosen.is_empty() {
                    for host in &state.hosts {
                        if let Some(s) = self.hosts.get_mut(host) {
                            s.standing.end();
                        }
                    }
                    state.ended |= action == "end_play";
                }
            }
            "reset_connection" => {
                for host in &chosen {
                    let conn = self.hosts.get_mut(host).and_then(|s| s.conn.take());
                    if let Some(conn) = conn {
                        conn.close().await;
                    }
                }
            }
            "end_host" => {
                for host in &chosen {
                    if let Some(s) = self.hosts.get_mut(host) {
                        s.standing.end();
                    }
                }
            }
            "clear_host_errors" => {
                // The hosts stay out of this play but take part in later ones, and no longer
                // count as failed for the exit code (the recap keeps their failures). Ansible
                // checks the task's `when`: it clears when some host chose it.
                if chosen.is_empty() {
                    return;
                }
                let sat_out = std::mem::take(&mut state.sat_out);
                let unreachable = state
                    .hosts
                    .iter()
                    .chain(&sat_out)
                    .filter(|h| {
                        self.hosts
                            .get(*h)
                            .is_some_and(|s| s.standing.is_unreachable())
                    })
                    .cloned()
                    .collect::<Vec<_>>();
                for host in sat_out.iter().chain(&state.hosts) {
                    if let Some(s) = self.hosts.get_mut(host) {
                        s.standing.clear_errors();
                    }
                }
                for host in unreachable {
                    if !state.revived.contains(&host) {
                        state.revived.push(host);
                    }
                }
            }
            "noop" => {}
            other => self.reporter.event(&Event::Warning(format!(
                "`meta: {other}` is not supported yet and did nothing"
            ))),
        }
    }

    /// Runs the handlers that hosts notified, in definition order, until none is pending.
    pub(crate) fn flush_handlers<'a, 'p>(
        &'a mut self,
        state: &'a mut PlayState<'p>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>
    where
        'p: 'a,
        'r: 'p,
    {
        Box::pin(async move {
            let hosts = state.hosts.clone();
            let handlers: Vec<(&'p Task, Scope<'p>)> = state
                .handlers
                .iter()
                .map(|h| (h.task, h.scope.clone()))
                .collect();
            // Which handlers (by index) each host has been notified for. A notification marks
            // every handler it names at once, as Ansible does; one no handler has goes away.
            let mut flagged: HashMap<String, std::collections::BTreeSet<usize>> = HashMap::new();
            let resolve =
                |this: &mut Self,
                 flagged: &mut HashMap<String, std::collections::BTreeSet<usize>>| {
                    for h in &hosts {
                        let Some(s) = this.hosts.get_mut(h) else {
                            continue;
                        };
                        for name in std::mem::take(&mut s.notified) {
                            for index in notified_handlers(&handlers, &name) {
                                flagged.entry(h.clone()).or_default().insert(index);
                            }
                        }
                    }
                };
            // Handlers run in the order they are defined, each on the hosts notified for it by
            // the time it is reached (so including by a handler before it); one notified only
            // after its turn runs in another pass.
            loop {
                resolve(self, &mut flagged);
                if flagged.values().all(|set| set.is_empty()) {
                    return;
                }
                for (index, (task, scope)) in handlers.iter().enumerate() {
                    resolve(self, &mut flagged);
                    let targets: Vec<String> = hosts
                        .iter()
                        .filter(|h| flagged.get_mut(*h).is_some_and(|set| set.remove(&index)))
                        .cloned()
                        .collect();
                    if targets.is_empty() {
                        continue;
                    }
                    self.run_task(state, task, scope, &targets, true).await;
                    if task.include.is_some() {
                        self.run_included(state, task, scope).await;
                    }
                }
            }
        })
    }
}

/// Which of `handlers` a notification of `name` marks, as ansible-core looks them up from the
/// last defined back: the last handler with that name (as `name` or `role : name`), and of the
/// handlers listening to it, the last defined of each name.
fn notified_handlers(handlers: &[(&Task, Scope<'_>)], name: &str) -> Vec<usize> {
    let mut marked: Vec<usize> = handlers
        .iter()
        .rposition(|(task, _)| task.handler_names().iter().any(|n| n == name))
        .into_iter()
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (index, (task, _)) in handlers.iter().enumerate().rev() {
        let listens = task.listen.iter().any(|topic| {
            topic == name
                || task
                    .role
                    .as_ref()
                    .is_some_and(|r| format!("{} : {topic}", r.name) == name)
        });
        if !listens {
            continue;
        }
        if let Some(handler_name) = task.name.as_deref() {
            if seen.contains(&handler_name) {
                continue;
            }
            seen.push(handler_name);
        }
        if !marked.contains(&index) {
            marked.push(index);
        }
    }
    marked
}

pub(crate) fn collect_handlers<'p>(
    items: &'p [TaskItem],
    scope: &Scope<'p>,
    out: &mut Vec<Handler<'p>>,
) {
    for item in items {
        match item {
            TaskItem::Task(task) => out.push(Handler {
                task,
                scope: scope.clone(),
            }),
            TaskItem::Block(block) => {
                let inner = scope.enter(block, false);
                collect_handlers(&block.block, &inner, out);
                collect_handlers(&block.rescue, &inner, out);
                collect_handlers(&block.always, &inner, out);
            }
        }
    }
}

/// Where a `vars_files` entry is, as ansible-core looks for it: `vars/NAME` in the play's
/// directory, then `NAME` there (absolute names as they are).
fn vars_file_path(dir: &std::path::Path, name: &str) -> PathBuf {
    let in_vars = dir.join("vars").join(name);
    if !std::path::Path::new(name).is_absolute() && in_vars.is_file() {
        return in_vars;
    }
    dir.join(name)
}

/// Reads a YAML file of variables (a mapping) on the controller.
pub(crate) fn load_yaml_vars(path: &std::path::Path) -> Result<Layer, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = Arc::new(path.to_path_buf());
    let opened = drover_yaml::FileText::open(bytes, &file).map_err(|e| e.to_string())?;
    let docs = drover_yaml::load_str(&opened.text, file).map_err(|e| e.to_string())?;
    let Some(doc) = docs.first() else {
        return Ok(Layer::default());
    };
    let value = doc.to_value().map_err(|e| e.to_string())?;
    opened.reveal(&value);
    match value {
        Value::Object(map) => Ok(Layer {
            map,
            trust: doc.trust(),
        }),
        Value::Null => Ok(Layer::default()),
        _ => Err(format!(
            "{}: expected a mapping of variables",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{Hosts, THREE, counts, run};

    // Recap counters are compared as [ok, changed, failed, rescued, ignored, unreachable, skipped].

    #[test]
    fn linear_runs_each_task_on_every_host_before_the_next() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: p
  hosts: all
  gather_facts: false
  tasks:
    - name: one
      command: one
    - name: two
      debug: msg=two
"#,
            Hosts::default(),
        );
        assert_eq!(
            out.trace(),
            [
                "PLAY p",
                "TASK one",
                "web1 changed",
                "web2 changed",
                "TASK two",
                "web1 ok",
                "web2 ok",
            ]
        );
        assert_eq!(out.exit_code(), 0);
        assert_eq!(counts(out.stats("web1")), [2, 1, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn a_failure_takes_the_host_out_of_the_play_and_the_run_but_not_the_others() {
        let out = run(
            THREE,
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: deploy
      command: deploy
    - name: after
      debug: msg=after
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy", "after", "later"]);
        assert_eq!(out.ran("web2"), ["deploy"]);
        assert_eq!(out.ran("web3"), ["deploy", "after", "later"]);
        assert_eq!(counts(out.stats("web2")), [0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(out.summary.failed, ["web2"]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn ignore_errors_keeps_the_host_in() {
        let out = run(
            "web1\n",
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: deploy
      command: deploy
      ignore_errors: true
    - name: after
      debug: msg=after
"#,
            Hosts::default().failing("web1", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy", "after"]);
        // The failed command still changed something, as ansible-playbook counts it.
        assert_eq!(counts(out.stats("web1")), [2, 1, 0, 0, 1, 0, 0]);
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn every_host_failing_ends_the_run() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: boom
      fail: msg=boom
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default(),
        );
        assert_eq!(out.plays(), ["first"]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn every_host_unreachable_ends_the_run() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: one
      command: one
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default().unreachable("web1").unreachable("web2"),
        );
        assert_eq!(out.plays(), ["first"]);
        assert_eq!(out.exit_code(), 4);
    }

    #[test]
    fn handlers_run_once_the_section_is_over_for_the_hosts_that_notified() {
        let out = run(
            THREE,
            r#"
- name: p
  hosts: all
  gather_facts: false
  tasks:
    - name: change
      command: change
      when: inventory_hostname != 'web3'
      notify: restart
    - name: after
      debug: msg=after
  handlers:
    - name: restart
      command: restart
"#,
            Hosts::default(),
        );
        assert_eq!(
            out.trace(),
            [
                "PLAY p",
                "TASK change",
                "web1 changed",
                "web2 changed",
                "web3 skipped",
                "TASK after",
                "web1 ok",
                "web2 ok",
                "web3 ok",
                "HANDLER restart",
                "web1 changed",
                "web2 changed",
            ]
        );
    }

    const NOTIFY_THEN_FAIL: &str = r#"
- name: p
  hosts: all
  gather_facts: false
  FORCE
  tasks:
    - name: change
      command: change
      notify: restart
    - name: deploy
      command: deploy
  handlers:
    - name: restart
      command: restart
"#;

    #[test]
    fn a_host_that_fails_after_notifying_runs_no_handlers() {
        let out = run(
            THREE,
            &NOTIFY_THEN_FAIL.replace("FORCE", ""),
            Hosts::default()
                .failing("web2", "deploy")
                .unreachable_on("web3", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["change", "deploy", "restart"]);
        assert_eq!(out.ran("web2"), ["change", "deploy"]);
        assert_eq!(out.ran("web3"), ["change", "deploy"]);
        assert_eq!(out.exit_code(), 4);
    }

    #[test]
    fn force_handlers_runs_them_for_failed_hosts_but_not_unreachable_ones() {
        let out = run(
            THREE,
            &NOTIFY_THEN_FAIL.replace("FORCE", "force_handlers: true"),
            Hosts::default()
                .failing("web2", "deploy")
                .unreachable_on("web3", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["change", "deploy", "restart"]);
        assert_eq!(out.ran("web2"), ["change", "deploy", "restart"]);
        assert_eq!(out.ran("web3"), ["change", "deploy"]);
        assert_eq!(counts(out.stats("web2")), [2, 2, 1, 0, 0, 0, 0]);
        assert_eq!(counts(out.stats("web3")), [1, 1, 0, 0, 0, 1, 0]);
        assert_eq!(out.summary.failed, ["web2"]);
        assert_eq!(out.summary.unreachable, ["web3"]);
    }

    #[test]
    fn an_unreachable_host_sits_out_the_rest_of_the_run() {
        let out = run(
            THREE,
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: one
      command: one
    - name: two
      command: two
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: three
      command: three
- name: third
  hosts: web2
  gather_facts: false
  tasks:
    - name: four
      command: four
"#,
            Hosts::default().unreachable("web2"),
        );
        assert_eq!(out.ran("web1"), ["one", "two", "three"]);
        assert_eq!(out.ran("web2"), ["one"]);
        assert_eq!(out.ran("web3"), ["one", "two", "three"]);
        // The play of only the unreachable host shows its banner and nothing more.
        assert_eq!(out.trace().last().map(String::as_str), Some("PLAY third"));
        assert_eq!(counts(out.stats("web2")), [0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(out.summary.unreachable, ["web2"]);
        assert!(out.summary.failed.is_empty());
        assert_eq!(out.exit_code(), 4);
    }

    #[test]
    fn ignore_unreachable_keeps_the_host_in() {
        let out = run(
            "web1\nweb2\n",
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: one
      command: one
      ignore_unreachable: true
    - name: two
      command: two
"#,
            Hosts::default().unreachable("web2"),
        );
        assert_eq!(out.ran("web2"), ["one", "two"]);
        assert_eq!(counts(out.stats("web2")), [1, 0, 0, 0, 1, 1, 0]);
        assert_eq!(out.exit_code(), 4);
    }

    #[test]
    fn end_host_ends_the_play_for_that_host_only() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: stop
      meta: end_host
      when: inventory_hostname == 'web2'
    - name: after
      debug: msg=after
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default(),
        );
        assert_eq!(out.ran("web1"), ["after", "later"]);
        assert_eq!(out.ran("web2"), ["later"]);
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn end_play_ends_it_for_every_host() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: stop
      meta: end_play
      when: inventory_hostname == 'web2'
    - name: after
      debug: msg=after
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default(),
        );
        assert_eq!(out.ran("web1"), ["later"]);
        assert_eq!(out.ran("web2"), ["later"]);
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn clear_host_errors_lets_the_host_into_later_plays_only() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: deploy
      command: deploy
    - name: clear
      meta: clear_host_errors
    - name: after
      debug: msg=after
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy", "after", "later"]);
        assert_eq!(out.ran("web2"), ["deploy", "later"]);
        // The recap keeps the failure; the exit code forgets it.
        assert_eq!(counts(out.stats("web2")), [1, 0, 1, 0, 0, 0, 0]);
        assert!(out.summary.failed.is_empty());
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn clear_host_errors_checks_its_when() {
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: deploy
      command: deploy
    - name: clear
      meta: clear_host_errors
      when: false
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy", "later"]);
        assert_eq!(out.ran("web2"), ["deploy"]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn without_clear_host_errors_the_failed_host_misses_later_plays() {
        // The counterpart of the test above, so that it proves the meta task did something.
        let out = run(
            "web1\nweb2\n",
            r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: deploy
      command: deploy
- name: second
  hosts: web2
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web2"), ["deploy"]);
        // The play of only the failed host shows its banner and nothing more (ansible-core).
        assert_eq!(out.trace().last().map(String::as_str), Some("PLAY second"));
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn any_errors_fatal_stops_every_host_and_the_run() {
        let out = run(
            THREE,
            r#"
- name: first
  hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: deploy
      command: deploy
    - name: after
      debug: msg=after
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy"]);
        assert_eq!(out.ran("web2"), ["deploy"]);
        assert_eq!(out.ran("web3"), ["deploy"]);
        assert_eq!(out.plays(), ["first"]);
        assert_eq!(out.summary.failed, ["web2"]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn any_errors_fatal_on_a_task() {
        let out = run(
            THREE,
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: tolerated
      command: tolerated
    - name: deploy
      command: deploy
      any_errors_fatal: true
    - name: after
      debug: msg=after
"#,
            Hosts::default()
                .failing("web1", "tolerated")
                .failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["tolerated"]);
        assert_eq!(out.ran("web2"), ["tolerated", "deploy"]);
        assert_eq!(out.ran("web3"), ["tolerated", "deploy"]);
    }

    const MAX_FAIL: &str = r#"
- name: first
  hosts: all
  gather_facts: false
  max_fail_percentage: 50
  tasks:
    - name: one
      command: one
    - name: two
      command: two
    - name: three
      debug: msg=three
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#;

    #[test]
    fn max_fail_percentage_not_exceeded_lets_the_others_go_on() {
        let out = run(THREE, MAX_FAIL, Hosts::default().failing("web2", "one"));
        assert_eq!(out.ran("web1"), ["one", "two", "three", "later"]);
        assert_eq!(out.ran("web2"), ["one"]);
        assert_eq!(out.ran("web3"), ["one", "two", "three", "later"]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn max_fail_percentage_exceeded_stops_the_play_and_the_run() {
        let out = run(
            THREE,
            MAX_FAIL,
            Hosts::default()
                .failing("web2", "one")
                .failing("web3", "two"),
        );
        // Two hosts of three failed: more than 50%.
        assert_eq!(out.ran("web1"), ["one", "two"]);
        assert_eq!(out.ran("web2"), ["one"]);
        assert_eq!(out.ran("web3"), ["one", "two"]);
        assert_eq!(out.plays(), ["first"]);
        assert_eq!(out.summary.failed, ["web2", "web3"]);
        assert_eq!(out.exit_code(), 2);
    }
}
