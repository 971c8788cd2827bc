//! Jinja templating as Ansible does it, on minijinja.
//!
//! [`Templates`] holds one minijinja environment set up the Ansible way (no autoescaping, `{{ x }}`
//! alone keeps its type, undefined variables are errors that name the variable) with Ansible's
//! filters, tests and lookups. Variables are rendered lazily: a variable whose value holds `{{ }}`
//! is rendered when it is used, as Ansible does; values whose [`drover_types::Trust`] says data
//! (facts, registered results, `!unsafe`) are never rendered. This crate renders text; it reads files only
//! for lookups and the `template` module's source, and never contacts a host.
//!
//! The API: [`Templar::render`] (a string; a lone `{{ expr }}` keeps its type),
//! [`Templar::eval`] (a bare expression, `when:`), [`Templar::render_file`] (the `template`
//! module; options through [`TEMPLATE_OPTIONS_VAR`]), [`Templates::render_value`] (deep, drops
//! [`OMIT`]), [`Templates::run_lookup`] (`with_<lookup>:` loops) and
//! [`Templates::with_controller_env`] (what `lookup('env')` and `expanduser` see).
//!
//! Layout: `render` (one string), `lazy` (the variables as a minijinja object), `convert`
//! (values in and out, Python's `repr`), `chain`, `pyops` and `compare` (source rewrites for
//! Ansible's chainable undefined, Python's `%`, and Python's comparisons and `~`, which
//! minijinja's operators do not give), `filters/*`, `tests` (Jinja tests), `lookups`,
//! `pycompat` (Python methods on strings, dicts and lists).

#![forbid(unsafe_code)]

mod chain;
mod compare;
#[cfg(test)]
mod compat_tests;
mod convert;
mod env;
pub(crate) mod filters;
mod globals;
mod lazy;
mod lookups;
mod params;
mod pycompat;
mod pyops;
mod render;
mod tests;

use drover_types::{Layer, Map, Templar, TemplateError, Trust, Value, Vars};
use lazy::Scope;
use minijinja::Environment;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The value of `omit`: a template that renders to it drops the module argument.
pub const OMIT: &str = "__omit_place_holder__drover";

/// A variable the `template` module may set (a mapping) to pass its task options to
/// [`Templar::render_file`]: `trim_blocks`, `lstrip_blocks`, `variable_start_string`,
/// `variable_end_string`, `block_start_string`, `block_end_string`, `comment_start_string`,
/// `comment_end_string`. A `#jinja2:` header in the template still wins, as in ansible-core.
pub use drover_types::TEMPLATE_OPTIONS_VAR;

/// The `ansible_managed` string templates see, as ansible-core's default.
pub const ANSIBLE_MANAGED: &str = "Ansible managed";

/// Ansible-flavoured templating.
pub struct Templates {
    /// Renders strings (and lazy variables).
    env: Arc<Environment<'static>>,
    /// Environments for template files, by their `#jinja2:` settings.
    file_envs: Mutex<HashMap<env::Syntax, Arc<Environment<'static>>>>,
    /// The controller's environment variables, as the binary passed them.
    controller_env: Arc<HashMap<String, String>>,
}

impl Templates {
    /// A new environment with every filter, test and lookup registered.
    pub fn new() -> Self {
        let env = env::build(&env::Syntax::default()).expect("default syntax is valid");
        Templates {
            env: Arc::new(env),
            file_envs: Mutex::new(HashMap::new()),
            controller_env: Arc::new(HashMap::new()),
        }
    }

