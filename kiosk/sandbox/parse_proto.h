/* SPDX-License-Identifier: MIT */
/*
 * parse_proto.h - the messages between kioskd (parse_client.c) and the
 * unprivileged parsing helper kiosk-parse (parse_helper.c), over one
 * AF_UNIX stream socketpair. OpenBSD imsg is the model: typed messages,
 * never raw structs, no pointers; every field has a fixed width and every
 * length is checked by the reader before it is used.
 *
 *   request: u32 magic, u32 kind, i32 param, u32 len, then len bytes
 *   reply:   u32 magic, u32 kind (the request's), i32 status (kx_err),
 *            u32 len, then len bytes: the kind's result (below) when
 *            status is KX_OK (and for a licence also KX_ERR_NO_QR and
 *            KX_ERR_TOO_LARGE), else at most KX_PARSE_MAX_DETAIL bytes
 *            of printable text for the log.
 *
 * Integers are host order (both ends are the same build on one machine);
 * a double is its 8 bytes, refused by the reader unless finite and in
 * range. The kinds' results:
 *   IMAGE:     image (i32 w, i32 h, i32 channels, f64 dpi, w*h*channels
 *              bytes, rows packed)
 *   LICENCE:   i32 found, i32 image w, i32 image h, i32 bbox[4],
 *              i32 attempts, u32 n + n payload bytes (<= 4096),
 *              i32 uscc_status, u32 n_valid + n_valid codes of 18 bytes,
 *              u32 n_failed + n_failed codes of 18 bytes
 *   SEALSHEET: f64 dpi, f64 skew_deg, i32 table[4], i32 upside_down
 *              (0/1), then per area (3):
 *              2 cells (i32 status, i32 bbox[4], u32 lines, f64 strength),
 *              i32 best, f64 size_mm[2], u8 ink[3], u8 has_image, image
 *   DOCCHECK:  i32 image w, i32 image h, i32 kind (kx_doc_kind), i32 ocr
 *              (0/1), f64 ink_share, f64 faint_share (0..1), i32 bbox[4]
 *              (inside the image), i32 has_sign (0/1), and when 1 the
 *              letter's signature field: i32 field_found, i32 field[4],
 *              f64 ink_mm2, f64 red_mm2, i32 present (0/1)
 *   IDCARD:    ten strings (u32 n + n bytes): name, sex, nation code,
 *              nation, birth, address, ID number, authority, valid from,
 *              valid to
 *   CARDCROP:  f64 corners[4][2] (input pixels), f64 angle_deg, f64
 *              size_mm[2], f64 dpi, then the card upright (IMAGE layout:
 *              85.6 x 54 mm at dpi, grey or RGB as the input)
 * An input image is the encoded file's bytes, or with param bit
 * KX_PARSE_IN_PIXELS an image in the IMAGE layout above.
 *
 * Pure (de)serialisation: no I/O. Thread-safe.
 */
#ifndef KX_SANDBOX_PARSE_PROTO_H
#define KX_SANDBOX_PARSE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "idcard/idcard.h"
#include "imaging/cardcrop.h"
#include "imaging/doccheck.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"
#include "imaging/sealsheet.h"

#define KX_PARSE_MAGIC 0x3150584bu /* "KXP1" */
#define KX_PARSE_HEADER 16
#define KX_PARSE_MAX_DETAIL 256
/* the largest request: a raw RGBA image at the pixel limit */
#define KX_PARSE_MAX_REQUEST ((size_t)KX_IMAGE_MAX_PIXELS * 4 + 64)
/* the largest reply: an image the same size, or a seal sheet's three
 * cut-outs (each at most the scan's size) */
#define KX_PARSE_MAX_REPLY ((size_t)KX_IMAGE_MAX_PIXELS * 4 + 64)

