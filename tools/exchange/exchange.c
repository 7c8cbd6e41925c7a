/* volt-exchange — a local Coinbase-protocol market-data server with fault injection.
 *
 * Serves 127.0.0.1 only, ws or wss (--tls CERT KEY). A client connects, sends a Coinbase subscribe
 * message, gets the protocol's subscriptions reply, then ticker messages for the products it asked
 * for and a heartbeat per second. The market is a recording (--replay FILE..., paced by its event
 * times at --speed X, or as fast as the client reads with --speed max) or the calibrated synthetic
 * market (--synthetic). Message times keep the market's own spacing, shifted to start now.
 * An Advanced Trade client that subscribes to "level2" also gets l2_data: a snapshot of ten levels
 * a side per product, then with every ticker an update that moves the top to its best bid and ask
 * (levels better than the new best removed, ten kept a side: the book never crosses).
 *
 * Faults (--fault KIND@N[:ARG], each fires once, when the connection has sent N messages):
 *   drop@N          close the TCP connection abruptly
 *   stall@N:S       send nothing, heartbeats included, for S seconds (connection kept)
 *   skip@N:K        do not send the next K ticker messages (their sequence numbers are used up)
 *   malformed@N     send a truncated JSON frame
 *   oversize@N:B    send a B-byte frame (valid JSON)
 *   dup@N:K         send the last K messages again, sequence numbers and all
 *   slow@N:R        from then on send at most R messages per second */
#include <errno.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"

#define QCAP 1024
#define DUPK 64
#define MAX_FAULTS 16
#define NS 1000000000LL

typedef enum { F_DROP, F_STALL, F_SKIP, F_MALFORMED, F_OVERSIZE, F_DUP, F_SLOW } fault_kind_t;
typedef struct {
    fault_kind_t kind;
    uint64_t at;
    double arg;
    int fired;
} fault_t;

/* A product's synthetic level-2 book as one connection has been told it: a few levels a side
 * around the ticker's best bid and ask, in cents. */
#define L2_LEVELS 10
typedef struct {
    int snap_sent;
    int n[2];
    int64_t px[2][L2_LEVELS]; /* [0] bids, [1] asks: best first */
    double qty[2][L2_LEVELS];
} l2book_t;

typedef struct conn {
    struct lws *wsi;
    int subscribed, kill;
    int l2; /* it subscribed to level2: gets a snapshot per product, then an update per ticker */
    l2book_t l2b[VOLT_MAX_PRODUCTS];
    uint64_t seq;                          /* Advanced: per connection */
    uint64_t pseq[VOLT_MAX_PRODUCTS];      /* Exchange: per product */
    uint64_t sent, hb_counter, skip_left;
    char *q[QCAP];
    size_t qlen[QCAP];
    unsigned qh, qt;
    char *hist[DUPK];
    size_t hlen[DUPK];
    unsigned hn;
    int64_t stall_until, next_hb;
    double slow_rate;
    int64_t slow_next;
    char products[VOLT_MAX_PRODUCTS][VOLT_PRODUCT_NAME_MAX + 1];
    int n_products;
    struct conn *next;
} conn_t;

static struct {
    vx_proto_t proto;
    vx_feed_t feed;
    double speed; /* 0: max */
    int64_t t0_mono, t0_wall, first_event;
    int have_first, feed_done;
    volt_tick_t next;
    const char *next_product;
    int have_next;
    fault_t faults[MAX_FAULTS];
    int n_faults;
    conn_t *conns;
    struct lws_context *ctx;
    lws_sorted_usec_list_t sul;
    int64_t end_mono; /* synthetic: stop after --minutes (0: never) */
    volatile sig_atomic_t stop;
    uint64_t total_sent;
    int64_t first_send_mono, last_send_mono;
} G;

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static int64_t wall_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static unsigned qsize(const conn_t *c) { return c->qt - c->qh; }

static void enqueue(conn_t *c, const char *msg, size_t n)
{
    if (qsize(c) >= QCAP)
        return; /* the producer checks room first; this only guards */
    char *b = malloc(LWS_PRE + n + 1);
    if (!b)
        return;
    memcpy(b + LWS_PRE, msg, n);
    c->q[c->qt % QCAP] = b;
    c->qlen[c->qt % QCAP] = n;
    c->qt++;
    lws_callback_on_writable(c->wsi);
}

