/* SPDX-License-Identifier: MIT */
/*
 * staff.c - staff PIN hashes (crypt(3)), lockout per member and source,
 * the per-source throttle (which blocks only the IDs named in the failing
 * streak), and their persistence. Never stores or logs a PIN or a hash.
 */
#include "staff.h"

#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "staff_config.h"

/* one member of the configuration (staff_config.c reads it) */
struct staff_member {
    kx_staff_member_conf conf;
};

#define STAFF_THROTTLE_MAX 256
#define STAFF_SOURCE_FIRST_BLOCK 30 /* seconds; doubles per further block */
#define STAFF_LEGACY_SOURCE "-"
#define STAFF_NAMED_MAX 16 /* IDs a source's block remembers; beyond: all */

/*
 * A throttle entry: consecutive failures and a block, for one member seen
 * from one source (id set), or for a source over all members (id "").
 * Legacy calls without a source use the source "-" and no source entry.
 *
 * A source's block applies to the IDs that failed from it since its last
 * success (named[], hashes of the typed IDs, known or not), not to every
 * member: one person at the screen typing wrong PINs for some IDs does
 * not lock the other members out of the screen. An ID not yet named gets
 * one try during the block (one hash, as for any ID), which names it and
 * doubles the block, so the block still bounds how fast anyone guesses:
 * max_failures per block plus one per ID. More than STAFF_NAMED_MAX IDs
 * named: the block applies to every ID (n_named > STAFF_NAMED_MAX).
 */
struct staff_throttle {
    char source[KX_STAFF_SOURCE_MAX];
    char id[32];
    int failures;
    int level; /* source entries: blocks so far (the next one is twice as long) */
    time_t until;
    time_t last;
    uint32_t named[STAFF_NAMED_MAX]; /* source entries: IDs failed in the streak */
    int n_named;
};

struct kx_staff_db {
    struct staff_member *members;
    size_t count;
    kx_staff_policy policy;
    char state_path[512];
    /* the setting (parameters and salt) hashed for an unknown ID or a
     * UKEY-only member, so that every PIN login costs one hash */
    char dummy_setting[KX_STAFF_HASH_MAX];
    unsigned long hash_runs;
    struct staff_throttle throttle[STAFF_THROTTLE_MAX];
    size_t nthrottle;
};

/* a source key as stored: printable, no blanks, bounded */
static void staff_source_clean(const char *source, char out[KX_STAFF_SOURCE_MAX])
{
    size_t n = 0;
    for (const char *s = source && *source ? source : STAFF_LEGACY_SOURCE;
         *s && n + 1 < KX_STAFF_SOURCE_MAX; s++)
        out[n++] = (*s > ' ' && *s < 0x7f) ? *s : '_';
    out[n] = 0;
}

/* the entry of (source, id), created when create is set (the oldest
 * unblocked entry is reused when the table is full) */
static struct staff_throttle *staff_throttle_get(kx_staff_db *db, const char *source,
                                                 const char *id, time_t now, int create)
{
    struct staff_throttle *t = NULL;
    for (size_t i = 0; i < db->nthrottle; i++)
        if (strcmp(db->throttle[i].source, source) == 0 && strcmp(db->throttle[i].id, id) == 0)
            return &db->throttle[i];
    if (!create)
        return NULL;
    if (db->nthrottle < STAFF_THROTTLE_MAX) {
        t = &db->throttle[db->nthrottle++];
    } else {
        for (size_t i = 0; i < db->nthrottle; i++) {
            struct staff_throttle *c = &db->throttle[i];
            int c_free = c->until <= now, t_free = t && t->until <= now;
            if (!t || (c_free && !t_free) || (c_free == t_free && c->last < t->last))
                t = c;
        }
    }
    memset(t, 0, sizeof *t);
    kx_strlcpy(t->source, source, sizeof t->source);
    kx_strlcpy(t->id, id, sizeof t->id);
    return t;
}

