/* SPDX-License-Identifier: MIT */
/*
 * jobs.c - the RA and payment jobs, the table of every job, and the job
 * thread. The journal is written ahead of every side effect that costs
 * money or changes a certificate (kx_step_begin/end).
 *
 * A job is kx_err job(kx_worker *w, const kx_job_input *in,
 * kx_job_result *out) (engine_internal.h): it reads its copy of the
 * session, calls the drivers and the RA client through the worker's
 * devices, and fills its result; the main loop applies the result. One job
 * runs at a time, so the device and RA handles are used by one thread at
 * a time, as their headers require. Never logs a PIN, an SO PIN or an
 * unmasked ID number.
 *
 * Map: uploads; RA case; review; fee and payment; certificates at the RA;
 * the job table; the job thread. Device jobs are in jobs_token.c,
 * jobs_idcard.c and jobs_devices.c; compensation and recovery in
 * recovery.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "agreement.h"
#include "engine_internal.h"
#include "jobs_docs.h"
#include "jobs_seal.h"
#include "jobs_form.h"
#include "jobs_sm2.h"
#include "payment/payment.h"
#include "ra/ra.h"

/* ---- uploads ---- */

/* "seal_company:40.0x40.0" -> kind and size */
static int spool_doc_parse(const char *doc, kx_ra_doc_kind *kind, double *w, double *h)
{
    char id[40];
    kx_strlcpy(id, doc, sizeof id);
    *w = *h = 0;
    char *colon = strchr(id, ':');
    if (colon) {
        *colon = 0;
        if (sscanf(colon + 1, "%lfx%lf", w, h) != 2)
            return -1;
    }
    for (int k = 0; k < KX_RA_DOC_COUNT; k++)
        if (strcmp(id, kx_ra_doc_kind_id((kx_ra_doc_kind)k)) == 0) {
            *kind = (kx_ra_doc_kind)k;
            return 0;
        }
    return -1;
}

static kx_err read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return KX_ERR_IO;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    if (n <= 0 || n > 16L * 1024 * 1024) {
        fclose(fp);
        return KX_ERR_TOO_LARGE;
    }
    *data = malloc((size_t)n);
    if (!*data) {
        fclose(fp);
        return KX_ERR_NO_MEMORY;
    }
    *len = fread(*data, 1, (size_t)n, fp);
    fclose(fp);
    return *len == (size_t)n ? KX_OK : KX_ERR_IO;
}

/* upload the spooled scans of a session to its case; each scan the RA
 * acknowledges with the digest we computed is deleted from the spool */
static kx_err upload_session_scans(kx_worker *w, const char *session, const char *case_id)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    /* spool rows of the session, with their document kinds */
    char paths[32][KX_JOURNAL_TEXT_MAX];
    size_t n = 0;
    if ((rc = kx_journal_spool_list(w->journal, session, paths, 32, &n)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        /* the spool file name carries the document: <session>.<doc>.png */
        const char *base = strrchr(paths[i], '/');
        base = base ? base + 1 : paths[i];
        const char *doc = strchr(base, '.');
        char docid[64];
        kx_strlcpy(docid, doc ? doc + 1 : "", sizeof docid);
        char *ext = strrchr(docid, '.');
        int pdf = ext && strcmp(ext, ".pdf") == 0; /* the kiosk's own forms */
        if (ext)
            *ext = 0;
        kx_ra_doc_kind kind;
        double width_mm, height_mm;
        if (spool_doc_parse(docid, &kind, &width_mm, &height_mm)) {
            kx_log_warn("spool.unknown_doc", "path=%s", paths[i]);
            continue;
        }
        unsigned char *data = NULL;
        size_t len = 0;
        if ((rc = read_file(paths[i], &data, &len))) {
            free(data);
            return rc;
        }
        kx_ra_document d = {.kind = kind,
                            .media_type = pdf ? "application/pdf" : "image/png",
                            .data = data,
                            .len = len,
                            .width_mm = width_mm,
                            .height_mm = height_mm};
        char key[KX_RA_IDEM_KEY_MAX];
        snprintf(key, sizeof key, "%.40s.doc.%d", session, (int)kind);
        kx_ra_document_receipt rec;
        rc = kx_ra_document_upload(w->dev->ra, key, case_id, &d, &rec);
        free(data);
        if (rc)
            return rc;
        /* acknowledged with our digest (checked by the client): delete */
        kx_journal_spool_ack(w->journal, paths[i]);
        kx_log_info("spool.uploaded", "session=%s doc=%s size=%zu", session,
                    kx_ra_doc_kind_id(kind), rec.size);
    }
    return KX_OK;
}

