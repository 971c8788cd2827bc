//! A Python pattern rewritten in `regex` or `fancy-regex` syntax, following `sre_parse` step by
//! step: the same tokens, the same errors (group references, look-behind widths included), and
//! the Python meaning of every construct the engines spell differently.
//!
//! What the rewrite does, beyond copying what both read alike:
//! - `\Z` becomes `\z`; `{`, `}` and `]` that are not syntax become literals; `{,n}` gets its `0`.
//! - `\d`, `\s`, `\w` (and their negations) become explicit classes with Python's members
//!   (`\s` has `\x1c`-`\x1f`, `\w` is letters, numbers and `_`); ASCII ones under `re.ASCII`
//!   and for bytes patterns.
//! - Character classes are parsed item by item, so `[`, `&&`, `--`, `~~` (set operations for
//!   `regex`) stay literals, and a `]` first in a class is a literal.
//! - MULTILINE, VERBOSE and ASCII are applied here rather than handed to the engine (VERBOSE
//!   does not ignore whitespace inside classes in Python; `regex` does).
//! - `$` without MULTILINE (end, or before a final newline) is `(?=\n?\z)` for `fancy-regex`;
//!   `regex` has no spelling for it, and gets `(?m:$)`, exact when no newline comes before the
//!   haystack's last character ([`Translation::eol`]).
//! - `\b`/`\B` are look-arounds over Python's word class for `fancy-regex`; `regex`'s own are
//!   exact on ASCII haystacks ([`Translation::unicode_boundary`]).
//! - Backreferences become `(?:\N)` (a digit after them stays a digit), named ones numbered.
//! - A bytes pattern is read byte by byte (its non-ASCII characters are their UTF-8 bytes, as
//!   Python sees the encoded pattern) and compiled without Unicode.

use super::{Flags, Kind, Reason, Unsupported};

/// The engine texts of one Python pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Translation {
    /// The text: in `regex` syntax (with `$` outside MULTILINE as `(?m:$)`, exact for a
    /// haystack whose only newline, if any, is its last character), or in `fancy-regex` syntax
    /// with every construct exact.
    pub(crate) lines: String,
    /// When the pattern has `\B` (`regex` syntax only): the text for the empty haystack, where
    /// Python's `\B` never matches (before 3.14) and `regex`'s does.
    pub(crate) empty: Option<String>,
    /// The pattern needs backtracking (look-around, backreferences, conditionals, atomic groups,
    /// possessive quantifiers): only the `fancy-regex` text can say it.
    pub(crate) backtracks: bool,
    /// The `regex` text is exact only on a haystack with no newline before its last character
    /// (a `$` outside MULTILINE).
    pub(crate) eol: bool,
    /// The `regex` text is exact only on an ASCII haystack (`\b` or `\B` in a text pattern
    /// without ASCII: `regex`'s word characters are not Python's).
    pub(crate) unicode_boundary: bool,
    /// The pattern's global flags: the caller's and the leading inline ones.
    pub(crate) flags: Flags,
}

/// Which engine a translation is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Rust's `regex`: no backtracking constructs.
    Plain,
    /// `fancy-regex`: everything Python has, each construct spelled exactly.
    Fancy,
}

/// The smallest and largest number of characters something matches (Python's `getwidth`),
/// for the fixed-width rule of look-behinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Width {
    lo: u64,
    hi: u64,
}

impl Width {
    const ZERO: Width = Width { lo: 0, hi: 0 };
    const ONE: Width = Width { lo: 1, hi: 1 };

    fn then(self, other: Width) -> Width {
        Width {
            lo: self.lo.saturating_add(other.lo),
            hi: self.hi.saturating_add(other.hi),
        }
    }

    fn or(self, other: Width) -> Width {
        Width {
            lo: self.lo.min(other.lo),
            hi: self.hi.max(other.hi),
        }
    }
}

/// The widths of the group being read: its finished alternatives, the current branch and the
/// last atom (what a quantifier repeats).
#[derive(Debug, Clone, Copy)]
struct Widths {
    alts: Option<Width>,
    branch: Width,
    last: Width,
}

impl Widths {
    const NEW: Widths = Widths {
        alts: None,
        branch: Width::ZERO,
        last: Width::ZERO,
    };

    fn total(&self) -> Width {
        match self.alts {
            Some(a) => a.or(self.branch),
            None => self.branch,
        }
    }
}

/// What kind of group a [`Frame`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `(?:...)`, a scoped-flags group, an atomic group, a look-ahead.
    Plain,
    /// `(...)` or `(?P<name>...)`: the group's number.
    Capture(usize),
    /// `(?<=...)`, `(?<!...)`: the groups counted before the outermost open look-behind, to
    /// restore at its end.
    LookBehind(Option<usize>),
    /// A look-ahead: zero width.
    LookAhead,
    /// `(?(1)yes|no)`: how many `|` it has had.
    Conditional(usize),
}

/// An open group.
struct Frame {
    /// The scope outside it.
    scope: Scope,
    /// Where it opened in the pattern.
    open: usize,
    /// Where its text starts in each output.
    at: [usize; 2],
    kind: Open,
    /// The widths outside it.
    widths: Widths,
}

