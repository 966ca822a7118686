/* SPDX-License-Identifier: MIT */
/*
 * summary_json.c - the day's summary as kioskd's `summary` request answers
 * it (docs/protocol.md) into the struct the summary page is rendered from,
 * for kioskd's printed summary and `kioskctl print summary` alike. Reads
 * only; fills the counts, not the page's language, paper or hall.
 */
#include <jansson.h>

#include "core/str.h"
#include "docs/docs.h"

kx_err kx_docs_summary_from_json(const struct json_t *answer, kx_daily_summary *out)
{
    json_t *s = json_object_get(answer, "result");
    if (!json_is_object(s))
        s = (json_t *)(uintptr_t)answer; /* the object itself */
    const char *date = json_string_value(json_object_get(s, "date"));
    kx_strlcpy(out->date, date ? date : "", sizeof out->date);
    out->n_rows = 0;
    json_t *row;
    size_t i;
    json_array_foreach(json_object_get(s, "sessions"), i, row)
    {
        if (out->n_rows == KX_SUMMARY_MAX_ROWS)
            break;
        kx_summary_row *r = &out->rows[out->n_rows++];
        const char *svc = json_string_value(json_object_get(row, "service"));
        const char *oc = json_string_value(json_object_get(row, "outcome"));
        kx_strlcpy(r->service, svc ? svc : "", sizeof r->service);
        kx_strlcpy(r->outcome, oc ? oc : "", sizeof r->outcome);
        r->count = json_integer_value(json_object_get(row, "count"));
    }
    out->paid_orders = json_integer_value(json_object_get(s, "paid_orders"));
    out->taken_fen = json_integer_value(json_object_get(s, "taken_fen"));
    out->refunded_fen = json_integer_value(json_object_get(s, "refunded_fen"));
    out->journal_refunds = json_integer_value(json_object_get(s, "journal_refunds"));
    out->mismatches = json_integer_value(json_object_get(s, "mismatches"));
    out->reconciled = json_is_true(json_object_get(s, "reconciled"));
    return out->date[0] ? KX_OK : KX_ERR_BAD_FORMAT;
}
