//! Python's `re` on Rust's `regex` and `fancy-regex`: one translator for every place drover
//! takes a Python pattern (the `regex_*` filters and tests, `lineinfile`, `blockinfile`,
//! `replace`, host patterns), the replacement syntax of `re.sub` ([`Template`]), `re.sub`/
//! `re.finditer`'s walk over matches (empty matches included, and Python's retry for a non-empty
//! match where an empty one was found) and `re.escape`.
//!
//! A [`Regex`] is compiled from a pattern, its [`Kind`] (a `str` pattern, or a `bytes` one as
//! Ansible's line modules use) and the [`Flags`] given to `re.compile`. Haystacks are bytes: a
//! text pattern searches UTF-8 and its matches never split a character.
//!
//! Two engines: `regex` (linear, fast) runs every pattern it can say exactly; `fancy-regex`
//! (backtracking, like Python's `sre`) runs look-around, backreferences, conditionals, atomic
//! groups and possessive quantifiers, and the patterns whose `$` (outside MULTILINE) or `\b`
//! (in a `str` pattern) `regex` spells exactly only on some haystacks: those run on `regex`
//! for the haystacks where it is exact and on `fancy-regex` for the others.
//!
//! The known differences:
//! - `(?(1)...)` inside group 1, `\N{...}` and the `L` flag are refused ([`Unsupported`]);
//! - IGNORECASE folds case by Unicode's simple folding, also under ASCII (where Python folds
//!   ASCII letters only);
//! - a repeated group that can match the empty string (`(a|)*`, `(x?)+`) may stop on a
//!   different iteration than Python's, which changes the group's span and sometimes the match;
//! - a pathological pattern backtracks as long as it does under Python (no limit, so no search
//!   gives up and wrongly finds nothing).

mod template;
mod translate;

use std::sync::OnceLock;
use translate::Target;

pub use template::{Template, TemplateError};

/// Whether a pattern is a `str` pattern or a `bytes` one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `str` pattern: Unicode classes, matches on whole characters.
    Text,
    /// A `bytes` pattern (the UTF-8 of the given text): ASCII classes, matches on bytes.
    Bytes,
}

/// The flags given to `re.compile` (`re.I`, `re.M`, `re.S`, `re.X`, `re.A`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `re.IGNORECASE`.
    pub ignorecase: bool,
    /// `re.MULTILINE`: `^` and `$` at every line.
    pub multiline: bool,
    /// `re.DOTALL`: `.` matches a newline too.
    pub dotall: bool,
    /// `re.VERBOSE`: whitespace and `#` comments in the pattern are ignored.
    pub verbose: bool,
    /// `re.ASCII`: `\w`, `\d`, `\s`, `\b` are ASCII-only in a text pattern.
    pub ascii: bool,
}

/// Which of Python's entry points a [`Regex`] answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `re.search`: a match anywhere.
    Search,
    /// `re.match`: a match at the start.
    Match,
    /// `re.fullmatch`: a match of the whole haystack.
    FullMatch,
}

/// A pattern drover cannot use: the pattern and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot use regular expression '{pattern}': {reason}")]
pub struct Error {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: Reason,
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// Python would refuse it too (`re.error`), with this message.
    #[error("{message} at position {position}")]
    Syntax {
        /// Python's message.
        message: String,
        /// Where, in characters (bytes for a bytes pattern).
        position: usize,
    },
    /// Python refuses it when it compiles the parsed pattern (`re.error` without a position,
    /// as "look-behind requires fixed-width pattern").
    #[error("{0}")]
    Compile(String),
    /// Valid Python that drover cannot express.
    #[error("{0} (drover uses Rust's regex engines)")]
    Unsupported(Unsupported),
    /// The engine refused the translation (a size limit, a repeat count too large...).
    #[error("{0}")]
    Engine(String),
}

/// Python features drover does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    /// `\N{NAME}`.
    #[error("\\N{{...}} escapes are not supported")]
    NamedEscape,
    /// `(?L)`.
    #[error("the L (locale) flag is not supported")]
    Locale,
    /// `(?(1)...)` inside group 1 (whether it "matched" depends on the engine's bookkeeping).
    #[error("a conditional on a group that encloses it is not supported")]
    EnclosingConditional,
    /// `\ud800`: a lone surrogate.
    #[error("surrogate code points are not supported")]
    Surrogate,
}

