//! The implicit `Gathering Facts` task: when a play gathers facts (`gather_facts`, true unless
//! the play says otherwise), each batch of hosts runs the `setup` module before its
//! `pre_tasks`, with the play's `gather_subset`, `gather_timeout` and `fact_path` as arguments
//! and the play's keywords (`become`, `remote_user`, `environment`...), as ansible-core does.
//! It is a task like any other: `ok` in the recap, and a host that fails it leaves the play.

use crate::block::Scope;
use crate::play::{PlayState, Runner};
use drover_playbook::{Play, Task};
use drover_types::Map;

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
    let mut task = Task::bare(
        "setup",
        "ansible.builtin.gather_facts",
        play.span.clone(),
        play.span.clone(),
    );
    task.name = Some(TITLE.into());
    task.args = args;
    task
}
