/* SPDX-License-Identifier: MIT */
/*
 * flow_tables.c - the eight service flows as data (one table per service).
 *
 * Steps shared by several services are written once as fragments (macros
 * expanding to states with fixed names, parameterised by where they lead
 * and where cancel goes). Each table lists its states in the order the user
 * meets them on the main path; kx_flow_step_number() relies on that order.
 * The required documents of domain/services.h are checked against these
 * tables by tests/engine/test_flow.c on every path.
 *
 * Cancel before payment ends at "cancelled"; from the payment order on it
 * goes through "compensate" (cancel the order, revoke a certificate that
 * was issued but not installed, refund).
 */
#include "flow.h"

#include <stddef.h>

/* timeouts in seconds */
enum {
    TO_INPUT = 120,
    TO_DEVICE = 120, /* waiting for a UKEY or an ID card */
    TO_JOB = 90,
    TO_PAY = 300,
    TO_REVIEW = 1800,
    TO_END = 30,
    TO_STAFF = 600,
};

#define T(e, n)                                                                                \
    {                                                                                          \
        KX_EV_##e, n                                                                           \
    }
#define INPUT(nm, scr, abrt, col, ...)                                                         \
    {                                                                                          \
        .name = nm, .screen = KX_SCREEN_##scr, .job = KX_JOB_NONE, .collects = (col),          \
        .timeout_s = TO_INPUT, .abort = abrt, .on = {                                          \
            __VA_ARGS__                                                                        \
        }                                                                                      \
    }
#define BUSY(nm, act, jb, abrt, retry, col, ...)                                               \
    {                                                                                          \
        .name = nm, .screen = KX_SCREEN_BUSY, .job = KX_JOB_##jb, .activity = act,             \
        .collects = (col), .timeout_s = TO_JOB, .retry_to = retry, .abort = abrt, .on = {      \
            __VA_ARGS__                                                                        \
        }                                                                                      \
    }

/* UKEY with the current certificate, then the certificate shown. */
#define F_UKEY_CERT(next, abrt)                                                                \
    {.name = "ukey_insert",                                                                    \
     .screen = KX_SCREEN_UKEY_INSERT,                                                          \
     .job = KX_JOB_TOKEN_WAIT,                                                                 \
     .collects = KX_DOC_OLD_UKEY,                                                              \
     .timeout_s = TO_DEVICE,                                                                   \
     .abort = abrt,                                                                            \
     .on = {T(JOB_OK, "read_cert"), T(JOB_FAIL, "@error")}},                                   \
        BUSY("read_cert", "reading_token", TOKEN_READ_CERT, abrt, "ukey_insert", 0,            \
             T(JOB_OK, "cert_show"), T(JOB_FAIL, "@error")),                                   \
        INPUT("cert_show", CERT_SHOW, abrt, 0, T(CONFIRM, next))

/* The current PIN, verified on the token. */
#define F_PIN(next, back, abrt)                                                                \
    INPUT("pin_enter", PIN_ENTER, abrt, 0, T(PIN, "pin_verify"), T(BACK, back)),               \
        BUSY("pin_verify", "verifying_pin", PIN_VERIFY, abrt, "pin_enter", KX_DOC_UKEY_PIN,    \
             T(JOB_OK, next), T(JOB_FAIL, "@error"))

/* Licence QR -> credit code (checked against the certificate when one was
 * read) -> RA enterprise record. A code whose check character fails goes
 * to staff, who may override (early pilot-region codes). */
#define F_LICENCE(next, abrt)                                                                  \
    {.name = "licence_place",                                                                  \
     .screen = KX_SCREEN_LICENCE_PLACE,                                                        \
     .doc = "licence",                                                                         \
     .timeout_s = TO_INPUT,                                                                    \
     .abort = abrt,                                                                            \
     .on = {T(CONFIRM, "licence_scan")}},                                                      \
        {.name = "licence_scan",                                                               \
         .screen = KX_SCREEN_BUSY,                                                             \
         .job = KX_JOB_LICENCE_SCAN,                                                           \
         .activity = "scanning",                                                               \
         .doc = "licence",                                                                     \
         .collects = KX_DOC_LICENCE,                                                           \
         .timeout_s = TO_JOB,                                                                  \
         .retry_to = "licence_place",                                                          \
         .abort = abrt,                                                                        \
         .on = {T(JOB_OK, "ra_lookup"), T(JOB_ALT, "licence_staff"), T(JOB_FAIL, "@error")}},  \
        {.name = "licence_staff",                                                              \
         .screen = KX_SCREEN_STAFF_NEEDED,                                                     \
         .timeout_s = TO_STAFF,                                                                \
         .abort = abrt,                                                                        \
         .on = {T(STAFF_OVERRIDE, "ra_lookup"), T(RETRY, "licence_place")}},                   \
        BUSY("ra_lookup", "contacting_ra", RA_LOOKUP, abrt, NULL, 0,                           \
             T(JOB_OK, "company_confirm"), T(JOB_FAIL, "@error")),                             \
        INPUT("company_confirm", COMPANY_CONFIRM, abrt, 0, T(CONFIRM, next),                   \
              T(RETRY, "licence_place"))

