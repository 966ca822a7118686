/* SPDX-License-Identifier: MIT */
/*
 * ra_harness.h - the shared harness of the RA integration tests (see
 * ra_harness.c): a real ra-sim, its admin listener, client helpers.
 */
#ifndef KX_TESTS_RA_HARNESS_H
#define KX_TESTS_RA_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the above first */
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/types.h>

#include "ra/ra.h"

typedef struct ra_sim_state {
    char dir[256];   /* the test's temporary directory */
    char state[300]; /* ra-sim's state directory (CA files, ra.db) */
    pid_t pid;
    unsigned port, admin_port;
    int key_seq;
} ra_sim_state;

extern ra_sim_state sim;

/* cmocka group set-up / tear-down: start ra-sim, stop it (it must exit 0
 * without a sanitizer report). */
int sim_start(void **state);
int sim_stop(void **state);

/* The last 64 KiB of a file as text (static buffer), NULL if unreadable. */
char *read_text(const char *path);
/* libcurl write callback appending to a 64 KiB char buffer (NUL-ended). */
size_t on_body(char *p, size_t s, size_t n, void *ud);
/* An admin request; returns the HTTP status, *out (may be NULL) the JSON. */
long admin(const char *method, const char *path, const char *body, json_t **out);
/* An effect counter of ra-sim. */
long counter(const char *name);
/* Arm a fault spec (must succeed). */
void fault(const char *spec);
/* POST /admin/<what>/<id>/<action> must succeed. */
void admin_ok(const char *what, const char *id, const char *action);

/* A client configuration / handle for the running ra-sim. */
void config(kx_ra_config *cfg);
kx_ra *open_client(void);
/* A fresh idempotency key (static buffer). */
const char *key(void);
/* A "new"-style case request for the first seeded enterprise. */
kx_ra_case_request new_request(const char *service);
/* An approved, paid (when not free) case of request r / of service. */
void ready_case_of(kx_ra *ra, const kx_ra_case_request *r, kx_ra_case *c);
void ready_case(kx_ra *ra, const char *service, const char *token, kx_ra_case *c);
/* A P-256 key and its CSR (PEM text, static buffer). */
char *make_csr(EVP_PKEY **key_out, X509_REQ **req_out);
/* Run a shell command; returns its exit status, stdout in out. */
int run(char *out, size_t outsz, const char *fmt, ...);
/* Write text to sim.dir/name; path gets the full path. */
void write_file(const char *name, const char *text, char *path, size_t pathsz);

/* A raw API request over mutual TLS with the kiosk's certificate (a fresh
 * idempotency key on POSTs); returns the HTTP status, *out (may be NULL)
 * the JSON reply. api_post_json takes (and frees) a JSON body. */
long api_call(const char *method, const char *path, const char *body, json_t **out);
long api_post_json(const char *path, json_t *body, json_t **out);

#endif
