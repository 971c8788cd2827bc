//! A check that needs the whole play: every `notify` names a handler or a `listen` topic that
//! exists. (ansible-core finds this out only when the task notifies; drover says so before any host
//! is contacted.)

use crate::keywords::nearest;
use crate::{Play, Task, TaskItem};
use drover_types::Span;
use std::collections::BTreeSet;

/// A `notify` that matches no handler.
#[derive(Debug, Clone)]
pub struct UnknownHandler {
    /// The name notified.
    pub name: String,
    /// The task that notifies it.
    pub span: Span,
    /// The nearest handler name or topic, when one is close.
    pub suggestion: Option<String>,
}

fn walk<'p>(items: &'p [TaskItem], f: &mut dyn FnMut(&'p Task)) {
    for item in items {
        match item {
            TaskItem::Task(task) => {
                f(task);
                if let Some(items) = task.include.as_ref().and_then(|i| i.preloaded.as_ref()) {
                    walk(items, f);
                }
            }
            TaskItem::Block(block) => {
                walk(&block.block, f);
                walk(&block.rescue, f);
                walk(&block.always, f);
            }
        }
    }
}

/// Every `notify` in `play` that matches no handler. Templated names are left for run time.
pub fn unknown_handlers(play: &Play) -> Vec<UnknownHandler> {
    let mut known = BTreeSet::new();
    walk(&play.handlers, &mut |task| {
        known.extend(task.handler_names());
        known.extend(task.listen.iter().cloned());
        if let Some(role) = &task.role {
            known.extend(task.listen.iter().map(|t| format!("{} : {t}", role.name)));
        }
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
                    let suggestion =
                        nearest(name, known.iter().map(String::as_str)).map(str::to_owned);
                    missing.push(UnknownHandler {
                        name: name.clone(),
                        span: task.span.clone(),
                        suggestion,
                    });
                }
            }
        });
    }
    missing
}
