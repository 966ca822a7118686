/* SPDX-License-Identifier: MIT */
/*
 * idnum.h - resident identity card number (GB 11643-1999).
 *
 * 6-digit region, YYYYMMDD birth date, 3-digit sequence (odd: male), check
 * character (ISO 7064 MOD 11-2). Lower-case x is accepted and normalised.
 * Pure functions, no I/O.
 */
#ifndef KX_DOMAIN_IDNUM_H
#define KX_DOMAIN_IDNUM_H

#include <stddef.h>

#define KX_IDNUM_LEN 18

typedef enum kx_idnum_status {
    KX_IDNUM_VALID = 0,
    KX_IDNUM_CHECK_FAILED = 1, /* well formed, check character wrong */
    KX_IDNUM_BAD_DATE = 2,     /* birth date is not a real date */
    KX_IDNUM_BAD_FORMAT = 3,   /* length or characters */
} kx_idnum_status;

typedef struct kx_idnum_info {
    kx_idnum_status status;
    char number[KX_IDNUM_LEN + 1]; /* normalised, "" when bad format */
    char region[7];
    int birth_year, birth_month, birth_day; /* 0 when the date is bad */
    char sex;                               /* 'M' or 'F', 0 when bad format */
    char expected_check;
} kx_idnum_info;

/* kx_idnum_check - classify text. Never fails; info must not be NULL. */
kx_idnum_status kx_idnum_check(const char *text, kx_idnum_info *info);
kx_idnum_status kx_idnum_check_n(const char *text, size_t len, kx_idnum_info *info);

const char *kx_idnum_status_name(kx_idnum_status status);

/*
 * kx_age_on - whole years from a birth date to the given day (the birthday
 * itself counts). A 29 February birthday is reached on 1 March in common
 * years. Returns -1 when the day is before the birth.
 */
int kx_age_on(int by, int bm, int bd, int y, int m, int d);

#endif
