/* SPDX-License-Identifier: MIT */
/*
 * scanner.c - the scanner registry and the wrappers around a back-end's
 * table: argument checks, logging, timing, cancellation bookkeeping and the
 * fault-injection points. Never talks to a device itself.
 *
 * Fault injection (tests and the demo) is core/fault.h's: driver "scanner",
 * calls "open" and "scan", default error KX_ERR_SCAN_JAMMED, e.g.
 * KX_FAULT_SCANNER=scan:KX_ERR_SCAN_COVER_OPEN.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fault.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "drivers/scanner/backends.h"

#define SCANNER_MAX_BACKENDS 8

static pthread_mutex_t scanner_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const kx_scanner_ops *scanner_backends[SCANNER_MAX_BACKENDS];
static size_t scanner_backend_count;
static int scanner_builtins_done;

struct kx_scanner {
    const kx_scanner_ops *ops;
    void *state;
    char device[256];
    atomic_int cancel_requested;
    atomic_int scanning;
    /* the caller's progress callback, wrapped to honour kx_scanner_cancel() */
    kx_scan_progress_fn user_progress;
    void *user;
};

static kx_err scanner_register_locked(const kx_scanner_ops *ops)
{
    if (!ops || !ops->name || !ops->name[0] || !ops->open || !ops->scan || !ops->close) {
        kx_err_set_detail("scanner back-end table misses a mandatory slot");
        return KX_ERR_INVALID_ARG;
    }
    if (!!(ops->caps & KX_SCANNER_CAP_CANCEL) != !!ops->cancel ||
        !!(ops->caps & KX_SCANNER_CAP_LIST) != !!ops->list) {
        kx_err_set_detail("scanner back-end '%s': capabilities disagree with its table",
                          ops->name);
        return KX_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < scanner_backend_count; i++)
        if (strcmp(scanner_backends[i]->name, ops->name) == 0) {
            kx_err_set_detail("scanner back-end '%s' registered twice", ops->name);
            return KX_ERR_STATE;
        }
    if (scanner_backend_count == SCANNER_MAX_BACKENDS)
        return KX_ERR_TOO_LARGE;
    scanner_backends[scanner_backend_count++] = ops;
    return KX_OK;
}

static void scanner_register_builtins_locked(void)
{
    if (scanner_builtins_done)
        return;
    scanner_builtins_done = 1;
    if (scanner_register_locked(&kx_scanner_sane_ops) != KX_OK)
        kx_log_error("scanner.register", "backend=sane detail=\"%s\"", kx_err_detail());
}

kx_err kx_scanner_register(const kx_scanner_ops *ops)
{
    pthread_mutex_lock(&scanner_registry_lock);
    scanner_register_builtins_locked();
    kx_err rc = scanner_register_locked(ops);
    pthread_mutex_unlock(&scanner_registry_lock);
    return rc;
}

const kx_scanner_ops *kx_scanner_find_backend(const char *name)
{
    const kx_scanner_ops *found = NULL;
    if (!name)
        return NULL;
    pthread_mutex_lock(&scanner_registry_lock);
    scanner_register_builtins_locked();
    for (size_t i = 0; i < scanner_backend_count; i++)
        if (strcmp(scanner_backends[i]->name, name) == 0)
            found = scanner_backends[i];
    pthread_mutex_unlock(&scanner_registry_lock);
    return found;
}

static const kx_scanner_ops *scanner_backend_or_fail(const char *name)
{
    const kx_scanner_ops *ops = kx_scanner_find_backend(name);
    if (!ops)
        kx_err_set_detail("no scanner back-end named '%s'", name ? name : "(null)");
    return ops;
}

kx_err kx_scanner_list(const char *backend, kx_scan_device_fn fn, void *user)
{
    if (!fn)
        return KX_ERR_INVALID_ARG;
    const kx_scanner_ops *ops = scanner_backend_or_fail(backend);
    if (!ops)
        return KX_ERR_NOT_FOUND;
    if (!(ops->caps & KX_SCANNER_CAP_LIST))
        return KX_ERR_UNSUPPORTED;
    return ops->list(fn, user);
}

static double scanner_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

