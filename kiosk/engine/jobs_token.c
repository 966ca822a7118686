/* SPDX-License-Identifier: MIT */
/*
 * jobs_token.c - the UKEY jobs: waiting for a token, reading its
 * certificate, the PIN, key generation and CSR, installing the issued
 * certificate, committing a renewal, PIN set and reset. Worker thread only
 * (and the idle main loop's self-test); the token handles are used by one
 * thread at a time (token.h's rule).
 *
 * Each job reads its kx_job_input and fills its kx_job_result; the token
 * handles between jobs (the customer's UKEY, the target of the new key)
 * are this file's state in the worker's devices. Token writes are
 * journaled (kx_step_begin/end) before they happen. A PIN reaches a job
 * moved out of the session and is wiped when the job ends: the token
 * session stays logged in until the session ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "certinfo.h"
#include "engine_internal.h"
#include "jobs_docs.h"
#include "jobs_sm2.h"
#include "staff/staff.h"
#include "token/token.h"

struct kx_token_devices {
    kx_token_module *module; /* loaded on first use */
    int module_stale;        /* a session ended: reload before next use */
    kx_token *current;       /* the UKEY holding the certificate */
    kx_token *target;        /* where the new key goes (current or blank) */
    unsigned char old_id[KX_TOKEN_ID_MAX], new_id[KX_TOKEN_ID_MAX];
    size_t old_id_len, new_id_len;
    kx_pin_policy policy;
    kx_key_type key_type;
    char blank_pin[32];
};

static struct kx_token_devices *tk(kx_worker *w)
{
    return w->dev->token;
}

kx_err kx_token_devices_open(const kx_config *cfg, struct kx_token_devices **out)
{
    struct kx_token_devices *t = calloc(1, sizeof *t);
    if (!t)
        return KX_ERR_NO_MEMORY;
    static const char *const types[] = {"ec-p256", "rsa-2048", "sm2", NULL};
    int ti = 0;
    kx_err rc = kx_pin_policy_load(cfg, &t->policy);
    if (!rc)
        rc = kx_config_get_enum(cfg, "engine", "key_type", types, 0, &ti);
    t->key_type = ti == 1 ? KX_KEY_RSA_2048 : KX_KEY_EC_P256;
    if (ti == 2 || kx_sm2_site(cfg)) /* SM2 dual certificates (jobs_sm2.c) */
        t->key_type = KX_KEY_SM2;
    /* SM2 keys live on SKF UKEYs: refuse the site at start, not after a payment */
    if (!rc && t->key_type == KX_KEY_SM2 &&
        strcmp(kx_config_get_str(cfg, "token", "backend", "pkcs11"), "skf") != 0) {
        kx_err_set_detail("%s: SM2 dual certificates ([ra] cert_profile = sm2-dual or "
                          "[engine] key_type = sm2) need [token] backend = skf",
                          kx_config_name(cfg));
        rc = KX_ERR_CONFIG;
    }
    kx_strlcpy(t->blank_pin, kx_config_get_str(cfg, "engine", "blank_pin", "12345678"),
               sizeof t->blank_pin);
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    return KX_OK;
}

static void token_forget(struct kx_token_devices *t)
{
    if (t->target && t->target != t->current)
        kx_token_close(t->target);
    kx_token_close(t->current);
    t->current = t->target = NULL;
}

void kx_token_devices_close(struct kx_token_devices *t)
{
    if (!t)
        return;
    token_forget(t);
    kx_token_module_close(t->module);
    kx_wipe(t->blank_pin, sizeof t->blank_pin);
    free(t);
}

/* the session ended: close its tokens (logging out); the module is
 * released before its next use (module_of) */
void kx_token_devices_reset(struct kx_token_devices *t)
{
    if (!t)
        return;
    token_forget(t);
    t->module_stale = 1;
}

/*
 * The module of this session, loaded (C_Initialize) on first use. A module
 * loaded during an earlier session is released first (C_Finalize, the
 * last user's close): a PKCS#11 module may keep per-process state for
 * every object it ever saw until C_Finalize (SoftHSM2 keeps each created
 * and deleted object, about 2.4 KiB per renewal), so a kioskd that kept one
 * module for its whole life grew with every session (issue #11,
 * docs/BENCHMARKS.md "Soak"). Done here, by the next user (a job on the
 * worker thread, or the idle kiosk's self-test), and not in
 * kx_token_devices_reset, so ending a session never waits for C_Finalize.
 * No token handle is open when the flag is set (token_forget).
 */
