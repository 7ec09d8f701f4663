"""The audit trail (issue 4), end to end: the real dockgate binary, the real docker CLI and the
real daemon; assertions are made on what dockgate wrote (the audit file, or the datagrams it sent
to the journal socket), never on dockgate's own idea of it.

Every dockgate of this module runs with two users:
  alice      policy admin      (endpoints: all, privileged: true)
  developer  policy developer  (containers/exec/images write, system/events read, images busybox*)

Tests:
  test_realistic_session_audit_file   docker run / exec -i / denied run --privileged / failed
                                      handshakes / registry credentials, checked line by line
  test_journald_structured_fields     a fake journald (our own datagram socket at the path
                                      libsystemd writes to) receives DOCKGATE_* fields
  test_fail_closed_on_full_disk       audit file on a full tmpfs: 503, daemon untouched, recovery
                                      without restart
  test_thousand_concurrent_requests   20 clients x 50 requests: 1,000 request + 1,000 response
                                      records, every line whole JSON
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conftest import (
    CLI_TIMEOUT,
    CLIENT_ALICE,
    CLIENT_DEVELOPER,
    CLIENT_OTHER_CA,
    DOCKER_CLI,
    RawTLS,
    _clean_env,
    _yaml_str,
    run_cmd,
    tls_cli_args,
)

H = b"Host: 127.0.0.1\r\n"
API = "/v1.41"
RECORD_KINDS = {"request", "response", "session_open", "session_close", "handshake_failure",
                "connection_close"}
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
AUDIT_503_TEXT = "audit trail"

POLICIES = """\
policies:
  admin:
    endpoints: all
    privileged: true
  developer:
    # alice and developer share a team: the sessions below have both act on one container.
    scope: team
    endpoints:
      containers: write
      exec: write
      images: write
      system: read
      events: read
    images: ["busybox*"]
users:
  - cn: alice
    policy: admin
    team: ops
  - cn: developer
    policy: developer
    team: ops
"""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def audit_config(**settings) -> str:
    """POLICIES plus an `audit:` section; values are YAML scalars (strings are quoted)."""
    lines = ["audit:"]
    for k, v in settings.items():
        if isinstance(v, bool):
            lines.append(f"  {k}: {'true' if v else 'false'}")
        else:
            lines.append(f"  {k}: {_yaml_str(v)}")
    return POLICIES + "\n".join(lines) + "\n"


def start_dockgate(factory, request, **audit_settings):
    dg = factory(body=audit_config(**audit_settings))
    request.node._dockgate = dg  # conftest appends the dockgate log to a failure report
    return dg


def complete_records(path: Path) -> list[dict]:
    """For polling while dockgate writes: the records of the complete lines so far."""
    data = path.read_bytes() if path.exists() else b""
    return [json.loads(line) for line in data[: data.rfind(b"\n") + 1].split(b"\n") if line.strip()]


def read_audit(path: Path):
    """(raw bytes, records). Fails unless every line is one complete JSON object."""
    data = path.read_bytes() if path.exists() else b""
    if data:
        assert data.endswith(b"\n"), f"audit file does not end with a newline: {data[-300:]!r}"
    records = []
    for n, line in enumerate(data.split(b"\n")[:-1] if data else [], start=1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            pytest.fail(f"{path}:{n} is not JSON ({e}): {line[:500]!r}", pytrace=False)
        assert isinstance(rec, dict), f"{path}:{n} is not a JSON object: {line[:300]!r}"
        records.append(rec)
    return data, records


def check_record_shape(rec: dict) -> None:
    assert rec.get("kind") in RECORD_KINDS, rec
    assert isinstance(rec.get("time"), str) and TIME_RE.match(rec["time"]), rec
    assert isinstance(rec.get("conn"), int), rec
    assert rec.get("client") == "127.0.0.1", rec
    assert isinstance(rec.get("port"), int) and 0 < rec["port"] < 65536, rec
    if rec["kind"] in ("request", "response", "session_open", "session_close"):
        assert isinstance(rec.get("seq"), int) and rec["seq"] >= 1, rec
        assert rec.get("method") and rec.get("path"), rec
    if rec["kind"] == "request":
        assert rec.get("decision") in ("allow", "deny"), rec
    if rec["kind"] == "response":
        assert "decision" not in rec, rec
        for k in ("status", "bytes_in", "bytes_out", "duration_us"):
            assert isinstance(rec.get(k), int), (k, rec)


def wait_for(predicate, timeout: float, interval: float = 0.1):
    """Poll predicate() until it returns a truthy value or `timeout` passes; returns the last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def cert_identity(cert_path: str):
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    return cert.serial_number, hashlib.sha256(der).hexdigest()


def norm_hex(s: str) -> str:
    return s.replace(":", "").lower()


