"""Many simultaneous docker runs through one dockgate, and no descriptor leak afterwards."""

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import open_fds, unique_name

N = 100
BURST_TIMEOUT = 240      # seconds for the whole burst
SETTLE_TIMEOUT = 30      # seconds for the fd count to come back


@pytest.fixture
def fresh_dockgate(dockgate_factory, request):
    """A dockgate of its own, so its fd baseline is not shaped by other tests."""
    dg = dockgate_factory()
    request.node._dockgate = dg
    yield dg
    alive = dg.alive()
    dg.stop()
    if not alive:
        pytest.fail(f"dockgate died during the test (exit {dg.proc.returncode})\n{dg.log_tail()}",
                    pytrace=False)


@pytest.fixture
def burst_names(docker_direct):
    names = [unique_name(f"conc{i}") for i in range(N)]
    yield names
    # --rm normally removes them; force-remove whatever is left (bounded).
    docker_direct(["rm", "-f", *names], timeout=120)


def test_100_concurrent_runs_succeed_and_fds_return_to_baseline(fresh_dockgate, pki, cli_env,
                                                                burst_names):
    from conftest import DOCKER_CLI, tls_cli_args

    args = tls_cli_args(pki.client("alice"), fresh_dockgate.port)
    # warm up once (lazy initialisation inside the proxy must not count as a leak)
    p = subprocess.run([DOCKER_CLI, *args, "version"], capture_output=True, timeout=60, env=cli_env)
    assert p.returncode == 0, p.stderr
    time.sleep(1)
    baseline = open_fds(fresh_dockgate.pid)

    deadline = time.monotonic() + BURST_TIMEOUT

    def one(i):
        remaining = max(1.0, deadline - time.monotonic())
        try:
            r = subprocess.run(
                [DOCKER_CLI, *args, "run", "--rm", "--name", burst_names[i], "busybox", "echo", str(i)],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=remaining, env=cli_env,
            )
            return i, r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            return i, "timeout", e.stdout or b"", e.stderr or b""

    peak = baseline
    with ThreadPoolExecutor(max_workers=N) as pool:
        futures = [pool.submit(one, i) for i in range(N)]
        while not all(f.done() for f in futures) and time.monotonic() < deadline + 5:
            try:
                peak = max(peak, open_fds(fresh_dockgate.pid))
            except FileNotFoundError:
                break
            time.sleep(0.2)
        results = [f.result() for f in futures]

    failures = [(i, rc, out, err[-300:]) for i, rc, out, err in results
                if rc != 0 or out != f"{i}\n".encode()]
    assert not failures, f"{len(failures)} of {N} runs failed; first ones: {failures[:5]}"
    assert fresh_dockgate.alive(), "dockgate died during the burst"

    settle_deadline = time.monotonic() + SETTLE_TIMEOUT
    now = open_fds(fresh_dockgate.pid)
    while now > baseline and time.monotonic() < settle_deadline:
        time.sleep(0.5)
        now = open_fds(fresh_dockgate.pid)
    assert now <= baseline, (
        f"dockgate fds: baseline {baseline}, peak {peak}, still {now} after {SETTLE_TIMEOUT}s")
