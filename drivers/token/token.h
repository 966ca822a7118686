/* SPDX-License-Identifier: MIT */
/*
 * token.h - the UKEY contract: USB tokens holding the enterprise's keys and
 * certificates, reached through a back-end (PKCS#11 here: OpenSC's module
 * in the hall, SoftHSM2 in tests and the demo).
 *
 * The engine calls the kx_token_* wrappers below, never a back-end table:
 * the wrappers check arguments, log (never a PIN), time each call and hold
 * the fault-injection point KX_FAULT_TOKEN=<call>[:<error>] used by crash
 * tests. PINs travel only in kx_secbuf and are wiped by their owner.
 *
 * Back-ends: "pkcs11" (pkcs11.c: EC P-256 and RSA-2048 keys) and "skf"
 * (skf.c: a GM/T 0016 SKF vendor library; SM2 dual certificates). On SKF
 * the "id" of a key pair is its container's name (bytes, no NUL): one
 * container holds the signing key pair and certificate and the encryption
 * key pair and certificate, so kx_token_list_certs shows two certificates
 * under one id, told apart by kx_token_cert.usage. Labels, which SKF does
 * not have, are kept by the back-end in an application file ("kxlabels").
 *
 * Renewal is atomic from the token's point of view: a new key pair is made
 * beside the old one under a fresh CKA_ID and a "pending" label, the new
 * certificate is installed beside it and checked (its public key is the
 * token key's, a test signature verifies), and only then are the old
 * objects deleted. Pulled at any step, the token still holds the old,
 * working certificate; kx_token_cleanup() removes half-written objects on
 * the next attempt.
 *
 * Thread rules: a kx_token_module and its kx_token handles are used from one
 * thread at a time (the engine's device job thread).
 */
#ifndef KX_DRIVERS_TOKEN_H
#define KX_DRIVERS_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/config.h"
#include "core/err.h"
#include "core/secbuf.h"

/* PIN and token state flags (from PKCS#11 CK_TOKEN_INFO flags). */
enum {
    KX_TOKEN_INITIALIZED = 1u << 0,       /* token initialised */
    KX_TOKEN_USER_PIN_SET = 1u << 1,      /* user PIN initialised */
    KX_TOKEN_PIN_COUNT_LOW = 1u << 2,     /* a wrong PIN was entered */
    KX_TOKEN_PIN_FINAL_TRY = 1u << 3,     /* one more wrong PIN locks it */
    KX_TOKEN_PIN_LOCKED = 1u << 4,        /* user PIN locked: unlock needed */
    KX_TOKEN_PIN_TO_BE_CHANGED = 1u << 5, /* default PIN: must be changed */
    KX_TOKEN_SO_PIN_LOCKED = 1u << 6,
    KX_TOKEN_WRITE_PROTECTED = 1u << 7,
};

/* Back-end capabilities. */
enum {
    KX_TOKEN_CAP_EVENTS = 1u << 0, /* insertion/removal events */
    KX_TOKEN_CAP_KEYGEN_EC = 1u << 1,
    KX_TOKEN_CAP_KEYGEN_RSA = 1u << 2,
    KX_TOKEN_CAP_PIN_RESET = 1u << 3,  /* SO PIN resets the user PIN */
    KX_TOKEN_CAP_KEYGEN_SM2 = 1u << 4, /* SM2 signing keys (SM2-with-SM3) */
    KX_TOKEN_CAP_ENC_IMPORT = 1u << 5, /* enveloped encryption key pairs */
    KX_TOKEN_CAP_INIT_BLANK = 1u << 6, /* kx_token_init_blank */
    KX_TOKEN_CAP_DATA = 1u << 7,       /* kx_token_write_data/read_data */
};

/* Certificate usage (kx_token_cert.usage). */
enum {
    KX_CERT_USAGE_SIGN = 1u << 0,    /* signing certificate (or the only one) */
    KX_CERT_USAGE_ENCRYPT = 1u << 1, /* encryption certificate of an SM2 pair */
};

