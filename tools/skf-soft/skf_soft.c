/* SPDX-License-Identifier: MIT */
/*
 * skf_soft.c - libskf-soft.so: a software SKF library (GM/T 0016-2012) over
 * OpenSSL 3's SM2, SM3 and SM4, the SKF counterpart of SoftHSM2 for tests
 * and the demo. The kiosk loads it like a vendor library and must never
 * know it is a simulator.
 *
 * Store: $SKF_SOFT_DIR/<device>/ is one UKEY (see README.md):
 *   dev.conf            serial, label, manufacturer, device auth key
 *   inserted            present while this file exists; its number is the
 *                       insertion generation (handles of an older one fail)
 *   apps/<app>/app.conf PIN hashes (SM3), retry limits and tries left
 *   apps/<app>/con/<c>/ sign.key sign.cer enc.key enc.cer (PEM key, DER cert)
 *   apps/<app>/files/<f> data, apps/<app>/attrs/<f> "size read write"
 * Every call re-reads the store, so several processes see one device, and
 * every write goes to a temporary file renamed into place.
 *
 * Faults: $SKF_SOFT_FAULTS names a control file re-read at every call (see
 * README.md): locked, final_try, pulled, fail FN N ERR [once|after|pulled],
 * delay FN MS. Counters restart when its content changes.
 *
 * Map: 1. store helpers  2. faults  3. crypto helpers  4. devices
 *      5. access control  6. applications  7. files  8. containers
 *      9. keys, signatures, session keys
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "skf.h"

#define SKF_API __attribute__((visibility("default")))
#define SOFT_NAME_MAX 64
#define SOFT_MAGIC_DEV 0x534b4644u
#define SOFT_MAGIC_APP 0x534b4641u
#define SOFT_MAGIC_CON 0x534b4643u
#define SOFT_MAGIC_KEY 0x534b464bu
#define SOFT_PIN_MIN 6
#define SOFT_PIN_MAX 16

struct soft_dev {
    uint32_t magic;
    char name[SOFT_NAME_MAX];
    char path[PATH_MAX];
    long gen;
    int authed;
    uint8_t rnd[16];
    int rnd_set;
};

struct soft_app {
    uint32_t magic;
    struct soft_dev *dev;
    char name[SOFT_NAME_MAX];
    char path[PATH_MAX];
    int user_ok, admin_ok;
};

struct soft_con {
    uint32_t magic;
    struct soft_app *app;
    char name[SOFT_NAME_MAX];
    char path[PATH_MAX];
};

struct soft_key {
    uint32_t magic;
    struct soft_dev *dev;
    uint8_t key[16];
    ULONG padding;
};

static pthread_mutex_t soft_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- 1. store helpers --------------------------------------------------- */

static const char *soft_root(void)
{
    const char *d = getenv("SKF_SOFT_DIR");
    return d && *d ? d : "/tmp/skf-soft";
}

/* soft_name_ok - a device, application, container or file name: 1..63
 * printable characters, no '/', not "." or ".." */
static int soft_name_ok(const char *n)
{
    if (!n)
        return 0;
    size_t len = strnlen(n, SOFT_NAME_MAX);
    if (len == 0 || len >= SOFT_NAME_MAX || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)n[i] < 0x21 || n[i] == '/' || n[i] == 0x7f)
            return 0;
    return 1;
}

static int soft_path(char *out, size_t outsz, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + 1 + lb >= outsz)
        return 0;
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 1;
}

/* soft_field - a fixed DEVINFO text field: bytes of src, zero-filled, not
 * necessarily NUL-terminated (as the standard lays it out) */
static void soft_field(char *dst, size_t n, const char *src)
{
    size_t l = strnlen(src, n);
    memset(dst, 0, n);
    memcpy(dst, src, l);
}

static int soft_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* soft_read - whole file, malloc'd (+1 NUL); NULL when absent */
static uint8_t *soft_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 + 1 > cap) {
            uint8_t *nb = realloc(buf, cap = n + 8192);
            if (!nb) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
    } while (got > 0);
    fclose(fp);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

/* soft_write - atomic replace through a temporary file */
static ULONG soft_write(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return SAR_FILEERR;
    FILE *fp = fopen(tmp, "wb");
    if (!fp)
        return SAR_FILEERR;
    int ok = fwrite(data, 1, len, fp) == len;
    ok &= fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    ok &= fclose(fp) == 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return SAR_FILEERR;
    }
    return SAR_OK;
}

/* soft_conf_get - value of "key=value" line in a conf text, into out */
static int soft_conf_get(const char *text, const char *key, char *out, size_t outsz)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t ll = e ? (size_t)(e - p) : strlen(p);
        if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = ll - kl - 1;
            if (vl >= outsz)
                vl = outsz - 1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = 0;
            return 1;
        }
        p = e ? e + 1 : NULL;
    }
    out[0] = 0;
    return 0;
}

static long soft_conf_long(const char *text, const char *key, long def)
{
    char v[32];
    if (!soft_conf_get(text, key, v, sizeof(v)))
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    return end != v ? n : def;
}

static void soft_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[PATH_MAX];
            if (soft_path(p, sizeof(p), path, e->d_name))
                soft_rmtree(p);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int soft_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* soft_list - names in dir (sorted) as a double-NUL list into buf/pulSize,
 * filtered by keep(dirpath, name) when given */
static ULONG soft_list(const char *dir, int (*keep)(const char *, const char *), LPSTR buf,
                       ULONG *size)
{
    char *names[256];
    size_t n = 0, total = 1;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) && n < 256) {
            if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp") || !soft_name_ok(e->d_name))
                continue;
            if (keep && !keep(dir, e->d_name))
                continue;
            names[n] = strdup(e->d_name);
            if (names[n])
                total += strlen(names[n++]) + 1;
        }
        closedir(d);
    }
    qsort(names, n, sizeof(names[0]), soft_cmp_str);
    ULONG rv = SAR_OK;
    if (n == 0)
        total = 2; /* an empty list is two NULs */
    if (buf && *size < total) {
        rv = SAR_BUFFER_TOO_SMALL;
    } else if (buf) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(names[i]) + 1;
            memcpy(buf + k, names[i], l);
            k += l;
        }
        buf[k] = 0;
        if (n == 0)
            buf[1] = 0;
    }
    *size = (ULONG)total;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rv;
}

static void soft_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = 0;
}

static int soft_unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (uint8_t)v;
    }
    return 1;
}

/* ---- 2. faults ------------------------------------------------------------ */

static struct {
    char *text; /* the control file's content at the last call */
    int pulled;
    struct {
        char fn[48];
        long count;
    } counts[64];
    size_t ncounts;
    long all;
} soft_fault;

static const struct {
    const char *name;
    ULONG code;
} soft_codes[] = {
    {"SAR_FAIL", SAR_FAIL},
    {"SAR_DEVICE_REMOVED", SAR_DEVICE_REMOVED},
    {"SAR_PIN_INCORRECT", SAR_PIN_INCORRECT},
    {"SAR_PIN_LOCKED", SAR_PIN_LOCKED},
    {"SAR_USER_NOT_LOGGED_IN", SAR_USER_NOT_LOGGED_IN},
    {"SAR_NO_ROOM", SAR_NO_ROOM},
    {"SAR_FILEERR", SAR_FILEERR},
    {"SAR_INVALIDHANDLEERR", SAR_INVALIDHANDLEERR},
    {"SAR_APPLICATION_NOT_EXISTS", SAR_APPLICATION_NOT_EXISTS},
};

static ULONG soft_code(const char *s)
{
    for (size_t i = 0; i < sizeof(soft_codes) / sizeof(soft_codes[0]); i++)
        if (strcmp(s, soft_codes[i].name) == 0)
            return soft_codes[i].code;
    return (ULONG)strtoul(s, NULL, 0);
}

/* soft_fault_text - current control text (re-read; counters reset when it
 * changed). Called with soft_mu held. */
static const char *soft_fault_text(void)
{
    const char *path = getenv("SKF_SOFT_FAULTS");
    char *now = path ? (char *)soft_read(path, NULL) : NULL;
    if (!now)
        now = strdup("");
    if (!soft_fault.text || strcmp(now, soft_fault.text) != 0) {
        free(soft_fault.text);
        soft_fault.text = now;
        soft_fault.pulled = 0;
        soft_fault.ncounts = 0;
        soft_fault.all = 0;
    } else {
        free(now);
    }
    return soft_fault.text ? soft_fault.text : "";
}

/* the library may be unloaded (dlclose): the control text goes with it */
__attribute__((destructor)) static void soft_fault_free(void)
{
    free(soft_fault.text);
    soft_fault.text = NULL;
}

