/* SPDX-License-Identifier: MIT */
/*
 * seal.c - ra-sim's electronic seal maker: turns a case's accepted seal
 * images into electronic seals (电子印章) bound to the case's certificate,
 * in the SES_Seal structure of GM/T 0031 as revised by GB/T 38540-2020
 * (header version 4, the holder's certificate given by its digest):
 *
 *   SESeal ::= SEQUENCE {
 *     eSealInfo   SES_SealInfo,
 *     cert        OCTET STRING,        -- the seal maker's certificate (DER)
 *     signAlgID   OBJECT IDENTIFIER,   -- 1.2.156.10197.1.501 SM2-with-SM3,
 *                                      -- or 1.2.840.10045.4.3.2 ECDSA-SHA256
 *     signedValue BIT STRING }         -- signature over DER(eSealInfo)
 *   SES_SealInfo ::= SEQUENCE {
 *     header   SES_Header { ID IA5String "ES", version INTEGER 4, Vid IA5String },
 *     esID     IA5String,
 *     property SES_ESPropertyInfo {
 *       type INTEGER (1 an organisation's official seal, 2 a personal seal or
 *       signature), name UTF8String, certListType INTEGER (2: digests),
 *       certList SEQUENCE OF CertDigestObj { type PrintableString ("sm3" or
 *       "sha256"), value OCTET STRING },
 *       createDate, validStart, validEnd GeneralizedTime },
 *     picture  SES_ESPictrueInfo { type IA5String ("png"/"jpg"), data OCTET
 *              STRING, width INTEGER, height INTEGER (millimetres) } }
 *
 * The structures are OpenSSL ASN.1 templates; the seal maker's keys are
 * seal-sm2 (for sm2-dual cases, under the SM2 CA) and seal-ec (otherwise).
 */
#include <math.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/safestack.h>
#include <string.h>

#include "sim.h"

typedef struct ses_header {
    ASN1_IA5STRING *id;
    ASN1_INTEGER *version;
    ASN1_IA5STRING *vid;
} SES_HEADER;

typedef struct ses_cert_digest {
    ASN1_PRINTABLESTRING *type;
    ASN1_OCTET_STRING *value;
} SES_CERT_DIGEST;

DEFINE_STACK_OF(SES_CERT_DIGEST)

typedef struct ses_property {
    ASN1_INTEGER *type;
    ASN1_UTF8STRING *name;
    ASN1_INTEGER *cert_list_type;
    STACK_OF(SES_CERT_DIGEST) * cert_list;
    ASN1_GENERALIZEDTIME *create_date;
    ASN1_GENERALIZEDTIME *valid_start;
    ASN1_GENERALIZEDTIME *valid_end;
} SES_PROPERTY;

typedef struct ses_picture {
    ASN1_IA5STRING *type;
    ASN1_OCTET_STRING *data;
    ASN1_INTEGER *width;
    ASN1_INTEGER *height;
} SES_PICTURE;

typedef struct ses_seal_info {
    SES_HEADER *header;
    ASN1_IA5STRING *es_id;
    SES_PROPERTY *property;
    SES_PICTURE *picture;
} SES_SEAL_INFO;

typedef struct ses_seal {
    SES_SEAL_INFO *info;
    ASN1_OCTET_STRING *cert;
    ASN1_OBJECT *sign_alg;
    ASN1_BIT_STRING *signed_value;
} SES_SEAL;

