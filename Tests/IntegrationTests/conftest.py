"""Fixtures for dockgate's integration tests.

Real parts only: a private dockerd (Tests/Scripts/private-dockerd.sh, socket in
DOCKER_TEST_SOCKET), the real `docker` CLI, the Python `docker` SDK, and the dockgate binary
(DOCKGATE_BIN) started per module with a generated PKI.

Environment:
  DOCKER_TEST_SOCKET  path of the private dockerd's unix socket (required; tests skip without it)
  DOCKGATE_BIN        path of the dockgate executable (tests that need the proxy skip when unset;
                      they fail when it is set but does not exist)
  DOCKER_CLI          docker CLI to use (default: `docker` on PATH)
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DOCKER_CLI = os.environ.get("DOCKER_CLI") or shutil.which("docker") or "docker"
CLI_TIMEOUT = 120          # seconds, default limit for every docker CLI call
NAME_PREFIX = "dgt-"       # every container a test creates starts with this

# Clients of the generated PKI. "alice" is listed in the proxy's users, the others are not or
# have certificates that must be refused.
CLIENT_ALICE = "alice"
CLIENT_MALLORY = "mallory"
CLIENT_OTHER_CA = "alice-other-ca"
CLIENT_EXPIRED = "alice-expired"
# Extra clients for policy tests: folder name == certificate CN.
CLIENT_ADMIN = "admin"
CLIENT_DEVELOPER = "developer"
CLIENT_VIEWER = "viewer"
# Tenancy tests: two developers and a team pair.
CLIENT_BOB = "bob"
CLIENT_CAROL = "carol"
CLIENT_DAVE = "dave"
EXTRA_CLIENTS = (CLIENT_ADMIN, CLIENT_DEVELOPER, CLIENT_VIEWER, CLIENT_BOB, CLIENT_CAROL, CLIENT_DAVE)


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------

def open_fds(pid: int) -> int:
    """Number of open file descriptors of process `pid`."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_value(measure, quiet: float = 1.0, timeout: float = 15.0):
    """`measure()` once it has stayed the same for `quiet` seconds (or at `timeout`)."""
    deadline = time.monotonic() + timeout
    last, since = measure(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = measure()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Names made by unique_name end with this session's token, so the end-of-session sweep removes
# only this session's containers: several pytest sessions may share one test daemon, and a sweep
# of every "dgt-" name would kill another session's containers in the middle of its tests.
SESSION_TOKEN = f"s{uuid.uuid4().hex[:8]}"


def unique_name(tag: str = "c") -> str:
    tag = re.sub(r"[^a-zA-Z0-9_.-]", "-", tag)[:40]
    return f"{NAME_PREFIX}{tag}-{uuid.uuid4().hex[:10]}-{SESSION_TOKEN}"


def _clean_env(extra: dict | None = None) -> dict:
    """The caller's environment without any DOCKER_* variable leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env.pop("DOCKGATE_BIN", None)
    if extra:
        env.update(extra)
    return env


def _tail(path: Path, lines: int = 200) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def run_cmd(argv, *, input=None, timeout=CLI_TIMEOUT, env=None, cwd=None):
    """Run argv and return (returncode, stdout bytes, stderr bytes); fail the test on timeout."""
    try:
        p = subprocess.run(
            argv,
            input=input if input is not None else b"",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
            env=env,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(
            f"command timed out after {timeout}s: {' '.join(map(str, argv))}\n"
            f"stdout so far: {(e.stdout or b'')[-2000:]!r}\n"
            f"stderr so far: {(e.stderr or b'')[-2000:]!r}",
            pytrace=False,
        )
    return p.returncode, p.stdout, p.stderr


# --------------------------------------------------------------------------------------------
# PKI
# --------------------------------------------------------------------------------------------

@dataclass
class ClientCerts:
    name: str
    dir: Path

    @property
    def ca(self) -> str:
        return str(self.dir / "ca.pem")

    @property
    def cert(self) -> str:
        return str(self.dir / "cert.pem")

    @property
    def key(self) -> str:
        return str(self.dir / "key.pem")


@dataclass
class PKI:
    dir: Path
    ca_cert: Path
    ca_key: Path
    other_ca_cert: Path
    server_cert: Path
    server_key: Path
    clients: dict = field(default_factory=dict)

    def client(self, name: str) -> ClientCerts:
        return self.clients[name]


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _write_cert(path: Path, cert) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _make_ca(cn: str, now):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dockgate tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_leaf(cn, ca_key, ca_cert, *, server: bool, not_before, not_after, eku=...):
    """A leaf signed by ca_key. `eku`: by default serverAuth or clientAuth by role; a list of
    ExtendedKeyUsageOID values for exactly those; None for no Extended Key Usage extension."""
    if eku is ...:
        eku = [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
    key = ec.generate_private_key(ec.SECP256R1())
    b = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dockgate tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if server:
        b = b.add_extension(
            x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
                x509.DNSName("localhost"),
            ]),
            critical=False,
        )
    return key, b.sign(ca_key, hashes.SHA256())


def make_pki(base: Path) -> PKI:
    base.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    valid = dict(not_before=now - datetime.timedelta(hours=1),
                 not_after=now + datetime.timedelta(days=7))

    ca_key, ca_cert = _make_ca("dockgate test CA", now)
    other_key, other_cert = _make_ca("dockgate OTHER test CA", now)
    _write_cert(base / "ca.pem", ca_cert)
    _write_key(base / "ca-key.pem", ca_key)
    _write_cert(base / "other-ca.pem", other_cert)
    _write_key(base / "other-ca-key.pem", other_key)

    srv_key, srv_cert = _make_leaf("localhost", ca_key, ca_cert, server=True, **valid)
    _write_cert(base / "server-cert.pem", srv_cert)
    _write_key(base / "server-key.pem", srv_key)

    pki = PKI(
        dir=base, ca_cert=base / "ca.pem", ca_key=base / "ca-key.pem",
        other_ca_cert=base / "other-ca.pem",
        server_cert=base / "server-cert.pem", server_key=base / "server-key.pem",
    )

    specs = {
        CLIENT_ALICE: ("alice", ca_key, ca_cert, valid),
        CLIENT_MALLORY: ("mallory", ca_key, ca_cert, valid),
        CLIENT_OTHER_CA: ("alice", other_key, other_cert, valid),
        CLIENT_EXPIRED: ("alice", ca_key, ca_cert,
                         dict(not_before=now - datetime.timedelta(days=10),
                              not_after=now - datetime.timedelta(days=1))),
    }
    # Users of the policy tests (CN = folder name), all signed by the test CA.
    for cn in EXTRA_CLIENTS:
        specs[cn] = (cn, ca_key, ca_cert, valid)
    for folder, (cn, k, c, validity) in specs.items():
        d = base / "clients" / folder
        d.mkdir(parents=True, exist_ok=True)
        key, cert = _make_leaf(cn, k, c, server=False, **validity)
        # ca.pem is always the CA that signed the SERVER cert: the client must trust the proxy.
        shutil.copyfile(base / "ca.pem", d / "ca.pem")
        _write_cert(d / "cert.pem", cert)
        _write_key(d / "key.pem", key)
        pki.clients[folder] = ClientCerts(folder, d)
    return pki


@pytest.fixture(scope="session", autouse=True)
def _no_requests_ca_bundle_override():
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's own `verify`
    (psf/requests#3829), which would make docker-py ignore TLSConfig(ca_cert=...)."""
    saved = {k: os.environ.pop(k) for k in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
             if k in os.environ}
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


# --------------------------------------------------------------------------------------------
# the private dockerd
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def docker_socket() -> str:
    sock = os.environ.get("DOCKER_TEST_SOCKET")
    if not sock:
        pytest.skip("DOCKER_TEST_SOCKET is not set (start Tests/Scripts/private-dockerd.sh)")
    if not Path(sock).is_socket():
        pytest.fail(f"DOCKER_TEST_SOCKET={sock} is not a socket", pytrace=False)
    return sock


@pytest.fixture(scope="session")
def docker_config_dir(tmp_path_factory) -> str:
    """A private, empty DOCKER_CONFIG for every CLI call (no contexts, no config.json)."""
    return str(tmp_path_factory.mktemp("docker-config"))


@pytest.fixture(scope="session")
def docker_direct(docker_socket, docker_config_dir):
    """docker_direct(args, input=None, timeout=120, env=None) -> (rc, stdout, stderr)."""

    def run(args, input=None, timeout=CLI_TIMEOUT, env=None, cwd=None):
        e = _clean_env({"DOCKER_CONFIG": docker_config_dir})
        if env:
            e.update(env)
        return run_cmd([DOCKER_CLI, "-H", f"unix://{docker_socket}", *args],
                       input=input, timeout=timeout, env=e, cwd=cwd)

    return run


@pytest.fixture(scope="session", autouse=True)
def _sweep_test_containers(request):
    """At the end of the session remove every container this session's tests left behind (named
    by unique_name; other sessions sharing the daemon keep theirs)."""
    yield
    sock = os.environ.get("DOCKER_TEST_SOCKET")
    if not sock or not Path(sock).is_socket():
        return
    env = _clean_env({"DOCKER_CONFIG": tempfile.mkdtemp(prefix="dgt-sweep-")})
    base = [DOCKER_CLI, "-H", f"unix://{sock}"]
    try:
        p = subprocess.run(base + ["ps", "-aq", "--filter", f"name={NAME_PREFIX}.*-{SESSION_TOKEN}$"],
                           capture_output=True, timeout=60, env=env)
        ids = p.stdout.split()
        if ids:
            subprocess.run(base + ["rm", "-f", *[i.decode() for i in ids]],
                           capture_output=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        pass


@pytest.fixture
def container_name(docker_direct):
    """container_name(tag) -> a unique name; the container is force-removed (direct) at teardown."""
    names = []

    def make(tag="c"):
        n = unique_name(tag)
        names.append(n)
        return n

    yield make
    for n in names:
        docker_direct(["rm", "-f", n], timeout=60)


@pytest.fixture
def image_cleanup(docker_direct):
    """image_cleanup(ref) registers an image reference to remove (direct) at teardown."""
    refs = []
    yield refs.append
    for r in refs:
        docker_direct(["rmi", "-f", r], timeout=60)


@pytest.fixture
def running_container(docker_direct, container_name):
    """A busybox container running `sleep 600`, started directly; returns its name."""
    name = container_name("run")
    rc, out, err = docker_direct(["run", "-d", "--name", name, "busybox", "sleep", "600"])
    assert rc == 0, err
    return name


# --------------------------------------------------------------------------------------------
# dockgate
# --------------------------------------------------------------------------------------------

def mount_nosymfollow(path: Path) -> None:
    """Bind-mount `path` onto itself with nosymfollow, as deploy/srv-dockgate-binds.mount does
    (the tests run as root). Undo with unmount()."""
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    subprocess.run(["mount", "-o", "remount,bind,nosymfollow", str(path), str(path)], check=True)
    assert os.statvfs(path).f_flag & 0x2000, f"{path} is not nosymfollow after mounting"


def unmount(path: Path) -> None:
    """Unmount what mount_nosymfollow mounted; lazily if a container still holds it, so the
    harness can remove its state dir."""
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@dataclass
class Dockgate:
    proc: subprocess.Popen
    port: int
    config: Path
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def host(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 200) -> str:
        return _tail(self.log, lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _yaml_str(s: str) -> str:
    return json.dumps(str(s))  # a JSON string is a valid YAML double-quoted scalar


def config_text(*, port: int, upstream_socket: str, pki: PKI, body: str, tls_extra: str = "") -> str:
    """A whole configuration: listen/upstream/tls from the fixtures, then `body` verbatim (YAML for
    policies, users, timeouts, ...). `tls_extra` is YAML indented by two spaces, added under `tls:`
    (e.g. '  revoked_fingerprints: ["ab..."]')."""
    lines = [
        "listen:",
        f"  - {_yaml_str(f'tcp://127.0.0.1:{port}')}",
        f"upstream: {_yaml_str('unix://' + upstream_socket)}",
        "tls:",
        f"  certificate: {_yaml_str(pki.server_cert)}",
        f"  key: {_yaml_str(pki.server_key)}",
        f"  client_ca: {_yaml_str(pki.ca_cert)}",
    ]
    if tls_extra:
        lines.append(tls_extra.rstrip("\n"))
    return "\n".join(lines) + "\n" + body.rstrip("\n") + "\n"


def admin_body(users) -> str:
    """policies/users YAML giving every CN in `users` the all-powerful admin policy."""
    # The transport tests run as an administrator: the policy tests bring their own policies.
    lines = [
        "policies:",
        "  admin:",
        "    endpoints: all",
        "    privileged: true",
        "users:",
    ]
    for u in users:
        lines.append(f"  - cn: {_yaml_str(u)}")
        lines.append("    policy: admin")
    return "\n".join(lines) + "\n"


def write_config(path: Path, *, port: int, upstream_socket: str, pki: PKI, users) -> Path:
    path.write_text(config_text(port=port, upstream_socket=upstream_socket, pki=pki,
                                body=admin_body(users)))
    return path


def _wait_for_port(proc: subprocess.Popen, port: int, deadline_s: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dockgate exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dockgate did not accept TCP on 127.0.0.1:{port} within {deadline_s}s")


@pytest.fixture(scope="session")
def dockgate_bin() -> str:
    b = os.environ.get("DOCKGATE_BIN")
    if not b:
        pytest.skip("DOCKGATE_BIN is not set: the proxy tests need the dockgate executable")
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.fail(f"DOCKGATE_BIN={b} is not an executable file", pytrace=False)
    return b


@pytest.fixture(scope="session")
def dockgate_factory(dockgate_bin, docker_socket, pki, tmp_path_factory):
    """start(users=("alice",), body=None, tls_extra="") -> a running Dockgate; every instance is
    stopped at session end. With `body` (YAML text: policies, users, timeouts, ...) the config is
    listen/upstream/tls from the fixtures followed by `body`, and `users` is ignored."""
    started: list[Dockgate] = []

    def start(users=(CLIENT_ALICE,), body: str | None = None, tls_extra: str = "") -> Dockgate:
        d = tmp_path_factory.mktemp("dockgate")
        port = free_port()
        cfg = d / "dockgate.yaml"
        cfg.write_text(config_text(port=port, upstream_socket=docker_socket, pki=pki,
                                   body=admin_body(users) if body is None else body,
                                   tls_extra=tls_extra))
        log = d / "dockgate.log"
        with open(log, "wb") as logf:
            proc = subprocess.Popen(
                [dockgate_bin, "serve", "--config", str(cfg)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                env=_clean_env(), cwd=str(d),
            )
        dg = Dockgate(proc=proc, port=port, config=cfg, log=log)
        started.append(dg)
        try:
            _wait_for_port(proc, port)
        except RuntimeError as e:
            dg.stop()
            pytest.fail(f"{e}\n---- dockgate log ----\n{dg.log_tail()}", pytrace=False)
        return dg

    yield start
    for dg in started:
        dg.stop()


@pytest.fixture(scope="module")
def _module_dockgate(dockgate_factory):
    holder = {"dg": dockgate_factory()}
    yield holder
    dg = holder["dg"]
    rc = dg.proc.poll()
    dg.stop()
    if rc is not None:
        print(f"\n---- dockgate exited with code {rc} during the module; log ----\n{dg.log_tail()}")


@pytest.fixture
def dockgate(_module_dockgate, dockgate_factory, request) -> Dockgate:
    """The module's dockgate (config: alice allowed). Restarted if an earlier test killed it;
    a test during which it dies fails at teardown with the proxy's log."""
    dg = _module_dockgate["dg"]
    if not dg.alive():
        dg = dockgate_factory()
        _module_dockgate["dg"] = dg
    request.node._dockgate = dg
    yield dg
    if not dg.alive():
        pytest.fail(
            f"dockgate (pid {dg.pid}) died during this test with exit code {dg.proc.returncode}"
            f"\n---- dockgate log ----\n{dg.log_tail()}",
            pytrace=False,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and rep.when in ("call", "teardown"):
        dg = getattr(item, "_dockgate", None)
        if dg is not None:
            rep.sections.append(("dockgate log (last 200 lines)", dg.log_tail()))


# --------------------------------------------------------------------------------------------
# clients through the proxy
# --------------------------------------------------------------------------------------------

def tls_cli_args(certs: ClientCerts, port: int):
    return ["--tlsverify", "--tlscacert", certs.ca, "--tlscert", certs.cert,
            "--tlskey", certs.key, "-H", f"tcp://127.0.0.1:{port}"]


@pytest.fixture
def docker_proxy(dockgate, pki, docker_config_dir):
    """docker_proxy(args, client="alice", input=None, timeout=120, env=None) -> (rc, out, err)."""

    def run(args, client=CLIENT_ALICE, input=None, timeout=CLI_TIMEOUT, env=None, cwd=None):
        e = _clean_env({"DOCKER_CONFIG": docker_config_dir})
        if env:
            e.update(env)
        argv = [DOCKER_CLI, *tls_cli_args(pki.client(client), dockgate.port), *args]
        return run_cmd(argv, input=input, timeout=timeout, env=e, cwd=cwd)

    return run


@pytest.fixture
def docker_proxy_argv(dockgate, pki):
    """docker_proxy_argv(args, client="alice") -> argv list, for tests that need Popen."""

    def argv(args, client=CLIENT_ALICE):
        return [DOCKER_CLI, *tls_cli_args(pki.client(client), dockgate.port), *args]

    return argv


@pytest.fixture
def cli_env(docker_config_dir):
    """The environment docker_proxy uses, for tests that run the CLI themselves."""
    return _clean_env({"DOCKER_CONFIG": docker_config_dir})


@pytest.fixture
def sdk_client(dockgate, pki):
    """sdk_client(client="alice") -> docker.DockerClient through the proxy (closed at teardown)."""
    import docker

    made = []

    def make(client=CLIENT_ALICE, timeout=CLI_TIMEOUT):
        c = pki.client(client)
        tls = docker.tls.TLSConfig(client_cert=(c.cert, c.key), ca_cert=c.ca, verify=True)
        # version="auto": ask the daemon (GET /version); docker-py's default 1.45 is newer
        # than what dockerd 20.10 (API 1.41) accepts.
        dc = docker.DockerClient(base_url=f"https://127.0.0.1:{dockgate.port}", tls=tls,
                                 version="auto", timeout=timeout)
        made.append(dc)
        return dc

    yield make
    for dc in made:
        try:
            dc.close()
        except Exception:
            pass


@pytest.fixture
def sdk_direct(docker_socket):
    import docker

    dc = docker.DockerClient(base_url=f"unix://{docker_socket}", version="auto", timeout=CLI_TIMEOUT)
    yield dc
    dc.close()


# --------------------------------------------------------------------------------------------
# raw TLS
# --------------------------------------------------------------------------------------------

class ConnectionClosed(Exception):
    pass


@dataclass
class HTTPResponse:
    status: int
    reason: str
    headers: list          # [(name, value)] in order
    body: bytes
    raw_head: bytes

    def header(self, name: str):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


class RawTLS:
    """A TLS connection with a client cert, for hand-written HTTP bytes."""

    def __init__(self, port: int, certs: ClientCerts | None, *, timeout: float = 30.0,
                 context: ssl.SSLContext | None = None):
        if context is None:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=certs.ca)
            context.load_cert_chain(certs.cert, certs.key)
        self.ctx = context
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        try:
            self.sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
        except Exception:
            raw.close()
            raise
        self.buf = b""
        self.eof = False
        self.send_error: Exception | None = None

    # -- sending
    def send(self, data: bytes) -> None:
        """sendall, ignoring a peer that already closed (the reply is still read after)."""
        try:
            self.sock.settimeout(self.timeout)
            self.sock.sendall(data)
        except OSError as e:  # EPIPE, ECONNRESET, SSL errors, timeout: read the reply anyway
            self.send_error = e

    # -- receiving
    def _fill(self, deadline: float) -> bool:
        """Read more bytes into buf. False on EOF (clean, close_notify or reset)."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for data from dockgate")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("timed out waiting for data from dockgate") from None
        except (ConnectionResetError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
            chunk = b""
        except ssl.SSLError as e:
            if "UNEXPECTED_EOF" in str(e).upper() or "EOF" in str(e):
                chunk = b""
            else:
                raise
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _read_until(self, marker: bytes, deadline: float) -> bytes:
        while marker not in self.buf:
            if not self._fill(deadline):
                raise ConnectionClosed(f"connection closed before {marker!r}; have {self.buf[:200]!r}")
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ConnectionClosed(f"connection closed with {len(self.buf)} of {n} body bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, timeout: float | None = None, head_request: bool = False) -> HTTPResponse:
        """Read one complete HTTP/1.x response (Content-Length, chunked or close-delimited)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        head = self._read_until(b"\r\n\r\n", deadline)
        lines = head[:-4].split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise AssertionError(f"bad status line {lines[0]!r}")
        status = int(m.group(1))
        headers = []
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            headers.append((k.decode("latin-1").strip(), v.decode("latin-1").strip()))
        resp = HTTPResponse(status, (m.group(2) or b"").decode("latin-1"), headers, b"", head)
        if head_request or status in (204, 304) or 100 <= status < 200:
            return resp
        te = (resp.header("Transfer-Encoding") or "").lower()
        cl = resp.header("Content-Length")
        if "chunked" in te:
            body = b""
            while True:
                size_line = self._read_until(b"\r\n", deadline)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers until an empty line
                    while self._read_until(b"\r\n", deadline) != b"\r\n":
                        pass
                    break
                body += self._read_exact(size, deadline)
                self._read_exact(2, deadline)
            resp.body = body
        elif cl is not None:
            resp.body = self._read_exact(int(cl), deadline)
        else:
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def is_closed(self, timeout: float = 10.0) -> bool:
        """True if the peer closes the connection (EOF/reset) within `timeout` with no more data."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
        except TimeoutError:
            return False
        return True

    def read_until_close(self, timeout: float = 30.0) -> bytes:
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
        except TimeoutError:
            pass
        out, self.buf = self.buf, b""
        return out

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


@pytest.fixture
def raw_tls(dockgate, pki):
    """raw_tls(client="alice", timeout=30) -> RawTLS connected to the proxy (closed at teardown)."""
    conns = []

    def connect(client=CLIENT_ALICE, timeout=30.0, context=None):
        c = RawTLS(dockgate.port, pki.client(client) if client else None,
                   timeout=timeout, context=context)
        conns.append(c)
        return c

    yield connect
    for c in conns:
        c.close()
