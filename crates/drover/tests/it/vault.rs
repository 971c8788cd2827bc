//! Ansible Vault through the real binaries: `drover vault` against the real `ansible-vault`
//! both ways (files and `encrypt_string` output), secrets from files, scripts and the
//! environment, `!vault` values and encrypted files in a run, the errors for a wrong or missing
//! secret, and the masking of decrypted values in what `drover run` prints.

use drover_test::{Cmd, Project, RunOutput};

use crate::modules::{LOCAL_INVENTORY, assert_code};

/// The `ansible-vault` installed beside the `ansible-playbook` the differential tests use.
fn ansible_vault() -> std::path::PathBuf {
    crate::differential::ansible_playbook().with_file_name("ansible-vault")
}

fn hermetic(cmd: Cmd) -> Cmd {
    cmd.env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .env_remove("ANSIBLE_VAULT_IDENTITY_LIST")
        .env_remove("EDITOR")
        .timeout(std::time::Duration::from_secs(120))
}

/// `drover` with whitespace-separated `args`, in the project.
fn drover(p: &Project, args: &str) -> RunOutput {
    drover_args(p, &args.split_whitespace().collect::<Vec<_>>())
}

fn drover_args(p: &Project, args: &[&str]) -> RunOutput {
    hermetic(Cmd::new(env!("CARGO_BIN_EXE_drover")))
        .args(args)
        .current_dir(p.path())
        .run()
}

/// `ansible-vault` with whitespace-separated `args`, in the project.
fn ansible(p: &Project, args: &str) -> RunOutput {
    hermetic(Cmd::new(ansible_vault()))
        .args(args.split_whitespace())
        .env("ANSIBLE_HOME", p.join(".ansible"))
        .current_dir(p.path())
        .run()
}

/// Asserts that `text` (stdout or stderr of `out`) contains `wanted`.
fn has(out: &RunOutput, text: &str, wanted: &str) {
    assert!(
        text.contains(wanted),
        "missing {wanted:?}\n{}",
        out.describe()
    );
}

/// A shell line run in the project (for piping stdin).
fn shell(p: &Project, line: &str) -> RunOutput {
    hermetic(Cmd::new("/bin/sh"))
        .args(["-c", line])
        .env("DROVER", env!("CARGO_BIN_EXE_drover"))
        .env("AV", ansible_vault())
        .env("ANSIBLE_HOME", p.join(".ansible"))
        .current_dir(p.path())
        .run()
}

fn with_passwords() -> Project {
    let p = Project::new();
    p.file("inv.yml", LOCAL_INVENTORY);
    p.file("pw", "first password\n");
    p.file("pw2", "second password\n");
    p
}

