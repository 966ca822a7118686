/* SPDX-License-Identifier: MIT */
/*
 * screens.c - one draw function per screen id of the protocol, plus the
 * UI's own "temporarily unavailable" screen and a generic screen for ids
 * this build does not know.
 *
 * A screen shows what the state carries and offers exactly the intents the
 * state lists; it decides nothing. The common frame (header, language
 * button, step indicator, title) is drawn by app.c before the screen; each
 * screen fills the content region and its footer.
 *
 * Map: helpers - home - busy - UKEY screens - PIN screens - money -
 * documents - contact/agreement - seals - review - revoke - endings -
 * table.
 */
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "core/secbuf.h"
#include "core/str.h"
#include "ui/print_ui.h"
#include "ui/ui_internal.h"

const kx_ui_service kx_ui_services[8] = {
    {"new", N_("New certificate"), N_("First certificate for a company"), "icon_new"},
    {"renew", N_("Renew"), N_("Extend the certificate, with the PIN"), "icon_renew"},
    {"renew_nopin", N_("Renew without PIN"), N_("Forgot the PIN: identity check"),
     "icon_renew_nopin"},
    {"reissue", N_("Reissue"), N_("The UKEY was lost"), "icon_reissue"},
    {"change", N_("Change details"), N_("Company name or details changed"), "icon_change"},
    {"swap", N_("Replace UKEY"), N_("Move the certificate to a new UKEY"), "icon_swap"},
    {"unlock", N_("Unlock the PIN"), N_("Too many wrong PINs"), "icon_unlock"},
    {"revoke", N_("Revoke"), N_("Stop using the certificate"), "icon_revoke"},
};

const char *kx_ui_service_name(const char *id)
{
    for (int i = 0; id && i < 8; i++)
        if (strcmp(kx_ui_services[i].id, id) == 0)
            return kx_tr(kx_ui_services[i].name);
    return "";
}

/* ---- helpers ---- */

static int scr_body_size(const kx_ui *ui)
{
    return ui->portrait ? 40 : 36;
}

/* scr_body - the state's paragraphs, one per line, in r. */
static SDL_Rect scr_body(kx_ui *ui, const kx_ui_state *st, SDL_Rect r, int halign)
{
    char all[4096], one[1024];
    all[0] = '\0';
    for (int i = 0; i < st->n_body; i++) {
        kx_ui_text_format(&st->body[i], one, sizeof one);
        if (i)
            kx_strlcat(all, "\n", sizeof all);
        kx_strlcat(all, one, sizeof all);
    }
    kx_text_style ts = kx_style(scr_body_size(ui), KX_REGULAR, KX_C_TEXT, halign, KX_TOP);
    return kx_text(ui, all, r, &ts);
}

/* scr_footer2 - the footer row: Back and Cancel (when accepted) on the
 * left; on the right the primary action and, left of it, a secondary one
 * (e.g. retry) when secondary is not NULL and its intent is accepted. Cancel
 * asks for confirmation first. Returns 1 when primary was tapped (the
 * caller sends what it means); the secondary sends its intent itself. */
static int scr_footer2(kx_ui *ui, const kx_ui_state *st, const kx_layout *L,
                       const char *secondary, kx_intent sec_intent, const char *primary,
                       kx_button_kind kind, int primary_enabled)
{
    SDL_Rect f = L->footer;
    int gap = 24, x = f.x, right = f.x + f.w;
    int has_back = kx_ui_state_accepts(st, KX_INTENT_BACK);
    int has_cancel = kx_ui_state_accepts(st, KX_INTENT_CANCEL);
    int has_sec = secondary && kx_ui_state_accepts(st, sec_intent);
    int bw = ui->portrait ? 210 : 280, cw = ui->portrait ? 240 : 300,
        sw = ui->portrait ? 250 : 320;
    int clicked = 0;
    if (has_back) {
        if (kx_button(ui, "back", kx_rect(x, f.y, bw, f.h), kx_tr("Back"), KX_BTN_QUIET))
            kx_ui_intent(ui, KX_INTENT_BACK);
        x += bw + gap;
    }
    if (has_cancel) {
        if (kx_button(ui, "cancel", kx_rect(x, f.y, cw, f.h), kx_tr("Cancel"),
                      KX_BTN_SECONDARY))
            ui->overlay = KX_OVERLAY_CANCEL;
        x += cw + gap;
    }
    if (primary) {
        int pw = right - x - (has_sec ? sw + gap : 0);
        int cap = ui->portrait ? 460 : 600;
        if (pw > cap)
            pw = cap;
        clicked = kx_button_enabled(ui, "primary", kx_rect(right - pw, f.y, pw, f.h), primary,
                                    kind, primary_enabled);
        right -= pw + gap;
    }
    if (has_sec) {
        if (right - sw < x)
            sw = right - x;
        if (kx_button(ui, "retry", kx_rect(right - sw, f.y, sw, f.h), secondary,
                      KX_BTN_SECONDARY))
            kx_ui_intent(ui, sec_intent);
    }
    return clicked;
}

static int scr_footer(kx_ui *ui, const kx_ui_state *st, const kx_layout *L, const char *primary,
                      kx_button_kind kind, int primary_enabled)
{
    return scr_footer2(ui, st, L, NULL, KX_INTENT_RETRY, primary, kind, primary_enabled);
}

/* scr_retry_confirm_footer - secondary retry (label) and primary confirm. */
static void scr_retry_confirm_footer(kx_ui *ui, const kx_ui_state *st, const kx_layout *L,
                                     const char *retry, const char *confirm)
{
    int ok = kx_ui_state_accepts(st, KX_INTENT_CONFIRM);
    if (scr_footer2(ui, st, L, retry, KX_INTENT_RETRY, ok ? confirm : NULL, KX_BTN_PRIMARY, 1))
        kx_ui_intent(ui, KX_INTENT_CONFIRM);
}

/* scr_confirm_footer - footer whose primary sends confirm when accepted. */
static void scr_confirm_footer(kx_ui *ui, const kx_ui_state *st, const kx_layout *L,
                               const char *label)
{
    int ok = kx_ui_state_accepts(st, KX_INTENT_CONFIRM);
    if (scr_footer(ui, st, L, ok ? label : NULL, KX_BTN_PRIMARY, 1))
        kx_ui_intent(ui, KX_INTENT_CONFIRM);
}

/* scr_rows_large - large text: each label above its value, in one column
 * or, when one is too tall for the card, two side by side. */
