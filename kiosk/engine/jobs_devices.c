/*
 * jobs_devices.c - the jobs that use the kiosk's devices: UKEY (token
 * driver), scanner, ID card reader and the imaging library, and the upload
 * of spooled scans. Worker thread only (see jobs.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_jobs.h"
#include "ra/ra.h"

struct kx_local_devices {
    int unused;
};

kx_err kx_devices_open_local(kx_engine *e, kx_devices *d)
{
    (void)e;
    d->local = calloc(1, sizeof *d->local);
    return d->local ? KX_OK : KX_ERR_NO_MEMORY;
}

void kx_devices_close_local(kx_devices *d)
{
    free(d->local);
    d->local = NULL;
}

kx_job_fn kx_device_job(kx_job job)
{
    (void)job;
    return NULL;
}

kx_err kx_device_finish_install(kx_engine *e, const char *token_serial, const char *cert_pem,
                                const char *chain_pem)
{
    (void)e;
    (void)token_serial;
    (void)cert_pem;
    (void)chain_pem;
    kx_err_set_detail("no token driver in this build");
    return KX_ERR_TOKEN_ABSENT;
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
        kx_ra_document d = {.kind = kind, .media_type = "image/png", .data = data, .len = len,
                            .width_mm = w, .height_mm = h};
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
