/* SPDX-License-Identifier: MIT */
/*
 * staff_config.h - reading and checking one [staff:ID] section of the
 * configuration, without any cryptography: kx_staff_load() builds its
 * member table from it, and `kioskctl config-check` (which links neither
 * libcrypt nor libcrypto) refuses the same sections kioskd would.
 *
 * Rules (docs/security.md, finding 2): a member needs a PIN hash
 * (yescrypt "$y$" or sha512crypt "$6$"), a staff UKEY named by its
 * certificate's SHA-256 (token_cert_sha256), or both. token_serial only
 * narrows a token_cert_sha256 match: a serial alone is refused, because
 * any token can report any serial.
 */
#ifndef KX_STAFF_STAFF_CONFIG_H
#define KX_STAFF_STAFF_CONFIG_H

#include "core/config.h"
#include "core/err.h"

#define KX_STAFF_HASH_MAX 512 /* >= crypt(3)'s CRYPT_OUTPUT_SIZE (384) */

typedef struct kx_staff_member_conf {
    char id[32];
    char name[96];
    int role;                     /* kx_staff_role: 0 staff, 1 admin */
    char hash[KX_STAFF_HASH_MAX]; /* "" when the member logs in by UKEY only */
    char token_sha256[65];        /* lower-case hex, "" when none */
    char token_serial[33];        /* "" when none */
} kx_staff_member_conf;

/*
 * kx_staff_member_read - read section sec ("staff:ID") into *out.
 * KX_OK, or KX_ERR_CONFIG with a detail naming file, line and key (bad id,
 * role, digest, serial without a digest, missing or unusable pin_hash).
 */
kx_err kx_staff_member_read(const kx_config *cfg, const char *sec, kx_staff_member_conf *out);

/*
 * kx_staff_config_check - every [staff:ID] section of cfg through
 * kx_staff_member_read() and the [staff] policy's ranges. KX_OK or the
 * first KX_ERR_CONFIG (detail set). *members_out (may be NULL): how many.
 */
kx_err kx_staff_config_check(const kx_config *cfg, size_t *members_out);

#endif
