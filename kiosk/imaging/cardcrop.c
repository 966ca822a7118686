/* SPDX-License-Identifier: MIT */
/*
 * cardcrop.c - find, deskew and crop an ID card on a flatbed scan (see
 * cardcrop.h).
 *
 * Sections: coarse map and lid colour - card region - rectangle fit -
 * edge refinement - resampling - entry points.
 *
 * Works on a reduced copy (long side about 1000 px) to find the card, then
 * goes back to full-resolution pixels only along the four edges and for the
 * final resampling, so an A4 scan at 300 dpi costs a few tens of ms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/cardcrop.h"

#define CARD_MAP_SIDE 1000
#define CARD_ASSUMED_DPI 300.0
#define MM_PER_INCH 25.4

/* ---- coarse map and lid colour ----------------------------------------- */

typedef struct card_map {
    int w, h, f;  /* size, reduction factor */
    uint8_t *rgb; /* w*h*3 block means */
} card_map;

static kx_err card_map_build(const kx_image *img, int f, card_map *m)
{
    m->f = f;
    m->w = (img->width + f - 1) / f;
    m->h = (img->height + f - 1) / f;
    m->rgb = malloc((size_t)m->w * m->h * 3);
    uint32_t *acc = calloc((size_t)m->w * 3, sizeof(uint32_t));
    if (!m->rgb || !acc) {
        free(m->rgb);
        free(acc);
        m->rgb = NULL;
        return KX_ERR_NO_MEMORY;
    }
    int ch = img->channels;
    for (int by = 0; by < m->h; by++) {
        int y0 = by * f, y1 = y0 + f > img->height ? img->height : y0 + f;
        memset(acc, 0, (size_t)m->w * 3 * sizeof(uint32_t));
        for (int y = y0; y < y1; y++) {
            const uint8_t *row = kx_image_row(img, y);
            for (int bx = 0; bx < m->w; bx++) {
                int x0 = bx * f, x1 = x0 + f > img->width ? img->width : x0 + f;
                const uint8_t *p = row + (size_t)x0 * ch, *e = row + (size_t)x1 * ch;
                uint32_t *a = acc + (size_t)bx * 3;
                if (ch == 1) {
                    uint32_t sum = 0;
                    for (; p < e; p++)
                        sum += p[0];
                    a[0] += sum, a[1] += sum, a[2] += sum;
                } else {
                    uint32_t r = 0, g = 0, b = 0;
                    for (; p < e; p += ch)
                        r += p[0], g += p[1], b += p[2];
                    a[0] += r, a[1] += g, a[2] += b;
                }
            }
        }
        for (int bx = 0; bx < m->w; bx++) {
            int x0 = bx * f, x1 = x0 + f > img->width ? img->width : x0 + f;
            uint32_t n = (uint32_t)((x1 - x0) * (y1 - y0));
            for (int c = 0; c < 3; c++)
                m->rgb[((size_t)by * m->w + bx) * 3 + c] =
                    (uint8_t)((acc[(size_t)bx * 3 + c] + n / 2) / n);
        }
    }
    free(acc);
    return KX_OK;
}

/* Median of a 256-bin histogram. */
static int card_hist_median(const uint32_t *hist, uint32_t n)
{
    uint32_t acc = 0;
    for (int i = 0; i < 256; i++)
        if ((acc += hist[i]) * 2 >= n)
            return i;
    return 255;
}

/* The lid's colour and noise: medians over a border strip of the map. */
static void card_lid_colour(const card_map *m, int bg[3], int *noise)
{
    uint32_t hist[3][256], dev[256], n = 0;
    memset(hist, 0, sizeof(hist));
    memset(dev, 0, sizeof(dev));
    int bw = m->w / 40 + 1, bh = m->h / 40 + 1;
    for (int y = 0; y < m->h; y++)
        for (int x = 0; x < m->w; x++) {
            if (x >= bw && x < m->w - bw && y >= bh && y < m->h - bh)
                continue;
            const uint8_t *p = m->rgb + ((size_t)y * m->w + x) * 3;
            for (int c = 0; c < 3; c++)
                hist[c][p[c]]++;
            n++;
        }
    for (int c = 0; c < 3; c++)
        bg[c] = card_hist_median(hist[c], n);
    for (int y = 0; y < m->h; y++)
        for (int x = 0; x < m->w; x++) {
            if (x >= bw && x < m->w - bw && y >= bh && y < m->h - bh)
                continue;
            int d = abs(m->rgb[((size_t)y * m->w + x) * 3 + 1] - bg[1]);
            dev[d > 255 ? 255 : d]++;
        }
    *noise = card_hist_median(dev, n);
}

