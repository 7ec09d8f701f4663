"""Observe mode, `dockgate policy suggest`, development mode and the small things real clients
showed (issue 11 items 4, 5 and 6), end to end with the real docker CLI and the private daemon.

  observe    a policy or one user judged and recorded (`would-deny` + rule) but forwarded;
             unreadable requests and unknown identities are still refused
  suggest    an observed session → `policy suggest` → the suggested policy enforced → the same
             session replays, `docker run --privileged` is refused
  dev mode   `dockgate serve` without a configuration issues `admin` and a restricted `dev`
  item 6     idle-timeout reason on connection_close, exec exit codes on session_close, the
             plugin probe of `docker inspect` answered like dockerd
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from test_audit import complete_records
from conftest import (
    CLIENT_ADMIN,
    CLIENT_DEVELOPER,
    CLIENT_MALLORY,
    DOCKER_CLI,
    RawTLS,
    _clean_env,
    _wait_for_port,
    _yaml_str,
    config_text,
    free_port,
    run_cmd,
    tls_cli_args,
    unique_name,
)

DENIED = "Error response from daemon: dockgate:"
H = b"Host: 127.0.0.1\r\n"
API = "/v1.41"


# The complete records so far: a line dockgate is still writing (no newline yet) is left out.
read_records = complete_records


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def cli(dg, pki, user, docker_config_dir, args, timeout=120):
    argv = [DOCKER_CLI, *tls_cli_args(pki.client(user), dg.port), *args]
    rc, out, err = run_cmd(argv, timeout=timeout, env=_clean_env({"DOCKER_CONFIG": docker_config_dir}))
    return rc, out.decode(errors="replace"), err.decode(errors="replace")


def raw(dg, pki, user, data: bytes, timeout=30.0):
    c = RawTLS(dg.port, pki.client(user), timeout=timeout)
    try:
        c.send(data)
        return c.read_response(timeout=timeout)
    finally:
        c.close()


def json_head(method: str, target: str, body: bytes) -> bytes:
    return (f"{method} {target} HTTP/1.1\r\n".encode() + H + b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def unix_get(sock_path: str, target: str) -> tuple[int, bytes]:
    """One GET straight to the daemon's socket: (status, body)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sock_path)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        body = out
    return status, body


POLICIES = """\
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
"""


def observe_body(audit: Path, *, observe_user: bool = True, policy_observe: bool = False,
                 extra: str = "") -> str:
    policies = POLICIES + ("    observe: true\n" if policy_observe else "")
    return (policies + "users:\n"
            "  - cn: admin\n    policy: admin\n"
            "  - cn: developer\n    policy: developer\n"
            + ("    observe: true\n" if observe_user else "")
            + f"audit:\n  file: {_yaml_str(str(audit))}\n  stdout: false\n" + extra)


# --------------------------------------------------------------------------------------------
# observe mode
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["user", "policy"])
def test_observed_developer_privileged_create_is_forwarded(dockgate_factory, request, pki, tmp_path,
                                                           docker_direct, docker_config_dir, where):
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=observe_body(audit, observe_user=where == "user",
                                            policy_observe=where == "policy"))
    request.node._dockgate = dg
    name = unique_name("observe-priv")
    rc, out, err = cli(dg, pki, CLIENT_DEVELOPER, docker_config_dir,
                       ["create", "--privileged", "--name", name, "busybox", "true"])
    assert rc == 0, (out, err)
    try:
        rc, out, err = docker_direct(["container", "inspect", "--format", "{{.HostConfig.Privileged}}", name])
        assert rc == 0 and out.strip() == b"true", (out, err)
        records = wait_for(lambda: [r for r in read_records(audit) if r["kind"] == "request"
                                    and r.get("action") == "container.create"], 10)
        assert len(records) == 1, records
        record = records[0]
        assert record["decision"] == "would-deny", record
        assert record["rule"] == "host-escape/privileged", record
        assert "privileged" in record["reason"], record
        assert record["details"].get("privileged") is True, record
        # The request was on record before it reached the daemon: its response follows it.
        responses = [r for r in read_records(audit) if r["kind"] == "response"
                     and (r["conn"], r["seq"]) == (record["conn"], record["seq"])]
        assert responses and responses[0]["status"] == 201, responses
    finally:
        docker_direct(["rm", "-f", name])


