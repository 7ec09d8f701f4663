#!/usr/bin/env python3
"""Writes a realistic dockgate audit trail (JSON lines, AuditJSON's key order) of about --size
bytes, spread evenly over --days days ending now: users running, exec'ing into, attaching to,
stopping and removing containers, listing and inspecting, pulling images, with a few percent
of denials, plus handshake failures and connection_close records.

One container, --target (default bench-target), gets a known chain in the middle of the trail
(create by alice, exec by developer, attach, logs, stop, rm) so who-ran has something to find.

    bench/audit/generate.py --size 1G --out /tmp/x/audit.log
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys

USERS = [  # cn, policy, fingerprint
    ("alice", "admin"), ("bob", "developer"), ("carol", "developer"), ("developer", "developer"),
    ("ci-runner", "ci"), ("deploy-bot", "deploy"), ("monitoring", "readonly"), ("dave", "developer"),
]
IMAGES = ["busybox", "busybox:1.36", "alpine:3.19", "nginx:1.25", "redis:7", "postgres:16",
          "registry.example.com/team/api:2024.11.3", "ghcr.io/example/worker:sha-7f3c2e1"]
COMMANDS = [["sleep", "3600"], ["sh", "-c", "while true; do date; sleep 5; done"], ["nginx", "-g", "daemon off;"],
            ["redis-server"], ["python3", "-m", "http.server", "8080"], ["/bin/worker", "--queue", "default"]]
EXEC_COMMANDS = [["sh"], ["ls", "-la", "/app"], ["cat", "/etc/os-release"], ["ps", "aux"], ["env"],
                 ["sh", "-c", "tail -n 100 /var/log/app.log"], ["redis-cli", "info"], ["psql", "-U", "app"]]
DENIALS = [  # action, method, path template, rule, reason, details
    ("container.create", "POST", "/containers/create", "host-escape/privileged",
     "privileged containers are not allowed for policy {policy}", {"privileged": True}),
    ("container.create", "POST", "/containers/create", "images/not-allowed",
     "image {image} is not in the policy's image list", {}),
    ("container.create", "POST", "/containers/create", "host-escape/bind-mount",
     "bind mount of /var/run/docker.sock is outside the allowed roots", {"binds": ["/var/run/docker.sock:/var/run/docker.sock"]}),
    ("exec.create", "POST", "/containers/{c}/exec", "exec/foreign-container",
     "exec into a container created by another user", {}),
    ("container.delete", "DELETE", "/containers/{c}", "endpoints/containers-read",
     "policy {policy} grants containers: read", {}),
    ("system.prune", "POST", "/system/prune", "endpoints/system-read", "policy {policy} grants system: read", {}),
    ("volume.create", "POST", "/volumes/create", "endpoints/volumes-none", "policy {policy} grants no access to volumes", {}),
]


def rfc3339(micros: int) -> str:
    t = dt.datetime.fromtimestamp(micros // 1_000_000, dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros % 1_000_000:06d}Z"


class Trail:
    def __init__(self, out, rng: random.Random):
        self.out = out
        self.rng = rng
        self.conn = 1000
        self.written = 0
        self.identity = {cn: (f"{rng.getrandbits(64):X}", f"{rng.getrandbits(256):064x}") for cn, _ in USERS}

    def emit(self, **fields):
        line = json.dumps(fields, separators=(",", ":"), ensure_ascii=False) + "\n"
        data = line.encode()
        self.out.write(data)
        self.written += len(data)

    def base(self, kind, t, conn, seq, port, cn, policy, method=None, path=None, group=None, action=None):
        serial, fingerprint = self.identity[cn]
        rec = {"time": rfc3339(t), "kind": kind, "conn": conn}
        if seq is not None:
            rec["seq"] = seq
        rec.update({"client": "10.0.3.17", "port": port, "cn": cn, "serial": serial, "fingerprint": fingerprint,
                    "policy": policy})
        if method:
            rec.update({"method": method, "path": path, "api_version": "1.44", "group": group, "action": action})
        return rec

    def exchange(self, t, conn, seq, port, cn, policy, method, path, group, action, details, status=200,
                 deny=None, session=False, bytes_out=None, duration=None):
        """request (+ response, + session records); returns the time after it."""
        req = self.base("request", t, conn, seq, port, cn, policy, method, path, group, action)
        if deny:
            rule, reason = deny
            req.update({"decision": "deny", "rule": rule, "reason": reason, "status": 403})
            if details:
                req["details"] = details
            self.emit(**req)
            return t + 300
        req.update({"decision": "allow", "rule": f"{policy}/{group}"})
        if details:
            req["details"] = details
        self.emit(**req)
        duration = duration or self.rng.randint(400, 40_000)
        if session:
            op = self.base("session_open", t + 900, conn, seq, port, cn, policy, method, path, group, action)
            if details:
                op["details"] = details
            self.emit(**op)
        end = t + duration
        resp = self.base("session_close" if session else "response", end, conn, seq, port, cn, policy, method, path,
                         group, action)
        resp.update({"status": 101 if session else status, "bytes_in": self.rng.randint(0, 4000) if session else 0,
                     "bytes_out": bytes_out if bytes_out is not None else self.rng.randint(80, 30_000),
                     "duration_us": duration})
        if details:
            resp["details"] = details
        self.emit(**resp)
        return end + 200

    def connection(self, t, cn, policy, requests):
        """One client connection: a list of callables (t, conn, seq, port) -> t."""
        self.conn += 1
        conn, port = self.conn, self.rng.randint(32768, 60999)
        for seq, request in enumerate(requests, start=1):
            t = request(t, conn, seq, port)
        close = self.base("connection_close", t + 100, conn, None, port, cn, policy)
        close["details"] = {"requests": len(requests)}
        self.emit(**close)
        return t


def container_id(rng):
    return f"{rng.getrandbits(256):064x}"


def session_of(trail: Trail, rng, t, cn, policy, live):
    """A burst of CLI activity by one user; returns its requests' end time."""
    choice = rng.random()
    reqs = []
    ping = lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "HEAD", "/_ping", "system", "ping", None)
    if choice < 0.30:  # docker ps / inspect / logs --tail
        reqs.append(ping)
        reqs.append(lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "GET", "/v1.44/containers/json",
                                                      "containers", "container.list", None, bytes_out=rng.randint(500, 20000)))
        if live:
            cid, name = rng.choice(live)
            reqs.append(lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "GET", f"/v1.44/containers/{name}/json",
                                                          "containers", "container.inspect", {"container": name}))
            if rng.random() < 0.4:
                reqs.append(lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "GET", f"/v1.44/containers/{name}/logs",
                                                              "containers", "container.logs", {"container": name},
                                                              bytes_out=rng.randint(1000, 200000)))
    elif choice < 0.50:  # docker run -d
        name = f"{cn}-{rng.choice(['api', 'web', 'job', 'db', 'tmp'])}-{rng.getrandbits(24):06x}"
        cid = container_id(rng)
        image, cmd = rng.choice(IMAGES), rng.choice(COMMANDS)
        details = {"name": name, "image": image, "cmd": cmd, "tty": False}
        def create(t, c, s, p):
            req = trail.base("request", t, c, s, p, cn, policy, "POST", f"/v1.44/containers/create", "containers", "container.create")
            req.update({"decision": "allow", "rule": f"{policy}/containers", "details": details})
            trail.emit(**req)
            resp = trail.base("response", t + 30_000, c, s, p, cn, policy, "POST", "/v1.44/containers/create", "containers", "container.create")
            resp.update({"status": 201, "bytes_in": 1800, "bytes_out": 88, "duration_us": 30_000,
                         "details": dict(details, container_id=cid)})
            trail.emit(**resp)
            return t + 30_200
        reqs += [ping, create,
                 lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "POST", f"/v1.44/containers/{cid}/start",
                                                   "containers", "container.start", {"container": cid}, status=204, bytes_out=0)]
        live.append((cid, name))
    elif choice < 0.65 and live:  # docker exec
        cid, name = rng.choice(live)
        cmd = rng.choice(EXEC_COMMANDS)
        exec_id = container_id(rng)
        def ecreate(t, c, s, p):
            d = {"container": name, "cmd": cmd, "tty": True}
            req = trail.base("request", t, c, s, p, cn, policy, "POST", f"/v1.44/containers/{name}/exec", "exec", "exec.create")
            req.update({"decision": "allow", "rule": f"{policy}/exec", "details": d})
            trail.emit(**req)
            resp = trail.base("response", t + 2000, c, s, p, cn, policy, "POST", f"/v1.44/containers/{name}/exec", "exec", "exec.create")
            resp.update({"status": 201, "bytes_in": 200, "bytes_out": 74, "duration_us": 2000, "details": dict(d, exec_id=exec_id)})
            trail.emit(**resp)
            return t + 2200
        reqs += [ping, ecreate,
                 lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "POST", f"/v1.44/exec/{exec_id}/start", "exec",
                                                   "exec.start", {"exec_id": exec_id}, session=True,
                                                   duration=rng.randint(200_000, 600_000_000))]
    elif choice < 0.72 and live:  # docker stop + rm
        cid, name = live.pop(rng.randrange(len(live)))
        ref = rng.choice([name, cid[:12], cid])
        reqs += [ping,
                 lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "POST", f"/v1.44/containers/{ref}/stop",
                                                   "containers", "container.stop", {"container": ref}, status=204,
                                                   bytes_out=0, duration=rng.randint(100_000, 10_000_000)),
                 lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "DELETE", f"/v1.44/containers/{ref}",
                                                   "containers", "container.delete", {"container": ref}, status=204, bytes_out=0)]
    elif choice < 0.78:  # image pull
        image = rng.choice(IMAGES)
        reqs += [ping, lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "POST", f"/v1.44/images/create?fromImage={image}",
                                                         "images", "image.pull", {"image": image, "tag": "latest"},
                                                         bytes_out=rng.randint(1000, 90000), duration=rng.randint(1_000_000, 30_000_000))]
    elif choice < 0.82:  # a denial
        action, method, path, rule, reason, extra = rng.choice(DENIALS)
        target = rng.choice(live)[1] if live else "somebody-else"
        image = rng.choice(IMAGES)
        details = dict(extra)
        if action == "container.create":
            details = {"name": f"{cn}-try-{rng.getrandbits(16):04x}", "image": image, **details}
        elif "{c}" in path:
            details = {"container": target}
        group = action.split(".")[0] + ("s" if action.split(".")[0] in ("container", "volume") else "")
        reqs += [ping, lambda t, c, s, p: trail.exchange(
            t, c, s, p, cn, policy, method, "/v1.44" + path.replace("{c}", target), group, action, details,
            deny=(rule, reason.format(policy=policy, image=image)))]
    else:  # version / info / events
        reqs += [ping,
                 lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "GET", "/v1.44/version", "system", "system.version", None),
                 lambda t, c, s, p: trail.exchange(t, c, s, p, cn, policy, "GET", "/v1.44/info", "system", "system.info", None,
                                                   bytes_out=rng.randint(2000, 6000))]
    return trail.connection(t, cn, policy, reqs)


