/* Shared helpers for the engine tests. */
#ifndef VOLT_TESTS_HELPERS_H
#define VOLT_TESTS_HELPERS_H

#include <stddef.h>

/* Reads a file into a malloc'd buffer with 64 zero bytes of padding; *len = file size. */
char *th_read_file(const char *path, size_t *len);
/* Path of a fixture under tests/fixtures (static buffer). */
const char *th_fixture(const char *rel);
/* Returns 1 when two files have identical bytes. */
int th_same_bytes(const char *a, const char *b);
/* Folder with the real recordings, or NULL (and a reason) when absent. */
const char *th_data_dir(const char **why);

#endif
