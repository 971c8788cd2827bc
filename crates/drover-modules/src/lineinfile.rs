//! The `lineinfile` module: makes sure one line is in a file (or is not), replacing the line a
//! regular expression or a search string finds, or inserting it after/before a matching line.
//!
//! The file is read with `files::read_state` (one round trip when nothing changes); the new
//! content is computed here by [`present`] and [`absent`], which follow Ansible's algorithm step
//! by step (which match wins, where a line is inserted, how a missing final newline is treated,
//! even where that gives surprising bytes) so results are byte-for-byte Ansible's.

use crate::args::Args;
use crate::files::{self, FILE_COMMON, ignored_file_args};
use crate::textedit::{self, Edit, readlines, rstrip_eol};
use async_trait::async_trait;
use drover_python::re::{Flags, Kind, Regex, Template};
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult,
};

/// `ansible.builtin.lineinfile`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineInFile;

static ARGS: [ArgSpecEntry; 12] = [
    ArgSpecEntry::new("path", ArgKind::Path)
        .required()
        .aliases(&["dest", "destfile", "name"]),
    ArgSpecEntry::new("state", ArgKind::Str)
        .choices(&["absent", "present"])
        .default(ArgDefault::Str("present")),
    ArgSpecEntry::new("regexp", ArgKind::Str).aliases(&["regex"]),
    ArgSpecEntry::new("search_string", ArgKind::Str),
    ArgSpecEntry::new("line", ArgKind::Str).aliases(&["value"]),
    ArgSpecEntry::new("insertafter", ArgKind::Str),
    ArgSpecEntry::new("insertbefore", ArgKind::Str),
    ArgSpecEntry::new("backrefs", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("create", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("backup", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("firstmatch", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("validate", ArgKind::Str),
];

static SPEC: ArgSpec = ArgSpec {
    shared: &[&FILE_COMMON],
    args: &ARGS,
    free_form: false,
    any_args: false,
};

#[async_trait]
impl Module for LineInFile {
    fn name(&self) -> &'static str {
        "lineinfile"
    }

    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        run(ctx, args).await.unwrap_or_else(|failed| failed)
    }
    fn invocation(&self, args: &Map, _result: &TaskResult) -> Option<Map> {
        Some(crate::args::module_args(&SPEC, args))
    }
}

/// Fails when two mutually exclusive arguments are both given.
pub(crate) fn exclusive(args: &Args<'_>, pairs: &[(&str, &str)]) -> Result<(), TaskResult> {
    for (a, b) in pairs {
        if args.has(a) && args.has(b) {
            return Err(TaskResult::failed(format!(
                "parameters are mutually exclusive: {a}|{b}"
            )));
        }
    }
    Ok(())
}

/// A failure with Ansible's `rc` (256: a directory, 257: missing).
pub(crate) fn fail_rc(rc: i32, msg: String) -> TaskResult {
    TaskResult::failed(msg).with("rc", rc)
}

async fn run(ctx: &ModuleContext<'_>, map: &Map) -> Result<TaskResult, TaskResult> {
    let args = Args::new(map);
    let path = textedit::expand_path(ctx, &args.req_str("path")?).await?;
    let state = args.choice("state", &["absent", "present"], "present")?;
    exclusive(
        &args,
        &[
            ("insertbefore", "insertafter"),
            ("regexp", "search_string"),
            ("backrefs", "search_string"),
        ],
    )?;
    let regexp = args.str("regexp")?;
    let search_string = args.str("search_string")?;
    let line = args.str("line")?;
    let backrefs = args.bool("backrefs", false)?;
    let mut warnings = ignored_file_args(&args);
    if regexp.as_deref() == Some("") || search_string.as_deref() == Some("") {
        let what = if regexp.as_deref() == Some("") {
            "regular expression"
        } else {
            "search string"
        };
        let mut w = format!(
            "The {what} is an empty string, which will match every line in the file. This may have \
             unintended consequences, such as replacing the last line in the file rather than appending."
        );
        if regexp.as_deref() == Some("") {
            w.push_str(" If this is desired, use '^' to match every line in the file and avoid this warning.");
        }
        warnings.push(w);
    }
    let compile = |p: &str| {
        Regex::new(p, Kind::Bytes, Flags::default()).map_err(|e| TaskResult::failed(e.to_string()))
    };

    let st = files::read_state(ctx, &path).await?;
    if st.is_dir {
        return Err(fail_rc(256, format!("Path {path} is a directory !")));
    }
    let attrs = files::FileAttrs::from_args(&args, &st)?;
    let content = textedit::content_of(&st, &path)?;
    let mut lines = readlines(&content);

    let (msg, found) = if state == "present" {
        if backrefs && regexp.is_none() {
            return Err(TaskResult::failed("regexp is required with backrefs=true"));
        }
        let Some(line) = line else {
            return Err(TaskResult::failed("line is required with state=present"));
        };
        let mut insertafter = args.str("insertafter")?;
        let insertbefore = args.str("insertbefore")?;
        if insertafter.is_none() && insertbefore.is_none() {
            insertafter = Some("EOF".into());
        }
        // Ansible checks the file before it compiles the expressions.
        if !st.exists && !args.bool("create", false)? {
            return Err(fail_rc(257, format!("Destination {path} does not exist !")));
        }
        let re = regexp.as_deref().map(compile).transpose()?;
        let insert_re = match (&insertafter, &insertbefore) {
            (Some(a), _) if a != "BOF" && a != "EOF" => Some(compile(a)?),
            (_, Some(b)) if b != "BOF" => Some(compile(b)?),
            _ => None,
        };
        let request = Present {
            regexp: re.as_ref(),
            search_string: search_string.as_deref().map(str::as_bytes),
            line: &line,
            insertafter: insertafter.as_deref(),
            insertbefore: insertbefore.as_deref(),
            insert_re: insert_re.as_ref(),
            backrefs,
            firstmatch: args.bool("firstmatch", false)?,
        };
        (
            present(&mut lines, &request).map_err(TaskResult::failed)?,
            None,
        )
    } else {
        if regexp.is_none() && search_string.is_none() && line.is_none() {
            return Err(TaskResult::failed(
                "one of line, search_string, or regexp is required with state=absent",
            ));
        }
        if !st.exists {
            let mut r = TaskResult::ok();
            r.msg = Some("file not present".into());
            r.warnings = warnings;
            return Ok(r);
        }
        let re = regexp.as_deref().map(compile).transpose()?;
        let n = absent(
            &mut lines,
            re.as_ref(),
            search_string.as_deref(),
            line.as_deref(),
        );
        (
            if n > 0 {
                format!("{n} line(s) removed")
            } else {
                String::new()
            },
            Some(n),
        )
    };

    let edit = Edit {
        path: &path,
        state: &st,
        changed: !msg.is_empty(),
        content: lines.concat(),
        msg,
        backup: args.bool("backup", false)?,
        validate: args.str("validate")?,
        attrs,
        diff_header: format!("{path} (content)"),
        diff_shape: textedit::DiffShape::ContentAndAttrs,
        mode_preserve: args.mode("mode")? == Some(crate::args::ModeSpec::Preserve),
    };
    let mut result = textedit::apply(ctx, edit).await;
    if result.failed {
        return Ok(result);
    }
    if let Some(n) = found {
        result.set("found", n);
    }
    let backup = result
        .data
        .shift_remove("backup_file")
        .unwrap_or_else(|| "".into());
    result.set("backup", backup);
    warnings.append(&mut result.warnings);
    result.warnings = warnings;
    Ok(result)
}

/// What `state: present` asks for, already parsed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present<'a> {
    /// `regexp`, compiled.
    pub(crate) regexp: Option<&'a Regex>,
    /// `search_string`.
    pub(crate) search_string: Option<&'a [u8]>,
    /// `line` (with `backrefs`, a Python replacement template).
    pub(crate) line: &'a str,
    /// `insertafter` (`EOF` when neither insert option is given).
    pub(crate) insertafter: Option<&'a str>,
    /// `insertbefore`.
    pub(crate) insertbefore: Option<&'a str>,
    /// The insert option compiled, when it is a regular expression.
    pub(crate) insert_re: Option<&'a Regex>,
    /// `backrefs`.
    pub(crate) backrefs: bool,
    /// `firstmatch`.
    pub(crate) firstmatch: bool,
}

/// Applies `state: present` to `lines` (as `readlines` gives them) as Ansible does; returns
/// `line added`, `line replaced`, or an empty message when nothing changed.
pub(crate) fn present(lines: &mut Vec<Vec<u8>>, p: &Present<'_>) -> Result<String, String> {
    let line = p.line.as_bytes();
    let truthy = |o: Option<&str>| o.is_some_and(|s| !s.is_empty());
    let (mut found, mut insert_at): (Option<usize>, Option<usize>) = (None, None);
    let mut matched = false;
    if let Some(re) = p.regexp {
        for (n, cur) in lines.iter().enumerate() {
            if re.is_match(cur) {
                found = Some(n);
                matched = true;
                if p.firstmatch {
                    break;
                }
            }
        }
    }
    if let Some(s) = p.search_string {
        for (n, cur) in lines.iter().enumerate() {
            if contains(cur, s) {
                found = Some(n);
                matched = true;
                if p.firstmatch {
                    break;
                }
            }
        }
    }
    if !matched {
        for (n, cur) in lines.iter().enumerate() {
            if line == rstrip_eol(cur) {
                found = Some(n);
            } else if p.insert_re.is_some_and(|r| r.is_match(cur)) {
                if truthy(p.insertafter) {
                    insert_at = Some(n + 1);
                    if p.firstmatch {
                        break;
                    }
                }
                if truthy(p.insertbefore) {
                    insert_at = Some(n);
                    if p.firstmatch {
                        break;
                    }
                }
            }
        }
    }

    let with_eol = || [line, b"\n"].concat();
    let ends_with_eol = |l: &[u8]| matches!(l.last(), Some(b'\n' | b'\r'));
    let added = "line added".to_owned();
    if let Some(idx) = found {
        let caps = p
            .regexp
            .filter(|_| p.backrefs && matched)
            .and_then(|re| Some((re, re.search(&lines[idx])?)));
        let mut new_line = match caps {
            // Ansible's module raises Python's error, which the action reports so.
            Some((re, m)) => Template::parse(p.line, re)
                .map_err(|e| format!("Task failed: Module failed: {e}"))?
                .expand(&m),
            None => line.to_vec(),
        };
        if !new_line.ends_with(b"\n") {
            new_line.push(b'\n');
        }
        if lines[idx] != new_line {
            lines[idx] = new_line;
            return Ok("line replaced".into());
        }
        return Ok(String::new());
    }
    if p.backrefs {
        return Ok(String::new());
    }
    if p.insertbefore == Some("BOF") || p.insertafter == Some("BOF") {
        lines.insert(0, with_eol());
        return Ok(added);
    }
    let Some(at) = insert_at.filter(|_| p.insertafter != Some("EOF")) else {
        if lines.last().is_some_and(|l| !ends_with_eol(l)) {
            lines.push(b"\n".to_vec());
        }
        lines.push(with_eol());
        return Ok(added);
    };
    if truthy(p.insertafter) {
        // Ansible appends after the last line even when it has no newline (`foo` + `bar\n`).
        let neighbour = if at == lines.len() {
            &lines[at - 1]
        } else {
            &lines[at]
        };
        if rstrip_eol(neighbour) == line {
            return Ok(String::new());
        }
    }
    lines.insert(at, with_eol());
    Ok(added)
}

/// Applies `state: absent`: removes every line the regexp or search string finds (or that
/// equals `line`); returns how many were removed.
pub(crate) fn absent(
    lines: &mut Vec<Vec<u8>>,
    regexp: Option<&Regex>,
    search_string: Option<&str>,
    line: Option<&str>,
) -> usize {
    let before = lines.len();
    lines.retain(|cur| {
        let hit = if let Some(re) = regexp {
            re.is_match(cur)
        } else if let Some(s) = search_string {
            contains(cur, s.as_bytes())
        } else {
            line.is_some_and(|l| l.as_bytes() == rstrip_eol(cur))
        };
        !hit
    });
    before - lines.len()
}

/// Python's `needle in haystack` for bytes (the empty needle is in everything).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<Vec<u8>> {
        readlines(s.as_bytes())
    }

    fn run_present(content: &str, p: Present<'_>) -> (String, String) {
        let mut l = lines(content);
        let msg = present(&mut l, &p).unwrap();
        (String::from_utf8(l.concat()).unwrap(), msg)
    }

    fn base(line: &str) -> Present<'_> {
        Present {
            regexp: None,
            search_string: None,
            line,
            insertafter: Some("EOF"),
            insertbefore: None,
            insert_re: None,
            backrefs: false,
            firstmatch: false,
        }
    }

    fn re(p: &str) -> Regex {
        Regex::new(p, Kind::Bytes, Flags::default()).unwrap()
    }

    #[test]
    fn appends_and_is_idempotent() {
        assert_eq!(
            run_present("a\n", base("b")),
            ("a\nb\n".into(), "line added".into())
        );
        assert_eq!(
            run_present("a\nb\n", base("b")),
            ("a\nb\n".into(), String::new())
        );
        // A missing final newline is added before the new line.
        assert_eq!(
            run_present("a", base("b")),
            ("a\nb\n".into(), "line added".into())
        );
        // The line itself at EOF without a newline is "replaced" to get one.
        assert_eq!(
            run_present("a\nb", base("b")),
            ("a\nb\n".into(), "line replaced".into())
        );
        assert_eq!(
            run_present("", base("b")),
            ("b\n".into(), "line added".into())
        );
    }

    #[test]
    fn regexp_replaces_last_match_unless_firstmatch() {
        let r = re("^x=");
        let p = Present {
            regexp: Some(&r),
            ..base("x=9")
        };
        assert_eq!(run_present("x=1\ny\nx=2\n", p).0, "x=1\ny\nx=9\n");
        let p = Present {
            regexp: Some(&r),
            firstmatch: true,
            ..base("x=9")
        };
        assert_eq!(run_present("x=1\ny\nx=2\n", p).0, "x=9\ny\nx=2\n");
        // `$` matches before the line's newline, as in Python.
        let r = re("^y$");
        let p = Present {
            regexp: Some(&r),
            ..base("z")
        };
        assert_eq!(
            run_present("x=1\ny\n", p),
            ("x=1\nz\n".into(), "line replaced".into())
        );
    }

    #[test]
    fn backrefs() {
        let r = re(r"^(\w+)=(.*)$");
        let p = Present {
            regexp: Some(&r),
            backrefs: true,
            ..base(r"\1 := \g<2>!")
        };
        assert_eq!(run_present("a=1\n", p).0, "a := 1!\n");
        // No match with backrefs: nothing happens, even though the line is missing.
        let r = re("^nomatch");
        let p = Present {
            regexp: Some(&r),
            backrefs: true,
            ..base("new")
        };
        assert_eq!(run_present("a=1\n", p), ("a=1\n".into(), String::new()));
    }

    #[test]
    fn insertafter_and_insertbefore() {
        let r = re("^b");
        let p = Present {
            insert_re: Some(&r),
            insertafter: Some("^b"),
            ..base("new")
        };
        assert_eq!(run_present("a\nb\nc\nb\n", p).0, "a\nb\nc\nb\nnew\n");
        let p = Present {
            insert_re: Some(&r),
            insertafter: Some("^b"),
            firstmatch: true,
            ..base("new")
        };
        assert_eq!(run_present("a\nb\nc\nb\n", p).0, "a\nb\nnew\nc\nb\n");
        let p = Present {
            insert_re: Some(&r),
            insertafter: None,
            insertbefore: Some("^b"),
            ..base("new")
        };
        assert_eq!(run_present("a\nb\nc\n", p).0, "a\nnew\nb\nc\n");
        // No match for insertafter: EOF.
        let r2 = re("^zzz");
        let p = Present {
            insert_re: Some(&r2),
            insertafter: Some("^zzz"),
            ..base("new")
        };
        assert_eq!(run_present("a\n", p).0, "a\nnew\n");
        let p = Present {
            insertafter: None,
            insertbefore: Some("BOF"),
            ..base("new")
        };
        assert_eq!(run_present("a\n", p).0, "new\na\n");
        // Verified with ansible-core 2.19: a match on a last line without newline gives `foobar`.
        let r3 = re("foo");
        let p = Present {
            insert_re: Some(&r3),
            insertafter: Some("foo"),
            ..base("bar")
        };
        assert_eq!(run_present("a\nfoo", p).0, "a\nfoobar\n");
    }

    #[test]
    fn absent_counts() {
        let mut l = lines("a\nb\na\r\nc");
        assert_eq!(absent(&mut l, None, None, Some("a")), 2);
        assert_eq!(l.concat(), b"b\nc");
        let mut l = lines("x1\nx2\ny\n");
        assert_eq!(absent(&mut l, None, Some("x"), None), 2);
        let r = re("^y");
        let mut l = lines("x1\nx2\ny\n");
        assert_eq!(absent(&mut l, Some(&r), None, Some("ignored")), 1);
    }
}
