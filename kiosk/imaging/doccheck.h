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
 * installed (libtesseract5 and tesseract-ocr-chi-sim, loaded with dlopen;
 * without them, or with KX_DOCCHECK_OCR=off in the environment, those pages
 * are KX_PAGE_UNKNOWN and out->ocr is 0). Any other printed page is
 * KX_PAGE_UNKNOWN. A title costs ~1 s of OCR; every other check is cheaper
 * and comes first.
 *
 * Also here: whether the legal representative signed or sealed the
 * authorisation letter (kx_letter_signature), for the letter's scan check.
 *
 * Plain structs, no engine types. Calls on a decoded image, which they
 * only read; no I/O but loading Tesseract and its language data, no global
 * state, thread-safe (the engine has them run in kiosk-parse on a copy of
 * the scan; one kx_doc_ocr serves one thread at a time).
 */
#ifndef KX_IMAGING_DOCCHECK_H
#define KX_IMAGING_DOCCHECK_H

#include "core/err.h"
#include "imaging/image.h"

typedef enum kx_doc_kind {
    KX_PAGE_UNKNOWN = 0,  /* printed, but none of the documents below */
    KX_PAGE_BLANK = 1,    /* nothing but paper or the scanner's lid */
    KX_PAGE_FACE_UP = 2,  /* the back of a page: faint show-through only */
    KX_PAGE_LICENCE = 3,  /* business licence (QR code read) */
    KX_PAGE_ID_FRONT = 4, /* ID card, the side with the photo */
    KX_PAGE_ID_BACK = 5,  /* ID card, the side with the emblem */
    KX_PAGE_SEAL_SHEET = 6,
    KX_PAGE_AUTH_LETTER = 7,       /* 法人授权委托书, by its title (OCR) */
    KX_PAGE_REISSUE_STATEMENT = 8, /* 补办说明, by its title (OCR) */
    KX_PAGE_KIND_COUNT = 9
} kx_doc_kind;

typedef struct kx_doc_check {
    kx_doc_kind kind;
    double ink_share;   /* share of the page (away from its edges) with print */
    double faint_share; /* share with faint marks only */
    int bbox[4];        /* x, y, w, h of what was recognised (card, table, QR);
                         * the whole image for blank, face-up and unknown */
    int ocr;            /* 1: titles could be read (Tesseract loaded); 0: the
                         * letter and the statement cannot be told. For
                         * kx_doccheck(), set only when a title was needed */
} kx_doc_check;

/* Tesseract with its Simplified Chinese data, loaded once. */
typedef struct kx_doc_ocr kx_doc_ocr;

/*
 * kx_doc_ocr_open - load Tesseract and chi_sim now (a process that confines
 * itself afterwards, like kiosk-parse, must: no file opens later).
 * KX_OK and *out (free with kx_doc_ocr_free); KX_ERR_UNSUPPORTED when the
 * library or its data is not installed or KX_DOCCHECK_OCR=off is set
 * (detail says which); KX_ERR_NO_MEMORY.
 */
kx_err kx_doc_ocr_open(kx_doc_ocr **out);
void kx_doc_ocr_free(kx_doc_ocr *ocr);

/*
 * kx_doccheck - say which document img shows.
 *   img: grey, RGB or RGBA; its dpi (300 when 0) sets the physical scales.
 *   out: filled in full.
 * Returns KX_OK whatever the page is (see out->kind), KX_ERR_INVALID_ARG,
 * KX_ERR_NO_MEMORY.
 */
kx_err kx_doccheck(const kx_image *img, kx_doc_check *out);

/* kx_doccheck_ocr - kx_doccheck() with titles read by ocr, loaded before
 * (NULL: titles are not read, out->ocr is 0). */
kx_err kx_doccheck_ocr(const kx_image *img, kx_doc_ocr *ocr, kx_doc_check *out);

/* kx_doccheck_hint - kx_doccheck_ocr() knowing which page is expected: an
 * expected letter or statement has its title read first and, when the
 * title names either, nothing else is looked for (about a second less per
 * page at those steps; a page with such a title is that document, even if
 * it also carried a QR code or a table). */
kx_err kx_doccheck_hint(const kx_image *img, kx_doc_ocr *ocr, kx_doc_kind expected,
                        kx_doc_check *out);

/* The legal representative's field of the authorisation letter (附件2):
 * "法定代表人：＿＿＿（签字或盖章）", a handwritten signature (black or blue)
 * or a red seal above the line. */
typedef struct kx_letter_sign {
    int field_found; /* 1: the field's line was found on the page; 0: its
                      * place on a letter laid at the glass's corner used */
    int field[4];    /* x, y, w, h of the area looked at, pixels */
    double ink_mm2;  /* black or blue strokes in it, the printed line left out */
    double red_mm2;  /* red ink in it (a seal) */
    int present;     /* 1: signed or sealed */
} kx_letter_sign;

/*
 * kx_letter_signature - is the letter's legal-representative field signed
 * or sealed? img: the whole page (RGB or RGBA; a grey scan shows no seal
 * but does show a signature); its dpi (300 when 0). KX_OK with out filled
 * whatever the answer; KX_ERR_INVALID_ARG.
 */
kx_err kx_letter_signature(const kx_image *img, kx_letter_sign *out);

/* Stable names for JSON and logs ("licence", "id_front", "blank", ...);
 * static strings. */
const char *kx_doc_kind_name(kx_doc_kind kind);

/* What the user placed, as an English msgid for kx_tr() ("an ID card, the
 * side with the photo"); static string. */
const char *kx_doc_kind_label(kx_doc_kind kind);

#endif
