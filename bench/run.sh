#!/usr/bin/env bash
# dockgate benchmark: one command, from a fresh clone.
#
#   bench/run.sh            full run (~15 min on 2 cores): writes bench/results/RESULTS.md
#   bench/run.sh --quick    smoke run (~2-3 min): writes bench/results/RESULTS-quick.md
#
# Installs the baselines (haproxy, nginx, stunnel4) and the project's own dependencies from Debian
# packages when missing, builds dockgate in release mode, builds the C load generator and the fast
# unix-socket upstream, then hands over to bench/bench.py, which starts a private dockerd (through
# Tests/Scripts/private-dockerd.sh, with its own state folder), every contender on its own loopback
# port, measures interleaved, stops everything it started by PID and writes the report.
# Durations and sizes: see the environment variables at the top of bench/bench.py.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

step() { printf '\n==== %s ====\n' "$*" >&2; }

if [ "${SKIP_INSTALL_DEPS:-0}" != 1 ]; then
    step "dependencies"
    "$root/Tests/Scripts/install-deps.sh"
    missing=()
    for p in haproxy nginx stunnel4 gcc libc6-dev libssl-dev openssl pkg-config python3; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "bench: installing ${missing[*]}" >&2
        sudo_cmd=()
        [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
        # Keep the packages' maintainer scripts from starting system nginx/haproxy services.
        added_policy=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
            "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
            added_policy=1
        fi
        rc=0
        { "${sudo_cmd[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"; } >&2 || rc=$?
        [ "$added_policy" = 1 ] && "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d
        [ "$rc" -eq 0 ] || { echo "bench: apt-get failed ($rc)" >&2; exit "$rc"; }
    fi
fi

# The commit the measured binary is built from, taken before the build (sources may change while
# the benchmark runs); "+changes" when the built sources differ from it.
if commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
    [ -z "$(git -C "$root" status --porcelain -- Sources Package.swift Package.resolved 2>/dev/null)" ] \
        || commit="$commit + uncommitted changes under Sources/"
    export BENCH_COMMIT="$commit"
fi

step "build dockgate (release)"
swift build -c release --product dockgate >&2
bin_dir=$(swift build -c release --show-bin-path)
[ -x "$bin_dir/dockgate" ] || { echo "bench: $bin_dir/dockgate was not built" >&2; exit 1; }

step "build the load generator and the fast upstream"
out="$root/.build/bench"
mkdir -p "$out"
gcc -O2 -Wall -Wextra -o "$out/loadgen" "$here/loadgen.c" $(pkg-config --cflags --libs openssl) -lpthread
gcc -O2 -Wall -Wextra -o "$out/fast-upstream" "$here/fast-upstream.c"

step "measure"
DOCKGATE_BIN="$bin_dir/dockgate" LOADGEN="$out/loadgen" FAST_UPSTREAM="$out/fast-upstream" \
    exec python3 "$here/bench.py" "$@"
