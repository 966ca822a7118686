/* SPDX-License-Identifier: MIT */
/*
 * image.c - the kiosk's image type: allocation, copies, format sniffing,
 * file loading, the PNM codec, grey conversion and atomic saving. PNG and
 * JPEG live in image_png.c and image_jpeg.c.
 *
 * Must never allocate pixel memory for a size it has not checked against
 * the limits in image.h, and never leave a partial output file.
 *
 * Sections: allocation - sniffing and loading - PNM - conversion - saving.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"
#include "imaging/image_internal.h"

/* ---- allocation -------------------------------------------------------- */

kx_err kx_image_check_size(long width, long height, const char *what)
{
    if (width < 1 || height < 1) {
        kx_err_set_detail("%s: empty image (%ldx%ld)", what, width, height);
        return KX_ERR_IMAGE_UNREADABLE;
    }
    if (width > KX_IMAGE_MAX_SIDE || height > KX_IMAGE_MAX_SIDE ||
        width * height > KX_IMAGE_MAX_PIXELS) {
        kx_err_set_detail("%s: %ldx%ld pixels is over the limit (%d per side, %ld in all)",
                          what, width, height, KX_IMAGE_MAX_SIDE, KX_IMAGE_MAX_PIXELS);
        return KX_ERR_TOO_LARGE;
    }
    return KX_OK;
}

kx_err kx_image_new(int width, int height, int channels, kx_image **out)
{
    if (!out || width < 1 || height < 1 || (channels != 1 && channels != 3 && channels != 4))
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    kx_err rc = kx_image_check_size(width, height, "new image");
    if (rc)
        return rc;
    size_t stride = (size_t)width * (size_t)channels;
    uint8_t *data = calloc((size_t)height, stride);
    if (!data) {
        kx_err_set_detail("no memory for %dx%dx%d image", width, height, channels);
        return KX_ERR_NO_MEMORY;
    }
    rc = kx_image_adopt(data, width, height, stride, channels, 0, out);
    if (rc)
        free(data);
    return rc;
}

void kx_image_free(kx_image *img)
{
    if (!img)
        return;
    free(img->data);
    free(img);
}

kx_err kx_image_from_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                            int channels, double dpi, kx_image **out)
{
    if (!pixels || !out || width < 1 ||
        stride < (size_t)width * (size_t)(channels > 0 ? channels : 1))
        return KX_ERR_INVALID_ARG;
    kx_image *img = NULL;
    kx_err rc = kx_image_new(width, height, channels, &img);
    if (rc)
        return rc;
    for (int y = 0; y < height; y++)
        memcpy(kx_image_row(img, y), pixels + (size_t)y * stride, img->stride);
    img->dpi = dpi > 0 ? dpi : 0;
    *out = img;
    return KX_OK;
}

kx_err kx_image_adopt(uint8_t *data, int width, int height, size_t stride, int channels,
                      double dpi, kx_image **out)
{
    if (!data || !out || width < 1 || height < 1 ||
        (channels != 1 && channels != 3 && channels != 4) ||
        stride < (size_t)width * (size_t)channels)
        return KX_ERR_INVALID_ARG;
    kx_err rc = kx_image_check_size(width, height, "adopted image");
    if (rc)
        return rc;
    kx_image *img = calloc(1, sizeof(*img));
    if (!img)
        return KX_ERR_NO_MEMORY;
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
    img->data = data;
    img->dpi = dpi > 0 ? dpi : 0;
    *out = img;
    return KX_OK;
}

kx_err kx_image_clone(const kx_image *img, kx_image **out)
{
    if (!img || !out)
        return KX_ERR_INVALID_ARG;
    return kx_image_from_pixels(img->data, img->width, img->height, img->stride, img->channels,
                                img->dpi, out);
}

/* ---- sniffing and loading ---------------------------------------------- */

static int pnm_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

kx_image_format kx_image_sniff(const uint8_t *buf, size_t len)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!buf)
        return KX_IMAGE_FORMAT_UNKNOWN;
    if (len >= 8 && memcmp(buf, png_sig, 8) == 0)
        return KX_IMAGE_FORMAT_PNG;
    if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
        return KX_IMAGE_FORMAT_JPEG;
    if (len >= 3 && buf[0] == 'P' && buf[1] >= '1' && buf[1] <= '6' && pnm_is_space(buf[2]))
        return KX_IMAGE_FORMAT_PNM;
    return KX_IMAGE_FORMAT_UNKNOWN;
}

static kx_err kx_image_decode_pnm(const uint8_t *buf, size_t len, kx_image **out);
static kx_err kx_image_decode_any(const uint8_t *buf, size_t len, kx_image **out);

