/* SPDX-License-Identifier: MIT */
/* Fuzz target: credit code, ID number and licence payload parsers. */
#include <stddef.h>
#include <stdint.h>

#include "domain/idnum.h"
#include "domain/licence.h"
#include "domain/uscc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_uscc_info u;
    kx_idnum_info id;
    kx_licence_codes codes;
    kx_uscc_check_n((const char *)data, size, &u);
    kx_idnum_check_n((const char *)data, size, &id);
    kx_licence_extract((const char *)data, size, &codes);
    return 0;
}
