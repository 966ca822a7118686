/* SPDX-License-Identifier: MIT */
/*
 * jobs_print.c - the print thread: receipts, blank forms, the daily
 * summary. Its own thread beside the flow's worker, so a printer that
 * jams or a print server that does not answer never holds up a customer's
 * next step (and the flow's jobs never wait for paper). Job side: it never
 * sees struct kx_engine.
 *
 * Jobs are messages here too: the main loop hands in a kx_print_input (a
 * copy: the receipt's fields, the letter's, the summary's), the thread
 * renders it (kiosk/docs), reads the payment order's details a receipt
 * needs (invoice link, channel, refund reference) through its own RA link
 * (a kx_ra handle is one thread's), prints it (drivers/printer, bounded by
 * [printer] timeout_s) and posts a kx_print_output back, writing the
 * engine's wake-up pipe. The main loop (print.c) applies it. Every print
 * is bounded; a failed one is reported, never retried here, never undoes
 * anything.
 *
 * Between prints the thread asks the printer how it is every [printer]
 * status_seconds (default 30; 0: never) and posts a KX_PRINT_STATUS
 * outcome when the answer changed, so the home screen can tell the next
 * customer before the session that no receipt will come out.
 *
 * Personal data: a letter's ID number lives only in the input and is
 * wiped with it; nothing here logs a name, an ID number or a credit code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "payment/payment.h"
#include "ra/ra.h"

#define PRINT_QUEUE_MAX 4

struct kx_print_worker {
    kx_printer_config conf; /* strings point into the kiosk configuration */
    const kx_config *cfg;
    int wake_fd;
    pthread_t thread;
    int started;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    kx_print_input *queue[PRINT_QUEUE_MAX]; /* oldest first */
    int n_queued;
    kx_print_output *out_head, *out_tail;
    int busy;     /* a request is being handled */
    int status_s; /* [printer] status_seconds: ask the idle printer this often */
    int have_state;
    kx_printer_state last_state; /* the condition last posted */

    /* the thread's own */
    kx_printer *printer;
    kx_ra *ra;
    kx_payment *payment;
};

void kx_print_input_free(kx_print_input *in)
{
    if (!in)
        return;
    kx_wipe(in, sizeof *in);
    free(in);
}

void kx_print_output_free(kx_print_output *out)
{
    while (out) {
        kx_print_output *next = out->next;
        kx_wipe(out, sizeof *out);
        free(out);
        out = next;
    }
}

/* ---- the order's details for a receipt ---- */

static kx_err print_open_ra(kx_print_worker *pw)
{
    if (pw->payment)
        return KX_OK;
    if (!kx_config_get_str(pw->cfg, "ra", "url", NULL)) {
        kx_err_set_detail("no [ra] url: the order cannot be read");
        return KX_ERR_UNSUPPORTED;
    }
    kx_ra_config c;
    kx_err rc = kx_ra_config_load(pw->cfg, &c);
    if (!rc)
        rc = kx_ra_open(&c, &pw->ra);
    kx_payment_env env = {.cfg = pw->cfg, .ra = pw->ra};
    if (!rc)
        rc = kx_payment_open(NULL, &env, &pw->payment);
    if (rc) {
        kx_payment_close(pw->payment);
        kx_ra_close(pw->ra);
        pw->payment = NULL;
        pw->ra = NULL;
    }
    return rc;
}

/* the paid (or refunded) order into the receipt: amount, channel, order
 * number, e-invoice link or refund. *refunded: the order was refunded. */
