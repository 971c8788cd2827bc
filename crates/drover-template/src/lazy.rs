//! Lazy variables: the template context as a minijinja object that renders on access.
//!
//! Ansible keeps variables untemplated and renders a value only when a template uses it:
//! `app_dir: "{{ base }}/app"` is rendered when `{{ app_dir }}` is looked up, and nested
//! mappings and lists are rendered item by item as they are reached. [`Root`] holds the caller's
//! [`Vars`] for one render call (a list of shared layers, no copy of any variable); [`LazyMap`]
//! and [`LazyList`] hold the layer their value lives in and the path to it, so they borrow
//! nothing and need no `unsafe`. A value whose [`Trust`] says data is handed out as it is and
//! never rendered, however deep.
//!
//! `hostvars` reads other hosts through the view's [`drover_types::HostVars`]: each host it
//! reaches gets a [`Root`] of its own (its variables render in its own context, as in Ansible),
//! made once per render call and kept in the call's [`Family`].

use crate::convert::to_plain;
use crate::render::render_in;
use drover_types::{Layer, Map, Trust, Value as JValue, Vars};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Environment, Error, ErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The name under which the root object can find itself (lookups and filters need the vars).
pub(crate) const ROOT_NAME: &str = "__drover_vars__";

/// How deep lazy values may render each other before we call it a loop.
const MAX_DEPTH: usize = 64;

/// One step from a variable to a value inside it.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Where a stored value lives: its layer (kept alive here) and the path to it from there.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    layer: Arc<Layer>,
    path: Vec<Seg>,
}

impl Place {
    /// The variable `name` of `layer`.
    fn var(layer: &Arc<Layer>, name: &str) -> Self {
        Place {
            layer: layer.clone(),
            path: vec![Seg::Key(name.to_owned())],
        }
    }

    fn child(&self, seg: Seg) -> Self {
        let mut path = self.path.clone();
        path.push(seg);
        Place {
            layer: self.layer.clone(),
            path,
        }
    }

