/* SPDX-License-Identifier: MIT */
/*
 * ra.c - payment back-end "ra": orders created, polled, cancelled,
 * refunded and paid at the counter (recorded by staff) through the RA
 * client (kiosk/ra/ra.h). The RA sets the amount from its fee table and
 * returns the QR text the payer scans.
 *
 * It borrows the engine's kx_ra handle (env->ra) and never closes it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "payment/payment.h"

typedef struct payment_ra {
    kx_ra *ra;
} payment_ra;

static kx_err payment_ra_open(const kx_payment_env *env, void **state)
{
    if (!env->ra) {
        kx_err_set_detail("payment back-end 'ra' needs an RA client");
        return KX_ERR_CONFIG;
    }
    payment_ra *p = calloc(1, sizeof *p);
    if (!p)
        return KX_ERR_NO_MEMORY;
    p->ra = env->ra;
    *state = p;
    return KX_OK;
}

static void payment_ra_close(void *state)
{
    free(state);
}

/* Copy an RA order into the payment view; the state enums share order. */
static void payment_ra_convert(const kx_ra_order *in, kx_payment_order *out)
{
    memset(out, 0, sizeof *out);
    kx_strlcpy(out->order_id, in->order_id, sizeof out->order_id);
    kx_strlcpy(out->case_id, in->case_id, sizeof out->case_id);
    out->state = (kx_payment_state)in->state;
    out->amount_fen = in->amount_fen;
    kx_strlcpy(out->currency, in->currency, sizeof out->currency);
    kx_strlcpy(out->qr_text, in->qr_text, sizeof out->qr_text);
    out->expires_at = in->expires_at;
    out->paid_at = in->paid_at;
    out->refunded_fen = in->refunded_fen;
    kx_strlcpy(out->refund_id, in->refund_id, sizeof out->refund_id);
    kx_strlcpy(out->channel, in->channel, sizeof out->channel);
    kx_strlcpy(out->invoice_url, in->invoice_url, sizeof out->invoice_url);
    out->refunded_at = in->refunded_at;
}

static kx_err payment_ra_finish(kx_err rc, const kx_ra_order *o, kx_payment_order *out)
{
    if (!rc)
        payment_ra_convert(o, out);
    return rc;
}

static kx_err payment_ra_create(void *state, const char *idem_key, const char *case_id,
                                kx_payment_order *out)
{
    kx_ra_order o;
    payment_ra *p = state;
    return payment_ra_finish(kx_ra_order_create(p->ra, idem_key, case_id, &o), &o, out);
}

static kx_err payment_ra_query(void *state, const char *order_id, kx_payment_order *out)
{
    kx_ra_order o;
    payment_ra *p = state;
    return payment_ra_finish(kx_ra_order_get(p->ra, order_id, &o), &o, out);
}

static kx_err payment_ra_cancel(void *state, const char *idem_key, const char *order_id,
                                kx_payment_order *out)
{
    kx_ra_order o;
    payment_ra *p = state;
    return payment_ra_finish(kx_ra_order_cancel(p->ra, idem_key, order_id, &o), &o, out);
}

static kx_err payment_ra_refund(void *state, const char *idem_key, const char *order_id,
                                const char *reason, kx_payment_order *out)
{
    kx_ra_order o;
    payment_ra *p = state;
    return payment_ra_finish(kx_ra_order_refund(p->ra, idem_key, order_id, reason, &o), &o,
                             out);
}

static kx_err payment_ra_counter(void *state, const char *idem_key, const char *order_id,
                                 const kx_payment_counter *pay, kx_payment_order *out)
{
    kx_ra_order o;
    payment_ra *p = state;
    kx_ra_counter_payment c = {.staff_id = pay->staff_id,
                               .receipt_no = pay->receipt_no,
                               .method = pay->method,
                               .amount_fen = pay->amount_fen,
                               .reason = pay->reason};
    return payment_ra_finish(kx_ra_order_counter_pay(p->ra, idem_key, order_id, &c, &o), &o,
                             out);
}

const kx_payment_ops kx_payment_ra_ops = {
    .name = "ra",
    .caps = KX_PAYMENT_CAP_QR | KX_PAYMENT_CAP_CANCEL | KX_PAYMENT_CAP_REFUND |
            KX_PAYMENT_CAP_COUNTER,
    .open = payment_ra_open,
    .close = payment_ra_close,
    .create = payment_ra_create,
    .query = payment_ra_query,
    .cancel = payment_ra_cancel,
    .refund = payment_ra_refund,
    .counter = payment_ra_counter,
};
