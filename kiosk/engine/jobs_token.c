/* SPDX-License-Identifier: MIT */
/*
 * jobs_token.c - the UKEY jobs: waiting for a token, reading its
 * certificate, the PIN, key generation and CSR, installing the issued
 * certificate, committing a renewal, PIN set and reset. Worker thread only;
 * the token handles are used by one thread at a time (token.h's rule).
 *
 * Token writes are journaled (kx_step_begin/end) before they happen. The
 * PIN is wiped from the session as soon as the token accepted it: the
 * token session stays logged in until the session ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "core/str.h"
#include "certinfo.h"
#include "engine_jobs.h"
#include "engine_staff.h"
#include "engine_token.h"
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

static struct kx_token_devices *tk(kx_engine *e)
{
    return kx_local_token(e);
}

kx_err kx_token_devices_open(const kx_config *cfg, struct kx_token_devices **out)
{
    struct kx_token_devices *t = calloc(1, sizeof *t);
    if (!t)
        return KX_ERR_NO_MEMORY;
    static const char *const types[] = {"ec-p256", "rsa-2048", NULL};
    int ti = 0;
    kx_err rc = kx_pin_policy_load(cfg, &t->policy);
    if (!rc)
        rc = kx_config_get_enum(cfg, "engine", "key_type", types, 0, &ti);
    t->key_type = ti == 1 ? KX_KEY_RSA_2048 : KX_KEY_EC_P256;
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
static kx_err module_of(kx_engine *e, kx_token_module **out)
{
    struct kx_token_devices *t = tk(e);
    kx_err rc = KX_OK;
    if (t->module && t->module_stale && !t->current && !t->target) {
        kx_token_module_close(t->module);
        t->module = NULL;
    }
    t->module_stale = 0;
    if (!t->module)
        rc = kx_token_module_open_config(e->cfg, &t->module);
    *out = t->module;
    return rc;
}

/* the certificate with a private key that expires last, or NULL */
static const kx_token_cert *best_cert(const kx_token_certs *cs)
{
    const kx_token_cert *best = NULL;
    for (size_t i = 0; i < cs->count; i++)
        if (cs->items[i].has_private_key && (!best || cs->items[i].not_after > best->not_after))
            best = &cs->items[i];
    return best;
}

/*
 * Wait for a token: want_cert 1 for the UKEY with a certificate, 0 for a
 * blank one (no certificate, not the current UKEY). Polls until found or
 * the job is told to stop (the state's timeout or cancel).
 */
