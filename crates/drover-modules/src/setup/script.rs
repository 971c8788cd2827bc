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

/// The script for `areas`, its sections headed by `marker`; `python` is the interpreter the
/// host's inventory names (`ansible_python_interpreter`), if any.
pub(crate) fn build(areas: &Areas, marker: &str, fact_path: &str, python: Option<&str>) -> String {
    let mut s = String::with_capacity(4096);
    s.push_str(&format!("M={}\n", shell_quote(marker)));
    s.push_str("s() { printf '\\n%s %s\\n' \"$M\" \"$1\"; }\n");
    // A file's first line, when it can be read: `name=value`.
    s.push_str(
        "r() { if [ -r \"$2\" ] && { IFS= read -r v < \"$2\" || [ -n \"$v\" ]; } 2>/dev/null; then printf '%s=%s\\n' \"$1\" \"$v\"; fi; v=; }\n",
    );
    s.push_str("s uname\nuname -s; uname -r; uname -v; uname -m; uname -n\n");
    s.push_str("s paths\nfor p in");
    for p in PATHS {
        s.push(' ');
        s.push_str(p);
    }
    s.push_str("; do [ -e \"$p\" ] && printf '%s\\n' \"$p\"; done\n");
    s.push_str("s bins\nfor b in ip lsb_release systemctl initctl capsh nproc; do command -v \"$b\" >/dev/null 2>&1 && printf '%s\\n' \"$b\"; done\n");
    if areas.platform {
        s.push_str(
            "s fqdn\na=$(getent ahosts \"$(uname -n)\" 2>/dev/null | awk 'NR==1{print $1}')\n\
             [ -n \"$a\" ] && getent hosts \"$a\" 2>/dev/null | awk 'NR==1'\n\
             s machine_id\ncat /var/lib/dbus/machine-id 2>/dev/null || cat /etc/machine-id 2>/dev/null\n\
             s userspace\ngetconf LONG_BIT 2>/dev/null\n",
        );
    }
    if areas.user {
        s.push_str(
            "s user\nu=${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}\n\
             printf '%s\\n' \"$u\" \"$(id -u)\" \"$(id -g)\" \"$(id -ru)\" \"$(id -rg)\"\n\
             { [ -n \"$u\" ] && { getent passwd \"$u\" 2>/dev/null || awk -F: -v u=\"$u\" '$1==u' /etc/passwd; }; } | grep . || \
             { getent passwd \"$(id -u)\" 2>/dev/null || awk -F: -v u=\"$(id -u)\" '$3==u' /etc/passwd; }\n",
        );
    }
    if areas.distribution || areas.lsb {
        s.push_str(
            "s os_release\ncat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null\n\
             s debian_version\ncat /etc/debian_version 2>/dev/null\n",
        );
    }
    if areas.lsb {
        // `lsb_release` itself is not run (a Python script on Debian and Ubuntu, the slowest
        // part of gathering): what it prints comes from os-release, which is read above.
        s.push_str("s lsb_file\ncat /etc/lsb-release 2>/dev/null\n");
    }
    if areas.env {
        s.push_str("s env\ncat /proc/self/environ 2>/dev/null\n");
    }
    if areas.date_time {
        // Now, then a winter and a summer date for the zone's standard and daylight names.
        s.push_str(
            "s date\nLC_ALL=C date '+%Y %m %d %H %M %S %Z %z %A %w %W %s %N'\n\
             date -d @946728000 '+%Z %z' 2>/dev/null\ndate -d @962409600 '+%Z %z' 2>/dev/null\n",
        );
    }
    if areas.dns {
        s.push_str("s dns\ncat /etc/resolv.conf 2>/dev/null\n");
    }
    if areas.cmdline {
        s.push_str("s cmdline\ncat /proc/cmdline 2>/dev/null\n");
    }
    if areas.fips {
        s.push_str("s fips\ncat /proc/sys/crypto/fips_enabled 2>/dev/null\n");
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
        s.push_str(
            "s ssh_keys\nfor t in dsa rsa ecdsa ed25519; do f=/etc/ssh/ssh_host_${t}_key.pub; \
             [ -r \"$f\" ] && { printf '%s ' \"$t\"; head -n 1 \"$f\"; }; done\n",
        );
    }
    if areas.service_mgr {
        s.push_str(
            "s proc1\ncat /proc/1/comm 2>/dev/null\ns sbin_init\nreadlink /sbin/init 2>/dev/null\n",
        );
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
            "s meminfo\ncat /proc/meminfo 2>/dev/null\n\
             s cpuinfo\ncat /proc/cpuinfo 2>/dev/null\n\
             s nproc\nnproc 2>/dev/null\n\
             s uptime\ncat /proc/uptime 2>/dev/null\n\
             s mounts\ncat /proc/mounts 2>/dev/null\n\
             s statfs\nawk '$3 != \"none\" && ($1 ~ /^[\\/\\\\]/ || $1 ~ /:\\//) {print $2}' /proc/mounts 2>/dev/null | \
             while IFS= read -r m; do d=$(printf '%b' \"$m\"); f=$(stat -f -c '%S %s %b %f %a %c %d' \"$d\" 2>/dev/null) && printf '%s %s\\n' \"$f\" \"$m\"; done\n\
             s uuids\nfor f in /dev/disk/by-uuid/*; do [ -e \"$f\" ] && printf '%s %s\\n' \"${f##*/}\" \"$(readlink -f \"$f\")\"; done\n",
        );
    }
    if areas.loadavg {
        s.push_str("s loadavg\ncat /proc/loadavg 2>/dev/null\n");
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
        s.push_str(
            "s cgroup1\ncat /proc/1/cgroup 2>/dev/null\n\
             s environ1\ntr '\\000' '\\n' < /proc/1/environ 2>/dev/null\n\
             s systemd_container\ncat /run/systemd/container 2>/dev/null\n\
             s xen_caps\ncat /proc/xen/capabilities 2>/dev/null\n\
             s cpu_models\ngrep -E '^(model name|vendor_id|machine)' /proc/cpuinfo 2>/dev/null\n\
             s modules\ncut -d ' ' -f 1 /proc/modules 2>/dev/null\n",
        );
    }
    if areas.network {
        s.push_str(
            "s net\nfor d in /sys/class/net/*; do [ -d \"$d\" ] || continue; printf 'iface %s\\n' \"${d##*/}\"; \
             for f in address mtu operstate type flags speed; do r \"$f\" \"$d/$f\"; done; \
             [ -e \"$d/device\" ] && printf 'device=%s\\n' \"$(readlink \"$d/device\")\"; \
             [ -e \"$d/device/driver/module\" ] && printf 'module=%s\\n' \"$(readlink -f \"$d/device/driver/module\")\"; \
             if [ -e \"$d/bridge\" ]; then printf 'bridge=1\\n'; r bridge_id \"$d/bridge/bridge_id\"; r stp_state \"$d/bridge/stp_state\"; \
             for b in \"$d\"/brif/*; do [ -e \"$b\" ] && printf 'brif=%s\\n' \"${b##*/}\"; done; fi; done\n\
             s ip_primary\nip addr show primary 2>/dev/null\n\
             s ip_secondary\nip addr show secondary 2>/dev/null\n\
             s route4\nip -4 route get 8.8.8.8 2>/dev/null\n\
             s route6\nip -6 route get 2404:6800:400a:800::1012 2>/dev/null\n\
             s local4\nip -4 route show table local 2>/dev/null\n\
             s local6\nip -6 route show table local 2>/dev/null\n",
        );
    }
    s.push_str("s end\n");
    s
}

#[cfg(test)]
mod tests {
    use super::build;
    use crate::setup::Areas;

    #[test]
    fn only_the_areas_asked_for_and_values_quoted() {
        let min = Areas::resolve(&["min".into()]).unwrap();
        let s = build(&min, "@@m@@", "/tmp/it's facts", Some("/opt/py 3"));
        assert!(s.contains("'/tmp/it'\\''s facts'/*.fact"));
        assert!(s.contains("for p in '/opt/py 3'; do"));
        assert!(!s.contains("ip addr") && !s.contains("/proc/meminfo"));
        let all = Areas::resolve(&["all".into()]).unwrap();
        let s = build(&all, "@@m@@", "/x", None);
        assert!(s.contains("ip addr show primary") && s.contains("/proc/meminfo"));
        assert!(s.ends_with("s end\n"));
    }
}