/* soft_fault_has - a line that is exactly word */
static int soft_fault_has(const char *word)
{
    pthread_mutex_lock(&soft_mu);
    const char *t = soft_fault_text();
    int found = 0;
    size_t wl = strlen(word);
    for (const char *p = t; *p && !found;) {
        const char *e = strchr(p, '\n');
        size_t ll = e ? (size_t)(e - p) : strlen(p);
        while (ll > 0 && (p[ll - 1] == ' ' || p[ll - 1] == '\r'))
            ll--;
        found = ll == wl && strncmp(p, word, wl) == 0;
        p = e ? e + 1 : p + ll;
        if (!e)
            break;
    }
    int pulled = soft_fault.pulled;
    pthread_mutex_unlock(&soft_mu);
    return found || (strcmp(word, "pulled") == 0 && pulled);
}

/* soft_enter - the fault point of every counted call: sleeps for delay,
 * returns the injected error or SAR_OK */
static ULONG soft_enter(const char *fn)
{
    pthread_mutex_lock(&soft_mu);
    const char *t = soft_fault_text();
    long mine = 0;
    size_t i;
    for (i = 0; i < soft_fault.ncounts && strcmp(soft_fault.counts[i].fn, fn) != 0; i++)
        ;
    if (i == soft_fault.ncounts && i < 64) {
        snprintf(soft_fault.counts[i].fn, sizeof(soft_fault.counts[i].fn), "%s", fn);
        soft_fault.counts[i].count = 0;
        soft_fault.ncounts++;
    }
    if (i < 64)
        mine = ++soft_fault.counts[i].count;
    long all = ++soft_fault.all;
    ULONG rv = soft_fault.pulled ? SAR_DEVICE_REMOVED : SAR_OK;
    long delay_ms = 0;
    char *copy = strdup(t);
    char *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && rv == SAR_OK;
         line = strtok_r(NULL, "\n", &save)) {
        char w[5][48] = {{0}};
        int nw = sscanf(line, "%47s %47s %47s %47s %47s", w[0], w[1], w[2], w[3], w[4]);
        if (nw >= 3 && strcmp(w[0], "delay") == 0 &&
            (strcmp(w[1], fn) == 0 || strcmp(w[1], "*") == 0))
            delay_ms = strtol(w[2], NULL, 10);
        if (nw >= 4 && strcmp(w[0], "fail") == 0 &&
            (strcmp(w[1], fn) == 0 || strcmp(w[1], "*") == 0)) {
            long at = strtol(w[2], NULL, 10), c = strcmp(w[1], "*") == 0 ? all : mine;
            const char *mode = nw >= 5 ? w[4] : "once";
            if (c == at || (strcmp(mode, "after") == 0 && c > at)) {
                rv = soft_code(w[3]);
                if (strcmp(mode, "pulled") == 0)
                    soft_fault.pulled = 1;
            }
        }
    }
    free(copy);
    pthread_mutex_unlock(&soft_mu);
    if (delay_ms > 0) {
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return rv;
}

/* ---- 3. crypto helpers ------------------------------------------------------ */

static void soft_pin_hash(const char *pin, char out[65])
{
    uint8_t d[32];
    unsigned int dl = 0;
    EVP_Digest(pin, strlen(pin), d, &dl, EVP_sm3(), NULL);
    soft_hex(d, 32, out);
}

static EVP_PKEY *soft_key_load(const char *path)
{
    FILE *fp = fopen(path, "r");
    EVP_PKEY *k = fp ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;
    if (fp)
        fclose(fp);
    return k;
}

static ULONG soft_key_save(const char *path, EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    ULONG rv = SAR_FAIL;
    if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        rv = soft_write(path, data, (size_t)n);
    }
    BIO_free(b);
    return rv;
}

/* soft_pub_xy - the public point of k as 32-byte x and y */
static int soft_pub_xy(EVP_PKEY *k, uint8_t x[32], uint8_t y[32])
{
    uint8_t pt[65];
    size_t n = 0;
    if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) != 1 ||
        n != 65 || pt[0] != 4)
        return 0;
    memcpy(x, pt + 1, 32);
    memcpy(y, pt + 33, 32);
    return 1;
}

static void soft_pub_blob(EVP_PKEY *k, ECCPUBLICKEYBLOB *blob)
{
    memset(blob, 0, sizeof(*blob));
    blob->BitLen = 256;
    soft_pub_xy(k, blob->XCoordinate + 32, blob->YCoordinate + 32);
}

/* soft_pkey - an SM2 EVP_PKEY from a public point and optional private d */
static EVP_PKEY *soft_pkey(const uint8_t x[32], const uint8_t y[32], const uint8_t *d)
{
    uint8_t pt[65];
    pt[0] = 4;
    memcpy(pt + 1, x, 32);
    memcpy(pt + 33, y, 32);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn = d ? BN_bin2bn(d, 32, NULL) : NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    EVP_PKEY *k = NULL;
    if (bld && ctx && (!d || bn) &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) &&
        (!d || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn)) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &k, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(bn);
    EVP_PKEY_CTX_free(ctx);
    return k;
}

static int soft_blob_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static EVP_PKEY *soft_pkey_from_blob(const ECCPUBLICKEYBLOB *b)
{
    if (b->BitLen != 256 || !soft_blob_zero(b->XCoordinate, 32) ||
        !soft_blob_zero(b->YCoordinate, 32))
        return NULL;
    return soft_pkey(b->XCoordinate + 32, b->YCoordinate + 32, NULL);
}

/* soft_sm2_decrypt - an ECCCIPHERBLOB (cipher_len within avail) with key */
static ULONG soft_sm2_decrypt(EVP_PKEY *key, const uint8_t *blob, size_t avail, uint8_t *out,
                              size_t *out_len)
{
    if (avail < 164)
        return SAR_INDATALENERR;
    ULONG clen;
    memcpy(&clen, blob + 160, 4);
    if (clen == 0 || clen > 1024 || clen > avail - 164 || !soft_blob_zero(blob, 32) ||
        !soft_blob_zero(blob + 64, 32))
        return SAR_INDATAERR;
    /* DER SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 } */
    BIGNUM *x = BN_bin2bn(blob + 32, 32, NULL), *y = BN_bin2bn(blob + 96, 32, NULL);
    uint8_t der[1400];
    size_t k = 0;
    uint8_t body[1300];
    size_t b = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t v[33];
        int n = BN_bn2binpad(i ? y : x, v + 1, 32);
        (void)n;
        size_t skip = 1;
        while (skip < 32 && v[skip] == 0)
            skip++;
        if (v[skip] & 0x80)
            v[--skip] = 0;
        body[b++] = 0x02;
        body[b++] = (uint8_t)(33 - skip);
        memcpy(body + b, v + skip, 33 - skip);
        b += 33 - skip;
    }
    BN_free(x);
    BN_free(y);
    body[b++] = 0x04;
    body[b++] = 32;
    memcpy(body + b, blob + 128, 32);
    b += 32;
    body[b++] = 0x04;
    if (clen < 128) {
        body[b++] = (uint8_t)clen;
    } else if (clen < 256) {
        body[b++] = 0x81;
        body[b++] = (uint8_t)clen;
    } else {
        body[b++] = 0x82;
        body[b++] = (uint8_t)(clen >> 8);
        body[b++] = (uint8_t)clen;
    }
    memcpy(body + b, blob + 164, clen);
    b += clen;
    der[k++] = 0x30;
    if (b < 128) {
        der[k++] = (uint8_t)b;
    } else if (b < 256) {
        der[k++] = 0x81;
        der[k++] = (uint8_t)b;
    } else {
        der[k++] = 0x82;
        der[k++] = (uint8_t)(b >> 8);
        der[k++] = (uint8_t)b;
    }
    memcpy(der + k, body, b);
    k += b;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    size_t ol = *out_len;
    ULONG rv = SAR_INDATAERR;
    if (ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
        EVP_PKEY_decrypt(ctx, out, &ol, der, k) == 1) {
        *out_len = ol;
        rv = SAR_OK;
    }
    EVP_PKEY_CTX_free(ctx);
    return rv;
}

/* soft_sm2_encrypt - plain to pub, as an ECCCIPHERBLOB of 164 + n bytes */
static ULONG soft_sm2_encrypt(EVP_PKEY *pub, const uint8_t *plain, size_t n, uint8_t *blob)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
    uint8_t der[512];
    size_t dl = sizeof(der);
    ULONG rv = SAR_FAIL;
    if (ctx && EVP_PKEY_encrypt_init(ctx) == 1 &&
        EVP_PKEY_encrypt(ctx, der, &dl, plain, n) == 1) {
        /* walk the DER written by OpenSSL */
        const uint8_t *p = der + 2 + ((der[1] & 0x80) ? (der[1] & 0x7f) : 0);
        memset(blob, 0, 164);
        for (int i = 0; i < 2; i++) {
            size_t l = p[1];
            const uint8_t *v = p + 2;
            while (l > 32 && *v == 0) {
                v++;
                l--;
            }
            memcpy(blob + (i ? 64 : 0) + 64 - l, v, l);
            p += 2 + p[1];
        }
        memcpy(blob + 128, p + 2, 32);
        p += 34;
        size_t cl = p[1];
        memcpy(blob + 160, &(ULONG){(ULONG)cl}, 4);
        memcpy(blob + 164, p + 2, cl);
        rv = cl == n ? SAR_OK : SAR_FAIL;
    }
    EVP_PKEY_CTX_free(ctx);
    return rv;
}

