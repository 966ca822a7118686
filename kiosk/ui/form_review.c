/* SPDX-License-Identifier: MIT */
/*
 * form_review.c - the `form_review` screen: the application form (附件1)
 * the case will carry, as kioskd rendered it (the preview of doc
 * "application_form", a PNG of the PDF's first page), before the
 * agreement. The customer reads it zoomed (the form's table across the
 * view, moved part by part with "Scroll up" / "Scroll down" and a scroll
 * bar) or as a whole page, then confirms it or goes back to correct the
 * contact details.
 *
 * Zoom and position are the screen's own (ui->form_zoom, ui->choice_page;
 * reset with every new screen); the screen decides nothing else. Never
 * shrinks the form's text below what the zoom gives: the page is moved,
 * not fitted, when it does not fit.
 */
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "ui/ui_internal.h"

/* The form's printed area: its table runs from 20 to 190 mm of the
 * page's 210 mm; the zoomed view shows 17..193 mm across the view. */
#define FORM_PAGE_MM 210.0
#define FORM_PAGE_H_MM 297.0
#define FORM_LEFT_MM 17.0
#define FORM_SHOWN_MM 176.0

/* the preview to show: the form's latest (after a correction the form is
 * rendered again, under a new name), else the first */
static const char *form_preview(const kx_ui_state *st)
{
    for (int i = st->n_previews - 1; i >= 0; i--)
        if (st->previews[i].doc && strcmp(st->previews[i].doc, "application_form") == 0)
            return st->previews[i].path;
    return st->n_previews > 0 ? st->previews[0].path : NULL;
}

/* the zoomed page: its size and the parts the view moves through */
typedef struct form_zoomed {
    int page_w, page_h; /* the whole page at the zoom */
    int left;           /* pixels of the page left of the view */
    int step, parts;    /* one move, and how many views cover the page */
} form_zoomed;

static form_zoomed form_zoom_of(SDL_Rect view)
{
    form_zoomed z;
    double px_mm = (double)view.w / FORM_SHOWN_MM;
    z.page_w = (int)(FORM_PAGE_MM * px_mm + 0.5);
    z.page_h = (int)(FORM_PAGE_H_MM * px_mm + 0.5);
    z.left = (int)(FORM_LEFT_MM * px_mm + 0.5);
    z.step = view.h * 85 / 100; /* each part keeps a strip of the last */
    z.parts = 1;
    if (z.page_h > view.h && z.step > 0)
        z.parts = 1 + (z.page_h - view.h + z.step - 1) / z.step;
    return z;
}

/* the scroll bar: where the shown part is, and its share of the page */
static void form_scroll_bar(kx_ui *ui, SDL_Rect track, int part, int parts)
{
    int bar = track.w;
    kx_round(ui, track, bar / 2, KX_C_LINE);
    int thumb = parts > 0 ? track.h / parts : track.h;
    if (thumb < 48)
        thumb = 48;
    int pos = parts > 1 ? (track.h - thumb) * part / (parts - 1) : 0;
    kx_round(ui, kx_rect(track.x, track.y + pos, bar, thumb), bar / 2, KX_C_PRIMARY);
}

