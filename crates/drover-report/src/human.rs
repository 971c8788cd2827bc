//! ansible-playbook's default output, line for line where users rely on it: banners padded with
//! `*` to 80 columns, `ok:`/`changed:`/`skipping:`/`fatal:` lines, `...ignoring`, and the recap.

use crate::color::{Color, paint};
use crate::diff;
use crate::masked::Masked;
use crate::origin::Failure;
use drover_types::{Event, HostStats, Reporter, Status, TaskResult, Value};
use std::io::Write;

const NO_LOG: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/// Writes ansible-playbook style output.
pub struct Human {
    out: Masked,
    err: Masked,
    color: bool,
    verbosity: u8,
    /// Where the current task was written, for the `[ERROR]` block of a failure.
    task_span: Option<drover_types::Span>,
    sources: crate::origin::Sources,
    /// Error blocks and warnings already printed: ansible-playbook prints each text once per
    /// run, however many hosts, items or tasks produce it.
    said: std::collections::HashSet<String>,
}

impl Human {
    /// Output to `out` (results) and `err` (warnings), coloured when `color`.
    pub fn new(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        color: bool,
        verbosity: u8,
    ) -> Self {
        Human {
            out: Masked::new(out),
            err: Masked::new(err),
            color,
            verbosity,
            task_span: None,
            sources: crate::origin::Sources::default(),
            said: std::collections::HashSet::new(),
        }
    }

