//! The `vault` and `unvault` filters: vault text made from, or opened with, a secret given in the
//! template (not the run's keyring), byte for byte as ansible-core's. `unvault`'s result is a
//! decrypted value, masked in output like every other.

use super::core::fail;
use crate::filters::registry::Registry;
use minijinja::Error;
use minijinja::value::{Kwargs, Value};

/// The vault id the filters use when none is given (so their output is a labelled 1.2 text).
const FILTER_DEFAULT: &str = "filter_default";

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("vault", vault);
    env.add_filter("unvault", unvault);
}

/// The text of `value`, or Ansible's `TypeError` text (`what` starts the sentence).
fn text_of(value: &Value, what: &str) -> Result<String, Error> {
    value.as_str().map(str::to_owned).ok_or_else(|| {
        fail(format!(
            "{what}, instead we got <class '{}'>.",
            super::core::type_name(value)
        ))
    })
}

fn vault(
    data: &Value,
    secret: &Value,
    salt: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let salt = kwargs.get::<Option<Value>>("salt")?.or(salt);
    let vault_id: Option<String> = kwargs.get("vault_id")?;
    let wrap: Option<bool> = kwargs.get("wrap_object")?;
    kwargs.assert_all_used()?;
    let secret = text_of(secret, "Secret passed is required to be a string")?;
    let data = text_of(data, "Can only vault strings")?;
    if wrap == Some(true) {
        return Err(fail("vault: `wrap_object=true` is not supported by drover"));
    }
    let label = vault_id.unwrap_or_else(|| FILTER_DEFAULT.to_owned());
    let salt = match salt.filter(|s| !s.is_none() && !s.is_undefined()) {
        Some(s) => {
            let s = text_of(&s, "The salt must be a string")?;
            if s.is_empty() {
                return Err(fail("Unable to encrypt: empty or invalid salt"));
            }
            s.into_bytes()
        }
        None => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| fail(format!("no random salt: {e}")))?;
            bytes.to_vec()
        }
    };
    Ok(drover_vault::format::encrypt_with_salt(
        data.as_bytes(),
        secret.as_bytes(),
        Some(&label),
        &salt,
    ))
}

fn unvault(vault: &Value, secret: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let vault_id: Option<String> = kwargs.get("vault_id")?;
    kwargs.assert_all_used()?;
    let secret = text_of(secret, "Secret passed is required to be as string")?;
    let text = text_of(vault, "Vault should be in the form of a string")?;
    if !drover_vault::is_encrypted(text.as_bytes()) {
        return Ok(text);
    }
    let label = vault_id.unwrap_or_else(|| FILTER_DEFAULT.to_owned());
    let secrets = [drover_vault::Secret::new(label, secret.into_bytes())];
    let plain = drover_vault::format::parse(text.as_bytes())
        .and_then(|envelope| drover_vault::keyring::open_with(&envelope, &secrets))
        .map_err(|e| fail(format!("Unable to decrypt: {e}")))?;
    let plain = String::from_utf8_lossy(&plain).into_owned();
    drover_vault::keyring::reveal(&plain);
    Ok(plain)
}
