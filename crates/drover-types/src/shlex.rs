//! Splitting a line into words as Python's `shlex.split` does in POSIX mode, which is what
//! Ansible uses for a `command` line, `validate`, `ansible_ssh_*_args` and INI inventory lines.
//! It is not a shell: no expansions, and inside double quotes only `\"` and `\\` are escapes.

/// Why a line could not be split; the texts are Python's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShlexError {
    /// A quote was opened and never closed.
    #[error("No closing quotation")]
    NoClosingQuotation,
    /// The line ends with an escaping backslash.
    #[error("No escaped character")]
    NoEscapedCharacter,
}

/// Whether `#` starts a comment that runs to the end of the line (`shlex.split(comments=True)`;
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
pub fn shlex_split(text: &str, comments: Comments) -> Result<Vec<String>, ShlexError> {
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
            '#' if comments == Comments::Stripped => break,
            '\\' => {
                word.push(chars.next().ok_or(ShlexError::NoEscapedCharacter)?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next().ok_or(ShlexError::NoClosingQuotation)? {
                        '\'' => break,
                        ch => word.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next().ok_or(ShlexError::NoClosingQuotation)? {
                        '"' => break,
                        '\\' => match chars.next().ok_or(ShlexError::NoEscapedCharacter)? {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        shlex_split(text, Comments::Kept).unwrap()
    }

    // Expected values from Python 3.11: shlex.split(text) / shlex.split(text, comments=True).
    #[test]
    fn matches_python() {
        assert_eq!(
            split(r#" -o ProxyCommand="ssh -W %h:%p jump" -o 'User=a b' x\ y "\$\a" "#),
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
            split(r#"a"b c"d 'e\f' "g\"h\\i""#),
            ["ab cd", "e\\f", "g\"h\\i"]
        );
        assert_eq!(split("x '' \"\""), ["x", "", ""]);
        assert!(split(" \t\r\n ").is_empty());
        assert_eq!(split("a#b # c"), ["a#b", "#", "c"]);
        assert_eq!(
            shlex_split("h pass=ab#cd x", Comments::Stripped).unwrap(),
            ["h", "pass=ab"]
        );
        assert_eq!(
            shlex_split(r#"h p="'03#x'""#, Comments::Stripped).unwrap(),
            ["h", "p='03#x'"]
        );
    }

    #[test]
    fn errors_are_pythons() {
        let err = |t: &str| shlex_split(t, Comments::Kept).unwrap_err().to_string();
        assert_eq!(err("-o 'x"), "No closing quotation");
        assert_eq!(err("\"x"), "No closing quotation");
        assert_eq!(err("x\\"), "No escaped character");
        assert_eq!(err("\"x\\"), "No escaped character");
    }
}
