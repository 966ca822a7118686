/* SPDX-License-Identifier: MIT */
/*
 * state.c - the state kioskd publishes (docs/protocol.md, "state"), and the
 * texts of each screen as gettext msgids with named arguments.
 *
 * Every msgid here is marked N_() and translated in po/zh_CN/engine.po; the
 * UI translates them (kioskd only sends ids). Never puts a PIN or an
 * unmasked ID number into a state.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/log.h"
#include "agreement.h"
#include "certinfo.h"
#include "engine_internal.h"

/* ---- revoke reasons a customer may choose ---- */

const char *const kx_revoke_reason_ids[] = {
    "unspecified", "key_compromise",         "affiliation_changed",
    "superseded",  "cessation_of_operation", NULL};
const int kx_revoke_reason_codes[] = {0, 1, 3, 4, 5};

/* ---- screen texts ---- */

static const char *const screen_titles[KX_SCREEN_COUNT] = {
    [KX_SCREEN_HOME] = N_("Choose a service"),
    [KX_SCREEN_BUSY] = N_("Please wait"),
    [KX_SCREEN_UKEY_INSERT] = N_("Insert your UKEY"),
    [KX_SCREEN_UKEY_BLANK_INSERT] = N_("Insert a new blank UKEY"),
    [KX_SCREEN_CERT_SHOW] = N_("Your certificate"),
    [KX_SCREEN_PIN_ENTER] = N_("Enter the UKEY PIN"),
    [KX_SCREEN_PIN_NEW] = N_("Choose a new PIN"),
    [KX_SCREEN_FEE_CONFIRM] = N_("Fee"),
    [KX_SCREEN_PAYMENT] = N_("Pay the fee"),
    [KX_SCREEN_LICENCE_PLACE] = N_("Place the business licence on the scanner"),
    [KX_SCREEN_COMPANY_CONFIRM] = N_("Check the company details"),
    [KX_SCREEN_IDCARD_PLACE] = N_("Place the agent's ID card on the reader"),
    [KX_SCREEN_AGENT_CONFIRM] = N_("Check the agent's details"),
    [KX_SCREEN_DOC_PLACE] = N_("Place the document on the scanner"),
    [KX_SCREEN_DOC_REVIEW] = N_("Check the scan"),
    [KX_SCREEN_CONTACT] = N_("Contact details"),
    [KX_SCREEN_AGREEMENT] = N_("User agreement"),
    [KX_SCREEN_SEAL_PLACE] = N_("Place the seal collection sheet on the scanner"),
    [KX_SCREEN_SEAL_REVIEW] = N_("Check the seal impressions"),
    [KX_SCREEN_REVIEW_WAIT] = N_("The CA is reviewing your application"),
    [KX_SCREEN_REVOKE_METHOD] = N_("How do you identify the certificate?"),
    [KX_SCREEN_REVOKE_REASON] = N_("Why should the certificate be revoked?"),
    [KX_SCREEN_REVOKE_CONFIRM] = N_("Revoke the certificate?"),
    [KX_SCREEN_REVOKE_PICK] = N_("Which certificate should be revoked?"),
    [KX_SCREEN_FORM_REVIEW] = N_("Check your application form"),
    [KX_SCREEN_DONE] = N_("Done"),
    [KX_SCREEN_CANCELLED] = N_("Cancelled"),
    [KX_SCREEN_ERROR] = N_("Something went wrong"),
    [KX_SCREEN_STAFF_NEEDED] = N_("Please call a member of staff"),
    [KX_SCREEN_OUT_OF_SERVICE] = N_("This kiosk is temporarily out of service"),
};

static const struct {
    const char *id;
    const char *msgid;
} activities[] = {
    {"reading_token", N_("Reading the UKEY")},
    {"verifying_pin", N_("Checking the PIN")},
    {"checking_fee", N_("Preparing your application")},
    {"creating_order", N_("Creating the payment order")},
    {"generating_key", N_("Generating a new key on the UKEY")},
    {"contacting_ra", N_("Contacting the CA")},
    {"installing", N_("Installing the certificate")},
    {"removing_old", N_("Removing the old certificate")},
    {"scanning", N_("Scanning")},
    {"submitting", N_("Sending your application to the CA")},
    {"refunding", N_("Cancelling and refunding")},
    {"writing_token", N_("Setting the PIN")},
    {"revoking", N_("Revoking the certificate")},
    {"recovering", N_("Finishing earlier transactions")},
    {"preparing_form", N_("Filling in your application form")},
};

