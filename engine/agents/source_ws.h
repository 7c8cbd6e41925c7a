/* engine/agents/source_ws.h — the live source: the Coinbase WebSocket feed (libwebsockets). */
#ifndef VOLT_ENGINE_AGENTS_SOURCE_WS_H
#define VOLT_ENGINE_AGENTS_SOURCE_WS_H

#include <stddef.h>

/* Splits ws[s]://host[:port][/path]. Returns 0 or -EINVAL. */
int volt_ws_parse_url(const char *url, char *host, size_t hcap, int *port, char *path, size_t pcap,
                      int *tls);

#endif
