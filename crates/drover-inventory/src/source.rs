//! Inventory sources as `-i` names them: files, directories of files, and host lists.
//!
//! How a file's format is chosen (Ansible tries its `yaml` plugin, then `ini`):
//! - `.yml`, `.yaml` and `.json` files are YAML (JSON being read as JSON first);
//! - `.ini` files are INI;
//! - any other file is INI when it has an unindented `[group]` / `[group:kind]` line (no YAML
//!   inventory can have one); otherwise it is YAML when it parses as a YAML mapping whose values
//!   are all mappings or empty (groups), and INI when it does not. A YAML mapping that is not a
//!   valid INI file either is read as YAML, so its errors are reported the YAML way.
//!
//! A directory is read as Ansible reads it: its entries sorted by name, subdirectories
//! recursively, skipping hidden names, `group_vars`, `host_vars`, `vars_plugins`, and files
//! ending in `~`, `.orig`, `.cfg`, `.retry`, `.pyc`, `.pyo`, `.swp`, `.bak`, `.rpm`, `.md`,
//! `.txt` or `.rst`. Executable scripts (dynamic inventories) are skipped with a warning.
//! A source that does not exist but contains a comma is a host list (`web1,web2:2222,`).
//! A source that does not exist otherwise is skipped with a warning, as Ansible does.

use crate::data::Data;
use crate::range::parse_address;
use crate::{Error, ini, yaml};
use drover_types::Value;
use drover_yaml::{Node, NodeValue};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

const IGNORED_SUFFIXES: [&str; 12] = [
    "~", ".orig", ".cfg", ".retry", ".pyc", ".pyo", ".swp", ".bak", ".rpm", ".md", ".txt", ".rst",
];
const IGNORED_NAMES: [&str; 3] = ["group_vars", "host_vars", "vars_plugins"];

/// Whether a source names a host list rather than a path.
pub(crate) fn is_host_list(source: &Path) -> bool {
    !source.exists() && source.to_string_lossy().contains(',')
}

/// Reads one `-i` source into `data`. Returns whether anything was parsed.
pub(crate) fn load_source(
    data: &mut Data,
    source: &Path,
    warnings: &mut Vec<String>,
) -> Result<bool, Error> {
    if is_host_list(source) {
        load_host_list(data, &source.to_string_lossy());
        return Ok(true);
    }
    if source.is_dir() {
        return load_dir(data, source, warnings, 0);
    }
    if !source.exists() {
        // Ansible's wording, absolute path included.
        warnings.push(format!(
            "Unable to parse {} as an inventory source",
            absolute(source).display()
        ));
        return Ok(false);
    }
    load_file(data, source, warnings)
}

/// `-i 'web1,web2:2222,'`: names (and ports) into `ungrouped`, ranges not expanded.
fn load_host_list(data: &mut Data, list: &str) {
    data.current_source = None;
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (host, port) = match parse_address(item) {
            Some((host, port)) if !host.contains('[') => (host, port),
            _ => (item.to_owned(), None),
        };
        if !data.hosts.contains_key(&host) {
            data.add_host(&host, "ungrouped", port);
        }
    }
}

fn load_dir(
    data: &mut Data,
    dir: &Path,
    warnings: &mut Vec<String>,
    depth: usize,
) -> Result<bool, Error> {
    if depth > 16 {
        warnings.push(format!(
            "{}: inventory directories nested too deeply; skipped",
            dir.display()
        ));
        return Ok(false);
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    let mut parsed = false;
    for name in names {
        let text = name.to_string_lossy();
        if text.starts_with('.')
            || IGNORED_NAMES.contains(&text.as_ref())
            || IGNORED_SUFFIXES.iter().any(|s| text.ends_with(s))
        {
            continue;
        }
        let path = dir.join(&name);
        let this = if path.is_dir() {
            load_dir(data, &path, warnings, depth + 1)?
        } else {
            load_file(data, &path, warnings)?
        };
        parsed |= this;
    }
    Ok(parsed)
}

fn load_file(data: &mut Data, path: &Path, warnings: &mut Vec<String>) -> Result<bool, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let file = Arc::new(path.to_owned());
    // A vault-encrypted inventory is opened like any vars file (ansible's loader does).
    let text = drover_yaml::FileText::open(bytes, &file)?.text;
    if text.starts_with("#!") && is_executable(path) {
        warnings.push(format!(
            "{}: skipping an executable inventory script; drover reads only YAML and INI inventories",
            path.display()
        ));
        return Ok(false);
    }
    data.current_source = Some(absolute(path));
    let result = parse_text(data, &text, &file, format_of(path), warnings);
    data.current_source = None;
    result.map(|()| true)
}

