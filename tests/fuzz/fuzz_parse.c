/* tests/fuzz/fuzz_parse.c — the message parser on any bytes, as a frame reaches it: both
 * protocols, envelopes, recorder lines, level 2 (whose changes then go into the books). Checks what
 * the parser promises: one outcome, ticks only when accepted, no more than its arrays hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/book/books.h"
#include "engine/feed/parse.h"

#define MAX_FRAME 65536

static volt_products_t g_products;
static volt_parser_t *g_parser;
static volt_books_t g_books;
static char *g_buf;
static volt_tick_t g_ticks[VOLT_JSON_MAX_ITEMS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_parser) {
        volt_products_init(&g_products);
        g_parser = volt_parser_new(MAX_FRAME, &g_products);
        g_buf = malloc(MAX_FRAME + 1 + VOLT_JSON_PADDING);
        if (!g_parser || !g_buf || volt_books_init(&g_books, 64))
            abort();
    }
    if (size > MAX_FRAME + 1)
        return 0;
    memcpy(g_buf, data, size);
    memset(g_buf + size, 0, VOLT_JSON_PADDING); /* the frame ring's padding */
    volt_parse_result_t res;
    const volt_reject_t r = volt_parse_message(g_parser, g_buf, size, 0, g_ticks, &res);
    if (r != res.reject || (r && res.n_ticks) || res.n_ticks > VOLT_JSON_MAX_ITEMS ||
        res.n_items_rejected > VOLT_JSON_MAX_ITEMS)
        abort();
    if (!r && res.kind == VOLT_MSG_BOOK) {
        const volt_book_msg_t *m = volt_parser_book(g_parser);
        for (uint32_t e = 0; e < m->n_events; e++)
            if (m->ev[e].product >= g_products.n || m->ev[e].first + m->ev[e].n > m->n_changes)
                abort();
        volt_books_apply(&g_books, m);
    }
    if (g_products.n > VOLT_MAX_PRODUCTS)
        abort();
    return 0;
}
