/* SPDX-License-Identifier: MIT */
/*
 * test_scanner.c - the scanner driver against real SANE back-ends (pnm and
 * test) in a private SANE_CONFIG_DIR: pixels arrive intact with progress,
 * modes and resolutions are honoured, every injected device status maps to
 * its error and the device works again on the next scan, cancellation from
 * the callback and from another thread, the registry's checks, the fault
 * hook and the [scanner] configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fault.h"
#include "drivers/scanner/scanner.h"

static char tmpdir[256];
static char page_color[300], page_gray[300], opt_color[320], opt_gray[320];
static kx_image *truth_color, *truth_gray;

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup_all(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kx-scanner-test-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char path[400];
    snprintf(path, sizeof(path), "%s/dll.conf", tmpdir);
    write_text(path, "pnm\ntest\n");
    /* The test back-end needs its config or its default resolution is junk. */
    snprintf(path, sizeof(path), "%s/test.conf", tmpdir);
    write_text(path, "number_of_devices 2\ninitial_mode Gray\ninitial_resolution 50\n");
    setenv("SANE_CONFIG_DIR", tmpdir, 1); /* no trailing colon: only this dir */

    /* A page with structure in every channel and row. */
    if (kx_image_new(413, 585, 3, &truth_color))
        return -1;
    for (int y = 0; y < truth_color->height; y++)
        for (int x = 0; x < truth_color->width; x++) {
            uint8_t *p = kx_image_row(truth_color, y) + 3 * x;
            p[0] = (uint8_t)(x ^ y), p[1] = (uint8_t)(y * 3), p[2] = (uint8_t)(x + 7 * y);
        }
    if (kx_image_to_gray(truth_color, &truth_gray))
        return -1;
    snprintf(page_color, sizeof(page_color), "%s/page.ppm", tmpdir);
    snprintf(page_gray, sizeof(page_gray), "%s/page.pgm", tmpdir);
    if (kx_image_save_pnm(truth_color, page_color) || kx_image_save_pnm(truth_gray, page_gray))
        return -1;
    snprintf(opt_color, sizeof(opt_color), "filename=%s", page_color);
    snprintf(opt_gray, sizeof(opt_gray), "filename=%s", page_gray);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    kx_image_free(truth_color);
    kx_image_free(truth_gray);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void assert_image_equal(const kx_image *a, const kx_image *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->channels, b->channels);
    for (int y = 0; y < a->height; y++)
        assert_memory_equal(kx_image_row(a, y), kx_image_row(b, y),
                            (size_t)a->width * (size_t)a->channels);
}

/* Progress recorder: checks the streamed rows against the truth. */
typedef struct recorder {
    const kx_image *truth;
    int calls, last_done, total, rows_seen, rows_ok;
    int cancel_after;       /* return 1 on this call (0: never) */
    kx_scanner *cancel_via; /* or call kx_scanner_cancel() on it */
} recorder;

static int record(void *user, const kx_scan_progress *p)
{
    recorder *r = user;
    r->calls++;
    assert_true(p->lines_done > r->last_done);
    r->last_done = p->lines_done;
    r->total = p->lines_total;
    if (p->rows && r->truth) {
        assert_int_equal(p->width, r->truth->width);
        for (int i = 0; i < p->n_rows; i++) {
            size_t n = (size_t)p->width * (size_t)p->channels;
            r->rows_ok += memcmp(p->rows + (size_t)i * n,
                                 kx_image_row(r->truth, p->first_row + i), n) == 0;
        }
        r->rows_seen += p->n_rows;
    }
    if (r->cancel_after && r->calls == r->cancel_after) {
        if (r->cancel_via) {
            kx_scanner_cancel(r->cancel_via);
            return 0;
        }
        return 1;
    }
    return 0;
}

static kx_scanner *open_pnm(void)
{
    kx_scanner *s = NULL;
    assert_int_equal(kx_scanner_open("sane", "pnm:0", &s), KX_OK);
    assert_string_equal(kx_scanner_backend_name(s), "sane");
    assert_true(kx_scanner_caps(s) & KX_SCANNER_CAP_CANCEL);
    return s;
}

