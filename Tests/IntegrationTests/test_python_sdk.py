"""docker-py (the Python docker SDK) through dockgate."""

import io
import os
import queue
import tarfile
import threading
import time

import pytest


def test_sdk_version_matches_direct(sdk_client, sdk_direct):
    v = sdk_client().version()
    d = sdk_direct.version()
    assert v["ApiVersion"] == d["ApiVersion"]
    assert v["Version"] == d["Version"]


def test_sdk_containers_run_returns_output(sdk_client, container_name):
    out = sdk_client().containers.run("busybox", "echo hi", remove=True, name=container_name("sdkrun"))
    assert out == b"hi\n"


def test_sdk_exec_run_demux_separates_stdout_and_stderr(sdk_client, running_container):
    c = sdk_client().containers.get(running_container)
    res = c.exec_run("sh -c 'echo out; echo err >&2'", demux=True)
    assert res.exit_code == 0
    assert res.output == (b"out\n", b"err\n")


def test_sdk_events_yields_event_for_container_started_afterwards(sdk_client, docker_direct,
                                                                  container_name):
    client = sdk_client()
    name = container_name("sdkevents")
    stream = client.events(decode=True, filters={"container": name},
                           until=int(time.time()) + 60)  # the daemon ends the stream by then
    got: "queue.Queue" = queue.Queue()

    def reader():
        try:
            for ev in stream:
                got.put(ev)
        except Exception as e:  # stream closed below
            got.put(e)

    threading.Thread(target=reader, daemon=True).start()
    try:
        time.sleep(1)
        rc, _, err = docker_direct(["run", "-d", "--name", name, "busybox", "true"])
        assert rc == 0, err
        try:
            ev = got.get(timeout=20)
        except queue.Empty:
            pytest.fail("no event through the proxy within 20 s", pytrace=False)
        assert isinstance(ev, dict), ev
        assert ev.get("Actor", {}).get("Attributes", {}).get("name") == name
    finally:
        stream.close()


def test_sdk_put_archive_get_archive_round_trip(sdk_client, running_container):
    c = sdk_client().containers.get(running_container)
    payload = os.urandom(64 * 1024) + b"sdk archive\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("sdk-file.bin")
        info.size = len(payload)
        info.mode = 0o644
        tf.addfile(info, io.BytesIO(payload))
    assert c.put_archive("/tmp", buf.getvalue()) is True
    bits, stat = c.get_archive("/tmp/sdk-file.bin")
    assert stat["name"] == "sdk-file.bin"
    assert stat["size"] == len(payload)
    data = b"".join(bits)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        assert tf.extractfile("sdk-file.bin").read() == payload
