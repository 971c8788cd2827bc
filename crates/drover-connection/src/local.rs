use async_trait::async_trait;
use drover_types::{Connection, ConnectionError, Connector, Exec, ExecOutput, Map};
use std::sync::Arc;

/// The controller itself, through `/bin/sh`.
#[derive(Debug, Default)]
pub struct Local;

#[async_trait]
impl Connection for Local {
    async fn exec(&self, exec: Exec<'_>) -> Result<ExecOutput, ConnectionError> {
        let _ = exec;
        todo!()
    }
}

/// Hands out [`Local`] connections for every host.
#[derive(Debug, Default)]
pub struct LocalConnector;

#[async_trait]
impl Connector for LocalConnector {
    async fn connect(&self, _host: &str, _vars: &Map) -> Result<Arc<dyn Connection>, ConnectionError> {
        Ok(Arc::new(Local))
    }
}
