/* SPDX-License-Identifier: MIT */
/*
 * glyph_test.c - text drawn from the glyph cache against SDL_ttf drawing
 * the same string: the width a one-line text takes (what fitting and
 * wrapping decide on) must be the width TTF_SizeUTF8 reports, and the
 * composed coverage must match TTF_RenderUTF8_Blended pixel for pixel
 * within anti-aliasing rounding, for CJK, Latin with kerned pairs, digits
 * and mixed text, both weights, several sizes; again after the text cache
 * is cleared (glyphs then come from the cache) and in colour.
 *
 * Runs the real kiosk context on SDL's dummy video driver with the
 * software renderer and the fonts fontconfig finds (as the screenshots do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui_internal.h"

static const char *const samples[] = {
    "请将营业执照放在扫描仪上，二维码朝下。",
    "Take your UKEY. To renew, AVOID typos.",
    "2026-11-23T10:15:28+08:00 kioskd[812]: info",
    "证书更新（续期）Renew 300.00 元",
};
static const int sizes[] = {24, 31, 40, 56};

static int glyph_setup(void **state)
{
    kx_ui_options opt;
    kx_ui *ui = NULL;
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (kx_ui_options_from_config(NULL, &opt) != KX_OK)
        return -1;
    opt.fullscreen = 0;
    if (kx_ui_create(&opt, &ui) != KX_OK)
        return -1;
    *state = ui;
    return 0;
}

static int glyph_teardown(void **state)
{
    kx_ui_destroy(*state);
    return 0;
}

/* glyph_draw - s in colour c on black at (8, 8) in a box wide enough for
 * one line (it may reach past the screen); the rectangle kx_text covered. */
static SDL_Rect glyph_draw(kx_ui *ui, const char *s, int size, kx_weight w, SDL_Color c)
{
    kx_text_style st = kx_style(size, w, c, KX_LEFT, KX_TOP);
    SDL_Color black = {0, 0, 0, 255};
    st.min_size = size;
    kx_clear(ui, black);
    return kx_text(ui, s, kx_rect(8, 8, 8000, 0), &st);
}

/* glyph_read - channel `shift` of the frame's pixels in r (w x h). */
static Uint8 *glyph_read(kx_ui *ui, SDL_Rect r, int shift)
{
    Uint32 *px = calloc((size_t)r.w * (size_t)r.h, sizeof *px);
    Uint8 *out = calloc((size_t)r.w * (size_t)r.h, 1);
    assert_non_null(px);
    assert_non_null(out);
    assert_int_equal(SDL_RenderReadPixels(ui->ren, &r, SDL_PIXELFORMAT_ARGB8888, px, r.w * 4),
                     0);
    for (int i = 0; i < r.w * r.h; i++)
        out[i] = (Uint8)(px[i] >> shift);
    free(px);
    return out;
}

static void test_width_is_sdl_ttf_width(void **state)
{
    kx_ui *ui = *state;
    SDL_Color white = {255, 255, 255, 255};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            for (int w = KX_REGULAR; w <= KX_BOLD; w++) {
                int tw = 0, th = 0;
                SDL_Rect r = glyph_draw(ui, samples[i], sizes[k], (kx_weight)w, white);
                TTF_Font *f = kx_fonts_get(ui->fonts, 0, (kx_weight)w, sizes[k]);
                assert_non_null(f);
                assert_int_equal(TTF_SizeUTF8(f, samples[i], &tw, &th), 0);
                if (r.w != tw)
                    fprintf(stderr, "width of \"%s\" at %d %s: %d, SDL_ttf %d\n", samples[i],
                            sizes[k], w ? "bold" : "regular", r.w, tw);
                assert_int_equal(r.w, tw);
            }
}

/* glyph_compare - coverage drawn by kx_text against SDL_ttf's blended
 * rendering of the same line: at most 0.5 % of pixels off by more than 8
 * levels (overlapping ink is combined differently), mean under 1 level. */