static void test_scan_colour_with_progress(void **state)
{
    (void)state;
    kx_scanner *s = open_pnm();
    const char *opts[] = {opt_color, NULL};
    kx_scan_params p = {.resolution = 300, .mode = KX_SCAN_COLOR, .options = opts};
    recorder r = {.truth = truth_color};
    kx_image *img = NULL;
    assert_int_equal(kx_scanner_scan(s, &p, record, &r, &img), KX_OK);
    assert_image_equal(img, truth_color);
    assert_true(img->dpi == 300);
    assert_true(r.calls >= 4); /* streamed while reading, not once at the end */
    assert_int_equal(r.last_done, 585);
    assert_int_equal(r.total, 585);
    assert_int_equal(r.rows_seen, 585);
    assert_int_equal(r.rows_ok, 585);
    kx_image_free(img);

    /* Grey requested from a device without a mode option: converted. */
    p.mode = KX_SCAN_GRAY;
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    assert_image_equal(img, truth_gray);
    kx_image_free(img);

    /* 600 dpi is not offered by pnm: the nearest (300) is used and reported;
     * 150 is offered. */
    p.mode = KX_SCAN_COLOR;
    p.resolution = 600;
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    assert_true(img->dpi == 300);
    kx_image_free(img);
    p.resolution = 150;
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    assert_true(img->dpi == 150);
    kx_image_free(img);
    kx_scanner_close(s);
}

static void test_scan_frame_layouts(void **state)
{
    (void)state;
    kx_scanner *s = open_pnm();
    kx_image *img = NULL;
    /* Three passes (green, blue, red frames) assemble to the same RGB. */
    const char *three[] = {opt_color, "three-pass=yes", NULL};
    kx_scan_params p = {.options = three};
    recorder r = {.truth = NULL};
    assert_int_equal(kx_scanner_scan(s, &p, record, &r, &img), KX_OK);
    assert_image_equal(img, truth_color);
    assert_int_equal(r.total, 3 * 585);
    assert_int_equal(r.last_done, 3 * 585);
    kx_image_free(img);
    const char *single[] = {"three-pass=no", NULL};
    p.options = single;
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    kx_image_free(img);

    /* A hand scanner does not know the page length in advance. */
    const char *hand[] = {opt_gray, "hand-scanner=yes", NULL};
    p.options = hand;
    memset(&r, 0, sizeof(r));
    r.truth = truth_gray;
    assert_int_equal(kx_scanner_scan(s, &p, record, &r, &img), KX_OK);
    assert_image_equal(img, truth_gray);
    assert_int_equal(r.total, -1);
    assert_int_equal(r.rows_ok, 585);
    kx_image_free(img);
    kx_scanner_close(s);

    /* SANE's test back-end: 1-bit line-art and 16-bit grey frames. */
    assert_int_equal(kx_scanner_open("sane", "test:0", &s), KX_OK);
    const char *lineart[] = {"depth=1", "test-picture=Grid", NULL};
    kx_scan_params q = {.resolution = 75, .mode = KX_SCAN_LINEART, .options = lineart};
    assert_int_equal(kx_scanner_scan(s, &q, NULL, NULL, &img), KX_OK);
    assert_int_equal(img->channels, 1);
    assert_true(img->dpi == 75);
    int black = 0, white = 0, other = 0;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint8_t v = kx_image_row(img, y)[x];
            black += v == 0, white += v == 255, other += v != 0 && v != 255;
        }
    assert_int_equal(other, 0);
    assert_true(black > 0 && white > 0);
    kx_image_free(img);
    const char *deep[] = {"depth=16", "test-picture=Grid", NULL};
    q.mode = KX_SCAN_GRAY;
    q.options = deep;
    assert_int_equal(kx_scanner_scan(s, &q, NULL, NULL, &img), KX_OK);
    assert_int_equal(img->channels, 1);
    assert_true(img->width > 100 && img->height > 100);
    kx_image_free(img);
    kx_scanner_close(s);
}

