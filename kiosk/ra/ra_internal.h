/* SPDX-License-Identifier: MIT */
/*
 * ra_internal.h - entry points of the RA client for its own tests and fuzz
 * targets. Not for the engine: use ra.h.
 */
#ifndef KX_RA_INTERNAL_H
#define KX_RA_INTERNAL_H

#include <stddef.h>

#include "ra/ra.h"

/*
 * kx_ra_parse_reply_any - run every strict reply reader of the client
 * (case, order, certificate, enterprise, certificate list, seals, health,
 * error) on one reply body,
 * as if the RA had sent it. Returns KX_OK when at least one reader accepted
 * it, KX_ERR_RA_BAD_REPLY otherwise. Never crashes on any input (fuzzed).
 */
kx_err kx_ra_parse_reply_any(const char *body, size_t len);

/*
 * kx_ra_parse_pair_reply_any - the issuance reply reader of kx_ra_cert_*_pair
 * (certificates, the SM2 pair, the enveloped key) on one reply body, and
 * kx_ra_enveloped_key_parse on the raw bytes. KX_OK when either accepted
 * its input. Never crashes on any input (fuzzed).
 */
kx_err kx_ra_parse_pair_reply_any(const unsigned char *body, size_t len);

#endif
