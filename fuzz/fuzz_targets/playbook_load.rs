//! Any text through the playbook loader, with a few module specs of every argument kind, and
//! every error rendered as the binary would: errors are fine, panics are not.
#![no_main]

use drover_types::{ArgKind, ArgSpec, ArgSpecEntry};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

static COPY: ArgSpec = ArgSpec {
    args: &[
        ArgSpecEntry::new("src", ArgKind::Path),
        ArgSpecEntry::new("dest", ArgKind::Path).required().aliases(&["path"]),
        ArgSpecEntry::new("content", ArgKind::Str),
        ArgSpecEntry::new("mode", ArgKind::Mode),
        ArgSpecEntry::new("force", ArgKind::Bool),
        ArgSpecEntry::new("state", ArgKind::Str).choices(&["present", "absent"]),
        ArgSpecEntry::new("retries", ArgKind::Int),
        ArgSpecEntry::new("items", ArgKind::List),
        ArgSpecEntry::new("env", ArgKind::Dict),
        ArgSpecEntry::new("any", ArgKind::Any),
    ],
    free_form: false,
    any_args: false,
};

static COMMAND: ArgSpec = ArgSpec {
    args: &[
        ArgSpecEntry::new("cmd", ArgKind::Str),
        ArgSpecEntry::new("chdir", ArgKind::Path),
        ArgSpecEntry::new("creates", ArgKind::Path),
    ],
    free_form: true,
    any_args: false,
};

static SET_FACT: ArgSpec = ArgSpec { args: &[], free_form: false, any_args: true };

fn modules(name: &str) -> Option<&'static ArgSpec> {
    match name {
        "copy" | "file" => Some(&COPY),
        "command" | "shell" => Some(&COMMAND),
        "set_fact" | "debug" | "ping" => Some(&SET_FACT),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match drover_playbook::load_str(text, Path::new("fuzz.yml"), &modules) {
        Ok(playbook) => {
            for play in &playbook.plays {
                let _ = drover_playbook::unknown_handlers(play);
            }
            let _ = format!("{playbook:?}");
        }
        Err(err) => {
            let _ = err.to_string();
            let mut out = String::new();
            let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
            let _ = handler.render_report(&mut out, &err);
        }
    }
});
