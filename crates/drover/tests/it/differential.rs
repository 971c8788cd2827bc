//! Differential tests: every case under `tests/differential/<NN-name>/` is run by the real
//! `ansible-playbook` and by `drover`, twice each, and the results must be the same.
//!
//! A case directory holds `playbook.yml` plus whatever it needs (`files/`, `templates/`,
//! `group_vars/`, `host_vars/`, `roles/`, vars files), optionally:
//!
//! * `inventory.yml` — else the shared `tests/differential/inventory.yml` (localhost, local
//!   connection) is copied in;
//! * `args` — extra command-line arguments, one per line (blank lines and `#` lines ignored),
//!   e.g. `--check`, or `-e` followed by `k=v`;
//! * `not-idempotent` — a note saying why ansible's second run still reports changes (only read
//!   by the ansible-only self-check below);
//! * `ansible.cfg` — the case runs under it: found by both tools as `./ansible.cfg` (no
//!   `ANSIBLE_CONFIG`), and without `-i`, so the file's `inventory` setting names the
//!   inventory (the shared `inventory.yml` is still copied in when the case has none);
//! * `compare-output` — also compare what both tools print, stdout and stderr, line by line
//!   after normalising paths, times and tool-specific noise (see `differential_output.rs`);
//!   the file's text says what the case covers. Multi-host cases pass `--forks 1` in `args`,
//!   as ansible prints the results of parallel hosts in completion order.
//!
//! Playbooks write only under the directory passed as `-e out=<dir>`. For each tool the case is
//! copied into a fresh temp dir (`project/`, with `out/`, and private `ANSIBLE_HOME` and temp
//! dirs beside it) and run from there:
//!
//! ```text
//! ansible-playbook -i inventory.yml playbook.yml -e out=<tmp>/out [args...]
//! drover run playbook.yml -i inventory.yml -e out=<tmp>/out [args...]
//! ```
//!
//! After each of the two runs the exit codes, the `PLAY RECAP` counts per host and the `out`
//! trees (paths, kinds, permission bits, contents, symlink targets, hard-link counts; not times)
//! must be equal. The run's own `out` and project paths are replaced by `[OUT]` and `[ROOT]` in
//! file contents and link targets before comparing.
//!
//! Environment knobs:
//!
//! * `DROVER_ANSIBLE_PLAYBOOK` — the `ansible-playbook` to compare against (else the one on
//!   `PATH`; none at all fails the test: run `./scripts/test.sh`, which installs it);
//! * `DROVER_DIFF_ANSIBLE_ONLY=1` — a debugging aid for case authors: do not run drover; instead
//!   check that ansible itself produces a recap, the same exit code and the same `out` tree on
//!   both runs, and `changed=0` on the second run unless the case has a `not-idempotent` file;
//! * `DROVER_DIFF_KEEP=1` — keep the temp dirs and name them in the failure message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::differential_output as printed;
use drover_test::{
    Cmd, Recap, RunOutput, TreeEntry, copy_tree, diff_trees, format_recap, normalize_tree,
    parse_recap, snapshot_tree,
};

