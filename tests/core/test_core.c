/* SPDX-License-Identifier: MIT */
/* Unit tests: errors, masking, secure buffers, strings, i18n. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/secbuf.h"
#include "core/str.h"

static void test_err_names(void **state)
{
    (void)state;
    assert_string_equal(kx_err_name(KX_OK), "KX_OK");
    assert_string_equal(kx_err_name(KX_ERR_PIN_LOCKED), "KX_ERR_PIN_LOCKED");
    assert_string_equal(kx_err_name((kx_err)9999), "KX_ERR_UNKNOWN");
    assert_string_equal(kx_err_message(KX_ERR_TIMEOUT), "Timed out");
    kx_err_set_detail("x=%d", 5);
    assert_string_equal(kx_err_detail(), "x=5");
    kx_err_clear_detail();
    assert_string_equal(kx_err_detail(), "");
}

static void test_masking(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(kx_mask_idnum("360426199101010071", out, sizeof(out)),
                        "360***********0071");
    assert_string_equal(kx_mask_phone("13812345678", out, sizeof(out)), "138****5678");
    assert_string_equal(kx_mask_idnum("1234567", out, sizeof(out)), "*******");
    assert_string_equal(kx_mask_idnum("", out, sizeof(out)), "");
    assert_string_equal(kx_mask_idnum(NULL, out, sizeof(out)), "");
    char small[5];
    assert_string_equal(kx_mask_idnum("360426199101010071", small, sizeof(small)), "360*");
}

static void test_secbuf(void **state)
{
    (void)state;
    kx_secbuf *sb;
    assert_int_equal(kx_secbuf_new(8, &sb), KX_OK);
    for (int i = 0; i < 8; i++)
        assert_int_equal(kx_secbuf_append(sb, (unsigned char)('1' + i)), KX_OK);
    assert_int_equal(kx_secbuf_append(sb, '9'), KX_ERR_TOO_LARGE);
    assert_string_equal(kx_secbuf_str(sb), "12345678");
    unsigned char *data = sb->data;
    kx_secbuf_clear(sb);
    assert_int_equal(sb->len, 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal(data[i], 0);
    assert_int_equal(kx_secbuf_set(sb, "123456789", 9), KX_ERR_TOO_LARGE);
    assert_int_equal(kx_secbuf_set(sb, "1234", 4), KX_OK);
    assert_string_equal(kx_secbuf_str(sb), "1234");
    kx_secbuf_free(sb);
    kx_secbuf_free(NULL);
    assert_int_equal(kx_secbuf_new(0, &sb), KX_ERR_INVALID_ARG);
}

static void test_strings(void **state)
{
    (void)state;
    char buf[6];
    assert_int_equal(kx_strlcpy(buf, "hello world", sizeof(buf)), 11);
    assert_string_equal(buf, "hello");
    kx_strlcpy(buf, "ab", sizeof(buf));
    kx_strlcat(buf, "cdefg", sizeof(buf));
    assert_string_equal(buf, "abcde");
    long v;
    assert_int_equal(kx_parse_long("42", 0, 100, &v), KX_OK);
    assert_int_equal(v, 42);
    assert_int_equal(kx_parse_long("4x", 0, 100, &v), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_parse_long(" 4", 0, 100, &v), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_parse_long("", 0, 100, &v), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_parse_long("101", 0, 100, &v), KX_ERR_TOO_LARGE);
    assert_int_equal(kx_parse_long("99999999999999999999", 0, 100, &v), KX_ERR_TOO_LARGE);
    int y, m, d;
    assert_int_equal(kx_parse_date("2024-02-29", &y, &m, &d), KX_OK);
    assert_int_equal(kx_parse_date("2023-02-29", &y, &m, &d), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_parse_date("19000229", &y, &m, &d), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_parse_date("20000229", &y, &m, &d), KX_OK);
    assert_int_equal(kx_parse_date("2024-13-01", &y, &m, &d), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_parse_date("2024/01/01", &y, &m, &d), KX_ERR_BAD_FORMAT);
}

static void test_i18n(void **state)
{
    (void)state;
    assert_int_equal(kx_i18n_init(NULL, "zh_CN"), KX_OK);
    assert_string_equal(kx_tr("Wrong PIN"), "PIN码错误");
    assert_int_equal(kx_i18n_set_lang("en"), KX_OK);
    assert_string_equal(kx_tr("Wrong PIN"), "Wrong PIN");
    assert_string_equal(kx_i18n_lang(), "en");
    assert_int_equal(kx_i18n_set_lang("zh_CN"), KX_OK);
    assert_string_equal(kx_tr(kx_err_message(KX_ERR_PIN_LOCKED)), "PIN码已锁定");
    assert_int_equal(kx_i18n_set_lang("fr"), KX_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_names), cmocka_unit_test(test_masking),
        cmocka_unit_test(test_secbuf),    cmocka_unit_test(test_strings),
        cmocka_unit_test(test_i18n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
