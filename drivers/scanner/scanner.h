/* SPDX-License-Identifier: MIT */
/*
 * scanner.h - the scanner contract: one const table of operations per
 * back-end, registered by name and chosen in configuration, and the thin
 * wrappers (kx_scanner_open(), kx_scanner_scan(), kx_scanner_cancel(),
 * kx_scanner_close()) that the rest of the kiosk calls.
 *
 * The wrappers are the one place for argument checks, logging, timing and
 * fault injection; nothing outside drivers/scanner calls a table directly.
 * The built-in back-end "sane" (sane.c) talks to SANE; tests drive it with
 * SANE's pnm back-end.
 *
 * A scan delivers an 8-bit kx_image (1 channel for grey and line-art, 3 for
 * colour) with its resolution, streams completed lines to a progress
 * callback while it runs, and can be cancelled from another thread. Every
 * device failure maps to a KX_ERR_SCAN_* (or KX_ERR_BUSY / KX_ERR_CANCELLED)
 * code with the device's own words in kx_err_detail(); after a failure the
 * device is closed and reopened on the next scan, so one jam never wedges
 * the kiosk.
 */
#ifndef KX_DRIVERS_SCANNER_H
#define KX_DRIVERS_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "imaging/image.h"

/* Scan modes. The image is grey (1 channel) for GRAY and LINEART (0 or 255),
 * RGB for COLOR when the device can; a grey-only device gives grey. */
typedef enum kx_scan_mode {
    KX_SCAN_COLOR = 0,
    KX_SCAN_GRAY = 1,
    KX_SCAN_LINEART = 2,
} kx_scan_mode;

#define KX_SCAN_DEFAULT_RESOLUTION 300
#define KX_SCAN_MIN_RESOLUTION 50
#define KX_SCAN_MAX_RESOLUTION 1200
#define KX_SCAN_MAX_OPTIONS 16

/* What one scan should do. Zero-initialised means colour at 300 dpi. */
typedef struct kx_scan_params {
    int resolution; /* dpi, 0 = KX_SCAN_DEFAULT_RESOLUTION; the device's
                       nearest supported value is used (image->dpi says) */
    kx_scan_mode mode;
    /* Back-end options as "name=value" (SANE option names: "source=ADF",
     * "filename=/abs/page.ppm"), NULL-terminated; NULL for none. Options
     * stay set on the open device until it is reopened. */
    const char *const *options;
} kx_scan_params;

/* Progress of a running scan, passed to the progress callback. */
typedef struct kx_scan_progress {
    int lines_done;      /* lines finished so far (all passes) */
    int lines_total;     /* expected lines, -1 when the device cannot tell */
    int width;           /* pixels per line */
    int channels;        /* 1 or 3: layout of `rows` */
    const uint8_t *rows; /* the lines finished since the last call, 8-bit,
                            width*channels bytes each; NULL on three-pass
                            devices until the last pass. Valid during the
                            call only. */
    int first_row;       /* row index of rows[0] */
    int n_rows;
} kx_scan_progress;

/* Called on the scanning thread every few lines. Return 0 to go on,
 * non-zero to cancel the scan (kx_scanner_scan() then returns KX_ERR_CANCELLED). */
typedef int (*kx_scan_progress_fn)(void *user, const kx_scan_progress *progress);

/* Called once per device by kx_scanner_list(). Strings valid during the call. */
typedef void (*kx_scan_device_fn)(void *user, const char *name, const char *vendor,
                                  const char *model, const char *type);

/* Capabilities of a back-end (kx_scanner_ops.caps). */
enum {
    KX_SCANNER_CAP_COLOR = 1u << 0,
    KX_SCANNER_CAP_GRAY = 1u << 1,
    KX_SCANNER_CAP_LINEART = 1u << 2,
    KX_SCANNER_CAP_CANCEL = 1u << 3,  /* cancel() aborts a running scan */
    KX_SCANNER_CAP_LIST = 1u << 4,    /* list() enumerates devices */
    KX_SCANNER_CAP_OPTIONS = 1u << 5, /* honours kx_scan_params.options */
};

/*
 * A back-end. name, open, close and scan are mandatory; cancel and list
 * are optional and must match the capability bits. `state` is the
 * back-end's per-device object.
 *   open:   connect to `device` (NULL: the first device found).
 *   scan:   one capture into *out; call progress (may be NULL) as lines
 *           arrive and stop with KX_ERR_CANCELLED when it returns non-zero.
 *           On failure the back-end leaves itself able to scan again
 *           (reopening the device as needed).
 *   cancel: abort a scan running on another thread; async-safe.
 *   close:  release everything.
 */
typedef struct kx_scanner_ops {
    const char *name;
    unsigned caps;
    kx_err (*open)(const char *device, void **state);
    kx_err (*scan)(void *state, const kx_scan_params *params, kx_scan_progress_fn progress,
                   void *user, kx_image **out);
    void (*cancel)(void *state);
    void (*close)(void *state);
    kx_err (*list)(kx_scan_device_fn fn, void *user);
} kx_scanner_ops;

