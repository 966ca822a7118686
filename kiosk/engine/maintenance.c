/* SPDX-License-Identifier: MIT */
/*
 * maintenance.c - the admin's maintenance requests inside kioskd
 * (docs/protocol.md, "Staff and maintenance"): device self-tests and the
 * RA check, today's summary reconciled with the RA, the recent log
 * (masked), the configuration in effect (secrets hidden), the version, and
 * recording machine-level actions taken at the screen; and the fleet
 * metrics file.
 *
 * Main loop only. Self-tests use the worker's devices directly and are
 * refused while a customer session or a job is running, so no job thread
 * touches the same device.
 *
 * Map: configuration; self-tests; summary; log, configuration, version,
 * machine actions; metrics.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "payment/payment.h"
#include "ra/ra.h"
#include "staff/metrics.h"

#ifndef KX_VERSION
#define KX_VERSION "0.1.0"
#endif

#define HEALTH_UNKNOWN (-1)
enum { DEV_SCANNER, DEV_IDCARD, DEV_TOKEN, DEV_RA, DEV_COUNT };
static const char *const dev_names[DEV_COUNT] = {"scanner", "idcard", "token", "ra"};
/* what the maintenance screen calls each test (msgid, the UI translates) */
static const char *const dev_msgids[DEV_COUNT] = {N_("Scanner"), N_("ID card reader"),
                                                  N_("UKEY reader"), N_("RA connection")};
_Static_assert(DEV_COUNT == KX_MAINT_DEV_COUNT, "one health slot per self-test");

/* ---- configuration ---- */

kx_err kx_maintenance_open(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    for (int i = 0; i < KX_MAINT_DEV_COUNT; i++)
        m->health[i] = HEALTH_UNKNOWN;
    m->ra_latency_ms = -1;
    kx_strlcpy(m->log_file, kx_config_get_str(e->cfg, "staff", "log_file", ""),
               sizeof m->log_file);
    kx_strlcpy(m->metrics_file, kx_config_get_str(e->cfg, "metrics", "file", ""),
               sizeof m->metrics_file);
    long v;
    kx_err rc = kx_config_get_int(e->cfg, "metrics", "interval_s", 60, 1, 3600, &v);
    if (rc)
        return rc;
    m->metrics_interval_s = (int)v;
    m->metrics_dirty = 1;
    return KX_OK;
}

/* ---- self-tests ---- */

static json_t *test_result(int dev, kx_err rc, json_t *detail)
{
    return json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:o}", "device", dev_names[dev], "msgid",
                     dev_msgids[dev], "ok", rc == KX_OK, "verdict",
                     rc == KX_OK ? N_("Passed") : N_("Failed"), "error",
                     rc ? kx_err_name(rc) : "", "error_msgid", rc ? kx_err_message(rc) : "",
                     "detail", detail ? detail : json_object());
}

static json_t *selftest_scanner(kx_engine *e, kx_err *rc)
{
    char path[1200];
    int w = 0, h = 0;
    *rc = kx_device_selftest_scan(&e->worker, path, sizeof path, &w, &h);
    if (*rc)
        return json_pack("{s:s}", "message", kx_err_detail());
    return json_pack("{s:s, s:i, s:i}", "preview", path, "width", w, "height", h);
}

static json_t *selftest_tokens(kx_engine *e, kx_err *rc)
{
    char serials[8][40];
    size_t n = 0;
    *rc = kx_device_selftest_tokens(&e->worker, serials, 8, &n);
    if (!*rc && n == 0) {
        *rc = KX_ERR_TOKEN_ABSENT;
        kx_err_set_detail("no UKEY in the reader");
    }
    json_t *d = json_pack("{s:i, s:[]}", "tokens", (int)n, "serials");
    for (size_t i = 0; i < n; i++)
        json_array_append_new(json_object_get(d, "serials"), json_string(serials[i]));
    if (*rc)
        json_object_set_new(d, "message", json_string(kx_err_detail()));
    return d;
}

