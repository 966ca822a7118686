/* SPDX-License-Identifier: MIT */
/*
 * doccheck.c - which document a page is (doccheck.h): an ID card found by
 * the cropper, the page's marks counted on a reduced grey copy (blank, face
 * up), the seal sheet's table, the licence's QR code; cheapest first.
 */
#include "imaging/doccheck.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "imaging/cardcrop.h"
#include "imaging/gray.h"
#include "imaging/licence_qr.h"
#include "imaging/sealsheet.h"

#define DC_EDGE_MM 12.0       /* page edges left out of the counts (lid shadows) */
#define DC_INK_T 60           /* a block this much darker than the paper is print */
#define DC_FAINT_T 10         /* ... this much, a faint mark */
#define DC_BLANK_INK 4e-4     /* less print than this share: blank or face up */
#define DC_FACE_UP_FAINT 3e-3 /* faint marks over this share: face up */
#define DC_EMBLEM_RED 0.004   /* share of strongly red pixels on a card's back */

/* The titles, read by Tesseract (libtesseract5 with its Simplified Chinese
 * data, Debian tesseract-ocr-chi-sim) through its C API, loaded with dlopen
 * so that nothing links it: without it the two documents stay unknown. */
#define DC_TESS_LIB "libtesseract.so.5"
#define DC_TITLE_DPI 150      /* the title band is read at about this resolution */
#define DC_TITLE_SHARE 0.35   /* ... from the top of the page, this share of it */
#define DC_TITLE_MAX_BYTES 48 /* a title line: 16 Chinese characters at most */

struct kx_doc_ocr {
    void *lib;
    void *api; /* a TessBaseAPI, initialised with chi_sim */
    void *(*create)(void);
    int (*init3)(void *, const char *, const char *);
    void (*set_psm)(void *, int);
    void (*set_image)(void *, const unsigned char *, int, int, int, int);
    void (*set_res)(void *, int);
    char *(*text)(void *);
    void (*del_text)(const char *);
    void (*end)(void *);
    void (*del)(void *);
};