/// Generates one `#[test]` per case directory, plus the list used to check none is forgotten.
macro_rules! cases {
    ($($(#[$meta:meta])* $test:ident => $dir:literal,)*) => {
        $(
            #[test]
            $(#[$meta])*
            fn $test() {
                run_case($dir);
            }
        )*

        /// Every case directory that has a test above.
        const CASES: &[&str] = &[$($dir),*];
    };
}

cases! {
    case_01_copy => "01-copy",
    case_02_template => "02-template",
    case_03_filters => "03-filters",
    case_04_file => "04-file",
    case_05_file_churn => "05-file-churn",
    case_06_lineinfile => "06-lineinfile",
    case_07_blockinfile => "07-blockinfile",
    case_08_replace => "08-replace",
    case_09_command_shell => "09-command-shell",
    case_10_stat_when => "10-stat-when",
    case_11_loops => "11-loops",
    case_12_vars_precedence => "12-vars-precedence",
    case_13_handlers => "13-handlers",
    case_14_block_rescue => "14-block-rescue",
    case_15_tags => "15-tags",
    case_16_assert_fail => "16-assert-fail",
    case_17_yaml_quirks => "17-yaml-quirks",
    case_18_check_mode => "18-check-mode",
    case_19_when_omit => "19-when-omit",
    case_20_undefined_variable => "20-undefined-variable",
    case_21_multi_host => "21-multi-host",
    case_22_multi_host_failure => "22-multi-host-failure",
    case_25_any_errors_fatal => "25-any-errors-fatal",
    case_26_max_fail_percentage => "26-max-fail-percentage",
    case_27_ignore_unreachable => "27-ignore-unreachable",
    case_28_serial => "28-serial",
    case_29_broken_keywords => "29-broken-keywords",
    case_30_hostvars_everywhere => "30-hostvars-everywhere",
    case_31_inline_if => "31-inline-if",
    case_32_map_kwargs_globals => "32-map-kwargs-globals",
    case_33_crlf_templates => "33-crlf-templates",
    case_34_jinja_text_filters => "34-jinja-text-filters",
    case_35_executor_edges => "35-executor-edges",
    case_36_stat_values => "36-stat-values",
    case_37_registered_results => "37-registered-results",
    case_38_loop_invocation => "38-loop-invocation",
    case_39_serial_batches_failed_hosts => "39-serial-batches-failed-hosts",
    case_40_set_fact_loop_condition_lists => "40-set-fact-loop-condition-lists",
    case_41_handlers_failed_order => "41-handlers-failed-order",
    case_42_sequence_include_vars_command => "42-sequence-include-vars-command",
    case_43_hostvars_limit => "43-hostvars-limit",
    case_44_clear_host_errors_when => "44-clear-host-errors-when",
    case_45_set_ops_numbers => "45-set-ops-numbers",
    case_46_string_formatting => "46-string-formatting",
    case_47_jinja_structure_filters => "47-jinja-structure-filters",
    case_48_numbers_python_methods => "48-numbers-python-methods",
    case_49_lookups => "49-lookups",
    case_50_tests => "50-tests",
    case_51_precedence_scoping => "51-precedence-scoping",
    case_52_handlers_listen_chain => "52-handlers-listen-chain",
    case_53_blocks_nested => "53-blocks-nested",
    case_54_fleet_run_once_delegate => "54-fleet-run-once-delegate",
    case_55_retries_loop_control => "55-retries-loop-control",
    case_56_check_mode_details => "56-check-mode-details",
    case_57_conditions_on_results => "57-conditions-on-results",
    case_58_set_fact_types => "58-set-fact-types",
    case_59_template_module_features => "59-template-module-features",
    case_60_registered_text_edits => "60-registered-text-edits",
    case_61_registered_copy_file_stat => "61-registered-copy-file-stat",
    case_62_registered_diff_mode => "62-registered-diff-mode",
    case_63_inventory_precedence => "63-inventory-precedence",
    case_64_python_operators => "64-python-operators",
    case_65_vault_files => "65-vault-files",
    case_66_vault_inline => "66-vault-inline",
    case_67_vault_include_vars => "67-vault-include-vars",
    case_68_vault_copy_template => "68-vault-copy-template",
    case_69_vault_extra_vars_script => "69-vault-extra-vars-script",
    case_75_regex_backtracking => "75-regex-backtracking",
    case_76_regex_line_modules => "76-regex-line-modules",
    case_77_regex_multiline_empty => "77-regex-multiline-empty",
    case_78_regex_errors => "78-regex-errors",
    case_70_facts => "70-facts",
    case_80_output_results => "80-output-results",
    case_81_output_serial_banners => "81-output-serial-banners",
    case_82_output_verbose => "82-output-verbose",
    case_83_output_check_diff => "83-output-check-diff",
    case_84_refused_result_keys_var_templates => "84-refused-result-keys-var-templates",
    case_85_output_warnings => "85-output-warnings",
    case_86_output_task_shapes => "86-output-task-shapes",
    case_87_output_debug_undefined => "87-output-debug-undefined",
    case_93_roles_in_depth => "93-roles-in-depth",
    case_94_precedence_roles_includes => "94-precedence-roles-includes",
    case_95_import_playbook => "95-import-playbook",
    case_96_includes_per_host => "96-includes-per-host",
    case_97_output_includes => "97-output-includes",
    case_98_add_host_group_by => "98-add-host-group-by",
    case_99_meta_batches => "99-meta-batches",
    case_100_module_defaults => "100-module-defaults",
    case_101_role_argument_specs => "101-role-argument-specs",
    case_88_config_inventory => "88-config-inventory",
    case_89_config_become => "89-config-become",
    case_90_config_inventory_dir => "90-config-inventory-dir",
    case_23_include_import => "23-include-import",
    case_24_roles => "24-roles",
}

/// `tests/differential` at the workspace root.
fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential")
}

#[test]
fn every_case_directory_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(cases_root())
        .expect("read tests/differential")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("playbook.yml").is_file())
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "tests/differential/*/playbook.yml and the cases! list in differential.rs must match"
    );
}

