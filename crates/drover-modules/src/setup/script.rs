//! The one POSIX shell script that gathers facts: it reads files and runs a few standard
//! commands, and prints each result as a section headed by a random marker, so the host does
//! one round trip and needs no Python. Nothing is computed on the host; the parsers in the
//! sibling modules turn the sections into facts on the controller.

use super::Areas;
use drover_types::shell_quote;

/// Paths whose existence some area needs (init systems, containers, package managers...).
const PATHS: &[&str] = &[
    "/run/systemd/system/",
    "/dev/.run/systemd/",
    "/dev/.systemd/",
    "/etc/init/",
    "/sbin/openrc",
    "/etc/init.d/",
    "/etc/dinit.d/",
    "/sys/kernel/security/apparmor",
    "/.dockerenv",
    "/.dockerinit",
    "/proc/vz",
    "/proc/bc",
    "/proc/lve",
    "/proc/xen",
    "/dev/kvm",
    "/usr/bin/rpm-ostree",
    "/usr/bin/yum",
    "/usr/bin/dnf-3",
    "/usr/bin/dnf5",
    "/usr/bin/dnf",
    "/usr/bin/apt-get",
    "/usr/bin/zypper",
    "/usr/sbin/urpmi",
    "/usr/bin/pacman",
    "/bin/opkg",
    "/sbin/apk",
    "/usr/bin/emerge",
    "/usr/bin/xbps-install",
    "/usr/bin/swupd",
];

/// DMI files read for the hardware and virtual areas.
pub(crate) const DMI: &[&str] = &[
    "bios_date",
    "bios_vendor",
    "bios_version",
    "board_asset_tag",
    "board_name",
    "board_serial",
    "board_vendor",
    "board_version",
    "chassis_asset_tag",
    "chassis_serial",
    "chassis_vendor",
    "chassis_version",
    "chassis_type",
    "product_name",
    "product_serial",
    "product_uuid",
    "product_version",
    "product_family",
    "sys_vendor",
];

/// A gathering script and the files its one `grep` reads: each file's lines come back prefixed
/// with its path, and become the section named beside it (the first readable path of a name
/// wins), so reading twenty files costs one process.
pub(crate) struct Script {
    pub(crate) text: String,
    pub(crate) files: Vec<(&'static str, &'static str)>,
}

