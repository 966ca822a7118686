/* SPDX-License-Identifier: MIT */
/*
 * sim.h - ra-sim internals: the reference RA server of docs/ra-api.md.
 *
 * Layout:
 *   main.c    options, --help, start-up, port files, signals
 *   pki.c     OpenSSL: test CA, SM2 CA and TLS certificates, issuance from
 *             CSRs per profile, CRLs
 *   kmc.c     the simulated KMC: SM2 encryption key pairs, ENVELOPEDKEYBLOB
 *   seal.c    the seal maker: GM/T 0031 / GB/T 38540 SES_Seal (ASN.1 templates)
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
#include <openssl/bio.h>
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
    /* the SM2 CA (SM2-with-SM3, GM/T 0009 default ID) of sm2-dual cases */
    EVP_PKEY *sm2_ca_key;
    X509 *sm2_ca_cert;
    char *sm2_ca_pem;
    /* the seal maker's key and certificate: [0] EC P-256 under the CA,
     * [1] SM2 under the SM2 CA */
    EVP_PKEY *seal_key[2];
    X509 *seal_cert[2];
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
/* The default user ID of GM/T 0009 that SM2 signatures are made and
 * verified with (OpenSSL 3.0 uses an empty ID unless told). */
#define PKI_SM2_ID "1234567812345678"
#define PKI_SM2_ID_LEN 16

/* What a certificate is for: the existing CA's single certificate, or the
 * signing / encryption certificate of an SM2 pair (SM2 CA). */
typedef enum pki_usage {
    PKI_USAGE_LEGACY = 0,
    PKI_USAGE_SM2_SIGN,
    PKI_USAGE_SM2_ENC
} pki_usage;

int pki_is_sm2(const EVP_PKEY *key);
/* Digest contexts that sign / verify with key: SM2-with-SM3 and the
 * default ID for SM2 keys, SHA-256 otherwise. Caller frees. */
EVP_MD_CTX *pki_sign_ctx(EVP_PKEY *key);
EVP_MD_CTX *pki_verify_ctx(EVP_PKEY *pub);
/* The profile a key fits: "sm2-dual", "ec-p256", "ec-p384", "rsa-2048",
 * "" (none). */
const char *pki_key_profile(EVP_PKEY *pub);
/* Parse a CSR (PEM text or DER), verify its signature (SM2: default ID)
 * and the key rules of profile ("" none requested). Returns NULL with *why
 * set on failure. Caller frees with X509_REQ_free. */
X509_REQ *pki_parse_csr(const unsigned char *data, size_t len, const char *profile,
                        const char **why);
/* Issue a certificate for pub with the case's subject, by the CA of the
 * usage. Returns the PEM (malloc) and fills serial_hex (>= 81 bytes),
 * subject (>= 512), times. */
char *pki_issue(sim_pki *p, EVP_PKEY *pub, pki_usage usage, const char *company,
                const char *credit_code, char *serial_hex, char *subject, int64_t *not_before,
                int64_t *not_after);
/* Verify sig over the CSR's DER with the public key of cert_pem (SHA-256;
 * SM2-with-SM3 for an SM2 key). */
int pki_verify_renewal(const char *cert_pem, X509_REQ *req, const unsigned char *sig,
                       size_t sig_len);
/* A signed CRL of the revoked certificates of one CA (sm2: the SM2 CA) in
 * the db; PEM (malloc) or DER. */
unsigned char *pki_make_crl(sim *s, int sm2, int der, size_t *len_out, int64_t *this_update,
                            int64_t *next_update, long *number);
/* PEM helpers shared with gm.c (malloc'ed text / new objects). */
char *pki_bio_text(BIO *bio);
char *pki_cert_pem(X509 *cert);
X509 *pki_cert_from_pem(const char *pem);
EVP_PKEY *pki_key_from_pem(const char *pem);
/* base64 helpers (OpenSSL EVP), malloc'ed results. */
char *pki_b64_encode(const unsigned char *data, size_t len);
unsigned char *pki_b64_decode(const char *text, size_t *len_out);
void pki_sha256_hex(const void *data, size_t len, char out[65]);
void pki_random_id(const char *prefix, char *out, size_t outsz);

