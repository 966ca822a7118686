/* SPDX-License-Identifier: MIT */
/*
 * session.c - one customer's session walking its service flow: starting
 * and ending sessions, entering states (timers, the state's job), flow
 * events, the customer's intents, and the boundary with the jobs: a job
 * starts with a copy of the session (kx_job_input), and its messages
 * (progress, the kx_job_result) are applied to the session here and
 * nowhere else. Main loop only.
 *
 * Map: job input; job results; job threads; entering states; events; the
 * worker's messages; sessions and intents; the main loop's hooks.
 *
 * At most one job runs at a time (they share the devices); a job whose
 * state was left is told to stop, and its outcome no longer moves the
 * flow (its data still describes the same customer and is kept).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "agreement.h"
#include "engine_internal.h"

#define RECOVERY_JOB KX_JOB_COUNT
#define ERROR_TIMEOUT_S 90

/* ---- job input: a copy of the session ---- */

static void *copy_bytes(const void *p, size_t n)
{
    void *c = p && n ? malloc(n) : NULL;
    if (c)
        memcpy(c, p, n);
    return c;
}

/* what job may read, copied from the session; the secrets it consumes are
 * moved (the session no longer holds them) */
/* a text field of the session into the same-named field of the input */
#define COPY_TEXT(field) kx_strlcpy(in->field, s->field, sizeof in->field)

static void job_input_from_session(kx_session *s, kx_job job, kx_job_input *in)
{
    memset(in, 0, sizeof *in);
    in->job = job;
    if (!s->active)
        return;
    kx_strlcpy(in->session, s->id, sizeof in->session);
    in->service = s->service;
    COPY_TEXT(current_doc);
    in->have_cert = s->have_cert;
    COPY_TEXT(cert_company);
    COPY_TEXT(cert_uscc);
    COPY_TEXT(cert_serial);
    COPY_TEXT(token_serial);
    in->have_company = s->have_company;
    COPY_TEXT(uscc);
    COPY_TEXT(company_name);
    COPY_TEXT(company_address);
    COPY_TEXT(agent_name);
    COPY_TEXT(agent_idnum);
    COPY_TEXT(phone);
    COPY_TEXT(email);
    in->agreement_at = s->agreement_at;
    COPY_TEXT(case_id);
    COPY_TEXT(order_id);
    in->fee_fen = s->fee_fen;
    in->order_expires_at = s->order_expires_at;
    in->review_started_ms = s->review_started_ms;
    in->revoke_reason = s->revoke_reason;
    in->revoke_with_ukey = s->revoke_with_ukey;
    COPY_TEXT(revoke_pick);
    in->revoke_all = s->revoke_all;
    COPY_TEXT(new_serial);
    in->cert_pem = s->cert_pem ? strdup(s->cert_pem) : NULL;
    if ((in->csr = copy_bytes(s->csr, s->csr_len)))
        in->csr_len = s->csr_len;
    if ((in->csr_sig = copy_bytes(s->csr_sig, s->csr_sig_len)))
        in->csr_sig_len = s->csr_sig_len;
    in->approver = s->approver;
    COPY_TEXT(approve_reason);
    /* the PINs go to the job that uses them, and only to it */
    if (job == KX_JOB_PIN_VERIFY || job == KX_JOB_SM2_RESUME) {
        in->pin = s->pin;
        s->pin = NULL;
    }
    if (job == KX_JOB_TOKEN_SET_PIN || job == KX_JOB_TOKEN_RESET_PIN) {
        in->new_pin = s->new_pin;
        s->new_pin = NULL;
    }
    if (job == KX_JOB_TOKEN_RESET_PIN) {
        in->so_pin = s->so_pin;
        s->so_pin = NULL;
    }
}

/* ---- job results: applied to the session here only ---- */

/* a text part of a result into the same-named field of the session */
#define SET_TEXT(field) kx_strlcpy(s->field, r->field, sizeof s->field)

/* the data a job produced, into the session it was started for (also
 * when the job failed or its state was left meanwhile, as the session
 * still describes the same customer) */
