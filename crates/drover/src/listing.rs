//! `--syntax-check`, `--list-hosts`, `--list-tasks` and `--list-tags`, printed as
//! ansible-playbook prints them.

use crate::cli::RunArgs;
use crate::load::Loaded;
use drover_playbook::{Play, TaskItem};
use std::collections::BTreeSet;

fn fmt_tags(tags: &BTreeSet<String>) -> String {
    let list: Vec<&str> = tags.iter().map(String::as_str).collect();
    format!("[{}]", list.join(", "))
}

fn walk(
    items: &[TaskItem],
    inherited: &BTreeSet<String>,
    out: &mut Vec<(String, BTreeSet<String>)>,
) {
    for item in items {
        match item {
            TaskItem::Task(task) => {
                let mut tags = inherited.clone();
                tags.extend(task.common.tags.iter().cloned());
                out.push((task.display_name(), tags));
            }
            TaskItem::Block(block) => {
                let mut tags = inherited.clone();
                tags.extend(block.common.tags.iter().cloned());
                walk(&block.block, &tags, out);
                walk(&block.rescue, &tags, out);
                walk(&block.always, &tags, out);
            }
        }
    }
}

fn tasks_of(play: &Play) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let play_tags: BTreeSet<String> = play.common.tags.iter().cloned().collect();
    for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
        walk(section, &play_tags, &mut out);
    }
    out
}

pub(crate) fn print(args: &RunArgs, loaded: &Loaded) -> u8 {
    let filter = drover_engine::TagFilter {
        only: RunArgs::split_tags(&args.tags),
        skip: RunArgs::split_tags(&args.skip_tags),
    };
    for playbook in &loaded.playbooks {
        println!("\nplaybook: {}", playbook.path.display());
        if args.syntax_check {
            continue;
        }
        for (index, play) in playbook.plays.iter().enumerate() {
            let name = play.name.clone().unwrap_or_default();
            let play_tags: BTreeSet<String> = play.common.tags.iter().cloned().collect();
            println!(
                "\n  play #{} ({}): {}\tTAGS: {}",
                index + 1,
                play.hosts,
                name,
                fmt_tags(&play_tags)
            );
            if args.list_hosts {
                let mut hosts = match loaded.inventory.select(&play.hosts) {
                    Ok(h) => h,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return 4;
                    }
                };
                if let Some(limit) = &args.limit {
                    hosts = match loaded.inventory.select_limit(hosts, limit) {
                        Ok(h) => h,
                        Err(e) => {
                            eprintln!("error: {e}");
                            return 4;
                        }
                    };
                }
                println!("    pattern: ['{}']", play.hosts);
                println!("    hosts ({}):", hosts.len());
                for host in hosts {
                    println!("      {host}");
                }
            }
            let tasks = tasks_of(play);
            if args.list_tasks {
                println!("    tasks:");
                for (name, tags) in &tasks {
                    let all: Vec<String> = tags.iter().cloned().collect();
                    if filter.selects(&all) {
                        println!("      {name}\tTAGS: {}", fmt_tags(tags));
                    }
                }
            }
            if args.list_tags {
                let mut all = BTreeSet::new();
                for (_, tags) in &tasks {
                    all.extend(tags.iter().cloned());
                }
                println!("      TASK TAGS: {}", fmt_tags(&all));
            }
        }
    }
    0
}
