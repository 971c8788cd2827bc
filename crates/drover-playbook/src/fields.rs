//! Reading one keyword's value: conditions, tags, name lists, variables, booleans, and the
//! keywords every level shares ([`Common`]). Values Ansible templates at run time are kept as
//! [`Value`]s; only literal values are checked here (a template can only be checked per host).

use crate::context::Context;
use crate::error::{Error, Reporter};
use crate::keywords::is_identifier;
use crate::{BecomeKeywords, Common};
use drover_types::{ArgSpec, Layer, Value};
use drover_yaml::{Node, NodeValue, python_str};
use std::sync::Arc;

/// The module lookup the caller gives: a short name to its argument spec.
pub(crate) type Modules<'a> = &'a dyn Fn(&str) -> Option<&'static ArgSpec>;

/// Whether text holds a template (`{{ }}` or `{% %}`), so it can only be checked at run time.
pub(crate) fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// The state of one file's load: the module lookup, error reporting for the file, warnings,
/// and the [`Context`] that goes on to the files it imports.
pub(crate) struct Loader<'a> {
    pub(crate) modules: Modules<'a>,
    pub(crate) report: Reporter,
    pub(crate) warnings: Vec<String>,
    pub(crate) ctx: Context,
}

/// A mapping's entries, or an error naming `what` the node should have been.
pub(crate) fn entries<'n>(
    loader: &Loader<'_>,
    node: &'n Node,
    what: &str,
) -> Result<&'n [(Node, Node)], Error> {
    match &node.value {
        NodeValue::Map(entries) => Ok(entries),
        _ => Err(loader.report.invalid(
            &node.span,
            format!("{what} must be a mapping, found {}", node.kind_name()),
            "expected a mapping",
            None,
        )),
    }
}

