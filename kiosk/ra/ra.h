/* SPDX-License-Identifier: MIT */
/*
 * ra.h - the kiosk's client of the CA's Registration Authority (RA).
 *
 * The one link between the kiosk and the CA: JSON over HTTPS with mutual TLS
 * (the kiosk's certificate), the RA's CA pinned, versioned paths (/v1/...).
 * docs/ra-api.md is the wire contract; tools/ra-sim is its reference server.
 *
 * What this module guarantees:
 *  - TLS verification is always on (peer and host name); there is no switch
 *    to turn it off. The RA CA comes from [ra] ca_file; an optional public
 *    key pin ([ra] pinned_pubkey) is checked on top.
 *  - Every POST carries a caller-supplied idempotency key (the engine
 *    journals it before the call). The RA applies a key once: repeating the
 *    call with the same key and the same arguments returns the first result
 *    and has no second effect; the same key with other arguments is
 *    KX_ERR_RA_CONFLICT. Refusals are not recorded: after e.g.
 *    KX_ERR_RA_NOT_PAID the same key may be sent again once the state
 *    allows. Only POSTs with a key and GETs (safe by nature) are
 *    ever retried, with exponential back-off and jitter, honouring
 *    Retry-After.
 *  - Every reply is validated strictly: a missing or wrongly typed field is
 *    KX_ERR_RA_BAD_REPLY, never a crash or a half-filled result.
 *  - Personal data (agent ID number, phone, e-mail, name) never reaches a
 *    log; secrets (the SO PIN of kx_ra_token_unlock) live only in a
 *    kx_secbuf.
 *
 * Errors (what the engine should do):
 *   KX_ERR_NETWORK   cannot reach the RA or the connection broke. The outcome
 *                    of a POST is UNKNOWN: repeat it with the same key.
 *   KX_ERR_TIMEOUT   the request (or the whole retry budget) timed out; the
 *                    outcome is unknown, as for KX_ERR_NETWORK.
 *   KX_ERR_TLS       handshake or verification failed (wrong CA, pin
 *                    mismatch, our certificate refused). Call staff.
 *   KX_ERR_BUSY      the RA said 503/429 (or another 5xx) on every attempt.
 *   KX_ERR_RA_BAD_REPLY   malformed or unexpected reply (outcome unknown).
 *   KX_ERR_RA_REJECTED    the RA refused the request (invalid data, review
 *                    rejected, checksum mismatch, bad CSR or signature).
 *   KX_ERR_RA_CONFLICT    idempotency key reused with different arguments.
 *   KX_ERR_RA_NOT_PAID    issuance asked before the case's order was paid.
 *   KX_ERR_RA_NOT_APPROVED issuance/unlock/revoke before approval.
 *   KX_ERR_NOT_FOUND unknown credit code, case, order, certificate, token.
 *   KX_ERR_STATE     not allowed in the resource's state (e.g. refund after
 *                    issuance, second order while one is open, already
 *                    issued/revoked/released under another key).
 *   KX_ERR_PERMISSION the RA refused this kiosk (403), e.g. a staff
 *                    approval the RA does not grant this kiosk.
 *   KX_ERR_INVALID_ARG bad arguments, detected before anything is sent.
 * kx_ra_last_error() gives the RA's own error code and message for the log.
 *
 * Threading: a kx_ra handle is used by one thread at a time (it owns one
 * libcurl easy handle and its connection). Open one handle per worker
 * thread; handles are independent. kx_ra_global_init() once in main().
 *
 * Ownership: result structs are caller-owned, filled in place. Fields that
 * are char arrays are NUL-terminated copies. Pointers inside results
 * (certificate PEM, CRL PEM) are malloc'ed and released by the matching
 * kx_ra_*_clear() function. Nothing returned points into the handle.
 */
#ifndef KX_RA_RA_H
#define KX_RA_RA_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/secbuf.h"

/* Sizes of the fixed fields (including the terminating NUL). */
#define KX_RA_URL_MAX 512
#define KX_RA_PATH_MAX 4096
#define KX_RA_ID_MAX 65       /* case, order, document ids */
#define KX_RA_IDEM_KEY_MAX 65 /* 1..64 chars of [A-Za-z0-9._:-] */
#define KX_RA_CODE_MAX 19     /* unified social credit code */
#define KX_RA_NAME_MAX 256
#define KX_RA_ADDRESS_MAX 512
#define KX_RA_TEXT_MAX 512  /* reasons, messages, QR text */
#define KX_RA_SERIAL_MAX 81 /* certificate serial, lower-case hex */
#define KX_RA_SUBJECT_MAX 512
#define KX_RA_SHA256_HEX 65
#define KX_RA_SHORT_MAX 33 /* status words, service ids, currency */

/* ------------------------------------------------------------------ */
/* Configuration and handle                                             */
/* ------------------------------------------------------------------ */

