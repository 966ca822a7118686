/* SPDX-License-Identifier: MIT */
/*
 * token_cert.c - what every back-end shows of a certificate on a token:
 * subject, company, credit code, issuer, serial, validity, key type and
 * usage, read from the X.509 certificate alone (internal to drivers/token).
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
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
