//! `drover vault`: ansible-vault's actions (`create`, `decrypt`, `edit`, `view`, `encrypt`,
//! `encrypt_string`, `rekey`) with its flags, messages and exit codes (1 an error, 5 bad usage).
//! The format, secrets and editing live in `drover_vault`; this is the command line around them.

use crate::cli::VaultArgs;
use crate::secrets::{self, Defaults};
use clap::{Args, Subcommand};
use drover_vault::format::{self, Envelope};
use drover_vault::{Purpose, Secret};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// `drover vault ACTION`.
#[derive(Debug, Args)]
pub(crate) struct VaultCommand {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Create a new encrypted file, written in $EDITOR.
    Create(CreateArgs),
    /// Decrypt encrypted files (or stdin) in place or to --output.
    Decrypt(DecryptArgs),
    /// Edit an encrypted file in $EDITOR.
    Edit(EditArgs),
    /// Show the plaintext of encrypted files.
    View(ViewArgs),
    /// Encrypt files (or stdin) in place or to --output.
    Encrypt(EncryptArgs),
    /// Encrypt strings, printed as YAML `!vault` values.
    #[command(name = "encrypt_string", alias = "encrypt-string")]
    EncryptString(StringArgs),
    /// Re-encrypt files with a new secret.
    Rekey(RekeyArgs),
}

#[derive(Debug, Args)]
struct Common {
    #[command(flatten)]
    vault: VaultArgs,
    /// More output (accepted for ansible-vault compatibility).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Args)]
struct CreateArgs {
    #[command(flatten)]
    common: Common,
    /// The label of the secret to encrypt with (needed when several are given).
    #[arg(long = "encrypt-vault-id", value_name = "ID")]
    encrypt_vault_id: Option<String>,
    /// Open the editor even when stdout is not a terminal.
    #[arg(long = "skip-tty-check")]
    skip_tty_check: bool,
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct DecryptArgs {
    #[command(flatten)]
    common: Common,
    /// Write here instead of in place (`-` for stdout).
    #[arg(long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct EditArgs {
    #[command(flatten)]
    common: Common,
    /// Accepted for ansible-vault compatibility (edit keeps the file's own vault id).
    #[arg(long = "encrypt-vault-id", value_name = "ID")]
    encrypt_vault_id: Option<String>,
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct ViewArgs {
    #[command(flatten)]
    common: Common,
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct EncryptArgs {
    #[command(flatten)]
    common: Common,
    /// Write here instead of in place (`-` for stdout).
    #[arg(long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The label of the secret to encrypt with (needed when several are given).
    #[arg(long = "encrypt-vault-id", value_name = "ID")]
    encrypt_vault_id: Option<String>,
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct StringArgs {
    #[command(flatten)]
    common: Common,
    /// Write here instead of stdout.
    #[arg(long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The label of the secret to encrypt with (needed when several are given).
    #[arg(long = "encrypt-vault-id", value_name = "ID")]
    encrypt_vault_id: Option<String>,
    /// Prompt for the string to encrypt.
    #[arg(short = 'p', long = "prompt")]
    prompt: bool,
    /// Show the string typed at the prompt.
    #[arg(long = "show-input")]
    show_input: bool,
    /// The variable name for each string, in order (repeatable).
    #[arg(short = 'n', long = "name", value_name = "NAME")]
    names: Vec<String>,
    /// The variable name for the string read from stdin.
    #[arg(long = "stdin-name", value_name = "NAME")]
    stdin_name: Option<String>,
    /// Strings to encrypt (`-` or none: read stdin).
    #[arg(value_name = "STRING")]
    strings: Vec<String>,
}

#[derive(Debug, Args)]
struct RekeyArgs {
    #[command(flatten)]
    common: Common,
    /// The label of the new secret to encrypt with.
    #[arg(long = "encrypt-vault-id", value_name = "ID")]
    encrypt_vault_id: Option<String>,
    /// The new password file or script.
    #[arg(
        long = "new-vault-password-file",
        value_name = "FILE",
        conflicts_with = "new_vault_id"
    )]
    new_vault_password_file: Option<PathBuf>,
    /// The new vault identity, `LABEL@SOURCE`.
    #[arg(long = "new-vault-id", value_name = "ID")]
    new_vault_id: Option<String>,
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// A failed action: the message and the exit code.
pub(crate) struct Fail {
    message: String,
    code: u8,
}

impl Fail {
    fn error(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            code: 1,
        }
    }

    fn usage(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            code: 5,
        }
    }
}

impl From<drover_vault::Error> for Fail {
    fn from(e: drover_vault::Error) -> Fail {
        match e {
            drover_vault::Error::Usage(m) => Fail::usage(m),
            e => Fail::error(e.to_string()),
        }
    }
}

/// Runs the action; prints errors as ansible-vault does and gives the exit code.
pub(crate) fn run(command: VaultCommand) -> u8 {
    // Files written here hold secrets or ciphertext: private unless a mode is kept on purpose.
    let result = match command.action {
        Action::Create(a) => create(a),
        Action::Decrypt(a) => decrypt(a),
        Action::Edit(a) => edit(a),
        Action::View(a) => view(a),
        Action::Encrypt(a) => encrypt(a),
        Action::EncryptString(a) => encrypt_string(a),
        Action::Rekey(a) => rekey(a),
    };
    match result {
        Ok(()) => 0,
        Err(fail) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("[ERROR]: {}", fail.message);
            }
            fail.code
        }
    }
}

