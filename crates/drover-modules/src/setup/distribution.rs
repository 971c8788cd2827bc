//! `distribution*`, `os_family` and `lsb`, from `/etc/os-release`, `/etc/debian_version` and
//! `/etc/lsb-release`, named as ansible-core names them (its `distro`
//! based code). Debian and Ubuntu are checked against ansible-core; other distributions get
//! their name, version and family from `os-release` alone.

use super::sections::Sections;
use drover_types::{Map, Value};
use std::collections::HashMap;

/// `KEY=value` lines of an os-release or lsb-release file, quotes removed.
fn shell_vars(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

/// ansible-core's name for an os-release `ID`.
fn name_for(id: &str) -> String {
    match id {
        "debian" => "Debian".into(),
        "ubuntu" => "Ubuntu".into(),
        "centos" => "CentOS".into(),
        "rhel" => "RedHat".into(),
        "fedora" => "Fedora".into(),
        "rocky" => "Rocky".into(),
        "almalinux" => "AlmaLinux".into(),
        "amzn" => "Amazon".into(),
        "ol" => "OracleLinux".into(),
        "sles" => "SLES".into(),
        "opensuse-leap" => "openSUSE Leap".into(),
        "opensuse-tumbleweed" => "openSUSE Tumbleweed".into(),
        "alpine" => "Alpine".into(),
        "arch" => "Archlinux".into(),
        "linuxmint" => "Linux Mint".into(),
        "pop" => "Pop!_OS".into(),
        "kali" => "Kali".into(),
        "devuan" => "Devuan".into(),
        other => {
            let mut chars = other.chars();
            match chars.next() {
                Some(c) => c.to_uppercase().chain(chars).collect(),
                None => "NA".into(),
            }
        }
    }
}

/// ansible-core's `os_family` for a distribution name.
fn family(name: &str) -> &str {
    match name {
        "Debian" | "Ubuntu" | "Raspbian" | "Neon" | "KDE neon" | "Linux Mint" | "SteamOS"
        | "Devuan" | "Kali" | "Cumulus-linux" | "Pop!_OS" | "Parrot" | "Pardus GNU/Linux"
        | "Uos" | "Deepin" | "OSMC" => "Debian",
        "RedHat"
        | "Fedora"
        | "CentOS"
        | "Scientific"
        | "SLC"
        | "Ascendos"
        | "CloudLinux"
        | "PSBM"
        | "OracleLinux"
        | "OVS"
        | "OEL"
        | "Amazon"
        | "Virtuozzo"
        | "XenServer"
        | "Alibaba"
        | "EulerOS"
        | "openEuler"
        | "AlmaLinux"
        | "Rocky"
        | "TencentOS"
        | "EuroLinux"
        | "Kylin Linux Advanced Server" => "RedHat",
        "SLES"
        | "SLED"
        | "OpenSuSE"
        | "openSUSE Leap"
        | "openSUSE Tumbleweed"
        | "SuSE"
        | "SLES_SAP"
        | "SUSE_LINUX" => "Suse",
        "Archlinux" | "Antergos" | "Manjaro" => "Archlinux",
        "Alpine" => "Alpine",
        "Gentoo" | "Funtoo" => "Gentoo",
        other => other,
    }
}

/// `distribution`, its version parts and release, `os_family` and the `distribution_file_*`.
pub(super) fn distribution(s: &Sections, facts: &mut Map) {
    let os = shell_vars(s.get("os_release"));
    let system = s.get("uname").lines().next().unwrap_or_default().to_owned();
    let Some(id) = os.get("ID").filter(|id| !id.is_empty()) else {
        // No os-release: what ansible-core says of an unknown system.
        for key in [
            "distribution",
            "distribution_release",
            "distribution_version",
        ] {
            facts.insert(
                key.into(),
                Value::from(if key == "distribution" {
                    system.as_str()
                } else {
                    "NA"
                }),
            );
        }
        facts.insert("os_family".into(), system.clone().into());
        return;
    };
    let name = name_for(id);
    let debian_version = s.first("debian_version").unwrap_or_default();
    let numeric = |v: &str| {
        !v.is_empty()
            && v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let version = match name.as_str() {
        "Debian" if numeric(debian_version) => debian_version.to_owned(),
        _ => os.get("VERSION_ID").cloned().unwrap_or_default(),
    };
    let release = os
        .get("VERSION_CODENAME")
        .or_else(|| os.get("UBUNTU_CODENAME"))
        .cloned()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            let v = os.get("VERSION")?;
            let inner = v.split_once('(')?.1.split_once(')')?.0;
            Some(inner.split(',').next()?.trim().to_owned())
        })
        .unwrap_or_else(|| "NA".into());
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or_default().to_owned();
    let minor = parts.next().map(str::to_owned);
    let family = family(&name).to_owned();
    facts.insert("distribution".into(), name.clone().into());
    facts.insert("distribution_version".into(), version.clone().into());
    facts.insert(
        "distribution_major_version".into(),
        if major.is_empty() { "NA".into() } else { major }.into(),
    );
    if let Some(minor) = minor {
        facts.insert("distribution_minor_version".into(), minor.into());
    }
    facts.insert("distribution_release".into(), release.into());
    if family == "Debian" {
        facts.insert("distribution_file_parsed".into(), true.into());
        facts.insert("distribution_file_path".into(), "/etc/os-release".into());
        facts.insert("distribution_file_variety".into(), "Debian".into());
    }
    facts.insert("os_family".into(), family.into());
}

