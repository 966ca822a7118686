/* SPDX-License-Identifier: MIT */
/*
 * phone.h - the contact telephone number of an application (申请表
 * 联系电话): a mainland mobile or a landline.
 *
 * Mobile: 11 digits, 1[3-9]xxxxxxxxx.
 * Landline: the area code (010, 02x, or 0[3-9]xx; three or four digits,
 * which makes the split unambiguous), an optional hyphen, a local number
 * of 7 or 8 digits not starting with 0 or 1, and optionally an extension
 * of 1-6 digits after "-", "#" or "转" ("0791-82097407", "079182097407",
 * "010-62345678", "0791-82097407-8012"). Spaces around the number are
 * ignored; "+86" or other characters are not accepted.
 * The canonical form puts a hyphen after the area code and before an
 * extension. Pure functions, no I/O: the engine, the RA client and the
 * form use this one rule.
 */
#ifndef KX_DOMAIN_PHONE_H
#define KX_DOMAIN_PHONE_H

#include <stddef.h>

/* longest canonical number: "0791-82097407-123456" */
#define KX_PHONE_MAX 20

typedef enum kx_phone_kind {
    KX_PHONE_BAD = 0,
    KX_PHONE_MOBILE = 1,
    KX_PHONE_LANDLINE = 2,
} kx_phone_kind;

typedef struct kx_phone_info {
    kx_phone_kind kind;
    char canonical[KX_PHONE_MAX + 1]; /* "" when bad */
    char area[5];                     /* landline: "0791"; else "" */
    char extension[7];                /* landline: "8012" or "" */
} kx_phone_info;

/* kx_phone_check - classify text (NULL is bad). Never fails; info may be
 * NULL when only the kind is wanted. */
kx_phone_kind kx_phone_check(const char *text, kx_phone_info *info);

/* kx_phone_kind_name - "mobile", "landline" or "bad" */
const char *kx_phone_kind_name(kx_phone_kind kind);

#endif
