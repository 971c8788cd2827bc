//! Ansible inventories: who the hosts are, which groups they are in, and their variables.
//!
//! [`Inventory::load`] reads YAML and INI inventories (groups, `children`, `vars`, host ranges
//! such as `web[01:10]` and `db-[a:c]`) and the `group_vars/` and `host_vars/` directories beside
//! them; [`Inventory::add_vars_dir`] adds those beside the playbook. [`Inventory::select`] resolves
//! host patterns (`all`, `*`, `a:b`, `a:&b`, `a:!b`, wildcards, `~regex`) in inventory order, with
//! the implicit `localhost`. [`Inventory::host_vars`] merges a host's variables in Ansible's
//! precedence. This crate reads inventory files; it never contacts a host.

use drover_types::{Map, Span};
use std::path::{Path, PathBuf};

/// Why an inventory could not be read or a pattern resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("could not read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// YAML that does not parse.
    #[error(transparent)]
    Yaml(#[from] drover_yaml::Error),
    /// A file that parses but is not a valid inventory.
    #[error("{span}: {message}")]
    Invalid {
        /// Where.
        span: Span,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A host pattern that cannot be understood (a bad `~regex`).
    #[error("invalid host pattern `{pattern}`: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
}

/// Hosts, groups and their variables.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    _private: (),
}

impl Inventory {
    /// Reads every inventory source given with `-i` (files or directories of them), plus the
    /// `group_vars/` and `host_vars/` beside each.
    pub fn load(sources: &[PathBuf]) -> Result<Inventory, Error> {
        let _ = sources;
        todo!()
    }

    /// Adds `group_vars/` and `host_vars/` found in `dir` (the playbook's directory); these take
    /// precedence over the inventory's own.
    pub fn add_vars_dir(&mut self, dir: &Path) -> Result<(), Error> {
        let _ = dir;
        todo!()
    }

    /// The hosts matching `pattern`, in inventory order, without duplicates. `localhost` (and
    /// `127.0.0.1`) match the implicit local host when the inventory does not define it.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, Error> {
        let _ = pattern;
        todo!()
    }

    /// A host's variables: group vars from `all` through parents to children, then host vars.
    /// The implicit localhost gets `ansible_connection: local`.
    pub fn host_vars(&self, host: &str) -> Map {
        let _ = host;
        todo!()
    }

    /// The groups a host is in, sorted, without `all` and `ungrouped` (`group_names`).
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let _ = host;
        todo!()
    }

    /// Every group with its hosts, `all` and `ungrouped` included (the `groups` variable).
    pub fn groups(&self) -> Map {
        todo!()
    }
}
