//! Python's comparisons: `<`, `<=`, `>`, `>=`, `in` and `not in` as ansible-core evaluates them.
//!
//! minijinja orders any two values (a string before a dict, `None` before a number); Python
//! refuses to order unrelated types (`'<' not supported between instances of 'str' and 'dict'`),
//! and its `in` refuses a non-string in a string or a list as a dict key. minijinja has no hook
//! for its operators, so a comparison chain is rewritten before compiling, at token level:
//! `a < b <= c` becomes `__drover_cmp(a, '<', b, '<=', c)`. A chain is the run of operands
//! between the tokens that bind more loosely than comparisons (`and`, `or`, a prefix `not`,
//! `if`, `else`, commas, colons, `=`, brackets), which is Jinja's grammar. The Jinja tests
//! `lt`, `le`, `gt`, `ge` (and `<` ...) and `in` get the same semantics.
//!
//! The same rewrite gives Python's `~` (`str()` of each side: floats as `1e-07`) and `%`
//! (modulo with the divisor's sign, or formatting when the left side is a string, whatever
//! the right side is), at their places in Jinja's precedence.

use crate::filters::core::type_name;
use crate::pyops::DateTime;
use minijinja::value::{Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The helper a comparison chain is rewritten to.
pub(crate) const CMP_FN: &str = "__drover_cmp";

/// The helper `a ~ b` is rewritten to: minijinja's `~` writes a float as Rust does (`1e-7`),
/// Python's `str()` as `1e-07`.
pub(crate) const CAT_FN: &str = "__drover_cat";

/// The helper `a % b` is rewritten to: Python's modulo, or `%` formatting of a string.
pub(crate) const MOD_FN: &str = "__drover_mod";

/// `__drover_mod(a, b)`: Python's `a % b`.
pub(crate) fn modulo(a: Value, b: Value) -> Result<Value, Error> {
    if a.is_undefined() || b.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    if a.kind() == ValueKind::String {
        return crate::pyops::pct(a.as_str().unwrap_or_default().to_owned(), b).map(Value::from);
    }
    if !(is_numeric(&a) && is_numeric(&b)) {
        return Err(fail(format!(
            "unsupported operand type(s) for %: '{}' and '{}'",
            py_type(&a),
            py_type(&b)
        )));
    }
    let (a, b) = (numeric(&a), numeric(&b));
    if a.is_integer() && b.is_integer() {
        let (x, y) = (i128::try_from(a)?, i128::try_from(b)?);
        if y == 0 {
            return Err(fail("integer modulo by zero".into()));
        }
        // Python's result takes the divisor's sign.
        let r = x.checked_rem_euclid(y).unwrap_or(0);
        return Ok(Value::from(if y < 0 && r != 0 { r + y } else { r }));
    }
    let (x, y) = (f64::try_from(a)?, f64::try_from(b)?);
    if y == 0.0 {
        return Err(fail("float modulo".into()));
    }
    let mut r = x % y;
    if r != 0.0 && (r < 0.0) != (y < 0.0) {
        r += y;
    } else if r == 0.0 {
        r = 0.0_f64.copysign(y);
    }
    Ok(Value::from(r))
}

/// The helper a `for` loop's iterable is wrapped in.
pub(crate) const ITER_FN: &str = "__drover_iter";

/// `__drover_iter(v)`: `v` itself, when Python could iterate it.
pub(crate) fn iterable(v: Value) -> Result<Value, Error> {
    match v.kind() {
        ValueKind::Undefined => Err(crate::convert::undefined_error()),
        ValueKind::None | ValueKind::Number | ValueKind::Bool => {
            Err(fail(format!("'{}' object is not iterable", py_type(&v))))
        }
        _ => Ok(v),
    }
}

/// `__drover_cat(a, b ...)`: Python's `str()` of each, joined.
pub(crate) fn cat(args: Rest<Value>) -> Result<String, Error> {
    let mut out = String::new();
    for v in args.iter() {
        if v.is_undefined() {
            return Err(crate::convert::undefined_error());
        }
        out.push_str(&crate::convert::py_str(v));
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Open,
    Close,
    /// `<`, `<=`, `>`, `>=`, `==`, `!=`.
    Op,
    /// `,`, `:` and a lone `=`.
    Sep,
    Word,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

fn tokenize(src: &str) -> Option<Vec<Tok>> {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return None;
                }
                i += 1;
                Kind::Other
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close
            }
            b'<' | b'>' | b'=' | b'!' => {
                i += 1;
                if b.get(i) == Some(&b'=') {
                    i += 1;
                    Kind::Op
                } else if c == b'=' {
                    Kind::Sep
                } else if c == b'!' {
                    Kind::Other
                } else {
                    Kind::Op
                }
            }
            b',' | b':' => {
                i += 1;
                Kind::Sep
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Word
            }
            c if c.is_ascii_digit() => {
                // A number, with its exponent's sign (`1e-07`).
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || matches!(b[i], b'_' | b'.')
                        || (matches!(b[i], b'+' | b'-') && matches!(b[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                Kind::Other
            }
            c if c.is_ascii() => {
                i += 1;
                Kind::Other
            }
            _ => {
                while i < b.len() && !b[i].is_ascii() {
                    i += 1;
                }
                Kind::Other
            }
        };
        toks.push(Tok {
            kind,
            start,
            end: i,
        });
    }
    Some(toks)
}

struct Rewriter<'a> {
    src: &'a str,
    toks: Vec<Tok>,
    /// For an opening bracket, the index of its closing one.
    close: Vec<usize>,
}

/// What a token is inside a chain.
enum Role {
    Operand,
    /// A comparison operator, with the number of tokens it takes (`not in` takes two).
    Compare(&'static str, usize),
    Boundary,
}

impl<'a> Rewriter<'a> {
    fn new(src: &'a str) -> Option<Self> {
        let toks = tokenize(src)?;
        let mut close = vec![usize::MAX; toks.len()];
        let mut stack = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            match t.kind {
                Kind::Open => stack.push(i),
                Kind::Close => close[stack.pop()?] = i,
                _ => {}
            }
        }
        stack.is_empty().then_some(Self { src, toks, close })
    }

    fn text(&self, i: usize) -> &'a str {
        &self.src[self.toks[i].start..self.toks[i].end]
    }

    fn is_word(&self, i: usize, word: &str) -> bool {
        i < self.toks.len() && self.toks[i].kind == Kind::Word && self.text(i) == word
    }

    fn role(&self, i: usize, lo: usize) -> Role {
        let t = self.toks[i];
        match t.kind {
            Kind::Sep => Role::Boundary,
            Kind::Op => Role::Compare(
                match self.text(i) {
                    "<" => "<",
                    "<=" => "<=",
                    ">" => ">",
                    ">=" => ">=",
                    "==" => "==",
                    _ => "!=",
                },
                1,
            ),
            Kind::Word => match self.text(i) {
                "and" | "or" | "if" | "else" | "elif" => Role::Boundary,
                // `x is in y`, `x is not in y`, `x is not defined`: a test's name and `not`.
                "in" | "not" if self.after_is(i, lo) => Role::Operand,
                "in" => Role::Compare("in", 1),
                "not" if self.is_word(i + 1, "in") => Role::Compare("not in", 2),
                "not" => Role::Boundary,
                _ => Role::Operand,
            },
            _ => Role::Operand,
        }
    }

    /// Whether token `i` follows `is` or `is not`.
    fn after_is(&self, i: usize, lo: usize) -> bool {
        (i > lo && self.is_word(i - 1, "is"))
            || (i > lo + 1 && self.is_word(i - 1, "not") && self.is_word(i - 2, "is"))
    }

    /// The rewritten text of tokens `lo..hi` (the source from the first to the last).
    fn range(&self, lo: usize, hi: usize) -> String {
        if lo >= hi {
            return String::new();
        }
        let mut out = String::new();
        let mut cursor = self.toks[lo].start;
        let mut seg = lo;
        let mut i = lo;
        while i <= hi {
            let boundary = i == hi || matches!(self.role(i, lo), Role::Boundary);
            if !boundary && self.is_word(i, "for") {
                // `for a, b in items`: the targets and that `in` are not a comparison.
                self.segment(seg, i, &mut out, &mut cursor);
                let mut j = i + 1;
                while j < hi && !self.is_word(j, "in") {
                    j = self.skip(j) + 1;
                }
                // `{% for x in items %}`: Python refuses to iterate None or a number, where
                // minijinja gives nothing.
                let mut end = j + 1;
                while end < hi && !self.is_word(end, "if") && !self.is_word(end, "recursive") {
                    end = self.skip(end) + 1;
                }
                if i == lo && j + 1 < end && end <= hi {
                    out.push_str(&self.src[cursor..self.toks[j + 1].start]);
                    out.push_str(ITER_FN);
                    out.push('(');
                    out.push_str(&self.range(j + 1, end));
                    out.push(')');
                    cursor = self.toks[end - 1].end;
                    i = end;
                } else {
                    i = j + 1;
                }
                seg = i;
                continue;
            }
            if boundary {
                self.segment(seg, i, &mut out, &mut cursor);
                seg = i + 1;
                i += 1;
            } else {
                i = self.skip(i) + 1;
            }
        }
        out.push_str(&self.src[cursor..self.toks[hi - 1].end]);
        out
    }

    /// The index of the last token of the item at `i` (a bracketed group ends at its close).
    fn skip(&self, i: usize) -> usize {
        if self.toks[i].kind == Kind::Open {
            self.close[i]
        } else {
            i
        }
    }

    /// Appends the rewritten text of the chain `lo..hi` (no boundary inside at depth 0).
    fn segment(&self, lo: usize, hi: usize, out: &mut String, cursor: &mut usize) {
        if lo >= hi {
            return;
        }
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut ops: Vec<&'static str> = Vec::new();
        let mut start = lo;
        let mut i = lo;
        while i < hi {
            if let Role::Compare(op, width) = self.role(i, lo) {
                parts.push((start, i));
                ops.push(op);
                i += width;
                start = i;
            } else {
                i = self.skip(i) + 1;
            }
        }
        parts.push((start, hi));
        out.push_str(&self.src[*cursor..self.toks[lo].start]);
        *cursor = self.toks[hi - 1].end;
        let strict = ops.iter().any(|op| !matches!(*op, "==" | "!="));
        if !strict || parts.iter().any(|(a, b)| a >= b) {
            out.push_str(&self.terms(lo, hi));
            return;
        }
        out.push_str(CMP_FN);
        out.push('(');
        for (k, (a, b)) in parts.iter().enumerate() {
            if k > 0 {
                out.push_str(", '");
                out.push_str(ops[k - 1]);
                out.push_str("', ");
            }
            out.push_str(&self.terms(*a, *b));
        }
        out.push(')');
    }

    /// Whether token `i` ends an operand (so that a `+`/`-` after it is binary).
    fn ends_operand(&self, i: usize) -> bool {
        match self.toks[i].kind {
            Kind::Close => true,
            Kind::Word => !matches!(
                self.text(i),
                "not" | "and" | "or" | "in" | "is" | "if" | "else"
            ),
            Kind::Other => self.text(i).starts_with(|c: char| {
                c.is_ascii_alphanumeric() || c == '\'' || c == '"' || c == '_'
            }),
            _ => false,
        }
    }

    /// The text of tokens `lo..hi`, where comparison operators and binary `+`/`-` separate
    /// terms, and each term that concatenates with `~` is rewritten.
    fn terms(&self, lo: usize, hi: usize) -> String {
        let mut out = String::new();
        let mut cursor = self.toks[lo].start;
        let mut start = lo;
        let mut prev: Option<usize> = None;
        let mut i = lo;
        while i <= hi {
            let sep = i == hi
                || matches!(self.role(i, lo), Role::Compare(..))
                || (matches!(self.text(i), "+" | "-")
                    && prev.is_some_and(|p| self.ends_operand(p)));
            if sep {
                self.concat(start, i, &mut out, &mut cursor);
                start = i + 1;
                prev = Some(i);
                i += 1;
            } else {
                prev = Some(self.skip(i));
                i = self.skip(i) + 1;
            }
        }
        out.push_str(&self.src[cursor..self.toks[hi - 1].end]);
        out
    }

    /// Appends term `lo..hi`: `a ~ b ~ c` becomes `__drover_cat(a, b, c)` (Python's `str()` of
    /// each); brackets are rewritten inside.
    fn concat(&self, lo: usize, hi: usize, out: &mut String, cursor: &mut usize) {
        if lo >= hi {
            return;
        }
        let mut pieces = Vec::new();
        let mut start = lo;
        let mut i = lo;
        while i < hi {
            if self.text(i) == "~" {
                pieces.push((start, i));
                start = i + 1;
            }
            i = self.skip(i) + 1;
        }
        pieces.push((start, hi));
        out.push_str(&self.src[*cursor..self.toks[lo].start]);
        *cursor = self.toks[hi - 1].end;
        if pieces.len() > 1 && pieces.iter().all(|(a, b)| a < b) {
            out.push_str(CAT_FN);
            out.push('(');
            for (k, (a, b)) in pieces.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                out.push_str(&self.product(*a, *b));
            }
            out.push(')');
            return;
        }
        out.push_str(&self.product(lo, hi));
    }

    /// The text of tokens `lo..hi` (no `~` at depth 0), where `a % b` (at the precedence of
    /// `*` and `/`, left to right) becomes `__drover_mod(a, b)`.
    fn product(&self, lo: usize, hi: usize) -> String {
        let mut factors = Vec::new();
        let mut ops: Vec<&str> = Vec::new();
        let mut start = lo;
        let mut i = lo;
        while i < hi {
            let t = self.text(i);
            let next_adjacent = |want: &str| {
                i + 1 < hi && self.toks[i].end == self.toks[i + 1].start && self.text(i + 1) == want
            };
            if t == "*" && next_adjacent("*") {
                i += 2;
                continue;
            }
            if matches!(t, "*" | "/" | "%") && i > start {
                let width = if t == "/" && next_adjacent("/") { 2 } else { 1 };
                factors.push((start, i));
                ops.push(&self.src[self.toks[i].start..self.toks[i + width - 1].end]);
                i += width;
                start = i;
                continue;
            }
            i = self.skip(i) + 1;
        }
        factors.push((start, hi));
        if !ops.contains(&"%") || factors.iter().any(|(a, b)| a >= b) {
            return self.groups(lo, hi);
        }
        let mut acc = self.groups(factors[0].0, factors[0].1);
        for (op, (a, b)) in ops.iter().zip(&factors[1..]) {
            let factor = self.groups(*a, *b);
            acc = if *op == "%" {
                format!("{MOD_FN}({acc}, {factor})")
            } else {
                format!("{acc} {op} {factor}")
            };
        }
        acc
    }

    /// The text of tokens `lo..hi` as written, rewritten inside its brackets.
    fn groups(&self, lo: usize, hi: usize) -> String {
        let mut out = String::new();
        let mut copied = self.toks[lo].start;
        let mut i = lo;
        while i < hi {
            if self.toks[i].kind == Kind::Open {
                let end = self.close[i];
                out.push_str(&self.src[copied..self.toks[i].end]);
                out.push_str(&self.range(i + 1, end));
                copied = self.toks[end].start;
                i = end;
            }
            i += 1;
        }
        out.push_str(&self.src[copied..self.toks[hi - 1].end]);
        out
    }
}