kx_err kx_image_decode(const uint8_t *buf, size_t len, kx_image **out)
{
    return kx_image_decode_ex(buf, len, NULL, out);
}

kx_err kx_image_decode_ex(const uint8_t *buf, size_t len, const kx_image_decode_opts *opts,
                          kx_image **out)
{
    kx_err rc;
    if (!out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    int gray = opts && opts->gray;
    switch (kx_image_sniff(buf, len)) {
    case KX_IMAGE_FORMAT_JPEG:
        if (len > (size_t)KX_IMAGE_MAX_FILE)
            break;
        rc = kx_image_decode_jpeg(buf, len, gray, out);
        goto converted;
    case KX_IMAGE_FORMAT_PNG:
        if (len > (size_t)KX_IMAGE_MAX_FILE)
            break;
        rc = kx_image_decode_png(buf, len, gray, out);
        goto converted;
    default:
        break;
    }
    rc = kx_image_decode_any(buf, len, out);
converted:
    if (rc == KX_OK && gray && (*out)->channels != 1) {
        kx_image *g = NULL;
        rc = kx_image_to_gray(*out, &g);
        kx_image_free(*out);
        *out = g;
    }
    return rc;
}

static kx_err kx_image_decode_any(const uint8_t *buf, size_t len, kx_image **out)
{
    if (!out || (!buf && len))
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    if (len == 0) {
        kx_err_set_detail("image is empty (0 bytes)");
        return KX_ERR_IMAGE_UNREADABLE;
    }
    if (len > (size_t)KX_IMAGE_MAX_FILE) {
        kx_err_set_detail("image of %zu bytes is over the %ld byte limit", len,
                          KX_IMAGE_MAX_FILE);
        return KX_ERR_TOO_LARGE;
    }
    switch (kx_image_sniff(buf, len)) {
    case KX_IMAGE_FORMAT_PNG:
        return kx_image_decode_png(buf, len, 0, out);
    case KX_IMAGE_FORMAT_JPEG:
        return kx_image_decode_jpeg(buf, len, 0, out);
    case KX_IMAGE_FORMAT_PNM:
        return kx_image_decode_pnm(buf, len, out);
    default:
        kx_err_set_detail("not a PNG, JPEG or PNM image");
        return KX_ERR_IMAGE_UNREADABLE;
    }
}

kx_err kx_image_load(const char *path, kx_image **out)
{
    return kx_image_load_ex(path, NULL, out);
}

kx_err kx_image_load_ex(const char *path, const kx_image_decode_opts *opts, kx_image **out)
{
    if (!path || !out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        kx_err_set_detail("%s: %s", path, strerror(errno));
        return KX_ERR_IO;
    }
    kx_err rc = KX_OK;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        kx_err_set_detail("%s: is a directory", path);
        rc = KX_ERR_IO;
        goto out;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (st.st_size > KX_IMAGE_MAX_FILE) {
            kx_err_set_detail("%s: %lld bytes is over the %ld byte limit", path,
                              (long long)st.st_size, KX_IMAGE_MAX_FILE);
            rc = KX_ERR_TOO_LARGE;
            goto out;
        }
        cap = (size_t)st.st_size + 1;
    }
    if (cap < 65536)
        cap = 65536;
    buf = malloc(cap);
    if (!buf) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > (size_t)KX_IMAGE_MAX_FILE) {
                kx_err_set_detail("%s: over the %ld byte limit", path, KX_IMAGE_MAX_FILE);
                rc = KX_ERR_TOO_LARGE;
                goto out;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = KX_ERR_NO_MEMORY;
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            kx_err_set_detail("%s: %s", path, strerror(errno));
            rc = KX_ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    rc = kx_image_decode_ex(buf, len, opts, out);
out:
    free(buf);
    close(fd);
    return rc;
}

/* ---- PNM (P4, P5, P6) --------------------------------------------------- */

/* Read one decimal header field, skipping whitespace and # comments. */
static int pnm_field(const uint8_t *buf, size_t len, size_t *pos, long *value)
{
    size_t p = *pos;
    for (;;) {
        while (p < len && pnm_is_space(buf[p]))
            p++;
        if (p < len && buf[p] == '#') {
            while (p < len && buf[p] != '\n' && buf[p] != '\r')
                p++;
            continue;
        }
        break;
    }
    if (p >= len || buf[p] < '0' || buf[p] > '9')
        return -1;
    long v = 0;
    while (p < len && buf[p] >= '0' && buf[p] <= '9') {
        if (v > 100000000L)
            return -1;
        v = v * 10 + (buf[p] - '0');
        p++;
    }
    *pos = p;
    *value = v;
    return 0;
}

