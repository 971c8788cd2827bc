//! `json.dumps` against CPython on generated nested values and every option.

use crate::inputs::Gen;
use crate::python;
use drover_python::json::{Options, dumps, float};
use serde_json::{Map, Value, json};

/// Floats that print in every notation: integral ones near 1e16, subnormals, negative zero.
pub(crate) fn interesting_float(g: &mut Gen) -> f64 {
    match g.below(6) {
        0 => g.pick(&[
            0.0,
            -0.0,
            0.1 + 0.2,
            1e16,
            9_999_999_999_999_998.0,
            1e15 + 0.5,
            123_456_789_012_345.6,
            1e-4,
            9.999e-5,
            5e-324,
            2.225_073_858_507_201e-308,
            f64::MAX,
            f64::MIN_POSITIVE,
            1.0,
            -1.5,
            0.5,
            100.0,
            -1_015_839_459_813_240.2,
            1e23,
        ]),
        1 => (g.below(2_000_000) as f64 - 1e6) / 1000.0,
        2 => 10f64.powi(g.below(60) as i32 - 30) * (g.below(1000) as f64 + 1.0),
        3 => f64::from_bits(g.next() & 0x000f_ffff_ffff_ffff),
        _ => loop {
            let f = f64::from_bits(g.next());
            if f.is_finite() {
                break f;
            }
        },
    }
}

pub(crate) fn value(g: &mut Gen, depth: usize) -> Value {
    let roll = g.below(if depth > 3 { 6 } else { 9 });
    match roll {
        0 => Value::Null,
        1 => Value::Bool(g.chance(50)),
        2 => match g.below(3) {
            0 => json!(g.below(2000) as i64 - 1000),
            1 => json!(g.next() as i64),
            _ => json!(g.next()),
        },
        3 => json!(interesting_float(g)),
        4 | 5 => Value::String(g.text(10)),
        6 | 7 => Value::Array((0..g.below(4)).map(|_| value(g, depth + 1)).collect()),
        _ => {
            let mut m = Map::new();
            for _ in 0..g.below(4) {
                m.insert(g.text(6), value(g, depth + 1));
            }
            Value::Object(m)
        }
    }
}

#[test]
fn dumps_matches_cpython() {
    let mut g = Gen::new(0x15_0001);
    let mut cases = Vec::new();
    for _ in 0..800 {
        let v = value(&mut g, 0);
        let options = Options {
            ensure_ascii: g.chance(60),
            indent: if g.chance(40) {
                Some(g.pick(&[0, 1, 2, 4]))
            } else {
                None
            },
            separators: if g.chance(25) {
                let (a, b) = g.pick(&[(",", ":"), (", ", ": "), (";", "="), (",", ": ")]);
                Some((a.to_owned(), b.to_owned()))
            } else {
                None
            },
            sort_keys: g.chance(40),
        };
        cases.push((v, options));
    }
    let input: Vec<Value> = cases
        .iter()
        .map(|(v, o)| {
            json!({"value": v, "ensure_ascii": o.ensure_ascii, "indent": o.indent,
                   "separators": o.separators, "sort_keys": o.sort_keys})
        })
        .collect();
    let want = python::run(
        r#"
import json, sys
out = []
for c in json.load(sys.stdin):
    seps = tuple(c["separators"]) if c["separators"] else None
    out.append(json.dumps(c["value"], ensure_ascii=c["ensure_ascii"], indent=c["indent"],
                          separators=seps, sort_keys=c["sort_keys"]))
json.dump(out, sys.stdout)
"#,
        &Value::Array(input),
    );
    let mut mismatches = Vec::new();
    for ((v, o), want) in cases.iter().zip(want.as_array().expect("a list")) {
        let got = dumps(v, o);
        if want.as_str() != Some(got.as_str()) {
            mismatches.push(format!(
                "{v} with {o:?}:\n  cpython {want}\n  drover  {got:?}"
            ));
        }
    }
    python::assert_all_equal("json.dumps", &mismatches, cases.len());
}

#[test]
fn float_spellings_match_cpython() {
    let mut g = Gen::new(0x15_0002);
    let mut floats: Vec<f64> = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    floats.extend((0..1000).map(|_| interesting_float(&mut g)));
    let bits: Vec<String> = floats.iter().map(|f| f.to_bits().to_string()).collect();
    let want = python::run(
        r#"
import json, struct, sys
fs = [struct.unpack("<d", struct.pack("<Q", int(b)))[0] for b in json.load(sys.stdin)]
json.dump([json.dumps(f) for f in fs], sys.stdout)
"#,
        &json!(bits),
    );
    let mismatches: Vec<String> = floats
        .iter()
        .zip(want.as_array().expect("a list"))
        .filter(|(f, want)| want.as_str() != Some(float(**f).as_str()))
        .map(|(f, want)| format!("{f:e}: cpython {want}, drover {}", float(*f)))
        .collect();
    python::assert_all_equal("json floats", &mismatches, floats.len());
}
