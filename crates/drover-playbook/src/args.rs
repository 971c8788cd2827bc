//! A task's module arguments: read from a mapping, from `key=value` text (free-form text for
//! command-like modules), merged with the `args:` keyword, then checked against the module's
//! [`ArgSpec`]: unknown names, missing required ones, and literal values of the wrong type or
//! outside the choices. Anything templated is left for run time.
//!
//! A template given as the whole arguments (`args: "{{ opts }}"`, or `copy: "{{ opts }}"`) is
//! kept under [`VARIABLE_PARAMS`], as Ansible does: the engine renders it to a mapping and uses
//! it under the task's other arguments.

use crate::error::Error;
use crate::fields::{Loader, is_boolean_text, is_template};
use crate::keywords::nearest;
use crate::kv::{self, RAW_PARAMS};
use drover_types::{ArgKind, ArgSpec, ArgSpecEntry, Map, Span, Trust, Value};
use drover_yaml::{Node, NodeValue, Tag, python_str};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The key under which a templated whole-arguments value is kept.
pub const VARIABLE_PARAMS: &str = "_variable_params";

/// Where each argument's value is written, by name.
pub(crate) type ArgSpans = Vec<(String, Span)>;

/// One argument as written, with where it was written.
struct Arg<'n> {
    name: String,
    /// The YAML value, when the argument came from a mapping (not from `key=value` text).
    node: Option<&'n Node>,
    value: Value,
    /// Whether the value may be rendered (`!unsafe` says never).
    trust: Trust,
    span: Span,
}

