/* SPDX-License-Identifier: MIT */
/*
 * draw.c - the theme (the normal palette and the high-contrast one of
 * the large-text mode) and the drawing primitives: filled and rounded
 * rectangles, cards, discs, rings and the busy spinner.
 *
 * SDL's renderer has no anti-aliased shapes, so the round ones are drawn
 * from small coverage textures computed once at start-up (a disc, an arc)
 * and scaled with linear filtering; rounded rectangles are 9-slices of the
 * disc. Every primitive is a handful of texture copies: cheap on the
 * software renderer too. Discs and spinner frames are made in the colour
 * they are drawn in: on the software renderer a copy with colour
 * modulation takes SDL's generic blitter, about four times slower than the
 * plain blended copy.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui_internal.h"

/* Calm colours: a blue close to the CA's brand, neutral greys, and muted
 * green/amber/red for verdicts. */
SDL_Color KX_C_BG = {0xF3, 0xF5, 0xF8, 0xFF};
SDL_Color KX_C_SURFACE = {0xFF, 0xFF, 0xFF, 0xFF};
SDL_Color KX_C_LINE = {0xDA, 0xE0, 0xE8, 0xFF};
SDL_Color KX_C_TEXT = {0x17, 0x22, 0x33, 0xFF};
SDL_Color KX_C_MUTED = {0x5B, 0x67, 0x78, 0xFF};
SDL_Color KX_C_PRIMARY = {0x1B, 0x5E, 0xB8, 0xFF};
SDL_Color KX_C_PRIMARY_DK = {0x12, 0x47, 0x8F, 0xFF};
SDL_Color KX_C_PRIMARY_LT = {0xE6, 0xEF, 0xFA, 0xFF};
SDL_Color KX_C_ON_PRIMARY = {0xFF, 0xFF, 0xFF, 0xFF};
SDL_Color KX_C_OK = {0x1E, 0x8A, 0x5A, 0xFF};
SDL_Color KX_C_OK_LT = {0xE3, 0xF4, 0xEB, 0xFF};
SDL_Color KX_C_WARN = {0xB8, 0x6E, 0x00, 0xFF};
SDL_Color KX_C_WARN_LT = {0xFD, 0xF1, 0xDC, 0xFF};
SDL_Color KX_C_DANGER = {0xC0, 0x39, 0x2B, 0xFF};
SDL_Color KX_C_DANGER_LT = {0xFB, 0xE7, 0xE4, 0xFF};
SDL_Color KX_C_HEADER = {0x0F, 0x3D, 0x7A, 0xFF};
SDL_Color KX_C_ON_HEADER_MUTED = {0xC8, 0xD8, 0xF0, 0xFF};
SDL_Color KX_C_HEADER_PRESSED = {0x2A, 0x5C, 0x9E, 0xFF};
SDL_Color KX_C_DANGER_DK = {0x98, 0x2B, 0x20, 0xFF};
SDL_Color KX_C_DISABLED = {0xB9, 0xC4, 0xD3, 0xFF};
SDL_Color KX_C_STEP_NOW = {0x4A, 0x86, 0xD6, 0xFF};

/* the two palettes in the order of theme_colors */
#define THEME_N 21
static SDL_Color *const theme_colors[THEME_N] = {
    &KX_C_BG,         &KX_C_SURFACE,         &KX_C_LINE,
    &KX_C_TEXT,       &KX_C_MUTED,           &KX_C_PRIMARY,
    &KX_C_PRIMARY_DK, &KX_C_PRIMARY_LT,      &KX_C_ON_PRIMARY,
    &KX_C_OK,         &KX_C_OK_LT,           &KX_C_WARN,
    &KX_C_WARN_LT,    &KX_C_DANGER,          &KX_C_DANGER_LT,
    &KX_C_HEADER,     &KX_C_ON_HEADER_MUTED, &KX_C_HEADER_PRESSED,
    &KX_C_DANGER_DK,  &KX_C_DISABLED,        &KX_C_STEP_NOW,
};
static SDL_Color theme_normal[THEME_N];
static int theme_saved;
/* Large text and high contrast: every text colour at 7:1 or more on the
 * backgrounds it is drawn on (WCAG AAA), white pages, darker lines. */
