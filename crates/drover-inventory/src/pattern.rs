//! Host patterns, resolved as Ansible's inventory manager resolves them.
//!
//! A pattern is a list of parts separated by `,` (or `:` when that cannot be part of an address
//! or range). Plain parts are unions, `&part` intersects and `!part` excludes; they apply in
//! that order whatever their position. A part is a group or host name, a shell glob
//! (`web*`, `db-?`, `*.example.com`), or `~regex` matched from the start of the name; a
//! group-matching part may end in a subscript (`web[0]`, `web[-1]`, `web[1:3]`, `web[2:]`).
//! `localhost`, `127.0.0.1` and `::1` match the implicit local host when nothing else does.

use crate::Error;
use crate::data::{Data, LOCALHOST_NAMES};
use crate::range::parse_address;
use drover_python::re as py;
use regex::Regex;
use std::collections::HashSet;

/// Splits a pattern into its parts, as Ansible's `split_host_pattern` does.
pub(crate) fn split(pattern: &str) -> Vec<String> {
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(str::to_owned).collect()
    } else if parse_address(pattern.trim()).is_some() {
        vec![pattern.to_owned()]
    } else {
        colon_parts(pattern)
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Runs of characters other than whitespace, `:`, `[` and `]`, or whole `[...]` groups.
fn colon_parts(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                let mut group = String::from('[');
                let mut closed = false;
                for next in chars.by_ref() {
                    group.push(next);
                    if next == ']' {
                        closed = true;
                        break;
                    }
                }
                if closed {
                    current.push_str(&group);
                } else {
                    // An unclosed `[`: the text after it is still matched piecewise.
                    if !current.is_empty() {
                        out.push(std::mem::take(&mut current));
                    }
                    out.extend(colon_parts(&group[1..]));
                }
            }
            ':' | ']' => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c if c.is_whitespace() => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Plain parts first, then `&` parts, then `!` parts; only `&`/`!` parts mean "from `all`".
fn order(parts: &[String]) -> Vec<String> {
    let mut regular = Vec::new();
    let mut intersect = Vec::new();
    let mut exclude = Vec::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if p.starts_with('!') {
            exclude.push(p.clone());
        } else if p.starts_with('&') {
            intersect.push(p.clone());
        } else {
            regular.push(p.clone());
        }
    }
    if regular.is_empty() {
        regular.push("all".to_owned());
    }
    regular
        .into_iter()
        .chain(intersect)
        .chain(exclude)
        .collect()
}

/// The hosts `parts` select, in order, without duplicates.
pub(crate) fn evaluate(data: &Data, parts: &[String]) -> Result<Vec<String>, Error> {
    let mut hosts: Vec<String> = Vec::new();
    for part in order(parts) {
        if data.hosts.contains_key(&part) {
            hosts.push(part);
            continue;
        }
        let matched = match_one(data, &part)?;
        if part.starts_with('!') {
            let set: HashSet<&String> = matched.iter().collect();
            hosts.retain(|h| !set.contains(h));
        } else if part.starts_with('&') {
            let set: HashSet<&String> = matched.iter().collect();
            hosts.retain(|h| set.contains(h));
        } else {
            let existing: HashSet<String> = hosts.iter().cloned().collect();
            hosts.extend(matched.into_iter().filter(|h| !existing.contains(h)));
        }
    }
    let mut seen = HashSet::new();
    hosts.retain(|h| seen.insert(h.clone()));
    Ok(hosts)
}

/// One part, without its `&`/`!` prefix, subscript applied.
fn match_one(data: &Data, part: &str) -> Result<Vec<String>, Error> {
    let part = part.strip_prefix(['&', '!']).unwrap_or(part);
    if part.is_empty() {
        return Ok(Vec::new());
    }
    let (expr, subscript) = split_subscript(part);
    let hosts = enumerate(data, expr, part)?;
    apply_subscript(hosts, subscript).ok_or_else(|| Error::Pattern {
        pattern: part.to_owned(),
        message: "no hosts matched the subscripted pattern".to_owned(),
    })
}

