//! Python's `shlex.split` in POSIX mode, which Ansible uses for a `command` line, `validate`,
//! `ansible_ssh_*_args` and INI inventory lines, and `shlex.quote`. Splitting is not a shell: no
//! expansions, and inside double quotes only `\"` and `\\` are escapes.

/// Why a line could not be split; the texts are Python's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// A quote was opened and never closed.
    #[error("No closing quotation")]
    NoClosingQuotation,
    /// The line ends with an escaping backslash.
    #[error("No escaped character")]
    NoEscapedCharacter,
}

/// Whether `#` starts a comment that runs to the end of its line (`shlex.split(comments=True)`;
/// then even in the middle of a word, as Python does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comments {
    /// `#` is an ordinary character.
    Kept,
    /// `#` outside quotes ends the line.
    Stripped,
}

/// Splits `text` into words: space, tab, CR and LF separate words; `'...'` is literal;
/// `"..."` groups, with `\"` and `\\` as its only escapes; outside quotes a backslash escapes
/// any character. `''` is an empty word.
pub fn split(text: &str, comments: Comments) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if comments == Comments::Stripped => {
                // The rest of the line is skipped; the word so far ends there.
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                word.push(chars.next().ok_or(SplitError::NoEscapedCharacter)?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next().ok_or(SplitError::NoClosingQuotation)? {
                        '\'' => break,
                        ch => word.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next().ok_or(SplitError::NoClosingQuotation)? {
                        '"' => break,
                        '\\' => match chars.next().ok_or(SplitError::NoEscapedCharacter)? {
                            ch @ ('"' | '\\') => word.push(ch),
                            ch => {
                                word.push('\\');
                                word.push(ch);
                            }
                        },
                        ch => word.push(ch),
                    }
                }
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Python's `shlex.quote`: the word as it is when it only has letters, digits and `@%+=:,./-_`,
/// else in single quotes (a `'` inside written `'"'"'`); `''` for the empty word.
pub fn quote(word: &str) -> String {
    if word.is_empty() {
        return "''".into();
    }
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) -> Vec<String> {
        split(text, Comments::Kept).unwrap()
    }

    // Expected values from Python 3.11: shlex.split(text) / shlex.split(text, comments=True).
    #[test]
    fn matches_python() {
        assert_eq!(
            kept(r#" -o ProxyCommand="ssh -W %h:%p jump" -o 'User=a b' x\ y "\$\a" "#),
            [
                "-o",
                "ProxyCommand=ssh -W %h:%p jump",
                "-o",
                "User=a b",
                "x y",
                "\\$\\a"
            ]
        );
        assert_eq!(
            kept(r#"a"b c"d 'e\f' "g\"h\\i""#),
            ["ab cd", "e\\f", "g\"h\\i"]
        );
        assert_eq!(kept("x '' \"\""), ["x", "", ""]);
        assert!(kept(" \t\r\n ").is_empty());
        assert_eq!(kept("a#b # c"), ["a#b", "#", "c"]);
        assert_eq!(
            split("a#b c\nd # e\nf", Comments::Stripped).unwrap(),
            ["a", "d", "f"]
        );
        assert_eq!(quote("a b'c"), "'a b'\"'\"'c'");
        assert_eq!(quote("-x=/y@1"), "-x=/y@1");
        assert_eq!(
            split("h pass=ab#cd x", Comments::Stripped).unwrap(),
            ["h", "pass=ab"]
        );
        assert_eq!(
            split(r#"h p="'03#x'""#, Comments::Stripped).unwrap(),
            ["h", "p='03#x'"]
        );
    }

    #[test]
    fn errors_are_pythons() {
        let err = |t: &str| split(t, Comments::Kept).unwrap_err().to_string();
        assert_eq!(err("-o 'x"), "No closing quotation");
        assert_eq!(err("\"x"), "No closing quotation");
        assert_eq!(err("x\\"), "No escaped character");
        assert_eq!(err("\"x\\"), "No escaped character");
    }
}
