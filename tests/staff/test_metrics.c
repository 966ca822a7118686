/* SPDX-License-Identifier: MIT */
/* Unit tests: Prometheus textfile writer. */
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

#include "staff/metrics.h"

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void test_grouping_and_escaping(void **state)
{
    (void)state;
    kx_metrics *m;
    assert_int_equal(kx_metrics_new(&m), KX_OK);
    const char *a[] = {"service", "renew", "outcome", "done", NULL};
    const char *b[] = {"service", "new", "outcome", "fail\"ed\n", NULL};
    assert_int_equal(kx_metrics_add(m, "kx_tx_total", KX_METRIC_COUNTER, "Transactions", a, 3),
                     KX_OK);
    assert_int_equal(kx_metrics_add(m, "kx_up", KX_METRIC_GAUGE, "Up", NULL, 1), KX_OK);
    assert_int_equal(kx_metrics_add(m, "kx_tx_total", KX_METRIC_COUNTER, "Transactions", b, 1),
                     KX_OK);
    assert_int_equal(kx_metrics_add(m, "bad name", KX_METRIC_GAUGE, "x", NULL, 1),
                     KX_ERR_INVALID_ARG);
    const char *badl[] = {"1abc", "x", NULL};
    assert_int_equal(kx_metrics_add(m, "kx_x", KX_METRIC_GAUGE, "x", badl, 1),
                     KX_ERR_INVALID_ARG);
    char path[] = "/tmp/kxmetricsXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(kx_metrics_write(m, path), KX_OK);
    const char *text = slurp(path);
    const char *want = "# HELP kx_tx_total Transactions\n"
                       "# TYPE kx_tx_total counter\n"
                       "kx_tx_total{service=\"renew\",outcome=\"done\"} 3\n"
                       "kx_tx_total{service=\"new\",outcome=\"fail\\\"ed\\n\"} 1\n"
                       "# HELP kx_up Up\n# TYPE kx_up gauge\nkx_up 1\n";
    assert_string_equal(text, want);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(kx_metrics_write(m, "/nonexistent-dir/x.prom"), KX_ERR_IO);
    kx_metrics_free(m);
    unlink(path);
    if (getenv("KX_METRICS_SAMPLE")) { /* leave a sample for promtool.sh */
        kx_metrics_new(&m);
        kx_metrics_add(m, "kx_tx_total", KX_METRIC_COUNTER, "Transactions", a, 3);
        kx_metrics_add(m, "kx_tx_total", KX_METRIC_COUNTER, "Transactions", b, 1);
        kx_metrics_add(m, "kx_up", KX_METRIC_GAUGE, "Up", NULL, 1);
        assert_int_equal(kx_metrics_write(m, getenv("KX_METRICS_SAMPLE")), KX_OK);
        kx_metrics_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_grouping_and_escaping)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
