/* SPDX-License-Identifier: MIT */
/*
 * printer.c - the printer registry and the wrappers around a back-end's
 * table: argument checks, the check before a job is queued, the bounded
 * wait for a job, cancelling what did not finish, logging, timing and the
 * fault-injection points. Never talks to a printer itself.
 *
 * Sections: registry - state names and mapping - fault injection - open
 * and close - status - print (check, submit, wait, cancel) - opening the
 * configured printer ([printer] is read by config.c).
 *
 * Fault injection (tests and the demo): kx_printer_inject_fault() per
 * printer, or KX_FAULT_PRINTER=<status|print>[:<state name>] for the whole
 * process, e.g. KX_FAULT_PRINTER=print:cover-open.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "drivers/printer/backends.h"

#define PRINTER_MAX_BACKENDS 8
#define PRINTER_MAX_FILE (32u * 1024u * 1024u)
#define PRINTER_POLL_MS 200

/* ---- registry ---------------------------------------------------------- */

static pthread_mutex_t printer_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const kx_printer_ops *printer_backends[PRINTER_MAX_BACKENDS];
static size_t printer_backend_count;
static int printer_builtins_done;

struct kx_printer {
    const kx_printer_ops *ops;
    void *state;
    char target[512]; /* queue@server or the URI, for logs */
    int request_ms;
    int wait_ms;
    kx_printer_state fault_state;
    int fault_after;
};

double printer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static kx_err printer_register_locked(const kx_printer_ops *ops)
{
    if (!ops || !ops->name || !ops->name[0] || !ops->open || !ops->status || !ops->submit ||
        !ops->job || !ops->cancel || !ops->close) {
        kx_err_set_detail("printer back-end table misses a mandatory slot");
        return KX_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < printer_backend_count; i++)
        if (strcmp(printer_backends[i]->name, ops->name) == 0) {
            kx_err_set_detail("printer back-end '%s' registered twice", ops->name);
            return KX_ERR_STATE;
        }
    if (printer_backend_count == PRINTER_MAX_BACKENDS)
        return KX_ERR_TOO_LARGE;
    printer_backends[printer_backend_count++] = ops;
    return KX_OK;
}

static void printer_register_builtins_locked(void)
{
    if (printer_builtins_done)
        return;
    printer_builtins_done = 1;
    if (printer_register_locked(&kx_printer_cups_ops) != KX_OK)
        kx_log_error("printer.register", "backend=cups detail=\"%s\"", kx_err_detail());
}

kx_err kx_printer_register(const kx_printer_ops *ops)
{
    pthread_mutex_lock(&printer_registry_lock);
    printer_register_builtins_locked();
    kx_err rc = printer_register_locked(ops);
    pthread_mutex_unlock(&printer_registry_lock);
    return rc;
}

static const kx_printer_ops *printer_find_backend(const char *name)
{
    const kx_printer_ops *found = NULL;
    pthread_mutex_lock(&printer_registry_lock);
    printer_register_builtins_locked();
    for (size_t i = 0; name && i < printer_backend_count; i++)
        if (strcmp(printer_backends[i]->name, name) == 0)
            found = printer_backends[i];
    pthread_mutex_unlock(&printer_registry_lock);
    return found;
}

/* ---- state names and mapping ------------------------------------------- */

static const char *const printer_state_names[] = {
    [KX_PRINTER_READY] = "ready",           [KX_PRINTER_PRINTING] = "printing",
    [KX_PRINTER_PAPER_OUT] = "paper-out",   [KX_PRINTER_PAPER_JAM] = "paper-jam",
    [KX_PRINTER_COVER_OPEN] = "cover-open", [KX_PRINTER_OFFLINE] = "offline",
    [KX_PRINTER_NOT_FOUND] = "not-found",   [KX_PRINTER_UNREACHABLE] = "unreachable",
    [KX_PRINTER_JOB_STUCK] = "job-stuck",   [KX_PRINTER_FAULT] = "fault",
    [KX_PRINTER_DISABLED] = "disabled",
};
#define PRINTER_STATE_COUNT (sizeof(printer_state_names) / sizeof(printer_state_names[0]))

