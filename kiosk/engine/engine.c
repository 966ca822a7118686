/* SPDX-License-Identifier: MIT */
/*
 * engine.c - kioskd's core: configuration, the main loop, sessions walking
 * their flow, step timers and job threads.
 *
 * Map: settings; time and wake-up; job threads; entering states; events
 * and intents; sessions; main loop; create/destroy.
 *
 * The main loop never blocks on a device or the RA: jobs run on a worker
 * thread and report through the wake-up pipe. At most one job runs at a
 * time (they share the devices); a job whose state was left is told to
 * stop, and its result is ignored.
 */
#include "engine_internal.h"
#include "engine_jobs.h"

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
#include "engine_staff.h"

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

/* ---- time and wake-up ---- */

int64_t kx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kx_engine_wake(kx_engine *e)
{
    char c = 1;
    ssize_t n = write(e->wake_pipe[1], &c, 1);
    (void)n; /* a full pipe already wakes the loop */
}

void kx_engine_stop(kx_engine *e)
{
    e->stop = 1;
    kx_engine_wake(e);
}

void kx_crash_point(const char *kind, const char *phase)
{
    const char *at = getenv("KX_CRASH_AT");
    if (!at || !*at)
        return;
    char want[128];
    snprintf(want, sizeof want, "%s:%s", kind, phase);
    if (strcmp(at, want) == 0) {
        kx_log_warn("engine.crash_point", "at=%s", want);
        raise(SIGKILL);
    }
}

/* ---- job threads ---- */

static void *engine_job_main(void *arg)
{
    kx_engine *e = arg;
    pthread_mutex_lock(&e->mu);
    kx_job job = e->job_worker_kind;
    pthread_mutex_unlock(&e->mu);
    kx_event ev = KX_EV_JOB_OK;
    kx_err rc;
    int64_t t0 = kx_now_ms();
    if ((int)job == RECOVERY_JOB)
        rc = kx_recover_all(e);
    else
        rc = kx_job_run(e, job, &ev);
    kx_log_info("engine.job_end", "job=%s rc=%s ms=%lld",
                (int)job == RECOVERY_JOB ? "recovery" : kx_job_name(job), kx_err_name(rc),
                (long long)(kx_now_ms() - t0));
    pthread_mutex_lock(&e->mu);
    e->job_rc = rc;
    kx_strlcpy(e->job_detail, rc ? kx_err_detail() : "", sizeof e->job_detail);
    e->job_event = rc ? KX_EV_JOB_FAIL : ev;
    e->job_done = 1;
    pthread_mutex_unlock(&e->mu);
    kx_engine_wake(e);
    return NULL;
}

/* start the job of the current state, or mark it pending (lock held) */
static void engine_start_job(kx_engine *e, kx_job job)
{
    if (e->job_running) {
        e->job_pending = 1;
        e->job_kind = job; /* read by the next worker */
        return;
    }
    e->job_pending = 0;
    e->job_kind = job;
    e->job_worker_kind = job;
    e->job_cancel = 0;
    e->job_run_gen = e->job_gen;
    e->job_done = 0;
    if (pthread_create(&e->job_thread, NULL, engine_job_main, e) != 0) {
        kx_log_error("engine.thread", "errno=%d", errno);
        e->job_rc = KX_ERR_NO_MEMORY;
        e->job_event = KX_EV_JOB_FAIL;
        e->job_done = 1;
        e->job_running = 0;
        kx_engine_wake(e);
        return;
    }
    e->job_running = 1;
    kx_log_debug("engine.job_start", "job=%s",
                 (int)job == RECOVERY_JOB ? "recovery" : kx_job_name(job));
}

/* the current state is left: its job (if any) should stop (lock held) */
static void engine_leave_state(kx_engine *e)
{
    e->job_gen++;
    e->job_pending = 0;
    if (e->job_running)
        e->job_cancel = 1;
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
    kx_staff_mode_dirty(e);
}

