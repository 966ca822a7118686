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
 * UKEY. At every document step, the check that the page on the glass is
 * the document asked for (kiosk-parse's doccheck), and on the stamped
 * ones their seals and the letter's signature.
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
#include <time.h>

#include "agreement.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "docs/docs.h"
#include "engine_internal.h"
#include "imaging/doccheck.h"
#include "imaging/image.h"
#include "jobs_docs.h"
#include "jobs_form.h"
#include "ra/ra.h"
#include "sandbox/parse_client.h"
#include "sandbox/parse_proto.h"

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
    kx_form_from_input(in, f); /* the fields the review showed (jobs_form.c) */
    /* the CA's text (Chinese) on the back, as the paper's form carries it */
    if (kx_agreement_read(w->cfg, "zh_CN", &agreement, version) == KX_OK)
        f->agreement = agreement;
    kx_doc_output out = {.path = path};
    rc = kx_journal_spool_add(w->journal, in->session, "application_form", path);
    if (!rc)
        rc = kx_docs_render_application_form(f, &out);
    if (!rc)
        chmod(path, 0600);
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
    if (!rc && set->count > 0) { /* for the done screen: how many, until when */
        time_t until = (time_t)set->seals[0].valid_end;
        struct tm tm;
        out->n_seals = set->count;
        if (until > 0 && localtime_r(&until, &tm))
            strftime(out->seals_until, sizeof out->seals_until, "%Y-%m-%d", &tm);
        out->parts |= KX_JR_SEALS;
    }
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
    } else if (strcmp(kind, "uscc_copy") == 0) {
        /* the CA's section 4: a copy of the credit code "加盖公章" - the
         * company's red seal anywhere on the page (an original licence
         * carries the registration authority's red seal and passes too) */
        double mm2 = red_ink_mm2(img, NULL, 0);
        kx_log_info("docs.seal_check", "doc=%s company_seal_mm2=%.0f", kind, mm2);
        if (mm2 < SEAL_MIN_MM2)
            *msgid = N_("The copy carries no company seal. Stamp the copy with the company's "
                        "seal, then scan it again.");
    }
    return *msgid ? KX_ERR_SCAN_NO_DOCUMENT : KX_OK;
}

/* ---- the page on the glass is the document asked for ---- */

/* state document id -> what doccheck must see (KX_PAGE_UNKNOWN: any page
 * carrying the credit code, not told by sight) and its name on screen */
static const struct {
    const char *doc;
    kx_doc_kind want;
    const char *label;
} docs_pages[] = {
    {"licence", KX_PAGE_LICENCE, NULL},
    {"agent_id_front", KX_PAGE_ID_FRONT, NULL},
    {"agent_id_back", KX_PAGE_ID_BACK, NULL},
    {"seal_sheet", KX_PAGE_SEAL_SHEET, NULL},
    {"auth_letter", KX_PAGE_AUTH_LETTER, NULL},
    {"reissue_statement", KX_PAGE_REISSUE_STATEMENT, NULL},
    {"uscc_copy", KX_PAGE_UNKNOWN, N_("the stamped copy of a document with the credit code")},
};

/* the verdict on what was seen: NULL (go on) or the msgid to show */
static const char *page_verdict(kx_doc_kind want, const kx_parse_doc *d)
{
    kx_doc_kind seen = d->check.kind;
    if (seen == want)
        return NULL;
    if (seen == KX_PAGE_BLANK)
        return N_("The scanner sees a blank page. Place {wanted} face down on the glass, then "
                  "scan again.");
    if (seen == KX_PAGE_FACE_UP)
        return N_("The page lies face up: the scanner sees only its back. Turn {wanted} over, "
                  "face down on the glass, then scan again.");
    if (seen != KX_PAGE_UNKNOWN) {
        /* a copy of the credit code may be on the licence, the letter or
         * the statement; never on an ID card or the seal sheet */
        if (want == KX_PAGE_UNKNOWN && seen != KX_PAGE_ID_FRONT && seen != KX_PAGE_ID_BACK &&
            seen != KX_PAGE_SEAL_SHEET)
            return NULL;
        return N_("This looks like {seen}; please place {wanted} on the glass, then scan "
                  "again.");
    }
    /* printed, not told by sight: titles are read when Tesseract is there */
    if ((want == KX_PAGE_AUTH_LETTER || want == KX_PAGE_REISSUE_STATEMENT) && d->check.ocr)
        return N_("This page does not look like {wanted}: its title cannot be read. Place it "
                  "face down, its top edge at the top of the glass, then scan again.");
    return NULL; /* the step's own reading decides (QR, card, table) */
}

kx_err kx_docs_check_page(kx_worker *w, const kx_image *img, const char *doc,
                          kx_job_result *out)
{
    size_t i = 0, n = sizeof docs_pages / sizeof docs_pages[0];
    while (doc && i < n && strcmp(docs_pages[i].doc, doc) != 0)
        i++;
    if (!doc || i == n)
        return KX_OK;
    kx_doc_kind want = docs_pages[i].want;
    kx_parse_doc *d = calloc(1, sizeof *d);
    if (!d)
        return KX_ERR_NO_MEMORY;
    kx_err rc = kx_parse_doccheck_image(w->dev->parse, img, want, d);
    const char *msgid = rc ? NULL : page_verdict(want, d);
    if (msgid) {
        out->error_msgid = msgid;
        out->error_seen = kx_doc_kind_label(d->check.kind);
        out->error_wanted = docs_pages[i].label ? docs_pages[i].label : kx_doc_kind_label(want);
        kx_err_set_detail("%s asked, %s on the glass", doc, kx_doc_kind_name(d->check.kind));
        rc = KX_ERR_SCAN_NO_DOCUMENT;
    }
    /* the stamped documents: the company seal, and on the letter the legal
     * representative's signature or seal */
    if (!rc && (rc = kx_docs_check_seal(img, doc, &out->error_msgid)))
        kx_err_set_detail("%s without its company seal", doc);
    if (!rc && d->have_sign && !d->sign.present) {
        out->error_msgid = N_("The legal representative has not signed or sealed the "
                              "authorisation letter, where it says 法定代表人（签字或盖章）. "
                              "Have it signed, then scan it again.");
        kx_err_set_detail("auth_letter without the legal representative's signature");
        rc = KX_ERR_SCAN_NO_DOCUMENT;
    }
    kx_log_info("docs.page_check",
                "doc=%s seen=%s titles=%s signature=%s sign_ink_mm2=%.1f sign_red_mm2=%.1f "
                "result=%s",
                doc, kx_doc_kind_name(d->check.kind), d->check.ocr ? "read" : "unread",
                !d->have_sign     ? "-"
                : d->sign.present ? "yes"
                                  : "no",
                d->sign.ink_mm2, d->sign.red_mm2, kx_err_name(rc));
    free(d);
    return rc;
}
