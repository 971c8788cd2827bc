//! For the engine's tests: a playbook run against hosts that live in memory. Hosts answer every
//! command with exit code 0 unless told otherwise ([`Hosts::failing`]); some cannot be reached
//! at all, or stop answering on a given command ([`Hosts::unreachable`],
//! [`Hosts::unreachable_on`]). Every event is kept and read back as which tasks ran where.

use crate::{RunConfig, Runtime, Summary, TagFilter};
use async_trait::async_trait;
use drover_types::{
    Connection, ConnectionError, Connector, Event, Exec, ExecOutput, HostStats, Map, Reporter,
    Status,
};
use std::path::Path;
use std::sync::Arc;

/// How the in-memory hosts answer.
#[derive(Default, Clone)]
pub(crate) struct Hosts {
    /// (host, word): a command containing the word exits 1 on the host.
    failing: Vec<(String, String)>,
    /// Hosts that cannot be connected to.
    unreachable: Vec<String>,
    /// (host, word): a command containing the word finds the host gone.
    unreachable_on: Vec<(String, String)>,
}

impl Hosts {
    /// Commands containing `word` exit 1 on `host`.
    pub(crate) fn failing(mut self, host: &str, word: &str) -> Self {
        self.failing.push((host.into(), word.into()));
        self
    }

    /// `host` cannot be connected to.
    pub(crate) fn unreachable(mut self, host: &str) -> Self {
        self.unreachable.push(host.into());
        self
    }

    /// `host` is reachable until it is sent a command containing `word`.
    pub(crate) fn unreachable_on(mut self, host: &str, word: &str) -> Self {
        self.unreachable_on.push((host.into(), word.into()));
        self
    }
}

#[async_trait]
impl Connector for Hosts {
    async fn connect(
        &self,
        host: &str,
        _vars: &Map,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        if self.unreachable.iter().any(|h| h == host) {
            return Err(ConnectionError::Unreachable(format!("{host}: no route")));
        }
        let words = |list: &[(String, String)]| -> Vec<String> {
            list.iter()
                .filter(|(h, _)| h == host)
                .map(|(_, w)| w.clone())
                .collect()
        };
        Ok(Arc::new(FakeConnection {
            host: host.into(),
            failing: words(&self.failing),
            unreachable_on: words(&self.unreachable_on),
        }))
    }
}

struct FakeConnection {
    host: String,
    failing: Vec<String>,
    unreachable_on: Vec<String>,
}

#[async_trait]
impl Connection for FakeConnection {
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError> {
        let mentions = |words: &[String]| {
            exec.script
                .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '-')
                .any(|w| words.iter().any(|x| x == w))
        };
        if mentions(&self.unreachable_on) {
            return Err(ConnectionError::Unreachable(format!(
                "{}: connection lost",
                self.host
            )));
        }
        // The `command` module's script reports that it ran the command on its first line.
        let stdout = if exec.script.contains("echo drover:run") {
            b"drover:run\n".to_vec()
        } else {
            Vec::new()
        };
        Ok(ExecOutput {
            rc: i32::from(mentions(&self.failing)),
            stdout,
            stderr: Vec::new(),
        })
    }
}

/// Keeps every event.
#[derive(Default)]
struct Events(Vec<Event>);

impl Reporter for Events {
    fn event(&mut self, event: &Event) {
        self.0.push(event.clone());
    }
}

/// What a run did.
pub(crate) struct Outcome {
    pub(crate) events: Vec<Event>,
    pub(crate) summary: Summary,
}

impl Outcome {
    /// The tasks (and handlers) that ran on `host`, in order: every result that was not a skip.
    pub(crate) fn ran(&self, host: &str) -> Vec<String> {
        let mut task = String::new();
        let mut out = Vec::new();
        for event in &self.events {
            match event {
                Event::TaskStart { name, .. } => task.clone_from(name),
                Event::HostResult {
                    host: h, status, ..
                } if h == host && *status != Status::Skipped => out.push(task.clone()),
                _ => {}
            }
        }
        out
    }

