/* SPDX-License-Identifier: MIT */
/*
 * payment.c - the payment wrappers and back-end registry (payment.h).
 *
 * The one place that checks arguments, logs (order id, state, amount and
 * duration only), and injects faults for tests before a call reaches a
 * back-end table.
 */
#include "payment/payment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fault.h"
#include "core/log.h"

#define PAYMENT_MAX_BACKENDS 8

static const kx_payment_ops *payment_backends[PAYMENT_MAX_BACKENDS] = {&kx_payment_ra_ops};
static int payment_backend_count = 1;

struct kx_payment {
    const kx_payment_ops *ops;
    void *state;
};

static const char *const payment_state_ids[] = {"pending", "paid", "cancelled", "expired",
                                                "refunded"};

const char *kx_payment_state_id(kx_payment_state st)
{
    return (unsigned)st < 5 ? payment_state_ids[st] : "unknown";
}

kx_err kx_payment_register(const kx_payment_ops *ops)
{
    if (!ops || !ops->name || !ops->open || !ops->close || !ops->create || !ops->query ||
        ((ops->caps & KX_PAYMENT_CAP_CANCEL) && !ops->cancel) ||
        ((ops->caps & KX_PAYMENT_CAP_REFUND) && !ops->refund) ||
        ((ops->caps & KX_PAYMENT_CAP_COUNTER) && !ops->counter)) {
        kx_err_set_detail("payment back-end table incomplete");
        return KX_ERR_INVALID_ARG;
    }
    for (int i = 0; i < payment_backend_count; i++)
        if (strcmp(payment_backends[i]->name, ops->name) == 0)
            return KX_ERR_STATE;
    if (payment_backend_count >= PAYMENT_MAX_BACKENDS)
        return KX_ERR_TOO_LARGE;
    payment_backends[payment_backend_count++] = ops;
    return KX_OK;
}

