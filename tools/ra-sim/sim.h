/* SPDX-License-Identifier: MIT */
/*
 * sim.h - ra-sim internals: the reference RA server of docs/ra-api.md.
 *
 * Layout:
 *   main.c    options, --help, start-up, port files, signals
 *   pki.c     OpenSSL: test CA and TLS certificates, issuance from CSRs, CRL
 *   store.c   SQLite state, counters, idempotency records
 *   server.c  libmicrohttpd daemons (mutual TLS API, loopback admin), body
 *             collection, routing, idempotency and fault injection
 *   api.c     the /v1 handlers (state rules)
 *   admin.c   the /admin handlers (simulation controls, counters, faults)
 *
 * ra-sim is a test peer: it must never be reachable from outside loopback
 * by default, and it never weakens TLS (mutual TLS on every API request).
 * All state changes happen under sim->lock, one request at a time.
 */
#ifndef RA_SIM_H
#define RA_SIM_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_VERSION "ra-sim 0.1"
#define SIM_MAX_BODY (24u * 1024u * 1024u)
#define SIM_MAX_FAULTS 64
#define SIM_MAX_STAFF_KIOSKS 16
#define SIM_KIOSK_ID_MAX 128

/* ---- faults ---- */
typedef enum sim_fault_kind {
    SIM_FAULT_LATENCY = 0, /* sleep arg ms, then serve normally */
    SIM_FAULT_ERROR,       /* reply arg (500/503) before any effect; Retry-After arg2 */
    SIM_FAULT_RESET,       /* perform the request, then reset the connection */
    SIM_FAULT_TRUNCATE,    /* perform, then send half the body and close */
    SIM_FAULT_BADJSON,     /* perform, then reply 200 with invalid JSON */
    SIM_FAULT_BADTYPE,     /* perform, then reply a body with wrongly typed fields */
    SIM_FAULT_WRONGCA,     /* next TLS handshakes present a cert of another CA */
} sim_fault_kind;

typedef struct sim_fault {
    char endpoint[32]; /* endpoint name or "*" (ignored for wrongca) */
    sim_fault_kind kind;
    long arg, arg2;
    long remaining; /* times left; -1 forever */
} sim_fault;

/* ---- PKI ---- */
typedef struct sim_pki {
    EVP_PKEY *ca_key;
    X509 *ca_cert;
    char *ca_pem; /* trust for client certificates; chain in replies */
    char *server_cert_pem, *server_key_pem;
    char *wrong_cert_pem, *wrong_key_pem; /* server cert from the other CA */
    int validity_days;
} sim_pki;

/* ---- the server ---- */
typedef struct sim {
    char state_dir[1024];
    char listen_addr[64];
    sqlite3 *db;
    pthread_mutex_t lock; /* guards db, faults, settings */
    sim_pki pki;
    sim_fault faults[SIM_MAX_FAULTS];
    int fault_count;
    long auto_approve_s; /* -1 off */
    long auto_pay_s;     /* -1 off */
    long order_ttl_s;
    /* kiosks (their client certificate's CN; "*" any kiosk of the CA)
     * whose staff may approve cases pending review; none by default */
    char staff_approval[SIM_MAX_STAFF_KIOSKS][SIM_KIOSK_ID_MAX];
    int staff_approval_count;
    int verbose;
    struct MHD_Daemon *api, *admin;
    unsigned api_port, admin_port;
    void *tls_state; /* server.c: GnuTLS credentials for the callback */
} sim;

/* A request as handlers see it. */
typedef struct sim_req {
    const char *method;
    const char *path;
    const char *seg[8]; /* path split on '/', seg[0] = "v1" or "admin" */
    char segbuf[1024];
    int nseg;
    const char *body;
    size_t body_len;
    json_t *json;                    /* parsed body (object) for POST, else NULL */
    char kiosk_id[SIM_KIOSK_ID_MAX]; /* CN of the verified client certificate (API only) */
} sim_req;

