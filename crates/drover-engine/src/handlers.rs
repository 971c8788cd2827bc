//! Checks made before any host is contacted that need the whole play: every `notify` names a
//! handler or a `listen` topic that exists.

use drover_playbook::{Play, TaskItem};
use std::collections::BTreeSet;

fn walk<'p>(items: &'p [TaskItem], f: &mut dyn FnMut(&'p drover_playbook::Task)) {
    for item in items {
        match item {
            TaskItem::Task(task) => f(task),
            TaskItem::Block(block) => {
                walk(&block.block, f);
                walk(&block.rescue, f);
                walk(&block.always, f);
            }
        }
    }
}

/// Every `notify` in `play` that matches no handler, with where it was written.
pub fn unknown_notifications(play: &Play) -> Vec<(String, drover_types::Span)> {
    let mut known = BTreeSet::new();
    walk(&play.handlers, &mut |task| {
        known.extend(task.name.iter().cloned());
        known.extend(task.listen.iter().cloned());
    });
    let mut missing = Vec::new();
    for section in [
        &play.pre_tasks,
        &play.tasks,
        &play.post_tasks,
        &play.handlers,
    ] {
        walk(section, &mut |task| {
            for name in &task.notify {
                if !known.contains(name) && !name.contains("{{") {
                    missing.push((name.clone(), task.span.clone()));
                }
            }
        });
    }
    missing
}
