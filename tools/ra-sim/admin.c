/* SPDX-License-Identifier: MIT */
/*
 * admin.c - ra-sim's /admin handlers: simulation controls for tests and the
 * demo. Served on a separate plain-HTTP listener bound to 127.0.0.1 only;
 * never part of a real RA.
 *
 *   GET  /admin/counters                 every effect counter
 *   POST /admin/counters/reset           set all counters to zero
 *   POST /admin/cases/{id}/approve       pending_review|submitted -> approved
 *   POST /admin/cases/{id}/reject        {"reason": "..."} -> rejected
 *   POST /admin/orders/{id}/pay          pending -> paid
 *   GET  /admin/faults                   armed faults
 *   POST /admin/faults                   {"spec": "ENDPOINT=KIND[:ARG[:ARG2]][*COUNT]"}
 *   DELETE /admin/faults                 disarm all
 *   POST /admin/settings                 {"auto_approve_s", "auto_pay_s", "order_ttl_s",
 *                                         "staff_approval": [kiosk CN or "*", ...]}
 *   POST /admin/enterprises              {"credit_code", "name", "address",
 *                                         "legal_representative", "status"}
 *   POST /admin/tokens                   {"serial", "so_pin"} (re-arms release)
 */
#include <string.h>

#include "sim.h"

