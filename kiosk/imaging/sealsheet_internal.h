/* SPDX-License-Identifier: MIT */
/*
 * sealsheet_internal.h - what the seal-sheet analyser's files share
 * (sealsheet.c, and sealsheet_avx2.c compiled for AVX2): the scan being
 * analysed, the ink of one kind in the region of interest, the pixel
 * measures and the export's fixed-point sampling. Not a public header:
 * only kiosk/imaging's seal-sheet files and its internals test include it.
 */
#ifndef KX_IMAGING_SEALSHEET_INTERNAL_H
#define KX_IMAGING_SEALSHEET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "imaging/runlabel.h"

#define SS_ARENA_MAX_CHUNKS 16

typedef struct ss_arena {
    uint8_t *chunk[SS_ARENA_MAX_CHUNKS];
    int nchunks;
    size_t cap, used; /* of the last chunk */
} ss_arena;

/* Red strength: how far red stands above green and blue (0 for neutral). */
static inline int ss_red(const uint8_t *p, int ch)
{
    if (ch < 3)
        return 0;
    int gb = p[1] > p[2] ? p[1] : p[2];
    return p[0] > gb ? p[0] - gb : 0;
}

/* Dark strength of non-red pixels (pen ink, printed lines): 255 - mean. */
static inline int ss_dark(const uint8_t *p, int ch)
{
    if (ch < 3)
        return 255 - p[0];
    if (ss_red(p, ch) > 40)
        return 0;
    return 255 - (p[0] + p[1] + p[2]) / 3;
}

typedef struct ss_scan {
    const uint8_t *px;
    int w, h, ch;
    size_t stride;
    double dpi, k;           /* k: pixels per millimetre */
    int S, bw, bh;           /* block size, block map size */
    uint8_t *red;            /* block mean red strength */
    uint8_t *dark;           /* block mean dark strength */
    int red_base, dark_base; /* paper level of each map */
    int red_px_base, dark_px_base;
    int upside_down;   /* the sheet lies upside down (decided on the block maps) */
    ss_arena arena;    /* every scratch buffer of the analysis */
    kx_runs runs;      /* components as runs (the table's, then each ink's) */
    float *export_buf; /* the export's strengths, reused by each area */
    size_t export_cap; /* its capacity in floats */
} ss_scan;

typedef struct ss_ink {
    int kind;             /* 0 red (seals), 1 dark (signature) */
    int rx0, ry0, rw, rh; /* ROI in blocks */
    int *labels;          /* ROI labels of dilated ink, -1 none */
    uint8_t *ink;         /* ROI undilated ink mask */
    int8_t *region;       /* ROI region code per block */
    int *comp_cell;       /* by component id: cell index row*2+col, -1 ignored */
    uint8_t *scratch;     /* 2 x ROI bytes: the dilation's, then `owner` */
    uint8_t *closed;      /* ROI: the ink mask joined across the lines it crosses */
    int8_t *owner;        /* ROI: the cell whose impression a block's pixels
                           * belong to (assigned component, not on a line), -1 */
    unsigned tangled[6];  /* pen ink: KX_SEAL_LINE_* across which a cell's
                           * signature cannot be told from its neighbour's */
} ss_ink;

/* The export samples every pixel of an impression's box (a quarter of a
 * million for a 40 mm seal), so its sampling is in fixed point: positions
 * in 1/65536 pixel, stepped along a row by adding, and bilinear weights of
 * 11 bits, so a channel comes out times 2^22 in a 32-bit integer, within
 * 0.07 of the exact interpolation on the 0..255 scale. */
#define SS_FIX_ONE 65536                                     /* 1.0 of a position */
#define SS_FIX_WBITS 11                                      /* bits of a bilinear weight */
#define SS_FIX_VAL (1.0f / (float)(1 << (2 * SS_FIX_WBITS))) /* a channel's unit */

/* The three channels (grey repeated) at the point (X, Y), pixel centres at
 * +0.5, times 2^22; edges clamp. ch is s->ch, passed so that callers can
 * make it a constant. */
