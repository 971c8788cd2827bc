//! The case generator of the file-module differential test: from a seed, a list of cases, each
//! one task of `lineinfile`, `blockinfile`, `replace`, `copy`, `template`, `file` or `stat`
//! (some in a loop) working in its own directory `{{ out }}/cNNN/` on a starting tree drawn
//! from a pool (no file, empty, no trailing newline, CRLF, duplicate lines, block markers,
//! unicode, a directory or a symlink in the way, various modes).
//!
//! Every argument value is one ansible-core and drover both accept when the playbook is loaded
//! (drover refuses bad arguments before the run, so one would stop all cases); mutually
//! exclusive arguments are never drawn together.

use serde_json::{Map, Value, json};

/// A deterministic pseudo-random source (splitmix64), so a seed names one set of cases.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Something the test puts under a case's directory before the first run.
pub(super) enum Start {
    File {
        rel: String,
        data: Vec<u8>,
        mode: u32,
    },
    Dir {
        rel: String,
        mode: u32,
    },
    Symlink {
        rel: String,
        target: String,
    },
}

/// One generated task.
pub(super) struct Case {
    /// `c000`, `c001`...: the task's name, its directory under `out` and its register.
    pub(super) id: String,
    /// The module it runs, for the report.
    pub(super) module: &'static str,
    /// The module's arguments.
    pub(super) args: Value,
    /// `loop:` items, when the case is a loop.
    pub(super) items: Option<Vec<Value>>,
    /// An extra `when:` condition (only for loops: `item` tests).
    pub(super) when: Option<String>,
    /// What is under the case's directory before the first run.
    pub(super) start: Vec<Start>,
}

/// Files every case can use as `copy` and `template` sources (`files/` and `templates/`).
pub(super) const PROJECT_FILES: &[(&str, &str)] = &[
    ("files/plain.txt", "plain\ncontent\n"),
    ("files/noeol.txt", "no newline at end"),
    ("files/unicode.txt", "ünïcödé ✓\n"),
    ("files/tree/a.txt", "tree a\n"),
    ("files/tree/sub/b.txt", "tree b\n"),
    (
        "templates/loop.j2",
        "{% for i in range(3) %}\n    item {{ i }}\n{% endfor %}\nend\n",
    ),
    (
        "templates/if.j2",
        "start\n  {% if true %}\n  yes\n  {% else %}\n  no\n  {% endif %}\nstop\n",
    ),
    (
        "templates/crlf.j2",
        "line one\r\nvalue={{ 'x' | upper }}\r\n",
    ),
    ("templates/noeol.j2", "{{ [1, 2] | join(',') }}"),
    (
        "templates/ws.j2",
        "a\n{%- if true %}\nb\n{%+ if true %}c{% endif %}\n{% endif -%}\nd\n",
    ),
];

/// Starting contents of the file a text module edits (`None`: no file).
const TEXTS: &[Option<&str>] = &[
    None,
    Some(""),
    Some("a=1\nb=2\nc=3\n"),
    Some("a=1\nb=2"),
    Some("a=1\r\nb=2\r\n"),
    Some("x=1\nkey=old\nx=1\nkey=old2\n"),
    Some("top\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nbottom\n"),
    Some("héllo=wörld\nΣ=1\n"),
    Some("\n\n"),
    Some("a=1\n<!-- BEGIN CUSTOM -->\nx\n<!-- END CUSTOM -->\n"),
];

const MODES: &[u32] = &[0o644, 0o600, 0o755, 0o640];

/// Generates `count` cases from `seed`.
pub(super) fn cases(seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|n| {
            let id = format!("c{n:03}");
            let kind = rng.below(16);
            let mut case = match kind {
                0..=3 => lineinfile(&mut rng, &id),
                4..=5 => blockinfile(&mut rng, &id),
                6..=7 => replace(&mut rng, &id),
                8..=9 => copy(&mut rng, &id),
                10 => template(&mut rng, &id),
                11..=13 => file(&mut rng, &id),
                14 => stat(&mut rng, &id),
                _ => looped(&mut rng, &id),
            };
            case.id = id;
            case
        })
        .collect()
}