#[derive(Debug, PartialEq)]
enum Subscript {
    Index(i64),
    Range(usize, Option<usize>),
}

/// `expr[3]`, `expr[-1]`, `expr[1:4]`, `expr[2:]` (`expr[1-4]` is the old spelling).
fn split_subscript(part: &str) -> (&str, Option<Subscript>) {
    if part.starts_with('~') || !part.ends_with(']') {
        return (part, None);
    }
    let Some(open) = part.rfind('[') else {
        return (part, None);
    };
    if open == 0 {
        return (part, None);
    }
    let inner = &part[open + 1..part.len() - 1];
    let expr = &part[..open];
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let index = inner.strip_prefix('-').unwrap_or(inner);
    if digits(index) {
        return match inner.parse() {
            Ok(i) => (expr, Some(Subscript::Index(i))),
            Err(_) => (part, None),
        };
    }
    if let Some(sep) = inner.find([':', '-']) {
        let (start, end) = (&inner[..sep], &inner[sep + 1..]);
        if digits(start)
            && (end.is_empty() || digits(end))
            && let Ok(start) = start.parse()
        {
            return (expr, Some(Subscript::Range(start, end.parse().ok())));
        }
    }
    (part, None)
}

/// `None` when an index is out of range (Ansible's "No hosts matched the subscripted pattern").
fn apply_subscript(hosts: Vec<String>, subscript: Option<Subscript>) -> Option<Vec<String>> {
    let Some(subscript) = subscript else {
        return Some(hosts);
    };
    if hosts.is_empty() {
        return Some(hosts);
    }
    let len = hosts.len();
    let single = |i: i64| {
        let idx = if i < 0 {
            i64::try_from(len).ok()? + i
        } else {
            i
        };
        hosts
            .get(usize::try_from(idx).ok()?)
            .map(|h| vec![h.clone()])
    };
    match subscript {
        Subscript::Index(i) => single(i),
        // As in Ansible, an end of 0 means "just the start".
        Subscript::Range(start, Some(0)) => single(i64::try_from(start).unwrap_or(i64::MAX)),
        Subscript::Range(start, end) => {
            let end = end.unwrap_or(len - 1).saturating_add(1).min(len);
            if start >= end {
                return Some(Vec::new());
            }
            Some(hosts[start..end].to_vec())
        }
    }
}

/// A glob (`*`, `?`, `[seq]`, `[!seq]`) as an anchored regex, like Python's `fnmatch.translate`.
pub(crate) fn glob_regex(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::from("(?s)^(?:");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                    continue;
                }
                let mut body: &[char] = &chars[i..j];
                i = j + 1;
                out.push('[');
                if body.first() == Some(&'!') {
                    out.push('^');
                    body = &body[1..];
                }
                for (k, &ch) in body.iter().enumerate() {
                    let is_range = ch == '-' && k > 0 && k + 1 < body.len();
                    if is_range {
                        out.push('-');
                    } else {
                        push_escaped(&mut out, ch);
                    }
                }
                out.push(']');
            }
            other => push_escaped(&mut out, other),
        }
    }
    out.push_str(")$");
    out
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_ascii_punctuation() || c.is_whitespace() {
        if c.is_whitespace() && c != ' ' {
            out.push_str(&regex::escape(&c.to_string()));
            return;
        }
        out.push('\\');
    }
    out.push(c);
}

/// What one part (no prefix, no subscript) matches: groups' hosts, then hosts by name.
fn enumerate(data: &Data, pattern: &str, original: &str) -> Result<Vec<String>, Error> {
    Ok(enumerate_with_groups(data, pattern, original)?.0)
}

