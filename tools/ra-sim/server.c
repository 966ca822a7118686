/* SPDX-License-Identifier: MIT */
/*
 * server.c - ra-sim's HTTP side (libmicrohttpd, TLS through GnuTLS).
 *
 * Sections:
 *   1. TLS: server certificate callback (the "wrongca" fault swaps in a
 *      certificate of an unrelated CA), client certificate verification
 *   2. faults: parsing "ENDPOINT=KIND[:ARG[:ARG2]][*COUNT]", taking one
 *   3. replies: JSON, truncated body, connection reset
 *   4. request pipeline: body collection, mutual-TLS check, routing, faults,
 *      idempotency (stored replies), dispatch
 *   5. daemons: the API listener (mutual TLS) and the admin listener (plain
 *      HTTP, loopback address only)
 *
 * The API listener never answers a request without a verified kiosk
 * certificate (403 client_certificate_required).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

/* ---- 1. TLS ---- */

typedef struct server_tls {
    gnutls_pcert_st good_cert, wrong_cert;
    gnutls_privkey_t good_key, wrong_key;
    long wrong_remaining; /* handshakes left presenting the wrong CA (-1 forever) */
} server_tls;

static sim *server_the_sim; /* the GnuTLS callback has no user pointer */

static int server_load_pair(char *cert_pem, char *key_pem, gnutls_pcert_st *cert,
                            gnutls_privkey_t *key)
{
    gnutls_datum_t c = {(unsigned char *)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t k = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    if (gnutls_pcert_import_x509_raw(cert, &c, GNUTLS_X509_FMT_PEM, 0) < 0)
        return -1;
    if (gnutls_privkey_init(key) < 0 ||
        gnutls_privkey_import_x509_raw(*key, &k, GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
        return -1;
    return 0;
}

static int server_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                                int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                                int pk_algos_length, gnutls_pcert_st **pcert,
                                unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)session, (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    sim *s = server_the_sim;
    server_tls *t = s->tls_state;
    int wrong = 0;
    pthread_mutex_lock(&s->lock);
    if (t->wrong_remaining != 0) {
        wrong = 1;
        if (t->wrong_remaining > 0)
            t->wrong_remaining--;
        store_count(s, "faults_injected", 1);
    }
    pthread_mutex_unlock(&s->lock);
    *pcert = wrong ? &t->wrong_cert : &t->good_cert;
    *pcert_length = 1;
    *privkey = wrong ? t->wrong_key : t->good_key;
    return 0;
}

/* 1 when the peer presented a certificate of our CA fit for client auth;
 * its subject CN (the kiosk's identity at the RA) goes into cn. */
static int server_peer_verified(struct MHD_Connection *c, char *cn, size_t cnsz)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    cn[0] = '\0';
    if (!ci || !ci->tls_session)
        return 0;
    gnutls_session_t sess = (gnutls_session_t)ci->tls_session;
    unsigned n = 0, status = 0;
    const gnutls_datum_t *peers;
    if (gnutls_certificate_type_get(sess) != GNUTLS_CRT_X509 ||
        !(peers = gnutls_certificate_get_peers(sess, &n)) || n == 0)
        return 0;
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                     (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0};
    if (gnutls_certificate_verify_peers(sess, &purpose, 1, &status) < 0 || status != 0)
        return 0;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return 0;
    size_t len = cnsz;
    if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) < 0)
        cn[0] = '\0';
    gnutls_x509_crt_deinit(crt);
    return 1;
}

/* ---- 2. faults ---- */

static const char *const server_fault_names[] = {"latency", "error",   "reset",   "truncate",
                                                 "badjson", "badtype", "wrongca", NULL};