typedef struct kx_ra_config {
    char url[KX_RA_URL_MAX];           /* base URL, "https://host:port" */
    char ca_file[KX_RA_PATH_MAX];      /* PEM: the RA's CA (pinned) */
    char cert_file[KX_RA_PATH_MAX];    /* PEM: the kiosk's client cert */
    char key_file[KX_RA_PATH_MAX];     /* PEM: its private key */
    char pinned_pubkey[KX_RA_URL_MAX]; /* "" or "sha256//BASE64[;sha256//...]" */
    char kiosk_id[KX_RA_NAME_MAX];     /* sent as X-Kiosk-Id */
    long connect_timeout_ms;           /* per attempt, default 5000 */
    long timeout_ms;                   /* per attempt, default 20000 */
    long deadline_ms;                  /* whole call incl. retries, default 60000 */
    int max_attempts;                  /* 1..10, default 4 */
    long backoff_initial_ms;           /* default 200 */
    long backoff_max_ms;               /* default 5000 */
    /* the certificate profile this site asks the RA for ([ra] cert_profile:
     * "sm2-dual", "ec-p256", "rsa-2048"; "" none: the CSR's key decides);
     * the engine puts it in kx_ra_case_request.cert_profile */
    char cert_profile[KX_RA_SHORT_MAX];
} kx_ra_config;

/*
 * kx_ra_config_defaults - fill cfg with the defaults above and empty paths.
 */
void kx_ra_config_defaults(kx_ra_config *cfg);

/*
 * kx_ra_config_load - read the [ra] section of the kiosk configuration
 * (keys: url, ca_file, cert_file, key_file, pinned_pubkey,
 * connect_timeout_ms, timeout_ms, deadline_ms, max_attempts,
 * backoff_initial_ms, backoff_max_ms, cert_profile; [kiosk] id). url must
 * be https://; cert_profile empty or one of sm2-dual, ec-p256, rsa-2048.
 * Returns KX_ERR_CONFIG (detail names file, line, key) on a bad value.
 */
kx_err kx_ra_config_load(const kx_config *ini, kx_ra_config *out);

/* kx_ra_global_init - libcurl's global init; call once from main() before
 * any thread starts. Idempotent. */
kx_err kx_ra_global_init(void);

typedef struct kx_ra kx_ra;

/*
 * kx_ra_open - create a client handle. Checks that the CA, certificate and
 * key files are readable (KX_ERR_CONFIG otherwise); does not connect.
 * cfg is copied. Free with kx_ra_close().
 */
kx_err kx_ra_open(const kx_ra_config *cfg, kx_ra **out);

/* kx_ra_close - release the handle and its connection. NULL is fine. */
void kx_ra_close(kx_ra *ra);

/* The RA's error reply of the last call on this handle. */
typedef struct kx_ra_error {
    long http_status;             /* 0 when no HTTP reply was received */
    char code[KX_RA_SHORT_MAX];   /* RA error code, "" when none */
    char message[KX_RA_TEXT_MAX]; /* RA message (for logs, English) */
    int retryable;                /* the RA's "retryable" flag */
    int attempts;                 /* attempts the last call made */
} kx_ra_error;

/* kx_ra_last_error - copy of the last call's error detail (zeroed after a
 * success). Pointer owned by ra, valid until the next call. */
const kx_ra_error *kx_ra_last_error(const kx_ra *ra);

/*
 * kx_ra_idem_key_new - a fresh random idempotency key (32 hex chars from
 * getrandom) into out (at least KX_RA_IDEM_KEY_MAX bytes). Journal it
 * before the call that uses it. Thread-safe.
 */
kx_err kx_ra_idem_key_new(char *out, size_t outsz);

/*
 * kx_ra_time_format - Unix seconds as the contract's RFC 3339 UTC text
 * ("2026-11-23T22:31:09Z") into out (at least 21 bytes). Returns out.
 * Thread-safe.
 */
char *kx_ra_time_format(int64_t t, char *out, size_t outsz);

/* ------------------------------------------------------------------ */
/* Health and probe                                                     */
/* ------------------------------------------------------------------ */

typedef struct kx_ra_health {
    char status[KX_RA_SHORT_MAX]; /* "ok" */
    char version[KX_RA_NAME_MAX]; /* server software and version */
    int64_t server_time;          /* Unix seconds */
} kx_ra_health;

/* kx_ra_health - GET /v1/health. */
kx_err kx_ra_health_get(kx_ra *ra, kx_ra_health *out);

