/* SPDX-License-Identifier: MIT */
/*
 * ctl_ra.c - kioskctl ra-check: the admin's view of the link to the RA.
 *
 * One fresh connection to [ra] url with the kiosk's certificate: reachable,
 * TLS handshake result, the RA's and the kiosk's certificate expiry, round
 * trip, server clock skew (times in microseconds). --count N then sends N
 * health requests on the kept-alive connection and reports requests/s and
 * p50/p99 latency (the RA benchmark, bench/30-ra.sh). Never prints a key or personal data.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ctl.h"
#include "ra/ra.h"

#define CTL_RA_DEFAULT_CONFIG "/etc/jxca-kiosk/kiosk.conf"

static json_t *ctl_ra_time(int64_t t)
{
    if (t <= 0)
        return json_null();
    char buf[32];
    return json_string(kx_ra_time_format(t, buf, sizeof buf));
}

static json_t *ctl_ra_days_left(int64_t t)
{
    return t > 0 ? json_integer((json_int_t)((t - (int64_t)time(NULL)) / 86400)) : json_null();
}

static double ctl_ra_ms(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1000.0 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Milliseconds as whole microseconds (JSON integers print exactly). */
static json_int_t ctl_ra_us(double ms)
{
    return (json_int_t)(ms * 1000.0 + 0.5);
}

static int ctl_ra_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* N health requests on one connection: throughput and latency percentiles. */
static json_t *ctl_ra_bench(kx_ra *ra, long count)
{
    double *lat = calloc((size_t)count, sizeof *lat);
    if (!lat)
        return json_null();
    long errors = 0;
    struct timespec t0, t1, a, b;
    kx_ra_health h;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < count; i++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (kx_ra_health_get(ra, &h) != KX_OK)
            errors++;
        clock_gettime(CLOCK_MONOTONIC, &b);
        lat[i] = ctl_ra_ms(&a, &b);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    qsort(lat, (size_t)count, sizeof *lat, ctl_ra_cmp);
    double secs = ctl_ra_ms(&t0, &t1) / 1000.0;
    long p50 = (count - 1) * 50 / 100, p99 = (count - 1) * 99 / 100;
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests", (json_int_t)count,
                  "errors", (json_int_t)errors, "elapsed_us", ctl_ra_us(secs * 1000.0),
                  "requests_per_s", (json_int_t)(secs > 0 ? (double)count / secs + 0.5 : 0.0),
                  "p50_us", ctl_ra_us(lat[p50]), "p99_us", ctl_ra_us(lat[p99]), "max_us",
                  ctl_ra_us(lat[count - 1]));
    free(lat);
    return o;
}

int ctl_cmd_ra_check(int argc, char **argv)
{
    static const char *const with_value[] = {"--config", "--count", NULL};
    const char *path = ctl_option(argc, argv, "--config");
    const char *count_text = ctl_option(argc, argv, "--count");
    long count = 0;
    if (ctl_positional(argc, argv, 0, with_value))
        return ctl_fail(CTL_EXIT_USAGE, "ra-check",
                        "usage: kioskctl ra-check [--config FILE] [--count N]");
    if (count_text && kx_parse_long(count_text, 1, 1000000, &count))
        return ctl_fail(CTL_EXIT_USAGE, "ra-check", "--count needs a number in 1..1000000");
    if (!path)
        path = CTL_RA_DEFAULT_CONFIG;
    kx_config *ini = NULL;
    kx_ra_config cfg;
    kx_ra *ra = NULL;
    kx_err rc = kx_config_load(path, &ini);
    if (!rc)
        rc = kx_ra_config_load(ini, &cfg);
    kx_config_free(ini);
    if (!rc)
        rc = kx_ra_open(&cfg, &ra);
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "ra-check", "%s: %s", kx_err_name(rc), kx_err_detail());

    kx_ra_probe p;
    rc = kx_ra_probe_run(ra, &p);
    const char *summary;
    if (rc == KX_OK)
        summary = N_("RA reachable, TLS verified, service healthy");
    else if (!p.reachable)
        summary = N_("RA not reachable: check the network and the RA address");
    else if (rc == KX_ERR_TLS)
        summary = N_("TLS failed: check the RA CA file and the kiosk certificate");
    else
        summary = N_("RA answered with an error: see the error field");
    json_t *o = json_object();
    json_object_set_new(o, "url", json_string(cfg.url));
    json_object_set_new(o, "ok", json_boolean(rc == KX_OK));
    json_object_set_new(o, "reachable", json_boolean(p.reachable));
    json_object_set_new(o, "tls", json_string(p.tls_ok ? "ok" : "failed"));
    json_object_set_new(o, "tls_error",
                        p.tls_error[0] ? json_string(p.tls_error) : json_null());
    json_object_set_new(o, "http_status",
                        p.http_status ? json_integer(p.http_status) : json_null());
    json_object_set_new(o, "error", rc ? json_string(kx_err_name(rc)) : json_null());
    json_object_set_new(o, "ra_error_code",
                        kx_ra_last_error(ra)->code[0] ? json_string(kx_ra_last_error(ra)->code)
                                                      : json_null());
    json_object_set_new(o, "server_cert_not_after", ctl_ra_time(p.server_cert_not_after));
    json_object_set_new(o, "server_cert_days_left", ctl_ra_days_left(p.server_cert_not_after));
    json_object_set_new(o, "kiosk_cert_not_after", ctl_ra_time(p.client_cert_not_after));
    json_object_set_new(o, "kiosk_cert_days_left", ctl_ra_days_left(p.client_cert_not_after));
    json_object_set_new(o, "rtt_us", json_integer(ctl_ra_us(p.rtt_ms)));
    json_object_set_new(o, "connect_us", json_integer(ctl_ra_us(p.connect_ms)));
    json_object_set_new(o, "tls_us", json_integer(ctl_ra_us(p.tls_ms)));
    json_object_set_new(o, "server_version", rc ? json_null() : json_string(p.health.version));
    json_object_set_new(
        o, "clock_skew_s",
        rc ? json_null()
           : json_integer((json_int_t)(p.health.server_time - (int64_t)time(NULL))));
    json_object_set_new(o, "summary", json_string(kx_tr(summary)));
    if (rc == KX_OK && count > 0)
        json_object_set_new(o, "bench", ctl_ra_bench(ra, count));
    kx_ra_close(ra);
    ctl_print_json(o);
    if (rc)
        return ctl_fail(CTL_EXIT_INVALID, "ra-check", "%s", kx_err_detail());
    return CTL_EXIT_OK;
}