static kx_err print_order_details(kx_print_worker *pw, const char *order_id, kx_receipt *r,
                                  int *refunded)
{
    *refunded = 0;
    kx_err rc = print_open_ra(pw);
    kx_payment_order o;
    if (!rc)
        rc = kx_payment_query(pw->payment, order_id, &o);
    if (rc)
        return rc;
    kx_strlcpy(r->order_no, o.order_id, sizeof r->order_no);
    if (o.state == KX_PAYMENT_PAID || o.state == KX_PAYMENT_REFUNDED) {
        r->amount_fen = o.amount_fen;
        kx_strlcpy(r->pay_channel, o.channel[0] ? o.channel : "qr", sizeof r->pay_channel);
    }
    if (o.state == KX_PAYMENT_PAID && o.invoice_url[0]) {
        kx_strlcpy(r->qr_url, o.invoice_url, sizeof r->qr_url);
        r->qr_is_invoice = 1;
    }
    if (o.state == KX_PAYMENT_REFUNDED) {
        *refunded = 1;
        r->result = KX_RECEIPT_REFUNDED;
        r->refund_fen = o.refunded_fen;
        kx_strlcpy(r->refund_ref, o.refund_id, sizeof r->refund_ref);
        if (r->qr_is_invoice) { /* a refund reverses the invoice */
            r->qr_url[0] = 0;
            r->qr_is_invoice = 0;
        }
    }
    return KX_OK;
}

/* ---- one request ---- */

static kx_err print_render(const kx_print_input *in, kx_doc_output *doc)
{
    switch (in->doc) {
    case KX_PRINT_RECEIPT:
        return kx_docs_render_receipt(&in->receipt, doc);
    case KX_PRINT_SEAL_SHEET:
        return kx_docs_render_seal_sheet(doc);
    case KX_PRINT_AUTH_LETTER:
        return kx_docs_render_auth_letter(in->letter_blank ? NULL : &in->letter, doc);
    case KX_PRINT_TEST_PAGE:
        return kx_docs_render_test_page(&in->test_page, doc);
    case KX_PRINT_SUMMARY:
        return kx_docs_render_daily_summary(&in->summary, doc);
    case KX_PRINT_STATUS:
        break; /* never a request: nothing to render */
    }
    kx_err_set_detail("unknown document %d", (int)in->doc);
    return KX_ERR_INVALID_ARG;
}

static const char *print_doc_title(kx_print_doc doc)
{
    static const char *const titles[] = {"receipt",   "seal-sheet",    "authorisation-letter",
                                         "test-page", "daily-summary", "status"};
    return (unsigned)doc < sizeof titles / sizeof titles[0] ? titles[doc] : "document";
}

kx_err kx_print_document(kx_printer *p, const kx_printer_config *conf, const kx_print_input *in,
                         kx_print_output *out)
{
    kx_doc_output doc = {0};
    kx_print_result res;
    memset(&res, 0, sizeof res);
    kx_err rc = print_render(in, &doc);
    if (rc) {
        out->state = KX_PRINTER_READY;
        goto done;
    }
    kx_print_options opt = {.title = print_doc_title(in->doc)};
    if (in->doc != KX_PRINT_RECEIPT || conf->paper == KX_PAPER_A4)
        opt.media = "iso_a4_210x297mm";
    rc = kx_printer_print(p, doc.data, doc.len, &opt, &res);
    out->state = res.printer.state;
    out->job_id = res.job_id;
    if (!rc)
        out->printed = 1;
    else if (out->state <= KX_PRINTER_PRINTING)
        out->state = rc == KX_ERR_TIMEOUT ? KX_PRINTER_JOB_STUCK : KX_PRINTER_FAULT;
done:
    out->rc = rc;
    kx_strlcpy(out->detail, rc ? kx_err_detail() : "", sizeof out->detail);
    free(doc.data);
    return rc;
}

