/* SPDX-License-Identifier: MIT */
/*
 * printer.h - the printer contract: one const table of operations per
 * back-end, registered by name and chosen in configuration, and the thin
 * kx_printer_* wrappers that the rest of the kiosk calls.
 *
 * The wrappers are the one place for argument checks, logging, timing and
 * fault injection; nothing outside drivers/printer calls a table directly.
 * The built-in back-end "cups" (cups.c) speaks IPP through libcups, either
 * to a named queue of the hall's cupsd or straight to a printer's IPP URI.
 * Documents are PDF (kiosk/docs renders them).
 *
 * Never blocks for long: every call is bounded in time (the IPP requests by
 * [printer] request_timeout_s, waiting for a job by timeout_s), a printer
 * in trouble is refused before a job is queued, and a job that does not
 * finish in time is cancelled unless the caller keeps it, so a receipt never
 * comes out later in front of the next customer. A failed print never
 * undoes anything: the caller shows the slip as a QR code or offers a
 * reprint.
 *
 * What went wrong is told by kx_printer_state (paper out, cover open,
 * offline, stuck job...), mapped from IPP printer-state,
 * printer-is-accepting-jobs and printer-state-reasons; the raw reasons are
 * kept beside it for staff and logs.
 *
 * Thread rules: a kx_printer is used by one thread at a time (the engine's
 * job thread); different handles may be used at once.
 */
#ifndef KX_DRIVERS_PRINTER_H
#define KX_DRIVERS_PRINTER_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

/* The printer's condition as the kiosk acts on it. Stable numbers (logs,
 * protocol); append only. kx_printer_state_name() gives the identifier. */
typedef enum kx_printer_state {
    KX_PRINTER_READY = 0,       /* idle, or printing with nothing wrong */
    KX_PRINTER_PRINTING = 1,    /* busy with a job, nothing wrong */
    KX_PRINTER_PAPER_OUT = 2,   /* media-empty, media-needed */
    KX_PRINTER_PAPER_JAM = 3,   /* media-jam */
    KX_PRINTER_COVER_OPEN = 4,  /* cover-open, door-open, interlock-open */
    KX_PRINTER_OFFLINE = 5,     /* queue stopped or refusing jobs, printer off */
    KX_PRINTER_NOT_FOUND = 6,   /* no such queue or printer URI */
    KX_PRINTER_UNREACHABLE = 7, /* the print server or printer does not answer */
    KX_PRINTER_JOB_STUCK = 8,   /* a job did not finish in time, no cause given */
    KX_PRINTER_FAULT = 9,       /* another error the printer reports (toner out...) */
    KX_PRINTER_DISABLED = 10,   /* [printer] enabled = false or no queue configured */
} kx_printer_state;

/* Warnings that do not stop printing (kx_printer_status.warnings). */
enum {
    KX_PRINTER_WARN_PAPER_LOW = 1u << 0, /* media-low */
    KX_PRINTER_WARN_TONER_LOW = 1u << 1, /* toner-low, marker-supply-low */
    KX_PRINTER_WARN_OTHER = 1u << 2,     /* any other *-warning reason */
};

/* What the printer says about itself. */
typedef struct kx_printer_status {
    kx_printer_state state;
    unsigned warnings; /* KX_PRINTER_WARN_* */
    int ipp_state;     /* printer-state: 3 idle, 4 processing, 5 stopped; 0 unknown */
    int accepting;     /* printer-is-accepting-jobs */
    int jobs_queued;   /* jobs not yet finished on the queue (-1 unknown) */
    char reasons[512]; /* printer-state-reasons, comma-separated, as given */
    char message[256]; /* printer-state-message, as given (for staff only) */
    char model[128];   /* printer-make-and-model, "" if not given */
} kx_printer_status;

/* IPP job states (RFC 8011 5.3.7). */
enum {
    KX_PRINT_JOB_PENDING = 3,
    KX_PRINT_JOB_HELD = 4,
    KX_PRINT_JOB_PROCESSING = 5,
    KX_PRINT_JOB_STOPPED = 6,
    KX_PRINT_JOB_CANCELED = 7,
    KX_PRINT_JOB_ABORTED = 8,
    KX_PRINT_JOB_COMPLETED = 9,
};

/* The outcome of one print or job query. */
typedef struct kx_print_result {
    int job_id;                /* 0 when no job was created */
    int job_state;             /* KX_PRINT_JOB_*, 0 unknown */
    int cancelled;             /* the wrapper cancelled an unfinished job */
    double ms;                 /* time spent in the call */
    kx_printer_status printer; /* the printer's condition at the end */
} kx_print_result;

/* Per-print options. Zero-initialised means one copy, the configured
 * wait, and an unfinished job cancelled. */