static int wants(const conn_t *c, const char *product)
{
    for (int i = 0; i < c->n_products; i++)
        if (strcmp(c->products[i], product) == 0)
            return 1;
    return 0;
}

/* The message time of a tick: the market's spacing, started now. */
static int64_t msg_time(const volt_tick_t *t)
{
    return G.t0_wall + (volt_tick_time_ns(t) - G.first_event);
}

static int64_t due_mono(const volt_tick_t *t)
{
    if (G.speed <= 0)
        return 0;
    return G.t0_mono + (int64_t)((double)(volt_tick_time_ns(t) - G.first_event) / G.speed);
}

static int all_have_room(void)
{
    for (conn_t *c = G.conns; c; c = c->next)
        if (c->subscribed && qsize(c) > QCAP - 8)
            return 0;
    return 1;
}

static int any_subscribed(void)
{
    for (conn_t *c = G.conns; c; c = c->next)
        if (c->subscribed)
            return 1;
    return 0;
}

static void send_tick(conn_t *c, const volt_tick_t *t, const char *product)
{
    if (!wants(c, product))
        return;
    uint64_t seq;
    if (G.proto == VX_PROTO_ADVANCED)
        seq = c->seq++;
    else
        seq = ++c->pseq[t->product % VOLT_MAX_PRODUCTS];
    if (c->skip_left) { /* a gap: the message is lost, its sequence number used */
        c->skip_left--;
        return;
    }
    char buf[2048];
    const size_t n = vx_encode_tick(G.proto, t, product, msg_time(t), seq, buf, sizeof buf);
    enqueue(c, buf, n);
}

/* The side's level set after the best moved to best (cents): levels better than it go, it is set
 * to qty, the side is cut to L2_LEVELS; every change is appended to out. */
static int l2_side(l2book_t *b, int side, int64_t best, double qty, vx_level_t *out)
{
    int n = 0, k = 0;
    int64_t px[L2_LEVELS + 1];
    double q[L2_LEVELS + 1];
    for (int i = 0; i < b->n[side]; i++) {
        const int better = side ? b->px[side][i] < best : b->px[side][i] > best;
        if (better || b->px[side][i] == best) {
            if (better)
                out[n++] = (vx_level_t){b->px[side][i], 0.0, side};
            continue;
        }
        px[k] = b->px[side][i];
        q[k++] = b->qty[side][i];
    }
    /* the new best first, then the kept ones (already in order); the worst beyond the cut go */
    b->px[side][0] = best;
    b->qty[side][0] = qty;
    out[n++] = (vx_level_t){best, qty, side};
    int m = 1;
    for (int i = 0; i < k; i++) {
        if (m < L2_LEVELS) {
            b->px[side][m] = px[i];
            b->qty[side][m++] = q[i];
        } else {
            out[n++] = (vx_level_t){px[i], 0.0, side};
        }
    }
    b->n[side] = m;
    return n;
}

/* A level2 subscriber's book message for a ticker: the snapshot first, then updates that move the
 * top to the ticker's best bid and ask (so the book never crosses). */
static void send_l2(conn_t *c, const volt_tick_t *t, const char *product)
{
    if (!c->l2 || t->kind != VOLT_TICK_TICKER || isnan(t->best_bid) || isnan(t->best_ask))
        return;
    l2book_t *b = &c->l2b[t->product % VOLT_MAX_PRODUCTS];
    const int64_t bid = llround(t->best_bid * 100), ask = llround(t->best_ask * 100);
    vx_level_t lv[4 * L2_LEVELS + 4];
    int n = 0;
    const int snapshot = !b->snap_sent;
    if (snapshot) {
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < L2_LEVELS; i++) {
                b->px[s][i] = s ? ask + i : bid - i;
                b->qty[s][i] = i ? 0.05 * (i + 1) : (s ? t->ask_qty : t->bid_qty);
                if (!(b->qty[s][i] > 0))
                    b->qty[s][i] = 0.01;
                lv[n++] = (vx_level_t){b->px[s][i], b->qty[s][i], s};
            }
            b->n[s] = L2_LEVELS;
        }
        b->snap_sent = 1;
    } else {
        n += l2_side(b, 0, bid, t->bid_qty > 0 ? t->bid_qty : 0.01, lv + n);
        n += l2_side(b, 1, ask, t->ask_qty > 0 ? t->ask_qty : 0.01, lv + n);
    }
    char buf[8192];
    const size_t len = vx_encode_l2(product, snapshot, lv, n, msg_time(t), c->seq++, buf, sizeof buf);
    enqueue(c, buf, len);
}

