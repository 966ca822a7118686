/* SPDX-License-Identifier: MIT */
/*
 * flow.h - every service as data: a state machine per service.
 *
 * A state shows one screen (docs/protocol.md), may start one job on entry,
 * has a timeout, and names the next state for each event it accepts
 * (intents of the user, the job's outcome). Pure C: no I/O, no threads, no
 * allocation, so tests walk every path (tests/engine/test_flow.c). The
 * engine (engine.c) runs the jobs and feeds their outcomes back as events.
 *
 * Special targets in transitions:
 *   "@error"  show the error screen; retry goes to the state's retry_to (or
 *             the failing state), cancel/timeout to the state's abort.
 *   "@retry"  (error state only) back to the state that failed.
 *   "@abort"  the current state's abort target.
 *   "@home"   the session ends; the engine returns to the home screen.
 */
#ifndef KX_ENGINE_FLOW_H
#define KX_ENGINE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/services.h"
#include "proto/protocol.h"

/* Jobs a state may start on entry. KX_JOB_NONE: the state waits for input. */
typedef enum kx_job {
    KX_JOB_NONE = 0,
    KX_JOB_TOKEN_WAIT,      /* wait for the UKEY holding the certificate */
    KX_JOB_TOKEN_READ_CERT, /* read it; rules: renewal window, expiry */
    KX_JOB_PIN_VERIFY,      /* log in with the PIN the user typed */
    KX_JOB_FEE_QUOTE,       /* OK: a fee to pay; ALT: free, skip payment */
    KX_JOB_ORDER_CREATE,    /* journaled: payment order at the RA */
    KX_JOB_ORDER_POLL,      /* OK: paid; FAIL: expired or refused */
    KX_JOB_BLANK_WAIT,      /* wait for a blank UKEY */
    KX_JOB_TOKEN_SET_PIN,   /* journaled: initialise a blank token's PIN */
    KX_JOB_TOKEN_RESET_PIN, /* journaled: reset the PIN (RA-authorised) */
    KX_JOB_KEYGEN,          /* journaled: key pair + CSR on the token */
    KX_JOB_RA_RENEW,        /* journaled: RA renews from the CSR */
    KX_JOB_RA_ISSUE,        /* journaled: RA issues (new/reissue/change/swap) */
    KX_JOB_INSTALL,         /* journaled: write the chain onto the token */
    KX_JOB_REMOVE_OLD,      /* journaled: delete the old key and certificate */
    KX_JOB_LICENCE_SCAN,    /* scan + QR + credit code (+ match the cert's) */
    KX_JOB_RA_LOOKUP,       /* enterprise lookup by credit code */
    KX_JOB_IDCARD_READ,     /* ID reader; rules: 18+, card not expired */
    KX_JOB_DOC_SCAN,        /* scan the state's document into the spool */
    KX_JOB_SEAL_SCAN,       /* OK: every cell ok; ALT: some rejected */
    KX_JOB_CASE_SUBMIT,     /* case + documents; spool deleted on ack */
    KX_JOB_REVIEW_POLL,     /* OK approved; FAIL rejected */
    KX_JOB_RA_UNLOCK_AUTH,  /* RA authorises a PIN reset for the token */
    KX_JOB_RA_REVOKE,       /* journaled: revoke with the chosen reason */
    KX_JOB_COMPENSATE,      /* journaled: cancel the order / revoke an
                               uninstalled certificate / refund */
    KX_JOB_STAFF_APPROVAL,  /* journaled: staff's approval asked of the RA;
                               ALT: the RA refused (back to the review) */
    KX_JOB_RA_CERT_LIST,    /* the enterprise's valid certificates (revoke
                               without the UKEY); ALT: the UKEY path */
    KX_JOB_SEALS,           /* the RA makes the electronic seals; onto the UKEY */
    KX_JOB_SEAL_REUSE,      /* OK: the sheet is asked for; ALT: the sheet a
                               crashed session had accepted is taken over */
    KX_JOB_SM2_RESUME,      /* journaled: log in with the PIN and install an SM2
                               pair a restart left issued (recovery.c) */
    KX_JOB_FORM_PREVIEW,    /* the application form as a PNG for its review;
                               ALT: the session has no form */
    KX_JOB_COUNT
} kx_job;

/* Events: intents the screen accepts, and job outcomes. */
typedef enum kx_event {
    KX_EV_CONFIRM = 0,
    KX_EV_RETRY,
    KX_EV_BACK,
    KX_EV_CANCEL,
    KX_EV_TIMEOUT,
    KX_EV_PIN,
    KX_EV_NEW_PIN,
    KX_EV_CONTACT,
    KX_EV_CHOOSE,     /* choose: first kind of choice (revoke: with UKEY; a reason) */
    KX_EV_CHOOSE_ALT, /* choose: second kind (revoke: with licence + ID) */
    KX_EV_STAFF_APPROVE,
    KX_EV_STAFF_REJECT,
    KX_EV_STAFF_OVERRIDE,
    KX_EV_STAFF_RESET,
    KX_EV_JOB_OK,
    KX_EV_JOB_ALT,
    KX_EV_JOB_FAIL,
    KX_EV_COUNT
} kx_event;