int fault_add_spec(sim *s, const char *spec, const char **why)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    char *eq = strchr(buf, '=');
    if (!eq) {
        *why = "fault spec must be ENDPOINT=KIND[:ARG[:ARG2]][*COUNT]";
        return -1;
    }
    *eq = '\0';
    char *kind = eq + 1;
    long count = 1;
    char *star = strchr(kind, '*');
    if (star) {
        *star = '\0';
        char *end = NULL;
        count = strcmp(star + 1, "inf") == 0 ? -1 : strtol(star + 1, &end, 10);
        if (count != -1 && (!end || *end || count < 1)) {
            *why = "fault count must be a positive number or inf";
            return -1;
        }
    }
    long arg = 0, arg2 = 0;
    char *colon = strchr(kind, ':');
    if (colon) {
        *colon = '\0';
        char *end = NULL;
        arg = strtol(colon + 1, &end, 10);
        if (end && *end == ':')
            arg2 = strtol(end + 1, &end, 10);
        if (!end || *end || arg < 0 || arg2 < 0) {
            *why = "fault arguments must be numbers";
            return -1;
        }
    }
    int k = -1;
    for (int i = 0; server_fault_names[i]; i++)
        if (strcmp(kind, server_fault_names[i]) == 0)
            k = i;
    if (k < 0) {
        *why = "unknown fault kind";
        return -1;
    }
    if (k == SIM_FAULT_ERROR && arg != 500 && arg != 502 && arg != 503 && arg != 429) {
        *why = "error fault status must be 429, 500, 502 or 503";
        return -1;
    }
    if (k == SIM_FAULT_WRONGCA) {
        ((server_tls *)s->tls_state)->wrong_remaining = count;
        return 0;
    }
    if (strlen(buf) == 0 || strlen(buf) >= sizeof s->faults[0].endpoint) {
        *why = "bad endpoint name";
        return -1;
    }
    if (s->fault_count >= SIM_MAX_FAULTS) {
        *why = "too many faults";
        return -1;
    }
    sim_fault *f = &s->faults[s->fault_count++];
    memcpy(f->endpoint, buf, strlen(buf) + 1);
    f->kind = (sim_fault_kind)k;
    f->arg = arg;
    f->arg2 = arg2;
    f->remaining = count;
    return 0;
}

json_t *fault_list(sim *s)
{
    json_t *a = json_array();
    for (int i = 0; i < s->fault_count; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:I, s:I}", "endpoint", s->faults[i].endpoint, "kind",
                         server_fault_names[s->faults[i].kind], "arg",
                         (json_int_t)s->faults[i].arg, "arg2", (json_int_t)s->faults[i].arg2,
                         "remaining", (json_int_t)s->faults[i].remaining));
    long w = s->tls_state ? ((server_tls *)s->tls_state)->wrong_remaining : 0;
    if (w)
        json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "endpoint", "*", "kind",
                                           "wrongca", "remaining", (json_int_t)w));
    return a;
}

void fault_clear(sim *s)
{
    s->fault_count = 0;
    if (s->tls_state)
        ((server_tls *)s->tls_state)->wrong_remaining = 0;
}

/* Take (consume) the first fault for endpoint; caller holds the lock. */
static int server_take_fault(sim *s, const char *endpoint, sim_fault *out)
{
    for (int i = 0; i < s->fault_count; i++) {
        sim_fault *f = &s->faults[i];
        if (f->remaining == 0)
            continue;
        if (strcmp(f->endpoint, endpoint) != 0 && strcmp(f->endpoint, "*") != 0)
            continue;
        *out = *f;
        if (f->remaining > 0 && --f->remaining == 0) {
            memmove(f, f + 1, (size_t)(s->fault_count - i - 1) * sizeof *f);
            s->fault_count--;
        }
        store_count(s, "faults_injected", 1);
        return 1;
    }
    return 0;
}

/* ---- 3. replies ---- */

typedef struct server_trunc {
    char *body;
    size_t len; /* bytes actually sent: half the body */
} server_trunc;

static ssize_t server_trunc_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    server_trunc *t = cls;
    if (pos >= t->len)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->len - (size_t)pos < max ? t->len - (size_t)pos : max;
    memcpy(buf, t->body + pos, n);
    return (ssize_t)n;
}

static void server_trunc_free(void *cls)
{
    server_trunc *t = cls;
    free(t->body);
    free(t);
}

/* Corrupt a reply's field types (the "badtype" fault). */
static void server_mangle_types(json_t *o)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, k, v)
    {
        if (json_is_string(v))
            json_object_set_new(o, k, json_integer(12345));
        else
            json_object_set_new(o, k, json_string("not-a-number"));
    }
}

static void server_reset(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        struct linger lg = {1, 0}; /* close with RST */
        setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
}