static inline void ss_sample(const ss_scan *s, int ch, int64_t X, int64_t Y, int32_t out[3])
{
    int64_t xs = X - SS_FIX_ONE / 2, ys = Y - SS_FIX_ONE / 2;
    int x0 = (int)(xs >> 16), y0 = (int)(ys >> 16);
    int32_t fx = (int32_t)((xs >> (16 - SS_FIX_WBITS)) & ((1 << SS_FIX_WBITS) - 1));
    int32_t fy = (int32_t)((ys >> (16 - SS_FIX_WBITS)) & ((1 << SS_FIX_WBITS) - 1));
    int x1 = x0 + 1, y1 = y0 + 1;
    if (x0 < 0 || y0 < 0 || x1 >= s->w || y1 >= s->h) {
        x0 = x0 < 0 ? 0 : x0 >= s->w ? s->w - 1 : x0;
        x1 = x1 < 0 ? 0 : x1 >= s->w ? s->w - 1 : x1;
        y0 = y0 < 0 ? 0 : y0 >= s->h ? s->h - 1 : y0;
        y1 = y1 < 0 ? 0 : y1 >= s->h ? s->h - 1 : y1;
    }
    int c3 = ch >= 3;
    const uint8_t *r0 = s->px + (size_t)y0 * s->stride, *r1 = s->px + (size_t)y1 * s->stride;
    const uint8_t *a = r0 + (size_t)x0 * ch, *b = r0 + (size_t)x1 * ch;
    const uint8_t *c = r1 + (size_t)x0 * ch, *d = r1 + (size_t)x1 * ch;
    for (int k = 0; k < 3; k++) {
        int o = c3 ? k : 0;
        /* a (1 - f) + b f as a + (b - a) f: the same integers, half the
         * multiplications */
        int32_t top = (a[o] << SS_FIX_WBITS) + (b[o] - a[o]) * fx;
        int32_t bottom = (c[o] << SS_FIX_WBITS) + (d[o] - c[o]) * fx;
        out[k] = (top << SS_FIX_WBITS) + (bottom - top) * fy;
    }
}

/* Strength above the paper of a sample (ss_red / ss_dark on interpolated
 * channels), on the 0..255 scale. */
static inline float ss_strength_rgb(const ss_scan *s, int kind, const int32_t p[3])
{
    int32_t gb = p[1] > p[2] ? p[1] : p[2];
    if (kind == 0)
        return (float)(p[0] > gb ? p[0] - gb : 0) * SS_FIX_VAL - (float)s->red_px_base;
    if (p[0] - gb > (40 << (2 * SS_FIX_WBITS)))
        return 0;
    uint32_t sum = (uint32_t)p[0] + (uint32_t)p[1] + (uint32_t)p[2];
    /* divided by 3, then scaled by a power of two (exact): a fused
     * multiply-add in a vector path gives the very same value */
    return 255 - (float)sum / 3 * SS_FIX_VAL - (float)s->dark_px_base;
}

/* Where the export's output pixels fall on the scan and in the ROI. */
typedef struct ss_export_geometry {
    double p0, q0, cs, sn;  /* output pixel (i, j) is p0 + i + 0.5, q0 + j + 0.5 */
    int64_t step_x, step_y; /* along an output row, in 1/65536 pixel */
    int W, H;
    int xorg, yorg, xspan, yspan; /* the ROI in pixels */
    const int *xblock, *yblock;   /* ROI block column, row offset of a pixel */
} ss_export_geometry;

/* Strength of the output pixel at (X, Y) (0 off the impression's blocks),
 * counted in hist when >= 1. */
static inline float ss_export_pixel(const ss_scan *s, int ch, const ss_ink *ik, int cell,
                                    const ss_export_geometry *g, int64_t X, int64_t Y,
                                    uint32_t hist[256])
{
    int64_t px = (X >> 16) - g->xorg, py = (Y >> 16) - g->yorg;
    if (px < 0 || py < 0 || px >= g->xspan || py >= g->yspan ||
        ik->owner[g->yblock[py] + g->xblock[px]] != cell)
        return 0;
    int32_t c[3];
    ss_sample(s, ch, X, Y, c);
    float v = ss_strength_rgb(s, ik->kind, c);
    if (v >= 1)
        hist[v > 255 ? 255 : (int)v]++;
    return v;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SS_EXPORT_AVX2 1
/*
 * ss_export_strengths_avx2 (sealsheet_avx2.c, compiled with -mavx2: call it
 * only when __builtin_cpu_supports("avx2")) - the export's strengths of
 * every output pixel into str and the histogram of those >= 1, for RGB or
 * RGBA, 8 output pixels at a time; bit-identical to the scalar path.
 * Requires: the positions of a row and the scan's byte offsets fit 31 bits.
 */
void ss_export_strengths_avx2(const ss_scan *s, const ss_ink *ik, int cell,
                              const ss_export_geometry *g, float *str, uint32_t hist[256]);
#endif

#endif