/* ---- RA: case ---- */

/* the session's RA case: the input's, or the one this job created */
static const char *case_of(const kx_job_input *in, const kx_job_result *out)
{
    return (out->parts & KX_JR_CASE) ? out->case_id : in->case_id;
}

/* Create the session's case at the RA if it has none (the key is derived
 * from the session: a repeat returns the same case); the new case id goes
 * into the result. */
static kx_err ensure_case(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc || case_of(in, out)[0])
        return rc;
    kx_ra_case_request req = {0};
    char key[KX_RA_IDEM_KEY_MAX];
    const char *service = kx_service_id(in->service);
    /* the agreement as the journal recorded its acceptance (agreement.c) */
    char agreement_version[KX_AGREEMENT_VERSION_LEN];
    int64_t accepted_at = 0;
    if (kx_agreement_accepted(w->journal, in->session, agreement_version, &accepted_at) ==
        KX_OK)
        req.agreement_version = agreement_version;
    else
        accepted_at = in->agreement_at ? in->agreement_at : (int64_t)time(NULL) - 1;
    req.agreement_accepted_at = accepted_at;
    req.service = service;
    req.credit_code = in->have_company ? in->uscc : in->cert_uscc;
    req.company_name = in->have_company ? in->company_name : in->cert_company;
    /* a renewal with the PIN collects neither the agent nor a contact: what
     * the session does not have is left out of the case (docs/ra-api.md) */
    req.agent_name = in->agent_name[0] ? in->agent_name : NULL;
    req.agent_idnum = in->agent_idnum[0] ? in->agent_idnum : NULL;
    req.phone = in->phone[0] ? in->phone : NULL;
    req.email = in->email[0] ? in->email : NULL;
    req.token_serial = in->token_serial[0] ? in->token_serial : NULL;
    req.cert_serial = in->cert_serial[0] ? in->cert_serial : NULL;
    /* revocation without the UKEY: the RA revokes once it approved */
    kx_ra_revocation_request revocation;
    const char *revoke_serial = NULL;
    if (kx_revoke_request_fill(in, &revocation, &revoke_serial))
        req.revocation = &revocation;
    req.cert_profile = kx_sm2_case_profile(w->cfg);
    snprintf(key, sizeof key, "%.48s.case", in->session);
    kx_ra_case c;
    rc = kx_ra_case_create(w->dev->ra, key, &req, &c);
    if (rc)
        return rc;
    kx_journal_session_set(w->journal, in->session, "case_id", c.case_id);
    kx_strlcpy(out->case_id, c.case_id, sizeof out->case_id);
    out->parts |= KX_JR_CASE;
    kx_log_info("ra.case", "session=%s case=%s service=%s", in->session, c.case_id, service);
    return KX_OK;
}

/* submit the case if still a draft; returns its state in *c */
static kx_err submit_case(kx_worker *w, const char *session, const char *case_id, kx_ra_case *c)
{
    char key[KX_RA_IDEM_KEY_MAX];
    kx_err rc = kx_ra_case_get(w->dev->ra, case_id, c);
    if (rc || c->state != KX_RA_CASE_DRAFT)
        return rc;
    snprintf(key, sizeof key, "%.48s.submit", session);
    return kx_ra_case_submit(w->dev->ra, key, case_id, c);
}

static kx_err job_case_submit(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = ensure_case(w, in, out);
    if (!rc)
        rc = kx_docs_spool_application_form(w, in);
    if (!rc)
        rc = upload_session_scans(w, in->session, case_of(in, out));
    kx_ra_case c;
    if (!rc)
        rc = submit_case(w, in->session, case_of(in, out), &c);
    if (!rc) {
        out->review_started_ms = kx_now_ms();
        out->parts |= KX_JR_REVIEW_START;
    }
    return rc;
}

