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

typedef struct dc_tess {
    void *lib;
    void *(*create)(void);
    int (*init3)(void *, const char *, const char *);
    void (*set_psm)(void *, int);
    void (*set_image)(void *, const unsigned char *, int, int, int, int);
    void (*set_res)(void *, int);
    char *(*text)(void *);
    void (*del_text)(const char *);
    void (*end)(void *);
    void (*del)(void *);
} dc_tess;

static int dc_tess_load(dc_tess *t)
{
    memset(t, 0, sizeof(*t));
    t->lib = dlopen(DC_TESS_LIB, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!t->lib)
        return 0;
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
    return t->create && t->init3 && t->set_psm && t->set_image && t->set_res && t->text &&
           t->del_text && t->end && t->del;
}

/* Does text hold every one of the n UTF-8 pieces? */
static int dc_has_all(const char *text, const char *const *pieces, int n)
{
    for (int i = 0; i < n; i++)
        if (!strstr(text, pieces[i]))
            return 0;
    return 1;
}

/* The kind a title line names (spaces removed), or KX_DOC_UNKNOWN. */
static kx_doc_kind dc_line_kind(const char *line)
{
    static const char *const letter[][2] = {{"授权", "委托"}, {"委托书", "委托书"}};
    static const char *const reissue[][2] = {{"补办", "说明"}, {"补办", "声明"}};
    for (size_t i = 0; i < sizeof(letter) / sizeof(letter[0]); i++)
        if (dc_has_all(line, letter[i], 2))
            return KX_DOC_AUTH_LETTER;
    for (size_t i = 0; i < sizeof(reissue) / sizeof(reissue[0]); i++)
        if (dc_has_all(line, reissue[i], 2))
            return KX_DOC_REISSUE_STATEMENT;
    return KX_DOC_UNKNOWN;
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
    kx_doc_kind kind = KX_DOC_UNKNOWN;
    for (const char *p = raw;; p++) {
        if (*p == '\n' || !*p) {
            line[n] = 0;
            if (n && !too_long && kind == KX_DOC_UNKNOWN)
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
static kx_err dc_title(const kx_image *img, double dpi, kx_doc_check *out)
{
    dc_tess t;
    if (!dc_tess_load(&t))
        return KX_OK; /* no Tesseract: the titles stay unread */
    int factor = (int)(dpi / DC_TITLE_DPI + 0.5);
    kx_gray g = {0};
    kx_err rc = kx_gray_from_image(img, factor < 1 ? 1 : factor, &g);
    if (rc)
        return rc;
    int h = (int)(g.h * DC_TITLE_SHARE);
    void *api = t.create();
    if (api && t.init3(api, NULL, "chi_sim") == 0) {
        t.set_psm(api, 3); /* automatic page segmentation */
        t.set_image(api, g.px, g.w, h > 0 ? h : 1, 1, g.w);
        t.set_res(api, (int)(dpi / (factor < 1 ? 1 : factor)));
        char *text = t.text(api);
        if (text) {
            out->kind = dc_title_kind(text);
            t.del_text(text);
        }
        t.end(api);
    }
    if (api)
        t.del(api);
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
    out->kind = dc_red_share(card) >= DC_EMBLEM_RED ? KX_DOC_ID_BACK : KX_DOC_ID_FRONT;
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

kx_err kx_doccheck(const kx_image *img, kx_doc_check *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (!img || img->width <= 0 || img->height <= 0)
        return KX_ERR_INVALID_ARG;
    double dpi = img->dpi > 0 ? img->dpi : 300.0;
    out->kind = KX_DOC_UNKNOWN;
    out->bbox[2] = img->width;
    out->bbox[3] = img->height;
    int found = 0;
    kx_err rc = dc_card(img, out, &found);
    if (rc || found)
        return rc;
    rc = dc_marks(img, dpi, out);
    if (rc)
        return rc;
    if (out->ink_share < DC_BLANK_INK) {
        out->kind = out->faint_share > DC_FACE_UP_FAINT ? KX_DOC_FACE_UP : KX_DOC_BLANK;
        return KX_OK;
    }
    kx_sealsheet_result *sheet = NULL;
    rc = kx_sealsheet_analyze(img, dpi, &sheet);
    if (rc == KX_OK) {
        out->kind = KX_DOC_SEAL_SHEET;
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
        out->kind = KX_DOC_LICENCE;
        memcpy(out->bbox, qr->bbox, sizeof(out->bbox));
    }
    free(qr);
    if (rc != KX_OK && rc != KX_ERR_NO_QR && rc != KX_ERR_TOO_LARGE)
        return rc;
    if (out->kind != KX_DOC_UNKNOWN)
        return KX_OK;
    return dc_title(img, dpi, out);
}

const char *kx_doc_kind_name(kx_doc_kind kind)
{
    static const char *const names[KX_DOC_KIND_COUNT] = {
        "unknown", "blank",      "face_up",     "licence",          "id_front",
        "id_back", "seal_sheet", "auth_letter", "reissue_statement"};
    return kind >= 0 && kind < KX_DOC_KIND_COUNT ? names[kind] : "unknown";
}

const char *kx_doc_kind_label(kx_doc_kind kind)
{
    static const char *const labels[KX_DOC_KIND_COUNT] = {
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
    return kind >= 0 && kind < KX_DOC_KIND_COUNT ? labels[kind] : labels[0];
}
