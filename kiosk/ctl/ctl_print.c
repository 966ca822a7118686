/* SPDX-License-Identifier: MIT */
/*
 * ctl_print.c - `kioskctl print`: render the kiosk's documents (receipt,
 * application form, authorisation letter, seal sheet, test page, daily
 * summary) to a PDF file, send them to a printer through the printer
 * driver, or both; and `kioskctl print status` for the printer's
 * condition. For staff at the counter and the demo, offline: nothing goes
 * through kioskd. Lives in kioskctl-full (cairo, pango, libcups).
 *
 * The printer is --queue NAME [--server HOST:PORT] or --uri URI, or
 * [printer] of --config FILE. Prints one JSON object on stdout. Exit
 * codes: 0 done, 1 the printer failed or refused (state in the JSON),
 * 2 usage or bad input.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ctl.h"
#include "docs/docs.h"
#include "drivers/printer/printer.h"

#define CTL_PRINT_AGREEMENT_MAX 65536

#ifndef KX_VERSION
#define KX_VERSION ""
#endif

static const char *const ctl_print_with_value[] = {
    "--out",        "--queue",     "--server",
    "--uri",        "--config",    "--lang",
    "--paper",      "--company",   "--credit-code",
    "--case-no",    "--service",   "--amount-fen",
    "--channel",    "--order",     "--serial",
    "--valid-from", "--valid-to",  "--refund-fen",
    "--refund-ref", "--qr",        "--hall",
    "--hall-phone", "--kiosk",     "--address",
    "--agent-name", "--agent-id",  "--phone",
    "--email",      "--date",      "--sex",
    "--mobile",     "--from",      "--to",
    "--png",        "--dpi",       "--summary",
    "--result",     "--project",   "--timeout-s",
    "--title",      "--agreement", NULL};

/* What a document kind needs from the command line. */
struct ctl_print_doc {
    const char *name;
    kx_err (*render)(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                     kx_doc_output *out);
};

static const char *ctl_print_opt(int argc, char **argv, const char *name)
{
    const char *v = ctl_option(argc, argv, name);
    return v ? v : "";
}

static void ctl_print_copy(char *dst, size_t dstsz, int argc, char **argv, const char *name)
{
    kx_strlcpy(dst, ctl_print_opt(argc, argv, name), dstsz);
}

