/* SPDX-License-Identifier: MIT */
/*
 * server.c - kioskd's UNIX socket server (docs/protocol.md): accepting
 * with SO_PEERCRED role checks, bounded line reading, JSON dispatch of
 * hello / intent / request, queued non-blocking output (with the
 * descriptors of previews, clients.c), and idle connections closed.
 *
 * Never logs a message's content (an intent may carry a PIN): lines are
 * parsed, PIN members are wiped in the parsed object, and the line buffer
 * is wiped before the next read.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/secbuf.h"
#include "core/str.h"
#include "engine_internal.h"

/* connections one user may hold, and the slots only the screen's users
 * may take (docs/security.md, finding 6) */
#define KX_SERVER_PER_UID 4
#define KX_SERVER_SCREEN_SLOTS 1

/* how long a refused peer may take to read its error (no slot meanwhile) */
#define KX_SERVER_REFUSE_MS 300

/* [engine] client_idle_seconds: a connection silent (or in the middle of a
 * line, or not reading what kioskd sent) that long is closed; the screen's
 * connection may stay silent (below) */
#define KX_SERVER_IDLE_DEFAULT_S 300

/* ---- listening ---- */

/* the socket's group: [engine] socket_group (a name or a gid), else the
 * primary group of the first of [engine] ui_users (the screen's user, who
 * then needs no other group), else kioskd's own */
static kx_err socket_group(kx_engine *e, gid_t *out)
{
    char first[64] = "";
    const char *name = kx_config_get_str(e->cfg, "engine", "socket_group", NULL);
    *out = getgid();
    if (!name || !*name) {
        size_t n = strcspn(e->set.ui_users, ", ");
        if (n < sizeof first)
            snprintf(first, sizeof first, "%.*s", (int)n, e->set.ui_users);
    }
    long v;
    char buf[1024];
    if (name && *name) {
        struct group gr, *res = NULL;
        if (kx_parse_long(name, 0, 0x7fffffffL, &v) == KX_OK)
            *out = (gid_t)v;
        else if (getgrnam_r(name, &gr, buf, sizeof buf, &res) == 0 && res)
            *out = res->gr_gid;
        else {
            kx_err_set_detail("[engine] socket_group: no group \"%s\"", name);
            return KX_ERR_CONFIG;
        }
    } else if (first[0]) {
        struct passwd pw, *res = NULL;
        if (kx_parse_long(first, 0, 0x7fffffffL, &v) == KX_OK) {
            if (getpwuid_r((uid_t)v, &pw, buf, sizeof buf, &res) == 0 && res)
                *out = res->pw_gid;
        } else if (getpwnam_r(first, &pw, buf, sizeof buf, &res) == 0 && res) {
            *out = res->pw_gid;
        }
    }
    return KX_OK;
}

kx_err kx_server_listen(kx_engine *e)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    kx_strlcpy(sa.sun_path, e->set.socket_path, sizeof sa.sun_path);
    for (int i = 0; i < KX_SERVER_REFUSING; i++)
        e->refusing[i] = -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return KX_ERR_IO;
    /* a stale socket from a killed kioskd: remove it only if nobody answers */
    struct stat sb;
    if (lstat(sa.sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            close(fd);
            kx_err_set_detail("another kioskd serves %s", sa.sun_path);
            return KX_ERR_BUSY;
        }
        if (probe >= 0)
            close(probe);
        unlink(sa.sun_path);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        kx_err_set_detail("socket %s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return KX_ERR_IO;
    }
    /* only the owner and the socket's group may connect; the role of each
     * connection is then decided by its peer credentials */
    gid_t gid;
    kx_err rc = socket_group(e, &gid);
    if (!rc && (chown(sa.sun_path, (uid_t)-1, gid) != 0 || chmod(sa.sun_path, 0660) != 0)) {
        kx_err_set_detail("socket %s: group %u: %s", sa.sun_path, (unsigned)gid,
                          strerror(errno));
        rc = KX_ERR_IO;
    }
    if (rc) {
        close(fd);
        unlink(sa.sun_path);
        return rc;
    }
    long idle = KX_SERVER_IDLE_DEFAULT_S;
    rc = kx_config_get_int(e->cfg, "engine", "client_idle_seconds", KX_SERVER_IDLE_DEFAULT_S, 1,
                           86400, &idle);
    if (rc) {
        close(fd);
        unlink(sa.sun_path);
        return rc;
    }
    e->client_idle_ms = idle * 1000;
    e->listen_fd = fd;
    return KX_OK;
}

