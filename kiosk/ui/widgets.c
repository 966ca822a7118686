/* SPDX-License-Identifier: MIT */
/*
 * widgets.c - the one small widget set every screen reuses: buttons and
 * tappable areas, keypads (shuffled PIN, phone), the e-mail keyboard, entry
 * fields, progress bar, step indicator, QR code, image preview and the
 * dialog frame.
 *
 * Immediate mode: a widget is drawn and hit-tested in the same call; a tap
 * is a press that starts and ends inside the same rectangle. Every widget
 * registers its id and rectangle for tap scripts. Widgets never keep user
 * input: the caller owns it (PIN digits go straight into a kx_secbuf).
 */
#include <qrencode.h>
#include <SDL2/SDL_image.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ui/ui_internal.h"

static int widget_inside(SDL_Rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static void widget_register(kx_ui *ui, const char *id, SDL_Rect r)
{
    if (!id || ui->n_widgets >= KX_UI_MAX_WIDGETS)
        return;
    kx_strlcpy(ui->widgets[ui->n_widgets].id, id, sizeof ui->widgets[0].id);
    ui->widgets[ui->n_widgets].r = r;
    ui->n_widgets++;
}

int kx_hit(kx_ui *ui, const char *id, SDL_Rect r)
{
    if (ui->dry) /* a warm-up frame is not the screen the user touches */
        return 0;
    widget_register(ui, id, r);
    if (id && ui->tap_id && strcmp(id, ui->tap_id) == 0) {
        ui->tap_id = NULL;
        kx_voice_cut(ui->voice);        /* the user acted: the prompt stops */
        ui->last_touch_ms = ui->now_ms; /* a scripted tap is a touch too */
        return 1;
    }
    return ui->up && widget_inside(r, ui->down_x, ui->down_y) &&
           widget_inside(r, ui->up_x, ui->up_y);
}

static int widget_pressed(const kx_ui *ui, SDL_Rect r)
{
    return ui->down && widget_inside(r, ui->down_x, ui->down_y) &&
           widget_inside(r, ui->up_x, ui->up_y);
}

static int widget_button(kx_ui *ui, const char *id, SDL_Rect r, const char *label,
                         kx_button_kind kind, int enabled)
{
    int pressed = enabled && widget_pressed(ui, r);
    int size = r.h * 36 / 100;
    SDL_Color fg = KX_C_PRIMARY;
    kx_weight w = KX_BOLD;
    if (size > 46)
        size = 46;
    if (size < 26)
        size = 26;
    switch (kind) {
    case KX_BTN_PRIMARY:
    case KX_BTN_DANGER: {
        SDL_Color base = kind == KX_BTN_DANGER ? KX_C_DANGER : KX_C_PRIMARY;
        if (pressed)
            base = kind == KX_BTN_DANGER ? KX_C_DANGER_DK : KX_C_PRIMARY_DK;
        if (!enabled)
            base = KX_C_DISABLED;
        kx_round_under(ui, kx_rect(r.x, r.y + r.h - 2 * KX_RADIUS + 4, r.w, 2 * KX_RADIUS),
                       KX_RADIUS, (SDL_Color){0x10, 0x2A, 0x50, 0x20},
                       kx_round_core(r, KX_RADIUS));
        kx_round(ui, r, KX_RADIUS, base);
        fg = KX_C_ON_PRIMARY;
        break;
    }
    case KX_BTN_SECONDARY:
        kx_round_under(ui, r, KX_RADIUS, enabled ? KX_C_PRIMARY : KX_C_LINE,
                       kx_round_core(kx_inset(r, 3), KX_RADIUS - 3));
        kx_round(ui, kx_inset(r, 3), KX_RADIUS - 3, pressed ? KX_C_PRIMARY_LT : KX_C_SURFACE);
        fg = enabled ? KX_C_PRIMARY : KX_C_MUTED;
        break;
    case KX_BTN_QUIET:
        if (pressed)
            kx_round(ui, r, KX_RADIUS, KX_C_PRIMARY_LT);
        fg = enabled ? KX_C_PRIMARY : KX_C_MUTED;
        w = KX_REGULAR;
        break;
    case KX_BTN_KEY:
        kx_round_under(ui, kx_rect(r.x, r.y + r.h - 36 + 3, r.w, 36), 18,
                       (SDL_Color){0x10, 0x2A, 0x50, 0x18}, kx_round_core(r, 18));
        kx_round_under(ui, r, 18, KX_C_LINE, kx_round_core(kx_inset(r, 2), 16));
        kx_round(ui, kx_inset(r, 2), 16, pressed ? KX_C_PRIMARY_LT : KX_C_SURFACE);
        fg = enabled ? KX_C_TEXT : KX_C_LINE;
        size = r.h * 42 / 100;
        if (size > 60)
            size = 60;
        break;
    case KX_BTN_TILE:
        kx_card(ui, r);
        if (pressed)
            kx_round(ui, kx_inset(r, 2), KX_RADIUS - 2, KX_C_PRIMARY_LT);
        break;
    }
    if (label) {
        kx_text_style st = kx_style(size, w, fg, KX_CENTER, KX_MIDDLE);
        st.max_lines = 2;
        st.label = 1;
        kx_text(ui, label, kx_inset(r, 16), &st);
    }
    if (!enabled) {
        widget_register(ui, id, r);
        return 0;
    }
    return kx_hit(ui, id, r);
}

int kx_button(kx_ui *ui, const char *id, SDL_Rect r, const char *label, kx_button_kind kind)
{
    return widget_button(ui, id, r, label, kind, 1);
}

int kx_button_enabled(kx_ui *ui, const char *id, SDL_Rect r, const char *label,
                      kx_button_kind kind, int enabled)
{
    return widget_button(ui, id, r, label, kind, enabled);
}

void kx_progress_bar(kx_ui *ui, SDL_Rect r, double value, SDL_Color c)
{
    double v = value < 0 ? 0 : value > 1 ? 1 : value;
    int fw = (int)((double)r.w * v);
    kx_round(ui, r, r.h / 2, KX_C_LINE);
    if (fw > 0) {
        if (fw < r.h)
            fw = r.h;
        kx_round(ui, kx_rect(r.x, r.y, fw, r.h), r.h / 2, c);
    }
}

void kx_step_indicator(kx_ui *ui, SDL_Rect r, int index, int count)
{
    char buf[96];
    kx_text_style st = kx_style(28, KX_REGULAR, KX_C_MUTED, KX_RIGHT, KX_TOP);
    int gap = count > 16 ? 4 : 8, segw, x;
    st.label = 1;
    if (count <= 0)
        return;
    {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", index);
        snprintf(b, sizeof b, "%d", count);
        kx_ui_format(buf, sizeof buf, N_("Step {index} of {count}"), "index", a, "count", b);
    }
    kx_text(ui, buf, kx_rect(r.x, r.y, r.w, r.h - 16), &st);
    segw = (r.w - gap * (count - 1)) / count;
    x = r.x;
    for (int i = 1; i <= count; i++) {
        SDL_Color c = i < index ? KX_C_PRIMARY : i == index ? KX_C_PRIMARY : KX_C_LINE;
        if (i == index)
            c = KX_C_STEP_NOW;
        kx_round(ui, kx_rect(x, r.y + r.h - 10, segw, 10), 5, c);
        x += segw + gap;
    }
}

/* ---- QR code and images: small texture caches ---- */

typedef struct widget_tex {
    uint64_t key;
    SDL_Texture *tex;
    int w, h;         /* the image's own size */
    int box_w, box_h; /* images: the box it is shown in (the worker scales to fit it) */
    int tw, th;       /* the texture's size */
    /* images are decoded by a worker thread, off the frame */
    SDL_Thread *thread;
    SDL_Surface *surface; /* the worker's result (NULL: unreadable) */
    SDL_atomic_t done;
    char path[512];
} widget_tex;

struct kx_img_cache {
    widget_tex qr[2];
    widget_tex img[8];
    int next_qr, next_img;
};

static uint64_t widget_hash(const char *s)
{
    uint64_t x = 1469598103934665603ULL;
    for (; *s; s++) {
        x ^= (unsigned char)*s;
        x *= 1099511628211ULL;
    }
    return x | 1;
}

kx_err kx_img_cache_new(struct kx_img_cache **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? KX_OK : KX_ERR_NO_MEMORY;
}

/* widget_fit - the size an image of e->w x e->h is shown at in its box */
static void widget_fit(const widget_tex *e, int *w, int *h)
{
    double sx = (double)e->box_w / e->w, sy = (double)e->box_h / e->h, k = sx < sy ? sx : sy;
    *w = (int)(e->w * k);
    *h = (int)(e->h * k);
}

/* widget_decode - worker: the image file to an ARGB8888 surface, scaled
 * to fit its box. */
static int widget_decode(void *arg)
{
    widget_tex *e = arg;
    SDL_Surface *s = IMG_Load(e->path);
    if (s && s->format->format != SDL_PIXELFORMAT_ARGB8888) {
        SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
        SDL_FreeSurface(s);
        s = c;
    }
    if (s && e->box_w > 0 && e->box_h > 0) {
        /* scaled once here to the size kx_image shows it at, with the
         * filter the renderer would use: the frames copy it unscaled */
        int dw, dh;
        e->w = s->w;
        e->h = s->h;
        widget_fit(e, &dw, &dh);
        if (dw > 0 && dh > 0 && (dw != s->w || dh != s->h)) {
            SDL_Surface *t =
                SDL_CreateRGBSurfaceWithFormat(0, dw, dh, 32, SDL_PIXELFORMAT_ARGB8888);
            if (t && SDL_SoftStretchLinear(s, NULL, t, NULL) == 0) {
                SDL_FreeSurface(s);
                s = t;
            } else if (t) {
                SDL_FreeSurface(t);
            }
        }
    }
    e->surface = s;
    SDL_AtomicSet(&e->done, 1);
    return 0;
}

/* widget_join - wait for an entry's worker (a few ms at most) and keep or
 * drop what it decoded. */
static void widget_join(kx_ui *ui, widget_tex *e, int keep)
{
    if (e->thread) {
        SDL_WaitThread(e->thread, NULL);
        e->thread = NULL;
    }
    if (e->surface) {
        if (keep && ui) {
            e->tex = SDL_CreateTextureFromSurface(ui->ren, e->surface);
            e->tw = e->surface->w;
            e->th = e->surface->h;
            if (e->box_w <= 0 || e->box_h <= 0) {
                e->w = e->tw;
                e->h = e->th;
            }
        }
        SDL_FreeSurface(e->surface);
        e->surface = NULL;
    }
}

int kx_img_cache_ready(struct kx_img_cache *c)
{
    for (int i = 0; c && i < 8; i++)
        if (c->img[i].thread && SDL_AtomicGet(&c->img[i].done))
            return 1;
    return 0;
}

void kx_img_cache_free(struct kx_img_cache *c)
{
    if (!c)
        return;
    /* scans of the session: no decoded copy outlives it */
    for (int i = 0; i < 8; i++)
        widget_join(NULL, &c->img[i], 0);
    for (int i = 0; i < 2; i++)
        if (c->qr[i].tex)
            SDL_DestroyTexture(c->qr[i].tex);
    for (int i = 0; i < 8; i++)
        if (c->img[i].tex)
            SDL_DestroyTexture(c->img[i].tex);
    memset(c, 0, sizeof *c);
}

static SDL_Texture *widget_qr_texture(kx_ui *ui, const char *text, int side, int *modules,
                                      int *px_out)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    SDL_Surface *s;
    SDL_Texture *t = NULL;
    const int quiet = 4;
    if (!q)
        return NULL;
    int n = q->width + 2 * quiet;
    /* whole pixels per module keep the code crisp and scannable, and a
     * texture at its final size is copied without scaling */
    int px = side / n > 0 ? side / n : 1;
    s = SDL_CreateRGBSurfaceWithFormat(0, n * px, n * px, 32, SDL_PIXELFORMAT_ARGB8888);
    if (s) {
        SDL_FillRect(s, NULL, 0xFFFFFFFFu);
        for (int y = 0; y < q->width; y++)
            for (int x = 0; x < q->width; x++)
                if (q->data[y * q->width + x] & 1) {
                    SDL_Rect m = {(x + quiet) * px, (y + quiet) * px, px, px};
                    SDL_FillRect(s, &m, 0xFF101820u);
                }
        t = SDL_CreateTextureFromSurface(ui->ren, s);
        SDL_FreeSurface(s);
    }
    *modules = n * px;
    *px_out = px;
    QRcode_free(q);
    return t;
}

