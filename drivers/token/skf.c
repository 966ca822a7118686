/* SPDX-License-Identifier: MIT */
/*
 * skf.c - token back-end for GM/T 0016-2012 SKF vendor libraries (Longmai,
 * Feitian, Haitai UKEYs; skf-soft in tests), loaded with dlopen: SM2 dual
 * certificates in containers of one application.
 *
 * Map of this file:
 *   1. library loading, return values, settings
 *   2. devices, applications, PINs
 *   3. containers, labels (an application file), named data
 *   4. SM2 helpers: public keys, Z value, signatures on the token
 *   5. certificates, key generation, CSR
 *   6. install, enveloped import, verify, delete, relabel, cleanup
 *   7. device events: SKF_WaitForDevEvent on a thread of the module
 *
 * Never logs a PIN; a PIN is copied into a local buffer only to add the
 * NUL the SKF API wants, and wiped after the call. Every blob the library
 * returns goes through skf_blob.c's length-checked parsers. The library is
 * never trusted to NUL-terminate: name lists are walked within their size.
 */
#include <dlfcn.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends.h"
#include "core/log.h"
#include "core/str.h"
#include "skf_blob.h"

/* ---- 1. library loading, return values, settings ------------------------ */

typedef uint32_t skf_ulong;
typedef int32_t skf_bool;

typedef struct skf_block_param { /* BLOCKCIPHERPARAM, passed by value */
    uint8_t iv[32];
    skf_ulong iv_len, padding, feed_bits;
} skf_block_param;

struct skf_fns {
    skf_ulong (*EnumDev)(skf_bool, char *, skf_ulong *);
    skf_ulong (*ConnectDev)(char *, void **);
    skf_ulong (*DisConnectDev)(void *);
    skf_ulong (*GetDevInfo)(void *, void *);
    skf_ulong (*GenRandom)(void *, uint8_t *, skf_ulong);
    skf_ulong (*DevAuth)(void *, uint8_t *, skf_ulong);
    skf_ulong (*GetPINInfo)(void *, skf_ulong, skf_ulong *, skf_ulong *, skf_bool *);
    skf_ulong (*VerifyPIN)(void *, skf_ulong, char *, skf_ulong *);
    skf_ulong (*ChangePIN)(void *, skf_ulong, char *, char *, skf_ulong *);
    skf_ulong (*UnblockPIN)(void *, char *, char *, skf_ulong *);
    skf_ulong (*ClearSecureState)(void *);
    skf_ulong (*EnumApplication)(void *, char *, skf_ulong *);
    skf_ulong (*CreateApplication)(void *, char *, char *, skf_ulong, char *, skf_ulong,
                                   skf_ulong, void **);
    skf_ulong (*OpenApplication)(void *, char *, void **);
    skf_ulong (*CloseApplication)(void *);
    skf_ulong (*CreateFile)(void *, char *, skf_ulong, skf_ulong, skf_ulong);
    skf_ulong (*DeleteFile)(void *, char *);
    skf_ulong (*EnumFiles)(void *, char *, skf_ulong *);
    skf_ulong (*ReadFile)(void *, char *, skf_ulong, skf_ulong, uint8_t *, skf_ulong *);
    skf_ulong (*WriteFile)(void *, char *, skf_ulong, uint8_t *, skf_ulong);
    skf_ulong (*EnumContainer)(void *, char *, skf_ulong *);
    skf_ulong (*CreateContainer)(void *, char *, void **);
    skf_ulong (*OpenContainer)(void *, char *, void **);
    skf_ulong (*CloseContainer)(void *);
    skf_ulong (*DeleteContainer)(void *, char *);
    skf_ulong (*ImportCertificate)(void *, skf_bool, uint8_t *, skf_ulong);
    skf_ulong (*ExportCertificate)(void *, skf_bool, uint8_t *, skf_ulong *);
    skf_ulong (*ExportPublicKey)(void *, skf_bool, uint8_t *, skf_ulong *);
    skf_ulong (*GenECCKeyPair)(void *, skf_ulong, uint8_t *);
    skf_ulong (*ImportECCKeyPair)(void *, uint8_t *);
    skf_ulong (*ECCSignData)(void *, uint8_t *, skf_ulong, uint8_t *);
    skf_ulong (*ECCExportSessionKey)(void *, skf_ulong, uint8_t *, uint8_t *, void **);
    skf_ulong (*ImportSessionKey)(void *, skf_ulong, uint8_t *, skf_ulong, void **);
    skf_ulong (*EncryptInit)(void *, skf_block_param);
    skf_ulong (*Encrypt)(void *, uint8_t *, skf_ulong, uint8_t *, skf_ulong *);
    skf_ulong (*CloseHandle)(void *);
};

#define SKF_FN(name)                                                                           \
    {                                                                                          \
        "SKF_" #name, offsetof(struct skf_fns, name)                                           \
    }
static const struct {
    const char *sym;
    size_t off;
} skf_symbols[] = {
    SKF_FN(EnumDev),           SKF_FN(ConnectDev),
    SKF_FN(DisConnectDev),     SKF_FN(GetDevInfo),
    SKF_FN(GenRandom),         SKF_FN(DevAuth),
    SKF_FN(GetPINInfo),        SKF_FN(VerifyPIN),
    SKF_FN(ChangePIN),         SKF_FN(UnblockPIN),
    SKF_FN(ClearSecureState),  SKF_FN(EnumApplication),
    SKF_FN(CreateApplication), SKF_FN(OpenApplication),
    SKF_FN(CloseApplication),  SKF_FN(CreateFile),
    SKF_FN(DeleteFile),        SKF_FN(EnumFiles),
    SKF_FN(ReadFile),          SKF_FN(WriteFile),
    SKF_FN(EnumContainer),     SKF_FN(CreateContainer),
    SKF_FN(OpenContainer),     SKF_FN(CloseContainer),
    SKF_FN(DeleteContainer),   SKF_FN(ImportCertificate),
    SKF_FN(ExportCertificate), SKF_FN(ExportPublicKey),
    SKF_FN(GenECCKeyPair),     SKF_FN(ImportECCKeyPair),
    SKF_FN(ECCSignData),       SKF_FN(ECCExportSessionKey),
    SKF_FN(ImportSessionKey),  SKF_FN(EncryptInit),
    SKF_FN(Encrypt),           SKF_FN(CloseHandle),
};

#define SAR_OK 0u
#define SAR_BUFFER_TOO_SMALL 0x0A000020u
#define SAR_DEVICE_REMOVED 0x0A000023u
#define SAR_PIN_INCORRECT 0x0A000024u
#define SAR_PIN_LOCKED 0x0A000025u
#define SAR_PIN_INVALID 0x0A000026u
#define SAR_PIN_LEN_RANGE 0x0A000027u
#define SAR_USER_ALREADY_LOGGED_IN 0x0A000028u
#define SAR_USER_NOT_LOGGED_IN 0x0A00002Du
#define SAR_APPLICATION_NOT_EXISTS 0x0A00002Eu
#define SAR_FILE_NOT_EXIST 0x0A000031u
#define SAR_NO_ROOM 0x0A000030u
#define SAR_CERTNOTFOUNTERR 0x0A00001Cu
#define SAR_KEYNOTFOUNTERR 0x0A00001Bu
#define SKF_ADMIN_TYPE 0
#define SKF_USER_TYPE 1
#define SKF_SECURE_USER 0x10u
#define SKF_SECURE_ANYONE 0xFFu
#define SKF_NAME_MAX 64
#define SKF_LIST_MAX 8192
#define SKF_LABELS_FILE "kxlabels"
#define SKF_LABELS_SIZE 4096
#define SKF_DEFAULT_APP "JXCA"
#define SKF_PIN_RETRIES 10
#define SKF_MAX_CONTAINERS 32

#define SKF_EV_QUEUE 32
#define SKF_EV_DEVS 32

/* device events (section 7): the watcher thread blocks in
 * SKF_WaitForDevEvent and queues what it reports; the module's caller
 * (kx_token_wait_event) takes them, with the serial of each device */
struct skf_events {
    skf_ulong (*wait)(char *, skf_ulong *, skf_ulong *); /* NULL: the library has none */
    skf_ulong (*cancel)(void);
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int started, stop, exited, overflow;
    struct {
        char name[SKF_NAME_MAX];
        int kind; /* 1 inserted, 2 removed (GM/T 0016) */
    } q[SKF_EV_QUEUE];
    size_t qn;
    /* the caller's side: devices reported as present (name, serial) */
    int primed;
    struct {
        char name[SKF_NAME_MAX];
        char serial[33];
    } known[SKF_EV_DEVS];
    size_t nknown;
};

