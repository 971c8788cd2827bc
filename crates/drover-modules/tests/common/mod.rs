//! Shared helpers for the module tests: a [`Local`] context over a temp dir, a tiny templar,
//! and a way to run a module by name.
#![allow(dead_code, unreachable_pub, missing_docs)]

use drover_connection::Local;
use drover_types::{Map, Module, ModuleContext, TaskResult, Templar, TemplateError, Value};
use std::path::{Path, PathBuf};

/// Replaces `{{ name }}` with the variable's text; nothing else.
pub struct TestTemplar;

impl Templar for TestTemplar {
    fn render(
        &self,
        source: &str,
        vars: &drover_types::Vars,
    ) -> Result<Value, drover_types::TemplateError> {
        Ok(Value::from(
            subst(source, vars).map_err(TemplateError::Undefined)?,
        ))
    }
    fn eval(
        &self,
        expr: &str,
        vars: &drover_types::Vars,
    ) -> Result<Value, drover_types::TemplateError> {
        vars.get(expr.trim())
            .cloned()
            .ok_or_else(|| TemplateError::Undefined(format!("`{expr}` is undefined")))
    }
    fn render_file(
        &self,
        path: &Path,
        vars: &drover_types::Vars,
    ) -> Result<String, drover_types::TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|e| TemplateError::Io(e.to_string()))?;
        subst(&text, vars).map_err(TemplateError::Undefined)
    }
}

fn subst(text: &str, vars: &drover_types::Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").ok_or("unclosed {{")? + i;
        let name = rest[i + 2..end].trim();
        match vars.get(name) {
            Some(Value::String(s)) => out.push_str(s),
            Some(v) => out.push_str(&v.to_string()),
            None => return Err(format!("'{name}' is undefined")),
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Options for one module run.
pub struct Opts {
    pub check: bool,
    pub diff: bool,
    pub vars: Map,
    pub search: Vec<PathBuf>,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            check: false,
            diff: true,
            vars: Map::new(),
            search: Vec::new(),
        }
    }
}

pub fn module(name: &str) -> &'static dyn Module {
    drover_modules::all()
        .into_iter()
        .find(|m| m.name() == name)
        .expect("module exists")
}

pub async fn run_with(name: &str, args: Value, opts: &Opts) -> TaskResult {
    let conn = Local;
    let vars = drover_types::Vars::from(opts.vars.clone());
    let ctx = ModuleContext {
        conn: &conn,
        templar: &TestTemplar,
        vars: &vars,
        check_mode: opts.check,
        diff: opts.diff,
        become_: None,
        search_paths: &opts.search,
        timeout: Some(std::time::Duration::from_secs(30)),
        arg_spans: &[],
    };
    let args = args.as_object().cloned().expect("args are a map");
    module(name).run(&ctx, &args).await
}

/// A [`Local`] that counts round trips.
pub struct Counting {
    pub calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl drover_types::Connection for Counting {
    async fn exec(
        &self,
        exec: drover_types::Exec<'_>,
    ) -> Result<drover_types::ExecOutput, drover_types::ConnectionError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Local.exec(exec).await
    }
}

/// Runs a module and says how many round trips it made.
pub async fn run_counted(name: &str, args: Value) -> (TaskResult, usize) {
    let conn = Counting {
        calls: Default::default(),
    };
    let vars = drover_types::Vars::new();
    let ctx = ModuleContext {
        conn: &conn,
        templar: &TestTemplar,
        vars: &vars,
        check_mode: false,
        diff: true,
        become_: None,
        search_paths: &[],
        timeout: None,
        arg_spans: &[],
    };
    let args = args.as_object().cloned().expect("args are a map");
    let r = module(name).run(&ctx, &args).await;
    (r, conn.calls.load(std::sync::atomic::Ordering::SeqCst))
}

pub async fn run(name: &str, args: Value) -> TaskResult {
    run_with(name, args, &Opts::default()).await
}

pub async fn check(name: &str, args: Value) -> TaskResult {
    run_with(
        name,
        args,
        &Opts {
            check: true,
            ..Opts::default()
        },
    )
    .await
}

pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

pub fn s(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

/// Every path below `dir` (names only), sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            out.push(name.clone());
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                walk(&e.path(), &format!("{name}/"), out);
            }
        }
    }
    walk(dir, "", &mut out);
    out.sort();
    out
}

#[track_caller]
pub fn ok(r: &TaskResult) {
    assert!(!r.failed, "unexpected failure: {:?} {:?}", r.msg, r.data);
}

/// A templar for modules that never template: every call is an error.
pub struct NoTemplar;

impl Templar for NoTemplar {
    fn render(&self, _: &str, _: &drover_types::Vars) -> Result<Value, TemplateError> {
        Err(TemplateError::Render("no templating here".into()))
    }
    fn eval(&self, _: &str, _: &drover_types::Vars) -> Result<Value, TemplateError> {
        Err(TemplateError::Render("no templating here".into()))
    }
    fn render_file(&self, _: &Path, _: &drover_types::Vars) -> Result<String, TemplateError> {
        Err(TemplateError::Render("no templating here".into()))
    }
}
