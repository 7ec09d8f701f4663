"""Clients dockgate must refuse, and the error text each one sees."""

import datetime
import json
import os
import re
import shutil
import signal
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from conftest import (CLIENT_EXPIRED, CLIENT_MALLORY, CLIENT_OTHER_CA, DOCKER_CLI, ClientCerts,
                      RawTLS, _clean_env, _make_leaf, _write_cert, _write_key, admin_body,
                      run_cmd, tls_cli_args)


def test_no_client_certificate_is_refused(dockgate, pki, docker_config_dir, tmp_path):
    only_ca = tmp_path / "only-ca"
    only_ca.mkdir()
    shutil.copyfile(pki.ca_cert, only_ca / "ca.pem")
    env = _clean_env({"DOCKER_CONFIG": docker_config_dir, "DOCKER_CERT_PATH": str(only_ca)})
    rc, out, err = run_cmd([DOCKER_CLI, "--tlsverify", "--tlscacert", str(only_ca / "ca.pem"),
                            "-H", f"tcp://127.0.0.1:{dockgate.port}", "ps"], env=env, timeout=60)
    assert rc != 0, out
    assert re.search(rb"tls|certificate", err, re.I), err


def test_certificate_from_another_ca_gets_bad_certificate(docker_proxy):
    rc, out, err = docker_proxy(["ps"], client=CLIENT_OTHER_CA, timeout=60)
    assert rc != 0, out
    assert b"bad certificate" in err, err
    assert b"client authentication (--tlsverify)" in err, err


def test_expired_certificate_gets_bad_certificate(docker_proxy):
    rc, out, err = docker_proxy(["ps"], client=CLIENT_EXPIRED, timeout=60)
    assert rc != 0, out
    assert b"bad certificate" in err, err


def test_cn_not_in_user_list_gets_error_response_from_dockgate(docker_proxy):
    rc, out, err = docker_proxy(["ps"], client=CLIENT_MALLORY, timeout=60)
    assert rc != 0, out
    assert b"Error response from daemon" in err, err
    assert b"dockgate" in err, err


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_1_1_handshake_is_refused(dockgate, pki):
    alice = pki.client("alice")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(alice.ca)
    ctx.load_cert_chain(alice.cert, alice.key)
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    # Debian's OpenSSL 3 will not even offer TLS 1.1 at the default security level.
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.raises((ssl.SSLError, ConnectionResetError, ConnectionAbortedError)) as ei:
        conn = RawTLS(dockgate.port, None, context=ctx, timeout=15)
        conn.close()
    text = str(ei.value)
    # Make sure the client really offered TLS 1.1 (and the server refused it).
    assert not re.search(r"NO_PROTOCOLS_AVAILABLE|NO_CIPHERS_AVAILABLE", text, re.I), \
        f"the local OpenSSL could not offer TLS 1.1: {text}"
    # An OpenSSL server with minimum TLS 1.2 answers with a protocol_version alert:
    # "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version".
    assert re.search(r"protocol.version|unsupported protocol|wrong version number", text, re.I), text


def test_plaintext_http_to_tls_port_gets_https_hint(dockgate, docker_config_dir):
    env = _clean_env({"DOCKER_CONFIG": docker_config_dir})
    rc, out, err = run_cmd([DOCKER_CLI, "-H", f"tcp://127.0.0.1:{dockgate.port}", "version"],
                           env=env, timeout=60)
    assert rc != 0
    assert b"Client sent an HTTP request to an HTTPS server" in err, err


def test_ca_certificate_presented_as_client_certificate_is_refused(dockgate, pki, docker_config_dir):
    """A CA certificate is no user, even when it chains to the client CA (THREATS T-05): the
    handshake is refused with bad_certificate instead of reaching the identity gate."""
    env = _clean_env({"DOCKER_CONFIG": docker_config_dir})
    rc, out, err = run_cmd([DOCKER_CLI, "--tlsverify", "--tlscacert", str(pki.ca_cert),
                            "--tlscert", str(pki.ca_cert), "--tlskey", str(pki.ca_key),
                            "-H", f"tcp://127.0.0.1:{dockgate.port}", "ps"], env=env, timeout=60)
    assert rc != 0, out
    assert b"bad certificate" in err, err


# --------------------------------------------------------------------------------------------
# Extended Key Usage: client certificates must be for clients
# --------------------------------------------------------------------------------------------

NO_EKU_REASON = "no extended key usage; clientAuth is required"
NOT_CLIENT_REASON = "extended key usage does not include clientAuth"
EKU_SWITCH = "  allow_client_certificates_without_eku: true"


def _eku_client(pki, base: Path, cn: str, eku) -> ClientCerts:
    """A client bundle for `cn` signed by the test CA, with the given EKU list (None: no extension)."""
    ca_key = serialization.load_pem_private_key(Path(pki.ca_key).read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(Path(pki.ca_cert).read_bytes())
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    key, cert = _make_leaf(cn, ca_key, ca_cert, server=False, eku=eku,
                           not_before=now - datetime.timedelta(hours=1),
                           not_after=now + datetime.timedelta(days=1))
    d = base / cn
    d.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pki.ca_cert, d / "ca.pem")
    _write_cert(d / "cert.pem", cert)
    _write_key(d / "key.pem", key)
    return ClientCerts(cn, d)


@pytest.fixture
def eku_clients(pki, tmp_path):
    return {
        "noeku": _eku_client(pki, tmp_path / "eku", "noeku", None),
        "serveronly": _eku_client(pki, tmp_path / "eku", "serveronly",
                                  [ExtendedKeyUsageOID.SERVER_AUTH]),
    }