static const struct {
    const char *id;
    const char *msgid;
} docs[] = {
    {"licence", N_("Business licence")},
    {"agent_id_front", N_("ID card, front side (photo)")},
    {"agent_id_back", N_("ID card, back side (national emblem)")},
    {"seal_sheet", N_("Electronic seal collection sheet")},
    {"auth_letter", N_("Authorisation letter")},
    {"reissue_statement", N_("Reissue statement")},
    {"uscc_copy", N_("Stamped copy of the credit code document")},
};

const char *kx_doc_msgid(const char *doc)
{
    for (size_t i = 0; doc && i < sizeof docs / sizeof docs[0]; i++)
        if (strcmp(docs[i].id, doc) == 0)
            return docs[i].msgid;
    return "";
}

const char *kx_screen_title(kx_screen screen, const char *doc, const char *activity)
{
    if (screen == KX_SCREEN_BUSY && activity)
        for (size_t i = 0; i < sizeof activities / sizeof activities[0]; i++)
            if (strcmp(activities[i].id, activity) == 0)
                return activities[i].msgid;
    if ((screen == KX_SCREEN_DOC_PLACE || screen == KX_SCREEN_DOC_REVIEW) && doc)
        return kx_doc_msgid(doc);
    return (unsigned)screen < KX_SCREEN_COUNT ? screen_titles[screen] : "";
}

/* What the user should do next, per error. */
static const struct {
    kx_err code;
    const char *action;
} actions[] = {
    {KX_ERR_TOKEN_ABSENT, N_("Insert the UKEY into the slot and wait.")},
    {KX_ERR_TOKEN_REMOVED,
     N_("Do not remove the UKEY until you are told to. Insert it again and retry.")},
    {KX_ERR_PIN_INCORRECT, N_("Enter the PIN again. {tries_left} tries left.")},
    {KX_ERR_PIN_LOCKED, N_("The PIN is locked. Choose \"Unlock the PIN\" on the home screen.")},
    {KX_ERR_PIN_POLICY, N_("Use 6 to 16 digits and type the same PIN twice.")},
    {KX_ERR_TOKEN, N_("The UKEY does not respond. Try another slot or call staff.")},
    {KX_ERR_TOKEN_FULL, N_("The UKEY is full. Call staff.")},
    {KX_ERR_SCAN_NO_DOCUMENT,
     N_("Put the document face down on the scanner glass and try again.")},
    {KX_ERR_SCAN_JAMMED, N_("The scanner is jammed. Call staff.")},
    {KX_ERR_SCAN_COVER_OPEN, N_("Close the scanner cover and try again.")},
    {KX_ERR_SCAN_DEVICE, N_("The scanner is not available. Call staff.")},
    {KX_ERR_IMAGE_UNREADABLE,
     N_("The scan could not be read. Place the document flat and try again.")},
    {KX_ERR_NO_QR, N_("No QR code was found. Place the licence with its QR code on the glass "
                      "and try again.")},
    {KX_ERR_NO_TABLE, N_("Place the whole seal sheet flat on the glass.")},
    {KX_ERR_NO_CARD, N_("Place the ID card in the marked corner of the glass.")},
    {KX_ERR_CARD_ABSENT, N_("Place the ID card on the reader and keep it there.")},
    {KX_ERR_CARD_READ, N_("Lift the ID card and place it on the reader again.")},
    {KX_ERR_CARD_LIFTED, N_("Keep the ID card on the reader until it has been read.")},
    {KX_ERR_SAM, N_("The ID card reader is not available. Call staff.")},
    {KX_ERR_EXPIRED, N_("The document or certificate has expired. Call staff.")},
    {KX_ERR_UNDERAGE, N_("The agent must be 18 or older. Another agent must apply.")},
    {KX_ERR_MISMATCH, N_("The licence does not belong to the company of this certificate. Use "
                         "the right licence.")},
    {KX_ERR_CHECK_FAILED, N_("The credit code could not be verified. Call staff.")},
    {KX_ERR_NETWORK, N_("The CA cannot be reached. Try again, or call staff.")},
    {KX_ERR_TIMEOUT, N_("This took too long. Try again, or call staff.")},
    {KX_ERR_BUSY, N_("The CA is busy. Try again in a moment.")},
    {KX_ERR_TLS, N_("The secure connection to the CA failed. Call staff.")},
    {KX_ERR_RA_REJECTED, N_("The CA did not accept the application. Call staff to learn why.")},
    {KX_ERR_RA_NOT_PAID, N_("The payment has not arrived yet. Try again.")},
    {KX_ERR_RA_NOT_APPROVED,
     N_("The application is not approved yet. Try again or call staff.")},
    {KX_ERR_STATE, N_("This cannot be done now. Call staff.")},
    {KX_ERR_NOT_FOUND, N_("The CA does not know this company or certificate. Call staff.")},
    {KX_ERR_UNSUPPORTED, N_("This kiosk cannot do this. Call staff.")},
    {KX_ERR_JOURNAL, N_("The kiosk cannot record the transaction. Call staff.")},
};

