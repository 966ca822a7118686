/* SPDX-License-Identifier: MIT */
/*
 * jobs_idcard.c - the agent's ID card on the reader: read it (waiting for
 * the card), apply the rules (valid number, consistent, not expired, 18 or
 * older) and keep the agent's name and number in the session only. The
 * number is logged masked, never journaled. Worker thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "domain/idnum.h"
#include "engine_jobs.h"
#include "engine_token.h"
#include "idcard/idcard.h"
#include "engine_staff.h"

static kx_idcard_reader *idcard_reader; /* opened on first use; worker thread only */

void kx_idcard_devices_close(void)
{
    kx_idcard_close(idcard_reader);
    idcard_reader = NULL;
}

static kx_err job_idcard_read(kx_engine *e, kx_event *ev)
{
    (void)ev;
    kx_err rc = KX_OK;
    if (!idcard_reader && (rc = kx_idcard_open_config(e->cfg, &idcard_reader)))
        return rc;
    kx_idcard *card = calloc(1, sizeof *card);
    if (!card)
        return KX_ERR_NO_MEMORY;
    for (;;) {
        rc = kx_idcard_read(idcard_reader, 500, card);
        if (rc != KX_ERR_TIMEOUT)
            break;
        if (e->job_cancel) {
            rc = KX_ERR_CANCELLED;
            break;
        }
    }
    if (rc == KX_ERR_IO || rc == KX_ERR_SAM) { /* reopen next time */
        kx_idcard_close(idcard_reader);
        idcard_reader = NULL;
    }
    if (rc)
        goto out;
    int y, m, d;
    kx_today(&y, &m, &d);
    kx_idcard_checks chk;
    kx_idcard_check(card, &e->rules, y, m, d, &chk);
    char masked[24];
    kx_mask_idnum(card->id_number, masked, sizeof masked);
    kx_log_info("idcard.read", "idnum=%s valid=%d consistent=%d expired=%d adult=%d", masked,
                chk.id_number_valid, chk.consistent, chk.expired, chk.adult);
    if (!chk.id_number_valid)
        rc = KX_ERR_CHECK_FAILED;
    else if (!chk.consistent)
        rc = KX_ERR_MISMATCH;
    else if (chk.expired)
        rc = KX_ERR_EXPIRED;
    else if (!chk.adult)
        rc = KX_ERR_UNDERAGE;
    if (rc)
        goto out;
    kx_idnum_info info;
    kx_idnum_check(card->id_number, &info);
    int age = kx_age_on(info.birth_year, info.birth_month, info.birth_day, y, m, d);
    pthread_mutex_lock(&e->mu);
    kx_session *s = &e->s;
    kx_strlcpy(s->agent_name, card->name, sizeof s->agent_name);
    kx_strlcpy(s->agent_idnum, card->id_number, sizeof s->agent_idnum);
    kx_strlcpy(s->agent_idnum_masked, masked, sizeof s->agent_idnum_masked);
    kx_strlcpy(s->agent_valid_to, card->valid_to, sizeof s->agent_valid_to);
    s->agent_age = age;
    s->have_agent = 1;
    pthread_mutex_unlock(&e->mu);
out:
    kx_idcard_clear(card);
    free(card);
    return rc;
}

kx_job_fn kx_idcard_job(kx_job job)
{
    return job == KX_JOB_IDCARD_READ ? job_idcard_read : NULL;
}

kx_err kx_device_selftest_idcard(kx_engine *e)
{
    kx_err rc = KX_OK;
    if (!idcard_reader && (rc = kx_idcard_open_config(e->cfg, &idcard_reader)))
        return rc;
    rc = kx_idcard_sam_status(idcard_reader);
    if (rc) { /* reopen next time */
        kx_idcard_close(idcard_reader);
        idcard_reader = NULL;
    }
    return rc;
}
