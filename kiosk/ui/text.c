/* SPDX-License-Identifier: MIT */
/*
 * text.c - text layout and the text texture cache.
 *
 * Line breaking: Latin text breaks at spaces; CJK text may break between
 * any two characters except before closing punctuation (，。、）」 …) and
 * after opening punctuation (（「 …), the usual Chinese line-start and
 * line-end rules. A token wider than the box (an e-mail address, a serial
 * number) is broken between characters. '\n' is a hard break.
 *
 * Fitting: a text is laid out at its preferred size and shrunk step by step
 * toward its minimum until every line fits the box. Nothing required is
 * ever cut: when even the minimum does not fit, the text is drawn whole
 * past the box and the audit (screenshot tests) records an overflow.
 *
 * Measuring and drawing use the glyph cache (glyph.c through
 * kx_fonts_glyph) for ink boxes and coverage, and the text shaped once per
 * face (kx_fonts_shape: HarfBuzz advances and OpenType pair kerning):
 * glyphs are placed as SDL_ttf places a line (26.6 pen, floored per glyph)
 * and a width is what TTF_SizeUTF8 reports, but without shaping the
 * string again for every candidate line;
 * a text is composed from the glyphs' cached coverage in its colour, so a
 * glyph is rasterised once for the life of the process, not once per
 * text. Ligatures (fi, ffi) are not formed: each letter is drawn alone.
 *
 * The cache keeps one texture per (text, box size, style, colour) so a
 * frame only copies textures; entries unused for a while are evicted. The
 * colour is in the texture's pixels: a copy without colour modulation is
 * the software renderer's fast blending path. The textures hold session
 * text and are dropped by kx_text_cache_clear; the glyph cache holds only
 * font data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "ui/ui_internal.h"

#define TEXT_MAX_BYTES 4096
#define TEXT_MAX_LINES 64
#define TEXT_CACHE_SIZE 384

typedef struct text_entry {
    uint64_t key;
    SDL_Texture *tex;  /* NULL for measure-only entries */
    SDL_Surface *surf; /* direct mode: blitted onto the window surface instead */
    int w, h;          /* texture (or measured) size */
    int overflow;      /* did not fit the box even at min size */
    uint32_t missing;  /* first codepoint no face provides, 0 if none */
    Uint64 used;       /* frame stamp */
} text_entry;

struct kx_text_cache {
    text_entry e[TEXT_CACHE_SIZE];
    Uint64 stamp;
    /* the text being laid out, decoded once (UI thread only) */
    uint32_t cp[TEXT_MAX_BYTES];
    int at[TEXT_MAX_BYTES + 1];        /* code point index of a byte offset */
    const kx_glyph *g[TEXT_MAX_BYTES]; /* glyphs at the size being tried */
    int n_cp;
    int adv[TEXT_MAX_BYTES];    /* advance of each code point, font units */
    int kern[TEXT_MAX_BYTES];   /* pair kerning with the next one, font units */
    int adv64[TEXT_MAX_BYTES];  /* the same two at the size being tried, */
    int kern64[TEXT_MAX_BYTES]; /* in 1/64 px */
    int kern_face, upem;        /* face*2+weight they were shaped for, -1 none */
};

kx_err kx_text_cache_new(kx_text_cache **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? KX_OK : KX_ERR_NO_MEMORY;
}

void kx_text_cache_clear(kx_text_cache *tc)
{
    if (!tc)
        return;
    for (int i = 0; i < TEXT_CACHE_SIZE; i++) {
        if (tc->e[i].tex)
            SDL_DestroyTexture(tc->e[i].tex);
        if (tc->e[i].surf)
            SDL_FreeSurface(tc->e[i].surf);
        memset(&tc->e[i], 0, sizeof tc->e[i]);
    }
}

void kx_text_cache_free(kx_text_cache *tc)
{
    kx_text_cache_clear(tc);
    free(tc);
}

kx_text_style kx_style(int size, kx_weight w, SDL_Color c, int halign, int valign)
{
    kx_text_style st = {size, 0, w, c, halign, valign, 0, 0};
    return st;
}

/* ---- UTF-8 and character classes ---- */

/* text_next - decode one code point at s[*i], advancing *i. Invalid bytes
 * decode as U+FFFD (jansson only hands us valid UTF-8, but be safe). */
