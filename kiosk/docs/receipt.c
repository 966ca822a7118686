/* SPDX-License-Identifier: MIT */
/*
 * receipt.c - the acceptance slip / receipt (受理回执) handed out at the
 * end of a paid or refunded session: the hall and kiosk, when, the
 * service and its result, the company with its credit code masked, the
 * case number, the money (amount, channel, order; or the refund and its
 * reference), the certificate's serial and validity, the hall's telephone
 * and a QR code for the e-invoice or the case status. On the 80 mm roll
 * (the page is as long as its content) or on A4.
 *
 * Never prints an ID number, a phone number of the agent or the full
 * credit code.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "docs/docs_internal.h"

/* Where things go on the two papers (mm, points). */
typedef struct receipt_geometry {
    double x, w;    /* content column */
    double label_w; /* label column inside it */
    double top;
    double title_pt, head_pt, label_pt, value_pt, small_pt;
    double qr;  /* QR code side */
    double gap; /* between rows */
} receipt_geometry;

static const receipt_geometry receipt_roll = {4, 72, 25, 4, 13, 9, 8, 9, 7.5, 34, 1.2};
static const receipt_geometry receipt_a4 = {25, 160, 50, 20, 20, 13, 11, 12, 10, 45, 2.5};

typedef struct receipt_ctx {
    const kx_receipt *r;
    const receipt_geometry *g;
} receipt_ctx;

char *kx_docs_mask_code(const char *code, char *out, size_t outsz)
{
    return kx_mask_idnum(code, out, outsz);
}

static const char *receipt_result_text(kx_receipt_result res)
{
    switch (res) {
    case KX_RECEIPT_ISSUED:
        return N_("Certificate issued");
    case KX_RECEIPT_SUBMITTED:
        return N_("Submitted for the CA's review");
    case KX_RECEIPT_REFUNDED:
        return N_("Payment refunded");
    case KX_RECEIPT_DONE:
        return N_("Completed");
    }
    return N_("Completed");
}

static const char *receipt_channel_text(const char *channel)
{
    if (strcmp(channel, "qr") == 0)
        return N_("QR code payment (WeChat / Alipay)");
    if (strcmp(channel, "counter") == 0)
        return N_("Paid at the counter");
    if (strcmp(channel, "cash") == 0)
        return N_("Cash at the counter");
    if (strcmp(channel, "card") == 0)
        return N_("Bank card at the counter");
    return N_("Other payment");
}

/* One "label  value" row; returns the row's height. */
static double receipt_row(docs_page *pg, const receipt_ctx *c, double y, const char *label,
                          const char *value)
{
    const receipt_geometry *g = c->g;
    if (!value || !value[0])
        return 0;
    double hl = docs_text(pg, g->x, y + 0.3, g->label_w - 1, kx_docs_tr(c->r->lang, label),
                          g->label_pt, DOCS_GREY);
    double hv = docs_text(pg, g->x + g->label_w, y, g->w - g->label_w, value, g->value_pt, 0);
    return (hl > hv ? hl : hv) + g->gap;
}

