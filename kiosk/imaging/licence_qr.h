/* SPDX-License-Identifier: MIT */
/*
 * licence_qr.h - find and read the QR code of a business licence on a
 * flatbed scan or a camera frame, then apply the payload rules of
 * kiosk/domain/licence.h.
 *
 * The whole page is never handed to the decoder (libzbar): a coarse texture
 * map finds the few regions that look like a QR symbol, each is cut out at a
 * scale where a module is about three pixels and decoded as grey. The
 * strongest region, and a slightly larger cut of it, are also decoded
 * enlarged (small modules) or binarised (larger ones); the other regions
 * only when a quick scan finds QR finder patterns in them. Only when no
 * region decodes is the reduced page scanned as a whole. Works at any
 * rotation, with low contrast, uneven light and slight blur.
 *
 * Pure computation on a decoded image: no I/O but a look at /proc/loadavg,
 * no global state but the worker mode below; every call is thread-safe.
 * When the first region does not read and a core is free (the affinity
 * mask has two or more and fewer tasks are running), a call starts a
 * second thread and the regions are decoded by two workers; the first read
 * ends the call. The other worker may then finish the zbar run it is in (a
 * few milliseconds) on its own before it ends: it never touches the
 * caller's image or result after the call has returned.
 */
#ifndef KX_IMAGING_LICENCE_QR_H
#define KX_IMAGING_LICENCE_QR_H

#include <stddef.h>

#include "core/err.h"
#include "domain/licence.h"
#include "imaging/image.h"

/* What the USCC on a licence looks like (JSON: "valid" etc.). */
typedef enum kx_licence_uscc_status {
    KX_LICENCE_USCC_VALID = 0,        /* a code passing the GB 32100 check */
    KX_LICENCE_USCC_CHECK_FAILED = 1, /* only codes whose check character fails */
    KX_LICENCE_USCC_ABSENT = 2,       /* no code in the payload (opaque token) */
} kx_licence_uscc_status;

typedef struct kx_licence_qr {
    int found;                                /* 1 when a QR code was decoded */
    char payload[KX_LICENCE_MAX_PAYLOAD + 1]; /* NUL-terminated text */
    size_t payload_len;                       /* bytes (the payload may hold NULs) */
    int bbox[4];                              /* x, y, w, h in the input image */
    kx_licence_codes codes;                   /* every candidate code */
    kx_licence_uscc_status uscc_status;
    const char *uscc; /* codes.valid[0], or codes.failed[0]
                         when check_failed; NULL when absent */
    int attempts;     /* decoder runs spent (for benchmarks) */
} kx_licence_qr;

/*
 * kx_licence_qr_read - find the licence QR in img and read it.
 *   img: any kx_image (grey, RGB, RGBA); not modified, not kept.
 *   out: filled in full; out->uscc points into out itself.
 * Returns KX_OK when a code was decoded (see out->uscc_status for the
 * credit code), KX_ERR_NO_QR when none was found (out->found 0),
 * KX_ERR_TOO_LARGE when the payload is over KX_LICENCE_MAX_PAYLOAD,
 * KX_ERR_INVALID_ARG, KX_ERR_NO_MEMORY.
 */
kx_err kx_licence_qr_read(const kx_image *img, kx_licence_qr *out);

/*
 * kx_licence_qr_set_workers - for tests and benchmarks. mode 0 (default):
 * a second worker when a core is free; 1: never; 2: whenever the first
 * region does not read. Applies to calls started after it.
 */
void kx_licence_qr_set_workers(int mode);

/* kx_licence_uscc_status_name - "valid", "check_failed", "absent". Static. */
const char *kx_licence_uscc_status_name(kx_licence_uscc_status status);

#endif