#[test]
fn files_encrypted_by_either_tool_open_in_the_other() {
    let p = with_passwords();
    let plain = "user: alice\npassword: \"é \\\" tricky\"\n";
    p.file("by-drover.yml", plain);
    p.file("by-ansible.yml", plain);
    p.file("labelled.yml", plain);
    assert_code(
        &drover(&p, "vault encrypt by-drover.yml --vault-password-file pw"),
        0,
    );
    assert_code(
        &ansible(&p, "encrypt by-ansible.yml --vault-password-file pw"),
        0,
    );
    let labelled = drover(&p, "vault encrypt labelled.yml --vault-id prod@pw2");
    assert_code(&labelled, 0);
    assert!(
        p.read("by-drover.yml")
            .starts_with("$ANSIBLE_VAULT;1.1;AES256\n")
    );
    assert!(
        p.read("labelled.yml")
            .starts_with("$ANSIBLE_VAULT;1.2;AES256;prod\n")
    );
    assert_eq!(crate::modules::mode_of(&p, "by-drover.yml"), 0o600);
    // Same shape as ansible-vault's: a header and lines of 80 hex digits.
    let shape = |text: String| -> Vec<usize> { text.lines().skip(1).map(str::len).collect() };
    assert_eq!(
        shape(p.read("by-drover.yml")),
        shape(p.read("by-ansible.yml"))
    );

    let view = ansible(&p, "view by-drover.yml --vault-password-file pw");
    assert_eq!(view.stdout, plain, "{}", view.describe());
    let view = ansible(&p, "view labelled.yml --vault-id prod@pw2");
    assert_eq!(view.stdout, plain, "{}", view.describe());
    let view = drover(&p, "vault view by-ansible.yml --vault-password-file pw");
    assert_eq!(view.stdout, plain, "{}", view.describe());

    // decrypt --output - leaves the file encrypted; rekey then decrypt in place.
    let out = drover(
        &p,
        "vault decrypt --output - by-ansible.yml --vault-password-file pw",
    );
    assert_eq!(out.stdout, plain);
    let out = drover(
        &p,
        "vault rekey by-ansible.yml --vault-password-file pw --new-vault-password-file pw2",
    );
    assert_code(&out, 0);
    has(&out, &out.stderr, "Rekey successful");
    let out = ansible(&p, "decrypt by-ansible.yml --vault-password-file pw2");
    assert_code(&out, 0);
    assert_eq!(p.read("by-ansible.yml"), plain);
}

#[test]
fn encrypt_string_output_opens_in_the_other_tool() {
    let p = with_passwords();
    let ours = drover_args(
        &p,
        &[
            "vault",
            "encrypt_string",
            "--vault-id",
            "dev@pw",
            "-n",
            "token",
            "s3cr3t value",
        ],
    );
    assert_code(&ours, 0);
    assert!(
        ours.stdout
            .starts_with("token: !vault |\n          $ANSIBLE_VAULT;1.2;AES256;dev\n          "),
        "{}",
        ours.describe()
    );
    p.file("ours.yml", &ours.stdout);
    let theirs = shell(
        &p,
        "printf 'from stdin' | \"$AV\" encrypt_string --vault-password-file pw --stdin-name piped",
    );
    assert_code(&theirs, 0);
    p.file("theirs.yml", &theirs.stdout);
    p.file(
        "play.yml",
        "- hosts: localhost\n  gather_facts: false\n  vars_files: [ours.yml, theirs.yml]\n  tasks:\n    - copy: {dest: \"{{ playbook_dir }}/out.txt\", content: \"{{ token }}|{{ piped }}\"}\n",
    );
    let run = drover(&p, "run play.yml -i inv.yml --vault-id dev@pw");
    assert_code(&run, 0);
    assert_eq!(p.read("out.txt"), "s3cr3t value|from stdin");
    // And ansible-playbook reads drover's value.
    std::fs::remove_file(p.join("out.txt")).expect("rm");
    p.file(
        "ansible-inv.yml",
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: \"{{ ansible_playbook_python }}\"\n",
    );
    let run = hermetic(Cmd::new(crate::differential::ansible_playbook()))
        .args(["play.yml", "-i", "ansible-inv.yml", "--vault-id", "dev@pw"])
        .env("ANSIBLE_HOME", p.join(".ansible"))
        .current_dir(p.path())
        .run();
    assert_code(&run, 0);
    assert_eq!(p.read("out.txt"), "s3cr3t value|from stdin");
    // stdin through drover, several strings: the notes go to stderr, the YAML to stdout.
    let many = shell(
        &p,
        "printf 'piped' | \"$DROVER\" vault encrypt_string --vault-password-file pw --stdin-name a plain -n b",
    );
    assert_code(&many, 0);
    assert!(
        many.stdout.starts_with("a: !vault |\n"),
        "{}",
        many.describe()
    );
    has(&many, &many.stdout, "\nb: !vault |\n");
    has(
        &many,
        &many.stderr,
        "# The encrypted version of variable (\"b\", the string #2 from the command line args).",
    );
}