pub(super) fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The `ansible-playbook` to compare against; panics (never skips) when there is none.
pub(super) fn ansible_playbook() -> PathBuf {
    if let Some(p) = std::env::var_os("DROVER_ANSIBLE_PLAYBOOK").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "DROVER_ANSIBLE_PLAYBOOK={} does not exist; run ./scripts/test.sh to install ansible-core",
            p.display()
        );
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("ansible-playbook"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "ansible-playbook not found: the differential tests need it. Run ./scripts/test.sh \
                 (it installs ansible-core 2.19 into .venv and sets DROVER_ANSIBLE_PLAYBOOK), or set \
                 DROVER_ANSIBLE_PLAYBOOK=/path/to/ansible-playbook"
            )
        })
}

/// Extra CLI args from the case's `args` file: one per line, blank and `#` lines ignored.
fn case_args(case_dir: &Path) -> Vec<String> {
    match std::fs::read_to_string(case_dir.join("args")) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Which tool a [`Side`] runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tool {
    Ansible,
    Drover,
}

impl Tool {
    fn label(self) -> &'static str {
        match self {
            Tool::Ansible => "ansible",
            Tool::Drover => "drover",
        }
    }
}

/// One tool's private copy of a case: `<tmp>/project` (the case), `<tmp>/out`, and ansible's
/// home, temp dirs and an empty config file.
pub(super) struct Side {
    tool: Tool,
    program: PathBuf,
    pub(super) dir: tempfile::TempDir,
    args: Vec<String>,
}

/// What one run left behind.
pub(super) struct Outcome {
    pub(super) output: RunOutput,
    /// stdout and stderr normalised for comparison (see `differential_output.rs`).
    pub(super) printed: [String; 2],
    pub(super) recap: BTreeMap<String, Recap>,
    pub(super) tree: BTreeMap<String, TreeEntry>,
    pub(super) command: String,
}

