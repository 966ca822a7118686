/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the service flow tables (kiosk/engine/flow*.c).
 *
 * For every service the state graph (states plus their error screens) is
 * explored through every event each state accepts: every job outcome,
 * every intent, timeout and cancel. On that graph the tests check that
 * every state is reachable and can reach the end of the session, that
 * cancel always ends the session, that every path to "done" has collected
 * the documents domain/services.h requires and has settled the fee, and
 * that no path with money taken reaches "cancelled" without compensation
 * or pays twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "engine/flow.h"

#define MAXN 256
#define BIT_SETTLED (1u << 20) /* fee paid or free */
#define BIT_INSTALLED (1u << 21)
#define BIT_PAID (1u << 22) /* may-analysis: money taken, not yet fulfilled */

typedef struct graph {
    const kx_flow *flow;
    int n; /* nodes: states 0..n-1, error screens n..2n-1, home 2n */
    int edge_from[MAXN * KX_EV_COUNT];
    int edge_to[MAXN * KX_EV_COUNT];
    kx_event edge_ev[MAXN * KX_EV_COUNT];
    int n_edges;
} graph;

static int node_of(const graph *g, kx_flow_pos p)
{
    return p.resume >= 0 ? g->n + p.resume : p.state;
}

static kx_flow_pos pos_of(const graph *g, int node)
{
    if (node >= g->n)
        return (kx_flow_pos){.state = node - g->n, .resume = node - g->n};
    return (kx_flow_pos){.state = node, .resume = -1};
}

static void build(graph *g, kx_service svc)
{
    memset(g, 0, sizeof *g);
    g->flow = kx_flow_get(svc);
    assert_non_null(g->flow);
    g->n = (int)g->flow->n_states;
    assert_true(2 * g->n + 1 < MAXN);
    for (int node = 0; node < 2 * g->n; node++) {
        for (int e = 0; e < KX_EV_COUNT; e++) {
            kx_flow_pos p = pos_of(g, node);
            kx_flow_end end;
            int acc = kx_flow_accepts(g->flow, p, (kx_event)e);
            kx_err rc = kx_flow_step(g->flow, &p, (kx_event)e, &end);
            if (!acc) {
                assert_int_equal(rc, KX_ERR_STATE);
                continue;
            }
            if (rc != KX_OK)
                fail_msg("%s: %s on %s: %s", kx_service_id(svc),
                         g->flow->states[pos_of(g, node).state].name,
                         kx_event_name((kx_event)e), kx_err_name(rc));
            int to = end == KX_FLOW_HOME ? 2 * g->n : node_of(g, p);
            g->edge_from[g->n_edges] = node;
            g->edge_to[g->n_edges] = to;
            g->edge_ev[g->n_edges] = (kx_event)e;
            g->n_edges++;
        }
    }
}

static void reach_from(const graph *g, int start, int *seen)
{
    memset(seen, 0, sizeof(int) * MAXN);
    seen[start] = 1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < g->n_edges; i++)
            if (seen[g->edge_from[i]] && !seen[g->edge_to[i]])
                seen[g->edge_to[i]] = changed = 1;
    }
}

static const kx_flow_state *st_of(const graph *g, int node)
{
    return &g->flow->states[pos_of(g, node).state];
}

/* does leaving node by ev complete the state (not cancel, error, back)? */
static int completes(const graph *g, int node, kx_event ev)
{
    if (node >= g->n)
        return 0;
    return ev != KX_EV_CANCEL && ev != KX_EV_TIMEOUT && ev != KX_EV_JOB_FAIL &&
           ev != KX_EV_BACK && ev != KX_EV_RETRY;
}

static uint32_t gen_bits(const graph *g, int node, kx_event ev)
{
    if (!completes(g, node, ev))
        return 0;
    const kx_flow_state *st = st_of(g, node);
    uint32_t b = st->collects;
    if ((st->job == KX_JOB_ORDER_POLL && ev == KX_EV_JOB_OK) ||
        (st->job == KX_JOB_FEE_QUOTE && ev == KX_EV_JOB_ALT))
        b |= BIT_SETTLED;
    if (st->job == KX_JOB_INSTALL && ev == KX_EV_JOB_OK)
        b |= BIT_INSTALLED;
    return b;
}