def test_observe_mode_still_refuses_what_is_not_a_policy_decision(dockgate_factory, request, pki,
                                                                  tmp_path, docker_direct):
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=observe_body(audit, policy_observe=True))
    request.node._dockgate = dg
    name = unique_name("observe-ambiguous")
    # Two keys Go folds alike: dockerd would read the last one; refused (400) for everyone.
    body = json.dumps({"Image": "busybox"})[:-1].encode() + b',"HostConfig":{"Privileged":false,"privileged":true}}'
    resp = raw(dg, pki, CLIENT_DEVELOPER, json_head("POST", f"{API}/containers/create?name={name}", body))
    assert resp.status == 400, (resp.status, resp.body)
    # Unreadable JSON.
    resp = raw(dg, pki, CLIENT_DEVELOPER, json_head("POST", f"{API}/containers/create?name={name}", b'{"Image":'))
    assert resp.status == 400, (resp.status, resp.body)
    # Smuggling-shaped framing: both Content-Length and Transfer-Encoding.
    resp = raw(dg, pki, CLIENT_DEVELOPER,
               f"GET {API}/containers/json HTTP/1.1\r\n".encode() + H
               + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert resp.status == 400, (resp.status, resp.body)
    # A certificate whose CN is not a user.
    resp = raw(dg, pki, CLIENT_MALLORY, f"GET {API}/containers/json HTTP/1.1\r\n".encode() + H + b"\r\n")
    assert resp.status == 403, (resp.status, resp.body)
    rc, _, _ = docker_direct(["container", "inspect", name])
    assert rc != 0, "a refused create reached the daemon"
    decisions = [r.get("decision") for r in read_records(audit) if r["kind"] == "request"]
    assert "would-deny" not in decisions and decisions.count("deny") == 4, decisions


# --------------------------------------------------------------------------------------------
# policy suggest: observe, suggest, enforce, replay
# --------------------------------------------------------------------------------------------

SUGGEST_START = """\
policies:
  admin:
    endpoints: all
    privileged: true
  probation:
    observe: true
    endpoints:
      system: read
    images: []
users:
  - cn: admin
    policy: admin
  - cn: developer
    policy: probation
"""

NOSYMFOLLOW_OPT_OUT = "bind_mounts:\n  require_nosymfollow: false\n"


def session(dg, pki, docker_config_dir, docker_direct, bind_source: Path, tag: str) -> list[str]:
    """What the developer does; returns the names to clean up. Every step must succeed."""
    c, v = unique_name(f"suggest-{tag}"), unique_name(f"suggest-vol-{tag}")
    steps = [
        ["run", "--rm", "busybox", "echo", "hi"],
        ["run", "-d", "--name", c, "busybox", "sleep", "60"],
        ["exec", c, "true"],
        ["volume", "create", v],
        ["run", "--rm", "-v", f"{bind_source}:/data", "busybox", "ls", "/data"],
        ["ps", "-a"],
    ]
    for step in steps:
        rc, out, err = cli(dg, pki, CLIENT_DEVELOPER, docker_config_dir, step)
        assert rc == 0, (step, out, err)
    return [c, v]


def cleanup(docker_direct, names):
    docker_direct(["rm", "-f", names[0]])
    docker_direct(["volume", "rm", "-f", names[1]])


def test_policy_suggest_from_an_observed_session(dockgate_factory, dockgate_bin, request, pki, tmp_path,
                                                 docker_direct, docker_config_dir):
    binds = (tmp_path / "binds").resolve()
    (binds / "project").mkdir(parents=True)
    (binds / "project" / "file.txt").write_text("x\n")
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=SUGGEST_START + NOSYMFOLLOW_OPT_OUT
                          + f"audit:\n  file: {_yaml_str(str(audit))}\n  stdout: false\n")
    request.node._dockgate = dg
    names = session(dg, pki, docker_config_dir, docker_direct, binds / "project", "observe")
    priv = unique_name("suggest-priv")
    rc, out, err = cli(dg, pki, CLIENT_DEVELOPER, docker_config_dir,
                       ["create", "--privileged", "--name", priv, "busybox", "true"])
    assert rc == 0, (out, err)
    try:
        assert any(r.get("decision") == "would-deny" for r in read_records(audit)), "nothing was observed"
        dg.stop()

        rc, out, err = run_cmd([dockgate_bin, "policy", "suggest", "--user", "developer", "--from", str(audit),
                                "--since", "1d"], env=_clean_env())
        assert rc == 0, err
        suggestion = out.decode()
        policy_part, _, human = suggestion.partition("# Needs a human decision")
        assert "host-escape/privileged" in human, suggestion
        assert "privileged" not in policy_part.split("policies:", 1)[1], suggestion
        for grant in ("containers: write", "exec: write", "volumes: write", '"busybox', str(binds / "project")):
            assert grant in policy_part, (grant, suggestion)
        for line in policy_part.split("policies:", 1)[1].splitlines():
            if line.startswith("      "):
                assert "# " in line and "request" in line, line

        # check-config accepts it as pasted into a configuration.
        cfg = tmp_path / "suggested.yaml"
        audit2 = tmp_path / "audit2.jsonl"
        cfg.write_text(config_text(port=free_port(), upstream_socket="/var/run/docker.sock", pki=pki,
                                   body=suggestion + NOSYMFOLLOW_OPT_OUT))
        rc, out, err = run_cmd([dockgate_bin, "check-config", str(cfg)], env=_clean_env())
        assert rc == 0, (out, err, suggestion)

        # Enforced: the same session is allowed, the privileged container is not.
        enforced = dockgate_factory(body=suggestion + NOSYMFOLLOW_OPT_OUT
                                    + f"audit:\n  file: {_yaml_str(str(audit2))}\n  stdout: false\n")
        request.node._dockgate = enforced
        names2 = session(enforced, pki, docker_config_dir, docker_direct, binds / "project", "enforced")
        cleanup(docker_direct, names2)
        rc, out, err = cli(enforced, pki, CLIENT_DEVELOPER, docker_config_dir,
                           ["run", "--rm", "--privileged", "busybox", "true"])
        assert rc != 0 and DENIED in err and "privileged" in err, (out, err)
        decisions = {r.get("decision") for r in read_records(audit2) if r["kind"] == "request"}
        assert "would-deny" not in decisions, decisions
    finally:
        cleanup(docker_direct, names)
        docker_direct(["rm", "-f", priv])


