//! YAML read the way Ansible (PyYAML, YAML 1.1) reads it, with a [`Span`] on every node.
//!
//! [`load_str`] turns text into [`Node`]s: `yes/no/on/off` are booleans and `y`/`n` stay text,
//! `0755` is the integer 493, `<<` merge keys are applied, anchors and aliases are resolved, and
//! the `!unsafe` and `!vault` tags are kept on the node. [`Node::to_value`] gives the plain data
//! (marking `!unsafe` text with [`drover_types::mark_unsafe`], refusing `!vault` until vault
//! support exists). This crate reads text it is given; it never reads files itself.

use drover_types::{Span, Value};

/// A YAML tag drover acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    /// `!unsafe`: never template this value.
    Unsafe,
    /// `!vault`: an Ansible Vault encrypted value.
    Vault,
    /// Any other explicit tag, as written (`!!str` is applied and not kept).
    Other(String),
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `~`, `null`, or nothing.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer (decimal, `0x`, `0b`, or leading-zero octal).
    Int(i64),
    /// A float, `.inf` and `.nan` included.
    Float(f64),
    /// Text.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, merge keys already applied.
    Map(Vec<(Node, Node)>),
}

/// A YAML value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// Where it starts.
    pub span: Span,
    /// Its explicit tag, when it has one drover keeps.
    pub tag: Option<Tag>,
}

/// Why YAML could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not valid YAML.
    #[error("{span}: {message}")]
    Syntax {
        /// Where the parser stopped.
        span: Span,
        /// What it expected.
        message: String,
    },
    /// Valid YAML that drover cannot turn into data (a `!vault` value, an unknown alias...).
    #[error("{span}: {message}")]
    Unsupported {
        /// The node.
        span: Span,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Reads every document in `source`; `file` names it in spans. An empty text is no documents.
pub fn load_str(source: &str, file: std::sync::Arc<std::path::PathBuf>) -> Result<Vec<Node>, Error> {
    let _ = (source, file);
    todo!("drover-yaml: parse with saphyr-parser events")
}

impl Node {
    /// The node as plain data. Mapping keys become text (`1: a` has key `"1"`, `true` is
    /// `"True"`, as Python's `str()` would write it).
    pub fn to_value(&self) -> Result<Value, Error> {
        todo!("drover-yaml: to_value")
    }

    /// The value under `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.value, NodeValue::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A short name for the kind of value, for error messages ("a mapping", "a string").
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }
}