fn path(id: &str, name: &str) -> String {
    format!("{{{{ out }}}}/{id}/{name}")
}

fn new_case(module: &'static str, args: Map<String, Value>, start: Vec<Start>) -> Case {
    Case {
        id: String::new(),
        module,
        args: Value::Object(args),
        items: None,
        when: None,
        start,
    }
}

/// The starting state of `{{ out }}/<id>/f` for a text module: a text (or none), sometimes a
/// directory or a symlink in its place.
fn text_start(rng: &mut Rng, id: &str) -> Vec<Start> {
    let rel = |name: &str| format!("{id}/{name}");
    let mut start = vec![Start::Dir {
        rel: id.to_owned(),
        mode: 0o755,
    }];
    match rng.below(12) {
        0 => start.push(Start::Dir {
            rel: rel("f"),
            mode: 0o755,
        }),
        1 => {
            start.push(Start::File {
                rel: rel("target"),
                data: b"a=1\nb=2\n".to_vec(),
                mode: 0o644,
            });
            start.push(Start::Symlink {
                rel: rel("f"),
                target: "target".to_owned(),
            });
        }
        _ => {
            if let Some(text) = rng.pick(TEXTS) {
                start.push(Start::File {
                    rel: rel("f"),
                    data: text.as_bytes().to_vec(),
                    mode: *rng.pick(MODES),
                });
            }
        }
    }
    start
}

fn maybe_mode(rng: &mut Rng, args: &mut Map<String, Value>) {
    if rng.chance(25) {
        let mode = *rng.pick(&["0600", "0640", "0755", "u=rw,g=r,o=", "preserve"]);
        args.insert("mode".into(), mode.into());
    }
}

/// `insertafter` (one time in four), `insertbefore` (as often, never both) or neither.
fn insert_position(rng: &mut Rng, a: &mut Map<String, Value>, after: &[&str], before: &[&str]) {
    match rng.below(4) {
        1 => {
            a.insert("insertafter".into(), (*rng.pick(after)).into());
        }
        2 => {
            a.insert("insertbefore".into(), (*rng.pick(before)).into());
        }
        _ => {}
    }
}

fn lineinfile(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    a.insert("path".into(), path(id, "f").into());
    let absent = rng.chance(20);
    let matcher = rng.below(3);
    let regexps = [
        "^key=",
        "^a=",
        "^x=",
        "^nomatch",
        "=1$",
        "^(a)=(\\d+)$",
        "^b",
        "ö",
        "^$",
    ];
    let searches = ["key=old", "a=1", "nomatch", "b=2", "x=1"];
    match matcher {
        1 => {
            a.insert("regexp".into(), (*rng.pick(&regexps)).into());
        }
        2 => {
            a.insert("search_string".into(), (*rng.pick(&searches)).into());
        }
        _ => {}
    }
    let lines = [
        "key=new",
        "a=1",
        "x=1",
        "b=2",
        "",
        "héllo=wörld",
        "with  spaces",
        "  indented",
        "\\1=\\2",
    ];
    if absent {
        a.insert("state".into(), "absent".into());
        if matcher == 0 || rng.chance(30) {
            a.insert("line".into(), (*rng.pick(&lines)).into());
        }
    } else {
        a.insert("line".into(), (*rng.pick(&lines)).into());
        if matcher == 1 && rng.chance(30) {
            a.insert("backrefs".into(), true.into());
        }
        insert_position(
            rng,
            &mut a,
            &["EOF", "^a=", "^x=", "nomatch", "^b"],
            &["BOF", "^b=", "^x=", "nomatch", "^key"],
        );
        if rng.chance(25) {
            a.insert("firstmatch".into(), true.into());
        }
        if rng.chance(40) {
            a.insert("create".into(), true.into());
        }
    }
    maybe_mode(rng, &mut a);
    new_case("lineinfile", a, text_start(rng, id))
}

