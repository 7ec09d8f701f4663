"""The real docker CLI through dockgate behaves as it does on the daemon's own socket."""

import hashlib
import json
import os
import queue
import subprocess
import threading
import time

import pytest

from conftest import CLI_TIMEOUT


def ok(result, what=""):
    rc, out, err = result
    assert rc == 0, f"{what} exit {rc}\nstdout: {out[-2000:]!r}\nstderr: {err[-2000:]!r}"
    return out


def test_version_shows_server_and_same_api_version_as_direct(docker_proxy, docker_direct):
    direct = json.loads(ok(docker_direct(["version", "--format", "{{json .}}"]), "direct"))
    proxied = json.loads(ok(docker_proxy(["version", "--format", "{{json .}}"]), "proxy"))
    assert proxied.get("Server"), f"no Server section through the proxy: {proxied}"
    assert proxied["Server"]["ApiVersion"] == direct["Server"]["ApiVersion"]
    assert proxied["Server"]["Version"] == direct["Server"]["Version"]
    # the API version the client negotiated (HEAD /_ping → Api-Version header)
    assert proxied["Client"]["ApiVersion"] == direct["Client"]["ApiVersion"]


def test_ps_succeeds_like_direct(docker_proxy, docker_direct):
    d = ok(docker_direct(["ps"]), "direct")
    p = ok(docker_proxy(["ps"]), "proxy")
    assert p.splitlines()[0] == d.splitlines()[0]


def test_images_lists_the_same_images_as_direct(docker_proxy, docker_direct):
    fmt = ["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]
    d = ok(docker_direct(fmt), "direct")
    p = ok(docker_proxy(fmt), "proxy")
    assert sorted(p.splitlines()) == sorted(d.splitlines())
    assert b"busybox:latest" in p


def test_info_reports_same_daemon_id_and_name_as_direct(docker_proxy, docker_direct):
    d = json.loads(ok(docker_direct(["info", "--format", "{{json .}}"]), "direct"))
    p = json.loads(ok(docker_proxy(["info", "--format", "{{json .}}"]), "proxy"))
    assert p["ID"] and p["ID"] == d["ID"]
    assert p["Name"] == d["Name"]


def test_run_rm_echo_prints_hi(docker_proxy, container_name):
    out = ok(docker_proxy(["run", "--rm", "--name", container_name("echo"), "busybox", "echo", "hi"]))
    assert out == b"hi\n"


def test_run_interactive_cat_echoes_stdin_and_exits(docker_proxy, container_name):
    out = ok(docker_proxy(["run", "-i", "--rm", "--name", container_name("cat"), "busybox", "cat"],
                          input=b"hi\n", timeout=60))
    assert out == b"hi\n"


def test_run_interactive_20mb_stdin_is_counted_exactly(docker_proxy, container_name):
    data = os.urandom(20 * 1024 * 1024)
    out = ok(docker_proxy(["run", "-i", "--rm", "--name", container_name("wc"), "busybox", "wc", "-c"],
                          input=data, timeout=CLI_TIMEOUT))
    assert out.strip() == b"20971520"


def test_run_output_continues_after_stdin_eof(docker_proxy, container_name):
    t0 = time.monotonic()
    out = ok(docker_proxy(["run", "-i", "--rm", "--name", container_name("aftereof"), "busybox",
                           "sh", "-c", "cat >/dev/null; sleep 3; echo after-eof"],
                          input=b"", timeout=60))
    assert out == b"after-eof\n"
    assert time.monotonic() - t0 >= 3


def test_run_keeps_stdout_stderr_apart_and_returns_exit_code(docker_proxy, container_name):
    rc, out, err = docker_proxy(["run", "--rm", "--name", container_name("exit3"), "busybox",
                                 "sh", "-c", "echo out; echo err >&2; exit 3"])
    assert rc == 3, f"stdout {out!r} stderr {err!r}"
    assert out == b"out\n"
    assert b"err" in err


def test_exec_interactive_feeds_stdin_to_running_container(docker_proxy, running_container):
    out = ok(docker_proxy(["exec", "-i", running_container, "sort"], input=b"b\na\n", timeout=60))
    assert out == b"a\nb\n"


def test_logs_follow_gets_every_line_and_ends_with_container(docker_proxy, docker_direct,
                                                             container_name):
    name = container_name("logs")
    ok(docker_direct(["run", "-d", "--name", name, "busybox", "sh", "-c",
                      "for i in 1 2 3 4 5; do echo $i; sleep 1; done"]), "direct run -d")
    t0 = time.monotonic()
    out = ok(docker_proxy(["logs", "-f", name], timeout=60), "logs -f")
    assert out == b"1\n2\n3\n4\n5\n"
    assert time.monotonic() - t0 < 60
    state = ok(docker_direct(["inspect", "-f", "{{.State.Status}}", name])).strip()
    assert state == b"exited"


def test_events_streams_an_event_for_a_container_started_later(docker_proxy_argv, cli_env,
                                                               docker_direct, container_name):
    name = container_name("events")
    proc = subprocess.Popen(
        docker_proxy_argv(["events", "--format", "{{.Action}}", "--filter", f"container={name}"]),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env,
    )
    lines: "queue.Queue[bytes]" = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=reader, daemon=True).start()
    try:
        time.sleep(2)  # let the events subscription reach the daemon
        assert proc.poll() is None, f"docker events exited early: {proc.stderr.read()!r}"
        ok(docker_direct(["create", "--name", name, "busybox", "true"]), "direct create")
        ok(docker_direct(["start", name]), "direct start")
        try:
            line = lines.get(timeout=20)
        except queue.Empty:
            pytest.fail("no event line through the proxy within 20 s", pytrace=False)
        assert line.strip() in (b"create", b"start", b"attach", b"die"), line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_wait_prints_the_exit_code(docker_proxy, docker_direct, container_name):
    name = container_name("wait")
    ok(docker_direct(["run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 2; exit 7"]))
    out = ok(docker_proxy(["wait", name], timeout=60))
    assert out.strip() == b"7"


