//! `repr()` of floats, strings and data against CPython.

use crate::inputs::Gen;
use crate::json::{interesting_float, value};
use crate::python;
use drover_python::repr::{float_repr, repr, str_repr};
use serde_json::{Value, json};

#[test]
fn float_repr_matches_cpython() {
    let mut g = Gen::new(0x4e_0001);
    let mut floats: Vec<f64> = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0];
    floats.extend((0..2000).map(|_| interesting_float(&mut g)));
    let bits: Vec<String> = floats.iter().map(|f| f.to_bits().to_string()).collect();
    let want = python::run(
        r#"
import json, struct, sys
fs = [struct.unpack("<d", struct.pack("<Q", int(b)))[0] for b in json.load(sys.stdin)]
json.dump([repr(f) for f in fs], sys.stdout)
"#,
        &json!(bits),
    );
    let got: Vec<String> = floats.iter().map(|f| float_repr(*f)).collect();
    let mismatches: Vec<String> = floats
        .iter()
        .zip(got.iter().zip(want.as_array().expect("a list")))
        .filter(|(_, (got, want))| want.as_str() != Some(got.as_str()))
        .map(|(f, (got, want))| format!("{:e}: cpython {want}, drover {got}", f))
        .collect();
    python::assert_all_equal("repr(float)", &mismatches, floats.len());
}

#[test]
fn str_and_data_repr_match_cpython() {
    let mut g = Gen::new(0x4e_0002);
    let strings: Vec<String> = (0..1500).map(|_| g.text(16)).collect();
    let values: Vec<Value> = (0..500).map(|_| value(&mut g, 0)).collect();
    let want = python::run(
        r#"
import json, sys
c = json.load(sys.stdin)
json.dump({"strings": [repr(s) for s in c["strings"]],
           "values": [repr(v) for v in c["values"]]}, sys.stdout)
"#,
        &json!({"strings": strings, "values": values}),
    );
    let mut mismatches = Vec::new();
    for (s, want) in strings
        .iter()
        .zip(want["strings"].as_array().expect("a list"))
    {
        let got = str_repr(s);
        if want.as_str() != Some(got.as_str()) {
            mismatches.push(format!("{s:?}: cpython {want}, drover {got:?}"));
        }
    }
    for (v, want) in values
        .iter()
        .zip(want["values"].as_array().expect("a list"))
    {
        let got = repr(v);
        if want.as_str() != Some(got.as_str()) {
            mismatches.push(format!("{v}: cpython {want}, drover {got:?}"));
        }
    }
    python::assert_all_equal("repr", &mismatches, strings.len() + values.len());
}
