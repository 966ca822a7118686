/* SPDX-License-Identifier: MIT */
/*
 * clients.c - what kioskd sends its clients: each connection's output
 * queue (bounded: a client that does not read is dropped, never waited
 * for), the publication of the state to every client that said hello, and
 * the scans the screen shows, passed to it as sealed read-only memfds
 * (SCM_RIGHTS) instead of paths it could read: the screen's user has no
 * access to kioskd's state directory (docs/protocol.md "Previews"). The
 * socket itself (accepting, reading, flushing) is server.c's. Main loop
 * only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "engine_internal.h"

/* the largest preview file passed to the screen */
#define KX_PREVIEW_MAX_BYTES (64L * 1024 * 1024)

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
    if (!c->out_len)
        c->stuck_since_ms = kx_now_ms(); /* output waits from now */
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

void kx_engine_publish(kx_engine *e)
{
    json_t *o = kx_state_json(e);
    char *line = json_dumps(o, JSON_COMPACT);
    for (int i = 0; line && i < KX_PROTO_MAX_CLIENTS; i++) {
        kx_client *c = &e->clients[i];
        if (c->fd < 0 || !c->said_hello || c->closing)
            continue;
        if (c->role == KX_ROLE_UI)
            kx_client_send_files(e, c, json_deep_copy(o));
        else
            kx_client_queue(c, line);
    }
    json_decref(o);
    free(line);
}

/* ---- previews passed as descriptors (docs/security.md, finding 4) ---- */

/* the identity of a preview file's content: its path and what stat says
 * of it (a page scanned again under the same name is another preview) */
static uint64_t preview_key(const char *path, const struct stat *sb)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h ^= (uint64_t)sb->st_ino * 0x9e3779b97f4a7c15ULL;
    h ^= (uint64_t)sb->st_mtim.tv_sec * 1000000007ULL + (uint64_t)sb->st_mtim.tv_nsec;
    h ^= (uint64_t)sb->st_size << 17;
    return h ? h : 1;
}

/* 1 when path is a regular file in the spool (*key: its identity) */
static int preview_file(const kx_engine *e, const char *path, uint64_t *key)
{
    size_t n = strlen(e->set.spool_dir);
    struct stat sb;
    if (!n || strncmp(path, e->set.spool_dir, n) != 0 || path[n] != '/' ||
        strstr(path, "/../") || lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > KX_PREVIEW_MAX_BYTES)
        return 0;
    *key = preview_key(path, &sb);
    return 1;
}

/* a sealed read-only copy of the file at path (a memfd), -1 on failure */
static int preview_memfd(const char *path)
{
    int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), fd = -1;
    if (in < 0)
        return -1;
    fd = memfd_create("kx-preview", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    char buf[65536];
    ssize_t r = 0;
    while (fd >= 0 && (r = read(in, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; fd >= 0 && off < r;) {
            ssize_t w = write(fd, buf + off, (size_t)(r - off));
            if (w <= 0 && errno != EINTR) {
                close(fd);
                fd = -1;
            }
            off += w > 0 ? w : 0;
        }
    /* the screen can read it, never change it */
    if (fd >= 0 &&
        (r < 0 || fcntl(fd, F_ADD_SEALS,
                        F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)) {
        close(fd);
        fd = -1;
    }
    close(in);
    return fd;
}

static int client_has_sent(const kx_client *c, uint64_t key)
{
    for (int i = 0; i < c->n_sent && i < KX_CLIENT_SENT; i++)
        if (c->sent[i] == key)
            return 1;
    return 0;
}

/* each object in o with a file member ("path" of the state's previews,
 * "preview" of the scanner's self-test) gets "fd_id", the file's identity;
 * a file this connection was not given yet also "fd": true, its sealed
 * copy appended to fds (in document order, as the screen reads them) */
static void annotate_files(const kx_engine *e, kx_client *c, json_t *o, int depth, int *fds,
                           int *nfds)
{
    if (depth > 6)
        return;
    if (json_is_array(o)) {
        size_t i;
        json_t *v;
        json_array_foreach(o, i, v) annotate_files(e, c, v, depth + 1, fds, nfds);
        return;
    }
    if (!json_is_object(o))
        return;
    const char *path = json_string_value(json_object_get(o, "path"));
    if (!path)
        path = json_string_value(json_object_get(o, "preview"));
    uint64_t key = 0;
    int sent = 0, fd = -1;
    if (path && preview_file(e, path, &key)) {
        /* a file this connection has is named only; a new one is copied */
        sent = client_has_sent(c, key);
        if (!sent && *nfds < KX_CLIENT_FDS - c->n_fds && (fd = preview_memfd(path)) >= 0) {
            fds[(*nfds)++] = fd;
            c->sent[c->n_sent++ % KX_CLIENT_SENT] = key;
            json_object_set_new(o, "fd", json_true());
        }
    }
    if (sent || fd >= 0) {
        char id[20];
        (void)snprintf(id, sizeof id, "%016llx", (unsigned long long)key);
        json_object_set_new(o, "fd_id", json_string(id));
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) if (json_is_array(v) || json_is_object(v))
        annotate_files(e, c, v, depth + 1, fds, nfds);
}

void kx_client_send_files(kx_engine *e, kx_client *c, json_t *o)
{
    int fds[KX_CLIENT_FDS], nfds = 0;
    /* the screen's user cannot read kioskd's files: it gets descriptors */
    if (c->role == KX_ROLE_UI)
        annotate_files(e, c, o, 0, fds, &nfds);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    size_t at = c->out_len;
    if (s && !c->closing) {
        kx_client_queue(c, s);
        for (int i = 0; i < nfds && c->out_len > at && !c->closing; i++) {
            c->fds[c->n_fds] = fds[i];
            c->fd_at[c->n_fds++] = at;
            fds[i] = -1;
        }
    }
    for (int i = 0; i < nfds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(s);
}