struct skf_ctx {
    void *dl;
    struct skf_fns f;
    char app[SKF_NAME_MAX]; /* "" : the first application */
    uint8_t devauth[16];
    struct skf_events ev;
};

struct skf_tok {
    struct skf_ctx *c;
    void *dev, *app;
    char devname[SKF_NAME_MAX];
};

static kx_err skf_map(skf_ulong rv, const char *what)
{
    if (rv == SAR_OK)
        return KX_OK;
    kx_err_set_detail("%s: SAR 0x%08lx", what, (unsigned long)rv);
    switch (rv) {
    case SAR_PIN_INCORRECT:
        return KX_ERR_PIN_INCORRECT;
    case SAR_PIN_LOCKED:
        return KX_ERR_PIN_LOCKED;
    case SAR_PIN_INVALID:
    case SAR_PIN_LEN_RANGE:
        return KX_ERR_PIN_POLICY;
    case SAR_DEVICE_REMOVED:
        return KX_ERR_TOKEN_REMOVED;
    case SAR_USER_NOT_LOGGED_IN:
        return KX_ERR_STATE;
    case SAR_NO_ROOM:
        return KX_ERR_TOKEN_FULL;
    case SAR_APPLICATION_NOT_EXISTS:
    case SAR_FILE_NOT_EXIST:
    case SAR_CERTNOTFOUNTERR:
    case SAR_KEYNOTFOUNTERR:
        return KX_ERR_NOT_FOUND;
    default:
        return KX_ERR_TOKEN;
    }
}

static kx_err skf_load(const char *path, void **out)
{
    struct skf_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return KX_ERR_NO_MEMORY;
    c->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!c->dl) {
        kx_err_set_detail("cannot load SKF library %s: %s", path, dlerror());
        free(c);
        return KX_ERR_CONFIG;
    }
    for (size_t i = 0; i < sizeof(skf_symbols) / sizeof(skf_symbols[0]); i++) {
        void *sym = dlsym(c->dl, skf_symbols[i].sym);
        if (!sym) {
            kx_err_set_detail("%s is not an SKF library: no %s", path, skf_symbols[i].sym);
            dlclose(c->dl);
            free(c);
            return KX_ERR_CONFIG;
        }
        memcpy((char *)&c->f + skf_symbols[i].off, &sym, sizeof(sym));
    }
    /* device events are optional: without both, kx_token_wait_event polls */
    void *w = dlsym(c->dl, "SKF_WaitForDevEvent"),
         *x = dlsym(c->dl, "SKF_CancelWaitForDevEvent");
    if (w && x) {
        memcpy(&c->ev.wait, &w, sizeof(w));
        memcpy(&c->ev.cancel, &x, sizeof(x));
    }
    pthread_mutex_init(&c->ev.mu, NULL);
    pthread_cond_init(&c->ev.cv, NULL);
    memcpy(c->devauth, KX_TOKEN_SM2_ID, 16);
    *out = c;
    return KX_OK;
}

static kx_err skf_configure(void *ctx, const kx_config *cfg)
{
    struct skf_ctx *c = ctx;
    if (!cfg)
        return KX_OK;
    const char *app = kx_config_get_str(cfg, "token", "skf_application", "");
    const char *key = kx_config_get_str(cfg, "token", "skf_devauth_key", NULL);
    if (strlen(app) >= sizeof(c->app)) {
        kx_err_set_detail("[token] skf_application is too long");
        return KX_ERR_CONFIG;
    }
    kx_strlcpy(c->app, app, sizeof(c->app));
    if (key) {
        for (size_t i = 0; i < 16; i++) {
            unsigned v;
            if (strlen(key) != 32 || sscanf(key + 2 * i, "%2x", &v) != 1) {
                kx_err_set_detail("[token] skf_devauth_key must be 32 hex digits");
                return KX_ERR_CONFIG;
            }
            c->devauth[i] = (uint8_t)v;
        }
    }
    return KX_OK;
}

static int skf_events_stop(struct skf_ctx *c);

static void skf_unload(void *ctx)
{
    struct skf_ctx *c = ctx;
    if (!c)
        return;
    explicit_bzero(c->devauth, sizeof(c->devauth));
    /* a watcher that does not leave SKF_WaitForDevEvent keeps the library
     * mapped and its context allocated (both are in use) */
    if (!skf_events_stop(c))
        return;
    dlclose(c->dl);
    pthread_mutex_destroy(&c->ev.mu);
    pthread_cond_destroy(&c->ev.cv);
    free(c);
}

/* skf_fetch - the two-call read of the SKF API (size, then data) from
 * fn(handle, buf, &size): at most max bytes, malloc'd in *out (2 NULs
 * beyond *len) with its length; skf_names for name lists */
static kx_err skf_fetch(skf_ulong (*fn)(void *, char *, skf_ulong *), void *h, size_t max,
                        char **out, size_t *len, const char *what)
{
    skf_ulong size = 0;
    kx_err rc = skf_map(fn(h, NULL, &size), what);
    if (rc)
        return rc;
    if (size > max) {
        kx_err_set_detail("%s: %lu bytes", what, (unsigned long)size);
        return KX_ERR_TOKEN;
    }
    char *buf = calloc(1, (size_t)size + 2);
    if (!buf)
        return KX_ERR_NO_MEMORY;
    skf_ulong got = size;
    rc = skf_map(fn(h, buf, &got), what);
    if (!rc && got > size)
        rc = KX_ERR_TOKEN;
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = got;
    return KX_OK;
}

static kx_err skf_names(skf_ulong (*fn)(void *, char *, skf_ulong *), void *h, char **out,
                        size_t *len, const char *what)
{
    return skf_fetch(fn, h, SKF_LIST_MAX, out, len, what);
}

/* skf_enum_dev_present - SKF_EnumDev(TRUE) in skf_fetch's shape */
static skf_ulong skf_enum_dev_present(void *ctx, char *buf, skf_ulong *size)
{
    struct skf_ctx *c = ctx;
    return c->f.EnumDev(1, buf, size);
}

/* ---- 2. devices, applications, PINs ------------------------------------- */

static void skf_name_copy(char *dst, const char *src, size_t n)
{
    size_t k = n < SKF_NAME_MAX - 1 ? n : SKF_NAME_MAX - 1;
    memcpy(dst, src, k);
    dst[k] = '\0';
}

/* skf_dev_info - DEVINFO of an open device, parsed (a buffer larger than
 * any vendor's DEVINFO, zeroed, so a short one reads as empty fields) */
static kx_err skf_dev_info(struct skf_ctx *c, void *dev, kx_skf_devinfo *out)
{
    uint8_t buf[1024] = {0};
    kx_err rc = skf_map(c->f.GetDevInfo(dev, buf), "SKF_GetDevInfo");
    return rc ? rc : kx_skf_devinfo_parse(buf, sizeof(buf), out);
}

/* skf_app_open - the configured (or first) application, or KX_ERR_STATE
 * "blank" when the UKEY has none */
static kx_err skf_app_open(struct skf_tok *t)
{
    if (t->app)
        return KX_OK;
    char name[SKF_NAME_MAX];
    kx_err rc = KX_OK;
    if (t->c->app[0]) {
        kx_strlcpy(name, t->c->app, sizeof(name));
    } else {
        char *list = NULL;
        size_t len = 0, pos = 0, nl = 0;
        const char *n = NULL;
        rc = skf_names(t->c->f.EnumApplication, t->dev, &list, &len, "SKF_EnumApplication");
        if (!rc)
            rc = kx_skf_namelist_next(list, len, &pos, &n, &nl);
        if (!rc)
            skf_name_copy(name, n, nl);
        free(list);
        if (rc == KX_ERR_NOT_FOUND || rc == KX_ERR_BAD_FORMAT) {
            kx_err_set_detail("blank UKEY: no application");
            return KX_ERR_STATE;
        }
        if (rc)
            return rc;
    }
    rc = skf_map(t->c->f.OpenApplication(t->dev, name, &t->app), "SKF_OpenApplication");
    if (rc == KX_ERR_NOT_FOUND) {
        kx_err_set_detail("blank UKEY: no application %s", name);
        rc = KX_ERR_STATE;
    }
    return rc;
}