/* poll the case until the RA approves it (progress messages meanwhile) */
static kx_err wait_approval(kx_worker *w, const char *case_id, int64_t review_started_ms)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    int64_t t0 = review_started_ms ? review_started_ms : kx_now_ms();
    for (;;) {
        kx_ra_case c;
        rc = kx_ra_case_get(w->dev->ra, case_id, &c);
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
        kx_worker_progress(w, 0.9 * waited / (waited + 120.0));
        if (kx_worker_sleep(w, w->set->poll_ms))
            return KX_ERR_CANCELLED;
    }
}

static kx_err job_review_poll(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    return wait_approval(w, in->case_id, in->review_started_ms);
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
static kx_err job_staff_approval(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    char ref[KX_JOURNAL_TEXT_MAX], detail[KX_JOURNAL_TEXT_MAX], why[256];
    const char *sid = in->session, *case_id = in->case_id, *reason = in->approve_reason;
    const kx_staff_actor *a = &in->approver;
    kx_step st = {0};
    kx_ra_case c = {0};
    kx_err rc = kx_worker_need_ra(w);
    if (!rc && (!case_id[0] || !a->id[0])) {
        kx_err_set_detail("no case or no approving staff member in the session");
        rc = KX_ERR_STATE;
    }
    if (rc)
        goto done;
    snprintf(ref, sizeof ref, "%s/%s/%08x", case_id, a->id, (unsigned)reason_digest(reason));
    if ((rc = kx_step_begin(w->journal, sid, "staff_approval", ref, 0, 1, &st)))
        goto done;
    if (st.already_done) {
        kx_strlcpy(c.approved_by, st.result, sizeof c.approved_by);
    } else {
        rc = kx_ra_case_staff_approve(w->dev->ra, st.key, case_id, a->id, reason, &c);
        kx_strlcpy(why, kx_err_detail(), sizeof why);
        kx_step_end(w->journal, "staff_approval", &st, rc, rc ? NULL : c.approved_by);
        kx_err_set_detail("%s", why);
    }
done:
    kx_strlcpy(why, kx_err_detail(), sizeof why);
    /* approved by the RA's own reviewer meanwhile: nothing left to approve */
    int by_reviewer = rc == KX_ERR_STATE && case_id[0] && kx_worker_need_ra(w) == KX_OK &&
                      kx_ra_case_get(w->dev->ra, case_id, &c) == KX_OK &&
                      c.state == KX_RA_CASE_APPROVED;
    snprintf(detail, sizeof detail, "state=review_wait case=%.64s approved_by=%.120s",
             case_id[0] ? case_id : "-", c.approved_by[0] ? c.approved_by : "-");
    kx_staff_record(w->journal, a, "approve", sid, st.tx, reason, detail,
                    rc ? kx_err_name(rc) : "ok");
    kx_log_info("ra.staff_approval", "session=%s case=%s staff=%s result=%s approved_by=%s",
                sid, case_id[0] ? case_id : "-", a->id, kx_err_name(rc),
                c.approved_by[0] ? c.approved_by : "-");
    kx_err_set_detail("%s", why);
    if (rc == KX_ERR_PERMISSION) {
        out->carry_error = KX_ERR_PERMISSION;
        out->error_msgid = N_("The CA does not allow staff at this kiosk to approve cases.");
        out->parts |= KX_JR_CARRY_ERROR;
        out->ev = KX_EV_JOB_ALT;
        return KX_OK;
    }
    return by_reviewer ? KX_OK : rc;
}

/* ---- fee and payment ---- */

static kx_err job_fee_quote(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = ensure_case(w, in, out);
    kx_ra_case c;
    /* flows without a case_submit step (swap, unlock, revoke) send what
     * they scanned here; after case_submit the spool is already empty */
    if (!rc && !in->case_id[0]) /* the form once, when the case is made */
        rc = kx_docs_spool_application_form(w, in);
    if (!rc)
        rc = upload_session_scans(w, in->session, case_of(in, out));
    if (!rc)
        rc = submit_case(w, in->session, case_of(in, out), &c);
    /* flows without a review screen: nothing is paid before the RA approved */
    if (!rc && c.state != KX_RA_CASE_APPROVED &&
        !(rc = wait_approval(w, case_of(in, out), in->review_started_ms)))
        rc = kx_ra_case_get(w->dev->ra, c.case_id, &c);
    if (rc)
        return rc;
    out->fee_fen = c.fee_fen; /* the RA's fee is the one charged */
    out->parts |= KX_JR_FEE;
    if (c.fee_fen != w->fees->fen[in->service])
        kx_log_warn("engine.fee_differs", "service=%s ra_fen=%lld config_fen=%lld",
                    kx_service_id(in->service), (long long)c.fee_fen,
                    (long long)w->fees->fen[in->service]);
    out->ev = c.fee_fen == 0 || c.paid ? KX_EV_JOB_ALT : KX_EV_JOB_OK;
    return KX_OK;
}

static void store_order(kx_job_result *out, const kx_payment_order *o)
{
    kx_strlcpy(out->order_id, o->order_id, sizeof out->order_id);
    kx_strlcpy(out->qr_text, o->qr_text, sizeof out->qr_text);
    out->order_expires_at = o->expires_at;
    out->parts |= KX_JR_ORDER;
}

static kx_err job_order_create(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    const char *sid = in->session, *case_id = in->case_id, *old = in->order_id;
    kx_payment_order o;
    /* an order of this session still pending is reused, never doubled */
    if (old[0] && kx_payment_query(w->dev->payment, old, &o) == KX_OK &&
        (o.state == KX_PAYMENT_PENDING || o.state == KX_PAYMENT_PAID)) {
        store_order(out, &o);
        return KX_OK;
    }
    kx_step st;
    /* a DONE create is reused only while its order is alive (checked above) */
    if ((rc = kx_step_begin(w->journal, sid, "order_create", case_id, in->fee_fen, 0, &st)))
        return rc;
    rc = kx_payment_create(w->dev->payment, st.key, case_id, &o);
    kx_step_end(w->journal, "order_create", &st, rc, rc ? NULL : o.order_id);
    if (rc)
        return rc;
    kx_journal_session_set(w->journal, sid, "order_id", o.order_id);
    store_order(out, &o);
    return KX_OK;
}

static kx_err job_order_poll(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    const char *order = in->order_id;
    long left_ms = (long)(in->order_expires_at - (int64_t)time(NULL)) * 1000 + 2000;
    if (left_ms < 1000)
        left_ms = 1000;
    kx_payment_order o;
    rc = kx_payment_wait(w->dev->payment, order, left_ms, w->set->poll_ms, &w->cancel, &o);
    if (!rc)
        kx_log_info("payment.paid", "order=%s amount_fen=%lld", order, (long long)o.amount_fen);
    return rc;
}

/* ---- certificates at the RA ---- */

static kx_err ra_issue(kx_worker *w, const kx_job_input *in, kx_job_result *out, int renew)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    if (kx_sm2_site(w->cfg)) /* an SM2 pair: jobs_sm2.c */
        return kx_sm2_ra_issue(w, in, out, renew);
    const char *sid = in->session, *case_id = in->case_id;
    int pinless = in->service == KX_SVC_RENEW_NOPIN;
    if (!in->csr) {
        kx_err_set_detail("no CSR in the session");
        return KX_ERR_STATE;
    }
    const char *kind = renew ? "ra_renew" : "ra_issue";
    kx_step st;
    kx_ra_cert c = {0};
    if ((rc = kx_step_begin(w->journal, sid, kind, case_id, 0, 0, &st)))
        return rc;
    if (renew)
        rc =
            kx_ra_cert_renew(w->dev->ra, st.key, case_id, in->cert_serial, in->csr, in->csr_len,
                             pinless ? NULL : in->csr_sig, pinless ? 0 : in->csr_sig_len, &c);
    else
        rc = kx_ra_cert_issue(w->dev->ra, st.key, case_id, in->csr, in->csr_len, &c);
    kx_step_end(w->journal, kind, &st, rc, rc ? NULL : c.serial);
    if (!rc) {
        kx_log_info("ra.issued", "session=%s serial=%s", sid, c.serial);
        kx_journal_session_set(w->journal, sid, "new_serial", c.serial);
        kx_strlcpy(out->new_serial, c.serial, sizeof out->new_serial);
        out->cert_pem = c.cert_pem;
        out->chain_pem = c.chain_pem;
        c.cert_pem = c.chain_pem = NULL;
        out->parts |= KX_JR_ISSUED;
    }
    kx_ra_cert_clear(&c);
    return rc;
}

