/* SPDX-License-Identifier: MIT */
/*
 * image_jpeg.c - JPEG decoding and encoding for kx_image through
 * libjpeg-turbo.
 *
 * libjpeg patches over damage (a truncated file is padded with grey, a bad
 * Huffman code resynchronises) and only warns. A kiosk must not accept a
 * half-grey licence scan, so those warnings are treated as errors. Progressive
 * files with absurd numbers of scans (a CPU bomb) are refused too.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "imaging/image_internal.h"

/* More scans than any real encoder writes (libjpeg-turbo's advice). */
#define JPEG_MAX_SCANS 256

typedef struct jpeg_ctx {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    kx_image *img;
    uint8_t *row; /* conversion buffer (CMYK in, alpha out) */
} jpeg_ctx;

static void jpeg_ctx_error_exit(j_common_ptr cinfo)
{
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    cinfo->err->format_message(cinfo, ctx->msg);
    longjmp(ctx->jump, 1);
}

static void jpeg_ctx_emit(j_common_ptr cinfo, int level)
{
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        cinfo->err->format_message(cinfo, ctx->msg);
        longjmp(ctx->jump, 1);
    default:
        cinfo->err->num_warnings++; /* benign: extraneous bytes, odd markers */
    }
}

static void jpeg_ctx_progress(j_common_ptr cinfo)
{
    if (cinfo->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)cinfo;
        if (d->input_scan_number > JPEG_MAX_SCANS) {
            jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
            snprintf(ctx->msg, sizeof(ctx->msg), "more than %d progressive scans",
                     JPEG_MAX_SCANS);
            longjmp(ctx->jump, 1);
        }
    }
}

kx_err kx_image_decode_jpeg(const uint8_t *buf, size_t len, int gray, kx_image **out)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_ctx_error_exit;
    ctx.pub.emit_message = jpeg_ctx_emit;
    kx_err rc;
    if (setjmp(ctx.jump)) {
        kx_err_set_detail("JPEG: %s", ctx.msg[0] ? ctx.msg : "corrupt data");
        rc = KX_ERR_IMAGE_UNREADABLE;
        goto out;
    }
    jpeg_create_decompress(&cinfo);
    ctx.progress.progress_monitor = jpeg_ctx_progress;
    cinfo.progress = &ctx.progress;
    jpeg_mem_src(&cinfo, buf, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    rc = kx_image_check_size((long)cinfo.image_width, (long)cinfo.image_height, "JPEG");
    if (rc)
        goto out;

    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int channels;
    if (cinfo.num_components == 1 || (gray && !cmyk)) {
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
    } else if (cmyk) {
        cinfo.out_color_space = JCS_CMYK;
        channels = 3;
    } else {
        cinfo.out_color_space = JCS_RGB;
        channels = 3;
    }
    jpeg_start_decompress(&cinfo);
    rc = kx_image_new((int)cinfo.output_width, (int)cinfo.output_height, channels, &ctx.img);
    if (rc)
        goto out;
    if (cmyk && !(ctx.row = malloc((size_t)cinfo.output_width * 4))) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        int y = (int)cinfo.output_scanline;
        JSAMPROW dst = cmyk ? ctx.row : kx_image_row(ctx.img, y);
        jpeg_read_scanlines(&cinfo, &dst, 1);
        if (cmyk) {
            /* Adobe writes inverted CMYK: each byte is already 255 - ink. */
            uint8_t *rgb = kx_image_row(ctx.img, y);
            for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
                const uint8_t *p = ctx.row + 4 * x;
                for (int c = 0; c < 3; c++)
                    rgb[3 * x + c] = (uint8_t)((p[c] * p[3] + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    if (cinfo.density_unit == 1 && cinfo.X_density > 0)
        ctx.img->dpi = cinfo.X_density;
    else if (cinfo.density_unit == 2 && cinfo.X_density > 0)
        ctx.img->dpi = cinfo.X_density * 2.54;
    *out = ctx.img;
    ctx.img = NULL;
    rc = KX_OK;
out:
    free(ctx.row);
    kx_image_free(ctx.img);
    jpeg_destroy_decompress(&cinfo);
    return rc;
}

kx_err kx_image_write_jpeg(const kx_image *img, FILE *fp, int quality)
{
    struct jpeg_compress_struct cinfo;
    jpeg_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_ctx_error_exit;
    kx_err rc;
    if (setjmp(ctx.jump)) {
        kx_err_set_detail("JPEG write: %s", ctx.msg);
        rc = KX_ERR_IO;
        goto out;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, fp);
    cinfo.image_width = (JDIMENSION)img->width;
    cinfo.image_height = (JDIMENSION)img->height;
    cinfo.input_components = img->channels == 1 ? 1 : 3;
    cinfo.in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (img->dpi > 0) {
        cinfo.write_JFIF_header = TRUE;
        cinfo.density_unit = 1;
        cinfo.X_density = cinfo.Y_density = (UINT16)(img->dpi + 0.5);
    }
    if (img->channels == 4 && !(ctx.row = malloc((size_t)img->width * 3))) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    jpeg_start_compress(&cinfo, TRUE);
    for (int y = 0; y < img->height; y++) {
        JSAMPROW src = kx_image_row(img, y);
        if (img->channels == 4) {
            kx_image_flatten_row(src, img->width, ctx.row);
            src = ctx.row;
        }
        jpeg_write_scanlines(&cinfo, &src, 1);
    }
    jpeg_finish_compress(&cinfo);
    rc = KX_OK;
out:
    free(ctx.row);
    jpeg_destroy_compress(&cinfo);
    return rc;
}
