/* SPDX-License-Identifier: MIT */
/*
 * doccheck.c - which document a page is (doccheck.h): an ID card found by
 * the cropper, the page's marks counted on a reduced grey copy (blank, face
 * up), the seal sheet's table, the licence's QR code; cheapest first.
 */
#include "imaging/doccheck.h"

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
    return rc == KX_OK || rc == KX_ERR_NO_QR || rc == KX_ERR_TOO_LARGE ? KX_OK : rc;
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
