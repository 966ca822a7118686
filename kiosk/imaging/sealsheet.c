/* SPDX-License-Identifier: MIT */
/*
 * sealsheet.c - analysis of the electronic-seal collection sheet: ruled
 * table -> per-cell verdicts -> transparent seal and signature images.
 *
 * Map of this file:
 *   0. scratch memory      one arena of huge-page-advised chunks per analysis
 *   1. block maps          one pass over the scan into S x S block means
 *                          (S ~ 0.34 mm) of the red and dark strengths
 *                          (sealsheet_internal.h), where everything coarse
 *                          happens
 *   2. table               the largest ruled component (block masks
 *                          labelled as runs, runlabel.h), its skew
 *                          (projection profiles over candidate angles), its
 *                          four horizontal and four vertical lines, their
 *                          edges refined on full-resolution pixels
 *   3. impressions         ink blocks -> pieces (bridging lines) -> groups
 *                          of nearby pieces -> the capture cell holding most
 *                          of the ink -> verdicts (missing, crosses_line,
 *                          faint, ok)
 *   4. export              deskewed, tightly cropped RGBA of the best cell
 *                          (fixed-point bilinear sampling; an AVX2 pass in
 *                          sealsheet_avx2.c where the CPU has it,
 *                          bit-identical to the scalar path)
 *   5. public API, names and advice
 *
 * Coordinates: the table's horizontal lines satisfy v = y - x*th = const and
 * its vertical lines u = x + y*tv = const (th, tv: tangents of the skew; kept
 * apart so slight printer shear does not matter). Cells are rectangles in
 * (u, v). The ruling lines are black and the seals red, so red ink is seen
 * even beside a line; over a line nothing is seen, which is why a crossing is
 * judged from ink that reaches a line's edge, not ink on the line.
 *
 * Must never: keep the caller's pixels, allocate in proportion to anything
 * but the image size, or let an impression of one cell decide another's
 * verdict (each impression is assigned to exactly one cell).
 */
#include "imaging/sealsheet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "imaging/sealsheet_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Tuning, in millimetres or 0..255 strength units above the paper. Values
 * were set on tools/testdata/gen_sealsheet.py's varied sheets. */
#define SS_BLOCK_MM 0.34 /* block size of the coarse maps */
#define SS_LINE_T 22     /* block mean darkness of a ruling line (0.1 mm lines too) */
#define SS_RED_T 10      /* block mean red strength counted as seal ink */
#define SS_SIG_T 16      /* block mean darkness counted as pen ink */
#define SS_MAX_SKEW_DEG 6.0
#define SS_MAX_LINES 6       /* ruled lines kept per direction (a heading row adds one) */
#define SS_MIN_BOX_MM 15.0   /* the narrowest row or column of the three */
#define SS_ROI_MARGIN_MM 8.0 /* look this far outside the table for spills */
#define SS_BAND_MM 0.25      /* line band guard beyond a line's measured edge */
#define SS_TOUCH_MM 0.35     /* ink this close to a line's edge touches it */
#define SS_TOUCH_PX_MM 0.5   /* seal ink pixels this close to a line's edge touch it */
#define SS_TOUCH_RED 24      /* ... when this red (noise on paper stays below) */
#define SS_MIN_INK_MM2 1.5   /* smaller ink components are dust */
#define SS_SPECK_MM2 0.3     /* ... and smaller pieces join no impression */
#define SS_REACH_BLOCKS 2    /* ink this close to a line's band reaches it */
#define SS_DILATE_BLOCKS 2   /* pen ink joined across gaps of 2 x 2 blocks (~1.4 mm) */
#define SS_SEAL_DILATE                                                                         \
    1                       /* seal ink: 2 blocks (~0.7 mm), so that two impressions           \
                             * 1 mm apart stay two pieces */
#define SS_GROUP_MM 3.0     /* ink pieces this close form one impression */
#define SS_GROUP_FAR_MM 8.0 /* ... and this close to a line-crossing one */
#define SS_PEN_HUG_MM 4.0   /* two signatures this close across a line: tangled */
#define SS_CROP_MARGIN_MM 1.0
/* A seal is faint when the p90 of its pixels' contrast (paper minus the
 * darker of green and blue: how far the ink stands out, whatever its hue)
 * is below this. Red strength (red minus the others) would call a
 * light but legible pinkish or worn impression faint: on the generated
 * sets faint impressions reach 58 and legible ones start at 81. */
#define SS_FAINT_SEAL 70
#define SS_FAINT_SIG 75 /* p90 per-pixel darkness below: faint */
/* An empty seal cell holds a faint impression when this much of it (mm2)
 * has 1 mm means of red minus green this far above its paper. */
#define SS_FAINT_PROBE_MM2 40.0
#define SS_FAINT_PROBE_T 6
#define SS_MAX_PIXELS (20000LL * 20000LL)

/* ------------------------------------------------------------------ 0 */

/* Scratch memory. Every buffer of one analysis (block maps, labels, masks,
 * the export's strengths: 4-6 MB for an A4 page at 300 dpi) comes from one
 * arena released at the end, and buffers that can be are reused between
 * stages: fresh memory is what costs, each first touch of a page a fault.
 * The arena's chunks are 2 MB-aligned and advised as transparent huge
 * pages, so one fault maps 2 MB; a kernel without them gives plain pages.
 * The measurements are in docs/BENCHMARKS.md (Seal sheet). */
#define SS_ARENA_CHUNK ((size_t)4 << 20)
#define SS_ARENA_ALIGN ((size_t)2 << 20)

/* Uninitialised memory for the rest of the analysis (64-byte aligned);
 * NULL when out of memory. Freed all at once by ss_arena_release(). */
static void *ss_alloc(ss_arena *a, size_t bytes)
{
    if (bytes > SIZE_MAX / 2)
        return NULL;
    bytes = bytes ? (bytes + 63) & ~(size_t)63 : 64;
    if (!a->nchunks || a->used + bytes > a->cap) {
        if (a->nchunks == SS_ARENA_MAX_CHUNKS)
            return NULL;
        size_t cap = bytes <= SS_ARENA_CHUNK
                         ? SS_ARENA_CHUNK
                         : (bytes + SS_ARENA_ALIGN - 1) & ~(SS_ARENA_ALIGN - 1);
        uint8_t *p = aligned_alloc(SS_ARENA_ALIGN, cap);
        if (!p)
            return NULL;
#ifdef MADV_HUGEPAGE
        (void)madvise(p, cap, MADV_HUGEPAGE); /* advice: small pages if refused */
#endif
        a->chunk[a->nchunks++] = p;
        a->cap = cap;
        a->used = 0;
    }
    void *r = a->chunk[a->nchunks - 1] + a->used;
    a->used += bytes;
    return r;
}

