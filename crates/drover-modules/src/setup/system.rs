//! Facts of the `min` subset that are not about the distribution: platform (`uname`, names,
//! architecture), the user, the environment, date and time, DNS, the kernel command line,
//! SELinux, capabilities, SSH host keys, the service and package managers and Python.

use super::sections::Sections;
use drover_types::{Map, Value};
use serde_json::json;

/// `system`, `kernel`, `kernel_version`, `machine`, `nodename`, `hostname`, `fqdn`, `domain`,
/// `architecture`, `userspace_*`, `machine_id`; the `uname` section is required even when the
/// platform facts are not wanted (`emit`), since it proves the script ran.
pub(super) fn platform(s: &Sections, facts: &mut Map, emit: bool) -> Result<(), String> {
    let uname: Vec<&str> = s.get("uname").lines().collect();
    let from_proc = [
        s.first("ostype"),
        s.first("osrelease"),
        s.get("kversion").lines().next(),
    ];
    let (system, kernel, kernel_version, machine, nodename) = match (&uname[..], from_proc) {
        ([machine], [Some(system), Some(kernel), Some(version)]) => (
            system,
            kernel,
            version,
            *machine,
            s.first("khostname").unwrap_or_default(),
        ),
        ([system, kernel, version, machine, nodename], _) => {
            (*system, *kernel, *version, *machine, *nodename)
        }
        _ => return Err("`uname` gave an unexpected answer".into()),
    };
    if !emit {
        return Ok(());
    }
    let mut put = |k: &str, v: Value| {
        facts.insert(k.to_owned(), v);
    };
    put("system", system.into());
    put("kernel", kernel.into());
    put("kernel_version", kernel_version.into());
    put("machine", machine.into());
    // Python's `socket.getfqdn()`: the first dotted name of the host's address, else its
    // canonical name, else the node name.
    let names: Vec<&str> = s
        .first("fqdn")
        .map(|l| l.split_whitespace().skip(1).collect())
        .unwrap_or_default();
    let fqdn = names
        .iter()
        .find(|n| n.contains('.'))
        .or(names.first())
        .copied()
        .unwrap_or(nodename);
    put("fqdn", fqdn.into());
    put(
        "hostname",
        nodename.split('.').next().unwrap_or_default().into(),
    );
    put("nodename", nodename.into());
    put("domain", fqdn.split_once('.').map_or("", |(_, d)| d).into());
    let bits = s.first("userspace").unwrap_or("64");
    put("userspace_bits", bits.into());
    let i86 = machine.len() == 4
        && machine.starts_with('i')
        && machine.ends_with("86")
        && matches!(machine.as_bytes()[1], b'3'..=b'6');
    if machine == "x86_64" || i86 {
        put("architecture", if i86 { "i386" } else { machine }.into());
        match bits {
            "64" => put("userspace_architecture", "x86_64".into()),
            "32" => put("userspace_architecture", "i386".into()),
            _ => {}
        }
    } else {
        put("architecture", machine.into());
    }
    if let Some(id) = s.first("machine_id") {
        put("machine_id", id.into());
    }
    Ok(())
}

