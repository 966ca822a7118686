/* SPDX-License-Identifier: MIT */
/*
 * jobs_revoke.c - revocation without the UKEY (a lost or stolen UKEY, the
 * agreement's 二.7), the job side: the RA's list of the enterprise's valid
 * certificates for the agent to pick from, and the revocation a revoke case
 * then carries (the RA revokes once its reviewer or staff approve the case
 * on its documents; docs/ra-api.md).
 *
 * The revocation with the UKEY (the serial read from it) is jobs.c's
 * ra_revoke job; on that path the list job answers ALT and the flow goes
 * on to the contact step. Worker thread only; never logs an ID number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "ra/ra.h"

/* an encryption certificate whose signature partner is listed is shown
 * (and revoked, the RA revokes both of a pair) through its partner */
static int revoke_list_hidden(const kx_ra_cert_list *l, int i)
{
    const kx_ra_cert_summary *c = &l->certs[i];
    if (strcmp(c->usage, "encryption") != 0 || !c->paired_serial[0])
        return 0;
    for (int k = 0; k < l->count; k++)
        if (k != i && strcmp(l->certs[k].serial, c->paired_serial) == 0)
            return 1;
    return 0;
}

kx_err kx_job_ra_cert_list(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    if (in->revoke_with_ukey) { /* the serial comes from the UKEY */
        out->ev = KX_EV_JOB_ALT;
        return KX_OK;
    }
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    if (!in->have_company || !in->uscc[0]) {
        kx_err_set_detail("no credit code in the session");
        return KX_ERR_STATE;
    }
    kx_ra_cert_list *all = calloc(1, sizeof *all); /* ~64 KiB: not on the stack */
    kx_ra_cert_list *shown = calloc(1, sizeof *shown);
    if (!all || !shown) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    if ((rc = kx_ra_enterprise_certs(w->dev->ra, in->uscc, all)))
        goto out;
    for (int i = 0; i < all->count; i++)
        if (!revoke_list_hidden(all, i))
            shown->certs[shown->count++] = all->certs[i];
    kx_log_info("ra.cert_list", "session=%s valid=%d shown=%d", in->session, all->count,
                shown->count);
    if (shown->count == 0) {
        kx_err_set_detail("enterprise %s has no valid certificate", in->uscc);
        rc = KX_ERR_NOT_FOUND;
        goto out;
    }
    out->revoke_certs = shown;
    shown = NULL;
    out->parts |= KX_JR_REVOKE_CERTS;
out:
    free(all);
    free(shown);
    return rc;
}

int kx_revoke_request_fill(const kx_job_input *in, kx_ra_revocation_request *rr,
                           const char **serial)
{
    memset(rr, 0, sizeof *rr);
    if (in->service != KX_SVC_REVOKE || in->revoke_with_ukey ||
        (!in->revoke_all && !in->revoke_pick[0]))
        return 0;
    rr->reason = in->revoke_reason;
    if (in->revoke_all) {
        rr->all = 1;
    } else {
        *serial = in->revoke_pick;
        rr->serials = serial;
        rr->serial_count = 1;
    }
    return 1;
}

kx_err kx_revoke_case_check(kx_worker *w, const kx_job_input *in, const char *case_id)
{
    char ref[160], result[KX_JOURNAL_TEXT_MAX];
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    snprintf(ref, sizeof ref, "%s/%s/%d", case_id, in->revoke_all ? "all" : in->revoke_pick,
             in->revoke_reason);
    kx_step st;
    if ((rc = kx_step_begin(w->journal, in->session, "ra_revoke", ref, 0, 1, &st)))
        return rc;
    if (st.already_done)
        return KX_OK;
    kx_ra_case c;
    rc = kx_ra_case_get(w->dev->ra, case_id, &c);
    if (!rc && (!c.revocation || !c.revoke_done)) {
        kx_err_set_detail("case %s is %s and its revocation is not done", case_id,
                          kx_ra_case_state_id(c.state));
        rc = KX_ERR_STATE;
    }
    result[0] = 0;
    for (int i = 0; !rc && i < c.revoke_serial_count; i++) {
        size_t n = strlen(result);
        snprintf(result + n, sizeof result - n, "%s%s", i ? "," : "", c.revoke_serials[i]);
    }
    kx_step_end(w->journal, "ra_revoke", &st, rc, rc ? NULL : result);
    if (!rc)
        kx_log_info("ra.revoked_by_case", "session=%s case=%s count=%d reason=%s", in->session,
                    case_id, c.revoke_serial_count, c.revoke_reason);
    return rc;
}
