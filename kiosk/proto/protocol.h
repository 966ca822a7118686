/* SPDX-License-Identifier: MIT */
/*
 * protocol.h - the C view of kioskd's socket protocol (docs/protocol.md).
 *
 * Newline-delimited JSON over a UNIX stream socket, version 1. This header
 * and its library kx_proto are what the front end (kiosk) and kioskctl link:
 * names of screens, intents and errors, limits, and a bounded line reader.
 * kx_proto has no dependency on devices, the RA client or the journal, and
 * never logs message contents (an intent may carry a PIN).
 */
#ifndef KX_ENGINE_PROTOCOL_H
#define KX_ENGINE_PROTOCOL_H

#include <stddef.h>

#include "core/err.h"

/* Protocol version spoken by this build; "v" in every message. */
#define KX_PROTO_VERSION 1
/* Longest accepted line, newline included. Longer lines close the
 * connection after an error reply "too_large". */
#define KX_PROTO_MAX_LINE 65536
/* Most clients connected at once. */
#define KX_PROTO_MAX_CLIENTS 16
/* Consecutive malformed messages after which a connection is closed. */
#define KX_PROTO_MAX_BAD 16
/* Bytes queued to a client that does not read before it is dropped. */
#define KX_PROTO_MAX_QUEUED (1024 * 1024)
/* Default socket path ([engine] socket). */
#define KX_PROTO_DEFAULT_SOCKET "/run/jxca-kiosk/kioskd.sock"

/* Screens: the UI builds one screen per id. Append only (ids are part of
 * the protocol); kx_screen_id() gives the wire name. */
typedef enum kx_screen {
    KX_SCREEN_HOME = 0,
    KX_SCREEN_BUSY,
    KX_SCREEN_UKEY_INSERT,
    KX_SCREEN_UKEY_BLANK_INSERT,
    KX_SCREEN_CERT_SHOW,
    KX_SCREEN_PIN_ENTER,
    KX_SCREEN_PIN_NEW,
    KX_SCREEN_FEE_CONFIRM,
    KX_SCREEN_PAYMENT,
    KX_SCREEN_LICENCE_PLACE,
    KX_SCREEN_COMPANY_CONFIRM,
    KX_SCREEN_IDCARD_PLACE,
    KX_SCREEN_AGENT_CONFIRM,
    KX_SCREEN_DOC_PLACE,
    KX_SCREEN_DOC_REVIEW,
    KX_SCREEN_CONTACT,
    KX_SCREEN_AGREEMENT,
    KX_SCREEN_SEAL_PLACE,
    KX_SCREEN_SEAL_REVIEW,
    KX_SCREEN_REVIEW_WAIT,
    KX_SCREEN_REVOKE_METHOD,
    KX_SCREEN_REVOKE_REASON,
    KX_SCREEN_REVOKE_CONFIRM,
    KX_SCREEN_DONE,
    KX_SCREEN_CANCELLED,
    KX_SCREEN_ERROR,
    KX_SCREEN_STAFF_NEEDED,
    KX_SCREEN_OUT_OF_SERVICE,
    KX_SCREEN_REVOKE_PICK, /* revocation without the UKEY: which certificate(s) */
    KX_SCREEN_FORM_REVIEW, /* the filled-in application form, before the agreement */
    KX_SCREEN_COUNT
} kx_screen;

/* Intents a client may send ("intent" field). Append only. */
typedef enum kx_intent {
    KX_INTENT_CHOOSE_SERVICE = 0, /* service */
    KX_INTENT_SET_LANGUAGE,       /* lang */
    KX_INTENT_PIN,                /* pin (whole PIN, never logged) */
    KX_INTENT_NEW_PIN,            /* pin, repeat (never logged) */
    KX_INTENT_CONTACT,            /* phone, email */
    KX_INTENT_CHOOSE,             /* value */
    KX_INTENT_CONFIRM,
    KX_INTENT_RETRY,
    KX_INTENT_BACK,
    KX_INTENT_CANCEL,
    KX_INTENT_ACTIVITY,
    KX_INTENT_STAFF_APPROVE,  /* staff role */
    KX_INTENT_STAFF_REJECT,   /* staff role; reason */
    KX_INTENT_STAFF_OVERRIDE, /* staff role */
    KX_INTENT_STAFF_RESET,    /* staff role */
    KX_INTENT_PRINT_AGAIN,    /* the receipt once more (done, cancelled screens) */
    KX_INTENT_PRINT_FORM,     /* this step's blank form (seal sheet, authorisation letter) */
    KX_INTENT_COUNT
} kx_intent;