const char *kx_printer_state_name(kx_printer_state state)
{
    if ((unsigned)state < PRINTER_STATE_COUNT)
        return printer_state_names[state];
    return "unknown";
}

kx_err kx_printer_state_from_name(const char *name, kx_printer_state *out)
{
    for (size_t i = 0; name && out && i < PRINTER_STATE_COUNT; i++)
        if (strcmp(name, printer_state_names[i]) == 0) {
            *out = (kx_printer_state)i;
            return KX_OK;
        }
    return KX_ERR_NOT_FOUND;
}

/* IPP keywords (RFC 8011 printer-state-reasons, PWG 5100.9) by what they
 * stop. A base keyword matches with or without its -error suffix. */
struct printer_reason {
    const char *keyword;
    kx_printer_state state;
};

static const struct printer_reason printer_error_reasons[] = {
    {"media-jam", KX_PRINTER_PAPER_JAM},       {"input-tray-missing", KX_PRINTER_PAPER_JAM},
    {"cover-open", KX_PRINTER_COVER_OPEN},     {"door-open", KX_PRINTER_COVER_OPEN},
    {"interlock-open", KX_PRINTER_COVER_OPEN}, {"media-empty", KX_PRINTER_PAPER_OUT},
    {"media-needed", KX_PRINTER_PAPER_OUT},    {"toner-empty", KX_PRINTER_FAULT},
    {"marker-supply-empty", KX_PRINTER_FAULT}, {"marker-waste-full", KX_PRINTER_FAULT},
    {"spool-area-full", KX_PRINTER_FAULT},     {"output-area-full", KX_PRINTER_FAULT},
    {"fuser-over-temp", KX_PRINTER_FAULT},     {"paused", KX_PRINTER_OFFLINE},
    {"shutdown", KX_PRINTER_OFFLINE},          {"offline", KX_PRINTER_OFFLINE},
    {"timed-out", KX_PRINTER_OFFLINE},
};

/* The more specific the cause, the more useful the advice: a jam beats an
 * open cover beats paper out beats another fault beats "offline". */
static int printer_state_rank(kx_printer_state s)
{
    switch (s) {
    case KX_PRINTER_PAPER_JAM:
        return 5;
    case KX_PRINTER_COVER_OPEN:
        return 4;
    case KX_PRINTER_PAPER_OUT:
        return 3;
    case KX_PRINTER_FAULT:
        return 2;
    case KX_PRINTER_OFFLINE:
        return 1;
    default:
        return 0;
    }
}

static int printer_has_suffix(const char *word, size_t len, const char *suffix, size_t *base)
{
    size_t n = strlen(suffix);
    if (len <= n || memcmp(word + len - n, suffix, n) != 0)
        return 0;
    *base = len - n;
    return 1;
}

