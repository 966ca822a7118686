/* SPDX-License-Identifier: MIT */
/*
 * test_printer.c - the printer driver without a printer: the mapping from
 * IPP printer-state / printer-is-accepting-jobs / printer-state-reasons to
 * the kiosk's states, state names, advice, the [printer] configuration,
 * argument checks, the registry, and the wrappers' handling of a back-end
 * (a table in this file that answers like a printer would) - the check
 * before a job, the bounded wait, cancelling, the fault point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "drivers/printer/printer.h"

static void test_map_state(void **state)
{
    (void)state;
    unsigned w = 99;
    assert_int_equal(kx_printer_map_state(3, 1, "none", &w), KX_PRINTER_READY);
    assert_int_equal(w, 0);
    assert_int_equal(kx_printer_map_state(4, 1, "", NULL), KX_PRINTER_PRINTING);
    assert_int_equal(kx_printer_map_state(5, 1, "paused", NULL), KX_PRINTER_OFFLINE);
    assert_int_equal(kx_printer_map_state(5, 1, "", NULL), KX_PRINTER_OFFLINE);
    assert_int_equal(kx_printer_map_state(3, 0, "none", NULL), KX_PRINTER_OFFLINE);
    assert_int_equal(kx_printer_map_state(4, 1, "media-empty-error", NULL),
                     KX_PRINTER_PAPER_OUT);
    assert_int_equal(kx_printer_map_state(4, 1, "media-empty", NULL), KX_PRINTER_PAPER_OUT);
    assert_int_equal(kx_printer_map_state(4, 1, "media-needed-error", NULL),
                     KX_PRINTER_PAPER_OUT);
    assert_int_equal(kx_printer_map_state(4, 1, "cover-open-error", NULL),
                     KX_PRINTER_COVER_OPEN);
    assert_int_equal(kx_printer_map_state(4, 1, "door-open", NULL), KX_PRINTER_COVER_OPEN);
    assert_int_equal(kx_printer_map_state(4, 1, "media-jam-error", NULL), KX_PRINTER_PAPER_JAM);
    assert_int_equal(kx_printer_map_state(3, 1, "offline-report", NULL), KX_PRINTER_OFFLINE);
    assert_int_equal(kx_printer_map_state(3, 1, "toner-empty-error", NULL), KX_PRINTER_FAULT);
    assert_int_equal(kx_printer_map_state(3, 1, "vendor-thing-error", NULL), KX_PRINTER_FAULT);
    /* reports and warnings do not stop printing */
    assert_int_equal(kx_printer_map_state(3, 1, "media-empty-report", NULL), KX_PRINTER_READY);
    assert_int_equal(kx_printer_map_state(3, 1, "media-low-warning,toner-low", &w),
                     KX_PRINTER_READY);
    assert_int_equal(w, KX_PRINTER_WARN_PAPER_LOW | KX_PRINTER_WARN_TONER_LOW);
    assert_int_equal(kx_printer_map_state(4, 1, "cups-waiting-for-job-completed", &w),
                     KX_PRINTER_PRINTING);
    assert_int_equal(w, KX_PRINTER_WARN_OTHER);
    /* the most specific cause wins, whatever the order */
    assert_int_equal(kx_printer_map_state(5, 1, "paused,media-empty-error,cover-open", NULL),
                     KX_PRINTER_COVER_OPEN);
    assert_int_equal(kx_printer_map_state(5, 0, "media-jam-error, media-empty-error", NULL),
                     KX_PRINTER_PAPER_JAM);
    assert_int_equal(kx_printer_map_state(0, 1, NULL, NULL), KX_PRINTER_READY);
}

