//! The `free` strategy: every host runs the play's tasks as fast as it can, without waiting for
//! the others at each task. Each host gets a runner of its own (its state moved in, events kept
//! in a buffer) and all of them run at once; afterwards the states come back and the events are
//! reported host after host, so output still never depends on timing.

use crate::block::Scope;
use crate::play::{PlayState, Runner};
use drover_types::{Event, Reporter};
use futures_util::future::join_all;
use std::collections::HashMap;
use std::sync::Arc;

/// Keeps a host's events until every host has finished.
#[derive(Default)]
struct Buffer(Vec<Event>);

impl Reporter for Buffer {
    fn event(&mut self, event: &Event) {
        self.0.push(event.clone());
    }
}

impl<'r> Runner<'r> {
    /// Runs `pre_tasks`, `tasks`, `post_tasks` and their handlers on every host of the batch,
    /// each host on its own.
    pub(crate) async fn run_free<'p>(&mut self, state: &PlayState<'p>, root: &Scope<'p>) {
        let play = state.play;
        let mut buffers: Vec<Buffer> = state.hosts.iter().map(|_| Buffer::default()).collect();
        // The other hosts' variables and facts as they are now: each runner sees its own host
        // change, the others as a snapshot, so the output never depends on timing.
        let peers = Some(self.table.clone());
        let mut runs = Vec::new();
        for (host, buffer) in state.hosts.iter().zip(buffers.iter_mut()) {
            let Some(host_state) = self.hosts.remove(host) else {
                continue;
            };
            let Some(layers) = self.table.get(host).cloned() else {
                continue;
            };
            let mut own = Runner {
                config: self.config,
                modules: self.modules.clone(),
                connector: self.connector,
                reporter: buffer,
                templates: self.templates.clone(),
                order: vec![host.clone()],
                hosts: HashMap::from([(host.clone(), host_state)]),
                table: Arc::new(HashMap::from([(host.clone(), layers)])),
                peers: peers.clone(),
                run_layers: self.run_layers.clone(),
                names: self.names.clone(),
                search_paths: self.search_paths.clone(),
                start_at: self.start_at.clone(),
                said_facts: true,
                playbook: self.playbook,
                abort: false,
                forks: self.forks.clone(),
            };
            let mut own_state = state.clone();
            own_state.hosts = vec![host.clone()];
            runs.push(async move {
                for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
                    own.run_items(&mut own_state, section, root).await;
                    own.flush_handlers(&mut own_state).await;
                }
                (own.hosts, own.table, own.abort, own.start_at)
            });
        }
        let finished = join_all(runs).await;
        drop(peers);
        for (hosts, table, abort, start_at) in finished {
            self.hosts.extend(hosts);
            let own = Arc::make_mut(&mut self.table);
            for (name, layers) in table.iter() {
                own.insert(name.clone(), layers.clone());
            }
            self.abort |= abort;
            if start_at.is_none() {
                self.start_at = None;
            }
        }
        for buffer in buffers {
            for event in &buffer.0 {
                self.reporter.event(event);
            }
        }
    }
}
