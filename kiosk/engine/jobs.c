/* SPDX-License-Identifier: MIT */
/*
 * jobs.c - what each flow state's job does: calls into the drivers and the
 * RA client, with the journal written ahead of every side effect that
 * costs money or changes a certificate or a token.
 *
 * Runs on the worker thread (one job at a time, so the device and RA
 * handles are used by one thread at a time, as their headers require).
 * Reads its inputs from the session under e->mu, releases the lock for
 * device and network calls, stores results under the lock. Never logs a
 * PIN, an SO PIN or an unmasked ID number.
 *
 * Map: device handles; journaled steps; RA and payment jobs; dispatch.
 * Device jobs (token, scanner, ID reader, imaging) are in jobs_devices.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "engine_jobs.h"
#include "engine_staff.h"
#include "payment/payment.h"
#include "ra/ra.h"

/* ---- device handles ---- */

kx_err kx_devices_open(kx_engine *e)
{
    kx_devices *d = calloc(1, sizeof *d);
    if (!d)
        return KX_ERR_NO_MEMORY;
    e->dev = d;
    kx_err rc = KX_OK;
    if (kx_config_get_str(e->cfg, "ra", "url", NULL)) {
        kx_ra_config rc_cfg;
        if ((rc = kx_ra_global_init()) || (rc = kx_ra_config_load(e->cfg, &rc_cfg)) ||
            (rc = kx_ra_open(&rc_cfg, &d->ra)))
            return rc;
        kx_payment_env env = {.cfg = e->cfg, .ra = d->ra};
        if ((rc = kx_payment_open(NULL, &env, &d->payment)))
            return rc;
    } else {
        kx_log_warn("engine.no_ra", "reason=\"no [ra] url in %s: RA steps will fail\"",
                    kx_config_name(e->cfg));
    }
    return kx_devices_open_local(e, d);
}

void kx_devices_close(kx_engine *e)
{
    kx_devices *d = e->dev;
    if (!d)
        return;
    kx_devices_close_local(d);
    kx_payment_close(d->payment);
    kx_ra_close(d->ra);
    free(d);
    e->dev = NULL;
}

struct kx_ra *kx_devices_ra(kx_engine *e)
{
    return e->dev ? e->dev->ra : NULL;
}

struct kx_payment *kx_devices_payment(kx_engine *e)
{
    return e->dev ? e->dev->payment : NULL;
}

kx_err kx_need_ra(kx_engine *e)
{
    if (e->dev && e->dev->ra && e->dev->payment)
        return KX_OK;
    kx_err_set_detail("no RA configured ([ra] url)");
    return KX_ERR_UNSUPPORTED;
}

/* ---- journaled steps ---- */

/* errors after which the side effect may or may not have happened: the
 * intent stays open and the next attempt reuses its idempotency key */
static int outcome_unknown(kx_err rc)
{
    return rc == KX_ERR_NETWORK || rc == KX_ERR_TIMEOUT || rc == KX_ERR_BUSY ||
           rc == KX_ERR_RA_BAD_REPLY || rc == KX_ERR_TOKEN_REMOVED || rc == KX_ERR_CANCELLED;
}

kx_err kx_step_begin(kx_engine *e, const char *session, const char *kind, const char *ref,
                     int64_t amount_fen, int reuse_done, kx_step *st)
{
    memset(st, 0, sizeof *st);
    kx_journal_tx last;
    if (kx_journal_last(e->journal, session, kind, &last) == KX_OK &&
        strcmp(last.ref, ref ? ref : "") == 0) {
        if (last.status == KX_TX_OPEN) {
            st->tx = last.id;
            kx_strlcpy(st->key, last.idem_key, sizeof st->key);
            kx_log_info("journal.reuse", "tx=%lld kind=%s", (long long)last.id, kind);
            return KX_OK;
        }
        if (last.status == KX_TX_DONE && reuse_done) {
            st->tx = last.id;
            st->already_done = 1;
            kx_strlcpy(st->result, last.result, sizeof st->result);
            return KX_OK;
        }
    }
    kx_err rc = kx_ra_idem_key_new(st->key, sizeof st->key);
    if (!rc)
        rc = kx_journal_intent(e->journal, session, kind, st->key, ref, amount_fen, &st->tx);
    if (rc)
        return rc;
    kx_crash_point(kind, "intent");
    return KX_OK;
}

