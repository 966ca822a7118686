/* SPDX-License-Identifier: MIT */
/*
 * journal.h - kioskd's write-ahead journal (SQLite, WAL, synchronous=FULL).
 *
 * Before any side effect that costs money or changes a certificate or a
 * token (payment order, issue, renew, token write, revoke, refund) the
 * engine records the intent with its idempotency key; after it, the
 * outcome. Each call commits before it returns, so an intent that
 * kx_journal_intent() reported is on disk before the side effect starts.
 * On start, recovery (recovery.c) finishes or compensates every open
 * transaction. Scans waiting for the RA are listed in the spool table
 * until acknowledged.
 *
 * Never stored: PINs, SO PINs, keys, unmasked ID numbers, phone numbers.
 *
 * Threading: a kx_journal may be used from several threads; every call
 * takes the journal's mutex.
 *
 * Memory: SQLite's page cache for the journal is bounded to
 * KX_JOURNAL_CACHE_KIB, however large the file grows.
 */
#ifndef KX_ENGINE_JOURNAL_H
#define KX_ENGINE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct kx_journal kx_journal;

/* Status of one transaction. */
typedef enum kx_tx_status {
    KX_TX_OPEN = 0,        /* intent recorded, outcome unknown */
    KX_TX_DONE = 1,        /* the side effect happened */
    KX_TX_FAILED = 2,      /* it certainly did not happen */
    KX_TX_COMPENSATED = 3, /* it happened and was undone (cancel, refund, revoke) */
} kx_tx_status;

/* Upper bound of the journal's SQLite page cache, in KiB. */
#define KX_JOURNAL_CACHE_KIB 512

#define KX_JOURNAL_ID_MAX 72
#define KX_JOURNAL_TEXT_MAX 256

typedef struct kx_journal_tx {
    int64_t id;
    char session[KX_JOURNAL_ID_MAX];
    char service[KX_JOURNAL_ID_MAX];
    char kind[KX_JOURNAL_ID_MAX]; /* job name: order_create, ra_renew, install, refund ... */
    char idem_key[KX_JOURNAL_ID_MAX];
    kx_tx_status status;
    char ref[KX_JOURNAL_TEXT_MAX];    /* the action's input: case, order, serial */
    char result[KX_JOURNAL_TEXT_MAX]; /* its outcome: order id, new serial */
    int64_t amount_fen;
    int error;                /* kx_err of a failure, 0 */
    int64_t created, updated; /* Unix seconds */
} kx_journal_tx;

/* A session (one customer at the kiosk) and what it achieved so far. */
typedef struct kx_journal_session {
    char id[KX_JOURNAL_ID_MAX];
    char service[KX_JOURNAL_ID_MAX];
    char case_id[KX_JOURNAL_ID_MAX];
    char order_id[KX_JOURNAL_ID_MAX];
    char token_serial[KX_JOURNAL_ID_MAX];
    char old_serial[KX_JOURNAL_TEXT_MAX]; /* certificate on the UKEY at start */
    char new_serial[KX_JOURNAL_TEXT_MAX]; /* certificate issued in this session */
    char outcome[KX_JOURNAL_ID_MAX];      /* "" while open; done, cancelled, ... */
    int64_t created, ended;
} kx_journal_session;

/* kx_journal_status_name - "open", "done", "failed", "compensated". */
const char *kx_journal_status_name(kx_tx_status st);

/*
 * kx_journal_open - open (creating) state_dir/journal.db with WAL and
 * synchronous=FULL. state_dir must exist. Free with kx_journal_close().
 * KX_ERR_JOURNAL with detail on any SQLite failure.
 */
kx_err kx_journal_open(const char *state_dir, kx_journal **out);
void kx_journal_close(kx_journal *j);
/* kx_journal_path - the database file (owned by j). */
const char *kx_journal_path(const kx_journal *j);

/* kx_journal_session_begin - record a new session (id unique). */
kx_err kx_journal_session_begin(kx_journal *j, const char *session, const char *service);
/*
 * kx_journal_session_set - set one of the session's facts: field is
 * "case_id", "order_id", "token_serial", "old_serial" or "new_serial".
 * KX_ERR_INVALID_ARG for other fields.
 */
kx_err kx_journal_session_set(kx_journal *j, const char *session, const char *field,
                              const char *value);
/* kx_journal_session_end - the session is over with outcome ("done",
 * "cancelled", "abandoned", "recovered", ...). */
kx_err kx_journal_session_end(kx_journal *j, const char *session, const char *outcome);
/* kx_journal_session_get - read a session. KX_ERR_NOT_FOUND if absent. */
kx_err kx_journal_session_get(kx_journal *j, const char *session, kx_journal_session *out);

/*
 * kx_journal_intent - record the intent to perform kind in session with
 * idem_key (unique across the journal), the action's input ref and amount.
 * Durable on return. *tx_id_out gets the transaction id.
 * KX_ERR_RA_CONFLICT when idem_key is already journaled.
 */
kx_err kx_journal_intent(kx_journal *j, const char *session, const char *kind,
                         const char *idem_key, const char *ref, int64_t amount_fen,
                         int64_t *tx_id_out);

