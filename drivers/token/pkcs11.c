/* SPDX-License-Identifier: MIT */
/*
 * pkcs11.c - token back-end for PKCS#11 modules (OpenSC's opensc-pkcs11.so
 * in the hall, SoftHSM2 in tests), raw PKCS#11 through dlopen.
 *
 * Map of this file:
 *   1. module loading and return-value mapping
 *   2. tokens, sessions, PINs
 *   3. object helpers (find, attributes, public keys as EVP_PKEY)
 *   4. certificates on the token
 *   5. key generation, signing on the token, CSR
 *   6. install, verify, delete, relabel, cleanup
 *   7. contract additions: SM2 refusals, named data (CKO_DATA)
 *
 * Never logs a PIN; PIN bytes go straight from the kx_secbuf to the module.
 * SoftHSM 2.6 has no CKM_ECDSA_SHA256, so EC signatures hash here and sign
 * with CKM_ECDSA; RSA signs a DigestInfo with CKM_RSA_PKCS, which every
 * token supports.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"
#include "core/log.h"
#include "core/str.h"

/* ---- 1. module loading and return values ------------------------------ */

/* PKCS#11 templates take void * even for values the module only reads. */
static void *p11_unconst(const void *p)
{
    union {
        const void *c;
        void *v;
    } u = {.c = p};
    return u.v;
}

struct p11_ctx {
    void *dl;
    CK_FUNCTION_LIST_PTR f;
};

struct p11_tok {
    struct p11_ctx *ctx;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE session;
};

static kx_err p11_map(CK_RV rv, const char *what)
{
    if (rv == CKR_OK)
        return KX_OK;
    kx_err_set_detail("%s: CKR 0x%lx", what, (unsigned long)rv);
    switch (rv) {
    case CKR_PIN_INCORRECT:
        return KX_ERR_PIN_INCORRECT;
    case CKR_PIN_LOCKED:
        return KX_ERR_PIN_LOCKED;
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
        return KX_ERR_PIN_POLICY;
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_SLOT_ID_INVALID:
        return KX_ERR_TOKEN_REMOVED;
    case CKR_DEVICE_MEMORY:
        return KX_ERR_TOKEN_FULL;
    case CKR_HOST_MEMORY:
        return KX_ERR_NO_MEMORY;
    case CKR_USER_NOT_LOGGED_IN:
        return KX_ERR_STATE;
    default:
        return KX_ERR_TOKEN;
    }
}

/*
 * A module is initialised once per process, however many kx_token_modules
 * load it: the users of each function list are counted, and C_Finalize
 * comes with the last one (only if this driver initialised the module), so
 * closing one kx_token_module never ends another's sessions.
 */
#define P11_MAX_LOADED 8
static struct {
    CK_FUNCTION_LIST_PTR f;
    unsigned users;
    int ours; /* C_Initialize was ours: C_Finalize at the last user */
} p11_loaded[P11_MAX_LOADED];
static pthread_mutex_t p11_loaded_mu = PTHREAD_MUTEX_INITIALIZER;

static CK_RV p11_initialize(CK_FUNCTION_LIST_PTR f)
{
    CK_RV rv = CKR_OK;
    pthread_mutex_lock(&p11_loaded_mu);
    size_t i, free_slot = P11_MAX_LOADED;
    for (i = 0; i < P11_MAX_LOADED && p11_loaded[i].f != f; i++)
        if (!p11_loaded[i].f && free_slot == P11_MAX_LOADED)
            free_slot = i;
    if (i < P11_MAX_LOADED) {
        p11_loaded[i].users++;
    } else {
        CK_C_INITIALIZE_ARGS args = {0};
        args.flags = CKF_OS_LOCKING_OK;
        rv = f->C_Initialize(&args);
        int ours = rv == CKR_OK;
        if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
            rv = CKR_OK; /* someone else in the process did: never finalise it */
        /* with no room to count, never finalise either: safe, a little leak */
        if (rv == CKR_OK && free_slot < P11_MAX_LOADED) {
            p11_loaded[free_slot].f = f;
            p11_loaded[free_slot].users = 1;
            p11_loaded[free_slot].ours = ours;
        }
    }
    pthread_mutex_unlock(&p11_loaded_mu);
    return rv;
}

static void p11_finalize(CK_FUNCTION_LIST_PTR f)
{
    pthread_mutex_lock(&p11_loaded_mu);
    for (size_t i = 0; i < P11_MAX_LOADED; i++)
        if (p11_loaded[i].f == f) {
            if (--p11_loaded[i].users == 0) {
                if (p11_loaded[i].ours)
                    f->C_Finalize(NULL);
                p11_loaded[i].f = NULL;
            }
            break;
        }
    pthread_mutex_unlock(&p11_loaded_mu);
}