/* a typed ID as a source's block remembers it */
static uint32_t staff_id_hash(const char *id)
{
    uint32_t h = 2166136261u;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

/* 1 when the source's streak failed for this ID (or for too many IDs) */
static int staff_named(const struct staff_throttle *st, uint32_t h)
{
    int hit = st->n_named > STAFF_NAMED_MAX;
    for (int k = 0; k < st->n_named && k < STAFF_NAMED_MAX && !hit; k++)
        hit = st->named[k] == h;
    return hit;
}

static void staff_name(struct staff_throttle *st, uint32_t h)
{
    if (staff_named(st, h))
        return;
    if (st->n_named < STAFF_NAMED_MAX)
        st->named[st->n_named++] = h;
    else
        st->n_named = STAFF_NAMED_MAX + 1;
}

/* the named IDs of a state file line: "all" or hex hashes joined by ',' */
static void staff_named_parse(struct staff_throttle *t, const char *text)
{
    t->n_named = 0;
    if (strcmp(text, "all") == 0) {
        t->n_named = STAFF_NAMED_MAX + 1;
        return;
    }
    for (const char *p = text; *p && t->n_named < STAFF_NAMED_MAX;) {
        char *end = NULL;
        unsigned long v = strtoul(p, &end, 16);
        if (end == p)
            break;
        t->named[t->n_named++] = (uint32_t)v;
        p = *end == ',' ? end + 1 : end;
    }
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
    /* id failures until source level [named]; id "*": the source over all
     * members, named: the IDs it failed for, as hex hashes joined by ',',
     * or "all" */
    for (size_t i = 0; i < db->nthrottle; i++) {
        const struct staff_throttle *t = &db->throttle[i];
        if (!t->failures && !t->until && !t->level)
            continue;
        (void)fprintf(fp, "%s %d %ld %s %d", t->id[0] ? t->id : "*", t->failures,
                      (long)t->until, t->source, t->level);
        if (t->n_named > STAFF_NAMED_MAX)
            (void)fputs(" all", fp);
        for (int k = 0; k < t->n_named && k < STAFF_NAMED_MAX; k++)
            (void)fprintf(fp, "%c%08x", k ? ',' : ' ', (unsigned)t->named[k]);
        (void)fputc('\n', fp);
    }
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
    char line[512], id[32], source[KX_STAFF_SOURCE_MAX], named[200];
    int failures, level;
    long until;
    while (fgets(line, sizeof line, fp)) {
        level = 0;
        named[0] = 0;
        kx_strlcpy(source, STAFF_LEGACY_SOURCE, sizeof source);
        /* older files: "id failures until" (the member from any source),
         * or without the named IDs */
        int n = sscanf(line, "%31s %d %ld %47s %d %199s", id, &failures, &until, source, &level,
                       named);
        if (n != 3 && n != 5 && n != 6)
            continue;
        int whole_source = strcmp(id, "*") == 0;
        if (!whole_source && !kx_staff_name(db, id))
            continue;
        struct staff_throttle *t =
            staff_throttle_get(db, source, whole_source ? "" : id, (time_t)until, 1);
        t->failures = failures < 0 ? 0 : failures;
        t->until = (time_t)until;
        t->level = level < 0 || level > 30 ? 0 : level;
        staff_named_parse(t, named);
    }
    fclose(fp);
}

/* the setting hashed for an unknown ID: the first member's own hash (same
 * algorithm and cost), or a fresh yescrypt setting when no member has a PIN */
static kx_err staff_dummy_setting(kx_staff_db *db)
{
    for (size_t i = 0; i < db->count; i++)
        if (db->members[i].conf.hash[0]) {
            kx_strlcpy(db->dummy_setting, db->members[i].conf.hash, sizeof db->dummy_setting);
            return KX_OK;
        }
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, db->dummy_setting, sizeof db->dummy_setting))
        return KX_ERR_INTERNAL;
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
        if ((rc = kx_staff_member_read(cfg, sec, &db->members[db->count].conf)))
            goto fail;
        db->count++;
    }
    if ((rc = staff_dummy_setting(db)))
        goto fail;
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
    kx_wipe(db, sizeof *db);
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

