/* SPDX-License-Identifier: MIT */
/*
 * licence.c - credit-code candidates in licence QR payloads.
 */
#include "licence.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "hex.h"

static const char *const licence_keys[] = {
    "uniscid=", "cid=", "serial=", "code=", "xydm=", "creditcode=", NULL};

static void licence_add(char list[][KX_USCC_LEN + 1], size_t *n, const char *code)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], code) == 0)
            return;
    if (*n < KX_LICENCE_MAX_CANDIDATES)
        memcpy(list[(*n)++], code, KX_USCC_LEN + 1);
}

static void licence_consider(const char *s, kx_licence_codes *out)
{
    kx_uscc_info info;
    switch (kx_uscc_check_n(s, KX_USCC_LEN, &info)) {
    case KX_USCC_VALID:
        licence_add(out->valid, &out->n_valid, info.code);
        break;
    case KX_USCC_CHECK_FAILED:
        licence_add(out->failed, &out->n_failed, info.code);
        break;
    default:
        break;
    }
}

static int is_alnum(char c)
{
    return isalnum((unsigned char)c) != 0;
}

kx_err kx_licence_extract(const char *payload, size_t len, kx_licence_codes *out)
{
    if (!out || (!payload && len))
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (len > KX_LICENCE_MAX_PAYLOAD)
        return KX_ERR_TOO_LARGE;

    char text[KX_LICENCE_MAX_PAYLOAD + 1];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (payload[i] == '%' && i + 2 < len && kx_hex_value(payload[i + 1]) >= 0 &&
            kx_hex_value(payload[i + 2]) >= 0) {
            text[n++] =
                (char)(kx_hex_value(payload[i + 1]) * 16 + kx_hex_value(payload[i + 2]));
            i += 2;
        } else {
            text[n++] = payload[i];
        }
    }
    text[n] = '\0'; /* embedded NULs end nothing below: lengths are explicit */

    /* values after known keys: the first 18 characters, however long the run */
    for (int k = 0; licence_keys[k]; k++) {
        size_t klen = strlen(licence_keys[k]);
        for (size_t i = 0; i + klen + KX_USCC_LEN <= n; i++) {
            if (strncasecmp(text + i, licence_keys[k], klen) != 0)
                continue;
            if (i > 0 && is_alnum(text[i - 1])) /* "xcid=" is not "cid=" */
                continue;
            licence_consider(text + i + klen, out);
        }
    }
    /* anywhere: alphanumeric runs of exactly 18 characters */
    for (size_t i = 0; i < n;) {
        if (!is_alnum(text[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && is_alnum(text[j]))
            j++;
        if (j - i == KX_USCC_LEN)
            licence_consider(text + i, out);
        i = j;
    }
    return out->n_valid ? KX_OK : KX_ERR_NOT_FOUND;
}
