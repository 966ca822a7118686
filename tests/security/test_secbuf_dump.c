/* SPDX-License-Identifier: MIT */
/*
 * test_secbuf_dump.c - finding 8: a kx_secbuf's bytes are left out of core
 * dumps. The kernel lists MADV_DONTDUMP as "dd" in the VmFlags of the
 * mapping that holds them (/proc/self/smaps); the mapping is the buffer's
 * own, so no heap neighbour is affected and freeing unmaps it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/secbuf.h"

/* the VmFlags line of the mapping containing addr, "" when none does */
static void vmflags_of(const void *addr, char *out, size_t outsz)
{
    FILE *fp = fopen("/proc/self/smaps", "r");
    assert_non_null(fp);
    char line[512];
    int inside = 0;
    out[0] = 0;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof line, fp)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = a >= lo && a < hi;
            continue;
        }
        if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(out, outsz, "%s", line + 8);
            break;
        }
    }
    fclose(fp);
}

static int has_flag(const char *flags, const char *flag)
{
    char padded[520];
    snprintf(padded, sizeof padded, " %s ", flags);
    char *nl = strchr(padded, '\n');
    if (nl)
        *nl = ' ';
    char want[8];
    snprintf(want, sizeof want, " %s ", flag);
    return strstr(padded, want) != NULL;
}

static void test_secbuf_not_dumped(void **state)
{
    (void)state;
    kx_secbuf *sb = NULL, *big = NULL;
    assert_int_equal(kx_secbuf_new(64, &sb), KX_OK);
    assert_int_equal(kx_secbuf_set(sb, "123456", 6), KX_OK);
    char flags[512];
    vmflags_of(sb->data, flags, sizeof flags);
    print_message("VmFlags of a secbuf: %s", flags);
    assert_true(has_flag(flags, "dd"));
    assert_int_equal(sb->nodump, 1);
    /* (mlock shows as "lo", but AddressSanitizer turns mlock into a no-op
     * that reports success, so it is not checked here) */
    /* a buffer over a page: its last byte too */
    assert_int_equal(kx_secbuf_new(10000, &big), KX_OK);
    vmflags_of(big->data + 10000, flags, sizeof flags);
    assert_true(has_flag(flags, "dd"));
    /* ordinary heap memory is not marked (the test would see anything) */
    char *heap = malloc(64);
    assert_non_null(heap);
    vmflags_of(heap, flags, sizeof flags);
    assert_false(has_flag(flags, "dd"));
    free(heap);
    kx_secbuf_free(sb);
    kx_secbuf_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_secbuf_not_dumped)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
