//! Hashing and encoding filters: `hash`, `checksum`, `md5`, `sha1`, `password_hash` (SHA-crypt,
//! implemented here from Ulrich Drepper's published specification), `b64encode`, `b64decode`,
//! `to_uuid`.
//!
//! `password_hash` uses no extra crate: the SHA-256/SHA-512 crypt algorithm is ~80 lines on top
//! of `sha2`, and ansible-core's defaults (656000/535000 rounds written out explicitly) are easy to
//! match exactly.

use super::core::fail;
use crate::convert::py_str;
use crate::filters::registry::Registry;
use base64::Engine;
use minijinja::Error;
use minijinja::value::{Kwargs, Value};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

pub(crate) fn register(env: &mut Registry) {
    env.add_filter(
        "hash",
        |v: &Value, kind: Option<String>, kwargs: Kwargs| -> Result<String, Error> {
            let kind = kwargs.get::<Option<String>>("hashtype")?.or(kind);
            kwargs.assert_all_used()?;
            hash(&py_str(v), kind.as_deref().unwrap_or("sha1"))
        },
    );
    env.add_filter("checksum", |v: &Value| {
        hex(&Sha1::digest(py_str(v).as_bytes()))
    });
    env.add_filter("sha1", |v: &Value| hex(&Sha1::digest(py_str(v).as_bytes())));
    env.add_filter("md5", |v: &Value| {
        hex(&md5::Md5::digest(py_str(v).as_bytes()))
    });
    env.add_filter("password_hash", password_hash);
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("to_uuid", to_uuid);
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hashlib.new(kind)` on the UTF-8 bytes of `data`.
pub(crate) fn hash(data: &str, kind: &str) -> Result<String, Error> {
    let b = data.as_bytes();
    Ok(match kind {
        "sha1" => hex(&Sha1::digest(b)),
        "md5" => hex(&md5::Md5::digest(b)),
        "sha224" => hex(&Sha224::digest(b)),
        "sha256" => hex(&Sha256::digest(b)),
        "sha384" => hex(&Sha384::digest(b)),
        "sha512" => hex(&Sha512::digest(b)),
        other => return Err(fail(format!("unsupported hash type {other}"))),
    })
}

const CRYPT_ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn b64_24(out: &mut String, b2: u8, b1: u8, b0: u8, n: usize) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(CRYPT_ALPHABET[(w & 0x3f) as usize] as char);
        w >>= 6;
    }
}

/// SHA-crypt (`$5$`/`$6$`) of `password` with `salt` and `rounds`.
pub(crate) fn sha_crypt(
    password: &[u8],
    salt: &str,
    rounds: u32,
    sha512: bool,
    explicit_rounds: bool,
) -> String {
    fn run<D: Digest + Clone>(password: &[u8], salt: &[u8], rounds: u32) -> Vec<u8> {
        let len = <D as Digest>::output_size();
        let b = D::new()
            .chain_update(password)
            .chain_update(salt)
            .chain_update(password)
            .finalize();
        let mut a = D::new().chain_update(password).chain_update(salt);
        let mut n = password.len();
        while n > len {
            a.update(&b);
            n -= len;
        }
        a.update(&b[..n]);
        let mut n = password.len();
        while n > 0 {
            if n & 1 == 1 {
                a.update(&b);
            } else {
                a.update(password);
            }
            n >>= 1;
        }
        let a = a.finalize();
        let mut dp = D::new();
        for _ in 0..password.len() {
            dp.update(password);
        }
        let dp = dp.finalize();
        let p: Vec<u8> = dp.iter().cycle().take(password.len()).copied().collect();
        let mut ds = D::new();
        for _ in 0..16 + usize::from(a[0]) {
            ds.update(salt);
        }
        let ds = ds.finalize();
        let s: Vec<u8> = ds.iter().cycle().take(salt.len()).copied().collect();
        let mut c = a.to_vec();
        for i in 0..rounds {
            let mut d = D::new();
            if i % 2 == 1 {
                d.update(&p);
            } else {
                d.update(&c);
            }
            if i % 3 != 0 {
                d.update(&s);
            }
            if i % 7 != 0 {
                d.update(&p);
            }
            if i % 2 == 1 {
                d.update(&c);
            } else {
                d.update(&p);
            }
            c = d.finalize().to_vec();
        }
        c
    }
    let salt: String = salt.chars().take(16).collect();
    let c = if sha512 {
        run::<Sha512>(password, salt.as_bytes(), rounds)
    } else {
        run::<Sha256>(password, salt.as_bytes(), rounds)
    };
    let mut out = String::from(if sha512 { "$6$" } else { "$5$" });
    if explicit_rounds {
        out.push_str(&format!("rounds={rounds}$"));
    }
    out.push_str(&salt);
    out.push('$');
    if sha512 {
        let order: [(usize, usize, usize); 21] = [
            (0, 21, 42),
            (22, 43, 1),
            (44, 2, 23),
            (3, 24, 45),
            (25, 46, 4),
            (47, 5, 26),
            (6, 27, 48),
            (28, 49, 7),
            (50, 8, 29),
            (9, 30, 51),
            (31, 52, 10),
            (53, 11, 32),
            (12, 33, 54),
            (34, 55, 13),
            (56, 14, 35),
            (15, 36, 57),
            (37, 58, 16),
            (59, 17, 38),
            (18, 39, 60),
            (40, 61, 19),
            (62, 20, 41),
        ];
        for (x, y, z) in order {
            b64_24(&mut out, c[x], c[y], c[z], 4);
        }
        b64_24(&mut out, 0, 0, c[63], 2);
    } else {
        let order: [(usize, usize, usize); 10] = [
            (0, 10, 20),
            (21, 1, 11),
            (12, 22, 2),
            (3, 13, 23),
            (24, 4, 14),
            (15, 25, 5),
            (6, 16, 26),
            (27, 7, 17),
            (18, 28, 8),
            (9, 19, 29),
        ];
        for (x, y, z) in order {
            b64_24(&mut out, c[x], c[y], c[z], 4);
        }
        b64_24(&mut out, 0, c[31], c[30], 3);
    }
    out
}

fn random_salt(size: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; size];
    getrandom::fill(&mut buf).map_err(|e| fail(format!("no random salt: {e}")))?;
    Ok(buf
        .iter()
        .map(|b| CRYPT_ALPHABET[usize::from(*b) % 64] as char)
        .collect())
}

fn password_hash(
    password: &Value,
    hashtype: Option<String>,
    salt: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let hashtype = kwargs
        .get::<Option<String>>("hashtype")?
        .or(hashtype)
        .unwrap_or_else(|| "sha512".into());
    let salt = kwargs.get::<Option<String>>("salt")?.or(salt);
    let salt_size: Option<usize> = kwargs.get("salt_size")?;
    let rounds: Option<u32> = kwargs.get("rounds")?;
    let _ident: Option<String> = kwargs.get("ident")?;
    kwargs.assert_all_used()?;
    let secret = py_str(password);
    let (sha512, default_rounds) = match hashtype.as_str() {
        "sha512" | "sha512_crypt" => (true, 656_000),
        "sha256" | "sha256_crypt" => (false, 535_000),
        other => {
            return Err(fail(format!(
                "{other} is not supported by drover's password_hash (use sha512 or sha256)"
            )));
        }
    };
    let salt = match salt {
        Some(salt) => salt,
        None => random_salt(salt_size.unwrap_or(16))?,
    };
    if let Some(bad) = salt
        .chars()
        .find(|c| !CRYPT_ALPHABET.contains(&(*c as u8)) || !c.is_ascii())
    {
        return Err(fail(format!(
            "invalid characters in sha{}_crypt salt: {bad:?}",
            if sha512 { 512 } else { 256 }
        )));
    }
    let rounds = rounds.unwrap_or(default_rounds);
    Ok(sha_crypt(
        secret.as_bytes(),
        &salt,
        rounds,
        sha512,
        rounds != 5000,
    ))
}

fn b64encode(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let urlsafe = super::core::flag(&kwargs, "urlsafe")?.unwrap_or(false);
    let _encoding: Option<String> = kwargs.get("encoding")?;
    kwargs.assert_all_used()?;
    let bytes = py_str(value).into_bytes();
    Ok(if urlsafe {
        base64::engine::general_purpose::URL_SAFE.encode(bytes)
    } else {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    })
}

fn b64decode(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let urlsafe = super::core::flag(&kwargs, "urlsafe")?.unwrap_or(false);
    let _encoding: Option<String> = kwargs.get("encoding")?;
    kwargs.assert_all_used()?;
    let bytes = a2b_base64(&py_str(value), urlsafe)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Python's `base64.b64decode` (not validating): characters outside the alphabet are skipped,
/// a complete padding ends the input, and an unfinished last group is an error.
fn a2b_base64(text: &str, urlsafe: bool) -> Result<Vec<u8>, Error> {
    let (c62, c63) = if urlsafe { ('-', '_') } else { ('+', '/') };
    let mut out = Vec::new();
    let (mut quad, mut acc, mut pads, mut data) = (0u32, 0u32, 0u32, 0usize);
    for c in text.chars() {
        if c == '=' {
            pads += 1;
            if quad >= 2 && quad + pads >= 4 {
                if quad == 2 {
                    out.push((acc >> 4) as u8);
                } else {
                    out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
                }
                return Ok(out);
            }
            continue;
        }
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            _ if c == c62 => 62,
            _ if c == c63 => 63,
            _ => continue,
        };
        pads = 0;
        data += 1;
        acc = (acc << 6) | v;
        quad += 1;
        if quad == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            (quad, acc) = (0, 0);
        }
    }
    match quad {
        0 => Ok(out),
        1 => Err(fail(format!(
            "Invalid base64-encoded string: number of data characters ({data}) cannot be 1 more \
             than a multiple of 4"
        ))),
        _ => Err(fail("Incorrect padding")),
    }
}

/// UUID version 5 (SHA-1 of namespace + name), as Python's `uuid.uuid5`.
fn to_uuid(value: &Value, namespace: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let namespace = kwargs.get::<Option<String>>("namespace")?.or(namespace);
    kwargs.assert_all_used()?;
    let ns = namespace.unwrap_or_else(|| "361E6D51-FAEC-444A-9079-341386DA8E2E".into());
    let hexns: String = ns.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hexns.len() != 32 {
        return Err(fail(format!("Invalid value '{ns}' for 'namespace'")));
    }
    let mut bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hexns[i * 2..i * 2 + 2], 16).unwrap_or(0))
        .collect();
    bytes.extend_from_slice(py_str(value).as_bytes());
    let d = Sha1::digest(&bytes);
    let mut u = [0u8; 16];
    u.copy_from_slice(&d[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    let h = hex(&u);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}
