//! `ast.literal_eval` against CPython on literals (and near-literals) from a grammar.

use crate::inputs::Gen;
use crate::python;
use drover_python::literal::literal_eval;
use serde_json::{Value, json};

fn number(g: &mut Gen) -> String {
    match g.below(12) {
        0 => format!("{}", g.below(100_000)),
        1 => format!("{}", g.next() as i64),
        2 => g
            .pick(&[
                "1_000", "0x1F", "0o17", "0b101", "0X_ff", "00", "0", "1__0", "0777", "1_",
            ])
            .into(),
        3 => g
            .pick(&[
                "1.5", ".5", "5.", "1e3", "1E-3", "1.5e+10", "1e400", "1_0.5", "0.1", "1e",
            ])
            .into(),
        4 => g
            .pick(&["2j", "1+2j", "1.5-0.5J", "-3j", "1e16j", "0j", "1+2j+3j"])
            .into(),
        5 => format!("{}", g.next()),
        6 => "99999999999999999999999999".into(),
        _ => format!("{}", g.below(1000)),
    }
}

fn string(g: &mut Gen) -> String {
    let prefix = g.pick(&["", "", "", "r", "b", "u", "R", "br", "rb", "f"]);
    let quote = g.pick(&["'", "\"", "'''", "\"\"\""]);
    let mut body = String::new();
    for _ in 0..g.below(6) {
        let piece = match g.below(10) {
            0 => g
                .pick(&[
                    "\\n",
                    "\\t",
                    "\\\\",
                    "\\'",
                    "\\\"",
                    "\\x41",
                    "\\101",
                    "\\0",
                    "\\u00e9",
                    "\\U0001F600",
                    "\\a",
                    "\\q",
                    "\\\n",
                ])
                .to_owned(),
            1 if prefix.contains('b') || prefix.contains('B') => "x".into(),
            1 => g.pick(&["é", "中", "😀"]).into(),
            2 if quote.len() == 3 => "\n".into(),
            _ => g.pick(&["a", "b", " ", "#", ",", "0"]).into(),
        };
        body.push_str(&piece);
    }
    format!("{prefix}{quote}{body}{quote}")
}

fn literal(g: &mut Gen, depth: usize) -> String {
    let roll = g.below(if depth > 2 { 7 } else { 12 });
    match roll {
        0 | 1 => number(g),
        2 => format!("-{}", number(g)),
        3 | 4 => string(g),
        5 => g
            .pick(&[
                "True", "False", "None", "...", "set()", "x", "true", "-True", "f(1)", "[1,",
                "1 2", "1 + 2", "{1}",
            ])
            .into(),
        6 => format!("{} {}", string(g), string(g)),
        7 | 8 => {
            let items: Vec<String> = (0..g.below(4)).map(|_| literal(g, depth + 1)).collect();
            let trailing = if g.chance(20) { "," } else { "" };
            format!("[{}{trailing}]", items.join(", "))
        }
        9 => {
            let items: Vec<String> = (0..g.below(3)).map(|_| literal(g, depth + 1)).collect();
            let trailing = if items.len() == 1 || g.chance(20) {
                ","
            } else {
                ""
            };
            format!("({}{trailing})", items.join(", "))
        }
        _ => {
            let entries: Vec<String> = (0..g.below(4))
                .map(|_| {
                    let key = match g.below(4) {
                        0 => format!("{}", g.below(5)),
                        1 => g.pick(&["1.5", "None", "-2", "2j"]).into(),
                        _ => format!("'{}'", g.pick(&["a", "b", "é", ""])),
                    };
                    format!("{key}: {}", literal(g, depth + 1))
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

#[test]
fn literal_eval_matches_cpython() {
    let mut g = Gen::new(0x11_0001);
    let mut inputs: Vec<String> = (0..2000)
        .map(|_| {
            let mut s = literal(&mut g, 0);
            if g.chance(10) {
                s = format!("  {s}  # note");
            }
            if g.chance(5) {
                s = format!("{s}, {}", literal(&mut g, 1));
            }
            s
        })
        .collect();
    inputs.push("[".repeat(30) + &"]".repeat(30));
    let want = python::run(
        r#"
import ast, json, sys, warnings
warnings.simplefilter("ignore")
def conv(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else repr(v)
    if isinstance(v, complex):
        return str(v)
    if v is Ellipsis:
        return "..."
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, (list, tuple, set, frozenset)):
        return [conv(x) for x in v]
    if isinstance(v, dict):
        return {k if isinstance(k, str) else str(k): conv(x) for k, x in v.items()}
    raise TypeError(type(v))
out = []
for s in json.load(sys.stdin):
    try:
        out.append({"ok": conv(ast.literal_eval(s))})
    except Exception:
        out.append("error")
json.dump(out, sys.stdout)
"#,
        &json!(inputs),
    );
    let mut mismatches = Vec::new();
    let mut literals = 0;
    for (s, want) in inputs.iter().zip(want.as_array().expect("a list")) {
        let got = match literal_eval(s) {
            Ok(v) => json!({"ok": v}),
            Err(_) => json!("error"),
        };
        if want != "error" {
            literals += 1;
        }
        if !same(&got, want) {
            mismatches.push(format!("{s:?}:\n  cpython {want}\n  drover  {got}"));
        }
    }
    python::assert_all_equal("literal_eval", &mismatches, inputs.len());
    assert!(literals > inputs.len() / 3, "{literals} literals");
}

/// Equal, with numbers compared by value (Python's big integers arrive as floats).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}
