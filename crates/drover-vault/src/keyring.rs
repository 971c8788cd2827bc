//! The run's keyring: the secrets given on the command line, set once by the binary before
//! anything is loaded, and the decrypted values the reporter must mask.
//!
//! A process-wide `OnceLock` rather than a parameter: vault text can sit in any YAML drover
//! reads (playbooks, inventories, vars files, `-e @file`, `include_vars`, `from_yaml`) and in
//! files modules read on the controller, and threading a keyring through every one of those
//! loaders would touch most crates' signatures for one read-only value. The secrets are set
//! once, never change, and are read only here; nothing else can see their bytes.

use crate::format::{self, Envelope};
use crate::{Error, Secret};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

static SECRETS: OnceLock<Vec<Secret>> = OnceLock::new();
// Vault text already opened, and every plaintext handed out (to mask in output).
static OPENED: OnceLock<Mutex<HashMap<Vec<u8>, Vec<u8>>>> = OnceLock::new();
static REVEALED: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
static FAILED: AtomicBool = AtomicBool::new(false);

/// Sets the run's secrets. Only the first call counts; it says whether it was the first.
pub fn install(secrets: Vec<Secret>) -> bool {
    SECRETS.set(secrets).is_ok()
}

/// Decrypts vault text with the run's secrets: those whose label matches a 1.2 header first,
/// then the others, as Ansible tries them. The caller says what of the plaintext is secret
/// ([`reveal`] a value, [`reveal_lines`] a file's lines).
pub fn open(text: &[u8]) -> Result<Vec<u8>, Error> {
    let opened = OPENED.get_or_init(Default::default);
    if let Some(plain) = opened.lock().unwrap_or_else(|p| p.into_inner()).get(text) {
        return Ok(plain.clone());
    }
    let secrets = SECRETS.get().map(Vec::as_slice).unwrap_or_default();
    let plain = format::parse(text)
        .and_then(|envelope| open_with(&envelope, secrets))
        .inspect_err(|_| FAILED.store(true, Ordering::Relaxed))?;
    opened
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(text.to_vec(), plain.clone());
    Ok(plain)
}

/// Whether [`open`] has failed in this process (the binary exits 1 for it, as Ansible does).
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

/// Decrypts an envelope with the first of `secrets` that opens it (matching label first), and
/// says which one did.
pub fn open_with(envelope: &Envelope, secrets: &[Secret]) -> Result<Vec<u8>, Error> {
    open_with_secret(envelope, secrets).map(|(plain, _)| plain)
}

/// [`open_with`], also giving the secret that opened it (`edit` encrypts with it again).
pub fn open_with_secret<'s>(
    envelope: &Envelope,
    secrets: &'s [Secret],
) -> Result<(Vec<u8>, &'s Secret), Error> {
    if secrets.is_empty() {
        return Err(Error::NoSecrets);
    }
    let label = envelope.label.as_deref();
    let ordered = secrets
        .iter()
        .filter(|s| Some(s.label.as_str()) == label)
        .chain(secrets.iter().filter(|s| Some(s.label.as_str()) != label));
    for secret in ordered {
        match format::decrypt(envelope, secret.bytes()) {
            Ok(plain) => return Ok((plain, secret)),
            Err(Error::WrongSecret) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Error::WrongSecret)
}

/// Decrypts `bytes` when they are vault text; returns them unchanged otherwise.
pub fn open_if_encrypted(bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
    if format::is_encrypted(&bytes) {
        open(&bytes)
    } else {
        Ok(bytes)
    }
}

/// Remembers a decrypted value, so [`mask`] hides it wherever it is printed.
pub fn reveal(plain: &str) {
    let plain = plain.trim_end_matches(['\n', '\r']);
    if plain.is_empty() {
        return;
    }
    let mut revealed = REVEALED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    // As written, and as JSON writes it inside a result (escaped, and with non-ASCII as
    // `\uXXXX` too); a value of several lines also line by line, for diffs.
    revealed.insert(plain.to_owned());
    revealed.insert(json_escaped(plain, false));
    revealed.insert(json_escaped(plain, true));
    if plain.contains('\n') {
        revealed.extend(telling_lines(plain).map(str::to_owned));
    }
}

/// Remembers each line of a decrypted file (a `copy` source, a `file` lookup), so a diff of it
/// is masked line by line.
pub fn reveal_lines(text: &str) {
    let lines: Vec<&str> = telling_lines(text).collect();
    if lines.is_empty() {
        return;
    }
    let mut revealed = REVEALED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    revealed.extend(lines.into_iter().map(str::to_owned));
}

/// The lines of `text` worth masking: a line of a few characters or of punctuation only (`}`,
/// `fi`, `---`) would hide that text everywhere in the output, and is no secret on its own.
fn telling_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| {
        l.chars().filter(|c| !c.is_whitespace()).count() >= 4
            && l.chars().any(char::is_alphanumeric)
    })
}

fn json_escaped(text: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// What [`mask`] writes in place of a decrypted value.
pub const MASK: &str = "********";

/// `text` with every decrypted value replaced by [`MASK`], longest values first (so a value
/// containing another is hidden whole). Text with nothing to hide is returned as it is.
pub fn mask(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(revealed) = REVEALED.get() else {
        return text.into();
    };
    let revealed = revealed.lock().unwrap_or_else(|p| p.into_inner());
    let mut values: Vec<&String> = revealed
        .iter()
        .filter(|v| text.contains(v.as_str()))
        .collect();
    if values.is_empty() {
        return text.into();
    }
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut out = text.to_owned();
    for value in values {
        out = out.replace(value.as_str(), MASK);
    }
    out.into()
}

/// Whether anything was decrypted so far (the reporter masks only then).
pub fn anything_revealed() -> bool {
    REVEALED
        .get()
        .is_some_and(|r| !r.lock().unwrap_or_else(|p| p.into_inner()).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revealed_values_are_masked_raw_escaped_and_line_by_line() {
        reveal("tl;dr \"quoted\" é\nsecond line of it\n");
        let printed = r#"{"msg": "tl;dr \"quoted\" \u00e9\nsecond line of it\n"}"#;
        assert_eq!(mask(printed), r#"{"msg": "********\n"}"#);
        assert_eq!(mask("+second line of it"), "+********");
        reveal_lines("{\n  key = a-long-secret\n}\nfi\n");
        assert_eq!(mask("{ key = a-long-secret }"), "{ ******** }");
        assert_eq!(mask("nothing here"), "nothing here");
        assert!(anything_revealed());
    }

    #[test]
    fn a_label_match_is_tried_first_then_the_others() {
        let text = format::encrypt(b"v", b"right", Some("prod")).unwrap();
        let env = format::parse(text.as_bytes()).unwrap();
        let secrets = [
            Secret::new("dev", b"right".to_vec()),
            Secret::new("prod", b"wrong".to_vec()),
        ];
        let (plain, used) = open_with_secret(&env, &secrets).unwrap();
        assert_eq!((plain.as_slice(), used.label.as_str()), (&b"v"[..], "dev"));
        assert!(matches!(open_with(&env, &[]), Err(Error::NoSecrets)));
        assert!(matches!(
            open_with(&env, &secrets[1..]),
            Err(Error::WrongSecret)
        ));
    }
}
