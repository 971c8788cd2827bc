//! Lazy variables: the template context as a minijinja object that renders on access.
//!
//! Ansible keeps variables untemplated and renders a value only when a template uses it:
//! `app_dir: "{{ base }}/app"` is rendered when `{{ app_dir }}` is looked up, and nested
//! mappings and lists are rendered item by item as they are reached. [`Root`] borrows the caller's
//! variables for the duration of one render call (no copy); [`LazyMap`] and [`LazyList`] point
//! into them. Values wrapped by [`drover_types::mark_unsafe`] are handed out as plain data and
//! never rendered, however deep.
//!
//! Soundness: the objects keep raw pointers into the borrowed [`Map`]. Every access first checks
//! [`Root::alive`], which the [`Scope`] guard clears before the borrow ends, so an object that
//! somehow outlived its render call reads as empty instead of touching freed memory. minijinja
//! renders on the calling thread and the engine never shares these objects across threads.

use crate::convert::to_plain;
use crate::render::render_in;
use drover_types::{Map, UNSAFE_KEY, Value as JValue};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Environment, Error, ErrorKind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The name under which the root object can find itself (lookups and filters need the vars).
pub(crate) const ROOT_NAME: &str = "__drover_vars__";

/// How deep lazy values may render each other before we call it a loop.
const MAX_DEPTH: usize = 64;

/// The variables of one render call.
pub(crate) struct Root {
    vars: *const Map,
    alive: AtomicBool,
    /// The environment that renders lazy strings.
    pub(crate) env: Arc<Environment<'static>>,
    /// Strings being rendered right now (by address), to detect `a: "{{ b }}", b: "{{ a }}"`.
    stack: Mutex<Vec<usize>>,
    /// Rendered lazy strings, by address: variables do not change during one call.
    memo: Mutex<HashMap<usize, Value>>,
    /// Extra names layered over the vars (template_* variables of the template module).
    pub(crate) extra: Map,
    /// The controller's environment variables (for `lookup('env')`, `expanduser`...).
    pub(crate) controller_env: Arc<HashMap<String, String>>,
    /// Why a variable read as undefined (its template used an undefined value), by name: the
    /// message shown when the variable is then used.
    causes: Mutex<HashMap<String, String>>,
}

// SAFETY: `vars` points to a `Map` (itself Send + Sync) that the owning `Scope` borrows for as long
// as `alive` is true; it is only ever read.
unsafe impl Send for Root {}
unsafe impl Sync for Root {}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<vars>")
    }
}

/// Keeps a [`Root`] valid while the borrowed vars live; clears it on drop.
pub(crate) struct Scope<'a> {
    /// The root; clone it into the context.
    pub(crate) root: Arc<Root>,
    _vars: std::marker::PhantomData<&'a Map>,
}

impl<'a> Scope<'a> {
    /// Borrows `vars` for one render call.
    pub(crate) fn new(
        env: Arc<Environment<'static>>,
        vars: &'a Map,
        extra: Map,
        controller_env: Arc<HashMap<String, String>>,
    ) -> Self {
        let root = Arc::new(Root {
            vars: vars as *const Map,
            alive: AtomicBool::new(true),
            env,
            stack: Mutex::new(Vec::new()),
            memo: Mutex::new(HashMap::new()),
            extra,
            controller_env,
            causes: Mutex::new(HashMap::new()),
        });
        Scope {
            root,
            _vars: std::marker::PhantomData,
        }
    }

    /// The context value for minijinja.
    pub(crate) fn context(&self) -> Value {
        Value::from_dyn_object(self.root.clone())
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        self.root.alive.store(false, Ordering::SeqCst);
        // Break the cycle memo -> value -> object -> root.
        if let Ok(mut memo) = self.root.memo.lock() {
            memo.clear();
        }
    }
}

impl Root {
    fn vars(&self) -> Option<&Map> {
        if self.alive.load(Ordering::SeqCst) {
            // SAFETY: see the module doc: alive means the borrow is still held.
            Some(unsafe { &*self.vars })
        } else {
            None
        }
    }

