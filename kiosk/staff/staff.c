/* SPDX-License-Identifier: MIT */
/*
 * staff.c - staff PIN hashes (crypt(3)), lockout and its persistence.
 */
#include "staff.h"

#include <crypt.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"

struct staff_member {
    char id[32];
    char name[96];
    char hash[CRYPT_OUTPUT_SIZE]; /* "" when the member logs in by UKEY only */
    char token_sha256[65];        /* "" when none */
    char token_serial[33];        /* "" when none */
    kx_staff_role role;
    int failures;
    time_t locked_until;
};

struct kx_staff_db {
    struct staff_member *members;
    size_t count;
    kx_staff_policy policy;
    char state_path[512];
};

static int staff_hash_ok(const char *h)
{
    /* yescrypt ($y$) or sha512crypt ($6$): both are salted and slow */
    return (strncmp(h, "$y$", 3) == 0 || strncmp(h, "$6$", 3) == 0) && strlen(h) > 20 &&
           strlen(h) < CRYPT_OUTPUT_SIZE;
}

static void staff_state_save(const kx_staff_db *db)
{
    if (!db->state_path[0])
        return;
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s.tmp", db->state_path);
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        kx_log_warn("staff.state", "path=%s result=cannot_write", tmp);
        return;
    }
    for (size_t i = 0; i < db->count; i++)
        fprintf(fp, "%s %d %ld\n", db->members[i].id, db->members[i].failures,
                (long)db->members[i].locked_until);
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        fclose(fp);
        unlink(tmp);
        return;
    }
    fclose(fp);
    if (rename(tmp, db->state_path) != 0)
        unlink(tmp);
}

static void staff_state_load(kx_staff_db *db)
{
    FILE *fp = fopen(db->state_path, "r");
    if (!fp)
        return;
    char id[32];
    int failures;
    long until;
    while (fscanf(fp, "%31s %d %ld", id, &failures, &until) == 3)
        for (size_t i = 0; i < db->count; i++)
            if (strcmp(db->members[i].id, id) == 0) {
                db->members[i].failures = failures < 0 ? 0 : failures;
                db->members[i].locked_until = (time_t)until;
            }
    fclose(fp);
}

/* token_cert_sha256 (64 hex digits, colons allowed, any case) and
 * token_serial of a member's staff UKEY */
static kx_err staff_load_token(const kx_config *cfg, const char *sec, struct staff_member *m)
{
    const char *h = kx_config_get_str(cfg, sec, "token_cert_sha256", "");
    size_t n = 0;
    for (; *h && n < 64; h++) {
        if (*h == ':')
            continue;
        if (!isxdigit((unsigned char)*h))
            break;
        m->token_sha256[n++] = (char)tolower((unsigned char)*h);
    }
    m->token_sha256[n] = 0;
    if (*h || (n != 0 && n != 64)) {
        kx_err_set_detail("%s:%d: [%s] token_cert_sha256: expected the 64 hex digits of the "
                          "certificate's SHA-256 (openssl x509 -noout -fingerprint -sha256)",
                          kx_config_name(cfg), kx_config_line(cfg, sec, "token_cert_sha256"),
                          sec);
        m->token_sha256[0] = 0;
        return KX_ERR_CONFIG;
    }
    const char *serial = kx_config_get_str(cfg, sec, "token_serial", "");
    if (kx_strlcpy(m->token_serial, serial, sizeof(m->token_serial)) >=
        sizeof(m->token_serial)) {
        kx_err_set_detail("%s:%d: [%s] token_serial: at most 32 characters",
                          kx_config_name(cfg), kx_config_line(cfg, sec, "token_serial"), sec);
        return KX_ERR_CONFIG;
    }
    return KX_OK;
}

