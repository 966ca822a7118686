/* SPDX-License-Identifier: MIT */
/*
 * flow.c - stepping through a service's state table (flow.h). Pure: no
 * I/O, no allocation, no globals besides the const tables.
 */
#include "flow.h"

#include <string.h>

static const char *const job_names[KX_JOB_COUNT] = {
    [KX_JOB_NONE] = "none",
    [KX_JOB_TOKEN_WAIT] = "token_wait",
    [KX_JOB_TOKEN_READ_CERT] = "token_read_cert",
    [KX_JOB_PIN_VERIFY] = "pin_verify",
    [KX_JOB_FEE_QUOTE] = "fee_quote",
    [KX_JOB_ORDER_CREATE] = "order_create",
    [KX_JOB_ORDER_POLL] = "order_poll",
    [KX_JOB_BLANK_WAIT] = "blank_wait",
    [KX_JOB_TOKEN_SET_PIN] = "token_set_pin",
    [KX_JOB_TOKEN_RESET_PIN] = "token_reset_pin",
    [KX_JOB_KEYGEN] = "keygen",
    [KX_JOB_RA_RENEW] = "ra_renew",
    [KX_JOB_RA_ISSUE] = "ra_issue",
    [KX_JOB_INSTALL] = "install",
    [KX_JOB_REMOVE_OLD] = "remove_old",
    [KX_JOB_LICENCE_SCAN] = "licence_scan",
    [KX_JOB_RA_LOOKUP] = "ra_lookup",
    [KX_JOB_IDCARD_READ] = "idcard_read",
    [KX_JOB_DOC_SCAN] = "doc_scan",
    [KX_JOB_SEAL_SCAN] = "seal_scan",
    [KX_JOB_SEAL_REUSE] = "seal_reuse",
    [KX_JOB_CASE_SUBMIT] = "case_submit",
    [KX_JOB_REVIEW_POLL] = "review_poll",
    [KX_JOB_RA_UNLOCK_AUTH] = "ra_unlock_auth",
    [KX_JOB_RA_REVOKE] = "ra_revoke",
    [KX_JOB_COMPENSATE] = "compensate",
    [KX_JOB_STAFF_APPROVAL] = "staff_approval",
    [KX_JOB_RA_CERT_LIST] = "ra_cert_list",
    [KX_JOB_SEALS] = "seals",
    [KX_JOB_SM2_RESUME] = "sm2_resume",
    [KX_JOB_FORM_PREVIEW] = "form_preview",
};

static const char *const event_names[KX_EV_COUNT] = {
    [KX_EV_CONFIRM] = "confirm",
    [KX_EV_RETRY] = "retry",
    [KX_EV_BACK] = "back",
    [KX_EV_CANCEL] = "cancel",
    [KX_EV_TIMEOUT] = "timeout",
    [KX_EV_PIN] = "pin",
    [KX_EV_NEW_PIN] = "new_pin",
    [KX_EV_CONTACT] = "contact",
    [KX_EV_CHOOSE] = "choose",
    [KX_EV_CHOOSE_ALT] = "choose_alt",
    [KX_EV_STAFF_APPROVE] = "staff_approve",
    [KX_EV_STAFF_REJECT] = "staff_reject",
    [KX_EV_STAFF_OVERRIDE] = "staff_override",
    [KX_EV_STAFF_RESET] = "staff_reset",
    [KX_EV_JOB_OK] = "job_ok",
    [KX_EV_JOB_ALT] = "job_alt",
    [KX_EV_JOB_FAIL] = "job_fail",
};

const char *kx_job_name(kx_job job)
{
    return (unsigned)job < KX_JOB_COUNT ? job_names[job] : "unknown";
}

int kx_job_journaled(kx_job job)
{
    switch (job) {
    case KX_JOB_ORDER_CREATE:
    case KX_JOB_TOKEN_SET_PIN:
    case KX_JOB_TOKEN_RESET_PIN:
    case KX_JOB_KEYGEN:
    case KX_JOB_RA_RENEW:
    case KX_JOB_RA_ISSUE:
    case KX_JOB_INSTALL:
    case KX_JOB_REMOVE_OLD:
    case KX_JOB_RA_REVOKE:
    case KX_JOB_COMPENSATE:
    case KX_JOB_STAFF_APPROVAL:
        return 1;
    default:
        return 0;
    }
}