/* The agent's ID card on the reader (18+, not expired). */
#define F_IDCARD(next, abrt)                                                                   \
    {.name = "idcard_place",                                                                   \
     .screen = KX_SCREEN_IDCARD_PLACE,                                                         \
     .job = KX_JOB_IDCARD_READ,                                                                \
     .collects = KX_DOC_AGENT_ID,                                                              \
     .timeout_s = TO_DEVICE,                                                                   \
     .abort = abrt,                                                                            \
     .on = {T(JOB_OK, "agent_confirm"), T(JOB_FAIL, "@error")}},                               \
        INPUT("agent_confirm", AGENT_CONFIRM, abrt, 0, T(CONFIRM, next),                       \
              T(RETRY, "idcard_place"))

/* One scanned document: place, scan, review. */
#define F_DOC(tag, docid, bit, next, abrt)                                                     \
    {.name = tag "_place",                                                                     \
     .screen = KX_SCREEN_DOC_PLACE,                                                            \
     .doc = docid,                                                                             \
     .timeout_s = TO_INPUT,                                                                    \
     .abort = abrt,                                                                            \
     .on = {T(CONFIRM, tag "_scan")}},                                                         \
        {.name = tag "_scan",                                                                  \
         .screen = KX_SCREEN_BUSY,                                                             \
         .job = KX_JOB_DOC_SCAN,                                                               \
         .activity = "scanning",                                                               \
         .doc = docid,                                                                         \
         .timeout_s = TO_JOB,                                                                  \
         .retry_to = tag "_place",                                                             \
         .abort = abrt,                                                                        \
         .on = {T(JOB_OK, tag "_review"), T(JOB_FAIL, "@error")}},                             \
    {                                                                                          \
        .name = tag "_review", .screen = KX_SCREEN_DOC_REVIEW, .doc = docid,                   \
        .collects = (bit), .timeout_s = TO_INPUT, .abort = abrt, .on = {                       \
            T(CONFIRM, next),                                                                  \
            T(RETRY, tag "_place")                                                             \
        }                                                                                      \
    }

/* The contact details, then the application form (附件1) filled in from
 * everything so far, as the CA will receive it, for the customer to check
 * before the agreement: back corrects the contact details (the company's
 * come from the RA, the agent's from the ID card). A session without an
 * agent or an enterprise record has no form and goes straight on. */
#define F_CONTACT(next, abrt)                                                                  \
    INPUT("contact", CONTACT, abrt, KX_DOC_APPLICATION, T(CONTACT, "form_preview")),           \
        BUSY("form_preview", "preparing_form", FORM_PREVIEW, abrt, "contact", 0,               \
             T(JOB_OK, "form_review"), T(JOB_ALT, next), T(JOB_FAIL, "@error")),               \
        INPUT("form_review", FORM_REVIEW, abrt, 0, T(CONFIRM, next), T(BACK, "contact"))
#define F_AGREEMENT(next, abrt)                                                                \
    INPUT("agreement", AGREEMENT, abrt, KX_DOC_AGREEMENT, T(CONFIRM, next))

/* The electronic-seal sheet: rejected cells are stamped again. The sheet a
 * session a crash ended had accepted is taken over first (jobs_seal.h):
 * the customer does not stamp again. */
