//! The `blockinfile` module: keeps a block of lines between two marker lines in a file,
//! inserting, updating or removing it.
//!
//! [`edit`] is Ansible's algorithm on bytes (markers found by exact line comparison, the block
//! placed after/before the last line an expression matches, or where a `(?m)` expression
//! matches in the whole file, blank lines added on request), so the output is Ansible's byte for
//! byte; the module around it reads and writes through `files` like `lineinfile`.

use crate::args::Args;
use crate::files::{self, FILE_COMMON, FileAttrs};
use crate::lineinfile::{exclusive, fail_rc};
use crate::textedit::{self, Edit, char_len, splitlines_keepends};
use async_trait::async_trait;
use drover_python::re::{Flags, Kind, Regex, Template};
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult,
};

/// `ansible.builtin.blockinfile`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BlockInFile;

static ARGS: [ArgSpecEntry; 13] = [
    ArgSpecEntry::new("path", ArgKind::Path)
        .required()
        .aliases(&["dest", "destfile", "name"]),
    ArgSpecEntry::new("state", ArgKind::Str)
        .choices(&["absent", "present"])
        .default(ArgDefault::Str("present")),
    ArgSpecEntry::new("marker", ArgKind::Str)
        .default(ArgDefault::Str("# {mark} ANSIBLE MANAGED BLOCK")),
    ArgSpecEntry::new("block", ArgKind::Str)
        .aliases(&["content"])
        .default(ArgDefault::Str("")),
    ArgSpecEntry::new("insertafter", ArgKind::Str),
    ArgSpecEntry::new("insertbefore", ArgKind::Str),
    ArgSpecEntry::new("create", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("backup", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("validate", ArgKind::Str),
    ArgSpecEntry::new("marker_begin", ArgKind::Str).default(ArgDefault::Str("BEGIN")),
    ArgSpecEntry::new("marker_end", ArgKind::Str).default(ArgDefault::Str("END")),
    ArgSpecEntry::new("append_newline", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("prepend_newline", ArgKind::Bool).default(ArgDefault::Bool(false)),
];

static SPEC: ArgSpec = ArgSpec {
    shared: &[&FILE_COMMON],
    args: &ARGS,
    free_form: false,
    any_args: false,
};

/// The default marker line template.
const DEFAULT_MARKER: &str = "# {mark} ANSIBLE MANAGED BLOCK";

#[async_trait]
impl Module for BlockInFile {
    fn name(&self) -> &'static str {
        "blockinfile"
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

async fn run(ctx: &ModuleContext<'_>, map: &Map) -> Result<TaskResult, TaskResult> {
    let args = Args::new(map);
    let path = textedit::expand_path(ctx, &args.req_str("path")?).await?;
    let present = args.choice("state", &["absent", "present"], "present")? == "present";
    exclusive(&args, &[("insertbefore", "insertafter")])?;
    let mut insertafter = args.str("insertafter")?;
    let insertbefore = args.str("insertbefore")?;
    if insertafter.is_none() && insertbefore.is_none() {
        insertafter = Some("EOF".into());
    }
    let st = files::read_state(ctx, &path).await?;
    if st.is_dir {
        return Err(fail_rc(256, format!("Path {path} is a directory !")));
    }
    if !st.exists && !args.bool("create", false)? {
        return Err(fail_rc(257, format!("Path {path} does not exist !")));
    }
    let original = if st.exists {
        Some(textedit::content_of(&st, &path)?)
    } else {
        None
    };
    if !present && original.is_none() {
        let mut r = TaskResult::ok();
        r.msg = Some(format!("File {path} not present"));
        return Ok(r);
    }
    // Ansible checks the file before it compiles the expression and builds the markers.
    let insert_re = match (&insertafter, &insertbefore) {
        (Some(a), _) if a != "EOF" => Some(a.as_str()),
        (_, Some(b)) if b != "BOF" => Some(b.as_str()),
        _ => None,
    }
    .map(|p| {
        let re = Regex::new(p, Kind::Bytes, Flags::default())
            .map_err(|e| TaskResult::failed(e.to_string()))?;
        let multiline = re.flags().multiline;
        Ok::<_, TaskResult>((re, multiline))
    })
    .transpose()?;
    let marker = args.str_or("marker", DEFAULT_MARKER)?;
    let begin = marker_line(&marker, &args.str_or("marker_begin", "BEGIN")?)?;
    let end = marker_line(&marker, &args.str_or("marker_end", "END")?)?;
    let request = Request {
        present,
        block: args.str_or("block", "")?.into_bytes(),
        begin,
        end,
        insertafter: insertafter.as_deref(),
        insertbefore: insertbefore.as_deref(),
        insert_re: insert_re.as_ref().map(|(re, m)| (re, *m)),
        prepend_newline: args.bool("prepend_newline", false)?,
        append_newline: args.bool("append_newline", false)?,
    };
    let (content, msg) = edit(original.as_deref(), &request);
    let edit = Edit {
        path: &path,
        state: &st,
        changed: !msg.is_empty(),
        content,
        msg: msg.to_owned(),
        backup: args.bool("backup", false)?,
        validate: args.str("validate")?,
        attrs: FileAttrs::from_args(&args, &st)?,
        diff_header: format!("{path} (content)"),
        diff_shape: textedit::DiffShape::ContentAndAttrs,
        mode_preserve: args.mode("mode")? == Some(crate::args::ModeSpec::Preserve),
    };
    let result = textedit::apply(ctx, edit).await;
    Ok(files::warn_ignored_file_args(result, &args))
}

/// A marker line: `{mark}` in `marker` replaced by `mark` (through Python's `re.sub`, so
/// replacement escapes such as `\n` in `mark` are processed, as in Ansible), plus `\n`.
fn marker_line(marker: &str, mark: &str) -> Result<Vec<u8>, TaskResult> {
    let re = Regex::new(r"\{mark\}", Kind::Bytes, Flags::default()).expect("a valid pattern");
    let tpl = Template::parse(mark, &re)
        .map_err(|e| TaskResult::failed(format!("invalid marker text '{mark}': {e}")))?;
    let (mut line, _) = re.subn(&tpl, marker.as_bytes(), 0);
    line.push(b'\n');
    Ok(line)
}

/// What the task asks for, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Request<'a> {
    /// `state: present`.
    pub(crate) present: bool,
    /// `block`.
    pub(crate) block: Vec<u8>,
    /// The begin marker line, with its `\n`.
    pub(crate) begin: Vec<u8>,
    /// The end marker line, with its `\n`.
    pub(crate) end: Vec<u8>,
    /// `insertafter` (`EOF` when neither insert option is given).
    pub(crate) insertafter: Option<&'a str>,
    /// `insertbefore`.
    pub(crate) insertbefore: Option<&'a str>,
    /// The insert expression compiled, and whether it has a global `(?m)` flag (then it is
    /// searched in the whole file rather than line by line).
    pub(crate) insert_re: Option<(&'a Regex, bool)>,
    /// `prepend_newline`.
    pub(crate) prepend_newline: bool,
    /// `append_newline`.
    pub(crate) append_newline: bool,
}

/// Computes the new content from the original (`None`: the file does not exist) as Ansible
/// does; the message is `File created`, `Block removed`, `Block inserted`, or empty when the
/// content stays the same.
pub(crate) fn edit(original: Option<&[u8]>, r: &Request<'_>) -> (Vec<u8>, &'static str) {
    let mut lines = original.map(splitlines_keepends).unwrap_or_default();
    let mut block_lines = Vec::new();
    if r.present && !r.block.is_empty() {
        let mut block = r.block.clone();
        if !block.ends_with(b"\n") {
            block.push(b'\n');
        }
        block_lines.push(r.begin.clone());
        block_lines.extend(splitlines_keepends(&block));
        block_lines.push(r.end.clone());
    }
    let (mut n0, mut n1) = (None, None);
    for (i, line) in lines.iter().enumerate() {
        if *line == r.begin {
            n0 = Some(i);
        }
        if *line == r.end {
            n1 = Some(i);
        }
    }
    let mut at = match (n0, n1) {
        (Some(a), Some(b)) => {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            lines.drain(lo..=hi);
            lo
        }
        _ => insert_position(&lines, original.unwrap_or_default(), r),
    };
    if at > 0 && at <= lines.len() && !lines[at - 1].ends_with(b"\n") {
        lines[at - 1].push(b'\n');
    }
    if r.prepend_newline
        && r.present
        && at != 0
        && lines.get(at - 1).map(Vec::as_slice) != Some(b"\n")
    {
        lines.insert(at.min(lines.len()), b"\n".to_vec());
        at += 1;
    }
    let at = at.min(lines.len());
    let after = at + block_lines.len();
    let inserted = block_lines.len();
    lines.splice(at..at, block_lines);
    if r.append_newline && r.present && after < lines.len() && lines[after] != b"\n" {
        lines.insert(after, b"\n".to_vec());
    }
    let result = lines.concat();
    let msg = match original {
        Some(o) if o == result.as_slice() => "",
        None => "File created",
        _ if inserted == 0 => "Block removed",
        _ => "Block inserted",
    };
    (result, msg)
}

/// Where the block goes when the file has no (complete) marker pair.
fn insert_position(lines: &[Vec<u8>], original: &[u8], r: &Request<'_>) -> usize {
    let Some((re, multiline)) = r.insert_re else {
        return if r.insertbefore.is_some() {
            0
        } else {
            lines.len()
        };
    };
    let mut found = None;
    if multiline {
        if let Some(m) = re.search(original) {
            if r.insertafter.is_some_and(|s| !s.is_empty()) {
                found = Some(count_newlines(original, m.end()));
            } else if r.insertbefore.is_some_and(|s| !s.is_empty()) {
                found = Some(count_newlines(original, m.start()));
            }
        }
    } else {
        for (i, line) in lines.iter().enumerate() {
            if re.is_match(line) {
                found = Some(i);
            }
        }
    }
    match found {
        None => lines.len(),
        Some(n) if r.insertafter.is_some() => n + 1,
        Some(n) => n,
    }
}

/// Newlines among the first `upto` characters of the file decoded as text. Ansible counts in
/// the decoded text with a byte offset, so (as there) a multi-byte character before the match
/// moves the count further along; invalid bytes count as one character each.
fn count_newlines(original: &[u8], upto: usize) -> usize {
    let mut count = 0;
    let mut rest = original;
    for _ in 0..upto {
        let Some(&first) = rest.first() else { break };
        if first == b'\n' {
            count += 1;
        }
        rest = &rest[char_len(rest)..];
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(block: &str) -> Request<'a> {
        Request {
            present: true,
            block: block.as_bytes().to_vec(),
            begin: b"# BEGIN ANSIBLE MANAGED BLOCK\n".to_vec(),
            end: b"# END ANSIBLE MANAGED BLOCK\n".to_vec(),
            insertafter: Some("EOF"),
            insertbefore: None,
            insert_re: None,
            prepend_newline: false,
            append_newline: false,
        }
    }

    fn run(original: Option<&str>, r: &Request<'_>) -> (String, &'static str) {
        let (out, msg) = edit(original.map(str::as_bytes), r);
        (String::from_utf8(out).unwrap(), msg)
    }

    const B: &str = "# BEGIN ANSIBLE MANAGED BLOCK\n";
    const E: &str = "# END ANSIBLE MANAGED BLOCK\n";

    #[test]
    fn insert_update_remove() {
        let (out, msg) = run(Some("a\nb"), &request("x\ny"));
        assert_eq!(out, format!("a\nb\n{B}x\ny\n{E}"));
        assert_eq!(msg, "Block inserted");
        assert_eq!(run(Some(&out), &request("x\ny")).1, "");
        let (out2, msg) = run(Some(&out), &request("z"));
        assert_eq!(out2, format!("a\nb\n{B}z\n{E}"));
        assert_eq!(msg, "Block inserted");
        let absent = Request {
            present: false,
            ..request("z")
        };
        assert_eq!(
            run(Some(&out2), &absent),
            ("a\nb\n".into(), "Block removed")
        );
        assert_eq!(
            run(None, &request("x")),
            (format!("{B}x\n{E}"), "File created")
        );
        assert_eq!(run(None, &request("")), (String::new(), "File created"));
    }

    #[test]
    fn insert_positions() {
        let re = Regex::new("^b", Kind::Bytes, Flags::default()).unwrap();
        let r = Request {
            insertafter: Some("^b"),
            insert_re: Some((&re, false)),
            ..request("x")
        };
        assert_eq!(run(Some("a\nb\nc\n"), &r).0, format!("a\nb\n{B}x\n{E}c\n"));
        let r = Request {
            insertafter: None,
            insertbefore: Some("^b"),
            insert_re: Some((&re, false)),
            ..request("x")
        };
        assert_eq!(run(Some("a\nb\nc\n"), &r).0, format!("a\n{B}x\n{E}b\nc\n"));
        let r = Request {
            insertafter: None,
            insertbefore: Some("BOF"),
            ..request("x")
        };
        assert_eq!(run(Some("a\n"), &r).0, format!("{B}x\n{E}a\n"));
        let re = Regex::new(r"(?m)^b\nc", Kind::Bytes, Flags::default()).unwrap();
        let r = Request {
            insertafter: Some(r"(?m)^b\nc"),
            insert_re: Some((&re, true)),
            ..request("x")
        };
        assert_eq!(
            run(Some("a\nb\nc\nd\n"), &r).0,
            format!("a\nb\nc\n{B}x\n{E}d\n")
        );
    }

    #[test]
    fn blank_lines() {
        let r = Request {
            prepend_newline: true,
            append_newline: true,
            ..request("x")
        };
        assert_eq!(run(Some("a\n"), &r).0, format!("a\n\n{B}x\n{E}"));
        let r = Request {
            insertafter: None,
            insertbefore: Some("BOF"),
            prepend_newline: true,
            append_newline: true,
            ..request("x")
        };
        assert_eq!(run(Some("a\n"), &r).0, format!("{B}x\n{E}\na\n"));
    }

    #[test]
    fn markers_with_escapes() {
        assert_eq!(
            marker_line("<!-- {mark} -->", "BEGIN").unwrap(),
            b"<!-- BEGIN -->\n"
        );
        assert_eq!(
            marker_line("# {mark} {mark}", r"a\tb").unwrap(),
            b"# a\tb a\tb\n"
        );
        assert!(marker_line("# {mark}", r"\1").is_err());
    }
}