static uint32_t text_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    uint32_t cp;
    size_t len;
    if (p[0] < 0x80) {
        cp = p[0];
        len = 1;
    } else if ((p[0] & 0xE0) == 0xC0) {
        cp = p[0] & 0x1Fu;
        len = 2;
    } else if ((p[0] & 0xF0) == 0xE0) {
        cp = p[0] & 0x0Fu;
        len = 3;
    } else if ((p[0] & 0xF8) == 0xF0) {
        cp = p[0] & 0x07u;
        len = 4;
    } else {
        *i += 1;
        return 0xFFFD;
    }
    if (*i + len > n) {
        *i = n;
        return 0xFFFD;
    }
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *i += k;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[k] & 0x3Fu);
    }
    *i += len;
    return cp;
}

static int text_is_cjk(uint32_t c)
{
    return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
           (c >= 0xFF00 && c <= 0xFFEF) || c >= 0x20000;
}

/* May not start a line (closing punctuation). */
static int text_no_start(uint32_t c)
{
    static const uint32_t set[] = {
        0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF1F, 0xFF01, 0xFF09, 0x3011,
        0x300D, 0x300F, 0x300B, 0x3009, 0x201D, 0x2019, 0x2026, 0xFF05, 0x30FC, ')',
        ']',    '}',    '.',    ',',    ';',    ':',    '!',    '?',    '%'};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        if (set[i] == c)
            return 1;
    return 0;
}

/* May not end a line (opening punctuation). */
static int text_no_end(uint32_t c)
{
    static const uint32_t set[] = {0xFF08, 0x3010, 0x300C, 0x300E, 0x300A, 0x3008,
                                   0x201C, 0x2018, '(',    '[',    '{'};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        if (set[i] == c)
            return 1;
    return 0;
}

/* ---- layout ---- */

typedef struct text_lines {
    size_t off[TEXT_MAX_LINES], len[TEXT_MAX_LINES];
    int n;
    int maxw;
} text_lines;

/* text_decode - code points of s (n bytes) and the code point index of
 * each byte offset, into tc's scratch. */
static void text_decode(kx_text_cache *tc, const char *s, size_t n)
{
    size_t i = 0;
    int k = 0;
    while (i < n) {
        size_t start = i;
        uint32_t c = text_next(s, n, &i);
        for (size_t b = start; b < i; b++)
            tc->at[b] = k;
        tc->cp[k++] = c;
    }
    tc->at[n] = k;
    tc->n_cp = k;
    tc->kern_face = -1;
}

/* text_scale64 - font units at size px per em in 26.6, rounded (what
 * FreeType and HarfBuzz give SDL_ttf). */
static int text_scale64(int units, int size, int upem)
{
    long long v = (long long)units * size * 64;
    return (int)((v + (v >= 0 ? 1 : -1) * (upem / 2)) / upem);
}

/* text_glyphs - look up (measure, not rasterise) every glyph of the
 * decoded text s (n bytes) in one face/weight/size, with its kerning at
 * that size; -1 when the face cannot be used. */
static int text_glyphs(kx_ui *ui, const char *s, size_t n, int face, kx_weight w, int size)
{
    kx_text_cache *tc = ui->tc;
    for (int k = 0; k < tc->n_cp; k++)
        if (!(tc->g[k] = kx_fonts_glyph(ui->fonts, face, w, size, tc->cp[k], 0)))
            return -1;
    if (tc->kern_face != face * 2 + (int)w) {
        tc->upem =
            kx_fonts_shape(ui->fonts, face, w, s, n, tc->at, tc->n_cp, tc->adv, tc->kern);
        tc->kern_face = face * 2 + (int)w;
    }
    for (int k = 0; k < tc->n_cp; k++) {
        if (tc->upem <= 0) {
            /* not shaped: the hinted whole-pixel advance, no kerning */
            tc->adv64[k] = tc->g[k]->advance * 64;
            tc->kern64[k] = 0;
            continue;
        }
        tc->adv64[k] = text_scale64(tc->adv[k], size, tc->upem);
        tc->kern64[k] = text_scale64(tc->kern[k], size, tc->upem);
    }
    return 0;
}

/* text_floor64 - whole pixels of a 26.6 position, rounded down. */
static int text_floor64(int v)
{
    return v >= 0 ? v / 64 : -((-v + 63) / 64);
}