/// What a file's name says about its format.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Format {
    /// YAML or JSON.
    Yaml,
    /// INI.
    Ini,
    /// Decide from the content.
    Guess,
}

fn format_of(path: &Path) -> Format {
    match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("yml" | "yaml" | "json") => Format::Yaml,
        Some("ini") => Format::Ini,
        _ => Format::Guess,
    }
}

/// Parses `text` in `format` into `data`, guessing the format when asked to.
pub(crate) fn parse_text(
    data: &mut Data,
    text: &str,
    file: &Arc<PathBuf>,
    format: Format,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    match format {
        Format::Ini => ini::parse(data, text, file),
        Format::Yaml => match yaml_document(text, file)? {
            Some(doc) => yaml::parse(data, &doc, warnings),
            None => {
                warnings.push(format!("{}: the YAML inventory is empty", file.display()));
                Ok(())
            }
        },
        Format::Guess => {
            if ini::looks_like_ini(text) {
                return ini::parse(data, text, file);
            }
            let doc = match yaml_document(text, file) {
                Ok(Some(doc)) if matches!(doc.value, NodeValue::Map(_)) => doc,
                _ => return ini::parse(data, text, file),
            };
            if looks_like_groups(&doc) {
                return yaml::parse(data, &doc, warnings);
            }
            let mut scratch = data.clone();
            match ini::parse(&mut scratch, text, file) {
                Ok(()) => {
                    *data = scratch;
                    Ok(())
                }
                Err(_) => yaml::parse(data, &doc, warnings),
            }
        }
    }
}

/// A mapping whose values are all mappings or empty: what a YAML inventory's top level is.
fn looks_like_groups(doc: &Node) -> bool {
    match &doc.value {
        NodeValue::Map(entries) => entries
            .iter()
            .all(|(_, v)| matches!(v.value, NodeValue::Map(_) | NodeValue::Null)),
        _ => false,
    }
}

/// The single document in `text` (JSON first, then YAML); `None` when there is none.
pub(crate) fn yaml_document(text: &str, file: &Arc<PathBuf>) -> Result<Option<Node>, Error> {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(json) = serde_json::from_str::<Value>(text)
    {
        return Ok(Some(yaml::node_from_json(&json, file)));
    }
    let mut docs = drover_yaml::load_str(text, file.clone())?;
    if docs.len() > 1 {
        return Err(Error::Invalid {
            span: docs[1].span.clone(),
            message: "expected a single YAML document in an inventory file, found several"
                .to_owned(),
        });
    }
    Ok(docs.pop())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    false
}

/// `path` made absolute and normalised without touching the file system (Ansible's
/// `unfrackpath(follow=False)`).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The directory whose `group_vars/` and `host_vars/` belong to `source`, if it has one.
pub(crate) fn vars_dir_of(source: &Path) -> Option<PathBuf> {
    if is_host_list(source) || !source.exists() {
        return None;
    }
    if source.is_dir() {
        return Some(source.to_owned());
    }
    match source.parent() {
        Some(p) if !p.as_os_str().is_empty() => Some(p.to_owned()),
        _ => Some(PathBuf::from(".")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lists() {
        let mut d = Data::default();
        load_host_list(&mut d, "web1, web2:2222,,10.0.0.1,db[1:2]");
        assert_eq!(
            d.hosts.keys().collect::<Vec<_>>(),
            ["web1", "web2", "10.0.0.1", "db[1:2]"]
        );
        assert_eq!(d.hosts["web2"].vars.map["ansible_port"], Value::from(2222));
        assert_eq!(d.hosts["web1"].vars.map["inventory_file"], Value::Null);
        assert!(is_host_list(Path::new("a,b")));
        assert!(!is_host_list(Path::new("single")));
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(absolute(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert!(absolute(Path::new("x")).is_absolute());
        assert_eq!(vars_dir_of(Path::new("a,b")), None);
    }

    #[test]
    fn guessing_prefers_ini_sections() {
        let mut d = Data::default();
        let mut w = Vec::new();
        let file = Arc::new(PathBuf::from("hosts"));
        parse_text(&mut d, "[web]\nw1\n", &file, Format::Guess, &mut w).unwrap();
        assert!(d.groups["web"].hosts.contains(&"w1".to_owned()));
        let mut d = Data::default();
        parse_text(
            &mut d,
            "{\"web\": {\"hosts\": {\"j1\": null}}}",
            &file,
            Format::Guess,
            &mut w,
        )
        .unwrap();
        assert!(d.groups["web"].hosts.contains(&"j1".to_owned()));
    }
}
