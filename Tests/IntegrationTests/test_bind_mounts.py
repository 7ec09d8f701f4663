"""Bind folders against the symlink swap (THREATS M-02), end to end.

A developer may bind below one folder. The folder is a nosymfollow mount, as dockgate requires
(deploy/srv-dockgate-binds.mount). The attack: create container B binding <allowed>/x while x is
absent or a plain folder (allowed), then, from an own container A that binds <allowed>, replace x
with a symlink to /, then start B. dockerd would follow the link at start and mount the host's
root. dockgate must refuse the start (it inspects B and judges its binds again), and the kernel
must make the daemon's own mount fail even when the start is sent to the daemon directly.

Each test runs twice: dockgate as root, and as an unprivileged user like the systemd unit's
(User=dockgate, SupplementaryGroups=docker): `setpriv --reuid=nobody --regid=nogroup
--groups=<docker gid>`. The harness's daemon socket sits in a 0700 folder, so that variant reaches
it through a hard link of the socket in a world-searchable folder (connect(2) needs only write
permission on the socket inode, which the docker group has).
"""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import (
    CLI_TIMEOUT,
    CLIENT_DEVELOPER,
    DOCKER_CLI,
    Dockgate,
    _clean_env,
    _wait_for_port,
    _yaml_str,
    config_text,
    free_port,
    mount_nosymfollow,
    run_cmd,
    tls_cli_args,
    unmount,
)

DENIED = "Error response from daemon: dockgate:"


def developer_body(allowed: Path, extra: str = "") -> str:
    return f"""\
{extra}policies:
  developer:
    endpoints:
      containers: write
      images: read
      system: read
    images: ["busybox*"]
    bind_mounts: [{_yaml_str(str(allowed))}]
users:
  - cn: developer
    policy: developer
"""


class BindSetup:
    """A world-searchable folder holding the allowed bind folder, dockgate's key and config."""

    def __init__(self, pki, docker_socket: str):
        self.base = Path(tempfile.mkdtemp(prefix="dgt-binds-", dir="/tmp"))
        self.base.chmod(0o755)
        self.allowed = self.base / "allowed"
        self.allowed.mkdir(mode=0o755)
        self.mounted: list[Path] = []
        # The harness's PKI folder is root's; the unprivileged dockgate gets its own copies.
        for name, source in (("server-cert.pem", pki.server_cert), ("server-key.pem", pki.server_key),
                             ("ca.pem", pki.ca_cert)):
            shutil.copy(source, self.base / name)
            os.chown(self.base / name, 65534, 65534)
        self.socket = self.base / "docker.sock"
        os.link(docker_socket, self.socket)
        self.procs: list[Dockgate] = []

    def mount(self, path: Path) -> None:
        mount_nosymfollow(path)
        self.mounted.append(path)

    def start(self, pki, body: str, user: str, expect_listening: bool = True):
        port = free_port()
        cfg = self.base / f"dockgate-{uuid.uuid4().hex[:6]}.yaml"
        text = config_text(port=port, upstream_socket=str(self.socket), pki=pki, body=body)
        text = text.replace(_yaml_str(pki.server_cert), _yaml_str(self.base / "server-cert.pem"))
        text = text.replace(_yaml_str(pki.server_key), _yaml_str(self.base / "server-key.pem"))
        text = text.replace(_yaml_str(pki.ca_cert), _yaml_str(self.base / "ca.pem"))
        cfg.write_text(text)
        cfg.chmod(0o644)
        log = self.base / f"{cfg.stem}.log"
        argv = [os.environ["DOCKGATE_BIN"], "serve", "--config", str(cfg)]
        if user == "nobody":
            docker_gid = os.stat(self.socket).st_gid
            argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", f"--groups={docker_gid}", *argv]
        with open(log, "wb") as logf:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                    env=_clean_env(), cwd=str(self.base))
        dg = Dockgate(proc=proc, port=port, config=cfg, log=log)
        self.procs.append(dg)
        if not expect_listening:
            proc.wait(timeout=30)
            return dg
        try:
            _wait_for_port(proc, port)
        except RuntimeError as e:
            dg.stop()
            pytest.fail(f"{e}\n---- dockgate log ----\n{dg.log_tail()}", pytrace=False)
        return dg

    def close(self) -> None:
        for dg in self.procs:
            dg.stop()
        for path in reversed(self.mounted):
            unmount(path)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def setup(pki, docker_socket, dockgate_bin):
    s = BindSetup(pki, docker_socket)
    s.mount(s.allowed)
    yield s
    s.close()