    /// The same templating with the controller's environment variables, which `lookup('env')`,
    /// `expanduser` and `expandvars` read (the binary reads the environment and passes it here;
    /// without it they see an empty environment and `~` comes from `/etc/passwd`).
    pub fn with_controller_env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.controller_env = Arc::new(vars.into_iter().collect());
        self
    }

    /// Whether `source` holds any template syntax (`{{`, `{%`, `{#`).
    pub fn is_template(source: &str) -> bool {
        source.contains("{{") || source.contains("{%") || source.contains("{#")
    }

    /// Renders every string inside `value` (keys of mappings too), keeping types. Mapping
    /// entries and list items that render to [`OMIT`] are dropped.
    pub fn render_value(&self, value: &Value, vars: &Vars) -> Result<Value, TemplateError> {
        self.render_trusted(value, &Trust::Template, vars)
    }

    /// [`Templates::render_value`] for a value whose parts may be data (`!unsafe` in a module's
    /// arguments): those parts are kept as they are.
    pub fn render_trusted(
        &self,
        value: &Value,
        trust: &Trust,
        vars: &Vars,
    ) -> Result<Value, TemplateError> {
        if !needs_render(value, trust) {
            return Ok(value.clone());
        }
        let scope = Scope::new(self.env.clone(), vars, self.controller_env.clone());
        let out = self.render_value_in(&scope, value, trust)?;
        Ok(out.unwrap_or(Value::Null))
    }

    /// Renders `value`; `None` when it rendered to [`OMIT`].
    fn render_value_in(
        &self,
        scope: &Scope,
        value: &Value,
        trust: &Trust,
    ) -> Result<Option<Value>, TemplateError> {
        if trust.is_data() {
            return Ok(Some(value.clone()));
        }
        Ok(Some(match value {
            Value::String(s) => {
                let out = self.render_str_in(scope, s)?;
                if out.as_str() == Some(OMIT) {
                    return Ok(None);
                }
                out
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) =
                        self.render_value_in(scope, item, &trust.part(&i.to_string()))?
                    {
                        out.push(v);
                    }
                }
                Value::Array(out)
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let Some(v) = self.render_value_in(scope, v, &trust.part(k))? else {
                        continue;
                    };
                    let key = if Templates::is_template(k) {
                        match self.render_str_in(scope, k)? {
                            Value::String(s) => s,
                            other => value_to_key(&other),
                        }
                    } else {
                        k.clone()
                    };
                    if key == OMIT {
                        continue;
                    }
                    out.insert(key, v);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }))
    }

    fn render_str_in(&self, scope: &Scope, source: &str) -> Result<Value, TemplateError> {
        if !Templates::is_template(source) {
            return Ok(Value::String(source.to_owned()));
        }
        let result = render::render_in(&self.env, source, scope.context())
            .and_then(|v| convert::to_plain(&v))
            .map_err(|e| error_message(scope, &e, source))?;
        Ok(match result {
            // `omit` inside a list or mapping a template gives drops that entry, as in
            // ansible-core 2.19 (`loop: "{{ files }}"` over `{mode: "{{ omit }}"}` items).
            container @ (Value::Array(_) | Value::Object(_)) => without_omit(container),
            other => other,
        })
    }

    /// The environment for template files with these settings.
    fn file_env(&self, syntax: &env::Syntax) -> Result<Arc<Environment<'static>>, TemplateError> {
        let mut envs = self.file_envs.lock().map_err(|_| {
            TemplateError::Render(
                "this is a bug in drover; please report it: template cache poisoned".into(),
            )
        })?;
        if let Some(env) = envs.get(syntax) {
            return Ok(env.clone());
        }
        let env =
            Arc::new(env::build(syntax).map_err(|e| TemplateError::Syntax(render::describe(&e)))?);
        envs.insert(syntax.clone(), env.clone());
        Ok(env)
    }

    /// Runs a lookup plugin as `with_<name>:` does: `terms` are the (already templated) terms,
    /// `kwargs` its options; the result is the list of loop items (`query(name, *terms)`).
    /// Supported: env, file, template, vars, fileglob, pipe, lines, first_found, items, list,
    /// indexed_items, dict, sequence, together, nested, subelements, random_choice.
    pub fn run_lookup(
        &self,
        name: &str,
        terms: &[Value],
        kwargs: &Map,
        vars: &Vars,
    ) -> Result<Vec<Value>, TemplateError> {
        let mut call = Map::new();
        call.insert("__drover_terms".into(), Value::Array(terms.to_vec()));
        call.insert("__drover_kwargs".into(), Value::Object(kwargs.clone()));
        call.insert("__drover_lookup".into(), Value::String(name.to_owned()));
        let vars = vars.clone().with(Arc::new(Layer::data(call)));
        let scope = Scope::new(self.env.clone(), &vars, self.controller_env.clone());
        let expr = "query(__drover_lookup, *__drover_terms, **__drover_kwargs)";
        let result = render::eval_in(&self.env, expr, scope.context())
            .and_then(|v| convert::to_plain(&v))
            .map_err(|e| typed(&e, render::message(&e, "")))?;
        match result {
            Value::Array(items) => Ok(items),
            other => Ok(vec![other]),
        }
    }

    /// Renders template text as the `template` module does: `source` is the file's content,
    /// `path` where it was read (for includes and the `template_*` variables).
    pub fn render_template_text(
        &self,
        source: &str,
        path: &Path,
        vars: &Vars,
    ) -> Result<String, TemplateError> {
        let mut syntax = env::Syntax::default();
        if let Some(Value::Object(opts)) = vars.get(TEMPLATE_OPTIONS_VAR) {
            for (key, value) in opts {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                apply_option(&mut syntax, key, &text, drover_types::truthy(value))
                    .map_err(TemplateError::Render)?;
            }
        }
        let (syntax, body) = parse_header(source, syntax).map_err(TemplateError::Syntax)?;
        let base = self.file_env(&syntax)?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let env = with_loader(&base, dir, &syntax.newline);
        let mut extra = Map::new();
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let defaults: [(&str, Value); 6] = [
            ("template_path", path.display().to_string().into()),
            ("template_fullpath", full.display().to_string().into()),
            ("template_host", hostname().into()),
            ("template_uid", file_owner(&full).into()),
            ("template_run_date", run_date().into()),
            ("ansible_managed", ANSIBLE_MANAGED.into()),
        ];
        for (name, value) in defaults {
            // The caller's values (the template module sets some) win.
            if !vars.contains_key(name) {
                extra.insert(name.into(), value);
            }
        }
        let vars = vars.clone().with(Arc::new(Layer::data(extra)));
        let scope = Scope::new(self.env.clone(), &vars, self.controller_env.clone());
        let name = path.display().to_string();
        let body = render::with_line_breaks(body, &syntax.newline);
        let body = chain::rewrite_chains(&body);
        let out = env
            .template_from_named_str(&name, &body)
            .and_then(|t| t.render(scope.context()))
            .map_err(|e| error_message(&scope, &e, "").map_message(|m| format!("{name}: {m}")))?;
        // Jinja drops one trailing newline (of included templates too); ansible-core gives the
        // template's own back.
        Ok(render::restore_trailing_newlines(
            source,
            &out,
            &syntax.newline,
        ))
    }
}

