#include "engine/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char g_msg[VOLT_ERR_MAX];

int volt_err_set(int code, const char *fmt, ...)
{
    char prev[VOLT_ERR_MAX];
    size_t had = strlen(g_msg);
    if (had)
        memcpy(prev, g_msg, had + 1);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    if (had && n >= 0 && (size_t)n + 2 < sizeof g_msg) {
        /* append ": <previous context>", truncated to fit */
        size_t at = (size_t)n;
        g_msg[at++] = ':';
        g_msg[at++] = ' ';
        size_t room = sizeof g_msg - 1 - at;
        size_t len = had < room ? had : room;
        memcpy(g_msg + at, prev, len);
        g_msg[at + len] = '\0';
    }
    return code;
}

const char *volt_err_msg(void) { return g_msg; }
void volt_err_clear(void) { g_msg[0] = '\0'; }