static int soft_sm4(int enc, const uint8_t key[16], const uint8_t *in, size_t n, uint8_t *out,
                    int pad, size_t *out_len)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    int ok = c && EVP_CipherInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL, enc) == 1 &&
             EVP_CIPHER_CTX_set_padding(c, pad) == 1 &&
             EVP_CipherUpdate(c, out, &l1, in, (int)n) == 1 &&
             EVP_CipherFinal_ex(c, out + l1, &l2) == 1;
    EVP_CIPHER_CTX_free(c);
    if (out_len)
        *out_len = (size_t)l1 + (size_t)l2;
    return ok;
}

/* ---- 4. devices ----------------------------------------------------------------- */

static long soft_dev_gen(const char *devpath)
{
    char p[PATH_MAX];
    if (!soft_path(p, sizeof(p), devpath, "inserted"))
        return -1;
    uint8_t *t = soft_read(p, NULL);
    if (!t)
        return -1;
    long g = strtol((char *)t, NULL, 10);
    free(t);
    return g;
}

static int soft_dev_present(const char *root, const char *name)
{
    char p[PATH_MAX];
    return !soft_fault_has("pulled") && soft_path(p, sizeof(p), root, name) &&
           soft_dev_gen(p) >= 0;
}

/* soft_dev_check - the device behind a handle is still the one connected */
static ULONG soft_dev_check(struct soft_dev *d)
{
    if (!d || d->magic != SOFT_MAGIC_DEV)
        return SAR_INVALIDHANDLEERR;
    if (soft_fault_has("pulled") || soft_dev_gen(d->path) != d->gen)
        return SAR_DEVICE_REMOVED;
    return SAR_OK;
}

static ULONG soft_app_check(struct soft_app *a)
{
    if (!a || a->magic != SOFT_MAGIC_APP)
        return SAR_INVALIDHANDLEERR;
    ULONG rv = soft_dev_check(a->dev);
    if (!rv && !soft_exists(a->path))
        rv = SAR_APPLICATION_NOT_EXISTS;
    return rv;
}

static ULONG soft_con_check(struct soft_con *c)
{
    if (!c || c->magic != SOFT_MAGIC_CON)
        return SAR_INVALIDHANDLEERR;
    ULONG rv = soft_app_check(c->app);
    if (!rv && !soft_exists(c->path))
        rv = SAR_INVALIDHANDLEERR;
    return rv;
}

#define SOFT_ENTER(fn)                                                                         \
    do {                                                                                       \
        ULONG f_ = soft_enter(fn);                                                             \
        if (f_)                                                                                \
            return f_;                                                                         \
    } while (0)

static int soft_keep_present(const char *dir, const char *name)
{
    return soft_dev_present(dir, name);
}

SKF_API ULONG SKF_EnumDev(BOOL bPresent, LPSTR szNameList, ULONG *pulSize)
{
    SOFT_ENTER("SKF_EnumDev");
    if (!pulSize)
        return SAR_INVALIDPARAMERR;
    return soft_list(soft_root(), bPresent ? soft_keep_present : NULL, szNameList, pulSize);
}

SKF_API ULONG SKF_GetDevState(LPSTR szDevName, ULONG *pulDevState)
{
    SOFT_ENTER("SKF_GetDevState");
    if (!soft_name_ok(szDevName) || !pulDevState)
        return SAR_INVALIDPARAMERR;
    *pulDevState =
        soft_dev_present(soft_root(), szDevName) ? DEV_PRESENT_STATE : DEV_ABSENT_STATE;
    return SAR_OK;
}

SKF_API ULONG SKF_ConnectDev(LPSTR szName, DEVHANDLE *phDev)
{
    SOFT_ENTER("SKF_ConnectDev");
    if (!soft_name_ok(szName) || !phDev)
        return SAR_INVALIDPARAMERR;
    if (!soft_dev_present(soft_root(), szName))
        return SAR_DEVICE_REMOVED;
    struct soft_dev *d = calloc(1, sizeof(*d));
    if (!d)
        return SAR_FAIL;
    d->magic = SOFT_MAGIC_DEV;
    snprintf(d->name, sizeof(d->name), "%s", szName);
    soft_path(d->path, sizeof(d->path), soft_root(), szName);
    d->gen = soft_dev_gen(d->path);
    *phDev = d;
    return SAR_OK;
}

/* soft_handle_free - end a handle (every handle struct opens with magic) */
static ULONG soft_handle_free(void *h, uint32_t magic)
{
    uint32_t *m = h;
    if (!m || *m != magic)
        return SAR_INVALIDHANDLEERR;
    *m = 0;
    free(h);
    return SAR_OK;
}

SKF_API ULONG SKF_DisConnectDev(DEVHANDLE hDev)
{
    return soft_handle_free(hDev, SOFT_MAGIC_DEV);
}

static uint8_t *soft_dev_conf(struct soft_dev *d)
{
    char p[PATH_MAX];
    return soft_path(p, sizeof(p), d->path, "dev.conf") ? soft_read(p, NULL) : NULL;
}

SKF_API ULONG SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO *pDevInfo)
{
    SOFT_ENTER("SKF_GetDevInfo");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    if (!pDevInfo)
        return SAR_INVALIDPARAMERR;
    uint8_t *conf = soft_dev_conf(d);
    if (!conf)
        return SAR_FILEERR;
    memset(pDevInfo, 0, sizeof(*pDevInfo));
    pDevInfo->Version.major = 1;
    char v[80];
    soft_conf_get((char *)conf, "manufacturer", v, sizeof(v));
    soft_field(pDevInfo->Manufacturer, sizeof(pDevInfo->Manufacturer), v);
    soft_field(pDevInfo->Issuer, sizeof(pDevInfo->Issuer), "skf-soft");
    soft_conf_get((char *)conf, "label", v, sizeof(v));
    soft_field(pDevInfo->Label, sizeof(pDevInfo->Label), v);
    soft_conf_get((char *)conf, "serial", v, sizeof(v));
    soft_field(pDevInfo->SerialNumber, sizeof(pDevInfo->SerialNumber), v);
    pDevInfo->AlgSymCap = SGD_SM4_ECB;
    pDevInfo->AlgAsymCap = SGD_SM2_1 | SGD_SM2_3;
    pDevInfo->AlgHashCap = 1;
    pDevInfo->DevAuthAlgId = SGD_SM4_ECB;
    pDevInfo->TotalSpace = 65536;
    pDevInfo->FreeSpace = 32768;
    pDevInfo->MaxECCBufferSize = 1024;
    pDevInfo->MaxBufferSize = 2048;
    free(conf);
    return SAR_OK;
}

SKF_API ULONG SKF_SetLabel(DEVHANDLE hDev, LPSTR szLabel)
{
    SOFT_ENTER("SKF_SetLabel");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    if (!szLabel || strlen(szLabel) >= 32 || strchr(szLabel, '\n'))
        return SAR_INVALIDPARAMERR;
    uint8_t *conf = soft_dev_conf(d);
    if (!conf)
        return SAR_FILEERR;
    char serial[64], manu[80], key[40], out[400];
    soft_conf_get((char *)conf, "serial", serial, sizeof(serial));
    soft_conf_get((char *)conf, "manufacturer", manu, sizeof(manu));
    soft_conf_get((char *)conf, "authkey", key, sizeof(key));
    free(conf);
    int n = snprintf(out, sizeof(out), "serial=%s\nlabel=%s\nmanufacturer=%s\nauthkey=%s\n",
                     serial, szLabel, manu, key);
    char p[PATH_MAX];
    soft_path(p, sizeof(p), d->path, "dev.conf");
    return soft_write(p, out, (size_t)n);
}

SKF_API ULONG SKF_GenRandom(DEVHANDLE hDev, BYTE *pbRandom, ULONG ulRandomLen)
{
    SOFT_ENTER("SKF_GenRandom");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    if (!pbRandom || ulRandomLen == 0 || ulRandomLen > 1024)
        return SAR_INVALIDPARAMERR;
    if (RAND_bytes(pbRandom, (int)ulRandomLen) != 1)
        return SAR_GENRANDERR;
    /* the device keeps the challenge for SKF_DevAuth (zero-padded block) */
    memset(d->rnd, 0, sizeof(d->rnd));
    memcpy(d->rnd, pbRandom, ulRandomLen < 16 ? ulRandomLen : 16);
    d->rnd_set = 1;
    return SAR_OK;
}

static int soft_dev_authkey(struct soft_dev *d, uint8_t key[16])
{
    uint8_t *conf = soft_dev_conf(d);
    char hex[40];
    int ok = conf && soft_conf_get((char *)conf, "authkey", hex, sizeof(hex)) &&
             soft_unhex(hex, key, 16);
    free(conf);
    return ok;
}

