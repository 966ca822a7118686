/* SPDX-License-Identifier: MIT */
/*
 * api.c - ra-sim's /v1 handlers: the state rules of docs/ra-api.md.
 *
 * Sections: routing; request validation helpers; resource JSON; health and
 * enterprises; cases (staff approval included) and documents; orders;
 * certificates and CRL; tokens.
 *
 * Every handler runs under sim->lock inside one SQLite transaction (POSTs)
 * and counts each effect it has (cases_created, certs_issued, ...), so tests
 * can prove an effect happened exactly once. Handlers never trust the body:
 * missing or wrongly typed fields are 400 bad_request.
 */
#include <math.h>
#include <regex.h>
#include <string.h>

#include "domain/idnum.h"
#include "domain/uscc.h"
#include "sim.h"

/* ---- routing ---- */

static int api_is(const sim_req *r, const char *method, int nseg, const char *s1,
                  const char *s3)
{
    return strcmp(r->method, method) == 0 && r->nseg == nseg && strcmp(r->seg[0], "v1") == 0 &&
           strcmp(r->seg[1], s1) == 0 && (!s3 || strcmp(r->seg[3], s3) == 0);
}

const char *api_endpoint(const sim_req *r)
{
    if (r->nseg < 2 || strcmp(r->seg[0], "v1") != 0)
        return NULL;
    if (api_is(r, "GET", 2, "health", NULL))
        return "health";
    if (api_is(r, "GET", 2, "crl", NULL))
        return "crl";
    if (api_is(r, "GET", 2, "crl.der", NULL))
        return "crl_der";
    if (api_is(r, "GET", 3, "crl", NULL) && strcmp(r->seg[2], "sm2") == 0)
        return "crl_sm2";
    if (api_is(r, "GET", 3, "crl", NULL) && strcmp(r->seg[2], "sm2.der") == 0)
        return "crl_sm2_der";
    if (api_is(r, "GET", 3, "enterprises", NULL))
        return "enterprise";
    if (api_is(r, "GET", 4, "enterprises", "certificates"))
        return "enterprise_certs";
    if (api_is(r, "POST", 4, "certificates", "install"))
        return "cert_install";
    if (api_is(r, "POST", 4, "cases", "seals"))
        return "seal_make";
    if (api_is(r, "GET", 4, "cases", "seals"))
        return "seal_get";
    if (api_is(r, "POST", 2, "cases", NULL))
        return "case_create";
    if (api_is(r, "GET", 3, "cases", NULL))
        return "case_get";
    if (api_is(r, "POST", 4, "cases", "submit"))
        return "case_submit";
    if (api_is(r, "POST", 4, "cases", "documents"))
        return "document";
    if (api_is(r, "POST", 4, "cases", "orders"))
        return "order_create";
    if (api_is(r, "POST", 4, "cases", "certificate"))
        return "cert_issue";
    if (api_is(r, "POST", 4, "cases", "renewal"))
        return "cert_renew";
    if (api_is(r, "POST", 4, "cases", "unlock"))
        return "token_unlock";
    if (api_is(r, "POST", 4, "cases", "staff-approval"))
        return "case_staff_approval";
    if (api_is(r, "GET", 3, "orders", NULL))
        return "order_get";
    if (api_is(r, "POST", 4, "orders", "cancel"))
        return "order_cancel";
    if (api_is(r, "POST", 4, "orders", "refund"))
        return "order_refund";
    if (api_is(r, "POST", 4, "orders", "counter-payment"))
        return "order_counter";
    if (api_is(r, "GET", 3, "certificates", NULL))
        return "cert_get";
    if (api_is(r, "POST", 4, "certificates", "revoke"))
        return "cert_revoke";
    return NULL;
}

/* ---- validation helpers ---- */

/* A string member: NULL (with a 400 reply) when required and missing, of
 * the wrong type or longer than maxlen. Optional and absent gives "". */
static const char *api_str(const sim_req *r, sim_reply *out, const char *key, int required,
                           size_t maxlen)
{
    json_t *v = json_object_get(r->json, key);
    if (!v && !required)
        return "";
    if (!json_is_string(v) || (required && json_string_length(v) == 0) ||
        json_string_length(v) > maxlen ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "field '%s' missing, empty, too long or not a string", key);
        reply_error(out, 400, "bad_request", msg);
        return NULL;
    }
    return json_string_value(v);
}

static int api_time_parse(const char *text, int64_t *out)
{
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static int api_service_fee(const char *service, int64_t *fee)
{
    static const struct {
        const char *id;
        int64_t fen;
    } fees[] = {{"new", 30000},    {"renew", 30000}, {"renew_nopin", 30000}, {"reissue", 30000},
                {"change", 10000}, {"swap", 10000},  {"unlock", 0},          {"revoke", 0}};
    for (size_t i = 0; i < sizeof fees / sizeof fees[0]; i++)
        if (strcmp(service, fees[i].id) == 0) {
            *fee = fees[i].fen;
            return 0;
        }
    return -1;
}

/* The certificate profiles a kiosk may request for a case. */
static int api_profile_known(const char *profile)
{
    return strcmp(profile, "sm2-dual") == 0 || strcmp(profile, "ec-p256") == 0 ||
           strcmp(profile, "rsa-2048") == 0;
}

/* ---- resource JSON ---- */

static int api_case_paid(sim *s, const char *case_id, int64_t fee)
{
    if (fee == 0)
        return 1;
    sqlite3_stmt *st = store_prep(
        s, "SELECT 1 FROM orders WHERE case_id = ? AND state = 'paid'", "s", case_id);
    int paid = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return paid;
}

static const char *const api_reasons[] = {"unspecified", "key_compromise",
                                          NULL,          "affiliation_changed",
                                          "superseded",  "cessation_of_operation"};

/* A revocation case's request: serials, reason, done. */
static json_t *api_case_revocation_json(sim *s, const char *id, int reason, int done)
{
    json_t *list = json_array();
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT serial FROM case_revocations WHERE case_id=? "
                                  "ORDER BY serial",
                                  "s", id);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(list, json_string(store_text(st, 0)));
    sqlite3_finalize(st);
    const char *name =
        reason >= 0 && reason < 6 && api_reasons[reason] ? api_reasons[reason] : "unspecified";
    return json_pack("{s:o, s:s, s:b}", "serials", list, "reason", name, "done", done);
}

/* The case as JSON, or NULL when unknown. */
static json_t *api_case_json(sim *s, const char *id)
{
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT id, service, credit_code, state, reject_reason, "
                                  "fee, cert_serial, created, updated, "
                                  "(SELECT count(*) FROM documents d WHERE d.case_id = c.id), "
                                  "COALESCE((SELECT 'kiosk-staff:' || a.kiosk_id || '/' || "
                                  "a.staff_id FROM staff_approvals a WHERE a.case_id = c.id), "
                                  "CASE WHEN state = 'approved' THEN 'reviewer' ELSE '' END), "
                                  "cert_profile, agreement_version, agreement_at, "
                                  "revoke_reason, revoke_done FROM cases c WHERE id = ?",
                                  "s", id);
    json_t *o = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        int64_t fee = sqlite3_column_int64(st, 5);
        o = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:I, s:s, s:o, s:o, s:s}", "case_id",
            store_text(st, 0), "service", store_text(st, 1), "credit_code", store_text(st, 2),
            "state", store_text(st, 3), "reject_reason", store_text(st, 4), "fee_fen",
            (json_int_t)fee, "paid", api_case_paid(s, id, fee), "documents",
            (json_int_t)sqlite3_column_int64(st, 9), "cert_serial", store_text(st, 6),
            "created_at", sim_time_json(sqlite3_column_int64(st, 7)), "updated_at",
            sim_time_json(sqlite3_column_int64(st, 8)), "approved_by", store_text(st, 10));
        json_object_set_new(o, "cert_profile", json_string(store_text(st, 11)));
        json_object_set_new(o, "agreement_version", json_string(store_text(st, 12)));
        json_object_set_new(o, "agreement_accepted_at",
                            sim_time_json(sqlite3_column_int64(st, 13)));
        if (sqlite3_column_int(st, 14) >= 0)
            json_object_set_new(o, "revocation",
                                api_case_revocation_json(s, id, sqlite3_column_int(st, 14),
                                                         sqlite3_column_int(st, 15)));
    }
    sqlite3_finalize(st);
    return o;
}

