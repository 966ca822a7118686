/* SPDX-License-Identifier: MIT */
/*
 * parse_client.h - kioskd's side of the parsing helper (privilege
 * separation, OpenBSD style): data from outside the kiosk - scans and
 * camera frames (PNG, JPEG, PNM, raw pixels), the licence's QR code, the
 * seal sheet, the ID card's text - is decoded by kiosk-parse, a separate
 * process without secrets, network or write access under a seccomp filter
 * (sandbox.h), never in kioskd's address space with the RA key and PINs.
 *
 * A job calls one function with its copied input and gets a checked
 * result: every length and value in a reply is range-checked here before
 * it is used (parse_proto.h), so a helper taken over by its input can
 * still only send a wrong answer of the right shape.
 *
 * The helper starts with kx_parse_client_new(). When it dies (a crash, the
 * seccomp filter, its CPU limit) or does not answer in time, the request
 * fails with a clear error (image kinds KX_ERR_IMAGE_UNREADABLE, the ID
 * card KX_ERR_CARD_READ, KX_ERR_TIMEOUT; the detail names the signal),
 * and a new helper is started at once for the next request. A helper that
 * has used half its CPU limit (KX_SANDBOX_CPU_SECONDS, counted over its
 * life) is replaced between two requests, so that reading titles (about a
 * second each) never makes a long-running kiosk's helper die mid-request.
 *
 * The helper reads documents' titles with Tesseract when it is installed;
 * KX_DOCCHECK_OCR=off in kioskd's environment turns that off (passed on).
 *
 * Thread-safe: one request at a time per client (a mutex); results belong
 * to the caller.
 */
#ifndef KX_SANDBOX_PARSE_CLIENT_H
#define KX_SANDBOX_PARSE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "idcard/idcard.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"
#include "imaging/sealsheet.h"

typedef struct kx_parse_client kx_parse_client;

/*
 * kx_parse_client_new - start the helper at helper_path (NULL: kioskd's
 * default, ../libexec/jxca-kiosk/kiosk-parse beside the running program,
 * else the installed path). Its environment is empty but for KX_LOG_LEVEL, the
 * sanitizers' options, KX_DOCCHECK_OCR and KX_PARSE_TEST (test kinds, test
 * builds only).
 * KX_OK and *out (free with kx_parse_client_free), KX_ERR_INTERNAL when it
 * cannot start (detail says why), KX_ERR_NO_MEMORY.
 */
kx_err kx_parse_client_new(const char *helper_path, kx_parse_client **out);

/* kx_parse_client_free - stop the helper (it exits when its socket
 * closes) and free. NULL is fine. */
void kx_parse_client_free(kx_parse_client *c);

/* kx_parse_client_set_timeout - longest wait for one reply (default
 * 20000 ms); a helper over it is killed and restarted. */
void kx_parse_client_set_timeout(kx_parse_client *c, int timeout_ms);

/* kx_parse_image - kx_image_decode_ex() of buf in the helper (gray: one
 * grey channel). Errors as kx_image_decode(), plus the helper's. */
kx_err kx_parse_image(kx_parse_client *c, const uint8_t *buf, size_t len, int gray,
                      kx_image **out);

/* kx_parse_licence - kx_licence_qr_read() of an encoded image (buf) or of
 * a decoded one (img; its pixels are copied to the helper). Returns and
 * fills out as kx_licence_qr_read() (KX_OK, KX_ERR_NO_QR, ...). */
kx_err kx_parse_licence(kx_parse_client *c, const uint8_t *buf, size_t len, kx_licence_qr *out);
kx_err kx_parse_licence_image(kx_parse_client *c, const kx_image *img, kx_licence_qr *out);

/* kx_parse_sealsheet - kx_sealsheet_analyze() of an encoded or decoded
 * image at dpi (<= 0: the image's own, else 300). *out: free with
 * kx_sealsheet_result_free(). */
kx_err kx_parse_sealsheet(kx_parse_client *c, const uint8_t *buf, size_t len, double dpi,
                          kx_sealsheet_result **out);
kx_err kx_parse_sealsheet_image(kx_parse_client *c, const kx_image *img, double dpi,
                                kx_sealsheet_result **out);

/* kx_parse_doccheck_image - which document img is (kx_doccheck(), titles
 * read when the helper has Tesseract: out->check.ocr), and when wanted is
 * KX_PAGE_AUTH_LETTER also the letter's signature field
 * (kx_letter_signature(), out->have_sign). */
struct kx_parse_doc;
kx_err kx_parse_doccheck_image(kx_parse_client *c, const kx_image *img, int wanted,
                               struct kx_parse_doc *out);

/* kx_parse_cardcrop_image - kx_cardcrop_crop() of img in the helper: the
 * ID card upright in *card (free with kx_image_free), where it lay in
 * *found (may be NULL). KX_ERR_NO_CARD when no card is on the scan; the
 * helper's errors as the image kinds'. */
struct kx_cardcrop_found;
kx_err kx_parse_cardcrop_image(kx_parse_client *c, const kx_image *img,
                               struct kx_cardcrop_found *found, kx_image **card);

/* kx_parse_idcard_text - kx_idcard_decode_text() of the reader's 256-byte
 * text: out's text fields (the photo is left alone). */
kx_err kx_parse_idcard_text(kx_parse_client *c, const uint8_t text[256], kx_idcard *out);

/*
 * kx_parse_request - a raw request (tests: the test kinds). The reply's
 * bytes (status KX_OK) go to *reply (malloc'd, free with free(); may be
 * NULL when empty) and *reply_len. Returns the helper's status or the
 * client's error.
 */
kx_err kx_parse_request(kx_parse_client *c, int kind, int param, const uint8_t *buf, size_t len,
                        uint8_t **reply, size_t *reply_len);

typedef struct kx_parse_stats {
    unsigned long requests; /* sent */
    unsigned long starts;   /* helpers started */
    unsigned long deaths;   /* helpers that died or were killed mid-request */
    int last_signal;        /* the signal that ended the last dead one, 0 if none */
    int last_exit;          /* its exit status when it exited, -1 if signalled */
    int pid;                /* the running helper's process id, 0 if none */
} kx_parse_stats;

/* kx_parse_client_stats - counters for logs, metrics and tests. */
void kx_parse_client_stats(kx_parse_client *c, kx_parse_stats *out);

#endif
