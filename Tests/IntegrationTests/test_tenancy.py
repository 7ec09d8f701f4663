"""Issue 12, tenancy, end to end: every container, exec, volume and network has an owner, and
users act only on their own — through the real dockgate, the docker CLI, docker-py and Debian's
docker-compose, against the real daemon.

Users (one dockgate for the module):
  alice, bob   developer policy, scope own (the default for a policy that is not privileged)
  carol, dave  the same rights with scope team, both in team "red"
  viewer       read_only, scope all: monitors the whole engine, never reads host files
  admin        privileged (scope all by default)
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import (
    CLI_TIMEOUT,
    CLIENT_ADMIN,
    CLIENT_ALICE,
    CLIENT_BOB,
    CLIENT_CAROL,
    CLIENT_DAVE,
    CLIENT_VIEWER,
    DOCKER_CLI,
    RawTLS,
    _clean_env,
    run_cmd,
    tls_cli_args,
)

DENIED = "Error response from daemon: dockgate:"
H = b"Host: 127.0.0.1\r\n"

BODY = """\
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
      networks: write
      system: read
      events: read
    images: ["busybox*"]
  teammate:
    scope: team
    endpoints:
      containers: write
      exec: write
      images: write
      volumes: write
      networks: write
      system: read
      events: read
    images: ["busybox*"]
  viewer:
    read_only: true
    scope: all
    endpoints:
      containers: read
      images: read
      volumes: read
      networks: read
      system: read
      events: read
users:
  - cn: admin
    policy: admin
  - cn: alice
    policy: developer
  - cn: bob
    policy: developer
  - cn: carol
    policy: teammate
    team: red
  - cn: dave
    policy: teammate
    team: red
  - cn: viewer
    policy: viewer
