/* SPDX-License-Identifier: MIT */
/*
 * backends.h - the back-end tables built into the scanner driver, for the
 * registry in scanner.c. Private to drivers/scanner.
 */
#ifndef KX_DRIVERS_SCANNER_BACKENDS_H
#define KX_DRIVERS_SCANNER_BACKENDS_H

#include "drivers/scanner/scanner.h"

/* SANE (sane.c). */
extern const kx_scanner_ops kx_scanner_sane_ops;

#endif