static kx_err module_of(kx_worker *w, kx_token_module **out)
{
    struct kx_token_devices *t = tk(w);
    kx_err rc = KX_OK;
    if (t->module && t->module_stale && !t->current && !t->target) {
        kx_token_module_close(t->module);
        t->module = NULL;
    }
    t->module_stale = 0;
    if (!t->module)
        rc = kx_token_module_open_config(w->cfg, &t->module);
    *out = t->module;
    return rc;
}

/* the certificate with a private key that expires last, or NULL (of an
 * SM2 pair, the signing certificate) */
static const kx_token_cert *best_cert(const kx_token_certs *cs)
{
    const kx_token_cert *best = NULL;
    for (size_t i = 0; i < cs->count; i++)
        if (cs->items[i].has_private_key && !(cs->items[i].usage & KX_CERT_USAGE_ENCRYPT) &&
            (!best || cs->items[i].not_after > best->not_after))
            best = &cs->items[i];
    return best;
}

/* 1 when the token with these certificates and this serial is a member's
 * staff UKEY: one of its certificates is a member's token_cert_sha256, or
 * its serial is a member's configured token_serial. A serial never logs
 * anyone in (staff_session.c proves the key), but a customer's session
 * must never take a staff UKEY for the customer's, even one whose
 * certificate was renewed since it was configured. */
static int token_is_staff(const kx_worker *w, const kx_token_certs *cs, const char *serial)
{
    int staff = 0;
    for (size_t j = 0; w->staff_db && cs && j < cs->count && !staff; j++) {
        char hex[65];
        kx_staff_sha256_hex(cs->items[j].der, cs->items[j].der_len, hex);
        staff = kx_staff_find_token(w->staff_db, hex, serial, NULL) != NULL;
    }
    size_t n = w->cfg && serial && serial[0] ? kx_config_section_count(w->cfg) : 0;
    for (size_t i = 0; i < n && !staff; i++) {
        const char *sec = kx_config_section_name(w->cfg, i);
        const char *s = sec && strncmp(sec, "staff:", 6) == 0
                            ? kx_config_get_str(w->cfg, sec, "token_serial", NULL)
                            : NULL;
        staff = s && strcmp(s, serial) == 0;
    }
    return staff;
}

/*
 * Wait for a token: want_cert 1 for the UKEY with a certificate, 0 for a
 * blank one (no certificate, not the current UKEY). Polls until found or
 * the job is told to stop (the state's timeout or cancel).
 */
static kx_err wait_token(kx_worker *w, int want_cert, kx_token **out, char *serial,
                         size_t serialsz)
{
    kx_token_module *m;
    kx_err rc = module_of(w, &m);
    if (rc == KX_ERR_CONFIG) /* the UKEY library does not load: the screen
                                says the UKEY does not respond, the log why */
        rc = KX_ERR_TOKEN;
    if (rc)
        return rc;
    struct kx_token_devices *t = tk(w);
    char current[40] = "";
    if (t->current) {
        kx_token_info ci;
        if (kx_token_get_info(t->current, &ci) == KX_OK)
            kx_strlcpy(current, ci.serial, sizeof current);
    }
    int events = 1; /* until the module says it only polls */
    for (;;) {
        kx_token_info infos[8];
        size_t n = 0;
        rc = kx_token_list(m, infos, 8, &n);
        for (size_t i = 0; !rc && i < n; i++) {
            if (!want_cert && (strcmp(infos[i].serial, current) == 0 ||
                               (!(infos[i].flags & KX_TOKEN_USER_PIN_SET) &&
                                !kx_sm2_blank_ready(w, kx_token_module_caps(m), &infos[i]))))
                continue; /* the customer's own UKEY, or a slot without a usable token
                           * (an SKF UKEY without application: jobs_sm2.c creates one) */
            kx_token *tok = NULL;
            if (kx_token_open(m, infos[i].serial, &tok))
                continue;
            kx_token_certs cs = {0};
            int has = kx_token_list_certs(tok, &cs) == KX_OK && best_cert(&cs);
            /* a staff UKEY left in the reader is never the customer's */
            int staff = token_is_staff(w, &cs, infos[i].serial);
            kx_token_certs_free(&cs);
            if (staff)
                kx_log_debug("token.staff_ukey_skipped", "serial=%s", infos[i].serial);
            if (has == want_cert && !staff) {
                *out = tok;
                kx_strlcpy(serial, infos[i].serial, serialsz);
                return KX_OK;
            }
            kx_token_close(tok);
        }
        if (rc && rc != KX_ERR_TOKEN_ABSENT)
            return rc;
        /* look again in 300 ms, or at once when the library reports a
         * UKEY plugged or pulled (SKF_WaitForDevEvent; else just wait) */
        kx_token_event ev;
        const char *how = "polling";
        kx_err we = events ? kx_token_wait_event(m, 300, &ev, &how) : KX_ERR_UNSUPPORTED;
        events = we == KX_OK || we == KX_ERR_TIMEOUT ? strcmp(how, "events") == 0 : 0;
        if (kx_worker_cancelled(w) || (!events && kx_worker_sleep(w, 300)))
            return KX_ERR_CANCELLED;
    }
}