static const SDL_Color theme_high[THEME_N] = {
    {0xFF, 0xFF, 0xFF, 0xFF}, {0xFF, 0xFF, 0xFF, 0xFF}, {0x4A, 0x4F, 0x57, 0xFF},
    {0x00, 0x00, 0x00, 0xFF}, {0x2B, 0x2F, 0x36, 0xFF}, {0x0A, 0x3D, 0x91, 0xFF},
    {0x06, 0x2A, 0x66, 0xFF}, {0xE8, 0xF0, 0xFC, 0xFF}, {0xFF, 0xFF, 0xFF, 0xFF},
    {0x0B, 0x5D, 0x2E, 0xFF}, {0xF0, 0xFA, 0xF3, 0xFF}, {0x6B, 0x3E, 0x00, 0xFF},
    {0xFF, 0xF7, 0xE8, 0xFF}, {0x8E, 0x1B, 0x10, 0xFF}, {0xFD, 0xF0, 0xEE, 0xFF},
    {0x06, 0x2A, 0x66, 0xFF}, {0xFF, 0xFF, 0xFF, 0xFF}, {0x0A, 0x3D, 0x91, 0xFF},
    {0x6A, 0x12, 0x0A, 0xFF}, {0x4A, 0x50, 0x5A, 0xFF}, {0x06, 0x2A, 0x66, 0xFF},
};

void kx_theme_set(int high_contrast)
{
    if (!theme_saved) {
        for (int i = 0; i < THEME_N; i++)
            theme_normal[i] = *theme_colors[i];
        theme_saved = 1;
    }
    for (int i = 0; i < THEME_N; i++)
        *theme_colors[i] = high_contrast ? theme_high[i] : theme_normal[i];
}