typedef enum kx_parse_kind {
    KX_PARSE_IMAGE = 1,     /* decode PNG/JPEG/PNM; param KX_PARSE_GRAY */
    KX_PARSE_LICENCE = 2,   /* the licence QR of an image */
    KX_PARSE_SEALSHEET = 3, /* the seal sheet of an image; param: dpi x 1000
                               above KX_PARSE_FLAG_BITS, 0 for the image's */
    KX_PARSE_IDCARD = 4,    /* the ID card's 256-byte base text */
    KX_PARSE_DOCCHECK = 5,  /* which document an image is; param: the kind
                               wanted (kx_doc_kind) above KX_PARSE_FLAG_BITS;
                               the authorisation letter's also has its
                               signature field checked */
    KX_PARSE_CARDCROP = 6,  /* the ID card cut upright from a scan
                               (kx_cardcrop_crop) */
    /* test builds only (KX_PARSE_TEST_KINDS), and only when the helper's
     * environment has KX_PARSE_TEST=1: */
    KX_PARSE_TEST_CRASH = 100,   /* abort() */
    KX_PARSE_TEST_SYSCALL = 101, /* param 1: socket(); 2: open a file for
                                    writing; 3: read the file named by the
                                    bytes (reply: its first bytes) */
} kx_parse_kind;

enum {
    KX_PARSE_GRAY = 1,      /* IMAGE: deliver one grey channel */
    KX_PARSE_IN_PIXELS = 2, /* the input is a raw image, not a file */
    KX_PARSE_FLAG_BITS = 2, /* the flags' width: a value rides above them */
};

/* A growable output buffer (helper and client both write requests or
 * replies into one). */
typedef struct kx_wbuf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* an allocation failed: the buffer is unusable */
} kx_wbuf;

void kx_wbuf_u32(kx_wbuf *w, uint32_t v);
void kx_wbuf_i32(kx_wbuf *w, int32_t v);
void kx_wbuf_f64(kx_wbuf *w, double v);
void kx_wbuf_bytes(kx_wbuf *w, const void *p, size_t n);
void kx_wbuf_image(kx_wbuf *w, const kx_image *img);
void kx_wbuf_free(kx_wbuf *w);

/* A bounded reader over a received message: any read past the end, or a
 * value out of its range, marks it failed and yields zeros. */
typedef struct kx_rbuf {
    const uint8_t *p;
    size_t len, pos;
    int failed;
} kx_rbuf;

uint32_t kx_rbuf_u32(kx_rbuf *r);
int32_t kx_rbuf_i32(kx_rbuf *r, int32_t lo, int32_t hi);
double kx_rbuf_f64(kx_rbuf *r, double lo, double hi);
const uint8_t *kx_rbuf_bytes(kx_rbuf *r, size_t n);

/* kx_rbuf_image - an image in the IMAGE layout: sizes within the image
 * limits, channels 1/3/4, dpi 0..100000, exactly w*h*channels bytes.
 * KX_OK and *out (free with kx_image_free), KX_ERR_BAD_FORMAT. */
kx_err kx_rbuf_image(kx_rbuf *r, kx_image **out);

/* The kinds' results: put (helper) and get (client, every field checked;
 * KX_ERR_BAD_FORMAT with a detail naming the first bad field). */
void kx_parse_put_licence(kx_wbuf *w, const kx_licence_qr *q, int img_w, int img_h);
kx_err kx_parse_get_licence(kx_rbuf *r, kx_licence_qr *out);
void kx_parse_put_sealsheet(kx_wbuf *w, const kx_sealsheet_result *s);
kx_err kx_parse_get_sealsheet(kx_rbuf *r, kx_sealsheet_result **out);
void kx_parse_put_idcard(kx_wbuf *w, const kx_idcard *c);

/* what the helper says of a page at a document step */
typedef struct kx_parse_doc {
    kx_doc_check check;
    int have_sign;       /* 1: sign is filled (the letter was asked for) */
    kx_letter_sign sign; /* the legal representative's field */
} kx_parse_doc;

void kx_parse_put_doccheck(kx_wbuf *w, const kx_parse_doc *d, int img_w, int img_h);
kx_err kx_parse_get_doccheck(kx_rbuf *r, kx_parse_doc *out);
kx_err kx_parse_get_idcard(kx_rbuf *r, kx_idcard *out);

/* the card cut from a scan of in_w x in_h pixels with in_channels: the
 * corners near the input, the card's size the one its dpi gives, its
 * channels the input's (RGBA gives RGB). *card: free with kx_image_free. */
void kx_parse_put_cardcrop(kx_wbuf *w, const kx_cardcrop_found *f, const kx_image *card);
kx_err kx_parse_get_cardcrop(kx_rbuf *r, int in_w, int in_h, int in_channels,
                             kx_cardcrop_found *f, kx_image **card);

#endif
