//! How drover reaches hosts. [`Local`] runs scripts with the controller's `/bin/sh`, exactly the
//! scripts SSH will run, so local runs exercise the same code paths. [`Ssh`] runs them on a
//! host's `/bin/sh` over one multiplexed OpenSSH connection. [`HostConnector`] picks one or the
//! other per host from `ansible_connection`. Implements [`drover_types::Connection`]; knows
//! nothing of modules or playbooks.
//!
//! Running as another user is a matter of wrapping the script: [`wrap_become`] turns a script
//! into the command line that runs it through `sudo` or `su`, and [`become_stdin`] builds the
//! input that goes with it (the sudo password first, then the command's own input). Every
//! connection uses the pair, so `become` behaves the same locally and over SSH.

mod become_;
mod connector;
mod local;
pub mod ssh;

pub use become_::{BECOME_SENTINEL, become_stdin, wrap_become};
pub use connector::{ConnectOptions, ConnectionKind, HostConnector};
pub use local::{Local, LocalConnector};
pub use ssh::{HostKeyChecking, Ssh, SshTarget};