def _start_eku_dockgate(dockgate_factory, tmp_path, allow_without_eku: bool):
    audit = tmp_path / "audit.jsonl"
    body = admin_body(["noeku", "serveronly"]) + \
        f"audit:\n  file: {json.dumps(str(audit))}\n  stdout: false\n"
    dg = dockgate_factory(body=body, tls_extra=EKU_SWITCH if allow_without_eku else "")
    return dg, audit


def _handshake_failures(audit: Path) -> list[dict]:
    if not audit.exists():
        return []
    return [json.loads(line) for line in audit.read_text().splitlines()
            if line.strip() and json.loads(line).get("kind") == "handshake_failure"]


def _await_handshake_failure(audit: Path, reason: str, cn: str, seconds: float = 15) -> dict:
    """The audit record of a refused handshake; the record is written as the handshake fails, so
    this waits on the file for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        for r in _handshake_failures(audit):
            if reason in r.get("reason", "") and \
                    f"CN={cn}" in r.get("details", {}).get("presented_subject", ""):
                return r
        assert time.monotonic() < deadline, \
            f"no handshake_failure with {reason!r} for CN={cn}: {_handshake_failures(audit)}"
        time.sleep(0.05)


def _docker_ps(dg, certs: ClientCerts, docker_config_dir):
    env = _clean_env({"DOCKER_CONFIG": docker_config_dir})
    return run_cmd([DOCKER_CLI, *tls_cli_args(certs, dg.port), "ps"], env=env, timeout=60)


def _python_handshake_refused(port: int, certs: ClientCerts) -> bool:
    """True if the server refuses `certs` during the handshake (or answers no request)."""
    try:
        c = RawTLS(port, certs, timeout=15)
    except (ssl.SSLError, OSError):
        return True
    try:
        c.send(b"GET /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            c.read_response(timeout=15)
        except Exception:  # the bad_certificate alert arrives on the first read with TLS 1.3
            return True
        return False
    finally:
        c.close()


def test_client_certificate_without_eku_is_refused_at_handshake(
        dockgate_factory, eku_clients, tmp_path, docker_config_dir):
    """A client leaf without Extended Key Usage is refused by default, at the handshake (the
    docker CLI gets bad_certificate), and the audit names the EKU problem and the subject."""
    dg, audit = _start_eku_dockgate(dockgate_factory, tmp_path, allow_without_eku=False)
    rc, out, err = _docker_ps(dg, eku_clients["noeku"], docker_config_dir)
    assert rc != 0, out
    assert b"bad certificate" in err, err
    r = _await_handshake_failure(audit, NO_EKU_REASON, "noeku")
    assert "cn" not in r, r  # no identity was established
    assert _python_handshake_refused(dg.port, eku_clients["noeku"])


def test_server_auth_only_client_certificate_is_refused_at_handshake(
        dockgate_factory, eku_clients, tmp_path, docker_config_dir):
    """A leaf whose EKU is serverAuth only is a server's certificate, not a user's."""
    dg, audit = _start_eku_dockgate(dockgate_factory, tmp_path, allow_without_eku=False)
    rc, out, err = _docker_ps(dg, eku_clients["serveronly"], docker_config_dir)
    assert rc != 0, out
    assert b"bad certificate" in err, err
    _await_handshake_failure(audit, NOT_CLIENT_REASON, "serveronly")


def test_eku_switch_admits_only_the_absent_extension(
        dockgate_factory, eku_clients, tmp_path, docker_config_dir):
    """With tls.allow_client_certificates_without_eku the no-EKU leaf works through the real CLI;
    a serverAuth-only leaf is still refused at the handshake."""
    dg, audit = _start_eku_dockgate(dockgate_factory, tmp_path, allow_without_eku=True)
    rc, out, err = _docker_ps(dg, eku_clients["noeku"], docker_config_dir)
    assert rc == 0, err
    assert b"CONTAINER ID" in out, out
    rc, out, err = _docker_ps(dg, eku_clients["serveronly"], docker_config_dir)
    assert rc != 0, out
    assert b"bad certificate" in err, err
    _await_handshake_failure(audit, NOT_CLIENT_REASON, "serveronly")
    assert not any(NO_EKU_REASON in r.get("reason", "") for r in _handshake_failures(audit))


def test_eku_rule_follows_reload(dockgate_factory, eku_clients, tmp_path):
    """The EKU rule is part of the TLS context that SIGHUP rebuilds: switching it on admits the
    no-EKU leaf on new connections, switching it off refuses it again; serverAuth-only stays out."""
    dg, audit = _start_eku_dockgate(dockgate_factory, tmp_path, allow_without_eku=False)
    noeku, serveronly = eku_clients["noeku"], eku_clients["serveronly"]
    assert _python_handshake_refused(dg.port, noeku)
    original = dg.config.read_text()

    def reload_until(admitted: bool):
        os.kill(dg.pid, signal.SIGHUP)
        deadline = time.monotonic() + 15
        while _python_handshake_refused(dg.port, noeku) == admitted:
            assert dg.alive(), dg.log_tail()
            assert time.monotonic() < deadline, \
                f"no-EKU leaf {'still refused' if admitted else 'still admitted'} after the reload\n" \
                f"{dg.log_tail()}"
            time.sleep(0.1)

    dg.config.write_text(original.replace("tls:\n", "tls:\n" + EKU_SWITCH + "\n", 1))
    reload_until(admitted=True)
    assert _python_handshake_refused(dg.port, serveronly)
    dg.config.write_text(original)
    reload_until(admitted=False)
    _await_handshake_failure(audit, NO_EKU_REASON, "noeku")
