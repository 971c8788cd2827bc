#!/usr/bin/env python3
"""SSH fan-out benchmark: drover vs ansible-playbook vs pyinfra on loopback sshd hosts.

Started by bench/run.sh (which builds drover and raises the open-file limit). Needs root: it
starts one sshd per host on 127.0.0.2, 127.0.0.3, ... and logs in as the unprivileged
`drovertest` user (login shell /bin/sh), creating that user when it is missing.

Each measurement is run --repeat times (default 3) and the median is reported. "cold" means
the hosts' directories were removed first (everything changes); "warm" is a run right after,
with nothing left to change. Every run of every tool makes its own SSH connections, except
the `drover --ssh-persist` rows, which reuse the masters that the previous run left behind.
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORKLOAD = BENCH / "workload"
CTL = Path("/tmp/drover-bench-ctl")  # keys, configs, inventories, logs
ROOT = Path("/tmp/drover-bench")  # where the hosts write: ROOT/<tool>/<host>/
USER = "drovertest"
SSHD = "/usr/sbin/sshd"
PIDFILE = CTL / "sshd.pids"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


# ---------------------------------------------------------------------------------------------
# processes


def children_map():
    """pid -> list of child pids, from /proc."""
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid, kids=None):
    kids = kids if kids is not None else children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def kill_trees(pids):
    kids = children_map()
    every = []
    for p in pids:
        every.extend(tree(p, kids))
    for p in reversed(every):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRss:
    """Samples the summed RSS of a process and its descendants (the ssh masters) every 50 ms."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, sum(rss_kib(p) for p in tree(self.pid)))

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.peak


# ---------------------------------------------------------------------------------------------
# hosts


def sh(*args, **kw):
    return subprocess.run(args, check=True, stdin=subprocess.DEVNULL, **kw)


def ensure_user():
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        sh("useradd", "-m", "-s", "/bin/sh", USER)
    # A password unlocks the account, which sshd insists on without PAM.
    subprocess.run(["chpasswd"], input=f"{USER}:drover-Bench-pw1\n", text=True, check=True)


def free_port(addr):
    with socket.socket() as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


class Hosts:
    """N sshd servers sharing one host key and one client key."""

    def __init__(self, n):
        self.n = n
        self.procs = []
        self.hosts = []  # (name, addr, port)
        keys = CTL / "keys"
        if not (keys / "client").exists():
            keys.mkdir(parents=True, exist_ok=True)
            for k in ("host", "client"):
                sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "drover-bench",
                   "-f", str(keys / k))
            shutil.copy(keys / "client.pub", keys / "authorized_keys")
        os.chmod(CTL, 0o755)
        os.chmod(keys, 0o755)
        os.chmod(keys / "authorized_keys", 0o644)
        Path("/run/sshd").mkdir(exist_ok=True)
        self.key = keys / "client"
        host_pub = " ".join((keys / "host.pub").read_text().split()[:2])
        known = []
        for i in range(n):
            addr = f"127.0.0.{2 + i}"
            port = free_port(addr)
            name = f"h{2 + i:03d}"
            d = CTL / "sshd" / name
            d.mkdir(parents=True, exist_ok=True)
            (d / "sshd_config").write_text(
                f"Port {port}\nListenAddress {addr}\nHostKey {keys}/host\n"
                f"PidFile {d}/sshd.pid\nAuthorizedKeysFile {keys}/authorized_keys\n"
                "UsePAM no\nStrictModes no\nPermitRootLogin no\nPubkeyAuthentication yes\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                "MaxSessions 10\nMaxStartups 200:30:400\nPrintMotd no\nLogLevel ERROR\n"
                "Subsystem sftp internal-sftp\n"
                "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org\n"
            )
            p = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=open(d / "sshd.log", "w"))
            self.procs.append(p)
            self.hosts.append((name, addr, port))
            known.append(f"[{addr}]:{port} {host_pub}\n")
        PIDFILE.write_text("".join(f"{p.pid}\n" for p in self.procs))
        self.known_hosts = CTL / f"known_hosts_{n}"
        self.known_hosts.write_text("".join(known))
        deadline = time.time() + 20
        for (name, addr, port), p in zip(self.hosts, self.procs):
            while True:
                try:
                    socket.create_connection((addr, port), timeout=1).close()
                    break
                except OSError:
                    if p.poll() is not None or time.time() > deadline:
                        raise SystemExit(f"sshd {name} did not start: "
                                         + (CTL / "sshd" / name / "sshd.log").read_text())
                    time.sleep(0.01)
        self.write_inventories()

    def write_inventories(self):
        n = self.n
        lines = ["all:", "  vars:", "    ansible_python_interpreter: /usr/bin/python3",
                 "  hosts:"]
        for name, addr, port in self.hosts:
            lines += [f"    {name}:", f"      ansible_host: {addr}", f"      ansible_port: {port}",
                      f"      ansible_user: {USER}",
                      f"      ansible_ssh_private_key_file: {self.key}",
                      f"      ansible_ssh_common_args: \"-o UserKnownHostsFile={self.known_hosts}\""]
        self.yaml = CTL / f"inventory_{n}.yml"
        self.yaml.write_text("\n".join(lines) + "\n")
        py = [f"hosts = ["]
        for name, addr, port in self.hosts:
            py.append(f"    ({name!r}, {{'ssh_hostname': {addr!r}, 'ssh_port': {port}, "
                      f"'ssh_user': {USER!r}, 'ssh_key': {str(self.key)!r}, "
                      f"'ssh_known_hosts_file': {str(self.known_hosts)!r}, "
                      f"'ssh_strict_host_key_checking': 'yes'}}),")
        py.append("]")
        self.pyinv = CTL / f"inventory_{n}.py"
        self.pyinv.write_text("\n".join(py) + "\n")

    def ssh_base(self, addr, port):
        return ["ssh", "-q", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "StrictHostKeyChecking=yes", "-i", str(self.key), "-p", str(port),
                "-l", USER]

    def stop(self):
        kill_trees([p.pid for p in self.procs])
        for p in self.procs:
            p.wait()
        PIDFILE.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# tools


