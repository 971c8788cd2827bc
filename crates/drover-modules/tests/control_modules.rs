//! debug, set_fact, assert, fail and meta, with a small fake templar: results as ansible-core
//! 2.19.14 registers them (checked with ansible-playbook; see each test).

use drover_types::{ModuleContext, TaskResult, Templar, TemplateError, Value};
use serde_json::json;
use std::path::Path;

/// Evaluates `a == b` over literals and variables, plain variable names, and `{{ name }}`
/// templates; an unknown name is undefined, `boom` is an error.
struct FakeTemplar;

impl FakeTemplar {
    fn atom(&self, s: &str, vars: &drover_types::Vars) -> Result<Value, TemplateError> {
        let s = s.trim();
        if let Ok(n) = s.parse::<i64>() {
            return Ok(n.into());
        }
        if s == "boom" {
            return Err(TemplateError::Render("boom failed".into()));
        }
        if let Some(lit) = s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return Ok(lit.into());
        }
        vars.get(s)
            .cloned()
            .ok_or_else(|| TemplateError::Undefined(format!("'{s}' is undefined")))
    }
}

impl Templar for FakeTemplar {
    fn render(
        &self,
        source: &str,
        vars: &drover_types::Vars,
    ) -> Result<Value, drover_types::TemplateError> {
        let Some((before, rest)) = source.split_once("{{") else {
            return Ok(source.into());
        };
        let (expr, after) = rest
            .split_once("}}")
            .ok_or_else(|| TemplateError::Syntax("unclosed {{".into()))?;
        let value = self.eval(expr, vars)?;
        if before.is_empty() && after.is_empty() {
            return Ok(value);
        }
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        Ok(format!("{before}{text}{after}").into())
    }
    fn eval(
        &self,
        expr: &str,
        vars: &drover_types::Vars,
    ) -> Result<Value, drover_types::TemplateError> {
        match expr.split_once("==") {
            Some((a, b)) => Ok((self.atom(a, vars)? == self.atom(b, vars)?).into()),
            None => self.atom(expr, vars),
        }
    }
    fn render_file(
        &self,
        _: &Path,
        _: &drover_types::Vars,
    ) -> Result<String, drover_types::TemplateError> {
        Err(TemplateError::Render("no files".into()))
    }
}

async fn run(module: &str, args: Value) -> TaskResult {
    let conn = drover_connection::Local;
    let vars = json!({"lst": [1, 2], "k": "dyn", "one": 1})
        .as_object()
        .cloned()
        .unwrap();
    let vars = drover_types::Vars::from(vars);
    let ctx = ModuleContext {
        conn: &conn,
        templar: &FakeTemplar,
        vars: &vars,
        check_mode: false,
        diff: false,
        become_: None,
        search_paths: &[],
        timeout: None,
        arg_spans: &[],
    };
    let m = drover_modules::all()
        .into_iter()
        .find(|m| m.name() == module)
        .expect("module exists");
    m.run(&ctx, args.as_object().unwrap()).await
}

/// The registered value without drover's internal `_` keys.
fn registered(r: &TaskResult) -> Value {
    let mut v = r.to_value();
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| !k.starts_with('_'));
    v
}

#[tokio::test]
async fn debug_msg_and_var() {
    // ansible-core: `debug:` gives {"msg": "Hello world!"}; `debug: var=lst` gives {"lst": [1, 2]}.
    let r = run("debug", json!({})).await;
    assert_eq!(
        registered(&r),
        json!({"msg": "Hello world!", "changed": false, "failed": false})
    );
    assert_eq!(r.data["_ansible_verbose_always"], true);
    assert_eq!(r.data["_verbosity"], 0);
    let r = run("debug", json!({"msg": [1, 2], "verbosity": 2})).await;
    assert_eq!(r.data["msg"], json!([1, 2]));
    assert_eq!(r.data["_verbosity"], 2);
    let r = run("debug", json!({"var": "lst"})).await;
    assert_eq!(
        registered(&r),
        json!({"lst": [1, 2], "changed": false, "failed": false})
    );
    let r = run("debug", json!({"var": "nope"})).await;
    assert_eq!(r.data["nope"], "<< error 1 - 'nope' is undefined >>");
    assert!(!r.changed && !r.failed);
    let r = run("debug", json!({"var": "boom"})).await;
    assert!(
        r.failed && r.msg.as_deref().unwrap().contains("boom failed"),
        "{r:?}"
    );
    let r = run("debug", json!({"var": "lst", "msg": "x"})).await;
    assert_eq!(
        r.msg.as_deref(),
        Some("parameters are mutually exclusive: msg|var")
    );
}

