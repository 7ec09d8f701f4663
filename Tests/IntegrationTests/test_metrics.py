"""The metrics and health endpoint (`metrics.listen`): `GET /metrics` and `GET /healthz` on a
listener of their own, plain HTTP, never on the mutual-TLS port.

  test_metrics_follow_a_cli_session      counters move exactly as the audit file says, for a real
                                         docker CLI session (ps, run --rm, a denied --privileged
                                         run, a certificate from another CA)
  test_healthz_follows_the_daemon        503 while the daemon socket does not answer, 200 after
  test_healthz_follows_the_audit_sink    503 while the audit file cannot be written, 200 after
  test_unix_socket_listener              mode 0660, stale socket replaced, kept across SIGHUP,
                                         removed on exit; strict request reader
  test_non_loopback_address_is_refused   the configuration is refused at start
"""

from __future__ import annotations

import collections
import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import (
    CLIENT_ALICE, CLIENT_DEVELOPER, CLIENT_OTHER_CA, Dockgate, _clean_env, _wait_for_port, _yaml_str,
    config_text, free_port,
)
from test_audit import POLICIES, cli, complete_records, fill_filesystem, read_audit, tiny_tmpfs, wait_for  # noqa: F401

CONFIGURED_USERS = {"alice", "developer"}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def metrics_body(listen: str, audit_file: Path) -> str:
    return (POLICIES
            + f"audit:\n  file: {_yaml_str(audit_file)}\n  stdout: false\n"
            + f"metrics:\n  listen: {_yaml_str(listen)}\n")


def launch(dockgate_bin, pki, workdir: Path, upstream_socket: str, body: str, request) -> Dockgate:
    """A dockgate with its own upstream (the factory always uses the shared daemon socket)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cfg = workdir / "dockgate.yaml"
    cfg.write_text(config_text(port=port, upstream_socket=upstream_socket, pki=pki, body=body))
    log = workdir / "dockgate.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen([dockgate_bin, "serve", "--config", str(cfg)],
                                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                env=_clean_env(), cwd=str(workdir))
    dg = Dockgate(proc=proc, port=port, config=cfg, log=log)
    request.node._dockgate = dg
    request.addfinalizer(dg.stop)
    try:
        _wait_for_port(proc, port)
    except RuntimeError as e:
        dg.stop()
        pytest.fail(f"{e}\n---- dockgate log ----\n{dg.log_tail()}", pytrace=False)
    return dg


def http_get(address, path: str = "/metrics", method: str = "GET", timeout: float = 15.0,
             raw: bytes | None = None) -> tuple[int, dict, bytes]:
    """One plain HTTP/1.1 request to a ("127.0.0.1", port) pair or a unix socket path."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(address)
        s.sendall(raw if raw is not None else
                  f"{method} {path} HTTP/1.1\r\nHost: metrics\r\nUser-Agent: test\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    if method == "HEAD":
        assert body == b"" and int(headers["content-length"]) > 0, (headers, body[:200])
    else:
        assert int(headers["content-length"]) == len(body), (headers, body[:200])
    return status, headers, body


SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def parse_metrics(text: str) -> dict:
    """{(name, ((label, value), ...)): float}; checks every line against the 0.0.4 grammar."""
    samples = {}
    declared = {}
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            declared[name] = kind
            continue
        m = SAMPLE_RE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.groups()
        labels = tuple(LABEL_RE.findall(labels_text or ""))
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in declared or base in declared, f"sample before its TYPE: {line!r}"
        samples[(name, labels)] = float(value)
    assert text.endswith("\n")
    return samples


def series(samples: dict, name: str) -> dict:
    """{labels-dict-as-tuple: value} of one metric name."""
    return {labels: v for (n, labels), v in samples.items() if n == name}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(labels.items())), 0.0)


def label_of(record: dict) -> str:
    cn = record.get("cn")
    return cn if record.get("policy") is not None and cn in CONFIGURED_USERS else ""


