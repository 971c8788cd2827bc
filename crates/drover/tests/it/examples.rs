//! The example playbooks in `playbooks/` really run: `site.yml` against `inventory.example.yml`
//! lays out each host's tree, restarts only when something changed, and changes nothing the
//! second time.

use drover_test::{Cmd, Project, parse_recap};
use std::path::Path;

fn run_site(root: &Path) -> drover_test::RunOutput {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Cmd::new(env!("CARGO_BIN_EXE_drover"))
        .current_dir(&workspace)
        .args([
            "run",
            "playbooks/site.yml",
            "-i",
            "inventory.example.yml",
            "-e",
        ])
        .arg(format!("demo_root={}", root.display()))
        .run()
}

#[test]
fn site_example_runs_and_is_idempotent() {
    let p = Project::new();
    let first = run_site(p.path());
    assert_eq!(first.code, Some(0), "{}", first.describe());
    let recap = parse_recap(&first.stdout);
    assert_eq!(
        recap.keys().cloned().collect::<Vec<_>>(),
        ["db1", "web1", "web2"]
    );
    for host in ["web1", "web2", "db1"] {
        let conf = p.read(format!("{host}/conf/app.conf"));
        assert!(
            conf.starts_with(&format!("# demo on {host} (managed by drover)\n")),
            "{conf}"
        );
        assert!(conf.ends_with("log_level=info\n"), "{conf}");
        assert!(
            p.join(format!("{host}/run/restarted")).exists(),
            "the handler did not run on {host}"
        );
    }
    assert!(p.read("web1/conf/app.conf").contains("listen=8080\n"));
    assert!(!p.read("db1/conf/app.conf").contains("listen="));
    assert_eq!(
        p.read("web1/conf/peers.json"),
        "[\n    \"web1\",\n    \"web2\"\n]\n"
    );
    assert!(!p.join("db1/conf/peers.json").exists());

    let second = run_site(p.path());
    assert_eq!(second.code, Some(0), "{}", second.describe());
    for (host, counts) in parse_recap(&second.stdout) {
        assert_eq!(
            counts[1], 0,
            "{host} changed on the second run\n{}",
            second.stdout
        );
    }
    assert!(
        !second.stdout.contains("RUNNING HANDLER"),
        "{}",
        second.stdout
    );
}
