/* SPDX-License-Identifier: MIT */
/*
 * licence_qr.c - the licence QR reader (see licence_qr.h).
 *
 * Sections: zbar session - candidate regions - decoding a region -
 * the plan - workers - the reader - payload rules.
 *
 * Why candidates first: libzbar's cost is proportional to the pixels it
 * scans, while a QR symbol covers under 2 % of a licence page. A 640-pixel
 * texture map costs a small fraction of a whole-page scan and points at
 * the symbol; decoding a crop at ~3 px per module is cheaper still. Only a
 * page without any readable symbol pays for a whole-page scan, once, at
 * reduced size.
 *
 * The constants below were chosen on generated benchmark images; the
 * figures behind them, and the steps that led to them, are in
 * docs/BENCHMARKS.md ("Licence reader: how its plan was tuned").
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zbar.h>

#include "core/log.h"
#include "imaging/gray.h"
#include "imaging/licence_qr.h"

/* Long side of the texture map. */
#define QR_MAP_SIDE 640
/* Candidate regions tried per threshold. */
#define QR_MAX_CANDIDATES 4
/* Assumed symbol width in modules when estimating module size (version 4). */
#define QR_GUESS_MODULES 33.0

/* ---- zbar session ------------------------------------------------------ */

typedef struct qr_session {
    zbar_image_scanner_t *scanner;
    kx_licence_qr *out;
    atomic_int *stop;            /* NULL, or set when another worker has read the code */
    pthread_mutex_t *image_lock; /* NULL, or held while reading the caller's
                                    image (see qr_run_jobs) */
} qr_session;

