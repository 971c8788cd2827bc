//! Text editing shared by `lineinfile`, `blockinfile` and `replace`.
//!
//! Ansible's modules use Python's `re`; drover uses Rust's `regex`. [`compile`] translates a
//! Python pattern (Python-only spellings such as `\Z`, `{,3}`, a literal `{`, `[[]`, `$` before a
//! final newline) and rejects what `regex` cannot do (look-around, backreferences, conditionals)
//! with a clear message. [`Template`] is Python's replacement syntax (`\1`, `\g<name>`, `\n`),
//! [`py_subn`] is `re.subn`'s match iteration (empty matches included, as Python 3.7+ finds
//! them), and the line splitters are Python's `readlines` and `splitlines(True)`. [`apply`] is
//! the write half shared by the three modules: attributes, check mode, backup, validate, diff and
//! Ansible's messages.

use crate::files::{self, FileAttrs, FileState};
use drover_types::{ModuleContext, TaskResult, shell_quote};
use regex::bytes::{Captures, Regex};

/// Which Python pattern a module compiles, which decides how it is translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// A bytes pattern searched in one line (or, with `(?m)`, a whole file): ASCII classes,
    /// and `$` matches at the end or before the line's `\n`, exactly as Python's `$` does there.
    Line,
    /// A text pattern compiled with `re.MULTILINE` (`replace`'s `regexp`).
    Multiline,
    /// A text pattern compiled with `re.DOTALL` (`replace`'s `after`/`before`). Python's `$`
    /// (end, or before a final newline) becomes "an optional newline, then the end".
    Dotall,
}

/// Compiles a Python regular expression for `flavor`; the error is a message for the user.
pub(crate) fn compile(pattern: &str, flavor: Flavor) -> Result<Regex, String> {
    let translated = translate(pattern, flavor)
        .map_err(|e| format!("cannot use regular expression '{pattern}': {e}"))?;
    Regex::new(&translated).map_err(|e| {
        let detail = e.to_string();
        let last = detail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid");
        format!("cannot use regular expression '{pattern}': {}", last.trim())
    })
}

/// The inline flags at the very start of a Python pattern (`(?im)...` gives `im`): Python's
/// global flags.
pub(crate) fn leading_flags(pattern: &str) -> String {
    let mut flags = String::new();
    let mut rest = pattern;
    while let Some(after) = rest.strip_prefix("(?") {
        let Some(end) = after.find(')') else { break };
        let body = &after[..end];
        if body.is_empty() || !body.chars().all(|c| "aiLmsux".contains(c)) {
            break;
        }
        flags.push_str(body);
        rest = &after[end + 1..];
    }
    flags
}

/// Translates a Python pattern into `regex` syntax.
pub(crate) fn translate(pattern: &str, flavor: Flavor) -> Result<String, String> {
    let bytes = flavor == Flavor::Line;
    let global_m = leading_flags(pattern).contains('m');
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from(match flavor {
        Flavor::Line => "(?-u)",
        Flavor::Multiline => "(?m)",
        Flavor::Dotall => "(?s)",
    });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i = match c {
            '\\' => escape(&chars, i, false, bytes, &mut out)?,
            '[' => class(&chars, i, bytes, &mut out)?,
            '(' => group(&chars, i, bytes, &mut out)?,
            '{' => {
                let (text, next) = repeat(&chars, i);
                out.push_str(&text);
                next
            }
            '}' | ']' => {
                out.push('\\');
                out.push(c);
                i + 1
            }
            '$' => {
                out.push_str(match flavor {
                    Flavor::Line => "(?m:$)",
                    Flavor::Multiline => "$",
                    Flavor::Dotall if global_m => "$",
                    Flavor::Dotall => "(?:\\n?\\z)",
                });
                i + 1
            }
            _ => {
                push_literal_char(c, bytes, false, &mut out);
                i + 1
            }
        };
    }
    Ok(out)
}

/// Pushes a character that stands for itself (outside escapes it may already be a metachar:
/// only non-ASCII characters are rewritten, as bytes for a bytes pattern).
fn push_literal_char(c: char, bytes: bool, escaped: bool, out: &mut String) {
    if bytes && !c.is_ascii() {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    } else if escaped && (c == ' ' || c == '#' || regex_syntax_meta(c)) {
        out.push('\\');
        out.push(c);
    } else {
        out.push(c);
    }
}

/// Characters `regex` treats specially and that need a backslash to be literal.
fn regex_syntax_meta(c: char) -> bool {
    "\\.+*?()|[]{}^$#&-~".contains(c)
}

/// Pushes a character given by its code (octal escapes): a byte for bytes patterns.
fn push_code(code: u32, bytes: bool, out: &mut String) {
    if bytes {
        out.push_str(&format!("\\x{:02X}", code & 0xff));
    } else {
        out.push_str(&format!("\\x{{{code:X}}}"));
    }
}