/* close a connection so that the peer still reads what was sent: unread
 * input at close(2) would make the peer's reads fail with ECONNRESET */
static void socket_close_gently(int fd)
{
    char sink[4096];
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 64 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
    }
    kx_wipe(sink, sizeof sink);
    close(fd);
}

static void client_close(kx_client *c)
{
    if (c->fd < 0)
        return;
    socket_close_gently(c->fd);
    for (int i = 0; i < c->n_fds; i++)
        close(c->fds[i]);
    kx_line_reader_free(c->reader);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

void kx_server_close(kx_engine *e)
{
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++)
        client_close(&e->clients[i]);
    for (int i = 0; i < KX_SERVER_REFUSING; i++)
        if (e->refusing[i] >= 0) {
            close(e->refusing[i]);
            e->refusing[i] = -1;
        }
    if (e->listen_fd >= 0) {
        close(e->listen_fd);
        unlink(e->set.socket_path);
        e->listen_fd = -1;
    }
}

/* ---- roles from peer credentials ---- */

/* 1 when uid is named in list ("kiosk,1001,ops") */
static int uid_listed(const char *list, uid_t uid)
{
    char buf[256];
    kx_strlcpy(buf, list, sizeof buf);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        long n;
        if (kx_parse_long(tok, 0, 0x7fffffffL, &n) == KX_OK) {
            if ((uid_t)n == uid)
                return 1;
            continue;
        }
        struct passwd pw, *res = NULL;
        char pwbuf[1024];
        if (getpwnam_r(tok, &pw, pwbuf, sizeof pwbuf, &res) == 0 && res && res->pw_uid == uid)
            return 1;
    }
    return 0;
}

static kx_role role_for(kx_engine *e, uid_t uid)
{
    if (uid == 0 || uid == getuid() || uid_listed(e->set.staff_users, uid))
        return KX_ROLE_STAFF;
    if (uid_listed(e->set.ui_users, uid))
        return KX_ROLE_UI;
    return KX_ROLE_NONE;
}

/* ---- output ---- */

/* send the first len bytes of c's queue with its first nfds descriptors
 * (SCM_RIGHTS, riding on the first byte) */
static ssize_t client_send(kx_client *c, size_t len, int nfds)
{
    struct iovec iov = {c->out, len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * KX_CLIENT_FDS)];
    } ctl;
    if (nfds) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(cm), c->fds, sizeof(int) * (size_t)nfds);
    }
    return sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void client_flush(kx_client *c)
{
    while (c->out_len) {
        /* the descriptors of a line go with its first byte: send up to the
         * next line that has some, then that line with them */
        int nfds = 0;
        while (nfds < c->n_fds && c->fd_at[nfds] == 0)
            nfds++;
        size_t len = nfds < c->n_fds ? c->fd_at[nfds] : c->out_len;
        ssize_t w = client_send(c, len, nfds);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w <= 0) {
            c->closing = 2;
            return;
        }
        for (int i = 0; i < nfds; i++) /* the peer has its own now */
            close(c->fds[i]);
        memmove(c->fds, c->fds + nfds, sizeof c->fds[0] * (size_t)(c->n_fds - nfds));
        memmove(c->fd_at, c->fd_at + nfds, sizeof c->fd_at[0] * (size_t)(c->n_fds - nfds));
        c->n_fds -= nfds;
        for (int i = 0; i < c->n_fds; i++)
            c->fd_at[i] -= (size_t)w;
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
        c->stuck_since_ms = c->out_len ? kx_now_ms() : 0; /* it reads */
    }
}

