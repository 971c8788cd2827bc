//! Unified diffs of [`FileDiff`]s for `--diff`, laid out as ansible-playbook prints them.

use crate::color::{Color, paint};
use drover_types::FileDiff;
use similar::TextDiff;

pub(crate) fn render(diff: &FileDiff, color: bool) -> String {
    if diff.before == diff.after && diff.before_header == diff.after_header {
        return String::new();
    }
    let before_header = if diff.before_header.is_empty() {
        "before".to_owned()
    } else {
        format!("before: {}", diff.before_header)
    };
    let after_header = if diff.after_header.is_empty() {
        "after".to_owned()
    } else {
        format!("after: {}", diff.after_header)
    };
    let text = TextDiff::from_lines(&diff.before, &diff.after);
    let mut out = String::new();
    out.push_str(&paint(&format!("--- {before_header}"), Color::Red, color));
    out.push('\n');
    out.push_str(&paint(&format!("+++ {after_header}"), Color::Green, color));
    out.push('\n');
    for hunk in text.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&paint(&hunk.header().to_string(), Color::Cyan, color));
        out.push('\n');
        for change in hunk.iter_changes() {
            let (sign, paint_as) = match change.tag() {
                similar::ChangeTag::Delete => ('-', Some(Color::Red)),
                similar::ChangeTag::Insert => ('+', Some(Color::Green)),
                similar::ChangeTag::Equal => (' ', None),
            };
            let mut line = format!("{sign}{}", change.value());
            let missing_newline = !line.ends_with('\n');
            if missing_newline {
                line.push('\n');
            }
            match paint_as {
                Some(c) => {
                    out.push_str(&paint(line.trim_end_matches('\n'), c, color));
                    out.push('\n');
                }
                None => out.push_str(&line),
            }
            if missing_newline {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_headers_and_hunks() {
        let d = FileDiff {
            before_header: "/tmp/x".into(),
            after_header: "/tmp/x".into(),
            before: "a\nb\n".into(),
            after: "a\nc\n".into(),
        };
        let out = render(&d, false);
        assert_eq!(
            out,
            "--- before: /tmp/x\n+++ after: /tmp/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
        );
    }

    #[test]
    fn no_change_no_output() {
        let d = FileDiff {
            before: "a".into(),
            after: "a".into(),
            ..FileDiff::default()
        };
        assert_eq!(render(&d, false), "");
    }
}
