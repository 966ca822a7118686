/* SPDX-License-Identifier: MIT */
/* Fuzz target: the RA client's strict reply readers (every JSON shape the
 * RA returns: case (with a revocation), order (with its e-invoice link),
 * certificate, enterprise, an enterprise's certificate list, electronic
 * seals, health, error). */
#include <stddef.h>
#include <stdint.h>

#include "ra/ra_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_ra_parse_reply_any((const char *)data, size);
    return 0;
}
