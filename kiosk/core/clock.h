/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the monotonic clock every timer, deadline and duration in the
 * project is measured on. Never the wall clock: timers must not jump when
 * an operator or NTP sets the time (time(NULL) is for dates and expiries).
 */
#ifndef KX_CORE_CLOCK_H
#define KX_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* kx_now_ms - milliseconds on CLOCK_MONOTONIC (an arbitrary origin: only
 * differences mean something). Thread-safe, async-signal-safe. */
static inline int64_t kx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
