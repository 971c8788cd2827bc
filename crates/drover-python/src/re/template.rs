//! Python's replacement templates (`re.sub`'s `repl`, `match.expand`'s argument), parsed once
//! against a pattern as `re._parser.parse_template` does, then expanded for each match.

use super::{Kind, Match, Regex, is_identifier};

/// A template Python would refuse; the texts are Python's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `\5` with fewer groups, `\g<7>`.
    #[error("invalid group reference {group} at position {position}")]
    InvalidGroup {
        /// The group number.
        group: usize,
        /// Where, in characters.
        position: usize,
    },
    /// `\g<name>` for a name the pattern does not have.
    #[error("unknown group name '{0}'")]
    UnknownName(String),
    /// An escaped ASCII letter Python does not know (`\q`), or a lone backslash at the end.
    #[error("bad escape {escape} at position {position}")]
    BadEscape {
        /// The escape as written, or `(end of pattern)`.
        escape: String,
        /// Where, in characters.
        position: usize,
    },
    /// `\g` not followed by `<`.
    #[error("missing < at position {0}")]
    MissingLt(usize),
    /// `\g<` without its `>`.
    #[error("missing >, unterminated name at position {0}")]
    MissingGt(usize),
    /// `\g<>`.
    #[error("missing group name at position {0}")]
    MissingName(usize),
    /// `\g<a-b>`.
    #[error("bad character in group name '{name}' at position {position}")]
    BadName {
        /// The name as written.
        name: String,
        /// Where, in characters.
        position: usize,
    },
    /// `\777`.
    #[error("octal escape value \\{digits} outside of range 0-0o377 at position {position}")]
    Octal {
        /// The three digits.
        digits: String,
        /// Where, in characters.
        position: usize,
    },
}

/// One part of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Bytes copied as they are.
    Lit(Vec<u8>),
    /// The text of a group (empty when it did not take part in the match).
    Group(usize),
}

/// A parsed replacement template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Piece>);

impl Template {
    /// Parses `source` for `re` as Python does: `\1`..`\99`, `\g<1>`, `\g<name>`, octal
    /// (`\0`, `\101`), `\a\b\f\n\r\t\v\\`; any other escaped character but an ASCII letter keeps
    /// its backslash; an escaped ASCII letter is an error. For a bytes pattern the template is
    /// bytes too (its characters are their UTF-8 bytes; octal escapes are bytes).
    pub fn parse(source: &str, re: &Regex) -> Result<Template, TemplateError> {
        let bytes = re.kind() == Kind::Bytes;
        let chars: Vec<char> = if bytes {
            source.bytes().map(char::from).collect()
        } else {
            source.chars().collect()
        };
        let groups = re.groups();
        let mut pieces = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let push_code = |lit: &mut Vec<u8>, code: u32| {
            if bytes {
                lit.push((code & 0xff) as u8);
            } else {
                let c = char::from_u32(code).unwrap_or('\u{fffd}');
                lit.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
        };
        let group = |lit: &mut Vec<u8>, pieces: &mut Vec<Piece>, index: usize, pos: usize| {
            if index > groups {
                return Err(TemplateError::InvalidGroup {
                    group: index,
                    position: pos,
                });
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
                push_code(&mut lit, u32::from(c));
                i += 1;
                continue;
            }
            let Some(&n) = chars.get(i + 1) else {
                return Err(TemplateError::BadEscape {
                    escape: "(end of pattern)".into(),
                    position: i,
                });
            };
            match n {
                'g' => {
                    if chars.get(i + 2) != Some(&'<') {
                        return Err(TemplateError::MissingLt(i + 2));
                    }
                    let start = i + 3;
                    let Some(len) = chars[start..].iter().position(|&c| c == '>') else {
                        return Err(TemplateError::MissingGt(start));
                    };
                    let name: String = chars[start..start + len].iter().collect();
                    if name.is_empty() {
                        return Err(TemplateError::MissingName(start));
                    }
                    let index = if name.chars().all(|c| c.is_ascii_digit()) {
                        name.parse::<usize>().unwrap_or(usize::MAX)
                    } else if is_identifier(&name) {
                        re.group_index(&name)
                            .ok_or_else(|| TemplateError::UnknownName(name.clone()))?
                    } else {
                        return Err(TemplateError::BadName {
                            name,
                            position: start,
                        });
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
                    push_code(&mut lit, u32::from_str_radix(&digits, 8).unwrap_or(0));
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
                                return Err(TemplateError::Octal {
                                    digits,
                                    position: i,
                                });
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
                    let code = match n {
                        'a' => 0x07,
                        'b' => 0x08,
                        'f' => 0x0c,
                        'n' => 0x0a,
                        'r' => 0x0d,
                        't' => 0x09,
                        'v' => 0x0b,
                        '\\' => u32::from('\\'),
                        c if c.is_ascii_alphabetic() => {
                            return Err(TemplateError::BadEscape {
                                escape: format!("\\{c}"),
                                position: i,
                            });
                        }
                        c => {
                            lit.push(b'\\');
                            u32::from(c)
                        }
                    };
                    push_code(&mut lit, code);
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
    pub fn expand_into(&self, m: &Match<'_>, out: &mut Vec<u8>) {
        for piece in &self.0 {
            match piece {
                Piece::Lit(bytes) => out.extend_from_slice(bytes),
                Piece::Group(i) => {
                    if let Some(g) = m.group(*i) {
                        out.extend_from_slice(g);
                    }
                }
            }
        }
    }

    /// The expansion for one match (Python's `match.expand`).
    pub fn expand(&self, m: &Match<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        self.expand_into(m, &mut out);
        out
    }
}
