#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = calloc((size_t)n + 64 + 1, 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

const char *th_fixture(const char *rel)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", VOLT_FIXTURES, rel);
    return path;
}

int th_same_bytes(const char *a, const char *b)
{
    size_t na, nb;
    char *x = th_read_file(a, &na), *y = th_read_file(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

const char *th_data_dir(const char **why)
{
    const char *d = getenv("VOLT_DATA");
    static char buf[1024];
    if (!d || !*d) {
        /* default: ../shared/data relative to the repository */
        snprintf(buf, sizeof buf, "%s/../../../shared/data", VOLT_FIXTURES);
        d = buf;
    }
    struct stat st;
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        static char reason[1200];
        snprintf(reason, sizeof reason,
                 "no recordings at %s (set VOLT_DATA to the folder of real Coinbase recordings)", d);
        *why = reason;
        return NULL;
    }
    return d;
}

volt_tick_t th_tick(int64_t ns, int kind, double price, double size, int side, double half_spread)
{
    volt_tick_t t;
    memset(&t, 0, sizeof t);
    t.exch_ns = ns;
    t.flags = VOLT_TICK_EXCH_TIME;
    t.kind = (uint8_t)kind;
    t.price = price;
    t.size = size;
    t.side = (uint8_t)side;
    t.best_bid = kind == VOLT_TICK_TICKER ? price - half_spread : NAN;
    t.best_ask = kind == VOLT_TICK_TICKER ? price + half_spread : NAN;
    t.volume_24h = t.bid_qty = t.ask_qty = t.low_24h = t.high_24h = NAN;
    return t;
}
