#!/usr/bin/env bash
# Runs the example playbook against the example inventory on this machine (local connection; it
# writes only under /tmp/drover-demo), installing the C linker cargo needs when it is missing.
# Run it twice: the second run reports changed=0. Extra arguments go to `drover run`
# (e.g. `./scripts/demo.sh --check --diff`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cc >/dev/null 2>&1; then
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi

cargo build --quiet --release -p drover
exec ./target/release/drover run playbooks/site.yml -i inventory.example.yml "$@"
