/* SPDX-License-Identifier: MIT */
/*
 * fuzz_parse_reply.c - libFuzzer target for kioskd's readers of the parsing
 * helper's replies (kiosk/sandbox/parse_proto.c): whatever a helper taken
 * over by its input sends, the reader refuses it or returns a result within
 * range, without a crash or a leak. The first byte picks the reader (image,
 * licence, seal sheet, ID card text, card crop, document check); the rest
 * is the reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/parse_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kx_rbuf r = {data + 1, size - 1, 0, 0};
    /* the first byte picks the reader: 0xf0.. the card crop (later),
     * 0xe0..0xef the document check */
    switch (data[0] >= 0xf0 ? 4 : data[0] >= 0xe0 ? 5 : data[0] % 4) {
    case 0: {
        kx_image *img = NULL;
        if (kx_rbuf_image(&r, &img) == KX_OK &&
            (img->width < 1 || img->width > KX_IMAGE_MAX_SIDE || img->channels == 2))
            abort();
        kx_image_free(img);
        break;
    }
    case 1: {
        kx_licence_qr *q = malloc(sizeof *q);
        if (q && kx_parse_get_licence(&r, q) == KX_OK &&
            (q->payload_len > KX_LICENCE_MAX_PAYLOAD || q->payload[q->payload_len] != 0 ||
             q->codes.n_valid > KX_LICENCE_MAX_CANDIDATES ||
             (q->uscc && strlen(q->uscc) != 18)))
            abort();
        free(q);
        break;
    }
    case 2: {
        kx_sealsheet_result *s = NULL;
        if (kx_parse_get_sealsheet(&r, &s) == KX_OK)
            for (int a = 0; a < KX_SEAL_AREA_COUNT; a++)
                if ((s->areas[a].best >= 0) != (s->areas[a].image != NULL))
                    abort();
        kx_sealsheet_result_free(s);
        break;
    }
    case 4: {
        kx_cardcrop_found f;
        kx_image *card = NULL;
        if (kx_parse_get_cardcrop(&r, 1200, 900, 3, &f, &card) == KX_OK &&
            (card->channels != 3 || card->width < 1 || f.dpi < 1))
            abort();
        kx_image_free(card);
        break;
    }
    case 5: {
        kx_parse_doc d;
        if (kx_parse_get_doccheck(&r, &d) == KX_OK &&
            ((unsigned)d.check.kind >= KX_PAGE_KIND_COUNT || d.check.ink_share > 1 ||
             d.check.bbox[2] < 0 || (!d.have_sign && d.sign.present)))
            abort();
        break;
    }
    default: {
        kx_idcard c;
        if (kx_parse_get_idcard(&r, &c) == KX_OK &&
            (memchr(c.name, 0, sizeof c.name) == NULL ||
             strspn(c.id_number, "0123456789X") != strlen(c.id_number)))
            abort();
        kx_idcard_clear(&c);
        break;
    }
    }
    return 0;
}
