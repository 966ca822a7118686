/* SPDX-License-Identifier: MIT */
/*
 * jobs_seal.h - the electronic-seal sheet in the journal: the sheet a
 * session had accepted (cells found, seals accepted, each cell's verdict)
 * is recorded like the other steps, so that a crash after it does not make
 * the customer stamp a new sheet: the next session of the same company
 * takes over the accepted impressions of a session the crash ended.
 * Worker thread only, like every job.
 */
#ifndef KX_ENGINE_JOBS_SEAL_H
#define KX_ENGINE_JOBS_SEAL_H

#include <stdint.h>

#include "core/err.h"
#include "engine_internal.h"

/* how long the impressions of a session a crash ended can be taken over */
#define KX_SEAL_REUSE_S ((int64_t)4 * 3600)

/*
 * kx_seal_record - journal the seal sheet the seal-scan job accepted (its
 * cells in out->seal_cells, every impression spooled): a "seal_sheet"
 * transaction of the session, ref the company's credit code, result
 * "found=N accepted=M" and each row's verdicts. Crash points
 * seal_sheet:intent, :effect and :outcome. Without a credit code in the
 * session nothing is recorded (KX_OK).
 */
kx_err kx_seal_record(kx_worker *w, const kx_job_input *in, const kx_job_result *out);

/* kx_job_seal_sheet - the seal-scan job (kx_job_seal_scan), the sheet it
 * accepted recorded (kx_seal_record) */
kx_err kx_job_seal_sheet(kx_worker *w, const kx_job_input *in, kx_job_result *out);

/*
 * kx_job_seal_reuse - before the sheet is asked for: ALT when a session of
 * the same company that a crash ended (abandoned or recovered) in the last
 * KX_SEAL_REUSE_S had its sheet accepted and its impressions are still in
 * the spool: they move to this session (sent to the RA with its case), its
 * cells and sheet are shown for review, and the reuse is journaled as this
 * session's seal_sheet. OK when there is none (the sheet is asked for).
 */
kx_err kx_job_seal_reuse(kx_worker *w, const kx_job_input *in, kx_job_result *out);

#endif
