#!/usr/bin/env python3
"""Controller cost of variables at fleet size: drover's CPU time and peak memory for N hosts.

Every host uses the local connection and runs 10 `debug` tasks, so the figures are the
controller's own work (variables, templating, events, output), not the hosts'. Each host has a
200-byte inventory variable. Two workloads:

  plain     the tasks print `inventory_hostname` and the host's own variable
  hostvars  the tasks read `hostvars[inventory_hostname]` (and one other host's variable)

CPU is user + system time of the drover process (getrusage of the waited child), peak memory
its maximum resident set size. Each point is the median of --repeat runs. Run it by hand with
a release build:

    cargo build --release -p drover
    bench/vars_scale.py --hosts 10,100,1000,3000

The run must grow at most linearly with hosts: the table prints CPU and memory per host too.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TASKS = 10


def inventory(n):
    value = "x" * 200
    lines = ["all:", "  vars:", "    ansible_connection: local", "  hosts:"]
    for i in range(n):
        lines.append(f"    h{i:05d}:")
        lines.append(f"      payload: {value}{i}")
    return "\n".join(lines) + "\n"


def playbook(kind):
    if kind == "plain":
        msg = "{{ inventory_hostname }} {{ payload | length }}"
    else:
        msg = ("{{ hostvars[inventory_hostname].payload | length }} "
               "{{ hostvars[play_hosts[0]].payload | length }}")
    tasks = "".join(
        f"    - name: task {t}\n      debug:\n        msg: \"{msg}\"\n" for t in range(TASKS))
    return f"- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}"


def measure(binary, workdir):
    """CPU seconds, peak RSS in MiB and wall seconds of one run."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.chdir(workdir)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(binary, [binary, "run", "playbook.yml", "-i", "inventory.yml", "-f", "50"])
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"drover exited {code} in {workdir}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", default="10,100,1000,3000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", default=str(REPO / "target/release/drover"))
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no drover binary at {args.binary}: cargo build --release -p drover")
    print(f"{'hosts':>6} {'workload':>9} {'cpu s':>8} {'peak MiB':>9} {'wall s':>8}"
          f" {'cpu ms/host':>12} {'KiB/host':>9}")
    for n in [int(x) for x in args.hosts.split(",")]:
        for kind in ("plain", "hostvars"):
            with tempfile.TemporaryDirectory(prefix="drover-vars-") as tmp:
                Path(tmp, "inventory.yml").write_text(inventory(n))
                Path(tmp, "playbook.yml").write_text(playbook(kind))
                runs = [measure(args.binary, tmp) for _ in range(args.repeat)]
            cpu = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            wall = statistics.median(r[2] for r in runs)
            print(f"{n:>6} {kind:>9} {cpu:>8.2f} {rss:>9.1f} {wall:>8.2f}"
                  f" {cpu * 1000 / n:>12.2f} {rss * 1024 / n:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
