/* SPDX-License-Identifier: MIT */
/*
 * engine.h - kioskd, the transaction engine: sessions walking the service
 * flows, jobs off the main loop, the write-ahead journal, recovery, and the
 * socket server of docs/protocol.md.
 *
 * The main loop (kx_engine_run) owns the socket and the session state and
 * never blocks on a device or the RA: each job runs on its own thread and
 * reports back through a wake-up pipe, so state publication never waits.
 */
#ifndef KX_ENGINE_ENGINE_H
#define KX_ENGINE_ENGINE_H

#include "core/config.h"
#include "core/err.h"

typedef struct kx_engine kx_engine;

/*
 * kx_engine_create - read the configuration ([kiosk] state_dir, [engine],
 * [fees], [rules], [ra] and the drivers' sections), open the journal in the
 * state directory, bind the socket. cfg must outlive the engine. Does not
 * start recovery or serve yet. KX_ERR_CONFIG / KX_ERR_JOURNAL / KX_ERR_IO
 * with detail. Free with kx_engine_destroy().
 */
kx_err kx_engine_create(const kx_config *cfg, kx_engine **out);

/*
 * kx_engine_run - recover open transactions, then serve until
 * kx_engine_stop(). Returns KX_OK after a stop, or the error that ended
 * the loop. Call from one thread (the main thread).
 */
kx_err kx_engine_run(kx_engine *e);

/* kx_engine_stop - ask the loop to end. Async-signal-safe. */
void kx_engine_stop(kx_engine *e);

/* kx_engine_destroy - waits for running jobs, wipes secrets, closes the
 * socket (removing its file) and the journal. NULL is fine. */
void kx_engine_destroy(kx_engine *e);

/* kx_engine_print_flows - write every flow table as text to stdout
 * (kioskd --print-flows). */
void kx_engine_print_flows(void);

#endif
