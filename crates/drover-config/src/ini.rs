//! The INI dialect of `ansible.cfg`: what Python's `configparser.ConfigParser` accepts when
//! ansible-core builds it with `inline_comment_prefixes=(';',)` and reads values with
//! `raw=True` (so `%` is plain text, no interpolation).
//!
//! Rules kept from configparser, because a file that ansible-core reads one way must not mean
//! something else here: whole-line comments start with `#` or `;` (after indentation); an
//! inline comment is `;` at the start of the line or after whitespace (`#` mid-line is text);
//! `key = value` and `key: value` split at the first `=` or `:`; keys are lower-cased, section
//! names are not; a line indented deeper than its key continues the value (blank lines inside
//! a value are kept, trailing ones dropped); a repeated section or key in one file is an error;
//! `[DEFAULT]` gives values to every section that exists.

use std::collections::HashMap;

/// One `key = value` of a section, with where the key was written (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value, continuation lines joined with `\n`, surrounding whitespace removed.
    pub value: String,
    /// The line of the key.
    pub line: usize,
    /// The column where the value starts (the key's column when the value is empty).
    pub column: usize,
}

/// A parsed file: sections by name, each a map of lower-cased keys.
#[derive(Debug, Default)]
pub struct Ini {
    sections: HashMap<String, HashMap<String, Entry>>,
    /// Section names in the order they appear, for listing.
    order: Vec<String>,
    defaults: HashMap<String, Entry>,
}

/// Why a file is not valid INI, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to do instead, when there is an obvious fix.
    pub hint: Option<String>,
}

impl Ini {
    /// The value of `key` in `section` as `parser.get(section, key, raw=True, fallback=None)`
    /// gives it: the section's own key, else the `[DEFAULT]` one, and nothing at all when the
    /// section is absent.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        let own = self.sections.get(section)?;
        own.get(key).or_else(|| self.defaults.get(key))
    }

    /// Section names, in file order (`[DEFAULT]` excluded).
    pub fn sections(&self) -> &[String] {
        &self.order
    }
}

/// The value being read: which section and key get the continuation lines.
struct Open {
    section: Option<String>,
    key: String,
    lines: Vec<String>,
    line: usize,
    column: usize,
}

/// Parses `text` as configparser would.
pub fn parse(text: &str) -> Result<Ini, SyntaxError> {
    let mut ini = Ini::default();
    // `None` = `[DEFAULT]`; the outer `None` = no section header seen yet.
    let mut current: Option<Option<String>> = None;
    let mut open: Option<Open> = None;
    let mut indent_level = 0usize;
    let mut seen_keys: HashMap<(Option<String>, String), usize> = HashMap::new();
    let mut seen_sections: HashMap<String, usize> = HashMap::new();
    let mut first_error: Option<SyntaxError> = None;

    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let comment_at = comment_start(raw);
        let kept = &raw[..comment_at.unwrap_or(raw.len())];
        let value = py_strip(kept);
        if value.is_empty() {
            // A blank line belongs to the value being read; a comment line does not.
            if comment_at.is_none()
                && let Some(o) = open.as_mut()
            {
                o.lines.push(String::new());
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start_matches(char::is_whitespace).len();
        let indent = raw[..indent].chars().count();
        if open.is_some() && indent > indent_level {
            if let Some(o) = open.as_mut() {
                o.lines.push(value.to_owned());
            }
            continue;
        }
        indent_level = indent;
        if let Some(name) = section_header(value) {
            finish(&mut ini, open.take());
            if name == "DEFAULT" {
                current = Some(None);
                continue;
            }
            if let Some(first) = seen_sections.get(name) {
                return Err(SyntaxError {
                    line: number,
                    message: format!("the section [{name}] appears twice (first on line {first})"),
                    hint: Some("merge the two sections into one".into()),
                });
            }
            seen_sections.insert(name.to_owned(), number);
            ini.order.push(name.to_owned());
            ini.sections.entry(name.to_owned()).or_default();
            current = Some(Some(name.to_owned()));
            continue;
        }
        let Some(section) = current.clone() else {
            return Err(SyntaxError {
                line: number,
                message: format!("`{value}` comes before any [section] header"),
                hint: Some("settings go under a header such as [defaults]".into()),
            });
        };
        finish(&mut ini, open.take());
        let Some((key, val_offset)) = split_option(value) else {
            // configparser collects these and raises after reading the whole file.
            first_error.get_or_insert(SyntaxError {
                line: number,
                message: format!("`{value}` is not `key = value` or `key: value`"),
                hint: None,
            });
            continue;
        };
        if key.is_empty() {
            first_error.get_or_insert(SyntaxError {
                line: number,
                message: format!("`{value}` has no key before its `=` or `:`"),
                hint: None,
            });
            continue;
        }
        let key = key.to_lowercase();
        let slot = (section.clone(), key.clone());
        if let Some(first) = seen_keys.get(&slot) {
            let name = section.as_deref().unwrap_or("DEFAULT");
            return Err(SyntaxError {
                line: number,
                message: format!("`{key}` is set twice in [{name}] (first on line {first})"),
                hint: Some("keep one of the two".into()),
            });
        }
        seen_keys.insert(slot, number);
        let lead = raw.len() - raw.trim_start_matches(char::is_whitespace).len();
        let value_text = py_strip(&value[val_offset..]);
        // Column of the value in the raw line: where `value` starts plus the offset of the
        // stripped value text inside it.
        let start_in_value = value.len() - value[val_offset..].trim_start().len();
        let byte = lead
            + if value_text.is_empty() {
                0
            } else {
                start_in_value
            };
        open = Some(Open {
            section,
            key,
            lines: vec![value_text.to_owned()],
            line: number,
            column: raw[..byte.min(raw.len())].chars().count() + 1,
        });
    }
    finish(&mut ini, open.take());
    match first_error {
        Some(e) => Err(e),
        None => Ok(ini),
    }
}

/// Stores a finished value: lines joined with `\n`, trailing whitespace removed.
fn finish(ini: &mut Ini, open: Option<Open>) {
    let Some(o) = open else { return };
    let value = o.lines.join("\n").trim_end().to_owned();
    let entry = Entry {
        value,
        line: o.line,
        column: o.column,
    };
    match o.section {
        None => ini.defaults.insert(o.key, entry),
        Some(s) => ini.sections.entry(s).or_default().insert(o.key, entry),
    };
}

/// Where a comment starts in `line`: a `;` at column 0 or after whitespace, or the whole line
/// when its first non-blank character is `#` or `;`.
fn comment_start(line: &str) -> Option<usize> {
    let trimmed = py_strip(line);
    if trimmed.starts_with('#') || trimmed.starts_with(';') {
        return Some(0);
    }
    let mut previous: Option<char> = None;
    for (at, c) in line.char_indices() {
        if c == ';' && previous.is_none_or(char::is_whitespace) {
            return Some(at);
        }
        previous = Some(c);
    }
    None
}

/// `[name]`: the text between the first `[` and the last `]` (configparser's greedy
/// `\[(?P<header>.+)\]` matched at the start of the stripped line).
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    let name = &rest[..end];
    (!name.is_empty()).then_some(name)
}