static void session_apply_result(kx_session *s, kx_job_result *r)
{
    unsigned p = r->parts;
    if (!p || !s->active || strcmp(s->id, r->session) != 0)
        return;
    if (p & KX_JR_CASE)
        SET_TEXT(case_id);
    if (p & KX_JR_REVIEW_START)
        s->review_started_ms = r->review_started_ms;
    if (p & KX_JR_CARRY_ERROR) {
        s->carry_error = r->carry_error;
        s->error_msgid = r->error_msgid;
    }
    if (p & KX_JR_FEE) {
        s->fee_fen = r->fee_fen;
        s->have_fee = 1;
    }
    if (p & KX_JR_ORDER) {
        SET_TEXT(order_id);
        SET_TEXT(qr_text);
        s->order_expires_at = r->order_expires_at;
    }
    if (p & KX_JR_ISSUED) {
        SET_TEXT(new_serial);
        free(s->cert_pem);
        free(s->chain_pem);
        s->cert_pem = r->cert_pem;
        s->chain_pem = r->chain_pem;
        r->cert_pem = r->chain_pem = NULL;
    }
    if (p & KX_JR_COMPANY) {
        SET_TEXT(company_name);
        SET_TEXT(company_legal_rep);
        SET_TEXT(company_address);
        s->have_company = 1;
    }
    if (p & KX_JR_SO_PIN) {
        kx_secbuf_free(s->so_pin);
        s->so_pin = r->so_pin;
        r->so_pin = NULL;
    }
    if (p & KX_JR_SEAL_CELLS) {
        memcpy(s->seal_cells, r->seal_cells, sizeof s->seal_cells);
        s->n_seal_cells = r->n_seal_cells;
        s->seal_upside_down = r->seal_upside_down;
    }
    for (int i = 0; (p & KX_JR_PREVIEWS) && i < r->n_previews; i++)
        if (s->n_previews < KX_MAX_PREVIEWS)
            s->previews[s->n_previews++] = r->previews[i];
    if (p & KX_JR_USCC)
        SET_TEXT(uscc);
    if (p & KX_JR_AGENT) {
        SET_TEXT(agent_name);
        SET_TEXT(agent_idnum);
        SET_TEXT(agent_idnum_masked);
        SET_TEXT(agent_valid_to);
        s->agent_age = r->agent_age;
        s->have_agent = 1;
    }
    if ((p & KX_JR_TOKEN_SERIAL) || ((p & KX_JR_BLANK_SERIAL) && !s->token_serial[0]))
        SET_TEXT(token_serial);
    if (p & KX_JR_CERT) {
        SET_TEXT(cert_company);
        SET_TEXT(cert_uscc);
        SET_TEXT(cert_subject);
        SET_TEXT(cert_serial);
        SET_TEXT(cert_not_after);
        SET_TEXT(cert_enc_serial);
        SET_TEXT(cert_enc_not_after);
        s->cert_days_left = r->cert_days_left;
        s->have_cert = 1;
    }
    if (p & KX_JR_TRIES_LEFT)
        s->tries_left = r->tries_left;
    if (p & KX_JR_CSR) {
        free(s->csr);
        free(s->csr_sig);
        s->csr = r->csr;
        s->csr_len = r->csr_len;
        s->csr_sig = r->csr_sig;
        s->csr_sig_len = r->csr_sig_len;
        r->csr = r->csr_sig = NULL;
    }
    if (p & KX_JR_SEALS) {
        s->n_seals = r->n_seals;
        SET_TEXT(seals_until);
    }
    if (p & KX_JR_REVOKE_CERTS) {
        free(s->revoke_certs);
        s->revoke_certs = r->revoke_certs;
        r->revoke_certs = NULL;
    }
}

/* ---- job threads ---- */

/* start the job of the current state, or mark it pending */
static void session_start_job(kx_engine *e, kx_job job)
{
    if (e->job_running) {
        e->job_pending = 1;
        e->job_kind = job; /* started when the running one is joined */
        return;
    }
    e->job_pending = 0;
    e->job_kind = job;
    e->job_worker_kind = job;
    e->job_run_gen = e->job_gen;
    kx_job_input in;
    job_input_from_session(&e->s, job, &in);
    if (kx_job_start(&e->worker, &in, e->job_gen, &e->job_thread)) {
        /* no thread: the job fails at once, as if it had run */
        kx_job_msg *m = calloc(1, sizeof *m);
        kx_job_result *r = calloc(1, sizeof *r);
        if (!m || !r) {
            free(m);
            free(r);
            kx_log_error("engine.thread", "job=%s: no memory", kx_job_log_name(job));
            return;
        }
        r->job = job;
        r->gen = e->job_gen;
        kx_strlcpy(r->session, e->s.id, sizeof r->session);
        r->rc = KX_ERR_NO_MEMORY;
        r->ev = KX_EV_JOB_FAIL;
        m->gen = e->job_gen;
        m->is_result = 1;
        m->result = r;
        e->job_running = 1;
        e->job_thread = pthread_self(); /* nothing to join */
        e->job_no_thread = 1;
        kx_worker_post(&e->worker, m);
        return;
    }
    e->job_running = 1;
    e->job_no_thread = 0;
    kx_log_debug("engine.job_start", "job=%s", kx_job_log_name(job));
}

