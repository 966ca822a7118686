/* SPDX-License-Identifier: MIT */
/*
 * jobs_sm2.c - SM2 dual certificates (profile "sm2-dual") in the engine:
 * which sites issue them, the RA's issuance and renewal of the pair, the
 * encryption half of the install, and recovery of an interrupted pair
 * install. See jobs_sm2.h.
 *
 * The pair the RA answered waits here between the RA job and the install
 * job (one worker, one job at a time: the jobs run in turn on the same
 * worker, so one slot is enough; it names its session). The request (the
 * CSR and the renewal proof: an SM2 signature is randomised, so it cannot
 * be made again) is saved in <state_dir>/sm2-<session>.req before the RA
 * call: replaying the journaled key needs the same body, and only the
 * replay gives the envelope back (the RA never sends the key again).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "certinfo.h"
#include "core/log.h"
#include "core/str.h"
#include "jobs_sm2.h"
#include "ra/ra.h"

#define SM2_REQ_MAX (64 * 1024)
/* <state_dir>/sm2-<session>.req (and .tmp) always fit */
#define SM2_PATH_MAX (1024 + KX_SESSION_ID_MAX + 16)

/* the pair waiting for its install */
static struct sm2_pending {
    char session[KX_SESSION_ID_MAX];
    char sign_serial[KX_RA_SERIAL_MAX];
    char enc_serial[KX_RA_SERIAL_MAX];
    char *enc_pem;
    unsigned char envelope[KX_RA_EKB_LEN];
} pending;

static void pending_clear(void)
{
    free(pending.enc_pem);
    OPENSSL_cleanse(&pending, sizeof pending);
}

int kx_sm2_site(const kx_config *cfg)
{
    if (!cfg)
        return 0;
    if (strcmp(kx_config_get_str(cfg, "ra", "cert_profile", ""), "sm2-dual") == 0)
        return 1;
    return strcmp(kx_config_get_str(cfg, "token", "backend", "pkcs11"), "skf") == 0 &&
           strcmp(kx_config_get_str(cfg, "engine", "key_type", ""), "sm2") == 0;
}

const char *kx_sm2_case_profile(const kx_config *cfg)
{
    const char *p = cfg ? kx_config_get_str(cfg, "ra", "cert_profile", "") : "";
    if (kx_sm2_site(cfg))
        return "sm2-dual";
    return p[0] ? p : NULL;
}

static void req_path(const kx_worker *w, const char *session, char *path, size_t size)
{
    snprintf(path, size, "%s/sm2-%s.req", w->set->state_dir, session);
}

/* the request file: "sig HEX|-\n" then the CSR as sent, written to a
 * temporary file, fsynced and renamed into place */
static kx_err req_save(const kx_worker *w, const kx_job_input *in)
{
    char path[SM2_PATH_MAX], tmp[SM2_PATH_MAX + 8];
    req_path(w, in->session, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    char *hex = in->csr_sig_len ? OPENSSL_buf2hexstr(in->csr_sig, (long)in->csr_sig_len) : NULL;
    kx_err rc = KX_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!fp) {
        if (fd >= 0)
            close(fd);
        kx_err_set_detail("%s: %s", tmp, strerror(errno));
        rc = KX_ERR_IO;
    } else {
        int bad = fprintf(fp, "sig %s\n", hex ? hex : "-") < 0 ||
                  fwrite(in->csr, 1, in->csr_len, fp) != in->csr_len || fflush(fp) != 0 ||
                  fsync(fileno(fp)) != 0;
        bad |= fclose(fp) != 0;
        if (bad || rename(tmp, path) != 0) {
            kx_err_set_detail("%s: cannot write the SM2 request", path);
            unlink(tmp);
            rc = KX_ERR_IO;
        }
    }
    OPENSSL_free(hex);
    return rc;
}

