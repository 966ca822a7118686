/*
 * jobs.c - what each flow state's job does: the calls into the drivers and
 * the RA client, with the journal written ahead of every side effect that
 * costs money or changes a certificate or a token.
 *
 * Runs on the worker thread. Reads its inputs from the session under e->mu,
 * releases the lock for device and network calls, stores results under the
 * lock. Never logs a PIN or an unmasked ID number.
 *
 * Map: device handles; journaled-step helper; jobs; dispatch table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"

struct kx_devices {
    int unused;
};

kx_err kx_devices_open(kx_engine *e)
{
    e->dev = calloc(1, sizeof *e->dev);
    return e->dev ? KX_OK : KX_ERR_NO_MEMORY;
}

void kx_devices_close(kx_engine *e)
{
    free(e->dev);
    e->dev = NULL;
}

/* ---- jobs ---- */

static kx_err job_fee_quote(kx_engine *e, kx_event *ev)
{
    pthread_mutex_lock(&e->mu);
    e->s.fee_fen = e->fees.fen[e->s.service];
    e->s.have_fee = 1;
    int free_of_charge = e->s.fee_fen == 0;
    pthread_mutex_unlock(&e->mu);
    *ev = free_of_charge ? KX_EV_JOB_ALT : KX_EV_JOB_OK;
    return KX_OK;
}

static kx_err job_unsupported(kx_engine *e, kx_event *ev)
{
    (void)e;
    (void)ev;
    kx_err_set_detail("no driver configured for this step");
    return KX_ERR_UNSUPPORTED;
}

typedef kx_err (*job_fn)(kx_engine *e, kx_event *ev);

static const job_fn job_table[KX_JOB_COUNT] = {
    [KX_JOB_FEE_QUOTE] = job_fee_quote,
};

kx_err kx_job_run(kx_engine *e, kx_job job, kx_event *ev)
{
    *ev = KX_EV_JOB_OK;
    kx_err_clear_detail();
    if ((unsigned)job >= KX_JOB_COUNT)
        return KX_ERR_INTERNAL;
    job_fn fn = job_table[job] ? job_table[job] : job_unsupported;
    return fn(e, ev);
}

kx_err kx_recover_session(kx_engine *e, const char *session_id, int live)
{
    (void)live;
    kx_journal_tx open[1];
    size_t n = 0;
    kx_err rc = kx_journal_list(e->journal, 1, session_id, open, 1, &n);
    if (rc)
        return rc;
    if (n == 0)
        return kx_journal_session_end(e->journal, session_id, "recovered");
    kx_err_set_detail("session %s has open transactions and no RA client", session_id);
    return KX_ERR_UNSUPPORTED;
}

kx_err kx_recover_all(kx_engine *e)
{
    char ids[64][KX_JOURNAL_ID_MAX];
    size_t n = 0;
    kx_err rc = kx_journal_open_sessions(e->journal, ids, 64, &n), first = KX_OK;
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&e->mu);
        int current = e->s.active && strcmp(e->s.id, ids[i]) == 0;
        pthread_mutex_unlock(&e->mu);
        if (current)
            continue;
        rc = kx_recover_session(e, ids[i], 0);
        kx_log_info("recovery.session", "session=%s result=%s", ids[i], kx_err_name(rc));
        if (rc && !first)
            first = rc;
    }
    return first;
}

kx_err kx_engine_staff_retry(kx_engine *e, int64_t tx_id, int refund_only, json_t **out);
kx_err kx_engine_staff_retry(kx_engine *e, int64_t tx_id, int refund_only, json_t **out)
{
    kx_journal_tx t;
    kx_err rc = kx_journal_tx_get(e->journal, tx_id, &t);
    if (rc)
        return rc;
    (void)refund_only;
    rc = kx_recover_session(e, t.session, 0);
    kx_journal_tx_get(e->journal, tx_id, &t);
    *out = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)t.id, "status",
                     kx_journal_status_name(t.status), "result", kx_err_name(rc));
    return KX_OK;
}
