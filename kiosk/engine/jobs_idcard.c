/* SPDX-License-Identifier: MIT */
/*
 * jobs_idcard.c - the agent's ID card on the reader: read it (waiting for
 * the card), apply the rules (valid number, consistent, not expired, 18 or
 * older) and hand the agent's name and number to the main loop in the
 * job's result, for the session only. The number is logged masked, never
 * journaled. The card's text (UCS-2 from the reader: outside data) is
 * decoded by the parsing helper kiosk-parse, not here (docs/security.md).
 * Worker thread only (and the idle main loop's self-test).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "domain/idnum.h"
#include "engine_internal.h"
#include "idcard/idcard.h"
#include "sandbox/parse_client.h"

/* the reader's raw text to the card's fields, in the parsing helper */
static kx_err idcard_text_in_helper(void *ctx, const uint8_t text[256], kx_idcard *out)
{
    kx_err rc = kx_parse_idcard_text(ctx, text, out);
    if (rc)
        kx_log_warn("idcard.text", "result=%s detail=\"%s\"", kx_err_name(rc), kx_err_detail());
    return rc;
}

/* the reader, opened on first use; its text goes to the parsing helper */
static kx_err idcard_reader(kx_worker *w, struct kx_idcard_reader **out)
{
    kx_err rc = KX_OK;
    struct kx_idcard_reader **reader = &w->dev->idcard;
    if (!*reader && !(rc = kx_idcard_open_config(w->cfg, reader)))
        kx_idcard_set_text_decoder(*reader, idcard_text_in_helper, w->dev->parse);
    *out = *reader;
    return rc;
}

kx_err kx_job_idcard_read(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)in;
    struct kx_idcard_reader *r;
    kx_err rc = idcard_reader(w, &r);
    if (rc)
        return rc;
    kx_idcard *card = calloc(1, sizeof *card);
    if (!card)
        return KX_ERR_NO_MEMORY;
    for (;;) {
        rc = kx_idcard_read(r, 500, card);
        if (rc != KX_ERR_TIMEOUT)
            break;
        if (kx_worker_cancelled(w)) {
            rc = KX_ERR_CANCELLED;
            break;
        }
    }
    if (rc == KX_ERR_IO || rc == KX_ERR_SAM) { /* reopen next time */
        kx_idcard_close(r);
        w->dev->idcard = NULL;
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
    struct kx_idcard_reader *r;
    kx_err rc = idcard_reader(w, &r);
    if (rc)
        return rc;
    rc = kx_idcard_sam_status(r);
    if (rc) { /* reopen next time */
        kx_idcard_close(r);
        w->dev->idcard = NULL;
    }
    return rc;
}
