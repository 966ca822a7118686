/* SPDX-License-Identifier: MIT */
/*
 * engine_token.h - the engine's UKEY jobs (jobs_token.c), used by
 * jobs_devices.c. Internal.
 */
#ifndef KX_ENGINE_TOKEN_H
#define KX_ENGINE_TOKEN_H

#include "engine_jobs.h"

struct kx_token_devices;
struct kx_token;

/* open/close the token state (module loaded lazily on first use) */
kx_err kx_token_devices_open(const kx_config *cfg, struct kx_token_devices **out);
void kx_token_devices_close(struct kx_token_devices *t);
/* the session ended: close its token handles (logs out) */
void kx_token_devices_reset(struct kx_token_devices *t);
/* jobs_devices.c: the engine's token state */
struct kx_token_devices *kx_local_token(kx_engine *e);
/* the job function of a UKEY job, NULL for other jobs */
kx_job_fn kx_token_job(kx_job job);
/*
 * kx_token_sign_renewal - the current key's signature over the new CSR's
 * DER bytes (the RA's proof of possession for a renewal with the PIN).
 * *sig is malloc'd (free()). The current token must be logged in.
 */
kx_err kx_token_sign_renewal(kx_engine *e, struct kx_token *current,
                             const unsigned char *old_id, size_t old_id_len,
                             const char *csr_pem, unsigned char **sig, size_t *sig_len);

/* jobs_idcard.c: the ID card job, and closing the reader */
kx_job_fn kx_idcard_job(kx_job job);
void kx_idcard_devices_close(void);

#endif
