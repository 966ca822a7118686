/* SPDX-License-Identifier: MIT */
/*
 * print.c - printing as the customer's session sees it: the receipt at
 * the end of every paid or refunded session, "print again", the blank
 * forms at the seal-sheet and authorisation-letter steps, and what the
 * published state says about them. Main loop only; the rendering and the
 * printing run on the print thread (jobs_print.c), which gets a copy of
 * what it prints and answers with a message applied here.
 *
 * Never blocks the flow and never undoes it: the session goes on (and
 * ends) whatever the printer does; a failed receipt is offered again
 * while the done screen shows, and to staff afterwards (the last receipt,
 * kept with its credit code masked). Without a printer the done screen
 * shows the receipt's link (e-invoice, else the case status page) as a
 * QR code, and so does a failed one. Between sessions the state says when
 * the printer (asked by the print thread while idle) cannot print, so the
 * next customer knows before starting that the receipt will be a QR code.
 * Nothing here calls another main-loop file: the callers publish.
 */
#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "domain/sites.h"
#include "engine_internal.h"

#ifndef KX_VERSION
#define KX_VERSION ""
#endif

#define LETTER_VALID_DAYS 30

typedef enum print_status {
    PRINT_NONE = 0,
    PRINT_PENDING,
    PRINT_PRINTED,
    PRINT_FAILED,
    PRINT_ON_SCREEN, /* no printer: the link as a QR code */
} print_status;

static const char *const print_status_ids[] = {"none", "printing", "printed", "failed",
                                               "on_screen"};

struct kx_print {
    kx_print_worker *pw;
    int enabled;
    kx_doc_paper paper;
    kx_config *sites_cfg;
    kx_sites sites;
    const kx_site *site; /* NULL: no sites file (hall name left out) */
    char kiosk_id[64];
    char status_url[256]; /* [printer] status_url with {case}, or "" */
    unsigned next_id;

    /* the current session's prints */
    char session[KX_SESSION_ID_MAX];
    print_status receipt;
    unsigned receipt_req;
    kx_printer_state printer_state;
    char qr_url[512];
    print_status form;
    unsigned form_req;
    char form_doc[32];

    /* the last receipt (credit code masked), for "print again" and staff */
    int have_last;
    kx_receipt last;
    char last_session[KX_SESSION_ID_MAX];
};

/* ---- open / close ---- */

static void print_load_site(kx_print *p, const kx_config *cfg)
{
    const char *path =
        kx_config_get_str(cfg, "kiosk", "sites_file", "/etc/jxca-kiosk/sites.conf");
    char full[1100];
    if (path[0] != '/') { /* relative: beside the configuration */
        char dir[1024];
        kx_strlcpy(dir, kx_config_name(cfg), sizeof dir);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            kx_strlcpy(dir, ".", sizeof dir);
        if (snprintf(full, sizeof full, "%s/%s", dir, path) >= (int)sizeof full)
            full[0] = 0; /* too long: no hall, said below */
        path = full;
    }
    kx_err rc = kx_config_load(path, &p->sites_cfg);
    if (!rc)
        rc = kx_sites_from_config(p->sites_cfg, &p->sites);
    if (!rc)
        rc = kx_site_of_kiosk(cfg, &p->sites, &p->site);
    if (rc) {
        p->site = NULL;
        kx_log_warn("print.no_site", "file=%s detail=\"%s\"", path, kx_err_detail());
    }
}

kx_err kx_print_open(kx_engine *e)
{
    kx_print *p = calloc(1, sizeof *p);
    if (!p)
        return KX_ERR_NO_MEMORY;
    e->print = p;
    kx_err rc = kx_print_worker_open(e->cfg, e->wake_pipe[1], &p->pw);
    if (rc)
        return rc;
    const kx_printer_config *pc = kx_print_worker_config(p->pw);
    p->enabled = pc->enabled;
    p->paper = pc->paper == KX_PAPER_A4 ? KX_DOC_PAPER_A4 : KX_DOC_PAPER_ROLL80;
    kx_strlcpy(p->kiosk_id, kx_config_get_str(e->cfg, "kiosk", "id", ""), sizeof p->kiosk_id);
    kx_strlcpy(p->status_url, kx_config_get_str(e->cfg, "printer", "status_url", ""),
               sizeof p->status_url);
    print_load_site(p, e->cfg);
    kx_log_info("print.ready", "printer=%s paper=%s", p->enabled ? "on" : "off",
                p->paper == KX_DOC_PAPER_A4 ? "a4" : "roll80");
    return KX_OK;
}