/// A compiled Python pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    pattern: String,
    kind: Kind,
    flags: Flags,
    engines: Engines,
    /// The number of capture groups.
    groups: usize,
    /// Each group's name (index 0 is the whole match).
    names: Vec<Option<String>>,
    /// The `fancy-regex` text, for [`Regex::not_empty`].
    fancy_text: String,
    /// The pattern compiled to find only non-empty matches, made when first needed.
    not_empty: OnceLock<Option<fancy_regex::Regex>>,
}

/// The compiled forms of a pattern.
#[derive(Debug, Clone)]
enum Engines {
    /// `regex` is exact on every haystack.
    Plain(Plain),
    /// The pattern backtracks: `fancy-regex` only.
    Backtracking(fancy_regex::Regex),
    /// `regex` where it is exact (see [`Plain::exact_on`]), `fancy-regex` elsewhere (compiled
    /// when a haystack first needs it: most never do).
    Mixed(Plain, OnceLock<Option<fancy_regex::Regex>>),
}

/// A translation for Rust's `regex` (see [`translate::Translation`]).
#[derive(Debug, Clone)]
struct Plain {
    lines: regex::bytes::Regex,
    /// The translation for the empty haystack, when `\B` needs one.
    empty: Option<regex::bytes::Regex>,
    eol: bool,
    unicode_boundary: bool,
}

impl Plain {
    /// Whether this translation says what Python means on `hay`.
    fn exact_on(&self, hay: &[u8]) -> bool {
        let inner_newline = hay.len() > 1 && hay[..hay.len() - 1].contains(&b'\n');
        let eol_exact = !self.eol || !inner_newline;
        let boundary_exact = !self.unicode_boundary || hay.is_ascii();
        eol_exact && boundary_exact
    }
}

/// The engine chosen for one haystack.
#[derive(Debug, Clone, Copy)]
enum Engine<'r> {
    Plain(&'r regex::bytes::Regex),
    Fancy(&'r fancy_regex::Regex),
}

/// How far `fancy-regex` may backtrack: without limit, as Python's `sre`. A search that gave up
/// would find nothing and report "no match" (lineinfile would add a line that is there), so a
/// pathological pattern runs as long as it does under Python instead.
const BACKTRACK_LIMIT: usize = usize::MAX;

/// One match: the haystack and the span of every group (`None` for a group that did not take
/// part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'h> {
    hay: &'h [u8],
    spans: Vec<Option<(usize, usize)>>,
}

impl<'h> Match<'h> {
    /// Where the match starts.
    pub fn start(&self) -> usize {
        self.spans[0].map_or(0, |s| s.0)
    }

    /// Where the match ends.
    pub fn end(&self) -> usize {
        self.spans[0].map_or(0, |s| s.1)
    }

    /// The span of group `i` (0 is the whole match), when it took part.
    pub fn span(&self, i: usize) -> Option<(usize, usize)> {
        self.spans.get(i).copied().flatten()
    }

    /// The bytes of group `i`, when it took part.
    pub fn group(&self, i: usize) -> Option<&'h [u8]> {
        self.span(i).map(|(s, e)| &self.hay[s..e])
    }

    /// The text of group `i`, when it took part and is UTF-8 (always, for a text pattern on a
    /// UTF-8 haystack).
    pub fn text(&self, i: usize) -> Option<&'h str> {
        std::str::from_utf8(self.group(i)?).ok()
    }
}

impl Regex {
    /// Compiles `pattern` as `re.compile(pattern, flags)` would, for `re.search`.
    pub fn new(pattern: &str, kind: Kind, flags: Flags) -> Result<Regex, Error> {
        Regex::with_mode(pattern, kind, flags, Mode::Search)
    }