/// Translates the escape at `chars[i]` (a backslash); returns the index after it.
fn escape(
    chars: &[char],
    i: usize,
    in_class: bool,
    bytes: bool,
    out: &mut String,
) -> Result<usize, String> {
    let Some(&n) = chars.get(i + 1) else {
        return Err("bad escape (end of pattern)".into());
    };
    let hex = |from: usize, len: usize| -> Option<String> {
        let s: String = chars.get(from..from + len)?.iter().collect();
        s.chars().all(|c| c.is_ascii_hexdigit()).then_some(s)
    };
    let octal = |c: Option<&char>| c.is_some_and(|c| ('0'..='7').contains(c));
    match n {
        'Z' if !in_class => out.push_str("\\z"),
        'A' | 'B' if !in_class => out.push_str(&format!("\\{n}")),
        'b' if in_class => out.push_str("\\x08"),
        'b' => out.push_str("\\b"),
        'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'a' | 'f' | 'n' | 'r' | 't' | 'v' => {
            out.push('\\');
            out.push(n);
        }
        'x' => {
            let h = hex(i + 2, 2).ok_or("incomplete escape \\x")?;
            out.push_str(&format!("\\x{h}"));
            return Ok(i + 4);
        }
        'u' | 'U' if !bytes => {
            let len = if n == 'u' { 4 } else { 8 };
            let h = hex(i + 2, len).ok_or_else(|| format!("incomplete escape \\{n}"))?;
            out.push_str(&format!("\\x{{{h}}}"));
            return Ok(i + 2 + len);
        }
        '0' => {
            let mut end = i + 2;
            while end < i + 4 && octal(chars.get(end)) {
                end += 1;
            }
            let digits: String = chars[i + 1..end].iter().collect();
            push_code(u32::from_str_radix(&digits, 8).unwrap_or(0), bytes, out);
            return Ok(end);
        }
        '1'..='9' => {
            if octal(Some(&n)) && octal(chars.get(i + 2)) && octal(chars.get(i + 3)) {
                let digits: String = chars[i + 1..i + 4].iter().collect();
                let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                if code > 0o377 {
                    return Err(format!(
                        "octal escape value \\{digits} outside of range 0-0o377"
                    ));
                }
                push_code(code, bytes, out);
                return Ok(i + 4);
            }
            return Err(format!(
                "backreferences such as \\{n} are not supported (drover uses Rust's regex engine)"
            ));
        }
        c if c.is_ascii_alphabetic() => return Err(format!("bad escape \\{c}")),
        c => push_literal_char(c, bytes, true, out),
    }
    Ok(i + 2)
}

/// Translates a character class starting at `chars[i]` (`[`); returns the index after `]`.
fn class(chars: &[char], i: usize, bytes: bool, out: &mut String) -> Result<usize, String> {
    out.push('[');
    let mut j = i + 1;
    if chars.get(j) == Some(&'^') {
        out.push('^');
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        out.push_str("\\]");
        j += 1;
    }
    loop {
        let Some(&c) = chars.get(j) else {
            return Err("unterminated character set".into());
        };
        match c {
            ']' => {
                out.push(']');
                return Ok(j + 1);
            }
            '\\' => j = escape(chars, j, true, bytes, out)?,
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                j += 1;
            }
            _ => {
                push_literal_char(c, bytes, false, out);
                j += 1;
            }
        }
    }
}

/// Translates a group opening at `chars[i]` (`(`); returns the index after the opening part.
fn group(chars: &[char], i: usize, bytes: bool, out: &mut String) -> Result<usize, String> {
    if chars.get(i + 1) != Some(&'?') {
        out.push('(');
        return Ok(i + 1);
    }
    let unsupported = |what: &str| {
        Err(format!(
            "{what} is not supported (drover uses Rust's regex engine, which has no {what})"
        ))
    };
    match chars.get(i + 2) {
        Some(':') => {
            out.push_str("(?:");
            Ok(i + 3)
        }
        Some('P') => match chars.get(i + 3) {
            Some('<') => {
                out.push_str("(?P<");
                Ok(i + 4)
            }
            Some('=') => unsupported("backreference (?P=name)"),
            _ => Err("unknown extension ?P".into()),
        },
        Some('<') => match chars.get(i + 3) {
            Some('=') | Some('!') => unsupported("look-behind"),
            _ => {
                out.push_str("(?P<");
                Ok(i + 3)
            }
        },
        Some('=') | Some('!') => unsupported("look-ahead"),
        Some('(') => unsupported("conditional group"),
        Some('>') => unsupported("atomic group"),
        Some('#') => {
            let mut j = i + 3;
            while j < chars.len() && chars[j] != ')' {
                j += 1;
            }
            if j >= chars.len() {
                return Err("missing ), unterminated comment".into());
            }
            Ok(j + 1)
        }
        Some(_) => flags_group(chars, i, bytes, out),
        None => Err("unexpected end of pattern".into()),
    }
}

