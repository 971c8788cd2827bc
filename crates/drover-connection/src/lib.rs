//! How drover reaches hosts. [`Local`] runs scripts with the controller's `/bin/sh`, exactly the
//! scripts SSH will run, so local runs exercise the same code paths. (The `ssh` connection comes
//! with the SSH fan-out.) Implements [`drover_types::Connection`]; knows nothing of modules or
//! playbooks.

mod local;

pub use local::{Local, LocalConnector};