static kx_err receipt_draw(docs_page *pg, const void *vctx, double *used)
{
    const receipt_ctx *c = vctx;
    const kx_receipt *r = c->r;
    const receipt_geometry *g = c->g;
    kx_doc_lang L = r->lang;
    char buf[256], buf2[128];
    double y = g->top;

    if (r->hall_name[0])
        y += docs_text(pg, g->x, y, g->w, r->hall_name, g->head_pt, DOCS_BOLD | DOCS_CENTER);
    y += 1;
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Acceptance receipt")), g->title_pt,
                   DOCS_BOLD | DOCS_CENTER);
    y += 2;
    docs_line(pg, g->x, y, g->x + g->w, y, 0.3);
    y += 2;

    y += receipt_row(pg, c, y, N_("Kiosk"), r->kiosk_id);
    docs_format_date(L, r->when ? r->when : (int64_t)time(NULL), 1, buf, sizeof(buf));
    y += receipt_row(pg, c, y, N_("Date and time"), buf);
    y += receipt_row(pg, c, y, N_("Service"), kx_docs_tr(L, kx_service_title(r->service)));
    y += receipt_row(pg, c, y, N_("Result"), kx_docs_tr(L, receipt_result_text(r->result)));
    y += receipt_row(pg, c, y, N_("Company"), r->company);
    if (r->credit_code[0]) {
        kx_docs_mask_code(r->credit_code, buf, sizeof(buf));
        y += receipt_row(pg, c, y, N_("Credit code"), buf);
    }
    y += receipt_row(pg, c, y, N_("Case number"), r->case_no);

    docs_line(pg, g->x, y + 0.5, g->x + g->w, y + 0.5, 0.15);
    y += 2;
    if (r->amount_fen > 0) {
        docs_format_fen(L, r->amount_fen, buf, sizeof(buf));
        y += receipt_row(pg, c, y, N_("Amount"), buf);
        if (r->pay_channel[0])
            y += receipt_row(pg, c, y, N_("Payment"),
                             kx_docs_tr(L, receipt_channel_text(r->pay_channel)));
        y += receipt_row(pg, c, y, N_("Order number"), r->order_no);
    } else {
        y += receipt_row(pg, c, y, N_("Amount"), kx_docs_tr(L, N_("Free of charge")));
    }
    if (r->result == KX_RECEIPT_REFUNDED || r->refund_fen > 0) {
        docs_format_fen(L, r->refund_fen, buf, sizeof(buf));
        y += receipt_row(pg, c, y, N_("Refunded amount"), buf);
        y += receipt_row(pg, c, y, N_("Refund reference"), r->refund_ref);
    }
    if (r->cert_serial[0]) {
        docs_line(pg, g->x, y + 0.5, g->x + g->w, y + 0.5, 0.15);
        y += 2;
        y += receipt_row(pg, c, y, N_("Certificate serial"), r->cert_serial);
        if (r->cert_not_before && r->cert_not_after) {
            docs_format_date(L, r->cert_not_before, 0, buf, sizeof(buf));
            docs_format_date(L, r->cert_not_after, 0, buf2, sizeof(buf2));
            /* on the roll the end date goes on a line of its own */
            kx_strlcat(buf, L == KX_DOC_LANG_ZH ? "\n至 " : " to ", sizeof(buf));
            kx_strlcat(buf, buf2, sizeof(buf));
            y += receipt_row(pg, c, y, N_("Valid"), buf);
        }
    }
    y += 1;
    docs_line(pg, g->x, y, g->x + g->w, y, 0.3);
    y += 3;

    if (r->qr_url[0]) {
        kx_err rc = docs_qr(pg, g->x + (g->w - g->qr) / 2, y, g->qr, r->qr_url);
        if (rc)
            return rc;
        y += g->qr;
        y += docs_text(pg, g->x, y, g->w,
                       kx_docs_tr(L, r->qr_is_invoice ? N_("Scan for your e-invoice")
                                                      : N_("Scan to follow your case")),
                       g->small_pt, DOCS_CENTER);
        y += 2;
    }
    if (r->hall_phone[0]) {
        snprintf(buf, sizeof(buf), "%s%s%s", kx_docs_tr(L, N_("Enquiries")),
                 L == KX_DOC_LANG_ZH ? "：" : ": ", r->hall_phone);
        y += docs_text(pg, g->x, y, g->w, buf, g->small_pt, DOCS_CENTER);
    }
    y += docs_text(pg, g->x, y, g->w, kx_docs_tr(L, N_("Please keep this receipt.")),
                   g->small_pt, DOCS_CENTER);
    *used = y;
    return KX_OK;
}

kx_err kx_docs_render_receipt(const kx_receipt *r, kx_doc_output *out)
{
    if (!r || !out || !r->company[0] || !r->case_no[0] ||
        (unsigned)r->service >= KX_SVC_COUNT ||
        (r->lang != KX_DOC_LANG_ZH && r->lang != KX_DOC_LANG_EN)) {
        kx_err_set_detail("receipt: company, case number and a known service are required");
        return KX_ERR_INVALID_ARG;
    }
    receipt_ctx c = {r, r->paper == KX_DOC_PAPER_A4 ? &receipt_a4 : &receipt_roll};
    kx_err rc;
    if (r->paper == KX_DOC_PAPER_A4)
        rc = docs_render_pdf(DOCS_A4_W, DOCS_A4_H, 0, 0, "Receipt", receipt_draw, &c, out);
    else
        rc = docs_render_pdf(DOCS_ROLL_W, 0, 8, 60, "Receipt", receipt_draw, &c, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.receipt", "paper=%s lang=%s rc=%s bytes=%zu",
           r->paper == KX_DOC_PAPER_A4 ? "a4" : "roll80",
           r->lang == KX_DOC_LANG_ZH ? "zh_CN" : "en", kx_err_name(rc), out->len);
    return rc;
}