/// The message for a failed render: when the undefined value is a variable whose own template
/// used an undefined value, that inner reason is what the user needs (`'nope' is undefined`).
fn error_message(scope: &Scope, err: &minijinja::Error, source: &str) -> TemplateError {
    typed(err, ansible_wording(&undefined_reason(scope, err, source)))
}

/// The kind of error `err` is, with `message`.
fn typed(err: &minijinja::Error, message: String) -> TemplateError {
    use minijinja::ErrorKind;
    match err.kind() {
        ErrorKind::UndefinedError => TemplateError::Undefined(message),
        ErrorKind::SyntaxError | ErrorKind::BadEscape => TemplateError::Syntax(message),
        ErrorKind::TemplateNotFound => TemplateError::Io(message),
        _ => TemplateError::Render(message),
    }
}

/// Undefined names are quoted the way ansible-core quotes them (`'foo' is undefined`): that is
/// the message users of Ansible know and search for.
fn ansible_wording(msg: &str) -> String {
    static UNDEFINED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = UNDEFINED.get_or_init(|| {
        regex::Regex::new(r"`([^`]+)` is undefined")
            .unwrap_or_else(|_| unreachable!("constant regex"))
    });
    re.replace_all(msg, "'$1' is undefined").into_owned()
}

fn undefined_reason(scope: &Scope, err: &minijinja::Error, source: &str) -> String {
    let msg = render::message(err, source);
    if err.kind() == minijinja::ErrorKind::UndefinedError {
        if !msg.contains('`')
            && let Some(cause) = scope.root.any_undefined_cause()
        {
            return format!("{cause}. String: {}", source.trim());
        }
        if let Some(name) = msg.split('`').nth(1) {
            let last = name
                .rsplit(['.', '['])
                .next()
                .unwrap_or(name)
                .trim_matches(|c| c == ']' || c == '"' || c == '\'');
            if let Some(cause) = scope.root.undefined_cause(last) {
                return format!(
                    "{cause} (while templating `{name}`). String: {}",
                    source.trim()
                );
            }
        }
    }
    msg
}