impl Loader<'_> {
    /// Reads, merges and checks a task's module arguments.
    pub(crate) fn module_args(
        &mut self,
        module: &str,
        key: &Node,
        value: &Node,
        spec: &ArgSpec,
        args_keyword: Option<&Node>,
    ) -> Result<(Map, Trust, ArgSpans), Error> {
        let mut args: Vec<Arg<'_>> = Vec::new();
        if let Some(extra) = args_keyword {
            args.extend(self.args_keyword(extra)?);
        }
        let own = self.own_args(module, value, spec)?;
        // The module's own arguments win over `args:`.
        for arg in own {
            args.retain(|a| a.name != arg.name);
            args.push(arg);
        }
        self.check(module, key, spec, &args)?;
        let parts: BTreeMap<String, Trust> = args
            .iter()
            .filter(|a| !a.trust.is_template())
            .map(|a| (a.name.clone(), a.trust.clone()))
            .collect();
        let trust = if parts.is_empty() {
            Trust::Template
        } else {
            Trust::Parts(Arc::new(parts))
        };
        let spans = args
            .iter()
            .map(|a| (a.name.clone(), a.node.map_or(&a.span, |n| &n.span).clone()))
            .collect();
        Ok((
            args.into_iter().map(|a| (a.name, a.value)).collect(),
            trust,
            spans,
        ))
    }

    fn args_keyword<'n>(&mut self, node: &'n Node) -> Result<Vec<Arg<'n>>, Error> {
        match &node.value {
            NodeValue::Null => {
                self.warnings
                    .push(format!("{}: an empty `args` is ignored", node.span));
                Ok(Vec::new())
            }
            NodeValue::Map(entries) => entries.iter().map(|(k, v)| self.mapped_arg(k, v)).collect(),
            NodeValue::Str(s) if is_template(s) => Ok(vec![Arg {
                name: VARIABLE_PARAMS.to_owned(),
                node: None,
                value: self.value(node)?,
                trust: Trust::Template,
                span: node.span.clone(),
            }]),
            _ => Err(self.report.invalid(
                &node.span,
                format!(
                    "`args` must be a mapping or a template that gives one, found {}",
                    node.kind_name()
                ),
                "expected a mapping",
                None,
            )),
        }
    }

    fn mapped_arg<'n>(&self, k: &'n Node, v: &'n Node) -> Result<Arg<'n>, Error> {
        Ok(Arg {
            name: python_str(k),
            node: Some(v),
            value: self.value(v)?,
            trust: v.trust(),
            span: k.span.clone(),
        })
    }

    /// The arguments written on the module key itself.
    fn own_args<'n>(
        &self,
        module: &str,
        node: &'n Node,
        spec: &ArgSpec,
    ) -> Result<Vec<Arg<'n>>, Error> {
        let text = match &node.value {
            NodeValue::Null => return Ok(Vec::new()),
            NodeValue::Map(entries) if node.tag.is_none() => {
                return entries.iter().map(|(k, v)| self.mapped_arg(k, v)).collect();
            }
            NodeValue::Str(s) if matches!(node.tag, None | Some(Tag::Unsafe)) => s,
            _ if node.tag == Some(Tag::Vault) => {
                return Err(self
                    .value(node)
                    .err()
                    .unwrap_or_else(|| self.bad_args(module, node)));
            }
            _ => return Err(self.bad_args(module, node)),
        };
        let unsafe_ = node.tag == Some(Tag::Unsafe);
        if !spec.free_form && !unsafe_ && is_whole_template(text) {
            return Ok(vec![Arg {
                name: VARIABLE_PARAMS.to_owned(),
                node: None,
                value: Value::String(text.clone()),
                trust: Trust::Template,
                span: node.span.clone(),
            }]);
        }
        // Only Ansible's free-form actions keep other `key=value` words as part of their text;
        // the other modules taking free-form text (`include_vars`, `meta`) read them as options.
        let command_like = matches!(
            crate::keywords::short_name(module),
            "command" | "shell" | "raw" | "script"
        );
        let parsed = if spec.free_form && command_like {
            kv::parse_free_form(text)
        } else {
            kv::parse(text)
        };
        let parsed = parsed.map_err(|message| {
            self.report.invalid(
                &node.span,
                format!("cannot read the arguments of `{module}`: {message}"),
                "here",
                None,
            )
        })?;
        let raw = parsed
            .get(RAW_PARAMS)
            .and_then(Value::as_str)
            .filter(|_| !spec.free_form);
        if let Some(raw) = raw {
            return Err(self.report.invalid(
                &node.span,
                format!("`{module}` takes `key=value` arguments, not free-form text (`{raw}`)"),
                "free-form text",
                Some("write arguments as `key=value` words or as a mapping".into()),
            ));
        }
        Ok(parsed
            .into_iter()
            .map(|(name, value)| Arg {
                name,
                node: None,
                value,
                trust: if unsafe_ {
                    Trust::Data
                } else {
                    Trust::Template
                },
                span: node.span.clone(),
            })
            .collect())
    }

    fn bad_args(&self, module: &str, node: &Node) -> Error {
        self.report.invalid(
            &node.span,
            format!(
                "the arguments of `{module}` must be a mapping or `key=value` text, found {}",
                node.kind_name()
            ),
            "expected a mapping",
            None,
        )
    }

    fn check(
        &self,
        module: &str,
        key: &Node,
        spec: &ArgSpec,
        args: &[Arg<'_>],
    ) -> Result<(), Error> {
        let templated = args.iter().any(|a| a.name == VARIABLE_PARAMS);
        for arg in args {
            if arg.name == VARIABLE_PARAMS {
                continue;
            }
            let Some(entry) = spec.find(&arg.name) else {
                if spec.any_args || (arg.name == RAW_PARAMS && spec.free_form) {
                    continue;
                }
                let names = spec
                    .entries()
                    .flat_map(|a| std::iter::once(&a.name).chain(a.aliases))
                    .copied();
                let help = match nearest(&arg.name, names) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => supported_list(module, spec),
                };
                return Err(self.report.invalid(
                    &arg.span,
                    format!("unknown argument `{}` for module `{module}`", arg.name),
                    "unknown argument",
                    Some(help),
                ));
            };
            self.check_value(module, entry, arg)?;
        }
        if templated {
            return Ok(());
        }
        for entry in spec.entries().filter(|e| e.required) {
            let given = args
                .iter()
                .any(|a| a.name == entry.name || entry.aliases.contains(&a.name.as_str()));
            if !given {
                let (message, label) = if entry.name == RAW_PARAMS {
                    (
                        format!("module `{module}` needs free-form text"),
                        "needs free-form text".to_owned(),
                    )
                } else {
                    (
                        format!(
                            "missing required argument `{}` for module `{module}`",
                            entry.name
                        ),
                        format!("needs `{}`", entry.name),
                    )
                };
                return Err(self.report.invalid(&key.span, message, &label, None));
            }
        }
        Ok(())
    }

    /// A literal value of the wrong kind, or outside the choices.
    fn check_value(&self, module: &str, entry: &ArgSpecEntry, arg: &Arg<'_>) -> Result<(), Error> {
        let Some(node) = arg.node else {
            // `key=value` text: always a string, which every kind accepts but `Bool`/`Int`/choices.
            return match arg.value.as_str() {
                Some(s) => self.check_text(module, entry, &arg.name, s, &arg.span),
                None => Ok(()),
            };
        };
        if node.tag.is_some() {
            return Ok(());
        }
        let ok = match (&entry.kind, &node.value) {
            (_, NodeValue::Null) | (ArgKind::Any, _) => true,
            (_, NodeValue::Str(s)) => {
                return self.check_text(module, entry, &arg.name, s, &node.span);
            }
            (ArgKind::Str | ArgKind::Path, v) => {
                !matches!(v, NodeValue::Seq(_) | NodeValue::Map(_))
            }
            (ArgKind::Bool, NodeValue::Bool(_)) => true,
            (ArgKind::Bool, NodeValue::Int(i)) => *i == 0 || *i == 1,
            (ArgKind::Bool, NodeValue::Float(f)) => *f == 0.0 || *f == 1.0,
            (ArgKind::Bool, _) => false,
            (ArgKind::Int, NodeValue::Int(_) | NodeValue::Bool(_)) => true,
            (ArgKind::Int, NodeValue::Float(f)) => f.fract() == 0.0,
            (ArgKind::Int, _) => false,
            (ArgKind::Mode, v) => matches!(v, NodeValue::Int(_)),
            (ArgKind::List, v) => !matches!(v, NodeValue::Map(_)),
            (ArgKind::Dict, v) => matches!(v, NodeValue::Map(_)),
        };
        if !ok {
            return Err(self.report.invalid(
                &node.span,
                format!(
                    "{} of `{module}` must be {}, found {}",
                    arg_name(&arg.name),
                    kind_text(entry.kind),
                    describe(node)
                ),
                &format!("expected {}", kind_text(entry.kind)),
                None,
            ));
        }
        if let NodeValue::Int(i) = node.value {
            return self.check_choice(module, entry, &arg.name, &i.to_string(), &node.span);
        }
        Ok(())
    }

    /// A literal string for an argument.
    fn check_text(
        &self,
        module: &str,
        entry: &ArgSpecEntry,
        name: &str,
        text: &str,
        span: &Span,
    ) -> Result<(), Error> {
        if is_template(text) {
            return Ok(());
        }
        let ok = match entry.kind {
            ArgKind::Bool => is_boolean_text(text),
            ArgKind::Int => text.trim().parse::<i64>().is_ok(),
            _ => true,
        };
        if !ok {
            return Err(self.report.invalid(
                span,
                format!(
                    "{} of `{module}` must be {}, found `{text}`",
                    arg_name(name),
                    kind_text(entry.kind)
                ),
                &format!("expected {}", kind_text(entry.kind)),
                (entry.kind == ArgKind::Bool).then(|| "use `true` or `false`".to_owned()),
            ));
        }
        self.check_choice(module, entry, name, text, span)
    }

    fn check_choice(
        &self,
        module: &str,
        entry: &ArgSpecEntry,
        name: &str,
        text: &str,
        span: &Span,
    ) -> Result<(), Error> {
        if entry.choices.is_empty() || entry.choices.contains(&text) {
            return Ok(());
        }
        let all = entry
            .choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match nearest(text, entry.choices.iter().copied()) {
            Some(n) => format!("did you mean `{n}`? (one of {all})"),
            None => format!("one of {all}"),
        };
        Err(self.report.invalid(
            span,
            format!(
                "invalid value `{text}` for {} of `{module}`",
                arg_name(name)
            ),
            "invalid choice",
            Some(help),
        ))
    }
}

