//! Python's `ast.literal_eval`, which Ansible's INI inventories use to type their values
//! (`2222` is an integer, `True` a boolean, `"'0123'"` the text `0123`, `[1, 2]` a list), turned
//! into JSON-shaped data: tuples and sets become lists, bytes become text, complex numbers and
//! `...` become their `str()`, and mapping keys that are not text become their `str()`.
//!
//! Not reproduced: `\N{NAME}` escapes (they need Unicode's name table: such a text is not a
//! literal here), the order of a set of several items (Python's hash order; here the written
//! order), integers beyond 128 bits (floats here), and keys that only Python finds equal
//! (`{1: 'a', True: 'b'}` has one key there, two here).

use crate::repr::float_repr;
use serde_json::{Map, Value};

/// The text is not a Python literal (Python's `ValueError: malformed node or string`, or a
/// `SyntaxError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed node or string")]
pub struct NotALiteral;

/// `ast.literal_eval(text)` as data.
pub fn literal_eval(text: &str) -> Result<Value, NotALiteral> {
    parse(text).ok_or(NotALiteral)
}

fn parse(text: &str) -> Option<Value> {
    let tokens = tokenize(text.trim_start_matches([' ', '\t']))?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let first = parser.expr()?;
    // A bare tuple: `80, 443` (or `1,`).
    let value = if parser.eat(',') {
        let mut items = vec![first];
        while parser.pos < parser.tokens.len() {
            items.push(parser.expr()?);
            if !parser.eat(',') {
                break;
            }
        }
        Py::List(items)
    } else {
        first
    };
    if parser.pos != parser.tokens.len() {
        return None;
    }
    Some(value.into_value())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    BigInt(f64),
    Float(f64),
    Imaginary(f64),
    Str(String),
    Bytes(String),
    Name(String),
    Ellipsis,
    Punct(char),
}

#[derive(Debug, Clone)]
enum Py {
    Int(i128),
    BigInt(f64),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Bool(bool),
    None,
    Ellipsis,
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

impl Py {
    fn into_value(self) -> Value {
        match self {
            Py::Int(i) => match i64::try_from(i) {
                Ok(i) => Value::from(i),
                Err(_) => match u64::try_from(i) {
                    Ok(u) => Value::from(u),
                    Err(_) => float_value(i as f64),
                },
            },
            Py::BigInt(f) | Py::Float(f) => float_value(f),
            Py::Complex(..) | Py::Ellipsis => Value::String(self.python_str()),
            Py::Str(s) => Value::String(s),
            Py::Bool(b) => Value::Bool(b),
            Py::None => Value::Null,
            Py::List(items) => Value::Array(items.into_iter().map(Py::into_value).collect()),
            Py::Dict(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    let key = match k {
                        Py::Str(s) => s,
                        other => other.python_str(),
                    };
                    map.insert(key, v.into_value());
                }
                Value::Object(map)
            }
        }
    }

    /// Roughly Python's `str()`, for dictionary keys and complex numbers.
    fn python_str(&self) -> String {
        match self {
            Py::Int(i) => i.to_string(),
            Py::BigInt(f) | Py::Float(f) => float_repr(*f),
            Py::Complex(re, im) => {
                let im_text = float_repr(*im);
                let im_text = im_text.strip_suffix(".0").unwrap_or(&im_text).to_owned();
                if *re == 0.0 && re.is_sign_positive() {
                    format!("{im_text}j")
                } else {
                    let re_text = float_repr(*re);
                    let re_text = re_text.strip_suffix(".0").unwrap_or(&re_text);
                    let sign = if im_text.starts_with('-') { "" } else { "+" };
                    format!("({re_text}{sign}{im_text}j)")
                }
            }
            Py::Str(s) => s.clone(),
            Py::Bool(true) => "True".to_owned(),
            Py::Bool(false) => "False".to_owned(),
            Py::None => "None".to_owned(),
            Py::Ellipsis => "...".to_owned(),
            Py::List(items) => {
                let inner: Vec<String> = items.iter().map(Py::python_str).collect();
                format!("[{}]", inner.join(", "))
            }
            Py::Dict(_) => "{...}".to_owned(),
        }
    }
}