/// Python's `sre_parse` state for the flags in force at a point of the pattern.
#[derive(Debug, Clone, Copy)]
struct Scope {
    ignorecase: bool,
    multiline: bool,
    dotall: bool,
    verbose: bool,
    ascii: bool,
}

/// What the last item was, for Python's "nothing to repeat" and "multiple repeat".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    Assertion,
    Atom,
    Repeat,
}

/// One member of a character class.
enum Member {
    Char(u32),
    Set(String),
}

/// Characters Python's VERBOSE mode skips.
const VERBOSE_SPACE: &str = " \t\n\r\x0b\x0c";

/// Python's `\s` for text patterns (`str.isspace`), as class members.
const UNICODE_SPACE: &str =
    r"\t-\r\x1C-\x20\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}";

/// The output for every haystack but the empty one (and all of them for `fancy-regex`).
const LINES: usize = 0;
/// The output for the empty haystack.
const EMPTY: usize = 1;

struct Translator {
    chars: Vec<char>,
    pos: usize,
    bytes: bool,
    target: Target,
    scope: Scope,
    /// The open groups, innermost last.
    stack: Vec<Frame>,
    /// Where the last atom's text starts in each output.
    atom_at: [usize; 2],
    /// The outputs: [`LINES`], [`EMPTY`].
    out: [String; 2],
    /// The widths of the group being read.
    widths: Widths,
    /// For each capture group (index 0 unused): its width once closed, `None` while open.
    group_widths: Vec<Option<Width>>,
    /// Group names and numbers.
    names: Vec<(String, usize)>,
    /// While inside a look-behind: the number of groups opened before it (Python's
    /// `state.lookbehindgroups`).
    lookbehind_groups: Option<usize>,
    /// Conditionals' group numbers and where they were written, checked at the end.
    condition_refs: Vec<(usize, usize)>,
    /// An error Python raises when it compiles the parsed pattern (after every syntax check).
    compile_error: Option<String>,
    backtracks: bool,
    eol: bool,
    nonboundary: bool,
    unicode_boundary: bool,
    last: Last,
    started: bool,
    flags: Flags,
}

/// Translates `pattern` (a str pattern, or the text of a bytes one) compiled with `flags`, for
/// `target`. A `Plain` translation of a pattern that [`Translation::backtracks`] is not usable.
pub(crate) fn translate(
    pattern: &str,
    kind: Kind,
    flags: Flags,
    target: Target,
) -> Result<Translation, Reason> {
    let bytes = kind == Kind::Bytes;
    let chars: Vec<char> = if bytes {
        pattern.bytes().map(char::from).collect()
    } else {
        pattern.chars().collect()
    };
    let mut t = Translator {
        chars,
        pos: 0,
        bytes,
        target,
        scope: Scope {
            ignorecase: flags.ignorecase,
            multiline: flags.multiline,
            dotall: flags.dotall,
            verbose: flags.verbose,
            ascii: flags.ascii && !bytes,
        },
        stack: Vec::new(),
        atom_at: [0; 2],
        out: Default::default(),
        widths: Widths::NEW,
        group_widths: vec![Some(Width::ZERO)],
        names: Vec::new(),
        lookbehind_groups: None,
        condition_refs: Vec::new(),
        compile_error: None,
        backtracks: false,
        eol: false,
        nonboundary: false,
        unicode_boundary: false,
        last: Last::Nothing,
        started: false,
        flags,
    };
    // `fancy-regex` is told about bytes by its builder (it refuses `(?-u)`).
    if bytes && target == Target::Plain {
        t.emit("(?-u)");
    }
    if flags.ignorecase {
        t.emit("(?i)");
    }
    if flags.dotall {
        t.emit("(?s)");
    }
    t.run()?;
    let groups = t.group_widths.len() - 1;
    if let Some(&(group, position)) = t.condition_refs.iter().find(|(g, _)| *g > groups) {
        return Err(syntax(format!("invalid group reference {group}"), position));
    }
    if let Some(message) = t.compile_error {
        return Err(Reason::Compile(message));
    }
    let [lines, empty] = t.out;
    Ok(Translation {
        lines,
        empty: (t.nonboundary && target == Target::Plain).then_some(empty),
        backtracks: t.backtracks,
        eol: t.eol,
        unicode_boundary: t.unicode_boundary,
        flags: t.flags,
    })
}

fn syntax(message: impl Into<String>, position: usize) -> Reason {
    Reason::Syntax {
        message: message.into(),
        position,
    }
}

fn is_octal(c: Option<char>) -> bool {
    c.is_some_and(|c| ('0'..='7').contains(&c))
}

impl Translator {
    /// Marks the start of an atom (what a following quantifier repeats) of one character.
    fn atom(&mut self) {
        self.atom_at = self.out_lens();
        self.add_width(Width::ONE);
    }

    /// Counts an atom of `width` in the current branch.
    fn add_width(&mut self, width: Width) {
        self.widths.branch = self.widths.branch.then(width);
        self.widths.last = width;
    }

    fn out_lens(&self) -> [usize; 2] {
        [self.out[0].len(), self.out[1].len()]
    }

