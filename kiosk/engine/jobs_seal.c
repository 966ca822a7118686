/* SPDX-License-Identifier: MIT */
/*
 * jobs_seal.c - the electronic-seal sheet in the journal (jobs_seal.h):
 * the accepted sheet recorded as a seal_sheet transaction, and taken over
 * by the next session of the same company after a crash.
 */
#include "jobs_seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/str.h"
#include "imaging/sealsheet.h"

#define SEAL_KIND "seal_sheet"
#define SEAL_PREVIEW "sheet-preview"
#define SEAL_SPOOL_MAX 8 /* the impressions and the preview (a rescan adds some) */

/* "found=5 accepted=3 seal_company=ok/ok seal_legal_rep=ok/missing ...":
 * cells with an impression, areas with an accepted one, each row's two
 * verdicts (cells come row by row, cell 0 then 1) */
static void seal_result_text(const kx_job_result *out, char *buf, size_t n)
{
    const char *ok = kx_seal_status_name(KX_SEAL_OK);
    int found = 0, accepted = 0;
    char rows[200] = "";
    for (int i = 0; i < out->n_seal_cells; i++) {
        const kx_state_seal_cell *c = &out->seal_cells[i];
        size_t used = strlen(rows);
        found += strcmp(c->verdict, kx_seal_status_name(KX_SEAL_MISSING)) != 0;
        if (c->cell == 0) {
            const kx_state_seal_cell *next = i + 1 < out->n_seal_cells ? c + 1 : NULL;
            accepted += strcmp(c->verdict, ok) == 0 ||
                        (next && next->cell == 1 && strcmp(next->verdict, ok) == 0);
            (void)snprintf(rows + used, sizeof rows - used, " %s=%s", c->row, c->verdict);
        } else {
            (void)snprintf(rows + used, sizeof rows - used, "/%s", c->verdict);
        }
    }
    (void)snprintf(buf, n, "found=%d accepted=%d%s", found, accepted, rows);
}

/* the cells of a recorded result back into a job result */
static int seal_cells_parse(const char *result, kx_job_result *out)
{
    out->n_seal_cells = 0;
    const char *p = strchr(result, ' ');
    if (p)
        p = strchr(p + 1, ' '); /* past found= and accepted= */
    while (p && *p == ' ') {
        char row[24], v0[24], v1[24];
        if (sscanf(p + 1, "%23[a-z_]=%23[a-z_]/%23[a-z_]", row, v0, v1) != 3 ||
            out->n_seal_cells + 2 > KX_MAX_SEAL_CELLS)
            return 0;
        for (int c = 0; c < 2; c++) {
            kx_state_seal_cell *sc = &out->seal_cells[out->n_seal_cells++];
            kx_strlcpy(sc->row, row, sizeof sc->row);
            sc->cell = c;
            kx_strlcpy(sc->verdict, c ? v1 : v0, sizeof sc->verdict);
            sc->msgid = NULL;
        }
        p = strchr(p + 1, ' ');
    }
    return out->n_seal_cells > 0;
}

kx_err kx_seal_record(kx_worker *w, const kx_job_input *in, const kx_job_result *out)
{
    char result[KX_JOURNAL_TEXT_MAX];
    kx_step st;
    if (!in->have_company || !in->uscc[0])
        return KX_OK;
    seal_result_text(out, result, sizeof result);
    kx_err rc = kx_step_begin(w->journal, in->session, SEAL_KIND, in->uscc, 0, 0, &st);
    if (rc)
        return rc;
    kx_step_end(w->journal, SEAL_KIND, &st, KX_OK, result);
    kx_log_info("seal.recorded", "session=%s tx=%lld %s", in->session, (long long)st.tx,
                result);
    return KX_OK;
}

kx_err kx_job_seal_sheet(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    kx_err rc = kx_job_seal_scan(w, in, out);
    if (!rc && out->ev == KX_EV_JOB_OK)
        rc = kx_seal_record(w, in, out);
    return rc;
}

/* a spool file of kind ("<dir>/<session>.<kind>[:WxH].png"; a session id
 * has no dot, and the file keeps its first session's name) */
static int seal_spooled_kind(const char *path, const char *kind)
{
    const char *base = strrchr(path, '/');
    base = strchr(base ? base + 1 : path, '.');
    size_t kl = strlen(kind);
    return base && strncmp(base + 1, kind, kl) == 0 &&
           (base[1 + kl] == ':' || base[1 + kl] == '.');
}

