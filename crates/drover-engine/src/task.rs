//! One task on one host: conditions, loop items, templated arguments, the module call, `until`,
//! `changed_when`/`failed_when`, and the value `register` stores. Nothing here touches shared
//! state: the play runner applies the returned [`HostRun`] once every host has finished.

use crate::loops;
use drover_playbook::Task;
use drover_template::Templates;
use drover_types::condition::{eval_embedded, text_result, whole_template};
use drover_types::{
    Become, BecomeMethod, Connection, Connector, Deprecation, Map, Module, ModuleContext, Status,
    TaskResult, Templar, Trust, Value, Vars,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Keywords after inheritance from play and blocks (innermost wins), still untemplated.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keywords {
    pub(crate) when: Vec<Value>,
    /// Where each of `when` is written.
    pub(crate) when_spans: Vec<drover_types::Span>,
    pub(crate) ignore_errors: Option<Value>,
    pub(crate) ignore_unreachable: Option<Value>,
    pub(crate) check_mode: Option<Value>,
    pub(crate) diff: Option<Value>,
    pub(crate) no_log: Option<Value>,
    pub(crate) become_: Option<Value>,
    pub(crate) become_user: Option<Value>,
    pub(crate) become_method: Option<Value>,
    pub(crate) timeout: Option<Value>,
    pub(crate) run_once: Option<Value>,
    pub(crate) environment: Option<Value>,
    pub(crate) any_errors_fatal: Option<Value>,
    pub(crate) throttle: Option<Value>,
    pub(crate) remote_user: Option<Value>,
    pub(crate) connection: Option<Value>,
    pub(crate) delegate_to: Option<Value>,
    /// `module_defaults`, outer to inner.
    pub(crate) module_defaults: Vec<Value>,
}

/// What every host shares while one task runs.
pub(crate) struct TaskEnv<'a> {
    pub(crate) templates: &'a Templates,
    pub(crate) module: &'static dyn Module,
    pub(crate) task: &'a Task,
    pub(crate) keywords: &'a Keywords,
    pub(crate) check: bool,
    pub(crate) diff: bool,
    pub(crate) search_paths: &'a [PathBuf],
    pub(crate) connector: &'a dyn Connector,
    pub(crate) verbosity: u8,
    pub(crate) become_defaults: &'a crate::BecomeDefaults,
    pub(crate) default_connection: Option<&'a str>,
    /// A host's inventory variables (for `delegate_to`).
    pub(crate) host_vars: &'a (dyn Fn(&str) -> Map + Sync),
}

/// One loop item's (or the only) result, for the reporter.
pub(crate) struct ItemRun {
    pub(crate) label: Option<String>,
    pub(crate) result: TaskResult,
    pub(crate) status: Status,
}

/// Everything one host's run of a task produced.
pub(crate) struct HostRun {
    /// Per-item results, empty when the task has no loop.
    pub(crate) items: Vec<ItemRun>,
    /// The task's result (for a loop, the aggregate of its items).
    pub(crate) result: TaskResult,
    pub(crate) status: Status,
    pub(crate) ignored: bool,
    pub(crate) no_log: bool,
    pub(crate) conn: Option<Arc<dyn Connection>>,
    /// For each failed `until` attempt that is retried, how many attempts are left.
    pub(crate) retries: Vec<u32>,
    /// `delegate_to`, when the task ran on another host.
    pub(crate) delegated_to: Option<String>,
    /// Said once before the host's result (a `no_log` that could not be evaluated).
    pub(crate) warning: Option<String>,
}

impl HostRun {
    /// A run that failed before the task could start on the host.
    pub(crate) fn failed(message: String, no_log: bool) -> Self {
        HostRun {
            items: Vec::new(),
            result: TaskResult::failed(message),
            status: Status::Failed,
            ignored: false,
            no_log,
            conn: None,
            retries: Vec::new(),
            delegated_to: None,
            warning: None,
        }
    }
}

/// How a result counts.
pub(crate) fn status_of(result: &TaskResult) -> Status {
    if result.unreachable {
        Status::Unreachable
    } else if result.failed {
        Status::Failed
    } else if result.skipped {
        Status::Skipped
    } else if result.changed {
        Status::Changed
    } else {
        Status::Ok
    }
}

/// Evaluates one condition (`when`, `changed_when`...) as ansible-core 2.19 does: the result
/// must be a boolean; text, numbers, lists and `None` are refused rather than guessed at.
pub(crate) fn condition(templates: &Templates, cond: &Value, vars: &Vars) -> Result<bool, String> {
    judge(templates, cond, vars).map(|(holds, _)| holds)
}

