//! The typed playbook: what the loader produces and the engine runs. Values that Ansible
//! templates at run time (`when`, `loop`, module arguments, `ignore_errors: "{{ x }}"`) are kept
//! as raw [`Value`]s; the engine templates them per host.

use drover_types::{Layer, Map, Span, Trust, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// A whole playbook file.
#[derive(Debug, Clone)]
pub struct Playbook {
    /// The file, as given.
    pub path: PathBuf,
    /// Its directory (`playbook_dir`), absolute.
    pub dir: PathBuf,
    /// The plays, in order.
    pub plays: Vec<Play>,
    /// Things worth telling the user that did not stop the load (`FILE:LINE:COL: message`),
    /// such as a key written twice in one mapping.
    pub warnings: Vec<String>,
}

/// Keywords that set privilege escalation; `None` means "inherit".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BecomeKeywords {
    /// `become`.
    pub become_: Option<Value>,
    /// `become_user`.
    pub become_user: Option<Value>,
    /// `become_method`.
    pub become_method: Option<Value>,
}

/// One play.
#[derive(Debug, Clone)]
pub struct Play {
    /// `name`, when given.
    pub name: Option<String>,
    /// `hosts`, a pattern (a list is joined with `:`).
    pub hosts: String,
    /// `hosts` as ansible-playbook names a play that has no `name`: as written, a list joined
    /// with `,`.
    pub hosts_title: String,
    /// `vars`, with the parts written `!unsafe`.
    pub vars: Arc<Layer>,
    /// `vars_files`, relative to the playbook's directory; each may be templated.
    pub vars_files: Vec<Value>,
    /// `gather_facts` (default true, as in Ansible).
    pub gather_facts: Option<Value>,
    /// `gather_subset`, `gather_timeout` and `fact_path`: the implicit `Gathering Facts`
    /// task's `setup` arguments, untemplated (`None` when the play does not say).
    pub gather_args: GatherArgs,
    /// `pre_tasks`.
    pub pre_tasks: Vec<TaskItem>,
    /// `tasks`.
    pub tasks: Vec<TaskItem>,
    /// `post_tasks`.
    pub post_tasks: Vec<TaskItem>,
    /// `handlers`.
    pub handlers: Vec<TaskItem>,
    /// `become*`.
    pub become_: BecomeKeywords,
    /// `strategy` (`linear`, `free`).
    pub strategy: Option<String>,
    /// `serial`: a number, a percentage, or a list of them.
    pub serial: Option<Value>,
    /// `any_errors_fatal`.
    pub any_errors_fatal: Option<Value>,
    /// `max_fail_percentage`.
    pub max_fail_percentage: Option<Value>,
    /// `force_handlers`.
    pub force_handlers: Option<Value>,
    /// `ignore_errors`, `ignore_unreachable`, `check_mode`, `diff`, `no_log`, `tags`... that tasks
    /// inherit.
    pub common: Common,
    /// Where the play starts.
    pub span: Span,
    /// The directory of the file the play is written in: `playbook_dir` for it, and where its
    /// relative paths resolve (an imported playbook's plays have their own).
    pub dir: PathBuf,
    /// The roles of `roles:` and `import_role` (with their dependencies), in the order they run:
    /// their defaults and vars are visible to every task of the play, as in Ansible.
    pub roles: Vec<Arc<Role>>,
    /// `vars_prompt`: variables asked for when the run starts.
    pub vars_prompt: Vec<VarsPrompt>,
    /// The answers to `vars_prompt` (filled in by the caller before the run), ranked between
    /// play `vars` and `vars_files`.
    pub prompted: Arc<Layer>,
    /// The names of its `roles:` entries (`ansible_play_role_names`).
    pub role_names: Vec<String>,
    /// The names of their dependencies (`ansible_dependent_role_names`).
    pub dependency_role_names: Vec<String>,
}

/// One `vars_prompt` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct VarsPrompt {
    /// The variable.
    pub name: String,
    /// What to ask (the name when not given).
    pub prompt: String,
    /// The answer when none is given (or there is no terminal).
    pub default: Option<Value>,
    /// Do not echo the answer.
    pub private: bool,
    /// Ask twice.
    pub confirm: bool,
    /// Where the entry is written.
    pub span: Span,
}

