/* SPDX-License-Identifier: MIT */
/*
 * staff_actions.c - what staff do to the customer's session (assisted
 * mode): enter the agent's ID by hand when the reader fails, record a
 * payment taken at the counter, retry or refund a journaled transaction,
 * list the recorded staff actions, and the staff intents on the screen
 * (approve, reject, override, reset), each authorised and recorded
 * (staff_session.c).
 *
 * Main loop only. A counter payment is recorded while the worker polls
 * the order, so it goes through staff mode's own RA and payment handles
 * (a kx_ra handle is one thread's). Retry and refund run the recovery on
 * the main loop, and only while no job uses the devices.
 *
 * Map: manual ID; counter payment; retry and refund; the record; staff
 * intents.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "domain/idnum.h"
#include "engine_internal.h"
#include "payment/payment.h"
#include "ra/ra.h"

/* ---- manual ID ---- */

kx_err kx_staff_req_manual_id(kx_engine *e, const kx_staff_call *call, json_t *msg,
                              json_t **result)
{
    const kx_staff_actor *a = &call->actor;
    const char *reason = call->reason;
    kx_session *s = &e->s;
    const char *name = json_string_value(json_object_get(msg, "name"));
    const char *idnum = json_string_value(json_object_get(msg, "id_number"));
    const char *valid_to = json_string_value(json_object_get(msg, "valid_to"));
    if (!name || !*name || strlen(name) >= sizeof s->agent_name || !idnum || !valid_to)
        return KX_ERR_BAD_FORMAT;
    if (!s->active)
        return KX_ERR_STATE;
    /* at the ID card step, or on its error screen (the reader is down) */
    int at = s->pos.resume >= 0 ? s->pos.resume : s->pos.state;
    const kx_flow_state *st = kx_flow_state_at(s->flow, at);
    if (!st || st->job != KX_JOB_IDCARD_READ) {
        kx_err_set_detail("manual ID entry only at the ID card step");
        return KX_ERR_STATE;
    }
    kx_idnum_info info;
    if (kx_idnum_check(idnum, &info) != KX_IDNUM_VALID) {
        kx_err_set_detail("the ID number is not valid");
        return KX_ERR_CHECK_FAILED;
    }
    int y, mo, d, vy = 0, vm = 0, vd = 0;
    kx_today(&y, &mo, &d);
    if (strcmp(valid_to, "long_term") != 0) {
        if (kx_parse_date(valid_to, &vy, &vm, &vd))
            return KX_ERR_BAD_FORMAT;
        if (vy * 10000 + vm * 100 + vd < y * 10000 + mo * 100 + d)
            return KX_ERR_EXPIRED;
    }
    int age = kx_age_on(info.birth_year, info.birth_month, info.birth_day, y, mo, d);
    if (age < e->rules.min_agent_age)
        return KX_ERR_UNDERAGE;
    char masked[24];
    kx_mask_idnum(info.number, masked, sizeof masked);
    kx_strlcpy(s->agent_name, name, sizeof s->agent_name);
    kx_strlcpy(s->agent_idnum, info.number, sizeof s->agent_idnum);
    kx_strlcpy(s->agent_idnum_masked, masked, sizeof s->agent_idnum_masked);
    kx_strlcpy(s->agent_valid_to, valid_to, sizeof s->agent_valid_to);
    s->agent_age = age;
    s->have_agent = 1;
    s->pos.state = at;
    s->pos.resume = -1;
    kx_err rc = kx_session_event(e, KX_EV_JOB_OK);
    char detail[96];
    snprintf(detail, sizeof detail, "idnum=%s age=%d", masked, age);
    kx_staff_record(e->journal, a, "manual_id", s->id, 0, reason, detail,
                    rc ? kx_err_name(rc) : "ok");
    if (rc)
        return rc;
    kx_engine_publish(e);
    *result = json_pack("{s:s, s:s}", "session", s->id, "idnum_masked", masked);
    return KX_OK;
}

/* ---- counter payment ---- */

/* staff mode's own payment handle on its own RA link (opened on first use;
 * a shorter deadline than the jobs': the main loop waits for the call) */
kx_err kx_staff_payment(kx_engine *e, struct kx_payment **out)
{
    struct kx_staff_mode *m = e->staff;
    kx_err rc = KX_OK;
    if (!m->pay) {
        if (!kx_config_get_str(e->cfg, "ra", "url", NULL)) {
            kx_err_set_detail("no RA configured ([ra] url)");
            return KX_ERR_UNSUPPORTED;
        }
        kx_ra_config c;
        if (!(rc = kx_ra_config_load(e->cfg, &c))) {
            if (c.deadline_ms > 15000)
                c.deadline_ms = 15000;
            rc = kx_ra_open(&c, &m->ra);
        }
        kx_payment_env env = {.cfg = e->cfg, .ra = m->ra};
        if (!rc)
            rc = kx_payment_open(NULL, &env, &m->pay);
        if (rc) {
            kx_payment_close(m->pay);
            kx_ra_close(m->ra);
            m->pay = NULL;
            m->ra = NULL;
            return rc;
        }
    }
    *out = m->pay;
    return KX_OK;
}

