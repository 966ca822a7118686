/* SPDX-License-Identifier: MIT */
/*
 * jobs_devices.c - the jobs that use the kiosk's devices: UKEY (token
 * driver), scanner, ID card reader and the imaging library, and the upload
 * of spooled scans. Worker thread only (see jobs.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "engine_jobs.h"
#include "engine_staff.h"
#include "engine_token.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"
#include "imaging/sealsheet.h"
#include "ra/ra.h"
#include "scanner/scanner.h"

struct kx_local_devices {
    kx_scanner_config scan_cfg;
    kx_scanner *scanner; /* opened on first use */
    struct kx_token_devices *token;
};

kx_err kx_devices_open_local(kx_engine *e, kx_devices *d)
{
    d->local = calloc(1, sizeof *d->local);
    if (!d->local)
        return KX_ERR_NO_MEMORY;
    kx_err rc = kx_scanner_config_read(e->cfg, &d->local->scan_cfg);
    if (!rc)
        rc = kx_token_devices_open(e->cfg, &d->local->token);
    return rc;
}

void kx_devices_close_local(kx_devices *d)
{
    if (!d->local)
        return;
    kx_scanner_close(d->local->scanner);
    kx_token_devices_close(d->local->token);
    kx_idcard_devices_close();
    free(d->local);
    d->local = NULL;
}

static struct kx_local_devices *local_of(kx_engine *e)
{
    return ((kx_devices *)e->dev)->local;
}

struct kx_token_devices *kx_local_token(kx_engine *e)
{
    return local_of(e)->token;
}

void kx_devices_session_end(kx_engine *e)
{
    if (e->dev && local_of(e))
        kx_token_devices_reset(local_of(e)->token);
}

/* ---- scanner ---- */

typedef struct scan_progress_ctx {
    kx_engine *e;
    int64_t last_ms;
} scan_progress_ctx;

static int scan_progress(void *user, const kx_scan_progress *p)
{
    scan_progress_ctx *c = user;
    if (c->e->job_cancel)
        return 1;
    int64_t now = kx_now_ms();
    if (p->lines_total > 0 && now - c->last_ms > 200) {
        c->last_ms = now;
        pthread_mutex_lock(&c->e->mu);
        c->e->s.progress = (double)p->lines_done / p->lines_total;
        pthread_mutex_unlock(&c->e->mu);
        kx_engine_wake(c->e);
    }
    return 0;
}

static kx_err scan_page(kx_engine *e, kx_image **out)
{
    struct kx_local_devices *l = local_of(e);
    kx_err rc;
    if (!l->scanner &&
        (rc = kx_scanner_open(l->scan_cfg.backend, l->scan_cfg.device, &l->scanner)))
        return rc;
    scan_progress_ctx ctx = {.e = e};
    rc = kx_scanner_scan(l->scanner, &l->scan_cfg.params, scan_progress, &ctx, out);
    if (rc == KX_ERR_SCAN_DEVICE) { /* reopen next time */
        kx_scanner_close(l->scanner);
        l->scanner = NULL;
    }
    return rc;
}

/* state document id -> RA document kind id */
static const char *ra_kind_of_doc(const char *doc)
{
    static const struct {
        const char *doc, *kind;
    } map[] = {{"licence", "licence"},
               {"agent_id_front", "id_front"},
               {"agent_id_back", "id_back"},
               {"auth_letter", "auth_letter"},
               {"reissue_statement", "reissue_statement"},
               {"uscc_copy", "uscc_copy"}};
    for (size_t i = 0; doc && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].doc, doc) == 0)
            return map[i].kind;
    return NULL;
}

/* save an image into the spool as <session>.<kind>.png and list it */
static kx_err spool_save(kx_engine *e, const char *sid, const char *kind, const kx_image *img,
                         char *path, size_t pathsz)
{
    if ((size_t)snprintf(path, pathsz, "%s/%s.%s.png", e->set.spool_dir, sid, kind) >= pathsz)
        return KX_ERR_TOO_LARGE;
    kx_err rc = kx_journal_spool_add(e->journal, sid, kind, path);
    if (!rc)
        rc = kx_image_save_png(img, path);
    if (!rc)
        chmod(path, 0640); /* the screen's user reads previews through the group */
    return rc;
}

static void add_preview(kx_engine *e, const char *doc, const char *path, const kx_image *img)
{
    pthread_mutex_lock(&e->mu);
    kx_session *s = &e->s;
    if (s->n_previews < KX_MAX_PREVIEWS) {
        kx_preview *p = &s->previews[s->n_previews++];
        kx_strlcpy(p->doc, doc, sizeof p->doc);
        kx_strlcpy(p->path, path, sizeof p->path);
        p->width = img->width;
        p->height = img->height;
    }
    pthread_mutex_unlock(&e->mu);
}