static void test_tables_valid(void **state)
{
    (void)state;
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        const kx_flow *f = kx_flow_get((kx_service)s);
        assert_non_null(f);
        assert_int_equal(f->service, s);
        if (kx_flow_validate(f) != KX_OK)
            fail_msg("%s", kx_err_detail());
        /* every flow has its ends */
        assert_true(kx_flow_find(f, "done") >= 0);
        assert_true(kx_flow_find(f, "cancelled") >= 0);
        assert_true(kx_flow_find(f, "compensate") >= 0);
    }
    assert_null(kx_flow_get(KX_SVC_COUNT));
}

static void test_every_state_reachable_and_ends(void **state)
{
    (void)state;
    static graph g;
    int seen[MAXN], back[MAXN];
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        build(&g, (kx_service)s);
        reach_from(&g, 0, seen);
        for (int i = 0; i < g.n; i++)
            if (!seen[i])
                fail_msg("%s: state %s unreachable", kx_service_id((kx_service)s),
                         g.flow->states[i].name);
        assert_true(seen[2 * g.n]);
        /* from every reachable node, the session can end */
        for (int node = 0; node < 2 * g.n; node++) {
            if (!seen[node])
                continue;
            reach_from(&g, node, back);
            if (!back[2 * g.n])
                fail_msg("%s: %s cannot reach home", kx_service_id((kx_service)s),
                         st_of(&g, node)->name);
        }
    }
}

/* cancel, then only the compensation's outcome, then confirm: home */
static void test_cancel_everywhere(void **state)
{
    (void)state;
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        const kx_flow *f = kx_flow_get((kx_service)s);
        for (size_t i = 0; i < f->n_states; i++) {
            const kx_flow_state *st = &f->states[i];
            kx_flow_pos p = {.state = (int)i, .resume = -1};
            /* every screen that waits for the user has cancel and a timeout */
            if (st->screen != KX_SCREEN_BUSY && st->screen != KX_SCREEN_STAFF_NEEDED &&
                st->screen != KX_SCREEN_DONE && st->screen != KX_SCREEN_CANCELLED) {
                assert_true(kx_flow_accepts(f, p, KX_EV_CANCEL));
                assert_true(kx_flow_accepts(f, p, KX_EV_TIMEOUT));
            }
            if (st->screen == KX_SCREEN_DONE || st->screen == KX_SCREEN_CANCELLED)
                assert_true(kx_flow_accepts(f, p, KX_EV_TIMEOUT));
            /* an error on any job state can be cancelled (error screen) */
            if (st->job != KX_JOB_NONE) {
                kx_flow_pos e = p;
                kx_flow_end end;
                assert_int_equal(kx_flow_step(f, &e, KX_EV_JOB_FAIL, &end), KX_OK);
                assert_int_equal(e.resume, (int)i);
                assert_true(kx_flow_accepts(f, e, KX_EV_RETRY));
                assert_true(kx_flow_accepts(f, e, KX_EV_CANCEL));
                assert_false(kx_flow_accepts(f, e, KX_EV_CONFIRM));
            }
            /* follow cancel (or timeout) then job_ok / confirm / staff_reset */
            kx_event first = kx_flow_accepts(f, p, KX_EV_CANCEL) ? KX_EV_CANCEL : KX_EV_TIMEOUT;
            if (!kx_flow_accepts(f, p, first))
                continue;
            kx_flow_end end = KX_FLOW_CONTINUE;
            assert_int_equal(kx_flow_step(f, &p, first, &end), KX_OK);
            for (int hop = 0; hop < 6 && end == KX_FLOW_CONTINUE; hop++) {
                const kx_event tries[] = {KX_EV_JOB_OK, KX_EV_CONFIRM, KX_EV_STAFF_RESET};
                int moved = 0;
                for (size_t k = 0; k < 3 && !moved; k++)
                    if (kx_flow_accepts(f, p, tries[k])) {
                        assert_int_equal(kx_flow_step(f, &p, tries[k], &end), KX_OK);
                        moved = 1;
                    }
                assert_true(moved);
            }
            if (end != KX_FLOW_HOME)
                fail_msg("%s: cancel at %s does not end", kx_service_id((kx_service)s),
                         st->name);
        }
    }
}