    fn emit(&mut self, s: &str) {
        for out in &mut self.out {
            out.push_str(s);
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn run(&mut self) -> Result<(), Reason> {
        while let Some(c) = self.peek(0) {
            if self.scope.verbose && VERBOSE_SPACE.contains(c) {
                self.pos += 1;
                continue;
            }
            if self.scope.verbose && c == '#' {
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    if c == '\n' {
                        break;
                    }
                }
                continue;
            }
            match c {
                '(' => {
                    self.group()?;
                    continue;
                }
                ')' => self.close()?,
                '|' => {
                    if let Some(Frame {
                        kind: Open::Conditional(bars),
                        ..
                    }) = self.stack.last_mut()
                    {
                        *bars += 1;
                        if *bars > 1 {
                            return Err(syntax(
                                "conditional backref with more than two branches",
                                self.pos,
                            ));
                        }
                    }
                    let w = &mut self.widths;
                    w.alts = Some(w.alts.map_or(w.branch, |a| a.or(w.branch)));
                    w.branch = Width::ZERO;
                    self.emit("|");
                    self.pos += 1;
                    self.last = Last::Nothing;
                }
                '*' | '+' | '?' => self.repeat(c.to_string(), 1)?,
                '{' => match self.counted() {
                    Some((text, len)) => self.repeat(text, len)?,
                    None => {
                        self.atom();
                        self.emit("\\{");
                        self.pos += 1;
                        self.last = Last::Atom;
                    }
                },
                '[' => {
                    self.atom();
                    self.class()?;
                    self.last = Last::Atom;
                }
                '\\' => self.escape()?,
                '^' => {
                    self.emit(if self.scope.multiline { "(?m:^)" } else { "^" });
                    self.pos += 1;
                    self.last = Last::Assertion;
                }
                '$' => {
                    if self.scope.multiline {
                        self.emit("(?m:$)");
                    } else if self.target == Target::Fancy {
                        self.emit("(?=\\n?\\z)");
                    } else {
                        self.emit("(?m:$)");
                        self.eol = true;
                    }
                    self.pos += 1;
                    self.last = Last::Assertion;
                }
                '.' => {
                    self.atom();
                    self.emit(".");
                    self.pos += 1;
                    self.last = Last::Atom;
                }
                _ => {
                    self.atom();
                    self.literal(u32::from(c));
                    self.pos += 1;
                    self.last = Last::Atom;
                }
            }
            self.started = true;
        }
        if let Some(frame) = self.stack.last() {
            return Err(syntax("missing ), unterminated subpattern", frame.open));
        }
        Ok(())
    }

    /// A character that stands for itself.
    fn literal(&mut self, code: u32) {
        let c = char::from_u32(code).unwrap_or('\u{fffd}');
        if self.bytes || c.is_ascii_control() {
            self.push_code(code);
        } else if "\\.+*?()|[]{}^$#&-~".contains(c) {
            self.emit(&format!("\\{c}"));
        } else {
            self.emit(c.encode_utf8(&mut [0; 4]));
        }
    }

    fn push_code(&mut self, code: u32) {
        let text = code_text(code, self.bytes);
        self.emit(&text);
    }

    /// A quantifier of `len` characters (`text` in `regex` syntax), with its lazy `?`.
    fn repeat(&mut self, text: String, len: usize) -> Result<(), Reason> {
        match self.last {
            Last::Nothing | Last::Assertion => {
                return Err(syntax("nothing to repeat", self.pos));
            }
            Last::Repeat => return Err(syntax("multiple repeat", self.pos)),
            Last::Atom => {}
        }
        let zero = text == "{0}" || text == "{0,0}";
        if self.target == Target::Fancy && self.widths.last == Width::ZERO && !zero {
            // `fancy-regex` refuses to repeat what can only match the empty string.
            self.repeat_empty(&text, len);
            return Ok(());
        }
        if text == "{0}" || text == "{0,0}" {
            // `regex` drops the groups of an atom repeated zero times; Python keeps them (they
            // never take part). An atom behind a class that matches nothing keeps them too.
            let never = format!("(?:{}", never(self.bytes));
            for (out, at) in self.out.iter_mut().zip(self.atom_at) {
                out.insert_str(at, &never);
            }
            self.emit(")?");
        } else {
            self.emit(&text);
        }
        self.pos += len;
        match self.peek(0) {
            Some('?') => {
                self.emit("?");
                self.pos += 1;
            }
            Some('+') => {
                self.emit("+");
                self.pos += 1;
                self.backtracks = true;
            }
            _ => {}
        }
        self.repeat_width(&text);
        self.last = Last::Repeat;
        Ok(())
    }

    /// A quantifier on an atom that only matches the empty string (a look-around, `(?:\b)`),
    /// spelled without one: like `sre`, which stops a loop that does not advance, the atom is
    /// tried once at its place whatever the count, so a minimum of 1 or more is the atom
    /// itself, and a minimum of 0 an alternation with the empty string (first or last as the
    /// quantifier is greedy or lazy).
    fn repeat_empty(&mut self, text: &str, len: usize) {
        self.pos += len;
        let suffix = match self.peek(0) {
            Some(c @ ('?' | '+')) => {
                self.pos += 1;
                Some(c)
            }
            _ => None,
        };
        let optional =
            matches!(text, "*" | "?") || text.starts_with("{0,") || text.starts_with("{,");
        if optional {
            let (open, close) = match suffix {
                Some('?') => ("(?:|", ")"),
                Some(_) => ("(?>", "|)"),
                None => ("(?:", "|)"),
            };
            for (out, at) in self.out.iter_mut().zip(self.atom_at) {
                out.insert_str(at, open);
            }
            self.emit(close);
        }
        self.last = Last::Repeat;
    }

    /// Multiplies the last atom's width by the counts of a quantifier (`text` as written for
    /// the engine: `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`).
    fn repeat_width(&mut self, text: &str) {
        let (lo, hi) = match text {
            "*" => (0, None),
            "+" => (1, None),
            "?" => (0, Some(1)),
            _ => {
                let inner = text.trim_start_matches('{').trim_end_matches('}');
                let number = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
                match inner.split_once(',') {
                    None => (number(inner), Some(number(inner))),
                    Some((lo, "")) => (number(lo), None),
                    Some((lo, hi)) => (number(lo), Some(number(hi))),
                }
            }
        };
        let w = &mut self.widths;
        let before = Width {
            lo: w.branch.lo.saturating_sub(w.last.lo),
            hi: w.branch.hi.saturating_sub(w.last.hi),
        };
        let repeated = Width {
            lo: w.last.lo.saturating_mul(lo),
            hi: match hi {
                Some(hi) => w.last.hi.saturating_mul(hi),
                None if w.last.hi == 0 => 0,
                None => u64::MAX,
            },
        };
        w.branch = before.then(repeated);
        w.last = repeated;
    }

    /// A `{` that starts a repeat (`{m}`, `{m,}`, `{,n}`, `{m,n}`, `{,}`): its `regex` text and
    /// length; `None` when Python reads the `{` as a literal.
    fn counted(&self) -> Option<(String, usize)> {
        let mut j = self.pos + 1;
        if self.chars.get(j) == Some(&'}') {
            return None;
        }
        let digits = |j: &mut usize| {
            let start = *j;
            while self.chars.get(*j).is_some_and(char::is_ascii_digit) {
                *j += 1;
            }
            self.chars[start..*j].iter().collect::<String>()
        };
        let lo = digits(&mut j);
        let hi = if self.chars.get(j) == Some(&',') {
            j += 1;
            Some(digits(&mut j))
        } else {
            None
        };
        if self.chars.get(j) != Some(&'}') {
            return None;
        }
        // Python reads the numbers with int(): `{00}` is `{0}`.
        let number = |n: String| n.parse::<u64>().map_or(n, |n| n.to_string());
        let lo = if lo.is_empty() {
            "0".to_owned()
        } else {
            number(lo)
        };
        let hi = hi.map(|h| if h.is_empty() { h } else { number(h) });
        let text = match hi {
            None => format!("{{{lo}}}"),
            Some(hi) => format!("{{{lo},{hi}}}"),
        };
        Some((text, j + 1 - self.pos))
    }

    /// An escape outside a class.
    fn escape(&mut self) -> Result<(), Reason> {
        let at = self.pos;
        let Some(c) = self.peek(1) else {
            return Err(syntax("bad escape (end of pattern)", at));
        };
        if c == 'b' || c == 'B' {
            self.boundary(c == 'B');
            self.pos += 2;
            self.last = Last::Assertion;
            return Ok(());
        }
        let assertion = match c {
            'A' => Some("\\A"),
            'Z' => Some("\\z"),
            _ => None,
        };
        if let Some(text) = assertion {
            self.emit(text);
            self.pos += 2;
            self.last = Last::Assertion;
            return Ok(());
        }
        let octal = is_octal(Some(c)) && is_octal(self.peek(2)) && is_octal(self.peek(3));
        if c.is_ascii_digit() && c != '0' && !octal {
            return self.numbered_backreference();
        }
        self.atom();
        if let Some(set) = self.category(c) {
            let text = if set.starts_with('\\') && set.len() == 2 {
                set
            } else if let Some(inner) = set.strip_prefix('^') {
                format!("[^{inner}]")
            } else {
                format!("[{set}]")
            };
            self.emit(&text);
            self.pos += 2;
            self.last = Last::Atom;
            return Ok(());
        }
        let code = match c {
            '0' => {
                let mut end = self.pos + 2;
                while end < self.pos + 4 && is_octal(self.chars.get(end).copied()) {
                    end += 1;
                }
                let digits: String = self.chars[self.pos + 1..end].iter().collect();
                self.pos = end;
                u32::from_str_radix(&digits, 8).unwrap_or(0)
            }
            '1'..='7' => {
                let digits: String = self.chars[self.pos + 1..self.pos + 4].iter().collect();
                let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                if code > 0o377 {
                    return Err(syntax(
                        format!("octal escape value \\{digits} outside of range 0-0o377"),
                        at,
                    ));
                }
                self.pos += 4;
                code
            }
            _ => {
                let (code, len) = self.common_escape(c)?;
                self.pos += len;
                code
            }
        };
        self.literal(code);
        self.last = Last::Atom;
        Ok(())
    }

    /// `\b` or `\B`: in `regex` syntax, or spelled with look-arounds over Python's word
    /// characters for `fancy-regex`, where `\B` also fails on the empty haystack.
    fn boundary(&mut self, negated: bool) {
        let ascii = self.scope.ascii || self.bytes;
        if self.target == Target::Fancy && self.bytes {
            // Without Unicode, `fancy-regex`'s own `\b` is Python's for bytes.
            self.emit(if negated { "(?!\\A\\z)\\B" } else { "\\b" });
            return;
        }
        if self.target == Target::Fancy {
            let word = if ascii {
                "[0-9A-Za-z_]"
            } else {
                "[\\p{L}\\p{N}_]"
            };
            let text = if negated {
                format!("(?!\\A\\z)(?:(?<={word})(?={word})|(?<!{word})(?!{word}))")
            } else {
                format!("(?:(?<={word})(?!{word})|(?<!{word})(?={word}))")
            };
            self.emit(&text);
            return;
        }
        if !ascii {
            self.unicode_boundary = true;
        }
        let text = match (ascii, negated) {
            (false, false) => "\\b",
            (false, true) => "\\B",
            (true, false) => "(?-u:\\b)",
            (true, true) => "(?-u:\\B)",
        };
        if negated {
            self.nonboundary = true;
            self.out[LINES].push_str(text);
            self.out[EMPTY].push_str(never(self.bytes));
        } else {
            self.emit(text);
        }
    }

    /// `\1`..`\99` (the caller has ruled out an octal escape), as `sre_parse` checks it.
    fn numbered_backreference(&mut self) -> Result<(), Reason> {
        let at = self.pos;
        let mut end = self.pos + 2;
        if self.peek(2).is_some_and(|c| c.is_ascii_digit()) {
            end += 1;
        }
        let digits: String = self.chars[at + 1..end].iter().collect();
        let group: usize = digits.parse().unwrap_or(usize::MAX);
        if group >= self.group_widths.len() {
            return Err(syntax(format!("invalid group reference {group}"), at + 1));
        }
        self.pos = end;
        self.backreference(group, at)
    }

    /// A reference to group `group` (known to exist), written at `at`.
    fn backreference(&mut self, group: usize, at: usize) -> Result<(), Reason> {
        let Some(width) = self.group_widths[group] else {
            return Err(syntax("cannot refer to an open group", at));
        };
        if let Some(before) = self.lookbehind_groups
            && group >= before
        {
            return Err(syntax(
                "cannot refer to group defined in the same lookbehind subpattern",
                self.pos,
            ));
        }
        self.atom_at = self.out_lens();
        self.add_width(width);
        self.emit(&format!("(?:\\{group})"));
        self.backtracks = true;
        self.last = Last::Atom;
        Ok(())
    }

    /// The class members of `\d`, `\D`, `\s`, `\S`, `\w`, `\W` (negated ones start with `^`;
    /// a two-character result is a `regex` escape usable as it is).
    fn category(&self, c: char) -> Option<String> {
        let ascii = self.scope.ascii;
        let set = match c {
            'd' | 'D' if self.bytes || !ascii => format!("\\{c}"),
            's' | 'S' | 'w' | 'W' if self.bytes => format!("\\{c}"),
            'd' => "0-9".into(),
            'D' => "^0-9".into(),
            's' if ascii => "\\t-\\r ".into(),
            'S' if ascii => "^\\t-\\r ".into(),
            's' => UNICODE_SPACE.into(),
            'S' => format!("^{UNICODE_SPACE}"),
            'w' if ascii => "0-9A-Za-z_".into(),
            'W' if ascii => "^0-9A-Za-z_".into(),
            'w' => "\\p{L}\\p{N}_".into(),
            'W' => "^\\p{L}\\p{N}_".into(),
            _ => return None,
        };
        Some(set)
    }

    /// The escapes that mean one character both in and out of classes (`\n`, `\x41`, `\u00e9`,
    /// `\-`...): the code and the escape's length. `\b` is handled by the caller.
    fn common_escape(&self, c: char) -> Result<(u32, usize), Reason> {
        let at = self.pos;
        let hex = |len: usize| -> Option<u32> {
            let s: String = self.chars.get(at + 2..at + 2 + len)?.iter().collect();
            if s.chars().all(|c| c.is_ascii_hexdigit()) {
                u32::from_str_radix(&s, 16).ok()
            } else {
                None
            }
        };
        let simple = match c {
            'a' => Some(7),
            'b' => Some(8),
            'f' => Some(0x0c),
            'n' => Some(0x0a),
            'r' => Some(0x0d),
            't' => Some(9),
            'v' => Some(0x0b),
            '\\' => Some(u32::from('\\')),
            _ => None,
        };
        if let Some(code) = simple {
            return Ok((code, 2));
        }
        match c {
            'x' => {
                let code = hex(2).ok_or_else(|| syntax("incomplete escape \\x", at))?;
                Ok((code, 4))
            }
            'u' | 'U' if !self.bytes => {
                let len = if c == 'u' { 4 } else { 8 };
                let code =
                    hex(len).ok_or_else(|| syntax(format!("incomplete escape \\{c}"), at))?;
                if code > 0x10_ffff {
                    return Err(syntax(format!("bad escape \\{c}"), at));
                }
                if (0xd800..0xe000).contains(&code) {
                    return Err(Reason::Unsupported(Unsupported::Surrogate));
                }
                Ok((code, 2 + len))
            }
            'N' if !self.bytes => Err(Reason::Unsupported(Unsupported::NamedEscape)),
            c if c.is_ascii_alphabetic() || c.is_ascii_digit() => {
                Err(syntax(format!("bad escape \\{c}"), at))
            }
            c => Ok((u32::from(c), 2)),
        }
    }

    /// A character class, from its `[` to its `]`.
    fn class(&mut self) -> Result<(), Reason> {
        let open = self.pos;
        self.pos += 1;
        let negate = self.peek(0) == Some('^');
        if negate {
            self.pos += 1;
        }
        let mut members = String::new();
        let mut any = false;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(syntax("unterminated character set", open));
            };
            if c == ']' && any {
                self.pos += 1;
                break;
            }
            any = true;
            let first_at = self.pos;
            let first = self.member()?;
            if self.peek(0) != Some('-') {
                members.push_str(&self.member_text(first));
                continue;
            }
            self.pos += 1;
            match self.peek(0) {
                None => return Err(syntax("unterminated character set", open)),
                Some(']') => {
                    members.push_str(&self.member_text(first));
                    members.push_str("\\-");
                    self.pos += 1;
                    break;
                }
                Some(_) => {
                    let second = self.member()?;
                    let range: String = self.chars[first_at..self.pos].iter().collect();
                    match (first, second) {
                        (Member::Char(lo), Member::Char(hi)) if lo <= hi => {
                            members.push_str(&format!(
                                "{}-{}",
                                code_text(lo, self.bytes),
                                code_text(hi, self.bytes)
                            ));
                        }
                        _ => {
                            return Err(syntax(format!("bad character range {range}"), first_at));
                        }
                    }
                }
            }
        }
        self.emit(&format!("[{}{members}]", if negate { "^" } else { "" }));
        Ok(())
    }

    /// One class member (a character, an escape, or a category such as `\w`).
    fn member(&mut self) -> Result<Member, Reason> {
        let at = self.pos;
        let c = self.peek(0).unwrap_or('\0');
        if c != '\\' {
            self.pos += 1;
            return Ok(Member::Char(u32::from(c)));
        }
        let Some(n) = self.peek(1) else {
            return Err(syntax("unterminated character set", at));
        };
        if let Some(set) = self.category(n) {
            self.pos += 2;
            return Ok(Member::Set(set));
        }
        if n.is_ascii_digit() {
            if !is_octal(Some(n)) {
                return Err(syntax(format!("bad escape \\{n}"), at));
            }
            let mut end = self.pos + 2;
            while end < self.pos + 4 && is_octal(self.chars.get(end).copied()) {
                end += 1;
            }
            let digits: String = self.chars[self.pos + 1..end].iter().collect();
            let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
            if code > 0o377 {
                return Err(syntax(
                    format!("octal escape value \\{digits} outside of range 0-0o377"),
                    at,
                ));
            }
            self.pos = end;
            return Ok(Member::Char(code));
        }
        let (code, len) = self.common_escape(n)?;
        self.pos += len;
        Ok(Member::Char(code))
    }

    fn member_text(&self, member: Member) -> String {
        match member {
            Member::Char(code) => code_text(code, self.bytes),
            Member::Set(set) => match set.strip_prefix('^') {
                Some(inner) => format!("[^{inner}]"),
                None => set,
            },
        }
    }

    /// A group's opening: `(`, `(?:`, `(?P<name>`, flags, a comment, or an unsupported one.
    fn group(&mut self) -> Result<(), Reason> {
        let at = self.pos;
        if self.peek(1) != Some('?') {
            self.open_capture("(", None)?;
            self.pos += 1;
            return Ok(());
        }
        let unknown = |what: String| Err(syntax(format!("unknown extension ?{what}"), at + 1));
        match self.peek(2) {
            Some(':') => {
                self.open("(?:", Open::Plain);
                self.pos += 3;
                Ok(())
            }
            Some('P') => match self.peek(3) {
                Some('<') => {
                    let start = self.pos + 4;
                    let (name, end) = self.name_until(start, '>')?;
                    if !super::is_identifier(&name) {
                        return Err(syntax(
                            format!("bad character in group name '{name}'"),
                            start,
                        ));
                    }
                    self.open_capture(&format!("(?P<{name}>"), Some((name, start)))?;
                    self.pos = end;
                    Ok(())
                }
                Some('=') => {
                    let start = self.pos + 4;
                    let (name, end) = self.name_until(start, ')')?;
                    if !super::is_identifier(&name) {
                        return Err(syntax(
                            format!("bad character in group name '{name}'"),
                            start,
                        ));
                    }
                    let Some(&(_, group)) = self.names.iter().find(|(n, _)| *n == name) else {
                        return Err(syntax(format!("unknown group name '{name}'"), start));
                    };
                    self.pos = end;
                    self.backreference(group, start)?;
                    self.started = true;
                    Ok(())
                }
                Some(c) => unknown(format!("P{c}")),
                None => Err(syntax("unexpected end of pattern", at)),
            },
            Some('<') => match self.peek(3) {
                Some(c @ ('=' | '!')) => {
                    let saved = self.lookbehind_groups;
                    if saved.is_none() {
                        self.lookbehind_groups = Some(self.group_widths.len());
                    }
                    self.open(&format!("(?<{c}"), Open::LookBehind(saved));
                    self.backtracks = true;
                    self.pos += 4;
                    Ok(())
                }
                Some(c) => unknown(format!("<{c}")),
                None => Err(syntax("unexpected end of pattern", at)),
            },
            Some(c @ ('=' | '!')) => {
                self.open(&format!("(?{c}"), Open::LookAhead);
                self.backtracks = true;
                self.pos += 3;
                Ok(())
            }
            Some('(') => self.conditional(),
            Some('>') => {
                self.open("(?>", Open::Plain);
                self.backtracks = true;
                self.pos += 3;
                Ok(())
            }
            Some('#') => {
                let Some(len) = self.chars[at..].iter().position(|&c| c == ')') else {
                    return Err(syntax("missing ), unterminated comment", at));
                };
                self.pos = at + len + 1;
                Ok(())
            }
            Some(c) if c == '-' || "aiLmsux".contains(c) => self.flags_group(),
            Some(c) => unknown(c.to_string()),
            None => Err(syntax("unexpected end of pattern", at)),
        }
    }

    /// The name from `start` up to `terminator` and where the text after the terminator
    /// starts, with `sre_parse`'s errors (`getuntil`).
    fn name_until(&self, start: usize, terminator: char) -> Result<(String, usize), Reason> {
        let len = self.chars.len().saturating_sub(start);
        let found = self
            .chars
            .get(start..)
            .and_then(|rest| rest.iter().position(|&c| c == terminator));
        match found {
            Some(0) => Err(syntax("missing group name", start)),
            Some(n) => Ok((self.chars[start..start + n].iter().collect(), start + n + 1)),
            None if len == 0 => Err(syntax("missing group name", start)),
            None => Err(syntax(
                format!("missing {terminator}, unterminated name"),
                start,
            )),
        }
    }

    /// `(?(1)yes|no)` or `(?(name)yes|no)`, as `sre_parse` reads the condition.
    fn conditional(&mut self) -> Result<(), Reason> {
        let start = self.pos + 3;
        let (name, end) = self.name_until(start, ')')?;
        let group = if super::is_identifier(&name) {
            match self.names.iter().find(|(n, _)| *n == name) {
                Some(&(_, group)) => group,
                None => return Err(syntax(format!("unknown group name '{name}'"), start)),
            }
        } else {
            let group = name
                .chars()
                .all(|c| c.is_ascii_digit())
                .then(|| name.parse::<usize>().ok())
                .flatten()
                .ok_or_else(|| syntax(format!("bad character in group name '{name}'"), start))?;
            if group == 0 {
                return Err(syntax("bad group number", start));
            }
            self.condition_refs.push((group, start));
            group
        };
        if let Some(before) = self.lookbehind_groups {
            if self.group_widths.get(group).is_none_or(Option::is_none) {
                return Err(syntax("cannot refer to an open group", end));
            }
            if group >= before {
                return Err(syntax(
                    "cannot refer to group defined in the same lookbehind subpattern",
                    end,
                ));
            }
        }
        if self.stack.iter().any(|f| f.kind == Open::Capture(group)) {
            return Err(Reason::Unsupported(Unsupported::EnclosingConditional));
        }
        self.open(&format!("(?({group})"), Open::Conditional(0));
        self.backtracks = true;
        self.pos = end;
        Ok(())
    }

    /// Opens a capture group, named or not (`name` and where it is written).
    fn open_capture(&mut self, text: &str, name: Option<(String, usize)>) -> Result<(), Reason> {
        let group = self.group_widths.len();
        if let Some((name, at)) = name {
            if let Some((_, was)) = self.names.iter().find(|(n, _)| *n == name) {
                return Err(syntax(
                    format!(
                        "redefinition of group name '{name}' as group {group}; was group {was}"
                    ),
                    at,
                ));
            }
            self.names.push((name, group));
        }
        self.group_widths.push(None);
        self.open(text, Open::Capture(group));
        Ok(())
    }

    /// Opens a group: the scope and widths are saved to be restored at its `)`.
    fn open(&mut self, text: &str, kind: Open) {
        self.stack.push(Frame {
            scope: self.scope,
            open: self.pos,
            at: self.out_lens(),
            kind,
            widths: self.widths,
        });
        self.widths = Widths::NEW;
        self.emit(text);
        self.last = Last::Nothing;
        self.started = true;
    }

    /// A `)`: the group's width counts in the enclosing one.
    fn close(&mut self) -> Result<(), Reason> {
        let Some(frame) = self.stack.pop() else {
            return Err(syntax("unbalanced parenthesis", self.pos));
        };
        let inner = self.widths.total();
        let width = match frame.kind {
            Open::Plain => inner,
            Open::Capture(group) => {
                self.group_widths[group] = Some(inner);
                inner
            }
            Open::LookAhead => Width::ZERO,
            Open::LookBehind(saved) => {
                self.lookbehind_groups = saved;
                if inner.lo != inner.hi && self.compile_error.is_none() {
                    self.compile_error = Some("look-behind requires fixed-width pattern".into());
                }
                Width::ZERO
            }
            Open::Conditional(0) => Width { lo: 0, ..inner },
            Open::Conditional(_) => inner,
        };
        self.scope = frame.scope;
        self.widths = frame.widths;
        self.emit(")");
        self.pos += 1;
        self.atom_at = frame.at;
        self.add_width(width);
        self.last = Last::Atom;
        Ok(())
    }

    /// `(?aiLmsux)` (global) or `(?aiLmsux-imsx:...` (scoped), as `_parse_flags` reads them.
    fn flags_group(&mut self) -> Result<(), Reason> {
        let at = self.pos;
        let mut j = self.pos + 2;
        let (mut on, mut off) = (String::new(), String::new());
        let mut c = self.chars[j];
        if c != '-' {
            loop {
                match c {
                    'L' if !self.bytes => {
                        return Err(syntax(
                            "bad inline flag: cannot use 'L' flag with a str pattern",
                            j,
                        ));
                    }
                    'L' => return Err(Reason::Unsupported(Unsupported::Locale)),
                    'u' if self.bytes => {
                        return Err(syntax(
                            "bad inline flag: cannot use 'u' flag with a bytes pattern",
                            j,
                        ));
                    }
                    _ => {}
                }
                on.push(c);
                if on.contains('a') && on.contains('u') {
                    return Err(syntax(
                        "bad inline flag: flags 'a', 'u' and 'L' are incompatible",
                        j,
                    ));
                }
                j += 1;
                match self.chars.get(j) {
                    None => return Err(syntax("missing -, : or )", j)),
                    Some(&n) if ")-:".contains(n) => {
                        c = n;
                        break;
                    }
                    Some(&n) if "aiLmsux".contains(n) => c = n,
                    Some(&n) if n.is_alphabetic() => return Err(syntax("unknown flag", j)),
                    Some(_) => return Err(syntax("missing -, : or )", j)),
                }
            }
        }
        if c == ')' {
            if self.started {
                return Err(syntax(
                    "global flags not at the start of the expression",
                    at,
                ));
            }
            self.pos = j + 1;
            self.apply(&on, "");
            let f = &mut self.flags;
            f.ignorecase |= on.contains('i');
            f.multiline |= on.contains('m');
            f.dotall |= on.contains('s');
            f.verbose |= on.contains('x');
            f.ascii |= on.contains('a');
            let mut text = String::new();
            for flag in ['i', 's'] {
                if on.contains(flag) {
                    text.push_str(&format!("(?{flag})"));
                }
            }
            self.emit(&text);
            return Ok(());
        }
        if c == '-' {
            j += 1;
            match self.chars.get(j) {
                None => return Err(syntax("missing flag", j)),
                Some(&n) if "aiLmsux".contains(n) => c = n,
                Some(&n) if n.is_alphabetic() => return Err(syntax("unknown flag", j)),
                Some(_) => return Err(syntax("missing flag", j)),
            }
            loop {
                if "aLu".contains(c) {
                    return Err(syntax(
                        "bad inline flag: cannot turn off flags 'a', 'u' and 'L'",
                        j,
                    ));
                }
                off.push(c);
                j += 1;
                match self.chars.get(j) {
                    None => return Err(syntax("missing :", j)),
                    Some(':') => break,
                    Some(&n) if "aiLmsux".contains(n) => c = n,
                    Some(&n) if n.is_alphabetic() => return Err(syntax("unknown flag", j)),
                    Some(_) => return Err(syntax("missing :", j)),
                }
            }
        }
        if on.chars().any(|f| off.contains(f)) {
            return Err(syntax("bad inline flag: flag turned on and off", j));
        }
        self.stack.push(Frame {
            scope: self.scope,
            open: self.pos,
            at: self.out_lens(),
            kind: Open::Plain,
            widths: self.widths,
        });
        self.widths = Widths::NEW;
        self.apply(&on, &off);
        let keep = |s: &str| s.chars().filter(|c| "is".contains(*c)).collect::<String>();
        let (on, off) = (keep(&on), keep(&off));
        let text = match (on.is_empty(), off.is_empty()) {
            (true, true) => "(?:".to_owned(),
            (false, true) => format!("(?{on}:"),
            (_, false) => format!("(?{on}-{off}:"),
        };
        self.emit(&text);
        self.pos = j + 1;
        self.last = Last::Nothing;
        self.started = true;
        Ok(())
    }

    fn apply(&mut self, on: &str, off: &str) {
        let s = &mut self.scope;
        for (flags, value) in [(on, true), (off, false)] {
            for f in flags.chars() {
                match f {
                    'i' => s.ignorecase = value,
                    'm' => s.multiline = value,
                    's' => s.dotall = value,
                    'x' => s.verbose = value,
                    'a' => s.ascii = value && !self.bytes,
                    _ => {}
                }
            }
        }
    }
}

/// A class that matches nothing.
fn never(bytes: bool) -> &'static str {
    if bytes {
        "[^\\x00-\\xFF]"
    } else {
        "[^\\x00-\\x{10FFFF}]"
    }
}

/// A character given by its code, as `regex` reads it in or out of a class: ASCII letters and
/// digits as they are, anything else by its hex code (a byte for bytes patterns).
fn code_text(code: u32, bytes: bool) -> String {
    match char::from_u32(code) {
        Some(c) if c.is_ascii_alphanumeric() => c.to_string(),
        _ if bytes => format!("\\x{:02X}", code & 0xff),
        _ => format!("\\x{{{code:X}}}"),
    }
}
