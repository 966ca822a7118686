/* SPDX-License-Identifier: MIT */
/*
 * uscc.h - unified social credit code (GB 32100-2015).
 *
 * 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY": registration
 * authority, organisation type, 6-digit region (GB/T 2260), 9-character
 * organisation code (GB 11714, its own check at position 17), check
 * character. Pure functions, no I/O.
 */
#ifndef KX_DOMAIN_USCC_H
#define KX_DOMAIN_USCC_H

#include <stddef.h>

#define KX_USCC_LEN 18

typedef enum kx_uscc_status {
    KX_USCC_VALID = 0,
    KX_USCC_CHECK_FAILED = 1, /* well formed, check character wrong: staff may
                                 override (early pilot-region codes) */
    KX_USCC_BAD_FORMAT = 2,   /* wrong length, alphabet or region digits */
} kx_uscc_status;

typedef struct kx_uscc_info {
    kx_uscc_status status;
    char code[KX_USCC_LEN + 1]; /* normalised (upper case), "" if bad format */
    int org_check_ok;           /* position 17 matches GB 11714 */
    char expected_check;        /* the check character the code should carry */
    char region[7];             /* positions 3..8 */
} kx_uscc_info;

/*
 * kx_uscc_check - classify text (NUL-terminated; surrounding white space is
 * not trimmed; lower case is accepted and normalised). Never fails: every
 * input gets a status. info must not be NULL.
 */
kx_uscc_status kx_uscc_check(const char *text, kx_uscc_info *info);

/* kx_uscc_check_n - same on a byte range that need not be NUL-terminated
 * (embedded NULs make it bad_format). */
kx_uscc_status kx_uscc_check_n(const char *text, size_t len, kx_uscc_info *info);

/* kx_uscc_status_name - "valid", "check_failed" or "bad_format". */
const char *kx_uscc_status_name(kx_uscc_status status);

/* kx_uscc_value - value 0..30 of an alphabet character, -1 otherwise
 * (upper case only). */
int kx_uscc_value(char c);

#endif
