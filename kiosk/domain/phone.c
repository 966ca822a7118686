/* SPDX-License-Identifier: MIT */
/*
 * phone.c - mobile and landline contact numbers (phone.h).
 */
#include "phone.h"

#include <string.h>

/* the UTF-8 of 转 ("extension") */
#define PHONE_EXT_WORD "\xe8\xbd\xac"

static int phone_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t phone_digits(const char *s)
{
    size_t n = 0;
    while (phone_digit(s[n]))
        n++;
    return n;
}

/* the area code's length at s: 3 for 010 and 02x, 4 for 03xx-09xx; 0 when
 * s does not start with one */
static size_t phone_area_len(const char *s)
{
    if (s[0] != '0' || !phone_digit(s[1]) || !phone_digit(s[2]))
        return 0;
    if (s[1] == '1')
        return s[2] == '0' ? 3 : 0;
    if (s[1] == '2')
        return 3;
    if (s[1] >= '3' && phone_digit(s[3]))
        return 4;
    return 0;
}

/* a landline at s (len characters); 1 and info filled when it is one */
static int phone_landline(const char *s, size_t len, kx_phone_info *info)
{
    size_t area = phone_area_len(s), i = area;
    if (!area)
        return 0;
    if (i < len && s[i] == '-')
        i++;
    size_t local = phone_digits(s + i);
    if (i + local > len || local < 7 || local > 8 || s[i] < '2')
        return 0;
    const char *local_at = s + i;
    i += local;
    const char *ext = "";
    size_t ext_len = 0;
    if (i < len) {
        if (s[i] == '-' || s[i] == '#')
            i++;
        else if (strncmp(s + i, PHONE_EXT_WORD, 3) == 0)
            i += 3;
        else
            return 0;
        ext = s + i;
        ext_len = phone_digits(ext);
        if (ext_len < 1 || ext_len > 6 || i + ext_len != len)
            return 0;
    }
    info->kind = KX_PHONE_LANDLINE;
    memcpy(info->area, s, area);
    info->area[area] = 0;
    memcpy(info->extension, ext, ext_len);
    info->extension[ext_len] = 0;
    char *o = info->canonical;
    memcpy(o, s, area);
    o += area;
    *o++ = '-';
    memcpy(o, local_at, local);
    o += local;
    if (ext_len) {
        *o++ = '-';
        memcpy(o, ext, ext_len);
        o += ext_len;
    }
    *o = 0;
    return 1;
}

kx_phone_kind kx_phone_check(const char *text, kx_phone_info *info)
{
    kx_phone_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!text)
        return KX_PHONE_BAD;
    while (*text == ' ')
        text++;
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len == 11 && phone_digits(text) == 11 && text[0] == '1' && text[1] >= '3') {
        info->kind = KX_PHONE_MOBILE;
        memcpy(info->canonical, text, 11);
        info->canonical[11] = 0;
    } else if (len > KX_PHONE_MAX + 2 || !phone_landline(text, len, info)) {
        memset(info, 0, sizeof *info);
    }
    return info->kind;
}

const char *kx_phone_kind_name(kx_phone_kind kind)
{
    switch (kind) {
    case KX_PHONE_MOBILE:
        return "mobile";
    case KX_PHONE_LANDLINE:
        return "landline";
    default:
        return "bad";
    }
}