static void reply_error(kx_client *c, json_t *seq, kx_err code, const char *detail)
{
    json_t *o = json_pack("{s:i, s:s, s:s, s:i, s:s}", "v", KX_PROTO_VERSION, "type", "error",
                          "error", kx_proto_error_name(code), "code", (int)code, "detail",
                          detail ? detail : kx_err_message(code));
    if (seq)
        json_object_set(o, "seq", seq);
    kx_client_send_json(c, o);
}

/* ---- requests ---- */

static json_t *tx_json(const kx_journal_tx *t)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:I, s:I}", "id",
                     (json_int_t)t->id, "session", t->session, "service", t->service, "kind",
                     t->kind, "idem_key", t->idem_key, "status",
                     kx_journal_status_name(t->status), "ref", t->ref, "result", t->result,
                     "amount_fen", (json_int_t)t->amount_fen, "error", t->error, "created",
                     (json_int_t)t->created, "updated", (json_int_t)t->updated);
}

static kx_err handle_request(kx_engine *e, kx_client *c, json_t *msg, json_t **result)
{
    const char *cmd = json_string_value(json_object_get(msg, "cmd"));
    if (!cmd)
        return KX_ERR_BAD_FORMAT;
    if (strcmp(cmd, "state") == 0) {
        *result = kx_state_json(e);
        return KX_OK;
    }
    if (strcmp(cmd, "status") == 0) {
        int64_t open = 0;
        kx_journal_count_open(e->journal, &open);
        int n = 0;
        for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++)
            n += e->clients[i].fd >= 0;
        const kx_flow_state *st =
            e->s.active ? kx_flow_state_at(e->s.flow, e->s.pos.state) : NULL;
        *result = json_pack(
            "{s:i, s:I, s:o, s:s, s:o, s:o, s:I, s:i, s:s, s:b}", "version", KX_PROTO_VERSION,
            "uptime_s", (json_int_t)((kx_now_ms() - e->started_ms) / 1000), "session",
            e->s.active ? json_string(e->s.id) : json_null(), "screen",
            st ? kx_screen_id(e->s.pos.resume >= 0 ? KX_SCREEN_ERROR : st->screen)
               : (e->recovering ? "busy" : "home"),
            "state", st ? json_string(st->name) : json_null(), "service",
            e->s.active ? json_string(kx_service_id(e->s.service)) : json_null(),
            "open_transactions", (json_int_t)open, "clients", n, "journal",
            kx_journal_path(e->journal), "recovering", e->recovering);
        return *result ? KX_OK : KX_ERR_NO_MEMORY;
    }
    kx_err src = KX_OK;
    if (kx_staff_request(e, c, cmd, msg, result, &src))
        return src;
    /* the journal: staff connections, or the screen while an admin is logged in */
    if (c->role != KX_ROLE_STAFF && !(strcmp(cmd, "journal") == 0 && kx_staff_mode_admin(e)))
        return KX_ERR_PERMISSION;
    if (strcmp(cmd, "journal") == 0) {
        int open_only = json_is_true(json_object_get(msg, "open"));
        json_int_t limit = json_integer_value(json_object_get(msg, "limit"));
        if (limit <= 0 || limit > 1000)
            limit = 100;
        kx_journal_tx *txs = calloc((size_t)limit, sizeof *txs);
        if (!txs)
            return KX_ERR_NO_MEMORY;
        size_t n = 0;
        kx_err rc = kx_journal_list(e->journal, open_only, NULL, txs, (size_t)limit, &n);
        if (!rc) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, tx_json(&txs[i]));
            *result = json_pack("{s:o}", "transactions", arr);
        }
        free(txs);
        return rc;
    }
    return KX_ERR_NOT_FOUND;
}

/* ---- dispatch of one line ---- */

