/* SPDX-License-Identifier: MIT */
/*
 * staff_mode.c - assisted mode and the maintenance menu inside kioskd
 * (docs/protocol.md, "Staff and maintenance"): staff log in with their id
 * and PIN (kx_staff_verify, lockout) or with their staff UKEY (token PIN,
 * signature over a fresh challenge; same lockout), the staff session ends by itself
 * after [staff] idle_seconds, every staff action is recorded in the
 * journal's staff_actions table and in the log (who, what, when, why),
 * staff actions are limited by [staff] allowed_actions, and admins run the
 * maintenance requests (self-tests, RA check, today's summary reconciled
 * with the RA, masked recent log, configuration in effect, version).
 *
 * Everything here runs on kioskd's main loop. Self-tests
 * use the devices directly and are refused while a customer session or a
 * job is running, so no worker thread touches the same device. A counter
 * payment is recorded while the worker polls the order, so it goes through
 * staff mode's own RA and payment handles; a staff UKEY login loads its
 * own handle on the PKCS#11 module (the module counts its users and
 * serialises its sessions: CKF_OS_LOCKING_OK).
 *
 * Map: recording; the staff session (PIN and UKEY logins); staff actions on
 * the customer session (manual ID, counter payment, retry/refund);
 * maintenance; dispatch; staff intents; metrics.
 */
#include <ctype.h>
#include <stdint.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/secbuf.h"
#include "core/str.h"
#include "domain/idnum.h"
#include "engine_internal.h"
#include "payment/payment.h"
#include "ra/ra.h"
#include "staff/metrics.h"
#include "staff/staff.h"
#include "token/token.h"

#ifndef KX_VERSION
#define KX_VERSION "0.1.0"
#endif

/* staff actions that [staff] allowed_actions can list (bit = index) */
static const char *const assist_actions[] = {"approve", "reject",       "override",
                                             "reset",   "manual_id",    "retry",
                                             "refund",  "counter_paid", NULL};
#define ASSIST_DEFAULT "approve,reject,override,reset,manual_id,retry,refund,counter_paid"

#define HEALTH_UNKNOWN (-1)
enum { DEV_SCANNER, DEV_IDCARD, DEV_TOKEN, DEV_RA, DEV_COUNT };
static const char *const dev_names[DEV_COUNT] = {"scanner", "idcard", "token", "ra"};
/* what the maintenance screen calls each test (msgid, the UI translates) */
static const char *const dev_msgids[DEV_COUNT] = {N_("Scanner"), N_("ID card reader"),
                                                  N_("UKEY reader"), N_("RA connection")};

struct kx_staff_mode {
    kx_staff_db *db;
    unsigned allowed; /* bits of assist_actions */
    /* the open staff session (one per kiosk) */
    int active;
    char id[KX_JOURNAL_ID_MAX];
    char name[128];
    kx_staff_role role;
    int64_t last_ms;
    /* maintenance */
    char log_file[1024];
    int health[DEV_COUNT]; /* last self-test: 1 ok, 0 failed, -1 never run */
    double ra_latency_ms;  /* last RA check, -1 none */
    /* metrics */
    char metrics_file[1024];
    int metrics_interval_s;
    int64_t metrics_next_ms;
    int metrics_dirty;
    /* counter payments: the staff's own RA link (the worker's polls the
     * order meanwhile; a kx_ra handle is one thread's), opened on first use */
    struct kx_ra *ra;
    struct kx_payment *pay;
};

static int action_index(const char *name)
{
    for (int i = 0; assist_actions[i]; i++)
        if (strcmp(assist_actions[i], name) == 0)
            return i;
    return -1;
}

static kx_err parse_allowed(const kx_config *cfg, unsigned *out)
{
    char buf[256];
    kx_strlcpy(buf, kx_config_get_str(cfg, "staff", "allowed_actions", ASSIST_DEFAULT),
               sizeof buf);
    *out = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int i = action_index(t);
        if (i < 0) {
            kx_err_set_detail(
                "%s:%d: [staff] allowed_actions: unknown action \"%s\" (known: %s)",
                kx_config_name(cfg), kx_config_line(cfg, "staff", "allowed_actions"), t,
                ASSIST_DEFAULT);
            return KX_ERR_CONFIG;
        }
        *out |= 1u << i;
    }
    return KX_OK;
}

kx_err kx_staff_mode_open(kx_engine *e)
{
    struct kx_staff_mode *m = calloc(1, sizeof *m);
    if (!m)
        return KX_ERR_NO_MEMORY;
    e->staff = m;
    for (int i = 0; i < DEV_COUNT; i++)
        m->health[i] = HEALTH_UNKNOWN;
    m->ra_latency_ms = -1;
    char state[1200];
    snprintf(state, sizeof state, "%s/staff.lockout", e->set.state_dir);
    kx_err rc = kx_staff_load(e->cfg, state, &m->db);
    if (!rc)
        rc = parse_allowed(e->cfg, &m->allowed);
    if (rc)
        return rc;
    kx_strlcpy(m->log_file, kx_config_get_str(e->cfg, "staff", "log_file", ""),
               sizeof m->log_file);
    kx_strlcpy(m->metrics_file, kx_config_get_str(e->cfg, "metrics", "file", ""),
               sizeof m->metrics_file);
    long v;
    if ((rc = kx_config_get_int(e->cfg, "metrics", "interval_s", 60, 1, 3600, &v)))
        return rc;
    m->metrics_interval_s = (int)v;
    m->metrics_dirty = 1;
    return KX_OK;
}

