/* engine/agents/source_ws.c — the live source: a Coinbase market-data WebSocket into the frame ring.
 *
 * One libwebsockets client context, serviced by this thread only. On every (re)connect it sends the
 * protocol's subscribe messages and starts a new stream epoch (the hot agent's sequence tracking
 * restarts with it). Frames are reassembled from fragments up to --max-frame; a longer frame is
 * dropped as it streams in and announced as TOO_LARGE. Resilience:
 *  - reconnect with exponential backoff and jitter: attempt k waits a uniformly random time in
 *    [d/2, d], d = min(backoff_max, backoff_min * 2^k); k resets once a connection delivers data;
 *  - heartbeat watchdog: no frame for watchdog_s seconds closes the connection (then reconnect);
 *  - stop (duration reached, SIGINT/SIGTERM): close, push END, return — the rings then drain. */
#include <errno.h>
#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>

#include "engine/agents/source.h"
#include "engine/agents/source_ws.h"
#include "engine/base/clock.h"

#define NS 1000000000LL

typedef struct {
    volt_agent_t agent;
    const volt_pipeline_cfg_t *cfg;
    volt_source_out_t out;
    volt_rb_t *journal; /* NULL: no journal */
    _Atomic int *resync; /* set by the hot agent: the books need fresh snapshots */
    volt_source_stats_t *st;
    struct lws_context *ctx;
    struct lws *wsi;
    lws_sorted_usec_list_t sul_tick, sul_reconnect;
    char host[256], path[512];
    int port, tls;
    uint32_t epoch;
    int attempts;
    int connected, subscribed_sent, got_data;
    int resub; /* level-2 resubscription messages still to send: 2 unsubscribe, 1 subscribe */
    int64_t last_rx_mono, deadline_mono, dropped_mono, stop_mono;
    int64_t attempt_mono; /* when the connection attempt in hand started (0: none) */
    char *frame;
    size_t frame_len;
    int frame_oversize;
    int64_t frame_recv_wall, frame_recv_mono;
    uint64_t frame_no;
    double tokens;        /* --max-rate's bucket: frames this connection may still send now */
    int64_t tokens_mono;  /* when it was last filled */
    int rate_logged;      /* this connection went over the limit: said once */
    uint64_t rng;
    int done;
    char last_error[256];
} ws_t;

static ws_t *g_ws; /* lws callbacks reach the agent through this (one source per process) */

static int64_t wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static double jitter(ws_t *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return (double)(s->rng >> 11) / 9007199254740992.0;
}

/* Every frame goes to the hot agent and, with --save-disk, to the journal. */
static void push(ws_t *s, uint32_t kind, const char *p, size_t n, int64_t wall, int64_t mono)
{
    /* TCP backpressure when a ring is full: nothing received is dropped */
    const volt_frame_hdr_t h = {.recv_mono_ns = mono,
                                .recv_wall_ns = wall,
                                .line = ++s->frame_no,
                                .file = 0,
                                .epoch = s->epoch,
                                .kind = kind,
                                .len = (uint32_t)n};
    if (s->journal)
        volt_frame_push(volt_rb_producer(s->journal), &s->agent.idle, &h, p);
    volt_frame_push_hot(&s->out, &s->agent.idle, &h, p);
}

static void connect_now(ws_t *s);

static void on_reconnect(lws_sorted_usec_list_t *sul)
{
    ws_t *s = lws_container_of(sul, ws_t, sul_reconnect);
    if (!s->done)
        connect_now(s);
}

static void schedule_reconnect(ws_t *s)
{
    const volt_pipeline_cfg_t *cfg = s->cfg;
    double d = cfg->backoff_min_s;
    for (int i = 0; i < s->attempts && d < cfg->backoff_max_s; i++)
        d *= 2;
    if (d > cfg->backoff_max_s)
        d = cfg->backoff_max_s;
    d = d * (0.5 + 0.5 * jitter(s));
    s->attempts++;
    lws_sul_schedule(s->ctx, 0, &s->sul_reconnect, on_reconnect, (lws_usec_t)(d * 1e6));
}