#define F_SEAL(next, abrt)                                                                     \
    BUSY("seal_reuse", "checking_fee", SEAL_REUSE, abrt, "seal_place", 0,                      \
         T(JOB_OK, "seal_place"), T(JOB_ALT, "seal_review"), T(JOB_FAIL, "@error")),           \
        {.name = "seal_place",                                                                 \
         .screen = KX_SCREEN_SEAL_PLACE,                                                       \
         .doc = "seal_sheet",                                                                  \
         .timeout_s = TO_INPUT,                                                                \
         .abort = abrt,                                                                        \
         .on = {T(CONFIRM, "seal_scan")}},                                                     \
        {.name = "seal_scan",                                                                  \
         .screen = KX_SCREEN_BUSY,                                                             \
         .job = KX_JOB_SEAL_SCAN,                                                              \
         .activity = "scanning",                                                               \
         .doc = "seal_sheet",                                                                  \
         .timeout_s = TO_JOB,                                                                  \
         .retry_to = "seal_place",                                                             \
         .abort = abrt,                                                                        \
         .on = {T(JOB_OK, "seal_review"), T(JOB_ALT, "seal_rejected"),                         \
                T(JOB_FAIL, "@error")}},                                                       \
        {.name = "seal_review",                                                                \
         .screen = KX_SCREEN_SEAL_REVIEW,                                                      \
         .doc = "seal_sheet",                                                                  \
         .collects = KX_DOC_SEAL_SHEET,                                                        \
         .timeout_s = TO_INPUT,                                                                \
         .abort = abrt,                                                                        \
         .on = {T(CONFIRM, next), T(RETRY, "seal_place")}},                                    \
    {                                                                                          \
        .name = "seal_rejected", .screen = KX_SCREEN_SEAL_REVIEW, .doc = "seal_sheet",         \
        .timeout_s = TO_INPUT, .abort = abrt, .on = {                                          \
            T(RETRY, "seal_place")                                                             \
        }                                                                                      \
    }

/* The case and its documents to the RA, then its review. Staff may approve
 * meanwhile, but the RA decides (it grants the right per kiosk): approved,
 * the flow goes on; refused (ALT), back to the wait with the reason. */
#define F_SUBMIT(next, abrt)                                                                   \
    BUSY("case_submit", "submitting", CASE_SUBMIT, abrt, NULL, 0, T(JOB_OK, "review_wait"),    \
         T(JOB_FAIL, "@error")),                                                               \
        {.name = "review_wait",                                                                \
         .screen = KX_SCREEN_REVIEW_WAIT,                                                      \
         .job = KX_JOB_REVIEW_POLL,                                                            \
         .timeout_s = TO_REVIEW,                                                               \
         .abort = abrt,                                                                        \
         .on = {T(JOB_OK, next), T(STAFF_APPROVE, "staff_approval"),                           \
                T(STAFF_REJECT, "cancelled"), T(JOB_FAIL, "@error")}},                         \
        BUSY("staff_approval", "contacting_ra", STAFF_APPROVAL, abrt, NULL, 0,                 \
             T(JOB_OK, next), T(JOB_ALT, "review_wait"), T(JOB_FAIL, "@error"))

/* Fee: the case is submitted and, where the flow has no review screen,
 * approved first (this may take a while: the user may cancel); free
 * services skip the order; otherwise order, then payment. From the order
 * on, cancel compensates. */
#define F_PAY(after, back, abrt)                                                               \
    {.name = "fee_quote",                                                                      \
     .screen = KX_SCREEN_BUSY,                                                                 \
     .job = KX_JOB_FEE_QUOTE,                                                                  \
     .activity = "checking_fee",                                                               \
     .timeout_s = TO_REVIEW,                                                                   \
     .cancellable = 1,                                                                         \
     .abort = abrt,                                                                            \
     .on = {T(JOB_OK, "fee_confirm"), T(JOB_ALT, after), T(JOB_FAIL, "@error")}},              \
        INPUT("fee_confirm", FEE_CONFIRM, abrt, 0, T(CONFIRM, "order_create"), T(BACK, back)), \
        BUSY("order_create", "creating_order", ORDER_CREATE, "compensate", NULL, 0,            \
             T(JOB_OK, "payment"), T(JOB_FAIL, "@error")),                                     \
    {                                                                                          \
        .name = "payment", .screen = KX_SCREEN_PAYMENT, .job = KX_JOB_ORDER_POLL,              \
        .timeout_s = TO_PAY, .retry_to = "order_create", .abort = "compensate", .on = {        \
            T(JOB_OK, after),                                                                  \
            T(JOB_FAIL, "@error")                                                              \
        }                                                                                      \
    }