/* A reply. Exactly one of json / raw is set. */
typedef struct sim_reply {
    int status;
    json_t *json;       /* owned */
    unsigned char *raw; /* owned (malloc) */
    size_t raw_len;
    const char *content_type; /* for raw */
    long retry_after;         /* seconds, 0 none */
} sim_reply;

/* ---- pki.c ---- */
/* Create or load the PKI in the state dir; given files (NULL: none) replace
 * the generated CA and server pair. */
int pki_load_or_create(sim *s, const char *ca_cert_file, const char *ca_key_file,
                       const char *server_cert_file, const char *server_key_file);
void pki_free(sim_pki *p);
/* Parse a CSR (PEM text or DER), verify its signature and key policy.
 * Returns NULL with *why set on failure. Caller frees with X509_REQ_free. */
X509_REQ *pki_parse_csr(const unsigned char *data, size_t len, const char **why);
/* Issue a certificate for req with the case's subject. Returns the PEM
 * (malloc) and fills serial_hex (>= 81 bytes), subject (>= 512), times. */
char *pki_issue(sim_pki *p, X509_REQ *req, const char *company, const char *credit_code,
                char *serial_hex, char *subject, int64_t *not_before, int64_t *not_after);
/* Verify sig over the CSR's DER with the public key of cert_pem (SHA-256). */
int pki_verify_renewal(const char *cert_pem, X509_REQ *req, const unsigned char *sig,
                       size_t sig_len);
/* A signed CRL of the revoked certificates in the db; PEM (malloc) or DER. */
unsigned char *pki_make_crl(sim *s, int der, size_t *len_out, int64_t *this_update,
                            int64_t *next_update, long *number);
/* base64 helpers (OpenSSL EVP), malloc'ed results. */
char *pki_b64_encode(const unsigned char *data, size_t len);
unsigned char *pki_b64_decode(const char *text, size_t *len_out);
void pki_sha256_hex(const void *data, size_t len, char out[65]);
void pki_random_id(const char *prefix, char *out, size_t outsz);

/* ---- store.c ---- */
int store_open(sim *s);
void store_close(sim *s);
void store_count(sim *s, const char *name, long delta);
json_t *store_counters(sim *s);
int store_exec(sim *s, const char *sql);
/* Prepare, bind args by format ('s' text or NULL, 'i' int64, 'd' double),
 * and return the statement (caller steps and finalizes). */
sqlite3_stmt *store_prep(sim *s, const char *sql, const char *fmt, ...);
/* Run a statement with no result rows; returns sqlite3_changes or -1. */
int store_run(sim *s, const char *sql, const char *fmt, ...);
/* Column helpers */
const char *store_text(sqlite3_stmt *st, int col);
/* Lazy simulation clock: auto-approve, auto-pay, expiry. */
void store_tick(sim *s);
void store_seed(sim *s);

/* ---- replies ---- */
int64_t sim_now(void);
json_t *sim_time_json(int64_t t); /* RFC 3339 string, or null for 0 */
void reply_json(sim_reply *r, int status, json_t *body);
void reply_error(sim_reply *r, int status, const char *code, const char *message);

/* ---- api.c / admin.c ---- */
/* Grant the staff of kiosk_id (a certificate CN, or "*") the right to
 * approve cases; 0, or -1 when the list is full or the id too long. */
int sim_staff_approval_grant(sim *s, const char *kiosk_id);
/* Endpoint name of a request (for faults and counters); NULL: no route. */
const char *api_endpoint(const sim_req *req);
void api_handle(sim *s, const char *endpoint, const sim_req *req, sim_reply *out);
void admin_handle(sim *s, const sim_req *req, sim_reply *out);

/* ---- server.c ---- */
int server_start(sim *s, unsigned api_port, unsigned admin_port);
void server_stop(sim *s);
/* Parse "ENDPOINT=KIND[:ARG[:ARG2]][*COUNT]" and add it (caller holds lock
 * or is single-threaded). Returns 0 or -1 with *why. */
int fault_add_spec(sim *s, const char *spec, const char **why);
json_t *fault_list(sim *s);
/* Disarm every fault, wrongca included (caller holds the lock). */
void fault_clear(sim *s);

#endif
