//! The `setup` module (also what a play's implicit `Gathering Facts` task runs): gathers facts
//! about the host in one round trip, with no Python, under ansible-core's names and shapes.
//!
//! [`script`] builds one POSIX shell script for the areas `gather_subset` asks for,
//! [`sections`] splits its output, and one parser per area (`system`, `distribution`, `local`,
//! `hardware`, `virtual_`, `network`) turns sections into facts on the controller. The result
//! carries them under `ansible_facts`, prefixed with `ansible_` as ansible-core's module
//! returns them; the engine stores them as the host's facts.

mod distribution;
mod hardware;
mod local;
mod network;
mod script;
mod sections;
mod system;
mod virtual_;

use crate::args::Args;
use async_trait::async_trait;
use drover_types::{
    ArgDefault, ArgKind, ArgSpec, ArgSpecEntry, Exec, Map, Module, ModuleContext, TaskResult,
    VERBOSE_OVERRIDE, Value,
};
use sections::Sections;
use std::time::Duration;

static SPEC: ArgSpec = ArgSpec {
    shared: &[],
    args: &[
        ArgSpecEntry::new("gather_subset", ArgKind::List),
        ArgSpecEntry::new("gather_timeout", ArgKind::Int),
        ArgSpecEntry::new("filter", ArgKind::List),
        ArgSpecEntry::new("fact_path", ArgKind::Path)
            .default(ArgDefault::Str("/etc/ansible/facts.d")),
    ],
    free_form: false,
    any_args: false,
};

/// `ansible.builtin.setup`.
pub(crate) struct Setup;

/// Which of ansible-core's fact collectors run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Areas {
    pub(crate) apparmor: bool,
    pub(crate) caps: bool,
    pub(crate) cmdline: bool,
    pub(crate) date_time: bool,
    pub(crate) distribution: bool,
    pub(crate) dns: bool,
    pub(crate) env: bool,
    pub(crate) fips: bool,
    pub(crate) local: bool,
    pub(crate) lsb: bool,
    pub(crate) pkg_mgr: bool,
    pub(crate) platform: bool,
    pub(crate) python: bool,
    pub(crate) selinux: bool,
    pub(crate) service_mgr: bool,
    pub(crate) ssh_pub_keys: bool,
    pub(crate) user: bool,
    pub(crate) hardware: bool,
    pub(crate) network: bool,
    pub(crate) virtual_: bool,
    pub(crate) loadavg: bool,
    pub(crate) chroot: bool,
}

/// The collectors of the `min` subset, which run unless excluded.
const MIN: &[&str] = &[
    "apparmor",
    "caps",
    "cmdline",
    "date_time",
    "distribution",
    "dns",
    "env",
    "fips",
    "local",
    "lsb",
    "pkg_mgr",
    "platform",
    "python",
    "selinux",
    "service_mgr",
    "ssh_pub_keys",
    "user",
];

/// The collectors `all` adds to `min` (`facter`, `ohai`, `fibre_channel_wwn`, `iscsi`, `nvme`
/// and `systemd` are accepted and gather nothing yet).
const MORE: &[&str] = &[
    "hardware",
    "network",
    "virtual",
    "loadavg",
    "chroot",
    "facter",
    "ohai",
    "fibre_channel_wwn",
    "iscsi",
    "nvme",
    "systemd",
];

