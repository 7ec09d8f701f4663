#!/usr/bin/env python3
"""dockgate benchmark orchestrator (called by bench/run.sh, which installs and builds first).

Starts a private dockerd (with its own --tlsverify TCP listener), a second one with an RSA key for
the RSA handshake row, the fast unix-socket upstream, and every contender on its own loopback
port; runs each measurement interleaved across contenders (rotation per repeat), takes medians,
stops everything it started (by PID), prints the table and writes bench/results/RESULTS.md and
bench/results/results.json.

Configuration by environment (defaults = full run, ~15 min on 2 cores; --quick = smoke run):
  BENCH_REPEATS (3)            repeats of every measurement (medians reported)
  BENCH_KA_SECS (2)            seconds per keep-alive run (after BENCH_WARMUP, 0.5)
  BENCH_CONCS (1,16,64)        keep-alive concurrencies
  BENCH_HS_SECS (2)            seconds per handshake run; BENCH_HS_THREADS (8)
  BENCH_STREAM_MB (500)        body streamed from the fast upstream
  BENCH_LOGS_MB (100)          size of the `docker logs` body
  BENCH_EXEC_MB (100)          bytes pushed through `exec -i cat` (and read back)
  BENCH_IDLE (1000,10000)      idle-connection counts for the memory test
  BENCH_PORT_BASE (24400)      first loopback port used
  BENCH_WORKDIR                scratch folder (default: a new /tmp/dgbench.XXXX)
  BENCH_CONTENDERS             comma list to restrict (direct,dockgate,haproxy,nginx,stunnel,dockerd-tls)
"""
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
QUICK = "--quick" in sys.argv


def env(name, full, quick):
    return os.environ.get(name, quick if QUICK else full)


REPEATS = int(env("BENCH_REPEATS", "3", "1"))
KA_SECS = float(env("BENCH_KA_SECS", "2", "1"))
WARMUP = float(env("BENCH_WARMUP", "0.5", "0.3"))
CONCS = [int(x) for x in env("BENCH_CONCS", "1,16,64", "16").split(",")]
HS_SECS = float(env("BENCH_HS_SECS", "2", "1"))
HS_THREADS = int(env("BENCH_HS_THREADS", "8", "8"))
STREAM_MB = float(env("BENCH_STREAM_MB", "500", "100"))
LOGS_MB = float(env("BENCH_LOGS_MB", "100", "20"))
EXEC_MB = float(env("BENCH_EXEC_MB", "100", "20"))
IDLE = [int(x) for x in env("BENCH_IDLE", "1000,10000", "200").split(",")]
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "24400"))
FD_LIMIT = 1024  # set in main() to the hard limit we could get
TESTS = [w for w in os.environ.get("BENCH_TESTS", "").split(",") if w]
ONLY = [c for c in os.environ.get("BENCH_CONTENDERS", "").split(",") if c]

DOCKGATE_BIN = os.environ.get("DOCKGATE_BIN", "")
LOADGEN = os.environ.get("LOADGEN", "")
FAST_UPSTREAM = os.environ.get("FAST_UPSTREAM", "")
PRIVATE_DOCKERD = ROOT / "Tests/Scripts/private-dockerd.sh"

PROXIES = ["dockgate", "haproxy", "nginx", "stunnel"]
ALL = ["direct", "dockgate", "haproxy", "nginx", "stunnel", "dockerd-tls"]
BASELINES = ["direct", "dockerd-tls", "haproxy", "nginx", "stunnel"]


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def run(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


# --------------------------------------------------------------------------- processes
class Procs:
    """Everything we started, stopped by PID in reverse order."""

    def __init__(self):
        self.items = []  # (name, Popen)

    def start(self, name, argv, logfile, **kw):
        f = open(logfile, "ab")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True, **kw)
        f.close()
        self.items.append((name, p))
        log(f"started {name} pid {p.pid}")
        return p

    def stop_all(self):
        for name, p in reversed(self.items):
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 10
        for name, p in reversed(self.items):
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log(f"{name} pid {p.pid} ignored SIGTERM, killing it")
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        self.items.clear()


def children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                ppid = int(st[st.rindex(")") + 2:].split()[1])
                if ppid == pid:
                    out.append(int(d))
            except (OSError, ValueError):
                pass
    return out


def tree(pid):
    pids = [pid]
    for c in children_of(pid):
        pids += tree(c)
    return pids