static void *ss_alloc_zero(ss_arena *a, size_t bytes)
{
    void *p = ss_alloc(a, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* A new RGBA image for the result (it outlives the arena). Its pixels are
 * all written, so not cleared first. Ordinary memory: as huge pages its
 * faults fell but not its time (docs/BENCHMARKS.md, Seal sheet). Freed by
 * kx_image_free(). */
static kx_err ss_image_new(int w, int h, kx_image **out)
{
    uint8_t *data = malloc((size_t)w * (size_t)h * 4);
    if (!data)
        return KX_ERR_NO_MEMORY;
    kx_err rc = kx_image_adopt(data, w, h, (size_t)w * 4, 4, 0, out);
    if (rc)
        free(data);
    return rc;
}

static void ss_arena_release(ss_arena *a)
{
    for (int i = 0; i < a->nchunks; i++)
        free(a->chunk[i]);
    a->nchunks = 0;
}

/* ------------------------------------------------------------------ 1 */

/* The block maps read every pixel of the scan once and are most of the
 * analysis time. Their loops read interleaved RGB (stride 3 or 4), which
 * GCC vectorises only with byte shuffles (SSSE3, AVX2); the baseline x86-64
 * target has none, so on x86-64 the row function is compiled for each and
 * the loader picks the best the CPU has (an ifunc; timings per target in
 * docs/BENCHMARKS.md, Seal sheet). Other targets get the plain loop. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SS_VECTOR_CLONES                                                                       \
    __attribute__((target_clones("arch=x86-64-v4", "avx2", "ssse3", "default")))
#else
#define SS_VECTOR_CLONES
#endif

/* Add one row's per-pixel red and dark strengths (dark times 3) into
 * acc_red and acc_dark, indexed by x, or store them when `first` (the block
 * row's first pixel row: no clearing pass). Sums of up to 32 rows (S at
 * 2400 dpi) stay below 32 * 765, so 16-bit lanes hold them and a vector
 * carries twice the pixels. Written branch-free over whole rows so the
 * compiler vectorises it; ch and first are constants in each use. */
static inline void ss_accumulate_row(const uint8_t *restrict row, int w, int ch, int first,
                                     uint16_t *restrict acc_red, uint16_t *restrict acc_dark)
{
    for (int x = 0; x < w; x++) {
        /* 8-bit max and saturating difference, widened only for the sum:
         * the vectoriser keeps 32 pixels a register that far (int
         * arithmetic here cost a quarter more time). */
        uint8_t r = row[x * ch], g = row[x * ch + 1], b = row[x * ch + 2];
        uint8_t gb = g > b ? g : b;
        uint8_t red = (uint8_t)(r > gb ? r - gb : 0);
        uint16_t dark = (uint16_t)(red > 40 ? 0
                                            : (uint16_t)(255 - r) + (uint16_t)(255 - g) +
                                                  (uint16_t)(255 - b));
        acc_red[x] = (uint16_t)((first ? 0 : acc_red[x]) + red);
        acc_dark[x] = (uint16_t)((first ? 0 : acc_dark[x]) + dark);
    }
}

/* ss_accumulate_row for an RGB (ch 3) or RGBA (ch 4) row, with ch and
 * first made constants for the vectoriser. */
SS_VECTOR_CLONES
static void ss_accumulate_color(const uint8_t *restrict row, int w, int ch, int first,
                                uint16_t *restrict acc_red, uint16_t *restrict acc_dark)
{
    if (ch == 3 && first)
        ss_accumulate_row(row, w, 3, 1, acc_red, acc_dark);
    else if (ch == 3)
        ss_accumulate_row(row, w, 3, 0, acc_red, acc_dark);
    else if (first)
        ss_accumulate_row(row, w, 4, 1, acc_red, acc_dark);
    else
        ss_accumulate_row(row, w, 4, 0, acc_red, acc_dark);
}

/* Block means of one block row from its column sums: blocks [0, nfull) are
 * S x rows pixels. The mean is floor(sum / n), exact; with S and rows
 * constants (the common cases below) the divisions become multiplications
 * and the block's column sums a fixed unrolled add. */
static inline void ss_block_means(const uint16_t *restrict cr, const uint16_t *restrict cd,
                                  int nfull, int S, int rows, uint8_t *restrict red,
                                  uint8_t *restrict dark)
{
    uint32_t n = (uint32_t)S * (uint32_t)rows;
    for (int bx = 0; bx < nfull; bx++) {
        uint32_t ar = 0, ad = 0;
        for (int k = 0; k < S; k++) {
            ar += cr[bx * S + k];
            ad += cd[bx * S + k];
        }
        red[bx] = (uint8_t)(ar / n);
        dark[bx] = (uint8_t)(ad / (3 * n));
    }
}

/* ss_block_means of a block row, with S and rows made constants for 300
 * and 200 dpi, compiled like the accumulation for the vector units the CPU
 * has. */
SS_VECTOR_CLONES
static void ss_block_row_means(const uint16_t *restrict cr, const uint16_t *restrict cd,
                               int nfull, int S, int rows, uint8_t *restrict red,
                               uint8_t *restrict dark)
{
    if (rows == S && S == 4)
        ss_block_means(cr, cd, nfull, 4, 4, red, dark);
    else if (rows == S && S == 3)
        ss_block_means(cr, cd, nfull, 3, 3, red, dark);
    else
        ss_block_means(cr, cd, nfull, S, rows, red, dark);
}

static kx_err ss_build_maps(ss_scan *s)
{
    int S = s->S, bw = s->bw, bh = s->bh;
    size_t padded = (size_t)bw * S;
    s->red = ss_alloc(&s->arena, (size_t)bw * bh);
    s->dark = ss_alloc(&s->arena, (size_t)bw * bh);
    /* Column sums over one block row. */
    uint16_t *cr = ss_alloc(&s->arena, padded * sizeof(uint16_t));
    uint16_t *cd = ss_alloc(&s->arena, padded * sizeof(uint16_t));
    if (!s->red || !s->dark || !cr || !cd)
        return KX_ERR_NO_MEMORY;
    int nfull = s->w / S; /* blocks of S columns; the last may be narrower */
    for (int by = 0; by < bh; by++) {
        int y0 = by * S, y1 = y0 + S < s->h ? y0 + S : s->h;
        for (int y = y0; y < y1; y++) {
            const uint8_t *row = s->px + (size_t)y * s->stride;
            int first = y == y0;
            if (s->ch >= 3) {
                ss_accumulate_color(row, s->w, s->ch, first, cr, cd);
            } else {
                for (int x = 0; x < s->w; x++) {
                    cr[x] = 0;
                    cd[x] =
                        (uint16_t)((first ? 0 : cd[x]) + (255 - row[(size_t)x * s->ch]) * 3);
                }
            }
        }
        uint8_t *red = s->red + (size_t)by * bw, *dark = s->dark + (size_t)by * bw;
        int rows = y1 - y0;
        ss_block_row_means(cr, cd, nfull, S, rows, red, dark);
        for (int bx = nfull; bx < bw; bx++) {
            int x0 = bx * S, x1 = x0 + S < s->w ? x0 + S : s->w;
            uint32_t ar = 0, ad = 0, n = (uint32_t)((x1 - x0) * rows);
            for (int x = x0; x < x1; x++) {
                ar += cr[x];
                ad += cd[x];
            }
            red[bx] = (uint8_t)(ar / n);
            dark[bx] = (uint8_t)(ad / (3 * n));
        }
    }
    /* Paper level: the most common block value (the page is mostly paper).
     * Four histograms per map, summed after: nearly every block has the
     * paper's value, and one counter incremented back to back waits on its
     * own store each time (a third of the maps' time with one histogram). */
    uint32_t hr4[4][256] = {{0}}, hd4[4][256] = {{0}}, hr[256], hd[256];
    size_t nblocks = (size_t)bw * bh, i = 0;
    for (; i + 4 <= nblocks; i += 4)
        for (int k = 0; k < 4; k++) {
            hr4[k][s->red[i + k]]++;
            hd4[k][s->dark[i + k]]++;
        }
    for (; i < nblocks; i++) {
        hr4[0][s->red[i]]++;
        hd4[0][s->dark[i]]++;
    }
    for (int v = 0; v < 256; v++) {
        hr[v] = hr4[0][v] + hr4[1][v] + hr4[2][v] + hr4[3][v];
        hd[v] = hd4[0][v] + hd4[1][v] + hd4[2][v] + hd4[3][v];
    }
    int mr = 0, md = 0;
    for (int v = 1; v < 256; v++) {
        if (hr[v] > hr[mr])
            mr = v;
        if (hd[v] > hd[md])
            md = v;
    }
    s->red_base = mr;
    s->dark_base = md;
    s->red_px_base = mr;
    s->dark_px_base = md;
    return KX_OK;
}

/* ------------------------------------------------------------------ 2 */

typedef struct ss_table {
    double th, tv;
    double h_lo[4], h_hi[4]; /* horizontal lines: v extent of the ink */
    double v_lo[4], v_hi[4]; /* vertical lines: u extent */
    double band;             /* guard beyond an edge, pixels */
    double touch;            /* touch distance from an edge, pixels */
    int flip;                /* the sheet lies upside down: region codes and cells
                              * are the upright sheet's, lines the scan's */
} ss_table;

typedef struct ss_pts {
    double *a, *b; /* block centres: a along the profile axis, b across */
    int n;
    int *bin; /* scratch: each point's bin at the angle being scored */
} ss_pts;

/* Profile score at tangent t: sum of squared bin counts of q = a - sgn*b*t. */
static double ss_profile_score(const ss_pts *p, double t, double sgn, double bin, double qmin,
                               int nbins, int *hist)
{
    memset(hist, 0, (size_t)nbins * sizeof(int));
    /* bin is the block size: a reciprocal multiplication is exact for 4
     * (300 dpi) and within an ulp otherwise, where a division per point
     * and angle was a third of the table's time. */
    double inv_bin = 1.0 / bin, st = sgn * t;
    const double *restrict a = p->a, *restrict b = p->b;
    int *restrict q = p->bin;
    int n = p->n;
    for (int i = 0; i < n; i++) /* vectorises apart from the counting */
        q[i] = (int)((a[i] - st * b[i] - qmin) * inv_bin);
    for (int i = 0; i < n; i++)
        if (q[i] >= 0 && q[i] < nbins)
            hist[q[i]]++;
    double score = 0;
    for (int i = 0; i < nbins; i++)
        score += (double)hist[i] * hist[i];
    return score;
}

/* Best tangent for lines along b (coarse 0.25 degree grid, then 0.025). */
static double ss_best_tangent(const ss_pts *p, double sgn, double bin, double qmin, int nbins,
                              int *hist)
{
    double best_t = 0, best = -1;
    for (double d = -SS_MAX_SKEW_DEG; d <= SS_MAX_SKEW_DEG + 1e-9; d += 0.25) {
        double t = tan(d * M_PI / 180.0);
        double sc = ss_profile_score(p, t, sgn, bin, qmin, nbins, hist);
        if (sc > best) {
            best = sc;
            best_t = d;
        }
    }
    double centre = best_t;
    for (double d = centre - 0.25; d <= centre + 0.25 + 1e-9; d += 0.025) {
        double t = tan(d * M_PI / 180.0);
        double sc = ss_profile_score(p, t, sgn, bin, qmin, nbins, hist);
        if (sc > best) {
            best = sc;
            best_t = d;
        }
    }
    return tan(best_t * M_PI / 180.0);
}

typedef struct ss_line {
    double centre, lo, hi, mass;
} ss_line;

/* Lines in a profile: runs of bins over a low threshold whose total reaches
 * half the table's extent; runs closer than `merge` bins become one (double
 * rules). Returns the number found (at most max). */
static int ss_profile_lines(const int *hist, int nbins, double bin, double qmin,
                            double extent_blocks, int merge, ss_line *out, int max)
{
    int n = 0;
    double lowt = 0.12 * extent_blocks;
    int i = 0;
    while (i < nbins) {
        if (hist[i] < lowt) {
            i++;
            continue;
        }
        int j = i;
        double m = 0, mq = 0;
        int last = i;
        while (j < nbins && (hist[j] >= lowt || j - last <= merge)) {
            if (hist[j] >= lowt) {
                last = j;
                m += hist[j];
                mq += hist[j] * (qmin + (j + 0.5) * bin);
            }
            j++;
        }
        if (m >= 0.5 * extent_blocks) {
            if (n < max) {
                out[n].mass = m;
                out[n].centre = mq / m;
                out[n].lo = qmin + i * bin;
                out[n].hi = qmin + (last + 1) * bin;
                n++;
            } else {
                /* Keep the strongest max lines. */
                int weakest = 0;
                for (int k = 1; k < max; k++)
                    if (out[k].mass < out[weakest].mass)
                        weakest = k;
                if (m > out[weakest].mass) {
                    memmove(&out[weakest], &out[weakest + 1],
                            (size_t)(max - weakest - 1) * sizeof(ss_line));
                    out[max - 1] =
                        (ss_line){mq / m, qmin + i * bin, qmin + (last + 1) * bin, m};
                }
            }
        }
        i = last + 1;
    }
    return n;
}

static int ss_cmp_line(const void *a, const void *b)
{
    double x = ((const ss_line *)a)->centre, y = ((const ss_line *)b)->centre;
    return (x > y) - (x < y);
}

/* The four lines of the three rows (or columns) among n found: every gap
 * at least min_gap, the widest such span (a heading row above the three,
 * narrower than a box, falls outside it). A line between two chosen ones
 * may be passed over only when it is much weaker than they are (writing
 * along a row, which a signature crossing a line joins to the table): a
 * ruled line is not. 1 when found. */
static int ss_pick_lines(ss_line *l, int n, double min_gap, ss_line out[4])
{
    qsort(l, (size_t)n, sizeof(ss_line), ss_cmp_line);
    int best[4] = {-1, -1, -1, -1};
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            for (int c = b + 1; c < n; c++)
                for (int d = c + 1; d < n; d++) {
                    int k[4] = {a, b, c, d}, ok = 1;
                    double weakest = l[a].mass;
                    for (int q = 0; q < 4; q++)
                        weakest = fmin(weakest, l[k[q]].mass);
                    for (int q = 0; q < 3; q++)
                        ok &= l[k[q + 1]].centre - l[k[q]].centre >= min_gap;
                    for (int m = a + 1; m < d; m++)
                        ok &= m == b || m == c || l[m].mass < 0.5 * weakest;
                    if (ok && (best[0] < 0 || l[d].centre - l[a].centre >
                                                  l[best[3]].centre - l[best[0]].centre))
                        memcpy(best, k, sizeof(best));
                }
    for (int q = 0; q < 4 && best[0] >= 0; q++)
        out[q] = l[best[q]];
    return best[0] >= 0;
}

static int ss_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ss_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), ss_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Is the full-resolution pixel part of a printed line? */
static inline int ss_is_line_px(const ss_scan *s, int x, int y)
{
    if (x < 0 || y < 0 || x >= s->w || y >= s->h)
        return 0;
    return ss_dark(s->px + (size_t)y * s->stride + (size_t)x * s->ch, s->ch) >=
           s->dark_px_base + 70;
}

/* Is the full-resolution pixel at offset `off` across the line dark? */
static inline int ss_line_at(const ss_scan *s, int horizontal, int cx, int cy, int off)
{
    return horizontal ? ss_is_line_px(s, cx, cy + off) : ss_is_line_px(s, cx + off, cy);
}

/*
 * Measure a line's edges on full-resolution pixels. horizontal: the line is
 * v = centre (v = y - x*th), sampled at the u positions in `at`; else it is
 * u = centre (u = x + y*tv), sampled at v positions. lo/hi get the medians of
 * the measured edges (in v or u); left unchanged when fewer than 3 samples
 * saw a clean line (a sample through an ink blot is skipped).
 */
static void ss_refine_line(const ss_scan *s, const ss_table *t, int horizontal, double centre,
                           double half, const double *at, int nat, double *lo, double *hi)
{
    double los[64], his[64];
    int n = 0;
    int reach = (int)ceil(half) + 2 * s->S;
    double den = 1 + t->th * t->tv;
    for (int i = 0; i < nat && n < 64; i++) {
        double x, y;
        if (horizontal) {
            x = (at[i] - centre * t->tv) / den;
            y = centre + x * t->th;
        } else {
            y = (at[i] + centre * t->th) / den;
            x = centre - y * t->tv;
        }
        int cx = (int)lround(x), cy = (int)lround(y);
        int found = 0, d0 = 0;
        for (int d = 0; d <= reach && !found; d++) {
            if (ss_line_at(s, horizontal, cx, cy, d)) {
                d0 = d;
                found = 1;
            } else if (ss_line_at(s, horizontal, cx, cy, -d)) {
                d0 = -d;
                found = 1;
            }
        }
        if (!found)
            continue;
        int a = d0, b = d0;
        while (a - 1 >= -2 * reach && ss_line_at(s, horizontal, cx, cy, a - 1))
            a--;
        while (b + 1 <= 2 * reach && ss_line_at(s, horizontal, cx, cy, b + 1))
            b++;
        if (b - a + 1 >= 2 * reach)
            continue; /* ink blot across the line: not a clean measurement */
        /* Along the line's normal its own coordinate moves 1:1 with y (or x). */
        double base = horizontal ? cy - cx * t->th : cx + cy * t->tv;
        los[n] = base + a - 0.5;
        his[n] = base + b + 0.5;
        n++;
    }
    if (n >= 3) {
        *lo = ss_median(los, n);
        *hi = ss_median(his, n);
    }
}

/* Find the table in component `comp` (runs whose comp[] is comp, within the
 * block bounds bx0..bx1, by0..by1). */
static kx_err ss_fit_table(ss_scan *s, const kx_run *run, const int *comp_of, int nrun,
                           int comp, int bx0, int by0, int bx1, int by1, ss_table *t)
{
    int S = s->S;
    int cap = 0;
    for (int i = 0; i < nrun; i++)
        if (comp_of[i] == comp)
            cap += run[i].x1 - run[i].x0;
    kx_err rc = KX_ERR_NO_TABLE;
    double *buf = ss_alloc(&s->arena, (size_t)cap * 4 * sizeof(double));
    int nb = (int)(hypot((bx1 - bx0 + 1) * S, (by1 - by0 + 1) * S) / S) + 8;
    int *hist = ss_alloc(&s->arena, (size_t)nb * 2 * sizeof(int));
    if (!buf || !hist)
        return KX_ERR_NO_MEMORY;
    int *bins = ss_alloc(&s->arena, (size_t)cap * sizeof(int));
    if (!bins)
        return KX_ERR_NO_MEMORY;
    ss_pts ph = {buf, buf + cap, 0, bins},
           pv = {buf + 2 * (size_t)cap, buf + 3 * (size_t)cap, 0, bins};
    /* Runs are in raster order, so the points are too (as the block scan
     * that preceded them gave them). */
    for (int i = 0; i < nrun; i++) {
        if (comp_of[i] != comp)
            continue;
        double y = run[i].y * S + S / 2.0;
        for (int bx = run[i].x0; bx < run[i].x1; bx++) {
            double x = bx * S + S / 2.0;
            ph.a[ph.n] = y;
            ph.b[ph.n++] = x;
            pv.a[pv.n] = x;
            pv.b[pv.n++] = y;
        }
    }
    double bin = S;
    double slack = tan(SS_MAX_SKEW_DEG * M_PI / 180.0) * (bx1 - bx0 + by1 - by0 + 2) * S;
    double qmin_h = by0 * S - slack, qmin_v = bx0 * S - slack;
    int nbins_h = (int)(((by1 - by0 + 1) * S + 2 * slack) / bin) + 2;
    int nbins_v = (int)(((bx1 - bx0 + 1) * S + 2 * slack) / bin) + 2;
    if (nbins_h > 2 * nb || nbins_v > 2 * nb)
        return KX_ERR_INTERNAL;
    t->th = ss_best_tangent(&ph, 1.0, bin, qmin_h, nbins_h, hist);
    t->tv = ss_best_tangent(&pv, -1.0, bin, qmin_v, nbins_v, hist);
    double width_blocks = (bx1 - bx0 + 1) / sqrt(1 + t->th * t->th);
    double height_blocks = (by1 - by0 + 1) / sqrt(1 + t->tv * t->tv);
    int merge = (int)ceil(1.5 * s->k / bin);
    ss_line hall[SS_MAX_LINES], vall[SS_MAX_LINES], hl[4], vl[4];
    ss_profile_score(&ph, t->th, 1.0, bin, qmin_h, nbins_h, hist);
    int nh =
        ss_profile_lines(hist, nbins_h, bin, qmin_h, width_blocks, merge, hall, SS_MAX_LINES);
    ss_profile_score(&pv, t->tv, -1.0, bin, qmin_v, nbins_v, hist);
    int nv =
        ss_profile_lines(hist, nbins_v, bin, qmin_v, height_blocks, merge, vall, SS_MAX_LINES);
    /* Rows and columns must be real boxes; a heading row (or column) is
     * narrower and left out. */
    if (!ss_pick_lines(hall, nh, SS_MIN_BOX_MM * s->k, hl) ||
        !ss_pick_lines(vall, nv, SS_MIN_BOX_MM * s->k, vl))
        return rc;
    /* Refine each line's edges between the crossings. */
    for (int i = 0; i < 4; i++) {
        double at[24];
        int nat = 0;
        for (int c = 0; c < 3; c++)
            for (int j = 1; j <= 8 && nat < 24; j++) {
                double f = j / 9.0;
                at[nat++] = vl[c].centre + f * (vl[c + 1].centre - vl[c].centre);
            }
        /* at[] are u positions; along a horizontal line x ~ u (skew small). */
        t->h_lo[i] = hl[i].lo;
        t->h_hi[i] = hl[i].hi;
        ss_refine_line(s, t, 1, hl[i].centre, (hl[i].hi - hl[i].lo) / 2, at, nat, &t->h_lo[i],
                       &t->h_hi[i]);
        nat = 0;
        for (int r = 0; r < 3; r++)
            for (int j = 1; j <= 8 && nat < 24; j++) {
                double f = j / 9.0;
                at[nat++] = hl[r].centre + f * (hl[r + 1].centre - hl[r].centre);
            }
        t->v_lo[i] = vl[i].lo;
        t->v_hi[i] = vl[i].hi;
        ss_refine_line(s, t, 0, vl[i].centre, (vl[i].hi - vl[i].lo) / 2, at, nat, &t->v_lo[i],
                       &t->v_hi[i]);
    }
    t->band = S / 2.0 + SS_BAND_MM * s->k;
    t->touch = t->band + SS_TOUCH_MM * s->k;
    return KX_OK;
}

static kx_err ss_find_table(ss_scan *s, ss_table *t)
{
    kx_err rc =
        kx_runs_label(s->dark, s->bw, s->bh, (size_t)s->bw, s->dark_base + SS_LINE_T, &s->runs);
    if (rc)
        return rc;
    const kx_run *run = s->runs.run;
    const int *parent = s->runs.comp;
    int n = s->runs.n, ncomp = s->runs.ncomp;
    /* Bounding boxes of the components; keep the biggest few. */
    enum { CANDS = 6 };
    struct {
        int root, x0, y0, x1, y1;
        long area;
    } cand[CANDS];
    int ncand = 0;
    int *bb = ss_alloc(&s->arena, (size_t)(ncomp ? ncomp : 1) * 4 * sizeof(int));
    if (!bb)
        return KX_ERR_NO_MEMORY;
    for (int i = 0; i < ncomp; i++) {
        bb[4 * i] = s->bw;
        bb[4 * i + 1] = s->bh;
        bb[4 * i + 2] = -1;
        bb[4 * i + 3] = -1;
    }
    for (int i = 0; i < n; i++) {
        int *b = &bb[4 * (size_t)parent[i]];
        if (run[i].x0 < b[0])
            b[0] = run[i].x0;
        if (run[i].y < b[1])
            b[1] = run[i].y;
        if (run[i].x1 - 1 > b[2])
            b[2] = run[i].x1 - 1;
        if (run[i].y > b[3])
            b[3] = run[i].y;
    }
    double min_blocks = 40.0 * s->k / s->S; /* a table is at least 40 mm each way */
    for (int i = 0; i < ncomp; i++) {
        int *b = &bb[4 * (size_t)i];
        if (b[2] - b[0] + 1 < min_blocks || b[3] - b[1] + 1 < min_blocks)
            continue;
        long area = (long)(b[2] - b[0] + 1) * (b[3] - b[1] + 1);
        if (ncand == CANDS && cand[CANDS - 1].area >= area)
            continue; /* (compared an unset slot when the sixth arrived) */
        int pos = ncand < CANDS ? ncand++ : CANDS - 1;
        cand[pos].root = i;
        cand[pos].x0 = b[0];
        cand[pos].y0 = b[1];
        cand[pos].x1 = b[2];
        cand[pos].y1 = b[3];
        cand[pos].area = area;
        for (int k = pos; k > 0 && cand[k].area > cand[k - 1].area; k--) {
            __typeof__(cand[0]) tmp = cand[k];
            cand[k] = cand[k - 1];
            cand[k - 1] = tmp;
        }
    }
    rc = KX_ERR_NO_TABLE;
    for (int c = 0; c < ncand && rc == KX_ERR_NO_TABLE; c++)
        rc = ss_fit_table(s, run, parent, n, cand[c].root, cand[c].x0, cand[c].y0, cand[c].x1,
                          cand[c].y1, t);
    if (rc == KX_ERR_NO_TABLE)
        kx_err_set_detail("no ruled table of 3 rows and 3 columns (%d candidates)", ncand);
    return rc;
}

/* ------------------------------------------------------------------ 3 */

/* Where a point lies relative to the table. */
enum { SS_OUT = -1, SS_LINE = -2, SS_SIDE = -3 };
/* Region code: SS_OUT (above or below the table), SS_SIDE (left or right of
 * it), SS_LINE, or row*3 + col (col 0 = label, 1..2 capture). */
static int ss_region(const ss_table *t, double x, double y)
{
    double u = x + y * t->tv, v = y - x * t->th;
    if (v < t->h_lo[0] - t->band || v > t->h_hi[3] + t->band)
        return SS_OUT;
    if (u < t->v_lo[0] - t->band || u > t->v_hi[3] + t->band)
        return SS_SIDE;
    for (int i = 0; i < 4; i++)
        if ((v >= t->h_lo[i] - t->band && v <= t->h_hi[i] + t->band) ||
            (u >= t->v_lo[i] - t->band && u <= t->v_hi[i] + t->band))
            return SS_LINE;
    int r = 0, c = 0;
    while (r < 2 && v > t->h_hi[r + 1])
        r++;
    while (c < 2 && u > t->v_hi[c + 1])
        c++;
    return t->flip ? (2 - r) * 3 + 2 - c : r * 3 + c;
}

/* u (along_u) or v of block i's centre in a ROI row, computed exactly as
 * ss_region computes it. */
static inline double ss_row_coord(const ss_table *t, int x0, int S, double y, int i,
                                  int along_u)
{
    double x = (x0 + i) * S + S / 2.0;
    return along_u ? x + y * t->tv : y - x * t->th;
}

/* The first block of the row where (coord > T) (strict) or (coord >= T)
 * differs from block 0's answer; n when it never does. u rises along a row
 * and v moves one way (rounding keeps both monotone), so it flips once:
 * found from the lines' equation, then settled on the exact comparisons. */
static int ss_row_flip(const ss_table *t, int x0, int S, double y, int n, int along_u, double T,
                       int strict)
{
#define SS_PRED(i)                                                                             \
    (strict ? ss_row_coord(t, x0, S, y, (i), along_u) > T                                      \
            : ss_row_coord(t, x0, S, y, (i), along_u) >= T)
    int p0 = SS_PRED(0);
    if (n < 2 || SS_PRED(n - 1) == p0)
        return n;
    double xt = along_u ? T - y * t->tv : (y - T) / t->th; /* x where coord = T */
    double est = (xt - S / 2.0) / S - x0;
    int i = !(est > 1) ? 1 : est > n - 1 ? n - 1 : (int)est;
    while (i > 1 && SS_PRED(i - 1) != p0)
        i--;
    while (i < n && SS_PRED(i) == p0)
        i++;
    return i;
#undef SS_PRED
}

/* Region codes of the n block centres (x0 + i)*S + S/2 of a ROI row at y.
 * Every comparison ss_region makes is against one of 10 thresholds on u or
 * on v, and flips once along the row; between the flips the code cannot
 * change, so it is computed once per stretch (not once per block). */
static void ss_region_row(const ss_table *t, int x0, int S, double y, int n, int8_t *out)
{
    double th[2][10];
    for (int axis = 0; axis < 2; axis++) {
        const double *lo = axis ? t->v_lo : t->h_lo, *hi = axis ? t->v_hi : t->h_hi;
        for (int i = 0; i < 4; i++) {
            th[axis][2 * i] = lo[i] - t->band;
            th[axis][2 * i + 1] = hi[i] + t->band;
        }
        th[axis][8] = hi[1];
        th[axis][9] = hi[2];
    }
    int cut[41], ncut = 0;
    cut[ncut++] = 0;
    for (int axis = 0; axis < 2; axis++)
        for (int k = 0; k < 10; k++)
            for (int strict = 0; strict < 2; strict++)
                cut[ncut++] = ss_row_flip(t, x0, S, y, n, axis, th[axis][k], strict);
    for (int i = 1; i < ncut; i++) { /* insertion sort: 41 values */
        int key = cut[i], j = i - 1;
        for (; j >= 0 && cut[j] > key; j--)
            cut[j + 1] = cut[j];
        cut[j + 1] = key;
    }
    for (int k = 0; k < ncut; k++) {
        int a = cut[k], b = k + 1 < ncut ? cut[k + 1] : n;
        if (a >= n || a == b)
            continue;
        int code = ss_region(t, (x0 + a) * S + S / 2.0, y);
        memset(out + a, (int8_t)code, (size_t)(b - a));
    }
}

/* Per-cell accumulation of the ink assigned to it. */
typedef struct ss_cellacc {
    int present;
    int bx0, by0, bx1, by1; /* block bbox of ink */
    long nblocks;
    double strength_sum;
    unsigned lines;
    uint32_t hist[256];     /* per-pixel strength histogram (full resolution) */
    uint32_t contrast[256]; /* seal ink: per-pixel paper - min(green, blue) */
    unsigned entangled;     /* KX_SEAL_LINE_* between it and a neighbour's pen ink */
} ss_cellacc;

static inline int ss_px_strength(const ss_scan *s, int kind, const uint8_t *p)
{
    return kind == 0 ? ss_red(p, s->ch) - s->red_px_base : ss_dark(p, s->ch) - s->dark_px_base;
}

/* The scan's row and column (0..2, column 0 the left one) of the upright
 * sheet's capture cell `cell`. */
static void ss_cell_scan(const ss_table *t, int cell, int *r, int *c)
{
    *r = t->flip ? 2 - cell / 2 : cell / 2;
    *c = t->flip ? 1 - cell % 2 : cell % 2 + 1;
}

/* A capture cell's inner bounds on the scan: u0..u1 across, v0..v1 down. */
static void ss_cell_bounds(const ss_table *t, int cell, double *u0, double *u1, double *v0,
                           double *v1)
{
    int r, c;
    ss_cell_scan(t, cell, &r, &c);
    *u0 = t->v_hi[c];
    *u1 = t->v_lo[c + 1];
    *v0 = t->h_hi[r];
    *v1 = t->h_lo[r + 1];
}

/* A connected piece of ink (after bridging lines); on a group's root piece
 * also the totals of its whole group (g*). */
typedef struct ss_piece {
    long count, inside;  /* ink blocks; those in capture cells */
    double sum;          /* ink strength over all its blocks */
    double cell_mass[6]; /* ink strength per capture cell */
    unsigned regions;    /* bits 0-5 capture cells, bit 6 anywhere else */
    int x0, y0, x1, y1;  /* ROI block bounds */
    int group;           /* union-find parent; the root after ss_group_totals */
    long gcount, ginside;
    double gsum, gmass[6];
    unsigned gregions;
    int gx0, gy0, gx1, gy1;
} ss_piece;

static int ss_piece_root(ss_piece *p, int i)
{
    while (p[i].group != i) {
        p[i].group = p[p[i].group].group;
        i = p[i].group;
    }
    return i;
}

static void ss_piece_union(ss_piece *p, int a, int b)
{
    a = ss_piece_root(p, a);
    b = ss_piece_root(p, b);
    if (a != b)
        p[a > b ? a : b].group = a < b ? a : b;
}

/* Join the groups of pieces a and b, their totals (ss_group_totals) summed
 * onto the new root. */
static void ss_piece_merge(ss_piece *p, int a, int b)
{
    a = ss_piece_root(p, a);
    b = ss_piece_root(p, b);
    if (a == b)
        return;
    ss_piece *r = &p[a < b ? a : b], *q = &p[a < b ? b : a];
    q->group = (int)(r - p);
    r->gcount += q->gcount;
    r->ginside += q->ginside;
    r->gsum += q->gsum;
    for (int c = 0; c < 6; c++)
        r->gmass[c] += q->gmass[c];
    r->gregions |= q->gregions;
    r->gx0 = q->gx0 < r->gx0 ? q->gx0 : r->gx0;
    r->gy0 = q->gy0 < r->gy0 ? q->gy0 : r->gy0;
    r->gx1 = q->gx1 > r->gx1 ? q->gx1 : r->gx1;
    r->gy1 = q->gy1 > r->gy1 ? q->gy1 : r->gy1;
}

/* Gap in blocks between two boxes (0 when they overlap). */
static int ss_box_gap(int ax0, int ay0, int ax1, int ay1, int bx0, int by0, int bx1, int by1)
{
    int dx = bx0 > ax1 ? bx0 - ax1 : ax0 > bx1 ? ax0 - bx1 : 0;
    int dy = by0 > ay1 ? by0 - ay1 : ay0 > by1 ? ay0 - by1 : 0;
    return dx > dy ? dx : dy;
}

/* Resolve every piece's root and sum the group totals onto the roots. */
static void ss_group_totals(ss_piece *p, int n)
{
    for (int i = 0; i < n; i++) {
        p[i].group = ss_piece_root(p, i);
        ss_piece *r = &p[i];
        r->gcount = r->ginside = 0;
        r->gsum = 0;
        memset(r->gmass, 0, sizeof(r->gmass));
        r->gregions = 0;
        r->gx0 = r->gy0 = INT32_MAX;
        r->gx1 = r->gy1 = -1;
    }
    for (int i = 0; i < n; i++) {
        ss_piece *r = &p[p[i].group], *q = &p[i];
        if (!q->count)
            continue;
        r->gcount += q->count;
        r->ginside += q->inside;
        r->gsum += q->sum;
        for (int c = 0; c < 6; c++)
            r->gmass[c] += q->cell_mass[c];
        r->gregions |= q->regions;
        if (q->x0 < r->gx0)
            r->gx0 = q->x0;
        if (q->y0 < r->gy0)
            r->gy0 = q->y0;
        if (q->x1 > r->gx1)
            r->gx1 = q->x1;
        if (q->y1 > r->gy1)
            r->gy1 = q->y1;
    }
}

/* Is a block's ink blue (b above r and g)? Pen ink outside the capture
 * cells is only taken when it is: the printed text there is black. */
static int ss_block_blue(const ss_scan *s, int bx, int by)
{
    if (s->ch < 3)
        return 0;
    long sum = 0, n = 0;
    for (int y = by * s->S; y < (by + 1) * s->S && y < s->h; y++) {
        const uint8_t *p = s->px + (size_t)y * s->stride + (size_t)bx * s->S * s->ch;
        for (int x = bx * s->S; x < (bx + 1) * s->S && x < s->w; x++, p += s->ch) {
            int rg = p[0] > p[1] ? p[0] : p[1];
            sum += p[2] > rg ? p[2] - rg : 0;
            n++;
        }
    }
    return n && sum >= 15 * n;
}

/* Stage 1 of ss_find_ink: the undilated ink mask of ik->kind in the ROI
 * (ik->ink), ruling lines excluded. Outside the capture cells and beside
 * the table pen ink must be blue: labels, header and footnote are printed
 * in black. `check` is ROI-sized scratch. */
static void ss_ink_mask(const ss_scan *s, ss_ink *ik, uint8_t *check_buf)
{
    int bw = ik->rw, bh = ik->rh, kind = ik->kind;
    int thr = kind == 0 ? s->red_base + SS_RED_T : s->dark_base + SS_SIG_T;
    const uint8_t *map = kind == 0 ? s->red : s->dark;
    for (int y = 0; y < bh; y++) {
        const uint8_t *mrow = map + (size_t)(y + ik->ry0) * s->bw + ik->rx0;
        const int8_t *reg = ik->region + (size_t)y * bw;
        uint8_t *ink = ik->ink + (size_t)y * bw;
        for (int x = 0; x < bw; x++)
            ink[x] = (uint8_t)((mrow[x] >= thr) & (reg[x] != SS_LINE));
        if (kind == 0)
            continue;
        /* The blocks to check (ink above the table, below it or in a label
         * cell: region 0, 3 or 6) are flagged in a vectorised pass and
         * found with memchr. */
        uint8_t *check = check_buf + (size_t)y * bw;
        for (int x = 0; x < bw; x++)
            check[x] = (uint8_t)(ink[x] & ((reg[x] == SS_OUT) | (reg[x] == 0) | (reg[x] == 3) |
                                           (reg[x] == 6)));
        for (const uint8_t *c = memchr(check, 1, (size_t)bw); c;
             c = c + 1 < check + bw ? memchr(c + 1, 1, (size_t)(check + bw - c - 1)) : NULL) {
            int x = (int)(c - check);
            ink[x] = (uint8_t)ss_block_blue(s, x + ik->rx0, y + ik->ry0);
        }
    }
}

/* Along one line of n blocks (elements `step` apart): every stretch of
 * line-band blocks at most L long with ink right beside it on both sides
 * (within `reach` blocks, in `side`: the ink spread along the line, so a
 * stroke that crosses the line at a slant is seen on both sides) is set in
 * out: the ink goes on under the line. */
static void ss_close_across(const uint8_t *side, const int8_t *region, int n, size_t step,
                            int L, int reach, uint8_t *out)
{
    for (int i = 0; i < n;) {
        if (region[(size_t)i * step] != SS_LINE) {
            i++;
            continue;
        }
        int j = i;
        while (j < n && region[(size_t)j * step] == SS_LINE)
            j++;
        int before = 0, after = 0;
        for (int k = 1; k <= reach; k++) {
            before |= i - k >= 0 && side[(size_t)(i - k) * step];
            after |= j + k - 1 < n && side[(size_t)(j + k - 1) * step];
        }
        if (j - i <= L && before && after)
            for (int k = i; k < j; k++)
                out[(size_t)k * step] = 1;
        i = j;
    }
}

/* out = in spread by d blocks along the rows (rows: 1) or down the
 * columns (rows: 0) of a w x h map. */
static void ss_spread(const uint8_t *in, int w, int h, int d, int rows, uint8_t *out)
{
    for (int y = 0; y < h; y++) {
        uint8_t *o = out + (size_t)y * w;
        memset(o, 0, (size_t)w);
        for (int k = -d; k <= d; k++) {
            if (rows) {
                int xa = k < 0 ? -k : 0, xb = k > 0 ? w - k : w;
                const uint8_t *r = in + (size_t)y * w;
                for (int x = xa; x < xb; x++)
                    o[x] |= r[x + k];
            } else if (y + k >= 0 && y + k < h) {
                const uint8_t *r = in + (size_t)(y + k) * w;
                for (int x = 0; x < w; x++)
                    o[x] |= r[x];
            }
        }
    }
}

/* Stage 2: the mask joined across the ruling lines where ink reaches a
 * line's band from both sides (an impression that crosses the line: the
 * line hides its ink), then dilated a little (square, separable) to bridge
 * the gaps in a seal's ring of characters, into dil. Two impressions on
 * either side of a line that neither reaches stay apart. tmp: ROI-sized
 * scratch; ik->closed holds the joined mask. */
static void ss_ink_dilate(const ss_scan *s, const ss_table *t, const ss_ink *ik, uint8_t *tmp,
                          uint8_t *dil)
{
    int bw = ik->rw, bh = ik->rh;
    double widest = 0;
    for (int i = 0; i < 4; i++) {
        if (t->h_hi[i] - t->h_lo[i] > widest)
            widest = t->h_hi[i] - t->h_lo[i];
        if (t->v_hi[i] - t->v_lo[i] > widest)
            widest = t->v_hi[i] - t->v_lo[i];
    }
    int L = (int)ceil((widest + 2 * t->band) / s->S) + 2;
    if (L > 250)
        L = 250;
    uint8_t *closed = ik->closed;
    memcpy(closed, ik->ink, (size_t)bw * bh);
    /* A stroke crossing a line at up to 45 degrees from its normal moves
     * along the line by the band's width between its two sides; seal ink
     * must reach the band's very edge (ink that stops short of a line,
     * 1 mm from it, beside another impression beyond it, crosses nothing). */
    int lateral = (int)ceil((widest + 2 * t->band) / s->S);
    lateral = lateral < 2 ? 2 : lateral > 12 ? 12 : lateral;
    int reach = ik->kind ? SS_REACH_BLOCKS : 1;
    ss_spread(ik->ink, bw, bh, lateral, 0, tmp); /* along vertical lines */
    for (int y = 0; y < bh; y++)                 /* along the rows: vertical lines */
        ss_close_across(tmp + (size_t)y * bw, ik->region + (size_t)y * bw, bw, 1, L, reach,
                        closed + (size_t)y * bw);
    ss_spread(ik->ink, bw, bh, lateral, 1, tmp); /* along horizontal lines */
    for (int x = 0; x < bw; x++)                 /* down the columns: horizontal lines */
        ss_close_across(tmp + x, ik->region + x, bh, (size_t)bw, L, reach, closed + x);
    /* Pen ink is dilated across the lines as well: a signature's strokes
     * cross a line at a slant and its characters lie apart, so its pieces
     * on either side are joined by distance (ss_ink_group). */
    int R = ik->kind ? (int)ceil((widest + 2 * t->band) / s->S / 2.0) + 1 : SS_SEAL_DILATE;
    if (ik->kind && R < SS_DILATE_BLOCKS)
        R = SS_DILATE_BLOCKS;
    /* A block is set when any block of the (2R+1)^2 window around it is:
     * along the rows, then down the columns, each as ORs of shifted rows
     * (they vectorise). */
    for (int y = 0; y < bh; y++) {
        const uint8_t *in = closed + (size_t)y * bw;
        uint8_t *o = tmp + (size_t)y * bw;
        memset(o, 0, (size_t)bw);
        for (int d = -R; d <= R; d++) {
            int xa = d < 0 ? -d : 0, xb = d > 0 ? bw - d : bw;
            for (int x = xa; x < xb; x++)
                o[x] |= in[x + d];
        }
    }
    for (int y = 0; y < bh; y++) {
        uint8_t *o = dil + (size_t)y * bw;
        memset(o, 0, (size_t)bw);
        for (int yy = y - R < 0 ? 0 : y - R; yy <= y + R && yy < bh; yy++) {
            const uint8_t *in = tmp + (size_t)yy * bw;
            for (int x = 0; x < bw; x++)
                o[x] |= in[x];
        }
    }
}

/* Stage 3: the dilated ink's components as runs (s->runs) and a label per
 * ROI block (ik->labels, -1 off the runs). */
static kx_err ss_ink_label(ss_scan *s, ss_ink *ik, const uint8_t *dil)
{
    int bw = ik->rw, bh = ik->rh;
    kx_err rc = kx_runs_label(dil, bw, bh, (size_t)bw, 1, &s->runs);
    if (rc)
        return rc;
    for (int i = 0, y = 0, x = 0; y < bh; y++, x = 0) {
        int *lab = ik->labels + (size_t)y * bw;
        for (; i < s->runs.n && s->runs.run[i].y == y; i++) {
            const kx_run *r = &s->runs.run[i];
            for (; x < r->x0; x++)
                lab[x] = -1;
            for (; x < r->x1; x++)
                lab[x] = s->runs.comp[i];
        }
        for (; x < bw; x++)
            lab[x] = -1;
    }
    return KX_OK;
}

/* Stage 4: each component's ink blocks summed into its piece (count,
 * strength, bounds, mass per capture cell). Ink blocks lie in the dilated
 * runs, which are visited in raster order (the sums come out as a scan of
 * every block would make them). */
static void ss_ink_pieces(const ss_scan *s, const ss_ink *ik, ss_piece *pieces)
{
    int bw = ik->rw, ncomp = s->runs.ncomp;
    const uint8_t *map = ik->kind == 0 ? s->red : s->dark;
    int base = ik->kind ? s->dark_base : s->red_base;
    for (int i = 0; i < ncomp; i++) {
        pieces[i].x0 = pieces[i].y0 = INT32_MAX;
        pieces[i].x1 = pieces[i].y1 = -1;
        pieces[i].group = i;
    }
    const kx_run *runs = s->runs.run;
    for (int k = 0; k < s->runs.n; k++)
        for (int x = runs[k].x0, y = runs[k].y; x < runs[k].x1; x++) {
            size_t i = (size_t)y * bw + x;
            if (!ik->ink[i])
                continue;
            ss_piece *pc = &pieces[s->runs.comp[k]];
            double v = map[(size_t)(y + ik->ry0) * s->bw + (x + ik->rx0)] - base;
            pc->count++;
            pc->sum += v;
            if (x < pc->x0)
                pc->x0 = x;
            if (x > pc->x1)
                pc->x1 = x;
            if (y < pc->y0)
                pc->y0 = y;
            if (y > pc->y1)
                pc->y1 = y;
            int reg = ik->region[i];
            if (reg >= 0 && reg % 3 != 0) {
                int c = (reg / 3) * 2 + reg % 3 - 1;
                pc->inside++;
                pc->cell_mass[c] += v;
                pc->regions |= 1u << c;
            } else if (reg != SS_LINE) {
                pc->regions |= 1u << 6;
            }
        }
}

/* The capture cell holding most of the ink of these masses, -1 none. */
static int ss_home(const double mass[6])
{
    int best = -1;
    for (int c = 0; c < 6; c++)
        if (mass[c] > 0 && (best < 0 || mass[c] > mass[best]))
            best = c;
    return best;
}

/* May seal pieces of these homes be one impression? Not when each is mostly
 * in a different cell (two impressions on either side of a line; a seal is
 * one compact shape, so its parts across a line are joined where its ink
 * reaches the line from both sides). A signature's characters may be apart
 * on either side of the line it crosses, so pen ink is grouped by distance
 * alone. */
static int ss_same_home(int a, int b)
{
    return a == b || a < 0 || b < 0;
}

/* Seal ink: a piece lying inside the box of a larger one (a character
 * inside its seal's ring, also beyond a line the ring crosses) is part of
 * it: of the one whose centre is nearest, where two boxes hold it. */
static void ss_seal_contain(ss_piece *p, int n, long speck)
{
    for (int i = 0; i < n; i++) {
        if (p[i].count < speck)
            continue;
        int best = -1;
        double best_d = 0, cx = p[i].x0 + p[i].x1, cy = p[i].y0 + p[i].y1;
        for (int j = 0; j < n; j++) {
            if (p[j].count <= p[i].count || p[i].x0 < p[j].x0 || p[i].y0 < p[j].y0 ||
                p[i].x1 > p[j].x1 || p[i].y1 > p[j].y1)
                continue;
            double dx = cx - (p[j].x0 + p[j].x1), dy = cy - (p[j].y0 + p[j].y1);
            double d = dx * dx + dy * dy;
            if (best < 0 || d < best_d) {
                best = j;
                best_d = d;
            }
        }
        if (best >= 0)
            ss_piece_union(p, i, best);
    }
}

/* Pen ink: two groups in the two signature cells, on one line of writing
 * and a few millimetres apart across the line between them. When one is
 * much narrower than the other it is the rest of that signature, written
 * on past the line (the characters of a signature lie apart, so no stroke
 * need cross it), unless more of its cell's writing is on its line:
 * joined, the signature crosses the line. When they are
 * alike and both hug the line, which strokes belong to which cannot be
 * told: both cells are marked (tangled, read as crossing the line). */
static void ss_pen_across(const ss_scan *s, ss_piece *p, int n, unsigned tangled[6])
{
    int far = (int)ceil(SS_GROUP_FAR_MM * s->k / s->S);
    int near = (int)ceil(SS_PEN_HUG_MM * s->k / s->S);
    double min_blocks = SS_MIN_INK_MM2 * s->k * s->k / (s->S * s->S);
    for (int i = 0; i < n; i++) {
        ss_piece *a = &p[i];
        if (a->group != i || a->gcount < min_blocks || ss_home(a->gmass) != 4)
            continue;
        for (int j = 0; j < n && a->group == i; j++) {
            ss_piece *b = &p[j];
            if (b->group != j || b->gcount < min_blocks || ss_home(b->gmass) != 5)
                continue;
            /* cell 4 is the upright sheet's left one: the scan's right
             * one when the sheet lies upside down */
            int gap = s->upside_down ? a->gx0 - b->gx1 : b->gx0 - a->gx1;
            int ov =
                (a->gy1 < b->gy1 ? a->gy1 : b->gy1) - (a->gy0 > b->gy0 ? a->gy0 : b->gy0) + 1;
            int ha = a->gy1 - a->gy0 + 1, hb = b->gy1 - b->gy0 + 1;
            if (gap < 0 || gap > far || 2 * ov < (ha < hb ? ha : hb))
                continue;
            int wa = a->gx1 - a->gx0 + 1, wb = b->gx1 - b->gx0 + 1;
            /* the narrower one with more writing on its line in its own
             * cell is part of that cell's signature */
            const ss_piece *nar = wa < wb ? a : b;
            int alone = 1;
            for (int k = 0; k < n && alone; k++) {
                const ss_piece *c = &p[k];
                alone = !(c->group == k && c != nar && c->gcount >= min_blocks &&
                          ss_home(c->gmass) == ss_home(nar->gmass) && c->gy0 <= nar->gy1 &&
                          nar->gy0 <= c->gy1);
            }
            if (alone && (2 * wa < wb || 2 * wb < wa)) {
                ss_piece_merge(p, i, j);
            } else if (gap <= near) {
                tangled[4] |= KX_SEAL_LINE_RIGHT;
                tangled[5] |= KX_SEAL_LINE_LEFT;
            }
        }
    }
}

/* Stage 5: pieces grouped into impressions, group totals on the roots: pieces
 * a few millimetres apart in the same cell, then the rest of an impression
 * that crosses a line. */
static void ss_ink_group(const ss_scan *s, int kind, ss_piece *pieces, int ncomp,
                         unsigned tangled[6])
{
    /* Round 1: pieces a few millimetres apart are one impression (the
     * strokes of a signature, the parts of a seal where ink is missing),
     * unless they are seal ink mostly in two different cells. */
    if (ncomp <= 4000) {
        int gap = (int)ceil(SS_GROUP_MM * s->k / s->S);
        /* specks of dust beside an impression are not part of it */
        long speck = (long)ceil(SS_SPECK_MM2 * s->k * s->k / (s->S * s->S));
        if (speck < 1)
            speck = 1;
        if (!kind)
            ss_seal_contain(pieces, ncomp, speck);
        ss_group_totals(pieces, ncomp);
        /* By the homes of the groups formed so far, so that a character
         * joined to its seal's ring beyond a line does not join the
         * neighbour's impression to it, nor a stroke of one signature a
         * stroke of the next cell's a few millimetres away. */
        for (int i = 0; i < ncomp; i++)
            for (int j = i + 1; j < ncomp; j++)
                if (pieces[i].count >= speck && pieces[j].count >= speck &&
                    ss_same_home(ss_home(pieces[ss_piece_root(pieces, i)].gmass),
                                 ss_home(pieces[ss_piece_root(pieces, j)].gmass)) &&
                    ss_box_gap(pieces[i].x0, pieces[i].y0, pieces[i].x1, pieces[i].y1,
                               pieces[j].x0, pieces[j].y0, pieces[j].x1, pieces[j].y1) <= gap)
                    ss_piece_merge(pieces, i, j);
        ss_group_totals(pieces, ncomp);
        if (kind)
            ss_pen_across(s, pieces, ncomp, tangled);
        /* Round 2: an impression that crosses a line reaches into a second
         * region; ink of the same strength a little further away in its own
         * regions is the rest of it (a signature's separate characters), not
         * an impression of its own; seal ink mostly in the neighbouring cell
         * is the neighbour's impression. */
        int far = (int)ceil(SS_GROUP_FAR_MM * s->k / s->S);
        for (int i = 0; i < ncomp; i++) {
            ss_piece *a = &pieces[i];
            if (a->group != i || !a->gcount || __builtin_popcount(a->gregions) < 2)
                continue;
            for (int j = 0; j < ncomp; j++) {
                ss_piece *b = &pieces[j];
                if (j == i || b->group != j || !b->gcount ||
                    !(b->gregions & a->gregions & 63u) ||
                    (!kind && ss_home(b->gmass) != ss_home(a->gmass)))
                    continue;
                double sa = a->gsum / a->gcount, sb = b->gsum / b->gcount;
                if (sa > 1.6 * sb || sb > 1.6 * sa)
                    continue;
                /* a signature's characters lie along one line of writing */
                if (kind && (b->gy1 < a->gy0 || a->gy1 < b->gy0))
                    continue;
                if (ss_box_gap(a->gx0, a->gy0, a->gx1, a->gy1, b->gx0, b->gy0, b->gx1,
                               b->gy1) <= far)
                    ss_piece_union(pieces, i, j);
            }
        }
        /* Round 3: ink wholly outside the capture cells (in a label cell,
         * beyond the table) near an impression in a cell, of its strength,
         * is the part of it that went over the line (the line hid the
         * stroke between them). */
        ss_group_totals(pieces, ncomp);
        double min_blocks = SS_MIN_INK_MM2 * s->k * s->k / (s->S * s->S);
        for (int j = 0; j < ncomp; j++) {
            ss_piece *b = &pieces[j];
            if (b->group != j || b->gcount < min_blocks || b->gregions != 1u << 6)
                continue;
            int best = -1, best_gap = far + 1;
            for (int i = 0; i < ncomp; i++) {
                ss_piece *a = &pieces[i];
                if (a->group != i || !a->gcount || !(a->gregions & 63u))
                    continue;
                double sa = a->gsum / a->gcount, sb = b->gsum / b->gcount;
                int d =
                    ss_box_gap(a->gx0, a->gy0, a->gx1, a->gy1, b->gx0, b->gy0, b->gx1, b->gy1);
                if (sa <= 1.6 * sb && sb <= 1.6 * sa && d < best_gap) {
                    best_gap = d;
                    best = i;
                }
            }
            if (best >= 0)
                ss_piece_union(pieces, best, j);
        }
    }
    ss_group_totals(pieces, ncomp);
}

/* Stage 6: each component's cell (ik->comp_cell): the capture cell holding
 * most of its impression's ink; a seal's red belongs to the seal rows, pen
 * ink to the signature row; -1 for dust and for ink that is not in the
 * table (a logo). */
static void ss_ink_assign(const ss_scan *s, const ss_piece *pieces, ss_ink *ik)
{
    int ncomp = s->runs.ncomp, kind = ik->kind;
    double min_blocks = SS_MIN_INK_MM2 * s->k * s->k / (s->S * s->S);
    for (int i = 0; i < ncomp; i++) {
        const ss_piece *g = &pieces[pieces[i].group];
        ik->comp_cell[i] = -1;
        if (g->gcount < min_blocks || g->ginside * 10 < g->gcount * 4)
            continue;
        int best = -1;
        double best_mass = 0;
        for (int c = kind ? 4 : 0; c < (kind ? 6 : 4); c++)
            if (g->gmass[c] > best_mass) {
                best_mass = g->gmass[c];
                best = c;
            }
        ik->comp_cell[i] = best;
    }
}

/* Pen ink only: when a signature assigned to one cell reaches into the
 * other cell of the row, the ink there is not only that cell's own: where
 * one signature ends and the other begins is unclear (their characters lie
 * apart), so that cell's impression is not taken as clean either: unless
 * faint, it counts as touching the line between them (acc->entangled). */
static void ss_ink_entangled(const ss_scan *s, const ss_piece *pieces, const ss_ink *ik,
                             ss_cellacc acc[6])
{
    int ncomp = s->runs.ncomp;
    for (int i = 0; i < ncomp && ik->kind; i++) {
        const ss_piece *g = &pieces[i];
        int gc = ik->comp_cell[i];
        if (g->group != i || gc < 4)
            continue;
        int other = gc == 4 ? 5 : 4;
        /* only where its ink there is on the line of that cell's writing */
        if (g->gmass[other] > 0 && acc[other].present && g->gy0 + ik->ry0 <= acc[other].by1 &&
            acc[other].by0 <= g->gy1 + ik->ry0)
            acc[other].entangled = other == 4 ? KX_SEAL_LINE_RIGHT : KX_SEAL_LINE_LEFT;
    }
    for (int c = 4; c < 6 && ik->kind; c++)
        if (acc[c].present)
            acc[c].entangled |= ik->tangled[c];
}

/* Does seal ink in block (gx, gy), or between it and the line beside it,
 * come within SS_TOUCH_PX_MM of the line's edge? The line: vertical (u =
 * x + y*tv) or horizontal (v = y - x*th) from lo to hi, on the side dir
 * (+1: at larger u or v). Pixels are read from the block up to the line's
 * far edge: red seen on the line itself (where a line measured too wide
 * would hide it) touches too. */
static int ss_seal_touches(const ss_scan *s, const ss_table *t, int gx, int gy, int vertical,
                           double lo, double hi, int dir)
{
    if (s->ch < 3)
        return 1;
    int S = s->S, n = 0;
    double touch = SS_TOUCH_PX_MM * s->k, edge = dir > 0 ? lo : hi;
    int span = (int)ceil(6.0 * s->k); /* block to far edge: at most a few mm */
    for (int a = 0; a < S; a++) {
        /* one pixel row (vertical line) or column (horizontal line) of the
         * block, walked towards the line */
        int first = dir > 0 ? 0 : S - 1;
        for (int b = first, steps = 0; steps < S + span; b += dir, steps++) {
            int x = vertical ? gx * S + b : gx * S + a, y = vertical ? gy * S + a : gy * S + b;
            if (x < 0 || y < 0 || x >= s->w || y >= s->h)
                break;
            double q = vertical ? x + 0.5 + (y + 0.5) * t->tv : y + 0.5 - (x + 0.5) * t->th;
            if (dir > 0 ? q > hi : q < lo)
                break;
            if ((dir > 0 ? edge - q : q - edge) >= touch)
                continue;
            const uint8_t *p = s->px + (size_t)y * s->stride + (size_t)x * s->ch;
            if (ss_red(p, s->ch) - s->red_px_base >= SS_TOUCH_RED && ++n >= 2)
                return 1;
        }
    }
    return 0;
}

/* One ink block (gx, gy) of cell `cell`'s impression added to its
 * accumulator: extent, lines touched, strengths at full resolution for the
 * faint test. */
static void ss_cell_add_block(const ss_scan *s, const ss_table *t, int kind, int cell, int gx,
                              int gy, ss_cellacc *a)
{
    int S = s->S;
    const uint8_t *map = kind == 0 ? s->red : s->dark;
    if (!a->present) {
        a->present = 1;
        a->bx0 = a->bx1 = gx;
        a->by0 = a->by1 = gy;
    }
    if (gx < a->bx0)
        a->bx0 = gx;
    if (gx > a->bx1)
        a->bx1 = gx;
    if (gy < a->by0)
        a->by0 = gy;
    if (gy > a->by1)
        a->by1 = gy;
    a->nblocks++;
    a->strength_sum += map[(size_t)gy * s->bw + gx];
    double px = gx * S + S / 2.0, py = gy * S + S / 2.0;
    double u = px + py * t->tv, v = py - px * t->th, u0, u1, v0, v1;
    ss_cell_bounds(t, cell, &u0, &u1, &v0, &v1);
    double reach = t->touch - t->band + S / 2.0; /* block centre to ink edge */
    int row, col;
    ss_cell_scan(t, cell, &row, &col);
    /* The lines as the upright sheet names them (upside down, the scan's
     * left line is the sheet's right one). */
    unsigned left = t->flip ? KX_SEAL_LINE_RIGHT : KX_SEAL_LINE_LEFT;
    unsigned right = t->flip ? KX_SEAL_LINE_LEFT : KX_SEAL_LINE_RIGHT;
    unsigned top = t->flip ? KX_SEAL_LINE_BOTTOM : KX_SEAL_LINE_TOP;
    unsigned bottom = t->flip ? KX_SEAL_LINE_TOP : KX_SEAL_LINE_BOTTOM;
    /* Near a line by its block: seal ink is then looked at pixel by pixel
     * (a seal stamped 1 mm clear of a line is clear of it); pen ink, which
     * the line's own blurred edge would look like, is judged by block. */
    if (u < u0 + t->band + reach &&
        (kind || ss_seal_touches(s, t, gx, gy, 1, t->v_lo[col], u0, -1)))
        a->lines |= left;
    if (u > u1 - t->band - reach &&
        (kind || ss_seal_touches(s, t, gx, gy, 1, u1, t->v_hi[col + 1], 1)))
        a->lines |= right;
    if (v < v0 + t->band + reach &&
        (kind || ss_seal_touches(s, t, gx, gy, 0, t->h_lo[row], v0, -1)))
        a->lines |= top;
    if (v > v1 - t->band - reach &&
        (kind || ss_seal_touches(s, t, gx, gy, 0, v1, t->h_hi[row + 1], 1)))
        a->lines |= bottom;
    for (int yy = gy * S; yy < gy * S + S && yy < s->h; yy++) {
        const uint8_t *p = s->px + (size_t)yy * s->stride + (size_t)gx * S * s->ch;
        for (int xx = gx * S; xx < gx * S + S && xx < s->w; xx++, p += s->ch) {
            int st = ss_px_strength(s, kind, p);
            a->hist[st < 0 ? 0 : st > 255 ? 255 : st]++;
            if (kind == 0 && s->ch >= 3 && st > 0) {
                int c = 255 - s->dark_px_base - (p[1] < p[2] ? p[1] : p[2]);
                a->contrast[c < 0 ? 0 : c > 255 ? 255 : c]++;
            }
        }
    }
}

/* Stage 7: every assigned ink block into its cell's accumulator. */
static void ss_ink_measure(const ss_scan *s, const ss_table *t, const ss_ink *ik,
                           ss_cellacc acc[6])
{
    const kx_run *runs = s->runs.run;
    for (int k = 0; k < s->runs.n; k++)
        for (int x = runs[k].x0, y = runs[k].y; x < runs[k].x1; x++) {
            if (!ik->ink[(size_t)y * ik->rw + x])
                continue;
            int cell = ik->comp_cell[s->runs.comp[k]];
            if (cell >= 0)
                ss_cell_add_block(s, t, ik->kind, cell, x + ik->rx0, y + ik->ry0, &acc[cell]);
        }
}

/* Stage 8: which cell's impression each block's pixels belong to, for the
 * export (ik->owner, in the dilation's buffers, free by now). */
static void ss_ink_owner(const ss_scan *s, ss_ink *ik)
{
    size_t n = (size_t)ik->rw * ik->rh;
    ik->owner = (int8_t *)ik->scratch;
    memset(ik->owner, -1, n);
    const kx_run *runs = s->runs.run;
    for (int k = 0; k < s->runs.n; k++)
        for (int x = runs[k].x0, y = runs[k].y; x < runs[k].x1; x++) {
            size_t i = (size_t)y * ik->rw + x;
            ik->owner[i] =
                (int8_t)(ik->region[i] != SS_LINE ? ik->comp_cell[s->runs.comp[k]] : -1);
        }
}

/* Find the ink of `kind` in the ROI and assign it to cells (ik->labels,
 * ink, comp_cell, owner), accumulating each cell's extent, lines touched and
 * strengths in acc. ik's ROI buffers are the caller's, reused by each kind. */
static kx_err ss_find_ink(ss_scan *s, const ss_table *t, int kind, ss_ink *ik,
                          ss_cellacc acc[6])
{
    size_t n = (size_t)ik->rw * ik->rh;
    uint8_t *dil = ik->scratch, *tmp = ik->scratch + n;
    ik->kind = kind;
    ss_ink_mask(s, ik, tmp);
    ss_ink_dilate(s, t, ik, tmp, dil);
    kx_err rc = ss_ink_label(s, ik, dil);
    if (rc)
        return rc;
    size_t nc = s->runs.ncomp ? (size_t)s->runs.ncomp : 1;
    ss_piece *pieces = ss_alloc_zero(&s->arena, nc * sizeof(ss_piece));
    ik->comp_cell = ss_alloc(&s->arena, nc * sizeof(int));
    if (!pieces || !ik->comp_cell)
        return KX_ERR_NO_MEMORY;
    ss_ink_pieces(s, ik, pieces);
    memset(ik->tangled, 0, sizeof(ik->tangled));
    ss_ink_group(s, kind, pieces, s->runs.ncomp, ik->tangled);
    ss_ink_assign(s, pieces, ik);
    ss_ink_measure(s, t, ik, acc);
    ss_ink_entangled(s, pieces, ik, acc);
    ss_ink_owner(s, ik);
    return KX_OK;
}

static int ss_hist_percentile(const uint32_t *hist, double p, int from)
{
    uint64_t total = 0;
    for (int i = from; i < 256; i++)
        total += hist[i];
    if (!total)
        return 0;
    uint64_t want = (uint64_t)(p * (double)total), run = 0;
    for (int i = from; i < 256; i++) {
        run += hist[i];
        if (run > want)
            return i;
    }
    return 255;
}

/* ------------------------------------------------------------------ 4 */

/* Strength of every output pixel into str and the histogram of those >= 1. */
static inline void ss_export_strengths(const ss_scan *s, int ch, const ss_ink *ik, int cell,
                                       const ss_export_geometry *g, float *str,
                                       uint32_t hist[256])
{
    for (int j = 0; j < g->H; j++) {
        double q = g->q0 + j + 0.5, pr = g->p0 + 0.5;
        int64_t X = llround((pr * g->cs - q * g->sn) * SS_FIX_ONE);
        int64_t Y = llround((pr * g->sn + q * g->cs) * SS_FIX_ONE);
        float *orow = str + (size_t)j * g->W;
        for (int i = 0; i < g->W; i++, X += g->step_x, Y += g->step_y)
            orow[i] = ss_export_pixel(s, ch, ik, cell, g, X, Y, hist);
    }
}

/* Export cell `cell`'s impression (the ink components assigned to it, whose
 * ink blocks acc holds): deskewed, alpha from ink strength, colour the
 * ink's, cropped tight. */
static kx_err ss_export(ss_scan *s, const ss_table *t, const ss_ink *ik, int cell,
                        const ss_cellacc *acc, kx_sealsheet_area *img)
{
    int S = s->S, kind = ik->kind;
    double theta = atan(t->th), cs = cos(theta), sn = sin(theta);
    /* The extent of its ink blocks in the deskewed frame (p along the rows). */
    double p0 = 1e18, p1 = -1e18, q0 = 1e18, q1 = -1e18;
    for (int gy = acc->by0; acc->present && gy <= acc->by1; gy++)
        for (int gx = acc->bx0; gx <= acc->bx1; gx++) {
            size_t i = (size_t)(gy - ik->ry0) * ik->rw + (gx - ik->rx0);
            if (!ik->ink[i] || ik->comp_cell[ik->labels[i]] != cell)
                continue;
            double px = gx * S + S / 2.0, py = gy * S + S / 2.0;
            double p = px * cs + py * sn, q = -px * sn + py * cs;
            if (p < p0)
                p0 = p;
            if (p > p1)
                p1 = p;
            if (q < q0)
                q0 = q;
            if (q > q1)
                q1 = q;
        }
    if (p0 > p1)
        return KX_ERR_NOT_FOUND;
    double pad = S + SS_CROP_MARGIN_MM * s->k;
    p0 = floor(p0 - pad);
    q0 = floor(q0 - pad);
    int W = (int)ceil(p1 + pad - p0), H = (int)ceil(q1 + pad - q0);
    if (W <= 0 || H <= 0 || (long long)W * H > 64LL * 1024 * 1024)
        return KX_ERR_INTERNAL;
    if ((size_t)W * H > s->export_cap) {
        s->export_buf = ss_alloc(&s->arena, (size_t)W * H * sizeof(float));
        if (!s->export_buf)
            return KX_ERR_NO_MEMORY;
        s->export_cap = (size_t)W * H;
    }
    float *str = s->export_buf;
    /* The ROI block of each pixel column and row (a division per output
     * pixel otherwise). */
    int xspan = ik->rw * S, yspan = ik->rh * S;
    int *xblock = ss_alloc(&s->arena, (size_t)(xspan + yspan) * sizeof(int));
    if (!xblock)
        return KX_ERR_NO_MEMORY;
    int *yblock = xblock + xspan;
    for (int i = 0; i < xspan; i++)
        xblock[i] = i / S;
    for (int i = 0; i < yspan; i++)
        yblock[i] = (i / S) * ik->rw;
    /* Output pixel (i, j) is p = p0 + i + 0.5, q = q0 + j + 0.5 rotated
     * back: x = p cs - q sn, y = p sn + q cs, which steps by (cs, sn) along
     * a row. */
    int64_t step_x = llround(cs * SS_FIX_ONE), step_y = llround(sn * SS_FIX_ONE);
    int xorg = ik->rx0 * S, yorg = ik->ry0 * S;
    uint32_t hist[256] = {0};
    ss_export_geometry g = {p0, q0,   cs,   sn,    step_x, step_y, W,
                            H,  xorg, yorg, xspan, yspan,  xblock, yblock};
    /* ch a constant in each: the sampling's indexing folds */
#ifdef SS_EXPORT_AVX2
    /* 8 at a time when positions and byte offsets fit 31 bits */
    double reach = (double)(s->w > s->h ? s->w : s->h) + W + H + 2 * S;
    if (s->ch >= 3 && reach * SS_FIX_ONE < (double)INT32_MAX / 2 &&
        (double)s->stride * s->h < (double)INT32_MAX / 2 && __builtin_cpu_supports("avx2"))
        ss_export_strengths_avx2(s, ik, cell, &g, str, hist);
    else
#endif
        if (s->ch == 3)
        ss_export_strengths(s, 3, ik, cell, &g, str, hist);
    else if (s->ch == 4)
        ss_export_strengths(s, 4, ik, cell, &g, str, hist);
    else
        ss_export_strengths(s, 1, ik, cell, &g, str, hist);
    /* Noise floor and full-strength reference of this impression. */
    float floor_ = kind == 0 ? 18 : 32;
    float ref = (float)ss_hist_percentile(hist, 0.98, (int)floor_);
    if (ref < floor_ + 10)
        ref = floor_ + 10;
    float strong = 0.92f * ref, visible = fmaxf(floor_, 0.1f * ref);
    double sum[3] = {0, 0, 0}, nsum = 0;
    int tx0 = W, ty0 = H, tx1 = -1, ty1 = -1;
    for (int j = 0; j < H; j++) {
        const float *row = str + (size_t)j * W;
        double q = q0 + j + 0.5, pr = p0 + 0.5;
        int64_t X = llround((pr * cs - q * sn) * SS_FIX_ONE);
        int64_t Y = llround((pr * sn + q * cs) * SS_FIX_ONE);
        for (int i = 0; i < W; i++) {
            float v = row[i];
            if (v < visible)
                continue;
            if (i < tx0)
                tx0 = i;
            if (i > tx1)
                tx1 = i;
            if (j < ty0)
                ty0 = j;
            if (j > ty1)
                ty1 = j;
            if (v >= strong) {
                /* the ink's colour from its strongest pixels, sampled again
                 * exactly as above (cheaper than keeping every pixel's) */
                int32_t c[3];
                ss_sample(s, s->ch, X + i * step_x, Y + i * step_y, c);
                for (int k = 0; k < 3; k++)
                    sum[k] += (double)c[k];
                nsum++;
            }
        }
    }
    if (tx1 < 0 || nsum == 0)
        return KX_ERR_NOT_FOUND;
    for (int c = 0; c < 3; c++)
        img->ink[c] = (uint8_t)lround(sum[c] * (double)SS_FIX_VAL / nsum);
    /* Tight crop plus a small margin, inside the sampled area. */
    int m = (int)lround(SS_CROP_MARGIN_MM * s->k);
    tx0 = tx0 - m < 0 ? 0 : tx0 - m;
    ty0 = ty0 - m < 0 ? 0 : ty0 - m;
    tx1 = tx1 + m >= W ? W - 1 : tx1 + m;
    ty1 = ty1 + m >= H ? H - 1 : ty1 + m;
    int ow = tx1 - tx0 + 1, oh = ty1 - ty0 + 1;
    kx_err rc = ss_image_new(ow, oh, &img->image);
    if (rc)
        return rc;
    img->image->dpi = s->dpi;
    float alpha_scale = 255.0f / ref;
    for (int j = 0; j < oh; j++) {
        const float *row = str + (size_t)(j + ty0) * W + tx0;
        uint8_t *o = kx_image_row(img->image, j);
        for (int i = 0; i < ow; i++, o += 4) {
            float v = row[i];
            float a = v < floor_ ? 0 : v * alpha_scale;
            o[0] = img->ink[0];
            o[1] = img->ink[1];
            o[2] = img->ink[2];
            o[3] = (uint8_t)((a > 255 ? 255 : a) + 0.5f); /* lround for 0 <= a, inline */
        }
    }
    img->size_mm[0] = ow / s->k;
    img->size_mm[1] = oh / s->k;
    return KX_OK;
}

/* ------------------------------------------------------------------ 5 */

/* Table corner (outer edges of line i and j) in image coordinates. */
static void ss_corner(const ss_table *t, double u, double v, double *x, double *y)
{
    double den = 1 + t->th * t->tv;
    *y = (v + u * t->th) / den;
    *x = u - *y * t->tv;
}

static void ss_decide(const ss_scan *s, const ss_cellacc *a, int kind, kx_seal_cell *c)
{
    memset(c, 0, sizeof(*c));
    if (!a->present) {
        c->status = KX_SEAL_MISSING;
        return;
    }
    int S = s->S;
    int x0 = a->bx0 * S, y0 = a->by0 * S;
    int x1 = (a->bx1 + 1) * S < s->w ? (a->bx1 + 1) * S : s->w;
    int y1 = (a->by1 + 1) * S < s->h ? (a->by1 + 1) * S : s->h;
    c->bbox[0] = x0;
    c->bbox[1] = y0;
    c->bbox[2] = x1 - x0;
    c->bbox[3] = y1 - y0;
    int p90 = ss_hist_percentile(a->hist, 0.90, 0);
    c->strength = p90 / (kind == 0 ? 150.0 : 200.0);
    if (c->strength > 1)
        c->strength = 1;
    if (a->lines) {
        c->status = KX_SEAL_CROSSES_LINE;
        c->lines = a->lines;
    } else if (kind == 0 ? ss_hist_percentile(a->contrast, 0.90, 0) < SS_FAINT_SEAL
                         : p90 < SS_FAINT_SIG) {
        c->status = KX_SEAL_FAINT;
    } else if (a->entangled) {
        c->status = KX_SEAL_CROSSES_LINE;
        c->lines = a->entangled;
    } else {
        c->status = KX_SEAL_OK;
    }
}

/* Does the table lie upside down? The label column is the one with printed
 * text (black, not red) in all three rows; a capture column has pen ink in
 * one row at most. Upside down, the text is in the rightmost column. */
static int ss_is_upside_down(const ss_scan *s, const ss_ink *ik)
{
    long n[3][3] = {{0}}; /* [row][column] */
    int dthr = s->dark_base + SS_SIG_T, rthr = s->red_base + SS_RED_T;
    for (int y = 0; y < ik->rh; y++) {
        const int8_t *reg = ik->region + (size_t)y * ik->rw;
        const uint8_t *dark = s->dark + (size_t)(y + ik->ry0) * s->bw + ik->rx0;
        const uint8_t *red = s->red + (size_t)(y + ik->ry0) * s->bw + ik->rx0;
        for (int x = 0; x < ik->rw; x++)
            if (reg[x] >= 0 && dark[x] >= dthr && red[x] < rthr)
                n[reg[x] / 3][reg[x] % 3]++;
    }
    double min_blocks = 2.0 * s->k * s->k / (s->S * s->S); /* 2 mm2 of text */
    int rows_left = 0, rows_right = 0;
    for (int r = 0; r < 3; r++) {
        rows_left += n[r][0] >= min_blocks;
        rows_right += n[r][2] >= min_blocks;
    }
    return rows_right > rows_left;
}

/* An exported RGBA image turned by 180 degrees in place (the upright
 * impression of a sheet that lay upside down). */
static void ss_image_turn_half(kx_image *img)
{
    uint32_t *a = (uint32_t *)(void *)img->data; /* rows are width * 4 bytes */
    size_t n = (size_t)img->width * (size_t)img->height;
    for (size_t i = 0; i < n / 2; i++) {
        uint32_t tmp = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = tmp;
    }
}

/*
 * Is there a seal impression too faint to be seen as seal ink in this
 * empty seal cell? A pinkish ink's red stands little above its blue, so a
 * faint pinkish impression can stay under the red threshold; red above
 * green (which every seal ink has, and paper, pen ink, lines and shadows
 * have not) is measured instead, as 1 mm means (noise averages away),
 * against the cell's own paper (the median). Faint when at least
 * SS_FAINT_PROBE_MM2 of the cell stands SS_FAINT_PROBE_T above it, not
 * counting where seal ink was seen (a neighbour's impression crossing
 * into the cell, dust: ik->labels of the seal ink). Reads the cell's inner
 * box once.
 */
static int ss_faint_probe(ss_scan *s, const ss_table *t, const ss_ink *ik, int cell)
{
    if (s->ch < 3)
        return 0;
    double u0, u1, v0, v1;
    ss_cell_bounds(t, cell, &u0, &u1, &v0, &v1);
    double in = 1.5 * s->k, cx[4], cy[4];
    /* the cell's corners on the scan, then the axis-aligned box inside */
    ss_corner(t, u0 + in, v0 + in, &cx[0], &cy[0]);
    ss_corner(t, u1 - in, v0 + in, &cx[1], &cy[1]);
    ss_corner(t, u0 + in, v1 - in, &cx[2], &cy[2]);
    ss_corner(t, u1 - in, v1 - in, &cx[3], &cy[3]);
    int x0 = (int)ceil(fmax(fmax(cx[0], cx[2]), 0)),
        x1 = (int)floor(fmin(fmin(cx[1], cx[3]), s->w));
    int y0 = (int)ceil(fmax(fmax(cy[0], cy[1]), 0)),
        y1 = (int)floor(fmin(fmin(cy[2], cy[3]), s->h));
    int B = (int)lround(s->k);
    if (B < 1)
        B = 1;
    int nx = (x1 - x0) / B, ny = (y1 - y0) / B;
    if (nx < 4 || ny < 4)
        return 0;
    int16_t *m = ss_alloc(&s->arena, (size_t)nx * ny * sizeof(int16_t));
    int32_t *row = ss_alloc(&s->arena, (size_t)nx * sizeof(int32_t));
    if (!m || !row)
        return 0;
    uint32_t hist[512] = {0};
    for (int by = 0; by < ny; by++) {
        memset(row, 0, (size_t)nx * sizeof(int32_t));
        for (int y = y0 + by * B; y < y0 + (by + 1) * B; y++) {
            const uint8_t *p = s->px + (size_t)y * s->stride + (size_t)x0 * s->ch;
            for (int bx = 0; bx < nx; bx++)
                for (int k = 0; k < B; k++, p += s->ch)
                    row[bx] += p[0] - p[1];
        }
        for (int bx = 0; bx < nx; bx++) {
            int v = (int)lround((double)row[bx] / (B * B));
            m[(size_t)by * nx + bx] = (int16_t)v;
            hist[v + 256]++;
        }
    }
    size_t n = (size_t)nx * ny, half = 0;
    int base = 0;
    while (base < 511 && (half += hist[base]) <= n / 2)
        base++;
    base -= 256;
    long above = 0;
    for (int by = 0; by < ny; by++)
        for (int bx = 0; bx < nx; bx++) {
            if (m[(size_t)by * nx + bx] < base + SS_FAINT_PROBE_T)
                continue;
            int seen = 0; /* any ink block of the seal mask under it */
            int gx0 = (x0 + bx * B) / s->S - ik->rx0,
                gx1 = (x0 + bx * B + B - 1) / s->S - ik->rx0;
            int gy0 = (y0 + by * B) / s->S - ik->ry0,
                gy1 = (y0 + by * B + B - 1) / s->S - ik->ry0;
            for (int gy = gy0; gy <= gy1 && !seen; gy++)
                for (int gx = gx0; gx <= gx1 && !seen; gx++)
                    seen = gx >= 0 && gy >= 0 && gx < ik->rw && gy < ik->rh &&
                           ik->labels[(size_t)gy * ik->rw + gx] >= 0;
            above += !seen;
        }
    return (double)above * B * B / (s->k * s->k) >= SS_FAINT_PROBE_MM2;
}

static double ss_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static kx_err ss_analyse(ss_scan *s, kx_sealsheet_result *res)
{
    ss_table t = {0};
    double t0 = ss_now_ms();
    kx_err rc = ss_build_maps(s);
    if (rc)
        return rc;
    double t1 = ss_now_ms();
    rc = ss_find_table(s, &t);
    if (rc)
        return rc;
    double t2 = ss_now_ms(), tink = 0, texp = 0;
    /* The table's outer corners; the region of interest is their bounds
     * plus a margin for impressions that spill over the border. */
    double cxs[4], cys[4], bx0 = 1e18, by0 = 1e18, bx1 = -1e18, by1 = -1e18;
    ss_corner(&t, t.v_lo[0], t.h_lo[0], &cxs[0], &cys[0]);
    ss_corner(&t, t.v_hi[3], t.h_lo[0], &cxs[1], &cys[1]);
    ss_corner(&t, t.v_lo[0], t.h_hi[3], &cxs[2], &cys[2]);
    ss_corner(&t, t.v_hi[3], t.h_hi[3], &cxs[3], &cys[3]);
    for (int i = 0; i < 4; i++) {
        bx0 = fmin(bx0, cxs[i]);
        bx1 = fmax(bx1, cxs[i]);
        by0 = fmin(by0, cys[i]);
        by1 = fmax(by1, cys[i]);
    }
    res->table[0] = (int)fmax(0, floor(bx0));
    res->table[1] = (int)fmax(0, floor(by0));
    res->table[2] = (int)fmin(s->w, ceil(bx1)) - res->table[0];
    res->table[3] = (int)fmin(s->h, ceil(by1)) - res->table[1];
    res->skew_deg = atan(t.th) * 180.0 / M_PI;
    double mg = SS_ROI_MARGIN_MM * s->k;
    ss_ink ik = {0};
    ik.rx0 = (int)fmax(0, floor((bx0 - mg) / s->S));
    ik.ry0 = (int)fmax(0, floor((by0 - mg) / s->S));
    int rx1 = (int)fmin(s->bw - 1, ceil((bx1 + mg) / s->S));
    int ry1 = (int)fmin(s->bh - 1, ceil((by1 + mg) / s->S));
    ik.rw = rx1 - ik.rx0 + 1;
    ik.rh = ry1 - ik.ry0 + 1;
    size_t nroi = (size_t)ik.rw * ik.rh;
    ik.region = ss_alloc(&s->arena, nroi);
    ik.labels = ss_alloc(&s->arena, nroi * sizeof(int));
    ik.ink = ss_alloc(&s->arena, nroi);
    ik.scratch = ss_alloc(&s->arena, 2 * nroi);
    ik.closed = ss_alloc(&s->arena, nroi);
    ss_cellacc *acc = ss_alloc(&s->arena, 6 * sizeof(ss_cellacc));
    if (!ik.region || !ik.labels || !ik.ink || !ik.scratch || !ik.closed || !acc)
        return KX_ERR_NO_MEMORY;
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < ik.rh; y++)
            ss_region_row(&t, ik.rx0, s->S, (y + ik.ry0) * s->S + s->S / 2.0, ik.rw,
                          ik.region + (size_t)y * ik.rw);
        /* Which way up is decided on the block maps: upside down, the
         * cells are named as on the upright sheet and the scan is read
         * where it lies (nothing turned but the exported images). */
        if (pass || !ss_is_upside_down(s, &ik))
            break;
        s->upside_down = t.flip = 1;
    }
    for (int kind = 0; kind < 2 && !rc; kind++) {
        memset(acc, 0, 6 * sizeof(ss_cellacc));
        double ta = ss_now_ms();
        rc = ss_find_ink(s, &t, kind, &ik, acc);
        double tb = ss_now_ms();
        tink += tb - ta;
        for (int row = kind ? 2 : 0; !rc && row < (kind ? 3 : 2); row++) {
            kx_sealsheet_area *area = &res->areas[row];
            area->best = -1;
            double best_score = -1;
            for (int col = 0; col < 2; col++) {
                const ss_cellacc *a = &acc[row * 2 + col];
                ss_decide(s, a, kind, &area->cells[col]);
                if (!kind && !a->present && ss_faint_probe(s, &t, &ik, row * 2 + col))
                    area->cells[col].status = KX_SEAL_FAINT;
                double score = a->nblocks ? a->strength_sum / a->nblocks : 0;
                if (area->cells[col].status == KX_SEAL_OK && score > best_score) {
                    best_score = score;
                    area->best = col;
                }
            }
            if (area->best >= 0) {
                double te = ss_now_ms();
                rc = ss_export(s, &t, &ik, row * 2 + area->best, &acc[row * 2 + area->best],
                               area);
                if (!rc && t.flip)
                    ss_image_turn_half(area->image);
                texp += ss_now_ms() - te;
                if (rc == KX_ERR_NOT_FOUND) { /* nothing above the noise floor */
                    area->cells[area->best].status = KX_SEAL_FAINT;
                    area->best = -1;
                    rc = KX_OK;
                }
            }
        }
    }
    kx_log_debug("sealsheet.timing",
                 "maps_ms=%.1f table_ms=%.1f regions_ms=%.1f ink_ms=%.1f "
                 "export_ms=%.1f",
                 t1 - t0, t2 - t1, ss_now_ms() - t2 - tink - texp, tink, texp);
    return rc;
}

