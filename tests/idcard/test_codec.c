/* SPDX-License-Identifier: MIT */
/* Unit tests: GA 467 frame codec, text decoder, nation table, card checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <string.h>

#include "core/str.h"
#include "idcard/idcard.h"

static void test_encode_known_frames(void **state)
{
    (void)state;
    uint8_t out[32];
    size_t n;
    const uint8_t find[] = {0x20, 0x01};
    assert_int_equal(kx_ga467_encode(find, 2, out, sizeof(out), &n), KX_OK);
    const uint8_t want_find[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22};
    assert_int_equal(n, sizeof(want_find));
    assert_memory_equal(out, want_find, n);
    const uint8_t sam[] = {0x11, 0xFF};
    kx_ga467_encode(sam, 2, out, sizeof(out), &n);
    assert_int_equal(out[n - 1], 0xED);
    const uint8_t sel[] = {0x20, 0x02};
    kx_ga467_encode(sel, 2, out, sizeof(out), &n);
    assert_int_equal(out[n - 1], 0x21);
    const uint8_t rd[] = {0x30, 0x01};
    kx_ga467_encode(rd, 2, out, sizeof(out), &n);
    assert_int_equal(out[n - 1], 0x32);
    assert_int_equal(kx_ga467_encode(find, 2, out, 5, &n), KX_ERR_TOO_LARGE);
    assert_int_equal(kx_ga467_encode(find, 0, out, sizeof(out), &n), KX_ERR_INVALID_ARG);
}

static void test_parse_garbage_and_partial(void **state)
{
    (void)state;
    static kx_ga467_parser p;
    static kx_ga467_frame f;
    memset(&p, 0, sizeof(p));
    const uint8_t body[] = {0x00, 0x00, 0x9F};
    uint8_t frame[16];
    size_t n;
    kx_ga467_encode(body, 3, frame, sizeof(frame), &n);
    const uint8_t junk[] = {0x13, 0xAA, 0xAA, 0x00, 0xAA, 0xAA, 0xAA, 0x96};
    kx_ga467_feed(&p, junk, sizeof(junk));
    assert_int_equal(kx_ga467_next(&p, &f), KX_ERR_NOT_FOUND);
    /* the rest arrives one byte at a time */
    for (size_t i = 0; i < n; i++) {
        kx_ga467_feed(&p, frame + i, 1);
        kx_err rc = kx_ga467_next(&p, &f);
        if (i + 1 < n)
            assert_true(rc == KX_ERR_NOT_FOUND || rc == KX_ERR_FRAME);
        else
            assert_int_equal(rc, KX_OK);
    }
    assert_int_equal(f.len, 3);
    assert_int_equal(f.body[2], 0x9F);
    assert_true(p.dropped >= 4);
}

static void test_bad_checksum_then_good(void **state)
{
    (void)state;
    static kx_ga467_parser p;
    static kx_ga467_frame f;
    memset(&p, 0, sizeof(p));
    const uint8_t body[] = {0x00, 0x00, 0x90};
    uint8_t a[16], b[16];
    size_t na, nb;
    kx_ga467_encode(body, 3, a, sizeof(a), &na);
    kx_ga467_encode(body, 3, b, sizeof(b), &nb);
    a[na - 1] ^= 0xFF;
    kx_ga467_feed(&p, a, na);
    kx_ga467_feed(&p, b, nb);
    assert_int_equal(kx_ga467_next(&p, &f), KX_ERR_FRAME);
    kx_err rc;
    while ((rc = kx_ga467_next(&p, &f)) == KX_ERR_FRAME)
        ;
    assert_int_equal(rc, KX_OK);
    assert_int_equal(f.body[2], 0x90);
    assert_int_equal(kx_ga467_next(&p, &f), KX_ERR_NOT_FOUND);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    static kx_ga467_parser p;
    static kx_ga467_frame f;
    memset(&p, 0, sizeof(p));
    const uint8_t huge[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00};
    kx_ga467_feed(&p, huge, sizeof(huge));
    assert_int_equal(kx_ga467_next(&p, &f), KX_ERR_FRAME);
    const uint8_t tiny[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x01, 0x01};
    memset(&p, 0, sizeof(p));
    kx_ga467_feed(&p, tiny, sizeof(tiny));
    assert_int_equal(kx_ga467_next(&p, &f), KX_ERR_FRAME);
    /* an overflowing feed keeps the newest bytes and reports it */
    static uint8_t flood[3 * KX_GA467_MAX_BODY];
    memset(flood, 0x55, sizeof(flood));
    memset(&p, 0, sizeof(p));
    assert_int_equal(kx_ga467_feed(&p, flood, sizeof(flood)), KX_ERR_TOO_LARGE);
    assert_int_equal(kx_ga467_next(&p, &f), KX_ERR_NOT_FOUND);
}