impl Side {
    pub(super) fn new(tool: Tool, program: PathBuf, case_dir: &Path) -> Side {
        // Both tools' paths have the same length, so values that depend on it (a symlink's
        // size) compare equal: "ansible" is one letter longer than "drover".
        let dir = tempfile::Builder::new()
            .prefix(&format!("drover-diff-{}-", tool.label()))
            .rand_bytes(if tool == Tool::Ansible { 6 } else { 7 })
            .tempdir()
            .expect("temp dir");
        let side = Side {
            tool,
            program,
            dir,
            args: case_args(case_dir),
        };
        let project = side.project();
        copy_tree(case_dir, &project)
            .unwrap_or_else(|e| panic!("copy {}: {e}", case_dir.display()));
        if !project.join("inventory.yml").exists() {
            std::fs::copy(
                cases_root().join("inventory.yml"),
                project.join("inventory.yml"),
            )
            .expect("copy the shared inventory");
        }
        for sub in [
            "out",
            "ansible-home",
            "ansible-local-tmp",
            "ansible-remote-tmp",
        ] {
            std::fs::create_dir_all(side.dir.path().join(sub)).expect("create dir");
        }
        std::fs::write(side.dir.path().join("ansible.cfg"), "").expect("write empty ansible.cfg");
        side
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    pub(super) fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub(super) fn run(&self) -> Outcome {
        let root = self.dir.path();
        let out_arg = format!("out={}", self.out().display());
        let mut cmd = Cmd::new(&self.program);
        // A case with its own `ansible.cfg` is run under it (found as `./ansible.cfg`), and its
        // inventory comes from there: no `-i`.
        let own_cfg = self.project().join("ansible.cfg").is_file();
        let inventory: &[&str] = if own_cfg {
            &[]
        } else {
            &["-i", "inventory.yml"]
        };
        cmd = match self.tool {
            Tool::Ansible => cmd.args(inventory).args(["playbook.yml", "-e", &out_arg]),
            Tool::Drover => cmd
                .args(["run", "playbook.yml"])
                .args(inventory)
                .args(["-e", &out_arg]),
        };
        cmd = cmd.args(&self.args).current_dir(self.project());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ANSIBLE_") {
                cmd = cmd.env_remove(key);
            }
        }
        if !own_cfg {
            cmd = cmd.env("ANSIBLE_CONFIG", root.join("ansible.cfg"));
        }
        cmd = cmd
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_STDOUT_CALLBACK", "default")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
            .env("ANSIBLE_LOCALHOST_WARNING", "0")
            .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "0")
            .env("ANSIBLE_HOME", root.join("ansible-home"))
            .env("ANSIBLE_LOCAL_TEMP", root.join("ansible-local-tmp"))
            .env("ANSIBLE_REMOTE_TEMP", root.join("ansible-remote-tmp"))
            .env("LC_ALL", "C.UTF-8")
            .env("LANG", "C.UTF-8")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        let command = format!("cd {} && {}", self.project().display(), cmd.display());
        let output = cmd.run();
        let recap = parse_recap(&output.stdout);
        let mut tree = snapshot_tree(&self.out());
        normalize_tree(&mut tree, &self.out().to_string_lossy(), "[OUT]");
        normalize_tree(&mut tree, &self.project().to_string_lossy(), "[ROOT]");
        let from = match self.tool {
            Tool::Ansible => printed::From::Ansible,
            Tool::Drover => printed::From::Drover,
        };
        let printed = [&output.stdout, &output.stderr]
            .map(|text| printed::normalize(text, from, &self.out(), &self.project(), root));
        Outcome {
            printed,
            output,
            recap,
            tree,
            command,
        }
    }
}

/// Last `n` lines of a text, for failure messages.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(n);
    let mut s = String::new();
    if skip > 0 {
        s.push_str(&format!("[... {skip} earlier lines ...]\n"));
    }
    s.push_str(&lines[skip..].join("\n"));
    s
}

pub(super) fn show_run(label: &str, o: &Outcome) -> String {
    format!(
        "===== {label}: {}\n{}\n--- stdout (tail) ---\n{}\n--- stderr (tail) ---\n{}\n",
        o.command,
        match o.output.code {
            Some(c) => format!("exit code {c}"),
            None => "killed (timeout or signal)".to_owned(),
        },
        tail(&o.output.stdout, 120),
        tail(&o.output.stderr, 60),
    )
}

pub(super) fn show_recap(recap: &BTreeMap<String, Recap>) -> String {
    if recap.is_empty() {
        return "    (no PLAY RECAP)\n".to_owned();
    }
    recap
        .iter()
        .map(|(h, c)| format!("    {h} : {}\n", format_recap(c)))
        .collect()
}

