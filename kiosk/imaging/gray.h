/* SPDX-License-Identifier: MIT */
/*
 * gray.h - small 8-bit grey raster operations shared by the analysers
 * (licence QR, ID-card crop): box downscaling, cropping, bilinear scaling,
 * Otsu and local-mean binarisation, rotation sampling.
 *
 * A kx_gray is a plain buffer (width x height bytes, no padding) owned by
 * whoever created it; free it with kx_gray_free(). Pure computation: no I/O,
 * no global state, thread-safe.
 */
#ifndef KX_IMAGING_GRAY_H
#define KX_IMAGING_GRAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "imaging/image.h"

typedef struct kx_gray {
    int w, h;
    uint8_t *px; /* w*h bytes, row-major */
} kx_gray;

/* kx_gray_new - zero-filled w x h (KX_ERR_NO_MEMORY, KX_ERR_INVALID_ARG). */
kx_err kx_gray_new(int w, int h, kx_gray *out);
/* kx_gray_free - release px and zero the struct; safe on a zeroed struct. */
void kx_gray_free(kx_gray *g);

/*
 * kx_gray_from_image - luminance of img, box-averaged over factor x factor
 * blocks (factor >= 1; edge blocks are averaged over what exists). Reading
 * and reducing in one pass keeps large scans cheap.
 */
kx_err kx_gray_from_image(const kx_image *img, int factor, kx_gray *out);

/* kx_gray_downscale - box average of src over factor x factor blocks. */
kx_err kx_gray_downscale(const kx_gray *src, int factor, kx_gray *out);

/* kx_gray_crop - copy of the rectangle (x, y, w, h), clipped to src. */
kx_err kx_gray_crop(const kx_gray *src, int x, int y, int w, int h, kx_gray *out);

/* kx_gray_scale - bilinear resample of src to w x h. */
kx_err kx_gray_scale(const kx_gray *src, int w, int h, kx_gray *out);

/* kx_gray_otsu - Otsu's global threshold of g (0..255). */
int kx_gray_otsu(const kx_gray *g);

/* kx_gray_threshold - in place: pixels <= t become 0, others 255. */
void kx_gray_threshold(kx_gray *g, int t);

/*
 * kx_gray_binarize_local - in place: a pixel becomes 0 when it is darker
 * than the mean of its (2r+1)^2 neighbourhood minus `bias`, else 255.
 * Copes with uneven light that defeats a global threshold.
 */
kx_err kx_gray_binarize_local(kx_gray *g, int r, int bias);

/* kx_gray_stretch - in place: map the [lo, hi] percentiles to 0..255. */
void kx_gray_stretch(kx_gray *g, double lo_pct, double hi_pct);

#endif
