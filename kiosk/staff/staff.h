/*
 * staff.h - staff and admin authentication for assisted mode and the
 * maintenance menu.
 *
 * Credentials are PINs stored only as salted slow hashes (crypt(3)
 * yescrypt, "$y$..."), one section per member in the config:
 *
 *   [staff:1001]
 *   name = 王芳
 *   role = staff          ; staff | admin
 *   pin_hash = $y$j9T$...  ; kioskctl staff-hash prints one
 *
 * Repeated failures lock a member out for a while; the lockout survives a
 * restart when a state file is given. PINs arrive in kx_secbuf and are never
 * copied elsewhere, logged or stored. Not thread-safe: the engine calls it
 * from its main loop.
 */
#ifndef KX_STAFF_STAFF_H
#define KX_STAFF_STAFF_H

#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/err.h"
#include "core/secbuf.h"

typedef enum kx_staff_role {
    KX_STAFF_ROLE_STAFF = 0, /* assisted mode */
    KX_STAFF_ROLE_ADMIN = 1, /* maintenance menu (and assisted mode) */
} kx_staff_role;

typedef struct kx_staff_db kx_staff_db;

typedef struct kx_staff_policy {
    int max_failures;     /* failures in a row before lockout (1..20, default 5) */
    int lockout_seconds;  /* lockout length (10..86400, default 900) */
    int idle_seconds;     /* assisted mode / maintenance ends after this (30..3600, 120) */
} kx_staff_policy;

/*
 * kx_staff_load - read every [staff:ID] section and the [staff] policy
 * (max_failures, lockout_seconds, idle_seconds). state_path (may be NULL)
 * keeps lockout counters across restarts. A member without a valid
 * yescrypt/sha512crypt hash is a KX_ERR_CONFIG naming file, line and key.
 * Free with kx_staff_free().
 */
kx_err kx_staff_load(const kx_config *cfg, const char *state_path, kx_staff_db **out);
void kx_staff_free(kx_staff_db *db);

/* kx_staff_policy_get - the policy in force (owned by db). */
const kx_staff_policy *kx_staff_policy_get(const kx_staff_db *db);

/* kx_staff_count - number of members. */
size_t kx_staff_count(const kx_staff_db *db);

/*
 * kx_staff_verify - check a member's PIN at time now.
 * KX_OK and *role_out on success (the failure count resets);
 * KX_ERR_PERMISSION for an unknown member or a wrong PIN (counted);
 * KX_ERR_PIN_LOCKED while locked out (*retry_after_out seconds left; the PIN
 * is not even checked). role_out and retry_after_out may be NULL.
 */
kx_err kx_staff_verify(kx_staff_db *db, const char *staff_id, const kx_secbuf *pin,
                       time_t now, kx_staff_role *role_out, long *retry_after_out);

/* kx_staff_name - display name of a member, NULL when unknown. */
const char *kx_staff_name(const kx_staff_db *db, const char *staff_id);

/*
 * kx_staff_hash_pin - a new yescrypt hash of pin into out (at least 128
 * bytes). The PIN must be 6..16 digits.
 */
kx_err kx_staff_hash_pin(const kx_secbuf *pin, char *out, size_t outsz);

#endif