static void test_device_statuses_and_reopen(void **state)
{
    (void)state;
    /* pnm keeps its status switches across handles, as a real device keeps
     * its jam until someone clears it: `clear` is the operator's fix. */
    static const struct {
        const char *option, *clear;
        kx_err expect;
    } cases[] = {
        {"status-jammed=yes", "status-jammed=no", KX_ERR_SCAN_JAMMED},
        {"status-nodocs=yes", "status-nodocs=no", KX_ERR_SCAN_NO_DOCUMENT},
        {"status-coveropen=yes", "status-coveropen=no", KX_ERR_SCAN_COVER_OPEN},
        {"status-ioerror=yes", "status-ioerror=no", KX_ERR_SCAN_DEVICE},
        {"status-nomem=yes", "status-nomem=no", KX_ERR_NO_MEMORY},
        {"status-accessdenied=yes", "status-accessdenied=no", KX_ERR_PERMISSION},
        {"no-such-option=1", "status=yes", KX_ERR_SCAN_DEVICE},
        {"resolution=abc", "status=yes", KX_ERR_SCAN_DEVICE},
    };
    kx_scanner *s = open_pnm();
    kx_image *img = NULL;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *bad[] = {opt_color, cases[i].option, NULL};
        kx_scan_params p = {.options = bad};
        assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), cases[i].expect);
        assert_null(img);
        assert_true(strlen(kx_err_detail()) > 0);
        /* The device was reset: once the cause is cleared, it scans again. */
        const char *good[] = {opt_color, cases[i].clear, NULL};
        p.options = good;
        assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
        assert_image_equal(img, truth_color);
        kx_image_free(img);
        img = NULL;
    }
    /* A page the device cannot read. */
    const char *missing[] = {"filename=/nonexistent/page.ppm", NULL};
    kx_scan_params p = {.options = missing};
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_ERR_SCAN_DEVICE);
    kx_scanner_close(s);

    assert_int_equal(kx_scanner_open("sane", "pnm:7", &s), KX_ERR_SCAN_DEVICE);
    assert_null(s);
    assert_int_equal(kx_scanner_open("twain", "x", &s), KX_ERR_NOT_FOUND);
}

typedef struct canceller {
    kx_scanner *s;
    sem_t in_scan, cancelled;
} canceller;

static int block_until_cancelled(void *user, const kx_scan_progress *p)
{
    (void)p;
    canceller *c = user;
    sem_post(&c->in_scan);
    sem_wait(&c->cancelled);
    return 0;
}

static void *cancel_thread(void *arg)
{
    canceller *c = arg;
    sem_wait(&c->in_scan);
    kx_scanner_cancel(c->s);
    sem_post(&c->cancelled);
    /* further progress calls (if any) must not block */
    for (int i = 0; i < 100; i++)
        sem_post(&c->cancelled);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    kx_scanner *s = open_pnm();
    const char *opts[] = {opt_color, NULL};
    kx_scan_params p = {.options = opts};
    kx_image *img = NULL;
    recorder r = {.truth = truth_color, .cancel_after = 2};
    assert_int_equal(kx_scanner_scan(s, &p, record, &r, &img), KX_ERR_CANCELLED);
    assert_null(img);
    assert_int_equal(r.calls, 2);
    /* Cancel through the API (as the UI thread would) from inside a scan. */
    memset(&r, 0, sizeof(r));
    r.truth = truth_color;
    r.cancel_after = 1;
    r.cancel_via = s;
    assert_int_equal(kx_scanner_scan(s, &p, record, &r, &img), KX_ERR_CANCELLED);
    assert_int_equal(r.calls, 1);
    /* And from another thread while the scan is running. */
    canceller c = {.s = s};
    sem_init(&c.in_scan, 0, 0);
    sem_init(&c.cancelled, 0, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_thread, &c), 0);
    assert_int_equal(kx_scanner_scan(s, &p, block_until_cancelled, &c, &img), KX_ERR_CANCELLED);
    pthread_join(th, NULL);
    sem_destroy(&c.in_scan);
    sem_destroy(&c.cancelled);
    /* A cancel between scans does not stick to the next one. */
    kx_scanner_cancel(s);
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    assert_image_equal(img, truth_color);
    kx_image_free(img);
    kx_scanner_close(s);
}

static kx_err dummy_open(const char *d, void **st)
{
    (void)d;
    *st = NULL;
    return KX_OK;
}
static kx_err dummy_scan(void *st, const kx_scan_params *p, kx_scan_progress_fn f, void *u,
                         kx_image **out)
{
    (void)st, (void)p, (void)f, (void)u;
    return kx_image_new(4, 4, 1, out);
}
static void dummy_close(void *st)
{
    (void)st;
}

