/* SPDX-License-Identifier: MIT */
/*
 * backends.h - the back-end tables built into the printer driver, for the
 * registry in printer.c. Private to drivers/printer.
 */
#ifndef KX_DRIVERS_PRINTER_BACKENDS_H
#define KX_DRIVERS_PRINTER_BACKENDS_H

#include "drivers/printer/printer.h"

/* IPP through libcups: a cupsd queue or a printer URI (cups.c). */
extern const kx_printer_ops kx_printer_cups_ops;

/* Defaults of [printer] request_timeout_s and timeout_s, in ms. */
#define PRINTER_DEFAULT_REQUEST_MS 5000
#define PRINTER_DEFAULT_WAIT_MS 20000

/* printer_now_ms - CLOCK_MONOTONIC in milliseconds: the clock of every
 * deadline passed to a back-end. */
double printer_now_ms(void);

/* config.c: a printer URI is ipp:// or ipps://; a queue name is one CUPS
 * takes (not empty, under 128 bytes, no '/', '#', '?', space, tab or '\\'). */
int printer_uri_ok(const char *uri);
int printer_queue_name_ok(const char *name);

#endif