/* skf_fill_info - token info of an open device (application state too) */
static kx_err skf_fill_info(struct skf_tok *t, const char *devname, kx_token_info *out)
{
    kx_skf_devinfo di;
    kx_err rc = skf_dev_info(t->c, t->dev, &di);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    kx_strlcpy(out->serial, di.serial[0] ? di.serial : devname, sizeof(out->serial));
    kx_strlcpy(out->label, di.label, sizeof(out->label));
    kx_strlcpy(out->manufacturer, di.manufacturer, sizeof(out->manufacturer));
    kx_strlcpy(out->model, "SKF UKEY", sizeof(out->model));
    out->min_pin_len = 6;
    out->max_pin_len = 16;
    out->pin_tries_left = -1;
    out->pin_tries_max = -1;
    rc = skf_app_open(t);
    if (rc == KX_ERR_STATE)
        return KX_OK; /* blank: no flags */
    if (rc)
        return rc;
    skf_ulong max = 0, left = 0, amax = 0, aleft = 0;
    skf_bool def = 0, adef = 0;
    if ((rc = skf_map(t->c->f.GetPINInfo(t->app, SKF_USER_TYPE, &max, &left, &def),
                      "SKF_GetPINInfo")))
        return rc;
    if ((rc = skf_map(t->c->f.GetPINInfo(t->app, SKF_ADMIN_TYPE, &amax, &aleft, &adef),
                      "SKF_GetPINInfo")))
        return rc;
    unsigned f = KX_TOKEN_INITIALIZED | KX_TOKEN_USER_PIN_SET;
    if (left < max)
        f |= KX_TOKEN_PIN_COUNT_LOW;
    if (left == 1)
        f |= KX_TOKEN_PIN_FINAL_TRY;
    if (left == 0)
        f |= KX_TOKEN_PIN_LOCKED;
    if (def)
        f |= KX_TOKEN_PIN_TO_BE_CHANGED;
    if (aleft == 0)
        f |= KX_TOKEN_SO_PIN_LOCKED;
    out->flags = f;
    out->pin_tries_left = (int)(left > 99 ? 99 : left);
    out->pin_tries_max = (int)(max > 99 ? 99 : max);
    return KX_OK;
}

static void skf_close(void *tok)
{
    struct skf_tok *t = tok;
    if (!t)
        return;
    if (t->app)
        t->c->f.CloseApplication(t->app);
    if (t->dev)
        t->c->f.DisConnectDev(t->dev);
    free(t);
}

/* skf_connect - a token handle on device `name` */
static kx_err skf_connect(struct skf_ctx *c, const char *name, struct skf_tok **out)
{
    struct skf_tok *t = calloc(1, sizeof(*t));
    if (!t)
        return KX_ERR_NO_MEMORY;
    t->c = c;
    kx_strlcpy(t->devname, name, sizeof(t->devname));
    kx_err rc = skf_map(c->f.ConnectDev(t->devname, &t->dev), "SKF_ConnectDev");
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    return KX_OK;
}

/* skf_each_dev - call fn for every present device until it returns nonzero */
static kx_err skf_each_dev(struct skf_ctx *c, int (*fn)(void *, struct skf_tok *, const char *),
                           void *arg)
{
    char *list = NULL;
    size_t len = 0, pos = 0, nl;
    const char *n;
    kx_err rc = skf_names(skf_enum_dev_present, c, &list, &len, "SKF_EnumDev");
    while (!rc && (rc = kx_skf_namelist_next(list, len, &pos, &n, &nl)) == KX_OK) {
        char name[SKF_NAME_MAX];
        skf_name_copy(name, n, nl);
        struct skf_tok *t = NULL;
        if (skf_connect(c, name, &t))
            continue; /* pulled between the two calls */
        int stop = fn(arg, t, name);
        skf_close(t);
        if (stop)
            break;
    }
    free(list);
    return rc == KX_ERR_NOT_FOUND ? KX_OK : rc;
}

struct skf_list_arg {
    kx_token_info *out;
    size_t max, k;
    const char *want; /* open: the serial looked for */
    char found[SKF_NAME_MAX];
};

static int skf_list_one(void *arg, struct skf_tok *t, const char *name)
{
    struct skf_list_arg *a = arg;
    kx_token_info info;
    if (skf_fill_info(t, name, &info))
        return 0;
    if (a->want) {
        if (strcmp(info.serial, a->want) == 0) {
            kx_strlcpy(a->found, name, sizeof(a->found));
            return 1;
        }
        return 0;
    }
    if (a->k < a->max)
        a->out[a->k] = info;
    a->k++;
    return 0;
}

static kx_err skf_list(void *ctx, kx_token_info *out, size_t max, size_t *count)
{
    struct skf_list_arg a = {out, max, 0, NULL, ""};
    kx_err rc = skf_each_dev(ctx, skf_list_one, &a);
    if (!rc)
        *count = a.k < max ? a.k : max;
    return rc;
}

static kx_err skf_open(void *ctx, const char *serial, void **out)
{
    struct skf_list_arg a = {NULL, 0, 0, serial, ""};
    kx_err rc = skf_each_dev(ctx, skf_list_one, &a);
    if (rc)
        return rc;
    if (!a.found[0])
        return KX_ERR_TOKEN_ABSENT;
    struct skf_tok *t = NULL;
    rc = skf_connect(ctx, a.found, &t);
    if (!rc)
        *out = t;
    return rc;
}

static kx_err skf_info(void *tok, kx_token_info *out)
{
    struct skf_tok *t = tok;
    return skf_fill_info(t, t->devname, out);
}

/* skf_pin - a NUL-terminated copy of a PIN (wiped by skf_pin_wipe) */
static kx_err skf_pin(const kx_secbuf *pin, char out[33])
{
    if (!pin || pin->len == 0 || pin->len > 32 || memchr(pin->data, '\0', pin->len))
        return KX_ERR_PIN_POLICY;
    memcpy(out, pin->data, pin->len);
    out[pin->len] = '\0';
    return KX_OK;
}

static kx_err skf_login(void *tok, const kx_secbuf *pin, int *tries_left)
{
    struct skf_tok *t = tok;
    char p[33];
    skf_ulong left = 0;
    *tries_left = -1;
    kx_err rc = skf_app_open(t);
    if (!rc)
        rc = skf_pin(pin, p);
    if (rc)
        return rc;
    rc = skf_map(t->c->f.VerifyPIN(t->app, SKF_USER_TYPE, p, &left), "SKF_VerifyPIN");
    explicit_bzero(p, sizeof(p));
    if (rc == KX_ERR_PIN_INCORRECT || rc == KX_ERR_PIN_LOCKED)
        *tries_left = (int)(left > 99 ? 99 : left);
    if (rc == KX_ERR_PIN_INCORRECT && left == 0)
        rc = KX_ERR_PIN_LOCKED;
    return rc;
}

static kx_err skf_logout(void *tok)
{
    struct skf_tok *t = tok;
    return t->app ? skf_map(t->c->f.ClearSecureState(t->app), "SKF_ClearSecureState") : KX_OK;
}

static kx_err skf_set_pin(void *tok, const kx_secbuf *old_pin, const kx_secbuf *new_pin)
{
    struct skf_tok *t = tok;
    char o[33], n[33];
    skf_ulong left = 0;
    kx_err rc = skf_app_open(t);
    if (!rc && !(rc = skf_pin(old_pin, o)) && !(rc = skf_pin(new_pin, n)))
        rc = skf_map(t->c->f.ChangePIN(t->app, SKF_USER_TYPE, o, n, &left), "SKF_ChangePIN");
    explicit_bzero(o, sizeof(o));
    explicit_bzero(n, sizeof(n));
    return rc;
}

static kx_err skf_reset_pin(void *tok, const kx_secbuf *so_pin, const kx_secbuf *new_pin)
{
    struct skf_tok *t = tok;
    char a[33], n[33];
    skf_ulong left = 0;
    kx_err rc = skf_app_open(t);
    if (!rc && !(rc = skf_pin(so_pin, a)) && !(rc = skf_pin(new_pin, n)))
        rc = skf_map(t->c->f.UnblockPIN(t->app, a, n, &left), "SKF_UnblockPIN");
    explicit_bzero(a, sizeof(a));
    explicit_bzero(n, sizeof(n));
    /* a wrong admin PIN is a refused authorisation, as on PKCS#11 */
    return rc == KX_ERR_PIN_INCORRECT ? KX_ERR_PERMISSION : rc;
}

