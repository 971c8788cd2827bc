//! The vault text format, byte for byte as ansible-vault writes and reads it.
//!
//! An envelope is a header line, `$ANSIBLE_VAULT;1.1;AES256` (or `1.2;AES256;LABEL` when the
//! secret has a label other than `default`), then the body wrapped at 80 columns, then a
//! newline. The body is the hex of three lines: hex(salt), hex(HMAC-SHA256 of the ciphertext),
//! hex(ciphertext). PBKDF2-HMAC-SHA256 over the password and the 32-byte salt (10000 rounds)
//! gives 80 bytes: the AES-256 key, the HMAC key and the CTR counter block. The plaintext is
//! PKCS#7-padded to the AES block size and encrypted with AES-256-CTR.

use crate::Error;
use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every vault text starts with.
pub const HEADER: &str = "$ANSIBLE_VAULT";

const ITERATIONS: u32 = 10_000;
const SALT_LEN: usize = 32;
const BLOCK: usize = 16;
const WIDTH: usize = 80;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// Whether `data` is vault text (Ansible's test: ASCII that starts with the header).
pub fn is_encrypted(data: &[u8]) -> bool {
    data.is_ascii() && data.starts_with(HEADER.as_bytes())
}

/// The parts of an envelope's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `1.1` or `1.2`.
    pub version: String,
    /// The cipher (only `AES256` exists).
    pub cipher: String,
    /// The label of a 1.2 envelope.
    pub label: Option<String>,
    /// The body with its line breaks removed.
    body: Vec<u8>,
}

/// Splits vault text into its header fields and body.
pub fn parse(text: &[u8]) -> Result<Envelope, Error> {
    if !is_encrypted(text) {
        return Err(Error::NotVault);
    }
    let mut lines = text.split(|b| *b == b'\n' || *b == b'\r');
    let header = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let fields: Vec<&str> = header.trim().split(';').map(str::trim).collect();
    if fields.len() < 3 {
        return Err(Error::Format("the header has no version or cipher"));
    }
    let body = lines.flatten().copied().collect();
    Ok(Envelope {
        version: fields[1].to_owned(),
        cipher: fields[2].to_owned(),
        label: fields.get(3).map(|l| (*l).to_owned()),
        body,
    })
}

/// Encrypts `plaintext` with `password`; `label` other than `default` gives a 1.2 envelope.
pub fn encrypt(plaintext: &[u8], password: &[u8], label: Option<&str>) -> Result<String, Error> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|_| Error::Random)?;
    Ok(encrypt_with_salt(plaintext, password, label, &salt))
}

/// [`encrypt`] with a given salt (tests compare with known output).
pub fn encrypt_with_salt(
    plaintext: &[u8],
    password: &[u8],
    label: Option<&str>,
    salt: &[u8],
) -> String {
    let keys = derive(password, salt);
    let pad = BLOCK - plaintext.len() % BLOCK;
    let mut data = plaintext.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    keys.cipher().apply_keystream(&mut data);
    let mut mac = keys.mac();
    mac.update(&data);
    let tag = mac.finalize().into_bytes();
    let inner = format!("{}\n{}\n{}", hex(salt), hex(&tag), hex(&data));
    let body = hex(inner.as_bytes());
    let mut out = match label {
        Some(label) if label != "default" => format!("{HEADER};1.2;AES256;{label}"),
        _ => format!("{HEADER};1.1;AES256"),
    };
    for chunk in body.as_bytes().chunks(WIDTH) {
        out.push('\n');
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out.push('\n');
    out
}

/// Decrypts an envelope's body with one password. [`Error::WrongSecret`] when the HMAC does not
/// match (checked in constant time, before anything is decrypted).
pub fn decrypt(envelope: &Envelope, password: &[u8]) -> Result<Vec<u8>, Error> {
    if envelope.cipher != "AES256" {
        return Err(Error::Cipher(envelope.cipher.clone()));
    }
    let inner = unhex(&envelope.body)?;
    let mut parts = inner.splitn(3, |b| *b == b'\n');
    let (Some(salt), Some(tag), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::Format(
            "the body does not hold a salt, an HMAC and a ciphertext",
        ));
    };
    let salt = unhex(salt)?;
    let tag = unhex(tag)?;
    let mut data = unhex(data)?;
    let keys = derive(password, &salt);
    let mut mac = keys.mac();
    mac.update(&data);
    mac.verify_slice(&tag).map_err(|_| Error::WrongSecret)?;
    keys.cipher().apply_keystream(&mut data);
    let pad = data.last().copied().unwrap_or(0) as usize;
    let valid = (1..=BLOCK).contains(&pad)
        && pad <= data.len()
        && data[data.len() - pad..].iter().all(|b| *b as usize == pad);
    if !valid {
        return Err(Error::Format("the plaintext's padding is invalid"));
    }
    data.truncate(data.len() - pad);
    Ok(data)
}