static void connect_now(ws_t *s)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = s->ctx;
    ci.address = s->host;
    ci.port = s->port;
    ci.path = s->path;
    ci.host = s->host;
    ci.origin = s->host;
    ci.ssl_connection = s->tls ? LCCSCF_USE_SSL : 0; /* certificate verification stays on */
    ci.protocol = NULL;
    ci.pwsi = &s->wsi;
    s->st->live.connect_attempts++;
    s->attempt_mono = volt_clock_ns();
    if (!lws_client_connect_via_info(&ci)) {
        s->wsi = NULL;
        s->st->live.connect_failures++;
        schedule_reconnect(s);
    }
}

/* A JSON list of product names: every product, or level 2's (--level2-pair). */
static void product_list(const volt_pipeline_cfg_t *cfg, int level2, char *list, size_t cap)
{
    const int l2 = level2 && cfg->n_l2_products > 0;
    const char *const *p = l2 ? cfg->l2_products : cfg->products;
    const int np = l2 ? cfg->n_l2_products : cfg->n_products;
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; i < np && n < cap - 40; i++)
        n += (size_t)snprintf(list + n, cap - n, "%s\"%s\"", i ? "," : "", p[i]);
}

static size_t subscribe_msg(ws_t *s, int which, char *buf, size_t cap)
{
    const volt_pipeline_cfg_t *cfg = s->cfg;
    char list[4096], l2[4096];
    product_list(cfg, which == 3, list, sizeof list);
    if (cfg->protocol == VOLT_PROTO_EXCHANGE) {
        product_list(cfg, 1, l2, sizeof l2);
        return (size_t)snprintf(buf, cap,
                                "{\"type\":\"subscribe\",\"product_ids\":[%s],"
                                "\"channels\":[\"ticker\",\"matches\",\"heartbeat\"%s%s%s]}",
                                list, cfg->level2 ? ",{\"name\":\"level2_batch\",\"product_ids\":[" : "",
                                cfg->level2 ? l2 : "", cfg->level2 ? "]}" : "");
    }
    static const char *const channels[] = {"ticker", "market_trades", "heartbeats", "level2"};
    return (size_t)snprintf(buf, cap,
                            "{\"type\":\"subscribe\",\"product_ids\":[%s],\"channel\":\"%s\"}", list,
                            channels[which]);
}

/* The level-2 resubscription: an unsubscribe (which = 0), then a subscribe (1), level 2 only. */
static size_t resubscribe_msg(ws_t *s, int which, char *buf, size_t cap)
{
    const volt_pipeline_cfg_t *cfg = s->cfg;
    char list[4096];
    product_list(cfg, 1, list, sizeof list);
    const char *type = which ? "subscribe" : "unsubscribe";
    if (cfg->protocol == VOLT_PROTO_EXCHANGE)
        return (size_t)snprintf(buf, cap, "{\"type\":\"%s\",\"product_ids\":[%s],\"channels\":[\"level2_batch\"]}",
                                type, list);
    return (size_t)snprintf(buf, cap, "{\"type\":\"%s\",\"product_ids\":[%s],\"channel\":\"level2\"}",
                            type, list);
}

/* Connected: a new stream epoch, the reconnect's duration, and the subscriptions to send. */
static void on_established(ws_t *s, struct lws *wsi)
{
    volt_live_stats_t *st = &s->st->live;
    s->connected = 1;
    s->attempt_mono = 0;
    s->subscribed_sent = 0;
    s->resub = 0; /* a new connection's subscriptions bring snapshots anyway */
    s->got_data = 0;
    s->epoch++;
    s->tokens = s->cfg->max_rate; /* a new connection starts with a full second's worth */
    s->tokens_mono = volt_clock_ns();
    s->rate_logged = 0;
    st->connects++;
    const int64_t now = volt_clock_ns();
    s->last_rx_mono = now;
    if (s->dropped_mono && st->connects > 1) {
        const int64_t gap = now - s->dropped_mono;
        if (gap > st->max_reconnect_ns)
            st->max_reconnect_ns = gap;
        st->last_reconnect_ns = gap;
    }
    if (s->cfg->human && st->connects > 1)
        fprintf(s->cfg->human, "volt: reconnected to %s (connection %llu)\n", s->cfg->url,
                (unsigned long long)st->connects);
    lws_callback_on_writable(wsi);
}

