//! Load errors that point at the playbook: `Display` alone says `FILE:LINE:COL: message`, and
//! the [`miette::Diagnostic`] impl carries the source text, a label at the offending span and a
//! `help` line (the nearest valid name), so the binary can show the line with a caret.

use drover_types::Span;
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// What a diagnostic says and where: shared by every [`Error`] variant that points into a file.
#[derive(Debug, Clone)]
pub struct Details {
    /// Where the problem is.
    pub span: Span,
    /// What is wrong (lowercase, names in backticks).
    pub message: String,
    /// A short note under the caret ("unknown keyword").
    pub label: String,
    /// What to do about it (`did you mean \`hosts\`?`).
    pub help: Option<String>,
    /// Length in bytes of the labelled text.
    pub len: usize,
    /// The whole file, for rendering.
    pub source: NamedSource<Arc<str>>,
}

impl fmt::Display for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.span, self.message)
    }
}

/// Why a playbook could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("could not read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML (or uses YAML drover cannot read).
    #[error("{0}")]
    Yaml(Box<Details>),
    /// Valid YAML that is not a valid playbook: unknown keywords or modules, wrong types...
    #[error("{0}")]
    Invalid(Box<Details>),
    /// A valid Ansible playbook that uses something drover does not do yet.
    #[error("{0}")]
    Unsupported(Box<Details>),
}

impl Error {
    /// The details, for every error that points into the file.
    pub fn details(&self) -> Option<&Details> {
        match self {
            Error::Yaml(d) | Error::Invalid(d) | Error::Unsupported(d) => Some(d),
            Error::Read { .. } => None,
        }
    }

    /// Where the problem is, when it is in the file.
    pub fn span(&self) -> Option<&Span> {
        self.details().map(|d| &d.span)
    }

    /// What is wrong, without the position.
    pub fn message(&self) -> String {
        match self.details() {
            Some(d) => d.message.clone(),
            None => self.to_string(),
        }
    }
}

impl Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match self {
            Error::Read { .. } => "drover::playbook::read",
            Error::Yaml(_) => "drover::playbook::yaml",
            Error::Invalid(_) => "drover::playbook::invalid",
            Error::Unsupported(_) => "drover::playbook::unsupported",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = self.details()?.help.as_ref()?;
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.details().map(|d| &d.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.details()?;
        let label =
            LabeledSpan::new_primary_with_span(Some(d.label.clone()), (d.span.offset, d.len));
        Some(Box::new(std::iter::once(label)))
    }
}

/// Builds errors for one file.
pub(crate) struct Reporter {
    source: NamedSource<Arc<str>>,
    text: Arc<str>,
}

impl Reporter {
    pub(crate) fn new(text: &str, name: &str) -> Self {
        let text: Arc<str> = Arc::from(text);
        Reporter {
            source: NamedSource::new(name, text.clone()),
            text,
        }
    }

    fn details(
        &self,
        span: &Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Box<Details> {
        Box::new(Details {
            span: span.clone(),
            message,
            label: label.to_owned(),
            help,
            len: token_len(&self.text, span.offset),
            source: self.source.clone(),
        })
    }

    /// An [`Error::Invalid`].
    pub(crate) fn invalid(
        &self,
        span: &Span,
        message: impl Into<String>,
        label: &str,
        help: Option<String>,
    ) -> Error {
        Error::Invalid(self.details(span, message.into(), label, help))
    }

    /// An [`Error::Unsupported`].
    pub(crate) fn unsupported(
        &self,
        span: &Span,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Error {
        Error::Unsupported(self.details(span, message.into(), "not supported yet", help))
    }

    /// An [`Error::Yaml`] from the YAML reader.
    pub(crate) fn yaml(&self, err: &drover_yaml::Error) -> Error {
        let label = match err {
            drover_yaml::Error::Syntax { .. } => "invalid YAML",
            _ => "here",
        };
        Error::Yaml(self.details(err.span(), err.message().to_owned(), label, None))
    }
}

/// The length of the word at `offset`, for the label: up to the end of the line, a `: `, or a
/// flow separator; a quoted word up to its closing quote.
fn token_len(text: &str, offset: usize) -> usize {
    let Some(rest) = text.get(offset..) else {
        return 0;
    };
    let line = rest.split('\n').next().unwrap_or_default();
    let mut chars = line.char_indices();
    let end = match chars.next() {
        None => 0,
        Some((_, q @ ('"' | '\''))) => chars
            .find(|&(_, c)| c == q)
            .map_or(line.len(), |(i, c)| i + c.len_utf8()),
        Some(_) => {
            let bytes = line.as_bytes();
            let mut end = line.len();
            for (i, c) in line.char_indices() {
                let colon = c == ':' && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace());
                if colon
                    || matches!(c, ',' | ']' | '}')
                    || (c == '#' && i > 0 && bytes[i - 1] == b' ')
                {
                    end = i;
                    break;
                }
            }
            line[..end].trim_end().len()
        }
    };
    end.max(usize::from(!line.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cover_the_word() {
        assert_eq!(token_len("hostss: all\n", 0), 6);
        assert_eq!(token_len("- {copy: x, b: 2}", 3), 4);
        assert_eq!(token_len("a: \"x y\" z", 3), 5);
        assert_eq!(token_len("a: plain text # c\n", 3), 10);
        assert_eq!(token_len("x", 5), 0);
        assert_eq!(token_len("a: é", 3), 2);
    }
}