static kx_err job_doc_scan(kx_engine *e, kx_event *ev)
{
    (void)ev;
    char sid[KX_SESSION_ID_MAX], doc[32], path[1200];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(doc, e->s.current_doc, sizeof doc);
    pthread_mutex_unlock(&e->mu);
    const char *kind = ra_kind_of_doc(doc);
    if (!kind) {
        kx_err_set_detail("no RA document kind for %s", doc);
        return KX_ERR_INTERNAL;
    }
    kx_image *img = NULL;
    kx_err rc = scan_page(e, &img);
    if (!rc)
        rc = spool_save(e, sid, kind, img, path, sizeof path);
    if (!rc)
        add_preview(e, doc, path, img);
    kx_image_free(img);
    return rc;
}

static const char *const seal_kinds[KX_SEAL_AREA_COUNT] = {"seal_company", "seal_legal_rep",
                                                           "signature_legal_rep"};

static kx_err job_seal_scan(kx_engine *e, kx_event *ev)
{
    char sid[KX_SESSION_ID_MAX], path[1200];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    pthread_mutex_unlock(&e->mu);
    kx_image *img = NULL;
    kx_sealsheet_result *res = NULL;
    kx_err rc = scan_page(e, &img);
    if (!rc)
        rc = kx_sealsheet_analyze(img, img->dpi, &res);
    if (rc)
        goto out;
    int all_ok = 1;
    pthread_mutex_lock(&e->mu);
    e->s.n_seal_cells = 0;
    for (int a = 0; a < KX_SEAL_AREA_COUNT; a++) {
        const kx_sealsheet_area *area = &res->areas[a];
        all_ok &= area->best >= 0;
        for (int c = 0; c < 2 && e->s.n_seal_cells < KX_MAX_SEAL_CELLS; c++) {
            kx_state_seal_cell *sc = &e->s.seal_cells[e->s.n_seal_cells++];
            kx_strlcpy(sc->row, kx_seal_area_name((kx_seal_area)a), sizeof sc->row);
            sc->cell = c;
            kx_strlcpy(sc->verdict, kx_seal_status_name(area->cells[c].status),
                       sizeof sc->verdict);
            sc->msgid = area->cells[c].status == KX_SEAL_OK
                            ? NULL
                            : kx_sealsheet_advice(area, (kx_seal_area)a);
        }
    }
    pthread_mutex_unlock(&e->mu);
    /* the sheet itself is a preview only; the chosen impressions go to the RA */
    char prev[1200];
    snprintf(prev, sizeof prev, "%s/%s.sheet-preview.png", e->set.spool_dir, sid);
    if (kx_journal_spool_add(e->journal, sid, "sheet-preview", prev) == KX_OK &&
        kx_image_save_png(img, prev) == KX_OK) {
        chmod(prev, 0640);
        add_preview(e, "seal_sheet", prev, img);
    }
    for (int a = 0; all_ok && a < KX_SEAL_AREA_COUNT; a++) {
        const kx_sealsheet_area *area = &res->areas[a];
        char kind[64];
        snprintf(kind, sizeof kind, "%s:%.1fx%.1f", seal_kinds[a], area->size_mm[0],
                 area->size_mm[1]);
        if ((rc = spool_save(e, sid, kind, area->image, path, sizeof path)))
            goto out;
    }
    *ev = all_ok ? KX_EV_JOB_OK : KX_EV_JOB_ALT;
out:
    kx_sealsheet_result_free(res);
    kx_image_free(img);
    return rc;
}

/* The licence: scanned (kept for the RA), QR read, credit code checked
 * against the certificate read from the UKEY when there is one. A code
 * whose check character fails, or none in the payload, goes to staff. */
static kx_err job_licence_scan(kx_engine *e, kx_event *ev)
{
    char sid[KX_SESSION_ID_MAX], path[1200], cert_uscc[20];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(cert_uscc, e->s.have_cert ? e->s.cert_uscc : "", sizeof cert_uscc);
    pthread_mutex_unlock(&e->mu);
    kx_image *img = NULL;
    kx_licence_qr *qr = calloc(1, sizeof *qr);
    if (!qr)
        return KX_ERR_NO_MEMORY;
    kx_err rc = scan_page(e, &img);
    if (!rc)
        rc = kx_licence_qr_read(img, qr);
    if (!rc)
        rc = spool_save(e, sid, "licence", img, path, sizeof path);
    if (rc)
        goto out;
    add_preview(e, "licence", path, img);
    const char *code = qr->uscc ? qr->uscc : "";
    kx_log_info("licence.read", "session=%s uscc=%s status=%s", sid, code,
                kx_licence_uscc_status_name(qr->uscc_status));
    if (cert_uscc[0] && code[0] && strcmp(cert_uscc, code) != 0) {
        kx_err_set_detail("licence code %s, certificate code %s", code, cert_uscc);
        rc = KX_ERR_MISMATCH;
        goto out;
    }
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(e->s.uscc, code, sizeof e->s.uscc);
    pthread_mutex_unlock(&e->mu);
    *ev = qr->uscc_status == KX_LICENCE_USCC_VALID ? KX_EV_JOB_OK : KX_EV_JOB_ALT;
out:
    kx_image_free(img);
    free(qr);
    return rc;
}

