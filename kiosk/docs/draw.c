/* SPDX-License-Identifier: MIT */
/*
 * draw.c - the drawing kit of kiosk/docs: pages in millimetres on cairo
 * PDF, recording and image surfaces, text through pango with the CJK font
 * from fontconfig (hint metrics off, so a layout measured for the page is
 * the layout printed), QR codes through libqrencode, and the output to a
 * buffer or atomically to a file.
 *
 * Never writes half a file: the document goes to a temporary file beside
 * the target, which is renamed over it only once complete.
 */
#include <errno.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>

#include "core/str.h"
#include "docs/docs_internal.h"

#define DOCS_PT_PER_MM (72.0 / 25.4)

/* ---- output buffer ----------------------------------------------------- */

typedef struct docs_buffer {
    unsigned char *data;
    size_t len, cap;
    int failed;
} docs_buffer;

static cairo_status_t docs_buffer_write(void *closure, const unsigned char *data,
                                        unsigned int length)
{
    docs_buffer *b = closure;
    if (b->failed)
        return CAIRO_STATUS_WRITE_ERROR;
    if (b->len + length > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + length)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, length);
    b->len += length;
    return CAIRO_STATUS_SUCCESS;
}

/* Hand the finished bytes to the caller: a file, or the buffer itself. */
static kx_err docs_buffer_deliver(docs_buffer *b, kx_doc_output *out)
{
    kx_err rc = KX_OK;
    out->len = b->len;
    if (!out->path) {
        out->data = b->data;
        b->data = NULL;
        return KX_OK;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out->path) >= (int)sizeof(tmp)) {
        kx_err_set_detail("document path too long");
        return KX_ERR_INVALID_ARG;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        kx_err_set_detail("cannot create %s: %s", tmp, strerror(errno));
        return KX_ERR_IO;
    }
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = write(fd, b->data + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            kx_err_set_detail("cannot write %s: %s", tmp, strerror(errno));
            rc = KX_ERR_IO;
            break;
        }
        off += (size_t)n;
    }
    if (rc == KX_OK && (fchmod(fd, 0644) != 0 || fsync(fd) != 0)) {
        kx_err_set_detail("cannot finish %s: %s", tmp, strerror(errno));
        rc = KX_ERR_IO;
    }
    if (close(fd) != 0 && rc == KX_OK)
        rc = KX_ERR_IO;
    if (rc == KX_OK && rename(tmp, out->path) != 0) {
        kx_err_set_detail("cannot rename to %s: %s", out->path, strerror(errno));
        rc = KX_ERR_IO;
    }
    if (rc)
        unlink(tmp);
    return rc;
}

/* ---- pages ------------------------------------------------------------- */

static void docs_page_begin(docs_page *pg, cairo_t *cr, double w_mm, double h_mm, double scale)
{
    memset(pg, 0, sizeof(*pg));
    pg->cr = cr;
    pg->width_mm = w_mm;
    pg->height_mm = h_mm;
    cairo_scale(cr, scale, scale);
    cairo_set_source_rgb(cr, 0, 0, 0);
}

static kx_err docs_cairo_rc(cairo_status_t st)
{
    if (st == CAIRO_STATUS_SUCCESS)
        return KX_OK;
    kx_err_set_detail("cairo: %s", cairo_status_to_string(st));
    return st == CAIRO_STATUS_NO_MEMORY ? KX_ERR_NO_MEMORY : KX_ERR_INTERNAL;
}

kx_err docs_render_pdf(double w_mm, double h_mm, double bottom_mm, double min_h_mm,
                       const char *title, docs_draw_fn draw, const void *ctx,
                       kx_doc_output *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    out->data = NULL;
    out->len = 0;
    kx_err rc = KX_OK;
    docs_buffer buf = {0};
    cairo_surface_t *rec = NULL, *pdf = NULL;
    cairo_t *cr = NULL;
    double used = 0;
    docs_page pg;

    if (h_mm <= 0) {
        /* A roll page: draw once on a recording surface to learn its length
         * (then drop it: replaying it onto the PDF leaks in cairo 1.16), and
         * again on a page of that length. */
        rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
        cr = cairo_create(rec);
        docs_page_begin(&pg, cr, w_mm, 0, DOCS_PT_PER_MM);
        rc = draw(&pg, ctx, &used);
        if (rc == KX_OK)
            rc = docs_cairo_rc(cairo_status(cr));
        cairo_destroy(cr);
        cr = NULL;
        if (rc)
            goto out;
        h_mm = used + bottom_mm;
        if (h_mm < min_h_mm)
            h_mm = min_h_mm;
    }
    pdf = cairo_pdf_surface_create_for_stream(docs_buffer_write, &buf, w_mm * DOCS_PT_PER_MM,
                                              h_mm * DOCS_PT_PER_MM);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "jxca-kiosk");
    cr = cairo_create(pdf);
    docs_page_begin(&pg, cr, w_mm, h_mm, DOCS_PT_PER_MM);
    rc = draw(&pg, ctx, &used);
    if (rc == KX_OK)
        rc = docs_cairo_rc(cairo_status(cr));
    cairo_destroy(cr);
    cr = NULL;
    cairo_surface_finish(pdf);
    if (rc == KX_OK)
        rc = docs_cairo_rc(cairo_surface_status(pdf));
    if (rc == KX_OK && buf.failed)
        rc = KX_ERR_NO_MEMORY;
    if (rc == KX_OK)
        rc = docs_buffer_deliver(&buf, out);