SKF_API ULONG SKF_DevAuth(DEVHANDLE hDev, BYTE *pbAuthData, ULONG ulLen)
{
    SOFT_ENTER("SKF_DevAuth");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    if (!pbAuthData || ulLen != 16)
        return SAR_INVALIDPARAMERR;
    uint8_t key[16], want[16];
    size_t n;
    if (!d->rnd_set || !soft_dev_authkey(d, key) || !soft_sm4(1, key, d->rnd, 16, want, 0, &n))
        return SAR_FAIL;
    d->rnd_set = 0; /* one challenge, one try */
    d->authed = CRYPTO_memcmp(want, pbAuthData, 16) == 0;
    OPENSSL_cleanse(key, sizeof(key));
    return d->authed ? SAR_OK : SAR_FAIL;
}

SKF_API ULONG SKF_ChangeDevAuthKey(DEVHANDLE hDev, BYTE *pbKeyValue, ULONG ulKeyLen)
{
    SOFT_ENTER("SKF_ChangeDevAuthKey");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    if (!d->authed)
        return SAR_USER_NOT_LOGGED_IN;
    if (!pbKeyValue || ulKeyLen != 16)
        return SAR_INVALIDPARAMERR;
    uint8_t *conf = soft_dev_conf(d);
    if (!conf)
        return SAR_FILEERR;
    char serial[64], manu[80], label[64], hex[33], out[400];
    soft_conf_get((char *)conf, "serial", serial, sizeof(serial));
    soft_conf_get((char *)conf, "manufacturer", manu, sizeof(manu));
    soft_conf_get((char *)conf, "label", label, sizeof(label));
    free(conf);
    soft_hex(pbKeyValue, 16, hex);
    int n = snprintf(out, sizeof(out), "serial=%s\nlabel=%s\nmanufacturer=%s\nauthkey=%s\n",
                     serial, label, manu, hex);
    char p[PATH_MAX];
    soft_path(p, sizeof(p), d->path, "dev.conf");
    return soft_write(p, out, (size_t)n);
}

#ifndef SKF_SOFT_NO_EVENTS
/*
 * Device events (GM/T 0016 SKF_WaitForDevEvent: blocks until a device is
 * plugged, 1, or pulled, 2; SKF_CancelWaitForDevEvent ends a wait in
 * progress with SAR_NOT_EVENTERR). A device is a directory; it is present
 * while its "inserted" file exists, whose number (the generation) grows at
 * each insertion: a UKEY pulled and plugged back between two looks is
 * reported as removed, then inserted. The snapshot events are measured
 * against is taken when the library is loaded, so nothing that happens
 * between the load and the first wait is lost. The library looks every
 * 50 ms (it is a file system, not a USB bus). Built without
 * SKF_SOFT_NO_EVENTS only: libskf-soft-noevents.so lacks both functions,
 * as some vendors' libraries do.
 */
#define SOFT_EV_MAX 32
typedef struct soft_present {
    char name[SOFT_EV_MAX][SOFT_NAME_MAX];
    long gen[SOFT_EV_MAX];
    size_t n;
} soft_present;

static pthread_mutex_t soft_ev_mu = PTHREAD_MUTEX_INITIALIZER;
static soft_present soft_seen;
static atomic_uint soft_cancel_gen; /* one more per cancel */

static void soft_present_now(soft_present *out)
{
    char buf[4096];
    ULONG size = sizeof(buf);
    out->n = 0;
    if (soft_list(soft_root(), soft_keep_present, buf, &size) != SAR_OK)
        return;
    for (const char *p = buf; *p && out->n < SOFT_EV_MAX; p += strlen(p) + 1) {
        char dev[PATH_MAX];
        (void)snprintf(out->name[out->n], SOFT_NAME_MAX, "%.63s", p);
        out->gen[out->n] = soft_path(dev, sizeof(dev), soft_root(), p) ? soft_dev_gen(dev) : -1;
        out->n++;
    }
}

__attribute__((constructor)) static void soft_events_init(void)
{
    soft_present_now(&soft_seen);
}

/* the first difference between a (before) and b (now), in the order a
 * removal, then an insertion: 1 with *name and *kind */
static int soft_present_diff(const soft_present *a, const soft_present *b, const char **name,
                             ULONG *kind)
{
    for (int pass = 0; pass < 2; pass++) {
        const soft_present *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->n; i++) {
            int same = 0;
            for (size_t j = 0; j < y->n && !same; j++)
                same = strcmp(x->name[i], y->name[j]) == 0 && x->gen[i] == y->gen[j];
            if (!same) {
                *name = x->name[i];
                *kind = pass ? 1 : 2;
                return 1;
            }
        }
    }
    return 0;
}

SKF_API ULONG SKF_WaitForDevEvent(LPSTR szDevName, ULONG *pulDevNameLen, ULONG *pulEvent)
{
    if (!szDevName || !pulDevNameLen || !pulEvent)
        return SAR_INVALIDPARAMERR;
    unsigned cancel_at = atomic_load(&soft_cancel_gen);
    ULONG rv = SAR_NOT_EVENTERR;
    for (;;) {
        soft_present now;
        soft_present_now(&now);
        pthread_mutex_lock(&soft_ev_mu);
        const char *name = NULL;
        ULONG kind = 0;
        if (soft_present_diff(&soft_seen, &now, &name, &kind)) {
            size_t l = strlen(name) + 1;
            if (*pulDevNameLen < l) {
                *pulDevNameLen = (ULONG)l;
                rv = SAR_BUFFER_TOO_SMALL; /* the event stays for the next call */
            } else {
                memcpy(szDevName, name, l);
                *pulDevNameLen = (ULONG)l;
                *pulEvent = kind;
                /* this one change is reported: the snapshot takes it alone */
                soft_present next = soft_seen;
                size_t i = 0;
                while (i < next.n && strcmp(next.name[i], szDevName) != 0)
                    i++;
                if (i < next.n) { /* drop the old entry */
                    next.n--;
                    memmove(next.name[i], next.name[i + 1],
                            (next.n - i) * sizeof(next.name[0]));
                    memmove(&next.gen[i], &next.gen[i + 1], (next.n - i) * sizeof(next.gen[0]));
                }
                for (size_t j = 0; kind == 1 && j < now.n && next.n < SOFT_EV_MAX; j++)
                    if (strcmp(now.name[j], szDevName) == 0) {
                        memcpy(next.name[next.n], now.name[j], sizeof(next.name[0]));
                        next.gen[next.n++] = now.gen[j];
                    }
                soft_seen = next;
                rv = SAR_OK;
            }
            pthread_mutex_unlock(&soft_ev_mu);
            break;
        }
        pthread_mutex_unlock(&soft_ev_mu);
        if (atomic_load(&soft_cancel_gen) != cancel_at)
            break; /* cancelled: SAR_NOT_EVENTERR */
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return rv;
}

SKF_API ULONG SKF_CancelWaitForDevEvent(void)
{
    /* ends the waits in progress; nothing to cancel is not an error */
    atomic_fetch_add(&soft_cancel_gen, 1);
    return SAR_OK;
}
#endif

/* ---- 5. access control ---------------------------------------------------------- */

typedef struct soft_pins {
    char admin[65], user[65];
    long admin_max, admin_left, user_max, user_left, user_default, rights;
} soft_pins;

static int soft_pins_load(struct soft_app *a, soft_pins *p)
{
    char path[PATH_MAX];
    if (!soft_path(path, sizeof(path), a->path, "app.conf"))
        return 0;
    uint8_t *t = soft_read(path, NULL);
    if (!t)
        return 0;
    const char *s = (const char *)t;
    soft_conf_get(s, "admin_pin", p->admin, sizeof(p->admin));
    soft_conf_get(s, "user_pin", p->user, sizeof(p->user));
    p->admin_max = soft_conf_long(s, "admin_max", 10);
    p->admin_left = soft_conf_long(s, "admin_left", 10);
    p->user_max = soft_conf_long(s, "user_max", 10);
    p->user_left = soft_conf_long(s, "user_left", 10);
    p->user_default = soft_conf_long(s, "user_default", 0);
    p->rights = soft_conf_long(s, "file_rights", SECURE_ANYONE_ACCOUNT);
    free(t);
    return 1;
}

static ULONG soft_pins_save(const char *apppath, const soft_pins *p)
{
    char out[512], path[PATH_MAX];
    int n = snprintf(out, sizeof(out),
                     "admin_pin=%s\nuser_pin=%s\nadmin_max=%ld\nadmin_left=%ld\nuser_max=%ld\n"
                     "user_left=%ld\nuser_default=%ld\nfile_rights=%ld\n",
                     p->admin, p->user, p->admin_max, p->admin_left, p->user_max, p->user_left,
                     p->user_default, p->rights);
    if (!soft_path(path, sizeof(path), apppath, "app.conf"))
        return SAR_FILEERR;
    return soft_write(path, out, (size_t)n);
}

static int soft_pin_len_ok(const char *pin)
{
    size_t n = pin ? strnlen(pin, SOFT_PIN_MAX + 1) : 0;
    return n >= SOFT_PIN_MIN && n <= SOFT_PIN_MAX;
}

/* soft_pin_try - check pin against type's hash, using a try on failure */
static ULONG soft_pin_try(struct soft_app *a, soft_pins *p, ULONG type, const char *pin,
                          ULONG *left)
{
    long *cnt = type == ADMIN_TYPE ? &p->admin_left : &p->user_left;
    long max = type == ADMIN_TYPE ? p->admin_max : p->user_max;
    const char *want = type == ADMIN_TYPE ? p->admin : p->user;
    if (type == USER_TYPE && soft_fault_has("locked"))
        *cnt = 0;
    if (*cnt <= 0) {
        if (left)
            *left = 0;
        return SAR_PIN_LOCKED;
    }
    char h[65];
    soft_pin_hash(pin ? pin : "", h);
    if (pin && strcmp(h, want) == 0) {
        *cnt = max;
        if (left)
            *left = (ULONG)max;
        return soft_pins_save(a->path, p);
    }
    (*cnt)--;
    if (left)
        *left = (ULONG)*cnt;
    ULONG rv = soft_pins_save(a->path, p);
    return rv ? rv : (*cnt == 0 ? SAR_PIN_LOCKED : SAR_PIN_INCORRECT);
}

SKF_API ULONG SKF_GetPINInfo(HAPPLICATION hApplication, ULONG ulPINType,
                             ULONG *pulMaxRetryCount, ULONG *pulRemainRetryCount,
                             BOOL *pbDefaultPin)
{
    SOFT_ENTER("SKF_GetPINInfo");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    soft_pins p;
    if (!pulMaxRetryCount || !pulRemainRetryCount || !pbDefaultPin)
        return SAR_INVALIDPARAMERR;
    if (ulPINType != ADMIN_TYPE && ulPINType != USER_TYPE)
        return SAR_USER_TYPE_INVALID;
    if (!soft_pins_load(a, &p))
        return SAR_FILEERR;
    int admin = ulPINType == ADMIN_TYPE;
    *pulMaxRetryCount = (ULONG)(admin ? p.admin_max : p.user_max);
    long left = admin ? p.admin_left : p.user_left;
    if (!admin && soft_fault_has("locked"))
        left = 0;
    else if (!admin && soft_fault_has("final_try") && left > 1)
        left = 1;
    *pulRemainRetryCount = (ULONG)(left > 0 ? left : 0);
    *pbDefaultPin = !admin && p.user_default;
    return SAR_OK;
}

SKF_API ULONG SKF_VerifyPIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szPIN,
                            ULONG *pulRetryCount)
{
    SOFT_ENTER("SKF_VerifyPIN");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    if (ulPINType != ADMIN_TYPE && ulPINType != USER_TYPE)
        return SAR_USER_TYPE_INVALID;
    if (!szPIN || !pulRetryCount)
        return SAR_INVALIDPARAMERR;
    soft_pins p;
    if (!soft_pins_load(a, &p))
        return SAR_FILEERR;
    rv = soft_pin_try(a, &p, ulPINType, szPIN, pulRetryCount);
    if (ulPINType == ADMIN_TYPE)
        a->admin_ok = rv == SAR_OK;
    else
        a->user_ok = rv == SAR_OK;
    return rv;
}