def cli(dg, pki, config_dir, args, client=CLIENT_ALICE, input=None, timeout=CLI_TIMEOUT):
    env = _clean_env({"DOCKER_CONFIG": config_dir})
    argv = [DOCKER_CLI, *tls_cli_args(pki.client(client), dg.port), *args]
    return run_cmd(argv, input=input, timeout=timeout, env=env)


def raw_request(dg, pki, head: bytes, body: bytes = b"", client=CLIENT_ALICE, timeout=60.0):
    """One request on its own connection; returns (response, local port of the connection)."""
    c = RawTLS(dg.port, pki.client(client), timeout=timeout)
    try:
        port = c.sock.getsockname()[1]
        c.send(head + body)
        return c.read_response(timeout=timeout), port
    finally:
        c.close()


def json_request(method: str, target: str, obj=None, extra_headers: bytes = b"") -> tuple[bytes, bytes]:
    body = b"" if obj is None else json.dumps(obj).encode()
    head = f"{method} {target} HTTP/1.1\r\n".encode() + H + extra_headers
    if obj is not None:
        head += b"Content-Type: application/json\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n".encode()
    return head, body


def container_exists(docker_direct, name: str) -> bool:
    rc, out, err = docker_direct(["container", "inspect", "--format", "{{.Id}}", name], timeout=60)
    if rc == 0:
        return True
    assert b"No such" in err or b"no such" in err, err
    return False


# --------------------------------------------------------------------------------------------
# 1. a realistic session, checked on the audit file
# --------------------------------------------------------------------------------------------