/* must-analysis: bits collected on every path into each node */
static void must_bits(const graph *g, uint32_t *in)
{
    for (int i = 0; i <= 2 * g->n; i++)
        in[i] = 0xFFFFFFFFu;
    in[0] = 0;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < g->n_edges; i++) {
            int u = g->edge_from[i], v = g->edge_to[i];
            if (u != 0 && in[u] == 0xFFFFFFFFu)
                continue; /* not reached yet */
            uint32_t out = in[u] | gen_bits(g, u, g->edge_ev[i]);
            if ((in[v] & out) != in[v]) {
                in[v] &= out;
                changed = 1;
            }
        }
    }
}

static void test_documents_and_fee_on_every_path(void **state)
{
    (void)state;
    static graph g;
    uint32_t in[MAXN];
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        build(&g, (kx_service)s);
        must_bits(&g, in);
        int done = kx_flow_find(g.flow, "done");
        uint32_t need = kx_service_documents((kx_service)s);
        if ((in[done] & need) != need)
            fail_msg("%s: done reachable without documents 0x%x", kx_service_id((kx_service)s),
                     need & ~in[done]);
        assert_true(in[done] & BIT_SETTLED);
        if (kx_service_issues_cert((kx_service)s))
            assert_true(in[done] & BIT_INSTALLED);
        /* no certificate or revocation before the fee is settled */
        for (int i = 0; i < g.n; i++) {
            kx_job j = g.flow->states[i].job;
            if (j == KX_JOB_KEYGEN || j == KX_JOB_RA_RENEW || j == KX_JOB_RA_ISSUE ||
                j == KX_JOB_INSTALL || j == KX_JOB_RA_REVOKE)
                if (!(in[i] & BIT_SETTLED))
                    fail_msg("%s: %s reachable before the fee is settled",
                             kx_service_id((kx_service)s), g.flow->states[i].name);
        }
    }
}

/* may-analysis: money taken and not yet fulfilled or refunded */
static void test_paid_means_fulfilled_or_refunded(void **state)
{
    (void)state;
    static graph g;
    int paid[MAXN];
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        build(&g, (kx_service)s);
        memset(paid, 0, sizeof paid);
        for (int changed = 1; changed;) {
            changed = 0;
            for (int i = 0; i < g.n_edges; i++) {
                int u = g.edge_from[i], v = g.edge_to[i];
                kx_event ev = g.edge_ev[i];
                const kx_flow_state *st = st_of(&g, u);
                int out = paid[u];
                if (u < g.n && st->job == KX_JOB_ORDER_POLL && ev == KX_EV_JOB_OK)
                    out = 1;
                if (u < g.n && ev == KX_EV_JOB_OK &&
                    (st->job == KX_JOB_INSTALL || st->job == KX_JOB_COMPENSATE ||
                     st->job == KX_JOB_RA_REVOKE ||
                     (st->job == KX_JOB_TOKEN_RESET_PIN && g.flow->service == KX_SVC_UNLOCK)))
                    out = 0;
                if (out && !paid[v])
                    paid[v] = changed = 1;
            }
        }
        int cancelled = kx_flow_find(g.flow, "cancelled");
        int done = kx_flow_find(g.flow, "done");
        if (paid[cancelled])
            fail_msg("%s: cancelled reachable with money taken", kx_service_id((kx_service)s));
        if (paid[done])
            fail_msg("%s: done reachable with money taken and nothing delivered",
                     kx_service_id((kx_service)s));
        /* never charged twice: no new order once paid */
        int order = kx_flow_find(g.flow, "order_create");
        assert_true(order >= 0);
        if (paid[order])
            fail_msg("%s: a second order after payment", kx_service_id((kx_service)s));
        /* journaled jobs after payment never cancel straight to "cancelled" */
        for (int i = 0; i < g.n; i++)
            if (paid[i] && kx_job_journaled(g.flow->states[i].job) &&
                g.flow->states[i].job != KX_JOB_COMPENSATE)
                assert_string_not_equal(g.flow->states[i].abort, "cancelled");
    }
}