typedef enum kx_key_type {
    KX_KEY_EC_P256 = 0,
    KX_KEY_RSA_2048 = 1,
    KX_KEY_SM2 = 2, /* SM2 (GB/T 32918), signatures SM2-with-SM3 */
} kx_key_type;

#define KX_TOKEN_ID_MAX 32

typedef struct kx_token_info {
    char serial[33];
    char label[33];
    char manufacturer[33];
    char model[17];
    unsigned flags; /* KX_TOKEN_* */
    unsigned long min_pin_len, max_pin_len;
    int pin_tries_left; /* user PIN tries left; -1 when the back-end cannot say */
    int pin_tries_max;  /* the user PIN's retry limit; -1 when unknown */
} kx_token_info;

typedef struct kx_token_cert {
    unsigned char id[KX_TOKEN_ID_MAX]; /* CKA_ID shared with its key pair */
    size_t id_len;
    char id_hex[2 * KX_TOKEN_ID_MAX + 1];
    char label[65];
    char subject[512];    /* RFC 2253, UTF-8 */
    char company[256];    /* subject O */
    char credit_code[32]; /* subject serialNumber or organizationIdentifier */
    char issuer[512];
    char serial_hex[80];
    time_t not_before, not_after;
    long days_left; /* whole days from now to not_after (negative: expired) */
    kx_key_type key_type;
    unsigned usage;      /* KX_CERT_USAGE_SIGN or KX_CERT_USAGE_ENCRYPT */
    int has_private_key; /* a private key with the same CKA_ID is on the token */
    unsigned char *der;  /* the certificate, owned by the list */
    size_t der_len;
} kx_token_cert;

typedef struct kx_token_certs {
    kx_token_cert *items;
    size_t count;
} kx_token_certs;

/* PIN policy for new PINs (config [token]). */
typedef struct kx_pin_policy {
    int min_len, max_len; /* digits */
    int reject_repeated;  /* "111111" */
    int reject_sequence;  /* "123456", "654321" */
} kx_pin_policy;

typedef struct kx_token_event {
    enum { KX_TOKEN_INSERTED = 1, KX_TOKEN_REMOVED = 2 } kind;
    char serial[33];
} kx_token_event;

typedef struct kx_token_module kx_token_module; /* a loaded back-end + module */
typedef struct kx_token kx_token;               /* an open session on one token */

/* Back-end operations. Every slot is mandatory (checked at registration). */
typedef struct kx_token_ops {
    const char *name; /* "pkcs11", "skf" */
    unsigned caps;
    kx_err (*load)(const char *module_path, void **ctx);
    /* site settings from [token] after load (cfg may be NULL: defaults) */
    kx_err (*configure)(void *ctx, const kx_config *cfg);
    void (*unload)(void *ctx);
    kx_err (*list)(void *ctx, kx_token_info *out, size_t max, size_t *count);
    kx_err (*open)(void *ctx, const char *serial, void **tok);
    void (*close)(void *tok);
    kx_err (*info)(void *tok, kx_token_info *out);
    /* *tries_left: user PIN tries left after the attempt, -1 unknown */
    kx_err (*login)(void *tok, const kx_secbuf *pin, int *tries_left);
    kx_err (*logout)(void *tok);
    kx_err (*set_pin)(void *tok, const kx_secbuf *old_pin, const kx_secbuf *new_pin);
    kx_err (*reset_pin)(void *tok, const kx_secbuf *so_pin, const kx_secbuf *new_pin);
    kx_err (*certs)(void *tok, kx_token_certs *out);
    kx_err (*keygen)(void *tok, kx_key_type type, const char *label, unsigned char *id,
                     size_t *id_len);
    kx_err (*csr)(void *tok, const unsigned char *id, size_t id_len, const char *company,
                  const char *credit_code, const char *common_name, char **csr_pem);
    kx_err (*install)(void *tok, const char *cert_pem, const char *label, unsigned char *id,
                      size_t *id_len);
    kx_err (*verify_pair)(void *tok, const unsigned char *id, size_t id_len);
    kx_err (*delete_id)(void *tok, const unsigned char *id, size_t id_len);
    kx_err (*relabel)(void *tok, const unsigned char *id, size_t id_len, const char *label);
    kx_err (*cleanup)(void *tok, int *removed);
    /* SHA-256 signature over data with private key id (logged in): DER
     * ECDSA-Sig-Value or PKCS#1 v1.5; *sig malloc'd */
    kx_err (*sign)(void *tok, const unsigned char *id, size_t id_len, const unsigned char *data,
                   size_t len, unsigned char **sig, size_t *sig_len);
    /* the slots below answer KX_ERR_UNSUPPORTED where the back-end cannot */
    kx_err (*init_blank)(void *tok, const kx_secbuf *so_pin, const kx_secbuf *user_pin);
    kx_err (*import_enc)(void *tok, const unsigned char *id, size_t id_len,
                         const unsigned char *envelope, size_t len);
    kx_err (*write_data)(void *tok, const char *name, const unsigned char *data, size_t len);
    kx_err (*read_data)(void *tok, const char *name, unsigned char **data, size_t *len);
    /* optional (NULL: polling): wait up to timeout_ms for one device event
     * (KX_OK with *ev, KX_ERR_TIMEOUT), KX_ERR_UNSUPPORTED when this
     * library has no device events; the first call reports the devices
     * present then as inserted, as kx_token_poll_event does */
    kx_err (*wait_event)(void *ctx, long timeout_ms, kx_token_event *ev);
} kx_token_ops;