    /// The value at this place.
    fn value(&self) -> Option<&JValue> {
        let mut segs = self.path.iter();
        let Some(Seg::Key(first)) = segs.next() else {
            return None;
        };
        let mut value = self.layer.map.get(first)?;
        for seg in segs {
            value = match (seg, value) {
                (Seg::Key(k), JValue::Object(map)) => map.get(k)?,
                (Seg::Index(i), JValue::Array(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(value)
    }
}

/// What every [`Root`] of one render call shares: the roots `hostvars` made, so that each host
/// is set up once per call and every memo is cleared when the call ends.
#[derive(Default)]
struct Family {
    hosts: Mutex<HashMap<String, Arc<Root>>>,
}

/// The variables of one render call (or of one host reached through `hostvars`).
pub(crate) struct Root {
    vars: Vars,
    /// The environment that renders lazy strings.
    pub(crate) env: Arc<Environment<'static>>,
    /// Strings being rendered right now (by address), to detect `a: "{{ b }}", b: "{{ a }}"`.
    stack: Mutex<Vec<usize>>,
    /// Rendered lazy strings, by address: variables do not change during one call.
    memo: Mutex<HashMap<usize, Value>>,
    /// The controller's environment variables (for `lookup('env')`, `expanduser`...).
    pub(crate) controller_env: Arc<HashMap<String, String>>,
    /// Why a variable read as undefined (its template used an undefined value), by name: the
    /// message shown when the variable is then used.
    causes: Mutex<HashMap<String, String>>,
    family: Arc<Family>,
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<vars>")
    }
}

/// One render call's root; when it ends, every memo of the call is cleared, which breaks the
/// cycles memo → value → object → root.
pub(crate) struct Scope {
    /// The root; clone it into the context.
    pub(crate) root: Arc<Root>,
}

impl Scope {
    /// Sets up a render call over `vars`.
    pub(crate) fn new(
        env: Arc<Environment<'static>>,
        vars: &Vars,
        controller_env: Arc<HashMap<String, String>>,
    ) -> Self {
        Scope {
            root: Arc::new(Root::new(env, vars.clone(), controller_env, Arc::default())),
        }
    }

    /// The context value for minijinja.
    pub(crate) fn context(&self) -> Value {
        Value::from_dyn_object(self.root.clone())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        self.root.clear();
        let hosts = match self.root.family.hosts.lock() {
            Ok(mut hosts) => std::mem::take(&mut *hosts),
            Err(_) => return,
        };
        for root in hosts.values() {
            root.clear();
        }
    }
}

impl Root {
    fn new(
        env: Arc<Environment<'static>>,
        vars: Vars,
        controller_env: Arc<HashMap<String, String>>,
        family: Arc<Family>,
    ) -> Self {
        Root {
            vars,
            env,
            stack: Mutex::new(Vec::new()),
            memo: Mutex::new(HashMap::new()),
            controller_env,
            causes: Mutex::new(HashMap::new()),
            family,
        }
    }

    fn clear(&self) {
        if let Ok(mut memo) = self.memo.lock() {
            memo.clear();
        }
    }

    /// Looks a top-level variable up, rendered.
    pub(crate) fn lookup(self: &Arc<Self>, name: &str) -> Option<Value> {
        if name == ROOT_NAME {
            return Some(Value::from_dyn_object(self.clone()));
        }
        let Some(found) = self.vars.find(name) else {
            return match name {
                "hostvars" => self
                    .vars
                    .hostvars()
                    .map(|_| Value::from_object(HostvarsMap { root: self.clone() })),
                // Ansible's `vars`: every variable, when nothing else is called so.
                "vars" => Some(Value::from_dyn_object(self.clone())),
                _ => None,
            };
        };
        let place = Place::var(found.layer, name);
        Some(self.wrap_named(found.value, &found.trust, place, name))
    }

    /// The root for `host`'s own variables, made once per render call.
    fn host_root(&self, host: &str) -> Option<Arc<Root>> {
        let mut hosts = self.family.hosts.lock().ok()?;
        if let Some(root) = hosts.get(host) {
            return Some(root.clone());
        }
        let vars = self.vars.hostvars()?.host(host)?;
        let root = Arc::new(Root::new(
            self.env.clone(),
            vars,
            self.controller_env.clone(),
            self.family.clone(),
        ));
        hosts.insert(host.to_owned(), root.clone());
        Some(root)
    }

    /// A reason some variable read as undefined, when any did.
    pub(crate) fn any_undefined_cause(&self) -> Option<String> {
        self.causes.lock().ok()?.values().next().cloned()
    }

    /// Why `name` read as undefined, when a lazy template made it so.
    pub(crate) fn undefined_cause(&self, name: &str) -> Option<String> {
        self.causes.lock().ok()?.get(name).cloned()
    }

    /// [`Root::wrap`] for a value stored under `name`: a template whose rendering hits an
    /// undefined value reads as undefined (so `default` and `is defined` work, as in Ansible),
    /// and the reason is kept for the error shown if it is used anyway.
    fn wrap_named(
        self: &Arc<Self>,
        value: &JValue,
        trust: &Trust,
        place: Place,
        name: &str,
    ) -> Value {
        match value {
            JValue::String(s) if trust.is_template() && crate::Templates::is_template(s) => {
                match self.render_lazy(value as *const JValue as usize, s) {
                    Ok(v) => v,
                    Err(e) if e.kind() == ErrorKind::UndefinedError => {
                        if let Ok(mut causes) = self.causes.lock() {
                            causes
                                .entry(name.to_owned())
                                .or_insert_with(|| crate::render::describe(&e));
                        }
                        Value::UNDEFINED
                    }
                    Err(e) => Value::from(e),
                }
            }
            other => self.wrap(other, trust, place),
        }
    }

    /// Turns one stored value into a template value: scalars directly, template strings
    /// rendered, containers as lazy objects. Errors become invalid values, which minijinja
    /// raises where they are used.
    fn wrap(self: &Arc<Self>, value: &JValue, trust: &Trust, place: Place) -> Value {
        match value {
            JValue::Null => Value::from(()),
            JValue::Bool(b) => Value::from(*b),
            JValue::Number(n) => number(n),
            JValue::String(s) => {
                if !trust.is_template() || !crate::Templates::is_template(s) {
                    Value::from(s.as_str())
                } else {
                    match self.render_lazy(value as *const JValue as usize, s) {
                        Ok(v) => v,
                        Err(e) => Value::from(e),
                    }
                }
            }
            JValue::Array(_) => Value::from_object(LazyList {
                root: self.clone(),
                place,
                trust: trust.clone(),
            }),
            JValue::Object(_) => Value::from_object(LazyMap {
                root: self.clone(),
                place,
                trust: trust.clone(),
            }),
        }
    }

    fn render_lazy(self: &Arc<Self>, key: usize, source: &str) -> Result<Value, Error> {
        if let Some(v) = self.memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(v);
        }
        {
            let mut stack = self.stack.lock().map_err(|_| poisoned())?;
            if stack.contains(&key) || stack.len() >= MAX_DEPTH {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("recursive loop detected in template: {source}"),
                ));
            }
            stack.push(key);
        }
        let result = render_in(&self.env, source, Value::from_dyn_object(self.clone()));
        if let Ok(mut stack) = self.stack.lock() {
            stack.retain(|k| *k != key);
        }
        let value = result?;
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(key, value.clone());
        }
        Ok(value)
    }

    /// Renders a stored value deep into plain data.
    fn resolve(self: &Arc<Self>, value: &JValue, trust: &Trust) -> Result<JValue, Error> {
        if trust.is_data() {
            return Ok(value.clone());
        }
        match value {
            JValue::String(s) if trust.is_template() && crate::Templates::is_template(s) => {
                match self.render_lazy(value as *const JValue as usize, s) {
                    Ok(v) => to_plain(&v),
                    Err(e) => Err(e),
                }
            }
            JValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.resolve(v, &trust.part(&i.to_string())))
                .collect::<Result<Vec<_>, _>>()
                .map(JValue::Array),
            JValue::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.resolve(v, &trust.part(k))?);
                }
                Ok(JValue::Object(out))
            }
            other => Ok(other.clone()),
        }
    }
}

