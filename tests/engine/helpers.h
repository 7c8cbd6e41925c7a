/* Shared helpers for the engine tests. */
#ifndef VOLT_TESTS_HELPERS_H
#define VOLT_TESTS_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/feed/tick.h"

/* Reads a file into a malloc'd buffer with 64 zero bytes of padding; *len = file size. */
char *th_read_file(const char *path, size_t *len);
/* Path of a fixture under tests/fixtures (static buffer). */
const char *th_fixture(const char *rel);
/* Returns 1 when two files have identical bytes. */
int th_same_bytes(const char *a, const char *b);
/* Folder with the real recordings, or NULL (and a reason) when absent. */
const char *th_data_dir(const char **why);
/* A tick at ns (exchange time) of product 0: a ticker quoting price -/+ half_spread, or a trade
 * (best bid and ask NaN); every other optional field NaN. */
volt_tick_t th_tick(int64_t ns, int kind, double price, double size, int side, double half_spread);

#endif
