//! `-e`: `key=value` pairs, inline YAML/JSON, or `@file`, as ansible-playbook reads them.

use anyhow::{Context, Result, bail};
use drover_types::{Layer, Value};
use std::path::Path;
use std::sync::Arc;

/// Merges every `-e` in order; later ones win. Values written `!unsafe` in YAML keep their trust.
pub(crate) fn parse_all(args: &[String]) -> Result<Layer> {
    let mut vars = Layer::default();
    for arg in args {
        vars.extend(&parse_one(arg)?);
    }
    Ok(vars)
}

fn parse_one(arg: &str) -> Result<Layer> {
    if let Some(file) = arg.strip_prefix('@') {
        let bytes = std::fs::read(file)
            .with_context(|| format!("could not read extra vars file `{file}`"))?;
        let opened = drover_yaml::FileText::open(bytes, &Arc::new(file.into()))?;
        let layer = yaml_map(&opened.text, Path::new(file))?;
        opened.reveal(&Value::Object(layer.map.clone()));
        return Ok(layer);
    }
    let trimmed = arg.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return yaml_map(arg, Path::new("<extra vars>"));
    }
    let mut parsed = drover_playbook::kv::parse(arg)
        .map_err(|e| anyhow::anyhow!("invalid extra vars `{arg}`: {e}"))?;
    // Words without `=` are dropped, as ansible-playbook drops them (`-e "k=a b"` sets k=a).
    parsed.remove("_raw_params");
    if parsed.is_empty() {
        bail!("invalid extra vars `{arg}`: expected `key=value`, YAML/JSON, or `@file`");
    }
    Ok(Layer::template(parsed))
}

fn yaml_map(text: &str, origin: &Path) -> Result<Layer> {
    let docs = drover_yaml::load_str(text, Arc::new(origin.to_path_buf()))?;
    let Some(doc) = docs.first() else {
        return Ok(Layer::default());
    };
    match doc.to_value()? {
        Value::Object(map) => Ok(Layer {
            map,
            trust: doc.trust(),
        }),
        Value::Null => Ok(Layer::default()),
        _ => bail!(
            "extra vars from `{}` must be a mapping of names to values",
            origin.display()
        ),
    }
}
