"""Issue 10, classes 1, 2, 4 and 5: what an outsider sends that dockerd reads one way and a
careless proxy another, through the real dockgate, the real docker CLI, docker-py and the daemon.

  1. names compared as bytes: a certificate whose CN is canonically equivalent to a user's
     (KELVIN SIGN for K) or not printable ASCII is refused at the handshake, with an audit record;
  2. header values dockerd parses: non-ASCII Content-Type spellings that Go's mime.ParseMediaType
     reads as a form are refused, and so is every form body, on every route;
  4. container paths are judged after Go's path.Clean (WorkingDir, mount targets, tmpfs);
  5. false positives: docker-py's exec_run body, labels that differ only in case.

Every refusal is checked against the daemon: nothing was created or imported.
"""

from __future__ import annotations

import datetime
import json
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from test_audit import complete_records
from conftest import (
    CLI_TIMEOUT,
    CLIENT_ADMIN,
    CLIENT_DEVELOPER,
    DOCKER_CLI,
    ClientCerts,
    RawTLS,
    _clean_env,
    _make_leaf,
    _write_cert,
    _write_key,
    run_cmd,
    tls_cli_args,
)

DENIED = "Error response from daemon: dockgate:"
H = b"Host: 127.0.0.1\r\n"

KELVIN_CN = "\u212aate"   # canonically equivalent to "Kate" for Swift's String ==


def body(audit_file: Path) -> str:
    return f"""\
policies:
  admin:
    endpoints: all
    privileged: true
  developer:
    endpoints:
      containers: write
      exec: write
      images: write
      volumes: write
      networks: read
      system: read
      events: read
    images: ["busybox*"]
users:
  - cn: admin
    policy: admin
  - cn: developer
    policy: developer
  - cn: Kate
    policy: admin
audit:
  file: "{audit_file}"
  stdout: false
"""


@pytest.fixture(scope="module")
def lookalike_pki(pki, tmp_path_factory) -> dict:
    """Client bundles signed by the test CA for CNs that only look like a user's."""
    base = tmp_path_factory.mktemp("lookalike-clients")
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    now = datetime.datetime.now(datetime.timezone.utc)
    validity = dict(not_before=now - datetime.timedelta(hours=1), not_after=now + datetime.timedelta(days=2))
    bundles = {}
    for folder, cn in {"kate": "Kate", "kate-kelvin": KELVIN_CN, "cafe": "caf\u00e9",
                       "kate-nbsp": "Kate\u00a0"}.items():
        d = base / folder
        d.mkdir()
        key, cert = _make_leaf(cn, ca_key, ca_cert, server=False, **validity)
        (d / "ca.pem").write_bytes(pki.ca_cert.read_bytes())
        _write_cert(d / "cert.pem", cert)
        _write_key(d / "key.pem", key)
        bundles[folder] = ClientCerts(folder, d)
    return bundles


@pytest.fixture(scope="module")
def audit_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reading-audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def reading_dg(dockgate_factory, audit_file):
    dg = dockgate_factory(body=body(audit_file))
    yield dg
    dg.stop()


@pytest.fixture(autouse=True)
def _alive(request, reading_dg):
    request.node._dockgate = reading_dg
    assert reading_dg.alive(), reading_dg.log_tail()
    yield
    assert reading_dg.alive(), f"dockgate died during this test\n{reading_dg.log_tail()}"


def cli(dg, certs: ClientCerts, args, docker_config_dir, timeout=CLI_TIMEOUT):
    rc, out, err = run_cmd([DOCKER_CLI, *tls_cli_args(certs, dg.port), *args], timeout=timeout,
                           env=_clean_env({"DOCKER_CONFIG": docker_config_dir}))
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


# Complete lines only: the last one may still be being written.
audit_records = complete_records


