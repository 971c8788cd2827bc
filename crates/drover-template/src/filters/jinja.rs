//! Jinja's own filters that minijinja does not have: `truncate`, `wordwrap`, `filesizeformat`,
//! `striptags`, `forceescape` and `xmlattr`, with Jinja's defaults (a truncate leeway of 5, a
//! wrap width of 79). `urlize` is not here: see docs/compatibility.md.

use super::core::fail;
use crate::convert::py_str;
use crate::filters::registry::Registry;
use crate::params::Params;
use minijinja::Error;
use minijinja::value::{Kwargs, Value, ValueKind};

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("truncate", truncate);
    env.add_filter("wordwrap", wordwrap);
    env.add_filter("filesizeformat", filesizeformat);
    env.add_filter("striptags", |v: &Value| striptags(&py_str(v)));
    env.add_filter("forceescape", |v: &Value| {
        Value::from_safe_string(html_escape(&py_str(v)))
    });
    env.add_filter("xmlattr", xmlattr);
}

/// `truncate(s, length=255, killwords=False, end='...', leeway=5)`.
fn truncate(
    value: &Value,
    args: minijinja::value::Rest<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let p = Params::new(&args, &kwargs);
    let length = p.int(0, "length", 255)?;
    let killwords = p.flag(1, "killwords", false)?;
    let end = p.text(2, "end")?.unwrap_or_else(|| "...".into());
    let leeway = p.int(3, "leeway", 5)?;
    kwargs.assert_all_used()?;
    let s: Vec<char> = py_str(value).chars().collect();
    let end_len = end.chars().count() as i64;
    if length < end_len {
        return Err(fail(format!("expected length >= {end_len}, got {length}")));
    }
    if leeway < 0 {
        return Err(fail(format!("expected leeway >= 0, got {leeway}")));
    }
    if s.len() as i64 <= length + leeway {
        return Ok(s.into_iter().collect());
    }
    let keep: String = s[..(length - end_len) as usize].iter().collect();
    if killwords {
        return Ok(keep + &end);
    }
    let kept = match keep.rfind(' ') {
        Some(i) => keep[..i].to_owned(),
        None => keep,
    };
    Ok(kept + &end)
}

/// `wordwrap(s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True)`:
/// each line of `s` wrapped on its own, as Python's `textwrap.wrap` does it.
fn wordwrap(
    value: &Value,
    args: minijinja::value::Rest<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let p = Params::new(&args, &kwargs);
    let width = p.int(0, "width", 79)?;
    let wrap = Wrap {
        width: usize::try_from(width).unwrap_or(0),
        break_long_words: p.flag(1, "break_long_words", true)?,
        break_on_hyphens: p.flag(3, "break_on_hyphens", true)?,
    };
    let wrapstring = p.text(2, "wrapstring")?.unwrap_or_else(|| "\n".into());
    kwargs.assert_all_used()?;
    if width <= 0 {
        return Err(fail(format!("invalid width {width} (must be > 0)")));
    }
    let text = py_str(value);
    let paragraphs: Vec<String> = drover_python::text::splitlines(&text)
        .into_iter()
        .map(|line| wrap.lines(line).join(&wrapstring))
        .collect();
    Ok(paragraphs.join(&wrapstring))
}

/// Python's `textwrap.TextWrapper` with `expand_tabs` and `replace_whitespace` off and
/// `drop_whitespace` on, as Jinja's `wordwrap` uses it.
struct Wrap {
    width: usize,
    break_long_words: bool,
    break_on_hyphens: bool,
}

