/* SPDX-License-Identifier: MIT */
/*
 * test_parse_sandbox.c - finding 5: outside data is parsed in kiosk-parse,
 * an unprivileged helper, never in kioskd. Against the real helper:
 *   - a crashing input kills the helper, the caller gets a clear error,
 *     and the next request is answered by a new helper;
 *   - its seccomp filter kills a socket() and an open for writing;
 *   - it cannot read a file its user may read (the RA key's situation);
 *   - it runs with no new privileges, seccomp, no core, a CPU limit and
 *     no spare descriptors.
 * Against evil_parse (a helper answering out of range): every such reply
 * is refused, the helper replaced; a silent helper times out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/parse_client.h"
#include "sandbox/parse_proto.h"

/* a small real PNG, encoded in process */
static uint8_t *tiny_png(size_t *len)
{
    kx_image *img = NULL;
    assert_int_equal(kx_image_new(40, 30, 3, &img), KX_OK);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 120; x++)
            kx_image_row(img, y)[x] = (uint8_t)(x * 2 + y);
    uint8_t *png = NULL;
    assert_int_equal(kx_image_encode_png(img, &png, len), KX_OK);
    kx_image_free(img);
    return png;
}

static kx_parse_client *start(void)
{
    setenv("KX_PARSE_TEST", "1", 1);
    kx_parse_client *c = NULL;
    assert_int_equal(kx_parse_client_new(KX_TEST_PARSE_HELPER, &c), KX_OK);
    return c;
}

/* the next request after a death works and is served by a new helper */
static void assert_serves(kx_parse_client *c, unsigned long starts)
{
    size_t len;
    uint8_t *png = tiny_png(&len);
    kx_image *img = NULL;
    assert_int_equal(kx_parse_image(c, png, len, 0, &img), KX_OK);
    assert_int_equal(img->width, 40);
    assert_int_equal(kx_image_row(img, 29)[119], (uint8_t)(119 * 2 + 29));
    kx_image_free(img);
    free(png);
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    assert_int_equal(st.starts, starts);
    assert_true(st.pid > 0);
}

static void test_crash_is_survived(void **state)
{
    (void)state;
    kx_parse_client *c = start();
    assert_serves(c, 1);
    uint8_t *reply = NULL;
    size_t n = 0;
    kx_err rc =
        kx_parse_request(c, KX_PARSE_TEST_CRASH, 0, (const uint8_t *)"x", 1, &reply, &n);
    assert_int_equal(rc, KX_ERR_IMAGE_UNREADABLE);
    print_message("crash: %s\n", kx_err_detail());
    assert_non_null(strstr(kx_err_detail(), "died of signal 6"));
    assert_non_null(strstr(kx_err_detail(), "restarted"));
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    assert_int_equal(st.deaths, 1);
    assert_int_equal(st.last_signal, SIGABRT);
    assert_serves(c, 2);
    kx_parse_client_free(c);
}

static void test_seccomp_kills(void **state)
{
    (void)state;
    kx_parse_client *c = start();
    unlink("/tmp/kx-parse-escape");
    for (int param = 1; param <= 2; param++) {
        uint8_t *reply = NULL;
        size_t n = 0;
        kx_err rc = kx_parse_request(c, KX_PARSE_TEST_SYSCALL, param, NULL, 0, &reply, &n);
        assert_int_equal(rc, KX_ERR_IMAGE_UNREADABLE);
        print_message("%s: %s\n", param == 1 ? "socket" : "open for writing", kx_err_detail());
        kx_parse_stats st;
        kx_parse_client_stats(c, &st);
        assert_int_equal(st.last_signal, SIGSYS);
        assert_int_equal(st.deaths, (unsigned long)param);
    }
    struct stat sb;
    assert_int_not_equal(stat("/tmp/kx-parse-escape", &sb), 0);
    assert_serves(c, 3);
    kx_parse_client_free(c);
}