void kx_qr(kx_ui *ui, SDL_Rect r, const char *text)
{
    if (ui->dry)
        return;
    struct kx_img_cache *c = ui->img;
    widget_tex *e = NULL;
    uint64_t key;
    if (!text || !text[0])
        return;
    int side = r.w < r.h ? r.w : r.h;
    key = widget_hash(text) ^ (uint64_t)side << 1;
    for (int i = 0; i < 2; i++)
        if (c->qr[i].key == key && c->qr[i].tex)
            e = &c->qr[i];
    if (!e) {
        int px = 1;
        e = &c->qr[c->next_qr];
        c->next_qr = (c->next_qr + 1) % 2;
        if (e->tex)
            SDL_DestroyTexture(e->tex);
        e->key = key;
        e->tex = widget_qr_texture(ui, text, side, &e->w, &px);
        e->h = e->w;
    }
    if (!e->tex) {
        kx_ui_audit_fail(ui, "QR code could not be encoded", text);
        return;
    }
    SDL_Rect d = {r.x + (r.w - e->w) / 2, r.y + (r.h - e->h) / 2, e->w, e->h};
    kx_copy(ui, e->tex, NULL, &d);
}

/* widget_image_entry - the cache entry of path scaled to fit a box of
 * bw x bh (decoded by a worker on first use); NULL while it is decoded or
 * when it cannot be read, after drawing the placeholder in r. */