/// Text that is a single template and nothing else: `"{{ opts }}"`.
fn is_whole_template(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("{{")
        && t.ends_with("}}")
        && t.matches("{{").count() == 1
        && t.matches("}}").count() == 1
}

/// How an argument is named in messages.
fn arg_name(name: &str) -> String {
    if name == RAW_PARAMS {
        "the free-form text".to_owned()
    } else {
        format!("argument `{name}`")
    }
}

fn kind_text(kind: ArgKind) -> &'static str {
    match kind {
        ArgKind::Str => "a string",
        ArgKind::Path => "a path",
        ArgKind::Bool => "a boolean",
        ArgKind::Int => "an integer",
        ArgKind::Mode => "a file mode (`0644`, `'0644'` or `u=rw,g=r`)",
        ArgKind::List => "a list",
        ArgKind::Dict => "a mapping",
        ArgKind::Any => "a value",
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        NodeValue::Seq(_) | NodeValue::Map(_) => node.kind_name().to_owned(),
        _ => format!("{} `{}`", node.kind_name(), python_str(node)),
    }
}

fn supported_list(module: &str, spec: &ArgSpec) -> String {
    let names: Vec<&str> = spec.entries().map(|a| a.name).collect();
    if names.is_empty() {
        format!("`{module}` takes no arguments")
    } else {
        format!("`{module}` takes: {}", names.join(", "))
    }
}
