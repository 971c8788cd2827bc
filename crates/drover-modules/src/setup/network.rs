//! The `network` subset on Linux: interfaces from `/sys/class/net` and `ip addr`, the
//! default IPv4 and IPv6 routes from `ip route get`, every address, and the locally reachable
//! ones, read as ansible-core reads them. `interfaces` is sorted (ansible-core lists them in
//! directory order). Bonding details and `ethtool` features are not gathered yet.

use super::sections::Sections;
use drover_types::{Map, Value};
use serde_json::json;

/// Every network fact.
pub(super) fn network(s: &Sections, facts: &mut Map) {
    let mut default_v4 = route(s.first("route4"), "8.8.8.8");
    let mut default_v6 = route(s.first("route6"), "2404:6800:400a:800::1012");
    let mut interfaces: Vec<(String, Map)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in s.lines("net") {
        if let Some(name) = line.strip_prefix("iface ") {
            let mut m = Map::new();
            m.insert("device".into(), name.into());
            interfaces.push((name.to_owned(), m));
            current = Some(interfaces.len() - 1);
            continue;
        }
        let (Some(i), Some((key, value))) = (current, line.split_once('=')) else {
            continue;
        };
        let m = &mut interfaces[i].1;
        let value = value.trim();
        match key {
            "address" if !value.is_empty() && value != "00:00:00:00:00:00" => {
                m.insert("macaddress".into(), value.into());
            }
            "mtu" => {
                if let Ok(n) = value.parse::<i64>() {
                    m.insert("mtu".into(), n.into());
                }
            }
            "operstate" => {
                m.insert("active".into(), (value != "down").into());
            }
            "module" => {
                let base = value.rsplit('/').next().unwrap_or(value);
                m.insert("module".into(), base.into());
            }
            "type" => {
                let kind = match value {
                    "1" => "ether",
                    "32" => "infiniband",
                    "512" => "ppp",
                    "772" => "loopback",
                    "65534" => "tunnel",
                    _ => "unknown",
                };
                m.insert("type".into(), kind.into());
            }
            "bridge" => {
                m.insert("type".into(), "bridge".into());
                m.entry("interfaces")
                    .or_insert_with(|| Value::Array(Vec::new()));
            }
            "brif" => {
                if let Some(Value::Array(items)) = m.get_mut("interfaces") {
                    items.push(value.into());
                }
            }
            "bridge_id" => {
                m.insert("id".into(), value.into());
            }
            "stp_state" => {
                m.insert("stp".into(), (value == "1").into());
            }
            "device" => {
                let base = value.rsplit('/').next().unwrap_or(value);
                m.insert("pciid".into(), base.into());
            }
            "speed" => {
                if let Ok(n) = value.parse::<i64>() {
                    m.insert("speed".into(), n.into());
                }
            }
            "flags" => {
                if let Ok(n) = i64::from_str_radix(value.trim_start_matches("0x"), 16) {
                    m.insert("promisc".into(), (n & 0x100 != 0).into());
                }
            }
            _ => {}
        }
    }
    let mut all_v4: Vec<Value> = Vec::new();
    let mut all_v6: Vec<Value> = Vec::new();
    // One `ip addr show`: ansible-core asks for primary addresses, then secondary ones, per
    // device; the kernel lists a device's primaries first and marks the others `secondary`.
    {
        let mut device: Option<String> = None;
        for line in s.lines("ip_addr") {
            if !line.starts_with([' ', '\t']) {
                // `2: eth0@if5: <...>`: the device whose addresses follow.
                device = line
                    .split(": ")
                    .nth(1)
                    .map(|d| d.split('@').next().unwrap_or(d).to_owned());
                continue;
            }
            let Some(dev) = device.as_deref() else {
                continue;
            };
            let Some(idx) = interfaces.iter().position(|(n, _)| n == dev) else {
                continue;
            };
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.first().copied() {
                Some("inet") if words.len() > 1 => {
                    let secondary = words.contains(&"secondary");
                    let Some(entry) = ipv4_entry(&words) else {
                        continue;
                    };
                    let address = entry["address"].as_str().unwrap_or_default().to_owned();
                    let label = words.last().copied().unwrap_or(dev);
                    let m = &mut interfaces[idx].1;
                    if !secondary && !m.contains_key("ipv4") {
                        m.insert("ipv4".into(), entry.clone());
                    } else {
                        let list = m
                            .entry("ipv4_secondaries")
                            .or_insert_with(|| Value::Array(Vec::new()));
                        if let Value::Array(items) = list {
                            items.push(entry.clone());
                        }
                    }
                    if default_v4.get("address").and_then(Value::as_str) == Some(address.as_str()) {
                        for key in ["broadcast", "netmask", "network", "prefix"] {
                            default_v4.insert(key.into(), entry[key].clone());
                        }
                        fill_default(&mut default_v4, m);
                        default_v4.insert("alias".into(), label.into());
                    }
                    if !address.starts_with("127.") {
                        all_v4.push(address.into());
                    }
                }
                Some("inet6") if words.len() > 3 => {
                    let (address, prefix, scope) = if words[2] == "peer" && words.len() > 5 {
                        let prefix = words[3].split_once('/').map_or("", |(_, p)| p);
                        (words[1], prefix, words[5])
                    } else {
                        let Some((a, p)) = words[1].split_once('/') else {
                            continue;
                        };
                        (a, p, words[3])
                    };
                    let m = &mut interfaces[idx].1;
                    let list = m.entry("ipv6").or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = list {
                        items.push(json!({ "address": address, "prefix": prefix, "scope": scope }));
                    }
                    if default_v6.get("address").and_then(Value::as_str) == Some(address) {
                        default_v6.insert("prefix".into(), prefix.into());
                        default_v6.insert("scope".into(), scope.into());
                        fill_default(&mut default_v6, m);
                    }
                    if address != "::1" {
                        all_v6.push(address.into());
                    }
                }
                _ => {}
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    for (name, m) in interfaces {
        let name = name.replace(':', "_");
        names.push(name.clone());
        facts.insert(name, Value::Object(sorted(m)));
    }
    names.sort();
    facts.insert(
        "interfaces".into(),
        Value::Array(names.into_iter().map(Value::from).collect()),
    );
    facts.insert("default_ipv4".into(), Value::Object(sorted(default_v4)));
    facts.insert("default_ipv6".into(), Value::Object(sorted(default_v6)));
    facts.insert("all_ipv4_addresses".into(), Value::Array(all_v4));
    facts.insert("all_ipv6_addresses".into(), Value::Array(all_v6));
    let mut reachable_v4: Vec<Value> = Vec::new();
    let mut reachable_v6: Vec<Value> = Vec::new();
    for line in s.lines("local4").chain(s.lines("local6")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ["local", address, ..] = words[..] {
            let list = if address.contains(':') {
                &mut reachable_v6
            } else {
                &mut reachable_v4
            };
            if !list.iter().any(|v| v == address) {
                list.push(address.into());
            }
        }
    }
    facts.insert(
        "locally_reachable_ips".into(),
        json!({ "ipv4": reachable_v4, "ipv6": reachable_v6 }),
    );
}

/// The interface's MAC address, MTU and type, copied into a default route's facts.
fn fill_default(default: &mut Map, interface: &Map) {
    let mac = interface
        .get("macaddress")
        .cloned()
        .unwrap_or_else(|| "00:00:00:00:00:00".into());
    default.insert("macaddress".into(), mac);
    if let Some(mtu) = interface.get("mtu") {
        default.insert("mtu".into(), mtu.clone());
    }
    let kind = interface
        .get("type")
        .cloned()
        .unwrap_or_else(|| "unknown".into());
    default.insert("type".into(), kind);
}

/// `interface`, `address` and `gateway` from the first line of `ip route get <target>`.
fn route(line: Option<&str>, target: &str) -> Map {
    let mut m = Map::new();
    let Some(line) = line else {
        return m;
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.first() != Some(&target) {
        return m;
    }
    for pair in words.windows(2) {
        match pair[0] {
            "dev" => {
                m.insert("interface".into(), pair[1].into());
            }
            "src" => {
                m.insert("address".into(), pair[1].into());
            }
            "via" if pair[1] != target => {
                m.insert("gateway".into(), pair[1].into());
            }
            _ => {}
        }
    }
    m
}

/// An `inet` line's address, broadcast, netmask, network and prefix.
fn ipv4_entry(words: &[&str]) -> Option<Value> {
    let (address, prefix) = match words[1].split_once('/') {
        Some((a, p)) => (a, p),
        None => (words[1], "32"),
    };
    let broadcast = if words.len() > 3 && words[2] == "brd" {
        words[3]
    } else {
        ""
    };
    let ip: std::net::Ipv4Addr = address.parse().ok()?;
    let bits: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let netmask = std::net::Ipv4Addr::from(mask);
    let network = std::net::Ipv4Addr::from(u32::from(ip) & mask);
    Some(json!({
        "address": address,
        "broadcast": broadcast,
        "netmask": netmask.to_string(),
        "network": network.to_string(),
        "prefix": prefix,
    }))
}

fn sorted(m: Map) -> Map {
    let mut items: Vec<_> = m.into_iter().collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_addresses() {
        let r = route(
            Some("8.8.8.8 via 192.0.2.1 dev eth0 src 192.0.2.2 uid 0"),
            "8.8.8.8",
        );
        assert_eq!(r["gateway"], "192.0.2.1");
        assert_eq!(r["interface"], "eth0");
        assert_eq!(r["address"], "192.0.2.2");
        let e = ipv4_entry(&["inet", "10.1.2.3/20", "brd", "10.1.15.255"]).unwrap();
        assert_eq!(e["netmask"], "255.255.240.0");
        assert_eq!(e["network"], "10.1.0.0");
        assert_eq!(e["prefix"], "20");
    }
}