#define KX_FLOW_MAX_TR 8

typedef struct kx_flow_tr {
    kx_event ev;
    const char *next; /* state name or a special target */
} kx_flow_tr;

typedef struct kx_flow_state {
    const char *name; /* unique within the flow ("pin_enter") */
    kx_screen screen;
    kx_job job;           /* started on entry; KX_JOB_NONE for input */
    const char *activity; /* busy illustration id, NULL elsewhere */
    const char *doc;      /* document id for doc/licence/seal steps, or NULL */
    uint32_t collects;    /* kx_doc bits gathered when the state succeeds */
    int timeout_s;        /* step timeout (scaled by [engine] timeout_percent) */
    int cancellable;      /* busy states: the user may cancel while it runs */
    const char *retry_to; /* where retry leads after an error (NULL: here) */
    const char *abort;    /* where cancel, timeout and error-cancel lead */
    kx_flow_tr on[KX_FLOW_MAX_TR];
} kx_flow_state;

typedef struct kx_flow {
    kx_service service;
    const kx_flow_state *states; /* states[0] is the start */
    size_t n_states;
} kx_flow;

/* Where a session is inside its flow. */
typedef struct kx_flow_pos {
    int state;  /* index into flow->states */
    int resume; /* on the error state: the state that failed; else -1 */
} kx_flow_pos;

/* Result of one step. */
typedef enum kx_flow_end {
    KX_FLOW_CONTINUE = 0, /* pos holds the new state */
    KX_FLOW_HOME = 1,     /* the session is over */
} kx_flow_end;

/* kx_flow_resume_install - the flow of a session that goes on after a
 * restart: its SM2 pair was issued and waits for the UKEY's PIN (the
 * session keeps its service; flow_tables.c). */
const kx_flow *kx_flow_resume_install(void);

/* kx_flow_get - the table of a service; NULL for an invalid service.
 * Static storage, thread-safe. */
const kx_flow *kx_flow_get(kx_service svc);

/* kx_flow_find - index of the state named name, -1 when absent. */
int kx_flow_find(const kx_flow *flow, const char *name);

/* kx_flow_start - the start position of a flow. */
kx_flow_pos kx_flow_start(const kx_flow *flow);

/*
 * kx_flow_accepts - 1 when the state at pos accepts ev (listed in its
 * transitions, or the generic ones: cancel on input screens and on
 * cancellable busy states, timeout on input screens).
 */
int kx_flow_accepts(const kx_flow *flow, kx_flow_pos pos, kx_event ev);

/*
 * kx_flow_step - apply ev at *pos. KX_OK and *end: CONTINUE with *pos moved
 * (possibly to the same state), or HOME when the session ends.
 * KX_ERR_STATE when the state does not accept ev (nothing changes);
 * KX_ERR_INTERNAL when the table names a state that does not exist.
 * retryable says whether a failed job may be retried (the engine decides
 * from the error code); a non-retryable failure's error screen offers
 * cancel only.
 */
kx_err kx_flow_step(const kx_flow *flow, kx_flow_pos *pos, kx_event ev, kx_flow_end *end);

/* kx_flow_state_at - state at an index (NULL when out of range). */
const kx_flow_state *kx_flow_state_at(const kx_flow *flow, int index);

/*
 * kx_flow_step_number - (index, count) for the UI's progress bar: input
 * screens are numbered in table order; busy and error states carry the
 * number of the input screen before them.
 */
void kx_flow_step_number(const kx_flow *flow, int state, int *index, int *count);

/* kx_job_name - stable id of a job ("keygen"). */
const char *kx_job_name(kx_job job);
/* kx_job_journaled - 1 for jobs that cost money or change a certificate or
 * a token: the engine journals the intent before and the outcome after. */
int kx_job_journaled(kx_job job);
/* kx_event_name - stable id of an event ("job_ok"). */
const char *kx_event_name(kx_event ev);
/* kx_event_from_intent - the event an intent becomes; KX_ERR_NOT_FOUND for
 * intents that are not flow events (set_language, activity,
 * choose_service). choose maps to KX_EV_CHOOSE; the engine maps a second
 * kind of choice to KX_EV_CHOOSE_ALT. */
kx_err kx_event_from_intent(kx_intent intent, kx_event *out);

/* kx_flow_validate - structural checks of a table (every target exists,
 * job states handle OK and FAIL, input states have an abort). KX_OK or
 * KX_ERR_INTERNAL with detail naming the state. */
kx_err kx_flow_validate(const kx_flow *flow);

#endif
