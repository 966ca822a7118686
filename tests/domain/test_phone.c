/* SPDX-License-Identifier: MIT */
/* Unit tests: contact telephone numbers, mobile and landline (phone.h),
 * over the list ra-sim is tested with too (tests/domain/phones.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domain/phone.h"

static kx_phone_kind kind_of(const char *name)
{
    if (strcmp(name, "mobile") == 0)
        return KX_PHONE_MOBILE;
    if (strcmp(name, "landline") == 0)
        return KX_PHONE_LANDLINE;
    return KX_PHONE_BAD;
}

static void test_shared_list(void **state)
{
    (void)state;
    FILE *f = fopen(KX_SOURCE_DIR "/tests/domain/phones.txt", "r");
    assert_non_null(f);
    char line[256];
    int n = 0, good = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *number = strchr(line, '|');
        assert_non_null(number);
        *number++ = 0;
        char *canonical = strchr(number, '|');
        assert_non_null(canonical);
        *canonical++ = 0;
        kx_phone_info info;
        kx_phone_kind want = kind_of(line), got = kx_phone_check(number, &info);
        if (got != want || strcmp(info.canonical, canonical) != 0)
            fail_msg("'%s': %s '%s', want %s '%s'", number, kx_phone_kind_name(got),
                     info.canonical, kx_phone_kind_name(want), canonical);
        n++;
        good += want != KX_PHONE_BAD;
    }
    (void)fclose(f);
    assert_true(n >= 30);
    assert_true(good >= 10 && n - good >= 15);
}

static void test_parts(void **state)
{
    (void)state;
    kx_phone_info info;
    assert_int_equal(kx_phone_check("0791-82097407", &info), KX_PHONE_LANDLINE);
    assert_string_equal(info.area, "0791");
    assert_string_equal(info.extension, "");
    assert_int_equal(kx_phone_check("010-62345678#8012", &info), KX_PHONE_LANDLINE);
    assert_string_equal(info.area, "010");
    assert_string_equal(info.extension, "8012");
    assert_int_equal(kx_phone_check("13800000000", &info), KX_PHONE_MOBILE);
    assert_string_equal(info.area, "");
    /* the longest canonical number fits */
    assert_int_equal(kx_phone_check("0791-82097407\xe8\xbd\xac"
                                    "123456",
                                    &info),
                     KX_PHONE_LANDLINE);
    assert_int_equal(strlen(info.canonical), KX_PHONE_MAX);
    /* the kind alone */
    assert_int_equal(kx_phone_check("0791-82097407", NULL), KX_PHONE_LANDLINE);
}

static void test_kiosk_only(void **state)
{
    (void)state;
    kx_phone_info info;
    /* what a screen may leave around the number */
    assert_int_equal(kx_phone_check(" 15079118888 ", &info), KX_PHONE_MOBILE);
    assert_string_equal(info.canonical, "15079118888");
    assert_int_equal(kx_phone_check("  0791-82097407 ", &info), KX_PHONE_LANDLINE);
    assert_string_equal(info.canonical, "0791-82097407");
    assert_int_equal(kx_phone_check(NULL, &info), KX_PHONE_BAD);
    assert_int_equal(kx_phone_check("", &info), KX_PHONE_BAD);
    assert_int_equal(kx_phone_check("   ", &info), KX_PHONE_BAD);
    assert_int_equal(kx_phone_check("0791-82097407\xe8\xbd", &info), KX_PHONE_BAD);
    assert_int_equal(kx_phone_check("0791-82097407-12\n", &info), KX_PHONE_BAD);
    assert_string_equal(info.canonical, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_list),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_kiosk_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
