/* SPDX-License-Identifier: MIT */
/*
 * test_staff_auth.c - security findings 2 and 7 (docs/security.md):
 *   2: a staff member named by token_serial alone is refused when the
 *      configuration loads (a serial is not a secret);
 *   7: a PIN login for an unknown ID costs the same hash as a wrong PIN;
 *      a UKEY-only member collects no PIN failures; failures are throttled
 *      per source, and one source's failures lock nobody out for another.
 */
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

#include "core/config.h"
#include "staff/staff.h"
#include "staff/staff_config.h"

#define DIGEST "3f5a0c1d2e3f405162738495a6b7c8d9eaf0b1c2d3e4f5061728394a5b6c7d8e"

static char staff_hash[256];

static kx_secbuf *pin_of(const char *s)
{
    kx_secbuf *sb;
    assert_int_equal(kx_secbuf_new(32, &sb), KX_OK);
    assert_int_equal(kx_secbuf_set(sb, s, strlen(s)), KX_OK);
    return sb;
}

static int setup_hash(void **state)
{
    (void)state;
    kx_secbuf *p = pin_of("246810");
    assert_int_equal(kx_staff_hash_pin(p, staff_hash, sizeof staff_hash), KX_OK);
    kx_secbuf_free(p);
    return 0;
}

static kx_config *config_of(const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    kx_config *cfg;
    assert_int_equal(kx_config_load_string(text, "sec.conf", &cfg), KX_OK);
    return cfg;
}

/* finding 2: token_serial without token_cert_sha256 is a configuration
 * error, for kioskd (kx_staff_load) and config-check (kx_staff_config_check) */
static void test_serial_alone_refused(void **state)
{
    (void)state;
    kx_staff_db *db = NULL;
    const char *forms[] = {
        "[staff:2002]\nname = Serial\nrole = admin\ntoken_serial = ABC123\n",
        /* with a PIN too: the serial would still name a token login */
        "[staff:2002]\nname = Serial\ntoken_serial = ABC123\npin_hash = %s\n",
    };
    for (size_t i = 0; i < 2; i++) {
        kx_config *cfg = config_of(forms[i], staff_hash);
        assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_ERR_CONFIG);
        assert_non_null(strstr(kx_err_detail(), "sec.conf:"));
        assert_non_null(strstr(kx_err_detail(), "token_serial without token_cert_sha256"));
        assert_int_equal(kx_staff_config_check(cfg, NULL), KX_ERR_CONFIG);
        kx_config_free(cfg);
    }
    /* digest and serial together load; the serial alone never finds it */
    kx_config *cfg =
        config_of("[staff:2002]\ntoken_serial = ABC123\ntoken_cert_sha256 = %s\n", DIGEST);
    size_t n = 0;
    assert_int_equal(kx_staff_config_check(cfg, &n), KX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    assert_null(kx_staff_find_token(db, "", "ABC123", NULL));
    assert_null(kx_staff_find_token(db, NULL, "ABC123", NULL));
    assert_string_equal(kx_staff_find_token(db, DIGEST, "ABC123", NULL), "2002");
    assert_null(kx_staff_find_token(db, DIGEST, "OTHER", NULL));
    kx_staff_free(db);
    kx_config_free(cfg);
}

