/* SPDX-License-Identifier: MIT */
/*
 * fault.h - the one fault-injection shape every driver wrapper uses
 * (tests and the demo only; nothing is injected unless asked).
 *
 * From the environment, for a whole process:
 *
 *   KX_FAULT_<DRIVER>=<call>[:<error name>][,<call>[:<error name>]...]
 *
 * <DRIVER> is the wrapper's driver in capitals (SCANNER, TOKEN, IDCARD,
 * PAYMENT, PRINTER); <call> the wrapper's call name ("scan", "install") or
 * "*" for every call; <error name> any kx_err_name() ("KX_ERR_TOKEN_FULL"),
 * the driver's default error when left out. Every matching call fails.
 *
 * In process (unit tests): kx_fault_arm() makes the `skip`+1-th next
 * matching call fail, and `count` calls from there.
 *
 * Parsed here only: drivers never read the environment or parse error
 * names themselves. (The printer's KX_FAULT_PRINTER names a printer
 * state, paper-out or cover-open, not an error; it keeps its own reader.)
 *
 * Thread rules: safe from any thread.
 */
#ifndef KX_CORE_FAULT_H
#define KX_CORE_FAULT_H

#include "core/err.h"

/*
 * kx_fault_check - the fault asked of driver's call, or KX_OK. A fault
 * sets the error detail "injected fault in <driver> <call>". dflt is the
 * driver's usual failure (a pulled token, a jammed scanner).
 */
kx_err kx_fault_check(const char *driver, const char *call, kx_err dflt);

/*
 * kx_fault_arm - in-process fault: after `skip` matching calls pass, the
 * next `count` calls of driver's `call` ("*": any) return code. One armed
 * fault per driver; code KX_OK or count 0 disarms it.
 */
void kx_fault_arm(const char *driver, const char *call, kx_err code, int skip, int count);

#endif
