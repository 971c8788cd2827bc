//! Which `ansible.cfg` is read, in ansible-core's order (the first that exists and can be
//! read wins): `ANSIBLE_CONFIG` (a file, or a directory holding `ansible.cfg`), `./ansible.cfg`
//! unless the current directory is world-writable, `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`.
//!
//! A world-writable current directory is skipped because anyone could have planted the file
//! (it can name a vault password script, an inventory script...); when it does hold an
//! `ansible.cfg` that was not chosen through `ANSIBLE_CONFIG`, the caller is told, to warn.

use crate::Environment;
use crate::types::{Resolve, resolve_path};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The chosen file, and the skipped `./ansible.cfg` of a world-writable directory.
pub(crate) struct Found {
    pub(crate) file: Option<PathBuf>,
    pub(crate) skipped_world_writable: Option<PathBuf>,
}

pub(crate) fn find(env: &Environment) -> Found {
    let mut candidates: Vec<PathBuf> = Vec::new();
    let lookup = |name: &str| env.var(name);
    let from_env = env.var("ANSIBLE_CONFIG").map(|text| {
        let base = env.cwd.clone().unwrap_or_else(|| PathBuf::from("/"));
        let at = Resolve {
            base: &base,
            home: env.home.as_deref(),
            env: &lookup,
        };
        let path = PathBuf::from(resolve_path(&text, &at));
        if path.is_dir() {
            path.join("ansible.cfg")
        } else {
            path
        }
    });
    candidates.extend(from_env.clone());
    let mut world_writable_cfg = None;
    if let Some(cwd) = &env.cwd
        && let Ok(meta) = std::fs::metadata(cwd)
    {
        let here = cwd.join("ansible.cfg");
        if meta.permissions().mode() & 0o002 != 0 {
            if here.exists() {
                world_writable_cfg = Some(cwd.clone());
            }
        } else {
            candidates.push(here);
        }
    }
    if let Some(home) = &env.home {
        candidates.push(home.join(".ansible.cfg"));
    }
    candidates.push(PathBuf::from("/etc/ansible/ansible.cfg"));
    let file = candidates.into_iter().find(|p| readable(p));
    let skipped_world_writable =
        world_writable_cfg.filter(|_| from_env.is_none() || from_env != file);
    Found {
        file,
        skipped_world_writable,
    }
}

/// `os.path.exists(p) and os.access(p, os.R_OK)`.
fn readable(path: &Path) -> bool {
    path.exists() && std::fs::File::open(path).is_ok()
}