/// One use of a role: what it is and the variables it brings.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// `role_name`: the name it was given by (a Galaxy `owner.name` too).
    pub name: String,
    /// `role_path`: its directory, absolute.
    pub path: PathBuf,
    /// `defaults/` (or `defaults_from`): below every other variable.
    pub defaults: Arc<Layer>,
    /// The `vars` keyword where it is used, then `vars/` (or `vars_from`) over it.
    pub vars: Arc<Layer>,
    /// Role parameters (the other keys of a `roles:` entry), which outrank facts.
    pub params: Arc<Layer>,
    /// `role_name`, `role_path`, `ansible_role_name`.
    pub magic: Arc<Layer>,
}

/// `include_tasks` or `include_role`: loaded and run per host at run time, as in Ansible.
#[derive(Debug, Clone)]
pub struct Include {
    /// `include_role` (else `include_tasks`).
    pub role: bool,
    /// `apply`: keywords the included tasks get.
    pub apply: Option<Common>,
    /// What the include gives when its file (or role) name is not a template: loaded with the
    /// playbook, so its errors show before any host is contacted.
    pub preloaded: Option<Vec<TaskItem>>,
    /// The role an `include_role` loaded ahead brings (its handlers carry it too).
    pub instance: Option<Arc<Role>>,
}

/// The play keywords that shape fact gathering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatherArgs {
    /// `gather_subset`.
    pub gather_subset: Option<Value>,
    /// `gather_timeout`.
    pub gather_timeout: Option<Value>,
    /// `fact_path`.
    pub fact_path: Option<Value>,
}

/// Keywords that plays, blocks and tasks share and that tasks inherit from what encloses them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Common {
    /// `when`: every condition must hold (a string is a list of one).
    pub when: Vec<Value>,
    /// Where each of `when` is written, in the same order.
    pub when_spans: Vec<Span>,
    /// `vars`, with the parts written `!unsafe`.
    pub vars: Arc<Layer>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `ignore_errors`.
    pub ignore_errors: Option<Value>,
    /// `ignore_unreachable`.
    pub ignore_unreachable: Option<Value>,
    /// `check_mode`.
    pub check_mode: Option<Value>,
    /// `diff`.
    pub diff: Option<Value>,
    /// `no_log`.
    pub no_log: Option<Value>,
    /// `become*`.
    pub become_: BecomeKeywords,
    /// `delegate_to`.
    pub delegate_to: Option<Value>,
    /// `run_once`.
    pub run_once: Option<Value>,
    /// `any_errors_fatal`.
    pub any_errors_fatal: Option<Value>,
    /// `throttle`.
    pub throttle: Option<Value>,
    /// `timeout`, seconds.
    pub timeout: Option<Value>,
    /// `environment`.
    pub environment: Option<Value>,
    /// `remote_user`.
    pub remote_user: Option<Value>,
    /// `connection`.
    pub connection: Option<Value>,
    /// `module_defaults`: mappings of a module name (short, `ansible.builtin.` or
    /// `group/...`) to default arguments, outer to inner.
    pub module_defaults: Vec<Value>,
}

/// An entry of a task list.
#[derive(Debug, Clone)]
pub enum TaskItem {
    /// A task that calls a module.
    Task(Box<Task>),
    /// A `block` with its `rescue` and `always`.
    Block(Box<Block>),
}

/// `block`, `rescue`, `always`.
#[derive(Debug, Clone)]
pub struct Block {
    /// `name`.
    pub name: Option<String>,
    /// `block`.
    pub block: Vec<TaskItem>,
    /// `rescue`.
    pub rescue: Vec<TaskItem>,
    /// `always`.
    pub always: Vec<TaskItem>,
    /// Keywords the block's tasks inherit.
    pub common: Common,
    /// Where it starts.
    pub span: Span,
    /// The role whose tasks (or handlers) this block holds: its variables are in scope inside.
    pub role: Option<Arc<Role>>,
    /// Variables of the `import_tasks`/`import_role` this block stands for: include
    /// parameters, which outrank facts.
    pub params: Option<Arc<Layer>>,
}

/// How a task loops.
#[derive(Debug, Clone, PartialEq)]
pub enum LoopKind {
    /// `loop`: the list as it is.
    Loop,
    /// `with_items`: lists inside the list are flattened one level.
    WithItems,
    /// `with_list`: the list as it is.
    WithList,
    /// `with_dict`: a mapping becomes `{key, value}` items.
    WithDict,
    /// `with_<lookup>` (`with_sequence`, `with_together`...): the items are
    /// `query('<lookup>', *terms)`, where a list value is the terms and anything else one term.
    WithLookup(String),
}