static kx_err p11_load(const char *module_path, void **out)
{
    struct p11_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return KX_ERR_NO_MEMORY;
    c->dl = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    if (!c->dl) {
        kx_err_set_detail("cannot load PKCS#11 module %s: %s", module_path, dlerror());
        free(c);
        return KX_ERR_CONFIG;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(c->dl, "C_GetFunctionList");
    if (!gfl || gfl(&c->f) != CKR_OK || !c->f) {
        kx_err_set_detail("%s is not a PKCS#11 module", module_path);
        dlclose(c->dl);
        free(c);
        return KX_ERR_CONFIG;
    }
    CK_RV rv = p11_initialize(c->f);
    if (rv != CKR_OK) {
        kx_err rc = p11_map(rv, "C_Initialize");
        dlclose(c->dl);
        free(c);
        return rc == KX_ERR_TOKEN ? KX_ERR_CONFIG : rc;
    }
    *out = c;
    return KX_OK;
}

static void p11_unload(void *ctx)
{
    struct p11_ctx *c = ctx;
    if (!c)
        return;
    p11_finalize(c->f);
    dlclose(c->dl);
    free(c);
}

/* ---- 2. tokens, sessions, PINs ---------------------------------------- */

static void p11_field(char *dst, size_t dstsz, const CK_UTF8CHAR *src, size_t srclen)
{
    size_t n = srclen;
    while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
        n--;
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void p11_info_from(const CK_TOKEN_INFO *ti, kx_token_info *out)
{
    memset(out, 0, sizeof(*out));
    p11_field(out->serial, sizeof(out->serial), ti->serialNumber, sizeof(ti->serialNumber));
    p11_field(out->label, sizeof(out->label), ti->label, sizeof(ti->label));
    p11_field(out->manufacturer, sizeof(out->manufacturer), ti->manufacturerID,
              sizeof(ti->manufacturerID));
    p11_field(out->model, sizeof(out->model), ti->model, sizeof(ti->model));
    static const struct {
        CK_FLAGS ckf;
        unsigned kxf;
    } flag_map[] = {
        {CKF_TOKEN_INITIALIZED, KX_TOKEN_INITIALIZED},
        {CKF_USER_PIN_INITIALIZED, KX_TOKEN_USER_PIN_SET},
        {CKF_USER_PIN_COUNT_LOW, KX_TOKEN_PIN_COUNT_LOW},
        {CKF_USER_PIN_FINAL_TRY, KX_TOKEN_PIN_FINAL_TRY},
        {CKF_USER_PIN_LOCKED, KX_TOKEN_PIN_LOCKED},
        {CKF_USER_PIN_TO_BE_CHANGED, KX_TOKEN_PIN_TO_BE_CHANGED},
        {CKF_SO_PIN_LOCKED, KX_TOKEN_SO_PIN_LOCKED},
        {CKF_WRITE_PROTECTED, KX_TOKEN_WRITE_PROTECTED},
    };
    unsigned f = 0;
    for (size_t i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
        if (ti->flags & flag_map[i].ckf)
            f |= flag_map[i].kxf;
    out->flags = f;
    out->min_pin_len = ti->ulMinPinLen;
    out->max_pin_len = ti->ulMaxPinLen;
    out->pin_tries_left = -1;
    out->pin_tries_max = -1;
}

/* p11_slots - the slots with a token present; *slots is malloc'd. */
static kx_err p11_slots(struct p11_ctx *c, CK_SLOT_ID **slots, CK_ULONG *n)
{
    CK_RV rv = c->f->C_GetSlotList(CK_TRUE, NULL, n);
    if (rv != CKR_OK)
        return p11_map(rv, "C_GetSlotList");
    *slots = calloc(*n ? *n : 1, sizeof(**slots));
    if (!*slots)
        return KX_ERR_NO_MEMORY;
    rv = c->f->C_GetSlotList(CK_TRUE, *slots, n);
    if (rv != CKR_OK) {
        free(*slots);
        *slots = NULL;
        return p11_map(rv, "C_GetSlotList");
    }
    return KX_OK;
}

static kx_err p11_list(void *ctx, kx_token_info *out, size_t max, size_t *count)
{
    struct p11_ctx *c = ctx;
    CK_ULONG n = 0;
    CK_SLOT_ID *slots = NULL;
    kx_err rc = p11_slots(c, &slots, &n);
    if (rc)
        return rc;
    size_t k = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (c->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue; /* pulled between the two calls */
        /* a slot with an uninitialised token is no UKEY the kiosk can use
         * (SoftHSM always offers one spare) */
        if (!(ti.flags & CKF_TOKEN_INITIALIZED))
            continue;
        if (k < max)
            p11_info_from(&ti, &out[k]);
        k++;
    }
    free(slots);
    *count = k < max ? k : max;
    return KX_OK;
}

static kx_err p11_find_slot(struct p11_ctx *c, const char *serial, CK_SLOT_ID *slot)
{
    CK_ULONG n = 0;
    CK_SLOT_ID *slots = NULL;
    kx_err rc = p11_slots(c, &slots, &n);
    if (rc)
        return rc;
    rc = KX_ERR_TOKEN_ABSENT;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        kx_token_info info;
        if (c->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue;
        p11_info_from(&ti, &info);
        if (strcmp(info.serial, serial) == 0) {
            *slot = slots[i];
            rc = KX_OK;
            break;
        }
    }
    free(slots);
    return rc;
}

static kx_err p11_open(void *ctx, const char *serial, void **out)
{
    struct p11_ctx *c = ctx;
    struct p11_tok *t = calloc(1, sizeof(*t));
    if (!t)
        return KX_ERR_NO_MEMORY;
    t->ctx = c;
    kx_err rc = p11_find_slot(c, serial, &t->slot);
    if (!rc)
        rc = p11_map(c->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
                                         NULL, &t->session),
                     "C_OpenSession");
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    return KX_OK;
}

static void p11_close(void *tok)
{
    struct p11_tok *t = tok;
    if (!t)
        return;
    t->ctx->f->C_CloseSession(t->session);
    free(t);
}

static kx_err p11_info(void *tok, kx_token_info *out)
{
    struct p11_tok *t = tok;
    CK_TOKEN_INFO ti;
    kx_err rc = p11_map(t->ctx->f->C_GetTokenInfo(t->slot, &ti), "C_GetTokenInfo");
    if (!rc)
        p11_info_from(&ti, out);
    return rc;
}

static kx_err p11_login(void *tok, const kx_secbuf *pin, int *tries_left)
{
    struct p11_tok *t = tok;
    *tries_left = -1; /* PKCS#11 gives only the count-low / final-try flags */
    CK_RV rv = t->ctx->f->C_Login(t->session, CKU_USER, (CK_UTF8CHAR_PTR)pin->data,
                                  (CK_ULONG)pin->len);
    if (rv == CKR_USER_ALREADY_LOGGED_IN)
        return KX_OK;
    return p11_map(rv, "C_Login");
}

static kx_err p11_logout(void *tok)
{
    struct p11_tok *t = tok;
    CK_RV rv = t->ctx->f->C_Logout(t->session);
    return rv == CKR_USER_NOT_LOGGED_IN ? KX_OK : p11_map(rv, "C_Logout");
}

static kx_err p11_set_pin(void *tok, const kx_secbuf *old_pin, const kx_secbuf *new_pin)
{
    struct p11_tok *t = tok;
    return p11_map(t->ctx->f->C_SetPIN(t->session, (CK_UTF8CHAR_PTR)old_pin->data,
                                       (CK_ULONG)old_pin->len, (CK_UTF8CHAR_PTR)new_pin->data,
                                       (CK_ULONG)new_pin->len),
                   "C_SetPIN");
}

static kx_err p11_reset_pin(void *tok, const kx_secbuf *so_pin, const kx_secbuf *new_pin)
{
    struct p11_tok *t = tok;
    t->ctx->f->C_Logout(t->session);
    kx_err rc = p11_map(t->ctx->f->C_Login(t->session, CKU_SO, (CK_UTF8CHAR_PTR)so_pin->data,
                                           (CK_ULONG)so_pin->len),
                        "C_Login(SO)");
    if (rc == KX_ERR_PIN_INCORRECT || rc == KX_ERR_PIN_LOCKED)
        return rc == KX_ERR_PIN_LOCKED ? KX_ERR_PIN_LOCKED : KX_ERR_PERMISSION;
    if (rc)
        return rc;
    rc = p11_map(t->ctx->f->C_InitPIN(t->session, (CK_UTF8CHAR_PTR)new_pin->data,
                                      (CK_ULONG)new_pin->len),
                 "C_InitPIN");
    t->ctx->f->C_Logout(t->session);
    return rc;
}

/* ---- 3. object helpers -------------------------------------------------- */

#define P11_MAX_OBJECTS 64

static kx_err p11_find(struct p11_tok *t, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE *objs, CK_ULONG *count)
{
    CK_FUNCTION_LIST_PTR f = t->ctx->f;
    kx_err rc = p11_map(f->C_FindObjectsInit(t->session, tmpl, n), "C_FindObjectsInit");
    if (rc)
        return rc;
    rc = p11_map(f->C_FindObjects(t->session, objs, P11_MAX_OBJECTS, count), "C_FindObjects");
    f->C_FindObjectsFinal(t->session);
    return rc;
}

/* p11_attr - read one variable-length attribute, malloc'd into *out. */
static kx_err p11_attr(struct p11_tok *t, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                       unsigned char **out, CK_ULONG *len)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    kx_err rc =
        p11_map(t->ctx->f->C_GetAttributeValue(t->session, o, &a, 1), "C_GetAttributeValue");
    if (rc)
        return rc;
    if (a.ulValueLen == (CK_ULONG)-1)
        return KX_ERR_NOT_FOUND;
    a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1);
    if (!a.pValue)
        return KX_ERR_NO_MEMORY;
    rc = p11_map(t->ctx->f->C_GetAttributeValue(t->session, o, &a, 1), "C_GetAttributeValue");
    if (rc) {
        free(a.pValue);
        return rc;
    }
    *out = a.pValue;
    *len = a.ulValueLen;
    return KX_OK;
}