fn poisoned() -> Error {
    Error::new(ErrorKind::InvalidOperation, "template state lock poisoned")
}

/// A JSON number as a template number.
pub(crate) fn number(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        Value::from(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl Object for Root {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.lookup(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        self.lookup(key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.vars.names().into_iter().map(Value::from).collect())
    }
}

/// `hostvars`: a mapping of host names to each host's variables, made on access.
#[derive(Debug)]
pub(crate) struct HostvarsMap {
    root: Arc<Root>,
}

impl Object for HostvarsMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let root = self.root.host_root(key.as_str()?)?;
        Some(Value::from_dyn_object(root))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let names = self
            .root
            .vars
            .hostvars()
            .map(|h| h.names())
            .unwrap_or_default();
        Enumerator::Values(names.into_iter().map(Value::from).collect())
    }
}

/// A mapping inside the variables, rendered entry by entry.
pub(crate) struct LazyMap {
    root: Arc<Root>,
    place: Place,
    trust: Trust,
}

impl std::fmt::Debug for LazyMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<dict>")
    }
}

impl LazyMap {
    /// The underlying stored mapping.
    fn map(&self) -> Option<&Map> {
        match self.place.value()? {
            JValue::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The mapping rendered deep into plain data.
    pub(crate) fn to_plain(&self) -> Result<JValue, Error> {
        match self.place.value() {
            Some(value) => self.root.resolve(value, &self.trust),
            None => Ok(JValue::Object(Map::new())),
        }
    }
}

impl Object for LazyMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = match key.as_str() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(key.to_string()),
        };
        self.get_value_by_str(&key)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let value = self.map()?.get(key)?;
        let place = self.place.child(Seg::Key(key.to_owned()));
        Some(
            self.root
                .wrap_named(value, &self.trust.part(key), place, key),
        )
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.map() {
            Some(map) => Enumerator::Values(map.keys().map(|k| Value::from(k.as_str())).collect()),
            None => Enumerator::Empty,
        }
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.map().map_or(0, |m| m.len()))
    }
}

/// A list inside the variables, rendered item by item.
pub(crate) struct LazyList {
    root: Arc<Root>,
    place: Place,
    trust: Trust,
}

impl std::fmt::Debug for LazyList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<list>")
    }
}

impl LazyList {
    /// The underlying stored list.
    fn items(&self) -> Option<&Vec<JValue>> {
        match self.place.value()? {
            JValue::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The list rendered deep into plain data.
    pub(crate) fn to_plain(&self) -> Result<JValue, Error> {
        match self.place.value() {
            Some(value) => self.root.resolve(value, &self.trust),
            None => Ok(JValue::Array(Vec::new())),
        }
    }
}

impl Object for LazyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = self.items()?;
        let idx = key.as_i64()?;
        let idx = if idx < 0 {
            items.len() as i64 + idx
        } else {
            idx
        };
        let idx = usize::try_from(idx).ok()?;
        let value = items.get(idx)?;
        let place = self.place.child(Seg::Index(idx));
        Some(
            self.root
                .wrap(value, &self.trust.part(&idx.to_string()), place),
        )
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.items().map_or(0, |i| i.len()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items().map_or(0, |i| i.len()))
    }
}
