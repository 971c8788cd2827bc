#!/usr/bin/env python3
"""What roles and includes cost per task: the same 20 tasks on 10 hosts, written four ways.

  inline    the tasks in the play's `tasks:`
  role      the tasks in a role (`roles:`), with a default and a var of the role
  import    the tasks in a file brought in with `import_tasks`
  include   the tasks in a file brought in with `include_tasks` (loaded as the run goes)

Every host uses the local connection and the tasks are `debug` tasks that template a variable,
so the figures are the controller's own work, where any cost of roles and includes would show.
Each figure is the median of --repeat runs of a release build:

    cargo build --release -p drover
    bench/roles_overhead.py

The issue's target: the role (and include) runs stay within 5 % of the inline run.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOSTS = 10
TASKS = 20  # --tasks


def inventory():
    lines = ["all:", "  vars:", "    ansible_connection: local", "  hosts:"]
    lines += [f"    h{i:02d}:" for i in range(HOSTS)]
    return "\n".join(lines) + "\n"


def tasks(indent):
    pad = " " * indent
    return "".join(
        f"{pad}- name: task {t}\n{pad}  debug:\n{pad}    msg: \"{{{{ inventory_hostname }}}} {{{{ greeting }}}} {t}\"\n"
        for t in range(TASKS))


def set_tasks(n):
    global TASKS
    TASKS = n


def layout(kind, root):
    head = "- hosts: all\n  gather_facts: false\n  vars:\n    greeting: hello\n"
    if kind == "inline":
        play = head + "  tasks:\n" + tasks(4)
    elif kind == "role":
        role = root / "roles" / "bench"
        (role / "tasks").mkdir(parents=True)
        (role / "defaults").mkdir()
        (role / "tasks" / "main.yml").write_text(tasks(0))
        (role / "defaults" / "main.yml").write_text("greeting: from role\n")
        play = head + "  roles:\n    - bench\n"
    else:
        (root / "tasks.yml").write_text(tasks(0))
        keyword = "import_tasks" if kind == "import" else "include_tasks"
        play = head + f"  tasks:\n    - {keyword}: tasks.yml\n"
    (root / "playbook.yml").write_text(play)
    (root / "inventory.yml").write_text(inventory())


def measure(binary, workdir):
    """CPU seconds and wall seconds of one run."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.chdir(workdir)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(binary, [binary, "run", "playbook.yml", "-i", "inventory.yml"])
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"drover exited {code} in {workdir}")
    return usage.ru_utime + usage.ru_stime, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--tasks", type=int, default=TASKS)
    ap.add_argument("--binary", default=str(REPO / "target/release/drover"))
    args = ap.parse_args()
    set_tasks(args.tasks)
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no drover binary at {args.binary}: cargo build --release -p drover")
    print(f"{'layout':>8} {'cpu s':>8} {'wall s':>8} {'cpu vs inline':>14} {'wall vs inline':>15}")
    base = None
    for kind in ("inline", "role", "import", "include"):
        with tempfile.TemporaryDirectory(prefix="drover-roles-") as tmp:
            layout(kind, Path(tmp))
            runs = [measure(args.binary, tmp) for _ in range(args.repeat)]
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        if base is None:
            base = (cpu, wall)
        print(f"{kind:>8} {cpu:>8.3f} {wall:>8.3f} {100 * (cpu / base[0] - 1):>+13.1f}%"
              f" {100 * (wall / base[1] - 1):>+14.1f}%", flush=True)


if __name__ == "__main__":
    main()
