/* SPDX-License-Identifier: MIT */
/*
 * cardcrop.h - cut a resident ID card (ID-1 format, 85.6 x 54 mm) out of a
 * flatbed scan of its front or back: find it against the scanner lid,
 * measure its four edges, deskew, and resample it upright at the scan's
 * resolution.
 *
 * The card is found as the largest region that differs from the lid's
 * colour (estimated from the scan's border), its outline fitted as a
 * minimum-area rectangle, and each edge then refined on the full-resolution
 * pixels where the card's thickness casts its shadow line. The long side
 * becomes horizontal with the smallest rotation, so a card laid upside down
 * comes out upside down.
 *
 * Pure computation: no I/O, no global state, thread-safe.
 */
#ifndef KX_IMAGING_CARDCROP_H
#define KX_IMAGING_CARDCROP_H

#include "core/err.h"
#include "imaging/image.h"

#define KX_CARD_WIDTH_MM 85.6
#define KX_CARD_HEIGHT_MM 54.0

typedef struct kx_cardcrop_found {
    double corners[4][2]; /* top-left, top-right, bottom-right, bottom-left (input px) */
    double angle_deg;     /* rotation of the card on the scan, -45..45 */
    double size_mm[2];    /* measured width and height */
    double dpi;           /* resolution used (the image's, or estimated from the card) */
} kx_cardcrop_found;

/*
 * kx_cardcrop_find - locate the card on a scan.
 *   img:   the scan (grey, RGB or RGBA); img->dpi 0 means "estimate from the
 *          card's own size".
 *   found: receives the corners and measurements.
 * Returns KX_OK, KX_ERR_NO_CARD when nothing card-sized and card-shaped is
 * on the scan, KX_ERR_INVALID_ARG, KX_ERR_NO_MEMORY.
 */
kx_err kx_cardcrop_find(const kx_image *img, kx_cardcrop_found *found);

/*
 * kx_cardcrop_crop - kx_cardcrop_find(), then resample the card upright into a
 * new image of 85.6 x 54 mm at found->dpi (1011 x 638 at 300 dpi), same
 * channels as img (RGBA becomes RGB), dpi set. *out is freed with
 * kx_image_free(); found may be NULL. Errors as kx_cardcrop_find().
 */
kx_err kx_cardcrop_crop(const kx_image *img, kx_cardcrop_found *found, kx_image **out);

#endif
