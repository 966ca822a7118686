/* SPDX-License-Identifier: MIT */
/*
 * test_parse_doccheck.c - which document a page is, asked of kiosk-parse
 * (kiosk/sandbox: KX_PARSE_DOCCHECK) and the seal sheet's upside_down in
 * its reply:
 *   - the replies' layout round-trips, and every field out of range (a
 *     kind past the last, a box outside the image, a flag of 2, a
 *     signature field nobody asked for, bytes short or left over) is
 *     refused;
 *   - the real helper, confined, tells a blank page, a page face up and an
 *     unknown printed page; it checks the letter's signature field only
 *     when the letter is asked for; it reads titles when Tesseract is
 *     installed and says it does not with KX_DOCCHECK_OCR=off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/parse_client.h"
#include "sandbox/parse_proto.h"

static kx_parse_doc sample_doc(int with_sign)
{
    kx_parse_doc d;
    memset(&d, 0, sizeof d);
    d.check.kind = KX_PAGE_SEAL_SHEET;
    d.check.ocr = 1;
    d.check.ink_share = 0.05;
    d.check.faint_share = 0.01;
    d.check.bbox[0] = 10;
    d.check.bbox[1] = 20;
    d.check.bbox[2] = 300;
    d.check.bbox[3] = 400;
    d.have_sign = with_sign;
    if (with_sign) {
        d.sign.field_found = 1;
        d.sign.field[0] = 280;
        d.sign.field[1] = 1180;
        d.sign.field[2] = 300;
        d.sign.field[3] = 118;
        d.sign.ink_mm2 = 33.5;
        d.sign.red_mm2 = 0.5;
        d.sign.present = 1;
    }
    return d;
}

static void test_doccheck_roundtrip(void **state)
{
    (void)state;
    for (int with = 0; with < 2; with++) {
        kx_parse_doc d = sample_doc(with), got;
        kx_wbuf w = {0};
        kx_parse_put_doccheck(&w, &d, 1241, 1754);
        kx_rbuf r = {w.data, w.len, 0, 0};
        assert_int_equal(kx_parse_get_doccheck(&r, &got), KX_OK);
        assert_int_equal(got.check.kind, KX_PAGE_SEAL_SHEET);
        assert_int_equal(got.check.ocr, 1);
        assert_true(got.check.ink_share == 0.05);
        assert_memory_equal(got.check.bbox, d.check.bbox, sizeof d.check.bbox);
        assert_int_equal(got.have_sign, with);
        if (with) {
            assert_int_equal(got.sign.present, 1);
            assert_int_equal(got.sign.field_found, 1);
            assert_true(got.sign.ink_mm2 == 33.5);
            assert_memory_equal(got.sign.field, d.sign.field, sizeof d.sign.field);
        }
        kx_wbuf_free(&w);
    }
}

/* one reply with a field changed after writing: offset (bytes) and value */
static kx_err doccheck_with(int with_sign, size_t off, const void *v, size_t n, int trim,
                            int extra)
{
    kx_parse_doc d = sample_doc(with_sign), got;
    kx_wbuf w = {0};
    kx_parse_put_doccheck(&w, &d, 1241, 1754);
    if (extra)
        kx_wbuf_i32(&w, 0);
    if (n)
        memcpy(w.data + off, v, n);
    kx_rbuf r = {w.data, w.len - (size_t)trim, 0, 0};
    kx_err rc = kx_parse_get_doccheck(&r, &got);
    if (rc) {
        /* nothing of a refused reply is left for the caller */
        assert_int_equal(got.check.kind, KX_PAGE_UNKNOWN);
        assert_int_equal(got.have_sign, 0);
    }
    kx_wbuf_free(&w);
    return rc;
}