void kx_staff_mode_close(kx_engine *e)
{
    if (!e->staff)
        return;
    kx_staff_free(e->staff->db);
    kx_payment_close(e->staff->pay);
    kx_ra_close(e->staff->ra);
    kx_wipe(e->staff, sizeof *e->staff);
    free(e->staff);
    e->staff = NULL;
}

/* ---- recording ---- */

/* copy text for a log line or the journal: no quotes, no control bytes */
static void clean_text(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outsz; in++) {
        unsigned char ch = (unsigned char)*in;
        out[n++] = (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') ? ' ' : (char)ch;
    }
    out[n] = 0;
}

void kx_staff_record(kx_journal *j, const kx_staff_actor *a, const char *action,
                     const char *session, int64_t tx_id, const char *reason, const char *detail,
                     const char *outcome)
{
    kx_journal_staff_action r = {.tx_id = tx_id};
    kx_strlcpy(r.staff_id, a->id, sizeof r.staff_id);
    kx_strlcpy(r.role, a->role, sizeof r.role);
    kx_strlcpy(r.action, action, sizeof r.action);
    kx_strlcpy(r.session, session ? session : "", sizeof r.session);
    clean_text(reason, r.reason, sizeof r.reason);
    clean_text(detail, r.detail, sizeof r.detail);
    kx_strlcpy(r.outcome, outcome ? outcome : "ok", sizeof r.outcome);
    kx_err rc = kx_journal_staff_record(j, &r, NULL);
    kx_log_info("staff.action",
                "staff=%s role=%s action=%s session=%s tx=%lld reason=\"%s\" detail=\"%s\" "
                "outcome=%s journaled=%s",
                r.staff_id, r.role, r.action, r.session[0] ? r.session : "-", (long long)tx_id,
                r.reason, r.detail, r.outcome, rc ? kx_err_name(rc) : "yes");
}

/* ---- the staff session ---- */

static int kx_staff_mode_members(const kx_engine *e)
{
    return e->staff && kx_staff_count(e->staff->db) > 0;
}

