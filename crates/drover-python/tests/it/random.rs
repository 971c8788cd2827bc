//! `random.Random` against CPython: the same draws for int, float, str and bytes seeds.

use crate::inputs::Gen;
use crate::python;
use drover_python::random::{Random, Seed};
use serde_json::{Value, json};

fn result(r: Result<i64, drover_python::random::RandomError>) -> Value {
    match r {
        Ok(n) => json!({"Ok": n}),
        Err(e) => json!({"Err": e.to_string()}),
    }
}

/// Draws a script of operations on one generator; Python runs the same script.
fn draws(r: &mut Random) -> Value {
    let mut out = Vec::new();
    for _ in 0..3 {
        out.push(json!(r.random().to_bits().to_string()));
    }
    for k in [1, 7, 31, 32, 33, 63, 64, 100] {
        out.push(json!(r.getrandbits(k).to_string()));
    }
    for (start, stop, step) in [
        (0, 10, 1),
        (0, 1, 1),
        (-5, 5, 2),
        (10, -10, -3),
        (0, 1 << 40, 7),
    ] {
        out.push(result(r.randrange(start, stop, step)));
    }
    out.push(result(r.randint(1, 6)));
    out.push(match r.randrange(5, 5, 1) {
        Ok(n) => json!({"Ok": n}),
        Err(_) => json!({"Err": "error"}),
    });
    let items: Vec<u32> = (0..7).collect();
    out.push(json!(r.choice(&items).ok()));
    for n in [0, 1, 2, 5, 20, 100] {
        let mut v: Vec<u32> = (0..n).collect();
        r.shuffle(&mut v);
        out.push(json!(v));
    }
    Value::Array(out)
}

const SCRIPT: &str = r#"
import json, random, struct, sys
def draws(r):
    out = [str(struct.unpack("<Q", struct.pack("<d", r.random()))[0]) for _ in range(3)]
    out += [str(r.getrandbits(k)) for k in [1, 7, 31, 32, 33, 63, 64, 100]]
    for (a, b, s) in [(0, 10, 1), (0, 1, 1), (-5, 5, 2), (10, -10, -3), (0, 1 << 40, 7)]:
        out.append({"Ok": r.randrange(a, b, s)})
    out.append({"Ok": r.randint(1, 6)})
    try:
        out.append({"Ok": r.randrange(5, 5, 1)})
    except ValueError:
        out.append({"Err": "error"})
    out.append(r.choice(list(range(7))))
    for n in [0, 1, 2, 5, 20, 100]:
        v = list(range(n))
        r.shuffle(v)
        out.append(v)
    return out
out = []
for s in json.load(sys.stdin):
    if s["kind"] == "int":
        seed = int(s["value"])
    elif s["kind"] == "float":
        seed = struct.unpack("<d", struct.pack("<Q", int(s["value"])))[0]
    elif s["kind"] == "bytes":
        seed = bytes(s["value"])
    else:
        seed = s["value"]
    out.append(draws(random.Random(seed)))
json.dump(out, sys.stdout)
"#;

enum OwnedSeed {
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
}

#[test]
fn seeded_draws_match_cpython() {
    let mut g = Gen::new(0x7a_0001);
    let mut seeds: Vec<OwnedSeed> = [
        0i128,
        1,
        -1,
        42,
        1 << 32,
        (1 << 64) - 1,
        -(1 << 63),
        1 << 100,
    ]
    .into_iter()
    .map(OwnedSeed::Int)
    .collect();
    seeds.extend(
        [
            0.0,
            -0.0,
            1.5,
            -2.25,
            1e300,
            5e-324,
            0.1,
            f64::INFINITY,
            12345.678,
        ]
        .into_iter()
        .map(OwnedSeed::Float),
    );
    seeds.extend(
        ["", "a", "web01", "é中😀"]
            .into_iter()
            .map(|s| OwnedSeed::Str(s.into())),
    );
    seeds.push(OwnedSeed::Bytes(vec![0, 255, 1]));
    for _ in 0..150 {
        seeds.push(match g.below(3) {
            0 => OwnedSeed::Int(i128::from(g.next() as i64)),
            1 => OwnedSeed::Float(crate::json::interesting_float(&mut g)),
            _ => OwnedSeed::Str(g.text(12)),
        });
    }
    let input: Vec<Value> = seeds
        .iter()
        .map(|s| match s {
            OwnedSeed::Int(i) => json!({"kind": "int", "value": i.to_string()}),
            OwnedSeed::Float(f) => json!({"kind": "float", "value": f.to_bits().to_string()}),
            OwnedSeed::Str(s) => json!({"kind": "str", "value": s}),
            OwnedSeed::Bytes(b) => json!({"kind": "bytes", "value": b}),
        })
        .collect();
    let want = python::run(SCRIPT, &Value::Array(input));
    let mut mismatches = Vec::new();
    for (s, want) in seeds.iter().zip(want.as_array().expect("a list")) {
        let seed = match s {
            OwnedSeed::Int(i) => Seed::Int(*i),
            OwnedSeed::Float(f) => Seed::Float(*f),
            OwnedSeed::Str(s) => Seed::Str(s),
            OwnedSeed::Bytes(b) => Seed::Bytes(b),
        };
        let got = draws(&mut Random::new(seed));
        if &got != want {
            mismatches.push(format!("{seed:?}:\n  cpython {want}\n  drover  {got}"));
        }
    }
    python::assert_all_equal("random", &mismatches, seeds.len());
}