/* p11_pubkey - the public key object `o` as an EVP_PKEY. */
static kx_err p11_pubkey(struct p11_tok *t, CK_OBJECT_HANDLE o, EVP_PKEY **out)
{
    CK_KEY_TYPE kt = 0;
    CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof(kt)};
    kx_err rc = p11_map(t->ctx->f->C_GetAttributeValue(t->session, o, &a, 1), "key type");
    if (rc)
        return rc;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *v1 = NULL, *v2 = NULL;
    CK_ULONG l1 = 0, l2 = 0;
    BIGNUM *n = NULL, *e = NULL;
    unsigned char *point = NULL;
    ASN1_OCTET_STRING *os = NULL;
    rc = KX_ERR_TOKEN;
    if (!bld)
        goto out;
    if (kt == CKK_EC) {
        if (p11_attr(t, o, CKA_EC_POINT, &v1, &l1))
            goto out;
        /* CKA_EC_POINT is a DER OCTET STRING holding the point */
        const unsigned char *p = v1;
        os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)l1);
        if (!os)
            goto out;
        if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                             0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, os->data,
                                              (size_t)os->length))
            goto out;
        pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    } else if (kt == CKK_RSA) {
        if (p11_attr(t, o, CKA_MODULUS, &v1, &l1) ||
            p11_attr(t, o, CKA_PUBLIC_EXPONENT, &v2, &l2))
            goto out;
        n = BN_bin2bn(v1, (int)l1, NULL);
        e = BN_bin2bn(v2, (int)l2, NULL);
        if (!n || !e || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            goto out;
        pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else {
        rc = KX_ERR_UNSUPPORTED;
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    *out = NULL;
    if (pctx && params && EVP_PKEY_fromdata_init(pctx) == 1 &&
        EVP_PKEY_fromdata(pctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1)
        rc = KX_OK;
out:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    ASN1_OCTET_STRING_free(os);
    BN_free(n);
    BN_free(e);
    free(v1);
    free(v2);
    free(point);
    return rc;
}

static kx_err p11_find_by_id(struct p11_tok *t, CK_OBJECT_CLASS cls, const unsigned char *id,
                             size_t id_len, CK_OBJECT_HANDLE *o)
{
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, p11_unconst(id), id_len}};
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_ULONG n = 0;
    kx_err rc = p11_find(t, tmpl, 2, objs, &n);
    if (rc)
        return rc;
    if (n == 0)
        return KX_ERR_NOT_FOUND;
    *o = objs[0];
    return KX_OK;
}

/* ---- 4. certificates ---------------------------------------------------- */

static kx_err p11_certs(void *tok, kx_token_certs *out)
{
    struct p11_tok *t = tok;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}};
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_ULONG n = 0;
    memset(out, 0, sizeof(*out));
    kx_err rc = p11_find(t, tmpl, 1, objs, &n);
    if (rc)
        return rc;
    out->items = calloc(n ? n : 1, sizeof(*out->items));
    if (!out->items)
        return KX_ERR_NO_MEMORY;
    for (CK_ULONG i = 0; i < n; i++) {
        kx_token_cert *c = &out->items[out->count];
        unsigned char *der = NULL, *id = NULL, *label = NULL;
        CK_ULONG der_len = 0, id_len = 0, label_len = 0;
        rc = p11_attr(t, objs[i], CKA_VALUE, &der, &der_len);
        if (rc == KX_ERR_TOKEN_REMOVED)
            break;
        if (rc)
            continue;
        if (p11_attr(t, objs[i], CKA_ID, &id, &id_len) == KX_OK && id_len <= KX_TOKEN_ID_MAX) {
            memcpy(c->id, id, id_len);
            c->id_len = id_len;
        }
        if (p11_attr(t, objs[i], CKA_LABEL, &label, &label_len) == KX_OK)
            snprintf(c->label, sizeof(c->label), "%.*s", (int)label_len, (const char *)label);
        free(id);
        free(label);
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long)der_len);
        if (!x) {
            free(der);
            continue; /* not an X.509 certificate: not ours to show */
        }
        kx_token_cert_fill(x, c);
        X509_free(x);
        kx_token_hex(c->id, c->id_len, c->id_hex, sizeof(c->id_hex));
        CK_OBJECT_HANDLE k;
        c->has_private_key =
            p11_find_by_id(t, CKO_PRIVATE_KEY, c->id, c->id_len, &k) == KX_OK ||
            p11_find_by_id(t, CKO_PUBLIC_KEY, c->id, c->id_len, &k) == KX_OK;
        c->der = der;
        c->der_len = der_len;
        out->count++;
        rc = KX_OK;
    }
    return rc;
}