#[tokio::test]
async fn set_fact_sets_values_as_given() {
    // ansible-core 2.19: `set_fact: x=yes` keeps the string "yes"; cacheable is not a fact.
    let r = run(
        "set_fact",
        json!({"x": "yes", "n": 2, "cacheable": true, "{{ k }}_x": [1]}),
    )
    .await;
    assert_eq!(
        r.facts,
        json!({"x": "yes", "n": 2, "dyn_x": [1]})
            .as_object()
            .cloned()
            .unwrap()
    );
    assert_eq!(r.data["_ansible_facts_cacheable"], true);
    assert!(!r.changed && !r.failed);
    assert_eq!(
        registered(&r),
        json!({"ansible_facts": {"x": "yes", "n": 2, "dyn_x": [1]}, "changed": false, "failed": false})
    );
    let r = run("set_fact", json!({"bad-name": 1})).await;
    assert_eq!(
        r.msg.as_deref(),
        Some("Task failed: Invalid variable name 'bad-name'.")
    );
    let r = run("set_fact", json!({"cacheable": true})).await;
    assert_eq!(
        r.msg.as_deref(),
        Some("No key/value pairs provided, at least one is required for this action to succeed")
    );
}

#[tokio::test]
async fn assert_results() {
    // ansible-core: {"changed": false, "msg": "All assertions passed"} and, on failure,
    // {"assertion": "...", "changed": false, "evaluated_to": false, "failed": true, "msg": ...}.
    let r = run("assert", json!({"that": ["one == 1", "lst == lst"]})).await;
    assert_eq!(
        registered(&r),
        json!({"changed": false, "failed": false, "msg": "All assertions passed"})
    );
    assert_eq!(r.data["_ansible_verbose_always"], true);
    // ansible-core 2.19: a condition whose result is not a boolean is an error, not "truthy".
    let r = run("assert", json!({"that": ["lst"]})).await;
    assert!(r.failed);
    assert!(
        r.msg
            .as_deref()
            .unwrap_or("")
            .contains("must have a boolean result"),
        "{:?}",
        r.msg
    );
    let r = run("assert", json!({"that": "one == 2", "fail_msg": "nope"})).await;
    assert_eq!(
        registered(&r),
        json!({"assertion": "one == 2", "evaluated_to": false, "changed": false, "failed": true, "exception": "(traceback unavailable)", "msg": "nope"})
    );
    let r = run(
        "assert",
        json!({"that": ["one == 1", "one == 3"], "fail_msg": ["a", "b"]}),
    )
    .await;
    assert_eq!(r.data["assertion"], "one == 3");
    assert_eq!(registered(&r)["msg"], json!(["a", "b"]));
    let r = run("assert", json!({"that": "one == 2"})).await;
    assert_eq!(r.msg.as_deref(), Some("Assertion failed"));
    let r = run(
        "assert",
        json!({"that": "one == 1", "quiet": true, "success_msg": "yay"}),
    )
    .await;
    assert_eq!(r.msg.as_deref(), Some("yay"));
    assert!(!r.data.contains_key("_ansible_verbose_always"));
    let r = run("assert", json!({"that": "nope == 1"})).await;
    assert_eq!(
        r.msg.as_deref(),
        Some("Task failed: Error while evaluating conditional: 'nope' is undefined")
    );
    let r = run("assert", json!({"that": "{{ one == 1 }}"})).await;
    assert!(!r.failed && r.warnings.len() == 1, "{r:?}");
}

#[tokio::test]
async fn fail_and_meta() {
    let r = run("fail", json!({})).await;
    assert_eq!(
        registered(&r),
        json!({"changed": false, "failed": true, "exception": "(traceback unavailable)", "msg": "Failed as requested from task"})
    );
    let r = run("fail", json!({"msg": [1, 2]})).await;
    assert_eq!(registered(&r)["msg"], json!([1, 2]));
    let r = run("meta", json!({"_raw_params": "noop"})).await;
    assert!(r.failed && r.msg.as_deref().unwrap().contains("handled by the engine"));
    let meta = drover_modules::all()
        .into_iter()
        .find(|m| m.name() == "meta")
        .unwrap();
    assert!(meta.spec().free_form);
    assert!(
        meta.spec()
            .find("_raw_params")
            .unwrap()
            .choices
            .contains(&"flush_handlers")
    );
}