/* kx_token_register - add a back-end (mandatory slots checked). The
 * built-in "pkcs11" and "skf" back-ends are registered on first use. */
kx_err kx_token_register(const kx_token_ops *ops);

/*
 * kx_token_module_open - load back-end `backend` ("pkcs11" or "skf") with
 * its module (a PKCS#11 .so or SKF vendor library path), default settings.
 * A library that cannot be loaded or lacks a function the back-end needs
 * is KX_ERR_CONFIG with the reason in the detail. Free with
 * kx_token_module_close().
 */
kx_err kx_token_module_open(const char *backend, const char *module_path,
                            kx_token_module **out);
/* kx_token_module_open_config - the same from config [token] backend
 * (pkcs11 | skf), module (PKCS#11) or skf_library (SKF), and the SKF
 * settings skf_application (the application to open; default the first
 * one, "JXCA" when one is created) and skf_devauth_key (32 hex digits, the
 * device authentication key for SKF_DevAuth; default the vendors' usual
 * "1234567812345678" as ASCII). */
kx_err kx_token_module_open_config(const kx_config *cfg, kx_token_module **out);
void kx_token_module_close(kx_token_module *m);
unsigned kx_token_module_caps(const kx_token_module *m);

/* kx_token_list - tokens present now, up to max; *count is how many. */
kx_err kx_token_list(kx_token_module *m, kx_token_info *out, size_t max, size_t *count);

/*
 * kx_token_poll_event - compare the tokens present with the last call and
 * report one change (KX_OK with *ev filled), or KX_ERR_NOT_FOUND when
 * nothing changed. Never blocks longer than one list call: the engine polls
 * it from its device thread.
 */
kx_err kx_token_poll_event(kx_token_module *m, kx_token_event *ev);

/*
 * kx_token_wait_event - wait up to timeout_ms (0: just look) for one change
 * of the tokens present: the back-end's device events where the library
 * has them (SKF: SKF_WaitForDevEvent, blocking on a thread of the module),
 * else kx_token_poll_event every 100 ms. KX_OK with *ev; KX_ERR_TIMEOUT
 * when nothing changed. *how (may be NULL) becomes "events" or "polling".
 * The first call reports the tokens present as inserted, one a call. One
 * caller per module at a time.
 */
kx_err kx_token_wait_event(kx_token_module *m, long timeout_ms, kx_token_event *ev,
                           const char **how);