/* ---- kmc.c ---- */
/*
 * GM/T 0016-2012 ENVELOPEDKEYBLOB as the KMC returns it: packed, no
 * padding, ULONGs 32-bit little-endian, 256-bit values right-aligned in
 * 64-byte fields (the first 32 bytes zero). Byte offsets:
 *     0  ULONG Version            = 1
 *     4  ULONG ulSymmAlgID        = SGD_SM4_ECB (0x00000401)
 *     8  ULONG ulBits             = 256
 *    12  BYTE  cbEncryptedPriKey[64]  private key (right-aligned in 64),
 *                                     SM4-ECB under the session key
 *    76  ECCPUBLICKEYBLOB PubKey:  76 ULONG BitLen = 256
 *                                  80 BYTE X[64], 144 BYTE Y[64]
 *   208  ECCCIPHERBLOB ECCCipherBlob (session key SM2-encrypted to the
 *        SIGNING public key): 208 BYTE X[64], 272 BYTE Y[64] (C1),
 *        336 BYTE HASH[32] (C3), 368 ULONG CipherLen = 16,
 *        372 BYTE Cipher[16] (C2)
 *   388  end
 */
#define KMC_SGD_SM4_ECB 0x00000401u
#define KMC_EKB_VERSION 0
#define KMC_EKB_SYMM_ALG 4
#define KMC_EKB_BITS 8
#define KMC_EKB_ENC_PRIV 12
#define KMC_EKB_PUB_BITLEN 76
#define KMC_EKB_PUB_X 80
#define KMC_EKB_PUB_Y 144
#define KMC_EKB_CIPHER_X 208
#define KMC_EKB_CIPHER_Y 272
#define KMC_EKB_CIPHER_HASH 336
#define KMC_EKB_CIPHER_LEN 368
#define KMC_EKB_CIPHER 372
#define KMC_EKB_LEN 388
/* Generate an SM2 encryption key pair and envelope its private key to
 * sign_pub (an SM2 key) into blob. *enc_pub_out gets the public key (for
 * the encryption certificate). 0 or -1. */
int kmc_envelope(EVP_PKEY *sign_pub, EVP_PKEY **enc_pub_out, unsigned char blob[KMC_EKB_LEN]);

/* ---- seal.c ---- */
/* What one electronic seal is made of (all borrowed for the call). */
typedef struct seal_input {
    int sm2;                       /* signed by the SM2 seal maker, else ECDSA */
    const char *es_id;             /* the seal's identifier (IA5) */
    int type;                      /* 1 organisation seal, 2 personal seal/signature */
    const char *name;              /* UTF-8 */
    const unsigned char *cert_der; /* the holder's (signing) certificate */
    size_t cert_len;
    int64_t created, valid_start, valid_end;
    const char *picture_type; /* "png" or "jpg" */
    const unsigned char *picture;
    size_t picture_len;
    double width_mm, height_mm;
} seal_input;
/* A signed SES_Seal (GM/T 0031 / GB/T 38540 v4) as DER (malloc). 0 or -1. */
int seal_make(sim *s, const seal_input *in, unsigned char **der_out, size_t *der_len_out);

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
/* Run sql binding a blob (?1) and a text id (?2); sqlite3_changes or -1. */
int store_blob(sim *s, const char *sql, const void *data, size_t len, const char *id);
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
/* Revoke serial (and its SM2 pair partner) with an RFC 5280 reason code;
 * the revoked serials are appended to list (may be NULL); returns how many. */
int api_revoke_serial(sim *s, const char *serial, int reason, int64_t now, json_t *list);
/* Carry out the revocations of approved revocation cases not yet done
 * (called whenever cases may have been approved). */
void api_apply_revocations(sim *s);
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