out:
    if (pdf)
        cairo_surface_destroy(pdf);
    if (rec)
        cairo_surface_destroy(rec);
    free(buf.data);
    return rc;
}

void docs_png_pixels(double w_mm, double h_mm, int dpi, int *w, int *h)
{
    *w = (int)(w_mm * dpi / 25.4 + 0.5);
    *h = (int)(h_mm * dpi / 25.4 + 0.5);
}

kx_err docs_render_png(double w_mm, double h_mm, int dpi, docs_draw_fn draw, const void *ctx,
                       kx_doc_output *out)
{
    if (!out || dpi < 72 || dpi > 300)
        return KX_ERR_INVALID_ARG;
    out->data = NULL;
    out->len = 0;
    docs_buffer buf = {0};
    int w, h;
    docs_png_pixels(w_mm, h_mm, dpi, &w, &h);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    docs_page pg;
    double used = 0;
    docs_page_begin(&pg, cr, w_mm, h_mm, dpi / 25.4);
    pg.single = 1;
    kx_err rc = draw(&pg, ctx, &used);
    if (rc == KX_OK)
        rc = docs_cairo_rc(cairo_status(cr));
    cairo_destroy(cr);
    if (rc == KX_OK)
        rc = docs_cairo_rc(cairo_surface_write_to_png_stream(img, docs_buffer_write, &buf));
    if (rc == KX_OK && buf.failed)
        rc = KX_ERR_NO_MEMORY;
    if (rc == KX_OK)
        rc = docs_buffer_deliver(&buf, out);
    cairo_surface_destroy(img);
    free(buf.data);
    return rc;
}

int docs_next_page(docs_page *pg)
{
    if (pg->single || pg->height_mm <= 0)
        return 0;
    cairo_show_page(pg->cr);
    return 1;
}

/* ---- text -------------------------------------------------------------- */

static PangoLayout *docs_layout(docs_page *pg, const char *text, double pt, unsigned flags,
                                double w)
{
    PangoLayout *layout = pango_cairo_create_layout(pg->cr);
    PangoContext *pctx = pango_layout_get_context(layout);
    /* 25.4 units per inch: font sizes in points come out in millimetres */
    pango_cairo_context_set_resolution(pctx, 25.4);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pctx, fo);
    /* positions rounded to whole user units would be whole millimetres */
    pango_context_set_round_glyph_positions(pctx, FALSE);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(layout);
    PangoFontDescription *fd = pango_font_description_from_string(DOCS_FONT);
    pango_font_description_set_size(fd, (gint)(pt * PANGO_SCALE));
    pango_font_description_set_weight(fd, flags & DOCS_BOLD ? PANGO_WEIGHT_BOLD
                                                            : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    if (w > 0 && !(flags & DOCS_NOWRAP)) {
        pango_layout_set_width(layout, (int)(w * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    }
    if (flags & DOCS_CENTER)
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    else if (flags & DOCS_RIGHT)
        pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT);
    if (flags & DOCS_SPACIOUS)
        pango_layout_set_line_spacing(layout, 1.6f);
    if (flags & DOCS_MARKUP)
        pango_layout_set_markup(layout, text, -1);
    else
        pango_layout_set_text(layout, text, -1);
    return layout;
}

double docs_text(docs_page *pg, double x, double y, double w, const char *text, double pt,
                 unsigned flags)
{
    if (!text || !text[0])
        return 0;
    PangoLayout *layout = docs_layout(pg, text, pt, flags, w);
    int lw, lh;
    pango_layout_get_size(layout, &lw, &lh);
    double dx = 0;
    if ((flags & DOCS_NOWRAP) && (flags & (DOCS_CENTER | DOCS_RIGHT))) {
        double tw = (double)lw / PANGO_SCALE;
        dx = flags & DOCS_CENTER ? (w - tw) / 2 : w - tw;
    }
    cairo_save(pg->cr);
    if (flags & DOCS_GREY)
        cairo_set_source_rgb(pg->cr, 0.35, 0.35, 0.35);
    cairo_move_to(pg->cr, x + dx, y);
    pango_cairo_show_layout(pg->cr, layout);
    cairo_restore(pg->cr);
    g_object_unref(layout);
    return (double)lh / PANGO_SCALE;
}

double docs_text_height(docs_page *pg, double w, const char *text, double pt, unsigned flags)
{
    if (!text || !text[0])
        return 0;
    PangoLayout *layout = docs_layout(pg, text, pt, flags, w);
    int lw, lh;
    pango_layout_get_size(layout, &lw, &lh);
    g_object_unref(layout);
    return (double)lh / PANGO_SCALE;
}

double docs_text_width(docs_page *pg, const char *text, double pt, unsigned flags)
{
    PangoLayout *layout = docs_layout(pg, text, pt, flags | DOCS_NOWRAP, 0);
    int lw, lh;
    pango_layout_get_size(layout, &lw, &lh);
    g_object_unref(layout);
    return (double)lw / PANGO_SCALE;
}

/* ---- lines and codes --------------------------------------------------- */

void docs_line(docs_page *pg, double x0, double y0, double x1, double y1, double width_mm)
{
    cairo_set_line_width(pg->cr, width_mm);
    cairo_move_to(pg->cr, x0, y0);
    cairo_line_to(pg->cr, x1, y1);
    cairo_stroke(pg->cr);
}

void docs_rect(docs_page *pg, double x, double y, double w, double h, double width_mm)
{
    cairo_set_line_width(pg->cr, width_mm);
    cairo_rectangle(pg->cr, x, y, w, h);
    cairo_stroke(pg->cr);
}

void docs_fill(docs_page *pg, double x, double y, double w, double h, double grey)
{
    cairo_save(pg->cr);
    cairo_set_source_rgb(pg->cr, grey, grey, grey);
    cairo_rectangle(pg->cr, x, y, w, h);
    cairo_fill(pg->cr);
    cairo_restore(pg->cr);
}

kx_err docs_qr(docs_page *pg, double x, double y, double size, const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) {
        kx_err_set_detail("QR code: %s", strerror(errno));
        return errno == ERANGE ? KX_ERR_TOO_LARGE : KX_ERR_INTERNAL;
    }
    int n = qr->width;
    double m = size / (n + 8); /* 4 modules of quiet zone on each side */
    cairo_save(pg->cr);
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++)
            if (qr->data[r * n + c] & 1)
                cairo_rectangle(pg->cr, x + (c + 4) * m, y + (r + 4) * m, m, m);
    cairo_fill(pg->cr);
    cairo_restore(pg->cr);
    QRcode_free(qr);
    return KX_OK;
}