/// A copy of `base` that loads `{% include %}`/`{% import %}` names from `dir`.
/// `base` loading included templates from `dir`, their line breaks made `newline`.
pub(crate) fn with_loader(
    base: &Environment<'static>,
    dir: PathBuf,
    newline: &str,
) -> Environment<'static> {
    let mut env = base.clone();
    let newline = newline.to_owned();
    let search = vec![dir];
    env.set_loader(move |name| {
        for dir in &search {
            let candidate = dir.join(name);
            if candidate.is_file() {
                let read = std::fs::read_to_string(&candidate);
                return read
                    .map(|text| {
                        let text = render::with_line_breaks(&text, &newline);
                        Some(chain::rewrite_chains(&text).into_owned())
                    })
                    .map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("could not read {}: {e}", candidate.display()),
                        )
                    });
            }
        }
        Ok(None)
    });
    env
}

/// Whether a value holds anything to render.
fn needs_render(value: &Value, trust: &Trust) -> bool {
    if trust.is_data() {
        return false;
    }
    match value {
        Value::String(s) => Templates::is_template(s) || s == OMIT,
        Value::Array(items) => items
            .iter()
            .enumerate()
            .any(|(i, v)| needs_render(v, &trust.part(&i.to_string()))),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| Templates::is_template(k) || needs_render(v, &trust.part(k))),
        _ => false,
    }
}

/// A rendered mapping key that is not a string, as text.
fn value_to_key(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Splits a `#jinja2:` first line (`#jinja2: trim_blocks: False, lstrip_blocks: True`) off and
/// applies it over `syntax`.
fn parse_header(source: &str, mut syntax: env::Syntax) -> Result<(env::Syntax, &str), String> {
    let Some(rest) = source.strip_prefix("#jinja2:") else {
        return Ok((syntax, source));
    };
    let (line, body) = match rest.find('\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    for part in line.split(',') {
        let Some((key, value)) = part.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let text = value.trim_matches(|c| c == '"' || c == '\'').to_owned();
        let flag = matches!(value.to_ascii_lowercase().as_str(), "true" | "yes" | "1");
        apply_option(&mut syntax, key.trim(), &text, flag)?;
    }
    Ok((syntax, body))
}

/// Sets one Jinja environment option (from a `#jinja2:` header or the template module).
fn apply_option(syntax: &mut env::Syntax, key: &str, text: &str, flag: bool) -> Result<(), String> {
    let text = text.to_owned();
    match key {
        "trim_blocks" => syntax.trim_blocks = flag,
        "lstrip_blocks" => syntax.lstrip_blocks = flag,
        "keep_trailing_newline" => syntax.keep_trailing_newline = flag,
        "variable_start_string" => syntax.variable.0 = text,
        "variable_end_string" => syntax.variable.1 = text,
        "block_start_string" => syntax.block.0 = text,
        "block_end_string" => syntax.block.1 = text,
        "comment_start_string" => syntax.comment.0 = text,
        "comment_end_string" => syntax.comment.1 = text,
        "newline_sequence" => {
            syntax.newline = match text.as_str() {
                "\n" | "\\n" => "\n".into(),
                "\r" | "\\r" => "\r".into(),
                "\r\n" | "\\r\\n" => "\r\n".into(),
                other => {
                    return Err(format!(
                        "newline_sequence must be \\n, \\r or \\r\\n, not {other:?}"
                    ));
                }
            }
        }
        "output_encoding" => {}
        other => return Err(format!("unsupported template option `{other}`")),
    }
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into())
}