/// [`condition`], also saying whether the condition was a template standing for a value rather
/// than for an expression (`when: "{{ flag }}"`), which ansible-core 2.19 deprecates.
fn judge(templates: &Templates, cond: &Value, vars: &Vars) -> Result<(bool, bool), String> {
    let mut as_template = false;
    // A template's text result is never evaluated unless Ansible would trust it (condition.rs).
    let value = match cond {
        Value::String(text) if Templates::is_template(text) => match whole_template(text) {
            Some(inner) => match templates.render(text, vars) {
                Ok(Value::String(s)) => text_result(templates, inner, &s, vars),
                other => {
                    as_template = other.is_ok();
                    other
                }
            },
            None => eval_embedded(templates, text, vars),
        },
        Value::String(text) => templates.eval(text, vars),
        other => Ok(other.clone()),
    }
    .map_err(|err| format!("the conditional check `{}` failed: {err}", cond_text(cond)))?;
    Ok((
        drover_types::conditional_result(&value, &cond_text(cond))?,
        as_template,
    ))
}

/// Judges `conds` (ANDed, stopping at the first false one); a condition written as a template
/// standing for a value adds ansible-core's deprecation, pointing at `spans[i]`, to `notes`.
fn judge_all(
    templates: &Templates,
    conds: &[Value],
    spans: &[drover_types::Span],
    vars: &Vars,
    notes: &mut Vec<Deprecation>,
) -> Result<Option<usize>, String> {
    for (i, cond) in conds.iter().enumerate() {
        let (holds, as_template) = judge(templates, cond, vars)?;
        if as_template && let Some(span) = spans.get(i) {
            notes.push(Deprecation {
                message: CONDITION_AS_TEMPLATE.to_owned(),
                origin: span.clone(),
            });
        }
        if !holds {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// ansible-core 2.19's words for a condition that is a template of a value.
const CONDITION_AS_TEMPLATE: &str = "Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}. This feature will be removed from ansible-core version 2.23.";

fn cond_text(cond: &Value) -> String {
    match cond {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A keyword that holds a boolean, possibly templated. A template that fails is an error naming
/// the keyword, never the default: a broken `no_log` must not print the secret it was meant to
/// hide.
pub(crate) fn keyword_bool(
    templates: &Templates,
    name: &str,
    value: Option<&Value>,
    vars: &Vars,
) -> Result<Option<bool>, String> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if Templates::is_template(s) => templates
            .render(s, vars)
            .map(|v| Some(drover_types::truthy(&v)))
            .map_err(|err| keyword_error(name, err)),
        Some(v) => Ok(Some(drover_types::truthy(v))),
    }
}

/// The message of a task that fails because its keyword `name` could not be evaluated.
pub(crate) fn keyword_error(name: &str, err: impl std::fmt::Display) -> String {
    format!("Error processing keyword `{name}`: {err}")
}

/// A keyword that holds a number, possibly templated (`retries`, `delay`, `throttle`...);
/// `None` when it is unset, an error when its template fails or it is not a number.
pub(crate) fn keyword_number<N: std::str::FromStr>(
    templates: &Templates,
    name: &str,
    value: Option<&Value>,
    vars: &Vars,
) -> Result<Option<N>, String> {
    let Some(text) = keyword_text(templates, name, value, vars)? else {
        return Ok(None);
    };
    match text.trim().parse() {
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(keyword_error(
            name,
            format!("expected a number, got `{text}`"),
        )),
    }
}

/// A keyword that holds text, possibly templated (`become_user`, `delegate_to`...).
pub(crate) fn keyword_text(
    templates: &Templates,
    name: &str,
    value: Option<&Value>,
    vars: &Vars,
) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => match templates.render(s, vars) {
            Ok(Value::String(s)) => Ok(Some(s)),
            Ok(other) => Ok(Some(other.to_string())),
            Err(err) => Err(keyword_error(name, err)),
        },
        Some(other) => Ok(Some(other.to_string())),
    }
}

/// A connection setting in Ansible's order: an `ansible_*` variable outranks the playbook
/// keyword, which outranks the command line.
fn setting<'v>(
    var: Option<&'v Value>,
    keyword: Option<&'v Value>,
    cli: Option<&'v Value>,
) -> Option<&'v Value> {
    var.or(keyword).or(cli)
}