/* the current state is left: its job (if any) should stop */
static void session_leave_state(kx_engine *e)
{
    e->job_gen++;
    e->job_pending = 0;
    if (e->job_running)
        e->worker.cancel = 1;
    e->deadline_ms = 0;
}

/* ---- entering states ---- */

void kx_session_wipe(kx_session *s)
{
    kx_secbuf_free(s->pin);
    kx_secbuf_free(s->new_pin);
    kx_secbuf_free(s->so_pin);
    free(s->csr);
    free(s->csr_sig);
    free(s->cert_pem);
    free(s->chain_pem);
    free(s->revoke_certs);
    kx_wipe(s, sizeof *s);
    s->active = 0;
}

static void session_set_timer(kx_engine *e, int seconds)
{
    int scaled = (int)((long)seconds * e->set.timeout_percent / 100);
    if (scaled < 1)
        scaled = 1;
    e->timeout_total_s = scaled;
    e->deadline_ms = kx_now_ms() + (int64_t)scaled * 1000;
}

static void session_end(kx_engine *e, const char *outcome)
{
    kx_session *s = &e->s;
    if (!s->active)
        return;
    kx_journal_spool_purge_session(e->journal, s->id);
    kx_journal_session s_row;
    if (kx_journal_session_get(e->journal, s->id, &s_row) == KX_OK && !s_row.outcome[0]) {
        kx_journal_tx open[1];
        size_t n = 0;
        kx_journal_list(e->journal, 1, s->id, open, 1, &n);
        if (n == 0)
            kx_journal_session_end(e->journal, s->id, outcome);
        else
            e->recovery_pending = 1; /* staff or recovery finishes it */
    }
    kx_log_info("session.end", "session=%s service=%s outcome=%s", s->id,
                kx_service_id(s->service), outcome);
    e->metrics_dirty = 1;
}

static void session_go_home(kx_engine *e)
{
    session_leave_state(e);
    session_end(e, "abandoned");
    kx_session_wipe(&e->s);
    if (!e->job_running)
        kx_devices_session_end(e->worker.dev);
    e->timeout_total_s = 0;
    kx_strlcpy(e->lang, e->set.lang, sizeof e->lang);
    if (e->recovery_pending && !e->out_of_service) {
        e->recovery_pending = 0;
        e->recovering = 1;
        session_start_job(e, RECOVERY_JOB);
    }
}

static void session_enter(kx_engine *e)
{
    kx_session *s = &e->s;
    const kx_flow_state *st = kx_flow_state_at(s->flow, s->pos.state);
    s->progress = -1;
    if (s->pos.resume >= 0) { /* the error screen */
        session_set_timer(e, ERROR_TIMEOUT_S);
        kx_log_info("session.error", "session=%s state=%s error=%s detail=\"%s\"", s->id,
                    st->name, kx_err_name(s->error), e->job_detail);
        return;
    }
    if (st->screen != KX_SCREEN_PIN_ENTER && st->screen != KX_SCREEN_PIN_NEW &&
        st->screen != KX_SCREEN_CONTACT) {
        s->error = KX_OK;
        if (!s->carry_error)
            s->error_msgid = NULL;
    }
    if (s->carry_error) { /* a job's outcome explained on the state it led to */
        s->error = s->carry_error;
        s->error_retryable = 0;
        s->carry_error = KX_OK;
    }
    if (st->doc)
        kx_strlcpy(s->current_doc, st->doc, sizeof s->current_doc);
    if (st->screen == KX_SCREEN_DOC_PLACE || st->screen == KX_SCREEN_LICENCE_PLACE ||
        st->screen == KX_SCREEN_SEAL_PLACE || st->job == KX_JOB_SEAL_REUSE) {
        s->n_previews = 0;
        s->n_seal_cells = 0;
    }
    kx_log_info("session.state", "session=%s service=%s state=%s screen=%s", s->id,
                kx_service_id(s->service), st->name, kx_screen_id(st->screen));
    if (st->screen == KX_SCREEN_DONE || st->screen == KX_SCREEN_CANCELLED)
        kx_print_session_end(e, st->screen == KX_SCREEN_CANCELLED); /* receipt */
    if (st->screen == KX_SCREEN_DONE)
        session_end(e, "done");
    else if (st->screen == KX_SCREEN_CANCELLED)
        session_end(e, "cancelled");
    /* every step has a timeout; on a busy screen it bounds the job */
    session_set_timer(e, st->timeout_s);
    if (st->job != KX_JOB_NONE)
        session_start_job(e, st->job);
}