/* One keyword of printer-state-reasons. */
static void printer_map_reason(const char *word, size_t len, kx_printer_state *worst,
                               unsigned *warnings)
{
    size_t base = len;
    enum { ERROR, WARNING, REPORT } level = ERROR;
    if (printer_has_suffix(word, len, "-error", &base))
        level = ERROR;
    else if (printer_has_suffix(word, len, "-warning", &base))
        level = WARNING;
    else if (printer_has_suffix(word, len, "-report", &base))
        level = REPORT;
    if (len == 4 && memcmp(word, "none", 4) == 0)
        return;
    /* CUPS backends say offline-report for a printer that does not answer */
    if (base == 7 && memcmp(word, "offline", 7) == 0)
        level = ERROR;
    if (level == REPORT)
        return;
    if (base > 4 && memcmp(word + base - 4, "-low", 4) == 0)
        level = WARNING;
    if (level == WARNING) {
        if (base == 9 && memcmp(word, "media-low", 9) == 0)
            *warnings |= KX_PRINTER_WARN_PAPER_LOW;
        else if ((base == 9 && memcmp(word, "toner-low", 9) == 0) ||
                 (base == 17 && memcmp(word, "marker-supply-low", 17) == 0))
            *warnings |= KX_PRINTER_WARN_TONER_LOW;
        else
            *warnings |= KX_PRINTER_WARN_OTHER;
        return;
    }
    kx_printer_state found = KX_PRINTER_READY;
    for (size_t i = 0; i < sizeof(printer_error_reasons) / sizeof(printer_error_reasons[0]);
         i++)
        if (strlen(printer_error_reasons[i].keyword) == base &&
            memcmp(printer_error_reasons[i].keyword, word, base) == 0)
            found = printer_error_reasons[i].state;
    if (found == KX_PRINTER_READY) {
        /* An unknown keyword stops the printer only when it says -error;
         * vendors and CUPS ("cups-waiting-for-job-completed") add others. */
        if (base != len && memcmp(word + base, "-error", 6) == 0)
            found = KX_PRINTER_FAULT;
        else {
            *warnings |= KX_PRINTER_WARN_OTHER;
            return;
        }
    }
    if (printer_state_rank(found) > printer_state_rank(*worst))
        *worst = found;
}

kx_printer_state kx_printer_map_state(int ipp_state, int accepting, const char *reasons,
                                      unsigned *warnings)
{
    unsigned warn = 0;
    kx_printer_state worst = KX_PRINTER_READY;
    const char *p = reasons ? reasons : "";
    while (*p) {
        p += strspn(p, ", \t");
        size_t n = strcspn(p, ", \t");
        if (n)
            printer_map_reason(p, n, &worst, &warn);
        p += n;
    }
    if (worst == KX_PRINTER_READY && (ipp_state == 5 || !accepting))
        worst = KX_PRINTER_OFFLINE;
    if (worst == KX_PRINTER_READY && ipp_state == 4)
        worst = KX_PRINTER_PRINTING;
    if (warnings)
        *warnings = warn;
    return worst;
}

const char *kx_printer_advice(kx_printer_state state)
{
    switch (state) {
    case KX_PRINTER_READY:
    case KX_PRINTER_PRINTING:
        return NULL;
    case KX_PRINTER_PAPER_OUT:
        return N_("The printer is out of paper. Staff: load a new roll or paper.");
    case KX_PRINTER_PAPER_JAM:
        return N_("The paper is jammed. Staff: open the printer and remove the paper.");
    case KX_PRINTER_COVER_OPEN:
        return N_("The printer cover is open. Staff: close it.");
    case KX_PRINTER_OFFLINE:
        return N_("The printer is offline. Staff: switch it on or resume its queue.");
    case KX_PRINTER_NOT_FOUND:
        return N_("The configured printer does not exist. Staff: check [printer] queue.");
    case KX_PRINTER_UNREACHABLE:
        return N_("The print service does not answer. Staff: check the printer connection.");
    case KX_PRINTER_JOB_STUCK:
        return N_("A print job did not finish. Staff: check the printer and its queue.");
    case KX_PRINTER_FAULT:
        return N_("The printer reports a fault. Staff: check its display.");
    case KX_PRINTER_DISABLED:
        return N_("Printing is switched off on this kiosk.");
    }
    return N_("The printer reports a fault. Staff: check its display.");
}

/* The return code of a print refused or ended because of `state`. */
static kx_err printer_rc_for_state(kx_printer_state state)
{
    switch (state) {
    case KX_PRINTER_READY:
    case KX_PRINTER_PRINTING:
        return KX_OK;
    case KX_PRINTER_NOT_FOUND:
        return KX_ERR_NOT_FOUND;
    case KX_PRINTER_UNREACHABLE:
        return KX_ERR_NETWORK;
    case KX_PRINTER_JOB_STUCK:
        return KX_ERR_TIMEOUT;
    case KX_PRINTER_DISABLED:
        return KX_ERR_UNSUPPORTED;
    default:
        return KX_ERR_STATE;
    }
}