# --------------------------------------------------------------------------------------------
# development mode
# --------------------------------------------------------------------------------------------

def test_development_mode_issues_a_restricted_dev_bundle(dockgate_bin, docker_socket, tmp_path,
                                                         docker_config_dir):
    if Path("/etc/dockgate/dockgate.yaml").exists():
        pytest.skip("/etc/dockgate/dockgate.yaml exists: no development mode on this host")
    dev = tmp_path / "dev"
    port = free_port()
    log = tmp_path / "dockgate.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen(
            [dockgate_bin, "serve", "--dev-dir", str(dev), "--listen", f"tcp://127.0.0.1:{port}",
             "--upstream", f"unix://{docker_socket}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf, env=_clean_env(), cwd=str(tmp_path))
    try:
        _wait_for_port(proc, port)
        text = log.read_text()
        for user in ("admin", "dev"):
            assert f"DOCKER_CERT_PATH={dev}/pki/clients/{user}" in text, text
        env = _clean_env({"DOCKER_CONFIG": docker_config_dir, "DOCKER_HOST": f"tcp://127.0.0.1:{port}",
                          "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(dev / "pki/clients/dev")})
        rc, out, err = run_cmd([DOCKER_CLI, "run", "--rm", "busybox", "echo", "hi"], env=env)
        assert rc == 0 and out.strip() == b"hi", (out, err)
        rc, out, err = run_cmd([DOCKER_CLI, "run", "--rm", "--privileged", "busybox", "true"], env=env)
        assert rc != 0 and DENIED.encode() in err and b"privileged" in err, (out, err)
        records = read_records(dev / "audit.jsonl")
        creates = [r for r in records if r["kind"] == "request" and r.get("action") == "container.create"]
        assert [r["decision"] for r in creates] == ["allow", "deny"], creates
        assert all(r["cn"] == "dev" and r["policy"] == "developer" for r in creates), creates
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --------------------------------------------------------------------------------------------
# issue 11 item 6
# --------------------------------------------------------------------------------------------

def test_idle_timeout_is_named_in_connection_close(dockgate_factory, request, pki, tmp_path):
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=observe_body(audit, observe_user=False, extra="timeouts:\n  idle: 1s\n"))
    request.node._dockgate = dg
    c = RawTLS(dg.port, pki.client(CLIENT_DEVELOPER), timeout=30)
    try:
        c.send(f"GET {API}/version HTTP/1.1\r\n".encode() + H + b"\r\n")
        assert c.read_response().status == 200
        assert c.is_closed(timeout=10)
    finally:
        c.close()
    closes = wait_for(lambda: [r for r in read_records(audit) if r["kind"] == "connection_close"], 10)
    assert len(closes) == 1 and "idle timeout" in closes[0]["reason"], closes


def test_exec_exit_code_in_session_close(dockgate_factory, request, pki, tmp_path, docker_direct,
                                         docker_config_dir):
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=observe_body(audit, observe_user=False))
    request.node._dockgate = dg
    name = unique_name("exit-code")
    rc, out, err = cli(dg, pki, CLIENT_DEVELOPER, docker_config_dir, ["run", "-d", "--name", name, "busybox", "sleep", "60"])
    assert rc == 0, (out, err)
    try:
        rc, out, err = cli(dg, pki, CLIENT_DEVELOPER, docker_config_dir, ["exec", name, "sh", "-c", "exit 3"])
        assert rc == 3, (rc, out, err)
        closes = wait_for(lambda: [r for r in read_records(audit) if r["kind"] == "session_close"
                                   and r.get("action") == "exec.start"], 10)
        assert len(closes) == 1, closes
        assert closes[0]["details"].get("exit_code") == 3, closes
        assert closes[0]["details"].get("exec_id"), closes
    finally:
        docker_direct(["rm", "-f", name])


def test_inspect_of_nothing_says_no_such_object(dockgate_factory, request, pki, tmp_path, docker_socket,
                                                docker_config_dir):
    audit = tmp_path / "audit.jsonl"
    dg = dockgate_factory(body=observe_body(audit, observe_user=False))
    request.node._dockgate = dg
    missing = unique_name("nothing")
    rc, out, err = cli(dg, pki, CLIENT_DEVELOPER, docker_config_dir, ["inspect", missing])
    assert rc != 0 and f"No such object: {missing}" in err and "dockgate" not in err, (out, err)
    # Exactly dockerd's answer for a plugin that does not exist, byte for byte.
    for name in (missing, "vieux/sshfs:latest", "Upper.Case"):
        target = f"{API}/plugins/{name}/json"
        direct_status, direct_body = unix_get(docker_socket, target)
        resp = raw(dg, pki, CLIENT_DEVELOPER, f"GET {target} HTTP/1.1\r\n".encode() + H + b"\r\n")
        assert (resp.status, json.loads(resp.body)) == (direct_status, json.loads(direct_body)), (name, resp.body, direct_body)
    # Denials are recorded without holding up the answer: wait for the CLI's probe and the three above.
    probes = wait_for(lambda: [r for r in read_records(audit) if r["kind"] == "request" and r.get("action") == "plugin.inspect"]
                      if len([r for r in read_records(audit) if r.get("action") == "plugin.inspect" and r["kind"] == "request"]) >= 4
                      else None, 15)
    assert probes and all(r["status"] == 404 and r["details"].get("answered_by") == "dockgate"
                          and r["rule"] == "plugins/not-visible" for r in probes), probes