def target_chain(trail: Trail, rng, t, target):
    """The known history who-ran must reconstruct."""
    cid = "b3c4" + f"{rng.getrandbits(240):060x}"
    exec_id = container_id(rng)
    details = {"name": target, "image": "busybox", "cmd": ["sleep", "86400"], "tty": False}

    def create(t, c, s, p):
        req = trail.base("request", t, c, s, p, "alice", "admin", "POST", "/v1.44/containers/create", "containers", "container.create")
        req.update({"decision": "allow", "rule": "admin/containers", "details": details})
        trail.emit(**req)
        resp = trail.base("response", t + 30_000, c, s, p, "alice", "admin", "POST", "/v1.44/containers/create", "containers", "container.create")
        resp.update({"status": 201, "bytes_in": 1800, "bytes_out": 88, "duration_us": 30_000, "details": dict(details, container_id=cid)})
        trail.emit(**resp)
        return t + 30_200

    t = trail.connection(t, "alice", "admin", [create, lambda t, c, s, p: trail.exchange(
        t, c, s, p, "alice", "admin", "POST", f"/v1.44/containers/{cid}/start", "containers", "container.start", {"container": cid}, status=204)])

    def ecreate(t, c, s, p):
        d = {"container": target, "cmd": ["sh", "-c", "cat /etc/hostname"], "user": "root"}
        req = trail.base("request", t, c, s, p, "developer", "developer", "POST", f"/v1.44/containers/{target}/exec", "exec", "exec.create")
        req.update({"decision": "allow", "rule": "developer/exec", "details": d})
        trail.emit(**req)
        resp = trail.base("response", t + 2000, c, s, p, "developer", "developer", "POST", f"/v1.44/containers/{target}/exec", "exec", "exec.create")
        resp.update({"status": 201, "bytes_in": 200, "bytes_out": 74, "duration_us": 2000, "details": dict(d, exec_id=exec_id)})
        trail.emit(**resp)
        return t + 2200

    t = trail.connection(t + 60_000_000, "developer", "developer", [ecreate, lambda t, c, s, p: trail.exchange(
        t, c, s, p, "developer", "developer", "POST", f"/v1.44/exec/{exec_id}/start", "exec", "exec.start", {"exec_id": exec_id}, session=True)])
    t = trail.connection(t + 60_000_000, "developer", "developer", [lambda t, c, s, p: trail.exchange(
        t, c, s, p, "developer", "developer", "POST", f"/v1.44/containers/{cid[:12]}/attach?stream=1&stdout=1", "containers",
        "container.attach", {"container": cid[:12]}, session=True)])
    t = trail.connection(t + 60_000_000, "bob", "developer", [lambda t, c, s, p: trail.exchange(
        t, c, s, p, "bob", "developer", "DELETE", f"/v1.44/containers/{target}", "containers", "container.delete",
        {"container": target}, deny=("endpoints/containers-write", "bob may not remove containers of alice"))])
    t = trail.connection(t + 60_000_000, "alice", "admin", [
        lambda t, c, s, p: trail.exchange(t, c, s, p, "alice", "admin", "POST", f"/v1.44/containers/{target}/stop", "containers",
                                          "container.stop", {"container": target}, status=204),
        lambda t, c, s, p: trail.exchange(t, c, s, p, "alice", "admin", "DELETE", f"/v1.44/containers/{target}", "containers",
                                          "container.delete", {"container": target}, status=204)])
    return cid


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1G")
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--target", default="bench-target")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    size = parse_size(args.size)
    rng = random.Random(args.seed)
    end = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1_000_000)
    start = end - int(args.days * 86_400 * 1_000_000)
    with open(args.out, "wb", buffering=1 << 20) as out:
        trail = Trail(out, rng)
        live = []
        # Average bytes per session measured on the fly sets the spacing, so the trail spans the days.
        t, sessions, target_done, cid = start, 0, False, None
        step = max(1, int((end - start) / (size / 3000)))
        while trail.written < size:
            cn, policy = rng.choice(USERS)
            session_of(trail, rng, t, cn, policy, live)
            sessions += 1
            if len(live) > 400:
                live.pop(0)
            if not target_done and trail.written >= size // 2:
                cid = target_chain(trail, rng, t, args.target)
                target_done = True
            if sessions % 1000 == 0:
                per_session = trail.written / sessions
                step = max(1, int((end - start) / (size / per_session)))
            t += rng.randint(step // 2, step * 3 // 2)
        json.dump({"bytes": trail.written, "sessions": sessions, "target": args.target, "target_id": cid,
                   "first": rfc3339(start), "last": rfc3339(t)}, sys.stdout)
        print()


if __name__ == "__main__":
    main()
