/* SPDX-License-Identifier: MIT */
/* Unit tests: unified social credit code (GB 32100-2015). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/uscc.h"

static void test_valid_vectors(void **state)
{
    (void)state;
    static const char *const valid[] = {"91110000600037341L", "91310115MA1K3BTP2B",
                                        "9144030071526726XG", "121200004013590816",
                                        "91110108551385082Q"};
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        kx_uscc_info info;
        assert_int_equal(kx_uscc_check(valid[i], &info), KX_USCC_VALID);
        assert_string_equal(info.code, valid[i]);
        assert_int_equal(info.expected_check, valid[i][17]);
    }
}

static void test_check_failed(void **state)
{
    (void)state;
    kx_uscc_info info;
    assert_int_equal(kx_uscc_check("91110000600037341N", &info), KX_USCC_CHECK_FAILED);
    assert_int_equal(info.expected_check, 'L');
    /* pilot-region code seen in the wild: check fails, never a crash */
    assert_int_equal(kx_uscc_check("91350100M0001TGQXM", &info), KX_USCC_CHECK_FAILED);
}

static void test_bad_format(void **state)
{
    (void)state;
    kx_uscc_info info;
    static const char *const bad[] = {
        "9111000060003IOZSV", /* I, O, Z, S, V are not in the alphabet */
        "",
        "91110000600037341",   /* 17 */
        "91110000600037341LL", /* 19 */
        "91AB0000600037341L",  /* region must be digits */
        "9111000060003734 L",
        "91110000600037341\xc3\xa9", /* non-ASCII */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(kx_uscc_check(bad[i], &info), KX_USCC_BAD_FORMAT);
        assert_string_equal(info.code, "");
    }
    assert_int_equal(kx_uscc_check(NULL, &info), KX_USCC_BAD_FORMAT);
}

static void test_lower_case_normalised(void **state)
{
    (void)state;
    kx_uscc_info info;
    assert_int_equal(kx_uscc_check("91310115ma1k3btp2b", &info), KX_USCC_VALID);
    assert_string_equal(info.code, "91310115MA1K3BTP2B");
}

static void test_embedded_nul(void **state)
{
    (void)state;
    kx_uscc_info info;
    const char buf[18] = {'9', '1', '1', '1', '0', '0', '0', '0',  '6',
                          '0', '0', '0', '3', '7', '3', '4', '\0', 'L'};
    assert_int_equal(kx_uscc_check_n(buf, sizeof(buf), &info), KX_USCC_BAD_FORMAT);
}

static void test_every_single_substitution_detected(void **state)
{
    (void)state;
    /* The mod-31 check catches every single-character error. */
    const char *alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char code[] = "91310115MA1K3BTP2B";
    for (int pos = 0; pos < 17; pos++) {
        char orig = code[pos];
        for (const char *a = alphabet; *a; a++) {
            if (*a == orig || (pos >= 2 && pos < 8 && (*a < '0' || *a > '9')))
                continue;
            code[pos] = *a;
            kx_uscc_info info;
            assert_int_not_equal(kx_uscc_check(code, &info), KX_USCC_VALID);
        }
        code[pos] = orig;
    }
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(kx_uscc_status_name(KX_USCC_VALID), "valid");
    assert_string_equal(kx_uscc_status_name(KX_USCC_CHECK_FAILED), "check_failed");
    assert_string_equal(kx_uscc_status_name(KX_USCC_BAD_FORMAT), "bad_format");
}

static void test_org_code_check(void **state)
{
    (void)state;
    kx_uscc_info info;
    kx_uscc_check("91110000600037341L", &info); /* org code 60003734-1 */
    assert_true(info.org_check_ok);
    kx_uscc_check("91110000600037351L", &info);
    assert_false(info.org_check_ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_vectors),
        cmocka_unit_test(test_check_failed),
        cmocka_unit_test(test_bad_format),
        cmocka_unit_test(test_lower_case_normalised),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_every_single_substitution_detected),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_org_code_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