class SocketRelay:
    """A unix socket in front of the real daemon socket, which the test can stop and start:
    stopped, nothing listens at the path (connect fails), as when dockerd is down."""

    def __init__(self, path: str, target: str):
        self.path, self.target = path, target
        self.server = None
        self.thread = None

    def start(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(64)
        self.thread = threading.Thread(target=self._accept, args=(self.server,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            try:
                self.server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.server.close()
            self.server = None
            self.thread.join(timeout=5)
        if os.path.exists(self.path):
            os.unlink(self.path)

    def _accept(self, server) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.target)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def health(address) -> tuple[int, str]:
    status, _, body = http_get(address, "/healthz")
    return status, body.decode()


def wait_health(address, want: int, timeout: float = 20.0) -> tuple[int, str]:
    result = wait_for(lambda: (r := health(address))[0] == want and r, timeout, interval=0.3)
    return result or health(address)


# --------------------------------------------------------------------------------------------
# 1. counters after a real CLI session
# --------------------------------------------------------------------------------------------

def test_metrics_follow_a_cli_session(dockgate_bin, docker_socket, pki, tmp_path, request,
                                      docker_config_dir):
    mport = free_port()
    audit_file = tmp_path / "audit.log"
    dg = launch(dockgate_bin, pki, tmp_path / "dg", docker_socket,
                metrics_body(f"tcp://127.0.0.1:{mport}", audit_file), request)
    address = ("127.0.0.1", mport)

    status, headers, body = http_get(address)
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    before = parse_metrics(body.decode())
    # The fixture's readiness probe (a TCP connect and close) is the only connection so far.
    assert value(before, "dockgate_connections_accepted_total") == 1
    assert not series(before, "dockgate_requests_total")
    assert value(before, "dockgate_certificate_expiry_seconds", certificate="server") > 6 * 86400
    assert value(before, "dockgate_certificate_expiry_seconds", certificate="client_ca") > 29 * 86400

    # The session: what an operator would see in a day, in miniature.
    rc, out, err = cli(dg, pki, docker_config_dir, ["ps"])
    assert rc == 0, err
    rc, out, err = cli(dg, pki, docker_config_dir, ["run", "--rm", "busybox", "echo", "metrics-run"])
    assert rc == 0 and b"metrics-run" in out, err
    rc, out, err = cli(dg, pki, docker_config_dir, ["run", "--rm", "--privileged", "busybox", "true"],
                       client=CLIENT_DEVELOPER)
    assert rc != 0 and b"dockgate:" in err, (out, err)
    # A client certificate from another CA: refused in the handshake.
    other = pki.client(CLIENT_OTHER_CA)
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=other.ca)
    ctx.load_cert_chain(other.cert, other.key)
    with socket.create_connection(("127.0.0.1", dg.port), timeout=10) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
                tls.recv(100)

    # Wait for the last records (connection ends are written after the CLI has exited).
    def settled():
        records = complete_records(audit_file)  # polling: a line may be half written
        closes = [r for r in records if r["kind"] == "connection_close"]
        failures = [r for r in records if r["kind"] == "handshake_failure"]
        samples = parse_metrics(http_get(address)[2].decode())
        counted = sum(series(samples, "dockgate_audit_records_total").values())
        done = (failures and closes and len(records) == counted
                and value(samples, "dockgate_connections_open") == 0)
        return done and (records, samples)
    result = wait_for(settled, 20, interval=0.3)
    assert result, f"metrics did not settle:\n{http_get(address)[2].decode()}"
    records, after = result
    print("---- scrape after the session ----\n" + http_get(address)[2].decode())  # shown on failure

    # requests by user, group, action and decision: exactly the request records
    want = collections.Counter((label_of(r), r.get("group", ""), r.get("action", ""), r["decision"])
                               for r in records if r["kind"] == "request")
    got = {tuple(v for _, v in labels): n for labels, n in series(after, "dockgate_requests_total").items()}
    assert got == dict(want)
    assert got[("alice", "containers", "container.list", "allow")] == 1
    assert got[("alice", "containers", "container.create", "allow")] == 1
    assert got[("developer", "containers", "container.create", "deny")] == 1

    # denials by rule: the one the audit file names
    denial = [r for r in records if r["kind"] == "request" and r["decision"] == "deny"]
    assert len(denial) == 1, denial
    assert series(after, "dockgate_denials_total") == {(("user", "developer"), ("rule", denial[0]["rule"])): 1.0}

    # responses by status class: forwarded ones and dockgate's own 403
    want = collections.Counter()
    for r in records:
        if r["kind"] == "response" or (r["kind"] == "request" and r["decision"] == "deny"):
            status = r.get("status")
            want[(label_of(r), r.get("group", ""), r.get("action", ""),
                  f"{status // 100}xx" if status else "none")] += 1
    got = {tuple(v for _, v in labels): n for labels, n in series(after, "dockgate_responses_total").items()}
    assert got == dict(want)
    assert got[("developer", "containers", "container.create", "4xx")] == 1
    assert got[("alice", "containers", "container.create", "2xx")] == 1

    # the attach of `run --rm` is a tunnel: opened and closed again
    opens = [r for r in records if r["kind"] == "session_open"]
    assert opens, "docker run did not attach"
    assert sum(series(after, "dockgate_tunnels_opened_total").values()) == len(opens)
    assert value(after, "dockgate_tunnels_open") == 0

    # bytes each way and the duration histogram
    for direction, key in (("in", "bytes_in"), ("out", "bytes_out")):
        total = sum(r.get(key, 0) for r in records if r["kind"] in ("response", "session_close"))
        assert sum(v for labels, v in series(after, "dockgate_bytes_total").items()
                   if ("direction", direction) in labels) == total
    responses = [r for r in records if r["kind"] == "response"]
    assert sum(series(after, "dockgate_request_duration_seconds_count").values()) == len(responses)
    assert value(after, "dockgate_request_duration_seconds_bucket", group="containers", le="+Inf") == \
        len([r for r in responses if r.get("group") == "containers"])

    # the handshake failure, by class, and connections
    assert series(after, "dockgate_handshake_failures_total") == {(("reason", "unknown_ca"),): 1.0}
    accepted = value(after, "dockgate_connections_accepted_total")
    closed = sum(series(after, "dockgate_connections_closed_total").values())
    unauthenticated = value(after, "dockgate_connections_closed_total", reason="unauthenticated")
    assert unauthenticated == 2  # the readiness probe and the other CA's certificate
    assert accepted == closed == len({r["conn"] for r in records if r["kind"] == "connection_close"}) + 2

    # audit: every record written, no sink failure, not refusing
    assert value(after, "dockgate_audit_records_total", outcome="written") == len(records)
    assert value(after, "dockgate_audit_records_total", outcome="failed") == 0
    assert value(after, "dockgate_audit_sink_up", sink=f"file:{audit_file}") == 1
    assert value(after, "dockgate_audit_fail_closed") == 0

    # reloads: one good, one refused
    dg.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: value(parse_metrics(http_get(address)[2].decode()),
                                  "dockgate_reloads_total", result="success") == 1, 10)
    good = dg.config.read_text()
    dg.config.write_text(good + "unknown_key: 1\n")
    dg.proc.send_signal(signal.SIGHUP)
    reloaded = wait_for(lambda: (s := parse_metrics(http_get(address)[2].decode()))
                        and value(s, "dockgate_reloads_total", result="failure") == 1 and s, 10)
    dg.config.write_text(good)
    assert reloaded, dg.log_tail()
    now = time.time()
    assert abs(value(reloaded, "dockgate_reload_last_success_timestamp_seconds") - now) < 30
    assert abs(value(reloaded, "dockgate_reload_last_failure_timestamp_seconds") - now) < 30
    assert dg.alive()