kx_err kx_job_token_wait(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    struct kx_token_devices *t = tk(w);
    token_forget(t);
    char serial[40];
    kx_token *tok = NULL;
    kx_err rc = wait_token(w, 1, &tok, serial, sizeof serial);
    if (rc)
        return rc;
    t->current = t->target = tok;
    kx_strlcpy(out->token_serial, serial, sizeof out->token_serial);
    out->parts |= KX_JR_TOKEN_SERIAL;
    kx_journal_session_set(w->journal, in->session, "token_serial", serial);
    return KX_OK;
}

kx_err kx_job_token_read_cert(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    struct kx_token_devices *t = tk(w);
    if (!t->current)
        return KX_ERR_TOKEN_ABSENT;
    kx_token_certs cs = {0};
    kx_err rc = kx_token_list_certs(t->current, &cs);
    if (rc)
        return rc;
    const kx_token_cert *c = best_cert(&cs);
    if (!c) {
        kx_token_certs_free(&cs);
        kx_err_set_detail("the UKEY holds no certificate with its key");
        return KX_ERR_NOT_FOUND;
    }
    memcpy(t->old_id, c->id, c->id_len);
    t->old_id_len = c->id_len;
    char serial[84];
    size_t k = 0;
    for (; c->serial_hex[k] && k < sizeof serial - 1; k++)
        serial[k] =
            (char)(c->serial_hex[k] >= 'A' && c->serial_hex[k] <= 'F' ? c->serial_hex[k] + 32
                                                                      : c->serial_hex[k]);
    serial[k] = 0;
    long days = c->days_left;
    kx_strlcpy(out->cert_company, c->company, sizeof out->cert_company);
    kx_strlcpy(out->cert_uscc, c->credit_code, sizeof out->cert_uscc);
    kx_strlcpy(out->cert_subject, c->subject, sizeof out->cert_subject);
    kx_strlcpy(out->cert_serial, serial, sizeof out->cert_serial);
    struct tm tm;
    time_t na = c->not_after;
    gmtime_r(&na, &tm);
    strftime(out->cert_not_after, sizeof out->cert_not_after, "%Y-%m-%d", &tm);
    out->cert_days_left = days;
    /* an SM2 pair: the encryption certificate in the same container */
    for (size_t i = 0; i < cs.count; i++) {
        const kx_token_cert *e = &cs.items[i];
        kx_certinfo ei;
        if ((e->usage & KX_CERT_USAGE_ENCRYPT) && e->id_len == c->id_len &&
            memcmp(e->id, c->id, c->id_len) == 0 &&
            kx_certinfo_parse(e->der, e->der_len, 0, &ei) == KX_OK) {
            kx_strlcpy(out->cert_enc_serial, ei.serial, sizeof out->cert_enc_serial);
            kx_strlcpy(out->cert_enc_not_after, ei.not_after_text,
                       sizeof out->cert_enc_not_after);
        }
    }
    out->parts |= KX_JR_CERT;
    kx_token_certs_free(&cs);
    kx_journal_session_set(w->journal, in->session, "old_serial", serial);
    rc = KX_OK;
    if (in->service == KX_SVC_RENEW || in->service == KX_SVC_RENEW_NOPIN)
        rc = kx_rule_renew_window(w->rules, days);
    /* a window this hall configured ([rules]): say which one refused */
    if (rc == KX_ERR_STATE)
        out->error_msgid = N_("This hall renews a certificate only from {renew_window_days} "
                              "days before it expires. Come back then, or ask at the counter.");
    else if (rc == KX_ERR_EXPIRED)
        out->error_msgid = N_("This hall renews an expired certificate only up to "
                              "{renew_grace_days} days after it expired. Ask at the counter.");
    return rc;
}