static void print_handle(kx_print_worker *pw, const kx_print_input *in, kx_print_output *out)
{
    int64_t t0 = kx_now_ms();
    kx_print_input *work = calloc(1, sizeof *work);
    if (!work) {
        out->rc = KX_ERR_NO_MEMORY;
        return;
    }
    *work = *in;
    kx_err_clear_detail();
    kx_err rc = KX_OK;
    if (in->doc == KX_PRINT_RECEIPT && in->order_id[0]) {
        int refunded = 0;
        rc = print_order_details(pw, in->order_id, &work->receipt, &refunded);
        if (rc)
            kx_log_warn("print.order", "session=%s order=%s error=%s detail=\"%s\"",
                        in->session, in->order_id, kx_err_name(rc), kx_err_detail());
        /* a cancelled session has a receipt only when its money went back */
        if (in->only_refunded && !refunded) {
            out->rc = KX_ERR_NOT_FOUND;
            out->skipped = 1;
            goto out;
        }
        /* otherwise the receipt prints without the order's extras */
    }
    out->receipt = work->receipt;
    if (!pw->conf.enabled) {
        out->state = KX_PRINTER_DISABLED;
        out->rc = KX_ERR_UNSUPPORTED;
        goto out;
    }
    if (!pw->printer && (rc = kx_printer_open_config(&pw->conf, &pw->printer))) {
        out->rc = rc;
        out->state = KX_PRINTER_NOT_FOUND;
        kx_strlcpy(out->detail, kx_err_detail(), sizeof out->detail);
        goto out;
    }
    kx_print_document(pw->printer, &pw->conf, work, out);
out:
    kx_log_info("print.done", "doc=%s session=%s rc=%s state=%s job=%d ms=%lld",
                print_doc_title(in->doc), in->session[0] ? in->session : "-",
                kx_err_name(out->rc), kx_printer_state_name(out->state), out->job_id,
                (long long)(kx_now_ms() - t0));
    kx_print_input_free(work);
}

/* ---- the thread ---- */

/* print_post - hand out to the main loop and wake it (under pw->mu) */
static void print_post(kx_print_worker *pw, kx_print_output *out)
{
    if (out) {
        if (pw->out_tail)
            pw->out_tail->next = out;
        else
            pw->out_head = out;
        pw->out_tail = out;
        if (out->doc == KX_PRINT_STATUS || out->state != KX_PRINTER_DISABLED) {
            pw->last_state = out->state;
            pw->have_state = 1;
        }
    }
    char c = 1;
    ssize_t n = write(pw->wake_fd, &c, 1);
    (void)n; /* a full pipe already wakes the loop */
}

/* print_status - the idle printer's condition (outside pw->mu): a
 * KX_PRINT_STATUS outcome, or NULL when printing is off or nothing could
 * be allocated. A printer that cannot be opened is NOT_FOUND. */
static kx_print_output *print_status(kx_print_worker *pw)
{
    kx_printer_status ps;
    kx_print_output *out;
    if (!pw->conf.enabled || !(out = calloc(1, sizeof *out)))
        return NULL;
    out->doc = KX_PRINT_STATUS;
    memset(&ps, 0, sizeof ps);
    if (!pw->printer && (out->rc = kx_printer_open_config(&pw->conf, &pw->printer)) != KX_OK)
        out->state = KX_PRINTER_NOT_FOUND;
    else if ((out->rc = kx_printer_get_status(pw->printer, &ps)) != KX_OK)
        out->state = KX_PRINTER_UNREACHABLE;
    else
        out->state = ps.state == KX_PRINTER_PRINTING ? KX_PRINTER_READY : ps.state;
    if (out->rc)
        kx_strlcpy(out->detail, kx_err_detail(), sizeof out->detail);
    return out;
}

/* print_wait - wait for a request, or until the next status question is
 * due (under pw->mu); 1 when it is due. */
static int print_wait(kx_print_worker *pw, struct timespec *next)
{
    while (!pw->stop && pw->n_queued == 0) {
        if (pw->status_s <= 0 || !pw->conf.enabled) {
            pthread_cond_wait(&pw->cv, &pw->mu);
            continue;
        }
        if (pthread_cond_timedwait(&pw->cv, &pw->mu, next) == ETIMEDOUT)
            return 1;
    }
    return 0;
}