/* A blank UKEY gets the PIN the user chooses. */
#define F_BLANK(next)                                                                          \
    {.name = "blank_insert",                                                                   \
     .screen = KX_SCREEN_UKEY_BLANK_INSERT,                                                    \
     .job = KX_JOB_BLANK_WAIT,                                                                 \
     .collects = KX_DOC_NEW_UKEY,                                                              \
     .timeout_s = TO_DEVICE,                                                                   \
     .abort = "compensate",                                                                    \
     .on = {T(JOB_OK, "pin_new"), T(JOB_FAIL, "@error")}},                                     \
        INPUT("pin_new", PIN_NEW, "compensate", 0, T(NEW_PIN, "set_pin")),                     \
        BUSY("set_pin", "writing_token", TOKEN_SET_PIN, "compensate", "pin_new", 0,            \
             T(JOB_OK, next), T(JOB_FAIL, "@error"))

/* Key pair and CSR on the token, certificate from the RA, installed. */
#define F_ISSUE(rajob, next)                                                                   \
    BUSY("keygen", "generating_key", KEYGEN, "compensate", NULL, 0, T(JOB_OK, "ra_issue"),     \
         T(JOB_FAIL, "@error")),                                                               \
        BUSY("ra_issue", "contacting_ra", rajob, "compensate", NULL, 0, T(JOB_OK, "install"),  \
             T(JOB_FAIL, "@error")),                                                           \
        BUSY("install", "installing", INSTALL, "compensate", NULL, 0, T(JOB_OK, next),         \
             T(JOB_FAIL, "@error"))

/* The electronic seals (the paper's process ends with them): made by the
 * RA from the accepted seal images, written onto the UKEY. The certificate
 * is installed, so giving up here still ends in next. */
#define F_SEALS(next)                                                                          \
    BUSY("seals", "installing", SEALS, next, NULL, 0, T(JOB_OK, next), T(JOB_FAIL, "@error"))

/* The old key and certificate leave the token; the new one is in place,
 * so giving up here still ends in done. */
#define F_REMOVE_OLD(next)                                                                     \
    BUSY("remove_old", "removing_old", REMOVE_OLD, next, NULL, 0, T(JOB_OK, next),             \
         T(JOB_FAIL, "@error"))

/* RA authorisation, then the new PIN replaces the forgotten one. */
#define F_UNLOCK(next, abrt)                                                                   \
    BUSY("unlock_auth", "contacting_ra", RA_UNLOCK_AUTH, abrt, NULL, 0,                        \
         T(JOB_OK, "pin_reset_new"), T(JOB_FAIL, "@error")),                                   \
        INPUT("pin_reset_new", PIN_NEW, abrt, 0, T(NEW_PIN, "reset_pin")),                     \
        BUSY("reset_pin", "writing_token", TOKEN_RESET_PIN, abrt, "pin_reset_new",             \
             KX_DOC_UKEY_PIN, T(JOB_OK, next), T(JOB_FAIL, "@error"))

/* The ends of every flow. */
#define F_END                                                                                  \
    {.name = "done",                                                                           \
     .screen = KX_SCREEN_DONE,                                                                 \
     .timeout_s = TO_END,                                                                      \
     .abort = "@home",                                                                         \
     .on = {T(CONFIRM, "@home"), T(TIMEOUT, "@home")}},                                        \
        {.name = "cancelled",                                                                  \
         .screen = KX_SCREEN_CANCELLED,                                                        \
         .timeout_s = TO_END,                                                                  \
         .abort = "@home",                                                                     \
         .on = {T(CONFIRM, "@home"), T(TIMEOUT, "@home")}},                                    \
        BUSY("compensate", "refunding", COMPENSATE, "staff", NULL, 0, T(JOB_OK, "cancelled"),  \
             T(JOB_FAIL, "@error")),                                                           \
    {                                                                                          \
        .name = "staff", .screen = KX_SCREEN_STAFF_NEEDED, .timeout_s = TO_STAFF,              \
        .abort = "@home", .on = {                                                              \
            T(STAFF_RESET, "@home")                                                            \
        }                                                                                      \
    }

#define C "cancelled"
#define P "compensate"

/* With the UKEY and its PIN the user renews directly (the CA's process,
 * section 4): no ID card, no contact details. The RA's renew case needs
 * neither (docs/ra-api.md); the proof is the signature with the current
 * key that the renewal call carries. */
static const kx_flow_state renew_states[] = {
    F_UKEY_CERT("pin_enter", C),
    F_PIN("agreement", "cert_show", C),
    F_AGREEMENT("fee_quote", C),
    F_PAY("keygen", "agreement", C),
    F_ISSUE(RA_RENEW, "remove_old"),
    F_REMOVE_OLD("done"),
    F_END,
};