kx_err kx_payment_open(const char *name, const kx_payment_env *env, kx_payment **out)
{
    if (!env || !out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    if (!name)
        name = env->cfg ? kx_config_get_str(env->cfg, "payment", "backend", "ra") : "ra";
    const kx_payment_ops *ops = NULL;
    for (int i = 0; i < payment_backend_count; i++)
        if (strcmp(payment_backends[i]->name, name) == 0)
            ops = payment_backends[i];
    if (!ops) {
        kx_err_set_detail("unknown payment back-end '%s'", name);
        return KX_ERR_NOT_FOUND;
    }
    kx_payment *p = calloc(1, sizeof *p);
    if (!p)
        return KX_ERR_NO_MEMORY;
    p->ops = ops;
    kx_err rc = ops->open(env, &p->state);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return KX_OK;
}

void kx_payment_close(kx_payment *p)
{
    if (!p)
        return;
    p->ops->close(p->state);
    free(p);
}

unsigned kx_payment_caps(const kx_payment *p)
{
    return p ? p->ops->caps : 0;
}

void kx_payment_inject_fault(const char *op, kx_err err, int count)
{
    kx_fault_arm("payment", op ? op : "*", err, 0, count);
}

/* Check arguments and the fault point; KX_OK lets the call through. */
static kx_err payment_enter(const kx_payment *p, const char *op, const void *id,
                            const void *out)
{
    if (!p || !id || !out)
        return KX_ERR_INVALID_ARG;
    return kx_fault_check("payment", op, KX_ERR_NETWORK);
}

static int64_t payment_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static kx_err payment_leave(const kx_payment *p, const char *op, kx_err rc, int64_t t0,
                            const kx_payment_order *o)
{
    if (rc)
        kx_log_warn("payment.call", "backend=%s op=%s error=%s ms=%lld", p->ops->name, op,
                    kx_err_name(rc), (long long)(payment_ms() - t0));
    else
        kx_log_info("payment.call",
                    "backend=%s op=%s order=%s state=%s amount_fen=%lld ms=%lld", p->ops->name,
                    op, o->order_id, kx_payment_state_id(o->state), (long long)o->amount_fen,
                    (long long)(payment_ms() - t0));
    return rc;
}

kx_err kx_payment_create(kx_payment *p, const char *idem_key, const char *case_id,
                         kx_payment_order *out)
{
    kx_err rc = payment_enter(p, "create", case_id, out);
    if (rc || !idem_key)
        return rc ? rc : KX_ERR_INVALID_ARG;
    int64_t t0 = payment_ms();
    return payment_leave(p, "create", p->ops->create(p->state, idem_key, case_id, out), t0,
                         out);
}

kx_err kx_payment_query(kx_payment *p, const char *order_id, kx_payment_order *out)
{
    kx_err rc = payment_enter(p, "query", order_id, out);
    if (rc)
        return rc;
    int64_t t0 = payment_ms();
    return payment_leave(p, "query", p->ops->query(p->state, order_id, out), t0, out);
}

kx_err kx_payment_cancel(kx_payment *p, const char *idem_key, const char *order_id,
                         kx_payment_order *out)
{
    kx_err rc = payment_enter(p, "cancel", order_id, out);
    if (rc || !idem_key)
        return rc ? rc : KX_ERR_INVALID_ARG;
    if (!(p->ops->caps & KX_PAYMENT_CAP_CANCEL))
        return KX_ERR_UNSUPPORTED;
    int64_t t0 = payment_ms();
    return payment_leave(p, "cancel", p->ops->cancel(p->state, idem_key, order_id, out), t0,
                         out);
}

kx_err kx_payment_refund(kx_payment *p, const char *idem_key, const char *order_id,
                         const char *reason, kx_payment_order *out)
{
    kx_err rc = payment_enter(p, "refund", order_id, out);
    if (rc || !idem_key)
        return rc ? rc : KX_ERR_INVALID_ARG;
    if (!(p->ops->caps & KX_PAYMENT_CAP_REFUND))
        return KX_ERR_UNSUPPORTED;
    int64_t t0 = payment_ms();
    return payment_leave(p, "refund", p->ops->refund(p->state, idem_key, order_id, reason, out),
                         t0, out);
}

kx_err kx_payment_record_counter(kx_payment *p, const char *idem_key, const char *order_id,
                                 const kx_payment_counter *pay, kx_payment_order *out)
{
    kx_err rc = payment_enter(p, "counter", order_id, out);
    if (rc)
        return rc;
    if (!idem_key || !pay || !pay->staff_id || !pay->staff_id[0] || !pay->receipt_no ||
        !pay->receipt_no[0] || !pay->method ||
        (strcmp(pay->method, "cash") != 0 && strcmp(pay->method, "card") != 0) ||
        pay->amount_fen <= 0) {
        kx_err_set_detail("payment counter: staff_id, receipt_no, method cash|card and a "
                          "positive amount are required");
        return KX_ERR_INVALID_ARG;
    }
    if (!(p->ops->caps & KX_PAYMENT_CAP_COUNTER))
        return KX_ERR_UNSUPPORTED;
    int64_t t0 = payment_ms();
    kx_log_info("payment.counter", "backend=%s order=%s staff=%s method=%s amount_fen=%lld",
                p->ops->name, order_id, pay->staff_id, pay->method, (long long)pay->amount_fen);
    return payment_leave(p, "counter", p->ops->counter(p->state, idem_key, order_id, pay, out),
                         t0, out);
}

kx_err kx_payment_wait(kx_payment *p, const char *order_id, long timeout_ms, long interval_ms,
                       const volatile int *cancel, kx_payment_order *out)
{
    if (!p || !order_id || !out || timeout_ms < 0 || interval_ms < 10)
        return KX_ERR_INVALID_ARG;
    int64_t end = payment_ms() + timeout_ms;
    for (;;) {
        if (cancel && *cancel)
            return KX_ERR_CANCELLED;
        kx_err rc = kx_payment_query(p, order_id, out);
        if (rc == KX_OK) {
            switch (out->state) {
            case KX_PAYMENT_PAID:
                return KX_OK;
            case KX_PAYMENT_EXPIRED:
                return KX_ERR_EXPIRED;
            case KX_PAYMENT_CANCELLED:
            case KX_PAYMENT_REFUNDED:
                return KX_ERR_STATE;
            case KX_PAYMENT_PENDING:
                break;
            }
        } else if (rc != KX_ERR_NETWORK && rc != KX_ERR_TIMEOUT && rc != KX_ERR_BUSY &&
                   rc != KX_ERR_RA_BAD_REPLY) {
            return rc;
        }
        int64_t left = end - payment_ms();
        if (left <= 0)
            return KX_ERR_TIMEOUT;
        long nap = interval_ms < left ? interval_ms : (long)left;
        struct timespec ts = {nap / 1000, (nap % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
}
