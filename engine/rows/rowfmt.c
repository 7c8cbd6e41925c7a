#include "engine/rows/rowfmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/timefmt.h"

static const double k_p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static size_t put_u64(uint64_t m, char *out)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Fast path: the fewest decimals k such that m / 10^k (m an integer < 2^53) is exactly v after
 * IEEE rounding. m and 10^k (k <= 22) are exact doubles and the division is correctly rounded, so
 * "m with k decimals" reads back as v. Prices, sizes and counts take one to three tries. */
static size_t fmt_fixed(double v, char *buf)
{
    const double a = fabs(v);
    for (int k = 0; k <= 22; k++) {
        const double s = a * k_p10[k];
        if (s >= 9007199254740992.0)
            return 0;
        const double r = nearbyint(s);
        if (r / k_p10[k] != a)
            continue;
        char dig[24];
        size_t nd = put_u64((uint64_t)r, dig);
        size_t n = 0;
        if (v < 0)
            buf[n++] = '-';
        if (k == 0) {
            memcpy(buf + n, dig, nd);
            return n + nd;
        }
        if (nd <= (size_t)k) { /* 0.000ddd */
            buf[n++] = '0';
            buf[n++] = '.';
            for (size_t z = nd; z < (size_t)k; z++)
                buf[n++] = '0';
            memcpy(buf + n, dig, nd);
            return n + nd;
        }
        memcpy(buf + n, dig, nd - (size_t)k);
        n += nd - (size_t)k;
        buf[n++] = '.';
        memcpy(buf + n, dig + nd - (size_t)k, (size_t)k);
        return n + (size_t)k;
    }
    return 0;
}

size_t volt_fmt_double(double v, char *buf)
{
    if (isnan(v)) {
        buf[0] = '\0';
        return 0;
    }
    if (isinf(v))
        return (size_t)snprintf(buf, 32, v > 0 ? "inf" : "-inf");
    if (v == 0.0) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    const double a = fabs(v);
    if (a >= 1e-7 && a < 1e15) {
        const size_t n = fmt_fixed(v, buf);
        if (n) {
            buf[n] = '\0';
            return n;
        }
    }
    /* everything else: 17 significant digits always read back exactly */
    return (size_t)snprintf(buf, 32, "%.17g", v);
}

static const char *kind_name(uint8_t k) { return k == VOLT_TICK_TRADE ? "trade" : "ticker"; }
static const char *side_name(uint8_t s)
{
    return s == VOLT_SIDE_BUY ? "buy" : s == VOLT_SIDE_SELL ? "sell" : "";
}

typedef struct {
    char *p;
    size_t left;
    size_t n;
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (n >= o->left)
        n = o->left ? o->left - 1 : 0;
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->left -= n;
}
static void puts_(out_t *o, const char *s) { put(o, s, strlen(s)); }
static void put_d(out_t *o, double v, int json)
{
    char b[40];
    if (json && !isfinite(v)) {
        puts_(o, "null");
        return;
    }
    put(o, b, volt_fmt_double(v, b));
}
static void put_i(out_t *o, int64_t v)
{
    char b[32];
    size_t n = 0;
    if (v < 0) {
        b[n++] = '-';
        n += put_u64((uint64_t)0 - (uint64_t)v, b + n);
    } else {
        n += put_u64((uint64_t)v, b + n);
    }
    put(o, b, n);
}

size_t volt_rowfmt_csv_header(char *buf, size_t cap, int label)
{
    out_t o = {buf, cap, 0};
    puts_(&o, "event_time,event_ns,recv_ns,product,kind,seq,price,size,side,best_bid,best_ask");
    for (int i = 0; i < VOLT_NF; i++) {
        puts_(&o, ",");
        puts_(&o, volt_feature_table[i].name);
    }
    puts_(&o, label ? ",segment_age_s,flags,score,p_spike,prediction,alert,label_future_rv_60s,"
                      "label_tau,volatility_spike\n"
                    : ",segment_age_s,flags,score,p_spike,prediction,alert\n");
    buf[o.n] = '\0';
    return o.n;
}

