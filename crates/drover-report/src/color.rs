//! ANSI colours as ansible-playbook uses them: green ok, yellow changed, red failed, cyan skipped.

#[derive(Clone, Copy)]
pub(crate) enum Color {
    Green,
    Yellow,
    Red,
    Cyan,
    Magenta,
}

pub(crate) fn paint(text: &str, color: Color, enabled: bool) -> String {
    if !enabled {
        return text.to_owned();
    }
    let code = match color {
        Color::Green => "32",
        Color::Yellow => "33",
        Color::Red => "31",
        Color::Cyan => "36",
        Color::Magenta => "35",
    };
    format!("\x1b[0;{code}m{text}\x1b[0m")
}
