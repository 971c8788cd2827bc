//! Walking task lists: what tasks inherit from the play and blocks around them ([`Scope`]), and
//! `block`/`rescue`/`always`, which send each host down its own path while the play stays in
//! step (linear strategy).

use crate::play::{PlayState, Runner};
use crate::task::Keywords;
use drover_playbook::{Block, Common, Play, Task, TaskItem};
use drover_types::{Layer, Value};
use std::sync::Arc;

/// What a task inherits from the play and the blocks around it.
#[derive(Clone, Debug)]
pub(crate) struct Scope<'p> {
    keywords: Keywords,
    /// Role defaults of the roles around the task, below the inventory.
    pub(crate) low: Vec<Arc<Layer>>,
    /// Role vars, block and task `vars`, outer to inner.
    pub(crate) vars: Vec<Arc<Layer>>,
    /// Role and include parameters and the role's magic (`role_name`...), above facts.
    pub(crate) high: Vec<Arc<Layer>>,
    tags: Vec<String>,
    /// Inside the `block` part of a block that has a `rescue`: a failure counts as rescued.
    pub(crate) rescuable: bool,
    _play: std::marker::PhantomData<&'p Play>,
}

fn inherit(target: &mut Option<Value>, value: &Option<Value>) {
    if value.is_some() {
        target.clone_from(value);
    }
}

fn apply(keywords: &mut Keywords, common: &Common) {
    keywords.when.extend(common.when.iter().cloned());
    keywords
        .when_spans
        .extend(common.when_spans.iter().cloned());
    inherit(&mut keywords.ignore_errors, &common.ignore_errors);
    inherit(&mut keywords.ignore_unreachable, &common.ignore_unreachable);
    inherit(&mut keywords.check_mode, &common.check_mode);
    inherit(&mut keywords.diff, &common.diff);
    inherit(&mut keywords.no_log, &common.no_log);
    inherit(&mut keywords.become_, &common.become_.become_);
    inherit(&mut keywords.become_user, &common.become_.become_user);
    inherit(&mut keywords.become_method, &common.become_.become_method);
    inherit(&mut keywords.timeout, &common.timeout);
    inherit(&mut keywords.run_once, &common.run_once);
    inherit(&mut keywords.any_errors_fatal, &common.any_errors_fatal);
    inherit(&mut keywords.throttle, &common.throttle);
    inherit(&mut keywords.remote_user, &common.remote_user);
    inherit(&mut keywords.connection, &common.connection);
    inherit(&mut keywords.delegate_to, &common.delegate_to);
    keywords
        .module_defaults
        .extend(common.module_defaults.iter().cloned());
    // `environment` layers merge (inner names win) rather than replace.
    if let Some(inner) = &common.environment {
        keywords.environment = Some(match keywords.environment.take() {
            None => inner.clone(),
            Some(Value::Array(mut outer)) => {
                outer.push(inner.clone());
                Value::Array(outer)
            }
            Some(outer) => Value::Array(vec![outer, inner.clone()]),
        });
    }
}

impl<'p> Scope<'p> {
    /// What the play itself gives its tasks.
    pub(crate) fn root(play: &'p Play) -> Self {
        let mut keywords = Keywords::default();
        apply(&mut keywords, &play.common);
        inherit(&mut keywords.become_, &play.become_.become_);
        inherit(&mut keywords.become_user, &play.become_.become_user);
        inherit(&mut keywords.become_method, &play.become_.become_method);
        // Play `vars` are not a scope layer: they rank below `vars_files` (see `vars::task_vars`).
        Scope {
            keywords,
            low: Vec::new(),
            vars: Vec::new(),
            high: Vec::new(),
            tags: play.common.tags.clone(),
            rescuable: false,
            _play: std::marker::PhantomData,
        }
    }

    /// The scope inside a block with these keywords.
    pub(crate) fn child(&self, common: &'p Common, rescuable: bool) -> Self {
        let mut scope = self.clone();
        apply(&mut scope.keywords, common);
        scope.vars.push(common.vars.clone());
        scope.tags.extend(common.tags.iter().cloned());
        scope.rescuable = rescuable || self.rescuable;
        scope
    }