static enum MHD_Result server_send(struct MHD_Connection *c, sim_reply *r, int replay,
                                   const sim_fault *post_fault)
{
    char *body = NULL;
    size_t len = 0;
    const char *ctype = "application/json";
    if (post_fault && post_fault->kind == SIM_FAULT_RESET) {
        server_reset(c);
        return MHD_NO;
    }
    if (post_fault && post_fault->kind == SIM_FAULT_BADTYPE && r->json)
        server_mangle_types(r->json);
    if (r->json) {
        body = json_dumps(r->json, JSON_COMPACT);
        len = body ? strlen(body) : 0;
    } else if (r->raw) {
        body = (char *)r->raw;
        r->raw = NULL;
        len = r->raw_len;
        ctype = r->content_type;
    }
    if (post_fault && post_fault->kind == SIM_FAULT_BADJSON) {
        free(body);
        static const char junk[] = "{\"case_id\": \"c-1\", \"state\": ";
        body = strdup(junk);
        len = strlen(junk);
    }
    struct MHD_Response *resp;
    if (post_fault && post_fault->kind == SIM_FAULT_TRUNCATE && len > 1) {
        server_trunc *t = malloc(sizeof *t);
        if (!t) {
            free(body);
            return MHD_NO;
        }
        t->body = body;
        t->len = len / 2;
        resp = MHD_create_response_from_callback(len, 4096, server_trunc_read, t,
                                                 server_trunc_free);
    } else {
        resp = MHD_create_response_from_buffer(len, body ? body : (char *)"",
                                               body ? MHD_RESPMEM_MUST_FREE
                                                    : MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", ctype);
    if (r->retry_after > 0) {
        char ra[32];
        snprintf(ra, sizeof ra, "%ld", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (replay)
        MHD_add_response_header(resp, "Idempotent-Replay", "true");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void server_reply_free(sim_reply *r)
{
    json_decref(r->json);
    free(r->raw);
    memset(r, 0, sizeof *r);
}

/* ---- 4. request pipeline ---- */

typedef struct server_body {
    char *data;
    size_t len, cap;
    int too_large;
} server_body;

static void server_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    server_body *b = *con_cls;
    if (b) {
        free(b->data);
        free(b);
    }
    *con_cls = NULL;
}

/* Collect the body. Returns 1 while more is coming, 0 when complete. */
static int server_collect(void **con_cls, const char *upload, size_t *upload_size,
                          server_body **out)
{
    server_body *b = *con_cls;
    if (!b) {
        b = calloc(1, sizeof *b);
        *con_cls = b;
        return 1;
    }
    if (*upload_size) {
        if (!b->too_large && b->len + *upload_size > SIM_MAX_BODY)
            b->too_large = 1;
        if (!b->too_large) {
            if (b->len + *upload_size + 1 > b->cap) {
                size_t cap = (b->len + *upload_size + 1) * 2;
                char *d = realloc(b->data, cap);
                if (!d) {
                    b->too_large = 1;
                } else {
                    b->data = d;
                    b->cap = cap;
                }
            }
            if (!b->too_large) {
                memcpy(b->data + b->len, upload, *upload_size);
                b->len += *upload_size;
                b->data[b->len] = '\0';
            }
        }
        *upload_size = 0;
        return 1;
    }
    *out = b;
    return 0;
}

static int server_split(sim_req *req, const char *url)
{
    snprintf(req->segbuf, sizeof req->segbuf, "%s", url);
    req->nseg = 0;
    char *p = req->segbuf;
    while (*p == '/')
        p++;
    while (*p && req->nseg < 8) {
        req->seg[req->nseg++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return strlen(url) < sizeof req->segbuf ? 0 : -1;
}

static int server_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = key[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Run a POST under its idempotency key; caller holds the lock. */
static void server_keyed(sim *s, const char *endpoint, const char *key, const sim_req *req,
                         sim_reply *rep, int *replay)
{
    char body_sha[65];
    pki_sha256_hex(req->body ? req->body : "", req->body_len, body_sha);
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT method, path, body_sha, status, reply FROM idem "
                                  "WHERE key = ?",
                                  "s", key);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        if (strcmp(store_text(st, 0), req->method) == 0 &&
            strcmp(store_text(st, 1), req->path) == 0 &&
            strcmp(store_text(st, 2), body_sha) == 0) {
            json_error_t jerr;
            json_t *j = json_loads(store_text(st, 4), 0, &jerr);
            reply_json(rep, sqlite3_column_int(st, 3), j);
            *replay = 1;
            store_count(s, "idempotent_replays", 1);
        } else {
            reply_error(rep, 409, "idempotency_conflict",
                        "idempotency key already used for another request");
            store_count(s, "idempotency_conflicts", 1);
        }
        sqlite3_finalize(st);
        return;
    }
    sqlite3_finalize(st);
    store_exec(s, "BEGIN IMMEDIATE");
    api_handle(s, endpoint, req, rep);
    /* Only effects are recorded: a refusal changed nothing, so the same key
     * may ask again once the state allows (e.g. issue after payment). */
    int effect = rep->status >= 200 && rep->status < 300;
    if (effect && rep->json) {
        char *text = json_dumps(rep->json, JSON_COMPACT);
        store_run(s,
                  "INSERT INTO idem(key, method, path, body_sha, status, reply, ctype, "
                  "created) VALUES(?, ?, ?, ?, ?, ?, 'application/json', ?)",
                  "ssssisi", key, req->method, req->path, body_sha, (int64_t)rep->status, text,
                  sim_now());
        free(text);
    }
    store_exec(s, effect ? "COMMIT" : "ROLLBACK");
}

static enum MHD_Result server_api(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    sim *s = cls;
    server_body *body = NULL;
    if (server_collect(con_cls, upload, upload_size, &body))
        return MHD_YES;
    sim_reply rep = {0};
    sim_req req = {.method = method, .path = url};
    sim_fault fault = {0};
    int have_fault = 0, replay = 0;
    enum MHD_Result ret;

    if (!server_peer_verified(c, req.kiosk_id, sizeof req.kiosk_id)) {
        pthread_mutex_lock(&s->lock);
        store_count(s, "tls_refused", 1);
        pthread_mutex_unlock(&s->lock);
        reply_error(&rep, 403, "client_certificate_required",
                    "a kiosk certificate issued by the RA's CA is required");
        goto send;
    }
    if (body->too_large) {
        reply_error(&rep, 413, "bad_request", "body too large");
        goto send;
    }
    const char *endpoint = NULL;
    if (server_split(&req, url) == 0)
        endpoint = api_endpoint(&req);
    pthread_mutex_lock(&s->lock);
    store_exec(s, "BEGIN");
    store_count(s, "requests", 1);
    if (endpoint) {
        char name[64];
        snprintf(name, sizeof name, "requests.%s", endpoint);
        store_count(s, name, 1);
        have_fault = server_take_fault(s, endpoint, &fault);
    }
    store_exec(s, "COMMIT");
    pthread_mutex_unlock(&s->lock);
    if (!endpoint) {
        reply_error(&rep, 404, "not_found", "no such endpoint");
        goto send;
    }
    if (have_fault && fault.kind == SIM_FAULT_LATENCY) {
        struct timespec ts = {fault.arg / 1000, (fault.arg % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        have_fault = 0;
    }
    if (have_fault && fault.kind == SIM_FAULT_ERROR) {
        reply_error(&rep, (int)fault.arg, fault.arg == 429 ? "busy" : "unavailable",
                    "injected fault");
        rep.retry_after = fault.arg2;
        have_fault = 0;
        goto send;
    }
    req.body = body->data;
    req.body_len = body->len;
    if (strcmp(method, "POST") == 0) {
        const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
        json_error_t jerr;
        if (!key) {
            reply_error(&rep, 400, "idempotency_key_required",
                        "every POST needs an Idempotency-Key header");
            goto send;
        }
        if (!server_key_valid(key)) {
            reply_error(&rep, 400, "bad_request", "malformed Idempotency-Key");
            goto send;
        }
        req.json =
            json_loadb(body->data ? body->data : "", body->len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(req.json)) {
            reply_error(&rep, 400, "bad_request", "body is not a JSON object");
            goto send;
        }
        pthread_mutex_lock(&s->lock);
        store_tick(s);
        server_keyed(s, endpoint, key, &req, &rep, &replay);
        pthread_mutex_unlock(&s->lock);
    } else if (strcmp(method, "GET") == 0) {
        pthread_mutex_lock(&s->lock);
        store_exec(s, "BEGIN"); /* one commit for the clock and the handler */
        store_tick(s);
        api_handle(s, endpoint, &req, &rep);
        store_exec(s, "COMMIT");
        pthread_mutex_unlock(&s->lock);
    } else {
        reply_error(&rep, 405, "bad_request", "method not allowed");
    }
send:
    if (s->verbose)
        fprintf(stderr, "ra-sim: %s %s -> %d%s%s\n", method, url, rep.status,
                replay ? " (replay)" : "", have_fault ? " (fault)" : "");
    ret = server_send(c, &rep, replay, have_fault ? &fault : NULL);
    json_decref(req.json);
    server_reply_free(&rep);
    return ret;
}

static enum MHD_Result server_admin(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
    (void)version;
    sim *s = cls;
    server_body *body = NULL;
    if (server_collect(con_cls, upload, upload_size, &body))
        return MHD_YES;
    sim_reply rep = {0};
    sim_req req = {.method = method, .path = url, .body = body->data, .body_len = body->len};
    if (server_split(&req, url) != 0 || body->too_large) {
        reply_error(&rep, 400, "bad_request", "bad request");
    } else {
        json_error_t jerr;
        if (body->len)
            req.json = json_loadb(body->data, body->len, 0, &jerr);
        if (body->len && !json_is_object(req.json)) {
            reply_error(&rep, 400, "bad_request", "body is not a JSON object");
        } else {
            pthread_mutex_lock(&s->lock);
            store_tick(s);
            admin_handle(s, &req, &rep);
            pthread_mutex_unlock(&s->lock);
        }
    }
    enum MHD_Result ret = server_send(c, &rep, 0, NULL);
    json_decref(req.json);
    server_reply_free(&rep);
    return ret;
}

/* ---- 5. daemons ---- */

static void server_log(void *cls, const char *fmt, va_list ap)
{
    sim *s = cls;
    if (!s->verbose)
        return;
    fputs("ra-sim: mhd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static unsigned server_port_of(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return di ? di->port : 0;
}

int server_start(sim *s, unsigned api_port, unsigned admin_port)
{
    server_tls *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    s->tls_state = t;
    server_the_sim = s;
    if (server_load_pair(s->pki.server_cert_pem, s->pki.server_key_pem, &t->good_cert,
                         &t->good_key) ||
        server_load_pair(s->pki.wrong_cert_pem, s->pki.wrong_key_pem, &t->wrong_cert,
                         &t->wrong_key)) {
        fprintf(stderr, "ra-sim: GnuTLS cannot load the server certificates\n");
        return -1;
    }
    struct sockaddr_in api_addr = {.sin_family = AF_INET,
                                   .sin_port = htons((uint16_t)api_port)};
    struct sockaddr_in admin_addr = {.sin_family = AF_INET,
                                     .sin_port = htons((uint16_t)admin_port)};
    if (inet_pton(AF_INET, s->listen_addr, &api_addr.sin_addr) != 1) {
        fprintf(stderr, "ra-sim: --listen %s is not an IPv4 address\n", s->listen_addr);
        return -1;
    }
    inet_pton(AF_INET, "127.0.0.1", &admin_addr.sin_addr);
    unsigned flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    s->api = MHD_start_daemon(
        flags | MHD_USE_TLS, (uint16_t)api_port, NULL, NULL, server_api, s,
        MHD_OPTION_EXTERNAL_LOGGER, server_log, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&api_addr, MHD_OPTION_HTTPS_CERT_CALLBACK, server_cert_callback,
        MHD_OPTION_HTTPS_MEM_TRUST, s->pki.ca_pem, MHD_OPTION_NOTIFY_COMPLETED,
        server_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!s->api) {
        fprintf(stderr, "ra-sim: cannot listen on %s:%u (TLS)\n", s->listen_addr, api_port);
        return -1;
    }
    s->admin = MHD_start_daemon(flags, (uint16_t)admin_port, NULL, NULL, server_admin, s,
                                MHD_OPTION_EXTERNAL_LOGGER, server_log, s, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&admin_addr, MHD_OPTION_NOTIFY_COMPLETED,
                                server_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
                                (unsigned)30, MHD_OPTION_END);
    if (!s->admin) {
        fprintf(stderr, "ra-sim: cannot listen on 127.0.0.1:%u (admin)\n", admin_port);
        return -1;
    }
    s->api_port = server_port_of(s->api);
    s->admin_port = server_port_of(s->admin);
    return 0;
}

void server_stop(sim *s)
{
    if (s->api)
        MHD_stop_daemon(s->api);
    if (s->admin)
        MHD_stop_daemon(s->admin);
    s->api = s->admin = NULL;
    server_tls *t = s->tls_state;
    if (t) {
        gnutls_pcert_deinit(&t->good_cert);
        gnutls_pcert_deinit(&t->wrong_cert);
        gnutls_privkey_deinit(t->good_key);
        gnutls_privkey_deinit(t->wrong_key);
        free(t);
        s->tls_state = NULL;
    }
}
