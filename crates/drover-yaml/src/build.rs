//! Turns saphyr-parser's event stream into [`Node`]s, without recursion: an explicit stack of
//! open sequences and mappings. This is where tags are applied, aliases are copied, `<<` merge
//! keys are flattened and duplicate keys are collapsed (last value wins, first position kept, as
//! in a Python dict). Nesting depth and the number of nodes aliases may copy are bounded, so a
//! hostile document (a "billion laughs") is an error rather than an exhausted machine.

use crate::{Error, Node, NodeValue, Tag, Warning, resolve};
use drover_types::Span;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// The deepest nesting accepted (PyYAML has none, but nothing real comes close).
pub(crate) const MAX_DEPTH: usize = 200;

/// The full tag prefix of YAML's own tags (`!!str`).
const CORE: &str = "tag:yaml.org,2002:";

/// Maps saphyr's character positions to byte offsets and [`Span`]s.
struct Positions {
    file: Arc<PathBuf>,
    /// Byte offset of every character, when the text is not ASCII.
    offsets: Option<Vec<usize>>,
    len: usize,
}

impl Positions {
    fn new(source: &str, file: Arc<PathBuf>) -> Self {
        let offsets = if source.is_ascii() {
            None
        } else {
            Some(source.char_indices().map(|(i, _)| i).collect())
        };
        Positions {
            file,
            offsets,
            len: source.len(),
        }
    }

    fn span(&self, mark: &Marker) -> Span {
        let offset = match &self.offsets {
            None => mark.index().min(self.len),
            Some(o) => o.get(mark.index()).copied().unwrap_or(self.len),
        };
        Span {
            file: self.file.clone(),
            line: mark.line().max(1),
            column: mark.col() + 1,
            offset,
        }
    }
}

/// A finished node with what alias copies need to know about it.
#[derive(Clone)]
struct Built {
    node: Node,
    /// Levels of nesting below (0 for a scalar).
    depth: usize,
    /// Nodes in the subtree.
    count: usize,
    /// A plain `<<` (or `!!merge`) scalar: a merge key when used as a key.
    merge: bool,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Built,
        anchor: usize,
    },
    Map {
        /// Entries written in the mapping itself.
        entries: Vec<(Node, Node)>,
        /// Entries brought in by `<<`, in order.
        merged: Vec<(Node, Node)>,
        /// A key waiting for its value, and whether it is `<<`.
        key: Option<(Node, bool)>,
        start: Built,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Built>,
    docs: Vec<Node>,
    warnings: Vec<Warning>,
    /// Nodes aliases may still copy.
    copy_budget: usize,
}

/// Reads every document.
pub(crate) fn load(source: &str, file: Arc<PathBuf>) -> Result<(Vec<Node>, Vec<Warning>), Error> {
    let pos = Positions::new(source, file);
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        warnings: Vec::new(),
        copy_budget: 100_000usize.saturating_add(source.len().saturating_mul(10)),
    };
    let mut parser = Parser::new_from_str(source);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| Error::Syntax {
            span: pos.span(e.marker()),
            message: e.info().to_owned(),
        })?;
        let at = pos.span(&span.start);
        builder.event(event, at)?;
    }
    Ok((builder.docs, builder.warnings))
}