/* --name YYYY-MM-DD as local midnight; 0 when absent, -1 when malformed. */
static int64_t ctl_print_date(int argc, char **argv, const char *name, int *y, int *m, int *d)
{
    const char *v = ctl_option(argc, argv, name);
    int yy = 0, mm = 0, dd = 0;
    if (!v) {
        if (y)
            *y = *m = *d = 0;
        return 0;
    }
    if (kx_parse_date(v, &yy, &mm, &dd) != KX_OK)
        return -1;
    if (y) {
        *y = yy;
        *m = mm;
        *d = dd;
    }
    struct tm tm = {.tm_year = yy - 1900, .tm_mon = mm - 1, .tm_mday = dd, .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

static kx_err ctl_print_service(int argc, char **argv, kx_service *svc)
{
    const char *id = ctl_option(argc, argv, "--service");
    if (!id) {
        *svc = KX_SVC_NEW;
        return KX_OK;
    }
    kx_err rc = kx_service_from_id(id, svc);
    if (rc)
        kx_err_set_detail("unknown service '%s'", id);
    return rc;
}

static kx_err ctl_print_long(int argc, char **argv, const char *name, long max, int64_t *out)
{
    const char *v = ctl_option(argc, argv, name);
    long n = 0;
    if (v && kx_parse_long(v, 0, max, &n) != KX_OK) {
        kx_err_set_detail("%s: expected a whole number from 0 to %ld", name, max);
        return KX_ERR_INVALID_ARG;
    }
    *out = n;
    return KX_OK;
}

static kx_err ctl_render_receipt(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                                 kx_doc_output *out)
{
    static const char *const results[] = {"issued", "submitted", "refunded", "done", NULL};
    kx_receipt *r = calloc(1, sizeof(*r));
    if (!r)
        return KX_ERR_NO_MEMORY;
    kx_err rc = ctl_print_service(argc, argv, &r->service);
    r->lang = lang;
    r->paper = paper;
    ctl_print_copy(r->hall_name, sizeof(r->hall_name), argc, argv, "--hall");
    ctl_print_copy(r->hall_phone, sizeof(r->hall_phone), argc, argv, "--hall-phone");
    ctl_print_copy(r->kiosk_id, sizeof(r->kiosk_id), argc, argv, "--kiosk");
    ctl_print_copy(r->company, sizeof(r->company), argc, argv, "--company");
    ctl_print_copy(r->credit_code, sizeof(r->credit_code), argc, argv, "--credit-code");
    ctl_print_copy(r->case_no, sizeof(r->case_no), argc, argv, "--case-no");
    ctl_print_copy(r->pay_channel, sizeof(r->pay_channel), argc, argv, "--channel");
    ctl_print_copy(r->order_no, sizeof(r->order_no), argc, argv, "--order");
    ctl_print_copy(r->cert_serial, sizeof(r->cert_serial), argc, argv, "--serial");
    ctl_print_copy(r->refund_ref, sizeof(r->refund_ref), argc, argv, "--refund-ref");
    ctl_print_copy(r->qr_url, sizeof(r->qr_url), argc, argv, "--qr");
    r->qr_is_invoice = ctl_flag(argc, argv, "--invoice");
    r->when = (int64_t)time(NULL);
    if (!rc)
        rc = ctl_print_long(argc, argv, "--amount-fen", 100000000L, &r->amount_fen);
    if (!rc)
        rc = ctl_print_long(argc, argv, "--refund-fen", 100000000L, &r->refund_fen);
    r->cert_not_before = ctl_print_date(argc, argv, "--valid-from", NULL, NULL, NULL);
    r->cert_not_after = ctl_print_date(argc, argv, "--valid-to", NULL, NULL, NULL);
    if (!rc && (r->cert_not_before < 0 || r->cert_not_after < 0)) {
        kx_err_set_detail("--valid-from/--valid-to: expected YYYY-MM-DD");
        rc = KX_ERR_INVALID_ARG;
    }
    const char *res = ctl_option(argc, argv, "--result");
    r->result = r->cert_serial[0] ? KX_RECEIPT_ISSUED
                : r->refund_fen   ? KX_RECEIPT_REFUNDED
                                  : KX_RECEIPT_SUBMITTED;
    for (int i = 0; res && results[i]; i++)
        if (strcmp(res, results[i]) == 0)
            r->result = (kx_receipt_result)i;
    if (!rc)
        rc = kx_docs_render_receipt(r, out);
    free(r);
    return rc;
}

static kx_err ctl_render_form(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                              kx_doc_output *out)
{
    (void)lang;
    (void)paper;
    kx_application_form *f = calloc(1, sizeof(*f));
    if (!f)
        return KX_ERR_NO_MEMORY;
    kx_err rc = ctl_print_service(argc, argv, &f->service);
    ctl_print_copy(f->project_name, sizeof(f->project_name), argc, argv, "--project");
    ctl_print_copy(f->company, sizeof(f->company), argc, argv, "--company");
    ctl_print_copy(f->address, sizeof(f->address), argc, argv, "--address");
    ctl_print_copy(f->credit_code, sizeof(f->credit_code), argc, argv, "--credit-code");
    ctl_print_copy(f->agent_name, sizeof(f->agent_name), argc, argv, "--agent-name");
    ctl_print_copy(f->agent_idnum, sizeof(f->agent_idnum), argc, argv, "--agent-id");
    ctl_print_copy(f->agent_phone, sizeof(f->agent_phone), argc, argv, "--phone");
    ctl_print_copy(f->agent_email, sizeof(f->agent_email), argc, argv, "--email");
    if (!rc && ctl_print_date(argc, argv, "--date", &f->year, &f->month, &f->day) < 0) {
        kx_err_set_detail("--date: expected YYYY-MM-DD");
        rc = KX_ERR_INVALID_ARG;
    }
    /* --agreement FILE: the user agreement for the back of the form */
    char *agreement = NULL;
    const char *apath = ctl_option(argc, argv, "--agreement");
    if (!rc && apath) {
        FILE *fp = fopen(apath, "rb");
        agreement = fp ? calloc(1, CTL_PRINT_AGREEMENT_MAX + 1) : NULL;
        size_t n = agreement ? fread(agreement, 1, CTL_PRINT_AGREEMENT_MAX + 1, fp) : 0;
        if (fp)
            fclose(fp);
        if (!agreement || n == 0 || n > CTL_PRINT_AGREEMENT_MAX) {
            kx_err_set_detail("--agreement %s: cannot read it (at most %d bytes)", apath,
                              CTL_PRINT_AGREEMENT_MAX);
            rc = KX_ERR_INVALID_ARG;
        } else {
            agreement[n] = '\0';
            f->agreement = agreement;
        }
    }
    const char *png = ctl_option(argc, argv, "--png");
    if (!rc && png) {
        long dpi = 150;
        const char *d = ctl_option(argc, argv, "--dpi");
        if (d && kx_parse_long(d, 72, 300, &dpi) != KX_OK) {
            kx_err_set_detail("--dpi: expected 72 to 300");
            rc = KX_ERR_INVALID_ARG;
        }
        kx_doc_output po = {.path = png};
        if (!rc)
            rc = kx_docs_render_application_form_png(f, (int)dpi, &po);
    }
    if (!rc)
        rc = kx_docs_render_application_form(f, out);
    free(agreement);
    free(f);
    return rc;
}

static kx_err ctl_render_letter(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                                kx_doc_output *out)
{
    (void)lang;
    (void)paper;
    if (ctl_flag(argc, argv, "--blank"))
        return kx_docs_render_auth_letter(NULL, out);
    kx_auth_letter *l = calloc(1, sizeof(*l));
    if (!l)
        return KX_ERR_NO_MEMORY;
    kx_err rc = ctl_print_service(argc, argv, &l->service);
    ctl_print_copy(l->agent_name, sizeof(l->agent_name), argc, argv, "--agent-name");
    ctl_print_copy(l->agent_mobile, sizeof(l->agent_mobile), argc, argv, "--mobile");
    ctl_print_copy(l->agent_idnum, sizeof(l->agent_idnum), argc, argv, "--agent-id");
    ctl_print_copy(l->company, sizeof(l->company), argc, argv, "--company");
    const char *sex = ctl_print_opt(argc, argv, "--sex");
    l->agent_sex = strcmp(sex, "male") == 0     ? KX_DOC_SEX_MALE
                   : strcmp(sex, "female") == 0 ? KX_DOC_SEX_FEMALE
                                                : KX_DOC_SEX_UNKNOWN;
    if (!rc &&
        (ctl_print_date(argc, argv, "--from", &l->from_year, &l->from_month, &l->from_day) <
             0 ||
         ctl_print_date(argc, argv, "--to", &l->to_year, &l->to_month, &l->to_day) < 0)) {
        kx_err_set_detail("--from/--to: expected YYYY-MM-DD");
        rc = KX_ERR_INVALID_ARG;
    }
    if (!rc)
        rc = kx_docs_render_auth_letter(l, out);
    free(l);
    return rc;
}

static kx_err ctl_render_sealsheet(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                                   kx_doc_output *out)
{
    (void)argc;
    (void)argv;
    (void)lang;
    (void)paper;
    return kx_docs_render_seal_sheet(out);
}

static kx_err ctl_render_testpage(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                                  kx_doc_output *out)
{
    kx_test_page t = {.lang = lang, .paper = paper};
    ctl_print_copy(t.hall_name, sizeof(t.hall_name), argc, argv, "--hall");
    ctl_print_copy(t.kiosk_id, sizeof(t.kiosk_id), argc, argv, "--kiosk");
    const char *target = ctl_option(argc, argv, "--queue");
    kx_strlcpy(t.printer, target ? target : ctl_print_opt(argc, argv, "--uri"),
               sizeof(t.printer));
    kx_strlcpy(t.version, KX_VERSION, sizeof(t.version));
    return kx_docs_render_test_page(&t, out);
}

/* --summary FILE: the JSON kioskd's `summary` request answers (what
 * `kioskctl summary` prints; its "result" object or the object itself). */
static kx_err ctl_render_summary(int argc, char **argv, kx_doc_lang lang, kx_doc_paper paper,
                                 kx_doc_output *out)
{
    const char *path = ctl_option(argc, argv, "--summary");
    if (!path) {
        kx_err_set_detail("--summary FILE is required");
        return KX_ERR_INVALID_ARG;
    }
    json_error_t jerr;
    json_t *root =
        strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_load_file(path, 0, &jerr);
    if (!root) {
        kx_err_set_detail("%s: %s", path, jerr.text);
        return KX_ERR_BAD_FORMAT;
    }
    kx_daily_summary *d = calloc(1, sizeof(*d));
    if (!d) {
        json_decref(root);
        return KX_ERR_NO_MEMORY;
    }
    d->lang = lang;
    d->paper = paper;
    ctl_print_copy(d->hall_name, sizeof(d->hall_name), argc, argv, "--hall");
    ctl_print_copy(d->kiosk_id, sizeof(d->kiosk_id), argc, argv, "--kiosk");
    kx_err rc = kx_docs_summary_from_json(root, d);
    if (!rc)
        rc = kx_docs_render_daily_summary(d, out);
    if (rc == KX_ERR_BAD_FORMAT)
        kx_err_set_detail("%s: no \"date\": not a summary", path);
    free(d);
    json_decref(root);
    return rc;
}

static const struct ctl_print_doc ctl_print_docs[] = {
    {"receipt", ctl_render_receipt},   {"form", ctl_render_form},
    {"letter", ctl_render_letter},     {"sealsheet", ctl_render_sealsheet},
    {"testpage", ctl_render_testpage}, {"summary", ctl_render_summary},
};

static int ctl_print_usage(void)
{
    return ctl_fail(
        CTL_EXIT_USAGE, "print", "%s",
        kx_tr(N_("usage: kioskctl print receipt|form|letter|sealsheet|testpage|summary|status "
                 "[--out FILE] [--queue NAME [--server HOST:PORT] | --uri URI | --config FILE] "
                 "[--lang zh_CN|en] [--paper roll80|a4] [document fields, see "
                 "docs/operations.md]")));
}

/* The printer from the command line, else from [printer] of --config. */
static kx_err ctl_print_open(int argc, char **argv, const kx_printer_config *pc,
                             kx_printer **out)
{
    kx_printer_target t = pc->target;
    const char *queue = ctl_option(argc, argv, "--queue");
    const char *uri = ctl_option(argc, argv, "--uri");
    if (queue || uri) {
        t.queue = queue;
        t.uri = uri;
        t.server = ctl_option(argc, argv, "--server");
        return kx_printer_open(pc->backend, &t, out);
    }
    return kx_printer_open_config(pc, out);
}

static json_t *ctl_print_result_json(kx_err rc, const kx_print_result *res)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:i, s:i, s:b, s:s, s:s, s:s, s:i}", "rc", kx_err_name(rc), "state",
        kx_printer_state_name(res->printer.state), "job_id", res->job_id, "job_state",
        res->job_state, "cancelled", res->cancelled, "reasons", res->printer.reasons, "message",
        res->printer.message, "model", res->printer.model, "ms", (int)res->ms);
    const char *advice = kx_printer_advice(res->printer.state);
    if (advice)
        json_object_set_new(o, "advice", json_string(kx_tr(advice)));
    return o;
}

