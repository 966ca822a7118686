/* SPDX-License-Identifier: MIT */
/*
 * ctl_engine.c - kioskctl's online commands through kioskd's socket
 * (docs/protocol.md): status, journal, retry, refund, run-flow.
 *
 * The socket is --socket PATH, else $KX_SOCKET, else [engine] socket of
 * --config FILE, else the default. run-flow drives a scripted session
 * (format in docs/protocol.md, "Scripted sessions") and never prints a
 * PIN: values of pin/repeat are shown as "***".
 */
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/secbuf.h"
#include "core/str.h"
#include "ctl.h"
#include "proto/protocol.h"

typedef struct ctl_conn {
    int fd;
    kx_line_reader *reader;
    json_t *last_state; /* latest state seen */
    int seq;
} ctl_conn;

static const char *const engine_opts[] = {"--socket", "--config", "--role",
                                          "--limit",  "--staff",  "--reason",
                                          "--date",   "--lines",  NULL};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(ctl_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    kx_line_reader_free(c->reader);
    json_decref(c->last_state);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* next message within timeout_ms (-1 forever); NULL on timeout or EOF */
static json_t *conn_next(ctl_conn *c, int timeout_ms)
{
    int64_t until = mono_ms() + timeout_ms;
    for (;;) {
        char *line;
        size_t len;
        kx_err rc = kx_line_reader_next(c->reader, &line, &len);
        if (rc == KX_OK) {
            json_t *m = json_loadb(line, len, 0, NULL);
            if (json_is_object(m)) {
                const char *type = json_string_value(json_object_get(m, "type"));
                if (type && strcmp(type, "state") == 0) {
                    json_decref(c->last_state);
                    c->last_state = json_incref(m);
                }
                return m;
            }
            json_decref(m);
            continue;
        }
        if (rc == KX_ERR_TOO_LARGE)
            return NULL;
        int left = timeout_ms < 0 ? -1 : (int)(until - mono_ms());
        if (timeout_ms >= 0 && left <= 0)
            return NULL;
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return NULL;
        if (kx_line_reader_fill(c->reader, c->fd) == KX_ERR_IO)
            return NULL;
    }
}

static int conn_send(ctl_conn *c, json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!s)
        return -1;
    kx_err rc = kx_proto_send_line(c->fd, s);
    kx_wipe(s, strlen(s)); /* may hold a PIN */
    free(s);
    return rc ? -1 : 0;
}

/* the reply (ack, reply or error) to seq, skipping pushed states */
static json_t *conn_reply(ctl_conn *c, int seq, int timeout_ms)
{
    int64_t until = mono_ms() + timeout_ms;
    for (;;) {
        int left = (int)(until - mono_ms());
        if (left <= 0)
            return NULL;
        json_t *m = conn_next(c, left);
        if (!m)
            return NULL;
        const char *type = json_string_value(json_object_get(m, "type"));
        json_t *s = json_object_get(m, "seq");
        if (type && strcmp(type, "state") != 0 &&
            (!s || json_integer_value(s) == seq || strcmp(type, "error") == 0))
            return m;
        json_decref(m);
    }
}

static const char *socket_path(int argc, char **argv, kx_config **cfg_out)
{
    const char *p = ctl_option(argc, argv, "--socket");
    if (p)
        return p;
    p = getenv("KX_SOCKET");
    if (p && *p)
        return p;
    const char *cf = ctl_option(argc, argv, "--config");
    if (cf && kx_config_load(cf, cfg_out) == KX_OK)
        return kx_config_get_str(*cfg_out, "engine", "socket", KX_PROTO_DEFAULT_SOCKET);
    return KX_PROTO_DEFAULT_SOCKET;
}