SKF_API ULONG SKF_ChangePIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szOldPin,
                            LPSTR szNewPin, ULONG *pulRetryCount)
{
    SOFT_ENTER("SKF_ChangePIN");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    if (ulPINType != ADMIN_TYPE && ulPINType != USER_TYPE)
        return SAR_USER_TYPE_INVALID;
    if (!szOldPin || !szNewPin || !pulRetryCount)
        return SAR_INVALIDPARAMERR;
    if (!soft_pin_len_ok(szNewPin))
        return SAR_PIN_LEN_RANGE;
    soft_pins p;
    if (!soft_pins_load(a, &p))
        return SAR_FILEERR;
    if ((rv = soft_pin_try(a, &p, ulPINType, szOldPin, pulRetryCount)))
        return rv;
    soft_pin_hash(szNewPin, ulPINType == ADMIN_TYPE ? p.admin : p.user);
    if (ulPINType == USER_TYPE)
        p.user_default = 0;
    return soft_pins_save(a->path, &p);
}

SKF_API ULONG SKF_UnblockPIN(HAPPLICATION hApplication, LPSTR szAdminPIN, LPSTR szNewUserPIN,
                             ULONG *pulRetryCount)
{
    SOFT_ENTER("SKF_UnblockPIN");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    if (!szAdminPIN || !szNewUserPIN || !pulRetryCount)
        return SAR_INVALIDPARAMERR;
    if (!soft_pin_len_ok(szNewUserPIN))
        return SAR_PIN_LEN_RANGE;
    soft_pins p;
    if (!soft_pins_load(a, &p))
        return SAR_FILEERR;
    if ((rv = soft_pin_try(a, &p, ADMIN_TYPE, szAdminPIN, pulRetryCount)))
        return rv;
    soft_pin_hash(szNewUserPIN, p.user);
    p.user_left = p.user_max;
    p.user_default = 0;
    return soft_pins_save(a->path, &p);
}

SKF_API ULONG SKF_ClearSecureState(HAPPLICATION hApplication)
{
    struct soft_app *a = hApplication;
    if (!a || a->magic != SOFT_MAGIC_APP)
        return SAR_INVALIDHANDLEERR;
    a->user_ok = a->admin_ok = 0;
    return SAR_OK;
}

/* ---- 6. applications ------------------------------------------------------------ */

static int soft_app_path(struct soft_dev *d, const char *name, char *out, size_t outsz)
{
    char apps[PATH_MAX];
    return soft_name_ok(name) && soft_path(apps, sizeof(apps), d->path, "apps") &&
           soft_path(out, outsz, apps, name);
}

SKF_API ULONG SKF_EnumApplication(DEVHANDLE hDev, LPSTR szAppName, ULONG *pulSize)
{
    SOFT_ENTER("SKF_EnumApplication");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    if (!pulSize)
        return SAR_INVALIDPARAMERR;
    char apps[PATH_MAX];
    soft_path(apps, sizeof(apps), d->path, "apps");
    return soft_list(apps, NULL, szAppName, pulSize);
}

SKF_API ULONG SKF_CreateApplication(DEVHANDLE hDev, LPSTR szAppName, LPSTR szAdminPin,
                                    ULONG dwAdminPinRetryCount, LPSTR szUserPin,
                                    ULONG dwUserPinRetryCount, ULONG dwCreateFileRights,
                                    HAPPLICATION *phApplication)
{
    SOFT_ENTER("SKF_CreateApplication");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    char path[PATH_MAX], sub[PATH_MAX], apps[PATH_MAX];
    if (!soft_app_path(d, szAppName, path, sizeof(path)))
        return SAR_APPLICATION_NAME_INVALID;
    if (!phApplication || dwAdminPinRetryCount == 0 || dwAdminPinRetryCount > 15 ||
        dwUserPinRetryCount == 0 || dwUserPinRetryCount > 15)
        return SAR_INVALIDPARAMERR;
    if (!d->authed)
        return SAR_USER_NOT_LOGGED_IN; /* device authentication first */
    if (!soft_pin_len_ok(szAdminPin) || !soft_pin_len_ok(szUserPin))
        return SAR_PIN_LEN_RANGE;
    if (soft_exists(path))
        return SAR_APPLICATION_EXISTS;
    soft_path(apps, sizeof(apps), d->path, "apps");
    mkdir(apps, 0700);
    /* built under a temporary name, renamed in whole */
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp) ||
        mkdir(tmp, 0700) != 0)
        return SAR_FILEERR;
    soft_path(sub, sizeof(sub), tmp, "con");
    mkdir(sub, 0700);
    soft_path(sub, sizeof(sub), tmp, "files");
    mkdir(sub, 0700);
    soft_path(sub, sizeof(sub), tmp, "attrs");
    mkdir(sub, 0700);
    soft_pins p = {.admin_max = dwAdminPinRetryCount,
                   .admin_left = dwAdminPinRetryCount,
                   .user_max = dwUserPinRetryCount,
                   .user_left = dwUserPinRetryCount,
                   .user_default = 0,
                   .rights = dwCreateFileRights};
    soft_pin_hash(szAdminPin, p.admin);
    soft_pin_hash(szUserPin, p.user);
    if ((rv = soft_pins_save(tmp, &p)) || rename(tmp, path) != 0) {
        soft_rmtree(tmp);
        return rv ? rv : SAR_FILEERR;
    }
    struct soft_app *a = calloc(1, sizeof(*a));
    if (!a)
        return SAR_FAIL;
    a->magic = SOFT_MAGIC_APP;
    a->dev = d;
    snprintf(a->name, sizeof(a->name), "%s", szAppName);
    snprintf(a->path, sizeof(a->path), "%s", path);
    a->admin_ok = 1; /* the creator holds admin rights on the new application */
    *phApplication = a;
    return SAR_OK;
}

