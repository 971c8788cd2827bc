//! `group_vars/` and `host_vars/` directories, read as Ansible's `host_group_vars` plugin reads
//! them: for a group or host `name`, the files `name`, `name.yml`, `name.yaml` and `name.json`
//! (each that exists), and if `name` is a directory every file in it and below it, sorted,
//! skipping hidden files, backups (`~`) and other extensions. Later files replace earlier keys.

use crate::Error;
use crate::yaml::{node_from_json, value_of};
use drover_types::{Layer, Span, Value};
use drover_yaml::NodeValue;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const EXTENSIONS: [&str; 3] = ["yml", "yaml", "json"];

/// The variables found in one directory's `group_vars/` and `host_vars/`.
#[derive(Debug, Clone, Default)]
pub(crate) struct VarsRoot {
    groups: HashMap<String, Layer>,
    hosts: HashMap<String, Layer>,
}

impl VarsRoot {
    /// Reads the vars of every named group and host under `dir`.
    pub(crate) fn load<'a>(
        dir: &Path,
        groups: impl IntoIterator<Item = &'a str>,
        hosts: impl IntoIterator<Item = &'a str>,
    ) -> Result<VarsRoot, Error> {
        let mut root = VarsRoot::default();
        root.add(dir, groups, hosts)?;
        Ok(root)
    }

    /// Reads the vars of more groups and hosts (ones added after loading).
    pub(crate) fn add<'a>(
        &mut self,
        dir: &Path,
        groups: impl IntoIterator<Item = &'a str>,
        hosts: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Error> {
        for (sub, names, target) in [
            (
                "group_vars",
                groups.into_iter().collect::<Vec<_>>(),
                &mut self.groups,
            ),
            (
                "host_vars",
                hosts.into_iter().collect::<Vec<_>>(),
                &mut self.hosts,
            ),
        ] {
            let base = dir.join(sub);
            if !base.is_dir() {
                continue;
            }
            for name in names {
                if target.contains_key(name) || !safe_entity_name(name) {
                    continue;
                }
                if let Some(vars) = entity_vars(&base, name)? {
                    target.insert(name.to_owned(), vars);
                }
            }
        }
        Ok(())
    }

    /// The vars for group `name` here, if there are any.
    pub(crate) fn group(&self, name: &str) -> Option<&Layer> {
        self.groups.get(name)
    }

    /// The vars for host `name` here, if there are any.
    pub(crate) fn host(&self, name: &str) -> Option<&Layer> {
        self.hosts.get(name)
    }
}

/// Names that cannot escape the vars directory (Ansible also skips absolute ones).
fn safe_entity_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

/// The merged vars of every file for `name` under `base`, or `None` when there is none.
fn entity_vars(base: &Path, name: &str) -> Result<Option<Layer>, Error> {
    let mut files = Vec::new();
    let bare = base.join(name);
    if bare.is_dir() {
        dir_files(&bare, &mut files, 0);
    } else if bare.is_file() {
        files.push(bare);
    }
    for ext in EXTENSIONS {
        let path = base.join(format!("{name}.{ext}"));
        if path.is_dir() {
            dir_files(&path, &mut files, 0);
        } else if path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    let mut vars = Layer::default();
    for file in files {
        if let Some(data) = read_vars_file(&file)? {
            vars.extend(&data);
        }
    }
    Ok(Some(vars))
}

/// Files under `dir`, sorted, recursing into subdirectories that have no extension.
fn dir_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let text = name.to_string_lossy();
        if text.starts_with('.') || text.ends_with('~') {
            continue;
        }
        let path = dir.join(&name);
        let ext = Path::new(&name)
            .extension()
            .map(|e| e.to_string_lossy().into_owned());
        if path.is_dir() {
            if ext.is_none() {
                dir_files(&path, out, depth + 1);
            }
        } else if path.is_file() && ext.as_deref().is_none_or(|e| EXTENSIONS.contains(&e)) {
            out.push(path);
        }
    }
}

/// One vars file: JSON or YAML holding a mapping (or nothing).
pub(crate) fn read_vars_file(path: &Path) -> Result<Option<Layer>, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let file = Arc::new(path.to_owned());
    let opened = drover_yaml::FileText::open(bytes, &file)?;
    let text = &opened.text;
    let node = match serde_json::from_str::<Value>(text) {
        Ok(json) => node_from_json(&json, &file),
        Err(_) => {
            let mut docs = drover_yaml::load_str(text, file.clone())?;
            if docs.len() > 1 {
                return Err(Error::Invalid {
                    span: docs[1].span.clone(),
                    message: "expected a single YAML document in a vars file, found several"
                        .to_owned(),
                });
            }
            match docs.pop() {
                Some(doc) => doc,
                None => return Ok(None),
            }
        }
    };
    match &node.value {
        NodeValue::Null => Ok(None),
        NodeValue::Map(_) => match value_of(&node)? {
            Value::Object(map) => {
                opened.reveal(&Value::Object(map.clone()));
                Ok(Some(Layer {
                    map,
                    trust: node.trust(),
                }))
            }
            _ => Ok(None),
        },
        _ => Err(Error::Invalid {
            span: Span {
                line: node.span.line.max(1),
                column: node.span.column.max(1),
                ..node.span.clone()
            },
            message: format!(
                "expected a mapping of variables in a vars file, found {}",
                node.kind_name()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fs;

    #[test]
    fn files_dirs_and_extensions() {
        let tmp = tempfile::tempdir().unwrap();
        let gv = tmp.path().join("group_vars");
        fs::create_dir_all(gv.join("web")).unwrap();
        fs::write(gv.join("all.json"), r#"{"a": 1, "b": 1}"#).unwrap();
        fs::write(gv.join("web/10-first.json"), r#"{"x": "first", "y": 1}"#).unwrap();
        fs::write(gv.join("web/20-second.json"), r#"{"x": "second"}"#).unwrap();
        fs::write(gv.join("web/.hidden"), r#"{"x": "hidden"}"#).unwrap();
        fs::write(gv.join("web/backup.json~"), r#"{"x": "backup"}"#).unwrap();
        fs::write(gv.join("web/notes.txt"), "not vars").unwrap();
        fs::write(gv.join("web.json"), r#"{"z": true}"#).unwrap();
        let hv = tmp.path().join("host_vars");
        fs::create_dir_all(&hv).unwrap();
        fs::write(hv.join("h1.example.com"), r#"{"h": 1}"#).unwrap();
        fs::write(hv.join("empty.json"), "null").unwrap();
        let root = VarsRoot::load(
            tmp.path(),
            ["all", "web", "db"],
            ["h1.example.com", "empty", "../x"],
        )
        .unwrap();
        assert_eq!(
            Value::Object(root.group("all").unwrap().map.clone()),
            json!({"a": 1, "b": 1})
        );
        assert_eq!(
            Value::Object(root.group("web").unwrap().map.clone()),
            json!({"x": "second", "y": 1, "z": true})
        );
        assert!(root.group("db").is_none());
        assert_eq!(root.host("h1.example.com").unwrap().map["h"], json!(1));
        assert!(root.host("empty").unwrap().map.is_empty());
    }

    #[test]
    fn non_mapping_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("group_vars")).unwrap();
        fs::write(tmp.path().join("group_vars/all.json"), "[1, 2]").unwrap();
        let err = VarsRoot::load(tmp.path(), ["all"], [])
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a mapping of variables"), "{err}");
        assert!(err.contains("all.json:1:1"), "{err}");
    }
}