static void test_status_codes(void **state)
{
    (void)state;
    assert_int_equal(kx_ga467_status_err(0x90), KX_OK);
    assert_int_equal(kx_ga467_status_err(0x9F), KX_OK);
    assert_int_equal(kx_ga467_status_err(0x80), KX_ERR_CARD_ABSENT);
    assert_int_equal(kx_ga467_status_err(0x41), KX_ERR_CARD_LIFTED);
    assert_int_equal(kx_ga467_status_err(0x10), KX_ERR_FRAME);
    assert_int_equal(kx_ga467_status_err(0x60), KX_ERR_SAM);
    assert_int_equal(kx_ga467_status_err(0x66), KX_ERR_SAM);
    assert_int_equal(kx_ga467_status_err(0x31), KX_ERR_CARD_READ);
    assert_int_equal(kx_ga467_status_err(0x21), KX_ERR_UNSUPPORTED);
}

static void put(uint8_t *dst, size_t width, const char *utf8)
{
    for (size_t i = 0; i < width; i += 2) {
        dst[i] = ' ';
        dst[i + 1] = 0;
    }
    iconv_t cd = iconv_open("UCS-2LE", "UTF-8");
    char in[128];
    kx_strlcpy(in, utf8, sizeof(in));
    char *ip = in, *op = (char *)dst;
    size_t il = strlen(in), ol = width;
    iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
}

static void make_text(uint8_t t[256], const char *number, const char *sex, const char *nation,
                      const char *birth, const char *to)
{
    put(t + 0, 30, "李四");
    put(t + 30, 2, sex);
    put(t + 32, 4, nation);
    put(t + 36, 16, birth);
    put(t + 52, 70, "江西省九江市浔阳区滨江路1号");
    put(t + 122, 36, number);
    put(t + 158, 30, "九江市公安局");
    put(t + 188, 16, "20100101");
    put(t + 204, 16, to);
    put(t + 220, 36, "");
}

static void test_decode_text(void **state)
{
    (void)state;
    uint8_t t[256];
    kx_idcard card;
    memset(&card, 0, sizeof(card));
    make_text(t, "44011320141005001x", "1", "03", "20141005", "长期");
    assert_int_equal(kx_idcard_decode_text(t, &card), KX_OK);
    assert_string_equal(card.name, "李四");
    assert_int_equal(card.sex, 'M');
    assert_string_equal(card.nation, "回");
    assert_string_equal(card.birth, "2014-10-05");
    assert_string_equal(card.valid_to, "long_term");
    assert_string_equal(card.id_number, "44011320141005001X");
    assert_string_equal(card.address, "江西省九江市浔阳区滨江路1号");
    make_text(t, "44011320141005001X", "1", "77", "20141005", "长期");
    assert_int_equal(kx_idcard_decode_text(t, &card), KX_ERR_BAD_FORMAT);
    make_text(t, "44011320141005001X", "1", "01", "20140230", "长期");
    assert_int_equal(kx_idcard_decode_text(t, &card), KX_ERR_BAD_FORMAT);
    make_text(t, "4401132014100500", "1", "01", "20141005", "长期");
    assert_int_equal(kx_idcard_decode_text(t, &card), KX_ERR_BAD_FORMAT);
    /* a control character in a field is refused */
    make_text(t, "44011320141005001X", "1", "01", "20141005", "长期");
    t[0] = 0x07;
    t[1] = 0x00;
    assert_int_equal(kx_idcard_decode_text(t, &card), KX_ERR_BAD_FORMAT);
}

static void test_nations(void **state)
{
    (void)state;
    assert_string_equal(kx_idcard_nation_name("01"), "汉");
    assert_string_equal(kx_idcard_nation_name("56"), "基诺");
    assert_string_equal(kx_idcard_nation_name("97"), "其他");
    assert_non_null(kx_idcard_nation_name("98"));
    assert_null(kx_idcard_nation_name("57"));
    assert_null(kx_idcard_nation_name("00"));
    assert_null(kx_idcard_nation_name("1"));
}

static void test_checks(void **state)
{
    (void)state;
    kx_rules rules = {18, 90, 0, 365};
    kx_idcard card;
    memset(&card, 0, sizeof(card));
    kx_strlcpy(card.id_number, "360426199101010071", sizeof(card.id_number));
    kx_strlcpy(card.birth, "1991-01-01", sizeof(card.birth));
    kx_strlcpy(card.valid_to, "2035-06-01", sizeof(card.valid_to));
    card.sex = 'M';
    kx_idcard_checks c;
    kx_idcard_check(&card, &rules, 2026, 11, 23, &c);
    assert_true(c.id_number_valid && c.consistent && c.adult);
    assert_false(c.expired);
    card.sex = 'F';
    kx_idcard_check(&card, &rules, 2026, 11, 23, &c);
    assert_false(c.consistent);
    card.sex = 'M';
    kx_strlcpy(card.valid_to, "2026-11-22", sizeof(card.valid_to));
    kx_idcard_check(&card, &rules, 2026, 11, 23, &c);
    assert_true(c.expired);
    kx_idcard_check(&card, &rules, 2008, 12, 31, &c);
    assert_false(c.adult);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_known_frames),
        cmocka_unit_test(test_parse_garbage_and_partial),
        cmocka_unit_test(test_bad_checksum_then_good),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_status_codes),
        cmocka_unit_test(test_decode_text),
        cmocka_unit_test(test_nations),
        cmocka_unit_test(test_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
