"""Helpers for the tests that check no event loop waits for anything slow (test_loop_isolation.py):
a relay in front of the daemon that holds back one chosen exchange, a dockgate started with a
single event loop, and clients that count what a loop delivers while it should be free.

Every thread here is a daemon thread and every wait is bounded.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import (
    Dockgate,
    RawTLS,
    _clean_env,
    _tail,
    _wait_for_port,
    config_text,
    free_port,
)

H = b"Host: 127.0.0.1\r\n"
API = "/v1.41"

# --------------------------------------------------------------------------------------------
# a dockgate with one event loop
# --------------------------------------------------------------------------------------------

# dockgate makes one loop per `ProcessInfo.activeProcessorCount` and has no setting for it.
# Foundation (swift-foundation, Swift 6.3) derives that count from these cgroup v1 files at
# fixed paths (not from the CPU affinity: `taskset` changes nothing), so a file saying "0"
# bind-mounted over cpuset.cpus in a private mount namespace gives the process one loop.
CPUSET_CPUS = Path("/sys/fs/cgroup/cpuset/cpuset.cpus")


def one_loop_available() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None and CPUSET_CPUS.is_file()


def one_loop_argv(argv: list[str], workdir: Path) -> list[str]:
    """argv run in a private mount namespace where cpuset.cpus says "0" (exec'd: same pid)."""
    one_cpu = workdir / "one-cpu"
    one_cpu.write_text("0\n")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh", str(one_cpu), str(CPUSET_CPUS),
            *argv]


def streams_to_cover_loops() -> int:
    """How many connections opened in a row certainly put one on every loop: round-robin over
    activeProcessorCount loops (1 with `one_loop_argv`, else at most the CPUs we see)."""
    return max(1, os.cpu_count() or 1)