static kx_err job_ra_renew(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    return ra_issue(w, in, out, 1);
}

static kx_err job_ra_issue(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    return ra_issue(w, in, out, 0);
}

static kx_err job_ra_lookup(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    kx_ra_enterprise ent;
    if ((rc = kx_ra_enterprise_lookup(w->dev->ra, in->uscc, &ent)))
        return rc;
    if (strcmp(ent.status, "active") != 0) {
        kx_err_set_detail("enterprise %s is %s", in->uscc, ent.status);
        return KX_ERR_RA_REJECTED;
    }
    kx_strlcpy(out->company_name, ent.name, sizeof out->company_name);
    kx_strlcpy(out->company_legal_rep, ent.legal_representative, sizeof out->company_legal_rep);
    kx_strlcpy(out->company_address, ent.address, sizeof out->company_address);
    out->parts |= KX_JR_COMPANY;
    return KX_OK;
}

/* the RA's unlock secret goes back in the result (moved into the session
 * for the reset_pin job) */
static kx_err job_ra_unlock_auth(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = ensure_case(w, in, out);
    if (rc)
        return rc;
    char key[KX_RA_IDEM_KEY_MAX];
    kx_ra_case c;
    if ((rc = submit_case(w, in->session, case_of(in, out), &c)))
        return rc;
    kx_secbuf *so = NULL;
    if ((rc = kx_secbuf_new(128, &so)))
        return rc;
    /* the secret is released once per key: a retry in this session replays it */
    snprintf(key, sizeof key, "%.48s.unlock", in->session);
    rc = kx_ra_token_unlock(w->dev->ra, key, case_of(in, out), in->token_serial, so);
    if (rc) {
        kx_secbuf_free(so);
        return rc;
    }
    out->so_pin = so;
    out->parts |= KX_JR_SO_PIN;
    return KX_OK;
}

