#!/usr/bin/env bash
# Runs the unit tests under ThreadSanitizer and AddressSanitizer (each in its own scratch path, so
# neither disturbs the normal .build). Fails on a failing test or on any sanitizer report.
# LeakSanitizer skips the toolchain leaks listed, with their reasons, in lsan-suppressions.txt;
# ThreadSanitizer needs no suppressions.
#
#   Tests/Scripts/sanitizers.sh [thread|address]...     (default: both)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

sanitizers=("$@")
[ "${#sanitizers[@]}" -gt 0 ] || sanitizers=(thread address)

logs=$(mktemp -d /tmp/dockgate-sanitizers.XXXXXX)
failed=()
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
        thread) scratch=.build-tsan ;;
        address) scratch=.build-asan ;;
        *) echo "sanitizers.sh: unknown sanitizer $sanitizer (thread or address)" >&2; exit 2 ;;
    esac
    log="$logs/$sanitizer.log"
    printf '\n==== swift test --sanitize=%s ====\n' "$sanitizer" >&2
    start=$SECONDS
    rc=0
    # halt_on_error=0: list every race, not only the first; the exit code still says a report was made.
    TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}" \
    LSAN_OPTIONS="suppressions=$here/lsan-suppressions.txt print_suppressions=0 ${LSAN_OPTIONS:-}" \
        swift test --sanitize="$sanitizer" --scratch-path "$root/$scratch" >"$log" 2>&1 || rc=$?
    # A report in a child process (a test that spawns one) does not always fail the test run.
    reports=$(grep -cE '^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer))' "$log" || true)
    echo "sanitizers.sh: $sanitizer: swift test exit $rc, $reports sanitizer report(s), $((SECONDS - start)) s" >&2
    grep -E '^(\s*Executed [0-9]+ tests|.*Test run with [0-9]+ tests)' "$log" | tail -n 2 >&2 || true
    if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
        failed+=("$sanitizer")
        grep -nE -A30 '^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer))' "$log" | head -n 120 >&2 || true
        grep -E 'error:|failed|Fatal error' "$log" | grep -v 'Cannot export local symbol' | tail -n 20 >&2 || true
        echo "sanitizers.sh: full log: $log" >&2
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "sanitizers.sh: failed under: ${failed[*]}" >&2
    exit 1
fi
rm -rf "$logs"
