/* SPDX-License-Identifier: MIT */
/*
 * services.c - the service catalogue, fees and eligibility rules.
 */
#include "services.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "core/str.h"
#include "domain/idnum.h"

struct service_def {
    const char *id;
    const char *title;
    uint32_t docs;
    int issues_cert;
    const char *default_fee;
};

/* The counter's requirements (seed process): new, reissue and change take
 * the form, licence, agent ID and seals; the online process adds the
 * authorisation letter; reissue adds the statement; change the old UKEY;
 * renewal takes the UKEY and its PIN, or without the PIN a stamped copy of
 * the credit-code document and the UKEY (no agent: section 4 asks for none;
 * the licence's QR code names the enterprise). Unlock, swap and revoke take form, licence and
 * agent ID; swap and unlock also the UKEY(s) themselves. */
#define KX_DOCS_BASE (KX_DOC_APPLICATION | KX_DOC_AGREEMENT | KX_DOC_LICENCE | KX_DOC_AGENT_ID)
static const struct service_def service_defs[KX_SVC_COUNT] = {
    [KX_SVC_NEW] = {"new", N_("New certificate"),
                    KX_DOCS_BASE | KX_DOC_SEAL_SHEET | KX_DOC_AUTH_LETTER | KX_DOC_NEW_UKEY, 1,
                    "300.00"},
    [KX_SVC_RENEW] = {"renew", N_("Renew with PIN"),
                      KX_DOC_OLD_UKEY | KX_DOC_UKEY_PIN | KX_DOC_AGREEMENT, 1, "300.00"},
    [KX_SVC_RENEW_NOPIN] = {"renew_nopin", N_("Renew without PIN"),
                            KX_DOC_OLD_UKEY | KX_DOC_USCC_COPY | KX_DOC_LICENCE |
                                KX_DOC_AGREEMENT,
                            1, "300.00"},
    [KX_SVC_REISSUE] = {"reissue", N_("Reissue a lost certificate"),
                        KX_DOCS_BASE | KX_DOC_SEAL_SHEET | KX_DOC_AUTH_LETTER |
                            KX_DOC_REISSUE_STATEMENT | KX_DOC_NEW_UKEY,
                        1, "300.00"},
    [KX_SVC_CHANGE] = {"change", N_("Change certificate details"),
                       KX_DOCS_BASE | KX_DOC_SEAL_SHEET | KX_DOC_AUTH_LETTER | KX_DOC_OLD_UKEY,
                       1, "100.00"},
    [KX_SVC_SWAP] = {"swap", N_("Swap to a new UKEY"),
                     KX_DOCS_BASE | KX_DOC_OLD_UKEY | KX_DOC_UKEY_PIN | KX_DOC_NEW_UKEY, 1,
                     "100.00"},
    [KX_SVC_UNLOCK] = {"unlock", N_("Unlock the PIN"), KX_DOCS_BASE | KX_DOC_OLD_UKEY, 0,
                       "0.00"},
    [KX_SVC_REVOKE] = {"revoke", N_("Revoke the certificate"), KX_DOCS_BASE, 0, "0.00"},
};

static const struct {
    kx_doc doc;
    const char *id;
    const char *title;
} doc_defs[KX_DOC_COUNT] = {
    {KX_DOC_APPLICATION, "application", N_("Application details")},
    {KX_DOC_AGREEMENT, "agreement", N_("User agreement")},
    {KX_DOC_LICENCE, "licence", N_("Business licence")},
    {KX_DOC_AGENT_ID, "agent_id", N_("Agent's ID card")},
    {KX_DOC_SEAL_SHEET, "seal_sheet", N_("Electronic seal collection sheet")},
    {KX_DOC_AUTH_LETTER, "auth_letter", N_("Authorisation letter")},
    {KX_DOC_REISSUE_STATEMENT, "reissue_statement", N_("Reissue statement")},
    {KX_DOC_OLD_UKEY, "old_ukey", N_("Current UKEY")},
    {KX_DOC_UKEY_PIN, "ukey_pin", N_("UKEY PIN")},
    {KX_DOC_USCC_COPY, "uscc_copy", N_("Stamped copy of the credit code document")},
    {KX_DOC_NEW_UKEY, "new_ukey", N_("Blank UKEY")},
};

const char *kx_service_id(kx_service svc)
{
    return (unsigned)svc < KX_SVC_COUNT ? service_defs[svc].id : "unknown";
}

kx_err kx_service_from_id(const char *id, kx_service *out)
{
    for (int i = 0; id && i < KX_SVC_COUNT; i++)
        if (strcmp(id, service_defs[i].id) == 0) {
            *out = (kx_service)i;
            return KX_OK;
        }
    return KX_ERR_NOT_FOUND;
}

const char *kx_service_title(kx_service svc)
{
    return (unsigned)svc < KX_SVC_COUNT ? service_defs[svc].title : "";
}

uint32_t kx_service_documents(kx_service svc)
{
    return (unsigned)svc < KX_SVC_COUNT ? service_defs[svc].docs : 0;
}

