/* SPDX-License-Identifier: MIT */
/*
 * engine_staff.h - assisted mode, the maintenance menu and the fleet
 * metrics inside kioskd (staff_mode.c), and the device self-tests they use
 * (jobs_devices.c, jobs_token.c, jobs_idcard.c). Internal to kiosk/engine.
 * Every function runs on the main loop with e->mu held.
 */
#ifndef KX_ENGINE_STAFF_H
#define KX_ENGINE_STAFF_H

#include <jansson.h>

#include "engine_internal.h"

/* who did a staff action: [staff:ID] id (or "uid:N"/"conn:staff" when no
 * members are configured) and role ("staff", "admin") */
typedef struct kx_staff_actor {
    char id[KX_JOURNAL_ID_MAX];
    char role[16];
} kx_staff_actor;

/* kx_staff_mode_open - load [staff] (members, policy, allowed_actions,
 * log_file) and [metrics] (file, interval_s) into e->staff. KX_ERR_CONFIG
 * with detail. kx_staff_mode_close frees it (NULL-safe). */
kx_err kx_staff_mode_open(kx_engine *e);
void kx_staff_mode_close(kx_engine *e);

/* 1 when [staff:ID] members exist (then staff actions need a login). */
int kx_staff_mode_members(const kx_engine *e);

/* 1 while an admin is logged in (the maintenance menu on the screen may
 * then read the journal). */
int kx_staff_mode_admin(const kx_engine *e);

/* kx_staff_authorize - may this connection do action now? Fills *a.
 * KX_ERR_PERMISSION with detail otherwise. Refreshes the idle timer. */
kx_err kx_staff_authorize(kx_engine *e, kx_role conn_role, unsigned uid, const char *action,
                          int need_admin, kx_staff_actor *a);

/* kx_staff_record - journal (staff_actions) and log one action. Touches
 * only the journal (which locks itself) and the log, so the worker thread
 * may call it too (the staff_approval job records the RA's answer). */
void kx_staff_record(kx_engine *e, const kx_staff_actor *a, const char *action,
                     const char *session, int64_t tx_id, const char *reason, const char *detail,
                     const char *outcome);

/* kx_staff_request - handle a staff or maintenance request; returns 0 when
 * cmd is not one of them, else 1 with *rc and *result (new reference). */
int kx_staff_request(kx_engine *e, kx_role conn_role, unsigned uid, const char *cmd,
                     json_t *msg, json_t **result, kx_err *rc);

/* staff intents: begin checks the login, allowed_actions and the reason;
 * end records the outcome. */
kx_err kx_staff_intent_begin(kx_engine *e, kx_intent intent, json_t *msg, kx_role role,
                             kx_staff_actor *a, const char **reason);
void kx_staff_intent_end(kx_engine *e, kx_intent intent, const kx_staff_actor *a,
                         const char *session, const char *state, const char *reason, kx_err rc);

/* the state's "staff" member: {id,name,role,idle_left} or null (new ref) */
json_t *kx_staff_state_json(kx_engine *e);

struct kx_token_certs;
/* kx_staff_mode_token_is_staff - 1 when the token with these certificates
 * and this serial is a member's staff UKEY ([staff:ID] token_cert_sha256 /
 * token_serial): a customer's session must never take it for the
 * customer's UKEY. Reads configuration only (safe from a job thread). */
int kx_staff_mode_token_is_staff(const kx_engine *e, const struct kx_token_certs *cs,
                                 const char *serial);
/* restart the staff idle timer (any intent at the kiosk while logged in) */
void kx_staff_mode_touch(kx_engine *e);
/* a transaction ended: write the metrics file at the next tick */
void kx_staff_mode_dirty(kx_engine *e);
/* main loop, every iteration: idle logout, metrics file when due */
void kx_staff_mode_tick(kx_engine *e);

/* engine.c: apply a flow event to the session (lock held) */
kx_err kx_engine_event(kx_engine *e, kx_event ev);

/* self-tests (idle kiosk only): a test scan saved as a PNG preview in the
 * spool (path, size); tokens present (serials); the ID reader's SAM */
kx_err kx_device_selftest_scan(kx_engine *e, char *path, size_t pathsz, int *w, int *h);
kx_err kx_device_selftest_tokens(kx_engine *e, char (*serials)[40], size_t max, size_t *n);
kx_err kx_device_selftest_idcard(kx_engine *e);

#endif
