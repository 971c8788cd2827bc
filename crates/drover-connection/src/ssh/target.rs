//! Where and how to reach one host: the run's defaults (command-line flags) overridden by the
//! host's Ansible connection variables, as Ansible's ssh plugin does.

use crate::ConnectOptions;
use drover_python::shlex::{self, Comments};
use drover_types::{ConnectionError, Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// What to do with a host key that `known_hosts` does not confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKeyChecking {
    /// Refuse unknown and changed keys (`StrictHostKeyChecking=yes`). The default.
    #[default]
    Strict,
    /// Record unknown keys, refuse changed ones (`StrictHostKeyChecking=accept-new`).
    AcceptNew,
    /// Accept any key (`StrictHostKeyChecking=no`; what `ANSIBLE_HOST_KEY_CHECKING=False` means).
    /// ssh still refuses password authentication to a host whose key changed, and drover uses
    /// none anyway.
    Off,
}

/// Everything needed to open the SSH connection to one host.
#[derive(Debug, Clone)]
pub struct SshTarget {
    /// The inventory name, for messages.
    pub name: String,
    /// The address or name given to ssh (`ansible_host`, else the inventory name). Aliases from
    /// `~/.ssh/config` apply to it.
    pub host: String,
    /// `ansible_port`; `None` leaves it to ssh (config file, else 22).
    pub port: Option<u16>,
    /// `ansible_user` (else `-u`); `None` leaves it to ssh (config file, else the local user).
    pub user: Option<String>,
    /// `ansible_ssh_private_key_file` (else `--private-key`), passed as `-i`.
    pub private_key: Option<PathBuf>,
    /// Extra `ssh` arguments, already split: `ansible_ssh_common_args` then
    /// `ansible_ssh_extra_args`. They come before drover's own options, so they win.
    pub ssh_args: Vec<String>,
    /// TCP connect timeout (`ansible_ssh_timeout`, else `-T`, else 10 s).
    pub connect_timeout: Duration,
    /// The host key policy (`ansible_host_key_checking: false` turns it off).
    pub host_key_checking: HostKeyChecking,
    /// At most this many commands at once over the connection (sshd's `MaxSessions`, 10 by
    /// default).
    pub max_sessions: usize,
    /// Keep the master alive this long after the run, in a stable directory, and reuse a live
    /// one left by an earlier run. `None`: the master lives and dies with the connection.
    pub control_persist: Option<Duration>,
}

impl SshTarget {
    /// The target for the inventory host `name` with the defaults `defaults` and no host
    /// variables.
    pub fn new(name: &str, defaults: &ConnectOptions) -> Self {
        SshTarget {
            name: name.to_owned(),
            host: name.to_owned(),
            port: None,
            user: defaults.user.clone(),
            private_key: defaults.private_key.clone(),
            ssh_args: defaults.ssh_args.clone(),
            connect_timeout: defaults.connect_timeout,
            host_key_checking: defaults.host_key_checking,
            max_sessions: defaults.max_sessions.max(1),
            control_persist: defaults.control_persist,
        }
    }

