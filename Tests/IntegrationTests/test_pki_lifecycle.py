"""The whole certificate life cycle with the PKI the dockgate binary makes itself (issue 5):
`dockgate pki init` / `pki issue` bundles used unchanged by the real docker CLI (through
DOCKER_CERT_PATH and through the printed `docker context create` line), a policy change and a
broken configuration on an already open connection, `dockgate pki revoke` + SIGHUP closing the
revoked user's `docker attach` while another user's stream goes on, and SIGTERM while a
`docker logs -f` and an attached `docker run` stream at the same time.

Unlike test_systemd.py (a PKI made in Python, revocation by fingerprint, one stream per SIGTERM
test), everything here starts from the binary's own `pki` commands and its CRL.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import shutil
import signal
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import (
    DOCKER_CLI,
    ClientCerts,
    ConnectionClosed,
    Dockgate,
    RawTLS,
    _clean_env,
    _wait_for_port,
    free_port,
    run_cmd,
    unique_name,
)

H = b"Host: 127.0.0.1\r\n"
DRAIN_S = 3.0
PKI_TIMEOUT = 60


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

@dataclass
class Bundle:
    name: str
    dir: Path
    stdout: str                 # what `pki issue` printed
    env: dict                   # DOCKER_* variables parsed from the printed export lines
    context_line: str           # the printed `docker context create ...` line

    @property
    def certs(self) -> ClientCerts:
        return ClientCerts(self.name, self.dir)


@dataclass
class BinPKI:
    dir: Path
    port: int
    bundles: dict

    @property
    def host(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"


def dg_run(dockgate_bin, args, timeout=PKI_TIMEOUT):
    rc, out, err = run_cmd([dockgate_bin, *args], timeout=timeout, env=_clean_env())
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def parse_issue_output(text: str):
    """DOCKER_* variables from the printed `export NAME=VALUE ...` lines, and the printed
    `docker context create` line, exactly as a user would copy them."""
    env = {}
    context_line = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("export "):
            for word in shlex.split(s)[1:]:
                k, sep, v = word.partition("=")
                if sep and k.startswith("DOCKER_"):
                    env[k] = v
        elif s.startswith("docker context create "):
            context_line = s
    return env, context_line


def make_bin_pki(dockgate_bin, base: Path, names=("alice", "bob")) -> BinPKI:
    port = free_port()
    d = base / "pki"
    rc, out, err = dg_run(dockgate_bin, ["pki", "init", "--dir", str(d), "--dns", "localhost",
                                         "--ip", "127.0.0.1"])
    assert rc == 0, f"pki init failed ({rc}): {out}\n{err}"
    for f in ("ca.pem", "server-cert.pem", "server-key.pem", "crl.pem"):
        assert (d / f).is_file(), f"pki init did not write {f}: {sorted(os.listdir(d))}"
    bundles = {}
    for n in names:
        rc, out, err = dg_run(dockgate_bin, ["pki", "issue", n, "--dir", str(d),
                                             "--host", f"tcp://127.0.0.1:{port}"])
        assert rc == 0, f"pki issue {n} failed ({rc}): {out}\n{err}"
        env, ctx = parse_issue_output(out)
        assert set(env) >= {"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"}, \
            f"pki issue {n} did not print the DOCKER_* lines:\n{out}"
        assert ctx is not None, f"pki issue {n} did not print a docker context create line:\n{out}"
        bdir = Path(env["DOCKER_CERT_PATH"])
        for f in ("ca.pem", "cert.pem", "key.pem", "host"):
            assert (bdir / f).is_file(), f"bundle {bdir} lacks {f}"
        assert (bdir / "key.pem").stat().st_mode & 0o077 == 0, "key.pem is not 0600"
        bundles[n] = Bundle(n, bdir, out, env, ctx)
    return BinPKI(d, port, bundles)


def config_for(pki: BinPKI, upstream: str, users: dict, *, extra: str = "") -> str:
    """policies admin + viewer (read only, system read only), users {cn: policy}."""
    q = json.dumps
    lines = [
        "listen:",
        f"  - {q(pki.host)}",
        f"upstream: {q('unix://' + upstream)}",
        "tls:",
        f"  certificate: {q(str(pki.dir / 'server-cert.pem'))}",
        f"  key: {q(str(pki.dir / 'server-key.pem'))}",
        f"  client_ca: {q(str(pki.dir / 'ca.pem'))}",
        f"  crl: {q(str(pki.dir / 'crl.pem'))}",
        "timeouts:",
        f"  drain: {int(DRAIN_S)}s",
        "policies:",
        "  admin:",
        "    endpoints: all",
        "    privileged: true",
        "  viewer:",
        "    read_only: true",
        "    endpoints:",
        "      system: read",
        "users:",
    ]
    for cn, pol in users.items():
        lines += [f"  - cn: {q(cn)}", f"    policy: {pol}"]
    return "\n".join(lines) + "\n" + extra


def wait_until(cond, seconds: float, step: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds}s waiting for {what} (last: {last!r})")


def sighup_and_wait_log(dg: Dockgate, text: str, seconds: float = 15.0) -> None:
    before = dg.log.read_bytes().count(text.encode())
    os.kill(dg.pid, signal.SIGHUP)
    wait_until(lambda: dg.log.read_bytes().count(text.encode()) > before, seconds,
               what=f"{text!r} in the dockgate log")


def get(conn: RawTLS, path: str):
    conn.send(f"GET {path} HTTP/1.1\r\n".encode() + H + b"\r\n")
    return conn.read_response(timeout=15)


class Stream:
    """A Popen'd CLI process whose stdout is read without blocking, with bounded waits."""

    def __init__(self, argv, env):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.out = b""
        self.eof = False

    def pump(self, seconds: float) -> bytes:
        """Read what arrives within `seconds` (returns early at EOF)."""
        deadline = time.monotonic() + seconds
        got = b""
        fd = self.proc.stdout.fileno()
        while not self.eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            r, _, _ = select.select([fd], [], [], remaining)
            if not r:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                self.eof = True
                break
            got += chunk
        self.out += got
        return got

    def wait_for(self, needle: bytes, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while needle not in self.out and not self.eof and time.monotonic() < deadline:
            self.pump(min(0.5, max(0.0, deadline - time.monotonic())))
        return needle in self.out

    def wait_exit(self, seconds: float):
        """Exit code if the process ends within `seconds` (stdout drained meanwhile), else None."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return self.proc.returncode
            self.pump(min(0.2, max(0.0, deadline - time.monotonic())))
            if self.eof:
                try:
                    return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    return None
        return self.proc.poll()

    def stderr_text(self) -> str:
        if self.proc.poll() is None:
            return "<still running>"
        try:
            return self.proc.stderr.read().decode("utf-8", "replace")[-600:]
        except (OSError, ValueError):
            return ""

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for s in (self.proc.stdout, self.proc.stderr):
            try:
                s.close()
            except OSError:
                pass


@pytest.fixture
def gate(dockgate_bin, docker_socket, tmp_path):
    """gate.start(pki, users) -> a running Dockgate with the binary-made PKI; gate.pki(...) makes
    one; gate.stream(argv, env) starts a CLI stream. Everything is stopped at teardown."""

    class Gate:
        def __init__(self):
            self.started: list[Dockgate] = []
            self.streams: list[Stream] = []
            self.n = 0

        def pki(self, names=("alice", "bob")) -> BinPKI:
            self.n += 1
            return make_bin_pki(dockgate_bin, tmp_path / f"run{self.n}", names)

        def start(self, pki: BinPKI, users: dict) -> Dockgate:
            cfg = pki.dir.parent / "dockgate.yaml"
            cfg.write_text(config_for(pki, docker_socket, users))
            log = pki.dir.parent / "dockgate.log"
            with open(log, "wb") as logf:
                proc = subprocess.Popen([dockgate_bin, "serve", "--config", str(cfg)],
                                        stdin=subprocess.DEVNULL, stdout=logf,
                                        stderr=subprocess.STDOUT, env=_clean_env(),
                                        cwd=str(pki.dir.parent))
            dg = Dockgate(proc=proc, port=pki.port, config=cfg, log=log)
            self.started.append(dg)
            try:
                _wait_for_port(proc, pki.port)
            except RuntimeError as e:
                pytest.fail(f"{e}\n---- dockgate log ----\n{dg.log_tail()}", pytrace=False)
            return dg

        def stream(self, argv, env) -> Stream:
            s = Stream(argv, env)
            self.streams.append(s)
            return s

    g = Gate()
    yield g
    for s in g.streams:
        s.kill()
    for dg in g.started:
        dg.stop()


def bundle_env(b: Bundle, docker_config: str) -> dict:
    """The environment a user gets by pasting the printed export lines."""
    return _clean_env({**b.env, "DOCKER_CONFIG": docker_config})


def docker(args, env, timeout=120):
    rc, out, err = run_cmd([DOCKER_CLI, *args], env=env, timeout=timeout)
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


@pytest.fixture
def names(docker_direct):
    """names(tag) -> a unique container name, force-removed (directly on the socket) at teardown."""
    made = []

    def make(tag):
        n = unique_name(tag)
        made.append(n)
        return n

    yield make
    for n in made:
        docker_direct(["rm", "-f", n], timeout=60)


# --------------------------------------------------------------------------------------------
# 1. a bundle from `pki issue`, used unchanged
# --------------------------------------------------------------------------------------------

def test_issued_bundle_works_unchanged_via_env_and_context(gate, names, tmp_path):
    pki = gate.pki(("alice",))
    dg = gate.start(pki, {"alice": "admin"})
    alice = pki.bundles["alice"]
    assert alice.env["DOCKER_HOST"] == pki.host, alice.stdout
    assert alice.env["DOCKER_TLS_VERIFY"] == "1", alice.stdout
    assert (alice.dir / "host").read_text().strip() == pki.host

    # (a) DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH exactly as printed.
    cfg_a = tmp_path / "docker-config-env"
    cfg_a.mkdir()
    env = bundle_env(alice, str(cfg_a))
    rc, out, err = docker(["version", "--format", "{{.Server.APIVersion}}"], env)
    assert rc == 0, f"docker version with the printed env failed: {err}\n{dg.log_tail()}"
    assert out.strip(), out
    rc, out, err = docker(["run", "--rm", "--name", names("bundle-run"), "busybox", "echo", "hi"],
                          env)
    assert rc == 0, f"docker run with the printed env failed: {err}\n{dg.log_tail()}"
    assert out.strip() == "hi", (out, err)

    # (b) the printed `docker context create` line, run as printed, in a private DOCKER_CONFIG.
    cfg_b = tmp_path / "docker-config-context"
    cfg_b.mkdir()
    ctx_env = _clean_env({"DOCKER_CONFIG": str(cfg_b)})
    argv = shlex.split(alice.context_line)
    assert argv[:3] == ["docker", "context", "create"], alice.context_line
    ctx_name = argv[3]
    assert ctx_name == "alice", alice.context_line
    rc, out, err = docker(argv[1:], ctx_env, timeout=60)
    assert rc == 0, f"{alice.context_line!r} failed: {err}"
    rc, out, err = docker(["--context", ctx_name, "ps"], ctx_env)
    assert rc == 0, f"docker --context {ctx_name} ps failed: {err}\n{dg.log_tail()}"
    assert "CONTAINER ID" in out, out
    rc, out, err = docker(["--context", ctx_name, "version", "--format", "{{.Server.Version}}"],
                          ctx_env)
    assert rc == 0 and out.strip(), err
    assert dg.alive(), dg.log_tail()


# --------------------------------------------------------------------------------------------
# 2. policy change and broken config on an open keep-alive connection
# --------------------------------------------------------------------------------------------

def test_policy_change_and_broken_config_on_open_connection(gate, tmp_path):
    pki = gate.pki(("alice",))
    dg = gate.start(pki, {"alice": "admin"})
    conn = RawTLS(pki.port, pki.bundles["alice"].certs, timeout=15)
    try:
        r = get(conn, "/v1.41/containers/json")
        assert r.status == 200, f"{r.raw_head!r} {r.body[:300]!r}"
        assert isinstance(r.json(), list)

        # alice: admin -> viewer (read only, no containers group at all).
        good_admin = dg.config.read_text()
        viewer_cfg = good_admin.replace('  - cn: "alice"\n    policy: admin',
                                        '  - cn: "alice"\n    policy: viewer')
        assert viewer_cfg != good_admin
        dg.config.write_text(viewer_cfg)
        sighup_and_wait_log(dg, "configuration reloaded")

        # The NEXT request on the SAME connection is judged by the new policy.
        r = get(conn, "/v1.41/containers/json")
        assert r.status == 403, \
            f"open connection still served by the old policy: {r.raw_head!r} {r.body[:300]!r}"
        assert "dockgate" in r.json()["message"], r.body
        # The connection itself stays usable for what the viewer may do.
        r = get(conn, "/v1.41/version")
        assert r.status == 200, r.raw_head

        # A broken file (an unknown key; it also makes alice admin again) is refused whole.
        broken = good_admin.replace("timeouts:\n", "timeouts:\n  no_such_timeout: 5s\n")
        assert broken != good_admin
        dg.config.write_text(broken)
        sighup_and_wait_log(dg, "reload rejected")
        assert dg.alive(), dg.log_tail()
        r = get(conn, "/v1.41/containers/json")
        assert r.status == 403, f"a rejected config was applied: {r.raw_head!r} {r.body[:300]!r}"
        r = get(conn, "/v1.41/version")
        assert r.status == 200, r.raw_head

        # A YAML syntax error: refused the same way; new connections are served as before.
        dg.config.write_text(good_admin + "policies: [unclosed\n")
        sighup_and_wait_log(dg, "reload rejected")
        assert dg.alive(), dg.log_tail()
        r = get(conn, "/_ping")
        assert r.status == 200 and r.body == b"OK", r.raw_head
        c2 = RawTLS(pki.port, pki.bundles["alice"].certs, timeout=15)
        try:
            assert get(c2, "/v1.41/containers/json").status == 403
            assert get(c2, "/v1.41/version").status == 200
        finally:
            c2.close()
        cfg_dir = tmp_path / "docker-config"
        cfg_dir.mkdir()
        rc, out, err = docker(["ps"], bundle_env(pki.bundles["alice"], str(cfg_dir)), timeout=60)
        assert rc != 0 and "dockgate" in err, (rc, out, err)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# 3. pki revoke + SIGHUP closes the revoked user's attach, not another user's
# --------------------------------------------------------------------------------------------

def test_revoke_closes_attach_and_refuses_handshake(gate, dockgate_bin, docker_direct, names,
                                                    tmp_path):
    pki = gate.pki(("alice", "bob"))
    dg = gate.start(pki, {"alice": "admin", "bob": "admin"})
    name = names("attach")
    rc, out, err = docker_direct(["run", "-d", "--name", name, "busybox", "sh", "-c",
                                  "while true; do echo tick; sleep 1; done"])
    assert rc == 0, err
    cfg_dir = tmp_path / "docker-config"
    cfg_dir.mkdir()
    a_env = bundle_env(pki.bundles["alice"], str(cfg_dir))
    b_env = bundle_env(pki.bundles["bob"], str(cfg_dir))

    a = gate.stream([DOCKER_CLI, "attach", "--no-stdin", "--sig-proxy=false", name], a_env)
    b = gate.stream([DOCKER_CLI, "attach", "--no-stdin", "--sig-proxy=false", name], b_env)
    assert a.wait_for(b"tick", 30), f"alice's attach got no output: {a.stderr_text()}"
    assert b.wait_for(b"tick", 30), f"bob's attach got no output: {b.stderr_text()}"

    # alice keeps her copy of the bundle (`pki revoke` moves the server's copy away).
    kept = tmp_path / "alice-kept-bundle"
    shutil.copytree(pki.bundles["alice"].dir, kept)
    rc, out, err = dg_run(dockgate_bin, ["pki", "revoke", "alice", "--dir", str(pki.dir)])
    assert rc == 0, f"pki revoke alice failed: {out}\n{err}"
    a_env = {**a_env, "DOCKER_CERT_PATH": str(kept)}
    sighup_and_wait_log(dg, "configuration reloaded")
    t0 = time.monotonic()

    # alice's attach ends, within a bound.
    a_rc = a.wait_exit(15)
    assert a_rc is not None, \
        f"alice's docker attach still running 15 s after the revocation reload\n{dg.log_tail()}"
    print(f"alice's attach ended {time.monotonic() - t0:.2f}s after the reload, exit {a_rc}, "
          f"stderr {a.stderr_text()!r}")

    # bob's keeps receiving ticks.
    assert b.proc.poll() is None, f"bob's attach ended with alice's revocation: {b.stderr_text()}"
    before = b.out.count(b"tick")
    b.pump(3.5)
    assert b.out.count(b"tick") > before, "bob's attach stopped receiving ticks"

    # A new alice connection is refused at the handshake; bob is served.
    rc, out, err = docker(["ps"], a_env, timeout=60)
    assert rc != 0, f"docker ps with alice's revoked bundle succeeded: {out}"
    low = err.lower()
    assert "bad certificate" in low or "tls" in low or "revoked" in low, err
    print(f"revoked alice docker ps: rc {rc}, stderr {err.strip()!r}")

    refused = False
    try:
        c = RawTLS(pki.port, ClientCerts("alice", kept), timeout=10)
    except (ssl.SSLError, OSError) as e:
        refused = True
        print(f"raw handshake refused: {e!r}")
    else:
        try:
            c.send(b"GET /_ping HTTP/1.1\r\n" + H + b"\r\n")
            try:
                r = c.read_response(timeout=10)
                pytest.fail(f"revoked alice got an HTTP answer: {r.raw_head!r} {r.body!r}")
            except (ssl.SSLError, ConnectionClosed, OSError) as e:
                refused = True  # TLS 1.3: the server's alert arrives after the client's Finished
                print(f"raw handshake refused after Finished: {e!r}")
        finally:
            c.close()
    assert refused

    rc, out, err = docker(["ps"], b_env, timeout=60)
    assert rc == 0, f"bob's docker ps failed after alice's revocation: {err}\n{dg.log_tail()}"
    assert name in out, out

    rc, out, err = dg_run(dockgate_bin, ["pki", "list", "--dir", str(pki.dir)])
    assert rc == 0, err
    rows = {ln.split()[1]: ln for ln in out.splitlines()
            if ln.split() and ln.split()[0] == "client"}
    assert set(rows) >= {"alice", "bob"}, out
    assert rows["alice"].split()[-1] != "no" and "yes" in rows["alice"].split()[4:], out
    assert rows["bob"].split()[-1] == "no", out
    assert dg.alive(), dg.log_tail()
    b.kill()


# --------------------------------------------------------------------------------------------
# 4. SIGTERM while logs -f and an attached run stream
# --------------------------------------------------------------------------------------------

def test_sigterm_during_logs_follow_and_attached_run(gate, docker_direct, names, tmp_path):
    pki = gate.pki(("alice",))
    dg = gate.start(pki, {"alice": "admin"})
    ticker = names("drain-logs")
    rc, out, err = docker_direct(["run", "-d", "--name", ticker, "busybox", "sh", "-c",
                                  "while true; do echo tick; sleep 1; done"])
    assert rc == 0, err
    cfg_dir = tmp_path / "docker-config"
    cfg_dir.mkdir()
    env = bundle_env(pki.bundles["alice"], str(cfg_dir))

    logs = gate.stream([DOCKER_CLI, "logs", "-f", "--tail", "1", ticker], env)
    runner = names("drain-run")
    run = gate.stream([DOCKER_CLI, "run", "--rm", "--name", runner, "busybox", "sh", "-c",
                       "for i in $(seq 1 100); do echo n$i; sleep 1; done"], env)
    assert logs.wait_for(b"tick", 30), f"no output from logs -f: {logs.stderr_text()}"
    assert run.wait_for(b"n2", 60), f"no output from docker run: {run.stderr_text()}"

    t0 = time.monotonic()
    dg.proc.send_signal(signal.SIGTERM)
    try:
        rc = dg.proc.wait(timeout=DRAIN_S + 7)
    except subprocess.TimeoutExpired:
        pytest.fail(f"dockgate still running {DRAIN_S + 7}s after SIGTERM\n{dg.log_tail()}",
                    pytrace=False)
    elapsed = time.monotonic() - t0
    assert rc == 0, f"dockgate exit code {rc}\n{dg.log_tail()}"

    l_rc = logs.wait_exit(10)
    r_rc = run.wait_exit(10)
    print(f"dockgate exit 0 after {elapsed:.2f}s; logs -f exit {l_rc} "
          f"stderr {logs.stderr_text()!r}; docker run exit {r_rc} stderr {run.stderr_text()!r}")
    assert l_rc is not None, "docker logs -f still running 10 s after dockgate exited"
    assert r_rc is not None, "docker run still attached 10 s after dockgate exited"
    # The streams ended because of dockgate, not because their containers stopped.
    rc, out, err = docker_direct(["inspect", "-f", "{{.State.Running}}", ticker])
    assert out.strip() == b"true", (out, err)
    rc, out, err = docker_direct(["inspect", "-f", "{{.State.Running}}", runner])
    assert out.strip() == b"true", (out, err)
