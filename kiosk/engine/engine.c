/* SPDX-License-Identifier: MIT */
/*
 * engine.c - kioskd's core: configuration, the main loop, sessions walking
 * their flow, step timers and job threads.
 *
 * Map: settings; time and wake-up; job threads; entering states; events
 * and intents; sessions; main loop; create/destroy.
 *
 * The main loop never blocks on a device or the RA: jobs run on a worker
 * thread. A job gets a copy of the session's fields (kx_job_input) and
 * sends back messages (progress, then its kx_job_result) through the
 * worker's mailbox, which wakes the loop; only the main loop applies them
 * to the session (engine_internal.h). At most one job runs at a time
 * (they share the devices); a job whose state was left is told to stop,
 * and its outcome no longer moves the flow.
 */
#include "engine_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"

#define RECOVERY_JOB KX_JOB_COUNT
#define ERROR_TIMEOUT_S 90

/* ---- settings ---- */

static kx_err engine_load_settings(kx_engine *e)
{
    const kx_config *cfg = e->cfg;
    kx_engine_settings *s = &e->set;
    kx_err rc;
    long v;
    kx_strlcpy(s->state_dir,
               kx_config_get_str(cfg, "kiosk", "state_dir", "/var/lib/jxca-kiosk"),
               sizeof s->state_dir);
    snprintf(s->spool_dir, sizeof s->spool_dir, "%s/spool", s->state_dir);
    const char *sock = kx_config_get_str(cfg, "engine", "socket", KX_PROTO_DEFAULT_SOCKET);
    if (kx_strlcpy(s->socket_path, sock, sizeof s->socket_path) >= sizeof s->socket_path) {
        kx_err_set_detail("%s:%d: [engine] socket: path longer than %zu bytes",
                          kx_config_name(cfg), kx_config_line(cfg, "engine", "socket"),
                          sizeof s->socket_path - 1);
        return KX_ERR_CONFIG;
    }
    if ((rc = kx_config_get_int(cfg, "engine", "timeout_percent", 100, 1, 1000, &v)))
        return rc;
    s->timeout_percent = (int)v;
    if ((rc = kx_config_get_int(cfg, "engine", "poll_ms", 1000, 20, 60000, &v)))
        return rc;
    s->poll_ms = v;
    kx_strlcpy(s->ui_users, kx_config_get_str(cfg, "engine", "ui_users", "kiosk"),
               sizeof s->ui_users);
    kx_strlcpy(s->staff_users, kx_config_get_str(cfg, "engine", "staff_users", ""),
               sizeof s->staff_users);
    static const char *const langs[] = {"zh_CN", "en", NULL};
    int li;
    if ((rc = kx_config_get_enum(cfg, "kiosk", "language", langs, 0, &li)))
        return rc;
    kx_strlcpy(s->lang, langs[li], sizeof s->lang);
    if ((rc = kx_fees_load(cfg, &e->fees)) || (rc = kx_rules_load(cfg, &e->rules)))
        return rc;
    return KX_OK;
}

/* ---- wake-up ---- */

