/* SPDX-License-Identifier: MIT */
/*
 * recovery.c - finishing or compensating a session's journaled
 * transactions: after a cancel (the "compensate" step), on start-up for
 * every session a crash left open, and on `kioskctl retry/refund`.
 *
 * The invariant it keeps: a paid session ends with its certificate issued
 * once and installed, or with the payment refunded; nothing is charged
 * twice. The RA is the source of truth for orders and certificates; every
 * call reuses the journaled idempotency key, so a repeat has no second
 * effect.
 *
 * Order of work for one session:
 *   1. a certificate was issued (journal, else the RA's case) but not
 *      installed: fetch it and install it if its UKEY is reachable; if not,
 *      the session stays open (the RA refuses refunds once a certificate
 *      exists). An SM2 pair needs the customer's login for every write:
 *      the session then waits for its UKEY (kx_recover_pin_pending_present,
 *      asked by the idle main loop) and goes on in the resume flow, whose
 *      job (kx_job_sm2_resume) logs in with the PIN and finishes it here;
 *      staff see it meanwhile (kioskctl journal --open, maintenance).
 *   2. no certificate: a payment order is cancelled while pending, refunded
 *      when paid (an order_create left open is replayed first with its key
 *      to learn the order).
 *   3. other open intents (token writes, key generation, revocation, a
 *      counter payment, a staff approval) are closed: a revocation is
 *      replayed with its key; a counter payment or a staff approval is
 *      done or failed as the RA's order or case records it; token writes
 *      are marked failed (the user starts again; nothing was charged).
 *
 * Runs as a job (compensate, recovery) on the worker thread, or on the
 * main loop for staff's retry while no job runs: it sees the worker
 * (journal, devices), never the engine's session.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "jobs_sm2.h"
#include "payment/payment.h"
#include "ra/ra.h"

/* the last transaction of a kind, or status -1 when none */
static int last_status(kx_worker *w, const char *sid, const char *kind, kx_journal_tx *t)
{
    if (kx_journal_last(w->journal, sid, kind, t) != KX_OK)
        return -1;
    return (int)t->status;
}

/* tok: the session's UKEY logged in with the customer's PIN (the resumed
 * install, kx_job_sm2_resume), or NULL (recovery opens it, not logged in) */
static kx_err recover_certificate(kx_worker *w, const kx_journal_session *js, kx_token *tok,
                                  int *issued)
{
    kx_journal_tx t;
    char serial[KX_RA_SERIAL_MAX] = "";
    *issued = 0;
    for (int k = 0; k < 2 && !serial[0]; k++) {
        const char *kind = k ? "ra_renew" : "ra_issue";
        int st = last_status(w, js->id, kind, &t);
        if (st == KX_TX_DONE)
            kx_strlcpy(serial, t.result, sizeof serial);
        else if (st == KX_TX_OPEN) {
            /* did the RA issue before the crash? its case knows */
            kx_ra_case c;
            kx_err rc = kx_ra_case_get(w->dev->ra, js->case_id, &c);
            if (rc)
                return rc;
            if (c.cert_serial[0]) {
                kx_strlcpy(serial, c.cert_serial, sizeof serial);
                kx_journal_outcome(w->journal, t.id, KX_TX_DONE, serial, KX_OK);
            } else {
                kx_journal_outcome(w->journal, t.id, KX_TX_FAILED, "not issued",
                                   KX_ERR_CANCELLED);
            }
        }
    }
    if (!serial[0])
        return KX_OK;
    *issued = 1;
    kx_journal_session_set(w->journal, js->id, "new_serial", serial);
    int ist = last_status(w, js->id, "install", &t);
    if (ist == KX_TX_DONE)
        return KX_OK;
    if (ist < 0) {
        /* the install is what remains to do: journal it so staff see it
         * (kioskctl journal --open) and can retry it */
        kx_step st;
        kx_err jr = kx_step_begin(w->journal, js->id, "install", serial, 0, 0, &st);
        if (jr)
            return jr;
        t.id = st.tx;
        ist = KX_TX_OPEN;
    }
    kx_ra_cert c = {0};
    kx_err rc = KX_OK;
    kx_token *pin_tok = tok;
    if (kx_sm2_site(w->cfg)) { /* the pair and its envelope: jobs_sm2.c */
        int owned = 0;
        if (!tok)
            rc = kx_sm2_token_of(w, js->token_serial, &tok, &owned);
        if (!rc)
            rc = kx_sm2_recover_install(w, tok, js->id, js->token_serial, js->case_id, serial,
                                        js->old_serial);
        if (owned)
            kx_token_close(tok);
    } else if (!(rc = kx_ra_cert_get(w->dev->ra, serial, &c)))
        rc = kx_device_finish_install(w, js->token_serial, c.cert_pem, c.chain_pem);
    kx_ra_cert_clear(&c);
    if (rc && kx_sm2_site(w->cfg) && !pin_tok && ist == KX_TX_OPEN)
        /* for staff (kioskctl journal --open, the maintenance screen's
         * unfinished transactions): what the install waits for */
        kx_journal_outcome(w->journal, t.id, KX_TX_OPEN,
                           rc == KX_ERR_TOKEN_ABSENT ? "waits for the customer's UKEY"
                                                     : "waits for the customer's UKEY PIN",
                           rc);
    if (rc) {
        kx_log_error("recovery.install_pending",
                     "session=%s serial=%s error=%s: certificate issued but not installed; "
                     "the UKEY must be presented again (kioskctl retry)",
                     js->id, serial, kx_err_name(rc));
        return rc;
    }
    if (ist == KX_TX_OPEN)
        kx_journal_outcome(w->journal, t.id, KX_TX_DONE, serial, KX_OK);
    return KX_OK;
}