/* ---- fault injection --------------------------------------------------- */

/* The state KX_FAULT_PRINTER asks of `call`; 0 (READY) when none. */
static kx_printer_state printer_fault_env(const char *call)
{
    const char *f = getenv("KX_FAULT_PRINTER");
    if (!f || !*f)
        return KX_PRINTER_READY;
    size_t n = strcspn(f, ":");
    if (strlen(call) != n || strncmp(f, call, n) != 0)
        return KX_PRINTER_READY;
    kx_printer_state st = KX_PRINTER_PAPER_OUT;
    if (f[n] == ':' && kx_printer_state_from_name(f + n + 1, &st) != KX_OK)
        st = KX_PRINTER_FAULT;
    return st == KX_PRINTER_PRINTING ? KX_PRINTER_READY : st;
}

void kx_printer_inject_fault(kx_printer *p, kx_printer_state state, int after)
{
    if (!p)
        return;
    p->fault_state = state;
    p->fault_after = after < 1 ? 1 : after;
}

/* ---- open and close ---------------------------------------------------- */

kx_err kx_printer_open(const char *backend, const kx_printer_target *target, kx_printer **out)
{
    if (!out || !target)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    int has_queue = target->queue && target->queue[0];
    int has_uri = target->uri && target->uri[0];
    if (has_queue == has_uri) {
        kx_err_set_detail("printer: give exactly one of a queue and a URI");
        return KX_ERR_INVALID_ARG;
    }
    if (has_uri && !printer_uri_ok(target->uri)) {
        kx_err_set_detail("printer URI must be ipp:// or ipps://");
        return KX_ERR_INVALID_ARG;
    }
    if (has_queue && !printer_queue_name_ok(target->queue)) {
        kx_err_set_detail("printer queue name '%s' has characters CUPS refuses", target->queue);
        return KX_ERR_INVALID_ARG;
    }
    const kx_printer_ops *ops = printer_find_backend(backend ? backend : "cups");
    if (!ops) {
        kx_err_set_detail("no printer back-end named '%s'", backend ? backend : "(null)");
        return KX_ERR_NOT_FOUND;
    }
    kx_printer *p = calloc(1, sizeof(*p));
    if (!p)
        return KX_ERR_NO_MEMORY;
    p->ops = ops;
    p->request_ms = target->request_timeout_ms > 0 ? target->request_timeout_ms
                                                   : PRINTER_DEFAULT_REQUEST_MS;
    p->wait_ms = PRINTER_DEFAULT_WAIT_MS;
    if (has_uri)
        kx_strlcpy(p->target, target->uri, sizeof(p->target));
    else
        snprintf(p->target, sizeof(p->target), "%s@%s", target->queue,
                 target->server && target->server[0] ? target->server : "default");
    kx_printer_target t = *target;
    t.request_timeout_ms = p->request_ms;
    kx_err rc = ops->open(&t, &p->state);
    if (rc) {
        kx_log_warn("printer.open", "backend=%s target=%s rc=%s detail=\"%s\"", ops->name,
                    p->target, kx_err_name(rc), kx_err_detail());
        free(p);
        return rc;
    }
    kx_log_info("printer.open", "backend=%s target=%s", ops->name, p->target);
    *out = p;
    return KX_OK;
}

void kx_printer_close(kx_printer *p)
{
    if (!p)
        return;
    p->ops->close(p->state);
    free(p);
}

/* ---- status ------------------------------------------------------------ */

static void printer_status_set(kx_printer_status *st, kx_printer_state state, const char *why)
{
    memset(st, 0, sizeof(*st));
    st->state = state;
    st->jobs_queued = -1;
    kx_strlcpy(st->message, why, sizeof(st->message));
}