/// Splits `key = value` / `key: value` at the first `=` or `:`; gives the key with its
/// trailing whitespace removed and the byte offset just after the delimiter.
fn split_option(value: &str) -> Option<(&str, usize)> {
    let at = value.find(['=', ':'])?;
    Some((value[..at].trim_end(), at + 1))
}

/// Python's `str.strip()` (Unicode whitespace and `\x1c`-`\x1f`).
fn py_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(ini: &Ini, section: &str, key: &str) -> Option<String> {
        ini.get(section, key).map(|e| e.value.clone())
    }

    #[test]
    fn comments_delimiters_and_case() {
        let ini = parse(
            "# top\n; also\n[defaults]\nForks = 10\nremote_user: deploy ; inline\nurl = http://x;y\nhash = a # b\n  # indented comment\npct = 100%\n",
        )
        .expect("parses");
        assert_eq!(value(&ini, "defaults", "forks").as_deref(), Some("10"));
        assert_eq!(
            value(&ini, "defaults", "remote_user").as_deref(),
            Some("deploy")
        );
        assert_eq!(
            value(&ini, "defaults", "url").as_deref(),
            Some("http://x;y")
        );
        assert_eq!(value(&ini, "defaults", "hash").as_deref(), Some("a # b"));
        assert_eq!(value(&ini, "defaults", "pct").as_deref(), Some("100%"));
        assert_eq!(value(&ini, "Defaults", "forks"), None);
        let e = ini.get("defaults", "remote_user").expect("entry");
        assert_eq!((e.line, e.column), (5, 14));
    }

    #[test]
    fn first_delimiter_wins() {
        let ini = parse("[s]\na:b = c\nd = e:f\n").expect("parses");
        assert_eq!(value(&ini, "s", "a").as_deref(), Some("b = c"));
        assert_eq!(value(&ini, "s", "d").as_deref(), Some("e:f"));
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let ini = parse("[s]\nargs = -o A=1\n  -o B=2\n\n  -o C=3\n\nnext = x\n").expect("parses");
        assert_eq!(
            value(&ini, "s", "args").as_deref(),
            Some("-o A=1\n-o B=2\n\n-o C=3")
        );
        assert_eq!(value(&ini, "s", "next").as_deref(), Some("x"));
    }

    #[test]
    fn default_section_fills_existing_sections_only() {
        let ini = parse("[DEFAULT]\nforks = 3\n[defaults]\n").expect("parses");
        assert_eq!(value(&ini, "defaults", "forks").as_deref(), Some("3"));
        assert_eq!(value(&ini, "ssh_connection", "forks"), None);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("forks = 3\n").expect_err("no header");
        assert_eq!(e.line, 1);
        let e = parse("[a]\nx = 1\n[a]\n").expect_err("dup section");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("line 1"), "{}", e.message);
        let e = parse("[a]\nx = 1\nX = 2\n").expect_err("dup key");
        assert_eq!(e.line, 3);
        let e = parse("[a]\njunk\nx = 1\n").expect_err("no delimiter");
        assert_eq!(e.line, 2);
        let e = parse("[a]\n= 1\n").expect_err("no key");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn header_takes_text_to_the_last_bracket() {
        let ini = parse("[a]b] ; c\nk = v\n").expect("parses");
        assert_eq!(ini.sections(), ["a]b".to_owned()]);
    }
}
