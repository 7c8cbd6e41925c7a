/* engine/obs/server.c — the metrics and status server (obs.h): libwebsockets' HTTP server on a
 * thread of its own. Nothing here touches an agent: each request takes a snapshot through the
 * wiring's collect function, renders it and sends it in 16 kB pieces. */
#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/base/idle.h"
#include "engine/obs/obs.h"

#define CHUNK 16384

struct volt_obs {
    struct lws_context *ctx;
    pthread_t th;
    _Atomic int stop;
    int port, cpu;
    volt_obs_collect_fn collect;
    void *collect_ctx;
    volt_obs_snapshot_t *snap; /* the server thread's scratch */
    _Atomic uint64_t requests[4];
};

/* One HTTP transaction's body, sent a piece per writable callback. */
typedef struct {
    char *body;
    size_t len, off;
} pss_t;

enum { K_METRICS, K_STATUS, K_PAGE, K_OTHER };

static int path_kind(const char *uri)
{
    if (strcmp(uri, "/metrics") == 0)
        return K_METRICS;
    if (strcmp(uri, "/status.json") == 0)
        return K_STATUS;
    if (strcmp(uri, "/") == 0 || strcmp(uri, "/index.html") == 0)
        return K_PAGE;
    return K_OTHER;
}

/* The body of a path: rendered into a buffer grown until it fits. NULL: no memory. */
static char *render(volt_obs_t *o, int kind, size_t *len)
{
    if (kind == K_PAGE) {
        const char *page = volt_obs_page();
        *len = strlen(page);
        char *b = malloc(*len + 1);
        if (b)
            memcpy(b, page, *len + 1);
        return b;
    }
    memset(o->snap, 0, sizeof *o->snap);
    o->collect(o->collect_ctx, o->snap);
    size_t cap = 64 * 1024;
    for (;;) {
        char *b = malloc(cap);
        if (!b)
            return NULL;
        const size_t n = kind == K_METRICS ? volt_obs_prometheus(o->snap, b, cap)
                                           : volt_obs_status_json(o->snap, b, cap);
        if (n < cap) {
            *len = n;
            return b;
        }
        free(b);
        cap = n + 1;
    }
}

static int on_http(struct lws *wsi, pss_t *pss, const char *uri)
{
    volt_obs_t *o = lws_context_user(lws_get_context(wsi));
    const int kind = path_kind(uri);
    atomic_fetch_add_explicit(&o->requests[kind], 1, memory_order_relaxed);
    if (kind == K_OTHER) {
        if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, "not found: try /metrics, /status.json or /"))
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    pss->body = render(o, kind, &pss->len);
    pss->off = 0;
    if (!pss->body)
        return -1;
    static const char *const ctype[] = {"text/plain; version=0.0.4; charset=utf-8",
                                        "application/json", "text/html; charset=utf-8"};
    unsigned char hb[LWS_PRE + 512];
    unsigned char *start = hb + LWS_PRE, *p = start, *end = hb + sizeof hb - 1;
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, ctype[kind], pss->len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, (const unsigned char *)"no-store",
                                     8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_writable(struct lws *wsi, pss_t *pss)
{
    if (!pss->body)
        return 0;
    static unsigned char buf[LWS_PRE + CHUNK]; /* the server's one thread */
    const size_t n = pss->len - pss->off < CHUNK ? pss->len - pss->off : CHUNK;
    const int last = pss->off + n == pss->len;
    memcpy(buf + LWS_PRE, pss->body + pss->off, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return 1;
    pss->off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(pss->body);
    pss->body = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    pss_t *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(wsi, pss, in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_writable(wsi, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (pss) {
            free(pss->body);
            pss->body = NULL;
        }
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"http", callback, sizeof(pss_t), 0, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

static void *serve(void *arg)
{
    volt_obs_t *o = arg;
    if (o->cpu >= 0)
        volt_pin_self(o->cpu); /* a failure leaves it unpinned: the metrics are not worth a word */
    while (!atomic_load_explicit(&o->stop, memory_order_acquire))
        if (lws_service(o->ctx, 0) < 0)
            break;
    return NULL;
}

int volt_obs_parse_addr(const char *addr, char *host, size_t host_cap, int *port, int *off)
{
    *off = 0;
    if (!addr || strcmp(addr, "off") == 0) {
        *off = 1;
        return 0;
    }
    const char *colon = strrchr(addr, ':');
    char *endp = NULL;
    const long p = colon ? strtol(colon + 1, &endp, 10) : -1;
    const size_t hl = colon ? (size_t)(colon - addr) : 0;
    unsigned a, b, c, d;
    char tail;
    char h[64];
    if (colon && hl < sizeof h) {
        memcpy(h, addr, hl);
        h[hl] = '\0';
    }
    if (!colon || !*(colon + 1) || *endp || p < 0 || p > 65535 || hl == 0 || hl >= sizeof h ||
        hl >= host_cap || sscanf(h, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
        b > 255 || c > 255 || d > 255)
        return VOLT_ERR(-EINVAL, "--metrics takes HOST:PORT with a numeric IPv4 host (e.g. %s) or "
                                 "off, not '%s'", VOLT_OBS_DEFAULT_ADDR, addr);
    memcpy(host, h, hl + 1);
    *port = (int)p;
    return 0;
}

int volt_obs_start(const char *addr, int cpu, volt_obs_collect_fn fn, void *ctx, FILE *human,
                   volt_obs_t **out)
{
    char host[64];
    int port, off, rc;
    *out = NULL;
    if ((rc = volt_obs_parse_addr(addr, host, sizeof host, &port, &off)) || off)
        return rc;
    volt_obs_t *o = calloc(1, sizeof *o);
    if (!o || !(o->snap = malloc(sizeof *o->snap))) {
        free(o);
        return VOLT_ERR(-ENOMEM, "allocating the metrics server");
    }
    o->cpu = cpu;
    o->collect = fn;
    o->collect_ctx = ctx;
    lws_set_log_level(LLL_ERR, NULL); /* the engine's own lines say what matters */
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = host;
    info.protocols = protocols;
    info.user = o;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    info.vhost_name = "volt-metrics";
    o->ctx = lws_create_context(&info);
    if (!o->ctx) {
        free(o->snap);
        free(o);
        return VOLT_ERR(-EADDRINUSE, "the metrics server cannot listen on %s (in use, or not an "
                                     "address of this host)", addr);
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(o->ctx, "volt-metrics");
    o->port = vh ? lws_get_vhost_listen_port(vh) : port;
    if ((rc = pthread_create(&o->th, NULL, serve, o))) {
        lws_context_destroy(o->ctx);
        free(o->snap);
        free(o);
        return VOLT_ERR(-rc, "starting the metrics server's thread");
    }
    pthread_setname_np(o->th, "volt-metrics");
    if (human)
        fprintf(human, "volt: metrics on http://%s:%d/metrics, status page on http://%s:%d/\n", host,
                o->port, host, o->port);
    *out = o;
    return 0;
}

int volt_obs_port(const volt_obs_t *o) { return o->port; }

uint64_t volt_obs_requests(volt_obs_t *o, int kind)
{
    return atomic_load_explicit(&o->requests[kind], memory_order_relaxed);
}

void volt_obs_stop(volt_obs_t *o)
{
    if (!o)
        return;
    atomic_store_explicit(&o->stop, 1, memory_order_release);
    lws_cancel_service(o->ctx);
    pthread_join(o->th, NULL);
    lws_context_destroy(o->ctx);
    free(o->snap);
    free(o);
}
