/* SPDX-License-Identifier: MIT */
/*
 * token.c - the wrappers the engine calls: back-end registry, argument
 * checks, logging and timing, the fault-injection point, PIN policy,
 * insertion/removal polling and the renewal commit.
 *
 * Fault injection (tests only) is core/fault.h's shape:
 * KX_FAULT_TOKEN=<call>[:<error name>][,...] makes the named wrapper fail
 * with that kx_err (default KX_ERR_TOKEN_REMOVED) without calling the
 * back-end, e.g. KX_FAULT_TOKEN=install; kx_fault_arm("token", ...) in a
 * test.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/str.h"

#define TOKEN_MAX_BACKENDS 4
#define TOKEN_MAX_PRESENT 16

static const kx_token_ops *token_backends[TOKEN_MAX_BACKENDS];
static size_t token_nbackends;

struct kx_token_module {
    const kx_token_ops *ops;
    void *ctx;
    char last[TOKEN_MAX_PRESENT][33]; /* serials seen by the last poll */
    size_t nlast;
    int polled;
};

struct kx_token {
    kx_token_module *m;
    void *tok;
    char serial[33];
};

kx_err kx_token_register(const kx_token_ops *ops)
{
    if (!ops || !ops->name || !ops->load || !ops->unload || !ops->list || !ops->open ||
        !ops->close || !ops->info || !ops->login || !ops->logout || !ops->set_pin ||
        !ops->reset_pin || !ops->certs || !ops->keygen || !ops->csr || !ops->install ||
        !ops->verify_pair || !ops->delete_id || !ops->relabel || !ops->cleanup || !ops->sign ||
        !ops->configure || !ops->init_blank || !ops->import_enc || !ops->write_data ||
        !ops->read_data)
        return KX_ERR_INVALID_ARG;
    for (size_t i = 0; i < token_nbackends; i++)
        if (strcmp(token_backends[i]->name, ops->name) == 0)
            return KX_OK;
    if (token_nbackends == TOKEN_MAX_BACKENDS)
        return KX_ERR_TOO_LARGE;
    token_backends[token_nbackends++] = ops;
    return KX_OK;
}

static double token_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* token_fault - the injected error for this call, or KX_OK (core/fault.h:
 * driver "token", default a pulled UKEY) */
static kx_err token_fault(const char *call)
{
    return kx_fault_check("token", call, KX_ERR_TOKEN_REMOVED);
}

/* TOKEN_CALL(call, t, expr): fault point, time and log one back-end call */
#define TOKEN_CALL(call, serial, expr)                                                         \
    do {                                                                                       \
        struct timespec t0_;                                                                   \
        clock_gettime(CLOCK_MONOTONIC, &t0_);                                                  \
        rc = token_fault(call);                                                                \
        if (!rc)                                                                               \
            rc = (expr);                                                                       \
        if (rc)                                                                                \
            kx_log_warn("token." call, "serial=%s result=%s ms=%.1f detail=\"%s\"", (serial),  \
                        kx_err_name(rc), token_ms_since(&t0_), kx_err_detail());               \
        else                                                                                   \
            kx_log_debug("token." call, "serial=%s result=ok ms=%.1f", (serial),               \
                         token_ms_since(&t0_));                                                \
    } while (0)

/* token_module_open - load and configure (cfg may be NULL: defaults) */
static kx_err token_module_open(const char *backend, const char *module_path,
                                const kx_config *cfg, kx_token_module **out)
{
    if (!backend || !module_path || !out)
        return KX_ERR_INVALID_ARG;
    kx_token_register(&kx_token_pkcs11_ops);
    kx_token_register(&kx_token_skf_ops);
    const kx_token_ops *ops = NULL;
    for (size_t i = 0; i < token_nbackends; i++)
        if (strcmp(token_backends[i]->name, backend) == 0)
            ops = token_backends[i];
    if (!ops) {
        kx_err_set_detail("unknown token back-end '%s'", backend);
        return KX_ERR_CONFIG;
    }
    kx_token_module *m = calloc(1, sizeof(*m));
    if (!m)
        return KX_ERR_NO_MEMORY;
    m->ops = ops;
    kx_err rc;
    TOKEN_CALL("load", "-", ops->load(module_path, &m->ctx));
    if (rc) {
        free(m);
        return rc;
    }
    TOKEN_CALL("configure", "-", ops->configure(m->ctx, cfg));
    if (rc) {
        ops->unload(m->ctx);
        free(m);
        return rc;
    }
    kx_log_info("token.module", "backend=%s module=%s", backend, module_path);
    *out = m;
    return KX_OK;
}