static json_t *selftest_ra(kx_engine *e, kx_err *rc)
{
    struct kx_ra *ra = e->worker.dev->ra;
    if (!ra) {
        *rc = KX_ERR_UNSUPPORTED;
        return json_pack("{s:s}", "message", "no RA configured ([ra] url)");
    }
    kx_ra_probe p;
    memset(&p, 0, sizeof p);
    *rc = kx_ra_probe_run(ra, &p);
    time_t now = time(NULL);
    e->staff->ra_latency_ms = *rc ? -1 : p.rtt_ms;
    return json_pack(
        "{s:b, s:b, s:i, s:s, s:f, s:f, s:f, s:I, s:I, s:s}", "reachable", p.reachable,
        "tls_ok", p.tls_ok, "http_status", p.http_status, "tls_error", p.tls_error, "rtt_ms",
        p.rtt_ms, "connect_ms", p.connect_ms, "tls_ms", p.tls_ms, "server_cert_days",
        (json_int_t)(p.server_cert_not_after ? (p.server_cert_not_after - now) / 86400 : 0),
        "client_cert_days",
        (json_int_t)(p.client_cert_not_after ? (p.client_cert_not_after - now) / 86400 : 0),
        "server", p.health.version);
}

kx_err kx_maint_req_selftest(kx_engine *e, const kx_staff_call *call, json_t *msg,
                             json_t **result)
{
    const kx_staff_actor *a = &call->actor;
    const char *which = json_string_value(json_object_get(msg, "device"));
    if (!which)
        which = "all";
    int want[DEV_COUNT], any = 0;
    for (int i = 0; i < DEV_COUNT; i++)
        any |= want[i] = strcmp(which, "all") == 0 || strcmp(which, dev_names[i]) == 0;
    int printer = strcmp(which, "all") == 0 || strcmp(which, "printer") == 0;
    if (!any && !printer)
        return KX_ERR_BAD_FORMAT;
    if (e->s.active || e->job_running) {
        kx_err_set_detail("self-tests run only while no customer is served");
        return KX_ERR_BUSY;
    }
    json_t *arr = json_array();
    char summary[128] = "";
    int all_ok = 1;
    for (int i = 0; i < DEV_COUNT; i++) {
        if (!want[i])
            continue;
        kx_err rc = KX_OK;
        json_t *d = NULL;
        kx_err_set_detail("%s", "");
        if (i == DEV_SCANNER)
            d = selftest_scanner(e, &rc);
        else if (i == DEV_IDCARD) {
            rc = kx_device_selftest_idcard(&e->worker);
            d = rc ? json_pack("{s:s}", "message", kx_err_detail())
                   : json_pack("{s:s}", "sam", "90 (ok)");
        } else if (i == DEV_TOKEN)
            d = selftest_tokens(e, &rc);
        else
            d = selftest_ra(e, &rc);
        e->staff->health[i] = rc == KX_OK;
        all_ok &= rc == KX_OK;
        json_array_append_new(arr, test_result(i, rc, d));
        char part[40];
        snprintf(part, sizeof part, "%s%s=%s", summary[0] ? " " : "", dev_names[i],
                 rc ? "fail" : "ok");
        kx_strlcat(summary, part, sizeof summary);
    }
    kx_staff_record(e->journal, a, "selftest", NULL, 0, NULL, summary,
                    all_ok ? "ok" : "failed");
    e->staff->metrics_dirty = 1;
    *result = json_pack("{s:b, s:o}", "ok", all_ok, "tests", arr);
    if (printer) /* a test page; its state beside the devices' */
        kx_print_selftest(e, *result);
    return KX_OK;
}

/* ---- today's summary ---- */

