/* SPDX-License-Identifier: MIT */
/*
 * jobs_form.h - the application form (附件1) shown for review before the
 * agreement (jobs_form.c). Worker thread only.
 */
#ifndef KX_ENGINE_JOBS_FORM_H
#define KX_ENGINE_JOBS_FORM_H

#include "docs/docs.h"
#include "engine_internal.h"

/* Resolution of the review image: A4 at 150 dpi is 1240 x 1754 pixels,
 * sharp at the screen's zoom (the page's width across the screen). */
#define KX_FORM_PREVIEW_DPI 150

/* kx_form_from_input - the form's fields from the session's copy: the
 * service, the RA's enterprise record (name, address), the credit code,
 * the agent from the ID card, the contact, today's date. No agreement
 * (the caller sets it for the PDF's back page). *f is overwritten; it
 * holds the agent's full ID number: wipe it after use. */
void kx_form_from_input(const kx_job_input *in, kx_application_form *f);

/* the form-preview job: the application form the case will carry,
 * rendered by kiosk/docs from the same fields and drawing as the PDF the
 * RA receives (its first page), as a PNG into the spool
 * (<session>.form-preview-<ms>.png, mode 0640, purged with the session; never
 * uploaded) and published as the preview of doc "application_form".
 * ALT (nothing rendered) for a session without an agent or an enterprise
 * record: such a case carries no form (jobs_docs.c). */
kx_err kx_job_form_preview(kx_worker *w, const kx_job_input *in, kx_job_result *out);

#endif