/* the PIN arrives in in->pin, moved out of the session; wiped when the job
 * ends */
kx_err kx_job_pin_verify(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    struct kx_token_devices *t = tk(w);
    if (!t->current)
        return KX_ERR_TOKEN_ABSENT;
    if (!in->pin)
        return KX_ERR_STATE;
    unsigned flags = 0;
    int tries = -1; /* known on SKF UKEYs: "N tries left" */
    kx_err rc = kx_token_login_tries(t->current, in->pin, &flags, &tries);
    out->tries_left = tries >= 0 ? tries : (flags & KX_TOKEN_PIN_FINAL_TRY) ? 1 : -1;
    out->parts |= KX_JR_TRIES_LEFT;
    return rc;
}

kx_err kx_job_blank_wait(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    struct kx_token_devices *t = tk(w);
    if (t->target && t->target != t->current)
        kx_token_close(t->target);
    t->target = NULL;
    char serial[40];
    kx_token *tok = NULL;
    kx_err rc = wait_token(w, 0, &tok, serial, sizeof serial);
    if (rc)
        return rc;
    t->target = tok;
    kx_strlcpy(out->token_serial, serial, sizeof out->token_serial);
    out->parts |= KX_JR_BLANK_SERIAL;
    kx_journal_session_set(w->journal, in->session, "token_serial", serial);
    return KX_OK;
}

/* the new PIN arrives in in->new_pin, moved out of the session */
kx_err kx_job_token_set_pin(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    struct kx_token_devices *t = tk(w);
    char serial[40] = "";
    const kx_secbuf *pin = in->new_pin;
    kx_secbuf *old = NULL;
    if (!pin)
        return KX_ERR_STATE;
    kx_err rc = t->target ? kx_pin_policy_check(&t->policy, pin) : KX_ERR_TOKEN_ABSENT;
    kx_token_info ti;
    if (!rc && !(rc = kx_token_get_info(t->target, &ti)))
        kx_strlcpy(serial, ti.serial, sizeof serial);
    if (!rc && !(rc = kx_secbuf_new(sizeof t->blank_pin, &old)))
        rc = kx_secbuf_set(old, t->blank_pin, strlen(t->blank_pin));
    kx_step st;
    if (!rc && !(rc = kx_step_begin(w->journal, in->session, "set_pin", serial, 0, 0, &st))) {
        /* a UKEY without application gets one, with the new PIN */
        kx_token_module *m = NULL;
        int blank = !(ti.flags & KX_TOKEN_USER_PIN_SET) && module_of(w, &m) == KX_OK &&
                    kx_sm2_blank_ready(w, kx_token_module_caps(m), &ti);
        rc = blank ? kx_sm2_init_blank(w, t->target, &t->policy, pin)
                   : kx_token_change_pin(t->target, &t->policy, old, pin);
        kx_step_end(w->journal, "set_pin", &st, rc, NULL);
    }
    if (!rc) { /* log in with the new PIN for key generation */
        unsigned flags;
        rc = kx_token_login(t->target, pin, &flags);
    }
    kx_secbuf_free(old);
    return rc;
}

/* the new PIN and the RA's unlock secret arrive moved out of the session */
kx_err kx_job_token_reset_pin(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    struct kx_token_devices *t = tk(w);
    const kx_secbuf *pin = in->new_pin, *so = in->so_pin;
    kx_err rc = !pin || !so ? KX_ERR_STATE : (!t->current ? KX_ERR_TOKEN_ABSENT : KX_OK);
    if (!rc)
        rc = kx_pin_policy_check(&t->policy, pin);
    kx_step st;
    if (!rc && !(rc = kx_step_begin(w->journal, in->session, "reset_pin", in->token_serial, 0,
                                    0, &st))) {
        rc = kx_token_reset_pin(t->current, &t->policy, so, pin);
        kx_step_end(w->journal, "reset_pin", &st, rc, NULL);
    }
    if (!rc) {
        unsigned flags;
        rc = kx_token_login(t->current, pin, &flags);
    }
    return rc;
}