const char *kx_error_action(kx_err code)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (actions[i].code == code)
            return actions[i].action;
    return N_("Try again, or call staff.");
}

/* ---- JSON helpers ---- */

static json_t *text0(const char *msgid)
{
    return json_pack("{s:s, s:{}}", "msgid", msgid, "args");
}

static json_t *text1(const char *msgid, const char *k, const char *v)
{
    return json_pack("{s:s, s:{s:s}}", "msgid", msgid, "args", k, v);
}

static json_t *text2(const char *msgid, const char *k1, const char *v1, const char *k2,
                     const char *v2)
{
    return json_pack("{s:s, s:{s:s, s:s}}", "msgid", msgid, "args", k1, v1, k2, v2);
}

static void add_intent(json_t *arr, kx_intent in)
{
    json_array_append_new(arr, json_string(kx_intent_name(in)));
}

static json_t *state_intents(kx_engine *e, const kx_flow_state *st)
{
    kx_session *s = &e->s;
    json_t *a = json_array();
    if (!s->active) {
        if (!e->recovering && !e->out_of_service)
            add_intent(a, KX_INTENT_CHOOSE_SERVICE);
        add_intent(a, KX_INTENT_SET_LANGUAGE);
        return a;
    }
    static const struct {
        kx_intent in;
        kx_event ev;
    } map[] = {
        {KX_INTENT_PIN, KX_EV_PIN},
        {KX_INTENT_NEW_PIN, KX_EV_NEW_PIN},
        {KX_INTENT_CONTACT, KX_EV_CONTACT},
        {KX_INTENT_CHOOSE, KX_EV_CHOOSE},
        {KX_INTENT_CONFIRM, KX_EV_CONFIRM},
        {KX_INTENT_RETRY, KX_EV_RETRY},
        {KX_INTENT_BACK, KX_EV_BACK},
        {KX_INTENT_CANCEL, KX_EV_CANCEL},
        {KX_INTENT_STAFF_APPROVE, KX_EV_STAFF_APPROVE},
        {KX_INTENT_STAFF_REJECT, KX_EV_STAFF_REJECT},
        {KX_INTENT_STAFF_OVERRIDE, KX_EV_STAFF_OVERRIDE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!kx_flow_accepts(s->flow, s->pos, map[i].ev))
            continue;
        if (map[i].ev == KX_EV_RETRY && s->pos.resume >= 0 && !s->error_retryable)
            continue;
        add_intent(a, map[i].in);
    }
    (void)st;
    kx_print_intents(e, a);
    add_intent(a, KX_INTENT_STAFF_RESET);
    add_intent(a, KX_INTENT_SET_LANGUAGE);
    add_intent(a, KX_INTENT_ACTIVITY);
    return a;
}

