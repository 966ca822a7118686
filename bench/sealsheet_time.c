/* SPDX-License-Identifier: MIT */
/*
 * sealsheet_time.c - in-process timing of the seal-sheet analysis, for
 * bench/51-sealsheet.sh: each image is decoded once, then analysed `runs`
 * times in this process; prints per image the CPU time (this thread's) of
 * the first analysis, the best and the median, in milliseconds:
 *
 *   sealsheet_time RUNS IMAGE...   ->   IMAGE first_ms best_ms median_ms
 *
 * The best of several runs in one process is the figure to compare variants
 * by on a shared machine (other processes inflate it least); the first run
 * is what a one-shot `kioskctl seal-sheet` pays (fresh memory included).
 * Exit 0, or 2 on usage or an image that cannot be read or analysed.
 * Must never write files.
 *
 * Built with -DSEALSHEET_TIME_VERSUS and linked with a previous version of
 * the analyser whose public functions are renamed old_kx_* (bench/53-
 * sealsheet-orient.sh builds it from a commit), it times both in this one
 * process, interleaved (old, new, old, new, ... on the same decoded page),
 * so that both see the same machine:
 *
 *   sealsheet_time RUNS IMAGE...   ->   IMAGE old_best new_best old_median new_median
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_time.h"
#include "imaging/image.h"
#include "imaging/sealsheet.h"

#define SEALSHEET_TIME_MAX_RUNS 100

#ifdef SEALSHEET_TIME_VERSUS
kx_err old_kx_sealsheet_analyze(const kx_image *img, double dpi, kx_sealsheet_result **out);
void old_kx_sealsheet_result_free(kx_sealsheet_result *res);
#define SEALSHEET_TIME_VERSIONS 2
#else
#define SEALSHEET_TIME_VERSIONS 1
#endif

/* CPU time of one analysis of img by version v (1: the previous one), in
 * *ms; the analysis's result code. */
static kx_err sealsheet_time_one(const kx_image *img, int v, double *ms)
{
    kx_sealsheet_result *res = NULL;
    kx_err rc;
    double t0 = bench_cpu_ms(CLOCK_THREAD_CPUTIME_ID);
#ifdef SEALSHEET_TIME_VERSUS
    if (v) {
        rc = old_kx_sealsheet_analyze(img, 0, &res);
        *ms = bench_cpu_ms(CLOCK_THREAD_CPUTIME_ID) - t0;
        old_kx_sealsheet_result_free(res);
        return rc;
    }
#else
    (void)v;
#endif
    rc = kx_sealsheet_analyze(img, 0, &res);
    *ms = bench_cpu_ms(CLOCK_THREAD_CPUTIME_ID) - t0;
    kx_sealsheet_result_free(res);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sealsheet_time RUNS IMAGE...\n");
        return 2;
    }
    char *end = NULL;
    errno = 0;
    long runs = strtol(argv[1], &end, 10);
    if (errno || !end || *end || runs < 1 || runs > SEALSHEET_TIME_MAX_RUNS) {
        fprintf(stderr, "sealsheet_time: RUNS must be 1..%d\n", SEALSHEET_TIME_MAX_RUNS);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        kx_image *img = NULL;
        if (kx_image_load(argv[i], &img)) {
            fprintf(stderr, "sealsheet_time: cannot read %s\n", argv[i]);
            return 2;
        }
        double ms[SEALSHEET_TIME_VERSIONS][SEALSHEET_TIME_MAX_RUNS];
        for (long r = 0; r < runs; r++)
            for (int v = SEALSHEET_TIME_VERSIONS - 1; v >= 0; v--) {
                kx_err rc = sealsheet_time_one(img, v, &ms[v][r]);
                if (rc) {
                    fprintf(stderr, "sealsheet_time: %s: analysis failed (%d)\n", argv[i],
                            (int)rc);
                    kx_image_free(img);
                    return 2;
                }
            }
        kx_image_free(img);
        double first = ms[0][0];
        for (int v = 0; v < SEALSHEET_TIME_VERSIONS; v++)
            qsort(ms[v], (size_t)runs, sizeof(double), bench_cmp_ms);
#ifdef SEALSHEET_TIME_VERSUS
        (void)first;
        printf("%s %.2f %.2f %.2f %.2f\n", argv[i], ms[1][0], ms[0][0], ms[1][runs / 2],
               ms[0][runs / 2]);
#else
        printf("%s %.2f %.2f %.2f\n", argv[i], first, ms[0][0], ms[0][runs / 2]);
#endif
    }
    return 0;
}