/* Writable: the next subscribe message (one for the Exchange feed, one per channel for Advanced
 * Trade), then any level-2 resubscription. Returns -1 to close the connection when a write fails. */
static int on_writeable(ws_t *s, struct lws *wsi)
{
    const int n_msgs = s->cfg->protocol == VOLT_PROTO_EXCHANGE ? 1 : 3 + (s->cfg->level2 != 0);
    static unsigned char buf[LWS_PRE + 12288]; /* the source thread's: one at a time */
    if (s->subscribed_sent >= n_msgs && s->resub) {
        const size_t n = resubscribe_msg(s, s->resub == 1, (char *)buf + LWS_PRE, 12288);
        if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
            return -1;
        if (--s->resub)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (s->subscribed_sent >= n_msgs)
        return 0;
    const size_t n = subscribe_msg(s, s->subscribed_sent, (char *)buf + LWS_PRE, 12288);
    if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
        return -1;
    s->subscribed_sent++;
    if (s->subscribed_sent < n_msgs)
        lws_callback_on_writable(wsi);
    else
        s->st->live.subscribes++;
    return 0;
}

/* --max-rate: 1 when the connection may send this frame now (a bucket of a second's worth,
 * refilled at the rate); the excess is dropped, counted, and said once per connection. */
static int within_rate(ws_t *s, int64_t now)
{
    const double rate = s->cfg->max_rate;
    if (rate <= 0)
        return 1;
    s->tokens += (double)(now - s->tokens_mono) * rate / 1e9;
    if (s->tokens > rate)
        s->tokens = rate;
    s->tokens_mono = now;
    if (s->tokens >= 1.0) {
        s->tokens -= 1.0;
        return 1;
    }
    s->st->live.rate_limited++;
    if (!s->rate_logged && s->cfg->human)
        fprintf(s->cfg->human, "volt: %s sends more than --max-rate %.0f messages/s; dropping the "
                               "excess (counted: frames over the rate limit)\n", s->cfg->url, rate);
    s->rate_logged = 1;
    return 0;
}

/* A fragment: reassembled up to max_frame (a longer frame is read off the wire and kept none of);
 * the final one hands the frame over. */
static void on_receive(ws_t *s, struct lws *wsi, const void *in, size_t len)
{
    volt_live_stats_t *st = &s->st->live;
    const int64_t mono = volt_clock_ns();
    if (lws_is_first_fragment(wsi)) {
        s->frame_len = 0;
        s->frame_oversize = 0;
        s->frame_recv_wall = wall_now();
        s->frame_recv_mono = mono;
    }
    s->last_rx_mono = mono;
    if (!s->frame_oversize) {
        if (s->frame_len + len > s->cfg->max_frame) {
            s->frame_oversize = 1;
        } else {
            memcpy(s->frame + s->frame_len, in, len);
            s->frame_len += len;
        }
    }
    if (!lws_is_final_fragment(wsi))
        return;
    if (!s->got_data) {
        s->got_data = 1;
        s->attempts = 0; /* this connection works: next failure starts the backoff over */
    }
    st->frames++;
    if (!within_rate(s, mono))
        return;
    if (s->frame_oversize) {
        st->frames_too_large++;
        push(s, VOLT_FRAME_TOO_LARGE, NULL, 0, s->frame_recv_wall, s->frame_recv_mono);
    } else {
        push(s, VOLT_FRAME_DATA, s->frame, s->frame_len, s->frame_recv_wall, s->frame_recv_mono);
    }
}

/* A connection that never opened: say why once per distinct reason, then back off and retry. */
static void on_connection_error(ws_t *s, const char *in)
{
    s->st->live.connect_failures++;
    s->attempt_mono = 0;
    const char *why = in ? in : "unknown error";
    FILE *log = s->cfg->human;
    if (log && strncmp(why, s->last_error, sizeof s->last_error - 1) != 0) {
        if (s->tls && (strstr(why, "SSL") || strstr(why, "ssl") || strstr(why, "cert")))
            fprintf(log,
                    "volt: cannot connect to %s: TLS handshake failed; the server's certificate is "
                    "not trusted by %s (%s)\n",
                    s->cfg->url, s->cfg->ca_file ? s->cfg->ca_file : "the system store", why);
        else
            fprintf(log, "volt: cannot connect to %s: %s\n", s->cfg->url, why);
    }
    snprintf(s->last_error, sizeof s->last_error, "%s", why);
    s->wsi = NULL;
    if (!s->connected && !s->done)
        schedule_reconnect(s);
}

/* The connection ended (closed, or destroyed by a timeout): counted as lost unless we are
 * stopping, and a reconnect is scheduled unless one is already. */
static void on_closed(ws_t *s)
{
    if (!s->connected && s->attempt_mono && !s->done) {
        /* it closed before the handshake completed (our handshake timeout, or the server's) */
        on_connection_error(s, "the WebSocket handshake did not complete");
        return;
    }
    if (s->connected) {
        s->connected = 0;
        if (!s->done)
            s->st->live.disconnects++; /* lost, not closed by us at the end */
        s->dropped_mono = volt_clock_ns();
        if (s->cfg->human && !s->done)
            fprintf(s->cfg->human, "volt: connection to %s lost; reconnecting\n", s->cfg->url);
    }
    s->wsi = NULL;
    if (!s->done && lws_dll2_is_detached(&s->sul_reconnect.list))
        schedule_reconnect(s);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    ws_t *s = g_ws;
    if (!s)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        on_established(s, wsi);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(s, wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        on_receive(s, wsi, in, len);
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        on_connection_error(s, in);
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        /* a connection killed by a timeout ends here without CLIENT_CLOSED */
        if (wsi == s->wsi)
            on_closed(s);
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi == s->wsi || !s->wsi)
            on_closed(s);
        break;
    default:
        break;
    }
    return 0;
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    ws_t *s = lws_container_of(sul, ws_t, sul_tick);
    const int64_t now = volt_clock_ns();
    const volt_pipeline_cfg_t *cfg = s->cfg;
    if (volt_pipeline_stop_requested() || (s->deadline_mono && now >= s->deadline_mono)) {
        if (!s->done) {
            s->done = 1;
            s->stop_mono = now;
            if (s->wsi)
                lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        }
        /* keep ticking so the service loop notices the close; give up waiting after 2 s */
        if (now - s->stop_mono > 2 * NS)
            s->wsi = NULL;
        lws_sul_schedule(s->ctx, 0, &s->sul_tick, on_tick, 10000);
        return;
    }
    if (s->resync && atomic_load_explicit(s->resync, memory_order_relaxed) && s->connected && s->wsi &&
        !s->resub) {
        /* the hot agent saw a sequence gap or a crossed book with level-2 books in use: they are
         * wrong until new snapshots, which subscribing to level 2 again brings (on the same
         * connection: the other channels go on) */
        atomic_store_explicit(s->resync, 0, memory_order_relaxed);
        s->st->live.book_resyncs++;
        if (cfg->human)
            fprintf(cfg->human, "volt: the level-2 books are invalid (a sequence gap or a crossed book); "
                                "resubscribing to level 2 on %s for fresh snapshots\n", cfg->url);
        s->resub = 2;
        lws_callback_on_writable(s->wsi);
    }
    if (!s->connected && s->wsi && s->attempt_mono &&
        now - s->attempt_mono > (int64_t)(cfg->watchdog_s * 1e9)) {
        /* a server that takes the connection and never answers: give up on it after the
         * watchdog's time; the close reports the failure (on_closed) and the backoff retries */
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    }
    if (s->connected && s->wsi && now - s->last_rx_mono > (int64_t)(cfg->watchdog_s * 1e9)) {
        s->st->live.watchdog_fires++;
        if (cfg->human)
            fprintf(cfg->human, "volt: no data from %s for %.1f s; reconnecting\n", cfg->url,
                    cfg->watchdog_s);
        s->last_rx_mono = now; /* fire once per silence */
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    }
    lws_sul_schedule(s->ctx, 0, &s->sul_tick, on_tick, 50000);
}