SKF_API ULONG SKF_OpenApplication(DEVHANDLE hDev, LPSTR szAppName, HAPPLICATION *phApplication)
{
    SOFT_ENTER("SKF_OpenApplication");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    char path[PATH_MAX];
    if (!phApplication || !soft_app_path(d, szAppName, path, sizeof(path)))
        return SAR_INVALIDPARAMERR;
    if (!soft_exists(path))
        return SAR_APPLICATION_NOT_EXISTS;
    struct soft_app *a = calloc(1, sizeof(*a));
    if (!a)
        return SAR_FAIL;
    a->magic = SOFT_MAGIC_APP;
    a->dev = d;
    snprintf(a->name, sizeof(a->name), "%s", szAppName);
    snprintf(a->path, sizeof(a->path), "%s", path);
    *phApplication = a;
    return SAR_OK;
}

SKF_API ULONG SKF_CloseApplication(HAPPLICATION hApplication)
{
    return soft_handle_free(hApplication, SOFT_MAGIC_APP);
}

SKF_API ULONG SKF_DeleteApplication(DEVHANDLE hDev, LPSTR szAppName)
{
    SOFT_ENTER("SKF_DeleteApplication");
    struct soft_dev *d = hDev;
    ULONG rv = soft_dev_check(d);
    if (rv)
        return rv;
    char path[PATH_MAX];
    if (!soft_app_path(d, szAppName, path, sizeof(path)))
        return SAR_INVALIDPARAMERR;
    if (!d->authed)
        return SAR_USER_NOT_LOGGED_IN;
    if (!soft_exists(path))
        return SAR_APPLICATION_NOT_EXISTS;
    soft_rmtree(path);
    return SAR_OK;
}

/* ---- 7. files -------------------------------------------------------------------- */

static int soft_rights_ok(struct soft_app *a, long rights)
{
    if (rights == (long)SECURE_ANYONE_ACCOUNT)
        return 1;
    return ((rights & SECURE_USER_ACCOUNT) && a->user_ok) ||
           ((rights & SECURE_ADM_ACCOUNT) && a->admin_ok);
}

static int soft_file_paths(struct soft_app *a, const char *name, char *data, char *attr)
{
    char d1[PATH_MAX], d2[PATH_MAX];
    return soft_name_ok(name) && strlen(name) < 32 &&
           soft_path(d1, sizeof(d1), a->path, "files") &&
           soft_path(d2, sizeof(d2), a->path, "attrs") && soft_path(data, PATH_MAX, d1, name) &&
           soft_path(attr, PATH_MAX, d2, name);
}

static int soft_file_attr(const char *attr, long *size, long *rd, long *wr)
{
    uint8_t *t = soft_read(attr, NULL);
    int ok = t && sscanf((char *)t, "%ld %ld %ld", size, rd, wr) == 3;
    free(t);
    return ok;
}

SKF_API ULONG SKF_CreateFile(HAPPLICATION hApplication, LPSTR szFileName, ULONG ulFileSize,
                             ULONG ulReadRights, ULONG ulWriteRights)
{
    SOFT_ENTER("SKF_CreateFile");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char data[PATH_MAX], attr[PATH_MAX];
    soft_pins p;
    if (!soft_file_paths(a, szFileName, data, attr) || ulFileSize == 0 ||
        ulFileSize > 1024 * 1024)
        return SAR_INVALIDPARAMERR;
    if (!soft_pins_load(a, &p))
        return SAR_FILEERR;
    if (!soft_rights_ok(a, p.rights))
        return SAR_USER_NOT_LOGGED_IN;
    if (soft_exists(attr))
        return SAR_FILE_ALREADY_EXIST;
    uint8_t *zero = calloc(1, ulFileSize);
    char line[64];
    int n = snprintf(line, sizeof(line), "%lu %lu %lu\n", (unsigned long)ulFileSize,
                     (unsigned long)ulReadRights, (unsigned long)ulWriteRights);
    rv = zero ? soft_write(data, zero, ulFileSize) : SAR_FAIL;
    free(zero);
    if (!rv)
        rv = soft_write(attr, line, (size_t)n);
    return rv;
}

SKF_API ULONG SKF_DeleteFile(HAPPLICATION hApplication, LPSTR szFileName)
{
    SOFT_ENTER("SKF_DeleteFile");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char data[PATH_MAX], attr[PATH_MAX];
    long size, rd, wr;
    if (!soft_file_paths(a, szFileName, data, attr))
        return SAR_INVALIDPARAMERR;
    if (!soft_file_attr(attr, &size, &rd, &wr))
        return SAR_FILE_NOT_EXIST;
    if (!soft_rights_ok(a, wr))
        return SAR_USER_NOT_LOGGED_IN;
    unlink(attr);
    unlink(data);
    return SAR_OK;
}

SKF_API ULONG SKF_EnumFiles(HAPPLICATION hApplication, LPSTR szFileList, ULONG *pulSize)
{
    SOFT_ENTER("SKF_EnumFiles");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    if (!pulSize)
        return SAR_INVALIDPARAMERR;
    char d[PATH_MAX];
    soft_path(d, sizeof(d), a->path, "attrs");
    return soft_list(d, NULL, szFileList, pulSize);
}

SKF_API ULONG SKF_GetFileInfo(HAPPLICATION hApplication, LPSTR szFileName,
                              FILEATTRIBUTE *pFileInfo)
{
    SOFT_ENTER("SKF_GetFileInfo");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char data[PATH_MAX], attr[PATH_MAX];
    long size, rd, wr;
    if (!pFileInfo || !soft_file_paths(a, szFileName, data, attr))
        return SAR_INVALIDPARAMERR;
    if (!soft_file_attr(attr, &size, &rd, &wr))
        return SAR_FILE_NOT_EXIST;
    memset(pFileInfo, 0, sizeof(*pFileInfo));
    snprintf(pFileInfo->FileName, sizeof(pFileInfo->FileName), "%s", szFileName);
    pFileInfo->FileSize = (ULONG)size;
    pFileInfo->ReadRights = (ULONG)rd;
    pFileInfo->WriteRights = (ULONG)wr;
    return SAR_OK;
}

SKF_API ULONG SKF_ReadFile(HAPPLICATION hApplication, LPSTR szFileName, ULONG ulOffset,
                           ULONG ulSize, BYTE *pbOutData, ULONG *pulOutLen)
{
    SOFT_ENTER("SKF_ReadFile");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char data[PATH_MAX], attr[PATH_MAX];
    long size, rd, wr;
    if (!pulOutLen || !soft_file_paths(a, szFileName, data, attr))
        return SAR_INVALIDPARAMERR;
    if (!soft_file_attr(attr, &size, &rd, &wr))
        return SAR_FILE_NOT_EXIST;
    if (!soft_rights_ok(a, rd))
        return SAR_USER_NOT_LOGGED_IN;
    if (ulOffset > (ULONG)size)
        return SAR_INDATALENERR;
    ULONG n = (ULONG)size - ulOffset < ulSize ? (ULONG)size - ulOffset : ulSize;
    if (!pbOutData) {
        *pulOutLen = n;
        return SAR_OK;
    }
    if (*pulOutLen < n) {
        *pulOutLen = n;
        return SAR_BUFFER_TOO_SMALL;
    }
    size_t got = 0;
    uint8_t *all = soft_read(data, &got);
    if (!all || got < (size_t)size) {
        free(all);
        return SAR_FILEERR;
    }
    memcpy(pbOutData, all + ulOffset, n);
    *pulOutLen = n;
    free(all);
    return SAR_OK;
}

SKF_API ULONG SKF_WriteFile(HAPPLICATION hApplication, LPSTR szFileName, ULONG ulOffset,
                            BYTE *pbData, ULONG ulSize)
{
    SOFT_ENTER("SKF_WriteFile");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char data[PATH_MAX], attr[PATH_MAX];
    long size, rd, wr;
    if ((!pbData && ulSize) || !soft_file_paths(a, szFileName, data, attr))
        return SAR_INVALIDPARAMERR;
    if (!soft_file_attr(attr, &size, &rd, &wr))
        return SAR_FILE_NOT_EXIST;
    if (!soft_rights_ok(a, wr))
        return SAR_USER_NOT_LOGGED_IN;
    if (ulOffset > (ULONG)size || ulSize > (ULONG)size - ulOffset)
        return SAR_INDATALENERR;
    size_t got = 0;
    uint8_t *all = soft_read(data, &got);
    if (!all || got < (size_t)size) {
        free(all);
        return SAR_FILEERR;
    }
    if (ulSize)
        memcpy(all + ulOffset, pbData, ulSize);
    rv = soft_write(data, all, (size_t)size);
    free(all);
    return rv;
}

/* ---- 8. containers ----------------------------------------------------------------- */

