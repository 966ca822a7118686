/* SPDX-License-Identifier: MIT */
/*
 * halls.c - the hall on the home screen: a strip under the service tiles
 * naming the hall this kiosk stands in (the state's `hall`), with "Other
 * service halls", which shows the CA's other halls (`hall.others`: name,
 * address, telephone, in the session's language) a page at a time in
 * place of the tiles until "Back to the services".
 *
 * Reads the state's own JSON (kx_ui_state.raw); the strings live as long
 * as the state. Without a hall in the state the home screen is as before.
 * The list is the screen's own: it closes after a minute without a touch
 * and whenever the home screen is left.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "ui/ui_internal.h"

#define HALLS_IDLE_MS 60000u

static const char *halls_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* the state's hall, or NULL */
static json_t *halls_hall(const kx_ui_state *st)
{
    json_t *h = st && st->raw ? json_object_get((json_t *)st->raw, "hall") : NULL;
    return json_is_object(h) && halls_str(h, "name")[0] ? h : NULL;
}

/* one hall as a card: name, address, telephone */
static void halls_card(kx_ui *ui, SDL_Rect r, json_t *o)
{
    char phone[256];
    kx_card(ui, r);
    SDL_Rect in = kx_inset(r, ui->portrait ? 26 : 22);
    kx_text_style ns = kx_style(ui->portrait ? 34 : 32, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
    kx_text_style as =
        kx_style(ui->portrait ? 28 : 26, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
    kx_text_style ps =
        kx_style(ui->portrait ? 28 : 26, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_BOTTOM);
    ns.max_lines = 2;
    as.max_lines = 3;
    ps.max_lines = 2;
    int nh = in.h / 2;
    if (ui->large) { /* as many lines as the name needs */
        ns.max_lines = as.max_lines = 0;
        nh = kx_text_measure(ui, halls_str(o, "name"), in.w, &ns);
    }
    SDL_Rect n = kx_text(ui, halls_str(o, "name"), kx_rect(in.x, in.y, in.w, nh), &ns);
    kx_ui_format(phone, sizeof phone, N_("Telephone: {phone}"), "phone", halls_str(o, "phone"),
                 NULL, NULL);
    int py = in.y + in.h - (ui->large ? kx_text_measure(ui, phone, in.w, &ps) : in.h / 4);
    kx_text(ui, halls_str(o, "address"),
            kx_rect(in.x, n.y + n.h + 8, in.w, py - n.y - n.h - 16), &as);
    kx_text(ui, phone, kx_rect(in.x, py, in.w, in.y + in.h - py), &ps);
}

/* the list of the other halls in r, a page at a time */
static void halls_list(kx_ui *ui, const kx_ui_state *st, SDL_Rect r)
{
    json_t *others = json_object_get(halls_hall(st), "others");
    int n = json_is_array(others) ? (int)json_array_size(others) : 0;
    int cols = ui->portrait ? 1 : 2, rows = ui->portrait ? 4 : 2, gap = 24;
    if (ui->large) /* large text: fewer, taller cards a page */
        rows = ui->portrait ? 2 : 1;
    int per = cols * rows, pages = n > 0 ? (n + per - 1) / per : 1;
    int bh = ui->portrait ? 110 : 96;
    int page = ui->halls_page < 0 ? 0 : ui->halls_page >= pages ? pages - 1 : ui->halls_page;
    if (!ui->dry) /* a warm-up frame lays out another state's list */
        ui->halls_page = page;
    SDL_Rect grid = kx_rect(r.x, r.y, r.w, r.h - bh - gap);
    int cw = (grid.w - gap * (cols - 1)) / cols, ch = (grid.h - gap * (rows - 1)) / rows;
    for (int k = 0; k < per; k++) {
        int i = page * per + k;
        if (i >= n)
            break;
        halls_card(
            ui,
            kx_rect(grid.x + (k % cols) * (cw + gap), grid.y + (k / cols) * (ch + gap), cw, ch),
            json_array_get(others, (size_t)i));
    }
    /* Back to the services; Previous, "Page i of n", Next */
    int y = r.y + r.h - bh, bw = ui->portrait ? 300 : 420, pw = ui->portrait ? 190 : 240;
    if (kx_button(ui, "halls_close", kx_rect(r.x, y, bw, bh), kx_tr("Back to the services"),
                  KX_BTN_PRIMARY))
        ui->halls_open = 0;
    SDL_Rect next = kx_rect(r.x + r.w - pw, y, pw, bh);
    SDL_Rect lab =
        kx_rect(next.x - gap - (ui->portrait ? 200 : 260), y, ui->portrait ? 200 : 260, bh);
    SDL_Rect prev = kx_rect(lab.x - gap - pw, y, pw, bh);
    if (kx_button_enabled(ui, "halls_prev", prev, kx_tr("Previous page"), KX_BTN_SECONDARY,
                          page > 0))
        ui->halls_page = page - 1;
    if (kx_button_enabled(ui, "halls_next", next, kx_tr("Next page"), KX_BTN_SECONDARY,
                          page + 1 < pages))
        ui->halls_page = page + 1;
    char label[96], n1[16], n2[16];
    (void)snprintf(n1, sizeof n1, "%d", page + 1);
    (void)snprintf(n2, sizeof n2, "%d", pages);
    kx_ui_format(label, sizeof label, N_("Page {page} of {pages}"), "page", n1, "pages", n2);
    kx_text_style ls = kx_style(28, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
    ls.label = 1;
    kx_text(ui, label, lab, &ls);
}

int kx_home_halls_shown(const kx_ui *ui, const kx_ui_state *st)
{
    return ui->halls_open && halls_hall(st) && (!st || !st->session) &&
           ui->now_ms - ui->last_touch_ms < HALLS_IDLE_MS;
}

int kx_home_halls_list(kx_ui *ui, const kx_ui_state *st, SDL_Rect r)
{
    if (!kx_home_halls_shown(ui, st)) {
        if (!ui->dry) { /* a warm-up frame lays out other states: leave it open */
            ui->halls_open = 0;
            ui->halls_page = 0;
        }
        return 0;
    }
    halls_list(ui, st, r);
    return 1;
}

int kx_home_hall_strip(kx_ui *ui, const kx_ui_state *st, SDL_Rect area)
{
    json_t *h = halls_hall(st);
    if (!h)
        return 0;
    int sh = ui->large ? 160 : ui->portrait ? 110 : 96, bw = ui->portrait ? 380 : 440;
    SDL_Rect r = kx_rect(area.x, area.y + area.h - sh, area.w, sh);
    char here[512];
    kx_ui_format(here, sizeof here, N_("You are at: {hall}"), "hall", halls_str(h, "name"),
                 NULL, NULL);
    kx_text_style ts = kx_style(30, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_MIDDLE);
    ts.max_lines = 2;
    kx_text(ui, here, kx_rect(r.x, r.y, r.w - bw - 24, sh), &ts);
    json_t *others = json_object_get(h, "others");
    if (json_is_array(others) && json_array_size(others) > 0 &&
        kx_button(ui, "halls_open", kx_rect(r.x + r.w - bw, r.y, bw, sh),
                  kx_tr("Other service halls"), KX_BTN_SECONDARY)) {
        ui->halls_open = 1;
        ui->halls_page = 0;
    }
    return sh;
}