static kx_err skf_init_blank(void *tok, const kx_secbuf *so_pin, const kx_secbuf *user_pin)
{
    struct skf_tok *t = tok;
    kx_err rc = skf_app_open(t);
    if (rc != KX_ERR_STATE) {
        if (!rc)
            kx_err_set_detail("the UKEY already has an application");
        return rc ? rc : KX_ERR_STATE;
    }
    /* device authentication: SM4-ECB of the device's challenge under the
     * device authentication key */
    uint8_t rnd[16] = {0}, auth[16];
    int ol = 0;
    rc = skf_map(t->c->f.GenRandom(t->dev, rnd, 8), "SKF_GenRandom");
    memset(rnd + 8, 0, 8);
    EVP_CIPHER_CTX *cc = rc ? NULL : EVP_CIPHER_CTX_new();
    if (!rc && (!cc || EVP_EncryptInit_ex(cc, EVP_sm4_ecb(), NULL, t->c->devauth, NULL) != 1 ||
                EVP_CIPHER_CTX_set_padding(cc, 0) != 1 ||
                EVP_EncryptUpdate(cc, auth, &ol, rnd, 16) != 1 || ol != 16))
        rc = KX_ERR_INTERNAL;
    EVP_CIPHER_CTX_free(cc);
    if (!rc && t->c->f.DevAuth(t->dev, auth, 16) != SAR_OK) {
        kx_err_set_detail("device authentication refused (wrong skf_devauth_key?)");
        rc = KX_ERR_PERMISSION;
    }
    char a[33], u[33], name[SKF_NAME_MAX];
    kx_strlcpy(name, t->c->app[0] ? t->c->app : SKF_DEFAULT_APP, sizeof(name));
    if (!rc && !(rc = skf_pin(so_pin, a)) && !(rc = skf_pin(user_pin, u)))
        rc = skf_map(t->c->f.CreateApplication(t->dev, name, a, SKF_PIN_RETRIES, u,
                                               SKF_PIN_RETRIES, SKF_SECURE_ANYONE, &t->app),
                     "SKF_CreateApplication");
    explicit_bzero(a, sizeof(a));
    explicit_bzero(u, sizeof(u));
    return rc;
}

/* ---- 3. containers, labels, named data ----------------------------------- */

/* skf_id_name - a container name from an id (1..63 bytes, no NUL) */
static kx_err skf_id_name(const unsigned char *id, size_t id_len, char out[SKF_NAME_MAX])
{
    if (id_len == 0 || id_len >= SKF_NAME_MAX || memchr(id, '\0', id_len))
        return KX_ERR_INVALID_ARG;
    memcpy(out, id, id_len);
    out[id_len] = '\0';
    return KX_OK;
}

/* skf_containers - the container names, at most SKF_MAX_CONTAINERS */
static kx_err skf_containers(struct skf_tok *t, char names[][SKF_NAME_MAX], size_t *n)
{
    char *list = NULL;
    size_t len = 0, pos = 0, nl;
    const char *s;
    *n = 0;
    kx_err rc = skf_app_open(t);
    if (!rc)
        rc = skf_names(t->c->f.EnumContainer, t->app, &list, &len, "SKF_EnumContainer");
    while (!rc && *n < SKF_MAX_CONTAINERS &&
           (rc = kx_skf_namelist_next(list, len, &pos, &s, &nl)) == KX_OK)
        if (nl > 0 && nl < SKF_NAME_MAX)
            skf_name_copy(names[(*n)++], s, nl);
    free(list);
    return rc == KX_ERR_NOT_FOUND ? KX_OK : rc;
}

static kx_err skf_con_open(struct skf_tok *t, const char *name, void **con)
{
    char names[SKF_MAX_CONTAINERS][SKF_NAME_MAX];
    size_t n = 0;
    kx_err rc = skf_containers(t, names, &n);
    if (rc)
        return rc;
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found |= strcmp(names[i], name) == 0;
    if (!found) {
        kx_err_set_detail("no container %s", name);
        return KX_ERR_NOT_FOUND;
    }
    char copy[SKF_NAME_MAX];
    kx_strlcpy(copy, name, sizeof(copy));
    return skf_map(t->c->f.OpenContainer(t->app, copy, con), "SKF_OpenContainer");
}

/* Named data lives in an application file: a 4-byte little-endian length,
 * then the bytes (SKF files have a fixed size, set at creation). */
static kx_err skf_file_read(struct skf_tok *t, const char *name, unsigned char **data,
                            size_t *len)
{
    char *list = NULL, fname[32];
    size_t llen = 0, pos = 0, nl;
    const char *s;
    int found = 0;
    kx_err rc = skf_app_open(t);
    if (!rc)
        rc = skf_names(t->c->f.EnumFiles, t->app, &list, &llen, "SKF_EnumFiles");
    while (!rc && !found && kx_skf_namelist_next(list, llen, &pos, &s, &nl) == KX_OK)
        found = nl == strlen(name) && memcmp(s, name, nl) == 0;
    free(list);
    if (rc)
        return rc;
    if (!found)
        return KX_ERR_NOT_FOUND;
    kx_strlcpy(fname, name, sizeof(fname));
    uint8_t hdr[4];
    skf_ulong got = sizeof(hdr);
    if ((rc = skf_map(t->c->f.ReadFile(t->app, fname, 0, 4, hdr, &got), "SKF_ReadFile")))
        return rc;
    uint32_t n = got == 4 ? kx_skf_get_u32(hdr) : UINT32_MAX;
    if (n > KX_TOKEN_DATA_MAX) {
        kx_err_set_detail("file %s: bad length", name);
        return KX_ERR_BAD_FORMAT;
    }
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf)
        return KX_ERR_NO_MEMORY;
    got = n;
    rc = n ? skf_map(t->c->f.ReadFile(t->app, fname, 4, n, buf, &got), "SKF_ReadFile") : KX_OK;
    if (!rc && got != n) {
        kx_err_set_detail("file %s: short read", name);
        rc = KX_ERR_BAD_FORMAT;
    }
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return KX_OK;
}

static kx_err skf_file_write(struct skf_tok *t, const char *name, const unsigned char *data,
                             size_t len, size_t room)
{
    char fname[32];
    unsigned char *old = NULL;
    size_t old_len = 0;
    kx_strlcpy(fname, name, sizeof(fname));
    kx_err rc = skf_file_read(t, name, &old, &old_len);
    free(old);
    uint8_t *buf = malloc(len + 4);
    if (!buf)
        return KX_ERR_NO_MEMORY;
    kx_skf_put_u32(buf, (uint32_t)len);
    if (len)
        memcpy(buf + 4, data, len);
    skf_ulong size = (skf_ulong)(room > len + 4 ? room : len + 4);
    if (rc == KX_OK) {
        /* rewritten in place with one write when it fits: never half-gone */
        rc = skf_map(t->c->f.WriteFile(t->app, fname, 0, buf, (skf_ulong)(len + 4)),
                     "SKF_WriteFile");
        if (rc == KX_ERR_TOKEN) /* too small for the new data */
            rc = skf_map(t->c->f.DeleteFile(t->app, fname), "SKF_DeleteFile");
        else
            goto out;
    }
    if (rc == KX_OK || rc == KX_ERR_NOT_FOUND)
        rc =
            skf_map(t->c->f.CreateFile(t->app, fname, size, SKF_SECURE_ANYONE, SKF_SECURE_USER),
                    "SKF_CreateFile");
    if (!rc)
        rc = skf_map(t->c->f.WriteFile(t->app, fname, 0, buf, (skf_ulong)(len + 4)),
                     "SKF_WriteFile");
out:
    free(buf);
    return rc;
}

static kx_err skf_write_data(void *tok, const char *name, const unsigned char *data, size_t len)
{
    if (strcmp(name, SKF_LABELS_FILE) == 0)
        return KX_ERR_INVALID_ARG; /* the back-end's own file */
    return skf_file_write(tok, name, data, len, 0);
}

static kx_err skf_read_data(void *tok, const char *name, unsigned char **data, size_t *len)
{
    return skf_file_read(tok, name, data, len);
}

/* skf_label_get - the label recorded for container `name` ("" if none) */
static kx_err skf_label_get(struct skf_tok *t, const char *name, char *out, size_t outsz)
{
    unsigned char *d = NULL;
    size_t n = 0;
    out[0] = '\0';
    kx_err rc = skf_file_read(t, SKF_LABELS_FILE, &d, &n);
    if (rc == KX_ERR_NOT_FOUND)
        return KX_OK;
    if (rc)
        return rc;
    size_t kl = strlen(name);
    for (size_t i = 0; i < n;) {
        const unsigned char *e = memchr(d + i, '\n', n - i);
        size_t ll = e ? (size_t)(e - (d + i)) : n - i;
        if (ll > kl && memcmp(d + i, name, kl) == 0 && d[i + kl] == '\t')
            snprintf(out, outsz, "%.*s", (int)(ll - kl - 1), (const char *)d + i + kl + 1);
        i += ll + 1;
    }
    free(d);
    return KX_OK;
}