/* ---- events ---- */

static int err_retryable(kx_err rc)
{
    switch (rc) {
    case KX_ERR_UNDERAGE:
    case KX_ERR_PIN_LOCKED:
    case KX_ERR_RA_REJECTED:
    case KX_ERR_PERMISSION:
    case KX_ERR_TLS:
    case KX_ERR_STATE:
        return 0;
    default:
        return 1;
    }
}

/* apply ev to the session (lock held) */
static kx_err session_event(kx_engine *e, kx_event ev)
{
    kx_session *s = &e->s;
    if (!s->active)
        return KX_ERR_STATE;
    if (s->pos.resume >= 0 && ev == KX_EV_RETRY && !s->error_retryable)
        return KX_ERR_STATE;
    kx_flow_pos before = s->pos;
    kx_flow_end end;
    kx_err rc = kx_flow_step(s->flow, &s->pos, ev, &end);
    if (rc)
        return rc;
    kx_log_debug("session.event", "session=%s event=%s from=%s", s->id, kx_event_name(ev),
                 kx_flow_state_at(s->flow, before.state)->name);
    session_leave_state(e);
    if (end == KX_FLOW_HOME)
        session_go_home(e);
    else
        session_enter(e);
    return KX_OK;
}

kx_err kx_session_event(kx_engine *e, kx_event ev)
{
    return session_event(e, ev);
}

/* the worker finished: join it, apply its result, go on */
static void session_job_finished(kx_engine *e, kx_job_result *r)
{
    if (!e->job_no_thread)
        pthread_join(e->job_thread, NULL);
    e->job_running = 0;
    e->job_no_thread = 0;
    kx_job job = e->job_worker_kind;
    int current = e->job_run_gen == e->job_gen;
    kx_strlcpy(e->job_detail, r->detail, sizeof e->job_detail);
    session_apply_result(&e->s, r);
    /* the session ended while this job ran (session_go_home left the
     * devices to it): release them now, as an idle end would have */
    if (!e->s.active && !e->job_pending)
        kx_devices_session_end(e->worker.dev);
    if (job == RECOVERY_JOB)
        e->recovering = 0;
    if (e->job_pending) {
        session_start_job(e, e->job_kind);
    } else if (job == RECOVERY_JOB) {
        if (r->rc) {
            kx_log_error("engine.recovery_incomplete", "error=%s detail=\"%s\"",
                         kx_err_name(r->rc), r->detail);
        }
    } else if (current && e->s.active) {
        if (r->ev == KX_EV_JOB_FAIL) {
            e->s.error = r->rc;
            e->s.error_retryable = err_retryable(r->rc);
            e->s.error_msgid = r->error_msgid; /* NULL: the error's own text */
            e->s.error_seen = r->error_seen;
            e->s.error_wanted = r->error_wanted;
        }
        if (session_event(e, r->ev) != KX_OK)
            kx_log_error("engine.flow", "session=%s job=%s outcome %s not accepted", e->s.id,
                         kx_job_name(job), kx_event_name(r->ev));
    }
    kx_engine_publish(e);
}

/* the worker's messages, oldest first: progress of the current job is
 * shown; a result ends the job */
void kx_session_job_messages(kx_engine *e)
{
    kx_job_msg *list = kx_worker_take(&e->worker);
    for (kx_job_msg *m = list; m; m = m->next) {
        if (m->is_result)
            session_job_finished(e, m->result);
        else if (m->gen == e->job_gen && e->job_running && e->job_run_gen == e->job_gen &&
                 e->s.active)
            e->s.progress = m->progress;
    }
    kx_job_msg_free(list);
}