static double seconds_of_login(kx_staff_db *db, const char *source, const char *id,
                               const kx_secbuf *pin, time_t now)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    kx_err rc = kx_staff_verify_from(db, source, id, pin, now, NULL, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(rc, KX_ERR_PERMISSION);
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* finding 7a: an unknown ID runs one hash like a known one (same cost) */
static void test_unknown_id_costs_a_hash(void **state)
{
    (void)state;
    kx_config *cfg = config_of("[staff]\nmax_failures = 20\n[staff:1001]\npin_hash = %s\n"
                               "[staff:2001]\ntoken_cert_sha256 = %s\n",
                               staff_hash, DIGEST);
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    kx_secbuf *bad = pin_of("000000");
    unsigned long runs = kx_staff_hash_runs(db);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_hash_runs(db), runs + 1);
    assert_int_equal(kx_staff_verify(db, "nobody", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_hash_runs(db), runs + 2);
    assert_int_equal(kx_staff_verify(db, "2001", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_hash_runs(db), runs + 3);
    /* and it takes as long: best of three each (a yescrypt run is tens of
     * milliseconds, a table look-up microseconds) */
    double known = 1e9, unknown = 1e9;
    for (int i = 0; i < 3; i++) {
        double k = seconds_of_login(db, "t", "1001", bad, 1000);
        double u = seconds_of_login(db, "t", "nobody", bad, 1000);
        known = k < known ? k : known;
        unknown = u < unknown ? u : unknown;
    }
    print_message("known ID %.1f ms, unknown ID %.1f ms\n", known * 1e3, unknown * 1e3);
    assert_true(unknown > known * 0.3);
    kx_secbuf_free(bad);
    kx_staff_free(db);
    kx_config_free(cfg);
}

/* finding 7b: PIN failures of a UKEY-only member are not counted */
static void test_ukey_only_not_locked_by_pins(void **state)
{
    (void)state;
    kx_config *cfg = config_of("[staff]\nmax_failures = 3\n[staff:2001]\nrole = admin\n"
                               "token_cert_sha256 = %s\n",
                               DIGEST);
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    kx_secbuf *bad = pin_of("000000");
    for (int i = 0; i < 10; i++)
        assert_int_equal(kx_staff_verify(db, "2001", bad, 1000 + i, NULL, NULL),
                         KX_ERR_PERMISSION);
    /* the member's token login is not locked */
    assert_int_equal(kx_staff_lockout_check(db, "2001", 1010, NULL), KX_OK);
    kx_secbuf_free(bad);
    kx_staff_free(db);
    kx_config_free(cfg);
}

/* a database of three members (9000 admin, 9001 and 9002 staff; max 3
 * failures, lockout 600 s) keeping its counters at a fresh path */
static kx_staff_db *throttle_db(char *path, kx_config **cfg)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    *cfg = config_of("[staff]\nmax_failures = 3\nlockout_seconds = 600\n"
                     "[staff:9000]\nrole = admin\npin_hash = %s\n"
                     "[staff:9001]\nrole = staff\npin_hash = %s\n"
                     "[staff:9002]\nrole = staff\npin_hash = %s\n",
                     staff_hash, staff_hash, staff_hash);
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(*cfg, path, &db), KX_OK);
    return db;
}

/* wrong PINs for ids a, b, c from "ui" at 1000, 1001, 1002: the third
 * blocks the source for 30 s */
static void three_failures(kx_staff_db *db, const kx_secbuf *bad, const char *a, const char *b,
                           const char *c)
{
    long after = 0;
    assert_int_equal(kx_staff_verify_from(db, "ui", a, bad, 1000, NULL, NULL),
                     KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify_from(db, "ui", b, bad, 1001, NULL, NULL),
                     KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify_from(db, "ui", c, bad, 1002, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 30);
}

/* finding 7c: throttle per source. Someone at the screen ("ui") who tries
 * admin IDs gets blocked (30 s, then twice as long), the admins are not
 * locked out for other sources, and the block persists over a restart */
static void test_throttle_per_source(void **state)
{
    (void)state;
    char path[] = "/tmp/kxsecstaffXXXXXX";
    kx_config *cfg;
    kx_staff_db *db = throttle_db(path, &cfg);
    kx_secbuf *bad = pin_of("000000"), *ok = pin_of("246810");
    long after = 0;
    /* spraying IDs from the screen: the third failure blocks the source */
    three_failures(db, bad, "9000", "4242", "9001");
    unsigned long runs = kx_staff_hash_runs(db);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 1010, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 22);
    assert_int_equal(kx_staff_hash_runs(db), runs); /* blocked: no hash at all */
    /* the members are not locked out: another source logs in */
    kx_staff_role role = KX_STAFF_ROLE_STAFF;
    assert_int_equal(kx_staff_verify_from(db, "uid:1000", "9000", ok, 1010, &role, NULL),
                     KX_OK);
    assert_int_equal(role, KX_STAFF_ROLE_ADMIN);
    assert_int_equal(kx_staff_verify_from(db, "uid:1000", "9001", ok, 1010, NULL, NULL), KX_OK);
    /* the next failure from the screen blocks it twice as long */
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", bad, 1040, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 60);
    kx_staff_free(db);
    /* a restart keeps the source's block */
    assert_int_equal(kx_staff_load(cfg, path, &db), KX_OK);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 1050, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 50);
    /* once it ends, the right PIN works and resets the source */
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 1100, NULL, NULL), KX_OK);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", bad, 1101, NULL, NULL),
                     KX_ERR_PERMISSION);
    /* one member guessed from one source: locked for that source only */
    kx_staff_free(db);
    unlink(path);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(kx_staff_verify_from(db, "ui", "9000", bad, 2000, NULL, NULL),
                         KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", bad, 2001, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 600); /* the member from "ui": lockout_seconds */
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 2040, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_verify_from(db, "uid:1000", "9000", ok, 2040, NULL, NULL), KX_OK);
    /* the state file never holds a PIN or a hash */
    kx_secbuf_free(bad);
    kx_secbuf_free(ok);
    kx_staff_free(db);
    kx_config_free(cfg);
}

