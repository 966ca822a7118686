/* SPDX-License-Identifier: MIT */
/*
 * test_sealsheet_internals.c - the seal-sheet analyser's fast paths against
 * their plain definitions, on random input (fixed seeds):
 *   - components labelled as runs (kx_runs_label) partition and number the
 *     cells as a per-cell flood fill in raster order does;
 *   - region codes per ROI row (ss_region_row) equal ss_region per block;
 *   - the export's AVX2 pass (where the CPU has AVX2) gives bit-identical
 *     strengths and histogram to the scalar pass, with the sampled box
 *     reaching past every edge of a scan whose buffer ends at a guard page
 *     (a read past the last pixel would fault).
 * The analyser's file is included to reach its static functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <unistd.h>

#include "imaging/sealsheet.c"

/* Reference labelling: 8-connected flood fill, components numbered in the
 * raster order of their first cell. */
static void ref_label(const uint8_t *map, int w, int h, int thr, int *lab)
{
    int *stack = malloc((size_t)w * h * sizeof(int));
    assert_non_null(stack);
    for (int i = 0; i < w * h; i++)
        lab[i] = -1;
    int next = 0;
    for (int i = 0; i < w * h; i++) {
        if (map[i] < thr || lab[i] >= 0)
            continue;
        int n = 0;
        stack[n++] = i;
        lab[i] = next;
        while (n) {
            int c = stack[--n], cx = c % w, cy = c / w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int x = cx + dx, y = cy + dy;
                    if (x < 0 || y < 0 || x >= w || y >= h)
                        continue;
                    int j = y * w + x;
                    if (map[j] >= thr && lab[j] < 0) {
                        lab[j] = next;
                        stack[n++] = j;
                    }
                }
        }
        next++;
    }
    free(stack);
}

static void test_label_runs_match_flood_fill(void **state)
{
    (void)state;
    srand(11);
    kx_runs runs = {0};
    for (int t = 0; t < 200; t++) {
        int w = 1 + rand() % 70, h = 1 + rand() % 50, thr = 1 + rand() % 200;
        int density = rand() % 100;
        uint8_t *map = malloc((size_t)w * h);
        int *want = malloc((size_t)w * h * sizeof(int)),
            *got = malloc((size_t)w * h * sizeof(int));
        assert_true(map && want && got);
        for (int i = 0; i < w * h; i++)
            map[i] =
                (uint8_t)(rand() % 100 < density ? thr + rand() % (256 - thr) : rand() % thr);
        ref_label(map, w, h, thr, want);
        assert_int_equal(kx_runs_label(map, w, h, (size_t)w, thr, &runs), KX_OK);
        for (int i = 0; i < w * h; i++)
            got[i] = -1;
        for (int k = 0; k < runs.n; k++)
            for (int x = runs.run[k].x0; x < runs.run[k].x1; x++)
                got[runs.run[k].y * w + x] = runs.comp[k];
        assert_memory_equal(got, want, (size_t)w * h * sizeof(int));
        free(map);
        free(want);
        free(got);
    }
    kx_runs_free(&runs);
}

static void test_region_rows_match_per_block(void **state)
{
    (void)state;
    srand(12);
    for (int t = 0; t < 300; t++) {
        ss_table tb = {0};
        tb.th = ((rand() % 2001) - 1000) / 10000.0; /* up to ~5.7 degrees */
        tb.tv = t % 7 == 0 ? 0 : ((rand() % 2001) - 1000) / 10000.0;
        if (t % 11 == 0)
            tb.th = 0;
        double v = 100 + rand() % 200, u = 80 + rand() % 200;
        for (int i = 0; i < 4; i++) {
            double wh = 2 + rand() % 12, wv = 2 + rand() % 12;
            tb.h_lo[i] = v;
            tb.h_hi[i] = v + wh;
            tb.v_lo[i] = u;
            tb.v_hi[i] = u + wv;
            v += wh + 120 + rand() % 300;
            u += wv + 120 + rand() % 300;
        }
        tb.band = 2 + rand() % 5;
        int S = 3 + rand() % 3, x0 = rand() % 20, n = 50 + rand() % 400;
        int8_t *row = malloc((size_t)n);
        assert_non_null(row);
        for (int k = 0; k < 40; k++) {
            double y = (rand() % 1800) + S / 2.0;
            ss_region_row(&tb, x0, S, y, n, row);
            for (int i = 0; i < n; i++)
                assert_int_equal(row[i], ss_region(&tb, (x0 + i) * S + S / 2.0, y));
        }
        free(row);
    }
}