def test_realistic_session_audit_file(dockgate_factory, request, pki, tmp_path, docker_direct,
                                      docker_config_dir, container_name):
    audit_file = tmp_path / "audit.log"
    dg = start_dockgate(dockgate_factory, request, file=str(audit_file), stdout=False)
    tag = uuid.uuid4().hex[:12]
    marker = f"marker-{tag}"
    env_secret = f"envsecret-{tag}"
    registry_secret = f"SECRET-{tag}"

    # -- docker run -d (alice, admin); an environment value that must not reach the trail
    x = container_name("audit")
    rc, out, err = cli(dg, pki, docker_config_dir,
                       ["run", "-d", "--name", x, "-e", f"DGT_TOKEN={env_secret}",
                        "busybox", "sleep", "60"])
    assert rc == 0, err
    rc, cid, err = docker_direct(["container", "inspect", "--format", "{{.Id}}", x])
    assert rc == 0, err
    cid = cid.decode().strip()

    # -- docker exec -i with a distinctive command
    rc, out, err = cli(dg, pki, docker_config_dir,
                       ["exec", "-i", x, "sh", "-c", f"echo {marker}"], input=b"")
    assert rc == 0, err
    assert marker.encode() in out, (out, err)

    # -- a denied docker run --privileged (developer: no host escape)
    y = container_name("priv")
    rc, out, err = cli(dg, pki, docker_config_dir,
                       ["run", "--privileged", "--name", y, "busybox", "true"],
                       client=CLIENT_DEVELOPER)
    assert rc != 0, (out, err)
    assert b"Error response from daemon: dockgate:" in err, err
    assert not container_exists(docker_direct, y)

    # -- failed handshakes: the CLI with a certificate of another CA, and a client with no cert
    rc, out, err = cli(dg, pki, docker_config_dir, ["version"], client=CLIENT_OTHER_CA, timeout=60)
    assert rc != 0, (out, err)
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki.ca_cert))
    no_cert_failed = False
    try:
        c = RawTLS(dg.port, None, timeout=15, context=ctx)
        try:
            c.send(b"GET /_ping HTTP/1.1\r\n" + H + b"\r\n")
            try:
                r = c.read_response(timeout=15)
                pytest.fail(f"a client without a certificate got an answer: {r.status} {r.body!r}")
            except Exception:  # alert, EOF, reset (pytest.fail is not an Exception)
                no_cert_failed = True
        finally:
            c.close()
    except (ssl.SSLError, OSError):
        no_cert_failed = True
    assert no_cert_failed

    # -- registry credentials: X-Registry-Auth / X-Registry-Config on a pull, and an /auth body.
    # The registry is 127.0.0.1:9 (nothing listens): the daemon fails fast, nothing leaves the host.
    auth_json = json.dumps({"username": "u", "password": registry_secret,
                            "serveraddress": "127.0.0.1:9"}).encode()
    x_registry_auth = base64.urlsafe_b64encode(auth_json).decode()
    x_registry_config = base64.urlsafe_b64encode(json.dumps(
        {"127.0.0.1:9": {"username": "u", "password": registry_secret}}).encode()).decode()
    head, body = json_request(
        "POST", f"{API}/images/create?fromImage=127.0.0.1:9/dgt-audit/busybox&tag=latest",
        extra_headers=(f"X-Registry-Auth: {x_registry_auth}\r\n"
                       f"X-Registry-Config: {x_registry_config}\r\n").encode())
    pull_resp, pull_port = raw_request(dg, pki, head, body, timeout=90)
    assert pull_resp.status in (200, 404, 500), (pull_resp.status, pull_resp.body[:500])
    head, body = json_request("POST", f"{API}/auth", {"username": "u", "password": registry_secret,
                                                        "serveraddress": "127.0.0.1:9"})
    auth_resp, auth_port = raw_request(dg, pki, head, body, timeout=90)
    assert auth_resp.status >= 400, (auth_resp.status, auth_resp.body[:500])

    # -- let every connection finish: each identified connection ends with connection_close
    def settled():
        recs = complete_records(audit_file)  # polling: a line may be half written
        conns = {r["conn"] for r in recs if r["kind"] == "request"}
        closed = {r["conn"] for r in recs if r["kind"] == "connection_close"}
        hs = [r for r in recs if r["kind"] == "handshake_failure"]
        # An exec's session_close waits for its exit code, asked of the daemon off the loop.
        opened = {(r["conn"], r["seq"]) for r in recs if r["kind"] == "session_open"}
        ended = {(r["conn"], r["seq"]) for r in recs if r["kind"] == "session_close"}
        return recs if conns <= closed and len(hs) >= 2 and opened <= ended else None

    wait_for(settled, 20)
    data, records = read_audit(audit_file)
    assert records, "the audit file is empty"
    for rec in records:
        check_record_shape(rec)

    # ---- one request record per request: (conn, seq) unique, 1..n per connection, and n equal to
    # the connection_close record's request count
    requests = [r for r in records if r["kind"] == "request"]
    keys = [(r["conn"], r["seq"]) for r in requests]
    assert len(keys) == len(set(keys)), "duplicate (conn, seq) among request records"
    per_conn: dict[int, list[int]] = {}
    for conn, seq in keys:
        per_conn.setdefault(conn, []).append(seq)
    closes = {r["conn"]: r for r in records if r["kind"] == "connection_close"}
    for conn, seqs in per_conn.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), (conn, seqs)
        assert conn in closes, f"connection {conn} has requests but no connection_close record"
        assert closes[conn].get("details", {}).get("requests") == len(seqs), (conn, seqs, closes[conn])

    # ---- every response record follows its allowed request; every allowed request has one
    index_of = {(r["conn"], r["seq"]): i for i, r in enumerate(records) if r["kind"] == "request"}
    by_key = {(r["conn"], r["seq"]): r for r in requests}
    responses = [(i, r) for i, r in enumerate(records) if r["kind"] == "response"]
    resp_keys = [(r["conn"], r["seq"]) for _, r in responses]
    assert len(resp_keys) == len(set(resp_keys)), "two response records for one request"
    for i, r in responses:
        k = (r["conn"], r["seq"])
        assert k in by_key, f"response record without a request record: {r}"
        req = by_key[k]
        assert index_of[k] < i, f"response record written before its request record: {r}"
        assert req["decision"] == "allow", (req, r)
        for field in ("method", "path", "action", "cn"):
            assert r.get(field) == req.get(field), (field, req, r)
    allowed = {k for k, r in by_key.items() if r["decision"] == "allow"}
    assert allowed == set(resp_keys), (
        f"allowed requests without a response record: {sorted(allowed - set(resp_keys))}")

    # ---- the raw connections: exactly the one request each carried
    def conn_of_port(port):
        convs = {r["conn"] for r in records if r.get("port") == port and r["kind"] == "request"}
        assert len(convs) == 1, (port, convs)
        return convs.pop()

    for port, action in ((pull_port, "image.pull"), (auth_port, "auth")):
        conn = conn_of_port(port)
        reqs = [r for r in requests if r["conn"] == conn]
        assert len(reqs) == 1, reqs
        assert reqs[0]["action"] == action and reqs[0]["decision"] == "allow", reqs[0]
    pull_req = [r for r in requests if r["conn"] == conn_of_port(pull_port)][0]
    assert "127.0.0.1:9/dgt-audit/busybox" in pull_req.get("details", {}).get("image", ""), pull_req

    # ---- identity of alice's records
    serial, fingerprint = cert_identity(pki.client(CLIENT_ALICE).cert)
    alice_reqs = [r for r in requests if r.get("cn") == "alice"]
    assert alice_reqs
    for r in alice_reqs:
        assert r.get("policy") == "admin", r
        assert norm_hex(r.get("fingerprint", "")) == fingerprint, r
        assert int(norm_hex(r.get("serial", "0")), 16) == serial, r

    # ---- docker run: the create (name, image, cmd) and the created id, then the start
    creates = [r for r in requests if r.get("action") == "container.create"
               and r.get("details", {}).get("name") == x]
    assert len(creates) == 1, creates
    cr = creates[0]
    assert cr["decision"] == "allow" and cr["cn"] == "alice", cr
    assert cr["details"].get("image") == "busybox", cr
    assert cr["details"].get("cmd") == ["sleep", "60"], cr
    cresp = [r for _, r in responses if (r["conn"], r["seq"]) == (cr["conn"], cr["seq"])]
    assert len(cresp) == 1 and cresp[0]["status"] == 201, cresp
    assert cresp[0].get("details", {}).get("container_id") == cid, cresp[0]
    starts = [r for r in requests if r.get("action") == "container.start"
              and r.get("details", {}).get("container") in (cid, x)]
    assert len(starts) == 1 and starts[0]["decision"] == "allow", starts

    # ---- docker exec: command and container in exec.create, linked by exec id to exec.start
    ecreates = [r for r in requests if r.get("action") == "exec.create"
                and marker in " ".join(r.get("details", {}).get("cmd", []))]
    assert len(ecreates) == 1, [r for r in requests if r.get("action") == "exec.create"]
    ec = ecreates[0]
    assert ec["decision"] == "allow" and ec["cn"] == "alice", ec
    assert ec["details"].get("container") in (x, cid), ec
    assert ec["details"]["cmd"] == ["sh", "-c", f"echo {marker}"], ec
    eresp = [r for _, r in responses if (r["conn"], r["seq"]) == (ec["conn"], ec["seq"])]
    assert len(eresp) == 1 and eresp[0]["status"] == 201, eresp
    exec_id = eresp[0].get("details", {}).get("exec_id")
    assert isinstance(exec_id, str) and re.fullmatch(r"[0-9a-f]{64}", exec_id), eresp[0]
    estarts = [r for r in requests if r.get("action") == "exec.start"
               and r.get("details", {}).get("exec_id") == exec_id]
    assert len(estarts) == 1 and estarts[0]["decision"] == "allow", (
        exec_id, [r for r in requests if r.get("action") == "exec.start"])
    es = estarts[0]
    sess = {r["kind"]: r for r in records if r["kind"] in ("session_open", "session_close")
            and (r["conn"], r["seq"]) == (es["conn"], es["seq"])}
    assert set(sess) == {"session_open", "session_close"}, sess
    assert sess["session_open"].get("details", {}).get("exec_id") == exec_id, sess
    sc = sess["session_close"]
    assert isinstance(sc.get("bytes_out"), int) and sc["bytes_out"] >= len(marker), sc
    assert isinstance(sc.get("bytes_in"), int), sc
    assert isinstance(sc.get("duration_us"), int), sc
    assert records.index(sess["session_open"]) < records.index(sc), sess

    # ---- the privileged denial: decision, rule, reason, and the facts of the attempt
    denials = [r for r in requests if r.get("action") == "container.create"
               and r.get("cn") == "developer"]
    assert len(denials) == 1, denials
    d = denials[0]
    assert d["decision"] == "deny", d
    assert d.get("rule", "").startswith("host-escape/privileged"), d
    assert d.get("reason"), d
    assert d.get("policy") == "developer", d
    assert d.get("status") == 403, d
    assert d.get("details", {}).get("name") == y, d
    assert d.get("details", {}).get("privileged") is True, d

    # ---- no credential and no environment value anywhere in the file (nor in dockgate's log)
    log = dg.log.read_bytes()
    for secret in (registry_secret, x_registry_auth, x_registry_config, env_secret,
                   base64.b64encode(auth_json).decode()):
        assert secret.encode() not in data, f"{secret!r} appears in the audit file"
        assert secret.encode() not in log, f"{secret!r} appears in dockgate's operational log"

    # ---- the handshake failures
    hs = [r for r in records if r["kind"] == "handshake_failure"]
    assert len(hs) >= 2, hs
    for r in hs:
        assert r.get("reason"), r
        assert "cn" not in r and "fingerprint" not in r, r
    subjects = [r.get("details", {}).get("presented_subject", "") for r in hs]
    assert any(s == "" and "certificate" in r["reason"] for s, r in zip(subjects, hs)), (
        f"no handshake_failure for the client without a certificate: {hs}")
    # Issue 4: "TLS handshake failures (with the reason and the presented certificate's subject
    # when there is one)": the CLI presented CN=alice signed by another CA.
    assert any("CN=alice" in s or "CN = alice" in s for s in subjects), (
        f"no handshake_failure names the subject of the certificate the client presented: {hs}")