@pytest.fixture(scope="module", params=["root", "nobody"])
def bind_dg(request, setup, pki):
    dg = setup.start(pki, developer_body(setup.allowed), request.param)
    dg.user = request.param
    uid = next(ln.split()[1] for ln in Path(f"/proc/{dg.pid}/status").read_text().splitlines() if ln.startswith("Uid:"))
    assert uid == ("0" if request.param == "root" else "65534"), f"dockgate runs as uid {uid}"
    yield dg
    dg.stop()


@pytest.fixture
def dev(bind_dg, pki, docker_config_dir, request):
    """dev(args) -> (rc, out, err) as the developer through dockgate."""
    request.node._dockgate = bind_dg

    def run(args, timeout=CLI_TIMEOUT):
        argv = [DOCKER_CLI, *tls_cli_args(pki.client(CLIENT_DEVELOPER), bind_dg.port), *args]
        rc, out, err = run_cmd(argv, timeout=timeout, env=_clean_env({"DOCKER_CONFIG": docker_config_dir}))
        return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    return run


@pytest.fixture
def direct(docker_direct):
    def run(args, timeout=CLI_TIMEOUT):
        rc, out, err = docker_direct(args, timeout=timeout)
        return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    return run


def shows_host_root(listing: str) -> bool:
    """`ls /data` of a container that got the host's root."""
    names = set(listing.split())
    return {"proc", "etc", "usr"} <= names or "container_info.json" in names


@pytest.mark.parametrize("initially", ["absent", "folder"])
def test_symlink_swap_after_create_is_refused_at_start(dev, direct, setup, container_name, initially):
    x = f"x-{uuid.uuid4().hex[:8]}"
    if initially == "folder":
        (setup.allowed / x).mkdir()
    b = container_name("swap-b")
    rc, out, err = dev(["create", "--name", b, "-v", f"{setup.allowed}/{x}:/data", "busybox", "ls", "/data"])
    assert rc == 0, f"create of B should be allowed: {err}"

    # Container A, the developer's own, binds the allowed folder and plants the link.
    a = container_name("swap-a")
    rc, out, err = dev(["run", "--name", a, "-v", f"{setup.allowed}:/allowed", "busybox", "sh", "-c",
                        f"rm -rf /allowed/{x} && ln -s / /allowed/{x} && ls -l /allowed/{x}"])
    assert rc == 0, err
    assert (setup.allowed / x).is_symlink() and os.readlink(setup.allowed / x) == "/"

    # `start -a` attaches first: the attach is refused already (the container's bind now resolves
    # outside the allowed folder), so the start itself is tried without it.
    rc, out, err = dev(["start", "-a", b])
    assert rc != 0 and not shows_host_root(out), f"start -a of B was allowed; it listed: {out!r}"
    rc, out, err = dev(["start", b])
    assert rc != 0, f"start of B was allowed: {out!r}"
    assert DENIED in err and "container.start" in err, err
    assert "/data" not in out and not shows_host_root(out), out

    rc, out, err = dev(["restart", b])
    assert rc != 0 and DENIED in err and "container.restart" in err, err

    # The kernel layer: even sent straight to the daemon, the start cannot mount the host's root.
    rc, out, err = direct(["start", "-a", b])
    assert not shows_host_root(out), f"the daemon mounted the host's root through the link: {out!r}"
    assert rc != 0, f"{out!r} {err!r}"
    assert "error while creating mount source path" in err or "too many levels of symbolic links" in err.lower(), err


