/* SPDX-License-Identifier: MIT */
/*
 * sealsheet.h - the electronic-seal collection sheet (attachment 3 of the
 * CA's process, 企业电子签章采集表) analysed into seal and signature images.
 *
 * The sheet is a ruled table of three rows (company seal, legal
 * representative's seal, legal representative's handwritten signature), each
 * with a label cell on the left and two capture cells. The analyser finds the
 * table by its ruling lines (any margins, cell sizes, line weight, printer
 * scaling, a heading row, skew up to 6 degrees, the page upside down: the
 * label column tells which way up it lies), decides per capture cell whether the
 * impression is ok, missing, crosses a ruling line or is too faint, chooses
 * the best ok impression per area and cuts it out as RGBA: ink colour kept,
 * background fully transparent, deskewed, tightly cropped with a small
 * margin, with its physical size from the scan's resolution.
 *
 * Seals are found as red ink (r well above g and b), signatures as dark
 * non-red ink (black or blue). Works on 8-bit grey, RGB or RGBA pixels; a
 * grey scan has no red, so its seals read as missing.
 *
 * Never keeps a reference to the caller's pixels after returning; never
 * writes files (the caller saves the images).
 */
#ifndef KX_IMAGING_SEALSHEET_H
#define KX_IMAGING_SEALSHEET_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "imaging/image.h"

/* The three rows of the sheet, top to bottom. */
typedef enum kx_seal_area {
    KX_SEAL_COMPANY = 0,   /* 企业公章: round red company seal */
    KX_SEAL_LEGAL = 1,     /* 法人私章: the legal representative's red seal */
    KX_SEAL_SIGNATURE = 2, /* 法人手写签名: handwritten signature, black or blue */
    KX_SEAL_AREA_COUNT = 3
} kx_seal_area;

/* Verdict on one capture cell. */
typedef enum kx_seal_status {
    KX_SEAL_OK = 0,
    KX_SEAL_MISSING = 1,      /* no impression in the cell */
    KX_SEAL_CROSSES_LINE = 2, /* the impression touches or crosses a ruling line */
    KX_SEAL_FAINT = 3,        /* present but too light to use */
} kx_seal_status;

/* Which ruling lines an impression touches (kx_seal_cell.lines). */
enum {
    KX_SEAL_LINE_LEFT = 1,
    KX_SEAL_LINE_RIGHT = 2,
    KX_SEAL_LINE_TOP = 4,
    KX_SEAL_LINE_BOTTOM = 8,
};

typedef struct kx_seal_cell {
    kx_seal_status status;
    int bbox[4];     /* x, y, w, h of the impression in input pixels; 0s when missing */
    unsigned lines;  /* KX_SEAL_LINE_* touched (crosses_line only) */
    double strength; /* 0..1 ink strength (high percentile); 0 when missing */
} kx_seal_cell;

typedef struct kx_sealsheet_area {
    kx_seal_cell cells[2]; /* left to right */
    int best;              /* index of the chosen ok cell, -1 when none */
    /* The chosen impression as a 4-channel image (straight alpha, dpi set):
     * owned by the result, NULL when best < 0. Save it with
     * kx_image_save_png() from imaging/image.h. */
    kx_image *image;
    double size_mm[2]; /* its physical width and height */
    uint8_t ink[3];    /* estimated ink colour (sRGB) */
} kx_sealsheet_area;

typedef struct kx_sealsheet_result {
    kx_sealsheet_area areas[KX_SEAL_AREA_COUNT];
    double dpi;      /* resolution used for size_mm */
    double skew_deg; /* rotation of the table found on the scan */
    int table[4];    /* x, y, w, h of the table's outer lines (axis-aligned bounds) */
    int upside_down; /* 1: the sheet lay upside down; boxes are still in the
                      * scan's pixels, the images upright */
} kx_sealsheet_result;

/*
 * kx_sealsheet_analyze_pixels - analyse a scan given as raw pixels.
 *   pixels: top row first, `stride` bytes per row, `channels` bytes per
 *           pixel (1 grey, 3 RGB, 4 RGBA; alpha ignored), 8 bits each.
 *   dpi:    the scan's resolution (pixels per inch), 50..2400; physical
 *           sizes and every tolerance in millimetres derive from it.
 *   out:    receives a result to release with kx_sealsheet_result_free().
 * Returns KX_OK (also when cells are missing or rejected: see the result),
 * KX_ERR_INVALID_ARG, KX_ERR_NO_TABLE when no three-row table with two
 * capture columns is found, KX_ERR_TOO_LARGE, KX_ERR_NO_MEMORY.
 * Thread-safe: no shared state.
 */
kx_err kx_sealsheet_analyze_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                                   int channels, double dpi, kx_sealsheet_result **out);

/*
 * kx_sealsheet_analyze - the same on a decoded image. dpi <= 0 takes the
 * image's own resolution, or 300 when the file carried none.
 */
kx_err kx_sealsheet_analyze(const kx_image *img, double dpi, kx_sealsheet_result **out);

/* kx_sealsheet_result_free - release a result and its images; NULL is fine. */
void kx_sealsheet_result_free(kx_sealsheet_result *res);

/* Stable names for JSON and logs: "company_seal", "legal_seal", "signature";
 * "ok", "missing", "crosses_line", "faint". Static strings. */
const char *kx_seal_area_name(kx_seal_area area);
const char *kx_seal_status_name(kx_seal_status status);

/*
 * kx_sealsheet_advice - what the user should do about an area, as an English
 * msgid to translate with kx_tr() ("Stamp the company seal again inside a
 * box, clear of the lines."). NULL when the area has an ok impression.
 * Static string.
 */
const char *kx_sealsheet_advice(const kx_sealsheet_area *area, kx_seal_area which);

#endif