# --------------------------------------------------------------------------------------------
# 2. journald: a fake journal socket receives the structured fields
# --------------------------------------------------------------------------------------------

JOURNAL_DIR = "/run/systemd/journal"
JOURNAL_SOCKET = JOURNAL_DIR + "/socket"
JOURNAL_LOCK = "/tmp/dockgate-fake-journal.lock"


def parse_journal_datagram(data: bytes) -> list[tuple[str, bytes]]:
    """The native journal protocol: `NAME=value\\n`, or `NAME\\n<u64 LE length><bytes>\\n`."""
    fields = []
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        eq = data.find(b"=", i)
        assert nl != -1, f"unterminated field at {i}: {data[i:i + 80]!r}"
        if eq != -1 and eq < nl:
            fields.append((data[i:eq].decode(), data[eq + 1:nl]))
            i = nl + 1
        else:
            name = data[i:nl].decode()
            (length,) = struct.unpack_from("<Q", data, nl + 1)
            start = nl + 1 + 8
            value = data[start:start + length]
            assert len(value) == length and data[start + length:start + length + 1] == b"\n", (
                f"bad binary field {name!r}")
            fields.append((name, value))
            i = start + length + 1
    for name, _ in fields:
        assert re.fullmatch(r"[A-Z0-9_]+", name), f"bad field name {name!r}"
    return fields