/// The names ansible-core also accepts for a collector: the facts it gathers. With the
/// collectors' own names (and `all`), they are what its "Bad subset" message lists.
const FACT_IDS: &[(&str, &str)] = &[
    ("all_ipv4_addresses", "network"),
    ("all_ipv6_addresses", "network"),
    ("architecture", "platform"),
    ("default_ipv4", "network"),
    ("default_ipv6", "network"),
    ("devices", "hardware"),
    ("distribution_major_version", "distribution"),
    ("distribution_release", "distribution"),
    ("distribution_version", "distribution"),
    ("effective_group_ids", "user"),
    ("effective_user_id", "user"),
    ("interfaces", "network"),
    ("is_chroot", "chroot"),
    ("kernel", "platform"),
    ("kernel_version", "platform"),
    ("machine", "platform"),
    ("machine_id", "platform"),
    ("mounts", "hardware"),
    ("os_family", "distribution"),
    ("processor", "hardware"),
    ("processor_cores", "hardware"),
    ("processor_count", "hardware"),
    ("python_version", "platform"),
    ("real_user_id", "user"),
    ("ssh_host_key_dsa_public", "ssh_pub_keys"),
    ("ssh_host_key_ecdsa_public", "ssh_pub_keys"),
    ("ssh_host_key_ed25519_public", "ssh_pub_keys"),
    ("ssh_host_key_rsa_public", "ssh_pub_keys"),
    ("ssh_host_pub_keys", "ssh_pub_keys"),
    ("system", "platform"),
    ("system_capabilities", "caps"),
    ("system_capabilities_enforced", "caps"),
    ("user_dir", "user"),
    ("user_gecos", "user"),
    ("user_gid", "user"),
    ("user_id", "user"),
    ("user_shell", "user"),
    ("user_uid", "user"),
    ("virtualization_role", "virtual"),
    ("virtualization_tech_guest", "virtual"),
    ("virtualization_tech_host", "virtual"),
    ("virtualization_type", "virtual"),
];

/// The collector a subset name stands for.
fn canonical(name: &str) -> &str {
    FACT_IDS
        .iter()
        .find(|(id, _)| *id == name)
        .map_or(name, |(_, collector)| collector)
}

impl Areas {
    /// The collectors `gather_subset` selects, as ansible-core resolves it: `min` always, plus
    /// what is named (`all`: everything), minus what is `!`excluded (`!all`: all but `min`)
    /// unless it is also named. Naming an unknown subset is an error; excluding one is not.
    pub(crate) fn resolve(subset: &[String]) -> Result<Areas, String> {
        let mut add: Vec<&str> = MIN.to_vec();
        let mut exclude: Vec<&str> = Vec::new();
        let mut named: Vec<&str> = Vec::new();
        for raw in subset {
            let item = raw.trim();
            match item {
                "min" => add.extend(MIN),
                "all" => add.extend(MIN.iter().chain(MORE)),
                "!min" => exclude.extend(MIN),
                "!all" => exclude.extend(MORE),
                _ => {
                    if let Some(name) = item.strip_prefix('!') {
                        exclude.push(canonical(name));
                        continue;
                    }
                    let name = canonical(item);
                    if !(MIN.contains(&name) || MORE.contains(&name)) {
                        let mut allowed: Vec<&str> = MIN
                            .iter()
                            .chain(MORE)
                            .chain(FACT_IDS.iter().map(|(id, _)| id))
                            .copied()
                            .collect();
                        allowed.push("all");
                        allowed.sort_unstable();
                        return Err(format!(
                            "Bad subset '{item}' given to Ansible. gather_subset options allowed: {}",
                            allowed.join(", ")
                        ));
                    }
                    named.push(name);
                    add.push(name);
                }
            }
        }
        let mut chosen = add;
        chosen.retain(|n| !exclude.contains(n) || named.contains(n));
        let on = |n: &str| chosen.contains(&n);
        Ok(Areas {
            apparmor: on("apparmor"),
            caps: on("caps"),
            cmdline: on("cmdline"),
            date_time: on("date_time"),
            distribution: on("distribution"),
            dns: on("dns"),
            env: on("env"),
            fips: on("fips"),
            local: on("local"),
            lsb: on("lsb"),
            pkg_mgr: on("pkg_mgr"),
            platform: on("platform"),
            python: on("python"),
            selinux: on("selinux"),
            service_mgr: on("service_mgr"),
            ssh_pub_keys: on("ssh_pub_keys"),
            user: on("user"),
            hardware: on("hardware"),
            network: on("network"),
            virtual_: on("virtual"),
            loadavg: on("loadavg"),
            chroot: on("chroot"),
        })
    }
}