/* Without the PIN the paper (section 4) asks for a copy of the credit-code
 * document stamped with the company seal, and the UKEY: no ID card, no
 * contact details (the RA already has the certificate's contact; the case
 * needs neither, docs/ra-api.md). The licence's QR code names the
 * enterprise for the RA's lookup; the RA reviews the stamped copy. */
static const kx_flow_state renew_nopin_states[] = {
    F_UKEY_CERT("licence_place", C),
    F_LICENCE("uscc_place", C),
    F_DOC("uscc", "uscc_copy", KX_DOC_USCC_COPY, "agreement", C),
    F_AGREEMENT("case_submit", C),
    F_SUBMIT("fee_quote", C),
    /* the RA releases the unlock secret only for a paid case */
    F_PAY("unlock_auth", "review_wait", C),
    F_UNLOCK("keygen", P),
    F_ISSUE(RA_RENEW, "remove_old"),
    F_REMOVE_OLD("done"),
    F_END,
};

/* new, reissue and change share their document steps */
#define F_NEW_DOCS(after_auth, abrt)                                                           \
    F_LICENCE("idcard_place", abrt), F_IDCARD("id_front_place", abrt),                         \
        F_DOC("id_front", "agent_id_front", 0, "id_back_place", abrt),                         \
        F_DOC("id_back", "agent_id_back", 0, "contact", abrt), F_CONTACT("agreement", abrt),   \
        F_AGREEMENT("seal_reuse", abrt), F_SEAL("auth_place", abrt),                           \
        F_DOC("auth", "auth_letter", KX_DOC_AUTH_LETTER, after_auth, abrt)

static const kx_flow_state new_states[] = {
    F_NEW_DOCS("case_submit", C),
    F_SUBMIT("fee_quote", C),
    F_PAY("blank_insert", "review_wait", C),
    F_BLANK("keygen"),
    F_ISSUE(RA_ISSUE, "seals"),
    F_SEALS("done"),
    F_END,
};

static const kx_flow_state reissue_states[] = {
    F_NEW_DOCS("stmt_place", C),
    F_DOC("stmt", "reissue_statement", KX_DOC_REISSUE_STATEMENT, "case_submit", C),
    F_SUBMIT("fee_quote", C),
    F_PAY("blank_insert", "review_wait", C),
    F_BLANK("keygen"),
    F_ISSUE(RA_ISSUE, "seals"),
    F_SEALS("done"),
    F_END,
};

static const kx_flow_state change_states[] = {
    F_UKEY_CERT("licence_place", C),
    F_NEW_DOCS("case_submit", C),
    F_SUBMIT("fee_quote", C),
    F_PAY("pin_enter", "review_wait", C),
    F_PIN("keygen", NULL, P),
    F_ISSUE(RA_ISSUE, "seals"),
    F_SEALS("remove_old"),
    F_REMOVE_OLD("done"),
    F_END,
};

static const kx_flow_state swap_states[] = {
    F_UKEY_CERT("pin_enter", C),
    F_PIN("licence_place", "cert_show", C),
    F_LICENCE("idcard_place", C),
    F_IDCARD("id_front_place", C),
    F_DOC("id_front", "agent_id_front", 0, "id_back_place", C),
    F_DOC("id_back", "agent_id_back", 0, "contact", C),
    F_CONTACT("agreement", C),
    F_AGREEMENT("fee_quote", C),
    F_PAY("blank_insert", "agreement", C),
    F_BLANK("keygen"),
    F_ISSUE(RA_ISSUE, "remove_old"),
    F_REMOVE_OLD("done"),
    F_END,
};

static const kx_flow_state unlock_states[] = {
    F_UKEY_CERT("licence_place", C),
    F_LICENCE("idcard_place", C),
    F_IDCARD("id_front_place", C),
    F_DOC("id_front", "agent_id_front", 0, "id_back_place", C),
    F_DOC("id_back", "agent_id_back", 0, "contact", C),
    F_CONTACT("agreement", C),
    F_AGREEMENT("fee_quote", C),
    F_PAY("unlock_auth", "agreement", C),
    F_UNLOCK("done", P),
    F_END,
};

