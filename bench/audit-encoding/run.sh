#!/usr/bin/env bash
# Audit line encoding micro-benchmark: the previous String encoder against the byte encoder, in
# the same process (bench/audit-encoding/main.swift). Release build of only the targets it needs.
#
#   bench/audit-encoding/run.sh [iterations]     default 200000 → bench/results/AUDIT-ENCODING.md
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
commit=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain -- Sources bench/audit-encoding Package.swift 2>/dev/null)" ] || commit="$commit + uncommitted changes"
swift build -c release --product AuditEncodingBench >&2
{
    echo "# Audit line encoding"
    echo
    echo "commit $commit, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
    echo
    "$(swift build -c release --show-bin-path)/AuditEncodingBench" "$@"
} | tee bench/results/AUDIT-ENCODING.md