def test_cp_into_container_and_back_is_identical(docker_proxy, docker_direct, running_container,
                                                 tmp_path):
    data = os.urandom(300 * 1024) + b"known content\n"
    src = tmp_path / "payload.bin"
    src.write_bytes(data)
    ok(docker_proxy(["cp", str(src), f"{running_container}:/tmp/payload.bin"]), "cp in")
    # what actually landed in the container, read directly
    inside = ok(docker_direct(["exec", running_container, "md5sum", "/tmp/payload.bin"]))
    assert inside.split()[0].decode() == hashlib.md5(data).hexdigest()
    back = tmp_path / "back.bin"
    ok(docker_proxy(["cp", f"{running_container}:/tmp/payload.bin", str(back)]), "cp out")
    assert back.read_bytes() == data


def test_legacy_build_then_run_the_built_image(docker_proxy, container_name, image_cleanup,
                                               tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo built > /built\n")
    image_cleanup("dockgate-test-build:1")
    ok(docker_proxy(["build", "-t", "dockgate-test-build:1", str(ctx)],
                    env={"DOCKER_BUILDKIT": "0"}, timeout=CLI_TIMEOUT), "legacy build")
    out = ok(docker_proxy(["run", "--rm", "--name", container_name("built"),
                           "dockgate-test-build:1", "cat", "/built"]))
    assert out == b"built\n"


def test_save_and_load_round_trip(docker_proxy, docker_direct, image_cleanup, tmp_path):
    ref = "dockgate-test-saveload:1"
    image_cleanup(ref)
    ok(docker_direct(["tag", "busybox:latest", ref]), "tag")
    tar = tmp_path / "img.tar"
    ok(docker_proxy(["save", "-o", str(tar), ref]), "save")
    assert tar.stat().st_size > 500 * 1024
    ok(docker_proxy(["rmi", ref]), "rmi")
    rc, _, _ = docker_direct(["image", "inspect", ref])
    assert rc != 0, "image still there after rmi"
    out = ok(docker_proxy(["load", "-i", str(tar)]), "load")
    assert ref.encode() in out
    ok(docker_direct(["image", "inspect", ref]), "image inspect after load")


def test_stop_on_stopped_container_succeeds(docker_proxy, docker_direct, container_name):
    name = container_name("stopped")
    ok(docker_direct(["create", "--name", name, "busybox", "true"]))
    d = docker_direct(["stop", name])
    assert d[0] == 0, f"direct stop: {d}"
    rc, out, err = docker_proxy(["stop", name])
    assert rc == 0, f"stop through proxy (daemon answers 304): rc {rc} stderr {err!r}"
    assert out.strip() == name.encode()