void kx_print_close(kx_engine *e)
{
    kx_print *p = e->print;
    if (!p)
        return;
    kx_print_worker_close(p->pw);
    kx_sites_free(&p->sites);
    kx_config_free(p->sites_cfg);
    kx_wipe(p, sizeof *p);
    free(p);
    e->print = NULL;
}

int kx_print_enabled(const kx_engine *e)
{
    return e->print && e->print->enabled;
}

/* ---- building what is printed ---- */

static kx_doc_lang print_lang(const kx_engine *e)
{
    kx_doc_lang l = KX_DOC_LANG_ZH;
    kx_doc_lang_from_code(e->lang, &l);
    return l;
}

static void print_hall(const kx_print *p, const char *lang, char *name, size_t namesz,
                       char *phone, size_t phonesz)
{
    kx_strlcpy(name, p->site ? kx_site_name(p->site, lang) : "", namesz);
    kx_strlcpy(phone, p->site ? p->site->phone : "", phonesz);
}

static int64_t asn1_seconds(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

/* the issued certificate's validity (PEM), 0 when it cannot be read */
static void print_cert_validity(const char *pem, int64_t *from, int64_t *to)
{
    *from = *to = 0;
    BIO *b = pem ? BIO_new_mem_buf(pem, -1) : NULL;
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    if (x) {
        *from = asn1_seconds(X509_get0_notBefore(x));
        *to = asn1_seconds(X509_get0_notAfter(x));
    }
    X509_free(x);
    BIO_free(b);
}

/* the case status link: [printer] status_url with {case} replaced */
static void print_status_link(const kx_print *p, const char *case_id, char *out, size_t outsz)
{
    out[0] = 0;
    const char *mark = strstr(p->status_url, "{case}");
    if (!p->status_url[0] || !case_id[0])
        return;
    if (mark) {
        if (snprintf(out, outsz, "%.*s%s%s", (int)(mark - p->status_url), p->status_url,
                     case_id, mark + 6) >= (int)outsz)
            out[0] = 0; /* a cut link would lead nowhere */
    } else
        kx_strlcpy(out, p->status_url, outsz);
}

static void print_receipt_from_session(const kx_engine *e, kx_receipt *r)
{
    const kx_print *p = e->print;
    const kx_session *s = &e->s;
    memset(r, 0, sizeof *r);
    r->lang = print_lang(e);
    r->paper = p->paper;
    print_hall(p, e->lang, r->hall_name, sizeof r->hall_name, r->hall_phone,
               sizeof r->hall_phone);
    kx_strlcpy(r->kiosk_id, p->kiosk_id, sizeof r->kiosk_id);
    r->when = (int64_t)time(NULL);
    r->service = s->service;
    kx_strlcpy(r->company, s->company_name[0] ? s->company_name : s->cert_company,
               sizeof r->company);
    kx_strlcpy(r->credit_code, s->uscc[0] ? s->uscc : s->cert_uscc, sizeof r->credit_code);
    kx_strlcpy(r->case_no, s->case_id, sizeof r->case_no);
    r->amount_fen = s->fee_fen;
    kx_strlcpy(r->order_no, s->order_id, sizeof r->order_no);
    if (s->new_serial[0]) {
        r->result = KX_RECEIPT_ISSUED;
        kx_strlcpy(r->cert_serial, s->new_serial, sizeof r->cert_serial);
        print_cert_validity(s->cert_pem, &r->cert_not_before, &r->cert_not_after);
    } else {
        r->result = KX_RECEIPT_DONE;
    }
    print_status_link(p, s->case_id, r->qr_url, sizeof r->qr_url);
}

static kx_err print_submit(kx_print *p, kx_print_input *in, unsigned *req)
{
    in->id = ++p->next_id;
    *req = in->id;
    return kx_print_worker_submit(p->pw, in);
}

/* ---- the session's receipt ---- */

void kx_print_session_end(kx_engine *e, int cancelled)
{
    kx_print *p = e->print;
    const kx_session *s = &e->s;
    if (!p || !s->active)
        return;
    /* only sessions with money: paid (done) or refunded (cancelled) */
    if (!s->order_id[0] || !s->case_id[0])
        return;
    kx_print_input *in = calloc(1, sizeof *in);
    if (!in)
        return;
    in->doc = KX_PRINT_RECEIPT;
    kx_strlcpy(in->session, s->id, sizeof in->session);
    kx_strlcpy(in->order_id, s->order_id, sizeof in->order_id);
    in->only_refunded = cancelled;
    print_receipt_from_session(e, &in->receipt);
    kx_strlcpy(p->session, s->id, sizeof p->session);
    p->qr_url[0] = 0;
    if (print_submit(p, in, &p->receipt_req) == KX_OK)
        p->receipt = PRINT_PENDING;
    else
        p->receipt = p->enabled ? PRINT_FAILED : PRINT_NONE;
}

/* the receipt's outcome, kept as the last receipt for a reprint */
static void print_apply_receipt(kx_print *p, const kx_print_output *o)
{
    int current = o->id == p->receipt_req;
    if (o->skipped) {
        if (current)
            p->receipt = PRINT_NONE;
        return;
    }
    p->last = o->receipt;
    kx_docs_mask_code(o->receipt.credit_code, p->last.credit_code, sizeof p->last.credit_code);
    kx_strlcpy(p->last_session, o->session, sizeof p->last_session);
    p->have_last = 1;
    if (!current)
        return;
    p->printer_state = o->state;
    kx_strlcpy(p->qr_url, o->receipt.qr_url, sizeof p->qr_url);
    if (o->state == KX_PRINTER_DISABLED)
        p->receipt = p->qr_url[0] ? PRINT_ON_SCREEN : PRINT_NONE;
    else
        p->receipt = o->printed ? PRINT_PRINTED : PRINT_FAILED;
}

int kx_print_messages(kx_engine *e)
{
    kx_print *p = e->print;
    if (!p)
        return 0;
    kx_print_output *list = kx_print_worker_take(p->pw);
    int changed = list != NULL;
    for (kx_print_output *o = list; o; o = o->next) {
        if (o->doc == KX_PRINT_STATUS) {
            p->printer_state = o->state; /* the idle printer, asked by the thread */
            continue;
        }
        if (o->doc == KX_PRINT_RECEIPT) {
            print_apply_receipt(p, o);
        } else if (o->id == p->form_req) {
            p->form = o->printed ? PRINT_PRINTED : PRINT_FAILED;
            p->printer_state = o->state;
        }
        if (o->rc && !o->skipped && o->rc != KX_ERR_UNSUPPORTED)
            kx_log_warn("print.failed", "session=%s error=%s state=%s detail=\"%s\"",
                        o->session[0] ? o->session : "-", kx_err_name(o->rc),
                        kx_printer_state_name(o->state), o->detail);
    }
    kx_print_output_free(list);
    return changed;
}

/* a new session (or none): forget the previous one's screen state */
static void print_sync_session(kx_engine *e)
{
    kx_print *p = e->print;
    const char *id = e->s.active ? e->s.id : "";
    if (strcmp(p->session, id) == 0)
        return;
    kx_strlcpy(p->session, id, sizeof p->session);
    p->receipt = p->form = PRINT_NONE;
    p->receipt_req = p->form_req = 0;
    p->qr_url[0] = 0;
    p->form_doc[0] = 0;
}

/* ---- intents ---- */

/* the form the current state offers to print: "seal_sheet", "auth_letter"
 * or NULL */
static const char *print_form_here(const kx_engine *e)
{
    const kx_session *s = &e->s;
    if (!e->print || !e->print->enabled || !s->active || s->pos.resume >= 0)
        return NULL;
    const kx_flow_state *st = kx_flow_state_at(s->flow, s->pos.state);
    if (!st || !st->doc)
        return NULL;
    if (st->screen == KX_SCREEN_SEAL_PLACE && strcmp(st->doc, "seal_sheet") == 0)
        return "seal_sheet";
    if (st->screen == KX_SCREEN_DOC_PLACE && strcmp(st->doc, "auth_letter") == 0)
        return "auth_letter";
    return NULL;
}

static int print_again_here(kx_engine *e)
{
    kx_print *p = e->print;
    if (!p || !p->enabled || !e->s.active)
        return 0;
    print_sync_session(e);
    const kx_flow_state *st = kx_flow_state_at(e->s.flow, e->s.pos.state);
    return st && e->s.pos.resume < 0 &&
           (st->screen == KX_SCREEN_DONE || st->screen == KX_SCREEN_CANCELLED) &&
           (p->receipt == PRINT_PRINTED || p->receipt == PRINT_FAILED) && p->have_last &&
           strcmp(p->last_session, e->s.id) == 0;
}

static void print_ymd(time_t t, int *y, int *m, int *d)
{
    struct tm tm;
    localtime_r(&t, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
}

/* the letter filled with what the kiosk knows of the agent and company */
static void print_letter_from_session(const kx_session *s, kx_auth_letter *l)
{
    memset(l, 0, sizeof *l);
    kx_strlcpy(l->agent_name, s->agent_name, sizeof l->agent_name);
    kx_strlcpy(l->agent_idnum, s->agent_idnum, sizeof l->agent_idnum);
    kx_strlcpy(l->agent_mobile, s->phone, sizeof l->agent_mobile);
    kx_strlcpy(l->company, s->company_name[0] ? s->company_name : s->cert_company,
               sizeof l->company);
    l->service = s->service;
    /* GB 11643: the 17th character is odd for men */
    if (strlen(s->agent_idnum) == 18 && s->agent_idnum[16] >= '0' && s->agent_idnum[16] <= '9')
        l->agent_sex = (s->agent_idnum[16] - '0') % 2 ? KX_DOC_SEX_MALE : KX_DOC_SEX_FEMALE;
    time_t now = time(NULL);
    print_ymd(now, &l->from_year, &l->from_month, &l->from_day);
    print_ymd(now + (time_t)LETTER_VALID_DAYS * 86400, &l->to_year, &l->to_month, &l->to_day);
}

static kx_err print_again(kx_engine *e)
{
    kx_print *p = e->print;
    if (!print_again_here(e) || p->receipt == PRINT_PENDING)
        return KX_ERR_STATE;
    kx_print_input *in = calloc(1, sizeof *in);
    if (!in)
        return KX_ERR_NO_MEMORY;
    in->doc = KX_PRINT_RECEIPT;
    kx_strlcpy(in->session, e->s.id, sizeof in->session);
    in->receipt = p->last;
    kx_err rc = print_submit(p, in, &p->receipt_req);
    if (!rc)
        p->receipt = PRINT_PENDING;
    return rc;
}

static kx_err print_form(kx_engine *e)
{
    kx_print *p = e->print;
    const char *doc = print_form_here(e);
    if (!doc)
        return KX_ERR_STATE;
    print_sync_session(e);
    if (p->form == PRINT_PENDING)
        return KX_ERR_BUSY;
    kx_print_input *in = calloc(1, sizeof *in);
    if (!in)
        return KX_ERR_NO_MEMORY;
    kx_strlcpy(in->session, e->s.id, sizeof in->session);
    if (strcmp(doc, "seal_sheet") == 0) {
        in->doc = KX_PRINT_SEAL_SHEET;
    } else {
        in->doc = KX_PRINT_AUTH_LETTER;
        print_letter_from_session(&e->s, &in->letter);
    }
    kx_err rc = print_submit(p, in, &p->form_req);
    if (!rc) {
        p->form = PRINT_PENDING;
        kx_strlcpy(p->form_doc, doc, sizeof p->form_doc);
    }
    kx_log_info("print.form", "session=%s doc=%s rc=%s", e->s.id, doc, kx_err_name(rc));
    return rc;
}

int kx_print_is_intent(kx_intent intent)
{
    return intent == KX_INTENT_PRINT_AGAIN || intent == KX_INTENT_PRINT_FORM;
}

kx_err kx_print_intent(kx_engine *e, kx_intent intent, json_t *msg)
{
    (void)msg;
    kx_log_info("engine.intent", "intent=%s session=%s", kx_intent_name(intent),
                e->s.active ? e->s.id : "-");
    if (!e->print || !e->s.active)
        return KX_ERR_STATE;
    return intent == KX_INTENT_PRINT_AGAIN ? print_again(e) : print_form(e);
}

/* ---- the published state ---- */

/* print_trouble_message - what the home screen says about a printer that
 * cannot print (the receipt will be a QR code), NULL when it can */
static const char *print_trouble_message(const kx_print *p)
{
    if (!p->enabled)
        return NULL;
    switch (p->printer_state) {
    case KX_PRINTER_READY:
    case KX_PRINTER_PRINTING:
    case KX_PRINTER_DISABLED:
        return NULL;
    case KX_PRINTER_PAPER_OUT:
        return N_("The printer is out of paper: no receipt can be printed now. You can keep "
                  "your receipt by scanning a QR code at the end.");
    default:
        return N_("The printer is not working: no receipt can be printed now. You can keep "
                  "your receipt by scanning a QR code at the end.");
    }
}

/* print_idle_json - between sessions: the printer's condition when it
 * cannot print (state, message), otherwise null */
static json_t *print_idle_json(const kx_print *p)
{
    const char *msg = p ? print_trouble_message(p) : NULL;
    if (!msg)
        return json_null();
    return json_pack("{s:b, s:s, s:s}", "printer", 1, "state",
                     kx_printer_state_name(p->printer_state), "msgid", msg);
}

static const char *print_message(const kx_print *p, const char **advice)
{
    *advice = NULL;
    switch (p->receipt) {
    case PRINT_PENDING:
        return N_("Printing your receipt...");
    case PRINT_PRINTED:
        return N_("Your receipt has been printed. Please take it.");
    case PRINT_FAILED:
        *advice = kx_printer_advice(p->printer_state);
        return N_("The receipt could not be printed: printer problem, please ask staff.");
    case PRINT_ON_SCREEN:
        return N_("Scan the code to keep your receipt.");
    default:
        return NULL;
    }
}

static const char *print_form_message(const kx_print *p)
{
    switch (p->form) {
    case PRINT_PENDING:
        return N_("Printing the form...");
    case PRINT_PRINTED:
        return N_("The form has been printed. Stamp it, then place it to be scanned.");
    case PRINT_FAILED:
        return N_("The form could not be printed: printer problem, please ask staff.");
    default:
        return NULL;
    }
}

void kx_print_state_json(kx_engine *e, json_t *state)
{
    kx_print *p = e->print;
    if (!p || !e->s.active) {
        json_object_set_new(state, "print", print_idle_json(p));
        return;
    }
    print_sync_session(e);
    const char *advice, *msg = print_message(p, &advice);
    const char *form = print_form_here(e);
    json_t *o = json_object();
    json_object_set_new(o, "printer", json_boolean(p->enabled));
    json_object_set_new(o, "receipt", json_string(print_status_ids[p->receipt]));
    json_object_set_new(o, "msgid", msg ? json_string(msg) : json_null());
    json_object_set_new(o, "advice", advice ? json_string(advice) : json_null());
    json_object_set_new(o, "state", json_string(kx_printer_state_name(p->printer_state)));
    /* no printer, or the receipt failed: its link as a QR code instead */
    int qr = (p->receipt == PRINT_ON_SCREEN || p->receipt == PRINT_FAILED) && p->qr_url[0];
    json_object_set_new(o, "qr", qr ? json_string(p->qr_url) : json_null());
    json_object_set_new(o, "qr_invoice", json_boolean(qr && p->last.qr_is_invoice));
    json_object_set_new(o, "form_doc", form ? json_string(form) : json_null());
    json_object_set_new(o, "form", json_string(print_status_ids[form ? p->form : PRINT_NONE]));
    const char *fm = form ? print_form_message(p) : NULL;
    json_object_set_new(o, "form_msgid", fm ? json_string(fm) : json_null());
    json_object_set_new(state, "print", o);
}

void kx_print_intents(kx_engine *e, json_t *intents)
{
    if (!e->print || !e->s.active)
        return;
    if (print_again_here(e) && e->print->receipt != PRINT_PENDING)
        json_array_append_new(intents, json_string(kx_intent_name(KX_INTENT_PRINT_AGAIN)));
    if (print_form_here(e) && e->print->form != PRINT_PENDING)
        json_array_append_new(intents, json_string(kx_intent_name(KX_INTENT_PRINT_FORM)));
}

/* ---- staff and maintenance ---- */

kx_err kx_print_reprint_last(kx_engine *e, json_t **result)
{
    kx_print *p = e->print;
    if (!p || !p->enabled) {
        kx_err_set_detail("no printer is configured");
        return KX_ERR_UNSUPPORTED;
    }
    if (!p->have_last) {
        kx_err_set_detail("no receipt has been printed since kioskd started");
        return KX_ERR_NOT_FOUND;
    }
    kx_print_input *in = calloc(1, sizeof *in);
    if (!in)
        return KX_ERR_NO_MEMORY;
    in->doc = KX_PRINT_RECEIPT;
    kx_strlcpy(in->session, p->last_session, sizeof in->session);
    in->receipt = p->last;
    unsigned req = 0;
    kx_err rc = print_submit(p, in, &req);
    if (!rc && strcmp(p->session, p->last_session) == 0 && e->s.active) {
        p->receipt_req = req; /* the customer still on the done screen sees it */
        p->receipt = PRINT_PENDING;
    }
    if (!rc)
        *result = json_pack("{s:s, s:s, s:s}", "queued", "receipt", "session", p->last_session,
                            "case", p->last.case_no);
    return rc;
}

kx_err kx_print_summary(kx_engine *e, const kx_daily_summary *sum)
{
    kx_print *p = e->print;
    if (!p || !p->enabled) {
        kx_err_set_detail("no printer is configured");
        return KX_ERR_UNSUPPORTED;
    }
    kx_print_input *in = calloc(1, sizeof *in);
    if (!in)
        return KX_ERR_NO_MEMORY;
    in->doc = KX_PRINT_SUMMARY;
    in->summary = *sum;
    in->summary.paper = p->paper;
    char phone[8];
    print_hall(p, e->lang, in->summary.hall_name, sizeof in->summary.hall_name, phone,
               sizeof phone);
    kx_strlcpy(in->summary.kiosk_id, p->kiosk_id, sizeof in->summary.kiosk_id);
    unsigned req = 0;
    return print_submit(p, in, &req);
}

kx_err kx_print_selftest(kx_engine *e, json_t *result)
{
    kx_print *p = e->print;
    json_t *o = json_object();
    kx_err rc = KX_OK;
    if (!p || !p->enabled) {
        json_object_set_new(o, "state",
                            json_string(kx_printer_state_name(KX_PRINTER_DISABLED)));
        json_object_set_new(o, "ok", json_null());
        json_object_set_new(result, "printer", o);
        return KX_OK;
    }
    /* the idle kiosk: a handle of its own, bounded by [printer] timeout_s */
    const kx_printer_config *pc = kx_print_worker_config(p->pw);
    kx_printer *pr = NULL;
    kx_print_input *in = calloc(1, sizeof *in);
    kx_print_output *out = calloc(1, sizeof *out);
    if (!in || !out)
        rc = KX_ERR_NO_MEMORY;
    if (!rc && (rc = kx_printer_open_config(pc, &pr)))
        out->state = KX_PRINTER_NOT_FOUND;
    if (!rc) {
        in->doc = KX_PRINT_TEST_PAGE;
        in->test_page.lang = print_lang(e);
        in->test_page.paper = p->paper;
        char phone[8];
        print_hall(p, e->lang, in->test_page.hall_name, sizeof in->test_page.hall_name, phone,
                   sizeof phone);
        kx_strlcpy(in->test_page.kiosk_id, p->kiosk_id, sizeof in->test_page.kiosk_id);
        kx_strlcpy(in->test_page.printer, pc->target.queue ? pc->target.queue : pc->target.uri,
                   sizeof in->test_page.printer);
        kx_strlcpy(in->test_page.version, KX_VERSION, sizeof in->test_page.version);
        rc = kx_print_document(pr, pc, in, out);
    }
    kx_printer_close(pr);
    kx_printer_state st = out ? out->state : KX_PRINTER_FAULT;
    const char *advice = kx_printer_advice(st);
    json_object_set_new(o, "ok", json_boolean(rc == KX_OK));
    json_object_set_new(o, "state", json_string(kx_printer_state_name(st)));
    json_object_set_new(o, "test_page", json_boolean(out && out->printed));
    json_object_set_new(o, "job_id", json_integer(out ? out->job_id : 0));
    json_object_set_new(o, "advice", advice ? json_string(kx_tr(advice)) : json_null());
    /* a card beside the devices' on the maintenance screen (same shape) */
    json_t *tests = json_object_get(result, "tests");
    if (json_is_array(tests))
        json_array_append_new(
            tests, json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:O}", "device", "printer",
                             "msgid", N_("Printer"), "ok", rc == KX_OK, "verdict",
                             rc == KX_OK ? N_("Passed") : N_("Failed"), "error",
                             rc ? kx_err_name(rc) : "", "error_msgid",
                             advice ? advice : (rc ? kx_err_message(rc) : ""), "detail", o));
    if (rc)
        json_object_set_new(result, "ok", json_false());
    json_object_set_new(result, "printer", o);
    if (p->receipt != PRINT_PENDING)
        p->printer_state = st;
    kx_print_input_free(in);
    kx_print_output_free(out);
    return rc;
}