/* ---- card region ------------------------------------------------------- */

/* Box-dilate (want_all 0) or box-erode (want_all 1) a 0/1 mask, radius r. */
static kx_err card_morph(uint8_t *mask, int w, int h, int r, int want_all)
{
    uint32_t *ii = calloc((size_t)(w + 1) * (h + 1), sizeof(uint32_t));
    if (!ii)
        return KX_ERR_NO_MEMORY;
    for (int y = 0; y < h; y++) {
        uint32_t row = 0;
        for (int x = 0; x < w; x++) {
            row += mask[(size_t)y * w + x];
            ii[(size_t)(y + 1) * (w + 1) + x + 1] = ii[(size_t)y * (w + 1) + x + 1] + row;
        }
    }
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            uint32_t s = ii[(size_t)y1 * (w + 1) + x1] - ii[(size_t)y0 * (w + 1) + x1] -
                         ii[(size_t)y1 * (w + 1) + x0] + ii[(size_t)y0 * (w + 1) + x0];
            uint32_t full = (uint32_t)((x1 - x0) * (y1 - y0));
            mask[(size_t)y * w + x] = want_all ? s == full : s > 0;
        }
    }
    free(ii);
    return KX_OK;
}

/* Set every 0 of a 0/1 mask that the border cannot reach through 0s
 * (4-connected): the holes inside regions. */
static kx_err card_fill_holes(uint8_t *mask, int w, int h)
{
    size_t n = (size_t)w * h;
    int *stack = malloc(sizeof(int) * n);
    uint8_t *seen = calloc(n, 1);
    if (!stack || !seen) {
        free(stack);
        free(seen);
        return KX_ERR_NO_MEMORY;
    }
    int sp = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int i = y * w + x;
            if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && !mask[i] && !seen[i]) {
                seen[i] = 1;
                stack[sp++] = i;
            }
        }
    while (sp) {
        int i = stack[--sp], x = i % w, y = i / w;
        const int nb[4] = {x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y > 0 ? i - w : -1,
                           y + 1 < h ? i + w : -1};
        for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && !mask[nb[k]] && !seen[nb[k]]) {
                seen[nb[k]] = 1;
                stack[sp++] = nb[k];
            }
    }
    for (size_t i = 0; i < n; i++)
        mask[i] = (uint8_t)(mask[i] | !seen[i]);
    free(stack);
    free(seen);
    return KX_OK;
}

/*
 * Label the largest 4-connected region of mask; returns its boundary points
 * (map coordinates) in *pts (malloc'd) and their count, 0 when none.
 */
static kx_err card_largest_region(const uint8_t *mask, int w, int h, int **pts, int *npts)
{
    int *label = calloc((size_t)w * h, sizeof(int));
    int *stack = malloc(sizeof(int) * (size_t)w * h);
    *pts = NULL;
    *npts = 0;
    if (!label || !stack) {
        free(label);
        free(stack);
        return KX_ERR_NO_MEMORY;
    }
    int next = 0, best = 0, best_area = 0;
    for (int start = 0; start < w * h; start++) {
        if (!mask[start] || label[start])
            continue;
        int sp = 0, area = 0;
        label[start] = ++next;
        stack[sp++] = start;
        while (sp) {
            int i = stack[--sp], x = i % w, y = i / w;
            area++;
            const int nb[4] = {x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y > 0 ? i - w : -1,
                               y + 1 < h ? i + w : -1};
            for (int k = 0; k < 4; k++)
                if (nb[k] >= 0 && mask[nb[k]] && !label[nb[k]]) {
                    label[nb[k]] = next;
                    stack[sp++] = nb[k];
                }
        }
        if (area > best_area) {
            best_area = area;
            best = next;
        }
    }
    kx_err rc = KX_OK;
    if (best) {
        int *p = malloc(sizeof(int) * 2 * (size_t)best_area);
        if (!p) {
            rc = KX_ERR_NO_MEMORY;
        } else {
            int n = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    size_t i = (size_t)y * w + x;
                    if (label[i] != best)
                        continue;
                    int edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 ||
                               label[i - 1] != best || label[i + 1] != best ||
                               label[i - w] != best || label[i + w] != best;
                    if (edge) {
                        p[2 * n] = x;
                        p[2 * n + 1] = y;
                        n++;
                    }
                }
            *pts = p;
            *npts = n;
        }
    }
    free(label);
    free(stack);
    return rc;
}

/* ---- rectangle fit ----------------------------------------------------- */