/* ---- 5. keys, signatures, CSR ------------------------------------------- */

static kx_err p11_keygen(void *tok, kx_key_type type, const char *label, unsigned char *id,
                         size_t *id_len)
{
    struct p11_tok *t = tok;
    unsigned char kid[16];
    if (type == KX_KEY_SM2) {
        kx_err_set_detail("SM2 keys need the SKF back-end");
        return KX_ERR_UNSUPPORTED;
    }
    if (RAND_bytes(kid, sizeof(kid)) != 1)
        return KX_ERR_INTERNAL;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG bits = 2048;
    static const unsigned char p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                             0xce, 0x3d, 0x03, 0x01, 0x07};
    static const unsigned char f4[] = {0x01, 0x00, 0x01};
    CK_ULONG llen = (CK_ULONG)strlen(label);
    CK_ATTRIBUTE pub[8] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_VERIFY, &yes, sizeof(yes)},
        {CKA_ID, kid, sizeof(kid)},
        {CKA_LABEL, p11_unconst(label), llen},
    };
    CK_ATTRIBUTE priv[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},    {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},         {CKA_ID, kid, sizeof(kid)},
        {CKA_LABEL, p11_unconst(label), llen},
    };
    CK_ULONG npub = 4;
    CK_MECHANISM mech = {0, NULL, 0};
    if (type == KX_KEY_EC_P256) {
        mech.mechanism = CKM_EC_KEY_PAIR_GEN;
        pub[npub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, p11_unconst(p256_oid), sizeof(p256_oid)};
    } else {
        mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
        pub[npub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &bits, sizeof(bits)};
        pub[npub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, p11_unconst(f4), sizeof(f4)};
    }
    CK_OBJECT_HANDLE hpub, hpriv;
    kx_err rc =
        p11_map(t->ctx->f->C_GenerateKeyPair(t->session, &mech, pub, npub, priv,
                                             sizeof(priv) / sizeof(priv[0]), &hpub, &hpriv),
                "C_GenerateKeyPair");
    if (rc)
        return rc;
    memcpy(id, kid, sizeof(kid));
    *id_len = sizeof(kid);
    return KX_OK;
}

