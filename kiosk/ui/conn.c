/* SPDX-License-Identifier: MIT */
/*
 * conn.c - the front end's connection to kioskd, never blocking.
 *
 * A non-blocking UNIX stream socket: connect (retried at most once a
 * second while kioskd is away), hello, then states pushed by kioskd and
 * intents sent by the UI. Input goes through kx_proto's bounded line
 * reader; output is queued in a kx_secbuf (an intent may carry a PIN) and
 * the queue is wiped as it drains. Message contents are never logged.
 *
 * Previews (scans) come as descriptors with the line that names them
 * (docs/protocol.md "Previews"): the screen's user cannot read kioskd's
 * files. Each is kept, under the identity kioskd gave it ("fd_id"), until
 * the session changes, at a descriptor number never used before by this
 * process (the image cache is keyed by path), and the state's path is
 * rewritten to /proc/self/fd/N.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

#define CONN_QUEUE (KX_PROTO_MAX_LINE * 2)
#define CONN_RETRY_MS 1000
#define CONN_REPLIES 8
#define CONN_FILES 32    /* previews kept (one session's, a test scan's) */
#define CONN_FD_FIRST 64 /* preview descriptors are numbered from here... */
#define CONN_FD_LAST 900 /* ...up to here, then again from the first */

/* a preview passed by kioskd */
typedef struct conn_file {
    char id[20];      /* kioskd's fd_id */
    char session[48]; /* the session it belongs to ("" outside one) */
    int fd;           /* -1: free */
    char path[32];    /* /proc/self/fd/N */
} conn_file;

struct kx_ui_conn {
    char path[108];
    int fd;
    int welcomed;
    Uint64 next_try;
    kx_line_reader *lr;
    kx_secbuf *out; /* queued bytes, wiped after sending */
    size_t out_sent;
    int logged_down;
    void *replies[CONN_REPLIES]; /* json_t: reply/error messages with a seq */
    int n_replies;
    int pending[16]; /* descriptors received, not yet claimed by their line */
    int n_pending;
    conn_file files[CONN_FILES];
    int next_fd; /* the lowest number the next preview may get */
};

kx_err kx_ui_conn_new(const char *path, kx_ui_conn **out)
{
    kx_ui_conn *c;
    kx_err rc;
    if (!path || !out || strlen(path) >= sizeof c->path)
        return KX_ERR_INVALID_ARG;
    c = calloc(1, sizeof *c);
    if (!c)
        return KX_ERR_NO_MEMORY;
    kx_strlcpy(c->path, path, sizeof c->path);
    c->fd = -1;
    for (int i = 0; i < CONN_FILES; i++)
        c->files[i].fd = -1;
    c->next_fd = CONN_FD_FIRST;
    rc = kx_secbuf_new(CONN_QUEUE, &c->out);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return KX_OK;
}

static void conn_drop_replies(kx_ui_conn *c)
{
    for (int i = 0; i < c->n_replies; i++)
        json_decref(c->replies[i]);
    c->n_replies = 0;
}

/* conn_keep_reply - queue a reply (or error) to a numbered message; the
 * oldest is dropped when nobody collected it. Takes the reference. */
static void conn_keep_reply(kx_ui_conn *c, json_t *msg)
{
    if (c->n_replies == CONN_REPLIES) {
        json_decref(c->replies[0]);
        memmove(c->replies, c->replies + 1, sizeof c->replies[0] * (CONN_REPLIES - 1));
        c->n_replies--;
    }
    c->replies[c->n_replies++] = msg;
}

void *kx_ui_conn_next_reply(kx_ui_conn *c)
{
    void *r;
    if (!c || c->n_replies == 0)
        return NULL;
    r = c->replies[0];
    memmove(c->replies, c->replies + 1, sizeof c->replies[0] * (size_t)(c->n_replies - 1));
    c->n_replies--;
    return r;
}

static void conn_close(kx_ui_conn *c, const char *why)
{
    conn_drop_replies(c);
    if (c->fd >= 0) {
        close(c->fd);
        kx_log_warn("ui.disconnected", "socket=%s reason=%s", c->path, why);
    }
    c->fd = -1;
    c->welcomed = 0;
    kx_line_reader_free(c->lr);
    c->lr = NULL;
    kx_secbuf_clear(c->out);
    c->out_sent = 0;
    for (int i = 0; i < c->n_pending; i++)
        close(c->pending[i]);
    c->n_pending = 0;
}

/* forget the previews not of session (NULL: all) */
static void conn_files_drop(kx_ui_conn *c, const char *session)
{
    for (int i = 0; i < CONN_FILES; i++) {
        conn_file *f = &c->files[i];
        if (f->fd >= 0 && (!session || strcmp(f->session, session) != 0)) {
            close(f->fd);
            memset(f, 0, sizeof *f);
            f->fd = -1;
        }
    }
}