kx_err kx_scanner_open(const char *backend, const char *device, kx_scanner **out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    const kx_scanner_ops *ops = scanner_backend_or_fail(backend);
    if (!ops)
        return KX_ERR_NOT_FOUND;
    kx_err rc = kx_fault_check("scanner", "open", KX_ERR_SCAN_JAMMED);
    if (rc) {
        kx_log_warn("scanner.open", "backend=%s rc=%s injected=1", ops->name, kx_err_name(rc));
        return rc;
    }
    kx_scanner *s = calloc(1, sizeof(*s));
    if (!s)
        return KX_ERR_NO_MEMORY;
    s->ops = ops;
    kx_strlcpy(s->device, device ? device : "", sizeof(s->device));
    double t0 = scanner_now_ms();
    rc = ops->open(device, &s->state);
    if (rc) {
        kx_log_warn("scanner.open", "backend=%s device=%s rc=%s detail=\"%s\"", ops->name,
                    s->device[0] ? s->device : "(first)", kx_err_name(rc), kx_err_detail());
        free(s);
        return rc;
    }
    kx_log_info("scanner.open", "backend=%s device=%s ms=%.0f", ops->name,
                s->device[0] ? s->device : "(first)", scanner_now_ms() - t0);
    *out = s;
    return KX_OK;
}

/* Wraps the caller's callback: a pending kx_scanner_cancel() stops the scan at
 * the next batch of lines even on back-ends without an async cancel. */
static int scanner_progress_relay(void *user, const kx_scan_progress *p)
{
    kx_scanner *s = user;
    if (atomic_load(&s->cancel_requested))
        return 1;
    return s->user_progress ? s->user_progress(s->user, p) : 0;
}

static const char *scanner_mode_name(kx_scan_mode mode)
{
    switch (mode) {
    case KX_SCAN_COLOR:
        return "color";
    case KX_SCAN_GRAY:
        return "gray";
    case KX_SCAN_LINEART:
        return "lineart";
    }
    return "?";
}

