/* SPDX-License-Identifier: MIT */
/*
 * worker.c - the jobs' runtime: the mailbox through which a job's progress
 * and result reach the main loop, the cancel flag, sleeping, and the
 * journal's write-ahead steps every job with a side effect uses.
 *
 * Never touches struct kx_engine: a job sees the worker (engine_internal.h)
 * and nothing else of kioskd. The mailbox's mutex guards only the message
 * list; a message is handed over whole and belongs to its receiver.
 *
 * Map: mailbox; cancel and sleep; input and result lifetime; journaled
 * steps; crash points.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "ra/ra.h"

/* ---- mailbox ---- */

kx_err kx_worker_init(kx_worker *w, int wake_fd)
{
    w->wake_fd = wake_fd;
    w->head = w->tail = NULL;
    w->cancel = 0;
    return pthread_mutex_init(&w->mu, NULL) == 0 ? KX_OK : KX_ERR_NO_MEMORY;
}

void kx_worker_fini(kx_worker *w)
{
    kx_job_msg_free(kx_worker_take(w));
    pthread_mutex_destroy(&w->mu);
}

void kx_worker_post(kx_worker *w, kx_job_msg *msg)
{
    msg->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = msg;
    else
        w->head = msg;
    w->tail = msg;
    pthread_mutex_unlock(&w->mu);
    char c = 1;
    ssize_t n = write(w->wake_fd, &c, 1);
    (void)n; /* a full pipe already wakes the loop */
}

kx_job_msg *kx_worker_take(kx_worker *w)
{
    pthread_mutex_lock(&w->mu);
    kx_job_msg *m = w->head;
    w->head = w->tail = NULL;
    pthread_mutex_unlock(&w->mu);
    return m;
}

void kx_job_msg_free(kx_job_msg *m)
{
    while (m) {
        kx_job_msg *next = m->next;
        kx_job_result_free(m->result);
        free(m);
        m = next;
    }
}

void kx_worker_progress(kx_worker *w, double progress)
{
    kx_job_msg *m = calloc(1, sizeof *m);
    if (!m)
        return; /* progress is a courtesy */
    m->gen = w->gen;
    m->progress = progress;
    kx_worker_post(w, m);
}

/* ---- cancel and sleep ---- */

int kx_worker_cancelled(const kx_worker *w)
{
    return w->cancel != 0;
}

int kx_worker_sleep(kx_worker *w, long ms)
{
    for (long t = 0; t < ms; t += 50) {
        if (w->cancel)
            return 1;
        usleep(50000);
    }
    return w->cancel != 0;
}

kx_err kx_worker_need_ra(const kx_worker *w)
{
    if (w->dev && w->dev->ra && w->dev->payment)
        return KX_OK;
    kx_err_set_detail("no RA configured ([ra] url)");
    return KX_ERR_UNSUPPORTED;
}

/* ---- input and result lifetime ---- */

void kx_job_input_clear(kx_job_input *in)
{
    if (!in)
        return;
    kx_secbuf_free(in->pin);
    kx_secbuf_free(in->new_pin);
    kx_secbuf_free(in->so_pin);
    free(in->cert_pem);
    free(in->csr);
    free(in->csr_sig);
    kx_wipe(in, sizeof *in);
}

void kx_job_result_free(kx_job_result *r)
{
    if (!r)
        return;
    kx_secbuf_free(r->so_pin);
    free(r->cert_pem);
    free(r->chain_pem);
    free(r->csr);
    free(r->csr_sig);
    free(r->revoke_certs);
    kx_wipe(r, sizeof *r);
    free(r);
}

/* ---- journaled steps ---- */

/* errors after which the side effect may or may not have happened: the
 * intent stays open and the next attempt reuses its idempotency key */
static int outcome_unknown(kx_err rc)
{
    return rc == KX_ERR_NETWORK || rc == KX_ERR_TIMEOUT || rc == KX_ERR_BUSY ||
           rc == KX_ERR_RA_BAD_REPLY || rc == KX_ERR_TOKEN_REMOVED || rc == KX_ERR_CANCELLED;
}

kx_err kx_step_begin(kx_journal *j, const char *session, const char *kind, const char *ref,
                     int64_t amount_fen, int reuse_done, kx_step *st)
{
    memset(st, 0, sizeof *st);
    kx_journal_tx last;
    if (kx_journal_last(j, session, kind, &last) == KX_OK &&
        strcmp(last.ref, ref ? ref : "") == 0) {
        if (last.status == KX_TX_OPEN) {
            st->tx = last.id;
            kx_strlcpy(st->key, last.idem_key, sizeof st->key);
            kx_log_info("journal.reuse", "tx=%lld kind=%s", (long long)last.id, kind);
            return KX_OK;
        }
        if (last.status == KX_TX_DONE && reuse_done) {
            st->tx = last.id;
            st->already_done = 1;
            kx_strlcpy(st->result, last.result, sizeof st->result);
            return KX_OK;
        }
    }
    kx_err rc = kx_ra_idem_key_new(st->key, sizeof st->key);
    if (!rc)
        rc = kx_journal_intent(j, session, kind, st->key, ref, amount_fen, &st->tx);
    if (rc)
        return rc;
    kx_crash_point(kind, "intent");
    return KX_OK;
}

void kx_step_end(kx_journal *j, const char *kind, kx_step *st, kx_err rc, const char *result)
{
    kx_crash_point(kind, "effect");
    if (rc == KX_OK)
        kx_journal_outcome(j, st->tx, KX_TX_DONE, result, KX_OK);
    else if (!outcome_unknown(rc))
        kx_journal_outcome(j, st->tx, KX_TX_FAILED, result, rc);
    kx_crash_point(kind, "outcome");
}

/* ---- crash points ---- */

void kx_crash_point(const char *kind, const char *phase)
{
    const char *at = getenv("KX_CRASH_AT");
    if (!at || !*at)
        return;
    char want[128];
    snprintf(want, sizeof want, "%s:%s", kind, phase);
    if (strcmp(at, want) == 0) {
        kx_log_warn("engine.crash_point", "at=%s", want);
        raise(SIGKILL);
    }
}
