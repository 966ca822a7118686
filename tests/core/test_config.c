/* SPDX-License-Identifier: MIT */
/* Unit tests: INI configuration and its error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

static const char sample[] = "; comment\n"
                             "[ra]\n"
                             "url = https://127.0.0.1:8443\n"
                             "timeout_ms = 5000\n"
                             "verify = yes\n"
                             "[ui]\n"
                             "orientation = portrait\n"
                             "bad_int = 12abc\n"
                             "big = 999999\n"
                             "empty =\n";

static void test_typed_getters(void **state)
{
    (void)state;
    kx_config *cfg;
    assert_int_equal(kx_config_load_string(sample, "kiosk.conf", &cfg), KX_OK);
    assert_string_equal(kx_config_get_str(cfg, "ra", "url", NULL), "https://127.0.0.1:8443");
    assert_null(kx_config_get_str(cfg, "ra", "missing", NULL));
    long v;
    assert_int_equal(kx_config_get_int(cfg, "ra", "timeout_ms", 1, 100, 60000, &v), KX_OK);
    assert_int_equal(v, 5000);
    assert_int_equal(kx_config_get_int(cfg, "ra", "absent", 42, 0, 100, &v), KX_OK);
    assert_int_equal(v, 42);
    int b;
    assert_int_equal(kx_config_get_bool(cfg, "ra", "verify", 0, &b), KX_OK);
    assert_int_equal(b, 1);
    static const char *const orient[] = {"portrait", "landscape", NULL};
    int idx;
    assert_int_equal(kx_config_get_enum(cfg, "ui", "orientation", orient, 1, &idx), KX_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(kx_config_line(cfg, "ra", "timeout_ms"), 4);
    assert_int_equal(kx_config_section_count(cfg), 2);
    assert_string_equal(kx_config_section_name(cfg, 1), "ui");
    kx_config_free(cfg);
}

static void test_errors_name_file_line_key(void **state)
{
    (void)state;
    kx_config *cfg;
    long v;
    assert_int_equal(kx_config_load_string(sample, "kiosk.conf", &cfg), KX_OK);
    assert_int_equal(kx_config_get_int(cfg, "ui", "bad_int", 0, 0, 10, &v), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "kiosk.conf:8"));
    assert_non_null(strstr(kx_err_detail(), "bad_int"));
    assert_int_equal(kx_config_get_int(cfg, "ui", "big", 0, 0, 1000, &v), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "kiosk.conf:9"));
    assert_non_null(strstr(kx_err_detail(), "out of range"));
    int b;
    assert_int_equal(kx_config_get_bool(cfg, "ui", "orientation", 0, &b), KX_ERR_CONFIG);
    static const char *const choices[] = {"a", "b", NULL};
    int idx;
    assert_int_equal(kx_config_get_enum(cfg, "ui", "orientation", choices, 0, &idx),
                     KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "a|b"));
    const char *s;
    assert_int_equal(kx_config_require_str(cfg, "ui", "empty", &s), KX_ERR_CONFIG);
    assert_int_equal(kx_config_require_str(cfg, "ui", "nothere", &s), KX_ERR_CONFIG);
    kx_config_free(cfg);
}

static void test_syntax_error_line(void **state)
{
    (void)state;
    kx_config *cfg = NULL;
    assert_int_equal(kx_config_load_string("[a]\nx=1\n[broken\n", "s.conf", &cfg),
                     KX_ERR_CONFIG);
    assert_null(cfg);
    assert_non_null(strstr(kx_err_detail(), "s.conf:3"));
    assert_int_equal(kx_config_load_string("[a]\nno equals sign here\n", "s.conf", &cfg),
                     KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "s.conf:2"));
}

static void test_file_io(void **state)
{
    (void)state;
    kx_config *cfg;
    assert_int_equal(kx_config_load("/nonexistent/kiosk.conf", &cfg), KX_ERR_IO);
    assert_non_null(strstr(kx_err_detail(), "/nonexistent/kiosk.conf"));
    char path[] = "/tmp/kxcfgXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("[x]\ny = 2\ny = 3\n", fp);
    fclose(fp);
    assert_int_equal(kx_config_load(path, &cfg), KX_OK);
    long v;
    assert_int_equal(kx_config_get_int(cfg, "x", "y", 0, 0, 9, &v), KX_OK);
    assert_int_equal(v, 3); /* the last value wins */
    assert_int_equal(kx_config_line(cfg, "x", "y"), 3);
    kx_config_free(cfg);
    unlink(path);
}

static void test_example_config_is_valid(void **state)
{
    (void)state;
    const char *src = getenv("KX_SOURCE");
    if (!src)
        skip();
    char path[1024];
    snprintf(path, sizeof(path), "%s/config/kiosk.conf.example", src);
    kx_config *cfg;
    assert_int_equal(kx_config_load(path, &cfg), KX_OK);
    kx_config_free(cfg);
    snprintf(path, sizeof(path), "%s/config/sites.conf", src);
    assert_int_equal(kx_config_load(path, &cfg), KX_OK);
    assert_int_equal(kx_config_section_count(cfg), 12);
    for (size_t i = 0; i < 12; i++) {
        const char *sec = kx_config_section_name(cfg, i);
        assert_non_null(kx_config_get_str(cfg, sec, "name", NULL));
        assert_non_null(kx_config_get_str(cfg, sec, "address", NULL));
        assert_non_null(kx_config_get_str(cfg, sec, "phone", NULL));
    }
    kx_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed_getters),
        cmocka_unit_test(test_errors_name_file_line_key),
        cmocka_unit_test(test_syntax_error_line),
        cmocka_unit_test(test_file_io),
        cmocka_unit_test(test_example_config_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
