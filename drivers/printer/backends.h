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

/* printer_now_ms - CLOCK_MONOTONIC in milliseconds: the clock of every
 * deadline passed to a back-end. */
double printer_now_ms(void);

#endif
