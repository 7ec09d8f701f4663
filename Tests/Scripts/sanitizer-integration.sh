#!/usr/bin/env bash
# Runs the stress integration test (Tests/IntegrationTests/test_stress.py) against AddressSanitizer
# and ThreadSanitizer builds of dockgate, so the sanitizers watch real connections go through real
# event loops (sanitizers.sh covers the unit tests). Short runs: ASan a 45 s mix, TSan one CLI round
# per user (run, exec, cp, logs -f, attach, run -i) with connections cut short beside it for 15 s.
# The test fails on any sanitizer report in dockgate's log (including LeakSanitizer's at exit).
#
#   Tests/Scripts/sanitizer-integration.sh DOCKER_SOCKET [address|thread]...   (default: both)
#
# DOCKER_SOCKET is a private dockerd's socket (Tests/Scripts/private-dockerd.sh). The builds use the
# scratch paths of sanitizers.sh (.build-asan, .build-tsan), so after it they only link dockgate.
# Environment: SANITIZER_STRESS_SECONDS (ASan mix length, default 45).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

[ "$#" -ge 1 ] || { echo "usage: $0 DOCKER_SOCKET [address|thread]..." >&2; exit 2; }
socket=$1
shift
[ -S "$socket" ] || { echo "sanitizer-integration.sh: $socket is not a socket" >&2; exit 2; }
sanitizers=("$@")
[ "${#sanitizers[@]}" -gt 0 ] || sanitizers=(address thread)

failed=()
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
        address) scratch=.build-asan seconds=${SANITIZER_STRESS_SECONDS:-45} rounds=100 ;;
        thread) scratch=.build-tsan seconds=15 rounds=1 ;;
        *) echo "sanitizer-integration.sh: unknown sanitizer $sanitizer (address or thread)" >&2; exit 2 ;;
    esac
    printf '\n==== stress test against dockgate built with --sanitize=%s ====\n' "$sanitizer" >&2
    start=$SECONDS
    swift build --sanitize="$sanitizer" --scratch-path "$root/$scratch" --product dockgate
    bin="$(swift build --sanitize="$sanitizer" --scratch-path "$root/$scratch" --show-bin-path)/dockgate"
    rc=0
    # dockgate inherits these (the tests pass the environment on, DOCKER_* aside).
    env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_CONTEXT -u DOCKER_TLS \
        -u DOCKER_API_VERSION -u DOCKER_CONFIG \
        DOCKGATE_BIN="$bin" \
        DOCKER_TEST_SOCKET="$socket" \
        DOCKGATE_STRESS_SECONDS="$seconds" \
        DOCKGATE_STRESS_ROUNDS="$rounds" \
        PYTHONDONTWRITEBYTECODE=1 \
        TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
        ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}" \
        LSAN_OPTIONS="suppressions=$here/lsan-suppressions.txt print_suppressions=0 ${LSAN_OPTIONS:-}" \
        timeout --kill-after=30 900 \
        python3 -m pytest -q -s -p no:cacheprovider Tests/IntegrationTests/test_stress.py || rc=$?
    echo "sanitizer-integration.sh: $sanitizer: pytest exit $rc, $((SECONDS - start)) s" >&2
    [ "$rc" -eq 0 ] || failed+=("$sanitizer")
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "sanitizer-integration.sh: failed under: ${failed[*]}" >&2
    exit 1
fi
