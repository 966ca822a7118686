/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - confinement of the parsing helper (kiosk-parse) once it has
 * set up: after kx_sandbox_enter() the process can read and write the file
 * descriptors it holds and compute, and nothing else.
 *
 *   - resource limits: CPU seconds, address space (not under
 *     AddressSanitizer, which reserves terabytes of shadow), no core file,
 *     no file size (nothing can be written to a file), no further
 *     descriptors;
 *   - no new privileges, then a seccomp filter (libseccomp) allowing only
 *     the system calls of memory, threads, time, signals to itself and I/O
 *     on open descriptors. Opening a file for writing, any socket or
 *     network call, exec, ptrace and everything else not listed kills the
 *     process (SIGSYS); opening a file to read fails with EACCES, so no
 *     secret on disk (the RA key) can be read.
 *
 * The libraries' lazy set-up that would need a file later (the time zone,
 * iconv's converters libzbar asks for) is done first. Never returns an
 * error that leaves a half-confined process running: the caller exits.
 */
#ifndef KX_SANDBOX_SANDBOX_H
#define KX_SANDBOX_SANDBOX_H

#include "core/err.h"

/* limits (seconds, bytes) */
#define KX_SANDBOX_CPU_SECONDS 120
#define KX_SANDBOX_ADDRESS_SPACE (1536L * 1024 * 1024)

/*
 * kx_sandbox_enter - confine the calling process (all its threads: call it
 * before starting any). keep_fds: descriptors 0..keep_fds-1 stay usable,
 * every other one is closed. KX_OK, or KX_ERR_INTERNAL with a detail
 * (the caller must then exit).
 */
kx_err kx_sandbox_enter(int keep_fds);

#endif
