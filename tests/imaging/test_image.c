/* SPDX-License-Identifier: MIT */
/*
 * test_image.c - the kx_image type: round trips through every codec with the
 * resolution kept, and hostile input (empty, garbage, truncated, dimension
 * bombs, unwritable paths) refused with the right error and no file left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <png.h>
#include <zlib.h>

#include "imaging/gray.h"
#include "imaging/image.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kx-image-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A test pattern: every pixel differs from its neighbours. */
static kx_image *pattern(int w, int h, int channels)
{
    kx_image *img = NULL;
    assert_int_equal(kx_image_new(w, h, channels, &img), KX_OK);
    for (int y = 0; y < h; y++) {
        uint8_t *row = kx_image_row(img, y);
        for (int x = 0; x < w * channels; x++)
            row[x] = (uint8_t)((x * 7 + y * 13 + (x % channels) * 50) & 0xff);
    }
    return img;
}

static void assert_same_pixels(const kx_image *a, const kx_image *b, int tolerance)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->channels, b->channels);
    long worst = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width * a->channels; x++) {
            long d = labs((long)kx_image_row(a, y)[x] - kx_image_row(b, y)[x]);
            if (d > worst)
                worst = d;
        }
    assert_true(worst <= tolerance);
}

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void path_in_tmp(char *out, size_t outsz, const char *name)
{
    snprintf(out, outsz, "%s/%s", tmpdir, name);
}