static json_t *api_order_json(sim *s, const char *id)
{
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT id, case_id, state, amount, qr, created, expires, "
                                  "paid_at, refunded, refund_id, CASE WHEN paid_at = 0 THEN '' "
                                  "WHEN EXISTS (SELECT 1 FROM counter_payments p WHERE "
                                  "p.order_id = orders.id) THEN 'counter' ELSE 'qr' END, "
                                  "refunded_at FROM orders WHERE id = ?",
                                  "s", id);
    json_t *o = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:s}",
                      "order_id", store_text(st, 0), "case_id", store_text(st, 1), "state",
                      store_text(st, 2), "amount_fen", (json_int_t)sqlite3_column_int64(st, 3),
                      "currency", "CNY", "qr_text", store_text(st, 4), "created_at",
                      sim_time_json(sqlite3_column_int64(st, 5)), "expires_at",
                      sim_time_json(sqlite3_column_int64(st, 6)), "paid_at",
                      sim_time_json(sqlite3_column_int64(st, 7)), "refunded_fen",
                      (json_int_t)sqlite3_column_int64(st, 8), "refund_id", store_text(st, 9),
                      "channel", store_text(st, 10));
    if (o) {
        /* the e-invoice of a paid order (a refund reverses it: none then) */
        char url[160] = "";
        if (strcmp(store_text(st, 2), "paid") == 0)
            snprintf(url, sizeof url, "https://invoice.ra-sim.invalid/e-invoice/%s",
                     store_text(st, 0));
        json_object_set_new(o, "invoice_url", json_string(url));
        json_object_set_new(o, "refunded_at", sim_time_json(sqlite3_column_int64(st, 11)));
    }
    sqlite3_finalize(st);
    return o;
}

static json_t *api_cert_json(sim *s, const char *serial)
{
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT serial, subject, not_before, not_after, status, "
                                  "pem, profile, usage, pair, token_serial, ca "
                                  "FROM certs WHERE serial = ?",
                                  "s", serial);
    json_t *o = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "serial",
                      store_text(st, 0), "subject", store_text(st, 1), "not_before",
                      sim_time_json(sqlite3_column_int64(st, 2)), "not_after",
                      sim_time_json(sqlite3_column_int64(st, 3)), "status", store_text(st, 4),
                      "certificate", store_text(st, 5), "chain",
                      strcmp(store_text(st, 10), "sm2") == 0 ? s->pki.sm2_ca_pem
                                                             : s->pki.ca_pem,
                      "profile", store_text(st, 6), "usage", store_text(st, 7), "paired_serial",
                      store_text(st, 8), "token_serial", store_text(st, 9));
    sqlite3_finalize(st);
    return o;
}

/* Load the case's state, service, credit code, company, token, fee; 0 ok. */
typedef struct api_case_row {
    char state[32], service[32], credit_code[32], company[256], token[128], cert_serial[96];
    char profile[32];
    int64_t fee;
} api_case_row;

static int api_case_load(sim *s, const char *id, api_case_row *c, sim_reply *out)
{
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT state, service, credit_code, company, "
                                  "token_serial, fee, cert_serial, cert_profile "
                                  "FROM cases WHERE id = ?",
                                  "s", id);
    int found = st && sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        snprintf(c->state, sizeof c->state, "%s", store_text(st, 0));
        snprintf(c->service, sizeof c->service, "%s", store_text(st, 1));
        snprintf(c->credit_code, sizeof c->credit_code, "%s", store_text(st, 2));
        snprintf(c->company, sizeof c->company, "%s", store_text(st, 3));
        snprintf(c->token, sizeof c->token, "%s", store_text(st, 4));
        c->fee = sqlite3_column_int64(st, 5);
        snprintf(c->cert_serial, sizeof c->cert_serial, "%s", store_text(st, 6));
        snprintf(c->profile, sizeof c->profile, "%s", store_text(st, 7));
    }
    sqlite3_finalize(st);
    if (!found)
        reply_error(out, 404, "not_found", "no such case");
    return found ? 0 : -1;
}

/* ---- health and enterprises ---- */

static void api_health(sim *s, sim_reply *out)
{
    (void)s;
    reply_json(out, 200,
               json_pack("{s:s, s:s, s:o}", "status", "ok", "version", SIM_VERSION, "time",
                         sim_time_json(sim_now())));
}

static void api_enterprise(sim *s, const sim_req *r, sim_reply *out)
{
    kx_uscc_info info;
    if (kx_uscc_check(r->seg[2], &info) == KX_USCC_BAD_FORMAT) {
        reply_error(out, 400, "bad_request", "not a unified social credit code");
        return;
    }
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT credit_code, name, address, legal_rep, status "
                                  "FROM enterprises WHERE credit_code = ?",
                                  "s", info.code);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        reply_json(out, 200,
                   json_pack("{s:s, s:s, s:s, s:s, s:s}", "credit_code", store_text(st, 0),
                             "name", store_text(st, 1), "address", store_text(st, 2),
                             "legal_representative", store_text(st, 3), "status",
                             store_text(st, 4)));
    else
        reply_error(out, 404, "not_found", "unknown credit code");
    sqlite3_finalize(st);
}

/* The valid certificates of an enterprise (for a revocation without the
 * UKEY: the agent picks one or all): subject, serial, validity, profile,
 * usage, pair and the UKEY each was installed on. */
static void api_enterprise_certs(sim *s, const sim_req *r, sim_reply *out)
{
    kx_uscc_info info;
    if (kx_uscc_check(r->seg[2], &info) == KX_USCC_BAD_FORMAT) {
        reply_error(out, 400, "bad_request", "not a unified social credit code");
        return;
    }
    sqlite3_stmt *st =
        store_prep(s, "SELECT 1 FROM enterprises WHERE credit_code = ?", "s", info.code);
    int known = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!known) {
        reply_error(out, 404, "not_found", "unknown credit code");
        return;
    }
    json_t *list = json_array();
    st = store_prep(s,
                    "SELECT serial, subject, not_before, not_after, profile, usage, pair, "
                    "token_serial FROM certs WHERE credit_code=? AND status='valid' AND "
                    "not_after > ? ORDER BY not_before, usage DESC, serial",
                    "si", info.code, sim_now());
    while (st && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s}", "serial",
                      store_text(st, 0), "subject", store_text(st, 1), "not_before",
                      sim_time_json(sqlite3_column_int64(st, 2)), "not_after",
                      sim_time_json(sqlite3_column_int64(st, 3)), "status", "valid", "profile",
                      store_text(st, 4), "usage", store_text(st, 5), "paired_serial",
                      store_text(st, 6), "token_serial", store_text(st, 7)));
    sqlite3_finalize(st);
    reply_json(out, 200,
               json_pack("{s:s, s:o}", "credit_code", info.code, "certificates", list));
}

/* ---- cases and documents ---- */

static int api_reason_code(const char *reason);

/* A revocation the RA carries out itself once the case is approved (no
 * UKEY needed: a lost or stolen key): {"serials":[...]} or {"all":true},
 * and "reason". Every serial must be a valid certificate of the case's
 * enterprise; "all" takes every valid one (none: 409 invalid_state). */
