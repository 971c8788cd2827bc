//! The `key=value` short form of module arguments (`file: path=/x state=directory mode=0755`),
//! split the way Ansible's `parse_kv` does: quotes group words, `\` escapes, and words without
//! `=` are free-form text (`_raw_params`), kept with their original spacing for command/shell.
//!
//! Splitting works on spaces and newlines, then glues pieces back together while inside quotes
//! or inside a `{{ }}`, `{% %}` or `{# #}` block, so `msg="a b"` and `x={{ a | b }}` stay one
//! word. Values stay text, as in Ansible: modules convert them.

use drover_types::{Map, Value};

/// Why `key=value` text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// A quote or a `{{ }}`/`{% %}`/`{# #}` block is never closed.
    #[error("failed at splitting arguments, either an unbalanced jinja2 block or quotes: {0}")]
    Unbalanced(String),
    /// A `\N{...}` escape, which drover does not decode.
    #[error("`\\N{{...}}` escapes are not supported by drover: {0}")]
    NamedEscape(String),
    /// A `\x`/`\u`/`\U` escape that names no character.
    #[error("`\\{0}` is not a valid character escape")]
    BadEscape(String),
}

/// The key under which free-form text is kept.
pub const RAW_PARAMS: &str = "_raw_params";

/// The options Ansible takes out of a free-form module's text (`command: ls chdir=/tmp`); any
/// other `key=value` word stays part of the command.
pub const FREE_FORM_OPTIONS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// Parses `key=value` words; words without `=` are joined as [`RAW_PARAMS`].
pub fn parse(args: &str) -> Result<Map, KvError> {
    parse_with(args, |_| true)
}

/// Parses the text of a free-form module (`command`, `shell`, `raw`): only the
/// [`FREE_FORM_OPTIONS`] are taken out; everything else is the command, as written.
pub fn parse_free_form(args: &str) -> Result<Map, KvError> {
    parse_with(args, |key| FREE_FORM_OPTIONS.contains(&key))
}

/// Parses `key=value` words, taking out those whose key `is_option` accepts; other words
/// (with or without `=`) are joined as [`RAW_PARAMS`].
pub fn parse_with(args: &str, is_option: impl Fn(&str) -> bool) -> Result<Map, KvError> {
    let mut options = Map::new();
    let mut raw: Vec<String> = Vec::new();
    for word in split_args(args)? {
        let decoded = decode_escapes(&word)?;
        if !decoded.contains('=') {
            raw.push(word);
            continue;
        }
        match find_unescaped_equals(&decoded) {
            None => raw.push(decoded.replace("\\=", "=")),
            Some(pos) => {
                let key = &decoded[..pos];
                let value = &decoded[pos + 1..];
                if is_option(key) {
                    options.insert(
                        py_strip(key).to_owned(),
                        Value::String(unquote(py_strip(value)).to_owned()),
                    );
                } else {
                    raw.push(word);
                }
            }
        }
    }
    if !raw.is_empty() {
        options.insert(RAW_PARAMS.to_owned(), Value::String(join_args(&raw)));
    }
    Ok(options)
}

/// The first `=` after the first character that is not preceded by a backslash.
fn find_unescaped_equals(word: &str) -> Option<usize> {
    let bytes = word.as_bytes();
    (1..bytes.len()).find(|&i| bytes[i] == b'=' && bytes[i - 1] != b'\\')
}

/// Python's `str.strip()`: Unicode whitespace and the ASCII separators `\x1c`-`\x1f`.
fn py_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Removes one pair of matching outer quotes (unless the closing one is escaped).
pub fn unquote(text: &str) -> &str {
    let chars: Vec<char> = text.chars().collect();
    let quoted = chars.len() > 1
        && matches!(chars[0], '"' | '\'')
        && chars[0] == chars[chars.len() - 1]
        && chars[chars.len() - 2] != '\\';
    if quoted {
        let first = chars[0].len_utf8();
        &text[first..text.len() - first]
    } else {
        text
    }
}