const char *kx_event_name(kx_event ev)
{
    return (unsigned)ev < KX_EV_COUNT ? event_names[ev] : "unknown";
}

kx_err kx_event_from_intent(kx_intent intent, kx_event *out)
{
    static const struct {
        kx_intent in;
        kx_event ev;
    } map[] = {
        {KX_INTENT_PIN, KX_EV_PIN},
        {KX_INTENT_NEW_PIN, KX_EV_NEW_PIN},
        {KX_INTENT_CONTACT, KX_EV_CONTACT},
        {KX_INTENT_CHOOSE, KX_EV_CHOOSE},
        {KX_INTENT_CONFIRM, KX_EV_CONFIRM},
        {KX_INTENT_RETRY, KX_EV_RETRY},
        {KX_INTENT_BACK, KX_EV_BACK},
        {KX_INTENT_CANCEL, KX_EV_CANCEL},
        {KX_INTENT_STAFF_APPROVE, KX_EV_STAFF_APPROVE},
        {KX_INTENT_STAFF_REJECT, KX_EV_STAFF_REJECT},
        {KX_INTENT_STAFF_OVERRIDE, KX_EV_STAFF_OVERRIDE},
        {KX_INTENT_STAFF_RESET, KX_EV_STAFF_RESET},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].in == intent) {
            *out = map[i].ev;
            return KX_OK;
        }
    return KX_ERR_NOT_FOUND;
}

int kx_flow_find(const kx_flow *flow, const char *name)
{
    if (!flow || !name)
        return -1;
    for (size_t i = 0; i < flow->n_states; i++)
        if (strcmp(flow->states[i].name, name) == 0)
            return (int)i;
    return -1;
}

const kx_flow_state *kx_flow_state_at(const kx_flow *flow, int index)
{
    if (!flow || index < 0 || (size_t)index >= flow->n_states)
        return NULL;
    return &flow->states[index];
}

kx_flow_pos kx_flow_start(const kx_flow *flow)
{
    (void)flow;
    return (kx_flow_pos){.state = 0, .resume = -1};
}

/* the explicit transition for ev, or NULL */
static const char *flow_target(const kx_flow_state *st, kx_event ev)
{
    for (int i = 0; i < KX_FLOW_MAX_TR; i++)
        if (st->on[i].next && st->on[i].ev == ev)
            return st->on[i].next;
    return NULL;
}

/* generic events every screen has: cancel and timeout on screens that wait
 * for the user, cancel on cancellable busy states */
static int flow_generic(const kx_flow_state *st, kx_event ev)
{
    if (!st->abort || (st->screen == KX_SCREEN_DONE || st->screen == KX_SCREEN_CANCELLED))
        return 0;
    if (ev == KX_EV_CANCEL)
        return st->screen != KX_SCREEN_BUSY || st->cancellable;
    if (ev == KX_EV_TIMEOUT)
        return st->screen != KX_SCREEN_BUSY;
    return 0;
}

int kx_flow_accepts(const kx_flow *flow, kx_flow_pos pos, kx_event ev)
{
    const kx_flow_state *st = kx_flow_state_at(flow, pos.state);
    if (!st || (unsigned)ev >= KX_EV_COUNT)
        return 0;
    if (pos.resume >= 0) /* the error screen */
        return ev == KX_EV_RETRY || ev == KX_EV_CANCEL || ev == KX_EV_TIMEOUT;
    if (flow_target(st, ev))
        return 1;
    return flow_generic(st, ev);
}

