/* engine/cli/book.c — volt book: a recording's level-2 messages through the feed parser and the
 * books, one thread, the top levels of each book after every message (format conformance, the
 * oracle test, and a look at a recording's books). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/book/books.h"
#include "engine/cli/cli.h"
#include "engine/feed/parse.h"
#include "engine/feed/recording.h"
#include "engine/rows/rowfmt.h"
#include "simd/cpu.h"

typedef struct {
    uint32_t depth, top;
    size_t max_frame;
    const char *out;
} book_args_t;

typedef struct {
    volt_products_t products;
    volt_parser_t *parser;
    volt_books_t books;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    char *buf; /* a line, padded */
    FILE *out;
    uint32_t top;
    int have_seq;
    uint64_t seq;
    uint32_t conn;
    uint64_t lines, rejected, duplicates, bad_levels;
} book_run_t;

/* One book's state: line, product, valid, then its top levels, best first, as PX:QTY (PX in
 * 1e-8 units, QTY in the fewest digits that read back to the same double) for bids, then asks. */
static void print_book(book_run_t *r, uint64_t line, uint16_t product)
{
    const volt_book_t *b = &r->books.book[product];
    fprintf(r->out, "%llu\t%s\t%d", (unsigned long long)line, volt_products_name(&r->products, product),
            b->valid);
    for (int side = 0; side < 2; side++) {
        fputc('\t', r->out);
        for (uint32_t k = 0; k < r->top; k++) {
            const volt_level_t *l = volt_book_level(b, side, k);
            if (!l)
                break;
            char q[40];
            volt_fmt_double(l->qty, q);
            fprintf(r->out, "%s%lld:%s", k ? " " : "", (long long)l->px, q);
        }
    }
    fputc('\n', r->out);
}

/* Sequence numbers of Advanced Trade messages, per connection: a duplicate is skipped (1), a gap
 * invalidates every book. */
static int sequence(book_run_t *r)
{
    const volt_parse_result_t *res = &r->res;
    if (res->has_conn && res->conn != r->conn) {
        r->have_seq = 0;
        r->conn = res->conn;
    }
    if (!res->has_seq)
        return 0;
    if (r->have_seq && res->seq <= r->seq) {
        r->duplicates++;
        return 1;
    }
    if (r->have_seq && res->seq > r->seq + 1)
        volt_books_gap(&r->books);
    r->have_seq = 1;
    r->seq = res->seq;
    return 0;
}

static void one_line(book_run_t *r, const char *line, size_t n)
{
    memcpy(r->buf, line, n);
    memset(r->buf + n, 0, VOLT_JSON_PADDING);
    r->lines++;
    if (volt_parse_message(r->parser, r->buf, n, 0, r->ticks, &r->res)) {
        r->rejected++;
        return;
    }
    if (sequence(r) || r->res.kind != VOLT_MSG_BOOK)
        return;
    const volt_book_msg_t *m = volt_parser_book(r->parser);
    r->bad_levels += m->n_bad;
    volt_books_apply(&r->books, m);
    for (uint32_t e = 0; e < m->n_events; e++)
        print_book(r, r->lines, m->ev[e].product);
}

static int replay(book_run_t *r, const char *path, size_t max_frame)
{
    FILE *f = volt_recording_fopen(path);
    if (!f) {
        fprintf(stderr, "volt: cannot read %s: %s.\n", path, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if ((size_t)got > max_frame) {
            r->lines++;
            r->rejected++;
            fprintf(stderr, "volt: %s:%llu: longer than --max-frame (%zu bytes): skipped\n", path,
                    (unsigned long long)r->lines, max_frame);
            continue;
        }
        one_line(r, line, (size_t)got);
    }
    const int bad = ferror(f);
    free(line);
    fclose(f);
    if (bad)
        fprintf(stderr, "volt: reading %s failed (corrupt or truncated data?).\n", path);
    return bad ? 1 : 0;
}

static void summary(const book_run_t *r)
{
    const volt_books_stats_t *s = &r->books.stats;
    fprintf(stderr,
            "volt book: %llu lines, %llu rejected, %llu duplicates; %llu level-2 messages, %llu "
            "events (%llu snapshots), %llu level changes, %llu bad levels; %llu sequence gaps, "
            "%llu crossed, %llu updates to a book without a snapshot\n",
            (unsigned long long)r->lines, (unsigned long long)r->rejected,
            (unsigned long long)r->duplicates, (unsigned long long)s->messages,
            (unsigned long long)s->events, (unsigned long long)s->snapshots,
            (unsigned long long)s->changes, (unsigned long long)r->bad_levels,
            (unsigned long long)s->gaps, (unsigned long long)s->crossed,
            (unsigned long long)s->unsynced);
    for (uint32_t p = 0; p < r->products.n; p++) {
        const volt_book_t *b = &r->books.book[p];
        if (b->changes)
            fprintf(stderr, "  %-10s %s, %u bids, %u asks, %llu beyond the depth\n",
                    volt_products_name(&r->products, p), b->valid ? "valid" : "INVALID",
                    volt_book_levels(b, VOLT_BID), volt_book_levels(b, VOLT_ASK),
                    (unsigned long long)b->beyond);
    }
}

static int parse_args(int argc, char **argv, book_args_t *a)
{
    static const struct option o[] = {{"depth", required_argument, 0, 'd'},
                                      {"top", required_argument, 0, 't'},
                                      {"max-frame", required_argument, 0, 'm'},
                                      {"out", required_argument, 0, 'o'},
                                      {"help", no_argument, 0, 'h'},
                                      {0, 0, 0, 0}};
    optind = 1;
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (volt_cli_num(optarg, 1, 1 << 20, &v))
                BAD("--depth takes a count of levels per side from 1 to 1048576.");
            a->depth = (uint32_t)v;
            break;
        case 't':
            if (volt_cli_num(optarg, 1, 1000, &v))
                BAD("--top takes a count of levels from 1 to 1000.");
            a->top = (uint32_t)v;
            break;
        case 'm':
            if (volt_cli_num(optarg, 256, 1 << 30, &v))
                BAD("--max-frame must be a byte count from 256 to 1073741824.");
            a->max_frame = (size_t)v;
            break;
        case 'o': a->out = optarg; break;
        case 'h': volt_cli_usage(stdout); return 1;
        default: return 2;
        }
    }
    if (optind >= argc)
        BAD("book needs at least one recording (see 'volt --help').");
    return 0;
}

int volt_cmd_book(int argc, char **argv)
{
    book_args_t a = {.depth = VOLT_BOOK_DEPTH_DEFAULT, .top = 10, .max_frame = 64u << 20};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    volt_simd_init();
    static book_run_t r; /* the books: a few MB */
    memset(&r, 0, sizeof r);
    r.top = a.top;
    volt_products_init(&r.products);
    r.parser = volt_parser_new(a.max_frame, &r.products);
    r.buf = malloc(a.max_frame + VOLT_JSON_PADDING);
    r.out = a.out ? fopen(a.out, "w") : stdout;
    if (!r.parser || !r.buf || !r.out || volt_books_init(&r.books, a.depth)) {
        fprintf(stderr, "volt: %s.\n", !r.out ? strerror(errno) : "out of memory");
        rc = 1;
    }
    for (int i = optind; i < argc && !rc; i++)
        rc = replay(&r, argv[i], a.max_frame);
    if (!rc)
        summary(&r);
    if (r.out && r.out != stdout && fclose(r.out) != 0)
        rc = 1;
    volt_books_free(&r.books);
    volt_parser_free(r.parser);
    free(r.buf);
    return rc;
}