static void *print_thread_main(void *arg)
{
    kx_print_worker *pw = arg;
    struct timespec next;
    clock_gettime(CLOCK_REALTIME, &next); /* the first question at once */
    pthread_mutex_lock(&pw->mu);
    for (;;) {
        if (print_wait(pw, &next)) {
            pthread_mutex_unlock(&pw->mu);
            kx_print_output *st = print_status(pw);
            pthread_mutex_lock(&pw->mu);
            clock_gettime(CLOCK_REALTIME, &next);
            next.tv_sec += pw->status_s;
            if (st && pw->have_state && st->state == pw->last_state)
                kx_print_output_free(st); /* nothing new to say */
            else if (st) {
                kx_log_info("print.status", "state=%s", kx_printer_state_name(st->state));
                print_post(pw, st);
            }
            continue;
        }
        if (pw->stop)
            break;
        kx_print_input *in = pw->queue[0];
        memmove(pw->queue, pw->queue + 1,
                (size_t)(pw->n_queued - 1) * sizeof(kx_print_input *));
        pw->n_queued--;
        pw->busy = 1;
        pthread_mutex_unlock(&pw->mu);

        kx_print_output *out = calloc(1, sizeof *out);
        if (out) {
            out->id = in->id;
            out->doc = in->doc;
            kx_strlcpy(out->session, in->session, sizeof out->session);
            print_handle(pw, in, out);
        }
        kx_print_input_free(in);

        pthread_mutex_lock(&pw->mu);
        pw->busy = 0;
        print_post(pw, out);
    }
    pthread_mutex_unlock(&pw->mu);
    kx_printer_close(pw->printer);
    kx_payment_close(pw->payment);
    kx_ra_close(pw->ra);
    pw->printer = NULL;
    pw->payment = NULL;
    pw->ra = NULL;
    return NULL;
}

kx_err kx_print_worker_open(const kx_config *cfg, int wake_fd, kx_print_worker **out)
{
    kx_print_worker *pw = calloc(1, sizeof *pw);
    if (!pw)
        return KX_ERR_NO_MEMORY;
    kx_err rc = kx_printer_config_read(cfg, &pw->conf);
    if (rc) {
        free(pw);
        return rc;
    }
    pw->cfg = cfg;
    pw->wake_fd = wake_fd;
    long secs = 30;
    if ((rc = kx_config_get_int(cfg, "printer", "status_seconds", 30, 0, 3600, &secs))) {
        free(pw);
        return rc;
    }
    pw->status_s = (int)secs;
    pthread_mutex_init(&pw->mu, NULL);
    pthread_cond_init(&pw->cv, NULL);
    if (pthread_create(&pw->thread, NULL, print_thread_main, pw) != 0) {
        kx_log_error("print.thread", "errno=%d", errno);
        pthread_cond_destroy(&pw->cv);
        pthread_mutex_destroy(&pw->mu);
        free(pw);
        return KX_ERR_NO_MEMORY;
    }
    pw->started = 1;
    *out = pw;
    return KX_OK;
}

void kx_print_worker_close(kx_print_worker *pw)
{
    if (!pw)
        return;
    pthread_mutex_lock(&pw->mu);
    pw->stop = 1;
    pthread_cond_signal(&pw->cv);
    pthread_mutex_unlock(&pw->mu);
    if (pw->started)
        pthread_join(pw->thread, NULL);
    for (int i = 0; i < pw->n_queued; i++)
        kx_print_input_free(pw->queue[i]);
    kx_print_output_free(pw->out_head);
    pthread_cond_destroy(&pw->cv);
    pthread_mutex_destroy(&pw->mu);
    free(pw);
}

const kx_printer_config *kx_print_worker_config(const kx_print_worker *pw)
{
    return &pw->conf;
}

kx_err kx_print_worker_submit(kx_print_worker *pw, kx_print_input *in)
{
    kx_err rc = KX_OK;
    pthread_mutex_lock(&pw->mu);
    if (pw->n_queued == PRINT_QUEUE_MAX) {
        kx_err_set_detail("%d prints are already waiting", PRINT_QUEUE_MAX);
        rc = KX_ERR_BUSY;
    } else {
        pw->queue[pw->n_queued++] = in;
        pthread_cond_signal(&pw->cv);
    }
    pthread_mutex_unlock(&pw->mu);
    if (rc)
        kx_print_input_free(in);
    return rc;
}

kx_print_output *kx_print_worker_take(kx_print_worker *pw)
{
    pthread_mutex_lock(&pw->mu);
    kx_print_output *list = pw->out_head;
    pw->out_head = pw->out_tail = NULL;
    pthread_mutex_unlock(&pw->mu);
    return list;
}