def test_symlink_in_a_parent_component_is_refused(dev, direct, setup, container_name):
    parent = f"p-{uuid.uuid4().hex[:8]}"
    (setup.allowed / parent / "etc").mkdir(parents=True)
    b = container_name("parent-b")
    rc, out, err = dev(["create", "--name", b, "-v", f"{setup.allowed}/{parent}/etc:/data", "busybox", "ls", "/data"])
    assert rc == 0, err
    shutil.rmtree(setup.allowed / parent)
    os.symlink("/", setup.allowed / parent)
    rc, out, err = dev(["start", b])
    assert rc != 0 and DENIED in err, f"{out!r} {err!r}"
    rc, out, err = direct(["start", "-a", b])
    assert rc != 0 and "hostname" not in out.split(), f"{out!r} {err!r}"


def test_plain_binds_still_start(dev, setup, container_name):
    d = f"ok-{uuid.uuid4().hex[:8]}"
    (setup.allowed / d).mkdir()
    (setup.allowed / d / "marker").write_text("x")
    b = container_name("plain")
    rc, out, err = dev(["create", "--name", b, "-v", f"{setup.allowed}/{d}:/data:ro,z", "busybox", "ls", "/data"])
    assert rc == 0, err
    rc, out, err = dev(["start", "-a", b])
    assert rc == 0 and "marker" in out.split(), f"{out!r} {err!r}"
    rc, out, err = dev(["restart", b])
    assert rc == 0, err


@pytest.mark.parametrize("mode", ["rshared", "shared", "slave", "rslave", "ro,rshared"])
def test_binds_propagation_is_refused(dev, direct, setup, container_name, mode):
    name = container_name("prop")
    rc, out, err = dev(["create", "--name", name, "-v", f"{setup.allowed}:/data:{mode}", "busybox", "true"])
    assert rc != 0 and DENIED in err and "propagation" in err, err
    rc, _, _ = direct(["inspect", name])
    assert rc != 0, "a container was created despite the denial"


def test_folder_dockgate_cannot_search_is_refused(dev, bind_dg, setup, container_name):
    """As the unprivileged user, a component dockgate cannot search (EACCES) makes the path
    unresolvable: refused, never passed on unresolved. As root the same bind is allowed."""
    private = setup.allowed / f"private-{uuid.uuid4().hex[:8]}"
    private.mkdir(mode=0o700)
    name = container_name("eacces")
    rc, out, err = dev(["create", "--name", name, "-v", f"{private}/sub:/data", "busybox", "true"])
    if bind_dg.user == "root":
        assert rc == 0, err
    else:
        assert rc != 0 and DENIED in err and "cannot be resolved" in err and "Permission denied" in err, err


def test_serve_refuses_a_bind_folder_without_nosymfollow(setup, pki, dockgate_bin):
    plain = setup.base / f"plain-{uuid.uuid4().hex[:6]}"
    plain.mkdir(mode=0o755)
    dg = setup.start(pki, developer_body(plain), "root", expect_listening=False)
    assert dg.proc.returncode != 0
    log = dg.log_tail()
    assert "nosymfollow" in log and str(plain) in log and "require_nosymfollow" in log, log
    rc, out, err = run_cmd([dockgate_bin, "check-config", str(dg.config)], env=_clean_env())
    assert rc != 0 and b"nosymfollow" in out + err, out + err

    # The opt-out starts, and says what it leaves open.
    opted = setup.start(pki, developer_body(plain, extra="bind_mounts:\n  require_nosymfollow: false\n"), "root")
    assert opted.alive()
    rc, out, err = run_cmd([dockgate_bin, "check-config", str(opted.config)], env=_clean_env())
    assert rc == 0, out + err
    opted.stop()
    assert "require_nosymfollow is false" in opted.log_tail(), opted.log_tail()
