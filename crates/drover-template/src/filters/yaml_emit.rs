//! A YAML emitter that writes what PyYAML's `yaml.dump` writes for JSON-shaped data, as Ansible's
//! `to_yaml` (flow style for collections of scalars) and `to_nice_yaml` (block style, indent 4)
//! produce: sorted keys, YAML 1.1 quoting of strings that would read back as other types,
//! single-quoted multi-line strings, and line folding at 80 columns.
//!
//! The structure follows PyYAML's emitter state machine (indentation, "indention", whitespace
//! tracking), written from its documented behaviour and checked against its output.

use drover_python::repr::float_repr;
use drover_types::Value;
use regex::Regex;
use std::sync::OnceLock;

/// Options of one dump.
pub(crate) struct Options {
    /// `None`: flow style for collections whose items are all scalars; `Some(false)`: block.
    pub(crate) default_flow_style: Option<bool>,
    /// Spaces per level (PyYAML's `indent`, 2..9).
    pub(crate) indent: usize,
    /// Sort mapping keys (PyYAML's default).
    pub(crate) sort_keys: bool,
    /// Preferred line width.
    pub(crate) width: usize,
}

struct Emitter<'o> {
    opts: &'o Options,
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    flow_level: usize,
}

/// Dumps `value` as PyYAML would.
pub(crate) fn dump(value: &Value, opts: &Options) -> String {
    let mut e = Emitter {
        opts,
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: None,
        indents: Vec::new(),
        flow_level: 0,
    };
    e.node(value, false, false);
    e.write_indent();
    e.out
}

