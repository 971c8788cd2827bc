//! Vault secrets and where they come from: `--vault-id label@source`, `--vault-password-file`,
//! `--ask-vault-pass`, as Ansible reads them.
//!
//! A source is `prompt` (the terminal, without echo), an executable (its standard output; one
//! whose name ends in `-client` is asked for `--vault-id LABEL`), or a file (its content with
//! surrounding whitespace stripped).

use crate::Error;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The label of a secret given without one.
pub const DEFAULT_LABEL: &str = "default";

/// One vault password and its label. Its `Debug` never shows the password.
#[derive(Clone)]
pub struct Secret {
    /// The vault id (`default` when none was given).
    pub label: String,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.label)
    }
}

impl Secret {
    /// A secret from its bytes.
    pub fn new(label: impl Into<String>, bytes: Vec<u8>) -> Secret {
        Secret {
            label: label.into(),
            bytes,
        }
    }

    /// The password.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Whether passwords read from a prompt are new ones (asked twice, for encrypting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Opening existing vault text: asked once.
    Open,
    /// Encrypting: asked twice and compared.
    Create,
}

/// A `--vault-id` as written: `label@source`, or `source` alone (label `default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The label given before `@`, if any.
    pub label: Option<String>,
    /// `prompt` or a file path.
    pub source: String,
}

impl Identity {
    /// Splits `label@source` at the first `@`.
    pub fn parse(text: &str) -> Result<Identity, Error> {
        if text.contains(';') {
            return Err(Error::Usage(format!(
                "'{text}' is not a valid vault id. The character ';' is not allowed in vault ids"
            )));
        }
        Ok(match text.split_once('@') {
            Some((label, source)) => Identity {
                label: Some(label.to_owned()),
                source: source.to_owned(),
            },
            None => Identity {
                label: None,
                source: text.to_owned(),
            },
        })
    }

    /// A password file given with `--vault-password-file` (label `default`).
    pub fn password_file(path: &Path) -> Identity {
        Identity {
            label: Some(DEFAULT_LABEL.to_owned()),
            source: path.display().to_string(),
        }
    }

    /// `--ask-vault-pass`.
    pub fn ask() -> Identity {
        Identity {
            label: Some(DEFAULT_LABEL.to_owned()),
            source: ASK.to_owned(),
        }
    }

    fn label(&self) -> &str {
        self.label
            .as_deref()
            .filter(|l| !l.is_empty())
            .unwrap_or(DEFAULT_LABEL)
    }
}

// `--ask-vault-pass` prompts differ from a `label@prompt` one's.
const ASK: &str = "prompt_ask_vault_pass";

/// Reads every identity's secret, in order. A source that cannot be read is a warning (the
/// returned strings) while another one works, and the error when none does, as in Ansible.
pub fn load_all(
    identities: &[Identity],
    purpose: Purpose,
) -> Result<(Vec<Secret>, Vec<String>), Error> {
    let mut secrets = Vec::new();
    let mut warnings = Vec::new();
    let mut last = None;
    for identity in identities {
        match load(identity, purpose) {
            Ok(secret) => secrets.push(secret),
            // A failed prompt stops everything (the user is there to see it).
            Err(e) if identity.source == "prompt" || identity.source == ASK => return Err(e),
            Err(e) => {
                warnings.push(format!(
                    "Error getting vault password file ({}): {e}",
                    identity.label()
                ));
                last = Some(e);
            }
        }
    }
    match last {
        Some(e) if secrets.is_empty() => Err(e),
        _ => Ok((secrets, warnings)),
    }
}

/// Reads one identity's secret.
pub fn load(identity: &Identity, purpose: Purpose) -> Result<Secret, Error> {
    let label = identity.label().to_owned();
    let bytes = match identity.source.as_str() {
        "prompt" | ASK => prompt(identity, &label, purpose)?,
        path => from_path(Path::new(path), &label)?,
    };
    Ok(Secret { label, bytes })
}

fn prompt(identity: &Identity, label: &str, purpose: Purpose) -> Result<Vec<u8>, Error> {
    let asks: Vec<String> = match (identity.source == ASK, purpose) {
        (true, Purpose::Open) => vec!["Vault password: ".into()],
        (true, Purpose::Create) => vec![
            "New Vault password: ".into(),
            "Confirm New Vault password: ".into(),
        ],
        (false, Purpose::Open) => vec![format!("Vault password ({label}): ")],
        (false, Purpose::Create) => vec![
            format!("New vault password ({label}): "),
            format!("Confirm new vault password ({label}): "),
        ],
    };
    if !std::io::stdin().is_terminal() {
        return Err(Error::NoTerminal);
    }
    let mut answers = Vec::new();
    for ask in asks {
        let answer = rpassword::prompt_password(ask).map_err(|e| Error::Prompt(e.to_string()))?;
        let answer = answer.trim().as_bytes().to_vec();
        if answer.is_empty() {
            return Err(Error::EmptyPassword("the prompt".to_owned()));
        }
        answers.push(answer);
    }
    if answers.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::Mismatch);
    }
    Ok(answers.swap_remove(0))
}

