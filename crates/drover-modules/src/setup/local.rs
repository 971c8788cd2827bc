//! `ansible_local`: the `*.fact` files of `fact_path`. An executable one is run and its output
//! read, any other is read; the text is JSON, else INI (sections of `key = value`, keys in
//! lower case as Python's `configparser` gives them), else an error message in its place, as
//! ansible-core does.

use drover_types::{Map, Value};

/// The facts of the `local` section (each file headed by `<marker> x<rc>` or `<marker> r` and
/// its path), and the warnings to give.
pub(super) fn local(section: &str, marker: &str) -> (Value, Vec<String>) {
    let mut local = Map::new();
    let mut warnings = Vec::new();
    let mut entries: Vec<(String, String, String)> = Vec::new();
    let mut lines = section.split('\n').peekable();
    while let Some(line) = lines.next() {
        let Some(kind) = line.strip_prefix(marker).map(str::trim) else {
            if let Some((_, _, body)) = entries.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        };
        let path = lines.next().unwrap_or_default().to_owned();
        entries.push((kind.to_owned(), path, String::new()));
    }
    for (kind, path, body) in entries {
        let base = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .replace(".fact", "");
        if let Some(rc) = kind.strip_prefix('x')
            && rc != "0"
        {
            let failed = format!("Failure executing fact script ({path}), rc: {rc}, err: ");
            warnings.push(failed.clone());
            local.insert(base, failed.into());
            continue;
        }
        let value = match serde_json::from_str::<Value>(&body) {
            Ok(v) => v,
            Err(_) => match ini(&body) {
                Some(v) => v,
                None => {
                    let msg = format!(
                        "error loading facts as JSON or ini - please check content: {path}"
                    );
                    warnings.push(msg.clone());
                    msg.into()
                }
            },
        };
        local.insert(base, value);
    }
    (Value::Object(local), warnings)
}

/// An INI text as `{section: {option: value}}`, `None` when `configparser` would refuse it.
fn ini(text: &str) -> Option<Value> {
    let mut sections: Vec<(String, Map)> = Vec::new();
    let mut defaults = Map::new();
    let mut in_default = false;
    let mut last_key: Option<String> = None;
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            last_key = None;
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented && let Some(key) = &last_key {
            // A continuation line of the value above.
            let target = if in_default {
                &mut defaults
            } else {
                &mut sections.last_mut()?.1
            };
            if let Some(Value::String(v)) = target.get_mut(key) {
                v.push('\n');
                v.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            if name == "DEFAULT" {
                in_default = true;
            } else {
                if sections.iter().any(|(n, _)| n == name) {
                    return None;
                }
                in_default = false;
                sections.push((name.to_owned(), Map::new()));
            }
            last_key = None;
            continue;
        }
        let split = trimmed.find(['=', ':'])?;
        let key = trimmed[..split].trim().to_lowercase();
        let value = trimmed[split + 1..].trim();
        let target = if in_default {
            &mut defaults
        } else {
            &mut sections.last_mut()?.1
        };
        if target.contains_key(&key) {
            return None;
        }
        target.insert(key.clone(), value.into());
        last_key = Some(key);
    }
    let mut out = Map::new();
    for (name, mut options) in sections {
        for (k, v) in &defaults {
            options.entry(k.clone()).or_insert_with(|| v.clone());
        }
        out.insert(name, Value::Object(options));
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ini_and_failures() {
        let section = "M r\n/f/a.fact\n{\"x\": 1}\n\nM r\n/f/b.fact\n[Sec]\nKey = v\nother: w\n\nM x3\n/f/c.fact\n\nM r\n/f/d.fact\nnot ini\n";
        let (v, warnings) = local(section, "M");
        assert_eq!(v["a"]["x"], 1);
        assert_eq!(v["b"]["Sec"]["key"], "v");
        assert_eq!(v["b"]["Sec"]["other"], "w");
        assert_eq!(
            v["c"],
            "Failure executing fact script (/f/c.fact), rc: 3, err: "
        );
        assert_eq!(
            v["d"],
            "error loading facts as JSON or ini - please check content: /f/d.fact"
        );
        assert_eq!(warnings.len(), 2);
    }
}
