/* SPDX-License-Identifier: MIT */
/*
 * jobs_docs.c - the kiosk's own record of a case: the application form
 * (附件1) filled from what the session read and checked (the service, the
 * RA's enterprise record: name and address, the credit code from the
 * licence, the agent from the ID card, the contact, today's date, the
 * declaration printed on the form) with the CA's user agreement on its
 * second page, rendered by kiosk/docs as an A4 PDF into the spool, from
 * where the case's upload sends it to the RA as application_form. After
 * issuance, the electronic seals the paper's process ends with (制作电子
 * 签章): made by the RA from the accepted seal images, written onto the
 * UKEY.
 *
 * A session without an agent (renewal with the PIN: the paper asks for
 * nothing but the UKEY) has no form. Worker thread only. The form holds
 * the agent's full ID number, as the paper's does: it lives in the spool
 * only until the RA acknowledged it (the spool is purged when the session
 * ends) and is never logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agreement.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "docs/docs.h"
#include "engine_internal.h"
#include "imaging/image.h"
#include "jobs_docs.h"
#include "ra/ra.h"

kx_err kx_docs_spool_application_form(kx_worker *w, const kx_job_input *in)
{
    char path[1200], version[KX_AGREEMENT_VERSION_LEN];
    char *agreement = NULL;
    kx_application_form *f = NULL;
    kx_err rc = KX_OK;
    if (!in->agent_name[0] || !in->have_company)
        return KX_OK;
    if ((size_t)snprintf(path, sizeof path, "%s/%s.application_form.pdf", w->set->spool_dir,
                         in->session) >= sizeof path)
        return KX_ERR_TOO_LARGE;
    if (!(f = calloc(1, sizeof *f)))
        return KX_ERR_NO_MEMORY;
    f->service = in->service;
    kx_strlcpy(f->company, in->company_name, sizeof f->company);
    kx_strlcpy(f->address, in->company_address, sizeof f->address);
    kx_strlcpy(f->credit_code, in->uscc, sizeof f->credit_code);
    kx_strlcpy(f->agent_name, in->agent_name, sizeof f->agent_name);
    kx_strlcpy(f->agent_idnum, in->agent_idnum, sizeof f->agent_idnum);
    kx_strlcpy(f->agent_phone, in->phone, sizeof f->agent_phone);
    kx_strlcpy(f->agent_email, in->email, sizeof f->agent_email);
    kx_today(&f->year, &f->month, &f->day);
    /* the CA's text (Chinese) on the back, as the paper's form carries it */
    if (kx_agreement_read(w->cfg, "zh_CN", &agreement, version) == KX_OK)
        f->agreement = agreement;
    kx_doc_output out = {.path = path};
    rc = kx_journal_spool_add(w->journal, in->session, "application_form", path);
    if (!rc)
        rc = kx_docs_render_application_form(f, &out);
    if (!rc)
        chmod(path, 0640);
    kx_log_info("docs.application_form", "session=%s service=%s size=%zu rc=%s", in->session,
                kx_service_id(in->service), rc ? (size_t)0 : out.len, kx_err_name(rc));
    kx_wipe(f, sizeof *f);
    free(f);
    free(agreement);
    return rc;
}

/* the data name on the UKEY of a seal kind */
static const char *seal_data_name(kx_ra_doc_kind kind)
{
    switch (kind) {
    case KX_RA_DOC_SEAL_COMPANY:
        return "seal-company";
    case KX_RA_DOC_SEAL_LEGAL_REP:
        return "seal-legal-rep";
    case KX_RA_DOC_SIGNATURE_LEGAL_REP:
        return "signature-legal-rep";
    default:
        return NULL;
    }
}

