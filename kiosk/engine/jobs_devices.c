/* SPDX-License-Identifier: MIT */
/*
 * jobs_devices.c - the jobs that use the scanner and the imaging library:
 * a document, the licence (QR and credit code) and the seal sheet, each
 * saved into the spool for the RA. Worker thread only (and the idle main
 * loop's self-test scan). Previews, seal verdicts and the credit code go
 * back in the job's result; scan progress goes to the main loop as
 * progress messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "jobs_docs.h"
#include "imaging/cardcrop.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"
#include "imaging/sealsheet.h"
#include "sandbox/parse_client.h"
#include "scanner/scanner.h"

/* ---- scanner ---- */

typedef struct scan_progress_ctx {
    kx_worker *w;
    int64_t last_ms;
} scan_progress_ctx;

static int scan_progress(void *user, const kx_scan_progress *p)
{
    scan_progress_ctx *c = user;
    if (kx_worker_cancelled(c->w))
        return 1;
    int64_t now = kx_now_ms();
    if (p->lines_total > 0 && now - c->last_ms > 200) {
        c->last_ms = now;
        kx_worker_progress(c->w, (double)p->lines_done / p->lines_total);
    }
    return 0;
}

static kx_err scan_page(kx_worker *w, kx_image **out)
{
    kx_devices *d = w->dev;
    kx_err rc;
    if (!d->scanner &&
        (rc = kx_scanner_open(d->scan_cfg.backend, d->scan_cfg.device, &d->scanner)))
        return rc;
    scan_progress_ctx ctx = {.w = w};
    rc = kx_scanner_scan(d->scanner, &d->scan_cfg.params, scan_progress, &ctx, out);
    if (rc == KX_ERR_SCAN_DEVICE) { /* reopen next time */
        kx_scanner_close(d->scanner);
        d->scanner = NULL;
    }
    return rc;
}

/* state document id -> RA document kind id */
static const char *ra_kind_of_doc(const char *doc)
{
    static const struct {
        const char *doc, *kind;
    } map[] = {{"licence", "licence"},
               {"agent_id_front", "id_card_front"},
               {"agent_id_back", "id_card_back"},
               {"auth_letter", "auth_letter"},
               {"reissue_statement", "reissue_statement"},
               {"uscc_copy", "uscc_copy"}};
    for (size_t i = 0; doc && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].doc, doc) == 0)
            return map[i].kind;
    return NULL;
}

/* save an image into the spool as <session>.<kind>.png and list it */
static kx_err spool_save(kx_worker *w, const char *sid, const char *kind, const kx_image *img,
                         char *path, size_t pathsz)
{
    if ((size_t)snprintf(path, pathsz, "%s/%s.%s.png", w->set->spool_dir, sid, kind) >= pathsz)
        return KX_ERR_TOO_LARGE;
    kx_err rc = kx_journal_spool_add(w->journal, sid, kind, path);
    if (!rc)
        rc = kx_image_save_png(img, path);
    if (!rc)
        chmod(path, 0600); /* kioskd's alone: the screen gets a descriptor (clients.c) */
    return rc;
}

/* a preview for the screen, appended to the session's by the main loop */
static void add_preview(kx_job_result *out, const char *doc, const char *path,
                        const kx_image *img)
{
    if (out->n_previews < KX_MAX_PREVIEWS) {
        kx_preview *p = &out->previews[out->n_previews++];
        kx_strlcpy(p->doc, doc, sizeof p->doc);
        kx_strlcpy(p->path, path, sizeof p->path);
        p->width = img->width;
        p->height = img->height;
    }
    out->parts |= KX_JR_PREVIEWS;
}

kx_err kx_job_doc_scan(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    char path[1200];
    const char *sid = in->session, *doc = in->current_doc;
    const char *kind = ra_kind_of_doc(doc);
    if (!kind) {
        kx_err_set_detail("no RA document kind for %s", doc);
        return KX_ERR_INTERNAL;
    }
    kx_image *img = NULL;
    kx_err rc = scan_page(w, &img);
    /* the document asked for, and on the stamped ones their seals and the
     * letter's signature (jobs_docs.c) */
    if (!rc)
        rc = kx_docs_check_page(w, img, doc, out);
    /* the agent's ID copies go to the RA as the card cut from the page,
     * upright, not as the whole page (the reviewer compares the card) */
    if (!rc && strncmp(kind, "id_card_", 8) == 0) {
        kx_image *card = NULL;
        kx_cardcrop_found found;
        rc = kx_parse_cardcrop_image(w->dev->parse, img, &found, &card); /* kiosk-parse */
        kx_log_info("scan.card_crop", "doc=%s result=%s angle=%.1f", doc, kx_err_name(rc),
                    rc ? 0.0 : found.angle_deg);
        if (rc == KX_ERR_NO_CARD)
            kx_err_set_detail("no ID card found on the scan of %s", doc);
        kx_image_free(img);
        img = card;
    }
    if (!rc)
        rc = spool_save(w, sid, kind, img, path, sizeof path);
    if (!rc)
        add_preview(out, doc, path, img);
    kx_image_free(img);
    return rc;
}

static const char *const seal_kinds[KX_SEAL_AREA_COUNT] = {"seal_company", "seal_legal_rep",
                                                           "signature_legal_rep"};