static int api_case_revocation(sim *s, const sim_req *r, const char *code, const char *case_id,
                               sim_reply *out)
{
    json_t *rv = json_object_get(r->json, "revocation");
    json_t *serials = json_object_get(rv, "serials"), *all = json_object_get(rv, "all"), *v;
    json_t *reason = json_object_get(rv, "reason");
    int rc = json_is_string(reason) ? api_reason_code(json_string_value(reason)) : -1;
    int want_all = json_is_true(all);
    size_t i;
    if (!json_is_object(rv) || rc < 0 || (all && !json_is_boolean(all)) ||
        (want_all == (serials != NULL)) ||
        (serials && (!json_is_array(serials) || json_array_size(serials) == 0 ||
                     json_array_size(serials) > 32))) {
        reply_error(out, 400, "bad_request",
                    "revocation needs a known reason and either serials (1..32) or all:true");
        return -1;
    }
    if (want_all) {
        int n = store_run(s,
                          "INSERT INTO case_revocations SELECT ?, serial FROM certs WHERE "
                          "credit_code=? AND status='valid' AND not_after > ?",
                          "ssi", case_id, code, sim_now());
        if (n <= 0 || n > 32) {
            reply_error(out, 409, "invalid_state",
                        n <= 0 ? "the enterprise has no valid certificate"
                               : "more than 32 valid certificates: name them in several cases");
            return -1;
        }
    }
    json_array_foreach(serials, i, v)
    {
        const char *serial = json_string_value(v);
        sqlite3_stmt *st =
            serial ? store_prep(s, "SELECT credit_code, status FROM certs WHERE serial=?", "s",
                                serial)
                   : NULL;
        int found = st && sqlite3_step(st) == SQLITE_ROW;
        int ok = found && strcmp(store_text(st, 0), code) == 0 &&
                 strcmp(store_text(st, 1), "valid") == 0;
        sqlite3_finalize(st);
        if (!ok) {
            reply_error(out, found ? 409 : 404, found ? "invalid_state" : "not_found",
                        found ? "a certificate is revoked or of another enterprise"
                              : "no such certificate");
            return -1;
        }
        store_run(s, "INSERT OR IGNORE INTO case_revocations VALUES(?, ?)", "ss", case_id,
                  serial);
    }
    store_run(s, "UPDATE cases SET revoke_reason=? WHERE id=?", "is", (int64_t)rc, case_id);
    return 0;
}

void api_apply_revocations(sim *s)
{
    char ids[32][64];
    int n = 0;
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT id FROM cases WHERE service='revoke' AND "
                                  "state='approved' AND revoke_done=0 AND revoke_reason>=0",
                                  "");
    while (st && n < 32 && sqlite3_step(st) == SQLITE_ROW)
        snprintf(ids[n++], sizeof ids[0], "%s", store_text(st, 0));
    sqlite3_finalize(st);
    int64_t now = sim_now();
    for (int i = 0; i < n; i++) {
        char serials[64][96];
        int m = 0, reason = 0;
        st = store_prep(s,
                        "SELECT r.serial, c.revoke_reason FROM case_revocations r JOIN cases c "
                        "ON c.id=r.case_id WHERE r.case_id=?",
                        "s", ids[i]);
        while (st && m < 64 && sqlite3_step(st) == SQLITE_ROW) {
            snprintf(serials[m++], sizeof serials[0], "%s", store_text(st, 0));
            reason = sqlite3_column_int(st, 1);
        }
        sqlite3_finalize(st);
        for (int k = 0; k < m; k++)
            api_revoke_serial(s, serials[k], reason, now, NULL);
        store_run(s, "UPDATE cases SET revoke_done=1, updated=? WHERE id=?", "is", now, ids[i]);
        store_count(s, "revocation_cases_done", 1);
    }
}

/* A contact number as docs/ra-api.md defines it: a mobile, or a landline
 * with its area code (010, 02x, 0[3-9]xx), an optional hyphen, 7-8 digits
 * not starting with 0 or 1, an optional extension after -, # or 转. The
 * RA's own rule, written as regular expressions (the kiosk checks with
 * domain/phone.c): the two must agree, which the tests show. */
static int api_phone_valid(const char *phone)
{
    static const char *const patterns[] = {
        "^1[3-9][0-9]{9}$",
        "^(010|02[0-9]|0[3-9][0-9]{2})-?[2-9][0-9]{6,7}((-|#|\xe8\xbd\xac)[0-9]{1,6})?$",
    };
    int ok = 0;
    for (size_t i = 0; !ok && i < sizeof patterns / sizeof patterns[0]; i++) {
        regex_t re;
        if (regcomp(&re, patterns[i], REG_EXTENDED | REG_NOSUB) != 0)
            return 0;
        ok = regexec(&re, phone, 0, NULL, 0) == 0;
        regfree(&re);
    }
    return ok;
}

/* The agent (name and ID number) and a phone number are required for every
 * service but the renewals: a renewal with the PIN is proved by the
 * signature with the current key (POST /renewal); one without it by the
 * stamped credit-code copy (or licence) and the UKEY, as the CA's process
 * asks (section 4; checked at submit). The RA already knows the
 * certificate's enterprise and contact. When sent, they are checked and
 * kept like any other case's. */
static void api_case_create(sim *s, const sim_req *r, sim_reply *out)
{
    const char *service, *code, *company, *name = "", *idnum = "", *phone, *email, *agreed,
                                          *token, *old_serial, *profile, *agreement_version;
    if (!(service = api_str(r, out, "service", 1, 16)))
        return;
    int agent_required = strcmp(service, "renew") != 0 && strcmp(service, "renew_nopin") != 0;
    json_t *agent = json_object_get(r->json, "agent");
    if (agent || agent_required) {
        if (!json_is_object(agent)) {
            reply_error(out, 400, "bad_request", "field 'agent' missing or not an object");
            return;
        }
        sim_req agent_req = *r;
        agent_req.json = agent;
        if (!(name = api_str(&agent_req, out, "name", 1, 100)) ||
            !(idnum = api_str(&agent_req, out, "id_number", 1, 18)))
            return;
    }
    if (!(code = api_str(r, out, "credit_code", 1, 18)) ||
        !(company = api_str(r, out, "company_name", 1, 200)) ||
        !(phone = api_str(r, out, "phone", agent_required, 24)) ||
        !(email = api_str(r, out, "email", 0, 200)) ||
        !(agreed = api_str(r, out, "agreement_accepted_at", 1, 32)) ||
        !(token = api_str(r, out, "token_serial", 0, 64)) ||
        !(old_serial = api_str(r, out, "cert_serial", 0, 80)) ||
        !(profile = api_str(r, out, "cert_profile", 0, 16)) ||
        !(agreement_version = api_str(r, out, "agreement_version", 0, 64)))
        return;
    if (*profile && !api_profile_known(profile)) {
        reply_error(out, 400, "bad_request",
                    "cert_profile is not sm2-dual, ec-p256 or rsa-2048");
        return;
    }
    if (*agreement_version && (strlen(agreement_version) != 64 ||
                               strspn(agreement_version, "0123456789abcdef") != 64)) {
        reply_error(out, 400, "bad_request",
                    "agreement_version is not a SHA-256 in lower-case hex");
        return;
    }
    int64_t fee, agreed_at;
    kx_uscc_info ui;
    kx_idnum_info ii = {0};
    if (api_service_fee(service, &fee)) {
        reply_error(out, 400, "bad_request", "unknown service");
        return;
    }
    if (kx_uscc_check(code, &ui) == KX_USCC_BAD_FORMAT) {
        reply_error(out, 400, "bad_request", "not a unified social credit code");
        return;
    }
    if (*idnum && kx_idnum_check(idnum, &ii) != KX_IDNUM_VALID) {
        reply_error(out, 400, "bad_request", "agent id_number is not a valid ID number");
        return;
    }
    if (*phone && !api_phone_valid(phone)) {
        reply_error(out, 400, "bad_request", "phone is neither a mobile nor a landline number");
        return;
    }
    if (api_time_parse(agreed, &agreed_at) || agreed_at > sim_now() + 300) {
        reply_error(out, 400, "bad_request",
                    "agreement_accepted_at is not a past RFC 3339 time");
        return;
    }
    if ((strcmp(service, "unlock") == 0 || strcmp(service, "renew_nopin") == 0) && !*token) {
        reply_error(out, 400, "bad_request", "this service needs token_serial");
        return;
    }
    char id[40];
    pki_random_id("c", id, sizeof id);
    int64_t now = sim_now();
    if (store_run(s,
                  "INSERT INTO cases(id, service, credit_code, company, agent_name, "
                  "agent_idnum, phone, email, agreement_at, token_serial, old_serial, state, "
                  "reject_reason, fee, cert_serial, created, updated, submitted, cert_profile, "
                  "agreement_version) "
                  "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', '', ?, '', ?, ?, 0, ?, ?)",
                  "ssssssssissiiiss", id, service, ui.code, company, name, ii.number, phone,
                  email, agreed_at, token, old_serial, fee, now, now, profile,
                  agreement_version) != 1) {
        reply_error(out, 500, "internal", "cannot store the case");
        return;
    }
    if (strcmp(service, "revoke") == 0 && json_object_get(r->json, "revocation") &&
        api_case_revocation(s, r, ui.code, id, out))
        return; /* refused: the transaction is rolled back, no case */
    store_count(s, "cases_created", 1);
    reply_json(out, 201, api_case_json(s, id));
}