typedef struct kx_ra_probe {
    int reachable;                  /* TCP connection made */
    int tls_ok;                     /* handshake and verification passed */
    int http_status;                /* of /v1/health, 0 if none */
    char tls_error[KX_RA_TEXT_MAX]; /* curl's message when tls_ok == 0 */
    int64_t server_cert_not_after;  /* Unix seconds, 0 if unknown */
    int64_t client_cert_not_after;  /* of cert_file, 0 if unreadable */
    double rtt_ms;                  /* whole health request */
    double connect_ms;              /* TCP connect */
    double tls_ms;                  /* TLS handshake */
    kx_ra_health health;            /* valid when http_status == 200 */
} kx_ra_probe;

/*
 * kx_ra_probe_run - one health request on a fresh connection, measuring it
 * (used by kioskctl ra-check). No retries. Returns KX_OK when the RA
 * answered healthy, else the error, with *out filled as far as it got.
 */
kx_err kx_ra_probe_run(kx_ra *ra, kx_ra_probe *out);

/* ------------------------------------------------------------------ */
/* Enterprises                                                          */
/* ------------------------------------------------------------------ */

typedef struct kx_ra_enterprise {
    char credit_code[KX_RA_CODE_MAX];
    char name[KX_RA_NAME_MAX];
    char address[KX_RA_ADDRESS_MAX];
    char legal_representative[KX_RA_NAME_MAX];
    char status[KX_RA_SHORT_MAX]; /* "active", "revoked", "cancelled" */
} kx_ra_enterprise;

/* kx_ra_enterprise_lookup - GET /v1/enterprises/{credit_code}.
 * KX_ERR_NOT_FOUND when the RA does not know the code. */
kx_err kx_ra_enterprise_lookup(kx_ra *ra, const char *credit_code, kx_ra_enterprise *out);

/* ------------------------------------------------------------------ */
/* Cases                                                                */
/* ------------------------------------------------------------------ */

typedef enum kx_ra_case_state {
    KX_RA_CASE_DRAFT = 0,
    KX_RA_CASE_SUBMITTED,
    KX_RA_CASE_PENDING_REVIEW,
    KX_RA_CASE_APPROVED,
    KX_RA_CASE_REJECTED,
} kx_ra_case_state;

/* kx_ra_case_state_id - "draft", "submitted", "pending_review", "approved",
 * "rejected". Static string. */
const char *kx_ra_case_state_id(kx_ra_case_state st);

/* A new case. Strings are borrowed for the call; optional ones may be NULL
 * or "" and are then left out of the request. The agent's data come from
 * the ID card. Agent (name and ID number together) and phone are required
 * for every service except "renew" and "renew_nopin" (docs/ra-api.md):
 * with the PIN the renewal's signature with the current key is the proof,
 * without it the stamped credit-code copy and the UKEY (the CA's process,
 * section 4). */
typedef struct kx_ra_case_request {
    const char *service;     /* services.h id: "new", "renew", ... */
    const char *credit_code; /* GB 32100 */
    const char *company_name;
    const char *agent_name;        /* optional for the renewals */
    const char *agent_idnum;       /* GB 11643; never logged; optional for the renewals */
    const char *phone;             /* mobile or landline (domain/phone.h); sent canonical */
    const char *email;             /* optional */
    int64_t agreement_accepted_at; /* Unix seconds the agreement was accepted */
    const char *token_serial;      /* optional: UKEY serial (renew, unlock, swap) */
    const char *cert_serial;       /* optional: current certificate (renew, change, revoke) */
    /* optional: the certificate profile the site asks for ("sm2-dual",
     * "ec-p256", "rsa-2048"; NULL/"" none: the CSR's key decides) */
    const char *cert_profile;
    /* optional: SHA-256 (64 lower-case hex) of the agreement text shown */
    const char *agreement_version;
    /* optional, "revoke" only: a revocation the RA carries out once the
     * case is approved on its documents (no UKEY: lost or stolen) */
    const struct kx_ra_revocation_request *revocation;
} kx_ra_case_request;

#define KX_RA_REVOKE_MAX 32

/* The certificates to revoke: the serials the agent picked (from
 * kx_ra_enterprise_certs) or all valid ones, and the reason. */
typedef struct kx_ra_revocation_request {
    const char *const *serials; /* serial_count of them; NULL when all */
    int serial_count;           /* 1..KX_RA_REVOKE_MAX, or 0 with all */
    int all;                    /* every valid certificate of the enterprise */
    int reason;                 /* kx_ra_revoke_reason */
} kx_ra_revocation_request;