static int conn_open(ctl_conn *c, int argc, char **argv, const char *role, const char *name)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    kx_config *cfg = NULL;
    const char *path = socket_path(argc, argv, &cfg);
    kx_err rc = kx_proto_connect(path, &c->fd);
    if (!rc)
        rc = kx_line_reader_new(&c->reader);
    if (rc) {
        ctl_fail(0, name, "cannot reach kioskd at %s: %s", path, kx_err_detail());
        kx_config_free(cfg);
        conn_close(c);
        return -1;
    }
    kx_config_free(cfg);
    c->seq = 1;
    conn_send(c, json_pack("{s:i, s:s, s:[i], s:s, s:s, s:i}", "v", KX_PROTO_VERSION, "type",
                           "hello", "versions", KX_PROTO_VERSION, "role", role, "client",
                           "kioskctl", "seq", c->seq));
    json_t *m = conn_reply(c, c->seq, 5000);
    const char *type = m ? json_string_value(json_object_get(m, "type")) : NULL;
    if (!type || strcmp(type, "welcome") != 0) {
        ctl_fail(0, name, "kioskd refused the connection: %s",
                 m ? json_string_value(json_object_get(m, "error")) : "no answer");
        json_decref(m);
        conn_close(c);
        return -1;
    }
    json_decref(m);
    return 0;
}

/* the requests kioskd wants the member's PIN for again (re-authentication) */
static int needs_pin_again(const json_t *req)
{
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    return cmd && (strcmp(cmd, "counter_paid") == 0 || strcmp(cmd, "manual_id") == 0 ||
                   strcmp(cmd, "refund") == 0);
}

/* --staff ID: log in as that member first, the PIN read from standard
 * input (one line, never from argv); --staff-token: log in with the staff
 * UKEY, its PIN on standard input (kioskd finds the member from the
 * token's certificate). A request that needs the PIN again gets it too
 * (req's "pin"). Assisted mode is bound to this connection: *logged_in is
 * set so the caller logs out before it exits. 0 when done or not asked */
static int staff_login(ctl_conn *c, int argc, char **argv, const char *name, json_t *req_out,
                       int *logged_in)
{
    const char *id = ctl_option(argc, argv, "--staff");
    int token = ctl_flag(argc, argv, "--staff-token");
    if (!id && !token)
        return 0;
    kx_secbuf *pin = NULL;
    if (kx_secbuf_new(64, &pin))
        return -1;
    int ch, bad = 0;
    while ((ch = getchar()) != EOF && ch != '\n' && !bad)
        bad = kx_secbuf_append(pin, (unsigned char)ch) != KX_OK;
    json_t *req =
        json_pack("{s:i, s:s, s:i, s:s, s:s%}", "v", KX_PROTO_VERSION, "type", "request", "seq",
                  ++c->seq, "cmd", token ? "staff_login_token" : "staff_login", "pin",
                  kx_secbuf_str(pin), strlen(kx_secbuf_str(pin)));
    if (req && !token)
        json_object_set_new(req, "staff_id", json_string(id));
    if (req_out && needs_pin_again(req_out))
        json_object_set_new(req_out, "pin", json_string(kx_secbuf_str(pin)));
    kx_secbuf_free(pin);
    if (bad || !req) {
        json_decref(req);
        return ctl_fail(-1, name, "cannot read the staff PIN from standard input");
    }
    json_t *pj = json_object_get(req, "pin");
    conn_send(c, json_incref(req));
    kx_wipe((void *)(uintptr_t)json_string_value(pj), json_string_length(pj));
    json_decref(req);
    json_t *m = conn_reply(c, c->seq, 20000);
    const char *type = m ? json_string_value(json_object_get(m, "type")) : NULL;
    int ok = type && strcmp(type, "reply") == 0;
    if (!ok)
        ctl_fail(0, name, "staff login refused: %s: %s",
                 m ? json_string_value(json_object_get(m, "error")) ?: "?" : "no answer",
                 m ? json_string_value(json_object_get(m, "detail")) ?: "" : "");
    json_decref(m);
    *logged_in = ok;
    return ok ? 0 : -1;
}

/* end assisted mode before the connection closes (kioskd also ends it
 * when the connection closes, this says so in the journal as a logout) */
static void staff_logout(ctl_conn *c)
{
    int seq = ++c->seq;
    conn_send(c, json_pack("{s:i, s:s, s:i, s:s}", "v", KX_PROTO_VERSION, "type", "request",
                           "seq", seq, "cmd", "staff_logout"));
    json_decref(conn_reply(c, seq, 5000));
}