kx_err kx_job_seal_scan(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    char path[1200];
    const char *sid = in->session;
    kx_image *img = NULL;
    kx_sealsheet_result *res = NULL;
    kx_err rc = scan_page(w, &img);
    if (!rc)
        rc = kx_parse_sealsheet_image(w->dev->parse, img, img->dpi, &res);
    /* no table: say what is on the glass when it is something else */
    if (rc == KX_ERR_NO_TABLE &&
        kx_docs_check_page(w, img, "seal_sheet", out) == KX_ERR_SCAN_NO_DOCUMENT)
        rc = KX_ERR_SCAN_NO_DOCUMENT;
    if (rc)
        goto done;
    int all_ok = 1;
    out->n_seal_cells = 0;
    out->seal_upside_down = res->upside_down;
    out->parts |= KX_JR_SEAL_CELLS;
    for (int a = 0; a < KX_SEAL_AREA_COUNT; a++) {
        const kx_sealsheet_area *area = &res->areas[a];
        all_ok &= area->best >= 0;
        for (int c = 0; c < 2 && out->n_seal_cells < KX_MAX_SEAL_CELLS; c++) {
            kx_state_seal_cell *sc = &out->seal_cells[out->n_seal_cells++];
            kx_strlcpy(sc->row, kx_seal_area_name((kx_seal_area)a), sizeof sc->row);
            sc->cell = c;
            kx_strlcpy(sc->verdict, kx_seal_status_name(area->cells[c].status),
                       sizeof sc->verdict);
            sc->msgid = area->cells[c].status == KX_SEAL_OK
                            ? NULL
                            : kx_sealsheet_advice(area, (kx_seal_area)a);
        }
    }
    /* the sheet itself is a preview only; the chosen impressions go to the RA */
    char prev[1200];
    snprintf(prev, sizeof prev, "%s/%s.sheet-preview.png", w->set->spool_dir, sid);
    if (kx_journal_spool_add(w->journal, sid, "sheet-preview", prev) == KX_OK &&
        kx_image_save_png(img, prev) == KX_OK) {
        chmod(prev, 0600);
        add_preview(out, "seal_sheet", prev, img);
    }
    for (int a = 0; all_ok && a < KX_SEAL_AREA_COUNT; a++) {
        const kx_sealsheet_area *area = &res->areas[a];
        char kind[64];
        snprintf(kind, sizeof kind, "%s:%.1fx%.1f", seal_kinds[a], area->size_mm[0],
                 area->size_mm[1]);
        if ((rc = spool_save(w, sid, kind, area->image, path, sizeof path)))
            goto done;
    }
    out->ev = all_ok ? KX_EV_JOB_OK : KX_EV_JOB_ALT;
done:
    kx_sealsheet_result_free(res);
    kx_image_free(img);
    return rc;
}

/* The licence: scanned (kept for the RA), QR read, credit code checked
 * against the certificate read from the UKEY when there is one. A code
 * whose check character fails, or none in the payload, goes to staff. */
kx_err kx_job_licence_scan(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    char path[1200];
    const char *sid = in->session, *cert_uscc = in->have_cert ? in->cert_uscc : "";
    kx_image *img = NULL;
    kx_licence_qr *qr = calloc(1, sizeof *qr);
    if (!qr)
        return KX_ERR_NO_MEMORY;
    kx_err rc = scan_page(w, &img);
    if (!rc)
        rc = kx_parse_licence_image(w->dev->parse, img, qr);
    /* no QR code: say what is on the glass when it is something else */
    if (rc == KX_ERR_NO_QR &&
        kx_docs_check_page(w, img, "licence", out) == KX_ERR_SCAN_NO_DOCUMENT)
        rc = KX_ERR_SCAN_NO_DOCUMENT;
    if (!rc)
        rc = spool_save(w, sid, "licence", img, path, sizeof path);
    if (rc)
        goto done;
    add_preview(out, "licence", path, img);
    const char *code = qr->uscc ? qr->uscc : "";
    kx_log_info("licence.read", "session=%s uscc=%s status=%s", sid, code,
                kx_licence_uscc_status_name(qr->uscc_status));
    if (cert_uscc[0] && code[0] && strcmp(cert_uscc, code) != 0) {
        kx_err_set_detail("licence code %s, certificate code %s", code, cert_uscc);
        rc = KX_ERR_MISMATCH;
        goto done;
    }
    kx_strlcpy(out->uscc, code, sizeof out->uscc);
    out->parts |= KX_JR_USCC;
    out->ev = qr->uscc_status == KX_LICENCE_USCC_VALID ? KX_EV_JOB_OK : KX_EV_JOB_ALT;
done:
    kx_image_free(img);
    free(qr);
    return rc;
}

/* ---- maintenance self-test (main loop, idle kiosk: no job uses the scanner) ---- */

/* the self-test runs on the main loop: no progress messages (nobody
 * would read them before it returns) */
static int selftest_progress(void *user, const kx_scan_progress *p)
{
    (void)user;
    (void)p;
    return 0;
}

kx_err kx_device_selftest_scan(kx_worker *w, char *path, size_t pathsz, int *width, int *height)
{
    kx_devices *d = w->dev;
    kx_image *img = NULL;
    kx_err rc = KX_OK;
    if (!d->scanner &&
        (rc = kx_scanner_open(d->scan_cfg.backend, d->scan_cfg.device, &d->scanner)))
        return rc;
    rc = kx_scanner_scan(d->scanner, &d->scan_cfg.params, selftest_progress, NULL, &img);
    if (rc) {
        kx_scanner_close(d->scanner); /* reopen next time */
        d->scanner = NULL;
        return rc;
    }
    if ((size_t)snprintf(path, pathsz, "%s/selftest.png", w->set->spool_dir) >= pathsz)
        rc = KX_ERR_TOO_LARGE;
    if (!rc)
        rc = kx_image_save_png(img, path);
    if (!rc)
        chmod(path, 0600);
    *width = img->width;
    *height = img->height;
    kx_image_free(img);
    return rc;
}