static void engine_go_home(kx_engine *e)
{
    engine_leave_state(e);
    engine_end_session(e, "abandoned");
    session_wipe(&e->s);
    if (!e->job_running)
        kx_devices_session_end(e);
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

/* the worker finished (lock held) */
static void engine_job_finished(kx_engine *e)
{
    pthread_join(e->job_thread, NULL);
    e->job_running = 0;
    e->job_done = 0;
    kx_job job = e->job_worker_kind;
    int current = e->job_run_gen == e->job_gen;
    /* the session ended while this job ran (engine_go_home left the
     * devices to it): release them now, as an idle end would have */
    if (!e->s.active && !e->job_pending)
        kx_devices_session_end(e);
    if ((int)job == RECOVERY_JOB)
        e->recovering = 0;
    if (e->job_pending) {
        engine_start_job(e, e->job_kind);
    } else if ((int)job == RECOVERY_JOB) {
        if (e->job_rc) {
            kx_log_error("engine.recovery_incomplete", "error=%s detail=\"%s\"",
                         kx_err_name(e->job_rc), kx_err_detail());
        }
    } else if (current && e->s.active) {
        if (e->job_event == KX_EV_JOB_FAIL) {
            e->s.error = e->job_rc;
            e->s.error_retryable = err_retryable(e->job_rc);
            e->s.error_msgid = NULL;
        }
        if (engine_event(e, e->job_event) != KX_OK)
            kx_log_error("engine.flow", "session=%s job=%s outcome %s not accepted", e->s.id,
                         kx_job_name(job), kx_event_name(e->job_event));
    }
    kx_engine_publish(e);
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

const char *const *kx_engine_revoke_reasons(void);
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
            kx_strlcpy(e->s.approver_id, a.id, sizeof e->s.approver_id);
            kx_strlcpy(e->s.approver_role, a.role, sizeof e->s.approver_role);
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
    pthread_mutex_lock(&e->mu);
    e->recovering = 1;
    engine_start_job(e, RECOVERY_JOB);
    kx_engine_publish(e);
    pthread_mutex_unlock(&e->mu);
    kx_log_info("engine.ready", "socket=%s state_dir=%s", e->set.socket_path, e->set.state_dir);
    while (!e->stop) {
        pfd[0] = (struct pollfd){.fd = e->wake_pipe[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = e->listen_fd, .events = POLLIN};
        pthread_mutex_lock(&e->mu);
        int n = 2 + kx_server_pollfds(e, pfd + 2, KX_PROTO_MAX_CLIENTS);
        int timeout = 1000;
        if (e->deadline_ms) {
            int64_t left = e->deadline_ms - kx_now_ms();
            timeout = left < 0 ? 0 : (left < 1000 ? (int)left : 1000);
        }
        pthread_mutex_unlock(&e->mu);
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) {
            kx_log_error("engine.poll", "errno=%d", errno);
            return KX_ERR_IO;
        }
        pthread_mutex_lock(&e->mu);
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            char buf[64];
            while (read(e->wake_pipe[0], buf, sizeof buf) > 0) {
            }
        }
        if (e->job_done)
            engine_job_finished(e);
        if (r > 0)
            kx_server_handle(e, pfd, n);
        if (e->deadline_ms && kx_now_ms() >= e->deadline_ms) {
            e->deadline_ms = 0;
            if (e->s.active)
                engine_step_timeout(e);
        }
        kx_staff_mode_tick(e);
        pthread_mutex_unlock(&e->mu);
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
    pthread_mutex_init(&e->mu, NULL);
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
    kx_strlcpy(e->lang, e->set.lang, sizeof e->lang);
    if (!rc)
        rc = kx_devices_open(e);
    if (!rc)
        rc = kx_staff_mode_open(e);
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
    pthread_mutex_lock(&e->mu);
    e->job_cancel = 1;
    int running = e->job_running;
    pthread_mutex_unlock(&e->mu);
    if (running)
        pthread_join(e->job_thread, NULL);
    kx_server_close(e);
    kx_devices_close(e);
    kx_staff_mode_close(e);
    session_wipe(&e->s);
    kx_journal_close(e->journal);
    if (e->wake_pipe[0] >= 0)
        close(e->wake_pipe[0]);
    if (e->wake_pipe[1] >= 0)
        close(e->wake_pipe[1]);
    pthread_mutex_destroy(&e->mu);
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