/* text_span - pen positions of the glyphs of code points [a, b) laid out
 * as one line (x[k - a], when x is not NULL), its ink extent from the pen
 * origin (*minx <= 0) and its width: what TTF_SizeUTF8 reports, the ink
 * box joined with the advance. */
static int text_span(const kx_text_cache *tc, int a, int b, int *x, int *minx)
{
    int pen = 0, lo = 0, hi = 0; /* pen in 26.6 */
    for (int k = a; k < b; k++) {
        const kx_glyph *g = tc->g[k];
        int px = text_floor64(pen);
        int left = px + g->cov_x;
        if (x)
            x[k - a] = px;
        if (left < lo)
            lo = left;
        if (left + g->cov_w > hi)
            hi = left + g->cov_w;
        /* kerning with the next code point only when it is on this line */
        pen += tc->adv64[k] + (k + 1 < b ? tc->kern64[k] : 0);
    }
    if (text_floor64(pen) > hi)
        hi = text_floor64(pen);
    if (minx)
        *minx = lo;
    return hi - lo;
}

static int text_width(const kx_text_cache *tc, size_t off, size_t len)
{
    if (len == 0)
        return 0;
    return text_span(tc, tc->at[off], tc->at[off + len], NULL, NULL);
}

static int text_push(text_lines *L, size_t off, size_t len, int w)
{
    if (L->n >= TEXT_MAX_LINES)
        return -1;
    L->off[L->n] = off;
    L->len[L->n] = len;
    L->n++;
    if (w > L->maxw)
        L->maxw = w;
    return 0;
}

/*
 * text_wrap - break s (n bytes) into lines no wider than maxw with font f.
 * Segments are the unbreakable units; a line is filled greedily. Returns 0,
 * or -1 when a single character is wider than maxw or there are too many
 * lines.
 */
static int text_wrap(const kx_text_cache *f, const char *s, size_t n, int maxw, text_lines *L)
{
    size_t i = 0, line_start = 0, line_end = 0; /* end excludes trailing spaces */
    int have = 0;
    memset(L, 0, sizeof *L);
    while (i <= n) {
        /* find the next segment [seg, seg_end_text) and where it ends with
         * its trailing spaces (seg_next) */
        size_t seg = i, seg_end = i, j = i;
        uint32_t prev = 0;
        int hard = 0;
        if (i == n) {
            hard = 1; /* flush */
        } else {
            size_t k = j;
            uint32_t c = text_next(s, n, &k);
            if (c == '\n') {
                hard = 1;
                j = k;
            } else {
                int cjk = text_is_cjk(c) && !text_no_start(c);
                j = k;
                prev = c;
                /* glue: opening punctuation binds to what follows */
                while (j < n) {
                    size_t k2 = j;
                    uint32_t d = text_next(s, n, &k2);
                    if (d == ' ' || d == '\n')
                        break;
                    if (text_no_start(d) || text_no_end(prev)) {
                        j = k2;
                        prev = d;
                        continue;
                    }
                    if (cjk || text_is_cjk(d))
                        break;
                    j = k2;
                    prev = d;
                }
                seg_end = j;
                while (j < n && s[j] == ' ')
                    j++;
            }
        }
        if (hard) {
            if (text_push(L, line_start, have ? line_end - line_start : 0,
                          have ? text_width(f, line_start, line_end - line_start) : 0) < 0)
                return -1;
            if (i >= n)
                break;
            i = j;
            line_start = line_end = i;
            have = 0;
            continue;
        }
        if (!have) {
            line_start = seg;
        }
        if (text_width(f, line_start, seg_end - line_start) <= maxw) {
            line_end = seg_end;
            have = 1;
            i = j;
            continue;
        }
        if (have) {
            /* close the line before this segment and retry it alone */
            if (text_push(L, line_start, line_end - line_start,
                          text_width(f, line_start, line_end - line_start)) < 0)
                return -1;
            have = 0;
            line_start = seg;
            continue;
        }
        /* a single segment wider than the box: break it between characters */
        {
            size_t a = seg, b = seg, last_fit = seg;
            while (b < seg_end) {
                size_t k = b;
                text_next(s, n, &k);
                if (text_width(f, a, k - a) > maxw) {
                    if (last_fit == a)
                        return -1;
                    if (text_push(L, a, last_fit - a, text_width(f, a, last_fit - a)) < 0)
                        return -1;
                    a = last_fit;
                    continue;
                }
                b = k;
                last_fit = k;
            }
            line_start = a;
            line_end = seg_end;
            have = 1;
            i = j;
        }
    }
    return 0;
}

