/*
 * loadgen: the benchmark's load generator (C, OpenSSL, pthreads).
 *
 *   loadgen MODE --target tls:HOST:PORT|unix:PATH [--cert C --key K] [options]
 *
 * Modes (each prints ONE line of JSON on stdout):
 *   ka      keep-alive: --conns C connections (one thread each) send `GET --path` back to back
 *           for --secs T after --warmup W seconds -> rps, p50/p99/p999 latency, errors
 *   hs      full handshakes: --threads N threads each loop { connect, mTLS handshake, GET --path,
 *           read the response, close } -> handshakes/s, p50/p99 of the whole exchange
 *   stream  one connection, `GET --path`, read the whole body -> MB/s (10^6 bytes)
 *   exec    one connection: POST /containers/--container/exec {cat}, start it with
 *           `Upgrade: tcp`, push --mb MB through `cat` and read them back (multiplexed stream
 *           framing removed) -> MB/s each way
 *   idle    open --conns C mTLS connections (--threads N), one `GET --path` on each (none with
 *           --handshake-only), print
 *           {"ready":...} and keep them open until stdin reaches EOF or a line; then close
 *
 * --watch-pids P1,P2,...: the utime+stime of those processes over the measurement window are
 * reported as server_cpu_s (the contender's CPU). loadgen_cpu_s is this process's own CPU over the
 * window, so one can see whether the generator was the bottleneck.
 * Session resumption is off (no cache, no tickets): every connection is a full handshake.
 * The server certificate is not verified (the proxies' cost is what is measured; the client
 * certificate is, by every contender).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- options */
static const char *mode;
static int use_tls;
static char host[256] = "127.0.0.1";
static int port;
static char upath[108];
static const char *cert_file, *key_file;
static const char *req_path = "/_ping";
static int conns = 16, threads = 8;
static double secs = 3, warmup = 0.5, timeout_s = 300;
static double mb = 100;
static const char *container;
static char watch_pids_arg[1024];
static int handshake_only; /* idle: no request on the connections */
static SSL_CTX *ctx;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static double self_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}
/* utime+stime (seconds) of the watched processes, summed. */
static double watched_cpu(void) {
    if (!watch_pids_arg[0]) return 0;
    char list[1024];
    strcpy(list, watch_pids_arg);
    double total = 0;
    long tck = sysconf(_SC_CLK_TCK);
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char path[64], buf[4096];
        snprintf(path, sizeof path, "/proc/%s/stat", p);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *rp = strrchr(buf, ')'); /* comm may contain spaces */
        if (!rp) continue;
        unsigned long long ut = 0, st = 0;
        /* after ')': state(3) ppid(4) ... utime(14) stime(15) */
        if (sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
            total += (double)(ut + st) / (double)tck;
    }
    return total;
}

static void die(const char *m) {
    fprintf(stderr, "loadgen: %s\n", m);
    exit(1);
}

/* ---------------------------------------------------------------- transport */
typedef struct {
    int fd;
    SSL *ssl;
} io_t;

static int raw_connect(void) {
    int fd;
    if (use_tls) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, host, &sa.sin_addr);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { close(fd); return -1; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    } else {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un su = {.sun_family = AF_UNIX};
        strcpy(su.sun_path, upath);
        if (connect(fd, (struct sockaddr *)&su, sizeof su) < 0) { close(fd); return -1; }
    }
    /* no hang: a peer that stops answering for 15 s (or never accepts) is an error */
    struct timeval tv = {.tv_sec = 15};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static int io_connect(io_t *io) {
    io->ssl = NULL;
    io->fd = raw_connect();
    if (io->fd < 0) return -1;
    if (!use_tls) return 0;
    io->ssl = SSL_new(ctx);
    SSL_set_fd(io->ssl, io->fd);
    if (SSL_connect(io->ssl) != 1) {
        ERR_clear_error();
        SSL_free(io->ssl);
        io->ssl = NULL;
        close(io->fd);
        io->fd = -1;
        return -1;
    }
    return 0;
}

static void io_close(io_t *io, int graceful) {
    if (io->ssl) {
        if (graceful) SSL_shutdown(io->ssl);
        SSL_free(io->ssl);
        io->ssl = NULL;
    }
    if (io->fd >= 0) close(io->fd);
    io->fd = -1;
    ERR_clear_error();
}

