/* SPDX-License-Identifier: MIT */
/*
 * test_licence_qr.c - the licence QR reader on codes drawn in memory with
 * libqrencode: every payload format and its credit-code verdict, rotations,
 * low contrast, grey and RGBA input, the reported position, and images
 * without a code. (Scanned-page realism is licence_qr.sh's job.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <qrencode.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/licence_qr.h"

/*
 * The code for `text` drawn into img centred at (cx, cy), `module` px per
 * module, rotated by `deg` about its centre, in `ink`. With scramble set,
 * every module outside the three finder patterns and their separators is
 * replaced by a pseudo-random one: a symbol its finder patterns locate but
 * no decoder can read.
 */
static void draw_code_into(kx_image *img, const char *text, double cx, double cy, double module,
                           double deg, uint8_t ink, int scramble)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(qr);
    int n = qr->width, channels = img->channels;
    double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180);
    double half = n * module / 2;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            /* inverse rotation into the symbol's frame */
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            double u = dx * c + dy * s + half, v = -dx * s + dy * c + half;
            int mu = (int)floor(u / module), mv = (int)floor(v / module);
            if (mu < 0 || mv < 0 || mu >= n || mv >= n)
                continue;
            int dark = qr->data[mv * n + mu] & 1;
            int finder =
                (mu < 8 || mu >= n - 8) && (mv < 8 || mv >= n - 8) && !(mu >= 8 && mv >= 8);
            if (scramble && !finder)
                dark = ((unsigned)(mu * 7919 + mv * 104729) * 2654435761u) >> 31;
            if (!dark)
                continue;
            uint8_t *p = kx_image_row(img, y) + (size_t)x * channels;
            for (int k = 0; k < channels && k < 3; k++)
                p[k] = ink;
        }
    QRcode_free(qr);
}

/*
 * A w x h page of `paper` with the code for `text` centred at (cx, cy),
 * `module` px per module, rotated by `deg` about its centre, drawn in `ink`.
 */
static kx_image *draw_code(const char *text, int w, int h, double cx, double cy, double module,
                           double deg, uint8_t ink, uint8_t paper, int channels)
{
    kx_image *img = NULL;
    assert_int_equal(kx_image_new(w, h, channels, &img), KX_OK);
    for (int y = 0; y < h; y++) {
        uint8_t *row = kx_image_row(img, y);
        memset(row, paper, (size_t)w * channels);
        if (channels == 4)
            for (int x = 0; x < w; x++)
                row[x * 4 + 3] = 255;
    }
    draw_code_into(img, text, cx, cy, module, deg, ink, 0);
    return img;
}

static kx_licence_qr *read_ok(const kx_image *img, const char *want)
{
    kx_licence_qr *r = malloc(sizeof(*r));
    assert_non_null(r);
    assert_int_equal(kx_licence_qr_read(img, r), KX_OK);
    assert_true(r->found);
    assert_string_equal(r->payload, want);
    assert_int_equal(r->payload_len, strlen(want));
    return r;
}