static void staff_end(kx_engine *e, const char *why)
{
    struct kx_staff_mode *m = e->staff;
    if (!m->active)
        return;
    kx_staff_actor a;
    kx_strlcpy(a.id, m->id, sizeof a.id);
    kx_strlcpy(a.role, m->role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff", sizeof a.role);
    m->active = 0;
    kx_staff_record(e->journal, &a, "logout", NULL, 0, why, NULL, "ok");
    m->id[0] = m->name[0] = 0;
    kx_engine_publish(e);
}

static kx_err kx_staff_authorize(kx_engine *e, kx_role conn_role, unsigned uid,
                                 const char *action, int need_admin, kx_staff_actor *a)
{
    struct kx_staff_mode *m = e->staff;
    memset(a, 0, sizeof *a);
    if (!kx_staff_mode_members(e)) {
        /* no [staff:ID] members: peer credentials alone (kioskctl as root) */
        if (conn_role != KX_ROLE_STAFF)
            return KX_ERR_PERMISSION;
        snprintf(a->id, sizeof a->id, "uid:%u", uid);
        kx_strlcpy(a->role, "admin", sizeof a->role);
        return KX_OK;
    }
    if (!m->active) {
        kx_err_set_detail("no staff member is logged in (request staff_login)");
        return KX_ERR_PERMISSION;
    }
    if (need_admin && m->role != KX_STAFF_ROLE_ADMIN) {
        kx_err_set_detail("%s needs an admin", action);
        return KX_ERR_PERMISSION;
    }
    int i = action ? action_index(action) : -1;
    if (!need_admin && i >= 0 && !(m->allowed & (1u << i))) {
        kx_err_set_detail("%s is not in [staff] allowed_actions", action);
        return KX_ERR_PERMISSION;
    }
    m->last_ms = kx_now_ms();
    kx_strlcpy(a->id, m->id, sizeof a->id);
    kx_strlcpy(a->role, m->role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff", sizeof a->role);
    return KX_OK;
}

int kx_staff_mode_admin(const kx_engine *e)
{
    return e->staff && e->staff->active && e->staff->role == KX_STAFF_ROLE_ADMIN;
}

json_t *kx_staff_state_json(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    if (!m || !m->active)
        return json_null();
    long left = (long)kx_staff_policy_get(m->db)->idle_seconds -
                (long)((kx_now_ms() - m->last_ms) / 1000);
    return json_pack("{s:s, s:s, s:s, s:i}", "id", m->id, "name", m->name, "role",
                     m->role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff", "idle_left",
                     (int)(left < 0 ? 0 : left));
}

/* the reason a request or intent gives; required ones must be 3..200 bytes */
static kx_err get_reason(json_t *msg, int required, const char **out)
{
    const char *r = json_string_value(json_object_get(msg, "reason"));
    *out = r ? r : "";
    size_t n = strlen(*out);
    if (n > 200 || (required && n < 3)) {
        kx_err_set_detail("a reason (3..200 bytes) is required for this staff action");
        return KX_ERR_BAD_FORMAT;
    }
    return KX_OK;
}

/* a member proved who they are: open (or take over) assisted mode */
static void staff_begin(kx_engine *e, const kx_staff_actor *a, kx_staff_role role,
                        const char *how, json_t **result)
{
    struct kx_staff_mode *m = e->staff;
    if (m->active && strcmp(m->id, a->id) != 0)
        staff_end(e, "another member logged in");
    m->active = 1;
    kx_strlcpy(m->id, a->id, sizeof m->id);
    kx_strlcpy(m->name, kx_staff_name(m->db, a->id) ? kx_staff_name(m->db, a->id) : "",
               sizeof m->name);
    m->role = role;
    m->last_ms = kx_now_ms();
    kx_staff_record(e->journal, a, "login", e->s.active ? e->s.id : NULL, 0, NULL, how, "ok");
    kx_engine_publish(e);
    *result = json_pack("{s:s, s:s, s:s, s:i}", "staff_id", m->id, "name", m->name, "role",
                        a->role, "idle_seconds", kx_staff_policy_get(m->db)->idle_seconds);
}

/* the request's PIN (staff or staff UKEY) into a new kx_secbuf (*out, NULL
 * on error), the parsed JSON string wiped in place whatever happens; with
 * the checks every login shares: a PIN, members configured */
static kx_err take_pin(kx_engine *e, json_t *msg, const char *cmd, kx_secbuf **out)
{
    json_t *pj = json_object_get(msg, "pin");
    const char *pin = json_string_value(pj);
    kx_err rc = KX_OK;
    *out = NULL;
    if (!pin || !*pin) {
        rc = KX_ERR_BAD_FORMAT;
        kx_err_set_detail("%s needs a pin", cmd);
    } else if (!kx_staff_mode_members(e)) {
        rc = KX_ERR_UNSUPPORTED;
        kx_err_set_detail("no staff members are configured ([staff:ID] sections)");
    } else if (!(rc = kx_secbuf_new(64, out))) {
        for (const char *p = pin; *p && !rc; p++)
            rc = kx_secbuf_append(*out, (unsigned char)*p);
    }
    if (pin)
        kx_wipe((void *)(uintptr_t)pin, json_string_length(pj));
    if (rc) {
        kx_secbuf_free(*out);
        *out = NULL;
    }
    return rc;
}

static kx_err req_login(kx_engine *e, json_t *msg, json_t **result)
{
    struct kx_staff_mode *m = e->staff;
    const char *id = json_string_value(json_object_get(msg, "staff_id"));
    kx_secbuf *sb = NULL;
    kx_err rc = take_pin(e, msg, "staff_login", &sb);
    if (!rc && (!id || !*id || strlen(id) > 32 ||
                strspn(id, "0123456789abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-.") != strlen(id))) {
        rc = KX_ERR_BAD_FORMAT;
        kx_err_set_detail("staff_login needs staff_id and pin");
    }
    if (rc) {
        kx_secbuf_free(sb);
        return rc;
    }
    kx_staff_role role = KX_STAFF_ROLE_STAFF;
    long retry_after = 0;
    rc = kx_staff_verify(m->db, id, sb, time(NULL), &role, &retry_after);
    kx_secbuf_free(sb);
    kx_staff_actor a;
    clean_text(id, a.id, sizeof a.id);
    kx_strlcpy(a.role, rc ? "-" : (role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff"),
               sizeof a.role);
    if (rc) {
        char detail[64] = "";
        if (rc == KX_ERR_PIN_LOCKED)
            snprintf(detail, sizeof detail, "locked, retry after %ld s", retry_after);
        kx_staff_record(e->journal, &a, "login", NULL, 0, NULL, detail, kx_err_name(rc));
        if (rc == KX_ERR_PIN_LOCKED)
            kx_err_set_detail("staff %s is locked out for %ld s", a.id, retry_after);
        else
            kx_err_set_detail("unknown staff member or wrong PIN");
        return rc;
    }
    staff_begin(e, &a, role, "method=pin", result);
    return KX_OK;
}

/* ---- staff UKEY login ---- */

/* the staff UKEY present in the module, its member and the certificate
 * that names the member (the token stays open for the login) */
typedef struct staff_token {
    kx_token_module *module;
    kx_token *token;
    kx_token_certs certs;
    const kx_token_cert *cert;
    char serial[40];
    char id[KX_JOURNAL_ID_MAX];
    kx_staff_role role;
} staff_token;

static void staff_token_close(staff_token *st)
{
    kx_token_certs_free(&st->certs);
    kx_token_close(st->token);
    kx_token_module_close(st->module);
    memset(st, 0, sizeof *st);
}

const struct kx_staff_db *kx_staff_mode_db(const kx_engine *e)
{
    return e->staff ? e->staff->db : NULL;
}

/* find the first token holding a certificate (with its private key) that
 * a member's token_cert_sha256 / token_serial names */
static kx_err staff_token_find(kx_engine *e, staff_token *st)
{
    memset(st, 0, sizeof *st);
    kx_err rc = kx_token_module_open_config(e->cfg, &st->module);
    kx_token_info info[8];
    size_t n = 0;
    if (!rc)
        rc = kx_token_list(st->module, info, 8, &n);
    for (size_t i = 0; !rc && i < n && !st->cert; i++) {
        if (kx_token_open(st->module, info[i].serial, &st->token) != KX_OK)
            continue;
        if (kx_token_list_certs(st->token, &st->certs) == KX_OK)
            for (size_t j = 0; j < st->certs.count && !st->cert; j++) {
                const kx_token_cert *c = &st->certs.items[j];
                char hex[65];
                kx_staff_sha256_hex(c->der, c->der_len, hex);
                const char *id =
                    c->has_private_key
                        ? kx_staff_find_token(e->staff->db, hex, info[i].serial, &st->role)
                        : NULL;
                if (id) {
                    st->cert = c;
                    kx_strlcpy(st->id, id, sizeof st->id);
                    kx_strlcpy(st->serial, info[i].serial, sizeof st->serial);
                }
            }
        if (!st->cert) {
            kx_token_certs_free(&st->certs);
            kx_token_close(st->token);
            st->token = NULL;
        }
    }
    if (!rc && !st->cert) {
        kx_err_set_detail("no staff UKEY of a configured member is present "
                          "([staff:ID] token_cert_sha256 / token_serial)");
        rc = KX_ERR_TOKEN_ABSENT;
    }
    return rc;
}

/* the token PIN on the token, then a signature over a fresh challenge that
 * must verify under the certificate: a copied certificate cannot sign */
static kx_err staff_token_prove(kx_engine *e, staff_token *st, const kx_secbuf *pin,
                                long *retry_after)
{
    kx_staff_db *db = e->staff->db;
    time_t now = time(NULL);
    kx_err rc = kx_staff_lockout_check(db, st->id, now, retry_after);
    if (rc)
        return rc;
    rc = kx_token_login(st->token, pin, NULL);
    if (rc == KX_ERR_PIN_LOCKED) {
        kx_err_set_detail("the staff UKEY's PIN is locked (unlock it with its SO PIN)");
        return rc;
    }
    if (rc && rc != KX_ERR_PIN_INCORRECT)
        return rc;
    unsigned char challenge[32], *sig = NULL;
    size_t sig_len = 0;
    if (!rc && getrandom(challenge, sizeof challenge, 0) != (ssize_t)sizeof challenge)
        rc = KX_ERR_INTERNAL;
    if (!rc)
        rc = kx_token_sign(st->token, st->cert->id, st->cert->id_len, challenge,
                           sizeof challenge, &sig, &sig_len);
    if (!rc)
        rc = kx_staff_verify_signature(st->cert->der, st->cert->der_len, now, challenge,
                                       sizeof challenge, sig, sig_len);
    kx_token_logout(st->token);
    free(sig);
    if (rc == KX_OK || rc == KX_ERR_PIN_INCORRECT || rc == KX_ERR_CHECK_FAILED ||
        rc == KX_ERR_EXPIRED) {
        char why[256];
        kx_strlcpy(why,
                   rc == KX_ERR_PIN_INCORRECT ? "wrong PIN of the staff UKEY" : kx_err_detail(),
                   sizeof why);
        kx_err counted = kx_staff_attempt(db, st->id, rc == KX_OK, now);
        if (counted == KX_ERR_PIN_LOCKED) {
            *retry_after = kx_staff_policy_get(db)->lockout_seconds;
            return counted;
        }
        if (rc == KX_ERR_PIN_INCORRECT || rc == KX_ERR_CHECK_FAILED)
            rc = KX_ERR_PERMISSION;
        kx_err_set_detail("%s", why);
    }
    return rc;
}

static kx_err req_login_token(kx_engine *e, json_t *msg, json_t **result)
{
    kx_secbuf *sb = NULL;
    kx_err rc = take_pin(e, msg, "staff_login_token", &sb);
    if (rc)
        return rc;
    staff_token st;
    long retry_after = 0;
    rc = staff_token_find(e, &st);
    if (!rc)
        rc = staff_token_prove(e, &st, sb, &retry_after);
    kx_secbuf_free(sb);
    kx_staff_actor a;
    kx_strlcpy(a.id, st.id[0] ? st.id : "-", sizeof a.id);
    kx_strlcpy(a.role, rc ? "-" : (st.role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff"),
               sizeof a.role);
    char detail[96];
    snprintf(detail, sizeof detail, "method=token serial=%s%s", st.serial[0] ? st.serial : "-",
             rc == KX_ERR_PIN_LOCKED && retry_after ? " locked" : "");
    staff_token_close(&st);
    if (rc) {
        char why[256];
        kx_strlcpy(why, kx_err_detail(), sizeof why);
        kx_staff_record(e->journal, &a, "login", NULL, 0, NULL, detail, kx_err_name(rc));
        if (rc == KX_ERR_PIN_LOCKED && retry_after)
            kx_err_set_detail("staff %s is locked out for %ld s", a.id, retry_after);
        else
            kx_err_set_detail("%s", why);
        return rc;
    }
    staff_begin(e, &a, st.role, detail, result);
    return KX_OK;
}

/* ---- staff actions on the customer session ---- */

static kx_err req_manual_id(kx_engine *e, json_t *msg, const kx_staff_actor *a,
                            const char *reason, json_t **result)
{
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
    kx_err rc = kx_engine_event(e, KX_EV_JOB_OK);
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

/* staff mode's own payment handle on its own RA link (opened on first use;
 * a shorter deadline than the jobs': the main loop waits for the call) */
static kx_err staff_payment(kx_engine *e, struct kx_payment **out)
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
static kx_err req_counter_paid(kx_engine *e, json_t *msg, const kx_staff_actor *a,
                               const char *reason, json_t **result)
{
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
    kx_err rc = staff_payment(e, &pay);
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

static kx_err req_retry(kx_engine *e, json_t *msg, const kx_staff_actor *a, const char *cmd,
                        const char *reason, json_t **result)
{
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

static kx_err req_actions(kx_engine *e, json_t *msg, json_t **result)
{
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

/* ---- maintenance: self-tests ---- */

static json_t *test_result(int dev, kx_err rc, json_t *detail)
{
    return json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:o}", "device", dev_names[dev], "msgid",
                     dev_msgids[dev], "ok", rc == KX_OK, "verdict",
                     rc == KX_OK ? N_("Passed") : N_("Failed"), "error",
                     rc ? kx_err_name(rc) : "", "error_msgid", rc ? kx_err_message(rc) : "",
                     "detail", detail ? detail : json_object());
}

static json_t *selftest_scanner(kx_engine *e, kx_err *rc)
{
    char path[1200];
    int w = 0, h = 0;
    *rc = kx_device_selftest_scan(&e->worker, path, sizeof path, &w, &h);
    if (*rc)
        return json_pack("{s:s}", "message", kx_err_detail());
    return json_pack("{s:s, s:i, s:i}", "preview", path, "width", w, "height", h);
}

static json_t *selftest_tokens(kx_engine *e, kx_err *rc)
{
    char serials[8][40];
    size_t n = 0;
    *rc = kx_device_selftest_tokens(&e->worker, serials, 8, &n);
    if (!*rc && n == 0) {
        *rc = KX_ERR_TOKEN_ABSENT;
        kx_err_set_detail("no UKEY in the reader");
    }
    json_t *d = json_pack("{s:i, s:[]}", "tokens", (int)n, "serials");
    for (size_t i = 0; i < n; i++)
        json_array_append_new(json_object_get(d, "serials"), json_string(serials[i]));
    if (*rc)
        json_object_set_new(d, "message", json_string(kx_err_detail()));
    return d;
}

static json_t *selftest_ra(kx_engine *e, kx_err *rc)
{
    struct kx_ra *ra = e->worker.dev->ra;
    if (!ra) {
        *rc = KX_ERR_UNSUPPORTED;
        return json_pack("{s:s}", "message", "no RA configured ([ra] url)");
    }
    kx_ra_probe p;
    memset(&p, 0, sizeof p);
    *rc = kx_ra_probe_run(ra, &p);
    time_t now = time(NULL);
    e->staff->ra_latency_ms = *rc ? -1 : p.rtt_ms;
    return json_pack(
        "{s:b, s:b, s:i, s:s, s:f, s:f, s:f, s:I, s:I, s:s}", "reachable", p.reachable,
        "tls_ok", p.tls_ok, "http_status", p.http_status, "tls_error", p.tls_error, "rtt_ms",
        p.rtt_ms, "connect_ms", p.connect_ms, "tls_ms", p.tls_ms, "server_cert_days",
        (json_int_t)(p.server_cert_not_after ? (p.server_cert_not_after - now) / 86400 : 0),
        "client_cert_days",
        (json_int_t)(p.client_cert_not_after ? (p.client_cert_not_after - now) / 86400 : 0),
        "server", p.health.version);
}

static kx_err req_selftest(kx_engine *e, json_t *msg, const kx_staff_actor *a, json_t **result)
{
    const char *which = json_string_value(json_object_get(msg, "device"));
    if (!which)
        which = "all";
    int want[DEV_COUNT], any = 0;
    for (int i = 0; i < DEV_COUNT; i++)
        any |= want[i] = strcmp(which, "all") == 0 || strcmp(which, dev_names[i]) == 0;
    if (!any)
        return KX_ERR_BAD_FORMAT;
    if (e->s.active || e->job_running) {
        kx_err_set_detail("self-tests run only while no customer is served");
        return KX_ERR_BUSY;
    }
    json_t *arr = json_array();
    char summary[128] = "";
    int all_ok = 1;
    for (int i = 0; i < DEV_COUNT; i++) {
        if (!want[i])
            continue;
        kx_err rc = KX_OK;
        json_t *d = NULL;
        kx_err_set_detail("%s", "");
        if (i == DEV_SCANNER)
            d = selftest_scanner(e, &rc);
        else if (i == DEV_IDCARD) {
            rc = kx_device_selftest_idcard(&e->worker);
            d = rc ? json_pack("{s:s}", "message", kx_err_detail())
                   : json_pack("{s:s}", "sam", "90 (ok)");
        } else if (i == DEV_TOKEN)
            d = selftest_tokens(e, &rc);
        else
            d = selftest_ra(e, &rc);
        e->staff->health[i] = rc == KX_OK;
        all_ok &= rc == KX_OK;
        json_array_append_new(arr, test_result(i, rc, d));
        char part[40];
        snprintf(part, sizeof part, "%s%s=%s", summary[0] ? " " : "", dev_names[i],
                 rc ? "fail" : "ok");
        kx_strlcat(summary, part, sizeof summary);
    }
    kx_staff_record(e->journal, a, "selftest", NULL, 0, NULL, summary,
                    all_ok ? "ok" : "failed");
    e->staff->metrics_dirty = 1;
    *result = json_pack("{s:b, s:o}", "ok", all_ok, "tests", arr);
    return KX_OK;
}

/* ---- maintenance: today's summary ---- */

static kx_err day_bounds(const char *date, int64_t *since, int64_t *until, char *label,
                         size_t labelsz)
{
    int y, m, d;
    if (date && *date) {
        if (kx_parse_date(date, &y, &m, &d))
            return KX_ERR_BAD_FORMAT;
    } else {
        kx_today(&y, &m, &d);
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    *since = (int64_t)mktime(&tm);
    tm = (struct tm){.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1};
    *until = (int64_t)mktime(&tm);
    snprintf(label, labelsz, "%04d-%02d-%02d", y, m, d);
    return KX_OK;
}

#define SUMMARY_MAX_TX 512

static kx_err req_summary(kx_engine *e, json_t *msg, const kx_staff_actor *a, json_t **result)
{
    int64_t since, until;
    char day[16];
    if (day_bounds(json_string_value(json_object_get(msg, "date")), &since, &until, day,
                   sizeof day))
        return KX_ERR_BAD_FORMAT;
    kx_journal_count counts[128];
    size_t nc = 0;
    kx_err rc = kx_journal_session_counts(e->journal, since, until, counts, 128, &nc);
    if (rc)
        return rc;
    json_t *by = json_array();
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(by, json_pack("{s:s, s:s, s:I}", "service", counts[i].service,
                                            "outcome", counts[i].outcome, "count",
                                            (json_int_t)counts[i].count));
    kx_journal_tx *tx = calloc(SUMMARY_MAX_TX, sizeof *tx);
    if (!tx) {
        json_decref(by);
        return KX_ERR_NO_MEMORY;
    }
    /* refunds the journal recorded */
    size_t n = 0;
    int64_t j_refunded = 0, j_refunds = 0;
    rc = kx_journal_list_kind(e->journal, "refund", since, until, tx, SUMMARY_MAX_TX, &n);
    for (size_t i = 0; !rc && i < n; i++)
        if (tx[i].status == KX_TX_DONE) {
            j_refunded += tx[i].amount_fen;
            j_refunds++;
        }
    /* orders: what the RA's records say about each */
    struct kx_payment *pay = e->worker.dev->payment;
    int64_t taken = 0, ra_refunded = 0, paid_orders = 0, mismatches = 0;
    json_t *orders = json_array();
    if (!rc)
        rc = kx_journal_list_kind(e->journal, "order_create", since, until, tx, SUMMARY_MAX_TX,
                                  &n);
    int reconciled = pay != NULL;
    for (size_t i = 0; !rc && i < n; i++) {
        if (tx[i].status != KX_TX_DONE && tx[i].status != KX_TX_COMPENSATED)
            continue;
        kx_payment_order o;
        const char *ra_state = "unknown";
        int64_t amount = 0, refunded = 0;
        if (pay && tx[i].result[0] && kx_payment_query(pay, tx[i].result, &o) == KX_OK) {
            ra_state = kx_payment_state_id(o.state);
            if (o.state == KX_PAYMENT_PAID || o.state == KX_PAYMENT_REFUNDED) {
                amount = o.amount_fen;
                refunded = o.refunded_fen;
                paid_orders++;
            }
        } else {
            reconciled = 0;
        }
        taken += amount;
        ra_refunded += refunded;
        /* the journal's refund of this order */
        kx_journal_tx r;
        int j_ref = kx_journal_last(e->journal, tx[i].session, "refund", &r) == KX_OK &&
                    r.status == KX_TX_DONE && strcmp(r.ref, tx[i].result) == 0;
        int match = strcmp(ra_state, "unknown") != 0 && j_ref == (refunded > 0);
        mismatches += !match;
        json_array_append_new(
            orders, json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:b}", "order", tx[i].result,
                              "session", tx[i].session, "ra_state", ra_state, "amount_fen",
                              (json_int_t)amount, "refunded_fen", (json_int_t)refunded,
                              "journal_refunded", j_ref, "match", match));
    }
    free(tx);
    if (rc) {
        json_decref(by);
        json_decref(orders);
        return rc;
    }
    *result =
        json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:o}", "date", day, "sessions",
                  by, "paid_orders", (json_int_t)paid_orders, "taken_fen", (json_int_t)taken,
                  "refunded_fen", (json_int_t)ra_refunded, "journal_refunded_fen",
                  (json_int_t)j_refunded, "journal_refunds", (json_int_t)j_refunds,
                  "reconciled", reconciled && mismatches == 0 && j_refunded == ra_refunded,
                  "mismatches", (json_int_t)mismatches, "orders", orders);
    char detail[96];
    snprintf(detail, sizeof detail, "date=%s taken_fen=%lld refunded_fen=%lld", day,
             (long long)taken, (long long)ra_refunded);
    kx_staff_record(e->journal, a, "summary", NULL, 0, NULL, detail, "ok");
    return KX_OK;
}

/* ---- maintenance: log, configuration, version ---- */

/* mask 18-character ID numbers and 11-digit mobile numbers in a line */
static void mask_line(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && (isdigit((unsigned char)s[j]) ||
                         ((j - i) == 17 && (s[j] == 'X' || s[j] == 'x'))))
            j++;
        size_t len = j - i;
        if (len == 18) {
            for (size_t k = i + 3; k < j - 4; k++)
                s[k] = '*';
        } else if (len == 11 && s[i] == '1') {
            for (size_t k = i + 3; k < j - 4; k++)
                s[k] = '*';
        }
        i = j > i ? j : i + 1;
    }
}

static kx_err req_logs(kx_engine *e, json_t *msg, json_t **result)
{
    const char *path = e->staff->log_file;
    if (!path[0]) {
        kx_err_set_detail("no [staff] log_file configured");
        return KX_ERR_UNSUPPORTED;
    }
    json_int_t want = json_integer_value(json_object_get(msg, "lines"));
    if (want <= 0 || want > 1000)
        want = 100;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        kx_err_set_detail("%s: cannot open", path);
        return KX_ERR_IO;
    }
    /* keep the last `want` lines in a ring */
    char **ring = calloc((size_t)want, sizeof *ring);
    size_t count = 0;
    char line[2048];
    while (ring && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = 0;
        size_t slot = count++ % (size_t)want;
        free(ring[slot]);
        ring[slot] = strdup(line);
    }
    fclose(fp);
    if (!ring)
        return KX_ERR_NO_MEMORY;
    json_t *arr = json_array();
    size_t first = count > (size_t)want ? count - (size_t)want : 0;
    for (size_t i = first; i < count; i++) {
        char *l = ring[i % (size_t)want];
        if (l) {
            mask_line(l);
            json_array_append_new(arr, json_string(l));
        }
    }
    for (json_int_t i = 0; i < want; i++)
        free(ring[i]);
    free(ring);
    *result = json_pack("{s:s, s:o}", "file", path, "lines", arr);
    return KX_OK;
}

