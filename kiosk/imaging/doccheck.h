/* SPDX-License-Identifier: MIT */
/*
 * doccheck.h - which document a scanned page is, so that at each document
 * step the kiosk can say "this is the ID card, not the business licence"
 * instead of failing the step's own analysis.
 *
 * Recognised: an ID card on the glass (the cropper finds a card of
 * 85.6 x 54 mm; the side with the red emblem is the back), the seal
 * collection sheet (its ruled 3 x 3 table, any print), the business licence
 * (its QR code is read), a blank page (paper or lid only), a page placed
 * face up (the scanner sees its back: only faint show-through), the
 * authorisation letter (法人授权委托书) and the reissue statement (补办说明)
 * by the title at the top of the page, read by Tesseract when it is
 * installed (libtesseract5 and tesseract-ocr-chi-sim, loaded with dlopen at
 * the first title read; without them those pages are KX_DOC_UNKNOWN). Any
 * other printed page is KX_DOC_UNKNOWN. A title costs ~1 s of OCR; every
 * other check is cheaper and comes first.
 *
 * Plain structs, no engine types. One call on a decoded image, which it
 * only reads; no I/O but loading Tesseract and its language data, no global
 * state, thread-safe (the engine calls it in a job on a copy of the scan).
 */
#ifndef KX_IMAGING_DOCCHECK_H
#define KX_IMAGING_DOCCHECK_H

#include "core/err.h"
#include "imaging/image.h"

typedef enum kx_doc_kind {
    KX_DOC_UNKNOWN = 0,  /* printed, but none of the documents below */
    KX_DOC_BLANK = 1,    /* nothing but paper or the scanner's lid */
    KX_DOC_FACE_UP = 2,  /* the back of a page: faint show-through only */
    KX_DOC_LICENCE = 3,  /* business licence (QR code read) */
    KX_DOC_ID_FRONT = 4, /* ID card, the side with the photo */
    KX_DOC_ID_BACK = 5,  /* ID card, the side with the emblem */
    KX_DOC_SEAL_SHEET = 6,
    KX_DOC_AUTH_LETTER = 7,       /* 法人授权委托书: not recognised yet */
    KX_DOC_REISSUE_STATEMENT = 8, /* 补办说明: not recognised yet */
    KX_DOC_KIND_COUNT = 9
} kx_doc_kind;

typedef struct kx_doc_check {
    kx_doc_kind kind;
    double ink_share;   /* share of the page (away from its edges) with print */
    double faint_share; /* share with faint marks only */
    int bbox[4];        /* x, y, w, h of what was recognised (card, table, QR);
                         * the whole image for blank, face-up and unknown */
} kx_doc_check;

/*
 * kx_doccheck - say which document img shows.
 *   img: grey, RGB or RGBA; its dpi (300 when 0) sets the physical scales.
 *   out: filled in full.
 * Returns KX_OK whatever the page is (see out->kind), KX_ERR_INVALID_ARG,
 * KX_ERR_NO_MEMORY.
 */
kx_err kx_doccheck(const kx_image *img, kx_doc_check *out);

/* Stable names for JSON and logs ("licence", "id_front", "blank", ...);
 * static strings. */
const char *kx_doc_kind_name(kx_doc_kind kind);

/* What the user placed, as an English msgid for kx_tr() ("an ID card, the
 * side with the photo"); static string. */
const char *kx_doc_kind_label(kx_doc_kind kind);

#endif
