/* SPDX-License-Identifier: MIT */
/*
 * clients.c - what kioskd sends its clients: each connection's output
 * queue (bounded: a client that does not read is dropped, never waited
 * for) and the publication of the state to every client that said hello.
 * The socket itself (accepting, reading, flushing) is server.c's. Main
 * loop only.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "engine_internal.h"

int kx_client_slot(const kx_engine *e, const kx_client *c)
{
    return c >= e->clients && c < e->clients + KX_PROTO_MAX_CLIENTS ? (int)(c - e->clients)
                                                                    : -1;
}

void kx_client_queue(kx_client *c, const char *line)
{
    size_t n = strlen(line);
    if (c->out_len + n + 1 > KX_PROTO_MAX_QUEUED) {
        kx_log_warn("server.slow_client", "uid=%u pid=%d queued=%zu", (unsigned)c->uid,
                    (int)c->pid, c->out_len);
        c->closing = 2; /* drop at once */
        return;
    }
    if (c->out_len + n + 1 > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n + 1)
            cap *= 2;
        char *p = realloc(c->out, cap);
        if (!p) {
            c->closing = 2;
            return;
        }
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, line, n);
    c->out[c->out_len + n] = '\n';
    c->out_len += n + 1;
}

void kx_client_send_json(kx_client *c, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s) {
        kx_client_queue(c, s);
        free(s);
    }
}

static void clients_broadcast(kx_engine *e, const char *line)
{
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++) {
        kx_client *c = &e->clients[i];
        if (c->fd >= 0 && c->said_hello && !c->closing)
            kx_client_queue(c, line);
    }
}

void kx_engine_publish(kx_engine *e)
{
    json_t *o = kx_state_json(e);
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!line)
        return;
    clients_broadcast(e, line);
    free(line);
}