static void test_export_avx2_matches_scalar_at_edges(void **state)
{
    (void)state;
#ifdef SS_EXPORT_AVX2
    if (!__builtin_cpu_supports("avx2"))
        skip();
    srand(13);
    long page = sysconf(_SC_PAGESIZE);
    for (int t = 0; t < 300; t++) {
        int ch = t % 2 ? 3 : 4, w = 40 + rand() % 60, h = 30 + rand() % 50, S = 4;
        size_t stride = (size_t)w * ch, bytes = stride * h;
        size_t len = ((bytes + page - 1) / page + 1) * page;
        uint8_t *map =
            mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(map != MAP_FAILED);
        assert_int_equal(mprotect(map + len - page, page, PROT_NONE), 0);
        uint8_t *px = map + len - page - bytes; /* the last pixel ends at the guard */
        for (size_t i = 0; i < bytes; i++)
            px[i] = (uint8_t)rand();
        ss_scan s = {.px = px,
                     .w = w,
                     .h = h,
                     .ch = ch,
                     .stride = stride,
                     .dpi = 300,
                     .k = 300 / 25.4,
                     .S = S};
        s.red_px_base = rand() % 20;
        s.dark_px_base = rand() % 20;
        ss_ink ik = {0};
        ik.kind = t % 3 == 0;
        ik.rw = (w + S - 1) / S + 2;
        ik.rh = (h + S - 1) / S + 2;
        int8_t *owner = malloc((size_t)ik.rw * ik.rh * 2 + 64);
        int xspan = ik.rw * S, yspan = ik.rh * S;
        int *xblock = malloc((size_t)(xspan + yspan) * sizeof(int));
        assert_true(owner && xblock);
        for (int i = 0; i < ik.rw * ik.rh; i++)
            owner[i] = (int8_t)(rand() % 4 == 0 ? -1 : 0);
        ik.owner = owner;
        int *yblock = xblock + xspan;
        for (int i = 0; i < xspan; i++)
            xblock[i] = i / S;
        for (int i = 0; i < yspan; i++)
            yblock[i] = (i / S) * ik.rw;
        double th = ((rand() % 200) - 100) / 1000.0, cs = cos(atan(th)), sn = sin(atan(th));
        int W = w + 20, H = h + 20; /* the box passes every edge by ~10 px */
        ss_export_geometry g = {-10.0 - rand() % 5,
                                -10.0 - rand() % 5,
                                cs,
                                sn,
                                llround(cs * SS_FIX_ONE),
                                llround(sn * SS_FIX_ONE),
                                W,
                                H,
                                0,
                                0,
                                xspan,
                                yspan,
                                xblock,
                                yblock};
        float *fast = calloc((size_t)W * H, sizeof(float)),
              *plain = calloc((size_t)W * H, sizeof(float));
        uint32_t hist_fast[256] = {0}, hist_plain[256] = {0};
        assert_true(fast && plain);
        ss_export_strengths_avx2(&s, &ik, 0, &g, fast, hist_fast);
        if (ch == 3)
            ss_export_strengths(&s, 3, &ik, 0, &g, plain, hist_plain);
        else
            ss_export_strengths(&s, 4, &ik, 0, &g, plain, hist_plain);
        assert_memory_equal(fast, plain, (size_t)W * H * sizeof(float));
        assert_memory_equal(hist_fast, hist_plain, sizeof(hist_fast));
        free(fast);
        free(plain);
        free(xblock);
        free(owner);
        munmap(map, len);
    }
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_runs_match_flood_fill),
        cmocka_unit_test(test_region_rows_match_per_block),
        cmocka_unit_test(test_export_avx2_matches_scalar_at_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