def launch_dockgate(dockgate_bin: str, pki, workdir: Path, *, upstream_socket: str, body: str,
                    stdout=None, one_loop: bool = True) -> Dockgate:
    """A dockgate of the caller's own (upstream and stdout chosen by the caller); stderr goes to
    the log. With `one_loop` (when the host allows it) it runs a single event loop."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cfg = workdir / "dockgate.yaml"
    cfg.write_text(config_text(port=port, upstream_socket=upstream_socket, pki=pki, body=body))
    log = workdir / "dockgate.log"
    argv = [dockgate_bin, "serve", "--config", str(cfg)]
    if one_loop and one_loop_available():
        argv = one_loop_argv(argv, workdir)
    with open(log, "wb") as logf:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=logf if stdout is None else stdout,
                                stderr=logf if stdout is not None else subprocess.STDOUT,
                                env=_clean_env(), cwd=str(workdir))
    dg = Dockgate(proc=proc, port=port, config=cfg, log=log)
    try:
        _wait_for_port(proc, port)
    except RuntimeError as e:
        dg.stop()
        raise AssertionError(f"{e}\n---- dockgate log ----\n{_tail(log)}") from None
    return dg


# --------------------------------------------------------------------------------------------
# a relay in front of the daemon that holds back one exchange
# --------------------------------------------------------------------------------------------

@dataclass
class Hold:
    pattern: re.Pattern          # matched against the first request line of an upstream connection
    delay: float                 # seconds the answer is held back
    mode: str                    # "silent": nothing is forwarded before `delay`;
                                 # "dribble": the answer trickles, one byte every `gap` s, for `delay`
    gap: float = 0.5
    started: float | None = None  # time.monotonic() when the held request arrived
    released: float | None = None  # when the whole answer had been passed on (or the hold gave up)


class HoldingUpstream:
    """A unix socket that relays, byte for byte and both ways (hijacked streams and half-closes
    included), to the daemon's socket — except the ONE next connection whose first request line
    matches an armed pattern, whose answer is held back.

    Only the first request of a connection is looked at: dockgate asks its ownership questions
    (`GET /containers/{id}/json`, ...) on a connection of their own each (DaemonClient)."""

    def __init__(self, listen_path: str, daemon_path: str):
        self.listen_path = listen_path
        self.daemon_path = daemon_path
        self._lock = threading.Lock()
        self._armed: Hold | None = None
        self.holds: list[Hold] = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(listen_path)
        self._sock.listen(128)
        self._sock.settimeout(0.2)
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def hold_next(self, pattern: bytes, delay: float, mode: str = "dribble") -> Hold:
        assert mode in ("silent", "dribble")
        hold = Hold(re.compile(pattern), delay, mode)
        with self._lock:
            self._armed = hold
        return hold

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.close()
            except OSError:
                pass
        try:
            os.unlink(self.listen_path)
        except OSError:
            pass

    # -- internals
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with self._lock:
            self._conns += [client, upstream]
        try:
            upstream.connect(self.daemon_path)
        except OSError:
            client.close()
            upstream.close()
            return
        # The first request head decides whether this exchange is held.
        first = b""
        while b"\r\n\r\n" not in first and len(first) < (1 << 20):
            try:
                data = client.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            first += data
        hold = None
        line = first.split(b"\r\n", 1)[0]
        with self._lock:
            if self._armed is not None and self._armed.pattern.search(line):
                hold, self._armed = self._armed, None
                hold.started = time.monotonic()
                self.holds.append(hold)
        if hold is not None and hold.mode == "silent":
            self._stop.wait(hold.delay)
            hold.released = time.monotonic()
        try:
            if first:
                upstream.sendall(first)
            if not data:
                upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        dribble = hold if hold is not None and hold.mode == "dribble" else None
        back = threading.Thread(target=self._pump, args=(upstream, client, dribble), daemon=True)
        back.start()
        if data:
            self._pump(client, upstream, None)
        back.join()
        client.close()
        upstream.close()

    def _pump(self, src: socket.socket, dst: socket.socket, dribble: Hold | None) -> None:
        deadline = time.monotonic() + dribble.delay if dribble else 0.0
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            try:
                # A held answer goes out one byte per `gap` until its delay is over: every read
                # of the asker gets something well within its own per-read timeout.
                while dribble and data and time.monotonic() < deadline and not self._stop.is_set():
                    dst.sendall(data[:1])
                    data = data[1:]
                    self._stop.wait(dribble.gap)
                dst.sendall(data)
            except OSError:
                break
        if dribble:
            dribble.released = time.monotonic()
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# clients that count what gets through
# --------------------------------------------------------------------------------------------

class TickStream:
    """`GET /containers/{name}/logs?follow=1` on a raw TLS connection; notes when each `tick`
    arrives (the container prints one every 0.2 s)."""

    def __init__(self, port: int, certs, container: str, marker: bytes = b"tick"):
        self.marker = marker
        self.arrivals: list[float] = []
        self.error: BaseException | None = None
        self.conn = RawTLS(port, certs, timeout=60)
        self.conn.send(f"GET {API}/containers/{container}/logs?follow=1&stdout=1&tail=1 HTTP/1.1\r\n"
                       .encode() + H + b"\r\n")
        head = self.conn._read_until(b"\r\n\r\n", time.monotonic() + 60)
        assert head.startswith(b"HTTP/1.1 200"), head
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        carry = self.conn.buf
        self.conn.buf = b""
        sock = self.conn.sock
        sock.settimeout(0.5)
        while not self._stop.is_set():
            try:
                data = sock.recv(65536)
            except (socket.timeout, TimeoutError):
                continue
            except OSError as e:
                self.error = e
                return
            if not data:
                self.error = EOFError("dockgate closed the logs stream")
                return
            now = time.monotonic()
            carry += data
            n = carry.count(self.marker)
            self.arrivals += [now] * n
            # Keep a tail that may hold the start of a marker split across reads.
            tail = carry.rsplit(self.marker, 1)[-1] if n else carry
            carry = tail[-(len(self.marker) - 1):]

    def count_between(self, t0: float, t1: float) -> int:
        return sum(1 for t in list(self.arrivals) if t0 <= t < t1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.conn.close()


class PingLoop:
    """`GET /_ping`, each on a NEW connection (so they land on every loop in turn), one after the
    other; notes when each answer came. Every exchange is bounded by `timeout`."""

    def __init__(self, port: int, certs, timeout: float = 30.0):
        self.port, self.certs, self.timeout = port, certs, timeout
        self.answers: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                c = RawTLS(self.port, self.certs, timeout=self.timeout)
                try:
                    c.send(b"GET /_ping HTTP/1.1\r\n" + H + b"\r\n")
                    r = c.read_response(timeout=self.timeout)
                finally:
                    c.close()
                if r.status == 200 and r.body == b"OK":
                    self.answers.append(time.monotonic())
                else:
                    self.failures.append(f"{r.status} {r.body[:200]!r}")
            except Exception as e:  # noqa: BLE001 - every failure is reported by the test
                self.failures.append(repr(e))
            self._stop.wait(0.05)

    def count_between(self, t0: float, t1: float) -> int:
        return sum(1 for t in list(self.answers) if t0 <= t < t1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 5)


def busy_seconds(arrivals_of, t0: float, t1: float) -> tuple[int, int]:
    """(whole seconds of [t0, t1) in which `arrivals_of(a, b)` counted something, all of them)."""
    seconds = int(t1 - t0)
    busy = sum(1 for i in range(seconds) if arrivals_of(t0 + i, t0 + i + 1) > 0)
    return busy, seconds
