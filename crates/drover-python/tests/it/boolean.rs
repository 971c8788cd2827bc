//! Python's `bool()` and type names against CPython; Ansible's boolean spellings against a
//! transcription of ansible-core's `boolean()` (module_utils/parsing/convert_bool.py) and of the
//! `bool` filter, run by CPython (its `str.lower`/`str.strip` on any text).

use crate::inputs::Gen;
use crate::json::value;
use crate::python;
use drover_python::boolean::{filter_text, parse, python_bool, python_type};
use serde_json::{Value, json};

#[test]
fn truth_matches_cpython() {
    let mut g = Gen::new(0xb0_0001);
    let values: Vec<Value> = (0..1000).map(|_| value(&mut g, 2)).collect();
    let words = [
        "y",
        "Y",
        "yes",
        "\x1fyes\x1c",
        "\u{a0}off\u{3000}",
        "\u{200b}on",
        " YES ",
        "on",
        "On",
        "1",
        "true",
        "True",
        "t",
        "n",
        "no",
        "NO",
        "off",
        "0",
        "false",
        "f",
        "F",
        "",
        " ",
        "2",
        "1.0",
        "0.0",
        "yes!",
        "oui",
        "tRuE",
        "\tno\n",
        "ｙｅｓ",
    ];
    let mut texts: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    texts.extend((0..500).map(|_| g.text(4)));
    let want = python::run(
        r#"
import json, sys
BOOLEANS_TRUE = frozenset(('y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True))
BOOLEANS_FALSE = frozenset(('n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False))
def boolean(value):
    normalized = value.lower().strip()
    if normalized in BOOLEANS_TRUE:
        return True
    if normalized in BOOLEANS_FALSE:
        return False
    return None
def bool_filter(value):
    return value.lower() in ('yes', 'on', '1', 'true', 1)
c = json.load(sys.stdin)
json.dump({
    "bool": [bool(v) for v in c["values"]],
    "type": [type(v).__name__ for v in c["values"]],
    "boolean": [boolean(t) for t in c["texts"]],
    "filter": [bool_filter(t) for t in c["texts"]],
}, sys.stdout)
"#,
        &json!({"values": values, "texts": texts}),
    );
    let got = json!({
        "bool": values.iter().map(python_bool).collect::<Vec<_>>(),
        "type": values.iter().map(python_type).collect::<Vec<_>>(),
        "boolean": texts.iter().map(|t| parse(t)).collect::<Vec<_>>(),
        "filter": texts.iter().map(|t| filter_text(t)).collect::<Vec<_>>(),
    });
    for key in ["bool", "type", "boolean", "filter"] {
        assert_eq!(got[key], want[key], "{key}");
    }
}