    /// Compiles `pattern` for `re.search`, `re.match` or `re.fullmatch`.
    pub fn with_mode(pattern: &str, kind: Kind, flags: Flags, mode: Mode) -> Result<Regex, Error> {
        let error = |reason| Error {
            pattern: pattern.to_owned(),
            reason,
        };
        let wrap = |text: &str| match mode {
            Mode::Search => text.to_owned(),
            Mode::Match => format!("\\A(?:{text})"),
            Mode::FullMatch => format!("\\A(?:{text})\\z"),
        };
        let t = translate::translate(pattern, kind, flags, Target::Plain).map_err(error)?;
        let fancy_t = translate::translate(pattern, kind, flags, Target::Fancy).map_err(error)?;
        let fancy_text = wrap(&fancy_t.lines);
        let build = |text: &str| {
            regex::bytes::Regex::new(&wrap(text)).map_err(|e| {
                let detail = e.to_string();
                let last = detail
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid")
                    .trim()
                    .trim_start_matches("error: ")
                    .to_owned();
                error(Reason::Engine(last))
            })
        };
        let plain = |t: &translate::Translation| -> Result<Plain, Error> {
            Ok(Plain {
                lines: build(&t.lines)?,
                empty: t.empty.as_deref().map(build).transpose()?,
                eol: t.eol,
                unicode_boundary: t.unicode_boundary,
            })
        };
        let fancy = || fancy(&fancy_text, kind, false).map_err(|e| error(Reason::Engine(e)));
        let engines = if t.backtracks {
            Engines::Backtracking(fancy()?)
        } else if t.eol || t.unicode_boundary {
            Engines::Mixed(plain(&t)?, OnceLock::new())
        } else {
            Engines::Plain(plain(&t)?)
        };
        let names: Vec<Option<String>> = match &engines {
            Engines::Plain(p) | Engines::Mixed(p, _) => p
                .lines
                .capture_names()
                .map(|n| n.map(str::to_owned))
                .collect(),
            Engines::Backtracking(f) => f.capture_names().map(|n| n.map(str::to_owned)).collect(),
        };
        Ok(Regex {
            pattern: pattern.to_owned(),
            kind,
            flags: t.flags,
            engines,
            groups: names.len().saturating_sub(1),
            names,
            fancy_text,
            not_empty: OnceLock::new(),
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Text or bytes.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The flags in force for the whole pattern: those given and the leading inline ones
    /// (Python's `pattern.flags`).
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// The number of capture groups (Python's `pattern.groups`).
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// The number of the group called `name`.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.as_deref() == Some(name))
    }

    /// The engine for `hay`.
    fn engine(&self, hay: &[u8]) -> Engine<'_> {
        fn plain<'p>(p: &'p Plain, hay: &[u8]) -> &'p regex::bytes::Regex {
            match &p.empty {
                Some(empty) if hay.is_empty() => empty,
                _ => &p.lines,
            }
        }
        match &self.engines {
            Engines::Plain(p) => Engine::Plain(plain(p, hay)),
            Engines::Mixed(p, _) if p.exact_on(hay) => Engine::Plain(plain(p, hay)),
            Engines::Mixed(p, lazy) => {
                // The translation `regex` took compiles for `fancy-regex` too; were it ever
                // refused, `regex`'s near spelling is the fallback.
                match lazy
                    .get_or_init(|| fancy(&self.fancy_text, self.kind, false).ok())
                    .as_ref()
                {
                    Some(f) => Engine::Fancy(f),
                    None => Engine::Plain(plain(p, hay)),
                }
            }
            Engines::Backtracking(f) => Engine::Fancy(f),
        }
    }

    /// The pattern compiled to find non-empty matches only, when it can have one.
    fn not_empty(&self) -> Option<&fancy_regex::Regex> {
        self.not_empty
            .get_or_init(|| fancy(&self.fancy_text, self.kind, true).ok())
            .as_ref()
    }

    /// The first match at or after `pos` (only at `pos` when `anchored`); for a text pattern,
    /// never one that starts inside a character.
    fn search_with<'h>(
        &self,
        engine: Engine<'_>,
        hay: &'h [u8],
        mut pos: usize,
        anchored: bool,
    ) -> Option<Match<'h>> {
        loop {
            let spans = spans(engine, hay, pos, anchored)?;
            let (start, end) = spans[0]?;
            if self.kind == Kind::Text && start == end && !is_boundary(hay, start) {
                if anchored {
                    return None;
                }
                pos = start + 1;
                while !is_boundary(hay, pos) {
                    pos += 1;
                }
                continue;
            }
            return Some(Match { hay, spans });
        }
    }

    /// `re.search`: the first match.
    pub fn search<'h>(&self, hay: &'h [u8]) -> Option<Match<'h>> {
        self.search_with(self.engine(hay), hay, 0, false)
    }

    /// Whether the pattern matches somewhere in `hay`.
    pub fn is_match(&self, hay: &[u8]) -> bool {
        self.search(hay).is_some()
    }

    /// `re.finditer`: every match, in Python's order (see the module's notes on empty matches).
    pub fn finditer<'r, 'h>(&'r self, hay: &'h [u8]) -> Matches<'r, 'h> {
        Matches {
            re: self,
            engine: self.engine(hay),
            hay,
            pos: 0,
            must_advance: false,
        }
    }

    /// `re.subn(pattern, template, hay, count)`: the haystack with the first `count` matches
    /// (all when 0) replaced, and how many were.
    pub fn subn(&self, template: &Template, hay: &[u8], count: usize) -> (Vec<u8>, usize) {
        let mut out = Vec::with_capacity(hay.len());
        let mut last = 0;
        let mut n = 0;
        for m in self.finditer(hay) {
            if count > 0 && n == count {
                break;
            }
            out.extend_from_slice(&hay[last..m.start()]);
            template.expand_into(&m, &mut out);
            last = m.end();
            n += 1;
        }
        out.extend_from_slice(&hay[last..]);
        (out, n)
    }
}