static kx_err recover_order(kx_worker *w, const kx_journal_session *js)
{
    struct kx_payment *pay = w->dev->payment;
    char order[KX_RA_ID_MAX];
    kx_strlcpy(order, js->order_id, sizeof order);
    kx_journal_tx t;
    int st_create = last_status(w, js->id, "order_create", &t);
    if (st_create == KX_TX_DONE && t.result[0])
        kx_strlcpy(order, t.result, sizeof order); /* the transaction knows it first */
    if (st_create == KX_TX_OPEN) {
        /* replay with the same key: the RA returns the order it made, if any */
        kx_payment_order o;
        kx_err rc = kx_payment_create(pay, t.idem_key, t.ref, &o);
        if (rc == KX_OK) {
            kx_journal_outcome(w->journal, t.id, KX_TX_DONE, o.order_id, KX_OK);
            kx_journal_session_set(w->journal, js->id, "order_id", o.order_id);
            kx_strlcpy(order, o.order_id, sizeof order);
        } else if (rc == KX_ERR_STATE || rc == KX_ERR_RA_REJECTED || rc == KX_ERR_NOT_FOUND) {
            kx_journal_outcome(w->journal, t.id, KX_TX_FAILED, NULL, rc);
        } else {
            return rc;
        }
    }
    if (!order[0])
        return KX_OK;
    kx_payment_order o;
    kx_err rc = kx_payment_query(pay, order, &o);
    if (rc)
        return rc;
    kx_step st;
    if (o.state == KX_PAYMENT_PENDING) {
        if ((rc = kx_step_begin(w->journal, js->id, "order_cancel", order, o.amount_fen, 1,
                                &st)))
            return rc;
        if (!st.already_done) {
            rc = kx_payment_cancel(pay, st.key, order, &o);
            if (rc == KX_ERR_STATE) /* paid meanwhile: refund below */
                rc = kx_payment_query(pay, order, &o);
            kx_step_end(w->journal, "order_cancel", &st, rc,
                        rc ? NULL : kx_payment_state_id(o.state));
            if (rc)
                return rc;
        }
    }
    if (o.state == KX_PAYMENT_PAID) {
        if ((rc = kx_step_begin(w->journal, js->id, "refund", order, o.amount_fen, 1, &st)))
            return rc;
        if (!st.already_done) {
            rc = kx_payment_refund(pay, st.key, order, "kiosk session not completed", &o);
            kx_step_end(w->journal, "refund", &st, rc, rc ? NULL : o.refund_id);
            if (rc)
                return rc;
            kx_log_info("recovery.refunded", "session=%s order=%s amount_fen=%lld", js->id,
                        order, (long long)o.amount_fen);
        }
    }
    return KX_OK;
}

