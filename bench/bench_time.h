/* SPDX-License-Identifier: MIT */
/*
 * bench_time.h - helpers shared by the in-process timers in bench/
 * (sealsheet_time.c, licence_time.c): CPU time of a clock in milliseconds,
 * and a comparison for qsort over such times.
 */
#ifndef KX_BENCH_TIME_H
#define KX_BENCH_TIME_H

#include <time.h>

/* The CPU time of clock (CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID) in ms. */
static inline double bench_cpu_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* qsort comparison of doubles, ascending. */
static inline int bench_cmp_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
