/* SPDX-License-Identifier: MIT */
/*
 * skf_blob.c - GM/T 0016 blob (de)serialisers and SM2 DER conversions (see
 * skf_blob.h for the byte layouts). Never reads past the length it is
 * given; a minimal DER reader/writer for the two SEQUENCEs involved.
 */
#include "skf_blob.h"

#include <stdlib.h>
#include <string.h>

uint32_t kx_skf_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void kx_skf_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int blob_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* blob_coord_get - a right-aligned 64-byte field holding a 256-bit value */
static kx_err blob_coord_get(const uint8_t *field, uint8_t out[KX_SKF_SM2_LEN])
{
    if (!blob_zero(field, KX_SKF_COORD_LEN - KX_SKF_SM2_LEN))
        return KX_ERR_BAD_FORMAT;
    memcpy(out, field + KX_SKF_COORD_LEN - KX_SKF_SM2_LEN, KX_SKF_SM2_LEN);
    return KX_OK;
}

static void blob_coord_put(uint8_t *field, const uint8_t v[KX_SKF_SM2_LEN])
{
    memset(field, 0, KX_SKF_COORD_LEN - KX_SKF_SM2_LEN);
    memcpy(field + KX_SKF_COORD_LEN - KX_SKF_SM2_LEN, v, KX_SKF_SM2_LEN);
}

kx_err kx_skf_pub_parse(const uint8_t *b, size_t len, kx_skf_pair32 *out)
{
    if (!b || !out || len < KX_SKF_PUBBLOB_LEN || kx_skf_get_u32(b) != 256)
        return KX_ERR_BAD_FORMAT;
    if (blob_coord_get(b + 4, out->a) || blob_coord_get(b + 4 + KX_SKF_COORD_LEN, out->b))
        return KX_ERR_BAD_FORMAT;
    return KX_OK;
}

void kx_skf_pub_write(const kx_skf_pair32 *xy, uint8_t out[KX_SKF_PUBBLOB_LEN])
{
    kx_skf_put_u32(out, 256);
    blob_coord_put(out + 4, xy->a);
    blob_coord_put(out + 4 + KX_SKF_COORD_LEN, xy->b);
}

kx_err kx_skf_sig_parse(const uint8_t *b, size_t len, kx_skf_pair32 *out)
{
    if (!b || !out || len < KX_SKF_SIGBLOB_LEN)
        return KX_ERR_BAD_FORMAT;
    if (blob_coord_get(b, out->a) || blob_coord_get(b + KX_SKF_COORD_LEN, out->b))
        return KX_ERR_BAD_FORMAT;
    return KX_OK;
}

void kx_skf_sig_write(const kx_skf_pair32 *rs, uint8_t out[KX_SKF_SIGBLOB_LEN])
{
    blob_coord_put(out, rs->a);
    blob_coord_put(out + KX_SKF_COORD_LEN, rs->b);
}

/* ---- minimal DER ------------------------------------------------------ */

/* der_header - tag and length at *p (< end); *p moves to the contents */
static kx_err der_header(const uint8_t **p, const uint8_t *end, uint8_t tag, size_t *len)
{
    const uint8_t *q = *p;
    if (end - q < 2 || q[0] != tag)
        return KX_ERR_BAD_FORMAT;
    size_t n = q[1];
    q += 2;
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 2 || (size_t)(end - q) < k)
            return KX_ERR_BAD_FORMAT;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = n << 8 | *q++;
    }
    if ((size_t)(end - q) < n)
        return KX_ERR_BAD_FORMAT;
    *p = q;
    *len = n;
    return KX_OK;
}

/* der_uint32 - a non-negative INTEGER of at most 32 value bytes */
static kx_err der_uint32(const uint8_t **p, const uint8_t *end, uint8_t out[KX_SKF_SM2_LEN])
{
    size_t n;
    if (der_header(p, end, 0x02, &n) || n == 0 || ((*p)[0] & 0x80))
        return KX_ERR_BAD_FORMAT;
    const uint8_t *v = *p;
    *p += n;
    while (n > 0 && v[0] == 0) {
        v++;
        n--;
    }
    if (n > KX_SKF_SM2_LEN)
        return KX_ERR_BAD_FORMAT;
    memset(out, 0, KX_SKF_SM2_LEN - n);
    memcpy(out + KX_SKF_SM2_LEN - n, v, n);
    return KX_OK;
}