/* Connection roles granted from SO_PEERCRED (docs/protocol.md). */
typedef enum kx_role {
    KX_ROLE_NONE = 0,
    KX_ROLE_UI = 1,
    KX_ROLE_STAFF = 2,
} kx_role;

/* PIN length limits the protocol accepts (the token may be stricter). */
#define KX_PIN_MIN 4
#define KX_PIN_MAX 16
#define KX_NEW_PIN_MIN 6

/* kx_screen_id - wire name ("pin_enter"); "unknown" out of range. Static. */
const char *kx_screen_id(kx_screen screen);
/* kx_screen_from_id - inverse; KX_ERR_NOT_FOUND for unknown names. */
kx_err kx_screen_from_id(const char *id, kx_screen *out);

/* kx_intent_name - wire name ("choose_service"); "unknown" out of range. */
const char *kx_intent_name(kx_intent intent);
/* kx_intent_from_name - inverse; KX_ERR_NOT_FOUND for unknown names. */
kx_err kx_intent_from_name(const char *name, kx_intent *out);
/* kx_intent_is_staff - 1 when the intent needs the staff role. */
int kx_intent_is_staff(kx_intent intent);
/* kx_intent_carries_secret - 1 for pin/new_pin: the message must be wiped
 * after parsing and never logged. */
int kx_intent_carries_secret(kx_intent intent);

/* kx_role_name - "ui", "staff" or "none". */
const char *kx_role_name(kx_role role);

/* kx_proto_error_name - wire "error" field for a kx_err ("state",
 * "permission", "bad_request", "too_large", "not_found", "busy",
 * "internal"). Static string. */
const char *kx_proto_error_name(kx_err code);

/*
 * Bounded line reader for a socket: accumulates bytes and hands out whole
 * lines, refusing any longer than KX_PROTO_MAX_LINE. One per connection;
 * not thread-safe. The buffer is wiped when freed or compacted because
 * lines may carry PINs.
 */
typedef struct kx_line_reader kx_line_reader;

/* kx_line_reader_new / _free - create (free with _free; NULL is fine). */
kx_err kx_line_reader_new(kx_line_reader **out);
void kx_line_reader_free(kx_line_reader *lr);

/*
 * kx_line_reader_fill - read once from fd (non-blocking or blocking).
 * Returns KX_OK when bytes were read, KX_ERR_BUSY on EAGAIN, KX_ERR_IO on
 * end of file (peer closed) or error.
 */
kx_err kx_line_reader_fill(kx_line_reader *lr, int fd);

/*
 * kx_line_reader_fill_fds - kx_line_reader_fill() of a UNIX socket that
 * may pass descriptors with its bytes (SCM_RIGHTS: kioskd's previews).
 * Up to max received descriptors go to fds (close-on-exec), their number
 * to *nfds; any beyond max are closed. A message that carries one says so
 * ("fd": true), and they arrive no later than its line.
 */
kx_err kx_line_reader_fill_fds(kx_line_reader *lr, int fd, int *fds, int max, int *nfds);

/* kx_line_reader_pending - bytes buffered of a line not ended yet (0 when
 * every byte received belongs to a complete line). */
size_t kx_line_reader_pending(const kx_line_reader *lr);

/*
 * kx_line_reader_next - next complete line, without its newline, NUL
 * terminated, in *line (owned by lr, valid until the next call; the caller
 * may wipe it in place). KX_ERR_NOT_FOUND when no complete line is buffered
 * yet, KX_ERR_TOO_LARGE when the pending line exceeds the limit (the
 * connection must then be closed).
 */
kx_err kx_line_reader_next(kx_line_reader *lr, char **line, size_t *len);

/*
 * kx_proto_connect - connect to the socket at path (blocking). *fd_out is
 * the connected descriptor, close it with close(). KX_ERR_IO with detail
 * when kioskd is not there.
 */
kx_err kx_proto_connect(const char *path, int *fd_out);

/*
 * kx_proto_send_line - write text plus a newline completely (retries on
 * EINTR/short writes, blocking fd). KX_ERR_IO on failure.
 */
kx_err kx_proto_send_line(int fd, const char *text);

#endif
