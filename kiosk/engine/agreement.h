/* SPDX-License-Identifier: MIT */
/*
 * agreement.h - the CA's user agreement in full and its acceptance
 * (agreement.c). The journal holds what was accepted: an "agreement"
 * transaction per acceptance, ref the version (SHA-256 hex of the exact
 * bytes shown), result "<lang> <unix seconds>"; the RA case takes both
 * from there.
 */
#ifndef KX_ENGINE_AGREEMENT_H
#define KX_ENGINE_AGREEMENT_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "engine/journal.h"

#define KX_AGREEMENT_VERSION_LEN 65 /* 64 hex digits and NUL */

struct kx_engine;

/* kx_agreement_read - the text in lang ("en"; anything else: zh_CN) from
 * [kiosk] agreement_dir, and its version. *text is malloc'd (the caller
 * frees it). KX_ERR_IO (no file), KX_ERR_CONFIG (empty or over 256 KiB).
 * Any thread. */
kx_err kx_agreement_read(const kx_config *cfg, const char *lang, char **text,
                         char version[KX_AGREEMENT_VERSION_LEN]);

/* kx_agreement_json - {version, lang, paragraphs[]} of the session's
 * language for the agreement screen; null when the text cannot be read
 * (logged). Main loop. New reference. */
json_t *kx_agreement_json(const struct kx_engine *e);

/* kx_agreement_accept - the customer accepted the text of the session's
 * language now: journaled, and the session's agreement_at set. Main loop. */
kx_err kx_agreement_accept(struct kx_engine *e);

/* kx_agreement_accepted - the version and time of the session's latest
 * acceptance from the journal; KX_ERR_NOT_FOUND when none. Any thread. */
kx_err kx_agreement_accepted(kx_journal *j, const char *session,
                             char version[KX_AGREEMENT_VERSION_LEN], int64_t *accepted_at);

#endif