/* Moves due market ticks into every subscribed connection's queue. */
static void produce(void)
{
    const int listeners = any_subscribed();
    /* a recording starts when the first client subscribes; the synthetic market runs on the
     * wall clock whether anyone listens or not */
    if (!listeners && !G.feed.synthetic)
        return;
    const int64_t now = mono_ns();
    for (int budget = 0; budget < 4096; budget++) {
        if (!G.have_next) {
            if (G.feed_done || !vx_feed_next(&G.feed, &G.next, &G.next_product)) {
                G.feed_done = 1;
                return;
            }
            G.have_next = 1;
            if (!G.have_first) {
                G.have_first = 1;
                G.first_event = volt_tick_time_ns(&G.next);
                if (!G.feed.synthetic) {
                    G.t0_mono = now;
                    G.t0_wall = wall_ns();
                }
            }
        }
        if (due_mono(&G.next) > now || (listeners && !all_have_room()))
            return;
        for (conn_t *c = G.conns; c; c = c->next)
            if (c->subscribed && now >= c->stall_until) {
                send_tick(c, &G.next, G.next_product);
                if (G.proto == VX_PROTO_ADVANCED && wants(c, G.next_product))
                    send_l2(c, &G.next, G.next_product);
            }
        G.have_next = 0;
    }
}

static void heartbeats(void)
{
    const int64_t now = mono_ns();
    for (conn_t *c = G.conns; c; c = c->next) {
        if (!c->subscribed || now < c->stall_until || now < c->next_hb)
            continue;
        c->next_hb = now + NS;
        char buf[512];
        for (int i = 0; i < (G.proto == VX_PROTO_ADVANCED ? 1 : c->n_products); i++) {
            const uint64_t seq = G.proto == VX_PROTO_ADVANCED ? c->seq++ : c->pseq[i];
            const size_t n = vx_encode_heartbeat(G.proto, c->products[i], wall_ns(), seq,
                                                 ++c->hb_counter, buf, sizeof buf);
            enqueue(c, buf, n);
        }
    }
}

static void on_timer(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    produce();
    heartbeats();
    if (G.end_mono && mono_ns() >= G.end_mono)
        G.feed_done = 1;
    lws_sul_schedule(G.ctx, 0, &G.sul, on_timer, 1000);
}

/* Applies any fault due at this connection's message count. Returns -1 to drop the connection. */
static int apply_faults(conn_t *c)
{
    for (int i = 0; i < G.n_faults; i++) {
        fault_t *f = &G.faults[i];
        if (f->fired || c->sent < f->at)
            continue;
        f->fired = 1;
        fprintf(stderr, "volt-exchange: fault %d fires after %llu messages\n", (int)f->kind,
                (unsigned long long)c->sent);
        switch (f->kind) {
        case F_DROP: return -1;
        case F_STALL: c->stall_until = mono_ns() + (int64_t)(f->arg * 1e9); break;
        case F_SKIP: c->skip_left = (uint64_t)f->arg; break;
        case F_MALFORMED: {
            static const char bad[] = "{\"channel\":\"ticker\",\"events\":[{\"type\":\"update\",\"tick";
            /* goes out before anything already queued */
            char *b = malloc(LWS_PRE + sizeof bad);
            memcpy(b + LWS_PRE, bad, sizeof bad - 1);
            c->qh--;
            c->q[c->qh % QCAP] = b;
            c->qlen[c->qh % QCAP] = sizeof bad - 1;
            break;
        }
        case F_OVERSIZE: {
            const size_t n = (size_t)f->arg < 64 ? 64 : (size_t)f->arg;
            char *b = malloc(LWS_PRE + n);
            char *m = b + LWS_PRE;
            memset(m, 'x', n);
            memcpy(m, "{\"type\":\"ticker\",\"pad\":\"", 24);
            m[n - 2] = '"';
            m[n - 1] = '}';
            c->qh--;
            c->q[c->qh % QCAP] = b;
            c->qlen[c->qh % QCAP] = n;
            break;
        }
        case F_DUP: {
            unsigned k = (unsigned)f->arg;
            if (k > c->hn)
                k = c->hn;
            if (k > DUPK)
                k = DUPK;
            for (unsigned j = k; j > 0; j--) {
                const unsigned idx = (c->hn - j) % DUPK;
                enqueue(c, c->hist[idx], c->hlen[idx]);
            }
            break;
        }
        case F_SLOW: c->slow_rate = f->arg; break;
        }
    }
    return 0;
}