typedef struct kx_ra_case {
    char case_id[KX_RA_ID_MAX];
    char service[KX_RA_SHORT_MAX];
    char credit_code[KX_RA_CODE_MAX];
    kx_ra_case_state state;
    char reject_reason[KX_RA_TEXT_MAX]; /* when rejected */
    int64_t fee_fen;                    /* the RA's fee for the service */
    int paid;                           /* an order of the case is paid (or fee 0) */
    int documents;                      /* documents attached */
    char cert_serial[KX_RA_SERIAL_MAX]; /* issued certificate, "" if none */
    int64_t created_at;
    int64_t updated_at;
    char approved_by[KX_RA_NAME_MAX]; /* "reviewer", "kiosk-staff:<kiosk>/<staff>";
                                         "" unapproved or not sent (older RAs) */
    /* the profile the RA confirms for the case ("" none requested or an
     * older RA) */
    char cert_profile[KX_RA_SHORT_MAX];
    char agreement_version[KX_RA_SHA256_HEX]; /* "" when not sent */
    int64_t agreement_accepted_at;            /* 0 when not sent */
    /* a revocation the RA carries out (revocation == 1): its certificates,
     * reason and whether it was done (after approval) */
    int revocation;
    int revoke_serial_count;
    char revoke_serials[KX_RA_REVOKE_MAX][KX_RA_SERIAL_MAX];
    char revoke_reason[KX_RA_SHORT_MAX];
    int revoke_done;
} kx_ra_case;

/* kx_ra_case_create - POST /v1/cases. State draft. KX_ERR_INVALID_ARG
 * without sending when a required field is missing (see the request). */
kx_err kx_ra_case_create(kx_ra *ra, const char *idem_key, const kx_ra_case_request *req,
                         kx_ra_case *out);
/* kx_ra_case_get - GET /v1/cases/{id}: current state (poll for review). */
kx_err kx_ra_case_get(kx_ra *ra, const char *case_id, kx_ra_case *out);
/* kx_ra_case_submit - POST /v1/cases/{id}/submit: draft -> submitted ->
 * pending_review. KX_ERR_STATE when not a draft (same key replays). */
kx_err kx_ra_case_submit(kx_ra *ra, const char *idem_key, const char *case_id, kx_ra_case *out);
/*
 * kx_ra_case_staff_approve - POST /v1/cases/{id}/staff-approval: a staff
 * member at this kiosk approves a case pending review. The RA decides: only
 * a kiosk it granted the right (recognised by the client certificate) may.
 * staff_id is the member's [staff:ID] (1..32 chars); reason is optional
 * (NULL or "", at most 200 bytes, no personal data). On success *out is the
 * approved case, approved_by "kiosk-staff:<kiosk>/<staff>". Errors:
 * KX_ERR_PERMISSION when the RA does not grant this kiosk's staff the
 * right (RA code staff_approval_not_permitted), KX_ERR_STATE when the case
 * is not pending review (approved, rejected, draft), KX_ERR_NOT_FOUND for
 * an unknown case, KX_ERR_INVALID_ARG for a missing or over-long staff id
 * or reason. The same key with the same arguments replays the approval.
 */
kx_err kx_ra_case_staff_approve(kx_ra *ra, const char *idem_key, const char *case_id,
                                const char *staff_id, const char *reason, kx_ra_case *out);

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

typedef enum kx_ra_doc_kind {
    KX_RA_DOC_LICENCE = 0, /* business licence scan */
    KX_RA_DOC_ID_FRONT,
    KX_RA_DOC_ID_BACK,
    KX_RA_DOC_SEAL_COMPANY,        /* 企业公章 */
    KX_RA_DOC_SEAL_LEGAL_REP,      /* 法人私章 */
    KX_RA_DOC_SIGNATURE_LEGAL_REP, /* 法人手写签名 */
    KX_RA_DOC_AUTH_LETTER,
    KX_RA_DOC_REISSUE_STATEMENT,
    KX_RA_DOC_USCC_COPY,        /* stamped credit-code copy (PIN-less renew) */
    KX_RA_DOC_APPLICATION_FORM, /* 附件1, the kiosk's filled form: application/pdf */
    KX_RA_DOC_ID_CARD_FRONT,    /* the agent's ID card cropped from the page */
    KX_RA_DOC_ID_CARD_BACK,
    KX_RA_DOC_COUNT
} kx_ra_doc_kind;

/* kx_ra_doc_kind_id - wire id ("licence", "id_front", "id_back",
 * "seal_company", "seal_legal_rep", "signature_legal_rep", "auth_letter",
 * "reissue_statement", "uscc_copy", "application_form", "id_card_front",
 * "id_card_back"). */
const char *kx_ra_doc_kind_id(kx_ra_doc_kind kind);

typedef struct kx_ra_document {
    kx_ra_doc_kind kind;
    const char *media_type;     /* "image/png" or "image/jpeg"; "application/pdf" for
                                   the application form (required), authorisation
                                   letter, reissue statement, credit-code copy and
                                   licence */
    const unsigned char *data;  /* borrowed for the call */
    size_t len;                 /* 1 .. 16 MiB */
    double width_mm, height_mm; /* seal images only (>0); else 0 */
} kx_ra_document;

typedef struct kx_ra_document_receipt {
    char document_id[KX_RA_ID_MAX];
    char sha256[KX_RA_SHA256_HEX]; /* as computed by the RA (lower-case hex) */
    size_t size;
} kx_ra_document_receipt;