static widget_tex *widget_image_entry(kx_ui *ui, SDL_Rect r, const char *path, int bw, int bh)
{
    struct kx_img_cache *c = ui->img;
    widget_tex *e = NULL;
    /* one entry per image and box size: it is kept scaled to fit the box */
    uint64_t key =
        widget_hash(path) ^ ((uint64_t)(Uint32)bw << 40) ^ ((uint64_t)(Uint32)bh << 16);
    for (int i = 0; i < 8; i++)
        if (c->img[i].key == key)
            e = &c->img[i];
    if (!e) {
        e = &c->img[c->next_img];
        c->next_img = (c->next_img + 1) % 8;
        widget_join(NULL, e, 0);
        if (e->tex)
            SDL_DestroyTexture(e->tex);
        memset(e, 0, sizeof *e);
        e->key = key;
        e->box_w = bw;
        e->box_h = bh;
        kx_strlcpy(e->path, path, sizeof e->path);
        /* decoding a scan takes 5-20 ms: a worker does it while the frame
         * shows a placeholder (screenshots wait for it) */
        if (!ui->audit)
            e->thread = SDL_CreateThread(widget_decode, "kx-image", e);
        if (!e->thread) {
            widget_decode(e);
            widget_join(ui, e, 1);
        }
    }
    if (e->thread && SDL_AtomicGet(&e->done))
        widget_join(ui, e, 1);
    if (e->thread) {
        kx_round(ui, r, 16, KX_C_PRIMARY_LT);
        return NULL;
    }
    if (!e->tex || e->w <= 0 || e->h <= 0) {
        kx_text_style st = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
        kx_round(ui, r, 16, KX_C_LINE);
        kx_text(ui, kx_tr("The image cannot be shown."), kx_inset(r, 20), &st);
        return NULL;
    }
    return e;
}