#[async_trait]
impl Module for Setup {
    fn name(&self) -> &'static str {
        "setup"
    }
    fn spec(&self) -> &'static ArgSpec {
        &SPEC
    }
    async fn run(&self, ctx: &ModuleContext<'_>, args: &Map) -> TaskResult {
        match gather(ctx, args).await {
            Ok(r) | Err(r) => r,
        }
    }
}

async fn gather(ctx: &ModuleContext<'_>, args: &Map) -> Result<TaskResult, TaskResult> {
    let a = Args::new(args);
    let subset = a
        .list("gather_subset")?
        .unwrap_or_else(|| vec!["all".into()]);
    let timeout = a.int("gather_timeout")?.unwrap_or(10);
    let filter = a.list("filter")?.unwrap_or_default();
    let fact_path = a.str_or("fact_path", "/etc/ansible/facts.d")?;
    let areas = Areas::resolve(&subset).map_err(TaskResult::failed)?;
    let python = interpreter(ctx);
    let marker = format!("@@drover-facts-{}@@", drover_types::random_hex());
    let script = script::build(&areas, &marker, &fact_path, python.as_deref());
    // `gather_timeout` bounds the whole script (ansible-core bounds each collector).
    let limit = ctx.timeout.unwrap_or(Duration::from_secs(
        u64::try_from(timeout.max(1)).unwrap_or(10),
    ));
    let exec = Exec {
        script: &script.text,
        stdin: None,
        become_: ctx.become_,
        timeout: Some(limit),
    };
    let out = ctx.conn.exec(exec).await.map_err(TaskResult::from)?;
    if out.rc != 0 {
        return Err(TaskResult::failed(format!(
            "fact gathering failed on the host (rc {}): {}",
            out.rc,
            out.stderr_text().trim()
        )));
    }
    let sections = Sections::parse(&out.stdout, &marker, &script.files).map_err(|why| {
        TaskResult::failed(format!(
            "fact gathering gave output drover cannot read ({why}); no facts were set"
        ))
    })?;
    let mut facts = Map::new();
    let mut warnings = Vec::new();
    collect(&areas, &sections, &marker, &mut facts, &mut warnings)?;
    let mut all: Vec<(String, Value)> = facts
        .into_iter()
        .map(|(key, value)| (format!("ansible_{}", key.replace('-', "_")), value))
        .collect();
    all.sort_by(|x, y| x.0.cmp(&y.0));
    all.push((
        "gather_subset".into(),
        Value::Array(subset.into_iter().map(Value::String).collect()),
    ));
    all.push(("module_setup".into(), Value::Bool(true)));
    // The filter applies to every key, `gather_subset` and `module_setup` included.
    let ansible_facts: Map = all
        .into_iter()
        .filter(|(name, _)| keep(&filter, name))
        .collect();
    let mut result = TaskResult::ok()
        .with("ansible_facts", Value::Object(ansible_facts))
        .with(VERBOSE_OVERRIDE, true);
    result.warnings = warnings;
    Ok(result)
}

/// Whether a fact passes `filter` (fnmatch patterns; none keeps everything).
fn keep(filter: &[String], name: &str) -> bool {
    filter.is_empty()
        || filter
            .iter()
            .any(|p| drover_python::fnmatch::matches(p.trim(), name))
}

/// The interpreter the host's variables name, for the `python` facts.
fn interpreter(ctx: &ModuleContext<'_>) -> Option<String> {
    let raw = ctx.vars.get("ansible_python_interpreter")?;
    let text = match raw {
        Value::String(s) if s.contains("{{") => match ctx.templar.render(s, ctx.vars) {
            Ok(Value::String(s)) => s,
            _ => return None,
        },
        Value::String(s) => s.clone(),
        _ => return None,
    };
    // `auto` and its variants mean "discover", which the script does.
    (!text.starts_with("auto") && !text.is_empty()).then_some(text)
}