    /// The run as lines: `PLAY name`, `TASK name` (`HANDLER name`), `host status`.
    pub(crate) fn trace(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|event| match event {
                Event::PlayStart { name, .. } => Some(format!("PLAY {name}")),
                Event::NoHostsMatched => Some("no hosts".into()),
                Event::TaskStart {
                    name,
                    handler: false,
                    ..
                } => Some(format!("TASK {name}")),
                Event::TaskStart {
                    name,
                    handler: true,
                    ..
                } => Some(format!("HANDLER {name}")),
                Event::HostResult {
                    host,
                    status,
                    ignored,
                    ..
                } => Some(format!(
                    "{host} {}",
                    match (status, ignored) {
                        (Status::Ok, _) => "ok",
                        (Status::Changed, _) => "changed",
                        (Status::Failed, false) => "failed",
                        (Status::Failed, true) => "failed (ignored)",
                        (Status::Skipped, _) => "skipped",
                        (Status::Unreachable, false) => "unreachable",
                        (Status::Unreachable, true) => "unreachable (ignored)",
                    }
                )),
                _ => None,
            })
            .collect()
    }

    /// The plays that started, by name.
    pub(crate) fn plays(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|event| match event {
                Event::PlayStart { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// `host`'s recap counters (all zero when the recap does not list it).
    pub(crate) fn stats(&self, host: &str) -> HostStats {
        self.summary
            .stats
            .iter()
            .find(|(h, _)| h == host)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }

    /// The exit code ansible-playbook would give.
    pub(crate) fn exit_code(&self) -> i32 {
        self.summary.exit_code()
    }
}

/// Counters as (ok, changed, failed, rescued, ignored, unreachable, skipped), to compare in one
/// assertion.
pub(crate) fn counts(stats: HostStats) -> [u32; 7] {
    [
        stats.ok,
        stats.changed,
        stats.failed,
        stats.rescued,
        stats.ignored,
        stats.unreachable,
        stats.skipped,
    ]
}

/// Runs `playbook` (YAML text) on an INI `inventory` whose hosts answer as `hosts` says.
pub(crate) fn run(inventory: &str, playbook: &str, hosts: Hosts) -> Outcome {
    let modules: std::collections::HashMap<_, _> = drover_modules::all()
        .into_iter()
        .map(|m| (m.name(), m))
        .collect();
    let spec = |name: &str| modules.get(name).map(|m| m.spec());
    let playbook = drover_playbook::load_str(playbook, Path::new("/drover-test/site.yml"), &spec)
        .unwrap_or_else(|err| panic!("the test playbook does not load: {err}"));
    let inventory = drover_inventory::parse_str(inventory, Path::new("/drover-test/hosts"), true)
        .unwrap_or_else(|err| panic!("the test inventory does not load: {err}"));
    let config = RunConfig {
        playbooks: vec![playbook],
        inventory,
        extra_vars: drover_types::Layer::default(),
        limit: None,
        tags: TagFilter::default(),
        check: false,
        diff: false,
        forks: 5,
        start_at_task: None,
        verbosity: 0,
        become_defaults: Default::default(),
        connection: None,
        controller_env: Vec::new(),
        load_options: Default::default(),
        gathering: String::new(),
        config_file: None,
    };
    let mut events = Events::default();
    let runtime = Runtime {
        modules: modules.clone(),
        connector: &hosts,
        reporter: &mut events,
    };
    let summary = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(crate::run(config, runtime))
        .unwrap_or_else(|err| panic!("the run failed: {err}"));
    Outcome {
        events: events.0,
        summary,
    }
}

/// Three hosts, `web1`..`web3`, in that order.
pub(crate) const THREE: &str = "web1\nweb2\nweb3\n";