/* width and height from a PNG's IHDR; 0 when unreadable */
static void seal_png_size(const char *path, int *wd, int *ht)
{
    unsigned char h[24];
    FILE *f = fopen(path, "rb");
    *wd = *ht = 0;
    if (f && fread(h, 1, sizeof h, f) == sizeof h && memcmp(h + 12, "IHDR", 4) == 0) {
        *wd =
            (int)((unsigned)h[16] << 24 | (unsigned)h[17] << 16 | (unsigned)h[18] << 8 | h[19]);
        *ht =
            (int)((unsigned)h[20] << 24 | (unsigned)h[21] << 16 | (unsigned)h[22] << 8 | h[23]);
    }
    if (f)
        (void)fclose(f);
}

/* the impressions (and sheet preview) session old still spools: 1 when
 * all three seal kinds are there; paths[] gets them, *n their number */
static int seal_spool_of(kx_worker *w, const char *old, char (*paths)[KX_JOURNAL_TEXT_MAX],
                         size_t *n, int *preview)
{
    static const char *const kinds[] = {"seal_company", "seal_legal_rep",
                                        "signature_legal_rep"};
    char all[64][KX_JOURNAL_TEXT_MAX];
    size_t m = 0;
    int have = 0;
    *n = 0;
    *preview = -1;
    if (kx_journal_spool_list(w->journal, old, all, 64, &m) != KX_OK)
        return 0;
    for (size_t i = 0; i < m && *n + 1 < SEAL_SPOOL_MAX; i++) {
        for (int k = 0; k < 3; k++)
            if (seal_spooled_kind(all[i], kinds[k])) {
                have |= 1 << k;
                kx_strlcpy(paths[(*n)++], all[i], KX_JOURNAL_TEXT_MAX);
            }
        if (seal_spooled_kind(all[i], SEAL_PREVIEW)) {
            *preview = (int)*n;
            kx_strlcpy(paths[(*n)++], all[i], KX_JOURNAL_TEXT_MAX);
        }
    }
    return have == 7;
}

/* a seal_sheet of another session that a crash ended, still spooled */
static int seal_reusable(kx_worker *w, const kx_job_input *in, const kx_journal_tx *t)
{
    kx_journal_session js;
    if (t->status != KX_TX_DONE || strcmp(t->session, in->session) == 0 ||
        strcmp(t->ref, in->uscc) != 0)
        return 0;
    if (kx_journal_session_get(w->journal, t->session, &js) != KX_OK)
        return 0;
    return strcmp(js.outcome, "abandoned") == 0 || strcmp(js.outcome, "recovered") == 0;
}

kx_err kx_job_seal_reuse(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    int64_t now = (int64_t)time(NULL);
    size_t n = 0;
    kx_err rc = KX_OK;
    out->ev = KX_EV_JOB_OK; /* nothing to take over: the sheet is asked for */
    if (!in->have_company || !in->uscc[0])
        return KX_OK;
    kx_journal_tx *txs = calloc(32, sizeof *txs);
    char(*paths)[KX_JOURNAL_TEXT_MAX] = calloc(SEAL_SPOOL_MAX, sizeof *paths);
    if (!txs || !paths) {
        rc = KX_ERR_NO_MEMORY;
        goto done;
    }
    kx_journal_list_kind(w->journal, SEAL_KIND, now - KX_SEAL_REUSE_S, now + 1, txs, 32, &n);
    for (size_t i = n; i-- > 0;) { /* the newest first */
        const kx_journal_tx *t = &txs[i];
        size_t np = 0;
        int preview = -1;
        if (!seal_reusable(w, in, t) || !seal_spool_of(w, t->session, paths, &np, &preview))
            continue;
        kx_job_result cells = {0};
        if (!seal_cells_parse(t->result, &cells))
            continue;
        for (size_t k = 0; !rc && k < np; k++)
            rc = kx_journal_spool_reassign(w->journal, paths[k], in->session);
        if (rc)
            break;
        memcpy(out->seal_cells, cells.seal_cells, sizeof out->seal_cells);
        out->n_seal_cells = cells.n_seal_cells;
        out->parts |= KX_JR_SEAL_CELLS;
        if (preview >= 0 && out->n_previews < KX_MAX_PREVIEWS) {
            kx_preview *p = &out->previews[out->n_previews++];
            kx_strlcpy(p->doc, "seal_sheet", sizeof p->doc);
            kx_strlcpy(p->path, paths[preview], sizeof p->path);
            seal_png_size(p->path, &p->width, &p->height);
            out->parts |= KX_JR_PREVIEWS;
        }
        /* this session's own record: a crash now is taken over again */
        rc = kx_seal_record(w, in, out);
        kx_log_info("seal.reused", "session=%s from=%s tx=%lld files=%zu rc=%s", in->session,
                    t->session, (long long)t->id, np, kx_err_name(rc));
        if (!rc)
            out->ev = KX_EV_JOB_ALT;
        break;
    }
done:
    free(txs);
    free(paths);
    return rc;
}
