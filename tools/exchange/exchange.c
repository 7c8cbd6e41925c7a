/* volt-exchange — a local Coinbase-protocol market-data server with fault injection.
 *
 * Serves 127.0.0.1 only, ws or wss (--tls CERT KEY). A client connects, sends a Coinbase subscribe
 * message, gets the protocol's subscriptions reply, then ticker messages for the products it asked
 * for and a heartbeat per second. The market is a recording (--replay FILE..., paced by its event
 * times at --speed X, or as fast as the client reads with --speed max) or the calibrated synthetic
 * market (--synthetic). Message times keep the market's own spacing, shifted to start now.
 * An Advanced Trade client that subscribes to "level2" also gets l2_data: the market's level 2 (the
 * synthetic market's, calibrated to the real sample, or a recording's). The server keeps every
 * product's book from the market; a subscriber gets a snapshot of it for each of its products, then
 * the market's updates. "unsubscribe" from level2 stops them; subscribing again brings fresh
 * snapshots (how a client resynchronizes without reconnecting).
 *
 * Faults (--fault KIND@N[:ARG], each fires once, when the connection has sent N messages):
 *   drop@N          close the TCP connection abruptly
 *   stall@N:S       send nothing, heartbeats included, for S seconds (connection kept)
 *   skip@N:K        do not send the next K ticker messages (their sequence numbers are used up)
 *   malformed@N     send a truncated JSON frame
 *   oversize@N:B    send a B-byte frame (valid JSON)
 *   dup@N:K         send the last K messages again, sequence numbers and all
 *   slow@N:R        from then on send at most R messages per second
 *   cross@N         the next level-2 update also sets a bid one price unit above the best ask */
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
#include "engine/book/book.h"

#define QCAP 1024
#define DUPK 64
#define MAX_FAULTS 64
#define NS 1000000000LL

typedef enum { F_DROP, F_STALL, F_SKIP, F_MALFORMED, F_OVERSIZE, F_DUP, F_SLOW, F_CROSS } fault_kind_t;
typedef struct {
    fault_kind_t kind;
    uint64_t at;
    double arg;
    int fired;
} fault_t;

#define SERVER_BOOK_DEPTH (1u << 16) /* levels a side of the server's books (the real ones: 27 k) */

typedef struct conn {
    struct lws *wsi;
    int subscribed, kill;
    int l2; /* it subscribed to level2: a snapshot per product, then the market's updates */
    uint8_t l2_synced[VOLT_MAX_PRODUCTS]; /* the product's snapshot was sent (by feed index) */
    int cross_pending;                     /* the cross fault: the next update crosses the book */
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
    char l2_products[VOLT_MAX_PRODUCTS][VOLT_PRODUCT_NAME_MAX + 1]; /* level 2's own list */
    int n_l2_products;
    struct conn *next;
} conn_t;

static struct {
    vx_proto_t proto;
    vx_feed_t feed;
    double speed; /* 0: max */
    int64_t t0_mono, t0_wall, first_event;
    int have_first, feed_done;
    vx_item_t next;
    const char *next_product;
    volt_book_t *book[VOLT_MAX_PRODUCTS]; /* the market's level-2 books, by feed product index */
    uint8_t book_valid[VOLT_MAX_PRODUCTS];
    int have_next;
    fault_t faults[MAX_FAULTS];
    int n_faults;
    conn_t *conns;
    struct lws_context *ctx;
    lws_sorted_usec_list_t sul;
    int64_t end_mono; /* synthetic: stop after --minutes (0: never) */
    int64_t start_mono; /* a recording: when it may start (200 ms after the first subscription) */
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

static int in_list(char (*list)[VOLT_PRODUCT_NAME_MAX + 1], int n, const char *product)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], product) == 0)
            return 1;
    return 0;
}

static int wants(conn_t *c, const char *product) { return in_list(c->products, c->n_products, product); }
static int wants_l2(conn_t *c, const char *product)
{
    return c->l2 && in_list(c->l2_products, c->n_l2_products, product);
}

/* The message time of an event: the market's spacing, started now. */
static int64_t msg_time_ns(int64_t ev_ns) { return G.t0_wall + (ev_ns - G.first_event); }
static int64_t msg_time(const volt_tick_t *t) { return msg_time_ns(volt_tick_time_ns(t)); }

