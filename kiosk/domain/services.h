/* SPDX-License-Identifier: MIT */
/*
 * services.h - the CA's services, the documents each requires, fees and the
 * eligibility rules flows apply. The requirements follow the CA's published
 * process (application form, licence, agent ID, seals, authorisation letter;
 * reissue statement; original UKEY; PIN or a stamped credit-code copy for
 * renewal). Pure functions, no I/O; fees and windows come from config.
 */
#ifndef KX_DOMAIN_SERVICES_H
#define KX_DOMAIN_SERVICES_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

typedef enum kx_service {
    KX_SVC_NEW = 0,     /* 新办 */
    KX_SVC_RENEW,       /* 更新/续费 with the UKEY's PIN */
    KX_SVC_RENEW_NOPIN, /* 更新 without the PIN: re-proofing + PIN reset */
    KX_SVC_REISSUE,     /* 补办 (lost token) */
    KX_SVC_CHANGE,      /* 变更 */
    KX_SVC_SWAP,        /* 换卡 */
    KX_SVC_UNLOCK,      /* 解锁 */
    KX_SVC_REVOKE,      /* 吊销 */
    KX_SVC_COUNT
} kx_service;

/* What the agent must present. A bit mask of these. */
typedef enum kx_doc {
    KX_DOC_APPLICATION = 1u << 0,       /* the form's data, entered on screen */
    KX_DOC_AGREEMENT = 1u << 1,         /* user agreement accepted */
    KX_DOC_LICENCE = 1u << 2,           /* business licence (QR + scan) */
    KX_DOC_AGENT_ID = 1u << 3,          /* agent ID card read + both sides scanned */
    KX_DOC_SEAL_SHEET = 1u << 4,        /* electronic-seal collection sheet */
    KX_DOC_AUTH_LETTER = 1u << 5,       /* legal representative's authorisation */
    KX_DOC_REISSUE_STATEMENT = 1u << 6, /* stamped statement: why, who */
    KX_DOC_OLD_UKEY = 1u << 7,          /* the current UKEY */
    KX_DOC_UKEY_PIN = 1u << 8,          /* its PIN */
    KX_DOC_USCC_COPY = 1u << 9,         /* stamped credit-code document copy */
    KX_DOC_NEW_UKEY = 1u << 10,         /* a blank UKEY to issue onto */
} kx_doc;

#define KX_DOC_COUNT 11

/* kx_service_id - stable identifier ("new", "renew", "renew_nopin",
 * "reissue", "change", "swap", "unlock", "revoke"). */
const char *kx_service_id(kx_service svc);
/* kx_service_from_id - inverse; KX_ERR_NOT_FOUND for unknown ids. */
kx_err kx_service_from_id(const char *id, kx_service *out);
/* kx_service_title - English msgid of the service's name (translate with
 * kx_tr()). */
const char *kx_service_title(kx_service svc);
/* kx_service_documents - the kx_doc mask the service requires. */
uint32_t kx_service_documents(kx_service svc);
/* kx_service_issues_cert - 1 when the service ends with a certificate
 * written to a token. */
int kx_service_issues_cert(kx_service svc);
/* kx_doc_id / kx_doc_title - identifier and English msgid of one document. */
const char *kx_doc_id(kx_doc doc);
const char *kx_doc_title(kx_doc doc);

/* Fees in fen (1/100 yuan), from config [fees] <service id> = yuan.fen. */
typedef struct kx_fees {
    int64_t fen[KX_SVC_COUNT];
} kx_fees;

/* kx_fees_load - read [fees] from cfg (defaults: new 300.00, renew 300.00,
 * renew_nopin 300.00, reissue 300.00, change 100.00, swap 100.00, unlock
 * 0.00, revoke 0.00). Values are decimal yuan with at most 2 decimals. */
kx_err kx_fees_load(const kx_config *cfg, kx_fees *out);

/* kx_money_parse - "300", "300.5", "300.50" yuan into fen. */
kx_err kx_money_parse(const char *text, int64_t *fen_out);
/* kx_money_format - fen as "300.00". */
void kx_money_format(int64_t fen, char *out, size_t outsz);

/* Eligibility rules, each KX_OK or the reason. */
typedef struct kx_rules {
    int min_agent_age;      /* 18 by law (authorisation letter note) */
    int renew_window_days;  /* renewal allowed this many days before expiry (0: any) */
    int renew_grace_days;   /* and this many days after it (-1: any) */
    int cert_validity_days; /* 365: one year from issue */
} kx_rules;

/* kx_rules_load - [rules] min_agent_age (18..99, default 18),
 * renew_window_days (0..3650, default 0: no limit before expiry),
 * renew_grace_days (-1..3650, default -1: expired certificates are renewed
 * too), cert_validity_days (1..3650, default 365). The paper sets no
 * renewal window, so the defaults turn away nobody the counter serves. */
kx_err kx_rules_load(const kx_config *cfg, kx_rules *out);

/* kx_rule_agent_age - KX_ERR_UNDERAGE when younger than min on the day. */
kx_err kx_rule_agent_age(const kx_rules *r, int by, int bm, int bd, int y, int m, int d);

/* kx_rule_id_card_valid - the card's validity end (YYYYMMDD or
 * "YYYY-MM-DD"; "long_term" or NULL for no expiry) against today:
 * KX_ERR_EXPIRED when the day is after it, KX_ERR_BAD_FORMAT for junk. */
kx_err kx_rule_id_card_valid(const char *valid_to, int y, int m, int d);

/* kx_rule_renew_window - days_left of the current certificate: KX_OK inside
 * the window, KX_ERR_STATE when too early, KX_ERR_EXPIRED when past grace
 * (only where a site configured limits). */
kx_err kx_rule_renew_window(const kx_rules *r, long days_left);

/* kx_days_between - whole days from date a to date b (b - a). */
long kx_days_between(int ay, int am, int ad, int by, int bm, int bd);

#endif
