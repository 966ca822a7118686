/* SPDX-License-Identifier: MIT */
/* Fuzz target: ID reader frame parser (any byte stream, any split) and the
 * base-message text decoder. */
#include <stdint.h>
#include <string.h>

#include "idcard/idcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kx_ga467_parser p;
    static kx_ga467_frame f;
    memset(&p, 0, sizeof(p));
    size_t split = size ? data[0] % 17 + 1 : 1;
    for (size_t off = 0; off < size; off += split) {
        size_t n = size - off < split ? size - off : split;
        kx_ga467_feed(&p, data + off, n);
        while (kx_ga467_next(&p, &f) != KX_ERR_NOT_FOUND)
            ;
    }
    if (size >= 256) {
        kx_idcard card;
        memset(&card, 0, sizeof(card));
        kx_idcard_decode_text(data, &card);
    }
    return 0;
}
