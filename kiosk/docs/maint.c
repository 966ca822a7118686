/* SPDX-License-Identifier: MIT */
/*
 * maint.c - the pages staff print: the printer test page of the
 * maintenance self-test (identification, Chinese and English sample text,
 * a millimetre ruler, grey steps, a QR code) and the day's summary
 * (sessions by service and outcome, money taken and refunded, whether the
 * RA's records and the journal agree). Roll or A4 like the receipt.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "docs/docs_internal.h"

typedef struct maint_geometry {
    double x, w, top;
    double title_pt, text_pt, small_pt;
    double qr;
} maint_geometry;

static const maint_geometry maint_roll = {4, 72, 4, 12, 8.5, 7.5, 26};
static const maint_geometry maint_a4 = {25, 160, 20, 18, 11, 9.5, 40};

static const maint_geometry *maint_geom(kx_doc_paper paper)
{
    return paper == KX_DOC_PAPER_A4 ? &maint_a4 : &maint_roll;
}

/* "label: value" on one line (wrapping when long). */
static double maint_pair(docs_page *pg, const maint_geometry *g, double y, kx_doc_lang L,
                         const char *label, const char *value)
{
    char line[512];
    snprintf(line, sizeof(line), "%s%s%s", kx_docs_tr(L, label),
             L == KX_DOC_LANG_ZH ? "：" : ": ", value);
    return docs_text(pg, g->x, y, g->w, line, g->text_pt, 0);
}

static kx_err maint_render(kx_doc_paper paper, const char *title, docs_draw_fn draw,
                           const void *ctx, kx_doc_output *out)
{
    if (paper == KX_DOC_PAPER_A4)
        return docs_render_pdf(DOCS_A4_W, DOCS_A4_H, 0, 0, title, draw, ctx, out);
    return docs_render_pdf(DOCS_ROLL_W, 0, 8, 60, title, draw, ctx, out);
}

/* ---- test page --------------------------------------------------------- */

static kx_err test_page_draw(docs_page *pg, const void *vctx, double *used)
{
    const kx_test_page *t = vctx;
    const maint_geometry *g = maint_geom(t->paper);
    kx_doc_lang L = t->lang;
    char buf[128];
    double y = g->top;
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Printer test page")), g->title_pt,
                   DOCS_BOLD | DOCS_CENTER);
    y += 2;
    if (t->hall_name[0])
        y += maint_pair(pg, g, y, L, N_("Hall"), t->hall_name);
    if (t->kiosk_id[0])
        y += maint_pair(pg, g, y, L, N_("Kiosk"), t->kiosk_id);
    if (t->printer[0])
        y += maint_pair(pg, g, y, L, N_("Printer"), t->printer);
    if (t->version[0])
        y += maint_pair(pg, g, y, L, N_("Version"), t->version);
    docs_format_date(L, t->when ? t->when : (int64_t)time(NULL), 1, buf, sizeof(buf));
    y += maint_pair(pg, g, y, L, N_("Date and time"), buf);
    y += 2;
    /* the same sample in both languages whatever the page's language:
     * the point is to see both scripts print */
    y += docs_text(pg, g->x, y, g->w, "中文样张：江西省数字证书有限公司 受理回执 ¥300.00",
                   g->text_pt, 0);
    y += docs_text(pg, g->x, y, g->w, "English sample: The quick brown fox 0123456789",
                   g->text_pt, 0);
    y += docs_text(pg, g->x, y, g->w, "粗体 Bold", g->text_pt, DOCS_BOLD);
    y += 3;
    /* a ruler: a tick every millimetre, longer every 5 and 10 */
    double len = g->w - 2;
    docs_line(pg, g->x, y, g->x + len, y, 0.2);
    for (int mm = 0; mm <= (int)len; mm++) {
        double tick = mm % 10 == 0 ? 4 : mm % 5 == 0 ? 2.5 : 1.5;
        docs_line(pg, g->x + mm, y, g->x + mm, y + tick, 0.15);
        if (mm % 10 == 0 && mm) {
            snprintf(buf, sizeof(buf), "%d", mm / 10);
            docs_text(pg, g->x + mm - 1, y + 4.2, 6, buf, 6, DOCS_NOWRAP);
        }
    }
    y += 9;
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Ruler: one tick per millimetre")),
                   g->small_pt, DOCS_GREY);
    y += 2;
    /* grey steps: thermal heads and toner show their weakness here */
    double step = g->w / 8;
    for (int i = 0; i < 8; i++)
        docs_fill(pg, g->x + step * i, y, step, 6, (double)i / 8);
    docs_rect(pg, g->x, y, g->w, 6, 0.2);
    y += 9;
    kx_err rc = docs_qr(pg, g->x + (g->w - g->qr) / 2, y, g->qr, "JXCA-KIOSK-PRINTER-TEST");
    if (rc)
        return rc;
    y += g->qr + 1;
    y += docs_text(pg, g->x, y, g->w,
                   kx_docs_tr(L, N_("If any part of this page is missing or faint, clean the "
                                    "print head or replace the paper.")),
                   g->small_pt, DOCS_CENTER);
    *used = y;
    return KX_OK;
}

