/* SPDX-License-Identifier: MIT */
/*
 * licence.h - business licence QR payloads.
 *
 * There is no single payload format: publicity-system URLs carry the credit
 * code in clear (uniscid=, cid=, serial=CODE-...), others only an opaque
 * token (uuid=, nbxh=, entNo=). The payload is treated as opaque text and
 * every credit-code candidate in it is checked. Pure functions, no I/O.
 */
#ifndef KX_DOMAIN_LICENCE_H
#define KX_DOMAIN_LICENCE_H

#include <stddef.h>

#include "core/err.h"
#include "domain/uscc.h"

#define KX_LICENCE_MAX_CANDIDATES 8
#define KX_LICENCE_MAX_PAYLOAD 4096

typedef struct kx_licence_codes {
    size_t n_valid; /* candidates that pass the GB 32100 check, in order */
    char valid[KX_LICENCE_MAX_CANDIDATES][KX_USCC_LEN + 1];
    size_t n_failed; /* well-formed candidates whose check character fails */
    char failed[KX_LICENCE_MAX_CANDIDATES][KX_USCC_LEN + 1];
} kx_licence_codes;

/*
 * kx_licence_extract - find credit codes in a payload of len bytes (need
 * not be NUL-terminated; percent-escapes are decoded first). Candidates are
 * alphanumeric runs of exactly 18 characters, and the first 18 characters
 * of the value after a known key (uniscid=, cid=, serial=, code=, xydm=).
 * Duplicates are listed once. Returns KX_ERR_TOO_LARGE for payloads over
 * KX_LICENCE_MAX_PAYLOAD, KX_ERR_NOT_FOUND when no valid code is present
 * (out still lists the failed ones), KX_OK otherwise.
 */
kx_err kx_licence_extract(const char *payload, size_t len, kx_licence_codes *out);

#endif
