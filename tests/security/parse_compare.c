/* SPDX-License-Identifier: MIT */
/*
 * parse_compare.c - finding 5: the parsing helper decodes real inputs
 * exactly as kioskd would in process. For each file it decodes the image
 * (colour and grey), reads the licence QR and analyses the seal sheet both
 * in process and through kiosk-parse (kx_parse_client) and compares every
 * field and pixel. Also one ID card text, built here in UCS-2.
 *
 * usage: parse_compare HELPER licence|seal FILE...
 * Prints one line per comparison; exits 1 on any difference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/parse_client.h"

static int differences;

static void verdict(int same, const char *what, const char *file)
{
    printf("%s %s %s\n", same ? "same" : "DIFFERENT", what, file);
    if (!same)
        differences++;
}

static int image_same(const kx_image *a, const kx_image *b)
{
    if (!a || !b)
        return a == b;
    if (a->width != b->width || a->height != b->height || a->channels != b->channels ||
        a->dpi != b->dpi)
        return 0;
    for (int y = 0; y < a->height; y++)
        if (memcmp(kx_image_row(a, y), kx_image_row(b, y), (size_t)a->width * a->channels))
            return 0;
    return 1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void compare_images(kx_parse_client *c, const uint8_t *buf, size_t len, const char *f)
{
    for (int gray = 0; gray < 2; gray++) {
        kx_image *a = NULL, *b = NULL;
        kx_image_decode_opts o = {.gray = gray};
        kx_err ra = kx_image_decode_ex(buf, len, &o, &a);
        kx_err rb = kx_parse_image(c, buf, len, gray, &b);
        verdict(ra == rb && image_same(a, b), gray ? "image-grey" : "image", f);
        kx_image_free(a);
        kx_image_free(b);
    }
}

static int licence_same(kx_err ra, const kx_licence_qr *a, kx_err rb, const kx_licence_qr *b)
{
    if (ra != rb || a->found != b->found || a->payload_len != b->payload_len ||
        memcmp(a->payload, b->payload, a->payload_len) || a->uscc_status != b->uscc_status ||
        a->codes.n_valid != b->codes.n_valid || a->codes.n_failed != b->codes.n_failed ||
        memcmp(&a->codes, &b->codes, sizeof a->codes))
        return 0;
    return (!a->uscc && !b->uscc) || (a->uscc && b->uscc && !strcmp(a->uscc, b->uscc));
}

static void compare_licence(kx_parse_client *c, const uint8_t *buf, size_t len, const char *f)
{
    kx_licence_qr *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    kx_image *img = NULL;
    kx_image_decode_opts o = {.gray = 1};
    kx_err ra = kx_image_decode_ex(buf, len, &o, &img);
    if (!ra)
        ra = kx_licence_qr_read(img, a);
    kx_err rb = kx_parse_licence(c, buf, len, b);
    printf("  licence %s: found=%d uscc=%s\n", f, b->found, b->uscc ? b->uscc : "-");
    verdict(licence_same(ra, a, rb, b), "licence", f);
    /* the same from a decoded image (a scanner's pixels) */
    if (img) {
        rb = kx_parse_licence_image(c, img, b);
        verdict(licence_same(ra, a, rb, b), "licence-pixels", f);
    }
    kx_image_free(img);
    free(a);
    free(b);
}

static int seal_same(kx_err ra, const kx_sealsheet_result *a, kx_err rb,
                     const kx_sealsheet_result *b)
{
    int same = ra == rb && !a == !b;
    if (same && a) {
        same = a->dpi == b->dpi && a->skew_deg == b->skew_deg &&
               !memcmp(a->table, b->table, sizeof a->table);
        for (int i = 0; same && i < KX_SEAL_AREA_COUNT; i++) {
            const kx_sealsheet_area *x = &a->areas[i], *y = &b->areas[i];
            same = !memcmp(x->cells, y->cells, sizeof x->cells) && x->best == y->best &&
                   x->size_mm[0] == y->size_mm[0] && x->size_mm[1] == y->size_mm[1] &&
                   !memcmp(x->ink, y->ink, 3) && image_same(x->image, y->image);
        }
    }
    return same;
}