    /// The same reporter, reading playbook files named relative to `dir` (where drover was
    /// started) when it shows where a failed task was written.
    pub fn with_base_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.sources = crate::origin::Sources::new(Some(dir));
        self
    }

    fn banner(&mut self, title: &str) {
        let stars = 79usize.saturating_sub(title.chars().count()).max(3);
        let _ = writeln!(self.out, "\n{title} {}", "*".repeat(stars));
    }

    #[allow(clippy::too_many_arguments)] // the fields of `Event::HostResult`, destructured
    fn host_result(
        &mut self,
        host: &str,
        delegated_to: Option<&str>,
        item_label: Option<&str>,
        status: Status,
        ignored: bool,
        result: &TaskResult,
        no_log: bool,
        verbose_always: bool,
        module: &str,
    ) {
        for warning in &result.warnings {
            match result.warning_origins.get(warning) {
                Some(span) => {
                    let text = format!("{warning}\n{}", self.sources.origin(span));
                    self.warning_block(&text);
                }
                None => self.warning(warning),
            }
        }
        for deprecation in &result.deprecations {
            self.deprecation(deprecation);
        }
        if !no_log {
            for d in &result.diffs {
                let text = diff::render(d, self.color);
                if !text.is_empty() {
                    let _ = writeln!(self.out, "{text}");
                }
            }
        }
        let target = match delegated_to {
            Some(other) => format!("{host} -> {other}"),
            None => host.to_owned(),
        };
        let item = item_label
            .map(|l| format!(" (item={l})"))
            .unwrap_or_default();
        let value = display_value(result, no_log, module, self.verbosity);
        let verbose_always = verbose_always && !no_log;
        let (line, color) = match status {
            Status::Ok | Status::Changed | Status::Skipped => {
                let word = match status {
                    Status::Ok => "ok",
                    Status::Changed => "changed",
                    _ => "skipping",
                };
                let mut line = format!("{word}: [{target}]");
                if item_label.is_some() {
                    line.push_str(" =>");
                    line.push_str(&item);
                    if status == Status::Skipped {
                        // ansible-playbook ends a skipped item's label with a space, also
                        // before a verbose ` => {...}`.
                        line.push(' ');
                    }
                }
                if result.data.contains_key(drover_types::VERBOSE_OVERRIDE) {
                    // `setup`'s facts are never printed (ansible-core's verbose override).
                } else if (verbose_always && status != Status::Skipped) || self.verbosity > 2 {
                    line.push_str(" => ");
                    line.push_str(&pretty(&value));
                } else if self.verbosity > 0 {
                    line.push_str(" => ");
                    line.push_str(&compact(&value));
                }
                let color = match status {
                    Status::Ok => Color::Green,
                    Status::Changed => Color::Yellow,
                    _ => Color::Cyan,
                };
                (line, color)
            }
            Status::Failed => {
                let message = if no_log {
                    NO_LOG.to_owned()
                } else {
                    match (&result.msg, result.data.get("msg")) {
                        (Some(msg), _) => msg.clone(),
                        // A message that is not text reads as Python writes it: `['a', 'b']`.
                        (None, Some(other)) => drover_python::repr::repr(other),
                        (None, None) => String::new(),
                    }
                };
                let conditions = ["failed_when_result", "changed_when_result"]
                    .iter()
                    .any(|k| result.data.contains_key(*k));
                self.error_block(Failure::Task { module, conditions }, &message);
                let shown = if verbose_always || self.verbosity > 2 {
                    pretty(&value)
                } else {
                    compact(&value)
                };
                let line = match item_label {
                    Some(_) => format!("failed: [{target}]{item} => {shown}"),
                    None => format!("fatal: [{target}]: FAILED! => {shown}"),
                };
                (line, Color::Red)
            }
            Status::Unreachable => {
                let message = result.msg.as_deref().unwrap_or_default();
                self.error_block(Failure::Unreachable, message);
                let line = match item_label {
                    Some(_) => format!("unreachable: [{target}]{item} => {}", compact(&value)),
                    None => format!("fatal: [{target}]: UNREACHABLE! => {}", compact(&value)),
                };
                (line, Color::Red)
            }
        };
        let _ = writeln!(self.out, "{}", paint(&line, color, self.color));
        // A loop's items never say it: the loop does, once, after them (`LoopFailureIgnored`).
        if ignored && item_label.is_none() {
            self.ignoring();
        }
    }

    fn ignoring(&mut self) {
        let _ = writeln!(
            self.out,
            "{}",
            paint("...ignoring", Color::Cyan, self.color)
        );
    }

    /// The `[ERROR]` block ansible-core 2.19 prints before a failed or unreachable result,
    /// once per distinct text.
    fn error_block(&mut self, failure: Failure<'_>, message: &str) {
        let block = self
            .sources
            .block(failure, message, self.task_span.as_ref());
        if self.said.insert(block.clone()) {
            let _ = write!(self.out, "{}", paint(&block, Color::Red, self.color));
        }
    }

    /// A `[DEPRECATION WARNING]` on stderr with where it is written, once per distinct text,
    /// after ansible-core's one-off hint on silencing them.
    fn deprecation(&mut self, deprecation: &drover_types::Deprecation) {
        self.warning(
            "Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.",
        );
        let text = format!(
            "[DEPRECATION WARNING]: {}\n{}",
            deprecation.message,
            self.sources.origin(&deprecation.origin)
        );
        if self.said.insert(text.clone()) {
            let _ = write!(self.err, "{}", paint(&text, Color::Magenta, self.color));
        }
    }

    /// A `[WARNING]` on stderr, once per distinct text.
    fn warning(&mut self, text: &str) {
        let line = format!("[WARNING]: {text}");
        if self.said.insert(line.clone()) {
            let _ = writeln!(self.err, "{}", paint(&line, Color::Magenta, self.color));
        }
    }

    /// A `[WARNING]` whose text ends with its own line break (an `Origin:` block).
    fn warning_block(&mut self, text: &str) {
        let block = format!("[WARNING]: {text}");
        if self.said.insert(block.clone()) {
            let _ = write!(self.err, "{}", paint(&block, Color::Magenta, self.color));
        }
    }

    fn recap(&mut self, stats: &[(String, HostStats)]) {
        self.banner("PLAY RECAP");
        self.out.raw = true;
        for (host, s) in stats {
            let host_color = if s.failed > 0 || s.unreachable > 0 {
                Some(Color::Red)
            } else if s.changed > 0 {
                Some(Color::Yellow)
            } else {
                Some(Color::Green)
            };
            let field = |name: &str, n: u32, c: Color| {
                let text = format!("{name}={n:<4}");
                if n > 0 {
                    paint(&text, c, self.color)
                } else {
                    text
                }
            };
            let name = format!("{host:<26}");
            let name = match host_color {
                Some(c) => paint(&name, c, self.color),
                None => name,
            };
            let line = format!(
                "{name} : {} {} {} {} {} {} {}",
                field("ok", s.ok, Color::Green),
                field("changed", s.changed, Color::Yellow),
                field("unreachable", s.unreachable, Color::Red),
                field("failed", s.failed, Color::Red),
                field("skipped", s.skipped, Color::Cyan),
                field("rescued", s.rescued, Color::Magenta),
                field("ignored", s.ignored, Color::Magenta),
            );
            let _ = writeln!(self.out, "{line}");
        }
        let _ = writeln!(self.out);
        self.out.raw = false;
    }
}