/* status() without logging; faults from the environment applied. */
static kx_err printer_query_status(kx_printer *p, kx_printer_status *out)
{
    kx_printer_state injected = printer_fault_env("status");
    if (injected != KX_PRINTER_READY) {
        printer_status_set(out, injected, "injected fault");
        return KX_OK;
    }
    kx_err rc = p->ops->status(p->state, printer_now_ms() + p->request_ms, out);
    if (rc == KX_ERR_TIMEOUT) {
        printer_status_set(out, KX_PRINTER_UNREACHABLE, "no answer in time");
        rc = KX_OK;
    }
    return rc;
}

kx_err kx_printer_get_status(kx_printer *p, kx_printer_status *out)
{
    if (!p || !out)
        return KX_ERR_INVALID_ARG;
    double t0 = printer_now_ms();
    kx_err rc = printer_query_status(p, out);
    kx_log(rc || out->state > KX_PRINTER_PRINTING ? KX_LOG_WARN : KX_LOG_INFO, "printer.status",
           "backend=%s target=%s rc=%s state=%s reasons=\"%s\" ms=%.0f", p->ops->name,
           p->target, kx_err_name(rc), kx_printer_state_name(out->state), out->reasons,
           printer_now_ms() - t0);
    return rc;
}

/* ---- print ------------------------------------------------------------- */

static int printer_job_finished(int job_state)
{
    return job_state >= KX_PRINT_JOB_CANCELED;
}

/* Wait for job_id until it finishes, the printer reports a problem, or
 * wait_ms pass. Fills res->job_state and res->printer. */