static kx_err kx_image_decode_pnm(const uint8_t *buf, size_t len, kx_image **out)
{
    char kind = (char)buf[1];
    if (kind < '4') {
        kx_err_set_detail("PNM: plain (ASCII) P%c files are not supported, only P4/P5/P6",
                          kind);
        return KX_ERR_IMAGE_UNREADABLE;
    }
    size_t pos = 2;
    long w = 0, h = 0, maxval = 1;
    if (pnm_field(buf, len, &pos, &w) || pnm_field(buf, len, &pos, &h) ||
        (kind != '4' && pnm_field(buf, len, &pos, &maxval))) {
        kx_err_set_detail("PNM: header is corrupt or truncated");
        return KX_ERR_IMAGE_UNREADABLE;
    }
    if (pos >= len || !pnm_is_space(buf[pos])) {
        kx_err_set_detail("PNM: header is corrupt or truncated");
        return KX_ERR_IMAGE_UNREADABLE;
    }
    pos++; /* the single whitespace before the raster */
    if (maxval < 1 || maxval > 65535) {
        kx_err_set_detail("PNM: maxval %ld out of range", maxval);
        return KX_ERR_IMAGE_UNREADABLE;
    }
    kx_err rc = kx_image_check_size(w, h, "PNM");
    if (rc)
        return rc;
    int channels = kind == '6' ? 3 : 1;
    size_t bps = maxval > 255 ? 2 : 1;
    size_t row_in = kind == '4' ? ((size_t)w + 7) / 8 : (size_t)w * (size_t)channels * bps;
    if ((len - pos) / row_in < (size_t)h) {
        kx_err_set_detail("PNM: truncated raster (%zu of %zu bytes)", len - pos,
                          row_in * (size_t)h);
        return KX_ERR_IMAGE_UNREADABLE;
    }
    kx_image *img = NULL;
    rc = kx_image_new((int)w, (int)h, channels, &img);
    if (rc)
        return rc;
    const uint8_t *src = buf + pos;
    for (long y = 0; y < h; y++, src += row_in) {
        uint8_t *dst = kx_image_row(img, (int)y);
        if (kind == '4') {
            for (long x = 0; x < w; x++)
                dst[x] = (src[x >> 3] & (0x80 >> (x & 7))) ? 0 : 255;
        } else if (bps == 1 && maxval == 255) {
            memcpy(dst, src, row_in);
        } else {
            size_t n = (size_t)w * (size_t)channels;
            for (size_t i = 0; i < n; i++) {
                long v = bps == 2 ? ((long)src[2 * i] << 8) | src[2 * i + 1] : src[i];
                if (v > maxval)
                    v = maxval;
                dst[i] = (uint8_t)((v * 255 + maxval / 2) / maxval);
            }
        }
    }
    *out = img;
    return KX_OK;
}

/* ---- conversion -------------------------------------------------------- */

void kx_image_flatten_row(const uint8_t *rgba, int width, uint8_t *rgb)
{
    for (int x = 0; x < width; x++, rgba += 4, rgb += 3) {
        unsigned a = rgba[3];
        for (int c = 0; c < 3; c++)
            rgb[c] = (uint8_t)((rgba[c] * a + 255 * (255 - a) + 127) / 255);
    }
}

void kx_image_gray_row(const uint8_t *s, int channels, int width, uint8_t *d)
{
    /* one loop per layout: the compiler vectorises each */
    switch (channels) {
    case 1:
        memcpy(d, s, (size_t)width);
        break;
    case 3:
        for (int x = 0; x < width; x++, s += 3)
            d[x] = (uint8_t)((77u * s[0] + 150u * s[1] + 29u * s[2] + 128) >> 8);
        break;
    default:
        for (int x = 0; x < width; x++, s += 4) {
            unsigned v = (77u * s[0] + 150u * s[1] + 29u * s[2] + 128) >> 8;
            d[x] = (uint8_t)((v * s[3] + 255u * (255u - s[3]) + 127) / 255);
        }
        break;
    }
}

kx_err kx_image_to_gray(const kx_image *img, kx_image **out)
{
    if (!img || !out)
        return KX_ERR_INVALID_ARG;
    kx_image *g = NULL;
    kx_err rc = kx_image_new(img->width, img->height, 1, &g);
    if (rc)
        return rc;
    g->dpi = img->dpi;
    for (int y = 0; y < img->height; y++)
        kx_image_gray_row(kx_image_row(img, y), img->channels, img->width, kx_image_row(g, y));
    *out = g;
    return KX_OK;
}

/* ---- saving ------------------------------------------------------------ */

