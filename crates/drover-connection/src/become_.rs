//! Wrapping a script so that it runs as another user (`become`), shared by every connection.
//!
//! sudo reads its password on standard input (`-S`), but only when it needs one: with a cached
//! credential or a `NOPASSWD` rule it leaves the line unread, and the script would see it. So when
//! a password is given the input is `password \n SENTINEL \n input`, and the wrapped shell first
//! discards every line up to and including the sentinel (the shell's `read` never reads past a
//! newline on a pipe), whether or not sudo took the password line. The password never appears on
//! a command line.

use drover_types::{Become, BecomeMethod, shell_quote};

/// The line that separates the become password from the command's own input.
pub const BECOME_SENTINEL: &str = "__DROVER_BECOME_INPUT_STARTS__";

/// The command line (for `/bin/sh -c`) that runs `script` as `become_.user` with its method.
///
/// sudo: `sudo -H -S -n -u USER -- /bin/sh -c SCRIPT` (without `-n`, and with an empty prompt,
/// when a password is given; see [`become_stdin`] for the input that must go with it).
/// su: `su USER -c SCRIPT`; su reads a password only from a terminal, so a password is not
/// supported over a pipe and su works only from root.
pub fn wrap_become(script: &str, become_: &Become) -> String {
    let user = shell_quote(&become_.user);
    match become_.method {
        BecomeMethod::Sudo => {
            if become_.password.is_some() {
                let inner = format!(
                    "while IFS= read -r drover_l; do [ \"$drover_l\" = {} ] && break; done; {}",
                    BECOME_SENTINEL, script
                );
                format!(
                    "sudo -H -S -p '' -u {user} -- /bin/sh -c {}",
                    shell_quote(&inner)
                )
            } else {
                format!(
                    "sudo -H -S -n -u {user} -- /bin/sh -c {}",
                    shell_quote(script)
                )
            }
        }
        BecomeMethod::Su => format!("su {user} -c {}", shell_quote(script)),
    }
}

/// The standard input to send with a script wrapped by [`wrap_become`]: the command's own input
/// unchanged, or, for sudo with a password, the password and the sentinel line before it.
pub fn become_stdin(stdin: Option<&[u8]>, become_: &Become) -> Option<Vec<u8>> {
    match (&become_.password, become_.method) {
        (Some(password), BecomeMethod::Sudo) => {
            let mut out = Vec::with_capacity(password.len() + BECOME_SENTINEL.len() + 2);
            out.extend_from_slice(password.as_bytes());
            out.push(b'\n');
            out.extend_from_slice(BECOME_SENTINEL.as_bytes());
            out.push(b'\n');
            if let Some(data) = stdin {
                out.extend_from_slice(data);
            }
            Some(out)
        }
        _ => stdin.map(<[u8]>::to_vec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn become_(method: BecomeMethod, password: Option<&str>) -> Become {
        Become {
            user: "ro'ot".into(),
            method,
            password: password.map(str::to_owned),
        }
    }

    #[test]
    fn sudo_without_password_is_non_interactive() {
        let b = become_(BecomeMethod::Sudo, None);
        let w = wrap_become("echo 'hi'", &b);
        assert_eq!(
            w,
            "sudo -H -S -n -u 'ro'\\''ot' -- /bin/sh -c 'echo '\\''hi'\\'''"
        );
        assert_eq!(become_stdin(Some(b"x"), &b), Some(b"x".to_vec()));
        assert_eq!(become_stdin(None, &b), None);
    }

    #[test]
    fn sudo_password_goes_on_stdin_only() {
        let b = become_(BecomeMethod::Sudo, Some("s3cr'et"));
        let w = wrap_become("cat", &b);
        assert!(!w.contains("s3cr"));
        assert!(!w.contains(" -n "));
        let input = become_stdin(Some(b"data"), &b).unwrap();
        assert_eq!(
            input,
            format!("s3cr'et\n{BECOME_SENTINEL}\ndata").into_bytes()
        );
    }

    #[test]
    fn su_quotes_user_and_script() {
        let b = become_(BecomeMethod::Su, None);
        assert_eq!(wrap_become("id", &b), "su 'ro'\\''ot' -c 'id'");
    }
}