unsigned long kx_staff_hash_runs(const kx_staff_db *db)
{
    return db ? db->hash_runs : 0;
}

static struct staff_member *staff_find(const kx_staff_db *db, const char *id)
{
    for (size_t i = 0; db && id && i < db->count; i++)
        if (strcmp(db->members[i].conf.id, id) == 0)
            return &db->members[i];
    return NULL;
}

const char *kx_staff_name(const kx_staff_db *db, const char *staff_id)
{
    struct staff_member *m = staff_find(db, staff_id);
    return m ? m->conf.name : NULL;
}

/* KX_ERR_PIN_LOCKED while entry t blocks (seconds left in *retry) */
static kx_err staff_throttle_blocks(const struct staff_throttle *t, time_t now, long *retry)
{
    if (!t || t->until <= now)
        return KX_OK;
    if (retry)
        *retry = (long)(t->until - now);
    return KX_ERR_PIN_LOCKED;
}

kx_err kx_staff_lockout_check(kx_staff_db *db, const char *staff_id, time_t now,
                              long *retry_after_out)
{
    struct staff_member *m = staff_find(db, staff_id);
    if (!m) {
        kx_log_warn("staff.auth", "staff=unknown result=denied");
        return KX_ERR_PERMISSION;
    }
    kx_err rc = staff_throttle_blocks(
        staff_throttle_get(db, STAFF_LEGACY_SOURCE, m->conf.id, now, 0), now, retry_after_out);
    if (rc)
        kx_log_warn("staff.auth", "staff=%s result=locked", m->conf.id);
    return rc;
}

/* a failure of member entry t: the member is locked out at max_failures */
static int staff_member_failed(kx_staff_db *db, struct staff_throttle *t, time_t now)
{
    t->last = now;
    if (++t->failures >= db->policy.max_failures) {
        t->until = now + db->policy.lockout_seconds;
        t->failures = 0;
    }
    return t->until > now;
}

/* a failure from a source: blocked for 30 s at max_failures in a row, then
 * twice as long at each further failure, at most lockout_seconds */
static int staff_source_failed(kx_staff_db *db, struct staff_throttle *t, time_t now)
{
    t->last = now;
    if (++t->failures >= db->policy.max_failures) {
        long block = STAFF_SOURCE_FIRST_BLOCK;
        for (int i = 0; i < t->level && block < db->policy.lockout_seconds; i++)
            block *= 2;
        if (block > db->policy.lockout_seconds)
            block = db->policy.lockout_seconds;
        t->until = now + block;
        if (t->level < 30)
            t->level++;
    }
    return t->until > now;
}

kx_err kx_staff_attempt(kx_staff_db *db, const char *staff_id, int ok, time_t now)
{
    struct staff_member *m = staff_find(db, staff_id);
    if (!m)
        return KX_ERR_PERMISSION;
    struct staff_throttle *t = staff_throttle_get(db, STAFF_LEGACY_SOURCE, m->conf.id, now, 1);
    if (!ok) {
        int locked = staff_member_failed(db, t, now);
        staff_state_save(db);
        kx_log_warn("staff.auth", "staff=%s result=wrong_pin locked=%d", m->conf.id, locked);
        return locked ? KX_ERR_PIN_LOCKED : KX_ERR_PERMISSION;
    }
    t->failures = 0;
    t->until = 0;
    staff_state_save(db);
    kx_log_info("staff.auth", "staff=%s result=ok role=%s", m->conf.id,
                m->conf.role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff");
    return KX_OK;
}

/* one crypt(3) run of pin against setting: 1 when it reproduces setting */
static kx_err staff_hash_matches(kx_staff_db *db, const kx_secbuf *pin, const char *setting,
                                 int *match)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    *match = 0;
    if (!cd)
        return KX_ERR_NO_MEMORY;
    const char *h = crypt_r(kx_secbuf_str(pin), setting, cd);
    db->hash_runs++;
    *match = h && h[0] != '*' && strcmp(h, setting) == 0;
    kx_wipe(cd, sizeof(*cd));
    free(cd);
    return KX_OK;
}

