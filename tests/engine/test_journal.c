/* engine/journal: recovery cuts exactly the torn last line and leaves whole files alone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/agents/journal.h"
#include "helpers.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(journal, recovery_cuts_a_torn_last_line_and_nothing_else)
{
    char dir[] = "/tmp/volt_jrec_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char torn[512], whole[512], other[512];
    snprintf(torn, sizeof torn, "%s/ticks_BTCUSD_20260101_000000.ndjson", dir);
    snprintf(whole, sizeof whole, "%s/ticks_BTCUSD_20260101_010000.ndjson", dir);
    snprintf(other, sizeof other, "%s/notes.txt", dir);
    write_file(torn, "{\"a\":1}\n{\"b\":2}\n{\"c\":3, \"raw\":{\"chan");
    write_file(whole, "{\"a\":1}\n{\"b\":2}\n");
    write_file(other, "no newline at the end");
    cr_expect_eq(volt_journal_recover(dir, NULL), 1, "one file needed a cut");
    size_t n;
    char *t = th_read_file(torn, &n);
    cr_expect_eq(n, 16);
    cr_expect_eq(memcmp(t, "{\"a\":1}\n{\"b\":2}\n", 16), 0);
    free(t);
    t = th_read_file(whole, &n);
    cr_expect_eq(n, 16, "a whole file is untouched");
    free(t);
    t = th_read_file(other, &n);
    cr_expect_eq(n, 21, "only .ndjson files are journal files");
    free(t);
    cr_expect_eq(volt_journal_recover(dir, NULL), 0, "recovery is idempotent");
    unlink(torn);
    unlink(whole);
    unlink(other);
    rmdir(dir);
}

Test(journal, a_file_without_any_newline_is_emptied)
{
    char dir[] = "/tmp/volt_jrec_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char p[512];
    snprintf(p, sizeof p, "%s/ticks_X_1.ndjson", dir);
    write_file(p, "{\"half\":");
    cr_expect_eq(volt_journal_recover(dir, NULL), 1);
    size_t n;
    char *t = th_read_file(p, &n);
    cr_expect_eq(n, 0);
    free(t);
    unlink(p);
    rmdir(dir);
}

Test(journal, a_missing_folder_is_nothing_to_recover)
{
    cr_expect_eq(volt_journal_recover("/tmp/volt_no_such_folder_here", NULL), 0);
}