/* p11_sign_digest - sign a SHA-256 digest with private key `id`; the result
 * is a DER ECDSA signature or a PKCS#1 v1.5 RSA signature (malloc'd). */
static kx_err p11_sign_digest(struct p11_tok *t, const unsigned char *id, size_t id_len,
                              const unsigned char digest[32], unsigned char **sig,
                              size_t *sig_len, kx_key_type *type)
{
    CK_OBJECT_HANDLE key;
    kx_err rc = p11_find_by_id(t, CKO_PRIVATE_KEY, id, id_len, &key);
    if (rc)
        return rc == KX_ERR_NOT_FOUND ? KX_ERR_STATE : rc; /* hidden until login */
    CK_KEY_TYPE kt = 0;
    CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof(kt)};
    if ((rc = p11_map(t->ctx->f->C_GetAttributeValue(t->session, key, &a, 1), "key type")))
        return rc;
    static const unsigned char sha256_prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                  0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                  0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char in[sizeof(sha256_prefix) + 32];
    CK_ULONG in_len;
    CK_MECHANISM mech = {kt == CKK_EC ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0};
    if (kt == CKK_EC) {
        memcpy(in, digest, 32);
        in_len = 32;
    } else {
        memcpy(in, sha256_prefix, sizeof(sha256_prefix));
        memcpy(in + sizeof(sha256_prefix), digest, 32);
        in_len = sizeof(in);
    }
    CK_FUNCTION_LIST_PTR f = t->ctx->f;
    if ((rc = p11_map(f->C_SignInit(t->session, &mech, key), "C_SignInit")))
        return rc;
    unsigned char raw[512];
    CK_ULONG raw_len = sizeof(raw);
    if ((rc = p11_map(f->C_Sign(t->session, in, in_len, raw, &raw_len), "C_Sign")))
        return rc;
    if (kt != CKK_EC) {
        *sig = malloc(raw_len);
        if (!*sig)
            return KX_ERR_NO_MEMORY;
        memcpy(*sig, raw, raw_len);
        *sig_len = raw_len;
        *type = KX_KEY_RSA_2048;
        return KX_OK;
    }
    /* PKCS#11 gives r || s; X.509 wants DER ECDSA-Sig-Value */
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)raw_len / 2, NULL);
    BIGNUM *s = BN_bin2bn(raw + raw_len / 2, (int)raw_len / 2, NULL);
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        return KX_ERR_NO_MEMORY;
    }
    unsigned char *der = NULL;
    int dl = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (dl <= 0)
        return KX_ERR_INTERNAL;
    *sig = malloc((size_t)dl);
    if (*sig)
        memcpy(*sig, der, (size_t)dl);
    OPENSSL_free(der);
    if (!*sig)
        return KX_ERR_NO_MEMORY;
    *sig_len = (size_t)dl;
    *type = KX_KEY_EC_P256;
    return KX_OK;
}

static kx_err p11_pubkey_by_id(struct p11_tok *t, const unsigned char *id, size_t id_len,
                               EVP_PKEY **pk)
{
    CK_OBJECT_HANDLE o;
    kx_err rc = p11_find_by_id(t, CKO_PUBLIC_KEY, id, id_len, &o);
    return rc ? rc : p11_pubkey(t, o, pk);
}

struct p11_csr_arg {
    struct p11_tok *t;
    const unsigned char *id;
    size_t id_len;
};

