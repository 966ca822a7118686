/* SPDX-License-Identifier: MIT */
/*
 * gray.c - 8-bit grey raster operations for the analysers (see gray.h).
 * Integer arithmetic throughout; every allocation is checked.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/gray.h"

kx_err kx_gray_new(int w, int h, kx_gray *out)
{
    out->w = out->h = 0;
    out->px = NULL;
    if (w < 1 || h < 1 || (long)w * h > KX_IMAGE_MAX_PIXELS)
        return KX_ERR_INVALID_ARG;
    out->px = calloc((size_t)w * (size_t)h, 1);
    if (!out->px)
        return KX_ERR_NO_MEMORY;
    out->w = w;
    out->h = h;
    return KX_OK;
}

void kx_gray_free(kx_gray *g)
{
    if (!g)
        return;
    free(g->px);
    g->px = NULL;
    g->w = g->h = 0;
}

/* Weighted sum of one row's pixels x0..x1-1 in 8.8 fixed point (BT.601). */
static inline uint32_t gray_row_sum(const uint8_t *p, int x0, int x1, int ch)
{
    uint32_t s = 0;
    switch (ch) {
    case 1:
        for (int x = x0; x < x1; x++)
            s += (uint32_t)p[x] << 8;
        break;
    case 3:
        for (const uint8_t *q = p + (size_t)x0 * 3, *e = p + (size_t)x1 * 3; q < e; q += 3)
            s += 77u * q[0] + 150u * q[1] + 29u * q[2];
        break;
    default: /* RGBA: composite onto white */
        for (const uint8_t *q = p + (size_t)x0 * 4, *e = p + (size_t)x1 * 4; q < e; q += 4) {
            uint32_t v = 77u * q[0] + 150u * q[1] + 29u * q[2];
            s += (v * q[3] + 65280u * (255u - q[3])) / 255u;
        }
        break;
    }
    return s;
}

kx_err kx_gray_from_image(const kx_image *img, int factor, kx_gray *out)
{
    if (!img || factor < 1 || factor > 200)
        return KX_ERR_INVALID_ARG;
    int W = img->width;
    int ow = (W + factor - 1) / factor, oh = (img->height + factor - 1) / factor;
    kx_err rc = kx_gray_new(ow, oh, out);
    if (rc)
        return rc;
    int ch = img->channels;
    if (factor == 1 && ch == 1) {
        for (int y = 0; y < oh; y++)
            memcpy(out->px + (size_t)y * ow, kx_image_row(img, y), (size_t)ow);
        return KX_OK;
    }
    /* Sum each block's rows column by column first (a loop the compiler
     * vectorises), then the columns of each block. Grey sums are plain,
     * colour sums 8.8 fixed point: at most 255 * 256 * 200 * 200 per block,
     * inside 32 bits. */
    uint32_t *col = malloc((size_t)W * sizeof(uint32_t));
    if (!col) {
        kx_gray_free(out);
        return KX_ERR_NO_MEMORY;
    }
    uint32_t scale = ch == 1 ? 1 : 256;
    for (int oy = 0; oy < oh; oy++) {
        int y0 = oy * factor, y1 = y0 + factor > img->height ? img->height : y0 + factor;
        memset(col, 0, (size_t)W * sizeof(uint32_t));
        for (int y = y0; y < y1; y++) {
            const uint8_t *row = kx_image_row(img, y);
            if (ch == 1) {
                for (int x = 0; x < W; x++)
                    col[x] += row[x];
            } else {
                for (int x = 0; x < W; x++)
                    col[x] += gray_row_sum(row, x, x + 1, ch);
            }
        }
        uint8_t *dst = out->px + (size_t)oy * ow;
        int ox = 0;
        if (ch == 1) {
            /* the full blocks' (sum + n/2) / n as a multiply and a shift
             * (a division per pixel was most of the call): with
             * m = ceil(2^s / n), s = 24 + ceil(log2 n), it is exact for
             * numerators below 2^24 - here below 256 n <= 2^24 */
            uint32_t n = (uint32_t)(factor * (y1 - y0)), half = n / 2;
            int sh = 24;
            while ((1u << (sh - 24)) < n)
                sh++;
            uint64_t m = ((1ull << sh) + n - 1) / n;
            int full = W / factor;
            if (factor == 2) {
                for (; ox < full; ox++)
                    dst[ox] =
                        (uint8_t)(((uint64_t)(col[2 * ox] + col[2 * ox + 1] + half) * m) >> sh);
            } else {
                for (; ox < full; ox++) {
                    uint32_t sum = half;
                    for (int x = ox * factor; x < ox * factor + factor; x++)
                        sum += col[x];
                    dst[ox] = (uint8_t)(((uint64_t)sum * m) >> sh);
                }
            }
        }
        for (; ox < ow; ox++) {
            int x0 = ox * factor, x1 = x0 + factor > W ? W : x0 + factor;
            uint32_t sum = 0;
            for (int x = x0; x < x1; x++)
                sum += col[x];
            uint32_t n = (uint32_t)((x1 - x0) * (y1 - y0)) * scale;
            dst[ox] = (uint8_t)((sum + n / 2) / n);
        }
    }
    free(col);
    return KX_OK;
}

kx_err kx_gray_downscale(const kx_gray *src, int factor, kx_gray *out)
{
    if (!src || !src->px || factor < 1)
        return KX_ERR_INVALID_ARG;
    kx_image view = {.width = src->w,
                     .height = src->h,
                     .channels = 1,
                     .stride = (size_t)src->w,
                     .data = src->px};
    return kx_gray_from_image(&view, factor, out);
}