/// The dict ansible-playbook would print for a result.
fn display_value(result: &TaskResult, no_log: bool, module: &str, verbosity: u8) -> Value {
    let mut value = if no_log {
        serde_json::json!({ "censored": NO_LOG, "changed": result.changed })
    } else {
        result.to_value()
    };
    if let Value::Object(map) = &mut value {
        // The status is the line's own word; warnings were printed on their own.
        for key in [
            "failed",
            "skipped",
            "exception",
            "warnings",
            "deprecations",
            drover_types::VERBOSE_OVERRIDE,
        ] {
            map.remove(key);
        }
        // Module arguments and diffs only from `-vvv` (never for `debug`), as ansible-playbook.
        if verbosity < 3 || module == "debug" {
            map.remove("invocation");
        }
        if verbosity < 3 {
            map.remove("diff");
        }
        if module == "debug" {
            if map.contains_key("msg") {
                map.retain(|k, _| DEBUG_KEPT.contains(&k.as_str()));
            } else {
                map.retain(|k, _| !DEBUG_HIDDEN.contains(&k.as_str()));
            }
        }
    }
    sorted(value)
}

/// What ansible-playbook keeps of a `debug` result that has `msg`...
const DEBUG_KEPT: &[&str] = &["msg", "exception", "warnings", "deprecations"];
/// ...and what it drops from one that shows a `var`.
const DEBUG_HIDDEN: &[&str] = &[
    "changed",
    "failed",
    "skipped",
    "invocation",
    "skip_reason",
    "ansible_loop_var",
    "ansible_index_var",
    "ansible_loop",
];

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// A result on one line, as the default callback's `json.dumps(result, ensure_ascii=False)`
/// writes it.
fn compact(value: &Value) -> String {
    drover_python::json::dumps(value, &json_options(None))
}

/// A result over several lines (`indent=4`), as the default callback writes verbose ones.
fn pretty(value: &Value) -> String {
    drover_python::json::dumps(value, &json_options(Some(4)))
}

fn json_options(indent: Option<usize>) -> drover_python::json::Options {
    drover_python::json::Options {
        ensure_ascii: false,
        indent,
        ..drover_python::json::Options::default()
    }
}

