//! Templates inside conditions never turn a host's output into code on the controller (found by
//! ansible-core's `conditionals` integration target; see `scripts/ansible-targets`).
//!
//! Expected outcomes were recorded from ansible-core 2.19 running the same playbook.

use crate::modules::{drover, play, project, recap_of};

#[test]
fn a_hosts_output_in_a_condition_is_never_evaluated() {
    let p = project(&play(
        r#"- shell: echo "lookup('pipe', 'touch {{ out }}/BANG')"
  register: untrusted
- name: embedded in an expression
  debug: msg=never
  when: '"foo" in {{ untrusted.stdout }}'
  ignore_errors: true
- name: a whole template of host output
  debug: msg=never
  when: "{{ untrusted.stdout }}"
  ignore_errors: true
- name: a whole template of computed text
  debug: msg=never
  when: "{{ '1 == 1' }}"
  ignore_errors: true
- name: a template inside a literal is a value
  debug: msg=runs
  when: "'{{ untrusted.stdout }}' != 'x'"
- name: a playbook variable holding an expression is trusted
  debug: msg=runs
  vars:
    cond: "1 == 1"
  when: "{{ cond }}"
- name: assert, the same rules
  assert:
    that: "{{ untrusted.stdout }}"
  ignore_errors: true
- assert:
    that:
      - "'{{ untrusted.stdout }}' != 'x'"
"#,
    ));
    let out = drover(&p, &[]);
    assert!(
        !p.join("out/BANG").exists(),
        "the host's output ran as code\n{}",
        out.describe()
    );
    assert!(
        out.stdout
            .contains("Template delimiters are not supported in expressions"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout
            .contains("Encountered untrusted template or expression."),
        "{}",
        out.describe()
    );
    // ansible-core 2.19's recap for the same playbook.
    assert_eq!(recap_of(&out, "localhost"), [8, 1, 0, 0, 0, 0, 4]);
}