static kx_err qr_session_open(qr_session *s, kx_licence_qr *out)
{
    s->out = out;
    s->scanner = zbar_image_scanner_create();
    if (!s->scanner)
        return KX_ERR_NO_MEMORY;
    zbar_image_scanner_set_config(s->scanner, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(s->scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    return KX_OK;
}

static void qr_session_close(qr_session *s)
{
    if (s->scanner)
        zbar_image_scanner_destroy(s->scanner);
    s->scanner = NULL;
}

/*
 * Run zbar on g. On success fill out->payload and out->bbox, mapping the
 * symbol's corners through full = origin + pos * scale. Returns 1 when a
 * symbol was read, 0 when not, -1 when the payload is too long.
 */
static int qr_zbar(qr_session *s, const kx_gray *g, double ox, double oy, double scale,
                   const char *stage)
{
    if (s->stop && atomic_load(s->stop))
        return 0;
    zbar_image_t *zi = zbar_image_create();
    if (!zi)
        return 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s->out->attempts++;
    zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zi, (unsigned)g->w, (unsigned)g->h);
    zbar_image_set_data(zi, g->px, (unsigned long)g->w * (unsigned long)g->h, NULL);
    int result = 0;
    if (zbar_scan_image(s->scanner, zi) > 0) {
        for (const zbar_symbol_t *sym = zbar_image_first_symbol(zi); sym;
             sym = zbar_symbol_next(sym)) {
            if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
                continue;
            unsigned len = zbar_symbol_get_data_length(sym);
            if (len > KX_LICENCE_MAX_PAYLOAD) {
                result = -1;
                break;
            }
            memcpy(s->out->payload, zbar_symbol_get_data(sym), len);
            s->out->payload[len] = '\0';
            s->out->payload_len = len;
            double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
            unsigned n = zbar_symbol_get_loc_size(sym);
            for (unsigned i = 0; i < n; i++) {
                double px = ox + zbar_symbol_get_loc_x(sym, i) * scale;
                double py = oy + zbar_symbol_get_loc_y(sym, i) * scale;
                x0 = fmin(x0, px), y0 = fmin(y0, py), x1 = fmax(x1, px), y1 = fmax(y1, py);
            }
            if (n) {
                s->out->bbox[0] = (int)x0, s->out->bbox[1] = (int)y0;
                s->out->bbox[2] = (int)(x1 - x0 + scale),
                s->out->bbox[3] = (int)(y1 - y0 + scale);
            }
            result = 1;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kx_log_debug("licence.qr.try", "stage=%s size=%dx%d at=%.0f,%.0f scale=%.2f got=%d ms=%.1f",
                 stage, g->w, g->h, ox, oy, scale, result,
                 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    /* the data belongs to g: detach before destroying */
    zbar_image_set_data(zi, NULL, 0, NULL);
    zbar_image_destroy(zi);
    return result;
}

/* ---- candidate regions ------------------------------------------------- */

typedef struct qr_rect {
    int x, y, w, h; /* in map pixels */
    double score;
} qr_rect;

/*
 * Texture energy smoothed over a window: QR symbols are the densest
 * two-directional texture on a licence (text strokes are thin, rulings
 * one-directional, paper flat). Writes w*h values into s, their maximum
 * into *peak_out.
 */
static kx_err qr_energy_map(const kx_gray *m, int r, float *s, float *row_peak, float *peak_out)
{
    int w = m->w, h = m->h;
    /* integral of at most 640 x 640 values of at most 3 * 255: fits 32 bits */
    uint32_t *ii = calloc((size_t)(w + 1) * (h + 1), sizeof(uint32_t));
    uint16_t *e = malloc(sizeof(uint16_t) * (size_t)w);
    if (!ii || !e) {
        free(ii);
        free(e);
        return KX_ERR_NO_MEMORY;
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *p = m->px + (size_t)y * w;
        const uint8_t *q = y + 1 < h ? p + w : p;
        uint32_t *dst = ii + (size_t)(y + 1) * (w + 1) + 1, *above = dst - (w + 1);
        /* the pixels' energy first (a loop the compiler vectorises), then
         * the running sum */
        for (int x = 0; x + 1 < w; x++) {
            int dx = abs(p[x + 1] - p[x]), dy = abs(q[x] - p[x]);
            /* both directions must be present: min favours checkerboards over
             * long edges, the sum keeps weak symbols visible */
            e[x] = (uint16_t)((dx < dy ? dx : dy) * 2 + (dx + dy) / 2);
        }
        e[w - 1] = (uint16_t)(abs(q[w - 1] - p[w - 1]) / 2);
        uint32_t row = 0;
        for (int x = 0; x < w; x++) {
            row += e[x];
            dst[x] = above[x] + row;
        }
    }
    free(e);
    /* the window's width by column, as a reciprocal: a multiply per value
     * instead of a division */
    float *inv_w = malloc(sizeof(float) * (size_t)w);
    if (!inv_w) {
        free(ii);
        return KX_ERR_NO_MEMORY;
    }
    for (int x = 0; x < w; x++) {
        int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
        inv_w[x] = 1.0f / (float)(x1 - x0);
    }
    float peak = 0;
    /* row_peak[y]: row y's largest value, for qr_regions to skip rows.
     * The columns whose window is cut by the image's edge, and between
     * them the ones whose window is whole: there the loop has no clamps
     * and the compiler vectorises it (same arithmetic, same floats) */
    int in0 = r < w ? r : w, in1 = w - r - 1 > in0 ? w - r - 1 : in0;
    float inv_in = 1.0f / (float)(2 * r + 1);
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        const uint32_t *top = ii + (size_t)y0 * (w + 1), *bot = ii + (size_t)y1 * (w + 1);
        float inv_h = 1.0f / (float)(y1 - y0);
        float *row = s + (size_t)y * w, rp = 0;
        for (int x = 0; x < w; x++) {
            if (x == in0 && in1 > in0) {
                /* sums below 640 * 640 * 765: exact in int32 */
                int32_t best = 0;
                for (; x < in1; x++) {
                    int32_t sum =
                        (int32_t)(bot[x + r + 1] - top[x + r + 1] - bot[x - r] + top[x - r]);
                    row[x] = (float)sum * inv_in * inv_h;
                    best = sum > best ? sum : best;
                }
                float v = (float)best * inv_in * inv_h;
                rp = v > rp ? v : rp;
                if (x == w)
                    break;
            }
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            uint32_t sum = bot[x1] - top[x1] - bot[x0] + top[x0];
            row[x] = (float)sum * inv_w[x] * inv_h;
            rp = row[x] > rp ? row[x] : rp;
        }
        row_peak[y] = rp;
        peak = rp > peak ? rp : peak;
    }
    free(inv_w);
    free(ii);
    *peak_out = peak;
    return KX_OK;
}

/*
 * Connected regions of s above t, best first (by summed energy); row_peak
 * is each row's largest value (rows without one above t are skipped).
 */
static kx_err qr_regions(const float *s, const float *row_peak, int w, int h, float t,
                         qr_rect *out, int *n_out)
{
    /* the stack grows with the component (each pixel is pushed once):
     * most maps have a few hundred pixels above t, not w * h */
    uint8_t *seen = calloc((size_t)w * h, 1);
    int cap = 4096, *stack = malloc(sizeof(int) * (size_t)cap);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return KX_ERR_NO_MEMORY;
    }
    int n = 0;
    for (int row = 0; row < h; row++) {
        if (row_peak[row] <= t)
            continue;
        for (int start = row * w; start < row * w + w; start++) {
            if (s[start] <= t || seen[start])
                continue;
            int sp = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
            double sum = 0;
            stack[sp++] = start;
            seen[start] = 1;
            while (sp) {
                int i = stack[--sp], x = i % w, y = i / w;
                sum += (double)s[i];
                x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
                if (sp + 4 > cap) {
                    int *grown = realloc(stack, sizeof(int) * (size_t)cap * 2);
                    if (!grown) {
                        free(seen);
                        free(stack);
                        return KX_ERR_NO_MEMORY;
                    }
                    stack = grown, cap *= 2;
                }
                const int nb[4] = {x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1,
                                   y > 0 ? i - w : -1, y + 1 < h ? i + w : -1};
                for (int k = 0; k < 4; k++)
                    if (nb[k] >= 0 && !seen[nb[k]] && s[nb[k]] > t) {
                        seen[nb[k]] = 1;
                        stack[sp++] = nb[k];
                    }
            }
            int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
            /* a symbol is roughly square (its bounding box too, at any
             * rotation); specks, text lines and rulings are not */
            double aspect = bw > bh ? (double)bw / bh : (double)bh / bw;
            if (bw < 6 || bh < 6 || aspect > 2.2)
                continue;
            qr_rect r = {x0, y0, bw, bh, sum};
            /* keep the best QR_MAX_CANDIDATES, sorted */
            int pos = n < QR_MAX_CANDIDATES ? n : QR_MAX_CANDIDATES - 1;
            if (n == QR_MAX_CANDIDATES && out[pos].score >= r.score)
                continue;
            while (pos > 0 && out[pos - 1].score < r.score) {
                out[pos] = out[pos - 1];
                pos--;
            }
            out[pos] = r;
            if (n < QR_MAX_CANDIDATES)
                n++;
        }
    }
    free(seen);
    free(stack);
    *n_out = n;
    return KX_OK;
}

/* ---- decoding a region ------------------------------------------------- */

/* Clip the span [*pos, *pos + *len) to [0, limit). */
static void qr_clip(int *pos, int *len, int limit)
{
    if (*pos < 0)
        *len += *pos, *pos = 0;
    if (*pos + *len > limit)
        *len = limit - *pos;
}

/*
 * The reduction for decoding a region `side` pixels across. With a real
 * resolution the print decides: licence codes have modules of 0.45 mm or
 * more, reduced to about 2.5 px. Without one (camera frames say 72 dpi or
 * nothing) the region's size is only a guess, and a region merged with
 * nearby print inflates it, so only clearly large symbols are reduced.
 * Regions are never decoded larger than about 1000 px a side.
 */
static int qr_region_factor(const kx_image *img, double side, double *module_est)
{
    int d;
    if (img->dpi >= 150) {
        *module_est = 0.45 * img->dpi / 25.4;
        d = (int)floor(*module_est / 2.5);
    } else {
        *module_est = side / QR_GUESS_MODULES;
        d = *module_est >= 7.0 ? 2 : 1;
    }
    return d < 1 ? 1 : d;
}

/*
 * 1 when five runs a..e (dark, light, dark, light, dark) are in the
 * proportions 1:1:3:1:1 of a QR finder pattern, within three quarters of a
 * module each (the centre within one and a half): loose, for blur.
 */
static int qr_finder_runs(const int *r)
{
    int total = r[0] + r[1] + r[2] + r[3] + r[4];
    if (total < 7)
        return 0;
    /* in units of total/7 modules, scaled by 7 to stay in integers */
    int m = total, tol = total / 2 + total / 4;
    return abs(r[0] * 7 - m) < tol && abs(r[1] * 7 - m) < tol &&
           abs(r[2] * 7 - 3 * m) < 2 * tol && abs(r[3] * 7 - m) < tol &&
           abs(r[4] * 7 - m) < tol;
}

/* A line crossing a finder pattern: its five runs' width and where. */
typedef struct qr_hit {
    int width;  /* the five runs, in pixels */
    int a0, a1; /* along the line: the first and last pixel of the runs */
    int line;   /* the row (or column) */
    int row;    /* 1 for a row, 0 for a column */
} qr_hit;

/*
 * Called for each crossing of a finder pattern: runs are its five runs,
 * ending before pixel `end` of line `line` (a row when rows). Returns 1 to
 * go on along the line, 0 to stop it.
 */
typedef int (*qr_hit_fn)(void *ctx, const int runs[5], int end, int line, int rows);

/*
 * Rows (rows 1) or columns (rows 0) of g crossing a finder pattern, dark <= t.
 * Each crossing goes to hit when not NULL; without one a line's scan stops
 * at its first crossing.
 */
static int qr_finder_lines(const kx_gray *g, int t, int rows, qr_hit_fn hit, void *ctx)
{
    int n_lines = rows ? g->h : g->w, len = rows ? g->w : g->h;
    size_t step = rows ? 1 : (size_t)g->w, stride = rows ? (size_t)g->w : 1;
    int lines = 0;
    for (int l = 0; l < n_lines; l++) {
        const uint8_t *p = g->px + stride * l;
        int runs[5] = {0}, n = 0, dark = p[0] <= t, len_run = 0, crossed = 0;
        for (int i = 0; i <= len; i++) {
            int d = i < len ? p[step * i] <= t : !dark;
            if (d == dark) {
                len_run++;
                continue;
            }
            /* a run ended: keep the last five, starting on a dark one */
            if (n == 5)
                memmove(runs, runs + 1, 4 * sizeof(int)), n = 4;
            if (n > 0 || dark)
                runs[n++] = len_run;
            if (n == 5 && dark && qr_finder_runs(runs)) {
                crossed = 1;
                if (!hit || !hit(ctx, runs, i, l, rows))
                    break;
            }
            dark = d, len_run = 1;
        }
        lines += crossed;
    }
    return lines;
}

/* Crossings kept by qr_keep_hit. */
typedef struct qr_hits {
    qr_hit *hits;
    int cap, n;
} qr_hits;

static int qr_keep_hit(void *ctx, const int runs[5], int end, int line, int rows)
{
    qr_hits *h = ctx;
    int width = runs[0] + runs[1] + runs[2] + runs[3] + runs[4];
    if (h->n < h->cap)
        h->hits[h->n++] = (qr_hit){width, end - width, end - 1, line, rows};
    return 1;
}

/*
 * Rows and columns of g crossing a QR finder pattern (cheap: one pass);
 * the columns are not counted (0) when the rows are fewer than need.
 */
static void qr_finder_count(const kx_gray *g, int need, int *rows, int *cols)
{
    int t = kx_gray_otsu(g);
    *rows = qr_finder_lines(g, t, 1, NULL, NULL);
    *cols = *rows < need ? 0 : qr_finder_lines(g, t, 0, NULL, NULL);
}

static int qr_int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Finder-pattern crossings a module size is measured from, at least. */
#define QR_MODULE_HITS 12
/* Crossings kept per direction. */
#define QR_MAX_HITS 512
/* Finder patterns told apart per cut. */
#define QR_MAX_PATTERNS 16

/* Crossings near each other: one finder pattern, seen along rows and columns. */
typedef struct qr_pattern {
    double cx, cy; /* the first crossing's centre */
    int rows, cols;
    int x0, y0, x1, y1;
} qr_pattern;

/*
 * The module size in g's pixels from the finder patterns its rows and
 * columns cross, 0 when fewer than QR_MODULE_HITS lines cross one. Unlike
 * the region's side it is not inflated by print merged with the region or
 * by a guessed version. A line crossing a pattern at an angle, and the
 * larger false patterns that blur makes of the symbol's data, only widen
 * what is found: the lower quartile of the widths of each line's first
 * crossing, over 7 (on a blurred frame the median already falls among the
 * false patterns; the lower quartile stays on the true ones).
 *
 * *patterns receives how many finder patterns the crossings no wider than
 * 1.5 lower quartiles make - crossings centred within four modules of a
 * pattern's first one, on two rows and two columns at least - and
 * box (x, y, w, h in g's pixels) the rectangle around them (w 0 when none).
 * A whole symbol has three.
 */
static double qr_finder_module(const kx_gray *g, int box[4], int *patterns)
{
    box[0] = box[1] = box[2] = box[3] = 0;
    *patterns = 0;
    qr_hit *hits = malloc(sizeof(*hits) * 2 * QR_MAX_HITS);
    if (!hits)
        return 0;
    int widths[2 * QR_MAX_HITS], n_widths = 0, t = kx_gray_otsu(g);
    qr_hits kept = {hits, QR_MAX_HITS, 0};
    qr_finder_lines(g, t, 1, qr_keep_hit, &kept);
    kept.cap = 2 * QR_MAX_HITS;
    qr_finder_lines(g, t, 0, qr_keep_hit, &kept);
    int n = kept.n;
    for (int i = 0; i < n; i++)
        if (i == 0 || hits[i].line != hits[i - 1].line || hits[i].row != hits[i - 1].row)
            widths[n_widths++] = hits[i].width;
    double module = 0;
    if (n_widths >= QR_MODULE_HITS) {
        qsort(widths, (size_t)n_widths, sizeof(int), qr_int_cmp);
        int q1 = widths[n_widths / 4];
        module = q1 / 7.0;
        qr_pattern pat[QR_MAX_PATTERNS];
        int n_pat = 0;
        for (int i = 0; i < n; i++) {
            const qr_hit *h = &hits[i];
            if (h->width * 2 > q1 * 3)
                continue;
            int hx0 = h->row ? h->a0 : h->line, hx1 = h->row ? h->a1 : h->line;
            int hy0 = h->row ? h->line : h->a0, hy1 = h->row ? h->line : h->a1;
            double cx = (hx0 + hx1) / 2.0, cy = (hy0 + hy1) / 2.0;
            int k = 0;
            for (; k < n_pat; k++)
                if (fabs(cx - pat[k].cx) <= 4 * module && fabs(cy - pat[k].cy) <= 4 * module)
                    break;
            if (k == n_pat) {
                if (n_pat == QR_MAX_PATTERNS)
                    continue;
                pat[n_pat++] = (qr_pattern){cx, cy, 0, 0, hx0, hy0, hx1, hy1};
            }
            qr_pattern *q = &pat[k];
            q->rows += h->row, q->cols += !h->row;
            q->x0 = hx0 < q->x0 ? hx0 : q->x0, q->x1 = hx1 > q->x1 ? hx1 : q->x1;
            q->y0 = hy0 < q->y0 ? hy0 : q->y0, q->y1 = hy1 > q->y1 ? hy1 : q->y1;
        }
        int x0 = g->w, y0 = g->h, x1 = -1, y1 = -1;
        for (int k = 0; k < n_pat; k++) {
            const qr_pattern *q = &pat[k];
            if (q->rows < 2 || q->cols < 2)
                continue;
            ++*patterns;
            x0 = q->x0 < x0 ? q->x0 : x0, x1 = q->x1 > x1 ? q->x1 : x1;
            y0 = q->y0 < y0 ? q->y0 : y0, y1 = q->y1 > y1 ? q->y1 : y1;
        }
        if (*patterns)
            box[0] = x0, box[1] = y0, box[2] = x1 - x0 + 1, box[3] = y1 - y0 + 1;
    }
    free(hits);
    return module;
}

/*
 * Runs along column x of g around row y (dark <= t): the dark run holding
 * y, then two runs each way. Writes them top to bottom into r[5] and
 * returns 1 when they are in a finder pattern's 1:1:3:1:1 proportions,
 * with a total within half of `width` (the row's pattern) either way;
 * *centre receives the middle run's centre row.
 */
static int qr_cross_check(const kx_gray *g, int t, int x, int y, int width, int *centre)
{
    const uint8_t *p = g->px + x;
    size_t w = (size_t)g->w;
    if (p[w * (size_t)y] > t)
        return 0;
    int r[5] = {0}, top = y, bot = y, lim = width * 3 / 2;
    /* the centre run, up and down */
    while (top > 0 && p[w * (size_t)(top - 1)] <= t && y - top < lim)
        top--;
    while (bot + 1 < g->h && p[w * (size_t)(bot + 1)] <= t && bot - y < lim)
        bot++;
    r[2] = bot - top + 1;
    /* light then dark, above and below */
    int yy = top - 1;
    for (int k = 1; k >= 0; k--) {
        int dark = k == 0;
        while (yy >= 0 && (p[w * (size_t)yy] <= t) == dark && r[k] < lim)
            r[k]++, yy--;
    }
    yy = bot + 1;
    for (int k = 3; k <= 4; k++) {
        int dark = k == 4;
        while (yy < g->h && (p[w * (size_t)yy] <= t) == dark && r[k] < lim)
            r[k]++, yy++;
    }
    int total = r[0] + r[1] + r[2] + r[3] + r[4];
    *centre = (top + bot) / 2;
    return total * 2 >= width && total <= width * 2 - width / 2 && qr_finder_runs(r);
}

/* Finder patterns told apart on a page, at most. */
#define QR_PAGE_PATTERNS 64

/* A finder pattern's centre and module size, and the rows confirming it. */
typedef struct qr_page_pattern {
    int x, y, m, n;
} qr_page_pattern;

/* The patterns found so far on a page (qr_page_hit). */
typedef struct qr_page {
    const kx_gray *g;
    int t;
    qr_page_pattern pat[QR_PAGE_PATTERNS];
    int n_pat, found;
} qr_page;

static int qr_page_hit(void *ctx, const int runs[5], int end, int line, int rows)
{
    (void)rows;
    qr_page *pg = ctx;
    int width = runs[0] + runs[1] + runs[2] + runs[3] + runs[4];
    int cx = end - runs[4] - runs[3] - runs[2] / 2 - 1, cy;
    if (!qr_cross_check(pg->g, pg->t, cx, line, width, &cy))
        return 1;
    int m = width / 7 + 1, k = 0;
    for (; k < pg->n_pat; k++)
        if (abs(pg->pat[k].x - cx) <= 2 * pg->pat[k].m &&
            abs(pg->pat[k].y - cy) <= 2 * pg->pat[k].m)
            break;
    if (k == pg->n_pat && pg->n_pat < QR_PAGE_PATTERNS)
        pg->pat[pg->n_pat++] = (qr_page_pattern){cx, cy, m, 0};
    if (k < pg->n_pat && ++pg->pat[k].n == 2)
        pg->found++;
    return 1;
}

/*
 * Finder patterns on g confirmed both ways: each row's 1:1:3:1:1 runs
 * checked down the column through their centre, the confirmations within
 * two modules of one another counted as one pattern when two rows or more
 * confirm it. A QR symbol shows three (two when blur spoils one); print
 * rarely shows more than one, so two or more say there is a symbol to
 * find. One pass over the rows, a fraction of zbar's time on the page.
 */
static int qr_page_patterns(const kx_gray *g)
{
    qr_page *pg = calloc(1, sizeof(*pg));
    if (!pg)
        return 2; /* cannot tell: let zbar look */
    pg->g = g;
    pg->t = kx_gray_otsu(g);
    qr_finder_lines(g, pg->t, 1, qr_page_hit, pg);
    int found = pg->found;
    free(pg);
    return found;
}

/*
 * Rows and columns crossing a finder pattern that a region other than the
 * strongest needs before zbar sees it. A symbol with three finder patterns
 * crosses at least 3 x 7 module rows, each several pixels high, so a
 * readable one is far above this; most regions of print stay below it.
 */
#define QR_FINDER_LINES 12

/* Stages tried on a region, in this order. */
enum {
    QR_STAGE_GREY = 1,   /* grey, contrast stretched */
    QR_STAGE_FINE = 2,   /* small modules: enlarged (or at full detail) */
    QR_STAGE_BINARY = 4, /* larger modules: Otsu, then the local mean */
};

/* One region to decode: a unit of work for a worker. */
typedef struct qr_job {
    int x, y, w, h;     /* full-resolution rectangle with its margin, inside the image */
    int rx, ry, rw, rh; /* the region itself, before the margin */
    int symbol_side;    /* the symbol's estimated side, for its module size */
    double module;      /* the module size in full-resolution pixels measured on
                           the strongest region's finder patterns, or 0 */
    int role;           /* QR_ROLE_*: how the plan changes with that measure */
    int stages;         /* QR_STAGE_* */
    int finder_lines;   /* decode only with this many rows and columns crossing
                           finder patterns (0: always) */
    int sym[4];         /* x, y, w, h: the finder patterns found on the strongest
                           region (full resolution), w 0 when not looked for */
    int tight;          /* decode the symbol's close rectangle (qr_close_rect) */
} qr_job;

/* Jobs of the strongest region and around it (qr_plan_select). */
enum {
    QR_ROLE_OTHER = 0,
    QR_ROLE_TOP = 1,    /* the strongest region's grey cut: the first job */
    QR_ROLE_TOP_2 = 2,  /* its further stages */
    QR_ROLE_AROUND = 3, /* a larger cut of it */
};

/* Modules under this many pixels are decoded enlarged, larger ones binarised. */
#define QR_SMALL_MODULE 4.5

/* The reduction for decoding job, and the module size in pixels after it. */
static int qr_job_factor(const kx_image *img, const qr_job *job, double *module_out)
{
    double module_est;
    int d = qr_region_factor(img, job->symbol_side, &module_est);
    if (job->module > 0 && img->dpi < 150) {
        /* a measured module size decides a camera frame's reduction: the
         * region's side overestimates the modules when print merges with
         * the region, and halving modules of about 4 px leaves 2 px,
         * which zbar misses, where full detail reads at once */
        module_est = fmin(module_est, job->module);
        d = module_est >= 7.0 ? 2 : 1;
    }
    int cap = (int)ceil((job->w > job->h ? job->w : job->h) / 1000.0);
    d = d < cap ? cap : d;
    if (job->module > 0)
        module_est = fmin(module_est, job->module);
    *module_out = module_est / d;
    return d;
}

/*
 * job's rectangle of img reduced by d into out. The image is the caller's:
 * a second worker reads it only under the session's lock and only until
 * the stop flag is set (after which the caller may have returned).
 */
static kx_err qr_cut(qr_session *s, const kx_image *img, const qr_job *job, int d, kx_gray *out)
{
    if (s->image_lock)
        pthread_mutex_lock(s->image_lock);
    kx_err rc = KX_ERR_CANCELLED;
    if (!s->stop || !atomic_load(s->stop)) {
        kx_image view = *img;
        view.data = kx_image_row(img, job->y) + (size_t)job->x * (size_t)img->channels;
        view.width = job->w;
        view.height = job->h;
        rc = kx_gray_from_image(&view, d, out);
    }
    if (s->image_lock)
        pthread_mutex_unlock(s->image_lock);
    return rc;
}

/*
 * What the first job (the strongest region's grey cut) learnt about the
 * symbol, for qr_plan_select: the module size measured on its finder
 * patterns (full-resolution pixels, 0 when not measured or too few lines
 * cross one), and whether the symbol's close rectangle is to be decoded.
 */
typedef struct qr_top_info {
    double measured;
    int whole;  /* the region is the whole symbol the finder patterns measure */
    int tight;  /* decode the close rectangle, as it is and enlarged, instead */
    int sym[4]; /* as qr_job.sym */
} qr_top_info;

/*
 * The symbol's close rectangle in job's cut reduced by d (w x h pixels):
 * the region with a tenth of its side around it, and the finder patterns
 * sym (full resolution, none when sym[2] is 0) with a quiet zone of
 * module (g's pixels) - the region can be a fragment of the symbol, whose
 * flat parts have little texture. Writes x0, y0, x1, y1 (exclusive).
 */
static void qr_close_rect(const qr_job *job, int d, int w, int h, const int sym[4],
                          double module, int r[4])
{
    int fm = (int)(0.1 * (job->rw > job->rh ? job->rw : job->rh)) + 8;
    int x0 = (job->rx - fm - job->x) / d, y0 = (job->ry - fm - job->y) / d;
    int x1 = (job->rx + job->rw + fm - job->x + d - 1) / d;
    int y1 = (job->ry + job->rh + fm - job->y + d - 1) / d;
    if (sym[2] > 0) {
        int q = (int)(module * 4.5) + 2;
        int bx0 = (sym[0] - job->x) / d - q, by0 = (sym[1] - job->y) / d - q;
        int bx1 = (sym[0] + sym[2] - job->x) / d + q, by1 = (sym[1] + sym[3] - job->y) / d + q;
        x0 = bx0 < x0 ? bx0 : x0, y0 = by0 < y0 ? by0 : y0;
        x1 = bx1 > x1 ? bx1 : x1, y1 = by1 > y1 ? by1 : y1;
    }
    r[0] = x0 < 0 ? 0 : x0, r[1] = y0 < 0 ? 0 : y0;
    r[2] = x1 > w ? w : x1, r[3] = y1 > h ? h : y1;
}

/*
 * Try to read a symbol in job's rectangle of img: grey with stretched
 * contrast; then, when the modules are small, the region enlarged (cut
 * closer: zbar's time grows with the area and a 2x enlargement quadruples
 * it), else binarised by Otsu and against the local mean - each only when
 * job->stages asks for it; with job->tight, on the symbol's close
 * rectangle only. top is not NULL for the first job only.
 */
static int qr_try_region(qr_session *s, const kx_image *img, const qr_job *job,
                         qr_top_info *top)
{
    double module;
    int d = qr_job_factor(img, job, &module);
    int small = module < QR_SMALL_MODULE;
    int sym[4] = {job->sym[0], job->sym[1], job->sym[2], job->sym[3]};
    kx_gray g = {0}, b = {0}, up = {0}, cut = {0};
    int got = 0, tight = job->tight, close[4] = {0};
    if (qr_cut(s, img, job, d, &g))
        return 0;
    if (job->finder_lines) {
        /* before the stretch, which most of these regions do not reach
         * (Otsu's threshold splits the same pixels either way) */
        int rows, cols;
        qr_finder_count(&g, job->finder_lines, &rows, &cols);
        kx_log_debug("licence.qr.finder", "at=%d,%d size=%dx%d rows=%d cols=%d", job->x, job->y,
                     g.w, g.h, rows, cols);
        if (rows < job->finder_lines || cols < job->finder_lines)
            goto out;
    }
    kx_gray_stretch(&g, 1, 99);
    if (top && img->dpi < 150) {
        /* without a resolution the region's side is a poor guess of the
         * module size: measure it on the finder patterns, before any
         * decoding. When they show the region holds the whole symbol (at
         * full detail), the grey stage decodes the symbol's close rectangle
         * only, and the next stage - enlarged for small modules, binarised
         * for larger ones - the same rectangle: a frame nobody reads costs
         * two runs on parts of the grey cut instead of the grey cut, the
         * enlarged or larger cut and the other regions, and a frame with
         * larger modules is read on fewer pixels. They are two jobs, which
         * two workers run at once when a core is free (qr_plan_select).
         * The grey stage is not skipped for the enlarged one: zbar misses
         * the 1.5x resampling of sharp steps, a sharp code with 3 px
         * modules at a slight angle (test_small_modules). */
        qr_job measured = *job;
        int box[4], patterns;
        measured.module = top->measured = qr_finder_module(&g, box, &patterns) * d;
        if (box[2] > 0) {
            top->sym[0] = sym[0] = job->x + box[0] * d,
            top->sym[1] = sym[1] = job->y + box[1] * d;
            top->sym[2] = sym[2] = box[2] * d, top->sym[3] = sym[3] = box[3] * d;
        }
        /* finder patterns reaching the cut's edge: the region is a fragment
         * of a symbol that goes on outside it */
        double m, edge = 2 * measured.module / d;
        top->whole = patterns > 0 && box[0] >= edge && box[1] >= edge &&
                     box[0] + box[2] <= g.w - edge && box[1] + box[3] <= g.h - edge;
        kx_log_debug("licence.qr.patterns", "n=%d module=%.2f box=%d,%d,%d,%d cut=%dx%d",
                     patterns, measured.module, box[0], box[1], box[2], box[3], g.w, g.h);
        top->tight = qr_job_factor(img, &measured, &m) == 1 && top->whole;
        if (top->tight)
            goto out;
    }
    if (tight) {
        qr_close_rect(job, d, g.w, g.h, sym, module, close);
        if (kx_gray_crop(&g, close[0], close[1], close[2] - close[0], close[3] - close[1],
                         &cut) != KX_OK)
            goto out;
    }
    if (job->stages & QR_STAGE_GREY &&
        (got = tight ? qr_zbar(s, &cut, job->x + close[0], job->y + close[1], 1, "tight")
                     : qr_zbar(s, &g, job->x, job->y, d, "grey")))
        goto out;
    int fine = small && job->stages & QR_STAGE_FINE;
    if (fine) {
        /* give zbar more pixels per module: the region with a tenth of its
         * side around it (the enlargement keeps a quiet zone in fewer
         * pixels than the grey stage's margin), at twice the detail when it
         * was reduced, else smoothly enlarged (and not binarised: that
         * reads nothing the enlargement misses) */
        kx_err frc;
        int cx = 0, cy = 0;
        /* enlarged 1.5x when that brings the modules to QR_SMALL_MODULE
         * (a little over half the pixels of 2x), else 2x: the smallest
         * modules need the larger factor */
        double up_f = module * 1.5 >= QR_SMALL_MODULE ? 1.5 : 2.0, up_scale = d / 2;
        if (!tight)
            qr_close_rect(job, d, g.w, g.h, sym, module, close);
        cx = close[0], cy = close[1];
        int x1 = close[2], y1 = close[3];
        if ((long)(x1 - cx) * (y1 - cy) > 700L * 700) {
            frc = KX_ERR_TOO_LARGE;
        } else if (d > 1) {
            /* the same rectangle at twice the detail */
            qr_job closer = *job;
            closer.x = job->x + cx * d, closer.y = job->y + cy * d;
            closer.w = (x1 - cx) * d, closer.h = (y1 - cy) * d;
            qr_clip(&closer.x, &closer.w, job->x + job->w);
            qr_clip(&closer.y, &closer.h, job->y + job->h);
            cx = closer.x - job->x, cy = closer.y - job->y;
            frc = qr_cut(s, img, &closer, d / 2, &up);
            if (frc == KX_OK)
                kx_gray_stretch(&up, 1, 99);
            /* still small at that detail: enlarged as well (zbar misses
             * modules under QR_SMALL_MODULE px at full detail too) */
            double half = module * d / (d / 2);
            if (frc == KX_OK && half < QR_SMALL_MODULE) {
                double f = half * 1.5 >= QR_SMALL_MODULE ? 1.5 : 2.0;
                kx_gray_free(&cut);
                cut = up;
                up = (kx_gray){0};
                frc = kx_gray_scale(&cut, (int)(cut.w * f), (int)(cut.h * f), &up);
                up_scale = (double)(d / 2) * cut.w / up.w;
            }
        } else {
            frc = tight || kx_gray_crop(&g, cx, cy, x1 - cx, y1 - cy, &cut) == KX_OK
                      ? kx_gray_scale(&cut, (int)(cut.w * up_f), (int)(cut.h * up_f), &up)
                      : KX_ERR_NO_MEMORY;
        }
        if (frc == KX_OK) {
            got = qr_zbar(s, &up, job->x + cx, job->y + cy,
                          d > 1 ? up_scale : (double)cut.w / up.w, "fine");
            goto out;
        }
    }
    /* binarising is for larger modules, or when the enlargement was too large */
    if (small ? !fine : !(job->stages & QR_STAGE_BINARY))
        goto out;
    /* on the close rectangle with job->tight, else on the whole cut */
    kx_gray *src = tight ? &cut : &g;
    int bx = job->x + (tight ? close[0] : 0), by = job->y + (tight ? close[1] : 0);
    if (kx_gray_crop(src, 0, 0, src->w, src->h, &b) == KX_OK) {
        kx_gray_threshold(&b, kx_gray_otsu(&b));
        if ((got = qr_zbar(s, &b, bx, by, d, "otsu")))
            goto out;
    }
    if (kx_gray_binarize_local(src, (int)(module * 4) + 2, 4) == KX_OK)
        got = qr_zbar(s, src, bx, by, d, "local");
out:
    kx_gray_free(&g);
    kx_gray_free(&b);
    kx_gray_free(&up);
    kx_gray_free(&cut);
    return got;
}

/* ---- the plan ---------------------------------------------------------- */

/* Jobs in a plan: the regions of both thresholds, some twice. */
#define QR_MAX_JOBS (4 * QR_MAX_CANDIDATES)

static int qr_rect_dup(const qr_rect *a, const qr_rect *b)
{
    return abs(a->x - b->x) <= 2 && abs(a->y - b->y) <= 2 && abs(a->w - b->w) <= 3 &&
           abs(a->h - b->h) <= 3;
}

/*
 * Where r lies against top, the strongest region: 0 apart from it, 1 the
 * same symbol cut a little larger (r holds top's centre and is at most a
 * quarter larger), 2 much larger: the symbol merged with print, or top was
 * only a fragment of the symbol. A cut a little larger is the same symbol
 * with more of its quiet zone, worth decoding next; a much larger one is
 * mostly print, which costs zbar more per pixel and seldom reads: it goes
 * with the other regions.
 */
static int qr_rect_around(const qr_rect *r, const qr_rect *top)
{
    int cx = top->x + top->w / 2, cy = top->y + top->h / 2;
    if (cx < r->x || cx >= r->x + r->w || cy < r->y || cy >= r->y + r->h)
        return 0;
    int side = r->w > r->h ? r->w : r->h, top_side = top->w > top->h ? top->w : top->h;
    return side * 4 <= top_side * 5 ? 1 : 2;
}

/*
 * The regions of img worth decoding, best first, into jobs (at most
 * QR_MAX_JOBS); *fc_out is the texture map's reduction.
 *
 * The order is where reads happen: nearly always on the strongest region
 * of the strong threshold (grey or enlarged), else on the weak threshold's
 * region around it, a larger cut of the same symbol (with larger
 * modules); the other regions seldom read and cost unreadable frames most
 * of their decoder pixels. So the strongest region comes first (grey,
 * then enlarged or binarised), the larger cut next when the modules are
 * not small (grey, binarised), and the others follow with the grey stage
 * only, and only with finder patterns, for a page where a picture
 * outshines the symbol.
 */
static kx_err qr_plan(const kx_image *img, qr_job *jobs, int *n_out, int *fc_out)
{
    int side = img->width > img->height ? img->width : img->height;
    int fc = (side + QR_MAP_SIDE - 1) / QR_MAP_SIDE;
    fc = fc < 1 ? 1 : fc;
    *fc_out = fc;
    *n_out = 0;
    kx_gray map = {0};
    float *energy = NULL;
    kx_err rc = kx_gray_from_image(img, fc, &map);
    if (rc)
        return rc;
    /* the map's values, then each row's largest */
    energy = malloc(sizeof(float) * ((size_t)map.w * map.h + (size_t)map.h));
    float *row_peak = energy + (size_t)map.w * map.h;
    float peak = 0;
    rc = energy ? qr_energy_map(&map, 4, energy, row_peak, &peak) : KX_ERR_NO_MEMORY;
    if (rc)
        goto out;
    if (peak <= 0)
        goto out;
    /* A strong threshold isolates the symbol on a busy page; a weak one
     * catches a faint symbol next to strong print. */
    static const float levels[] = {0.5f, 0.25f};
    qr_rect kept[QR_MAX_JOBS];
    int n_kept = 0;
    /* larger than any licence symbol (70 mm; without a resolution, three
     * quarters of the frame): merged print, not a code */
    double limit =
        img->dpi >= 150 ? 70 / 25.4 * img->dpi : 0.75 * (map.w < map.h ? map.w : map.h) * fc;
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
        qr_rect cand[QR_MAX_CANDIDATES];
        int n = 0;
        if ((rc = qr_regions(energy, row_peak, map.w, map.h, peak * levels[l], cand, &n)))
            goto out;
        for (int i = 0; i < n; i++) {
            int dup = 0;
            for (int k = 0; k < n_kept; k++)
                dup |= qr_rect_dup(&kept[k], &cand[i]);
            if (!dup && fmax(cand[i].w, cand[i].h) * fc <= limit)
                kept[n_kept++] = cand[i];
        }
    }
    if (!n_kept)
        goto out;
    /* the strongest region, then the regions around it, then the rest */
    int order[QR_MAX_JOBS], n_order = 0, placed[QR_MAX_JOBS] = {0}, n_around = 0;
    for (int pass = 0; pass < 3; pass++)
        for (int k = 0; k < n_kept; k++) {
            int around = k ? qr_rect_around(&kept[k], &kept[0]) : 0;
            int take = pass == 0 ? k == 0 : pass == 1 ? around == 1 : 1;
            if (take && !placed[k]) {
                placed[k] = 1;
                order[n_order++] = k;
                n_around += pass == 1;
            }
        }
    for (int i = 0; i < n_order; i++) {
        const qr_rect *r = &kept[order[i]];
        /* the smoothing window spreads the region by ~r; the quiet zone
         * needs a margin of its own. zbar's time grows with the crop's
         * area, so the margin is the smallest that loses no read: 0.45 of
         * the side (less loses codes). The enlarged stage needs less: 0.1
         * of the side. */
        double rw = r->w * fc, rh = r->h * fc;
        double margin = fmax(rw, rh) * 0.45 + 8.0 * fc;
        int x = (int)(r->x * fc - margin), y = (int)(r->y * fc - margin);
        int w = (int)(rw + 2 * margin), h = (int)(rh + 2 * margin);
        qr_clip(&x, &w, img->width);
        qr_clip(&y, &h, img->height);
        if (w < 16 || h < 16)
            continue;
        qr_job *j = &jobs[(*n_out)++];
        *j = (qr_job){.x = x,
                      .y = y,
                      .w = w,
                      .h = h,
                      .rx = r->x * fc,
                      .ry = r->y * fc,
                      .rw = (int)rw,
                      .rh = (int)rh,
                      .symbol_side = (int)fmax(rw, rh),
                      .stages = QR_STAGE_GREY};
        if (i == 0) {
            /* its further stages are a job of their own, so that its grey
             * stage can run alone (qr_run_jobs); which of them, and
             * whether the regions around it follow, is decided after it
             * (qr_plan_select) */
            j->role = QR_ROLE_TOP;
            jobs[*n_out] = *j;
            jobs[*n_out].role = QR_ROLE_TOP_2;
            jobs[(*n_out)++].stages = QR_STAGE_FINE | (n_around ? 0 : QR_STAGE_BINARY);
        } else if (i <= n_around) {
            /* the same symbol cut larger (often merged with print): the
             * strongest region's side is the better estimate of the
             * symbol's, and so of its module size */
            j->symbol_side = jobs[0].symbol_side;
            j->role = QR_ROLE_AROUND;
            /* binarised as a job of its own, which a second worker can
             * take while the grey stage runs */
            jobs[*n_out] = *j;
            jobs[(*n_out)++].stages = QR_STAGE_BINARY;
        } else {
            j->finder_lines = QR_FINDER_LINES;
        }
    }
out:
    free(energy);
    kx_gray_free(&map);
    return rc;
}

/*
 * Keep the jobs of the plan that the strongest region's module size calls
 * for, now that its first job has read nothing: with small modules its
 * enlarged cut is the retry, and no larger cut (a larger cut reads
 * symbols with larger modules); with larger modules it is binarised, or
 * the larger cut is, when one exists (the strongest region is then a
 * fragment of the symbol). top->measured is the module size
 * found on the first job's finder patterns (qr_try_region), 0 when not
 * measured: the smaller of it and the guess from the region's side counts.
 * With top->tight the retry is the symbol's close rectangle, as it is and
 * enlarged (small modules) or binarised (larger ones): two jobs, and no
 * larger cut (the symbol is whole in the close rectangle).
 *
 * When the strongest region holds the whole symbol its finder patterns
 * measure (top->whole), it is the licence's code, and the other regions
 * are not tried: they would find no other code, and only cost a frame
 * nobody reads more decoder runs. They stay for frames
 * where the strongest region shows no finder pattern (a picture or print
 * that outshines the symbol) or is a fragment of the symbol.
 */
static void qr_plan_select(const kx_image *img, qr_job *jobs, int *n_jobs,
                           const qr_top_info *info)
{
    qr_job top = jobs[0], kept[QR_MAX_JOBS];
    double module;
    top.module = info->measured;
    qr_job_factor(img, &top, &module);
    int small = module < QR_SMALL_MODULE, n = 0;
    kx_log_debug("licence.qr.module", "guess=%.2f measured=%.2f small=%d tight=%d",
                 top.symbol_side / QR_GUESS_MODULES, info->measured, small, info->tight);
    for (int i = 0; i < *n_jobs && n < QR_MAX_JOBS; i++) {
        qr_job *j = &jobs[i];
        if (j->role == QR_ROLE_TOP_2 || j->role == QR_ROLE_AROUND)
            j->module = info->measured;
        if (j->role == QR_ROLE_TOP_2)
            memcpy(j->sym, info->sym, sizeof(j->sym));
        if (j->role == QR_ROLE_AROUND && small)
            continue;
        if (j->role == QR_ROLE_TOP_2 && info->tight) {
            j->tight = 1;
            j->stages = QR_STAGE_GREY;
            kept[n++] = *j;
            j->stages = small ? QR_STAGE_FINE : QR_STAGE_BINARY;
            if (n < QR_MAX_JOBS)
                kept[n++] = *j;
            continue;
        }
        if (j->role == QR_ROLE_AROUND && info->tight)
            continue;
        if (j->role == QR_ROLE_TOP_2 && !small && !(j->stages & QR_STAGE_BINARY))
            continue;
        if (j->role == QR_ROLE_OTHER && info->whole)
            continue;
        kept[n++] = *j;
    }
    memcpy(jobs, kept, sizeof(*jobs) * (size_t)n);
    *n_jobs = n;
}

/* ---- workers ----------------------------------------------------------- */

/*
 * Jobs are independent, so two workers take them in plan order: the
 * calling thread and a helper thread, when the process may run on two
 * cores. Each has its own zbar scanner and result; libzbar keeps no other
 * shared state than reference counts, which it locks (zbar/refcnt.c).
 *
 * The first read ends the call at once. A zbar run cannot be interrupted,
 * so when the caller reads first the helper is left to finish its current
 * run on its own: it stops before the next one, never touches the caller's
 * image again (qr_cut), and the last of the two to finish frees the pool.
 * When the caller reads nothing it waits for the helper and takes its
 * result.
 */
typedef struct qr_worker {
    qr_session s;
    kx_licence_qr result;
    int got; /* qr_zbar's result: 1 read, -1 payload too long */
} qr_worker;

typedef struct qr_pool {
    kx_image img; /* the caller's header, copied: a worker reads its size and
                     resolution any time, its pixels only in qr_cut */
    qr_job jobs[QR_MAX_JOBS];
    int n_jobs;
    atomic_int next;  /* the next job to take */
    atomic_int stop;  /* set by the first read, or when the caller returns */
    atomic_int users; /* the caller and the helper: the last frees the pool */
    pthread_mutex_t image_lock;
    qr_worker w[2];
    int opened; /* sessions open */
} qr_pool;

static void qr_pool_release(qr_pool *p)
{
    if (atomic_fetch_sub(&p->users, 1) != 1)
        return;
    for (int i = 0; i < p->opened; i++)
        qr_session_close(&p->w[i].s);
    pthread_mutex_destroy(&p->image_lock);
    free(p);
}

static void qr_worker_take_jobs(qr_pool *p, qr_worker *w)
{
    while (!atomic_load(&p->stop)) {
        int j = atomic_fetch_add(&p->next, 1);
        if (j >= p->n_jobs)
            break;
        int got = qr_try_region(&w->s, &p->img, &p->jobs[j], NULL);
        if (got) {
            w->got = got;
            atomic_store(&p->stop, 1);
        }
    }
}

static void *qr_helper_run(void *arg)
{
    qr_pool *p = arg;
    qr_worker_take_jobs(p, &p->w[1]);
    qr_pool_release(p);
    return NULL;
}

/*
 * 1 when a second worker would have a core of its own: the process may
 * run on two cores or more (its affinity mask) and fewer tasks are running
 * right now than it has cores (/proc/loadavg's fourth field counts the
 * running tasks, this thread included). On a busy machine a second thread
 * only competes with the first and makes the read slower.
 */
static atomic_int qr_workers_mode; /* kx_licence_qr_set_workers */

void kx_licence_qr_set_workers(int mode)
{
    atomic_store(&qr_workers_mode, mode);
}

static int qr_core_free(void)
{
    int mode = atomic_load(&qr_workers_mode);
    if (mode)
        return mode == 2;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
        return 0;
    int running = 0;
    FILE *f = fopen("/proc/loadavg", "re");
    if (f) {
        if (fscanf(f, "%*f %*f %*f %d/", &running) != 1)
            running = 0;
        fclose(f);
    }
    return running < CPU_COUNT(&set);
}

static void qr_take_result(const qr_worker *w, kx_licence_qr *out, int *got_out)
{
    *got_out = w->got;
    memcpy(out->payload, w->result.payload, w->result.payload_len + 1);
    out->payload_len = w->result.payload_len;
    memcpy(out->bbox, w->result.bbox, sizeof(out->bbox));
}

/*
 * Decode jobs (copied) until one reads, with two workers when
 * two_workers. On a read copy payload and bbox into out. *got_out: 1
 * read, 0 none, -1 payload too long. out->attempts counts the decoder
 * runs of the calling thread, and the helper's when it was waited for.
 */
static kx_err qr_run_jobs(const kx_image *img, const qr_job *jobs, int n_jobs, int two_workers,
                          kx_licence_qr *out, int *got_out)
{
    *got_out = 0;
    if (n_jobs < 1)
        return KX_OK;
    /* results are kx_licence_qr (4 kB payloads each): on the heap */
    qr_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return KX_ERR_NO_MEMORY;
    p->img = *img;
    memcpy(p->jobs, jobs, sizeof(*jobs) * (size_t)n_jobs);
    p->n_jobs = n_jobs;
    atomic_init(&p->next, 1);
    atomic_init(&p->stop, 0);
    atomic_init(&p->users, 1);
    pthread_mutex_init(&p->image_lock, NULL);
    kx_err rc = qr_session_open(&p->w[0].s, &p->w[0].result);
    if (rc) {
        qr_pool_release(p);
        return rc;
    }
    p->opened = 1;
    p->w[0].s.stop = &p->stop;
    /* also settles kx_log's level (read lazily, unlocked) before a second
     * thread logs */
    kx_log_debug("licence.qr.plan", "jobs=%d workers=%d", n_jobs, two_workers ? 2 : 1);
    /* The first job runs alone: on a scan the grey cut of the strongest
     * region reads most codes, on a camera frame it measures the symbol
     * and decides the jobs that follow; and on a busy machine a second
     * thread started with it would slow it down. */
    qr_top_info top = {0};
    if ((p->w[0].got = qr_try_region(&p->w[0].s, img, &p->jobs[0], &top)))
        atomic_store(&p->stop, 1);
    else
        qr_plan_select(img, p->jobs, &p->n_jobs, &top);
    pthread_t helper;
    int spawned = 0;
    if (two_workers && !p->w[0].got && p->n_jobs > 1 && qr_core_free() &&
        qr_session_open(&p->w[1].s, &p->w[1].result) == KX_OK) {
        kx_log_debug("licence.qr.helper", "jobs left=%d", p->n_jobs - 1);
        p->opened = 2;
        p->w[1].s.stop = &p->stop;
        p->w[0].s.image_lock = p->w[1].s.image_lock = &p->image_lock;
        atomic_fetch_add(&p->users, 1);
        spawned = pthread_create(&helper, NULL, qr_helper_run, p) == 0;
        if (!spawned)
            atomic_fetch_sub(&p->users, 1);
    }
    qr_worker_take_jobs(p, &p->w[0]);
    out->attempts += p->w[0].result.attempts;
    if (p->w[0].got) {
        qr_take_result(&p->w[0], out, got_out);
        if (spawned) {
            /* the helper may be inside a zbar run: let it finish alone,
             * but not read the image once this call has returned */
            atomic_store(&p->stop, 1);
            pthread_mutex_lock(&p->image_lock);
            pthread_mutex_unlock(&p->image_lock);
            pthread_detach(helper);
        }
    } else if (spawned) {
        pthread_join(helper, NULL);
        out->attempts += p->w[1].result.attempts;
        if (p->w[1].got)
            qr_take_result(&p->w[1], out, got_out);
    }
    qr_pool_release(p);
    return KX_OK;
}

/* ---- the reader -------------------------------------------------------- */

static kx_err qr_search(const kx_image *img, kx_licence_qr *out, int *got_out)
{
    qr_job jobs[QR_MAX_JOBS];
    int n_jobs = 0, fc = 1;
    kx_err rc = qr_plan(img, jobs, &n_jobs, &fc);
    if (!rc)
        rc = qr_run_jobs(img, jobs, n_jobs, n_jobs > 1, out, got_out);
    /* a camera frame: no resolution and at most 1920 px a side */
    int camera = fc <= 2 || (img->dpi < 150 && fc <= 3);
    if (rc || *got_out || camera)
        return rc;
    /* Last resort on a scanned page: the whole page, reduced so small
     * symbols survive, in case the texture map missed the symbol (next to
     * dense print, say, the two merge into a region too large for a
     * licence code) - when the page shows finder patterns. Camera frames
     * skip it: their candidates cover the frame, so a whole-frame scan
     * would cost the most expensive zbar run for a code the regions
     * missed, which it does not find either. */
    int ff = fc / 3 < 1 ? 1 : fc / 3;
    while ((double)img->width * img->height / ((double)ff * ff) > 2.5e6)
        ff++;
    kx_gray whole = {0};
    qr_session s = {0};
    if ((rc = qr_session_open(&s, out)))
        return rc;
    if (kx_gray_from_image(img, ff, &whole) == KX_OK) {
        /* zbar on the whole page is the reader's most expensive run;
         * finder patterns confirmed both ways say first whether there is a
         * symbol to find */
        int patterns = qr_page_patterns(&whole);
        kx_log_debug("licence.qr.page", "size=%dx%d finder_patterns=%d", whole.w, whole.h,
                     patterns);
        if (patterns >= 2)
            *got_out = qr_zbar(&s, &whole, 0, 0, ff, "page");
        kx_gray_free(&whole);
    }
    qr_session_close(&s);
    return KX_OK;
}

const char *kx_licence_uscc_status_name(kx_licence_uscc_status status)
{
    switch (status) {
    case KX_LICENCE_USCC_VALID:
        return "valid";
    case KX_LICENCE_USCC_CHECK_FAILED:
        return "check_failed";
    case KX_LICENCE_USCC_ABSENT:
        return "absent";
    }
    return "absent";
}

kx_err kx_licence_qr_read(const kx_image *img, kx_licence_qr *out)
{
    if (!img || !out || !img->data || img->width < 1 || img->height < 1)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    out->uscc_status = KX_LICENCE_USCC_ABSENT;
    int got = 0;
    kx_err rc = qr_search(img, out, &got);
    if (rc)
        return rc;
    if (got < 0) {
        out->payload_len = 0;
        out->payload[0] = '\0';
        kx_err_set_detail("QR payload longer than %d bytes", KX_LICENCE_MAX_PAYLOAD);
        return KX_ERR_TOO_LARGE;
    }
    if (!got) {
        kx_err_set_detail("no readable QR code on the %dx%d image (%d decoder runs)",
                          img->width, img->height, out->attempts);
        return KX_ERR_NO_QR;
    }
    out->found = 1;

    /* ---- payload rules ---- */
    rc = kx_licence_extract(out->payload, out->payload_len, &out->codes);
    if (rc == KX_OK && out->codes.n_valid > 0) {
        out->uscc_status = KX_LICENCE_USCC_VALID;
        out->uscc = out->codes.valid[0];
    } else if (out->codes.n_failed > 0) {
        out->uscc_status = KX_LICENCE_USCC_CHECK_FAILED;
        out->uscc = out->codes.failed[0];
    }
    return KX_OK;
}