class FakeJournal:
    """Our own datagram socket at the path libsystemd sends to; a thread drains it (libsystemd's
    socket is blocking, so a full queue would stall dockgate)."""

    def __init__(self):
        self.lock_fd = os.open(JOURNAL_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self.lock_fd)
                    pytest.fail(f"{JOURNAL_LOCK} stayed locked for 300 s")
                time.sleep(0.2)
        self.created_dir = False
        self.sock = None
        try:
            if os.path.exists(JOURNAL_SOCKET):
                probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    probe.connect(JOURNAL_SOCKET)
                    live = True
                except OSError:
                    live = False
                finally:
                    probe.close()
                if live:
                    pytest.skip(f"a real journald listens on {JOURNAL_SOCKET}; this test needs the path")
                os.unlink(JOURNAL_SOCKET)  # stale socket of a crashed run
            if not os.path.isdir(JOURNAL_DIR):
                try:
                    os.mkdir(JOURNAL_DIR, 0o755)
                except OSError as e:
                    pytest.skip(f"cannot create {JOURNAL_DIR}: {e}")
                self.created_dir = True
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            try:
                s.bind(JOURNAL_SOCKET)
            except OSError as e:
                s.close()
                pytest.skip(f"cannot bind {JOURNAL_SOCKET}: {e}")
            s.settimeout(0.2)
            self.sock = s
        except BaseException:
            self.close()
            raise
        self.entries: list[list[tuple[str, bytes]]] = []
        self.datagrams: list[bytes] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._mutex = threading.Lock()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        while not self._stop.is_set():
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 20, 4)
            except socket.timeout:
                continue
            except OSError as e:
                self.errors.append(repr(e))
                return
            try:
                if not data and fds:  # big entries come as a sealed memfd
                    with os.fdopen(fds[0], "rb") as f:
                        data = f.read()
                    fds = fds[1:]
                for fd in fds:
                    os.close(fd)
                entry = parse_journal_datagram(data)
            except Exception as e:  # keep the thread alive; report in the test
                self.errors.append(f"{e!r} in {data[:200]!r}")
                continue
            with self._mutex:
                self.entries.append(entry)
                self.datagrams.append(data)

    def raw_entries(self):
        with self._mutex:
            return list(zip(self.entries, self.datagrams))

    def snapshot(self):
        with self._mutex:
            return [dict((k, v.decode("utf-8", "replace")) for k, v in e) for e in self.entries]

    def close(self):
        if hasattr(self, "_stop"):
            self._stop.set()
            self._thread.join(timeout=5)
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            try:
                os.unlink(JOURNAL_SOCKET)
            except FileNotFoundError:
                pass
        if self.created_dir:
            try:
                os.rmdir(JOURNAL_DIR)
            except OSError:
                pass
            self.created_dir = False
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # releases the flock
            self.lock_fd = None


@pytest.fixture
def fake_journal():
    j = FakeJournal()
    try:
        yield j
    finally:
        j.close()


def test_parse_journal_datagram_both_forms():
    data = (b"MESSAGE=hello\n" + b"DOCKGATE_PATH\n" + struct.pack("<Q", 5) + b"a\nb=c\n"
            + b"PRIORITY=6\n")
    assert parse_journal_datagram(data) == [
        ("MESSAGE", b"hello"), ("DOCKGATE_PATH", b"a\nb=c"), ("PRIORITY", b"6")]