/* skf_label_set - record label for `name` (NULL: forget it) */
static kx_err skf_label_set(struct skf_tok *t, const char *name, const char *label)
{
    unsigned char *d = NULL;
    size_t n = 0;
    kx_err rc = skf_file_read(t, SKF_LABELS_FILE, &d, &n);
    if (rc && rc != KX_ERR_NOT_FOUND)
        return rc;
    char *out = malloc(n + SKF_NAME_MAX + 80);
    if (!out) {
        free(d);
        return KX_ERR_NO_MEMORY;
    }
    size_t k = 0, kl = strlen(name);
    for (size_t i = 0; i < n;) {
        const unsigned char *e = memchr(d + i, '\n', n - i);
        size_t ll = e ? (size_t)(e - (d + i)) : n - i;
        if (ll > 0 && !(ll > kl && memcmp(d + i, name, kl) == 0 && d[i + kl] == '\t')) {
            memcpy(out + k, d + i, ll);
            k += ll;
            out[k++] = '\n';
        }
        i += ll + 1;
    }
    if (label)
        k += (size_t)snprintf(out + k, SKF_NAME_MAX + 80, "%s\t%.64s\n", name, label);
    free(d);
    rc = k + 4 > SKF_LABELS_SIZE
             ? KX_ERR_TOKEN_FULL
             : skf_file_write(t, SKF_LABELS_FILE, (unsigned char *)out, k, SKF_LABELS_SIZE);
    free(out);
    return rc;
}

/* ---- 4. SM2 helpers --------------------------------------------------------- */

/* skf_pub - public key of a container's signing (sign=1) or encryption key */
static kx_err skf_pub(struct skf_tok *t, void *con, int sign, kx_skf_pair32 *xy)
{
    uint8_t blob[KX_SKF_PUBBLOB_LEN + 64] = {0};
    skf_ulong len = sizeof(blob);
    kx_err rc = skf_map(t->c->f.ExportPublicKey(con, sign, blob, &len), "SKF_ExportPublicKey");
    if (!rc && len > sizeof(blob))
        rc = KX_ERR_TOKEN;
    if (!rc && kx_skf_pub_parse(blob, len, xy)) {
        kx_err_set_detail("SKF_ExportPublicKey: not a 256-bit ECCPUBLICKEYBLOB");
        rc = KX_ERR_TOKEN;
    }
    return rc;
}

/* skf_pkey_xy - the SM2 point of an EVP_PKEY (0: not an SM2 key) */
static int skf_pkey_xy(EVP_PKEY *pk, kx_skf_pair32 *xy)
{
    char group[32] = "";
    uint8_t pt[65];
    size_t n = 0;
    if (!pk ||
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL) != 1 ||
        strcmp(group, "SM2") != 0 ||
        EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) != 1 ||
        n != 65 || pt[0] != 4)
        return 0;
    memcpy(xy->a, pt + 1, 32);
    memcpy(xy->b, pt + 33, 32);
    return 1;
}

/* skf_pkey - an SM2 public EVP_PKEY from a point */
static EVP_PKEY *skf_pkey(const kx_skf_pair32 *xy)
{
    uint8_t pt[65];
    pt[0] = 4;
    memcpy(pt + 1, xy->a, 32);
    memcpy(pt + 33, xy->b, 32);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    EVP_PKEY *pk = NULL;
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

/* skf_sm2_e - e = SM3(Z || msg), Z = SM3(ENTL || ID || a || b || xG || yG ||
 * xA || yA) with the default ID (GM/T 0009) */
static kx_err skf_sm2_e(const kx_skf_pair32 *pub, const unsigned char *msg, size_t len,
                        uint8_t e[32])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *gx = BN_new(), *gy = BN_new();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t buf[32 * 4], z[32];
    unsigned int zl = 0, el = 0;
    static const uint8_t entl[2] = {0x00, 0x80}; /* 16 bytes of ID: 128 bits */
    kx_err rc = KX_ERR_INTERNAL;
    if (g && p && a && b && gx && gy && md && EC_GROUP_get_curve(g, p, a, b, NULL) == 1 &&
        EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), gx, gy, NULL) == 1 &&
        BN_bn2binpad(a, buf, 32) == 32 && BN_bn2binpad(b, buf + 32, 32) == 32 &&
        BN_bn2binpad(gx, buf + 64, 32) == 32 && BN_bn2binpad(gy, buf + 96, 32) == 32 &&
        EVP_DigestInit_ex(md, EVP_sm3(), NULL) == 1 && EVP_DigestUpdate(md, entl, 2) == 1 &&
        EVP_DigestUpdate(md, KX_TOKEN_SM2_ID, 16) == 1 &&
        EVP_DigestUpdate(md, buf, sizeof(buf)) == 1 && EVP_DigestUpdate(md, pub->a, 32) == 1 &&
        EVP_DigestUpdate(md, pub->b, 32) == 1 && EVP_DigestFinal_ex(md, z, &zl) == 1 &&
        EVP_DigestInit_ex(md, EVP_sm3(), NULL) == 1 && EVP_DigestUpdate(md, z, 32) == 1 &&
        EVP_DigestUpdate(md, msg, len) == 1 && EVP_DigestFinal_ex(md, e, &el) == 1)
        rc = KX_OK;
    EVP_MD_CTX_free(md);
    BN_free(p);
    BN_free(a);
    BN_free(b);
    BN_free(gx);
    BN_free(gy);
    EC_GROUP_free(g);
    return rc;
}

/* skf_sign_con - SM2-with-SM3 signature of msg by container con's signing
 * key, DER SEQUENCE { r, s } (malloc'd) */
static kx_err skf_sign_con(struct skf_tok *t, void *con, const unsigned char *msg, size_t len,
                           unsigned char **sig, size_t *sig_len)
{
    kx_skf_pair32 pub, rs;
    uint8_t e[32], blob[KX_SKF_SIGBLOB_LEN + 64] = {0}, der[80];
    size_t dl = 0;
    kx_err rc = skf_pub(t, con, 1, &pub);
    if (!rc)
        rc = skf_sm2_e(&pub, msg, len, e);
    if (!rc)
        rc = skf_map(t->c->f.ECCSignData(con, e, 32, blob), "SKF_ECCSignData");
    if (!rc && kx_skf_sig_parse(blob, KX_SKF_SIGBLOB_LEN, &rs)) {
        kx_err_set_detail("SKF_ECCSignData: not a 256-bit ECCSIGNATUREBLOB");
        rc = KX_ERR_TOKEN;
    }
    if (!rc)
        rc = kx_skf_sig_to_der(&rs, der, sizeof(der), &dl);
    if (!rc && !(*sig = malloc(dl)))
        rc = KX_ERR_NO_MEMORY;
    if (!rc) {
        memcpy(*sig, der, dl);
        *sig_len = dl;
    }
    return rc;
}