# --------------------------------------------------------------------------------------------
# 2. /healthz and the daemon socket
# --------------------------------------------------------------------------------------------

def test_healthz_follows_the_daemon(dockgate_bin, docker_socket, pki, tmp_path, request,
                                    docker_config_dir):
    relay = SocketRelay(str(tmp_path / "relay.sock"), docker_socket)
    relay.start()
    request.addfinalizer(relay.stop)
    mport = free_port()
    dg = launch(dockgate_bin, pki, tmp_path / "dg", relay.path,
                metrics_body(f"tcp://127.0.0.1:{mport}", tmp_path / "audit.log"), request)
    address = ("127.0.0.1", mport)

    assert health(address) == (200, "ok\n")
    relay.stop()
    status, text = wait_health(address, 503)
    assert status == 503, text
    assert text.startswith("unhealthy: daemon") and text.count("\n") == 1, text
    # The proxy itself is fine meanwhile: /metrics still answers.
    assert http_get(address)[0] == 200
    relay.start()
    assert wait_health(address, 200) == (200, "ok\n")
    rc, out, err = cli(dg, pki, docker_config_dir, ["version", "--format", "{{.Server.Version}}"])
    assert rc == 0, err


# --------------------------------------------------------------------------------------------
# 3. /healthz and the audit sink
# --------------------------------------------------------------------------------------------