    /// The target for `name` from its host variables, with `defaults` for what they leave out.
    ///
    /// A password (`ansible_password`, `ansible_ssh_pass`, `ansible_ssh_password`) is an error
    /// straight away: drover runs ssh with `BatchMode=yes` and never types a password, so it
    /// would only fail later, less clearly. Bad values (a port that is not a number, unbalanced
    /// quotes in the ssh arguments) are errors too.
    pub fn from_vars(
        name: &str,
        vars: &Map,
        defaults: &ConnectOptions,
    ) -> Result<Self, ConnectionError> {
        let mut t = SshTarget::new(name, defaults);
        let bad = |what: &str, detail: String| {
            ConnectionError::Other(format!("host {name}: invalid {what}: {detail}"))
        };
        for key in [
            "ansible_password",
            "ansible_ssh_pass",
            "ansible_ssh_password",
        ] {
            if text(vars, &[key]).is_some_and(|p| !p.is_empty()) {
                return Err(ConnectionError::Unreachable(format!(
                    "{name}: `{key}` is set, but drover's ssh connection does not do password \
                     authentication (ssh runs in batch mode and never prompts). Use a key: \
                     ansible_ssh_private_key_file / --private-key, or load it into ssh-agent"
                )));
            }
        }
        if let Some(h) = text(vars, &["ansible_host", "ansible_ssh_host"]) {
            t.host = h;
        }
        if let Some(p) = text(vars, &["ansible_port", "ansible_ssh_port"]) {
            t.port = Some(p.trim().parse().map_err(|_| bad("ansible_port", p))?);
        }
        if let Some(u) = text(vars, &["ansible_user", "ansible_ssh_user"]) {
            t.user = Some(u);
        }
        if let Some(k) = text(
            vars,
            &["ansible_ssh_private_key_file", "ansible_private_key_file"],
        ) {
            t.private_key = Some(expand_home(&k));
        }
        if let Some(s) = text(vars, &["ansible_ssh_timeout"]) {
            let secs: f64 = s
                .trim()
                .parse()
                .map_err(|_| bad("ansible_ssh_timeout", s))?;
            if secs.is_finite() && secs > 0.0 {
                t.connect_timeout = Duration::from_secs_f64(secs);
            }
        }
        let common = text(vars, &["ansible_ssh_common_args"]);
        let extra = text(vars, &["ansible_ssh_extra_args"]);
        if common.is_some() || extra.is_some() {
            // A host's common args replace the run's; extra args add to them.
            let mut args = match &common {
                Some(c) => shlex::split(c, Comments::Kept)
                    .map_err(|e| bad("ansible_ssh_common_args", e.to_string()))?,
                None => defaults.ssh_args.clone(),
            };
            if let Some(e) = &extra {
                args.extend(
                    shlex::split(e, Comments::Kept)
                        .map_err(|e| bad("ansible_ssh_extra_args", e.to_string()))?,
                );
            }
            t.ssh_args = args;
        }
        if let Some(v) = text(
            vars,
            &["ansible_ssh_host_key_checking", "ansible_host_key_checking"],
        ) {
            match drover_python::boolean::parse(&v) {
                Some(false) => t.host_key_checking = HostKeyChecking::Off,
                Some(true) => {}
                None => return Err(bad("ansible_host_key_checking", v)),
            }
        }
        Ok(t)
    }

    /// `user@host:port` as far as it is known, for messages.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        s.push_str(&self.host);
        if let Some(p) = self.port {
            s.push(':');
            s.push_str(&p.to_string());
        }
        s
    }
}

/// The first of `keys` that is set to a string, number or boolean, as text.
fn text(vars: &Map, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        let v = vars.get(*k)?;
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    })
}

/// `~/x` → `$HOME/x`; anything else unchanged.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Map {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn host_vars_override_defaults() {
        let defaults = ConnectOptions {
            user: Some("cli".into()),
            ..ConnectOptions::default()
        };
        let t = SshTarget::from_vars("web", &Map::new(), &defaults).unwrap();
        assert_eq!(t.host, "web");
        assert_eq!(t.user.as_deref(), Some("cli"));
        assert_eq!(t.connect_timeout, Duration::from_secs(10));
        let v = vars(json!({
            "ansible_host": "10.0.0.5", "ansible_port": 2222, "ansible_user": "deploy",
            "ansible_ssh_private_key_file": "/k", "ansible_ssh_timeout": "3",
            "ansible_ssh_common_args": "-o 'ProxyJump=bastion'",
            "ansible_ssh_extra_args": "-o Compression=yes",
            "ansible_host_key_checking": false,
        }));
        let t = SshTarget::from_vars("web", &v, &defaults).unwrap();
        assert_eq!(t.display(), "deploy@10.0.0.5:2222");
        assert_eq!(t.private_key, Some(PathBuf::from("/k")));
        assert_eq!(t.connect_timeout, Duration::from_secs(3));
        assert_eq!(
            t.ssh_args,
            ["-o", "ProxyJump=bastion", "-o", "Compression=yes"]
        );
        assert_eq!(t.host_key_checking, HostKeyChecking::Off);
    }

    #[test]
    fn password_is_refused_without_leaking_it() {
        let v = vars(json!({"ansible_ssh_pass": "hunter2"}));
        let e = SshTarget::from_vars("h", &v, &ConnectOptions::default()).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, ConnectionError::Unreachable(_)));
        assert!(
            msg.contains("password authentication") && !msg.contains("hunter2"),
            "{msg}"
        );
    }

    #[test]
    fn bad_port_is_an_error() {
        let v = vars(json!({"ansible_port": "twenty"}));
        assert!(SshTarget::from_vars("h", &v, &ConnectOptions::default()).is_err());
    }
}