typedef struct card_rect {
    double cx, cy; /* centre */
    double theta;  /* direction of the long side, radians, (-pi/2, pi/2] */
    double len, wid;
} card_rect;

static double card_rect_area(const int *pts, int n, double a, card_rect *r)
{
    double c = cos(a), s = sin(a);
    double u0 = 1e18, u1 = -1e18, v0 = 1e18, v1 = -1e18;
    for (int i = 0; i < n; i++) {
        double x = pts[2 * i] + 0.5, y = pts[2 * i + 1] + 0.5;
        double u = x * c + y * s, v = -x * s + y * c;
        u0 = fmin(u0, u), u1 = fmax(u1, u), v0 = fmin(v0, v), v1 = fmax(v1, v);
    }
    if (r) {
        double um = (u0 + u1) / 2, vm = (v0 + v1) / 2;
        r->cx = um * c - vm * s;
        r->cy = um * s + vm * c;
        double eu = u1 - u0 + 1, ev = v1 - v0 + 1;
        if (eu >= ev) {
            r->theta = a, r->len = eu, r->wid = ev;
        } else {
            r->theta = a + M_PI / 2, r->len = ev, r->wid = eu;
        }
        while (r->theta > M_PI / 2)
            r->theta -= M_PI;
        while (r->theta <= -M_PI / 2)
            r->theta += M_PI;
    }
    return (u1 - u0 + 1) * (v1 - v0 + 1);
}

/* Minimum-area bounding rectangle: coarse search, then a fine one. */
static void card_min_rect(const int *pts, int n, card_rect *r)
{
    double best = 1e30, best_a = 0;
    for (int i = 0; i < 90; i++) {
        double a = i * M_PI / 180, area = card_rect_area(pts, n, a, NULL);
        if (area < best)
            best = area, best_a = a;
    }
    double centre = best_a;
    for (int i = -10; i <= 10; i++) {
        double a = centre + i * M_PI / 1800, area = card_rect_area(pts, n, a, NULL);
        if (area < best)
            best = area, best_a = a;
    }
    card_rect_area(pts, n, best_a, r);
}

/* ---- edge refinement --------------------------------------------------- */

static double card_luma_at(const kx_image *img, double x, double y)
{
    int ix = (int)x, iy = (int)y;
    if (ix < 0 || iy < 0 || ix >= img->width || iy >= img->height)
        return -1;
    const uint8_t *p = kx_image_row(img, iy) + (size_t)ix * img->channels;
    return img->channels == 1 ? p[0] : (77.0 * p[0] + 150.0 * p[1] + 29.0 * p[2]) / 256.0;
}

/*
 * Where the edge from a to b (card on the left of a->b... either side) really
 * is: search offsets along the normal n within +-range for the line with the
 * strongest contrast across it, separately on two stretches of the side, and
 * return the refined line as two points. 0 when nothing convincing.
 */
static int card_refine_edge(const kx_image *img, const double a[2], const double b[2],
                            const double n[2], double range, double q0[2], double q1[2])
{
    const double stretch[2][2] = {{0.12, 0.45}, {0.55, 0.88}};
    double out[2][2];
    for (int s = 0; s < 2; s++) {
        double best = -1, best_o = 0;
        for (double o = -range; o <= range; o += 0.5) {
            double sum = 0;
            int used = 0;
            for (int k = 0; k < 48; k++) {
                double t = stretch[s][0] + (stretch[s][1] - stretch[s][0]) * k / 47.0;
                double px = a[0] + (b[0] - a[0]) * t + n[0] * o;
                double py = a[1] + (b[1] - a[1]) * t + n[1] * o;
                double lin = card_luma_at(img, px - n[0] * 1.5, py - n[1] * 1.5);
                double lout = card_luma_at(img, px + n[0] * 1.5, py + n[1] * 1.5);
                if (lin < 0 || lout < 0)
                    continue;
                sum += fabs(lout - lin);
                used++;
            }
            if (used > 24 && sum / used > best)
                best = sum / used, best_o = o;
        }
        if (best < 6) /* no visible edge here */
            return 0;
        double t = (stretch[s][0] + stretch[s][1]) / 2;
        out[s][0] = a[0] + (b[0] - a[0]) * t + n[0] * best_o;
        out[s][1] = a[1] + (b[1] - a[1]) * t + n[1] * best_o;
    }
    memcpy(q0, out[0], sizeof(out[0]));
    memcpy(q1, out[1], sizeof(out[1]));
    return 1;
}