/* p11_csr_sign - kx_token_tbs_sign: SHA-256 here, the signature on the token */
static kx_err p11_csr_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char **sig,
                           size_t *sig_len)
{
    struct p11_csr_arg *a = arg;
    unsigned char digest[32];
    unsigned int dlen = 0;
    kx_key_type kt;
    if (EVP_Digest(tbs, len, digest, &dlen, EVP_sha256(), NULL) != 1)
        return KX_ERR_INTERNAL;
    return p11_sign_digest(a->t, a->id, a->id_len, digest, sig, sig_len, &kt);
}

static kx_err p11_csr(void *tok, const unsigned char *id, size_t id_len, const char *company,
                      const char *credit_code, const char *common_name, char **csr_pem)
{
    struct p11_csr_arg a = {tok, id, id_len};
    EVP_PKEY *pk = NULL;
    kx_err rc = p11_pubkey_by_id(tok, id, id_len, &pk);
    if (!rc)
        rc = kx_token_csr_build(pk, company, credit_code, common_name, p11_csr_sign, &a,
                                csr_pem);
    EVP_PKEY_free(pk);
    return rc;
}

/* ---- 6. install, verify, delete, relabel, cleanup ---------------------- */

static X509 *p11_parse_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

/* p11_match_key - the CKA_ID of the public key on the token equal to pk. */
static kx_err p11_match_key(struct p11_tok *t, EVP_PKEY *pk, unsigned char *id, size_t *id_len)
{
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}};
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_ULONG n = 0;
    kx_err rc = p11_find(t, tmpl, 1, objs, &n);
    if (rc)
        return rc;
    for (CK_ULONG i = 0; i < n; i++) {
        EVP_PKEY *k = NULL;
        if ((rc = p11_pubkey(t, objs[i], &k)) == KX_ERR_TOKEN_REMOVED)
            return rc;
        int same = k && EVP_PKEY_eq(k, pk) == 1;
        EVP_PKEY_free(k);
        if (!same)
            continue;
        unsigned char *v = NULL;
        CK_ULONG vl = 0;
        if ((rc = p11_attr(t, objs[i], CKA_ID, &v, &vl)))
            return rc;
        if (vl > KX_TOKEN_ID_MAX) {
            free(v);
            return KX_ERR_TOKEN;
        }
        memcpy(id, v, vl);
        *id_len = vl;
        free(v);
        return KX_OK;
    }
    kx_err_set_detail("no key on the token matches the certificate");
    return KX_ERR_MISMATCH;
}

static kx_err p11_install(void *tok, const char *cert_pem, const char *label,
                          unsigned char *id_out, size_t *id_len_out)
{
    struct p11_tok *t = tok;
    X509 *x = p11_parse_pem(cert_pem);
    if (!x) {
        kx_err_set_detail("certificate is not PEM X.509");
        return KX_ERR_BAD_FORMAT;
    }
    unsigned char id[KX_TOKEN_ID_MAX], *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
    size_t id_len = 0;
    kx_err rc = p11_match_key(t, X509_get0_pubkey(x), id, &id_len);
    int der_len = rc ? 0 : i2d_X509(x, &der);
    int subj_len = rc ? 0 : i2d_X509_NAME(X509_get_subject_name(x), &subj);
    int iss_len = rc ? 0 : i2d_X509_NAME(X509_get_issuer_name(x), &iss);
    int ser_len = rc ? 0 : i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
    if (!rc && (der_len <= 0 || subj_len <= 0 || iss_len <= 0 || ser_len <= 0))
        rc = KX_ERR_INTERNAL;
    if (!rc) {
        /* installing the same certificate twice is a no-op (retries) */
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_ATTRIBUTE q[] = {{CKA_CLASS, &cls, sizeof(cls)},
                            {CKA_VALUE, der, (CK_ULONG)der_len}};
        CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
        CK_ULONG n = 0;
        rc = p11_find(t, q, 2, objs, &n);
        if (!rc && n == 0) {
            CK_CERTIFICATE_TYPE ct = CKC_X_509;
            CK_BBOOL yes = CK_TRUE;
            CK_ATTRIBUTE a[] = {
                {CKA_CLASS, &cls, sizeof(cls)},
                {CKA_CERTIFICATE_TYPE, &ct, sizeof(ct)},
                {CKA_TOKEN, &yes, sizeof(yes)},
                {CKA_ID, id, id_len},
                {CKA_LABEL, p11_unconst(label), (CK_ULONG)strlen(label)},
                {CKA_SUBJECT, subj, (CK_ULONG)subj_len},
                {CKA_ISSUER, iss, (CK_ULONG)iss_len},
                {CKA_SERIAL_NUMBER, ser, (CK_ULONG)ser_len},
                {CKA_VALUE, der, (CK_ULONG)der_len},
            };
            CK_OBJECT_HANDLE h;
            rc = p11_map(t->ctx->f->C_CreateObject(t->session, a, sizeof(a) / sizeof(a[0]), &h),
                         "C_CreateObject");
        }
    }
    if (!rc && id_out && id_len_out) {
        memcpy(id_out, id, id_len);
        *id_len_out = id_len;
    }
    OPENSSL_free(der);
    OPENSSL_free(subj);
    OPENSSL_free(iss);
    OPENSSL_free(ser);
    X509_free(x);
    return rc;
}

