/* SPDX-License-Identifier: MIT */
/*
 * staff_assist.c - the assisted-mode screens (docs/ui-staff-screens.md):
 * staff login (number or staff UKEY, PIN on a shuffled keypad), the panel
 * offering what the current customer screen allows, the reason screen and
 * the action it confirms, manual ID entry, and a payment taken at the
 * counter. Requests go through the client in staff.c; kioskd authorises
 * and records every action.
 *
 * Privacy: the PIN stays in the staff state's kx_secbuf; the ID data typed
 * by hand is wiped when the screen closes (kx_staff_go).
 *
 * Map: login - panel - reason - manual ID entry - counter payment.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ui/staff_internal.h"

/* ---- login ---- */

/* assist_pin_pad - the member's PIN on the shuffled keypad into s->pin;
 * 1 when OK was tapped (OK needs 4 digits and ok_enabled). */
static int assist_pin_pad(kx_ui *ui, SDL_Rect pad, int ok_enabled, const char *ok_label)
{
    kx_staff_ui *s = ui->staff;
    int key = kx_keypad(ui, pad, s->order, s->pin->len >= 4 && ok_enabled, ok_label);
    if (key >= 0 && s->pin->len < s->pin->cap)
        kx_secbuf_append(s->pin, (unsigned char)('0' + key));
    else if (key == KX_KEY_BACKSPACE && s->pin->len > 0) {
        s->pin->len--;
        s->pin->data[s->pin->len] = '\0';
    }
    return key == KX_KEY_OK;
}

void kx_staff_draw_login(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect fields, pad;
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    kx_staff_title(ui, L, kx_tr("Staff login"));
    kx_staff_regions(ui, L, 510, 90, 46, &fields, &pad);
    kx_text_style hs = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui,
            s->by_token ? kx_tr("Insert your staff UKEY and enter its PIN.")
                        : kx_tr("Enter your staff number and PIN."),
            kx_rect(fields.x, fields.y, fields.w, 50), &hs);
    if (s->by_token) {
        kx_art(ui, "ukey_insert", kx_rect(fields.x, fields.y + 60, fields.w, 160));
    } else if (kx_text_field(ui, "staff_id", kx_rect(fields.x, fields.y + 60, fields.w, 160),
                             kx_tr("Staff number"), s->id, "", s->field == 0)) {
        s->field = 0;
    }
    if (kx_masked_field(ui, "staff_pin", kx_rect(fields.x, fields.y + 240, fields.w, 160),
                        kx_tr("PIN"), s->pin->len, KX_PIN_MAX, s->field == 1))
        s->field = 1;
    kx_staff_message(ui, kx_rect(fields.x, fields.y + 420, fields.w, 90));
    if (kx_staff_pending(ui, pad, kx_tr("Please wait"))) {
        kx_staff_footer(ui, L, kx_tr("Close"), STAFF_NONE, NULL, 0);
        return;
    }
    if (s->field == 0) {
        size_t n = strlen(s->id);
        int key = kx_keypad(ui, pad, digits, n > 0, kx_tr("Next"));
        if (key >= 0 && n < KX_STAFF_ID_MAX) {
            s->id[n] = (char)('0' + key);
            s->id[n + 1] = '\0';
        } else if (key == KX_KEY_BACKSPACE && n > 0)
            s->id[n - 1] = '\0';
        else if (key == KX_KEY_OK)
            s->field = 1;
    } else {
        if (assist_pin_pad(ui, pad, s->id[0] || s->by_token, kx_tr("Log in")))
            kx_staff_send_login(ui);
    }
    if (kx_staff_footer(ui, L, kx_tr("Close"), STAFF_NONE,
                        s->by_token ? kx_tr("Log in with a staff number")
                                    : kx_tr("Log in with a staff UKEY"),
                        !s->seq)) {
        s->by_token = !s->by_token;
        s->field = s->by_token ? 1 : 0;
        kx_secbuf_clear(s->pin);
        s->msg[0] = '\0';
    }
}

/* ---- the panel: what the current customer screen allows ---- */

static int assist_screen_is(const kx_ui *ui, kx_screen scr)
{
    return ui->st && ui->st->screen == scr;
}

static int assist_idcard_step(const kx_ui *ui)
{
    const kx_ui_state *st = ui->st;
    return st &&
           (st->screen == KX_SCREEN_IDCARD_PLACE ||
            (st->screen == KX_SCREEN_ERROR && st->error.present &&
             st->error.code >= KX_ERR_CARD_ABSENT && st->error.code < KX_ERR_TOKEN_ABSENT));
}