static void handle_line(kx_engine *e, kx_client *c, char *line, size_t len)
{
    json_error_t jerr;
    json_t *msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    kx_wipe(line, len); /* it may have held a PIN */
    if (!json_is_object(msg)) {
        json_decref(msg);
        c->bad++;
        reply_error(c, NULL, KX_ERR_BAD_FORMAT, "not a JSON object");
        return;
    }
    json_t *seq = json_object_get(msg, "seq");
    if (seq && !json_is_integer(seq))
        seq = NULL;
    const char *type = json_string_value(json_object_get(msg, "type"));
    json_t *v = json_object_get(msg, "v");
    kx_err rc = KX_OK;
    const char *detail = NULL;
    if (!type) {
        rc = KX_ERR_BAD_FORMAT;
        detail = "missing type";
    } else if (v && json_integer_value(v) != KX_PROTO_VERSION && strcmp(type, "hello") != 0) {
        rc = KX_ERR_UNSUPPORTED;
        detail = "unsupported protocol version";
    } else if (strcmp(type, "hello") == 0) {
        json_t *vers = json_object_get(msg, "versions");
        int ok = 0;
        size_t i;
        json_t *x;
        json_array_foreach(vers, i, x) ok |= json_integer_value(x) == KX_PROTO_VERSION;
        const char *want = json_string_value(json_object_get(msg, "role"));
        kx_role wanted = want && strcmp(want, "staff") == 0 ? KX_ROLE_STAFF : KX_ROLE_UI;
        if (!ok) {
            rc = KX_ERR_UNSUPPORTED;
            detail = "no common protocol version";
        } else if (wanted > c->role) {
            rc = KX_ERR_PERMISSION;
            detail = "role not granted to this user";
        } else {
            c->role = wanted;
            c->said_hello = 1;
            kx_client_send_json(c, json_pack("{s:i, s:s, s:i, s:s, s:s, s:O?}", "v",
                                             KX_PROTO_VERSION, "type", "welcome", "version",
                                             KX_PROTO_VERSION, "role", kx_role_name(c->role),
                                             "server", "kioskd 0.1", "seq", seq));
            kx_client_send_files(e, c, kx_state_json(e));
            kx_log_info("server.hello", "uid=%u pid=%d role=%s", (unsigned)c->uid, (int)c->pid,
                        kx_role_name(c->role));
        }
    } else if (!c->said_hello) {
        rc = KX_ERR_STATE;
        detail = "hello first";
    } else if (strcmp(type, "intent") == 0) {
        kx_intent in;
        if (kx_intent_from_name(json_string_value(json_object_get(msg, "intent")), &in)) {
            rc = KX_ERR_BAD_FORMAT;
            detail = "unknown intent";
        } else {
            if (kx_print_is_intent(in)) {
                if (!(rc = kx_print_intent(e, in, msg)))
                    kx_engine_publish(e);
            } else {
                rc = kx_intent_is_staff(in) ? kx_staff_intent(e, in, msg, c)
                                            : kx_session_intent(e, in, msg, c->role);
            }
            if (!rc) {
                json_t *ack = json_pack("{s:i, s:s}", "v", KX_PROTO_VERSION, "type", "ack");
                if (seq)
                    json_object_set(ack, "seq", seq);
                kx_client_send_json(c, ack);
            } else {
                detail = "intent not accepted";
            }
        }
    } else if (strcmp(type, "request") == 0) {
        json_t *result = NULL;
        kx_err_set_detail("%s", "");
        rc = handle_request(e, c, msg, &result);
        if (rc && kx_err_detail()[0])
            detail = kx_err_detail();
        if (!rc) {
            json_t *rep = json_pack("{s:i, s:s, s:b, s:o}", "v", KX_PROTO_VERSION, "type",
                                    "reply", "ok", 1, "result", result ? result : json_null());
            if (seq)
                json_object_set(rep, "seq", seq);
            kx_client_send_files(e, c, rep); /* a test scan's preview */
        }
    } else {
        rc = KX_ERR_BAD_FORMAT;
        detail = "unknown message type";
    }
    if (rc) {
        if (rc == KX_ERR_BAD_FORMAT || rc == KX_ERR_UNSUPPORTED)
            c->bad++;
        reply_error(c, seq, rc, detail);
    } else {
        c->bad = 0;
    }
    json_decref(msg);
}

void kx_server_feed(kx_engine *e, kx_client *c, char *line, size_t len)
{
    handle_line(e, c, line, len);
}

/* ---- poll integration ---- */

