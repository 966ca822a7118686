/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: printer-state-reasons as a printer or a print server sends
 * them (any bytes), through kx_printer_map_state() with each printer-state
 * and accepting flag. The state must always be one the kiosk knows and a
 * problem only with a keyword that says so. Any crash or sanitizer report
 * is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/printer/printer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *reasons = malloc(size + 1);
    if (!reasons)
        return 0;
    memcpy(reasons, data, size);
    reasons[size] = '\0';
    for (int ipp_state = 0; ipp_state <= 6; ipp_state++)
        for (int accepting = 0; accepting <= 1; accepting++) {
            unsigned warnings = 0;
            kx_printer_state s = kx_printer_map_state(ipp_state, accepting, reasons, &warnings);
            if (s > KX_PRINTER_FAULT || s == KX_PRINTER_NOT_FOUND ||
                s == KX_PRINTER_UNREACHABLE || s == KX_PRINTER_JOB_STUCK)
                abort(); /* states the mapping never gives */
            if (warnings & ~7u)
                abort();
            if (accepting && (ipp_state == 3 || ipp_state == 4) && !reasons[0] &&
                s != (ipp_state == 4 ? KX_PRINTER_PRINTING : KX_PRINTER_READY))
                abort(); /* no reason, a working printer */
        }
    free(reasons);
    return 0;
}