/*
 * kx_ra_document_upload - POST /v1/cases/{id}/documents. The client sends
 * the SHA-256 it computed; the RA recomputes it (mismatch: RA_REJECTED) and
 * the client checks the receipt's digest equals its own (else
 * RA_BAD_REPLY). One document per kind: uploading a kind again replaces it.
 * Allowed while the case is a draft.
 */
kx_err kx_ra_document_upload(kx_ra *ra, const char *idem_key, const char *case_id,
                             const kx_ra_document *doc, kx_ra_document_receipt *out);

/* ------------------------------------------------------------------ */
/* Payment orders                                                       */
/* ------------------------------------------------------------------ */

typedef enum kx_ra_order_state {
    KX_RA_ORDER_PENDING = 0, /* waiting for the payer */
    KX_RA_ORDER_PAID,
    KX_RA_ORDER_CANCELLED,
    KX_RA_ORDER_EXPIRED,
    KX_RA_ORDER_REFUNDED,
} kx_ra_order_state;

/* kx_ra_order_state_id - "pending", "paid", "cancelled", "expired",
 * "refunded". */
const char *kx_ra_order_state_id(kx_ra_order_state st);

typedef struct kx_ra_order {
    char order_id[KX_RA_ID_MAX];
    char case_id[KX_RA_ID_MAX];
    kx_ra_order_state state;
    int64_t amount_fen;             /* from the RA's fee table */
    char currency[KX_RA_SHORT_MAX]; /* "CNY" */
    char qr_text[KX_RA_TEXT_MAX];   /* text to render as the payment QR code */
    int64_t created_at;
    int64_t expires_at;            /* pending orders expire */
    int64_t paid_at;               /* 0 when unpaid */
    int64_t refunded_fen;          /* 0 unless refunded */
    char refund_id[KX_RA_ID_MAX];  /* "" unless refunded */
    char channel[KX_RA_SHORT_MAX]; /* paid by "qr" or "counter"; "" unpaid or unknown */
    /* the e-invoice link of a paid order (https://, for the receipt's QR
     * code); "" unpaid, refunded or an older RA */
    char invoice_url[KX_RA_URL_MAX];
    int64_t refunded_at; /* 0 unless refunded (refund_id is the refund's reference) */
} kx_ra_order;

/* kx_ra_order_create - POST /v1/cases/{id}/orders. The case must be
 * submitted (not draft, not rejected). One open or paid order per case:
 * KX_ERR_STATE otherwise (cancelled/expired ones may be replaced). */
kx_err kx_ra_order_create(kx_ra *ra, const char *idem_key, const char *case_id,
                          kx_ra_order *out);
/* kx_ra_order_get - GET /v1/orders/{id}: poll for payment. */
kx_err kx_ra_order_get(kx_ra *ra, const char *order_id, kx_ra_order *out);
/* kx_ra_order_cancel - POST /v1/orders/{id}/cancel. Pending only; a paid
 * order is KX_ERR_STATE (refund it instead). */
kx_err kx_ra_order_cancel(kx_ra *ra, const char *idem_key, const char *order_id,
                          kx_ra_order *out);
/* kx_ra_order_refund - POST /v1/orders/{id}/refund: full refund of a paid
 * order whose case has no certificate yet (KX_ERR_STATE otherwise). reason
 * is free text for the RA's staff (no personal data). */
kx_err kx_ra_order_refund(kx_ra *ra, const char *idem_key, const char *order_id,
                          const char *reason, kx_ra_order *out);

/* A payment taken by staff at the counter. Strings borrowed for the call. */
typedef struct kx_ra_counter_payment {
    const char *staff_id;   /* [staff:ID] of the member, 1..32 chars */
    const char *receipt_no; /* the counter's receipt, 1..64 chars */
    const char *method;     /* "cash" or "card" */
    int64_t amount_fen;     /* must be the order's amount */
    const char *reason;     /* optional, no personal data */
} kx_ra_counter_payment;

/*
 * kx_ra_order_counter_pay - POST /v1/orders/{id}/counter-payment: a pending
 * order was paid at the counter; it becomes paid with channel "counter".
 * KX_ERR_RA_REJECTED when the amount is not the order's (RA code
 * amount_mismatch) or a field is malformed, KX_ERR_STATE when the order is
 * already paid (already_paid) or cancelled/expired (invalid_state),
 * KX_ERR_NOT_FOUND for an unknown order. kx_ra_last_error() has the RA's
 * message.
 */
kx_err kx_ra_order_counter_pay(kx_ra *ra, const char *idem_key, const char *order_id,
                               const kx_ra_counter_payment *pay, kx_ra_order *out);

/* ------------------------------------------------------------------ */
/* Certificates                                                         */
/* ------------------------------------------------------------------ */

