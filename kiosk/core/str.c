/* SPDX-License-Identifier: MIT */
/*
 * str.c - bounded copies, checked integer and date parsing.
 */
#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t kx_strlcpy(char *dst, const char *src, size_t dstsz)
{
    size_t len = strlen(src);
    if (dstsz) {
        size_t n = len < dstsz - 1 ? len : dstsz - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

size_t kx_strlcat(char *dst, const char *src, size_t dstsz)
{
    size_t dlen = strnlen(dst, dstsz);
    if (dlen == dstsz)
        return dlen + strlen(src);
    return dlen + kx_strlcpy(dst + dlen, src, dstsz - dlen);
}

kx_err kx_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return KX_ERR_BAD_FORMAT;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return KX_ERR_BAD_FORMAT;
    if (errno == ERANGE || v < min || v > max)
        return KX_ERR_TOO_LARGE;
    *out = v;
    return KX_OK;
}

int kx_date_valid(int year, int month, int day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max = mdays[month - 1] + (month == 2 && leap);
    return day <= max;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

kx_err kx_parse_date(const char *s, int *year, int *month, int *day)
{
    if (!s)
        return KX_ERR_INVALID_ARG;
    size_t len = strlen(s);
    int y, m, d;
    if (len == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4) && digits(s + 5, 2) &&
        digits(s + 8, 2)) {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        m = (s[5] - '0') * 10 + (s[6] - '0');
        d = (s[8] - '0') * 10 + (s[9] - '0');
    } else if (len == 8 && digits(s, 8)) {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        m = (s[4] - '0') * 10 + (s[5] - '0');
        d = (s[6] - '0') * 10 + (s[7] - '0');
    } else {
        return KX_ERR_BAD_FORMAT;
    }
    if (!kx_date_valid(y, m, d))
        return KX_ERR_BAD_FORMAT;
    *year = y;
    *month = m;
    *day = d;
    return KX_OK;
}

void kx_today(int *year, int *month, int *day)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon + 1;
    *day = tm.tm_mday;
}