fn from_path(path: &Path, label: &str) -> Result<Vec<u8>, Error> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|_| Error::PasswordFile {
        path: shown.clone(),
        message: "was not found".to_owned(),
    })?;
    if meta.is_dir() {
        return Err(Error::PasswordFile {
            path: shown,
            message: "is a directory, not a file".to_owned(),
        });
    }
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o111 != 0 {
        return run_script(path, label);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::PasswordFile {
        path: shown.clone(),
        message: format!("could not be read: {e}"),
    })?;
    let bytes = trim(&bytes, |b| b.is_ascii_whitespace()).to_vec();
    if bytes.is_empty() {
        return Err(Error::EmptyPassword(format!("file ({shown})")));
    }
    Ok(bytes)
}

fn run_script(path: &Path, label: &str) -> Result<Vec<u8>, Error> {
    let shown = path.display().to_string();
    let mut command = std::process::Command::new(absolute(path));
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let client = stem.is_some_and(|s| s.ends_with("-client"));
    if client {
        command.args(["--vault-id", label]);
    }
    let out = command
        .stdin(std::process::Stdio::inherit())
        .stderr(if client {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::inherit()
        })
        .output()
        .map_err(|e| Error::PasswordFile {
            path: shown.clone(),
            message: format!(
                "could not be run ({e}); if it is not a script, remove its executable bit"
            ),
        })?;
    let code = out.status.code().unwrap_or(-1);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let message = if client && code == 2 {
            format!("did not find a secret for vault-id={label}: {stderr}")
        } else {
            format!("returned non-zero ({code}): {stderr}")
        };
        return Err(Error::PasswordFile {
            path: shown,
            message,
        });
    }
    let bytes = trim(&out.stdout, |b| b == b'\r' || b == b'\n').to_vec();
    if bytes.is_empty() {
        return Err(Error::EmptyPassword(format!("script ({shown})")));
    }
    Ok(bytes)
}

fn absolute(path: &Path) -> PathBuf {
    if path.components().count() == 1 && path.is_relative() {
        // A bare name would be looked up on PATH; Ansible runs the file given.
        Path::new(".").join(path)
    } else {
        path.to_owned()
    }
}

fn trim(bytes: &[u8], strip: impl Fn(u8) -> bool) -> &[u8] {
    let start = bytes.iter().position(|b| !strip(*b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !strip(*b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_is_stripped_and_a_script_is_run() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "  s3cret \n\n").unwrap();
        let secret = load(
            &Identity::parse(&format!("dev@{}", file.display())).unwrap(),
            Purpose::Open,
        )
        .unwrap();
        assert_eq!(
            (secret.label.as_str(), secret.bytes()),
            ("dev", &b"s3cret"[..])
        );

        let script = dir.path().join("pw-client.sh");
        std::fs::write(&script, "#!/bin/sh\necho \"$1=$2\"\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
        let id = Identity::parse(&format!("prod@{}", script.display())).unwrap();
        assert_eq!(
            load(&id, Purpose::Open).unwrap().bytes(),
            b"--vault-id=prod"
        );
    }

    #[test]
    fn failures_are_errors_without_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let err = load(&Identity::password_file(&empty), Purpose::Open).unwrap_err();
        assert!(err.to_string().contains("Invalid vault password"), "{err}");
        let missing = Identity::password_file(&dir.path().join("nope"));
        assert!(
            load(&missing, Purpose::Open)
                .unwrap_err()
                .to_string()
                .contains("was not found")
        );
        assert!(Identity::parse("a;b@c").is_err());
        let both = [missing.clone(), Identity::password_file(&empty)];
        assert!(load_all(&both, Purpose::Open).is_err());
        let file = dir.path().join("pw");
        std::fs::write(&file, "pw").unwrap();
        let (found, warnings) =
            load_all(&[missing, Identity::password_file(&file)], Purpose::Open).unwrap();
        assert_eq!((found.len(), warnings.len()), (1, 1));
    }
}
