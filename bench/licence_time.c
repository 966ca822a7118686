/* SPDX-License-Identifier: MIT */
/*
 * licence_time.c - in-process timing of the licence QR reader, for
 * bench/50-licence.sh and for comparing variants of kiosk/imaging: each
 * image is decoded once (as `kioskctl license` does: luminance only), then
 * read `runs` times in this process; prints per image, tab-separated,
 *
 *   IMAGE  found(0/1)  decoder_runs  first_ms  best_ms  median_ms  payload
 *
 * with the process CPU time of each read (both workers' when two run).
 * --one-worker keeps the reader on the calling thread (kx_licence_qr_set_
 * workers(1)): the figure to compare variants by on a shared machine, best
 * of several runs. With KX_LOG_LEVEL=debug the reader logs every decision
 * (region, stage, size), which two variants meant to behave alike can be
 * compared by line for line. Exit 0, or 2 on usage or an unreadable image.
 * Must never write files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"

#define LICENCE_TIME_MAX_RUNS 100

int main(int argc, char **argv)
{
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "--one-worker") == 0) {
        kx_licence_qr_set_workers(1);
        arg++;
    }
    if (argc - arg < 2) {
        fprintf(stderr, "usage: licence_time [--one-worker] RUNS IMAGE...\n");
        return 2;
    }
    char *end = NULL;
    errno = 0;
    long runs = strtol(argv[arg], &end, 10);
    if (errno || !end || *end || runs < 1 || runs > LICENCE_TIME_MAX_RUNS) {
        fprintf(stderr, "licence_time: RUNS must be 1..%d\n", LICENCE_TIME_MAX_RUNS);
        return 2;
    }
    kx_licence_qr *qr = malloc(sizeof(*qr));
    if (!qr)
        return 2;
    for (int i = arg + 1; i < argc; i++) {
        kx_image *img = NULL;
        kx_image_decode_opts opts = {.gray = 1};
        if (kx_image_load_ex(argv[i], &opts, &img)) {
            fprintf(stderr, "licence_time: cannot read %s\n", argv[i]);
            free(qr);
            return 2;
        }
        double ms[LICENCE_TIME_MAX_RUNS];
        for (long r = 0; r < runs; r++) {
            double t0 = bench_cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
            kx_err rc = kx_licence_qr_read(img, qr);
            ms[r] = bench_cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - t0;
            if (rc && rc != KX_ERR_NO_QR) {
                fprintf(stderr, "licence_time: %s: read failed (%d)\n", argv[i], (int)rc);
                kx_image_free(img);
                free(qr);
                return 2;
            }
        }
        kx_image_free(img);
        double first = ms[0];
        qsort(ms, (size_t)runs, sizeof(double), bench_cmp_ms);
        printf("%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t", argv[i], qr->found, qr->attempts, first, ms[0],
               ms[runs / 2]);
        if (qr->found)
            fwrite(qr->payload, 1, qr->payload_len, stdout);
        putchar('\n');
    }
    free(qr);
    return 0;
}
