#include "rowfmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

size_t volt_fmt_double(double v, char *buf)
{
    if (isnan(v)) {
        buf[0] = '\0';
        return 0;
    }
    if (isinf(v))
        return (size_t)snprintf(buf, 32, v > 0 ? "inf" : "-inf");
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    return (size_t)n;
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
    put(o, b, (size_t)snprintf(b, sizeof b, "%" PRId64, v));
}

size_t volt_rowfmt_csv_header(char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    puts_(&o, "event_time,event_ns,recv_ns,product,kind,seq,price,size,side,best_bid,best_ask");
    for (int i = 0; i < VOLT_NF; i++) {
        puts_(&o, ",");
        puts_(&o, volt_feature_table[i].name);
    }
    puts_(&o, ",segment_age_s,flags,score,p_spike,prediction,alert\n");
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
    puts_(&o, r->alert ? "1\n" : "0\n");
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
    puts_(&o, r->alert ? ",\"alert\":1}\n" : ",\"alert\":0}\n");
    buf[o.n] = '\0';
    return o.n;
}