fn tag_text(tag: &saphyr_parser::Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// How a tag written in the document is shown to the user (`!!binary`, `!foo`).
fn tag_display(full: &str) -> String {
    match full.strip_prefix(CORE) {
        Some(rest) => format!("!!{rest}"),
        None => full.to_owned(),
    }
}

/// The [`Tag`] drover keeps for a collection.
fn collection_tag(full: Option<&str>, kind: &str) -> Option<Tag> {
    let full = full?;
    match full {
        "!unsafe" => Some(Tag::Unsafe),
        "!vault" | "!vault-encrypted" => Some(Tag::Vault),
        "!" => None,
        other if other == format!("{CORE}{kind}") => None,
        other => Some(Tag::Other(tag_display(other))),
    }
}

impl Builder {
    fn depth(&self) -> usize {
        self.stack.len()
    }

    fn event(&mut self, event: Event<'_>, at: Span) -> Result<(), Error> {
        match event {
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {
                if matches!(event, Event::DocumentStart(_)) {
                    // Anchors do not cross documents.
                    self.anchors.clear();
                }
                Ok(())
            }
            Event::Alias(id) => {
                let Some(built) = self.anchors.get(&id).cloned() else {
                    return Err(Error::Unsupported {
                        span: at,
                        message: "an alias refers to a node that contains it (recursive aliases are not supported)"
                            .into(),
                    });
                };
                if built.count > self.copy_budget {
                    return Err(Error::Unsupported {
                        span: at,
                        message: "aliases expand to too many nodes".into(),
                    });
                }
                self.copy_budget -= built.count;
                self.finish(built, 0, at)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| tag_text(&t));
                let merge = match tag.as_deref() {
                    None => style == ScalarStyle::Plain && text == "<<",
                    Some(t) => t == format!("{CORE}merge"),
                };
                let (value, kept) = self.scalar(&text, style, tag.as_deref(), &at)?;
                let node = Node {
                    value,
                    span: at.clone(),
                    tag: kept,
                };
                self.finish(
                    Built {
                        node,
                        depth: 0,
                        count: 1,
                        merge,
                    },
                    anchor,
                    at,
                )
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(&at)?;
                let tag = collection_tag(tag.map(|t| tag_text(&t)).as_deref(), "seq");
                let node = Node {
                    value: NodeValue::Null,
                    span: at,
                    tag,
                };
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: Built {
                        node,
                        depth: 0,
                        count: 1,
                        merge: false,
                    },
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(&at)?;
                let tag = collection_tag(tag.map(|t| tag_text(&t)).as_deref(), "map");
                let node = Node {
                    value: NodeValue::Null,
                    span: at,
                    tag,
                };
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    merged: Vec::new(),
                    key: None,
                    start: Built {
                        node,
                        depth: 0,
                        count: 1,
                        merge: false,
                    },
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    items,
                    mut start,
                    anchor,
                }) => {
                    start.node.value = NodeValue::Seq(items);
                    let at = start.node.span.clone();
                    self.finish(start, anchor, at)
                }
                _ => Err(Error::Syntax {
                    span: at,
                    message: "unexpected end of a sequence".into(),
                }),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    entries,
                    merged,
                    mut start,
                    anchor,
                    ..
                }) => {
                    start.node.value = NodeValue::Map(self.collapse(merged, entries)?);
                    let at = start.node.span.clone();
                    self.finish(start, anchor, at)
                }
                _ => Err(Error::Syntax {
                    span: at,
                    message: "unexpected end of a mapping".into(),
                }),
            },
        }
    }

    fn check_depth(&self, at: &Span) -> Result<(), Error> {
        if self.depth() >= MAX_DEPTH {
            return Err(Error::Unsupported {
                span: at.clone(),
                message: format!("the document is nested more than {MAX_DEPTH} levels deep"),
            });
        }
        Ok(())
    }

    /// A scalar's value and the tag kept on it.
    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&str>,
        at: &Span,
    ) -> Result<(NodeValue, Option<Tag>), Error> {
        let bad = |kind: &str| Error::Unsupported {
            span: at.clone(),
            message: format!("`{text}` cannot be read as `!!{kind}`"),
        };
        let Some(tag) = tag else {
            let value = match style {
                ScalarStyle::Plain => resolve::plain(text),
                _ => NodeValue::Str(text.to_owned()),
            };
            return Ok((value, None));
        };
        let value = match tag {
            "!" => NodeValue::Str(text.to_owned()),
            "!unsafe" => return Ok((NodeValue::Str(text.to_owned()), Some(Tag::Unsafe))),
            "!vault" | "!vault-encrypted" => {
                return Ok((NodeValue::Str(text.to_owned()), Some(Tag::Vault)));
            }
            core if core.starts_with(CORE) => match &core[CORE.len()..] {
                "str" | "timestamp" | "merge" => NodeValue::Str(text.to_owned()),
                "null" => NodeValue::Null,
                "bool" => {
                    NodeValue::Bool(resolve::construct_bool(text).ok_or_else(|| bad("bool"))?)
                }
                "int" => NodeValue::Int(resolve::construct_int(text).ok_or_else(|| bad("int"))?),
                "float" => {
                    NodeValue::Float(resolve::construct_float(text).ok_or_else(|| bad("float"))?)
                }
                _ => {
                    return Ok((
                        NodeValue::Str(text.to_owned()),
                        Some(Tag::Other(tag_display(core))),
                    ));
                }
            },
            other => {
                return Ok((
                    NodeValue::Str(text.to_owned()),
                    Some(Tag::Other(tag_display(other))),
                ));
            }
        };
        Ok((value, None))
    }

    /// Places a finished node: in the open collection, or as a document.
    fn finish(&mut self, built: Built, anchor: usize, at: Span) -> Result<(), Error> {
        if self.depth() + built.depth > MAX_DEPTH {
            return Err(Error::Unsupported {
                span: at,
                message: format!("the document is nested more than {MAX_DEPTH} levels deep"),
            });
        }
        if anchor != 0 {
            self.anchors.insert(anchor, built.clone());
        }
        let Some(frame) = self.stack.last_mut() else {
            self.docs.push(built.node);
            return Ok(());
        };
        match frame {
            Frame::Seq { items, start, .. } => {
                grow(start, &built);
                items.push(built.node);
            }
            Frame::Map {
                entries,
                merged,
                key,
                start,
                ..
            } => {
                grow(start, &built);
                match key.take() {
                    None => {
                        *key = Some((built.node, built.merge));
                    }
                    Some((_, true)) => merge_into(merged, built.node)?,
                    Some((k, false)) => entries.push((k, built.node)),
                }
            }
        }
        Ok(())
    }

    /// Merged entries first, then the mapping's own; one entry per key, in the position it first
    /// appears, the last value winning (a Python dict), so the mapping's own keys override merged
    /// ones. Among merged entries this is what PyYAML 6.0.4 (Ansible's) does: it drops a merged
    /// key only when it is the very same key object as one merged before, which happens for a
    /// key reached twice through aliases, and for one-character keys (CPython shares those);
    /// otherwise a later merged mapping wins over an earlier one. A key written twice in the
    /// mapping itself is worth a warning, as Ansible gives one.
    fn collapse(
        &mut self,
        merged: Vec<(Node, Node)>,
        entries: Vec<(Node, Node)>,
    ) -> Result<Vec<(Node, Node)>, Error> {
        let mut out: Vec<(Node, Node)> = Vec::with_capacity(merged.len() + entries.len());
        // Per slot of `out`: whether its key was written in this mapping (not merged in).
        let mut own: Vec<bool> = Vec::with_capacity(out.capacity());
        let mut index: HashMap<KeyId, usize> = HashMap::new();
        let mut merged_objects: HashSet<MergeObject> = HashSet::new();
        let merged_len = merged.len();
        for (n, (k, v)) in merged.into_iter().chain(entries).enumerate() {
            let is_own = n >= merged_len;
            if !is_own && !merged_objects.insert(merge_object(&k)) {
                continue;
            }
            let id = key_id(&k)?;
            if let Some(&i) = index.get(&id) {
                if is_own && own.get(i).copied().unwrap_or(false) {
                    self.warnings.push(Warning {
                        span: k.span.clone(),
                        message: format!(
                            "found a duplicate mapping key `{}`; using the last value only",
                            crate::value::python_str(&k)
                        ),
                    });
                }
                if let (Some(slot), Some(o)) = (out.get_mut(i), own.get_mut(i)) {
                    slot.1 = v;
                    *o = *o || is_own;
                }
            } else {
                index.insert(id, out.len());
                out.push((k, v));
                own.push(is_own);
            }
        }
        Ok(out)
    }
}

