/* Unit tests: staff PIN hashes, verification, lockout and its persistence. */
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
#include "staff/staff.h"

static kx_secbuf *pin_of(const char *s)
{
    kx_secbuf *sb;
    assert_int_equal(kx_secbuf_new(32, &sb), KX_OK);
    assert_int_equal(kx_secbuf_set(sb, s, strlen(s)), KX_OK);
    return sb;
}

static char staff_hash[256], admin_hash[256];

static int setup_hashes(void **state)
{
    (void)state;
    kx_secbuf *p = pin_of("246810");
    assert_int_equal(kx_staff_hash_pin(p, staff_hash, sizeof(staff_hash)), KX_OK);
    kx_secbuf_free(p);
    p = pin_of("13579135");
    assert_int_equal(kx_staff_hash_pin(p, admin_hash, sizeof(admin_hash)), KX_OK);
    kx_secbuf_free(p);
    return 0;
}

static kx_config *make_config(void)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "[staff]\nmax_failures = 3\nlockout_seconds = 60\n"
             "[staff:1001]\nname = 王芳\nrole = staff\npin_hash = %s\n"
             "[staff:9000]\nname = admin\nrole = admin\npin_hash = %s\n",
             staff_hash, admin_hash);
    kx_config *cfg;
    assert_int_equal(kx_config_load_string(text, "staff.conf", &cfg), KX_OK);
    return cfg;
}

static void test_hash_policy(void **state)
{
    (void)state;
    assert_true(strncmp(staff_hash, "$y$", 3) == 0);
    char h[256];
    kx_secbuf *p = pin_of("12ab56");
    assert_int_equal(kx_staff_hash_pin(p, h, sizeof(h)), KX_ERR_PIN_POLICY);
    kx_secbuf_free(p);
    p = pin_of("12345");
    assert_int_equal(kx_staff_hash_pin(p, h, sizeof(h)), KX_ERR_PIN_POLICY);
    kx_secbuf_free(p);
    /* two hashes of one PIN differ: salted */
    p = pin_of("246810");
    assert_int_equal(kx_staff_hash_pin(p, h, sizeof(h)), KX_OK);
    kx_secbuf_free(p);
    assert_string_not_equal(h, staff_hash);
}

static void test_verify_and_roles(void **state)
{
    (void)state;
    kx_config *cfg = make_config();
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    assert_int_equal(kx_staff_count(db), 2);
    assert_string_equal(kx_staff_name(db, "1001"), "王芳");
    kx_staff_role role = KX_STAFF_ROLE_ADMIN;
    kx_secbuf *ok = pin_of("246810"), *bad = pin_of("246811"), *adm = pin_of("13579135");
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1000, &role, NULL), KX_OK);
    assert_int_equal(role, KX_STAFF_ROLE_STAFF);
    assert_int_equal(kx_staff_verify(db, "9000", adm, 1000, &role, NULL), KX_OK);
    assert_int_equal(role, KX_STAFF_ROLE_ADMIN);
    assert_int_equal(kx_staff_verify(db, "1001", adm, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "nobody", ok, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    kx_secbuf_free(ok);
    kx_secbuf_free(bad);
    kx_secbuf_free(adm);
    kx_staff_free(db);
    kx_config_free(cfg);
}

static void test_lockout_and_persistence(void **state)
{
    (void)state;
    char path[] = "/tmp/kxstaffXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    kx_config *cfg = make_config();
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, path, &db), KX_OK);
    kx_secbuf *ok = pin_of("246810"), *bad = pin_of("000000");
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1001, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1002, NULL, NULL), KX_ERR_PIN_LOCKED);
    long after = 0;
    /* locked: even the right PIN is refused, without being checked */
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1010, NULL, &after), KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 52);
    /* another member is not affected */
    kx_secbuf *adm = pin_of("13579135");
    assert_int_equal(kx_staff_verify(db, "9000", adm, 1010, NULL, NULL), KX_OK);
    kx_staff_free(db);

    /* a restart keeps the lockout */
    assert_int_equal(kx_staff_load(cfg, path, &db), KX_OK);
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1020, NULL, NULL), KX_ERR_PIN_LOCKED);
    /* and it ends */
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1063, NULL, NULL), KX_OK);
    kx_staff_free(db);
    /* the state file holds no PIN and no hash */
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    assert_null(strstr(buf, "246810"));
    assert_null(strstr(buf, "$y$"));
    unlink(path);
    kx_secbuf_free(ok);
    kx_secbuf_free(bad);
    kx_secbuf_free(adm);
    kx_config_free(cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    kx_config *cfg;
    kx_staff_db *db;
    assert_int_equal(kx_config_load_string("[staff:1]\nname=x\npin_hash = 123456\n", "s.conf",
                                           &cfg), KX_OK);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "s.conf:3"));
    kx_config_free(cfg);
    assert_int_equal(kx_config_load_string("[staff]\nmax_failures = 0\n", "s.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_ERR_CONFIG);
    kx_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_policy),
        cmocka_unit_test(test_verify_and_roles),
        cmocka_unit_test(test_lockout_and_persistence),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, setup_hashes, NULL);
}
