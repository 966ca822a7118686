/* SPDX-License-Identifier: MIT */
/*
 * print_staff.c - the staff's print requests (rows of staff_cmds.c's
 * table): print the last receipt again, print the day's summary. The
 * printing itself runs on the print thread (print.c, jobs_print.c); the
 * reply says the document was queued. Main loop only.
 */
#include <string.h>

#include "core/log.h"
#include "engine_internal.h"

kx_err kx_print_req_reprint(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result)
{
    (void)msg;
    kx_err rc = kx_print_reprint_last(e, result);
    kx_staff_record(e->journal, &call->actor, "reprint", NULL, 0, call->reason, "receipt",
                    rc ? kx_err_name(rc) : "ok");
    return rc;
}

kx_err kx_print_req_summary(kx_engine *e, const kx_staff_call *call, json_t *msg,
                            json_t **result)
{
    json_t *sum = NULL;
    kx_err rc = kx_maint_req_summary(e, call, msg, &sum);
    kx_daily_summary *d = rc ? NULL : calloc(1, sizeof *d);
    if (!rc && !d)
        rc = KX_ERR_NO_MEMORY;
    if (!rc) {
        kx_doc_lang_from_code(e->lang, &d->lang);
        if (!(rc = kx_docs_summary_from_json(sum, d)))
            rc = kx_print_summary(e, d);
    }
    if (!rc) {
        /* the summary itself, marked queued (the screen keeps showing it) */
        *result = json_incref(sum);
        json_object_set_new(*result, "queued", json_string("summary"));
        kx_log_info("print.summary", "date=%s", d->date);
    }
    free(d);
    json_decref(sum);
    return rc;
}
