/* SPDX-License-Identifier: MIT */
/*
 * engine_internal.h - the one internal header of kioskd: the structs its
 * parts share and every function one engine file calls in another. Not a
 * public header: only the sources of kiosk/engine include it.
 *
 * Two sides, one boundary (docs/ARCHITECTURE.md, "Jobs are messages"):
 *
 *   main loop   owns struct kx_engine: the session, the clients, the staff
 *               session, the timers. Only the main loop's thread reads or
 *               writes it, so it needs no lock.
 *   jobs        run one at a time on a worker thread. A job is
 *                   kx_err job(kx_worker *w, const kx_job_input *in,
 *                              kx_job_result *out)
 *               It reads a copy of the session (in), uses what the worker
 *               lends it (devices, RA link, journal, configuration), and
 *               fills a result. It never sees struct kx_engine. Progress
 *               and the result go back to the main loop as messages
 *               (kx_worker_progress, the job runner posts the result), and
 *               the main loop alone applies them to the session.
 *
 * Dependency direction: a file calls only files listed above it, so no two
 * engine files call each other (tests/engine/callgraph.sh checks it on the
 * built library):
 *
 *   flow.c, journal.c, certinfo.c, core/clock.h   below the engine
 *   worker.c         the jobs' runtime: mailbox, cancel, progress, write-
 *                    ahead steps, crash points
 *   staff_record.c   the record of staff actions (any thread)
 *   agreement.c, hall.c, revoke_pick.c, jobs_form.c   helpers that call no
 *                    engine file: the agreement's text, the halls, the
 *                    revocation choices, the application form's fields
 *   jobs_sm2.c       the SM2 pair's install steps (-> worker)
 *   jobs_revoke.c    the revocation jobs (-> worker)
 *   jobs_token.c, jobs_idcard.c   device jobs (-> worker, jobs_sm2)
 *   jobs_docs.c      page checks and a case's documents (-> worker,
 *                    jobs_token, jobs_form, agreement)
 *   jobs_devices.c   scanner jobs (-> worker, jobs_docs)
 *   jobs_seal.c      the seal sheet's journal and takeover (-> worker,
 *                    jobs_devices)
 *   devices.c        the worker's device handles (-> jobs_token)
 *   recovery.c       compensation and recovery (-> worker, jobs_token)
 *   jobs.c           RA and payment jobs, the job table, the job thread
 *   jobs_print.c     the print thread: receipts, forms, summary (its own
 *                    thread and RA link; -> nothing above but the drivers)
 *                    (-> worker, staff_record, every job file, recovery)
 *   ---- the main loop's side: no file above this line calls into it ----
 *   print.c          the session's receipt and forms, print state and
 *                    intents (-> jobs_print)
 *   state.c          the published state, read from the engine
 *   clients.c        output queues, publish (-> state)
 *   session.c        the customer's session; starts jobs, applies their
 *                    messages (-> jobs, worker, devices, clients, state)
 *   staff_session.c  staff login, idle logout, authorisation
 *                    (-> staff_record, clients)
 *   staff_actions.c  assisted mode on the session, staff intents
 *                    (-> session, staff_session, staff_record, recovery)
 *   maintenance.c    self-tests, summary, logs, configuration, metrics
 *                    (-> staff_session, staff_record, device jobs' self-tests)
 *   print_staff.c    staff reprint, printed summary (-> print, maintenance)
 *   staff_cmds.c     the staff request table (-> the three above)
 *   server.c         the socket (-> staff_cmds, staff_actions, session,
 *                    staff_session, clients, state)
 *   engine.c         settings, the main loop, create/destroy (-> all)
 */
#ifndef KX_ENGINE_INTERNAL_H
#define KX_ENGINE_INTERNAL_H

#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/secbuf.h"
#include "docs/docs.h"
#include "domain/phone.h"
#include "domain/services.h"
#include "engine/engine.h"
#include "engine/flow.h"
#include "engine/journal.h"
#include "printer/printer.h"
#include "proto/protocol.h"
#include "scanner/scanner.h"
#include "staff/staff.h"

#define KX_SESSION_ID_MAX 64
#define KX_MAX_PREVIEWS 8
#define KX_MAX_SEAL_CELLS 6
#define KX_TEXT 256

struct kx_ra;
struct kx_payment;
struct kx_scanner;
struct kx_idcard_reader;
struct kx_token_devices;
struct kx_token_certs;
struct kx_staff_mode;
struct kx_ra_cert_list;
struct kx_parse_client;

/* ==== shared data ==== */

typedef struct kx_preview {
    char doc[32];
    char path[512];
    int width, height;
} kx_preview;

typedef struct kx_state_seal_cell {
    char row[24];
    int cell;
    char verdict[24];
    const char *msgid;
} kx_state_seal_cell;

/* who did a staff action: [staff:ID] id (or "uid:N"/"conn:staff" when no
 * members are configured) and role ("staff", "admin") */
typedef struct kx_staff_actor {
    char id[KX_JOURNAL_ID_MAX];
    char role[16];
} kx_staff_actor;

/* One customer at the kiosk. Personal data lives here only while the
 * session runs and is wiped when it ends. Main loop only. */