/// Runs each area's parser, in ansible-core's collector order.
fn collect(
    areas: &Areas,
    s: &Sections,
    marker: &str,
    facts: &mut Map,
    warnings: &mut Vec<String>,
) -> Result<(), TaskResult> {
    let fail = |why: String| TaskResult::failed(format!("fact gathering: {why}"));
    system::platform(s, facts, areas.platform).map_err(fail)?;
    if areas.distribution {
        distribution::distribution(s, facts);
    }
    if areas.lsb {
        distribution::lsb(s, facts);
    }
    if areas.user {
        system::user(s, facts).map_err(fail)?;
    }
    if areas.env {
        system::env(s, facts);
    }
    if areas.date_time {
        system::date_time(s, facts).map_err(fail)?;
    }
    if areas.dns {
        system::dns(s, facts);
    }
    if areas.cmdline {
        system::cmdline(s, facts);
    }
    if areas.fips {
        facts.insert("fips".into(), Value::Bool(s.first("fips") == Some("1")));
    }
    if areas.selinux {
        system::selinux(s, facts);
    }
    if areas.apparmor {
        let status = if s.exists("/sys/kernel/security/apparmor") {
            "enabled"
        } else {
            "disabled"
        };
        facts.insert("apparmor".into(), serde_json::json!({ "status": status }));
    }
    if areas.caps {
        system::caps(s, facts);
    }
    if areas.ssh_pub_keys {
        system::ssh_keys(s, facts);
    }
    if areas.service_mgr {
        system::service_mgr(s, facts);
    }
    if areas.pkg_mgr {
        system::pkg_mgr(s, facts);
    }
    if areas.python {
        system::python(s, facts);
    }
    if areas.local {
        let (local, warned) = local::local(s.get("local"), &format!("{marker}-fact"));
        facts.insert("local".into(), local);
        warnings.extend(warned);
    }
    if areas.hardware {
        hardware::hardware(s, facts);
    }
    if areas.loadavg {
        hardware::loadavg(s, facts);
    }
    if areas.chroot {
        // Without root, ansible-core compares `/` with PID 1's root; drover reads no such
        // thing and reports what a normal host is.
        facts.insert("is_chroot".into(), Value::Bool(false));
    }
    if areas.network && s.has_bin("ip") {
        network::network(s, facts);
    }
    if areas.virtual_ {
        virtual_::virtual_(s, facts);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Areas, keep};

    fn areas(items: &[&str]) -> Areas {
        Areas::resolve(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn subsets_resolve_like_ansible() {
        let all = areas(&["all"]);
        assert!(all.hardware && all.network && all.virtual_ && all.user);
        let min = areas(&["!all"]);
        assert!(min.user && min.date_time && !min.hardware && !min.network);
        assert_eq!(min, areas(&["min"]));
        let net = areas(&["network"]);
        assert!(net.network && !net.hardware && net.platform);
        let no_hw = areas(&["all", "!hardware"]);
        assert!(!no_hw.hardware && no_hw.network);
        let nothing = areas(&["!all", "!min"]);
        assert!(!nothing.user && !nothing.platform);
        let facter = areas(&["!all", "facter"]);
        assert!(!facter.hardware);
        let python = areas(&["!all", "!min", "python"]);
        assert!(python.python && !python.user);
        assert!(Areas::resolve(&["!bogus".into()]).is_ok());
        assert!(Areas::resolve(&["bogus".into()]).is_err());
    }

    #[test]
    fn filter_is_fnmatch() {
        assert!(keep(&[], "ansible_eth0"));
        assert!(keep(&["ansible_eth*".into()], "ansible_eth0"));
        assert!(!keep(&["ansible_eth*".into()], "ansible_lo"));
        assert!(keep(&["x".into(), "ansible_l?".into()], "ansible_lo"));
    }
}