static void compare_seal(kx_parse_client *c, const uint8_t *buf, size_t len, const char *f)
{
    kx_sealsheet_result *a = NULL, *b = NULL;
    kx_image *img = NULL;
    kx_err ra = kx_image_decode(buf, len, &img);
    if (!ra)
        ra = kx_sealsheet_analyze(img, 0, &a);
    kx_err rb = kx_parse_sealsheet(c, buf, len, 0, &b);
    if (b)
        printf("  seal %s: best %d %d %d\n", f, b->areas[0].best, b->areas[1].best,
               b->areas[2].best);
    verdict(seal_same(ra, a, rb, b), "sealsheet", f);
    kx_sealsheet_result_free(a);
    kx_sealsheet_result_free(b);
    /* from pixels (a scanner's), at a resolution the caller states */
    a = b = NULL;
    if (img) {
        ra = kx_sealsheet_analyze(img, 250.5, &a);
        rb = kx_parse_sealsheet_image(c, img, 250.5, &b);
        verdict(seal_same(ra, a, rb, b) && (!b || b->dpi == 250.5), "sealsheet-pixels-dpi", f);
    }
    kx_sealsheet_result_free(a);
    kx_sealsheet_result_free(b);
    kx_image_free(img);
}

/* a 256-byte base text in UCS-2LE, fields space-padded */
static void put_field(uint8_t *text, size_t *pos, const char *ascii_or_utf16, size_t chars,
                      int utf16)
{
    size_t n = 0;
    if (utf16) { /* pairs of bytes given directly */
        for (; n < chars && (ascii_or_utf16[2 * n] || ascii_or_utf16[2 * n + 1]); n++) {
            text[*pos + 2 * n] = (uint8_t)ascii_or_utf16[2 * n];
            text[*pos + 2 * n + 1] = (uint8_t)ascii_or_utf16[2 * n + 1];
        }
    } else {
        for (; n < chars && ascii_or_utf16[n]; n++) {
            text[*pos + 2 * n] = (uint8_t)ascii_or_utf16[n];
            text[*pos + 2 * n + 1] = 0;
        }
    }
    for (; n < chars; n++) {
        text[*pos + 2 * n] = ' ';
        text[*pos + 2 * n + 1] = 0;
    }
    *pos += 2 * chars;
}

static void compare_idcard(kx_parse_client *c)
{
    uint8_t text[256] = {0};
    size_t pos = 0;
    /* 张三 (U+5F20 U+4E09), then GA 467's field widths in characters */
    put_field(text, &pos, "\x20\x5f\x09\x4e\0\0", 15, 1);
    put_field(text, &pos, "1", 1, 0);
    put_field(text, &pos, "01", 2, 0);
    put_field(text, &pos, "19910101", 8, 0);
    put_field(text, &pos, "\x5f\x6c\x7f\x89\0\0", 35, 1); /* 江西 */
    put_field(text, &pos, "360426199101010071", 18, 0);
    put_field(text, &pos, "\x5f\x6c\x7f\x89\0\0", 15, 1);
    put_field(text, &pos, "20200101", 8, 0);
    put_field(text, &pos, "20400101", 8, 0);
    kx_idcard a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    kx_err ra = kx_idcard_decode_text(text, &a);
    kx_err rb = kx_parse_idcard_text(c, text, &b);
    printf("  idcard: rc=%s name=%s birth=%s\n", kx_err_name(rb), b.name, b.birth);
    verdict(ra == rb && !strcmp(a.name, b.name) && a.sex == b.sex &&
                !strcmp(a.nation, b.nation) && !strcmp(a.birth, b.birth) &&
                !strcmp(a.address, b.address) && !strcmp(a.id_number, b.id_number) &&
                !strcmp(a.authority, b.authority) && !strcmp(a.valid_from, b.valid_from) &&
                !strcmp(a.valid_to, b.valid_to),
            "idcard-text", "(built)");
    kx_idcard_clear(&a);
    kx_idcard_clear(&b);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    kx_parse_client *c = NULL;
    if (kx_parse_client_new(argv[1], &c)) {
        fprintf(stderr, "cannot start %s: %s\n", argv[1], kx_err_detail());
        return 1;
    }
    compare_idcard(c);
    for (int i = 3; i < argc; i++) {
        size_t len = 0;
        uint8_t *buf = read_file(argv[i], &len);
        if (!buf) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            differences++;
            continue;
        }
        compare_images(c, buf, len, argv[i]);
        if (!strcmp(argv[2], "licence"))
            compare_licence(c, buf, len, argv[i]);
        else
            compare_seal(c, buf, len, argv[i]);
        free(buf);
    }
    kx_parse_stats st;
    kx_parse_client_stats(c, &st);
    printf("requests %lu, helpers started %lu, died %lu\n", st.requests, st.starts, st.deaths);
    if (st.deaths)
        differences++;
    kx_parse_client_free(c);
    return differences ? 1 : 0;
}
