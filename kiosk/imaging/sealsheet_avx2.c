/* SPDX-License-Identifier: MIT */
/*
 * sealsheet_avx2.c - the seal-sheet export's strength pass on 8 output
 * pixels at a time with AVX2 gathers. The build compiles this file alone
 * for AVX2 (-mavx2, x86-64 with GCC; kiosk/imaging/CMakeLists.txt) and
 * sealsheet.c calls it only when the CPU has AVX2; elsewhere it is empty.
 */
#include "imaging/sealsheet_internal.h"

#ifdef SS_EXPORT_AVX2
#include <immintrin.h>
#include <math.h>

/*
 * ss_export_strengths for RGB or RGBA on 8 output pixels at a time (AVX2
 * gathers: the blocks' owners, then the four neighbours of each sample as
 * 32-bit words). The integers are the scalar path's and the float steps are
 * exact or single roundings in the same order, so the strengths are
 * bit-identical to it; groups that touch the scan's edge (clamping, or a
 * 4-byte read past the last pixel) and the row tails take the scalar path.
 * Requires: the positions of a row and the scan's byte offsets fit 31 bits
 * (checked by the caller).
 */
void ss_export_strengths_avx2(const ss_scan *s, const ss_ink *ik, int cell,
                              const ss_export_geometry *g, float *str, uint32_t hist[256])
{
    int ch = s->ch, kind = ik->kind;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i zero = _mm256_setzero_si256(), bytes = _mm256_set1_epi32(255);
    const __m256i wmask = _mm256_set1_epi32((1 << SS_FIX_WBITS) - 1);
    const __m256i xorg = _mm256_set1_epi32(g->xorg), yorg = _mm256_set1_epi32(g->yorg);
    const __m256i xspan = _mm256_set1_epi32(g->xspan), yspan = _mm256_set1_epi32(g->yspan);
    const __m256i vcell = _mm256_set1_epi32(cell), minus1 = _mm256_set1_epi32(-1);
    const __m256i wlim = _mm256_set1_epi32(s->w - 1);
    /* an RGB word read at the last pixel would pass the buffer's end */
    const __m256i hlim = _mm256_set1_epi32(ch == 3 ? s->h - 2 : s->h - 1);
    const __m256i vstride = _mm256_set1_epi32((int)s->stride), vch = _mm256_set1_epi32(ch);
    const __m256i dark_cut = _mm256_set1_epi32(40 << (2 * SS_FIX_WBITS));
    const __m256 scale = _mm256_set1_ps(SS_FIX_VAL), three = _mm256_set1_ps(3.0f);
    const __m256 base = _mm256_set1_ps((float)(kind == 0 ? s->red_px_base : s->dark_px_base));
    const __m256 f255 = _mm256_set1_ps(255.0f), f65536 = _mm256_set1_ps(65536.0f);
    const int *owner = (const int *)(const void *)ik->owner;
    const int *pixels = (const int *)(const void *)s->px;
    const __m256i sx8 = _mm256_mullo_epi32(lane, _mm256_set1_epi32((int)g->step_x));
    const __m256i sy8 = _mm256_mullo_epi32(lane, _mm256_set1_epi32((int)g->step_y));
    for (int j = 0; j < g->H; j++) {
        double q = g->q0 + j + 0.5, pr = g->p0 + 0.5;
        int64_t X = llround((pr * g->cs - q * g->sn) * SS_FIX_ONE);
        int64_t Y = llround((pr * g->sn + q * g->cs) * SS_FIX_ONE);
        float *orow = str + (size_t)j * g->W;
        int i = 0;
        for (; i + 8 <= g->W; i += 8, X += 8 * g->step_x, Y += 8 * g->step_y) {
            __m256i vx = _mm256_add_epi32(_mm256_set1_epi32((int)X), sx8);
            __m256i vy = _mm256_add_epi32(_mm256_set1_epi32((int)Y), sy8);
            __m256i px = _mm256_sub_epi32(_mm256_srai_epi32(vx, 16), xorg);
            __m256i py = _mm256_sub_epi32(_mm256_srai_epi32(vy, 16), yorg);
            __m256i in = _mm256_and_si256(
                _mm256_and_si256(_mm256_cmpgt_epi32(px, minus1), _mm256_cmpgt_epi32(xspan, px)),
                _mm256_and_si256(_mm256_cmpgt_epi32(py, minus1),
                                 _mm256_cmpgt_epi32(yspan, py)));
            _mm256_storeu_ps(orow + i, _mm256_setzero_ps());
            if (!_mm256_movemask_epi8(in))
                continue;
            __m256i bx =
                _mm256_mask_i32gather_epi32(zero, g->xblock, _mm256_and_si256(px, in), in, 4);
            __m256i by =
                _mm256_mask_i32gather_epi32(zero, g->yblock, _mm256_and_si256(py, in), in, 4);
            __m256i own =
                _mm256_mask_i32gather_epi32(zero, owner, _mm256_add_epi32(bx, by), in, 1);
            own = _mm256_srai_epi32(_mm256_slli_epi32(own, 24), 24);
            __m256i m = _mm256_and_si256(in, _mm256_cmpeq_epi32(own, vcell));
            if (!_mm256_movemask_epi8(m))
                continue;
            __m256i xs = _mm256_sub_epi32(vx, _mm256_set1_epi32(SS_FIX_ONE / 2));
            __m256i ys = _mm256_sub_epi32(vy, _mm256_set1_epi32(SS_FIX_ONE / 2));
            __m256i x0 = _mm256_srai_epi32(xs, 16), y0 = _mm256_srai_epi32(ys, 16);
            __m256i edge = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpgt_epi32(zero, x0), _mm256_cmpgt_epi32(zero, y0)),
                _mm256_or_si256(
                    _mm256_cmpgt_epi32(_mm256_add_epi32(x0, _mm256_set1_epi32(1)), wlim),
                    _mm256_cmpgt_epi32(_mm256_add_epi32(y0, _mm256_set1_epi32(1)), hlim)));
            if (_mm256_movemask_epi8(_mm256_and_si256(edge, m))) {
                for (int k = 0; k < 8; k++)
                    orow[i + k] = ss_export_pixel(s, ch, ik, cell, g, X + k * g->step_x,
                                                  Y + k * g->step_y, hist);
                continue;
            }
            __m256i fx = _mm256_and_si256(_mm256_srai_epi32(xs, 16 - SS_FIX_WBITS), wmask);
            __m256i fy = _mm256_and_si256(_mm256_srai_epi32(ys, 16 - SS_FIX_WBITS), wmask);
            __m256i off =
                _mm256_add_epi32(_mm256_mullo_epi32(y0, vstride), _mm256_mullo_epi32(x0, vch));
            __m256i wa = _mm256_mask_i32gather_epi32(zero, pixels, off, m, 1);
            __m256i wb =
                _mm256_mask_i32gather_epi32(zero, pixels, _mm256_add_epi32(off, vch), m, 1);
            off = _mm256_add_epi32(off, vstride);
            __m256i wc = _mm256_mask_i32gather_epi32(zero, pixels, off, m, 1);
            __m256i wd =
                _mm256_mask_i32gather_epi32(zero, pixels, _mm256_add_epi32(off, vch), m, 1);
            __m256i val[3];
            for (int k = 0; k < 3; k++) {
                __m256i a = _mm256_and_si256(_mm256_srli_epi32(wa, 8 * k), bytes);
                __m256i b = _mm256_and_si256(_mm256_srli_epi32(wb, 8 * k), bytes);
                __m256i c = _mm256_and_si256(_mm256_srli_epi32(wc, 8 * k), bytes);
                __m256i d = _mm256_and_si256(_mm256_srli_epi32(wd, 8 * k), bytes);
                __m256i top = _mm256_add_epi32(_mm256_slli_epi32(a, SS_FIX_WBITS),
                                               _mm256_mullo_epi32(_mm256_sub_epi32(b, a), fx));
                __m256i bottom =
                    _mm256_add_epi32(_mm256_slli_epi32(c, SS_FIX_WBITS),
                                     _mm256_mullo_epi32(_mm256_sub_epi32(d, c), fx));
                val[k] =
                    _mm256_add_epi32(_mm256_slli_epi32(top, SS_FIX_WBITS),
                                     _mm256_mullo_epi32(_mm256_sub_epi32(bottom, top), fy));
            }
            __m256i gb = _mm256_max_epi32(val[1], val[2]), diff = _mm256_sub_epi32(val[0], gb);
            __m256 v;
            if (kind == 0) {
                __m256 red = _mm256_cvtepi32_ps(_mm256_max_epi32(diff, zero));
                v = _mm256_sub_ps(_mm256_mul_ps(red, scale), base);
            } else {
                /* the sum passes 2^31: converted as two exact halves and one
                 * rounding, as the scalar conversion of the uint32 rounds */
                __m256i sum = _mm256_add_epi32(_mm256_add_epi32(val[0], val[1]), val[2]);
                __m256 hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(sum, 16));
                __m256 lo =
                    _mm256_cvtepi32_ps(_mm256_and_si256(sum, _mm256_set1_epi32(0xffff)));
                __m256 fsum = _mm256_add_ps(_mm256_mul_ps(hi, f65536), lo);
                v = _mm256_sub_ps(
                    _mm256_sub_ps(f255, _mm256_mul_ps(_mm256_div_ps(fsum, three), scale)),
                    base);
                m = _mm256_andnot_si256(_mm256_cmpgt_epi32(diff, dark_cut), m);
            }
            v = _mm256_and_ps(v, _mm256_castsi256_ps(m));
            _mm256_storeu_ps(orow + i, v);
            for (int k = 0; k < 8; k++) {
                float vk = orow[i + k];
                if (vk >= 1)
                    hist[vk > 255 ? 255 : (int)vk]++;
            }
        }
        for (; i < g->W; i++, X += g->step_x, Y += g->step_y)
            orow[i] = ss_export_pixel(s, ch, ik, cell, g, X, Y, hist);
    }
}
#endif