kx_err kx_docs_render_test_page(const kx_test_page *t, kx_doc_output *out)
{
    if (!t || !out || (t->lang != KX_DOC_LANG_ZH && t->lang != KX_DOC_LANG_EN))
        return KX_ERR_INVALID_ARG;
    kx_err rc = maint_render(t->paper, "Printer test page", test_page_draw, t, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.test_page", "rc=%s", kx_err_name(rc));
    return rc;
}

/* ---- daily summary ----------------------------------------------------- */

static const char *summary_outcome_text(const char *outcome)
{
    static const struct {
        const char *id, *msgid;
    } outcomes[] = {
        {"done", N_("Completed")},
        {"cancelled", N_("Cancelled")},
        {"abandoned", N_("Abandoned")},
        {"timeout", N_("Timed out")},
        {"recovered", N_("Finished after a restart")},
        {"recovered_installed", N_("Finished after a restart")},
        {"open", N_("Unfinished")},
    };
    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
        if (strcmp(outcome, outcomes[i].id) == 0)
            return outcomes[i].msgid;
    return N_("Other outcome");
}

static kx_err summary_draw(docs_page *pg, const void *vctx, double *used)
{
    const kx_daily_summary *s = vctx;
    const maint_geometry *g = maint_geom(s->paper);
    kx_doc_lang L = s->lang;
    char buf[160], num[32];
    double y = g->top;
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Daily summary")), g->title_pt,
                   DOCS_BOLD | DOCS_CENTER);
    y += 2;
    if (s->hall_name[0])
        y += maint_pair(pg, g, y, L, N_("Hall"), s->hall_name);
    if (s->kiosk_id[0])
        y += maint_pair(pg, g, y, L, N_("Kiosk"), s->kiosk_id);
    y += maint_pair(pg, g, y, L, N_("Date"), s->date);
    y += 1.5;
    docs_line(pg, g->x, y, g->x + g->w, y, 0.3);
    y += 1.5;
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Sessions")), g->text_pt, DOCS_BOLD);
    int64_t total = 0;
    for (size_t i = 0; i < s->n_rows && i < KX_SUMMARY_MAX_ROWS; i++) {
        const kx_summary_row *r = &s->rows[i];
        kx_service svc;
        const char *name = kx_service_from_id(r->service, &svc) == KX_OK
                               ? kx_docs_tr(L, kx_service_title(svc))
                               : kx_docs_tr(L, N_("Other service"));
        snprintf(buf, sizeof(buf), "%s · %s", name,
                 kx_docs_tr(L, summary_outcome_text(r->outcome)));
        snprintf(num, sizeof(num), "%" PRId64, r->count);
        double h = docs_text(pg, g->x, y, g->w - 14, buf, g->text_pt, 0);
        docs_text(pg, g->x + g->w - 14, y, 14, num, g->text_pt, DOCS_RIGHT);
        y += h;
        total += r->count;
    }
    snprintf(num, sizeof(num), "%" PRId64, total);
    y += maint_pair(pg, g, y, L, N_("All sessions"), num);
    y += 1.5;
    docs_line(pg, g->x, y, g->x + g->w, y, 0.3);
    y += 1.5;
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Money")), g->text_pt, DOCS_BOLD);
    snprintf(num, sizeof(num), "%" PRId64, s->paid_orders);
    y += maint_pair(pg, g, y, L, N_("Paid orders"), num);
    docs_format_fen(L, s->taken_fen, buf, sizeof(buf));
    y += maint_pair(pg, g, y, L, N_("Taken"), buf);
    docs_format_fen(L, s->refunded_fen, buf, sizeof(buf));
    y += maint_pair(pg, g, y, L, N_("Refunded"), buf);
    snprintf(num, sizeof(num), "%" PRId64, s->journal_refunds);
    y += maint_pair(pg, g, y, L, N_("Refunds in the journal"), num);
    y += maint_pair(pg, g, y, L, N_("Reconciled with the RA"),
                    kx_docs_tr(L, s->reconciled ? N_("Yes") : N_("No")));
    if (s->mismatches) {
        snprintf(num, sizeof(num), "%" PRId64, s->mismatches);
        y += maint_pair(pg, g, y, L, N_("Orders that disagree"), num);
    }
    y += 2;
    docs_format_date(L, s->printed_at ? s->printed_at : (int64_t)time(NULL), 1, buf,
                     sizeof(buf));
    y += maint_pair(pg, g, y, L, N_("Printed"), buf);
    *used = y;
    return KX_OK;
}

kx_err kx_docs_render_daily_summary(const kx_daily_summary *s, kx_doc_output *out)
{
    if (!s || !out || s->n_rows > KX_SUMMARY_MAX_ROWS ||
        (s->lang != KX_DOC_LANG_ZH && s->lang != KX_DOC_LANG_EN))
        return KX_ERR_INVALID_ARG;
    kx_err rc = maint_render(s->paper, "Daily summary", summary_draw, s, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.summary", "date=%s rc=%s", s->date,
           kx_err_name(rc));
    return rc;
}