static void parse_subscribe(conn_t *c, const char *msg, size_t n)
{
    const char *p = memmem(msg, n, "\"product_ids\"", 13);
    if (!p)
        return;
    const char *end = msg + n;
    p = memchr(p, '[', (size_t)(end - p));
    while (p && p < end && *p != ']' && c->n_products < VOLT_MAX_PRODUCTS) {
        const char *q1 = memchr(p, '"', (size_t)(end - p));
        if (!q1)
            break;
        const char *q2 = memchr(q1 + 1, '"', (size_t)(end - q1 - 1));
        if (!q2 || q2 - q1 - 1 > VOLT_PRODUCT_NAME_MAX)
            break;
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (close && close < q1)
            break;
        int dupe = 0;
        for (int i = 0; i < c->n_products; i++)
            dupe |= strncmp(c->products[i], q1 + 1, (size_t)(q2 - q1 - 1)) == 0 &&
                    c->products[i][q2 - q1 - 1] == '\0';
        if (!dupe) {
            memcpy(c->products[c->n_products], q1 + 1, (size_t)(q2 - q1 - 1));
            c->products[c->n_products][q2 - q1 - 1] = '\0';
            c->n_products++;
        }
        p = q2 + 1;
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    conn_t **pc = user;
    conn_t *c = pc ? *pc : NULL;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        c = calloc(1, sizeof *c);
        if (!c)
            return -1;
        c->wsi = wsi;
        c->next = G.conns;
        G.conns = c;
        *pc = c;
        fprintf(stderr, "volt-exchange: client connected\n");
        break;
    case LWS_CALLBACK_RECEIVE:
        if (!c || len == 0)
            break;
        if (memmem(in, len, "\"subscribe\"", 11)) {
            parse_subscribe(c, in, len);
            if (memmem(in, len, "\"level2\"", 8))
                c->l2 = 1;
            if (!c->subscribed) {
                c->subscribed = 1;
                c->next_hb = mono_ns() + NS;
                char buf[2048];
                const char *names[VOLT_MAX_PRODUCTS];
                for (int i = 0; i < c->n_products; i++)
                    names[i] = c->products[i];
                const size_t n = vx_encode_subscriptions(G.proto, names, c->n_products, wall_ns(),
                                                         c->seq++, buf, sizeof buf);
                enqueue(c, buf, n);
            }
        }
        break;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!c || qsize(c) == 0)
            break;
        const int64_t now = mono_ns();
        if (now < c->stall_until)
            break; /* the timer wakes us again */
        if (c->slow_rate > 0) {
            if (now < c->slow_next)
                break;
            c->slow_next = now + (int64_t)(1e9 / c->slow_rate);
        }
        if (apply_faults(c) < 0)
            return -1;
        if (qsize(c) == 0 || now < c->stall_until)
            break;
        const unsigned i = c->qh % QCAP;
        char *b = c->q[i];
        const size_t n = c->qlen[i];
        c->qh++;
        if (lws_write(wsi, (unsigned char *)b + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
            free(b);
            return -1;
        }
        c->sent++;
        G.total_sent++;
        G.last_send_mono = now;
        if (!G.first_send_mono)
            G.first_send_mono = now;
        const unsigned h = c->hn % DUPK; /* keep the last messages for dup faults */
        free(c->hist[h]);
        c->hist[h] = malloc(n);
        if (c->hist[h])
            memcpy(c->hist[h], b + LWS_PRE, n);
        c->hlen[h] = n;
        c->hn++;
        free(b);
        if (qsize(c))
            lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_CLOSED:
        if (!c)
            break;
        fprintf(stderr, "volt-exchange: client gone after %llu messages\n",
                (unsigned long long)c->sent);
        for (conn_t **pp = &G.conns; *pp; pp = &(*pp)->next)
            if (*pp == c) {
                *pp = c->next;
                break;
            }
        while (qsize(c))
            free(c->q[c->qh++ % QCAP]);
        for (unsigned k = 0; k < DUPK; k++)
            free(c->hist[k]);
        free(c);
        *pc = NULL;
        break;
    default:
        break;
    }
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    G.stop = 1;
    if (G.ctx)
        lws_cancel_service(G.ctx);
}