/// [`enumerate`], and whether any group name matched.
fn enumerate_with_groups(
    data: &Data,
    pattern: &str,
    original: &str,
) -> Result<(Vec<String>, bool), Error> {
    let matcher: Box<dyn Fn(&str) -> bool> = if let Some(re) = pattern.strip_prefix('~') {
        // Python's `re.match`: a match at the start of the name.
        let re = py::Regex::with_mode(re, py::Kind::Text, py::Flags::default(), py::Mode::Match)
            .map_err(|e| Error::Pattern {
                pattern: original.to_owned(),
                message: format!("invalid regular expression: {}", e.reason),
            })?;
        Box::new(move |name: &str| re.is_match(name.as_bytes()))
    } else {
        let re = Regex::new(&glob_regex(pattern)).map_err(|e| Error::Pattern {
            pattern: original.to_owned(),
            message: format!("invalid host pattern: {e}"),
        })?;
        Box::new(move |name: &str| re.is_match(name))
    };
    let mut results = Vec::new();
    let groups: Vec<&String> = data.groups.keys().filter(|g| matcher(g)).collect();
    for g in &groups {
        results.extend(data.group_hosts(g));
    }
    let special = pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']);
    if groups.is_empty() || special {
        results.extend(data.hosts.keys().filter(|h| matcher(h)).cloned());
    }
    if results.is_empty() && LOCALHOST_NAMES.contains(&pattern) {
        let name = data.defined_localhost().unwrap_or(pattern);
        results.push(name.to_owned());
    }
    Ok((results, !groups.is_empty()))
}

/// The parts (without `&`/`!` or subscript) that match no group and no host: Ansible warns
/// "Could not match supplied host pattern, ignoring: ..." for each.
pub(crate) fn unmatched(data: &Data, parts: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for part in order(parts) {
        if data.hosts.contains_key(&part) {
            continue;
        }
        let bare = part.strip_prefix(['&', '!']).unwrap_or(&part);
        if bare.is_empty() {
            continue;
        }
        let (expr, _) = split_subscript(bare);
        let (hosts, any_group) = enumerate_with_groups(data, expr, bare)?;
        if hosts.is_empty() && !any_group && expr != "all" && !out.iter().any(|o| o == expr) {
            out.push(expr.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(split("web, db ,"), ["web", "db"]);
        assert_eq!(split("web:&prod:!web3"), ["web", "&prod", "!web3"]);
        assert_eq!(split("web[1:3]"), ["web[1:3]"]);
        assert_eq!(split("2001:db8::1"), ["2001:db8::1"]);
        assert_eq!(split("web*:db[0]"), ["web*", "db[0]"]);
        assert_eq!(split(""), Vec::<String>::new());
    }

    #[test]
    fn subscripts() {
        assert_eq!(
            split_subscript("web[0]"),
            ("web", Some(Subscript::Index(0)))
        );
        assert_eq!(
            split_subscript("web[-1]"),
            ("web", Some(Subscript::Index(-1)))
        );
        assert_eq!(
            split_subscript("web[1:3]"),
            ("web", Some(Subscript::Range(1, Some(3))))
        );
        assert_eq!(
            split_subscript("web[2:]"),
            ("web", Some(Subscript::Range(2, None)))
        );
        assert_eq!(split_subscript("~web[0]"), ("~web[0]", None));
        assert_eq!(split_subscript("web[a:c]"), ("web[a:c]", None));
        let hosts: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        assert_eq!(
            apply_subscript(hosts.clone(), Some(Subscript::Index(-1))).unwrap(),
            ["d"]
        );
        assert_eq!(
            apply_subscript(hosts.clone(), Some(Subscript::Range(1, Some(2)))).unwrap(),
            ["b", "c"]
        );
        assert_eq!(
            apply_subscript(hosts.clone(), Some(Subscript::Range(2, None))).unwrap(),
            ["c", "d"]
        );
        assert!(apply_subscript(hosts, Some(Subscript::Index(9))).is_none());
    }

    #[test]
    fn globs() {
        let m = |g: &str, s: &str| Regex::new(&glob_regex(g)).unwrap().is_match(s);
        assert!(m("web*", "web01"));
        assert!(!m("web*", "xweb"));
        assert!(m("*.example.com", "a.example.com"));
        assert!(!m("*.example.com", "a_example.com"));
        assert!(m("db-?", "db-1"));
        assert!(m("db[12]", "db2"));
        assert!(m("db[!12]", "db3"));
        assert!(!m("db[!12]", "db1"));
        assert!(m("db[a-c]", "dbb"));
        assert!(m("x[", "x["));
        assert!(m("a+b", "a+b"));
    }
}
