/* SPDX-License-Identifier: MIT */
/*
 * test_pin_policy.c - unit tests of the UKEY PIN policy: loading [token]
 * pin_min_len / pin_max_len / pin_reject_simple (defaults, bounds, bad
 * values) and kx_pin_policy_check on lengths, non-digits, one repeated
 * digit and ascending/descending sequences, plus the argument checks of the
 * kx_token_* wrappers (no module needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "token/token.h"

static kx_err check_pin(const kx_pin_policy *p, const char *pin)
{
    kx_secbuf *b = NULL;
    assert_int_equal(kx_secbuf_new(32, &b), KX_OK);
    assert_int_equal(kx_secbuf_set(b, pin, strlen(pin)), KX_OK);
    kx_err rc = kx_pin_policy_check(p, b);
    kx_secbuf_free(b);
    return rc;
}

static void load(const char *text, kx_pin_policy *p, kx_err want)
{
    kx_config *cfg = NULL;
    assert_int_equal(kx_config_load_string(text, "test", &cfg), KX_OK);
    assert_int_equal(kx_pin_policy_load(cfg, p), want);
    kx_config_free(cfg);
}

static void test_defaults(void **state)
{
    (void)state;
    kx_pin_policy p;
    load("[kiosk]\n", &p, KX_OK);
    assert_int_equal(p.min_len, 6);
    assert_int_equal(p.max_len, 8);
    assert_true(p.reject_repeated && p.reject_sequence);
}

static void test_config_values_and_bounds(void **state)
{
    (void)state;
    kx_pin_policy p;
    load("[token]\npin_min_len = 4\npin_max_len = 12\npin_reject_simple = false\n", &p, KX_OK);
    assert_int_equal(p.min_len, 4);
    assert_int_equal(p.max_len, 12);
    assert_false(p.reject_repeated || p.reject_sequence);
    load("[token]\npin_min_len = 3\n", &p, KX_ERR_CONFIG);
    load("[token]\npin_min_len = 17\n", &p, KX_ERR_CONFIG);
    load("[token]\npin_min_len = 8\npin_max_len = 6\n", &p, KX_ERR_CONFIG);
    load("[token]\npin_min_len = six\n", &p, KX_ERR_CONFIG);
    load("[token]\npin_reject_simple = maybe\n", &p, KX_ERR_CONFIG);
}

static void test_check(void **state)
{
    (void)state;
    kx_pin_policy p = {6, 8, 1, 1};
    static const char *const good[] = {"285714", "1357924", "12345670",
                                       "100000", "121212",  "987654321"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(check_pin(&p, good[i]), KX_OK);
    assert_int_equal(check_pin(&p, good[5]), KX_ERR_PIN_POLICY); /* 9 digits */
    static const char *const bad[] = {"12345",  "123456789", "111111", "99999999",
                                      "123456", "345678",    "654321", "876543",
                                      "12a456", "123 56",    "+12345", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(check_pin(&p, bad[i]), KX_ERR_PIN_POLICY);
    /* the detail says why, never the PIN */
    assert_int_equal(check_pin(&p, "111111"), KX_ERR_PIN_POLICY);
    assert_non_null(strstr(kx_err_detail(), "repeated"));
    assert_null(strstr(kx_err_detail(), "111111"));
    assert_int_equal(check_pin(&p, "234567"), KX_ERR_PIN_POLICY);
    assert_non_null(strstr(kx_err_detail(), "sequence"));
    /* simple PINs allowed when the policy says so, lengths still checked */
    kx_pin_policy lax = {4, 6, 0, 0};
    assert_int_equal(check_pin(&lax, "1111"), KX_OK);
    assert_int_equal(check_pin(&lax, "123456"), KX_OK);
    assert_int_equal(check_pin(&lax, "123"), KX_ERR_PIN_POLICY);
    assert_int_equal(check_pin(&lax, "1234567"), KX_ERR_PIN_POLICY);
}

static void test_wrapper_arguments(void **state)
{
    (void)state;
    kx_token_module *m = NULL;
    assert_int_equal(kx_token_module_open("pkcs11", NULL, &m), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_token_module_open("nope", "/x.so", &m), KX_ERR_CONFIG);
    assert_int_equal(kx_token_module_open("pkcs11", "/nonexistent/module.so", &m),
                     KX_ERR_CONFIG);
    assert_null(m);
    kx_token_event ev;
    assert_int_equal(kx_token_poll_event(NULL, &ev), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_token_login(NULL, NULL, NULL), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_pin_policy_check(NULL, NULL), KX_ERR_INVALID_ARG);
    assert_string_equal(kx_key_type_name(KX_KEY_RSA_2048), "RSA 2048");
    assert_string_equal(kx_key_type_name(KX_KEY_EC_P256), "EC P-256");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_config_values_and_bounds),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_wrapper_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