void kx_engine_stop(kx_engine *e)
{
    e->stop = 1;
    char c = 1;
    ssize_t n = write(e->wake_pipe[1], &c, 1);
    (void)n; /* a full pipe already wakes the loop */
}

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
static void job_input_from_session(kx_session *s, kx_job job, kx_job_input *in)
{
    memset(in, 0, sizeof *in);
    in->job = job;
    if (!s->active)
        return;
    kx_strlcpy(in->session, s->id, sizeof in->session);
    in->service = s->service;
    kx_strlcpy(in->current_doc, s->current_doc, sizeof in->current_doc);
    in->have_cert = s->have_cert;
    kx_strlcpy(in->cert_company, s->cert_company, sizeof in->cert_company);
    kx_strlcpy(in->cert_uscc, s->cert_uscc, sizeof in->cert_uscc);
    kx_strlcpy(in->cert_serial, s->cert_serial, sizeof in->cert_serial);
    kx_strlcpy(in->token_serial, s->token_serial, sizeof in->token_serial);
    in->have_company = s->have_company;
    kx_strlcpy(in->uscc, s->uscc, sizeof in->uscc);
    kx_strlcpy(in->company_name, s->company_name, sizeof in->company_name);
    kx_strlcpy(in->agent_name, s->agent_name, sizeof in->agent_name);
    kx_strlcpy(in->agent_idnum, s->agent_idnum, sizeof in->agent_idnum);
    kx_strlcpy(in->phone, s->phone, sizeof in->phone);
    kx_strlcpy(in->email, s->email, sizeof in->email);
    in->agreement_at = s->agreement_at;
    kx_strlcpy(in->case_id, s->case_id, sizeof in->case_id);
    kx_strlcpy(in->order_id, s->order_id, sizeof in->order_id);
    in->fee_fen = s->fee_fen;
    in->order_expires_at = s->order_expires_at;
    in->review_started_ms = s->review_started_ms;
    in->revoke_reason = s->revoke_reason;
    kx_strlcpy(in->new_serial, s->new_serial, sizeof in->new_serial);
    in->cert_pem = s->cert_pem ? strdup(s->cert_pem) : NULL;
    if ((in->csr = copy_bytes(s->csr, s->csr_len)))
        in->csr_len = s->csr_len;
    if ((in->csr_sig = copy_bytes(s->csr_sig, s->csr_sig_len)))
        in->csr_sig_len = s->csr_sig_len;
    in->approver = s->approver;
    kx_strlcpy(in->approve_reason, s->approve_reason, sizeof in->approve_reason);
    /* the PINs go to the job that uses them, and only to it */
    if (job == KX_JOB_PIN_VERIFY) {
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

static void take_text(char *dst, size_t dstsz, const char *src)
{
    kx_strlcpy(dst, src, dstsz);
}

/* the data a job produced, into the session it was started for (also
 * when the job failed or its state was left meanwhile, as the session
 * still describes the same customer) */
static void session_apply_result(kx_session *s, kx_job_result *r)
{
    unsigned p = r->parts;
    if (!p || !s->active || strcmp(s->id, r->session) != 0)
        return;
    if (p & KX_JR_CASE)
        take_text(s->case_id, sizeof s->case_id, r->case_id);
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
        take_text(s->order_id, sizeof s->order_id, r->order_id);
        take_text(s->qr_text, sizeof s->qr_text, r->qr_text);
        s->order_expires_at = r->order_expires_at;
    }
    if (p & KX_JR_ISSUED) {
        take_text(s->new_serial, sizeof s->new_serial, r->new_serial);
        free(s->cert_pem);
        free(s->chain_pem);
        s->cert_pem = r->cert_pem;
        s->chain_pem = r->chain_pem;
        r->cert_pem = r->chain_pem = NULL;
    }
    if (p & KX_JR_COMPANY) {
        take_text(s->company_name, sizeof s->company_name, r->company_name);
        take_text(s->company_legal_rep, sizeof s->company_legal_rep, r->company_legal_rep);
        take_text(s->company_address, sizeof s->company_address, r->company_address);
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
    }
    for (int i = 0; (p & KX_JR_PREVIEWS) && i < r->n_previews; i++)
        if (s->n_previews < KX_MAX_PREVIEWS)
            s->previews[s->n_previews++] = r->previews[i];
    if (p & KX_JR_USCC)
        take_text(s->uscc, sizeof s->uscc, r->uscc);
    if (p & KX_JR_AGENT) {
        take_text(s->agent_name, sizeof s->agent_name, r->agent_name);
        take_text(s->agent_idnum, sizeof s->agent_idnum, r->agent_idnum);
        take_text(s->agent_idnum_masked, sizeof s->agent_idnum_masked, r->agent_idnum_masked);
        take_text(s->agent_valid_to, sizeof s->agent_valid_to, r->agent_valid_to);
        s->agent_age = r->agent_age;
        s->have_agent = 1;
    }
    if ((p & KX_JR_TOKEN_SERIAL) || ((p & KX_JR_BLANK_SERIAL) && !s->token_serial[0]))
        take_text(s->token_serial, sizeof s->token_serial, r->token_serial);
    if (p & KX_JR_CERT) {
        take_text(s->cert_company, sizeof s->cert_company, r->cert_company);
        take_text(s->cert_uscc, sizeof s->cert_uscc, r->cert_uscc);
        take_text(s->cert_subject, sizeof s->cert_subject, r->cert_subject);
        take_text(s->cert_serial, sizeof s->cert_serial, r->cert_serial);
        take_text(s->cert_not_after, sizeof s->cert_not_after, r->cert_not_after);
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
}

/* ---- job threads ---- */

/* start the job of the current state, or mark it pending */
static void engine_start_job(kx_engine *e, kx_job job)
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
static void engine_leave_state(kx_engine *e)
{
    e->job_gen++;
    e->job_pending = 0;
    if (e->job_running)
        e->worker.cancel = 1;
    e->deadline_ms = 0;
}

/* ---- entering states ---- */

static void session_wipe(kx_session *s)
{
    kx_secbuf_free(s->pin);
    kx_secbuf_free(s->new_pin);
    kx_secbuf_free(s->so_pin);
    free(s->csr);
    free(s->csr_sig);
    free(s->cert_pem);
    free(s->chain_pem);
    kx_wipe(s, sizeof *s);
    s->active = 0;
}

static void engine_set_timer(kx_engine *e, int seconds)
{
    int scaled = (int)((long)seconds * e->set.timeout_percent / 100);
    if (scaled < 1)
        scaled = 1;
    e->timeout_total_s = scaled;
    e->deadline_ms = kx_now_ms() + (int64_t)scaled * 1000;
}

static void engine_end_session(kx_engine *e, const char *outcome)
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

static void engine_go_home(kx_engine *e)
{
    engine_leave_state(e);
    engine_end_session(e, "abandoned");
    session_wipe(&e->s);
    if (!e->job_running)
        kx_devices_session_end(e->worker.dev);
    e->timeout_total_s = 0;
    kx_strlcpy(e->lang, e->set.lang, sizeof e->lang);
    if (e->recovery_pending && !e->out_of_service) {
        e->recovery_pending = 0;
        e->recovering = 1;
        engine_start_job(e, RECOVERY_JOB);
    }
}

static void engine_enter(kx_engine *e)
{
    kx_session *s = &e->s;
    const kx_flow_state *st = kx_flow_state_at(s->flow, s->pos.state);
    s->progress = -1;
    if (s->pos.resume >= 0) { /* the error screen */
        engine_set_timer(e, ERROR_TIMEOUT_S);
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
        st->screen == KX_SCREEN_SEAL_PLACE) {
        s->n_previews = 0;
        s->n_seal_cells = 0;
    }
    kx_log_info("session.state", "session=%s service=%s state=%s screen=%s", s->id,
                kx_service_id(s->service), st->name, kx_screen_id(st->screen));
    if (st->screen == KX_SCREEN_DONE)
        engine_end_session(e, "done");
    else if (st->screen == KX_SCREEN_CANCELLED)
        engine_end_session(e, "cancelled");
    /* every step has a timeout; on a busy screen it bounds the job */
    engine_set_timer(e, st->timeout_s);
    if (st->job != KX_JOB_NONE)
        engine_start_job(e, st->job);
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
static kx_err engine_event(kx_engine *e, kx_event ev)
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
    engine_leave_state(e);
    if (end == KX_FLOW_HOME)
        engine_go_home(e);
    else
        engine_enter(e);
    return KX_OK;
}

kx_err kx_engine_event(kx_engine *e, kx_event ev)
{
    return engine_event(e, ev);
}

/* the worker finished: join it, apply its result, go on */
static void engine_job_finished(kx_engine *e, kx_job_result *r)
{
    if (!e->job_no_thread)
        pthread_join(e->job_thread, NULL);
    e->job_running = 0;
    e->job_no_thread = 0;
    kx_job job = e->job_worker_kind;
    int current = e->job_run_gen == e->job_gen;
    kx_strlcpy(e->job_detail, r->detail, sizeof e->job_detail);
    session_apply_result(&e->s, r);
    /* the session ended while this job ran (engine_go_home left the
     * devices to it): release them now, as an idle end would have */
    if (!e->s.active && !e->job_pending)
        kx_devices_session_end(e->worker.dev);
    if (job == RECOVERY_JOB)
        e->recovering = 0;
    if (e->job_pending) {
        engine_start_job(e, e->job_kind);
    } else if (job == RECOVERY_JOB) {
        if (r->rc) {
            kx_log_error("engine.recovery_incomplete", "error=%s detail=\"%s\"",
                         kx_err_name(r->rc), r->detail);
        }
    } else if (current && e->s.active) {
        if (r->ev == KX_EV_JOB_FAIL) {
            e->s.error = r->rc;
            e->s.error_retryable = err_retryable(r->rc);
            e->s.error_msgid = NULL;
        }
        if (engine_event(e, r->ev) != KX_OK)
            kx_log_error("engine.flow", "session=%s job=%s outcome %s not accepted", e->s.id,
                         kx_job_name(job), kx_event_name(r->ev));
    }
    kx_engine_publish(e);
}

/* the worker's messages, oldest first: progress of the current job is
 * shown; a result ends the job */
static void engine_job_messages(kx_engine *e)
{
    kx_job_msg *list = kx_worker_take(&e->worker);
    for (kx_job_msg *m = list; m; m = m->next) {
        if (m->is_result)
            engine_job_finished(e, m->result);
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
static void engine_step_timeout(kx_engine *e)
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
        if (engine_event(e, KX_EV_JOB_FAIL) == KX_OK)
            kx_engine_publish(e);
        return;
    }
    if (engine_event(e, KX_EV_TIMEOUT) == KX_OK)
        kx_engine_publish(e);
}

/* ---- sessions and intents ---- */

static kx_err engine_start_session(kx_engine *e, kx_service svc)
{
    kx_session *s = &e->s;
    session_wipe(s);
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
    engine_enter(e);
    return KX_OK;
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
    return engine_event(e, new_pin ? KX_EV_NEW_PIN : KX_EV_PIN);
}

static kx_err intent_contact(kx_engine *e, json_t *msg)
{
    kx_session *s = &e->s;
    const char *phone = json_string_value(json_object_get(msg, "phone"));
    const char *email = json_string_value(json_object_get(msg, "email"));
    if (!email)
        email = "";
    if (!all_digits(phone, 11, 11) || phone[0] != '1')
        return KX_ERR_BAD_FORMAT;
    size_t el = strlen(email);
    if (el >= sizeof s->email || (el && (!strchr(email, '@') || strchr(email, ' '))))
        return KX_ERR_BAD_FORMAT;
    if (!kx_flow_accepts(s->flow, s->pos, KX_EV_CONTACT))
        return KX_ERR_STATE;
    kx_strlcpy(s->phone, phone, sizeof s->phone);
    kx_strlcpy(s->email, email, sizeof s->email);
    return engine_event(e, KX_EV_CONTACT);
}

static const char *const revoke_reasons[] = {
    "unspecified", "key_compromise",         "affiliation_changed",
    "superseded",  "cessation_of_operation", NULL};
static const int revoke_reason_codes[] = {0, 1, 3, 4, 5};

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
            return engine_event(e, KX_EV_CHOOSE);
        }
        if (strcmp(v, "licence") == 0)
            return engine_event(e, KX_EV_CHOOSE_ALT);
        return KX_ERR_BAD_FORMAT;
    }
    if (st->screen == KX_SCREEN_REVOKE_REASON) {
        for (int i = 0; revoke_reasons[i]; i++)
            if (strcmp(v, revoke_reasons[i]) == 0) {
                s->revoke_reason = revoke_reason_codes[i];
                return engine_event(e, KX_EV_CHOOSE);
            }
        return KX_ERR_BAD_FORMAT;
    }
    return KX_ERR_STATE;
}