/// The script for `areas`, its sections headed by `marker`; `python` is the interpreter the
/// host's inventory names (`ansible_python_interpreter`), if any.
pub(crate) fn build(areas: &Areas, marker: &str, fact_path: &str, python: Option<&str>) -> Script {
    let mut files: Vec<(&'static str, &'static str)> = vec![
        ("ostype", "/proc/sys/kernel/ostype"),
        ("osrelease", "/proc/sys/kernel/osrelease"),
        ("kversion", "/proc/sys/kernel/version"),
        ("khostname", "/proc/sys/kernel/hostname"),
    ];
    let mut s = String::with_capacity(4096);
    s.push_str(&format!("M={}\n", shell_quote(marker)));
    s.push_str("s() { printf '\\n%s %s\\n' \"$M\" \"$1\"; }\n");
    // A file's first line, when it can be read: `name=value`.
    s.push_str(
        "r() { if [ -r \"$2\" ] && { IFS= read -r v < \"$2\" || [ -n \"$v\" ]; } 2>/dev/null; then printf '%s=%s\\n' \"$1\" \"$v\"; fi; v=; }\n",
    );
    // Linux gives all but the machine in /proc (read by the grep below).
    s.push_str(
        "s uname\nif [ -r /proc/sys/kernel/ostype ]; then uname -m; else uname -s; uname -r; uname -v; uname -m; uname -n; fi\n",
    );
    s.push_str("s paths\nfor p in");
    for p in PATHS {
        s.push(' ');
        s.push_str(p);
    }
    s.push_str("; do [ -e \"$p\" ] && printf '%s\\n' \"$p\"; done\n");
    s.push_str("s bins\nfor b in ip lsb_release systemctl initctl capsh nproc; do command -v \"$b\" >/dev/null 2>&1 && printf '%s\\n' \"$b\"; done\n");
    if areas.platform {
        s.push_str(
            "s fqdn\n{ read -r n < /proc/sys/kernel/hostname; } 2>/dev/null || n=$(uname -n)\n\
             getent ahosts \"$n\" 2>/dev/null | { read -r a _; [ -n \"$a\" ] && getent hosts \"$a\" 2>/dev/null; }\n\
             s userspace\ngetconf LONG_BIT 2>/dev/null\n",
        );
        files.push(("machine_id", "/var/lib/dbus/machine-id"));
        files.push(("machine_id", "/etc/machine-id"));
    }
    if areas.user {
        s.push_str(
            "s user\nu=${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}\nprintf '%s\\n' \"$u\"\n\
             if [ -n \"$u\" ] && getent passwd \"$u\" 2>/dev/null; then :; else getent passwd \"$(id -u)\" 2>/dev/null; fi\n\
             if [ ! -r /proc/self/status ]; then s ids; printf 'Uid:\\t%s\\t%s\\nGid:\\t%s\\t%s\\n' \"$(id -ru)\" \"$(id -u)\" \"$(id -rg)\" \"$(id -g)\"; fi\n",
        );
        files.push(("status", "/proc/self/status"));
    }
    if areas.distribution || areas.lsb {
        files.push(("os_release", "/etc/os-release"));
        files.push(("os_release", "/usr/lib/os-release"));
        files.push(("debian_version", "/etc/debian_version"));
    }
    if areas.lsb {
        // `lsb_release` itself is not run (a Python script on Debian and Ubuntu, the slowest
        // part of gathering): what it prints comes from os-release, which is read above.
        files.push(("lsb_file", "/etc/lsb-release"));
    }
    if areas.env {
        // The grep's own environment: the one it inherits from the shell.
        files.push(("env", "/proc/self/environ"));
    }
    if areas.date_time {
        // Now, then a winter and a summer date for the zone's standard and daylight names.
        s.push_str(
            "s date\nLC_ALL=C date '+%Y %m %d %H %M %S %Z %z %A %w %W %s %N'\n\
             printf '@946728000\\n@962409600\\n' | date -f - '+%Z %z' 2>/dev/null\n",
        );
    }
    if areas.dns {
        files.push(("dns", "/etc/resolv.conf"));
    }
    if areas.cmdline {
        files.push(("cmdline", "/proc/cmdline"));
    }
    if areas.fips {
        files.push(("fips", "/proc/sys/crypto/fips_enabled"));
    }
    if areas.selinux {
        s.push_str(
            "s selinux\nr enforce /sys/fs/selinux/enforce; r policyvers /sys/fs/selinux/policyvers\n\
             grep -E '^SELINUX(TYPE)?=' /etc/selinux/config 2>/dev/null\n",
        );
    }
    if areas.caps {
        s.push_str("s caps\ncommand -v capsh >/dev/null 2>&1 && capsh --print 2>/dev/null\n");
    }
    if areas.ssh_pub_keys {
        files.push(("ssh_key_dsa", "/etc/ssh/ssh_host_dsa_key.pub"));
        files.push(("ssh_key_rsa", "/etc/ssh/ssh_host_rsa_key.pub"));
        files.push(("ssh_key_ecdsa", "/etc/ssh/ssh_host_ecdsa_key.pub"));
        files.push(("ssh_key_ed25519", "/etc/ssh/ssh_host_ed25519_key.pub"));
    }
    if areas.service_mgr {
        s.push_str("s sbin_init\nreadlink /sbin/init 2>/dev/null\n");
        files.push(("proc1", "/proc/1/comm"));
    }
    if areas.python {
        let candidates = match python {
            Some(p) => shell_quote(p),
            None => "/usr/bin/python3 python3 /usr/bin/python python".to_owned(),
        };
        s.push_str(&format!(
            "s python\nfor p in {candidates}; do if command -v \"$p\" >/dev/null 2>&1; then \
             \"$p\" -I -S -c 'import sys; v = sys.version_info; print(sys.executable); print(v[0], v[1], v[2], v[3], v[4]); print(sys.implementation.name)' 2>/dev/null && break; fi; done\n"
        ));
    }
    if areas.local {
        s.push_str(&format!(
            "s local\nfor f in {}/*.fact; do [ -e \"$f\" ] || continue; \
             if [ -x \"$f\" ]; then o=$(\"$f\" 2>/dev/null; printf 'x%s' \"$?\"); c=${{o##*x}}; o=${{o%x*}}; \
             printf '%s\\n%s\\n' \"$M-fact x$c\" \"$f\"; printf '%s' \"$o\"; \
             else printf '%s\\n%s\\n' \"$M-fact r\" \"$f\"; cat \"$f\" 2>/dev/null; fi; printf '\\n'; done\n",
            shell_quote(fact_path)
        ));
    }
    if areas.hardware {
        s.push_str(
            "s nproc\nnproc 2>/dev/null\n\
             s statfs\nawk '$3 != \"none\" && ($1 ~ /^[\\/\\\\]/ || $1 ~ /:\\//) {print $2}' /proc/mounts 2>/dev/null | \
             while IFS= read -r m; do d=$(printf '%b' \"$m\"); f=$(stat -f -c '%S %s %b %f %a %c %d' \"$d\" 2>/dev/null) && printf '%s %s\\n' \"$f\" \"$m\"; done\n\
             s uuids\nls -l /dev/disk/by-uuid 2>/dev/null\n",
        );
        files.push(("meminfo", "/proc/meminfo"));
        files.push(("cpuinfo", "/proc/cpuinfo"));
        files.push(("uptime", "/proc/uptime"));
        files.push(("mounts", "/proc/mounts"));
    }
    if areas.loadavg {
        files.push(("loadavg", "/proc/loadavg"));
    }
    if areas.hardware || areas.virtual_ {
        s.push_str("s dmi\nfor f in");
        for f in DMI {
            s.push(' ');
            s.push_str(f);
        }
        s.push_str("; do r \"$f\" \"/sys/devices/virtual/dmi/id/$f\"; done\n");
    }
    if areas.virtual_ {
        files.push(("cgroup1", "/proc/1/cgroup"));
        files.push(("environ1", "/proc/1/environ"));
        files.push(("systemd_container", "/run/systemd/container"));
        files.push(("xen_caps", "/proc/xen/capabilities"));
        files.push(("cpu_models", "/proc/cpuinfo"));
        files.push(("modules", "/proc/modules"));
    }
    if areas.network {
        s.push_str(
            "s net\nfor d in /sys/class/net/*; do [ -d \"$d\" ] || continue; printf 'iface %s\\n' \"${d##*/}\"; \
             for f in address mtu operstate type flags speed; do r \"$f\" \"$d/$f\"; done; \
             [ -e \"$d/device\" ] && printf 'device=%s\\n' \"$(readlink \"$d/device\")\"; \
             [ -e \"$d/device/driver/module\" ] && printf 'module=%s\\n' \"$(readlink -f \"$d/device/driver/module\")\"; \
             if [ -e \"$d/bridge\" ]; then printf 'bridge=1\\n'; r bridge_id \"$d/bridge/bridge_id\"; r stp_state \"$d/bridge/stp_state\"; \
             for b in \"$d\"/brif/*; do [ -e \"$b\" ] && printf 'brif=%s\\n' \"${b##*/}\"; done; fi; done\n\
             s ip_addr\nip addr show 2>/dev/null\n\
             s route4\nip -4 route get 8.8.8.8 2>/dev/null\n\
             s route6\nip -6 route get 2404:6800:400a:800::1012 2>/dev/null\n\
             s local4\nip -4 route show table local 2>/dev/null\n\
             s local6\nip -6 route show table local 2>/dev/null\n",
        );
    }
    s.push_str("s files\ngrep -aH '' 2>/dev/null");
    let mut seen: Vec<&str> = Vec::new();
    for (_, path) in &files {
        if !seen.contains(path) {
            seen.push(path);
            s.push(' ');
            s.push_str(path);
        }
    }
    s.push_str("\ns end\n");
    Script { text: s, files }
}

#[cfg(test)]
mod tests {
    use super::build;
    use crate::setup::Areas;

    #[test]
    fn only_the_areas_asked_for_and_values_quoted() {
        let min = Areas::resolve(&["min".into()]).unwrap();
        let s = build(&min, "@@m@@", "/tmp/it's facts", Some("/opt/py 3")).text;
        assert!(s.contains("'/tmp/it'\\''s facts'/*.fact"));
        assert!(s.contains("for p in '/opt/py 3'; do"));
        assert!(!s.contains("ip addr") && !s.contains("/proc/meminfo"));
        let all = Areas::resolve(&["all".into()]).unwrap();
        let s = build(&all, "@@m@@", "/x", None).text;
        assert!(s.contains("ip addr show") && s.contains("/proc/meminfo"));
        assert!(s.ends_with("s end\n"));
    }
}
