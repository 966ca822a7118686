/* SPDX-License-Identifier: MIT */
/*
 * image_internal.h - helpers shared by the image codecs (image.c,
 * image_png.c, image_jpeg.c). Not part of the imaging contract: nothing
 * outside kiosk/imaging includes it.
 */
#ifndef KX_IMAGING_IMAGE_INTERNAL_H
#define KX_IMAGING_IMAGE_INTERNAL_H

#include <stdio.h>

#include "imaging/image.h"

/* An output file written under a temporary name, renamed when complete. */
typedef struct kx_image_outfile {
    FILE *fp;
    char tmp[4096];
    const char *path;
} kx_image_outfile;

/* kx_image_outfile_open - create "path.tmp-PID" for writing. KX_ERR_IO. */
kx_err kx_image_outfile_open(kx_image_outfile *of, const char *path);
/* kx_image_outfile_commit - flush, fsync, close and rename over path.
 * On any failure the temporary file is removed and KX_ERR_IO returned. */
kx_err kx_image_outfile_commit(kx_image_outfile *of);
/* kx_image_outfile_abort - close and remove the temporary file. */
void kx_image_outfile_abort(kx_image_outfile *of);

/* kx_image_check_size - KX_OK when width x height is inside the limits,
 * KX_ERR_TOO_LARGE (with detail naming `what`) when over, KX_ERR_IMAGE_UNREADABLE
 * for zero or negative sizes. */
kx_err kx_image_check_size(long width, long height, const char *what);

/* kx_image_flatten_row - write `width` RGB pixels from a 4-channel row,
 * alpha composited onto white. */
void kx_image_flatten_row(const uint8_t *rgba, int width, uint8_t *rgb);

/* kx_image_gray_row - `width` pixels of a 1-, 3- or 4-channel row as grey
 * (BT.601 in 8.8 fixed point; alpha composited onto white), the values
 * kx_image_to_gray() gives. */
void kx_image_gray_row(const uint8_t *src, int channels, int width, uint8_t *dst);

/* Codec entry points (image_png.c, image_jpeg.c); gray: decode to one
 * channel (the values kx_image_to_gray() would give). */
kx_err kx_image_decode_png(const uint8_t *buf, size_t len, int gray, kx_image **out);
kx_err kx_image_decode_jpeg(const uint8_t *buf, size_t len, int gray, kx_image **out);
/* kx_image_write_png - PNG of img to fp (when fp) or to a malloc'd buffer
 * (*mem, *memlen). */
kx_err kx_image_write_png(const kx_image *img, FILE *fp, uint8_t **mem, size_t *memlen);
kx_err kx_image_write_jpeg(const kx_image *img, FILE *fp, int quality);

#endif