/// Translates an inline-flags group `(?aiLmsux-imsx)` or `(?flags:...`.
fn flags_group(chars: &[char], i: usize, bytes: bool, out: &mut String) -> Result<usize, String> {
    let (mut on, mut off) = (String::new(), String::new());
    let mut negative = false;
    let mut j = i + 2;
    loop {
        let Some(&c) = chars.get(j) else {
            return Err("missing -, : or )".into());
        };
        j += 1;
        match c {
            ')' | ':' => {
                if !bytes && on.contains('a') {
                    on = on.replace('a', "");
                    off.push('u');
                }
                let on = on.replace('a', "");
                let flags = if off.is_empty() {
                    on
                } else {
                    format!("{on}-{off}")
                };
                match (c, flags.is_empty()) {
                    (')', true) => {}
                    (')', false) => out.push_str(&format!("(?{flags})")),
                    (_, true) => out.push_str("(?:"),
                    (_, false) => out.push_str(&format!("(?{flags}:")),
                }
                return Ok(j);
            }
            '-' if !negative => negative = true,
            'i' | 'm' | 's' | 'x' if negative => off.push(c),
            'i' | 'm' | 's' | 'x' | 'a' => on.push(c),
            'u' => {}
            'L' => return Err("the L (locale) flag is not supported".into()),
            _ => return Err(format!("unknown extension ?{c}")),
        }
    }
}

/// A `{` at `chars[i]`: a Python repeat (`{m}`, `{m,}`, `{,n}`, `{m,n}`) or a literal brace.
fn repeat(chars: &[char], i: usize) -> (String, usize) {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let start = *j;
        while chars.get(*j).is_some_and(|c| c.is_ascii_digit()) {
            *j += 1;
        }
        chars[start..*j].iter().collect::<String>()
    };
    let lo = digits(&mut j);
    let mut hi = None;
    if chars.get(j) == Some(&',') {
        j += 1;
        hi = Some(digits(&mut j));
    }
    if chars.get(i + 1) == Some(&'}') || chars.get(j) != Some(&'}') {
        return ("\\{".into(), i + 1);
    }
    let lo = if lo.is_empty() { "0".to_owned() } else { lo };
    let text = match hi {
        None => format!("{{{lo}}}"),
        Some(hi) => format!("{{{lo},{hi}}}"),
    };
    (text, j + 1)
}

/// One part of a parsed replacement template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Bytes copied as they are.
    Lit(Vec<u8>),
    /// The text of a capture group (empty when it did not take part in the match).
    Group(usize),
}

/// A Python replacement template (`re.sub`'s `repl`, `match.expand`'s argument), parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(Vec<Piece>);