/* 1 when a configuration key holds a secret whose value is not shown */
static int secret_key(const char *key)
{
    static const char *const words[] = {"pin",        "password", "passwd", "secret",
                                        "passphrase", "hash",     NULL};
    for (int i = 0; words[i]; i++)
        if (strstr(key, words[i]))
            return 1;
    return 0;
}

static kx_err req_config(kx_engine *e, json_t **result)
{
    const char *path = kx_config_name(e->cfg);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        kx_err_set_detail("%s: cannot open", path);
        return KX_ERR_IO;
    }
    json_t *o = json_object();
    json_t *sec = NULL;
    char line[2048];
    while (fgets(line, sizeof line, fp)) {
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        p[strcspn(p, "\r\n")] = 0;
        if (!*p || *p == '#' || *p == ';')
            continue;
        if (*p == '[') {
            char *end = strchr(p, ']');
            if (!end)
                continue;
            *end = 0;
            sec = json_object_get(o, p + 1);
            if (!sec) {
                sec = json_object();
                json_object_set_new(o, p + 1, sec);
            }
            continue;
        }
        char *eq = strchr(p, '=');
        if (!eq || !sec)
            continue;
        char *ke = eq;
        while (ke > p && isspace((unsigned char)ke[-1]))
            ke--;
        *ke = 0;
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        /* values as the parser reads them: the effective one is from cfg */
        const char *sname = NULL;
        void *it = json_object_iter(o);
        for (; it; it = json_object_iter_next(o, it))
            if (json_object_iter_value(it) == sec)
                sname = json_object_iter_key(it);
        const char *eff = sname ? kx_config_get_str(e->cfg, sname, p, v) : v;
        json_object_set_new(sec, p, json_string(secret_key(p) ? "(hidden)" : eff));
    }
    fclose(fp);
    *result = json_pack("{s:s, s:o}", "file", path, "config", o);
    return KX_OK;
}

