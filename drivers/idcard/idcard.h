/* SPDX-License-Identifier: MIT */
/*
 * idcard.h - second-generation resident ID card readers (SAM modules on a
 * serial line, GA 467 family protocol).
 *
 * The engine calls the kx_idcard_* wrappers, never a back-end table. A read
 * blocks its caller (run it off the UI thread) until a card is read, the
 * timeout passes, or kx_idcard_cancel() is called from another thread.
 * The card must be lifted before the reader finds it again: a read simply
 * waits for the next card placed.
 *
 * The ID number is personal data: log it only through kx_mask_idnum().
 */
#ifndef KX_DRIVERS_IDCARD_H
#define KX_DRIVERS_IDCARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "domain/services.h"

#define KX_IDCARD_PHOTO_BYTES 1024

typedef struct kx_idcard {
    char name[96];                              /* UTF-8 */
    char sex;                                   /* 'M' or 'F' (0 when the card says neither) */
    char nation_code[3];                        /* "01".."56", "97", "98" */
    char nation[48];                            /* UTF-8 name of the group ("汉") */
    char birth[11];                             /* YYYY-MM-DD */
    char address[224];                          /* UTF-8 */
    char id_number[19];                         /* 18 characters, upper-case X */
    char authority[96];                         /* issuing authority, UTF-8 */
    char valid_from[11];                        /* YYYY-MM-DD */
    char valid_to[11];                          /* YYYY-MM-DD, or "long_term" (长期) */
    unsigned char photo[KX_IDCARD_PHOTO_BYTES]; /* WLT bytes as read */
    size_t photo_len;
    /* decoded photo, only when the site's vendor library is configured:
     * 24-bit RGB, malloc'd, free with kx_idcard_clear() */
    unsigned char *photo_rgb;
    int photo_width, photo_height;
    /* a back-end's raw 256-byte base text (UCS-2LE), set with has_text;
     * kx_idcard_read() decodes it (kx_idcard_set_text_decoder) and wipes
     * it before returning: a caller never sees it */
    unsigned char text[256];
    int has_text;
} kx_idcard;

typedef struct kx_idcard_checks {
    int id_number_valid; /* GB 11643 check passes */
    int consistent;      /* number's birth date and sex match the card's */
    int expired;         /* card past its validity on the day */
    int adult;           /* 18 or older (rules.min_agent_age) on the day */
} kx_idcard_checks;

/* ---- frame codec (pure; exposed for tests and the simulator) ---------- */

#define KX_GA467_MAX_BODY 4096

typedef struct kx_ga467_frame {
    uint8_t body[KX_GA467_MAX_BODY]; /* CMD PARA data (request) or
                                        00 00 SW3 data (response) */
    size_t len;                      /* body length (without checksum) */
} kx_ga467_frame;

typedef struct kx_ga467_parser {
    uint8_t buf[2 * KX_GA467_MAX_BODY + 16];
    size_t len;
    unsigned long dropped; /* bytes skipped while resynchronising */
} kx_ga467_parser;

/* kx_ga467_encode - preamble AA AA AA 96 69, LEN (2 bytes, big-endian,
 * body + checksum), body, XOR checksum over LEN and body. */
kx_err kx_ga467_encode(const uint8_t *body, size_t len, uint8_t *out, size_t outsz,
                       size_t *out_len);

/* kx_ga467_feed - append received bytes (KX_ERR_TOO_LARGE if the buffer is
 * full: the parser then drops its oldest bytes and keeps going). */
kx_err kx_ga467_feed(kx_ga467_parser *p, const uint8_t *data, size_t n);

/* kx_ga467_next - take one complete frame: KX_OK; KX_ERR_NOT_FOUND when
 * more bytes are needed; KX_ERR_FRAME when a frame's checksum or length was
 * bad (it is discarded and parsing resynchronises on the next preamble). */
kx_err kx_ga467_next(kx_ga467_parser *p, kx_ga467_frame *out);

