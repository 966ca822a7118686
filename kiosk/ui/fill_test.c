/* SPDX-License-Identifier: MIT */
/*
 * fill_test.c - the direct fills (fill.c) against SDL's software renderer
 * filling the same rectangles: every destination value under every alpha,
 * both surface formats, clipping and SDL's one-pixel line for empty
 * rectangles. The kiosk's screens must look the same either way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui/ui_internal.h"

/* a W x H surface where every channel byte takes many values: x, y, x^y
 * and x+y in the four bytes */
static SDL_Surface *fill_pattern(Uint32 format, int w, int h)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, format);
    assert_non_null(s);
    for (int y = 0; y < h; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch);
        for (int x = 0; x < w; x++)
            row[x] = (Uint32)(x & 255) | (Uint32)(y & 255) << 8 |
                     (Uint32)((x ^ y) & 255) << 16 | (Uint32)((x + y) & 255) << 24;
    }
    return s;
}

static SDL_Surface *fill_copy(SDL_Surface *s)
{
    SDL_Surface *c = SDL_DuplicateSurface(s);
    assert_non_null(c);
    return c;
}

/* SDL's result for the same fill, through a software renderer on a copy */
static void fill_sdl(SDL_Surface *s, SDL_Rect r, SDL_Color c, int blend)
{
    SDL_Renderer *ren = SDL_CreateSoftwareRenderer(s);
    assert_non_null(ren);
    SDL_SetRenderDrawBlendMode(ren, blend ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(ren, c.r, c.g, c.b, c.a);
    assert_int_equal(SDL_RenderFillRect(ren, &r), 0);
    SDL_RenderFlush(ren);
    SDL_DestroyRenderer(ren);
}

static int fill_same(const SDL_Surface *a, const SDL_Surface *b, int *where)
{
    for (int y = 0; y < a->h; y++) {
        const Uint32 *ra =
            (const Uint32 *)((const Uint8 *)a->pixels + (size_t)y * (size_t)a->pitch);
        const Uint32 *rb =
            (const Uint32 *)((const Uint8 *)b->pixels + (size_t)y * (size_t)b->pitch);
        for (int x = 0; x < a->w; x++)
            if (ra[x] != rb[x]) {
                *where = y * a->w + x;
                return 0;
            }
    }
    return 1;
}

static void test_formats(void **state)
{
    (void)state;
    Uint32 ok[] = {SDL_PIXELFORMAT_RGB888, SDL_PIXELFORMAT_ARGB8888};
    Uint32 no[] = {SDL_PIXELFORMAT_ABGR8888, SDL_PIXELFORMAT_RGB565, SDL_PIXELFORMAT_RGB24};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 4, 4, 32, ok[i]);
        assert_true(kx_fill_surface_ok(s));
        SDL_FreeSurface(s);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 4, 4, 0, no[i]);
        assert_non_null(s);
        assert_false(kx_fill_surface_ok(s));
        SDL_FreeSurface(s);
    }
    assert_false(kx_fill_surface_ok(NULL));
}

/* every destination byte value (0..255 along x, 261 wide: the vector
 * loops and the plain tail) under every alpha, with
 * each instruction set the machine has */
static void blend_every_alpha(void);
static void test_blend_every_alpha(void **state)
{
    (void)state;
    for (int level = 0; level <= 1; level++) {
        int used = kx_fill_simd(level);
        if (used != level) /* no AVX2 here */
            continue;
        blend_every_alpha();
    }
    kx_fill_simd(-1);
}

static void blend_every_alpha(void)
{
    const Uint32 formats[] = {SDL_PIXELFORMAT_RGB888, SDL_PIXELFORMAT_ARGB8888};
    const SDL_Color colours[] = {{0x0A, 0x14, 0x23, 0},
                                 {0xFF, 0xFF, 0xFF, 0},
                                 {0x10, 0x2A, 0x50, 0},
                                 {0xC0, 0x39, 0x2B, 0}};
    for (size_t f = 0; f < 2; f++)
        for (size_t ci = 0; ci < sizeof colours / sizeof colours[0]; ci++)
            for (int a = 0; a < 256; a++) {
                SDL_Surface *mine = fill_pattern(formats[f], 261, 8);
                SDL_Surface *ref = fill_copy(mine);
                SDL_Color c = colours[ci];
                SDL_Rect r = {0, 0, 261, 8};
                int at = -1;
                c.a = (Uint8)a;
                kx_fill_blend(mine, r, c);
                fill_sdl(ref, r, c, 1);
                if (!fill_same(mine, ref, &at))
                    fail_msg("format %zu colour %zu alpha %d: pixel %d differs", f, ci, a, at);
                SDL_FreeSurface(mine);
                SDL_FreeSurface(ref);
            }
}

/* rectangles partly or wholly outside, odd widths (the vector loop's tail)
 * and empty ones (SDL draws a one-pixel line for those) */
static void rects(void);
static void test_rects(void **state)
{
    (void)state;
    for (int level = 0; level <= 1; level++)
        if (kx_fill_simd(level) == level)
            rects();
    kx_fill_simd(-1);
}

static void rects(void)
{
    const SDL_Rect rects[] = {{3, 2, 17, 5},   {-10, -4, 30, 12}, {90, 30, 40, 40},
                              {0, 0, 100, 40}, {5, 5, 0, 10},     {5, 5, 10, 0},
                              {5, 5, -3, 4},   {200, 200, 5, 5},  {-50, 0, 20, 5},
                              {99, 39, 1, 1},  {1, 1, 3, 1},      {7, 9, 5, 3}};
    const Uint32 formats[] = {SDL_PIXELFORMAT_RGB888, SDL_PIXELFORMAT_ARGB8888};
    const SDL_Color solid = {0x1B, 0x5E, 0xB8, 0xFF}, see = {0x1B, 0x5E, 0xB8, 0x9C};
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++)
            for (int blend = 0; blend < 2; blend++) {
                SDL_Surface *mine = fill_pattern(formats[f], 100, 40);
                SDL_Surface *ref = fill_copy(mine);
                int at = -1;
                if (blend)
                    kx_fill_blend(mine, rects[i], see);
                else
                    kx_fill_solid(mine, rects[i], solid);
                fill_sdl(ref, rects[i], blend ? see : solid, blend);
                if (!fill_same(mine, ref, &at))
                    fail_msg("format %zu rect %zu blend %d: pixel %d differs", f, i, blend, at);
                SDL_FreeSurface(mine);
                SDL_FreeSurface(ref);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_blend_every_alpha),
        cmocka_unit_test(test_rects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