static kx_err day_bounds(const char *date, int64_t *since, int64_t *until, char *label,
                         size_t labelsz)
{
    int y, m, d;
    if (date && *date) {
        if (kx_parse_date(date, &y, &m, &d))
            return KX_ERR_BAD_FORMAT;
    } else {
        kx_today(&y, &m, &d);
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    *since = (int64_t)mktime(&tm);
    tm = (struct tm){.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1};
    *until = (int64_t)mktime(&tm);
    snprintf(label, labelsz, "%04d-%02d-%02d", y, m, d);
    return KX_OK;
}

#define SUMMARY_MAX_TX 512

/* the summary's whole time with the RA, [staff] summary_seconds (1..120,
 * default 20): the main loop waits for it. One more order query may run
 * past it by at most staff mode's per-call deadline (15 s). */
static int64_t summary_budget_ms(const kx_engine *e)
{
    long v = 20;
    if (kx_config_get_int(e->cfg, "staff", "summary_seconds", 20, 1, 120, &v))
        v = 20;
    return (int64_t)v * 1000;
}

kx_err kx_maint_req_summary(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result)
{
    const kx_staff_actor *a = &call->actor;
    int64_t since, until;
    char day[16];
    if (day_bounds(json_string_value(json_object_get(msg, "date")), &since, &until, day,
                   sizeof day))
        return KX_ERR_BAD_FORMAT;
    kx_journal_count counts[128];
    size_t nc = 0;
    kx_err rc = kx_journal_session_counts(e->journal, since, until, counts, 128, &nc);
    if (rc)
        return rc;
    json_t *by = json_array();
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(by, json_pack("{s:s, s:s, s:I}", "service", counts[i].service,
                                            "outcome", counts[i].outcome, "count",
                                            (json_int_t)counts[i].count));
    kx_journal_tx *tx = calloc(SUMMARY_MAX_TX, sizeof *tx);
    if (!tx) {
        json_decref(by);
        return KX_ERR_NO_MEMORY;
    }
    /* refunds the journal recorded */
    size_t n = 0;
    int64_t j_refunded = 0, j_refunds = 0;
    rc = kx_journal_list_kind(e->journal, "refund", since, until, tx, SUMMARY_MAX_TX, &n);
    for (size_t i = 0; !rc && i < n; i++)
        if (tx[i].status == KX_TX_DONE) {
            j_refunded += tx[i].amount_fen;
            j_refunds++;
        }
    /* orders: what the RA's records say about each, asked on staff mode's
     * own RA link (the payment job may be using the worker's at this very
     * moment: a libcurl handle is one thread's), within SUMMARY_BUDGET_MS
     * in all: orders not asked by then are "unknown" and the day is not
     * reconciled ("complete": false) */
    struct kx_payment *pay = NULL;
    if (e->worker.dev->payment && kx_staff_payment(e, &pay) != KX_OK)
        pay = NULL;
    int64_t deadline = kx_now_ms() + summary_budget_ms(e);
    int complete = 1;
    int64_t taken = 0, ra_refunded = 0, paid_orders = 0, mismatches = 0;
    json_t *orders = json_array();
    if (!rc)
        rc = kx_journal_list_kind(e->journal, "order_create", since, until, tx, SUMMARY_MAX_TX,
                                  &n);
    int reconciled = pay != NULL;
    for (size_t i = 0; !rc && i < n; i++) {
        if (tx[i].status != KX_TX_DONE && tx[i].status != KX_TX_COMPENSATED)
            continue;
        kx_payment_order o;
        const char *ra_state = "unknown";
        int64_t amount = 0, refunded = 0;
        int in_time = kx_now_ms() < deadline;
        complete &= in_time;
        if (pay && in_time && tx[i].result[0] &&
            kx_payment_query(pay, tx[i].result, &o) == KX_OK) {
            ra_state = kx_payment_state_id(o.state);
            if (o.state == KX_PAYMENT_PAID || o.state == KX_PAYMENT_REFUNDED) {
                amount = o.amount_fen;
                refunded = o.refunded_fen;
                paid_orders++;
            }
        } else {
            reconciled = 0;
        }
        taken += amount;
        ra_refunded += refunded;
        /* the journal's refund of this order */
        kx_journal_tx r;
        int j_ref = kx_journal_last(e->journal, tx[i].session, "refund", &r) == KX_OK &&
                    r.status == KX_TX_DONE && strcmp(r.ref, tx[i].result) == 0;
        int match = strcmp(ra_state, "unknown") != 0 && j_ref == (refunded > 0);
        mismatches += !match;
        json_array_append_new(
            orders, json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:b}", "order", tx[i].result,
                              "session", tx[i].session, "ra_state", ra_state, "amount_fen",
                              (json_int_t)amount, "refunded_fen", (json_int_t)refunded,
                              "journal_refunded", j_ref, "match", match));
    }
    free(tx);
    if (rc) {
        json_decref(by);
        json_decref(orders);
        return rc;
    }
    *result = json_pack(
        "{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:o, s:b}", "date", day, "sessions", by,
        "paid_orders", (json_int_t)paid_orders, "taken_fen", (json_int_t)taken, "refunded_fen",
        (json_int_t)ra_refunded, "journal_refunded_fen", (json_int_t)j_refunded,
        "journal_refunds", (json_int_t)j_refunds, "reconciled",
        reconciled && mismatches == 0 && j_refunded == ra_refunded, "mismatches",
        (json_int_t)mismatches, "orders", orders, "complete", complete);
    char detail[96];
    snprintf(detail, sizeof detail, "date=%s taken_fen=%lld refunded_fen=%lld", day,
             (long long)taken, (long long)ra_refunded);
    kx_staff_record(e->journal, a, "summary", NULL, 0, NULL, detail, "ok");
    return KX_OK;
}