/* the saved request: *csr (NUL-terminated) and *sig malloc'd */
static kx_err req_load(const kx_worker *w, const char *session, char **csr, size_t *csr_len,
                       unsigned char **sig, size_t *sig_len)
{
    char path[SM2_PATH_MAX];
    req_path(w, session, path, sizeof path);
    *csr = NULL;
    *sig = NULL;
    *csr_len = *sig_len = 0;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        kx_err_set_detail("%s: no saved SM2 request", path);
        return KX_ERR_NOT_FOUND;
    }
    char *buf = malloc(SM2_REQ_MAX + 1);
    size_t n = buf ? fread(buf, 1, SM2_REQ_MAX, fp) : 0;
    fclose(fp);
    if (!buf)
        return KX_ERR_NO_MEMORY;
    buf[n] = 0;
    kx_err rc = KX_OK;
    char *nl = strchr(buf, '\n');
    if (!nl || strncmp(buf, "sig ", 4) != 0) {
        kx_err_set_detail("%s: not an SM2 request file", path);
        rc = KX_ERR_BAD_FORMAT;
    } else {
        *nl = 0;
        if (strcmp(buf + 4, "-") != 0) {
            long l = 0;
            *sig = OPENSSL_hexstr2buf(buf + 4, &l);
            *sig_len = l > 0 ? (size_t)l : 0;
            if (!*sig)
                rc = KX_ERR_BAD_FORMAT;
        }
        *csr_len = n - (size_t)(nl + 1 - buf);
        *csr = malloc(*csr_len + 1);
        if (!rc && *csr) {
            memcpy(*csr, nl + 1, *csr_len);
            (*csr)[*csr_len] = 0;
        } else if (!rc) {
            rc = KX_ERR_NO_MEMORY;
        }
    }
    free(buf);
    if (rc) {
        free(*csr);
        OPENSSL_free(*sig);
        *csr = NULL;
        *sig = NULL;
    }
    return rc;
}

/* keep the pair for the install job */
static kx_err pending_keep(const char *session, const kx_ra_cert_pair *p)
{
    pending_clear();
    pending.enc_pem = strdup(p->enc.cert_pem ? p->enc.cert_pem : "");
    if (!pending.enc_pem)
        return KX_ERR_NO_MEMORY;
    kx_strlcpy(pending.session, session, sizeof pending.session);
    kx_strlcpy(pending.sign_serial, p->sign.serial, sizeof pending.sign_serial);
    kx_strlcpy(pending.enc_serial, p->enc.serial, sizeof pending.enc_serial);
    memcpy(pending.envelope, p->enveloped.blob, sizeof pending.envelope);
    return KX_OK;
}

/* the RA call itself (with the journaled key) */
static kx_err pair_call(kx_worker *w, const char *key, const char *case_id, int renew,
                        const char *old_serial, const unsigned char *csr, size_t csr_len,
                        const unsigned char *sig, size_t sig_len, kx_ra_cert_pair *p)
{
    kx_err rc = renew ? kx_ra_cert_renew_pair(w->dev->ra, key, case_id, old_serial, csr,
                                              csr_len, sig, sig_len, p)
                      : kx_ra_cert_issue_pair(w->dev->ra, key, case_id, csr, csr_len, p);
    if (!rc && (!p->dual || !p->enc.cert_pem)) {
        kx_err_set_detail("the RA issued profile '%s', not an SM2 pair", p->profile);
        rc = KX_ERR_RA_BAD_REPLY;
    }
    return rc;
}

kx_err kx_sm2_ra_issue(kx_worker *w, const kx_job_input *in, kx_job_result *out, int renew)
{
    kx_err rc = kx_worker_need_ra(w);
    if (rc)
        return rc;
    const char *sid = in->session, *case_id = in->case_id;
    int pinless = in->service == KX_SVC_RENEW_NOPIN;
    if (!in->csr) {
        kx_err_set_detail("no CSR in the session");
        return KX_ERR_STATE;
    }
    const char *kind = renew ? "ra_renew" : "ra_issue";
    kx_job_input req = *in;
    if (!renew || pinless) {
        req.csr_sig = NULL;
        req.csr_sig_len = 0;
    }
    if ((rc = req_save(w, &req)))
        return rc;
    kx_step st;
    kx_ra_cert_pair p = {0};
    if ((rc = kx_step_begin(w->journal, sid, kind, case_id, 0, 0, &st)))
        return rc;
    rc = pair_call(w, st.key, case_id, renew, in->cert_serial, in->csr, in->csr_len,
                   req.csr_sig, req.csr_sig_len, &p);
    kx_step_end(w->journal, kind, &st, rc, rc ? NULL : p.sign.serial);
    if (!rc)
        rc = pending_keep(sid, &p);
    if (!rc) {
        kx_log_info("ra.issued", "session=%s serial=%s enc_serial=%s profile=sm2-dual", sid,
                    p.sign.serial, p.enc.serial);
        kx_journal_session_set(w->journal, sid, "new_serial", p.sign.serial);
        kx_strlcpy(out->new_serial, p.sign.serial, sizeof out->new_serial);
        out->cert_pem = p.sign.cert_pem;
        out->chain_pem = p.sign.chain_pem;
        p.sign.cert_pem = p.sign.chain_pem = NULL;
        out->parts |= KX_JR_ISSUED;
    }
    kx_ra_cert_pair_clear(&p);
    return rc;
}

