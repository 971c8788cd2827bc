//! Values written the way Python's `repr()` writes them, because ansible-playbook shows loop
//! items that way (`(item={'k': 1})`) and users compare output with Ansible's.

use drover_types::Value;

/// `repr()` of a value; a top-level string is written bare, as Ansible's item labels are.
pub(crate) fn label(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => drover_python::repr::repr(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_look_like_python() {
        assert_eq!(label(&json!("a")), "a");
        assert_eq!(
            label(&json!({"k": 1, "b": true, "n": null})),
            "{'k': 1, 'b': True, 'n': None}"
        );
        assert_eq!(label(&json!(["it's"])), "[\"it's\"]");
        assert_eq!(label(&json!(["a\u{1}", 1.0])), "['a\\x01', 1.0]");
    }
}