static void test_payload_formats(void **state)
{
    (void)state;
    static const struct {
        const char *payload;
        kx_licence_uscc_status status;
        const char *uscc;
    } cases[] = {
        {"http://www.gsxt.gov.cn/index.html?uniscid=91110000600037341L&entType=1",
         KX_LICENCE_USCC_VALID, "91110000600037341L"},
        {"https://jx.gsxt.gov.cn/%7BAB12%7D?cid=91310115MA1K3BTP2B", KX_LICENCE_USCC_VALID,
         "91310115MA1K3BTP2B"},
        {"http://gsxt.jxamr.gov.cn/qr?serial=9144030071526726XG-360100000012345-20190401",
         KX_LICENCE_USCC_VALID, "9144030071526726XG"},
        {"http://www.gsxt.gov.cn/index.html?uniscid=91110000600037341N",
         KX_LICENCE_USCC_CHECK_FAILED, "91110000600037341N"},
        {"http://jx.gsxt.gov.cn/q?uuid=3cc5a92c-4849-4542-9363-08c389bad15e",
         KX_LICENCE_USCC_ABSENT, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kx_image *img = draw_code(cases[i].payload, 700, 500, 400, 260, 4, 0, 20, 245, 1);
        kx_licence_qr *r = read_ok(img, cases[i].payload);
        assert_int_equal(r->uscc_status, cases[i].status);
        if (cases[i].uscc)
            assert_string_equal(r->uscc, cases[i].uscc);
        else
            assert_null(r->uscc);
        free(r);
        kx_image_free(img);
    }
    assert_string_equal(kx_licence_uscc_status_name(KX_LICENCE_USCC_CHECK_FAILED),
                        "check_failed");
}

static void test_rotation_contrast_and_position(void **state)
{
    (void)state;
    const char *text = "http://www.gsxt.gov.cn/index.html?uniscid=91110108551385082Q";
    static const double angles[] = {0, 17, 45, 90, 133, 180, 251, 333};
    for (size_t i = 0; i < sizeof(angles) / sizeof(angles[0]); i++) {
        /* a faint code: ink 150 on paper 200 */
        kx_image *img = draw_code(text, 900, 700, 560, 300, 5, angles[i], 150, 200, 3);
        kx_licence_qr *r = read_ok(img, text);
        assert_int_equal(r->uscc_status, KX_LICENCE_USCC_VALID);
        /* the reported box holds the symbol's centre */
        assert_true(r->bbox[0] < 560 && r->bbox[0] + r->bbox[2] > 560);
        assert_true(r->bbox[1] < 300 && r->bbox[1] + r->bbox[3] > 300);
        assert_true(r->bbox[2] > 100 && r->bbox[2] < 400);
        free(r);
        kx_image_free(img);
    }
    /* an A4 page at 300 dpi with a 20 mm code, RGBA input */
    kx_image *page = draw_code(text, 2480, 3508, 1900, 900, 6, 3, 30, 240, 4);
    page->dpi = 300;
    kx_licence_qr *r = read_ok(page, text);
    assert_true(r->attempts <= 3); /* found by the texture map, not the page pass */
    free(r);
    kx_image_free(page);
}

static void test_no_code(void **state)
{
    (void)state;
    kx_image *img = NULL;
    assert_int_equal(kx_image_new(640, 480, 1, &img), KX_OK);
    /* ruled lines and a checkerboard that is not a code */
    for (int y = 0; y < 480; y++)
        for (int x = 0; x < 640; x++)
            kx_image_row(img, y)[x] = (y % 40 == 0) ? 0
                                      : (x > 100 && x < 200 && y > 100 && y < 200)
                                          ? (((x / 4) + (y / 4)) % 2) * 255
                                          : 230;
    kx_licence_qr *r = malloc(sizeof(*r));
    assert_non_null(r);
    assert_int_equal(kx_licence_qr_read(img, r), KX_ERR_NO_QR);
    assert_false(r->found);
    assert_null(r->uscc);
    assert_int_equal(r->uscc_status, KX_LICENCE_USCC_ABSENT);
    assert_true(r->attempts > 0);
    assert_int_equal(kx_licence_qr_read(NULL, r), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_licence_qr_read(img, NULL), KX_ERR_INVALID_ARG);
    free(r);
    kx_image_free(img);
}

/*
 * A4 pages at 300 dpi. A licence code beside a dense 80 mm checkerboard
 * merges with it into a texture region larger than any licence code, so
 * only the last resort - the whole page, reduced - reads it: its finder
 * patterns let that pass run. A page of rulings and a checkerboard without
 * a code has none: it costs no decoder run at all.
 */
static void test_page_pass(void **state)
{
    (void)state;
    const char *text = "http://www.gsxt.gov.cn/index.html?uniscid=91360100MA35F4XL8D&entType=1";
    kx_licence_qr *r = malloc(sizeof(*r));
    assert_non_null(r);
    for (int with_code = 0; with_code <= 1; with_code++) {
        kx_image *img = draw_code(text, 2480, 3508, 1240, 1300, 9, 0, 30, 235, 1);
        img->dpi = 300;
        for (int y = 0; y < 3508; y++) {
            uint8_t *row = kx_image_row(img, y);
            for (int x = 0; x < 2480; x++) {
                if (!with_code && x >= 1000 && x < 1500 && y >= 1000 && y < 1600)
                    row[x] = 235; /* the code painted over */
                if (y % 120 == 0 && y > 2000)
                    row[x] = 40; /* rulings */
                if (x >= 1430 && x < 2375 && y >= 1000 && y < 1945)
                    row[x] = ((x - 1430) / 12 + (y - 1000) / 12) % 2 ? 235 : 30;
            }
        }
        kx_err rc = kx_licence_qr_read(img, r);
        if (with_code) {
            assert_int_equal(rc, KX_OK);
            assert_string_equal(r->payload, text);
        } else {
            assert_int_equal(rc, KX_ERR_NO_QR);
            assert_int_equal(r->attempts, 0);
        }
        kx_image_free(img);
    }
    free(r);
}

/*
 * Camera frames (no resolution) with small modules: the strongest region's
 * finder patterns measure them and locate the symbol, and one decoder run
 * on its close rectangle reads a sharp code. A symbol whose finder
 * patterns are whole but whose data no decoder reads costs two runs (that
 * rectangle, then enlarged): the other regions - here a second such symbol,
 * which passes their finder-pattern gate - are not tried once the
 * strongest region holds a whole symbol.
 */
static void test_small_modules(void **state)
{
    (void)state;
    const char *text = "http://www.gsxt.gov.cn/index.html?uniscid=91360100MA35F4XL8D&entType=1";
    kx_licence_qr *r = malloc(sizeof(*r));
    assert_non_null(r);
    static const double angles[] = {0, 6, 37, 95, 208};
    for (size_t i = 0; i < sizeof(angles) / sizeof(angles[0]); i++) {
        kx_image *img = draw_code(text, 960, 720, 500, 330, 3, angles[i], 40, 225, 1);
        assert_int_equal(kx_licence_qr_read(img, r), KX_OK);
        assert_string_equal(r->payload, text);
        assert_int_equal(r->attempts, 1);
        kx_image_free(img);
    }
    kx_image *img = draw_code(text, 960, 720, 360, 330, 3, 4, 40, 225, 1);
    draw_code_into(img, text, 360, 330, 3, 4, 40, 1);
    draw_code_into(img, "https://jx.gsxt.gov.cn/a?cid=91310115MA1K3BTP2B", 800, 360, 2.6, 0, 60,
                   1);
    assert_int_equal(kx_licence_qr_read(img, r), KX_ERR_NO_QR);
    assert_false(r->found);
    assert_int_equal(r->attempts, 2);
    kx_image_free(img);
    free(r);
}

/*
 * A code beside a denser checkerboard: the checkerboard is the strongest
 * texture, so the first job (its grey cut) reads nothing and the other
 * regions go to two workers (forced: the default starts the second one
 * only when a core is free). The image is freed right after every read: a
 * worker touching it after the call has returned is a use-after-free for
 * AddressSanitizer. With one core allowed and the default mode the same
 * code is read, by the same decoder runs every time.
 */
static void test_workers(void **state)
{
    (void)state;
    const char *text = "https://jx.gsxt.gov.cn/%7BAB12%7D?cid=91310115MA1K3BTP2B";
    kx_licence_qr *r = malloc(sizeof(*r));
    assert_non_null(r);
    int first_attempts = 0;
    for (int round = 0; round < 12; round++) {
        kx_image *img = draw_code(text, 1000, 700, 720, 400, 4, 0, 20, 240, 1);
        for (int y = 150; y < 450; y++)
            for (int x = 80; x < 380; x++)
                kx_image_row(img, y)[x] = ((x / 5 + y / 5) % 2) ? 250 : 10;
        kx_licence_qr_set_workers(round < 6 ? 2 : 0);
        if (round == 6) {
            /* one core from here on: the caller's thread only */
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
            assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
        }
        assert_int_equal(kx_licence_qr_read(img, r), KX_OK);
        kx_image_free(img);
        assert_string_equal(r->payload, text);
        assert_true(r->attempts >= 2); /* the checkerboard's job read nothing */
        if (round == 6)
            first_attempts = r->attempts;
        else if (round > 6)
            assert_int_equal(r->attempts, first_attempts);
    }
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_formats),
        cmocka_unit_test(test_rotation_contrast_and_position),
        cmocka_unit_test(test_no_code),
        cmocka_unit_test(test_small_modules),
        cmocka_unit_test(test_page_pass),
        cmocka_unit_test(test_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