const char *const *kx_engine_revoke_reasons(void)
{
    return revoke_reasons;
}

static kx_err engine_intent_apply(kx_engine *e, kx_intent intent, json_t *msg, kx_role role);

kx_err kx_engine_intent(kx_engine *e, kx_intent intent, json_t *msg, kx_role role)
{
    if (!kx_intent_is_staff(intent))
        return engine_intent_apply(e, intent, msg, role);
    /* staff intents: a logged-in member (any connection) or, without
     * [staff:ID] members, a staff connection; recorded either way */
    kx_staff_actor a;
    const char *reason = "";
    kx_err rc = kx_staff_intent_begin(e, intent, msg, role, &a, &reason);
    if (rc)
        return rc;
    char session[KX_SESSION_ID_MAX] = "", state[64] = "";
    if (e->s.active) {
        kx_strlcpy(session, e->s.id, sizeof session);
        kx_strlcpy(state, kx_flow_state_at(e->s.flow, e->s.pos.state)->name, sizeof state);
        if (intent == KX_INTENT_STAFF_APPROVE) { /* for the staff_approval job */
            e->s.approver = a;
            kx_strlcpy(e->s.approve_reason, reason, sizeof e->s.approve_reason);
        }
    }
    rc = engine_intent_apply(e, intent, msg, KX_ROLE_STAFF);
    /* an approval the RA must grant is recorded by the staff_approval job,
     * with the RA's answer as its outcome */
    if (rc == KX_OK && e->s.active && e->s.pos.resume < 0 &&
        kx_flow_state_at(e->s.flow, e->s.pos.state)->job == KX_JOB_STAFF_APPROVAL)
        return rc;
    kx_staff_intent_end(e, intent, &a, session, state, reason, rc);
    return rc;
}