/* ---- dispatch ---- */

static const struct {
    const char *cmd;
    int admin;          /* needs an admin */
    const char *action; /* assisted action name for allowed_actions, or NULL */
} staff_cmds[] = {
    {"staff_actions", 0, NULL},
    {"manual_id", 0, "manual_id"},
    {"counter_paid", 0, "counter_paid"},
    {"retry", 0, "retry"},
    {"refund", 0, "refund"},
    {"selftest", 1, NULL},
    {"summary", 1, NULL},
    {"logs", 1, NULL},
    {"config", 1, NULL},
    {"version", 1, NULL},
    {"maintenance", 1, NULL},
};

/* req_maintenance - record a machine-level action an admin takes at the
 * screen (the front end runs it: restarting the services, leaving kiosk
 * mode) before it happens, so it is in the journal even though the
 * restart ends this process. */
static kx_err req_maintenance(kx_engine *e, json_t *msg, const kx_staff_actor *a,
                              json_t **result)
{
    static const char *const known[] = {"restart", "leave_kiosk_mode"};
    const char *what = json_string_value(json_object_get(msg, "action"));
    for (size_t i = 0; what && i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(what, known[i]) == 0) {
            kx_staff_record(e->journal, a, known[i], e->s.active ? e->s.id : NULL, 0, NULL,
                            NULL, "ok");
            *result = json_pack("{s:s}", "action", known[i]);
            return KX_OK;
        }
    }
    kx_err_set_detail("maintenance needs action restart or leave_kiosk_mode");
    return KX_ERR_BAD_FORMAT;
}