    /// The scope inside `block`: its keywords, and the variables of its role and its import.
    pub(crate) fn enter(&self, block: &'p Block, rescuable: bool) -> Self {
        let mut scope = self.child(&block.common, rescuable);
        // Empty layers are left out: every variable lookup walks the layers.
        let filled = |layer: &Arc<Layer>| !layer.map.is_empty();
        if let Some(role) = &block.role {
            if filled(&role.defaults) {
                scope.low.push(role.defaults.clone());
            }
            if filled(&role.vars) {
                // Role vars rank below block vars: the role's own go before the block's.
                let at = scope.vars.len() - 1;
                scope.vars.insert(at, role.vars.clone());
            }
            if filled(&role.params) {
                scope.high.push(role.params.clone());
            }
            scope.high.push(role.magic.clone());
        }
        if let Some(params) = block.params.as_ref().filter(|p| filled(p)) {
            scope.high.push(params.clone());
        }
        scope
    }

    /// The scope of tasks an include brings in: the include's own keywords are not inherited
    /// (only its `apply`), its variables are include parameters.
    pub(crate) fn included(&self, apply: Option<&'p Common>, params: Vec<Arc<Layer>>) -> Self {
        let mut scope = match apply {
            Some(common) => self.child(common, false),
            None => self.clone(),
        };
        scope.high.extend(params);
        scope
    }

    /// The keywords a task runs with: inherited, then its own.
    pub(crate) fn keywords_for(&self, task: &Task) -> Keywords {
        let mut keywords = self.keywords.clone();
        apply(&mut keywords, &task.common);
        keywords
    }

    fn tags_for(&self, task: &Task) -> Vec<String> {
        let mut tags = self.tags.clone();
        tags.extend(task.common.tags.iter().cloned());
        tags
    }

    fn with_task_vars(&self, task: &'p Task) -> Self {
        let mut scope = self.clone();
        scope.vars.push(task.common.vars.clone());
        scope
    }
}