static void test_names_and_advice(void **state)
{
    (void)state;
    for (int s = KX_PRINTER_READY; s <= KX_PRINTER_DISABLED; s++) {
        kx_printer_state back;
        const char *name = kx_printer_state_name((kx_printer_state)s);
        assert_string_not_equal(name, "unknown");
        assert_int_equal(kx_printer_state_from_name(name, &back), KX_OK);
        assert_int_equal(back, s);
        if (s > KX_PRINTER_PRINTING)
            assert_non_null(kx_printer_advice((kx_printer_state)s));
    }
    assert_null(kx_printer_advice(KX_PRINTER_READY));
    assert_string_equal(kx_printer_state_name((kx_printer_state)99), "unknown");
    kx_printer_state st;
    assert_int_equal(kx_printer_state_from_name("sideways", &st), KX_ERR_NOT_FOUND);
}

static kx_config *conf(const char *text)
{
    kx_config *cfg = NULL;
    assert_int_equal(kx_config_load_string(text, "kiosk.conf", &cfg), KX_OK);
    return cfg;
}

static void test_config(void **state)
{
    (void)state;
    kx_printer_config pc;
    assert_int_equal(kx_printer_config_read(NULL, &pc), KX_OK);
    assert_false(pc.enabled);
    kx_config *cfg = conf("[printer]\nqueue = receipt\nserver = 127.0.0.1:631\n");
    assert_int_equal(kx_printer_config_read(cfg, &pc), KX_OK);
    assert_true(pc.enabled);
    assert_string_equal(pc.target.queue, "receipt");
    assert_string_equal(pc.target.server, "127.0.0.1:631");
    assert_int_equal(pc.paper, KX_PAPER_ROLL80);
    assert_int_equal(pc.timeout_ms, 20000);
    assert_int_equal(pc.target.request_timeout_ms, 5000);
    kx_config_free(cfg);
    cfg = conf("[printer]\nuri = ipps://printer.hall/ipp/print\npaper = a4\ntimeout_s = 5\n"
               "enabled = no\n");
    assert_int_equal(kx_printer_config_read(cfg, &pc), KX_OK);
    assert_false(pc.enabled);
    assert_int_equal(pc.paper, KX_PAPER_A4);
    assert_int_equal(pc.timeout_ms, 5000);
    kx_printer *p = NULL;
    assert_int_equal(kx_printer_open_config(&pc, &p), KX_ERR_UNSUPPORTED);
    assert_null(p);
    kx_config_free(cfg);
    static const char *const bad[] = {
        "[printer]\nqueue = a\nuri = ipp://x/\n",
        "[printer]\nuri = http://x/\n",
        "[printer]\nqueue = has space\n",
        "[printer]\nenabled = yes\n",
        "[printer]\nqueue = a\npaper = letter\n",
        "[printer]\nqueue = a\ntimeout_s = 0\n",
        "[printer]\nqueue = a\nrequest_timeout_s = 61\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg = conf(bad[i]);
        assert_int_equal(kx_printer_config_read(cfg, &pc), KX_ERR_CONFIG);
        kx_config_free(cfg);
    }
}

/* ---- a back-end in this file: a printer doing what the test says ---- */

static struct fake {
    kx_printer_status status; /* what status() answers */
    int job_states[8];        /* job() answers these in turn, then the last */
    int n_job_states, calls;
    int submitted, cancelled;
    kx_err submit_rc;
    kx_err job_rc; /* job() fails with this when set */
} fake;

static kx_err fake_open(const kx_printer_target *t, void **st)
{
    (void)t;
    *st = &fake;
    return KX_OK;
}
static kx_err fake_status(void *st, double deadline, kx_printer_status *out)
{
    (void)st;
    (void)deadline;
    *out = fake.status;
    return KX_OK;
}
static kx_err fake_submit(void *st, const void *pdf, size_t len, const kx_print_options *o,
                          double deadline, int *job)
{
    (void)st, (void)pdf, (void)len, (void)o, (void)deadline;
    if (fake.submit_rc)
        return fake.submit_rc;
    fake.submitted++;
    *job = 41 + fake.submitted;
    return KX_OK;
}
static kx_err fake_job(void *st, int id, double deadline, int *js)
{
    (void)st, (void)id, (void)deadline;
    int i = fake.calls < fake.n_job_states ? fake.calls : fake.n_job_states - 1;
    fake.calls++;
    if (fake.job_rc)
        return fake.job_rc;
    *js = fake.job_states[i];
    return KX_OK;
}
static kx_err fake_cancel(void *st, int id, double deadline)
{
    (void)st, (void)id, (void)deadline;
    fake.cancelled++;
    return KX_OK;
}
static void fake_close(void *st)
{
    (void)st;
}
static const kx_printer_ops fake_ops = {"fake",   fake_open,   fake_status, fake_submit,
                                        fake_job, fake_cancel, fake_close};

