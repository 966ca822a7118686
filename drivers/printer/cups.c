/* SPDX-License-Identifier: MIT */
/*
 * cups.c - the "cups" printer back-end: IPP through libcups, to a named
 * queue of a cupsd (the hall's print server, or a private one in tests) or
 * straight to a printer's ipp:// / ipps:// URI.
 *
 * Every call opens its own connection with a connect timeout and a read
 * timeout whose callback gives up at the caller's deadline, so a print
 * server that stops answering costs at most the deadline, and a restarted
 * cupsd or a removed queue never leaves a stale connection behind.
 * Never decides what a printer condition means: it reports printer-state,
 * printer-is-accepting-jobs and printer-state-reasons, and
 * kx_printer_map_state() maps them.
 */
#include <cups/cups.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "drivers/printer/backends.h"

struct cups_state {
    char host[256]; /* host name, address or socket path */
    int port;
    http_encryption_t encryption;
    char resource[512];    /* "/printers/NAME" or the URI's path */
    char printer_uri[768]; /* printer-uri of every request */
};

/* The read timeout callback: keep waiting until the deadline. */
static int cups_still_time(http_t *http, void *user)
{
    (void)http;
    const double *deadline = user;
    return printer_now_ms() < *deadline;
}

/* A connection bounded by *deadline (kept alive by the caller's frame). */
static http_t *cups_connect(const struct cups_state *st, double *deadline)
{
    double left = *deadline - printer_now_ms();
    if (left < 1)
        return NULL;
    http_t *http =
        httpConnect2(st->host, st->port, NULL, AF_UNSPEC, st->encryption, 1, (int)left, NULL);
    if (!http) {
        kx_err_set_detail("cannot connect to %s:%d", st->host, st->port);
        return NULL;
    }
    /* wake every 200 ms to check the deadline */
    httpSetTimeout(http, 0.2, cups_still_time, deadline);
    return http;
}

static kx_err cups_open(const kx_printer_target *target, void **state)
{
    struct cups_state *st = calloc(1, sizeof(*st));
    if (!st)
        return KX_ERR_NO_MEMORY;
    kx_err rc = KX_OK;
    if (target->uri) {
        char scheme[32], user[128];
        http_uri_status_t us = httpSeparateURI(
            HTTP_URI_CODING_ALL, target->uri, scheme, sizeof(scheme), user, sizeof(user),
            st->host, sizeof(st->host), &st->port, st->resource, sizeof(st->resource));
        if (us < HTTP_URI_STATUS_OK || !st->host[0]) {
            kx_err_set_detail("printer URI is not valid: %s", httpURIStatusString(us));
            rc = KX_ERR_INVALID_ARG;
            goto out;
        }
        st->encryption =
            strcmp(scheme, "ipps") == 0 ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED;
        kx_strlcpy(st->printer_uri, target->uri, sizeof(st->printer_uri));
    } else {
        const char *server = target->server ? target->server : cupsServer();
        st->port = ippPort();
        if (server[0] == '/') {
            kx_strlcpy(st->host, server, sizeof(st->host));
        } else {
            kx_strlcpy(st->host, server, sizeof(st->host));
            /* "host:port"; an IPv6 address comes as "[addr]:port" */
            char *colon = strrchr(st->host, ':');
            char *bracket = strrchr(st->host, ']');
            if (colon && (!bracket || colon > bracket)) {
                long port;
                if (kx_parse_long(colon + 1, 1, 65535, &port) != KX_OK) {
                    kx_err_set_detail("print server '%s': bad port", server);
                    rc = KX_ERR_INVALID_ARG;
                    goto out;
                }
                st->port = (int)port;
                *colon = '\0';
            }
        }
        st->encryption = cupsEncryption();
        snprintf(st->resource, sizeof(st->resource), "/printers/%s", target->queue);
        httpAssembleURIf(HTTP_URI_CODING_ALL, st->printer_uri, sizeof(st->printer_uri), "ipp",
                         NULL, "localhost", st->port, "/printers/%s", target->queue);
    }
out:
    if (rc)
        free(st);
    else
        *state = st;
    return rc;
}

static void cups_close(void *state)
{
    free(state);
}