static int io_write_all(io_t *io, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        int w;
        if (io->ssl) {
            w = SSL_write(io->ssl, p, (int)len);
            if (w <= 0) return -1;
        } else {
            w = (int)send(io->fd, p, len, MSG_NOSIGNAL);
            if (w < 0) { if (errno == EINTR) continue; return -1; }
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int io_read(io_t *io, void *buf, size_t len) {
    if (io->ssl) {
        int r = SSL_read(io->ssl, buf, (int)len);
        if (r > 0) return r;
        int e = SSL_get_error(io->ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN) return 0;
        return -1;
    }
    for (;;) {
        ssize_t r = recv(io->fd, buf, len, 0);
        if (r < 0 && errno == EINTR) continue;
        return (int)r;
    }
}

/* ---------------------------------------------------------------- HTTP responses */
#define RBUF (256 * 1024)
typedef struct {
    char *buf;
    size_t len;
} rbuf_t;

static int fill(io_t *io, rbuf_t *rb) {
    if (rb->len >= RBUF) return -1;
    int r = io_read(io, rb->buf + rb->len, RBUF - rb->len);
    if (r > 0) rb->len += (size_t)r;
    return r;
}
static void consume(rbuf_t *rb, size_t n) {
    memmove(rb->buf, rb->buf + n, rb->len - n);
    rb->len -= n;
}

typedef struct {
    int status;
    long long clen; /* -1: none */
    int chunked;
} head_t;

static int read_head(io_t *io, rbuf_t *rb, head_t *h) {
    char *end;
    while (!(end = memmem(rb->buf, rb->len, "\r\n\r\n", 4))) {
        if (fill(io, rb) <= 0) return -1;
    }
    size_t hl = (size_t)(end - rb->buf) + 4;
    h->status = 0;
    h->clen = -1;
    h->chunked = 0;
    if (rb->len < 12 || strncmp(rb->buf, "HTTP/1.", 7) != 0) return -1;
    h->status = atoi(rb->buf + 9);
    for (char *p = memmem(rb->buf, hl, "\r\n", 2) + 2; p < end;) {
        char *nl = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        size_t ll = (size_t)(nl - p);
        if (ll > 15 && strncasecmp(p, "content-length:", 15) == 0) h->clen = strtoll(p + 15, NULL, 10);
        if (ll > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0 && memmem(p, ll, "chunked", 7))
            h->chunked = 1;
        p = nl + 2;
    }
    consume(rb, hl);
    return 0;
}

/* Read (and drop) the body; returns the body byte count or -1. until_close: no framing, read to
 * EOF. For 1xx/204/304 there is no body. */
static long long read_body(io_t *io, rbuf_t *rb, head_t *h, int until_close) {
    long long total = 0;
    if (h->status / 100 == 1 || h->status == 204 || h->status == 304) return 0;
    if (h->chunked) {
        for (;;) {
            char *nl;
            while (!(nl = memmem(rb->buf, rb->len, "\r\n", 2)))
                if (fill(io, rb) <= 0) return -1;
            long long sz = strtoll(rb->buf, NULL, 16);
            consume(rb, (size_t)(nl - rb->buf) + 2);
            if (sz == 0) {
                /* trailers until an empty line */
                for (;;) {
                    while (!(nl = memmem(rb->buf, rb->len, "\r\n", 2)))
                        if (fill(io, rb) <= 0) return -1;
                    size_t ll = (size_t)(nl - rb->buf);
                    consume(rb, ll + 2);
                    if (ll == 0) return total;
                }
            }
            long long left = sz + 2; /* data + CRLF */
            while (left) {
                if (rb->len == 0 && fill(io, rb) <= 0) return -1;
                size_t n = rb->len < (size_t)left ? rb->len : (size_t)left;
                consume(rb, n);
                left -= (long long)n;
            }
            total += sz;
        }
    }
    if (h->clen >= 0) {
        long long left = h->clen;
        size_t n = rb->len < (size_t)left ? rb->len : (size_t)left;
        consume(rb, n);
        left -= (long long)n;
        while (left > 0) {
            int r = io_read(io, rb->buf, left < RBUF ? (size_t)left : RBUF);
            if (r <= 0) return -1;
            left -= r;
        }
        return h->clen;
    }
    if (!until_close) return -1;
    total = (long long)rb->len;
    rb->len = 0;
    for (;;) {
        int r = io_read(io, rb->buf, RBUF);
        if (r == 0) return total;
        if (r < 0) return total ? total : -1;
        total += r;
    }
}

static char request[2048];
static size_t request_len;
static void build_request(const char *path, int close_conn) {
    request_len = (size_t)snprintf(request, sizeof request,
                                   "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockgate-bench\r\n%s\r\n",
                                   path, close_conn ? "Connection: close\r\n" : "");
}

/* ---------------------------------------------------------------- latency samples */
typedef struct {
    uint64_t *v;
    size_t n, cap;
    unsigned long long ok, errors, non200;
} samples_t;
static void add_sample(samples_t *s, uint64_t ns) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = ns;
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
static double pct(uint64_t *v, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

/* phase: 0 warmup, 1 measuring, 2 stop */
static atomic_int phase;

/* ---------------------------------------------------------------- ka */
typedef struct {
    samples_t s;
    pthread_t th;
} worker_t;

static void *ka_worker(void *arg) {
    worker_t *w = arg;
    io_t io = {.fd = -1};
    rbuf_t rb = {.buf = malloc(RBUF)};
    while (atomic_load(&phase) != 2) {
        if (io.fd < 0) {
            if (io_connect(&io) < 0) {
                if (atomic_load(&phase) == 1) w->s.errors++;
                usleep(10000);
                continue;
            }
            rb.len = 0;
        }
        int ph0 = atomic_load(&phase);
        uint64_t t0 = now_ns();
        head_t h;
        if (io_write_all(&io, request, request_len) < 0 || read_head(&io, &rb, &h) < 0 ||
            read_body(&io, &rb, &h, 0) < 0) {
            if (atomic_load(&phase) != 2 && ph0 == 1) w->s.errors++;
            io_close(&io, 0);
            continue;
        }
        uint64_t t1 = now_ns();
        if (ph0 == 1 && atomic_load(&phase) == 1) {
            if (h.status != 200) w->s.non200++;
            else w->s.ok++;
            add_sample(&w->s, t1 - t0);
        }
    }
    io_close(&io, 1);
    free(rb.buf);
    return NULL;
}

/* ---------------------------------------------------------------- hs */
static void *hs_worker(void *arg) {
    worker_t *w = arg;
    rbuf_t rb = {.buf = malloc(RBUF)};
    while (atomic_load(&phase) != 2) {
        int ph0 = atomic_load(&phase);
        uint64_t t0 = now_ns();
        io_t io;
        head_t h;
        int ok = io_connect(&io) == 0;
        rb.len = 0;
        if (ok) ok = io_write_all(&io, request, request_len) == 0 && read_head(&io, &rb, &h) == 0 &&
                     read_body(&io, &rb, &h, 0) >= 0;
        uint64_t t1 = now_ns();
        if (io.fd >= 0) io_close(&io, ok);
        if (ph0 == 1 && atomic_load(&phase) == 1) {
            if (!ok) { w->s.errors++; continue; }
            if (h.status != 200) w->s.non200++;
            else w->s.ok++;
            add_sample(&w->s, t1 - t0);
        } else if (!ok && atomic_load(&phase) != 2) {
            usleep(1000);
        }
    }
    free(rb.buf);
    return NULL;
}

static void run_workers(int n, void *(*fn)(void *)) {
    worker_t *ws = calloc((size_t)n, sizeof *ws);
    atomic_store(&phase, 0);
    for (int i = 0; i < n; i++) pthread_create(&ws[i].th, NULL, fn, &ws[i]);
    usleep((useconds_t)(warmup * 1e6));
    double c0 = self_cpu(), s0 = watched_cpu(), t0 = now();
    atomic_store(&phase, 1);
    usleep((useconds_t)(secs * 1e6));
    atomic_store(&phase, 2);
    double t1 = now(), c1 = self_cpu(), s1 = watched_cpu();
    for (int i = 0; i < n; i++) pthread_join(ws[i].th, NULL);
    size_t total = 0;
    unsigned long long ok = 0, errors = 0, non200 = 0;
    for (int i = 0; i < n; i++) { total += ws[i].s.n; ok += ws[i].s.ok; errors += ws[i].s.errors; non200 += ws[i].s.non200; }
    uint64_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < n; i++) { memcpy(all + k, ws[i].s.v, ws[i].s.n * sizeof *all); k += ws[i].s.n; free(ws[i].s.v); }
    qsort(all, total, sizeof *all, cmp_u64);
    double wall = t1 - t0;
    printf("{\"mode\":\"%s\",\"conns\":%d,\"secs\":%.3f,\"ok\":%llu,\"non200\":%llu,\"errors\":%llu,"
           "\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
           "\"server_cpu_s\":%.3f,\"loadgen_cpu_s\":%.3f}\n",
           mode, n, wall, ok, non200, errors, (double)(ok + non200) / wall, pct(all, total, 0.5),
           pct(all, total, 0.9), pct(all, total, 0.99), pct(all, total, 0.999),
           total ? (double)all[total - 1] / 1000.0 : 0, s1 - s0, c1 - c0);
    free(all);
    free(ws);
}

/* ---------------------------------------------------------------- stream */
static void run_stream(void) {
    io_t io;
    rbuf_t rb = {.buf = malloc(RBUF)};
    if (io_connect(&io) < 0) die("connect failed");
    double c0 = self_cpu(), s0 = watched_cpu(), t0 = now();
    head_t h;
    if (io_write_all(&io, request, request_len) < 0 || read_head(&io, &rb, &h) < 0) die("request failed");
    long long n = read_body(&io, &rb, &h, 1);
    double t1 = now(), c1 = self_cpu(), s1 = watched_cpu();
    io_close(&io, 1);
    printf("{\"mode\":\"stream\",\"status\":%d,\"bytes\":%lld,\"secs\":%.4f,\"mbps\":%.1f,\"errors\":%d,"
           "\"server_cpu_s\":%.3f,\"loadgen_cpu_s\":%.3f}\n",
           h.status, n, t1 - t0, n > 0 ? (double)n / 1e6 / (t1 - t0) : 0, (n < 0 || h.status != 200) ? 1 : 0,
           s1 - s0, c1 - c0);
}

/* ---------------------------------------------------------------- exec -i cat */
static int post_json(io_t *io, rbuf_t *rb, const char *path, const char *body, const char *extra,
                     head_t *h, char *resp, size_t resp_cap) {
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockgate-bench\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
                     path, strlen(body), extra, body);
    if (io_write_all(io, req, (size_t)n) < 0 || read_head(io, rb, h) < 0) return -1;
    if (!resp) return 0;
    /* small body: keep it */
    if (h->clen >= 0) {
        while (rb->len < (size_t)h->clen)
            if (fill(io, rb) <= 0) return -1;
        size_t k = (size_t)h->clen < resp_cap - 1 ? (size_t)h->clen : resp_cap - 1;
        memcpy(resp, rb->buf, k);
        resp[k] = 0;
        consume(rb, (size_t)h->clen);
        return 0;
    }
    return -1;
}

static void run_exec(void) {
    if (!container) die("exec needs --container");
    io_t io;
    rbuf_t rb = {.buf = malloc(RBUF)};
    if (io_connect(&io) < 0) die("connect failed");
    char path[512], resp[4096];
    head_t h;
    snprintf(path, sizeof path, "/containers/%s/exec", container);
    if (post_json(&io, &rb, path,
                  "{\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":false,\"Tty\":false,"
                  "\"Cmd\":[\"cat\"]}",
                  "", &h, resp, sizeof resp) < 0 || h.status != 201)
        die("exec create failed");
    char *idp = strstr(resp, "\"Id\":\"");
    if (!idp) die("no exec id");
    char id[128] = {0};
    sscanf(idp + 6, "%127[0-9a-f]", id);
    snprintf(path, sizeof path, "/exec/%s/start", id);
    if (post_json(&io, &rb, path, "{\"Detach\":false,\"Tty\":false}", "Connection: Upgrade\r\nUpgrade: tcp\r\n", &h,
                  NULL, 0) < 0)
        die("exec start failed");
    if (h.status != 101 && h.status != 200) die("exec start: unexpected status");
    unsigned long long total = (unsigned long long)(mb * 1e6), sent = 0, got = 0;
    /* demux state: bytes of header still to read, payload bytes left in the current frame */
    unsigned char hdr[8];
    int hdr_have = 0;
    unsigned long long frame_left = 0;
    static char wbuf[64 * 1024];
    memset(wbuf, 'y', sizeof wbuf);
    char *rbuf = malloc(RBUF);
    /* bytes already read after the 101 head belong to the stream */
    size_t pre = rb.len;
    memcpy(rbuf, rb.buf, pre);
    fcntl(io.fd, F_SETFL, fcntl(io.fd, F_GETFL) | O_NONBLOCK);
    if (io.ssl) SSL_set_mode(io.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    double c0 = self_cpu(), s0 = watched_cpu(), t0 = now();
    int wlen = 0, want_write = 1, failed = 0;
    while (got < total) {
        if (now() - t0 > timeout_s) { failed = 1; break; }
        /* read everything available */
        for (;;) {
            int r;
            if (pre) { r = (int)pre; pre = 0; }
            else if (io.ssl) {
                r = SSL_read(io.ssl, rbuf, RBUF);
                if (r <= 0) {
                    int e = SSL_get_error(io.ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
                    failed = 1;
                    break;
                }
            } else {
                r = (int)recv(io.fd, rbuf, RBUF, 0);
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                if (r <= 0) { failed = 1; break; }
            }
            for (int i = 0; i < r;) {
                if (frame_left == 0) {
                    hdr[hdr_have++] = (unsigned char)rbuf[i++];
                    if (hdr_have == 8) {
                        frame_left = ((unsigned long long)hdr[4] << 24) | ((unsigned long long)hdr[5] << 16) |
                                     ((unsigned long long)hdr[6] << 8) | hdr[7];
                        hdr_have = 0;
                    }
                } else {
                    unsigned long long k = (unsigned long long)(r - i) < frame_left ? (unsigned long long)(r - i) : frame_left;
                    frame_left -= k;
                    got += k;
                    i += (int)k;
                }
            }
        }
        if (failed || got >= total) break;
        if (sent < total) {
            if (!wlen) wlen = (int)(total - sent < sizeof wbuf ? total - sent : sizeof wbuf);
            int w;
            if (io.ssl) {
                w = SSL_write(io.ssl, wbuf, wlen);
                if (w <= 0) {
                    int e = SSL_get_error(io.ssl, w);
                    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) { failed = 1; break; }
                    w = 0;
                }
            } else {
                w = (int)send(io.fd, wbuf, (size_t)wlen, MSG_NOSIGNAL);
                if (w < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK) { failed = 1; break; }
                    w = 0;
                }
            }
            if (w > 0) { sent += (unsigned long long)w; wlen = 0; want_write = 1; }
            else want_write = 1;
            if (w > 0) continue;
        } else {
            want_write = 0;
        }
        struct pollfd p = {.fd = io.fd, .events = POLLIN | (want_write && sent < total ? POLLOUT : 0)};
        poll(&p, 1, 1000);
    }
    double t1 = now(), c1 = self_cpu(), s1 = watched_cpu();
    if (!io.ssl) shutdown(io.fd, SHUT_WR);
    io_close(&io, !failed);
    printf("{\"mode\":\"exec\",\"bytes_sent\":%llu,\"bytes_received\":%llu,\"secs\":%.4f,\"mbps\":%.1f,"
           "\"errors\":%d,\"server_cpu_s\":%.3f,\"loadgen_cpu_s\":%.3f}\n",
           sent, got, t1 - t0, (double)got / 1e6 / (t1 - t0), failed || got < total, s1 - s0, c1 - c0);
}

/* ---------------------------------------------------------------- idle */
static io_t *idle_ios;
static atomic_int idle_next, idle_ok, idle_failed;
static void *idle_worker(void *arg) {
    (void)arg;
    rbuf_t rb = {.buf = malloc(RBUF)};
    for (;;) {
        int i = atomic_fetch_add(&idle_next, 1);
        if (i >= conns) break;
        io_t *io = &idle_ios[i];
        head_t h;
        rb.len = 0;
        int ok = 0;
        for (int attempt = 0; attempt < 3 && !ok; attempt++) {
            if (io_connect(io) == 0) {
                if (handshake_only) { ok = 1; break; }
                ok = io_write_all(io, request, request_len) == 0 && read_head(io, &rb, &h) == 0 &&
                     read_body(io, &rb, &h, 0) >= 0 && h.status == 200;
                if (!ok) io_close(io, 0);
            } else {
                usleep(20000);
            }
        }
        if (ok) atomic_fetch_add(&idle_ok, 1);
        else { atomic_fetch_add(&idle_failed, 1); io->fd = -1; io->ssl = NULL; }
    }
    free(rb.buf);
    return NULL;
}
static void run_idle(void) {
    idle_ios = calloc((size_t)conns, sizeof *idle_ios);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    double t0 = now();
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, idle_worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    printf("{\"mode\":\"idle\",\"ready\":true,\"conns\":%d,\"ok\":%d,\"errors\":%d,\"open_secs\":%.2f}\n", conns,
           atomic_load(&idle_ok), atomic_load(&idle_failed), now() - t0);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) { /* EOF */ }
    for (int i = 0; i < conns; i++)
        if (idle_ios[i].fd >= 0) io_close(&idle_ios[i], 1);
}

