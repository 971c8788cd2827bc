//! Variables as a stack of shared layers.
//!
//! Ansible's variables come from many places with a fixed precedence (inventory, play `vars`,
//! `vars_files`, block and task `vars`, `include_vars`, facts and registered results, extra vars,
//! magic variables). Each place is one immutable [`Layer`], shared by every host and task that
//! sees it through an [`Arc`]; a host's view for one task, [`Vars`], is a short list of those
//! layers, looked up from the top. Building a view copies no variable, so a play over thousands
//! of hosts costs one small list per host and task, not a copy of every variable.
//!
//! Each layer says whether its strings may be rendered as templates ([`Trust`]): what the
//! playbook, the inventory and vars files say may hold `{{ }}` and is rendered when used; what
//! came from a host, a lookup, a template's own output or `!unsafe` is data and never is. Values
//! themselves stay plain data, so nothing that reads them has anything to strip.
//!
//! `hostvars` is not a layer: it is a [`HostVars`] the engine lends the view, which gives any
//! host's own view on demand.

use crate::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// Whether the strings of a value may be rendered as templates.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Trust {
    /// Written in the playbook, inventory or a vars file: a string holding `{{ }}` is a template,
    /// rendered when it is used.
    #[default]
    Template,
    /// Data (a host's answer, a lookup's result, a template's output, `!unsafe`): never rendered.
    Data,
    /// A mapping or list some of whose parts differ: the trust of each part, by key (list items
    /// by their index written as text). Parts not named are [`Trust::Template`].
    Parts(Arc<BTreeMap<String, Trust>>),
}

impl Trust {
    /// The trust of the part of a value at `key` (a mapping key, or a list index as text).
    pub fn part(&self, key: &str) -> Trust {
        match self {
            Trust::Template => Trust::Template,
            Trust::Data => Trust::Data,
            Trust::Parts(parts) => parts.get(key).cloned().unwrap_or(Trust::Template),
        }
    }

    /// Whether nothing at all below this point may be rendered.
    pub fn is_data(&self) -> bool {
        matches!(self, Trust::Data)
    }

    /// Whether every part may be rendered (no `!unsafe` anywhere below).
    pub fn is_template(&self) -> bool {
        matches!(self, Trust::Template)
    }
}

/// One source of variables: names to values, and whether those values may be rendered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    /// The variables.
    pub map: Map,
    /// The trust of `map` as a whole; [`Trust::Parts`] names variables (and their parts).
    pub trust: Trust,
}

impl Layer {
    /// A layer whose strings are templates (playbook, inventory, vars files).
    pub fn template(map: Map) -> Self {
        Layer {
            map,
            trust: Trust::Template,
        }
    }

    /// A layer of data that is never rendered (facts, registered results, loop items).
    pub fn data(map: Map) -> Self {
        Layer {
            map,
            trust: Trust::Data,
        }
    }

    /// The trust of the variable `name`.
    pub fn trust_of(&self, name: &str) -> Trust {
        self.trust.part(name)
    }

    /// Sets `name`, with the trust the layer gives it.
    pub fn insert(&mut self, name: String, value: Value, trust: Trust) {
        if self.trust.part(&name) != trust {
            let mut parts = match &self.trust {
                Trust::Parts(parts) => (**parts).clone(),
                whole => self
                    .map
                    .keys()
                    .map(|k| (k.clone(), whole.clone()))
                    .collect(),
            };
            parts.insert(name.clone(), trust);
            self.trust = Trust::Parts(Arc::new(parts));
        }
        self.map.insert(name, value);
    }

    /// Lays `other`'s variables over this layer's, each with its own trust.
    pub fn extend(&mut self, other: &Layer) {
        for (name, value) in &other.map {
            self.insert(name.clone(), value.clone(), other.trust_of(name));
        }
    }
}

/// `hostvars`: every host's variables, as that host sees them, built only when asked for.
pub trait HostVars: Send + Sync {
    /// The variables `hostvars[name]` shows, or `None` for a host the inventory does not have.
    fn host(&self, name: &str) -> Option<Vars>;
    /// Every host's name, in inventory order.
    fn names(&self) -> Vec<String>;
}

/// One host's variables for one task: shared layers, the highest precedence last.
#[derive(Clone, Default)]
pub struct Vars {
    layers: Vec<Arc<Layer>>,
    hostvars: Option<Arc<dyn HostVars>>,
    /// The top layer holds what [`Vars::set`] wrote into this view (and no one else's layer).
    own_top: bool,
}

/// A variable found in a [`Vars`]: its value, its trust and the layer that holds it.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    /// The stored value, untemplated.
    pub value: &'a Value,
    /// Whether its strings may be rendered.
    pub trust: Trust,
    /// The layer it lives in (kept alive by whoever holds the view).
    pub layer: &'a Arc<Layer>,
}

impl Vars {
    /// No variables at all.
    pub fn new() -> Self {
        Vars::default()
    }

    /// Puts `layer` on top: its variables win over every layer below.
    pub fn push(&mut self, layer: Arc<Layer>) {
        self.layers.push(layer);
        self.own_top = false;
    }

