#!/usr/bin/env bash
# The project's test command (README): build, unit tests, then the integration suite against a
# private dockerd with the real docker CLI and docker-py.
#
#   Tests/Scripts/test.sh [extra pytest args...]
#
# Environment:
#   SKIP_INSTALL_DEPS=1   do not run install-deps.sh
#   SKIP_UNIT_TESTS=1     do not run `swift test`
#   SKIP_FUZZ=1           do not run the short libFuzzer pass (Tests/Scripts/fuzz.sh 20)
#   SKIP_SANITIZERS=1     do not run the unit tests under TSan and ASan (Tests/Scripts/sanitizers.sh),
#                         nor the stress test against TSan and ASan builds (sanitizer-integration.sh)
#   PYTEST_TIMEOUT        overall limit for the integration run in seconds (default 3000)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

step() { printf '\n==== %s ====\n' "$*" >&2; }

if [ "${SKIP_INSTALL_DEPS:-0}" != 1 ]; then
    step "install dependencies"
    "$here/install-deps.sh"
fi

step "swift build (debug)"
swift build
bin_dir=$(swift build --show-bin-path)
dockgate_bin="$bin_dir/dockgate"
[ -x "$dockgate_bin" ] || { echo "test.sh: $dockgate_bin was not built" >&2; exit 1; }

if [ "${SKIP_UNIT_TESTS:-0}" != 1 ]; then
    step "swift test (unit tests)"
    swift test
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
    step "fuzz targets (20 s each; longer runs: Tests/Scripts/fuzz.sh SECONDS)"
    "$here/fuzz.sh" 20
fi

if [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
    step "unit tests under ThreadSanitizer and AddressSanitizer"
    "$here/sanitizers.sh"
fi

step "systemd units and logrotate snippet"
"$here/verify-units.sh"

step "private dockerd"
# Short path: containerd's unix sockets live under the exec root (108-byte sun_path limit).
state=$(mktemp -d /tmp/dockgate-it.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    step "stopping private dockerd"
    "$here/private-dockerd.sh" stop "$state" || true
    if [ "$rc" -ne 0 ] && [ -f "$state/dockerd.log" ]; then
        echo "---- last 40 lines of dockerd.log ----" >&2
        tail -n 40 "$state/dockerd.log" >&2 || true
    fi
    # Only remove the state dir when nothing is mounted under it any more.
    if ! awk -v s="$state/" 'index($2, s) == 1 {found=1} END {exit !found}' /proc/self/mounts; then
        rm -rf "$state"
    else
        echo "test.sh: leaving $state (still has mounts)" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$here/private-dockerd.sh" start "$state"

step "integration tests (pytest)"
rc=0
env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_CONTEXT -u DOCKER_TLS \
    -u DOCKER_API_VERSION -u DOCKER_CONFIG \
    DOCKGATE_BIN="$dockgate_bin" \
    DOCKER_TEST_SOCKET="$state/docker.sock" \
    PYTHONDONTWRITEBYTECODE=1 \
    timeout --kill-after=30 "${PYTEST_TIMEOUT:-3000}" \
    python3 -m pytest -v -p no:cacheprovider Tests/IntegrationTests "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "test.sh: integration tests failed (pytest exit $rc)" >&2
fi

if [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
    # The second half of the sanitizer stage: it needs the private dockerd.
    step "stress test against ASan and TSan builds of dockgate"
    "$here/sanitizer-integration.sh" "$state/docker.sock" || {
        echo "test.sh: the stress test failed under a sanitizer" >&2
        rc=1
    }
fi
exit "$rc"
