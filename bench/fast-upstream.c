/*
 * fast-upstream: a minimal, fast HTTP/1.1 server on a unix socket, used by the benchmark as the
 * upstream of every proxy so that the proxies' own cost is not hidden behind dockerd's.
 *
 *   fast-upstream /path/to/socket
 *
 *   GET /_ping            -> 200, "OK" (Content-Length: 2), keep-alive
 *   GET /stream?bytes=N   -> 200, N bytes of body (Content-Length: N), keep-alive
 *   anything else         -> 404 (Content-Length), keep-alive
 *
 * Single thread, epoll, non-blocking sockets; request bodies announced by Content-Length are
 * skipped. Exits on SIGTERM/SIGINT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define INBUF (16 * 1024)
#define STREAM_CHUNK (256 * 1024)

struct conn {
    int fd;
    char in[INBUF];
    size_t inlen;
    size_t skip_body;      /* request body bytes still to discard */
    char out[512];         /* pending response head (+ small body) */
    size_t outlen, outoff;
    unsigned long long stream_left; /* streaming body bytes still to send */
    int want_out;
};

static char stream_buf[STREAM_CHUNK];
static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static int ep;

static void set_events(struct conn *c, int out) {
    if (c->want_out == out) return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = out;
}

static void close_conn(struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Parse complete requests in c->in; queue the response. Returns 0 when a response was queued
 * (stop parsing until it is flushed), 1 when more input is needed, -1 on error. */
static int parse_one(struct conn *c) {
    if (c->skip_body) {
        size_t n = c->inlen < c->skip_body ? c->inlen : c->skip_body;
        memmove(c->in, c->in + n, c->inlen - n);
        c->inlen -= n;
        c->skip_body -= n;
        if (c->skip_body) return 1;
    }
    char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
    if (!end) return c->inlen >= INBUF ? -1 : 1;
    size_t headlen = (size_t)(end - c->in) + 4;
    /* request line */
    char method[16] = {0}, target[1024] = {0};
    if (sscanf(c->in, "%15s %1023s", method, target) != 2) return -1;
    size_t clen = 0;
    /* Content-Length of the request, if any */
    for (char *p = c->in; p < end;) {
        char *nl = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!nl) break;
        if ((size_t)(nl - p) > 15 && strncasecmp(p, "content-length:", 15) == 0)
            clen = strtoull(p + 15, NULL, 10);
        p = nl + 2;
    }
    memmove(c->in, c->in + headlen, c->inlen - headlen);
    c->inlen -= headlen;
    c->skip_body = clen;
    c->outoff = 0;
    if (strcmp(target, "/_ping") == 0 || strncmp(target, "/_ping?", 7) == 0 ||
        (strncmp(target, "/v1.", 4) == 0 && strstr(target, "/_ping"))) {
        c->outlen = (size_t)snprintf(c->out, sizeof c->out,
                                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
    } else if (strncmp(target, "/stream?bytes=", 14) == 0) {
        unsigned long long n = strtoull(target + 14, NULL, 10);
        c->outlen = (size_t)snprintf(c->out, sizeof c->out,
                                     "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                     "Content-Length: %llu\r\n\r\n", n);
        c->stream_left = n;
    } else {
        c->outlen = (size_t)snprintf(c->out, sizeof c->out,
                                     "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                     "Content-Length: 28\r\n\r\n{\"message\":\"page not found\"}");
    }
    return 0;
}

/* Write what is pending. Returns 1 when all written, 0 on EAGAIN, -1 on error. */
static int flush(struct conn *c) {
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (w < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        c->outoff += (size_t)w;
    }
    while (c->stream_left) {
        size_t n = c->stream_left < STREAM_CHUNK ? (size_t)c->stream_left : STREAM_CHUNK;
        ssize_t w = send(c->fd, stream_buf, n, MSG_NOSIGNAL);
        if (w < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        c->stream_left -= (unsigned long long)w;
    }
    c->outlen = c->outoff = 0;
    return 1;
}

/* Drive a connection: respond to every complete request while output drains. */
static void drive(struct conn *c, int readable) {
    if (c->outlen || c->stream_left) {
        int f = flush(c);
        if (f < 0) { close_conn(c); return; }
        if (f == 0) { set_events(c, 1); return; }
    }
    for (;;) {
        if (readable) {
            ssize_t r = recv(c->fd, c->in + c->inlen, INBUF - c->inlen, 0);
            if (r == 0) { close_conn(c); return; }
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) readable = 0;
                else { close_conn(c); return; }
            } else {
                c->inlen += (size_t)r;
            }
        }
        int p;
        int progressed = 0;
        while ((p = parse_one(c)) == 0) {
            progressed = 1;
            int f = flush(c);
            if (f < 0) { close_conn(c); return; }
            if (f == 0) { set_events(c, 1); return; }
        }
        if (p < 0) { close_conn(c); return; }
        if (!readable && !progressed) break;
        if (!readable) break;
    }
    set_events(c, 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
        return 2;
    }
    memset(stream_buf, 'x', sizeof stream_buf);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_sig};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }

    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof sun.sun_path) { fprintf(stderr, "socket path too long\n"); return 2; }
    strcpy(sun.sun_path, argv[1]);
    unlink(argv[1]);
    if (bind(lfd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(lfd, 4096) < 0) {
        perror("bind/listen");
        return 1;
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    struct epoll_event evs[256];
    while (!stop) {
        int n = epoll_wait(ep, evs, 256, 500);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    struct conn *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            struct conn *c = evs[i].data.ptr;
            if (evs[i].events & (EPOLLERR)) { close_conn(c); continue; }
            drive(c, (evs[i].events & (EPOLLIN | EPOLLHUP)) != 0);
        }
    }
    unlink(argv[1]);
    return 0;
}