/* The happy path of a service: the screens the user meets, taking
 * job_ok / confirm / the screen's own intent at each step. */
static void walk_happy(kx_service svc, const char *const *expect)
{
    const kx_flow *f = kx_flow_get(svc);
    kx_flow_pos p = kx_flow_start(f);
    kx_flow_end end = KX_FLOW_CONTINUE;
    int k = 0;
    const kx_event order[] = {KX_EV_JOB_OK,  KX_EV_CONFIRM, KX_EV_PIN,
                              KX_EV_NEW_PIN, KX_EV_CONTACT, KX_EV_CHOOSE};
    while (end == KX_FLOW_CONTINUE) {
        const kx_flow_state *st = kx_flow_state_at(f, p.state);
        if (!expect[k])
            fail_msg("%s: path longer than expected at %s", kx_service_id(svc), st->name);
        assert_string_equal(st->name, expect[k]);
        k++;
        int moved = 0;
        for (size_t i = 0; i < sizeof order / sizeof order[0] && !moved; i++)
            if (kx_flow_accepts(f, p, order[i])) {
                assert_int_equal(kx_flow_step(f, &p, order[i], &end), KX_OK);
                moved = 1;
            }
        assert_true(moved);
    }
    assert_null(expect[k]);
}

static void test_happy_paths(void **state)
{
    (void)state;
    /* the UKEY and its PIN are enough: no ID card, no contact details */
    static const char *const renew[] = {
        "ukey_insert", "read_cert",   "cert_show",    "pin_enter", "pin_verify", "agreement",
        "fee_quote",   "fee_confirm", "order_create", "payment",   "keygen",     "ra_issue",
        "install",     "remove_old",  "done",         NULL};
    walk_happy(KX_SVC_RENEW, renew);
    static const char *const renew_nopin[] = {
        "ukey_insert",  "read_cert",   "cert_show",       "licence_place",
        "licence_scan", "ra_lookup",   "company_confirm", "uscc_place",
        "uscc_scan",    "uscc_review", "agreement",       "case_submit",
        "review_wait",  "fee_quote",   "fee_confirm",     "order_create",
        "payment",      "unlock_auth", "pin_reset_new",   "reset_pin",
        "keygen",       "ra_issue",    "install",         "remove_old",
        "done",         NULL};
    walk_happy(KX_SVC_RENEW_NOPIN, renew_nopin);
    static const char *const unlock[] = {"ukey_insert",
                                         "read_cert",
                                         "cert_show",
                                         "licence_place",
                                         "licence_scan",
                                         "ra_lookup",
                                         "company_confirm",
                                         "idcard_place",
                                         "agent_confirm",
                                         "id_front_place",
                                         "id_front_scan",
                                         "id_front_review",
                                         "id_back_place",
                                         "id_back_scan",
                                         "id_back_review",
                                         "contact",
                                         "form_preview",
                                         "form_review",
                                         "agreement",
                                         "fee_quote",
                                         "fee_confirm",
                                         "order_create",
                                         "payment",
                                         "unlock_auth",
                                         "pin_reset_new",
                                         "reset_pin",
                                         "done",
                                         NULL};
    walk_happy(KX_SVC_UNLOCK, unlock);
    static const char *const revoke[] = {"revoke_method",
                                         "ukey_insert",
                                         "read_cert",
                                         "cert_show",
                                         "licence_place",
                                         "licence_scan",
                                         "ra_lookup",
                                         "company_confirm",
                                         "idcard_place",
                                         "agent_confirm",
                                         "id_front_place",
                                         "id_front_scan",
                                         "id_front_review",
                                         "id_back_place",
                                         "id_back_scan",
                                         "id_back_review",
                                         "revoke_list",
                                         "revoke_pick",
                                         "revoke_reason",
                                         "contact",
                                         "form_preview",
                                         "form_review",
                                         "agreement",
                                         "revoke_confirm",
                                         "case_submit",
                                         "review_wait",
                                         "fee_quote",
                                         "fee_confirm",
                                         "order_create",
                                         "payment",
                                         "revoke",
                                         "done",
                                         NULL};
    walk_happy(KX_SVC_REVOKE, revoke);
    static const char *const nw[] = {"licence_place",
                                     "licence_scan",
                                     "ra_lookup",
                                     "company_confirm",
                                     "idcard_place",
                                     "agent_confirm",
                                     "id_front_place",
                                     "id_front_scan",
                                     "id_front_review",
                                     "id_back_place",
                                     "id_back_scan",
                                     "id_back_review",
                                     "contact",
                                     "form_preview",
                                     "form_review",
                                     "agreement",
                                     "seal_reuse",
                                     "seal_place",
                                     "seal_scan",
                                     "seal_review",
                                     "auth_place",
                                     "auth_scan",
                                     "auth_review",
                                     "case_submit",
                                     "review_wait",
                                     "fee_quote",
                                     "fee_confirm",
                                     "order_create",
                                     "payment",
                                     "blank_insert",
                                     "pin_new",
                                     "set_pin",
                                     "keygen",
                                     "ra_issue",
                                     "install",
                                     "seals",
                                     "done",
                                     NULL};
    walk_happy(KX_SVC_NEW, nw);
}