static int ctl_print_status(int argc, char **argv, const kx_printer_config *pc)
{
    kx_printer *p = NULL;
    kx_err rc = ctl_print_open(argc, argv, pc, &p);
    if (rc)
        return ctl_fail(rc == KX_ERR_UNSUPPORTED ? CTL_EXIT_INVALID : CTL_EXIT_USAGE, "print",
                        "%s", kx_err_detail());
    kx_print_result res;
    memset(&res, 0, sizeof(res));
    double t0 = ctl_now_ms();
    rc = kx_printer_get_status(p, &res.printer);
    res.ms = ctl_now_ms() - t0;
    kx_printer_close(p);
    json_t *o = ctl_print_result_json(rc, &res);
    json_object_set_new(o, "ipp_state", json_integer(res.printer.ipp_state));
    json_object_set_new(o, "accepting", json_boolean(res.printer.accepting));
    json_object_set_new(o, "jobs_queued", json_integer(res.printer.jobs_queued));
    json_object_set_new(o, "warnings", json_integer(res.printer.warnings));
    ctl_print_json(o);
    return rc == KX_OK && res.printer.state <= KX_PRINTER_PRINTING ? CTL_EXIT_OK
                                                                   : CTL_EXIT_INVALID;
}

int ctl_cmd_print(int argc, char **argv)
{
    const char *kind = ctl_positional(argc, argv, 0, ctl_print_with_value);
    if (!kind || ctl_positional(argc, argv, 1, ctl_print_with_value))
        return ctl_print_usage();
    kx_config *cfg = NULL;
    const char *conf = ctl_option(argc, argv, "--config");
    kx_printer_config pc;
    kx_err rc = conf ? kx_config_load(conf, &cfg) : KX_OK;
    if (rc == KX_OK)
        rc = kx_printer_config_read(cfg, &pc);
    if (rc) {
        kx_config_free(cfg);
        return ctl_fail(CTL_EXIT_USAGE, "print", "%s", kx_err_detail());
    }
    int code = CTL_EXIT_OK;
    if (strcmp(kind, "status") == 0) {
        code = ctl_print_status(argc, argv, &pc);
        kx_config_free(cfg);
        return code;
    }
    const struct ctl_print_doc *doc = NULL;
    for (size_t i = 0; i < sizeof(ctl_print_docs) / sizeof(ctl_print_docs[0]); i++)
        if (strcmp(kind, ctl_print_docs[i].name) == 0)
            doc = &ctl_print_docs[i];
    const char *outp = ctl_option(argc, argv, "--out");
    int to_printer = ctl_option(argc, argv, "--queue") || ctl_option(argc, argv, "--uri") ||
                     (conf && pc.enabled);
    if (!doc || (!outp && !to_printer)) {
        kx_config_free(cfg);
        return ctl_print_usage();
    }
    kx_doc_lang lang = KX_DOC_LANG_ZH;
    const char *langs = ctl_option(argc, argv, "--lang");
    kx_doc_paper paper = pc.paper == KX_PAPER_A4 ? KX_DOC_PAPER_A4 : KX_DOC_PAPER_ROLL80;
    const char *papers = ctl_option(argc, argv, "--paper");
    if ((langs && kx_doc_lang_from_code(langs, &lang) != KX_OK) ||
        (papers && strcmp(papers, "a4") != 0 && strcmp(papers, "roll80") != 0)) {
        kx_config_free(cfg);
        return ctl_print_usage();
    }
    if (papers)
        paper = strcmp(papers, "a4") == 0 ? KX_DOC_PAPER_A4 : KX_DOC_PAPER_ROLL80;

    kx_doc_output out = {.path = outp};
    rc = doc->render(argc, argv, lang, paper, &out);
    if (rc) {
        kx_config_free(cfg);
        return ctl_fail(CTL_EXIT_USAGE, "print", "%s: %s (%s)", kind, kx_err_name(rc),
                        kx_err_detail());
    }
    json_t *o = json_pack("{s:s, s:I}", "document", kind, "bytes", (json_int_t)out.len);
    if (outp)
        json_object_set_new(o, "out", json_string(outp));
    if (to_printer) {
        /* the file just written, or the buffer the renderer returned */
        kx_printer *p = NULL;
        kx_print_result res;
        memset(&res, 0, sizeof(res));
        rc = ctl_print_open(argc, argv, &pc, &p);
        long wait_s = 0;
        const char *ws = ctl_option(argc, argv, "--timeout-s");
        if (ws && kx_parse_long(ws, 1, 300, &wait_s) != KX_OK)
            wait_s = 0;
        kx_print_options po = {.title = ctl_option(argc, argv, "--title"),
                               .wait_ms = (int)wait_s * 1000,
                               .keep_unfinished = ctl_flag(argc, argv, "--keep")};
        if (rc == KX_OK && strcmp(kind, "testpage") == 0) {
            /* the maintenance self-test: the printer's state, then the page
             * (from memory: rendered again when it went to a file) */
            kx_doc_output page = {0};
            if (outp)
                rc = doc->render(argc, argv, lang, paper, &page);
            if (rc == KX_OK)
                rc = kx_printer_selftest(p, outp ? page.data : out.data,
                                         outp ? page.len : out.len, &res);
            free(page.data);
        } else if (rc == KX_OK) {
            rc = outp ? kx_printer_print_file(p, outp, &po, &res)
                      : kx_printer_print(p, out.data, out.len, &po, &res);
        }
        kx_printer_close(p);
        json_object_set_new(o, "print", ctl_print_result_json(rc, &res));
        if (rc) {
            fprintf(stderr, "kioskctl print: %s (%s)\n", kx_err_name(rc), kx_err_detail());
            code = CTL_EXIT_INVALID;
        }
    }
    free(out.data);
    ctl_print_json(o);
    kx_config_free(cfg);
    kx_docs_release_caches();
    return code;
}