/// `lsb`: what `lsb_release -a` says when the host has it (its os-release fields), else
/// `/etc/lsb-release`, else empty.
pub(super) fn lsb(s: &Sections, facts: &mut Map) {
    let mut lsb = Map::new();
    let os = shell_vars(s.get("os_release"));
    if s.has_bin("lsb_release") && os.contains_key("NAME") {
        // What `lsb_release -a` prints on Debian and Ubuntu, from the same os-release fields.
        let name = os.get("NAME").and_then(|n| n.split_whitespace().next());
        for (key, value) in [
            ("id", name),
            ("description", os.get("PRETTY_NAME").map(String::as_str)),
            ("release", os.get("VERSION_ID").map(String::as_str)),
            ("codename", os.get("VERSION_CODENAME").map(String::as_str)),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                lsb.insert(key.into(), v.into());
            }
        }
    } else {
        let file = shell_vars(s.get("lsb_file"));
        for (key, name) in [
            ("DISTRIB_ID", "id"),
            ("DISTRIB_RELEASE", "release"),
            ("DISTRIB_DESCRIPTION", "description"),
            ("DISTRIB_CODENAME", "codename"),
        ] {
            if let Some(v) = file.get(key) {
                lsb.insert(name.into(), v.clone().into());
            }
        }
    }
    if let Some(release) = lsb.get("release").and_then(Value::as_str) {
        let major = release.split('.').next().unwrap_or_default().to_owned();
        lsb.insert("major_release".into(), major.into());
    }
    let mut sorted: Vec<_> = lsb.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    facts.insert("lsb".into(), Value::Object(sorted.into_iter().collect()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections(os_release: &str, debian_version: &str) -> Sections {
        let text = format!(
            "\nM uname\nLinux\n6\n#1\nx86_64\nh\n\nM os_release\n{os_release}\nM debian_version\n{debian_version}\nM end\n"
        );
        Sections::parse(text.as_bytes(), "M", &[]).unwrap()
    }

    #[test]
    fn debian_and_ubuntu() {
        let mut f = Map::new();
        distribution(
            &sections(
                "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
                "12.11",
            ),
            &mut f,
        );
        assert_eq!(f["distribution"], "Debian");
        assert_eq!(f["distribution_version"], "12.11");
        assert_eq!(f["distribution_major_version"], "12");
        assert_eq!(f["distribution_minor_version"], "11");
        assert_eq!(f["distribution_release"], "bookworm");
        assert_eq!(f["os_family"], "Debian");
        let mut f = Map::new();
        distribution(
            &sections(
                "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nUBUNTU_CODENAME=jammy\n",
                "bookworm/sid",
            ),
            &mut f,
        );
        assert_eq!(f["distribution"], "Ubuntu");
        assert_eq!(f["distribution_version"], "22.04");
        assert_eq!(f["distribution_release"], "jammy");
    }
}
