//! Any text through the YAML reader and back to data: errors are fine, panics and hangs are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match drover_yaml::load_str_with_warnings(text, Arc::new(PathBuf::from("fuzz.yml"))) {
        Ok((docs, warnings)) => {
            for doc in &docs {
                let _ = doc.to_value();
                assert!(doc.span.offset <= text.len());
            }
            for w in &warnings {
                assert!(w.span.offset <= text.len());
            }
        }
        Err(err) => {
            assert!(err.span().offset <= text.len());
            let _ = err.to_string();
        }
    }
});