static void api_case_get(sim *s, const sim_req *r, sim_reply *out)
{
    json_t *o = api_case_json(s, r->seg[2]);
    if (o)
        reply_json(out, 200, o);
    else
        reply_error(out, 404, "not_found", "no such case");
}

/* A revocation the RA carries out (no UKEY) is reviewed on documents: the
 * licence and the agent's ID card, front and back (the card crop or, from
 * older kiosks, the page). 1 when one is missing. */
static int api_revocation_documents_missing(sim *s, const char *case_id)
{
    sqlite3_stmt *st = store_prep(
        s,
        "SELECT revoke_reason >= 0, "
        "EXISTS(SELECT 1 FROM documents WHERE case_id=?1 AND kind='licence'), "
        "EXISTS(SELECT 1 FROM documents WHERE case_id=?1 AND kind IN ('id_card_front', "
        "'id_front')), "
        "EXISTS(SELECT 1 FROM documents WHERE case_id=?1 AND kind IN ('id_card_back', "
        "'id_back')) FROM cases WHERE id=?1",
        "s", case_id);
    int missing =
        st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) &&
        !(sqlite3_column_int(st, 1) && sqlite3_column_int(st, 2) && sqlite3_column_int(st, 3));
    sqlite3_finalize(st);
    return missing;
}

/* A renewal without the PIN is reviewed on the stamped credit-code copy
 * (or the licence, which carries the code): 1 when the case has neither. */
static int api_renewal_document_missing(sim *s, const char *case_id)
{
    sqlite3_stmt *st =
        store_prep(s,
                   "SELECT service='renew_nopin' AND NOT EXISTS(SELECT 1 FROM documents "
                   "WHERE case_id=?1 AND kind IN ('uscc_copy', 'licence')) FROM cases "
                   "WHERE id=?1",
                   "s", case_id);
    int missing = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return missing;
}

static void api_case_submit(sim *s, const sim_req *r, sim_reply *out)
{
    api_case_row c;
    if (api_case_load(s, r->seg[2], &c, out))
        return;
    if (strcmp(c.state, "draft") != 0) {
        reply_error(out, 409, "invalid_state", "only a draft case can be submitted");
        return;
    }
    if (api_revocation_documents_missing(s, r->seg[2])) {
        reply_error(out, 409, "documents_missing",
                    "a revocation without the UKEY needs the licence and the agent's ID card "
                    "(front and back)");
        return;
    }
    if (api_renewal_document_missing(s, r->seg[2])) {
        reply_error(out, 409, "documents_missing",
                    "a renewal without the PIN needs the stamped credit-code copy or the "
                    "licence");
        return;
    }
    int64_t now = sim_now();
    store_run(s, "UPDATE cases SET state='submitted', submitted=?, updated=? WHERE id=?", "iis",
              now, now, r->seg[2]);
    store_count(s, "cases_submitted", 1);
    reply_json(out, 200, api_case_json(s, r->seg[2]));
}

int sim_staff_approval_grant(sim *s, const char *kiosk_id)
{
    if (s->staff_approval_count >= SIM_MAX_STAFF_KIOSKS || !*kiosk_id ||
        strlen(kiosk_id) >= SIM_KIOSK_ID_MAX)
        return -1;
    memcpy(s->staff_approval[s->staff_approval_count++], kiosk_id, strlen(kiosk_id) + 1);
    return 0;
}

static int api_staff_approval_granted(const sim *s, const char *kiosk_id)
{
    for (int i = 0; i < s->staff_approval_count; i++)
        if (strcmp(s->staff_approval[i], "*") == 0 ||
            (*kiosk_id && strcmp(s->staff_approval[i], kiosk_id) == 0))
            return 1;
    return 0;
}

/* Staff at the kiosk approve a case pending review. Only a kiosk the RA
 * granted that right (by its client certificate's CN) may: others get 403
 * staff_approval_not_permitted. The case must be pending_review (409
 * invalid_state). It becomes approved with approved_by
 * "kiosk-staff:<kiosk>/<staff>"; the RA keeps staff id and reason. */
static void api_case_staff_approval(sim *s, const sim_req *r, sim_reply *out)
{
    const char *staff = api_str(r, out, "staff_id", 1, 32);
    const char *reason = staff ? api_str(r, out, "reason", 0, 200) : NULL;
    if (!reason)
        return;
    if (!api_staff_approval_granted(s, r->kiosk_id)) {
        char msg[SIM_KIOSK_ID_MAX + 96];
        snprintf(msg, sizeof msg, "the staff of kiosk '%s' may not approve cases", r->kiosk_id);
        reply_error(out, 403, "staff_approval_not_permitted", msg);
        return;
    }
    api_case_row c;
    if (api_case_load(s, r->seg[2], &c, out))
        return;
    if (strcmp(c.state, "pending_review") != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "the case is %s, not pending_review", c.state);
        reply_error(out, 409, "invalid_state", msg);
        return;
    }
    int64_t now = sim_now();
    store_run(s, "INSERT OR REPLACE INTO staff_approvals VALUES(?, ?, ?, ?, ?)", "ssssi",
              r->seg[2], r->kiosk_id, staff, reason, now);
    store_run(s, "UPDATE cases SET state='approved', updated=? WHERE id=?", "is", now,
              r->seg[2]);
    store_count(s, "cases_approved", 1);
    store_count(s, "staff_approvals", 1);
    api_apply_revocations(s);
    reply_json(out, 200, api_case_json(s, r->seg[2]));
}

static const char *const api_doc_kinds[] = {"licence",
                                            "id_front",
                                            "id_back",
                                            "seal_company",
                                            "seal_legal_rep",
                                            "signature_legal_rep",
                                            "auth_letter",
                                            "reissue_statement",
                                            "uscc_copy",
                                            "application_form",
                                            "id_card_front",
                                            "id_card_back",
                                            NULL};

/* Kinds that may be a PDF (forms and letters the kiosk renders or scans);
 * the application form must be one. */
static int api_doc_pdf_allowed(const char *kind)
{
    return strcmp(kind, "application_form") == 0 || strcmp(kind, "auth_letter") == 0 ||
           strcmp(kind, "reissue_statement") == 0 || strcmp(kind, "uscc_copy") == 0 ||
           strcmp(kind, "licence") == 0;
}