#[derive(Default)]
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_flow_plain: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_flow_plain: false,
            allow_block_plain: false,
            allow_single_quoted: true,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut block_ind, mut flow_ind) = (false, false);
    if s.starts_with("---") || s.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let ws = |c: Option<&char>| {
        c.is_none_or(|c| {
            matches!(
                c,
                '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
            )
        })
    };
    let mut preceded_ws = true;
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    for (i, &ch) in chars.iter().enumerate() {
        let followed_ws = ws(chars.get(i + 1));
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                flow_ind = true;
                block_ind = true;
            }
            if ch == '?' || ch == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if ch == '-' && followed_ws {
                flow_ind = true;
                block_ind = true;
            }
        } else {
            if ",?[]{}".contains(ch) {
                flow_ind = true;
            }
            if ch == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if ch == '#' && preceded_ws {
                flow_ind = true;
                block_ind = true;
            }
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            // ansible-core dumps with libyaml (CSafeDumper), whose printable set leaves out
            // U+0085 and everything beyond the BMP (pure-Python PyYAML keeps them).
            let printable_unicode = (('\u{A0}'..='\u{D7FF}').contains(&ch)
                || ('\u{E000}'..='\u{FFFD}').contains(&ch))
                && ch != '\u{FEFF}';
            if !printable_unicode {
                special = true;
            }
        }
        if ch == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == chars.len() - 1 {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(ch) {
            if i == 0 {
                leading_break = true;
            }
            if i == chars.len() - 1 {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = matches!(
            ch,
            '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
        );
    }
    let mut a = Analysis {
        empty: false,
        multiline: line_breaks,
        allow_flow_plain: true,
        allow_block_plain: true,
        allow_single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
    }
    if break_space {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
    }
    if space_break || special {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
    }
    if line_breaks {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
    }
    if flow_ind {
        a.allow_flow_plain = false;
    }
    if block_ind {
        a.allow_block_plain = false;
    }
    a
}

/// Whether YAML 1.1 (PyYAML's resolver) would read the plain text as something other than a
/// string.
fn resolves_to_non_string(s: &str) -> bool {
    static RES: OnceLock<Vec<Regex>> = OnceLock::new();
    let res = RES.get_or_init(|| {
        [
            r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
            r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            r"^(?:~|null|Null|NULL|)$",
            r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
            r"^(?:<<|=)$",
        ]
        .iter()
        .map(|r| Regex::new(r).expect("valid regex"))
        .collect()
    });
    res.iter().any(|r| r.is_match(s))
}

impl Emitter<'_> {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn line_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn indicator(&mut self, ind: &str, need_ws: bool, whitespace: bool, indention: bool) {
        if self.whitespace || !need_ws {
            self.write(ind);
        } else {
            self.write(&format!(" {ind}"));
        }
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None => Some(if flow { self.opts.indent } else { 0 }),
            Some(i) if !indentless => Some(i + self.opts.indent),
            same => same,
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn is_flow(&self, v: &Value) -> bool {
        match self.opts.default_flow_style {
            Some(f) => f,
            None => match v {
                Value::Array(a) => a
                    .iter()
                    .all(|x| !matches!(x, Value::Array(_) | Value::Object(_))),
                Value::Object(m) => m
                    .values()
                    .all(|x| !matches!(x, Value::Array(_) | Value::Object(_))),
                _ => false,
            },
        }
    }

    fn entries<'v>(&self, m: &'v drover_types::Map) -> Vec<(&'v String, &'v Value)> {
        let mut e: Vec<_> = m.iter().collect();
        if self.opts.sort_keys {
            e.sort_by(|a, b| a.0.cmp(b.0));
        }
        e
    }

    fn node(&mut self, v: &Value, mapping_ctx: bool, simple_key: bool) {
        match v {
            Value::Array(items) => {
                if self.flow_level > 0 || items.is_empty() || self.is_flow(v) {
                    self.indicator("[", true, true, false);
                    self.flow_level += 1;
                    self.increase_indent(true, false);
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.indicator(",", false, false, false);
                        }
                        if self.column > self.opts.width {
                            self.write_indent();
                        }
                        self.node(item, false, false);
                    }
                    self.pop_indent();
                    self.flow_level -= 1;
                    self.indicator("]", false, false, false);
                } else {
                    let indentless = mapping_ctx && !self.indention;
                    self.increase_indent(false, indentless);
                    for item in items {
                        self.write_indent();
                        self.indicator("-", true, false, true);
                        self.node(item, false, false);
                    }
                    self.pop_indent();
                }
            }
            Value::Object(map) => {
                let entries = self.entries(map);
                if self.flow_level > 0 || map.is_empty() || self.is_flow(v) {
                    self.indicator("{", true, true, false);
                    self.flow_level += 1;
                    self.increase_indent(true, false);
                    for (i, (k, val)) in entries.into_iter().enumerate() {
                        if i > 0 {
                            self.indicator(",", false, false, false);
                        }
                        if self.column > self.opts.width {
                            self.write_indent();
                        }
                        self.node(&Value::String(k.clone()), true, true);
                        self.indicator(":", false, false, false);
                        self.node(val, true, false);
                    }
                    self.pop_indent();
                    self.flow_level -= 1;
                    self.indicator("}", false, false, false);
                } else {
                    self.increase_indent(false, false);
                    for (k, val) in entries {
                        self.write_indent();
                        self.node(&Value::String(k.clone()), true, true);
                        self.indicator(":", false, false, false);
                        self.node(val, true, false);
                    }
                    self.pop_indent();
                }
            }
            scalar => {
                self.increase_indent(true, false);
                self.scalar(scalar, simple_key);
                self.pop_indent();
            }
        }
    }

    fn scalar(&mut self, v: &Value, simple_key: bool) {
        let text = match v {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
            Value::Number(n) if n.is_f64() => yaml_float(n.as_f64().unwrap_or(0.0)),
            Value::Number(n) => n.to_string(),
            Value::String(s) => {
                let a = analyze(s);
                let plain_ok = !resolves_to_non_string(s)
                    && !(simple_key && (a.empty || a.multiline))
                    && ((self.flow_level > 0 && a.allow_flow_plain)
                        || (self.flow_level == 0 && a.allow_block_plain));
                if plain_ok {
                    self.plain(s, !simple_key);
                } else if a.allow_single_quoted && !(simple_key && a.multiline) {
                    self.single_quoted(s, !simple_key);
                } else {
                    self.double_quoted(s);
                }
                return;
            }
            _ => String::new(),
        };
        self.plain(&text, !simple_key);
    }

    fn plain(&mut self, text: &str, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut start) = (false, 0usize);
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > self.opts.width && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        let data: String = chars[start..end].iter().collect();
                        self.write(&data);
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                let data: String = chars[start..end].iter().collect();
                self.write(&data);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
            }
        }
    }

    fn single_quoted(&mut self, text: &str, split: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks, mut start) = (false, false, 0usize);
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > self.opts.width
                        && split
                        && start != 0
                        && end != chars.len()
                    {
                        self.write_indent();
                    } else {
                        let data: String = chars[start..end].iter().collect();
                        self.write(&data);
                    }
                    start = end;
                }
            } else if breaks {
                if ch.is_none_or(|c| !is_break(c)) {
                    if chars[start] == '\n' {
                        self.line_break();
                    }
                    for br in &chars[start..end] {
                        if *br == '\n' {
                            self.line_break();
                        } else {
                            self.out.push(*br);
                            self.column = 0;
                            self.whitespace = true;
                            self.indention = true;
                        }
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c) || c == '\'') && start < end {
                let data: String = chars[start..end].iter().collect();
                self.write(&data);
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.indicator("'", false, false, false);
    }

    fn double_quoted(&mut self, text: &str) {
        self.indicator("\"", true, false, false);
        let mut data = String::new();
        for ch in text.chars() {
            let printable = (' '..='~').contains(&ch)
                || ((('\u{A0}'..='\u{D7FF}').contains(&ch)
                    || ('\u{E000}'..='\u{FFFD}').contains(&ch))
                    && ch != '\u{FEFF}');
            if printable && ch != '"' && ch != '\\' {
                data.push(ch);
                continue;
            }
            let esc = match ch {
                '\0' => "0".to_owned(),
                '\x07' => "a".to_owned(),
                '\x08' => "b".to_owned(),
                '\t' => "t".to_owned(),
                '\n' => "n".to_owned(),
                '\x0b' => "v".to_owned(),
                '\x0c' => "f".to_owned(),
                '\r' => "r".to_owned(),
                '\x1b' => "e".to_owned(),
                '"' => "\"".to_owned(),
                '\\' => "\\".to_owned(),
                '\u{85}' => "N".to_owned(),
                '\u{A0}' => "_".to_owned(),
                '\u{2028}' => "L".to_owned(),
                '\u{2029}' => "P".to_owned(),
                c if (c as u32) <= 0xff => format!("x{:02X}", c as u32),
                c if (c as u32) <= 0xffff => format!("u{:04X}", c as u32),
                c => format!("U{:08X}", c as u32),
            };
            data.push('\\');
            data.push_str(&esc);
        }
        self.write(&data);
        self.indicator("\"", false, false, false);
    }
}

/// PyYAML's float representation: `1.0`, `1.0e+20`, `.inf`, `.nan`.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let r = float_repr(f).to_lowercase();
    if !r.contains('.') && r.contains('e') {
        r.replacen('e', ".0e", 1)
    } else {
        r
    }
}