void kx_step_end(kx_engine *e, const char *kind, kx_step *st, kx_err rc, const char *result)
{
    kx_crash_point(kind, "effect");
    if (rc == KX_OK)
        kx_journal_outcome(e->journal, st->tx, KX_TX_DONE, result, KX_OK);
    else if (!outcome_unknown(rc))
        kx_journal_outcome(e->journal, st->tx, KX_TX_FAILED, result, rc);
    kx_crash_point(kind, "outcome");
}

/* copy of the session id (the session may end while a job runs) */
static void session_id(kx_engine *e, char *out, size_t n)
{
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(out, e->s.id, n);
    pthread_mutex_unlock(&e->mu);
}

/* ---- RA: case ---- */

/* Create the session's case at the RA if it has none (the key is derived
 * from the session: a repeat returns the same case). */
static kx_err ensure_case(kx_engine *e)
{
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    kx_ra_case_request req = {0};
    char sid[KX_SESSION_ID_MAX], service[32], uscc[20], company[KX_TEXT], agent[KX_TEXT],
        idnum[20], phone[16], email[128], token[64], serial[84], key[KX_RA_IDEM_KEY_MAX];
    pthread_mutex_lock(&e->mu);
    kx_session *s = &e->s;
    int have = s->case_id[0] != 0;
    kx_strlcpy(sid, s->id, sizeof sid);
    kx_strlcpy(service, kx_service_id(s->service), sizeof service);
    kx_strlcpy(uscc, s->have_company ? s->uscc : s->cert_uscc, sizeof uscc);
    kx_strlcpy(company, s->have_company ? s->company_name : s->cert_company, sizeof company);
    kx_strlcpy(agent, s->agent_name, sizeof agent);
    kx_strlcpy(idnum, s->agent_idnum, sizeof idnum);
    kx_strlcpy(phone, s->phone, sizeof phone);
    kx_strlcpy(email, s->email, sizeof email);
    kx_strlcpy(token, s->token_serial, sizeof token);
    kx_strlcpy(serial, s->cert_serial, sizeof serial);
    req.agreement_accepted_at = s->agreement_at ? s->agreement_at : (int64_t)time(NULL) - 1;
    pthread_mutex_unlock(&e->mu);
    if (have)
        return KX_OK;
    req.service = service;
    req.credit_code = uscc;
    req.company_name = company;
    /* a renewal with the PIN collects neither the agent nor a contact: what
     * the session does not have is left out of the case (docs/ra-api.md) */
    req.agent_name = agent[0] ? agent : NULL;
    req.agent_idnum = idnum[0] ? idnum : NULL;
    req.phone = phone[0] ? phone : NULL;
    req.email = email[0] ? email : NULL;
    req.token_serial = token[0] ? token : NULL;
    req.cert_serial = serial[0] ? serial : NULL;
    snprintf(key, sizeof key, "%.48s.case", sid);
    kx_ra_case c;
    rc = kx_ra_case_create(e->dev->ra, key, &req, &c);
    kx_wipe(idnum, sizeof idnum);
    if (rc)
        return rc;
    kx_journal_session_set(e->journal, sid, "case_id", c.case_id);
    pthread_mutex_lock(&e->mu);
    if (strcmp(e->s.id, sid) == 0)
        kx_strlcpy(e->s.case_id, c.case_id, sizeof e->s.case_id);
    pthread_mutex_unlock(&e->mu);
    kx_log_info("ra.case", "session=%s case=%s service=%s", sid, c.case_id, service);
    return KX_OK;
}

/* submit the case if still a draft; returns its state in *out */
static kx_err submit_case(kx_engine *e, kx_ra_case *out)
{
    char sid[KX_SESSION_ID_MAX], case_id[72], key[KX_RA_IDEM_KEY_MAX];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    pthread_mutex_unlock(&e->mu);
    kx_err rc = kx_ra_case_get(e->dev->ra, case_id, out);
    if (rc || out->state != KX_RA_CASE_DRAFT)
        return rc;
    snprintf(key, sizeof key, "%.48s.submit", sid);
    return kx_ra_case_submit(e->dev->ra, key, case_id, out);
}

/* upload every spooled scan of the session; each is deleted when the RA
 * acknowledges it with the digest we computed */
static kx_err upload_spool(kx_engine *e)
{
    char sid[KX_SESSION_ID_MAX], case_id[72];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    pthread_mutex_unlock(&e->mu);
    return kx_upload_session_scans(e, sid, case_id);
}