/// Rewrites the comparison chains of one expression (the inside of a tag when `tag`, which may
/// start with `-`/`+` and end with `-` for whitespace control).
pub(crate) fn rewrite(expr: &str, tag: bool) -> Cow<'_, str> {
    if !(expr.contains('<')
        || expr.contains('>')
        || expr.contains("in")
        || expr.contains('~')
        || expr.contains('%'))
    {
        return Cow::Borrowed(expr);
    }
    let (mut lo, mut hi) = (0, expr.len());
    if tag {
        if expr.starts_with(['-', '+']) {
            lo = 1;
        }
        let trimmed = expr.trim_end();
        if hi > lo && trimmed.len() > lo && trimmed.ends_with(['-', '+']) {
            hi = trimmed.len() - 1;
        }
    }
    let body = &expr[lo..hi];
    let Some(rw) = Rewriter::new(body) else {
        return Cow::Borrowed(expr);
    };
    if rw.toks.is_empty() {
        return Cow::Borrowed(expr);
    }
    let new = rw.range(0, rw.toks.len());
    let first = rw.toks[0].start;
    let last = rw.toks[rw.toks.len() - 1].end;
    if new == body[first..last] {
        return Cow::Borrowed(expr);
    }
    Cow::Owned(format!(
        "{}{}{new}{}{}",
        &expr[..lo],
        &body[..first],
        &body[last..],
        &expr[hi..]
    ))
}