void kx_ui_conn_free(kx_ui_conn *c)
{
    if (!c)
        return;
    conn_close(c, "shutdown");
    conn_files_drop(c, NULL);
    kx_secbuf_free(c->out);
    free(c);
}

int kx_ui_conn_ready(const kx_ui_conn *c)
{
    return c && c->fd >= 0 && c->welcomed;
}

static kx_err conn_queue(kx_ui_conn *c, const char *msg, size_t len)
{
    if (c->out->len + len + 1 > c->out->cap)
        return KX_ERR_TOO_LARGE;
    memcpy(c->out->data + c->out->len, msg, len);
    c->out->data[c->out->len + len] = '\n';
    c->out->len += len + 1;
    return KX_OK;
}

kx_err kx_ui_conn_send(kx_ui_conn *c, const char *msg, size_t len)
{
    if (!c || !msg)
        return KX_ERR_INVALID_ARG;
    if (!kx_ui_conn_ready(c))
        return KX_ERR_STATE;
    return conn_queue(c, msg, len);
}

static void conn_start(kx_ui_conn *c)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    kx_strlcpy(sa.sun_path, c->path, sizeof sa.sun_path);
    /* a UNIX socket connects at once or not at all (EAGAIN: kioskd's
     * backlog is full); either way try again in a second, never wait */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (!c->logged_down)
            kx_log_warn("ui.connect_failed", "socket=%s errno=%d", c->path, errno);
        c->logged_down = 1;
        close(fd);
        return;
    }
    if (kx_line_reader_new(&c->lr) != KX_OK) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->welcomed = 0;
    c->logged_down = 0;
    {
        static const char hello[] = "{\"v\":1,\"type\":\"hello\",\"versions\":[1],\"role\":"
                                    "\"ui\",\"client\":\"kiosk 0.1\"}";
        conn_queue(c, hello, sizeof hello - 1);
    }
}

static kx_err conn_flush(kx_ui_conn *c)
{
    while (c->out_sent < c->out->len) {
        ssize_t n = send(c->fd, c->out->data + c->out_sent, c->out->len - c->out_sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return KX_OK;
            return KX_ERR_IO;
        }
        c->out_sent += (size_t)n;
    }
    /* drained: wipe what was sent (it may have held a PIN) */
    kx_secbuf_clear(c->out);
    c->out_sent = 0;
    return KX_OK;
}

/* the kept preview of kioskd's id, or NULL */
static conn_file *conn_file_of(kx_ui_conn *c, const char *id)
{
    for (int i = 0; i < CONN_FILES; i++)
        if (c->files[i].fd >= 0 && strcmp(c->files[i].id, id) == 0)
            return &c->files[i];
    return NULL;
}

/* keep fd as preview id of session, at a number not used before */
static void conn_file_keep(kx_ui_conn *c, const char *id, const char *session, int fd)
{
    conn_file *f = conn_file_of(c, id);
    for (int i = 0; !f && i < CONN_FILES; i++)
        if (c->files[i].fd < 0)
            f = &c->files[i];
    int mine = f ? fcntl(fd, F_DUPFD_CLOEXEC, c->next_fd) : -1;
    close(fd);
    if (mine < 0)
        return;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = mine;
    c->next_fd = mine + 1 > CONN_FD_LAST ? CONN_FD_FIRST : mine + 1;
    kx_strlcpy(f->id, id, sizeof f->id);
    kx_strlcpy(f->session, session, sizeof f->session);
    (void)snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", mine);
}

/* each object of o with "fd_id": claim its descriptor ("fd": true, in
 * document order, as kioskd attached them) and point its file member
 * ("path", "preview") at the kept copy, or at nothing */
static void conn_files_apply(kx_ui_conn *c, json_t *o, const char *session, int depth)
{
    if (depth > 6)
        return;
    if (json_is_array(o)) {
        size_t i;
        json_t *v;
        json_array_foreach(o, i, v) conn_files_apply(c, v, session, depth + 1);
        return;
    }
    if (!json_is_object(o))
        return;
    const char *id = json_string_value(json_object_get(o, "fd_id"));
    if (id) {
        if (json_is_true(json_object_get(o, "fd")) && c->n_pending > 0) {
            int fd = c->pending[0];
            memmove(c->pending, c->pending + 1, sizeof c->pending[0] * (size_t)--c->n_pending);
            if (!conn_file_of(c, id)) /* a resend after a reconnection: keep the first */
                conn_file_keep(c, id, session, fd);
            else
                close(fd);
        }
        const conn_file *f = conn_file_of(c, id);
        const char *key = json_object_get(o, "path") ? "path" : "preview";
        json_object_set_new(o, key, json_string(f ? f->path : ""));
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) if (json_is_array(v) || json_is_object(v))
        conn_files_apply(c, v, session, depth + 1);
}

