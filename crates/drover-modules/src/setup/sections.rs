//! Splits the gathering script's output into its sections. The output is data from the host:
//! a section is only what follows a line that is exactly the run's random marker and a known
//! name, and output that does not start with the first section or lacks the closing one is
//! refused as a whole (fail closed) rather than half-read.

use std::collections::HashMap;

/// The script's sections, by name, each as text (invalid UTF-8 replaced).
#[derive(Debug, Default)]
pub(crate) struct Sections {
    map: HashMap<String, String>,
}

impl Sections {
    /// Splits `stdout`, and the `files` section into the sections `files` names (see
    /// [`super::script::Script`]); an error says what was wrong with the output.
    pub(crate) fn parse(
        stdout: &[u8],
        marker: &str,
        files: &[(&str, &str)],
    ) -> Result<Sections, String> {
        let text = String::from_utf8_lossy(stdout);
        let prefix = format!("{marker} ");
        let mut map = HashMap::new();
        let mut current: Option<(String, String)> = None;
        let mut ended = false;
        for line in text.split('\n') {
            if let Some(name) = line.strip_prefix(&prefix) {
                let open = current.as_ref().is_some_and(|(n, _)| n == name);
                if ended || open || map.contains_key(name) {
                    return Err(format!("section `{name}` appears twice"));
                }
                if let Some((done, body)) = current.take() {
                    map.insert(done, body);
                }
                if name == "end" {
                    ended = true;
                    continue;
                }
                current = Some((name.to_owned(), String::new()));
            } else if let Some((_, body)) = &mut current {
                body.push_str(line);
                body.push('\n');
            } else if ended {
                if !line.is_empty() {
                    return Err("output after the last section".into());
                }
            } else if !line.is_empty() {
                return Err("output before the first section".into());
            }
        }
        if !ended {
            return Err("the output stops before its last section".into());
        }
        if !map.contains_key("uname") {
            return Err("the `uname` section is missing".into());
        }
        // Each section is printed after a blank line; the body's last line ends with that
        // blank line's newline, plus its own.
        for body in map.values_mut() {
            if body.ends_with("\n\n") {
                body.truncate(body.len() - 1);
            }
            if body == "\n" {
                body.clear();
            }
        }
        if let Some(lines) = map.remove("files") {
            let mut by_path: HashMap<&str, String> = HashMap::new();
            for line in lines.split_inclusive('\n') {
                // `grep -H` prefixes each line with its file's path, one of ours.
                let Some((path, rest)) = files.iter().find_map(|(_, p)| {
                    line.strip_prefix(p)
                        .and_then(|r| r.strip_prefix(':'))
                        .map(|r| (*p, r))
                }) else {
                    if line.trim().is_empty() {
                        continue;
                    }
                    return Err("a line of the files section names no file read".into());
                };
                by_path.entry(path).or_default().push_str(rest);
            }
            for (name, path) in files {
                if !map.contains_key(*name)
                    && let Some(body) = by_path.get(path)
                {
                    map.insert((*name).to_owned(), body.clone());
                }
            }
        }
        Ok(Sections { map })
    }

    /// A section's text ("" when the script did not print it).
    pub(crate) fn get(&self, name: &str) -> &str {
        self.map.get(name).map_or("", String::as_str)
    }

    /// A section's lines, without empty ones.
    pub(crate) fn lines(&self, name: &str) -> impl Iterator<Item = &str> {
        self.get(name).lines().filter(|l| !l.trim().is_empty())
    }

    /// A section's first line, trimmed, when it has one.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.lines(name).next().map(str::trim)
    }

    /// `name=value` lines of a section (the script's `r` helper).
    pub(crate) fn pairs(&self, name: &str) -> HashMap<&str, &str> {
        self.lines(name).filter_map(|l| l.split_once('=')).collect()
    }

    /// Whether the `paths` section lists `path` (it exists on the host).
    pub(crate) fn exists(&self, path: &str) -> bool {
        self.lines("paths").any(|l| l == path)
    }

    /// Whether the `bins` section lists `name` (it is on the host's `PATH`).
    pub(crate) fn has_bin(&self, name: &str) -> bool {
        self.lines("bins").any(|l| l == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Sections;

    #[test]
    fn splits_and_refuses_garbage() {
        let out = b"\nM uname\nLinux\n6.1\n\nM paths\n/x\n\nM end\n";
        let s = Sections::parse(out, "M", &[]).unwrap();
        assert_eq!(s.get("uname"), "Linux\n6.1\n");
        assert!(s.exists("/x") && !s.exists("/y"));
        assert!(Sections::parse(b"junk\nM uname\nx\nM end\n", "M", &[]).is_err());
        assert!(Sections::parse(b"\nM uname\nx\n", "M", &[]).is_err());
        assert!(Sections::parse(b"\nM uname\nM uname\nM end\n", "M", &[]).is_err());
        assert!(Sections::parse(b"\nM paths\nM end\n", "M", &[]).is_err());
        let files = [("a", "/x"), ("a", "/y"), ("b", "/y")];
        let out = b"\nM uname\nLinux\nM files\n/y:1\n/y:2:3\n/x:\nM end\n";
        let s = Sections::parse(out, "M", &files).unwrap();
        assert_eq!(s.get("a"), "\n");
        assert_eq!(s.get("b"), "1\n2:3\n");
        let bad = b"\nM uname\nLinux\nM files\n/z:1\nM end\n";
        assert!(Sections::parse(bad, "M", &files).is_err());
    }
}