/* one request; prints the result; returns the exit code */
int ctl_engine_request(int argc, char **argv, const char *name, json_t *req)
{
    ctl_conn c;
    if (conn_open(&c, argc, argv, "staff", name)) {
        json_decref(req);
        return CTL_EXIT_USAGE;
    }
    int logged_in = 0;
    if (staff_login(&c, argc, argv, name, req, &logged_in)) {
        json_decref(req);
        conn_close(&c);
        return CTL_EXIT_INVALID;
    }
    const char *reason = ctl_option(argc, argv, "--reason");
    if (reason && !json_object_get(req, "reason"))
        json_object_set_new(req, "reason", json_string(reason));
    int seq = ++c.seq;
    json_object_set_new(req, "v", json_integer(KX_PROTO_VERSION));
    json_object_set_new(req, "type", json_string("request"));
    json_object_set_new(req, "seq", json_integer(seq));
    json_t *pj = json_object_get(req, "pin"); /* the PIN again: wiped once sent */
    conn_send(&c, json_incref(req));
    if (pj)
        kx_wipe((void *)(uintptr_t)json_string_value(pj), json_string_length(pj));
    json_decref(req);
    json_t *m = conn_reply(&c, seq, 120000);
    int code = CTL_EXIT_INVALID;
    if (!m) {
        ctl_fail(0, name, "no reply from kioskd");
    } else if (strcmp(json_string_value(json_object_get(m, "type")) ?: "", "reply") == 0) {
        json_t *res = json_object_get(m, "result");
        ctl_print_json(json_incref(res));
        /* a maintenance result with "ok": false (a failed self-test) */
        code = json_is_false(json_object_get(res, "ok")) ? CTL_EXIT_INVALID : CTL_EXIT_OK;
    } else {
        ctl_fail(0, name, "%s: %s", json_string_value(json_object_get(m, "error")) ?: "error",
                 json_string_value(json_object_get(m, "detail")) ?: "");
        ctl_print_json(json_incref(m));
    }
    json_decref(m);
    if (logged_in)
        staff_logout(&c);
    conn_close(&c);
    return code;
}

int ctl_cmd_status(int argc, char **argv)
{
    return ctl_engine_request(argc, argv, "status", json_pack("{s:s}", "cmd", "status"));
}

int ctl_cmd_journal(int argc, char **argv)
{
    long limit = 100;
    const char *l = ctl_option(argc, argv, "--limit");
    if (l && kx_parse_long(l, 1, 1000, &limit))
        return ctl_fail(CTL_EXIT_USAGE, "journal", "--limit must be 1..1000");
    return ctl_engine_request(argc, argv, "journal",
                              json_pack("{s:s, s:b, s:i}", "cmd", "journal", "open",
                                        ctl_flag(argc, argv, "--open"), "limit", (int)limit));
}

static int tx_command(int argc, char **argv, const char *cmd)
{
    const char *id = ctl_positional(argc, argv, 0, engine_opts);
    long v;
    if (!id || kx_parse_long(id, 1, 0x7fffffffL, &v))
        return ctl_fail(CTL_EXIT_USAGE, cmd, "expected a transaction id (kioskctl journal)");
    return ctl_engine_request(argc, argv, cmd,
                              json_pack("{s:s, s:I}", "cmd", cmd, "id", (json_int_t)v));
}

int ctl_cmd_retry(int argc, char **argv)
{
    return tx_command(argc, argv, "retry");
}

int ctl_cmd_refund(int argc, char **argv)
{
    return tx_command(argc, argv, "refund");
}

/* ---- run-flow ---- */

/* split a script line into words; "..." quotes; $VAR expands. Words point
 * into buf. Returns the count. */
static int split_words(char *line, char **words, int max, char *buf, size_t bufsz)
{
    int n = 0;
    size_t used = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            break;
        words[n++] = buf + used;
        int quoted = 0;
        while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
            if (*p == '"') {
                quoted = !quoted;
                p++;
                continue;
            }
            if (*p == '$' && (p[1] == '_' || (p[1] >= 'A' && p[1] <= 'Z'))) {
                char var[64];
                size_t k = 0;
                p++;
                while ((*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) &&
                       k + 1 < sizeof var)
                    var[k++] = *p++;
                var[k] = 0;
                const char *val = getenv(var);
                for (; val && *val && used + 2 < bufsz; val++)
                    buf[used++] = *val;
                continue;
            }
            if (used + 2 < bufsz)
                buf[used++] = *p;
            p++;
        }
        buf[used++] = 0;
    }
    return n;
}

