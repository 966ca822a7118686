/* SPDX-License-Identifier: MIT */
/*
 * staff_cmds.c - the staff and maintenance requests of docs/protocol.md
 * as one table: each command's handler, who may call it, the action name
 * [staff] allowed_actions knows it by, whether it needs a reason, and how
 * it is recorded, and whether the member must give their PIN again (the
 * actions that move money or set someone's identity: docs/security.md,
 * finding 1). kx_staff_request is the only dispatch: nothing else
 * compares a command name. Main loop only.
 */
#include <string.h>

#include "core/log.h"
#include "engine_internal.h"

/* who may call a command */
enum staff_who {
    WHO_ANYONE, /* no login needed (the logins themselves, logout) */
    WHO_STAFF,  /* a logged-in member, or a staff connection without members */
    WHO_ADMIN,  /* a logged-in admin, or a staff connection without members */
};

/* how a command is recorded in the journal's staff_actions */
enum staff_record {
    REC_NONE,    /* not recorded (read-only) */
    REC_TABLE,   /* recorded here after it succeeded: action = cmd */
    REC_HANDLER, /* the handler records it, with its detail and outcome */
};

static const struct staff_cmd {
    const char *cmd;
    kx_staff_handler handler;
    enum staff_who who;
    const char *action; /* its name in [staff] allowed_actions, or NULL */
    int needs_reason;   /* a reason (3..200 bytes) when members are configured */
    enum staff_record record;
    int reauth; /* the member's PIN again in the request (kx_staff_reauth) */
} staff_cmds[] = {
    /* the staff session (staff_session.c) */
    {"staff_login", kx_staff_req_login, WHO_ANYONE, NULL, 0, REC_HANDLER, 0},
    {"staff_login_token", kx_staff_req_login_token, WHO_ANYONE, NULL, 0, REC_HANDLER, 0},
    {"staff_logout", kx_staff_req_logout, WHO_ANYONE, NULL, 0, REC_HANDLER, 0},
    /* staff actions (staff_actions.c) */
    {"staff_actions", kx_staff_req_actions, WHO_STAFF, NULL, 0, REC_NONE, 0},
    {"manual_id", kx_staff_req_manual_id, WHO_STAFF, "manual_id", 1, REC_HANDLER, 1},
    {"counter_paid", kx_staff_req_counter_paid, WHO_STAFF, "counter_paid", 1, REC_HANDLER, 1},
    {"retry", kx_staff_req_retry, WHO_STAFF, "retry", 0, REC_HANDLER, 0},
    {"refund", kx_staff_req_retry, WHO_STAFF, "refund", 1, REC_HANDLER, 1},
    /* maintenance (maintenance.c) */
    {"selftest", kx_maint_req_selftest, WHO_ADMIN, NULL, 0, REC_HANDLER, 0},
    {"summary", kx_maint_req_summary, WHO_ADMIN, NULL, 0, REC_HANDLER, 0},
    {"logs", kx_maint_req_logs, WHO_ADMIN, NULL, 0, REC_TABLE, 0},
    {"config", kx_maint_req_config, WHO_ADMIN, NULL, 0, REC_TABLE, 0},
    {"version", kx_maint_req_version, WHO_ADMIN, NULL, 0, REC_NONE, 0},
    {"maintenance", kx_maint_req_maintenance, WHO_ADMIN, NULL, 0, REC_HANDLER, 0},
    /* printing (print_staff.c) */
    {"reprint", kx_print_req_reprint, WHO_STAFF, NULL, 0, REC_HANDLER, 0},
    {"print_summary", kx_print_req_summary, WHO_ADMIN, NULL, 0, REC_TABLE, 0},
};

int kx_staff_request(kx_engine *e, const kx_client *c, const char *cmd, json_t *msg,
                     json_t **result, kx_err *rc)
{
    const struct staff_cmd *row = NULL;
    for (size_t i = 0; !row && i < sizeof staff_cmds / sizeof staff_cmds[0]; i++)
        if (strcmp(cmd, staff_cmds[i].cmd) == 0)
            row = &staff_cmds[i];
    if (!row)
        return 0;
    kx_staff_call call = {.cmd = row->cmd,
                          .conn_role = c->role,
                          .uid = (unsigned)c->uid,
                          .conn = kx_client_slot(e, c),
                          .reason = ""};
    if (row->who != WHO_ANYONE) {
        *rc = kx_staff_authorize(e, call.conn_role, call.uid, call.conn,
                                 row->action ? row->action : row->cmd, row->who == WHO_ADMIN,
                                 &call.actor);
        if (!*rc && row->reauth)
            *rc = kx_staff_reauth(e, &call, msg);
        if (*rc) {
            kx_log_warn("staff.refused", "cmd=%s uid=%u detail=\"%s\"", cmd, call.uid,
                        kx_err_detail());
            return 1;
        }
        if ((*rc =
                 kx_staff_reason(msg, row->needs_reason && kx_staff_members(e), &call.reason)))
            return 1;
    }
    *rc = row->handler(e, &call, msg, result);
    if (!*rc && row->record == REC_TABLE)
        kx_staff_record(e->journal, &call.actor, row->cmd, NULL, 0, NULL, NULL, "ok");
    return 1;
}