static void scr_rows_large(kx_ui *ui, SDL_Rect card, const char *const rows[][2], int n)
{
    int pad = 16, gap = 32;
    kx_text_style ls = kx_style(32, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
    kx_text_style vs = kx_style(40, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
    kx_card(ui, card);
    for (int cols = 1; cols <= 2; cols++) {
        int cw = (card.w - 2 * pad - 24 - (cols - 1) * gap) / cols, per = (n + cols - 1) / cols;
        int lh[8], vh[8], total = 0, worst = 0;
        for (int i = 0; i < n && i < 8; i++) {
            const char *v = rows[i][1] && rows[i][1][0] ? rows[i][1] : "-";
            lh[i] = kx_text_measure(ui, rows[i][0], cw, &ls);
            vh[i] = kx_text_measure(ui, v, cw, &vs);
            total += lh[i] + vh[i];
            worst = lh[i] + vh[i] > worst ? lh[i] + vh[i] : worst;
        }
        int need = cols == 1 ? total : per * worst;
        if (need > card.h - 2 * pad && cols == 1)
            continue;
        /* the rows spread evenly over the card's height, each as tall as
         * the tallest needs */
        int rh = per > 0 ? (card.h - 2 * pad) / per : 0;
        for (int i = 0; i < n && i < 8; i++) {
            int x = card.x + pad + 12 + (i / per) * (cw + gap),
                y = card.y + pad + (i % per) * rh;
            const char *v = rows[i][1] && rows[i][1][0] ? rows[i][1] : "-";
            int h = rh > lh[i] + vh[i] ? (rh - lh[i] - vh[i]) / 2 : 0;
            kx_text(ui, rows[i][0], kx_rect(x, y + h, cw, lh[i]), &ls);
            kx_text(ui, v, kx_rect(x, y + h + lh[i], cw, vh[i]), &vs);
            if (i % per + 1 < per && i + 1 < n)
                kx_fill(ui, kx_rect(x, y + rh - 1, cw, 2), KX_C_BG);
        }
        break;
    }
}

/* scr_rows - label/value rows inside a card; values never cut (wrapped). */
static void scr_rows(kx_ui *ui, SDL_Rect card, const char *const rows[][2], int n)
{
    int pad = 40, lw = ui->portrait ? 300 : 300;
    if (ui->large) {
        scr_rows_large(ui, card, rows, n);
        return;
    }
    int rh = (card.h - 2 * pad) / (n > 0 ? n : 1);
    kx_card(ui, card);
    for (int i = 0; i < n; i++) {
        int y = card.y + pad + i * rh;
        kx_text_style ls = kx_style(32, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_MIDDLE);
        kx_text_style vs = kx_style(40, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_MIDDLE);
        ls.max_lines = 2;
        kx_text(ui, rows[i][0], kx_rect(card.x + pad, y, lw - 20, rh), &ls);
        kx_text(ui, rows[i][1] && rows[i][1][0] ? rows[i][1] : "-",
                kx_rect(card.x + pad + lw, y, card.w - 2 * pad - lw, rh), &vs);
        if (i + 1 < n)
            kx_fill(ui, kx_rect(card.x + pad, y + rh - 1, card.w - 2 * pad, 2), KX_C_BG);
    }
}

/* scr_art_and_body - illustration in L->art, body text in L->side. */
static SDL_Rect scr_art_and_body(kx_ui *ui, const kx_ui_state *st, const kx_layout *L,
                                 const char *art)
{
    kx_art(ui, art, L->art);
    return scr_body(ui, st, L->side, ui->portrait ? KX_CENTER : KX_LEFT);
}

/* scr_place - "put X there" screens: the illustration, the state's body,
 * a fixed hint below it, and a footer whose primary (when given) confirms. */
static void scr_place(kx_ui *ui, const kx_ui_state *st, const kx_layout *L, const char *art,
                      const char *hint, int hint_h, const char *primary)
{
    SDL_Rect used = scr_art_and_body(ui, st, L, art);
    kx_text_style ts = kx_style(ui->portrait ? 36 : 34, KX_REGULAR, KX_C_TEXT,
                                ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
    int y = used.y + used.h + 24;
    if (ui->large) /* as much of the side as is left (less what goes below) */
        hint_h = L->side.y + L->side.h - y - (hint_h < 0 ? -hint_h : 0);
    kx_text(ui, hint, kx_rect(L->side.x, y, L->side.w, hint_h), &ts);
    if (primary)
        scr_confirm_footer(ui, st, L, primary);
    else
        scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

/* scr_note - a tinted notice box with text; large text makes it as tall
 * as its words need. Returns the height used. */
static int scr_note(kx_ui *ui, SDL_Rect r, const char *text, SDL_Color bg, SDL_Color fg)
{
    kx_text_style ts = kx_style(34, KX_BOLD, fg, KX_CENTER, KX_MIDDLE);
    if (ui->large) {
        int need = kx_text_measure(ui, text, r.w - 48, &ts) + 48;
        r.h = need > r.h ? need : r.h;
    }
    kx_round(ui, r, 20, bg);
    kx_text(ui, text, kx_inset(r, 24), &ts);
    return r.h;
}

/* ---- home ---- */

static void scr_home(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    int cols = ui->portrait ? 2 : 4, rows = 8 / cols, gap = 32;
    SDL_Rect c = L->content;
    char sub[512];
    kx_text_style ss =
        kx_style(ui->portrait ? 36 : 32, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    int subh = ui->large ? 150 : ui->portrait ? 70 : 60;
    int enabled = kx_ui_state_accepts(st, KX_INTENT_CHOOSE_SERVICE);
    sub[0] = '\0';
    if (st->n_body)
        kx_ui_text_format(&st->body[0], sub, sizeof sub);
    if (kx_home_halls_shown(ui, st)) /* the list of the other halls: its heading */
        kx_strlcpy(sub, kx_tr("The CA's other service halls"), sizeof sub);
    /* large text and high contrast for this session (适老化) */
    int lw = ui->portrait ? 340 : 380;
    ss.halign = KX_LEFT;
    kx_text(ui, sub, kx_rect(c.x, c.y, c.w - lw - 20, subh), &ss);
    if (kx_button(ui, "large_text_home", kx_rect(c.x + c.w - lw, c.y - 6, lw, subh + 6),
                  ui->large ? kx_tr("Standard text") : kx_tr("Large text"),
                  ui->large ? KX_BTN_PRIMARY : KX_BTN_SECONDARY))
        kx_ui_set_large(ui, !ui->large);
    int top = c.y + subh + 10;
    int bottom = L->footer.y + L->footer.h; /* home has no footer buttons */
    /* the CA's other halls, when the customer asked for them */
    if (kx_home_halls_list(ui, st, kx_rect(c.x, top, c.w, bottom - top)))
        return;
    /* the hall this kiosk stands in, under the tiles */
    int hall_h = kx_home_hall_strip(ui, st, kx_rect(c.x, top, c.w, bottom - top));
    if (hall_h)
        bottom -= hall_h + gap;
    /* a printer that cannot print: said before anyone starts */
    int prn_h = kx_ui_print_home(ui, st, kx_rect(c.x, top, c.w, (bottom - top) / 3));
    if (prn_h)
        top += prn_h + gap / 2;
    int tw = (c.w - gap * (cols - 1)) / cols, th = (bottom - top - gap * (rows - 1)) / rows;
    for (int i = 0; i < 8; i++) {
        const kx_ui_service *s = &kx_ui_services[i];
        SDL_Rect t = {c.x + (i % cols) * (tw + gap), top + (i / cols) * (th + gap), tw, th};
        char id[32];
        snprintf(id, sizeof id, "service_%s", s->id);
        int tapped = kx_button(ui, id, t, NULL, KX_BTN_TILE);
        /* icon on the left, name and hint on the right */
        int icon = ui->portrait ? 120 : 110, pad = 30;
        /* large text: the words take the icon's room */
        if (ui->large)
            icon = -28;
        else
            kx_art(ui, s->icon, kx_rect(t.x + pad, t.y + (t.h - icon) / 2, icon, icon));
        int tx = t.x + pad + icon + 28, tw2 = t.x + t.w - pad - tx;
        kx_text_style ns =
            kx_style(ui->portrait ? 42 : 38, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_BOTTOM);
        kx_text_style hs =
            kx_style(ui->portrait ? 28 : 26, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
        ns.max_lines = 2;
        hs.max_lines = 3;
        ns.label = hs.label = 1; /* the tile's words: a button's label */
        kx_text(ui, kx_tr(s->name), kx_rect(tx, t.y + 24, tw2, t.h / 2 - 24), &ns);
        kx_text(ui, kx_tr(s->hint), kx_rect(tx, t.y + t.h / 2 + 10, tw2, t.h / 2 - 34), &hs);
        if (tapped && enabled)
            kx_ui_intent_value(ui, KX_INTENT_CHOOSE_SERVICE, "service", s->id);
    }
}

/* ---- busy ---- */

static int scr_busy_radius(const kx_ui *ui)
{
    return ui->portrait ? 70 : 60;
}

static SDL_Rect scr_busy_art_rect(const kx_ui *ui, const kx_layout *L)
{
    SDL_Rect a = L->art;
    return kx_rect(a.x, a.y, a.w, a.h - 2 * scr_busy_radius(ui) - 30);
}

static const char *scr_activity_art(const char *a)
{
    static const struct {
        const char *id, *art;
    } map[] = {
        {"reading_token", "ukey_busy"},  {"verifying_pin", "ukey_busy"},
        {"generating_key", "ukey_busy"}, {"installing", "ukey_busy"},
        {"removing_old", "ukey_busy"},   {"writing_token", "ukey_busy"},
        {"scanning", "scanner_busy"},    {"decoding", "scanner_busy"},
        {"reading_card", "idcard_busy"},
    };
    for (size_t i = 0; a && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].id, a) == 0)
            return map[i].art;
    return "cloud_busy";
}

static int scr_activity_is_token(const char *a)
{
    return a && strcmp(scr_activity_art(a), "ukey_busy") == 0;
}

static void scr_busy(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect a = L->art;
    int r = scr_busy_radius(ui);
    kx_art(ui, scr_activity_art(st->activity), scr_busy_art_rect(ui, L));
    kx_spinner(ui, a.x + a.w / 2, a.y + a.h - r, r, KX_C_PRIMARY);
    SDL_Rect s = L->side;
    SDL_Rect used =
        scr_body(ui, st, kx_rect(s.x, s.y, s.w, s.h / 2), ui->portrait ? KX_CENTER : KX_LEFT);
    int y = used.y + used.h + 40;
    if (st->has_progress) {
        kx_progress_bar(ui, kx_rect(s.x, y, s.w, 24), st->progress, KX_C_PRIMARY);
        y += 70;
    }
    if (scr_activity_is_token(st->activity))
        scr_note(ui, kx_rect(s.x, y, s.w, 130), kx_tr("Do not remove the UKEY."), KX_C_WARN_LT,
                 KX_C_WARN);
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

/* ---- UKEY ---- */

static void scr_ukey_insert(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_place(ui, st, L, "ukey_insert",
              kx_tr("The kiosk continues by itself once the UKEY is detected."), 140, NULL);
}

static void scr_ukey_blank(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_art_and_body(ui, st, L, "ukey_blank");
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

static void scr_cert_show(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    char days[64];
    SDL_Rect c = L->content;
    {
        char n[24];
        snprintf(n, sizeof n, "%ld", st->cert.days_left);
        kx_ui_format(days, sizeof days, N_("{n} days"), "n", n, NULL, NULL);
    }
    /* an SM2 pair: the signing certificate, then the encryption one */
    int pair = st->cert.enc_serial && st->cert.enc_serial[0];
    const char *const rows[][2] = {
        {kx_tr("Company"), st->cert.company},
        {kx_tr("Credit code"), st->cert.uscc},
        {pair ? kx_tr("Signing certificate") : kx_tr("Serial number"), st->cert.serial},
        {kx_tr("Valid until"), st->cert.not_after},
        {kx_tr("Days left"), st->cert.present ? days : ""},
        {kx_tr("Encryption certificate"), pair ? st->cert.enc_serial : ""},
        {kx_tr("Valid until"), pair && st->cert.enc_not_after ? st->cert.enc_not_after : ""},
    };
    int ch = ui->portrait ? (ui->large ? c.h - 190 : 760) : c.h - 150;
    if (ui->large && st->cert.present) {
        /* large text: the days left go with the date, one row fewer */
        char until[96];
        (void)snprintf(until, sizeof until, "%s (%s)",
                       st->cert.not_after ? st->cert.not_after : "-", days);
        const char *const big[][2] = {
            {rows[0][0], rows[0][1]}, {rows[1][0], rows[1][1]}, {rows[2][0], rows[2][1]},
            {rows[3][0], until},      {rows[5][0], rows[5][1]}, {rows[6][0], rows[6][1]},
        };
        scr_rows(ui, kx_rect(c.x, c.y, c.w, ch), big, pair ? 6 : 4);
    } else
        scr_rows(ui, kx_rect(c.x, c.y, c.w, ch), rows, pair ? 7 : 5);
    if (st->cert.present && st->cert.days_left <= 30)
        scr_note(ui, kx_rect(c.x, c.y + ch + 40, c.w, 110),
                 st->cert.days_left < 0 ? kx_tr("This certificate has expired.")
                                        : kx_tr("This certificate expires soon."),
                 KX_C_WARN_LT, KX_C_WARN);
    scr_confirm_footer(ui, st, L, kx_tr("Continue"));
}

/* ---- PIN ---- */

/* scr_pin_pad - keypad feeding buf; OK returns 1. */
static int scr_pin_pad(kx_ui *ui, SDL_Rect r, kx_secbuf *buf, int min, int max, const char *ok)
{
    int key = kx_keypad(ui, r, ui->pin_order, (int)buf->len >= min, ok);
    if (key >= 0 && (int)buf->len < max && (int)buf->len < (int)buf->cap)
        kx_secbuf_append(buf, (unsigned char)('0' + key));
    else if (key == KX_KEY_BACKSPACE && buf->len > 0) {
        buf->len--;
        buf->data[buf->len] = '\0';
    }
    return key == KX_KEY_OK && (int)buf->len >= min;
}

static void scr_pin_regions(const kx_ui *ui, const kx_layout *L, SDL_Rect *fields,
                            SDL_Rect *pad)
{
    SDL_Rect c = L->content;
    if (ui->portrait) {
        *fields = kx_rect(c.x + 90, c.y, c.w - 180, 380);
        *pad = kx_rect(c.x + 120, c.y + 400, c.w - 240, c.h - 400);
    } else {
        *fields = kx_rect(c.x, c.y + 20, c.w * 45 / 100, c.h - 40);
        *pad = kx_rect(c.x + c.w * 52 / 100, c.y, c.w * 48 / 100, c.h);
    }
}

static void scr_pin_enter(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect fields, pad;
    int min = st->input.present ? st->input.min : KX_PIN_MIN;
    int max = st->input.present ? st->input.max : KX_PIN_MAX;
    scr_pin_regions(ui, L, &fields, &pad);
    kx_masked_field(ui, "pin", kx_rect(fields.x, fields.y, fields.w, 190), kx_tr("PIN"),
                    ui->pin1->len, max, 1);
    int y = fields.y + 215;
    if (st->n_body) /* why the PIN is asked (a resumed install) */
        y += scr_body(ui, st, kx_rect(fields.x, y, fields.w, 200), KX_LEFT).h + 20;
    if (st->input.present && st->input.tries_left >= 0) {
        char t[128];
        char n[16];
        snprintf(n, sizeof n, "%d", st->input.tries_left);
        kx_ui_format(t, sizeof t, N_("{n} tries left before the UKEY locks."), "n", n, NULL,
                     NULL);
        y += scr_note(ui, kx_rect(fields.x, y, fields.w, 90), t,
                      st->input.tries_left <= 3 ? KX_C_WARN_LT : KX_C_PRIMARY_LT,
                      st->input.tries_left <= 3 ? KX_C_WARN : KX_C_PRIMARY) +
             20;
    }
    kx_text_style ts = kx_style(28, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui, kx_tr("The keys are shuffled for your safety."),
            kx_rect(fields.x, y, fields.w, 60), &ts);
    if (scr_pin_pad(ui, pad, ui->pin1, min, max, kx_tr("OK")) &&
        kx_ui_state_accepts(st, KX_INTENT_PIN))
        kx_ui_send_pin(ui, 0);
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

static void scr_pin_new(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect fields, pad;
    int min = st->input.present ? st->input.min : KX_NEW_PIN_MIN;
    int max = st->input.present ? st->input.max : KX_PIN_MAX;
    char hint[128];
    scr_pin_regions(ui, L, &fields, &pad);
    int fh = ui->portrait ? 160 : 190;
    if (kx_masked_field(ui, "pin_first", kx_rect(fields.x, fields.y, fields.w, fh),
                        kx_tr("New PIN"), ui->pin1->len, max, ui->pin_field == 0))
        ui->pin_field = 0;
    if (kx_masked_field(ui, "pin_repeat", kx_rect(fields.x, fields.y + fh + 20, fields.w, fh),
                        kx_tr("Repeat the new PIN"), ui->pin2->len, max, ui->pin_field == 1) &&
        ui->pin1->len >= (size_t)min)
        ui->pin_field = 1;
    {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", min);
        snprintf(b, sizeof b, "%d", max);
        kx_ui_format(hint, sizeof hint, N_("{min} to {max} digits. Do not use your birthday."),
                     "min", a, "max", b);
    }
    kx_text_style ts = kx_style(28, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui, hint, kx_rect(fields.x, fields.y + 2 * fh + 40, fields.w, 90), &ts);
    if (ui->pin_field == 0) {
        if (scr_pin_pad(ui, pad, ui->pin1, min, max, kx_tr("Next")))
            ui->pin_field = 1;
    } else if (scr_pin_pad(ui, pad, ui->pin2, min, max, kx_tr("OK")) &&
               kx_ui_state_accepts(st, KX_INTENT_NEW_PIN))
        kx_ui_send_pin(ui, 1);
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

/* ---- money ---- */

static void scr_amount(kx_ui *ui, SDL_Rect r, const kx_ui_state *st)
{
    char amount[64];
    snprintf(amount, sizeof amount, "¥ %s",
             st->fee.present && st->fee.text ? st->fee.text : "-");
    kx_text_style as =
        kx_style(ui->portrait ? 110 : 96, KX_BOLD, KX_C_TEXT, KX_CENTER, KX_MIDDLE);
    kx_text(ui, amount, r, &as);
}

static void scr_fee_confirm(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content;
    SDL_Rect card = kx_rect(c.x, c.y, c.w, ui->portrait ? 620 : c.h - 40);
    kx_card(ui, card);
    kx_text_style ns = kx_style(44, KX_BOLD, KX_C_PRIMARY, KX_CENTER, KX_TOP);
    kx_text(
        ui, kx_ui_service_name(st->service),
        kx_rect(card.x + 40, card.y + (ui->large ? 46 : 60), card.w - 80, ui->large ? 100 : 80),
        &ns);
    scr_amount(ui, kx_rect(card.x, card.y + 150, card.w, 200), st);
    scr_body(ui, st, kx_rect(card.x + 60, card.y + 380, card.w - 120, card.h - 400), KX_CENTER);
    scr_confirm_footer(ui, st, L, kx_tr("Pay"));
}

static void scr_payment(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content;
    int qr = ui->portrait ? 620 : 520;
    SDL_Rect qcard = ui->portrait ? kx_rect(c.x + (c.w - qr - 80) / 2, c.y, qr + 80, qr + 80)
                                  : kx_rect(c.x + 60, c.y, qr + 80, qr + 80);
    kx_card(ui, qcard);
    if (st->payment.present && st->payment.qr)
        kx_qr(ui, kx_inset(qcard, 40), st->payment.qr);
    SDL_Rect info =
        ui->portrait
            ? kx_rect(c.x, qcard.y + qcard.h + 30, c.w, c.y + c.h - qcard.y - qcard.h - 30)
            : kx_rect(qcard.x + qcard.w + 80, c.y, c.x + c.w - qcard.x - qcard.w - 80, c.h);
    scr_amount(ui, kx_rect(info.x, info.y, info.w, 150), st);
    SDL_Rect used = scr_body(ui, st, kx_rect(info.x, info.y + 160, info.w, 180),
                             ui->portrait ? KX_CENTER : KX_LEFT);
    if (st->payment.present) {
        int warn = kx_ui_payment_left(ui) <= 60;
        SDL_Rect note = kx_rect(info.x, used.y + used.h + 30, info.w, ui->large ? 124 : 100);
        /* the countdown ticks over the cached frame (no whole redraw) */
        kx_text_style ts =
            kx_style(34, KX_BOLD, warn ? KX_C_WARN : KX_C_PRIMARY, KX_CENTER, KX_MIDDLE);
        ts.max_lines = 1;
        kx_round(ui, note, 20, warn ? KX_C_WARN_LT : KX_C_PRIMARY_LT);
        kx_text_ticking(ui, KX_TICK_PAYMENT, kx_inset(note, 24), &ts);
        if (st->payment.order) {
            char o[160];
            kx_text_style os = kx_style(26, KX_REGULAR, KX_C_MUTED,
                                        ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
            kx_ui_format(o, sizeof o, N_("Order {order}"), "order", st->payment.order, NULL,
                         NULL);
            kx_text(ui, o,
                    kx_rect(info.x, used.y + used.h + note.h + 50, info.w, ui->large ? 80 : 50),
                    &os);
        }
    }
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

/* ---- documents ---- */

static void scr_licence_place(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_place(ui, st, L, "licence_place",
              kx_tr("Face down, top edge to the arrow, QR code fully on the glass."), 200,
              kx_tr("Scan"));
}

static void scr_company_confirm(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    const char *const rows[][2] = {
        {kx_tr("Company"), st->company.name},
        {kx_tr("Credit code"), st->company.uscc},
        {kx_tr("Legal representative"), st->company.legal_rep},
    };
    if (st->n_previews > 0)
        kx_image(ui, L->art, st->previews[0].path);
    else
        kx_art(ui, "licence_place", L->art);
    scr_rows(
        ui,
        kx_rect(L->side.x, L->side.y, L->side.w, ui->portrait && !ui->large ? 480 : L->side.h),
        rows, 3);
    scr_retry_confirm_footer(ui, st, L, kx_tr("Scan again"), kx_tr("Correct"));
}

static void scr_idcard_place(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_place(
        ui, st, L, "idcard_place",
        kx_tr("Lay the ID card flat on the reader and keep it still until it has been read."),
        200, NULL);
}

/* scr_valid_to - an ID card's end of validity for people: a date as it
 * is, `long_term` (a card valid for life) as "Long-term", anything else
 * (a value this build does not know) left out rather than shown raw. */
static const char *scr_valid_to(const char *v)
{
    if (!v)
        return "";
    if (strcmp(v, "long_term") == 0)
        return kx_tr("Long-term");
    for (const char *p = v; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return "";
    return v;
}

static void scr_agent_confirm(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    char age[32];
    snprintf(age, sizeof age, "%ld", st->agent.age);
    const char *const rows[][2] = {
        {kx_tr("Name"), st->agent.name},
        {kx_tr("ID number"), st->agent.idnum_masked},
        {kx_tr("Age"), st->agent.present && st->agent.age >= 0 ? age : ""},
        {kx_tr("Card valid until"), scr_valid_to(st->agent.valid_to)},
    };
    kx_art(ui, "agent", L->art);
    scr_rows(
        ui,
        kx_rect(L->side.x, L->side.y, L->side.w, ui->portrait && !ui->large ? 560 : L->side.h),
        rows, 4);
    scr_retry_confirm_footer(ui, st, L, kx_tr("Read again"), kx_tr("Correct"));
}

static const char *scr_doc(const kx_ui_state *st)
{
    if (st->doc)
        return st->doc;
    return st->n_previews > 0 ? st->previews[0].doc : NULL;
}

static void scr_doc_place(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    const char *doc = scr_doc(st);
    const char *art = "doc_place";
    if (doc && strncmp(doc, "agent_id_", 9) == 0)
        art = strcmp(doc, "agent_id_back") == 0 ? "idcard_scan_back" : "idcard_scan_front";
    SDL_Rect used = scr_art_and_body(ui, st, L, art);
    int y = used.y + used.h + 24; /* the authorisation letter's blank form */
    kx_ui_print_form(ui, st, kx_rect(L->side.x, y, L->side.w, L->side.y + L->side.h - y));
    scr_confirm_footer(ui, st, L, kx_tr("Scan"));
}

static void scr_doc_review(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect area = ui->portrait
                        ? kx_rect(L->content.x, L->content.y, L->content.w, L->content.h - 140)
                        : L->art;
    if (st->n_previews > 0)
        kx_image(ui, area, st->previews[0].path);
    SDL_Rect t = ui->portrait ? kx_rect(L->content.x, L->content.y + L->content.h - 120,
                                        L->content.w, 120)
                              : L->side;
    kx_text_style ts = kx_style(36, KX_REGULAR, KX_C_TEXT, ui->portrait ? KX_CENTER : KX_LEFT,
                                ui->portrait ? KX_MIDDLE : KX_TOP);
    kx_text(ui, kx_tr("Is the whole page sharp and readable?"), t, &ts);
    scr_retry_confirm_footer(ui, st, L, kx_tr("Scan again"), kx_tr("Use this scan"));
}

/* ---- contact and agreement ---- */

static int scr_email_char_ok(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '@' || ch == '.' ||
           ch == '_' || ch == '-';
}

/* scr_phone_complete - the number typed has the shape of a whole one
 * (format only; kioskd checks it, domain/phone.h): a mobile's 11 digits
 * from 1, or a landline from 0 with its area code and local number (10
 * digits or more; a hyphen may follow the area code and go before an
 * extension). */
static int scr_phone_complete(const char *p)
{
    size_t digits = 0, hyphens = 0, n = strlen(p);
    for (size_t i = 0; i < n; i++)
        p[i] == '-' ? hyphens++ : digits++;
    if (p[0] == '1')
        return n == 11 && digits == 11;
    return p[0] == '0' && digits >= 10 && hyphens <= 2 && p[n - 1] != '-';
}

static void scr_contact(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content;
    SDL_Rect f1, f2, pad;
    size_t plen = strlen(ui->phone);
    int phone_ok = scr_phone_complete(ui->phone);
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    /* a number kioskd refused (domain/phone.h): said above the keypad */
    char refused[512] = "";
    if (st->error.present)
        kx_ui_text_format(&st->error.text, refused, sizeof refused);
    int pad_y = refused[0] ? 570 : 400;
    if (ui->portrait) {
        f1 = kx_rect(c.x, c.y, c.w, 170);
        f2 = kx_rect(c.x, c.y + 190, c.w, 170);
        pad = kx_rect(c.x, c.y + pad_y, c.w, c.h - pad_y);
    } else {
        f1 = kx_rect(c.x, c.y, c.w * 42 / 100, 170);
        f2 = kx_rect(c.x, c.y + 200, c.w * 42 / 100, 170);
        pad = kx_rect(c.x + c.w * 46 / 100, c.y, c.w * 54 / 100, c.h);
    }
    if (kx_text_field(ui, "phone", f1, kx_tr("Telephone (mobile or landline)"), ui->phone,
                      kx_tr("13800000000 or 0791-82097407"), ui->contact_field == 0))
        ui->contact_field = 0;
    if (kx_text_field(ui, "email", f2, kx_tr("E-mail (optional)"), ui->email,
                      kx_tr("name@example.com"), ui->contact_field == 1))
        ui->contact_field = 1;
    if (refused[0])
        scr_note(ui,
                 ui->portrait ? kx_rect(c.x, c.y + 390, c.w, 160)
                              : kx_rect(c.x, c.y + 390, c.w * 42 / 100, c.h - 390),
                 refused, KX_C_WARN_LT, KX_C_WARN);
    else if (!ui->portrait) {
        kx_text_style ts = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
        kx_text(ui, kx_tr("The CA sends the certificate's expiry reminders to this number."),
                kx_rect(c.x, c.y + 400, c.w * 42 / 100, 150), &ts);
    }
    if (ui->contact_field == 0) {
        SDL_Rect p = ui->portrait ? kx_rect(pad.x + 120, pad.y, pad.w - 240, pad.h) : pad;
        /* a landline's hyphen (0791-82097407): a key of its own under the
         * digits, the keypad's height shared by five rows */
        int kh = (p.h - 4 * 18) / 5;
        SDL_Rect dash = kx_rect(p.x, p.y + p.h - kh, p.w, kh);
        p.h -= kh + 18;
        int key = kx_keypad(ui, p, digits, phone_ok, kx_tr("Next"));
        int dash_ok = plen > 0 && ui->phone[0] == '0' && ui->phone[plen - 1] != '-' &&
                      plen + 1 < KX_UI_PHONE_MAX;
        if (kx_button_enabled(ui, "key_-", dash, kx_tr("Hyphen (-)"), KX_BTN_KEY, dash_ok)) {
            ui->phone[plen] = '-';
            ui->phone[plen + 1] = '\0';
        }
        if (key >= 0 && plen + 1 < KX_UI_PHONE_MAX && (ui->phone[0] != '1' || plen < 11)) {
            ui->phone[plen] = (char)('0' + key);
            ui->phone[plen + 1] = '\0';
        } else if (key == KX_KEY_BACKSPACE && plen > 0)
            ui->phone[plen - 1] = '\0';
        else if (key == KX_KEY_OK)
            ui->contact_field = 1;
    } else {
        size_t elen = strlen(ui->email);
        int ch = kx_keyboard(ui, pad, 1);
        if (ch == 1)
            kx_strlcat(ui->email, ".com", sizeof ui->email);
        else if (ch == '\b' && elen > 0)
            ui->email[elen - 1] = '\0';
        else if (ch == '\r')
            ui->contact_field = 0;
        else if (scr_email_char_ok(ch) && elen + 1 < sizeof ui->email) {
            ui->email[elen] = (char)ch;
            ui->email[elen + 1] = '\0';
        }
    }
    if (scr_footer(ui, st, L, kx_tr("Continue"), KX_BTN_PRIMARY,
                   phone_ok && kx_ui_state_accepts(st, KX_INTENT_CONTACT)))
        kx_ui_send_contact(ui);
}

/* scr_pager - the Previous and Next buttons of a paged list or text
 * (ui->choice_page of pages), each greyed out at its end. */
static void scr_pager(kx_ui *ui, SDL_Rect prev, const char *prev_label, SDL_Rect next,
                      const char *next_label, int pages)
{
    if (kx_button_enabled(ui, "page_prev", prev, prev_label, KX_BTN_SECONDARY,
                          ui->choice_page > 0))
        ui->choice_page--;
    if (kx_button_enabled(ui, "page_next", next, next_label, KX_BTN_SECONDARY,
                          ui->choice_page + 1 < pages))
        ui->choice_page++;
}

/* scr_agr_sentence - bytes of the first sentence of s (with its full stop
 * or semicolon and the spaces after it): where a paragraph too tall for a
 * page may be split. */
static size_t scr_agr_sentence(const char *s)
{
    size_t i = 0;
    while (s[i]) {
        if (strncmp(s + i, "。", 3) == 0 || strncmp(s + i, "；", 3) == 0) {
            i += 3;
            break;
        }
        if ((s[i] == '.' || s[i] == ';') && s[i + 1] == ' ') {
            i++;
            break;
        }
        i++;
    }
    while (s[i] == ' ')
        i++;
    return i;
}

/* scr_agr_page - lay out one page of the agreement from paragraph *p at
 * byte *off into height h (width w); draw it at (x, y) when draw, and move
 * *p and *off past it. A paragraph that does not fit what is left of the
 * page is split between sentences and goes on on the next page; the
 * title (the first paragraph) is bold. Text is never shrunk. */
static void scr_agr_page(kx_ui *ui, const kx_ui_state *st, int *p, size_t *off, SDL_Rect r,
                         int draw, const kx_text_style *body)
{
    char buf[4096];
    int used = 0, gap = 16;
    kx_text_style head = *body;
    head.weight = KX_BOLD;
    while (*p < st->agreement.n_paras) {
        const kx_text_style *ts = *p == 0 ? &head : body;
        const char *rest = st->agreement.paras[*p] + *off;
        size_t take = strlen(rest);
        int need = kx_text_measure(ui, rest, r.w, ts), last = 0;
        if (used + need > r.h) {
            /* the longest run of sentences that fits what is left */
            size_t n = 0, fit = 0;
            while (rest[n]) {
                n += scr_agr_sentence(rest + n);
                kx_strlcpy(buf, rest, n + 1 < sizeof buf ? n + 1 : sizeof buf);
                if (used + kx_text_measure(ui, buf, r.w, ts) > r.h)
                    break;
                fit = n;
            }
            if (fit == 0 && used > 0)
                break;
            take = fit ? fit : scr_agr_sentence(rest); /* one sentence at least */
            kx_strlcpy(buf, rest, take + 1 < sizeof buf ? take + 1 : sizeof buf);
            need = kx_text_measure(ui, buf, r.w, ts);
            last = 1;
        } else
            kx_strlcpy(buf, rest, sizeof buf);
        if (draw)
            kx_text(ui, buf, kx_rect(r.x, r.y + used, r.w, need), ts);
        used += need + gap;
        *off += take;
        if (!st->agreement.paras[*p][*off]) {
            (*p)++;
            *off = 0;
        }
        if (last)
            break;
    }
}

/* The agreement screen: the CA's whole agreement from the state (the
 * session's language), a page at a time at body size (large-text mode:
 * its size), with Previous page / Next page, "Page N of M" and a scroll
 * bar (under the text in portrait, beside it in landscape). */
static void scr_agreement(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content;
    kx_card(ui, c);
    SDL_Rect in = kx_inset(c, ui->portrait ? 36 : 32);
    kx_text_style ts = kx_style(scr_body_size(ui), KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
    ts.min_size = ts.size;
    if (!st->agreement.present) {
        /* kioskd could not read it: the body says so; nothing else shown */
        scr_body(ui, st, in, KX_LEFT);
        scr_confirm_footer(ui, st, L, kx_tr("I agree"));
        return;
    }
    int bh = ui->portrait ? L->footer.h : 120, bw = ui->portrait ? 270 : 280, bar = 12;
    SDL_Rect text, track, prev, next, lab;
    if (ui->portrait) {
        int ny = in.y + in.h - bh;
        text = kx_rect(in.x, in.y, in.w - bar - 24, ny - 24 - in.y);
        track = kx_rect(in.x + in.w - bar, in.y, bar, text.h);
        prev = kx_rect(in.x, ny, bw, bh);
        next = kx_rect(in.x + in.w - bw, ny, bw, bh);
        lab = kx_rect(prev.x + bw + 16, ny, in.w - 2 * bw - 32, bh);
    } else {
        int nx = in.x + in.w - bw;
        text = kx_rect(in.x, in.y, nx - 56 - bar - in.x, in.h);
        track = kx_rect(nx - 28 - bar, in.y, bar, in.h);
        prev = kx_rect(nx, in.y, bw, bh);
        next = kx_rect(nx, in.y + in.h - bh, bw, bh);
        lab = kx_rect(nx, prev.y + bh, bw, next.y - prev.y - bh);
    }
    /* count the pages and find where the shown one starts */
    int pages = 0, p = 0, start_p = 0;
    size_t off = 0, start_off = 0;
    if (ui->choice_page < 0)
        ui->choice_page = 0;
    while (p < st->agreement.n_paras && pages < 500) {
        if (pages <= ui->choice_page) {
            start_p = p;
            start_off = off;
        }
        scr_agr_page(ui, st, &p, &off, text, 0, &ts);
        pages++;
    }
    if (pages < 1)
        pages = 1;
    if (ui->choice_page >= pages)
        ui->choice_page = pages - 1;
    p = start_p;
    off = start_off;
    scr_agr_page(ui, st, &p, &off, text, 1, &ts);
    /* scroll bar: the shown page's place and share of the whole */
    kx_round(ui, track, bar / 2, KX_C_LINE);
    int thumb = track.h / pages > 48 ? track.h / pages : 48;
    int pos = pages > 1 ? (track.h - thumb) * ui->choice_page / (pages - 1) : 0;
    kx_round(ui, kx_rect(track.x, track.y + pos, bar, thumb), bar / 2, KX_C_PRIMARY);
    char label[96], n1[16], n2[16];
    snprintf(n1, sizeof n1, "%d", ui->choice_page + 1);
    snprintf(n2, sizeof n2, "%d", pages);
    kx_ui_format(label, sizeof label, N_("Page {page} of {pages}"), "page", n1, "pages", n2);
    scr_pager(ui, prev, kx_tr("Previous page"), next, kx_tr("Next page"), pages);
    kx_text_style ps =
        kx_style(scr_body_size(ui), KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
    ps.label = 1; /* the pager's: may shrink in large-text mode like its buttons */
    kx_text(ui, label, lab, &ps);
    scr_confirm_footer(ui, st, L, kx_tr("I agree"));
}

/* ---- seals ---- */

static void scr_seal_place(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_place(ui, st, L, "seal_sheet",
              kx_tr("Row 1: company seal. Row 2: legal representative's seal. Row 3: "
                    "signature. Twice each, in the middle of the boxes, never across a line."),
              ui->large      ? -(ui->portrait ? 190 : 170)
              : ui->portrait ? 260
                             : 330,
              kx_tr("Scan"));
    /* the blank seal sheet, above the footer */
    int h = ui->portrait ? 170 : 150;
    kx_ui_print_form(ui, st, kx_rect(L->side.x, L->side.y + L->side.h - h, L->side.w, h));
}

/* scr_row_name - a seal sheet row (docs/protocol.md `seal_cells`) for
 * people; a row this build does not know is "Seal", never its key. */
static const char *scr_row_name(const char *row)
{
    if (row && strcmp(row, "company_seal") == 0)
        return kx_tr("Company seal");
    if (row && strcmp(row, "legal_seal") == 0)
        return kx_tr("Legal representative's seal");
    if (row && strcmp(row, "signature") == 0)
        return kx_tr("Signature");
    return kx_tr("Seal");
}

/* scr_seal_cells_large - the seal review's cells in large text, from y in
 * `in`: the usable ones named in one paragraph, each rejected one as a
 * red note saying which cell and what to do. */
static void scr_seal_cells_large(kx_ui *ui, const kx_ui_state *st, SDL_Rect in, int y)
{
    char ok[1024] = "", list[768] = "";
    for (int i = 0; i < st->n_cells; i++) {
        char label[160];
        if (strcmp(st->cells[i].verdict, "ok") != 0)
            continue;
        snprintf(label, sizeof label, "%s %d", scr_row_name(st->cells[i].row),
                 st->cells[i].cell + 1);
        if (list[0])
            kx_strlcat(list, kx_tr(", "), sizeof list);
        kx_strlcat(list, label, sizeof list);
    }
    if (list[0]) {
        kx_text_style os = kx_style(32, KX_BOLD, KX_C_OK, KX_LEFT, KX_TOP);
        kx_ui_format(ok, sizeof ok, N_("{verdict}: {cells}"), "verdict", kx_tr("Usable"),
                     "cells", list);
        y +=
            kx_text(ui, ok, kx_rect(in.x, y, in.w, kx_text_measure(ui, ok, in.w, &os)), &os).h +
            16;
    }
    for (int i = 0; i < st->n_cells; i++) {
        char msg[512], label[160], line[768];
        if (strcmp(st->cells[i].verdict, "ok") == 0)
            continue;
        (void)snprintf(label, sizeof label, "%s %d", scr_row_name(st->cells[i].row),
                       st->cells[i].cell + 1);
        kx_ui_text_format(&st->cells[i].text, msg, sizeof msg);
        kx_ui_format(line, sizeof line, N_("{verdict}: {cells}"), "verdict", label, "cells",
                     msg[0] ? msg : kx_tr("Not usable"));
        kx_text_style ms = kx_style(30, KX_REGULAR, KX_C_DANGER, KX_LEFT, KX_TOP);
        int h = kx_text_measure(ui, line, in.w - 36, &ms) + 36;
        kx_round(ui, kx_rect(in.x, y, in.w, h), 16, KX_C_DANGER_LT);
        kx_text(ui, line, kx_inset(kx_rect(in.x, y, in.w, h), 18), &ms);
        y += h + 12;
    }
}

static void scr_seal_review(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    int ih = ui->large ? 340 : 500; /* large text: the scan smaller, the verdicts larger */
    SDL_Rect img =
        ui->portrait ? kx_rect(L->content.x, L->content.y, L->content.w, ih) : L->art;
    SDL_Rect tab = ui->portrait ? kx_rect(L->content.x, L->content.y + ih + 30, L->content.w,
                                          L->content.h - ih - 30)
                                : L->side;
    if (st->n_previews > 0)
        kx_image(ui, img, st->previews[0].path);
    kx_card(ui, tab);
    SDL_Rect in = kx_inset(tab, ui->large ? 16 : 28);
    SDL_Rect b =
        scr_body(ui, st, kx_rect(in.x, in.y, in.w, ui->large ? in.h / 3 : 110), KX_LEFT);
    int y = b.y + b.h + 16;
    if (ui->large) {
        scr_seal_cells_large(ui, st, in, y);
        scr_retry_confirm_footer(ui, st, L, kx_tr("Scan again"), kx_tr("Continue"));
        return;
    }
    int n_fail = 0;
    for (int i = 0; i < st->n_cells; i++)
        n_fail += strcmp(st->cells[i].verdict, "ok") != 0;
    /* one compact row per cell; what to do about each rejected cell is
     * spelled out below the rows, full width, where it can be read */
    int rows_h = (in.y + in.h - y) * (n_fail ? 55 : 100) / 100;
    int rh = rows_h / (st->n_cells > 0 ? st->n_cells : 1);
    if (rh > 80)
        rh = 80;
    int lw = in.w - 80 - (ui->portrait ? 200 : 180);
    for (int i = 0; i < st->n_cells; i++) {
        int ok = strcmp(st->cells[i].verdict, "ok") == 0;
        char label[160];
        (void)snprintf(label, sizeof label, "%s %d", scr_row_name(st->cells[i].row),
                       st->cells[i].cell + 1);
        int dr = rh / 2 - 3 < 22 ? rh / 2 - 3 : 22;
        kx_disc(ui, in.x + 24, y + rh / 2, dr, ok ? KX_C_OK : KX_C_DANGER);
        kx_text_style is =
            kx_style(dr * 13 / 10, KX_BOLD, KX_C_ON_PRIMARY, KX_CENTER, KX_MIDDLE);
        kx_text(ui, ok ? "✓" : "!", kx_rect(in.x + 24 - dr, y + rh / 2 - dr, 2 * dr, 2 * dr),
                &is);
        kx_text_style ls = kx_style(32, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_MIDDLE);
        ls.max_lines = 1;
        kx_text(ui, label, kx_rect(in.x + 66, y, lw, rh), &ls);
        kx_text_style vs =
            kx_style(30, KX_BOLD, ok ? KX_C_OK : KX_C_DANGER, KX_RIGHT, KX_MIDDLE);
        kx_text(ui, ok ? kx_tr("Usable") : kx_tr("Not usable"),
                kx_rect(in.x + 66 + lw, y, in.w - 66 - lw, rh), &vs);
        y += rh;
    }
    if (n_fail) {
        int nh = (in.y + in.h - y - 12) / n_fail - 12;
        if (nh > 190)
            nh = 190;
        y += 12;
        for (int i = 0; i < st->n_cells; i++) {
            char msg[512];
            if (strcmp(st->cells[i].verdict, "ok") == 0)
                continue;
            kx_ui_text_format(&st->cells[i].text, msg, sizeof msg);
            if (!msg[0])
                kx_strlcpy(msg, kx_tr("Not usable"), sizeof msg);
            kx_text_style ms = kx_style(30, KX_REGULAR, KX_C_DANGER, KX_LEFT, KX_MIDDLE);
            kx_round(ui, kx_rect(in.x, y, in.w, nh), 16, KX_C_DANGER_LT);
            kx_text(ui, msg, kx_inset(kx_rect(in.x, y, in.w, nh), 18), &ms);
            y += nh + 12;
        }
    }
    scr_retry_confirm_footer(ui, st, L, kx_tr("Scan again"), kx_tr("Continue"));
}

/* ---- review ---- */

static void scr_review_wait(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect a = L->art;
    kx_art(ui, "review", kx_rect(a.x, a.y, a.w, a.h - 140));
    kx_spinner(ui, a.x + a.w / 2, a.y + a.h - 60, 56, KX_C_PRIMARY);
    SDL_Rect used = scr_body(ui, st, kx_rect(L->side.x, L->side.y, L->side.w, 200),
                             ui->portrait ? KX_CENTER : KX_LEFT);
    int y = used.y + used.h + 30;
    if (st->has_progress) {
        kx_progress_bar(ui, kx_rect(L->side.x, y, L->side.w, 24), st->progress, KX_C_PRIMARY);
        y += 60;
    }
    kx_text_style ts =
        kx_style(34, KX_REGULAR, KX_C_MUTED, ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
    kx_text(ui, kx_tr("This usually takes a few minutes. Please stay at the kiosk."),
            kx_rect(L->side.x, y, L->side.w, 160), &ts);
    if (st->error.present) {
        /* a staff approval the CA refused: the review goes on */
        char t[512];
        kx_ui_text_format(&st->error.text, t, sizeof t);
        scr_note(ui, kx_rect(L->side.x, y + 180, L->side.w, 130), t, KX_C_WARN_LT, KX_C_WARN);
    }
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

/* ---- revoke ---- */

static void scr_choices(kx_ui *ui, const kx_ui_state *st, const kx_layout *L, int tiles)
{
    SDL_Rect c = L->content;
    int n = st->n_choices, gap = 28, first = 0, last = n;
    int enabled = kx_ui_state_accepts(st, KX_INTENT_CHOOSE);
    int cap = ui->portrait ? 170 : 104;
    if (ui->large && !tiles) { /* rows as tall as the longest label needs */
        kx_text_style ls = kx_style(40, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_MIDDLE);
        for (int i = 0; i < n; i++) {
            char label[512];
            kx_ui_text_format(&st->choices[i].text, label, sizeof label);
            int h = kx_text_measure(ui, label, c.w - 72, &ls) + 44;
            cap = h > cap ? h : cap;
        }
    }
    if (!tiles && n > 1 && (c.h - gap * (n - 1)) / n < (ui->large ? cap : cap * 3 / 4)) {
        /* more than fit (the RA's list of a company's certificates): a
         * page of full-size rows, Previous / Next under them */
        SDL_Rect pr = kx_rect(c.x, c.y + c.h - 110, c.w / 2 - 14, 110);
        SDL_Rect nr = kx_rect(c.x + c.w / 2 + 14, c.y + c.h - 110, c.w / 2 - 14, 110);
        int per = (c.h - 110 - gap + gap) / (cap + gap), pages;
        if (per < 1)
            per = 1;
        pages = (n + per - 1) / per;
        if (ui->choice_page >= pages)
            ui->choice_page = pages - 1;
        scr_pager(ui, pr, kx_tr("Previous"), nr, kx_tr("Next"), pages);
        first = ui->choice_page * per;
        last = first + per < n ? first + per : n;
        c.h = per * (cap + gap) - gap;
        n = per;
    }
    for (int i = first; i < last; i++) {
        char id[48], label[512];
        SDL_Rect r;
        if (tiles) {
            int cols = ui->portrait ? 1 : n, tw = (c.w - gap * (cols - 1)) / cols;
            int th = ui->portrait ? 320 : c.h - 40;
            r = kx_rect(c.x + (i % cols) * (tw + gap), c.y + (i / cols) * (th + gap), tw, th);
        } else {
            int bh = (c.h - gap * (n - 1)) / (n > 0 ? n : 1);
            if (bh > cap)
                bh = cap;
            r = kx_rect(c.x, c.y + (i - first) * (bh + gap), c.w, bh);
        }
        snprintf(id, sizeof id, "choice_%s", st->choices[i].value);
        kx_ui_text_format(&st->choices[i].text, label, sizeof label);
        int tapped;
        if (tiles) {
            tapped = kx_button(ui, id, r, NULL, KX_BTN_TILE);
            int lh = ui->large ? 200 : 120; /* large text: less picture, more words */
            kx_art(ui, i == 0 ? "ukey_insert" : "licence_place",
                   kx_rect(r.x + 30, r.y + 30, r.w - 60, r.h - lh - 50));
            kx_text_style ls = kx_style(42, KX_BOLD, KX_C_TEXT, KX_CENTER, KX_MIDDLE);
            kx_text(ui, label, kx_rect(r.x + 30, r.y + r.h - lh - 20, r.w - 60, lh), &ls);
        } else {
            tapped = kx_button(ui, id, r, NULL, KX_BTN_TILE);
            kx_text_style ls = kx_style(40, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_MIDDLE);
            kx_text(ui, label, kx_inset(kx_rect(r.x + 16, r.y, r.w - 32, r.h), 20), &ls);
        }
        if (tapped && enabled)
            kx_ui_intent_value(ui, KX_INTENT_CHOOSE, "value", st->choices[i].value);
    }
}

static void scr_revoke_method(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_choices(ui, st, L, 1);
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

static void scr_revoke_reason(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_choices(ui, st, L, 0);
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

/* scr_revoke_pick - revocation without the UKEY: the company's valid
 * certificates as the RA lists them (and "all"), one button each. */
static void scr_revoke_pick(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content;
    int bh =
        st->n_body
            ? scr_body(ui, st, kx_rect(c.x, c.y, c.w, ui->large ? c.h / 3 : 150), KX_LEFT).h +
                  30
            : 0;
    kx_layout below = *L;
    below.content = kx_rect(c.x, c.y + bh, c.w, c.h - bh);
    scr_choices(ui, st, &below, 0);
    scr_footer(ui, st, L, NULL, KX_BTN_PRIMARY, 0);
}

static void scr_revoke_confirm(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content;
    const char *const rows[][2] = {
        {kx_tr("Company"), st->cert.present ? st->cert.company : st->company.name},
        {kx_tr("Credit code"), st->cert.present ? st->cert.uscc : st->company.uscc},
        {kx_tr("Serial number"), st->cert.present ? st->cert.serial : ""},
    };
    int ch = ui->portrait ? 520 : c.h - (ui->large ? 190 : 170);
    scr_rows(ui, kx_rect(c.x, c.y, c.w, ch), rows, 3);
    scr_note(ui, kx_rect(c.x, c.y + ch + 40, c.w, 130),
             kx_tr("A revoked certificate cannot be used again. This cannot be undone."),
             KX_C_DANGER_LT, KX_C_DANGER);
    if (scr_footer(ui, st, L,
                   kx_ui_state_accepts(st, KX_INTENT_CONFIRM) ? kx_tr("Revoke now") : NULL,
                   KX_BTN_DANGER, 1))
        kx_ui_intent(ui, KX_INTENT_CONFIRM);
}

/* ---- endings ---- */

static void scr_done(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    int reminder = ui->session_had_ukey;
    kx_art(ui, reminder ? "ukey_take" : "done", L->art);
    /* large text: the paragraphs (certificate, validity, seals) take what
     * the reminder leaves */
    int bh = ui->large ? L->side.h - (reminder ? 200 : 30) : L->side.h / 2;
    SDL_Rect used = scr_body(ui, st, kx_rect(L->side.x, L->side.y, L->side.w, bh),
                             ui->portrait ? KX_CENTER : KX_LEFT);
    if (reminder) {
        scr_note(ui, kx_rect(L->side.x, used.y + used.h + 30, L->side.w, 140),
                 kx_tr("Take your UKEY with you."), KX_C_WARN_LT, KX_C_WARN);
        ui->reminder_shown_on_screen = 1;
    }
    int y = used.y + used.h + (reminder ? 200 : 30); /* the receipt */
    kx_ui_print_status(ui, st, kx_rect(L->side.x, y, L->side.w, L->side.y + L->side.h - y));
    scr_confirm_footer(ui, st, L, reminder ? kx_tr("I have my UKEY") : kx_tr("Finish"));
}

static void scr_cancelled(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect used = scr_art_and_body(ui, st, L, "cancelled");
    int y = used.y + used.h + 30; /* the refund's receipt */
    kx_ui_print_status(ui, st, kx_rect(L->side.x, y, L->side.w, L->side.y + L->side.h - y));
    scr_confirm_footer(ui, st, L, kx_tr("Back to the start"));
}

static void scr_error(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    char what[512], action[512];
    kx_art(ui, "error", L->art);
    kx_ui_text_format(&st->error.text, what, sizeof what);
    kx_ui_text_format(&st->error.action, action, sizeof action);
    kx_text_style ws =
        kx_style(44, KX_BOLD, KX_C_DANGER, ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
    SDL_Rect s = L->side;
    int wh = ui->large ? kx_text_measure(ui, what, s.w, &ws) : 150;
    SDL_Rect w = kx_text(ui, what, kx_rect(s.x, s.y, s.w, wh), &ws);
    kx_text_style as = kx_style(38, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_MIDDLE);
    int ah = ui->large ? kx_text_measure(ui, action, s.w - 80, &as) + 80 : 0;
    SDL_Rect card = kx_rect(s.x, w.y + w.h + 30, s.w,
                            ah > (ui->portrait ? 260 : 300) ? ah
                            : ui->portrait                  ? 260
                                                            : 300);
    kx_card(ui, card);
    kx_text(ui, action, kx_inset(card, 40), &as);
    if (kx_ui_state_accepts(st, KX_INTENT_RETRY)) {
        if (scr_footer(ui, st, L, kx_tr("Try again"), KX_BTN_PRIMARY, 1))
            kx_ui_intent(ui, KX_INTENT_RETRY);
    } else
        scr_confirm_footer(ui, st, L, kx_tr("OK"));
}

static void scr_staff_needed(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_art_and_body(ui, st, L, "staff");
    scr_confirm_footer(ui, st, L, kx_tr("Back to the start")); /* when it may be left */
}

static void scr_out_of_service(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect used = scr_art_and_body(ui, st, L, "out_of_service");
    kx_text_style ts =
        kx_style(36, KX_REGULAR, KX_C_MUTED, ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
    kx_text(ui, kx_tr("Please go to the service counter. We apologise for the inconvenience."),
            kx_rect(L->side.x, used.y + used.h + 20, L->side.w, 200), &ts);
}

void kx_screen_unavailable(kx_ui *ui, const kx_layout *L)
{
    SDL_Rect a = L->art;
    kx_art(ui, "out_of_service", kx_rect(a.x, a.y, a.w, a.h - 150));
    kx_spinner(ui, a.x + a.w / 2, a.y + a.h - 60, 50, KX_C_PRIMARY);
    kx_text_style ts =
        kx_style(40, KX_REGULAR, KX_C_TEXT, ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
    SDL_Rect used = kx_text(
        ui,
        kx_tr("The kiosk is reconnecting to its service. This usually takes a few "
              "seconds; no data is lost."),
        kx_rect(L->side.x, L->side.y, L->side.w, ui->large ? L->side.h - 200 : 240), &ts);
    kx_text_style ms =
        kx_style(32, KX_REGULAR, KX_C_MUTED, ui->portrait ? KX_CENTER : KX_LEFT, KX_TOP);
    int y = ui->large ? used.y + used.h + 20 : L->side.y + 260;
    kx_text(ui, kx_tr("If this lasts, please ask a member of staff."),
            kx_rect(L->side.x, y, L->side.w, ui->large ? L->side.y + L->side.h - y : 120), &ms);
}

/* Unknown screen id (a newer kioskd): title, body and the plain intents. */
static void scr_generic(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    scr_body(ui, st, L->content, KX_CENTER);
    if (kx_ui_state_accepts(st, KX_INTENT_RETRY)) {
        if (scr_footer(ui, st, L, kx_tr("Try again"), KX_BTN_PRIMARY, 1))
            kx_ui_intent(ui, KX_INTENT_RETRY);
    } else
        scr_confirm_footer(ui, st, L, kx_tr("Continue"));
}

static const kx_screen_fn screen_table[KX_SCREEN_COUNT] = {
    [KX_SCREEN_HOME] = scr_home,
    [KX_SCREEN_BUSY] = scr_busy,
    [KX_SCREEN_UKEY_INSERT] = scr_ukey_insert,
    [KX_SCREEN_UKEY_BLANK_INSERT] = scr_ukey_blank,
    [KX_SCREEN_CERT_SHOW] = scr_cert_show,
    [KX_SCREEN_PIN_ENTER] = scr_pin_enter,
    [KX_SCREEN_PIN_NEW] = scr_pin_new,
    [KX_SCREEN_FEE_CONFIRM] = scr_fee_confirm,
    [KX_SCREEN_PAYMENT] = scr_payment,
    [KX_SCREEN_LICENCE_PLACE] = scr_licence_place,
    [KX_SCREEN_COMPANY_CONFIRM] = scr_company_confirm,
    [KX_SCREEN_IDCARD_PLACE] = scr_idcard_place,
    [KX_SCREEN_AGENT_CONFIRM] = scr_agent_confirm,
    [KX_SCREEN_DOC_PLACE] = scr_doc_place,
    [KX_SCREEN_DOC_REVIEW] = scr_doc_review,
    [KX_SCREEN_CONTACT] = scr_contact,
    [KX_SCREEN_AGREEMENT] = scr_agreement,
    [KX_SCREEN_SEAL_PLACE] = scr_seal_place,
    [KX_SCREEN_SEAL_REVIEW] = scr_seal_review,
    [KX_SCREEN_REVIEW_WAIT] = scr_review_wait,
    [KX_SCREEN_REVOKE_METHOD] = scr_revoke_method,
    [KX_SCREEN_REVOKE_REASON] = scr_revoke_reason,
    [KX_SCREEN_REVOKE_PICK] = scr_revoke_pick,
    [KX_SCREEN_REVOKE_CONFIRM] = scr_revoke_confirm,
    [KX_SCREEN_DONE] = scr_done,
    [KX_SCREEN_CANCELLED] = scr_cancelled,
    [KX_SCREEN_ERROR] = scr_error,
    [KX_SCREEN_STAFF_NEEDED] = scr_staff_needed,
    [KX_SCREEN_OUT_OF_SERVICE] = scr_out_of_service,
    [KX_SCREEN_FORM_REVIEW] = kx_screen_form_review,
};

SDL_Rect kx_screen_body(kx_ui *ui, const kx_ui_state *st, SDL_Rect r, int halign)
{
    return scr_body(ui, st, r, halign);
}

void kx_screen_confirm_footer(kx_ui *ui, const kx_ui_state *st, const kx_layout *L,
                              const char *label)
{
    scr_confirm_footer(ui, st, L, label);
}

int kx_screen_prewarm(kx_ui *ui, int i)
{
    /* the illustrations shown at the full art size, then the busy ones */
    static const char *const full[] = {
        "ukey_insert",      "ukey_blank", "licence_place", "idcard_place", "idcard_scan_front",
        "idcard_scan_back", "doc_place",  "seal_sheet",    "agent",        "done",
        "ukey_take",        "cancelled",  "error",         "staff"};
    static const char *const busy[] = {"ukey_busy", "scanner_busy", "idcard_busy",
                                       "cloud_busy"};
    const int nf = (int)(sizeof full / sizeof full[0]),
              nb = (int)(sizeof busy / sizeof busy[0]);
    kx_layout L = kx_ui_layout_get(ui);
    SDL_Rect a = L.art;
    if (i < nf)
        kx_art_prewarm(ui, full[i], L.art);
    else if (i < nf + nb)
        kx_art_prewarm(ui, busy[i - nf], scr_busy_art_rect(ui, &L));
    else if (i == nf + nb) /* the review and unavailable screens, the dialogs (app.c) */
        kx_art_prewarm(ui, "review", kx_rect(a.x, a.y, a.w, a.h - 140));
    else if (i == nf + nb + 1)
        kx_art_prewarm(ui, "out_of_service", kx_rect(a.x, a.y, a.w, a.h - 150));
    else if (i == nf + nb + 2)
        kx_art_prewarm(ui, "ukey_take", kx_rect(0, 0, kx_dialog_inner(ui, 900).w, 380));
    else if (i == nf + nb + 3)
        kx_art_prewarm(ui, "timer", kx_rect(0, 0, kx_dialog_inner(ui, 700).w, 170));
    else
        return 0;
    return 1;
}

kx_screen_fn kx_screen_for(kx_screen s)
{
    if ((unsigned)s < KX_SCREEN_COUNT && screen_table[s])
        return screen_table[s];
    return scr_generic;
}
