//! Which keywords plays, blocks and tasks take, as in ansible-core 2.19, split into those drover
//! does and those it does not do yet: a valid Ansible keyword drover lacks must be reported as
//! "not supported yet", never as a typo. Also the names of ansible.builtin's modules, so a module
//! drover lacks is told apart from a misspelt one.

/// Keywords plays, blocks and tasks share (in [`crate::Common`]), minus `when` and `delegate_to`
/// which plays do not take.
pub(crate) const COMMON: &[&str] = &[
    "vars",
    "tags",
    "ignore_errors",
    "ignore_unreachable",
    "check_mode",
    "diff",
    "no_log",
    "become",
    "become_user",
    "become_method",
    "run_once",
    "any_errors_fatal",
    "throttle",
    "timeout",
    "environment",
    "remote_user",
    "connection",
    "collections",
    "module_defaults",
];

/// Play keywords drover reads, besides [`COMMON`].
pub(crate) const PLAY: &[&str] = &[
    "name",
    "hosts",
    "vars_files",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "fact_path",
    "pre_tasks",
    "tasks",
    "post_tasks",
    "handlers",
    "roles",
    "vars_prompt",
    "strategy",
    "serial",
    "max_fail_percentage",
    "force_handlers",
    "order",
];

/// Play keywords Ansible has and drover does not do yet.
pub(crate) const PLAY_UNSUPPORTED: &[&str] = &["become_exe", "become_flags", "debugger", "port"];

/// Block keywords drover reads, besides [`COMMON`].
pub(crate) const BLOCK: &[&str] = &["name", "block", "rescue", "always", "when", "delegate_to"];

/// Block keywords Ansible has and drover does not do yet.
pub(crate) const BLOCK_UNSUPPORTED: &[&str] = &[
    "become_exe",
    "become_flags",
    "debugger",
    "delegate_facts",
    "port",
    "notify",
];

/// Task keywords drover reads, besides [`COMMON`].
pub(crate) const TASK: &[&str] = &[
    "name",
    "args",
    "when",
    "delegate_to",
    "register",
    "changed_when",
    "failed_when",
    "loop",
    "loop_control",
    "with_items",
    "with_list",
    "with_dict",
    "until",
    "retries",
    "delay",
    "notify",
];

/// Lookups that `with_<name>` may loop over (each is implemented by drover-template's `query`).
pub(crate) const LOOP_LOOKUPS: &[&str] = &[
    "items",
    "list",
    "dict",
    "indexed_items",
    "sequence",
    "together",
    "subelements",
    "nested",
    "cartesian",
    "fileglob",
    "first_found",
    "file",
    "env",
    "template",
    "vars",
    "random_choice",
];

/// Task keywords Ansible has and drover does not do yet.
pub(crate) const TASK_UNSUPPORTED: &[&str] = &[
    "action",
    "local_action",
    "async",
    "poll",
    "become_exe",
    "become_flags",
    "debugger",
    "delegate_facts",
    "port",
];

/// The handler-only keyword.
pub(crate) const LISTEN: &str = "listen";

/// `loop_control` keys drover reads.
pub(crate) const LOOP_CONTROL: &[&str] = &["loop_var", "index_var", "label", "pause", "extended"];

/// `loop_control` keys Ansible has and drover does not do yet.
pub(crate) const LOOP_CONTROL_UNSUPPORTED: &[&str] = &["extended_allitems", "break_when"];

/// Task "modules" that are really playbook structure: imports are read with the playbook,
/// includes at run time.
pub(crate) const INCLUDES: &[&str] = &[
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "import_playbook",
    "include",
];

/// Every module of ansible.builtin (ansible-core 2.19), to tell a module drover lacks from a typo.
pub(crate) const ANSIBLE_MODULES: &[&str] = &[
    "add_host",
    "apt",
    "apt_key",
    "apt_repository",
    "assemble",
    "assert",
    "async_status",
    "blockinfile",
    "command",
    "copy",
    "cron",
    "deb822_repository",
    "debconf",
    "debug",
    "dnf",
    "dnf5",
    "dpkg_selections",
    "expect",
    "fail",
    "fetch",
    "file",
    "find",
    "gather_facts",
    "get_url",
    "getent",
    "git",
    "group",
    "group_by",
    "hostname",
    "include_vars",
    "iptables",
    "known_hosts",
    "lineinfile",
    "meta",
    "mount_facts",
    "package",
    "package_facts",
    "pause",
    "ping",
    "pip",
    "raw",
    "reboot",
    "replace",
    "rpm_key",
    "script",
    "service",
    "service_facts",
    "set_fact",
    "set_stats",
    "setup",
    "shell",
    "slurp",
    "stat",
    "subversion",
    "systemd",
    "systemd_service",
    "sysvinit",
    "tempfile",
    "template",
    "unarchive",
    "uri",
    "user",
    "validate_argument_spec",
    "wait_for",
    "wait_for_connection",
    "yum_repository",
];

/// The collections whose modules drover may have (under their short names).
pub(crate) const BUILTIN_PREFIXES: &[&str] = &["ansible.builtin.", "ansible.legacy."];

/// A module's short name: `ansible.builtin.copy` is `copy`.
pub(crate) fn short_name(name: &str) -> &str {
    BUILTIN_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

/// Names Jinja gives a meaning of their own, which Ansible refuses as variable names.
const JINJA_KEYWORDS: &[&str] = &["true", "false", "none", "True", "False", "None", "not"];

/// Whether `name` is a valid variable name as Ansible 2.19 checks it (`vars`, `register`):
/// an ASCII identifier that is not one of Jinja's own names.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
    first_ok
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !JINJA_KEYWORDS.contains(&name)
}

/// The nearest of `candidates` to `word`, when near enough to be a likely typo.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_matches_only() {
        assert_eq!(nearest("hostss", PLAY.iter().copied()), Some("hosts"));
        assert_eq!(nearest("Hosts", PLAY.iter().copied()), Some("hosts"));
        assert_eq!(nearest("whne", TASK.iter().copied()), Some("when"));
        assert_eq!(nearest("zzzzzz", TASK.iter().copied()), None);
        assert_eq!(
            nearest("restart NGINX", ["Restart nginx"]),
            Some("Restart nginx")
        );
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("my_var1"));
        assert!(is_identifier("_x"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(is_identifier("class"));
        assert!(!is_identifier("None"));
        assert!(!is_identifier("é"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("ansible.builtin.copy"), "copy");
        assert_eq!(short_name("ansible.legacy.shell"), "shell");
        assert_eq!(short_name("community.general.ufw"), "community.general.ufw");
    }
}
