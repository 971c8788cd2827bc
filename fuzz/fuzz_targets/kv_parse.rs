//! Any text through the `key=value` reader, both flavours: errors are fine, panics are not. Text
//! without quotes, escapes or Jinja must split into words that join back to the input.
#![no_main]

use drover_playbook::kv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = kv::parse(text);
    let _ = kv::parse_free_form(text);
    if let Ok(words) = kv::split_args(text) {
        let plain = !text.contains(['"', '\'', '\\', '{', '}', '\n']);
        if plain && !text.starts_with(' ') {
            assert_eq!(kv::join_args(&words), text);
        }
    }
});
