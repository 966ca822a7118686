/* SPDX-License-Identifier: MIT */
/*
 * str.h - bounded string helpers (the project bans strcpy, strcat, sprintf,
 * atoi, strtok) and checked number parsing.
 */
#ifndef KX_CORE_STR_H
#define KX_CORE_STR_H

#include <stddef.h>

#include "err.h"

/* kx_strlcpy - copy with truncation, always NUL-terminated when dstsz > 0.
 * Returns strlen(src); truncation happened when the result >= dstsz. */
size_t kx_strlcpy(char *dst, const char *src, size_t dstsz);

/* kx_strlcat - append with truncation; returns the length it tried to make. */
size_t kx_strlcat(char *dst, const char *src, size_t dstsz);

/* kx_parse_long - whole string as a base-10 integer within [min, max].
 * KX_ERR_BAD_FORMAT for junk or empty, KX_ERR_TOO_LARGE when out of range. */
kx_err kx_parse_long(const char *s, long min, long max, long *out);

/* kx_parse_date - "YYYY-MM-DD" or "YYYYMMDD" into a real calendar date. */
kx_err kx_parse_date(const char *s, int *year, int *month, int *day);

/* kx_date_valid - 1 when y-m-d exists in the Gregorian calendar (1900..2999). */
int kx_date_valid(int year, int month, int day);

/* kx_today - today's local date. */
void kx_today(int *year, int *month, int *day);

#endif