/* ---- faces and glyph coverage ---- */

/* text_face - first face providing every glyph of s; *missing gets the
 * first unprovided code point when none does (the main face is used). */
static int text_face(kx_ui *ui, const char *s, size_t n, kx_weight w, int size,
                     uint32_t *missing)
{
    int faces = kx_fonts_count(ui->fonts);
    *missing = 0;
    for (int which = 0; which < faces; which++) {
        TTF_Font *f = kx_fonts_get(ui->fonts, which, w, size);
        size_t i = 0;
        uint32_t miss = 0;
        if (!f)
            continue;
        while (i < n) {
            uint32_t c = text_next(s, n, &i);
            if (c == '\n' || c == ' ')
                continue;
            if (!TTF_GlyphIsProvided32(f, c)) {
                miss = c;
                break;
            }
        }
        if (!miss)
            return which;
        if (which == 0)
            *missing = miss;
    }
    return 0;
}

static int text_cmp_u32(const void *a, const void *b)
{
    Uint32 x = *(const Uint32 *)a, y = *(const Uint32 *)b;
    return x < y ? -1 : x > y;
}

static uint64_t text_key(const char *s, size_t n, int w, int h, const kx_text_style *st,
                         int measure)
{
    uint64_t x = 1469598103934665603ULL;
    /* the colour is in the texture; measuring does not depend on it */
    int rgba = measure ? 0
                       : (int)(((unsigned)st->color.r << 24) | ((unsigned)st->color.g << 16) |
                               ((unsigned)st->color.b << 8) | st->color.a);
    int v[9] = {
        w,       h,   st->size, st->min_size, (int)st->weight, st->halign, st->max_lines,
        measure, rgba};
    for (size_t i = 0; i < n; i++) {
        x ^= (unsigned char)s[i];
        x *= 1099511628211ULL;
    }
    for (size_t i = 0; i < 9; i++) {
        x ^= (uint64_t)(unsigned)v[i];
        x *= 1099511628211ULL;
    }
    return x;
}

static text_entry *text_lookup(kx_text_cache *tc, uint64_t key)
{
    for (int i = 0; i < TEXT_CACHE_SIZE; i++)
        if (tc->e[i].key == key && (tc->e[i].tex || tc->e[i].surf || tc->e[i].w || tc->e[i].h))
            return &tc->e[i];
    return NULL;
}

static text_entry *text_slot(kx_text_cache *tc)
{
    int best = 0;
    for (int i = 0; i < TEXT_CACHE_SIZE; i++) {
        if (!tc->e[i].tex && !tc->e[i].surf && !tc->e[i].w && !tc->e[i].h)
            return &tc->e[i];
        if (tc->e[i].used < tc->e[best].used)
            best = i;
    }
    if (tc->e[best].tex)
        SDL_DestroyTexture(tc->e[best].tex);
    if (tc->e[best].surf)
        SDL_FreeSurface(tc->e[best].surf);
    memset(&tc->e[best], 0, sizeof tc->e[best]);
    return &tc->e[best];
}

static int text_next_size(int size)
{
    int next = size * 92 / 100;
    if (next >= size)
        next = size - 1;
    return next & ~1; /* even sizes only: fewer fonts to open */
}