def wait_for_record(path: Path, predicate, seconds=15.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for r in audit_records(path):
            if predicate(r):
                return r
        time.sleep(0.1)
    raise AssertionError(f"no matching audit record in {audit_records(path)[-10:]}")


def exists(docker_direct, kind: str, name: str) -> bool:
    rc, _, _ = docker_direct([kind, "inspect", name], timeout=60)
    return rc == 0


# --------------------------------------------------------------------------------------------
# 1. certificate CNs are compared as bytes, and must be printable ASCII
# --------------------------------------------------------------------------------------------

def test_real_cn_is_the_admin(reading_dg, lookalike_pki, docker_config_dir):
    rc, out, err = cli(reading_dg, lookalike_pki["kate"], ["ps", "-q"], docker_config_dir)
    assert rc == 0, err


@pytest.mark.parametrize("folder", ["kate-kelvin", "cafe", "kate-nbsp"])
def test_lookalike_or_non_ascii_cn_is_refused_at_the_handshake(reading_dg, lookalike_pki, docker_config_dir,
                                                               audit_file, folder):
    rc, out, err = cli(reading_dg, lookalike_pki[folder], ["ps", "-q"], docker_config_dir, timeout=60)
    assert rc != 0, f"{folder}: the CLI got through: {out!r}"
    assert "CONTAINER" not in out
    record = wait_for_record(audit_file, lambda r: r.get("kind") == "handshake_failure"
                             and "printable ASCII" in r.get("reason", ""))
    assert "cn" not in record, record


def test_lookalike_cn_gets_nothing_on_the_wire(reading_dg, lookalike_pki):
    """Even a client that ignores the closed connection gets no answer from the daemon."""
    certs = lookalike_pki["kate-kelvin"]
    try:
        conn = RawTLS(reading_dg.port, certs, timeout=10)
    except OSError:
        return  # refused during the handshake itself
    conn.send(b"GET /v1.41/containers/json HTTP/1.1\r\n" + H + b"\r\n")
    try:
        answer = conn.read_until_close(timeout=10)
    except ssl.SSLError as e:  # TLS 1.3: the server's bad_certificate alert arrives after the client's handshake
        assert "CERTIFICATE" in str(e).upper(), e
        answer = b""
    finally:
        conn.close()
    assert b"HTTP/1.1 200" not in answer


# --------------------------------------------------------------------------------------------
# 2. header values dockerd parses are plain ASCII, and form bodies never reach the daemon
# --------------------------------------------------------------------------------------------

FORM_SPELLINGS = {
    "nel-after": "application/x-www-form-urlencoded\u0085".encode(),
    "nbsp-before": "\u00a0application/x-www-form-urlencoded".encode(),
    "line-separator": "application/x-www-form-urlencoded\u2028".encode(),
    "paragraph-separator": "\u2029multipart/form-data; boundary=x".encode(),
    "latin1-nbsp": b"\xa0application/x-www-form-urlencoded",
    "ascii-mixed-case": b"  Application/X-WWW-Form-URLEncoded ; charset=utf-8",
    "bad-params": b"application/x-www-form-urlencoded; =x",
}


def import_request(repo: str, content_type: bytes, *, second_content_type: bytes | None = None) -> bytes:
    form = f"fromSrc=-&repo={repo}&tag=latest".encode()
    extra = b"Content-Type: " + second_content_type + b"\r\n" if second_content_type else b""
    return (b"POST /v1.41/images/create?fromImage=busybox&tag=latest HTTP/1.1\r\n" + H +
            b"Content-Type: " + content_type + b"\r\n" + extra +
            f"Content-Length: {len(form)}\r\n\r\n".encode() + form)


@pytest.mark.parametrize("spelling", list(FORM_SPELLINGS))
def test_form_bodies_never_reach_the_daemon(reading_dg, pki, docker_direct, spelling):
    repo = f"dgt-imported-{spelling}"
    conn = RawTLS(reading_dg.port, pki.client(CLIENT_ADMIN), timeout=30)
    conn.send(import_request(repo, FORM_SPELLINGS[spelling]))
    resp = conn.read_response(timeout=30)
    conn.close()
    assert resp.status == 400, f"{spelling}: {resp.raw_head!r} {resp.body[:300]!r}"
    assert not exists(docker_direct, "image", f"{repo}:latest"), f"{spelling}: the daemon imported {repo}"


@pytest.mark.parametrize("order", ["json-first", "form-first"])
def test_two_content_types_are_refused(reading_dg, pki, docker_direct, order):
    repo = f"dgt-imported-two-{order}"
    first, second = b"application/json", b"application/x-www-form-urlencoded"
    if order == "form-first":
        first, second = second, first
    conn = RawTLS(reading_dg.port, pki.client(CLIENT_ADMIN), timeout=30)
    conn.send(import_request(repo, first, second_content_type=second))
    resp = conn.read_response(timeout=30)
    conn.close()
    assert resp.status == 400, f"{resp.raw_head!r} {resp.body[:300]!r}"
    assert not exists(docker_direct, "image", f"{repo}:latest")


@pytest.mark.parametrize("header", [b"Upgrade: tc\xe2\x84\xaa", b"Connection: Upgrade\xc2\x85", b"X-Registry-Auth: \xc3\xa9"])
def test_non_ascii_header_values_are_refused(reading_dg, pki, header):
    conn = RawTLS(reading_dg.port, pki.client(CLIENT_ADMIN), timeout=30)
    conn.send(b"GET /v1.41/containers/json HTTP/1.1\r\n" + H + header + b"\r\n\r\n")
    resp = conn.read_response(timeout=30)
    conn.close()
    assert resp.status == 400, resp.raw_head
    assert b"ASCII" in resp.body, resp.body


def test_curl_style_form_post_gets_a_hint(reading_dg, pki):
    conn = RawTLS(reading_dg.port, pki.client(CLIENT_ADMIN), timeout=30)
    conn.send(b"POST /v1.41/containers/create HTTP/1.1\r\n" + H +
              b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\n" + b"Image=box")
    resp = conn.read_response(timeout=30)
    conn.close()
    assert resp.status == 400
    assert b"send Content-Type: application/json" in resp.body, resp.body


# --------------------------------------------------------------------------------------------
# 4. container paths are judged after Go's path.Clean
# --------------------------------------------------------------------------------------------

DENIED_PATH_OPTIONS = {
    "workdir-double-slash": ["-w", "//proc/self/fd/7"],
    "workdir-dotdot": ["-w", "/tmp/../proc/self/fd/7"],
    "workdir-dev-fd": ["-w", "/dev/fd/7"],
    "workdir-dev-stdin": ["-w", "/dev/stdin"],
    "tmpfs-over-proc": ["--tmpfs", "//proc/sys/kernel"],
    "tmpfs-over-dev": ["--tmpfs", "/tmp/../dev"],
    "mount-over-sys": ["--mount", "type=tmpfs,dst=/./sys/fs"],
    "volume-over-proc": ["-v", "/tmp/../proc/x"],
}


@pytest.mark.parametrize("option", list(DENIED_PATH_OPTIONS))
def test_cleaned_container_paths_are_judged(reading_dg, pki, docker_config_dir, docker_direct, container_name, option):
    name = container_name("paths")
    rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER),
                       ["create", "--name", name, *DENIED_PATH_OPTIONS[option], "busybox", "true"], docker_config_dir)
    assert rc != 0 and DENIED in err, f"{option}: {rc} {err!r}"
    assert not exists(docker_direct, "container", name), f"{option}: the daemon created it"