static kx_err job_case_submit(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = ensure_case(e);
    if (!rc)
        rc = upload_spool(e);
    kx_ra_case c;
    if (!rc)
        rc = submit_case(e, &c);
    if (!rc) {
        pthread_mutex_lock(&e->mu);
        e->s.review_started_ms = kx_now_ms();
        pthread_mutex_unlock(&e->mu);
    }
    return rc;
}

static kx_err wait_approval(kx_engine *e);

static kx_err job_review_poll(kx_engine *e, kx_event *ev)
{
    (void)ev;
    return wait_approval(e);
}

/* poll the session's case until the RA approves it (progress published) */
static kx_err wait_approval(kx_engine *e)
{
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    char case_id[72];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    int64_t t0 = e->s.review_started_ms ? e->s.review_started_ms : kx_now_ms();
    pthread_mutex_unlock(&e->mu);
    for (;;) {
        kx_ra_case c;
        rc = kx_ra_case_get(e->dev->ra, case_id, &c);
        if (!rc && c.state == KX_RA_CASE_APPROVED)
            return KX_OK;
        if (!rc && c.state == KX_RA_CASE_REJECTED) {
            kx_err_set_detail("case %s rejected: %s", case_id, c.reject_reason);
            return KX_ERR_RA_REJECTED;
        }
        if (rc && rc != KX_ERR_NETWORK && rc != KX_ERR_BUSY && rc != KX_ERR_TIMEOUT)
            return rc;
        /* progress: reviews usually take minutes; approach 0.9 */
        double waited = (double)(kx_now_ms() - t0) / 1000.0;
        pthread_mutex_lock(&e->mu);
        e->s.progress = 0.9 * waited / (waited + 120.0);
        pthread_mutex_unlock(&e->mu);
        kx_engine_wake(e);
        if (kx_job_sleep(e, e->set.poll_ms))
            return KX_ERR_CANCELLED;
    }
}

/* a short stable digest of the approval's reason for the journal's ref (a
 * new reason is a new request at the RA, so it must not reuse the key) */
static uint32_t reason_digest(const char *text)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *text; text++)
        h = (h ^ (unsigned char)*text) * 16777619u;
    return h;
}

/* Staff approved the case on review_wait; the RA decides (it grants the
 * right per kiosk, by the kiosk's certificate). Journaled as a
 * staff_approval transaction written ahead with its key (a retry or a
 * crash reuses it); the staff action is recorded with the RA's answer.
 * Refused (KX_ERR_PERMISSION): ALT, back to review_wait with the reason as
 * its error. The RA's reviewer approved first (invalid_state on an
 * approved case): the flow goes on, the staff action says so. */
static kx_err job_staff_approval(kx_engine *e, kx_event *ev)
{
    char sid[KX_SESSION_ID_MAX], case_id[72], reason[208], ref[KX_JOURNAL_TEXT_MAX],
        detail[KX_JOURNAL_TEXT_MAX], why[256];
    kx_staff_actor a;
    kx_step st = {0};
    kx_ra_case c = {0};
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    kx_strlcpy(a.id, e->s.approver_id, sizeof a.id);
    kx_strlcpy(a.role, e->s.approver_role, sizeof a.role);
    kx_strlcpy(reason, e->s.approve_reason, sizeof reason);
    pthread_mutex_unlock(&e->mu);
    kx_err rc = kx_need_ra(e);
    if (!rc && (!case_id[0] || !a.id[0])) {
        kx_err_set_detail("no case or no approving staff member in the session");
        rc = KX_ERR_STATE;
    }
    if (rc)
        goto out;
    snprintf(ref, sizeof ref, "%s/%s/%08x", case_id, a.id, (unsigned)reason_digest(reason));
    if ((rc = kx_step_begin(e, sid, "staff_approval", ref, 0, 1, &st)))
        goto out;
    if (st.already_done) {
        kx_strlcpy(c.approved_by, st.result, sizeof c.approved_by);
    } else {
        rc = kx_ra_case_staff_approve(e->dev->ra, st.key, case_id, a.id, reason, &c);
        kx_strlcpy(why, kx_err_detail(), sizeof why);
        kx_step_end(e, "staff_approval", &st, rc, rc ? NULL : c.approved_by);
        kx_err_set_detail("%s", why);
    }
out:
    kx_strlcpy(why, kx_err_detail(), sizeof why);
    /* approved by the RA's own reviewer meanwhile: nothing left to approve */
    int by_reviewer = rc == KX_ERR_STATE && case_id[0] && kx_need_ra(e) == KX_OK &&
                      kx_ra_case_get(e->dev->ra, case_id, &c) == KX_OK &&
                      c.state == KX_RA_CASE_APPROVED;
    snprintf(detail, sizeof detail, "state=review_wait case=%.64s approved_by=%.120s",
             case_id[0] ? case_id : "-", c.approved_by[0] ? c.approved_by : "-");
    kx_staff_record(e, &a, "approve", sid, st.tx, reason, detail, rc ? kx_err_name(rc) : "ok");
    kx_log_info("ra.staff_approval", "session=%s case=%s staff=%s result=%s approved_by=%s",
                sid, case_id[0] ? case_id : "-", a.id, kx_err_name(rc),
                c.approved_by[0] ? c.approved_by : "-");
    kx_err_set_detail("%s", why);
    if (rc == KX_ERR_PERMISSION) {
        pthread_mutex_lock(&e->mu);
        if (strcmp(e->s.id, sid) == 0) {
            e->s.carry_error = KX_ERR_PERMISSION;
            e->s.error_msgid =
                N_("The CA does not allow staff at this kiosk to approve cases.");
        }
        pthread_mutex_unlock(&e->mu);
        *ev = KX_EV_JOB_ALT;
        return KX_OK;
    }
    return by_reviewer ? KX_OK : rc;
}