static int dir_entries(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", tmpdir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void test_png_round_trip(void **state)
{
    (void)state;
    for (int ch = 1; ch <= 4; ch++) {
        if (ch == 2)
            continue;
        kx_image *img = pattern(123, 77, ch), *back = NULL;
        img->dpi = 300;
        char path[300];
        path_in_tmp(path, sizeof(path), "rt.png");
        assert_int_equal(kx_image_save_png(img, path), KX_OK);
        assert_int_equal(kx_image_load(path, &back), KX_OK);
        assert_same_pixels(img, back, 0);
        assert_true(back->dpi > 299.99 && back->dpi < 300.01);
        kx_image_free(back);

        uint8_t *mem = NULL;
        size_t len = 0;
        assert_int_equal(kx_image_encode_png(img, &mem, &len), KX_OK);
        assert_int_equal(kx_image_sniff(mem, len), KX_IMAGE_FORMAT_PNG);
        assert_int_equal(kx_image_decode(mem, len, &back), KX_OK);
        assert_same_pixels(img, back, 0);
        free(mem);
        kx_image_free(back);
        kx_image_free(img);
    }
    assert_int_equal(dir_entries(), 1); /* rt.png only: no temporary left */
}

/* An Adam7-interlaced PNG of img in memory (malloc'd), through libpng. */
static void png_mem_write(png_structp png, png_bytep data, size_t n)
{
    uint8_t **buf = png_get_io_ptr(png);
    size_t *len = (size_t *)(buf + 1);
    *buf = realloc(*buf, *len + n);
    assert_non_null(*buf);
    memcpy(*buf + *len, data, n);
    *len += n;
}

static void png_mem_flush(png_structp png)
{
    (void)png;
}

static uint8_t *interlaced_png(const kx_image *img, size_t *len)
{
    /* io[0]: the buffer, io[1]: its length */
    uint8_t *io[2] = {NULL, NULL};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    png_set_write_fn(png, io, png_mem_write, png_mem_flush);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 img->channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_ADAM7, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_bytep *rows = malloc(sizeof(png_bytep) * (size_t)img->height);
    assert_non_null(rows);
    for (int y = 0; y < img->height; y++)
        rows[y] = kx_image_row(img, y);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *len = (size_t)io[1];
    return io[0];
}

/*
 * Decoding to grey (kx_image_decode_ex with .gray, as the licence reader
 * does) gives kx_image_to_gray's pixels for grey, RGB and RGBA PNGs, read
 * row by row, and for interlaced ones, converted after decoding.
 */
static void test_png_gray(void **state)
{
    (void)state;
    kx_image_decode_opts gray = {.gray = 1};
    for (int ch = 1; ch <= 4; ch++) {
        if (ch == 2)
            continue;
        kx_image *img = pattern(131, 45, ch), *want = NULL, *back = NULL;
        img->dpi = 200;
        assert_int_equal(kx_image_to_gray(img, &want), KX_OK);
        uint8_t *mem = NULL;
        size_t len = 0;
        assert_int_equal(kx_image_encode_png(img, &mem, &len), KX_OK);
        assert_int_equal(kx_image_decode_ex(mem, len, &gray, &back), KX_OK);
        assert_int_equal(back->channels, 1);
        assert_same_pixels(want, back, 0);
        assert_true(back->dpi > 199.99 && back->dpi < 200.01);
        kx_image_free(back);
        free(mem);
        if (ch > 1) {
            mem = interlaced_png(img, &len);
            assert_int_equal(kx_image_decode_ex(mem, len, &gray, &back), KX_OK);
            assert_int_equal(back->channels, 1);
            assert_same_pixels(want, back, 0);
            kx_image_free(back);
            /* truncated: refused, nothing leaked (AddressSanitizer) */
            assert_int_equal(kx_image_decode_ex(mem, len / 2, &gray, &back),
                             KX_ERR_IMAGE_UNREADABLE);
            assert_null(back);
            free(mem);
            assert_int_equal(kx_image_encode_png(img, &mem, &len), KX_OK);
            assert_int_equal(kx_image_decode_ex(mem, len / 2, &gray, &back),
                             KX_ERR_IMAGE_UNREADABLE);
            assert_null(back);
            free(mem);
        }
        kx_image_free(want);
        kx_image_free(img);
    }
}

static void test_jpeg_round_trip(void **state)
{
    (void)state;
    kx_image *img = NULL, *back = NULL;
    /* Smooth content so the lossy codec stays close. */
    assert_int_equal(kx_image_new(160, 90, 3, &img), KX_OK);
    for (int y = 0; y < 90; y++)
        for (int x = 0; x < 160; x++) {
            uint8_t *p = kx_image_row(img, y) + 3 * x;
            p[0] = (uint8_t)x, p[1] = (uint8_t)(y * 2), p[2] = 128;
        }
    img->dpi = 200;
    char path[300];
    path_in_tmp(path, sizeof(path), "rt.JPG");
    assert_int_equal(kx_image_save(img, path), KX_OK);
    assert_int_equal(kx_image_load(path, &back), KX_OK);
    assert_same_pixels(img, back, 12);
    assert_true(back->dpi == 200);
    kx_image_free(back);

    kx_image *gray = NULL;
    assert_int_equal(kx_image_to_gray(img, &gray), KX_OK);
    path_in_tmp(path, sizeof(path), "gray.jpeg");
    assert_int_equal(kx_image_save(gray, path), KX_OK);
    assert_int_equal(kx_image_load(path, &back), KX_OK);
    assert_int_equal(back->channels, 1);
    assert_same_pixels(gray, back, 12);
    kx_image_free(back);
    kx_image_free(gray);
    kx_image_free(img);
}

static void test_pnm_variants(void **state)
{
    (void)state;
    kx_image *img = NULL;
    /* P5 with a comment, 8 bit */
    static const uint8_t p5[] = "P5\n# scanner\n3 2\n255\n\x00\x10\x20\x30\x40\xff";
    assert_int_equal(kx_image_decode(p5, sizeof(p5) - 1, &img), KX_OK);
    assert_int_equal(img->channels, 1);
    assert_int_equal(kx_image_row(img, 1)[2], 0xff);
    assert_int_equal(kx_image_row(img, 0)[1], 0x10);
    kx_image_free(img);
    /* P6 16-bit: 0xffff -> 255, 0x8000 -> 128 */
    static const uint8_t p6[] = "P6 1 1 65535 \xff\xff\x80\x00\x00\x00";
    assert_int_equal(kx_image_decode(p6, sizeof(p6) - 1, &img), KX_OK);
    assert_int_equal(img->channels, 3);
    assert_int_equal(img->data[0], 255);
    assert_int_equal(img->data[1], 128);
    assert_int_equal(img->data[2], 0);
    kx_image_free(img);
    /* P4: 1 bits are black */
    static const uint8_t p4[] = "P4\n10 1\n\xa0\x40";
    assert_int_equal(kx_image_decode(p4, sizeof(p4) - 1, &img), KX_OK);
    assert_int_equal(img->data[0], 0);
    assert_int_equal(img->data[1], 255);
    assert_int_equal(img->data[2], 0);
    assert_int_equal(img->data[9], 0);
    assert_int_equal(img->data[8], 255);
    kx_image_free(img);

    /* save and reload through a file */
    kx_image *rgba = pattern(20, 10, 4), *back = NULL;
    char path[300];
    path_in_tmp(path, sizeof(path), "out.ppm");
    assert_int_equal(kx_image_save(rgba, path), KX_OK);
    assert_int_equal(kx_image_load(path, &back), KX_OK);
    assert_int_equal(back->channels, 3);
    assert_int_equal(back->width, 20);
    kx_image_free(back);
    kx_image_free(rgba);
}

static void test_from_pixels_and_gray(void **state)
{
    (void)state;
    uint8_t buf[2 * 8] = {255, 0, 0,   0,   255, 0,   0xAA, 0xAA, /* row 0, 6 used + padding */
                          0,   0, 255, 255, 255, 255, 0xAA, 0xAA};
    kx_image *img = NULL, *gray = NULL;
    assert_int_equal(kx_image_from_pixels(buf, 2, 2, 8, 3, 150, &img), KX_OK);
    assert_int_equal(img->stride, 6);
    assert_true(img->dpi == 150);
    assert_int_equal(kx_image_row(img, 1)[2], 255);
    assert_int_equal(kx_image_to_gray(img, &gray), KX_OK);
    assert_int_equal(gray->data[0], 77);  /* red */
    assert_int_equal(gray->data[1], 149); /* green */
    assert_int_equal(kx_image_row(gray, 1)[1], 255);
    kx_image_free(gray);
    kx_image_free(img);
    assert_int_equal(kx_image_from_pixels(buf, 2, 2, 5, 3, 0, &img), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_image_new(10, 10, 2, &img), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_image_new(30000, 10, 1, &img), KX_ERR_TOO_LARGE);
}

/*
 * kx_gray_from_image against the definition: each output pixel is its
 * block's mean, rounded half up - grey and colour, every reduction from 1
 * to 9 and a large one, sizes that leave partial blocks, pixels from a
 * fixed pseudo-random sequence and the extremes (all 0, all 255).
 */
static void test_gray_reduction(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {7, 5}, {64, 48}, {131, 97}, {640, 3}, {5, 301}};
    static const int factors[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 150};
    uint32_t seed = 12345;
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
        for (int fill = 0; fill < 3; fill++) {
            int w = sizes[si][0], h = sizes[si][1];
            kx_image *img = NULL;
            assert_int_equal(kx_image_new(w, h, 1, &img), KX_OK);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    seed = seed * 1103515245u + 12345u;
                    kx_image_row(img, y)[x] = fill == 0   ? (uint8_t)(seed >> 24)
                                              : fill == 1 ? 0
                                                          : 255;
                }
            for (size_t fi = 0; fi < sizeof(factors) / sizeof(factors[0]); fi++) {
                int f = factors[fi];
                kx_gray g = {0};
                assert_int_equal(kx_gray_from_image(img, f, &g), KX_OK);
                assert_int_equal(g.w, (w + f - 1) / f);
                assert_int_equal(g.h, (h + f - 1) / f);
                for (int oy = 0; oy < g.h; oy++)
                    for (int ox = 0; ox < g.w; ox++) {
                        uint32_t sum = 0, n = 0;
                        for (int y = oy * f; y < oy * f + f && y < h; y++)
                            for (int x = ox * f; x < ox * f + f && x < w; x++)
                                sum += kx_image_row(img, y)[x], n++;
                        assert_int_equal(g.px[(size_t)oy * g.w + ox], (sum + n / 2) / n);
                    }
                kx_gray_free(&g);
            }
            kx_image_free(img);
        }
}