static kx_err engine_intent_apply(kx_engine *e, kx_intent intent, json_t *msg, kx_role role)
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
            engine_set_timer(e, s->pos.resume >= 0 ? ERROR_TIMEOUT_S : st->timeout_s);
            kx_engine_publish(e);
        }
        return KX_OK;
    case KX_INTENT_CHOOSE_SERVICE: {
        kx_service svc;
        if (s->active || e->recovering || e->out_of_service)
            return KX_ERR_STATE;
        if (kx_service_from_id(json_string_value(json_object_get(msg, "service")), &svc))
            return KX_ERR_BAD_FORMAT;
        kx_err rc = engine_start_session(e, svc);
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
            engine_leave_state(e);
            e->recovery_pending = 1;
            engine_go_home(e);
        } else {
            engine_event(e, KX_EV_CANCEL); /* compensates as a user's cancel */
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
        rc = engine_event(e, ev);
    }
    if (!rc)
        kx_engine_publish(e);
    return rc;
}

/* ---- main loop ---- */

kx_err kx_engine_run(kx_engine *e)
{
    struct pollfd pfd[2 + KX_PROTO_MAX_CLIENTS];
    e->recovering = 1;
    engine_start_job(e, RECOVERY_JOB);
    kx_engine_publish(e);
    kx_log_info("engine.ready", "socket=%s state_dir=%s", e->set.socket_path, e->set.state_dir);
    while (!e->stop) {
        pfd[0] = (struct pollfd){.fd = e->wake_pipe[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = e->listen_fd, .events = POLLIN};
        int n = 2 + kx_server_pollfds(e, pfd + 2, KX_PROTO_MAX_CLIENTS);
        int timeout = 1000;
        if (e->deadline_ms) {
            int64_t left = e->deadline_ms - kx_now_ms();
            timeout = left < 0 ? 0 : (left < 1000 ? (int)left : 1000);
        }
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) {
            kx_log_error("engine.poll", "errno=%d", errno);
            return KX_ERR_IO;
        }
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            char buf[64];
            while (read(e->wake_pipe[0], buf, sizeof buf) > 0) {
            }
        }
        engine_job_messages(e);
        if (r > 0)
            kx_server_handle(e, pfd, n);
        if (e->deadline_ms && kx_now_ms() >= e->deadline_ms) {
            e->deadline_ms = 0;
            if (e->s.active)
                engine_step_timeout(e);
        }
        kx_staff_mode_tick(e);
    }
    return KX_OK;
}