/* skf_sm2_verify - a DER SM2 signature over msg under pk (default ID) */
static int skf_sm2_verify(EVP_PKEY *pk, const unsigned char *msg, size_t len,
                          const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
    int ok = md && pctx && EVP_PKEY_CTX_set1_id(pctx, KX_TOKEN_SM2_ID, 16) == 1;
    if (ok)
        EVP_MD_CTX_set_pkey_ctx(md, pctx);
    ok = ok && EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk) == 1 &&
         EVP_DigestVerify(md, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

/* ---- 5. certificates, key generation, CSR ---------------------------------- */

struct skf_cert_arg {
    struct skf_tok *t;
    void *con;
    int sign;
};

static skf_ulong skf_export_cert(void *arg, char *buf, skf_ulong *len)
{
    struct skf_cert_arg *a = arg;
    return a->t->c->f.ExportCertificate(a->con, a->sign, (uint8_t *)buf, len);
}

/* skf_cert_der - the signing (sign=1) or encryption certificate, DER,
 * malloc'd; KX_ERR_NOT_FOUND when the container has none */
static kx_err skf_cert_der(struct skf_tok *t, void *con, int sign, unsigned char **der,
                           size_t *len)
{
    struct skf_cert_arg a = {t, con, sign};
    char *buf = NULL;
    kx_err rc = skf_fetch(skf_export_cert, &a, 16384, &buf, len, "SKF_ExportCertificate");
    if (!rc && *len == 0) {
        free(buf);
        rc = KX_ERR_NOT_FOUND;
    }
    if (!rc)
        *der = (unsigned char *)buf;
    return rc;
}

static kx_err skf_certs(void *tok, kx_token_certs *out)
{
    struct skf_tok *t = tok;
    char names[SKF_MAX_CONTAINERS][SKF_NAME_MAX];
    size_t n = 0;
    memset(out, 0, sizeof(*out));
    kx_err rc = skf_containers(t, names, &n);
    if (rc == KX_ERR_STATE)
        return KX_OK; /* blank UKEY: no certificates */
    if (rc)
        return rc;
    out->items = calloc(2 * n + 1, sizeof(*out->items));
    if (!out->items)
        return KX_ERR_NO_MEMORY;
    for (size_t i = 0; !rc && i < n; i++) {
        void *con = NULL;
        if ((rc = skf_map(t->c->f.OpenContainer(t->app, names[i], &con), "SKF_OpenContainer")))
            break;
        char label[65];
        rc = skf_label_get(t, names[i], label, sizeof(label));
        for (int sign = 1; !rc && sign >= 0; sign--) {
            unsigned char *der = NULL;
            size_t dl = 0;
            kx_err r2 = skf_cert_der(t, con, sign, &der, &dl);
            if (r2 == KX_ERR_TOKEN_REMOVED)
                rc = r2;
            if (r2)
                continue;
            const unsigned char *p = der;
            X509 *x = d2i_X509(NULL, &p, (long)dl);
            if (!x) {
                free(der);
                continue;
            }
            kx_token_cert *c = &out->items[out->count++];
            kx_token_cert_fill(x, c);
            X509_free(x);
            c->id_len = strlen(names[i]) < KX_TOKEN_ID_MAX ? strlen(names[i]) : KX_TOKEN_ID_MAX;
            memcpy(c->id, names[i], c->id_len);
            kx_token_hex(c->id, c->id_len, c->id_hex, sizeof(c->id_hex));
            kx_strlcpy(c->label, label[0] ? label : names[i], sizeof(c->label));
            c->usage = sign ? KX_CERT_USAGE_SIGN : KX_CERT_USAGE_ENCRYPT;
            kx_skf_pair32 xy;
            c->has_private_key = skf_pub(t, con, sign, &xy) == KX_OK;
            c->der = der;
            c->der_len = dl;
        }
        t->c->f.CloseContainer(con);
    }
    return rc;
}

static kx_err skf_keygen(void *tok, kx_key_type type, const char *label, unsigned char *id,
                         size_t *id_len)
{
    struct skf_tok *t = tok;
    if (type != KX_KEY_SM2) {
        kx_err_set_detail("SKF UKEYs hold SM2 keys here");
        return KX_ERR_UNSUPPORTED;
    }
    unsigned char rnd[8];
    char name[SKF_NAME_MAX] = "kx";
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return KX_ERR_INTERNAL;
    kx_token_hex(rnd, sizeof(rnd), name + 2, sizeof(name) - 2);
    /* the label first: a container that exists is always known as pending
     * until committed, so cleanup can find a half-written one */
    kx_err rc = skf_label_set(t, name, label);
    void *con = NULL;
    uint8_t blob[KX_SKF_PUBBLOB_LEN + 64] = {0};
    kx_skf_pair32 xy;
    if (!rc)
        rc = skf_map(t->c->f.CreateContainer(t->app, name, &con), "SKF_CreateContainer");
    if (!rc)
        rc = skf_map(t->c->f.GenECCKeyPair(con, KX_SKF_SGD_SM2_1, blob), "SKF_GenECCKeyPair");
    if (!rc && kx_skf_pub_parse(blob, KX_SKF_PUBBLOB_LEN, &xy)) {
        kx_err_set_detail("SKF_GenECCKeyPair: not a 256-bit ECCPUBLICKEYBLOB");
        rc = KX_ERR_TOKEN;
    }
    if (con)
        t->c->f.CloseContainer(con);
    if (!rc) {
        *id_len = strlen(name);
        memcpy(id, name, *id_len);
    }
    return rc;
}

struct skf_csr_arg {
    struct skf_tok *t;
    void *con;
};

static kx_err skf_csr_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                           size_t *sig_len)
{
    struct skf_csr_arg *a = arg;
    return skf_sign_con(a->t, a->con, tbs, len, sig, sig_len);
}

static kx_err skf_csr(void *tok, const unsigned char *id, size_t id_len, const char *company,
                      const char *credit_code, const char *common_name, char **csr_pem)
{
    struct skf_tok *t = tok;
    char name[SKF_NAME_MAX];
    struct skf_csr_arg a = {t, NULL};
    EVP_PKEY *pk = NULL;
    kx_skf_pair32 xy;
    kx_err rc = skf_id_name(id, id_len, name);
    if (!rc)
        rc = skf_con_open(t, name, &a.con);
    if (!rc)
        rc = skf_pub(t, a.con, 1, &xy);
    if (!rc && !(pk = skf_pkey(&xy)))
        rc = KX_ERR_INTERNAL;
    if (!rc)
        rc = kx_token_csr_build(pk, company, credit_code, common_name, skf_csr_sign, &a,
                                csr_pem);
    if (a.con)
        t->c->f.CloseContainer(a.con);
    EVP_PKEY_free(pk);
    return rc;
}

/* ---- 6. install, enveloped import, verify, delete, relabel, cleanup ---------- */

static X509 *skf_parse_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

static kx_err skf_install(void *tok, const char *cert_pem, const char *label,
                          unsigned char *id_out, size_t *id_len_out)
{
    struct skf_tok *t = tok;
    X509 *x = skf_parse_pem(cert_pem);
    if (!x) {
        kx_err_set_detail("certificate is not PEM X.509");
        return KX_ERR_BAD_FORMAT;
    }
    kx_skf_pair32 want;
    unsigned char *der = NULL;
    int der_len = 0;
    char names[SKF_MAX_CONTAINERS][SKF_NAME_MAX];
    size_t n = 0;
    kx_err rc = KX_OK;
    if (!skf_pkey_xy(X509_get0_pubkey(x), &want)) {
        kx_err_set_detail("not an SM2 certificate");
        rc = KX_ERR_MISMATCH;
    }
    if (!rc && (der_len = i2d_X509(x, &der)) <= 0)
        rc = KX_ERR_INTERNAL;
    if (!rc)
        rc = skf_containers(t, names, &n);
    int done = 0;
    for (size_t i = 0; !rc && !done && i < n; i++) {
        void *con = NULL;
        if ((rc = skf_map(t->c->f.OpenContainer(t->app, names[i], &con), "SKF_OpenContainer")))
            break;
        for (int sign = 1; !rc && !done && sign >= 0; sign--) {
            kx_skf_pair32 have;
            kx_err r2 = skf_pub(t, con, sign, &have);
            if (r2 == KX_ERR_TOKEN_REMOVED)
                rc = r2;
            if (r2 || memcmp(&have, &want, sizeof(want)) != 0)
                continue;
            unsigned char *cur = NULL;
            size_t cur_len = 0;
            /* installing the same certificate twice is a no-op (retries) */
            if (skf_cert_der(t, con, sign, &cur, &cur_len) != KX_OK ||
                cur_len != (size_t)der_len || memcmp(cur, der, cur_len) != 0)
                rc = skf_map(t->c->f.ImportCertificate(con, sign, der, (skf_ulong)der_len),
                             "SKF_ImportCertificate");
            free(cur);
            if (!rc && sign && label)
                rc = skf_label_set(t, names[i], label);
            if (!rc && id_out && id_len_out) {
                *id_len_out = strlen(names[i]) < KX_TOKEN_ID_MAX ? strlen(names[i]) : 0;
                memcpy(id_out, names[i], *id_len_out);
            }
            done = 1;
        }
        t->c->f.CloseContainer(con);
    }
    if (!rc && !done) {
        kx_err_set_detail("no key on the token matches the certificate");
        rc = KX_ERR_MISMATCH;
    }
    OPENSSL_free(der);
    X509_free(x);
    return rc;
}

static kx_err skf_import_enc(void *tok, const unsigned char *id, size_t id_len,
                             const unsigned char *envelope, size_t len)
{
    struct skf_tok *t = tok;
    char name[SKF_NAME_MAX];
    kx_skf_envelope env;
    void *con = NULL;
    kx_err rc = skf_id_name(id, id_len, name);
    if (rc)
        return rc;
    if (kx_skf_envelope_parse(envelope, len, &env)) {
        kx_err_set_detail("not a GM/T 0016 ENVELOPEDKEYBLOB (SM4-ECB, 256-bit SM2)");
        return KX_ERR_BAD_FORMAT;
    }
    /* the library reads CipherLen bytes after the header: hand it exactly
     * the 388 bytes, in a buffer of our own */
    uint8_t buf[KX_SKF_ENV_LEN];
    memcpy(buf, envelope, sizeof(buf));
    rc = skf_con_open(t, name, &con);
    if (!rc)
        rc = skf_map(t->c->f.ImportECCKeyPair(con, buf), "SKF_ImportECCKeyPair");
    if (con)
        t->c->f.CloseContainer(con);
    explicit_bzero(buf, sizeof(buf));
    return rc;
}

