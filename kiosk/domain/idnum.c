/* SPDX-License-Identifier: MIT */
/*
 * idnum.c - GB 11643-1999 check character, birth date and sex.
 */
#include "idnum.h"

#include <string.h>

#include "core/str.h"

static const int idnum_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char idnum_checks[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

const char *kx_idnum_status_name(kx_idnum_status status)
{
    switch (status) {
    case KX_IDNUM_VALID:
        return "valid";
    case KX_IDNUM_CHECK_FAILED:
        return "check_failed";
    case KX_IDNUM_BAD_DATE:
        return "bad_date";
    default:
        return "bad_format";
    }
}

kx_idnum_status kx_idnum_check_n(const char *text, size_t len, kx_idnum_info *info)
{
    memset(info, 0, sizeof(*info));
    info->status = KX_IDNUM_BAD_FORMAT;
    if (!text || len != KX_IDNUM_LEN)
        return info->status;
    char n[KX_IDNUM_LEN + 1];
    int sum = 0;
    for (int i = 0; i < KX_IDNUM_LEN; i++) {
        char c = text[i];
        if (i == 17 && (c == 'x' || c == 'X'))
            c = 'X';
        else if (c < '0' || c > '9')
            return info->status;
        if (i < 17)
            sum += (c - '0') * idnum_weights[i];
        n[i] = c;
    }
    n[KX_IDNUM_LEN] = '\0';
    memcpy(info->number, n, sizeof(n));
    memcpy(info->region, n, 6);
    info->region[6] = '\0';
    info->sex = ((n[16] - '0') % 2) ? 'M' : 'F';
    info->expected_check = idnum_checks[sum % 11];

    int y = (n[6] - '0') * 1000 + (n[7] - '0') * 100 + (n[8] - '0') * 10 + (n[9] - '0');
    int m = (n[10] - '0') * 10 + (n[11] - '0');
    int d = (n[12] - '0') * 10 + (n[13] - '0');
    if (!kx_date_valid(y, m, d)) {
        info->status = KX_IDNUM_BAD_DATE;
        return info->status;
    }
    info->birth_year = y;
    info->birth_month = m;
    info->birth_day = d;
    info->status = n[17] == info->expected_check ? KX_IDNUM_VALID : KX_IDNUM_CHECK_FAILED;
    return info->status;
}

kx_idnum_status kx_idnum_check(const char *text, kx_idnum_info *info)
{
    return kx_idnum_check_n(text, text ? strlen(text) : 0, info);
}

int kx_age_on(int by, int bm, int bd, int y, int m, int d)
{
    if (y < by || (y == by && (m < bm || (m == bm && d < bd))))
        return -1;
    int age = y - by;
    /* birthday not reached yet this year; 29 Feb counts as reached on 1 Mar */
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}