kx_err kx_sealsheet_analyze_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                                   int channels, double dpi, kx_sealsheet_result **out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    if (!pixels || width <= 0 || height <= 0 ||
        (channels != 1 && channels != 3 && channels != 4) ||
        stride < (size_t)width * channels || !(dpi >= 50 && dpi <= 2400)) {
        kx_err_set_detail("seal sheet: bad arguments (%dx%d, %d channels, %.0f dpi)", width,
                          height, channels, dpi);
        return KX_ERR_INVALID_ARG;
    }
    if ((long long)width * height > SS_MAX_PIXELS)
        return KX_ERR_TOO_LARGE;
    ss_scan s = {.px = pixels,
                 .w = width,
                 .h = height,
                 .ch = channels,
                 .stride = stride,
                 .dpi = dpi,
                 .k = dpi / 25.4};
    s.S = (int)lround(SS_BLOCK_MM * s.k);
    if (s.S < 1)
        s.S = 1;
    s.bw = (width + s.S - 1) / s.S;
    s.bh = (height + s.S - 1) / s.S;
    /* A sheet smaller than a postcard cannot hold the table. */
    if (width < 60 * s.k || height < 60 * s.k) {
        kx_err_set_detail("seal sheet: %dx%d pixels at %.0f dpi is too small for the table",
                          width, height, dpi);
        return KX_ERR_NO_TABLE;
    }
    kx_sealsheet_result *res = calloc(1, sizeof(*res));
    if (!res)
        return KX_ERR_NO_MEMORY;
    res->dpi = dpi;
    kx_err rc = ss_analyse(&s, res);
    res->upside_down = s.upside_down;
    ss_arena_release(&s.arena);
    kx_runs_free(&s.runs);
    if (rc) {
        kx_sealsheet_result_free(res);
        return rc;
    }
    kx_log_debug("sealsheet.analysed", "skew=%.2f company=%s/%s legal=%s/%s signature=%s/%s",
                 res->skew_deg, kx_seal_status_name(res->areas[0].cells[0].status),
                 kx_seal_status_name(res->areas[0].cells[1].status),
                 kx_seal_status_name(res->areas[1].cells[0].status),
                 kx_seal_status_name(res->areas[1].cells[1].status),
                 kx_seal_status_name(res->areas[2].cells[0].status),
                 kx_seal_status_name(res->areas[2].cells[1].status));
    *out = res;
    return KX_OK;
}