/* kx_token_open - open the token with this serial (NULL: the only token
 * present; KX_ERR_BUSY when several are, KX_ERR_TOKEN_ABSENT when none). */
kx_err kx_token_open(kx_token_module *m, const char *serial, kx_token **out);
void kx_token_close(kx_token *t);

kx_err kx_token_get_info(kx_token *t, kx_token_info *out);

/*
 * kx_token_login - user login. KX_ERR_PIN_INCORRECT (check *flags_out for
 * COUNT_LOW / FINAL_TRY), KX_ERR_PIN_LOCKED, KX_ERR_TOKEN_REMOVED.
 * flags_out (may be NULL) receives the token flags after the attempt.
 */
kx_err kx_token_login(kx_token *t, const kx_secbuf *pin, unsigned *flags_out);
/* kx_token_login_tries - kx_token_login that also gives the user PIN tries
 * left after the attempt in *tries_left (may be NULL; -1 when the back-end
 * cannot say, as PKCS#11 cannot), for "N tries left" on the PIN screen. */
kx_err kx_token_login_tries(kx_token *t, const kx_secbuf *pin, unsigned *flags_out,
                            int *tries_left);
kx_err kx_token_logout(kx_token *t);

/* kx_pin_policy_load - [token] pin_min_len (4..16, default 6), pin_max_len
 * (min..16, default 8), pin_reject_simple (default true). */
kx_err kx_pin_policy_load(const kx_config *cfg, kx_pin_policy *out);
/* kx_pin_policy_check - KX_ERR_PIN_POLICY with a detail when the PIN is not
 * digits of the right length, one repeated digit, or a simple sequence. */
kx_err kx_pin_policy_check(const kx_pin_policy *p, const kx_secbuf *pin);

/* kx_token_change_pin - user PIN change (checks the policy first). */
kx_err kx_token_change_pin(kx_token *t, const kx_pin_policy *p, const kx_secbuf *old_pin,
                           const kx_secbuf *new_pin);
/* kx_token_reset_pin - SO login + new user PIN (unlock; the SO PIN comes
 * from the RA's unlock authorisation). */
kx_err kx_token_reset_pin(kx_token *t, const kx_pin_policy *p, const kx_secbuf *so_pin,
                          const kx_secbuf *new_pin);

/* kx_token_list_certs - certificates on the token; free with
 * kx_token_certs_free(). Works without login. */
kx_err kx_token_list_certs(kx_token *t, kx_token_certs *out);
void kx_token_certs_free(kx_token_certs *c);

/*
 * kx_token_generate_key - new key pair on the token (logged in), under a
 * fresh random CKA_ID (returned in id, KX_TOKEN_ID_MAX bytes room) and the
 * pending label until kx_token_relabel(). On SKF: a new container (its
 * name is the id) with an SM2 signing key pair; KX_KEY_SM2 only there, and
 * KX_ERR_UNSUPPORTED for SM2 on PKCS#11.
 */
kx_err kx_token_generate_key(kx_token *t, kx_key_type type, unsigned char *id, size_t *id_len);

/*
 * kx_token_make_csr - PKCS#10 request for the key pair `id`, signed on the
 * token (SHA-256; SM2 keys: SM2-with-SM3, default user ID), subject C=CN, O=company,
 * serialNumber=credit_code, CN=common_name. *csr_pem is malloc'd; free() it.
 */
kx_err kx_token_make_csr(kx_token *t, const unsigned char *id, size_t id_len,
                         const char *company, const char *credit_code, const char *common_name,
                         char **csr_pem);

/*
 * kx_token_install_cert - store the certificate (PEM; the first certificate
 * of a chain) beside the private key whose public key it carries. Refuses
 * with KX_ERR_MISMATCH when no key on the token matches. The CKA_ID used is
 * returned in id (may be NULL).
 */
kx_err kx_token_install_cert(kx_token *t, const char *cert_pem, const char *label,
                             unsigned char *id, size_t *id_len);

/* kx_token_verify_pair - certificate and key `id` match and a test
 * signature with the key verifies under the certificate. */