#[test]
fn create_and_edit_use_the_editor_on_a_private_file_that_is_removed() {
    let p = with_passwords();
    // The "editor" records the temp file's name and mode, then appends a line.
    p.file_with_mode(
        "ed.sh",
        "#!/bin/sh\necho \"$1\" >> editor.log\nstat -c %a \"$1\" >> editor.log\necho 'added: yes' >> \"$1\"\n",
        0o755,
    );
    let editor = format!("{}/ed.sh", p.path().display());
    let create = hermetic(Cmd::new(env!("CARGO_BIN_EXE_drover")))
        .args([
            "vault",
            "create",
            "--skip-tty-check",
            "new.yml",
            "--vault-password-file",
            "pw",
        ])
        .env("EDITOR", &editor)
        .current_dir(p.path())
        .run();
    assert_code(&create, 0);
    let edit = hermetic(Cmd::new(env!("CARGO_BIN_EXE_drover")))
        .args(["vault", "edit", "new.yml", "--vault-password-file", "pw"])
        .env("EDITOR", &editor)
        .current_dir(p.path())
        .run();
    assert_code(&edit, 0);
    let view = ansible(&p, "view new.yml --vault-password-file pw");
    assert_eq!(
        view.stdout,
        "added: yes\nadded: yes\n",
        "{}",
        view.describe()
    );
    let log = p.read("editor.log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!((lines[1], lines[3]), ("600", "600"), "{log}");
    for temp in [lines[0], lines[2]] {
        assert!(temp.ends_with(".yml"), "{temp}");
        assert!(
            !std::path::Path::new(temp).exists(),
            "plaintext left at {temp}"
        );
    }
    // create refuses an existing file, and needs a terminal unless told.
    let again = drover(
        &p,
        "vault create --skip-tty-check new.yml --vault-password-file pw",
    );
    assert_code(&again, 1);
    assert!(
        again
            .stderr
            .contains("new.yml exists, please use 'edit' instead"),
        "{}",
        again.describe()
    );
    let no_tty = drover(&p, "vault create other.yml --vault-password-file pw");
    assert_code(&no_tty, 5);
    assert!(no_tty.stderr.contains("not a tty, editor cannot be opened"));
}

#[test]
fn secrets_come_from_scripts_client_scripts_and_the_environment() {
    let p = with_passwords();
    p.file_with_mode("pass.sh", "#!/bin/sh\necho 'first password'\n", 0o755);
    p.file_with_mode(
        "keys-client.py",
        "#!/bin/sh\n[ \"$1 $2\" = '--vault-id blue' ] && echo 'second password' && exit 0\necho \"no $2\" >&2\nexit 2\n",
        0o755,
    );
    p.file("a.txt", "alpha\n");
    assert_code(&ansible(&p, "encrypt a.txt --vault-password-file pw"), 0);
    p.file("b.txt", "bravo\n");
    assert_code(&ansible(&p, "encrypt b.txt --vault-id blue@pw2"), 0);
    let out = drover(&p, "vault view a.txt --vault-password-file pass.sh");
    assert_eq!(out.stdout, "alpha\n", "{}", out.describe());
    let out = drover(&p, "vault view b.txt --vault-id blue@keys-client.py");
    assert_eq!(out.stdout, "bravo\n", "{}", out.describe());
    // The client script refuses another id: a warning, then no secret opens the file.
    let out = drover(
        &p,
        "vault view b.txt --vault-id red@keys-client.py --vault-password-file pw",
    );
    assert_code(&out, 1);
    has(&out, &out.stderr, "did not find a secret for vault-id=red");
    has(
        &out,
        &out.stderr,
        "Decryption failed (no vault secrets were found that could decrypt) for b.txt",
    );
    let env = hermetic(Cmd::new(env!("CARGO_BIN_EXE_drover")))
        .args(["vault", "view", "a.txt", "b.txt"])
        .env("ANSIBLE_VAULT_PASSWORD_FILE", "pw")
        .env("ANSIBLE_VAULT_IDENTITY_LIST", "blue@pw2")
        .current_dir(p.path())
        .run();
    assert_eq!(env.stdout, "alpha\nbravo\n", "{}", env.describe());
    // drover run reads the same environment.
    p.file("vars.yml", "from_env: yes-it-is\n");
    assert_code(&ansible(&p, "encrypt vars.yml --vault-id blue@pw2"), 0);
    p.file(
        "env.yml",
        "- hosts: localhost\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks:\n    - copy: {dest: \"{{ playbook_dir }}/env.out\", content: \"{{ from_env }} {{ lookup('file', 'a.txt') }}\"}\n",
    );
    let run = hermetic(Cmd::new(env!("CARGO_BIN_EXE_drover")))
        .args(["run", "env.yml", "-i", "inv.yml"])
        .env("ANSIBLE_VAULT_PASSWORD_FILE", "pw")
        .env("ANSIBLE_VAULT_IDENTITY_LIST", "blue@keys-client.py")
        .current_dir(p.path())
        .run();
    assert_code(&run, 0);
    assert_eq!(p.read("env.out"), "yes-it-is alpha");
    // A prompt without a terminal is a clear error, not a hang.
    let ask = drover(&p, "vault view a.txt --ask-vault-pass");
    assert_code(&ask, 1);
    has(&ask, &ask.stderr, "needs a terminal");
    let run = drover(&p, "run nothing.yml -i inv.yml -J");
    assert_code(&run, 1);
    has(&run, &run.stderr, "needs a terminal");
}

/// A project whose playbook uses a `!vault` value made by ansible-vault.
fn vaulted_project(tasks: &str) -> Project {
    let p = with_passwords();
    let value = ansible(
        &p,
        "encrypt_string --vault-password-file pw -n secret Hunter2-secret",
    );
    assert_code(&value, 0);
    let vars = value
        .stdout
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>();
    p.file(
        "play.yml",
        format!("- hosts: localhost\n  gather_facts: false\n  vars:\n{vars}  tasks:\n{tasks}"),
    );
    p
}

#[test]
fn a_wrong_or_missing_secret_stops_the_run_naming_the_value() {
    let p = vaulted_project("    - debug: {msg: \"{{ secret }}\"}\n");
    for args in [&["--vault-password-file", "pw2"][..], &[]] {
        let mut all = vec!["run", "play.yml", "-i", "inv.yml"];
        all.extend(args);
        let out = drover_args(&p, &all);
        assert_code(&out, 1);
        has(
            &out,
            &out.stderr,
            "play.yml:4:13: could not decrypt this `!vault` value",
        );
        assert!(!out.stdout.contains("TASK ["), "{}", out.describe());
        assert!(!out.stderr.contains("Hunter2"), "{}", out.describe());
    }
    // An encrypted inventory or `-e @file` opens with the right secret; the wrong one stops
    // the run before anything runs, naming the file.
    p.file("enc-inv.yml", LOCAL_INVENTORY);
    p.file("extra.yml", "from_extra: extra-value\n");
    assert_code(
        &ansible(&p, "encrypt enc-inv.yml extra.yml --vault-password-file pw"),
        0,
    );
    p.file(
        "plain.yml",
        "- hosts: all\n  gather_facts: false\n  tasks: [debug: {msg: \"{{ from_extra }}\"}]\n",
    );
    let good = drover(
        &p,
        "run plain.yml -i enc-inv.yml -e @extra.yml --vault-password-file pw",
    );
    assert_code(&good, 0);
    for (args, file) in [
        (
            "run plain.yml -i enc-inv.yml --vault-password-file pw2",
            "enc-inv.yml",
        ),
        (
            "run plain.yml -i inv.yml -e @extra.yml --vault-password-file pw2",
            "extra.yml",
        ),
    ] {
        let out = drover(&p, args);
        assert_code(&out, 1);
        has(
            &out,
            &out.stderr,
            &format!("{file}:1:1: could not decrypt this vault-encrypted file: Decryption failed"),
        );
        assert!(!out.stdout.contains("TASK ["), "{}", out.describe());
    }
    // An encrypted vars_files file stops the run when its play starts, exit 1.
    p.file("vars.yml", "k: v\n");
    assert_code(
        &ansible(&p, "encrypt vars.yml --vault-password-file pw2"),
        0,
    );
    p.file(
        "two.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks: [debug: {msg: first}]\n- hosts: localhost\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks: [debug: {var: k}]\n",
    );
    let out = drover(&p, "run two.yml -i inv.yml --vault-password-file pw");
    assert_code(&out, 1);
    has(&out, &out.stderr, "could not load vars file `vars.yml`: ");
    has(
        &out,
        &out.stderr,
        "vars.yml:1:1: could not decrypt this vault-encrypted file: Decryption failed",
    );
    has(&out, &out.stdout, "\"msg\": \"first\"");
    // The same file read at run time fails its task with the file named.
    p.file(
        "inc.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - include_vars: vars.yml\n",
    );
    let out = drover(&p, "run inc.yml -i inv.yml --vault-password-file pw");
    assert_code(&out, 2);
    has(
        &out,
        &out.stdout,
        "vars.yml:1:1: could not decrypt this vault-encrypted file: Decryption failed",
    );
}

#[test]
fn decrypted_values_are_masked_in_results_diffs_and_verbose_output() {
    let p = vaulted_project(
        "    - debug: {msg: \"the secret is {{ secret }}\"}\n    - debug: {var: secret}\n    - copy: {dest: \"{{ playbook_dir }}/out.conf\", content: \"password={{ secret }}\\n\"}\n    - template: {src: app.j2, dest: \"{{ playbook_dir }}/app.conf\"}\n    - copy: {src: key.txt, dest: \"{{ playbook_dir }}/key.out\"}\n    - command: echo {{ secret }} {{ db_user }}\n    - fail: {msg: \"bad {{ secret }}\"}\n",
    );
    p.file("app.j2", "user=admin\ntpl_password={{ secret }}\n");
    // An encrypted copy source: its lines are secrets (but short ones such as `}` are not).
    p.file("key.txt", "{\napi_key = KEY-0123456789\n}\n");
    assert_code(&ansible(&p, "encrypt key.txt --vault-password-file pw"), 0);
    // Each string of an encrypted group_vars file is a secret.
    p.file("group_vars/all.yml", "db_user: dbadmin-from-group\n");
    assert_code(
        &ansible(&p, "encrypt group_vars/all.yml --vault-password-file pw"),
        0,
    );
    let out = drover(
        &p,
        "run play.yml -i inv.yml --vault-password-file pw --diff -v",
    );
    assert_code(&out, 2);
    // The file really holds the secret; nothing printed does.
    assert_eq!(p.read("out.conf"), "password=Hunter2-secret\n");
    assert_eq!(p.read("key.out"), "{\napi_key = KEY-0123456789\n}\n");
    let printed = format!("{}{}", out.stdout, out.stderr);
    assert!(!printed.contains("Hunter2"), "{}", out.describe());
    assert!(!printed.contains("KEY-0123"), "{}", out.describe());
    assert!(!printed.contains("dbadmin"), "{}", out.describe());
    for shown in [
        "\"msg\": \"the secret is ********\"",
        "\"secret\": \"********\"",
        "+password=********",
        "+user=admin\n+tpl_password=********",
        "+{\n+********\n+}",
        "\"stdout\": \"******** ********\"",
        "bad ********",
    ] {
        assert!(
            printed.contains(shown),
            "missing {shown}\n{}",
            out.describe()
        );
    }
    has(&out, &out.stdout, "ok=6    changed=4");
}
