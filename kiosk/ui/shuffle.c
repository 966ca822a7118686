/* SPDX-License-Identifier: MIT */
/*
 * shuffle.c - the digit order of the shuffled PIN keypads (the customer's
 * and the staff login's), drawn from the kernel's random source
 * (getrandom(2)) for every shuffle: a layout tells nothing about the next
 * one, nor does the clock. Never a seeded generator: the screenshot
 * harness shows fixed layouts of its own (canned.c) instead.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"
#include "core/secbuf.h"
#include "ui/ui_internal.h"

/* shuffle_random - n random bytes; KX_ERR_IO when the kernel gives none. */
static kx_err shuffle_random(unsigned char *buf, size_t n)
{
    size_t got = 0;
    kx_err rc = KX_OK;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            kx_err_set_detail("getrandom: %s", r < 0 ? strerror(errno) : "no bytes");
            rc = KX_ERR_IO;
            break;
        }
        got += (size_t)r;
    }
    return rc;
}

kx_err kx_ui_shuffle(int order[10])
{
    /* 32-bit draws, each reduced without bias by rejecting the top of the
     * range (rare: one draw in 2^28 or fewer); refilled when used up */
    uint32_t pool[16];
    size_t used = sizeof pool / sizeof pool[0];
    kx_err rc = KX_OK;
    for (int i = 0; i < 10; i++)
        order[i] = (i + 1) % 10;
    for (int i = 9; i > 0 && rc == KX_OK; i--) {
        uint32_t bound = (uint32_t)i + 1, limit = UINT32_MAX - UINT32_MAX % bound, v;
        do {
            if (used == sizeof pool / sizeof pool[0]) {
                if ((rc = shuffle_random((unsigned char *)pool, sizeof pool)) != KX_OK)
                    break;
                used = 0;
            }
            v = pool[used++];
        } while (v >= limit);
        if (rc == KX_OK) {
            int j = (int)(v % bound), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    kx_wipe(pool, sizeof pool);
    if (rc != KX_OK) {
        /* an ordered keypad still takes the PIN; the log says why */
        for (int i = 0; i < 10; i++)
            order[i] = (i + 1) % 10;
        kx_log_error("ui.shuffle_failed", "detail=\"%s\"", kx_err_detail());
    }
    return rc;
}