static kx_err p11_verify_pair(void *tok, const unsigned char *id, size_t id_len)
{
    struct p11_tok *t = tok;
    CK_OBJECT_HANDLE co;
    kx_err rc = p11_find_by_id(t, CKO_CERTIFICATE, id, id_len, &co);
    if (rc)
        return rc;
    unsigned char *der = NULL, *sig = NULL;
    CK_ULONG der_len = 0;
    size_t sig_len = 0;
    if ((rc = p11_attr(t, co, CKA_VALUE, &der, &der_len)))
        return rc;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)der_len);
    free(der);
    if (!x)
        return KX_ERR_BAD_FORMAT;
    unsigned char challenge[32], digest[32];
    unsigned int dl = 0;
    kx_key_type kt;
    EVP_MD_CTX *md = NULL;
    rc = KX_ERR_INTERNAL;
    if (RAND_bytes(challenge, sizeof(challenge)) != 1 ||
        EVP_Digest(challenge, sizeof(challenge), digest, &dl, EVP_sha256(), NULL) != 1)
        goto out;
    if ((rc = p11_sign_digest(t, id, id_len, digest, &sig, &sig_len, &kt)))
        goto out;
    md = EVP_MD_CTX_new();
    rc = KX_ERR_MISMATCH;
    if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)) == 1 &&
        EVP_DigestVerify(md, sig, sig_len, challenge, sizeof(challenge)) == 1)
        rc = KX_OK;
    else
        kx_err_set_detail("the key's signature does not verify under the certificate");
out:
    EVP_MD_CTX_free(md);
    free(sig);
    X509_free(x);
    return rc;
}

static kx_err p11_delete_id(void *tok, const unsigned char *id, size_t id_len)
{
    struct p11_tok *t = tok;
    CK_ATTRIBUTE tmpl[] = {{CKA_ID, p11_unconst(id), id_len}};
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_OBJECT_CLASS cls[P11_MAX_OBJECTS];
    CK_ULONG n = 0;
    kx_err rc = p11_find(t, tmpl, 1, objs, &n);
    /* read every class before destroying anything: a destroyed handle is
     * invalid */
    for (CK_ULONG i = 0; !rc && i < n; i++) {
        CK_ATTRIBUTE a = {CKA_CLASS, &cls[i], sizeof(cls[i])};
        rc = p11_map(t->ctx->f->C_GetAttributeValue(t->session, objs[i], &a, 1), "class");
    }
    /* certificate first: a key without certificate is what cleanup removes */
    for (int pass = 0; !rc && pass < 2; pass++)
        for (CK_ULONG i = 0; !rc && i < n; i++)
            if ((pass == 0) == (cls[i] == CKO_CERTIFICATE))
                rc =
                    p11_map(t->ctx->f->C_DestroyObject(t->session, objs[i]), "C_DestroyObject");
    return rc;
}

static kx_err p11_relabel(void *tok, const unsigned char *id, size_t id_len, const char *label)
{
    struct p11_tok *t = tok;
    CK_ATTRIBUTE tmpl[] = {{CKA_ID, p11_unconst(id), id_len}};
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_ULONG n = 0;
    kx_err rc = p11_find(t, tmpl, 1, objs, &n);
    for (CK_ULONG i = 0; !rc && i < n; i++) {
        CK_ATTRIBUTE a = {CKA_LABEL, p11_unconst(label), (CK_ULONG)strlen(label)};
        rc = p11_map(t->ctx->f->C_SetAttributeValue(t->session, objs[i], &a, 1),
                     "C_SetAttributeValue");
    }
    return rc;
}

static kx_err p11_cleanup(void *tok, int *removed)
{
    struct p11_tok *t = tok;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_LABEL, p11_unconst(KX_TOKEN_PENDING_LABEL), sizeof(KX_TOKEN_PENDING_LABEL) - 1}};
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_ULONG n = 0;
    int count = 0;
    kx_err rc = p11_find(t, tmpl, 1, objs, &n);
    /* collect the distinct ids first: deleting invalidates the handles */
    unsigned char ids[P11_MAX_OBJECTS][KX_TOKEN_ID_MAX];
    size_t lens[P11_MAX_OBJECTS], nids = 0;
    for (CK_ULONG i = 0; !rc && i < n; i++) {
        unsigned char *id = NULL;
        CK_ULONG id_len = 0;
        if ((rc = p11_attr(t, objs[i], CKA_ID, &id, &id_len)))
            break;
        int dup = id_len > KX_TOKEN_ID_MAX;
        for (size_t k = 0; !dup && k < nids; k++)
            dup = lens[k] == id_len && memcmp(ids[k], id, id_len) == 0;
        if (!dup) {
            memcpy(ids[nids], id, id_len);
            lens[nids++] = id_len;
        }
        free(id);
    }
    for (size_t k = 0; !rc && k < nids; k++) {
        CK_OBJECT_HANDLE c;
        if (p11_find_by_id(t, CKO_CERTIFICATE, ids[k], lens[k], &c) == KX_ERR_NOT_FOUND) {
            /* a pending key pair never got its certificate: half-written */
            rc = p11_delete_id(t, ids[k], lens[k]);
            count++;
        }
    }
    if (removed)
        *removed = count;
    return rc;
}