/* text_fit - choose a size and lay out; returns the size, sets *fit. */
static int text_fit(kx_ui *ui, const char *s, size_t n, int w, int h, const kx_text_style *st,
                    text_lines *L, int *face, uint32_t *missing, int *fit, int shrink)
{
    int size = st->size;
    int minsz = st->min_size > 0 ? st->min_size : st->size * 6 / 10;
    if (minsz < 12)
        minsz = 12;
    text_decode(ui->tc, s, n);
    for (;;) {
        TTF_Font *f;
        *face = text_face(ui, s, n, st->weight, size, missing);
        f = kx_fonts_get(ui->fonts, *face, st->weight, size);
        if (!f || text_glyphs(ui, s, n, *face, st->weight, size) != 0) {
            memset(L, 0, sizeof *L);
            *fit = 0;
            return size;
        }
        const kx_text_cache *tc = ui->tc;
        int ok = text_wrap(tc, s, n, w, L) == 0;
        if (ok && st->max_lines > 0 && L->n > st->max_lines)
            ok = 0;
        if (ok && h > 0 && (L->n - 1) * TTF_FontLineSkip(f) + TTF_FontHeight(f) > h)
            ok = 0;
        if (ok || !shrink || size <= minsz) {
            *fit = ok;
            if (!ok && text_wrap(tc, s, n, w, L) != 0) {
                /* even one character is too wide: one line, uncut */
                memset(L, 0, sizeof *L);
                text_push(L, 0, n, text_width(tc, 0, n));
            }
            return size;
        }
        size = text_next_size(size);
        if (size < minsz)
            size = minsz;
    }
}

/* text_compose_line - draw line i (code points [a, b)) of a text into
 * the ARGB surface `all`, glyph by glyph from the cache, in colour c:
 * where SDL_ttf would put it (its line surface, aligned, at i * skip). */
static void text_compose_line(kx_ui *ui, SDL_Surface *all, int a, int b, int top, int face,
                              kx_weight w, int size, int halign, SDL_Color c)
{
    kx_text_cache *tc = ui->tc;
    TTF_Font *f = kx_fonts_get(ui->fonts, face, w, size);
    int x[TEXT_MAX_BYTES];
    int minx = 0, ystart = 0, ascent;
    const Uint32 rgb = ((Uint32)c.r << 16) | ((Uint32)c.g << 8) | c.b;
    if (!f || b <= a)
        return;
    ascent = TTF_FontAscent(f);
    int lw = text_span(tc, a, b, x, &minx);
    for (int k = a; k < b; k++)
        if (tc->g[k]->top - ascent > ystart)
            ystart = tc->g[k]->top - ascent; /* a glyph above the line box */
    int dx = halign == KX_CENTER ? (all->w - lw) / 2 : halign == KX_RIGHT ? all->w - lw : 0;
    dx -= minx;
    for (int k = a; k < b; k++) {
        const kx_glyph *g = kx_fonts_glyph(ui->fonts, face, w, size, tc->cp[k], 1);
        if (!g || !g->cov)
            continue;
        int gx = dx + x[k - a] + g->cov_x, gy = top + ystart + ascent - g->top;
        for (int yy = 0; yy < g->cov_h; yy++) {
            int y = gy + yy;
            if (y < 0 || y >= all->h)
                continue;
            Uint32 *row = (Uint32 *)((Uint8 *)all->pixels + y * all->pitch);
            const Uint8 *src = g->cov + yy * g->cov_w;
            for (int xx = 0; xx < g->cov_w; xx++) {
                int px = gx + xx;
                Uint32 al = src[xx];
                if (!al || px < 0 || px >= all->w)
                    continue;
                if (c.a != 255)
                    al = (al * c.a + 127) / 255;
                /* overlapping ink (kerned or accented glyphs) keeps the
                 * stronger coverage */
                if (al > row[px] >> 24)
                    row[px] = (al << 24) | rgb;
            }
        }
    }
}

/* text_render - the laid-out text as one surface in colour c (straight
 * alpha, blended). */
static SDL_Surface *text_render(kx_ui *ui, const text_lines *L, int face, kx_weight w, int size,
                                int halign, SDL_Color c, int *tw, int *th)
{
    TTF_Font *f = kx_fonts_get(ui->fonts, face, w, size);
    SDL_Surface *all;
    if (!f)
        return NULL;
    int skip = TTF_FontLineSkip(f), lh = TTF_FontHeight(f);
    int W = L->maxw > 0 ? L->maxw : 1;
    int H = L->n > 0 ? (L->n - 1) * skip + lh : 1;
    /* created cleared to transparent */
    all = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!all)
        return NULL;
    SDL_SetSurfaceBlendMode(all, SDL_BLENDMODE_BLEND);
    for (int i = 0; i < L->n; i++)
        text_compose_line(ui, all, ui->tc->at[L->off[i]], ui->tc->at[L->off[i] + L->len[i]],
                          i * skip, face, w, size, halign, c);
    *tw = W;
    *th = H;
    return all;
}

