//! The implicit `Gathering Facts` task: when a play gathers facts (`gather_facts`, true unless
//! the play says otherwise), each batch of hosts runs the `setup` module before its
//! `pre_tasks`, with the play's `gather_subset`, `gather_timeout` and `fact_path` as arguments
//! and the play's keywords (`become`, `remote_user`, `environment`...), as ansible-core does.
//! It is a task like any other: `ok` in the recap, and a host that fails it leaves the play.

use crate::block::Scope;
use crate::play::{PlayState, Runner};
use drover_playbook::{Common, Play, Task};
use drover_types::{Map, Trust};

/// What ansible-playbook calls the task.
pub(crate) const TITLE: &str = "Gathering Facts";

impl<'r> Runner<'r> {
    /// Gathers facts on the batch's hosts.
    pub(crate) async fn gather_facts<'p>(&mut self, state: &mut PlayState<'p>, root: &Scope<'_>)
    where
        'r: 'p,
    {
        let task = gather_task(state.play);
        let hosts = state.hosts.clone();
        self.run_task(state, &task, root, &hosts, false).await;
    }
}

/// The `setup` task standing for the play's fact gathering.
fn gather_task(play: &Play) -> Task {
    let mut args = Map::new();
    let given = &play.gather_args;
    for (name, value) in [
        ("gather_subset", &given.gather_subset),
        ("gather_timeout", &given.gather_timeout),
        ("fact_path", &given.fact_path),
    ] {
        if let Some(v) = value {
            args.insert(name.into(), v.clone());
        }
    }
    Task {
        name: Some(TITLE.into()),
        module: "setup".into(),
        args,
        args_trust: Trust::Template,
        register: None,
        changed_when: Vec::new(),
        changed_when_spans: Vec::new(),
        failed_when: Vec::new(),
        failed_when_spans: Vec::new(),
        loop_: None,
        until: Vec::new(),
        until_spans: Vec::new(),
        retries: None,
        delay: None,
        notify: Vec::new(),
        listen: Vec::new(),
        common: Common::default(),
        span: play.span.clone(),
        module_span: play.span.clone(),
        arg_spans: Vec::new(),
        action: "ansible.builtin.gather_facts".into(),
        role: None,
        include: None,
    }
}