kx_err kx_sealsheet_analyze(const kx_image *img, double dpi, kx_sealsheet_result **out)
{
    if (!img || !out)
        return KX_ERR_INVALID_ARG;
    if (dpi <= 0)
        dpi = img->dpi > 0 ? img->dpi : 300.0;
    return kx_sealsheet_analyze_pixels(img->data, img->width, img->height, img->stride,
                                       img->channels, dpi, out);
}

void kx_sealsheet_result_free(kx_sealsheet_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < KX_SEAL_AREA_COUNT; i++)
        kx_image_free(res->areas[i].image);
    free(res);
}

const char *kx_seal_area_name(kx_seal_area area)
{
    switch (area) {
    case KX_SEAL_COMPANY:
        return "company_seal";
    case KX_SEAL_LEGAL:
        return "legal_seal";
    case KX_SEAL_SIGNATURE:
        return "signature";
    default:
        return "unknown";
    }
}

const char *kx_seal_status_name(kx_seal_status status)
{
    switch (status) {
    case KX_SEAL_OK:
        return "ok";
    case KX_SEAL_MISSING:
        return "missing";
    case KX_SEAL_CROSSES_LINE:
        return "crosses_line";
    case KX_SEAL_FAINT:
        return "faint";
    default:
        return "unknown";
    }
}