fn become_for(env: &TaskEnv<'_>, vars: &Vars) -> Result<Option<Become>, String> {
    let t = env.templates;
    let cli = env.become_defaults;
    let cli_on = cli.become_.then_some(Value::Bool(true));
    let on = keyword_bool(
        t,
        "become",
        setting(
            vars.get("ansible_become"),
            env.keywords.become_.as_ref(),
            cli_on.as_ref(),
        ),
        vars,
    )?;
    if on != Some(true) {
        return Ok(None);
    }
    let cli_user = cli.user.clone().map(Value::String);
    let user = keyword_text(
        t,
        "become_user",
        setting(
            vars.get("ansible_become_user"),
            env.keywords.become_user.as_ref(),
            cli_user.as_ref(),
        ),
        vars,
    )?
    .unwrap_or_else(|| "root".into());
    let cli_method = cli.method.clone().map(Value::String);
    let method = keyword_text(
        t,
        "become_method",
        setting(
            vars.get("ansible_become_method"),
            env.keywords.become_method.as_ref(),
            cli_method.as_ref(),
        ),
        vars,
    )?;
    let method = match method.as_deref() {
        None | Some("sudo") => BecomeMethod::Sudo,
        Some("su") => BecomeMethod::Su,
        Some(other) => {
            return Err(format!(
                "become method `{other}` is not supported; use `sudo` or `su`"
            ));
        }
    };
    let password = match vars
        .get("ansible_become_password")
        .or_else(|| vars.get("ansible_become_pass"))
    {
        Some(v) => keyword_text(t, "ansible_become_password", Some(v), vars)?,
        None => cli.password.clone(),
    };
    Ok(Some(Become {
        user,
        method,
        password,
    }))
}

/// The variables the connector sees: the host's, with `remote_user`/`connection` keywords and
/// `-c` filling in `ansible_user`/`ansible_connection` where the host sets none.
fn connection_vars(env: &TaskEnv<'_>, vars: &Vars) -> Result<Map, String> {
    let mut out = connection_settings(vars);
    if !out.contains_key("ansible_user")
        && !out.contains_key("ansible_ssh_user")
        && let Some(user) = keyword_text(
            env.templates,
            "remote_user",
            env.keywords.remote_user.as_ref(),
            vars,
        )?
    {
        out.insert("ansible_user".into(), user.into());
    }
    if !out.contains_key("ansible_connection") {
        let keyword = keyword_text(
            env.templates,
            "connection",
            env.keywords.connection.as_ref(),
            vars,
        )?;
        if let Some(kind) = keyword.or_else(|| env.default_connection.map(str::to_owned)) {
            out.insert("ansible_connection".into(), kind.into());
        }
    }
    Ok(out)
}

/// The `ansible_*` variables, which hold every connection setting, without the magic ones that
/// grow with the play (`ansible_play_hosts`...): copying those for each host would make opening
/// N connections cost N².
fn connection_settings(vars: &Vars) -> Map {
    vars.names()
        .into_iter()
        .filter(|name| {
            name.starts_with("ansible_")
                && !name.starts_with("ansible_play_")
                && !matches!(*name, "ansible_facts" | "ansible_version" | "ansible_loop")
        })
        .filter_map(|name| Some((name.to_owned(), vars.get(name)?.clone())))
        .collect()
}

