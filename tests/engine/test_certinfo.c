/* SPDX-License-Identifier: MIT */
/* Unit tests: certificate summary (kiosk/engine/certinfo.c) on certificates
 * made by the openssl command at test time, in PEM and DER. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/certinfo.h"

static size_t slurp(const char *path, unsigned char *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

static void test_parse(void **state)
{
    (void)state;
    char dir[] = "/tmp/kx-cert-XXXXXX", cmd[2048], pem[64], der[64];
    assert_non_null(mkdtemp(dir));
    snprintf(pem, sizeof pem, "%s/c.pem", dir);
    snprintf(der, sizeof der, "%s/c.der", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s/k.pem -out %s -days 30 -set_serial 0xABCDEF01 "
             "-subj '/C=CN/O=Example Electronics Co., "
             "Ltd./CN=Example/serialNumber=91110000600037341L' "
             ">/dev/null 2>&1 && openssl x509 -in %s -outform DER -out %s",
             dir, pem, pem, der);
    assert_int_equal(system(cmd), 0);
    unsigned char buf[8192];
    size_t n = slurp(pem, buf, sizeof buf);
    kx_certinfo ci;
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(kx_certinfo_parse(buf, n, now, &ci), KX_OK);
    assert_string_equal(ci.company, "Example Electronics Co., Ltd.");
    assert_string_equal(ci.uscc, "91110000600037341L");
    assert_string_equal(ci.serial, "abcdef01");
    assert_true(ci.days_left == 29 || ci.days_left == 30);
    assert_int_equal(strlen(ci.not_after_text), 10);
    /* 40 days later it is 10 days past expiry */
    assert_int_equal(kx_certinfo_parse(buf, n, now + 40 * 86400, &ci), KX_OK);
    assert_true(ci.days_left <= -9 && ci.days_left >= -11);
    n = slurp(der, buf, sizeof buf);
    assert_int_equal(kx_certinfo_parse(buf, n, now, &ci), KX_OK);
    assert_string_equal(ci.uscc, "91110000600037341L");
    assert_int_equal(kx_certinfo_parse((const unsigned char *)"garbage", 7, now, &ci),
                     KX_ERR_BAD_FORMAT);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
