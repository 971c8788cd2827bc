//! The `tempfile` module: makes a file (mode 0600) or directory (0700) with a unique name on the
//! host with `mktemp`, named as Python's `mkstemp` names them (`prefix`, random characters,
//! `suffix`) in `path` or the host's temporary directory. Like ansible-core's module it always
//! reports a change and has no check mode, so in check mode it is skipped.

use crate::args::Args;
use crate::files::{add_path_info, run};
use async_trait::async_trait;
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult,
    shell_quote as quote,
};

/// `ansible.builtin.tempfile`.
pub(crate) struct TempFile;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("state", ArgKind::Str)
            .choices(&["file", "directory"])
            .default(ArgDefault::Str("file")),
        ArgSpecEntry::new("path", ArgKind::Path),
        ArgSpecEntry::new("prefix", ArgKind::Str).default(ArgDefault::Str("ansible.")),
        ArgSpecEntry::new("suffix", ArgKind::Str).default(ArgDefault::Str("")),
    ],
    free_form: false,
    any_args: false,
};

/// Whether `part` is one file name component, as the module requires of `prefix` and `suffix`.
fn is_component(part: &str) -> bool {
    !part.contains('/')
}

#[async_trait]
impl Module for TempFile {
    fn name(&self) -> &'static str {
        "tempfile"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, map: &Map) -> TaskResult {
        if ctx.check_mode {
            return TaskResult::skipped("remote module (tempfile) does not support check mode");
        }
        let args = Args::new(map);
        let strings = (|| {
            Ok::<_, TaskResult>((
                args.str_or("state", "file")?,
                args.str("path")?,
                args.str_or("prefix", "ansible.")?,
                args.str_or("suffix", "")?,
            ))
        })();
        let (state, path, prefix, suffix) = match strings {
            Ok(values) => values,
            Err(failed) => return failed,
        };
        for (name, part) in [("prefix", &prefix), ("suffix", &suffix)] {
            if !is_component(part) {
                return TaskResult::failed(format!(
                    "{name} must be a valid file name component, got {}",
                    drover_python::repr::str_repr(part)
                ));
            }
        }
        let dir = match &path {
            Some(dir) => quote(dir),
            None => "\"${TMPDIR:-/tmp}\"".to_owned(),
        };
        let mut script = String::from("mktemp ");
        if state == "directory" {
            script.push_str("-d ");
        }
        script.push_str(&format!("-p {dir} "));
        if !suffix.is_empty() {
            script.push_str(&format!("--suffix={} ", quote(&suffix)));
        }
        // `--`: a prefix may start with `-`.
        script.push_str("-- ");
        script.push_str(&quote(&format!("{prefix}XXXXXXXX")));
        let out = match run(ctx, &script, None).await {
            Ok(out) => out,
            Err(failed) => return failed,
        };
        if out.rc != 0 {
            return TaskResult::failed(out.stderr_text().trim().to_owned());
        }
        let made = out.stdout_text().trim_end_matches('\n').to_owned();
        let mut result = TaskResult::ok();
        result.changed = true;
        result.set("path", made);
        add_path_info(ctx, &mut result).await;
        result
    }

    fn invocation(&self, args: &Map, _result: &TaskResult) -> Option<Map> {
        Some(crate::invocation::module_args(self.spec(), &[], args))
    }
}