/* theme_luminance - relative luminance of an sRGB colour (WCAG 2). */
static double theme_luminance(SDL_Color c)
{
    double v[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0};
    for (int i = 0; i < 3; i++)
        v[i] = v[i] <= 0.03928 ? v[i] / 12.92 : pow((v[i] + 0.055) / 1.055, 2.4);
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

double kx_contrast(SDL_Color a, SDL_Color b)
{
    double la = theme_luminance(a), lb = theme_luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

#define DRAW_DISC_R 64 /* radius of the coverage texture */

SDL_Rect kx_rect(int x, int y, int w, int h)
{
    SDL_Rect r = {x, y, w, h};
    return r;
}

SDL_Rect kx_inset(SDL_Rect r, int d)
{
    SDL_Rect o = {r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d};
    if (o.w < 0)
        o.w = 0;
    if (o.h < 0)
        o.h = 0;
    return o;
}

static float draw_clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/*
 * draw_coverage_at - texture of size 2R in colour c whose alpha is c's
 * alpha times the coverage of a ring between radii inner and R (inner 0: a
 * disc), limited to angles [start, start + sweep) degrees measured
 * clockwise from 12 o'clock.
 */
static SDL_Texture *draw_coverage_at(SDL_Renderer *ren, int R, float inner, float sweep,
                                     float start, SDL_Color c)
{
    const Uint32 rgb = ((Uint32)c.r << 16) | ((Uint32)c.g << 8) | c.b;
    const float ca = (float)c.a;
    int S = 2 * R;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, S, S, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Texture *t;
    if (!s)
        return NULL;
    for (int y = 0; y < S; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < S; x++) {
            float dx = (float)x + 0.5f - (float)R, dy = (float)y + 0.5f - (float)R;
            float d = sqrtf(dx * dx + dy * dy);
            float a = draw_clamp01((float)R - d);
            if (inner > 0.0f)
                a = fminf(a, draw_clamp01(d - inner));
            if (sweep < 360.0f) {
                float ang = atan2f(dx, -dy) * 57.29578f - start;
                while (ang < 0.0f)
                    ang += 360.0f;
                /* fade the tail of the arc for a softer spinner */
                if (ang > sweep)
                    a = 0.0f;
                else
                    a *= 0.25f + 0.75f * (ang / sweep);
            }
            row[x] = ((Uint32)(a * ca + 0.5f) << 24) | rgb;
        }
    }
    t = SDL_CreateTextureFromSurface(ren, s);
    SDL_FreeSurface(s);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    return t;
}

static const SDL_Color draw_white = {255, 255, 255, 255};

static SDL_Texture *draw_coverage(SDL_Renderer *ren, int R, float inner, float sweep)
{
    return draw_coverage_at(ren, R, inner, sweep, 0.0f, draw_white);
}

static Uint32 draw_rgba(SDL_Color c)
{
    return ((Uint32)c.r << 24) | ((Uint32)c.g << 16) | ((Uint32)c.b << 8) | c.a;
}

/*
 * Discs at the exact radius and in the colour they are drawn: copying
 * without scaling or modulation is the software renderer's fast path
 * (scaled, blended copies cost ~10x more). A few dozen radius/colour pairs
 * are in use; the cache holds them for the process, replacing the least
 * recently used when full.
 */
#define DRAW_DISC_CACHE 96
static struct {
    SDL_Renderer *ren;
    int r;
    Uint32 rgba;
    Uint64 used;
    SDL_Texture *t;
} draw_discs[DRAW_DISC_CACHE];
static Uint64 draw_disc_stamp;

static SDL_Texture *draw_disc_tex(kx_ui *ui, int r, SDL_Color c)
{
    int slot = 0;
    Uint32 rgba = draw_rgba(c);
    if (r > 256)
        return NULL; /* huge: the caller scales the shared disc */
    for (int i = 0; i < DRAW_DISC_CACHE; i++) {
        if (draw_discs[i].t && draw_discs[i].r == r && draw_discs[i].rgba == rgba &&
            draw_discs[i].ren == ui->ren) {
            draw_discs[i].used = ++draw_disc_stamp;
            return draw_discs[i].t;
        }
        if (draw_discs[i].used < draw_discs[slot].used)
            slot = i;
    }
    if (draw_discs[slot].t)
        SDL_DestroyTexture(draw_discs[slot].t);
    draw_discs[slot].t = draw_coverage_at(ui->ren, r, 0.0f, 360.0f, 0.0f, c);
    draw_discs[slot].r = r;
    draw_discs[slot].rgba = rgba;
    draw_discs[slot].ren = ui->ren;
    draw_discs[slot].used = ++draw_disc_stamp;
    return draw_discs[slot].t;
}

/* kx_draw_init - create the coverage textures (called by kx_ui_create). */
kx_err kx_draw_init(kx_ui *ui)
{
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1");
    ui->tex_disc = draw_coverage(ui->ren, DRAW_DISC_R, 0.0f, 360.0f);
    ui->tex_round = ui->tex_disc;
    ui->tex_arc = draw_coverage(ui->ren, DRAW_DISC_R, (float)DRAW_DISC_R * 0.78f, 300.0f);
    return ui->tex_disc && ui->tex_arc ? KX_OK : KX_ERR_NO_MEMORY;
}

static void draw_color(SDL_Texture *t, SDL_Color c)
{
    SDL_SetTextureColorMod(t, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(t, c.a);
}

/* the window surface when fills go straight into it (fill.c), else NULL */
static SDL_Surface *draw_direct(kx_ui *ui)
{
    return ui->direct == 1 && ui->surface && !SDL_GetRenderTarget(ui->ren) ? ui->surface : NULL;
}

/*
 * Background tiles (direct mode): which 32x32 tiles of the window surface
 * hold anything but the background since the last clear. Every fill and
 * copy marks the tiles it touches; a clear in the same colour fills only
 * the marked ones (the rest are still background), so a screen change no
 * longer writes the whole 8 MB frame twice over. kx_ui_tiles_reset marks
 * all (a new surface, a probe pixel).
 */
#define DRAW_TILE 32

void kx_ui_tiles_reset(kx_ui *ui)
{
    free(ui->tiles);
    ui->tiles = NULL;
    ui->tiles_w = ui->tiles_h = 0;
    ui->tiles_clear_valid = 0;
    if (!ui->surface)
        return;
    ui->tiles_w = (ui->surface->w + DRAW_TILE - 1) / DRAW_TILE;
    ui->tiles_h = (ui->surface->h + DRAW_TILE - 1) / DRAW_TILE;
    ui->tiles = malloc((size_t)ui->tiles_w * (size_t)ui->tiles_h);
    if (ui->tiles)
        memset(ui->tiles, 1, (size_t)ui->tiles_w * (size_t)ui->tiles_h);
}

static void draw_mark(kx_ui *ui, SDL_Rect r)
{
    SDL_Rect all;
    if (!ui->tiles)
        return;
    /* as the fills draw an empty rectangle: one pixel thick */
    if (r.w < 1)
        r.w = 1;
    if (r.h < 1)
        r.h = 1;
    all = (SDL_Rect){0, 0, ui->surface->w, ui->surface->h};
    if (!SDL_IntersectRect(&r, &all, &r))
        return;
    int x0 = r.x / DRAW_TILE, x1 = (r.x + r.w - 1) / DRAW_TILE;
    for (int ty = r.y / DRAW_TILE; ty <= (r.y + r.h - 1) / DRAW_TILE; ty++)
        memset(ui->tiles + (size_t)ty * (size_t)ui->tiles_w + x0, 1, (size_t)(x1 - x0 + 1));
}

/* draw_clear_tiles - the marked tiles back to c, in runs along each row */
static void draw_clear_tiles(kx_ui *ui, SDL_Surface *s, SDL_Color c)
{
    for (int ty = 0; ty < ui->tiles_h; ty++) {
        Uint8 *row = ui->tiles + (size_t)ty * (size_t)ui->tiles_w;
        for (int tx = 0; tx < ui->tiles_w;) {
            int end = tx;
            if (!row[tx]) {
                tx++;
                continue;
            }
            while (end < ui->tiles_w && row[end])
                end++;
            kx_fill_solid(
                s, kx_rect(tx * DRAW_TILE, ty * DRAW_TILE, (end - tx) * DRAW_TILE, DRAW_TILE),
                c);
            tx = end;
        }
    }
}

void kx_copy(kx_ui *ui, SDL_Texture *t, const SDL_Rect *src, const SDL_Rect *dst)
{
    if (ui->dry)
        return;
    if (draw_direct(ui))
        draw_mark(ui, dst ? *dst : kx_rect(0, 0, ui->W, ui->H));
    SDL_RenderCopy(ui->ren, t, src, dst);
}

int kx_blit(kx_ui *ui, SDL_Surface *src, SDL_Rect dst)
{
    SDL_Surface *s = draw_direct(ui);
    if (ui->dry)
        return 1;
    if (!s)
        return 0;
    draw_mark(ui, dst);
    SDL_BlitSurface(src, NULL, s, &dst);
    return 1;
}

void kx_clear(kx_ui *ui, SDL_Color c)
{
    SDL_Surface *s = draw_direct(ui);
    if (ui->dry)
        return;
    if (s) {
        Uint32 px;
        c.a = 255;
        px = SDL_MapRGBA(s->format, c.r, c.g, c.b, c.a);
        if (ui->tiles && ui->tiles_clear_valid && ui->tiles_clear == px)
            draw_clear_tiles(ui, s, c);
        else
            kx_fill_solid(s, kx_rect(0, 0, s->w, s->h), c);
        if (ui->tiles) {
            memset(ui->tiles, 0, (size_t)ui->tiles_w * (size_t)ui->tiles_h);
            ui->tiles_clear = px;
            ui->tiles_clear_valid = 1;
        }
        return;
    }
    SDL_SetRenderDrawColor(ui->ren, c.r, c.g, c.b, 255);
    SDL_RenderClear(ui->ren);
}

void kx_fill(kx_ui *ui, SDL_Rect r, SDL_Color c)
{
    SDL_Surface *s = draw_direct(ui);
    if (ui->dry)
        return;
    if (s) {
        draw_mark(ui, r);
        if (c.a == 255)
            kx_fill_solid(s, r, c);
        else
            kx_fill_blend(s, r, c);
        return;
    }
    SDL_SetRenderDrawBlendMode(ui->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(ui->ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(ui->ren, &r);
}

/* draw_fill_except - kx_fill of r without the part inside hole (which the
 * caller paints opaque afterwards): up to four bands. An empty r keeps
 * kx_fill's one-pixel line. */
static void draw_fill_except(kx_ui *ui, SDL_Rect r, SDL_Color c, const SDL_Rect *hole)
{
    SDL_Rect in;
    if (!hole || r.w < 1 || r.h < 1 || !SDL_IntersectRect(&r, hole, &in)) {
        kx_fill(ui, r, c);
        return;
    }
    if (in.y > r.y)
        kx_fill(ui, kx_rect(r.x, r.y, r.w, in.y - r.y), c);
    if (in.y + in.h < r.y + r.h)
        kx_fill(ui, kx_rect(r.x, in.y + in.h, r.w, r.y + r.h - in.y - in.h), c);
    if (in.x > r.x)
        kx_fill(ui, kx_rect(r.x, in.y, in.x - r.x, in.h), c);
    if (in.x + in.w < r.x + r.w)
        kx_fill(ui, kx_rect(in.x + in.w, in.y, r.x + r.w - in.x - in.w, in.h), c);
}

static int draw_radius(SDL_Rect r, int radius)
{
    if (radius * 2 > r.w)
        radius = r.w / 2;
    if (radius * 2 > r.h)
        radius = r.h / 2;
    return radius;
}

SDL_Rect kx_round_core(SDL_Rect r, int radius)
{
    int rad = draw_radius(r, radius);
    if (rad < 0)
        rad = 0;
    /* the middle column: the largest rectangle kx_round fills opaque */
    return kx_rect(r.x + rad, r.y, r.w - 2 * rad, r.h);
}

void kx_round_under(kx_ui *ui, SDL_Rect r, int radius, SDL_Color c, SDL_Rect hole)
{
    int rad = draw_radius(r, radius);
    const SDL_Rect *h = hole.w > 0 && hole.h > 0 ? &hole : NULL;
    if (rad <= 0) {
        draw_fill_except(ui, r, c, h);
        return;
    }
    SDL_Texture *disc = draw_disc_tex(ui, rad, c);
    const int R = disc ? rad : DRAW_DISC_R;
    if (!disc) {
        disc = ui->tex_round;
        draw_color(disc, c);
    }
    /* corners: quadrants of the disc */
    SDL_Rect src[4] = {{0, 0, R, R}, {R, 0, R, R}, {0, R, R, R}, {R, R, R, R}};
    SDL_Rect dst[4] = {{r.x, r.y, rad, rad},
                       {r.x + r.w - rad, r.y, rad, rad},
                       {r.x, r.y + r.h - rad, rad, rad},
                       {r.x + r.w - rad, r.y + r.h - rad, rad, rad}};
    for (int i = 0; i < 4; i++)
        kx_copy(ui, disc, &src[i], &dst[i]);
    draw_fill_except(ui, kx_rect(r.x + rad, r.y, r.w - 2 * rad, r.h), c, h);
    draw_fill_except(ui, kx_rect(r.x, r.y + rad, rad, r.h - 2 * rad), c, h);
    draw_fill_except(ui, kx_rect(r.x + r.w - rad, r.y + rad, rad, r.h - 2 * rad), c, h);
}

void kx_round(kx_ui *ui, SDL_Rect r, int radius, SDL_Color c)
{
    kx_round_under(ui, r, radius, c, kx_rect(0, 0, 0, 0));
}

void kx_card(kx_ui *ui, SDL_Rect r)
{
    SDL_Color shadow = {0x10, 0x2A, 0x50, 0x12};
    /* only the strip below the card shows: blend no more than that */
    SDL_Rect in = kx_inset(r, 2);
    kx_round_under(ui, kx_rect(r.x, r.y + r.h - 2 * KX_RADIUS + 6, r.w, 2 * KX_RADIUS),
                   KX_RADIUS, shadow, kx_round_core(r, KX_RADIUS));
    kx_round_under(ui, r, KX_RADIUS, KX_C_LINE, kx_round_core(in, KX_RADIUS - 2));
    kx_round(ui, in, KX_RADIUS - 2, KX_C_SURFACE);
}

void kx_disc(kx_ui *ui, int cx, int cy, int radius, SDL_Color c)
{
    SDL_Rect d = {cx - radius, cy - radius, 2 * radius, 2 * radius};
    SDL_Texture *disc = draw_disc_tex(ui, radius, c);
    if (!disc) {
        disc = ui->tex_disc;
        draw_color(disc, c);
    }
    kx_copy(ui, disc, NULL, &d);
}

void kx_ring(kx_ui *ui, int cx, int cy, int radius, int thick, SDL_Color c)
{
    /* an outer disc in c, an inner disc in the page colour below */
    kx_disc(ui, cx, cy, radius, c);
    kx_disc(ui, cx, cy, radius - thick, KX_C_SURFACE);
}

/* Spinner frames: the arc pre-rotated in 10-degree steps at the radius and
 * in the colour in use, made on first use; a rotated copy per frame would
 * cost ~1 ms on the software renderer. */
#define DRAW_SPIN_STEPS 36
static struct {
    SDL_Renderer *ren;
    int r;
    Uint32 rgba;
    SDL_Texture *t[DRAW_SPIN_STEPS];
} draw_spin;

static void draw_spin_free(void)
{
    for (int i = 0; i < DRAW_SPIN_STEPS; i++)
        if (draw_spin.t[i])
            SDL_DestroyTexture(draw_spin.t[i]);
    memset(&draw_spin, 0, sizeof draw_spin);
}

void kx_spinner(kx_ui *ui, int cx, int cy, int radius, SDL_Color c)
{
    if (ui->dry)
        return;
    if (ui->deferring && ui->n_spin < 4) {
        /* drawn over the cached layer every frame (app.c, kx_ui_render) */
        ui->spin[ui->n_spin].cx = cx;
        ui->spin[ui->n_spin].cy = cy;
        ui->spin[ui->n_spin].r = radius;
        ui->spin[ui->n_spin].c = c;
        ui->n_spin++;
        ui->animating = 1;
        return;
    }
    SDL_Rect d = {cx - radius, cy - radius, 2 * radius, 2 * radius};
    int step = (int)((ui->now_ms % 1080) * DRAW_SPIN_STEPS / 1080);
    ui->animating = 1;
    if (draw_spin.ren != ui->ren || draw_spin.r != radius || draw_spin.rgba != draw_rgba(c)) {
        draw_spin_free();
        draw_spin.ren = ui->ren;
        draw_spin.r = radius;
        draw_spin.rgba = draw_rgba(c);
    }
    if (!draw_spin.t[step])
        draw_spin.t[step] = draw_coverage_at(ui->ren, radius, (float)radius * 0.78f, 300.0f,
                                             (float)step * (360.0f / DRAW_SPIN_STEPS), c);
    if (!draw_spin.t[step])
        return;
    kx_copy(ui, draw_spin.t[step], NULL, &d);
}

void kx_draw_free(kx_ui *ui)
{
    if (draw_spin.ren == ui->ren)
        draw_spin_free();
    for (int i = 0; i < DRAW_DISC_CACHE; i++)
        if (draw_discs[i].t && draw_discs[i].ren == ui->ren) {
            SDL_DestroyTexture(draw_discs[i].t);
            memset(&draw_discs[i], 0, sizeof draw_discs[i]);
        }
}
