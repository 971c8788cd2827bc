//! Any text through the inventory readers, INI and YAML: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = drover_inventory::parse_str(text, Path::new("fuzz_hosts"), true);
    let _ = drover_inventory::parse_str(text, Path::new("fuzz_hosts.yml"), false);
});