static void api_document(sim *s, const sim_req *r, sim_reply *out)
{
    api_case_row c;
    const char *kind, *media, *sha, *data64;
    if (api_case_load(s, r->seg[2], &c, out))
        return;
    if (!(kind = api_str(r, out, "kind", 1, 32)) ||
        !(media = api_str(r, out, "media_type", 1, 32)) ||
        !(sha = api_str(r, out, "sha256", 1, 64)) ||
        !(data64 = api_str(r, out, "data", 1, SIM_MAX_BODY)))
        return;
    int known = 0,
        seal = strncmp(kind, "seal_", 5) == 0 || strcmp(kind, "signature_legal_rep") == 0;
    for (int i = 0; api_doc_kinds[i]; i++)
        known |= strcmp(kind, api_doc_kinds[i]) == 0;
    if (!known) {
        reply_error(out, 400, "bad_request", "unknown document kind");
        return;
    }
    double w = 0, h = 0;
    json_t *jw = json_object_get(r->json, "width_mm"),
           *jh = json_object_get(r->json, "height_mm");
    if ((jw && !json_is_number(jw)) || (jh && !json_is_number(jh))) {
        reply_error(out, 400, "bad_request", "width_mm/height_mm must be numbers");
        return;
    }
    w = jw ? json_number_value(jw) : 0;
    h = jh ? json_number_value(jh) : 0;
    if (seal && (!(w > 0 && w < 1000) || !(h > 0 && h < 1000))) {
        reply_error(out, 400, "bad_request", "seal images need width_mm and height_mm > 0");
        return;
    }
    if (strcmp(c.state, "draft") != 0) {
        reply_error(out, 409, "invalid_state", "documents can be added to a draft case only");
        return;
    }
    size_t len = 0;
    unsigned char *data = pki_b64_decode(data64, &len);
    if (!data || len == 0) {
        free(data);
        reply_error(out, 400, "bad_request", "data is not base64");
        return;
    }
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int is_png = len >= 8 && memcmp(data, png, 8) == 0;
    int is_jpeg = len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff;
    int is_pdf = len >= 5 && memcmp(data, "%PDF-", 5) == 0;
    int form = strcmp(kind, "application_form") == 0;
    char digest[65];
    pki_sha256_hex(data, len, digest);
    if (!form &&
        !((strcmp(media, "image/png") == 0 && is_png) ||
          (strcmp(media, "image/jpeg") == 0 && is_jpeg) ||
          (api_doc_pdf_allowed(kind) && strcmp(media, "application/pdf") == 0 && is_pdf))) {
        free(data);
        reply_error(out, 400, "bad_request",
                    "data is not a PNG or JPEG (or a PDF where the kind allows) matching "
                    "media_type");
        return;
    }
    if (form && !(strcmp(media, "application/pdf") == 0 && is_pdf)) {
        free(data);
        reply_error(out, 400, "bad_request", "the application form is a PDF");
        return;
    }
    if (strcasecmp(digest, sha) != 0) {
        free(data);
        reply_error(out, 400, "checksum_mismatch", "sha256 does not match the data");
        return;
    }
    char id[40];
    pki_random_id("d", id, sizeof id);
    store_run(s, "DELETE FROM documents WHERE case_id = ? AND kind = ?", "ss", r->seg[2], kind);
    int rc = store_run(s,
                       "INSERT INTO documents(id, case_id, kind, media_type, sha256, size, "
                       "width_mm, height_mm) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                       "sssssidd", id, r->seg[2], kind, media, digest, (int64_t)len, w, h);
    /* the seal images are kept: the seal maker turns them into seals */
    if (rc == 1 && seal)
        rc = store_blob(s, "UPDATE documents SET data=? WHERE id=?", data, len, id);
    free(data);
    if (rc != 1) {
        reply_error(out, 500, "internal", "cannot store the document");
        return;
    }
    store_run(s, "UPDATE cases SET updated=? WHERE id=?", "is", sim_now(), r->seg[2]);
    store_count(s, "documents_stored", 1);
    reply_json(out, 201,
               json_pack("{s:s, s:s, s:s, s:I}", "document_id", id, "kind", kind, "sha256",
                         digest, "size", (json_int_t)len));
}

/* ---- orders ---- */

static void api_order_create(sim *s, const sim_req *r, sim_reply *out)
{
    api_case_row c;
    if (api_case_load(s, r->seg[2], &c, out))
        return;
    if (strcmp(c.state, "draft") == 0 || strcmp(c.state, "rejected") == 0) {
        reply_error(out, 409, "invalid_state", "the case is a draft or rejected");
        return;
    }
    if (c.fee == 0) {
        reply_error(out, 409, "invalid_state", "the service is free: no order needed");
        return;
    }
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT 1 FROM orders WHERE case_id = ? AND state IN "
                                  "('pending', 'paid', 'refunded')",
                                  "s", r->seg[2]);
    int open = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (open) {
        reply_error(out, 409, "order_open", "the case already has an open or paid order");
        return;
    }
    char id[40], qr[160];
    pki_random_id("o", id, sizeof id);
    snprintf(qr, sizeof qr, "https://pay.ra-sim.invalid/qr?order=%s&amount=%lld", id,
             (long long)c.fee);
    int64_t now = sim_now();
    store_run(s,
              "INSERT INTO orders(id, case_id, state, amount, qr, created, expires, paid_at, "
              "refunded, refund_id, refund_reason) "
              "VALUES(?, ?, 'pending', ?, ?, ?, ?, 0, 0, '', '')",
              "ssisii", id, r->seg[2], c.fee, qr, now, now + s->order_ttl_s);
    store_count(s, "orders_created", 1);
    store_tick(s); /* auto-pay 0 pays at once */
    reply_json(out, 201, api_order_json(s, id));
}

static int api_order_state(sim *s, const char *id, char *state, size_t n, char *case_id,
                           size_t cn, sim_reply *out)
{
    sqlite3_stmt *st = store_prep(s, "SELECT state, case_id FROM orders WHERE id = ?", "s", id);
    int found = st && sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        snprintf(state, n, "%s", store_text(st, 0));
        snprintf(case_id, cn, "%s", store_text(st, 1));
    }
    sqlite3_finalize(st);
    if (!found)
        reply_error(out, 404, "not_found", "no such order");
    return found ? 0 : -1;
}

static void api_order_get(sim *s, const sim_req *r, sim_reply *out)
{
    json_t *o = api_order_json(s, r->seg[2]);
    if (o)
        reply_json(out, 200, o);
    else
        reply_error(out, 404, "not_found", "no such order");
}

static void api_order_cancel(sim *s, const sim_req *r, sim_reply *out)
{
    char state[32], case_id[64];
    if (api_order_state(s, r->seg[2], state, sizeof state, case_id, sizeof case_id, out))
        return;
    if (strcmp(state, "pending") != 0) {
        reply_error(out, 409, "invalid_state", "only a pending order can be cancelled");
        return;
    }
    store_run(s, "UPDATE orders SET state='cancelled' WHERE id=?", "s", r->seg[2]);
    store_count(s, "orders_cancelled", 1);
    reply_json(out, 200, api_order_json(s, r->seg[2]));
}

static void api_order_refund(sim *s, const sim_req *r, sim_reply *out)
{
    char state[32], case_id[64];
    const char *reason = api_str(r, out, "reason", 0, 200);
    if (!reason ||
        api_order_state(s, r->seg[2], state, sizeof state, case_id, sizeof case_id, out))
        return;
    if (strcmp(state, "paid") != 0) {
        reply_error(out, 409, "invalid_state", "only a paid order can be refunded");
        return;
    }
    api_case_row c;
    if (api_case_load(s, case_id, &c, out))
        return;
    if (c.cert_serial[0]) {
        reply_error(out, 409, "certificate_issued",
                    "a certificate was issued for this case: no refund");
        return;
    }
    char rid[40];
    pki_random_id("r", rid, sizeof rid);
    store_run(s,
              "UPDATE orders SET state='refunded', refunded=amount, refund_id=?, "
              "refund_reason=?, refunded_at=? WHERE id=?",
              "ssis", rid, reason, sim_now(), r->seg[2]);
    store_count(s, "refunds", 1);
    reply_json(out, 200, api_order_json(s, r->seg[2]));
}

/* A payment staff took at the counter (cash or card) for a pending order:
 * the order becomes paid with channel "counter". The amount must be the
 * order's; a paid, refunded, cancelled or expired order is refused. */
static void api_order_counter(sim *s, const sim_req *r, sim_reply *out)
{
    char state[32], case_id[64];
    const char *staff = api_str(r, out, "staff_id", 1, 32);
    const char *receipt = staff ? api_str(r, out, "receipt_no", 1, 64) : NULL;
    const char *method = receipt ? api_str(r, out, "method", 1, 8) : NULL;
    const char *reason = method ? api_str(r, out, "reason", 0, 200) : NULL;
    json_t *amount = json_object_get(r->json, "amount_fen");
    if (!reason)
        return;
    if (!json_is_integer(amount) || json_integer_value(amount) <= 0 ||
        (strcmp(method, "cash") != 0 && strcmp(method, "card") != 0)) {
        reply_error(out, 400, "bad_request",
                    "amount_fen must be a positive integer and method cash or card");
        return;
    }
    if (api_order_state(s, r->seg[2], state, sizeof state, case_id, sizeof case_id, out))
        return;
    if (strcmp(state, "paid") == 0 || strcmp(state, "refunded") == 0) {
        reply_error(out, 409, "already_paid", "the order is already paid");
        return;
    }
    if (strcmp(state, "pending") != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "the order is %s: no payment can be recorded", state);
        reply_error(out, 409, "invalid_state", msg);
        return;
    }
    sqlite3_stmt *st = store_prep(s, "SELECT amount FROM orders WHERE id = ?", "s", r->seg[2]);
    int64_t due = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (json_integer_value(amount) != due) {
        char msg[128];
        snprintf(msg, sizeof msg, "amount_fen %lld is not the order's amount %lld",
                 (long long)json_integer_value(amount), (long long)due);
        reply_error(out, 422, "amount_mismatch", msg);
        return;
    }
    int64_t now = sim_now();
    store_run(s, "INSERT INTO counter_payments VALUES(?, ?, ?, ?, ?, ?, ?)", "ssssisi",
              r->seg[2], staff, receipt, method, due, reason, now);
    store_run(s, "UPDATE orders SET state='paid', paid_at=? WHERE id=?", "is", now, r->seg[2]);
    store_count(s, "orders_paid", 1);
    store_count(s, "counter_payments", 1);
    reply_json(out, 200, api_order_json(s, r->seg[2]));
}