/* "counter_paid": the customer at the payment screen paid at the counter.
 * The RA's order becomes paid (channel "counter"), journaled as a
 * counter_payment transaction written ahead with its idempotency key; the
 * payment job polling the order then sees it paid and the session goes on
 * as after a QR payment. A crash in between is recovered like any paid
 * session (finished, or refunded at the RA). */
kx_err kx_staff_req_counter_paid(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                 json_t **result)
{
    const kx_staff_actor *a = &call->actor;
    const char *reason = call->reason;
    kx_session *s = &e->s;
    const char *receipt = json_string_value(json_object_get(msg, "receipt_no"));
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *aj = json_object_get(msg, "amount_fen");
    static const char receipt_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-./#";
    if (!receipt || !*receipt || strlen(receipt) > 64 ||
        strspn(receipt, receipt_chars) != strlen(receipt) || !method ||
        (strcmp(method, "cash") != 0 && strcmp(method, "card") != 0) || !json_is_integer(aj) ||
        json_integer_value(aj) <= 0) {
        kx_err_set_detail("counter_paid needs receipt_no (1..64 of A-Z a-z 0-9 _-./#), "
                          "method (cash or card) and amount_fen (> 0)");
        return KX_ERR_BAD_FORMAT;
    }
    int64_t amount = (int64_t)json_integer_value(aj);
    char detail[200];
    snprintf(detail, sizeof detail, "order=%s amount_fen=%lld method=%s receipt=%s",
             s->active && s->order_id[0] ? s->order_id : "-", (long long)amount, method,
             receipt);
    const kx_flow_state *st =
        s->active && s->pos.resume < 0 ? kx_flow_state_at(s->flow, s->pos.state) : NULL;
    if (!st || st->job != KX_JOB_ORDER_POLL || !s->order_id[0]) {
        kx_staff_record(e->journal, a, "counter_paid", s->active ? s->id : NULL, 0, reason,
                        detail, kx_err_name(KX_ERR_STATE));
        kx_err_set_detail("no customer session is waiting for payment of an RA order "
                          "(payment screen)");
        return KX_ERR_STATE;
    }
    char sid[KX_SESSION_ID_MAX], order[sizeof s->order_id];
    kx_strlcpy(sid, s->id, sizeof sid);
    kx_strlcpy(order, s->order_id, sizeof order);
    struct kx_payment *pay = NULL;
    kx_step step = {0};
    kx_payment_order o;
    kx_err rc = kx_staff_payment(e, &pay);
    if (!rc)
        rc = kx_step_begin(e->journal, sid, "counter_payment", order, amount, 0, &step);
    if (!rc) {
        kx_payment_counter pc = {.staff_id = a->id,
                                 .receipt_no = receipt,
                                 .method = method,
                                 .amount_fen = amount,
                                 .reason = reason};
        rc = kx_payment_record_counter(pay, step.key, order, &pc, &o);
        char why[256];
        kx_strlcpy(why, kx_err_detail(), sizeof why);
        kx_step_end(e->journal, "counter_payment", &step, rc, rc ? NULL : receipt);
        kx_err_set_detail("%s", why);
    }
    char why[256];
    kx_strlcpy(why, kx_err_detail(), sizeof why);
    kx_staff_record(e->journal, a, "counter_paid", sid, step.tx, reason, detail,
                    rc ? kx_err_name(rc) : "ok");
    if (rc) {
        kx_err_set_detail("%s", why);
        return rc;
    }
    *result = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "session", sid, "order", order,
                        "amount_fen", (json_int_t)o.amount_fen, "method", method, "receipt_no",
                        receipt, "channel", o.channel, "tx_id", (json_int_t)step.tx);
    return KX_OK;
}

void kx_staff_actions_close(kx_engine *e)
{
    if (!e->staff)
        return;
    kx_payment_close(e->staff->pay);
    kx_ra_close(e->staff->ra);
    e->staff->pay = NULL;
    e->staff->ra = NULL;
}

/* ---- retry and refund ---- */

/* finish or compensate the session of transaction tx_id now (kioskctl
 * retry / refund). On the main loop, only while no job uses the devices
 * and no customer is served. */
static kx_err staff_retry(kx_engine *e, int64_t tx_id, int refund_only, json_t **out)
{
    if (e->job_running || e->s.active)
        return KX_ERR_BUSY;
    kx_journal_tx t;
    kx_err rc = kx_journal_tx_get(e->journal, tx_id, &t);
    if (rc)
        return rc;
    if (refund_only && strcmp(t.kind, "order_create") != 0 && strcmp(t.kind, "refund") != 0) {
        kx_err_set_detail("transaction %lld is not a payment", (long long)tx_id);
        return KX_ERR_INVALID_ARG;
    }
    kx_err result = kx_recover_session(&e->worker, t.session, 0);
    kx_journal_session js;
    kx_journal_session_get(e->journal, t.session, &js);
    kx_journal_tx_get(e->journal, tx_id, &t);
    *out = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)t.id, "session", t.session,
                     "status", kx_journal_status_name(t.status), "session_outcome",
                     js.outcome[0] ? js.outcome : "open", "result", kx_err_name(result));
    return KX_OK;
}