static ipp_t *cups_request(const struct cups_state *st, ipp_op_t op)
{
    ipp_t *req = ippNewRequest(op);
    if (!req)
        return NULL;
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, st->printer_uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
                 cupsUser());
    return req;
}

/* KX_OK when the reply's status is a success; otherwise the code for it. */
static kx_err cups_reply_rc(ipp_t *resp, double deadline, const char *what)
{
    ipp_status_t status = resp ? ippGetStatusCode(resp) : cupsLastError();
    if (resp && status <= IPP_STATUS_OK_EVENTS_COMPLETE)
        return KX_OK;
    if (!resp && printer_now_ms() >= deadline) {
        kx_err_set_detail("%s: no answer before the deadline", what);
        return KX_ERR_TIMEOUT;
    }
    kx_err_set_detail("%s: %s (%s)", what, ippErrorString(status), cupsLastErrorString());
    switch (status) {
    case IPP_STATUS_ERROR_NOT_FOUND:
        return KX_ERR_NOT_FOUND;
    case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
    case IPP_STATUS_ERROR_NOT_POSSIBLE:
        return KX_ERR_STATE;
    case IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED:
        return KX_ERR_UNSUPPORTED;
    case IPP_STATUS_ERROR_REQUEST_ENTITY:
        return KX_ERR_TOO_LARGE;
    case IPP_STATUS_ERROR_FORBIDDEN:
    case IPP_STATUS_ERROR_NOT_AUTHORIZED:
    case IPP_STATUS_ERROR_NOT_AUTHENTICATED:
        return KX_ERR_PERMISSION;
    case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE:
    case IPP_STATUS_ERROR_BUSY:
        return KX_ERR_BUSY;
    default:
        break;
    }
    if (printer_now_ms() >= deadline)
        return KX_ERR_TIMEOUT;
    /* no IPP answer at all: transport failure */
    return resp ? KX_ERR_IO : KX_ERR_NETWORK;
}

static void cups_join_keywords(ipp_attribute_t *attr, char *out, size_t outsz)
{
    out[0] = '\0';
    for (int i = 0; attr && i < ippGetCount(attr); i++) {
        const char *s = ippGetString(attr, i, NULL);
        if (!s)
            continue;
        if (out[0])
            kx_strlcat(out, ",", outsz);
        kx_strlcat(out, s, outsz);
    }
}

/*
 * One IPP request without a document: connect, ask (job_id > 0 adds
 * job-id; attrs, when n > 0, requested-attributes), map the reply's
 * status. *resp (may be NULL) gets the reply on success; free it with
 * ippDelete(). KX_ERR_NETWORK when nothing answers.
 */
static kx_err cups_call(const struct cups_state *st, ipp_op_t op, int job_id,
                        const char *const *attrs, int n, double deadline, const char *what,
                        ipp_t **resp)
{
    if (resp)
        *resp = NULL;
    http_t *http = cups_connect(st, &deadline);
    if (!http)
        return KX_ERR_NETWORK;
    kx_err rc = KX_ERR_NO_MEMORY;
    ipp_t *reply = NULL;
    ipp_t *req = cups_request(st, op);
    if (req) {
        if (job_id > 0)
            ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
        if (n > 0)
            ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", n,
                          NULL, attrs);
        reply = cupsDoRequest(http, req, st->resource);
        rc = cups_reply_rc(reply, deadline, what);
    }
    if (rc == KX_OK && resp)
        *resp = reply;
    else
        ippDelete(reply);
    httpClose(http);
    return rc;
}

