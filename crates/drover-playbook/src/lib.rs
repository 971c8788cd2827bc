//! Ansible playbooks read into typed, spanned [`Playbook`]s, and every check that can be made
//! before a host is contacted.
//!
//! [`load`] reads a playbook file (YAML 1.1 through `drover-yaml`), turns each play, block and
//! task into the types of [`model`], and validates them: unknown keywords and modules, unknown,
//! missing or mistyped module arguments are errors naming file, line and column, showing the line
//! and suggesting the nearest valid name. [`kv::parse`] reads the `key=value` short form. This
//! crate knows modules only by their [`ArgSpec`](drover_types::ArgSpec)s, given by the caller; it
//! never runs anything and never templates.

#![forbid(unsafe_code)]

mod args;
mod context;
mod error;
mod fields;
mod include;
mod keywords;
pub mod kv;
mod load;
pub mod model;
mod notify;
mod role;
mod task;

pub use args::VARIABLE_PARAMS;
pub use context::LoadOptions;
pub use error::{Details, Error};
pub use include::{load_role, load_tasks, spec as include_spec};
pub use load::{load, load_str, load_with};
pub use model::*;
pub use notify::{UnknownHandler, unknown_handlers};

#[cfg(test)]
mod tests {
    use super::*;
    use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Value};
    use serde_json::json;
    use std::path::Path;

    static COPY: ArgSpec = ArgSpec {
        shared: &[],
        args: &[
            ArgSpecEntry::new("src", ArgKind::Path),
            ArgSpecEntry::new("dest", ArgKind::Path).required(),
            ArgSpecEntry::new("content", ArgKind::Str),
            ArgSpecEntry::new("mode", ArgKind::Mode),
            ArgSpecEntry::new("force", ArgKind::Bool),
            ArgSpecEntry::new("backup", ArgKind::Bool),
        ],
        free_form: false,
        any_args: false,
    };
    static FILE: ArgSpec = ArgSpec {
        shared: &[],
        args: &[
            ArgSpecEntry::new("path", ArgKind::Path)
                .required()
                .aliases(&["dest", "name"]),
            ArgSpecEntry::new("state", ArgKind::Str).choices(&[
                "absent",
                "directory",
                "file",
                "touch",
                "link",
            ]),
            ArgSpecEntry::new("mode", ArgKind::Mode),
            ArgSpecEntry::new("recurse", ArgKind::Bool),
        ],
        free_form: false,
        any_args: false,
    };
    static COMMAND: ArgSpec = ArgSpec {
        shared: &[],
        args: &[
            ArgSpecEntry::new("cmd", ArgKind::Str),
            ArgSpecEntry::new("argv", ArgKind::List),
            ArgSpecEntry::new("chdir", ArgKind::Path),
            ArgSpecEntry::new("creates", ArgKind::Path),
            ArgSpecEntry::new("removes", ArgKind::Path),
        ],
        free_form: true,
        any_args: false,
    };
    static DEBUG: ArgSpec = ArgSpec {
        shared: &[],
        args: &[
            ArgSpecEntry::new("msg", ArgKind::Any),
            ArgSpecEntry::new("var", ArgKind::Str).raw(),
            ArgSpecEntry::new("verbosity", ArgKind::Int),
        ],
        free_form: false,
        any_args: false,
    };
    static META: ArgSpec = ArgSpec {
        shared: &[],
        args: &[ArgSpecEntry::new("_raw_params", ArgKind::Str)
            .required()
            .choices(&["flush_handlers", "noop"])],
        free_form: true,
        any_args: false,
    };
    static SET_FACT: ArgSpec = ArgSpec {
        shared: &[],
        args: &[],
        free_form: false,
        any_args: true,
    };
    static PING: ArgSpec = ArgSpec {
        shared: &[],
        args: &[],
        free_form: false,
        any_args: false,
    };

    fn modules(name: &str) -> Option<&'static ArgSpec> {
        match name {
            "copy" => Some(&COPY),
            "file" => Some(&FILE),
            "command" | "shell" => Some(&COMMAND),
            "debug" => Some(&DEBUG),
            "set_fact" => Some(&SET_FACT),
            "ping" => Some(&PING),
            "meta" => Some(&META),
            _ => None,
        }
    }

    fn load(src: &str) -> Result<Playbook, Error> {
        load_str(src, Path::new("site.yml"), &modules)
    }

    fn ok(src: &str) -> Playbook {
        match load(src) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    fn err(src: &str) -> String {
        match load(src) {
            Ok(_) => panic!("expected an error for:\n{src}"),
            Err(e) => {
                let help = miette::Diagnostic::help(&e)
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                format!("{e} | {help}")
            }
        }
    }

    fn task(p: &Playbook, i: usize) -> &Task {
        match &p.plays[0].tasks[i] {
            TaskItem::Task(t) => t,
            TaskItem::Block(_) => panic!("not a task"),
        }
    }

    fn play(tasks: &str) -> String {
        format!("- hosts: all\n  tasks:\n{tasks}")
    }

    #[test]
    fn a_full_play() {
        let p = ok(
            "- name: web\n  hosts: [web, db]\n  become: yes\n  gather_facts: false\n  vars: {a: 1}\n  vars_files: x.yml\n  tags: a, b\n  serial: 2\n  tasks:\n    - name: hi\n      ansible.builtin.debug: msg=hi\n      when: a == 1\n      tags: [1, x]\n  handlers:\n    - name: h\n      ping:\n      listen: restart\n",
        );
        assert_eq!(p.dir, std::path::absolute(".").expect("cwd"));
        let pl = &p.plays[0];
        assert_eq!(pl.name.as_deref(), Some("web"));
        assert_eq!(pl.hosts, "web:db");
        assert_eq!(pl.become_.become_, Some(json!(true)));
        assert_eq!(pl.common.become_.become_, Some(json!(true)));
        assert_eq!(pl.gather_facts, Some(json!(false)));
        assert_eq!(pl.vars_files, vec![json!("x.yml")]);
        assert_eq!(pl.common.tags, vec!["a", "b"]);
        assert_eq!(pl.serial, Some(json!(2)));
        let t = task(&p, 0);
        assert_eq!(t.module, "debug");
        assert_eq!(Value::Object(t.args.clone()), json!({"msg": "hi"}));
        assert_eq!(t.common.when, vec![json!("a == 1")]);
        assert_eq!(t.common.tags, vec!["1", "x"]);
        assert_eq!((t.span.line, t.span.column), (10, 7));
        assert_eq!((t.module_span.line, t.module_span.column), (11, 7));
        match &pl.handlers[0] {
            TaskItem::Task(h) => assert_eq!(h.listen, vec!["restart"]),
            TaskItem::Block(_) => panic!("not a block"),
        }
    }

    #[test]
    fn free_form_and_args_keyword() {
        let p = ok(&play(
            "    - command: echo  hi chdir=/tmp\n    - shell: ls\n      args:\n        chdir: /x\n        creates: /y\n    - ping:\n    - copy: \"{{ opts }}\"\n    - copy:\n        src: a\n      args: \"{{ more }}\"\n    - shell: !unsafe 'echo {{ x }}'\n",
        ));
        assert_eq!(
            Value::Object(task(&p, 0).args.clone()),
            json!({"chdir": "/tmp", "_raw_params": "echo  hi"})
        );
        assert_eq!(
            Value::Object(task(&p, 1).args.clone()),
            json!({"chdir": "/x", "creates": "/y", "_raw_params": "ls"})
        );
        assert!(task(&p, 2).args.is_empty());
        assert_eq!(
            Value::Object(task(&p, 3).args.clone()),
            json!({"_variable_params": "{{ opts }}"})
        );
        assert_eq!(
            Value::Object(task(&p, 4).args.clone()),
            json!({"_variable_params": "{{ more }}", "src": "a"})
        );
        assert_eq!(
            task(&p, 5).args.get("_raw_params"),
            Some(&json!("echo {{ x }}"))
        );
        assert!(task(&p, 5).args_trust.part("_raw_params").is_data());
        assert!(task(&p, 4).args_trust.is_template());
    }

    #[test]
    fn loops_and_conditions() {
        let p = ok(&play(
            "    - debug: var=item\n      loop: [1, 2]\n      loop_control: {loop_var: x, index_var: i, label: '{{ x }}'}\n      changed_when: false\n      failed_when: [a, b]\n      until: r is ok\n      retries: 3\n      register: r\n      notify: h\n    - debug: msg={{ item.key }}\n      with_dict: {a: 1}\n    - debug: msg=x\n      with_items: \"{{ xs }}\"\n",
        ));
        let t = task(&p, 0);
        let l = t.loop_.as_ref().expect("loop");
        assert_eq!(
            (l.kind.clone(), l.items.clone(), l.loop_var.as_str()),
            (LoopKind::Loop, json!([1, 2]), "x")
        );
        assert_eq!(l.index_var.as_deref(), Some("i"));
        assert_eq!(t.changed_when, vec![json!(false)]);
        assert_eq!(t.failed_when, vec![json!("a"), json!("b")]);
        assert_eq!(t.until, vec![json!("r is ok")]);
        assert_eq!(t.register.as_deref(), Some("r"));
        assert_eq!(t.notify, vec!["h"]);
        assert_eq!(
            task(&p, 1).loop_.as_ref().map(|l| l.kind.clone()),
            Some(LoopKind::WithDict)
        );
        assert_eq!(
            task(&p, 2).loop_.as_ref().map(|l| l.kind.clone()),
            Some(LoopKind::WithItems)
        );
    }

    #[test]
    fn blocks() {
        let p = ok(&play(
            "    - name: b\n      block:\n        - ping:\n      rescue:\n        - debug: msg=r\n      always:\n        - block:\n            - ping:\n      when: x\n      become: true\n",
        ));
        match &p.plays[0].tasks[0] {
            TaskItem::Block(b) => {
                assert_eq!(b.name.as_deref(), Some("b"));
                assert_eq!((b.block.len(), b.rescue.len(), b.always.len()), (1, 1, 1));
                assert_eq!(b.common.when, vec![json!("x")]);
                assert!(matches!(b.always[0], TaskItem::Block(_)));
            }
            TaskItem::Task(_) => panic!("expected a block"),
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = err("- hosts: all\n  hostss: x\n");
        assert!(
            e.starts_with("site.yml:2:3: unknown play keyword `hostss`"),
            "{e}"
        );
        assert!(e.contains("did you mean `hosts`?"), "{e}");
        let e = err(&play("    - copyy: src=a dest=b\n"));
        assert!(
            e.contains("site.yml:3:7: unknown module `copyy`")
                && e.contains("did you mean `copy`?"),
            "{e}"
        );
        let e = err(&play("    - copy: src=a dest=b\n      whne: x\n"));
        assert!(
            e.contains("site.yml:4:7: unknown task keyword `whne`") && e.contains("`when`"),
            "{e}"
        );
        let e = err(&play("    - copy: src=a dest=b\n      file: path=x\n"));
        assert!(
            e.contains("conflicting action statements: `copy`, `file`"),
            "{e}"
        );
        let e = err(&play("    - copy:\n        src: a\n        destt: b\n"));
        assert!(
            e.contains("unknown argument `destt` for module `copy`") && e.contains("`dest`"),
            "{e}"
        );
        let e = err(&play("    - copy:\n        src: a\n"));
        assert!(
            e.contains("site.yml:3:7: missing required argument `dest` for module `copy`"),
            "{e}"
        );
        let e = err(&play("    - copy: {dest: [a], src: b}\n"));
        assert!(
            e.contains("argument `dest` of `copy` must be a path, found a list"),
            "{e}"
        );
        let e = err(&play("    - copy: {dest: a, force: maybe}\n"));
        assert!(e.contains("must be a boolean, found `maybe`"), "{e}");
        let e = err(&play("    - copy: dest=a force=maybe\n"));
        assert!(e.contains("must be a boolean, found `maybe`"), "{e}");
        let e = err(&play("    - copy: {dest: a, force: {x: 1}}\n"));
        assert!(e.contains("must be a boolean, found a mapping"), "{e}");
        let e = err(&play("    - file: path=/x state=dirctory\n"));
        assert!(
            e.contains("invalid value `dirctory`") && e.contains("did you mean `directory`?"),
            "{e}"
        );
        let e = err(&play("    - file: path=/x foo\n"));
        assert!(e.contains("not free-form text"), "{e}");
        let e = err(&play("    - debug: {verbosity: lots}\n"));
        assert!(e.contains("must be an integer"), "{e}");
    }

    #[test]
    fn free_form_text_can_be_an_argument() {
        let p = ok(&play("    - meta: flush_handlers\n"));
        assert_eq!(
            Value::Object(task(&p, 0).args.clone()),
            json!({"_raw_params": "flush_handlers"})
        );
        let e = err(&play("    - meta: flush_hndlers\n"));
        assert!(
            e.contains("invalid value `flush_hndlers` for the free-form text of `meta`"),
            "{e}"
        );
        assert!(e.contains("did you mean `flush_handlers`?"), "{e}");
        let e = err(&play("    - meta:\n"));
        assert!(e.contains("module `meta` needs free-form text"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_or_fine_never_a_crash() {
        let mut src = play("");
        let mut indent = 4;
        for _ in 0..120 {
            src.push_str(&format!("{}- block:\n", " ".repeat(indent)));
            indent += 4;
        }
        src.push_str(&format!("{}- ping:\n", " ".repeat(indent)));
        let _ = load(&src);
        let mut src = play("");
        let mut indent = 4;
        for _ in 0..40 {
            src.push_str(&format!("{}- block:\n", " ".repeat(indent)));
            indent += 4;
        }
        src.push_str(&format!("{}- ping:\n", " ".repeat(indent)));
        ok(&src);
    }

    #[test]
    fn hosts_must_be_patterns() {
        assert!(err("- hosts: yes\n").contains("`hosts` must be a host pattern"));
        assert!(err("- hosts: [a, 1]\n").contains("`hosts` must be a host pattern"));
        assert!(err("- hosts: [a, null]\n").contains("`hosts` must be a host pattern"));
        assert!(err("- hosts:\n").contains("`hosts` must be a host pattern"));
    }

    #[test]
    fn templates_are_not_checked() {
        ok(&play(
            "    - copy: {dest: a, force: '{{ f }}', mode: '{{ m }}'}\n    - file: path=/x state={{ s }}\n    - copy:\n        src: a\n      args: '{{ rest }}'\n",
        ));
    }

    #[test]
    fn aliases_satisfy_required_arguments() {
        ok(&play(
            "    - file: dest=/x state=touch\n    - file: {name: /x}\n    - set_fact: {a: 1, b: 2}\n",
        ));
    }

    #[test]
    fn unsupported_is_not_unknown() {
        for (src, what) in [
            (
                "- hosts: all\n  collections: [community.general]\n",
                "collection `community.general` is not supported",
            ),
            (
                &play("    - local_action: command ls\n"),
                "`local_action` is not supported",
            ),
            (
                &play("    - action: command ls\n"),
                "`action` is not supported",
            ),
            (
                &play("    - ping:\n      async: 10\n"),
                "`async` is not supported",
            ),
            (
                &play("    - ping:\n      with_inventory_hostnames: all\n"),
                "`with_inventory_hostnames` is not supported",
            ),
            (
                &play("    - apt: name=x\n"),
                "module `apt` is not supported by drover yet",
            ),
            (
                &play("    - community.general.ufw: {}\n"),
                "module `community.general.ufw` is not supported",
            ),
            (
                &play("    - ping:\n      become_method: doas\n"),
                "become method `doas` is not supported",
            ),
            (
                &play("    - block: [ping:]\n      notify: x\n"),
                "`notify` on a block is not supported",
            ),
        ] {
            let e = err(src);
            assert!(e.contains(what), "{e}");
        }
    }

    #[test]
    fn roles_and_imports_that_cannot_load() {
        for (src, what) in [
            (
                "- hosts: all\n  roles: [nowhere]\n".to_owned(),
                "the role `nowhere` was not found in",
            ),
            (
                "- import_playbook: missing.yml\n".to_owned(),
                "could not read the playbook",
            ),
            (play("    - import_tasks: missing.yml\n"), "could not read"),
            (
                play("    - import_tasks: x.yml\n      loop: [1]\n"),
                "loops cannot be used on `import_tasks`",
            ),
            (
                play("    - include: x.yml\n"),
                "`include` was removed in ansible-core 2.16",
            ),
            (
                play("    - import_playbook: x.yml\n"),
                "belongs in a play's list of plays",
            ),
            (
                play("    - include_tasks: \"{{ x }}.yml\"\n      bogus: 1\n"),
                "unknown task keyword `bogus`",
            ),
            (
                "- hosts: all\n  roles: [{vars: {}}]\n".to_owned(),
                "a role entry needs `role`",
            ),
        ] {
            let e = err(&src);
            assert!(e.contains(what), "{e}");
        }
    }

    #[test]
    fn shape_errors() {
        for (src, what) in [
            ("", "the playbook is empty"),
            (
                "a: 1\n",
                "a playbook must be a list of plays, found a mapping",
            ),
            ("- all\n", "a play must be a mapping, found a string"),
            ("- name: x\n", "a play must have `hosts`"),
            ("- hosts: []\n", "`hosts` must not be empty"),
            (
                "- hosts: all\n  when: x\n",
                "`when` is not a valid play keyword",
            ),
            (
                "- hosts: all\n  tasks: {a: 1}\n",
                "`tasks` must be a list of tasks, found a mapping",
            ),
            (
                &play("    - ping\n"),
                "a task must be a mapping, found a string",
            ),
            (&play("    - name: x\n"), "no module given in the task"),
            (&play("    - rescue: []\n"), "`rescue` needs a `block`"),
            (
                &play("    - ping:\n      listen: x\n"),
                "`listen` is only valid on handlers",
            ),
            (
                &play("    - ping:\n      loop: {a: 1}\n"),
                "`loop` must be a list",
            ),
            (
                &play("    - ping:\n      loop: [1]\n      with_items: [2]\n"),
                "conflicts with another loop",
            ),
            (
                &play("    - ping:\n      loop: [1]\n      loop_control: {loop_vr: x}\n"),
                "did you mean `loop_var`?",
            ),
            (
                &play("    - ping:\n      register: 1x\n"),
                "`register` needs a variable name",
            ),
            (
                &play("    - ping:\n      when: {a: 1}\n"),
                "`when` must be a condition",
            ),
            (
                &play("    - ping:\n      ignore_errors: maybe\n"),
                "`ignore_errors` must be a boolean",
            ),
            (
                "- hosts: all\n  vars: {1x: 2}\n",
                "invalid variable name `1x`",
            ),
            (
                "- hosts: all\n  strategy: debug\n",
                "strategy `debug` is not supported",
            ),
            (
                "- hosts: all\n  order: shuffle\n",
                "`order: shuffle` is not supported",
            ),
            ("- hosts: all\n  tasks: [\n", "site.yml:"),
            ("- hosts: all\n---\n- hosts: x\n", "a single YAML document"),
            (
                &play("    - copy: {dest: !vault x}\n"),
                "could not decrypt this `!vault` value: Input is not vault encrypted data",
            ),
            (
                &play("    - command: 'echo \"unterminated'\n"),
                "cannot read the arguments of `command`",
            ),
        ] {
            let e = err(src);
            assert!(e.contains(what), "{src}\n{e}");
        }
    }

    #[test]
    fn diagnostics_render_the_line() {
        let e = load("- hosts: all\n  hostss: x\n").expect_err("invalid");
        let mut out = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        handler.render_report(&mut out, &e).expect("renders");
        assert!(out.contains("hostss: x"), "{out}");
        assert!(out.contains("did you mean `hosts`?"), "{out}");
        assert!(out.contains("site.yml:2:3"), "{out}");
    }

    #[test]
    fn duplicate_keys_warn() {
        let p = ok("- hosts: all\n  hosts: web\n");
        assert_eq!(p.plays[0].hosts, "web");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].starts_with("site.yml:2:3"));
    }

    #[test]
    fn playbook_dir_is_absolute() {
        let p = load_str("- hosts: all\n", Path::new("/a/./b/site.yml"), &modules).expect("loads");
        assert_eq!(p.dir, Path::new("/a/b"));
    }
}
