//! Turning what `ssh` wrote to its log when it failed to connect into one clear message with a
//! hint about the usual fix.

/// The message for a failed connection to `who` (`user@host:port` as the user wrote it), from the
/// text ssh logged. Warnings that are not the cause (e.g. "Permanently added") are dropped.
pub(crate) fn connect_failure(who: &str, log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect();
    let detail = if lines.is_empty() {
        "ssh exited without saying why".to_owned()
    } else {
        lines.join("; ")
    };
    let lower = log.to_ascii_lowercase();
    let hint = if lower.contains("remote host identification has changed")
        || lower.contains("host key for") && lower.contains("has changed")
    {
        Some(
            "the host key has changed: if that is expected, remove the old key with \
             `ssh-keygen -R HOST` and add the new one with ssh-keyscan; otherwise someone may \
             be intercepting the connection",
        )
    } else if lower.contains("host key verification failed")
        || lower.contains("no ed25519 host key is known")
        || lower.contains("host key is known for")
        || lower.contains("no matching host key")
    {
        Some(
            "the host key is not known: add it with ssh-keyscan, or run with \
             --host-key-checking accept-new",
        )
    } else if lower.contains("permission denied") {
        Some(
            "authentication failed: check ansible_user / --user, ansible_ssh_private_key_file / \
             --private-key and your ssh agent",
        )
    } else if lower.contains("connection refused") {
        Some("nothing listens on that port: is sshd running, and is ansible_port right?")
    } else if lower.contains("timed out") {
        Some(
            "the host did not answer in time: check the address, the network and ansible_ssh_timeout",
        )
    } else if lower.contains("could not resolve hostname") {
        Some("the name does not resolve: check ansible_host")
    } else {
        None
    };
    match hint {
        Some(h) => format!("failed to connect to {who} over SSH: {detail} (hint: {h})"),
        None => format!("failed to connect to {who} over SSH: {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_usual_failures() {
        let m = connect_failure(
            "root@h:22",
            "Warning: Permanently added 'h' (ED25519) to the list of known hosts.\r\n\
             root@h: Permission denied (publickey).\r\n",
        );
        assert!(m.contains("Permission denied (publickey)"), "{m}");
        assert!(m.contains("hint: authentication failed"), "{m}");
        assert!(!m.contains("Permanently"), "{m}");
        let m = connect_failure(
            "h",
            "No ED25519 host key is known for [127.0.0.2]:2222 and you have requested strict \
             checking.\nHost key verification failed.\n",
        );
        assert!(m.contains("not known"), "{m}");
        assert!(m.contains("accept-new"), "{m}");
        let m = connect_failure(
            "h",
            "ssh: connect to host 127.0.0.1 port 1: Connection refused\n",
        );
        assert!(
            m.contains("Connection refused") && m.contains("is sshd running"),
            "{m}"
        );
        let m = connect_failure("h", "");
        assert!(m.contains("without saying why"), "{m}");
    }
}
