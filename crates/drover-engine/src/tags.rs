//! `--tags` and `--skip-tags`, with Ansible's special tags `always`, `never`, `all`, `tagged`
//! and `untagged`.

/// Which tasks the command line selected by tag.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    /// `--tags`; empty means `all`.
    pub only: Vec<String>,
    /// `--skip-tags`.
    pub skip: Vec<String>,
}

impl TagFilter {
    /// Whether a task with these (inherited and own) tags runs.
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |t: &str| tags.iter().any(|x| x == t);
        let untagged = tags.is_empty();
        let in_list = |list: &[String]| {
            list.iter().any(|want| match want.as_str() {
                "all" => !has("never"),
                "tagged" => !untagged && !has("never"),
                "untagged" => untagged,
                other => has(other),
            })
        };
        let selected = if self.only.is_empty() {
            !has("never")
        } else {
            has("always") || in_list(&self.only)
        };
        if !selected {
            return false;
        }
        if self.skip.is_empty() {
            return true;
        }
        // `always` tasks are skipped only when `always` itself is skipped.
        let skip_hit = self.skip.iter().any(|s| match s.as_str() {
            "all" => !has("always"),
            "tagged" => !untagged && !has("always"),
            "untagged" => untagged,
            "always" => has("always"),
            other => has(other),
        });
        !skip_hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_runs_all_but_never() {
        let f = TagFilter::default();
        assert!(f.selects(&[]));
        assert!(f.selects(&tags(&["web"])));
        assert!(!f.selects(&tags(&["never"])));
    }

    #[test]
    fn only_and_always() {
        let f = TagFilter {
            only: tags(&["web"]),
            skip: vec![],
        };
        assert!(f.selects(&tags(&["web"])));
        assert!(!f.selects(&tags(&["db"])));
        assert!(f.selects(&tags(&["always"])));
        assert!(!f.selects(&[]));
        let f = TagFilter {
            only: tags(&["never"]),
            skip: vec![],
        };
        assert!(f.selects(&tags(&["never", "x"])));
    }

    #[test]
    fn skip_tags() {
        let f = TagFilter {
            only: vec![],
            skip: tags(&["db"]),
        };
        assert!(!f.selects(&tags(&["db", "web"])));
        assert!(f.selects(&tags(&["always"])));
        let f = TagFilter {
            only: vec![],
            skip: tags(&["always"]),
        };
        assert!(!f.selects(&tags(&["always"])));
    }
}
