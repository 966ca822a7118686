/* SPDX-License-Identifier: MIT */
/* Unit tests: resident ID number (GB 11643-1999) and ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/idnum.h"

static void test_valid_vectors(void **state)
{
    (void)state;
    kx_idnum_info info;
    assert_int_equal(kx_idnum_check("360426199101010071", &info), KX_IDNUM_VALID);
    assert_int_equal(info.birth_year, 1991);
    assert_int_equal(info.birth_month, 1);
    assert_int_equal(info.birth_day, 1);
    assert_int_equal(info.sex, 'M');
    assert_string_equal(info.region, "360426");
    assert_int_equal(kx_idnum_check("44011320141005001X", &info), KX_IDNUM_VALID);
    assert_int_equal(info.sex, 'M');
    assert_int_equal(kx_idnum_check("34052419800101001X", &info), KX_IDNUM_VALID);
}

static void test_lower_x(void **state)
{
    (void)state;
    kx_idnum_info info;
    assert_int_equal(kx_idnum_check("44011320141005001x", &info), KX_IDNUM_VALID);
    assert_string_equal(info.number, "44011320141005001X");
}

static void test_invalid(void **state)
{
    (void)state;
    kx_idnum_info info;
    assert_int_equal(kx_idnum_check("36042619910102009X", &info), KX_IDNUM_CHECK_FAILED);
    assert_int_equal(kx_idnum_check("360426199113010079", &info), KX_IDNUM_BAD_DATE);
    /* 29 February in a common year */
    assert_int_equal(kx_idnum_check("360426199102290071", &info), KX_IDNUM_BAD_DATE);
    assert_int_equal(kx_idnum_check("", &info), KX_IDNUM_BAD_FORMAT);
    assert_int_equal(kx_idnum_check(NULL, &info), KX_IDNUM_BAD_FORMAT);
    assert_int_equal(kx_idnum_check("3604261991010100711", &info), KX_IDNUM_BAD_FORMAT);
    assert_int_equal(kx_idnum_check("36042619910101007", &info), KX_IDNUM_BAD_FORMAT);
    assert_int_equal(kx_idnum_check("3604261991010100X1", &info), KX_IDNUM_BAD_FORMAT);
    assert_int_equal(kx_idnum_check("36042619910101007\xef", &info), KX_IDNUM_BAD_FORMAT);
    const char nul[18] = {'3', '6', '0', '4', '2', '6', '1', '9',  '9',
                          '1', '0', '1', '0', '1', '0', '0', '\0', '1'};
    assert_int_equal(kx_idnum_check_n(nul, sizeof(nul), &info), KX_IDNUM_BAD_FORMAT);
}

static void test_leap_day_valid(void **state)
{
    (void)state;
    /* 2000-02-29 exists: compute the right check and expect valid */
    kx_idnum_info info;
    char n[] = "110101200002290010";
    kx_idnum_check(n, &info);
    assert_int_not_equal(info.status, KX_IDNUM_BAD_DATE);
    n[17] = info.expected_check;
    assert_int_equal(kx_idnum_check(n, &info), KX_IDNUM_VALID);
    assert_int_equal(info.sex, 'M');
}

static void test_female(void **state)
{
    (void)state;
    kx_idnum_info info;
    char n[] = "360426199101010020"; /* sequence 002: even, female */
    kx_idnum_check(n, &info);
    n[17] = info.expected_check;
    assert_int_equal(kx_idnum_check(n, &info), KX_IDNUM_VALID);
    assert_int_equal(info.sex, 'F');
}

static void test_age(void **state)
{
    (void)state;
    assert_int_equal(kx_age_on(2008, 11, 23, 2026, 11, 23), 18); /* birthday */
    assert_int_equal(kx_age_on(2008, 11, 24, 2026, 11, 23), 17); /* day before */
    assert_int_equal(kx_age_on(2008, 2, 29, 2026, 2, 28), 17);
    assert_int_equal(kx_age_on(2008, 2, 29, 2026, 3, 1), 18);
    assert_int_equal(kx_age_on(2000, 1, 1, 1999, 12, 31), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_vectors), cmocka_unit_test(test_lower_x),
        cmocka_unit_test(test_invalid),       cmocka_unit_test(test_leap_day_valid),
        cmocka_unit_test(test_female),        cmocka_unit_test(test_age),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