class Runner:
    def __init__(self, args, hosts):
        self.args, self.h = args, hosts
        self.drover = Path(args.drover)
        venv = Path(args.ansible_venv)
        self.ansible = venv / "bin" / "ansible-playbook"
        self.pyinfra = Path(args.pyinfra_venv) / "bin" / "pyinfra"
        self.persist_home = CTL / "persist-home"
        self.playbook = WORKLOAD / "site.yml"
        if args.gather_facts:
            # The same play with the implicit `Gathering Facts` task, next to the original so
            # that its files/ and templates/ are found.
            self.playbook = WORKLOAD / ".site-facts.yml"
            text = (WORKLOAD / "site.yml").read_text()
            self.playbook.write_text(text.replace("gather_facts: false", "gather_facts: true"))

    def root(self, tool):
        return ROOT / f"{tool}-{self.h.n}"

    def reset(self, tool):
        r = self.root(tool)
        shutil.rmtree(r, ignore_errors=True)
        r.mkdir(parents=True)
        shutil.chown(r, USER, USER)

    def command(self, tool):
        n, root = self.h.n, self.root(tool)
        env = dict(os.environ)
        if tool in ("drover", "drover-persist"):
            cmd = [str(self.drover), "run", str(self.playbook), "-i", str(self.h.yaml),
                   "-f", str(n), "-e", f"root={root}"]
            if tool == "drover-persist":
                cmd += ["--ssh-persist", "60"]
                env["HOME"] = str(self.persist_home)  # its masters live apart from anyone's
            return cmd, env
        if tool == "ansible":
            cp = CTL / "ansible-cp"
            shutil.rmtree(cp, ignore_errors=True)
            cp.mkdir(parents=True)
            env.update(ANSIBLE_PIPELINING="True", ANSIBLE_HOST_KEY_CHECKING="False",
                       ANSIBLE_FORKS=str(n), ANSIBLE_SSH_CONTROL_PATH_DIR=str(cp),
                       ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_NOCOLOR="1",
                       ANSIBLE_LOCAL_TEMP=str(CTL / "ansible-local"))
            cmd = [str(self.ansible), str(self.playbook), "-i", str(self.h.yaml),
                   "-f", str(n), "-e", f"root={root}"]
            return cmd, env
        if tool == "pyinfra":
            env["BENCH_ROOT"] = str(root)
            cmd = [str(self.pyinfra), "-y", "--parallel", str(n), str(self.h.pyinv),
                   str(WORKLOAD / "deploy.py")]
            return cmd, env
        raise ValueError(tool)

    def once(self, tool, label):
        cmd, env = self.command(tool)
        measure_tree = tool.startswith("drover")
        timed = ["/usr/bin/time", "-v"] + cmd
        out_path = CTL / "logs" / f"{tool}-{self.h.n}-{label}.log"
        out_path.parent.mkdir(exist_ok=True)
        with open(out_path, "w") as out:
            t0 = time.perf_counter()
            p = subprocess.Popen(timed, stdout=out, stderr=subprocess.STDOUT, env=env,
                                 stdin=subprocess.DEVNULL, cwd=WORKLOAD)
            sampler = TreeRss(p.pid) if measure_tree else None
            rc = p.wait()
            wall = time.perf_counter() - t0
        tree_peak = sampler.finish() if sampler else None
        text = out_path.read_text(errors="replace")
        if rc != 0:
            raise SystemExit(f"{tool} failed (rc {rc}), see {out_path}:\n{text[-3000:]}")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if tool == "ansible":
            self.close_ansible_masters()
        return {"wall": wall, "maxrss_kib": int(m.group(1)) if m else None,
                "tree_rss_kib": tree_peak, "changed": changed_count(tool, text),
                "log": out_path.name}

    def close_ansible_masters(self):
        cp = CTL / "ansible-cp"
        for sock in cp.iterdir() if cp.exists() else []:
            subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "x"],
                           capture_output=True)

    def close_persistent_masters(self):
        cm = self.persist_home / ".cache" / "drover" / "cm"
        for sock in cm.iterdir() if cm.exists() else []:
            if sock.is_socket():
                subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "x"],
                               capture_output=True)

    def measure(self, tool):
        """cold × repeat (fresh dirs each), then warm × repeat."""
        res = {"cold": [], "warm": []}
        reps = self.args.repeat
        for i in range(reps):
            self.reset(tool)
            if tool == "drover-persist":
                self.close_persistent_masters()
            res["cold"].append(self.once(tool, f"cold{i}"))
            log(f"{tool} n={self.h.n} cold {i}: {res['cold'][-1]['wall']:.2f}s")
        for i in range(reps):
            res["warm"].append(self.once(tool, f"warm{i}"))
            log(f"{tool} n={self.h.n} warm {i}: {res['warm'][-1]['wall']:.2f}s")
        if tool == "drover-persist":
            self.close_persistent_masters()
        res["digest"] = tree_digest(self.root(tool) / self.h.hosts[0][0])
        return res


