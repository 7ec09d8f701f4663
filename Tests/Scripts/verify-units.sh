#!/usr/bin/env bash
# Checks the files in deploy/ statically, on any machine with the systemd package installed
# (systemd need not be PID 1, nothing is installed or started):
#
#   1. `systemd-analyze verify` on every unit in deploy/; any diagnostic fails (verify itself
#      exits 0 on unknown keys and bad values, it only prints them).
#   2. `systemd-analyze security --offline` on dockgate.service: the exposure level must stay at
#      or below $MAX_EXPOSURE (2.0 = "OK"), so a weakened sandbox is noticed.
#   3. `logrotate -d` on deploy/logrotate/dockgate, when logrotate is installed.
#
#   Tests/Scripts/verify-units.sh
#
# verify checks that ExecStart= binaries exist, so the units are verified from a temporary copy
# in which /usr/local/bin/dockgate is replaced by /bin/true; every other line is unchanged.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
deploy="$root/deploy"
MAX_EXPOSURE=${MAX_EXPOSURE:-20}  # systemd-analyze's scale: 20 is shown as 2.0

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

command -v systemd-analyze >/dev/null || { echo "verify-units.sh: systemd-analyze not found (apt-get install systemd)" >&2; exit 1; }
echo "verify-units.sh: $(systemd-analyze --version | head -n 1)"

work=$(mktemp -d /tmp/dockgate-units.XXXXXX)
trap 'rm -rf "$work"' EXIT

units=()
for unit in "$deploy"/*.socket "$deploy"/*.service "$deploy"/*.timer "$deploy"/*.mount; do
    [ -e "$unit" ] || continue
    sed 's#/usr/local/bin/dockgate\b#/bin/true#g' "$unit" >"$work/$(basename "$unit")"
    units+=("$work/$(basename "$unit")")
done
for required in dockgate.socket dockgate.service; do
    [ -e "$work/$required" ] || fail "deploy/$required is missing"
done

# 1. verify: all units at once, so Service=/Requires=/Unit= references resolve among them.
if output=$(cd "$work" && systemd-analyze verify --man=no "${units[@]}" 2>&1); then status=0; else status=$?; fi
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    fail "systemd-analyze verify (exit $status):"
    printf '%s\n' "$output" | sed "s#$work/#deploy/#g" >&2
else
    pass "systemd-analyze verify ${units[*]##*/}"
fi

# 2. security exposure of the proxy unit.
if [ -e "$work/dockgate.service" ]; then
    if report=$(systemd-analyze security --offline=true --threshold="$MAX_EXPOSURE" "$work/dockgate.service" 2>&1); then
        pass "systemd-analyze security dockgate.service: $(printf '%s\n' "$report" | grep -o 'Overall exposure level.*' | sed 's/ for [^:]*//')"
    else
        fail "systemd-analyze security dockgate.service is above $MAX_EXPOSURE:"
        printf '%s\n' "$report" | grep -E '✗|Overall' >&2 || printf '%s\n' "$report" >&2
    fi
fi

# 3. logrotate snippet.
snippet="$deploy/logrotate/dockgate"
if [ ! -e "$snippet" ]; then
    fail "deploy/logrotate/dockgate is missing"
elif ! command -v logrotate >/dev/null; then
    echo "skip: logrotate is not installed; deploy/logrotate/dockgate not checked"
else
    config="$work/logrotate.conf"
    cp "$snippet" "$config"
    if ! getent passwd dockgate >/dev/null || ! getent group dockgate >/dev/null; then
        # `su`/`create` name a user that only exists on a real install; check the rest as root.
        sed -i 's/\bdockgate dockgate\b/root root/g' "$config"
        echo "note: no dockgate user here; logrotate checks the snippet with 'root root' in its place"
    fi
    chmod 0644 "$config"
    if output=$(logrotate -d -s "$work/logrotate.state" "$config" 2>&1); then status=0; else status=$?; fi
    if [ "$status" -ne 0 ] || printf '%s\n' "$output" | grep -q '^error:'; then
        fail "logrotate -d deploy/logrotate/dockgate (exit $status):"
        printf '%s\n' "$output" | grep -E '^(error|warning):' >&2 || printf '%s\n' "$output" >&2
    elif ! printf '%s\n' "$output" | grep -q 'rotating pattern: /var/log/dockgate/audit.log'; then
        fail "logrotate -d did not pick up /var/log/dockgate/audit.log:"
        printf '%s\n' "$output" >&2
    else
        pass "logrotate -d deploy/logrotate/dockgate ($(logrotate --version 2>&1 | head -n 1))"
    fi
fi

if [ "$failures" -ne 0 ]; then
    echo "verify-units.sh: $failures check(s) failed" >&2
    exit 1
fi
echo "verify-units.sh: all checks passed"