/* Specific branches: wrong PIN, rejected seal cells, free service, staff
 * override, cancel while paying. */
static void test_branches(void **state)
{
    (void)state;
    const kx_flow *f = kx_flow_get(KX_SVC_RENEW);
    kx_flow_end end;
    kx_flow_pos p = {.state = kx_flow_find(f, "pin_verify"), .resume = -1};
    assert_int_equal(kx_flow_step(f, &p, KX_EV_JOB_FAIL, &end), KX_OK);
    assert_int_equal(p.resume, kx_flow_find(f, "pin_verify"));
    assert_int_equal(kx_flow_step(f, &p, KX_EV_CONFIRM, &end), KX_ERR_STATE);
    assert_int_equal(kx_flow_step(f, &p, KX_EV_RETRY, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(f, p.state)->name, "pin_enter");
    assert_int_equal(p.resume, -1);

    p = (kx_flow_pos){.state = kx_flow_find(f, "payment"), .resume = -1};
    assert_int_equal(kx_flow_step(f, &p, KX_EV_CANCEL, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(f, p.state)->name, "compensate");
    assert_false(kx_flow_accepts(f, p, KX_EV_CANCEL)); /* compensation runs to its end */
    assert_int_equal(kx_flow_step(f, &p, KX_EV_JOB_FAIL, &end), KX_OK);
    assert_int_equal(kx_flow_step(f, &p, KX_EV_CANCEL, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(f, p.state)->name, "staff");
    assert_int_equal(kx_flow_step(f, &p, KX_EV_STAFF_RESET, &end), KX_OK);
    assert_int_equal(end, KX_FLOW_HOME);

    /* payment expired: retry makes a new order */
    p = (kx_flow_pos){.state = kx_flow_find(f, "payment"), .resume = -1};
    assert_int_equal(kx_flow_step(f, &p, KX_EV_JOB_FAIL, &end), KX_OK);
    assert_int_equal(kx_flow_step(f, &p, KX_EV_RETRY, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(f, p.state)->name, "order_create");

    /* free unlock skips the order */
    const kx_flow *u = kx_flow_get(KX_SVC_UNLOCK);
    p = (kx_flow_pos){.state = kx_flow_find(u, "fee_quote"), .resume = -1};
    assert_int_equal(kx_flow_step(u, &p, KX_EV_JOB_ALT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(u, p.state)->name, "unlock_auth");

    /* seal cells rejected: only retry */
    const kx_flow *n = kx_flow_get(KX_SVC_NEW);
    p = (kx_flow_pos){.state = kx_flow_find(n, "seal_scan"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_ALT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "seal_rejected");
    assert_false(kx_flow_accepts(n, p, KX_EV_CONFIRM));
    assert_int_equal(kx_flow_step(n, &p, KX_EV_RETRY, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "seal_place");
    /* a sheet a crashed session had accepted is taken over: straight to
     * its review; a failure to look asks for the sheet on retry */
    p = (kx_flow_pos){.state = kx_flow_find(n, "seal_reuse"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_ALT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "seal_review");
    p = (kx_flow_pos){.state = kx_flow_find(n, "seal_reuse"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_FAIL, &end), KX_OK);
    assert_int_equal(kx_flow_step(n, &p, KX_EV_RETRY, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "seal_place");

    /* the application form's review: back to the contact details, and a
     * form rendered again; a session without a form skips the review; a
     * failed rendering is retried from the contact details */
    p = (kx_flow_pos){.state = kx_flow_find(n, "form_review"), .resume = -1};
    assert_int_equal(kx_flow_state_at(n, p.state)->screen, KX_SCREEN_FORM_REVIEW);
    assert_int_equal(kx_flow_step(n, &p, KX_EV_BACK, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "contact");
    assert_int_equal(kx_flow_step(n, &p, KX_EV_CONTACT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "form_preview");
    assert_int_equal(kx_flow_state_at(n, p.state)->job, KX_JOB_FORM_PREVIEW);
    p = (kx_flow_pos){.state = kx_flow_find(n, "form_preview"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_ALT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "agreement");
    p = (kx_flow_pos){.state = kx_flow_find(n, "form_preview"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_FAIL, &end), KX_OK);
    assert_int_equal(kx_flow_step(n, &p, KX_EV_RETRY, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "contact");
    /* every service that asks for the contact details reviews the form */
    for (int v = 0; v < KX_SVC_COUNT; v++) {
        const kx_flow *g = kx_flow_get((kx_service)v);
        if (kx_flow_find(g, "contact") >= 0)
            assert_true(kx_flow_find(g, "form_review") > kx_flow_find(g, "contact") &&
                        kx_flow_find(g, "form_review") < kx_flow_find(g, "agreement"));
    }

    /* credit code check failed: staff override continues */
    p = (kx_flow_pos){.state = kx_flow_find(n, "licence_scan"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_ALT, &end), KX_OK);
    assert_int_equal(kx_flow_state_at(n, p.state)->screen, KX_SCREEN_STAFF_NEEDED);
    assert_int_equal(kx_flow_step(n, &p, KX_EV_STAFF_OVERRIDE, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "ra_lookup");

    /* staff approval asks the RA: approved ends the review wait, refused
     * goes back to it */
    p = (kx_flow_pos){.state = kx_flow_find(n, "review_wait"), .resume = -1};
    assert_int_equal(kx_flow_step(n, &p, KX_EV_STAFF_APPROVE, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "staff_approval");
    assert_int_equal(kx_flow_state_at(n, p.state)->job, KX_JOB_STAFF_APPROVAL);
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_ALT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "review_wait");
    assert_int_equal(kx_flow_step(n, &p, KX_EV_STAFF_APPROVE, &end), KX_OK);
    assert_int_equal(kx_flow_step(n, &p, KX_EV_JOB_OK, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(n, p.state)->name, "fee_quote");

    /* revoke without the UKEY goes straight to the licence */
    const kx_flow *r = kx_flow_get(KX_SVC_REVOKE);
    p = kx_flow_start(r);
    assert_int_equal(kx_flow_step(r, &p, KX_EV_CHOOSE_ALT, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(r, p.state)->name, "licence_place");
    /* its review has its own screen, after the agent confirmed (the RA
     * revokes when it approves); refused, the error screen, whose cancel
     * ends the session without anything charged or revoked */
    p.state = kx_flow_find(r, "revoke_confirm");
    assert_int_equal(kx_flow_step(r, &p, KX_EV_CONFIRM, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(r, p.state)->name, "case_submit");
    assert_int_equal(kx_flow_step(r, &p, KX_EV_JOB_OK, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(r, p.state)->name, "review_wait");
    assert_int_equal(kx_flow_state_at(r, p.state)->screen, KX_SCREEN_REVIEW_WAIT);
    assert_int_equal(kx_flow_state_at(r, p.state)->job, KX_JOB_REVIEW_POLL);
    kx_flow_pos refused = p;
    assert_int_equal(kx_flow_step(r, &refused, KX_EV_JOB_FAIL, &end), KX_OK);
    assert_int_equal(refused.resume, kx_flow_find(r, "review_wait"));
    assert_int_equal(kx_flow_step(r, &refused, KX_EV_CANCEL, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(r, refused.state)->name, "cancelled");
    assert_int_equal(kx_flow_step(r, &p, KX_EV_JOB_OK, &end), KX_OK);
    assert_string_equal(kx_flow_state_at(r, p.state)->name, "fee_quote");

    /* step numbers grow along the path */
    int a, c, b, c2;
    kx_flow_step_number(f, kx_flow_find(f, "cert_show"), &a, &c);
    kx_flow_step_number(f, kx_flow_find(f, "payment"), &b, &c2);
    assert_int_equal(c, c2);
    assert_true(a < b && b <= c);
    /* renewal with the PIN: UKEY, certificate, PIN, agreement, fee,
     * payment, done - seven screens, the PIN straight to the agreement */
    assert_int_equal(c, 7);
    kx_flow_step_number(f, kx_flow_find(f, "pin_enter"), &a, &c);
    kx_flow_step_number(f, kx_flow_find(f, "agreement"), &b, &c2);
    assert_int_equal(a, 3);
    assert_int_equal(b, 4);
    kx_flow_step_number(f, kx_flow_find(f, "done"), &a, &c);
    assert_int_equal(a, 7);
    assert_int_equal(kx_flow_find(f, "idcard_place"), -1);
    assert_int_equal(kx_flow_find(f, "contact"), -1);
}

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < KX_SCREEN_COUNT; i++) {
        kx_screen back;
        assert_int_equal(kx_screen_from_id(kx_screen_id((kx_screen)i), &back), KX_OK);
        assert_int_equal(back, i);
    }
    for (int i = 0; i < KX_INTENT_COUNT; i++) {
        kx_intent back;
        assert_int_equal(kx_intent_from_name(kx_intent_name((kx_intent)i), &back), KX_OK);
        assert_int_equal(back, i);
    }
    kx_intent in;
    assert_int_equal(kx_intent_from_name("format_disk", &in), KX_ERR_NOT_FOUND);
    assert_true(kx_intent_carries_secret(KX_INTENT_PIN));
    assert_true(kx_intent_is_staff(KX_INTENT_STAFF_APPROVE));
    assert_false(kx_intent_is_staff(KX_INTENT_CONFIRM));
    for (int j = 0; j < KX_JOB_COUNT; j++)
        assert_string_not_equal(kx_job_name((kx_job)j), "unknown");
    for (int e = 0; e < KX_EV_COUNT; e++)
        assert_string_not_equal(kx_event_name((kx_event)e), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_valid),
        cmocka_unit_test(test_every_state_reachable_and_ends),
        cmocka_unit_test(test_cancel_everywhere),
        cmocka_unit_test(test_documents_and_fee_on_every_path),
        cmocka_unit_test(test_paid_means_fulfilled_or_refunded),
        cmocka_unit_test(test_happy_paths),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
