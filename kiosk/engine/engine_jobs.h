/* SPDX-License-Identifier: MIT */
/*
 * engine_jobs.h - shared by jobs.c (RA and payment jobs), jobs_devices.c
 * (token, scanner, ID reader, imaging jobs) and recovery.c. Internal.
 */
#ifndef KX_ENGINE_JOBS_H
#define KX_ENGINE_JOBS_H

#include "engine_internal.h"

struct kx_ra;
struct kx_payment;
struct kx_local_devices;

typedef struct kx_devices {
    struct kx_ra *ra;               /* NULL without [ra] url */
    struct kx_payment *payment;     /* NULL without the RA */
    struct kx_local_devices *local; /* jobs_devices.c */
} kx_devices;

typedef kx_err (*kx_job_fn)(kx_engine *e, kx_event *ev);

/* jobs.c */
kx_err kx_need_ra(kx_engine *e);
/* sleep ms in small steps; 1 when the job was told to stop */
int kx_job_sleep(kx_engine *e, long ms);

/* jobs_devices.c */
kx_err kx_devices_open_local(kx_engine *e, kx_devices *d);
void kx_devices_close_local(kx_devices *d);
/* the session ended and no job runs: log out of and close its tokens */
void kx_devices_session_end(kx_engine *e);
/* the job function for a device job, NULL when this build has none */
kx_job_fn kx_device_job(kx_job job);
/* upload the spooled scans of a session to its case; each acknowledged
 * scan (digest checked) is deleted from the spool */
kx_err kx_upload_session_scans(kx_engine *e, const char *session, const char *case_id);
/* recovery: is the certificate with this serial on a token we can reach?
 * Install it from PEM when possible. KX_ERR_TOKEN_ABSENT otherwise. */
kx_err kx_device_finish_install(kx_engine *e, const char *token_serial, const char *cert_pem,
                                const char *chain_pem);

#endif
