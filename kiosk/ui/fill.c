/* SPDX-License-Identifier: MIT */
/*
 * fill.c - solid and blended rectangle fills written straight into the
 * window surface when the software renderer draws onto it (app.c's direct
 * mode).
 *
 * SDL's software fill stores with non-temporal writes, which leave nothing
 * in the cache for the text blended over the fill next, and its blended
 * fill is a scalar per-pixel loop: a dialog's dim (1.5 million pixels)
 * took ~5 ms of a frame. These write the same pixels (same rounding as
 * SDL_BlendFillRect: d = d * (255 - a) / 255 + c * a / 255 per channel,
 * each division truncated) row by row with cached stores and SSE2.
 * test_ui_fill compares them with SDL's renderer pixel for pixel.
 */
#include <string.h>
#include <wchar.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FILL_AVX2 1
#endif

#include "ui/ui_internal.h"

_Static_assert(sizeof(wchar_t) == 4, "rows are filled with wmemset");

/* kx_fill_surface_ok - whether fills can go straight into s: a 32-bit
 * XRGB8888 or ARGB8888 surface that needs no locking. */
int kx_fill_surface_ok(const SDL_Surface *s)
{
    return s && s->pixels && !SDL_MUSTLOCK(s) &&
           (s->format->format == SDL_PIXELFORMAT_RGB888 ||
            s->format->format == SDL_PIXELFORMAT_ARGB8888);
}

/* SDL's software renderer draws an empty rectangle as a line one pixel
 * thick (SDL_max(w, 1)); the screens were drawn with that */
static int fill_clip(const SDL_Surface *s, SDL_Rect *r)
{
    SDL_Rect all = {0, 0, s->w, s->h};
    if (r->w < 1)
        r->w = 1;
    if (r->h < 1)
        r->h = 1;
    return SDL_IntersectRect(r, &all, r) == SDL_TRUE;
}

void kx_fill_solid(SDL_Surface *s, SDL_Rect r, SDL_Color c)
{
    /* SDL_MapRGBA: the alpha byte only where the format has one */
    Uint32 px = SDL_MapRGBA(s->format, c.r, c.g, c.b, c.a);
    if (!fill_clip(s, &r))
        return;
    for (int y = 0; y < r.h; y++) {
        Uint32 *row =
            (Uint32 *)((Uint8 *)s->pixels + (size_t)(r.y + y) * (size_t)s->pitch) + r.x;
        wmemset((wchar_t *)row, (wchar_t)px, (size_t)r.w);
    }
}

/* floor(v / 255) for v in 0..65025, as SDL's DRAW_MUL divides */
static inline unsigned fill_div255(unsigned v)
{
    return (v + 1 + (v >> 8)) >> 8;
}

#ifdef FILL_AVX2
/* fill_blend_avx2 - 8 pixels at a time (a dialog's dim in half the time of
 * SSE2); returns how many pixels of the row it did */
__attribute__((target("avx2"))) static int fill_blend_avx2(Uint32 *row, int w, unsigned inv,
                                                           const unsigned k[4], Uint32 keep)
{
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi16(1);
    const __m256i vinv = _mm256_set1_epi16((short)inv);
    const __m256i vk = _mm256_setr_epi16((short)k[0], (short)k[1], (short)k[2], (short)k[3],
                                         (short)k[0], (short)k[1], (short)k[2], (short)k[3],
                                         (short)k[0], (short)k[1], (short)k[2], (short)k[3],
                                         (short)k[0], (short)k[1], (short)k[2], (short)k[3]);
    const __m256i vkeep = _mm256_set1_epi32((int)keep);
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(row + x));
        __m256i lo = _mm256_mullo_epi16(_mm256_unpacklo_epi8(v, zero), vinv);
        __m256i hi = _mm256_mullo_epi16(_mm256_unpackhi_epi8(v, zero), vinv);
        lo = _mm256_srli_epi16(
            _mm256_add_epi16(_mm256_add_epi16(lo, one), _mm256_srli_epi16(lo, 8)), 8);
        hi = _mm256_srli_epi16(
            _mm256_add_epi16(_mm256_add_epi16(hi, one), _mm256_srli_epi16(hi, 8)), 8);
        v = _mm256_packus_epi16(_mm256_add_epi16(lo, vk), _mm256_add_epi16(hi, vk));
        _mm256_storeu_si256((__m256i *)(row + x), _mm256_and_si256(v, vkeep));
    }
    return x;
}
#endif

/* -1 not decided yet, 0 SSE2 (or plain C), 1 AVX2 */
static int fill_level = -1;

int kx_fill_simd(int level)
{
#ifdef FILL_AVX2
    if (level < 0)
        level = __builtin_cpu_supports("avx2") ? 1 : 0;
    if (level > 0 && !__builtin_cpu_supports("avx2"))
        level = 0;
#else
    level = 0;
#endif
    fill_level = level;
    return level;
}

void kx_fill_blend(SDL_Surface *s, SDL_Rect r, SDL_Color c)
{
    const unsigned a = c.a, inv = 255u - a;
    const int has_alpha = s->format->format == SDL_PIXELFORMAT_ARGB8888;
    /* the colour's share, per byte of a little-endian pixel: B G R A */
    const unsigned k[4] = {c.b * a / 255u, c.g * a / 255u, c.r * a / 255u, has_alpha ? a : 0u};
    const Uint32 keep = has_alpha ? 0xFFFFFFFFu : 0x00FFFFFFu;
    if (!fill_clip(s, &r))
        return;
    if (fill_level < 0)
        kx_fill_simd(-1);
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi16(1);
    const __m128i vinv = _mm_set1_epi16((short)inv);
    const __m128i vk = _mm_setr_epi16((short)k[0], (short)k[1], (short)k[2], (short)k[3],
                                      (short)k[0], (short)k[1], (short)k[2], (short)k[3]);
    const __m128i vkeep = _mm_set1_epi32((int)keep);
#endif
    for (int y = 0; y < r.h; y++) {
        Uint32 *row =
            (Uint32 *)((Uint8 *)s->pixels + (size_t)(r.y + y) * (size_t)s->pitch) + r.x;
        int x = 0;
#ifdef FILL_AVX2
        if (fill_level > 0)
            x = fill_blend_avx2(row, r.w, inv, k, keep);
#endif
#if defined(__SSE2__)
        for (; x + 4 <= r.w; x += 4) {
            __m128i v = _mm_loadu_si128((const __m128i *)(row + x));
            __m128i lo = _mm_mullo_epi16(_mm_unpacklo_epi8(v, zero), vinv);
            __m128i hi = _mm_mullo_epi16(_mm_unpackhi_epi8(v, zero), vinv);
            lo =
                _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(lo, one), _mm_srli_epi16(lo, 8)), 8);
            hi =
                _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(hi, one), _mm_srli_epi16(hi, 8)), 8);
            v = _mm_packus_epi16(_mm_add_epi16(lo, vk), _mm_add_epi16(hi, vk));
            _mm_storeu_si128((__m128i *)(row + x), _mm_and_si128(v, vkeep));
        }
#endif
        for (; x < r.w; x++) {
            Uint32 d = row[x], o = 0;
            for (int ch = 0; ch < 4; ch++) {
                unsigned v = (d >> (8 * ch)) & 0xFFu;
                o |= (Uint32)(fill_div255(inv * v) + k[ch]) << (8 * ch);
            }
            row[x] = o & keep;
        }
    }
}
