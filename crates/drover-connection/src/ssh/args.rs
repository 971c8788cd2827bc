//! The command line of the `ssh` master process.
//!
//! Precedence follows ssh's own rule that the first value given for an option wins, and
//! `~/.ssh/config` is read after the whole command line:
//!
//! 1. what the connection cannot work without comes first, so that nothing overrides it:
//!    `ControlPersist` (a master that daemonises on its own would look like a failed one),
//!    `BatchMode=yes` and no password or keyboard-interactive authentication (ssh must never
//!    prompt), and the control socket (`-S`, which ssh applies whatever came before);
//! 2. then the user's arguments (`ansible_ssh_common_args`, `ansible_ssh_extra_args`);
//! 3. then drover's defaults (`ConnectTimeout`, host key policy, keep-alives), so an
//!    `-o ConnectTimeout=30` in `ansible_ssh_extra_args` beats drover's default, and both beat
//!    the config file, as with Ansible's ssh plugin.

use super::{HostKeyChecking, SshTarget};
use std::ffi::OsString;
use std::path::Path;

/// How the master process runs: as drover's own child for this run, or daemonised so that a
/// later run can reuse it (`ControlPersist`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum MasterMode {
    /// `-N` in the foreground, owned (and killed) by drover.
    Owned,
    /// `-f -N -o ControlPersist=Ns`: ssh backgrounds itself once authenticated.
    Persist(u64),
}

/// The arguments (after `ssh`) that start a ControlMaster for `target` listening on `socket`,
/// logging to `log`.
pub(crate) fn master_args(
    target: &SshTarget,
    socket: &Path,
    log: &Path,
    mode: MasterMode,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |a: &str| args.push(a.into());
    push("-M");
    push("-N");
    let persist = match mode {
        MasterMode::Owned => "ControlPersist=no".to_owned(),
        MasterMode::Persist(secs) => {
            push("-f");
            format!("ControlPersist={secs}s")
        }
    };
    // For ssh the first value of an option wins: what must hold, then the user's options,
    // then defaults.
    for option in [
        persist.as_str(),
        "BatchMode=yes",
        "PasswordAuthentication=no",
        "KbdInteractiveAuthentication=no",
    ] {
        push("-o");
        push(option);
    }
    for a in &target.ssh_args {
        push(a);
    }
    for option in ["ServerAliveInterval=15", "ServerAliveCountMax=3"] {
        push("-o");
        push(option);
    }
    push("-o");
    push(&format!(
        "ConnectTimeout={}",
        target.connect_timeout.as_secs().max(1)
    ));
    push("-o");
    push(match target.host_key_checking {
        HostKeyChecking::Strict => "StrictHostKeyChecking=yes",
        HostKeyChecking::AcceptNew => "StrictHostKeyChecking=accept-new",
        HostKeyChecking::Off => "StrictHostKeyChecking=no",
    });
    if let Some(port) = target.port {
        push("-p");
        push(&port.to_string());
    }
    if let Some(user) = &target.user {
        push("-l");
        push(user);
    }
    if let Some(key) = &target.private_key {
        args.push("-i".into());
        args.push(key.clone().into_os_string());
    }
    args.push("-S".into());
    args.push(socket.as_os_str().to_owned());
    args.push("-E".into());
    args.push(log.as_os_str().to_owned());
    // `--` so that a host name starting with `-` cannot be taken for an option.
    args.push("--".into());
    args.push(target.host.clone().into());
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConnectOptions;

    #[test]
    fn essential_options_come_before_the_users_and_defaults_after() {
        let mut t = SshTarget::new("web", &ConnectOptions::default());
        t.ssh_args = vec!["-o".into(), "ControlPersist=60s".into(), "-C".into()];
        t.port = Some(2222);
        let args: Vec<String> = master_args(
            &t,
            Path::new("/tmp/d/m"),
            Path::new("/tmp/d/log"),
            MasterMode::Owned,
        )
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
        let at = |x: &str| args.iter().position(|a| a == x).unwrap_or(usize::MAX);
        assert!(
            at("ControlPersist=no") < at("ControlPersist=60s"),
            "{args:?}"
        );
        assert!(at("BatchMode=yes") < at("-C"), "{args:?}");
        assert!(at("-C") < at("ConnectTimeout=10"), "{args:?}");
        assert!(at("-C") < at("StrictHostKeyChecking=yes"), "{args:?}");
        assert_eq!(
            &args[args.len() - 6..],
            ["-S", "/tmp/d/m", "-E", "/tmp/d/log", "--", "web"]
        );
        assert!(args.windows(2).any(|w| w == ["-p", "2222"]), "{args:?}");
    }
}