impl Reporter for Human {
    fn event(&mut self, event: &Event) {
        match event {
            Event::PlayStart { name, .. } => self.banner(&format!("PLAY [{name}]")),
            Event::NoHostsMatched => {
                let _ = writeln!(
                    self.out,
                    "{}",
                    paint("skipping: no hosts matched", Color::Cyan, self.color)
                );
            }
            Event::TaskStart {
                name,
                handler,
                span,
            } => {
                self.task_span = span.clone();
                let title = if *handler {
                    format!("RUNNING HANDLER [{name}]")
                } else {
                    format!("TASK [{name}]")
                };
                self.banner(&title);
            }
            Event::HostResult {
                host,
                delegated_to,
                item_label,
                status,
                ignored,
                result,
                no_log,
                verbose_always,
                module,
            } => self.host_result(
                host,
                delegated_to.as_deref(),
                item_label.as_deref(),
                *status,
                *ignored,
                result,
                *no_log,
                *verbose_always,
                module,
            ),
            Event::Retrying {
                host,
                task,
                retries_left,
            } => {
                let line =
                    format!("FAILED - RETRYING: [{host}]: {task} ({retries_left} retries left).");
                let _ = writeln!(self.out, "{}", paint(&line, Color::Red, self.color));
            }
            Event::Warning(text) => self.warning(text),
            Event::LoopFailureIgnored { .. } => self.ignoring(),
            Event::NoHostsLeft => self.banner("NO MORE HOSTS LEFT"),
            Event::Included {
                hosts,
                target,
                item_label,
            } => {
                let mut line = format!("included: {target} for {}", hosts.join(", "));
                if let Some(label) = item_label {
                    line.push_str(&format!(" => (item={label})"));
                }
                let _ = writeln!(self.out, "{}", paint(&line, Color::Cyan, self.color));
            }
            Event::Info(text) => {
                let _ = writeln!(self.err, "[NOTE]: {text}");
            }
            Event::Recap(stats) => self.recap(stats),
            _ => {}
        }
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn capture(events: &[Event]) -> String {
        let buf = Buf::default();
        let mut human = Human::new(Box::new(buf.clone()), Box::new(std::io::sink()), false, 0);
        for e in events {
            human.event(e);
        }
        let bytes = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn banner_is_80_columns_like_ansible() {
        let out = capture(&[Event::PlayStart {
            name: "Demo play".into(),
            check_mode: false,
        }]);
        assert_eq!(out, format!("\nPLAY [Demo play] {}\n", "*".repeat(63)));
    }

    #[test]
    fn recap_line_matches_ansible_layout() {
        let stats = HostStats {
            ok: 5,
            changed: 2,
            skipped: 1,
            ignored: 2,
            ..HostStats::default()
        };
        let out = capture(&[Event::Recap(vec![("localhost".into(), stats)])]);
        assert!(out.contains(
            "localhost                  : ok=5    changed=2    unreachable=0    failed=0    skipped=1    rescued=0    ignored=2   \n"
        ), "{out}");
    }

    #[test]
    fn failure_shows_sorted_json_and_ignoring() {
        let result = TaskResult::failed("boom 1");
        let out = capture(&[Event::HostResult {
            host: "localhost".into(),
            delegated_to: None,
            item_label: None,
            status: Status::Failed,
            ignored: true,
            result,
            no_log: false,
            verbose_always: false,
            module: "fail".into(),
        }]);
        assert_eq!(
            out,
            "[ERROR]: Task failed: Action failed: boom 1\nfatal: [localhost]: FAILED! => {\"changed\": false, \"msg\": \"boom 1\"}\n...ignoring\n"
        );
    }

    fn failed_item(host: &str, label: &str, msg: &str) -> Event {
        Event::HostResult {
            host: host.into(),
            delegated_to: None,
            item_label: Some(label.into()),
            status: Status::Failed,
            ignored: true,
            result: TaskResult::failed(msg),
            no_log: false,
            verbose_always: false,
            module: "command".into(),
        }
    }

    #[test]
    fn error_block_once_per_text_and_ignoring_once_per_loop() {
        let out = capture(&[
            failed_item("a", "x", "same"),
            failed_item("a", "y", "same"),
            Event::LoopFailureIgnored { host: "a".into() },
            failed_item("b", "x", "other"),
        ]);
        assert_eq!(
            out.matches("[ERROR]: Task failed: Module failed: same")
                .count(),
            1
        );
        assert_eq!(
            out.matches("[ERROR]: Task failed: Module failed: other")
                .count(),
            1
        );
        assert_eq!(out.matches("...ignoring").count(), 1, "{out}");
        assert!(out.contains("failed: [a] (item=y) => {"), "{out}");
    }

    #[test]
    fn no_more_hosts_left_is_a_banner() {
        let out = capture(&[Event::NoHostsLeft]);
        assert_eq!(out, format!("\nNO MORE HOSTS LEFT {}\n", "*".repeat(61)));
    }

    #[test]
    fn no_log_hides_values() {
        let result = TaskResult::changed(true).with("secret", "hunter2");
        let out = capture(&[Event::HostResult {
            host: "h".into(),
            delegated_to: None,
            item_label: None,
            status: Status::Failed,
            ignored: false,
            result,
            no_log: true,
            verbose_always: false,
            module: "copy".into(),
        }]);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("censored"));
    }
}
