//! The `[ERROR]: Task failed: ...` block ansible-core 2.19 prints before a failed result: the
//! message, then `Origin:` with the task's file, line and column and the lines that lead to it,
//! a caret under the column. The source lines are read from the playbook file the span names.

use drover_types::Span;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Modules that are action plugins in Ansible: their failures read "Action failed".
const ACTIONS: &[&str] = &[
    "fail",
    "assert",
    "debug",
    "set_fact",
    "include_vars",
    "meta",
    "validate_argument_spec",
    "add_host",
    "group_by",
];

/// Where a failure shown in an `[ERROR]` block came from.
#[derive(Clone, Copy)]
pub(crate) enum Failure<'a> {
    /// The host could not be reached: the message stands alone.
    Unreachable,
    /// The task failed; `conditions` when `failed_when`/`changed_when` decided it (Ansible
    /// then blames the action, not the module).
    Task {
        /// The module's short name.
        module: &'a str,
        /// A `failed_when` or `changed_when` made the result a failure.
        conditions: bool,
    },
}

/// Playbook files read so far, for their lines; relative names are taken from `base`.
#[derive(Default)]
pub(crate) struct Sources {
    base: Option<PathBuf>,
    files: HashMap<PathBuf, Vec<String>>,
}

impl Sources {
    /// Sources whose relative file names are relative to `base` (where drover was started).
    pub(crate) fn new(base: Option<PathBuf>) -> Self {
        Sources {
            base,
            files: HashMap::new(),
        }
    }

    fn absolute(&self, file: &std::path::Path) -> PathBuf {
        match &self.base {
            Some(base) if file.is_relative() => base.join(file),
            _ => file.to_path_buf(),
        }
    }

    fn lines(&mut self, file: &PathBuf) -> &[String] {
        self.files.entry(file.clone()).or_insert_with(|| {
            std::fs::read_to_string(file)
                .map(|text| text.lines().map(str::to_owned).collect())
                .unwrap_or_default()
        })
    }

    /// The whole block, ending with a blank line.
    /// `failure` says where the failure came from (see [`Failure`]).
    pub(crate) fn block(
        &mut self,
        failure: Failure<'_>,
        message: &str,
        span: Option<&Span>,
    ) -> String {
        let action = match failure {
            Failure::Unreachable => None,
            Failure::Task { .. } if message.starts_with("error while resolving") => None,
            Failure::Task { module, conditions } => Some(conditions || ACTIONS.contains(&module)),
        };
        // An empty message reads as the bare "Action failed." / "Module failed." of Ansible.
        let kind = match (action, message.is_empty()) {
            (None, _) => "",
            (Some(true), false) => "Action failed: ",
            (Some(false), false) => "Module failed: ",
            (Some(true), true) => "Action failed.",
            (Some(false), true) => "Module failed.",
        };
        let mut out = format!("[ERROR]: Task failed: {kind}{message}\n");
        if let Some(span) = span {
            out.push_str(&self.origin(span));
        }
        out
    }

    /// `Origin: file:line:column`, a blank line, the lines leading to `span` with a caret under
    /// its column, and a blank line: how ansible-core 2.19 points at the source of an error,
    /// warning or deprecation.
    pub(crate) fn origin(&mut self, span: &Span) -> String {
        let file = self.absolute(&span.file);
        let mut out = format!(
            "Origin: {}:{}:{}\n\n",
            file.display(),
            span.line,
            span.column
        );
        let lines = self.lines(&file);
        if span.line == 0 || span.line > lines.len() {
            return out;
        }
        let first = span.line.saturating_sub(2).max(1);
        let width = span.line.to_string().len();
        for number in first..=span.line {
            let text = &lines[number - 1];
            let line = format!("{number:>width$} {text}");
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(
            out,
            "{}^ column {}\n",
            " ".repeat(width + span.column),
            span.column
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn points_at_the_task_like_ansible() {
        let dir = std::env::temp_dir().join(format!("drover-origin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("p.yml");
        std::fs::write(
            &file,
            "- hosts: x\n  gather_facts: false\n  tasks:\n    - name: Ignored failure\n",
        )
        .expect("write");
        let span = Span {
            file: Arc::new(file),
            line: 4,
            column: 7,
            offset: 0,
        };
        let block = Sources::default().block(
            Failure::Task {
                module: "fail",
                conditions: false,
            },
            "first problem",
            Some(&span),
        );
        let expected = format!(
            "[ERROR]: Task failed: Action failed: first problem\nOrigin: {span}\n\n2   gather_facts: false\n3   tasks:\n4     - name: Ignored failure\n        ^ column 7\n\n"
        );
        assert_eq!(block, expected);
    }
}