static void test_cannot_read_secrets(void **state)
{
    (void)state;
    char path[] = "/tmp/kxsec-ra-keyXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char secret[] = "-----BEGIN PRIVATE KEY----- kx-secret-test";
    assert_int_equal(write(fd, secret, sizeof secret - 1), (ssize_t)(sizeof secret - 1));
    close(fd);
    /* this process (the helper's user) may read it */
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    fclose(fp);
    kx_parse_client *c = start();
    uint8_t *reply = NULL;
    size_t n = 0;
    kx_err rc = kx_parse_request(c, KX_PARSE_TEST_SYSCALL, 3, (const uint8_t *)path,
                                 strlen(path), &reply, &n);
    print_message("read %s: %s\n", path, kx_err_name(rc));
    assert_int_equal(rc, KX_ERR_PERMISSION);
    assert_non_null(strstr(kx_err_detail(), "Permission denied"));
    assert_null(reply);
    unlink(path);
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    assert_int_equal(st.deaths, 0);
    kx_parse_client_free(c);
}

static int proc_has(int pid, const char *file, const char *needle)
{
    char p[64], buf[8192];
    snprintf(p, sizeof p, "/proc/%d/%s", pid, file);
    FILE *fp = fopen(p, "r");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    fclose(fp);
    return strstr(buf, needle) != NULL;
}

static void test_confinement(void **state)
{
    (void)state;
    kx_parse_client *c = start();
    assert_serves(c, 1); /* past its set-up */
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    assert_true(proc_has(st.pid, "status", "NoNewPrivs:\t1"));
    assert_true(proc_has(st.pid, "status", "Seccomp:\t2"));
    assert_true(proc_has(st.pid, "limits", "Max core file size        0"));
    assert_true(proc_has(st.pid, "limits", "Max cpu time              120"));
    assert_true(proc_has(st.pid, "limits", "Max file size             0"));
    assert_true(proc_has(st.pid, "limits", "Max open files            4"));
    /* its environment holds nothing of ours but the allowed names */
    setenv("KX_SECRET_PROBE", "do-not-pass", 1);
    kx_parse_client_free(c);
    c = start();
    kx_parse_client_stats(c, &st);
    assert_false(proc_has(st.pid, "environ", "KX_SECRET_PROBE"));
    kx_parse_client_free(c);
    unsetenv("KX_SECRET_PROBE");
}

static kx_parse_client *evil(const char *mode)
{
    setenv("KX_PARSE_TEST", mode, 1);
    kx_parse_client *c = NULL;
    assert_int_equal(kx_parse_client_new(KX_TEST_EVIL_HELPER, &c), KX_OK);
    return c;
}

static void test_replies_checked(void **state)
{
    (void)state;
    static const char *const modes[] = {"huge", "short", "magic", "status"};
    size_t len;
    uint8_t *png = tiny_png(&len);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        kx_parse_client *c = evil(modes[i]);
        kx_image *img = NULL;
        kx_err rc = kx_parse_image(c, png, len, 0, &img);
        print_message("%s: %s %s\n", modes[i], kx_err_name(rc), kx_err_detail());
        assert_int_equal(rc, KX_ERR_IMAGE_UNREADABLE);
        assert_null(img);
        kx_parse_stats st;
        kx_parse_client_stats(c, &st);
        assert_int_equal(st.deaths, 1); /* not trusted any more: replaced */
        assert_int_equal(st.starts, 2);
        kx_parse_client_free(c);
    }
    static const char *const lic[] = {"payload", "code"};
    for (size_t i = 0; i < 2; i++) {
        kx_parse_client *c = evil(lic[i]);
        kx_licence_qr q;
        kx_err rc = kx_parse_licence(c, png, len, &q);
        print_message("%s: %s %s\n", lic[i], kx_err_name(rc), kx_err_detail());
        assert_int_equal(rc, KX_ERR_IMAGE_UNREADABLE);
        assert_int_equal(q.found, 0);
        assert_null(q.uscc);
        kx_parse_client_free(c);
    }
    /* the ID card's crop and text (finding 5: kioskd's ID steps) */
    kx_image *scan = NULL;
    assert_int_equal(kx_image_new(1200, 900, 3, &scan), KX_OK);
    static const char *const crops[] = {"cardsize", "cardfar"};
    for (size_t i = 0; i < 2; i++) {
        kx_parse_client *c = evil(crops[i]);
        kx_image *card = NULL;
        kx_err rc = kx_parse_cardcrop_image(c, scan, NULL, &card);
        print_message("%s: %s %s\n", crops[i], kx_err_name(rc), kx_err_detail());
        assert_int_equal(rc, KX_ERR_IMAGE_UNREADABLE);
        assert_null(card);
        kx_parse_client_free(c);
    }
    kx_image_free(scan);
    kx_parse_client *c = evil("idtext");
    uint8_t text[256] = {0};
    kx_idcard card;
    memset(&card, 0, sizeof card);
    assert_int_equal(kx_parse_idcard_text(c, text, &card), KX_ERR_CARD_READ);
    assert_int_equal(card.name[0], 0);
    kx_parse_client_free(c);
    c = evil("silent");
    kx_parse_client_set_timeout(c, 300);
    kx_image *img = NULL;
    assert_int_equal(kx_parse_image(c, png, len, 0, &img), KX_ERR_TIMEOUT);
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    assert_int_equal(st.last_signal, SIGKILL);
    kx_parse_client_free(c);
    free(png);
}

