/* SPDX-License-Identifier: MIT */
/*
 * payment.h - the payment contract: orders the payer settles (QR code),
 * polled until paid, cancelled when abandoned, refunded when the service
 * could not be completed.
 *
 * Back-ends are const operation tables registered by name and chosen in
 * config ([payment] backend, default "ra": orders through the RA client,
 * drivers/payment/ra.c). The engine calls the kx_payment_* wrappers, never
 * a table: they check arguments, log (order ids and amounts only), time
 * each call and hold the fault-injection point for tests.
 *
 * Money: integer fen. Every call that creates, cancels or refunds takes a
 * caller-supplied idempotency key (journal it first): repeating the call
 * with the same key has no second effect (see docs/ra-api.md).
 *
 * Threading: a kx_payment handle is used by one thread at a time (the "ra"
 * back-end borrows a kx_ra handle, which has the same rule).
 */
#ifndef KX_DRIVERS_PAYMENT_H
#define KX_DRIVERS_PAYMENT_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "ra/ra.h"

typedef enum kx_payment_state {
    KX_PAYMENT_PENDING = 0,
    KX_PAYMENT_PAID,
    KX_PAYMENT_CANCELLED,
    KX_PAYMENT_EXPIRED,
    KX_PAYMENT_REFUNDED,
} kx_payment_state;

/* kx_payment_state_id - "pending", "paid", "cancelled", "expired",
 * "refunded". Static string. */
const char *kx_payment_state_id(kx_payment_state st);

typedef struct kx_payment_order {
    char order_id[KX_RA_ID_MAX];
    char case_id[KX_RA_ID_MAX];
    kx_payment_state state;
    int64_t amount_fen;
    char currency[KX_RA_SHORT_MAX];
    char qr_text[KX_RA_TEXT_MAX]; /* render as a QR code; "" if none */
    int64_t expires_at;           /* Unix seconds */
    int64_t paid_at;              /* 0 when unpaid */
    int64_t refunded_fen;
    char refund_id[KX_RA_ID_MAX];
    char channel[KX_RA_SHORT_MAX];   /* paid by "qr" or "counter"; "" unpaid/unknown */
    char invoice_url[KX_RA_URL_MAX]; /* e-invoice link of a paid order; "" if none */
    int64_t refunded_at;             /* 0 unless refunded (refund_id is its reference) */
} kx_payment_order;

/* A payment staff took at the counter; strings borrowed for the call. */
typedef struct kx_payment_counter {
    const char *staff_id;   /* the member who took it */
    const char *receipt_no; /* the counter's receipt number */
    const char *method;     /* "cash" or "card" */
    int64_t amount_fen;     /* what was taken: must be the order's amount */
    const char *reason;     /* why at the counter (no personal data) */
} kx_payment_counter;

/* Capabilities of a back-end. */
enum {
    KX_PAYMENT_CAP_QR = 1u << 0, /* orders carry QR text */
    KX_PAYMENT_CAP_CANCEL = 1u << 1,
    KX_PAYMENT_CAP_REFUND = 1u << 2,
    KX_PAYMENT_CAP_COUNTER = 1u << 3, /* staff may record a counter payment */
};

/* What a back-end may use; borrowed for the handle's life. */
typedef struct kx_payment_env {
    const kx_config *cfg; /* may be NULL */
    kx_ra *ra;            /* RA client ("ra" back-end: required) */
} kx_payment_env;

typedef struct kx_payment_ops {
    const char *name;
    unsigned caps;
    /* mandatory */
    kx_err (*open)(const kx_payment_env *env, void **state);
    void (*close)(void *state);
    kx_err (*create)(void *state, const char *idem_key, const char *case_id,
                     kx_payment_order *out);
    kx_err (*query)(void *state, const char *order_id, kx_payment_order *out);
    /* optional, required by KX_PAYMENT_CAP_CANCEL / _REFUND */
    kx_err (*cancel)(void *state, const char *idem_key, const char *order_id,
                     kx_payment_order *out);
    kx_err (*refund)(void *state, const char *idem_key, const char *order_id,
                     const char *reason, kx_payment_order *out);
    /* optional, required by KX_PAYMENT_CAP_COUNTER */
    kx_err (*counter)(void *state, const char *idem_key, const char *order_id,
                      const kx_payment_counter *pay, kx_payment_order *out);
} kx_payment_ops;