fn file_owner(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return String::new();
    };
    let uid = meta.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id = f.nth(1)?;
            (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// Now, as Python's `str(datetime.now())` prints it (local time taken as UTC).
fn run_date() -> String {
    let now = jiff::Timestamp::now();
    let micros = u32::try_from(now.subsec_microsecond()).unwrap_or(0);
    filters::format_datetime(now.as_second(), micros)
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templar for Templates {
    fn render(&self, source: &str, vars: &Vars) -> Result<Value, TemplateError> {
        if !Templates::is_template(source) {
            return Ok(Value::String(source.to_owned()));
        }
        let scope = Scope::new(self.env.clone(), vars, self.controller_env.clone());
        self.render_str_in(&scope, source)
    }

    fn eval(&self, expr: &str, vars: &Vars) -> Result<Value, TemplateError> {
        let trimmed = expr.trim();
        let inner = render::strip_braces(trimmed).unwrap_or(trimmed);
        let scope = Scope::new(self.env.clone(), vars, self.controller_env.clone());
        render::eval_in(&self.env, inner, scope.context())
            .and_then(|v| convert::to_plain(&v))
            .map_err(|e| error_message(&scope, &e, expr))
    }

    fn render_file(&self, path: &Path, vars: &Vars) -> Result<String, TemplateError> {
        let bytes = std::fs::read(path).map_err(|e| {
            TemplateError::Io(format!("could not read template {}: {e}", path.display()))
        })?;
        // A vault-encrypted template is decrypted first, as Ansible's template action does.
        let encrypted = drover_vault::is_encrypted(&bytes);
        let bytes = drover_vault::open_if_encrypted(bytes).map_err(|e| {
            TemplateError::Io(format!(
                "could not decrypt template {}: {e}",
                path.display()
            ))
        })?;
        let source = String::from_utf8(bytes).map_err(|e| {
            TemplateError::Io(format!("could not read template {}: {e}", path.display()))
        })?;
        if encrypted {
            drover_vault::keyring::reveal_lines(&source);
        }
        self.render_template_text(&source, path, vars)
    }
}

#[cfg(test)]
mod core_tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Vars {
        match v {
            Value::Object(m) => Vars::from(m),
            _ => Vars::new(),
        }
    }

    fn r(src: &str, v: &Vars) -> Value {
        Templates::new()
            .render(src, v)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn plain_strings_fast_path() {
        assert_eq!(r("hello", &Vars::new()), json!("hello"));
    }

    #[test]
    fn single_expression_keeps_type() {
        let v = vars(json!({"lst": [1, "a", true, null, 1.5], "d": {"a": 1}}));
        assert_eq!(r("{{ lst }}", &v), json!([1, "a", true, null, 1.5]));
        assert_eq!(r("{{ d }}", &v), json!({"a": 1}));
        assert_eq!(r("{{ 1 }}", &v), json!(1));
        assert_eq!(r("{{ '1' }}", &v), json!("1"));
        assert_eq!(r("{{ {'a': {'b': 1}} }}", &v), json!({"a": {"b": 1}}));
        assert_eq!(r("{{ 1 }}{{ 2 }}", &v), json!("12"));
        assert_eq!(r("{{ 10 / 4 }}", &v), json!(2.5));
        assert_eq!(r("{{ 10 // 4 }}", &v), json!(2));
    }

    #[test]
    fn strings_print_as_python() {
        // Expected outputs recorded from ansible-core 2.19 (debug msg of the same templates).
        let v = vars(json!({"lst": [1, "a", true, null, 1.5], "d": {"a": 1, "b": "x"}}));
        assert_eq!(r("x{{ none }}y", &v), json!("xy"));
        assert_eq!(r("x{{ lst }}y", &v), json!("x[1, 'a', True, None, 1.5]y"));
        assert_eq!(r("x{{ d }}y", &v), json!("x{'a': 1, 'b': 'x'}y"));
        assert_eq!(r("x{{ true }}y", &v), json!("xTruey"));
        assert_eq!(r("{% if true %}\nA\n{% endif %}\nB", &v), json!("A\nB"));
        assert_eq!(r("{{ 'a' }}\n", &v), json!("a\n"));
    }

    #[test]
    fn lazy_vars_render_on_access() {
        let v = vars(json!({
            "base": "/opt",
            "app_dir": "{{ base }}/app",
            "nested": {"dirs": ["{{ app_dir }}/bin", "{{ base }}"]},
            "num": "{{ 40 + 2 }}",
        }));
        assert_eq!(r("{{ app_dir }}", &v), json!("/opt/app"));
        assert_eq!(r("{{ nested.dirs[0] }}", &v), json!("/opt/app/bin"));
        assert_eq!(
            r("{{ nested }}", &v),
            json!({"dirs": ["/opt/app/bin", "/opt"]})
        );
        assert_eq!(r("{{ num + 1 }}", &v), json!(43));
        assert_eq!(
            r("{% for d in nested.dirs %}{{ d }};{% endfor %}", &v),
            json!("/opt/app/bin;/opt;")
        );
    }

    #[test]
    fn recursion_is_detected() {
        let v = vars(json!({"a": "{{ b }}", "b": "{{ a }}"}));
        let err = Templates::new().render("{{ a }}", &v).unwrap_err();
        assert!(err.message().contains("recursive loop detected"), "{err}");
    }

    /// Every host's variables, from a table.
    struct Fleet(Vec<(&'static str, Value)>);

    impl drover_types::HostVars for Fleet {
        fn host(&self, name: &str) -> Option<Vars> {
            let (_, v) = self.0.iter().find(|(n, _)| *n == name)?;
            Some(vars(v.clone()))
        }
        fn names(&self) -> Vec<String> {
            self.0.iter().map(|(n, _)| (*n).to_owned()).collect()
        }
    }

    /// `hostvars[h]` renders h's variables in h's own context, lists every host, and reads a
    /// host it does not have as undefined.
    #[test]
    fn hostvars_render_each_host_in_its_own_context() {
        let fleet = Fleet(vec![
            (
                "a",
                json!({"inventory_hostname": "a", "greeting": "hi {{ inventory_hostname }}"}),
            ),
            (
                "b",
                json!({"inventory_hostname": "b", "greeting": "hi {{ inventory_hostname }}", "port": "{{ 8000 + 1 }}"}),
            ),
        ]);
        let mut v = vars(json!({"inventory_hostname": "a"}));
        v.set_hostvars(Arc::new(fleet));
        assert_eq!(r("{{ hostvars['b'].greeting }}", &v), json!("hi b"));
        assert_eq!(r("{{ hostvars.a.greeting }}", &v), json!("hi a"));
        assert_eq!(r("{{ hostvars['b']['port'] + 1 }}", &v), json!(8002));
        assert_eq!(r("{{ hostvars | list }}", &v), json!(["a", "b"]));
        assert_eq!(r("{{ hostvars['zz'] is defined }}", &v), json!(false));
        assert_eq!(r("{{ hostvars | length }}", &v), json!(2));
        // Without a provider, `hostvars` is simply undefined (a view built by hand, in tests).
        assert_eq!(
            r("{{ hostvars is defined }}", &vars(json!({}))),
            json!(false)
        );
    }

    #[test]
    fn unsafe_values_are_never_rendered() {
        let Value::Object(data) = json!({
            "raw": "{{ nope }}",
            "res": {"stdout": "{{ x }}", "list": ["{{ y }}"]},
        }) else {
            unreachable!()
        };
        let v = Vars::from(Layer::data(data));
        assert_eq!(r("{{ raw }}", &v), json!("{{ nope }}"));
        assert_eq!(r("{{ res.stdout }}", &v), json!("{{ x }}"));
        assert_eq!(
            r("{{ res }}", &v),
            json!({"stdout": "{{ x }}", "list": ["{{ y }}"]})
        );
        assert_eq!(r("a {{ res.list[0] }}", &v), json!("a {{ y }}"));
    }

    #[test]
    fn undefined_is_an_error_naming_the_variable() {
        let t = Templates::new();
        let err = t.render("{{ foo }}", &Vars::new()).unwrap_err();
        assert!(err.message().contains("'foo' is undefined"), "{err}");
        let err = t.render("x {{ foo }}", &Vars::new()).unwrap_err();
        assert!(err.message().contains("'foo' is undefined"), "{err}");
        let err = t.eval("foo", &Vars::new()).unwrap_err();
        assert!(err.message().contains("'foo' is undefined"), "{err}");
        let err = t
            .render("{% for x in foo %}{% endfor %}", &Vars::new())
            .unwrap_err();
        assert!(err.message().contains("undefined"), "{err}");
        let v = vars(json!({"d": {"a": 1}}));
        let err = t.render("{{ d.b }}", &v).unwrap_err();
        assert!(err.message().contains("'d.b' is undefined"), "{err}");
    }

    #[test]
    fn default_and_defined_chain_through_undefined() {
        let v = vars(json!({"d": {"a": 1}}));
        assert_eq!(r("{{ undefined_x.b.c | default('dd') }}", &v), json!("dd"));
        assert_eq!(r("{{ undefined_x.b is defined }}", &v), json!(false));
        assert_eq!(r("{{ d.a.b is defined }}", &v), json!(false));
        assert_eq!(r("{{ d['a'] is defined }}", &v), json!(true));
        assert_eq!(r("{{ x | default }}", &v), json!(""));
        assert_eq!(r("{{ '' | default('e', true) }}", &v), json!("e"));
        assert_eq!(r("{{ x is undefined }}", &v), json!(true));
    }

    #[test]
    fn eval_conditions() {
        let t = Templates::new();
        let v = vars(json!({"x": 1, "s": "{{ x + 1 }}"}));
        assert_eq!(
            t.eval("x == 1 and y is not defined", &v).unwrap(),
            json!(true)
        );
        assert_eq!(t.eval("{{ x == 2 }}", &v).unwrap(), json!(false));
        assert_eq!(t.eval("s == 2", &v).unwrap(), json!(true));
    }

    #[test]
    fn a_template_giving_a_container_drops_omit_inside_it() {
        let t = Templates::new();
        let v = vars(json!({
            "omit": OMIT,
            "files": [{"name": "a", "mode": "{{ omit }}"}, "{{ omit }}", {"name": "b"}],
        }));
        assert_eq!(
            t.render("{{ files }}", &v).unwrap(),
            json!([{"name": "a"}, {"name": "b"}])
        );
        assert_eq!(t.render("{{ omit }}", &v).unwrap(), json!(OMIT));
    }

    #[test]
    fn render_value_drops_omit_and_renders_keys() {
        let t = Templates::new();
        let v = vars(json!({"omit": OMIT, "k": "name", "n": 3}));
        let input = json!({"{{ k }}": "{{ n }}", "mode": "{{ omit }}", "list": [1, "{{ omit }}", "{{ n }}"]});
        assert_eq!(
            t.render_value(&input, &v).unwrap(),
            json!({"name": 3, "list": [1, 3]})
        );
        let input = json!({"keep": "{{ n }}", "render": "{{ n }}"});
        let trust = Trust::Parts(Arc::new([("keep".to_owned(), Trust::Data)].into()));
        assert_eq!(
            t.render_trusted(&input, &trust, &v).unwrap(),
            json!({"keep": "{{ n }}", "render": 3})
        );
    }

    #[test]
    fn template_files_like_the_template_module() {
        // Expected bytes recorded from ansible-core 2.19's template module on the same sources.
        let dir = tempfile::tempdir().unwrap();
        let t = Templates::new();
        let v =
            vars(json!({"v": "val", "lst": [1, "a", true, null, 1.5], "d": {"a": 1, "b": "x"}}));
        let cases: &[(&str, &str)] = &[
            ("a\n", "a\n"),
            ("a\n\n", "a\n\n"),
            ("a", "a"),
            ("{% if true %}\nx\n{% endif %}\n", "x\n"),
            (
                "  {% if true %}\nx\n  {% endif %}\ny {{ v }}\n",
                "  x\n  y val\n",
            ),
            (
                "#jinja2: trim_blocks: False, lstrip_blocks: True\n  {% if true %}\nx\n  {% endif %}\ny\n",
                "\nx\n\ny\n",
            ),
            ("{% include \"inc.j2\" %}\nafter\n", "inc valafter\n"),
            (
                "{{ lst }}\n{{ d }}\n{{ v }}\n{{ none }}|{{ true }}\n{% for i in lst %}\n- {{ i }}\n{% endfor %}\nend",
                "[1, 'a', True, None, 1.5]\n{'a': 1, 'b': 'x'}\nval\n|True\n- 1\n- a\n- True\n- \n- 1.5\nend",
            ),
        ];
        std::fs::write(dir.path().join("inc.j2"), "inc {{ v }}\n").unwrap();
        for (i, (src, want)) in cases.iter().enumerate() {
            let p = dir.path().join(format!("t{i}.j2"));
            std::fs::write(&p, src).unwrap();
            assert_eq!(t.render_file(&p, &v).unwrap(), *want, "case {i}: {src:?}");
        }
        let p = dir.path().join("m.j2");
        std::fs::write(
            &p,
            "{{ ansible_managed }}|{{ template_path }}|{{ template_host is defined }}",
        )
        .unwrap();
        assert_eq!(
            t.render_file(&p, &v).unwrap(),
            format!("Ansible managed|{}|True", p.display())
        );
    }
}

#[cfg(test)]
mod api_tests {
    use super::*;

    /// Expected values are ansible-core 2.19's `template` output for the same sources.
    #[test]
    fn template_line_breaks_follow_newline_sequence() {
        let render = |source: &str, newline: Option<&str>| {
            let mut v = Map::new();
            v.insert("x".into(), Value::from("a\nb"));
            if let Some(nl) = newline {
                let mut opts = Map::new();
                opts.insert("newline_sequence".into(), Value::from(nl));
                v.insert(TEMPLATE_OPTIONS_VAR.into(), Value::Object(opts));
            }
            Templates::new()
                .render_template_text(source, Path::new("t.j2"), &Vars::from(v))
                .unwrap()
        };
        assert_eq!(render("1\r\n{{ x }}\r\n2\r3\r\n", None), "1\na\nb\n2\n3\n");
        assert_eq!(
            render(
                "1\n{{ x }}\n{% if true %}\n2\n{% endif %}\n",
                Some("\\r\\n")
            ),
            "1\r\na\nb\r\n2\r\n"
        );
        assert_eq!(render("1\r\n\r\n", Some("\r")), "1\r\r");
    }

    #[test]
    fn templates_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Templates>();
        let t = std::sync::Arc::new(Templates::new());
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let t = t.clone();
                std::thread::spawn(move || {
                    let mut v = Map::new();
                    v.insert("i".into(), Value::from(i));
                    v.insert("s".into(), Value::from("{{ i * 2 }}"));
                    t.render("{{ s + 1 }}", &Vars::from(v)).unwrap()
                })
            })
            .collect();
        let got: Vec<Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            got,
            vec![
                Value::from(1),
                Value::from(3),
                Value::from(5),
                Value::from(7)
            ]
        );
    }

    #[test]
    fn run_lookup_and_controller_env() {
        let t = Templates::new().with_controller_env([("DROVER_T".to_owned(), "yes".to_owned())]);
        let v = Vars::new();
        assert_eq!(
            t.render("{{ lookup('env', 'DROVER_T') }}", &v).unwrap(),
            Value::from("yes")
        );
        assert_eq!(
            t.render("{{ lookup('env', 'MISSING', default='d') }}", &v)
                .unwrap(),
            Value::from("d")
        );
        let items = t
            .run_lookup("list", &[Value::from(1), Value::from("a")], &Map::new(), &v)
            .unwrap();
        assert_eq!(items, vec![Value::from(1), Value::from("a")]);
    }
}

/// `value` without the list items and mapping entries that are [`OMIT`], at any depth.
fn without_omit(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| v.as_str() != Some(OMIT))
                .map(without_omit)
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| v.as_str() != Some(OMIT))
                .map(|(k, v)| (k, without_omit(v)))
                .collect(),
        ),
        other => other,
    }
}
