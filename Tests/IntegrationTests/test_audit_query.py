"""`dockgate audit` (issue 11 item 3) on a trail written by real docker CLI sessions: the real
dockgate binary in front of the private dockerd, then `dockgate audit who-ran / search / denials`
run on the audit file it wrote, in text and --json.

Users (the policies of test_audit.py):
  alice      policy admin      (endpoints: all, privileged: true)
  developer  policy developer  (containers/exec/images write; no privileged)

Tests:
  test_who_ran_reconstructs_a_cli_session   run -d, exec, logs, stop, rm by alice and developer;
                                            who-ran by name, full id and id prefix; search;
                                            denials; a rotated, gzip'd copy reads the same
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import uuid

from conftest import CLIENT_ALICE, CLIENT_DEVELOPER, DOCKER_CLI, _clean_env, tls_cli_args
from test_audit import audit_config, cli, complete_records, read_audit, wait_for


def audit(dockgate_bin, *args, timeout=60):
    """Runs `dockgate audit ARGS`; returns (rc, stdout text, stderr text)."""
    p = subprocess.run([dockgate_bin, "audit", *args], capture_output=True, timeout=timeout, env=_clean_env())
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def rows(text: str, action: str) -> list[str]:
    """The table rows (who-ran text) whose ACTION column is `action`."""
    return [line for line in text.splitlines() if f"  {action}  " in line]


def test_who_ran_reconstructs_a_cli_session(dockgate_factory, dockgate_bin, request, pki, tmp_path,
                                            docker_direct, docker_config_dir, container_name):
    audit_file = tmp_path / "audit.log"
    dg = dockgate_factory(body=audit_config(file=str(audit_file), stdout=False))
    request.node._dockgate = dg
    marker = f"marker-{uuid.uuid4().hex[:10]}"
    name = container_name("who")

    def docker(args, client, input=None):
        rc, out, err = cli(dg, pki, docker_config_dir, args, client=client, input=input)
        assert rc == 0, (args, client, out, err)
        return out

    # -- the session: alice runs it, developer execs into it, alice reads its logs and attaches, developer
    # stops it, alice removes it by id prefix; developer is denied a privileged run on the way.
    docker(["run", "-d", "--name", name, "busybox", "sh", "-c", f"echo started-{marker}; sleep 300"], CLIENT_ALICE)
    rc, cid, err = docker_direct(["container", "inspect", "--format", "{{.Id}}", name])
    assert rc == 0, err
    cid = cid.decode().strip()
    out = docker(["exec", name, "sh", "-c", f"echo {marker}"], CLIENT_DEVELOPER)
    assert marker.encode() in out
    out = docker(["logs", name], CLIENT_ALICE)
    assert f"started-{marker}".encode() in out
    # alice attaches for a moment: the CLI stays attached until it is stopped, once the session
    # is open (its session_open record is the signal, not a sleep).
    attach = subprocess.Popen(
        [DOCKER_CLI, *tls_cli_args(pki.client(CLIENT_ALICE), dg.port), "attach", "--no-stdin", "--sig-proxy=false", name],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=_clean_env({"DOCKER_CONFIG": docker_config_dir}))
    try:
        assert wait_for(lambda: any(r["kind"] == "session_open" and r.get("action") == "container.attach"
                                    for r in complete_records(audit_file)), 30), "the attach session did not open"
    finally:
        attach.kill()  # the attached CLI ignores SIGTERM; its connection closes either way
        attach.wait(timeout=30)
    rc, out, err = cli(dg, pki, docker_config_dir, ["run", "--privileged", "--name", container_name("priv"), "busybox", "true"],
                       client=CLIENT_DEVELOPER)
    assert rc != 0 and b"dockgate:" in err, (out, err)
    docker(["stop", "-t", "1", name], CLIENT_DEVELOPER)
    docker(["rm", cid[:12]], CLIENT_ALICE)

    def settled():
        recs = complete_records(audit_file)  # polling: a line may be half written
        conns = {r["conn"] for r in recs if r["kind"] == "request"}
        closed = {r["conn"] for r in recs if r["kind"] == "connection_close"}
        return recs if conns and conns <= closed else None

    assert wait_for(settled, 20), "connections did not all close"

    # ---- who-ran by name, as text
    rc, text, err = audit(dockgate_bin, "who-ran", "--container", name, "--from", str(audit_file))
    assert rc == 0, err
    assert err == "", err
    assert text.splitlines()[0] == f"container {name}: id {cid}", text
    create = rows(text, "container.create")
    assert len(create) == 1 and " alice " in create[0] and "allow 201" in create[0], text
    assert f"name={name}" in create[0] and "image=busybox" in create[0], create
    assert f"cmd=\"sh -c 'echo started-{marker}; sleep 300'\"" in create[0], create
    assert len(rows(text, "container.start")) == 1 and " alice " in rows(text, "container.start")[0], text
    ecreate = rows(text, "exec.create")
    assert len(ecreate) == 1 and " developer " in ecreate[0] and f"cmd=\"sh -c 'echo {marker}'\"" in ecreate[0], text
    estart = rows(text, "exec.start")
    assert len(estart) == 1 and " developer " in estart[0] and f"echo {marker}" in estart[0], text
    assert " out=" in estart[0], estart
    assert len(rows(text, "container.logs")) == 1 and " alice " in rows(text, "container.logs")[0], text
    attached = rows(text, "container.attach")
    assert len(attached) == 1 and " alice " in attached[0] and "allow 101" in attached[0], text
    assert len(rows(text, "container.stop")) == 1 and " developer " in rows(text, "container.stop")[0], text
    assert len(rows(text, "container.delete")) == 1 and " alice " in rows(text, "container.delete")[0], text
    order = [a for a in ("container.create", "container.start", "exec.create", "exec.start", "container.logs",
                         "container.attach", "container.stop", "container.delete") if rows(text, a)]
    positions = [text.index(rows(text, a)[0]) for a in order]
    assert positions == sorted(positions), text

    # ---- who-ran --json, by full id and by id prefix: the same chain, with the links made
    documents = []
    for query in (cid, cid[:10], name):
        rc, out, err = audit(dockgate_bin, "who-ran", "--container", query, "--from", str(audit_file), "--json")
        assert rc == 0, err
        documents.append(json.loads(out))
    by_id, by_prefix, by_name = documents
    assert by_id["containers"] == [{"id": cid, "name": name}], by_id
    actions = [e["action"] for e in by_name["events"]]
    assert [e["action"] for e in by_id["events"]] == actions == [e["action"] for e in by_prefix["events"]]
    assert actions == ["container.create", "container.start", "exec.create", "exec.start", "container.logs",
                       "container.attach", "container.stop", "container.delete"], actions
    events = {e["action"]: e for e in by_id["events"]}
    assert events["container.create"]["user"] == "alice" and events["container.create"]["image"] == "busybox"
    assert events["container.create"]["container_id"] == cid and events["container.create"]["status"] == 201
    assert events["exec.create"]["user"] == "developer" and events["exec.create"]["cmd"] == ["sh", "-c", f"echo {marker}"]
    exec_id = events["exec.create"]["exec_id"]
    assert len(exec_id) == 64 and events["exec.start"]["exec_id"] == exec_id
    assert events["exec.start"]["cmd"] == ["sh", "-c", f"echo {marker}"]
    assert events["exec.start"]["bytes_out"] >= len(marker) and events["exec.start"]["duration_us"] > 0
    assert events["container.logs"]["bytes_out"] >= len(marker)
    assert events["container.stop"]["user"] == "developer"
    assert events["container.delete"]["user"] == "alice" and events["container.delete"]["reference"] == cid[:12]
    assert all(e["container_id"] == cid for e in by_id["events"]), by_id

    # ---- search: developer's execs; the raw lines with --json
    rc, out, err = audit(dockgate_bin, "search", "--user", "developer", "--action", "exec.*", "--since", "1h",
                         "--from", str(audit_file), "--json")
    assert rc == 0, err
    found = [json.loads(line) for line in out.splitlines()]
    assert [r["action"] for r in found] == ["exec.create", "exec.start", "exec.inspect"], found
    assert all(r["kind"] == "request" and r["cn"] == "developer" for r in found)
    rc, out, err = audit(dockgate_bin, "search", "--container", name, "--decision", "allow", "--from", str(audit_file))
    assert rc == 0, err
    assert out.splitlines()[0].split() == ["TIME", "KIND", "USER", "ACTION", "RESULT", "REQUEST", "DETAILS"]
    assert any("container.create" in line and "alice" in line for line in out.splitlines()), out
    rc, out, err = audit(dockgate_bin, "search", "--since", "2030-01-01T00:00:00Z", "--from", str(audit_file), "--json")
    assert rc == 0 and out == "", (out, err)

    # ---- denials: developer's privileged run, grouped under its rule
    rc, out, err = audit(dockgate_bin, "denials", "--since", "1d", "--from", str(audit_file), "--json")
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["total"] == 1, summary
    group = summary["groups"][0]
    assert group["user"] == "developer" and group["rule"].startswith("host-escape/privileged"), group
    assert group["count"] == 1 and group["reason"] and group["action"] == "container.create", group
    rc, out, err = audit(dockgate_bin, "denials", "--since", "1d", "--from", str(audit_file))
    assert rc == 0, err
    assert "developer" in out and "host-escape/privileged" in out and out.endswith("1 denied request in 1 group\n"), out

    # ---- the same trail rotated (logrotate: .1 plain, .2.gz), with a malformed line: same answer,
    # the malformed line reported on stderr
    rotated = tmp_path / "rotated"
    rotated.mkdir()
    lines = audit_file.read_bytes().splitlines(keepends=True)
    third = len(lines) // 3
    with gzip.open(rotated / "audit.log.2.gz", "wb") as f:
        f.writelines(lines[:third])
    (rotated / "audit.log.1").write_bytes(b"".join(lines[third:2 * third]) + b"{not json\n")
    (rotated / "audit.log").write_bytes(b"".join(lines[2 * third:]))
    rc, out, err = audit(dockgate_bin, "who-ran", "--container", name, "--from", str(rotated / "audit.log"), "--json")
    assert rc == 0, err
    assert [e["action"] for e in json.loads(out)["events"]] == actions
    assert "skipped 1 malformed line" in err and "audit.log.1:" in err, err

    # ---- a missing trail is an error, not an empty answer
    rc, out, err = audit(dockgate_bin, "denials", "--from", str(tmp_path / "nope.log"))
    assert rc != 0 and "nope.log" in err, (rc, out, err)
    shutil.rmtree(rotated)