fn fail(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

/// `__drover_cmp(a, op, b, op, c ...)`: the chain `a op b op c` with Python's semantics.
pub(crate) fn chain(args: Rest<Value>) -> Result<bool, Error> {
    let args = &args.0;
    let mut i = 0;
    while i + 2 < args.len() {
        let op = args[i + 1].as_str().unwrap_or_default();
        if !apply(op, &args[i], &args[i + 2])? {
            return Ok(false);
        }
        i += 2;
    }
    Ok(true)
}

fn apply(op: &str, a: &Value, b: &Value) -> Result<bool, Error> {
    if a.is_undefined() || b.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    Ok(match op {
        "==" => py_eq(a, b),
        "!=" => !py_eq(a, b),
        "in" => contains(b, a)?,
        "not in" => !contains(b, a)?,
        _ => match order(op, a, b)? {
            None => false,
            Some(o) => match op {
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                ">" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            },
        },
    })
}

fn is_numeric(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Number | ValueKind::Bool)
}

/// A bool as the int it is in Python.
fn numeric(v: &Value) -> Value {
    if v.kind() == ValueKind::Bool {
        Value::from(i64::from(v.is_true()))
    } else {
        v.clone()
    }
}

fn is_nan(v: &Value) -> bool {
    !v.is_integer() && f64::try_from(v.clone()).is_ok_and(f64::is_nan)
}