/// `user_*` and the real and effective ids.
pub(super) fn user(s: &Sections, facts: &mut Map) -> Result<(), String> {
    let lines: Vec<&str> = s.get("user").split('\n').collect();
    let bad = || "the user section is incomplete".to_owned();
    // `Uid:` and `Gid:` lines: real, then effective (`/proc/self/status`, or `id` without it).
    let status = if s.get("status").is_empty() {
        s.get("ids")
    } else {
        s.get("status")
    };
    let ids = |key: &str| -> Result<(i64, i64), String> {
        let line = status
            .lines()
            .find(|l| l.starts_with(key))
            .ok_or_else(bad)?;
        let n: Vec<i64> = line[key.len()..]
            .split_whitespace()
            .map(|w| w.parse::<i64>().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        match n[..] {
            [real, effective, ..] => Ok((real, effective)),
            _ => Err(bad()),
        }
    };
    let ((ruid, uid), (rgid, gid)) = (ids("Uid:")?, ids("Gid:")?);
    let name = lines.first().copied().ok_or_else(bad)?;
    let pw: Vec<&str> = lines.get(1).map_or(Vec::new(), |l| l.split(':').collect());
    let mut put = |k: &str, v: Value| {
        facts.insert(k.to_owned(), v);
    };
    let pw_name = pw.first().copied().unwrap_or_default();
    put(
        "user_id",
        if name.is_empty() { pw_name } else { name }.into(),
    );
    if pw.len() >= 7 {
        put(
            "user_uid",
            pw[2].parse::<i64>().map_or(Value::Null, Value::from),
        );
        put(
            "user_gid",
            pw[3].parse::<i64>().map_or(Value::Null, Value::from),
        );
        put("user_gecos", pw[4].into());
        put("user_dir", pw[5].into());
        put("user_shell", pw[6].into());
    }
    put("real_user_id", ruid.into());
    put("effective_user_id", uid.into());
    put("real_group_id", rgid.into());
    // ansible-core reports the real group id twice (`os.getgid()`).
    put("effective_group_id", rgid.into());
    let _ = gid;
    Ok(())
}

/// `env`: the environment the host's shell runs with.
pub(super) fn env(s: &Sections, facts: &mut Map) {
    let mut env = Map::new();
    for entry in s.get("env").split('\0') {
        if let Some((k, v)) = entry.split_once('=')
            && !k.is_empty()
        {
            env.insert(k.to_owned(), v.into());
        }
    }
    let mut sorted: Vec<_> = env.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    facts.insert("env".into(), Value::Object(sorted.into_iter().collect()));
}

/// `date_time`, from the host's clock and zone.
pub(super) fn date_time(s: &Sections, facts: &mut Map) -> Result<(), String> {
    let lines: Vec<&str> = s.lines("date").collect();
    let now: Vec<&str> = lines.first().map_or(Vec::new(), |l| l.split(' ').collect());
    let [
        y,
        mo,
        d,
        h,
        mi,
        sec,
        tz,
        off,
        weekday,
        wday,
        week,
        epoch,
        nanos,
    ] = now[..]
    else {
        return Err("`date` gave an unexpected line".into());
    };
    let epoch_n: i64 = epoch.parse().map_err(|_| "`date` gave no epoch")?;
    let micro = if nanos.len() >= 6 && nanos.bytes().all(|b| b.is_ascii_digit()) {
        nanos[..6].to_owned()
    } else {
        "000000".to_owned()
    };
    let utc = jiff::Timestamp::from_second(epoch_n).map_err(|e| e.to_string())?;
    let iso = utc.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    // Python's `time.tzname[1]`: the zone's daylight name, its standard one when it has none.
    let zone = |i: usize| {
        lines.get(i).and_then(|l| {
            let (name, offset) = l.split_once(' ')?;
            Some((name.to_owned(), offset.trim().parse::<i32>().ok()?))
        })
    };
    let tz_dst = match (zone(1), zone(2)) {
        (Some(a), Some(b)) if a.1 != b.1 => {
            if a.1 > b.1 {
                a.0
            } else {
                b.0
            }
        }
        (Some(a), _) => a.0,
        _ => tz.to_owned(),
    };
    facts.insert(
        "date_time".into(),
        json!({
            "date": format!("{y}-{mo}-{d}"),
            "day": d,
            "epoch": epoch,
            "epoch_int": epoch_n.to_string(),
            "hour": h,
            "iso8601": format!("{iso}Z"),
            "iso8601_basic": format!("{y}{mo}{d}T{h}{mi}{sec}{micro}"),
            "iso8601_basic_short": format!("{y}{mo}{d}T{h}{mi}{sec}"),
            "iso8601_micro": format!("{iso}.{micro}Z"),
            "minute": mi,
            "month": mo,
            "second": sec,
            "time": format!("{h}:{mi}:{sec}"),
            "tz": tz,
            "tz_dst": tz_dst,
            "tz_offset": off,
            "weekday": weekday,
            "weekday_number": wday,
            "weeknumber": week,
            "year": y,
        }),
    );
    Ok(())
}

/// `dns`, from `/etc/resolv.conf`.
pub(super) fn dns(s: &Sections, facts: &mut Map) {
    let mut dns = Map::new();
    for line in s.get("dns").lines() {
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some((first, rest)) = tokens.split_first() else {
            continue;
        };
        let list =
            |items: &[&str]| Value::from(items.iter().map(|t| t.to_string()).collect::<Vec<_>>());
        match *first {
            "nameserver" => {
                let entry = dns
                    .entry("nameservers")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.extend(rest.iter().map(|t| Value::from(*t)));
                }
            }
            "domain" if !rest.is_empty() => {
                dns.insert("domain".into(), rest[0].into());
            }
            "search" => {
                dns.insert("search".into(), list(rest));
            }
            "sortlist" => {
                dns.insert("sortlist".into(), list(rest));
            }
            "options" => {
                let mut options = Map::new();
                for option in rest {
                    match option.split_once(':') {
                        Some((k, v)) if !v.is_empty() => options.insert(k.into(), v.into()),
                        Some((k, _)) => options.insert(k.into(), true.into()),
                        None => options.insert((*option).into(), true.into()),
                    };
                }
                dns.insert("options".into(), Value::Object(options));
            }
            _ => {}
        }
    }
    facts.insert("dns".into(), Value::Object(dns));
}

