//! The `stat` module: everything about one path, in one round trip.
//!
//! The script prints NUL-separated `key value` pairs (so paths with newlines survive): the
//! `stat -c` fields, access checks, link target and source, checksum and MIME type.

use crate::args::{Args, format_mode};
use crate::files::{run, safe_path};
use async_trait::async_trait;
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Map, Module, ModuleContext, TaskResult, Value,
    shell_quote,
};
use std::collections::HashMap;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("path", ArgKind::Path)
            .required()
            .aliases(&["dest", "name"]),
        ArgSpecEntry::new("follow", ArgKind::Bool).default(ArgDefault::Bool(false)),
        ArgSpecEntry::new("get_checksum", ArgKind::Bool).default(ArgDefault::Bool(true)),
        ArgSpecEntry::new("checksum_algorithm", ArgKind::Str)
            .aliases(&["checksum", "checksum_algo"])
            .choices(&["md5", "sha1", "sha224", "sha256", "sha384", "sha512"])
            .default(ArgDefault::Str("sha1")),
        ArgSpecEntry::new("get_mime", ArgKind::Bool)
            .aliases(&["mime", "mime_type", "mime-type"])
            .default(ArgDefault::Bool(true)),
        ArgSpecEntry::new("get_attributes", ArgKind::Bool)
            .aliases(&["attr", "attributes"])
            .default(ArgDefault::Bool(true)),
        ArgSpecEntry::new("get_md5", ArgKind::Bool),
    ],
    free_form: false,
    any_args: false,
};

/// `stat`: reports on a path without changing anything.
pub(crate) struct Stat;

#[async_trait]
impl Module for Stat {
    fn name(&self) -> &'static str {
        "stat"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        run_stat(ctx, args).await.unwrap_or_else(|e| e)
    }
    fn invocation(&self, args: &Map, _result: &TaskResult) -> Option<Map> {
        let mut module_args = crate::args::module_args(&SPEC, args);
        // ansible-core 2.19's stat no longer has it; drover accepts it for older playbooks.
        module_args.remove("get_md5");
        Some(module_args)
    }
}

// `%o` is st_blksize, what Python's `os.stat` calls the block size; `%B` is the unit of `%b`.
const FIELDS: &str = "%f %u %g %s %U %G %i %d %h %b %o %t %T";