static kx_err job_ra_revoke(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = ensure_case(w, in, out);
    if (rc)
        return rc;
    char ref[128];
    const char *serial = in->cert_serial, *case_id = case_of(in, out);
    int reason = in->revoke_reason;
    kx_ra_revocation_request rr;
    const char *picked = NULL;
    if (kx_revoke_request_fill(in, &rr, &picked)) /* without the UKEY: the RA did it */
        return kx_revoke_case_check(w, in, case_id);
    if (!serial[0]) {
        kx_err_set_detail("no certificate chosen to revoke");
        return KX_ERR_STATE;
    }
    snprintf(ref, sizeof ref, "%s/%d", serial, reason);
    kx_step st;
    if ((rc = kx_step_begin(w->journal, in->session, "ra_revoke", ref, 0, 1, &st)))
        return rc;
    if (st.already_done)
        return KX_OK;
    int64_t at = 0;
    rc = kx_ra_cert_revoke(w->dev->ra, st.key, case_id, serial, (kx_ra_revoke_reason)reason,
                           &at);
    kx_step_end(w->journal, "ra_revoke", &st, rc, rc ? NULL : serial);
    return rc;
}

/* ---- the job table ---- */

static kx_err job_unsupported(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)w;
    (void)in;
    (void)out;
    kx_err_set_detail("no driver for this step in this build");
    return KX_ERR_UNSUPPORTED;
}