kx_err kx_staff_load(const kx_config *cfg, const char *state_path, kx_staff_db **out)
{
    kx_err rc;
    long v;
    kx_staff_db *db = calloc(1, sizeof(*db));
    if (!db)
        return KX_ERR_NO_MEMORY;
    if ((rc = kx_config_get_int(cfg, "staff", "max_failures", 5, 1, 20, &v)))
        goto fail;
    db->policy.max_failures = (int)v;
    if ((rc = kx_config_get_int(cfg, "staff", "lockout_seconds", 900, 10, 86400, &v)))
        goto fail;
    db->policy.lockout_seconds = (int)v;
    if ((rc = kx_config_get_int(cfg, "staff", "idle_seconds", 120, 30, 3600, &v)))
        goto fail;
    db->policy.idle_seconds = (int)v;

    size_t n = kx_config_section_count(cfg);
    db->members = calloc(n ? n : 1, sizeof(*db->members));
    if (!db->members) {
        rc = KX_ERR_NO_MEMORY;
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const char *sec = kx_config_section_name(cfg, i);
        if (strncmp(sec, "staff:", 6) != 0)
            continue;
        struct staff_member *m = &db->members[db->count];
        if (!sec[6] || kx_strlcpy(m->id, sec + 6, sizeof(m->id)) >= sizeof(m->id)) {
            kx_err_set_detail("%s: [%s]: staff id must be 1..31 characters",
                              kx_config_name(cfg), sec);
            rc = KX_ERR_CONFIG;
            goto fail;
        }
        kx_strlcpy(m->name, kx_config_get_str(cfg, sec, "name", m->id), sizeof(m->name));
        static const char *const roles[] = {"staff", "admin", NULL};
        int role;
        if ((rc = kx_config_get_enum(cfg, sec, "role", roles, 0, &role)))
            goto fail;
        m->role = (kx_staff_role)role;
        if ((rc = staff_load_token(cfg, sec, m)))
            goto fail;
        const char *hash = kx_config_get_str(cfg, sec, "pin_hash", "");
        int token_only = !hash[0] && (m->token_sha256[0] || m->token_serial[0]);
        if (!token_only && !staff_hash_ok(hash)) {
            kx_err_set_detail("%s:%d: [%s] pin_hash: expected a yescrypt hash from "
                              "'kioskctl staff-hash' (or a staff UKEY: token_cert_sha256)",
                              kx_config_name(cfg), kx_config_line(cfg, sec, "pin_hash"), sec);
            rc = KX_ERR_CONFIG;
            goto fail;
        }
        kx_strlcpy(m->hash, hash, sizeof(m->hash));
        db->count++;
    }
    if (state_path) {
        kx_strlcpy(db->state_path, state_path, sizeof(db->state_path));
        staff_state_load(db);
    }
    *out = db;
    return KX_OK;
fail:
    kx_staff_free(db);
    return rc;
}

void kx_staff_free(kx_staff_db *db)
{
    if (!db)
        return;
    if (db->members)
        kx_wipe(db->members, db->count * sizeof(*db->members));
    free(db->members);
    free(db);
}

const kx_staff_policy *kx_staff_policy_get(const kx_staff_db *db)
{
    return &db->policy;
}

size_t kx_staff_count(const kx_staff_db *db)
{
    return db ? db->count : 0;
}

static struct staff_member *staff_find(const kx_staff_db *db, const char *id)
{
    for (size_t i = 0; db && id && i < db->count; i++)
        if (strcmp(db->members[i].id, id) == 0)
            return &db->members[i];
    return NULL;
}

const char *kx_staff_name(const kx_staff_db *db, const char *staff_id)
{
    struct staff_member *m = staff_find(db, staff_id);
    return m ? m->name : NULL;
}

kx_err kx_staff_lockout_check(kx_staff_db *db, const char *staff_id, time_t now,
                              long *retry_after_out)
{
    struct staff_member *m = staff_find(db, staff_id);
    if (!m) {
        kx_log_warn("staff.auth", "staff=unknown result=denied");
        return KX_ERR_PERMISSION;
    }
    if (m->locked_until > now) {
        if (retry_after_out)
            *retry_after_out = (long)(m->locked_until - now);
        kx_log_warn("staff.auth", "staff=%s result=locked retry_after=%ld", m->id,
                    (long)(m->locked_until - now));
        return KX_ERR_PIN_LOCKED;
    }
    return KX_OK;
}

