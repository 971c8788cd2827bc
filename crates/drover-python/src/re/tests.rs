use super::*;

/// A bytes pattern (as lineinfile compiles it), or a text one with MULTILINE (as replace does).
fn line() -> (Kind, Flags) {
    (Kind::Bytes, Flags::default())
}

fn multiline() -> (Kind, Flags) {
    (
        Kind::Text,
        Flags {
            multiline: true,
            ..Flags::default()
        },
    )
}

/// Patterns and the span Python's `re.search` gives (recorded with Python 3.11's `re`: bytes
/// patterns for `line`, text with MULTILINE for `multiline`, spans in UTF-8 bytes).
type RxCase = (
    fn() -> (Kind, Flags),
    &'static str,
    &'static [u8],
    Option<(usize, usize)>,
);

#[test]
#[rustfmt::skip]
fn translation_matches_python() {
    let cases: &[RxCase] = &[
        (line, r#"foo$"#, b"foo\x0a", Some((0, 3))),
        (line, r#"^foo\Z"#, b"foo", Some((0, 3))),
        (line, r#"^foo\Z"#, b"foo\x0a", None),
        (line, r#"a{"#, b"xa{y", Some((1, 3))),
        (line, r#"{foo}"#, b"a{foo}b", Some((1, 6))),
        (line, r#"x{,2}y"#, b"xxxy", Some((1, 4))),
        (line, r#"x{2,}"#, b"axxxb", Some((1, 4))),
        (line, r#"a{}"#, b"a{}", Some((0, 3))),
        (line, r#"[[]"#, b"a[b", Some((1, 2))),
        (line, r#"[]a]+"#, b"x]a]", Some((1, 4))),
        (line, r#"[^]a]"#, b"]ab", Some((2, 3))),
        (line, r#"\0"#, b"a\x00b", Some((1, 2))),
        (line, r#"\101"#, b"zA", Some((1, 2))),
        (line, r#"\x41"#, b"zA", Some((1, 2))),
        (line, r#"a(?#comment)b"#, b"ab", Some((0, 2))),
        (line, r#"\d+"#, b"x 42", Some((2, 4))),
        (line, r#"caf."#, b"caf\xc3\xa9", Some((0, 4))),
        (line, r#"\w+"#, b"caf\xc3\xa9", Some((0, 3))),
        (line, r#"(?i)FOO"#, b"xfoo", Some((1, 4))),
        (line, r#"a\-b\<\>"#, b"a-b<>", Some((0, 5))),
        (line, r#"(?P<n>x+)"#, b"axxb", Some((1, 3))),
        (line, r#"[a&&b]"#, b"&", Some((0, 1))),
        (line, r#"[~~]"#, b"~", Some((0, 1))),
        (line, r#"a]"#, b"a]", Some((0, 2))),
        (line, r#"x}"#, b"x}", Some((0, 2))),
        (line, r#"\s+$"#, b"a  \x0a", Some((1, 4))),
        (line, r#"[\b]"#, b"a\x08", Some((1, 2))),
        (line, r#"\bfoo\b"#, b"a foo b", Some((2, 5))),
        (line, r#"(?x) a b # c"#, b"ab", Some((0, 2))),
        (line, r#"(?s)."#, b"\x0a", Some((0, 1))),
        (line, r#"^\s*#"#, b"  # c", Some((0, 3))),
        (line, "é", b"caf\xc3\xa9", Some((3, 5))),
        (line, "[é]", b"\xa9", Some((0, 1))),
        (line, r#"(?a)\w"#, b"x", Some((0, 1))),
        (line, r#"\$\{HOME\}"#, b"${HOME}", Some((0, 7))),
        (line, r#"(?m)^b$"#, b"a\x0ab\x0ac", Some((2, 3))),
        (line, r#"a|b$"#, b"b\x0a", Some((0, 1))),
        (line, r#".*"#, b"ab\x0a", Some((0, 2))),
        (multiline, r#"\w+"#, b"caf\xc3\xa9 ok", Some((0, 5))),
        (multiline, r#"^b$"#, b"a\x0ab\x0ac", Some((2, 3))),
        (multiline, r#"\d"#, b"\xd9\xa3", Some((0, 2))),
        (multiline, "é+", b"\xc3\xa9\xc3\xa9", Some((0, 4))),
        (multiline, "[à-ÿ]+", b"x\xc3\xa9y", Some((1, 3))),
        (multiline, r#"(?a)\w+"#, b"\xc3\xa9a", Some((2, 3))),
        (multiline, r#"\u00e9"#, b"\xc3\xa9", Some((0, 2))),
        (multiline, r#"\U000000e9"#, b"\xc3\xa9", Some((0, 2))),
        (multiline, r#"\Z"#, b"a\x0a", Some((2, 2))),
        (multiline, r#"$"#, b"a\x0a", Some((1, 1))),
        (multiline, r#"(?s)a.b"#, b"a\x0ab", Some((0, 3))),
        (multiline, r#"a.b"#, b"a\x0ab", None),
        (multiline, r#"(a){00}b|(c)"#, b"xc", Some((1, 2))),
        (line, r#"\bfoo(?=\d)"#, b"a foo1", Some((2, 5))),
        (line, r#"(?!x)\B"#, b"", None),
        (line, r#"(?!x)\B"#, b"ab", Some((1, 1))),
        (multiline, r#"(?=\w)\b\w+"#, "²é x".as_bytes(), Some((0, 4))),
        (multiline, r#"x\b(?!y)"#, "x\u{301}".as_bytes(), Some((0, 1))),
    ];
    for (how, pattern, hay, want) in cases {
        let (kind, flags) = how();
        let re = Regex::new(pattern, kind, flags).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let got = re.search(hay).map(|m| (m.start(), m.end()));
        let t = translate::translate(pattern, kind, flags, translate::Target::Plain).unwrap();
        assert_eq!(got, *want, "{pattern:?} on {hay:?} ({})", t.lines);
    }
}

#[test]
fn python_errors_are_named() {
    for (pattern, what) in [
        (r"(a)\2", "invalid group reference 2 at position 4"),
        (r"(a\1)", "cannot refer to an open group at position 2"),
        ("(?P<x>a)(?P=y)", "unknown group name 'y' at position 12"),
        (
            "(?P<x>a)(?P<x>b)",
            "redefinition of group name 'x' as group 2; was group 1 at position 12",
        ),
        ("(?<=a|bc)d", "look-behind requires fixed-width pattern"),
        ("(?<=a+)d", "look-behind requires fixed-width pattern"),
        (
            "(a)(?(1)b|c|d)",
            "conditional backref with more than two branches at position 11",
        ),
        ("(?(2)a|b)", "invalid group reference 2 at position 3"),
        ("(?(0)a|b)", "bad group number at position 3"),
        (r"\q", "bad escape"),
        ("a(?i)", "global flags not at the start"),
        ("**", "nothing to repeat"),
        ("a**", "multiple repeat"),
        ("(a", "missing ), unterminated subpattern"),
    ] {
        let err = Regex::new(pattern, Kind::Bytes, Flags::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(what), "{pattern}: {err}");
        assert!(err.starts_with("cannot use regular expression"), "{err}");
    }
    let re = Regex::new("(a){0,00}(b)", Kind::Text, Flags::default()).unwrap();
    assert_eq!(re.groups(), 2);
    assert_eq!(re.search(b"b").and_then(|m| m.span(2)), Some((0, 1)));
    let re = Regex::new("(?i)(?m)x", Kind::Text, Flags::default()).unwrap();
    assert!(re.flags().ignorecase && re.flags().multiline && !re.flags().dotall);
}

fn expand(pattern: &str, template: &str, hay: &str) -> Result<String, TemplateError> {
    let (kind, flags) = multiline();
    let re = Regex::new(pattern, kind, flags).unwrap();
    let tpl = Template::parse(template, &re)?;
    let (out, _) = re.subn(&tpl, hay.as_bytes(), 0);
    Ok(String::from_utf8(out).unwrap())
}

/// Expected values from Python 3.11's `re.sub`.
#[test]
fn templates_follow_python() {
    assert_eq!(expand("(a)", r"\1\g<0>\g<1>", "a").unwrap(), "aaa");
    assert_eq!(expand("(a)(b)?", r"[\2]", "a").unwrap(), "[]");
    assert_eq!(expand("(a)", r"\-\%\n\0\101", "a").unwrap(), "\\-\\%\n\0A");
    assert_eq!(expand("(?P<w>a)", r"<\g<w>>", "a").unwrap(), "<a>");
    let err = |t: &str| expand("(a)", t, "a").unwrap_err().to_string();
    assert_eq!(err(r"\2"), "invalid group reference 2 at position 1");
    assert_eq!(err(r"\q"), "bad escape \\q at position 0");
    assert_eq!(err("\\"), "bad escape (end of pattern) at position 0");
    assert_eq!(err(r"\g<x>"), "unknown group name 'x'");
    assert_eq!(expand("x*", "-", "abxd").unwrap(), "-a-b--d-");
    assert_eq!(expand("^", ">", "a\nb\n").unwrap(), ">a\n>b\n>");
    assert_eq!(expand("$", "<", "a\nb\n").unwrap(), "a<\nb<\n<");
    assert_eq!(expand("", "-", "é").unwrap(), "-é-");
}

#[test]
fn counts_and_escape() {
    let re = Regex::new("a", Kind::Text, Flags::default()).unwrap();
    let tpl = Template::parse("b", &re).unwrap();
    assert_eq!(re.subn(&tpl, b"aaa", 2), (b"bba".to_vec(), 2));
    assert_eq!(escape("a.b c-d_é"), "a\\.b\\ c\\-d_é");
}

/// Random strings of metacharacters: compiling never panics, and neither does searching with
/// what compiles (Python's errors or a match, nothing else).
#[test]
fn metacharacter_soup_never_panics() {
    const ALPHABET: &[u8] = b"()[]{}?*+|\\^$.<>=!:P1a2b-,#xg";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 14) as usize;
        let pattern: String = (0..len)
            .map(|_| char::from(ALPHABET[(next() % ALPHABET.len() as u64) as usize]))
            .collect();
        for kind in [Kind::Text, Kind::Bytes] {
            if let Ok(re) = Regex::new(&pattern, kind, Flags::default()) {
                for hay in [&b""[..], b"a1b", b"((a)):\n<x>\n"] {
                    let _ = re.finditer(hay).count();
                }
            }
        }
    }
}