/* skf_check_enc - the container's encryption key is the certificate's:
 * a session key the device wraps to the certificate's public key is
 * unwrapped by the container's private key and encrypts alike */
static kx_err skf_check_enc(struct skf_tok *t, void *con, X509 *x)
{
    kx_skf_pair32 xy;
    if (!skf_pkey_xy(X509_get0_pubkey(x), &xy))
        return KX_ERR_MISMATCH;
    uint8_t pub[KX_SKF_PUBBLOB_LEN], wrapped[KX_SKF_CIPHER_HDR_LEN + 64] = {0};
    uint8_t block[16], c1[16], c2[16];
    skf_ulong l1 = sizeof(c1), l2 = sizeof(c2);
    void *k1 = NULL, *k2 = NULL;
    kx_skf_pub_write(&xy, pub);
    skf_block_param bp = {.iv_len = 0, .padding = 0, .feed_bits = 0};
    kx_err rc = RAND_bytes(block, sizeof(block)) == 1 ? KX_OK : KX_ERR_INTERNAL;
    if (!rc)
        rc = skf_map(t->c->f.ECCExportSessionKey(con, KX_SKF_SGD_SM4_ECB, pub, wrapped, &k1),
                     "SKF_ECCExportSessionKey");
    kx_skf_pair32 cc1;
    const uint8_t *c3, *cc2;
    size_t cc2_len;
    if (!rc && kx_skf_cipher_parse(wrapped, sizeof(wrapped), &cc1, &c3, &cc2, &cc2_len))
        rc = KX_ERR_TOKEN;
    if (!rc)
        rc =
            skf_map(t->c->f.ImportSessionKey(con, KX_SKF_SGD_SM4_ECB, wrapped,
                                             (skf_ulong)(KX_SKF_CIPHER_HDR_LEN + cc2_len), &k2),
                    "SKF_ImportSessionKey");
    if (!rc)
        rc = skf_map(t->c->f.EncryptInit(k1, bp), "SKF_EncryptInit");
    if (!rc)
        rc = skf_map(t->c->f.Encrypt(k1, block, 16, c1, &l1), "SKF_Encrypt");
    if (!rc)
        rc = skf_map(t->c->f.EncryptInit(k2, bp), "SKF_EncryptInit");
    if (!rc)
        rc = skf_map(t->c->f.Encrypt(k2, block, 16, c2, &l2), "SKF_Encrypt");
    if (!rc && (l1 != 16 || l2 != 16 || memcmp(c1, c2, 16) != 0)) {
        kx_err_set_detail("the encryption key does not match its certificate");
        rc = KX_ERR_MISMATCH;
    } else if (rc == KX_ERR_TOKEN) {
        rc = KX_ERR_MISMATCH; /* the unwrap failed: another key */
    }
    if (k1)
        t->c->f.CloseHandle(k1);
    if (k2)
        t->c->f.CloseHandle(k2);
    return rc;
}

static kx_err skf_verify_pair(void *tok, const unsigned char *id, size_t id_len)
{
    struct skf_tok *t = tok;
    char name[SKF_NAME_MAX];
    void *con = NULL;
    unsigned char *der = NULL, *sig = NULL;
    size_t dl = 0, sig_len = 0;
    X509 *x = NULL, *xe = NULL;
    kx_err rc = skf_id_name(id, id_len, name);
    if (!rc)
        rc = skf_con_open(t, name, &con);
    if (!rc)
        rc = skf_cert_der(t, con, 1, &der, &dl);
    if (rc)
        goto out;
    const unsigned char *p = der;
    if (!(x = d2i_X509(NULL, &p, (long)dl))) {
        rc = KX_ERR_BAD_FORMAT;
        goto out;
    }
    unsigned char challenge[32];
    if (RAND_bytes(challenge, sizeof(challenge)) != 1) {
        rc = KX_ERR_INTERNAL;
        goto out;
    }
    if ((rc = skf_sign_con(t, con, challenge, sizeof(challenge), &sig, &sig_len)))
        goto out;
    if (!skf_sm2_verify(X509_get0_pubkey(x), challenge, sizeof(challenge), sig, sig_len)) {
        kx_err_set_detail("the key's signature does not verify under the certificate");
        rc = KX_ERR_MISMATCH;
        goto out;
    }
    /* an encryption pair, when there is one, must be whole and match */
    free(der);
    der = NULL;
    kx_skf_pair32 xy;
    kx_err have_key = skf_pub(t, con, 0, &xy);
    kx_err have_cert = skf_cert_der(t, con, 0, &der, &dl);
    if (have_key == KX_ERR_TOKEN_REMOVED || have_cert == KX_ERR_TOKEN_REMOVED) {
        rc = KX_ERR_TOKEN_REMOVED;
    } else if (have_key == KX_OK && have_cert != KX_OK) {
        kx_err_set_detail("encryption key without its certificate");
        rc = KX_ERR_MISMATCH;
    } else if (have_cert == KX_OK) {
        p = der;
        xe = d2i_X509(NULL, &p, (long)dl);
        rc = !xe ? KX_ERR_BAD_FORMAT : have_key ? KX_ERR_MISMATCH : skf_check_enc(t, con, xe);
    }
out:
    if (con)
        t->c->f.CloseContainer(con);
    free(der);
    free(sig);
    X509_free(x);
    X509_free(xe);
    return rc;
}

static kx_err skf_delete_id(void *tok, const unsigned char *id, size_t id_len)
{
    struct skf_tok *t = tok;
    char name[SKF_NAME_MAX];
    void *con = NULL;
    kx_err rc = skf_id_name(id, id_len, name);
    if (!rc)
        rc = skf_con_open(t, name, &con); /* KX_ERR_NOT_FOUND when absent */
    if (con)
        t->c->f.CloseContainer(con);
    if (!rc)
        rc = skf_map(t->c->f.DeleteContainer(t->app, name), "SKF_DeleteContainer");
    if (!rc)
        rc = skf_label_set(t, name, NULL);
    return rc;
}

static kx_err skf_relabel(void *tok, const unsigned char *id, size_t id_len, const char *label)
{
    struct skf_tok *t = tok;
    char name[SKF_NAME_MAX];
    void *con = NULL;
    kx_err rc = skf_id_name(id, id_len, name);
    if (!rc)
        rc = skf_con_open(t, name, &con);
    if (con)
        t->c->f.CloseContainer(con);
    return rc ? rc : skf_label_set(t, name, label);
}

static kx_err skf_cleanup(void *tok, int *removed)
{
    struct skf_tok *t = tok;
    char names[SKF_MAX_CONTAINERS][SKF_NAME_MAX];
    size_t n = 0;
    int count = 0;
    kx_err rc = skf_containers(t, names, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        char label[65];
        if ((rc = skf_label_get(t, names[i], label, sizeof(label))))
            break;
        if (strcmp(label, KX_TOKEN_PENDING_LABEL) != 0)
            continue;
        void *con = NULL;
        unsigned char *der = NULL;
        size_t dl = 0;
        if ((rc = skf_map(t->c->f.OpenContainer(t->app, names[i], &con), "SKF_OpenContainer")))
            break;
        kx_err has = skf_cert_der(t, con, 1, &der, &dl);
        free(der);
        t->c->f.CloseContainer(con);
        if (has == KX_ERR_TOKEN_REMOVED) {
            rc = has;
        } else if (has != KX_OK) {
            /* a pending container never got its certificate: half-written */
            rc = skf_delete_id(t, (const unsigned char *)names[i], strlen(names[i]));
            count++;
        }
    }
    if (removed)
        *removed = count;
    return rc;
}

static kx_err skf_sign(void *tok, const unsigned char *id, size_t id_len,
                       const unsigned char *data, size_t len, unsigned char **sig,
                       size_t *sig_len)
{
    struct skf_tok *t = tok;
    char name[SKF_NAME_MAX];
    void *con = NULL;
    kx_err rc = skf_id_name(id, id_len, name);
    if (!rc)
        rc = skf_con_open(t, name, &con);
    if (!rc)
        rc = skf_sign_con(t, con, data, len, sig, sig_len);
    if (con)
        t->c->f.CloseContainer(con);
    return rc;
}

/* ---- 7. device events --------------------------------------------------- */