/* the screen is one source for everyone at it: a stranger's failures block
 * the IDs they typed, not the members they did not; each ID not yet named
 * gets one try during the block (one hash, known ID or not, so the block
 * tells nothing about which IDs exist), and the block doubles at each */
static void test_throttle_screen_per_member(void **state)
{
    (void)state;
    char path[] = "/tmp/kxsecstaffXXXXXX";
    kx_config *cfg;
    kx_staff_db *db = throttle_db(path, &cfg);
    kx_secbuf *bad = pin_of("000000"), *ok = pin_of("246810");
    long after = 0;
    /* the stranger guesses 9000 twice and an unknown ID: the screen's block */
    three_failures(db, bad, "9000", "9000", "4242");
    /* the IDs typed are blocked, without a hash */
    unsigned long runs = kx_staff_hash_runs(db);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 1005, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_verify_from(db, "ui", "4242", bad, 1005, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_hash_runs(db), runs);
    /* another member logs in at the screen during the block... */
    kx_staff_role role = KX_STAFF_ROLE_ADMIN;
    assert_int_equal(kx_staff_verify_from(db, "ui", "9001", ok, 1006, &role, NULL), KX_OK);
    assert_int_equal(role, KX_STAFF_ROLE_STAFF);
    /* ...without lifting it for the IDs the stranger typed */
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 1007, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 25);
    /* guessing no faster: a new ID (known or not) gets one try, which costs
     * one hash like any, names it and doubles the block */
    runs = kx_staff_hash_runs(db);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9002", bad, 1008, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 60);
    assert_int_equal(kx_staff_verify_from(db, "ui", "5555", bad, 1009, NULL, &after),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 120);
    assert_int_equal(kx_staff_hash_runs(db), runs + 2);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9002", ok, 1010, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_verify_from(db, "ui", "5555", bad, 1010, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_hash_runs(db), runs + 2);
    kx_staff_free(db);
    /* a restart keeps the named IDs: 9000 still blocked, 9001 still not */
    assert_int_equal(kx_staff_load(cfg, path, &db), KX_OK);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9000", ok, 1020, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_verify_from(db, "ui", "9001", ok, 1020, NULL, NULL), KX_OK);
    /* a stranger who types more IDs than the block remembers blocks all */
    for (int i = 0; i < 20; i++) {
        char id[16];
        (void)snprintf(id, sizeof id, "77%02d", i);
        assert_int_equal(kx_staff_verify_from(db, "ui", id, bad, 1030, NULL, NULL),
                         KX_ERR_PIN_LOCKED);
    }
    assert_int_equal(kx_staff_verify_from(db, "ui", "9001", ok, 1031, NULL, NULL),
                     KX_ERR_PIN_LOCKED);
    /* other sources are never touched */
    assert_int_equal(kx_staff_verify_from(db, "uid:1000", "9000", ok, 1031, NULL, NULL), KX_OK);
    kx_secbuf_free(bad);
    kx_secbuf_free(ok);
    kx_staff_free(db);
    unlink(path);
    kx_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_alone_refused),
        cmocka_unit_test(test_unknown_id_costs_a_hash),
        cmocka_unit_test(test_ukey_only_not_locked_by_pins),
        cmocka_unit_test(test_throttle_per_source),
        cmocka_unit_test(test_throttle_screen_per_member),
    };
    return cmocka_run_group_tests(tests, setup_hash, NULL);
}