    /// The same view with `layer` on top.
    pub fn with(mut self, layer: Arc<Layer>) -> Self {
        self.push(layer);
        self
    }

    /// Sets one variable in this view only, above every layer (loop items, a registered result
    /// while `until` retries, `ansible_check_mode` for one task). Layers shared with other views
    /// are never written: the first `set` adds a layer of this view's own.
    pub fn set(&mut self, name: impl Into<String>, value: Value, trust: Trust) {
        if !self.own_top {
            self.layers.push(Arc::new(Layer::default()));
            self.own_top = true;
        }
        if let Some(top) = self.layers.last_mut() {
            Arc::make_mut(top).insert(name.into(), value, trust);
        }
    }

    /// Lends the view `hostvars`.
    pub fn set_hostvars(&mut self, hostvars: Arc<dyn HostVars>) {
        self.hostvars = Some(hostvars);
    }

    /// What `hostvars` reads, when the view has it.
    pub fn hostvars(&self) -> Option<&Arc<dyn HostVars>> {
        self.hostvars.as_ref()
    }

    /// The variable `name` as stored, with its trust and layer.
    pub fn find(&self, name: &str) -> Option<Found<'_>> {
        self.layers.iter().rev().find_map(|layer| {
            layer.map.get(name).map(|value| Found {
                value,
                trust: layer.trust_of(name),
                layer,
            })
        })
    }

    /// The value of `name` as stored (untemplated).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.layers
            .iter()
            .rev()
            .find_map(|layer| layer.map.get(name))
    }

    /// Whether any layer sets `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every variable's name once, in the order the layers first define them (lowest first).
    pub fn names(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for layer in &self.layers {
            for name in layer.map.keys() {
                if seen.insert(name.as_str()) {
                    names.push(name.as_str());
                }
            }
        }
        names
    }

    /// Every variable in one mapping, each from the highest layer that sets it, untemplated.
    pub fn to_map(&self) -> Map {
        self.to_layer().map
    }

    /// Every variable in one layer, each with its value and trust from the highest layer that
    /// sets it.
    pub fn to_layer(&self) -> Layer {
        let mut out = Layer::default();
        for layer in &self.layers {
            out.extend(layer);
        }
        out
    }

    /// The layers, lowest precedence first.
    pub fn layers(&self) -> &[Arc<Layer>] {
        &self.layers
    }
}

impl From<Map> for Vars {
    /// A view of one layer of templates (tests, and callers with a plain mapping).
    fn from(map: Map) -> Self {
        Vars::new().with(Arc::new(Layer::template(map)))
    }
}

impl From<Layer> for Vars {
    fn from(layer: Layer) -> Self {
        Vars::new().with(Arc::new(layer))
    }
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("layers", &self.layers.len())
            .field("names", &self.names())
            .field("hostvars", &self.hostvars.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layer(v: Value, trust: Trust) -> Arc<Layer> {
        let Value::Object(map) = v else {
            unreachable!("a mapping")
        };
        Arc::new(Layer { map, trust })
    }

    #[test]
    fn higher_layers_win_and_names_come_once() {
        let low = layer(json!({"a": 1, "b": 1}), Trust::Template);
        let high = layer(json!({"b": 2, "c": 2}), Trust::Data);
        let vars = Vars::new().with(low).with(high);
        assert_eq!(vars.get("a"), Some(&json!(1)));
        assert_eq!(vars.get("b"), Some(&json!(2)));
        assert!(vars.find("b").is_some_and(|f| f.trust.is_data()));
        assert!(vars.find("a").is_some_and(|f| f.trust.is_template()));
        assert_eq!(vars.names(), ["a", "b", "c"]);
        assert_eq!(
            vars.to_map(),
            layer(json!({"a": 1, "b": 2, "c": 2}), Trust::Data).map
        );
    }

    #[test]
    fn set_never_writes_a_shared_layer() {
        let shared = layer(json!({"a": 1}), Trust::Template);
        let mut one = Vars::new().with(shared.clone());
        let two = one.clone();
        one.set("a", json!(9), Trust::Data);
        one.set("item", json!("x"), Trust::Data);
        assert_eq!(one.get("a"), Some(&json!(9)));
        assert_eq!(two.get("a"), Some(&json!(1)));
        assert_eq!(shared.map.get("a"), Some(&json!(1)));
        assert_eq!(one.layers().len(), 2, "both `set`s share one own layer");
        let mut three = one.clone();
        three.set("item", json!("y"), Trust::Data);
        assert_eq!(
            one.get("item"),
            Some(&json!("x")),
            "a clone copies on write"
        );
    }

    #[test]
    fn mixed_trust_is_kept_per_variable() {
        let mut l = Layer::template(Map::new());
        l.insert("t".into(), json!("{{ x }}"), Trust::Template);
        l.insert("d".into(), json!("{{ x }}"), Trust::Data);
        assert!(l.trust_of("t").is_template());
        assert!(l.trust_of("d").is_data());
        let mut merged = Layer::data(Map::new());
        merged.extend(&l);
        assert!(merged.trust_of("t").is_template());
        assert!(merged.trust_of("d").is_data());
    }
}