/// The task's `environment` (inherited from blocks and play), templated: a mapping, or a list of
/// mappings merged in order.
fn environment(env: &TaskEnv<'_>, vars: &Vars) -> Result<Map, String> {
    let Some(raw) = &env.keywords.environment else {
        return Ok(Map::new());
    };
    let value = env
        .templates
        .render_value(raw, vars)
        .map_err(|err| keyword_error("environment", err))?;
    let mut out = Map::new();
    let layers = match value {
        Value::Array(list) => list,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    for layer in layers {
        match layer {
            Value::Object(map) => out.extend(map),
            other => {
                return Err(format!(
                    "`environment` must be a mapping of names to values, got {}",
                    drover_types::python_type(&other)
                ));
            }
        }
    }
    Ok(out)
}

/// Templates the module arguments and resolves aliases to canonical names.
/// The default arguments `module_defaults` gives the task's module: inner mappings over outer
/// ones, each templated for the host.
fn module_defaults(env: &TaskEnv<'_>, vars: &Vars) -> Result<Map, String> {
    let mut defaults = Map::new();
    let module = env.module.name();
    for raw in &env.keywords.module_defaults {
        let value = env
            .templates
            .render_value(raw, vars)
            .map_err(|err| format!("error while resolving `module_defaults`: {err}"))?;
        let Value::Object(map) = value else {
            return Err(format!(
                "`module_defaults` must be a mapping, got {}",
                drover_types::python_type(&value)
            ));
        };
        for (name, args) in map {
            let short = name
                .strip_prefix("ansible.builtin.")
                .or_else(|| name.strip_prefix("ansible.legacy."))
                .unwrap_or(&name);
            if short != module {
                continue;
            }
            match args {
                Value::Object(args) => defaults.extend(args),
                Value::Null => {}
                other => {
                    return Err(format!(
                        "`module_defaults` for `{name}` must be a mapping, got {}",
                        drover_types::python_type(&other)
                    ));
                }
            }
        }
    }
    Ok(defaults)
}

fn module_args(env: &TaskEnv<'_>, vars: &Vars) -> Result<Map, String> {
    let spec = env.module.spec();
    let mut out = Map::new();
    let mut extra = Map::new();
    // Defaults are data already templated; what the task gives wins.
    let defaults = if env.keywords.module_defaults.is_empty() {
        Map::new()
    } else {
        module_defaults(env, vars)?
    };
    for (key, raw) in &env.task.args {
        if let Some(entry) = spec.find(key)
            && entry.raw
        {
            out.insert(entry.name.to_owned(), raw.clone());
            continue;
        }
        extra.insert(key.clone(), raw.clone());
    }
    let mut rendered = Map::new();
    // Arguments given as one template (`args: "{{ opts }}"`) are the base; the task's other
    // arguments are laid over them.
    if let Some(raw) = extra.remove(drover_playbook::VARIABLE_PARAMS) {
        let value = env.templates.render_value(&raw, vars).map_err(|err| {
            format!(
                "error while resolving the arguments of `{}` (task at {}): {err}",
                env.module.name(),
                env.task.span
            )
        })?;
        match value {
            Value::Object(map) => rendered.extend(map),
            other => {
                return Err(format!(
                    "the arguments of `{}` must be a mapping, the template gave {}",
                    env.module.name(),
                    drover_types::python_type(&other)
                ));
            }
        }
    }
    for (key, raw) in extra {
        let trust = env.task.args_trust.part(&key);
        let value = env
            .templates
            .render_trusted(&raw, &trust, vars)
            .map_err(|err| {
                format!(
                    "error while resolving value for `{key}` of `{}` (task at {}): {err}",
                    env.module.name(),
                    env.task.span
                )
            })?;
        if value.as_str() == Some(drover_template::OMIT) {
            continue;
        }
        rendered.insert(key, value);
    }
    for (key, value) in defaults {
        let canonical = spec.find(&key).map_or(key.as_str(), |e| e.name);
        let given = rendered
            .keys()
            .any(|k| k == &key || spec.find(k).is_some_and(|e| e.name == canonical));
        if !given {
            rendered.insert(key, value);
        }
    }
    let mut unknown = Vec::new();
    for (key, value) in rendered {
        if key == "_raw_params" {
            out.insert(key, value);
        } else if let Some(entry) = spec.find(&key) {
            out.insert(entry.name.to_owned(), value);
        } else if spec.any_args {
            out.insert(key, value);
        } else {
            unknown.push(key);
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = spec.entries().map(|a| a.name).collect();
        return Err(format!(
            "unsupported parameters for ({}) module: {}. Supported parameters include: {}.",
            env.module.name(),
            unknown.join(", "),
            known.join(", ")
        ));
    }
    let missing: Vec<&str> = spec
        .entries()
        .filter(|a| a.required && !out.contains_key(a.name))
        .map(|a| a.name)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing required arguments: {}",
            missing.join(", ")
        ));
    }
    Ok(out)
}

/// Runs the task once (one loop item, or the whole task without a loop).
async fn run_single(
    env: &TaskEnv<'_>,
    host: &str,
    vars: &mut Vars,
    conn: &mut Option<Arc<dyn Connection>>,
    retries_log: &mut Vec<u32>,
    broken_keyword: Option<&str>,
) -> TaskResult {
    let mut notes = Vec::new();
    let keywords = env.keywords;
    let mut result = match judge_all(
        env.templates,
        &keywords.when,
        &keywords.when_spans,
        vars,
        &mut notes,
    ) {
        Ok(None) => run_judged(env, host, vars, conn, retries_log, broken_keyword).await,
        Ok(Some(false_at)) => {
            let mut result = TaskResult {
                skipped: true,
                shape: drover_types::Shape::SkippedByCondition,
                ..TaskResult::default()
            };
            result.set("skip_reason", "Conditional result was False");
            // As written: `when: false` shows `false`, not text.
            result.set("false_condition", keywords.when[false_at].clone());
            result
        }
        Err(err) => TaskResult::failed(err),
    };
    notes.append(&mut result.deprecations);
    result.deprecations = notes;
    result
}

