/* SPDX-License-Identifier: MIT */
/*
 * jobs_form.c - the application form (附件1) the customer reviews before
 * the agreement: filled from the session's copy exactly as the case's PDF
 * is (kx_form_from_input, used for both), drawn by kiosk/docs's one form
 * drawing as a PNG of its first page, spooled for the screen and
 * published as a preview (docs/protocol.md, `form_review`).
 *
 * The preview is for the screen only: its spool name
 * (<session>.form-preview-<ms>.png) names no RA document kind, so the case's
 * upload leaves it, and the session's end purges it. It carries what the
 * PDF carries, the agent's full ID number included (the ID card's own
 * scans on the previous screens show it too); it is never logged. Worker
 * thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/str.h"
#include "jobs_form.h"

void kx_form_from_input(const kx_job_input *in, kx_application_form *f)
{
    memset(f, 0, sizeof *f);
    f->service = in->service;
    kx_strlcpy(f->company, in->company_name, sizeof f->company);
    kx_strlcpy(f->address, in->company_address, sizeof f->address);
    kx_strlcpy(f->credit_code, in->uscc, sizeof f->credit_code);
    kx_strlcpy(f->agent_name, in->agent_name, sizeof f->agent_name);
    kx_strlcpy(f->agent_idnum, in->agent_idnum, sizeof f->agent_idnum);
    kx_strlcpy(f->agent_phone, in->phone, sizeof f->agent_phone);
    kx_strlcpy(f->agent_email, in->email, sizeof f->agent_email);
    kx_today(&f->year, &f->month, &f->day);
}

kx_err kx_job_form_preview(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    char path[1200];
    kx_application_form *f = NULL;
    kx_err rc = KX_OK;
    int width = 0, height = 0;
    if (!in->agent_name[0] || !in->have_company) {
        /* no agent or no enterprise record: the case has no form */
        kx_log_info("docs.form_preview", "session=%s service=%s skipped=no_form", in->session,
                    kx_service_id(in->service));
        out->ev = KX_EV_JOB_ALT;
        return KX_OK;
    }
    /* a name of its own each time: the screen caches images by their path,
     * and a corrected form must not show the one before */
    if ((size_t)snprintf(path, sizeof path, "%s/%s.form-preview-%lld.png", w->set->spool_dir,
                         in->session, (long long)kx_now_ms()) >= sizeof path)
        return KX_ERR_TOO_LARGE;
    if (!(f = calloc(1, sizeof *f)))
        return KX_ERR_NO_MEMORY;
    kx_form_from_input(in, f);
    kx_doc_output doc = {.path = path};
    /* listed before it is written: a crash in between leaves nothing the
     * purge does not know */
    rc = kx_journal_spool_add(w->journal, in->session, "form-preview", path);
    if (!rc)
        rc = kx_docs_render_application_form_png(f, KX_FORM_PREVIEW_DPI, &doc);
    if (!rc)
        chmod(path, 0600); /* kioskd's alone: the screen gets a descriptor (clients.c) */
    if (!rc && out->n_previews < KX_MAX_PREVIEWS) {
        kx_docs_application_form_png_size(KX_FORM_PREVIEW_DPI, &width, &height);
        kx_preview *p = &out->previews[out->n_previews++];
        kx_strlcpy(p->doc, "application_form", sizeof p->doc);
        kx_strlcpy(p->path, path, sizeof p->path);
        p->width = width;
        p->height = height;
        out->parts |= KX_JR_PREVIEWS;
    }
    kx_log_info("docs.form_preview", "session=%s service=%s size=%zu px=%dx%d rc=%s",
                in->session, kx_service_id(in->service), rc ? (size_t)0 : doc.len, width,
                height, kx_err_name(rc));
    kx_wipe(f, sizeof *f);
    free(f);
    return rc;
}