static const char *admin_str(const sim_req *r, const char *key)
{
    json_t *v = json_object_get(r->json, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int admin_is(const sim_req *r, const char *method, int nseg, const char *s1,
                    const char *s3)
{
    return strcmp(r->method, method) == 0 && r->nseg == nseg &&
           strcmp(r->seg[0], "admin") == 0 && strcmp(r->seg[1], s1) == 0 &&
           (!s3 || strcmp(r->seg[3], s3) == 0);
}

static void admin_ok(sim_reply *out)
{
    reply_json(out, 200, json_pack("{s:b}", "ok", 1));
}

static void admin_case_decide(sim *s, const sim_req *r, int approve, sim_reply *out)
{
    const char *reason = approve ? "" : admin_str(r, "reason");
    if (!reason || (!approve && !*reason)) {
        reply_error(out, 400, "bad_request", "reject needs a reason");
        return;
    }
    int n = store_run(s,
                      "UPDATE cases SET state=?, reject_reason=?, updated=? WHERE id=? AND "
                      "state IN ('submitted', 'pending_review')",
                      "ssis", approve ? "approved" : "rejected", reason, sim_now(), r->seg[2]);
    if (n != 1) {
        reply_error(out, 409, "invalid_state", "no such case awaiting review");
        return;
    }
    store_count(s, approve ? "cases_approved" : "cases_rejected", 1);
    api_apply_revocations(s);
    admin_ok(out);
}

static void admin_pay(sim *s, const sim_req *r, sim_reply *out)
{
    int n = store_run(s,
                      "UPDATE orders SET state='paid', paid_at=? WHERE id=? AND "
                      "state='pending'",
                      "is", sim_now(), r->seg[2]);
    if (n != 1) {
        reply_error(out, 409, "invalid_state", "no such pending order");
        return;
    }
    store_count(s, "orders_paid", 1);
    admin_ok(out);
}

static int admin_setting(const sim_req *r, const char *key, long *dst, sim_reply *out)
{
    json_t *v = json_object_get(r->json, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < -1 ||
        json_integer_value(v) > 86400 * 30) {
        reply_error(out, 400, "bad_request", "settings are integers >= -1");
        return -1;
    }
    *dst = (long)json_integer_value(v);
    return 0;
}

/* "staff_approval": the kiosks (certificate CNs, "*" any) whose staff may
 * approve cases; the list replaces the current one ([] withdraws the right) */
static int admin_staff_approval(sim *s, const sim_req *r, sim_reply *out)
{
    json_t *v = json_object_get(r->json, "staff_approval"), *id;
    size_t i;
    if (!v)
        return 0;
    int ok = json_is_array(v) && json_array_size(v) <= SIM_MAX_STAFF_KIOSKS;
    json_array_foreach(v, i, id) ok = ok && json_is_string(id) && json_string_length(id) > 0 &&
                                      json_string_length(id) < SIM_KIOSK_ID_MAX;
    if (!ok) {
        reply_error(out, 400, "bad_request",
                    "staff_approval is an array of kiosk certificate CNs (or \"*\")");
        return -1;
    }
    s->staff_approval_count = 0;
    json_array_foreach(v, i, id) sim_staff_approval_grant(s, json_string_value(id));
    return 0;
}

static json_t *admin_settings_json(const sim *s)
{
    json_t *kiosks = json_array();
    for (int i = 0; i < s->staff_approval_count; i++)
        json_array_append_new(kiosks, json_string(s->staff_approval[i]));
    return json_pack("{s:I, s:I, s:I, s:o}", "auto_approve_s", (json_int_t)s->auto_approve_s,
                     "auto_pay_s", (json_int_t)s->auto_pay_s, "order_ttl_s",
                     (json_int_t)s->order_ttl_s, "staff_approval", kiosks);
}

void admin_handle(sim *s, const sim_req *r, sim_reply *out)
{
    if (r->nseg < 2 || strcmp(r->seg[0], "admin") != 0) {
        reply_error(out, 404, "not_found", "no such endpoint");
    } else if (admin_is(r, "GET", 2, "counters", NULL)) {
        reply_json(out, 200, store_counters(s));
    } else if (strcmp(r->method, "POST") == 0 && r->nseg == 3 &&
               strcmp(r->seg[1], "counters") == 0 && strcmp(r->seg[2], "reset") == 0) {
        store_exec(s, "DELETE FROM counters");
        admin_ok(out);
    } else if (admin_is(r, "POST", 4, "cases", "approve")) {
        admin_case_decide(s, r, 1, out);
    } else if (admin_is(r, "POST", 4, "cases", "reject")) {
        admin_case_decide(s, r, 0, out);
    } else if (admin_is(r, "POST", 4, "orders", "pay")) {
        admin_pay(s, r, out);
    } else if (admin_is(r, "GET", 2, "faults", NULL)) {
        reply_json(out, 200, json_pack("{s:o}", "faults", fault_list(s)));
    } else if (admin_is(r, "DELETE", 2, "faults", NULL)) {
        fault_clear(s);
        admin_ok(out);
    } else if (admin_is(r, "POST", 2, "faults", NULL)) {
        const char *spec = admin_str(r, "spec"), *why = "field 'spec' missing";
        if (spec && fault_add_spec(s, spec, &why) == 0)
            admin_ok(out);
        else
            reply_error(out, 400, "bad_request", why);
    } else if (admin_is(r, "POST", 2, "settings", NULL)) {
        if (admin_setting(r, "auto_approve_s", &s->auto_approve_s, out) == 0 &&
            admin_setting(r, "auto_pay_s", &s->auto_pay_s, out) == 0 &&
            admin_setting(r, "order_ttl_s", &s->order_ttl_s, out) == 0 &&
            admin_staff_approval(s, r, out) == 0)
            reply_json(out, 200, admin_settings_json(s));
    } else if (admin_is(r, "POST", 2, "enterprises", NULL)) {
        const char *code = admin_str(r, "credit_code"), *name = admin_str(r, "name");
        const char *addr = admin_str(r, "address"), *rep = admin_str(r, "legal_representative");
        const char *status = admin_str(r, "status");
        if (!code || !name || !addr || !rep || strlen(code) != 18) {
            reply_error(out, 400, "bad_request",
                        "need credit_code, name, address, legal_representative");
            return;
        }
        store_run(s, "INSERT OR REPLACE INTO enterprises VALUES(?, ?, ?, ?, ?)", "sssss", code,
                  name, addr, rep, status ? status : "active");
        admin_ok(out);
    } else if (admin_is(r, "POST", 2, "tokens", NULL)) {
        const char *serial = admin_str(r, "serial"), *pin = admin_str(r, "so_pin");
        if (!serial || !pin || !*serial || !*pin) {
            reply_error(out, 400, "bad_request", "need serial and so_pin");
            return;
        }
        store_run(s, "INSERT OR REPLACE INTO tokens(serial, so_pin, released) VALUES(?, ?, 0)",
                  "ss", serial, pin);
        admin_ok(out);
    } else {
        reply_error(out, 404, "not_found", "no such endpoint");
    }
}