fn is_seq(v: &Value) -> bool {
    v.kind() == ValueKind::Seq && v.downcast_object_ref::<DateTime>().is_none()
}

/// Python's type name for an error message.
fn py_type(v: &Value) -> &'static str {
    if v.downcast_object_ref::<DateTime>().is_some() {
        "datetime.datetime"
    } else if v.is_tuple() {
        "tuple"
    } else {
        type_name(v)
    }
}

/// Python's ordering of `a` and `b` for `op`; `None` when a nan makes every comparison false.
fn order(op: &str, a: &Value, b: &Value) -> Result<Option<Ordering>, Error> {
    if is_numeric(a) && is_numeric(b) {
        if is_nan(a) || is_nan(b) {
            return Ok(None);
        }
        return Ok(numeric(a).partial_cmp(&numeric(b)));
    }
    if let (Some(x), Some(y)) = (
        a.downcast_object_ref::<DateTime>(),
        b.downcast_object_ref::<DateTime>(),
    ) {
        return Ok(Some((x.secs, x.micros).cmp(&(y.secs, y.micros))));
    }
    if a.kind() == ValueKind::String && b.kind() == ValueKind::String {
        return Ok(Some(a.as_str().cmp(&b.as_str())));
    }
    if is_seq(a) && is_seq(b) && a.is_tuple() == b.is_tuple() {
        let xs: Vec<Value> = a.try_iter()?.collect();
        let ys: Vec<Value> = b.try_iter()?.collect();
        for (x, y) in xs.iter().zip(&ys) {
            if !py_eq(x, y) {
                return order(op, x, y);
            }
        }
        return Ok(Some(xs.len().cmp(&ys.len())));
    }
    Err(fail(format!(
        "'{op}' not supported between instances of '{}' and '{}'",
        py_type(a),
        py_type(b)
    )))
}