int kx_staff_request(kx_engine *e, kx_role conn_role, unsigned uid, const char *cmd,
                     json_t *msg, json_t **result, kx_err *rc)
{
    if (strcmp(cmd, "staff_login") == 0) {
        *rc = req_login(e, msg, result);
        return 1;
    }
    if (strcmp(cmd, "staff_login_token") == 0) {
        *rc = req_login_token(e, msg, result);
        return 1;
    }
    if (strcmp(cmd, "staff_logout") == 0) {
        if (!e->staff->active) {
            *rc = KX_ERR_STATE;
            return 1;
        }
        staff_end(e, "logout");
        *result = json_pack("{s:b}", "ok", 1);
        *rc = KX_OK;
        return 1;
    }
    size_t i = 0;
    for (; i < sizeof staff_cmds / sizeof staff_cmds[0]; i++)
        if (strcmp(cmd, staff_cmds[i].cmd) == 0)
            break;
    if (i == sizeof staff_cmds / sizeof staff_cmds[0])
        return 0;
    kx_staff_actor a;
    const char *reason = "";
    *rc =
        kx_staff_authorize(e, conn_role, uid, staff_cmds[i].action ? staff_cmds[i].action : cmd,
                           staff_cmds[i].admin, &a);
    if (*rc) {
        kx_log_warn("staff.refused", "cmd=%s uid=%u detail=\"%s\"", cmd, uid, kx_err_detail());
        return 1;
    }
    int needs_reason = strcmp(cmd, "refund") == 0 || strcmp(cmd, "manual_id") == 0 ||
                       strcmp(cmd, "counter_paid") == 0;
    if ((*rc = get_reason(msg, needs_reason && kx_staff_mode_members(e), &reason)))
        return 1;
    if (strcmp(cmd, "staff_actions") == 0)
        *rc = req_actions(e, msg, result);
    else if (strcmp(cmd, "manual_id") == 0)
        *rc = req_manual_id(e, msg, &a, reason, result);
    else if (strcmp(cmd, "counter_paid") == 0)
        *rc = req_counter_paid(e, msg, &a, reason, result);
    else if (strcmp(cmd, "retry") == 0 || strcmp(cmd, "refund") == 0)
        *rc = req_retry(e, msg, &a, cmd, reason, result);
    else if (strcmp(cmd, "selftest") == 0)
        *rc = req_selftest(e, msg, &a, result);
    else if (strcmp(cmd, "summary") == 0)
        *rc = req_summary(e, msg, &a, result);
    else if (strcmp(cmd, "logs") == 0)
        *rc = req_logs(e, msg, result);
    else if (strcmp(cmd, "config") == 0)
        *rc = req_config(e, result);
    else if (strcmp(cmd, "maintenance") == 0)
        *rc = req_maintenance(e, msg, &a, result);
    else
        *result = json_pack("{s:s, s:s, s:i}", "kioskd", KX_VERSION, "server",
                            "kioskd " KX_VERSION, "protocol", KX_PROTO_VERSION);
    if (!*rc && (strcmp(cmd, "logs") == 0 || strcmp(cmd, "config") == 0))
        kx_staff_record(e->journal, &a, cmd, NULL, 0, NULL, NULL, "ok");
    return 1;
}