kx_err kx_doc_ocr_open(kx_doc_ocr **out)
{
    kx_err rc = KX_OK;
    *out = NULL;
    const char *env = getenv("KX_DOCCHECK_OCR");
    if (env && strcmp(env, "off") == 0) {
        kx_err_set_detail("title reading turned off (KX_DOCCHECK_OCR=off)");
        return KX_ERR_UNSUPPORTED;
    }
    kx_doc_ocr *t = calloc(1, sizeof(*t));
    if (!t)
        return KX_ERR_NO_MEMORY;
    t->lib = dlopen(DC_TESS_LIB, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (t->lib) {
        /* POSIX: a function pointer from dlsym goes through a data pointer */
        *(void **)&t->create = dlsym(t->lib, "TessBaseAPICreate");
        *(void **)&t->init3 = dlsym(t->lib, "TessBaseAPIInit3");
        *(void **)&t->set_psm = dlsym(t->lib, "TessBaseAPISetPageSegMode");
        *(void **)&t->set_image = dlsym(t->lib, "TessBaseAPISetImage");
        *(void **)&t->set_res = dlsym(t->lib, "TessBaseAPISetSourceResolution");
        *(void **)&t->text = dlsym(t->lib, "TessBaseAPIGetUTF8Text");
        *(void **)&t->del_text = dlsym(t->lib, "TessDeleteText");
        *(void **)&t->end = dlsym(t->lib, "TessBaseAPIEnd");
        *(void **)&t->del = dlsym(t->lib, "TessBaseAPIDelete");
    }
    if (!t->lib || !t->create || !t->init3 || !t->set_psm || !t->set_image || !t->set_res ||
        !t->text || !t->del_text || !t->end || !t->del) {
        kx_err_set_detail("%s is not installed (libtesseract5)", DC_TESS_LIB);
        rc = KX_ERR_UNSUPPORTED;
    } else if (!(t->api = t->create())) {
        rc = KX_ERR_NO_MEMORY;
    } else if (t->init3(t->api, NULL, "chi_sim") != 0) {
        kx_err_set_detail("Tesseract has no chi_sim data (tesseract-ocr-chi-sim)");
        rc = KX_ERR_UNSUPPORTED;
    }
    if (rc)
        kx_doc_ocr_free(t);
    else
        *out = t;
    return rc;
}

void kx_doc_ocr_free(kx_doc_ocr *ocr)
{
    if (!ocr)
        return;
    if (ocr->api) {
        ocr->end(ocr->api);
        ocr->del(ocr->api);
    }
    /* the library stays loaded (RTLD_NODELETE): Tesseract's static data
     * must outlive any thread that used it */
    free(ocr);
}

/* Does text hold every one of the n UTF-8 pieces? */
static int dc_has_all(const char *text, const char *const *pieces, int n)
{
    for (int i = 0; i < n; i++)
        if (!strstr(text, pieces[i]))
            return 0;
    return 1;
}

/* The kind a title line names (spaces removed), or KX_PAGE_UNKNOWN. */
static kx_doc_kind dc_line_kind(const char *line)
{
    static const char *const letter[][2] = {{"授权", "委托"}, {"委托书", "委托书"}};
    static const char *const reissue[][2] = {{"补办", "说明"}, {"补办", "声明"}};
    for (size_t i = 0; i < sizeof(letter) / sizeof(letter[0]); i++)
        if (dc_has_all(line, letter[i], 2))
            return KX_PAGE_AUTH_LETTER;
    for (size_t i = 0; i < sizeof(reissue) / sizeof(reissue[0]); i++)
        if (dc_has_all(line, reissue[i], 2))
            return KX_PAGE_REISSUE_STATEMENT;
    return KX_PAGE_UNKNOWN;
}

/* The kind told by the title: one of the first two lines of text at the
 * top of the page (a heading such as 附件2 may come first), short as titles
 * are (a body line that mentions an authorisation does not count), the
 * spaces Tesseract puts between Chinese characters removed. */
static kx_doc_kind dc_title_kind(const char *raw)
{
    char line[DC_TITLE_MAX_BYTES + 1];
    size_t n = 0;
    int lines = 0, too_long = 0;
    kx_doc_kind kind = KX_PAGE_UNKNOWN;
    for (const char *p = raw;; p++) {
        if (*p == '\n' || !*p) {
            line[n] = 0;
            if (n && !too_long && kind == KX_PAGE_UNKNOWN)
                kind = dc_line_kind(line);
            lines += n > 0 || too_long;
            n = 0;
            too_long = 0;
            if (!*p || lines == 2)
                break;
        } else if (*p != ' ' && *p != '\t' && *p != '\r') {
            if (n < DC_TITLE_MAX_BYTES)
                line[n++] = *p;
            else
                too_long = 1;
        }
    }
    return kind;
}

/* Read the top of the page for a title; out->kind set when one is known. */
static kx_err dc_title(const kx_image *img, double dpi, kx_doc_ocr *t, kx_doc_check *out)
{
    int factor = (int)(dpi / DC_TITLE_DPI + 0.5);
    kx_gray g = {0};
    kx_err rc = kx_gray_from_image(img, factor < 1 ? 1 : factor, &g);
    if (rc)
        return rc;
    int h = (int)(g.h * DC_TITLE_SHARE);
    t->set_psm(t->api, 3); /* automatic page segmentation */
    t->set_image(t->api, g.px, g.w, h > 0 ? h : 1, 1, g.w);
    t->set_res(t->api, (int)(dpi / (factor < 1 ? 1 : factor)));
    char *text = t->text(t->api);
    if (text) {
        out->kind = dc_title_kind(text);
        t->del_text(text);
    }
    kx_gray_free(&g);
    return KX_OK;
}

/* Share of strongly red pixels (the back's emblem) on the cropped card. */
static double dc_red_share(const kx_image *card)
{
    if (card->channels < 3)
        return 0;
    long red = 0, n = 0;
    for (int y = 0; y < card->height; y += 2) {
        const uint8_t *p = kx_image_row(card, y);
        for (int x = 0; x < card->width; x += 2, n++) {
            const uint8_t *q = p + (size_t)x * card->channels;
            int gb = q[1] > q[2] ? q[1] : q[2];
            red += q[0] > gb + 70;
        }
    }
    return n ? (double)red / n : 0;
}

/* An ID card on the glass: 1 and out set when found. */
static kx_err dc_card(const kx_image *img, kx_doc_check *out, int *found)
{
    kx_cardcrop_found f;
    kx_image *card = NULL;
    *found = 0;
    kx_err rc = kx_cardcrop_crop(img, &f, &card);
    if (rc == KX_ERR_NO_CARD)
        return KX_OK;
    if (rc)
        return rc;
    *found = 1;
    out->kind = dc_red_share(card) >= DC_EMBLEM_RED ? KX_PAGE_ID_BACK : KX_PAGE_ID_FRONT;
    double x0 = f.corners[0][0], y0 = f.corners[0][1], x1 = x0, y1 = y0;
    for (int i = 1; i < 4; i++) {
        x0 = f.corners[i][0] < x0 ? f.corners[i][0] : x0;
        x1 = f.corners[i][0] > x1 ? f.corners[i][0] : x1;
        y0 = f.corners[i][1] < y0 ? f.corners[i][1] : y0;
        y1 = f.corners[i][1] > y1 ? f.corners[i][1] : y1;
    }
    out->bbox[0] = (int)x0;
    out->bbox[1] = (int)y0;
    out->bbox[2] = (int)(x1 - x0);
    out->bbox[3] = (int)(y1 - y0);
    kx_image_free(card);
    return KX_OK;
}

/* Print and faint marks on ~0.5 mm blocks of the page away from its edges,
 * against the paper's level (the most common block value). */
static kx_err dc_marks(const kx_image *img, double dpi, kx_doc_check *out)
{
    int factor = (int)(dpi / 50.8 + 0.5);
    kx_gray g = {0};
    kx_err rc = kx_gray_from_image(img, factor < 1 ? 1 : factor, &g);
    if (rc)
        return rc;
    double per_mm = dpi / 25.4 / (factor < 1 ? 1 : factor);
    int e = (int)(DC_EDGE_MM * per_mm);
    if (2 * e >= g.w || 2 * e >= g.h)
        e = 0;
    long hist[256] = {0}, n = 0;
    for (int y = e; y < g.h - e; y++)
        for (int x = e; x < g.w - e; x++, n++)
            hist[g.px[(size_t)y * g.w + x]]++;
    int paper = 0;
    for (int v = 1; v < 256; v++)
        if (hist[v] > hist[paper])
            paper = v;
    long ink = 0, faint = 0;
    for (int v = 0; v < 256; v++) {
        if (v <= paper - DC_INK_T)
            ink += hist[v];
        else if (v <= paper - DC_FAINT_T)
            faint += hist[v];
    }
    out->ink_share = n ? (double)ink / n : 0;
    out->faint_share = n ? (double)faint / n : 0;
    kx_gray_free(&g);
    return KX_OK;
}

/* The documents told by sight: an ID card, a blank page or one face up
 * (unless marks_done: out's shares are counted already), the seal sheet's
 * table, the licence's QR code; out->kind stays KX_PAGE_UNKNOWN for any
 * other page. */
static kx_err dc_sight(const kx_image *img, double dpi, int marks_done, kx_doc_check *out)
{
    int found = 0;
    kx_err rc = dc_card(img, out, &found);
    if (rc || found)
        return rc;
    if (!marks_done && (rc = dc_marks(img, dpi, out)))
        return rc;
    if (out->ink_share < DC_BLANK_INK) {
        out->kind = out->faint_share > DC_FACE_UP_FAINT ? KX_PAGE_FACE_UP : KX_PAGE_BLANK;
        return KX_OK;
    }
    kx_sealsheet_result *sheet = NULL;
    rc = kx_sealsheet_analyze(img, dpi, &sheet);
    if (rc == KX_OK) {
        out->kind = KX_PAGE_SEAL_SHEET;
        memcpy(out->bbox, sheet->table, sizeof(out->bbox));
        kx_sealsheet_result_free(sheet);
        return KX_OK;
    }
    if (rc != KX_ERR_NO_TABLE)
        return rc;
    kx_licence_qr *qr = calloc(1, sizeof(*qr));
    if (!qr)
        return KX_ERR_NO_MEMORY;
    rc = kx_licence_qr_read(img, qr);
    if (qr->found) {
        out->kind = KX_PAGE_LICENCE;
        memcpy(out->bbox, qr->bbox, sizeof(out->bbox));
    }
    free(qr);
    return rc == KX_ERR_NO_QR || rc == KX_ERR_TOO_LARGE ? KX_OK : rc;
}

kx_err kx_doccheck_hint(const kx_image *img, kx_doc_ocr *ocr, kx_doc_kind expected,
                        kx_doc_check *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (!img || img->width <= 0 || img->height <= 0)
        return KX_ERR_INVALID_ARG;
    double dpi = img->dpi > 0 ? img->dpi : 300.0;
    out->kind = KX_PAGE_UNKNOWN;
    out->bbox[2] = img->width;
    out->bbox[3] = img->height;
    out->ocr = ocr != NULL;
    kx_err rc = KX_OK;
    if (ocr && (expected == KX_PAGE_AUTH_LETTER || expected == KX_PAGE_REISSUE_STATEMENT)) {
        /* a page expected by its title: the title first (a blank page has
         * none), what is told by sight only when it names neither */
        if ((rc = dc_marks(img, dpi, out)) || out->ink_share < DC_BLANK_INK)
            return rc ? rc : dc_sight(img, dpi, 1, out);
        if ((rc = dc_title(img, dpi, ocr, out)) || out->kind != KX_PAGE_UNKNOWN)
            return rc;
        return dc_sight(img, dpi, 1, out);
    }
    rc = dc_sight(img, dpi, 0, out);
    if (rc || out->kind != KX_PAGE_UNKNOWN || !ocr)
        return rc;
    return dc_title(img, dpi, ocr, out);
}

kx_err kx_doccheck_ocr(const kx_image *img, kx_doc_ocr *ocr, kx_doc_check *out)
{
    return kx_doccheck_hint(img, ocr, KX_PAGE_UNKNOWN, out);
}

kx_err kx_doccheck(const kx_image *img, kx_doc_check *out)
{
    kx_doc_ocr *ocr = NULL;
    /* Tesseract is loaded only for a page that needs its title read */
    kx_err rc = kx_doccheck_ocr(img, NULL, out);
    if (rc || out->kind != KX_PAGE_UNKNOWN)
        return rc;
    rc = kx_doc_ocr_open(&ocr);
    if (rc == KX_ERR_UNSUPPORTED)
        return KX_OK;
    if (!rc) {
        out->ocr = 1;
        rc = dc_title(img, img->dpi > 0 ? img->dpi : 300.0, ocr, out);
    }
    kx_doc_ocr_free(ocr);
    return rc;
}

const char *kx_doc_kind_name(kx_doc_kind kind)
{
    static const char *const names[KX_PAGE_KIND_COUNT] = {
        "unknown", "blank",      "face_up",     "licence",          "id_front",
        "id_back", "seal_sheet", "auth_letter", "reissue_statement"};
    return kind >= 0 && kind < KX_PAGE_KIND_COUNT ? names[kind] : "unknown";
}

const char *kx_doc_kind_label(kx_doc_kind kind)
{
    static const char *const labels[KX_PAGE_KIND_COUNT] = {
        N_("a page that is not one of the documents asked for"),
        N_("a blank page"),
        N_("the back of a page (it lies face up)"),
        N_("the business licence"),
        N_("an ID card, the side with the photo"),
        N_("an ID card, the side with the emblem"),
        N_("the seal collection sheet"),
        N_("the authorisation letter"),
        N_("the reissue statement"),
    };
    return kind >= 0 && kind < KX_PAGE_KIND_COUNT ? labels[kind] : labels[0];
}

/* ---- the legal representative's field of the authorisation letter ---- */

/* Where kiosk/docs prints the field (forms.c, letter_draw: the line at
 * 210 mm, 13 pt, from 20 mm): the underlined blank runs from about 47 to
 * 102 mm, its line about 214.6 mm from the top. */
#define LS_LINE_Y_MM 214.6
#define LS_LINE_X0_MM 47.5
#define LS_LINE_X1_MM 102.5
#define LS_SEARCH_MM 16.0    /* the line is looked for this far up or down */
#define LS_SEARCH_X0_MM 10.0 /* ... between these distances from the left */
#define LS_SEARCH_X1_MM 160.0
#define LS_SLOPE 0.015      /* ... at a slope of up to this (the page askew, ~0.9 deg) */
#define LS_LINE_MIN_MM 35.0 /* a line at least this long is the field's */
#define LS_ABOVE_MM 15.0    /* the field: this far above its line */
#define LS_BELOW_MM 5.0     /* ... and below it */
#define LS_RUN_MM 10.0      /* a straight horizontal run this long is printed */
#define LS_SIGN_MM2 6.0     /* handwriting: at least this much ink */
#define LS_SEAL_MM2 30.0    /* a seal: at least this much red ink */

static int ls_red(const uint8_t *p, int ch)
{
    return ch >= 3 && p[0] >= 120 && p[0] > p[1] + 50 && p[0] > p[2] + 50;
}

/* black or blue ink: dark, and not a seal's red */
static int ls_dark(const uint8_t *p, int ch)
{
    if (ch < 3)
        return p[0] < 140;
    int luma = (77 * p[0] + 150 * p[1] + 29 * p[2]) >> 8;
    return luma < 140 && !ls_red(p, ch);
}

/* The dark pixels of a window of the page, one byte each (1: dark), so
 * that lines at many slopes can be followed cheaply. */
typedef struct ls_map {
    uint8_t *dk;
    int x0, y0, w, h;
} ls_map;

static int ls_at(const ls_map *m, int x, int y)
{
    x -= m->x0;
    y -= m->y0;
    return x >= 0 && y >= 0 && x < m->w && y < m->h && m->dk[(size_t)y * m->w + x];
}

/* along the line through (x0, y) that drops j pixels every len pixels to
 * the right: the longest run of dark pixels (gaps up to gap bridged, a
 * pixel just above or below counting), its ends into *ra, *rb */
static int ls_run(const ls_map *m, int y, int j, int len, int x0, int x1, int gap, int *ra,
                  int *rb)
{
    int best = 0, start = -1, last = -1;
    for (int x = x0; x < x1; x++) {
        int yy = y + (int)((long)j * (x - x0) / len);
        if (!ls_at(m, x, yy) && !ls_at(m, x, yy - 1) && !ls_at(m, x, yy + 1))
            continue;
        if (start < 0 || x - last > gap)
            start = x;
        last = x;
        if (last - start + 1 > best) {
            best = last - start + 1;
            *ra = start;
            *rb = last;
        }
    }
    return best;
}

/* is (x, y) on a straight horizontal run of at least len pixels? */
static int ls_on_line(const kx_image *img, const uint8_t *row, int x, int len)
{
    int ch = img->channels, a = x, b = x;
    while (a > 0 && b - a < len && ls_dark(row + (size_t)(a - 1) * ch, ch))
        a--;
    while (b + 1 < img->width && b - a < len && ls_dark(row + (size_t)(b + 1) * ch, ch))
        b++;
    return b - a + 1 >= len;
}

/* the field's line: the long dark line nearest its place, at a slope of up
 * to LS_SLOPE; 1 and *lx0, *lx1, *ly (the line's height at lx0), *j, *len
 * (its slope as j pixels down per len) when found */
static int ls_find_line(const kx_image *img, double px, int *lx0, int *lx1, int *ly, int *j,
                        int *len)
{
    int nominal = (int)(LS_LINE_Y_MM * px);
    int sx0 = (int)(LS_SEARCH_X0_MM * px), sx1 = (int)(LS_SEARCH_X1_MM * px);
    int sy0 = (int)((LS_LINE_Y_MM - LS_SEARCH_MM) * px),
        sy1 = (int)((LS_LINE_Y_MM + LS_SEARCH_MM) * px);
    sx1 = sx1 > img->width ? img->width : sx1;
    int jmax = (int)(LS_SLOPE * (sx1 - sx0)) + 1, found = 0, best_d = -1, best_n = 0;
    ls_map m = {.x0 = sx0, .y0 = sy0 - jmax - 1, .w = sx1 - sx0};
    m.y0 = m.y0 < 0 ? 0 : m.y0;
    m.h = (sy1 + jmax + 1 < img->height ? sy1 + jmax + 1 : img->height) - m.y0;
    if (m.w <= 0 || m.h <= 0 || !(m.dk = malloc((size_t)m.w * m.h)))
        return 0;
    for (int y = 0; y < m.h; y++) {
        const uint8_t *row = kx_image_row(img, m.y0 + y);
        for (int x = 0; x < m.w; x++)
            m.dk[(size_t)y * m.w + x] =
                (uint8_t)ls_dark(row + (size_t)(m.x0 + x) * img->channels, img->channels);
    }
    int gap = (int)(0.5 * px) + 1, min = (int)(LS_LINE_MIN_MM * px), span = sx1 - sx0;
    for (int jj = -jmax; jj <= jmax; jj++)
        for (int y = sy0 < 0 ? 0 : sy0; y < sy1 && y < img->height; y++) {
            int a = 0, b = 0, n = ls_run(&m, y, jj, span, sx0, sx1, gap, &a, &b);
            if (n < min)
                continue;
            int mid = y + (int)((long)jj * ((a + b) / 2 - sx0) / span);
            int d = mid > nominal ? mid - nominal : nominal - mid;
            if (best_d < 0 || d < best_d || (d == best_d && n > best_n)) {
                best_d = d;
                best_n = n;
                *lx0 = a;
                *lx1 = b;
                *ly = y + (int)((long)jj * (a - sx0) / span);
                *j = jj;
                *len = span;
                found = 1;
            }
        }
    free(m.dk);
    return found;
}

kx_err kx_letter_signature(const kx_image *img, kx_letter_sign *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (!img || img->width <= 0 || img->height <= 0)
        return KX_ERR_INVALID_ARG;
    double px = (img->dpi > 0 ? img->dpi : 300.0) / 25.4;
    int ch = img->channels;
    /* the line (its left end at lx0, ly; j pixels down per len), else its
     * place on a letter laid at the glass's corner */
    int lx0 = (int)(LS_LINE_X0_MM * px), lx1 = (int)(LS_LINE_X1_MM * px),
        ly = (int)(LS_LINE_Y_MM * px), j = 0, len = 1;
    out->field_found = ls_find_line(img, px, &lx0, &lx1, &ly, &j, &len);
    /* the area above the line, inside its ends (the printed words on
     * either side left out), the line's own rows left out */
    int inset = (int)(1.5 * px), skip = (int)(0.8 * px) + 1;
    int ly1 = ly + (int)((long)j * (lx1 - lx0) / len);
    int x0 = lx0 + inset, x1 = lx1 - inset;
    int y0 = (ly < ly1 ? ly : ly1) - (int)(LS_ABOVE_MM * px),
        y1 = (ly > ly1 ? ly : ly1) + (int)(LS_BELOW_MM * px);
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > img->width ? img->width : x1;
    y1 = y1 > img->height ? img->height : y1;
    long ink = 0, red = 0;
    int run = (int)(LS_RUN_MM * px);
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = kx_image_row(img, y);
        for (int x = x0; x < x1; x++) {
            const uint8_t *p = row + (size_t)x * ch;
            int yl = ly + (int)((long)j * (x - lx0) / len);
            if (ls_red(p, ch))
                red++;
            else if ((y < yl - skip || y > yl + skip) && ls_dark(p, ch) &&
                     !ls_on_line(img, row, x, run))
                ink++;
        }
    }
    out->field[0] = x0;
    out->field[1] = y0;
    out->field[2] = x1 > x0 ? x1 - x0 : 0;
    out->field[3] = y1 > y0 ? y1 - y0 : 0;
    out->ink_mm2 = (double)ink / (px * px);
    out->red_mm2 = (double)red / (px * px);
    out->present = out->ink_mm2 >= LS_SIGN_MM2 || out->red_mm2 >= LS_SEAL_MM2;
    return KX_OK;
}