    /// Looks a top-level variable up, rendered.
    pub(crate) fn lookup(self: &Arc<Self>, name: &str) -> Option<Value> {
        if name == ROOT_NAME {
            return Some(Value::from_dyn_object(self.clone()));
        }
        let Some(value) = self.extra.get(name).or_else(|| self.vars()?.get(name)) else {
            // Ansible's `vars`: every variable, when nothing else is called so.
            return (name == "vars").then(|| Value::from_dyn_object(self.clone()));
        };
        Some(self.wrap_named(value, false, name))
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
    pub(crate) fn wrap_named(self: &Arc<Self>, value: &JValue, raw: bool, name: &str) -> Value {
        match value {
            JValue::String(s) if !raw && crate::Templates::is_template(s) => {
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
            other => self.wrap(other, raw),
        }
    }

    /// Turns one stored value into a template value: scalars directly, strings rendered (unless
    /// `raw`), containers as lazy objects. Errors become invalid values, which minijinja raises
    /// where they are used.
    pub(crate) fn wrap(self: &Arc<Self>, value: &JValue, raw: bool) -> Value {
        match value {
            JValue::Null => Value::from(()),
            JValue::Bool(b) => Value::from(*b),
            JValue::Number(n) => number(n),
            JValue::String(s) => {
                if raw || !crate::Templates::is_template(s) {
                    Value::from(s.as_str())
                } else {
                    match self.render_lazy(value as *const JValue as usize, s) {
                        Ok(v) => v,
                        Err(e) => Value::from(e),
                    }
                }
            }
            JValue::Array(items) => Value::from_object(LazyList {
                root: self.clone(),
                items: items as *const Vec<JValue>,
                raw,
            }),
            JValue::Object(map) => {
                if let Some(inner) = drover_types::as_unsafe(value) {
                    return self.wrap(inner, true);
                }
                Value::from_object(LazyMap {
                    root: self.clone(),
                    map: map as *const Map,
                    raw,
                })
            }
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
    pub(crate) fn resolve(self: &Arc<Self>, value: &JValue, raw: bool) -> Result<JValue, Error> {
        match value {
            JValue::String(s) if !raw && crate::Templates::is_template(s) => {
                to_plain(&self.wrap(value, false))
            }
            JValue::Array(items) => items
                .iter()
                .map(|v| self.resolve(v, raw))
                .collect::<Result<Vec<_>, _>>()
                .map(JValue::Array),
            JValue::Object(map) => {
                if let Some(inner) = drover_types::as_unsafe(value) {
                    return Ok(drover_types::strip_unsafe(inner.clone()));
                }
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.resolve(v, raw)?);
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
        let mut keys: Vec<Value> = self.extra.keys().map(|k| Value::from(k.as_str())).collect();
        if let Some(vars) = self.vars() {
            keys.extend(
                vars.keys()
                    .filter(|k| !self.extra.contains_key(*k))
                    .map(|k| Value::from(k.as_str())),
            );
        }
        Enumerator::Values(keys)
    }
}

/// A mapping inside the variables, rendered entry by entry.
pub(crate) struct LazyMap {
    pub(crate) root: Arc<Root>,
    map: *const Map,
    pub(crate) raw: bool,
}

// SAFETY: as for `Root`: the pointer is only read while `root.alive`.
unsafe impl Send for LazyMap {}
unsafe impl Sync for LazyMap {}

impl std::fmt::Debug for LazyMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<dict>")
    }
}

impl LazyMap {
    /// The underlying stored mapping, while the render call lasts.
    pub(crate) fn map(&self) -> Option<&Map> {
        self.root.vars()?;
        // SAFETY: alive was just checked.
        Some(unsafe { &*self.map })
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
        if key == UNSAFE_KEY {
            return None;
        }
        let value = self.map()?.get(key)?;
        Some(self.root.wrap_named(value, self.raw, key))
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
    pub(crate) root: Arc<Root>,
    items: *const Vec<JValue>,
    pub(crate) raw: bool,
}

// SAFETY: as for `Root`.
unsafe impl Send for LazyList {}
unsafe impl Sync for LazyList {}

impl std::fmt::Debug for LazyList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<list>")
    }
}

impl LazyList {
    /// The underlying stored list, while the render call lasts.
    pub(crate) fn items(&self) -> Option<&Vec<JValue>> {
        self.root.vars()?;
        // SAFETY: alive was just checked.
        Some(unsafe { &*self.items })
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
        let value = items.get(usize::try_from(idx).ok()?)?;
        Some(self.root.wrap(value, self.raw))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.items().map_or(0, |i| i.len()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items().map_or(0, |i| i.len()))
    }
}