/// Python's `==`.
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    if is_numeric(a) && is_numeric(b) {
        return numeric(a) == numeric(b) && !is_nan(a);
    }
    match (a.kind(), b.kind()) {
        (ValueKind::Seq, ValueKind::Seq) if is_seq(a) && is_seq(b) => {
            let (Ok(xs), Ok(ys)) = (a.try_iter(), b.try_iter()) else {
                return false;
            };
            let (xs, ys): (Vec<Value>, Vec<Value>) = (xs.collect(), ys.collect());
            a.is_tuple() == b.is_tuple()
                && xs.len() == ys.len()
                && xs.iter().zip(&ys).all(|(x, y)| py_eq(x, y))
        }
        (ValueKind::Map, ValueKind::Map) => {
            let (Ok(keys), Some(n), Some(m)) = (a.try_iter(), a.len(), b.len()) else {
                return false;
            };
            n == m
                && keys.into_iter().all(|k| {
                    let (Ok(v), Ok(w)) = (b.get_item(&k), a.get_item(&k)) else {
                        return false;
                    };
                    !v.is_undefined() && py_eq(&w, &v)
                })
        }
        _ => a == b,
    }
}

fn unhashable(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Map) || is_seq(v) && !v.is_tuple()
}

/// Python's `item in container`.
pub(crate) fn contains(container: &Value, item: &Value) -> Result<bool, Error> {
    if item.is_undefined() || container.is_undefined() {
        return Err(crate::convert::undefined_error());
    }
    match container.kind() {
        ValueKind::String => match item.as_str() {
            Some(s) if item.kind() == ValueKind::String => {
                Ok(container.as_str().unwrap_or_default().contains(s))
            }
            _ => Err(fail(format!(
                "'in <string>' requires string as left operand, not {}",
                py_type(item)
            ))),
        },
        ValueKind::Map => {
            if unhashable(item) {
                return Err(fail(format!("unhashable type: '{}'", py_type(item))));
            }
            Ok(container.try_iter()?.any(|k| py_eq(&k, item)))
        }
        ValueKind::Seq | ValueKind::Iterable
            if container.downcast_object_ref::<DateTime>().is_none() =>
        {
            Ok(container.try_iter()?.any(|x| py_eq(&x, item)))
        }
        _ => Err(fail(format!(
            "argument of type '{}' is not iterable",
            py_type(container)
        ))),
    }
}