/* ---- staff intents (approve, reject, override, reset) ---- */

kx_err kx_staff_intent_begin(kx_engine *e, kx_intent intent, json_t *msg, kx_role role,
                             kx_staff_actor *a, const char **reason)
{
    const char *action = intent == KX_INTENT_STAFF_APPROVE    ? "approve"
                         : intent == KX_INTENT_STAFF_REJECT   ? "reject"
                         : intent == KX_INTENT_STAFF_OVERRIDE ? "override"
                                                              : "reset";
    kx_err rc = kx_staff_authorize(e, role, 0, action, 0, a);
    if (!rc) {
        if (!kx_staff_mode_members(e))
            kx_strlcpy(a->id, "conn:staff", sizeof a->id);
        int required =
            (intent == KX_INTENT_STAFF_REJECT || intent == KX_INTENT_STAFF_OVERRIDE) &&
            kx_staff_mode_members(e);
        rc = get_reason(msg, required, reason);
    }
    if (rc)
        kx_log_warn("staff.refused", "intent=%s detail=\"%s\"", kx_intent_name(intent),
                    kx_err_detail());
    return rc;
}

void kx_staff_intent_end(kx_engine *e, kx_intent intent, const kx_staff_actor *a,
                         const char *session, const char *state, const char *reason, kx_err rc)
{
    const char *action = intent == KX_INTENT_STAFF_APPROVE    ? "approve"
                         : intent == KX_INTENT_STAFF_REJECT   ? "reject"
                         : intent == KX_INTENT_STAFF_OVERRIDE ? "override"
                                                              : "reset";
    char detail[96];
    snprintf(detail, sizeof detail, "state=%s", state ? state : "-");
    kx_staff_record(e->journal, a, action, session, 0, reason, detail,
                    rc ? kx_err_name(rc) : "ok");
}