/* ---- certificates ---- */

/* The CSR of a request: "csr" (PEM) or "csr_der" (base64). */
static X509_REQ *api_csr(const sim_req *r, const char *profile, sim_reply *out)
{
    json_t *pem = json_object_get(r->json, "csr"), *der = json_object_get(r->json, "csr_der");
    const char *why = "CSR missing";
    X509_REQ *req = NULL;
    if (json_is_string(pem) && !der) {
        req = pki_parse_csr((const unsigned char *)json_string_value(pem),
                            json_string_length(pem), profile, &why);
    } else if (json_is_string(der) && !pem) {
        size_t len = 0;
        unsigned char *raw = pki_b64_decode(json_string_value(der), &len);
        why = "csr_der is not base64";
        if (raw)
            req = pki_parse_csr(raw, len, profile, &why);
        free(raw);
    }
    if (!req)
        reply_error(out, 400, "invalid_csr", why);
    return req;
}

/* Common checks before issuance: approved, paid, nothing issued. */
static int api_may_issue(sim *s, const char *case_id, api_case_row *c, sim_reply *out)
{
    if (api_case_load(s, case_id, c, out))
        return -1;
    if (strcmp(c->state, "approved") != 0) {
        reply_error(out, 409, "not_approved", "the case is not approved");
        return -1;
    }
    if (!api_case_paid(s, case_id, c->fee)) {
        reply_error(out, 409, "not_paid", "the case's order is not paid");
        return -1;
    }
    if (c->cert_serial[0]) {
        reply_error(out, 409, "already_issued",
                    "a certificate was already issued for the case");
        return -1;
    }
    return 0;
}

/* Issue one certificate of the case and store it; 0 or -1 (reply set). */
static int api_issue_one(sim *s, const char *case_id, const api_case_row *c, EVP_PKEY *pub,
                         pki_usage usage, const char *profile, char serial[96], sim_reply *out)
{
    char subject[512];
    int64_t nb = 0, na = 0;
    char *pem =
        pki_issue(&s->pki, pub, usage, c->company, c->credit_code, serial, subject, &nb, &na);
    if (!pem) {
        reply_error(out, 500, "internal", "signing failed");
        return -1;
    }
    const char *use = usage == PKI_USAGE_SM2_ENC    ? "encryption"
                      : usage == PKI_USAGE_SM2_SIGN ? "signature"
                                                    : "general";
    int rc = store_run(s,
                       "INSERT INTO certs(serial, case_id, credit_code, subject, pem, "
                       "not_before, not_after, status, revoked_at, reason, profile, usage, ca, "
                       "token_serial) VALUES(?, ?, ?, ?, ?, ?, ?, 'valid', 0, 0, ?, ?, ?, ?)",
                       "sssssiissss", serial, case_id, c->credit_code, subject, pem, nb, na,
                       profile, use, usage == PKI_USAGE_LEGACY ? "main" : "sm2", c->token);
    free(pem);
    if (rc != 1) {
        reply_error(out, 500, "internal", "cannot store the certificate");
        return -1;
    }
    store_count(s, "certs_issued", 1);
    return 0;
}

/* Issue the case's certificate from req: one certificate by the CA, or for
 * an sm2-dual case the signing certificate for the CSR's key and the
 * encryption certificate for a key pair of the KMC, whose private key the
 * reply carries enveloped to the signing key (kmc.c). */
static void api_issue_common(sim *s, const char *case_id, const api_case_row *c, X509_REQ *req,
                             const char *counter, sim_reply *out)
{
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    int dual = strcmp(c->profile, "sm2-dual") == 0;
    const char *profile = dual ? "sm2-dual" : pki_key_profile(pub);
    char serial[96] = "", enc_serial[96] = "";
    unsigned char blob[KMC_EKB_LEN];
    EVP_PKEY *enc_pub = NULL;
    if (dual && kmc_envelope(pub, &enc_pub, blob)) {
        reply_error(out, 500, "internal", "the KMC could not envelope the encryption key");
        return;
    }
    if (api_issue_one(s, case_id, c, pub, dual ? PKI_USAGE_SM2_SIGN : PKI_USAGE_LEGACY, profile,
                      serial, out) ||
        (dual &&
         api_issue_one(s, case_id, c, enc_pub, PKI_USAGE_SM2_ENC, profile, enc_serial, out))) {
        EVP_PKEY_free(enc_pub);
        return;
    }
    EVP_PKEY_free(enc_pub);
    if (dual) {
        store_run(s, "UPDATE certs SET pair=? WHERE serial=?", "ss", enc_serial, serial);
        store_run(s, "UPDATE certs SET pair=? WHERE serial=?", "ss", serial, enc_serial);
        store_count(s, "kmc_envelopes", 1);
    }
    store_run(s, "UPDATE cases SET cert_serial=?, updated=? WHERE id=?", "sis", serial,
              sim_now(), case_id);
    if (counter)
        store_count(s, counter, 1);
    json_t *o = api_cert_json(s, serial);
    if (o && dual) {
        char *b64 = pki_b64_encode(blob, sizeof blob);
        json_object_set_new(o, "encryption", api_cert_json(s, enc_serial));
        json_object_set_new(o, "enveloped_key", json_string(b64 ? b64 : ""));
        json_object_set_new(o, "enveloped_key_format", json_string("gmt0016-envelopedkeyblob"));
        free(b64);
    }
    reply_json(out, 201, o);
}

static void api_cert_issue(sim *s, const sim_req *r, sim_reply *out)
{
    api_case_row c;
    if (api_may_issue(s, r->seg[2], &c, out))
        return;
    if (strcmp(c.service, "unlock") == 0 || strcmp(c.service, "revoke") == 0) {
        reply_error(out, 409, "invalid_state", "this service issues no certificate");
        return;
    }
    if (strncmp(c.service, "renew", 5) == 0) {
        reply_error(out, 409, "invalid_state", "renewals go through /renewal");
        return;
    }
    X509_REQ *req = api_csr(r, c.profile, out);
    if (!req)
        return;
    api_issue_common(s, r->seg[2], &c, req, NULL, out);
    X509_REQ_free(req);
}

static void api_cert_renew(sim *s, const sim_req *r, sim_reply *out)
{
    api_case_row c;
    const char *old_serial = api_str(r, out, "old_serial", 1, 80);
    if (!old_serial || api_may_issue(s, r->seg[2], &c, out))
        return;
    int nopin = strcmp(c.service, "renew_nopin") == 0;
    if (!nopin && strcmp(c.service, "renew") != 0) {
        reply_error(out, 409, "invalid_state", "the case is not a renewal");
        return;
    }
    sqlite3_stmt *st = store_prep(
        s, "SELECT pem, credit_code, status FROM certs WHERE serial=?", "s", old_serial);
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        reply_error(out, 404, "not_found", "no such certificate");
        return;
    }
    char *old_pem = strdup(store_text(st, 0));
    int same = strcmp(store_text(st, 1), c.credit_code) == 0;
    int revoked = strcmp(store_text(st, 2), "revoked") == 0;
    sqlite3_finalize(st);
    X509_REQ *req = NULL;
    if (!same || revoked) {
        reply_error(out, 409, "invalid_state",
                    "the old certificate is revoked or belongs to another enterprise");
        goto out;
    }
    if (!(req = api_csr(r, c.profile, out)))
        goto out;
    json_t *sig = json_object_get(r->json, "signature");
    if (nopin && sig) {
        reply_error(out, 400, "bad_request", "a PIN-less renewal carries no signature");
        goto out;
    }
    if (!nopin) {
        size_t len = 0;
        unsigned char *raw =
            json_is_string(sig) ? pki_b64_decode(json_string_value(sig), &len) : NULL;
        int ok = raw && pki_verify_renewal(old_pem, req, raw, len) == 0;
        free(raw);
        if (!ok) {
            reply_error(out, 400, "invalid_signature",
                        "signature over the CSR does not verify with the current key");
            goto out;
        }
    }
    api_issue_common(s, r->seg[2], &c, req, "certs_renewed", out);