/// The skipped result of a task whose `when` is false with `vars`; `None` when it holds or
/// cannot be judged.
fn skipped_by_when(env: &TaskEnv<'_>, vars: &Vars) -> Option<TaskResult> {
    let keywords = env.keywords;
    let mut notes = Vec::new();
    let false_at = judge_all(
        env.templates,
        &keywords.when,
        &keywords.when_spans,
        vars,
        &mut notes,
    )
    .ok()??;
    let mut result = TaskResult {
        skipped: true,
        shape: drover_types::Shape::SkippedByCondition,
        ..TaskResult::default()
    };
    result.set("skip_reason", "Conditional result was False");
    result.set("false_condition", keywords.when[false_at].clone());
    Some(result)
}

/// [`run_single`] once its `when` holds.
async fn run_judged(
    env: &TaskEnv<'_>,
    host: &str,
    vars: &mut Vars,
    conn: &mut Option<Arc<dyn Connection>>,
    retries_log: &mut Vec<u32>,
    broken_keyword: Option<&str>,
) -> TaskResult {
    let t = env.templates;
    if let Some(err) = broken_keyword {
        return TaskResult::failed(err);
    }
    let args = match module_args(env, vars) {
        Ok(args) => args,
        Err(err) => return TaskResult::failed(err),
    };
    let check_mode = match keyword_bool(t, "check_mode", env.keywords.check_mode.as_ref(), vars) {
        Ok(v) => v.unwrap_or(env.check),
        Err(err) => return TaskResult::failed(err),
    };
    let diff = match keyword_bool(t, "diff", env.keywords.diff.as_ref(), vars) {
        Ok(v) => v.unwrap_or(env.diff),
        Err(err) => return TaskResult::failed(err),
    };
    let become_ = match become_for(env, vars) {
        Ok(b) => b,
        Err(err) => return TaskResult::failed(err),
    };
    let timeout = match keyword_text(t, "timeout", env.keywords.timeout.as_ref(), vars) {
        Ok(Some(s)) => match s.parse::<f64>() {
            Ok(secs) if secs > 0.0 => Some(Duration::from_secs_f64(secs)),
            Ok(_) => None,
            Err(_) => {
                return TaskResult::failed(format!(
                    "`timeout` must be a number of seconds, got `{s}`"
                ));
            }
        },
        Ok(None) => None,
        Err(err) => return TaskResult::failed(err),
    };
    let delegate = match keyword_text(t, "delegate_to", env.keywords.delegate_to.as_ref(), vars) {
        Ok(d) => d.filter(|d| d != host),
        Err(err) => return TaskResult::failed(err),
    };
    let connection = match (&delegate, &*conn) {
        (Some(other), _) => {
            // The module runs on the delegate, reached with the delegate's connection
            // variables, while the task keeps the original host's variables.
            let mut delegate_vars = (env.host_vars)(other);
            for key in [
                "ansible_become",
                "ansible_become_user",
                "ansible_become_method",
                "ansible_become_password",
            ] {
                if let Some(v) = vars.get(key) {
                    delegate_vars
                        .entry(key.to_owned())
                        .or_insert_with(|| v.clone());
                }
            }
            let delegate_vars = match connection_vars(env, &Vars::from(delegate_vars)) {
                Ok(v) => v,
                Err(err) => return TaskResult::failed(err),
            };
            match env.connector.connect(other, &delegate_vars).await {
                Ok(c) => c,
                Err(err) => return err.into(),
            }
        }
        (None, Some(c)) => c.clone(),
        (None, None) => match connection_vars(env, vars) {
            Err(err) => return TaskResult::failed(err),
            Ok(conn_vars) => match env.connector.connect(host, &conn_vars).await {
                Ok(c) => {
                    *conn = Some(c.clone());
                    c
                }
                Err(err) => return err.into(),
            },
        },
    };
    let environment = match environment(env, vars) {
        Ok(map) => map,
        Err(err) => return TaskResult::failed(err),
    };
    let connection = match crate::environment::wrap(connection, &environment) {
        Ok(c) => c,
        Err(err) => return TaskResult::failed(err),
    };
    vars.set("ansible_check_mode", check_mode.into(), Trust::Data);
    vars.set("ansible_diff_mode", diff.into(), Trust::Data);

    let retries: u32 = match keyword_number(t, "retries", env.task.retries.as_ref(), vars) {
        Ok(n) => n.unwrap_or(3),
        Err(err) => return TaskResult::failed(err),
    };
    let delay: f64 = match keyword_number(t, "delay", env.task.delay.as_ref(), vars) {
        Ok(n) => n.unwrap_or(5.0),
        Err(err) => return TaskResult::failed(err),
    };
    let attempts_max = if env.task.until.is_empty() {
        1
    } else {
        retries.max(1) + 1
    };
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let ctx = ModuleContext {
            conn: connection.as_ref(),
            templar: t,
            vars,
            check_mode,
            diff,
            become_: become_.as_ref(),
            search_paths: env.search_paths,
            timeout,
            arg_spans: &env.task.arg_spans,
        };
        let mut result = env.module.run(&ctx, &args).await;
        if result.unreachable {
            return result;
        }
        if let Some(module_args) = invocation(env, &args, &result) {
            let mut invocation = Map::new();
            invocation.insert("module_args".into(), Value::Object(module_args));
            result.set("invocation", Value::Object(invocation));
        }
        apply_verbosity(env, &mut result);
        apply_overrides(env, &mut result, vars);
        if env.task.until.is_empty() {
            return result;
        }
        result.set("attempts", attempt);
        if let Some(name) = &env.task.register {
            vars.set(name.clone(), result.registered(), Trust::Data);
        }
        let task = env.task;
        let mut notes = Vec::new();
        let done = judge_all(t, &task.until, &task.until_spans, vars, &mut notes)
            .map(|false_at| false_at.is_none());
        result.deprecations.append(&mut notes);
        match done {
            Ok(true) => return result,
            Ok(false) if attempt >= attempts_max => {
                // ansible-core reports one attempt fewer than it made when every attempt failed.
                result.set("attempts", attempt - 1);
                result.failed = true;
                if result.msg.is_none() {
                    result.msg = Some(format!("condition not met after {attempt} attempts"));
                }
                return result;
            }
            Ok(false) => {
                retries_log.push(attempts_max - attempt);
                tokio::time::sleep(Duration::from_secs_f64(delay)).await;
            }
            Err(err) => return TaskResult::failed(err),
        }
    }
}