/// Which Python object a merged key's text would be: one shared by every equal one-character
/// (Latin-1) text, else the key node itself (its alias copies keep its position).
#[derive(Hash, PartialEq, Eq)]
enum MergeObject {
    Shared(String),
    Node(usize),
}

fn merge_object(key: &Node) -> MergeObject {
    let text = match &key.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) if (0..10).contains(i) => Some(i.to_string()),
        _ => None,
    };
    match text {
        Some(t) if t.chars().count() <= 1 && t.chars().all(|c| u32::from(c) < 256) => {
            MergeObject::Shared(t)
        }
        _ => MergeObject::Node(key.span.offset),
    }
}

fn grow(start: &mut Built, child: &Built) {
    start.depth = start.depth.max(child.depth + 1);
    start.count = start.count.saturating_add(child.count);
}

fn merge_into(merged: &mut Vec<(Node, Node)>, value: Node) -> Result<(), Error> {
    match value.value {
        NodeValue::Map(entries) => {
            merged.extend(entries);
            Ok(())
        }
        NodeValue::Seq(items) => {
            // In list order; which of two equal keys wins is decided in `collapse`.
            for item in items {
                match item.value {
                    NodeValue::Map(entries) => merged.extend(entries),
                    _ => {
                        return Err(Error::Unsupported {
                            span: item.span,
                            message: format!(
                                "expected a mapping for merging (`<<`), found {}",
                                kind_of(&item.value)
                            ),
                        });
                    }
                }
            }
            Ok(())
        }
        other => Err(Error::Unsupported {
            span: value.span,
            message: format!(
                "expected a mapping or list of mappings for merging (`<<`), found {}",
                kind_of(&other)
            ),
        }),
    }
}

fn kind_of(value: &NodeValue) -> &'static str {
    Node {
        value: value.clone(),
        span: Span::default(),
        tag: None,
    }
    .kind_name()
}

/// A key's identity as a Python dict sees it: `1`, `1.0` and `true` are the same key.
#[derive(Hash, PartialEq, Eq)]
enum KeyId {
    Null,
    Int(i64),
    Float(u64),
    Str(String),
    Tagged(String, String),
}

fn key_id(key: &Node) -> Result<KeyId, Error> {
    if let (Some(tag), NodeValue::Str(s)) = (&key.tag, &key.value) {
        return Ok(KeyId::Tagged(format!("{tag:?}"), s.clone()));
    }
    Ok(match &key.value {
        NodeValue::Null => KeyId::Null,
        NodeValue::Bool(b) => KeyId::Int(i64::from(*b)),
        NodeValue::Int(i) => KeyId::Int(*i),
        NodeValue::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => KeyId::Int(*f as i64),
        NodeValue::Float(f) => KeyId::Float(f.to_bits()),
        NodeValue::Str(s) => KeyId::Str(s.clone()),
        NodeValue::Seq(_) | NodeValue::Map(_) => {
            return Err(Error::Unsupported {
                span: key.span.clone(),
                message: format!("mapping keys must be scalars, found {}", key.kind_name()),
            });
        }
    })
}