typedef struct kx_ra_cert {
    char serial[KX_RA_SERIAL_MAX];   /* lower-case hex */
    char subject[KX_RA_SUBJECT_MAX]; /* RFC 2253 text */
    int64_t not_before, not_after;   /* Unix seconds */
    char status[KX_RA_SHORT_MAX];    /* "valid" or "revoked" */
    char *cert_pem;                  /* malloc'ed: the certificate */
    char *chain_pem;                 /* malloc'ed: issuing CA chain */
    /* from RAs that send them ("" otherwise): */
    char profile[KX_RA_SHORT_MAX];        /* "sm2-dual", "ec-p256", "rsa-2048", ... */
    char usage[KX_RA_SHORT_MAX];          /* "signature", "encryption", "general" */
    char paired_serial[KX_RA_SERIAL_MAX]; /* the other certificate of an SM2 pair */
    char token_serial[KX_RA_NAME_MAX];    /* UKEY it was installed on */
} kx_ra_cert;

/* kx_ra_cert_clear - free the PEM strings and zero the struct. */
void kx_ra_cert_clear(kx_ra_cert *cert);

/*
 * kx_ra_cert_issue - POST /v1/cases/{id}/certificate with a PKCS#10 CSR
 * (PEM or DER, detected). The case must be approved (KX_ERR_RA_NOT_APPROVED)
 * and paid or free (KX_ERR_RA_NOT_PAID); one certificate per case. The RA
 * sets the subject from the case (O and CN company name, serialNumber and
 * organizationIdentifier the credit code); validity one year. The client
 * checks the returned certificate parses and its public key is the CSR's.
 * *out must be zeroed or cleared; free with kx_ra_cert_clear().
 */
kx_err kx_ra_cert_issue(kx_ra *ra, const char *idem_key, const char *case_id,
                        const unsigned char *csr, size_t csr_len, kx_ra_cert *out);

/*
 * Recovering an issuance whose reply was lost: repeat the call with the same
 * key and the same CSR (journal both). If the CSR is gone, the key gives
 * KX_ERR_RA_CONFLICT; then kx_ra_case_get() names the issued serial and
 * kx_ra_cert_get() returns the certificate.
 */

/*
 * kx_ra_cert_renew - POST /v1/cases/{id}/renewal for a renew or
 * renew_nopin case, approved and paid. old_serial is the current
 * certificate (same enterprise). With the PIN (service "renew") signature is
 * the current key's signature over the CSR's DER bytes (ECDSA or RSA
 * PKCS#1 v1.5, SHA-256); for "renew_nopin" pass NULL/0 (the case was
 * approved after re-proofing). Output as kx_ra_cert_issue.
 */
kx_err kx_ra_cert_renew(kx_ra *ra, const char *idem_key, const char *case_id,
                        const char *old_serial, const unsigned char *csr, size_t csr_len,
                        const unsigned char *signature, size_t signature_len, kx_ra_cert *out);

/* ---- SM2 dual certificates (profile "sm2-dual") ---- */

/*
 * GM/T 0016-2012 ENVELOPEDKEYBLOB as the RA's KMC returns it (388 bytes,
 * packed, ULONG 32-bit little-endian, 256-bit values right-aligned in
 * 64-byte fields). Offsets:
 *     0 Version (1)   4 ulSymmAlgID (SGD_SM4_ECB 0x401)   8 ulBits (256)
 *    12 cbEncryptedPriKey[64] (SM4-ECB under the session key)
 *    76 PubKey.BitLen (256)   80 PubKey.X[64]   144 PubKey.Y[64]
 *   208 ECCCipherBlob.X[64]  272 .Y[64]  336 .HASH[32]  368 .CipherLen (16)
 *   372 .Cipher[16] (the session key SM2-encrypted to the signing key)
 */
#define KX_RA_EKB_LEN 388
#define KX_RA_SGD_SM4_ECB 0x00000401u

typedef struct kx_ra_enveloped_key {
    uint32_t version;                         /* 1 */
    uint32_t symm_alg_id;                     /* KX_RA_SGD_SM4_ECB */
    uint32_t bits;                            /* 256 */
    unsigned char encrypted_priv[64];         /* cbEncryptedPriKey */
    uint32_t pub_bits;                        /* 256 */
    unsigned char pub_x[64], pub_y[64];       /* the encryption public key */
    unsigned char cipher_x[64], cipher_y[64]; /* C1 */
    unsigned char cipher_hash[32];            /* C3 */
    uint32_t cipher_len;                      /* 16 */
    unsigned char cipher[16];                 /* C2: the wrapped session key */
    unsigned char blob[KX_RA_EKB_LEN];        /* the bytes as received (SKF import) */
} kx_ra_enveloped_key;