static int64_t due_mono(const vx_item_t *it)
{
    if (G.speed <= 0)
        return 0;
    return G.t0_mono + (int64_t)((double)(vx_item_ns(it) - G.first_event) / G.speed);
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

/* A level-2 message to one connection: its sequence number is used even when a skip fault loses
 * it. */
static void send_l2_msg(conn_t *c, const char *product, int snapshot, const volt_level_change_t *ch,
                        uint32_t n, int64_t ev_ns)
{
    const uint64_t seq = c->seq++;
    if (c->skip_left) {
        c->skip_left--;
        return;
    }
    const size_t cap = VX_L2_BYTES(n);
    char *buf = malloc(cap);
    if (!buf)
        return;
    enqueue(c, buf, vx_encode_l2(product, snapshot, ch, n, msg_time_ns(ev_ns), seq, buf, cap));
    free(buf);
}

/* The server's book of feed product p as a snapshot to c (when the book is valid). */
static void send_snapshot(conn_t *c, uint16_t p, const char *product, int64_t ev_ns)
{
    const volt_book_t *b = G.book[p];
    if (!b || !G.book_valid[p])
        return;
    const uint32_t nb = volt_book_levels(b, VOLT_BID), na = volt_book_levels(b, VOLT_ASK);
    volt_level_change_t *ch = malloc((nb + na + 1) * sizeof *ch);
    if (!ch)
        return;
    uint32_t n = 0;
    for (int side = 0; side < 2; side++)
        for (uint32_t k = 0; k < (side ? na : nb); k++) {
            const volt_level_t *l = volt_book_level(b, side, k);
            ch[n++] = (volt_level_change_t){.px = l->px, .qty = l->qty, .side = (uint8_t)side};
        }
    send_l2_msg(c, product, 1, ch, n, ev_ns);
    free(ch);
    c->l2_synced[p] = 1;
}

/* Snapshots of every product c wants whose book is known (after a level2 subscription). */
static void l2_sync(conn_t *c)
{
    for (uint16_t p = 0; p < G.feed.products.n; p++) {
        const char *name = volt_products_name(&G.feed.products, p);
        if (!c->l2_synced[p] && wants_l2(c, name))
            send_snapshot(c, p, name, G.have_first ? vx_item_ns(&G.next) : G.first_event);
    }
}

/* The market's level-2 event into the server's book. */
static void apply_book(const vx_item_t *it)
{
    const uint16_t p = it->product;
    if (!G.book[p]) {
        G.book[p] = calloc(1, sizeof *G.book[p]);
        if (!G.book[p] || volt_book_init(G.book[p], SERVER_BOOK_DEPTH)) {
            free(G.book[p]);
            G.book[p] = NULL;
            return;
        }
    }
    volt_book_t *b = G.book[p];
    if (it->snapshot) {
        volt_book_clear(b);
        G.book_valid[p] = 1;
    }
    for (uint32_t i = 0; i < it->n; i++)
        volt_book_set(b, it->ch[i].side, it->ch[i].px, it->ch[i].qty);
    if (volt_book_crossed(b))
        G.book_valid[p] = 0; /* the market's own fault: no snapshots until its next one */
}

/* The market's level-2 event to a level2 subscriber: a snapshot of the server's book the first
 * time, then the event as it came (with the cross fault's level when one is due). */
static void send_book(conn_t *c, const vx_item_t *it, const char *product)
{
    if (!wants_l2(c, product))
        return;
    const uint16_t p = it->product;
    if (!c->l2_synced[p]) {
        send_snapshot(c, p, product, it->t_ns);
        return;
    }
    if (!c->cross_pending || it->snapshot || !G.book[p] || !volt_book_level(G.book[p], VOLT_ASK, 0)) {
        send_l2_msg(c, product, it->snapshot, it->ch, it->n, it->t_ns);
        return;
    }
    volt_level_change_t *ch = malloc((it->n + 1) * sizeof *ch);
    if (!ch)
        return;
    memcpy(ch, it->ch, it->n * sizeof *ch);
    ch[it->n] = (volt_level_change_t){.px = volt_book_level(G.book[p], VOLT_ASK, 0)->px + 1, .qty = 1.0,
                                      .side = VOLT_BOOK_SIDE_BID};
    c->cross_pending = 0;
    send_l2_msg(c, product, 0, ch, it->n + 1, it->t_ns);
    free(ch);
}

/* Moves due market items into every subscribed connection's queue. */
static void produce(void)
{
    const int listeners = any_subscribed();
    /* a recording starts when the first client subscribes (and has had 200 ms to send its other
     * subscriptions: Advanced Trade takes one message per channel, and a recording served at full
     * speed would otherwise be over before the level2 one arrives); the synthetic market runs on
     * the wall clock whether anyone listens or not */
    const int64_t now = mono_ns();
    if (!G.feed.synthetic && (!listeners || now < G.start_mono))
        return;
    for (int budget = 0; budget < 4096; budget++) {
        if (!G.have_next) {
            if (G.feed_done || !vx_feed_next(&G.feed, &G.next, &G.next_product)) {
                G.feed_done = 1;
                return;
            }
            G.have_next = 1;
            if (!G.have_first) {
                G.have_first = 1;
                G.first_event = vx_item_ns(&G.next);
                if (!G.feed.synthetic) {
                    G.t0_mono = now;
                    G.t0_wall = wall_ns();
                }
            }
        }
        if (due_mono(&G.next) > now || (listeners && !all_have_room()))
            return;
        if (G.next.book)
            apply_book(&G.next);
        for (conn_t *c = G.conns; c; c = c->next) {
            if (!c->subscribed || now < c->stall_until)
                continue;
            if (!G.next.book)
                send_tick(c, &G.next.tick, G.next_product);
            else if (G.proto == VX_PROTO_ADVANCED)
                send_book(c, &G.next, G.next_product);
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
        case F_CROSS: c->cross_pending = 1; break;
        }
    }
    return 0;
}

static void parse_subscribe(char (*list)[VOLT_PRODUCT_NAME_MAX + 1], int *count, const char *msg, size_t n)
{
    const char *p = memmem(msg, n, "\"product_ids\"", 13);
    if (!p)
        return;
    const char *end = msg + n;
    p = memchr(p, '[', (size_t)(end - p));
    while (p && p < end && *p != ']' && *count < VOLT_MAX_PRODUCTS) {
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
        for (int i = 0; i < *count; i++)
            dupe |= strncmp(list[i], q1 + 1, (size_t)(q2 - q1 - 1)) == 0 && list[i][q2 - q1 - 1] == '\0';
        if (!dupe) {
            memcpy(list[*count], q1 + 1, (size_t)(q2 - q1 - 1));
            list[*count][q2 - q1 - 1] = '\0';
            (*count)++;
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
        if (memmem(in, len, "\"unsubscribe\"", 13)) {
            if (memmem(in, len, "\"level2\"", 8)) { /* no more level 2 until subscribed again */
                c->l2 = 0;
                c->n_l2_products = 0;
                memset(c->l2_synced, 0, sizeof c->l2_synced);
            }
        } else if (memmem(in, len, "\"subscribe\"", 11)) {
            parse_subscribe(c->products, &c->n_products, in, len);
            if (memmem(in, len, "\"level2\"", 8) && G.proto == VX_PROTO_ADVANCED) {
                parse_subscribe(c->l2_products, &c->n_l2_products, in, len);
                c->l2 = 1;
                G.feed.synth.l2_on = 1; /* the synthetic market's level 2, from now on */
                if (c->subscribed)
                    l2_sync(c); /* a resubscription: fresh snapshots now */
            }
            if (!c->subscribed) {
                c->subscribed = 1;
                if (!G.start_mono)
                    G.start_mono = mono_ns() + 200000000;
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
                 {"dup", F_DUP, 1},          {"slow", F_SLOW, 1},  {"cross", F_CROSS, 0}};
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
            "[--seed N] [--rate R] [--minutes M] [--trades] [--l2-faults])\n"
            "                     [--protocol advanced|exchange] [--tls CERT KEY] [--fault SPEC]...\n"
            "Serves 127.0.0.1 only; prints 'ready ws://127.0.0.1:PORT' (or wss://) when it accepts\n"
            "connections; exits when a replay ends or on SIGTERM/SIGINT. --port 0 picks a free port.\n"
            "Faults: drop@N stall@N:S skip@N:K malformed@N oversize@N:BYTES dup@N:K slow@N:RATE cross@N\n"
            "--synthetic serves a level 2 (Advanced Trade: to level2 subscribers) calibrated to the\n"
            "real sample; --l2-faults adds its crossed update (5 min) and stale snapshot (7 min).\n");
}

int main(int argc, char **argv)
{
    int port = -1, synthetic = 0, trades = 0, l2_faults = 0;
    const char *cert = NULL, *key = NULL;
    double rate = 1.0, minutes = 0;
    uint64_t seed = 1;
    G.proto = VX_PROTO_ADVANCED;
    G.speed = 1.0;
    enum { O_PORT = 1, O_REPLAY, O_SPEED, O_SYNTH, O_SEED, O_RATE, O_PROTO, O_TLS, O_FAULT, O_MIN, O_TRADES,
           O_L2F };
    static const struct option opts[] = {
        {"port", required_argument, 0, O_PORT},     {"replay", no_argument, 0, O_REPLAY},
        {"speed", required_argument, 0, O_SPEED},   {"synthetic", no_argument, 0, O_SYNTH},
        {"trades", no_argument, 0, O_TRADES},      {"l2-faults", no_argument, 0, O_L2F},
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
        case O_L2F: l2_faults = 1; break;
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
        sc.level2 = 1; /* served to level2 subscribers only */
        sc.l2_faults = l2_faults;
        rc = vx_feed_open_synthetic(&G.feed, &sc);
        G.feed.synth.l2_on = 0; /* generated from the first level2 subscription on */
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
