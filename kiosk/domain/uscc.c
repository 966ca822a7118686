/* SPDX-License-Identifier: MIT */
/*
 * uscc.c - GB 32100-2015 check character and GB 11714 organisation code check.
 */
#include "uscc.h"

#include <string.h>

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/* 3^i mod 31 for positions 1..17 (GB 32100-2015, 4.2) */
static const int uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};
/* GB 11714-1997 organisation code weights over its first 8 characters */
static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

int kx_uscc_value(char c)
{
    const char *p = c ? strchr(uscc_alphabet, c) : NULL;
    return p ? (int)(p - uscc_alphabet) : -1;
}

/* GB 11714 values digits 0-9 and letters A-Z as 10-35. */
static int org_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

const char *kx_uscc_status_name(kx_uscc_status status)
{
    switch (status) {
    case KX_USCC_VALID:
        return "valid";
    case KX_USCC_CHECK_FAILED:
        return "check_failed";
    default:
        return "bad_format";
    }
}

kx_uscc_status kx_uscc_check_n(const char *text, size_t len, kx_uscc_info *info)
{
    memset(info, 0, sizeof(*info));
    info->status = KX_USCC_BAD_FORMAT;
    if (!text || len != KX_USCC_LEN)
        return info->status;

    char code[KX_USCC_LEN + 1];
    int sum = 0;
    for (size_t i = 0; i < KX_USCC_LEN; i++) {
        char c = text[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        int v = kx_uscc_value(c);
        if (v < 0)
            return info->status;
        if (i >= 2 && i < 8 && !(c >= '0' && c <= '9')) /* region is numeric */
            return info->status;
        if (i < 17)
            sum += v * uscc_weights[i];
        code[i] = c;
    }
    code[KX_USCC_LEN] = '\0';

    char expected = uscc_alphabet[(31 - sum % 31) % 31];
    memcpy(info->code, code, sizeof(code));
    memcpy(info->region, code + 2, 6);
    info->region[6] = '\0';
    info->expected_check = expected;

    int osum = 0, ok = 1;
    for (int i = 0; i < 8; i++) {
        int v = org_value(code[8 + i]);
        if (v < 0)
            ok = 0;
        else
            osum += v * org_weights[i];
    }
    int oc = 11 - osum % 11;
    char oexpected = oc == 10 ? 'X' : oc == 11 ? '0' : (char)('0' + oc);
    info->org_check_ok = ok && code[16] == oexpected;

    info->status = code[17] == expected ? KX_USCC_VALID : KX_USCC_CHECK_FAILED;
    return info->status;
}

kx_uscc_status kx_uscc_check(const char *text, kx_uscc_info *info)
{
    return kx_uscc_check_n(text, text ? strlen(text) : 0, info);
}