kx_err kx_staff_attempt(kx_staff_db *db, const char *staff_id, int ok, time_t now)
{
    struct staff_member *m = staff_find(db, staff_id);
    if (!m)
        return KX_ERR_PERMISSION;
    if (!ok) {
        m->failures++;
        if (m->failures >= db->policy.max_failures) {
            m->locked_until = now + db->policy.lockout_seconds;
            m->failures = 0;
        }
        staff_state_save(db);
        kx_log_warn("staff.auth", "staff=%s result=wrong_pin locked=%d", m->id,
                    m->locked_until > now);
        return m->locked_until > now ? KX_ERR_PIN_LOCKED : KX_ERR_PERMISSION;
    }
    m->failures = 0;
    m->locked_until = 0;
    staff_state_save(db);
    kx_log_info("staff.auth", "staff=%s result=ok role=%s", m->id,
                m->role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff");
    return KX_OK;
}

kx_err kx_staff_verify(kx_staff_db *db, const char *staff_id, const kx_secbuf *pin, time_t now,
                       kx_staff_role *role_out, long *retry_after_out)
{
    if (!db || !staff_id || !pin)
        return KX_ERR_INVALID_ARG;
    kx_err rc = kx_staff_lockout_check(db, staff_id, now, retry_after_out);
    if (rc)
        return rc;
    struct staff_member *m = staff_find(db, staff_id);
    int ok = 0;
    if (!m) /* (checked by the lockout check; the compiler cannot know) */
        return KX_ERR_PERMISSION;
    if (m->hash[0]) { /* a UKEY-only member has no PIN to match */
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        if (!cd)
            return KX_ERR_NO_MEMORY;
        const char *h = crypt_r(kx_secbuf_str(pin), m->hash, cd);
        ok = h && h[0] != '*' && strcmp(h, m->hash) == 0;
        kx_wipe(cd, sizeof(*cd));
        free(cd);
    }
    rc = kx_staff_attempt(db, staff_id, ok, now);
    if (!rc && role_out)
        *role_out = m->role;
    return rc;
}

const char *kx_staff_find_token(const kx_staff_db *db, const char *cert_sha256,
                                const char *serial, kx_staff_role *role_out)
{
    for (size_t i = 0; db && i < db->count; i++) {
        const struct staff_member *m = &db->members[i];
        int match;
        if (m->token_sha256[0])
            match = cert_sha256 && strcmp(m->token_sha256, cert_sha256) == 0 &&
                    (!m->token_serial[0] || (serial && strcmp(m->token_serial, serial) == 0));
        else
            match = m->token_serial[0] && serial && strcmp(m->token_serial, serial) == 0;
        if (match) {
            if (role_out)
                *role_out = m->role;
            return m->id;
        }
    }
    return NULL;
}

kx_err kx_staff_hash_pin(const kx_secbuf *pin, char *out, size_t outsz)
{
    if (!pin || !out || outsz < 128)
        return KX_ERR_INVALID_ARG;
    const char *p = kx_secbuf_str(pin);
    size_t len = strlen(p);
    if (len < 6 || len > 16 || strspn(p, "0123456789") != len)
        return KX_ERR_PIN_POLICY;
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)))
        return KX_ERR_INTERNAL;
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd)
        return KX_ERR_NO_MEMORY;
    const char *h = crypt_r(p, salt, cd);
    kx_err rc = KX_OK;
    if (!h || h[0] == '*')
        rc = KX_ERR_INTERNAL;
    else if (kx_strlcpy(out, h, outsz) >= outsz)
        rc = KX_ERR_TOO_LARGE;
    kx_wipe(cd, sizeof(*cd));
    free(cd);
    return rc;
}