fn blockinfile(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    a.insert("path".into(), path(id, "f").into());
    if rng.chance(20) {
        a.insert("state".into(), "absent".into());
    } else {
        let blocks = ["one\ntwo", "", "single", "x=1\n", "ünï\nline", "old"];
        a.insert("block".into(), (*rng.pick(&blocks)).into());
    }
    match rng.below(4) {
        1 => {
            a.insert("marker".into(), "# {mark} CUSTOM".into());
        }
        2 => {
            a.insert("marker".into(), "<!-- {mark} CUSTOM -->".into());
        }
        3 => {
            a.insert("marker_begin".into(), "START".into());
            a.insert("marker_end".into(), "STOP".into());
        }
        _ => {}
    }
    insert_position(
        rng,
        &mut a,
        &["EOF", "^a=", "nomatch", "^top"],
        &["BOF", "^b=", "nomatch", "^bottom"],
    );
    if rng.chance(40) {
        a.insert("create".into(), true.into());
    }
    if rng.chance(15) {
        a.insert("append_newline".into(), true.into());
    }
    if rng.chance(15) {
        a.insert("prepend_newline".into(), true.into());
    }
    maybe_mode(rng, &mut a);
    new_case("blockinfile", a, text_start(rng, id))
}

fn replace(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    a.insert("path".into(), path(id, "f").into());
    let regexps = [
        "^a=(.*)$",
        "=",
        "old",
        "nomatch",
        "(?m)^x",
        "\\r$",
        "ö",
        "^(\\w+)=(\\d)$",
        "$",
        "\\n",
    ];
    a.insert("regexp".into(), (*rng.pick(&regexps)).into());
    if rng.chance(85) {
        let replaces = ["A=\\1", "==", "", "new", "\\2:\\1", "é"];
        a.insert("replace".into(), (*rng.pick(&replaces)).into());
    }
    if rng.chance(25) {
        a.insert(
            "after".into(),
            (*rng.pick(&["^b", "x=1", "nomatch", "="])).into(),
        );
    }
    if rng.chance(25) {
        a.insert(
            "before".into(),
            (*rng.pick(&["^c", "key", "nomatch", "BEGIN"])).into(),
        );
    }
    maybe_mode(rng, &mut a);
    new_case("replace", a, text_start(rng, id))
}

fn copy(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    let mut start = text_start(rng, id);
    if rng.chance(60) {
        let contents = ["a=1\nb=2\nc=3\n", "", "no newline", "ünï\r\n", "a=1\nb=2"];
        a.insert("content".into(), (*rng.pick(&contents)).into());
    } else {
        let srcs = ["plain.txt", "noeol.txt", "unicode.txt", "tree/", "tree"];
        a.insert("src".into(), (*rng.pick(&srcs)).into());
    }
    let dest = if rng.chance(20) {
        start.push(Start::Dir {
            rel: format!("{id}/d"),
            mode: 0o755,
        });
        format!("{}/", path(id, "d"))
    } else {
        path(id, "f")
    };
    a.insert("dest".into(), dest.into());
    if rng.chance(25) {
        a.insert("force".into(), false.into());
    }
    if rng.chance(15) {
        a.insert("directory_mode".into(), "0750".into());
    }
    maybe_mode(rng, &mut a);
    new_case("copy", a, start)
}

fn template(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    let srcs = ["loop.j2", "if.j2", "crlf.j2", "noeol.j2", "ws.j2"];
    a.insert("src".into(), (*rng.pick(&srcs)).into());
    a.insert("dest".into(), path(id, "f").into());
    if rng.chance(40) {
        a.insert("trim_blocks".into(), rng.chance(50).into());
    }
    if rng.chance(40) {
        a.insert("lstrip_blocks".into(), rng.chance(50).into());
    }
    if rng.chance(30) {
        a.insert(
            "newline_sequence".into(),
            (*rng.pick(&["\n", "\r\n", "\r"])).into(),
        );
    }
    if rng.chance(20) {
        a.insert("force".into(), false.into());
    }
    maybe_mode(rng, &mut a);
    new_case("template", a, text_start(rng, id))
}