/// Joins words back: a space between them, none after a newline.
pub fn join_args(words: &[String]) -> String {
    let mut out = String::new();
    for word in words {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Which quote (if any) is still open after `token`, starting with `open`.
fn quote_state(token: &str, mut open: Option<char>) -> Option<char> {
    let mut prev: Option<char> = None;
    for c in token.chars() {
        if matches!(c, '"' | '\'') && prev != Some('\\') {
            match open {
                Some(q) if q == c => open = None,
                Some(_) => {}
                None => open = Some(c),
            }
        }
        prev = Some(c);
    }
    open
}

/// A Jinja block depth after `token`: grows by the openers, shrinks by the closers, never below 0.
fn block_depth(token: &str, depth: usize, open: &str, close: &str) -> usize {
    let opens = token.matches(open).count();
    let closes = token.matches(close).count();
    (depth + opens).saturating_sub(closes)
}

/// Splits on spaces and newlines, keeping quoted text and Jinja blocks whole and keeping the
/// original spacing inside them. Unbalanced quotes or blocks are an error.
pub fn split_args(args: &str) -> Result<Vec<String>, KvError> {
    let mut params: Vec<String> = Vec::new();
    if args.is_empty() {
        return Ok(params);
    }
    let lines: Vec<&str> = args.split('\n').collect();
    let mut quote: Option<char> = None;
    let (mut print, mut block, mut comment) = (0usize, 0usize, 0usize);
    for (line_no, line) in lines.iter().enumerate() {
        let mut continued = false;
        for (idx, token) in line.split(' ').enumerate() {
            if token.is_empty() && idx != 0 {
                // Repeated spaces: kept on the current word.
                last(&mut params).push(' ');
                continue;
            }
            let was_quoted = quote.is_some();
            if token == "\\" && !was_quoted {
                continued = true;
                continue;
            }
            quote = quote_state(token, quote);
            let quoted = quote.is_some();
            let in_block = print > 0 || block > 0 || comment > 0;
            let mut placed = false;
            if quoted && !was_quoted && !in_block {
                params.push(token.to_owned());
                placed = true;
            } else if in_block || quoted || was_quoted {
                let current = last(&mut params);
                if idx > 0 {
                    current.push(' ');
                }
                current.push_str(token);
                placed = true;
            }
            for (depth, open, close) in [
                (&mut print, "{{", "}}"),
                (&mut block, "{%", "%}"),
                (&mut comment, "{#", "#}"),
            ] {
                let before = *depth;
                *depth = block_depth(token, before, open, close);
                if *depth != before && !placed {
                    params.push(token.to_owned());
                    placed = true;
                }
            }
            let in_block = print > 0 || block > 0 || comment > 0;
            if !in_block && !quoted && !placed && !token.is_empty() {
                params.push(token.to_owned());
            }
        }
        if lines.len() > 1 && line_no != lines.len() - 1 && !continued {
            last(&mut params).push('\n');
        }
    }
    if print > 0 || block > 0 || comment > 0 || quote.is_some() {
        return Err(KvError::Unbalanced(args.to_owned()));
    }
    Ok(params)
}

/// The word being built (a new empty one when there is none yet).
fn last(params: &mut Vec<String>) -> &mut String {
    if params.is_empty() {
        params.push(String::new());
    }
    let n = params.len() - 1;
    &mut params[n]
}

/// Python-style escapes Ansible decodes in `key=value` words: `\n`, `\t`, `\\`, `\"`, `\'`,
/// `\a\b\f\r\v`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`. Other backslashes are left as written.
fn decode_escapes(word: &str) -> Result<String, KvError> {
    if !word.contains('\\') {
        return Ok(word.to_owned());
    }
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        let (decoded, used) = match chars.next() {
            Some(c @ ('\\' | '\'' | '"')) => (Some(c), 1),
            Some('a') => (Some('\x07'), 1),
            Some('b') => (Some('\x08'), 1),
            Some('f') => (Some('\x0c'), 1),
            Some('n') => (Some('\n'), 1),
            Some('r') => (Some('\r'), 1),
            Some('t') => (Some('\t'), 1),
            Some('v') => (Some('\x0b'), 1),
            Some('x') => hex_escape(after, 2)?,
            Some('u') => hex_escape(after, 4)?,
            Some('U') => hex_escape(after, 8)?,
            Some('N') if after[1..].starts_with('{') && after.contains('}') => {
                return Err(KvError::NamedEscape(word.to_owned()));
            }
            _ => (None, 0),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// `\x`/`\u`/`\U` followed by exactly `digits` hex digits (otherwise not an escape).
fn hex_escape(after: &str, digits: usize) -> Result<(Option<char>, usize), KvError> {
    let hex = after
        .get(1..=digits)
        .filter(|h| h.len() == digits && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let Some(hex) = hex else {
        return Ok((None, 0));
    };
    let bad = || KvError::BadEscape(after[..=digits].to_owned());
    let code = u32::from_str_radix(hex, 16).map_err(|_| bad())?;
    char::from_u32(code)
        .map(|c| (Some(c), digits + 1))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kv(s: &str) -> Value {
        Value::Object(parse(s).expect("parses"))
    }

    #[test]
    fn key_values_stay_text() {
        assert_eq!(
            kv("path=/x state=directory mode=0755 force=yes"),
            json!({"path": "/x", "state": "directory", "mode": "0755", "force": "yes"})
        );
    }

    #[test]
    fn quotes_group_words() {
        assert_eq!(
            kv(r#"msg="hello world" x='a b'"#),
            json!({"msg": "hello world", "x": "a b"})
        );
        assert_eq!(kv(r#"msg="say \"hi\"""#), json!({"msg": "say \"hi\""}));
        assert_eq!(
            kv("msg={{ a | default('x y') }} z=1"),
            json!({"msg": "{{ a | default('x y') }}", "z": "1"})
        );
    }

    #[test]
    fn free_form_text_keeps_its_spacing() {
        assert_eq!(
            Value::Object(
                parse_free_form("echo  hi   there chdir=/tmp creates=/x foo=bar").expect("parses")
            ),
            json!({"chdir": "/tmp", "creates": "/x", "_raw_params": "echo  hi   there foo=bar"})
        );
        assert_eq!(
            Value::Object(parse_free_form("echo 'a  b'\necho c").expect("parses")),
            json!({"_raw_params": "echo 'a  b'\necho c"})
        );
    }

    #[test]
    fn escapes_and_edge_cases() {
        assert_eq!(kv(r"a=x\ty"), json!({"a": "x\ty"}));
        assert_eq!(kv(r"a\=b"), json!({"_raw_params": "a=b"}));
        assert_eq!(kv("=a"), json!({"_raw_params": "=a"}));
        assert_eq!(kv(""), json!({}));
        assert_eq!(kv("a= b"), json!({"a": "", "_raw_params": "b"}));
        assert!(parse("a=\"unterminated").is_err());
        assert!(parse("a={{ x").is_err());
        assert!(parse(r"a=\N{DASH}").is_err());
    }

    #[test]
    fn line_continuations() {
        assert_eq!(split_args("a \\\nb").expect("splits"), vec!["a", "b"]);
    }

    /// Cases checked against ansible-core 2.19's `parse_kv` (without and with `check_raw`), one
    /// JSON line each: input, options, free-form options (`null`: an error).
    const GOLDEN: &str = r#"["a=1 b=\"two words\" c='x y'", {"a": "1", "b": "two words", "c": "x y"}, {"_raw_params": "a=1 b=\"two words\" c='x y'"}]
["echo \"a   b\"  c", {"_raw_params": "echo \"a   b\"  c"}, {"_raw_params": "echo \"a   b\"  c"}]
["msg={{ a  |  b }} x=1", {"msg": "{{ a  |  b }}", "x": "1"}, {"_raw_params": "msg={{ a  |  b }} x=1"}]
["{% if x %}a=1{% endif %} b=2", {"{% if x %}a": "1{% endif %}", "b": "2"}, {"_raw_params": "{% if x %}a=1{% endif %} b=2"}]
["a={# c d #} e", {"a": "{# c d #}", "_raw_params": "e"}, {"_raw_params": "a={# c d #} e"}]
["a=b=c", {"a": "b=c"}, {"_raw_params": "a=b=c"}]
["a=\"b c\" d", {"a": "b c", "_raw_params": "d"}, {"_raw_params": "a=\"b c\" d"}]
["\"a=b\" c=d", {"\"a": "b\"", "c": "d"}, {"_raw_params": "\"a=b\" c=d"}]
["a=\\\"x y\\\"", {"a": "\"x", "_raw_params": "y\\\""}, {"_raw_params": "a=\\\"x y\\\""}]
["x=\"it's\" y='say \"hi\"'", {"x": "it's", "y": "say \"hi\""}, {"_raw_params": "x=\"it's\" y='say \"hi\"'"}]
["line1\nline2 a=1\nline3", {"a": "1", "_raw_params": "line1\nline2 line3"}, {"_raw_params": "line1\nline2 a=1\nline3"}]
["a \\\n b=2", {"b": "2", "_raw_params": "a"}, {"_raw_params": "a b=2"}]
["k=\\u00e9\\x41\\t", {"k": "\u00e9A"}, {"_raw_params": "k=\\u00e9\\x41\\t"}]
["k=\"\\\\\"", null, null]
[" lead=1", {"lead": "1"}, {"_raw_params": "lead=1"}]
["trail=1  ", {"trail": "1"}, {"_raw_params": "trail=1  "}]
["a=  b=", {"a": "", "b": ""}, {"_raw_params": "a=  b="}]
["chdir=/tmp echo hi creates=/x removes=/y executable=/bin/bash warn=no", {"chdir": "/tmp", "creates": "/x", "removes": "/y", "executable": "/bin/bash", "warn": "no", "_raw_params": "echo hi"}, {"chdir": "/tmp", "creates": "/x", "removes": "/y", "executable": "/bin/bash", "warn": "no", "_raw_params": "echo hi"}]
["echo {{ \"a b\" }} chdir=/x", {"chdir": "/x", "_raw_params": "echo {{ \"a b\" }}"}, {"chdir": "/x", "_raw_params": "echo {{ \"a b\" }}"}]
["=x a==b", {"a": "=b", "_raw_params": "=x"}, {"_raw_params": "=x a==b"}]"#;

    #[test]
    fn matches_ansible_parse_kv() {
        for line in GOLDEN.lines() {
            let case: Value = serde_json::from_str(line).expect("valid golden line");
            let input = case[0].as_str().expect("input");
            let plain = parse(input).ok().map(Value::Object).unwrap_or(Value::Null);
            let free = parse_free_form(input)
                .ok()
                .map(Value::Object)
                .unwrap_or(Value::Null);
            assert_eq!(plain, case[1], "parse({input:?})");
            assert_eq!(free, case[2], "parse_free_form({input:?})");
        }
    }
}