/// Python's walk over the matches of a pattern (see [`Regex::finditer`]).
#[derive(Debug)]
pub struct Matches<'r, 'h> {
    re: &'r Regex,
    engine: Engine<'r>,
    hay: &'h [u8],
    pos: usize,
    must_advance: bool,
}

impl<'h> Iterator for Matches<'_, 'h> {
    type Item = Match<'h>;

    fn next(&mut self) -> Option<Match<'h>> {
        if self.pos > self.hay.len() {
            return None;
        }
        if self.must_advance {
            // After an empty match Python looks once more at the same place, for a non-empty
            // match only, then moves on.
            self.must_advance = false;
            let again = self.re.not_empty().and_then(|ne| {
                self.re
                    .search_with(Engine::Fancy(ne), self.hay, self.pos, true)
            });
            if let Some(m) = again {
                self.pos = m.end();
                return Some(m);
            }
            if self.pos >= self.hay.len() {
                self.pos += 1;
                return None;
            }
            self.pos += match self.re.kind {
                Kind::Text => char_len(&self.hay[self.pos..]),
                Kind::Bytes => 1,
            };
        }
        let m = self
            .re
            .search_with(self.engine, self.hay, self.pos, false)?;
        self.must_advance = m.start() == m.end();
        self.pos = m.end();
        Some(m)
    }
}

/// The spans of every group of the first match at or after `pos` (only at `pos` when
/// `anchored`).
fn spans(
    engine: Engine<'_>,
    hay: &[u8],
    pos: usize,
    anchored: bool,
) -> Option<Vec<Option<(usize, usize)>>> {
    match engine {
        Engine::Plain(re) => {
            let caps = re.captures_at(hay, pos)?;
            if anchored && caps.get(0)?.start() != pos {
                return None;
            }
            Some(
                (0..caps.len())
                    .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                    .collect(),
            )
        }
        Engine::Fancy(re) => {
            let input = fancy_regex::RegexInput::new(hay)
                .from_pos(pos)
                .anchored(anchored);
            let caps = re.captures_input(input).ok()??;
            Some(
                (0..caps.len())
                    .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                    .collect(),
            )
        }
    }
}

/// Compiles a `fancy-regex` translation for haystacks of `kind` (non-empty matches only when
/// `not_empty`).
fn fancy(text: &str, kind: Kind, not_empty: bool) -> Result<fancy_regex::Regex, String> {
    let mode = match kind {
        Kind::Text => fancy_regex::BytesMode::UnicodeBytes,
        Kind::Bytes => fancy_regex::BytesMode::Ascii,
    };
    fancy_regex::RegexBuilder::new(text)
        .bytes_mode(mode)
        .backtrack_limit(BACKTRACK_LIMIT)
        .find_not_empty(not_empty)
        .build()
        .map_err(|e| e.to_string())
}

/// Whether `i` is not inside a UTF-8 character of `hay`.
fn is_boundary(hay: &[u8], i: usize) -> bool {
    i == 0 || i >= hay.len() || hay[i] & 0xc0 != 0x80
}

/// The length of the UTF-8 character at the start of `b` (1 for a byte that starts none).
fn char_len(b: &[u8]) -> usize {
    let want = match b.first() {
        Some(x) if *x >= 0xf0 => 4,
        Some(x) if *x >= 0xe0 => 3,
        Some(x) if *x >= 0xc0 => 2,
        _ => 1,
    };
    if b.len() >= want && std::str::from_utf8(&b[..want]).is_ok() {
        want
    } else {
        1
    }
}

/// Python's `str.isidentifier`, as group names need it.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Python's `re.escape` (3.7+): a backslash before every character that is special in a
/// pattern.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