impl Wrap {
    fn lines(&self, text: &str) -> Vec<String> {
        let mut chunks = self.chunks(text);
        chunks.reverse();
        let len = |s: &str| s.chars().count();
        let blank = |s: &str| s.chars().all(char::is_whitespace);
        let mut lines = Vec::new();
        while !chunks.is_empty() {
            let mut line: Vec<String> = Vec::new();
            let mut used = 0;
            if !lines.is_empty() && chunks.last().is_some_and(|c| blank(c)) {
                chunks.pop();
            }
            while let Some(chunk) = chunks.last() {
                let l = len(chunk);
                if used + l > self.width {
                    break;
                }
                used += l;
                line.extend(chunks.pop());
            }
            if chunks.last().is_some_and(|c| len(c) > self.width) {
                self.long_word(&mut chunks, &mut line, used);
            }
            if line.last().is_some_and(|c| blank(c)) {
                line.pop();
            }
            if !line.is_empty() {
                lines.push(line.concat());
            }
        }
        lines
    }

    /// A chunk too long for any line: split it to fill this line (at a hyphen if it can).
    fn long_word(&self, chunks: &mut Vec<String>, line: &mut Vec<String>, used: usize) {
        let space = if self.width < 1 {
            1
        } else {
            self.width - used.min(self.width)
        };
        if self.break_long_words {
            let Some(chunk) = chunks.pop() else { return };
            let chars: Vec<char> = chunk.chars().collect();
            let mut end = space.min(chars.len());
            if self.break_on_hyphens && chars.len() > space {
                let hyphen = chars[..space].iter().rposition(|&c| c == '-');
                if let Some(h) = hyphen.filter(|&h| h > 0 && chars[..h].iter().any(|&c| c != '-')) {
                    end = h + 1;
                }
            }
            line.push(chars[..end].iter().collect());
            chunks.push(chars[end..].iter().collect());
        } else if line.is_empty() {
            line.extend(chunks.pop());
        }
    }

    /// Runs of whitespace and words; words split after inner hyphens (`long-winded` gives
    /// `long-` and `winded`) when breaking on hyphens.
    fn chunks(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut in_space = None;
        for c in text.chars() {
            let space = c.is_whitespace();
            if in_space.is_some_and(|s| s != space) {
                out.push(std::mem::take(&mut current));
            }
            in_space = Some(space);
            current.push(c);
        }
        if !current.is_empty() {
            out.push(current);
        }
        if !self.break_on_hyphens {
            return out;
        }
        out.into_iter()
            .flat_map(|chunk| split_hyphens(&chunk))
            .collect()
    }
}

/// A word split after each hyphen that textwrap breaks at: one preceded by two letters (or by
/// `letter-letter`) and followed by a letter, an optional hyphen and a letter.
fn split_hyphens(word: &str) -> Vec<String> {
    let c: Vec<char> = word.chars().collect();
    let letter = |i: usize| c.get(i).is_some_and(|&ch| ch.is_alphabetic() || ch == '_');
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 0..c.len() {
        if c[i] != '-' || i < 2 {
            continue;
        }
        let before = (letter(i - 1) && letter(i - 2))
            || (i >= 3 && letter(i - 1) && c[i - 2] == '-' && letter(i - 3));
        let after =
            letter(i + 1) && (letter(i + 2) || (c.get(i + 2) == Some(&'-') && letter(i + 3)));
        if before && after {
            parts.push(c[start..=i].iter().collect());
            start = i + 1;
        }
    }
    parts.push(c[start..].iter().collect());
    parts
}

/// `filesizeformat(value, binary=False)`: `13.0 kB`, `1 Byte`, `4.1 MiB`.
fn filesizeformat(value: &Value, binary: Option<bool>, kwargs: Kwargs) -> Result<String, Error> {
    let binary = kwargs
        .get::<Option<bool>>("binary")?
        .or(binary)
        .unwrap_or(false);
    kwargs.assert_all_used()?;
    let bytes = match value.kind() {
        ValueKind::Number => f64::try_from(value.clone()).unwrap_or(0.0),
        _ => py_str(value).trim().parse::<f64>().map_err(|_| {
            fail(format!(
                "could not convert string to float: '{}'",
                py_str(value)
            ))
        })?,
    };
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    let prefixes: [&str; 8] = if binary {
        ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    } else {
        ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
    };
    if bytes == 1.0 {
        return Ok("1 Byte".into());
    }
    if bytes < base {
        return Ok(format!("{} Bytes", bytes.trunc() as i64));
    }
    let mut unit = base;
    for prefix in prefixes {
        unit *= base;
        if bytes < unit || prefix == prefixes[7] {
            return Ok(format!("{:.1} {prefix}", base * bytes / unit));
        }
    }
    unreachable!("the last prefix always returns")
}