/// Differences between the two tools' outcomes of one run, as readable text.
fn compare(run: usize, ansible: &Outcome, drover: &Outcome, output: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if ansible.output.code != drover.output.code {
        problems.push(format!(
            "run {run}: exit codes differ: ansible {:?}, drover {:?}",
            ansible.output.code, drover.output.code
        ));
    }
    if ansible.recap != drover.recap {
        problems.push(format!(
            "run {run}: PLAY RECAP differs\n  ansible:\n{}  drover:\n{}",
            show_recap(&ansible.recap),
            show_recap(&drover.recap)
        ));
    }
    if let Some(diff) = diff_trees("ansible", &ansible.tree, "drover", &drover.tree) {
        problems.push(format!("run {run}: out trees differ\n{diff}"));
    }
    if output {
        for (i, stream) in ["stdout", "stderr"].into_iter().enumerate() {
            if let Some(diff) =
                printed::differences(stream, &ansible.printed[i], &drover.printed[i])
            {
                problems.push(format!(
                    "run {run}: printed {stream} differs (normalised; - ansible, + drover)\n{diff}"
                ));
            }
        }
    }
    problems
}

/// Checks ansible against itself (the `DROVER_DIFF_ANSIBLE_ONLY` mode).
fn self_check(case_dir: &Path, first: &Outcome, second: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if first.output.code != second.output.code {
        problems.push(format!(
            "exit code changed between runs: {:?} then {:?}",
            first.output.code, second.output.code
        ));
    }
    if let Some(diff) = diff_trees("run 1", &first.tree, "run 2", &second.tree) {
        problems.push(format!("the out tree changed on the second run\n{diff}"));
    }
    if first.recap.keys().ne(second.recap.keys()) {
        problems.push("the recap's hosts changed between runs".to_owned());
    }
    if !case_dir.join("not-idempotent").exists() {
        for (host, counts) in &second.recap {
            if counts[1] != 0 {
                problems.push(format!(
                    "second run is not idempotent on {host}: {} (add a `not-idempotent` file saying why, if intended)",
                    format_recap(counts)
                ));
            }
        }
    }
    problems
}

fn run_case(name: &str) {
    let case_dir = cases_root().join(name);
    assert!(
        case_dir.join("playbook.yml").is_file(),
        "{} has no playbook.yml",
        case_dir.display()
    );
    let ansible_only = env_flag("DROVER_DIFF_ANSIBLE_ONLY");
    let keep = env_flag("DROVER_DIFF_KEEP");

    let ansible = Side::new(Tool::Ansible, ansible_playbook(), &case_dir);
    let drover = (!ansible_only).then(|| {
        Side::new(
            Tool::Drover,
            PathBuf::from(env!("CARGO_BIN_EXE_drover")),
            &case_dir,
        )
    });

    let mut problems = Vec::new();
    let mut report = String::new();
    let mut ansible_runs = Vec::new();
    for run in 1..=2 {
        let a = ansible.run();
        report.push_str(&show_run(&format!("ansible run {run}"), &a));
        if a.recap.is_empty() {
            problems.push(format!(
                "ansible run {run} printed no PLAY RECAP — the case itself is broken (or ansible is)"
            ));
        }
        if let Some(drover) = &drover {
            let d = drover.run();
            report.push_str(&show_run(&format!("drover run {run}"), &d));
            problems.extend(compare(run, &a, &d, printed::wanted(&case_dir)));
        }
        ansible_runs.push(a);
    }
    if ansible_only {
        problems.extend(self_check(&case_dir, &ansible_runs[0], &ansible_runs[1]));
    }

    if problems.is_empty() {
        return;
    }
    let mut kept = String::new();
    if keep {
        kept.push_str(&format!("kept: {}\n", ansible.dir.keep().display()));
        if let Some(d) = drover {
            kept.push_str(&format!("kept: {}\n", d.dir.keep().display()));
        }
    } else {
        kept.push_str("(set DROVER_DIFF_KEEP=1 to keep the temp dirs)\n");
    }
    panic!(
        "differential case {name} ({}): {} problem(s)\n\n{}\n\n{report}\n{kept}",
        if ansible_only {
            "ansible-only self-check"
        } else {
            "ansible vs drover"
        },
        problems.len(),
        problems.join("\n\n"),
    );
}
