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
    pub(crate) async fn run_free<'p>(&mut self, state: &PlayState<'p>, root: &Scope<'p>)
    where
        'r: 'p,
    {
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
                loaded: self.loaded,
                include_cache: self.include_cache.clone(),
                include_hits: Vec::new(),
                play_dir: self.play_dir.clone(),
                inventory: self.inventory.clone(),
                group_links: self.group_links.clone(),
                start_at: self.start_at.clone(),
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

#[cfg(test)]
mod tests {
    use crate::testkit::{Hosts, counts, run};

    const PLAYBOOK: &str = r#"
- name: p
  hosts: all
  gather_facts: false
  strategy: STRATEGY
  tasks:
    - name: one
      command: one
    - name: two
      command: two
      notify: restart
  handlers:
    - name: restart
      debug: msg=restart
"#;

    #[test]
    fn linear_reports_task_by_task() {
        let out = run(
            "web1\nweb2\n",
            &PLAYBOOK.replace("STRATEGY", "linear"),
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
                "web1 changed",
                "web2 changed",
                "HANDLER restart",
                "web1 ok",
                "web2 ok",
            ]
        );
    }

    #[test]
    fn free_reports_host_by_host() {
        let out = run(
            "web1\nweb2\n",
            &PLAYBOOK.replace("STRATEGY", "free"),
            Hosts::default(),
        );
        assert_eq!(
            out.trace(),
            [
                "PLAY p",
                "TASK one",
                "web1 changed",
                "TASK two",
                "web1 changed",
                "HANDLER restart",
                "web1 ok",
                "TASK one",
                "web2 changed",
                "TASK two",
                "web2 changed",
                "HANDLER restart",
                "web2 ok",
            ]
        );
        assert_eq!(counts(out.stats("web2")), [3, 2, 0, 0, 0, 0, 0]);
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn under_free_a_failed_or_unreachable_host_holds_no_one_back() {
        let out = run(
            "web1\nweb2\nweb3\n",
            &PLAYBOOK.replace("STRATEGY", "free"),
            Hosts::default()
                .failing("web1", "one")
                .unreachable_on("web2", "two"),
        );
        assert_eq!(out.ran("web1"), ["one"]);
        assert_eq!(out.ran("web2"), ["one", "two"]);
        assert_eq!(out.ran("web3"), ["one", "two", "restart"]);
        assert_eq!(out.summary.failed, ["web1"]);
        assert_eq!(out.summary.unreachable, ["web2"]);
        assert_eq!(out.exit_code(), 4);
    }

    #[test]
    fn under_free_states_come_back_for_the_next_play() {
        let out = run(
            "web1\nweb2\n",
            r#"
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - name: deploy
      command: deploy
    - name: stop
      meta: end_host
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
}