fn script(path: &str, follow: bool, checksum: Option<&str>, mime: bool, attrs: bool) -> String {
    let l = if follow { "-L " } else { "" };
    let mut s = format!(
        "set -f; p={p}
if [ -e \"$p\" ] || [ -L \"$p\" ]; then :; else printf 'absent'; exit 0; fi
f(){{ printf '%s\\000%s\\000' \"$1\" \"$2\"; }}
s=$(stat {l}-c '{FIELDS} %.9X %.9Y %.9Z' -- \"$p\" 2>/dev/null) || s=$(stat {l}-c '{FIELDS} %X %Y %Z' -- \"$p\") || exit 1
f stat \"$s\"
[ -r \"$p\" ] && f readable 1
[ -w \"$p\" ] && f writeable 1
[ -x \"$p\" ] && f executable 1
if [ -L \"$p\" ] && [ {follow} = 0 ]; then f lnk_target \"$(readlink -- \"$p\")\"; f lnk_source \"$(readlink -f -- \"$p\")\"; fi
",
        p = shell_quote(&safe_path(path)),
        follow = u8::from(follow),
    );
    if let Some(alg) = checksum {
        // The algorithm is one of the fixed choices, never user text.
        s.push_str(&format!(
            "if [ -f \"$p\" ] && [ -r \"$p\" ] && {{ {follow_ok}; }}; then c=$({alg}sum < \"$p\") && f checksum \"${{c%% *}}\"; fi\n",
            follow_ok = if follow { "true" } else { "[ ! -L \"$p\" ]" },
        ));
    }
    if mime {
        s.push_str(
            "if command -v file >/dev/null 2>&1; then f mime \"$(file -b --mime-type --mime-encoding -- \"$p\" 2>/dev/null)\"; fi\n",
        );
    }
    if attrs {
        s.push_str(
            "if command -v lsattr >/dev/null 2>&1; then a=$(lsattr -vd -- \"$p\" 2>/dev/null) && f lsattr \"$a\"; fi\n",
        );
    }
    s.push_str("exit 0\n");
    s
}

fn parse_pairs(out: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut parts = out.split(|&b| b == 0);
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        map.insert(
            String::from_utf8_lossy(k).into_owned(),
            String::from_utf8_lossy(v).into_owned(),
        );
    }
    map
}

fn number(s: &str) -> Value {
    if let Ok(i) = s.parse::<i64>() {
        Value::from(i)
    } else if let Ok(f) = s.parse::<f64>() {
        Value::from(f)
    } else {
        Value::Null
    }
}

async fn run_stat(ctx: &ModuleContext<'_>, args: &Map) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let path = crate::textedit::expand_path(ctx, &a.req_str("path")?).await?;
    let follow = a.bool("follow", false)?;
    let alg = a.choice(
        "checksum_algorithm",
        &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
        "sha1",
    )?;
    let checksum = a.bool("get_checksum", true)?.then_some(alg.as_str());
    let mime = a.bool("get_mime", true)?;
    let get_attrs = a.bool("get_attributes", true)?;
    let out = run(ctx, &script(&path, follow, checksum, mime, get_attrs), None).await?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not stat `{path}`: {}",
            out.stderr_text().trim()
        )));
    }
    let mut st = Map::new();
    if out.stdout == b"absent" {
        st.insert("exists".into(), false.into());
        return Ok(TaskResult::ok().with("stat", st));
    }
    let pairs = parse_pairs(&out.stdout);
    let fields: Vec<&str> = pairs
        .get("stat")
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    let [
        raw,
        uid,
        gid,
        size,
        owner,
        group,
        inode,
        dev,
        nlink,
        blocks,
        bsize,
        major,
        minor,
        atime,
        mtime,
        ctime,
    ] = fields[..]
    else {
        return Err(TaskResult::failed(format!(
            "could not stat `{path}`: unexpected output"
        )));
    };
    let raw = u32::from_str_radix(raw, 16).unwrap_or(0);
    let kind = raw & 0o170000;
    let mode = raw & 0o7777;
    let flag = |name: &str| pairs.contains_key(name);
    let mut put = |k: &str, v: Value| {
        st.insert(k.to_owned(), v);
    };
    put("exists", true.into());
    put("path", path.clone().into());
    put("mode", format_mode(mode).into());
    put("isdir", (kind == 0o040000).into());
    put("ischr", (kind == 0o020000).into());
    put("isblk", (kind == 0o060000).into());
    put("isreg", (kind == 0o100000).into());
    put("isfifo", (kind == 0o010000).into());
    put("islnk", (kind == 0o120000).into());
    put("issock", (kind == 0o140000).into());
    put("uid", number(uid));
    put("gid", number(gid));
    put("size", number(size));
    put("inode", number(inode));
    put("dev", number(dev));
    put("nlink", number(nlink));
    put("atime", number(atime));
    put("mtime", number(mtime));
    put("ctime", number(ctime));
    for (i, who) in ["usr", "grp", "oth"].iter().enumerate() {
        let shift = 6 - 3 * i as u32;
        put(&format!("r{who}"), (mode >> shift & 4 != 0).into());
        put(&format!("w{who}"), (mode >> shift & 2 != 0).into());
        put(&format!("x{who}"), (mode >> shift & 1 != 0).into());
    }
    put("isuid", (mode & 0o4000 != 0).into());
    put("isgid", (mode & 0o2000 != 0).into());
    put("blocks", number(blocks));
    put("block_size", number(bsize));
    let major = u64::from_str_radix(major, 16).unwrap_or(0);
    let minor = u64::from_str_radix(minor, 16).unwrap_or(0);
    let rdev = ((major & 0xffff_f000) << 32)
        | ((major & 0xfff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0xff);
    put("device_type", rdev.into());
    put("readable", flag("readable").into());
    put("writeable", flag("writeable").into());
    put("executable", flag("executable").into());
    put("pw_name", (*owner).into());
    put("gr_name", (*group).into());
    if let Some(t) = pairs.get("lnk_target") {
        put("lnk_target", t.clone().into());
        put(
            "lnk_source",
            pairs.get("lnk_source").cloned().unwrap_or_default().into(),
        );
    }
    if let Some(c) = pairs.get("checksum") {
        put("checksum", c.clone().into());
    }
    if mime {
        // `text/plain; charset=us-ascii`, or `unknown` when `file` is missing or fails.
        let (mut mimetype, mut charset) = ("unknown".to_owned(), "unknown".to_owned());
        if let Some((t, c)) = pairs.get("mime").and_then(|m| m.split_once(';')) {
            mimetype = t.trim().to_owned();
            charset = c.split_once('=').map_or(c, |(_, v)| v).trim().to_owned();
        }
        put("mimetype", mimetype.into());
        put("charset", charset.into());
    }
    if get_attrs {
        // `lsattr -vd`: `VERSION FLAGS PATH`.
        let mut words = pairs
            .get("lsattr")
            .map(|l| l.split_whitespace())
            .into_iter()
            .flatten();
        let version = words
            .next()
            .map(|v| Value::from(v.to_owned()))
            .unwrap_or(Value::Null);
        let flags: String = words
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| *c != '-')
            .collect();
        let names: Vec<Value> = flags
            .chars()
            .filter_map(attribute_name)
            .map(Value::from)
            .collect();
        put("version", version);
        put("attributes", names.into());
        put("attr_flags", flags.into());
    }
    Ok(TaskResult::ok().with("stat", st))
}

/// The name Ansible gives an `lsattr` flag.
fn attribute_name(flag: char) -> Option<&'static str> {
    Some(match flag {
        'A' => "noatime",
        'a' => "append",
        'c' => "compressed",
        'C' => "nocow",
        'd' => "nodump",
        'D' => "dirsync",
        'e' => "extents",
        'E' => "encrypted",
        'h' => "blocksize",
        'i' => "immutable",
        'I' => "indexed",
        'j' => "journalled",
        'N' => "inline",
        's' => "zero",
        'S' => "synchronous",
        't' => "notail",
        'T' => "blockroot",
        'u' => "undelete",
        'X' => "compressedraw",
        'Z' => "compresseddirty",
        _ => return None,
    })
}