/// markupsafe's `Markup.striptags`: comments and tags removed, whitespace collapsed to single
/// spaces, entities unescaped.
fn striptags(value: &str) -> String {
    let mut parts = String::new();
    let mut pos = 0;
    let mut found = false;
    while let Some(offset) = value[pos..].find('<') {
        let start = pos + offset;
        let end = if value[start..].starts_with("<!--") {
            value[start + 4..].find("-->").map(|e| start + 4 + e + 3)
        } else {
            value[start..].find('>').map(|e| start + e + 1)
        };
        let Some(end) = end else { break };
        parts.push_str(&value[pos..start]);
        pos = end;
        found = true;
    }
    let text = if found {
        parts.push_str(&value[pos..]);
        parts
    } else {
        value.to_owned()
    };
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    html_unescape(&collapsed)
}

/// markupsafe's `escape`: `& < > " '` as entities.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Numeric character references and the common named ones (Python's `html.unescape` knows
/// every HTML5 name; the rest are left as written).
fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest[1..].find(';').map(|j| j + 1).filter(|&j| j <= 33) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..semi];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            "raquo" => Some('»'),
            "laquo" => Some('«'),
            "copy" => Some('©'),
            _ => name.strip_prefix('#').and_then(|n| {
                let code = match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse::<u32>().ok(),
                };
                code.and_then(char::from_u32)
            }),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `xmlattr(d, autospace=True)`: ` key="value"` for each item that is not None or undefined.
fn xmlattr(value: &Value, autospace: Option<bool>, kwargs: Kwargs) -> Result<String, Error> {
    let autospace = kwargs
        .get::<Option<bool>>("autospace")?
        .or(autospace)
        .unwrap_or(true);
    kwargs.assert_all_used()?;
    if value.kind() != ValueKind::Map {
        return Err(fail(format!(
            "xmlattr expects a mapping, got {}",
            py_str(value)
        )));
    }
    let mut items = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        if item.is_none() || item.is_undefined() {
            continue;
        }
        let key = py_str(&key);
        if key
            .chars()
            .any(|c| c.is_ascii_whitespace() || "/>=".contains(c))
        {
            return Err(fail(format!(
                "Invalid character in attribute name: '{key}'"
            )));
        }
        items.push(format!(
            "{}=\"{}\"",
            html_escape(&key),
            html_escape(&py_str(&item))
        ));
    }
    let joined = items.join(" ");
    Ok(if autospace && !joined.is_empty() {
        format!(" {joined}")
    } else {
        joined
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(text: &str, width: usize) -> Vec<String> {
        Wrap {
            width,
            break_long_words: true,
            break_on_hyphens: true,
        }
        .lines(text)
    }

    // Expected values are CPython 3.11's textwrap.wrap(text, width, expand_tabs=False,
    // replace_whitespace=False).
    #[test]
    fn wraps_like_textwrap() {
        assert_eq!(
            wrap("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(
            wrap("a well-known long-winded phrase", 12),
            ["a well-known", "long-winded", "phrase"]
        );
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
        assert_eq!(wrap("   lead", 5), ["lead"]);
    }

    #[test]
    fn strips_tags_and_unescapes() {
        assert_eq!(
            striptags("Main &raquo;\t<em>About</em> <!-- x --> &#34;q&#x27;"),
            "Main » About \"q'"
        );
        assert_eq!(striptags("a < b"), "a < b");
    }
}