kx_err kx_token_verify_pair(kx_token *t, const unsigned char *id, size_t id_len);

/* kx_token_delete_id - delete every object (cert, keys) with CKA_ID id. */
kx_err kx_token_delete_id(kx_token *t, const unsigned char *id, size_t id_len);

/* kx_token_relabel - set CKA_LABEL of every object with CKA_ID id. */
kx_err kx_token_relabel(kx_token *t, const unsigned char *id, size_t id_len, const char *label);

/*
 * kx_token_cleanup - delete half-written objects: pending key pairs with no
 * certificate. *removed (may be NULL) counts the key pairs deleted.
 */
kx_err kx_token_cleanup(kx_token *t, int *removed);

/*
 * kx_token_renew_commit - the last step of a renewal: verify the new pair,
 * give it the final label, then delete the old objects. Old stays when any
 * check fails.
 */
kx_err kx_token_renew_commit(kx_token *t, const unsigned char *new_id, size_t new_len,
                             const unsigned char *old_id, size_t old_len, const char *label);

/*
 * kx_token_sign - sign data with the private key `id` (logged in), SHA-256:
 * a DER ECDSA signature for EC keys, PKCS#1 v1.5 for RSA keys (what the RA
 * wants from the current key on a renewal with the PIN); for SM2 keys
 * SM2-with-SM3 over Z || data with the default user ID 1234567812345678
 * (GM/T 0009), DER SEQUENCE { r, s }. *sig is malloc'd; free() it.
 */
kx_err kx_token_sign(kx_token *t, const unsigned char *id, size_t id_len,
                     const unsigned char *data, size_t len, unsigned char **sig,
                     size_t *sig_len);

/*
 * kx_token_init_blank - make a blank UKEY usable: on SKF, device
 * authentication and a new application with so_pin as admin PIN and
 * user_pin as user PIN (the policy checks user_pin first); then the token
 * can be logged in. KX_ERR_STATE when the UKEY is not blank,
 * KX_ERR_PERMISSION when device authentication fails, KX_ERR_UNSUPPORTED on
 * PKCS#11.
 */
kx_err kx_token_init_blank(kx_token *t, const kx_pin_policy *p, const kx_secbuf *so_pin,
                           const kx_secbuf *user_pin);

/*
 * kx_token_import_enc_keypair - store the encryption key pair the CA's KMC
 * generated, delivered as a GM/T 0016 ENVELOPEDKEYBLOB (skf_blob.h gives
 * the bytes) sealed to the signing public key of container `id` (logged
 * in). The blob is checked (length, version, algorithm) before the library
 * sees it. Afterwards install the encryption certificate with
 * kx_token_install_cert: it goes into the same container. KX_ERR_BAD_FORMAT
 * for a malformed envelope, KX_ERR_UNSUPPORTED on PKCS#11.
 */
kx_err kx_token_import_enc_keypair(kx_token *t, const unsigned char *id, size_t id_len,
                                   const unsigned char *envelope, size_t len);

/*
 * kx_token_write_data / kx_token_read_data - named data on the token (seal
 * data): a public CKO_DATA object labelled `name` (application
 * "jxca-kiosk") on PKCS#11, an application file `name` on SKF. Names are
 * 1..31 printable ASCII characters; data at most 32 KiB. Writing replaces
 * (logged in); reading needs no login, KX_ERR_NOT_FOUND when absent, *data
 * malloc'd (free()).
 */
#define KX_TOKEN_DATA_MAX 32768
kx_err kx_token_write_data(kx_token *t, const char *name, const unsigned char *data,
                           size_t len);
kx_err kx_token_read_data(kx_token *t, const char *name, unsigned char **data, size_t *len);

/* kx_token_pending_label - the label new key pairs carry until committed. */
#define KX_TOKEN_PENDING_LABEL "kx-pending"

/* kx_key_type_name - "EC P-256" / "RSA 2048" / "SM2". */
const char *kx_key_type_name(kx_key_type t);

#endif
