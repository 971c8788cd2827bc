//! Vault-encrypted YAML files: the loaders read the bytes, this opens them with the run's keyring
//! (`drover_vault::keyring`), and marks the strings such a file held as secrets to mask in
//! output. `!vault` values are opened where a node becomes data (`value.rs`).

use crate::Error;
use drover_types::{Span, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// A file's text, decrypted when it was vault-encrypted.
#[derive(Debug, Clone)]
pub struct FileText {
    /// The text (invalid UTF-8 replaced, as the loaders always did).
    pub text: String,
    /// Whether the file was vault-encrypted.
    pub encrypted: bool,
}

impl FileText {
    /// Decrypts `bytes` read from `file` when they are vault text; an error points at the file.
    pub fn open(bytes: Vec<u8>, file: &Arc<PathBuf>) -> Result<FileText, Error> {
        let encrypted = drover_vault::is_encrypted(&bytes);
        let bytes = drover_vault::open_if_encrypted(bytes).map_err(|e| Error::Unsupported {
            span: Span {
                file: file.clone(),
                line: 1,
                column: 1,
                offset: 0,
            },
            message: format!("could not decrypt this vault-encrypted file: {e}"),
        })?;
        Ok(FileText {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            encrypted,
        })
    }

    /// When the file was encrypted, remembers every string in `value` (read from it) as a
    /// secret, so the reporter masks it.
    pub fn reveal(&self, value: &Value) {
        if self.encrypted {
            reveal_strings(value);
        }
    }
}

fn reveal_strings(value: &Value) {
    match value {
        Value::String(s) => drover_vault::keyring::reveal(s),
        Value::Array(items) => items.iter().for_each(reveal_strings),
        Value::Object(map) => map.values().for_each(reveal_strings),
        _ => {}
    }
}