kx_err kx_image_outfile_open(kx_image_outfile *of, const char *path)
{
    of->fp = NULL;
    of->path = path;
    int n = snprintf(of->tmp, sizeof(of->tmp), "%s.tmp-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(of->tmp)) {
        kx_err_set_detail("output path too long");
        return KX_ERR_INVALID_ARG;
    }
    int fd = open(of->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !(of->fp = fdopen(fd, "wb"))) {
        kx_err_set_detail("%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(of->tmp);
        }
        return KX_ERR_IO;
    }
    return KX_OK;
}

kx_err kx_image_outfile_commit(kx_image_outfile *of)
{
    int bad = fflush(of->fp) != 0 || ferror(of->fp) || fsync(fileno(of->fp)) != 0;
    int saved = errno;
    bad |= fclose(of->fp) != 0;
    of->fp = NULL;
    if (!bad && rename(of->tmp, of->path) == 0)
        return KX_OK;
    if (!bad)
        saved = errno;
    kx_err_set_detail("%s: %s", of->path, strerror(saved));
    unlink(of->tmp);
    return KX_ERR_IO;
}

void kx_image_outfile_abort(kx_image_outfile *of)
{
    if (of->fp)
        fclose(of->fp);
    of->fp = NULL;
    unlink(of->tmp);
}

static int image_valid(const kx_image *img)
{
    return img && img->data && img->width > 0 && img->height > 0 &&
           (img->channels == 1 || img->channels == 3 || img->channels == 4) &&
           img->stride >= (size_t)img->width * (size_t)img->channels;
}

kx_err kx_image_save_png(const kx_image *img, const char *path)
{
    if (!image_valid(img) || !path)
        return KX_ERR_INVALID_ARG;
    kx_image_outfile of;
    kx_err rc = kx_image_outfile_open(&of, path);
    if (rc)
        return rc;
    rc = kx_image_write_png(img, of.fp, NULL, NULL);
    if (rc) {
        kx_image_outfile_abort(&of);
        return rc;
    }
    return kx_image_outfile_commit(&of);
}

kx_err kx_image_encode_png(const kx_image *img, uint8_t **out, size_t *len)
{
    if (!image_valid(img) || !out || !len)
        return KX_ERR_INVALID_ARG;
    return kx_image_write_png(img, NULL, out, len);
}

kx_err kx_image_save_jpeg(const kx_image *img, const char *path, int quality)
{
    if (!image_valid(img) || !path || quality < 1 || quality > 100)
        return KX_ERR_INVALID_ARG;
    kx_image_outfile of;
    kx_err rc = kx_image_outfile_open(&of, path);
    if (rc)
        return rc;
    rc = kx_image_write_jpeg(img, of.fp, quality);
    if (rc) {
        kx_image_outfile_abort(&of);
        return rc;
    }
    return kx_image_outfile_commit(&of);
}

kx_err kx_image_save_pnm(const kx_image *img, const char *path)
{
    if (!image_valid(img) || !path)
        return KX_ERR_INVALID_ARG;
    kx_image_outfile of;
    kx_err rc = kx_image_outfile_open(&of, path);
    if (rc)
        return rc;
    int out_ch = img->channels == 1 ? 1 : 3;
    uint8_t *row = malloc((size_t)img->width * 3);
    if (!row) {
        kx_image_outfile_abort(&of);
        return KX_ERR_NO_MEMORY;
    }
    fprintf(of.fp, "P%c\n%d %d\n255\n", out_ch == 1 ? '5' : '6', img->width, img->height);
    for (int y = 0; y < img->height; y++) {
        const uint8_t *s = kx_image_row(img, y);
        if (img->channels == 4) {
            kx_image_flatten_row(s, img->width, row);
            s = row;
        }
        fwrite(s, 1, (size_t)img->width * (size_t)out_ch, of.fp);
    }
    free(row);
    return kx_image_outfile_commit(&of);
}

kx_err kx_image_save(const kx_image *img, const char *path)
{
    if (!path)
        return KX_ERR_INVALID_ARG;
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) {
        kx_err_set_detail("%s: no file extension (.png, .jpg, .pnm)", path);
        return KX_ERR_UNSUPPORTED;
    }
    if (strcasecmp(dot, ".png") == 0)
        return kx_image_save_png(img, path);
    if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
        return kx_image_save_jpeg(img, path, 90);
    if (strcasecmp(dot, ".pnm") == 0 || strcasecmp(dot, ".ppm") == 0 ||
        strcasecmp(dot, ".pgm") == 0)
        return kx_image_save_pnm(img, path);
    kx_err_set_detail("%s: unsupported extension (use .png, .jpg or .pnm)", path);
    return KX_ERR_UNSUPPORTED;
}