/* ---- fee and payment ---- */

static kx_err job_fee_quote(kx_engine *e, kx_event *ev)
{
    kx_err rc = ensure_case(e);
    kx_ra_case c;
    if (!rc)
        rc = submit_case(e, &c);
    /* flows without a review screen: nothing is paid before the RA approved */
    if (!rc && c.state != KX_RA_CASE_APPROVED && !(rc = wait_approval(e)))
        rc = kx_ra_case_get(e->dev->ra, c.case_id, &c);
    if (rc)
        return rc;
    pthread_mutex_lock(&e->mu);
    e->s.fee_fen = c.fee_fen; /* the RA's fee is the one charged */
    e->s.have_fee = 1;
    if (c.fee_fen != e->fees.fen[e->s.service])
        kx_log_warn("engine.fee_differs", "service=%s ra_fen=%lld config_fen=%lld",
                    kx_service_id(e->s.service), (long long)c.fee_fen,
                    (long long)e->fees.fen[e->s.service]);
    pthread_mutex_unlock(&e->mu);
    *ev = c.fee_fen == 0 || c.paid ? KX_EV_JOB_ALT : KX_EV_JOB_OK;
    return KX_OK;
}

static void store_order(kx_engine *e, const char *sid, const kx_payment_order *o)
{
    pthread_mutex_lock(&e->mu);
    if (strcmp(e->s.id, sid) == 0) {
        kx_strlcpy(e->s.order_id, o->order_id, sizeof e->s.order_id);
        kx_strlcpy(e->s.qr_text, o->qr_text, sizeof e->s.qr_text);
        e->s.order_expires_at = o->expires_at;
    }
    pthread_mutex_unlock(&e->mu);
}

static kx_err job_order_create(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    char sid[KX_SESSION_ID_MAX], case_id[72], old[72];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    kx_strlcpy(old, e->s.order_id, sizeof old);
    int64_t fee = e->s.fee_fen;
    pthread_mutex_unlock(&e->mu);
    kx_payment_order o;
    /* an order of this session still pending is reused, never doubled */
    if (old[0] && kx_payment_query(e->dev->payment, old, &o) == KX_OK &&
        (o.state == KX_PAYMENT_PENDING || o.state == KX_PAYMENT_PAID)) {
        store_order(e, sid, &o);
        return KX_OK;
    }
    kx_step st;
    /* a DONE create is reused only while its order is alive (checked above) */
    if ((rc = kx_step_begin(e, sid, "order_create", case_id, fee, 0, &st)))
        return rc;
    rc = kx_payment_create(e->dev->payment, st.key, case_id, &o);
    kx_step_end(e, "order_create", &st, rc, rc ? NULL : o.order_id);
    if (rc)
        return rc;
    kx_journal_session_set(e->journal, sid, "order_id", o.order_id);
    store_order(e, sid, &o);
    return KX_OK;
}

