//! Turning `loop`, `with_items`, `with_list` and `with_dict` into the list of items a task runs
//! over, as Ansible does.

use drover_playbook::{Loop, LoopKind};
use drover_template::Templates;
use drover_types::{Templar, Trust, Value, Vars};

/// The items of a task's loop, templated for one host.
pub(crate) fn items(spec: &Loop, templates: &Templates, vars: &Vars) -> Result<Vec<Value>, String> {
    if let LoopKind::WithLookup(lookup) = &spec.kind {
        return lookup_items(lookup, &spec.items, templates, vars);
    }
    let value = match &spec.items {
        Value::String(s) => templates.render(s, vars)?,
        other => templates.render_value(other, vars)?,
    };
    match spec.kind {
        LoopKind::Loop | LoopKind::WithList => match value {
            Value::Array(items) => Ok(items),
            other => Err(format!(
                "invalid data passed to `loop`, it requires a list, got this instead: {}; \
                 hint: use the `dict2items` filter to loop over a mapping",
                crate::repr::label(&other)
            )),
        },
        LoopKind::WithItems => match value {
            Value::Array(items) => Ok(items
                .into_iter()
                .flat_map(|item| match item {
                    Value::Array(inner) => inner,
                    other => vec![other],
                })
                .collect()),
            Value::Null => Ok(Vec::new()),
            other => Ok(vec![other]),
        },
        LoopKind::WithDict => match value {
            Value::Object(map) => Ok(map
                .into_iter()
                .map(|(key, value)| serde_json::json!({ "key": key, "value": value }))
                .collect()),
            other => Err(format!(
                "with_dict expects a dict, got {}",
                crate::repr::label(&other)
            )),
        },
        LoopKind::WithLookup(_) => {
            Err("this is a bug in drover; please report it: lookup loop".into())
        }
    }
}

/// `with_<lookup>`: the value (a list of terms, or one term) is passed to `query('<lookup>')`.
fn lookup_items(
    lookup: &str,
    items: &Value,
    templates: &Templates,
    vars: &Vars,
) -> Result<Vec<Value>, String> {
    let terms = match items {
        Value::String(s) => templates.render(s, vars)?,
        other => templates.render_value(other, vars)?,
    };
    let terms = match terms {
        Value::Array(list) => list,
        other => vec![other],
    };
    let mut scoped = vars.clone();
    scoped.set(TERMS_VAR, Value::Array(terms), Trust::Data);
    let expr = format!("query({}, *{TERMS_VAR})", Value::String(lookup.to_owned()));
    match templates.eval(&expr, &scoped)? {
        Value::Array(list) => Ok(list),
        other => Ok(vec![other]),
    }
}

const TERMS_VAR: &str = "__drover_loop_terms";

/// Sets the loop variables for item `index` of `len`. Items are data: they were rendered when
/// the loop was, and are never rendered again.
pub(crate) fn bind(spec: &Loop, vars: &mut Vars, items: &[Value], index: usize) {
    let item = &items[index];
    let len = items.len();
    vars.set(spec.loop_var.clone(), item.clone(), Trust::Data);
    vars.set(
        "ansible_loop_var",
        spec.loop_var.clone().into(),
        Trust::Data,
    );
    if let Some(index_var) = &spec.index_var {
        vars.set(index_var.clone(), index.into(), Trust::Data);
        vars.set("ansible_index_var", index_var.clone().into(), Trust::Data);
    }
    let extended = spec.extended.as_ref().is_some_and(drover_types::truthy);
    if extended {
        let mut ansible_loop = serde_json::json!({
                "index": index + 1,
                "index0": index,
                "revindex": len - index,
                "revindex0": len - index - 1,
                "first": index == 0,
                "last": index + 1 == len,
                "length": len,
                "allitems": items,
                "previtem": index.checked_sub(1).map(|i| items[i].clone()),
                "nextitem": items.get(index + 1),
        });
        // Ansible leaves out what does not exist rather than setting it to None.
        if let Value::Object(map) = &mut ansible_loop {
            map.retain(|_, v| !v.is_null());
        }
        vars.set("ansible_loop", ansible_loop, Trust::Data);
    }
}
