/* SPDX-License-Identifier: MIT */
/*
 * token_cert.c - X.509 work every back-end shares (internal to
 * drivers/token): what a certificate on a token shows (subject, company,
 * credit code, issuer, serial, validity, key type, usage) and the PKCS#10
 * request built around a signature the token makes.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends.h"
#include "core/str.h"

static void cert_name_entry(X509_NAME *name, int nid, char *out, size_t outsz)
{
    out[0] = '\0';
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0)
        return;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char *u = NULL;
    int len = ASN1_STRING_to_UTF8(&u, s);
    if (len >= 0) {
        snprintf(out, outsz, "%.*s", len, (const char *)u);
        OPENSSL_free(u);
    }
}

static void cert_name_text(X509_NAME *name, char *out, size_t outsz)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int n = BIO_read(b, out, (int)outsz - 1);
    out[n > 0 ? n : 0] = '\0';
    BIO_free(b);
}

static time_t cert_asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return timegm(&tm);
}

void kx_token_hex(const unsigned char *b, size_t n, char *out, size_t outsz)
{
    static const char hx[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < outsz; i++) {
        out[k++] = hx[b[i] >> 4];
        out[k++] = hx[b[i] & 15];
    }
    out[k] = '\0';
}

void kx_token_cert_fill(X509 *x, kx_token_cert *c)
{
    X509_NAME *subj = X509_get_subject_name(x);
    cert_name_text(subj, c->subject, sizeof(c->subject));
    cert_name_text(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
    cert_name_entry(subj, NID_organizationName, c->company, sizeof(c->company));
    cert_name_entry(subj, NID_serialNumber, c->credit_code, sizeof(c->credit_code));
    if (!c->credit_code[0]) {
        char orgid[64];
        cert_name_entry(subj, NID_organizationIdentifier, orgid, sizeof(orgid));
        /* ETSI EN 319 412-1 form "NTRCN-<code>" */
        kx_strlcpy(c->credit_code, strncmp(orgid, "NTRCN-", 6) == 0 ? orgid + 6 : orgid,
                   sizeof(c->credit_code));
    }
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    kx_strlcpy(c->serial_hex, hex ? hex : "", sizeof(c->serial_hex));
    OPENSSL_free(hex);
    BN_free(bn);
    c->not_before = cert_asn1_time(X509_get0_notBefore(x));
    c->not_after = cert_asn1_time(X509_get0_notAfter(x));
    time_t now = time(NULL);
    c->days_left = (long)((c->not_after - now) / 86400);
    if (c->not_after < now && (c->not_after - now) % 86400)
        c->days_left--;
    EVP_PKEY *pk = X509_get0_pubkey(x);
    char group[16] = "";
    if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL);
    c->key_type = pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA ? KX_KEY_RSA_2048
                  : strcmp(group, "SM2") == 0                    ? KX_KEY_SM2
                                                                 : KX_KEY_EC_P256;
    /* an encryption-only key usage marks the encryption certificate */
    uint32_t ku = X509_get_key_usage(x);
    c->usage = ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) &&
                       (ku & (KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT | KU_KEY_AGREEMENT))
                   ? KX_CERT_USAGE_ENCRYPT
                   : KX_CERT_USAGE_SIGN;
}

/* cert_pem_of_req - the request as PEM, malloc'd */
static kx_err cert_pem_of_req(X509_REQ *req, char **pem)
{
    BIO *bio = BIO_new(BIO_s_mem());
    kx_err rc = KX_ERR_INTERNAL;
    if (bio && PEM_write_bio_X509_REQ(bio, req) == 1) {
        char *data;
        long n = BIO_get_mem_data(bio, &data);
        rc = (*pem = malloc((size_t)n + 1)) ? KX_OK : KX_ERR_NO_MEMORY;
        if (!rc) {
            memcpy(*pem, data, (size_t)n);
            (*pem)[n] = '\0';
        }
    }
    BIO_free(bio);
    return rc;
}

kx_err kx_token_csr_build(EVP_PKEY *pk, const char *company, const char *credit_code,
                          const char *common_name, kx_token_tbs_sign sign, void *arg,
                          char **csr_pem)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_BIT_STRING *bits = NULL;
    ASN1_OCTET_STRING *distid = NULL;
    unsigned char *tbs = NULL, *sig = NULL;
    size_t sig_len = 0;
    char group[16] = "";
    int base = EVP_PKEY_get_base_id(pk);
    if (base != EVP_PKEY_RSA)
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL);
    int sm2 = strcmp(group, "SM2") == 0;
    kx_err rc = KX_ERR_INTERNAL;
    if (!req || !name || !alg)
        goto out;
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, (const unsigned char *)"CN", -1, -1,
                               0);
    if (company && *company)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)company, -1,
                                   -1, 0);
    if (credit_code && *credit_code)
        X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_UTF8,
                                   (const unsigned char *)credit_code, -1, -1, 0);
    if (common_name && *common_name)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)common_name, -1, -1, 0);
    if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
        !X509_REQ_set_pubkey(req, pk))
        goto out;
    if (sm2)
        X509_ALGOR_set0(alg, OBJ_nid2obj(NID_SM2_with_SM3), V_ASN1_UNDEF, NULL);
    else if (base == EVP_PKEY_EC)
        X509_ALGOR_set0(alg, OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, NULL);
    else
        X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256WithRSAEncryption), V_ASN1_NULL, NULL);
    X509_REQ_set1_signature_algo(req, alg);
    int tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
    if (tbs_len <= 0)
        goto out;
    if ((rc = sign(arg, tbs, (size_t)tbs_len, &sig, &sig_len)))
        goto out;
    rc = KX_ERR_INTERNAL;
    bits = ASN1_BIT_STRING_new();
    if (!bits || !ASN1_BIT_STRING_set(bits, sig, (int)sig_len))
        goto out;
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req, bits);
    bits = NULL;
    if (sm2) {
        /* SM2 signatures are over Z with the default user ID (GM/T 0009) */
        distid = ASN1_OCTET_STRING_new();
        if (!distid || !ASN1_OCTET_STRING_set(distid, KX_TOKEN_SM2_ID, 16))
            goto out;
        X509_REQ_set0_distinguishing_id(req, distid);
        distid = NULL;
    }
    /* the token's signature must verify under the public key it claims */
    if (X509_REQ_verify(req, pk) != 1) {
        kx_err_set_detail("CSR signature made on the token does not verify");
        rc = KX_ERR_TOKEN;
        goto out;
    }
    rc = cert_pem_of_req(req, csr_pem);
out:
    ASN1_BIT_STRING_free(bits);
    ASN1_OCTET_STRING_free(distid);
    X509_ALGOR_free(alg);
    X509_NAME_free(name);
    OPENSSL_free(tbs);
    free(sig);
    X509_REQ_free(req);
    return rc;
}