typedef struct kx_print_options {
    const char *title;   /* job name shown in the queue: never personal data;
                            NULL: "jxca-kiosk" */
    int copies;          /* 0 = 1; at most 9 */
    int wait_ms;         /* 0: [printer] timeout_s; -1: submit and return at
                            once (job_state PENDING or later); else the bound */
    int keep_unfinished; /* 1: leave a job that did not finish queued */
    const char *media;   /* IPP media keyword ("iso_a4_210x297mm"); NULL:
                            the printer's default */
} kx_print_options;

/* Where to print. Exactly one of queue or uri. */
typedef struct kx_printer_target {
    const char *queue;      /* queue name on `server` ("receipt") */
    const char *server;     /* cupsd: "host[:port]" or a socket path; NULL: the
                               CUPS default (CUPS_SERVER, client.conf) */
    const char *uri;        /* ipp:// or ipps:// printer URI, no cupsd */
    int request_timeout_ms; /* bound on one IPP request; 0: 5000 */
} kx_printer_target;

/*
 * A back-end. Every slot is mandatory (checked at registration).
 *   open:   remember the target; may connect lazily. Must not block
 *           longer than target->request_timeout_ms.
 *   status: the printer's condition (Get-Printer-Attributes). A missing
 *           queue or an unreachable server is a status (NOT_FOUND,
 *           UNREACHABLE) with KX_OK, not an error.
 *   submit: send one PDF document as a new job; *job_id on success.
 *   job:    the job's state (Get-Job-Attributes).
 *   cancel: cancel the job (Cancel-Job); finished jobs are fine.
 *   close:  release everything.
 * Each call ends by `deadline_ms` (CLOCK_MONOTONIC milliseconds) at the
 * latest, returning KX_ERR_TIMEOUT.
 */
typedef struct kx_printer_ops {
    const char *name;
    kx_err (*open)(const kx_printer_target *target, void **state);
    kx_err (*status)(void *state, double deadline_ms, kx_printer_status *out);
    kx_err (*submit)(void *state, const void *pdf, size_t len, const kx_print_options *opt,
                     double deadline_ms, int *job_id);
    kx_err (*job)(void *state, int job_id, double deadline_ms, int *job_state);
    kx_err (*cancel)(void *state, int job_id, double deadline_ms);
    void (*close)(void *state);
} kx_printer_ops;

typedef struct kx_printer kx_printer; /* an open printer (opaque) */

/*
 * kx_printer_register - add a back-end under ops->name (a static const
 * that outlives the process). KX_ERR_INVALID_ARG when a slot is missing,
 * KX_ERR_STATE when the name is taken. "cups" is built in. Thread-safe.
 */
kx_err kx_printer_register(const kx_printer_ops *ops);

/*
 * kx_printer_open - open `target` through `backend` ("cups"). Copies what
 * it needs from target. Free with kx_printer_close(). KX_ERR_NOT_FOUND for
 * an unknown back-end, KX_ERR_INVALID_ARG unless exactly one of queue and
 * uri is set (or the URI is not ipp/ipps).
 */
kx_err kx_printer_open(const char *backend, const kx_printer_target *target, kx_printer **out);

/*
 * Configuration, section [printer] (config/kiosk.conf.example):
 *   enabled = true|false (default: true when queue or uri is set)
 *   backend = cups; queue = NAME; server = host[:port] | /path/cups.sock;
 *   uri = ipp://... | ipps://...; paper = roll80 | a4 (default roll80);
 *   timeout_s = 1..300 (wait for a job, default 20);
 *   request_timeout_s = 1..60 (one IPP request, default 5)
 */
typedef enum kx_paper {
    KX_PAPER_ROLL80 = 0, /* 80 mm thermal roll, 72 mm printable */
    KX_PAPER_A4 = 1,
} kx_paper;

typedef struct kx_printer_config {
    int enabled;
    const char *backend;
    kx_printer_target target; /* strings point into cfg */
    kx_paper paper;
    int timeout_ms;
} kx_printer_config;

/* kx_printer_config_read - parse [printer] of cfg (NULL: disabled) into
 * *out. KX_ERR_CONFIG with file, line and key in the detail for bad
 * values (both queue and uri, a URI that is not ipp/ipps, ranges). */
kx_err kx_printer_config_read(const kx_config *cfg, kx_printer_config *out);

/*
 * kx_printer_open_config - open the configured printer. KX_ERR_UNSUPPORTED
 * (detail "printing is disabled") when [printer] is disabled: the caller
 * then offers the slip on screen. The handle keeps the configured wait.
 */
kx_err kx_printer_open_config(const kx_printer_config *conf, kx_printer **out);