"""


@pytest.fixture(scope="module")
def tenancy_dg(dockgate_factory):
    dg = dockgate_factory(body=BODY)
    yield dg
    dg.stop()


@pytest.fixture(autouse=True)
def _alive(request, tenancy_dg):
    request.node._dockgate = tenancy_dg
    assert tenancy_dg.alive(), tenancy_dg.log_tail()
    yield
    assert tenancy_dg.alive(), f"dockgate died during this test\n{tenancy_dg.log_tail()}"


@pytest.fixture
def as_user(tenancy_dg, pki, docker_config_dir):
    """as_user(cn, args, input=None) -> (rc, stdout str, stderr str): the docker CLI through dockgate."""

    def run(user, args, input=None, timeout=CLI_TIMEOUT):
        argv = [DOCKER_CLI, *tls_cli_args(pki.client(user), tenancy_dg.port), *args]
        rc, out, err = run_cmd(argv, input=input, timeout=timeout, env=_clean_env({"DOCKER_CONFIG": docker_config_dir}))
        return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    return run


@pytest.fixture
def direct(docker_direct):
    def run(args, timeout=CLI_TIMEOUT):
        rc, out, err = docker_direct(args, timeout=timeout)
        return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    return run


@pytest.fixture
def cleanup(direct):
    """cleanup(kind, name): removed directly at teardown (containers, volumes, networks)."""
    items = []
    yield lambda kind, name: items.append((kind, name))
    for kind, name in reversed(items):
        if kind == "container":
            direct(["rm", "-f", name])
        elif kind == "volume":
            direct(["volume", "rm", "-f", name])
        elif kind == "network":
            direct(["network", "rm", name])


def name(tag: str) -> str:
    return f"dgt-{tag}-{uuid.uuid4().hex[:8]}"


def inspect(direct, ref: str) -> dict:
    rc, out, err = direct(["inspect", "--type", "container", ref])
    assert rc == 0, err
    return json.loads(out)[0]


def assert_denied(rc, err, what):
    assert rc != 0, f"{what}: succeeded through dockgate"
    assert DENIED in err, f"{what}: not a dockgate denial: {err!r}"


def run_sleeper(as_user, cleanup, user, tag="c", extra=()):
    n = name(tag)
    cleanup("container", n)
    rc, out, err = as_user(user, ["run", "-d", "--name", n, *extra, "busybox", "sleep", "600"])
    assert rc == 0, f"{user} run: {err}"
    return n


# --------------------------------------------------------------------------------------------
# owners
# --------------------------------------------------------------------------------------------

def test_creates_are_stamped_with_the_owner(as_user, direct, cleanup):
    c = run_sleeper(as_user, cleanup, CLIENT_CAROL, "stamp")
    labels = inspect(direct, c)["Config"]["Labels"]
    assert labels.get("io.dockgate.owner") == "carol" and labels.get("io.dockgate.team") == "red", labels
    v = name("vol")
    cleanup("volume", v)
    rc, _, err = as_user(CLIENT_ALICE, ["volume", "create", v])
    assert rc == 0, err
    rc, out, err = direct(["volume", "inspect", "--format", "{{json .Labels}}", v])
    assert json.loads(out) == {"io.dockgate.owner": "alice"}, out


def test_reserved_labels_are_refused(as_user, direct):
    n = name("forged")
    rc, _, err = as_user(CLIENT_ALICE, ["create", "--name", n, "--label", "io.dockgate.owner=bob", "busybox", "true"])
    assert_denied(rc, err, "create with a forged owner label")
    assert direct(["inspect", n])[0] != 0


ACTIONS_ON_ANOTHERS_CONTAINER = {
    "stop": ["stop", "-t", "1", "{c}"],
    "kill": ["kill", "{c}"],
    "rm": ["rm", "-f", "{c}"],
    "rename": ["rename", "{c}", "{c}-renamed"],
    "update": ["update", "--memory", "64m", "--memory-swap", "128m", "{c}"],
    "exec": ["exec", "{c}", "echo", "x"],
    "logs": ["logs", "{c}"],
    "inspect": ["inspect", "--type", "container", "{c}"],
    "cp-from": ["cp", "{c}:/etc/hostname", "/tmp/dgt-tenancy-cp"],
    "pause": ["pause", "{c}"],
    "top": ["top", "{c}"],
}


@pytest.mark.parametrize("action", list(ACTIONS_ON_ANOTHERS_CONTAINER))
def test_alice_cannot_touch_bobs_container(as_user, direct, cleanup, action):
    c = run_sleeper(as_user, cleanup, CLIENT_BOB, "bobs")
    before = inspect(direct, c)
    for ref in (c, before["Id"], before["Id"][:12]):
        args = [a.replace("{c}", ref) for a in ACTIONS_ON_ANOTHERS_CONTAINER[action]]
        rc, out, err = as_user(CLIENT_ALICE, args)
        if action == "inspect":
            assert rc != 0 and "bob" not in out, f"{action} {ref}: {out!r}"
        else:
            assert_denied(rc, err, f"{action} {ref}")
            assert "belongs to bob" in err, err
    after = inspect(direct, c)
    assert after["State"]["Running"] and not after["State"]["Paused"], f"{action} changed bob's container"
    assert after["Name"] == before["Name"] and after["HostConfig"]["Memory"] == before["HostConfig"]["Memory"]


def test_alice_cannot_copy_into_bobs_container(as_user, cleanup, direct, tmp_path):
    c = run_sleeper(as_user, cleanup, CLIENT_BOB, "bobs-cp")
    src = tmp_path / "planted.txt"
    src.write_text("x")
    rc, _, err = as_user(CLIENT_ALICE, ["cp", str(src), f"{c}:/tmp/planted.txt"])
    assert_denied(rc, err, "cp into bob's container")
    assert direct(["exec", c, "test", "-e", "/tmp/planted.txt"])[0] != 0


def test_objects_made_outside_dockgate_belong_to_nobody(as_user, direct, cleanup):
    n = name("legacy")
    cleanup("container", n)
    assert direct(["run", "-d", "--name", n, "busybox", "sleep", "600"])[0] == 0
    rc, _, err = as_user(CLIENT_ALICE, ["stop", n])
    assert_denied(rc, err, "stop an unowned container")
    assert "belongs to nobody" in err


def test_own_containers_work_by_name_and_id(as_user, direct, cleanup):
    c = run_sleeper(as_user, cleanup, CLIENT_ALICE, "own")
    cid = inspect(direct, c)["Id"]
    for args in (["exec", c, "echo", "hi"], ["exec", cid[:12], "echo", "hi"]):
        rc, out, err = as_user(CLIENT_ALICE, args)
        assert rc == 0 and out.strip() == "hi", err
    rc, _, err = as_user(CLIENT_ALICE, ["rename", c, c + "-2"])
    assert rc == 0, err
    cleanup("container", c + "-2")
    rc, _, err = as_user(CLIENT_ALICE, ["rm", "-f", c + "-2"])
    assert rc == 0, err


# --------------------------------------------------------------------------------------------
# lists and streams
# --------------------------------------------------------------------------------------------

def test_lists_show_only_ones_own(as_user, direct, cleanup):
    a = run_sleeper(as_user, cleanup, CLIENT_ALICE, "list-a")
    b = run_sleeper(as_user, cleanup, CLIENT_BOB, "list-b")
    va, vb, na, nb = name("va"), name("vb"), name("na"), name("nb")
    for kind, user, n in (("volume", CLIENT_ALICE, va), ("volume", CLIENT_BOB, vb), ("network", CLIENT_ALICE, na), ("network", CLIENT_BOB, nb)):
        cleanup(kind, n)
        rc, _, err = as_user(user, [kind, "create", n])
        assert rc == 0, err

    rc, out, err = as_user(CLIENT_ALICE, ["ps", "-a", "--format", "{{.Names}}"])
    assert rc == 0, err
    assert a in out.split() and b not in out.split(), out
    rc, out, _ = as_user(CLIENT_ALICE, ["ps", "-a", "--filter", f"name={a}", "--format", "{{.Names}}"])
    assert out.split() == [a]
    rc, out, _ = as_user(CLIENT_ALICE, ["volume", "ls", "-q"])
    assert va in out.split() and vb not in out.split(), out
    rc, out, _ = as_user(CLIENT_ALICE, ["network", "ls", "--format", "{{.Name}}"])
    assert na in out.split() and nb not in out.split(), out

    rc, out, _ = as_user(CLIENT_ADMIN, ["ps", "-a", "--format", "{{.Names}}"])
    assert a in out.split() and b in out.split()
    rc, out, _ = as_user(CLIENT_VIEWER, ["volume", "ls", "-q"])
    assert va in out.split() and vb in out.split()

    rc, _, err = as_user(CLIENT_ALICE, ["system", "df"])
    assert_denied(rc, err, "system df")


def test_events_show_only_ones_own(tenancy_dg, pki, docker_config_dir, as_user, cleanup):
    since = str(int(time.time()) - 1)
    a = run_sleeper(as_user, cleanup, CLIENT_ALICE, "ev-a")
    b = run_sleeper(as_user, cleanup, CLIENT_BOB, "ev-b")
    as_user(CLIENT_BOB, ["exec", b, "echo", "secret-command-line"])
    until = str(int(time.time()) + 1)
    time.sleep(1.2)
    rc, out, err = as_user(CLIENT_ALICE, ["events", "--since", since, "--until", until, "--format", "{{json .}}"])
    assert rc == 0, err
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    names = {e.get("Actor", {}).get("Attributes", {}).get("name") for e in events}
    assert a in names, names
    assert b not in names and "secret-command-line" not in out, out


# --------------------------------------------------------------------------------------------
# teams
# --------------------------------------------------------------------------------------------

def test_team_members_share(as_user, direct, cleanup):
    c = run_sleeper(as_user, cleanup, CLIENT_DAVE, "team")
    rc, out, err = as_user(CLIENT_CAROL, ["exec", c, "echo", "shared"])
    assert rc == 0 and out.strip() == "shared", err
    rc, out, _ = as_user(CLIENT_CAROL, ["ps", "--format", "{{.Names}}"])
    assert c in out.split()
    rc, _, err = as_user(CLIENT_ALICE, ["stop", c])
    assert_denied(rc, err, "alice stops a red-team container")
    rc, _, err = as_user(CLIENT_CAROL, ["stop", "-t", "1", c])
    assert rc == 0, err


# --------------------------------------------------------------------------------------------
# volumes
# --------------------------------------------------------------------------------------------

def test_bind_backed_volume_of_the_admin_is_refused(as_user, direct, cleanup, tmp_path):
    host = tmp_path / "host-secret"
    host.mkdir()
    (host / "secret.txt").write_text("host secret\n")
    v = name("etcvol")
    cleanup("volume", v)
    rc, _, err = as_user(CLIENT_ADMIN, ["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", f"device={host}", v])
    assert rc == 0, err
    n = name("steal")
    rc, out, err = as_user(CLIENT_ALICE, ["run", "--rm", "--name", n, "-v", f"{v}:/x", "busybox", "cat", "/x/secret.txt"])
    assert_denied(rc, err, "mount the admin's bind-backed volume")
    assert "host secret" not in out
    rc, out, err = as_user(CLIENT_ALICE, ["run", "--rm", "--mount", f"type=volume,src={v},dst=/x", "busybox", "cat", "/x/secret.txt"])
    assert_denied(rc, err, "--mount the admin's bind-backed volume")


def test_own_plain_volume_works(as_user, cleanup, direct):
    v = name("plain")
    cleanup("volume", v)
    rc, _, err = as_user(CLIENT_ALICE, ["volume", "create", v])
    assert rc == 0, err
    rc, _, err = as_user(CLIENT_ALICE, ["run", "--rm", "-v", f"{v}:/d", "busybox", "sh", "-c", "echo kept > /d/f"])
    assert rc == 0, err
    rc, out, err = as_user(CLIENT_ALICE, ["run", "--rm", "-v", f"{v}:/d", "busybox", "cat", "/d/f"])
    assert rc == 0 and out.strip() == "kept", err
    rc, _, err = as_user(CLIENT_BOB, ["run", "--rm", "-v", f"{v}:/d", "busybox", "cat", "/d/f"])
    assert_denied(rc, err, "bob mounts alice's volume")
    rc, _, err = as_user(CLIENT_BOB, ["volume", "rm", v])
    assert_denied(rc, err, "bob removes alice's volume")


def test_a_volume_named_at_run_is_created_owned(as_user, cleanup, direct):
    v = name("auto")
    cleanup("volume", v)
    rc, _, err = as_user(CLIENT_ALICE, ["run", "--rm", "-v", f"{v}:/d", "busybox", "true"])
    assert rc == 0, err
    rc, out, _ = direct(["volume", "inspect", "--format", "{{json .Labels}}", v])
    assert json.loads(out).get("io.dockgate.owner") == "alice", out


# --------------------------------------------------------------------------------------------
# host-sensitive containers: exec, cp, archive into an admin's host-reaching container
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def admin_containers(tenancy_dg, pki, docker_config_dir, docker_direct):
    """Admin containers that reach the host, made through dockgate (so the admin owns them)."""
    def admin(args):
        argv = [DOCKER_CLI, *tls_cli_args(pki.client(CLIENT_ADMIN), tenancy_dg.port), *args]
        rc, out, err = run_cmd(argv, env=_clean_env({"DOCKER_CONFIG": docker_config_dir}))
        assert rc == 0, err
        return out.decode().strip()

    made = {}
    made["binds-root"] = admin(["run", "-d", "--name", name("adm-root"), "-v", "/:/host:ro", "busybox", "sleep", "600"])
    made["docker-socket"] = admin(["run", "-d", "--name", name("adm-sock"), "-v", "/var/run:/hostrun", "busybox", "sleep", "600"])
    hostpid = admin(["run", "-d", "--name", name("adm-hostpid"), "--pid", "host", "busybox", "sleep", "600"])
    made["joins-host-ns"] = admin(["run", "-d", "--name", name("adm-join"), "--pid", f"container:{hostpid}", "busybox", "sleep", "600"])
    made["device-cgroup-rule"] = admin(["run", "-d", "--name", name("adm-cg"), "--device-cgroup-rule", "b 7:* rmw", "busybox", "sleep", "600"])
    yield made
    for cid in list(made.values()) + [hostpid]:
        docker_direct(["rm", "-f", cid], timeout=60)


@pytest.mark.parametrize("kind", ["binds-root", "docker-socket", "joins-host-ns", "device-cgroup-rule"])
@pytest.mark.parametrize("user", [CLIENT_ALICE, CLIENT_VIEWER])
def test_host_reaching_containers_are_refused(as_user, admin_containers, tmp_path, kind, user):
    cid = admin_containers[kind]
    attempts = {
        "exec": ["exec", cid, "cat", "/etc/hostname"],
        "cp-out": ["cp", f"{cid}:/etc/hostname", str(tmp_path / "out")],
        "cp-in": ["cp", str(Path(__file__)), f"{cid}:/tmp/in"],
    }
    for what, args in attempts.items():
        rc, out, err = as_user(user, args)
        assert rc != 0, f"{user} {what} into {kind}: succeeded: {out!r}"
        assert DENIED in err or "read-only" in err, f"{user} {what} into {kind}: {err!r}"
    assert not (tmp_path / "out").exists()


def test_viewer_reads_ordinary_containers(as_user, cleanup):
    c = run_sleeper(as_user, cleanup, CLIENT_BOB, "viewed")
    rc, out, err = as_user(CLIENT_VIEWER, ["logs", c])
    assert rc == 0, err
    rc, out, err = as_user(CLIENT_VIEWER, ["ps", "--format", "{{.Names}}"])
    assert c in out.split()


def test_archive_get_from_root_binding_container_is_refused_on_the_wire(tenancy_dg, pki, admin_containers):
    conn = RawTLS(tenancy_dg.port, pki.client(CLIENT_VIEWER), timeout=30)
    conn.send(f"GET /v1.41/containers/{admin_containers['binds-root']}/archive?path=/host/etc/shadow HTTP/1.1\r\n".encode() + H + b"\r\n")
    resp = conn.read_response(timeout=30)
    conn.close()
    assert resp.status == 403, resp.raw_head
    assert b"root:" not in resp.body


# --------------------------------------------------------------------------------------------
# rename race: what was judged is what is acted on
# --------------------------------------------------------------------------------------------

def test_rename_between_head_and_body_changes_nothing(tenancy_dg, pki, as_user, direct, cleanup):
    """The request is held between its head and its body while names are swapped under it: the
    container is resolved when the request is judged (after its body), so the update is refused
    (the name is bob's by then) and neither container changes."""
    mine = run_sleeper(as_user, cleanup, CLIENT_ALICE, "race-mine")
    theirs = run_sleeper(as_user, cleanup, CLIENT_BOB, "race-theirs")
    mine_id, theirs_id = inspect(direct, mine)["Id"], inspect(direct, theirs)["Id"]
    body = b'{"CpuShares":512}'
    conn = RawTLS(tenancy_dg.port, pki.client(CLIENT_ALICE), timeout=30)
    conn.send(f"POST /v1.41/containers/{mine}/update HTTP/1.1\r\n".encode() + H +
              b"Content-Type: application/json\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode())
    time.sleep(0.5)
    assert direct(["rename", mine, mine + "-old"])[0] == 0
    assert direct(["rename", theirs, mine])[0] == 0
    cleanup("container", mine + "-old")
    conn.send(body)
    resp = conn.read_response(timeout=30)
    conn.close()
    assert resp.status == 403 and b"belongs to bob" in resp.body, (resp.raw_head, resp.body)
    assert inspect(direct, theirs_id)["HostConfig"]["CpuShares"] == 0, "bob's container was updated"
    assert inspect(direct, mine_id)["HostConfig"]["CpuShares"] == 0


def test_requests_are_forwarded_by_the_id_judged(tenancy_dg, pki, as_user, direct, cleanup, tmp_path):
    """What reaches the daemon names the container by the full ID that was judged: the audit record
    says which, and an update by name lands on that container."""
    mine = run_sleeper(as_user, cleanup, CLIENT_ALICE, "by-id")
    mine_id = inspect(direct, mine)["Id"]
    rc, _, err = as_user(CLIENT_ALICE, ["update", "--cpu-shares", "256", mine])
    assert rc == 0, err
    assert inspect(direct, mine_id)["HostConfig"]["CpuShares"] == 256


# --------------------------------------------------------------------------------------------
# exec ownership survives a restart of dockgate
# --------------------------------------------------------------------------------------------

def test_exec_ownership_survives_a_restart(dockgate_factory, pki, as_user, direct, cleanup):
    c = run_sleeper(as_user, cleanup, CLIENT_ALICE, "exec-restart")
    dg = dockgate_factory(body=BODY)
    try:
        def call(user, method, path, body=b"{}"):
            conn = RawTLS(dg.port, pki.client(user), timeout=30)
            conn.send(f"{method} {path} HTTP/1.1\r\n".encode() + H + b"Content-Type: application/json\r\n" +
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            resp = conn.read_response(timeout=30)
            conn.close()
            return resp

        created = call(CLIENT_ALICE, "POST", f"/v1.41/containers/{c}/exec", b'{"Cmd":["true"]}')
        assert created.status == 201, created.body
        exec_id = json.loads(created.body)["Id"]
        dg.stop()
        dg = dockgate_factory(body=BODY)
        assert call(CLIENT_BOB, "GET", f"/v1.41/exec/{exec_id}/json", b"").status == 403
        started = call(CLIENT_BOB, "POST", f"/v1.41/exec/{exec_id}/start", b'{"Detach":true}')
        assert started.status == 403, started.body
        assert call(CLIENT_ALICE, "GET", f"/v1.41/exec/{exec_id}/json", b"").status == 200
    finally:
        dg.stop()


# --------------------------------------------------------------------------------------------
# docker-py and docker-compose
# --------------------------------------------------------------------------------------------

def test_docker_py_sees_only_its_own(tenancy_dg, pki, as_user, cleanup):
    import docker

    b = run_sleeper(as_user, cleanup, CLIENT_BOB, "py-b")
    certs = pki.client(CLIENT_ALICE)
    tls = docker.tls.TLSConfig(client_cert=(certs.cert, certs.key), ca_cert=certs.ca, verify=True)
    client = docker.DockerClient(base_url=f"https://127.0.0.1:{tenancy_dg.port}", tls=tls, version="auto", timeout=CLI_TIMEOUT)
    try:
        n = name("py-a")
        cleanup("container", n)
        mine = client.containers.run("busybox", "sleep 600", detach=True, name=n)
        names = [x.name for x in client.containers.list(all=True)]
        assert n in names and b not in names, names
        assert mine.exec_run("echo ok").output == b"ok\n"
        with pytest.raises(docker.errors.APIError) as excinfo:
            client.containers.get(b)
        assert excinfo.value.status_code == 403
    finally:
        client.close()


COMPOSE = """\
version: "2.4"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo compose-web-ready; exec sleep 600"]
    volumes:
      - data:/data
  worker:
    image: busybox
    command: ["sleep", "600"]
    depends_on: [web]
volumes:
  data: {}
"""


def compose(tenancy_dg, pki, user, project_dir, args, timeout=180):
    env = _clean_env({
        "DOCKER_HOST": f"tcp://127.0.0.1:{tenancy_dg.port}",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(pki.client(user).dir),
        "COMPOSE_INTERACTIVE_NO_CLI": "1",
    })
    # Debian's docker-compose runs on Debian's python3 with its own docker-py.
    argv = ["/usr/bin/docker-compose", "--no-ansi", "-p", "dgtproj" + project_dir.name[-6:], *args]
    p = subprocess.run(argv, cwd=project_dir, env=env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


@pytest.mark.skipif(not os.path.exists("/usr/bin/docker-compose"), reason="Debian's docker-compose is not installed")
def test_docker_compose_as_alice_is_invisible_to_bob(tenancy_dg, pki, tmp_path, direct):
    project = tmp_path / f"p{uuid.uuid4().hex[:6]}"
    project.mkdir()
    (project / "docker-compose.yml").write_text(COMPOSE)
    try:
        rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["up", "-d"])
        assert rc == 0, f"up: {out}\n{err}"
        rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["ps"])
        assert rc == 0 and "web" in out and "worker" in out, f"ps: {out}\n{err}"
        deadline = time.monotonic() + 30
        while True:
            rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["logs", "web"])
            if "compose-web-ready" in out or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert rc == 0 and "compose-web-ready" in out, f"logs: {out}\n{err}"
        rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["exec", "-T", "web", "echo", "in-web"])
        assert rc == 0 and "in-web" in out, f"exec: {out}\n{err}"
        rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["run", "--rm", "-T", "worker", "echo", "one-off"])
        assert rc == 0 and "one-off" in out, f"run --rm: {out}\n{err}"

        rc, out, err = compose(tenancy_dg, pki, CLIENT_BOB, project, ["ps"])
        assert "web" not in out and "worker" not in out, f"bob ps: {out}\n{err}"
        for args in (["logs", "web"], ["exec", "-T", "web", "echo", "x"], ["stop", "web"]):
            rc, out, err = compose(tenancy_dg, pki, CLIENT_BOB, project, args)
            assert rc != 0 or ("compose-web-ready" not in out and "x" != out.strip()), f"bob {args}: {out}\n{err}"
        rc, out, _ = direct(["ps", "--filter", "label=com.docker.compose.service=web", "--format", "{{.Status}}"])
        assert "Up" in out, "bob stopped alice's service"

        rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["stop"])
        assert rc == 0, f"stop: {out}\n{err}"
        rc, out, err = compose(tenancy_dg, pki, CLIENT_ALICE, project, ["down", "-v"])
        assert rc == 0, f"down -v: {out}\n{err}"
    finally:
        compose(tenancy_dg, pki, CLIENT_ADMIN, project, ["down", "-v"])