def tree_digest(path):
    """A digest of a host's directory (names, types, modes, file contents, link targets), to
    check that every tool left the same result."""
    import hashlib
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(path)):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            st = p.lstat()
            h.update(f"{p.relative_to(path)} {st.st_mode:o}\n".encode())
            if p.is_symlink():
                h.update(os.readlink(p).replace(str(path), "BASE").encode())
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()[:12]


def changed_count(tool, text):
    """Total `changed` over hosts, from the recap (None when it cannot tell)."""
    if tool.startswith("drover") or tool == "ansible":
        vals = re.findall(r"changed=(\d+)", text)
        return sum(int(v) for v in vals) if vals else None
    m = re.search(r"Grand total\s+\d+\s+(\d+|-)", text)
    return None if not m else (0 if m.group(1) == "-" else int(m.group(1)))


# ---------------------------------------------------------------------------------------------
# the physical floor


def floor(hosts, n_cmds=20):
    """Plain OpenSSH: n parallel handshakes (`ssh host true`), then n_cmds sequential commands
    per host over an existing master (`ssh -S` mux client, one process per command), for all
    hosts in parallel and for one host alone."""
    def handshakes():
        t0 = time.perf_counter()
        ps = [subprocess.Popen(hosts.ssh_base(a, p) + ["-o", "ControlPath=none", a, "true"],
                               stdin=subprocess.DEVNULL) for _, a, p in hosts.hosts]
        for p in ps:
            assert p.wait() == 0
        return time.perf_counter() - t0

    socks = []
    for name, a, p in hosts.hosts:
        s = CTL / f"floor-{name}"
        sh(*hosts.ssh_base(a, p), "-o", "ControlMaster=yes", "-o", f"ControlPath={s}",
           "-o", "ControlPersist=120", "-f", "-N", a)
        socks.append((s, a, p))

    def commands(selected):
        def run_host(s, a, p):
            for _ in range(n_cmds):
                subprocess.run(hosts.ssh_base(a, p) + ["-o", f"ControlPath={s}", a, "true"],
                               check=True, stdin=subprocess.DEVNULL)
        t0 = time.perf_counter()
        ts = [threading.Thread(target=run_host, args=x) for x in selected]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.perf_counter() - t0

    try:
        hs = [handshakes() for _ in range(3)]
        one = [commands(socks[:1]) for _ in range(3)]
        par = [commands(socks) for _ in range(3)]
    finally:
        for s, a, p in socks:
            subprocess.run(["ssh", "-o", f"ControlPath={s}", "-O", "exit", a],
                           capture_output=True)
    return {"handshakes": hs, "cmds_one_host": one, "cmds_all_hosts": par}


# ---------------------------------------------------------------------------------------------