/* close intents that need no compensation, replay a revocation */
static kx_err recover_rest(kx_worker *w, const kx_journal_session *js)
{
    kx_journal_tx open[32];
    size_t n = 0;
    kx_err rc = kx_journal_list(w->journal, 1, js->id, open, 32, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        kx_journal_tx *t = &open[i];
        if (strcmp(t->kind, "ra_revoke") == 0) {
            char serial[KX_RA_SERIAL_MAX];
            int reason = 0;
            kx_strlcpy(serial, t->ref, sizeof serial);
            char *slash = strchr(serial, '/');
            if (slash) {
                *slash = 0;
                long r;
                if (kx_parse_long(slash + 1, 0, 10, &r) == KX_OK)
                    reason = (int)r;
            }
            int64_t at;
            kx_err r2 = kx_ra_cert_revoke(w->dev->ra, t->idem_key, js->case_id, serial,
                                          (kx_ra_revoke_reason)reason, &at);
            if (r2 == KX_OK)
                kx_journal_outcome(w->journal, t->id, KX_TX_DONE, serial, KX_OK);
            else if (r2 == KX_ERR_NETWORK || r2 == KX_ERR_BUSY || r2 == KX_ERR_TIMEOUT)
                rc = r2;
            else
                kx_journal_outcome(w->journal, t->id, KX_TX_FAILED, NULL, r2);
        } else if (strcmp(t->kind, "counter_payment") == 0) {
            /* staff recorded a payment taken at the counter and kioskd
             * died around the RA call: the RA's order says whether it was
             * recorded (recover_order has refunded it since, if paid) */
            kx_payment_order o;
            kx_err r2 = kx_payment_query(w->dev->payment, t->ref, &o);
            if (r2 == KX_OK && strcmp(o.channel, "counter") == 0)
                kx_journal_outcome(w->journal, t->id, KX_TX_DONE, t->ref, KX_OK);
            else if (r2 == KX_OK || r2 == KX_ERR_NOT_FOUND)
                kx_journal_outcome(w->journal, t->id, KX_TX_FAILED, "not recorded at the RA",
                                   KX_ERR_CANCELLED);
            else
                rc = r2;
        } else if (strcmp(t->kind, "staff_approval") == 0) {
            /* staff approved the case and kioskd died around the RA call:
             * the RA's case says whether it applied the staff's approval */
            kx_ra_case c;
            kx_err r2 = kx_ra_case_get(w->dev->ra, js->case_id, &c);
            if (r2 == KX_OK && strncmp(c.approved_by, "kiosk-staff:", 12) == 0)
                kx_journal_outcome(w->journal, t->id, KX_TX_DONE, c.approved_by, KX_OK);
            else if (r2 == KX_OK || r2 == KX_ERR_NOT_FOUND)
                kx_journal_outcome(w->journal, t->id, KX_TX_FAILED, "not approved at the RA",
                                   KX_ERR_CANCELLED);
            else
                rc = r2;
        } else {
            /* token writes and key generation: nothing charged for them;
             * the user's next session starts from the token as it is */
            kx_journal_outcome(w->journal, t->id, KX_TX_FAILED, "abandoned", KX_ERR_CANCELLED);
        }
    }
    return rc;
}

static kx_err recover_session(kx_worker *w, const char *session_id, int live, kx_token *tok)
{
    kx_journal_session js;
    kx_err rc = kx_journal_session_get(w->journal, session_id, &js);
    if (rc)
        return rc;
    kx_journal_tx any[1];
    size_t n_any = 0;
    kx_journal_list(w->journal, 0, session_id, any, 1, &n_any);
    if (n_any == 0) { /* nothing was journaled: nothing to undo */
        if (!live)
            kx_journal_session_end(w->journal, session_id, "abandoned");
        return KX_OK;
    }
    if ((rc = kx_worker_need_ra(w)))
        return rc;
    int issued = 0;
    rc = recover_certificate(w, &js, tok, &issued);
    if (!rc && !issued)
        rc = recover_order(w, &js);
    if (!rc)
        rc = recover_rest(w, &js);
    if (rc)
        return rc;
    /* installed or nothing issued: a saved SM2 request is not needed */
    kx_sm2_forget(w, session_id);
    if (!live)
        kx_journal_session_end(w->journal, session_id,
                               issued ? "recovered_installed" : "recovered");
    kx_log_info("recovery.done", "session=%s issued=%d", session_id, issued);
    return KX_OK;
}

kx_err kx_recover_session(kx_worker *w, const char *session_id, int live)
{
    return recover_session(w, session_id, live, NULL);
}

kx_err kx_job_compensate(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    return kx_recover_session(w, in->session, 1);
}