def test_journald_structured_fields(fake_journal, dockgate_factory, request, pki, docker_direct):
    dg = start_dockgate(dockgate_factory, request, journald=True, stdout=False)

    # allowed: alice lists containers
    head, body = json_request("GET", f"{API}/containers/json?all=1")
    resp, allow_port = raw_request(dg, pki, head, body)
    assert resp.status == 200, (resp.status, resp.body[:300])
    # denied: developer creates a privileged container
    name = f"dgt-journal-{uuid.uuid4().hex[:10]}"
    head, body = json_request("POST", f"{API}/containers/create?name={name}",
                              {"Image": "busybox", "Cmd": ["true"],
                               "HostConfig": {"Privileged": True}})
    resp, deny_port = raw_request(dg, pki, head, body, client=CLIENT_DEVELOPER)
    assert resp.status == 403, (resp.status, resp.body[:300])
    assert not container_exists(docker_direct, name)

    # denied with a newline in client-controlled text that lands in MESSAGE: libsystemd must send
    # it in the binary form, so the text after the newline cannot pose as a field of its own
    head, body = json_request("POST", f"{API}/containers/create?name={name}",
                              {"Image": "busybox\nDOCKGATE_DECISION=allow", "Cmd": ["true"]})
    resp, inject_port = raw_request(dg, pki, head, body, client=CLIENT_DEVELOPER)
    assert 400 <= resp.status < 500, (resp.status, resp.body[:300])
    assert not container_exists(docker_direct, name)

    def entries_of(port, kind):
        out = []
        for e in fake_journal.snapshot():
            if e.get("DOCKGATE_KIND") == kind and e.get("DOCKGATE_CLIENT") == f"127.0.0.1:{port}":
                out.append(e)
        return out

    wait_for(lambda: entries_of(allow_port, "request") and entries_of(allow_port, "response")
             and entries_of(deny_port, "request") and entries_of(inject_port, "request"), 15)
    assert not fake_journal.errors, fake_journal.errors
    audit = [e for e in fake_journal.snapshot() if e.get("SYSLOG_IDENTIFIER") == "dockgate-audit"]
    assert audit, f"no dockgate-audit entry arrived; got {fake_journal.snapshot()[:5]}"
    for e in audit:
        assert e.get("MESSAGE"), e
        rec = json.loads(e["DOCKGATE_RECORD"])  # the whole JSON line travels too
        check_record_shape(rec)
        assert rec["kind"] == e["DOCKGATE_KIND"], e

    allow = entries_of(allow_port, "request")
    assert len(allow) == 1, allow
    a = allow[0]
    assert a.get("DOCKGATE_USER") == "alice", a
    assert a.get("DOCKGATE_ACTION") == "container.list", a
    assert a.get("DOCKGATE_DECISION") == "allow", a
    assert a.get("DOCKGATE_METHOD") == "GET", a
    assert a.get("DOCKGATE_PATH") == "/containers/json", a
    assert a.get("PRIORITY") == "6", a
    assert "alice" in a["MESSAGE"] and "allow" in a["MESSAGE"], a
    arec = json.loads(a["DOCKGATE_RECORD"])
    assert arec["decision"] == "allow" and arec["cn"] == "alice" and arec["policy"] == "admin", arec

    aresp = entries_of(allow_port, "response")
    assert len(aresp) == 1, aresp
    assert aresp[0].get("DOCKGATE_STATUS") == "200", aresp[0]
    assert aresp[0].get("DOCKGATE_USER") == "alice", aresp[0]
    assert "DOCKGATE_DECISION" not in aresp[0], aresp[0]

    deny = entries_of(deny_port, "request")
    assert len(deny) == 1, deny
    d = deny[0]
    assert d.get("DOCKGATE_USER") == "developer", d
    assert d.get("DOCKGATE_ACTION") == "container.create", d
    assert d.get("DOCKGATE_DECISION") == "deny", d
    assert d.get("DOCKGATE_STATUS") == "403", d
    assert d.get("PRIORITY") == "5", d
    drec = json.loads(d["DOCKGATE_RECORD"])
    assert drec["rule"].startswith("host-escape/privileged") and drec.get("reason"), drec
    assert "developer" in d["MESSAGE"] and "deny" in d["MESSAGE"], d
    assert drec["reason"] in d["MESSAGE"], d
    assert not entries_of(deny_port, "response"), "a denied request got a response record"

    injected = [(e, raw) for e, raw in fake_journal.raw_entries()
                if ("DOCKGATE_CLIENT", f"127.0.0.1:{inject_port}".encode()) in e
                and ("DOCKGATE_KIND", b"request") in e]
    assert len(injected) == 1, injected
    fields, raw = injected[0]
    names = [k for k, _ in fields]
    assert names.count("DOCKGATE_DECISION") == 1, fields
    assert dict(fields)["DOCKGATE_DECISION"] == b"deny", fields
    message = dict(fields)["MESSAGE"]
    assert b"busybox\nDOCKGATE_DECISION=allow" in message, message
    assert b"\nMESSAGE\n" in b"\n" + raw, "MESSAGE with a newline was not sent in the binary form"


