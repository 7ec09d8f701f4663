#!/usr/bin/env bash
# Builds dockgate and starts it. On a host without /etc/dockgate/dockgate.yaml (and without
# --config) dockgate runs in development mode: it creates a CA, a server certificate, an "admin"
# client bundle and a restricted "dev" bundle (example policy "developer": no --privileged, common
# images only) under ./.dockgate-dev, listens on 127.0.0.1:2376 and [::1]:2376, writes its audit
# trail to ./.dockgate-dev/audit.jsonl, and prints the DOCKER_HOST / DOCKER_TLS_VERIFY /
# DOCKER_CERT_PATH lines for both users.
#
#   deploy/start.sh [dockgate serve options...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

missing=()
for pkg in libssl-dev libsystemd-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "start.sh: installing build dependencies: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift build -c release --product dockgate >&2
exec "$(swift build -c release --show-bin-path)/dockgate" serve "$@"
