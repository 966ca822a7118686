/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the image decoders (PNG, JPEG, PNM) on hostile bytes, and
 * the analysers that run on whatever decodes (licence QR on small images,
 * ID-card finder). Any crash, leak or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "imaging/cardcrop.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_image *img = NULL;
    kx_image_decode_opts gray = {.gray = 1};
    if (kx_image_decode_ex(data, size, &gray, &img) == KX_OK)
        kx_image_free(img);
    img = NULL;
    if (kx_image_decode(data, size, &img) != KX_OK)
        return 0;
    /* keep each run fast: analyse only small images */
    if ((long)img->width * img->height <= 1000L * 1000) {
        kx_licence_qr *qr = malloc(sizeof(*qr));
        if (qr) {
            kx_licence_qr_read(img, qr);
            free(qr);
        }
        kx_cardcrop_found found;
        kx_image *card = NULL;
        if (kx_cardcrop_crop(img, &found, &card) == KX_OK)
            kx_image_free(card);
    }
    kx_image_free(img);
    return 0;
}