ASN1_SEQUENCE(SES_HEADER) =
    {
        ASN1_SIMPLE(SES_HEADER, id, ASN1_IA5STRING),
        ASN1_SIMPLE(SES_HEADER, version, ASN1_INTEGER),
        ASN1_SIMPLE(SES_HEADER, vid, ASN1_IA5STRING),
} static_ASN1_SEQUENCE_END(SES_HEADER)

        ASN1_SEQUENCE(SES_CERT_DIGEST) =
            {
                ASN1_SIMPLE(SES_CERT_DIGEST, type, ASN1_PRINTABLESTRING),
                ASN1_SIMPLE(SES_CERT_DIGEST, value, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(SES_CERT_DIGEST)

                ASN1_SEQUENCE(SES_PROPERTY) =
                    {
                        ASN1_SIMPLE(SES_PROPERTY, type, ASN1_INTEGER),
                        ASN1_SIMPLE(SES_PROPERTY, name, ASN1_UTF8STRING),
                        ASN1_SIMPLE(SES_PROPERTY, cert_list_type, ASN1_INTEGER),
                        ASN1_SEQUENCE_OF(SES_PROPERTY, cert_list, SES_CERT_DIGEST),
                        ASN1_SIMPLE(SES_PROPERTY, create_date, ASN1_GENERALIZEDTIME),
                        ASN1_SIMPLE(SES_PROPERTY, valid_start, ASN1_GENERALIZEDTIME),
                        ASN1_SIMPLE(SES_PROPERTY, valid_end, ASN1_GENERALIZEDTIME),
} static_ASN1_SEQUENCE_END(SES_PROPERTY)

                        ASN1_SEQUENCE(SES_PICTURE) =
                            {
                                ASN1_SIMPLE(SES_PICTURE, type, ASN1_IA5STRING),
                                ASN1_SIMPLE(SES_PICTURE, data, ASN1_OCTET_STRING),
                                ASN1_SIMPLE(SES_PICTURE, width, ASN1_INTEGER),
                                ASN1_SIMPLE(SES_PICTURE, height, ASN1_INTEGER),
} static_ASN1_SEQUENCE_END(SES_PICTURE)

                                ASN1_SEQUENCE(SES_SEAL_INFO) =
                                    {
                                        ASN1_SIMPLE(SES_SEAL_INFO, header, SES_HEADER),
                                        ASN1_SIMPLE(SES_SEAL_INFO, es_id, ASN1_IA5STRING),
                                        ASN1_SIMPLE(SES_SEAL_INFO, property, SES_PROPERTY),
                                        ASN1_SIMPLE(SES_SEAL_INFO, picture, SES_PICTURE),
} static_ASN1_SEQUENCE_END(SES_SEAL_INFO)

                                        ASN1_SEQUENCE(SES_SEAL) =
                                            {
                                                ASN1_SIMPLE(SES_SEAL, info, SES_SEAL_INFO),
                                                ASN1_SIMPLE(SES_SEAL, cert, ASN1_OCTET_STRING),
                                                ASN1_SIMPLE(SES_SEAL, sign_alg, ASN1_OBJECT),
                                                ASN1_SIMPLE(SES_SEAL, signed_value,
                                                            ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(SES_SEAL)

                                                static int seal_str(ASN1_STRING * dst,
                                                                    const void *data,
                                                                    size_t len)
{
    return len <= 0x7fffffff && ASN1_STRING_set(dst, data, (int)len) == 1;
}

static int seal_time(ASN1_GENERALIZEDTIME *t, int64_t when)
{
    return ASN1_GENERALIZEDTIME_set(t, (time_t)when) != NULL;
}

/* A BIT STRING of whole bytes (0 unused bits; OpenSSL would otherwise drop
 * trailing zero bytes). */
static int seal_bits(ASN1_BIT_STRING *bs, const unsigned char *data, size_t len)
{
    if (!seal_str(bs, data, len))
        return 0;
    bs->flags &= ~(long)0x07;
    bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    return 1;
}

/* The digest of the holder's certificate: SM3 for an SM2 seal, else
 * SHA-256. */
static int seal_cert_digest(SES_PROPERTY *pr, const unsigned char *cert_der, size_t cert_len,
                            int sm2)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    SES_CERT_DIGEST *d = (SES_CERT_DIGEST *)ASN1_item_new(ASN1_ITEM_rptr(SES_CERT_DIGEST));
    const char *name = sm2 ? "sm3" : "sha256";
    int ok =
        d &&
        EVP_Digest(cert_der, cert_len, md, &mdlen, sm2 ? EVP_sm3() : EVP_sha256(), NULL) == 1 &&
        seal_str(d->type, name, strlen(name)) && seal_str(d->value, md, mdlen) &&
        sk_SES_CERT_DIGEST_push(pr->cert_list, d) > 0;
    if (!ok)
        ASN1_item_free((ASN1_VALUE *)d, ASN1_ITEM_rptr(SES_CERT_DIGEST));
    return ok;
}

int seal_make(sim *s, const seal_input *in, unsigned char **der_out, size_t *der_len_out)
{
    *der_out = NULL;
    *der_len_out = 0;
    int sm2 = in->sm2;
    EVP_PKEY *key = s->pki.seal_key[sm2 ? 1 : 0];
    X509 *maker = s->pki.seal_cert[sm2 ? 1 : 0];
    SES_SEAL *seal = (SES_SEAL *)ASN1_item_new(ASN1_ITEM_rptr(SES_SEAL));
    unsigned char *maker_der = NULL, *tbs = NULL, *out = NULL, sig[256];
    size_t sig_len = sizeof sig;
    int maker_len = maker ? i2d_X509(maker, &maker_der) : -1;
    EVP_MD_CTX *md = NULL;
    int ok = seal && maker_len > 0;
    if (ok) {
        SES_SEAL_INFO *i = seal->info;
        SES_PROPERTY *pr = i->property;
        ok = seal_str(i->header->id, "ES", 2) && ASN1_INTEGER_set(i->header->version, 4) &&
             seal_str(i->header->vid, "RASIM", 5) &&
             seal_str(i->es_id, in->es_id, strlen(in->es_id)) &&
             ASN1_INTEGER_set(pr->type, in->type) &&
             seal_str(pr->name, in->name, strlen(in->name)) &&
             ASN1_INTEGER_set(pr->cert_list_type, 2) &&
             seal_cert_digest(pr, in->cert_der, in->cert_len, sm2) &&
             seal_time(pr->create_date, in->created) &&
             seal_time(pr->valid_start, in->valid_start) &&
             seal_time(pr->valid_end, in->valid_end) &&
             seal_str(i->picture->type, in->picture_type, strlen(in->picture_type)) &&
             seal_str(i->picture->data, in->picture, in->picture_len) &&
             ASN1_INTEGER_set(i->picture->width, (long)lround(in->width_mm)) &&
             ASN1_INTEGER_set(i->picture->height, (long)lround(in->height_mm)) &&
             seal_str(seal->cert, maker_der, (size_t)maker_len);
    }
    ASN1_OBJECT_free(seal ? seal->sign_alg : NULL);
    if (seal)
        seal->sign_alg = OBJ_nid2obj(sm2 ? NID_SM2_with_SM3 : NID_ecdsa_with_SHA256);
    int tbs_len =
        ok ? ASN1_item_i2d((ASN1_VALUE *)seal->info, &tbs, ASN1_ITEM_rptr(SES_SEAL_INFO)) : -1;
    ok = ok && seal->sign_alg && tbs_len > 0 && (md = pki_sign_ctx(key)) != NULL &&
         EVP_DigestSign(md, sig, &sig_len, tbs, (size_t)tbs_len) == 1 &&
         seal_bits(seal->signed_value, sig, sig_len);
    int len = ok ? ASN1_item_i2d((ASN1_VALUE *)seal, &out, ASN1_ITEM_rptr(SES_SEAL)) : -1;
    if (len > 0) {
        *der_out = malloc((size_t)len);
        if (*der_out) {
            memcpy(*der_out, out, (size_t)len);
            *der_len_out = (size_t)len;
        }
    }
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    OPENSSL_free(out);
    OPENSSL_free(tbs);
    OPENSSL_free(maker_der);
    ASN1_item_free((ASN1_VALUE *)seal, ASN1_ITEM_rptr(SES_SEAL));
    return *der_out ? 0 : -1;
}