kx_job_fn kx_device_job(kx_job job)
{
    kx_job_fn fn = kx_token_job(job);
    if (!fn)
        fn = kx_idcard_job(job);
    if (fn)
        return fn;
    switch (job) {
    case KX_JOB_LICENCE_SCAN:
        return job_licence_scan;
    case KX_JOB_DOC_SCAN:
        return job_doc_scan;
    case KX_JOB_SEAL_SCAN:
        return job_seal_scan;
    default:
        return NULL;
    }
}

/* "seal_company:40.0x40.0" -> kind and size */
static int spool_doc_parse(const char *doc, kx_ra_doc_kind *kind, double *w, double *h)
{
    char id[40];
    kx_strlcpy(id, doc, sizeof id);
    *w = *h = 0;
    char *colon = strchr(id, ':');
    if (colon) {
        *colon = 0;
        if (sscanf(colon + 1, "%lfx%lf", w, h) != 2)
            return -1;
    }
    for (int k = 0; k < KX_RA_DOC_COUNT; k++)
        if (strcmp(id, kx_ra_doc_kind_id((kx_ra_doc_kind)k)) == 0) {
            *kind = (kx_ra_doc_kind)k;
            return 0;
        }
    return -1;
}

static kx_err read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return KX_ERR_IO;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    if (n <= 0 || n > 16L * 1024 * 1024) {
        fclose(fp);
        return KX_ERR_TOO_LARGE;
    }
    *data = malloc((size_t)n);
    if (!*data) {
        fclose(fp);
        return KX_ERR_NO_MEMORY;
    }
    *len = fread(*data, 1, (size_t)n, fp);
    fclose(fp);
    return *len == (size_t)n ? KX_OK : KX_ERR_IO;
}

kx_err kx_upload_session_scans(kx_engine *e, const char *session, const char *case_id)
{
    kx_err rc = kx_need_ra(e);
    if (rc)
        return rc;
    /* spool rows of the session, with their document kinds */
    char paths[32][KX_JOURNAL_TEXT_MAX];
    size_t n = 0;
    if ((rc = kx_journal_spool_list(e->journal, session, paths, 32, &n)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        /* the spool file name carries the document: <session>.<doc>.png */
        const char *base = strrchr(paths[i], '/');
        base = base ? base + 1 : paths[i];
        const char *doc = strchr(base, '.');
        char docid[64];
        kx_strlcpy(docid, doc ? doc + 1 : "", sizeof docid);
        char *ext = strrchr(docid, '.');
        if (ext)
            *ext = 0;
        kx_ra_doc_kind kind;
        double w, h;
        if (spool_doc_parse(docid, &kind, &w, &h)) {
            kx_log_warn("spool.unknown_doc", "path=%s", paths[i]);
            continue;
        }
        unsigned char *data = NULL;
        size_t len = 0;
        if ((rc = read_file(paths[i], &data, &len))) {
            free(data);
            return rc;
        }
        kx_ra_document d = {.kind = kind,
                            .media_type = "image/png",
                            .data = data,
                            .len = len,
                            .width_mm = w,
                            .height_mm = h};
        char key[KX_RA_IDEM_KEY_MAX];
        snprintf(key, sizeof key, "%.40s.doc.%d", session, (int)kind);
        kx_ra_document_receipt rec;
        rc = kx_ra_document_upload(kx_devices_ra(e), key, case_id, &d, &rec);
        free(data);
        if (rc)
            return rc;
        /* acknowledged with our digest (checked by the client): delete */
        kx_journal_spool_ack(e->journal, paths[i]);
        kx_log_info("spool.uploaded", "session=%s doc=%s size=%zu", session,
                    kx_ra_doc_kind_id(kind), rec.size);
    }
    return KX_OK;
}

/* ---- maintenance self-test (main loop, idle kiosk: no job uses the scanner) ---- */

/* the self-test runs on the main loop, which holds e->mu: no progress
 * reporting (scan_progress would lock it) */
static int selftest_progress(void *user, const kx_scan_progress *p)
{
    (void)user;
    (void)p;
    return 0;
}

kx_err kx_device_selftest_scan(kx_engine *e, char *path, size_t pathsz, int *w, int *h)
{
    struct kx_local_devices *l = local_of(e);
    kx_image *img = NULL;
    kx_err rc = KX_OK;
    if (!l->scanner &&
        (rc = kx_scanner_open(l->scan_cfg.backend, l->scan_cfg.device, &l->scanner)))
        return rc;
    rc = kx_scanner_scan(l->scanner, &l->scan_cfg.params, selftest_progress, NULL, &img);
    if (rc) {
        kx_scanner_close(l->scanner); /* reopen next time */
        l->scanner = NULL;
        return rc;
    }
    if ((size_t)snprintf(path, pathsz, "%s/selftest.png", e->set.spool_dir) >= pathsz)
        rc = KX_ERR_TOO_LARGE;
    if (!rc)
        rc = kx_image_save_png(img, path);
    if (!rc)
        chmod(path, 0640);
    *w = img->width;
    *h = img->height;
    kx_image_free(img);
    return rc;
}