struct Keys {
    aes: [u8; 32],
    hmac: [u8; 32],
    iv: [u8; 16],
}

impl Keys {
    fn cipher(&self) -> Aes256Ctr {
        Aes256Ctr::new(&self.aes.into(), &self.iv.into())
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac).expect("HMAC takes any key length")
    }
}

fn derive(password: &[u8], salt: &[u8]) -> Keys {
    let mut out = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, ITERATIONS, &mut out);
    let mut keys = Keys {
        aes: [0; 32],
        hmac: [0; 32],
        iv: [0; 16],
    };
    keys.aes.copy_from_slice(&out[..32]);
    keys.hmac.copy_from_slice(&out[32..64]);
    keys.iv.copy_from_slice(&out[64..]);
    keys
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn unhex(text: &[u8]) -> Result<Vec<u8>, Error> {
    fn digit(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    if !text.len().is_multiple_of(2) {
        return Err(Error::Format("the body is not hexadecimal"));
    }
    text.chunks(2)
        .map(|pair| match (digit(pair[0]), digit(pair[1])) {
            (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
            _ => Err(Error::Format("the body is not hexadecimal")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_padding_length() {
        for len in 0..40 {
            let plain: Vec<u8> = (0..len as u8).collect();
            let text = encrypt(&plain, b"pw", None).unwrap();
            assert!(text.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"));
            assert!(text.ends_with('\n'));
            assert!(text.lines().skip(1).all(|l| l.len() <= 80));
            let env = parse(text.as_bytes()).unwrap();
            assert_eq!(decrypt(&env, b"pw").unwrap(), plain);
            assert!(matches!(decrypt(&env, b"px"), Err(Error::WrongSecret)));
        }
    }

    #[test]
    fn a_known_salt_gives_ansible_cores_exact_bytes() {
        // What ansible-core 2.19 renders for
        // {{ 'filtered text' | vault('filter-pass', salt='0123456789abcdef0123456789abcdef') }}
        let expected = "$ANSIBLE_VAULT;1.2;AES256;filter_default\n\
            33303331333233333334333533363337333833393631363236333634363536363330333133323333\n\
            3334333533363337333833393631363236333634363536360a313737356532666534323332323536\n\
            63663132393332306235346165396336323462353761323136346366373838616232336434386131\n\
            3530653337303165360a336338626530626332653561323139646137383965656164353733333263\n\
            6537\n";
        let salt = b"0123456789abcdef0123456789abcdef";
        let ours = encrypt_with_salt(
            b"filtered text",
            b"filter-pass",
            Some("filter_default"),
            salt,
        );
        assert_eq!(ours, expected);
        let env = parse(expected.as_bytes()).unwrap();
        assert_eq!(decrypt(&env, b"filter-pass").unwrap(), b"filtered text");
    }

    #[test]
    fn a_label_gives_version_1_2() {
        let text = encrypt(b"x", b"pw", Some("prod")).unwrap();
        let env = parse(text.as_bytes()).unwrap();
        assert_eq!(
            (env.version.as_str(), env.label.as_deref()),
            ("1.2", Some("prod"))
        );
        let text = encrypt(b"x", b"pw", Some("default")).unwrap();
        assert!(text.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"));
    }

    #[test]
    fn damaged_text_is_a_format_error_not_a_panic() {
        for bad in [
            "$ANSIBLE_VAULT",
            "$ANSIBLE_VAULT;1.1;AES256\nzz",
            "$ANSIBLE_VAULT;1.1;AES256\n616263",
            "$ANSIBLE_VAULT;1.1;AES256\n0a0a",
            "$ANSIBLE_VAULT;1.1;DES\n0a0a",
        ] {
            let result = parse(bad.as_bytes()).and_then(|e| decrypt(&e, b"pw"));
            assert!(result.is_err(), "{bad}");
        }
        assert!(matches!(parse(b"plain"), Err(Error::NotVault)));
    }
}