fn float_value(f: f64) -> Value {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(float_repr(f)))
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    // Brackets open, and whether a line ended outside any (then only blank lines may follow).
    let mut depth = 0usize;
    let mut ended = false;
    while i < chars.len() {
        let c = chars[i];
        if ended && !matches!(c, ' ' | '\t' | '\x0c' | '\r' | '\n' | '#') {
            return None;
        }
        match c {
            ' ' | '\t' | '\x0c' => i += 1,
            '\r' | '\n' => {
                ended |= depth == 0 && !out.is_empty();
                i += 1;
            }
            '#' => {
                while i < chars.len() && !matches!(chars[i], '\r' | '\n') {
                    i += 1;
                }
            }
            '\\' if matches!(chars.get(i + 1), Some('\n')) => i += 2,
            '.' if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') => {
                out.push(Tok::Ellipsis);
                i += 3;
            }
            '0'..='9' => {
                let (tok, next) = number(&chars, i)?;
                out.push(tok);
                i = next;
            }
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                let (tok, next) = number(&chars, i)?;
                out.push(tok);
                i = next;
            }
            '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '+' | '-' => {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.checked_sub(1)?,
                    _ => {}
                }
                out.push(Tok::Punct(c));
                i += 1;
            }
            '\'' | '"' => {
                let (s, next) = string(&chars, i, false, false)?;
                out.push(Tok::Str(s));
                i = next;
            }
            c if is_ident_start(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                let is_prefix = matches!(lower.as_str(), "r" | "u" | "b" | "br" | "rb");
                if is_prefix && matches!(chars.get(i), Some('\'' | '"')) {
                    let raw = lower.contains('r');
                    let bytes = lower.contains('b');
                    let (s, next) = string(&chars, i, raw, bytes)?;
                    out.push(if bytes { Tok::Bytes(s) } else { Tok::Str(s) });
                    i = next;
                } else {
                    out.push(Tok::Name(word));
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A Python number starting at `start`: decimal, `0x`/`0o`/`0b`, float, or imaginary (`2j`).
fn number(chars: &[char], start: usize) -> Option<(Tok, usize)> {
    let mut i = start;
    let at = |i: usize| chars.get(i).copied();
    // Digits with single underscores between them.
    let digits = |i: &mut usize, ok: &dyn Fn(char) -> bool| -> Option<String> {
        let mut s = String::new();
        let mut last_underscore = false;
        while let Some(c) = chars.get(*i).copied() {
            if ok(c) {
                s.push(c);
                last_underscore = false;
            } else if c == '_' && !s.is_empty() && !last_underscore {
                last_underscore = true;
            } else {
                break;
            }
            *i += 1;
        }
        if last_underscore { None } else { Some(s) }
    };
    if at(i) == Some('0') && matches!(at(i + 1), Some('x' | 'X' | 'o' | 'O' | 'b' | 'B')) {
        let radix = match at(i + 1) {
            Some('x' | 'X') => 16,
            Some('o' | 'O') => 8,
            _ => 2,
        };
        i += 2;
        if at(i) == Some('_') {
            i += 1;
        }
        let text = digits(&mut i, &|c: char| c.is_digit(radix))?;
        if text.is_empty() || at(i).is_some_and(|c| is_ident_char(c) || c == '.') {
            return None;
        }
        let tok = match i128::from_str_radix(&text, radix) {
            Ok(v) => Tok::Int(v),
            Err(_) => Tok::BigInt(f64::INFINITY),
        };
        return Some((tok, i));
    }
    let int_part = digits(&mut i, &|c: char| c.is_ascii_digit())?;
    let mut is_float = false;
    let mut text = int_part.clone();
    if at(i) == Some('.') {
        is_float = true;
        i += 1;
        text.push('.');
        if at(i).is_some_and(|c| c.is_ascii_digit()) {
            text.push_str(&digits(&mut i, &|c: char| c.is_ascii_digit())?);
        }
    }
    if matches!(at(i), Some('e' | 'E')) {
        let mut j = i + 1;
        let mut exp = String::from("e");
        if let Some(sign @ ('+' | '-')) = at(j) {
            exp.push(sign);
            j += 1;
        }
        if at(j).is_some_and(|c| c.is_ascii_digit()) {
            exp.push_str(&digits(&mut j, &|c: char| c.is_ascii_digit())?);
            text.push_str(&exp);
            is_float = true;
            i = j;
        } else {
            return None;
        }
    }
    if text.starts_with('.') {
        text.insert(0, '0');
    }
    if matches!(at(i), Some('j' | 'J')) {
        i += 1;
        if at(i).is_some_and(is_ident_char) {
            return None;
        }
        return Some((Tok::Imaginary(text.parse().ok()?), i));
    }
    if at(i).is_some_and(|c| is_ident_char(c) || c == '.') {
        return None;
    }
    if is_float {
        return Some((Tok::Float(text.parse().ok()?), i));
    }
    // `0777` is a syntax error in Python 3; `000` is zero.
    if int_part.len() > 1 && int_part.starts_with('0') && int_part.chars().any(|c| c != '0') {
        return None;
    }
    let tok = match int_part.parse::<i128>() {
        Ok(v) => Tok::Int(v),
        Err(_) => Tok::BigInt(int_part.parse().ok()?),
    };
    Some((tok, i))
}

/// A quoted string starting at the quote at `start`, with Python's escapes (none when `raw`).
fn string(chars: &[char], start: usize, raw: bool, bytes: bool) -> Option<(String, usize)> {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = if triple { start + 3 } else { start + 1 };
    let mut out = String::new();
    loop {
        let c = *chars.get(i)?;
        if c == quote {
            if !triple {
                return Some((out, i + 1));
            }
            if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                return Some((out, i + 3));
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '\n' && !triple {
            return None;
        }
        if bytes && !c.is_ascii() {
            return None;
        }
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let next = *chars.get(i + 1)?;
        if raw {
            out.push('\\');
            out.push(next);
            i += 2;
            continue;
        }
        i += 2;
        match next {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = next.to_digit(8)?;
                for _ in 0..2 {
                    match chars.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value)?);
            }
            'x' | 'u' | 'U' if !(bytes && next != 'x') => {
                let len = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.get(i..i + len)?.iter().collect();
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                i += len;
            }
            // `\N{NAME}` needs the Unicode name table; treat it as not a literal.
            'N' if !bytes => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
}

/// Nesting deeper than this is not treated as a literal (keeps the parser's stack small).
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A number, a signed number, or `real +/- imaginary`; otherwise any other literal.
    fn expr(&mut self) -> Option<Py> {
        let left = self.unary()?;
        let op = match self.peek() {
            Some(Tok::Punct(c @ ('+' | '-'))) => *c,
            _ => return Some(left),
        };
        self.pos += 1;
        let re = match left {
            Py::Int(i) => i as f64,
            Py::BigInt(f) | Py::Float(f) => f,
            _ => return None,
        };
        let right = self.unary()?;
        let im = match right {
            Py::Complex(0.0, im) => im,
            _ => return None,
        };
        let im = if op == '-' { -im } else { im };
        if matches!(self.peek(), Some(Tok::Punct('+' | '-'))) {
            return None;
        }
        Some(Py::Complex(re, im))
    }

    fn unary(&mut self) -> Option<Py> {
        let negate = if self.eat('-') {
            true
        } else if self.eat('+') {
            false
        } else {
            return self.atom();
        };
        // Only a number may follow a sign (`--5` is not a literal).
        let value = self.atom()?;
        Some(match (value, negate) {
            (Py::Int(i), true) => Py::Int(-i),
            (Py::BigInt(f), true) => Py::BigInt(-f),
            (Py::Float(f), true) => Py::Float(-f),
            (Py::Complex(re, im), true) => Py::Complex(-re, -im),
            (v @ (Py::Int(_) | Py::BigInt(_) | Py::Float(_) | Py::Complex(..)), false) => v,
            _ => return None,
        })
    }

    fn atom(&mut self) -> Option<Py> {
        let tok = self.peek()?.clone();
        self.pos += 1;
        match tok {
            Tok::Int(i) => Some(Py::Int(i)),
            Tok::BigInt(f) => Some(Py::BigInt(f)),
            Tok::Float(f) => Some(Py::Float(f)),
            Tok::Imaginary(f) => Some(Py::Complex(0.0, f)),
            Tok::Ellipsis => Some(Py::Ellipsis),
            Tok::Str(s) => self.concat(s, false),
            Tok::Bytes(s) => self.concat(s, true),
            Tok::Name(name) => match name.as_str() {
                "True" => Some(Py::Bool(true)),
                "False" => Some(Py::Bool(false)),
                "None" => Some(Py::None),
                "set" if self.eat('(') && self.eat(')') => Some(Py::List(Vec::new())),
                _ => None,
            },
            Tok::Punct('(') => self.nested(|p| {
                if p.eat(')') {
                    return Some(Py::List(Vec::new()));
                }
                let first = p.expr()?;
                if p.eat(')') {
                    return Some(first);
                }
                let mut items = vec![first];
                p.sequence_rest(')', &mut items)?;
                Some(Py::List(items))
            }),
            Tok::Punct('[') => self.nested(|p| {
                let mut items = Vec::new();
                if p.eat(']') {
                    return Some(Py::List(items));
                }
                items.push(p.expr()?);
                p.sequence_rest(']', &mut items)?;
                Some(Py::List(items))
            }),
            Tok::Punct('{') => self.nested(|p| {
                if p.eat('}') {
                    return Some(Py::Dict(Vec::new()));
                }
                let first = p.expr()?;
                if p.eat(':') {
                    let mut entries = vec![(first, p.expr()?)];
                    loop {
                        if p.eat('}') {
                            return Some(Py::Dict(entries));
                        }
                        if !p.eat(',') {
                            return None;
                        }
                        if p.eat('}') {
                            return Some(Py::Dict(entries));
                        }
                        let k = p.expr()?;
                        if !p.eat(':') {
                            return None;
                        }
                        entries.push((k, p.expr()?));
                    }
                }
                let mut items = vec![first];
                p.sequence_rest('}', &mut items)?;
                Some(Py::List(items))
            }),
            _ => None,
        }
    }

    /// Adjacent string literals join (`'a' 'b'` is `'ab'`); text and bytes do not mix.
    fn concat(&mut self, mut s: String, bytes: bool) -> Option<Py> {
        loop {
            match self.peek() {
                Some(Tok::Str(more)) if !bytes => s.push_str(more),
                Some(Tok::Bytes(more)) if bytes => s.push_str(more),
                Some(Tok::Str(_) | Tok::Bytes(_)) => return None,
                _ => return Some(Py::Str(s)),
            }
            self.pos += 1;
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Parser) -> Option<Py>) -> Option<Py> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// After the first item: `, item`... with an optional trailing comma, then `close`.
    fn sequence_rest(&mut self, close: char, items: &mut Vec<Py>) -> Option<()> {
        loop {
            if self.eat(close) {
                return Some(());
            }
            if !self.eat(',') {
                return None;
            }
            if self.eat(close) {
                return Some(());
            }
            items.push(self.expr()?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// How Ansible's INI plugin types a value: the literal, or else the text.
    fn ini_value(text: &str) -> Value {
        literal_eval(text).unwrap_or_else(|_| Value::String(text.to_owned()))
    }

    #[test]
    fn python_literals() {
        assert_eq!(ini_value("2222"), json!(2222));
        assert_eq!(ini_value("-5"), json!(-5));
        assert_eq!(ini_value("0x1F"), json!(31));
        assert_eq!(ini_value("1_000"), json!(1000));
        assert_eq!(ini_value("1.5"), json!(1.5));
        assert_eq!(ini_value("True"), json!(true));
        assert_eq!(ini_value("None"), json!(null));
        assert_eq!(ini_value("'0123'"), json!("0123"));
        assert_eq!(ini_value("\"a\" 'b'"), json!("ab"));
        assert_eq!(
            ini_value("[1, 'two', (3,), {4}]"),
            json!([1, "two", [3], [4]])
        );
        assert_eq!(ini_value("{'a': 1, 2: None,}"), json!({"a": 1, "2": null}));
        assert_eq!(ini_value("8080 # trailing comment"), json!(8080));
        assert_eq!(ini_value("b'raw'"), json!("raw"));
        assert_eq!(ini_value(r"'tab\there'"), json!("tab\there"));
        assert_eq!(ini_value(r"r'C:\dir'"), json!("C:\\dir"));
        assert_eq!(ini_value("..."), json!("..."));
        assert_eq!(ini_value("1+2j"), json!("(1+2j)"));
        assert_eq!(ini_value("set()"), json!([]));
        assert_eq!(ini_value("80, 443"), json!([80, 443]));
        assert_eq!(ini_value("'a',"), json!(["a"]));
    }

    #[test]
    fn non_literals_stay_text() {
        for text in [
            "yes",
            "true",
            "0777",
            "1.2.3",
            "/etc/hosts",
            "http://x",
            "--5",
            "-True",
            "a b",
            "1 2",
            "foo()",
            "[1,",
            "f'x'",
            "",
            "'unterminated",
            "1e",
            "9abc",
        ] {
            assert_eq!(ini_value(text), json!(text), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_not_a_literal() {
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert_eq!(ini_value(&deep), json!(deep));
    }
}