static kx_err printer_wait_job(kx_printer *p, int job_id, int wait_ms, kx_print_result *res)
{
    double deadline = printer_now_ms() + wait_ms;
    kx_err rc = KX_OK;
    for (;;) {
        double now = printer_now_ms();
        double call_deadline = now + p->request_ms;
        int js = 0;
        rc = p->ops->job(p->state, job_id, call_deadline, &js);
        if (rc == KX_OK)
            res->job_state = js;
        if (rc == KX_ERR_NOT_FOUND) {
            /* the job is gone: with its queue (removed), or purged */
            printer_query_status(p, &res->printer);
            if (res->printer.state != KX_PRINTER_NOT_FOUND) {
                rc = KX_ERR_IO;
                kx_err_set_detail("job %d vanished from the queue", job_id);
            }
            break;
        }
        if (rc == KX_OK && printer_job_finished(js)) {
            printer_query_status(p, &res->printer);
            rc = js == KX_PRINT_JOB_COMPLETED ? KX_OK : KX_ERR_IO;
            if (rc)
                kx_err_set_detail("the printing system %s the job",
                                  js == KX_PRINT_JOB_CANCELED ? "cancelled" : "aborted");
            break;
        }
        printer_query_status(p, &res->printer);
        kx_printer_state s = res->printer.state;
        if (s != KX_PRINTER_READY && s != KX_PRINTER_PRINTING) {
            /* the printer says why the job cannot go on: stop waiting */
            rc = printer_rc_for_state(s);
            kx_err_set_detail("printer reports %s (%s)", kx_printer_state_name(s),
                              res->printer.reasons);
            break;
        }
        if (printer_now_ms() + PRINTER_POLL_MS > deadline) {
            res->printer.state = KX_PRINTER_JOB_STUCK;
            rc = KX_ERR_TIMEOUT;
            kx_err_set_detail("job %d not finished after %d ms (job state %d)", job_id, wait_ms,
                              res->job_state);
            break;
        }
        struct timespec ts = {0, PRINTER_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    return rc;
}

kx_err kx_printer_print(kx_printer *p, const void *pdf, size_t len, const kx_print_options *opt,
                        kx_print_result *out)
{
    kx_print_result res;
    memset(&res, 0, sizeof(res));
    kx_print_options o = {0};
    if (opt)
        o = *opt;
    if (!p || !pdf || (o.copies < 0 || o.copies > 9) || o.wait_ms < -1)
        return KX_ERR_INVALID_ARG;
    if (len < 5 || memcmp(pdf, "%PDF-", 5) != 0) {
        kx_err_set_detail("printer: the document is not a PDF");
        return KX_ERR_BAD_FORMAT;
    }
    if (len > PRINTER_MAX_FILE)
        return KX_ERR_TOO_LARGE;
    if (o.copies == 0)
        o.copies = 1;
    if (!o.title || !o.title[0])
        o.title = "jxca-kiosk";
    int wait_ms = o.wait_ms == 0 ? p->wait_ms : o.wait_ms;
    double t0 = printer_now_ms();
    kx_err rc = KX_OK;

    kx_printer_state injected = printer_fault_env("print");
    if (injected == KX_PRINTER_READY && p->fault_state != KX_PRINTER_READY &&
        --p->fault_after <= 0) {
        injected = p->fault_state;
        p->fault_state = KX_PRINTER_READY;
    }
    if (injected != KX_PRINTER_READY) {
        printer_status_set(&res.printer, injected, "injected fault");
        rc = printer_rc_for_state(injected);
        kx_err_set_detail("injected fault: %s", kx_printer_state_name(injected));
        kx_log_warn("printer.print", "backend=%s target=%s rc=%s state=%s injected=1",
                    p->ops->name, p->target, kx_err_name(rc), kx_printer_state_name(injected));
        goto out;
    }

    /* A printer that cannot print now gets no job: it would come out later,
     * in front of someone else. */
    rc = printer_query_status(p, &res.printer);
    if (rc == KX_OK) {
        rc = printer_rc_for_state(res.printer.state);
        if (rc)
            kx_err_set_detail("printer %s before the job (%s%s%s)",
                              kx_printer_state_name(res.printer.state), res.printer.reasons,
                              res.printer.message[0] ? "; " : "", res.printer.message);
    }
    if (rc)
        goto logged;
    /* The document itself takes time to send: one request bound per MiB. */
    double send_deadline = printer_now_ms() + p->request_ms * (1.0 + (double)(len >> 20));
    rc = p->ops->submit(p->state, pdf, len, &o, send_deadline, &res.job_id);
    if (rc) {
        if (rc == KX_ERR_NOT_FOUND)
            res.printer.state = KX_PRINTER_NOT_FOUND;
        else if (rc == KX_ERR_NETWORK || rc == KX_ERR_TIMEOUT)
            res.printer.state = KX_PRINTER_UNREACHABLE;
        goto logged;
    }
    res.job_state = KX_PRINT_JOB_PENDING;
    if (wait_ms > 0)
        rc = printer_wait_job(p, res.job_id, wait_ms, &res);
    if (rc && res.job_id && !o.keep_unfinished && !printer_job_finished(res.job_state)) {
        char detail[256];
        kx_strlcpy(detail, kx_err_detail(), sizeof(detail));
        if (p->ops->cancel(p->state, res.job_id, printer_now_ms() + p->request_ms) == KX_OK)
            res.cancelled = 1;
        kx_err_set_detail("%s", detail);
    }
logged:
    res.ms = printer_now_ms() - t0;
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "printer.print",
           "backend=%s target=%s job=%d rc=%s state=%s job_state=%d cancelled=%d bytes=%zu "
           "ms=%.0f%s%s%s",
           p->ops->name, p->target, res.job_id, kx_err_name(rc),
           kx_printer_state_name(res.printer.state), res.job_state, res.cancelled, len, res.ms,
           rc ? " detail=\"" : "", rc ? kx_err_detail() : "", rc ? "\"" : "");
out:
    res.ms = printer_now_ms() - t0;
    if (out)
        *out = res;
    return rc;
}

kx_err kx_printer_print_file(kx_printer *p, const char *path, const kx_print_options *opt,
                             kx_print_result *out)
{
    if (!p || !path)
        return KX_ERR_INVALID_ARG;
    kx_err rc = KX_OK;
    unsigned char *buf = NULL;
    size_t len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        kx_err_set_detail("cannot open %s", path);
        return KX_ERR_IO;
    }
    if (fseek(fp, 0, SEEK_END) != 0) {
        rc = KX_ERR_IO;
        goto out;
    }
    long size = ftell(fp);
    if (size < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        rc = KX_ERR_IO;
        goto out;
    }
    if ((unsigned long)size > PRINTER_MAX_FILE) {
        rc = KX_ERR_TOO_LARGE;
        goto out;
    }
    buf = malloc((size_t)size + 1);
    if (!buf) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    len = fread(buf, 1, (size_t)size, fp);
    if (len != (size_t)size) {
        kx_err_set_detail("short read on %s", path);
        rc = KX_ERR_IO;
        goto out;
    }
    rc = kx_printer_print(p, buf, len, opt, out);
out:
    fclose(fp);
    free(buf);
    return rc;
}