typedef struct kx_session {
    int active;
    char id[KX_SESSION_ID_MAX];
    kx_service service;
    const kx_flow *flow;
    kx_flow_pos pos;

    /* what the error screen shows */
    kx_err error;
    int error_retryable;
    char error_arg[64];      /* e.g. tries left */
    const char *error_msgid; /* static msgid shown instead of the error's own, or NULL */
    /* static msgids for the error's {seen}, {wanted} (a document step) */
    const char *error_seen, *error_wanted;
    kx_err carry_error; /* from a job: shown on the state its outcome leads to */

    /* certificate on the inserted UKEY */
    int have_cert;
    char cert_company[KX_TEXT], cert_uscc[20], cert_subject[512], cert_serial[84];
    char cert_not_after[16];
    long cert_days_left;
    char cert_enc_serial[84], cert_enc_not_after[16]; /* SM2 pair's encryption cert, "" */
    char token_serial[64];

    /* enterprise (licence + RA) */
    int have_company;
    char uscc[20], company_name[KX_TEXT], company_legal_rep[KX_TEXT], company_address[512];

    /* agent (ID card); idnum never logged, never journaled */
    int have_agent;
    char agent_name[KX_TEXT], agent_idnum[20], agent_idnum_masked[20], agent_valid_to[16];
    int agent_age;

    char phone[KX_PHONE_MAX + 1], email[128]; /* phone canonical (domain/phone.h) */
    int64_t agreement_at;

    /* money and RA case */
    int have_fee;
    int64_t fee_fen;
    char case_id[72], order_id[72], qr_text[512];
    int64_t order_expires_at;

    kx_preview previews[KX_MAX_PREVIEWS];
    int n_previews;
    kx_state_seal_cell seal_cells[KX_MAX_SEAL_CELLS];
    int n_seal_cells;
    int seal_upside_down; /* the seal sheet lay upside down on the glass */
    int n_seals;          /* electronic seals written onto the UKEY (done screen) */
    char seals_until[16]; /* their end of validity, YYYY-MM-DD */
    char current_doc[32];

    int revoke_reason; /* kx_ra_revoke_reason value */
    int revoke_with_ukey;
    /* revocation without the UKEY (revoke_pick.c): the enterprise's valid
     * certificates from the RA (malloc, ~64 KiB), the one picked or all */
    struct kx_ra_cert_list *revoke_certs;
    char revoke_pick[84];
    int revoke_all;

    kx_secbuf *pin;     /* current PIN, until a job takes it */
    kx_secbuf *new_pin; /* new PIN, until a job takes it */
    int tries_left;     /* -1 unknown */

    char new_serial[84];
    double progress; /* -1 none */

    kx_secbuf *so_pin;  /* unlock secret released by the RA, until a job takes it */
    unsigned char *csr; /* PKCS#10 from the token (malloc) */
    size_t csr_len;
    unsigned char *csr_sig; /* old key's signature over the CSR (renew) */
    size_t csr_sig_len;
    char *cert_pem, *chain_pem; /* issued certificate (malloc) */
    int64_t review_started_ms;

    /* who approved the case on review_wait, for the staff_approval job */
    kx_staff_actor approver;
    char approve_reason[208];
} kx_session;

typedef struct kx_engine_settings {
    char state_dir[1024];
    char spool_dir[1100];
    char socket_path[108];
    int timeout_percent; /* scales every step timeout */
    long poll_ms;        /* payment / review poll interval */
    char ui_users[256];  /* comma-separated names or uids */
    char staff_users[256];
    char lang[8];
} kx_engine_settings;

/* ==== the job side ==== */

/* The devices and RA link jobs use. One job at a time uses them; the main
 * loop touches them only while no job runs (self-tests, staff retry, the
 * end of a session). Opened and closed by devices.c; the scanner and the
 * ID reader are opened by their jobs on first use. */
typedef struct kx_devices {
    struct kx_ra *ra;           /* NULL without [ra] url */
    struct kx_payment *payment; /* NULL without the RA */
    kx_scanner_config scan_cfg;
    struct kx_scanner *scanner;      /* NULL until first used */
    struct kx_idcard_reader *idcard; /* NULL until first used */
    struct kx_token_devices *token;  /* jobs_token.c's state */
    /* kiosk-parse: decodes what comes from outside (the licence's QR, the
     * seal sheet) in a process without secrets (docs/security.md, finding
     * 5); restarted by itself after a crash */
    struct kx_parse_client *parse;
} kx_devices;

/*
 * kx_job_input - what a job may read: a copy of the session's fields,
 * taken by the main loop when the job starts (kx_session_job_input). The
 * job owns the copy; the job runner frees it (kx_job_input_clear) and
 * wipes it. Secrets a job consumes (pin, new_pin, so_pin) are moved out of
 * the session into it, never copied.
 */
typedef struct kx_job_input {
    kx_job job;                      /* KX_JOB_COUNT: recovery of every open session */
    char session[KX_SESSION_ID_MAX]; /* "" when no session is active */
    kx_service service;
    char current_doc[32];

    int have_cert; /* the certificate read from the customer's UKEY */
    char cert_company[KX_TEXT], cert_uscc[20], cert_serial[84];
    char token_serial[64];

    int have_company;
    char uscc[20], company_name[KX_TEXT], company_address[512];

    char agent_name[KX_TEXT], agent_idnum[20]; /* idnum: never logged */
    char phone[KX_PHONE_MAX + 1], email[128];  /* phone canonical (domain/phone.h) */
    int64_t agreement_at;

    char case_id[72], order_id[72];
    int64_t fee_fen, order_expires_at, review_started_ms;
    int revoke_reason;
    int revoke_with_ukey;
    char revoke_pick[84]; /* without the UKEY: the serial picked, or all */
    int revoke_all;

    char new_serial[84];
    char *cert_pem;     /* issued certificate (malloc'd copy) or NULL */
    unsigned char *csr; /* malloc'd copy or NULL */
    size_t csr_len;
    unsigned char *csr_sig; /* malloc'd copy or NULL */
    size_t csr_sig_len;

    kx_staff_actor approver; /* staff_approval: who approved, and why */
    char approve_reason[208];

    kx_secbuf *pin, *new_pin, *so_pin; /* moved in for the jobs that use them */
} kx_job_input;

