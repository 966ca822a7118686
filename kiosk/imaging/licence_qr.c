/*
 * licence_qr.c - the licence QR reader (see licence_qr.h).
 *
 * Sections: zbar session - candidate regions - decoding a region -
 * the reader - payload rules.
 *
 * Why candidates first: libzbar's cost is proportional to the pixels it
 * scans (about 190 ms for an A4 page at 300 dpi), while a QR symbol covers
 * under 2 % of a licence page. A 640-pixel texture map costs a few
 * milliseconds and points at the symbol; decoding a crop at ~3 px per
 * module costs 1-5 ms. Only a page without any readable symbol pays for a
 * whole-page scan, once, at reduced size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    zbar_image_t *zi = zbar_image_create();
    if (!zi)
        return 0;
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
                s->out->bbox[2] = (int)(x1 - x0 + scale), s->out->bbox[3] = (int)(y1 - y0 + scale);
            }
            result = 1;
            break;
        }
    }
    kx_log_debug("licence.qr.try", "stage=%s size=%dx%d at=%.0f,%.0f scale=%.2f got=%d", stage,
                 g->w, g->h, ox, oy, scale, result);
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
 * one-directional, paper flat). Writes w*h values into s.
 */
static kx_err qr_energy_map(const kx_gray *m, int r, float *s)
{
    int w = m->w, h = m->h;
    /* integral of at most 640 x 640 values of at most 3 * 255: fits 32 bits */
    uint32_t *ii = calloc((size_t)(w + 1) * (h + 1), sizeof(uint32_t));
    if (!ii)
        return KX_ERR_NO_MEMORY;
    for (int y = 0; y < h; y++) {
        uint32_t row = 0;
        const uint8_t *p = m->px + (size_t)y * w;
        const uint8_t *q = y + 1 < h ? p + w : p;
        uint32_t *dst = ii + (size_t)(y + 1) * (w + 1) + 1, *above = dst - (w + 1);
        for (int x = 0; x < w; x++) {
            int dx = x + 1 < w ? abs(p[x + 1] - p[x]) : 0;
            int dy = abs(q[x] - p[x]);
            /* both directions must be present: min favours checkerboards over
             * long edges, the sum keeps weak symbols visible */
            row += (uint32_t)((dx < dy ? dx : dy) * 2 + (dx + dy) / 2);
            dst[x] = above[x] + row;
        }
    }
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        const uint32_t *top = ii + (size_t)y0 * (w + 1), *bot = ii + (size_t)y1 * (w + 1);
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            uint32_t sum = bot[x1] - top[x1] - bot[x0] + top[x0];
            s[(size_t)y * w + x] = (float)sum / (float)((x1 - x0) * (y1 - y0));
        }
    }
    free(ii);
    return KX_OK;
}

/* Connected regions of s above t, best first (by summed energy). */
static kx_err qr_regions(const float *s, int w, int h, float t, qr_rect *out, int *n_out)
{
    uint8_t *seen = calloc((size_t)w * h, 1);
    int *stack = malloc(sizeof(int) * (size_t)w * h);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return KX_ERR_NO_MEMORY;
    }
    int n = 0;
    for (int start = 0; start < w * h; start++) {
        if (seen[start] || s[start] <= t)
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
            const int nb[4] = {x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y > 0 ? i - w : -1,
                               y + 1 < h ? i + w : -1};
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
    free(seen);
    free(stack);
    *n_out = n;
    return KX_OK;
}

/* ---- decoding a region ------------------------------------------------- */

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
 * Try to read a symbol inside the full-resolution rectangle (x, y, w, h)
 * of img: grey with stretched contrast, then Otsu, then enlarged (small
 * modules) or as is, binarised against the local mean.
 */
static int qr_try_region(qr_session *s, const kx_image *img, int x, int y, int w, int h,
                         double region_side, int retries)
{
    if (x < 0)
        w += x, x = 0;
    if (y < 0)
        h += y, y = 0;
    if (x + w > img->width)
        w = img->width - x;
    if (y + h > img->height)
        h = img->height - y;
    if (w < 16 || h < 16)
        return 0;
    double module_est;
    int d = qr_region_factor(img, region_side, &module_est);
    int cap = (int)ceil((w > h ? w : h) / 1000.0);
    d = d < cap ? cap : d;
    kx_image view = *img;
    view.data = kx_image_row(img, y) + (size_t)x * (size_t)img->channels;
    view.width = w;
    view.height = h;
    kx_gray g = {0}, b = {0}, up = {0};
    int got = 0;
    if (kx_gray_from_image(&view, d, &g))
        return 0;
    kx_gray_stretch(&g, 1, 99);
    if ((got = qr_zbar(s, &g, x, y, d, "grey")) || !retries)
        goto out;
    double module = module_est / d;
    if (module < 4.5) {
        /* small modules: give zbar more pixels per module - the region at
         * full detail when it was reduced, else a smooth 2x enlargement
         * (binarising that as well found nothing more on 128 test images) */
        double scale = d > 1 ? d / 2 : 0.5;
        kx_err frc = (long)g.w * g.h > 700L * 700 ? KX_ERR_TOO_LARGE
                     : d > 1                         ? kx_gray_from_image(&view, d / 2, &up)
                                                     : kx_gray_scale(&g, g.w * 2, g.h * 2, &up);
        if (frc == KX_OK) {
            if (d > 1)
                kx_gray_stretch(&up, 1, 99);
            got = qr_zbar(s, &up, x, y, scale, "fine");
            goto out;
        }
    }
    if (kx_gray_crop(&g, 0, 0, g.w, g.h, &b) == KX_OK) {
        kx_gray_threshold(&b, kx_gray_otsu(&b));
        if ((got = qr_zbar(s, &b, x, y, d, "otsu")))
            goto out;
    }
    if (kx_gray_binarize_local(&g, (int)(module * 4) + 2, 4) == KX_OK)
        got = qr_zbar(s, &g, x, y, d, "local");
out:
    kx_gray_free(&g);
    kx_gray_free(&b);
    kx_gray_free(&up);
    return got;
}