int volt_ws_parse_url(const char *url, char *host, size_t hcap, int *port, char *path, size_t pcap,
                      int *tls)
{
    const char *p;
    if (strncmp(url, "wss://", 6) == 0) {
        *tls = 1;
        *port = 443;
        p = url + 6;
    } else if (strncmp(url, "ws://", 5) == 0) {
        *tls = 0;
        *port = 80;
        p = url + 5;
    } else {
        return -EINVAL;
    }
    const char *slash = strchr(p, '/');
    const char *hend = slash ? slash : p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(hend - p));
    const char *he = colon ? colon : hend;
    if (he == p || (size_t)(he - p) >= hcap)
        return -EINVAL;
    memcpy(host, p, (size_t)(he - p));
    host[he - p] = '\0';
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (end != hend || v <= 0 || v > 65535)
            return -EINVAL;
        *port = (int)v;
    }
    snprintf(path, pcap, "%s", slash ? slash : "/");
    return 0;
}

/* One libwebsockets client context for this thread; the first connection is started. */
static void ws_start(volt_agent_t *a)
{
    ws_t *s = (ws_t *)a;
    const volt_pipeline_cfg_t *cfg = s->cfg;
    s->rng = (uint64_t)wall_now() | 1;
    volt_ws_parse_url(cfg->url, s->host, sizeof s->host, &s->port, s->path, sizeof s->path,
                      &s->tls); /* validated by the pipeline before the thread starts */
    g_ws = s;
    static const struct lws_protocols protocols[] = {
        {"volt", callback, 0, 65536, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = cfg->ca_file; /* NULL: the system's trust store */
    info.fd_limit_per_thread = 16;
    lws_set_log_level(LLL_ERR, NULL);
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        s->st->io_error = -EIO;
        a->done = 1;
        return;
    }
    if (cfg->duration_s > 0)
        s->deadline_mono = volt_clock_ns() + (int64_t)(cfg->duration_s * 1e9);
    connect_now(s);
    lws_sul_schedule(s->ctx, 0, &s->sul_tick, on_tick, 50000);
}

/* One service call: it waits in poll() for the socket or the next timer (the watchdog's tick). */
static uint32_t ws_do_work(volt_agent_t *a)
{
    ws_t *s = (ws_t *)a;
    const uint64_t before = s->frame_no;
    if (lws_service(s->ctx, 0) < 0 || (s->done && !s->wsi))
        a->done = 1;
    return (uint32_t)(s->frame_no - before) + 1; /* poll() was its wait: never idle on top */
}

static void ws_close(volt_agent_t *a)
{
    ws_t *s = (ws_t *)a;
    if (s->ctx)
        lws_context_destroy(s->ctx);
    s->ctx = NULL;
    g_ws = NULL;
    volt_source_out_end(&s->out);
    if (s->journal)
        volt_frame_push_end(volt_rb_producer(s->journal));
    s->st->read = s->frame_no;
}

static void ws_destroy(volt_agent_t *a)
{
    ws_t *s = (ws_t *)a;
    free(s->frame);
    volt_source_out_free(&s->out);
    free(s);
}

volt_agent_t *volt_source_ws_new(const volt_source_wiring_t *w)
{
    ws_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->frame = malloc(w->cfg->max_frame + 1);
    if (!s->frame) {
        free(s);
        return NULL;
    }
    s->cfg = w->cfg;
    s->st = w->stats;
    s->journal = w->journal;
    s->resync = w->book_resync;
    if (volt_source_out_init(&s->out, w)) {
        free(s->frame);
        free(s);
        return NULL;
    }
    volt_agent_init(&s->agent, "volt-source", w->cfg->cpus[0], w->cfg->idle, w->cfg->human,
                    ws_do_work, ws_close);
    s->agent.on_start = ws_start;
    s->agent.destroy = ws_destroy;
    return &s->agent;
}