int kx_server_pollfds(kx_engine *e, struct pollfd *pfd, int max)
{
    int n = 0;
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS && n < max; i++) {
        kx_client *c = &e->clients[i];
        if (c->fd < 0)
            continue;
        pfd[n].fd = c->fd;
        pfd[n].events = (short)(POLLIN | (c->out_len ? POLLOUT : 0));
        pfd[n].revents = 0;
        n++;
    }
    for (int i = 0; i < KX_SERVER_REFUSING && n < max; i++)
        if (e->refusing[i] >= 0)
            pfd[n++] = (struct pollfd){.fd = e->refusing[i], .events = POLLIN};
    return n;
}

/* a peer refused before it takes a slot: one error line; then its socket
 * waits at most KX_SERVER_REFUSE_MS for the peer to finish writing (so it
 * can read the answer), closed at once when no place is free */
static void refuse_now(kx_engine *e, int fd, const char *error, const char *detail)
{
    char msg[192];
    snprintf(msg, sizeof msg,
             "{\"v\":1,\"type\":\"error\",\"error\":\"%s\",\"detail\":\"%s\"}\n", error,
             detail);
    ssize_t w = send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < KX_SERVER_REFUSING; i++)
        if (e->refusing[i] < 0) {
            e->refusing[i] = fd;
            e->refusing_until[i] = kx_now_ms() + KX_SERVER_REFUSE_MS;
            return;
        }
    socket_close_gently(fd);
}

/* drain refused peers; close them at EOF or when their time is up */
static void refusing_handle(kx_engine *e)
{
    int64_t now = kx_now_ms();
    for (int i = 0; i < KX_SERVER_REFUSING; i++) {
        if (e->refusing[i] < 0)
            continue;
        char sink[4096];
        ssize_t n;
        while ((n = recv(e->refusing[i], sink, sizeof sink, MSG_DONTWAIT)) > 0) {
        }
        kx_wipe(sink, sizeof sink);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
            now >= e->refusing_until[i]) {
            close(e->refusing[i]);
            e->refusing[i] = -1;
        }
    }
}

/* the slot for a new peer of role and uid, or -1 with *why: each user has
 * at most KX_SERVER_PER_UID connections, and the last slot is kept for the
 * screen's users ([engine] ui_users), so no other local account can crowd
 * the screen out */
static int server_slot(kx_engine *e, kx_role role, uid_t uid, const char **why)
{
    int slot = -1, free_slots = 0, mine = 0;
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++) {
        if (e->clients[i].fd < 0) {
            free_slots++;
            if (slot < 0)
                slot = i;
        } else if (e->clients[i].uid == uid) {
            mine++;
        }
    }
    int screen = uid_listed(e->set.ui_users, uid);
    *why = NULL;
    if (role == KX_ROLE_NONE)
        *why = "permission";
    else if (slot < 0 || (!screen && free_slots <= KX_SERVER_SCREEN_SLOTS))
        *why = "busy";
    else if (uid != 0 && mine >= KX_SERVER_PER_UID)
        *why = "too_many";
    return *why ? -1 : slot;
}

static void server_accept(kx_engine *e)
{
    for (;;) {
        int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        struct ucred cred;
        socklen_t cl = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
            close(fd);
            continue;
        }
        /* the role first: a refused peer never holds a slot */
        const char *refuse = NULL;
        int slot = server_slot(e, role_for(e, cred.uid), cred.uid, &refuse);
        if (slot < 0) {
            kx_log_warn("server.refused", "uid=%u pid=%d reason=%s", (unsigned)cred.uid,
                        (int)cred.pid, refuse);
            refuse_now(e, fd, strcmp(refuse, "permission") == 0 ? "permission" : "busy",
                       strcmp(refuse, "permission") == 0 ? "this user may not use kioskd"
                       : strcmp(refuse, "busy") == 0     ? "no free connection"
                                                         : "too many connections of this user");
            continue;
        }
        kx_client *c = &e->clients[slot];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->role = role_for(e, cred.uid);
        c->uid = cred.uid;
        c->pid = cred.pid;
        c->screen = uid_listed(e->set.ui_users, cred.uid);
        c->last_in_ms = kx_now_ms();
        if (kx_line_reader_new(&c->reader) != KX_OK) {
            close(fd);
            c->fd = -1;
            continue;
        }
        kx_log_info("server.connect", "uid=%u pid=%d role=%s", (unsigned)cred.uid,
                    (int)cred.pid, kx_role_name(c->role));
    }
}

