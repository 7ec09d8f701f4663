#!/usr/bin/env bash
# Install everything the build and the integration tests need, on a fresh Debian 12 machine.
# Idempotent: asks apt only when a package is missing, pip only when an import fails.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

APT_PACKAGES=(docker.io docker-compose busybox-static libssl-dev libsystemd-dev zlib1g-dev systemd systemd-journal-remote python3-pip)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing apt packages: ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    # Never let the packages' maintainer scripts start a system dockerd/containerd: the tests
    # run their own private daemon. (Docker-built images already ship this policy file.)
    added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
        added_policy=1
    fi
    rc=0
    { "${sudo_cmd[@]}" apt-get update -q && "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"; } || rc=$?
    if [ "$added_policy" = 1 ]; then
        "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d
    fi
    [ "$rc" -eq 0 ] || { echo "install-deps: apt-get failed ($rc)" >&2; exit "$rc"; }
else
    echo "install-deps: apt packages present" >&2
fi

# The docker CLI (28.x) is expected at /usr/local/bin/docker; docker.io ships one too (20.10) as
# a fallback. Report what will be used.
command -v docker >/dev/null || { echo "install-deps: no docker CLI on PATH" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "install-deps: no dockerd on PATH" >&2; exit 1; }

PY=${PYTHON:-python3}
if ! "$PY" -c 'import docker, pytest, cryptography' 2>/dev/null; then
    echo "install-deps: installing python packages (docker pytest cryptography) for $("$PY" -c 'import sys; print(sys.executable)')" >&2
    # --break-system-packages only matters for Debian's own python3 (PEP 668); pyenv's ignores it.
    if ! "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore docker pytest cryptography; then
        "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore --break-system-packages docker pytest cryptography
    fi
    "$PY" -c 'import docker, pytest, cryptography'
else
    echo "install-deps: python packages present" >&2
fi
echo "install-deps: $(command -v docker): $(docker --version); dockerd: $(dockerd --version)" >&2