static int soft_con_path(struct soft_app *a, const char *name, char *out)
{
    char d[PATH_MAX];
    return soft_name_ok(name) && soft_path(d, sizeof(d), a->path, "con") &&
           soft_path(out, PATH_MAX, d, name);
}

static int soft_con_file(struct soft_con *c, const char *file, char *out)
{
    return soft_path(out, PATH_MAX, c->path, file);
}

SKF_API ULONG SKF_EnumContainer(HAPPLICATION hApplication, LPSTR szContainerName,
                                ULONG *pulSize)
{
    SOFT_ENTER("SKF_EnumContainer");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    if (!pulSize)
        return SAR_INVALIDPARAMERR;
    char d[PATH_MAX];
    soft_path(d, sizeof(d), a->path, "con");
    return soft_list(d, NULL, szContainerName, pulSize);
}

static ULONG soft_con_new(struct soft_app *a, const char *name, const char *path,
                          HCONTAINER *out)
{
    struct soft_con *c = calloc(1, sizeof(*c));
    if (!c)
        return SAR_FAIL;
    c->magic = SOFT_MAGIC_CON;
    c->app = a;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->path, sizeof(c->path), "%s", path);
    *out = c;
    return SAR_OK;
}

SKF_API ULONG SKF_CreateContainer(HAPPLICATION hApplication, LPSTR szContainerName,
                                  HCONTAINER *phContainer)
{
    SOFT_ENTER("SKF_CreateContainer");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char path[PATH_MAX];
    if (!phContainer || !soft_con_path(a, szContainerName, path))
        return SAR_INVALIDPARAMERR;
    if (!a->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    if (soft_exists(path))
        return SAR_FILE_ALREADY_EXIST;
    if (mkdir(path, 0700) != 0)
        return errno == ENOSPC ? SAR_NO_ROOM : SAR_FILEERR;
    return soft_con_new(a, szContainerName, path, phContainer);
}

SKF_API ULONG SKF_OpenContainer(HAPPLICATION hApplication, LPSTR szContainerName,
                                HCONTAINER *phContainer)
{
    SOFT_ENTER("SKF_OpenContainer");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char path[PATH_MAX];
    if (!phContainer || !soft_con_path(a, szContainerName, path))
        return SAR_INVALIDPARAMERR;
    if (!soft_exists(path))
        return SAR_FILE_NOT_EXIST;
    return soft_con_new(a, szContainerName, path, phContainer);
}

SKF_API ULONG SKF_CloseContainer(HCONTAINER hContainer)
{
    return soft_handle_free(hContainer, SOFT_MAGIC_CON);
}

SKF_API ULONG SKF_DeleteContainer(HAPPLICATION hApplication, LPSTR szContainerName)
{
    SOFT_ENTER("SKF_DeleteContainer");
    struct soft_app *a = hApplication;
    ULONG rv = soft_app_check(a);
    if (rv)
        return rv;
    char path[PATH_MAX];
    if (!soft_con_path(a, szContainerName, path))
        return SAR_INVALIDPARAMERR;
    if (!a->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    if (!soft_exists(path))
        return SAR_FILE_NOT_EXIST;
    /* renamed away first, so a pull mid-delete never leaves half a container */
    char gone[PATH_MAX];
    if (snprintf(gone, sizeof(gone), "%s/.deleting-%s", a->path, szContainerName) >=
            (int)sizeof(gone) ||
        rename(path, gone) != 0)
        return SAR_FILEERR;
    soft_rmtree(gone);
    return SAR_OK;
}

SKF_API ULONG SKF_GetContainerType(HCONTAINER hContainer, ULONG *pulContainerType)
{
    SOFT_ENTER("SKF_GetContainerType");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (!pulContainerType)
        return SAR_INVALIDPARAMERR;
    char p[PATH_MAX];
    soft_con_file(c, "sign.key", p);
    *pulContainerType = soft_exists(p) ? 2 : 0; /* 2: ECC, 0: empty */
    return SAR_OK;
}

SKF_API ULONG SKF_ImportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert,
                                    ULONG ulCertLen)
{
    SOFT_ENTER("SKF_ImportCertificate");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (!pbCert || ulCertLen == 0 || ulCertLen > 8192)
        return SAR_INVALIDPARAMERR;
    if (!c->app->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    const unsigned char *p = pbCert;
    X509 *x = d2i_X509(NULL, &p, (long)ulCertLen);
    X509_free(x);
    if (!x || p != pbCert + ulCertLen)
        return SAR_INDATAERR;
    char path[PATH_MAX];
    soft_con_file(c, bSignFlag ? "sign.cer" : "enc.cer", path);
    return soft_write(path, pbCert, ulCertLen);
}

SKF_API ULONG SKF_ExportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert,
                                    ULONG *pulCertLen)
{
    SOFT_ENTER("SKF_ExportCertificate");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (!pulCertLen)
        return SAR_INVALIDPARAMERR;
    char path[PATH_MAX];
    soft_con_file(c, bSignFlag ? "sign.cer" : "enc.cer", path);
    size_t n = 0;
    uint8_t *der = soft_read(path, &n);
    if (!der)
        return SAR_CERTNOTFOUNTERR;
    if (pbCert && *pulCertLen < n)
        rv = SAR_BUFFER_TOO_SMALL;
    else if (pbCert)
        memcpy(pbCert, der, n);
    *pulCertLen = (ULONG)n;
    free(der);
    return rv;
}

/* ---- 9. keys, signatures, session keys ------------------------------------------- */

static EVP_PKEY *soft_con_key(struct soft_con *c, int sign)
{
    char p[PATH_MAX];
    soft_con_file(c, sign ? "sign.key" : "enc.key", p);
    return soft_key_load(p);
}

SKF_API ULONG SKF_GenECCKeyPair(HCONTAINER hContainer, ULONG ulAlgId, ECCPUBLICKEYBLOB *pBlob)
{
    SOFT_ENTER("SKF_GenECCKeyPair");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (ulAlgId != SGD_SM2_1 || !pBlob)
        return SAR_INVALIDPARAMERR;
    if (!c->app->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    if (!k)
        return SAR_FAIL;
    char p[PATH_MAX];
    soft_con_file(c, "sign.key", p);
    rv = soft_key_save(p, k);
    if (!rv) {
        /* a new signing key invalidates whatever was tied to the old one */
        soft_con_file(c, "sign.cer", p);
        unlink(p);
        soft_pub_blob(k, pBlob);
    }
    EVP_PKEY_free(k);
    return rv;
}

SKF_API ULONG SKF_ExportPublicKey(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbBlob,
                                  ULONG *pulBlobLen)
{
    SOFT_ENTER("SKF_ExportPublicKey");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (!pulBlobLen)
        return SAR_INVALIDPARAMERR;
    EVP_PKEY *k = soft_con_key(c, bSignFlag);
    if (!k)
        return SAR_KEYNOTFOUNTERR;
    if (pbBlob && *pulBlobLen < sizeof(ECCPUBLICKEYBLOB)) {
        rv = SAR_BUFFER_TOO_SMALL;
    } else if (pbBlob) {
        ECCPUBLICKEYBLOB b;
        soft_pub_blob(k, &b);
        memcpy(pbBlob, &b, sizeof(b));
    }
    *pulBlobLen = sizeof(ECCPUBLICKEYBLOB);
    EVP_PKEY_free(k);
    return rv;
}

SKF_API ULONG SKF_ImportECCKeyPair(HCONTAINER hContainer, BYTE *pEnvelopedKeyBlob)
{
    SOFT_ENTER("SKF_ImportECCKeyPair");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (!pEnvelopedKeyBlob)
        return SAR_INVALIDPARAMERR;
    if (!c->app->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    const uint8_t *b = pEnvelopedKeyBlob;
    ULONG ver, alg, bits;
    memcpy(&ver, b, 4);
    memcpy(&alg, b + 4, 4);
    memcpy(&bits, b + 8, 4);
    if (ver != 1 || alg != SGD_SM4_ECB || bits != 256)
        return SAR_INDATAERR;
    EVP_PKEY *sign = soft_con_key(c, 1);
    if (!sign)
        return SAR_KEYNOTFOUNTERR;
    uint8_t sk[64];
    size_t skl = sizeof(sk);
    ULONG clen;
    memcpy(&clen, b + SKF_ENVELOPED_HDR + 160, 4);
    rv = clen == 16 ? soft_sm2_decrypt(sign, b + SKF_ENVELOPED_HDR, 164 + 16, sk, &skl)
                    : SAR_INDATAERR;
    EVP_PKEY_free(sign);
    if (!rv && skl != 16)
        rv = SAR_INDATAERR;
    uint8_t d[64];
    size_t dl = 0;
    if (!rv) {
        /* d right-aligned in 64 bytes and all 64 encrypted (DOMAIN.md,
         * ra-sim's KMC); a 32-byte ciphertext of d alone, right-aligned
         * after 32 zero bytes, is taken too (some KMCs write that) */
        int whole = !soft_blob_zero(b + 12, 32);
        if (!soft_sm4(0, sk, b + 12 + (whole ? 0 : 32), whole ? 64 : 32, d, 0, &dl) ||
            (whole && !soft_blob_zero(d, 32)))
            rv = SAR_INDATAERR;
    }
    OPENSSL_cleanse(sk, sizeof(sk));
    EVP_PKEY *k = NULL;
    if (!rv) {
        const uint8_t *pub = b + 76;
        ULONG pbits;
        memcpy(&pbits, pub, 4);
        k = pbits == 256 ? soft_pkey(pub + 4 + 32, pub + 68 + 32, d + dl - 32) : NULL;
        EVP_PKEY_CTX *chk = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
        /* the private key must be the public key's */
        if (!chk || EVP_PKEY_pairwise_check(chk) != 1)
            rv = SAR_INDATAERR;
        EVP_PKEY_CTX_free(chk);
    }
    OPENSSL_cleanse(d, sizeof(d));
    if (!rv) {
        char p[PATH_MAX];
        soft_con_file(c, "enc.key", p);
        rv = soft_key_save(p, k);
        soft_con_file(c, "enc.cer", p);
        if (!rv)
            unlink(p);
    }
    EVP_PKEY_free(k);
    return rv;
}

SKF_API ULONG SKF_ECCSignData(HCONTAINER hContainer, BYTE *pbData, ULONG ulDataLen,
                              ECCSIGNATUREBLOB *pSignature)
{
    SOFT_ENTER("SKF_ECCSignData");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (!pbData || ulDataLen != 32 || !pSignature)
        return SAR_INVALIDPARAMERR;
    if (!c->app->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    EVP_PKEY *k = soft_con_key(c, 1);
    if (!k)
        return SAR_KEYNOTFOUNTERR;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    uint8_t der[80];
    size_t dl = sizeof(der);
    ECDSA_SIG *sig = NULL;
    rv = SAR_FAIL;
    /* the caller hashed Z || M: the device signs e as given */
    if (ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, der, &dl, pbData, 32) == 1) {
        const unsigned char *p = der;
        sig = d2i_ECDSA_SIG(NULL, &p, (long)dl);
    }
    if (sig) {
        memset(pSignature, 0, sizeof(*pSignature));
        BN_bn2binpad(ECDSA_SIG_get0_r(sig), pSignature->r + 32, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), pSignature->s + 32, 32);
        rv = SAR_OK;
    }
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rv;
}

SKF_API ULONG SKF_ECCVerify(DEVHANDLE hDev, ECCPUBLICKEYBLOB *pECCPubKeyBlob, BYTE *pbData,
                            ULONG ulDataLen, ECCSIGNATUREBLOB *pSignature)
{
    SOFT_ENTER("SKF_ECCVerify");
    ULONG rv = soft_dev_check(hDev);
    if (rv)
        return rv;
    if (!pECCPubKeyBlob || !pbData || ulDataLen != 32 || !pSignature)
        return SAR_INVALIDPARAMERR;
    EVP_PKEY *k = soft_pkey_from_blob(pECCPubKeyBlob);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(pSignature->r + 32, 32, NULL),
           *s = BN_bin2bn(pSignature->s + 32, 32, NULL);
    unsigned char *der = NULL;
    int dl = 0;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
        r = s = NULL;
        dl = i2d_ECDSA_SIG(sig, &der);
    }
    BN_free(r);
    BN_free(s);
    EVP_PKEY_CTX *ctx = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
    rv = SAR_FAIL;
    if (ctx && dl > 0 && EVP_PKEY_verify_init(ctx) == 1 &&
        EVP_PKEY_verify(ctx, der, (size_t)dl, pbData, 32) == 1)
        rv = SAR_OK;
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rv;
}

static ULONG soft_key_handle(struct soft_dev *d, const uint8_t key[16], HANDLE *out)
{
    struct soft_key *k = calloc(1, sizeof(*k));
    if (!k)
        return SAR_FAIL;
    k->magic = SOFT_MAGIC_KEY;
    k->dev = d;
    memcpy(k->key, key, 16);
    *out = k;
    return SAR_OK;
}

SKF_API ULONG SKF_ECCExportSessionKey(HCONTAINER hContainer, ULONG ulAlgId,
                                      ECCPUBLICKEYBLOB *pPubKey, BYTE *pData,
                                      HANDLE *phSessionKey)
{
    SOFT_ENTER("SKF_ECCExportSessionKey");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (ulAlgId != SGD_SM4_ECB || !pPubKey || !pData || !phSessionKey)
        return SAR_INVALIDPARAMERR;
    EVP_PKEY *pub = soft_pkey_from_blob(pPubKey);
    uint8_t key[16];
    if (!pub || RAND_bytes(key, 16) != 1) {
        EVP_PKEY_free(pub);
        return SAR_INDATAERR;
    }
    rv = soft_sm2_encrypt(pub, key, 16, pData);
    if (!rv)
        rv = soft_key_handle(c->app->dev, key, phSessionKey);
    OPENSSL_cleanse(key, sizeof(key));
    EVP_PKEY_free(pub);
    return rv;
}

SKF_API ULONG SKF_ImportSessionKey(HCONTAINER hContainer, ULONG ulAlgId, BYTE *pbWrapedData,
                                   ULONG ulWrapedLen, HANDLE *phKey)
{
    SOFT_ENTER("SKF_ImportSessionKey");
    struct soft_con *c = hContainer;
    ULONG rv = soft_con_check(c);
    if (rv)
        return rv;
    if (ulAlgId != SGD_SM4_ECB || !pbWrapedData || !phKey)
        return SAR_INVALIDPARAMERR;
    if (!c->app->user_ok)
        return SAR_USER_NOT_LOGGED_IN;
    EVP_PKEY *k = soft_con_key(c, 0);
    if (!k)
        return SAR_KEYNOTFOUNTERR;
    uint8_t key[64];
    size_t kl = sizeof(key);
    rv = soft_sm2_decrypt(k, pbWrapedData, ulWrapedLen, key, &kl);
    EVP_PKEY_free(k);
    if (!rv && kl != 16)
        rv = SAR_INDATAERR;
    if (!rv)
        rv = soft_key_handle(c->app->dev, key, phKey);
    OPENSSL_cleanse(key, sizeof(key));
    return rv;
}

SKF_API ULONG SKF_EncryptInit(HANDLE hKey, BLOCKCIPHERPARAM EncryptParam)
{
    struct soft_key *k = hKey;
    if (!k || k->magic != SOFT_MAGIC_KEY)
        return SAR_INVALIDHANDLEERR;
    k->padding = EncryptParam.PaddingType;
    return SAR_OK;
}

SKF_API ULONG SKF_DecryptInit(HANDLE hKey, BLOCKCIPHERPARAM DecryptParam)
{
    return SKF_EncryptInit(hKey, DecryptParam);
}

static ULONG soft_cipher(int enc, HANDLE hKey, BYTE *in, ULONG n, BYTE *out, ULONG *out_len)
{
    struct soft_key *k = hKey;
    if (!k || k->magic != SOFT_MAGIC_KEY)
        return SAR_INVALIDHANDLEERR;
    ULONG rv = soft_dev_check(k->dev);
    if (rv)
        return rv;
    if (!in || !out_len || n > 1 << 20 || (!k->padding && n % 16))
        return SAR_INDATALENERR;
    ULONG need = enc && k->padding ? (n / 16 + 1) * 16 : n;
    if (!out) {
        *out_len = need;
        return SAR_OK;
    }
    if (*out_len < need) {
        *out_len = need;
        return SAR_BUFFER_TOO_SMALL;
    }
    size_t got = 0;
    if (!soft_sm4(enc, k->key, in, n, out, k->padding ? 1 : 0, &got))
        return SAR_INDATAERR;
    *out_len = (ULONG)got;
    return SAR_OK;
}

SKF_API ULONG SKF_Encrypt(HANDLE hKey, BYTE *pbData, ULONG ulDataLen, BYTE *pbEncryptedData,
                          ULONG *pulEncryptedLen)
{
    SOFT_ENTER("SKF_Encrypt");
    return soft_cipher(1, hKey, pbData, ulDataLen, pbEncryptedData, pulEncryptedLen);
}

SKF_API ULONG SKF_Decrypt(HANDLE hKey, BYTE *pbEncryptedData, ULONG ulEncryptedLen,
                          BYTE *pbData, ULONG *pulDataLen)
{
    SOFT_ENTER("SKF_Decrypt");
    return soft_cipher(0, hKey, pbEncryptedData, ulEncryptedLen, pbData, pulDataLen);
}

SKF_API ULONG SKF_CloseHandle(HANDLE hHandle)
{
    struct soft_key *k = hHandle;
    if (!k || k->magic != SOFT_MAGIC_KEY)
        return SAR_INVALIDHANDLEERR;
    OPENSSL_cleanse(k, sizeof(*k));
    free(k);
    return SAR_OK;
}
