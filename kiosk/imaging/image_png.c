/* SPDX-License-Identifier: MIT */
/*
 * image_png.c - PNG decoding and encoding for kx_image through libpng.
 *
 * libpng reports errors by longjmp: every object that must survive the jump
 * lives in a context struct, never in a local changed after setjmp. Must
 * never allocate pixels before the header's size is checked.
 */
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/image_internal.h"

typedef struct png_ctx {
    const uint8_t *buf; /* decoding: the input */
    size_t len, pos;
    uint8_t *mem; /* encoding to memory */
    size_t mem_len, mem_cap;
    int mem_failed;
    char msg[200]; /* libpng's error message */
    kx_image *img;
    png_bytep *rows;
    uint8_t *line; /* one decoded row, when decoding to grey row by row */
} png_ctx;

static void png_ctx_error(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof(ctx->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void png_ctx_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* benign (unknown chunks, bad gamma): the pixels are still right */
}

static void png_ctx_read(png_structp png, png_bytep out, size_t n)
{
    png_ctx *ctx = png_get_io_ptr(png);
    if (n > ctx->len - ctx->pos)
        png_error(png, "file is truncated");
    memcpy(out, ctx->buf + ctx->pos, n);
    ctx->pos += n;
}

kx_err kx_image_decode_png(const uint8_t *buf, size_t len, int gray, kx_image **out)
{
    png_ctx ctx = {.buf = buf, .len = len};
    kx_err rc = KX_ERR_IMAGE_UNREADABLE;
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_ctx_error, png_ctx_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return KX_ERR_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        kx_err_set_detail("PNG: %s", ctx.msg[0] ? ctx.msg : "corrupt data");
        rc = KX_ERR_IMAGE_UNREADABLE; /* rc is indeterminate after the jump */
        goto out;
    }
    png_set_read_fn(png, &ctx, png_ctx_read);
    /* Let libpng parse any header size; the kiosk's own limit decides. */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 w, h;
    int depth, color, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    rc = kx_image_check_size((long)w, (long)h, "PNG");
    if (rc)
        goto out;
    rc = KX_ERR_IMAGE_UNREADABLE;

    if (depth == 16)
        png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (color == PNG_COLOR_TYPE_GRAY_ALPHA ||
        (color == PNG_COLOR_TYPE_GRAY && png_get_valid(png, info, PNG_INFO_tRNS)))
        png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    if (channels == 2 || channels < 1 || channels > 4 ||
        png_get_rowbytes(png, info) != (size_t)w * (size_t)channels) {
        kx_err_set_detail("PNG: unexpected layout after expansion (%d channels)", channels);
        goto out;
    }
    /* to grey row by row when the caller wants grey and the rows come in
     * order: no colour image (3 or 4 times the grey one) is ever held */
    int by_row = gray && channels > 1 && interlace == PNG_INTERLACE_NONE;
    rc = kx_image_new((int)w, (int)h, by_row ? 1 : channels, &ctx.img);
    if (rc)
        goto out;
    rc = KX_ERR_IMAGE_UNREADABLE;
    if (by_row) {
        ctx.line = malloc((size_t)w * (size_t)channels);
        if (!ctx.line) {
            rc = KX_ERR_NO_MEMORY;
            goto out;
        }
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, ctx.line, NULL);
            kx_image_gray_row(ctx.line, channels, (int)w, kx_image_row(ctx.img, (int)y));
        }
    } else {
        ctx.rows = malloc(sizeof(png_bytep) * h);
        if (!ctx.rows) {
            rc = KX_ERR_NO_MEMORY;
            goto out;
        }
        for (png_uint_32 y = 0; y < h; y++)
            ctx.rows[y] = kx_image_row(ctx.img, (int)y);
        png_read_image(png, ctx.rows);
    }
    png_read_end(png, NULL);

    png_uint_32 xres, yres;
    int unit;
    if (png_get_pHYs(png, info, &xres, &yres, &unit) && unit == PNG_RESOLUTION_METER &&
        xres > 0)
        ctx.img->dpi = round(xres * 0.0254 * 100.0) / 100.0;
    *out = ctx.img;
    ctx.img = NULL;
    rc = KX_OK;
out:
    free(ctx.rows);
    free(ctx.line);
    kx_image_free(ctx.img);
    png_destroy_read_struct(&png, &info, NULL);
    return rc;
}

static void png_ctx_write_mem(png_structp png, png_bytep data, size_t n)
{
    png_ctx *ctx = png_get_io_ptr(png);
    if (ctx->mem_failed)
        return;
    if (n > ctx->mem_cap - ctx->mem_len) {
        size_t cap = ctx->mem_cap ? ctx->mem_cap : 65536;
        while (n > cap - ctx->mem_len)
            cap *= 2;
        uint8_t *nm = realloc(ctx->mem, cap);
        if (!nm) {
            ctx->mem_failed = 1;
            png_error(png, "out of memory");
        }
        ctx->mem = nm;
        ctx->mem_cap = cap;
    }
    memcpy(ctx->mem + ctx->mem_len, data, n);
    ctx->mem_len += n;
}

static void png_ctx_flush(png_structp png)
{
    (void)png;
}

kx_err kx_image_write_png(const kx_image *img, FILE *fp, uint8_t **mem, size_t *memlen)
{
    png_ctx ctx = {0};
    kx_err rc = KX_ERR_IO;
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_ctx_error, png_ctx_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        return KX_ERR_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        kx_err_set_detail("PNG write: %s", ctx.msg[0] ? ctx.msg : "failed");
        rc = ctx.mem_failed ? KX_ERR_NO_MEMORY : KX_ERR_IO;
        goto out;
    }
    if (fp)
        png_init_io(png, fp);
    else
        png_set_write_fn(png, &ctx, png_ctx_write_mem, png_ctx_flush);
    int color = img->channels == 1   ? PNG_COLOR_TYPE_GRAY
                : img->channels == 3 ? PNG_COLOR_TYPE_RGB
                                     : PNG_COLOR_TYPE_RGB_ALPHA;
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, color,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (img->dpi > 0) {
        png_uint_32 ppm = (png_uint_32)lround(img->dpi / 0.0254);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    /* Scans compress about as well at level 3 and several times faster. */
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++)
        png_write_row(png, kx_image_row(img, y));
    png_write_end(png, info);
    if (!fp) {
        *mem = ctx.mem;
        *memlen = ctx.mem_len;
        ctx.mem = NULL;
    }
    rc = KX_OK;
out:
    free(ctx.mem);
    png_destroy_write_struct(&png, &info);
    return rc;
}