static void test_unreadable_input(void **state)
{
    (void)state;
    kx_image *img = (kx_image *)0x1;
    assert_int_equal(kx_image_decode((const uint8_t *)"", 0, &img), KX_ERR_IMAGE_UNREADABLE);
    assert_null(img);
    static const uint8_t junk[] = "GIF89a this is not a supported image";
    assert_int_equal(kx_image_decode(junk, sizeof(junk), &img), KX_ERR_IMAGE_UNREADABLE);
    assert_true(strlen(kx_err_detail()) > 0);

    /* Each codec, cut at several points, is refused, never half-decoded. */
    kx_image *src = pattern(200, 150, 3);
    char png[300], jpg[300], ppm[300];
    path_in_tmp(png, sizeof(png), "t.png");
    path_in_tmp(jpg, sizeof(jpg), "t.jpg");
    path_in_tmp(ppm, sizeof(ppm), "t.ppm");
    assert_int_equal(kx_image_save(src, png), KX_OK);
    assert_int_equal(kx_image_save(src, jpg), KX_OK);
    assert_int_equal(kx_image_save(src, ppm), KX_OK);
    const char *files[] = {png, jpg, ppm};
    for (int f = 0; f < 3; f++) {
        size_t len;
        uint8_t *buf = read_whole(files[f], &len);
        static const double cuts[] = {0.02, 0.3, 0.7, 0.97};
        for (int c = 0; c < 4; c++) {
            size_t n = (size_t)(len * cuts[c]);
            assert_int_equal(kx_image_decode(buf, n, &img), KX_ERR_IMAGE_UNREADABLE);
            assert_null(img);
        }
        /* Flip bytes in the middle of the PNG's compressed data: CRC error. */
        if (f == 0) {
            buf[len / 2] ^= 0x5a;
            assert_int_equal(kx_image_decode(buf, len, &img), KX_ERR_IMAGE_UNREADABLE);
        }
        free(buf);
    }
    kx_image_free(src);

    assert_int_equal(kx_image_load("/nonexistent/file.png", &img), KX_ERR_IO);
    assert_int_equal(kx_image_load(tmpdir, &img), KX_ERR_IO);
    char empty[300];
    path_in_tmp(empty, sizeof(empty), "empty.png");
    FILE *fp = fopen(empty, "wb");
    fclose(fp);
    assert_int_equal(kx_image_load(empty, &img), KX_ERR_IMAGE_UNREADABLE);
    static const uint8_t ascii[] = "P2\n2 1\n255\n0 255\n";
    assert_int_equal(kx_image_decode(ascii, sizeof(ascii) - 1, &img), KX_ERR_IMAGE_UNREADABLE);
}

