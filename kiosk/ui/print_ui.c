/* SPDX-License-Identifier: MIT */
/*
 * print_ui.c - the receipt's status and the "print" buttons of the
 * customer screens (print_ui.h), and the home screen's warning when the
 * printer cannot print, drawn from the state's "print" member.
 * Shows only texts kioskd sent as msgids (translated here) and its own
 * translated labels; never a URL as text (the link is a QR code).
 */
#include <jansson.h>
#include <string.h>

#include "core/i18n.h"
#include "ui/print_ui.h"

static json_t *print_member(const kx_ui_state *st)
{
    json_t *p = st->raw ? json_object_get((json_t *)st->raw, "print") : NULL;
    return json_is_object(p) ? p : NULL;
}

static const char *print_str(json_t *p, const char *key)
{
    return json_string_value(json_object_get(p, key));
}

void kx_ui_print_status(kx_ui *ui, const kx_ui_state *st, SDL_Rect r)
{
    json_t *p = print_member(st);
    const char *msg = p ? print_str(p, "msgid") : NULL;
    if (!msg || r.h < 120)
        return;
    const char *receipt = print_str(p, "receipt");
    const char *qr = print_str(p, "qr");
    int failed = receipt && strcmp(receipt, "failed") == 0;
    int halign = ui->portrait ? KX_CENTER : KX_LEFT;
    int y = r.y;
    if (qr && qr[0]) {
        int side = r.h - 140 < 320 ? r.h - 140 : 320;
        if (side >= 160) {
            int x = ui->portrait ? r.x + (r.w - side) / 2 : r.x;
            kx_qr(ui, kx_rect(x, y, side, side), qr);
            y += side + 12;
            kx_text_style cs = kx_style(30, KX_REGULAR, KX_C_MUTED, halign, KX_TOP);
            int inv = json_is_true(json_object_get(p, "qr_invoice"));
            const char *cap =
                inv ? kx_tr("Scan for your e-invoice") : kx_tr("Scan for your case status");
            int ch = ui->large ? kx_text_measure(ui, cap, r.w, &cs) : 44;
            kx_text(ui, cap, kx_rect(r.x, y, r.w, ch), &cs);
            y += ch + 8;
        }
    }
    kx_text_style ms = kx_style(34, failed ? KX_BOLD : KX_REGULAR,
                                failed ? KX_C_DANGER : KX_C_TEXT, halign, KX_TOP);
    int mh = ui->large ? kx_text_measure(ui, kx_tr(msg), r.w, &ms) : 100;
    SDL_Rect used = kx_text(ui, kx_tr(msg), kx_rect(r.x, y, r.w, mh), &ms);
    y = used.y + used.h + 20;
    if (kx_ui_state_accepts(st, KX_INTENT_PRINT_AGAIN) && y + 96 <= r.y + r.h) {
        int bw = ui->portrait ? 420 : 380;
        int x = ui->portrait ? r.x + (r.w - bw) / 2 : r.x;
        if (kx_button(ui, "print_again", kx_rect(x, y, bw, 96), kx_tr("Print again"),
                      KX_BTN_SECONDARY))
            kx_ui_intent(ui, KX_INTENT_PRINT_AGAIN);
    }
}

void kx_ui_print_form(kx_ui *ui, const kx_ui_state *st, SDL_Rect r)
{
    json_t *p = print_member(st);
    int can = kx_ui_state_accepts(st, KX_INTENT_PRINT_FORM);
    const char *msg = p ? print_str(p, "form_msgid") : NULL;
    if ((!can && !msg) || r.h < 96)
        return;
    int bw = ui->portrait ? 420 : 380;
    int x = ui->portrait ? r.x + (r.w - bw) / 2 : r.x;
    int y = r.y;
    if (can) {
        if (kx_button(ui, "print_form", kx_rect(x, y, bw, 96), kx_tr("Print the form"),
                      KX_BTN_SECONDARY))
            kx_ui_intent(ui, KX_INTENT_PRINT_FORM);
        y += 96 + 12;
    }
    if (msg && y + 40 <= r.y + r.h) {
        kx_text_style ms =
            kx_style(30, KX_REGULAR, KX_C_MUTED, ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
        kx_text(ui, kx_tr(msg), kx_rect(r.x, y, r.w, r.y + r.h - y), &ms);
    }
}

int kx_ui_print_home(kx_ui *ui, const kx_ui_state *st, SDL_Rect r)
{
    json_t *p = print_member(st);
    const char *msg = p && !st->session ? print_str(p, "msgid") : NULL;
    int h = 0;
    if (msg && msg[0] && r.h > 0) {
        kx_text_style ts = kx_style(30, KX_BOLD, KX_C_WARN, KX_LEFT, KX_MIDDLE);
        int pad = 18;
        h = kx_text_measure(ui, kx_tr(msg), r.w - 2 * pad, &ts) + 2 * pad;
        if (h > r.h)
            h = r.h;
        kx_round(ui, kx_rect(r.x, r.y, r.w, h), 16, KX_C_WARN_LT);
        kx_text(ui, kx_tr(msg), kx_inset(kx_rect(r.x, r.y, r.w, h), pad), &ts);
    }
    return h;
}