/* ---------------------------------------------------------------- main */
int main(int argc, char **argv) {
    if (argc < 2) die("usage: loadgen ka|hs|stream|exec|idle --target tls:HOST:PORT|unix:PATH ...");
    mode = argv[1];
    static struct option opts[] = {
        {"target", 1, 0, 't'}, {"cert", 1, 0, 'c'},    {"key", 1, 0, 'k'},     {"path", 1, 0, 'p'},
        {"conns", 1, 0, 'n'},  {"threads", 1, 0, 'j'}, {"secs", 1, 0, 's'},    {"warmup", 1, 0, 'w'},
        {"mb", 1, 0, 'm'},     {"container", 1, 0, 'C'}, {"watch-pids", 1, 0, 'P'}, {"timeout", 1, 0, 'T'}, {"handshake-only", 0, 0, 'H'},
        {0, 0, 0, 0}};
    const char *target = NULL;
    int o;
    optind = 2;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 't': target = optarg; break;
        case 'c': cert_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 'p': req_path = optarg; break;
        case 'n': conns = atoi(optarg); break;
        case 'j': threads = atoi(optarg); break;
        case 's': secs = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        case 'm': mb = atof(optarg); break;
        case 'C': container = optarg; break;
        case 'P': snprintf(watch_pids_arg, sizeof watch_pids_arg, "%s", optarg); break;
        case 'T': timeout_s = atof(optarg); break;
        case 'H': handshake_only = 1; break;
        default: die("bad option");
        }
    }
    if (!target) die("--target is required");
    if (strncmp(target, "tls:", 4) == 0) {
        use_tls = 1;
        const char *hp = target + 4;
        const char *colon = strrchr(hp, ':');
        if (!colon) die("tls:HOST:PORT");
        snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
        port = atoi(colon + 1);
    } else if (strncmp(target, "unix:", 5) == 0) {
        snprintf(upath, sizeof upath, "%s", target + 5);
    } else {
        die("target must be tls:HOST:PORT or unix:PATH");
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
    if (use_tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (!cert_file || !key_file) die("--cert and --key are required for tls targets");
        if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
            die("cannot load client certificate/key");
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    if (strcmp(mode, "ka") == 0) {
        build_request(req_path, 0);
        run_workers(conns, ka_worker);
    } else if (strcmp(mode, "hs") == 0) {
        if (!use_tls) die("hs needs a tls target");
        build_request(req_path, 0);
        run_workers(threads, hs_worker);
    } else if (strcmp(mode, "stream") == 0) {
        build_request(req_path, 0);
        run_stream();
    } else if (strcmp(mode, "exec") == 0) {
        run_exec();
    } else if (strcmp(mode, "idle") == 0) {
        build_request(req_path, 0);
        run_idle();
    } else {
        die("unknown mode");
    }
    return 0;
}