/* every job a flow state can start, and the recovery job at the end */
static const kx_job_fn job_table[KX_JOB_COUNT + 1] = {
    [KX_JOB_TOKEN_WAIT] = kx_job_token_wait,
    [KX_JOB_TOKEN_READ_CERT] = kx_job_token_read_cert,
    [KX_JOB_PIN_VERIFY] = kx_job_pin_verify,
    [KX_JOB_FEE_QUOTE] = job_fee_quote,
    [KX_JOB_ORDER_CREATE] = job_order_create,
    [KX_JOB_ORDER_POLL] = job_order_poll,
    [KX_JOB_BLANK_WAIT] = kx_job_blank_wait,
    [KX_JOB_TOKEN_SET_PIN] = kx_job_token_set_pin,
    [KX_JOB_TOKEN_RESET_PIN] = kx_job_token_reset_pin,
    [KX_JOB_KEYGEN] = kx_job_keygen,
    [KX_JOB_RA_RENEW] = job_ra_renew,
    [KX_JOB_RA_ISSUE] = job_ra_issue,
    [KX_JOB_INSTALL] = kx_job_install,
    [KX_JOB_REMOVE_OLD] = kx_job_remove_old,
    [KX_JOB_LICENCE_SCAN] = kx_job_licence_scan,
    [KX_JOB_RA_LOOKUP] = job_ra_lookup,
    [KX_JOB_IDCARD_READ] = kx_job_idcard_read,
    [KX_JOB_DOC_SCAN] = kx_job_doc_scan,
    [KX_JOB_SEAL_SCAN] = kx_job_seal_sheet, /* recorded in the journal */
    [KX_JOB_SEAL_REUSE] = kx_job_seal_reuse,
    [KX_JOB_CASE_SUBMIT] = job_case_submit,
    [KX_JOB_REVIEW_POLL] = job_review_poll,
    [KX_JOB_RA_UNLOCK_AUTH] = job_ra_unlock_auth,
    [KX_JOB_RA_REVOKE] = job_ra_revoke,
    [KX_JOB_COMPENSATE] = kx_job_compensate,
    [KX_JOB_STAFF_APPROVAL] = job_staff_approval,
    [KX_JOB_RA_CERT_LIST] = kx_job_ra_cert_list,
    [KX_JOB_SEALS] = kx_job_seals,
    [KX_JOB_SM2_RESUME] = kx_job_sm2_resume,
    [KX_JOB_FORM_PREVIEW] = kx_job_form_preview,
    [KX_JOB_COUNT] = kx_job_recover_all,
};

const char *kx_job_log_name(kx_job job)
{
    return job == KX_JOB_COUNT ? "recovery" : kx_job_name(job);
}

/* ---- the job thread ---- */

/* a job on its thread: its input, and the message that will carry its
 * result (allocated before the thread starts, so the main loop always
 * learns that the job ended) */
typedef struct job_run {
    kx_worker *w;
    kx_job_input in;
    kx_job_msg *msg;
} job_run;

static void *job_thread_main(void *arg)
{
    job_run *run = arg;
    kx_worker *w = run->w;
    kx_job_result *r = run->msg->result;
    kx_job job = run->in.job;
    int64_t t0 = kx_now_ms();
    kx_err_clear_detail();
    r->ev = KX_EV_JOB_OK;
    kx_job_fn fn = (unsigned)job <= KX_JOB_COUNT ? job_table[job] : NULL;
    kx_err rc = fn ? fn(w, &run->in, r) : job_unsupported(w, &run->in, r);
    kx_log_info("engine.job_end", "job=%s rc=%s ms=%lld", kx_job_log_name(job), kx_err_name(rc),
                (long long)(kx_now_ms() - t0));
    r->rc = rc;
    kx_strlcpy(r->detail, rc ? kx_err_detail() : "", sizeof r->detail);
    if (rc)
        r->ev = KX_EV_JOB_FAIL;
    kx_job_msg *m = run->msg;
    kx_job_input_clear(&run->in);
    free(run);
    kx_worker_post(w, m);
    return NULL;
}

kx_err kx_job_start(kx_worker *w, kx_job_input *in, unsigned gen, pthread_t *thread)
{
    job_run *run = calloc(1, sizeof *run);
    kx_job_msg *m = calloc(1, sizeof *m);
    kx_job_result *r = calloc(1, sizeof *r);
    if (!run || !m || !r) {
        free(run);
        free(m);
        free(r);
        kx_job_input_clear(in);
        return KX_ERR_NO_MEMORY;
    }
    r->job = in->job;
    r->gen = gen;
    kx_strlcpy(r->session, in->session, sizeof r->session);
    m->gen = gen;
    m->is_result = 1;
    m->result = r;
    run->w = w;
    run->in = *in;
    run->msg = m;
    memset(in, 0, sizeof *in); /* moved */
    w->cancel = 0;
    w->gen = gen;
    if (pthread_create(thread, NULL, job_thread_main, run) != 0) {
        kx_log_error("engine.thread", "errno=%d", errno);
        kx_job_input_clear(&run->in);
        kx_job_msg_free(m);
        free(run);
        return KX_ERR_NO_MEMORY;
    }
    return KX_OK;
}