static json_t *state_choices(const kx_flow_state *st)
{
    json_t *a = json_array();
    if (!st)
        return a;
    if (st->screen == KX_SCREEN_REVOKE_METHOD) {
        json_array_append_new(
            a, json_pack("{s:s, s:s}", "value", "ukey", "msgid", N_("I have the UKEY")));
        json_array_append_new(a, json_pack("{s:s, s:s}", "value", "licence", "msgid",
                                           N_("I use the business licence and ID card")));
    } else if (st->screen == KX_SCREEN_REVOKE_REASON) {
        static const char *const msgids[] = {
            N_("No reason given"), N_("The key or UKEY was compromised or lost"),
            N_("The company details changed"), N_("The certificate was replaced"),
            N_("The company ceased operating")};
        const char *const *ids = kx_revoke_reason_ids;
        for (int i = 0; ids[i]; i++)
            json_array_append_new(a,
                                  json_pack("{s:s, s:s}", "value", ids[i], "msgid", msgids[i]));
    }
    return a;
}

static const char *activity_of(const kx_engine *e, const kx_flow_state *st)
{
    if (e->recovering && !e->s.active)
        return "recovering";
    return st && st->screen == KX_SCREEN_BUSY ? st->activity : NULL;
}

static void fmt_money(int64_t fen, char *out, size_t n)
{
    kx_money_format(fen, out, n);
}

/* the resume flow (an SM2 pair issued before a restart, written with the
 * customer's PIN): its PIN screen and the screen when the customer stops */
static int state_body_resume(kx_engine *e, const kx_flow_state *st, json_t *b)
{
    if (e->s.flow != kx_flow_resume_install() || e->s.pos.resume >= 0 || !st)
        return 0;
    if (strcmp(st->name, "resume_pin") == 0) {
        json_array_append_new(
            b, text0(N_("Your certificate was issued, but it has not yet been written onto "
                        "this UKEY. Enter the UKEY PIN to write it now.")));
        json_array_append_new(b, text0(N_("Nothing more is charged.")));
        return 1;
    }
    if (strcmp(st->name, "resume_later") == 0) {
        json_array_append_new(
            b, text0(N_("Your certificate is kept for you. Insert this UKEY here again, or "
                        "staff can write it onto the UKEY for you.")));
        if (e->hall)
            json_array_append_new(b, kx_hall_counter_text(e));
        return 1;
    }
    return 0;
}

