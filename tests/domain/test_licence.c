/* SPDX-License-Identifier: MIT */
/* Unit tests: credit codes in licence QR payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/licence.h"

static kx_err extract(const char *s, kx_licence_codes *c)
{
    return kx_licence_extract(s, strlen(s), c);
}

static void test_uniscid_url(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("http://www.gsxt.gov.cn/index.html?uniscid=91110000600037341L"
                             "&entname=x",
                             &c),
                     KX_OK);
    assert_int_equal(c.n_valid, 1);
    assert_string_equal(c.valid[0], "91110000600037341L");
}

static void test_serial_prefix(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("http://gsxt.jxaic.gov.cn/x?serial=91310115MA1K3BTP2B-"
                             "SAIC_SHOW_10000091310115MA1K3BTP2B1566",
                             &c),
                     KX_OK);
    assert_string_equal(c.valid[0], "91310115MA1K3BTP2B");
    assert_int_equal(c.n_valid, 1); /* listed once */
}

static void test_cid_and_percent(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("https://x.gov.cn/q?cid%3D9144030071526726XG", &c), KX_OK);
    assert_string_equal(c.valid[0], "9144030071526726XG");
}

static void test_bare_code(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("121200004013590816", &c), KX_OK);
    assert_int_equal(extract("统一社会信用代码：91110108551385082Q 名称", &c), KX_OK);
    assert_string_equal(c.valid[0], "91110108551385082Q");
}

static void test_opaque(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("http://www.gsxt.gov.cn/?uuid=3f9a1c2e-7b4d-4e8f-9a10-"
                             "2b3c4d5e6f70",
                             &c),
                     KX_ERR_NOT_FOUND);
    assert_int_equal(extract("https://x.cn/?nbxh=A1B2C3D4E5F6A7B8C9D0E1F2", &c),
                     KX_ERR_NOT_FOUND);
    assert_int_equal(c.n_valid, 0);
    assert_int_equal(extract("", &c), KX_ERR_NOT_FOUND);
}

static void test_failed_reported(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("uniscid=91110000600037341N", &c), KX_ERR_NOT_FOUND);
    assert_int_equal(c.n_failed, 1);
    assert_string_equal(c.failed[0], "91110000600037341N");
}

static void test_multiple_and_limits(void **state)
{
    (void)state;
    kx_licence_codes c;
    assert_int_equal(extract("a=91110000600037341L&b=91310115MA1K3BTP2B", &c), KX_OK);
    assert_int_equal(c.n_valid, 2);
    static char big[KX_LICENCE_MAX_PAYLOAD + 2];
    memset(big, 'A', sizeof(big) - 1);
    assert_int_equal(kx_licence_extract(big, sizeof(big) - 1, &c), KX_ERR_TOO_LARGE);
    const char nul[] = "x=9111000060003\0"
                       "7341L";
    assert_int_equal(kx_licence_extract(nul, sizeof(nul) - 1, &c), KX_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniscid_url),
        cmocka_unit_test(test_serial_prefix),
        cmocka_unit_test(test_cid_and_percent),
        cmocka_unit_test(test_bare_code),
        cmocka_unit_test(test_opaque),
        cmocka_unit_test(test_failed_reported),
        cmocka_unit_test(test_multiple_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
