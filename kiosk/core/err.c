/* SPDX-License-Identifier: MIT */
/*
 * err.c - names and messages of kx_err codes, and the thread-local detail.
 */
#include "err.h"

#include <string.h>

#include <stdarg.h>
#include <stdio.h>

#include "i18n.h"

struct err_entry {
    kx_err code;
    const char *name;
    const char *message;
};

#define E(c, m)                                                                                \
    {                                                                                          \
        c, #c, m                                                                               \
    }
static const struct err_entry err_table[] = {
    E(KX_OK, N_("Success")),
    E(KX_ERR_INVALID_ARG, N_("Invalid argument")),
    E(KX_ERR_NO_MEMORY, N_("Out of memory")),
    E(KX_ERR_IO, N_("Input/output error")),
    E(KX_ERR_NOT_FOUND, N_("Not found")),
    E(KX_ERR_TOO_LARGE, N_("Input too large")),
    E(KX_ERR_BAD_FORMAT, N_("Wrong format")),
    E(KX_ERR_CHECK_FAILED, N_("Check digit does not match")),
    E(KX_ERR_CONFIG, N_("Configuration error")),
    E(KX_ERR_TIMEOUT, N_("Timed out")),
    E(KX_ERR_CANCELLED, N_("Cancelled")),
    E(KX_ERR_BUSY, N_("Busy, please try again shortly")),
    E(KX_ERR_STATE, N_("Not allowed at this step")),
    E(KX_ERR_UNSUPPORTED, N_("Not supported")),
    E(KX_ERR_INTERNAL, N_("Internal error, please call staff")),
    E(KX_ERR_EXPIRED, N_("Document or certificate has expired")),
    E(KX_ERR_UNDERAGE, N_("The agent must be 18 or older")),
    E(KX_ERR_MISMATCH, N_("The documents do not match")),
    E(KX_ERR_PERMISSION, N_("Not authorised")),
    E(KX_ERR_NETWORK, N_("Cannot reach the CA service")),
    E(KX_ERR_TLS, N_("Secure connection to the CA failed")),
    E(KX_ERR_RA_REJECTED, N_("The CA rejected the request")),
    E(KX_ERR_RA_BAD_REPLY, N_("The CA sent an invalid reply")),
    E(KX_ERR_RA_CONFLICT, N_("Request conflicts with an earlier one")),
    E(KX_ERR_RA_NOT_PAID, N_("The order has not been paid")),
    E(KX_ERR_RA_NOT_APPROVED, N_("The application has not been approved")),
    E(KX_ERR_SCAN_JAMMED, N_("The scanner is jammed")),
    E(KX_ERR_SCAN_NO_DOCUMENT, N_("No document on the scanner")),
    E(KX_ERR_SCAN_COVER_OPEN, N_("The scanner cover is open")),
    E(KX_ERR_SCAN_DEVICE, N_("The scanner is not working")),
    E(KX_ERR_IMAGE_UNREADABLE, N_("The image cannot be read")),
    E(KX_ERR_NO_QR, N_("No QR code found on the licence")),
    E(KX_ERR_NO_TABLE, N_("The seal collection sheet was not recognised")),
    E(KX_ERR_NO_CARD, N_("No ID card found on the scan")),
    E(KX_ERR_CARD_ABSENT, N_("No ID card on the reader")),
    E(KX_ERR_CARD_READ, N_("The ID card could not be read")),
    E(KX_ERR_CARD_LIFTED, N_("The ID card was lifted too early")),
    E(KX_ERR_SAM, N_("The ID card reader is not working")),
    E(KX_ERR_FRAME, N_("Communication error with the ID card reader")),
    E(KX_ERR_TOKEN_ABSENT, N_("No UKEY inserted")),
    E(KX_ERR_TOKEN_REMOVED, N_("The UKEY was removed")),
    E(KX_ERR_PIN_INCORRECT, N_("Wrong PIN")),
    E(KX_ERR_PIN_LOCKED, N_("The PIN is locked")),
    E(KX_ERR_PIN_POLICY, N_("The new PIN is too simple")),
    E(KX_ERR_TOKEN, N_("The UKEY is not working")),
    E(KX_ERR_TOKEN_FULL, N_("The UKEY has no room left")),
    E(KX_ERR_JOURNAL, N_("The transaction record could not be written")),
};
#undef E

static const struct err_entry *err_find(kx_err code)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].code == code)
            return &err_table[i];
    return NULL;
}

const char *kx_err_name(kx_err code)
{
    const struct err_entry *e = err_find(code);
    return e ? e->name : "KX_ERR_UNKNOWN";
}

kx_err kx_err_from_name(const char *name, kx_err *out)
{
    if (!name || !out)
        return KX_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (strcmp(err_table[i].name, name) == 0) {
            *out = err_table[i].code;
            return KX_OK;
        }
    return KX_ERR_NOT_FOUND;
}

const char *kx_err_message(kx_err code)
{
    const struct err_entry *e = err_find(code);
    return e ? e->message : "Unknown error";
}

static _Thread_local char err_detail[512];

void kx_err_set_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_detail, sizeof(err_detail), fmt, ap);
    va_end(ap);
}

const char *kx_err_detail(void)
{
    return err_detail;
}

void kx_err_clear_detail(void)
{
    err_detail[0] = '\0';
}