/* The RA back-end's table (drivers/payment/ra.c). */
extern const kx_payment_ops kx_payment_ra_ops;

/*
 * kx_payment_register - add a back-end. KX_ERR_INVALID_ARG when a mandatory
 * slot (or one its capabilities promise) is empty, KX_ERR_STATE when the
 * name is taken. The "ra" back-end is built in. ops is borrowed (static).
 * Not thread-safe: register at start-up.
 */
kx_err kx_payment_register(const kx_payment_ops *ops);

typedef struct kx_payment kx_payment;

/*
 * kx_payment_open - open back-end `name` (NULL: cfg's [payment] backend,
 * default "ra"). KX_ERR_NOT_FOUND for an unknown name. Free with
 * kx_payment_close().
 */
kx_err kx_payment_open(const char *name, const kx_payment_env *env, kx_payment **out);
void kx_payment_close(kx_payment *p);
/* kx_payment_caps - capability mask of the handle's back-end. */
unsigned kx_payment_caps(const kx_payment *p);

/* kx_payment_create - a new order for the case; amount from the RA. */
kx_err kx_payment_create(kx_payment *p, const char *idem_key, const char *case_id,
                         kx_payment_order *out);
/* kx_payment_query - the order's current state. */
kx_err kx_payment_query(kx_payment *p, const char *order_id, kx_payment_order *out);

/*
 * kx_payment_wait - poll the order every interval_ms until it is paid
 * (KX_OK), or: KX_ERR_EXPIRED (expired), KX_ERR_STATE (cancelled or
 * refunded), KX_ERR_CANCELLED (*cancel became non-zero; may be NULL),
 * KX_ERR_TIMEOUT (still pending after timeout_ms). Transient errors
 * (network, timeout, busy, bad reply) do not end the wait. *out holds the
 * last state read.
 */
kx_err kx_payment_wait(kx_payment *p, const char *order_id, long timeout_ms, long interval_ms,
                       const volatile int *cancel, kx_payment_order *out);

/* kx_payment_cancel - cancel a pending order (KX_ERR_UNSUPPORTED without
 * the capability; KX_ERR_STATE once paid: refund instead). */
kx_err kx_payment_cancel(kx_payment *p, const char *idem_key, const char *order_id,
                         kx_payment_order *out);
/* kx_payment_refund - refund a paid order in full. */
kx_err kx_payment_refund(kx_payment *p, const char *idem_key, const char *order_id,
                         const char *reason, kx_payment_order *out);

/*
 * kx_payment_record_counter - a pending order was paid at the counter
 * (staff took cash or card): it becomes paid, channel "counter", and a
 * kx_payment_wait on it ends as after a QR payment. KX_ERR_INVALID_ARG for
 * a missing field, a method other than cash/card or an amount <= 0;
 * KX_ERR_UNSUPPORTED without the capability; else the back-end's errors
 * (RA: KX_ERR_RA_REJECTED for another amount, KX_ERR_STATE when already
 * paid, cancelled or expired).
 */
kx_err kx_payment_record_counter(kx_payment *p, const char *idem_key, const char *order_id,
                                 const kx_payment_counter *pay, kx_payment_order *out);

/*
 * kx_payment_inject_fault - tests: make the next `count` calls of op
 * ("create", "query", "cancel", "refund", "counter") on every handle fail with err
 * before reaching the back-end. count 0 clears. The same as
 * kx_fault_arm("payment", op, err, 0, count) (core/fault.h); for a whole
 * process KX_FAULT_PAYMENT=<op>[:<error name>] (default KX_ERR_NETWORK).
 */
void kx_payment_inject_fault(const char *op, kx_err err, int count);

#endif
