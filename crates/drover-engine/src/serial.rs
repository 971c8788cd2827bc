//! `serial`: splitting a play's hosts into batches that run the whole play one after another. A
//! batch size is a number or a percentage of the play's hosts; a list gives successive sizes, the
//! last one repeating, as in Ansible.

use drover_types::Value;

/// The hosts of each batch, in order. `serial` is already templated.
pub(crate) fn batches(
    serial: Option<&Value>,
    hosts: &[String],
) -> Result<Vec<Vec<String>>, String> {
    let sizes: Vec<Value> = match serial {
        None | Some(Value::Null) => return Ok(vec![hosts.to_vec()]),
        Some(Value::Array(list)) if list.is_empty() => return Ok(vec![hosts.to_vec()]),
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
    };
    let sizes = sizes
        .iter()
        .map(|s| size(s, hosts.len()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    let mut rest = hosts;
    let mut index = 0;
    while !rest.is_empty() {
        let wanted = sizes[index.min(sizes.len() - 1)];
        let take = if wanted == 0 {
            rest.len()
        } else {
            wanted.min(rest.len())
        };
        out.push(rest[..take].to_vec());
        rest = &rest[take..];
        index += 1;
    }
    Ok(out)
}

fn size(value: &Value, total: usize) -> Result<usize, String> {
    let text = match value {
        Value::Number(n) => return n.as_u64().map(|n| n as usize).ok_or_else(|| bad(value)),
        Value::String(s) => s.trim().to_owned(),
        other => return Err(bad(other)),
    };
    if let Some(pct) = text.strip_suffix('%') {
        let pct: f64 = pct.trim().parse().map_err(|_| bad(value))?;
        // Ansible rounds a percentage down but never below one host.
        let n = ((total as f64) * pct / 100.0).floor() as usize;
        return Ok(n.max(1));
    }
    text.parse::<usize>().map_err(|_| bad(value))
}

fn bad(value: &Value) -> String {
    format!("`serial` must be a number, a percentage like `30%`, or a list of them; got {value}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hosts(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("h{i}")).collect()
    }

    fn sizes(serial: Value, n: usize) -> Vec<usize> {
        batches(Some(&serial), &hosts(n))
            .unwrap()
            .iter()
            .map(Vec::len)
            .collect()
    }

    #[test]
    fn numbers_percentages_and_lists() {
        assert_eq!(sizes(json!(2), 5), vec![2, 2, 1]);
        assert_eq!(sizes(json!("40%"), 5), vec![2, 2, 1]);
        assert_eq!(sizes(json!("10%"), 5), vec![1, 1, 1, 1, 1]);
        assert_eq!(sizes(json!([1, "50%", 3]), 10), vec![1, 5, 3, 1]);
        assert_eq!(sizes(json!(0), 3), vec![3]);
        assert!(batches(Some(&json!("lots")), &hosts(2)).is_err());
    }
}