SDL_Rect kx_image(kx_ui *ui, SDL_Rect r, const char *path)
{
    if (!path || !path[0] || ui->dry)
        return r;
    if (r.w <= 0 || r.h <= 0)
        return r;
    widget_tex *e = widget_image_entry(ui, r, path, r.w, r.h);
    if (!e)
        return r;
    SDL_Rect d = {0, 0, 0, 0};
    widget_fit(e, &d.w, &d.h);
    d.x = r.x + (r.w - d.w) / 2;
    d.y = r.y + (r.h - d.h) / 2;
    kx_fill(ui, kx_rect(d.x - 2, d.y - 2, d.w + 4, d.h + 4), KX_C_LINE);
    kx_copy(ui, e->tex, NULL, &d);
    return d;
}

SDL_Rect kx_image_part(kx_ui *ui, SDL_Rect r, const char *path, int full_w, int full_h,
                       int src_x, int src_y)
{
    if (!path || !path[0] || ui->dry || r.w <= 0 || r.h <= 0 || full_w <= 0 || full_h <= 0)
        return r;
    widget_tex *e = widget_image_entry(ui, r, path, full_w, full_h);
    if (!e)
        return r;
    /* the texture is the image at its zoomed size: copy the window of it */
    SDL_Rect s = {src_x < 0 ? 0 : src_x, src_y < 0 ? 0 : src_y, r.w, r.h};
    if (s.x + s.w > e->tw)
        s.x = e->tw > s.w ? e->tw - s.w : 0;
    if (s.y + s.h > e->th)
        s.y = e->th > s.h ? e->th - s.h : 0;
    if (s.w > e->tw)
        s.w = e->tw;
    if (s.h > e->th)
        s.h = e->th;
    SDL_Rect d = {r.x + (r.w - s.w) / 2, r.y, s.w, s.h};
    kx_fill(ui, kx_rect(d.x - 2, d.y - 2, d.w + 4, d.h + 4), KX_C_LINE);
    kx_copy(ui, e->tex, &s, &d);
    return d;
}

