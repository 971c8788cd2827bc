//! Editing plaintext for `vault create` and `vault edit`: a private temp file (mode 0600, created
//! new, in the temp dir), the user's `$EDITOR` (split as a shell would, default `vi`) run on it,
//! and the file overwritten and removed afterwards whatever happened, so no plaintext is left.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why an edit did not give text back.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The temp file could not be made, written or read.
    #[error("could not use a temporary file for editing: {0}")]
    Io(#[from] std::io::Error),
    /// `$EDITOR` could not be split or run.
    #[error("Unable to execute the command \"{command}\": {message}")]
    Editor {
        /// The editor command.
        command: String,
        /// Why.
        message: String,
    },
}

/// A temp file removed (after being overwritten) when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let len = std::fs::metadata(&self.0).map(|m| m.len()).unwrap_or(0);
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&self.0) {
            let _ = f.write_all(&vec![0u8; len as usize]);
            let _ = f.sync_all();
        }
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes `initial` to a private temp file named like `like` (same extension, so editors pick
/// the right mode), runs `editor` (a shell-style command line) on it, and returns what the file
/// holds afterwards. The temp file is gone when this returns.
pub fn edit(initial: &[u8], like: &Path, editor: &str) -> Result<Vec<u8>, EditError> {
    let words = split(editor).ok_or_else(|| EditError::Editor {
        command: editor.to_owned(),
        message: "its quotes are not balanced".to_owned(),
    })?;
    let suffix = like
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let (scratch, mut file) = create_private(&suffix)?;
    file.write_all(initial)?;
    file.sync_all()?;
    drop(file);
    let Some((program, args)) = words.split_first() else {
        return Err(EditError::Editor {
            command: editor.to_owned(),
            message: "it is empty".to_owned(),
        });
    };
    let status = std::process::Command::new(program)
        .args(args)
        .arg(&scratch.0)
        .status()
        .map_err(|e| EditError::Editor {
            command: format!("{editor} {}", scratch.0.display()),
            message: e.to_string(),
        })?;
    if !status.success() {
        return Err(EditError::Editor {
            command: format!("{editor} {}", scratch.0.display()),
            message: format!("it exited with {status}"),
        });
    }
    Ok(std::fs::read(&scratch.0)?)
}

fn create_private(suffix: &str) -> Result<(Scratch, std::fs::File), EditError> {
    let dir = std::env::temp_dir();
    for _ in 0..16 {
        let mut bits = [0u8; 8];
        getrandom::fill(&mut bits).map_err(|e| std::io::Error::other(e.to_string()))?;
        let name: String = bits.iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!("drover-vault-{name}{suffix}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => return Ok((Scratch(path), file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(std::io::Error::other("no free temporary file name").into())
}

/// Splits an editor command line on whitespace, honouring single and double quotes and
/// backslashes (what Python's `shlex.split` does for such commands).
fn split(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => w.push(chars.next()?),
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_editor_sees_a_private_file_that_is_gone_afterwards() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let script = dir.path().join("ed.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nstat -c %a \"$1\" > '{0}'\necho \"$1\" >> '{0}'\necho more >> \"$1\"\n",
                seen.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
        let out = edit(
            b"old\n",
            Path::new("x.yml"),
            &format!("'{}'", script.display()),
        )
        .unwrap();
        assert_eq!(out, b"old\nmore\n");
        let seen = std::fs::read_to_string(seen).unwrap();
        let mut lines = seen.lines();
        assert_eq!(lines.next(), Some("600"));
        let temp = lines.next().unwrap();
        assert!(temp.ends_with(".yml"), "{temp}");
        assert!(!Path::new(temp).exists());
    }

    #[test]
    fn a_failing_editor_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let script = dir.path().join("ed.sh");
        let body = format!(
            "#!/bin/sh\nprintf %s \"$1\" > '{}'\nexit 3\n",
            seen.display()
        );
        std::fs::write(&script, body).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
        let err = edit(b"secret", Path::new("x"), &script.display().to_string()).unwrap_err();
        assert!(err.to_string().contains("exited with"), "{err}");
        let temp = std::fs::read_to_string(seen).unwrap();
        assert!(!Path::new(&temp).exists(), "{temp}");
        assert!(edit(b"secret", Path::new("x"), "'unbalanced").is_err());
        assert!(edit(b"secret", Path::new("x"), "/nonexistent/editor").is_err());
    }

    #[test]
    fn editor_commands_split_like_a_shell() {
        assert_eq!(
            split("code --wait 'a b' \"c\\\"d\"").unwrap(),
            ["code", "--wait", "a b", "c\"d"]
        );
        assert!(split("'open").is_none());
    }
}
