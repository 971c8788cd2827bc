#!/usr/bin/env bash
# Times drover's Python-compatible regular expressions on the regex and fancy-regex paths
# (crates/drover-python/examples/re_bench.rs, release build), then CPython's re on the same
# text and patterns for reference. Figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q --release -p drover-python --example re_bench
python3 - <<'PY'
import re, time
lines = []
for i in range(40000):
    k = i % 5
    lines.append([f"#PermitRootLogin yes {i}", f"PermitRootLogin no {i}",
                  f"version: nginx/1.{i % 30}.{i % 7} (Ubuntu)", f"name = demo{i % 3} demo{i % 4}",
                  f"port={8000 + i % 100}"][k] + "\n")
text = "".join(lines)
for name, p in [("setting", r"^PermitRootLogin\s+\w+"), ("version", r"nginx/(\d+(?:\.\d+)*)"),
                ("word", r"\bdemo\d\b"), ("line end", r"\d+$"), ("empty", r"\d*")]:
    r = re.compile(p, re.M)
    best = min((lambda: (lambda t: (sum(1 for _ in r.finditer(text)), time.perf_counter() - t))(time.perf_counter()))()[1] for _ in range(5))
    print(f"CPython {name}: {best * 1000:.1f} ms")
PY
