/* SPDX-License-Identifier: MIT */
/*
 * docs_internal.h - the drawing kit the renderers of kiosk/docs share: a
 * page whose user unit is the millimetre, text through pango, lines, QR
 * codes, and the PDF/PNG output. Private to kiosk/docs.
 */
#ifndef KX_DOCS_INTERNAL_H
#define KX_DOCS_INTERNAL_H

#include <cairo.h>

#include "docs/docs.h"

/* WenQuanYi Micro Hei first: TrueType outlines, which cairo 1.16 subsets
 * faithfully. Its CFF subsetter drops glyphs of Noto Sans CJK's CID-keyed
 * CFF in some subsets ("请如实、清晰的填写K" loses 如 in poppler and
 * ghostscript) and embeds most of the font when 'K' meets CJK text (900 KB
 * receipts). Noto stays as the fallback for what WenQuanYi lacks. */
#define DOCS_FONT "WenQuanYi Micro Hei, Noto Sans CJK SC"
#define DOCS_A4_W 210.0
#define DOCS_A4_H 297.0
#define DOCS_ROLL_W 80.0

/* docs_text flags */
enum {
    DOCS_BOLD = 1u << 0,
    DOCS_CENTER = 1u << 1,
    DOCS_RIGHT = 1u << 2,
    DOCS_MARKUP = 1u << 3, /* text is pango markup (values escaped by the caller) */
    DOCS_GREY = 1u << 4,
    DOCS_NOWRAP = 1u << 5,
    DOCS_SPACIOUS = 1u << 6, /* 1.6 line spacing (letters) */
};

typedef struct docs_page {
    cairo_t *cr;      /* user unit: mm, origin at the page's top-left */
    double width_mm;  /* page width */
    double height_mm; /* page height; 0 while a roll page is measured */
    int single;       /* one page only (PNG): draw no page after the first */
} docs_page;

/* docs_next_page - end the page and start the next (PDF); 0 when the output
 * has one page only and the caller must stop drawing. */
int docs_next_page(docs_page *pg);

/* Draws one page; *used_mm gets the lowest point drawn (for roll pages). */
typedef kx_err (*docs_draw_fn)(docs_page *pg, const void *ctx, double *used_mm);

/* docs_render_pdf - one page of w x h mm (h 0: as long as the content plus
 * a bottom margin of bottom_mm, at least min_h_mm) through draw. */
kx_err docs_render_pdf(double w_mm, double h_mm, double bottom_mm, double min_h_mm,
                       const char *title, docs_draw_fn draw, const void *ctx,
                       kx_doc_output *out);

/* docs_png_pixels - the pixel size of a page of w x h mm at dpi. */
void docs_png_pixels(double w_mm, double h_mm, int dpi, int *w, int *h);

/* docs_render_png - one page of w x h mm at dpi, white background. */
kx_err docs_render_png(double w_mm, double h_mm, int dpi, docs_draw_fn draw, const void *ctx,
                       kx_doc_output *out);

/* docs_text - text in a box of width w (mm) at (x, y) top-left, size in
 * points; wraps at characters/words unless DOCS_NOWRAP. Returns the height
 * drawn in mm. */
double docs_text(docs_page *pg, double x, double y, double w, const char *text, double pt,
                 unsigned flags);

/* docs_text_height - the height docs_text() would draw, without drawing. */
double docs_text_height(docs_page *pg, double w, const char *text, double pt, unsigned flags);

/* docs_text_width - natural width in mm of text set on one line. */
double docs_text_width(docs_page *pg, const char *text, double pt, unsigned flags);

void docs_line(docs_page *pg, double x0, double y0, double x1, double y1, double width_mm);
void docs_rect(docs_page *pg, double x, double y, double w, double h, double width_mm);
void docs_fill(docs_page *pg, double x, double y, double w, double h, double grey);

/* docs_qr - a QR code of text (error correction M) in a size x size mm
 * square with its quiet zone inside. KX_ERR_TOO_LARGE when it does not
 * fit a symbol. */
kx_err docs_qr(docs_page *pg, double x, double y, double size, const char *text);

/* docs_format_date - "2026年12月7日" (zh) or "2026-12-07" (en) of t in
 * local time; with_time adds " 14:05". */
void docs_format_date(kx_doc_lang lang, int64_t t, int with_time, char *out, size_t outsz);

/* docs_format_fen - "¥300.00" / "CNY 300.00". */
void docs_format_fen(kx_doc_lang lang, int64_t fen, char *out, size_t outsz);

/* docs_category - the form's 申请类别 of a service (新办, 更新, ...). */
const char *docs_category(kx_service svc);

#endif