# --------------------------------------------------------------------------------------------
# 3. fail-closed: the audit file on a full filesystem
# --------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_tmpfs(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    try:
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mnt)],
                           capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot run mount: {e}")
    if p.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {p.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        p = subprocess.run(["umount", str(mnt)], capture_output=True, timeout=30)
        if p.returncode != 0:  # still busy (a dockgate that did not stop): detach it anyway
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=30)


def fill_filesystem(directory: Path) -> Path:
    """Writes a filler file until ENOSPC; then the filesystem has no free byte (statvfs)."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (4096, 512, 1):
            for _ in range(100_000):
                try:
                    f.write(b"\0" * chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    st = os.statvfs(directory)
    assert st.f_bfree == 0, f"filesystem still has {st.f_bfree} free blocks"
    return filler


def test_fail_closed_on_full_disk(tiny_tmpfs, dockgate_factory, request, pki, docker_direct,
                                  docker_config_dir, container_name):
    audit_file = tiny_tmpfs / "audit.log"
    # on_failure is left out: fail-closed is the default.
    dg = start_dockgate(dockgate_factory, request, file=str(audit_file), stdout=False)
    try:
        pid = dg.pid
        y = container_name("failclosed")
        create = json_request("POST", f"{API}/containers/create?name={y}",
                              {"Image": "busybox", "Cmd": ["true"]})

        # -- outage 1: the disk is full before the first record
        filler = fill_filesystem(tiny_tmpfs)
        resp, _ = raw_request(dg, pki, *create)
        assert resp.status == 503, (resp.status, resp.body[:500])
        assert (resp.header("Content-Type") or "").startswith("application/json"), resp.headers
        msg = resp.json().get("message", "")
        assert AUDIT_503_TEXT in msg, msg
        assert not container_exists(docker_direct, y), "the daemon saw a request that was not audited"

        rc, out, err = cli(dg, pki, docker_config_dir, ["ps"], timeout=60)
        assert rc != 0, (out, err)
        assert AUDIT_503_TEXT.encode() in err, err
        rc, out, err = cli(dg, pki, docker_config_dir, ["create", "--name", y, "busybox", "true"],
                           timeout=60)
        assert rc != 0, (out, err)
        assert AUDIT_503_TEXT.encode() in err, err
        assert not container_exists(docker_direct, y), "the daemon saw a request that was not audited"
        assert b"audit" in dg.log.read_bytes(), "no operational log line about the audit failure"

        # -- recovery without a restart
        filler.unlink()
        rc, out, err = cli(dg, pki, docker_config_dir, ["create", "--name", y, "busybox", "true"],
                           timeout=60)
        assert rc == 0, err
        assert container_exists(docker_direct, y)
        rc, out, err = cli(dg, pki, docker_config_dir, ["ps", "-a"], timeout=60)
        assert rc == 0, err
        assert y.encode() in out
        assert dg.alive() and dg.pid == pid

        def has_create_response():
            recs = complete_records(audit_file)
            return [r for r in recs if r["kind"] == "response" and r.get("action") == "container.create"
                    and r.get("details", {}).get("name") == y]
        resp_recs = wait_for(has_create_response, 10)
        assert resp_recs and resp_recs[0]["status"] == 201, resp_recs
        _, records = read_audit(audit_file)  # outage 1 left no fragment: every line is JSON
        for r in records:
            check_record_shape(r)
        reqs = [r for r in records if r["kind"] == "request" and r.get("action") == "container.create"]
        assert len(reqs) == 1, f"refused requests must not be in the trail as forwarded: {reqs}"

        # -- outage 2: the audit file now ends inside a tmpfs page whose free tail statvfs does not
        # count, so a few records still fit; requests go on until one finds the disk full (at most
        # a few KiB of records later). That record is cut short by the disk: the line after the
        # recovery must still be whole and on its own.
        filler = fill_filesystem(tiny_tmpfs)
        c = RawTLS(dg.port, pki.client(CLIENT_ALICE), timeout=30)
        try:
            refused_after = None
            for i in range(200):
                c.send(f"GET {API}/containers/json HTTP/1.1\r\n".encode() + H + b"\r\n")
                r = c.read_response(timeout=30)
                if r.status == 503:
                    refused_after = i
                    break
                assert r.status == 200, (r.status, r.body[:300])
            assert refused_after is not None, "200 requests on a full disk and none refused"
            assert AUDIT_503_TEXT in r.json().get("message", ""), r.body
        finally:
            c.close()
        rc, out, err = cli(dg, pki, docker_config_dir, ["ps"], timeout=60)
        assert rc != 0 and AUDIT_503_TEXT.encode() in err, (out, err)
        y2 = container_name("failclosed2")
        resp, _ = raw_request(dg, pki, *json_request("POST", f"{API}/containers/create?name={y2}",
                                                     {"Image": "busybox", "Cmd": ["true"]}))
        assert resp.status == 503, resp.status
        assert not container_exists(docker_direct, y2), "the daemon saw a request that was not audited"
        filler.unlink()
        resp, port = raw_request(dg, pki, *json_request("GET", f"{API}/containers/json?all=1"))
        assert resp.status == 200, (resp.status, resp.body[:300])
        assert y.encode() in resp.body

        def recovered_records():
            data = audit_file.read_bytes()
            good = []
            for line in data.split(b"\n"):
                try:
                    good.append(json.loads(line))
                except ValueError:
                    pass
            return [r for r in good if r.get("port") == port]
        recs = wait_for(lambda: len(recovered_records()) >= 2, 10) and recovered_records()
        assert recs and {r["kind"] for r in recs} >= {"request", "response"}, recs
        data = audit_file.read_bytes()
        bad = []
        for ln in data.split(b"\n")[:-1]:
            try:
                json.loads(ln)
            except ValueError:
                bad.append(ln)
        # at most the one record the disk cut short, never two records on one line
        assert len(bad) <= 1, bad
        for ln in bad:
            assert ln.startswith(b"{") and ln.count(b'{"time"') == 1, ln
        assert dg.alive() and dg.pid == pid
    finally:
        dg.stop()  # releases the audit file so the tmpfs can be unmounted


# --------------------------------------------------------------------------------------------
# 4. load: 20 clients x 50 requests
# --------------------------------------------------------------------------------------------

def test_thousand_concurrent_requests(dockgate_factory, request, pki, tmp_path):
    audit_file = tmp_path / "audit.log"
    dg = start_dockgate(dockgate_factory, request, file=str(audit_file), stdout=False)
    clients, per_client = 20, 50
    errors: list[str] = []
    ports: list[int] = []
    statuses: list[int] = []
    mutex = threading.Lock()
    barrier = threading.Barrier(clients, timeout=60)

    def worker(n: int):
        try:
            c = RawTLS(dg.port, pki.client(CLIENT_ALICE), timeout=60)
        except Exception as e:
            with mutex:
                errors.append(f"client {n}: connect: {e!r}")
            barrier.abort()
            return
        try:
            with mutex:
                ports.append(c.sock.getsockname()[1])
            barrier.wait()
            for i in range(per_client):
                target = "/_ping" if i % 2 == 0 else f"{API}/containers/json?limit=1"
                c.send(f"GET {target} HTTP/1.1\r\n".encode() + H + b"\r\n")
                r = c.read_response(timeout=60)
                with mutex:
                    statuses.append(r.status)
        except Exception as e:
            with mutex:
                errors.append(f"client {n}: {e!r}")
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "clients still running after 240 s"
    assert not errors, errors
    total = clients * per_client
    assert len(statuses) == total and set(statuses) == {200}, sorted(set(statuses))

    def counts():
        recs = complete_records(audit_file)
        return (sum(r["kind"] == "request" for r in recs), sum(r["kind"] == "response" for r in recs),
                sum(r["kind"] == "connection_close" for r in recs))
    wait_for(lambda: counts() == (total, total, clients), 20)

    data, records = read_audit(audit_file)
    lines = data.split(b"\n")[:-1]
    assert len(lines) == len(records)
    kinds = [r["kind"] for r in records]
    assert kinds.count("request") == total, kinds.count("request")
    assert kinds.count("response") == total, kinds.count("response")
    assert kinds.count("connection_close") == clients, kinds.count("connection_close")
    assert len(records) == 2 * total + clients, {k: kinds.count(k) for k in set(kinds)}
    for r in records:
        check_record_shape(r)
    reqs = [r for r in records if r["kind"] == "request"]
    assert all(r["decision"] == "allow" and r["cn"] == "alice" for r in reqs)
    # each client's connection: seq 1..50 exactly once, in order, each answered 200
    by_port: dict[int, list[dict]] = {}
    for r in reqs:
        by_port.setdefault(r["port"], []).append(r)
    assert sorted(by_port) == sorted(ports), (sorted(by_port), sorted(ports))
    for port, rs in by_port.items():
        assert [r["seq"] for r in rs] == list(range(1, per_client + 1)), port
        assert len({r["conn"] for r in rs}) == 1, port
    resp_keys = {(r["conn"], r["seq"]) for r in records if r["kind"] == "response"}
    assert resp_keys == {(r["conn"], r["seq"]) for r in reqs}
    assert all(r["status"] == 200 for r in records if r["kind"] == "response")