# --------------------------------------------------------------------------------------------
# policy explain gives the proxy's answer
# --------------------------------------------------------------------------------------------

def test_policy_explain_answers_as_the_proxy(tenancy_dg, dockgate_bin, as_user, direct, cleanup):
    b = run_sleeper(as_user, cleanup, CLIENT_BOB, "explain-b")
    a = run_sleeper(as_user, cleanup, CLIENT_ALICE, "explain-a")

    def explain(user, method, path):
        p = subprocess.run([dockgate_bin, "policy", "explain", "--config", str(tenancy_dg.config), "--user", user,
                            "--method", method, "--path", path], capture_output=True, timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    rc, out, err = explain(CLIENT_ALICE, "POST", f"/v1.41/containers/{b}/stop")
    assert rc == 1 and "rule=ownership/container" in out and "belongs to bob" in out, out + err
    proxy_rc, _, proxy_err = as_user(CLIENT_ALICE, ["stop", b])
    assert proxy_rc != 0 and "belongs to bob" in proxy_err
    rc, out, err = explain(CLIENT_ALICE, "POST", f"/v1.41/containers/{a}/stop")
    assert rc == 0 and "allow" in out and inspect(direct, a)["Id"] in out, out + err
    rc, out, err = explain(CLIENT_ALICE, "POST", "/v1.41/containers/no-such-container/stop")
    assert rc == 1 and "status=404" in out, out
    assert inspect(direct, b)["State"]["Running"], "explain changed something"