static kx_printer *fake_printer(void)
{
    memset(&fake, 0, sizeof(fake));
    fake.status.state = KX_PRINTER_READY;
    fake.status.ipp_state = 3;
    fake.status.accepting = 1;
    fake.job_states[0] = KX_PRINT_JOB_COMPLETED;
    fake.n_job_states = 1;
    kx_printer_target t = {.queue = "q", .request_timeout_ms = 1000};
    kx_printer *p = NULL;
    assert_int_equal(kx_printer_open("fake", &t, &p), KX_OK);
    return p;
}

static const char pdf[] = "%PDF-1.5 test";

static void test_registry_and_args(void **state)
{
    (void)state;
    static const kx_printer_ops half = {"half", fake_open, NULL, NULL, NULL, NULL, fake_close};
    assert_int_equal(kx_printer_register(&half), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_printer_register(&fake_ops), KX_OK);
    assert_int_equal(kx_printer_register(&fake_ops), KX_ERR_STATE);
    kx_printer *p = NULL;
    kx_printer_target both = {.queue = "q", .uri = "ipp://h/"};
    assert_int_equal(kx_printer_open("fake", &both, &p), KX_ERR_INVALID_ARG);
    kx_printer_target http = {.uri = "http://h/"};
    assert_int_equal(kx_printer_open("fake", &http, &p), KX_ERR_INVALID_ARG);
    kx_printer_target q = {.queue = "q"};
    assert_int_equal(kx_printer_open("nosuch", &q, &p), KX_ERR_NOT_FOUND);
    p = fake_printer();
    kx_print_result r;
    assert_int_equal(kx_printer_print(p, "hello", 5, NULL, &r), KX_ERR_BAD_FORMAT);
    kx_print_options many = {.copies = 10};
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), &many, &r), KX_ERR_INVALID_ARG);
    assert_int_equal(fake.submitted, 0);
    kx_printer_close(p);
}

