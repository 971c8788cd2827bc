//! The `replace` module: replaces every match of a regular expression in a file (Python `re`
//! with MULTILINE), optionally only in the part between `after` and `before` matches.
//!
//! [`edit`] does the work on the decoded text with Python's `re.subn` semantics; the file is
//! read and written through `files` like `lineinfile`. Text is UTF-8 (undecodable bytes are
//! kept as they are, as Python's surrogate escapes do), Latin-1 or ASCII.

use crate::args::Args;
use crate::files::{self, FILE_COMMON, FileAttrs};
use crate::lineinfile::fail_rc;
use crate::textedit::{self, Edit};
use async_trait::async_trait;
use drover_python::re::{Flags, Kind, Regex, Template};
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult,
};

/// `ansible.builtin.replace`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Replace;

static ARGS: [ArgSpecEntry; 8] = [
    ArgSpecEntry::new("path", ArgKind::Path)
        .required()
        .aliases(&["dest", "destfile", "name"]),
    ArgSpecEntry::new("regexp", ArgKind::Str).required(),
    ArgSpecEntry::new("replace", ArgKind::Str).default(ArgDefault::Str("")),
    ArgSpecEntry::new("after", ArgKind::Str),
    ArgSpecEntry::new("before", ArgKind::Str),
    ArgSpecEntry::new("backup", ArgKind::Bool).default(ArgDefault::Bool(false)),
    ArgSpecEntry::new("validate", ArgKind::Str),
    ArgSpecEntry::new("encoding", ArgKind::Str).default(ArgDefault::Str("utf-8")),
];

static SPEC: ArgSpec = ArgSpec {
    shared: &[&FILE_COMMON],
    args: &ARGS,
    free_form: false,
    any_args: false,
};

#[async_trait]
impl Module for Replace {
    fn name(&self) -> &'static str {
        "replace"
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

/// The encodings drover can read and write text in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8 (and ASCII, a subset): the bytes are searched as they are.
    Utf8,
    /// ISO-8859-1: each byte is one character.
    Latin1,
}

impl Encoding {
    /// Recognises Python's names for the supported encodings.
    pub(crate) fn from_name(name: &str) -> Option<Encoding> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        match n.as_str() {
            "utf-8" | "utf8" | "u8" | "utf" | "cp65001" | "ascii" | "us-ascii" | "646" => {
                Some(Encoding::Utf8)
            }
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819" | "l1"
            | "latin" => Some(Encoding::Latin1),
            _ => None,
        }
    }

    fn decode(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Encoding::Utf8 => bytes.to_vec(),
            Encoding::Latin1 => bytes
                .iter()
                .map(|&b| char::from(b))
                .collect::<String>()
                .into_bytes(),
        }
    }

    fn encode(self, text: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Encoding::Utf8 => Ok(text.to_vec()),
            Encoding::Latin1 => String::from_utf8_lossy(text)
                .chars()
                .map(|c| {
                    u8::try_from(u32::from(c))
                        .map_err(|_| format!("'latin-1' codec can't encode character '{c}'"))
                })
                .collect(),
        }
    }
}

async fn run(ctx: &ModuleContext<'_>, map: &Map) -> Result<TaskResult, TaskResult> {
    let args = Args::new(map);
    let path = textedit::expand_path(ctx, &args.req_str("path")?).await?;
    let regexp = args.req_str("regexp")?;
    let replace = args.str_or("replace", "")?;
    let enc_name = args.str_or("encoding", "utf-8")?;
    let encoding = Encoding::from_name(&enc_name).ok_or_else(|| {
        TaskResult::failed(format!(
            "encoding '{enc_name}' is not supported by drover (use utf-8, ascii or latin-1)"
        ))
    })?;
    let request = Request {
        regexp: &regexp,
        replace: &replace,
        after: args.str("after")?.filter(|s| !s.is_empty()),
        before: args.str("before")?.filter(|s| !s.is_empty()),
    };
    let st = files::read_state(ctx, &path).await?;
    if st.is_dir {
        return Err(fail_rc(256, format!("Path {path} is a directory !")));
    }
    if !st.exists {
        return Err(fail_rc(257, format!("Path {path} does not exist !")));
    }
    let raw = textedit::content_of(&st, &path)?;
    let text = encoding.decode(&raw);
    let (msg, content) = match edit(&text, &request).map_err(TaskResult::failed)? {
        Outcome::SectionNotFound(pattern) => {
            let mut r = TaskResult::ok().with("rc", 0);
            r.msg = Some(format!(
                "Pattern for before/after params did not match the given file: {pattern}"
            ));
            return Ok(r);
        }
        Outcome::Unchanged => (String::new(), raw.clone()),
        Outcome::Replaced(new, n) => (
            format!("{n} replacements made"),
            encoding.encode(&new).map_err(TaskResult::failed)?,
        ),
    };
    let edit = Edit {
        path: &path,
        state: &st,
        changed: !msg.is_empty(),
        content,
        msg,
        backup: args.bool("backup", false)?,
        validate: args.str("validate")?,
        attrs: FileAttrs::from_args(&args, &st)?,
        diff_header: path.clone(),
        diff_shape: textedit::DiffShape::ChangedContent,
        mode_preserve: args.mode("mode")? == Some(crate::args::ModeSpec::Preserve),
    };
    let mut result = textedit::apply(ctx, edit).await;
    if !result.failed {
        result.data.insert("rc".into(), 0.into());
    }
    Ok(files::warn_ignored_file_args(result, &args))
}

