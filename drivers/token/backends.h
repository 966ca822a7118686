/* SPDX-License-Identifier: MIT */
/*
 * backends.h - the token back-ends built in (internal to drivers/token).
 */
#ifndef KX_DRIVERS_TOKEN_BACKENDS_H
#define KX_DRIVERS_TOKEN_BACKENDS_H

#include <openssl/x509.h>

#include "token.h"

extern const kx_token_ops kx_token_pkcs11_ops;
extern const kx_token_ops kx_token_skf_ops;

/* kx_token_cert_fill - the fields of c that the certificate x gives
 * (token_cert.c); id, label, der and has_private_key are the caller's. */
void kx_token_cert_fill(X509 *x, kx_token_cert *c);
/* The default SM2 user ID (GM/T 0009), 16 bytes, no NUL used. */
#define KX_TOKEN_SM2_ID ((const unsigned char *)"1234567812345678")

/* kx_token_tbs_sign - the back-end signs tbs with the request's key: a DER
 * ECDSA / SM2 signature or PKCS#1 v1.5 (SHA-256; SM2: SM3 over Z || tbs),
 * *sig malloc'd. */
typedef kx_err (*kx_token_tbs_sign)(void *arg, const unsigned char *tbs, size_t len,
                                    unsigned char **sig, size_t *sig_len);

/* kx_token_csr_build - PKCS#10 request for public key pk (EC P-256, RSA or
 * SM2), subject C=CN, O, serialNumber, CN, signed by `sign` (SHA-256 with
 * ECDSA or RSA; SM2-with-SM3 for SM2) and checked to verify (SM2: with the
 * default ID) before it is returned as PEM in *csr_pem (malloc'd). */
kx_err kx_token_csr_build(EVP_PKEY *pk, const char *company, const char *credit_code,
                          const char *common_name, kx_token_tbs_sign sign, void *arg,
                          char **csr_pem);

/* kx_token_hex - lower-case hex of b into out (truncated to outsz). */
void kx_token_hex(const unsigned char *b, size_t n, char *out, size_t outsz);

#endif
