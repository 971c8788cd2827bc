//! Shell-style name matching (`*`, `?`, `[abc]`, `[!abc]`), as Python's `fnmatch.fnmatchcase`
//! does it: `--start-at-task` and the `setup` module's `filter` use it.

/// Whether `name` matches `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|skip| match_from(&p[1..], &n[skip..])),
        Some('?') => !n.is_empty() && match_from(&p[1..], &n[1..]),
        Some('[') => match class(&p[1..]) {
            Some((set, negated, len)) => {
                n.first().is_some_and(|c| set.contains(c) != negated)
                    && match_from(&p[1 + len..], &n[1..])
            }
            None => n.first() == Some(&'[') && match_from(&p[1..], &n[1..]),
        },
        Some(c) => n.first() == Some(c) && match_from(&p[1..], &n[1..]),
    }
}

/// A `[...]` class after its `[`: its characters, whether negated, and how many pattern
/// characters it used (including the closing `]`).
fn class(p: &[char]) -> Option<(Vec<char>, bool, usize)> {
    let negated = matches!(p.first(), Some('!'));
    let start = usize::from(negated);
    let close = p.iter().skip(start + 1).position(|c| *c == ']')? + start + 1;
    let body = &p[start..close];
    let mut set = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            set.extend(body[i]..=body[i + 2]);
            i += 3;
        } else {
            set.push(body[i]);
            i += 1;
        }
    }
    Some((set, negated, close + 1))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn like_fnmatch() {
        assert!(matches("second*", "second task in block"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        assert!(matches("t?sk [0-9]", "task 7"));
        assert!(!matches("task [!0-9]", "task 7"));
        assert!(matches("a[b", "a[b"));
    }
}