/* ---- metrics ---- */

static kx_err metrics_write(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    kx_metrics *mt = NULL;
    kx_err rc = kx_metrics_new(&mt);
    if (rc)
        return rc;
    kx_journal_count c[128];
    size_t n = 0;
    /* all sessions ever recorded: a counter that survives restarts */
    rc = kx_journal_session_counts(e->journal, 0, INT64_MAX, c, 128, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *l[] = {"service", c[i].service, "outcome", c[i].outcome, NULL};
        rc = kx_metrics_add(mt, "jxca_kiosk_transactions_total", KX_METRIC_COUNTER,
                            "Customer sessions by service and outcome", l, (double)c[i].count);
    }
    for (int i = 0; !rc && i < DEV_COUNT; i++) {
        const char *l[] = {"device", dev_names[i], NULL};
        rc =
            kx_metrics_add(mt, "jxca_kiosk_device_up", KX_METRIC_GAUGE,
                           "Device health from the last self-test (1 ok, 0 failed, -1 not run)",
                           l, (double)m->health[i]);
    }
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_ra_latency_seconds", KX_METRIC_GAUGE,
                            "Round trip of the last RA health check (-1 none)", NULL,
                            m->ra_latency_ms < 0 ? -1.0 : m->ra_latency_ms / 1000.0);
    int64_t open = 0;
    if (!rc)
        rc = kx_journal_count_open(e->journal, &open);
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_journal_open", KX_METRIC_GAUGE,
                            "Journal transactions without an outcome", NULL, (double)open);
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_uptime_seconds", KX_METRIC_GAUGE,
                            "Seconds since kioskd started", NULL,
                            (double)((kx_now_ms() - e->started_ms) / 1000));
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_staff_logged_in", KX_METRIC_GAUGE,
                            "1 while a staff member is logged in", NULL, m->active ? 1.0 : 0.0);
    if (!rc)
        rc = kx_metrics_write(mt, m->metrics_file);
    kx_metrics_free(mt);
    return rc;
}

void kx_staff_mode_tick(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    if (!m)
        return;
    int64_t now = kx_now_ms();
    if (e->metrics_dirty) { /* a transaction ended */
        m->metrics_dirty = 1;
        e->metrics_dirty = 0;
    }
    if (m->active &&
        now - m->last_ms >= (int64_t)kx_staff_policy_get(m->db)->idle_seconds * 1000)
        staff_end(e, "idle");
    if (m->metrics_file[0] && (m->metrics_dirty || now >= m->metrics_next_ms)) {
        kx_err rc = metrics_write(e);
        if (rc)
            kx_log_warn("metrics.write", "file=%s error=%s detail=\"%s\"", m->metrics_file,
                        kx_err_name(rc), kx_err_detail());
        m->metrics_dirty = 0;
        m->metrics_next_ms = now + (int64_t)m->metrics_interval_s * 1000;
    }
}