/* ---- entry fields ---- */

static void widget_field_frame(kx_ui *ui, SDL_Rect r, const char *label, int focused,
                               SDL_Rect *box)
{
    kx_text_style ls = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_BOTTOM);
    int lh = 48;
    ls.label = 1;
    kx_text(ui, label, kx_rect(r.x + 4, r.y, r.w - 8, lh), &ls);
    *box = kx_rect(r.x, r.y + lh + 8, r.w, r.h - lh - 8);
    kx_round_under(ui, *box, 18, focused ? KX_C_PRIMARY : KX_C_LINE,
                   kx_round_core(kx_inset(*box, focused ? 4 : 2), focused ? 14 : 16));
    kx_round(ui, kx_inset(*box, focused ? 4 : 2), focused ? 14 : 16, KX_C_SURFACE);
}

int kx_masked_field(kx_ui *ui, const char *id, SDL_Rect r, const char *label, size_t n, int max,
                    int focused)
{
    SDL_Rect box;
    widget_field_frame(ui, r, label, focused, &box);
    int dot = box.h / 7 > 16 ? 16 : box.h / 7, step = dot * 3;
    int total = (int)n * step, x = box.x + (box.w - total) / 2 + step / 2;
    (void)max;
    for (size_t i = 0; i < n; i++, x += step)
        kx_disc(ui, x, box.y + box.h / 2, dot, KX_C_TEXT);
    if (focused) {
        int cx = n ? x - step / 2 + dot + 6 : box.x + box.w / 2;
        kx_caret(ui, kx_rect(cx, box.y + box.h / 4, 3, box.h / 2));
    }
    return kx_hit(ui, id, box);
}

int kx_text_field(kx_ui *ui, const char *id, SDL_Rect r, const char *label, const char *value,
                  const char *placeholder, int focused)
{
    SDL_Rect box;
    widget_field_frame(ui, r, label, focused, &box);
    SDL_Rect in = kx_inset(box, 24);
    if (ui->large) { /* 1.4x text needs the box's height */
        in.y = box.y + 6;
        in.h = box.h - 12;
    }
    int empty = !value || !value[0];
    kx_text_style st =
        kx_style(42, KX_REGULAR, empty ? KX_C_MUTED : KX_C_TEXT, KX_LEFT, KX_MIDDLE);
    st.max_lines = 1;
    st.min_size = 24;
    SDL_Rect used = kx_text(ui, empty ? placeholder : value, in, &st);
    if (focused) {
        int cx = empty ? in.x : used.x + used.w + 4;
        kx_caret(ui, kx_rect(cx, box.y + box.h / 4, 3, box.h / 2));
    }
    return kx_hit(ui, id, box);
}

void kx_caret(kx_ui *ui, SDL_Rect r)
{
    if (ui->under_dialog || ui->dry) /* it would blink over the dialog's dim */
        return;
    ui->has_caret = 1;
    ui->caret = r;
    ui->animating = 1;
    if (!ui->deferring && (ui->now_ms / 500) % 2 == 0)
        kx_fill(ui, r, KX_C_PRIMARY);
}

/* ---- keypads ---- */

int kx_keypad(kx_ui *ui, SDL_Rect r, const int order[10], int ok_enabled, const char *ok_label)
{
    int gap = 18, kw = (r.w - 2 * gap) / 3, kh = (r.h - 3 * gap) / 4;
    int result = KX_KEY_NONE;
    for (int i = 0; i < 12; i++) {
        int row = i / 3, col = i % 3;
        SDL_Rect k = {r.x + col * (kw + gap), r.y + row * (kh + gap), kw, kh};
        char id[16], label[4];
        if (i < 9 || i == 10) {
            int digit = order[i < 9 ? i : 9];
            snprintf(id, sizeof id, "key_%d", digit);
            snprintf(label, sizeof label, "%d", digit);
            if (kx_button(ui, id, k, label, KX_BTN_KEY))
                result = digit;
        } else if (i == 9) {
            if (kx_button(ui, "key_delete", k, kx_tr("Delete"), KX_BTN_SECONDARY))
                result = KX_KEY_BACKSPACE;
        } else {
            if (kx_button_enabled(ui, "key_ok", k, ok_label ? ok_label : kx_tr("OK"),
                                  KX_BTN_PRIMARY, ok_enabled))
                result = KX_KEY_OK;
        }
    }
    return result;
}