fn say(message: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{message}");
    }
}

/// The secrets to open existing vault text with (one at least).
fn open_secrets(common: &Common) -> Result<Vec<Secret>, Fail> {
    let ids = secrets::identities(&common.vault, &Defaults::from_env(), true)?;
    let found = secrets::read(&ids, Purpose::Open)?;
    if found.is_empty() {
        return Err(Fail::usage(
            "A vault password is required to use Ansible's Vault",
        ));
    }
    Ok(found)
}

/// The one secret to encrypt with: `--encrypt-vault-id`'s, or the only one given.
fn encrypt_secret(common: &Common, wanted: Option<&str>) -> Result<Secret, Fail> {
    let ids = secrets::identities(&common.vault, &Defaults::from_env(), true)?;
    let found = secrets::read(&ids, Purpose::Create)?;
    choose(found, wanted)
}

fn choose(found: Vec<Secret>, wanted: Option<&str>) -> Result<Secret, Fail> {
    if found.len() > 1 && wanted.is_none() {
        let labels: Vec<&str> = found.iter().map(|s| s.label.as_str()).collect();
        return Err(Fail::usage(format!(
            "The vault-ids {} are available to encrypt. Specify the vault-id to encrypt with --encrypt-vault-id",
            labels.join(",")
        )));
    }
    match wanted {
        Some(label) => found.iter().find(|s| s.label == label).cloned().ok_or_else(|| {
            let labels: Vec<String> = found.iter().map(|s| format!("'{}'", s.label)).collect();
            Fail::error(format!(
                "Did not find a match for --encrypt-vault-id={label} in the known vault-ids [{}]",
                labels.join(", ")
            ))
        }),
        None => found
            .into_iter()
            .next()
            .ok_or_else(|| Fail::usage("A vault password is required to use Ansible's Vault")),
    }
}

fn seal(plain: &[u8], secret: &Secret) -> Result<String, Fail> {
    if format::is_encrypted(plain) {
        return Err(Fail::error("input is already encrypted"));
    }
    Ok(drover_vault::encrypt(
        plain,
        secret.bytes(),
        Some(&secret.label),
    )?)
}

fn unseal<'s>(
    text: &[u8],
    secrets: &'s [Secret],
    name: &Path,
) -> Result<(Vec<u8>, &'s Secret, Envelope), Fail> {
    let for_file = |e: drover_vault::Error| Fail::error(format!("{e} for {}", name.display()));
    let envelope = format::parse(text).map_err(for_file)?;
    let (plain, secret) =
        drover_vault::keyring::open_with_secret(&envelope, secrets).map_err(for_file)?;
    Ok((plain, secret, envelope))
}

fn read_input(file: &Path) -> Result<Vec<u8>, Fail> {
    if file == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Fail::error(format!("Unable to read stdin: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(file).map_err(|e| {
        Fail::error(format!(
            "Unable to read source file ({}): {e}",
            file.display()
        ))
    })
}