static kx_err job_order_poll(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    char order[72];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(order, e->s.order_id, sizeof order);
    long left_ms = (long)(e->s.order_expires_at - (int64_t)time(NULL)) * 1000 + 2000;
    pthread_mutex_unlock(&e->mu);
    if (left_ms < 1000)
        left_ms = 1000;
    kx_payment_order o;
    rc = kx_payment_wait(e->dev->payment, order, left_ms, e->set.poll_ms, &e->job_cancel, &o);
    if (!rc)
        kx_log_info("payment.paid", "order=%s amount_fen=%lld", order, (long long)o.amount_fen);
    return rc;
}

/* ---- certificates at the RA ---- */

static void store_cert(kx_engine *e, const char *sid, kx_ra_cert *c)
{
    kx_journal_session_set(e->journal, sid, "new_serial", c->serial);
    pthread_mutex_lock(&e->mu);
    if (strcmp(e->s.id, sid) == 0) {
        kx_strlcpy(e->s.new_serial, c->serial, sizeof e->s.new_serial);
        free(e->s.cert_pem);
        free(e->s.chain_pem);
        e->s.cert_pem = c->cert_pem;
        e->s.chain_pem = c->chain_pem;
        c->cert_pem = c->chain_pem = NULL;
    }
    pthread_mutex_unlock(&e->mu);
    kx_ra_cert_clear(c);
}

static kx_err job_ra_issue(kx_engine *e, kx_event *ev, int renew)
{
    (void)ev;
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    char sid[KX_SESSION_ID_MAX], case_id[72], old_serial[84];
    unsigned char *csr = NULL, *sig = NULL;
    size_t csr_len = 0, sig_len = 0;
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    kx_strlcpy(old_serial, e->s.cert_serial, sizeof old_serial);
    int pinless = e->s.service == KX_SVC_RENEW_NOPIN;
    if (e->s.csr && (csr = malloc(e->s.csr_len))) {
        memcpy(csr, e->s.csr, e->s.csr_len);
        csr_len = e->s.csr_len;
    }
    if (e->s.csr_sig && (sig = malloc(e->s.csr_sig_len))) {
        memcpy(sig, e->s.csr_sig, e->s.csr_sig_len);
        sig_len = e->s.csr_sig_len;
    }
    pthread_mutex_unlock(&e->mu);
    if (!csr) {
        free(sig);
        kx_err_set_detail("no CSR in the session");
        return KX_ERR_STATE;
    }
    const char *kind = renew ? "ra_renew" : "ra_issue";
    kx_step st;
    kx_ra_cert c = {0};
    if ((rc = kx_step_begin(e, sid, kind, case_id, 0, 0, &st)))
        goto out;
    if (renew)
        rc = kx_ra_cert_renew(e->dev->ra, st.key, case_id, old_serial, csr, csr_len,
                              pinless ? NULL : sig, pinless ? 0 : sig_len, &c);
    else
        rc = kx_ra_cert_issue(e->dev->ra, st.key, case_id, csr, csr_len, &c);
    kx_step_end(e, kind, &st, rc, rc ? NULL : c.serial);
    if (!rc) {
        kx_log_info("ra.issued", "session=%s serial=%s", sid, c.serial);
        store_cert(e, sid, &c);
    }
out:
    free(csr);
    free(sig);
    return rc;
}

static kx_err job_ra_renew(kx_engine *e, kx_event *ev)
{
    return job_ra_issue(e, ev, 1);
}

static kx_err job_ra_issue_new(kx_engine *e, kx_event *ev)
{
    return job_ra_issue(e, ev, 0);
}

static kx_err job_ra_lookup(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    char uscc[20];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(uscc, e->s.uscc, sizeof uscc);
    pthread_mutex_unlock(&e->mu);
    kx_ra_enterprise ent;
    if ((rc = kx_ra_enterprise_lookup(e->dev->ra, uscc, &ent)))
        return rc;
    if (strcmp(ent.status, "active") != 0) {
        kx_err_set_detail("enterprise %s is %s", uscc, ent.status);
        return KX_ERR_RA_REJECTED;
    }
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(e->s.company_name, ent.name, sizeof e->s.company_name);
    kx_strlcpy(e->s.company_legal_rep, ent.legal_representative, sizeof e->s.company_legal_rep);
    kx_strlcpy(e->s.company_address, ent.address, sizeof e->s.company_address);
    e->s.have_company = 1;
    pthread_mutex_unlock(&e->mu);
    return KX_OK;
}