static void client_read(kx_engine *e, kx_client *c)
{
    if (c->closing) { /* discard input until the peer closes */
        char sink[4096];
        ssize_t n;
        while ((n = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT)) > 0) {
        }
        kx_wipe(sink, sizeof sink);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            c->closing = 2;
        return;
    }
    kx_err rc = kx_line_reader_fill(c->reader, c->fd);
    if (rc == KX_ERR_IO) {
        c->closing = 2;
        return;
    }
    if (rc == KX_OK)
        c->last_in_ms = kx_now_ms();
    char *line;
    size_t len;
    while (!c->closing) {
        rc = kx_line_reader_next(c->reader, &line, &len);
        if (rc == KX_ERR_NOT_FOUND)
            break;
        if (rc == KX_ERR_TOO_LARGE) {
            kx_log_warn("server.too_large", "uid=%u pid=%d", (unsigned)c->uid, (int)c->pid);
            reply_error(c, NULL, KX_ERR_TOO_LARGE, "line longer than 65536 bytes");
            c->closing = 1;
            break;
        }
        handle_line(e, c, line, len);
        if (c->bad >= KX_PROTO_MAX_BAD) {
            kx_log_warn("server.too_many_bad", "uid=%u pid=%d", (unsigned)c->uid, (int)c->pid);
            c->closing = 1;
        }
    }
    /* a line begun: the clock runs from its first byte, not its last */
    if (!kx_line_reader_pending(c->reader))
        c->partial_since_ms = 0;
    else if (!c->partial_since_ms)
        c->partial_since_ms = kx_now_ms();
}

/* why c is closed as idle now, or NULL: silent for client_idle_ms (not the
 * screen: a connection of one of [engine] ui_users that said hello as the
 * screen may wait for states as long as there are none), a line begun and
 * not ended for that long, or output it has not read for that long (also
 * the screen: that one is not reading its states) */
static const char *client_idle(const kx_engine *e, const kx_client *c, int64_t now)
{
    int64_t lim = e->client_idle_ms;
    const char *why = NULL;
    if (c->closing || lim <= 0)
        why = NULL;
    else if (c->partial_since_ms && now - c->partial_since_ms > lim)
        why = "half_line";
    else if (c->out_len && c->stuck_since_ms && now - c->stuck_since_ms > lim)
        why = "not_reading";
    else if (!(c->screen && c->said_hello && c->role == KX_ROLE_UI) &&
             now - c->last_in_ms > lim)
        why = "silent";
    return why;
}

void kx_server_handle(kx_engine *e, struct pollfd *pfd, int n)
{
    refusing_handle(e);
    if (pfd[1].revents & POLLIN)
        server_accept(e);
    for (int k = 2; k < n; k++) {
        kx_client *c = NULL;
        for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++)
            if (e->clients[i].fd == pfd[k].fd)
                c = &e->clients[i];
        if (!c)
            continue;
        if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
            client_read(e, c);
    }
    int64_t now = kx_now_ms();
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++) {
        kx_client *c = &e->clients[i];
        if (c->fd < 0)
            continue;
        if (c->closing != 2)
            client_flush(c);
        const char *idle = client_idle(e, c, now);
        if (idle) {
            kx_log_warn("server.idle", "uid=%u pid=%d reason=%s", (unsigned)c->uid, (int)c->pid,
                        idle);
            c->closing = 2;
        }
        if (c->closing == 1 && !c->out_len) {
            if (!c->linger_until) {
                shutdown(c->fd, SHUT_WR);
                c->linger_until = kx_now_ms() + 2000;
            } else if (kx_now_ms() > c->linger_until) {
                c->closing = 2;
            }
        }
        if (c->closing == 2) {
            kx_log_info("server.disconnect", "uid=%u pid=%d", (unsigned)c->uid, (int)c->pid);
            kx_staff_conn_closed(e, i); /* assisted mode ends with its connection */
            client_close(c);
        }
    }
}
