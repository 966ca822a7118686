/* SPDX-License-Identifier: MIT */
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
 *   token_cert_sha256 = 3f5a...  ; optional: the staff UKEY's certificate
 *   token_serial = 1A2B3C4D      ; optional, only beside token_cert_sha256
 *
 * A member needs pin_hash, token_cert_sha256, or both; token_serial alone
 * is refused when the configuration loads (staff_config.h: any token can
 * report any serial). A staff UKEY login (engine: staff_login_token) finds
 * the member by the certificate's SHA-256 (and, when both are set, the
 * serial), checks the token PIN on the token and a signature over a fresh
 * challenge (kx_staff_verify_signature); its failures count toward the
 * member's lockout (kx_staff_lockout_check, kx_staff_attempt).
 *
 * PIN logins (kx_staff_verify_from) come from a source: a key the caller
 * chooses for who is typing (the screen, a kioskctl user). Every PIN login
 * costs one hash, also for an unknown ID or a UKEY-only member (who has no
 * PIN and collects no PIN failures), so the answer's timing does not tell
 * which IDs exist. Repeated failures lock the member out for that source
 * only, and a source failing max_failures times in a row over any IDs is
 * blocked for 30 s, twice as long at each further failure (at most
 * lockout_seconds). The state survives a restart when a state file is
 * given. PINs arrive in kx_secbuf and are never copied elsewhere, logged
 * or stored. Not thread-safe: the engine calls it from its main loop.
 */
#ifndef KX_STAFF_STAFF_H
#define KX_STAFF_STAFF_H

#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/err.h"
#include "core/secbuf.h"
#include "staff/staff_config.h"

typedef enum kx_staff_role {
    KX_STAFF_ROLE_STAFF = 0, /* assisted mode */
    KX_STAFF_ROLE_ADMIN = 1, /* maintenance menu (and assisted mode) */
} kx_staff_role;

typedef struct kx_staff_db kx_staff_db;

typedef struct kx_staff_policy {
    int max_failures;    /* failures in a row before lockout (1..20, default 5) */
    int lockout_seconds; /* lockout length (10..86400, default 900) */
    int idle_seconds;    /* assisted mode / maintenance ends after this (30..3600, 120) */
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

/* longest source key kept (longer ones are cut; blanks become '_') */
#define KX_STAFF_SOURCE_MAX 48

/*
 * kx_staff_verify_from - check a member's PIN typed at source at time now.
 *   source: who is asking ("ui", "uid:1000", ...), chosen by the caller
 *           from the connection, never from the request; NULL: no source
 *           throttle, the member's lockout as seen from "-" (the legacy
 *           kx_staff_verify()).
 * KX_OK and *role_out on success (the failures of the source and of the
 * member from it reset); KX_ERR_PERMISSION for an unknown member, a
 * UKEY-only member or a wrong PIN; KX_ERR_PIN_LOCKED while the source is
 * blocked or the member is locked out for it, or when this failure blocks
 * it (*retry_after_out seconds left; a blocked attempt checks no PIN).
 * Exactly one hash runs per unblocked call. role_out and retry_after_out
 * may be NULL.
 */
kx_err kx_staff_verify_from(kx_staff_db *db, const char *source, const char *staff_id,
                            const kx_secbuf *pin, time_t now, kx_staff_role *role_out,
                            long *retry_after_out);

/* kx_staff_verify - kx_staff_verify_from() without a source. */
kx_err kx_staff_verify(kx_staff_db *db, const char *staff_id, const kx_secbuf *pin, time_t now,
                       kx_staff_role *role_out, long *retry_after_out);

/* kx_staff_hash_runs - PIN hashes computed so far (tests: one per login). */
unsigned long kx_staff_hash_runs(const kx_staff_db *db);

/*
 * kx_staff_find_token - the member a staff UKEY belongs to: cert_sha256 is
 * the lower-case hex SHA-256 of a certificate on the token (DER), serial
 * the token's serial. A member matches when the digest equals its
 * token_cert_sha256 (and the serial too when token_serial is also set);
 * a serial never names a member by itself. Returns the member id
 * (owned by db) or NULL. *role_out (may be NULL) gets its role.
 */
const char *kx_staff_find_token(const kx_staff_db *db, const char *cert_sha256,
                                const char *serial, kx_staff_role *role_out);

/*
 * kx_staff_lockout_check - KX_ERR_PIN_LOCKED while the member is locked
 * out (*retry_after_out seconds left, may be NULL), KX_ERR_PERMISSION for
 * an unknown member, else KX_OK.
 */
kx_err kx_staff_lockout_check(kx_staff_db *db, const char *staff_id, time_t now,
                              long *retry_after_out);

/*
 * kx_staff_attempt - record the outcome of a login that was checked
 * elsewhere (a staff UKEY: token PIN and signature). ok resets the
 * failures and returns KX_OK; a failure is counted like a wrong staff PIN
 * and returns KX_ERR_PERMISSION, or KX_ERR_PIN_LOCKED when it locks the
 * member out. Persists the counters.
 */
kx_err kx_staff_attempt(kx_staff_db *db, const char *staff_id, int ok, time_t now);

/*
 * kx_staff_verify_signature - verify sig (DER ECDSA-Sig-Value or PKCS#1
 * v1.5, SHA-256) over data with the public key of the DER certificate
 * cert_der, and that the certificate is valid at now. KX_OK when it
 * verifies; KX_ERR_EXPIRED outside the certificate's validity;
 * KX_ERR_CHECK_FAILED when the signature does not verify; KX_ERR_BAD_FORMAT
 * for an unreadable certificate.
 */
kx_err kx_staff_verify_signature(const unsigned char *cert_der, size_t cert_len, time_t now,
                                 const unsigned char *data, size_t len,
                                 const unsigned char *sig, size_t sig_len);

/* kx_staff_sha256_hex - lower-case hex SHA-256 of data into out (65 bytes). */
void kx_staff_sha256_hex(const unsigned char *data, size_t len, char out[65]);

/* kx_staff_name - display name of a member, NULL when unknown. */
const char *kx_staff_name(const kx_staff_db *db, const char *staff_id);

/*
 * kx_staff_hash_pin - a new yescrypt hash of pin into out (at least 128
 * bytes). The PIN must be 6..16 digits.
 */
kx_err kx_staff_hash_pin(const kx_secbuf *pin, char *out, size_t outsz);

#endif
