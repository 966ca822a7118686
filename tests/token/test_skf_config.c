/* SPDX-License-Identifier: MIT */
/*
 * test_skf_config.c - the SKF back-end chosen and set up from kiosk.conf
 * ([token] backend = skf, skf_library, skf_application, skf_devauth_key)
 * through kx_token_module_open_config, on skf-soft UKEYs made with
 * skf-soft-util in a fresh store: a missing or wrong library and bad
 * settings are KX_ERR_CONFIG, the configured application is the one
 * opened, the device key decides blank initialisation, and
 * kx_token_login_tries counts down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "token/token.h"

static char store[256], lib[512], util[512];

/* util_init - skf-soft-util init DEV --serial SERIAL [--authkey KEY] */
static int util_init(const char *dev, const char *serial, const char *key)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "'%s' init %s --serial %s %s %s >/dev/null", util, dev, serial,
             key ? "--authkey" : "", key ? key : "");
    return system(cmd);
}

/* util_app - skf-soft-util app DEV APP with admin PIN 13572468, 3 tries */
static int util_app(const char *dev, const char *app, const char *user_pin)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "'%s' app %s %s --admin-pin 13572468 --user-pin %s --retries 3",
             util, dev, app, user_pin);
    return system(cmd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(store, sizeof(store), "/tmp/kx-skfcfg-%ld", (long)getpid());
    snprintf(lib, sizeof(lib), "%s/tools/skf-soft/libskf-soft.so", getenv("KX_BUILD"));
    snprintf(util, sizeof(util), "%s/tools/skf-soft/skf-soft-util", getenv("KX_SOURCE"));
    setenv("SKF_SOFT_DIR", store, 1);
    unsetenv("SKF_SOFT_FAULTS");
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", store, store);
    return system(cmd);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
    return system(cmd);
}

/* open_with - kx_token_module_open_config over the [token] lines given */
static kx_err open_with(const char *token_lines, kx_token_module **m)
{
    char text[2048];
    kx_config *cfg = NULL;
    snprintf(text, sizeof(text), "[token]\nbackend = skf\n%s", token_lines);
    assert_int_equal(kx_config_load_string(text, "test.conf", &cfg), KX_OK);
    kx_err rc = kx_token_module_open_config(cfg, m);
    kx_config_free(cfg);
    return rc;
}

static kx_secbuf *pin_of(const char *s)
{
    kx_secbuf *b = NULL;
    assert_int_equal(kx_secbuf_new(32, &b), KX_OK);
    assert_int_equal(kx_secbuf_set(b, s, strlen(s)), KX_OK);
    return b;
}

static void test_library_settings(void **state)
{
    (void)state;
    kx_token_module *m = NULL;
    char lines[1024];
    assert_int_equal(open_with("", &m), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "skf_library"));
    assert_int_equal(open_with("skf_library = /nonexistent/libskf.so\n", &m), KX_ERR_CONFIG);
    assert_int_equal(open_with("skf_library = /usr/lib/softhsm/libsofthsm2.so\n", &m),
                     KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "no SKF_"));
    snprintf(lines, sizeof(lines), "skf_library = %s\nskf_devauth_key = 1234\n", lib);
    assert_int_equal(open_with(lines, &m), KX_ERR_CONFIG);
    assert_null(m);
    snprintf(lines, sizeof(lines), "skf_library = %s\n", lib);
    assert_int_equal(open_with(lines, &m), KX_OK);
    assert_true(kx_token_module_caps(m) & KX_TOKEN_CAP_KEYGEN_SM2);
    assert_true(kx_token_module_caps(m) & KX_TOKEN_CAP_ENC_IMPORT);
    kx_token_module_close(m);
}

static void test_configured_application(void **state)
{
    (void)state;
    assert_int_equal(util_init("u1", "CFG0001", NULL), 0);
    assert_int_equal(util_app("u1", "AAA", "111222"), 0);
    assert_int_equal(util_app("u1", "OTHER", "333444"), 0);
    char lines[1024];
    kx_token_module *m = NULL;
    kx_token *t = NULL;
    kx_secbuf *p1 = pin_of("111222"), *p2 = pin_of("333444");
    unsigned flags = 0;
    int tries = -1;
    snprintf(lines, sizeof(lines), "skf_library = %s\nskf_application = OTHER\n", lib);
    assert_int_equal(open_with(lines, &m), KX_OK);
    assert_int_equal(kx_token_open(m, "CFG0001", &t), KX_OK);
    /* AAA's PIN is wrong for OTHER: one of its three tries goes */
    assert_int_equal(kx_token_login_tries(t, p1, &flags, &tries), KX_ERR_PIN_INCORRECT);
    assert_int_equal(tries, 2);
    assert_true(flags & KX_TOKEN_PIN_COUNT_LOW);
    kx_token_info info;
    assert_int_equal(kx_token_get_info(t, &info), KX_OK);
    assert_int_equal(info.pin_tries_left, 2);
    assert_int_equal(info.pin_tries_max, 3);
    assert_int_equal(kx_token_login_tries(t, p2, &flags, &tries), KX_OK);
    kx_token_close(t);
    kx_token_module_close(m);
    /* without skf_application the first application (AAA) is opened */
    snprintf(lines, sizeof(lines), "skf_library = %s\n", lib);
    assert_int_equal(open_with(lines, &m), KX_OK);
    assert_int_equal(kx_token_open(m, "CFG0001", &t), KX_OK);
    assert_int_equal(kx_token_login(t, p1, NULL), KX_OK);
    kx_token_close(t);
    kx_token_module_close(m);
    kx_secbuf_free(p1);
    kx_secbuf_free(p2);
}

static void test_device_key(void **state)
{
    (void)state;
    assert_int_equal(util_init("u2", "CFG0002", "00112233445566778899aabbccddeeff"), 0);
    char lines[1024];
    kx_token_module *m = NULL;
    kx_token *t = NULL;
    kx_pin_policy policy = {6, 8, 1, 1};
    kx_secbuf *so = pin_of("13572468"), *user = pin_of("246810");
    snprintf(lines, sizeof(lines), "skf_library = %s\n", lib);
    assert_int_equal(open_with(lines, &m), KX_OK);
    assert_int_equal(kx_token_open(m, "CFG0002", &t), KX_OK);
    /* the vendors' default key is not this UKEY's */
    assert_int_equal(kx_token_init_blank(t, &policy, so, user), KX_ERR_PERMISSION);
    kx_token_close(t);
    kx_token_module_close(m);
    snprintf(lines, sizeof(lines),
             "skf_library = %s\nskf_devauth_key = 00112233445566778899AABBCCDDEEFF\n"
             "skf_application = KIOSK\n",
             lib);
    assert_int_equal(open_with(lines, &m), KX_OK);
    assert_int_equal(kx_token_open(m, "CFG0002", &t), KX_OK);
    assert_int_equal(kx_token_init_blank(t, &policy, so, user), KX_OK);
    assert_int_equal(kx_token_login(t, user, NULL), KX_OK);
    kx_token_close(t);
    kx_token_module_close(m);
    char path[512];
    snprintf(path, sizeof(path), "%s/u2/apps/KIOSK/app.conf", store);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    fclose(fp);
    kx_secbuf_free(so);
    kx_secbuf_free(user);
}

int main(void)
{
    if (!getenv("KX_BUILD") || !getenv("KX_SOURCE")) {
        fprintf(stderr, "test_skf_config: KX_BUILD and KX_SOURCE must be set\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_settings),
        cmocka_unit_test(test_configured_application),
        cmocka_unit_test(test_device_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