out:
    X509_REQ_free(req);
    free(old_pem);
}

/* The kiosk reports the UKEY a certificate (and its pair partner) was
 * installed on; a later install (swap) replaces it. */
static void api_cert_install(sim *s, const sim_req *r, sim_reply *out)
{
    const char *token = api_str(r, out, "token_serial", 1, 64);
    if (!token)
        return;
    sqlite3_stmt *st = store_prep(s, "SELECT status FROM certs WHERE serial=?", "s", r->seg[2]);
    int found = st && sqlite3_step(st) == SQLITE_ROW;
    int valid = found && strcmp(store_text(st, 0), "valid") == 0;
    sqlite3_finalize(st);
    if (!found) {
        reply_error(out, 404, "not_found", "no such certificate");
        return;
    }
    if (!valid) {
        reply_error(out, 409, "invalid_state", "the certificate is revoked");
        return;
    }
    store_run(s, "UPDATE certs SET token_serial=?1 WHERE serial=?2 OR (pair<>'' AND pair=?2)",
              "ss", token, r->seg[2]);
    store_count(s, "certs_installed", 1);
    reply_json(out, 200, api_cert_json(s, r->seg[2]));
}

static void api_cert_get(sim *s, const sim_req *r, sim_reply *out)
{
    json_t *o = api_cert_json(s, r->seg[2]);
    if (o)
        reply_json(out, 200, o);
    else
        reply_error(out, 404, "not_found", "no such certificate");
}

/* Revoke a certificate and, for one of an SM2 pair, its partner: both
 * certificates of a pair live and die together. Appends the serials it
 * revoked to list (may be NULL); returns how many. */
int api_revoke_serial(sim *s, const char *serial, int reason, int64_t now, json_t *list)
{
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT serial FROM certs WHERE status='valid' AND "
                                  "(serial=?1 OR (pair<>'' AND pair=?1)) ORDER BY usage DESC",
                                  "s", serial);
    int n = 0;
    char done[2][96];
    while (st && n < 2 && sqlite3_step(st) == SQLITE_ROW)
        snprintf(done[n++], sizeof done[0], "%s", store_text(st, 0));
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        store_run(s, "UPDATE certs SET status='revoked', revoked_at=?, reason=? WHERE serial=?",
                  "iis", now, (int64_t)reason, done[i]);
        if (list)
            json_array_append_new(list, json_string(done[i]));
    }
    if (n)
        store_count(s, "certs_revoked", n);
    return n;
}

/* RFC 5280 CRLReason code of a reason name; -1 unknown. */
static int api_reason_code(const char *reason)
{
    int code = -1;
    for (int i = 0; i < 6; i++)
        if (api_reasons[i] && strcmp(reason, api_reasons[i]) == 0)
            code = i;
    return code;
}

static void api_cert_revoke(sim *s, const sim_req *r, sim_reply *out)
{
    const char *case_id = api_str(r, out, "case_id", 1, 64);
    const char *reason = case_id ? api_str(r, out, "reason", 1, 32) : NULL;
    if (!reason)
        return;
    int code = api_reason_code(reason);
    if (code < 0) {
        reply_error(out, 400, "bad_request", "unknown revocation reason");
        return;
    }
    api_case_row c;
    if (api_case_load(s, case_id, &c, out))
        return;
    if (strcmp(c.state, "approved") != 0) {
        reply_error(out, 409, "not_approved", "the case is not approved");
        return;
    }
    sqlite3_stmt *st =
        store_prep(s, "SELECT credit_code, status FROM certs WHERE serial=?", "s", r->seg[2]);
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        reply_error(out, 404, "not_found", "no such certificate");
        return;
    }
    int same = strcmp(store_text(st, 0), c.credit_code) == 0;
    int revoked = strcmp(store_text(st, 1), "revoked") == 0;
    sqlite3_finalize(st);
    if (!same) {
        reply_error(out, 409, "invalid_state", "the certificate belongs to another enterprise");
        return;
    }
    if (revoked) {
        reply_error(out, 409, "already_revoked", "the certificate is already revoked");
        return;
    }
    int64_t now = sim_now();
    json_t *serials = json_array();
    api_revoke_serial(s, r->seg[2], code, now, serials);
    reply_json(out, 200,
               json_pack("{s:s, s:s, s:o, s:s, s:o}", "serial", r->seg[2], "status", "revoked",
                         "revoked_at", sim_time_json(now), "reason", reason, "revoked_serials",
                         serials));
}

static void api_crl(sim *s, int sm2, int der, sim_reply *out)
{
    size_t len = 0;
    int64_t t1, t2;
    long number;
    unsigned char *crl = pki_make_crl(s, sm2, der, &len, &t1, &t2, &number);
    if (!crl) {
        reply_error(out, 500, "internal", "cannot sign the CRL");
        return;
    }
    if (der) {
        out->status = 200;
        out->raw = crl;
        out->raw_len = len;
        out->content_type = "application/pkix-crl";
        return;
    }
    reply_json(out, 200,
               json_pack("{s:s, s:o, s:o, s:I}", "crl", (char *)crl, "this_update",
                         sim_time_json(t1), "next_update", sim_time_json(t2), "number",
                         (json_int_t)number));
    free(crl);
}

/* ---- electronic seals ---- */

static const struct {
    const char *kind;
    int type; /* SES property type */
} api_seal_kinds[] = {{"seal_company", 1}, {"seal_legal_rep", 2}, {"signature_legal_rep", 2}};

/* The case's seals as {"case_id","cert_serial","maker_certificate","seals":[...]},
 * NULL when none were made. */
static json_t *api_seals_json(sim *s, const char *case_id)
{
    json_t *list = json_array();
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT kind, es_id, der, meta FROM seals WHERE case_id=? "
                                  "ORDER BY rowid",
                                  "s", case_id);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_error_t e;
        json_t *o = json_loads(store_text(st, 3), 0, &e);
        const unsigned char *der = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        char *b64 = pki_b64_encode(der, len);
        char digest[65];
        pki_sha256_hex(der, len, digest);
        if (o && b64) {
            json_object_set_new(o, "kind", json_string(store_text(st, 0)));
            json_object_set_new(o, "es_id", json_string(store_text(st, 1)));
            json_object_set_new(o, "sha256", json_string(digest));
            json_object_set_new(o, "der", json_string(b64));
            json_array_append_new(list, o);
        } else {
            json_decref(o);
        }
        free(b64);
    }
    sqlite3_finalize(st);
    if (json_array_size(list) == 0) {
        json_decref(list);
        return NULL;
    }
    const char *use_sm2 =
        json_string_value(json_object_get(json_array_get(list, 0), "signature_algorithm"));
    int sm2 = use_sm2 && strcmp(use_sm2, "1.2.156.10197.1.501") == 0;
    char *maker = pki_cert_pem(s->pki.seal_cert[sm2 ? 1 : 0]);
    json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "case_id", case_id, "maker_certificate",
                          maker ? maker : "", "maker_chain",
                          sm2 ? s->pki.sm2_ca_pem : s->pki.ca_pem, "seals", list);
    free(maker);
    return o;
}

/* Make the electronic seals of an approved case whose certificate was
 * issued: one per accepted seal image (company seal, legal
 * representative's seal, signature), bound to the case's (signing)
 * certificate, valid as long as it is. Once per case. */
