/* SPDX-License-Identifier: MIT */
/*
 * jobs_sm2.h - SM2 dual certificates (certificate profile "sm2-dual") in
 * the engine: the site's profile, the RA's issuance and renewal of the
 * pair, the encryption half of the install (the enveloped key pair and
 * the encryption certificate into the signing key's container), and the
 * recovery of a pair whose install a crash interrupted. Worker thread
 * only, like every job (one job at a time).
 */
#ifndef KX_ENGINE_JOBS_SM2_H
#define KX_ENGINE_JOBS_SM2_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "engine_internal.h"
#include "token/token.h"

/* kx_sm2_site - 1 when this site issues SM2 dual certificates: [ra]
 * cert_profile = sm2-dual, or [token] backend = skf with [engine]
 * key_type = sm2. */
int kx_sm2_site(const kx_config *cfg);

/* kx_sm2_case_profile - the profile a new RA case asks for: "sm2-dual" on
 * an SM2 site, else [ra] cert_profile (NULL when none is set). */
const char *kx_sm2_case_profile(const kx_config *cfg);

/*
 * kx_sm2_ra_issue - the RA job of an SM2 site (renew 0: issue, 1: renew):
 * the request (CSR, renewal proof) is written to the state directory
 * before the journaled RA call, so that recovery can replay the call with
 * the same key and learn the envelope again; kx_ra_cert_issue_pair /
 * kx_ra_cert_renew_pair; the signing certificate goes into the result as
 * for one certificate, the encryption certificate and the envelope wait
 * in the worker for kx_sm2_install_enc. KX_ERR_RA_BAD_REPLY when the RA
 * did not issue a pair.
 */
kx_err kx_sm2_ra_issue(kx_worker *w, const kx_job_input *in, kx_job_result *out, int renew);

/*
 * kx_sm2_install_enc - after the signing certificate went into container
 * id: import the enveloped encryption key pair and install the encryption
 * certificate into the same container, then tell the RA the UKEY the
 * pair went to. KX_OK with nothing done when no pair of
 * this session waits (not an SM2 site). The token is logged in.
 */
kx_err kx_sm2_install_enc(kx_worker *w, const char *session, kx_token *tok,
                          const unsigned char *id, size_t id_len);

/*
 * kx_sm2_recover_install - recovery of an SM2 pair issued at the RA
 * (sign_serial) but not installed: replays the journaled RA call with its
 * key and the saved request, then installs what the UKEY lacks (signing
 * certificate, enveloped key pair, encryption certificate) and, for a
 * renewal, commits the new container over the old one. Needs the user's
 * login on the UKEY: without the PIN (a restart) it answers the back-end's
 * KX_ERR_STATE / KX_ERR_PIN_* / KX_ERR_PERMISSION and the session stays
 * open until the customer's UKEY is back and the resume flow's job
 * (recovery.c, kx_job_sm2_resume) calls it with a logged-in handle. tok
 * is the UKEY token_serial names, opened by the caller with
 * kx_sm2_token_of() (NULL: KX_ERR_TOKEN_ABSENT); the caller closes it.
 */
kx_err kx_sm2_recover_install(kx_worker *w, kx_token *tok, const char *session,
                              const char *token_serial, const char *case_id,
                              const char *sign_serial, const char *old_serial);

/* kx_sm2_token_of - (jobs_token.c) the UKEY with this serial: the
 * session's own handle when it is open (logged in; *owned 0), else a new
 * handle (*owned 1: close it). */
kx_err kx_sm2_token_of(kx_worker *w, const char *serial, kx_token **out, int *owned);

/* kx_sm2_blank_ready - 1 when ti describes a UKEY without any application
 * (as some vendors ship them) that this kiosk can make usable: the
 * back-end creates applications (caps: KX_TOKEN_CAP_INIT_BLANK, SKF) and
 * [token] skf_admin_pin names the admin PIN the CA gives the UKEYs it
 * initialises (the RA releases it for an unlock). */
int kx_sm2_blank_ready(const kx_worker *w, unsigned caps, const kx_token_info *ti);

/* kx_sm2_init_blank - create the application of such a UKEY: device
 * authentication (SKF_DevAuth with [token] skf_devauth_key), then
 * SKF_CreateApplication with the admin PIN and the customer's new PIN as
 * the user PIN (the policy applies); the container comes with the key. */
kx_err kx_sm2_init_blank(kx_worker *w, kx_token *tok, const kx_pin_policy *p,
                         const kx_secbuf *user_pin);

/* kx_sm2_forget - drop the pair waiting for this session (the session
 * ended) and its saved request. */
void kx_sm2_forget(kx_worker *w, const char *session);

#endif