/* ---- formatting -------------------------------------------------------- */

void docs_format_date(kx_doc_lang lang, int64_t t, int with_time, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm)) {
        kx_strlcpy(out, "", outsz);
        return;
    }
    if (lang == KX_DOC_LANG_ZH)
        snprintf(out, outsz, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    else
        snprintf(out, outsz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if (with_time) {
        char hm[16];
        snprintf(hm, sizeof(hm), " %02d:%02d", tm.tm_hour, tm.tm_min);
        kx_strlcat(out, hm, outsz);
    }
}

void docs_format_fen(kx_doc_lang lang, int64_t fen, char *out, size_t outsz)
{
    const char *sign = fen < 0 ? "-" : "";
    int64_t a = fen < 0 ? -fen : fen;
    snprintf(out, outsz, "%s%s%lld.%02lld", sign, lang == KX_DOC_LANG_ZH ? "¥" : "CNY ",
             (long long)(a / 100), (long long)(a % 100));
}

const char *docs_category(kx_service svc)
{
    switch (svc) {
    case KX_SVC_NEW:
        return "新办";
    case KX_SVC_RENEW:
    case KX_SVC_RENEW_NOPIN:
        return "更新";
    case KX_SVC_REISSUE:
        return "补办";
    case KX_SVC_SWAP:
        return "换卡";
    case KX_SVC_UNLOCK:
        return "解锁";
    case KX_SVC_REVOKE:
        return "吊销";
    case KX_SVC_CHANGE:
        return "变更";
    case KX_SVC_COUNT:
        break;
    }
    return NULL;
}

/* __lsan_default_suppressions - LeakSanitizer's hook (sanitizer builds
 * only read it): what fontconfig and cairo keep until exit is theirs, in
 * every program that draws documents (kioskd, kioskctl, the tests), with
 * no LSAN_OPTIONS needed. tests/docs/lsan.supp says the same for scripts. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:cairo_surface_finish\n";
}

void kx_docs_release_caches(void)
{
    /* No FcFini here: pango initialises fontconfig on a thread of its own
     * and FcFini asserted at exit about one run in ten when that thread
     * still held a cache. What fontconfig keeps until exit is listed in
     * tests/docs/lsan.supp. */
    pango_cairo_font_map_set_default(NULL);
}

kx_err kx_doc_lang_from_code(const char *code, kx_doc_lang *out)
{
    if (!code || !out)
        return KX_ERR_INVALID_ARG;
    if (strcmp(code, "zh_CN") == 0 || strcmp(code, "zh") == 0)
        *out = KX_DOC_LANG_ZH;
    else if (strcmp(code, "en") == 0)
        *out = KX_DOC_LANG_EN;
    else
        return KX_ERR_NOT_FOUND;
    return KX_OK;
}