/// The module's `invocation.module_args`, with the aliases the task used beside the canonical
/// names, as ansible-core's modules report them.
fn invocation(env: &TaskEnv<'_>, args: &Map, result: &TaskResult) -> Option<Map> {
    let mut module_args = env.module.invocation(args, result)?;
    let spec = env.module.spec();
    for key in env.task.args.keys() {
        if let Some(entry) = spec.find(key)
            && entry.name != key
            && let Some(value) = module_args.get(entry.name).cloned()
        {
            module_args.insert(key.clone(), value);
        }
    }
    Some(module_args)
}

use drover_types::VERBOSE_OVERRIDE;

/// The key a module sets to have its result shown in full; the engine moves it into the event.
pub(crate) const VERBOSE_ALWAYS: &str = "_ansible_verbose_always";

/// Internal keys a module may return (`_verbosity`, `_ansible_*`) are the engine's to act on and
/// are never registered or shown; `debug`'s `verbosity` above `-v` turns the result into a skip.
fn apply_verbosity(env: &TaskEnv<'_>, result: &mut TaskResult) {
    let wanted = result
        .data
        .get("_verbosity")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    result
        .data
        .retain(|k, _| !k.starts_with('_') || k == VERBOSE_ALWAYS || k == VERBOSE_OVERRIDE);
    if wanted > u64::from(env.verbosity) {
        *result = TaskResult::default();
        result.skipped = true;
        result.set("skipped_reason", "Verbosity threshold not met.");
    }
}