static kx_err job_ra_unlock_auth(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = ensure_case(e);
    if (rc)
        return rc;
    char sid[KX_SESSION_ID_MAX], case_id[72], token[64], key[KX_RA_IDEM_KEY_MAX];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    kx_strlcpy(token, e->s.token_serial, sizeof token);
    pthread_mutex_unlock(&e->mu);
    kx_ra_case c;
    if ((rc = submit_case(e, &c)))
        return rc;
    kx_secbuf *so = NULL;
    if ((rc = kx_secbuf_new(128, &so)))
        return rc;
    /* the secret is released once per key: a retry in this session replays it */
    snprintf(key, sizeof key, "%.48s.unlock", sid);
    rc = kx_ra_token_unlock(e->dev->ra, key, case_id, token, so);
    if (rc) {
        kx_secbuf_free(so);
        return rc;
    }
    pthread_mutex_lock(&e->mu);
    kx_secbuf_free(e->s.so_pin);
    e->s.so_pin = so;
    pthread_mutex_unlock(&e->mu);
    return KX_OK;
}

static kx_err job_ra_revoke(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = ensure_case(e);
    if (rc)
        return rc;
    char sid[KX_SESSION_ID_MAX], case_id[72], serial[84], ref[128];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(case_id, e->s.case_id, sizeof case_id);
    kx_strlcpy(serial, e->s.cert_serial, sizeof serial);
    int reason = e->s.revoke_reason;
    pthread_mutex_unlock(&e->mu);
    if (!serial[0]) {
        kx_err_set_detail("no certificate chosen to revoke");
        return KX_ERR_STATE;
    }
    snprintf(ref, sizeof ref, "%s/%d", serial, reason);
    kx_step st;
    if ((rc = kx_step_begin(e, sid, "ra_revoke", ref, 0, 1, &st)))
        return rc;
    if (st.already_done)
        return KX_OK;
    int64_t at = 0;
    rc = kx_ra_cert_revoke(e->dev->ra, st.key, case_id, serial, (kx_ra_revoke_reason)reason,
                           &at);
    kx_step_end(e, "ra_revoke", &st, rc, rc ? NULL : serial);
    return rc;
}

static kx_err job_compensate(kx_engine *e, kx_event *ev)
{
    (void)ev;
    char sid[KX_SESSION_ID_MAX];
    session_id(e, sid, sizeof sid);
    return kx_recover_session(e, sid, 1);
}

/* ---- dispatch ---- */

static kx_err job_unsupported(kx_engine *e, kx_event *ev)
{
    (void)e;
    (void)ev;
    kx_err_set_detail("no driver for this step in this build");
    return KX_ERR_UNSUPPORTED;
}

static const kx_job_fn job_table[KX_JOB_COUNT] = {
    [KX_JOB_FEE_QUOTE] = job_fee_quote,           [KX_JOB_ORDER_CREATE] = job_order_create,
    [KX_JOB_ORDER_POLL] = job_order_poll,         [KX_JOB_RA_RENEW] = job_ra_renew,
    [KX_JOB_RA_ISSUE] = job_ra_issue_new,         [KX_JOB_RA_LOOKUP] = job_ra_lookup,
    [KX_JOB_CASE_SUBMIT] = job_case_submit,       [KX_JOB_REVIEW_POLL] = job_review_poll,
    [KX_JOB_RA_UNLOCK_AUTH] = job_ra_unlock_auth, [KX_JOB_RA_REVOKE] = job_ra_revoke,
    [KX_JOB_COMPENSATE] = job_compensate,         [KX_JOB_STAFF_APPROVAL] = job_staff_approval,
};

kx_err kx_job_run(kx_engine *e, kx_job job, kx_event *ev)
{
    *ev = KX_EV_JOB_OK;
    kx_err_clear_detail();
    if ((unsigned)job >= KX_JOB_COUNT)
        return KX_ERR_INTERNAL;
    kx_job_fn fn = job_table[job];
    if (!fn)
        fn = kx_device_job(job);
    if (!fn)
        fn = job_unsupported;
    return fn(e, ev);
}

int kx_job_sleep(kx_engine *e, long ms)
{
    for (long t = 0; t < ms; t += 50) {
        if (e->job_cancel)
            return 1;
        usleep(50000);
    }
    return e->job_cancel != 0;
}
