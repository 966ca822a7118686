/* SPDX-License-Identifier: MIT */
/*
 * engine_internal.h - what the parts of kioskd share: the engine and
 * session structs, the job table, the publisher and the server. Not a
 * public header: only the sources of kiosk/engine include it.
 *
 * Locking: e->mu guards the session and the published state. The main
 * loop holds it while it steps the flow or builds a state; a job thread
 * holds it only to read its inputs and to store its results, never while
 * it talks to a device or the RA.
 */
#ifndef KX_ENGINE_INTERNAL_H
#define KX_ENGINE_INTERNAL_H

#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <sys/types.h>
#include <stdint.h>

#include "core/config.h"
#include "core/secbuf.h"
#include "domain/services.h"
#include "engine/engine.h"
#include "engine/flow.h"
#include "engine/journal.h"
#include "proto/protocol.h"

#define KX_SESSION_ID_MAX 64
#define KX_MAX_PREVIEWS 8
#define KX_MAX_SEAL_CELLS 6
#define KX_TEXT 256

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

/* One customer at the kiosk. Personal data lives here only while the
 * session runs and is wiped when it ends. */
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
    kx_err carry_error;      /* set by a job: shown on the state its outcome leads to */

    /* certificate on the inserted UKEY */
    int have_cert;
    char cert_company[KX_TEXT], cert_uscc[20], cert_subject[512], cert_serial[84];
    char cert_not_after[16];
    long cert_days_left;
    char token_serial[64];

    /* enterprise (licence + RA) */
    int have_company;
    char uscc[20], company_name[KX_TEXT], company_legal_rep[KX_TEXT], company_address[512];

    /* agent (ID card); idnum never logged, never journaled */
    int have_agent;
    char agent_name[KX_TEXT], agent_idnum[20], agent_idnum_masked[20], agent_valid_to[16];
    int agent_age;

    char phone[16], email[128];
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
    char current_doc[32];

    int revoke_reason; /* kx_ra_revoke_reason value */
    int revoke_with_ukey;

    kx_secbuf *pin;     /* current PIN, while needed */
    kx_secbuf *new_pin; /* new PIN, while needed */
    int tries_left;     /* -1 unknown */

    char new_serial[84];
    double progress; /* -1 none */

    kx_secbuf *so_pin;  /* unlock secret released by the RA, while needed */
    unsigned char *csr; /* PKCS#10 DER from the token (malloc) */
    size_t csr_len;
    unsigned char *csr_sig; /* old key's signature over the CSR (renew) */
    size_t csr_sig_len;
    char *cert_pem, *chain_pem; /* issued certificate (malloc) */
    int64_t review_started_ms;

    /* who approved the case on review_wait, for the staff_approval job */
    char approver_id[KX_JOURNAL_ID_MAX], approver_role[16], approve_reason[208];
} kx_session;

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
} kx_client;

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

struct kx_engine {
    const kx_config *cfg;
    kx_engine_settings set;
    kx_fees fees;
    kx_rules rules;
    kx_journal *journal;
    struct kx_devices *dev; /* jobs.c: driver handles, RA client */

    pthread_mutex_t mu;
    int wake_pipe[2];
    volatile int stop;

    int listen_fd;
    kx_client clients[KX_PROTO_MAX_CLIENTS];

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
    int job_running; /* a worker thread exists (not yet joined) */
    int job_done;    /* it finished; main loop joins */
    pthread_t job_thread;
    unsigned job_gen;       /* generation of the job for the current state */
    unsigned job_run_gen;   /* generation the worker was started for */
    kx_job job_kind;        /* job of the current state (pending start) */
    kx_job job_worker_kind; /* job the worker runs */
    kx_err job_rc;
    char job_detail[256]; /* kx_err_detail() of the worker, for the log */
    kx_event job_event;
    volatile int job_cancel; /* the worker should give up */
    int job_pending;         /* start a job when the running one is joined */
    int recovery_pending;    /* run recovery when the kiosk is idle */

    struct kx_staff_mode *staff; /* staff_mode.c: assisted mode, maintenance, metrics */
};

/* engine.c */
int64_t kx_now_ms(void);
void kx_engine_wake(kx_engine *e);
/* publish the current state to every subscribed client (lock held) */
void kx_engine_publish(kx_engine *e);
/* apply an event from a client's intent (lock held); KX_ERR_STATE if not
 * accepted now */
kx_err kx_engine_intent(kx_engine *e, kx_intent intent, json_t *msg, kx_role role);

/* state.c: the published state as JSON (lock held); new reference */
json_t *kx_state_json(kx_engine *e);
/* screen texts */
const char *kx_screen_title(kx_screen screen, const char *doc, const char *activity);
const char *kx_error_action(kx_err code);
const char *kx_doc_msgid(const char *doc);

/* server.c */
kx_err kx_server_listen(kx_engine *e);
void kx_server_close(kx_engine *e);
/* one poll iteration's worth of client I/O: fills pfd from index 2 on */
int kx_server_pollfds(kx_engine *e, struct pollfd *pfd, int max);
void kx_server_handle(kx_engine *e, struct pollfd *pfd, int n);
void kx_server_broadcast(kx_engine *e, const char *line);
/* handle one received line as if client c sent it (fuzzing, tests) */
void kx_server_feed(kx_engine *e, kx_client *c, char *line, size_t len);

/* jobs.c: device and RA handles, job table */
kx_err kx_devices_open(kx_engine *e);
void kx_devices_close(kx_engine *e);
/* run job in the calling (worker) thread; *ev gets JOB_OK or JOB_ALT on
 * success. Returns the kx_err of a failure. */
kx_err kx_job_run(kx_engine *e, kx_job job, kx_event *ev);
/* jobs.c: journaled steps (write ahead), shared with recovery.c */
typedef struct kx_step {
    int64_t tx;
    char key[72];
    int already_done; /* a DONE transaction of the same kind and ref */
    char result[KX_JOURNAL_TEXT_MAX];
} kx_step;
kx_err kx_step_begin(kx_engine *e, const char *session, const char *kind, const char *ref,
                     int64_t amount_fen, int reuse_done, kx_step *st);
void kx_step_end(kx_engine *e, const char *kind, kx_step *st, kx_err rc, const char *result);
struct kx_ra *kx_devices_ra(kx_engine *e);
struct kx_payment *kx_devices_payment(kx_engine *e);

/* recovery.c: compensate or finish one session's transactions (worker or
 * start-up thread). live: the session is the current one (its token may
 * still be inserted). */
kx_err kx_recover_session(kx_engine *e, const char *session_id, int live);
/* recover every open session of the journal */
kx_err kx_recover_all(kx_engine *e);

/* fault injection for crash tests: if KX_CRASH_AT equals "kind:phase",
 * SIGKILL this process. phase: intent, effect, outcome. */
void kx_crash_point(const char *kind, const char *phase);

#endif