/// `changed_when` and `failed_when`, evaluated with the registered name bound to the result.
fn apply_overrides(env: &TaskEnv<'_>, result: &mut TaskResult, vars: &mut Vars) {
    let task = env.task;
    if task.changed_when.is_empty() && task.failed_when.is_empty() {
        return;
    }
    if let Some(name) = &task.register {
        vars.set(name.clone(), result.registered(), Trust::Data);
    }
    // Only the registered name sees the result: ansible-core 2.19 leaves a bare `rc` or
    // `stdout` undefined, so such a condition fails the task rather than reading the result.
    let scoped: &Vars = vars;
    // A list of conditions is ANDed, as Ansible does for `changed_when` and `failed_when` alike,
    // stopping at the first false one. A condition that cannot be evaluated fails the task and
    // keeps the module's result, with the reason where the condition's result would be, as
    // ansible-core does.
    let mut notes = Vec::new();
    let t = env.templates;
    if !task.changed_when.is_empty() {
        match judge_all(
            t,
            &task.changed_when,
            &task.changed_when_spans,
            scoped,
            &mut notes,
        ) {
            Ok(false_at) => result.changed = false_at.is_none(),
            Err(err) => {
                result.failed = true;
                result.data.insert("changed_when_result".into(), err.into());
                result.deprecations.append(&mut notes);
                return;
            }
        }
    }
    if !task.failed_when.is_empty() {
        match judge_all(
            t,
            &task.failed_when,
            &task.failed_when_spans,
            scoped,
            &mut notes,
        ) {
            Ok(false_at) => {
                let failed = false_at.is_none();
                result
                    .data
                    .insert("failed_when_result".into(), failed.into());
                if result.failed && !failed {
                    let exception = result
                        .data
                        .shift_remove("exception")
                        .unwrap_or_else(|| drover_types::NO_TRACEBACK.into());
                    result
                        .data
                        .insert("failed_when_suppressed_exception".into(), exception);
                }
                result.failed = failed;
            }
            Err(err) => {
                result.failed = true;
                result.data.insert("failed_when_result".into(), err.into());
            }
        }
    }
    result.deprecations.append(&mut notes);
}

/// Runs the task on one host, over its loop items if it has a loop.
pub(crate) async fn run_on_host(
    env: &TaskEnv<'_>,
    host: &str,
    mut vars: Vars,
    mut conn: Option<Arc<dyn Connection>>,
) -> HostRun {
    let t = env.templates;
    let keywords = HostKeywords::eval(env, host, &vars);
    let no_log = keywords.no_log;
    let broken = keywords.error.as_deref();
    let mut retries = Vec::new();
    let (result, items) = match &env.task.loop_ {
        None => (
            run_single(env, host, &mut vars, &mut conn, &mut retries, broken).await,
            Vec::new(),
        ),
        Some(spec) => match loops::items(spec, t, &vars) {
            // As ansible-core: a loop over something undefined is skipped when the task's
            // `when` (judged without an item) is false; else it is the task's error.
            Err(err) => match skipped_by_when(env, &vars) {
                Some(skipped) if err.contains("is undefined") => (skipped, Vec::new()),
                _ => (TaskResult::failed(err), Vec::new()),
            },
            Ok(list) => {
                let len = list.len();
                let mut runs = Vec::with_capacity(len);
                let mut values = Vec::with_capacity(len);
                let (pause, broken) =
                    match keyword_number::<f64>(t, "pause", spec.pause.as_ref(), &vars) {
                        Ok(p) => (p.filter(|p| *p > 0.0), broken.map(str::to_owned)),
                        Err(err) => (None, Some(broken.map_or(err, str::to_owned))),
                    };
                for (index, item) in list.iter().enumerate() {
                    if let (Some(secs), true) = (pause, index > 0) {
                        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
                    }
                    let mut item_vars = vars.clone();
                    loops::bind(spec, &mut item_vars, &list, index);
                    let mut item_broken = broken.clone();
                    let label = match &spec.label {
                        Some(label) => match t.render_value(label, &item_vars) {
                            Ok(v) => crate::repr::label(&v),
                            Err(err) => {
                                item_broken.get_or_insert(keyword_error("label", err));
                                crate::repr::label(item)
                            }
                        },
                        None => crate::repr::label(item),
                    };
                    let label = if no_log {
                        "(censored due to no_log)".to_owned()
                    } else {
                        label
                    };
                    let result = run_single(
                        env,
                        host,
                        &mut item_vars,
                        &mut conn,
                        &mut retries,
                        item_broken.as_deref(),
                    )
                    .await;
                    // The following items see this item's facts, as Ansible updates the loop's
                    // variables with each item's `ansible_facts`.
                    for (name, value) in &result.facts {
                        vars.set(name.clone(), value.clone(), Trust::Data);
                    }
                    for (name, value) in &result.vars.map {
                        vars.set(name.clone(), value.clone(), result.vars.trust_of(name));
                    }
                    let unreachable = result.unreachable;
                    let mut value = result.to_value();
                    if let Value::Object(map) = &mut value {
                        map.remove(VERBOSE_ALWAYS);
                        map.insert(spec.loop_var.clone(), item.clone());
                        map.insert("ansible_loop_var".into(), spec.loop_var.clone().into());
                        if let Some(index_var) = &spec.index_var {
                            map.insert(index_var.clone(), index.into());
                            map.insert("ansible_index_var".into(), index_var.clone().into());
                        }
                    }
                    values.push(value);
                    let mut result = result;
                    // Each item's own result names its item, as ansible-playbook shows it.
                    result.data.insert(spec.loop_var.clone(), item.clone());
                    result
                        .data
                        .insert("ansible_loop_var".into(), spec.loop_var.clone().into());
                    if let Some(index_var) = &spec.index_var {
                        result.data.insert(index_var.clone(), index.into());
                        result
                            .data
                            .insert("ansible_index_var".into(), index_var.clone().into());
                    }
                    let status = status_of(&result);
                    runs.push(ItemRun {
                        label: Some(label),
                        result,
                        status,
                    });
                    if unreachable {
                        break;
                    }
                }
                (aggregate(&runs, values), runs)
            }
        },
    };
    let status = status_of(&result);
    let ignored = match status {
        Status::Failed => keywords.ignore_errors,
        Status::Unreachable => keywords.ignore_unreachable,
        _ => false,
    };
    HostRun {
        items,
        result,
        status,
        ignored,
        no_log,
        conn,
        retries,
        delegated_to: keywords.delegated_to,
        warning: keywords.no_log_error,
    }
}

