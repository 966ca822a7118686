/* SPDX-License-Identifier: MIT */
/*
 * dn.c - RFC 4514 distinguished-name strings: find one attribute and
 * unescape its value (dn.h).
 */
#include "dn.h"

#include <string.h>
#include <strings.h>

#include "hex.h"

/* a value being written into the caller's buffer */
typedef struct dn_out {
    char *buf;
    size_t n, len;
    int overflow;
} dn_out;

static void dn_put(dn_out *o, unsigned char c)
{
    if (o->len + 1 < o->n)
        o->buf[o->len++] = (char)c;
    else
        o->overflow = 1;
}

static int dn_special(char c)
{
    return strchr("\"+,;<>\\#= ", c) != NULL;
}

/* valid UTF-8 without control characters */
static int dn_text_ok(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t more = 9;
        if (c < 0x80)
            more = 0;
        else if ((c & 0xe0) == 0xc0)
            more = 1;
        else if ((c & 0xf0) == 0xe0)
            more = 2;
        else if ((c & 0xf8) == 0xf0)
            more = 3;
        if (more == 9 || i + more >= len || c < 0x20 || c == 0x7f || c == 0xc0 || c == 0xc1 ||
            c > 0xf4)
            return 0;
        for (size_t k = 1; k <= more; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        i += more + 1;
    }
    return 1;
}

/* "#0C05..." (at s, len characters): a BER string of a text type */
static kx_err dn_ber_value(const char *s, size_t len, dn_out *o)
{
    unsigned char der[512];
    size_t m = 0;
    if (len < 5 || (len - 1) % 2 || (len - 1) / 2 > sizeof der)
        return KX_ERR_BAD_FORMAT;
    for (size_t i = 1; i < len; i += 2) {
        int hi = kx_hex_value(s[i]), lo = kx_hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return KX_ERR_BAD_FORMAT;
        der[m++] = (unsigned char)(hi << 4 | lo);
    }
    /* tag, then a short or one/two-byte long length */
    size_t at = 2, body = der[1];
    if (der[1] == 0x81 && m >= 3) {
        body = der[2];
        at = 3;
    } else if (der[1] == 0x82 && m >= 4) {
        body = (size_t)der[2] << 8 | der[3];
        at = 4;
    } else if (der[1] & 0x80) {
        return KX_ERR_BAD_FORMAT;
    }
    if (at + body != m)
        return KX_ERR_BAD_FORMAT;
    if (der[0] != 0x0c && der[0] != 0x13 && der[0] != 0x16 && der[0] != 0x14)
        return KX_ERR_BAD_FORMAT; /* not a text string */
    for (size_t i = at; i < m; i++)
        dn_put(o, der[i]);
    return KX_OK;
}

/* the escaped string value at *pp up to an unescaped ',' '+' ';' or the
 * end; *pp moves past it */
static kx_err dn_string_value(const char **pp, dn_out *o, int keep)
{
    const char *p = *pp;
    while (*p && *p != ',' && *p != '+' && *p != ';') {
        if (*p != '\\') {
            if (keep)
                dn_put(o, (unsigned char)*p);
            p++;
            continue;
        }
        int hi = kx_hex_value(p[1]), lo = hi >= 0 ? kx_hex_value(p[2]) : -1;
        if (hi >= 0 && lo >= 0) {
            if (keep)
                dn_put(o, (unsigned char)(hi << 4 | lo));
            p += 3;
        } else if (p[1] && dn_special(p[1])) {
            if (keep)
                dn_put(o, (unsigned char)p[1]);
            p += 2;
        } else {
            return KX_ERR_BAD_FORMAT;
        }
    }
    *pp = p;
    return KX_OK;
}

/* type (len characters, a name or an OID, "OID." allowed) names want */
static int dn_type_is(const char *type, size_t len, const char *want)
{
    static const struct {
        const char *name, *oid;
    } oids[] = {{"CN", "2.5.4.3"}, {"O", "2.5.4.10"}, {"OU", "2.5.4.11"},
                {"C", "2.5.4.6"},  {"L", "2.5.4.7"},  {"ST", "2.5.4.8"}};
    if (strlen(want) == len && strncasecmp(type, want, len) == 0)
        return 1;
    if (len > 4 && strncasecmp(type, "OID.", 4) == 0) {
        type += 4;
        len -= 4;
    }
    for (size_t i = 0; i < sizeof oids / sizeof oids[0]; i++)
        if (strcasecmp(want, oids[i].name) == 0 && strlen(oids[i].oid) == len &&
            strncmp(type, oids[i].oid, len) == 0)
            return 1;
    return 0;
}

kx_err kx_dn_attr(const char *dn, const char *type, char *out, size_t n)
{
    kx_err rc = KX_ERR_NOT_FOUND;
    if (!out || n == 0)
        return KX_ERR_INVALID_ARG;
    out[0] = 0;
    if (!dn || !type || !*type)
        return KX_ERR_INVALID_ARG;
    dn_out o = {.buf = out, .n = n};
    const char *p = dn;
    int found = 0;
    while (*p && !found) {
        while (*p == ' ')
            p++;
        const char *t = p;
        while (*p && *p != '=' && *p != ',' && *p != '+')
            p++;
        if (*p != '=' || p == t) {
            rc = KX_ERR_BAD_FORMAT;
            break;
        }
        size_t tlen = (size_t)(p - t);
        while (tlen > 0 && t[tlen - 1] == ' ')
            tlen--;
        p++;
        found = dn_type_is(t, tlen, type);
        if (*p == '#') {
            const char *v = p;
            while (*p && *p != ',' && *p != '+' && *p != ';')
                p++;
            if (found)
                rc = dn_ber_value(v, (size_t)(p - v), &o);
        } else {
            kx_err vrc = dn_string_value(&p, &o, found);
            if (vrc || found)
                rc = vrc;
        }
        if (rc && rc != KX_ERR_NOT_FOUND)
            break;
        if (*p)
            p++; /* the separator */
    }
    if (!rc && o.overflow)
        rc = KX_ERR_TOO_LARGE;
    if (!rc && !dn_text_ok((const unsigned char *)out, o.len))
        rc = KX_ERR_BAD_FORMAT;
    if (!rc && found)
        out[o.len] = 0;
    else
        out[0] = 0;
    if (!rc && !found)
        rc = KX_ERR_NOT_FOUND;
    return rc;
}