void kx_screen_form_review(kx_ui *ui, const kx_ui_state *st, const kx_layout *L)
{
    SDL_Rect c = L->content, view, side, controls;
    const int bar = 12, gap = 24;
    int bh = ui->portrait ? 110 : 100;
    if (ui->portrait) {
        /* large text: a smaller window on the form, room for the words */
        view = kx_rect(c.x, c.y, c.w - bar - gap, ui->large ? 440 : 820);
        controls = kx_rect(c.x, view.y + view.h + gap, c.w, bh);
        side = kx_rect(c.x, controls.y + bh + gap, c.w, c.y + c.h - controls.y - bh - gap);
    } else {
        view = kx_rect(c.x, c.y, ui->large ? 500 : 1060, c.h);
        side = kx_rect(view.x + view.w + bar + 2 * gap, c.y, 0, c.h);
        side.w = c.x + c.w - side.x;
        /* large text: the controls in one row, as in portrait */
        int rows = ui->large ? 1 : 2;
        controls = kx_rect(side.x, c.y + c.h - rows * bh - (rows - 1) * gap, side.w,
                           rows * bh + (rows - 1) * gap);
        side.h = controls.y - gap - side.y;
    }
    SDL_Rect track = kx_rect(view.x + view.w + gap, view.y, bar, view.h);
    const char *path = form_preview(st);
    form_zoomed z = form_zoom_of(view);
    int zoomed = ui->form_zoom == 0; /* zoomed in first: the form is read */
    int at = ui->choice_page < 0          ? 0
             : ui->choice_page >= z.parts ? z.parts - 1
                                          : ui->choice_page;
    if (!ui->dry) /* a warm-up frame lays out a state that is not shown */
        ui->choice_page = at;
    int part = zoomed ? at : 0, parts = zoomed ? z.parts : 1;
    kx_fill(ui, view, KX_C_BG);
    if (!path) {
        kx_text_style ms = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
        kx_round(ui, view, 16, KX_C_LINE);
        kx_text(ui, kx_tr("The image cannot be shown."), kx_inset(view, 20), &ms);
    } else if (zoomed) {
        int y = part * z.step;
        if (y > z.page_h - view.h)
            y = z.page_h - view.h;
        kx_image_part(ui, view, path, z.page_w, z.page_h, z.left, y);
    } else {
        kx_image(ui, view, path);
    }
    form_scroll_bar(ui, track, part, parts);

    /* what to check, and what going back changes */
    kx_screen_body(ui, st, side, ui->portrait ? KX_CENTER : KX_LEFT);

    /* zoom and scroll */
    char label[96], n1[16], n2[16];
    (void)snprintf(n1, sizeof n1, "%d", part + 1);
    (void)snprintf(n2, sizeof n2, "%d", parts);
    kx_ui_format(label, sizeof label, N_("Part {part} of {parts}"), "part", n1, "parts", n2);
    SDL_Rect up, down, zoom, lab;
    if (ui->portrait || ui->large) {
        int w = (controls.w - 3 * gap) / 4;
        up = kx_rect(controls.x, controls.y, w, bh);
        lab = kx_rect(up.x + w + gap, controls.y, w, bh);
        down = kx_rect(lab.x + w + gap, controls.y, w, bh);
        zoom = kx_rect(down.x + w + gap, controls.y, controls.x + controls.w - down.x - w - gap,
                       bh);
    } else {
        int w = (controls.w - gap) / 2;
        up = kx_rect(controls.x, controls.y, w, bh);
        down = kx_rect(controls.x + w + gap, controls.y, controls.w - w - gap, bh);
        zoom = kx_rect(controls.x, controls.y + bh + gap, w, bh);
        lab = kx_rect(zoom.x + w + gap, zoom.y, controls.w - w - gap, bh);
    }
    if (kx_button_enabled(ui, "form_up", up, kx_tr("Scroll up"), KX_BTN_SECONDARY,
                          zoomed && part > 0))
        ui->choice_page = part - 1;
    if (kx_button_enabled(ui, "form_down", down, kx_tr("Scroll down"), KX_BTN_SECONDARY,
                          zoomed && part + 1 < parts))
        ui->choice_page = part + 1;
    if (kx_button(ui, "form_zoom", zoom, zoomed ? kx_tr("Whole page") : kx_tr("Zoom in"),
                  KX_BTN_SECONDARY))
        ui->form_zoom = zoomed;
    kx_text_style ps = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
    ps.label = 1; /* the scroll buttons' companion: may shrink like them */
    kx_text(ui, label, lab, &ps);

    kx_screen_confirm_footer(ui, st, L, kx_tr("The form is correct"));
}