impl Template {
    /// Parses `source` for `re` as Python does: `\1`..`\99`, `\g<1>`, `\g<name>`, octal
    /// (`\0`, `\101`), `\a\b\f\n\r\t\v\\`; any other escaped non-letter keeps its backslash;
    /// an escaped ASCII letter is an error. `bytes`: octal escapes give raw bytes.
    pub(crate) fn parse(source: &str, re: &Regex, bytes: bool) -> Result<Template, String> {
        let chars: Vec<char> = source.chars().collect();
        let groups = re.captures_len() - 1;
        let mut pieces = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let push_char = |lit: &mut Vec<u8>, c: char| {
            let mut buf = [0u8; 4];
            lit.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        };
        let push_code = |lit: &mut Vec<u8>, code: u32| {
            if bytes {
                lit.push((code & 0xff) as u8);
            } else {
                push_char(lit, char::from_u32(code).unwrap_or('\u{fffd}'));
            }
        };
        let group = |lit: &mut Vec<u8>, pieces: &mut Vec<Piece>, index: usize, pos: usize| {
            if index > groups {
                return Err(format!("invalid group reference {index} at position {pos}"));
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(lit)));
            }
            pieces.push(Piece::Group(index));
            Ok(())
        };
        let octal = |c: Option<&char>| c.is_some_and(|c| ('0'..='7').contains(c));
        let digit = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_digit());
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c != '\\' {
                push_char(&mut lit, c);
                i += 1;
                continue;
            }
            let Some(&n) = chars.get(i + 1) else {
                return Err(format!("bad escape (end of pattern) at position {i}"));
            };
            match n {
                'g' => {
                    if chars.get(i + 2) != Some(&'<') {
                        return Err(format!("missing < at position {}", i + 2));
                    }
                    let start = i + 3;
                    let Some(len) = chars[start..].iter().position(|&c| c == '>') else {
                        return Err(format!("missing >, unterminated name at position {start}"));
                    };
                    let name: String = chars[start..start + len].iter().collect();
                    if name.is_empty() {
                        return Err(format!("missing group name at position {start}"));
                    }
                    let index = if name.chars().all(|c| c.is_ascii_digit()) {
                        name.parse::<usize>().unwrap_or(usize::MAX)
                    } else if is_identifier(&name) {
                        re.capture_names()
                            .position(|n| n == Some(name.as_str()))
                            .ok_or_else(|| format!("unknown group name '{name}'"))?
                    } else {
                        return Err(format!(
                            "bad character in group name '{name}' at position {start}"
                        ));
                    };
                    group(&mut lit, &mut pieces, index, start)?;
                    i = start + len + 1;
                }
                '0' => {
                    let mut end = i + 2;
                    while end < i + 4 && octal(chars.get(end)) {
                        end += 1;
                    }
                    let digits: String = chars[i + 1..end].iter().collect();
                    push_code(
                        &mut lit,
                        u32::from_str_radix(&digits, 8).unwrap_or(0) & 0xff,
                    );
                    i = end;
                }
                '1'..='9' => {
                    let mut end = i + 2;
                    if digit(chars.get(end)) {
                        end += 1;
                        if octal(Some(&n)) && octal(chars.get(end - 1)) && octal(chars.get(end)) {
                            let digits: String = chars[i + 1..end + 1].iter().collect();
                            let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                            if code > 0o377 {
                                return Err(format!(
                                    "octal escape value \\{digits} outside of range 0-0o377 at position {i}"
                                ));
                            }
                            push_code(&mut lit, code);
                            i = end + 1;
                            continue;
                        }
                    }
                    let digits: String = chars[i + 1..end].iter().collect();
                    group(
                        &mut lit,
                        &mut pieces,
                        digits.parse().unwrap_or(usize::MAX),
                        i + 1,
                    )?;
                    i = end;
                }
                _ => {
                    match n {
                        'a' => lit.push(0x07),
                        'b' => lit.push(0x08),
                        'f' => lit.push(0x0c),
                        'n' => lit.push(b'\n'),
                        'r' => lit.push(b'\r'),
                        't' => lit.push(b'\t'),
                        'v' => lit.push(0x0b),
                        '\\' => lit.push(b'\\'),
                        c if c.is_ascii_alphabetic() => {
                            return Err(format!("bad escape \\{c} at position {i}"));
                        }
                        c => {
                            lit.push(b'\\');
                            push_char(&mut lit, c);
                        }
                    }
                    i += 2;
                }
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Ok(Template(pieces))
    }

    /// Appends the expansion for one match to `out`.
    pub(crate) fn expand_into(&self, caps: &Captures<'_>, out: &mut Vec<u8>) {
        for piece in &self.0 {
            match piece {
                Piece::Lit(bytes) => out.extend_from_slice(bytes),
                Piece::Group(i) => {
                    if let Some(m) = caps.get(*i) {
                        out.extend_from_slice(m.as_bytes());
                    }
                }
            }
        }
    }

    /// The expansion for one match (Python's `match.expand`).
    pub(crate) fn expand(&self, caps: &Captures<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        self.expand_into(caps, &mut out);
        out
    }
}

/// Python's `str.isidentifier` for the ASCII names groups use.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Python's `re.subn(re, template, hay)`: every non-overlapping match replaced, empty matches
/// included (also right after a non-empty one, as Python 3.7+ does); returns the new bytes and
/// the number of replacements. `text`: step over whole UTF-8 characters after an empty match.
pub(crate) fn py_subn(re: &Regex, tpl: &Template, hay: &[u8], text: bool) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(hay.len());
    let (mut last, mut pos, mut count) = (0, 0, 0);
    let mut must_advance = false;
    while pos <= hay.len() {
        let Some(caps) = re.captures_at(hay, pos) else {
            break;
        };
        let m = caps.get(0).expect("group 0 always matches");
        if must_advance && m.start() == pos && m.end() == pos {
            if pos >= hay.len() {
                break;
            }
            pos += if text { char_len(&hay[pos..]) } else { 1 };
            must_advance = false;
            continue;
        }
        out.extend_from_slice(&hay[last..m.start()]);
        tpl.expand_into(&caps, &mut out);
        last = m.end();
        count += 1;
        must_advance = m.start() == m.end();
        pos = m.end();
    }
    out.extend_from_slice(&hay[last..]);
    (out, count)
}

