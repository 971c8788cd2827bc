//! Choosing the connection for each host: [`HostConnector`] opens `local` or `ssh` from the
//! host's `ansible_connection`, with the run's [`ConnectOptions`] as defaults, and keeps one
//! connection per host so that [`HostConnector::close_all`] can end them all (e.g. on Ctrl-C).

use crate::{HostKeyChecking, Local, Ssh, SshTarget};
use async_trait::async_trait;
use drover_types::{Connection, ConnectionError, Connector, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// The run-wide connection settings (command-line flags); host variables override them.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `-u`: the remote user when the host has no `ansible_user`.
    pub user: Option<String>,
    /// `--private-key`: the key when the host has no `ansible_ssh_private_key_file`.
    pub private_key: Option<PathBuf>,
    /// `-T`: the connect timeout when the host has no `ansible_ssh_timeout`; 10 s by default.
    pub connect_timeout: Duration,
    /// Host key policy (`--host-key-checking`, `ANSIBLE_HOST_KEY_CHECKING=False` → `Off`).
    pub host_key_checking: HostKeyChecking,
    /// `--ssh-common-args`, already split; replaced by a host's `ansible_ssh_common_args`.
    pub ssh_args: Vec<String>,
    /// Keep masters alive this long after the run and reuse them in the next one
    /// (`ControlPersist`); `None` (the default) ends them with the run.
    pub control_persist: Option<Duration>,
    /// At most this many commands at once per host; 10 by default (sshd's `MaxSessions`).
    pub max_sessions: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            user: None,
            private_key: None,
            connect_timeout: Duration::from_secs(10),
            host_key_checking: HostKeyChecking::Strict,
            ssh_args: Vec::new(),
            control_persist: None,
            max_sessions: 10,
        }
    }
}

/// The kind of connection a host asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    /// The controller's own shell.
    Local,
    /// OpenSSH.
    Ssh,
}

impl ConnectionKind {
    /// The kind for a host's variables: `ansible_connection` `local` or `ssh` (also `smart`,
    /// `paramiko` and the `ansible.builtin.` names, all served by OpenSSH); unset means `ssh`.
    /// Other plugins (`docker`, `winrm`...) are an error.
    pub fn from_vars(host: &str, vars: &Map) -> Result<Self, ConnectionError> {
        let Some(v) = vars.get("ansible_connection") else {
            return Ok(ConnectionKind::Ssh);
        };
        let name = match v {
            Value::String(s) => s.as_str(),
            Value::Null => return Ok(ConnectionKind::Ssh),
            other => {
                return Err(ConnectionError::Other(format!(
                    "host {host}: ansible_connection must be a string, not {other}"
                )));
            }
        };
        match name.strip_prefix("ansible.builtin.").unwrap_or(name) {
            "local" => Ok(ConnectionKind::Local),
            "ssh" | "smart" | "paramiko" | "paramiko_ssh" | "" => Ok(ConnectionKind::Ssh),
            other => Err(ConnectionError::Other(format!(
                "host {host}: the `{other}` connection is not supported by drover \
                 (only `ssh` and `local`)"
            ))),
        }
    }
}

/// One cached connection slot: filled once, by the first task that connects the host.
type Slot = Arc<OnceCell<Arc<dyn Connection>>>;

/// Opens `local` or `ssh` connections per host (see [`ConnectionKind::from_vars`]) and keeps
/// them, one per host name.
#[derive(Default)]
pub struct HostConnector {
    defaults: ConnectOptions,
    slots: Mutex<HashMap<String, Slot>>,
}

impl std::fmt::Debug for HostConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConnector")
            .field("defaults", &self.defaults)
            .finish_non_exhaustive()
    }
}

impl HostConnector {
    /// A connector with `defaults` for every host.
    pub fn new(defaults: ConnectOptions) -> Self {
        HostConnector {
            defaults,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The run-wide defaults.
    pub fn defaults(&self) -> &ConnectOptions {
        &self.defaults
    }

    /// Closes every connection opened so far (ends the SSH masters, removes their sockets) and
    /// forgets them; a later `connect` opens a new one. Safe to call from a Ctrl-C handler while
    /// commands run: they fail as unreachable.
    pub async fn close_all(&self) {
        let slots: Vec<Slot> = {
            let mut map = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.drain().map(|(_, s)| s).collect()
        };
        let closing = slots
            .iter()
            .filter_map(|s| s.get())
            .map(|c| c.close())
            .collect::<Vec<_>>();
        for c in closing {
            c.await;
        }
    }

    fn slot(&self, host: &str) -> Slot {
        let mut map = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(host.to_owned()).or_default().clone()
    }
}

#[async_trait]
impl Connector for HostConnector {
    async fn connect(
        &self,
        host: &str,
        vars: &Map,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        let slot = self.slot(host);
        let conn = slot
            .get_or_try_init(|| async {
                let conn: Arc<dyn Connection> = match ConnectionKind::from_vars(host, vars)? {
                    ConnectionKind::Local => Arc::new(Local),
                    ConnectionKind::Ssh => {
                        let target = SshTarget::from_vars(host, vars, &self.defaults)?;
                        Arc::new(Ssh::connect(target).await?)
                    }
                };
                Ok::<_, ConnectionError>(conn)
            })
            .await?;
        Ok(conn.clone())
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
    fn kind_from_ansible_connection() {
        let kind = |v| ConnectionKind::from_vars("h", &vars(v));
        assert_eq!(kind(json!({})).unwrap(), ConnectionKind::Ssh);
        assert_eq!(
            kind(json!({"ansible_connection": "local"})).unwrap(),
            ConnectionKind::Local
        );
        assert_eq!(
            kind(json!({"ansible_connection": "ansible.builtin.ssh"})).unwrap(),
            ConnectionKind::Ssh
        );
        assert!(kind(json!({"ansible_connection": "docker"})).is_err());
    }

    #[tokio::test]
    async fn local_hosts_are_cached_and_closed() {
        let c = HostConnector::new(ConnectOptions::default());
        let v = vars(json!({"ansible_connection": "local"}));
        let a = c.connect("localhost", &v).await.unwrap();
        let b = c.connect("localhost", &v).await.unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let out = a.exec(drover_types::Exec::script("echo hi")).await.unwrap();
        assert_eq!(out.stdout, b"hi\n");
        c.close_all().await;
        let d = c.connect("localhost", &v).await.unwrap();
        assert!(!Arc::ptr_eq(&a, &d));
    }

    #[tokio::test]
    async fn password_fails_fast() {
        let c = HostConnector::new(ConnectOptions::default());
        let v = vars(json!({"ansible_password": "x"}));
        let e = c
            .connect("h", &v)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("password"), "{e}");
    }
}