static void api_seal_make(sim *s, const sim_req *r, sim_reply *out)
{
    api_case_row c;
    if (api_case_load(s, r->seg[2], &c, out))
        return;
    json_t *made = api_seals_json(s, r->seg[2]);
    if (made) {
        json_decref(made);
        reply_error(out, 409, "already_issued", "the case's seals were already made");
        return;
    }
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT pem, not_before, not_after, status, ca FROM certs "
                                  "WHERE serial=?",
                                  "s", c.cert_serial);
    if (!c.cert_serial[0] || !st || sqlite3_step(st) != SQLITE_ROW ||
        strcmp(store_text(st, 3), "valid") != 0) {
        sqlite3_finalize(st);
        reply_error(out, 409, "invalid_state", "the case has no valid certificate");
        return;
    }
    X509 *cert = pki_cert_from_pem(store_text(st, 0));
    int64_t nb = sqlite3_column_int64(st, 1), na = sqlite3_column_int64(st, 2);
    int sm2 = strcmp(store_text(st, 4), "sm2") == 0;
    sqlite3_finalize(st);
    unsigned char *cert_der = NULL;
    int cert_len = cert ? i2d_X509(cert, &cert_der) : -1;
    X509_free(cert);
    char legal_rep[256] = "";
    st = store_prep(s, "SELECT legal_rep FROM enterprises WHERE credit_code=?", "s",
                    c.credit_code);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        snprintf(legal_rep, sizeof legal_rep, "%s", store_text(st, 0));
    sqlite3_finalize(st);
    int made_n = 0, failed = cert_len <= 0;
    int64_t now = sim_now();
    for (size_t k = 0; !failed && k < sizeof api_seal_kinds / sizeof api_seal_kinds[0]; k++) {
        st = store_prep(s,
                        "SELECT data, media_type, width_mm, height_mm FROM documents "
                        "WHERE case_id=? AND kind=? AND data IS NOT NULL",
                        "ss", r->seg[2], api_seal_kinds[k].kind);
        if (!st || sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            continue;
        }
        char es_id[40];
        pki_random_id("es", es_id, sizeof es_id);
        seal_input in = {
            .sm2 = sm2,
            .es_id = es_id,
            .type = api_seal_kinds[k].type,
            .name = api_seal_kinds[k].type == 1 || !legal_rep[0] ? c.company : legal_rep,
            .cert_der = cert_der,
            .cert_len = (size_t)cert_len,
            .created = now,
            .valid_start = nb,
            .valid_end = na,
            .picture_type = strcmp(store_text(st, 1), "image/png") == 0 ? "png" : "jpg",
            .picture = sqlite3_column_blob(st, 0),
            .picture_len = (size_t)sqlite3_column_bytes(st, 0),
            .width_mm = sqlite3_column_double(st, 2),
            .height_mm = sqlite3_column_double(st, 3),
        };
        unsigned char *der = NULL;
        size_t der_len = 0;
        failed = seal_make(s, &in, &der, &der_len) != 0;
        if (!failed) {
            json_t *meta = json_pack(
                "{s:i, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:s}", "type", in.type, "name",
                in.name, "cert_serial", c.cert_serial, "picture_type", in.picture_type,
                "valid_start", sim_time_json(nb), "valid_end", sim_time_json(na), "width_mm",
                (json_int_t)lround(in.width_mm), "height_mm", (json_int_t)lround(in.height_mm),
                "signature_algorithm", sm2 ? "1.2.156.10197.1.501" : "1.2.840.10045.4.3.2");
            char *mt = json_dumps(meta, JSON_COMPACT);
            json_decref(meta);
            sqlite3_stmt *ins = store_prep(s, "INSERT INTO seals VALUES(?, ?, ?, ?, ?)", "sss",
                                           r->seg[2], api_seal_kinds[k].kind, es_id);
            failed = !ins || !mt;
            if (!failed) {
                sqlite3_bind_blob(ins, 4, der, (int)der_len, SQLITE_TRANSIENT);
                sqlite3_bind_text(ins, 5, mt, -1, SQLITE_TRANSIENT);
                failed = sqlite3_step(ins) != SQLITE_DONE;
            }
            sqlite3_finalize(ins);
            free(mt);
            made_n++;
        }
        free(der);
        sqlite3_finalize(st);
    }
    OPENSSL_free(cert_der);
    if (failed) {
        reply_error(out, 500, "internal", "the seal maker failed");
        return;
    }
    if (made_n == 0) {
        reply_error(out, 409, "invalid_state", "the case has no seal images");
        return;
    }
    store_count(s, "seals_made", made_n);
    reply_json(out, 201, api_seals_json(s, r->seg[2]));
}

static void api_seal_get(sim *s, const sim_req *r, sim_reply *out)
{
    json_t *o = api_seals_json(s, r->seg[2]);
    if (o)
        reply_json(out, 200, o);
    else
        reply_error(out, 404, "not_found", "no seals for this case");
}

/* ---- tokens ---- */

static void api_token_unlock(sim *s, const sim_req *r, sim_reply *out)
{
    const char *serial = api_str(r, out, "token_serial", 1, 64);
    api_case_row c;
    if (!serial || api_case_load(s, r->seg[2], &c, out))
        return;
    if (strcmp(c.service, "unlock") != 0 && strcmp(c.service, "renew_nopin") != 0) {
        reply_error(out, 409, "invalid_state", "the case is not an unlock or PIN-less renewal");
        return;
    }
    if (strcmp(c.state, "approved") != 0) {
        reply_error(out, 409, "not_approved", "the case is not approved");
        return;
    }
    if (!api_case_paid(s, r->seg[2], c.fee)) {
        reply_error(out, 409, "not_paid", "the case's order is not paid");
        return;
    }
    if (strcmp(c.token, serial) != 0) {
        reply_error(out, 409, "invalid_state", "the case names another token");
        return;
    }
    sqlite3_stmt *st =
        store_prep(s, "SELECT so_pin, released FROM tokens WHERE serial=?", "s", serial);
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        reply_error(out, 404, "not_found", "unknown token");
        return;
    }
    if (sqlite3_column_int(st, 1)) {
        sqlite3_finalize(st);
        reply_error(out, 409, "already_released", "the unlock secret was already released");
        return;
    }
    reply_json(out, 200,
               json_pack("{s:s, s:s}", "token_serial", serial, "so_pin", store_text(st, 0)));
    sqlite3_finalize(st);
    store_run(s, "UPDATE tokens SET released=1 WHERE serial=?", "s", serial);
    store_count(s, "unlocks_released", 1);
}

void api_handle(sim *s, const char *ep, const sim_req *r, sim_reply *out)
{
    if (!strcmp(ep, "health"))
        api_health(s, out);
    else if (!strcmp(ep, "enterprise"))
        api_enterprise(s, r, out);
    else if (!strcmp(ep, "enterprise_certs"))
        api_enterprise_certs(s, r, out);
    else if (!strcmp(ep, "cert_install"))
        api_cert_install(s, r, out);
    else if (!strcmp(ep, "seal_make"))
        api_seal_make(s, r, out);
    else if (!strcmp(ep, "seal_get"))
        api_seal_get(s, r, out);
    else if (!strcmp(ep, "case_create"))
        api_case_create(s, r, out);
    else if (!strcmp(ep, "case_get"))
        api_case_get(s, r, out);
    else if (!strcmp(ep, "case_submit"))
        api_case_submit(s, r, out);
    else if (!strcmp(ep, "document"))
        api_document(s, r, out);
    else if (!strcmp(ep, "order_create"))
        api_order_create(s, r, out);
    else if (!strcmp(ep, "order_get"))
        api_order_get(s, r, out);
    else if (!strcmp(ep, "order_cancel"))
        api_order_cancel(s, r, out);
    else if (!strcmp(ep, "order_refund"))
        api_order_refund(s, r, out);
    else if (!strcmp(ep, "order_counter"))
        api_order_counter(s, r, out);
    else if (!strcmp(ep, "cert_issue"))
        api_cert_issue(s, r, out);
    else if (!strcmp(ep, "cert_renew"))
        api_cert_renew(s, r, out);
    else if (!strcmp(ep, "cert_get"))
        api_cert_get(s, r, out);
    else if (!strcmp(ep, "cert_revoke"))
        api_cert_revoke(s, r, out);
    else if (!strcmp(ep, "crl"))
        api_crl(s, 0, 0, out);
    else if (!strcmp(ep, "crl_der"))
        api_crl(s, 0, 1, out);
    else if (!strcmp(ep, "crl_sm2"))
        api_crl(s, 1, 0, out);
    else if (!strcmp(ep, "crl_sm2_der"))
        api_crl(s, 1, 1, out);
    else if (!strcmp(ep, "token_unlock"))
        api_token_unlock(s, r, out);
    else if (!strcmp(ep, "case_staff_approval"))
        api_case_staff_approval(s, r, out);
    else
        reply_error(out, 404, "not_found", "no such endpoint");
}