static json_t *state_body(kx_engine *e, const kx_flow_state *st, kx_screen screen)
{
    kx_session *s = &e->s;
    json_t *b = json_array();
    char money[32], days[32];
    if (state_body_resume(e, st, b))
        return b;
    switch (screen) {
    case KX_SCREEN_HOME:
        json_array_append_new(b, text0(N_("Touch the service you need.")));
        break;
    case KX_SCREEN_CERT_SHOW:
        snprintf(days, sizeof days, "%ld", s->cert_days_left);
        json_array_append_new(b, text2(N_("Certificate of {company}, valid until {date}."),
                                       "company", s->cert_company, "date", s->cert_not_after));
        json_array_append_new(b, text1(N_("{days} days left."), "days", days));
        break;
    case KX_SCREEN_FEE_CONFIRM:
    case KX_SCREEN_PAYMENT:
        fmt_money(s->fee_fen, money, sizeof money);
        json_array_append_new(
            b, text1(screen == KX_SCREEN_PAYMENT
                         ? N_("Scan the code with WeChat or Alipay to pay {amount} yuan.")
                         : N_("The fee for this service is {amount} yuan."),
                     "amount", money));
        break;
    case KX_SCREEN_DOC_PLACE:
        json_array_append_new(b,
                              text0(N_("Place it face down on the glass, then touch Scan.")));
        break;
    case KX_SCREEN_FORM_REVIEW: /* the form as the CA receives it (jobs_form.c) */
        json_array_append_new(b, text0(N_("This is the application form the kiosk sends to the "
                                          "CA with your case. Check the company and your "
                                          "details.")));
        json_array_append_new(b, text0(N_("To change the phone number or e-mail, go back. If "
                                          "the company or your own details are wrong, ask "
                                          "staff.")));
        break;
    case KX_SCREEN_AGREEMENT:
        json_array_append_new(
            b, text0(N_(
                   "By accepting, you agree to the JXCA digital certificate user agreement.")));
        break;
    case KX_SCREEN_UKEY_BLANK_INSERT:
        json_array_append_new(b,
                              text0(N_("Staff give you a new UKEY. Insert it into the slot.")));
        break;
    case KX_SCREEN_SEAL_REVIEW:
        json_array_append_new(
            b,
            text0(st && st->collects
                      ? N_("Every impression is usable.")
                      : N_("Stamp or sign again in the cells marked red, then scan again.")));
        if (s->seal_upside_down)
            json_array_append_new(b,
                                  text0(N_("The sheet lay upside down; the kiosk turned it. "
                                           "Next time place it with its title at the top.")));
        break;
    case KX_SCREEN_DONE:
        if (kx_service_issues_cert(s->service)) {
            json_array_append_new(
                b, text0(N_("Your new certificate is on the UKEY. Take your UKEY.")));
            /* its validity, as the agreement says: one year from issue */
            kx_certinfo ci;
            if (s->cert_pem &&
                kx_certinfo_parse((const unsigned char *)s->cert_pem, strlen(s->cert_pem),
                                  (int64_t)time(NULL), &ci) == KX_OK)
                json_array_append_new(b, text2(N_("It is valid from {from} to {to}."), "from",
                                               ci.not_before_text, "to", ci.not_after_text));
            /* the electronic seals the process ends with (jobs_docs.c) */
            if (s->n_seals > 0) {
                char n[16];
                snprintf(n, sizeof n, "%d", s->n_seals);
                json_array_append_new(
                    b, text2(N_("Electronic seals made for it and written onto the UKEY: {n}, "
                                "valid until {until}."),
                             "n", n, "until", s->seals_until[0] ? s->seals_until : "-"));
            }
        } else if (s->service == KX_SVC_UNLOCK)
            json_array_append_new(b, text0(N_("The PIN was reset. Take your UKEY.")));
        else
            json_array_append_new(
                b, text0(N_("The certificate will be revoked within 24 hours.")));
        if (s->service == KX_SVC_SWAP)
            json_array_append_new(b, text0(N_("Take both UKEYs.")));
        break;
    case KX_SCREEN_CANCELLED:
        json_array_append_new(b,
                              text0(N_("Nothing was charged, or the payment was refunded.")));
        break;
    case KX_SCREEN_REVOKE_PICK:
        json_array_append_new(
            b, text0(N_("These are the company's valid certificates. Touch the one to revoke, "
                        "or all of them. The CA revokes them once it has checked your "
                        "documents.")));
        break;
    case KX_SCREEN_STAFF_NEEDED:
        json_array_append_new(b, text0(N_("A member of staff will help you.")));
        if (e->hall)
            json_array_append_new(b, kx_hall_counter_text(e));
        break;
    case KX_SCREEN_OUT_OF_SERVICE:
        if (e->hall)
            json_array_append_new(b, kx_hall_counter_text(e));
        break;
    default:
        break;
    }
    return b;
}

/* ---- the state ---- */

/* the staff member logged in: {id,name,role,idle_left} or null */
static json_t *state_staff(const kx_engine *e)
{
    const struct kx_staff_mode *m = e->staff;
    if (!m || !m->active)
        return json_null();
    long left = (long)kx_staff_policy_get(m->db)->idle_seconds -
                (long)((kx_now_ms() - m->last_ms) / 1000);
    return json_pack("{s:s, s:s, s:s, s:i}", "id", m->id, "name", m->name, "role",
                     m->role == KX_STAFF_ROLE_ADMIN ? "admin" : "staff", "idle_left",
                     (int)(left < 0 ? 0 : left));
}

