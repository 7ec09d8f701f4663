#!/usr/bin/env bash
# Start or stop a private, isolated dockerd for the integration tests.
#
#   Tests/Scripts/private-dockerd.sh start STATE_DIR
#   Tests/Scripts/private-dockerd.sh stop  STATE_DIR
#
# The daemon listens only on unix://STATE_DIR/docker.sock, keeps all of its state under
# STATE_DIR (data-root, exec-root, its own containerd, trust key, config file), creates no
# bridge and touches no iptables. After start, the image busybox:latest exists (imported from
# the host's busybox-static binary, no registry needed) and `docker run --rm busybox echo hi`
# has been checked to work.
#
# Environment:
#   DOCKGATE_TEST_STORAGE_DRIVER  force a storage driver (default: try overlay2, fall back to vfs)
#   DOCKERD_START_TIMEOUT         seconds to wait for the daemon (default 60)
set -euo pipefail

usage() { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
state=$2
mkdir -p "$state"
state=$(cd "$state" && pwd)   # absolute path

sock="$state/docker.sock"
pidfile="$state/dockerd.pid"
log="$state/dockerd.log"
timeout_s=${DOCKERD_START_TIMEOUT:-60}

# The docker CLI talking to our private daemon only, whatever the caller's environment says.
dk() {
    env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_CONTEXT \
        -u DOCKER_TLS -u DOCKER_API_VERSION \
        DOCKER_CONFIG="$state/client-config" \
        timeout 120 docker -H "unix://$sock" "$@"
}

daemon_pid() {
    [ -s "$pidfile" ] || return 1
    local pid
    pid=$(cat "$pidfile")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

stop_daemon() {
    local pid i
    if ! pid=$(daemon_pid); then
        rm -f "$pidfile"
        return 0
    fi
    # Remove leftover containers first so their shims do not outlive the daemon.
    local ids
    ids=$(dk ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086
        dk rm -f $ids >/dev/null 2>&1 || true
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 300); do          # up to 30 s
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "private-dockerd: dockerd $pid did not exit after SIGTERM, sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    # dockerd's own containerd (child of dockerd) normally exits with it; make sure ours is gone.
    local cpidfile="$state/exec/containerd/containerd.pid"
    if [ -s "$cpidfile" ]; then
        local cpid
        cpid=$(cat "$cpidfile")
        if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null \
           && tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null | grep -q -- "$state/exec/containerd"; then
            kill -TERM "$cpid" 2>/dev/null || true
            for i in $(seq 1 100); do
                kill -0 "$cpid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$cpid" 2>/dev/null && kill -KILL "$cpid" 2>/dev/null || true
        fi
    fi
    # Unmount anything the daemon left mounted under our state dir (bounded).
    local m
    for m in $(awk -v s="$state/" 'index($2, s) == 1 {print $2}' /proc/self/mounts | sort -r | head -n 200); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -f "$pidfile"
}

start_daemon() {
    local driver=$1
    mkdir -p "$state/data" "$state/exec" "$state/client-config"
    # Our own config file so /etc/docker/daemon.json of any system daemon is never read. It
    # holds only the trust-key path (dockerd 20.10 keeps its ID key in /etc/docker/key.json by
    # default; this keeps that in STATE_DIR too). DOCKGATE_TEST_EMPTY_DAEMON_JSON=1 → `{}`.
    if [ "${DOCKGATE_TEST_EMPTY_DAEMON_JSON:-0}" = 1 ]; then
        echo '{}' >"$state/daemon.json"
    else
        printf '{"deprecated-key-path": "%s"}\n' "$state/key.json" >"$state/daemon.json"
    fi
    rm -f "$sock"
    local args=(
        --host "unix://$sock"
        --data-root "$state/data"
        --exec-root "$state/exec"
        --pidfile "$pidfile"
        --config-file "$state/daemon.json"
        --bridge=none
        --iptables=false
        --ip6tables=false
        --ip-masq=false
        --userland-proxy=false
        --cgroup-parent dockgate-test
        # dockerd 20.10 uses a system containerd (/run/containerd/containerd.sock) when one is
        # running instead of starting its own under exec-root: own namespaces keep us apart.
        --containerd-namespace dockgate-test
        --containerd-plugins-namespace dockgate-test-plugins
        --storage-driver "$driver"
    )
    echo "private-dockerd: starting dockerd (storage driver $driver), log in $log" >&2
    # setsid: own session, so a Ctrl-C to the caller's process group reaches us only via stop.
    env -u DOCKER_HOST -u NOTIFY_SOCKET setsid dockerd "${args[@]}" >>"$log" 2>&1 </dev/null &
    local launcher=$!
    local i
    for i in $(seq 1 $((timeout_s * 5))); do
        if ! kill -0 "$launcher" 2>/dev/null; then
            echo "private-dockerd: dockerd exited early; last log lines:" >&2
            tail -n 30 "$log" >&2
            return 1
        fi
        if [ -S "$sock" ] && dk version >/dev/null 2>&1; then
            echo "private-dockerd: dockerd $launcher ready on unix://$sock" >&2
            return 0
        fi
        sleep 0.2
    done
    echo "private-dockerd: dockerd not ready after ${timeout_s}s; last log lines:" >&2
    tail -n 30 "$log" >&2
    return 1
}

make_busybox_image() {
    if dk image inspect busybox:latest >/dev/null 2>&1; then
        return 0
    fi
    local bb
    bb=$(command -v busybox || true)
    for cand in /bin/busybox /usr/bin/busybox; do
        [ -n "$bb" ] && break
        [ -x "$cand" ] && bb=$cand
    done
    [ -n "$bb" ] || { echo "private-dockerd: busybox not found (install busybox-static)" >&2; return 1; }
    if ldd "$bb" >/dev/null 2>&1; then
        echo "private-dockerd: $bb is dynamically linked; need busybox-static" >&2
        return 1
    fi
    local root="$state/busybox-rootfs"
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root" "$root/proc" "$root/sys" "$root/dev"
    chmod 1777 "$root/tmp"
    cp "$bb" "$root/bin/busybox"
    local applet n=0
    # `busybox --list` prints applet names; link each one in bin/ (bounded by the applet count).
    while IFS= read -r applet; do
        [ -n "$applet" ] && [ "$applet" != busybox ] || continue
        ln -sf busybox "$root/bin/$applet"
        n=$((n + 1))
    done < <("$bb" --list)
    ln -sf busybox "$root/bin/sh"
    [ "$n" -gt 100 ] || { echo "private-dockerd: only $n busybox applets?" >&2; return 1; }
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -cf "$state/busybox.tar" .
    dk import --change 'CMD ["sh"]' --change 'ENV PATH=/bin' "$state/busybox.tar" busybox:latest >/dev/null
    rm -rf "$root" "$state/busybox.tar"
    echo "private-dockerd: imported busybox:latest ($n applets)" >&2
}

smoke_test() {
    local out
    out=$(dk run --rm busybox echo hi 2>&1) || { echo "private-dockerd: smoke run failed: $out" >&2; return 1; }
    [ "$out" = hi ] || { echo "private-dockerd: smoke run printed '$out'" >&2; return 1; }
}

case "$cmd" in
start)
    if daemon_pid >/dev/null; then
        echo "private-dockerd: already running (pid $(cat "$pidfile"))" >&2
        exit 0
    fi
    drivers=${DOCKGATE_TEST_STORAGE_DRIVER:-overlay2 vfs}
    for driver in $drivers; do
        if start_daemon "$driver" && make_busybox_image && smoke_test; then
            echo "$driver" >"$state/storage-driver"
            echo "private-dockerd: ok (storage driver $driver)" >&2
            exit 0
        fi
        echo "private-dockerd: storage driver $driver did not work, stopping" >&2
        stop_daemon
        # A fresh data root per driver attempt.
        rm -rf "$state/data"
    done
    echo "private-dockerd: could not start a working dockerd" >&2
    exit 1
    ;;
stop)
    stop_daemon
    ;;
*)
    usage
    ;;
esac