/* the CLOCK_REALTIME instant ms from now (for pthread_cond_timedwait) */
static struct timespec skf_deadline(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* the watcher: SKF_WaitForDevEvent blocks until a device comes or goes
 * (GM/T 0016); each event is queued for skf_wait_event. It leaves when
 * skf_events_stop sets stop and cancels the wait. */
static void *skf_ev_thread(void *arg)
{
    struct skf_ctx *c = arg;
    struct skf_events *e = &c->ev;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        pthread_mutex_unlock(&e->mu);
        char name[SKF_NAME_MAX + 1] = {0};
        skf_ulong len = SKF_NAME_MAX, kind = 0;
        skf_ulong rv = e->wait(name, &len, &kind);
        pthread_mutex_lock(&e->mu);
        if (rv == SAR_OK && (kind == 1 || kind == 2) && len <= SKF_NAME_MAX) {
            if (e->qn < SKF_EV_QUEUE) {
                skf_name_copy(e->q[e->qn].name, name, strnlen(name, len));
                e->q[e->qn++].kind = (int)kind;
            } else {
                e->overflow = 1; /* the caller lists the devices again */
            }
            pthread_cond_broadcast(&e->cv);
        } else if (rv != SAR_OK && !e->stop) {
            /* no event (cancelled, or the library failed): do not spin */
            struct timespec now = skf_deadline(50);
            pthread_cond_timedwait(&e->cv, &e->mu, &now);
        }
    }
    e->exited = 1;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* stop the watcher: 1 when it left (or never ran), 0 when it is still
 * blocked in the library after about 5 s of cancelling */
static int skf_events_stop(struct skf_ctx *c)
{
    struct skf_events *e = &c->ev;
    if (!e->started)
        return 1;
    pthread_mutex_lock(&e->mu);
    e->stop = 1;
    pthread_cond_broadcast(&e->cv);
    /* a cancel that comes before the thread enters the wait is lost:
     * cancel again until it has left */
    for (int i = 0; i < 250 && !e->exited; i++) {
        pthread_mutex_unlock(&e->mu);
        e->cancel();
        pthread_mutex_lock(&e->mu);
        struct timespec now = skf_deadline(20);
        if (!e->exited)
            pthread_cond_timedwait(&e->cv, &e->mu, &now);
    }
    int left = e->exited;
    pthread_mutex_unlock(&e->mu);
    if (left)
        pthread_join(e->th, NULL);
    else
        kx_log_warn("token.skf_events", "SKF_WaitForDevEvent does not return after "
                                        "SKF_CancelWaitForDevEvent: the library stays loaded");
    e->started = left ? 0 : 1;
    return left;
}

static size_t skf_known_find(const struct skf_events *e, const char *name)
{
    for (size_t i = 0; i < e->nknown; i++)
        if (strcmp(e->known[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

struct skf_present {
    char names[SKF_EV_DEVS][SKF_NAME_MAX];
    size_t n;
};

static int skf_present_one(void *arg, struct skf_tok *t, const char *name)
{
    struct skf_present *p = arg;
    (void)t;
    if (p->n < SKF_EV_DEVS)
        kx_strlcpy(p->names[p->n++], name, SKF_NAME_MAX);
    return 0;
}

/* the devices present now against those reported: the differences go to
 * the front of the queue (at the first call: every device present) */
static kx_err skf_events_prime(struct skf_ctx *c)
{
    struct skf_events *e = &c->ev;
    struct skf_present p = {.n = 0};
    kx_err rc = skf_each_dev(c, skf_present_one, &p);
    if (rc)
        return rc;
    pthread_mutex_lock(&e->mu);
    e->overflow = 0;
    e->qn = 0; /* the listing says it all */
    for (size_t i = 0; i < e->nknown; i++) {
        int still = 0;
        for (size_t j = 0; j < p.n; j++)
            still |= strcmp(e->known[i].name, p.names[j]) == 0;
        if (!still && e->qn < SKF_EV_QUEUE) {
            kx_strlcpy(e->q[e->qn].name, e->known[i].name, SKF_NAME_MAX);
            e->q[e->qn++].kind = 2;
        }
    }
    for (size_t j = 0; j < p.n && e->qn < SKF_EV_QUEUE; j++) {
        kx_strlcpy(e->q[e->qn].name, p.names[j], SKF_NAME_MAX);
        e->q[e->qn++].kind = 1;
    }
    e->primed = 1;
    pthread_mutex_unlock(&e->mu);
    return KX_OK;
}

/* one queued event as a kx_token_event: 0 when it says nothing new (a
 * device already reported, or one gone before it could be read) */
static int skf_event_take(struct skf_ctx *c, const char *name, int kind, kx_token_event *ev)
{
    struct skf_events *e = &c->ev;
    size_t k = skf_known_find(e, name);
    if (kind == 2) {
        if (k == SIZE_MAX)
            return 0;
        ev->kind = KX_TOKEN_REMOVED;
        kx_strlcpy(ev->serial, e->known[k].serial, sizeof(ev->serial));
        e->known[k] = e->known[--e->nknown];
        return 1;
    }
    if (k != SIZE_MAX || e->nknown == SKF_EV_DEVS)
        return 0;
    struct skf_tok *t = NULL;
    kx_skf_devinfo di;
    if (skf_connect(c, name, &t))
        return 0;
    kx_err rc = skf_dev_info(c, t->dev, &di);
    skf_close(t);
    if (rc)
        return 0;
    kx_strlcpy(e->known[e->nknown].name, name, SKF_NAME_MAX);
    kx_strlcpy(e->known[e->nknown].serial, di.serial[0] ? di.serial : name, 33);
    ev->kind = KX_TOKEN_INSERTED;
    kx_strlcpy(ev->serial, e->known[e->nknown++].serial, sizeof(ev->serial));
    return 1;
}

static kx_err skf_wait_event(void *ctx, long timeout_ms, kx_token_event *ev)
{
    struct skf_ctx *c = ctx;
    struct skf_events *e = &c->ev;
    if (!e->wait)
        return KX_ERR_UNSUPPORTED;
    if (!e->started) { /* before the first listing: nothing is missed */
        e->stop = e->exited = 0;
        if (pthread_create(&e->th, NULL, skf_ev_thread, c) != 0) {
            kx_err_set_detail("no thread for SKF_WaitForDevEvent");
            return KX_ERR_NO_MEMORY;
        }
        e->started = 1;
    }
    kx_err rc = KX_OK;
    if (!e->primed || e->overflow)
        rc = skf_events_prime(c);
    if (rc)
        return rc;
    struct timespec until = skf_deadline(timeout_ms);
    memset(ev, 0, sizeof(*ev));
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (e->qn > 0 && !e->overflow) {
            char name[SKF_NAME_MAX];
            int kind = e->q[0].kind;
            kx_strlcpy(name, e->q[0].name, sizeof(name));
            memmove(&e->q[0], &e->q[1], (e->qn - 1) * sizeof(e->q[0]));
            e->qn--;
            pthread_mutex_unlock(&e->mu);
            if (skf_event_take(c, name, kind, ev))
                return KX_OK;
            pthread_mutex_lock(&e->mu);
        }
        if (e->overflow) { /* events were lost: list the devices again */
            pthread_mutex_unlock(&e->mu);
            if ((rc = skf_events_prime(c)))
                return rc;
            pthread_mutex_lock(&e->mu);
            continue;
        }
        if (e->exited || pthread_cond_timedwait(&e->cv, &e->mu, &until) == ETIMEDOUT)
            break;
    }
    int gone = e->exited;
    pthread_mutex_unlock(&e->mu);
    if (gone) {
        kx_err_set_detail("the SKF event thread ended");
        return KX_ERR_TOKEN;
    }
    return KX_ERR_TIMEOUT;
}

const kx_token_ops kx_token_skf_ops = {
    .name = "skf",
    .caps = KX_TOKEN_CAP_EVENTS | KX_TOKEN_CAP_KEYGEN_SM2 | KX_TOKEN_CAP_PIN_RESET |
            KX_TOKEN_CAP_ENC_IMPORT | KX_TOKEN_CAP_INIT_BLANK | KX_TOKEN_CAP_DATA,
    .load = skf_load,
    .configure = skf_configure,
    .unload = skf_unload,
    .list = skf_list,
    .open = skf_open,
    .close = skf_close,
    .info = skf_info,
    .login = skf_login,
    .logout = skf_logout,
    .set_pin = skf_set_pin,
    .reset_pin = skf_reset_pin,
    .certs = skf_certs,
    .keygen = skf_keygen,
    .csr = skf_csr,
    .install = skf_install,
    .verify_pair = skf_verify_pair,
    .delete_id = skf_delete_id,
    .relabel = skf_relabel,
    .cleanup = skf_cleanup,
    .sign = skf_sign,
    .init_blank = skf_init_blank,
    .import_enc = skf_import_enc,
    .write_data = skf_write_data,
    .read_data = skf_read_data,
    .wait_event = skf_wait_event,
};
