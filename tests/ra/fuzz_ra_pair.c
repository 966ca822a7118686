/* SPDX-License-Identifier: MIT */
/* Fuzz target: the RA client's issuance reply reader for certificate pairs
 * (sm2-dual: signing and encryption certificates, the enveloped key in
 * base64) and the GM/T 0016 ENVELOPEDKEYBLOB parser on raw bytes. */
#include <stddef.h>
#include <stdint.h>

#include "ra/ra_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_ra_parse_pair_reply_any(data, size);
    return 0;
}
