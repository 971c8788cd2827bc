//! The `environment` keyword: variables exported for every command a task runs. The engine wraps
//! the host's connection so that each script starts with `export NAME='value'`; modules need not
//! know, and the exports sit inside any `become` wrapping, where Ansible puts them too.

use async_trait::async_trait;
use drover_types::{Connection, ConnectionError, Exec, ExecOutput, Map, Value, shell_quote};
use std::sync::Arc;

/// A connection that exports `prefix` before every script.
pub(crate) struct WithEnvironment {
    inner: Arc<dyn Connection>,
    prefix: String,
}

/// Wraps `conn` when `env` holds variables; names must be shell identifiers.
pub(crate) fn wrap(conn: Arc<dyn Connection>, env: &Map) -> Result<Arc<dyn Connection>, String> {
    if env.is_empty() {
        return Ok(conn);
    }
    let mut prefix = String::new();
    for (name, value) in env {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!(
                "`environment` name `{name}` is not a valid variable name"
            ));
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            other => other.to_string(),
        };
        prefix.push_str(&format!("export {name}={}\n", shell_quote(&text)));
    }
    Ok(Arc::new(WithEnvironment {
        inner: conn,
        prefix,
    }))
}

#[async_trait]
impl Connection for WithEnvironment {
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError> {
        let script = format!("{}{}", self.prefix, exec.script);
        self.inner
            .exec(Exec {
                script: &script,
                ..exec
            })
            .await
    }

    async fn close(&self) {
        self.inner.close().await;
    }
}
