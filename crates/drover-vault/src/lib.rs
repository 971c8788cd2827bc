//! Ansible Vault, byte-compatible with ansible-core's `ansible-vault`: the encrypted format
//! (1.1 and labelled 1.2 envelopes, AES-256-CTR with an HMAC-SHA256 checked in constant time),
//! the secrets (`--vault-id`, password files and scripts, prompts) and the run's keyring.
//!
//! Owns: every byte of a vault secret and every decryption. The binary reads the secrets
//! ([`secret::load_all`]) and installs them once ([`keyring::install`]); loaders call
//! [`keyring::open`] on vault text, and the reporter passes what it prints through
//! [`keyring::mask`] so no decrypted value reaches the screen.
//!
//! Must not: print, log, or put a secret or a plaintext in an error message; know YAML,
//! playbooks or hosts. It depends only on RustCrypto crates, `getrandom` and `rpassword`.

#![forbid(unsafe_code)]

pub mod editor;
pub mod format;
pub mod keyring;
pub mod secret;

pub use format::{encrypt, is_encrypted};
pub use keyring::{mask, open, open_if_encrypted};
pub use secret::{Identity, Purpose, Secret};

/// Why vault text could not be opened or a secret could not be read. Never holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text does not start with `$ANSIBLE_VAULT`.
    #[error("Input is not vault encrypted data")]
    NotVault,
    /// The text is vault text but damaged.
    #[error("Vault format error: {0}")]
    Format(&'static str),
    /// A cipher other than AES256.
    #[error("Cipher '{0}' could not be found")]
    Cipher(String),
    /// No secret was given.
    #[error(
        "Attempting to decrypt but no vault secrets found (give --vault-password-file, --vault-id or --ask-vault-pass)"
    )]
    NoSecrets,
    /// No secret given opens it.
    #[error("Decryption failed (no vault secrets were found that could decrypt)")]
    WrongSecret,
    /// The OS gave no random bytes.
    #[error("the operating system gave no random bytes for the salt")]
    Random,
    /// A password file or script could not give a secret.
    #[error("the vault password file {path} {message}")]
    PasswordFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A source gave an empty secret.
    #[error("Invalid vault password was provided from {0}")]
    EmptyPassword(String),
    /// A prompt without a terminal.
    #[error(
        "a vault password prompt needs a terminal; give --vault-password-file or --vault-id LABEL@FILE instead"
    )]
    NoTerminal,
    /// The terminal could not be read.
    #[error("could not read the vault password: {0}")]
    Prompt(String),
    /// The two new passwords differ.
    #[error("Passwords do not match")]
    Mismatch,
    /// A bad vault id or option.
    #[error("{0}")]
    Usage(String),
}