/* conn_message - one line from kioskd. Returns 1 when it was a state
 * (stored in *state_out, replacing an older one). */
static int conn_message(kx_ui_conn *c, char *line, size_t len, kx_ui_state **state_out)
{
    json_t *root = json_loadb(line, len, 0, NULL);
    const char *type = root ? json_string_value(json_object_get(root, "type")) : NULL;
    if (type && strcmp(type, "state") == 0) {
        kx_ui_state *st = NULL;
        const char *session = json_string_value(json_object_get(root, "session"));
        char sid[48];
        kx_strlcpy(sid, session ? session : "", sizeof sid);
        conn_files_drop(c, sid); /* another session's scans are gone */
        conn_files_apply(c, root, sid, 0);
        char *text = json_dumps(root, JSON_COMPACT);
        json_decref(root);
        kx_err prc = text ? kx_ui_state_parse(text, strlen(text), &st) : KX_ERR_NO_MEMORY;
        free(text);
        if (prc != KX_OK) {
            kx_log_warn("ui.bad_state", "detail=\"%s\"", kx_err_detail());
            return 0;
        }
        kx_ui_record_state(line, len); /* tests only (harness.c) */
        kx_ui_state_free(*state_out);
        *state_out = st;
        c->welcomed = 1;
        return 1;
    }
    if (type && strcmp(type, "welcome") == 0) {
        c->welcomed = 1;
        c->logged_down = 0;
        kx_log_info("ui.connected", "socket=%s", c->path);
    } else if (type && strcmp(type, "error") == 0) {
        const char *e = json_string_value(json_object_get(root, "error"));
        int numbered = json_is_integer(json_object_get(root, "seq"));
        kx_log_warn("ui.kioskd_error", "error=%s code=%lld", e ? e : "?",
                    (long long)json_integer_value(json_object_get(root, "code")));
        /* an unnumbered refusal answers the hello: this connection is not
         * wanted; a numbered one answers one request (a wrong staff PIN) */
        if (!numbered && e &&
            (strcmp(e, "permission") == 0 || strcmp(e, "unsupported_version") == 0 ||
             strcmp(e, "busy") == 0)) {
            json_decref(root);
            return -1;
        }
        if (numbered) {
            conn_keep_reply(c, root);
            return 0;
        }
    } else if (type && (strcmp(type, "reply") == 0 || strcmp(type, "ack") == 0) &&
               json_is_integer(json_object_get(root, "seq"))) {
        conn_files_apply(c, root, "", 0); /* a test scan's preview */
        conn_keep_reply(c, root);
        return 0;
    }
    json_decref(root);
    return 0;
}

kx_err kx_ui_conn_poll(kx_ui_conn *c, Uint64 now_ms, kx_ui_state **state_out)
{
    *state_out = NULL;
    if (c->fd < 0) {
        if (now_ms < c->next_try)
            return KX_OK;
        c->next_try = now_ms + CONN_RETRY_MS;
        conn_start(c);
        if (c->fd < 0)
            return KX_OK;
    }
    if (conn_flush(c) != KX_OK) {
        conn_close(c, "write");
        return KX_ERR_IO;
    }
    for (int rounds = 0; rounds < 64; rounds++) {
        int fds[8], nfds = 0;
        kx_err rc = kx_line_reader_fill_fds(c->lr, c->fd, fds, 8, &nfds);
        for (int i = 0; i < nfds; i++) {
            if (c->n_pending < (int)(sizeof c->pending / sizeof c->pending[0]))
                c->pending[c->n_pending++] = fds[i];
            else
                close(fds[i]);
        }
        if (rc == KX_ERR_BUSY)
            break;
        if (rc != KX_OK) {
            conn_close(c, "read");
            kx_ui_state_free(*state_out);
            *state_out = NULL;
            return KX_ERR_IO;
        }
        for (;;) {
            char *line;
            size_t len;
            rc = kx_line_reader_next(c->lr, &line, &len);
            if (rc == KX_ERR_NOT_FOUND)
                break;
            if (rc != KX_OK || conn_message(c, line, len, state_out) < 0) {
                conn_close(c, rc ? "line too long" : "refused");
                kx_ui_state_free(*state_out);
                *state_out = NULL;
                return KX_ERR_IO;
            }
        }
    }
    return KX_OK;
}