/* text_show - draw an entry at dst: its surface straight onto the window
 * in direct mode (the blit SDL's software renderer would do with a texture
 * of it), else a texture made from it once. */
static void text_show(kx_ui *ui, text_entry *e, SDL_Rect dst)
{
    if (e->surf && kx_blit(ui, e->surf, dst))
        return;
    if (e->surf) {
        e->tex = SDL_CreateTextureFromSurface(ui->ren, e->surf);
        if (e->tex)
            SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
        SDL_FreeSurface(e->surf);
        e->surf = NULL;
    }
    if (e->tex)
        kx_copy(ui, e->tex, NULL, &dst);
}

/*
 * text_large - the style a text is drawn in: as given, or in large-text
 * mode 1.4 times its sizes (rounded up). Body text (up to
 * KX_TEXT_BODY_MAX px) then never shrinks below 1.4 times its normal size
 * (the audit reports it when it does not fit); titles and figures may
 * shrink to 1.4 times their normal minimum, labels (buttons, keys, the
 * header) to their normal minimum. One more line is allowed. Staff screens
 * keep their normal sizes (in the high-contrast palette).
 */
static kx_text_style text_large(const kx_ui *ui, const kx_text_style *st)
{
    kx_text_style e = *st;
    /* the staff and maintenance screens are the staff's: normal sizes */
    if (ui->large && !kx_staff_ui_active(ui)) {
        int min = st->min_size ? st->min_size : st->size * 6 / 10;
        e.size = (st->size * 14 + 9) / 10;
        if (st->label)
            e.min_size = min; /* never smaller than the normal mode allows */
        else
            e.min_size = st->size <= KX_TEXT_BODY_MAX ? e.size : (min * 14 + 9) / 10;
        if (e.max_lines)
            e.max_lines++;
    }
    return e;
}

/* text_audit_contrast - large-text mode: the text's colour against the
 * background it is about to be drawn on (the commonest pixel of dst) must
 * reach 7:1. Screenshot audits only (reads pixels back). */
static void text_audit_contrast(kx_ui *ui, const char *s, SDL_Rect dst, SDL_Color fg)
{
    SDL_Rect all = {0, 0, ui->W, ui->H};
    Uint32 *px, best = 0;
    int n, run = 0, best_run = 0;
    if (!ui->audit || !ui->large || !SDL_IntersectRect(&dst, &all, &dst))
        return;
    n = dst.w * dst.h;
    px = malloc((size_t)n * sizeof *px);
    if (!px)
        return;
    if (SDL_RenderReadPixels(ui->ren, &dst, SDL_PIXELFORMAT_ARGB8888, px, dst.w * 4) == 0) {
        qsort(px, (size_t)n, sizeof *px, text_cmp_u32);
        for (int i = 0; i < n; i++) {
            run = i > 0 && px[i] == px[i - 1] ? run + 1 : 1;
            if (run > best_run) {
                best_run = run;
                best = px[i];
            }
        }
        SDL_Color bg = {(Uint8)(best >> 16), (Uint8)(best >> 8), (Uint8)best, 0xFF};
        double ratio = kx_contrast(fg, bg);
        if (ratio < 7.0) {
            char what[96];
            snprintf(what, sizeof what, "contrast %.1f:1 below 7:1 (#%02X%02X%02X on #%06X)",
                     ratio, fg.r, fg.g, fg.b, (unsigned)(best & 0xFFFFFF));
            kx_ui_audit_fail(ui, what, s);
        }
    }
    free(px);
}

static void text_audit(kx_ui *ui, const char *s, const text_entry *e, SDL_Rect box)
{
    char what[64];
    if (!ui->audit)
        return;
    if (e->overflow)
        kx_ui_audit_fail(ui, "text does not fit its box", s);
    if (e->missing) {
        snprintf(what, sizeof what, "missing glyph U+%04X", (unsigned)e->missing);
        kx_ui_audit_fail(ui, what, s);
    }
    if (box.x < 0 || box.y < 0 || box.x + box.w > ui->W || box.y + box.h > ui->H)
        kx_ui_audit_fail(ui, "text box outside the screen", s);
}