/* kx_ga467_status_err - project error for a response's SW3 byte. */
kx_err kx_ga467_status_err(uint8_t sw3);

/* kx_idcard_decode_text - the 256-byte base message text (UCS-2LE,
 * space-padded fields) into out's text fields. */
kx_err kx_idcard_decode_text(const uint8_t text[256], kx_idcard *out);

/* kx_idcard_nation_name - UTF-8 name of a nation code, NULL if unknown. */
const char *kx_idcard_nation_name(const char *code);

/* kx_idcard_check - the kiosk's checks on a card, on day y-m-d. */
void kx_idcard_check(const kx_idcard *card, const kx_rules *rules, int y, int m, int d,
                     kx_idcard_checks *out);

/* kx_idcard_clear - wipe the card (personal data) and free photo_rgb. */
void kx_idcard_clear(kx_idcard *card);

/* ---- readers ------------------------------------------------------------ */

typedef struct kx_idcard_reader kx_idcard_reader;

typedef struct kx_idcard_ops {
    const char *name; /* "ga467" */
    kx_err (*open)(const char *path, int baud, void **dev);
    void (*close)(void *dev);
    /* one attempt to find, select and read a card within timeout_ms;
     * KX_ERR_CARD_ABSENT when no (new) card is there */
    kx_err (*read_once)(void *dev, int timeout_ms, kx_idcard *out);
    kx_err (*sam_status)(void *dev, int timeout_ms);
    /* wake a blocked call (from another thread) */
    void (*interrupt)(void *dev);
} kx_idcard_ops;

kx_err kx_idcard_register(const kx_idcard_ops *ops);

/* kx_idcard_open - open a reader on a serial device (baud 0: 115200). */
kx_err kx_idcard_open(const char *backend, const char *path, int baud, kx_idcard_reader **out);
/* kx_idcard_open_config - [idcard] backend (ga467), device, baud,
 * photo_library (optional vendor WLT decoder, dlopen'ed). */
kx_err kx_idcard_open_config(const kx_config *cfg, kx_idcard_reader **out);
void kx_idcard_close(kx_idcard_reader *r);

/*
 * kx_idcard_read - wait up to timeout_ms for a card and read it. KX_OK;
 * KX_ERR_TIMEOUT when no card came; KX_ERR_CANCELLED after
 * kx_idcard_cancel(); KX_ERR_CARD_LIFTED when the card went mid-read (ask
 * to place it again); KX_ERR_SAM, KX_ERR_FRAME, KX_ERR_CARD_READ,
 * KX_ERR_IO. On error *out is cleared.
 */
kx_err kx_idcard_read(kx_idcard_reader *r, int timeout_ms, kx_idcard *out);

/* kx_idcard_cancel - make a running kx_idcard_read() return
 * KX_ERR_CANCELLED soon. Thread-safe; async-signal-safe. */
void kx_idcard_cancel(kx_idcard_reader *r);

/* kx_idcard_sam_status - KX_OK when the SAM module answers 90. */
kx_err kx_idcard_sam_status(kx_idcard_reader *r);

/*
 * kx_idcard_set_text_decoder - who turns a card's raw text into its fields:
 * fn(ctx, text, out) fills out's text fields (KX_OK or an error, which
 * kx_idcard_read() reports as KX_ERR_CARD_READ). NULL: kx_idcard_decode_text()
 * in this process. kioskd passes the text to its parsing helper instead
 * (kiosk/sandbox: the card's bytes come from outside).
 */
typedef kx_err (*kx_idcard_text_decoder)(void *ctx, const uint8_t text[256], kx_idcard *out);
void kx_idcard_set_text_decoder(kx_idcard_reader *r, kx_idcard_text_decoder fn, void *ctx);

/* kx_idcard_set_photo_decoder - load a vendor WLT decoder library
 * exporting `int unpack(char *wlt, char *bmp, int flag)` (the common
 * libwlt2bmp interface); NULL unloads. */
kx_err kx_idcard_set_photo_decoder(kx_idcard_reader *r, const char *library);

#endif