static kx_err p11_sign(void *tok, const unsigned char *id, size_t id_len,
                       const unsigned char *data, size_t len, unsigned char **sig,
                       size_t *sig_len)
{
    unsigned char digest[32];
    unsigned int dl = 0;
    kx_key_type kt;
    if (EVP_Digest(data, len, digest, &dl, EVP_sha256(), NULL) != 1)
        return KX_ERR_INTERNAL;
    return p11_sign_digest(tok, id, id_len, digest, sig, sig_len, &kt);
}

/* ---- 7. contract additions: what PKCS#11 does not do, named data ------- */

static kx_err p11_configure(void *ctx, const kx_config *cfg)
{
    (void)ctx;
    (void)cfg;
    return KX_OK;
}

static kx_err p11_init_blank(void *tok, const kx_secbuf *so_pin, const kx_secbuf *user_pin)
{
    (void)tok;
    (void)so_pin;
    (void)user_pin;
    kx_err_set_detail("PKCS#11 tokens are initialised outside the kiosk");
    return KX_ERR_UNSUPPORTED;
}

static kx_err p11_import_enc(void *tok, const unsigned char *id, size_t id_len,
                             const unsigned char *envelope, size_t len)
{
    (void)tok;
    (void)id;
    (void)id_len;
    (void)envelope;
    (void)len;
    kx_err_set_detail("enveloped SM2 key import needs the SKF back-end");
    return KX_ERR_UNSUPPORTED;
}

#define P11_DATA_APP "jxca-kiosk"

/* p11_find_data - the CKO_DATA objects of this application labelled name */
static kx_err p11_find_data(struct p11_tok *t, const char *name, CK_OBJECT_HANDLE *objs,
                            CK_ULONG *n)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_APPLICATION, p11_unconst(P11_DATA_APP), sizeof(P11_DATA_APP) - 1},
        {CKA_LABEL, p11_unconst(name), (CK_ULONG)strlen(name)},
    };
    return p11_find(t, tmpl, 3, objs, n);
}

static kx_err p11_write_data(void *tok, const char *name, const unsigned char *data, size_t len)
{
    struct p11_tok *t = tok;
    CK_OBJECT_HANDLE old[P11_MAX_OBJECTS], h;
    CK_ULONG n = 0;
    kx_err rc = p11_find_data(t, name, old, &n);
    if (rc)
        return rc;
    /* the new object first: a pull in between leaves the old one or both */
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE a[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &no, sizeof(no)},
        {CKA_APPLICATION, p11_unconst(P11_DATA_APP), sizeof(P11_DATA_APP) - 1},
        {CKA_LABEL, p11_unconst(name), (CK_ULONG)strlen(name)},
        {CKA_VALUE, p11_unconst(data), (CK_ULONG)len},
    };
    rc = p11_map(t->ctx->f->C_CreateObject(t->session, a, sizeof(a) / sizeof(a[0]), &h),
                 "C_CreateObject");
    for (CK_ULONG i = 0; !rc && i < n; i++)
        rc = p11_map(t->ctx->f->C_DestroyObject(t->session, old[i]), "C_DestroyObject");
    return rc;
}

static kx_err p11_read_data(void *tok, const char *name, unsigned char **data, size_t *len)
{
    struct p11_tok *t = tok;
    CK_OBJECT_HANDLE objs[P11_MAX_OBJECTS];
    CK_ULONG n = 0, vl = 0;
    kx_err rc = p11_find_data(t, name, objs, &n);
    if (!rc && n == 0)
        rc = KX_ERR_NOT_FOUND;
    /* a pulled write may leave two whole objects: either will do */
    if (!rc)
        rc = p11_attr(t, objs[n - 1], CKA_VALUE, data, &vl);
    if (!rc)
        *len = vl;
    return rc;
}

const kx_token_ops kx_token_pkcs11_ops = {
    .name = "pkcs11",
    .caps = KX_TOKEN_CAP_EVENTS | KX_TOKEN_CAP_KEYGEN_EC | KX_TOKEN_CAP_KEYGEN_RSA |
            KX_TOKEN_CAP_PIN_RESET | KX_TOKEN_CAP_DATA,
    .load = p11_load,
    .configure = p11_configure,
    .unload = p11_unload,
    .list = p11_list,
    .open = p11_open,
    .close = p11_close,
    .info = p11_info,
    .login = p11_login,
    .logout = p11_logout,
    .set_pin = p11_set_pin,
    .reset_pin = p11_reset_pin,
    .certs = p11_certs,
    .keygen = p11_keygen,
    .csr = p11_csr,
    .install = p11_install,
    .verify_pair = p11_verify_pair,
    .delete_id = p11_delete_id,
    .relabel = p11_relabel,
    .cleanup = p11_cleanup,
    .sign = p11_sign,
    .init_blank = p11_init_blank,
    .import_enc = p11_import_enc,
    .write_data = p11_write_data,
    .read_data = p11_read_data,
};
