/* SPDX-License-Identifier: MIT */
/*
 * backends.h - the token back-ends built in (internal to drivers/token).
 */
#ifndef KX_DRIVERS_TOKEN_BACKENDS_H
#define KX_DRIVERS_TOKEN_BACKENDS_H

#include "token.h"

extern const kx_token_ops kx_token_pkcs11_ops;

#endif