kx_err kx_staff_req_retry(kx_engine *e, const kx_staff_call *call, json_t *msg, json_t **result)
{
    const kx_staff_actor *a = &call->actor;
    const char *reason = call->reason, *cmd = call->cmd;
    json_t *id = json_object_get(msg, "id");
    if (!json_is_integer(id))
        return KX_ERR_BAD_FORMAT;
    int64_t tx = (int64_t)json_integer_value(id);
    kx_journal_tx t;
    char session[KX_JOURNAL_ID_MAX] = "";
    if (kx_journal_tx_get(e->journal, tx, &t) == KX_OK)
        kx_strlcpy(session, t.session, sizeof session);
    kx_err rc = staff_retry(e, tx, strcmp(cmd, "refund") == 0, result);
    const char *st =
        rc ? kx_err_name(rc) : json_string_value(json_object_get(*result, "status"));
    kx_staff_record(e->journal, a, cmd, session, tx, reason, st, rc ? kx_err_name(rc) : "ok");
    if (!rc)
        e->staff->metrics_dirty = 1;
    return rc;
}

/* ---- the record ---- */

kx_err kx_staff_req_actions(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result)
{
    (void)call;
    json_int_t since = json_integer_value(json_object_get(msg, "since"));
    json_int_t limit = json_integer_value(json_object_get(msg, "limit"));
    if (limit <= 0 || limit > 1000)
        limit = 100;
    kx_journal_staff_action *v = calloc((size_t)limit, sizeof *v);
    if (!v)
        return KX_ERR_NO_MEMORY;
    size_t n = 0;
    kx_err rc = kx_journal_staff_list(e->journal, since, v, (size_t)limit, &n);
    if (!rc) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                arr,
                json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
                          (json_int_t)v[i].id, "at", (json_int_t)v[i].at, "staff_id",
                          v[i].staff_id, "role", v[i].role, "action", v[i].action, "session",
                          v[i].session, "tx_id", (json_int_t)v[i].tx_id, "reason", v[i].reason,
                          "detail", v[i].detail, "outcome", v[i].outcome));
        *result = json_pack("{s:o}", "actions", arr);
    }
    free(v);
    return rc;
}

/* ---- staff intents (approve, reject, override, reset) ---- */

/* the staff intents: the action [staff] allowed_actions knows each by,
 * and whether it needs a reason when members are configured */
static const struct staff_intent {
    kx_intent intent;
    const char *action;
    int needs_reason;
} staff_intents[] = {
    {KX_INTENT_STAFF_APPROVE, "approve", 0},
    {KX_INTENT_STAFF_REJECT, "reject", 1},
    {KX_INTENT_STAFF_OVERRIDE, "override", 1},
    {KX_INTENT_STAFF_RESET, "reset", 0},
};

kx_err kx_staff_intent(kx_engine *e, kx_intent intent, json_t *msg, const kx_client *c)
{
    const struct staff_intent *row = NULL;
    for (size_t i = 0; !row && i < sizeof staff_intents / sizeof staff_intents[0]; i++)
        if (staff_intents[i].intent == intent)
            row = &staff_intents[i];
    if (!row)
        return KX_ERR_STATE;
    /* the logged-in member on the connection that logged in or, without
     * [staff:ID] members, a staff connection; recorded either way */
    kx_staff_actor a;
    const char *reason = "";
    kx_err rc = kx_staff_authorize(e, c->role, (unsigned)c->uid, kx_client_slot(e, c),
                                   row->action, 0, &a);
    if (!rc) {
        if (!kx_staff_members(e))
            kx_strlcpy(a.id, "conn:staff", sizeof a.id);
        rc = kx_staff_reason(msg, row->needs_reason && kx_staff_members(e), &reason);
    }
    if (rc) {
        kx_log_warn("staff.refused", "intent=%s detail=\"%s\"", kx_intent_name(intent),
                    kx_err_detail());
        return rc;
    }
    char session[KX_SESSION_ID_MAX] = "", state[64] = "";
    if (e->s.active) {
        kx_strlcpy(session, e->s.id, sizeof session);
        kx_strlcpy(state, kx_flow_state_at(e->s.flow, e->s.pos.state)->name, sizeof state);
        if (intent == KX_INTENT_STAFF_APPROVE) { /* for the staff_approval job */
            e->s.approver = a;
            kx_strlcpy(e->s.approve_reason, reason, sizeof e->s.approve_reason);
        }
    }
    rc = kx_session_intent(e, intent, msg, KX_ROLE_STAFF);
    /* an approval the RA must grant is recorded by the staff_approval job,
     * with the RA's answer as its outcome */
    if (rc == KX_OK && e->s.active && e->s.pos.resume < 0 &&
        kx_flow_state_at(e->s.flow, e->s.pos.state)->job == KX_JOB_STAFF_APPROVAL)
        return rc;
    char detail[96];
    snprintf(detail, sizeof detail, "state=%s", state);
    kx_staff_record(e->journal, &a, row->action, session, 0, reason, detail,
                    rc ? kx_err_name(rc) : "ok");
    return rc;
}