const char *kx_sealsheet_advice(const kx_sealsheet_area *area, kx_seal_area which)
{
    static const char *const advice[KX_SEAL_AREA_COUNT][3] = {
        {N_("No company seal found: stamp the company seal in the boxes of the first row."),
         N_("The company seal touches a ruling line: stamp it again in the middle of a box, "
            "clear of the lines."),
         N_("The company seal is too faint: stamp it again with more ink.")},
        {N_("No legal representative's seal found: stamp it in the boxes of the second row."),
         N_("The legal representative's seal touches a ruling line: stamp it again in the "
            "middle of a box, clear of the lines."),
         N_("The legal representative's seal is too faint: stamp it again with more ink.")},
        {N_("No signature found: the legal representative signs in the boxes of the third "
            "row."),
         N_("The signature touches a ruling line: sign again inside a box, clear of the "
            "lines."),
         N_("The signature is too faint: sign again with a black or blue pen, pressing "
            "firmly.")},
    };
    if (!area || which < 0 || which >= KX_SEAL_AREA_COUNT || area->best >= 0)
        return NULL;
    int crosses = 0, faint = 0;
    for (int i = 0; i < 2; i++) {
        crosses |= area->cells[i].status == KX_SEAL_CROSSES_LINE;
        faint |= area->cells[i].status == KX_SEAL_FAINT;
    }
    return advice[which][crosses ? 1 : faint ? 2 : 0];
}