/// `loop` / `with_*` and `loop_control`.
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    /// Which keyword.
    pub kind: LoopKind,
    /// The list (or a template that gives one).
    pub items: Value,
    /// `loop_control.loop_var` (default `item`).
    pub loop_var: String,
    /// `loop_control.index_var`.
    pub index_var: Option<String>,
    /// `loop_control.label`, a template.
    pub label: Option<Value>,
    /// `loop_control.pause`, seconds.
    pub pause: Option<Value>,
    /// `loop_control.extended`.
    pub extended: Option<Value>,
}

/// One task.
#[derive(Debug, Clone)]
pub struct Task {
    /// `name`, when given.
    pub name: Option<String>,
    /// The module's short name (`copy`, also when written `ansible.builtin.copy`).
    pub module: String,
    /// The module's arguments, untemplated, keyed by the names the user wrote (aliases are
    /// resolved by the engine after templating). Free-form text is under `_raw_params`. When the
    /// arguments are a template as a whole (`args: "{{ opts }}"`, `copy: "{{ opts }}"`), the
    /// template is under [`crate::VARIABLE_PARAMS`] (`_variable_params`): the engine renders it
    /// to a mapping and lays the other arguments over it, as Ansible does.
    pub args: Map,
    /// Which arguments are data that is never templated (written `!unsafe`).
    pub args_trust: Trust,
    /// `register`.
    pub register: Option<String>,
    /// `changed_when`.
    pub changed_when: Vec<Value>,
    /// Where each of `changed_when` is written.
    pub changed_when_spans: Vec<Span>,
    /// `failed_when`.
    pub failed_when: Vec<Value>,
    /// Where each of `failed_when` is written.
    pub failed_when_spans: Vec<Span>,
    /// `loop` / `with_*`.
    pub loop_: Option<Loop>,
    /// `until`: retry until every condition holds.
    pub until: Vec<Value>,
    /// Where each of `until` is written.
    pub until_spans: Vec<Span>,
    /// `retries` (default 3 when `until` is set).
    pub retries: Option<Value>,
    /// `delay` between retries, seconds (default 5).
    pub delay: Option<Value>,
    /// `notify`.
    pub notify: Vec<String>,
    /// `listen` (handlers only).
    pub listen: Vec<String>,
    /// The keywords tasks share with blocks and plays.
    pub common: Common,
    /// Where the task starts.
    pub span: Span,
    /// Where the module name is written.
    pub module_span: Span,
    /// Where each argument's value is written (a mapping's value, or the `key=value` text).
    pub arg_spans: Vec<(String, Span)>,
    /// The module name as written (`ansible.builtin.copy`), shown for unnamed tasks.
    pub action: String,
    /// The role the task belongs to.
    pub role: Option<Arc<Role>>,
    /// What `include_tasks`/`include_role` include.
    pub include: Option<Box<Include>>,
}

impl Task {
    /// A task calling `module` (written `action`) with no arguments and no keywords: what the
    /// loader fills in, and what drover writes itself (the fact gathering task, a role's
    /// argument check).
    pub fn bare(module: &str, action: &str, span: Span, module_span: Span) -> Task {
        Task {
            name: None,
            module: module.to_owned(),
            args: Map::new(),
            args_trust: Trust::default(),
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
            span,
            module_span,
            arg_spans: Vec::new(),
            action: action.to_owned(),
            role: None,
            include: None,
        }
    }

    /// The name shown in output: `name`, or the module's name when there is none; a role's
    /// tasks are `role : name`.
    pub fn display_name(&self) -> String {
        let name = self.name.clone().unwrap_or_else(|| self.action.clone());
        match &self.role {
            Some(role) => format!("{} : {name}", role.name),
            None => name,
        }
    }

    /// The names a handler answers to: its name and `listen` topics, and for a role's handler
    /// also `role : name`.
    pub fn handler_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.name.iter().cloned().collect();
        if let (Some(role), Some(name)) = (&self.role, &self.name) {
            names.push(format!("{} : {name}", role.name));
        }
        names
    }

    /// The directories relative controller paths are searched in, as ansible-core's
    /// `ansible_search_path`: the role's, the task file's, then the play's.
    pub fn search_paths(&self, play_dir: &std::path::Path) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        if let Some(role) = &self.role {
            paths.push(role.path.clone());
        }
        // Files the loader found (imports, includes, roles) are named absolutely; the playbook
        // given on the command line may be relative to where drover started, and its directory
        // is the play's, added below.
        if let Some(dir) = self.span.file.parent().filter(|d| d.is_absolute()) {
            let dir = dir.to_path_buf();
            if !paths.contains(&dir) {
                paths.push(dir);
            }
        }
        if !paths.iter().any(|p| p == play_dir) {
            paths.push(play_dir.to_path_buf());
        }
        paths
    }
}