/* the step's time is up (lock held): an input screen takes its timeout
 * transition; a job that hangs is abandoned (told to stop, its late result
 * ignored; a journaled step keeps its open intent and key for the retry)
 * and the step fails with KX_ERR_TIMEOUT */
static void session_step_timeout(kx_engine *e)
{
    kx_session *s = &e->s;
    const kx_flow_state *st = kx_flow_state_at(s->flow, s->pos.state);
    if (s->pos.resume < 0 && st->screen == KX_SCREEN_BUSY) {
        kx_log_warn("session.job_timeout", "session=%s state=%s job=%s", s->id, st->name,
                    kx_job_name(st->job));
        s->error = KX_ERR_TIMEOUT;
        s->error_retryable = 1;
        s->error_msgid = NULL;
        kx_strlcpy(e->job_detail, "the step took too long", sizeof e->job_detail);
        if (session_event(e, KX_EV_JOB_FAIL) == KX_OK)
            kx_engine_publish(e);
        return;
    }
    if (session_event(e, KX_EV_TIMEOUT) == KX_OK)
        kx_engine_publish(e);
}

/* ---- sessions and intents ---- */

static kx_err session_start(kx_engine *e, kx_service svc)
{
    kx_session *s = &e->s;
    kx_session_wipe(s);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    /* unique across restarts: time plus random bits */
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        rnd = (uint32_t)kx_now_ms() ^ ++e->session_counter;
    snprintf(s->id, sizeof s->id, "S%04d%02d%02d-%02d%02d%02d-%08x", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rnd);
    kx_err rc = kx_journal_session_begin(e->journal, s->id, kx_service_id(svc));
    if (rc)
        return rc;
    s->active = 1;
    s->service = svc;
    s->flow = kx_flow_get(svc);
    s->pos = kx_flow_start(s->flow);
    s->tries_left = -1;
    s->progress = -1;
    kx_log_info("session.start", "session=%s service=%s", s->id, kx_service_id(svc));
    session_enter(e);
    return KX_OK;
}

/* an SM2 pair issued before a restart waits for the customer's PIN and
 * its UKEY is in the kiosk: the same session goes on in the resume flow
 * (flow_tables.c), keeping its service, case and UKEY */
static kx_err session_resume(kx_engine *e, const kx_journal_session *js)
{
    kx_session *s = &e->s;
    kx_service svc;
    if (kx_service_from_id(js->service, &svc))
        return KX_ERR_BAD_FORMAT;
    kx_session_wipe(s);
    kx_strlcpy(s->id, js->id, sizeof s->id);
    kx_strlcpy(s->case_id, js->case_id, sizeof s->case_id);
    kx_strlcpy(s->token_serial, js->token_serial, sizeof s->token_serial);
    kx_strlcpy(s->new_serial, js->new_serial, sizeof s->new_serial);
    kx_strlcpy(e->resume_offered, js->id, sizeof e->resume_offered);
    s->active = 1;
    s->service = svc;
    s->flow = kx_flow_resume_install();
    s->pos = kx_flow_start(s->flow);
    s->tries_left = -1;
    s->progress = -1;
    kx_log_info("session.resume", "session=%s service=%s token=%s", s->id, js->service,
                js->token_serial);
    session_enter(e);
    return KX_OK;
}

/* the idle kiosk looks for such a UKEY about once a second */
static void session_resume_tick(kx_engine *e)
{
    int64_t now = kx_now_ms();
    if (e->s.active || e->job_running || e->recovering || e->out_of_service ||
        now < e->resume_next_ms)
        return;
    e->resume_next_ms = now + 1000;
    kx_journal_session js;
    int present = 0, gone = 0;
    const char *skip = e->resume_offered[0] ? e->resume_offered : NULL;
    if (kx_recover_pin_pending_present(&e->worker, skip, &js, &present, &gone) != KX_OK)
        return;
    if (gone && e->resume_offered[0]) { /* offered again once the UKEY comes back */
        kx_log_info("session.resume_ukey_out", "session=%s", e->resume_offered);
        e->resume_offered[0] = 0;
    }
    if (present && session_resume(e, &js) == KX_OK)
        kx_engine_publish(e);
}