void kx_staff_ask_reason(kx_ui *ui, kx_staff_action a, kx_staff_screen back)
{
    kx_staff_ui *s = ui->staff;
    s->screen = STAFF_REASON;
    s->back = back;
    s->action = a;
    s->preset = -1;
    s->other[0] = '\0';
    s->msg[0] = '\0';
    kx_strlcpy(s->session, ui->st && ui->st->session ? ui->st->session : "", sizeof s->session);
}

/* buttons laid out in a grid, in the order they are drawn */
typedef struct assist_grid {
    int x, y, w, h, gap, cols, i;
} assist_grid;

static int assist_grid_button(kx_ui *ui, assist_grid *g, const char *id, const char *label,
                              kx_button_kind kind)
{
    SDL_Rect r = kx_rect(g->x + (g->i % g->cols) * (g->w + g->gap),
                         g->y + (g->i / g->cols) * (g->h + g->gap), g->w, g->h);
    g->i++;
    return kx_button(ui, id, r, label, kind);
}

void kx_staff_draw_panel(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    const kx_ui_state *st = ui->st;
    SDL_Rect c = L->content;
    char t[256];
    kx_staff_title(ui, L,
                   kx_ui_format(t, sizeof t, N_("Assisted mode: {name}"), "name",
                                st && st->staff.name ? st->staff.name : "", NULL, NULL));
    int y = c.y, bh = ui->portrait ? 130 : 100, gap = 22, cols = ui->portrait ? 1 : 2;
    int bw = (c.w - (cols - 1) * gap) / cols;
    if (st && st->staff.idle_left >= 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", st->staff.idle_left);
        kx_text_style ts = kx_style(28, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
        kx_text(ui,
                kx_ui_format(t, sizeof t,
                             N_("Assisted mode ends in {seconds} seconds without activity."),
                             "seconds", secs, NULL, NULL),
                kx_rect(c.x, y, c.w, 50), &ts);
    }
    y += 70;
    kx_staff_message(ui, kx_rect(c.x, y, c.w, 90));
    if (s->msg[0])
        y += 110;
    assist_grid g = {c.x, y, bw, bh, gap, cols, 0};
#define ASSIST_BUTTON(id, label, kind) assist_grid_button(ui, &g, id, label, kind)
    if (assist_screen_is(ui, KX_SCREEN_REVIEW_WAIT)) {
        if (ASSIST_BUTTON("staff_approve", kx_tr("Approve the case"), KX_BTN_PRIMARY)) {
            kx_staff_intent(ui, "staff_approve", NULL);
            s->screen = STAFF_NONE;
        }
        if (ASSIST_BUTTON("staff_reject", kx_tr("Reject the case"), KX_BTN_SECONDARY))
            kx_staff_ask_reason(ui, STAFF_ACT_REJECT, STAFF_PANEL);
    }
    if (assist_screen_is(ui, KX_SCREEN_STAFF_NEEDED) &&
        ASSIST_BUTTON("staff_override", kx_tr("Accept the credit code"), KX_BTN_PRIMARY))
        kx_staff_ask_reason(ui, STAFF_ACT_OVERRIDE, STAFF_PANEL);
    if (assist_screen_is(ui, KX_SCREEN_PAYMENT) && st->payment.present &&
        ASSIST_BUTTON("staff_counter_paid", kx_tr("Record a payment taken at the counter"),
                      KX_BTN_PRIMARY)) {
        kx_staff_go(ui, STAFF_COUNTER);
        kx_strlcpy(s->session, st->session ? st->session : "", sizeof s->session);
    }
    if (assist_idcard_step(ui) &&
        ASSIST_BUTTON("staff_manual_id", kx_tr("Enter ID card data by hand"), KX_BTN_PRIMARY)) {
        kx_staff_go(ui, STAFF_MANUAL_ID);
        kx_strlcpy(s->session, st->session ? st->session : "", sizeof s->session);
    }
    if (st && st->session &&
        ASSIST_BUTTON("staff_reset", kx_tr("Abandon the session"), KX_BTN_DANGER))
        kx_staff_ask_reason(ui, STAFF_ACT_RESET, STAFF_PANEL);
    if (kx_staff_admin(ui) &&
        ASSIST_BUTTON("staff_maint", kx_tr("Maintenance"), KX_BTN_SECONDARY))
        kx_staff_go(ui, MAINT_MENU);
    if (ASSIST_BUTTON("staff_logout", kx_tr("End assisted mode"), KX_BTN_SECONDARY))
        kx_staff_request(ui, "staff_logout", NULL);
#undef ASSIST_BUTTON
    kx_staff_footer(ui, L, kx_tr("Close"), STAFF_NONE, NULL, 0);
}

/* ---- reason ---- */

static const char *const assist_presets[][3] = {
    [STAFF_ACT_REJECT] = {N_("The documents do not match the company."),
                          N_("The agent could not prove their identity."), NULL},
    [STAFF_ACT_OVERRIDE] = {N_("Credit code checked against the original licence."), NULL,
                            NULL},
    [STAFF_ACT_RESET] = {N_("The customer asked to stop."), N_("A device failed."), NULL},
    [STAFF_ACT_MANUAL_ID] = {N_("The ID card reader failed; the card was checked by staff."),
                             NULL, NULL},
    [STAFF_ACT_REFUND] = {N_("The customer did not receive the service."),
                          N_("The customer paid twice."), NULL},
    [STAFF_ACT_COUNTER_PAID] = {N_("The customer has no payment app."),
                                N_("The payment code could not be scanned."),
                                N_("The company pays by card at the counter.")},
};

/* assist_needs_pin - kioskd asks the member's PIN again for these */
static int assist_needs_pin(kx_staff_action a)
{
    return a == STAFF_ACT_MANUAL_ID || a == STAFF_ACT_COUNTER_PAID || a == STAFF_ACT_REFUND;
}

static void assist_do_action(kx_ui *ui, const char *reason)
{
    kx_staff_ui *s = ui->staff;
    switch (s->action) {
    case STAFF_ACT_REJECT:
        kx_staff_intent(ui, "staff_reject", reason);
        s->screen = STAFF_NONE;
        break;
    case STAFF_ACT_OVERRIDE:
        kx_staff_intent(ui, "staff_override", reason);
        s->screen = STAFF_NONE;
        break;
    case STAFF_ACT_RESET:
        kx_staff_intent(ui, "staff_reset", reason);
        s->screen = STAFF_NONE;
        break;
    case STAFF_ACT_MANUAL_ID:
        kx_staff_request_pin(
            ui, "manual_id",
            json_pack("{s:s, s:s, s:s, s:s}", "name", s->name, "id_number", s->idnum,
                      "valid_to", s->long_term ? "long_term" : s->valid, "reason", reason));
        s->screen = STAFF_MANUAL_ID;
        break;
    case STAFF_ACT_COUNTER_PAID:
        kx_staff_request_pin(
            ui, "counter_paid",
            json_pack("{s:I, s:s, s:s, s:s}", "amount_fen",
                      (json_int_t)(ui->st && ui->st->fee.present ? ui->st->fee.fen : 0),
                      "receipt_no", s->receipt, "method", s->card ? "card" : "cash", "reason",
                      reason));
        s->screen = STAFF_COUNTER;
        break;
    case STAFF_ACT_REFUND:
        kx_staff_request_pin(
            ui, "refund", json_pack("{s:I, s:s}", "id", (json_int_t)s->tx, "reason", reason));
        s->screen = MAINT_OPEN_TX;
        break;
    default:
        break;
    }
}

void kx_staff_draw_reason(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    kx_staff_title(ui, L, kx_tr("Reason"));
    kx_text_style ts = kx_style(32, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui,
            kx_tr("Enter the reason for this action. It is recorded with your staff number."),
            kx_rect(c.x, c.y, c.w, 100), &ts);
    int y = c.y + 120, bh = ui->portrait ? 130 : 100;
    const char *const *p = s->action < (int)(sizeof assist_presets / sizeof assist_presets[0])
                               ? assist_presets[s->action]
                               : NULL;
    for (int i = 0; p && i < 3 && p[i]; i++) {
        char id[24];
        snprintf(id, sizeof id, "reason_%d", i);
        if (kx_button(ui, id, kx_rect(c.x, y, c.w, bh), kx_tr(p[i]),
                      s->preset == i ? KX_BTN_PRIMARY : KX_BTN_SECONDARY)) {
            s->preset = i;
            s->other[0] = '\0';
        }
        y += bh + 22;
    }
    /* a reason of one's own, from a keyboard attached for staff */
    if (kx_text_field(ui, "reason_other", kx_rect(c.x, y, c.w, 150), kx_tr("Other reason"),
                      s->other, kx_tr("Type on the staff keyboard"), s->preset < 0))
        s->preset = -1;
    kx_staff_message(ui, kx_rect(c.x, y + 170, c.w, 90));
    const char *reason = s->preset >= 0 && p ? kx_tr(p[s->preset]) : s->other;
    int ok = strlen(reason) >= 3 && strlen(reason) <= 200;
    if (kx_staff_footer(ui, L, kx_tr("Back"), s->back, kx_tr("Confirm"), ok && !s->seq)) {
        char r[201];
        kx_strlcpy(r, reason, sizeof r);
        if (assist_needs_pin(s->action)) {
            /* kioskd wants the member's PIN again for these */
            kx_strlcpy(s->reason, r, sizeof s->reason);
            kx_secbuf_clear(s->pin);
            kx_staff_shuffle(ui);
            s->screen = STAFF_REAUTH;
            s->msg[0] = '\0';
        } else {
            assist_do_action(ui, r);
        }
    }
}

/* ---- the member's PIN again ---- */

void kx_staff_draw_reauth(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect fields, pad;
    kx_staff_title(ui, L, kx_tr("Enter your PIN again"));
    kx_staff_regions(ui, L, 420, 90, 46, &fields, &pad);
    kx_text_style hs = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui,
            kx_tr("This action is recorded under your staff number and needs your PIN "
                  "(with a staff UKEY inserted: its PIN)."),
            kx_rect(fields.x, fields.y, fields.w, 100), &hs);
    kx_masked_field(ui, "staff_pin", kx_rect(fields.x, fields.y + 110, fields.w, 160),
                    kx_tr("PIN"), s->pin->len, KX_PIN_MAX, 1);
    kx_staff_message(ui, kx_rect(fields.x, fields.y + 290, fields.w, 90));
    if (kx_staff_pending(ui, pad, kx_tr("Please wait"))) {
        kx_staff_footer(ui, L, NULL, STAFF_REASON, NULL, 0);
        return;
    }
    if (assist_pin_pad(ui, pad, 1, kx_tr("OK")))
        assist_do_action(ui, s->reason);
    if (kx_staff_footer(ui, L, kx_tr("Back"), STAFF_REASON, NULL, 0))
        kx_secbuf_clear(s->pin);
}