/// The comparison tests with Python's semantics (`select('gt', 3)`, `x is le 5`, `x is in y`).
pub(crate) fn register(env: &mut Environment<'static>) {
    for (name, op) in [
        ("lt", "<"),
        ("<", "<"),
        ("le", "<="),
        ("<=", "<="),
        ("gt", ">"),
        (">", ">"),
        ("ge", ">="),
        (">=", ">="),
    ] {
        env.add_test(name, move |a: &Value, b: &Value| apply(op, a, b));
    }
    env.add_test("in", |a: &Value, b: &Value| apply("in", a, b));
    env.add_function(CMP_FN, chain);
    env.add_function(CAT_FN, cat);
    env.add_function(MOD_FN, modulo);
    env.add_function(ITER_FN, iterable);
}

#[cfg(test)]
mod tests {
    use super::rewrite;
    use crate::Templates;
    use drover_types::{Templar, Value, Vars};

    #[test]
    fn loops_refuse_what_python_cannot_iterate() {
        let t = Templates::new();
        let r = |s: &str| {
            t.render(s, &Vars::new())
                .map_err(|e| e.message().to_owned())
        };
        assert_eq!(
            r("{% for c in 'ab' %}{{ c }},{% endfor %}"),
            Ok(Value::from("a,b,"))
        );
        assert_eq!(
            r("{% for k in {'a': 1} %}{{ k }}{% endfor %}"),
            Ok(Value::from("a"))
        );
        for src in [
            "{% for x in none %}{% endfor %}",
            "{% for x in 3 %}{% endfor %}",
        ] {
            assert!(
                r(src).expect_err(src).contains("object is not iterable"),
                "{src}"
            );
        }
    }

