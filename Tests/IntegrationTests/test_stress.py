"""Issue 9: a bounded stress run of one dockgate — real clients of two users at once, connections
cut at every phase of their life, and refused handshakes on the side.

  CLI mix       alice and bob (owners of what they make, scope own), each in a loop of
                `run`, `exec`, `cp` both ways, `logs -f`, `attach`, `run -i` with stdin, `rm`;
                every command must succeed with the expected output
  cut short     fresh connections closed (FIN or RST, alternately) before the ClientHello, in the
                middle of it, right after the handshake, in the middle of a request head, in the
                middle of a create's body, after a request before its answer, in the middle of a
                `logs -f` answer, inside an attach tunnel
  refused       handshakes with a certificate of another CA and with no certificate at all; none
                may get an answer

Afterwards: dockgate is alive, its log holds no crash and no sanitizer report (also after a clean
stop, where LeakSanitizer reports), its descriptor count is back near the baseline, and every line
of the audit file is one complete JSON object.

Bounded by time AND count. Environment:
  DOCKGATE_STRESS_SECONDS   length of the mix (default 60 s; the whole test then takes ~70 s)
  DOCKGATE_STRESS_ROUNDS    most CLI rounds per user (default 100)
Tests/Scripts/sanitizer-integration.sh runs this file against AddressSanitizer and
ThreadSanitizer builds of dockgate (shorter).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import (
    CLI_TIMEOUT,
    CLIENT_ALICE,
    CLIENT_BOB,
    CLIENT_OTHER_CA,
    DOCKER_CLI,
    _clean_env,
    _yaml_str,
    run_cmd,
    tls_cli_args,
    unique_name,
)
from test_audit import read_audit
from test_faults import client_context, partial_client_hello, settle_fds

MIX_SECONDS = float(os.environ.get("DOCKGATE_STRESS_SECONDS", "60"))
MAX_ROUNDS = int(os.environ.get("DOCKGATE_STRESS_ROUNDS", "100"))
CUT_ROUNDS = 100_000       # bound for the cutting and refused-handshake loops (time ends them first)
STEP_TIMEOUT = 30.0        # one socket step of a cut-short connection
FD_SLACK = 2               # descriptors allowed above the baseline once everything is closed
FD_SETTLE = 30.0           # seconds for the count to come back
API = "/v1.41"
H = b"Host: 127.0.0.1\r\n"

USERS = (CLIENT_ALICE, CLIENT_BOB)
BODY = """\
policies:
  developer:
    endpoints:
      containers: write
      exec: write
      images: read
      system: read
    images: ["busybox*"]
users:
  - cn: alice
    policy: developer
  - cn: bob
    policy: developer
"""

# What no healthy run writes to dockgate's stderr (Swift traps, signals, sanitizer reports).
CRASH_RE = re.compile(
    r"Fatal error|Segmentation fault|Illegal instruction|Bus error|Aborted|"
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|"
    r"SUMMARY: (Address|Thread|Leak|UndefinedBehavior)Sanitizer|runtime error:")


# --------------------------------------------------------------------------------------------
# dockgate under stress
# --------------------------------------------------------------------------------------------

@pytest.fixture
def stress_dockgate(dockgate_factory, tmp_path, request):
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=BODY + f"audit:\n  file: {_yaml_str(str(audit))}\n  stdout: false\n")
    request.node._dockgate = dg
    dg.audit = audit
    yield dg
    dg.stop()


def fd_targets(pid: int) -> dict:
    """{fd: what it is} of process `pid` (socket:[inode], pipe:[inode], a path)."""
    out = {}
    for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
        try:
            out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return out


def symbolizer_pipes(pid: int) -> set[str]:
    """The pipes `pid` shares with a child symbolizer (llvm-symbolizer, started by a sanitizer
    runtime to name the frames of a report, suppressed ones included): not dockgate's own."""
    pipes: set[str] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != pid or "symbolizer" not in stat.split("(", 1)[1].rsplit(")", 1)[0]:
                continue
            pipes |= set(fd_targets(int(entry)).values())
        except (OSError, ValueError, IndexError):
            continue
    return {t for t in pipes if t.startswith("pipe:")}


def dockgate_fds(pid: int) -> int:
    """open_fds(pid) without the pipes to a sanitizer's symbolizer."""
    helper = symbolizer_pipes(pid)
    return sum(1 for t in fd_targets(pid).values() if t not in helper)


def stop_and_wait(dg, timeout: float = 60.0) -> int:
    """SIGTERM, then the exit code (a sanitizer runtime may take a while to write its report)."""
    if dg.proc.poll() is None:
        dg.proc.send_signal(signal.SIGTERM)
    try:
        return dg.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        dg.proc.kill()
        dg.proc.wait(timeout=10)
        pytest.fail(f"dockgate did not stop within {timeout}s of SIGTERM\n{dg.log_tail()}",
                    pytrace=False)


