//! `shlex.split` (with and without comments) and `shlex.quote` against CPython.

use crate::inputs::Gen;
use crate::python;
use drover_python::shlex::{Comments, quote, split};
use serde_json::{Value, json};

const ALPHABET: &[char] = &[
    'a', 'b', 'x', '1', ' ', ' ', '\t', '\n', '\r', '\'', '\'', '"', '"', '\\', '\\', '#', '$',
    '=', '-', '%', '@', 'é', '😀', '*', ';', '|',
];

#[test]
fn split_and_quote_match_cpython() {
    let mut g = Gen::new(0x5_0001);
    let inputs: Vec<String> = (0..2000)
        .map(|i| {
            if i % 4 == 0 {
                g.text(10)
            } else {
                g.string_of(ALPHABET, 14)
            }
        })
        .collect();
    let want = python::run(
        r#"
import json, shlex, sys
def split(s, comments):
    try:
        return shlex.split(s, comments=comments)
    except ValueError as e:
        return str(e)
out = [{"kept": split(s, False), "stripped": split(s, True), "quote": shlex.quote(s)}
       for s in json.load(sys.stdin)]
json.dump(out, sys.stdout)
"#,
        &json!(inputs),
    );
    let result = |r: Result<Vec<String>, _>| match r {
        Ok(words) => json!(words),
        Err(e) => Value::String(format!("{e}")),
    };
    let mut mismatches = Vec::new();
    for (s, want) in inputs.iter().zip(want.as_array().expect("a list")) {
        let got = json!({
            "kept": result(split(s, Comments::Kept)),
            "stripped": result(split(s, Comments::Stripped)),
            "quote": quote(s),
        });
        if &got != want {
            mismatches.push(format!("{s:?}:\n  cpython {want}\n  drover  {got}"));
        }
    }
    python::assert_all_equal("shlex", &mismatches, inputs.len());
}