def rss_kib(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_port(port, proc=None, deadline_s=30):
    end = time.time() + deadline_s
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {deadline_s}s")


def wait_unix(path, deadline_s=10):
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {path}")


# --------------------------------------------------------------------------- PKI
def make_pki(d: Path):
    d.mkdir(parents=True, exist_ok=True)

    def ossl(*a):
        run(["openssl", *a], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", d / "ca-key.pem", "-out", d / "ca.pem", "-days", "30", "-subj", "/CN=dockgate bench CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(name, newkey, subj, ext):
        ossl("req", "-newkey", *newkey, "-nodes", "-keyout", d / f"{name}-key.pem", "-out", d / f"{name}.csr",
             "-subj", subj)
        (d / f"{name}.ext").write_text(ext)
        ossl("x509", "-req", "-in", d / f"{name}.csr", "-CA", d / "ca.pem", "-CAkey", d / "ca-key.pem",
             "-CAcreateserial", "-out", d / f"{name}.pem", "-days", "30", "-extfile", d / f"{name}.ext")
        # haproxy wants certificate and key in one file
        (d / f"{name}-bundle.pem").write_text((d / f"{name}.pem").read_text() + (d / f"{name}-key.pem").read_text())

    server_ext = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                  "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    leaf("server-ec", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "/CN=localhost", server_ext)
    leaf("server-rsa", ["rsa:2048"], "/CN=localhost", server_ext)
    leaf("client", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "/CN=bench",
         "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n")
    for p in d.glob("*key*.pem"):
        p.chmod(0o600)


# --------------------------------------------------------------------------- contenders
class Bench:
    def __init__(self, work: Path):
        self.work = work
        self.pki = work / "pki"
        self.procs = Procs()
        self.dockerd_states = []
        self.ports = {}
        self.next_port = PORT_BASE
        self.endpoints = {}  # contender -> kind -> target string
        self.pids = {}  # contender -> kind -> callable returning pid list
        self.containers = []
        self.audit_files = []

    def port(self, name):
        while True:
            p = self.next_port
            self.next_port += 1
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    continue
            self.ports[name] = p
            return p

    def tls(self, port):
        return f"tls:127.0.0.1:{port}"

    # -- dockerd
    def start_dockerd(self, name, key):
        state = self.work / name
        port = self.port(name)
        extra = (f"--host tcp://127.0.0.1:{port} --tlsverify --tlscacert {self.pki}/ca.pem "
                 f"--tlscert {self.pki}/server-{key}.pem --tlskey {self.pki}/server-{key}-key.pem")
        e = dict(os.environ, PATH=f"{BENCH}/shim:{os.environ['PATH']}", BENCH_DOCKERD_EXTRA_ARGS=extra,
                 BENCH_REAL_DOCKERD=shutil.which("dockerd"))
        self.dockerd_states.append(state)
        log(f"starting private dockerd {name} (state {state}, TLS on {port})")
        run([str(PRIVATE_DOCKERD), "start", str(state)], env=e)
        wait_port(port)
        pid = int((state / "dockerd.pid").read_text())
        return state / "docker.sock", port, pid

    def docker(self, *args, **kw):
        e = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        e["DOCKER_CONFIG"] = str(self.work / "docker-a" / "client-config")
        return subprocess.run(["docker", "-H", f"unix://{self.docker_sock}", *args], env=e, check=True,
                              capture_output=True, text=True, timeout=300, **kw).stdout.strip()

    def setup(self):
        make_pki(self.pki)
        # fast upstream
        self.fast_sock = str(self.work / "fast.sock")
        fu = self.procs.start("fast-upstream", [FAST_UPSTREAM, self.fast_sock], self.work / "fast-upstream.log")
        wait_unix(self.fast_sock)
        self.fast_pid = fu.pid
        # dockerd (ECDSA TLS listener) and a second one for the RSA handshake row
        self.docker_sock, dport, self.dockerd_pid = self.start_dockerd("docker-a", "ec")
        need_rsa = not ONLY or "dockerd-tls" in ONLY
        if need_rsa:
            _, dport_rsa, self.dockerd2_pid = self.start_dockerd("docker-b", "rsa")
        self.endpoints["direct"] = {"fast": f"unix:{self.fast_sock}", "docker": f"unix:{self.docker_sock}"}
        self.pids["direct"] = {"fast": lambda: [self.fast_pid], "docker": lambda: [self.dockerd_pid]}
        self.endpoints["dockerd-tls"] = {"docker": self.tls(dport)}
        self.pids["dockerd-tls"] = {"docker": lambda: [self.dockerd_pid]}
        if need_rsa:
            self.endpoints["dockerd-tls"]["docker-rsa"] = self.tls(dport_rsa)
            self.pids["dockerd-tls"]["docker-rsa"] = lambda: [self.dockerd2_pid]
        # containers for `logs` and `exec -i cat`
        n_lines = max(1, int(LOGS_MB * 1e6 / 1024))
        for c in ("bench-logs", "bench-cat"):
            try:
                self.docker("rm", "-f", c)
            except subprocess.CalledProcessError:
                pass
        self.logs_id = self.docker("run", "-d", "--name", "bench-logs", "busybox", "sh", "-c",
                                   f"yes $(head -c 1023 /dev/zero | tr '\\0' x) | head -n {n_lines}")
        self.cat_id = self.docker("run", "-d", "--name", "bench-cat", "busybox", "sleep", "36000")
        self.docker("wait", "bench-logs")
        self.containers = ["bench-logs", "bench-cat"]
        self.start_dockgate()
        self.start_haproxy()
        self.start_nginx()
        self.start_stunnel()

    def upstream(self, kind):
        return self.fast_sock if kind.startswith("fast") else str(self.docker_sock)

    def key(self, kind):
        return "rsa" if kind.endswith("rsa") else "ec"

    KINDS = ["fast", "docker", "fast-rsa"]

    # -- dockgate: one process per (upstream, key)
    def start_dockgate(self):
        self.endpoints["dockgate"], self.pids["dockgate"] = {}, {}
        for kind in self.KINDS:
            port = self.port(f"dockgate-{kind}")
            d = self.work / f"dockgate-{kind}"
            d.mkdir()
            audit = d / "audit.log"
            self.audit_files.append(audit)
            k = self.key(kind)
            cfg = d / "dockgate.yaml"
            cfg.write_text(f"""listen:
  - "tcp://127.0.0.1:{port}"
upstream: "unix://{self.upstream(kind)}"
tls:
  certificate: "{self.pki}/server-{k}.pem"
  key: "{self.pki}/server-{k}-key.pem"
  client_ca: "{self.pki}/ca.pem"
audit:
  file: "{audit}"
  stdout: false
  journald: false
  on_failure: fail-closed
timeouts:
  idle: 600s
policies:
  admin:
    endpoints: all
    privileged: true
users:
  - cn: bench
    policy: admin
""")
            p = self.procs.start(f"dockgate-{kind}", [DOCKGATE_BIN, "serve", "--config", str(cfg)], d / "dockgate.log",
                                 cwd=d)
            wait_port(port, p)
            self.endpoints["dockgate"][kind] = self.tls(port)
            self.pids["dockgate"][kind] = (lambda pid=p.pid: [pid])

    def start_haproxy(self):
        d = self.work / "haproxy"
        d.mkdir()
        fes = []
        ports = {}
        for kind in self.KINDS:
            ports[kind] = self.port(f"haproxy-{kind}")
            fes.append(f"""
frontend fe_{kind.replace('-', '_')}
    bind 127.0.0.1:{ports[kind]} ssl crt {self.pki}/server-{self.key(kind)}-bundle.pem ca-file {self.pki}/ca.pem verify required
    default_backend be_{kind.replace('-', '_')}
backend be_{kind.replace('-', '_')}
    server s1 {self.upstream(kind)}
""")
        cfg = d / "haproxy.cfg"
        cfg.write_text(f"""global
    maxconn {max(1000, (FD_LIMIT - 100) // 2)}
    ulimit-n {FD_LIMIT}
    nbthread {os.cpu_count()}
defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 600s
    timeout server 600s
    timeout tunnel 1h
    timeout http-keep-alive 600s
    timeout http-request 60s
""" + "".join(fes))
        run(["haproxy", "-c", "-q", "-f", str(cfg)])
        p = self.procs.start("haproxy", ["haproxy", "-db", "-f", str(cfg)], d / "haproxy.log")
        for kind in self.KINDS:
            wait_port(ports[kind], p)
        self.endpoints["haproxy"] = {k: self.tls(ports[k]) for k in self.KINDS}
        self.pids["haproxy"] = {k: (lambda pid=p.pid: [pid]) for k in self.KINDS}

    def start_nginx(self):
        d = self.work / "nginx"
        (d / "tmp").mkdir(parents=True)
        servers, ups, ports = [], [], {}
        for kind in self.KINDS:
            ports[kind] = self.port(f"nginx-{kind}")
            u = kind.replace("-", "_")
            k = self.key(kind)
            ups.append(f"    upstream up_{u} {{ server unix:{self.upstream(kind)}; keepalive 256; }}\n")
            servers.append(f"""    server {{
        listen 127.0.0.1:{ports[kind]} ssl;
        ssl_certificate {self.pki}/server-{k}.pem;
        ssl_certificate_key {self.pki}/server-{k}-key.pem;
        ssl_client_certificate {self.pki}/ca.pem;
        ssl_verify_client on;
        location / {{
            proxy_pass http://up_{u};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}
""")
        cfg = d / "nginx.conf"
        cfg.write_text(f"""daemon off;
master_process on;
user root;
worker_processes auto;
worker_rlimit_nofile {FD_LIMIT};
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections {FD_LIMIT}; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    keepalive_timeout 600s;
    keepalive_requests 100000000;
    client_header_timeout 60s;
    client_max_body_size 0;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
""" + "".join(ups) + "".join(servers) + "}\n")
        run(["nginx", "-t", "-q", "-p", str(d), "-c", str(cfg)])
        p = self.procs.start("nginx", ["nginx", "-p", str(d), "-c", str(cfg)], d / "nginx.log")
        for kind in self.KINDS:
            wait_port(ports[kind], p)
        self.endpoints["nginx"] = {k: self.tls(ports[k]) for k in self.KINDS}
        self.pids["nginx"] = {k: (lambda pid=p.pid: tree(pid)) for k in self.KINDS}

    def start_stunnel(self):
        d = self.work / "stunnel"
        d.mkdir()
        ports = {}
        svcs = []
        for kind in self.KINDS:
            ports[kind] = self.port(f"stunnel-{kind}")
            k = self.key(kind)
            svcs.append(f"""
[{kind}]
accept = 127.0.0.1:{ports[kind]}
connect = {self.upstream(kind)}
cert = {self.pki}/server-{k}.pem
key = {self.pki}/server-{k}-key.pem
CAfile = {self.pki}/ca.pem
verifyChain = yes
requireCert = yes
""")
        cfg = d / "stunnel.conf"
        cfg.write_text(f"""foreground = yes
pid =
debug = 3
socket = l:TCP_NODELAY=1
""" + "".join(svcs))
        p = self.procs.start("stunnel", ["stunnel", str(cfg)], d / "stunnel.log")
        for kind in self.KINDS:
            wait_port(ports[kind], p)
        self.endpoints["stunnel"] = {k: self.tls(ports[k]) for k in self.KINDS}
        self.pids["stunnel"] = {k: (lambda pid=p.pid: [pid]) for k in self.KINDS}

    def stop(self):
        self.procs.stop_all()
        for state in reversed(self.dockerd_states):
            if (state / "dockerd.pid").exists():
                log(f"stopping private dockerd {state}")
                subprocess.run([str(PRIVATE_DOCKERD), "stop", str(state)])

    # --------------------------------------------------------------- measurement
    def loadgen(self, mode, contender, kind, extra, timeout=600):
        target = self.endpoints[contender][kind]
        pids = ",".join(str(p) for p in self.pids[contender][kind]())
        argv = [LOADGEN, mode, "--target", target, "--cert", str(self.pki / "client.pem"),
                "--key", str(self.pki / "client-key.pem"), "--watch-pids", pids, *extra]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0 or not r.stdout.strip():
            log(f"loadgen {mode} {contender}/{kind} failed: {r.stderr.strip()[-300:]}")
            return {"errors": 1, "failed": True}
        return json.loads(r.stdout.strip().splitlines()[-1])

    def truncate_audits(self):
        for a in self.audit_files:
            try:
                os.truncate(a, 0)
            except OSError:
                pass

    def idle_test(self, contender, kind, n):
        pids = self.pids[contender][kind]()
        time.sleep(0.5)
        before = rss_kib(self.pids[contender][kind]())
        argv = [LOADGEN, "idle", "--target", self.endpoints[contender][kind], "--cert", str(self.pki / "client.pem"),
                "--key", str(self.pki / "client-key.pem"), "--conns", str(n), "--threads", "8"]
        # With a request each connection also holds an upstream connection in most proxies: two
        # descriptors per client. Past the descriptor limit, handshake-only connections.
        with_request = 2 * n + 500 <= FD_LIMIT
        if not with_request:
            argv.append("--handshake-only")
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        try:
            ready = json.loads(line)
        except ValueError:
            p.kill()
            p.wait()
            log(f"idle {contender}: loadgen failed: {p.stderr.read()[-300:]}")
            return {"errors": n, "failed": True}
        time.sleep(1.0)
        after = rss_kib(self.pids[contender][kind]())
        p.stdin.write("close\n")
        p.stdin.flush()
        p.stdin.close()
        p.wait(timeout=120)
        ok = max(1, ready["ok"])
        time.sleep(1.0)  # let the contender release the connections before the next test
        return {"conns": n, "ok": ready["ok"], "errors": ready["errors"], "rss_before_kib": before,
                "rss_after_kib": after, "kib_per_conn": (after - before) / ok, "open_secs": ready["open_secs"],
                "with_request": with_request,
                "pids": len(pids)}


def contenders_for(names):
    return [c for c in names if not ONLY or c in ONLY]


def build_plan():
    """(test id, description, contender list, runner) in the order they run."""
    plan = []
    for c in CONCS:
        plan.append(dict(id=f"ka fast /_ping c{c}", kind="ka", up="fast", path="/_ping", conns=c,
                         who=contenders_for(["direct", *PROXIES])))
    for c in CONCS:
        plan.append(dict(id=f"ka dockerd /_ping c{c}", kind="ka", up="docker", path="/_ping", conns=c,
                         who=contenders_for(ALL)))
    for c in CONCS:
        plan.append(dict(id=f"ka dockerd /containers/json c{c}", kind="ka", up="docker", path="/containers/json",
                         conns=c, who=contenders_for(ALL)))
    plan.append(dict(id="handshakes ECDSA P-256", kind="hs", up="fast", path="/_ping",
                     who=contenders_for(["dockgate", "haproxy", "nginx", "stunnel", "dockerd-tls"])))
    plan.append(dict(id="handshakes RSA-2048", kind="hs", up="fast-rsa", path="/_ping",
                     who=contenders_for(["dockgate", "haproxy", "nginx", "stunnel", "dockerd-tls"])))
    plan.append(dict(id=f"stream fast {STREAM_MB:g} MB", kind="stream", up="fast",
                     path=f"/stream?bytes={int(STREAM_MB * 1e6)}", who=contenders_for(["direct", *PROXIES])))
    plan.append(dict(id=f"stream dockerd logs {LOGS_MB:g} MB", kind="stream", up="docker",
                     path="/containers/bench-logs/logs?stdout=1", who=contenders_for(ALL)))
    # HAProxy 2.6 (http mode) drops `Upgrade` from a request that has a body, and the Docker CLI's exec
    # start always has one: dockerd answers 200 + hijack, HAProxy never forwards stdin. Not measurable.
    plan.append(dict(id=f"exec -i cat {EXEC_MB:g} MB each way", kind="exec", up="docker",
                     who=contenders_for([c for c in ALL if c != "haproxy"])))
    for n in IDLE:
        plan.append(dict(id=f"idle memory {n} conns", kind="idle", up="fast", conns=n,
                         who=contenders_for(["dockgate", "haproxy", "nginx", "stunnel", "dockerd-tls"])))
    if TESTS:
        plan = [t for t in plan if any(w in t["id"] for w in TESTS)]
    return plan


def endpoint_kind(contender, up):
    if contender == "dockerd-tls":
        return "docker-rsa" if up.endswith("rsa") else "docker"
    if contender == "direct":
        return "fast" if up.startswith("fast") else "docker"
    return up


def execute(b: Bench, plan):
    results = {}  # test id -> contender -> list of runs
    for t in plan:
        results[t["id"]] = {c: [] for c in t["who"]}
        reps = 1 if t["kind"] == "idle" else REPEATS
        for r in range(reps):
            order = t["who"][r % len(t["who"]):] + t["who"][:r % len(t["who"])]
            for c in order:
                kind = endpoint_kind(c, t["up"])
                if kind not in b.endpoints.get(c, {}):
                    continue
                b.truncate_audits()
                if t["kind"] == "ka":
                    res = b.loadgen("ka", c, kind, ["--path", t["path"], "--conns", str(t["conns"]), "--secs", str(KA_SECS),
                                                    "--warmup", str(WARMUP)])
                elif t["kind"] == "hs":
                    res = b.loadgen("hs", c, kind, ["--path", t["path"], "--threads", str(HS_THREADS), "--secs",
                                                    str(HS_SECS), "--warmup", str(WARMUP)])
                elif t["kind"] == "stream":
                    res = b.loadgen("stream", c, kind, ["--path", t["path"]])
                elif t["kind"] == "exec":
                    res = b.loadgen("exec", c, kind, ["--container", "bench-cat", "--mb", str(EXEC_MB), "--timeout", "120"])
                else:
                    res = b.idle_test(c, kind, t["conns"])
                results[t["id"]][c].append(res)
                log(f"{t['id']:<36} {c:<12} {summary(t['kind'], res)}")
    return results


def profile_dockgate(b: Bench):
    """perf (software cpu-clock event: this VM has no hardware counters) on the dockgate process
    in front of the fast upstream, during keep-alive (16 connections) and full handshakes. Writes
    bench/results/profile-*.txt (inclusive and self time by symbol, Swift names demangled)."""
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    pid = b.pids["dockgate"]["fast"]()[0]
    demangle = ["swift", "demangle", "--simplified"] if shutil.which("swift") else ["cat"]
    for name, mode, extra in [("keepalive-c16", "ka", ["--conns", "16"]), ("handshakes-ecdsa", "hs", ["--threads", "8"])]:
        data = b.work / f"perf-{name}.data"
        rec = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", str(pid), "-o", str(data),
                                "--", "sleep", "5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        res = b.loadgen(mode, "dockgate", "fast", ["--path", "/_ping", "--secs", "4", "--warmup", "0.3", *extra])
        rec.wait()
        b.truncate_audits()
        text = [f"# dockgate perf profile: {name} ({summary(mode, res)})", ""]
        for title, args in [("inclusive (children), by symbol", ["--children"]), ("self, by symbol", ["--no-children"]),
                            ("self, by shared object", ["--no-children", "--sort", "dso"])]:
            sort = [] if "--sort" in args else ["--sort", "symbol"]
            r = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none", *sort, *args],
                               capture_output=True, text=True)
            rows = [l for l in r.stdout.splitlines() if "%" in l and not l.startswith("#")][:60]
            dm = subprocess.run(demangle, input="\n".join(rows), capture_output=True, text=True).stdout
            text += [f"## {title}", "", *[l.rstrip()[:200] for l in dm.splitlines()], ""]
        (out / f"profile-{name}.txt").write_text("\n".join(text) + "\n")
        log(f"wrote {out / f'profile-{name}.txt'}")


def summary(kind, r):
    if r.get("failed"):
        return "FAILED"
    if kind in ("ka", "hs"):
        return f"{r['rps']:.0f}/s p50 {r['p50_us']:.0f}us p99 {r['p99_us']:.0f}us errors {r['errors'] + r['non200']}"
    if kind in ("stream", "exec"):
        return f"{r['mbps']:.0f} MB/s errors {r['errors']}"
    return f"{r['kib_per_conn']:.1f} KiB/conn ({r['ok']}/{r['conns']} ok)"


# --------------------------------------------------------------------------- report
def med(runs, key):
    vals = [r[key] for r in runs if not r.get("failed") and key in r]
    return statistics.median(vals) if vals else None


def errs(runs):
    return sum((r.get("errors", 0) or 0) + (r.get("non200", 0) or 0) for r in runs)


def fmt(v, nd=0):
    if v is None:
        return "–"
    return f"{v:,.{nd}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def report(plan, results, meta):
    lines = []
    add = lines.append
    add("# dockgate benchmark results\n")
    add(f"- date: {meta['date']}")
    add(f"- machine: {meta['machine']}")
    add(f"- commit: {meta['commit']}")
    add(f"- software: {meta['software']}")
    add(f"- run: {meta['run']}")
    add("- method: every contender terminates mutual TLS (client certificate required and verified against the "
        "bench CA) in front of the same upstream; measurements run interleaved (contender order rotated per "
        "repeat) and the table shows medians of the repeats. The load generator (bench/loadgen.c) runs on the "
        "same 2 cores; its own CPU is shown. dockgate runs with an admin policy and an audit file on disk "
        "(2 JSON records per request). Ratios are dockgate ÷ baseline from the same run.\n")

    # keep-alive
    add("## Keep-alive requests\n")
    add("| test | contender | req/s | p50 µs | p99 µs | server CPU µs/req | loadgen CPU % | errors |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    ka_tests = [t for t in plan if t["kind"] == "ka"]
    for t in ka_tests:
        for c in t["who"]:
            runs = results[t["id"]][c]
            rps = med(runs, "rps")
            cpu = [r["server_cpu_s"] / max(1, r["ok"] + r["non200"]) * 1e6 for r in runs if not r.get("failed")]
            lcpu = [r["loadgen_cpu_s"] / r["secs"] * 100 for r in runs if not r.get("failed")]
            add(f"| {t['id']} | {c} | {fmt(rps)} | {fmt(med(runs, 'p50_us'))} | {fmt(med(runs, 'p99_us'))} | "
                f"{fmt(statistics.median(cpu) if cpu else None, 1)} | {fmt(statistics.median(lcpu) if lcpu else None)} | "
                f"{errs(runs)} |")
    add("")
    add("Server CPU is the contender's own process CPU (utime+stime; nginx: master and workers; `direct`: the "
        "upstream server itself; `dockerd-tls`: dockerd, which also serves the request). /proc tick resolution is "
        "10 ms.\n")

    # handshakes
    add("## Full handshakes (new mTLS connection per request, " f"{HS_THREADS} client threads)\n")
    add("| test | contender | handshakes/s | p50 ms | p99 ms | server CPU ms/handshake | errors |")
    add("|---|---|---:|---:|---:|---:|---:|")
    for t in [t for t in plan if t["kind"] == "hs"]:
        for c in t["who"]:
            runs = results[t["id"]][c]
            cpu = [r["server_cpu_s"] / max(1, r["ok"] + r["non200"]) * 1e3 for r in runs if not r.get("failed")]
            p50, p99 = med(runs, "p50_us"), med(runs, "p99_us")
            add(f"| {t['id']} | {c} | {fmt(med(runs, 'rps'))} | {fmt(p50 and p50 / 1000, 2)} | "
                f"{fmt(p99 and p99 / 1000, 2)} | {fmt(statistics.median(cpu) if cpu else None, 2)} | {errs(runs)} |")
    add("")

    # streaming
    add("## Streaming\n")
    add("| test | contender | MB/s | server CPU s | errors |")
    add("|---|---|---:|---:|---:|")
    for t in [t for t in plan if t["kind"] in ("stream", "exec")]:
        for c in t["who"]:
            runs = results[t["id"]][c]
            add(f"| {t['id']} | {c} | {fmt(med(runs, 'mbps'))} | {fmt(med(runs, 'server_cpu_s'), 2)} | {errs(runs)} |")
    add("")
    add("`exec -i cat`: HAProxy is absent because HAProxy 2.6 in http mode removes `Upgrade` from a request "
        "with a body (the CLI's exec start always has one); dockerd then answers `200` and hijacks, and HAProxy "
        "never forwards the client's stdin. Throughput through dockerd (`logs`, `exec`) is bounded by dockerd and "
        "containerd themselves; the fast-upstream row isolates the proxies' own cost.\n")

    # memory
    add("## Idle memory\n")
    add("| test | contender | connections | RSS before MiB | RSS after MiB | KiB per connection | connections ok |")
    add("|---|---|---|---:|---:|---:|---:|")
    for t in [t for t in plan if t["kind"] == "idle"]:
        for c in t["who"]:
            runs = [r for r in results[t["id"]][c] if not r.get("failed")]
            if not runs:
                add(f"| {t['id']} | {c} | | – | – | – | failed |")
                continue
            r = runs[0]
            what = "handshake + GET /_ping" if r.get("with_request") else "handshake only"
            add(f"| {t['id']} | {c} | {what} | {r['rss_before_kib'] / 1024:.1f} | {r['rss_after_kib'] / 1024:.1f} | "
                f"{r['kib_per_conn']:.1f} | {r['ok']}/{r['conns']} |")
    add("")
    add(f"RSS is VmRSS of the contender's processes right before and 1 s after opening the connections (no request in "
        f"flight while measuring). The descriptor limit here is {FD_LIMIT} (no CAP_SYS_RESOURCE to raise it): "
        "where a connection with a request (and so an upstream connection in most proxies) would not fit, the "
        "connections are handshake-only.\n")

    # ratios
    add("## Ratios: dockgate ÷ baseline (same run)\n")
    add("For req/s, handshakes/s and MB/s higher is better; for p99 lower is better (shown as dockgate p99 ÷ "
        "baseline p99); for memory lower is better.\n")
    add("| test | metric | " + " | ".join(BASELINES) + " |")
    add("|---|---|" + "---:|" * len(BASELINES))

    def row(t, metric, key, scale=1.0):
        dg = results[t["id"]].get("dockgate")
        if dg is None:
            return
        d = med(dg, key)
        cells = []
        for bl in BASELINES:
            if bl not in results[t["id"]]:
                cells.append("")
                continue
            cells.append(fmt(ratio(d, med(results[t["id"]][bl], key)), 2))
        add(f"| {t['id']} | {metric} | " + " | ".join(cells) + " |")

    for t in plan:
        if t["kind"] == "ka":
            row(t, "req/s", "rps")
            row(t, "p99", "p99_us")
        elif t["kind"] == "hs":
            row(t, "handshakes/s", "rps")
        elif t["kind"] in ("stream", "exec"):
            row(t, "MB/s", "mbps")
        elif t["kind"] == "idle":
            row(t, "KiB/conn", "kib_per_conn")
    add("")

    # targets
    add("## Targets (issue 9)\n")
    add("| target | test | dockgate | baseline | ratio / value | met |")
    add("|---|---|---:|---:|---:|:---:|")
    verdicts = []

    def target(name, t, dgv, blv, value, ok):
        verdicts.append((name, ok))
        add(f"| {name} | {t} | {fmt(dgv, 1)} | {fmt(blv, 1)} | {value} | {'yes' if ok else ('**NO**' if ok is not None else '?')} |")

    def at_least(name, t, R, contender, key, factor):
        if "dockgate" in R and contender in R:
            d, h = med(R["dockgate"], key), med(R[contender], key)
            rr = ratio(d, h)
            target(name, t["id"], d, h, f"{fmt(rr, 2)}×", None if rr is None else rr >= factor)

    def cpu_per_request(runs):
        cpu = [r["server_cpu_s"] / max(1, r["ok"] + r["non200"]) * 1e6 for r in runs if not r.get("failed")]
        return statistics.median(cpu) if cpu else None

    for t in ka_tests:
        R = results[t["id"]]
        if "dockgate" not in R:
            continue
        if t["id"].startswith("ka fast /_ping"):
            at_least("req/s ≥ 1.1× HAProxy", t, R, "haproxy", "rps", 1.1)
            at_least("req/s ≥ 1.0× nginx", t, R, "nginx", "rps", 1.0)
            if "haproxy" in R:
                d, h = cpu_per_request(R["dockgate"]), cpu_per_request(R["haproxy"])
                target("server CPU µs/request ≤ HAProxy's", t["id"], d, h, f"{fmt(d, 1)} vs {fmt(h, 1)} µs",
                       None if None in (d, h) else d <= h)
                dp, hp = med(R["dockgate"], "p99_us"), med(R["haproxy"], "p99_us")
                target("p99 ≤ HAProxy's (µs)", t["id"], dp, hp, f"{fmt(dp)} vs {fmt(hp)} µs",
                       None if None in (dp, hp) else dp <= hp)
        else:
            at_least("req/s ≥ 0.75× dockerd's own TLS", t, R, "dockerd-tls", "rps", 0.75)
    for t in [t for t in plan if t["kind"] == "hs"]:
        R = results[t["id"]]
        at_least("handshakes/s ≥ 1.2× HAProxy", t, R, "haproxy", "rps", 1.2)
        at_least("handshakes/s ≥ 1.0× nginx", t, R, "nginx", "rps", 1.0)
    for t in [t for t in plan if t["kind"] in ("stream", "exec")]:
        R = results[t["id"]]
        if t["id"].startswith("stream fast"):
            at_least("stream ≥ 1.0× HAProxy", t, R, "haproxy", "mbps", 1.0)
        else:
            at_least("logs / exec tunnel ≥ 0.95× the direct socket", t, R, "direct", "mbps", 0.95)
    for t in [t for t in plan if t["kind"] == "idle"]:
        R = results[t["id"]]
        if "dockgate" in R:
            d = med(R["dockgate"], "kib_per_conn")
            target("idle memory ≤ 25 KiB/connection", t["id"], d, 25, f"{fmt(d, 1)} KiB", None if d is None else d <= 25)
    dg_errors = sum(errs(results[t["id"]]["dockgate"]) for t in plan if "dockgate" in results[t["id"]])
    target("no dropped or failed request", "all dockgate runs", dg_errors, 0, f"{dg_errors} errors", dg_errors == 0)
    add("")
    met = sum(1 for _, v in verdicts if v)
    add(f"**{met} of {len(verdicts)} target checks met.**\n")
    add("| target | cells met |")
    add("|---|---:|")
    for name in dict.fromkeys(n for n, _ in verdicts):
        vs = [v for n, v in verdicts if n == name]
        add(f"| {name} | {sum(1 for v in vs if v)} / {len(vs)} |")
    add("")
    return "\n".join(lines), met, len(verdicts)


def git_commit():
    try:
        c = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return c + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def machine():
    mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1]
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    osr = ""
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osr = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{nproc} cores ({cpu}), {mem} GiB RAM (free -g total), {osr}, kernel {os.uname().release}"


def versions():
    def first(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return "; ".join([
        first(["openssl", "version"]),
        first(["haproxy", "-v"]).split(" - ")[0],
        first(["nginx", "-v"]),
        first(["stunnel", "-version"]) if False else "stunnel " + first(["dpkg-query", "-W", "-f=${Version}", "stunnel4"]),
        first(["dockerd", "--version"]),
    ])


def render_only():
    """`bench.py --report [results.json]`: render RESULTS.md again from the stored runs (e.g. after
    editing PROFILE-NOTES.md); nothing is measured."""
    global FD_LIMIT, HS_THREADS
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = Path(args[0]) if args else BENCH / "results" / "results.json"
    data = json.loads(src.read_text())
    FD_LIMIT = data["meta"].get("fd_limit") or resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    HS_THREADS = data["meta"].get("hs_threads", HS_THREADS)
    text, met, total = report(data["plan"], data["results"], data["meta"])
    notes = BENCH / "PROFILE-NOTES.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    dst = src.parent / ("RESULTS.md" if src.name == "results.json" else src.name.replace("results", "RESULTS").replace(".json", ".md"))
    dst.write_text(text)
    log(f"wrote {dst}; {met}/{total} target checks met")
    return 0


def main():
    if "--report" in sys.argv:
        return render_only()
    # 10,000 idle connections need ~20,000 descriptors in a proxy: raise the limit for us and all
    # we start (root may raise the hard limit).
    global FD_LIMIT
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (131072, 131072))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    FD_LIMIT = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    work = Path(os.environ.get("BENCH_WORKDIR") or tempfile.mkdtemp(prefix="dgbench.", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"work dir {work}; {'quick' if QUICK else 'full'} run: repeats {REPEATS}, keep-alive {KA_SECS}s, "
        f"concurrencies {CONCS}, idle {IDLE}")
    b = Bench(work)
    t0 = time.time()
    interrupted = False

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        b.setup()
        if os.environ.get("BENCH_HOLD"):
            print(json.dumps({"endpoints": b.endpoints, "pki": str(b.pki),
                              "pids": {c: {k: f() for k, f in v.items()} for c, v in b.pids.items()}}, indent=1),
                  flush=True)
            time.sleep(float(os.environ["BENCH_HOLD"]))
        plan = build_plan()
        results = execute(b, plan)
        if os.environ.get("BENCH_PROFILE"):
            profile_dockgate(b)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted")
    finally:
        b.stop()
    if interrupted:
        return 130
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "commit": os.environ.get("BENCH_COMMIT") or git_commit(),
        "fd_limit": FD_LIMIT,
        "hs_threads": HS_THREADS,
        "software": versions(),
        "run": f"{'bench/run.sh --quick' if QUICK else 'bench/run.sh'}: repeats {REPEATS}, keep-alive {KA_SECS:g} s "
               f"(+{WARMUP:g} s warm-up), handshakes {HS_SECS:g} s × {HS_THREADS} threads, concurrencies "
               f"{','.join(map(str, CONCS))}, stream {STREAM_MB:g} MB, logs {LOGS_MB:g} MB, exec {EXEC_MB:g} MB, "
               f"idle {','.join(map(str, IDLE))}; took {(time.time() - t0) / 60:.1f} min",
    }
    text, met, total = report(plan, results, meta)
    notes = BENCH / "PROFILE-NOTES.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    stem = "partial" if (TESTS or ONLY) else ("quick" if QUICK else "")
    name = f"RESULTS-{stem}.md" if stem else "RESULTS.md"
    (out / name).write_text(text)
    (out / (f"results-{stem}.json" if stem else "results.json")).write_text(
        json.dumps({"meta": meta, "plan": plan, "results": results}, indent=1))
    print(text)
    log(f"wrote {out / name}; {met}/{total} target checks met; {(time.time() - t0) / 60:.1f} min")
    still_mounted = any(line.split()[1].startswith(str(work) + "/") for line in open("/proc/self/mounts"))
    if not os.environ.get("BENCH_KEEP_WORKDIR") and not still_mounted:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