/*
 * kx_ra_enveloped_key_parse - check and split an ENVELOPEDKEYBLOB: exactly
 * KX_RA_EKB_LEN bytes, Version 1, SGD_SM4_ECB, 256 bits, BitLen 256,
 * CipherLen 16, the 32 leading bytes of every 64-byte coordinate zero.
 * KX_ERR_RA_BAD_REPLY otherwise (out untouched).
 */
kx_err kx_ra_enveloped_key_parse(const unsigned char *blob, size_t len,
                                 kx_ra_enveloped_key *out);

/* An issuance's certificates: one, or an SM2 pair with the enveloped key. */
typedef struct kx_ra_cert_pair {
    char profile[KX_RA_SHORT_MAX]; /* what the RA issued ("" older RAs) */
    kx_ra_cert sign;               /* the signing (or only) certificate */
    int dual;                      /* 1: enc and enveloped are set */
    kx_ra_cert enc;                /* the encryption certificate */
    kx_ra_enveloped_key enveloped; /* its private key, enveloped to sign's key */
} kx_ra_cert_pair;

/* kx_ra_cert_pair_clear - free both certificates' PEM, zero the struct. */
void kx_ra_cert_pair_clear(kx_ra_cert_pair *pair);

/*
 * kx_ra_cert_issue_pair / kx_ra_cert_renew_pair - as kx_ra_cert_issue /
 * kx_ra_cert_renew, for a case of any profile. For "sm2-dual" (a CSR of an
 * SM2 key signed SM2-with-SM3 with the default ID 1234567812345678) the
 * reply has both certificates and the enveloped key; the client checks the
 * signing certificate carries the CSR's key, both verify against the
 * returned SM2 chain, the encryption certificate's key usage is encryption
 * and the envelope's PubKey is its key. The renewal proof of an SM2 key is
 * SM2-with-SM3 (default ID) over the CSR's DER. *out must be zeroed or
 * cleared; free with kx_ra_cert_pair_clear(). kx_ra_cert_issue and
 * kx_ra_cert_renew read the same reply but keep only the signing
 * certificate: an sm2-dual case needs these calls (the same idempotency key
 * replays the envelope if a single call was made first).
 */
kx_err kx_ra_cert_issue_pair(kx_ra *ra, const char *idem_key, const char *case_id,
                             const unsigned char *csr, size_t csr_len, kx_ra_cert_pair *out);
kx_err kx_ra_cert_renew_pair(kx_ra *ra, const char *idem_key, const char *case_id,
                             const char *old_serial, const unsigned char *csr, size_t csr_len,
                             const unsigned char *signature, size_t signature_len,
                             kx_ra_cert_pair *out);

/* kx_ra_crl_fetch_sm2 - GET /v1/crl/sm2: the SM2 CA's CRL (PEM, malloc'ed,
 * freed with free()), checked to parse as a CRL. */
kx_err kx_ra_crl_fetch_sm2(kx_ra *ra, char **pem_out);

/* kx_ra_cert_get - GET /v1/certificates/{serial} (e.g. after an issue whose
 * key was lost: kx_ra_case_get gives the serial). */
kx_err kx_ra_cert_get(kx_ra *ra, const char *serial, kx_ra_cert *out);

/* Revocation reasons, RFC 5280 CRLReason values. */
typedef enum kx_ra_revoke_reason {
    KX_RA_REVOKE_UNSPECIFIED = 0,
    KX_RA_REVOKE_KEY_COMPROMISE = 1,
    KX_RA_REVOKE_AFFILIATION_CHANGED = 3,
    KX_RA_REVOKE_SUPERSEDED = 4,
    KX_RA_REVOKE_CESSATION = 5,
} kx_ra_revoke_reason;

/* kx_ra_revoke_reason_id - "unspecified", "key_compromise",
 * "affiliation_changed", "superseded", "cessation_of_operation". */
const char *kx_ra_revoke_reason_id(kx_ra_revoke_reason reason);

/*
 * kx_ra_cert_revoke - POST /v1/certificates/{serial}/revoke under an
 * approved case of the same enterprise. Already revoked (another key):
 * KX_ERR_STATE. *revoked_at_out (may be NULL) gets the revocation time.
 */
kx_err kx_ra_cert_revoke(kx_ra *ra, const char *idem_key, const char *case_id,
                         const char *serial, kx_ra_revoke_reason reason,
                         int64_t *revoked_at_out);

/* kx_ra_crl_fetch - GET /v1/crl: a freshly signed CRL as PEM (malloc'ed,
 * *pem_out freed by the caller with free()). The client checks it parses
 * as a CRL. */
kx_err kx_ra_crl_fetch(kx_ra *ra, char **pem_out);

/* ---- an enterprise's certificates (revocation without the UKEY) ---- */

#define KX_RA_CERT_LIST_MAX 64