/* ---- log, configuration, version, machine actions ---- */

/* mask 18-character ID numbers and 11-digit mobile numbers in a line */
static void mask_line(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && (isdigit((unsigned char)s[j]) ||
                         ((j - i) == 17 && (s[j] == 'X' || s[j] == 'x'))))
            j++;
        size_t len = j - i;
        if (len == 18) {
            for (size_t k = i + 3; k < j - 4; k++)
                s[k] = '*';
        } else if (len == 11 && s[i] == '1') {
            for (size_t k = i + 3; k < j - 4; k++)
                s[k] = '*';
        }
        i = j > i ? j : i + 1;
    }
}

kx_err kx_maint_req_logs(kx_engine *e, const kx_staff_call *call, json_t *msg, json_t **result)
{
    (void)call;
    const char *path = e->staff->log_file;
    if (!path[0]) {
        kx_err_set_detail("no [staff] log_file configured");
        return KX_ERR_UNSUPPORTED;
    }
    json_int_t want = json_integer_value(json_object_get(msg, "lines"));
    if (want <= 0 || want > 1000)
        want = 100;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        kx_err_set_detail("%s: cannot open", path);
        return KX_ERR_IO;
    }
    /* keep the last `want` lines in a ring */
    char **ring = calloc((size_t)want, sizeof *ring);
    size_t count = 0;
    char line[2048];
    while (ring && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = 0;
        size_t slot = count++ % (size_t)want;
        free(ring[slot]);
        ring[slot] = strdup(line);
    }
    fclose(fp);
    if (!ring)
        return KX_ERR_NO_MEMORY;
    json_t *arr = json_array();
    size_t first = count > (size_t)want ? count - (size_t)want : 0;
    for (size_t i = first; i < count; i++) {
        char *l = ring[i % (size_t)want];
        if (l) {
            mask_line(l);
            json_array_append_new(arr, json_string(l));
        }
    }
    for (json_int_t i = 0; i < want; i++)
        free(ring[i]);
    free(ring);
    *result = json_pack("{s:s, s:o}", "file", path, "lines", arr);
    return KX_OK;
}

/* 1 when a configuration key holds a secret whose value is not shown */
static int secret_key(const char *key)
{
    static const char *const words[] = {"pin",        "password", "passwd", "secret",
                                        "passphrase", "hash",     NULL};
    for (int i = 0; words[i]; i++)
        if (strstr(key, words[i]))
            return 1;
    return 0;
}

kx_err kx_maint_req_config(kx_engine *e, const kx_staff_call *call, json_t *msg,
                           json_t **result)
{
    (void)call;
    (void)msg;
    const char *path = kx_config_name(e->cfg);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        kx_err_set_detail("%s: cannot open", path);
        return KX_ERR_IO;
    }
    json_t *o = json_object();
    json_t *sec = NULL;
    char line[2048];
    while (fgets(line, sizeof line, fp)) {
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        p[strcspn(p, "\r\n")] = 0;
        if (!*p || *p == '#' || *p == ';')
            continue;
        if (*p == '[') {
            char *end = strchr(p, ']');
            if (!end)
                continue;
            *end = 0;
            sec = json_object_get(o, p + 1);
            if (!sec) {
                sec = json_object();
                json_object_set_new(o, p + 1, sec);
            }
            continue;
        }
        char *eq = strchr(p, '=');
        if (!eq || !sec)
            continue;
        char *ke = eq;
        while (ke > p && isspace((unsigned char)ke[-1]))
            ke--;
        *ke = 0;
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        /* values as the parser reads them: the effective one is from cfg */
        const char *sname = NULL;
        void *it = json_object_iter(o);
        for (; it; it = json_object_iter_next(o, it))
            if (json_object_iter_value(it) == sec)
                sname = json_object_iter_key(it);
        const char *eff = sname ? kx_config_get_str(e->cfg, sname, p, v) : v;
        json_object_set_new(sec, p, json_string(secret_key(p) ? "(hidden)" : eff));
    }
    fclose(fp);
    *result = json_pack("{s:s, s:o}", "file", path, "config", o);
    return KX_OK;
}