/// The length of the UTF-8 character at the start of `b` (1 for a byte that starts none).
pub(crate) fn char_len(b: &[u8]) -> usize {
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

/// Python's `bytes.readlines()`: lines split after each `\n`, each keeping it.
pub(crate) fn readlines(content: &[u8]) -> Vec<Vec<u8>> {
    content
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Python's `bytes.splitlines(True)`: lines split after `\n`, `\r` or `\r\n`, each kept.
pub(crate) fn splitlines_keepends(content: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'\n' => {
                lines.push(content[start..=i].to_vec());
                start = i + 1;
            }
            b'\r' => {
                let end = if content.get(i + 1) == Some(&b'\n') {
                    i + 1
                } else {
                    i
                };
                lines.push(content[start..=end].to_vec());
                i = end;
                start = end + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < content.len() {
        lines.push(content[start..].to_vec());
    }
    lines
}

/// A line without its trailing `\r`/`\n` characters (Python's `rstrip(b'\r\n')`).
pub(crate) fn rstrip_eol(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &line[..end]
}

/// Expands a `path` argument as Ansible's `type: path` does on the target: environment
/// variables (`$NAME`, `${NAME}`; unknown ones are kept) then `~` or `~user` (an unknown user is
/// kept). Costs one round trip, only when the path has a `$` or starts with `~`.
pub(crate) async fn expand_path(ctx: &ModuleContext<'_>, path: &str) -> Result<String, TaskResult> {
    let refs = var_refs(path);
    let tilde = tilde_user(path);
    if refs.is_empty() && tilde.is_none() {
        return Ok(path.to_owned());
    }
    let mut script = String::from("set -f\n");
    for (_, _, name) in &refs {
        // Only exported variables count, as with Python's os.path.expandvars (`$IFS` is a shell
        // variable, not an environment one). `name` is an identifier: safe to write as is.
        script.push_str(&format!(
            "if v=$(printenv {name} && printf x); then v=${{v%x}}; v=${{v%?}}; printf 's%s\\0' \"$v\"; else printf 'u\\0'; fi\n"
        ));
    }
    if let Some(user) = tilde {
        script.push_str(&format!("printf 'h%s\\0' ~{user}\n"));
    }
    let out = files::run(ctx, &script, None).await?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "could not expand `{path}`: {}",
            out.stderr_text().trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut answers = text.split('\0');
    let mut expanded = String::new();
    let mut last = 0;
    for (start, end, _) in &refs {
        expanded.push_str(&path[last..*start]);
        match answers.next().and_then(|a| a.strip_prefix('s')) {
            Some(value) => expanded.push_str(value),
            None => expanded.push_str(&path[*start..*end]),
        }
        last = *end;
    }
    expanded.push_str(&path[last..]);
    if let Some(user) = tilde {
        let home = answers
            .next()
            .and_then(|a| a.strip_prefix('h'))
            .filter(|h| !h.starts_with('~'));
        if let Some(home) = home {
            let rest = &expanded[1 + user.len()..];
            let joined = format!("{}{rest}", home.trim_end_matches('/'));
            expanded = if joined.is_empty() {
                "/".to_owned()
            } else {
                joined
            };
        }
    }
    Ok(expanded)
}

/// The environment variable references in a path that a shell can look up, as
/// `(start, end, name)`: Python's `\$(\w+|\{[^}]*\})`, keeping only valid names.
fn var_refs(path: &str) -> Vec<(usize, usize, &str)> {
    let valid = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && n.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
    };
    let b = path.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let (name, end) = if b.get(i + 1) == Some(&b'{') {
            match path[i + 2..].find('}') {
                Some(close) => (&path[i + 2..i + 2 + close], i + 3 + close),
                None => ("", i + 1),
            }
        } else {
            let len = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            (&path[i + 1..i + 1 + len], i + 1 + len)
        };
        if valid(name) {
            refs.push((i, end, name));
        }
        i = end.max(i + 1);
    }
    refs
}

/// For a path starting with `~`, the user name after it (empty for the current user), when it
/// is one a shell can expand safely.
fn tilde_user(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('~')?;
    let user = &rest[..rest.find('/').unwrap_or(rest.len())];
    let safe = user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !user.starts_with('-');
    safe.then_some(user)
}

/// The content of a file `read_state` found (empty when it does not exist or is not a regular
/// file); fails for files too large to have been read back.
pub(crate) fn content_of(state: &FileState, path: &str) -> Result<Vec<u8>, TaskResult> {
    match (&state.content, &state.checksum) {
        (Some(c), _) => Ok(c.clone()),
        (None, Some(_)) => Err(TaskResult::failed(format!(
            "{path} is too large for drover to edit in place"
        ))),
        (None, None) => Ok(Vec::new()),
    }
}

/// Ansible's message when mode, owner or group had to change too.
const ATTRS_MSG: &str = "ownership, perms or SE linux context changed";

/// The outcome of a text edit, ready to be written by [`apply`].
#[derive(Debug)]
pub(crate) struct Edit<'a> {
    /// The destination as the task gave it.
    pub(crate) path: &'a str,
    /// What `read_state` found.
    pub(crate) state: &'a FileState,
    /// The new content.
    pub(crate) content: Vec<u8>,
    /// The content differs from the file's (or the file is to be created).
    pub(crate) changed: bool,
    /// The module's message for the content change (`line added`...), empty when none.
    pub(crate) msg: String,
    /// `backup`.
    pub(crate) backup: bool,
    /// `validate`.
    pub(crate) validate: Option<String>,
    /// `mode`, `owner`, `group`.
    pub(crate) attrs: FileAttrs,
    /// The diff headers (`/x (content)` for lineinfile and blockinfile, `/x` for replace).
    pub(crate) diff_header: String,
}