static void test_print_paths(void **state)
{
    (void)state;
    kx_print_result r;
    /* completes */
    kx_printer *p = fake_printer();
    fake.job_states[0] = KX_PRINT_JOB_PROCESSING;
    fake.job_states[1] = KX_PRINT_JOB_COMPLETED;
    fake.n_job_states = 2;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_OK);
    assert_int_equal(r.job_id, 42);
    assert_int_equal(r.job_state, KX_PRINT_JOB_COMPLETED);
    assert_int_equal(fake.cancelled, 0);
    kx_printer_close(p);

    /* paper out before the job: refused, nothing queued */
    p = fake_printer();
    fake.status.state = KX_PRINTER_PAPER_OUT;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_STATE);
    assert_int_equal(r.printer.state, KX_PRINTER_PAPER_OUT);
    assert_int_equal(fake.submitted, 0);
    fake.status.state = KX_PRINTER_NOT_FOUND;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_NOT_FOUND);
    fake.status.state = KX_PRINTER_UNREACHABLE;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_NETWORK);
    kx_printer_close(p);

    /* never finishes: stuck after the bound, cancelled */
    p = fake_printer();
    fake.job_states[0] = KX_PRINT_JOB_PROCESSING;
    kx_print_options o = {.wait_ms = 500};
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), &o, &r), KX_ERR_TIMEOUT);
    assert_int_equal(r.printer.state, KX_PRINTER_JOB_STUCK);
    assert_true(r.cancelled);
    assert_int_equal(fake.cancelled, 1);
    assert_true(r.ms < 1500);
    /* kept when asked */
    o.keep_unfinished = 1;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), &o, &r), KX_ERR_TIMEOUT);
    assert_false(r.cancelled);
    assert_int_equal(fake.cancelled, 1);
    kx_printer_close(p);

    /* the job vanished: purged (the queue is still there) or with its queue */
    p = fake_printer();
    fake.job_rc = KX_ERR_NOT_FOUND;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_IO);
    fake.status.state = KX_PRINTER_NOT_FOUND;
    fake.submitted = 0;
    kx_print_options later = {.wait_ms = 1000};
    /* the check before the job sees the queue gone: nothing submitted */
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), &later, &r), KX_ERR_NOT_FOUND);
    assert_int_equal(fake.submitted, 0);
    kx_printer_close(p);

    /* aborted by the printing system */
    p = fake_printer();
    fake.job_states[0] = KX_PRINT_JOB_ABORTED;
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_IO);
    kx_printer_close(p);

    /* from a file; a missing file or one that is not a PDF is refused */
    p = fake_printer();
    char path[] = "/tmp/kx-printer-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, sizeof(pdf)), (ssize_t)sizeof(pdf));
    close(fd);
    assert_int_equal(kx_printer_print_file(p, path, NULL, &r), KX_OK);
    assert_int_equal(fake.submitted, 1);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not a pdf", fp);
    fclose(fp);
    assert_int_equal(kx_printer_print_file(p, path, NULL, &r), KX_ERR_BAD_FORMAT);
    unlink(path);
    assert_int_equal(kx_printer_print_file(p, path, NULL, &r), KX_ERR_IO);
    assert_int_equal(fake.submitted, 1);
    kx_printer_close(p);

    /* submit only */
    p = fake_printer();
    kx_print_options now = {.wait_ms = -1};
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), &now, &r), KX_OK);
    assert_int_equal(r.job_state, KX_PRINT_JOB_PENDING);
    assert_int_equal(fake.calls, 0);
    assert_int_equal(kx_printer_job(p, r.job_id, &r), KX_OK);
    assert_int_equal(r.job_state, KX_PRINT_JOB_COMPLETED);
    kx_printer_close(p);
}

static void test_fault_points(void **state)
{
    (void)state;
    kx_print_result r;
    kx_printer *p = fake_printer();
    kx_printer_inject_fault(p, KX_PRINTER_COVER_OPEN, 2);
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_OK);
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_STATE);
    assert_int_equal(r.printer.state, KX_PRINTER_COVER_OPEN);
    assert_int_equal(fake.submitted, 1);
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_OK);
    setenv("KX_FAULT_PRINTER", "print:job-stuck", 1);
    assert_int_equal(kx_printer_print(p, pdf, sizeof(pdf), NULL, &r), KX_ERR_TIMEOUT);
    assert_int_equal(r.printer.state, KX_PRINTER_JOB_STUCK);
    setenv("KX_FAULT_PRINTER", "status:offline", 1);
    kx_printer_status st;
    assert_int_equal(kx_printer_get_status(p, &st), KX_OK);
    assert_int_equal(st.state, KX_PRINTER_OFFLINE);
    assert_int_equal(kx_printer_selftest(p, NULL, 0, &r), KX_ERR_STATE);
    unsetenv("KX_FAULT_PRINTER");
    assert_int_equal(kx_printer_selftest(p, pdf, sizeof(pdf), &r), KX_OK);
    assert_int_equal(fake.submitted, 3);
    kx_printer_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_state),   cmocka_unit_test(test_names_and_advice),
        cmocka_unit_test(test_config),      cmocka_unit_test(test_registry_and_args),
        cmocka_unit_test(test_print_paths), cmocka_unit_test(test_fault_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