kx_err kx_maint_req_version(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result)
{
    (void)e;
    (void)call;
    (void)msg;
    *result = json_pack("{s:s, s:s, s:i}", "kioskd", KX_VERSION, "server", "kioskd " KX_VERSION,
                        "protocol", KX_PROTO_VERSION);
    return *result ? KX_OK : KX_ERR_NO_MEMORY;
}

/* req_maintenance - record a machine-level action an admin takes at the
 * screen (the front end runs it: restarting the services, leaving kiosk
 * mode) before it happens, so it is in the journal even though the
 * restart ends this process. */
kx_err kx_maint_req_maintenance(kx_engine *e, const kx_staff_call *call, json_t *msg,
                                json_t **result)
{
    const kx_staff_actor *a = &call->actor;
    static const char *const known[] = {"restart", "leave_kiosk_mode"};
    const char *what = json_string_value(json_object_get(msg, "action"));
    for (size_t i = 0; what && i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(what, known[i]) == 0) {
            kx_staff_record(e->journal, a, known[i], e->s.active ? e->s.id : NULL, 0, NULL,
                            NULL, "ok");
            *result = json_pack("{s:s}", "action", known[i]);
            return KX_OK;
        }
    }
    kx_err_set_detail("maintenance needs action restart or leave_kiosk_mode");
    return KX_ERR_BAD_FORMAT;
}

/* ---- metrics ---- */

static kx_err metrics_write(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    kx_metrics *mt = NULL;
    kx_err rc = kx_metrics_new(&mt);
    if (rc)
        return rc;
    kx_journal_count c[128];
    size_t n = 0;
    /* all sessions ever recorded: a counter that survives restarts */
    rc = kx_journal_session_counts(e->journal, 0, INT64_MAX, c, 128, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *l[] = {"service", c[i].service, "outcome", c[i].outcome, NULL};
        rc = kx_metrics_add(mt, "jxca_kiosk_transactions_total", KX_METRIC_COUNTER,
                            "Customer sessions by service and outcome", l, (double)c[i].count);
    }
    for (int i = 0; !rc && i < DEV_COUNT; i++) {
        const char *l[] = {"device", dev_names[i], NULL};
        rc =
            kx_metrics_add(mt, "jxca_kiosk_device_up", KX_METRIC_GAUGE,
                           "Device health from the last self-test (1 ok, 0 failed, -1 not run)",
                           l, (double)m->health[i]);
    }
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_ra_latency_seconds", KX_METRIC_GAUGE,
                            "Round trip of the last RA health check (-1 none)", NULL,
                            m->ra_latency_ms < 0 ? -1.0 : m->ra_latency_ms / 1000.0);
    int64_t open = 0;
    if (!rc)
        rc = kx_journal_count_open(e->journal, &open);
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_journal_open", KX_METRIC_GAUGE,
                            "Journal transactions without an outcome", NULL, (double)open);
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_uptime_seconds", KX_METRIC_GAUGE,
                            "Seconds since kioskd started", NULL,
                            (double)((kx_now_ms() - e->started_ms) / 1000));
    if (!rc)
        rc = kx_metrics_add(mt, "jxca_kiosk_staff_logged_in", KX_METRIC_GAUGE,
                            "1 while a staff member is logged in", NULL, m->active ? 1.0 : 0.0);
    if (!rc)
        rc = kx_metrics_write(mt, m->metrics_file);
    kx_metrics_free(mt);
    return rc;
}

void kx_maintenance_tick(kx_engine *e)
{
    struct kx_staff_mode *m = e->staff;
    if (!m)
        return;
    int64_t now = kx_now_ms();
    if (e->metrics_dirty) { /* a transaction ended */
        m->metrics_dirty = 1;
        e->metrics_dirty = 0;
    }
    if (m->metrics_file[0] && (m->metrics_dirty || now >= m->metrics_next_ms)) {
        kx_err rc = metrics_write(e);
        if (rc)
            kx_log_warn("metrics.write", "file=%s error=%s detail=\"%s\"", m->metrics_file,
                        kx_err_name(rc), kx_err_detail());
        m->metrics_dirty = 0;
        m->metrics_next_ms = now + (int64_t)m->metrics_interval_s * 1000;
    }
}