def test_exec_working_directory_is_judged(reading_dg, pki, docker_config_dir, docker_direct, container_name):
    name = container_name("exec-wd")
    rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER),
                       ["run", "-d", "--name", name, "busybox", "sleep", "600"], docker_config_dir)
    assert rc == 0, err
    for wd in ["//proc/self/fd/7", "/dev/fd/../../proc", "/dev/stdout/.."]:
        rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER), ["exec", "-w", wd, name, "pwd"], docker_config_dir)
        assert rc != 0 and DENIED in err, f"{wd}: {rc} {out!r} {err!r}"
    rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER), ["exec", "-w", "/tmp", name, "pwd"], docker_config_dir)
    assert rc == 0 and out.strip() == "/tmp", err


def test_ordinary_paths_still_work(reading_dg, pki, docker_config_dir):
    rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER),
                       ["run", "--rm", "-w", "/tmp", "--tmpfs", "/run", "--tmpfs", "/dev/shm:size=8m",
                        "busybox", "pwd"], docker_config_dir)
    assert rc == 0, err
    assert out.strip() == "/tmp"


# --------------------------------------------------------------------------------------------
# 5. false positives found with real clients
# --------------------------------------------------------------------------------------------

def test_docker_py_exec_run_works_for_a_restricted_user(reading_dg, pki, container_name):
    import docker

    certs = pki.client(CLIENT_DEVELOPER)
    tls = docker.tls.TLSConfig(client_cert=(certs.cert, certs.key), ca_cert=certs.ca, verify=True)
    client = docker.DockerClient(base_url=f"https://127.0.0.1:{reading_dg.port}", tls=tls,
                                 version="auto", timeout=CLI_TIMEOUT)
    try:
        container = client.containers.run("busybox", "sleep 600", detach=True, name=container_name("py-exec"))
        result = container.exec_run("echo from-docker-py")
        assert result.exit_code == 0, result
        assert result.output == b"from-docker-py\n"
        container.remove(force=True)
    finally:
        client.close()


def test_labels_that_differ_in_case_are_two_labels(reading_dg, pki, docker_config_dir, docker_direct, container_name):
    name = container_name("labels")
    rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER),
                       ["create", "--name", name, "--label", "team=a", "--label", "Team=b", "busybox", "true"],
                       docker_config_dir)
    assert rc == 0, err
    rc, out, err = docker_direct(["inspect", "--format", "{{json .Config.Labels}}", name], timeout=60)
    assert rc == 0, err
    labels = json.loads(out)
    assert labels.get("team") == "a" and labels.get("Team") == "b", labels


def test_volume_labels_that_differ_in_case(reading_dg, pki, docker_config_dir, docker_direct):
    name = f"dgt-vol-labels-{int(time.time() * 1000)}"
    try:
        rc, out, err = cli(reading_dg, pki.client(CLIENT_DEVELOPER),
                           ["volume", "create", "--label", "team=a", "--label", "Team=b", name], docker_config_dir)
        assert rc == 0, err
        rc, out, err = docker_direct(["volume", "inspect", "--format", "{{json .Labels}}", name], timeout=60)
        assert rc == 0, err
        labels = json.loads(out)
        assert labels.get("team") == "a" and labels.get("Team") == "b", labels
    finally:
        docker_direct(["volume", "rm", "-f", name], timeout=60)