/* the current key's signature over the new CSR's DER bytes (the RA's
 * proof of possession for a renewal with the PIN). *sig is malloc'd. The
 * current token must be logged in. */
static kx_err sign_renewal(kx_token *current, const unsigned char *old_id, size_t old_id_len,
                           const char *csr_pem, unsigned char **sig, size_t *sig_len)
{
    *sig = NULL;
    *sig_len = 0;
    if (!current)
        return KX_ERR_TOKEN_ABSENT;
    /* the RA verifies over the CSR's DER bytes: decode the PEM armour */
    BIO *b = BIO_new_mem_buf(csr_pem, -1);
    X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    unsigned char *der = NULL;
    int der_len = req ? i2d_X509_REQ(req, &der) : -1;
    X509_REQ_free(req);
    if (der_len <= 0) {
        kx_err_set_detail("the token's CSR does not parse");
        return KX_ERR_BAD_FORMAT;
    }
    kx_err rc = kx_token_sign(current, old_id, old_id_len, der, (size_t)der_len, sig, sig_len);
    OPENSSL_free(der);
    return rc;
}

kx_err kx_job_keygen(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    struct kx_token_devices *t = tk(w);
    if (!t->target)
        return KX_ERR_TOKEN_ABSENT;
    char company[256], uscc[20], serial[40] = "";
    kx_strlcpy(company, in->have_company ? in->company_name : in->cert_company, sizeof company);
    kx_strlcpy(uscc, in->have_company ? in->uscc : in->cert_uscc, sizeof uscc);
    kx_token_info ti;
    kx_err rc = kx_token_get_info(t->target, &ti);
    if (rc)
        return rc;
    kx_strlcpy(serial, ti.serial, sizeof serial);
    kx_token_cleanup(t->target, NULL); /* pending pairs of an earlier attempt */
    kx_step st;
    if ((rc = kx_step_begin(w->journal, in->session, "keygen", serial, 0, 0, &st)))
        return rc;
    t->new_id_len = sizeof t->new_id;
    rc = kx_token_generate_key(t->target, t->key_type, t->new_id, &t->new_id_len);
    char *csr = NULL;
    if (!rc)
        rc = kx_token_make_csr(t->target, t->new_id, t->new_id_len, company, uscc, company,
                               &csr);
    kx_step_end(w->journal, "keygen", &st, rc, NULL);
    if (rc) {
        free(csr);
        return rc;
    }
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    if (in->service == KX_SVC_RENEW) {
        /* the RA wants the current key's signature over the CSR (proof of
         * possession of the old key) */
        rc = sign_renewal(t->current, t->old_id, t->old_id_len, csr, &sig, &sig_len);
        if (rc) {
            free(csr);
            return rc;
        }
    }
    out->csr = (unsigned char *)csr;
    out->csr_len = strlen(csr);
    out->csr_sig = sig;
    out->csr_sig_len = sig_len;
    out->parts |= KX_JR_CSR;
    return KX_OK;
}

kx_err kx_job_install(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    struct kx_token_devices *t = tk(w);
    if (!t->target)
        return KX_ERR_TOKEN_ABSENT;
    char label[64];
    const char *serial = in->new_serial, *pem = in->cert_pem;
    if (!pem)
        return KX_ERR_STATE;
    snprintf(label, sizeof label, "%s", KX_TOKEN_PENDING_LABEL);
    kx_step st;
    kx_err rc = kx_step_begin(w->journal, in->session, "install", serial, 0, 1, &st);
    if (!rc && !st.already_done) {
        size_t idl = sizeof t->new_id;
        rc = kx_token_install_cert(t->target, pem, label, t->new_id, &idl);
        if (!rc) {
            t->new_id_len = idl;
            rc = kx_token_verify_pair(t->target, t->new_id, t->new_id_len);
        }
        /* an SM2 pair: the encryption key and certificate, same container */
        if (!rc)
            rc = kx_sm2_install_enc(w, in->session, t->target, t->new_id, t->new_id_len);
        /* a fresh token has nothing to replace: give the pair its label now */
        if (!rc && t->target != t->current)
            rc = kx_token_relabel(t->target, t->new_id, t->new_id_len, "kx-cert");
        kx_step_end(w->journal, "install", &st, rc, rc ? NULL : serial);
    }
    if (!rc) /* installed and journaled: an SM2 request is not needed again */
        kx_sm2_forget(w, in->session);
    return rc;
}