/// `cmdline` (the last of a repeated key wins) and `proc_cmdline` (repeats become a list).
pub(super) fn cmdline(s: &Sections, facts: &mut Map) {
    let Some(line) = s.first("cmdline") else {
        return;
    };
    let mut last = Map::new();
    let mut all = Map::new();
    for piece in line.split_whitespace() {
        match piece.split_once('=') {
            None => {
                last.insert(piece.into(), true.into());
                all.insert(piece.into(), true.into());
            }
            Some((k, v)) => {
                last.insert(k.into(), v.into());
                match all.get_mut(k) {
                    Some(Value::Array(items)) => items.push(v.into()),
                    Some(existing) => {
                        let first = existing.clone();
                        *existing = Value::Array(vec![first, v.into()]);
                    }
                    None => {
                        all.insert(k.into(), v.into());
                    }
                }
            }
        }
    }
    let sorted = |m: Map| {
        let mut items: Vec<_> = m.into_iter().collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Object(items.into_iter().collect())
    };
    facts.insert("cmdline".into(), sorted(last));
    facts.insert("proc_cmdline".into(), sorted(all));
}

/// `selinux`, from `/sys/fs/selinux` and `/etc/selinux/config` (no Python library needed).
pub(super) fn selinux(s: &Sections, facts: &mut Map) {
    let pairs = s.pairs("selinux");
    let value = match pairs.get("enforce") {
        None => json!({ "status": "disabled" }),
        Some(enforce) => {
            let mut m = Map::new();
            m.insert("status".into(), "enabled".into());
            let mode = if enforce.trim() == "1" {
                "enforcing"
            } else {
                "permissive"
            };
            m.insert("mode".into(), mode.into());
            if let Some(v) = pairs
                .get("policyvers")
                .and_then(|v| v.trim().parse::<i64>().ok())
            {
                m.insert("policyvers".into(), v.into());
            }
            if let Some(v) = pairs.get("SELINUX") {
                m.insert("config_mode".into(), v.trim().into());
            }
            if let Some(v) = pairs.get("SELINUXTYPE") {
                m.insert("type".into(), v.trim().into());
            }
            Value::Object(m)
        }
    };
    facts.insert("selinux".into(), value);
    facts.insert("selinux_python_present".into(), true.into());
}

/// `system_capabilities` and `system_capabilities_enforced`, from `capsh --print`.
pub(super) fn caps(s: &Sections, facts: &mut Map) {
    if !s.has_bin("capsh") {
        return;
    }
    let mut enforced = "NA";
    let mut list: Vec<Value> = Vec::new();
    for line in s.lines("caps") {
        if let Some(rest) = line.strip_prefix("Current:") {
            if rest.trim() == "=ep" {
                enforced = "False";
            } else {
                enforced = "True";
                let caps = line.split('=').nth(1).unwrap_or_default();
                list = caps.split(',').map(|c| c.trim().into()).collect();
            }
        }
    }
    facts.insert("system_capabilities_enforced".into(), enforced.into());
    facts.insert("system_capabilities".into(), Value::Array(list));
}