/* what a kx_job_result carries besides its outcome (bits of .parts) */
enum {
    KX_JR_CASE = 1u << 0,          /* case_id: the RA case of the session */
    KX_JR_REVIEW_START = 1u << 1,  /* review_started_ms */
    KX_JR_CARRY_ERROR = 1u << 2,   /* carry_error, error_msgid */
    KX_JR_FEE = 1u << 3,           /* fee_fen (the RA's) */
    KX_JR_ORDER = 1u << 4,         /* order_id, qr_text, order_expires_at */
    KX_JR_ISSUED = 1u << 5,        /* new_serial, cert_pem, chain_pem */
    KX_JR_COMPANY = 1u << 6,       /* company_name, legal_rep, address */
    KX_JR_SO_PIN = 1u << 7,        /* so_pin (moved into the session) */
    KX_JR_SEAL_CELLS = 1u << 8,    /* seal_cells replace the session's */
    KX_JR_PREVIEWS = 1u << 9,      /* previews appended to the session's */
    KX_JR_USCC = 1u << 10,         /* uscc read from the licence */
    KX_JR_AGENT = 1u << 11,        /* agent_* from the ID card */
    KX_JR_TOKEN_SERIAL = 1u << 12, /* token_serial */
    KX_JR_BLANK_SERIAL = 1u << 13, /* token_serial, only when the session has none */
    KX_JR_CERT = 1u << 14,         /* cert_*: the certificate on the UKEY */
    KX_JR_TRIES_LEFT = 1u << 15,   /* tries_left */
    KX_JR_CSR = 1u << 16,          /* csr, csr_sig replace the session's */
    KX_JR_REVOKE_CERTS = 1u << 17, /* revoke_certs (moved into the session) */
    KX_JR_SEALS = 1u << 18,        /* n_seals, seals_until: the seals on the UKEY */
};

/*
 * kx_job_result - what a job hands back. The job sets rc (through its
 * return value), ev (KX_EV_JOB_OK unless it says KX_EV_JOB_ALT) and the
 * parts it produced; the main loop applies the parts to the session the
 * job was started for (even when the job failed: a wrong PIN still says
 * how many tries are left), and the event only while the job's state is
 * still the current one. Heap members move into the session; the rest is
 * freed and wiped by kx_job_result_free.
 */
typedef struct kx_job_result {
    kx_job job;
    unsigned gen;                    /* the main loop's job generation at start */
    char session[KX_SESSION_ID_MAX]; /* the session it was started for */
    kx_err rc;
    kx_event ev;
    char detail[256]; /* kx_err_detail() of a failure, for the log */
    unsigned parts;   /* KX_JR_* */

    char case_id[72];
    int64_t review_started_ms;
    kx_err carry_error;
    const char *error_msgid;               /* static msgid */
    const char *error_seen, *error_wanted; /* static msgids: a document step's page */
    int64_t fee_fen;
    char order_id[72], qr_text[512];
    int64_t order_expires_at;
    char new_serial[84];
    char *cert_pem, *chain_pem; /* malloc */
    char company_name[KX_TEXT], company_legal_rep[KX_TEXT], company_address[512];
    kx_secbuf *so_pin;
    kx_state_seal_cell seal_cells[KX_MAX_SEAL_CELLS];
    int n_seal_cells;
    int seal_upside_down; /* with KX_JR_SEAL_CELLS */
    int n_seals;          /* with KX_JR_SEALS */
    char seals_until[16];
    kx_preview previews[KX_MAX_PREVIEWS];
    int n_previews;
    char uscc[20];
    char agent_name[KX_TEXT], agent_idnum[20], agent_idnum_masked[20], agent_valid_to[16];
    int agent_age;
    char token_serial[64];
    char cert_company[KX_TEXT], cert_uscc[20], cert_subject[512], cert_serial[84];
    char cert_not_after[16];
    long cert_days_left;
    char cert_enc_serial[84], cert_enc_not_after[16]; /* SM2 pair's encryption cert, "" */
    int tries_left;
    unsigned char *csr, *csr_sig; /* malloc */
    size_t csr_len, csr_sig_len;
    struct kx_ra_cert_list *revoke_certs; /* malloc */
} kx_job_result;

/*
 * kx_worker - everything a job may touch besides its input and result.
 * Created by the engine; the job thread gets a pointer. Configuration,
 * settings, rules, fees and the staff members are read-only while jobs
 * run; the journal locks itself; dev is the job's alone while it runs.
 */
typedef struct kx_worker {
    const kx_config *cfg;
    const kx_engine_settings *set;
    const kx_rules *rules;
    const kx_fees *fees;
    const struct kx_staff_db
        *staff_db; /* staff UKEYs a customer's session skips; may be NULL */
    kx_journal *journal;
    kx_devices *dev;

    volatile int cancel; /* set by the main loop: the job's state was left */
    unsigned gen;        /* generation of the running job (set before it starts) */

    /* the mailbox (worker.c): messages to the main loop */
    int wake_fd; /* written after each message: the main loop polls its other end */
    pthread_mutex_t mu;
    struct kx_job_msg *head, *tail;
} kx_worker;

typedef kx_err (*kx_job_fn)(kx_worker *w, const kx_job_input *in, kx_job_result *out);