static void test_doccheck_refused(void **state)
{
    (void)state;
    int32_t nine = KX_PAGE_KIND_COUNT, two = 2, neg = -1, narrow = 100;
    double big = 2.0, nan_bytes;
    uint64_t nan_bits = 0x7ff8000000000001ull;
    memcpy(&nan_bytes, &nan_bits, sizeof nan_bytes);
    /* the layout: w 0, h 4, kind 8, ocr 12, ink 16, faint 24, bbox 32..47,
     * has_sign 48, field_found 52, field 56..71, ink 72, red 80, present 88 */
    assert_int_equal(doccheck_with(0, 0, NULL, 0, 0, 0), KX_OK);
    assert_int_equal(doccheck_with(0, 8, &nine, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 8, &neg, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 12, &two, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 16, &big, 8, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 24, &nan_bytes, 8, 0, 0), KX_ERR_BAD_FORMAT);
    /* the box's right edge past the image's (10 + 1241 > 1241) */
    int32_t w1241 = 1241;
    assert_int_equal(doccheck_with(0, 40, &w1241, 4, 0, 0), KX_ERR_BAD_FORMAT);
    /* an image narrower than the box: 10 + 300 > 100 */
    assert_int_equal(doccheck_with(0, 0, &narrow, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 48, &two, 4, 0, 0), KX_ERR_BAD_FORMAT);
    /* has_sign 1 with no field after it: short */
    int32_t one = 1;
    assert_int_equal(doccheck_with(0, 48, &one, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 0, NULL, 0, 1, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(0, 0, NULL, 0, 0, 1), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(1, 0, NULL, 0, 0, 0), KX_OK);
    assert_int_equal(doccheck_with(1, 52, &two, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(1, 64, &w1241, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(1, 80, &nan_bytes, 8, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(1, 88, &two, 4, 0, 0), KX_ERR_BAD_FORMAT);
    assert_int_equal(doccheck_with(1, 0, NULL, 0, 4, 0), KX_ERR_BAD_FORMAT);
}

/* the seal sheet's reply carries upside_down (0 or 1, nothing else) */
static void test_sealsheet_upside_down(void **state)
{
    (void)state;
    for (int v = 0; v < 3; v++) {
        kx_sealsheet_result *s = calloc(1, sizeof *s), *got = NULL;
        assert_non_null(s);
        s->dpi = 150;
        s->table[2] = 100;
        s->table[3] = 100;
        for (int a = 0; a < KX_SEAL_AREA_COUNT; a++)
            s->areas[a].best = -1;
        s->upside_down = 1;
        kx_wbuf w = {0};
        kx_parse_put_sealsheet(&w, s);
        /* after dpi, skew and the table: offset 32 */
        int32_t flag = v;
        memcpy(w.data + 32, &flag, sizeof flag);
        kx_rbuf r = {w.data, w.len, 0, 0};
        kx_err rc = kx_parse_get_sealsheet(&r, &got);
        if (v < 2) {
            assert_int_equal(rc, KX_OK);
            assert_int_equal(got->upside_down, v);
        } else {
            assert_int_equal(rc, KX_ERR_BAD_FORMAT);
            assert_null(got);
        }
        kx_sealsheet_result_free(got);
        kx_sealsheet_result_free(s);
        kx_wbuf_free(&w);
    }
}

/* an A4 page at 100 dpi: paper, with marks of level ink on every tenth
 * row when ink > 0 */
static kx_image *page(int ink)
{
    kx_image *img = NULL;
    assert_int_equal(kx_image_new(827, 1169, 3, &img), KX_OK);
    img->dpi = 100;
    for (int y = 0; y < img->height; y++) {
        uint8_t *row = kx_image_row(img, y);
        for (int x = 0; x < img->width * 3; x++)
            row[x] =
                (ink && y % 10 < 2 && x % 30 < 12 && y > 100 && y < 1000) ? (uint8_t)ink : 246;
    }
    return img;
}

static void ask(kx_parse_client *c, const kx_image *img, int wanted, kx_parse_doc *d)
{
    assert_int_equal(kx_parse_doccheck_image(c, img, wanted, d), KX_OK);
}

static void test_helper_doccheck(void **state)
{
    (void)state;
    kx_parse_client *c = NULL;
    unsetenv("KX_DOCCHECK_OCR");
    assert_int_equal(kx_parse_client_new(KX_TEST_PARSE_HELPER, &c), KX_OK);
    kx_parse_doc d;
    kx_image *blank = page(0), *faint = page(226), *printed = page(20);
    ask(c, blank, KX_PAGE_LICENCE, &d);
    assert_int_equal(d.check.kind, KX_PAGE_BLANK);
    assert_int_equal(d.have_sign, 0);
    ask(c, faint, KX_PAGE_SEAL_SHEET, &d);
    assert_int_equal(d.check.kind, KX_PAGE_FACE_UP);
    ask(c, printed, KX_PAGE_AUTH_LETTER, &d);
    assert_int_equal(d.check.kind, KX_PAGE_UNKNOWN);
    /* the letter asked for: its signature field looked at, and the lines
     * of print crossing it are not a signature */
    assert_int_equal(d.have_sign, 1);
    assert_true(d.sign.field[2] > 0 && d.sign.field[3] > 0);
    ask(c, blank, KX_PAGE_AUTH_LETTER, &d);
    assert_int_equal(d.have_sign, 1);
    assert_int_equal(d.sign.present, 0);
    /* titles: read when Tesseract is installed */
    int have_tess = access("/usr/lib/x86_64-linux-gnu/libtesseract.so.5", R_OK) == 0 ||
                    access("/usr/lib/aarch64-linux-gnu/libtesseract.so.5", R_OK) == 0;
    int have_chi = access("/usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata", R_OK) == 0;
    assert_int_equal(d.check.ocr, have_tess && have_chi);
    assert_int_equal(kx_parse_doccheck_image(c, blank, KX_PAGE_KIND_COUNT, &d),
                     KX_ERR_INVALID_ARG);
    kx_parse_client_free(c);

    /* turned off: the helper says it reads no title, and still tells the
     * pages that need none */
    setenv("KX_DOCCHECK_OCR", "off", 1);
    assert_int_equal(kx_parse_client_new(KX_TEST_PARSE_HELPER, &c), KX_OK);
    ask(c, printed, KX_PAGE_REISSUE_STATEMENT, &d);
    assert_int_equal(d.check.ocr, 0);
    assert_int_equal(d.check.kind, KX_PAGE_UNKNOWN);
    ask(c, blank, KX_PAGE_REISSUE_STATEMENT, &d);
    assert_int_equal(d.check.kind, KX_PAGE_BLANK);
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    assert_int_equal(st.deaths, 0);
    kx_parse_client_free(c);
    unsetenv("KX_DOCCHECK_OCR");
    kx_image_free(blank);
    kx_image_free(faint);
    kx_image_free(printed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doccheck_roundtrip),
        cmocka_unit_test(test_doccheck_refused),
        cmocka_unit_test(test_sealsheet_upside_down),
        cmocka_unit_test(test_helper_doccheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