typedef struct kx_ra_cert_summary {
    char serial[KX_RA_SERIAL_MAX];
    char subject[KX_RA_SUBJECT_MAX];
    int64_t not_before, not_after;
    char profile[KX_RA_SHORT_MAX];
    char usage[KX_RA_SHORT_MAX];          /* "signature", "encryption", "general" */
    char paired_serial[KX_RA_SERIAL_MAX]; /* SM2 pair partner, "" none */
    char token_serial[KX_RA_NAME_MAX];    /* UKEY it was installed on, "" unknown */
} kx_ra_cert_summary;

typedef struct kx_ra_cert_list {
    int count;
    kx_ra_cert_summary certs[KX_RA_CERT_LIST_MAX];
} kx_ra_cert_list;

/* kx_ra_enterprise_certs - GET /v1/enterprises/{code}/certificates: the
 * enterprise's valid certificates (KX_ERR_NOT_FOUND unknown code;
 * KX_ERR_RA_BAD_REPLY more than KX_RA_CERT_LIST_MAX). kx_ra_cert_list is
 * about 64 KiB: allocate it rather than put it on a thread's stack. */
kx_err kx_ra_enterprise_certs(kx_ra *ra, const char *credit_code, kx_ra_cert_list *out);

/*
 * kx_ra_cert_installed - POST /v1/certificates/{serial}/install: report the
 * UKEY the certificate (and its SM2 pair partner) was written to, so that
 * the enterprise's list can name it. KX_ERR_STATE for a revoked one.
 */
kx_err kx_ra_cert_installed(kx_ra *ra, const char *idem_key, const char *serial,
                            const char *token_serial);

/* ------------------------------------------------------------------ */
/* Electronic seals                                                     */
/* ------------------------------------------------------------------ */

#define KX_RA_SEAL_MAX 3
#define KX_RA_SEAL_DER_MAX (4u * 1024u * 1024u)

typedef struct kx_ra_seal {
    kx_ra_doc_kind kind; /* KX_RA_DOC_SEAL_COMPANY, _SEAL_LEGAL_REP, _SIGNATURE_LEGAL_REP */
    char es_id[KX_RA_ID_MAX];
    int type;                           /* 1 organisation seal, 2 personal seal or signature */
    char name[KX_RA_NAME_MAX];          /* whose seal */
    char cert_serial[KX_RA_SERIAL_MAX]; /* the holder certificate it is bound to */
    int64_t valid_start, valid_end;
    long width_mm, height_mm;
    char signature_algorithm[KX_RA_SHORT_MAX]; /* OID text */
    char sha256[KX_RA_SHA256_HEX];             /* of der, checked */
    unsigned char *der;                        /* malloc'ed SES_Seal DER */
    size_t der_len;
} kx_ra_seal;

typedef struct kx_ra_seal_set {
    int count;
    kx_ra_seal seals[KX_RA_SEAL_MAX];
    char *maker_cert_pem;  /* malloc'ed: the seal maker's certificate */
    char *maker_chain_pem; /* malloc'ed: its CA */
} kx_ra_seal_set;

/* kx_ra_seal_set_clear - free the DER and PEM, zero the struct. */
void kx_ra_seal_set_clear(kx_ra_seal_set *set);

/*
 * kx_ra_seals_make - POST /v1/cases/{id}/seals: the RA's seal maker turns
 * the case's accepted seal images into electronic seals (GM/T 0031 /
 * GB/T 38540 SES_Seal, DER) bound to the case's new certificate, signed
 * SM2-with-SM3 for an sm2-dual case, ECDSA-SHA256 otherwise. Once per case
 * (KX_ERR_STATE afterwards: use kx_ra_seals_get). The client checks each
 * seal's digest and that the maker certificate verifies against its chain.
 * *out must be zeroed or cleared; free with kx_ra_seal_set_clear().
 */
kx_err kx_ra_seals_make(kx_ra *ra, const char *idem_key, const char *case_id,
                        kx_ra_seal_set *out);
/* kx_ra_seals_get - GET /v1/cases/{id}/seals: the seals made (KX_ERR_NOT_FOUND none). */
kx_err kx_ra_seals_get(kx_ra *ra, const char *case_id, kx_ra_seal_set *out);

/* ------------------------------------------------------------------ */
/* Tokens                                                               */
/* ------------------------------------------------------------------ */

/*
 * kx_ra_token_unlock - POST /v1/cases/{id}/unlock: authorisation to unlock
 * the UKEY token_serial after re-proofing (an approved unlock or
 * renew_nopin case naming that token). The RA releases the token's SO PIN
 * (unlock secret) once: the same key replays it, another key afterwards is
 * KX_ERR_STATE. The secret goes into so_pin (created by the caller with
 * kx_secbuf_new, at least 64 bytes); it is never logged, and the reply
 * buffer is wiped.
 */
kx_err kx_ra_token_unlock(kx_ra *ra, const char *idem_key, const char *case_id,
                          const char *token_serial, kx_secbuf *so_pin);

#endif