kx_err kx_token_module_open(const char *backend, const char *module_path, kx_token_module **out)
{
    return token_module_open(backend, module_path, NULL, out);
}

kx_err kx_token_module_open_config(const kx_config *cfg, kx_token_module **out)
{
    const char *backend = kx_config_get_str(cfg, "token", "backend", "pkcs11");
    const char *module;
    if (strcmp(backend, "skf") == 0) {
        module = kx_config_get_str(cfg, "token", "skf_library", NULL);
        if (!module) {
            kx_err_set_detail("[token] backend = skf needs skf_library = PATH");
            return KX_ERR_CONFIG;
        }
    } else {
        module = kx_config_get_str(cfg, "token", "module",
                                   "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
    }
    return token_module_open(backend, module, cfg, out);
}

void kx_token_module_close(kx_token_module *m)
{
    if (!m)
        return;
    m->ops->unload(m->ctx);
    free(m);
}

unsigned kx_token_module_caps(const kx_token_module *m)
{
    return m ? m->ops->caps : 0;
}

kx_err kx_token_list(kx_token_module *m, kx_token_info *out, size_t max, size_t *count)
{
    if (!m || (!out && max) || !count)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("list", "-", m->ops->list(m->ctx, out, max, count));
    return rc;
}

kx_err kx_token_poll_event(kx_token_module *m, kx_token_event *ev)
{
    if (!m || !ev)
        return KX_ERR_INVALID_ARG;
    kx_token_info now[TOKEN_MAX_PRESENT];
    size_t n = 0;
    kx_err rc = kx_token_list(m, now, TOKEN_MAX_PRESENT, &n);
    if (rc)
        return rc;
    memset(ev, 0, sizeof(*ev));
    int found = 0;
    if (m->polled) {
        for (size_t i = 0; i < n && !found; i++) {
            int seen = 0;
            for (size_t j = 0; j < m->nlast; j++)
                seen |= strcmp(now[i].serial, m->last[j]) == 0;
            if (!seen) {
                ev->kind = KX_TOKEN_INSERTED;
                kx_strlcpy(ev->serial, now[i].serial, sizeof(ev->serial));
                found = 1;
            }
        }
        for (size_t j = 0; j < m->nlast && !found; j++) {
            int still = 0;
            for (size_t i = 0; i < n; i++)
                still |= strcmp(now[i].serial, m->last[j]) == 0;
            if (!still) {
                ev->kind = KX_TOKEN_REMOVED;
                kx_strlcpy(ev->serial, m->last[j], sizeof(ev->serial));
                found = 1;
            }
        }
    } else {
        /* the first poll reports every token present as inserted, one a call */
        if (n > 0) {
            ev->kind = KX_TOKEN_INSERTED;
            kx_strlcpy(ev->serial, now[0].serial, sizeof(ev->serial));
            found = 1;
            m->polled = 1;
            m->nlast = 1;
            kx_strlcpy(m->last[0], now[0].serial, sizeof(m->last[0]));
            return KX_OK;
        }
        m->polled = 1;
    }
    if (found) {
        /* record only the reported change, so each change is reported once */
        if (ev->kind == KX_TOKEN_INSERTED && m->nlast < TOKEN_MAX_PRESENT) {
            kx_strlcpy(m->last[m->nlast++], ev->serial, sizeof(m->last[0]));
        } else if (ev->kind == KX_TOKEN_REMOVED) {
            for (size_t j = 0; j < m->nlast; j++)
                if (strcmp(m->last[j], ev->serial) == 0) {
                    memmove(m->last[j], m->last[j + 1],
                            (m->nlast - j - 1) * sizeof(m->last[0]));
                    m->nlast--;
                    break;
                }
        }
        kx_log_info("token.event", "kind=%s serial=%s",
                    ev->kind == KX_TOKEN_INSERTED ? "inserted" : "removed", ev->serial);
        return KX_OK;
    }
    return KX_ERR_NOT_FOUND;
}

kx_err kx_token_wait_event(kx_token_module *m, long timeout_ms, kx_token_event *ev,
                           const char **how)
{
    if (!m || !ev || timeout_ms < 0)
        return KX_ERR_INVALID_ARG;
    kx_err rc =
        m->ops->wait_event ? m->ops->wait_event(m->ctx, timeout_ms, ev) : KX_ERR_UNSUPPORTED;
    if (how)
        *how = rc == KX_ERR_UNSUPPORTED ? "polling" : "events";
    if (rc == KX_OK)
        kx_log_info("token.event", "kind=%s serial=%s source=events",
                    ev->kind == KX_TOKEN_INSERTED ? "inserted" : "removed", ev->serial);
    if (rc != KX_ERR_UNSUPPORTED)
        return rc;
    /* no device events: look every 100 ms */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        rc = kx_token_poll_event(m, ev);
        if (rc != KX_ERR_NOT_FOUND)
            return rc;
        double left = (double)timeout_ms - token_ms_since(&t0);
        if (left <= 0)
            return KX_ERR_TIMEOUT;
        struct timespec ts = {0, (long)(left < 100 ? left : 100) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

kx_err kx_token_open(kx_token_module *m, const char *serial, kx_token **out)
{
    if (!m || !out)
        return KX_ERR_INVALID_ARG;
    char chosen[33] = "";
    if (serial) {
        kx_strlcpy(chosen, serial, sizeof(chosen));
    } else {
        kx_token_info list[TOKEN_MAX_PRESENT];
        size_t n = 0;
        kx_err rc = kx_token_list(m, list, TOKEN_MAX_PRESENT, &n);
        if (rc)
            return rc;
        if (n == 0)
            return KX_ERR_TOKEN_ABSENT;
        if (n > 1) {
            kx_err_set_detail("%zu tokens present: name one by serial", n);
            return KX_ERR_BUSY;
        }
        kx_strlcpy(chosen, list[0].serial, sizeof(chosen));
    }
    kx_token *t = calloc(1, sizeof(*t));
    if (!t)
        return KX_ERR_NO_MEMORY;
    t->m = m;
    kx_strlcpy(t->serial, chosen, sizeof(t->serial));
    kx_err rc;
    TOKEN_CALL("open", t->serial, m->ops->open(m->ctx, chosen, &t->tok));
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    return KX_OK;
}

void kx_token_close(kx_token *t)
{
    if (!t)
        return;
    t->m->ops->close(t->tok);
    free(t);
}

kx_err kx_token_get_info(kx_token *t, kx_token_info *out)
{
    if (!t || !out)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("info", t->serial, t->m->ops->info(t->tok, out));
    return rc;
}

kx_err kx_token_login(kx_token *t, const kx_secbuf *pin, unsigned *flags_out)
{
    return kx_token_login_tries(t, pin, flags_out, NULL);
}

kx_err kx_token_login_tries(kx_token *t, const kx_secbuf *pin, unsigned *flags_out,
                            int *tries_left)
{
    if (!t || !pin || pin->len == 0)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    int tries = -1;
    TOKEN_CALL("login", t->serial, t->m->ops->login(t->tok, pin, &tries));
    if (tries_left)
        *tries_left = tries;
    if (tries >= 0 && rc == KX_ERR_PIN_INCORRECT)
        kx_log_info("token.login", "serial=%s tries_left=%d", t->serial, tries);
    if (flags_out) {
        kx_token_info info;
        *flags_out = t->m->ops->info(t->tok, &info) == KX_OK ? info.flags : 0;
        /* some modules report a lock only through the flags */
        if (rc == KX_ERR_PIN_INCORRECT && (*flags_out & KX_TOKEN_PIN_LOCKED))
            rc = KX_ERR_PIN_LOCKED;
    }
    return rc;
}

kx_err kx_token_logout(kx_token *t)
{
    if (!t)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("logout", t->serial, t->m->ops->logout(t->tok));
    return rc;
}

kx_err kx_pin_policy_load(const kx_config *cfg, kx_pin_policy *out)
{
    long min, max;
    int simple;
    kx_err rc;
    if ((rc = kx_config_get_int(cfg, "token", "pin_min_len", 6, 4, 16, &min)))
        return rc;
    if ((rc = kx_config_get_int(cfg, "token", "pin_max_len", 8, min, 16, &max)))
        return rc;
    if ((rc = kx_config_get_bool(cfg, "token", "pin_reject_simple", 1, &simple)))
        return rc;
    out->min_len = (int)min;
    out->max_len = (int)max;
    out->reject_repeated = simple;
    out->reject_sequence = simple;
    return KX_OK;
}

kx_err kx_pin_policy_check(const kx_pin_policy *p, const kx_secbuf *pin)
{
    if (!p || !pin)
        return KX_ERR_INVALID_ARG;
    const unsigned char *d = pin->data;
    size_t n = pin->len;
    if ((int)n < p->min_len || (int)n > p->max_len) {
        kx_err_set_detail("PIN must have %d to %d digits", p->min_len, p->max_len);
        return KX_ERR_PIN_POLICY;
    }
    int same = 1, up = 1, down = 1;
    for (size_t i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9') {
            kx_err_set_detail("PIN must be digits only");
            return KX_ERR_PIN_POLICY;
        }
        if (i) {
            same &= d[i] == d[0];
            up &= d[i] == d[i - 1] + 1;
            down &= d[i] + 1 == d[i - 1];
        }
    }
    if (p->reject_repeated && same) {
        kx_err_set_detail("PIN is one repeated digit");
        return KX_ERR_PIN_POLICY;
    }
    if (p->reject_sequence && (up || down)) {
        kx_err_set_detail("PIN is a simple sequence");
        return KX_ERR_PIN_POLICY;
    }
    return KX_OK;
}

kx_err kx_token_change_pin(kx_token *t, const kx_pin_policy *p, const kx_secbuf *old_pin,
                           const kx_secbuf *new_pin)
{
    if (!t || !p || !old_pin || !new_pin)
        return KX_ERR_INVALID_ARG;
    kx_err rc = kx_pin_policy_check(p, new_pin);
    if (rc)
        return rc;
    TOKEN_CALL("set_pin", t->serial, t->m->ops->set_pin(t->tok, old_pin, new_pin));
    return rc;
}

kx_err kx_token_reset_pin(kx_token *t, const kx_pin_policy *p, const kx_secbuf *so_pin,
                          const kx_secbuf *new_pin)
{
    if (!t || !p || !so_pin || !new_pin)
        return KX_ERR_INVALID_ARG;
    kx_err rc = kx_pin_policy_check(p, new_pin);
    if (rc)
        return rc;
    TOKEN_CALL("reset_pin", t->serial, t->m->ops->reset_pin(t->tok, so_pin, new_pin));
    return rc;
}

kx_err kx_token_list_certs(kx_token *t, kx_token_certs *out)
{
    if (!t || !out)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("certs", t->serial, t->m->ops->certs(t->tok, out));
    if (rc)
        kx_token_certs_free(out);
    return rc;
}

void kx_token_certs_free(kx_token_certs *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        free(c->items[i].der);
    free(c->items);
    c->items = NULL;
    c->count = 0;
}

kx_err kx_token_generate_key(kx_token *t, kx_key_type type, unsigned char *id, size_t *id_len)
{
    if (!t || !id || !id_len ||
        (type != KX_KEY_EC_P256 && type != KX_KEY_RSA_2048 && type != KX_KEY_SM2))
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("keygen", t->serial,
               t->m->ops->keygen(t->tok, type, KX_TOKEN_PENDING_LABEL, id, id_len));
    return rc;
}

kx_err kx_token_make_csr(kx_token *t, const unsigned char *id, size_t id_len,
                         const char *company, const char *credit_code, const char *common_name,
                         char **csr_pem)
{
    if (!t || !id || !id_len || !csr_pem)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("csr", t->serial,
               t->m->ops->csr(t->tok, id, id_len, company, credit_code, common_name, csr_pem));
    return rc;
}

kx_err kx_token_install_cert(kx_token *t, const char *cert_pem, const char *label,
                             unsigned char *id, size_t *id_len)
{
    if (!t || !cert_pem || !label)
        return KX_ERR_INVALID_ARG;
    unsigned char tmp[KX_TOKEN_ID_MAX];
    size_t tmp_len = 0;
    kx_err rc;
    TOKEN_CALL("install", t->serial,
               t->m->ops->install(t->tok, cert_pem, label, tmp, &tmp_len));
    if (!rc && id && id_len) {
        memcpy(id, tmp, tmp_len);
        *id_len = tmp_len;
    }
    return rc;
}

kx_err kx_token_verify_pair(kx_token *t, const unsigned char *id, size_t id_len)
{
    if (!t || !id || !id_len)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("verify", t->serial, t->m->ops->verify_pair(t->tok, id, id_len));
    return rc;
}

kx_err kx_token_delete_id(kx_token *t, const unsigned char *id, size_t id_len)
{
    if (!t || !id || !id_len)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("delete", t->serial, t->m->ops->delete_id(t->tok, id, id_len));
    return rc;
}

kx_err kx_token_relabel(kx_token *t, const unsigned char *id, size_t id_len, const char *label)
{
    if (!t || !id || !id_len || !label)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("relabel", t->serial, t->m->ops->relabel(t->tok, id, id_len, label));
    return rc;
}

kx_err kx_token_cleanup(kx_token *t, int *removed)
{
    if (!t)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("cleanup", t->serial, t->m->ops->cleanup(t->tok, removed));
    return rc;
}

kx_err kx_token_renew_commit(kx_token *t, const unsigned char *new_id, size_t new_len,
                             const unsigned char *old_id, size_t old_len, const char *label)
{
    if (!t || !new_id || !new_len || !label)
        return KX_ERR_INVALID_ARG;
    /* new pair proven first; the old one goes only after that */
    kx_err rc = kx_token_verify_pair(t, new_id, new_len);
    if (!rc)
        rc = kx_token_relabel(t, new_id, new_len, label);
    if (!rc && old_id && old_len &&
        !(old_len == new_len && memcmp(old_id, new_id, new_len) == 0))
        rc = kx_token_delete_id(t, old_id, old_len);
    if (!rc)
        kx_log_info("token.renewed", "serial=%s", t->serial);
    return rc;
}

kx_err kx_token_sign(kx_token *t, const unsigned char *id, size_t id_len,
                     const unsigned char *data, size_t len, unsigned char **sig,
                     size_t *sig_len)
{
    if (!t || !id || !id_len || (!data && len) || !sig || !sig_len)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("sign", t->serial, t->m->ops->sign(t->tok, id, id_len, data, len, sig, sig_len));
    return rc;
}

kx_err kx_token_init_blank(kx_token *t, const kx_pin_policy *p, const kx_secbuf *so_pin,
                           const kx_secbuf *user_pin)
{
    if (!t || !p || !so_pin || !user_pin || so_pin->len == 0)
        return KX_ERR_INVALID_ARG;
    kx_err rc = kx_pin_policy_check(p, user_pin);
    if (rc)
        return rc;
    TOKEN_CALL("init", t->serial, t->m->ops->init_blank(t->tok, so_pin, user_pin));
    return rc;
}

kx_err kx_token_import_enc_keypair(kx_token *t, const unsigned char *id, size_t id_len,
                                   const unsigned char *envelope, size_t len)
{
    if (!t || !id || !id_len || !envelope || !len)
        return KX_ERR_INVALID_ARG;
    kx_err rc;
    TOKEN_CALL("import_enc", t->serial,
               t->m->ops->import_enc(t->tok, id, id_len, envelope, len));
    return rc;
}

/* token_data_name_ok - 1..31 printable ASCII characters, no '/' */
static int token_data_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 31)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] <= ' ' || name[i] > '~' || name[i] == '/')
            return 0;
    return 1;
}

kx_err kx_token_write_data(kx_token *t, const char *name, const unsigned char *data, size_t len)
{
    if (!t || !token_data_name_ok(name) || (!data && len))
        return KX_ERR_INVALID_ARG;
    if (len > KX_TOKEN_DATA_MAX)
        return KX_ERR_TOO_LARGE;
    kx_err rc;
    TOKEN_CALL("write_data", t->serial, t->m->ops->write_data(t->tok, name, data, len));
    return rc;
}

kx_err kx_token_read_data(kx_token *t, const char *name, unsigned char **data, size_t *len)
{
    if (!t || !token_data_name_ok(name) || !data || !len)
        return KX_ERR_INVALID_ARG;
    *data = NULL;
    *len = 0;
    kx_err rc;
    TOKEN_CALL("read_data", t->serial, t->m->ops->read_data(t->tok, name, data, len));
    return rc;
}

const char *kx_key_type_name(kx_key_type t)
{
    return t == KX_KEY_RSA_2048 ? "RSA 2048" : t == KX_KEY_SM2 ? "SM2" : "EC P-256";
}
