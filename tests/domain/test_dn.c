/* SPDX-License-Identifier: MIT */
/* Unit tests: one attribute out of an RFC 4514 distinguished name (dn.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/dn.h"

static void value_is(const char *dn, const char *type, const char *want)
{
    char out[256];
    kx_err rc = kx_dn_attr(dn, type, out, sizeof out);
    if (rc != KX_OK)
        fail_msg("%s of '%s': %s", type, dn, kx_err_name(rc));
    assert_string_equal(out, want);
}

static void refused(const char *dn, const char *type, kx_err want)
{
    char out[256] = "x";
    kx_err rc = kx_dn_attr(dn, type, out, sizeof out);
    if (rc != want)
        fail_msg("%s of '%s': %s, not %s ('%s')", type, dn, kx_err_name(rc), kx_err_name(want),
                 out);
    assert_string_equal(out, "");
}

static void test_plain(void **state)
{
    (void)state;
    value_is("CN=Acme,O=Acme Ltd,C=CN", "CN", "Acme");
    value_is("CN=Acme,O=Acme Ltd,C=CN", "O", "Acme Ltd");
    value_is("CN=Acme,O=Acme Ltd,C=CN", "c", "CN");
    /* a type that ends in CN is not CN */
    value_is("XCN=nope,CN=yes", "CN", "yes");
    value_is("OU=a,O=b", "O", "b");
    value_is("O=b,OU=a", "OU", "a");
    /* multi-valued RDN */
    value_is("OU=dept+CN=Acme,O=x", "CN", "Acme");
    /* raw UTF-8 (ra-sim leaves it unescaped) */
    value_is("CN=江西测试有限公司,O=x", "CN", "江西测试有限公司");
    /* OIDs */
    value_is("2.5.4.3=Acme,O=x", "CN", "Acme");
    value_is("OID.2.5.4.10=Org,CN=x", "O", "Org");
}

static void test_escapes(void **state)
{
    (void)state;
    value_is("CN=Acme\\, Ltd.,O=x", "CN", "Acme, Ltd.");
    value_is("CN=a\\+b\\=c\\;d\\<e\\>f\\\"g\\\\h,O=x", "CN", "a+b=c;d<e>f\"g\\h");
    value_is("CN=\\#1 Shop\\ ,O=x", "CN", "#1 Shop ");
    /* UTF-8 written as hex pairs (OpenSSL's RFC 2253 output) */
    value_is("CN=\\E6\\B1\\9F\\E8\\A5\\BF Acme,O=x", "CN", "江西 Acme");
    value_is("CN=\\e6\\b1\\9f\\e8\\a5\\bf,O=x", "CN", "江西");
    value_is("CN=\\2C\\41,O=x", "CN", ",A");
    /* a value in BER: UTF8String "江西" */
    value_is("CN=#0C06E6B19FE8A5BF,O=x", "CN", "江西");
    value_is("CN=#130441636D65", "CN", "Acme");
    /* escapes in attributes passed over do not confuse the search */
    value_is("O=a\\,CN=fake,CN=real", "CN", "real");
}

static void test_refused(void **state)
{
    (void)state;
    char small[4];
    refused("O=x,C=CN", "CN", KX_ERR_NOT_FOUND);
    refused("CN=\\E6\\B1", "CN", KX_ERR_BAD_FORMAT); /* cut UTF-8 */
    refused("CN=\\ZZ", "CN", KX_ERR_BAD_FORMAT);     /* not an escape */
    refused("CN=a\\", "CN", KX_ERR_BAD_FORMAT);      /* dangling */
    refused("CN=\\00abc", "CN", KX_ERR_BAD_FORMAT);  /* NUL */
    refused("CN=a\\0Ab", "CN", KX_ERR_BAD_FORMAT);   /* control character */
    refused("CN=#0201FF", "CN", KX_ERR_BAD_FORMAT);  /* an INTEGER, not text */
    refused("CN=#0C05E6", "CN", KX_ERR_BAD_FORMAT);  /* length beyond the data */
    refused("CN=\\C0\\AF", "CN", KX_ERR_BAD_FORMAT); /* overlong */
    refused("garbage", "CN", KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_dn_attr("CN=Acme", "CN", small, sizeof small), KX_ERR_TOO_LARGE);
    assert_string_equal(small, "");
    assert_int_equal(kx_dn_attr(NULL, "CN", small, sizeof small), KX_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