kx_err kx_job_seals(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    char key[KX_RA_IDEM_KEY_MAX];
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    if (!in->case_id[0]) {
        kx_err_set_detail("no RA case in the session");
        return KX_ERR_STATE;
    }
    kx_ra_seal_set *set = calloc(1, sizeof *set);
    if (!set)
        return KX_ERR_NO_MEMORY;
    snprintf(key, sizeof key, "%.48s.seals", in->session);
    rc = kx_ra_seals_make(w->dev->ra, key, in->case_id, set);
    if (rc == KX_ERR_STATE) { /* made before this retry: fetch them */
        kx_ra_seal_set_clear(set);
        rc = kx_ra_seals_get(w->dev->ra, in->case_id, set);
    }
    for (int i = 0; !rc && i < set->count; i++) {
        const kx_ra_seal *s = &set->seals[i];
        const char *name = seal_data_name(s->kind);
        if (!name || strcmp(s->cert_serial, in->new_serial) != 0) {
            kx_err_set_detail("seal %s is bound to %s, not to %s", s->es_id, s->cert_serial,
                              in->new_serial);
            rc = KX_ERR_RA_BAD_REPLY;
            break;
        }
        rc = kx_device_write_data(w, name, s->der, s->der_len);
    }
    if (!rc && set->maker_cert_pem)
        rc = kx_device_write_data(w, "seal-maker", (const unsigned char *)set->maker_cert_pem,
                                  strlen(set->maker_cert_pem));
    kx_log_info("docs.seals", "session=%s case=%s seals=%d rc=%s", in->session, in->case_id,
                set->count, kx_err_name(rc));
    kx_ra_seal_set_clear(set);
    free(set);
    return rc;
}

/* ---- the company seal on a stamped document ---- */

/* millimetres of red ink (a seal's, r well above g and b) inside box (x,
 * y, w, h in mm from the page's top-left corner, widened by margin; NULL:
 * the whole page) */
static double red_ink_mm2(const kx_image *img, const double *box, double margin)
{
    double dpi = img->dpi > 0 ? img->dpi : 150.0, px_mm = dpi / 25.4;
    int x0 = 0, y0 = 0, x1 = img->width, y1 = img->height;
    if (box) {
        x0 = (int)((box[0] - margin) * px_mm);
        y0 = (int)((box[1] - margin) * px_mm);
        x1 = (int)((box[0] + box[2] + margin) * px_mm);
        y1 = (int)((box[1] + box[3] + margin) * px_mm);
    }
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > img->width ? img->width : x1;
    y1 = y1 > img->height ? img->height : y1;
    long red = 0;
    if (img->channels < 3)
        return 0; /* a grey scan shows no seal */
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = img->data + (size_t)y * img->stride;
        for (int x = x0; x < x1; x++) {
            const uint8_t *p = row + (size_t)x * (size_t)img->channels;
            if (p[0] >= 120 && p[0] > p[1] + 50 && p[0] > p[2] + 50)
                red++;
        }
    }
    return (double)red / (px_mm * px_mm);
}

/* a company seal's ring is ~250 mm² of ink; a stray red mark is far less */
#define SEAL_MIN_MM2 60.0

kx_err kx_docs_check_seal(const kx_image *img, const char *kind, const char **msgid)
{
    static const double company_box[4] = KX_DOCS_LETTER_COMPANY_SEAL_MM;
    *msgid = NULL;
    if (strcmp(kind, "auth_letter") == 0) {
        /* the letter is placed at the glass's corner: its boxes are where
         * kiosk/docs prints them, give or take the margin */
        double mm2 = red_ink_mm2(img, company_box, 15.0);
        kx_log_info("docs.seal_check", "doc=%s company_seal_mm2=%.0f", kind, mm2);
        if (mm2 < SEAL_MIN_MM2)
            *msgid = N_("The company seal is missing on the authorisation letter, where it "
                        "says 盖章. Stamp it, then scan it again.");
    } else if (strcmp(kind, "reissue_statement") == 0) {
        double mm2 = red_ink_mm2(img, NULL, 0);
        kx_log_info("docs.seal_check", "doc=%s company_seal_mm2=%.0f", kind, mm2);
        if (mm2 < SEAL_MIN_MM2)
            *msgid = N_("The reissue statement carries no company seal. Stamp it, then scan it "
                        "again.");
    }
    return *msgid ? KX_ERR_SCAN_NO_DOCUMENT : KX_OK;
}