/* Intersection of line p0-p1 with line q0-q1; 0 when (nearly) parallel. */
static int card_intersect(const double p0[2], const double p1[2], const double q0[2],
                          const double q1[2], double out[2])
{
    double d1x = p1[0] - p0[0], d1y = p1[1] - p0[1];
    double d2x = q1[0] - q0[0], d2y = q1[1] - q0[1];
    double den = d1x * d2y - d1y * d2x;
    if (fabs(den) < 1e-9)
        return 0;
    double t = ((q0[0] - p0[0]) * d2y - (q0[1] - p0[1]) * d2x) / den;
    out[0] = p0[0] + t * d1x;
    out[1] = p0[1] + t * d1y;
    return 1;
}

/* ---- entry points ------------------------------------------------------ */

kx_err kx_cardcrop_find(const kx_image *img, kx_cardcrop_found *found)
{
    if (!img || !found || !img->data || img->width < 8 || img->height < 8)
        return KX_ERR_INVALID_ARG;
    memset(found, 0, sizeof(*found));
    double dpi_guess = img->dpi > 0 ? img->dpi : CARD_ASSUMED_DPI;
    int side = img->width > img->height ? img->width : img->height;
    int f = (side + CARD_MAP_SIDE - 1) / CARD_MAP_SIDE;
    card_map m = {0};
    uint8_t *mask = NULL;
    int *pts = NULL, npts = 0;
    kx_err rc = card_map_build(img, f < 1 ? 1 : f, &m);
    if (rc)
        return rc;
    int bg[3], noise;
    card_lid_colour(&m, bg, &noise);
    int t = 14 > noise * 5 ? 14 : noise * 5;
    mask = malloc((size_t)m.w * m.h);
    if (!mask) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    for (size_t i = 0; i < (size_t)m.w * m.h; i++) {
        const uint8_t *p = m.rgb + i * 3;
        int d = abs(p[0] - bg[0]);
        d = abs(p[1] - bg[1]) > d ? abs(p[1] - bg[1]) : d;
        d = abs(p[2] - bg[2]) > d ? abs(p[2] - bg[2]) : d;
        mask[i] = d > t;
    }
    /* close gaps between print on a pale card: 2 mm */
    int r = (int)ceil(2.0 * dpi_guess / MM_PER_INCH / m.f);
    if ((rc = card_morph(mask, m.w, m.h, r, 0)) || (rc = card_morph(mask, m.w, m.h, r, 1)))
        goto out;
    /* a pale card on a pale lid differs only by its print and the shadow
     * line around it: what that line encloses is card */
    if ((rc = card_fill_holes(mask, m.w, m.h)))
        goto out;
    if ((rc = card_largest_region(mask, m.w, m.h, &pts, &npts)))
        goto out;
    if (npts < 16) {
        kx_err_set_detail("nothing on the scan differs from the lid");
        rc = KX_ERR_NO_CARD;
        goto out;
    }
    card_rect cr;
    card_min_rect(pts, npts, &cr);
    /* to full resolution: a map pixel covers f pixels */
    double cx = cr.cx * m.f, cy = cr.cy * m.f, len = cr.len * m.f, wid = cr.wid * m.f;
    double ex[2] = {cos(cr.theta), sin(cr.theta)}, ey[2] = {-sin(cr.theta), cos(cr.theta)};
    double c[4][2];
    for (int k = 0; k < 4; k++) {
        double su = (k == 0 || k == 3) ? -0.5 : 0.5, sv = k < 2 ? -0.5 : 0.5;
        c[k][0] = cx + ex[0] * len * su + ey[0] * wid * sv;
        c[k][1] = cy + ex[1] * len * su + ey[1] * wid * sv;
    }
    /* each edge on full-resolution pixels, outward normals */
    double range = 2.5 * dpi_guess / MM_PER_INCH + m.f;
    double lines[4][2][2];
    int refined = 1;
    for (int k = 0; k < 4 && refined; k++) {
        const double *a = c[k], *b = c[(k + 1) % 4];
        double nx = b[1] - a[1], ny = -(b[0] - a[0]), nl = hypot(nx, ny);
        double n[2] = {nx / nl, ny / nl};
        /* outward: away from the centre */
        if ((a[0] - cx) * n[0] + (a[1] - cy) * n[1] < 0)
            n[0] = -n[0], n[1] = -n[1];
        refined = card_refine_edge(img, a, b, n, range, lines[k][0], lines[k][1]);
    }
    if (refined) {
        double rc4[4][2];
        int ok = 1;
        for (int k = 0; k < 4 && ok; k++) {
            ok = card_intersect(lines[(k + 3) % 4][0], lines[(k + 3) % 4][1], lines[k][0],
                                lines[k][1], rc4[k]);
            ok = ok && hypot(rc4[k][0] - c[k][0], rc4[k][1] - c[k][1]) < range * 2;
        }
        if (ok)
            memcpy(c, rc4, sizeof(c));
    }
    double top = hypot(c[1][0] - c[0][0], c[1][1] - c[0][1]);
    double bottom = hypot(c[2][0] - c[3][0], c[2][1] - c[3][1]);
    double left = hypot(c[3][0] - c[0][0], c[3][1] - c[0][1]);
    double right = hypot(c[2][0] - c[1][0], c[2][1] - c[1][1]);
    double lpx = (top + bottom) / 2, wpx = (left + right) / 2;
    double dpi = img->dpi > 0 ? img->dpi : lpx / (KX_CARD_WIDTH_MM / MM_PER_INCH);
    double wmm = lpx / dpi * MM_PER_INCH, hmm = wpx / dpi * MM_PER_INCH;
    double aspect = lpx / wpx;
    if (aspect < 1.45 || aspect > 1.75 || wmm < KX_CARD_WIDTH_MM * 0.9 ||
        wmm > KX_CARD_WIDTH_MM * 1.1 || hmm < KX_CARD_HEIGHT_MM * 0.9 ||
        hmm > KX_CARD_HEIGHT_MM * 1.1) {
        kx_err_set_detail("largest object is %.1f x %.1f mm, not an ID card", wmm, hmm);
        rc = KX_ERR_NO_CARD;
        goto out;
    }
    memcpy(found->corners, c, sizeof(c));
    found->angle_deg = atan2(c[1][1] - c[0][1], c[1][0] - c[0][0]) * 180 / M_PI;
    found->size_mm[0] = wmm;
    found->size_mm[1] = hmm;
    found->dpi = dpi;
out:
    free(m.rgb);
    free(mask);
    free(pts);
    return rc;
}