/* tell the RA which UKEY holds the pair (a report: a failure is logged) */
static void report_installed(kx_worker *w, const char *session, const char *serial,
                             const char *token_serial)
{
    char key[KX_RA_IDEM_KEY_MAX];
    snprintf(key, sizeof key, "%.48s.installed", session);
    kx_err rc = token_serial && token_serial[0]
                    ? kx_ra_cert_installed(w->dev->ra, key, serial, token_serial)
                    : KX_ERR_INVALID_ARG;
    if (rc)
        kx_log_warn("ra.installed_report", "session=%s serial=%s error=%s", session, serial,
                    kx_err_name(rc));
}

/* import the envelope and install the encryption certificate into
 * container id (each skipped when the UKEY has it already) */
static kx_err install_enc(kx_token *tok, const unsigned char *id, size_t id_len,
                          const unsigned char *envelope, const char *enc_pem,
                          const char *enc_serial)
{
    kx_token_certs cs = {0};
    int have_enc = 0, have_key = 0;
    kx_err rc = kx_token_list_certs(tok, &cs);
    for (size_t i = 0; !rc && i < cs.count; i++) {
        const kx_token_cert *c = &cs.items[i];
        if (c->id_len == id_len && memcmp(c->id, id, id_len) == 0 &&
            (c->usage & KX_CERT_USAGE_ENCRYPT)) {
            kx_certinfo ci;
            have_key = c->has_private_key;
            have_enc = kx_certinfo_parse(c->der, c->der_len, 0, &ci) == KX_OK &&
                       strcmp(ci.serial, enc_serial) == 0;
        }
    }
    kx_token_certs_free(&cs);
    if (!rc && !have_enc && !have_key)
        rc = kx_token_import_enc_keypair(tok, id, id_len, envelope, KX_RA_EKB_LEN);
    if (!rc && !have_enc) {
        unsigned char eid[KX_TOKEN_ID_MAX];
        size_t eidl = sizeof eid;
        rc = kx_token_install_cert(tok, enc_pem, KX_TOKEN_PENDING_LABEL, eid, &eidl);
        if (!rc && (eidl != id_len || memcmp(eid, id, id_len) != 0)) {
            kx_err_set_detail("the encryption certificate went to another container");
            rc = KX_ERR_MISMATCH;
        }
    }
    return rc;
}

kx_err kx_sm2_install_enc(kx_worker *w, const char *session, kx_token *tok,
                          const unsigned char *id, size_t id_len)
{
    kx_token_info ti = {0};
    if (!pending.enc_pem || strcmp(pending.session, session) != 0)
        return KX_OK;
    kx_err rc =
        install_enc(tok, id, id_len, pending.envelope, pending.enc_pem, pending.enc_serial);
    kx_log_info("token.sm2_pair", "session=%s serial=%s enc_serial=%s result=%s", session,
                pending.sign_serial, pending.enc_serial, kx_err_name(rc));
    if (!rc && kx_worker_need_ra(w) == KX_OK && kx_token_get_info(tok, &ti) == KX_OK)
        report_installed(w, session, pending.sign_serial, ti.serial);
    return rc;
}

/* the container holding the certificate with this serial, or 0 */
static int find_cert(kx_token *tok, const char *serial, unsigned char *id, size_t *id_len,
                     char *label, size_t labelsz)
{
    kx_token_certs cs = {0};
    int found = 0;
    if (kx_token_list_certs(tok, &cs) != KX_OK)
        return 0;
    for (size_t i = 0; i < cs.count && !found; i++) {
        kx_certinfo ci;
        if (kx_certinfo_parse(cs.items[i].der, cs.items[i].der_len, 0, &ci) == KX_OK &&
            strcmp(ci.serial, serial) == 0) {
            memcpy(id, cs.items[i].id, cs.items[i].id_len);
            *id_len = cs.items[i].id_len;
            if (label)
                kx_strlcpy(label, cs.items[i].label, labelsz);
            found = 1;
        }
    }
    kx_token_certs_free(&cs);
    return found;
}