static kx_err wait_token(kx_engine *e, int want_cert, kx_token **out, char *serial,
                         size_t serialsz)
{
    kx_token_module *m;
    kx_err rc = module_of(e, &m);
    if (rc)
        return rc;
    struct kx_token_devices *t = tk(e);
    char current[40] = "";
    if (t->current) {
        kx_token_info ci;
        if (kx_token_get_info(t->current, &ci) == KX_OK)
            kx_strlcpy(current, ci.serial, sizeof current);
    }
    for (;;) {
        kx_token_info infos[8];
        size_t n = 0;
        rc = kx_token_list(m, infos, 8, &n);
        for (size_t i = 0; !rc && i < n; i++) {
            if (!want_cert && (strcmp(infos[i].serial, current) == 0 ||
                               !(infos[i].flags & KX_TOKEN_USER_PIN_SET)))
                continue; /* the customer's own UKEY, or a slot without a usable token */
            kx_token *tok = NULL;
            if (kx_token_open(m, infos[i].serial, &tok))
                continue;
            kx_token_certs cs = {0};
            int has = kx_token_list_certs(tok, &cs) == KX_OK && best_cert(&cs);
            /* a staff UKEY left in the reader is never the customer's */
            int staff = kx_staff_mode_token_is_staff(e, &cs, infos[i].serial);
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
        if (kx_job_sleep(e, 300))
            return KX_ERR_CANCELLED;
    }
}

static kx_err job_token_wait(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    token_forget(t);
    char serial[40];
    kx_token *tok = NULL;
    kx_err rc = wait_token(e, 1, &tok, serial, sizeof serial);
    if (rc)
        return rc;
    t->current = t->target = tok;
    char sid[KX_SESSION_ID_MAX];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(e->s.token_serial, serial, sizeof e->s.token_serial);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    pthread_mutex_unlock(&e->mu);
    kx_journal_session_set(e->journal, sid, "token_serial", serial);
    return KX_OK;
}

static kx_err job_token_read_cert(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
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
    char sid[KX_SESSION_ID_MAX], serial[84];
    size_t k = 0;
    for (; c->serial_hex[k] && k < sizeof serial - 1; k++)
        serial[k] =
            (char)(c->serial_hex[k] >= 'A' && c->serial_hex[k] <= 'F' ? c->serial_hex[k] + 32
                                                                      : c->serial_hex[k]);
    serial[k] = 0;
    long days = c->days_left;
    pthread_mutex_lock(&e->mu);
    kx_session *s = &e->s;
    kx_strlcpy(sid, s->id, sizeof sid);
    kx_strlcpy(s->cert_company, c->company, sizeof s->cert_company);
    kx_strlcpy(s->cert_uscc, c->credit_code, sizeof s->cert_uscc);
    kx_strlcpy(s->cert_subject, c->subject, sizeof s->cert_subject);
    kx_strlcpy(s->cert_serial, serial, sizeof s->cert_serial);
    struct tm tm;
    time_t na = c->not_after;
    gmtime_r(&na, &tm);
    strftime(s->cert_not_after, sizeof s->cert_not_after, "%Y-%m-%d", &tm);
    s->cert_days_left = days;
    s->have_cert = 1;
    kx_service svc = s->service;
    pthread_mutex_unlock(&e->mu);
    kx_token_certs_free(&cs);
    kx_journal_session_set(e->journal, sid, "old_serial", serial);
    if (svc == KX_SVC_RENEW || svc == KX_SVC_RENEW_NOPIN)
        return kx_rule_renew_window(&e->rules, days);
    return KX_OK;
}

static kx_err job_pin_verify(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    if (!t->current)
        return KX_ERR_TOKEN_ABSENT;
    kx_secbuf *pin = NULL;
    pthread_mutex_lock(&e->mu);
    pin = e->s.pin;
    e->s.pin = NULL; /* the job owns it now and wipes it */
    pthread_mutex_unlock(&e->mu);
    if (!pin)
        return KX_ERR_STATE;
    unsigned flags = 0;
    kx_err rc = kx_token_login(t->current, pin, &flags);
    kx_secbuf_free(pin);
    pthread_mutex_lock(&e->mu);
    e->s.tries_left = (flags & KX_TOKEN_PIN_FINAL_TRY) ? 1 : -1;
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static kx_err job_blank_wait(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    if (t->target && t->target != t->current)
        kx_token_close(t->target);
    t->target = NULL;
    char serial[40];
    kx_token *tok = NULL;
    kx_err rc = wait_token(e, 0, &tok, serial, sizeof serial);
    if (rc)
        return rc;
    t->target = tok;
    char sid[KX_SESSION_ID_MAX];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    if (!e->s.token_serial[0])
        kx_strlcpy(e->s.token_serial, serial, sizeof e->s.token_serial);
    pthread_mutex_unlock(&e->mu);
    kx_journal_session_set(e->journal, sid, "token_serial", serial);
    return KX_OK;
}

/* take the new PIN out of the session (the job wipes it) */
static kx_secbuf *take_new_pin(kx_engine *e, char *sid, size_t sidsz)
{
    pthread_mutex_lock(&e->mu);
    kx_secbuf *p = e->s.new_pin;
    e->s.new_pin = NULL;
    kx_strlcpy(sid, e->s.id, sidsz);
    pthread_mutex_unlock(&e->mu);
    return p;
}

static kx_err job_token_set_pin(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    char sid[KX_SESSION_ID_MAX], serial[40] = "";
    kx_secbuf *pin = take_new_pin(e, sid, sizeof sid), *old = NULL;
    if (!pin)
        return KX_ERR_STATE;
    kx_err rc = t->target ? kx_pin_policy_check(&t->policy, pin) : KX_ERR_TOKEN_ABSENT;
    kx_token_info ti;
    if (!rc && !(rc = kx_token_get_info(t->target, &ti)))
        kx_strlcpy(serial, ti.serial, sizeof serial);
    if (!rc && !(rc = kx_secbuf_new(sizeof t->blank_pin, &old)))
        rc = kx_secbuf_set(old, t->blank_pin, strlen(t->blank_pin));
    kx_step st;
    if (!rc && !(rc = kx_step_begin(e, sid, "set_pin", serial, 0, 0, &st))) {
        rc = kx_token_change_pin(t->target, &t->policy, old, pin);
        kx_step_end(e, "set_pin", &st, rc, NULL);
    }
    if (!rc) { /* log in with the new PIN for key generation */
        unsigned flags;
        rc = kx_token_login(t->target, pin, &flags);
    }
    kx_secbuf_free(old);
    kx_secbuf_free(pin);
    return rc;
}

static kx_err job_token_reset_pin(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    char sid[KX_SESSION_ID_MAX];
    kx_secbuf *pin = take_new_pin(e, sid, sizeof sid);
    pthread_mutex_lock(&e->mu);
    kx_secbuf *so = e->s.so_pin;
    e->s.so_pin = NULL;
    char serial[64];
    kx_strlcpy(serial, e->s.token_serial, sizeof serial);
    pthread_mutex_unlock(&e->mu);
    kx_err rc = !pin || !so ? KX_ERR_STATE : (!t->current ? KX_ERR_TOKEN_ABSENT : KX_OK);
    if (!rc)
        rc = kx_pin_policy_check(&t->policy, pin);
    kx_step st;
    if (!rc && !(rc = kx_step_begin(e, sid, "reset_pin", serial, 0, 0, &st))) {
        rc = kx_token_reset_pin(t->current, &t->policy, so, pin);
        kx_step_end(e, "reset_pin", &st, rc, NULL);
    }
    if (!rc) {
        unsigned flags;
        rc = kx_token_login(t->current, pin, &flags);
    }
    kx_secbuf_free(so);
    kx_secbuf_free(pin);
    return rc;
}

static kx_err job_keygen(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    if (!t->target)
        return KX_ERR_TOKEN_ABSENT;
    char sid[KX_SESSION_ID_MAX], company[256], uscc[20], serial[40] = "";
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(company, e->s.have_company ? e->s.company_name : e->s.cert_company,
               sizeof company);
    kx_strlcpy(uscc, e->s.have_company ? e->s.uscc : e->s.cert_uscc, sizeof uscc);
    pthread_mutex_unlock(&e->mu);
    kx_token_info ti;
    kx_err rc = kx_token_get_info(t->target, &ti);
    if (rc)
        return rc;
    kx_strlcpy(serial, ti.serial, sizeof serial);
    kx_token_cleanup(t->target, NULL); /* pending pairs of an earlier attempt */
    kx_step st;
    if ((rc = kx_step_begin(e, sid, "keygen", serial, 0, 0, &st)))
        return rc;
    t->new_id_len = sizeof t->new_id;
    rc = kx_token_generate_key(t->target, t->key_type, t->new_id, &t->new_id_len);
    char *csr = NULL;
    if (!rc)
        rc = kx_token_make_csr(t->target, t->new_id, t->new_id_len, company, uscc, company,
                               &csr);
    kx_step_end(e, "keygen", &st, rc, NULL);
    if (rc) {
        free(csr);
        return rc;
    }
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    pthread_mutex_lock(&e->mu);
    kx_service svc = e->s.service;
    pthread_mutex_unlock(&e->mu);
    if (svc == KX_SVC_RENEW) {
        /* the RA wants the current key's signature over the CSR (proof of
         * possession of the old key) */
        rc =
            kx_token_sign_renewal(e, t->current, t->old_id, t->old_id_len, csr, &sig, &sig_len);
        if (rc) {
            free(csr);
            return rc;
        }
    }
    pthread_mutex_lock(&e->mu);
    free(e->s.csr);
    free(e->s.csr_sig);
    e->s.csr = (unsigned char *)csr;
    e->s.csr_len = strlen(csr);
    e->s.csr_sig = sig;
    e->s.csr_sig_len = sig_len;
    pthread_mutex_unlock(&e->mu);
    return KX_OK;
}

static kx_err job_install(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    if (!t->target)
        return KX_ERR_TOKEN_ABSENT;
    char sid[KX_SESSION_ID_MAX], serial[84], label[64];
    char *pem = NULL;
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(serial, e->s.new_serial, sizeof serial);
    if (e->s.cert_pem)
        pem = strdup(e->s.cert_pem);
    pthread_mutex_unlock(&e->mu);
    if (!pem)
        return KX_ERR_STATE;
    snprintf(label, sizeof label, "%s", KX_TOKEN_PENDING_LABEL);
    kx_step st;
    kx_err rc = kx_step_begin(e, sid, "install", serial, 0, 1, &st);
    if (!rc && !st.already_done) {
        size_t idl = sizeof t->new_id;
        rc = kx_token_install_cert(t->target, pem, label, t->new_id, &idl);
        if (!rc) {
            t->new_id_len = idl;
            rc = kx_token_verify_pair(t->target, t->new_id, t->new_id_len);
        }
        /* a fresh token has nothing to replace: give the pair its label now */
        if (!rc && t->target != t->current)
            rc = kx_token_relabel(t->target, t->new_id, t->new_id_len, "kx-cert");
        kx_step_end(e, "install", &st, rc, rc ? NULL : serial);
    }
    free(pem);
    return rc;
}

static kx_err job_remove_old(kx_engine *e, kx_event *ev)
{
    (void)ev;
    struct kx_token_devices *t = tk(e);
    if (!t->current)
        return KX_ERR_TOKEN_ABSENT;
    char sid[KX_SESSION_ID_MAX], old_serial[84];
    pthread_mutex_lock(&e->mu);
    kx_strlcpy(sid, e->s.id, sizeof sid);
    kx_strlcpy(old_serial, e->s.cert_serial, sizeof old_serial);
    pthread_mutex_unlock(&e->mu);
    kx_step st;
    kx_err rc = kx_step_begin(e, sid, "remove_old", old_serial, 0, 1, &st);
    if (rc || st.already_done)
        return rc;
    if (t->target == t->current) /* renewal, change: commit on the same token */
        rc = kx_token_renew_commit(t->current, t->new_id, t->new_id_len, t->old_id,
                                   t->old_id_len, "kx-cert");
    else /* swap: the old token's pair goes */
        rc = kx_token_delete_id(t->current, t->old_id, t->old_id_len);
    kx_step_end(e, "remove_old", &st, rc, NULL);
    return rc;
}

kx_job_fn kx_token_job(kx_job job)
{
    switch (job) {
    case KX_JOB_TOKEN_WAIT:
        return job_token_wait;
    case KX_JOB_TOKEN_READ_CERT:
        return job_token_read_cert;
    case KX_JOB_PIN_VERIFY:
        return job_pin_verify;
    case KX_JOB_BLANK_WAIT:
        return job_blank_wait;
    case KX_JOB_TOKEN_SET_PIN:
        return job_token_set_pin;
    case KX_JOB_TOKEN_RESET_PIN:
        return job_token_reset_pin;
    case KX_JOB_KEYGEN:
        return job_keygen;
    case KX_JOB_INSTALL:
        return job_install;
    case KX_JOB_REMOVE_OLD:
        return job_remove_old;
    default:
        return NULL;
    }
}

kx_err kx_device_finish_install(kx_engine *e, const char *token_serial, const char *cert_pem,
                                const char *chain_pem)
{
    (void)chain_pem;
    kx_token_module *m;
    kx_err rc = module_of(e, &m);
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

kx_err kx_token_sign_renewal(kx_engine *e, struct kx_token *current,
                             const unsigned char *old_id, size_t old_id_len,
                             const char *csr_pem, unsigned char **sig, size_t *sig_len)
{
    (void)e;
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

/* maintenance self-test (main loop, idle kiosk): serials of the tokens present */
kx_err kx_device_selftest_tokens(kx_engine *e, char (*serials)[40], size_t max, size_t *n)
{
    kx_token_module *m;
    *n = 0;
    kx_err rc = module_of(e, &m);
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