/* a message from the worker thread to the main loop */
typedef struct kx_job_msg {
    struct kx_job_msg *next;
    unsigned gen;
    int is_result;         /* 1: result (the job ended), 0: progress */
    double progress;       /* 0..1 */
    kx_job_result *result; /* owned by the message */
} kx_job_msg;

/* ---- worker.c ---- */

/* kx_worker_init - the mailbox; wake_fd is the write end of the main
 * loop's wake-up pipe. kx_worker_fini frees undelivered messages. */
kx_err kx_worker_init(kx_worker *w, int wake_fd);
void kx_worker_fini(kx_worker *w);
/* kx_worker_post - queue msg for the main loop (takes ownership) and wake it.
 * Any thread. */
void kx_worker_post(kx_worker *w, kx_job_msg *msg);
/* kx_worker_take - the queued messages, oldest first (a list the caller
 * frees with kx_job_msg_free). Main loop. */
kx_job_msg *kx_worker_take(kx_worker *w);
void kx_job_msg_free(kx_job_msg *m);
/* kx_worker_progress - tell the main loop how far the running job got
 * (0..1). Job thread. */
void kx_worker_progress(kx_worker *w, double progress);
/* kx_worker_cancelled - 1 once the main loop told the job to stop */
int kx_worker_cancelled(const kx_worker *w);
/* kx_worker_sleep - sleep ms in small steps; 1 when told to stop */
int kx_worker_sleep(kx_worker *w, long ms);
/* kx_worker_need_ra - KX_OK when the RA and payment handles exist, else
 * KX_ERR_UNSUPPORTED with detail */
kx_err kx_worker_need_ra(const kx_worker *w);
/* kx_job_input_clear / kx_job_result_free - wipe and free (NULL-safe) */
void kx_job_input_clear(kx_job_input *in);
void kx_job_result_free(kx_job_result *r);

/* journaled steps (write ahead): kx_step_begin records the intent with a
 * fresh idempotency key, or reuses an OPEN one (and a DONE one when
 * reuse_done) of the same kind and ref; kx_step_end records the outcome
 * unless it is unknown (then the intent stays open for the retry). */
typedef struct kx_step {
    int64_t tx;
    char key[72];
    int already_done; /* a DONE transaction of the same kind and ref */
    char result[KX_JOURNAL_TEXT_MAX];
} kx_step;
kx_err kx_step_begin(kx_journal *j, const char *session, const char *kind, const char *ref,
                     int64_t amount_fen, int reuse_done, kx_step *st);
void kx_step_end(kx_journal *j, const char *kind, kx_step *st, kx_err rc, const char *result);

/* fault injection for crash tests: if KX_CRASH_AT equals "kind:phase",
 * SIGKILL this process. phase: intent, effect, outcome. */
void kx_crash_point(const char *kind, const char *phase);

/* ---- staff_record.c: the record of staff actions (any thread) ---- */

/* kx_staff_record - journal (staff_actions) and log one staff action.
 * Touches only the journal (which locks itself) and the log, so a job may
 * call it too (the staff_approval job records the RA's answer). */
void kx_staff_record(kx_journal *j, const kx_staff_actor *a, const char *action,
                     const char *session, int64_t tx_id, const char *reason, const char *detail,
                     const char *outcome);
/* copy text for a log line or the journal: no quotes, no control bytes */
void kx_staff_clean_text(const char *in, char *out, size_t outsz);

/* ---- jobs_token.c: the UKEY jobs ---- */

