//! YAML read the way Ansible (PyYAML, YAML 1.1) reads it, with a [`Span`] on every node.
//!
//! [`load_str`] turns text into [`Node`]s: `yes/no/on/off` are booleans and `y`/`n` stay text,
//! `0755` is the integer 493, `<<` merge keys are applied, anchors and aliases are resolved, and
//! the `!unsafe` and `!vault` tags are kept on the node. [`Node::to_value`] gives the plain data
//! (opening `!vault` values with `drover_vault`'s keyring) and [`Node::trust`] which parts `!unsafe`
//! tagged. This crate reads text it is given; it never reads files itself.

#![forbid(unsafe_code)]

mod build;
mod resolve;
mod value;
mod vault;

use drover_types::{Span, Trust, Value};
use std::path::PathBuf;
use std::sync::Arc;

pub use value::python_str;
pub use vault::FileText;

/// Something odd but accepted, worth telling the user (a key written twice in one mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub span: Span,
    /// What, in a sentence.
    pub message: String,
}

/// The deepest nesting [`load_str`] accepts; deeper documents are an [`Error::Unsupported`].
pub const MAX_DEPTH: usize = build::MAX_DEPTH;

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
    /// Valid YAML that drover cannot turn into data (a `!vault` value no secret opens, an unknown alias...).
    #[error("{span}: {message}")]
    Unsupported {
        /// The node.
        span: Span,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Reads every document in `source`; `file` names it in spans. An empty text is no documents.
pub fn load_str(source: &str, file: Arc<PathBuf>) -> Result<Vec<Node>, Error> {
    load_str_with_warnings(source, file).map(|(docs, _)| docs)
}

/// [`load_str`], also returning the warnings (duplicate keys) the text deserves.
pub fn load_str_with_warnings(
    source: &str,
    file: Arc<PathBuf>,
) -> Result<(Vec<Node>, Vec<Warning>), Error> {
    build::load(source, file)
}

impl Error {
    /// Where the problem is.
    pub fn span(&self) -> &Span {
        match self {
            Error::Syntax { span, .. } | Error::Unsupported { span, .. } => span,
        }
    }

    /// What is wrong, without the position.
    pub fn message(&self) -> &str {
        match self {
            Error::Syntax { message, .. } | Error::Unsupported { message, .. } => message,
        }
    }
}

impl Node {
    /// The node as plain data. Mapping keys become text (`1: a` has key `"1"`, `true` is
    /// `"True"`, as Python's `str()` would write it).
    ///
    /// Floats that JSON cannot hold become Python's text for them (`inf`, `nan`). A `!vault`
    /// value is decrypted with the run's keyring (when that fails, or for an unknown tag such as
    /// `!!binary` or `!foo`, the result is an [`Error::Unsupported`]). `!unsafe`
    /// leaves the value as it is: [`Node::trust`] says which parts it tagged.
    pub fn to_value(&self) -> Result<Value, Error> {
        value::to_value(self)
    }

    /// Which parts of the value may be rendered as templates: [`Trust::Data`] for a node tagged
    /// `!unsafe`, [`Trust::Parts`] naming the tagged parts of a mapping or list.
    pub fn trust(&self) -> Trust {
        value::trust(self)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file() -> Arc<PathBuf> {
        Arc::new(PathBuf::from("test.yml"))
    }

    fn one(source: &str) -> Node {
        let mut docs = load_str(source, file()).expect("valid yaml");
        assert_eq!(docs.len(), 1, "{source}");
        docs.remove(0)
    }

    fn value(source: &str) -> Value {
        one(source).to_value().expect("convertible")
    }

    #[test]
    fn scalars_resolve_as_yaml_1_1() {
        assert_eq!(
            value(
                "[yes, no, y, n, on, off, ~, null, '', 0755, 0o755, 0x10, 1_000, 1.5, 1e3, 1.0e+3, '0755', \"yes\"]"
            ),
            json!([
                true, false, "y", "n", true, false, null, null, "", 493, "0o755", 16, 1000, 1.5,
                "1e3", 1000.0, "0755", "yes"
            ])
        );
        assert_eq!(
            value("a:\nb: !!str 12\nc: !!int '12'\nd: !!float 1\ne: !!bool 'yes'\nf: |\n  yes\n"),
            json!({"a": null, "b": "12", "c": 12, "d": 1.0, "e": true, "f": "yes\n"})
        );
    }

    #[test]
    fn keys_become_python_text() {
        assert_eq!(
            value("{1: a, true: b, null: c, 1.5: d, no: e, x: f}"),
            json!({"1": "b", "None": "c", "1.5": "d", "False": "e", "x": "f"})
        );
    }

    #[test]
    fn spans_are_one_based_and_byte_offsets() {
        let doc = one("a: 1\nbé: x\nc: [1, 2]\n");
        let c = doc.get("c").expect("c");
        assert_eq!((c.span.line, c.span.column, c.span.offset), (3, 4, 15));
        let b = doc.get("bé").expect("bé");
        assert_eq!((b.span.line, b.span.column, b.span.offset), (2, 5, 10));
        assert_eq!(b.span.to_string(), "test.yml:2:5");
    }

    #[test]
    fn merge_keys_follow_pyyaml() {
        // Checked against Ansible 2.19 with PyYAML 6.0.4.
        let src = "base: &b {a: 1, bb: 2, c: 0}\nother: &o {bb: 3, c: 4, e: 1}\nx:\n  <<: [*b, *o]\n  c: 5\n  d: 6\ny:\n  <<: *b\n  a: 9\nz: {'<<': 1}\n";
        let v = value(src);
        assert_eq!(v["x"], json!({"a": 1, "bb": 3, "c": 5, "e": 1, "d": 6}));
        assert_eq!(
            v["x"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>()),
            Some(vec![
                "a".to_owned(),
                "bb".into(),
                "c".into(),
                "e".into(),
                "d".into()
            ])
        );
        assert_eq!(v["y"], json!({"a": 9, "bb": 2, "c": 0}));
        assert_eq!(v["z"], json!({"<<": 1}));
        let quirk =
            "a: &a {y: 1, yy: 1, 1: 1}\nb:\n  <<: [*a, {y: 2, yy: 2, 1: 2}]\nc:\n  <<: [*a, *a]\n";
        let v = value(quirk);
        assert_eq!(v["b"], json!({"y": 1, "yy": 2, "1": 1}));
        assert_eq!(v["c"], json!({"y": 1, "yy": 1, "1": 1}));
        let two = "a: &a {xx: 1, yy: 2}\nb: &b {yy: 3, zz: 4}\nd:\n  <<: *a\n  <<: *b\n  xx: 9\n";
        assert_eq!(value(two)["d"], json!({"xx": 9, "yy": 3, "zz": 4}));
        let (_, warnings) = load_str_with_warnings(two, file()).expect("valid");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(matches!(
            load_str("a:\n  <<: 1\n", file()),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            load_str("a:\n  <<: [1]\n", file()),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        assert_eq!(
            value("a: &x [1, {b: 2}]\nc: *x\n"),
            json!({"a": [1, {"b": 2}], "c": [1, {"b": 2}]})
        );
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_warn() {
        let (docs, warnings) = load_str_with_warnings("a: 1\nb: 2\na: 3\n", file()).expect("valid");
        assert_eq!(docs[0].to_value().expect("value"), json!({"a": 3, "b": 2}));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].span.line, 3);
        let (_, warnings) =
            load_str_with_warnings("x: &x {a: 1}\ny:\n  <<: *x\n  a: 2\n", file()).expect("valid");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn tags_are_kept_or_refused() {
        let doc = one("a: !unsafe '{{ x }}'\nb: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n");
        assert_eq!(doc.get("a").and_then(|n| n.tag.clone()), Some(Tag::Unsafe));
        assert_eq!(
            doc.get("a").expect("a").to_value().expect("value"),
            json!("{{ x }}")
        );
        assert_eq!(doc.get("a").expect("a").trust(), Trust::Data);
        let nested = one("a: [x, !unsafe '{{ y }}']
b: '{{ z }}'
");
        let trust = nested.trust();
        assert!(trust.part("b").is_template());
        assert!(trust.part("a").part("0").is_template());
        assert!(trust.part("a").part("1").is_data());
        // No keyring is installed in this test process: the value cannot be opened.
        let err = doc.to_value().expect_err("vault");
        assert!(
            err.to_string()
                .starts_with("test.yml:2:4: could not decrypt this `!vault` value: "),
            "{err}"
        );
        assert!(one("a: !!binary aGk=").to_value().is_err());
        assert!(one("a: !foo x").to_value().is_err());
        assert!(load_str("a: !!bool y", file()).is_err());
    }

    #[test]
    fn non_finite_floats_become_text() {
        assert_eq!(value("[.inf, -.inf, .nan]"), json!(["inf", "-inf", "nan"]));
    }

    #[test]
    fn documents() {
        assert!(load_str("", file()).expect("empty").is_empty());
        assert_eq!(load_str("---\n", file()).expect("one").len(), 1);
        assert_eq!(load_str("a: 1\n---\nb: 2\n", file()).expect("two").len(), 2);
        assert!(load_str("a: &x 1\n---\nb: *x\n", file()).is_err());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = load_str("a: 1\nb: [1, 2\nc: 3\n", file()).expect_err("invalid");
        match &err {
            Error::Syntax { span, message } => {
                assert!(span.line >= 2, "{span}");
                assert!(!message.is_empty());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("test.yml:"));
        assert!(load_str("a: b: c", file()).is_err());
        assert!(load_str("\t- x", file()).is_err() || load_str("\t- x", file()).is_ok());
    }

    #[test]
    fn hostile_documents_are_errors_not_crashes() {
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert!(load_str(&deep, file()).is_err());
        let mut block = String::new();
        for i in 0..(MAX_DEPTH + 5) {
            block.push_str(&" ".repeat(i));
            block.push_str("- \n");
        }
        let _ = load_str(&block, file());
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12u8 {
            let prev = (b'a' + i) as char;
            let next = (b'a' + i + 1) as char;
            laughs.push_str(&format!("{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(load_str(&laughs, file()).is_err());
        let mut nested = String::from("a: &a [1]\n");
        for i in 0..(MAX_DEPTH + 5) {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("n{}", i - 1)
            };
            nested.push_str(&format!("n{i}: &n{i} [*{prev}]\n"));
        }
        assert!(load_str(&nested, file()).is_err());
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        assert_eq!(value("\u{feff}a: 1\n"), json!({"a": 1}));
    }
}