/* ---- manual ID entry ---- */

void kx_staff_draw_manual_id(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect fields, pad;
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    kx_staff_title(ui, L, kx_tr("Enter ID card data by hand"));
    kx_staff_regions(ui, L, 610, 0, 48, &fields, &pad);
    int fh = 150, y = fields.y;
    if (kx_text_field(ui, "manual_name", kx_rect(fields.x, y, fields.w, fh), kx_tr("Name"),
                      s->name, kx_tr("Type on the staff keyboard"), s->field == 0))
        s->field = 0;
    y += fh + 16;
    if (kx_text_field(ui, "manual_idnum", kx_rect(fields.x, y, fields.w, fh),
                      kx_tr("ID number"), s->idnum, "", s->field == 1))
        s->field = 1;
    y += fh + 16;
    int vw = fields.w * 60 / 100;
    if (kx_text_field(ui, "manual_valid", kx_rect(fields.x, y, vw, fh), kx_tr("Valid until"),
                      s->long_term ? kx_tr("Long-term") : s->valid, "YYYY-MM-DD",
                      s->field == 2))
        s->field = 2;
    if (kx_button(ui, "manual_long_term",
                  kx_rect(fields.x + vw + 20, y + fh - 100, fields.w - vw - 20, 100),
                  kx_tr("Long-term"), s->long_term ? KX_BTN_PRIMARY : KX_BTN_SECONDARY)) {
        s->long_term = !s->long_term;
        s->valid[0] = '\0';
    }
    y += fh + 16;
    kx_staff_message(ui, kx_rect(fields.x, y, fields.w, ui->portrait ? 90 : 80));
    if (kx_staff_pending(ui, pad, kx_tr("Please wait"))) {
        kx_staff_footer(ui, L, NULL, STAFF_PANEL, NULL, 0);
        return;
    }
    if (s->field == 1 || s->field == 2) {
        char *buf = s->field == 1 ? s->idnum : s->valid;
        size_t max = s->field == 1 ? 18 : 10, n = strlen(buf);
        SDL_Rect kp = pad;
        if (s->field == 1) {
            /* the check character may be X */
            kp.h -= 120;
            if (kx_button_enabled(ui, "key_X", kx_rect(pad.x, pad.y + pad.h - 100, pad.w, 100),
                                  "X", KX_BTN_KEY, n == 17))
                kx_strlcat(s->idnum, "X", sizeof s->idnum);
        }
        int key = kx_keypad(ui, kp, digits, n == max, kx_tr("Next"));
        if (key >= 0 && n < max && !(s->field == 2 && s->long_term)) {
            /* dates are typed as digits; the dashes come by themselves */
            if (s->field == 2 && (n == 4 || n == 7))
                buf[n++] = '-';
            buf[n] = (char)('0' + key);
            buf[n + 1] = '\0';
        } else if (key == KX_KEY_BACKSPACE && n > 0) {
            buf[--n] = '\0';
            if (s->field == 2 && n > 0 && buf[n - 1] == '-')
                buf[--n] = '\0';
        } else if (key == KX_KEY_OK)
            s->field = s->field == 1 ? 2 : 0;
    } else {
        kx_text_style ts = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
        kx_text(ui, kx_tr("Type the name on the staff keyboard, as printed on the card."), pad,
                &ts);
    }
    int ok = s->name[0] && strlen(s->idnum) == 18 && (s->long_term || strlen(s->valid) == 10);
    if (kx_staff_footer(ui, L, kx_tr("Back"), STAFF_PANEL, kx_tr("Continue"), ok))
        kx_staff_ask_reason(ui, STAFF_ACT_MANUAL_ID, STAFF_MANUAL_ID);
}

