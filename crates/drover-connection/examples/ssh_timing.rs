//! Measures the `ssh` connection against local sshd servers: connecting 10 hosts in parallel,
//! 200 sequential `true` commands over one master, and 200 commands 10 at a time.
//!
//! `cargo run --release -p drover-connection --example ssh_timing` (needs openssh-server). As
//! root it logs in as the test user, whose login shell is `/bin/sh`, so that the numbers are
//! drover's and sshd's, not those of a login shell's rc files (a `~/.bashrc` that runs
//! `pyenv init` costs more than the whole exec).

#![allow(clippy::print_stdout)]

use drover_connection::{ConnectOptions, Ssh, SshTarget};
use drover_test::sshd::{SshdHost, TEST_USER, current_user, ensure_test_user, require_sshd};
use drover_types::{Connection, Exec};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn target(h: &SshdHost, user: &str) -> SshTarget {
    let mut t = SshTarget::new("bench", &ConnectOptions::default());
    t.host = h.addr().to_string();
    t.port = Some(h.port());
    t.user = Some(user.to_owned());
    t.private_key = Some(h.client_key());
    t.ssh_args = vec![
        "-o".into(),
        format!("UserKnownHostsFile={}", h.known_hosts().display()),
    ];
    t
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    require_sshd();
    let user = if ensure_test_user() {
        TEST_USER.to_owned()
    } else {
        current_user()
    };
    let hosts: Vec<SshdHost> = (0..10)
        .map(|i| SshdHost::start(Ipv4Addr::new(127, 0, 1, 10 + i)))
        .collect();

    let start = Instant::now();
    let conns = futures_connect(&hosts, &user).await?;
    let connect_all = start.elapsed();
    println!("connect 10 hosts in parallel: {connect_all:?}");

    let c = conns[0].clone();
    let n = 200;
    let start = Instant::now();
    for _ in 0..n {
        let out = c.exec(Exec::script("true")).await?;
        assert_eq!(out.rc, 0);
    }
    let seq = start.elapsed();
    println!(
        "{n} sequential `true` over one master: {seq:?} ({:?} per exec)",
        seq / n
    );

    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.exec(Exec::script("true")).await })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let par = start.elapsed();
    println!("{n} `true` at once (10 channels at a time) over one master: {par:?}");

    let data = vec![0x5au8; 5 << 20];
    let path = format!("/tmp/drover-timing-{}", std::process::id());
    let start = Instant::now();
    c.put(&data, &path, None).await?;
    let put = start.elapsed();
    let back = c.get(&path, None).await?;
    assert_eq!(back.as_deref(), Some(&data[..]));
    println!("put 5 MB: {put:?}, get 5 MB: {:?}", start.elapsed() - put);
    c.exec(Exec::script(&format!("rm -f {path}"))).await?;

    let start = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.exec(Exec::script("sleep 0.5")).await })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    println!("20 × `sleep 0.5` (two waves of 10): {:?}", start.elapsed());

    for c in &conns {
        c.close().await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(())
}

async fn futures_connect(
    hosts: &[SshdHost],
    user: &str,
) -> Result<Vec<Arc<Ssh>>, Box<dyn std::error::Error>> {
    let tasks: Vec<_> = hosts
        .iter()
        .map(|h| tokio::spawn(Ssh::connect(target(h, user))))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(Arc::new(t.await??));
    }
    Ok(out)
}
