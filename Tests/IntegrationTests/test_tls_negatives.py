"""Clients dockgate must refuse, and the error text each one sees."""

import re
import shutil
import ssl

import pytest

from conftest import (CLIENT_EXPIRED, CLIENT_MALLORY, CLIENT_OTHER_CA, DOCKER_CLI, RawTLS,
                      _clean_env, run_cmd)


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