/// `ssh_host_key_<type>_public` and `..._keytype`.
pub(super) fn ssh_keys(s: &Sections, facts: &mut Map) {
    for kind in ["dsa", "rsa", "ecdsa", "ed25519"] {
        let Some(line) = s.first(&format!("ssh_key_{kind}")) else {
            continue;
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [keytype, key, ..] = words[..] {
            facts.insert(format!("ssh_host_key_{kind}_public"), key.into());
            facts.insert(
                format!("ssh_host_key_{kind}_public_keytype"),
                keytype.into(),
            );
        }
    }
}

/// `service_mgr`: what PID 1 is, else what the file system says.
pub(super) fn service_mgr(s: &Sections, facts: &mut Map) {
    let init_link = s.first("sbin_init");
    let proc_1 = s
        .first("proc1")
        .or(init_link)
        .map(|p| p.rsplit('/').next().unwrap_or(p).trim().to_owned());
    let proc_1 = proc_1.filter(|p| !p.is_empty() && p != "init" && !p.ends_with("sh"));
    let systemctl = s.has_bin("systemctl");
    let name = match proc_1.as_deref() {
        Some("procd") => "openwrt_init".to_owned(),
        Some("runit-init") => "runit".to_owned(),
        Some("svscan") => "svc".to_owned(),
        Some("openrc-init") => "openrc".to_owned(),
        Some(other) => other.to_owned(),
        None if systemctl
            && [
                "/run/systemd/system/",
                "/dev/.run/systemd/",
                "/dev/.systemd/",
            ]
            .iter()
            .any(|p| s.exists(p)) =>
        {
            "systemd".into()
        }
        None if s.has_bin("initctl") && s.exists("/etc/init/") => "upstart".into(),
        None if s.exists("/sbin/openrc") => "openrc".into(),
        None if systemctl && init_link.is_some_and(|l| l.rsplit('/').next() == Some("systemd")) => {
            "systemd".into()
        }
        None if s.exists("/etc/init.d/") => "sysvinit".into(),
        None if s.exists("/etc/dinit.d/") => "dinit".into(),
        None => "service".into(),
    };
    facts.insert("service_mgr".into(), name.into());
}

/// `pkg_mgr`: the last of ansible-core's known package managers present on the host.
pub(super) fn pkg_mgr(s: &Sections, facts: &mut Map) {
    const KNOWN: &[(&str, &str)] = &[
        ("/usr/bin/rpm-ostree", "atomic_container"),
        ("/usr/bin/yum", "dnf"),
        ("/usr/bin/dnf-3", "dnf"),
        ("/usr/bin/dnf5", "dnf5"),
        ("/usr/bin/apt-get", "apt"),
        ("/usr/bin/zypper", "zypper"),
        ("/usr/sbin/urpmi", "urpmi"),
        ("/usr/bin/pacman", "pacman"),
        ("/bin/opkg", "opkg"),
        ("/sbin/apk", "apk"),
        ("/usr/bin/emerge", "portage"),
        ("/usr/bin/xbps-install", "xbps"),
        ("/usr/bin/swupd", "swupd"),
    ];
    let redhat = facts.get("os_family").and_then(Value::as_str) == Some("RedHat");
    let name = if redhat {
        if s.exists("/usr/bin/rpm-ostree") {
            "atomic_container"
        } else if s.exists("/usr/bin/dnf5") {
            "dnf5"
        } else if s.exists("/usr/bin/dnf") || s.exists("/usr/bin/dnf-3") || s.exists("/usr/bin/yum")
        {
            "dnf"
        } else {
            "unknown"
        }
    } else {
        KNOWN
            .iter()
            .rev()
            .find(|(path, _)| s.exists(path))
            .map_or("unknown", |(_, name)| name)
    };
    facts.insert("pkg_mgr".into(), name.into());
}

/// `python` and `python_version`, when the host has a Python (drover itself needs none).
pub(super) fn python(s: &Sections, facts: &mut Map) {
    let lines: Vec<&str> = s.lines("python").collect();
    let [executable, version, kind] = lines[..] else {
        return;
    };
    let parts: Vec<&str> = version.split_whitespace().collect();
    let [major, minor, micro, level, serial] = parts[..] else {
        return;
    };
    let (Ok(major), Ok(minor), Ok(micro), Ok(serial)) = (
        major.parse::<i64>(),
        minor.parse::<i64>(),
        micro.parse::<i64>(),
        serial.parse::<i64>(),
    ) else {
        return;
    };
    facts.insert(
        "python".into(),
        json!({
            "executable": executable,
            "has_sslcontext": true,
            "type": kind,
            "version": {
                "major": major, "micro": micro, "minor": minor,
                "releaselevel": level, "serial": serial,
            },
            "version_info": [major, minor, micro, level, serial],
        }),
    );
    facts.insert(
        "python_version".into(),
        format!("{major}.{minor}.{micro}").into(),
    );
}