/*
 * kx_journal_outcome - record the outcome of a transaction: status DONE,
 * FAILED or COMPENSATED, result text (may be NULL), error code (0 unless
 * failed). Durable on return. KX_ERR_NOT_FOUND for unknown ids.
 */
kx_err kx_journal_outcome(kx_journal *j, int64_t tx_id, kx_tx_status status, const char *result,
                          kx_err error);

/* kx_journal_tx_get - one transaction. KX_ERR_NOT_FOUND if absent. */
kx_err kx_journal_tx_get(kx_journal *j, int64_t tx_id, kx_journal_tx *out);

/*
 * kx_journal_last - the latest transaction of kind in session (any
 * status). KX_ERR_NOT_FOUND when there is none. Used to reuse an open
 * intent's key after a failure or a crash.
 */
kx_err kx_journal_last(kx_journal *j, const char *session, const char *kind,
                       kx_journal_tx *out);

/*
 * kx_journal_list - transactions, newest first; open_only restricts to
 * status OPEN; session (NULL: all) restricts to one session. Fills up to
 * max entries of out; *n_out gets the count.
 */
kx_err kx_journal_list(kx_journal *j, int open_only, const char *session, kx_journal_tx *out,
                       size_t max, size_t *n_out);

/* kx_journal_open_sessions - ids of sessions without an outcome, oldest
 * first, up to max. */
kx_err kx_journal_open_sessions(kx_journal *j, char (*ids)[KX_JOURNAL_ID_MAX], size_t max,
                                size_t *n_out);

/* kx_journal_count_open - number of OPEN transactions. */
kx_err kx_journal_count_open(kx_journal *j, int64_t *out);

/* Spool: scans held for the RA. */
kx_err kx_journal_spool_add(kx_journal *j, const char *session, const char *doc,
                            const char *path);
/* kx_journal_spool_ack - the RA acknowledged path: the file is deleted and
 * its row removed. */
kx_err kx_journal_spool_ack(kx_journal *j, const char *path);
/* kx_journal_spool_purge_session - delete every spooled file of a session
 * (cancelled or ended sessions: nothing is kept). */
kx_err kx_journal_spool_purge_session(kx_journal *j, const char *session);
/* kx_journal_spool_reassign - the spooled file path now belongs to session
 * (a seal sheet a crashed session scanned, reused by the next one). */
kx_err kx_journal_spool_reassign(kx_journal *j, const char *path, const char *session);
/* kx_journal_spool_list - paths spooled for a session (NULL: all). */
kx_err kx_journal_spool_list(kx_journal *j, const char *session,
                             char (*paths)[KX_JOURNAL_TEXT_MAX], size_t max, size_t *n_out);

/* ---- staff actions (assisted mode and maintenance, docs/protocol.md) ---- */

/* One thing a staff member did: who, what, when, why. Never a PIN. */
typedef struct kx_journal_staff_action {
    int64_t id;
    int64_t at;                       /* Unix seconds (0 on record: now) */
    char staff_id[KX_JOURNAL_ID_MAX]; /* [staff:ID], or "uid:N" without staff members */
    char role[16];                    /* staff, admin */
    char action[KX_JOURNAL_ID_MAX];   /* login, approve, override, refund, selftest ... */
    char session[KX_JOURNAL_ID_MAX];  /* customer session concerned, "" */
    int64_t tx_id;                    /* transaction concerned, 0 */
    char reason[KX_JOURNAL_TEXT_MAX]; /* why (required for overrides) */
    char detail[KX_JOURNAL_TEXT_MAX]; /* what exactly (masked data only) */
    char outcome[KX_JOURNAL_ID_MAX];  /* ok, refused, KX_ERR_... */
} kx_journal_staff_action;

/* kx_journal_staff_record - append one staff action (durable on return);
 * *id_out (may be NULL) gets its id. */
kx_err kx_journal_staff_record(kx_journal *j, const kx_journal_staff_action *a,
                               int64_t *id_out);

/* kx_journal_staff_list - staff actions at or after since (Unix seconds),
 * newest first, up to max. */
kx_err kx_journal_staff_list(kx_journal *j, int64_t since, kx_journal_staff_action *out,
                             size_t max, size_t *n_out);

/* Sessions counted by service and outcome ("open" while unfinished). */
typedef struct kx_journal_count {
    char service[KX_JOURNAL_ID_MAX];
    char outcome[KX_JOURNAL_ID_MAX];
    int64_t count;
} kx_journal_count;

/* kx_journal_session_counts - sessions created in [since, until). */
kx_err kx_journal_session_counts(kx_journal *j, int64_t since, int64_t until,
                                 kx_journal_count *out, size_t max, size_t *n_out);

/* kx_journal_list_kind - transactions of one kind created in [since,
 * until), oldest first, up to max. */
kx_err kx_journal_list_kind(kx_journal *j, const char *kind, int64_t since, int64_t until,
                            kx_journal_tx *out, size_t max, size_t *n_out);

#endif