kx_err kx_token_devices_open(const kx_config *cfg, struct kx_token_devices **out);
void kx_token_devices_close(struct kx_token_devices *t);
/* the session ended: close its token handles (logs out) */
void kx_token_devices_reset(struct kx_token_devices *t);
kx_err kx_job_token_wait(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_token_read_cert(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_pin_verify(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_blank_wait(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_token_set_pin(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_token_reset_pin(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_keygen(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_install(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_remove_old(kx_worker *w, const kx_job_input *in, kx_job_result *out);
/* recovery: is the certificate with this serial on a token we can reach?
 * Install it from PEM when possible. KX_ERR_TOKEN_ABSENT otherwise. */
kx_err kx_device_finish_install(kx_worker *w, const char *token_serial, const char *cert_pem,
                                const char *chain_pem);
/* self-test (idle kiosk, main loop): serials of the tokens present */
kx_err kx_device_selftest_tokens(kx_worker *w, char (*serials)[40], size_t max, size_t *n);

/* ---- jobs_idcard.c ---- */

kx_err kx_job_idcard_read(kx_worker *w, const kx_job_input *in, kx_job_result *out);
/* self-test (idle kiosk, main loop): the reader's SAM */
kx_err kx_device_selftest_idcard(kx_worker *w);

/* ---- jobs_devices.c: scanner and imaging jobs ---- */

kx_err kx_job_licence_scan(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_doc_scan(kx_worker *w, const kx_job_input *in, kx_job_result *out);
kx_err kx_job_seal_scan(kx_worker *w, const kx_job_input *in, kx_job_result *out);
/* self-test (idle kiosk, main loop): a test scan saved as a PNG in the
 * spool (path, size) */
kx_err kx_device_selftest_scan(kx_worker *w, char *path, size_t pathsz, int *width,
                               int *height);

/* ---- devices.c ---- */

/* open the RA link and the payment driver ([ra] url), read the scanner's
 * configuration, prepare the token state. KX_ERR_CONFIG etc. with detail. */
kx_err kx_devices_open(const kx_config *cfg, kx_devices **out);
void kx_devices_close(kx_devices *d);
/* the session ended and no job runs: log out of and close its tokens */
void kx_devices_session_end(kx_devices *d);

/* ---- recovery.c ---- */

/* compensate or finish one session's transactions (job thread, or the
 * main loop while no job runs). live: the session is the current one (its
 * token may still be inserted). */
kx_err kx_recover_session(kx_worker *w, const char *session_id, int live);
/* the compensate job: kx_recover_session of the input's session, live */
kx_err kx_job_compensate(kx_worker *w, const kx_job_input *in, kx_job_result *out);
/* the recovery job: every open session of the journal but the input's */
kx_err kx_job_recover_all(kx_worker *w, const kx_job_input *in, kx_job_result *out);
/* kx_recover_pin_pending - open sessions of an SM2 site whose pair the RA
 * issued and whose install waits (recovery could not write it without the
 * customer's PIN), up to max, oldest first */
kx_err kx_recover_pin_pending(kx_worker *w, kx_journal_session *out, size_t max, size_t *n);
/* kx_recover_pin_pending_present - (idle main loop, no job running) such
 * a session whose UKEY is in the kiosk now: *present 1 and *out. skip (or
 * NULL) is a session already offered: not returned while its UKEY stays
 * in; *skip_gone 1 once its UKEY is out or it no longer waits */
kx_err kx_recover_pin_pending_present(kx_worker *w, const char *skip, kx_journal_session *out,
                                      int *present, int *skip_gone);
/* the resume flow's job: the PIN (moved in) logs in on the session's UKEY,
 * then the session's pair is installed and its transactions closed */
kx_err kx_job_sm2_resume(kx_worker *w, const kx_job_input *in, kx_job_result *out);

/* ---- jobs_revoke.c: revocation without the UKEY, the job side ---- */

/* the enterprise's valid certificates (an SM2 pair as its signature
 * certificate) into the result; ALT when the revocation uses the UKEY */
kx_err kx_job_ra_cert_list(kx_worker *w, const kx_job_input *in, kx_job_result *out);
struct kx_ra_revocation_request;
/* the revocation a revoke case carries when the agent picked certificates
 * without the UKEY: 1 and *rr filled (its serial list points to *serial,
 * which points into in), else 0 */
int kx_revoke_request_fill(const kx_job_input *in, struct kx_ra_revocation_request *rr,
                           const char **serial);
/* the revoke job without the UKEY: the approved case's revocation was
 * carried out by the RA (KX_ERR_STATE otherwise); journaled as ra_revoke
 * with the case, the serials and the reason */
kx_err kx_revoke_case_check(kx_worker *w, const kx_job_input *in, const char *case_id);

/* ---- jobs_docs.c: the kiosk's own documents of a case ---- */

/* the application form (附件1) filled from the session, as a PDF into the
 * spool (kind application_form) for the case's upload; nothing for a
 * session without an agent */
kx_err kx_docs_spool_application_form(kx_worker *w, const kx_job_input *in);

/* ---- jobs.c: RA and payment jobs, the job table, the job thread ---- */

/* kx_job_start - run job on a new worker thread with in (moved: *in is
 * cleared) and w->gen = gen. When it ends, its result is posted to the
 * main loop (a kx_job_msg with is_result). *thread gets the thread to
 * join. KX_ERR_NO_MEMORY when no thread could be made (in is then freed). */
kx_err kx_job_start(kx_worker *w, kx_job_input *in, unsigned gen, pthread_t *thread);
/* the name of a job for the log ("recovery" for KX_JOB_COUNT) */
const char *kx_job_log_name(kx_job job);

/* ---- jobs_print.c: the print thread ---- */

/* what the print thread prints */
typedef enum kx_print_doc {
    KX_PRINT_RECEIPT = 0,
    KX_PRINT_SEAL_SHEET,
    KX_PRINT_AUTH_LETTER,
    KX_PRINT_TEST_PAGE,
    KX_PRINT_SUMMARY,
    KX_PRINT_STATUS, /* nothing printed: the idle printer's condition (outputs only) */
} kx_print_doc;

/* a print request: a copy of everything printed (the main loop fills it;
 * the thread owns, wipes and frees it) */
typedef struct kx_print_input {
    unsigned id; /* the main loop's request number */
    kx_print_doc doc;
    char session[KX_SESSION_ID_MAX]; /* "" for staff prints */
    kx_receipt receipt;              /* RECEIPT */
    char order_id[72];               /* RECEIPT: read the order's details first */
    int only_refunded;               /* RECEIPT: nothing unless the order was refunded */
    kx_auth_letter letter;           /* AUTH_LETTER (agent_idnum: wiped with it) */
    int letter_blank;
    kx_test_page test_page;   /* TEST_PAGE */
    kx_daily_summary summary; /* SUMMARY */
} kx_print_input;

/* its outcome (a list the main loop takes and frees) */
typedef struct kx_print_output {
    struct kx_print_output *next;
    unsigned id;
    kx_print_doc doc;
    char session[KX_SESSION_ID_MAX];
    kx_err rc;              /* KX_ERR_UNSUPPORTED: printing is disabled */
    int printed;            /* the job completed */
    int skipped;            /* only_refunded and not refunded: nothing printed */
    kx_printer_state state; /* the printer's condition at the end */
    int job_id;
    char detail[256];
    kx_receipt receipt; /* RECEIPT: as printed, with the order's details */
} kx_print_output;

typedef struct kx_print_worker kx_print_worker;
/* kx_print_worker_open - read [printer] and start the thread; it writes
 * wake_fd after each outcome. KX_ERR_CONFIG with detail. */
kx_err kx_print_worker_open(const kx_config *cfg, int wake_fd, kx_print_worker **out);
/* stop the thread (a print under way ends within its bound) and free */
void kx_print_worker_close(kx_print_worker *pw);
const kx_printer_config *kx_print_worker_config(const kx_print_worker *pw);
/* queue in (ownership taken, also on failure); KX_ERR_BUSY when full */
kx_err kx_print_worker_submit(kx_print_worker *pw, kx_print_input *in);
/* the outcomes so far, oldest first; free with kx_print_output_free */
kx_print_output *kx_print_worker_take(kx_print_worker *pw);
void kx_print_input_free(kx_print_input *in);
void kx_print_output_free(kx_print_output *out);
/* render in->doc and print it on p (bounded by [printer] timeout_s); the
 * outcome in *out (rc, printed, state, job_id, detail) */
kx_err kx_print_document(kx_printer *p, const kx_printer_config *conf, const kx_print_input *in,
                         kx_print_output *out);

/* ==== the main loop's side ==== */

#define KX_SERVER_REFUSING 8 /* refused peers being closed at once */
#define KX_CLIENT_FDS 8      /* previews' descriptors waiting to go out */
#define KX_CLIENT_SENT 32    /* previews a connection was given (their keys) */

typedef struct kx_client {
    int fd;
    kx_role role; /* granted by SO_PEERCRED */
    int said_hello;
    int bad; /* consecutive bad messages */
    uid_t uid;
    pid_t pid;
    struct kx_line_reader *reader;
    char *out; /* queued output */
    size_t out_len, out_cap;
    int closing;          /* 1: flush, half-close, discard input until EOF; 2: close now */
    int64_t linger_until; /* end of the discard phase (monotonic ms) */
    int screen;           /* the uid is one of [engine] ui_users */
    /* idle connections (server.c; monotonic ms, 0: none) */
    int64_t last_in_ms;       /* the last byte received */
    int64_t partial_since_ms; /* a line begun and not ended since */
    int64_t stuck_since_ms;   /* output waiting, unread since */
    /* previews passed to the screen (clients.c): descriptors riding on the
     * first byte of the line at fd_at (offsets into out), and the keys of
     * the files this connection has */
    int fds[KX_CLIENT_FDS];
    size_t fd_at[KX_CLIENT_FDS];
    int n_fds;
    uint64_t sent[KX_CLIENT_SENT];
    int n_sent;
} kx_client;

/* Main loop only: no job thread ever sees it. */
struct kx_engine {
    const kx_config *cfg;
    kx_engine_settings set;
    kx_fees fees;
    kx_rules rules;
    kx_journal *journal;
    kx_worker worker; /* what jobs may touch; worker.dev: the devices */

    int wake_pipe[2];
    volatile int stop;

    int listen_fd;
    int64_t client_idle_ms; /* [engine] client_idle_seconds */
    kx_client clients[KX_PROTO_MAX_CLIENTS];
    /* refused peers: no client slot; their error is read, then closed
     * within KX_SERVER_REFUSE_MS (server.c) */
    int refusing[KX_SERVER_REFUSING];
    int64_t refusing_until[KX_SERVER_REFUSING];

    kx_session s;
    char lang[8];
    int64_t rev;
    int recovering;
    int out_of_service;
    char oos_reason[128];
    int64_t started_ms;
    unsigned session_counter;

    /* the step timer (monotonic ms; 0 = none) */
    int64_t deadline_ms;
    int timeout_total_s;

    /* the running job */
    int job_running;   /* a job was started and its result not yet applied */
    int job_no_thread; /* ... it failed to start: nothing to join */
    pthread_t job_thread;
    int worker_ready;       /* kx_worker_init done */
    unsigned job_gen;       /* generation of the job for the current state */
    unsigned job_run_gen;   /* generation the worker was started for */
    kx_job job_kind;        /* job of the current state (pending start) */
    kx_job job_worker_kind; /* job the worker runs */
    char job_detail[256];   /* kx_err_detail() of the last failed job, for the log */
    int job_pending;        /* start a job when the running one is joined */
    int recovery_pending;   /* run recovery when the kiosk is idle */
    /* an SM2 pair waiting for its UKEY's PIN (session.c): the session
     * last offered the resume flow (not again while its UKEY stays in),
     * and when the idle kiosk looks for such a UKEY next (monotonic ms) */
    char resume_offered[KX_SESSION_ID_MAX];
    int64_t resume_next_ms;
    int metrics_dirty; /* a transaction ended: the metrics file is due */

    struct kx_staff_mode *staff; /* assisted mode, maintenance, metrics */
    struct kx_print *print;      /* print.c: receipts and forms */
    struct kx_hall *hall;        /* hall.c: this kiosk's hall; NULL without [kiosk] site */
};

/* ---- print.c: the session's receipt and forms (callers publish) ---- */

typedef struct kx_print kx_print;
/* start the print thread, read the hall (sites.conf). KX_ERR_CONFIG */
kx_err kx_print_open(kx_engine *e);
void kx_print_close(kx_engine *e);
int kx_print_enabled(const kx_engine *e);
/* the session reached done (cancelled 0) or cancelled (1): its receipt */
void kx_print_session_end(kx_engine *e, int cancelled);
/* apply the print thread's outcomes; 1 when the state changed */
int kx_print_messages(kx_engine *e);
/* print_again, print_form */
int kx_print_is_intent(kx_intent intent);
kx_err kx_print_intent(kx_engine *e, kx_intent intent, json_t *msg);
/* the state's "print" member, and the print intents now accepted */
void kx_print_state_json(kx_engine *e, json_t *state);
void kx_print_intents(kx_engine *e, json_t *intents);
/* staff: the last receipt again; the day's summary; the printer's self-test
 * (test page, on the idle kiosk) into result's "printer" member */
kx_err kx_print_reprint_last(kx_engine *e, json_t **result);
kx_err kx_print_summary(kx_engine *e, const kx_daily_summary *sum);
kx_err kx_print_selftest(kx_engine *e, json_t *result);

/* ---- state.c: the published state ---- */

/* the revoke reasons a customer may choose: ids (NULL-terminated) and
 * their kx_ra_revoke_reason codes */
extern const char *const kx_revoke_reason_ids[];
extern const int kx_revoke_reason_codes[];
/* the state as JSON; new reference */
json_t *kx_state_json(kx_engine *e);
/* screen texts */
const char *kx_screen_title(kx_screen screen, const char *doc, const char *activity);
const char *kx_error_action(kx_err code);
const char *kx_doc_msgid(const char *doc);

/* ---- revoke_pick.c: revocation without the UKEY, the main loop's side ---- */

/* the revoke_pick screen's choices: one per certificate, and "all" */
json_t *kx_revoke_pick_choices(const kx_session *s);
/* the state's "revoke" object (the list and the pick), null when the
 * revocation uses the UKEY or no list was read */
json_t *kx_revoke_pick_json(const kx_session *s);
/* the agent's choice: a serial of the list or "all" (KX_ERR_BAD_FORMAT) */
kx_err kx_revoke_pick_choose(kx_session *s, const char *value);

/* ---- hall.c: the hall this kiosk stands in ---- */

/* kx_hall_open - [kiosk] site from [kiosk] sites_file into e->hall (NULL
 * without a site). KX_ERR_CONFIG: the file or the site is wrong.
 * kx_hall_close frees it (NULL-safe). */
kx_err kx_hall_open(kx_engine *e);
void kx_hall_close(kx_engine *e);
/* the state's "hall": {id, name, address, counter, phone} in the
 * session's language, or null. New reference. */
json_t *kx_hall_json(const kx_engine *e);
/* the "go to the counter" text {msgid, args} with this hall's counter and
 * telephone, or null without a hall. New reference. */
json_t *kx_hall_counter_text(const kx_engine *e);

/* ---- clients.c: output to clients ---- */

/* queue one line (a newline is added); a client whose queue overflows is
 * marked for closing */
void kx_client_queue(kx_client *c, const char *line);
/* queue o as one compact JSON line; takes the reference */
void kx_client_send_json(kx_client *c, json_t *o);
/* kx_client_send_files - kx_client_send_json(), and to the screen's role
 * the files the message names ("path", "preview" in kioskd's spool) as
 * sealed read-only descriptors: "fd_id" names each, "fd": true marks one
 * this connection gets now (docs/protocol.md "Previews"). Takes o. */
void kx_client_send_files(kx_engine *e, kx_client *c, json_t *o);
/* publish the current state to every client that said hello */
void kx_engine_publish(kx_engine *e);
/* the slot of c in e->clients (its connection's number), -1 for a client
 * outside it (kx_server_feed's) */
int kx_client_slot(const kx_engine *e, const kx_client *c);

/* ---- session.c: the customer's session ---- */

/* a client's intent (not a staff intent); KX_ERR_STATE if not accepted now */
kx_err kx_session_intent(kx_engine *e, kx_intent intent, json_t *msg, kx_role role);
/* apply a flow event to the session */
kx_err kx_session_event(kx_engine *e, kx_event ev);
/* wipe and free the session's data (also its secrets) */
void kx_session_wipe(kx_session *s);
/* main loop: recovery of every open session, at start */
void kx_session_start_recovery(kx_engine *e);
/* main loop: apply the worker's messages (progress, results) */
void kx_session_job_messages(kx_engine *e);
/* main loop, every iteration: the step timer */
void kx_session_tick(kx_engine *e);

/* ---- staff mode: shared by staff_session.c, staff_actions.c, maintenance.c ---- */

#define KX_MAINT_DEV_COUNT 4 /* scanner, ID reader, token, RA */

struct kx_staff_mode {
    struct kx_staff_db *db;
    unsigned allowed; /* bits of staff_session.c's assisted actions */
    /* the open staff session (one per kiosk): staff_session.c writes it,
     * state.c and maintenance.c read it */
    int active;
    char id[KX_JOURNAL_ID_MAX];
    char name[128];
    kx_staff_role role;
    int64_t last_ms;
    int conn; /* the slot of the connection that opened it (-1 none): only
               * it may act, and assisted mode ends when it closes */
    /* maintenance.c */
    char log_file[1024];
    int health[KX_MAINT_DEV_COUNT]; /* last self-test: 1 ok, 0 failed, -1 never run */
    double ra_latency_ms;           /* last RA check, -1 none */
    char metrics_file[1024];
    int metrics_interval_s;
    int64_t metrics_next_ms;
    int metrics_dirty;
    /* staff_actions.c: counter payments' own RA link (the worker polls the
     * order meanwhile; a kx_ra handle is one thread's), opened on first use */
    struct kx_ra *ra;
    struct kx_payment *pay;
};

/* one staff request being handled: who asked (the connection), who is
 * acting (filled by the authorisation) and why */
typedef struct kx_staff_call {
    const char *cmd;
    kx_role conn_role;
    unsigned uid;
    int conn;             /* kx_client_slot() of the connection */
    kx_staff_actor actor; /* empty for the commands anyone may call */
    const char *reason;   /* "" when none was given */
} kx_staff_call;

/* a row's handler in staff_cmds.c's table: *result is a new reference */
typedef kx_err (*kx_staff_handler)(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                   json_t **result);

/* ---- staff_session.c: login, idle, authorisation, recording ---- */

/* kx_staff_mode_open - load [staff] (members, policy, allowed_actions)
 * into e->staff. KX_ERR_CONFIG with detail. kx_staff_mode_close frees it
 * (NULL-safe). */
kx_err kx_staff_mode_open(kx_engine *e);
void kx_staff_mode_close(kx_engine *e);
/* the staff members (read-only for jobs: staff UKEYs are never a customer's) */
const struct kx_staff_db *kx_staff_mode_db(const kx_engine *e);
/* 1 when [staff:ID] members exist (then staff actions need a login) */
int kx_staff_members(const kx_engine *e);
/* 1 while an admin is logged in (the screen may then read the journal) */
int kx_staff_mode_admin(const kx_engine *e);
/* kx_staff_authorize - may this connection do action now? Fills *a.
 * KX_ERR_PERMISSION with detail otherwise. Refreshes the idle timer. */
kx_err kx_staff_authorize(kx_engine *e, kx_role conn_role, unsigned uid, int conn,
                          const char *action, int need_admin, kx_staff_actor *a);
/* the login throttle's source for a call (its peer's uid) */
void kx_staff_source(const kx_staff_call *call, char *out, size_t outsz);
/* the acting member proves who they are again (the PIN in msg, or their
 * staff UKEY): KX_ERR_PERMISSION / KX_ERR_PIN_LOCKED with detail */
kx_err kx_staff_reauth(kx_engine *e, const kx_staff_call *call, json_t *msg);
/* a connection closed: assisted mode ends if it was opened there */
void kx_staff_conn_closed(kx_engine *e, int conn);
/* the reason a request or intent gives (*out, "" when none); a required
 * one must be 3..200 bytes: KX_ERR_BAD_FORMAT otherwise */
kx_err kx_staff_reason(json_t *msg, int required, const char **out);
kx_err kx_staff_req_login(kx_engine *e, const kx_staff_call *call, json_t *msg,
                          json_t **result);
kx_err kx_staff_req_login_token(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                json_t **result);
kx_err kx_staff_req_logout(kx_engine *e, const kx_staff_call *call, json_t *msg,
                           json_t **result);
/* main loop, every iteration: the idle logout */
void kx_staff_session_tick(kx_engine *e);

/* ---- staff_actions.c: assisted mode on the customer's session ---- */

kx_err kx_staff_req_manual_id(kx_engine *e, const kx_staff_call *call, json_t *msg,
                              json_t **result);
kx_err kx_staff_req_counter_paid(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                 json_t **result);
/* retry and refund (call->cmd says which) */
kx_err kx_staff_req_retry(kx_engine *e, const kx_staff_call *call, json_t *msg,
                          json_t **result);
kx_err kx_staff_req_actions(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result);
/* a staff intent on the screen (approve, reject, override, reset):
 * authorised, applied to the session, recorded */
kx_err kx_staff_intent(kx_engine *e, kx_intent intent, json_t *msg, const kx_client *c);
/* staff mode's own payment handle on its own RA link (main loop; never
 * the jobs'), opened on first use */
kx_err kx_staff_payment(kx_engine *e, struct kx_payment **out);
/* close the counter payments' RA link (NULL-safe) */
void kx_staff_actions_close(kx_engine *e);

/* ---- maintenance.c: the admin's requests, metrics ---- */

/* read [staff] log_file and [metrics] (file, interval_s). KX_ERR_CONFIG */
kx_err kx_maintenance_open(kx_engine *e);
kx_err kx_maint_req_selftest(kx_engine *e, const kx_staff_call *call, json_t *msg,
                             json_t **result);
kx_err kx_maint_req_summary(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result);
kx_err kx_maint_req_logs(kx_engine *e, const kx_staff_call *call, json_t *msg, json_t **result);
kx_err kx_maint_req_config(kx_engine *e, const kx_staff_call *call, json_t *msg,
                           json_t **result);
kx_err kx_maint_req_version(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result);
kx_err kx_maint_req_maintenance(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                json_t **result);
/* main loop, every iteration: the metrics file when due */
void kx_maintenance_tick(kx_engine *e);

/* ---- print_staff.c: the staff's print requests ---- */

kx_err kx_print_req_reprint(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result);
kx_err kx_print_req_summary(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result);

/* ---- staff_cmds.c: the staff request table ---- */

/* kx_staff_request - handle a staff or maintenance request; returns 0 when
 * cmd is not one of them, else 1 with *rc and *result (new reference). */
int kx_staff_request(kx_engine *e, const kx_client *c, const char *cmd, json_t *msg,
                     json_t **result, kx_err *rc);

/* ---- server.c: the socket ---- */

kx_err kx_server_listen(kx_engine *e);
void kx_server_close(kx_engine *e);
/* one poll iteration's worth of client I/O: fills pfd from index 2 on */
int kx_server_pollfds(kx_engine *e, struct pollfd *pfd, int max);
void kx_server_handle(kx_engine *e, struct pollfd *pfd, int n);
/* handle one received line as if client c sent it (fuzzing, tests) */
void kx_server_feed(kx_engine *e, kx_client *c, char *line, size_t len);

#endif