/* the state's field at a dotted path, as text ("null" when absent) */
static void field_text(json_t *state, const char *path, char *out, size_t outsz)
{
    char key[128];
    json_t *v = state;
    const char *p = path;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            n = sizeof key - 1;
        memcpy(key, p, n);
        key[n] = 0;
        v = json_is_array(v) ? json_array_get(v, (size_t)strtol(key, NULL, 10))
                             : json_object_get(v, key);
        p = dot ? dot + 1 : p + n;
    }
    if (!v || json_is_null(v))
        kx_strlcpy(out, "null", outsz);
    else if (json_is_string(v))
        kx_strlcpy(out, json_string_value(v), outsz);
    else if (json_is_integer(v))
        snprintf(out, outsz, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        kx_strlcpy(out, json_is_true(v) ? "true" : "false", outsz);
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        kx_strlcpy(out, s ? s : "?", outsz);
        free(s);
    }
}

/* does state satisfy every key=value / key~member word? */
static int state_matches(json_t *state, char **words, int n, char *why, size_t whysz)
{
    if (!state) {
        kx_strlcpy(why, "no state yet", whysz);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        char *tl = strchr(words[i], '~');
        char key[128], have[512];
        if (tl && (!eq || tl < eq)) {
            snprintf(key, sizeof key, "%.*s", (int)(tl - words[i]), words[i]);
            json_t *arr = json_object_get(state, key);
            size_t k;
            json_t *x;
            int found = 0;
            json_array_foreach(arr, k, x) found |=
                json_is_string(x) && strcmp(json_string_value(x), tl + 1) == 0;
            if (!found) {
                snprintf(why, whysz, "%s does not contain %s", key, tl + 1);
                return 0;
            }
            continue;
        }
        if (!eq)
            continue;
        snprintf(key, sizeof key, "%.*s", (int)(eq - words[i]), words[i]);
        field_text(state, key, have, sizeof have);
        if (strcmp(have, eq + 1) != 0) {
            snprintf(why, whysz, "%.100s is %.200s, expected %.200s", key, have, eq + 1);
            return 0;
        }
    }
    return 1;
}

static int flow_expect(ctl_conn *c, char **w, int n, char *why, size_t whysz)
{
    long timeout_s = 20;
    int first = 1;
    if (n > 1 && strncmp(w[1], "timeout=", 8) == 0) {
        kx_parse_long(w[1] + 8, 0, 3600, &timeout_s);
        first = 2;
    }
    int64_t until = mono_ms() + timeout_s * 1000;
    for (;;) {
        if (state_matches(c->last_state, w + first, n - first, why, whysz))
            return 0;
        int left = (int)(until - mono_ms());
        if (left <= 0)
            return -1;
        json_t *m = conn_next(c, left);
        if (!m && mono_ms() < until)
            return -1; /* connection lost */
        if (m) {
            const char *type = json_string_value(json_object_get(m, "type"));
            if (type && strcmp(type, "state") == 0) {
                char scr[64], st[64];
                field_text(m, "screen", scr, sizeof scr);
                field_text(m, "state", st, sizeof st);
                fprintf(stderr, "  state %s (%s)\n", scr, st);
            }
        }
        json_decref(m);
    }
}

static int flow_send(ctl_conn *c, char **w, int n, int must_fail, char *why, size_t whysz)
{
    if (n < 2) {
        kx_strlcpy(why, "send needs an intent", whysz);
        return -1;
    }
    int seq = ++c->seq;
    json_t *msg = json_pack("{s:i, s:s, s:i, s:s}", "v", KX_PROTO_VERSION, "type", "intent",
                            "seq", seq, "intent", w[1]);
    for (int i = 2; i < n; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq)
            continue;
        *eq = 0;
        json_object_set_new(msg, w[i], json_string(eq + 1));
        kx_wipe(eq + 1, strlen(eq + 1));
    }
    conn_send(c, msg);
    json_t *m = conn_reply(c, seq, 20000);
    const char *type = m ? json_string_value(json_object_get(m, "type")) : "none";
    int ok = type && strcmp(type, "ack") == 0;
    if (ok == must_fail) {
        snprintf(why, whysz, "intent %s: %s%s%s", w[1], type ? type : "?", m ? " " : "",
                 m ? (json_string_value(json_object_get(m, "error")) ?: "") : "");
        json_decref(m);
        return -1;
    }
    json_decref(m);
    return 0;
}