kx_err kx_scanner_scan(kx_scanner *s, const kx_scan_params *params,
                       kx_scan_progress_fn progress, void *user, kx_image **out)
{
    if (!s || !out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    kx_scan_params p = {0};
    if (params)
        p = *params;
    if (p.resolution == 0)
        p.resolution = KX_SCAN_DEFAULT_RESOLUTION;
    if (p.resolution < KX_SCAN_MIN_RESOLUTION || p.resolution > KX_SCAN_MAX_RESOLUTION) {
        kx_err_set_detail("resolution %d dpi outside %d..%d", p.resolution,
                          KX_SCAN_MIN_RESOLUTION, KX_SCAN_MAX_RESOLUTION);
        return KX_ERR_INVALID_ARG;
    }
    if (p.mode != KX_SCAN_COLOR && p.mode != KX_SCAN_GRAY && p.mode != KX_SCAN_LINEART) {
        kx_err_set_detail("unknown scan mode %d", (int)p.mode);
        return KX_ERR_INVALID_ARG;
    }
    if (p.options && !(s->ops->caps & KX_SCANNER_CAP_OPTIONS)) {
        kx_err_set_detail("back-end '%s' takes no options", s->ops->name);
        return KX_ERR_UNSUPPORTED;
    }
    const char *dev = s->device[0] ? s->device : "(first)";
    kx_err code = kx_fault_check("scanner", "scan", KX_ERR_SCAN_JAMMED);
    if (code) {
        kx_log_warn("scanner.scan", "backend=%s device=%s rc=%s injected=1", s->ops->name, dev,
                    kx_err_name(code));
        return code;
    }

    atomic_store(&s->cancel_requested, 0);
    atomic_store(&s->scanning, 1);
    s->user_progress = progress;
    s->user = user;
    kx_log_info("scanner.scan.start", "backend=%s device=%s dpi=%d mode=%s", s->ops->name, dev,
                p.resolution, scanner_mode_name(p.mode));
    double t0 = scanner_now_ms();
    kx_err rc = s->ops->scan(s->state, &p, scanner_progress_relay, s, out);
    double ms = scanner_now_ms() - t0;
    atomic_store(&s->scanning, 0);
    if (rc == KX_OK && atomic_load(&s->cancel_requested)) {
        /* Cancelled after the last line: the caller asked not to get it. */
        kx_image_free(*out);
        *out = NULL;
        rc = KX_ERR_CANCELLED;
    }
    if (rc) {
        kx_log(rc == KX_ERR_CANCELLED ? KX_LOG_INFO : KX_LOG_WARN, "scanner.scan",
               "backend=%s device=%s rc=%s ms=%.0f detail=\"%s\"", s->ops->name, dev,
               kx_err_name(rc), ms, kx_err_detail());
        return rc;
    }
    kx_log_info("scanner.scan",
                "backend=%s device=%s rc=KX_OK ms=%.0f size=%dx%d channels=%d "
                "dpi=%.0f",
                s->ops->name, dev, ms, (*out)->width, (*out)->height, (*out)->channels,
                (*out)->dpi);
    return KX_OK;
}

void kx_scanner_cancel(kx_scanner *s)
{
    if (!s)
        return;
    atomic_store(&s->cancel_requested, 1);
    if (atomic_load(&s->scanning) && s->ops->cancel)
        s->ops->cancel(s->state);
}

void kx_scanner_close(kx_scanner *s)
{
    if (!s)
        return;
    s->ops->close(s->state);
    kx_log_info("scanner.close", "backend=%s", s->ops->name);
    free(s);
}

const char *kx_scanner_backend_name(const kx_scanner *s)
{
    return s ? s->ops->name : NULL;
}

unsigned kx_scanner_caps(const kx_scanner *s)
{
    return s ? s->ops->caps : 0;
}

const char *kx_scanner_advice(kx_err code)
{
    switch (code) {
    case KX_OK:
    case KX_ERR_CANCELLED:
        return NULL;
    case KX_ERR_SCAN_JAMMED:
        return N_("Open the scanner, remove the jammed paper and try again.");
    case KX_ERR_SCAN_NO_DOCUMENT:
        return N_("Place the document face down on the glass and try again.");
    case KX_ERR_SCAN_COVER_OPEN:
        return N_("Close the scanner cover and try again.");
    case KX_ERR_BUSY:
        return N_("The scanner is busy. Please wait a moment and try again.");
    default:
        return N_("The scanner is not working. Please ask the staff for help.");
    }
}

kx_err kx_scanner_config_read(const kx_config *cfg, kx_scanner_config *out)
{
    static const char *const modes[] = {"color", "gray", "lineart", NULL};
    if (!out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    out->backend = "sane";
    out->params.resolution = KX_SCAN_DEFAULT_RESOLUTION;
    if (!cfg)
        return KX_OK;
    out->backend = kx_config_get_str(cfg, "scanner", "backend", "sane");
    const char *dev = kx_config_get_str(cfg, "scanner", "device", NULL);
    out->device = dev && dev[0] ? dev : NULL;
    long res;
    kx_err rc = kx_config_get_int(cfg, "scanner", "resolution", KX_SCAN_DEFAULT_RESOLUTION,
                                  KX_SCAN_MIN_RESOLUTION, KX_SCAN_MAX_RESOLUTION, &res);
    if (rc)
        return rc;
    out->params.resolution = (int)res;
    int mode;
    rc = kx_config_get_enum(cfg, "scanner", "mode", modes, 0, &mode);
    if (rc)
        return rc;
    out->params.mode = (kx_scan_mode)mode;
    const char *opts = kx_config_get_str(cfg, "scanner", "options", "");
    if (kx_strlcpy(out->option_text, opts, sizeof(out->option_text)) >=
        sizeof(out->option_text)) {
        kx_err_set_detail("%s: [scanner] options is too long", kx_config_name(cfg));
        return KX_ERR_CONFIG;
    }
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(out->option_text, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (!strchr(tok, '=') || n == KX_SCAN_MAX_OPTIONS) {
            kx_err_set_detail("%s:%d: [scanner] options: '%s' is not name=value (at most %d)",
                              kx_config_name(cfg), kx_config_line(cfg, "scanner", "options"),
                              tok, KX_SCAN_MAX_OPTIONS);
            return KX_ERR_CONFIG;
        }
        out->option_list[n++] = tok;
    }
    out->params.options = n ? out->option_list : NULL;
    return KX_OK;
}