/* Patch a PNG's IHDR size and fix the chunk CRC so only the size is wrong. */
static void png_set_size(uint8_t *buf, uint32_t w, uint32_t h)
{
    uint8_t *ihdr = buf + 8; /* length(4) "IHDR" data(13) crc(4) */
    for (int i = 0; i < 4; i++) {
        ihdr[8 + i] = (uint8_t)(w >> (24 - 8 * i));
        ihdr[12 + i] = (uint8_t)(h >> (24 - 8 * i));
    }
    uint32_t crc = (uint32_t)crc32(0, ihdr + 4, 17);
    for (int i = 0; i < 4; i++)
        ihdr[21 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

static void test_dimension_bombs(void **state)
{
    (void)state;
    kx_image *img = NULL;
    static const uint8_t pnm[] = "P5 100000 100000 255\n\0\0\0\0";
    assert_int_equal(kx_image_decode(pnm, sizeof(pnm) - 1, &img), KX_ERR_TOO_LARGE);
    static const uint8_t pnm2[] = "P6 15000 15000 255\n\0\0\0\0"; /* sides fine, area not */
    assert_int_equal(kx_image_decode(pnm2, sizeof(pnm2) - 1, &img), KX_ERR_TOO_LARGE);
    static const uint8_t pnm3[] = "P5 0 10 255\n";
    assert_int_equal(kx_image_decode(pnm3, sizeof(pnm3) - 1, &img), KX_ERR_IMAGE_UNREADABLE);

    kx_image *src = pattern(8, 8, 1);
    uint8_t *mem = NULL;
    size_t len = 0;
    assert_int_equal(kx_image_encode_png(src, &mem, &len), KX_OK);
    png_set_size(mem, 1000000, 1000000);
    assert_int_equal(kx_image_decode(mem, len, &img), KX_ERR_TOO_LARGE);
    assert_null(img);
    png_set_size(mem, 9000, 9000); /* 81 Mpx: over the area limit */
    assert_int_equal(kx_image_decode(mem, len, &img), KX_ERR_TOO_LARGE);
    png_set_size(mem, 4000, 4000); /* allowed size, but the data is missing */
    assert_int_equal(kx_image_decode(mem, len, &img), KX_ERR_IMAGE_UNREADABLE);
    free(mem);

    /* JPEG: patch the SOF0 frame size to 60000 x 60000. */
    char jpg[300];
    path_in_tmp(jpg, sizeof(jpg), "bomb.jpg");
    assert_int_equal(kx_image_save_jpeg(src, jpg, 80), KX_OK);
    uint8_t *buf = read_whole(jpg, &len);
    int patched = 0;
    for (size_t i = 2; i + 9 < len; i++)
        if (buf[i] == 0xff && buf[i + 1] == 0xc0) {
            buf[i + 5] = 0xea, buf[i + 6] = 0x60, buf[i + 7] = 0xea, buf[i + 8] = 0x60;
            patched = 1;
            break;
        }
    assert_true(patched);
    assert_int_equal(kx_image_decode(buf, len, &img), KX_ERR_TOO_LARGE);
    free(buf);
    kx_image_free(src);
}

static void test_save_failures(void **state)
{
    (void)state;
    kx_image *img = pattern(10, 10, 3);
    int before = dir_entries();
    assert_int_equal(kx_image_save_png(img, "/nonexistent-dir/x.png"), KX_ERR_IO);
    assert_int_equal(kx_image_save(img, "/tmp/x.gif"), KX_ERR_UNSUPPORTED);
    assert_int_equal(kx_image_save(img, "/tmp/noext"), KX_ERR_UNSUPPORTED);
    assert_int_equal(kx_image_save_jpeg(img, "/tmp/x.jpg", 0), KX_ERR_INVALID_ARG);
    /* Nothing was left behind by the failed saves. */
    assert_int_equal(dir_entries(), before);
    kx_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_round_trip),       cmocka_unit_test(test_png_gray),
        cmocka_unit_test(test_jpeg_round_trip),      cmocka_unit_test(test_pnm_variants),
        cmocka_unit_test(test_from_pixels_and_gray), cmocka_unit_test(test_gray_reduction),
        cmocka_unit_test(test_unreadable_input),     cmocka_unit_test(test_dimension_bombs),
        cmocka_unit_test(test_save_failures),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