kx_err kx_gray_crop(const kx_gray *src, int x, int y, int w, int h, kx_gray *out)
{
    if (x < 0)
        w += x, x = 0;
    if (y < 0)
        h += y, y = 0;
    if (x + w > src->w)
        w = src->w - x;
    if (y + h > src->h)
        h = src->h - y;
    kx_err rc = kx_gray_new(w, h, out);
    if (rc)
        return rc;
    for (int r = 0; r < h; r++)
        memcpy(out->px + (size_t)r * w, src->px + (size_t)(y + r) * src->w + x, (size_t)w);
    return KX_OK;
}

kx_err kx_gray_scale(const kx_gray *src, int w, int h, kx_gray *out)
{
    kx_err rc = kx_gray_new(w, h, out);
    if (rc)
        return rc;
    /* 16.16 fixed point, pixel centres aligned */
    int64_t sx = ((int64_t)src->w << 16) / w, sy = ((int64_t)src->h << 16) / h;
    for (int y = 0; y < h; y++) {
        int64_t fy = (y * sy) + sy / 2 - 32768;
        if (fy < 0)
            fy = 0;
        int y0 = (int)(fy >> 16), y1 = y0 + 1 < src->h ? y0 + 1 : y0;
        uint32_t wy = (uint32_t)(fy & 0xffff) >> 8;
        const uint8_t *r0 = src->px + (size_t)y0 * src->w, *r1 = src->px + (size_t)y1 * src->w;
        for (int x = 0; x < w; x++) {
            int64_t fx = (x * sx) + sx / 2 - 32768;
            if (fx < 0)
                fx = 0;
            int x0 = (int)(fx >> 16), x1 = x0 + 1 < src->w ? x0 + 1 : x0;
            uint32_t wx = (uint32_t)(fx & 0xffff) >> 8;
            uint32_t top = r0[x0] * (256 - wx) + r0[x1] * wx;
            uint32_t bot = r1[x0] * (256 - wx) + r1[x1] * wx;
            out->px[(size_t)y * w + x] = (uint8_t)((top * (256 - wy) + bot * wy + 32768) >> 16);
        }
    }
    return KX_OK;
}

int kx_gray_otsu(const kx_gray *g)
{
    uint64_t hist[256] = {0};
    size_t n = (size_t)g->w * g->h;
    for (size_t i = 0; i < n; i++)
        hist[g->px[i]]++;
    double sum = 0;
    for (int i = 0; i < 256; i++)
        sum += (double)i * hist[i];
    double sum_b = 0, best = -1;
    uint64_t w_b = 0;
    int t = 127;
    for (int i = 0; i < 256; i++) {
        w_b += hist[i];
        if (w_b == 0)
            continue;
        uint64_t w_f = n - w_b;
        if (w_f == 0)
            break;
        sum_b += (double)i * hist[i];
        double m_b = sum_b / w_b, m_f = (sum - sum_b) / w_f;
        double between = (double)w_b * (double)w_f * (m_b - m_f) * (m_b - m_f);
        if (between > best) {
            best = between;
            t = i;
        }
    }
    return t;
}

void kx_gray_threshold(kx_gray *g, int t)
{
    size_t n = (size_t)g->w * g->h;
    for (size_t i = 0; i < n; i++)
        g->px[i] = g->px[i] <= t ? 0 : 255;
}

kx_err kx_gray_binarize_local(kx_gray *g, int r, int bias)
{
    int w = g->w, h = g->h;
    /* integral image, (w+1) x (h+1) */
    uint32_t *ii = calloc((size_t)(w + 1) * (h + 1), sizeof(uint32_t));
    if (!ii)
        return KX_ERR_NO_MEMORY;
    for (int y = 0; y < h; y++) {
        uint32_t row = 0;
        for (int x = 0; x < w; x++) {
            row += g->px[(size_t)y * w + x];
            ii[(size_t)(y + 1) * (w + 1) + x + 1] = ii[(size_t)y * (w + 1) + x + 1] + row;
        }
    }
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            uint32_t s = ii[(size_t)y1 * (w + 1) + x1] - ii[(size_t)y0 * (w + 1) + x1] -
                         ii[(size_t)y1 * (w + 1) + x0] + ii[(size_t)y0 * (w + 1) + x0];
            int mean = (int)(s / (uint32_t)((x1 - x0) * (y1 - y0)));
            uint8_t *p = &g->px[(size_t)y * w + x];
            *p = *p < mean - bias ? 0 : 255;
        }
    }
    free(ii);
    return KX_OK;
}

void kx_gray_stretch(kx_gray *g, double lo_pct, double hi_pct)
{
    size_t hist[256] = {0}, n = (size_t)g->w * g->h;
    for (size_t i = 0; i < n; i++)
        hist[g->px[i]]++;
    size_t lo_n = (size_t)(n * lo_pct / 100.0), hi_n = (size_t)(n * hi_pct / 100.0), acc = 0;
    int lo = 0, hi = 255;
    for (int i = 0; i < 256; i++) {
        acc += hist[i];
        if (acc <= lo_n)
            lo = i;
        if (acc < hi_n)
            hi = i + 1;
    }
    if (hi > 255)
        hi = 255;
    if (hi - lo < 8)
        return;
    uint8_t lut[256];
    for (int i = 0; i < 256; i++) {
        int v = (i - lo) * 255 / (hi - lo);
        lut[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    for (size_t i = 0; i < n; i++)
        g->px[i] = lut[g->px[i]];
}