kx_err kx_sm2_recover_install(kx_worker *w, kx_token *tok, const char *session,
                              const char *token_serial, const char *case_id,
                              const char *sign_serial, const char *old_serial)
{
    kx_journal_tx t;
    int renew =
        kx_journal_last(w->journal, session, "ra_renew", &t) == KX_OK && t.status == KX_TX_DONE;
    if (!renew && kx_journal_last(w->journal, session, "ra_issue", &t) != KX_OK) {
        kx_err_set_detail("no RA issuance journaled");
        return KX_ERR_STATE;
    }
    char *csr = NULL;
    unsigned char *sig = NULL;
    size_t csr_len = 0, sig_len = 0;
    kx_ra_cert_pair p = {0};
    kx_err rc = tok ? KX_OK : KX_ERR_TOKEN_ABSENT;
    if (!rc)
        rc = req_load(w, session, &csr, &csr_len, &sig, &sig_len);
    /* the same key and body: the RA replays its reply, envelope included */
    if (!rc)
        rc = pair_call(w, t.idem_key, case_id, renew, old_serial, (unsigned char *)csr, csr_len,
                       sig, sig_len, &p);
    if (!rc && strcmp(p.sign.serial, sign_serial) != 0) {
        kx_err_set_detail("the RA's replay names %s, the journal %s", p.sign.serial,
                          sign_serial);
        rc = KX_ERR_MISMATCH;
    }
    unsigned char id[KX_TOKEN_ID_MAX], old_id[KX_TOKEN_ID_MAX];
    size_t idl = sizeof id, old_idl = 0;
    char label[65] = "";
    if (!rc && !find_cert(tok, sign_serial, id, &idl, label, sizeof label)) {
        idl = sizeof id;
        rc = kx_token_install_cert(tok, p.sign.cert_pem, KX_TOKEN_PENDING_LABEL, id, &idl);
        kx_strlcpy(label, KX_TOKEN_PENDING_LABEL, sizeof label);
    }
    if (!rc)
        rc = install_enc(tok, id, idl, p.enveloped.blob, p.enc.cert_pem, p.enc.serial);
    if (!rc && strcmp(label, KX_TOKEN_PENDING_LABEL) == 0) {
        /* a renewal: the new container replaces the old one atomically */
        kx_err cr;
        if (renew && old_serial && old_serial[0] &&
            find_cert(tok, old_serial, old_id, &old_idl, NULL, 0))
            cr = kx_token_renew_commit(tok, id, idl, old_id, old_idl, "kx-cert");
        else
            cr = kx_token_relabel(tok, id, idl, "kx-cert");
        /* the pair is whole on the UKEY: without the user's login (a
         * restart) the old pair stays beside it, as after a crash between
         * install and remove_old; the newer pair is the one the kiosk uses */
        if (cr)
            kx_log_warn("recovery.sm2_commit_deferred", "session=%s serial=%s error=%s",
                        session, sign_serial, kx_err_name(cr));
    }
    if (!rc)
        report_installed(w, session, sign_serial, token_serial);
    kx_log_info("recovery.sm2_pair", "session=%s serial=%s result=%s", session, sign_serial,
                kx_err_name(rc));
    kx_ra_cert_pair_clear(&p);
    free(csr);
    OPENSSL_free(sig);
    return rc;
}

int kx_sm2_blank_ready(const kx_worker *w, unsigned caps, const kx_token_info *ti)
{
    return ti && !(ti->flags & (KX_TOKEN_INITIALIZED | KX_TOKEN_USER_PIN_SET)) &&
           (caps & KX_TOKEN_CAP_INIT_BLANK) &&
           kx_config_get_str(w->cfg, "token", "skf_admin_pin", "")[0] != '\0';
}

kx_err kx_sm2_init_blank(kx_worker *w, kx_token *tok, const kx_pin_policy *p,
                         const kx_secbuf *user_pin)
{
    const char *admin = kx_config_get_str(w->cfg, "token", "skf_admin_pin", "");
    kx_secbuf *so = NULL;
    kx_err rc = admin[0] ? kx_secbuf_new(strlen(admin) + 1, &so) : KX_ERR_CONFIG;
    if (rc == KX_ERR_CONFIG)
        kx_err_set_detail("a UKEY without an application needs [token] skf_admin_pin");
    if (!rc)
        rc = kx_secbuf_set(so, admin, strlen(admin));
    if (!rc)
        rc = kx_token_init_blank(tok, p, so, user_pin);
    kx_log_info("token.sm2_blank_init", "result=%s", kx_err_name(rc));
    kx_secbuf_free(so);
    return rc;
}

void kx_sm2_forget(kx_worker *w, const char *session)
{
    char path[SM2_PATH_MAX];
    if (pending.session[0] && strcmp(pending.session, session) == 0)
        pending_clear();
    req_path(w, session, path, sizeof path);
    unlink(path);
}