# --------------------------------------------------------------------------------------------
# the CLI mix
# --------------------------------------------------------------------------------------------

@dataclass
class Outcomes:
    """What the workers saw, shared between threads (list appends are atomic in CPython)."""
    commands: int = 0
    failures: list = field(default_factory=list)
    names: list = field(default_factory=list)      # every container name, for the final sweep


class CLIWorker:
    def __init__(self, dg, pki, user: str, docker_config_dir: str, workdir: Path,
                 deadline: float, out: Outcomes):
        self.argv = [DOCKER_CLI, *tls_cli_args(pki.client(user), dg.port)]
        self.env = _clean_env({"DOCKER_CONFIG": docker_config_dir})
        self.user, self.workdir, self.deadline, self.out = user, workdir, deadline, out
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def docker(self, what: str, args, *, input=None, expect: bytes | None = None) -> bool:
        rc, stdout, stderr = run_cmd(self.argv + list(args), input=input, env=self.env)
        self.out.commands += 1
        if rc != 0 or (expect is not None and stdout.strip() != expect):
            self.out.failures.append(f"{self.user} {what}: rc {rc}, stdout {stdout[-300:]!r}, "
                                     f"stderr {stderr[-500:]!r}")
            return False
        return True

    def attach(self, container: str, tag: str) -> None:
        """`docker attach` that keeps its stdin open until the container has answered: the CLI
        ends an attach when its stdin ends, and may then drop output still on the way (it does
        so against dockerd directly too)."""
        p = subprocess.Popen(self.argv + ["attach", container], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        try:
            p.stdin.write(f"{tag}\n".encode())
            p.stdin.flush()
            rc = p.wait(timeout=CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "timeout"
        finally:
            p.stdin.close()
        stdout, stderr = p.stdout.read(), p.stderr.read()
        p.wait(timeout=10)
        self.out.commands += 1
        if rc != 0 or stdout.strip() != f"got-{tag}".encode():
            self.out.failures.append(f"{self.user} attach: rc {rc}, stdout {stdout[-300:]!r}, "
                                     f"stderr {stderr[-500:]!r}")

    def _run(self) -> None:
        try:
            while self.rounds < MAX_ROUNDS and time.monotonic() < self.deadline:
                self.round(self.rounds)
                self.rounds += 1
        except BaseException as e:  # noqa: BLE001 - reported as a failure of the mix
            self.out.failures.append(f"{self.user} worker: {e!r}")

    def round(self, n: int) -> None:
        tag = f"{self.user}-{n}"
        box, logger, reader = (unique_name(f"st-{k}-{tag}") for k in ("box", "log", "rd"))
        self.out.names += [box, logger, reader]
        d = self.docker
        d("run --rm", ["run", "--rm", "busybox", "echo", f"run-{tag}"], expect=f"run-{tag}".encode())
        if d("run -d", ["run", "-d", "--name", box, "busybox", "sleep", "300"]):
            d("exec", ["exec", box, "sh", "-c", 'echo "exec-$0"', tag], expect=f"exec-{tag}".encode())
            local = self.workdir / f"in-{tag}.txt"
            local.write_text(f"copied-{tag}\n")
            if d("cp in", ["cp", str(local), f"{box}:/tmp/f.txt"]):
                back = self.workdir / f"back-{tag}"
                back.mkdir()
                if d("cp out", ["cp", f"{box}:/tmp/f.txt", str(back)]):
                    got = (back / "f.txt").read_text() if (back / "f.txt").exists() else None
                    if got != f"copied-{tag}\n":
                        self.out.failures.append(f"{self.user} cp round trip gave {got!r}")
        if d("run -d (logs)", ["run", "-d", "--name", logger, "busybox", "sh", "-c",
                               "for i in 1 2 3; do echo log$i; sleep 0.2; done"]):
            d("logs -f", ["logs", "-f", logger], expect=b"log1\nlog2\nlog3")
        # The container waits for its line, so it is still running when the attach comes.
        if d("run -d -i (attach)", ["run", "-d", "-i", "--name", reader, "busybox", "sh", "-c",
                                    'read x; echo "got-$x"']):
            self.attach(reader, tag)
        d("run -i", ["run", "-i", "--rm", "busybox", "cat"], input=f"stdin-{tag}\n".encode(),
          expect=f"stdin-{tag}".encode())
        d("rm -f", ["rm", "-f", box, logger, reader])


# --------------------------------------------------------------------------------------------
# connections cut short
# --------------------------------------------------------------------------------------------

PHASES = ("before_hello", "mid_hello", "after_handshake", "mid_head", "mid_body",
          "after_request", "mid_logs", "in_attach")


class Cutter:
    """Fresh connections, each closed at one phase (in turn), by FIN or by RST (alternately)."""

    def __init__(self, dg, pki, ticker: str, deadline: float, seed: int):
        self.port = dg.port
        self.ctx = client_context(pki.client(CLIENT_ALICE))
        self.hello = partial_client_hello(pki.client(CLIENT_ALICE))
        self.ticker, self.deadline = ticker, deadline
        self.rng = random.Random(seed)
        self.done = {p: 0 for p in PHASES}
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while n < CUT_ROUNDS and time.monotonic() < self.deadline:
            phase = PHASES[n % len(PHASES)]
            try:
                getattr(self, phase)(reset=self.rng.random() < 0.5)
                self.done[phase] += 1
            except Exception as e:  # noqa: BLE001 - every unexpected outcome is reported
                self.failures.append(f"{phase}: {e!r}")
            n += 1
            time.sleep(0.02)

    # -- the socket under each phase
    def _tcp(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=STEP_TIMEOUT)
        return s

    def _tls(self) -> ssl.SSLSocket:
        raw = self._tcp()
        try:
            return self.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        except Exception:
            raw.close()
            raise

    @staticmethod
    def _close(s: socket.socket, reset: bool) -> None:
        if reset:  # RST instead of FIN: no close_notify, no orderly shutdown
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    @staticmethod
    def _read_until(s: socket.socket, marker: bytes) -> bytes:
        deadline = time.monotonic() + STEP_TIMEOUT
        got = b""
        while marker not in got:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {marker!r} within {STEP_TIMEOUT}s; got {got[:200]!r}")
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError(f"closed before {marker!r}; got {got[:200]!r}")
            got += chunk
        return got

    def before_hello(self, reset: bool) -> None:
        self._close(self._tcp(), reset)

    def mid_hello(self, reset: bool) -> None:
        s = self._tcp()
        s.sendall(self.hello)
        self._close(s, reset)

    def after_handshake(self, reset: bool) -> None:
        self._close(self._tls(), reset)

    def mid_head(self, reset: bool) -> None:
        s = self._tls()
        s.sendall(f"GET {API}/containers/json HTTP/1.1\r\n".encode() + H + b"Accept: appl")
        self._close(s, reset)

    def mid_body(self, reset: bool) -> None:
        s = self._tls()
        body = json.dumps({"Image": "busybox", "Cmd": ["true"], "Labels": {"x": "y" * 300}}).encode()
        s.sendall(f"POST {API}/containers/create HTTP/1.1\r\n".encode() + H
                  + b"Content-Type: application/json\r\n"
                  + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 3])
        self._close(s, reset)

    def after_request(self, reset: bool) -> None:
        s = self._tls()
        s.sendall(f"GET {API}/containers/json?all=1 HTTP/1.1\r\n".encode() + H + b"\r\n")
        self._close(s, reset)

    def mid_logs(self, reset: bool) -> None:
        s = self._tls()
        s.sendall(f"GET {API}/containers/{self.ticker}/logs?follow=1&stdout=1&tail=1 HTTP/1.1\r\n"
                  .encode() + H + b"\r\n")
        got = self._read_until(s, b"\r\n\r\n")
        if not got.startswith(b"HTTP/1.1 200"):
            raise AssertionError(f"logs answered {got[:200]!r}")
        self._read_until(s, b"tick")
        self._close(s, reset)

    def in_attach(self, reset: bool) -> None:
        s = self._tls()
        s.sendall(f"POST {API}/containers/{self.ticker}/attach?stream=1&stdout=1 HTTP/1.1\r\n"
                  .encode() + H + b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n")
        got = self._read_until(s, b"\r\n\r\n")
        if not got.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"attach answered {got[:200]!r}")
        self._read_until(s, b"tick")
        self._close(s, reset)


class RefusedHandshakes:
    """Handshakes that must be refused: a certificate of another CA, and none at all."""

    def __init__(self, dg, pki, deadline: float):
        self.port, self.deadline = dg.port, deadline
        other = pki.client(CLIENT_OTHER_CA)
        self.contexts = {"other CA": client_context(other)}
        bare = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=other.ca)
        self.contexts["no certificate"] = bare
        self.refused = {k: 0 for k in self.contexts}
        self.answered: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        kinds = list(self.contexts)
        while n < CUT_ROUNDS and time.monotonic() < self.deadline:
            kind = kinds[n % len(kinds)]
            if self.attempt(self.contexts[kind]):
                self.answered.append(kind)
            else:
                self.refused[kind] += 1
            n += 1
            time.sleep(0.05)

    def attempt(self, ctx: ssl.SSLContext) -> bool:
        """True if dockgate answered a request on this connection (it must not)."""
        try:
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=STEP_TIMEOUT)
        except OSError:
            return False
        try:
            # TLS 1.3: the client finishes first; the refusal comes as an alert on the next read.
            s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            s.sendall(b"GET /_ping HTTP/1.1\r\n" + H + b"\r\n")
            return s.recv(65536).startswith(b"HTTP/")
        except (ssl.SSLError, OSError):
            return False
        finally:
            raw.close()