int ctl_cmd_run_flow(int argc, char **argv)
{
    const char *script = ctl_positional(argc, argv, 0, engine_opts);
    if (!script)
        return ctl_fail(CTL_EXIT_USAGE, "run-flow", "expected a script file");
    FILE *fp = fopen(script, "r");
    if (!fp)
        return ctl_fail(CTL_EXIT_USAGE, "run-flow", "%s: %s", script, strerror(errno));
    const char *role = ctl_option(argc, argv, "--role");
    ctl_conn c;
    if (conn_open(&c, argc, argv, role ? role : "staff", "run-flow")) {
        fclose(fp);
        return CTL_EXIT_USAGE;
    }
    char line[2048], buf[4096], why[600] = "";
    char *w[32];
    int lineno = 0, failed = 0, passed = 0, logged_in = 0;
    int64_t t0 = mono_ms();
    while (!failed && fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        int n = split_words(line, w, 32, buf, sizeof buf);
        if (n == 0)
            continue;
        int rc = 0;
        if (strcmp(w[0], "send") == 0 || strcmp(w[0], "send!") == 0)
            rc = flow_send(&c, w, n, w[0][4] == '!', why, sizeof why);
        else if (strcmp(w[0], "expect") == 0)
            rc = flow_expect(&c, w, n, why, sizeof why);
        else if (strcmp(w[0], "sleep") == 0) {
            long secs = 0;
            kx_parse_long(n > 1 ? w[1] : "0", 0, 3600, &secs);
            sleep((unsigned)secs);
        } else if (strcmp(w[0], "request") == 0 && n > 1) {
            int seq = ++c.seq;
            json_t *req = json_pack("{s:i, s:s, s:i, s:s}", "v", KX_PROTO_VERSION, "type",
                                    "request", "seq", seq, "cmd", w[1]);
            for (int i = 2; i < n; i++) { /* key=value fields (strings) */
                char *eq = strchr(w[i], '=');
                if (eq) {
                    *eq = 0;
                    json_object_set_new(req, w[i], json_string(eq + 1));
                }
            }
            conn_send(&c, req);
            json_t *m = conn_reply(&c, seq, 20000);
            if (m)
                ctl_print_json(json_incref(m));
            rc = m && strcmp(json_string_value(json_object_get(m, "type")) ?: "", "reply") == 0
                     ? 0
                     : -1;
            if (rc)
                snprintf(why, sizeof why, "request %s failed", w[1]);
            else if (strncmp(w[1], "staff_login", 11) == 0)
                logged_in = 1; /* logged out before kioskctl exits */
            json_decref(m);
        } else {
            snprintf(why, sizeof why, "unknown command %s", w[0]);
            rc = -1;
        }
        kx_wipe(buf, sizeof buf);
        if (rc) {
            failed = 1;
            char scr[64] = "?", st[64] = "?", err[64] = "?";
            if (c.last_state) {
                field_text(c.last_state, "screen", scr, sizeof scr);
                field_text(c.last_state, "state", st, sizeof st);
                field_text(c.last_state, "error.name", err, sizeof err);
            }
            fprintf(stderr, "run-flow %s:%d: %s (last state: screen=%s state=%s error=%s)\n",
                    script, lineno, why, scr, st, err);
        } else {
            passed++;
        }
    }
    fclose(fp);
    ctl_print_json(json_pack("{s:s, s:b, s:i, s:i, s:I}", "script", script, "ok", !failed,
                             "steps_passed", passed, "failed_line", failed ? lineno : 0, "ms",
                             (json_int_t)(mono_ms() - t0)));
    if (logged_in)
        staff_logout(&c);
    conn_close(&c);
    return failed ? CTL_EXIT_INVALID : CTL_EXIT_OK;
}
