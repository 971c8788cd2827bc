#!/usr/bin/env python3
"""Where drover's time goes on the benchmark workload (run by hand, as root, after run.sh has
built drover): controller CPU against host CPU (default connections, then a warm run over
persistent masters), the channels drover opens for a run, the processes a cold and a warm run
start on a host, and the cost of one command as a new exec over the mux against one command
written to a shell that stays open.

    python3 bench/profile.py [--hosts 10]
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the benchmark's hosts and tool commands)

CG = Path("/sys/fs/cgroup/cpuacct")


class Cgroup:
    """A cgroup-v1 cpuacct group: CPU used by every process ever in it, reaped or not."""

    def __init__(self, name):
        self.path = CG / name
        self.path.mkdir(exist_ok=True)

    def add(self, pid):
        (self.path / "cgroup.procs").write_text(f"{pid}\n")

    def usage(self):
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def remove(self):
        for pid in (self.path / "cgroup.procs").read_text().split():
            try:
                (CG / "cgroup.procs").write_text(pid + "\n")
            except OSError:
                pass
        try:
            self.path.rmdir()
        except OSError:
            pass


CTL_CG = None


def timed(cmd, env, cwd):
    t0 = time.perf_counter()
    pre = (lambda: CTL_CG.add(os.getpid())) if CTL_CG else None
    out = subprocess.run(["/usr/bin/time", "-f", "CPU %U %S"] + cmd, env=env, cwd=cwd,
                         capture_output=True, text=True, stdin=subprocess.DEVNULL,
                         preexec_fn=pre)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-2000:])
    u, s = re.search(r"CPU ([\d.]+) ([\d.]+)", out.stderr).groups()
    return wall, float(u) + float(s), out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=10)
    ap.add_argument("--ansible-venv", default="/opt/ansible-venv")
    ap.add_argument("--pyinfra-venv", default=str(run.BENCH / ".venv"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    run.CTL.mkdir(parents=True, exist_ok=True)
    run.ensure_user()
    hosts = run.Hosts(args.hosts)
    global CTL_CG
    host_cg, CTL_CG = Cgroup("drover-bench-hosts"), Cgroup("drover-bench-ctl")
    for p in hosts.procs:
        host_cg.add(p.pid)
    try:
        r = run.Runner(args, hosts)
        n = hosts.n

        def measure(tool):
            """Wall time, controller CPU and host CPU of one run of `tool`."""
            before, cbefore = host_cg.usage(), CTL_CG.usage()
            cmd, env = r.command(tool)
            wall, _, _ = timed(cmd, env, run.WORKLOAD)
            time.sleep(0.3)
            return wall, CTL_CG.usage() - cbefore, host_cg.usage() - before

        # 1. Controller CPU against host CPU, default connections (they close at the end, so
        #    the listeners have reaped every sshd process and its commands).
        for tool in ("drover", "pyinfra"):
            r.reset(tool)
            for phase in ("cold", "warm"):
                wall, ctl_cpu, host_cpu = measure(tool)
                print(f"{tool} {n} hosts {phase}: wall {wall:.2f}s, controller CPU "
                      f"{ctl_cpu:.2f}s, host CPU (sshd + shells + commands) {host_cpu:.2f}s")

        # The same with persistent masters (started by a first, unmeasured run; they stay in the
        # controller's cgroup): a warm run without any handshake.
        r.close_persistent_masters()
        r.reset("drover-persist")
        measure("drover-persist")
        wall, ctl_cpu, host_cpu = measure("drover-persist")
        print(f"drover --ssh-persist {n} hosts warm: wall {wall:.2f}s, controller CPU "
              f"{ctl_cpu:.2f}s, host CPU {host_cpu:.2f}s")
        r.close_persistent_masters()

        # 2. Channels: each channel drover opens (a shell that stays open, or a command of its
        #    own) is one connect() of the native mux client to the control socket. Persistent
        #    masters, so the warm run makes no handshake at all.
        name, addr, port = hosts.hosts[0]
        one = run.CTL / "inventory_1.yml"
        text = hosts.yaml.read_text()
        one.write_text(text[: text.index(f"    {hosts.hosts[1][0]}:")] if n > 1 else text)
        cmd, env = r.command("drover-persist")
        cmd[cmd.index(str(hosts.yaml))] = str(one)
        r.close_persistent_masters()
        r.reset("drover-persist")
        timed(cmd, env, run.WORKLOAD)  # cold, leaves the master
        walls = [timed(cmd, env, run.WORKLOAD)[0] for _ in range(5)]
        walls.sort()
        trace = run.CTL / "connect.trace"
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace)] + cmd,
                       env=env, cwd=run.WORKLOAD, capture_output=True, check=True)
        mux = sum(1 for l in trace.read_text().splitlines()
                  if "sun_path=" in l and "/cm/" in l)
        print(f"drover 1 host warm, persistent master: median wall {walls[2]:.3f}s "
              f"({walls[2] / 20 * 1000:.1f} ms per task, start-up included); "
              f"{mux} mux connections (channels opened + master checks) for 20 tasks")

        # 3. Processes the host starts for a cold and a warm run: execve under the host's sshd.
        for phase in ("cold", "warm"):
            if phase == "cold":
                r.reset("drover-persist")
            ex = run.CTL / "execve.trace"
            pids = [str(p) for p in run.tree(hosts.procs[0].pid)]
            tracer = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(ex)]
                                      + [a for p in pids for a in ("-p", p)])
            time.sleep(0.5)
            timed(cmd, env, run.WORKLOAD)
            time.sleep(0.3)
            tracer.terminate()
            tracer.wait()
            # Failed execve (a PATH search that misses) are not processes.
            progs = [m.group(1) for line in ex.read_text().splitlines() if "ENOENT" not in line
                     for m in [re.search(r'execve\("([^"]+)"', line)] if m]
            print(f"host-side execve for a {phase} run: {len(progs)}: "
                  f"{Counter(progs).most_common(12)}")

        # 4. One command as a new exec over an existing master (ssh -S client; drover's native
        #    client skips the client process) against one command written to a shell that
        #    stays open on the host.
        sock = run.CTL / "proto-m"
        base = hosts.ssh_base(addr, port)
        subprocess.run(base + ["-o", "ControlMaster=yes", "-o", f"ControlPath={sock}", "-o",
                               "ControlPersist=60", "-f", "-N", addr], check=True)
        try:
            k = 100
            t0 = time.perf_counter()
            for _ in range(k):
                subprocess.run(base + ["-o", f"ControlPath={sock}", addr,
                                       "/bin/sh -c 'test -d /tmp && stat -c %a /tmp'"],
                               check=True, capture_output=True)
            per_exec = (time.perf_counter() - t0) / k
            p = subprocess.Popen(base + ["-o", f"ControlPath={sock}", addr, "/bin/sh"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
            t0 = time.perf_counter()
            for i in range(k):
                p.stdin.write(f"test -d /tmp && stat -c %a /tmp; echo \"@@end $? {i}\"\n"
                              .encode())
                line = b""
                while not line.startswith(b"@@end"):
                    line = p.stdout.readline()
            per_shell = (time.perf_counter() - t0) / k
            p.stdin.close()
            p.wait()
            print(f"one small script: new exec over the master {per_exec * 1000:.1f} ms "
                  f"(includes ~1 ssh client process); written to an open shell "
                  f"{per_shell * 1000:.1f} ms")
        finally:
            subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", addr],
                           capture_output=True)
        r.close_persistent_masters()
        print(f"load average now: {run.loadavg()}")
    finally:
        hosts.stop()
        host_cg.remove()
        CTL_CG.remove()


if __name__ == "__main__":
    main()
