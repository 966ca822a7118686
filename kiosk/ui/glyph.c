/* SPDX-License-Identifier: MIT */
/*
 * glyph.c - the glyph cache: metrics and coverage of each glyph of each
 * face/weight/size, rasterised once.
 *
 * SDL_ttf rasterises a whole string on every TTF_RenderUTF8_* call and
 * shapes it on every TTF_SizeUTF8 call; its own glyph cache is small and
 * direct-mapped, so CJK text keeps re-rasterising. Here each glyph is asked
 * of SDL_ttf once: TTF_GlyphMetrics32 for its ink box (and a whole-pixel
 * advance, used only when a text cannot be shaped), and, when it is first
 * drawn, TTF_RenderGlyph32_Blended for its coverage (8 bits per pixel,
 * kept in memory). text.c lays out and composes text from these, which
 * makes measuring free and the first frame of a screen cheap.
 *
 * What it must never do: hold anything but font data. The cache is keyed
 * by code point and keeps no text and no order; it survives session resets
 * (it would otherwise be rebuilt for every customer), and kx_glyphs_trim
 * bounds its memory. Entries never move until kx_glyphs_clear/trim, so a
 * pointer returned by kx_glyphs_get stays valid until then.
 *
 * Not thread-safe: the UI thread only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui_internal.h"

#define GLYPH_CHUNK 512
#define GLYPH_MAX_BYTES ((size_t)24 << 20) /* coverage kept before a trim drops it all */

typedef struct glyph_chunk {
    struct glyph_chunk *next;
    int used;
    kx_glyph g[GLYPH_CHUNK];
} glyph_chunk;

struct kx_glyphs {
    kx_glyph **slot; /* open addressing on key, capacity a power of two */
    size_t cap, count;
    glyph_chunk *chunks;
    size_t bytes; /* coverage and entries held */
};

kx_err kx_glyphs_new(kx_glyphs **out)
{
    kx_glyphs *g = calloc(1, sizeof *g);
    if (!g)
        return KX_ERR_NO_MEMORY;
    g->cap = 4096;
    g->slot = calloc(g->cap, sizeof *g->slot);
    if (!g->slot) {
        free(g);
        return KX_ERR_NO_MEMORY;
    }
    *out = g;
    return KX_OK;
}

void kx_glyphs_clear(kx_glyphs *g)
{
    if (!g)
        return;
    while (g->chunks) {
        glyph_chunk *c = g->chunks;
        g->chunks = c->next;
        for (int i = 0; i < c->used; i++)
            free(c->g[i].cov);
        free(c);
    }
    memset(g->slot, 0, g->cap * sizeof *g->slot);
    g->count = 0;
    g->bytes = 0;
}

void kx_glyphs_free(kx_glyphs *g)
{
    if (!g)
        return;
    kx_glyphs_clear(g);
    free(g->slot);
    free(g);
}

void kx_glyphs_trim(kx_glyphs *g)
{
    /* The working set (a few faces and sizes of the translations) is far
     * below the budget; reaching it means unusual text, and starting over
     * is simpler and safer than an LRU over entries others point to. */
    if (g && g->bytes > GLYPH_MAX_BYTES)
        kx_glyphs_clear(g);
}

static size_t glyph_hash(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key;
}

static int glyph_grow(kx_glyphs *g)
{
    size_t cap = g->cap * 2;
    kx_glyph **slot = calloc(cap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < g->cap; i++) {
        if (!g->slot[i])
            continue;
        size_t h = glyph_hash(g->slot[i]->key) & (cap - 1);
        while (slot[h])
            h = (h + 1) & (cap - 1);
        slot[h] = g->slot[i];
    }
    free(g->slot);
    g->slot = slot;
    g->cap = cap;
    return 0;
}

static kx_glyph *glyph_alloc(kx_glyphs *g)
{
    if (!g->chunks || g->chunks->used == GLYPH_CHUNK) {
        glyph_chunk *c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        c->next = g->chunks;
        g->chunks = c;
        g->bytes += sizeof *c;
    }
    return &g->chunks->g[g->chunks->used++];
}

/* glyph_rasterise - coverage of e's ink box. TTF_RenderGlyph32_Blended
 * lays the glyph out as a one-character line: the pen starts at
 * x = max(0, -left) and the line's top at y = max(0, top - ascent). */
static void glyph_rasterise(kx_glyphs *g, TTF_Font *font, kx_glyph *e)
{
    static const SDL_Color white = {255, 255, 255, 255};
    SDL_Surface *s;
    e->rasterised = 1;
    if (e->cov_w <= 0 || e->cov_h <= 0)
        return; /* a space: nothing to draw */
    s = TTF_RenderGlyph32_Blended(font, e->cp, white);
    if (!s)
        return;
    if (s->format->BytesPerPixel == 4 && SDL_LockSurface(s) == 0) {
        int x0 = (e->cov_x < 0 ? -e->cov_x : 0) + e->cov_x;
        int y0 = (e->top > TTF_FontAscent(font) ? e->top - TTF_FontAscent(font) : 0) +
                 TTF_FontAscent(font) - e->top;
        Uint8 *cov = calloc((size_t)e->cov_w * (size_t)e->cov_h, 1);
        if (cov) {
            int ash = s->format->Ashift;
            for (int y = 0; y < e->cov_h; y++) {
                int sy = y0 + y;
                if (sy < 0 || sy >= s->h)
                    continue;
                const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + sy * s->pitch);
                for (int x = 0; x < e->cov_w; x++) {
                    int sx = x0 + x;
                    if (sx >= 0 && sx < s->w)
                        cov[y * e->cov_w + x] = (Uint8)(row[sx] >> ash);
                }
            }
            e->cov = cov;
            g->bytes += (size_t)e->cov_w * (size_t)e->cov_h;
        }
        SDL_UnlockSurface(s);
    }
    SDL_FreeSurface(s);
}

const kx_glyph *kx_glyphs_get(kx_glyphs *g, TTF_Font *font, uint32_t font_id, uint32_t cp,
                              int coverage)
{
    uint64_t key = ((uint64_t)font_id << 32) | cp;
    size_t h;
    kx_glyph *e;
    int minx = 0, maxx = 0, miny = 0, maxy = 0, adv = 0;
    if (!g || !font)
        return NULL;
    h = glyph_hash(key) & (g->cap - 1);
    while ((e = g->slot[h]) != NULL) {
        if (e->key == key) {
            if (coverage && !e->rasterised)
                glyph_rasterise(g, font, e);
            return e;
        }
        h = (h + 1) & (g->cap - 1);
    }
    if ((g->count + 1) * 2 > g->cap) {
        if (glyph_grow(g) != 0)
            return NULL;
        h = glyph_hash(key) & (g->cap - 1);
        while (g->slot[h])
            h = (h + 1) & (g->cap - 1);
    }
    e = glyph_alloc(g);
    if (!e)
        return NULL;
    if (TTF_GlyphMetrics32(font, cp, &minx, &maxx, &miny, &maxy, &adv) != 0)
        minx = maxx = miny = maxy = adv = 0;
    e->key = key;
    e->cp = cp;
    e->advance = adv;
    e->cov_x = minx;
    e->cov_w = maxx - minx;
    e->top = maxy;
    e->cov_h = maxy - miny;
    g->slot[h] = e;
    g->count++;
    if (coverage)
        glyph_rasterise(g, font, e);
    return e;
}
