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
 * missing. Other kinds: KX_OK. */
kx_err kx_docs_check_seal(const struct kx_image *img, const char *kind, const char **msgid);

/*
 * kx_docs_check_page - at a document step, is the page on the glass the
 * document asked for? doc: the state's document id (licence,
 * agent_id_front, agent_id_back, seal_sheet, auth_letter,
 * reissue_statement, uscc_copy; another id is not checked). kiosk-parse
 * says which document img is (doccheck.h); a blank page, a page face up
 * or another document known by sight is sent back with
 * KX_ERR_SCAN_NO_DOCUMENT, out->error_msgid naming what was seen
 * (out->error_seen) and what is asked (out->error_wanted), for a rescan.
 * The letter and the statement are known by their titles: when
 * kiosk-parse has no Tesseract, a page it cannot tell passes on to the
 * checks that need no title (the company seal; on the letter also the
 * legal representative's signature or seal, kx_letter_signature). The
 * licence and seal-sheet steps ask only when their own reading finds no QR
 * code or no table, to say what lies on the glass instead (a page that
 * reads needs no second look). When kiosk-parse cannot answer (it died on
 * the page or timed out) the step fails with that error, which the
 * customer can retry. Worker thread only.
 */
kx_err kx_docs_check_page(kx_worker *w, const struct kx_image *img, const char *doc,
                          kx_job_result *out);

/* kx_device_write_data - named data onto the token the new certificate was
 * installed on (logged in). KX_ERR_TOKEN_ABSENT without one. */
kx_err kx_device_write_data(kx_worker *w, const char *name, const unsigned char *data,
                            size_t len);

#endif