def test_healthz_follows_the_audit_sink(tiny_tmpfs, dockgate_bin, docker_socket, pki, tmp_path,
                                        request, docker_config_dir):
    audit_file = tiny_tmpfs / "audit.log"
    mport = free_port()
    dg = launch(dockgate_bin, pki, tmp_path / "dg", docker_socket,
                metrics_body(f"tcp://127.0.0.1:{mport}", audit_file), request)
    address = ("127.0.0.1", mport)
    assert health(address) == (200, "ok\n")

    filler = fill_filesystem(tiny_tmpfs)
    try:
        rc, out, err = cli(dg, pki, docker_config_dir, ["ps"], timeout=60)
        assert rc != 0, (out, err)
        status, text = health(address)
        assert status == 503, text
        assert text == f"unhealthy: audit sink cannot write: file:{audit_file}\n"
        samples = parse_metrics(http_get(address)[2].decode())
        assert value(samples, "dockgate_audit_fail_closed") == 1
        assert value(samples, "dockgate_audit_sink_up", sink=f"file:{audit_file}") == 0
        assert value(samples, "dockgate_audit_sink_failures_total", sink=f"file:{audit_file}") >= 1
        assert value(samples, "dockgate_audit_records_total", outcome="failed") >= 1
    finally:
        filler.unlink()

    # The sink is retried by the next record: the first request after the disk has space again.
    rc, out, err = cli(dg, pki, docker_config_dir, ["ps"], timeout=60)
    assert rc == 0, err
    assert wait_health(address, 200) == (200, "ok\n")
    samples = parse_metrics(http_get(address)[2].decode())
    assert value(samples, "dockgate_audit_fail_closed") == 0
    dg.stop()  # releases the audit file so the tmpfs can be unmounted


# --------------------------------------------------------------------------------------------
# 4. the unix socket listener and the strict reader
# --------------------------------------------------------------------------------------------

def test_unix_socket_listener(dockgate_bin, docker_socket, pki, tmp_path, request):
    path = tmp_path / "metrics.sock"
    # A stale socket from a dead process: nothing accepts on it.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    dg = launch(dockgate_bin, pki, tmp_path / "dg", docker_socket,
                metrics_body(f"unix://{path}", tmp_path / "audit.log"), request)
    st = os.lstat(path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert http_get(str(path))[0] == 200
    assert health(str(path)) == (200, "ok\n")

    # strict and bounded
    assert http_get(str(path), "/metrics", method="POST")[0] == 405
    assert http_get(str(path), "/metrics", method="HEAD")[0] == 200
    assert http_get(str(path), "/")[0] == 404
    assert http_get(str(path), raw=b"GET /metrics HTTP/1.1\r\n\r\n")[0] == 400  # no Host
    assert http_get(str(path), raw=b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: "
                    + b"a" * 9000 + b"\r\n\r\n")[0] == 431
    assert http_get(str(path), raw=b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")[0] == 400
    t0 = time.monotonic()
    assert http_get(str(path), raw=b"GET /metrics HTTP/1.1\r\n")[0] == 408
    assert 4 <= time.monotonic() - t0 < 10

    # SIGHUP keeps the listener; a refused reload too
    dg.proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert path.exists() and http_get(str(path))[0] == 200
    assert dg.alive()

    # removed on exit
    dg.stop()
    assert dg.proc.returncode == 0, dg.log_tail()
    assert not path.exists()


def test_non_loopback_address_is_refused(dockgate_bin, docker_socket, pki, tmp_path):
    cfg = tmp_path / "dockgate.yaml"
    cfg.write_text(config_text(port=free_port(), upstream_socket=docker_socket, pki=pki,
                               body=metrics_body("tcp://0.0.0.0:9376", tmp_path / "audit.log")))
    p = subprocess.run([dockgate_bin, "check-config", str(cfg)], capture_output=True, timeout=30,
                       env=_clean_env())
    assert p.returncode != 0
    assert b"loopback" in p.stderr + p.stdout, p.stderr