static int parse_fault(const char *s)
{
    if (G.n_faults >= MAX_FAULTS)
        return -1;
    static const struct {
        const char *name;
        fault_kind_t kind;
        int needs_arg;
    } kinds[] = {{"drop", F_DROP, 0},        {"stall", F_STALL, 1}, {"skip", F_SKIP, 1},
                 {"malformed", F_MALFORMED, 0}, {"oversize", F_OVERSIZE, 1},
                 {"dup", F_DUP, 1},          {"slow", F_SLOW, 1}};
    const char *at = strchr(s, '@');
    if (!at)
        return -1;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strlen(kinds[i].name) != (size_t)(at - s) || strncmp(s, kinds[i].name, (size_t)(at - s)))
            continue;
        fault_t *f = &G.faults[G.n_faults];
        char *end;
        f->kind = kinds[i].kind;
        f->at = strtoull(at + 1, &end, 10);
        f->arg = 0;
        if (*end == ':')
            f->arg = strtod(end + 1, &end);
        else if (kinds[i].needs_arg)
            return -1;
        if (*end)
            return -1;
        G.n_faults++;
        return 0;
    }
    return -1;
}

static void usage(FILE *o)
{
    fprintf(o,
            "Usage: volt-exchange --port PORT (--replay FILE... [--speed X|max] | --synthetic "
            "[--seed N] [--rate R] [--minutes M] [--trades])\n"
            "                     [--protocol advanced|exchange] [--tls CERT KEY] [--fault SPEC]...\n"
            "Serves 127.0.0.1 only; prints 'ready ws://127.0.0.1:PORT' (or wss://) when it accepts\n"
            "connections; exits when a replay ends or on SIGTERM/SIGINT. --port 0 picks a free port.\n"
            "Faults: drop@N stall@N:S skip@N:K malformed@N oversize@N:BYTES dup@N:K slow@N:RATE\n");
}