/* every open session of the journal but the current one (in->session) */
kx_err kx_job_recover_all(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    char ids[64][KX_JOURNAL_ID_MAX];
    size_t n = 0;
    kx_err rc = kx_journal_open_sessions(w->journal, ids, 64, &n), first = KX_OK;
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (in->session[0] && strcmp(in->session, ids[i]) == 0)
            continue;
        rc = kx_recover_session(w, ids[i], 0);
        kx_log_info("recovery.session", "session=%s result=%s", ids[i], kx_err_name(rc));
        if (rc && !first)
            first = rc;
    }
    return first;
}

/* ---- an SM2 pair that waits for its UKEY's PIN ---- */

/* 1 when session js holds an SM2 pair the RA issued whose install is
 * still open (recovery could not write it: no PIN after a restart) */
static int pin_pending(kx_worker *w, const kx_journal_session *js)
{
    kx_journal_tx t;
    if (!js->token_serial[0] || js->outcome[0] ||
        last_status(w, js->id, "install", &t) != KX_TX_OPEN)
        return 0;
    return last_status(w, js->id, "ra_issue", &t) == KX_TX_DONE ||
           last_status(w, js->id, "ra_renew", &t) == KX_TX_DONE;
}

kx_err kx_recover_pin_pending(kx_worker *w, kx_journal_session *out, size_t max, size_t *n)
{
    char ids[64][KX_JOURNAL_ID_MAX];
    size_t k = 0, m = 0;
    *n = 0;
    if (!kx_sm2_site(w->cfg))
        return KX_OK;
    kx_err rc = kx_journal_open_sessions(w->journal, ids, 64, &k);
    for (size_t i = 0; !rc && i < k && m < max; i++) {
        kx_journal_session js;
        if (kx_journal_session_get(w->journal, ids[i], &js) == KX_OK && pin_pending(w, &js))
            out[m++] = js;
    }
    *n = m;
    return rc;
}

kx_err kx_recover_pin_pending_present(kx_worker *w, const char *skip, kx_journal_session *out,
                                      int *present, int *skip_gone)
{
    kx_journal_session js[8];
    size_t n = 0;
    *present = 0;
    *skip_gone = 1;
    kx_err rc = kx_recover_pin_pending(w, js, 8, &n);
    if (rc || n == 0)
        return rc;
    char serials[8][40];
    size_t ns = 0;
    if ((rc = kx_device_selftest_tokens(w, serials, 8, &ns)))
        return rc == KX_ERR_TOKEN_ABSENT ? KX_OK : rc;
    for (size_t i = 0; i < n; i++) {
        int in = 0;
        for (size_t j = 0; j < ns; j++)
            in |= strcmp(js[i].token_serial, serials[j]) == 0;
        if (in && skip && strcmp(js[i].id, skip) == 0)
            *skip_gone = 0; /* offered, its UKEY still in: not again */
        else if (in && !*present) {
            *out = js[i];
            *present = 1;
        }
    }
    return KX_OK;
}

/* the customer's PIN arrives moved out of the session (wiped with the
 * input): log in on the session's UKEY, then finish the session as
 * recovery does, with that handle */
kx_err kx_job_sm2_resume(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_journal_session js = {0};
    kx_token *tok = NULL;
    int owned = 0;
    kx_err rc = in->pin ? kx_journal_session_get(w->journal, in->session, &js) : KX_ERR_STATE;
    if (!rc && !pin_pending(w, &js)) {
        kx_err_set_detail("no SM2 pair of this session waits for its install");
        rc = KX_ERR_STATE;
    }
    if (!rc)
        rc = kx_worker_need_ra(w);
    if (!rc)
        rc = kx_sm2_token_of(w, js.token_serial, &tok, &owned);
    if (rc == KX_ERR_NOT_FOUND)
        rc = KX_ERR_TOKEN_ABSENT;
    if (!rc) {
        unsigned flags = 0;
        int tries = -1;
        rc = kx_token_login_tries(tok, in->pin, &flags, &tries);
        out->tries_left = tries >= 0 ? tries : (flags & KX_TOKEN_PIN_FINAL_TRY) ? 1 : -1;
        out->parts |= KX_JR_TRIES_LEFT;
    }
    if (!rc)
        rc = recover_session(w, in->session, 1, tok);
    kx_log_info("recovery.sm2_resume", "session=%s token=%s result=%s", in->session,
                js.token_serial[0] ? js.token_serial : "-", kx_err_name(rc));
    if (owned)
        kx_token_close(tok);
    return rc;
}