/* der_put_len - a DER length at out; returns the bytes written (<= 3) */
static size_t der_put_len(uint8_t *out, size_t n)
{
    if (n < 0x80) {
        out[0] = (uint8_t)n;
        return 1;
    }
    if (n < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
}

/* der_put_uint32 - INTEGER from a 32-byte big-endian value: out needs 35 */
static size_t der_put_uint32(uint8_t *out, const uint8_t v[KX_SKF_SM2_LEN])
{
    size_t skip = 0;
    while (skip < KX_SKF_SM2_LEN - 1 && v[skip] == 0)
        skip++;
    size_t n = KX_SKF_SM2_LEN - skip, pad = (v[skip] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, v + skip, n);
    return 2 + pad + n;
}

kx_err kx_skf_sig_to_der(const kx_skf_pair32 *rs, uint8_t *out, size_t outsz, size_t *out_len)
{
    uint8_t body[70];
    size_t n = der_put_uint32(body, rs->a);
    n += der_put_uint32(body + n, rs->b);
    if (!out || outsz < n + 2)
        return KX_ERR_TOO_LARGE;
    out[0] = 0x30;
    out[1] = (uint8_t)n;
    memcpy(out + 2, body, n);
    *out_len = n + 2;
    return KX_OK;
}

kx_err kx_skf_sig_from_der(const uint8_t *der, size_t len, kx_skf_pair32 *out)
{
    if (!der || !out)
        return KX_ERR_BAD_FORMAT;
    const uint8_t *p = der, *end = der + len;
    size_t n;
    if (der_header(&p, end, 0x30, &n) || p + n != end)
        return KX_ERR_BAD_FORMAT;
    if (der_uint32(&p, end, out->a) || der_uint32(&p, end, out->b) || p != end)
        return KX_ERR_BAD_FORMAT;
    return KX_OK;
}

kx_err kx_skf_cipher_parse(const uint8_t *b, size_t len, kx_skf_pair32 *c1, const uint8_t **c3,
                           const uint8_t **c2, size_t *c2_len)
{
    if (!b || len < KX_SKF_CIPHER_HDR_LEN)
        return KX_ERR_BAD_FORMAT;
    uint32_t n = kx_skf_get_u32(b + 160);
    if (n == 0 || n > KX_SKF_CIPHER_MAX || n > len - KX_SKF_CIPHER_HDR_LEN)
        return KX_ERR_BAD_FORMAT;
    if (blob_coord_get(b, c1->a) || blob_coord_get(b + KX_SKF_COORD_LEN, c1->b))
        return KX_ERR_BAD_FORMAT;
    *c3 = b + 128;
    *c2 = b + KX_SKF_CIPHER_HDR_LEN;
    *c2_len = n;
    return KX_OK;
}

kx_err kx_skf_cipher_write(const kx_skf_pair32 *c1, const uint8_t c3[32], const uint8_t *c2,
                           size_t c2_len, uint8_t *out, size_t outsz, size_t *out_len)
{
    if (c2_len == 0 || c2_len > KX_SKF_CIPHER_MAX || outsz < KX_SKF_CIPHER_HDR_LEN + c2_len)
        return KX_ERR_TOO_LARGE;
    blob_coord_put(out, c1->a);
    blob_coord_put(out + KX_SKF_COORD_LEN, c1->b);
    memcpy(out + 128, c3, 32);
    kx_skf_put_u32(out + 160, (uint32_t)c2_len);
    memcpy(out + KX_SKF_CIPHER_HDR_LEN, c2, c2_len);
    *out_len = KX_SKF_CIPHER_HDR_LEN + c2_len;
    return KX_OK;
}

kx_err kx_skf_cipher_from_der(const uint8_t *der, size_t len, uint8_t *out, size_t outsz,
                              size_t *out_len)
{
    if (!der || !out || !out_len)
        return KX_ERR_BAD_FORMAT;
    const uint8_t *p = der, *end = der + len;
    size_t n, hlen, clen;
    kx_skf_pair32 c1;
    if (der_header(&p, end, 0x30, &n) || p + n != end || der_uint32(&p, end, c1.a) ||
        der_uint32(&p, end, c1.b) || der_header(&p, end, 0x04, &hlen) || hlen != 32)
        return KX_ERR_BAD_FORMAT;
    const uint8_t *c3 = p;
    p += hlen;
    if (der_header(&p, end, 0x04, &clen) || p + clen != end)
        return KX_ERR_BAD_FORMAT;
    return kx_skf_cipher_write(&c1, c3, p, clen, out, outsz, out_len);
}

kx_err kx_skf_cipher_to_der(const uint8_t *b, size_t len, uint8_t **der, size_t *der_len)
{
    kx_skf_pair32 c1;
    const uint8_t *c3, *c2;
    size_t c2_len;
    kx_err rc = kx_skf_cipher_parse(b, len, &c1, &c3, &c2, &c2_len);
    if (rc)
        return rc;
    uint8_t ints[70];
    size_t ni = der_put_uint32(ints, c1.a);
    ni += der_put_uint32(ints + ni, c1.b);
    uint8_t h1[3], h2[3], hs[3];
    size_t l1 = der_put_len(h1, 32), l2 = der_put_len(h2, c2_len);
    size_t body = ni + 1 + l1 + 32 + 1 + l2 + c2_len;
    size_t ls = der_put_len(hs, body);
    uint8_t *o = malloc(1 + ls + body);
    if (!o)
        return KX_ERR_NO_MEMORY;
    size_t k = 0;
    o[k++] = 0x30;
    memcpy(o + k, hs, ls);
    k += ls;
    memcpy(o + k, ints, ni);
    k += ni;
    o[k++] = 0x04;
    memcpy(o + k, h1, l1);
    k += l1;
    memcpy(o + k, c3, 32);
    k += 32;
    o[k++] = 0x04;
    memcpy(o + k, h2, l2);
    k += l2;
    memcpy(o + k, c2, c2_len);
    k += c2_len;
    *der = o;
    *der_len = k;
    return KX_OK;
}

kx_err kx_skf_envelope_parse(const uint8_t *b, size_t len, kx_skf_envelope *out)
{
    if (!b || !out || len < KX_SKF_ENV_HDR_LEN + KX_SKF_CIPHER_HDR_LEN)
        return KX_ERR_BAD_FORMAT;
    memset(out, 0, sizeof(*out));
    out->version = kx_skf_get_u32(b);
    out->symm_alg = kx_skf_get_u32(b + 4);
    out->bits = kx_skf_get_u32(b + 8);
    if (out->version != 1 || out->symm_alg != KX_SKF_SGD_SM4_ECB || out->bits != 256)
        return KX_ERR_BAD_FORMAT;
    out->enc_priv = b + 12;
    if (kx_skf_pub_parse(b + 76, KX_SKF_PUBBLOB_LEN, &out->pub))
        return KX_ERR_BAD_FORMAT;
    kx_err rc = kx_skf_cipher_parse(b + KX_SKF_ENV_HDR_LEN, len - KX_SKF_ENV_HDR_LEN, &out->c1,
                                    &out->c3, &out->c2, &out->c2_len);
    if (rc || out->c2_len != 16)
        return KX_ERR_BAD_FORMAT;
    return KX_OK;
}

void kx_skf_envelope_write(const uint8_t enc_priv[64], const kx_skf_pair32 *pub,
                           const kx_skf_pair32 *c1, const uint8_t c3[32], const uint8_t c2[16],
                           uint8_t out[KX_SKF_ENV_LEN])
{
    size_t n;
    kx_skf_put_u32(out, 1);
    kx_skf_put_u32(out + 4, KX_SKF_SGD_SM4_ECB);
    kx_skf_put_u32(out + 8, 256);
    memcpy(out + 12, enc_priv, 64);
    kx_skf_pub_write(pub, out + 76);
    kx_skf_cipher_write(c1, c3, c2, 16, out + KX_SKF_ENV_HDR_LEN,
                        KX_SKF_ENV_LEN - KX_SKF_ENV_HDR_LEN, &n);
}

static void blob_text(char *dst, size_t dstsz, const uint8_t *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && src[i] && k + 1 < dstsz; i++)
        dst[k++] = (src[i] >= 0x20 && src[i] < 0x7f) || src[i] >= 0x80 ? (char)src[i] : '?';
    while (k > 0 && dst[k - 1] == ' ')
        k--;
    dst[k] = '\0';
}

kx_err kx_skf_devinfo_parse(const uint8_t *b, size_t len, kx_skf_devinfo *out)
{
    if (!b || !out || len < KX_SKF_DEVINFO_MIN)
        return KX_ERR_BAD_FORMAT;
    /* VERSION (2 bytes), Manufacturer[64], Issuer[64], Label[32], Serial[32] */
    blob_text(out->manufacturer, sizeof(out->manufacturer), b + 2, 64);
    blob_text(out->issuer, sizeof(out->issuer), b + 66, 64);
    blob_text(out->label, sizeof(out->label), b + 130, 32);
    blob_text(out->serial, sizeof(out->serial), b + 162, 32);
    return KX_OK;
}

kx_err kx_skf_namelist_next(const char *list, size_t len, size_t *pos, const char **name,
                            size_t *name_len)
{
    if (!list || !pos || *pos >= len || list[*pos] == '\0')
        return KX_ERR_NOT_FOUND;
    const char *s = list + *pos;
    const char *nul = memchr(s, '\0', len - *pos);
    if (!nul)
        return KX_ERR_BAD_FORMAT;
    *name = s;
    *name_len = (size_t)(nul - s);
    *pos += *name_len + 1;
    return KX_OK;
}
