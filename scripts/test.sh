#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, checks formatting, clippy
# and rustdoc with warnings as errors, then runs the whole workspace's tests.
#
# Made for a fresh Debian/Ubuntu machine with only rustup on it (CI runs it as root); safe to
# run again and again: every install step is skipped when its result is already there.
#
#   apt packages  openssh-server openssh-client sudo iproute2 (+ python3, python3-venv if needed)
#   rustup        the clippy and rustfmt components
#   ansible-core  2.19.* in a venv at ${DROVER_ANSIBLE_VENV:-$PWD/.venv} (the differential
#                 tests compare drover against its ansible-playbook)
#
# Extra arguments are passed to `cargo test`, e.g. `./scripts/test.sh -p drover-test`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${DROVER_ANSIBLE_VENV:-$ROOT/.venv}
ANSIBLE_SPEC='ansible-core==2.19.*'

log() { printf '==> %s\n' "$*" >&2; }

# Ansible refuses to run without a UTF-8 locale; C.UTF-8 exists on every Debian/Ubuntu.
export LC_ALL=${LC_ALL:-C.UTF-8}
export LANG=${LANG:-C.UTF-8}

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi

APT_UPDATED=0
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        log "missing: $* — and no apt-get here; install them yourself"
        exit 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- system packages -------------------------------------------------------------------------
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v sudo >/dev/null 2>&1 || missing+=(sudo)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v tc >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# --- ansible-core in a venv ------------------------------------------------------------------
ansible_ok() {
    [ -x "$VENV/bin/ansible-playbook" ] &&
        "$VENV/bin/python" -c 'import ansible.release as r, sys; sys.exit(0 if r.__version__.startswith("2.19.") else 1)' 2>/dev/null
}
if ! ansible_ok; then
    probe=$(mktemp -d)
    if ! python3 -m venv "$probe/venv" >/dev/null 2>&1; then
        # Debian splits venv/ensurepip out of python3.
        pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        apt_install python3-venv "python${pyver}-venv" || apt_install python3-venv
    fi
    rm -rf "$probe"
    if [ ! -x "$VENV/bin/pip" ]; then
        log "creating venv $VENV"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    log "installing $ANSIBLE_SPEC into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$ANSIBLE_SPEC"
    ansible_ok || { log "ansible-core 2.19 did not install into $VENV"; exit 1; }
fi
export DROVER_ANSIBLE_PLAYBOOK="$VENV/bin/ansible-playbook"
ansible_version=$("$DROVER_ANSIBLE_PLAYBOOK" --version)
log "using ${ansible_version%%$'\n'*} ($DROVER_ANSIBLE_PLAYBOOK)"

# --- rust --------------------------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || { log "cargo not found: install rustup first"; exit 1; }

# --- lints: formatting, clippy and rustdoc, all warnings are errors ----------------------------
for tool in clippy:clippy fmt:rustfmt; do
    if ! cargo "${tool%%:*}" --version >/dev/null 2>&1; then
        command -v rustup >/dev/null 2>&1 || { log "cargo ${tool%%:*} not found and no rustup"; exit 1; }
        log "rustup component add ${tool#*:}"
        rustup component add "${tool#*:}"
    fi
done
log "cargo fmt --all --check"
cargo fmt --all --check
log "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
log "cargo doc --workspace --no-deps (RUSTDOCFLAGS='-D warnings')"
RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps

log "cargo test --workspace $*"
cargo test --workspace "$@"