/// Whether `attrs` ask for something the file does not have. A new file is assumed to get
/// mode 0644 (umask 022) and the connecting user as owner.
fn attrs_differ(attrs: &FileAttrs, state: &FileState) -> bool {
    if state.exists {
        return !files::attrs_match(state, attrs);
    }
    attrs
        .mode
        .as_deref()
        .and_then(files::parse_octal)
        .is_some_and(|m| m != 0o644)
}

/// Writes an edit the way Ansible's text modules do: nothing (and no round trip) when neither
/// content nor attributes change; in check mode only the report; otherwise the parent directory
/// of a new file is created, then `files::write_content` writes atomically (backup only when the
/// content changes and the file existed), through symlinks. The message gets Ansible's attribute suffix. The
/// backup's path, when one was made, is under `backup_file`.
pub(crate) async fn apply(ctx: &ModuleContext<'_>, edit: Edit<'_>) -> TaskResult {
    let attrs_changed = attrs_differ(&edit.attrs, edit.state);
    let mut msg = edit.msg;
    if attrs_changed && (!ctx.check_mode || edit.state.exists) {
        if edit.changed {
            msg.push_str(" and ");
        }
        msg.push_str(ATTRS_MSG);
    }
    let mut result = TaskResult::changed(edit.changed || attrs_changed);
    if ctx.diff && edit.changed {
        let before = edit.state.content.as_deref().unwrap_or_default();
        let mut diff = files::text_diff(edit.path, before, &edit.content);
        diff.before_header.clone_from(&edit.diff_header);
        diff.after_header = edit.diff_header;
        result.diffs.push(diff);
    }
    if !result.changed || ctx.check_mode {
        result.msg = Some(msg);
        return result;
    }
    let bad_validate = edit
        .validate
        .as_ref()
        .filter(|v| edit.changed && !v.contains("%s"));
    if let Some(v) = bad_validate {
        return TaskResult::failed(format!("validate must contain %s: {v}"));
    }
    let target = match real_path(ctx, edit.path, edit.state.exists).await {
        Ok(target) => target,
        Err(failed) => return failed,
    };
    let backup = edit.backup && edit.changed && edit.state.exists;
    let written = files::write_content(
        ctx,
        &target,
        edit.state,
        &edit.content,
        &edit.attrs,
        backup,
        edit.validate.as_deref().filter(|_| edit.changed),
    )
    .await;
    if written.failed || written.unreachable {
        return written;
    }
    if let Some(b) = written
        .data
        .get("backup_file")
        .filter(|b| b.as_str().is_some_and(|s| !s.is_empty()))
    {
        result.set("backup_file", b.clone());
    }
    result.warnings = written.warnings;
    result.msg = Some(msg);
    result
}