kx_err kx_cardcrop_crop(const kx_image *img, kx_cardcrop_found *found, kx_image **out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    kx_cardcrop_found local;
    kx_cardcrop_found *fd = found ? found : &local;
    kx_err rc = kx_cardcrop_find(img, fd);
    if (rc)
        return rc;
    int W = (int)lround(KX_CARD_WIDTH_MM / MM_PER_INCH * fd->dpi);
    int H = (int)lround(KX_CARD_HEIGHT_MM / MM_PER_INCH * fd->dpi);
    int och = img->channels == 1 ? 1 : 3;
    kx_image *card = NULL;
    if ((rc = kx_image_new(W, H, och, &card)))
        return rc;
    card->dpi = fd->dpi;
    const double(*c)[2] = (const double(*)[2])fd->corners;
    int ch = img->channels;
    for (int v = 0; v < H; v++) {
        double tv = (v + 0.5) / H;
        uint8_t *dst = kx_image_row(card, v);
        for (int u = 0; u < W; u++) {
            double su = (u + 0.5) / W;
            /* bilinear map of the quadrilateral: follows slight keystone too */
            double x = c[0][0] * (1 - su) * (1 - tv) + c[1][0] * su * (1 - tv) +
                       c[2][0] * su * tv + c[3][0] * (1 - su) * tv - 0.5;
            double y = c[0][1] * (1 - su) * (1 - tv) + c[1][1] * su * (1 - tv) +
                       c[2][1] * su * tv + c[3][1] * (1 - su) * tv - 0.5;
            int x0 = (int)floor(x), y0 = (int)floor(y);
            double fx = x - x0, fy = y - y0;
            for (int k = 0; k < och; k++) {
                double acc = 0;
                for (int j = 0; j < 4; j++) {
                    int xx = x0 + (j & 1), yy = y0 + (j >> 1);
                    xx = xx < 0 ? 0 : xx >= img->width ? img->width - 1 : xx;
                    yy = yy < 0 ? 0 : yy >= img->height ? img->height - 1 : yy;
                    const uint8_t *p = kx_image_row(img, yy) + (size_t)xx * ch;
                    double val = p[k];
                    if (ch == 4)
                        val = (p[k] * p[3] + 255.0 * (255 - p[3])) / 255.0;
                    double wgt = ((j & 1) ? fx : 1 - fx) * ((j >> 1) ? fy : 1 - fy);
                    acc += val * wgt;
                }
                dst[(size_t)u * och + k] = (uint8_t)(acc + 0.5);
            }
        }
    }
    *out = card;
    return KX_OK;
}
