/* SPDX-License-Identifier: MIT */
/*
 * test_ui_shuffle.c - the shuffled PIN keypads (kiosk/ui/shuffle.c): every
 * shuffle draws from getrandom(2) (the link wraps getrandom to count the
 * calls and to make it fail), shuffles made back to back in the same
 * millisecond differ, the layouts are uniform over digits and positions,
 * and a kernel that gives no random bytes leaves a usable ordered keypad
 * and an error. The clock-seeded LCG this replaced fails the first two.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cmocka.h>

#include "ui/ui_internal.h"

ssize_t __real_getrandom(void *buf, size_t n, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags);

static int calls, fail_next;

ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags)
{
    calls++;
    if (fail_next) {
        errno = ENOSYS;
        return -1;
    }
    return __real_getrandom(buf, n, flags);
}

static void assert_permutation(const int order[10])
{
    int seen[10] = {0};
    for (int i = 0; i < 10; i++) {
        assert_true(order[i] >= 0 && order[i] <= 9);
        seen[order[i]]++;
    }
    for (int d = 0; d < 10; d++)
        assert_int_equal(seen[d], 1);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* every shuffle asks the kernel, and two made within the same millisecond
 * differ (a clock-seeded generator would give the same one, or one that
 * follows from it) */
static void test_each_shuffle_uses_getrandom(void **unused)
{
    (void)unused;
    int a[10], b[10], same = 0, pairs = 0;
    for (int k = 0; k < 200; k++) {
        long t0 = now_ms();
        int before = calls;
        assert_int_equal(kx_ui_shuffle(a), KX_OK);
        assert_true(calls > before);
        before = calls;
        assert_int_equal(kx_ui_shuffle(b), KX_OK);
        assert_true(calls > before);
        assert_permutation(a);
        assert_permutation(b);
        if (now_ms() == t0) {
            pairs++;
            same += memcmp(a, b, sizeof a) == 0;
        }
    }
    assert_true(pairs > 0);
    /* 10! layouts: two equal ones in 200 pairs is ~1 in 18,000 */
    assert_true(same <= 1);
}

/* uniform: each digit in each of the ten positions about a tenth of the
 * time (chi-square over 100 cells, 99 degrees of freedom; 160 is far in
 * the tail) */
static void test_uniform(void **unused)
{
    (void)unused;
    enum { N = 20000 };
    static int count[10][10];
    int order[10];
    memset(count, 0, sizeof count);
    for (int k = 0; k < N; k++) {
        assert_int_equal(kx_ui_shuffle(order), KX_OK);
        for (int pos = 0; pos < 10; pos++)
            count[pos][order[pos]]++;
    }
    double chi = 0, want = N / 10.0;
    for (int pos = 0; pos < 10; pos++)
        for (int d = 0; d < 10; d++)
            chi += (count[pos][d] - want) * (count[pos][d] - want) / want;
    assert_true(chi < 160.0);
}

/* no random bytes: an ordered keypad (still usable) and an error */
static void test_no_randomness(void **unused)
{
    (void)unused;
    int order[10];
    fail_next = 1;
    assert_int_equal(kx_ui_shuffle(order), KX_ERR_IO);
    fail_next = 0;
    for (int i = 0; i < 10; i++)
        assert_int_equal(order[i], (i + 1) % 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_shuffle_uses_getrandom),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_no_randomness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