static void test_registry_and_faults(void **state)
{
    (void)state;
    static const kx_scanner_ops no_scan = {
        .name = "broken", .open = dummy_open, .close = dummy_close};
    static const kx_scanner_ops lying = {.name = "lying",
                                         .caps = KX_SCANNER_CAP_CANCEL,
                                         .open = dummy_open,
                                         .scan = dummy_scan,
                                         .close = dummy_close};
    static const kx_scanner_ops fine = {
        .name = "memory", .open = dummy_open, .scan = dummy_scan, .close = dummy_close};
    static const kx_scanner_ops dup = {
        .name = "sane", .open = dummy_open, .scan = dummy_scan, .close = dummy_close};
    assert_int_equal(kx_scanner_register(&no_scan), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_scanner_register(&lying), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_scanner_register(&dup), KX_ERR_STATE);
    assert_int_equal(kx_scanner_register(&fine), KX_OK);
    assert_ptr_equal(kx_scanner_find_backend("memory"), &fine);
    assert_int_equal(kx_scanner_list("memory", NULL, NULL), KX_ERR_INVALID_ARG);

    kx_scanner *s = NULL;
    kx_image *img = NULL;
    assert_int_equal(kx_scanner_open("memory", NULL, &s), KX_OK);
    const char *opts[] = {"a=b", NULL};
    kx_scan_params p = {.options = opts};
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_ERR_UNSUPPORTED);
    p.options = NULL;
    p.resolution = 20;
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_ERR_INVALID_ARG);
    p.resolution = 0;
    kx_fault_arm("scanner", "scan", KX_ERR_SCAN_JAMMED, 1, 1);
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    kx_image_free(img);
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_ERR_SCAN_JAMMED);
    assert_int_equal(kx_scanner_scan(s, &p, NULL, NULL, &img), KX_OK);
    kx_image_free(img);
    kx_scanner_close(s);
}

static void list_cb(void *user, const char *name, const char *vendor, const char *model,
                    const char *type)
{
    (void)vendor, (void)model, (void)type;
    int *found = user;
    *found += strcmp(name, "pnm:0") == 0;
}

static void test_list_and_config(void **state)
{
    (void)state;
    assert_null(kx_scanner_advice(KX_OK));
    assert_null(kx_scanner_advice(KX_ERR_CANCELLED));
    assert_string_equal(kx_scanner_advice(KX_ERR_SCAN_JAMMED),
                        "Open the scanner, remove the jammed paper and try again.");
    assert_true(strcmp(kx_scanner_advice(KX_ERR_SCAN_DEVICE),
                       kx_scanner_advice(KX_ERR_SCAN_COVER_OPEN)));
    int found = 0;
    assert_int_equal(kx_scanner_list("sane", list_cb, &found), KX_OK);
    assert_int_equal(found, 1);

    kx_scanner_config sc;
    assert_int_equal(kx_scanner_config_read(NULL, &sc), KX_OK);
    assert_string_equal(sc.backend, "sane");
    assert_null(sc.device);
    assert_int_equal(sc.params.resolution, 300);

    kx_config *cfg = NULL;
    assert_int_equal(kx_config_load_string("[scanner]\ndevice = pnm:1\nresolution = 200\n"
                                           "mode = gray\noptions = grayify=yes; source=x\n",
                                           "t.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_scanner_config_read(cfg, &sc), KX_OK);
    assert_string_equal(sc.device, "pnm:1");
    assert_int_equal(sc.params.resolution, 200);
    assert_int_equal(sc.params.mode, KX_SCAN_GRAY);
    assert_string_equal(sc.params.options[0], "grayify=yes");
    assert_string_equal(sc.params.options[1], "source=x");
    assert_null(sc.params.options[2]);
    kx_config_free(cfg);

    /* the documented example parses to the documented defaults */
    const char *src = getenv("KX_SOURCE");
    if (src) {
        char path[512];
        snprintf(path, sizeof(path), "%s/config/kiosk.conf.example", src);
        assert_int_equal(kx_config_load(path, &cfg), KX_OK);
        assert_int_equal(kx_scanner_config_read(cfg, &sc), KX_OK);
        assert_string_equal(sc.backend, "sane");
        assert_null(sc.device);
        assert_int_equal(sc.params.resolution, 300);
        assert_int_equal(sc.params.mode, KX_SCAN_COLOR);
        assert_null(sc.params.options);
        kx_config_free(cfg);
    }

    assert_int_equal(kx_config_load_string("[scanner]\nresolution = 5000\n", "t.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_scanner_config_read(cfg, &sc), KX_ERR_CONFIG);
    kx_config_free(cfg);
    assert_int_equal(kx_config_load_string("[scanner]\noptions = justaname\n", "t.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_scanner_config_read(cfg, &sc), KX_ERR_CONFIG);
    kx_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_colour_with_progress),
        cmocka_unit_test(test_scan_frame_layouts),
        cmocka_unit_test(test_device_statuses_and_reopen),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_registry_and_faults),
        cmocka_unit_test(test_list_and_config),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
