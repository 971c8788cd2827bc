//! The printed-output half of the differential tests: for a case with a `compare-output` file,
//! the stdout and stderr of ansible-playbook and drover must be equal line by line once what
//! legitimately varies between two runs (or between the tools' private paths) is normalised.
//!
//! Normalisation, applied to both tools:
//!
//! * the run's `out` dir becomes `[OUT]`, the project dir `[ROOT]`, the side's temp dir `[TMP]`;
//! * colour codes are removed, timestamps become `[TIMESTAMP]`, durations (`"delta"`)
//!   `[DURATION]`, ansible temp dir names `ansible-tmp-[ID]` (see [`drover_test::redact`]).
//!
//! Ansible only: a `[WARNING]` about the discovered Python interpreter with its continuation
//! lines.
//!
//! Drover only: `[NOTE]:` lines on stderr (notes drover adds, such as why a play stopped;
//! listed in `docs/compatibility.md`).

use std::path::Path;

/// The case asks for its printed output to be compared.
pub(crate) fn wanted(case_dir: &Path) -> bool {
    case_dir.join("compare-output").is_file()
}

/// Which side a text came from: each drops its own noise.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum From {
    Ansible,
    Drover,
}

/// `text` with the side's paths and the run's varying parts replaced, and the lines one tool
/// prints that the other legitimately does not dropped.
pub(crate) fn normalize(text: &str, from: From, out: &Path, project: &Path, tmp: &Path) -> String {
    let mut s = text.to_owned();
    for (path, label) in [(out, "[OUT]"), (project, "[ROOT]"), (tmp, "[TMP]")] {
        let mut forms = vec![path.to_string_lossy().into_owned()];
        if let Ok(canonical) = path.canonicalize() {
            forms.push(canonical.to_string_lossy().into_owned());
        }
        for form in forms {
            s = s.replace(&form, label);
        }
    }
    // `redact` with `/` as root replaces no path, only times, durations and ansible temp names.
    let s = drover_test::redact(&s, Path::new("/"));
    let mut kept = Vec::new();
    let mut in_interpreter_warning = false;
    for line in s.lines() {
        if in_interpreter_warning {
            if line.is_empty() || line.starts_with('[') {
                in_interpreter_warning = false;
            } else {
                continue;
            }
        }
        match from {
            From::Ansible => {
                if line.starts_with("[WARNING]: ") && line.contains("interpreter") {
                    in_interpreter_warning = true;
                    continue;
                }
            }
            From::Drover => {
                if line.starts_with("[NOTE]: ") {
                    continue;
                }
            }
        }
        kept.push(line);
    }
    let mut joined = kept.join("\n");
    if !joined.is_empty() {
        joined.push('\n');
    }
    joined
}

/// A unified diff of the two normalised texts, or `None` when they are equal.
pub(crate) fn differences(stream: &str, ansible: &str, drover: &str) -> Option<String> {
    (ansible != drover).then(|| {
        drover_test::text_diff(
            &format!("ansible {stream}"),
            ansible,
            &format!("drover {stream}"),
            drover,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_times_and_tool_noise_are_normalised() {
        let out = Path::new("/nonexistent/t/out");
        let project = Path::new("/nonexistent/t/project");
        let tmp = Path::new("/nonexistent/t");
        let ansible = "Using /nonexistent/t/ansible.cfg as config file\n\
            ok: [h] => {\"delta\": \"0:00:00.004\", \"dest\": \"/nonexistent/t/out/a\"}\n";
        let drover = "Using /nonexistent/t/ansible.cfg as config file\n\
            ok: [h] => {\"delta\": \"0:00:00.001\", \"dest\": \"/nonexistent/t/out/a\"}\n";
        let a = normalize(ansible, From::Ansible, out, project, tmp);
        let d = normalize(drover, From::Drover, out, project, tmp);
        assert_eq!(
            a,
            "Using [TMP]/ansible.cfg as config file\n\
             ok: [h] => {\"delta\": \"[DURATION]\", \"dest\": \"[OUT]/a\"}\n"
        );
        assert_eq!(a, d);
        let ansible_err = "[WARNING]: Host 'h' is using the discovered Python interpreter at 'x'\n\
            See the docs for more information.\n\
            [WARNING]: kept\n";
        let drover_err = "[NOTE]: a note\n[WARNING]: kept\n";
        let a_err = normalize(ansible_err, From::Ansible, out, project, tmp);
        assert_eq!(a_err, "[WARNING]: kept\n");
        assert_eq!(
            a_err,
            normalize(drover_err, From::Drover, out, project, tmp)
        );
        assert!(differences("stdout", &a, "other\n").is_some());
        assert!(differences("stdout", &a, &d).is_none());
    }
}