/* An open scanner (opaque). */
typedef struct kx_scanner kx_scanner;

/*
 * kx_scanner_register - add a back-end under ops->name. The table must outlive
 * the process (a static const). KX_ERR_INVALID_ARG when a mandatory slot is
 * missing or an optional slot disagrees with caps; KX_ERR_STATE when the
 * name is taken. Built-in back-ends ("sane") are registered on first use.
 * Thread-safe.
 */
kx_err kx_scanner_register(const kx_scanner_ops *ops);

/* kx_scanner_find_backend - the table registered as name, or NULL. Thread-safe. */
const kx_scanner_ops *kx_scanner_find_backend(const char *name);

/*
 * kx_scanner_list - report the devices a back-end can see. KX_ERR_NOT_FOUND for
 * an unknown back-end, KX_ERR_UNSUPPORTED without KX_SCANNER_CAP_LIST.
 */
kx_err kx_scanner_list(const char *backend, kx_scan_device_fn fn, void *user);

/*
 * kx_scanner_open - open `device` through back-end `backend` ("sane").
 * *out is released with kx_scanner_close(). KX_ERR_NOT_FOUND for an unknown
 * back-end, KX_ERR_SCAN_DEVICE when the device is missing or fails,
 * KX_ERR_BUSY, KX_ERR_PERMISSION.
 * A kx_scanner is used by one thread at a time, except kx_scanner_cancel().
 */
kx_err kx_scanner_open(const char *backend, const char *device, kx_scanner **out);

/*
 * kx_scanner_scan - capture one page. params NULL means the defaults. Checks
 * the parameters (resolution within 50..1200, mode), logs the start and the
 * outcome with its duration, and returns the image in *out (free with
 * kx_image_free()). Errors: KX_ERR_INVALID_ARG, KX_ERR_SCAN_JAMMED,
 * KX_ERR_SCAN_NO_DOCUMENT, KX_ERR_SCAN_COVER_OPEN, KX_ERR_SCAN_DEVICE (I/O,
 * vanished device, bad option), KX_ERR_BUSY, KX_ERR_CANCELLED,
 * KX_ERR_NO_MEMORY, KX_ERR_TOO_LARGE. After an error the next call works
 * again once the cause is cleared.
 */
kx_err kx_scanner_scan(kx_scanner *s, const kx_scan_params *params,
                       kx_scan_progress_fn progress, void *user, kx_image **out);

/*
 * kx_scanner_cancel - ask a running scan to stop. Safe from any thread (the
 * UI's "Cancel" button) and a no-op when nothing runs; the scan returns
 * KX_ERR_CANCELLED soon after.
 */
void kx_scanner_cancel(kx_scanner *s);

/* kx_scanner_close - release the device. NULL is fine. Not during a scan. */
void kx_scanner_close(kx_scanner *s);

/* kx_scanner_backend_name / kx_scanner_caps - of an open scanner. */
const char *kx_scanner_backend_name(const kx_scanner *s);
unsigned kx_scanner_caps(const kx_scanner *s);

/*
 * Fault injection (tests, the demo): core/fault.h, driver "scanner", calls
 * "open" and "scan", default KX_ERR_SCAN_JAMMED; e.g.
 * KX_FAULT_SCANNER=scan:KX_ERR_SCAN_COVER_OPEN for a process, or
 * kx_fault_arm("scanner", "scan", KX_ERR_SCAN_JAMMED, 1, 1) in a test.
 */

/*
 * kx_scanner_advice - what the user or staff should do after a scan error, as
 * an English msgid to translate with kx_tr() ("Open the scanner and remove
 * the jammed paper."). NULL for codes that need no advice (KX_OK,
 * KX_ERR_CANCELLED). Static string.
 */
const char *kx_scanner_advice(kx_err code);

/*
 * Configuration, section [scanner] (config/kiosk.conf.example):
 *   backend = sane, device = (first found), resolution = 300,
 *   mode = color|gray|lineart, options = name=value;name=value
 * kx_scanner_config holds the parsed values; strings point into cfg (or are
 * static defaults) and live as long as cfg.
 */
typedef struct kx_scanner_config {
    const char *backend;
    const char *device; /* NULL: first device */
    kx_scan_params params;
    char option_text[1024];                           /* storage for options */
    const char *option_list[KX_SCAN_MAX_OPTIONS + 1]; /* params.options points here */
} kx_scanner_config;

/* kx_scanner_config_read - parse [scanner] of cfg (NULL: all defaults) into
 * *out. KX_ERR_CONFIG with detail for bad values. */
kx_err kx_scanner_config_read(const kx_config *cfg, kx_scanner_config *out);

#endif
