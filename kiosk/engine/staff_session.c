/* SPDX-License-Identifier: MIT */
/*
 * staff_session.c - the staff session inside kioskd (docs/protocol.md,
 * "Staff and maintenance"): staff log in with their id and PIN
 * (kx_staff_verify, lockout) or with their staff UKEY (token PIN,
 * signature over a fresh challenge; same lockout); the session ends by
 * itself after [staff] idle_seconds; who may do what (kx_staff_authorize:
 * login, admin, [staff] allowed_actions). Every login, logout and
 * refusal is recorded (staff_record.c).
 *
 * Main loop only. A staff UKEY login loads its own handle on the
 * PKCS#11 module (the module counts its users and serialises its sessions:
 * CKF_OS_LOCKING_OK). Never logs a PIN.
 *
 * Map: configuration; authorisation; PIN login; UKEY login;
 * logout and idle.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/log.h"
#include "core/secbuf.h"
#include "core/str.h"
#include "engine_internal.h"
#include "staff/staff.h"
#include "token/token.h"

/* staff actions that [staff] allowed_actions can list (bit = index) */
static const char *const assist_actions[] = {"approve", "reject",       "override",
                                             "reset",   "manual_id",    "retry",
                                             "refund",  "counter_paid", NULL};
#define ASSIST_DEFAULT "approve,reject,override,reset,manual_id,retry,refund,counter_paid"

/* ---- configuration ---- */

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
    m->conn = -1;
    char state[1200];
    snprintf(state, sizeof state, "%s/staff.lockout", e->set.state_dir);
    kx_err rc = kx_staff_load(e->cfg, state, &m->db);
    if (!rc)
        rc = parse_allowed(e->cfg, &m->allowed);
    return rc;
}

void kx_staff_mode_close(kx_engine *e)
{
    if (!e->staff)
        return;
    kx_staff_free(e->staff->db);
    kx_wipe(e->staff, sizeof *e->staff);
    free(e->staff);
    e->staff = NULL;
}

const struct kx_staff_db *kx_staff_mode_db(const kx_engine *e)
{
    return e->staff ? e->staff->db : NULL;
}

/* ---- authorisation ---- */

int kx_staff_members(const kx_engine *e)
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
    m->conn = -1;
    kx_staff_record(e->journal, &a, "logout", NULL, 0, why, NULL, "ok");
    m->id[0] = m->name[0] = 0;
    kx_engine_publish(e);
}

kx_err kx_staff_authorize(kx_engine *e, kx_role conn_role, unsigned uid, int conn,
                          const char *action, int need_admin, kx_staff_actor *a)
{
    struct kx_staff_mode *m = e->staff;
    memset(a, 0, sizeof *a);
    if (!kx_staff_members(e)) {
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
    if (conn != m->conn) {
        /* assisted mode belongs to the connection that opened it */
        kx_err_set_detail("assisted mode is open on another connection: log in here");
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

/* the reason a request or intent gives; required ones must be 3..200 bytes */
kx_err kx_staff_reason(json_t *msg, int required, const char **out)
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

/* ---- PIN login ---- */

/* a member proved who they are: open (or take over) assisted mode */
static void staff_begin(kx_engine *e, const kx_staff_call *call, const kx_staff_actor *a,
                        kx_staff_role role, const char *how, json_t **result)
{
    struct kx_staff_mode *m = e->staff;
    if (m->active && (strcmp(m->id, a->id) != 0 || m->conn != call->conn))
        staff_end(e, "another login");
    m->active = 1;
    m->conn = call->conn; /* bound to this connection until it closes */
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
    } else if (!kx_staff_members(e)) {
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

kx_err kx_staff_req_login(kx_engine *e, const kx_staff_call *call, json_t *msg, json_t **result)
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
    char source[KX_STAFF_SOURCE_MAX];
    kx_staff_source(call, source, sizeof source);
    rc = kx_staff_verify_from(m->db, source, id, sb, time(NULL), &role, &retry_after);
    kx_secbuf_free(sb);
    kx_staff_actor a;
    kx_staff_clean_text(id, a.id, sizeof a.id);
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
    staff_begin(e, call, &a, role, "method=pin", result);
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

kx_err kx_staff_req_login_token(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                json_t **result)
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
    staff_begin(e, call, &a, st.role, detail, result);
    return KX_OK;
}

/* ---- re-authentication ---- */

void kx_staff_source(const kx_staff_call *call, char *out, size_t outsz)
{
    /* the peer's uid: the screen is one source, each kioskctl user another */
    snprintf(out, outsz, "uid:%u", call->uid);
}

/* kx_staff_reauth - the acting member proves again who they are: the PIN
 * in msg ("pin", wiped) against their pin_hash, or, when their staff UKEY
 * is inserted, against the UKEY (token PIN and a fresh signature). Failures
 * count toward the member's lockout like a login's. */
kx_err kx_staff_reauth(kx_engine *e, const kx_staff_call *call, json_t *msg)
{
    struct kx_staff_mode *m = e->staff;
    kx_secbuf *sb = NULL;
    if (!kx_staff_members(e))
        return KX_OK; /* peer credentials alone: nobody to re-authenticate */
    kx_err rc = take_pin(e, msg, call->cmd, &sb);
    if (rc) {
        kx_err_set_detail("%s needs the member's PIN again (\"pin\")", call->cmd);
        return KX_ERR_PERMISSION;
    }
    long retry_after = 0;
    staff_token st;
    kx_err tf = staff_token_find(e, &st);
    const char *how = "pin";
    if (!tf && strcmp(st.id, m->id) == 0) {
        how = "token";
        rc = staff_token_prove(e, &st, sb, &retry_after);
    } else {
        char source[KX_STAFF_SOURCE_MAX];
        kx_staff_source(call, source, sizeof source);
        rc = kx_staff_verify_from(m->db, source, m->id, sb, time(NULL), NULL, &retry_after);
    }
    staff_token_close(&st);
    kx_secbuf_free(sb);
    if (rc) {
        char detail[64];
        snprintf(detail, sizeof detail, "reauth=%s for %s", how, call->cmd);
        kx_staff_record(e->journal, &call->actor, "reauth", e->s.active ? e->s.id : NULL, 0,
                        NULL, detail, kx_err_name(rc));
        if (rc == KX_ERR_PIN_LOCKED)
            kx_err_set_detail("staff %s is locked out for %ld s", m->id, retry_after);
        else
            kx_err_set_detail("%s: the PIN given again is wrong", call->cmd);
        if (rc != KX_ERR_PIN_LOCKED)
            rc = KX_ERR_PERMISSION;
    }
    return rc;
}

/* ---- logout and idle ---- */

kx_err kx_staff_req_logout(kx_engine *e, const kx_staff_call *call, json_t *msg,
                           json_t **result)
{
    (void)msg;
    if (!e->staff->active)
        return KX_ERR_STATE;
    if (kx_staff_members(e) && call->conn != e->staff->conn) {
        kx_err_set_detail("assisted mode is open on another connection");
        return KX_ERR_PERMISSION;
    }
    staff_end(e, "logout");
    *result = json_pack("{s:b}", "ok", 1);
    return KX_OK;
}

void kx_staff_conn_closed(kx_engine *e, int conn)
{
    if (e->staff && e->staff->active && e->staff->conn == conn)
        staff_end(e, "connection closed");
}

void kx_staff_session_tick(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    if (m && m->active &&
        kx_now_ms() - m->last_ms >= (int64_t)kx_staff_policy_get(m->db)->idle_seconds * 1000)
        staff_end(e, "idle");
}
