/* SPDX-License-Identifier: MIT */
/*
 * certinfo.c - the summary of an X.509 certificate the screens show:
 * company (O, else CN), credit code (serialNumber, else
 * organizationIdentifier "NTRCN-..."), serial (lower-case hex), subject
 * (RFC 2253) and expiry. OpenSSL; no I/O.
 */
#include "certinfo.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

#include "core/str.h"

static void name_entry(X509_NAME *name, int nid, char *out, size_t outsz)
{
    out[0] = 0;
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0)
        return;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n >= 0) {
        size_t len = (size_t)n < outsz - 1 ? (size_t)n : outsz - 1;
        memcpy(out, utf8, len);
        out[len] = 0;
    }
    OPENSSL_free(utf8);
}

kx_err kx_certinfo_parse(const unsigned char *data, size_t len, int64_t now, kx_certinfo *out)
{
    memset(out, 0, sizeof *out);
    X509 *x = NULL;
    const unsigned char *p = data;
    if (len > 10 && memcmp(data, "-----BEGIN", 10) == 0) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        x = d2i_X509(NULL, &p, (long)len);
    }
    if (!x) {
        kx_err_set_detail("not an X.509 certificate");
        return KX_ERR_BAD_FORMAT;
    }
    X509_NAME *subj = X509_get_subject_name(x);
    name_entry(subj, NID_organizationName, out->company, sizeof out->company);
    if (!out->company[0])
        name_entry(subj, NID_commonName, out->company, sizeof out->company);
    name_entry(subj, NID_serialNumber, out->uscc, sizeof out->uscc);
    if (!out->uscc[0]) {
        char oi[64];
        int nid = OBJ_txt2nid("2.5.4.97"); /* organizationIdentifier */
        if (nid != NID_undef) {
            name_entry(subj, nid, oi, sizeof oi);
            if (strncmp(oi, "NTRCN-", 6) == 0)
                kx_strlcpy(out->uscc, oi + 6, sizeof out->uscc);
        }
    }
    BIO *mb = BIO_new(BIO_s_mem());
    if (mb) {
        X509_NAME_print_ex(mb, subj, 0, XN_FLAG_RFC2253);
        int n = BIO_read(mb, out->subject, (int)sizeof out->subject - 1);
        out->subject[n > 0 ? n : 0] = 0;
        BIO_free(mb);
    }
    const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
    BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex) {
        size_t i = 0;
        for (; hex[i] && i < sizeof out->serial - 1; i++)
            out->serial[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] + 32 : hex[i]);
        out->serial[i] = 0;
    }
    OPENSSL_free(hex);
    BN_free(bn);
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) == 1)
        strftime(out->not_before_text, sizeof out->not_before_text, "%Y-%m-%d", &tm);
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) {
        out->not_after = (int64_t)timegm(&tm);
        strftime(out->not_after_text, sizeof out->not_after_text, "%Y-%m-%d", &tm);
        int64_t diff = out->not_after - now;
        out->days_left = (long)(diff >= 0 ? diff / 86400 : -((-diff + 86399) / 86400));
    }
    X509_free(x);
    return KX_OK;
}