kx_err kx_printer_job(kx_printer *p, int job_id, kx_print_result *out)
{
    if (!p || job_id <= 0 || !out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    out->job_id = job_id;
    double t0 = printer_now_ms();
    kx_err rc = p->ops->job(p->state, job_id, t0 + p->request_ms, &out->job_state);
    if (rc == KX_OK && out->job_state >= KX_PRINT_JOB_CANCELED &&
        out->job_state != KX_PRINT_JOB_COMPLETED)
        rc = KX_ERR_IO;
    printer_query_status(p, &out->printer);
    out->ms = printer_now_ms() - t0;
    kx_log_info("printer.job", "backend=%s target=%s job=%d rc=%s job_state=%d state=%s",
                p->ops->name, p->target, job_id, kx_err_name(rc), out->job_state,
                kx_printer_state_name(out->printer.state));
    return rc;
}

kx_err kx_printer_cancel(kx_printer *p, int job_id)
{
    if (!p || job_id <= 0)
        return KX_ERR_INVALID_ARG;
    kx_err rc = p->ops->cancel(p->state, job_id, printer_now_ms() + p->request_ms);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "printer.cancel",
           "backend=%s target=%s job=%d rc=%s", p->ops->name, p->target, job_id,
           kx_err_name(rc));
    return rc;
}

kx_err kx_printer_selftest(kx_printer *p, const void *test_page, size_t len,
                           kx_print_result *out)
{
    if (!p)
        return KX_ERR_INVALID_ARG;
    kx_print_result res;
    memset(&res, 0, sizeof(res));
    kx_err rc;
    if (test_page) {
        kx_print_options o = {.title = "jxca-kiosk self-test"};
        rc = kx_printer_print(p, test_page, len, &o, &res);
    } else {
        double t0 = printer_now_ms();
        rc = kx_printer_get_status(p, &res.printer);
        if (rc == KX_OK)
            rc = printer_rc_for_state(res.printer.state);
        res.ms = printer_now_ms() - t0;
    }
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "printer.selftest",
           "backend=%s target=%s page=%d rc=%s state=%s", p->ops->name, p->target,
           test_page != NULL, kx_err_name(rc), kx_printer_state_name(res.printer.state));
    if (out)
        *out = res;
    return rc;
}

/* ---- configuration ----------------------------------------------------- */

kx_err kx_printer_open_config(const kx_printer_config *conf, kx_printer **out)
{
    if (!conf || !out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    if (!conf->enabled) {
        kx_err_set_detail("printing is disabled");
        return KX_ERR_UNSUPPORTED;
    }
    kx_err rc = kx_printer_open(conf->backend, &conf->target, out);
    if (rc == KX_OK && conf->timeout_ms > 0)
        (*out)->wait_ms = conf->timeout_ms;
    return rc;
}