/// What the task asks for.
#[derive(Debug, Clone)]
pub(crate) struct Request<'a> {
    /// `regexp`.
    pub(crate) regexp: &'a str,
    /// `replace`: a Python replacement template.
    pub(crate) replace: &'a str,
    /// `after` (empty counts as not given, as in Ansible).
    pub(crate) after: Option<String>,
    /// `before`.
    pub(crate) before: Option<String>,
}

/// What [`edit`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `after`/`before` did not match; the pattern built from them.
    SectionNotFound(String),
    /// No match, or every replacement gave back the same text.
    Unchanged,
    /// The new text and the number of replacements.
    Replaced(Vec<u8>, usize),
}

/// Replaces in `text` (UTF-8 bytes) as Ansible's replace does: the section between `after` and
/// `before` (Python DOTALL; non-greedy when both are given) is searched on its own, with
/// MULTILINE, and the rest of the text is kept.
pub(crate) fn edit(text: &[u8], r: &Request<'_>) -> Result<Outcome, String> {
    let pattern = match (&r.after, &r.before) {
        (Some(a), Some(b)) => Some(format!("{a}(?P<subsection>.*?){b}")),
        (Some(a), None) => Some(format!("{a}(?P<subsection>.*)")),
        (None, Some(b)) => Some(format!("(?P<subsection>.*){b}")),
        (None, None) => None,
    };
    let (start, end) = match &pattern {
        None => (0, text.len()),
        Some(p) => {
            let dotall = Flags {
                dotall: true,
                ..Flags::default()
            };
            let section = Regex::new(p, Kind::Text, dotall).map_err(|e| e.to_string())?;
            let Some(m) = section.search(text) else {
                return Ok(Outcome::SectionNotFound(p.clone()));
            };
            section
                .group_index("subsection")
                .and_then(|i| m.span(i))
                .ok_or("the section pattern has no subsection group")?
        }
    };
    let multiline = Flags {
        multiline: true,
        ..Flags::default()
    };
    let re = Regex::new(r.regexp, Kind::Text, multiline).map_err(|e| e.to_string())?;
    let tpl = Template::parse(r.replace, &re)
        .map_err(|e| format!("Unable to process replace due to error: {e}"))?;
    let section = &text[start..end];
    let (new_section, n) = re.subn(&tpl, section, 0);
    if n == 0 || new_section == section {
        return Ok(Outcome::Unchanged);
    }
    let mut out = text[..start].to_vec();
    out.extend_from_slice(&new_section);
    out.extend_from_slice(&text[end..]);
    Ok(Outcome::Replaced(out, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(regexp: &'a str, replace: &'a str) -> Request<'a> {
        Request {
            regexp,
            replace,
            after: None,
            before: None,
        }
    }

    fn replaced(text: &str, r: &Request<'_>) -> (String, usize) {
        match edit(text.as_bytes(), r).unwrap() {
            Outcome::Replaced(b, n) => (String::from_utf8(b).unwrap(), n),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn multiline_and_groups() {
        assert_eq!(
            replaced("a=1\nb=2\n", &req(r"^(\w)=(\d)$", r"\2=\g<1>")),
            ("1=a\n2=b\n".into(), 2)
        );
        assert_eq!(replaced("abxd", &req("x*", "-")), ("-a-b--d-".into(), 5));
        assert_eq!(edit(b"abc", &req("z", "y")).unwrap(), Outcome::Unchanged);
        assert_eq!(edit(b"abc", &req("b", "b")).unwrap(), Outcome::Unchanged);
    }

    #[test]
    fn sections() {
        let r = Request {
            after: Some("START".into()),
            before: Some("END".into()),
            ..req("x", "y")
        };
        assert_eq!(
            replaced("x START x END x", &r),
            ("x START y END x".into(), 1)
        );
        let r = Request {
            after: Some("START".into()),
            ..req("^x", "y")
        };
        // The section is searched on its own: `^` matches at its start.
        assert_eq!(replaced("x\nSTARTx\nx", &r), ("x\nSTARTy\ny".into(), 2));
        let r = Request {
            before: Some("nomatch".into()),
            ..req("x", "y")
        };
        assert_eq!(
            edit(b"x", &r).unwrap(),
            Outcome::SectionNotFound("(?P<subsection>.*)nomatch".into())
        );
    }

    #[test]
    fn template_errors_are_reported() {
        let err = edit(b"a", &req("(a)", r"\2")).unwrap_err();
        assert_eq!(
            err,
            "Unable to process replace due to error: invalid group reference 2 at position 1"
        );
    }

    #[test]
    fn latin1_roundtrip() {
        let enc = Encoding::from_name("ISO-8859-1").unwrap();
        let text = enc.decode(b"caf\xe9\n");
        let out = match edit(&text, &req("é", "e")).unwrap() {
            Outcome::Replaced(b, _) => enc.encode(&b).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(out, b"cafe\n");
    }
}