/* ---- payment taken at the counter ---- */

void kx_staff_draw_counter(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    const kx_ui_state *st = ui->st;
    SDL_Rect fields, pad;
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    char amount[64];
    kx_staff_title(ui, L, kx_tr("Record a payment taken at the counter"));
    kx_staff_regions(ui, L, 610, 0, 48, &fields, &pad);
    /* the amount is the order's: the RA refuses any other */
    snprintf(amount, sizeof amount, "¥ %s",
             st && st->fee.present && st->fee.text ? st->fee.text : "-");
    int y = fields.y;
    kx_text_style ls = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
    kx_text_style as = kx_style(56, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
    as.max_lines = 1;
    kx_text(ui, kx_tr("Amount to take"), kx_rect(fields.x, y, fields.w, 44), &ls);
    kx_text(ui, amount, kx_rect(fields.x, y + 44, fields.w, 80), &as);
    y += 140;
    int bw = (fields.w - 20) / 2;
    if (kx_button(ui, "method_cash", kx_rect(fields.x, y, bw, 100), kx_tr("Cash"),
                  s->card ? KX_BTN_SECONDARY : KX_BTN_PRIMARY))
        s->card = 0;
    if (kx_button(ui, "method_card", kx_rect(fields.x + bw + 20, y, bw, 100),
                  kx_tr("Bank card"), s->card ? KX_BTN_PRIMARY : KX_BTN_SECONDARY))
        s->card = 1;
    y += 120;
    kx_text_field(ui, "receipt_no", kx_rect(fields.x, y, fields.w, 150),
                  kx_tr("Receipt number"), s->receipt, "", 1);
    y += 166;
    kx_staff_message(ui, kx_rect(fields.x, y, fields.w, ui->portrait ? 90 : 80));
    if (kx_staff_pending(ui, pad, kx_tr("Please wait"))) {
        kx_staff_footer(ui, L, NULL, STAFF_PANEL, NULL, 0);
        return;
    }
    size_t n = strlen(s->receipt);
    SDL_Rect kp = pad;
    kp.h -= 120;
    if (kx_button(ui, "key_dash", kx_rect(pad.x, pad.y + pad.h - 100, pad.w, 100), "-",
                  KX_BTN_KEY) &&
        n + 1 < sizeof s->receipt)
        kx_strlcat(s->receipt, "-", sizeof s->receipt);
    int key = kx_keypad(ui, kp, digits, n > 0, kx_tr("OK"));
    if (key >= 0 && n + 1 < sizeof s->receipt) {
        s->receipt[n] = (char)('0' + key);
        s->receipt[n + 1] = '\0';
    } else if (key == KX_KEY_BACKSPACE && n > 0)
        s->receipt[n - 1] = '\0';
    int ok = n > 0 && st && st->fee.present && st->fee.fen > 0;
    if (kx_staff_footer(ui, L, kx_tr("Back"), STAFF_PANEL, kx_tr("Continue"), ok)) {
        kx_staff_ask_reason(ui, STAFF_ACT_COUNTER_PAID, STAFF_COUNTER);
    }
}