kx_err kx_staff_verify_from(kx_staff_db *db, const char *source, const char *staff_id,
                            const kx_secbuf *pin, time_t now, kx_staff_role *role_out,
                            long *retry_after_out)
{
    if (!db || !staff_id || !pin)
        return KX_ERR_INVALID_ARG;
    char src[KX_STAFF_SOURCE_MAX];
    staff_source_clean(source, src);
    struct staff_throttle *st = source ? staff_throttle_get(db, src, "", now, 1) : NULL;
    struct staff_member *m = staff_find(db, staff_id);
    struct staff_throttle *mt = m ? staff_throttle_get(db, src, m->conf.id, now, 1) : NULL;
    uint32_t idh = staff_id_hash(staff_id);
    /* blocked: the PIN is not even checked. The source's block holds the
     * IDs it failed for; any other ID gets its one try */
    kx_err rc =
        st && staff_named(st, idh) ? staff_throttle_blocks(st, now, retry_after_out) : KX_OK;
    if (!rc)
        rc = staff_throttle_blocks(mt, now, retry_after_out);
    if (rc) {
        kx_log_warn("staff.auth", "source=%s result=locked", src);
        return rc;
    }
    /* one hash whoever asks: an unknown ID and a UKEY-only member (who has
     * no PIN) cost the same as a member's wrong PIN */
    int match = 0;
    int has_pin = m && m->conf.hash[0];
    rc = staff_hash_matches(db, pin, has_pin ? m->conf.hash : db->dummy_setting, &match);
    if (rc)
        return rc;
    int ok = has_pin && match, locked = 0;
    if (ok) {
        /* the source's streak ends with a success, unless it is blocked:
         * a member who logs in during another's block does not lift it */
        if (st && st->until <= now) {
            st->failures = 0;
            st->level = 0;
            st->until = 0;
            st->n_named = 0;
        }
        mt->failures = 0;
        mt->until = 0;
    } else {
        if (st) {
            staff_name(st, idh);
            locked |= staff_source_failed(db, st, now);
        }
        /* a UKEY-only member collects no PIN failures: nobody can lock
         * them out by typing their ID */
        if (has_pin)
            locked |= staff_member_failed(db, mt, now);
        if (locked && retry_after_out) {
            long a = st && st->until > now ? (long)(st->until - now) : 0;
            long b = has_pin && mt->until > now ? (long)(mt->until - now) : 0;
            *retry_after_out = a > b ? a : b;
        }
    }
    staff_state_save(db);
    if (ok) {
        kx_log_info("staff.auth", "staff=%s source=%s result=ok role=%s", m->conf.id, src,
                    m->conf.role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff");
        if (role_out)
            *role_out = (kx_staff_role)m->conf.role;
        return KX_OK;
    }
    kx_log_warn("staff.auth", "staff=%s source=%s result=denied locked=%d",
                has_pin ? m->conf.id : "unknown", src, locked);
    return locked ? KX_ERR_PIN_LOCKED : KX_ERR_PERMISSION;
}

kx_err kx_staff_verify(kx_staff_db *db, const char *staff_id, const kx_secbuf *pin, time_t now,
                       kx_staff_role *role_out, long *retry_after_out)
{
    return kx_staff_verify_from(db, NULL, staff_id, pin, now, role_out, retry_after_out);
}

const char *kx_staff_find_token(const kx_staff_db *db, const char *cert_sha256,
                                const char *serial, kx_staff_role *role_out)
{
    /* the certificate's digest names the member (a serial alone is refused
     * when the configuration loads); a configured serial must match too */
    for (size_t i = 0; db && cert_sha256 && cert_sha256[0] && i < db->count; i++) {
        const kx_staff_member_conf *m = &db->members[i].conf;
        if (m->token_sha256[0] && strcmp(m->token_sha256, cert_sha256) == 0 &&
            (!m->token_serial[0] || (serial && strcmp(m->token_serial, serial) == 0))) {
            if (role_out)
                *role_out = (kx_staff_role)m->role;
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