/* a grey lid with a card on it, turned by about 3 degrees */
static kx_image *card_scan(void)
{
    kx_image *img = NULL;
    assert_int_equal(kx_image_new(1400, 1000, 3, &img), KX_OK);
    img->dpi = 300;
    const double a = 0.05, cx = 700, cy = 500, hw = 505.5, hh = 319;
    for (int y = 0; y < img->height; y++) {
        uint8_t *row = kx_image_row(img, y);
        for (int x = 0; x < img->width; x++) {
            double u = (x - cx) * cos(a) + (y - cy) * sin(a);
            double v = -(x - cx) * sin(a) + (y - cy) * cos(a);
            int in = fabs(u) < hw && fabs(v) < hh;
            uint8_t g = in ? (uint8_t)(180 + ((x / 40 + y / 40) % 2) * 40) : 52;
            uint8_t *px = row + (size_t)x * 3;
            px[0] = g;
            px[1] = in ? (uint8_t)(g - 30) : g;
            px[2] = g;
        }
    }
    return img;
}

/* the card crop in the helper is the one kioskd computed itself before */
static void test_cardcrop_same(void **state)
{
    (void)state;
    kx_parse_client *c = start();
    kx_image *scan = card_scan(), *mine = NULL, *theirs = NULL;
    kx_cardcrop_found fm, ft;
    assert_int_equal(kx_cardcrop_crop(scan, &fm, &mine), KX_OK);
    assert_int_equal(kx_parse_cardcrop_image(c, scan, &ft, &theirs), KX_OK);
    assert_int_equal(theirs->width, mine->width);
    assert_int_equal(theirs->height, mine->height);
    assert_int_equal(theirs->channels, 3);
    for (int y = 0; y < mine->height; y++)
        assert_memory_equal(kx_image_row(theirs, y), kx_image_row(mine, y),
                            (size_t)mine->width * 3);
    assert_true(fabs(ft.angle_deg - fm.angle_deg) < 1e-9);
    assert_true(fabs(ft.angle_deg) > 2 && fabs(ft.angle_deg) < 4);
    kx_image_free(mine);
    kx_image_free(theirs);
    /* nothing card-shaped: the helper says so */
    kx_image *blank = NULL;
    assert_int_equal(kx_image_new(800, 600, 3, &blank), KX_OK);
    assert_int_equal(kx_parse_cardcrop_image(c, blank, NULL, &theirs), KX_ERR_NO_CARD);
    assert_null(theirs);
    kx_image_free(blank);
    kx_image_free(scan);
    kx_parse_client_free(c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_is_survived),   cmocka_unit_test(test_seccomp_kills),
        cmocka_unit_test(test_cannot_read_secrets), cmocka_unit_test(test_confinement),
        cmocka_unit_test(test_replies_checked),     cmocka_unit_test(test_cardcrop_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
