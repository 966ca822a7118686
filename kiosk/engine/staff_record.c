/* SPDX-License-Identifier: MIT */
/*
 * staff_record.c - the record of every staff action: a row in the
 * journal's staff_actions table and a log line (who, what, when, why,
 * the outcome). Touches only the journal (which locks itself) and the
 * log, so the main loop and a job (the staff_approval job records the
 * RA's answer) both use it. Reasons and details are cleaned of quotes and
 * control bytes before they reach either.
 */
#include <stdint.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"

/* copy text for a log line or the journal: no quotes, no control bytes */
void kx_staff_clean_text(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outsz; in++) {
        unsigned char ch = (unsigned char)*in;
        out[n++] = (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') ? ' ' : (char)ch;
    }
    out[n] = 0;
}

void kx_staff_record(kx_journal *j, const kx_staff_actor *a, const char *action,
                     const char *session, int64_t tx_id, const char *reason, const char *detail,
                     const char *outcome)
{
    kx_journal_staff_action r = {.tx_id = tx_id};
    kx_strlcpy(r.staff_id, a->id, sizeof r.staff_id);
    kx_strlcpy(r.role, a->role, sizeof r.role);
    kx_strlcpy(r.action, action, sizeof r.action);
    kx_strlcpy(r.session, session ? session : "", sizeof r.session);
    kx_staff_clean_text(reason, r.reason, sizeof r.reason);
    kx_staff_clean_text(detail, r.detail, sizeof r.detail);
    kx_strlcpy(r.outcome, outcome ? outcome : "ok", sizeof r.outcome);
    kx_err rc = kx_journal_staff_record(j, &r, NULL);
    kx_log_info("staff.action",
                "staff=%s role=%s action=%s session=%s tx=%lld reason=\"%s\" detail=\"%s\" "
                "outcome=%s journaled=%s",
                r.staff_id, r.role, r.action, r.session[0] ? r.session : "-", (long long)tx_id,
                r.reason, r.detail, r.outcome, rc ? kx_err_name(rc) : "yes");
}