/// The keywords that decide how a host's result is shown and counted, evaluated before the task
/// runs. Each fails closed: a `no_log` that cannot be evaluated hides the output, an
/// `ignore_errors` that cannot be evaluated ignores nothing, and either way the task fails with
/// [`HostKeywords::error`] once its `when` lets it run.
struct HostKeywords {
    no_log: bool,
    ignore_errors: bool,
    ignore_unreachable: bool,
    delegated_to: Option<String>,
    error: Option<String>,
    no_log_error: Option<String>,
}

impl HostKeywords {
    fn eval(env: &TaskEnv<'_>, host: &str, vars: &Vars) -> Self {
        let t = env.templates;
        let k = env.keywords;
        let mut errors = Vec::new();
        let flag = |name, value: Option<&Value>, broken: bool, errors: &mut Vec<String>| {
            keyword_bool(t, name, value, vars).map_or_else(
                |err| {
                    errors.push(err);
                    broken
                },
                |v| v.unwrap_or(false),
            )
        };
        let no_log = flag("no_log", k.no_log.as_ref(), true, &mut errors);
        let no_log_error = errors
            .first()
            .map(|err| format!("invalid `no_log` value, the output is hidden: {err}"));
        let ignore_errors = flag(
            "ignore_errors",
            k.ignore_errors.as_ref(),
            false,
            &mut errors,
        );
        let ignore_unreachable = flag(
            "ignore_unreachable",
            k.ignore_unreachable.as_ref(),
            false,
            &mut errors,
        );
        let delegated_to = match keyword_text(t, "delegate_to", k.delegate_to.as_ref(), vars) {
            Ok(d) => d.filter(|d| d != host),
            Err(err) => {
                errors.push(err);
                None
            }
        };
        // Used only when the host's connection opens and its variables leave them a say, but a
        // broken one fails every task it is on, as in ansible-core.
        for (name, value) in [
            ("remote_user", &k.remote_user),
            ("connection", &k.connection),
        ] {
            if let Err(err) = keyword_text(t, name, value.as_ref(), vars) {
                errors.push(err);
            }
        }
        let error = errors.into_iter().next();
        HostKeywords {
            no_log,
            ignore_errors,
            ignore_unreachable,
            delegated_to,
            error,
            no_log_error,
        }
    }
}

/// The result of a looped task, from its items' results.
fn aggregate(runs: &[ItemRun], values: Vec<Value>) -> TaskResult {
    let mut result = TaskResult {
        shape: drover_types::Shape::Loop,
        ..TaskResult::default()
    };
    result.changed = runs.iter().any(|r| r.result.changed);
    result.failed = runs.iter().any(|r| r.result.failed);
    result.unreachable = runs.iter().any(|r| r.result.unreachable);
    result.skipped = runs.iter().all(|r| r.result.skipped);
    for run in runs {
        for (k, v) in &run.result.facts {
            result.facts.insert(k.clone(), v.clone());
        }
        result.vars.extend(&run.result.vars);
    }
    if result.failed {
        result.msg = Some("One or more items failed".into());
    } else if runs.is_empty() {
        result.set("skipped_reason", "No items in the list");
    } else if result.skipped {
        result.msg = Some("All items skipped".into());
    } else if !result.unreachable {
        result.msg = Some("All items completed".into());
    }
    result.set("results", values);
    result
}