/// Writes `data` to `file` (`-`: stdout): a new private file (0600, or `mode`) renamed over the
/// old one, so a reader never sees half of it.
fn write_output(file: &Path, data: &[u8], mode: Option<u32>) -> Result<(), Fail> {
    if file == Path::new("-") {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(data)
            .and_then(|()| out.flush())
            .map_err(|e| Fail::error(format!("Unable to write to stdout: {e}")));
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| Fail::error(format!("Unable to write {}: {e}", file.display()));
    let temp = dir.join(format!(
        ".{}.drover-tmp",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let _ = std::fs::remove_file(&temp);
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(fail)?;
    let written = out
        .write_all(data)
        .and_then(|()| out.sync_all())
        .and_then(|()| match mode {
            Some(m) => std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(m)),
            None => Ok(()),
        })
        .and_then(|()| std::fs::rename(&temp, file));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

fn inputs(files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    }
}

fn check_output(output: &Option<PathBuf>, files: &[PathBuf]) -> Result<(), Fail> {
    if output.is_some() && files.len() > 1 {
        return Err(Fail::usage(
            "At most one input file may be used with the --output option",
        ));
    }
    Ok(())
}

fn encrypt(a: EncryptArgs) -> Result<(), Fail> {
    check_output(&a.output, &a.files)?;
    let secret = encrypt_secret(&a.common, a.encrypt_vault_id.as_deref())?;
    if a.files.is_empty() && std::io::stdin().is_terminal() {
        say("Reading plaintext input from stdin");
    }
    for file in inputs(&a.files) {
        let sealed = seal(&read_input(&file)?, &secret)?;
        write_output(
            a.output.as_deref().unwrap_or(&file),
            sealed.as_bytes(),
            None,
        )?;
    }
    if std::io::stdout().is_terminal() {
        say("Encryption successful");
    }
    Ok(())
}

fn decrypt(a: DecryptArgs) -> Result<(), Fail> {
    check_output(&a.output, &a.files)?;
    let secrets = open_secrets(&a.common)?;
    if a.files.is_empty() && std::io::stdin().is_terminal() {
        say("Reading ciphertext input from stdin");
    }
    for file in inputs(&a.files) {
        let (plain, _, _) = unseal(&read_input(&file)?, &secrets, &file)?;
        write_output(a.output.as_deref().unwrap_or(&file), &plain, None)?;
    }
    if std::io::stdout().is_terminal() {
        say("Decryption successful");
    }
    Ok(())
}

fn view(a: ViewArgs) -> Result<(), Fail> {
    let secrets = open_secrets(&a.common)?;
    for file in &a.files {
        let (plain, _, _) = unseal(&read_input(file)?, &secrets, file)?;
        write_output(Path::new("-"), &plain, None)?;
    }
    Ok(())
}

#[allow(clippy::disallowed_methods)] // the binary is where the environment is read
fn editor() -> String {
    std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

fn create(a: CreateArgs) -> Result<(), Fail> {
    let [file] = a.files.as_slice() else {
        return Err(Fail::usage(
            "ansible-vault create can take only one filename argument",
        ));
    };
    if !std::io::stdout().is_terminal() && !a.skip_tty_check {
        return Err(Fail::usage("not a tty, editor cannot be opened"));
    }
    let secret = encrypt_secret(&a.common, a.encrypt_vault_id.as_deref())?;
    if let Some(dir) = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        say(&format!(
            "[WARNING]: {} does not exist, creating...",
            dir.display()
        ));
        std::fs::create_dir_all(dir)
            .map_err(|e| Fail::error(format!("could not create {}: {e}", dir.display())))?;
    }
    if file.is_file() {
        return Err(Fail::error(format!(
            "{} exists, please use 'edit' instead",
            file.display()
        )));
    }
    let plain =
        drover_vault::editor::edit(b"", file, &editor()).map_err(|e| Fail::error(e.to_string()))?;
    write_output(file, seal(&plain, &secret)?.as_bytes(), None)
}

fn edit(a: EditArgs) -> Result<(), Fail> {
    // --encrypt-vault-id is accepted (ansible-vault accepts it) but edit keeps the file's label.
    let _ = &a.encrypt_vault_id;
    let secrets = open_secrets(&a.common)?;
    for file in &a.files {
        let text = read_input(file)?;
        let (plain, secret, envelope) = unseal(&text, &secrets, file)?;
        let edited = drover_vault::editor::edit(&plain, file, &editor())
            .map_err(|e| Fail::error(e.to_string()))?;
        if edited != plain {
            // Saved under the label the file had (a 1.1 file stays 1.1).
            let label = envelope.label.as_deref().unwrap_or("default");
            let secret = Secret::new(label, secret.bytes().to_vec());
            write_output(file, seal(&edited, &secret)?.as_bytes(), None)?;
        }
    }
    Ok(())
}

fn rekey(a: RekeyArgs) -> Result<(), Fail> {
    let secrets = open_secrets(&a.common)?;
    let defaults = Defaults::from_env();
    let mut new_ids = Vec::new();
    if a.encrypt_vault_id.is_some() {
        for id in &defaults.identity_list {
            new_ids.push(drover_vault::Identity::parse(id)?);
        }
    }
    if let Some(id) = &a.new_vault_id {
        new_ids.push(drover_vault::Identity::parse(id)?);
    }
    if let Some(file) = &a.new_vault_password_file {
        new_ids.push(drover_vault::Identity::password_file(file));
    }
    if new_ids.is_empty() {
        new_ids.push(drover_vault::Identity::ask());
    }
    let new = secrets::read(&new_ids, Purpose::Create)?;
    if new.is_empty() {
        return Err(Fail::usage(
            "A new vault password is required to use Ansible's Vault rekey",
        ));
    }
    // Without --encrypt-vault-id the first new secret is used (several are no error here).
    let new = match a.encrypt_vault_id.as_deref() {
        Some(label) => choose(new, Some(label))?,
        None => new.into_iter().next().ok_or_else(|| {
            Fail::usage("A new vault password is required to use Ansible's Vault rekey")
        })?,
    };
    for file in &a.files {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777);
        let (plain, _, _) = unseal(&read_input(file)?, &secrets, file)?;
        write_output(file, seal(&plain, &new)?.as_bytes(), mode)?;
    }
    say("Rekey successful");
    Ok(())
}

fn encrypt_string(a: StringArgs) -> Result<(), Fail> {
    let read_stdin = a.strings.iter().any(|s| s == "-")
        || a.stdin_name.is_some()
        || (a.strings.is_empty() && !a.prompt);
    if a.prompt && read_stdin {
        return Err(Fail::usage(
            "The --prompt option is not supported if also reading input from stdin",
        ));
    }
    let secret = encrypt_secret(&a.common, a.encrypt_vault_id.as_deref())?;
    // (plaintext, where it came from, variable name)
    let mut plain: Vec<(String, &str, Option<String>)> = Vec::new();
    if a.prompt {
        plain.push(prompt_string(a.show_input)?);
    }
    if read_stdin {
        if std::io::stdout().is_terminal() {
            say(
                "Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)",
            );
        }
        let bytes = read_input(Path::new("-"))?;
        if bytes.is_empty() {
            return Err(Fail::usage("stdin was empty, not encrypting"));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        plain.push((text, "stdin", a.stdin_name.clone()));
    }
    let args: Vec<&String> = a.strings.iter().filter(|s| *s != "-").collect();
    if !a.names.is_empty() && args.len() > a.names.len() {
        say("The number of --name options do not match the number of args.");
        say(&format!(
            "The last named variable will be \"{}\". The rest will not have names.",
            a.names[a.names.len() - 1]
        ));
    }
    for (i, text) in args.iter().enumerate() {
        if text.is_empty() {
            return Err(Fail::usage(
                "The plaintext provided from the command line args was empty, not encrypting",
            ));
        }
        plain.push((
            (*text).clone(),
            "the command line args",
            a.names.get(i).cloned(),
        ));
    }
    let several = plain.len() > 1;
    let mut out = Vec::new();
    for (i, (text, from, name)) in plain.iter().enumerate() {
        let sealed = drover_vault::encrypt(text.as_bytes(), secret.bytes(), Some(&secret.label))?;
        if several {
            let note = match name {
                Some(n) => format!(
                    "# The encrypted version of variable (\"{n}\", the string #{} from {from}).",
                    i + 1
                ),
                None => format!(
                    "# The encrypted version of the string #{} from {from}.)",
                    i + 1
                ),
            };
            say(&note);
        }
        out.push(yaml_value(&sealed, name.as_deref()));
    }
    out.push(String::new());
    let target = a.output.unwrap_or_else(|| PathBuf::from("-"));
    write_output(&target, out.join("\n").as_bytes(), None)?;
    if std::io::stdout().is_terminal() {
        say("Encryption successful");
    }
    Ok(())
}

/// Vault text as a YAML `!vault` block scalar, indented ten spaces as ansible-vault writes it.
fn yaml_value(sealed: &str, name: Option<&str>) -> String {
    let mut lines = vec![match name {
        Some(n) => format!("{n}: !vault |"),
        None => "!vault |".to_owned(),
    }];
    lines.extend(sealed.lines().map(|l| format!("          {l}")));
    lines.join("\n")
}

fn prompt_string(show: bool) -> Result<(String, &'static str, Option<String>), Fail> {
    if !std::io::stdin().is_terminal() {
        return Err(Fail::error(drover_vault::Error::NoTerminal.to_string()));
    }
    let read_line = |ask: &str| -> Result<String, Fail> {
        say_inline(ask);
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Fail::error(format!("could not read the terminal: {e}")))?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    };
    let name = read_line("Variable name (enter for no name): ")?;
    let text = if show {
        read_line("String to encrypt:")?
    } else {
        rpassword::prompt_password("String to encrypt (hidden): ")
            .map_err(|e| Fail::error(format!("could not read the terminal: {e}")))?
    };
    if text.is_empty() {
        return Err(Fail::usage(
            "The plaintext provided from the prompt was empty, not encrypting",
        ));
    }
    Ok((
        text,
        "the interactive prompt",
        Some(name).filter(|n| !n.is_empty()),
    ))
}

fn say_inline(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(message.as_bytes());
    let _ = err.flush();
}
