//! The `virtual` subset on Linux: `virtualization_type`, `virtualization_role` and the
//! guest and host technologies, checked in ansible-core's order (containers from PID 1's
//! cgroup and environment, then files, DMI, CPU models, kernel modules, `/dev/kvm`). The
//! technology lists are sorted (ansible-core's come from a Python set, in no fixed order).

use super::sections::Sections;
use drover_types::{Map, Value};
use std::collections::BTreeSet;

#[derive(Default)]
struct Found {
    kind: Option<String>,
    role: Option<String>,
    found: bool,
    guest: BTreeSet<String>,
    host: BTreeSet<String>,
}

impl Found {
    /// A guest technology; the first one found names the type, with `role` when given.
    fn guest(&mut self, tech: &str, kind: &str, role: Option<&str>) {
        self.guest.insert(tech.to_owned());
        self.first(kind, role);
    }
    fn host(&mut self, tech: &str, kind: &str, role: Option<&str>) {
        self.host.insert(tech.to_owned());
        self.first(kind, role);
    }
    fn first(&mut self, kind: &str, role: Option<&str>) {
        if !self.found {
            self.kind = Some(kind.to_owned());
            if let Some(role) = role {
                self.role = Some(role.to_owned());
            }
            self.found = true;
        }
    }
}

/// Every virtualization fact.
pub(super) fn virtual_(s: &Sections, facts: &mut Map) {
    let mut f = Found::default();
    for line in s.lines("cgroup1") {
        if docker_cgroup(line) {
            f.guest("docker", "docker", Some("guest"));
        }
        if line.contains("/lxc/") || line.contains("/machine.slice/machine-lxc") {
            f.guest("lxc", "lxc", Some("guest"));
        }
        if line.contains("/system.slice/containerd.service") {
            f.guest("containerd", "containerd", Some("guest"));
        }
    }
    for line in s.get("environ1").split(['\0', '\n']) {
        if line.contains("container=lxc") {
            f.guest("lxc", "lxc", Some("guest"));
        }
        if line.contains("container=podman") {
            f.guest("podman", "podman", Some("guest"));
        }
        if line.starts_with("container=") && line.len() > "container=".len() {
            f.guest("container", "container", Some("guest"));
        }
    }
    if s.exists("/proc/vz") && !s.exists("/proc/lve") {
        f.kind = Some("openvz".into());
        let (set, role) = if s.exists("/proc/bc") {
            (&mut f.host, "host")
        } else {
            (&mut f.guest, "guest")
        };
        set.insert("openvz".into());
        if !f.found {
            f.role = Some(role.into());
        }
        f.found = true;
    }
    if let Some(container) = s.first("systemd_container") {
        let container = container.to_owned();
        f.guest(&container, &container, Some("guest"));
    }
    if s.exists("/.dockerenv") || s.exists("/.dockerinit") {
        f.guest("docker", "docker", Some("guest"));
    }
    let containers = ["docker", "lxc", "podman", "openvz", "containerd"];
    if containers.iter().any(|c| f.guest.contains(*c)) || s.first("systemd_container").is_some() {
        f.guest.insert("container".into());
    }
    if s.exists("/proc/xen") {
        if s.get("xen_caps").contains("control_d") {
            f.host("xen", "xen", Some("host"));
        } else {
            f.first("xen", Some("guest"));
        }
        f.found = true;
    }
    if !f.found {
        f.role = Some("guest".into());
    }
    let dmi = s.pairs("dmi");
    let dmi_get = |k: &str| dmi.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let (product, vendor, family, bios) = (
        dmi_get("product_name"),
        dmi_get("sys_vendor"),
        dmi_get("product_family"),
        dmi_get("bios_vendor"),
    );
    if [
        "KVM",
        "KVM Server",
        "Bochs",
        "AHV",
        "CloudStack KVM Hypervisor",
    ]
    .contains(&product.as_str())
    {
        f.guest("kvm", "kvm", None);
    }
    if vendor == "oVirt" {
        f.guest("oVirt", "oVirt", None);
    }
    if vendor == "Red Hat" {
        if family == "RHV" {
            f.guest("RHV", "RHV", None);
        } else if product == "RHEV Hypervisor" {
            f.guest("RHEV", "RHEV", None);
        }
    }
    if product.starts_with("VMware") {
        f.guest("VMware", "VMware", None);
    }
    if ["OpenStack Compute", "OpenStack Nova"].contains(&product.as_str()) {
        f.guest("openstack", "openstack", None);
    }
    match bios.as_str() {
        "Xen" => f.guest("xen", "xen", None),
        "innotek GmbH" => f.guest("virtualbox", "virtualbox", None),
        "Amazon EC2" | "DigitalOcean" | "Hetzner" | "Linode" => f.guest("kvm", "kvm", None),
        _ => {}
    }
    match vendor.as_str() {
        "QEMU" | "Amazon EC2" | "DigitalOcean" | "Google" | "Scaleway" | "Nutanix" => {
            f.guest("kvm", "kvm", None)
        }
        "KubeVirt" => f.guest("KubeVirt", "KubeVirt", None),
        "Microsoft Corporation" => f.guest("VirtualPC", "VirtualPC", None),
        "Parallels Software International Inc." => f.guest("parallels", "parallels", None),
        "OpenStack Foundation" => f.guest("openstack", "openstack", None),
        _ => {}
    }
    if !f.found {
        f.role = None;
    }
    for line in s.lines("cpu_models") {
        let tech = if line.starts_with("model name") && line.contains("QEMU Virtual CPU") {
            "kvm"
        } else if (line.starts_with("vendor_id") && line.contains("User Mode Linux"))
            || (line.starts_with("model name") && line.contains("UML"))
        {
            "uml"
        } else {
            continue;
        };
        f.guest(tech, tech, Some("guest"));
    }
    let modules: Vec<&str> = s
        .lines("modules")
        .filter_map(|l| l.split(' ').next())
        .collect();
    if modules.contains(&"kvm") {
        f.host("kvm", "kvm", Some("host"));
        f.found = true;
    }
    if modules.contains(&"vboxdrv") {
        f.host("virtualbox", "virtualbox", Some("host"));
    }
    if modules.contains(&"virtio") {
        f.host("kvm", "kvm", Some("guest"));
    }
    if s.exists("/dev/kvm") {
        f.host("kvm", "kvm", Some("host"));
    }
    f.first("NA", Some("NA"));
    let list = |set: BTreeSet<String>| Value::Array(set.into_iter().map(Value::from).collect());
    facts.insert(
        "virtualization_role".into(),
        f.role.unwrap_or_else(|| "NA".into()).into(),
    );
    facts.insert("virtualization_tech_guest".into(), list(f.guest));
    facts.insert("virtualization_tech_host".into(), list(f.host));
    facts.insert(
        "virtualization_type".into(),
        f.kind.unwrap_or_else(|| "NA".into()).into(),
    );
}

/// `/docker/` or `/docker-<hex>.scope` in a cgroup line.
fn docker_cgroup(line: &str) -> bool {
    line.match_indices("/docker").any(|(i, _)| {
        let rest = &line[i + "/docker".len()..];
        rest.starts_with('/')
            || rest.strip_prefix('-').is_some_and(|r| {
                let hex = r.bytes().take_while(u8::is_ascii_hexdigit).count();
                hex > 0 && r[hex..].starts_with(".scope")
            })
    })
}
