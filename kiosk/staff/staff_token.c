/* SPDX-License-Identifier: MIT */
/*
 * staff_token.c - the cryptographic half of a staff UKEY login: the
 * certificate's digest that names the member, and the check that the
 * token's signature over a fresh challenge verifies under the
 * certificate's public key (OpenSSL). Holding a copy of the certificate
 * is therefore not enough: only the token with its private key signs.
 * Never sees a PIN (the token checks it).
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>

#include "staff.h"

void kx_staff_sha256_hex(const unsigned char *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    out[0] = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != sizeof md)
        return;
    for (size_t i = 0; i < sizeof md; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

kx_err kx_staff_verify_signature(const unsigned char *cert_der, size_t cert_len, time_t now,
                                 const unsigned char *data, size_t len,
                                 const unsigned char *sig, size_t sig_len)
{
    if (!cert_der || !data || !sig || !sig_len)
        return KX_ERR_INVALID_ARG;
    const unsigned char *p = cert_der;
    X509 *x = d2i_X509(NULL, &p, (long)cert_len);
    if (!x) {
        kx_err_set_detail("staff token: the certificate does not parse");
        return KX_ERR_BAD_FORMAT;
    }
    kx_err rc = KX_OK;
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY *key = X509_get0_pubkey(x);
    time_t t = now;
    if (X509_cmp_time(X509_get0_notBefore(x), &t) > 0 ||
        X509_cmp_time(X509_get0_notAfter(x), &t) < 0) {
        kx_err_set_detail("staff token: the certificate is not valid now");
        rc = KX_ERR_EXPIRED;
        goto out;
    }
    ctx = EVP_MD_CTX_new();
    if (!key || !ctx) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestVerify(ctx, sig, sig_len, data, len) != 1) {
        kx_err_set_detail("staff token: the signature does not verify under the certificate");
        rc = KX_ERR_CHECK_FAILED;
    }
out:
    EVP_MD_CTX_free(ctx);
    X509_free(x);
    return rc;
}
