/* SPDX-License-Identifier: MIT */
/*
 * jobs_docs.h - the electronic seals after issuance (jobs_docs.c) and the
 * token write they need (jobs_token.c). Worker thread only.
 */
#ifndef KX_ENGINE_JOBS_DOCS_H
#define KX_ENGINE_JOBS_DOCS_H

#include "engine_internal.h"

/* the seals job: the RA's seal maker turns the case's accepted seal images
 * into electronic seals bound to the new certificate (made once per case,
 * fetched again on a retry); each is written onto the UKEY the certificate
 * went to as data named seal-company, seal-legal-rep,
 * signature-legal-rep, with the maker's certificate as seal-maker */
kx_err kx_job_seals(kx_worker *w, const kx_job_input *in, kx_job_result *out);

struct kx_image;
/* kx_docs_check_seal - a scanned document that must carry the company's
 * red seal (kind "auth_letter": over "(盖章)"; "reissue_statement":
 * anywhere): KX_OK, or KX_ERR_SCAN_NO_DOCUMENT with *msgid saying what is
 * missing. Other kinds: KX_OK. The legal representative's seal or
 * signature on the letter is not checked (a black signature cannot be
 * told from the printed text without the blank letter to compare). */
kx_err kx_docs_check_seal(const struct kx_image *img, const char *kind, const char **msgid);

/* kx_device_write_data - named data onto the token the new certificate was
 * installed on (logged in). KX_ERR_TOKEN_ABSENT without one. */
kx_err kx_device_write_data(kx_worker *w, const char *name, const unsigned char *data,
                            size_t len);

#endif
