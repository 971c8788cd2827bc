#!/usr/bin/env bash
# SSH fan-out benchmark (run by hand, as root): builds drover in release mode, makes a venv
# with pyinfra 3 in bench/.venv if there is none, then runs bench/run.py, which starts the
# loopback sshd hosts, times drover / pyinfra / ansible-playbook and prints the table.
# Arguments go to run.py (see `bench/run.sh --help`), e.g. `bench/run.sh --hosts 10 --repeat 1`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

cleanup() { python3 "$here/run.py" --kill-only || true; }
trap cleanup EXIT INT TERM

ulimit -n "$(ulimit -Hn)"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
[ -x /usr/sbin/sshd ] || { apt-get update -qq && apt-get install -y -qq openssh-server; }
if [ ! -x "$here/.venv/bin/pyinfra" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install -q 'pyinfra>=3,<4'
fi
cargo build --release -p drover
python3 "$here/run.py" "$@"
