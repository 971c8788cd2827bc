//! What a load knows beyond the file in hand: where roles are looked for, which files are being
//! read (an import of a file already open is a loop), the role whose files these are, and what a
//! play collects from its roles (handlers, public roles, which role uses already ran).

use crate::{Role, TaskItem};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Settings of a load that come from outside the playbook.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Where roles are looked for after `roles/` beside the playbook (`roles_path`,
    /// `ANSIBLE_ROLES_PATH`).
    pub roles_path: Vec<PathBuf>,
}

impl LoadOptions {
    /// Ansible's default search path when nothing is configured, with `ANSIBLE_ROLES_PATH`
    /// (`:`-separated) first when it is set.
    pub fn from_env() -> Self {
        let mut roles_path = Vec::new();
        if let Some(value) = std::env::var_os("ANSIBLE_ROLES_PATH") {
            roles_path.extend(std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()));
        } else {
            if let Some(home) = std::env::var_os("HOME") {
                roles_path.push(PathBuf::from(home).join(".ansible/roles"));
            }
            roles_path.push("/usr/share/ansible/roles".into());
            roles_path.push("/etc/ansible/roles".into());
        }
        LoadOptions { roles_path }
    }
}

/// What one play gathers while its roles load.
#[derive(Debug, Default)]
pub(crate) struct PlayRoles {
    /// Role uses that ran, by directory and parameters: the same use again is skipped unless
    /// the role allows duplicates.
    pub(crate) seen: Vec<(PathBuf, String)>,
    /// Roles whose variables every task of the play sees.
    pub(crate) public: Vec<Arc<Role>>,
    /// The roles' handlers, each in a block that carries its role.
    pub(crate) handlers: Vec<TaskItem>,
    /// The names of `roles:` entries, in order.
    pub(crate) names: Vec<String>,
    /// The names of their dependencies.
    pub(crate) dependency_names: Vec<String>,
}

/// The state of a load that goes from file to file.
#[derive(Debug, Default)]
pub(crate) struct Context {
    pub(crate) options: LoadOptions,
    /// The directory of the playbook the current play is in.
    pub(crate) play_dir: PathBuf,
    /// Files being read, outermost first.
    pub(crate) stack: Vec<PathBuf>,
    /// The role whose files are being read.
    pub(crate) role: Option<Arc<Role>>,
    pub(crate) play: PlayRoles,
}

impl Context {
    pub(crate) fn new(options: LoadOptions, play_dir: PathBuf) -> Self {
        Context {
            options,
            play_dir,
            stack: Vec::new(),
            role: None,
            play: PlayRoles::default(),
        }
    }

    /// Where a task file named by `import_tasks`/`include_tasks` is, for a task written in
    /// `from`: a role's `tasks/` for a role's task, else beside the including file, then in the
    /// play's directory.
    pub(crate) fn task_file(&self, from: &Path, name: &str) -> PathBuf {
        let name = Path::new(name);
        if name.is_absolute() {
            return name.to_path_buf();
        }
        let mut candidates = Vec::new();
        if let Some(role) = &self.role {
            candidates.push(role.path.join("tasks").join(name));
            candidates.push(role.path.join(name));
        }
        if let Some(dir) = from.parent().filter(|d| d.is_absolute()) {
            candidates.push(dir.join(name));
        }
        candidates.push(self.play_dir.join(name));
        let found = candidates.iter().find(|c| c.is_file()).cloned();
        crate::include::absolute(found.unwrap_or_else(|| candidates.swap_remove(0)))
    }
}