impl Loader<'_> {
    /// The node as plain data.
    pub(crate) fn value(&self, node: &Node) -> Result<Value, Error> {
        node.to_value().map_err(|e| self.report.yaml(&e))
    }

    /// The value, `None` when null (null means "not set" for keywords).
    pub(crate) fn opt_value(&self, node: &Node) -> Result<Option<Value>, Error> {
        match node.value {
            NodeValue::Null => Ok(None),
            _ => self.value(node).map(Some),
        }
    }

    fn wrong(&self, node: &Node, keyword: &str, expected: &str) -> Error {
        self.report.invalid(
            &node.span,
            format!("`{keyword}` must be {expected}, found {}", node.kind_name()),
            &format!("expected {expected}"),
            None,
        )
    }

    /// A scalar as text (`name: 12` is `"12"`); null is `None`.
    pub(crate) fn text(&self, node: &Node, keyword: &str) -> Result<Option<String>, Error> {
        match &node.value {
            NodeValue::Null => Ok(None),
            NodeValue::Seq(_) | NodeValue::Map(_) => Err(self.wrong(node, keyword, "a string")),
            _ => Ok(Some(python_str(node))),
        }
    }

    /// `when`, `changed_when`, `failed_when`, `until`: one condition or a list of them.
    pub(crate) fn conditions(&self, node: &Node, keyword: &str) -> Result<Vec<Value>, Error> {
        match &node.value {
            NodeValue::Null => Ok(Vec::new()),
            NodeValue::Map(_) => {
                Err(self.wrong(node, keyword, "a condition or a list of conditions"))
            }
            NodeValue::Seq(items) => items
                .iter()
                .map(|item| match item.value {
                    NodeValue::Seq(_) | NodeValue::Map(_) => {
                        Err(self.wrong(item, keyword, "a condition"))
                    }
                    _ => self.value(item),
                })
                .collect(),
            _ => Ok(vec![self.value(node)?]),
        }
    }

    /// `tags`: a comma-separated string or a list; numbers become text.
    pub(crate) fn tags(&self, node: &Node) -> Result<Vec<String>, Error> {
        match &node.value {
            NodeValue::Null => Ok(Vec::new()),
            NodeValue::Map(_) => Err(self.wrong(node, "tags", "a string or a list")),
            NodeValue::Seq(items) => items
                .iter()
                .map(|item| self.text(item, "tags").map(Option::unwrap_or_default))
                .collect(),
            _ => Ok(python_str(node)
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()),
        }
    }

    /// `notify`, `listen`: a name or a list of names.
    pub(crate) fn names(&self, node: &Node, keyword: &str) -> Result<Vec<String>, Error> {
        match &node.value {
            NodeValue::Null => Ok(Vec::new()),
            NodeValue::Map(_) => Err(self.wrong(node, keyword, "a name or a list of names")),
            NodeValue::Seq(items) => items
                .iter()
                .filter(|item| item.value != NodeValue::Null)
                .map(|item| self.text(item, keyword).map(Option::unwrap_or_default))
                .collect(),
            _ => Ok(vec![python_str(node)]),
        }
    }

    /// A keyword that is a boolean (or a template that gives one): a literal must be one of
    /// Ansible's boolean spellings.
    pub(crate) fn boolean(&self, node: &Node, keyword: &str) -> Result<Option<Value>, Error> {
        let ok = match &node.value {
            NodeValue::Null => return Ok(None),
            NodeValue::Bool(_) => true,
            NodeValue::Int(i) => *i == 0 || *i == 1,
            NodeValue::Float(f) => *f == 0.0 || *f == 1.0,
            NodeValue::Str(s) => is_template(s) || is_boolean_text(s),
            NodeValue::Seq(_) | NodeValue::Map(_) => false,
        };
        if !ok {
            return Err(self.report.invalid(
                &node.span,
                format!(
                    "`{keyword}` must be a boolean, found `{}`",
                    python_str(node)
                ),
                "expected a boolean",
                Some("use `true` or `false` (or a template that gives one)".into()),
            ));
        }
        self.opt_value(node)
    }

    /// `vars`: a mapping of valid variable names.
    pub(crate) fn vars(&self, node: &Node, owner: &str) -> Result<Arc<Layer>, Error> {
        let mut out = Layer::default();
        let maps: Vec<&Node> = match &node.value {
            NodeValue::Null => return Ok(Arc::new(out)),
            NodeValue::Map(_) => vec![node],
            _ => return Err(self.wrong(node, "vars", "a mapping of variable names to values")),
        };
        for map in maps {
            for (k, v) in entries(self, map, "`vars`")? {
                let name = python_str(k);
                if !is_identifier(&name) {
                    return Err(self.report.invalid(
                        &k.span,
                        format!("invalid variable name `{name}` in the vars of {owner}"),
                        "not a valid variable name",
                        Some(crate::fields::IDENTIFIER_HELP.into()),
                    ));
                }
                out.insert(name, self.value(v)?, v.trust());
            }
        }
        Ok(Arc::new(out))
    }

    /// `become`, `become_user`, `become_method`; `false` when `key` is none of them.
    fn become_keyword(
        &self,
        key: &str,
        node: &Node,
        keywords: &mut BecomeKeywords,
    ) -> Result<bool, Error> {
        match key {
            "become" => keywords.become_ = self.boolean(node, key)?,
            "become_user" => keywords.become_user = self.opt_value(node)?,
            "become_method" => {
                if let NodeValue::Str(method) = &node.value {
                    let method = crate::keywords::short_name(method);
                    if !is_template(method) && !matches!(method, "sudo" | "su") {
                        return Err(self.report.unsupported(
                            &node.span,
                            format!("become method `{method}` is not supported by drover yet"),
                            Some("drover supports `sudo` and `su`".into()),
                        ));
                    }
                }
                keywords.become_method = self.opt_value(node)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads `key` into `common` when it is one of the shared keywords; `Ok(false)` otherwise.
    /// `owner` names the play, block or task for messages.
    pub(crate) fn common(
        &self,
        key: &str,
        node: &Node,
        common: &mut Common,
        owner: &str,
    ) -> Result<bool, Error> {
        if self.become_keyword(key, node, &mut common.become_)? {
            return Ok(true);
        }
        match key {
            "when" => {
                common.when = self.conditions(node, key)?;
                common.when_spans = condition_spans(node);
            }
            "vars" => common.vars = self.vars(node, owner)?,
            "tags" => common.tags = self.tags(node)?,
            "ignore_errors" => common.ignore_errors = self.boolean(node, key)?,
            "ignore_unreachable" => common.ignore_unreachable = self.boolean(node, key)?,
            "check_mode" => common.check_mode = self.boolean(node, key)?,
            "diff" => common.diff = self.boolean(node, key)?,
            "no_log" => common.no_log = self.boolean(node, key)?,
            "run_once" => common.run_once = self.boolean(node, key)?,
            "any_errors_fatal" => common.any_errors_fatal = self.boolean(node, key)?,
            "delegate_to" => common.delegate_to = self.opt_value(node)?,
            "throttle" => common.throttle = self.opt_value(node)?,
            "timeout" => common.timeout = self.opt_value(node)?,
            "environment" => {
                if matches!(
                    node.value,
                    NodeValue::Seq(_) | NodeValue::Map(_) | NodeValue::Null
                ) || node.as_str().is_some_and(is_template)
                {
                    common.environment = self.opt_value(node)?;
                } else {
                    return Err(self.wrong(node, key, "a mapping of variable names to values"));
                }
            }
            "remote_user" => common.remote_user = self.opt_value(node)?,
            "connection" => common.connection = self.opt_value(node)?,
            "collections" => self.collections(node)?,
            "module_defaults" => common.module_defaults = self.module_defaults(node)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `module_defaults`: a mapping (or a list of them) of module names to mappings of
    /// arguments; a template is checked when the task runs.
    fn module_defaults(&self, node: &Node) -> Result<Vec<Value>, Error> {
        let maps: Vec<&Node> = match &node.value {
            NodeValue::Null => return Ok(Vec::new()),
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::with_capacity(maps.len());
        for map in maps {
            if map.as_str().is_some_and(is_template) {
                out.push(self.value(map)?);
                continue;
            }
            for (k, v) in entries(self, map, "`module_defaults`")? {
                let module = python_str(k);
                let known = module.starts_with("group/")
                    || (self.modules)(crate::keywords::short_name(&module)).is_some()
                    || crate::keywords::ANSIBLE_MODULES
                        .contains(&crate::keywords::short_name(&module));
                if !known && !module.contains('.') {
                    return Err(self.report.invalid(
                        &k.span,
                        format!("`module_defaults` names an unknown module `{module}`"),
                        "unknown module",
                        None,
                    ));
                }
                if !matches!(v.value, NodeValue::Map(_) | NodeValue::Null)
                    && !v.as_str().is_some_and(is_template)
                {
                    return Err(self.wrong(v, &module, "a mapping of default arguments"));
                }
            }
            out.push(self.value(map)?);
        }
        Ok(out)
    }

    /// `collections`: only the built-in ones, whose modules drover knows by their short names.
    fn collections(&self, node: &Node) -> Result<(), Error> {
        let items: Vec<&Node> = match &node.value {
            NodeValue::Null => Vec::new(),
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        for item in items {
            let name = python_str(item);
            if !matches!(name.as_str(), "ansible.builtin" | "ansible.legacy") {
                return Err(self.report.unsupported(
                    &item.span,
                    format!("collection `{name}` is not supported by drover yet"),
                    Some("drover has only `ansible.builtin` modules".into()),
                ));
            }
        }
        Ok(())
    }
}

/// What a variable name may be.
pub(crate) const IDENTIFIER_HELP: &str =
    "variable names are ASCII letters, digits and `_`, not starting with a digit";

/// Ansible's boolean spellings (case-insensitive).
pub(crate) fn is_boolean_text(text: &str) -> bool {
    drover_python::boolean::is_boolean_text(text)
}

/// Where each condition of a `when`-like keyword is written, in the order `conditions` reads them.
pub(crate) fn condition_spans(node: &Node) -> Vec<drover_types::Span> {
    match &node.value {
        NodeValue::Null => Vec::new(),
        NodeValue::Seq(items) => items.iter().map(|item| item.span.clone()).collect(),
        _ => vec![node.span.clone()],
    }
}