/* With the UKEY the serial is read from it and revoked once the fee is
 * settled. Without it (lost or stolen, the agreement's 二.7) the RA lists
 * the enterprise's valid certificates after the licence and the agent's ID
 * card (the list job answers ALT on the UKEY path); the agent picks one or
 * all, and the case carries the revocation: the RA carries it out when it
 * approves the case on its documents (licence, ID card front and back;
 * docs/ra-api.md); the revoke job then checks that the RA did it. Either
 * way, once the agent confirmed, the case and the agent's ID copies go to
 * the RA and the review has its own screen (review_wait: its progress,
 * staff may approve; refused, the error names this hall's counter and
 * telephone), as for the other document cases. */
static const kx_flow_state revoke_states[] = {
    INPUT("revoke_method", REVOKE_METHOD, C, 0, T(CHOOSE, "ukey_insert"),
          T(CHOOSE_ALT, "licence_place")),
    F_UKEY_CERT("licence_place", C),
    F_LICENCE("idcard_place", C),
    F_IDCARD("id_front_place", C),
    F_DOC("id_front", "agent_id_front", 0, "id_back_place", C),
    F_DOC("id_back", "agent_id_back", 0, "revoke_list", C),
    BUSY("revoke_list", "contacting_ra", RA_CERT_LIST, C, NULL, 0, T(JOB_OK, "revoke_pick"),
         T(JOB_ALT, "revoke_reason"), T(JOB_FAIL, "@error")),
    INPUT("revoke_pick", REVOKE_PICK, C, 0, T(CHOOSE, "revoke_reason")),
    INPUT("revoke_reason", REVOKE_REASON, C, 0, T(CHOOSE, "contact")),
    F_CONTACT("agreement", C),
    F_AGREEMENT("revoke_confirm", C),
    INPUT("revoke_confirm", REVOKE_CONFIRM, C, 0, T(CONFIRM, "case_submit"),
          T(BACK, "revoke_reason")),
    F_SUBMIT("fee_quote", C),
    F_PAY("revoke", "review_wait", C),
    BUSY("revoke", "revoking", RA_REVOKE, P, NULL, 0, T(JOB_OK, "done"), T(JOB_FAIL, "@error")),
    F_END,
};

/* After a restart, an SM2 pair issued but not yet on the UKEY (every SKF
 * write needs the customer's login): when that UKEY is in the kiosk, the
 * session goes on here (session.c). The PIN, then the install
 * (recovery.c); a wrong PIN shows the tries left and asks again; cancel
 * leaves the pair in the journal for staff and says where the counter is. */
static const kx_flow_state resume_install_states[] = {
    INPUT("resume_pin", PIN_ENTER, "resume_later", 0, T(PIN, "resume_install")),
    BUSY("resume_install", "installing", SM2_RESUME, "resume_later", "resume_pin", 0,
         T(JOB_OK, "done"), T(JOB_FAIL, "@error")),
    {.name = "resume_later",
     .screen = KX_SCREEN_STAFF_NEEDED,
     .timeout_s = TO_END * 2,
     .abort = "@home",
     .on = {T(CONFIRM, "@home"), T(TIMEOUT, "@home"), T(STAFF_RESET, "@home")}},
    {.name = "done",
     .screen = KX_SCREEN_DONE,
     .timeout_s = TO_END,
     .abort = "@home",
     .on = {T(CONFIRM, "@home"), T(TIMEOUT, "@home")}},
};
static const kx_flow resume_install_flow = {KX_SVC_NEW, resume_install_states,
                                            sizeof(resume_install_states) /
                                                sizeof(resume_install_states[0])};

const kx_flow *kx_flow_resume_install(void)
{
    return &resume_install_flow;
}

#define FLOW(svc, arr) [svc] = {svc, arr, sizeof(arr) / sizeof(arr[0])}
static const kx_flow flows[KX_SVC_COUNT] = {
    FLOW(KX_SVC_NEW, new_states),
    FLOW(KX_SVC_RENEW, renew_states),
    FLOW(KX_SVC_RENEW_NOPIN, renew_nopin_states),
    FLOW(KX_SVC_REISSUE, reissue_states),
    FLOW(KX_SVC_CHANGE, change_states),
    FLOW(KX_SVC_SWAP, swap_states),
    FLOW(KX_SVC_UNLOCK, unlock_states),
    FLOW(KX_SVC_REVOKE, revoke_states),
};

const kx_flow *kx_flow_get(kx_service svc)
{
    return (unsigned)svc < KX_SVC_COUNT ? &flows[svc] : NULL;
}