static int all_digits(const char *p, size_t min, size_t max)
{
    size_t n = p ? strlen(p) : 0;
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* wipe a JSON string member in place (it may be a PIN) */
static void json_wipe_member(json_t *msg, const char *key)
{
    json_t *v = json_object_get(msg, key);
    if (json_is_string(v))
        kx_wipe((void *)(uintptr_t)json_string_value(v), json_string_length(v));
}

static kx_err intent_pin(kx_engine *e, json_t *msg, int new_pin)
{
    kx_session *s = &e->s;
    const char *pin = json_string_value(json_object_get(msg, "pin"));
    kx_err rc = KX_OK;
    if (new_pin) {
        const char *rep = json_string_value(json_object_get(msg, "repeat"));
        if (!all_digits(pin, KX_NEW_PIN_MIN, KX_PIN_MAX) || !rep || strcmp(pin, rep) != 0)
            rc = KX_ERR_PIN_POLICY;
    } else if (!all_digits(pin, KX_PIN_MIN, KX_PIN_MAX)) {
        rc = KX_ERR_BAD_FORMAT;
    }
    if (!rc && !kx_flow_accepts(s->flow, s->pos, new_pin ? KX_EV_NEW_PIN : KX_EV_PIN))
        rc = KX_ERR_STATE;
    kx_secbuf **slot = new_pin ? &s->new_pin : &s->pin;
    if (!rc) {
        if (!*slot)
            rc = kx_secbuf_new(KX_PIN_MAX, slot);
        if (!rc)
            rc = kx_secbuf_set(*slot, pin, strlen(pin));
    }
    json_wipe_member(msg, "pin");
    json_wipe_member(msg, "repeat");
    if (rc == KX_ERR_PIN_POLICY || rc == KX_ERR_BAD_FORMAT) {
        s->error = rc;
        kx_engine_publish(e);
        return rc;
    }
    if (rc)
        return rc;
    return session_event(e, new_pin ? KX_EV_NEW_PIN : KX_EV_PIN);
}

static kx_err intent_contact(kx_engine *e, json_t *msg)
{
    kx_session *s = &e->s;
    const char *phone = json_string_value(json_object_get(msg, "phone"));
    const char *email = json_string_value(json_object_get(msg, "email"));
    if (!email)
        email = "";
    kx_phone_info ph; /* a mobile or a landline (申请表 联系电话) */
    if (kx_phone_check(phone, &ph) == KX_PHONE_BAD) {
        if (kx_flow_accepts(s->flow, s->pos, KX_EV_CONTACT)) { /* said on the screen */
            s->error = KX_ERR_BAD_FORMAT;
            s->error_msgid = N_("Enter a mobile (11 digits) or a landline with its area code, "
                                "e.g. 0791-82097407.");
            kx_engine_publish(e);
        }
        return KX_ERR_BAD_FORMAT;
    }
    size_t el = strlen(email);
    if (el >= sizeof s->email || (el && (!strchr(email, '@') || strchr(email, ' '))))
        return KX_ERR_BAD_FORMAT;
    if (!kx_flow_accepts(s->flow, s->pos, KX_EV_CONTACT))
        return KX_ERR_STATE;
    kx_strlcpy(s->phone, ph.canonical, sizeof s->phone);
    kx_strlcpy(s->email, email, sizeof s->email);
    return session_event(e, KX_EV_CONTACT);
}

static kx_err intent_choose(kx_engine *e, json_t *msg)
{
    kx_session *s = &e->s;
    const char *v = json_string_value(json_object_get(msg, "value"));
    if (!v)
        return KX_ERR_BAD_FORMAT;
    const kx_flow_state *st = kx_flow_state_at(s->flow, s->pos.state);
    if (s->pos.resume >= 0)
        return KX_ERR_STATE;
    if (st->screen == KX_SCREEN_REVOKE_METHOD) {
        if (strcmp(v, "ukey") == 0) {
            s->revoke_with_ukey = 1;
            return session_event(e, KX_EV_CHOOSE);
        }
        if (strcmp(v, "licence") == 0)
            return session_event(e, KX_EV_CHOOSE_ALT);
        return KX_ERR_BAD_FORMAT;
    }
    if (st->screen == KX_SCREEN_REVOKE_REASON) {
        for (int i = 0; kx_revoke_reason_ids[i]; i++)
            if (strcmp(v, kx_revoke_reason_ids[i]) == 0) {
                s->revoke_reason = kx_revoke_reason_codes[i];
                return session_event(e, KX_EV_CHOOSE);
            }
        return KX_ERR_BAD_FORMAT;
    }
    if (st->screen == KX_SCREEN_REVOKE_PICK) {
        kx_err rc = kx_revoke_pick_choose(s, v);
        return rc ? rc : session_event(e, KX_EV_CHOOSE);
    }
    return KX_ERR_STATE;
}

kx_err kx_session_intent(kx_engine *e, kx_intent intent, json_t *msg, kx_role role)
{
    kx_session *s = &e->s;
    kx_log_info("engine.intent", "intent=%s role=%s session=%s", kx_intent_name(intent),
                kx_role_name(role), s->active ? s->id : "-");
    switch (intent) {
    case KX_INTENT_SET_LANGUAGE: {
        const char *l = json_string_value(json_object_get(msg, "lang"));
        if (!l || (strcmp(l, "zh_CN") != 0 && strcmp(l, "en") != 0))
            return KX_ERR_BAD_FORMAT;
        kx_strlcpy(e->lang, l, sizeof e->lang);
        kx_engine_publish(e);
        return KX_OK;
    }
    case KX_INTENT_ACTIVITY:
        if (s->active && e->deadline_ms) {
            const kx_flow_state *st = kx_flow_state_at(s->flow, s->pos.state);
            session_set_timer(e, s->pos.resume >= 0 ? ERROR_TIMEOUT_S : st->timeout_s);
            kx_engine_publish(e);
        }
        return KX_OK;
    case KX_INTENT_CHOOSE_SERVICE: {
        kx_service svc;
        if (s->active || e->recovering || e->out_of_service)
            return KX_ERR_STATE;
        if (kx_service_from_id(json_string_value(json_object_get(msg, "service")), &svc))
            return KX_ERR_BAD_FORMAT;
        kx_err rc = session_start(e, svc);
        if (!rc)
            kx_engine_publish(e);
        return rc;
    }
    case KX_INTENT_PIN:
    case KX_INTENT_NEW_PIN: {
        if (!s->active) {
            json_wipe_member(msg, "pin");
            json_wipe_member(msg, "repeat");
            return KX_ERR_STATE;
        }
        kx_err rc = intent_pin(e, msg, intent == KX_INTENT_NEW_PIN);
        if (!rc)
            kx_engine_publish(e);
        return rc;
    }
    case KX_INTENT_STAFF_RESET:
        if (!s->active)
            return KX_ERR_STATE;
        if (kx_flow_accepts(s->flow, s->pos, KX_EV_STAFF_RESET) ||
            !kx_flow_accepts(s->flow, s->pos, KX_EV_CANCEL)) {
            /* staff leave the session; open transactions stay for recovery */
            session_leave_state(e);
            e->recovery_pending = 1;
            session_go_home(e);
        } else {
            session_event(e, KX_EV_CANCEL); /* compensates as a user's cancel */
        }
        kx_engine_publish(e);
        return KX_OK;
    default:
        break;
    }
    if (!s->active)
        return KX_ERR_STATE;
    kx_err rc;
    if (intent == KX_INTENT_CONTACT)
        rc = intent_contact(e, msg);
    else if (intent == KX_INTENT_CHOOSE)
        rc = intent_choose(e, msg);
    else {
        kx_event ev;
        if (kx_event_from_intent(intent, &ev))
            return KX_ERR_STATE;
        /* the agreement's text and version are journaled as accepted */
        rc = KX_OK;
        if (ev == KX_EV_CONFIRM && s->pos.resume < 0 &&
            kx_flow_state_at(s->flow, s->pos.state)->screen == KX_SCREEN_AGREEMENT)
            rc = kx_agreement_accept(e);
        if (!rc)
            rc = session_event(e, ev);
    }
    if (!rc)
        kx_engine_publish(e);
    return rc;
}

/* ---- the main loop's hooks ---- */

void kx_session_start_recovery(kx_engine *e)
{
    e->recovering = 1;
    session_start_job(e, RECOVERY_JOB);
}

void kx_session_tick(kx_engine *e)
{
    if (e->deadline_ms && kx_now_ms() >= e->deadline_ms) {
        e->deadline_ms = 0;
        if (e->s.active)
            session_step_timeout(e);
    }
    session_resume_tick(e);
}