int kx_service_issues_cert(kx_service svc)
{
    return (unsigned)svc < KX_SVC_COUNT ? service_defs[svc].issues_cert : 0;
}

const char *kx_doc_id(kx_doc doc)
{
    for (int i = 0; i < KX_DOC_COUNT; i++)
        if (doc_defs[i].doc == doc)
            return doc_defs[i].id;
    return "unknown";
}

const char *kx_doc_title(kx_doc doc)
{
    for (int i = 0; i < KX_DOC_COUNT; i++)
        if (doc_defs[i].doc == doc)
            return doc_defs[i].title;
    return "";
}

kx_err kx_money_parse(const char *text, int64_t *fen_out)
{
    if (!text || !*text || !fen_out)
        return KX_ERR_BAD_FORMAT;
    int64_t yuan = 0, fen = 0;
    const char *p = text;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (yuan > 100000000) /* a hundred million yuan is no kiosk fee */
            return KX_ERR_TOO_LARGE;
        yuan = yuan * 10 + (*p - '0');
    }
    if (!digits)
        return KX_ERR_BAD_FORMAT;
    if (*p == '.') {
        p++;
        int dec = 0;
        for (; *p >= '0' && *p <= '9'; p++, dec++) {
            if (dec >= 2)
                return KX_ERR_BAD_FORMAT;
            fen = fen * 10 + (*p - '0');
        }
        if (dec == 0)
            return KX_ERR_BAD_FORMAT;
        if (dec == 1)
            fen *= 10;
    }
    if (*p)
        return KX_ERR_BAD_FORMAT;
    *fen_out = yuan * 100 + fen;
    return KX_OK;
}

void kx_money_format(int64_t fen, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s%" PRId64 ".%02" PRId64, fen < 0 ? "-" : "",
             (fen < 0 ? -fen : fen) / 100, (fen < 0 ? -fen : fen) % 100);
}

kx_err kx_fees_load(const kx_config *cfg, kx_fees *out)
{
    for (int i = 0; i < KX_SVC_COUNT; i++) {
        const char *v =
            kx_config_get_str(cfg, "fees", service_defs[i].id, service_defs[i].default_fee);
        if (kx_money_parse(v, &out->fen[i]) != KX_OK) {
            kx_err_set_detail(
                "%s:%d: [fees] %s=%s: expected yuan like 300.00", kx_config_name(cfg),
                kx_config_line(cfg, "fees", service_defs[i].id), service_defs[i].id, v);
            return KX_ERR_CONFIG;
        }
    }
    return KX_OK;
}

kx_err kx_rules_load(const kx_config *cfg, kx_rules *out)
{
    long v;
    kx_err rc;
    if ((rc = kx_config_get_int(cfg, "rules", "min_agent_age", 18, 18, 99, &v)))
        return rc;
    out->min_agent_age = (int)v;
    /* the paper sets no window: by default the kiosk renews whenever the
     * counter would (0 and -1: no limit); a site may narrow it */
    if ((rc = kx_config_get_int(cfg, "rules", "renew_window_days", 0, 0, 3650, &v)))
        return rc;
    out->renew_window_days = (int)v;
    if ((rc = kx_config_get_int(cfg, "rules", "renew_grace_days", -1, -1, 3650, &v)))
        return rc;
    out->renew_grace_days = (int)v;
    if ((rc = kx_config_get_int(cfg, "rules", "cert_validity_days", 365, 1, 3650, &v)))
        return rc;
    out->cert_validity_days = (int)v;
    return KX_OK;
}

kx_err kx_rule_agent_age(const kx_rules *r, int by, int bm, int bd, int y, int m, int d)
{
    int age = kx_age_on(by, bm, bd, y, m, d);
    if (age < 0)
        return KX_ERR_INVALID_ARG;
    return age >= r->min_agent_age ? KX_OK : KX_ERR_UNDERAGE;
}

kx_err kx_rule_id_card_valid(const char *valid_to, int y, int m, int d)
{
    if (!valid_to || strcmp(valid_to, "long_term") == 0 || strcmp(valid_to, "长期") == 0)
        return KX_OK;
    int ey, em, ed;
    if (kx_parse_date(valid_to, &ey, &em, &ed))
        return KX_ERR_BAD_FORMAT;
    /* the card is valid through its end date */
    return kx_days_between(ey, em, ed, y, m, d) > 0 ? KX_ERR_EXPIRED : KX_OK;
}

kx_err kx_rule_renew_window(const kx_rules *r, long days_left)
{
    if (r->renew_window_days > 0 && days_left > r->renew_window_days)
        return KX_ERR_STATE;
    if (r->renew_grace_days >= 0 && days_left < -(long)r->renew_grace_days)
        return KX_ERR_EXPIRED;
    return KX_OK;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm) */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

long kx_days_between(int ay, int am, int ad, int by, int bm, int bd)
{
    return days_from_civil(by, bm, bd) - days_from_civil(ay, am, ad);
}