SDL_Rect kx_text(kx_ui *ui, const char *s, SDL_Rect box, const kx_text_style *style)
{
    SDL_Rect none = {box.x, box.y, 0, 0};
    size_t n;
    uint64_t key;
    text_entry *e;
    kx_text_style large = text_large(ui, style);
    const kx_text_style *st = &large;
    if (!s || !s[0])
        return none;
    kx_ui_record_text(ui, s); /* tests only (harness.c) */
    if (box.w <= 0 || box.h < 0) {
        /* a layout left no room: that is an overflow, not an empty text */
        kx_ui_audit_fail(ui, "text box has no room", s);
        return none;
    }
    kx_fonts_trim(ui->fonts);
    n = strnlen(s, TEXT_MAX_BYTES - 1);
    key = text_key(s, n, box.w, box.h, st, 0);
    e = text_lookup(ui->tc, key);
    if (!e && ui->dry) {
        /* warm-up: the glyphs and sizes it needs into their caches, no
         * entry (the cache holds what the screens show) */
        text_lines L;
        int face = 0, fit = 0, w = 0, h = 0;
        uint32_t missing = 0;
        int size = text_fit(ui, s, n, box.w, box.h, st, &L, &face, &missing, &fit, 1);
        SDL_FreeSurface(
            text_render(ui, &L, face, st->weight, size, st->halign, st->color, &w, &h));
        return none;
    }
    if (!e) {
        text_lines L;
        int face = 0, fit = 0;
        uint32_t missing = 0;
        int size = text_fit(ui, s, n, box.w, box.h, st, &L, &face, &missing, &fit, 1);
        e = text_slot(ui->tc);
        e->key = key;
        e->overflow = !fit;
        e->missing = missing;
        e->surf =
            text_render(ui, &L, face, st->weight, size, st->halign, st->color, &e->w, &e->h);
        if (!e->surf) {
            e->w = e->w ? e->w : 1;
            e->h = e->h ? e->h : 1;
        }
    }
    e->used = ++ui->tc->stamp;
    text_audit(ui, s, e, box);
    if (!e->tex && !e->surf)
        return none;
    SDL_Rect dst = {box.x, box.y, e->w, e->h};
    if (st->halign == KX_CENTER)
        dst.x = box.x + (box.w - e->w) / 2;
    else if (st->halign == KX_RIGHT)
        dst.x = box.x + box.w - e->w;
    if (box.h > 0 && st->valign == KX_MIDDLE)
        dst.y = box.y + (box.h - e->h) / 2;
    else if (box.h > 0 && st->valign == KX_BOTTOM)
        dst.y = box.y + box.h - e->h;
    text_audit_contrast(ui, s, dst, st->color);
    text_show(ui, e, dst);
    return dst;
}

int kx_text_measure(kx_ui *ui, const char *s, int w, const kx_text_style *style)
{
    size_t n;
    uint64_t key;
    text_entry *e;
    kx_text_style large = text_large(ui, style);
    const kx_text_style *st = &large;
    if (!s || !s[0] || w <= 0)
        return 0;
    kx_fonts_trim(ui->fonts);
    n = strnlen(s, TEXT_MAX_BYTES - 1);
    key = text_key(s, n, w, 0, st, 1);
    e = text_lookup(ui->tc, key);
    if (!e) {
        text_lines L;
        int face = 0, fit = 0;
        uint32_t missing = 0;
        int size = text_fit(ui, s, n, w, 0, st, &L, &face, &missing, &fit, 0);
        TTF_Font *f = kx_fonts_get(ui->fonts, face, st->weight, size);
        e = text_slot(ui->tc);
        e->key = key;
        e->w = w;
        e->h = f && L.n > 0 ? (L.n - 1) * TTF_FontLineSkip(f) + TTF_FontHeight(f) : 1;
    }
    e->used = ++ui->tc->stamp;
    return e->h;
}

void kx_text_ticking(kx_ui *ui, int kind, SDL_Rect box, const kx_text_style *st)
{
    char s[160];
    if (ui->dry)
        return;
    kx_ui_tick_text(ui, kind, s, sizeof s);
    if (!ui->deferring) {
        kx_text(ui, s, box, st);
        return;
    }
    kx_strlcpy(ui->dtext.s, s, sizeof ui->dtext.s);
    ui->dtext.kind = kind;
    ui->dtext.box = box;
    ui->dtext.st = *st;
    ui->has_dtext = 1;
}