/* kx_printer_close - release the printer; NULL is fine. */
void kx_printer_close(kx_printer *p);

/*
 * kx_printer_get_status - the printer's condition, bounded by the request
 * timeout. KX_OK whenever a condition could be established, including
 * NOT_FOUND and UNREACHABLE; the state is in *out.
 */
kx_err kx_printer_get_status(kx_printer *p, kx_printer_status *out);

/*
 * kx_printer_print - print one PDF document held in memory (pdf, len; the
 * caller keeps ownership; it is not needed after the call). Checks the
 * printer first and refuses to queue a job on a printer that cannot print
 * now. Then waits for the job to finish, at most opt->wait_ms (or the
 * configured timeout), returning early when the printer reports a
 * problem; an unfinished job is cancelled unless opt->keep_unfinished.
 * *out (may be NULL) gets the job and the printer's condition.
 * Returns:
 *   KX_OK               the job completed (or was queued, with wait_ms -1)
 *   KX_ERR_STATE        the printer cannot print now (state says why:
 *                       PAPER_OUT, PAPER_JAM, COVER_OPEN, OFFLINE, FAULT)
 *   KX_ERR_NOT_FOUND    no such queue or printer
 *   KX_ERR_NETWORK      the print server or printer does not answer
 *   KX_ERR_TIMEOUT      the job did not finish in time (state: the cause,
 *                       or JOB_STUCK when the printer names none); or the
 *                       server stopped answering while the document was
 *                       sent (state UNREACHABLE: a job may exist)
 *   KX_ERR_IO           the printing system aborted or cancelled the job
 *   KX_ERR_INVALID_ARG, KX_ERR_BAD_FORMAT (not a PDF), KX_ERR_TOO_LARGE
 */
kx_err kx_printer_print(kx_printer *p, const void *pdf, size_t len, const kx_print_options *opt,
                        kx_print_result *out);

/* kx_printer_print_file - the same for a PDF file (read whole, at most
 * 32 MiB). KX_ERR_IO when it cannot be read. */
kx_err kx_printer_print_file(kx_printer *p, const char *path, const kx_print_options *opt,
                             kx_print_result *out);

/*
 * kx_printer_job - the state of a job printed earlier (a print with
 * wait_ms -1, or a reprint to follow). Same return codes as the query part
 * of kx_printer_print; KX_ERR_NOT_FOUND for an unknown job.
 */
kx_err kx_printer_job(kx_printer *p, int job_id, kx_print_result *out);

/* kx_printer_cancel - cancel a job; a job already finished is KX_OK. */
kx_err kx_printer_cancel(kx_printer *p, int job_id);

/*
 * kx_printer_selftest - the maintenance self-test: the printer's condition,
 * then (when test_page is not NULL) print it and wait for it to finish.
 * test_page is a PDF (kx_docs_render_test_page() makes one). Returns as
 * kx_printer_print; *out (may be NULL) gets the condition and the job.
 */
kx_err kx_printer_selftest(kx_printer *p, const void *test_page, size_t len,
                           kx_print_result *out);

/*
 * kx_printer_map_state - the kiosk state for an IPP printer-state (3..5,
 * 0 unknown), printer-is-accepting-jobs, and printer-state-reasons
 * (comma-separated keywords, "none" or "" for none). *warnings gets the
 * KX_PRINTER_WARN_* bits (may be NULL). Pure; used by back-ends and tests.
 * Keywords ending in -report are ignored and -warning ones are warnings,
 * except offline-report, which CUPS backends use for a printer that does
 * not answer.
 */
kx_printer_state kx_printer_map_state(int ipp_state, int accepting, const char *reasons,
                                      unsigned *warnings);

/* kx_printer_state_name - stable identifier ("paper-out"). Static string. */
const char *kx_printer_state_name(kx_printer_state state);

/* kx_printer_state_from_name - the state named name; KX_ERR_NOT_FOUND. */
kx_err kx_printer_state_from_name(const char *name, kx_printer_state *out);

/*
 * kx_printer_advice - what staff or the customer should do, as an English
 * msgid to translate with kx_tr() ("The printer is out of paper..."). NULL
 * for READY and PRINTING. Static string.
 */
const char *kx_printer_advice(kx_printer_state state);

/*
 * kx_printer_inject_fault - test hook: the `after`-th next print on p (1 =
 * the very next) fails as if the printer reported `state` (KX_PRINTER_READY
 * clears it). For a whole process (the demo, end-to-end tests) set
 * KX_FAULT_PRINTER=<status|print>[:<state name>] instead (default
 * paper-out): every such call then reports that state without touching
 * the printer.
 */
void kx_printer_inject_fault(kx_printer *p, kx_printer_state state, int after);

#endif