def med(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", default="10,100", help="comma-separated host counts")
    ap.add_argument("--tools", default="drover,drover-persist,pyinfra,ansible")
    ap.add_argument("--ansible-max", type=int, default=10,
                    help="run ansible only up to this many hosts (it is slow at 100)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--drover", default=str(REPO / "target" / "release" / "drover"),
                    help="the drover binary to time (e.g. a build of an older commit)")
    ap.add_argument("--ansible-venv", default="/opt/ansible-venv")
    ap.add_argument("--pyinfra-venv", default=str(BENCH / ".venv"))
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--gather-facts", action="store_true",
                    help="drover and ansible run the workload with gather_facts: true")
    ap.add_argument("--out", default=str(BENCH / ".out" / "results.json"))
    ap.add_argument("--kill-only", action="store_true", help="kill sshd servers left behind")
    args = ap.parse_args()

    if args.kill_only:
        if PIDFILE.exists():
            kill_trees([int(x) for x in PIDFILE.read_text().split()])
            PIDFILE.unlink()
        return
    if os.geteuid() != 0:
        raise SystemExit("run as root (it starts sshd servers and uses the drovertest user)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    CTL.mkdir(parents=True, exist_ok=True)
    ROOT.mkdir(parents=True, exist_ok=True)
    ensure_user()
    tools = args.tools.split(",")
    results = {"machine": machine(), "runs": {}, "floor": {}}
    for n in [int(x) for x in args.hosts.split(",")]:
        log(f"starting {n} sshd servers; load {loadavg()}")
        hosts = Hosts(n)
        try:
            if not args.no_floor:
                results["floor"][n] = floor(hosts)
                log(f"floor n={n}: {results['floor'][n]}")
            runner = Runner(args, hosts)
            for tool in tools:
                if tool == "ansible" and n > args.ansible_max:
                    continue
                before = loadavg()
                r = runner.measure(tool)
                r["load_before"], r["load_after"] = before, loadavg()
                results["runs"][f"{tool}@{n}"] = r
        finally:
            hosts.stop()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(report(results))


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    ver = lambda *c: subprocess.run(c, capture_output=True, text=True).stdout.strip() \
        or subprocess.run(c, capture_output=True, text=True).stderr.strip()
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "load_at_start": loadavg(),
        "ssh": ver("ssh", "-V"),
        "drover": ver(str(REPO / "target/release/drover"), "--version"),
        "git": ver("git", "-C", str(REPO), "rev-parse", "--short", "HEAD"),
    }


def report(res):
    out = []
    runs, fl = res["runs"], res["floor"]
    out.append("| hosts | tool | cold (s) | warm (s) | peak RSS drover (MiB) | "
               "peak RSS drover + ssh masters (MiB) |")
    out.append("|---|---|---|---|---|---|")
    for key, r in runs.items():
        tool, n = key.split("@")
        cold, warm = med([x["wall"] for x in r["cold"]]), med([x["wall"] for x in r["warm"]])
        rss = max(x["maxrss_kib"] or 0 for x in r["cold"] + r["warm"]) / 1024
        tr = [x["tree_rss_kib"] for x in r["cold"] + r["warm"] if x["tree_rss_kib"]]
        out.append(f"| {n} | {tool} | {cold:.2f} | {warm:.2f} | "
                   f"{rss:.1f} | {max(tr) / 1024 if tr else float('nan'):.1f} |")
    out.append("")
    digests = {k: r.get("digest") for k, r in runs.items()}
    out.append(f"result digests of the first host (equal = same files): {digests}")
    out.append("changed in warm runs (sum over hosts; pyinfra counts its shell steps): "
               + str({k: r["warm"][0]["changed"] for k, r in runs.items()}))
    out.append("")
    out.append("ratios (median wall of the other tool / median wall of drover):")
    for key, r in runs.items():
        tool, n = key.split("@")
        d = runs.get(f"drover@{n}")
        if tool.startswith("drover") or not d:
            continue
        for phase in ("cold", "warm"):
            other = med([x["wall"] for x in r[phase]])
            mine = med([x["wall"] for x in d[phase]])
            out.append(f"  {n} hosts {phase}: {tool}/drover = {other / mine:.1f}x")
        p = runs.get(f"drover-persist@{n}")
        if p:
            other = med([x["wall"] for x in r["warm"]])
            out.append(f"  {n} hosts warm: {tool}/drover-persist = "
                       f"{other / med([x['wall'] for x in p['warm']]):.1f}x")
    for n, f in fl.items():
        hs, one, par = med(f["handshakes"]), med(f["cmds_one_host"]), med(f["cmds_all_hosts"])
        out.append(f"floor {n} hosts: {n} parallel handshakes {hs:.3f}s; 20 mux commands on one "
                   f"host {one:.3f}s; 20 mux commands on each of {n} hosts at once {par:.3f}s")
        d = runs.get(f"drover@{n}")
        if d:
            cold = med([x["wall"] for x in d["cold"]])
            out.append(f"  drover cold / (handshakes + 20 cmds one host) = {cold / (hs + one):.2f}x; "
                       f"/ (handshakes + 20 cmds all hosts) = {cold / (hs + par):.2f}x")
    return "\n".join(out)


if __name__ == "__main__":
    main()