size_t volt_rowfmt_csv(const volt_row_t *r, const volt_products_t *p, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    const volt_tick_t *t = &r->tick;
    char ts[31];
    volt_time_format_iso(volt_tick_time_ns(t), ts);
    puts_(&o, ts);
    puts_(&o, ",");
    put_i(&o, volt_tick_time_ns(t));
    puts_(&o, ",");
    put_i(&o, t->recv_ns);
    puts_(&o, ",");
    puts_(&o, volt_products_name(p, t->product));
    puts_(&o, ",");
    puts_(&o, kind_name(t->kind));
    puts_(&o, ",");
    if (t->flags & VOLT_TICK_HAS_SEQ)
        put_i(&o, (int64_t)t->seq);
    const double tv[] = {t->price, t->size};
    for (int i = 0; i < 2; i++) {
        puts_(&o, ",");
        put_d(&o, tv[i], 0);
    }
    puts_(&o, ",");
    puts_(&o, side_name(t->side));
    puts_(&o, ",");
    put_d(&o, t->best_bid, 0);
    puts_(&o, ",");
    put_d(&o, t->best_ask, 0);
    for (int i = 0; i < VOLT_NF; i++) {
        puts_(&o, ",");
        put_d(&o, r->feat.f[i], 0);
    }
    puts_(&o, ",");
    put_d(&o, r->feat.segment_age_s, 0);
    puts_(&o, ",");
    put_i(&o, r->feat.flags);
    puts_(&o, ",");
    put_d(&o, r->score, 0);
    puts_(&o, ",");
    put_d(&o, r->prob, 0);
    puts_(&o, r->prediction ? ",1," : ",0,");
    puts_(&o, r->alert ? "1" : "0");
    if (r->label_on) {
        puts_(&o, ",");
        put_d(&o, r->label_rv, 0);
        puts_(&o, ",");
        put_d(&o, r->label_tau, 0);
        puts_(&o, r->label == 1 ? ",1" : r->label == 0 ? ",0" : ",");
    }
    puts_(&o, "\n");
    buf[o.n] = '\0';
    return o.n;
}

size_t volt_rowfmt_ndjson(const volt_row_t *r, const volt_products_t *p, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    const volt_tick_t *t = &r->tick;
    char ts[31];
    volt_time_format_iso(volt_tick_time_ns(t), ts);
    puts_(&o, "{\"event_time\":\"");
    puts_(&o, ts);
    puts_(&o, "\",\"event_ns\":");
    put_i(&o, volt_tick_time_ns(t));
    puts_(&o, ",\"recv_ns\":");
    put_i(&o, t->recv_ns);
    puts_(&o, ",\"product\":\"");
    puts_(&o, volt_products_name(p, t->product));
    puts_(&o, "\",\"kind\":\"");
    puts_(&o, kind_name(t->kind));
    puts_(&o, "\",\"seq\":");
    if (t->flags & VOLT_TICK_HAS_SEQ)
        put_i(&o, (int64_t)t->seq);
    else
        puts_(&o, "null");
    puts_(&o, ",\"price\":");
    put_d(&o, t->price, 1);
    puts_(&o, ",\"size\":");
    put_d(&o, t->size, 1);
    puts_(&o, ",\"side\":");
    puts_(&o, t->side == VOLT_SIDE_BUY ? "\"buy\"" : t->side == VOLT_SIDE_SELL ? "\"sell\"" : "null");
    puts_(&o, ",\"best_bid\":");
    put_d(&o, t->best_bid, 1);
    puts_(&o, ",\"best_ask\":");
    put_d(&o, t->best_ask, 1);
    for (int i = 0; i < VOLT_NF; i++) {
        puts_(&o, ",\"");
        puts_(&o, volt_feature_table[i].name);
        puts_(&o, "\":");
        put_d(&o, r->feat.f[i], 1);
    }
    puts_(&o, ",\"segment_age_s\":");
    put_d(&o, r->feat.segment_age_s, 1);
    puts_(&o, ",\"flags\":");
    put_i(&o, r->feat.flags);
    puts_(&o, ",\"score\":");
    put_d(&o, r->score, 1);
    puts_(&o, ",\"p_spike\":");
    put_d(&o, r->prob, 1);
    puts_(&o, r->prediction ? ",\"prediction\":1" : ",\"prediction\":0");
    puts_(&o, r->alert ? ",\"alert\":1" : ",\"alert\":0");
    if (r->label_on) {
        puts_(&o, ",\"label_future_rv_60s\":");
        put_d(&o, r->label_rv, 1);
        puts_(&o, ",\"label_tau\":");
        put_d(&o, r->label_tau, 1);
        puts_(&o, r->label == 1 ? ",\"volatility_spike\":1" : r->label == 0 ? ",\"volatility_spike\":0"
                                                                       : ",\"volatility_spike\":null");
    }
    puts_(&o, "}\n");
    buf[o.n] = '\0';
    return o.n;
}
