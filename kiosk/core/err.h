/* SPDX-License-Identifier: MIT */
/*
 * err.h - the one error vocabulary of the kiosk.
 *
 * Every fallible function in the project returns a kx_err; zero is success.
 * Results travel through out-parameters. Human-readable detail for the log
 * goes through kx_err_set_detail(); code never parses or branches on it.
 * Flows map each code to a screen telling the user what to do next.
 *
 * Append new codes at the end of their group; never renumber (codes appear
 * in the journal and in the socket protocol).
 */
#ifndef KX_CORE_ERR_H
#define KX_CORE_ERR_H

typedef enum kx_err {
    KX_OK = 0,

    /* generic */
    KX_ERR_INVALID_ARG = 1, /* caller passed something unusable */
    KX_ERR_NO_MEMORY = 2,
    KX_ERR_IO = 3, /* file or device I/O failed */
    KX_ERR_NOT_FOUND = 4,
    KX_ERR_TOO_LARGE = 5,    /* input over a configured or sane limit */
    KX_ERR_BAD_FORMAT = 6,   /* input is not what it claims to be */
    KX_ERR_CHECK_FAILED = 7, /* well formed, but a check digit is wrong */
    KX_ERR_CONFIG = 8,       /* configuration missing or out of range */
    KX_ERR_TIMEOUT = 9,
    KX_ERR_CANCELLED = 10,
    KX_ERR_BUSY = 11,        /* try again later */
    KX_ERR_STATE = 12,       /* not allowed in the current state */
    KX_ERR_UNSUPPORTED = 13, /* the device or peer cannot do this */
    KX_ERR_INTERNAL = 14,    /* broken invariant: a bug */
    KX_ERR_EXPIRED = 15,     /* a document or certificate is past its date */
    KX_ERR_UNDERAGE = 16,    /* agent younger than 18 */
    KX_ERR_MISMATCH = 17,    /* two documents disagree (credit code, key) */
    KX_ERR_PERMISSION = 18,  /* not authorised (staff, peer credentials) */

    /* network and RA (100..) */
    KX_ERR_NETWORK = 100,      /* cannot reach the RA */
    KX_ERR_TLS = 101,          /* handshake or verification failed */
    KX_ERR_RA_REJECTED = 102,  /* the RA refused the request */
    KX_ERR_RA_BAD_REPLY = 103, /* malformed or unexpected reply */
    KX_ERR_RA_CONFLICT = 104,  /* idempotency key reused with another body */
    KX_ERR_RA_NOT_PAID = 105,
    KX_ERR_RA_NOT_APPROVED = 106,

    /* scanner (200..) */
    KX_ERR_SCAN_JAMMED = 200,
    KX_ERR_SCAN_NO_DOCUMENT = 201,
    KX_ERR_SCAN_COVER_OPEN = 202,
    KX_ERR_SCAN_DEVICE = 203, /* device missing or failed */

    /* imaging (250..) */
    KX_ERR_IMAGE_UNREADABLE = 250,
    KX_ERR_NO_QR = 251,
    KX_ERR_NO_TABLE = 252, /* seal sheet: ruled table not found */
    KX_ERR_NO_CARD = 253,  /* ID card not found on the scan */

    /* ID card reader (300..) */
    KX_ERR_CARD_ABSENT = 300,
    KX_ERR_CARD_READ = 301, /* card found, reading failed */
    KX_ERR_CARD_LIFTED = 302,
    KX_ERR_SAM = 303,   /* SAM module failed or not authorised */
    KX_ERR_FRAME = 304, /* serial frame corrupt (checksum, length) */

    /* token (400..) */
    KX_ERR_TOKEN_ABSENT = 400,
    KX_ERR_TOKEN_REMOVED = 401,
    KX_ERR_PIN_INCORRECT = 402,
    KX_ERR_PIN_LOCKED = 403,
    KX_ERR_PIN_POLICY = 404, /* new PIN too weak or wrong length */
    KX_ERR_TOKEN = 405,      /* module or token failure */
    KX_ERR_TOKEN_FULL = 406,

    /* journal (500..) */
    KX_ERR_JOURNAL = 500,
} kx_err;

/*
 * kx_err_name - stable identifier of a code ("KX_ERR_TIMEOUT").
 * Returns a static string; never NULL ("KX_ERR_UNKNOWN" for unknown codes).
 */
const char *kx_err_name(kx_err code);

/* kx_err_from_name - inverse of kx_err_name(): KX_ERR_NOT_FOUND for a name
 * that is no code's. */
kx_err kx_err_from_name(const char *name, kx_err *out);

/*
 * kx_err_message - short English description, the gettext msgid of the
 * user-facing text. Translate with kx_tr(). Static string, never NULL.
 */
const char *kx_err_message(kx_err code);

/*
 * kx_err_set_detail / kx_err_detail - thread-local detail for the last
 * error, for logs only. The detail never contains a PIN or an unmasked ID
 * number. kx_err_detail() returns "" when none was set.
 */
void kx_err_set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *kx_err_detail(void);
void kx_err_clear_detail(void);

#endif
