/* SPDX-License-Identifier: MIT */
/*
 * image.h - the one image type of the kiosk: decoded 8-bit pixels with their
 * resolution, loaded from PNG, JPEG and PNM files or memory, or built from a
 * scanner's buffer; saved as PNG (alpha and physical resolution kept), JPEG
 * or PNM.
 *
 * Decoders treat every file as hostile: corrupt, truncated or empty input is
 * refused with KX_ERR_IMAGE_UNREADABLE, headers announcing absurd sizes
 * (dimension bombs) with KX_ERR_TOO_LARGE before any pixel memory is
 * allocated. The reason is left in kx_err_detail() for the log.
 *
 * Never keeps a reference to caller memory; never writes a file except in
 * the kx_image_save*() functions, which write to a temporary name and rename
 * so a failed save leaves no partial file. All functions are thread-safe
 * (no shared state).
 */
#ifndef KX_IMAGING_IMAGE_H
#define KX_IMAGING_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Limits that protect the kiosk from dimension bombs. An A3 page at 600 dpi
 * (7016 x 9933) fits; anything larger than a real scan does not. */
#define KX_IMAGE_MAX_SIDE 20000
#define KX_IMAGE_MAX_PIXELS (80L * 1000 * 1000)
/* Largest encoded file the loaders accept (bytes). */
#define KX_IMAGE_MAX_FILE (256L * 1024 * 1024)

/*
 * A decoded image. Pixels are 8 bits per channel, rows top first, `stride`
 * bytes apart (stride >= width * channels). channels is 1 (grey), 3 (RGB)
 * or 4 (RGBA, straight alpha). dpi is the resolution in pixels per inch, 0
 * when the source did not say. The image owns `data`; release the whole
 * image with kx_image_free(). Fields may be read directly; change pixels in
 * place freely, but never replace `data` or change the geometry.
 */
typedef struct kx_image {
    int width;
    int height;
    int channels;
    size_t stride;
    uint8_t *data;
    double dpi;
} kx_image;

/* File formats the loaders recognise (by content, never by name). */
typedef enum kx_image_format {
    KX_IMAGE_FORMAT_UNKNOWN = 0,
    KX_IMAGE_FORMAT_PNG = 1,
    KX_IMAGE_FORMAT_JPEG = 2,
    KX_IMAGE_FORMAT_PNM = 3,
} kx_image_format;

/* kx_image_row - pointer to the first byte of row y (0 <= y < height). */
static inline uint8_t *kx_image_row(const kx_image *img, int y)
{
    return img->data + (size_t)y * img->stride;
}

/*
 * kx_image_new - a new image of width x height with `channels` channels,
 * every byte zero (black, fully transparent), stride = width * channels,
 * dpi 0.
 * Returns KX_OK and *out (free with kx_image_free()), KX_ERR_INVALID_ARG for
 * sizes < 1 or channels not 1/3/4, KX_ERR_TOO_LARGE over the limits above,
 * KX_ERR_NO_MEMORY.
 */
kx_err kx_image_new(int width, int height, int channels, kx_image **out);

/* kx_image_free - release an image and its pixels. NULL is fine. */
void kx_image_free(kx_image *img);

/*
 * kx_image_from_pixels - copy a caller's 8-bit pixel buffer (a scanner's
 * lines, a rendered frame) into a new image. The buffer is read only during
 * the call. stride is the distance between rows in the buffer (>= width *
 * channels). dpi may be 0 (unknown).
 * Returns KX_OK and *out, or the errors of kx_image_new().
 */
kx_err kx_image_from_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                            int channels, double dpi, kx_image **out);

/*
 * kx_image_adopt - wrap a malloc'd pixel buffer (a driver's capture) in a new
 * image without copying. On KX_OK the image owns `data` (freed with the
 * image); on any error `data` is still the caller's. Same checks as
 * kx_image_new(); stride >= width * channels.
 */
kx_err kx_image_adopt(uint8_t *data, int width, int height, size_t stride, int channels,
                      double dpi, kx_image **out);

