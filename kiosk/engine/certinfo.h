/* SPDX-License-Identifier: MIT */
/*
 * certinfo.h - what the kiosk shows about a certificate (cert_show) and
 * uses in its rules (renewal window, credit code match). Pure: no I/O.
 */
#ifndef KX_ENGINE_CERTINFO_H
#define KX_ENGINE_CERTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct kx_certinfo {
    char company[256];        /* O, else CN */
    char uscc[20];            /* serialNumber, else organizationIdentifier NTRCN-... */
    char subject[512];        /* RFC 2253 */
    char serial[84];          /* lower-case hex, as the RA writes it */
    int64_t not_after;        /* Unix seconds */
    char not_after_text[16];  /* YYYY-MM-DD (UTC) */
    char not_before_text[16]; /* YYYY-MM-DD (UTC) */
    long days_left;           /* whole days from now to not_after, negative when expired */
} kx_certinfo;

/*
 * kx_certinfo_parse - summarise a certificate in DER or PEM (data of len
 * bytes) as of now (Unix seconds). KX_ERR_BAD_FORMAT when it is not a
 * certificate. Thread-safe.
 */
kx_err kx_certinfo_parse(const unsigned char *data, size_t len, int64_t now, kx_certinfo *out);

#endif
