//! The `hardware` subset on Linux: memory (`/proc/meminfo`), processors (`/proc/cpuinfo`,
//! `nproc`), uptime, mounts (`/proc/mounts` with `stat -f` for sizes), DMI; and `loadavg`.
//! Block devices (`devices`, `device_links`) and LVM are not gathered yet.

use super::script::DMI;
use super::sections::Sections;
use drover_types::{Map, Value};
use serde_json::json;
use std::collections::HashMap;

/// Every hardware fact drover gathers.
pub(super) fn hardware(s: &Sections, facts: &mut Map) {
    memory(s, facts);
    cpu(s, facts);
    if let Some(up) = s
        .first("uptime")
        .and_then(|l| l.split_whitespace().next())
        .and_then(|t| t.parse::<f64>().ok())
    {
        facts.insert("uptime_seconds".into(), (up as i64).into());
    }
    mounts(s, facts);
    dmi(s, facts);
}

fn memory(s: &Sections, facts: &mut Map) {
    let mut stats: HashMap<&str, i64> = HashMap::new();
    for line in s.lines("meminfo") {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let Some(kb) = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<i64>().ok())
        else {
            continue;
        };
        let mb = kb / 1024;
        match key {
            "MemTotal" | "SwapTotal" | "MemFree" | "SwapFree" => {
                facts.insert(format!("{}_mb", key.to_lowercase()), mb.into());
            }
            _ => {}
        }
        if let k @ ("MemTotal" | "SwapTotal" | "MemFree" | "SwapFree" | "Buffers" | "Cached"
        | "SwapCached") = key
        {
            stats.insert(k, mb);
        }
    }
    let get = |k: &str| stats.get(k).copied();
    let opt = |v: Option<i64>| v.map_or(Value::Null, Value::from);
    let nocache_free = match (get("Cached"), get("MemFree"), get("Buffers")) {
        (Some(c), Some(f), Some(b)) => Some(c + f + b),
        _ => None,
    };
    let sub = |a: Option<i64>, b: Option<i64>| Some(a? - b?);
    facts.insert(
        "memory_mb".into(),
        json!({
            "nocache": {
                "free": opt(nocache_free),
                "used": opt(sub(get("MemTotal"), nocache_free)),
            },
            "real": {
                "free": opt(get("MemFree")),
                "total": opt(get("MemTotal")),
                "used": opt(sub(get("MemTotal"), get("MemFree"))),
            },
            "swap": {
                "cached": opt(get("SwapCached")),
                "free": opt(get("SwapFree")),
                "total": opt(get("SwapTotal")),
                "used": opt(sub(get("SwapTotal"), get("SwapFree"))),
            },
        }),
    );
}

/// `processor*` and `flags`, counted as ansible-core counts them (sockets by `physical id`,
/// cores from `cpu cores`, threads from `siblings`).
fn cpu(s: &Sections, facts: &mut Map) {
    let text = s.get("cpuinfo");
    if text.is_empty() {
        return;
    }
    let mut processor: Vec<Value> = Vec::new();
    let (mut vendor_ids, mut model_names, mut processors, mut i) = (0, 0, 0, 0);
    let mut sockets: Vec<(String, i64)> = Vec::new();
    let mut cores: Vec<(String, i64)> = Vec::new();
    let (mut physid, mut coreid) = ("0".to_owned(), "0".to_owned());
    let set = |list: &mut Vec<(String, i64)>, key: &str, value: i64, only_new: bool| match list
        .iter_mut()
        .find(|(k, _)| k == key)
    {
        Some(entry) if !only_new => entry.1 = value,
        Some(_) => {}
        None => list.push((key.to_owned(), value)),
    };
    for line in text.lines() {
        let (key, val) = match line.split_once(':') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (line.trim(), ""),
        };
        match key {
            "flags" => {
                let flags: Vec<Value> = val.split_whitespace().map(Value::from).collect();
                facts.insert("flags".into(), Value::Array(flags));
            }
            "model name" | "Processor" | "vendor_id" | "cpu" | "Vendor" | "processor" => {
                processor.push(val.into());
                match key {
                    "vendor_id" => vendor_ids += 1,
                    "model name" => model_names += 1,
                    "processor" => processors += 1,
                    _ => {}
                }
                i += 1;
            }
            "physical id" => {
                physid = val.to_owned();
                set(&mut sockets, &physid, 1, true);
            }
            "core id" => {
                coreid = val.to_owned();
                if !sockets.iter().any(|(k, _)| *k == coreid) {
                    set(&mut cores, &coreid, 1, true);
                }
            }
            "cpu cores" => {
                if let Ok(n) = val.parse() {
                    set(&mut sockets, &physid, n, false);
                }
            }
            "siblings" => {
                if let Ok(n) = val.parse() {
                    set(&mut cores, &coreid, n, false);
                }
            }
            _ => {}
        }
    }
    if vendor_ids > 0 && vendor_ids == model_names {
        i = vendor_ids;
    }
    let arch = facts
        .get("architecture")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if ["armv", "aarch", "ppc"].iter().any(|p| arch.starts_with(p)) {
        i = processors;
    }
    let count = if sockets.is_empty() {
        i
    } else {
        sockets.len() as i64
    };
    let per_socket = sockets.first().map_or(0, |s| s.1);
    let cores_n = if per_socket > 0 { per_socket } else { 1 };
    let threads = match cores.first() {
        Some((_, siblings)) => (*siblings as f64 / cores_n as f64).round() as i64,
        None => (1.0 / cores_n as f64).round() as i64,
    };
    facts.insert("processor".into(), Value::Array(processor));
    facts.insert("processor_count".into(), count.into());
    facts.insert("processor_cores".into(), cores_n.into());
    facts.insert("processor_threads_per_core".into(), threads.into());
    facts.insert("processor_vcpus".into(), (threads * count * cores_n).into());
    let nproc = s
        .first("nproc")
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(processors);
    facts.insert("processor_nproc".into(), nproc.into());
}