static void glyph_compare(kx_ui *ui, const char *s, int size, kx_weight w)
{
    SDL_Color white = {255, 255, 255, 255};
    SDL_Rect r = glyph_draw(ui, s, size, w, white);
    TTF_Font *f = kx_fonts_get(ui->fonts, 0, w, size);
    int tw = 0, th = 0;
    assert_int_equal(TTF_SizeUTF8(f, s, &tw, &th), 0);
    assert_int_equal(r.w, tw);
    if (r.x + r.w > ui->W)
        return; /* past the screen: only its width can be checked */
    SDL_Surface *ref = TTF_RenderUTF8_Blended(f, s, white);
    assert_non_null(ref);
    SDL_Rect cmp = {r.x, r.y, r.w, r.h < ref->h ? r.h : ref->h};
    Uint8 *got = glyph_read(ui, cmp, 16); /* red = coverage over black */
    long sum = 0, off = 0, inked = 0;
    SDL_LockSurface(ref);
    for (int y = 0; y < cmp.h; y++)
        for (int x = 0; x < cmp.w; x++) {
            Uint32 p = ((const Uint32 *)((const Uint8 *)ref->pixels + y * ref->pitch))[x];
            int want = (int)((p & ref->format->Amask) >> ref->format->Ashift);
            int d = abs(want - got[y * cmp.w + x]);
            sum += d;
            off += d > 8;
            inked += want > 0;
        }
    SDL_UnlockSurface(ref);
    if (off * 200 > (long)cmp.w * cmp.h || sum >= (long)cmp.w * cmp.h)
        fprintf(stderr, "\"%s\" at %d: %ld of %d pixels off, mean %.2f\n", s, size, off,
                cmp.w * cmp.h, (double)sum / (cmp.w * cmp.h));
    assert_true(inked > 0);
    assert_true(off * 200 <= (long)cmp.w * cmp.h);
    assert_true(sum < (long)cmp.w * cmp.h);
    free(got);
    SDL_FreeSurface(ref);
}

static void test_pixels_match_sdl_ttf(void **state)
{
    kx_ui *ui = *state;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            glyph_compare(ui, samples[i], sizes[k], KX_REGULAR);
            glyph_compare(ui, samples[i], sizes[k], KX_BOLD);
        }
}

static void test_cached_glyphs_after_clear(void **state)
{
    kx_ui *ui = *state;
    /* the text textures go (as at a session's end); the glyphs stay and
     * must draw the same */
    kx_text_cache_clear(ui->tc);
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        glyph_compare(ui, samples[i], 40, KX_REGULAR);
}

static void test_colour_is_in_the_texture(void **state)
{
    kx_ui *ui = *state;
    SDL_Color blue = {0x1B, 0x5E, 0xB8, 0xFF};
    /* a full-block glyph is fully covered inside: exactly the colour */
    SDL_Rect r = glyph_draw(ui, "\xe2\x96\x88\xe2\x96\x88", 56, KX_REGULAR, blue);
    assert_true(r.w > 8 && r.h > 8);
    TTF_Font *f = kx_fonts_get(ui->fonts, 0, KX_REGULAR, 56);
    int minx, maxx, miny, maxy, adv;
    assert_int_equal(TTF_GlyphMetrics32(f, 0x2588, &minx, &maxx, &miny, &maxy, &adv), 0);
    SDL_Rect mid = {r.x + minx + (maxx - minx) / 2, r.y + TTF_FontAscent(f) - (maxy + miny) / 2,
                    1, 1};
    Uint8 *red = glyph_read(ui, mid, 16), *green = glyph_read(ui, mid, 8),
          *bluec = glyph_read(ui, mid, 0);
    assert_int_equal(red[0], blue.r);
    assert_int_equal(green[0], blue.g);
    assert_int_equal(bluec[0], blue.b);
    free(red);
    free(green);
    free(bluec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_is_sdl_ttf_width),
        cmocka_unit_test(test_pixels_match_sdl_ttf),
        cmocka_unit_test(test_cached_glyphs_after_clear),
        cmocka_unit_test(test_colour_is_in_the_texture),
    };
    return cmocka_run_group_tests(tests, glyph_setup, glyph_teardown);
}