impl<'r> Runner<'r> {
    /// Runs a list of tasks and blocks on the play's hosts.
    pub(crate) async fn run_items<'p>(
        &mut self,
        state: &mut PlayState<'p>,
        items: &'p [TaskItem],
        scope: &Scope<'p>,
    ) where
        'r: 'p,
    {
        let hosts = state.hosts.clone();
        self.run_items_on(state, items, scope, &hosts).await;
    }

    pub(crate) fn run_items_on<'a, 'p>(
        &'a mut self,
        state: &'a mut PlayState<'p>,
        items: &'p [TaskItem],
        scope: &'a Scope<'p>,
        hosts: &'a [String],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>
    where
        'p: 'a,
        'r: 'p,
    {
        Box::pin(async move {
            for item in items {
                match item {
                    TaskItem::Task(task) => {
                        if !self.config.tags.selects(&scope.tags_for(task)) {
                            continue;
                        }
                        if let Some(start) = &self.start_at {
                            if !task
                                .name
                                .as_deref()
                                .is_some_and(|name| drover_python::fnmatch::matches(start, name))
                            {
                                continue;
                            }
                            self.start_at = None;
                        }
                        let task_scope = scope.with_task_vars(task);
                        self.run_task(state, task, &task_scope, hosts, false).await;
                        if task.include.is_some() {
                            self.run_included(state, task, scope).await;
                        }
                    }
                    TaskItem::Block(block) => self.run_block(state, block, scope, hosts).await,
                }
            }
        })
    }

    async fn run_block<'p>(
        &mut self,
        state: &mut PlayState<'p>,
        block: &'p Block,
        scope: &Scope<'p>,
        hosts: &[String],
    ) where
        'r: 'p,
    {
        let entered: Vec<String> = hosts
            .iter()
            .filter(|h| self.hosts[*h].standing.active())
            .cloned()
            .collect();
        if entered.is_empty() {
            return;
        }
        let body = scope.enter(block, !block.rescue.is_empty());
        self.run_items_on(state, &block.block, &body, &entered)
            .await;

        let failed: Vec<String> = entered
            .iter()
            .filter(|h| self.hosts[*h].standing.failed_in_play())
            .cloned()
            .collect();
        let plain = scope.enter(block, false);
        if !block.rescue.is_empty() && !failed.is_empty() {
            for host in &failed {
                if let Some(s) = self.hosts.get_mut(host) {
                    s.standing.rescue();
                }
            }
            self.run_items_on(state, &block.rescue, &plain, &failed)
                .await;
        }
        if !block.always.is_empty() {
            // `always` runs for hosts that failed in the block too; they stay failed afterwards.
            let mut still_failed = Vec::new();
            for host in &entered {
                if let Some(s) = self.hosts.get_mut(host)
                    && s.standing.enter_always()
                {
                    still_failed.push(host.clone());
                }
            }
            let always_hosts: Vec<String> = entered
                .iter()
                .filter(|h| !self.hosts[*h].standing.is_unreachable())
                .cloned()
                .collect();
            self.run_items_on(state, &block.always, &plain, &always_hosts)
                .await;
            for host in &still_failed {
                if let Some(s) = self.hosts.get_mut(host) {
                    s.standing.leave_always();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{Hosts, counts, run};

    // Recap counters are compared as [ok, changed, failed, rescued, ignored, unreachable, skipped].

    const RESCUED: &str = r#"
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: deploy
          command: deploy
        - name: after
          debug: msg=after
      rescue:
        - name: recover
          command: recover
      always:
        - name: cleanup
          debug: msg=cleanup
    - name: next
      debug: msg=next
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: later
      debug: msg=later
"#;

    #[test]
    fn rescue_takes_the_failed_host_back_into_the_play() {
        let out = run(
            "web1\nweb2\n",
            RESCUED,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(
            out.ran("web1"),
            ["deploy", "after", "cleanup", "next", "later"]
        );
        assert_eq!(
            out.ran("web2"),
            ["deploy", "recover", "cleanup", "next", "later"]
        );
        assert_eq!(counts(out.stats("web2")), [4, 1, 0, 1, 0, 0, 0]);
        assert!(out.summary.failed.is_empty());
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn a_failing_rescue_fails_the_host() {
        let out = run(
            "web1\nweb2\n",
            RESCUED,
            Hosts::default()
                .failing("web2", "deploy")
                .failing("web2", "recover"),
        );
        assert_eq!(
            out.ran("web1"),
            ["deploy", "after", "cleanup", "next", "later"]
        );
        // `always` still runs; nothing after the block does.
        assert_eq!(out.ran("web2"), ["deploy", "recover", "cleanup"]);
        assert_eq!(counts(out.stats("web2")), [1, 0, 1, 1, 0, 0, 0]);
        assert_eq!(out.summary.failed, ["web2"]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn always_runs_for_a_failed_host_which_stays_failed() {
        let out = run(
            "web1\nweb2\n",
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: deploy
          command: deploy
        - name: after
          debug: msg=after
      always:
        - name: cleanup
          debug: msg=cleanup
    - name: next
      debug: msg=next
"#,
            Hosts::default().failing("web2", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy", "after", "cleanup", "next"]);
        assert_eq!(out.ran("web2"), ["deploy", "cleanup"]);
        assert_eq!(counts(out.stats("web2")), [1, 0, 1, 0, 0, 0, 0]);
        assert_eq!(out.exit_code(), 2);
    }

    #[test]
    fn an_outer_rescue_catches_a_failure_in_an_inner_block() {
        let out = run(
            "web1\n",
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - block:
            - name: deploy
              command: deploy
            - name: inner after
              debug: msg=after
          always:
            - name: inner cleanup
              debug: msg=cleanup
        - name: outer after
          debug: msg=after
      rescue:
        - name: recover
          debug: msg=recover
    - name: next
      debug: msg=next
"#,
            Hosts::default().failing("web1", "deploy"),
        );
        assert_eq!(
            out.ran("web1"),
            ["deploy", "inner cleanup", "recover", "next"]
        );
        assert_eq!(counts(out.stats("web1")), [3, 0, 0, 1, 0, 0, 0]);
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn an_unreachable_host_gets_neither_rescue_nor_always() {
        let out = run(
            "web1\nweb2\n",
            RESCUED,
            Hosts::default().unreachable_on("web2", "deploy"),
        );
        assert_eq!(
            out.ran("web1"),
            ["deploy", "after", "cleanup", "next", "later"]
        );
        assert_eq!(out.ran("web2"), ["deploy"]);
        assert_eq!(counts(out.stats("web2")), [0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(out.exit_code(), 4);
    }

    #[test]
    fn an_ended_host_gets_neither_rescue_nor_always() {
        let out = run(
            "web1\nweb2\n",
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: stop
          meta: end_host
          when: inventory_hostname == 'web2'
        - name: deploy
          command: deploy
      rescue:
        - name: recover
          debug: msg=recover
      always:
        - name: cleanup
          debug: msg=cleanup
"#,
            Hosts::default().failing("web1", "deploy"),
        );
        assert_eq!(out.ran("web1"), ["deploy", "recover", "cleanup"]);
        assert!(out.ran("web2").is_empty());
    }
}