    #[test]
    fn modulo_and_formatting_are_pythons() {
        let t = Templates::new();
        let r = |s: &str| {
            t.render(s, &Vars::new())
                .map_err(|e| e.message().to_owned())
        };
        for (src, want) in [
            ("{{ -7 % 3 }}", Value::from(2)),
            ("{{ 7 % -3 }}", Value::from(-2)),
            ("{{ -7.5 % 2 }}", Value::from(0.5)),
            ("{{ '%s|%s' % (1, 'a') }}", Value::from("1|a")),
            ("{{ '%s' % 1e+16 }}", Value::from("1e+16")),
            ("{{ '%(a)s' % {'a': {}} }}", Value::from("{}")),
            ("{{ 'x' % [1, 2] }}", Value::from("x")),
            ("{{ '%s' % [1, 2] }}", Value::from("[1, 2]")),
        ] {
            assert_eq!(r(src), Ok(want), "{src}");
        }
        for (src, why) in [
            ("{{ 1 % 0 }}", "integer modulo by zero"),
            ("{{ 1.5 % 0 }}", "float modulo"),
            (
                "{{ [1] % 2 }}",
                "unsupported operand type(s) for %: 'list' and 'int'",
            ),
            ("{{ '%s %s' % (1,) }}", "not enough arguments"),
        ] {
            let err = r(src).expect_err(src);
            assert!(err.contains(why), "{src}: {err}");
        }
    }

    #[test]
    fn chains_are_rewritten_at_their_precedence() {
        let r = |s| rewrite(s, false).into_owned();
        assert_eq!(r("a < b"), "__drover_cmp(a, '<', b)");
        assert_eq!(r("x | length >= 3"), "__drover_cmp(x | length, '>=', 3)");
        assert_eq!(
            r("not a < b and c in d"),
            "not __drover_cmp(a, '<', b) and __drover_cmp(c, 'in', d)"
        );
        assert_eq!(r("a < b <= c"), "__drover_cmp(a, '<', b, '<=', c)");
        assert_eq!(r("a not in b"), "__drover_cmp(a, 'not in', b)");
        assert_eq!(r("a == b"), "a == b");
        assert_eq!(r("x is not in y"), "x is not in y");
        assert_eq!(
            r("f(a > 1, k=b < 2)[c in d]"),
            "f(__drover_cmp(a, '>', 1), k=__drover_cmp(b, '<', 2))[__drover_cmp(c, 'in', d)]"
        );
        assert_eq!(
            r("'<' if a<b else '>'"),
            "'<' if __drover_cmp(a, '<', b) else '>'"
        );
        assert_eq!(r("{'a': 1 < 2}"), "{'a': __drover_cmp(1, '<', 2)}");
        assert_eq!(
            r(" for x in items if x > 2 "),
            " for x in __drover_iter(items) if __drover_cmp(x, '>', 2) "
        );
        assert_eq!(
            r(" for k, v in d | dictsort "),
            " for k, v in __drover_iter(d | dictsort) "
        );
        assert_eq!(
            r(" for x in tree recursive "),
            " for x in __drover_iter(tree) recursive "
        );
        assert_eq!(rewrite("- a < b -", true), "- __drover_cmp(a, '<', b) -");
        assert_eq!(r("-1 < x"), "__drover_cmp(-1, '<', x)");
        assert_eq!(r("a ~ b | upper"), "__drover_cat(a, b | upper)");
        assert_eq!(
            r("1 + a ~ f(b ~ c) - 2"),
            "1 + __drover_cat(a, f(__drover_cat(b, c))) - 2"
        );
        assert_eq!(
            r("-a ~ 'x' < y"),
            "__drover_cmp(__drover_cat(-a, 'x'), '<', y)"
        );
        assert_eq!(r("a * -b ~ c"), "__drover_cat(a * -b, c)");
        assert_eq!(r("1e-07 ~ x - 1.5e+3"), "__drover_cat(1e-07, x) - 1.5e+3");
        assert_eq!(r("a * b % c // d"), "__drover_mod(a * b, c) // d");
        assert_eq!(
            r("'%s' % 1e+16 ~ x"),
            "__drover_cat(__drover_mod('%s', 1e+16), x)"
        );
        assert_eq!(r("2 ** 3 % 2"), "__drover_mod(2 ** 3, 2)");
        assert_eq!(r("'%(a)s' % {'a': {}}"), "__drover_mod('%(a)s', {'a': {}})");
    }
}