json_t *kx_state_json(kx_engine *e)
{
    kx_session *s = &e->s;
    const kx_flow_state *st = s->active ? kx_flow_state_at(s->flow, s->pos.state) : NULL;
    kx_screen screen = KX_SCREEN_HOME;
    if (e->out_of_service)
        screen = KX_SCREEN_OUT_OF_SERVICE;
    else if (st)
        screen = s->pos.resume >= 0 ? KX_SCREEN_ERROR : st->screen;
    else if (e->recovering)
        screen = KX_SCREEN_BUSY;
    const char *activity = screen == KX_SCREEN_BUSY ? activity_of(e, st) : NULL;
    const char *doc = st ? st->doc : NULL;

    json_t *o = json_object();
    json_object_set_new(o, "v", json_integer(KX_PROTO_VERSION));
    json_object_set_new(o, "type", json_string("state"));
    json_object_set_new(o, "rev", json_integer(++e->rev));
    json_object_set_new(o, "session", s->active ? json_string(s->id) : json_null());
    json_object_set_new(o, "screen", json_string(kx_screen_id(screen)));
    json_object_set_new(o, "state", st ? json_string(st->name) : json_null());
    json_object_set_new(o, "service",
                        s->active ? json_string(kx_service_id(s->service)) : json_null());
    json_object_set_new(o, "lang", json_string(e->lang));
    json_object_set_new(o, "staff", state_staff(e));
    if (st) {
        int idx, cnt;
        kx_flow_step_number(s->flow, s->pos.state, &idx, &cnt);
        json_object_set_new(o, "step", json_pack("{s:i, s:i}", "index", idx, "count", cnt));
    } else {
        json_object_set_new(o, "step", json_null());
    }
    json_object_set_new(o, "title", text0(kx_screen_title(screen, doc, activity)));
    json_object_set_new(o, "body", state_body(e, st, screen));
    json_object_set_new(o, "activity", activity ? json_string(activity) : json_null());
    json_object_set_new(o, "doc", doc ? json_string(doc) : json_null());
    if (s->have_cert) {
        json_t *cert = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "company", s->cert_company,
                                 "uscc", s->cert_uscc, "subject", s->cert_subject, "serial",
                                 s->cert_serial, "not_after", s->cert_not_after, "days_left",
                                 (json_int_t)s->cert_days_left);
        if (cert && s->cert_enc_serial[0]) { /* the encryption certificate of an SM2 pair */
            json_object_set_new(cert, "enc_serial", json_string(s->cert_enc_serial));
            json_object_set_new(cert, "enc_not_after", json_string(s->cert_enc_not_after));
        }
        json_object_set_new(o, "cert", cert);
    } else
        json_object_set_new(o, "cert", json_null());
    if (s->have_company)
        json_object_set_new(o, "company",
                            json_pack("{s:s, s:s, s:s}", "name", s->company_name, "uscc",
                                      s->uscc, "legal_rep", s->company_legal_rep));
    else
        json_object_set_new(o, "company", json_null());
    if (s->have_agent)
        json_object_set_new(o, "agent",
                            json_pack("{s:s, s:s, s:i, s:s}", "name", s->agent_name,
                                      "idnum_masked", s->agent_idnum_masked, "age",
                                      s->agent_age, "valid_to", s->agent_valid_to));
    else
        json_object_set_new(o, "agent", json_null());
    if (s->have_fee) {
        char money[32];
        fmt_money(s->fee_fen, money, sizeof money);
        json_object_set_new(
            o, "fee", json_pack("{s:I, s:s}", "fen", (json_int_t)s->fee_fen, "text", money));
    } else {
        json_object_set_new(o, "fee", json_null());
    }
    if (screen == KX_SCREEN_PAYMENT && s->qr_text[0]) {
        long left = (long)(s->order_expires_at - (int64_t)time(NULL));
        json_object_set_new(o, "payment",
                            json_pack("{s:s, s:s, s:i}", "order", s->order_id, "qr", s->qr_text,
                                      "expires_in", left > 0 ? (int)left : 0));
    } else {
        json_object_set_new(o, "payment", json_null());
    }
    json_t *pv = json_array();
    for (int i = 0; i < s->n_previews; i++)
        json_array_append_new(pv,
                              json_pack("{s:s, s:s, s:i, s:i}", "doc", s->previews[i].doc,
                                        "path", s->previews[i].path, "width",
                                        s->previews[i].width, "height", s->previews[i].height));
    json_object_set_new(o, "previews", pv);
    json_t *sc = json_array();
    for (int i = 0; i < s->n_seal_cells; i++)
        json_array_append_new(
            sc, json_pack("{s:s, s:i, s:s, s:s}", "row", s->seal_cells[i].row, "cell",
                          s->seal_cells[i].cell, "verdict", s->seal_cells[i].verdict, "msgid",
                          s->seal_cells[i].msgid ? s->seal_cells[i].msgid : ""));
    json_object_set_new(o, "seal_cells", sc);
    json_object_set_new(o, "choices",
                        screen == KX_SCREEN_REVOKE_PICK
                            ? kx_revoke_pick_choices(s)
                            : state_choices(s->pos.resume >= 0 ? NULL : st));
    json_object_set_new(o, "revoke", kx_revoke_pick_json(s));
    json_object_set_new(o, "agreement",
                        screen == KX_SCREEN_AGREEMENT ? kx_agreement_json(e) : json_null());
    json_t *input = json_null();
    if (screen == KX_SCREEN_PIN_ENTER)
        input = json_pack("{s:s, s:i, s:i, s:i}", "kind", "pin", "min", KX_PIN_MIN, "max",
                          KX_PIN_MAX, "tries_left", s->tries_left);
    else if (screen == KX_SCREEN_PIN_NEW)
        input = json_pack("{s:s, s:i, s:i}", "kind", "new_pin", "min", KX_NEW_PIN_MIN, "max",
                          KX_PIN_MAX);
    else if (screen == KX_SCREEN_CONTACT)
        input = json_pack("{s:s}", "kind", "contact");
    json_object_set_new(o, "input", input);
    json_object_set_new(o, "progress", s->progress >= 0 ? json_real(s->progress) : json_null());
    if (s->active && s->error) {
        char tries[16], window[16], grace[16];
        snprintf(tries, sizeof tries, "%d", s->tries_left);
        snprintf(window, sizeof window, "%d", e->rules.renew_window_days);
        snprintf(grace, sizeof grace, "%d", e->rules.renew_grace_days);
        json_object_set_new(
            o, "error",
            json_pack("{s:i, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "code", (int)s->error, "name",
                      kx_err_name(s->error), "msgid",
                      s->error_msgid ? s->error_msgid : kx_err_message(s->error), "action",
                      kx_error_action(s->error), "args", "tries_left", tries,
                      "renew_window_days", window, "renew_grace_days", grace));
        /* a document step's page: what the kiosk saw, what it asked for
         * (texts the screen translates) */
        json_t *args = json_object_get(json_object_get(o, "error"), "args");
        if (s->error_seen)
            json_object_set_new(args, "seen", json_pack("{s:s}", "msgid", s->error_seen));
        if (s->error_wanted)
            json_object_set_new(args, "wanted", json_pack("{s:s}", "msgid", s->error_wanted));
        /* an action that sends the customer to staff names this hall's
         * counter and telephone */
        if (strstr(kx_error_action(s->error), "staff"))
            json_object_set_new(json_object_get(o, "error"), "counter",
                                kx_hall_counter_text(e));
    } else {
        json_object_set_new(o, "error", json_null());
    }
    kx_print_state_json(e, o);
    json_object_set_new(o, "hall", kx_hall_json(e));
    json_object_set_new(o, "intents", state_intents(e, st));
    if (e->deadline_ms && s->active && screen != KX_SCREEN_BUSY) {
        int64_t left = (e->deadline_ms - kx_now_ms() + 999) / 1000;
        json_object_set_new(o, "timeout",
                            json_pack("{s:i, s:i}", "total", e->timeout_total_s, "left",
                                      left > 0 ? (int)left : 0));
    } else {
        json_object_set_new(o, "timeout", json_null());
    }
    return o;
}