/* move to a named target; handles the special ones */
static kx_err flow_goto(const kx_flow *flow, kx_flow_pos *pos, const char *target,
                        kx_flow_end *end)
{
    const kx_flow_state *st = &flow->states[pos->state];
    if (strcmp(target, "@home") == 0) {
        *end = KX_FLOW_HOME;
        return KX_OK;
    }
    if (strcmp(target, "@abort") == 0)
        target = st->abort;
    if (strcmp(target, "@error") == 0) {
        pos->resume = pos->state;
        return KX_OK;
    }
    if (strcmp(target, "@home") == 0) {
        *end = KX_FLOW_HOME;
        return KX_OK;
    }
    int next = kx_flow_find(flow, target);
    if (next < 0) {
        kx_err_set_detail("flow %s: state %s names unknown target %s",
                          kx_service_id(flow->service), st->name, target);
        return KX_ERR_INTERNAL;
    }
    pos->state = next;
    pos->resume = -1;
    return KX_OK;
}

kx_err kx_flow_step(const kx_flow *flow, kx_flow_pos *pos, kx_event ev, kx_flow_end *end)
{
    *end = KX_FLOW_CONTINUE;
    if (!kx_flow_accepts(flow, *pos, ev))
        return KX_ERR_STATE;
    const kx_flow_state *st = &flow->states[pos->state];
    if (pos->resume >= 0) {
        if (ev == KX_EV_RETRY) {
            const char *to = st->retry_to ? st->retry_to : st->name;
            return flow_goto(flow, pos, to, end);
        }
        return flow_goto(flow, pos, st->abort, end);
    }
    const char *target = flow_target(st, ev);
    if (!target)
        target = st->abort; /* generic cancel / timeout */
    return flow_goto(flow, pos, target, end);
}

void kx_flow_step_number(const kx_flow *flow, int state, int *index, int *count)
{
    int n = 0, at = 1;
    for (size_t i = 0; i < flow->n_states; i++) {
        const kx_flow_state *st = &flow->states[i];
        if (st->screen == KX_SCREEN_BUSY || st->screen == KX_SCREEN_CANCELLED ||
            st->screen == KX_SCREEN_STAFF_NEEDED)
            continue;
        if (st->screen == KX_SCREEN_SEAL_REVIEW && st->collects == 0)
            continue; /* the rejected variant of seal_review */
        n++;
        if ((int)i <= state)
            at = n;
    }
    *index = at;
    *count = n;
}

static int flow_target_ok(const kx_flow *flow, const char *t)
{
    return t && (strcmp(t, "@home") == 0 || strcmp(t, "@error") == 0 ||
                 strcmp(t, "@abort") == 0 || kx_flow_find(flow, t) >= 0);
}

kx_err kx_flow_validate(const kx_flow *flow)
{
    if (!flow || !flow->n_states)
        return KX_ERR_INTERNAL;
    for (size_t i = 0; i < flow->n_states; i++) {
        const kx_flow_state *st = &flow->states[i];
        const char *why = NULL;
        if (kx_flow_find(flow, st->name) != (int)i)
            why = "duplicate name";
        else if (!st->abort || !flow_target_ok(flow, st->abort))
            why = "abort missing or unknown";
        else if (st->retry_to && kx_flow_find(flow, st->retry_to) < 0)
            why = "retry_to unknown";
        else if (st->timeout_s <= 0)
            why = "no timeout";
        else if (st->job != KX_JOB_NONE &&
                 (!flow_target(st, KX_EV_JOB_OK) || !flow_target(st, KX_EV_JOB_FAIL)))
            why = "job state without job_ok and job_fail";
        else if (st->job == KX_JOB_NONE &&
                 (flow_target(st, KX_EV_JOB_OK) || flow_target(st, KX_EV_JOB_FAIL)))
            why = "job outcome on an input state";
        else if (st->screen == KX_SCREEN_BUSY && st->job == KX_JOB_NONE)
            why = "busy screen without a job";
        for (int k = 0; !why && k < KX_FLOW_MAX_TR; k++)
            if (st->on[k].next && !flow_target_ok(flow, st->on[k].next))
                why = "transition to an unknown state";
        if (why) {
            kx_err_set_detail("flow %s: state %s: %s", kx_service_id(flow->service), st->name,
                              why);
            return KX_ERR_INTERNAL;
        }
    }
    return KX_OK;
}