/* ---- the reader -------------------------------------------------------- */

static int qr_search(qr_session *s, const kx_image *img)
{
    int side = img->width > img->height ? img->width : img->height;
    int fc = (side + QR_MAP_SIDE - 1) / QR_MAP_SIDE;
    fc = fc < 1 ? 1 : fc;
    kx_gray map = {0};
    float *energy = NULL;
    int got = 0;
    if (kx_gray_from_image(img, fc, &map))
        return 0;
    energy = malloc(sizeof(float) * (size_t)map.w * map.h);
    if (!energy || qr_energy_map(&map, 4, energy))
        goto out;
    float peak = 0;
    for (size_t i = 0; i < (size_t)map.w * map.h; i++)
        peak = energy[i] > peak ? energy[i] : peak;
    if (peak <= 0)
        goto out;
    /* A strong threshold isolates the symbol on a busy page; a weak one
     * catches a faint symbol next to strong print. */
    static const float levels[] = {0.5f, 0.25f};
    qr_rect tried[2 * QR_MAX_CANDIDATES];
    int n_tried = 0;
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]) && !got; l++) {
        qr_rect cand[QR_MAX_CANDIDATES];
        int n = 0;
        if (qr_regions(energy, map.w, map.h, peak * levels[l], cand, &n))
            break;
        for (int i = 0; i < n && !got; i++) {
            int dup = 0;
            for (int k = 0; k < n_tried; k++)
                dup |= abs(tried[k].x - cand[i].x) <= 2 && abs(tried[k].y - cand[i].y) <= 2 &&
                       abs(tried[k].w - cand[i].w) <= 3 && abs(tried[k].h - cand[i].h) <= 3;
            if (dup)
                continue;
            tried[n_tried++] = cand[i];
            /* larger than any licence symbol (70 mm; without a resolution,
             * three quarters of the frame): merged print, not a code */
            double limit = img->dpi >= 150 ? 70 / 25.4 * img->dpi
                                           : 0.75 * (map.w < map.h ? map.w : map.h) * fc;
            if (fmax(cand[i].w, cand[i].h) * fc > limit)
                continue;
            /* the smoothing window spreads the region by ~r; the quiet zone
             * needs a margin of its own. zbar's time grows with the crop's
             * area: 0.45 of the side (was 0.6) reads the same 100 of 128
             * codes of gen_licence.py seeds 1, 3, 7, 11 with a quarter fewer
             * pixels; 0.35 loses a camera code ZXingReader reads. */
            double rw = cand[i].w * fc, rh = cand[i].h * fc;
            double margin = fmax(rw, rh) * 0.45 + 8.0 * fc;
            /* binarising retries only for the strongest regions: the rest
             * are text or pictures far more often than a damaged symbol */
            got = qr_try_region(s, img, (int)(cand[i].x * fc - margin),
                                (int)(cand[i].y * fc - margin), (int)(rw + 2 * margin),
                                (int)(rh + 2 * margin), fmax(rw, rh), n_tried <= 2);
        }
    }
    if (!got && fc > 2) {
        /* Last resort on a scanned page: the whole page, reduced so small
         * symbols survive, in case the texture map missed the symbol. Camera
         * frames skip it: their candidates cover the frame, and a whole-frame
         * scan found nothing more on 128 test images. */
        int ff = fc / 3 < 1 ? 1 : fc / 3;
        while ((double)img->width * img->height / ((double)ff * ff) > 2.5e6)
            ff++;
        kx_gray whole = {0};
        if (kx_gray_from_image(img, ff, &whole) == KX_OK) {
            got = qr_zbar(s, &whole, 0, 0, ff, "page");
            kx_gray_free(&whole);
        }
    }
out:
    free(energy);
    kx_gray_free(&map);
    return got;
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
    qr_session s = {0};
    kx_err rc = qr_session_open(&s, out);
    if (rc)
        return rc;
    int got = qr_search(&s, img);
    qr_session_close(&s);
    if (got < 0) {
        out->payload_len = 0;
        out->payload[0] = '\0';
        kx_err_set_detail("QR payload longer than %d bytes", KX_LICENCE_MAX_PAYLOAD);
        return KX_ERR_TOO_LARGE;
    }
    if (!got) {
        kx_err_set_detail("no readable QR code on the %dx%d image (%d decoder runs)", img->width,
                          img->height, out->attempts);
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