/// Where to write: the file a symlink points to (Ansible writes through links, even dangling
/// ones, to their real path), with the parent directory of a new file created first as
/// Ansible's `create: true` does. One round trip, made only when something is written.
async fn real_path(
    ctx: &ModuleContext<'_>,
    path: &str,
    exists: bool,
) -> Result<String, TaskResult> {
    let mut script = format!(
        "set -f; p={}\nif [ -L \"$p\" ]; then r=$(readlink -f -- \"$p\") || exit 1; else r=$p; fi\n",
        shell_quote(path)
    );
    if !exists {
        // dirname(1) without its process: the directory only has to exist.
        script.push_str(
            "case $r in */*) d=${r%/*}; d=${d:-/};; *) d=.;; esac\n\
             [ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 2\n",
        );
    }
    script.push_str("printf '%s' \"$r\"");
    let out = files::run(ctx, &script, None).await?;
    match out.rc {
        0 => Ok(out.stdout_text()),
        2 => Err(TaskResult::failed(format!(
            "Error creating {} ({})",
            files::parent_dir(path),
            out.stderr_text().trim()
        ))),
        _ => Err(TaskResult::failed(format!(
            "could not resolve `{path}`: {}",
            out.stderr_text().trim()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns and the span Python's `re.search` gives (recorded with Python 3.11's `re`:
    /// bytes patterns for `Line`, text with MULTILINE for `Multiline`, spans in UTF-8 bytes).
    /// A pattern, a haystack and the span Python finds.
    type RxCase = (Flavor, &'static str, &'static [u8], Option<(usize, usize)>);

    #[test]
    #[rustfmt::skip]
    fn translation_matches_python() {
        let cases: &[RxCase] = &[
            (Flavor::Line, r#"foo$"#, b"foo\x0a", Some((0, 3))),
            (Flavor::Line, r#"^foo\Z"#, b"foo", Some((0, 3))),
            (Flavor::Line, r#"^foo\Z"#, b"foo\x0a", None),
            (Flavor::Line, r#"a{"#, b"xa{y", Some((1, 3))),
            (Flavor::Line, r#"{foo}"#, b"a{foo}b", Some((1, 6))),
            (Flavor::Line, r#"x{,2}y"#, b"xxxy", Some((1, 4))),
            (Flavor::Line, r#"x{2,}"#, b"axxxb", Some((1, 4))),
            (Flavor::Line, r#"a{}"#, b"a{}", Some((0, 3))),
            (Flavor::Line, r#"[[]"#, b"a[b", Some((1, 2))),
            (Flavor::Line, r#"[]a]+"#, b"x]a]", Some((1, 4))),
            (Flavor::Line, r#"[^]a]"#, b"]ab", Some((2, 3))),
            (Flavor::Line, r#"\0"#, b"a\x00b", Some((1, 2))),
            (Flavor::Line, r#"\101"#, b"zA", Some((1, 2))),
            (Flavor::Line, r#"\x41"#, b"zA", Some((1, 2))),
            (Flavor::Line, r#"a(?#comment)b"#, b"ab", Some((0, 2))),
            (Flavor::Line, r#"\d+"#, b"x 42", Some((2, 4))),
            (Flavor::Line, r#"caf."#, b"caf\xc3\xa9", Some((0, 4))),
            (Flavor::Line, r#"\w+"#, b"caf\xc3\xa9", Some((0, 3))),
            (Flavor::Line, r#"(?i)FOO"#, b"xfoo", Some((1, 4))),
            (Flavor::Line, r#"a\-b\<\>"#, b"a-b<>", Some((0, 5))),
            (Flavor::Line, r#"(?P<n>x+)"#, b"axxb", Some((1, 3))),
            (Flavor::Line, r#"[a&&b]"#, b"&", Some((0, 1))),
            (Flavor::Line, r#"[~~]"#, b"~", Some((0, 1))),
            (Flavor::Line, r#"a]"#, b"a]", Some((0, 2))),
            (Flavor::Line, r#"x}"#, b"x}", Some((0, 2))),
            (Flavor::Line, r#"\s+$"#, b"a  \x0a", Some((1, 4))),
            (Flavor::Line, r#"[\b]"#, b"a\x08", Some((1, 2))),
            (Flavor::Line, r#"\bfoo\b"#, b"a foo b", Some((2, 5))),
            (Flavor::Line, r#"(?x) a b # c"#, b"ab", Some((0, 2))),
            (Flavor::Line, r#"(?s)."#, b"\x0a", Some((0, 1))),
            (Flavor::Line, r#"^\s*#"#, b"  # c", Some((0, 3))),
            (Flavor::Line, "é", b"caf\xc3\xa9", Some((3, 5))),
            (Flavor::Line, "[é]", b"\xa9", Some((0, 1))),
            (Flavor::Line, r#"(?a)\w"#, b"x", Some((0, 1))),
            (Flavor::Line, r#"\$\{HOME\}"#, b"${HOME}", Some((0, 7))),
            (Flavor::Line, r#"(?m)^b$"#, b"a\x0ab\x0ac", Some((2, 3))),
            (Flavor::Line, r#"a|b$"#, b"b\x0a", Some((0, 1))),
            (Flavor::Line, r#".*"#, b"ab\x0a", Some((0, 2))),
            (Flavor::Multiline, r#"\w+"#, b"caf\xc3\xa9 ok", Some((0, 5))),
            (Flavor::Multiline, r#"^b$"#, b"a\x0ab\x0ac", Some((2, 3))),
            (Flavor::Multiline, r#"\d"#, b"\xd9\xa3", Some((0, 2))),
            (Flavor::Multiline, "é+", b"\xc3\xa9\xc3\xa9", Some((0, 4))),
            (Flavor::Multiline, "[à-ÿ]+", b"x\xc3\xa9y", Some((1, 3))),
            (Flavor::Multiline, r#"(?a)\w+"#, b"\xc3\xa9a", Some((2, 3))),
            (Flavor::Multiline, r#"\u00e9"#, b"\xc3\xa9", Some((0, 2))),
            (Flavor::Multiline, r#"\U000000e9"#, b"\xc3\xa9", Some((0, 2))),
            (Flavor::Multiline, r#"\Z"#, b"a\x0a", Some((2, 2))),
            (Flavor::Multiline, r#"$"#, b"a\x0a", Some((1, 1))),
            (Flavor::Multiline, r#"(?s)a.b"#, b"a\x0ab", Some((0, 3))),
            (Flavor::Multiline, r#"a.b"#, b"a\x0ab", None),
        ];
        for (flavor, pattern, hay, want) in cases {
            let re = compile(pattern, *flavor).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            let got = re.find(hay).map(|m| (m.start(), m.end()));
            assert_eq!(got, *want, "{pattern:?} on {hay:?} ({})", translate(pattern, *flavor).unwrap());
        }
    }

    #[test]
    fn unsupported_features_are_named() {
        for (pattern, what) in [
            ("a(?=b)", "look-ahead"),
            ("(?<!a)b", "look-behind"),
            (r"(a)\1", "backreferences"),
            ("(?P<x>a)(?P=x)", "backreference"),
            ("(?(1)a|b)", "conditional"),
            ("(?>a)", "atomic"),
            (r"\q", "bad escape"),
        ] {
            let err = compile(pattern, Flavor::Line).unwrap_err();
            assert!(err.contains(what), "{pattern}: {err}");
        }
        assert_eq!(leading_flags("(?i)(?m)x(?s)"), "im");
    }

    fn expand(pattern: &str, template: &str, hay: &str) -> Result<String, String> {
        let re = compile(pattern, Flavor::Multiline).unwrap();
        let tpl = Template::parse(template, &re, false)?;
        let (out, _) = py_subn(&re, &tpl, hay.as_bytes(), true);
        Ok(String::from_utf8(out).unwrap())
    }

    /// Expected values from Python 3.11's `re.sub`.
    #[test]
    fn templates_follow_python() {
        assert_eq!(expand("(a)", r"\1\g<0>\g<1>", "a").unwrap(), "aaa");
        assert_eq!(expand("(a)(b)?", r"[\2]", "a").unwrap(), "[]");
        assert_eq!(expand("(a)", r"\-\%\n\0\101", "a").unwrap(), "\\-\\%\n\0A");
        assert_eq!(expand("(?P<w>a)", r"<\g<w>>", "a").unwrap(), "<a>");
        assert_eq!(
            expand("(a)", r"\2", "a").unwrap_err(),
            "invalid group reference 2 at position 1"
        );
        assert_eq!(
            expand("(a)", r"\q", "a").unwrap_err(),
            "bad escape \\q at position 0"
        );
        assert_eq!(
            expand("(a)", "\\", "a").unwrap_err(),
            "bad escape (end of pattern) at position 0"
        );
        assert_eq!(
            expand("(a)", r"\g<x>", "a").unwrap_err(),
            "unknown group name 'x'"
        );
        assert_eq!(expand("x*", "-", "abxd").unwrap(), "-a-b--d-");
        assert_eq!(expand("^", ">", "a\nb\n").unwrap(), ">a\n>b\n>");
        assert_eq!(expand("$", "<", "a\nb\n").unwrap(), "a<\nb<\n<");
        assert_eq!(expand("", "-", "é").unwrap(), "-é-");
    }

    #[test]
    fn path_references() {
        assert_eq!(
            var_refs("$HOME/a${X}b$1$"),
            vec![(0, 5, "HOME"), (7, 11, "X")]
        );
        assert_eq!(tilde_user("~/x"), Some(""));
        assert_eq!(tilde_user("~bob/x"), Some("bob"));
        assert_eq!(tilde_user("~$(id)/x"), None);
        assert_eq!(tilde_user("/x~"), None);
    }

    #[test]
    fn line_splitting() {
        assert_eq!(
            readlines(b"a\nb\r\nc"),
            vec![b"a\n".to_vec(), b"b\r\n".to_vec(), b"c".to_vec()]
        );
        assert!(readlines(b"").is_empty());
        assert_eq!(
            splitlines_keepends(b"a\rb\r\nc\n\nd"),
            vec![
                b"a\r".to_vec(),
                b"b\r\n".to_vec(),
                b"c\n".to_vec(),
                b"\n".to_vec(),
                b"d".to_vec()
            ]
        );
        assert_eq!(rstrip_eol(b"a\r\n\r"), b"a");
    }
}