/* kx_image_clone - a deep copy of img into *out. */
kx_err kx_image_clone(const kx_image *img, kx_image **out);

/*
 * kx_image_sniff - the format of an encoded buffer from its first bytes.
 * Returns KX_IMAGE_FORMAT_UNKNOWN for anything else (including len 0).
 */
kx_image_format kx_image_sniff(const uint8_t *buf, size_t len);

/*
 * kx_image_decode - decode a PNG, JPEG or PNM (P4, P5, P6; maxval up to
 * 65535, scaled to 8 bits) held in memory. The channel count follows the
 * file: grey stays 1 channel, colour becomes 3, anything with transparency
 * becomes 4 (grey + alpha is widened to RGBA; palettes are expanded; 16-bit
 * samples are reduced to 8). dpi comes from PNG pHYs or JPEG JFIF density.
 * Returns KX_OK and *out (free with kx_image_free()); KX_ERR_IMAGE_UNREADABLE
 * for empty, unknown, corrupt or truncated data; KX_ERR_TOO_LARGE for
 * dimension bombs or len > KX_IMAGE_MAX_FILE; KX_ERR_NO_MEMORY.
 */
kx_err kx_image_decode(const uint8_t *buf, size_t len, kx_image **out);

/* Options for decoding (zero-initialised: decode as the file is). */
typedef struct kx_image_decode_opts {
    int gray; /* 1: deliver 1-channel luminance. A colour JPEG then decodes only
                 its luma plane, about twice as fast; other formats convert. */
} kx_image_decode_opts;

/* kx_image_decode_ex / kx_image_load_ex - as below, with options (NULL: none). */
kx_err kx_image_decode_ex(const uint8_t *buf, size_t len, const kx_image_decode_opts *opts,
                          kx_image **out);
kx_err kx_image_load_ex(const char *path, const kx_image_decode_opts *opts, kx_image **out);

/*
 * kx_image_load - read and decode a file (any of the formats above; the
 * name's extension is ignored). Errors as kx_image_decode(), plus KX_ERR_IO
 * when the file cannot be opened or read (detail says why).
 */
kx_err kx_image_load(const char *path, kx_image **out);

/*
 * kx_image_save_png - write img as PNG: grey, RGB or RGBA as the image has
 * them, with a pHYs chunk when dpi > 0. The file appears atomically (written
 * to "path.tmp-PID" then renamed); on failure nothing is left behind.
 * Returns KX_OK, KX_ERR_INVALID_ARG, KX_ERR_IO.
 */
kx_err kx_image_save_png(const kx_image *img, const char *path);

/*
 * kx_image_save_jpeg - write img as baseline JPEG at quality 1..100 with
 * JFIF density when dpi > 0. Alpha is dropped (composited onto white).
 * Atomic like kx_image_save_png().
 */
kx_err kx_image_save_jpeg(const kx_image *img, const char *path, int quality);

/*
 * kx_image_save_pnm - write img as binary PGM (1 channel) or PPM (3 or 4
 * channels; alpha composited onto white). Atomic like kx_image_save_png().
 */
kx_err kx_image_save_pnm(const kx_image *img, const char *path);

/*
 * kx_image_save - write by the path's extension: .png, .jpg/.jpeg,
 * .pnm/.ppm/.pgm (case-insensitive). KX_ERR_UNSUPPORTED for any other
 * extension.
 */
kx_err kx_image_save(const kx_image *img, const char *path);

/*
 * kx_image_encode_png - the PNG of img in memory (for uploads). *out is
 * malloc'd, free it with free(); *len receives its size.
 */
kx_err kx_image_encode_png(const kx_image *img, uint8_t **out, size_t *len);

/*
 * kx_image_to_gray - a new 1-channel image of img's luminance (BT.601
 * weights; alpha composited onto white). dpi is copied.
 */
kx_err kx_image_to_gray(const kx_image *img, kx_image **out);

#endif