int main(int argc, char **argv)
{
    int port = -1, synthetic = 0, trades = 0;
    const char *cert = NULL, *key = NULL;
    double rate = 1.0, minutes = 0;
    uint64_t seed = 1;
    G.proto = VX_PROTO_ADVANCED;
    G.speed = 1.0;
    enum { O_PORT = 1, O_REPLAY, O_SPEED, O_SYNTH, O_SEED, O_RATE, O_PROTO, O_TLS, O_FAULT, O_MIN, O_TRADES };
    static const struct option opts[] = {
        {"port", required_argument, 0, O_PORT},     {"replay", no_argument, 0, O_REPLAY},
        {"speed", required_argument, 0, O_SPEED},   {"synthetic", no_argument, 0, O_SYNTH},
        {"trades", no_argument, 0, O_TRADES},
        {"seed", required_argument, 0, O_SEED},     {"rate", required_argument, 0, O_RATE},
        {"protocol", required_argument, 0, O_PROTO}, {"tls", required_argument, 0, O_TLS},
        {"fault", required_argument, 0, O_FAULT},   {"minutes", required_argument, 0, O_MIN},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    int replay = 0, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_PORT: port = atoi(optarg); break;
        case O_REPLAY: replay = 1; break;
        case O_SPEED: G.speed = strcmp(optarg, "max") == 0 ? 0 : atof(optarg); break;
        case O_SYNTH: synthetic = 1; break;
        case O_TRADES: trades = 1; break;
        case O_SEED: seed = strtoull(optarg, NULL, 10); break;
        case O_RATE: rate = atof(optarg); break;
        case O_MIN: minutes = atof(optarg); break;
        case O_PROTO:
            if (strcmp(optarg, "advanced") == 0)
                G.proto = VX_PROTO_ADVANCED;
            else if (strcmp(optarg, "exchange") == 0)
                G.proto = VX_PROTO_EXCHANGE;
            else {
                fprintf(stderr, "volt-exchange: --protocol is advanced or exchange.\n");
                return 2;
            }
            break;
        case O_TLS:
            cert = optarg;
            if (optind >= argc) {
                fprintf(stderr, "volt-exchange: --tls takes CERT and KEY.\n");
                return 2;
            }
            key = argv[optind++];
            break;
        case O_FAULT:
            if (parse_fault(optarg)) {
                fprintf(stderr, "volt-exchange: bad --fault '%s' (see --help).\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    /* --replay takes the remaining arguments as files */
    if (port < 0 || port > 65535 || replay == synthetic || (replay && optind >= argc) ||
        G.speed < 0 || !(rate > 0)) {
        usage(stderr);
        return 2;
    }
    int rc;
    if (synthetic) {
        volt_synth_cfg_t sc;
        volt_synth_cfg_default(&sc);
        sc.seed = seed;
        sc.rate_mult = rate;
        sc.n_products = 2;
        sc.products[1] = "ETH-USD";
        sc.trades = trades;
        rc = vx_feed_open_synthetic(&G.feed, &sc);
        if (G.speed <= 0)
            G.speed = 1.0; /* a synthetic market has no end to run to at maximum speed */
        if (minutes > 0)
            G.end_mono = mono_ns() + (int64_t)(minutes * 60e9);
    } else {
        rc = vx_feed_open_files(&G.feed, (const char *const *)(argv + optind), argc - optind);
    }
    if (rc) {
        fprintf(stderr, "volt-exchange: cannot open the market: %s.\n", strerror(-rc));
        return 1;
    }
    G.t0_wall = wall_ns();
    G.t0_mono = mono_ns();

    lws_set_log_level(LLL_ERR, NULL);
    static struct lws_protocols protocols[] = {
        {"coinbase", callback, sizeof(conn_t *), 65536, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    if (cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cert;
        info.ssl_private_key_filepath = key;
    }
    G.ctx = lws_create_context(&info);
    if (!G.ctx) {
        fprintf(stderr, "volt-exchange: cannot listen on 127.0.0.1:%d.\n", port);
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(G.ctx, "default");
    const int real_port = vh ? lws_get_vhost_listen_port(vh) : port;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    printf("ready %s://127.0.0.1:%d\n", cert ? "wss" : "ws", real_port);
    fflush(stdout);
    lws_sul_schedule(G.ctx, 0, &G.sul, on_timer, 1000);
    int drained_for = 0;
    while (!G.stop) {
        if (lws_service(G.ctx, 0) < 0)
            break;
        if (G.feed_done) {
            int pending = 0;
            for (conn_t *k = G.conns; k; k = k->next)
                pending += (int)qsize(k);
            if (!pending && ++drained_for > 100)
                break; /* the market ended and every client got everything */
        }
    }
    const double secs = G.last_send_mono > G.first_send_mono
                            ? (double)(G.last_send_mono - G.first_send_mono) / 1e9
                            : 0.0;
    fprintf(stderr, "volt-exchange: stopping after %llu messages (%.3f s from first to last, %.0f msgs/s)\n",
            (unsigned long long)G.total_sent, secs, secs > 0 ? (double)G.total_sent / secs : 0.0);
    lws_context_destroy(G.ctx);
    vx_feed_close(&G.feed);
    return 0;
}