int kx_keyboard(kx_ui *ui, SDL_Rect r, int ok_enabled)
{
    static const char *const rows[4] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
    int gap = 12, rh = (r.h - 4 * gap) / 5, kw = (r.w - 9 * gap) / 10;
    int result = 0;
    for (int row = 0; row < 4; row++) {
        int n = (int)strlen(rows[row]);
        int x = r.x + (r.w - (n * kw + (n - 1) * gap)) / 2;
        for (int i = 0; i < n; i++) {
            char id[16], label[2] = {rows[row][i], 0};
            snprintf(id, sizeof id, "key_%c", rows[row][i]);
            if (kx_button(ui, id, kx_rect(x + i * (kw + gap), r.y + row * (rh + gap), kw, rh),
                          label, KX_BTN_KEY))
                result = rows[row][i];
        }
    }
    /* last row: symbols, .com, delete, OK */
    {
        static const char *const sym[5] = {"@", ".", "_", "-", ".com"};
        int y = r.y + 4 * (rh + gap), x = r.x;
        int widths[7] = {kw, kw, kw, kw, 2 * kw + gap, 0, 0};
        int rest = r.w - (6 * kw + 5 * gap) - 2 * gap;
        widths[5] = rest / 2;
        widths[6] = rest - rest / 2;
        for (int i = 0; i < 7; i++) {
            SDL_Rect k = {x, y, widths[i], rh};
            if (i < 5) {
                char id[16];
                snprintf(id, sizeof id, "key_sym%d", i);
                if (kx_button(ui, id, k, sym[i], KX_BTN_KEY))
                    result = i == 4 ? 1 : sym[i][0]; /* 1 = ".com" */
            } else if (i == 5) {
                if (kx_button(ui, "key_delete", k, kx_tr("Delete"), KX_BTN_SECONDARY))
                    result = '\b';
            } else if (kx_button_enabled(ui, "key_ok", k, kx_tr("OK"), KX_BTN_PRIMARY,
                                         ok_enabled))
                result = '\r';
            x += widths[i] + gap;
        }
    }
    return result;
}

static SDL_Rect widget_dialog_card(const kx_ui *ui, int height)
{
    int margin = ui->portrait ? 70 : 420;
    return kx_rect(margin, (ui->H - height) / 2, ui->W - 2 * margin, height);
}

SDL_Rect kx_dialog_inner(const kx_ui *ui, int height)
{
    return kx_inset(widget_dialog_card(ui, height), 56);
}

SDL_Rect kx_dialog_frame(kx_ui *ui, int height)
{
    SDL_Rect card = widget_dialog_card(ui, height);
    const SDL_Color dim = {0x0A, 0x14, 0x23, 0x9C};
    const int r = 32;
    /* dim everything the card does not cover (blending costs per pixel on
     * the software renderer; the card hides 40 % of the screen): the bands
     * around it and the four corners its rounding leaves uncovered */
    kx_fill(ui, kx_rect(0, 0, ui->W, card.y), dim);
    kx_fill(ui, kx_rect(0, card.y + card.h, ui->W, ui->H - card.y - card.h), dim);
    kx_fill(ui, kx_rect(0, card.y, card.x, card.h), dim);
    kx_fill(ui, kx_rect(card.x + card.w, card.y, ui->W - card.x - card.w, card.h), dim);
    kx_fill(ui, kx_rect(card.x, card.y, r, r), dim);
    kx_fill(ui, kx_rect(card.x + card.w - r, card.y, r, r), dim);
    kx_fill(ui, kx_rect(card.x, card.y + card.h - r, r, r), dim);
    kx_fill(ui, kx_rect(card.x + card.w - r, card.y + card.h - r, r, r), dim);
    kx_round(ui, card, r, KX_C_SURFACE);
    return kx_dialog_inner(ui, height);
}