static kx_err cups_status(void *state, double deadline, kx_printer_status *out)
{
    static const char *const attrs[] = {
        "printer-state",    "printer-state-reasons", "printer-is-accepting-jobs",
        "queued-job-count", "printer-state-message", "printer-make-and-model",
    };
    const struct cups_state *st = state;
    memset(out, 0, sizeof(*out));
    out->jobs_queued = -1;
    ipp_t *resp = NULL;
    kx_err rc = cups_call(st, IPP_OP_GET_PRINTER_ATTRIBUTES, 0, attrs,
                          (int)(sizeof(attrs) / sizeof(attrs[0])), deadline,
                          "Get-Printer-Attributes", &resp);
    if (rc == KX_ERR_NO_MEMORY)
        return rc;
    /* a missing queue or a silent server is a condition, not a failure */
    if (rc == KX_ERR_NOT_FOUND) {
        out->state = KX_PRINTER_NOT_FOUND;
        return KX_OK;
    }
    if (rc) {
        out->state = KX_PRINTER_UNREACHABLE;
        kx_strlcpy(out->message, kx_err_detail(), sizeof(out->message));
        return KX_OK;
    }
    ipp_attribute_t *a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
    out->ipp_state = a ? ippGetInteger(a, 0) : 0;
    a = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
    out->accepting = a ? ippGetBoolean(a, 0) : 1;
    a = ippFindAttribute(resp, "queued-job-count", IPP_TAG_INTEGER);
    out->jobs_queued = a ? ippGetInteger(a, 0) : -1;
    cups_join_keywords(ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD),
                       out->reasons, sizeof(out->reasons));
    a = ippFindAttribute(resp, "printer-state-message", IPP_TAG_TEXT);
    kx_strlcpy(out->message, a && ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "",
               sizeof(out->message));
    a = ippFindAttribute(resp, "printer-make-and-model", IPP_TAG_TEXT);
    kx_strlcpy(out->model, a && ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "",
               sizeof(out->model));
    out->state =
        kx_printer_map_state(out->ipp_state, out->accepting, out->reasons, &out->warnings);
    ippDelete(resp);
    return KX_OK;
}

static kx_err cups_submit(void *state, const void *pdf, size_t len, const kx_print_options *opt,
                          double deadline, int *job_id)
{
    const struct cups_state *st = state;
    *job_id = 0;
    http_t *http = cups_connect(st, &deadline);
    if (!http)
        return KX_ERR_NETWORK;
    kx_err rc = KX_OK;
    ipp_t *resp = NULL;
    ipp_t *req = cups_request(st, IPP_OP_PRINT_JOB);
    if (!req) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, opt->title);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL,
                 "application/pdf");
    ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", opt->copies);
    if (opt->media && opt->media[0])
        ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL, opt->media);
    /* the HTTP body is the IPP request followed by the document */
    http_status_t hs = cupsSendRequest(http, req, st->resource, ippLength(req) + len);
    const char *p = pdf;
    size_t off = 0;
    while (hs == HTTP_STATUS_CONTINUE && off < len) {
        size_t n = len - off > 65536 ? 65536 : len - off;
        hs = cupsWriteRequestData(http, p + off, n);
        off += n;
    }
    if (hs == HTTP_STATUS_CONTINUE)
        resp = cupsGetResponse(http, st->resource);
    rc = cups_reply_rc(resp, deadline, "Print-Job");
    if (rc == KX_OK) {
        ipp_attribute_t *a = ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER);
        *job_id = a ? ippGetInteger(a, 0) : 0;
        if (*job_id <= 0) {
            kx_err_set_detail("Print-Job: no job-id in the reply");
            rc = KX_ERR_IO;
        }
    }
out:
    ippDelete(req);
    ippDelete(resp);
    httpClose(http);
    return rc;
}

static kx_err cups_job(void *state, int job_id, double deadline, int *job_state)
{
    static const char *const attrs[] = {"job-state", "job-state-reasons"};
    *job_state = 0;
    ipp_t *resp = NULL;
    kx_err rc = cups_call(state, IPP_OP_GET_JOB_ATTRIBUTES, job_id, attrs, 2, deadline,
                          "Get-Job-Attributes", &resp);
    if (rc == KX_OK) {
        ipp_attribute_t *a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);
        *job_state = a ? ippGetInteger(a, 0) : 0;
        ippDelete(resp);
    }
    return rc;
}

static kx_err cups_cancel(void *state, int job_id, double deadline)
{
    kx_err rc =
        cups_call(state, IPP_OP_CANCEL_JOB, job_id, NULL, 0, deadline, "Cancel-Job", NULL);
    /* a job that already finished cannot be cancelled: nothing to do */
    return rc == KX_ERR_STATE ? KX_OK : rc;
}

const kx_printer_ops kx_printer_cups_ops = {
    .name = "cups",
    .open = cups_open,
    .status = cups_status,
    .submit = cups_submit,
    .job = cups_job,
    .cancel = cups_cancel,
    .close = cups_close,
};
