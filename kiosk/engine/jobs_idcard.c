/* SPDX-License-Identifier: MIT */
/*
 * jobs_idcard.c - the agent's ID card on the reader: read it (waiting for
 * the card), apply the rules (valid number, consistent, not expired, 18 or
 * older) and hand the agent's name and number to the main loop in the
 * job's result, for the session only. The number is logged masked, never
 * journaled. Worker thread only (and the idle main loop's self-test).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "domain/idnum.h"
#include "engine_internal.h"
#include "idcard/idcard.h"

kx_err kx_job_idcard_read(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)in;
    kx_err rc = KX_OK;
    struct kx_idcard_reader **reader = &w->dev->idcard; /* opened on first use */
    if (!*reader && (rc = kx_idcard_open_config(w->cfg, reader)))
        return rc;
    kx_idcard *card = calloc(1, sizeof *card);
    if (!card)
        return KX_ERR_NO_MEMORY;
    for (;;) {
        rc = kx_idcard_read(*reader, 500, card);
        if (rc != KX_ERR_TIMEOUT)
            break;
        if (kx_worker_cancelled(w)) {
            rc = KX_ERR_CANCELLED;
            break;
        }
    }
    if (rc == KX_ERR_IO || rc == KX_ERR_SAM) { /* reopen next time */
        kx_idcard_close(*reader);
        *reader = NULL;
    }
    if (rc)
        goto out;
    int y, m, d;
    kx_today(&y, &m, &d);
    kx_idcard_checks chk;
    kx_idcard_check(card, w->rules, y, m, d, &chk);
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
    kx_strlcpy(out->agent_name, card->name, sizeof out->agent_name);
    kx_strlcpy(out->agent_idnum, card->id_number, sizeof out->agent_idnum);
    kx_strlcpy(out->agent_idnum_masked, masked, sizeof out->agent_idnum_masked);
    kx_strlcpy(out->agent_valid_to, card->valid_to, sizeof out->agent_valid_to);
    out->agent_age = age;
    out->parts |= KX_JR_AGENT;
out:
    kx_idcard_clear(card);
    free(card);
    return rc;
}

kx_err kx_device_selftest_idcard(kx_worker *w)
{
    kx_err rc = KX_OK;
    struct kx_idcard_reader **reader = &w->dev->idcard;
    if (!*reader && (rc = kx_idcard_open_config(w->cfg, reader)))
        return rc;
    rc = kx_idcard_sam_status(*reader);
    if (rc) { /* reopen next time */
        kx_idcard_close(*reader);
        *reader = NULL;
    }
    return rc;
}