fn file(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    let mut start = text_start(rng, id);
    if rng.chance(30) {
        // A small tree, for recurse and for directories in the way.
        start.push(Start::Dir {
            rel: format!("{id}/t"),
            mode: 0o700,
        });
        start.push(Start::File {
            rel: format!("{id}/t/inner"),
            data: b"inner\n".to_vec(),
            mode: 0o600,
        });
    }
    let name = if rng.chance(25) { "t" } else { "f" };
    a.insert("path".into(), path(id, name).into());
    let state = *rng.pick(&["file", "directory", "touch", "absent", "link", "hard"]);
    a.insert("state".into(), state.into());
    match state {
        "link" | "hard" => {
            start.push(Start::File {
                rel: format!("{id}/src"),
                data: b"source\n".to_vec(),
                mode: 0o644,
            });
            let src = match rng.below(4) {
                0 => path(id, "src"),
                1 => "src".to_owned(),
                2 => path(id, "missing"),
                _ => "t".to_owned(),
            };
            a.insert("src".into(), src.into());
            if rng.chance(30) {
                a.insert("force".into(), true.into());
            }
        }
        "directory" if rng.chance(40) => {
            a.insert("recurse".into(), true.into());
        }
        _ => {}
    }
    if state != "absent" && state != "link" && rng.chance(50) {
        let mode = *rng.pick(&["0600", "0750", "0644", "u+x", "go-rwx", "u=rwX,g=rX,o="]);
        a.insert("mode".into(), mode.into());
    }
    new_case("file", a, start)
}

fn stat(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    a.insert("path".into(), path(id, "f").into());
    if rng.chance(30) {
        a.insert("get_checksum".into(), false.into());
    }
    if rng.chance(30) {
        a.insert("follow".into(), true.into());
    }
    if rng.chance(20) {
        a.insert("checksum_algorithm".into(), "sha256".into());
    }
    new_case("stat", a, text_start(rng, id))
}

/// A loop of `lineinfile`, `blockinfile`, `replace`, `file` or `stat` over a few items, some
/// skipped by a `when` on the item.
fn looped(rng: &mut Rng, id: &str) -> Case {
    let mut a = Map::new();
    let module = *rng.pick(&["lineinfile", "blockinfile", "replace", "file", "stat"]);
    match module {
        "lineinfile" => {
            a.insert("path".into(), path(id, "f").into());
            a.insert("line".into(), "{{ item }}".into());
            if rng.chance(50) {
                a.insert("create".into(), true.into());
            }
        }
        "blockinfile" => {
            a.insert("path".into(), path(id, "f").into());
            a.insert("block".into(), "{{ item }}".into());
            a.insert("marker".into(), "# {mark} {{ item }}".into());
        }
        "replace" => {
            a.insert("path".into(), path(id, "f").into());
            a.insert("regexp".into(), "{{ item }}".into());
            a.insert("replace".into(), "X".into());
        }
        "file" => {
            a.insert("path".into(), path(id, "{{ item }}").into());
            let state = *rng.pick(&["touch", "directory", "absent", "file"]);
            a.insert("state".into(), state.into());
        }
        _ => {
            a.insert("path".into(), path(id, "{{ item }}").into());
            a.insert("get_checksum".into(), rng.chance(50).into());
        }
    }
    let mut case = new_case(module, a, text_start(rng, id));
    case.items = Some(vec![json!("a=1"), json!("n=2"), json!("f")]);
    if rng.chance(60) {
        let when = ["item != 'n=2'", "item != 'a=1'", "item == 'none'"];
        case.when = Some((*rng.pick(&when)).to_owned());
    }
    case
}