/// Undoes the octal escapes of `/proc/mounts` (`\040` for a space).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let n = (bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0');
            out.push(n);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mounts(s: &Sections, facts: &mut Map) {
    let mut sizes: HashMap<&str, Vec<i64>> = HashMap::new();
    for line in s.lines("statfs") {
        let words: Vec<&str> = line.splitn(8, ' ').collect();
        if words.len() == 8
            && let Ok(n) = words[..7]
                .iter()
                .map(|w| w.parse::<i64>())
                .collect::<Result<Vec<_>, _>>()
        {
            sizes.insert(words[7], n);
        }
    }
    // `ls -l /dev/disk/by-uuid`: `... <uuid> -> ../../vda1`.
    let uuids: HashMap<String, String> = s
        .lines("uuids")
        .filter_map(|l| l.split_once(" -> "))
        .filter_map(|(left, target)| {
            let uuid = left.split_whitespace().last()?;
            let name = target.trim().rsplit('/').next()?;
            Some((format!("/dev/{name}"), uuid.to_owned()))
        })
        .collect();
    let mut mounts = Vec::new();
    for line in s.lines("mounts") {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 6 {
            continue;
        }
        let device = unescape(fields[0]);
        if (!device.starts_with(['/', '\\']) && !device.contains(":/")) || fields[2] == "none" {
            continue;
        }
        let (Ok(dump), Ok(passno)) = (fields[4].parse::<i64>(), fields[5].parse::<i64>()) else {
            continue;
        };
        let mut m = Map::new();
        m.insert("device".into(), device.clone().into());
        m.insert("dump".into(), dump.into());
        m.insert("fstype".into(), unescape(fields[2]).into());
        m.insert("mount".into(), unescape(fields[1]).into());
        m.insert("options".into(), unescape(fields[3]).into());
        m.insert("passno".into(), passno.into());
        if let Some([frsize, bsize, blocks, _bfree, bavail, files, ffree]) = sizes
            .get(fields[1])
            .map(|n| [n[0], n[1], n[2], n[3], n[4], n[5], n[6]])
        {
            m.insert("block_available".into(), bavail.into());
            m.insert("block_size".into(), bsize.into());
            m.insert("block_total".into(), blocks.into());
            m.insert("block_used".into(), (blocks - bavail).into());
            m.insert("inode_available".into(), ffree.into());
            m.insert("inode_total".into(), files.into());
            m.insert("inode_used".into(), (files - ffree).into());
            m.insert("size_available".into(), (frsize * bavail).into());
            m.insert("size_total".into(), (frsize * blocks).into());
        }
        let uuid = uuids.get(&device).cloned().unwrap_or_else(|| "N/A".into());
        m.insert("uuid".into(), uuid.into());
        mounts.push(Value::Object(m));
    }
    facts.insert("mounts".into(), Value::Array(mounts));
}

/// SMBIOS chassis types, by number, as ansible-core names them.
const FORM_FACTOR: &[&str] = &[
    "Unknown",
    "Other",
    "Unknown",
    "Desktop",
    "Low Profile Desktop",
    "Pizza Box",
    "Mini Tower",
    "Tower",
    "Portable",
    "Laptop",
    "Notebook",
    "Hand Held",
    "Docking Station",
    "All In One",
    "Sub Notebook",
    "Space-saving",
    "Lunch Box",
    "Main System Chassis",
    "Expansion Chassis",
    "Sub Chassis",
    "Bus Expansion Chassis",
    "Peripheral Chassis",
    "RAID Chassis",
    "Rack Mount Chassis",
    "Sealed-case PC",
    "Multi-system",
    "CompactPCI",
    "AdvancedTCA",
    "Blade",
    "Blade Enclosure",
    "Tablet",
    "Convertible",
    "Detachable",
    "IoT Gateway",
    "Embedded PC",
    "Mini PC",
    "Stick PC",
];

fn dmi(s: &Sections, facts: &mut Map) {
    let pairs = s.pairs("dmi");
    let get = |k: &str| {
        pairs
            .get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or("NA")
            .to_owned()
    };
    for name in DMI {
        match *name {
            "chassis_type" | "product_family" => {}
            "sys_vendor" => {
                facts.insert("system_vendor".into(), get(name).into());
            }
            other => {
                facts.insert(other.into(), get(other).into());
            }
        }
    }
    let form = match pairs.get("chassis_type") {
        None => "NA".to_owned(),
        Some(t) => t
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| FORM_FACTOR.get(n))
            .map_or("unknown", |f| f)
            .to_owned(),
    };
    facts.insert("form_factor".into(), form.into());
}

/// `loadavg`, from `/proc/loadavg`.
pub(super) fn loadavg(s: &Sections, facts: &mut Map) {
    let Some(line) = s.first("loadavg") else {
        return;
    };
    let v: Vec<f64> = line
        .split_whitespace()
        .take(3)
        .filter_map(|t| t.parse().ok())
        .collect();
    if let [one, five, fifteen] = v[..] {
        facts.insert(
            "loadavg".into(),
            json!({ "15m": fifteen, "1m": one, "5m": five }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn octal_escapes() {
        assert_eq!(unescape("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape("/x\\"), "/x\\");
    }
}