/* ---- create / destroy ---- */

static kx_err make_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return KX_OK;
    kx_err_set_detail("mkdir %s: %s", path, strerror(errno));
    return KX_ERR_IO;
}

kx_err kx_engine_create(const kx_config *cfg, kx_engine **out)
{
    kx_engine *e = calloc(1, sizeof *e);
    if (!e)
        return KX_ERR_NO_MEMORY;
    e->cfg = cfg;
    e->listen_fd = -1;
    e->wake_pipe[0] = e->wake_pipe[1] = -1;
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++)
        e->clients[i].fd = -1;
    e->started_ms = kx_now_ms();
    kx_err rc = engine_load_settings(e);
    if (!rc)
        rc = make_dir(e->set.state_dir, 0750);
    if (!rc)
        rc = make_dir(e->set.spool_dir, 0750);
    if (!rc)
        rc = kx_journal_open(e->set.state_dir, &e->journal);
    if (!rc && pipe2(e->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        rc = KX_ERR_IO;
    if (!rc && !(rc = kx_worker_init(&e->worker, e->wake_pipe[1])))
        e->worker_ready = 1;
    kx_strlcpy(e->lang, e->set.lang, sizeof e->lang);
    e->worker.cfg = cfg;
    e->worker.set = &e->set;
    e->worker.rules = &e->rules;
    e->worker.fees = &e->fees;
    e->worker.journal = e->journal;
    if (!rc)
        rc = kx_devices_open(cfg, &e->worker.dev);
    if (!rc)
        rc = kx_staff_mode_open(e);
    if (!rc)
        e->worker.staff_db = kx_staff_mode_db(e);
    if (!rc)
        rc = kx_server_listen(e);
    if (rc) {
        kx_engine_destroy(e);
        return rc;
    }
    *out = e;
    return KX_OK;
}

void kx_engine_destroy(kx_engine *e)
{
    if (!e)
        return;
    e->worker.cancel = 1;
    if (e->job_running && !e->job_no_thread)
        pthread_join(e->job_thread, NULL);
    kx_server_close(e);
    kx_devices_close(e->worker.dev);
    kx_staff_mode_close(e);
    session_wipe(&e->s);
    if (e->worker_ready)
        kx_worker_fini(&e->worker);
    kx_journal_close(e->journal);
    if (e->wake_pipe[0] >= 0)
        close(e->wake_pipe[0]);
    if (e->wake_pipe[1] >= 0)
        close(e->wake_pipe[1]);
    free(e);
}

void kx_engine_print_flows(void)
{
    for (int svc = 0; svc < KX_SVC_COUNT; svc++) {
        const kx_flow *f = kx_flow_get((kx_service)svc);
        printf("flow %s\n", kx_service_id((kx_service)svc));
        for (size_t i = 0; i < f->n_states; i++) {
            const kx_flow_state *st = &f->states[i];
            printf("  %-16s screen=%-18s job=%-16s timeout=%ds abort=%s", st->name,
                   kx_screen_id(st->screen), kx_job_name(st->job), st->timeout_s, st->abort);
            for (int k = 0; k < KX_FLOW_MAX_TR; k++)
                if (st->on[k].next)
                    printf(" %s->%s", kx_event_name(st->on[k].ev), st->on[k].next);
            printf("\n");
        }
    }
}
