/* SPDX-License-Identifier: MIT */
/*
 * staff_config.c - one [staff:ID] section read and checked (see
 * staff_config.h). Never computes or compares a hash: that is staff.c's.
 */
#include "staff_config.h"

#include <ctype.h>
#include <string.h>

#include "core/str.h"

static int staff_hash_ok(const char *h)
{
    /* yescrypt ($y$) or sha512crypt ($6$): both are salted and slow */
    size_t n = strlen(h);
    return (strncmp(h, "$y$", 3) == 0 || strncmp(h, "$6$", 3) == 0) && n > 20 &&
           n < KX_STAFF_HASH_MAX;
}

/* token_cert_sha256 (64 hex digits, colons allowed, any case) and
 * token_serial of a member's staff UKEY */
static kx_err staff_read_token(const kx_config *cfg, const char *sec, kx_staff_member_conf *m)
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
    if (m->token_serial[0] && !m->token_sha256[0]) {
        kx_err_set_detail("%s:%d: [%s] token_serial without token_cert_sha256: a serial is "
                          "not a secret (any token can report it); name the staff UKEY by its "
                          "certificate's SHA-256",
                          kx_config_name(cfg), kx_config_line(cfg, sec, "token_serial"), sec);
        return KX_ERR_CONFIG;
    }
    return KX_OK;
}

kx_err kx_staff_member_read(const kx_config *cfg, const char *sec, kx_staff_member_conf *m)
{
    static const char *const roles[] = {"staff", "admin", NULL};
    kx_err rc = KX_OK;
    memset(m, 0, sizeof *m);
    if (!sec || strncmp(sec, "staff:", 6) != 0 || !sec[6] ||
        kx_strlcpy(m->id, sec + 6, sizeof(m->id)) >= sizeof(m->id)) {
        kx_err_set_detail("%s: [%s]: staff id must be 1..31 characters", kx_config_name(cfg),
                          sec ? sec : "");
        return KX_ERR_CONFIG;
    }
    kx_strlcpy(m->name, kx_config_get_str(cfg, sec, "name", m->id), sizeof(m->name));
    if ((rc = kx_config_get_enum(cfg, sec, "role", roles, 0, &m->role)))
        return rc;
    if ((rc = staff_read_token(cfg, sec, m)))
        return rc;
    const char *hash = kx_config_get_str(cfg, sec, "pin_hash", "");
    int token_only = !hash[0] && m->token_sha256[0];
    if (!token_only && !staff_hash_ok(hash)) {
        kx_err_set_detail("%s:%d: [%s] pin_hash: expected a yescrypt hash from "
                          "'kioskctl staff-hash' (or a staff UKEY: token_cert_sha256)",
                          kx_config_name(cfg), kx_config_line(cfg, sec, "pin_hash"), sec);
        return KX_ERR_CONFIG;
    }
    kx_strlcpy(m->hash, hash, sizeof(m->hash));
    return KX_OK;
}

kx_err kx_staff_config_check(const kx_config *cfg, size_t *members_out)
{
    kx_err rc = KX_OK;
    long v;
    size_t count = 0;
    kx_staff_member_conf m;
    if (!(rc = kx_config_get_int(cfg, "staff", "max_failures", 5, 1, 20, &v)) &&
        !(rc = kx_config_get_int(cfg, "staff", "lockout_seconds", 900, 10, 86400, &v)))
        rc = kx_config_get_int(cfg, "staff", "idle_seconds", 120, 30, 3600, &v);
    for (size_t i = 0; !rc && i < kx_config_section_count(cfg); i++) {
        const char *sec = kx_config_section_name(cfg, i);
        if (strncmp(sec, "staff:", 6) != 0)
            continue;
        if (!(rc = kx_staff_member_read(cfg, sec, &m)))
            count++;
    }
    memset(&m, 0, sizeof m);
    if (members_out)
        *members_out = count;
    return rc;
}