kx_err kx_device_write_data(kx_worker *w, const char *name, const unsigned char *data,
                            size_t len)
{
    struct kx_token_devices *t = tk(w);
    return t->target ? kx_token_write_data(t->target, name, data, len) : KX_ERR_TOKEN_ABSENT;
}

kx_err kx_job_remove_old(kx_worker *w, const kx_job_input *in, kx_job_result *out)
{
    (void)out;
    struct kx_token_devices *t = tk(w);
    if (!t->current)
        return KX_ERR_TOKEN_ABSENT;
    kx_step st;
    kx_err rc =
        kx_step_begin(w->journal, in->session, "remove_old", in->cert_serial, 0, 1, &st);
    if (rc || st.already_done)
        return rc;
    if (t->target == t->current) /* renewal, change: commit on the same token */
        rc = kx_token_renew_commit(t->current, t->new_id, t->new_id_len, t->old_id,
                                   t->old_id_len, "kx-cert");
    else /* swap: the old token's pair goes */
        rc = kx_token_delete_id(t->current, t->old_id, t->old_id_len);
    kx_step_end(w->journal, "remove_old", &st, rc, NULL);
    return rc;
}

kx_err kx_device_finish_install(kx_worker *w, const char *token_serial, const char *cert_pem,
                                const char *chain_pem)
{
    (void)chain_pem;
    kx_token_module *m;
    kx_err rc = module_of(w, &m);
    if (rc)
        return rc;
    if (!token_serial || !token_serial[0] || !cert_pem)
        return KX_ERR_TOKEN_ABSENT;
    kx_token *tok = NULL;
    if ((rc = kx_token_open(m, token_serial, &tok)))
        return rc;
    /* installed before the crash, outcome not journaled: nothing to do */
    kx_certinfo want;
    kx_token_certs cs = {0};
    int present = 0;
    if (kx_certinfo_parse((const unsigned char *)cert_pem, strlen(cert_pem), 0, &want) ==
            KX_OK &&
        kx_token_list_certs(tok, &cs) == KX_OK)
        for (size_t i = 0; i < cs.count; i++) {
            kx_certinfo have;
            if (kx_certinfo_parse(cs.items[i].der, cs.items[i].der_len, 0, &have) == KX_OK &&
                strcmp(have.serial, want.serial) == 0)
                present = 1;
        }
    kx_token_certs_free(&cs);
    if (present) {
        kx_token_close(tok);
        return KX_OK;
    }
    unsigned char id[KX_TOKEN_ID_MAX];
    size_t idl = sizeof id;
    rc = kx_token_install_cert(tok, cert_pem, KX_TOKEN_PENDING_LABEL, id, &idl);
    if (rc == KX_OK)
        rc = kx_token_relabel(tok, id, idl, "kx-cert");
    kx_token_close(tok);
    return rc;
}

kx_err kx_sm2_token_of(kx_worker *w, const char *serial, kx_token **out, int *owned)
{
    struct kx_token_devices *t = tk(w);
    kx_token *have[2] = {t->target, t->current};
    *out = NULL;
    *owned = 0;
    for (int i = 0; i < 2; i++) {
        kx_token_info ti;
        if (have[i] && kx_token_get_info(have[i], &ti) == KX_OK &&
            strcmp(ti.serial, serial) == 0) {
            *out = have[i];
            return KX_OK;
        }
    }
    kx_token_module *m;
    kx_err rc = module_of(w, &m);
    if (!rc && (!serial || !serial[0]))
        rc = KX_ERR_TOKEN_ABSENT;
    if (!rc)
        rc = kx_token_open(m, serial, out);
    *owned = !rc;
    return rc;
}

/* maintenance self-test (main loop, idle kiosk): serials of the tokens present */
kx_err kx_device_selftest_tokens(kx_worker *w, char (*serials)[40], size_t max, size_t *n)
{
    kx_token_module *m;
    *n = 0;
    kx_err rc = module_of(w, &m);
    if (rc)
        return rc;
    kx_token_info info[8];
    size_t count = 0;
    if ((rc = kx_token_list(m, info, 8, &count)))
        return rc;
    for (size_t i = 0; i < count && i < max; i++)
        kx_strlcpy(serials[(*n)++], info[i].serial, 40);
    return KX_OK;
}
