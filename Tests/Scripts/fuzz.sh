#!/usr/bin/env bash
# Builds the libFuzzer targets (Sources/Fuzz*) with -sanitize=fuzzer,address and runs each one for
# N seconds on a temporary copy of its seed corpus (Tests/Fuzz/corpus/<target>/, never grown here).
# Fails on any crash, invariant trap, leak, timeout or out-of-memory, and prints the reproducer.
#
#   Tests/Scripts/fuzz.sh [seconds-per-target] [target...]     (default: 30 s, every target)
#
# Environment:
#   FUZZ_ARGS      extra libFuzzer flags, e.g. "-jobs=2 -workers=2" or "-max_len=65536"
#   FUZZ_KEEP=1    keep the temporary directory (grown corpora) even when everything passed
#
# Replay a reproducer without libFuzzer: swift build && .build/debug/<target> <file>
# (a plain build of a fuzz target runs its harness over the files it is given).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

seconds=${1:-30}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(
    FuzzHTTPRequestHead FuzzHTTPResponseHead FuzzChunkedBody FuzzDockerJSON FuzzImageReference FuzzRequestTarget
)

# SwiftPM passes -Xswiftc flags to every module of the product, so the parsers under test get the
# coverage and ASan instrumentation too. DOCKGATE_FUZZING swaps each target's replay `main` for the
# libFuzzer entry points; the Extern feature lets DockgateFuzzSupport call LLVMFuzzerRunDriver.
build_flags=(
    -c debug --scratch-path "$root/.build-fuzz"
    -Xswiftc -sanitize=fuzzer,address
    -Xswiftc -DDOCKGATE_FUZZING
    -Xswiftc -enable-experimental-feature -Xswiftc Extern
)
work=$(mktemp -d /tmp/dockgate-fuzz.XXXXXX)
build_log="$work/build.log"
for target in "${targets[@]}"; do
    # The log keeps ld.gold's harmless "Cannot export local symbol '__asan_…'" warnings out of sight.
    if ! swift build "${build_flags[@]}" --product "$target" >>"$build_log" 2>&1; then
        grep -v 'Cannot export local symbol' "$build_log" | tail -n 40 >&2
        echo "fuzz.sh: building $target failed (full log: $build_log)" >&2
        exit 1
    fi
done
bin_dir=$(swift build "${build_flags[@]}" --show-bin-path)

failed=()
for target in "${targets[@]}"; do
    dir="$work/$target"
    mkdir -p "$dir/artifacts"
    cp -R "$root/Tests/Fuzz/corpus/$target" "$dir/corpus"
    start=$SECONDS
    rc=0
    # Swift's own backtracer would race libFuzzer's crash handler (and trip ASan in its memory
    # reader); libFuzzer's report already names the Swift trap and the file:line of each frame.
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
    SWIFT_BACKTRACE=enable=no "$bin_dir/$target" "$dir/corpus" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 ${FUZZ_ARGS:-} \
        >"$dir/fuzz.log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
    corpus=$(find "$dir/corpus" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        printf 'fuzz.sh: %-22s ok   %6s runs in %3d s, corpus %d\n' "$target" "${runs:-?}" $((SECONDS - start)) "$corpus" >&2
    else
        failed+=("$target")
        echo "fuzz.sh: $target FAILED (libFuzzer exit $rc); the report from $dir/fuzz.log:" >&2
        awk '/Fatal error|ERROR: |runtime failure/ { report = 1 } report' "$dir/fuzz.log" | head -n 40 >&2
        for artifact in "$dir"/artifacts/*; do
            [ -e "$artifact" ] || continue
            echo "fuzz.sh: reproducer: $artifact" >&2
            echo "fuzz.sh:   replay: $bin_dir/$target $artifact   (or .build/debug/$target $artifact after swift build)" >&2
        done
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: failed: ${failed[*]} (kept $work)" >&2
    exit 1
fi
if [ "${FUZZ_KEEP:-0}" = 1 ]; then
    echo "fuzz.sh: kept $work" >&2
else
    rm -rf "$work"
fi