# --------------------------------------------------------------------------------------------
# the test
# --------------------------------------------------------------------------------------------

def test_stress_mix(stress_dockgate, pki, docker_config_dir, docker_direct):
    dg = stress_dockgate
    env = _clean_env({"DOCKER_CONFIG": docker_config_dir})
    alice = [DOCKER_CLI, *tls_cli_args(pki.client(CLIENT_ALICE), dg.port)]
    out = Outcomes()
    ticker = unique_name("st-tick")
    out.names.append(ticker)
    workdir = Path(tempfile.mkdtemp(prefix="dgt-stress-"))
    try:
        # Warm up (lazy set-up is no leak), then the baseline with no client connected.
        for user in USERS:
            rc, _, err = run_cmd([DOCKER_CLI, *tls_cli_args(pki.client(user), dg.port), "version"],
                                 env=env)
            assert rc == 0, err
        rc, _, err = run_cmd(alice + ["run", "-d", "--name", ticker, "busybox", "sh", "-c",
                                      "while :; do echo tick; sleep 0.2; done"], env=env)
        assert rc == 0, err
        baseline = settle_fds(dg)

        t_start = time.monotonic()
        deadline = t_start + MIX_SECONDS
        workers = [CLIWorker(dg, pki, u, docker_config_dir, workdir, deadline, out) for u in USERS]
        cutter = Cutter(dg, pki, ticker, deadline, seed=int(t_start))
        refused = RefusedHandshakes(dg, pki, deadline)
        threads = [w.thread for w in workers] + [cutter.thread, refused.thread]
        for t in threads:
            t.start()
        # A round under way when time is up finishes; every command in it is bounded.
        for t in threads:
            t.join(timeout=MIX_SECONDS + 600)
        assert not any(t.is_alive() for t in threads), "a stress worker did not finish"
        took = time.monotonic() - t_start

        rounds = {w.user: w.rounds for w in workers}
        print(f"\nstress: {took:.0f} s, CLI rounds {rounds}, {out.commands} commands; "
              f"cut connections {cutter.done}; refused handshakes {refused.refused}; "
              f"fds baseline {baseline}, now {dockgate_fds(dg.pid)}")
        assert dg.alive(), f"dockgate died (exit {dg.proc.returncode})"
        assert not out.failures, "\n".join(out.failures[:10])
        assert all(r >= 1 for r in rounds.values()), rounds
        assert not cutter.failures, "\n".join(cutter.failures[:10])
        assert all(n >= 1 for n in cutter.done.values()), cutter.done
        assert not refused.answered, f"refused clients were answered: {refused.answered[:5]}"
        assert all(n >= 1 for n in refused.refused.values()), refused.refused

        # Nothing left open: dockgate's descriptors come back to the baseline.
        t_settle = time.monotonic()
        # (A connection dockgate closed lingers up to timeouts.linger, 10 s, draining the client.)
        while dockgate_fds(dg.pid) > baseline and time.monotonic() - t_settle < FD_SETTLE:
            time.sleep(0.2)
        now = dockgate_fds(dg.pid)
        print(f"stress: fds {now} after {time.monotonic() - t_settle:.1f} s (baseline {baseline})"
              + (f": {fd_targets(dg.pid)}" if now != baseline else ""))
        assert now <= baseline + FD_SLACK, (
            f"dockgate holds {now} fds {FD_SETTLE:.0f} s after the mix; baseline {baseline}: "
            f"{fd_targets(dg.pid)}")

        rc, _, err = run_cmd(alice + ["rm", "-f", ticker], env=env)
        assert rc == 0, err
    finally:
        for i in range(0, len(out.names), 50):
            docker_direct(["rm", "-f", *out.names[i:i + 50]], timeout=120)

    # A clean stop, then the whole log (sanitizers report at exit too) and the audit file.
    code = stop_and_wait(dg)
    log = dg.log.read_text(errors="replace")
    lines = log.splitlines()
    found = [i for i, ln in enumerate(lines) if CRASH_RE.search(ln)]
    # Each finding with the 40 lines after it (its stacks); the log is full of refused handshakes.
    assert not found, "dockgate's log reports a crash or a sanitizer finding:\n" + "\n----\n".join(
        "\n".join(lines[i:i + 40]) for i in found[:4])
    assert code == 0, f"dockgate exited with {code} after SIGTERM\n{dg.log_tail(60)}"
    _, records = read_audit(dg.audit)
    assert len(records) >= out.commands, (len(records), out.commands)
