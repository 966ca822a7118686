/* SPDX-License-Identifier: MIT */
/* Unit tests: the one fault-injection shape of the driver wrappers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"

static void test_nothing_injected(void **state)
{
    (void)state;
    unsetenv("KX_FAULT_TOKEN");
    assert_int_equal(kx_fault_check("token", "install", KX_ERR_TOKEN_REMOVED), KX_OK);
}

static void test_env_rules(void **state)
{
    (void)state;
    setenv("KX_FAULT_TOKEN", "install:KX_ERR_TOKEN_FULL,keygen", 1);
    assert_int_equal(kx_fault_check("token", "install", KX_ERR_TOKEN_REMOVED),
                     KX_ERR_TOKEN_FULL);
    assert_non_null(strstr(kx_err_detail(), "injected fault in token install"));
    /* no error named: the driver's default */
    assert_int_equal(kx_fault_check("token", "keygen", KX_ERR_TOKEN_REMOVED),
                     KX_ERR_TOKEN_REMOVED);
    /* other calls, and a call whose name only starts alike, pass */
    assert_int_equal(kx_fault_check("token", "login", KX_ERR_TOKEN_REMOVED), KX_OK);
    assert_int_equal(kx_fault_check("token", "installx", KX_ERR_TOKEN_REMOVED), KX_OK);
    /* another driver's variable is not this one's */
    assert_int_equal(kx_fault_check("scanner", "install", KX_ERR_SCAN_JAMMED), KX_OK);
    /* "*" is every call; an unknown error name falls back to the default */
    setenv("KX_FAULT_TOKEN", "*:KX_ERR_NO_SUCH_NAME", 1);
    assert_int_equal(kx_fault_check("token", "login", KX_ERR_TOKEN_REMOVED),
                     KX_ERR_TOKEN_REMOVED);
    /* a changed value is read again */
    setenv("KX_FAULT_TOKEN", "login:KX_ERR_PIN_LOCKED", 1);
    assert_int_equal(kx_fault_check("token", "login", KX_ERR_TOKEN_REMOVED), KX_ERR_PIN_LOCKED);
    unsetenv("KX_FAULT_TOKEN");
}

static void test_armed(void **state)
{
    (void)state;
    /* the second scan fails, once */
    kx_fault_arm("scanner", "scan", KX_ERR_SCAN_JAMMED, 1, 1);
    assert_int_equal(kx_fault_check("scanner", "open", KX_ERR_SCAN_JAMMED), KX_OK);
    assert_int_equal(kx_fault_check("scanner", "scan", KX_ERR_SCAN_JAMMED), KX_OK);
    assert_int_equal(kx_fault_check("scanner", "scan", KX_ERR_SCAN_JAMMED), KX_ERR_SCAN_JAMMED);
    assert_int_equal(kx_fault_check("scanner", "scan", KX_ERR_SCAN_JAMMED), KX_OK);
    /* two calls of any kind, then disarmed explicitly */
    kx_fault_arm("payment", "*", KX_ERR_BUSY, 0, 2);
    assert_int_equal(kx_fault_check("payment", "query", KX_ERR_NETWORK), KX_ERR_BUSY);
    kx_fault_arm("payment", "*", KX_OK, 0, 0);
    assert_int_equal(kx_fault_check("payment", "query", KX_ERR_NETWORK), KX_OK);
}

static void test_err_from_name(void **state)
{
    (void)state;
    kx_err e;
    assert_int_equal(kx_err_from_name("KX_ERR_TIMEOUT", &e), KX_OK);
    assert_int_equal(e, KX_ERR_TIMEOUT);
    assert_string_equal(kx_err_name(e), "KX_ERR_TIMEOUT");
    assert_int_equal(kx_err_from_name("KX_ERR_BOGUS", &e), KX_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_injected),
        cmocka_unit_test(test_env_rules),
        cmocka_unit_test(test_armed),
        cmocka_unit_test(test_err_from_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
