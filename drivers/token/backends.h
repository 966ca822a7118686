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
/* kx_token_hex - lower-case hex of b into out (truncated to outsz). */
void kx_token_hex(const unsigned char *b, size_t n, char *out, size_t outsz);

#endif
