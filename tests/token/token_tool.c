/* SPDX-License-Identifier: MIT */
/*
 * token_tool.c - test driver for the UKEY driver: one kx_token_* call per
 * run, so the integration scripts can put openssl and pkcs11-tool checks
 * (and shim control-file changes) between the steps of a renewal. Test use
 * only: PINs come from the environment (KX_TEST_PIN, KX_TEST_NEW_PIN,
 * KX_TEST_SO_PIN) straight into kx_secbuf.
 *
 *   token_tool [--backend pkcs11|skf] [--module M] [--serial S] CMD ARGS...
 *     login                         print the flags (and "tries N" when the
 *                                   back-end knows) after the attempt
 *     keygen ec|rsa                 print the new id (hex)
 *     csr ID COMPANY CODE CN        print the PEM request
 *     install FILE LABEL            print the id the certificate went to
 *     verify ID | delete ID | relabel ID LABEL
 *     cleanup                       print the number of pairs removed
 *     commit NEW_ID OLD_ID LABEL    kx_token_renew_commit
 *     change-pin | reset-pin        policy from the defaults
 *     poll SECONDS COUNT            print COUNT events ("inserted SERIAL")
 *     wait SECONDS COUNT            the same through kx_token_wait_event,
 *                                   then "via events" or "via polling"
 *     replug ID                     verify ID (the shim may pull the token
 *                                   meanwhile), empty the shim's control
 *                                   file ("re-insert"), open the token
 *                                   again in the same process, log in,
 *                                   verify ID: prints both results
 *     twice                         load the module a second time, close
 *                                   that, then use the first token handle
 *     bench ec|rsa N CA_KEY CA_PEM  time keygen, CSR and install N times
 *                                   (the CA's signing between CSR and
 *                                   install is not timed); print medians
 *     keygen sm2                    (SKF) print the new container's id
 *     init-blank                    SO PIN and new user PIN from the env
 *     certs                         one line a certificate: "ID USAGE LABEL
 *                                   KEYTYPE has_key" (USAGE sign|encrypt)
 *     sign ID IN OUT                kx_token_sign of file IN into OUT (DER)
 *     import-enc ID FILE            kx_token_import_enc_keypair
 *     write-data NAME FILE | read-data NAME OUT
 *     envelope CSR ENV KEY          no token: the KMC's part - a new SM2
 *                                   encryption key pair (PEM into KEY) sealed
 *                                   to the CSR's key as an ENVELOPEDKEYBLOB
 *                                   (ENV)
 *     renew-sm2 OLD_ID CA_KEY CA_PEM  a whole SM2 dual renewal in one
 *                                   process (keygen, CSR, the CA signs both
 *                                   certificates, enveloped import, install,
 *                                   commit); prints "new ID" then "done"
 *     bench-sm2 N CA_KEY CA_PEM     time keygen+CSR+install of the pair and
 *                                   renewal machine time (CA not timed)
 *
 * Failure: "error KX_ERR_..." on stdout (the scripts match it), the detail
 * on stderr, exit 1. Usage errors exit 2.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "token/skf_blob.h"
#include "token/token.h"

static int tool_fail(kx_err rc)
{
    printf("error %s\n", kx_err_name(rc));
    fprintf(stderr, "token_tool: %s: %s\n", kx_err_name(rc), kx_err_detail());
    return 1;
}

static int tool_hex_to_id(const char *hex, unsigned char *id, size_t *len)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > KX_TOKEN_ID_MAX)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        id[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

static void tool_print_id(const unsigned char *id, size_t len)
{
    for (size_t i = 0; i < len; i++)
        printf("%02x", id[i]);
    printf("\n");
}

/* tool_secbuf_env - a secbuf holding env var `name`, or NULL when unset. */
static kx_secbuf *tool_secbuf_env(const char *name)
{
    const char *v = getenv(name);
    kx_secbuf *b = NULL;
    if (!v || kx_secbuf_new(64, &b) || kx_secbuf_set(b, v, strlen(v))) {
        kx_secbuf_free(b);
        return NULL;
    }
    return b;
}

static void tool_print_flags(unsigned f)
{
    printf("flags%s%s%s%s\n", f & KX_TOKEN_PIN_COUNT_LOW ? " count_low" : "",
           f & KX_TOKEN_PIN_FINAL_TRY ? " final_try" : "",
           f & KX_TOKEN_PIN_LOCKED ? " locked" : "",
           f & KX_TOKEN_USER_PIN_SET ? " pin_set" : "");
}

static char *tool_read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = calloc(1, 65536);
    if (buf && fread(buf, 1, 65535, fp) == 0) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

static int tool_poll(kx_token_module *m, long seconds, long count)
{
    struct timespec start, now, nap = {0, 50 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &start);
    now = start; /* an event on the first poll skips the clock below */
    long seen = 0;
    do {
        kx_token_event ev;
        kx_err rc = kx_token_poll_event(m, &ev);
        if (rc == KX_OK) {
            printf("%s %s\n", ev.kind == KX_TOKEN_INSERTED ? "inserted" : "removed", ev.serial);
            fflush(stdout);
            if (++seen == count)
                return 0;
            continue;
        }
        if (rc != KX_ERR_NOT_FOUND)
            return tool_fail(rc);
        nanosleep(&nap, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < seconds);
    printf("timeout after %ld events\n", seen);
    return 1;
}

static int tool_wait(kx_token_module *m, long seconds, long count)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    const char *how = "?";
    long seen = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = seconds * 1000 - (long)((now.tv_sec - start.tv_sec) * 1000 +
                                            (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        kx_token_event ev;
        kx_err rc = kx_token_wait_event(m, left, &ev, &how);
        if (rc == KX_ERR_TIMEOUT)
            break;
        if (rc)
            return tool_fail(rc);
        printf("%s %s\n", ev.kind == KX_TOKEN_INSERTED ? "inserted" : "removed", ev.serial);
        (void)fflush(stdout);
        if (++seen == count) {
            printf("via %s\n", how);
            return 0;
        }
    }
    printf("timeout after %ld events via %s\n", seen, how);
    return 1;
}

static double tool_ms(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* tool_issue - the throwaway CA signs the request (PEM); malloc'd PEM. */
static char *tool_issue(const char *csr_pem, EVP_PKEY *ca_key, X509 *ca)
{
    BIO *in = BIO_new_mem_buf(csr_pem, -1), *out = BIO_new(BIO_s_mem());
    X509_REQ *req = in ? PEM_read_bio_X509_REQ(in, NULL, NULL, NULL) : NULL;
    X509 *x = X509_new();
    char *pem = NULL;
    if (req && x && out && X509_set_version(x, 2) &&
        ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)) &&
        X509_set_issuer_name(x, X509_get_subject_name(ca)) &&
        X509_set_subject_name(x, X509_REQ_get_subject_name(req)) &&
        X509_set_pubkey(x, X509_REQ_get0_pubkey(req)) &&
        X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
        X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400) &&
        X509_sign(x, ca_key, EVP_sha256()) && PEM_write_bio_X509(out, x)) {
        char *data;
        long n = BIO_get_mem_data(out, &data);
        pem = calloc(1, (size_t)n + 1);
        if (pem)
            memcpy(pem, data, (size_t)n);
    }
    X509_free(x);
    X509_REQ_free(req);
    BIO_free(in);
    BIO_free(out);
    return pem;
}

/* tool_sm2_issue - the test SM2 CA signs (SM2-with-SM3, default ID) a
 * certificate for pub with the request's subject; enc: encryption key
 * usage, else signing; malloc'd PEM */
static char *tool_sm2_issue(X509_REQ *req, EVP_PKEY *pub, int enc, EVP_PKEY *ca_key, X509 *ca)
{
    X509 *x = X509_new();
    BIO *out = BIO_new(BIO_s_mem());
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(ca_key, NULL);
    static long serial;
    char *pem = NULL;
    X509V3_CTX v3;
    X509_EXTENSION *ku = NULL;
    int ok =
        x && out && md && pctx && X509_set_version(x, 2) &&
        ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL) * 100 + serial++ % 100) &&
        X509_set_issuer_name(x, X509_get_subject_name(ca)) &&
        X509_set_subject_name(x, X509_REQ_get_subject_name(req)) && X509_set_pubkey(x, pub) &&
        X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
        X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
    if (ok) {
        X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
        ku = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                                 enc ? "critical,keyEncipherment,dataEncipherment,keyAgreement"
                                     : "critical,digitalSignature,nonRepudiation");
        ok = ku && X509_add_ext(x, ku, -1);
    }
    ok = ok && EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16) == 1;
    if (ok)
        EVP_MD_CTX_set_pkey_ctx(md, pctx);
    if (ok && EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, ca_key) == 1 &&
        X509_sign_ctx(x, md) > 0 && PEM_write_bio_X509(out, x)) {
        char *data;
        long n = BIO_get_mem_data(out, &data);
        pem = calloc(1, (size_t)n + 1);
        if (pem)
            memcpy(pem, data, (size_t)n);
    }
    X509_EXTENSION_free(ku);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    X509_free(x);
    BIO_free(out);
    return pem;
}

/* tool_envelope - the KMC: a new SM2 key pair (*enc_key) sealed to
 * sign_pub as the 388-byte ENVELOPEDKEYBLOB in env (d right-aligned in 64
 * bytes, all 64 SM4-ECB encrypted, as ra-sim's KMC does) */
static kx_err tool_envelope(EVP_PKEY *sign_pub, EVP_PKEY **enc_key, uint8_t env[KX_SKF_ENV_LEN])
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(sign_pub, NULL);
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    uint8_t sk[16], d[64] = {0}, encd[64], der[256], blob[KX_SKF_CIPHER_HDR_LEN + 16], pt[65];
    size_t dl = sizeof(der), bl = 0, ptl = 0;
    BIGNUM *priv = NULL;
    int ol = 0;
    kx_err rc = KX_ERR_INTERNAL;
    kx_skf_pair32 pub, c1;
    const uint8_t *c3, *c2;
    size_t c2l;
    if (k && ctx && cc && RAND_bytes(sk, 16) == 1 &&
        EVP_PKEY_get_bn_param(k, "priv", &priv) == 1 && BN_bn2binpad(priv, d + 32, 32) == 32 &&
        EVP_PKEY_get_octet_string_param(k, "pub", pt, sizeof(pt), &ptl) == 1 && ptl == 65 &&
        EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_encrypt(ctx, der, &dl, sk, 16) == 1 &&
        kx_skf_cipher_from_der(der, dl, blob, sizeof(blob), &bl) == KX_OK &&
        kx_skf_cipher_parse(blob, bl, &c1, &c3, &c2, &c2l) == KX_OK &&
        EVP_EncryptInit_ex(cc, EVP_sm4_ecb(), NULL, sk, NULL) == 1 &&
        EVP_CIPHER_CTX_set_padding(cc, 0) == 1 &&
        EVP_EncryptUpdate(cc, encd, &ol, d, 64) == 1 && ol == 64) {
        memcpy(pub.a, pt + 1, 32);
        memcpy(pub.b, pt + 33, 32);
        kx_skf_envelope_write(encd, &pub, &c1, c3, c2, env);
        *enc_key = k;
        k = NULL;
        rc = KX_OK;
    }
    BN_clear_free(priv);
    OPENSSL_cleanse(d, sizeof(d));
    OPENSSL_cleanse(sk, sizeof(sk));
    EVP_CIPHER_CTX_free(cc);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rc;
}

static X509_REQ *tool_parse_req(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_REQ *r = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return r;
}

/* tool_renew_sm2 - one whole SM2 dual renewal on t (logged in); the new
 * id is printed as soon as it exists. ms (may be NULL): machine time of
 * keygen+CSR, install of the pair (envelope import and both certificates)
 * and commit, without the CA's work */
static kx_err tool_renew_sm2(kx_token *t, const unsigned char *old, size_t old_len,
                             EVP_PKEY *ca_key, X509 *ca, double ms[3])
{
    unsigned char id[KX_TOKEN_ID_MAX];
    size_t id_len = sizeof(id);
    char *csr = NULL, *sign_pem = NULL, *enc_pem = NULL;
    X509_REQ *req = NULL;
    EVP_PKEY *enc = NULL;
    uint8_t env[KX_SKF_ENV_LEN];
    struct timespec t0, t1, t2, t3, t4, t5;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kx_err rc = kx_token_generate_key(t, KX_KEY_SM2, id, &id_len);
    if (!rc && !ms) {
        printf("new ");
        tool_print_id(id, id_len);
        fflush(stdout);
    }
    if (!rc) {
        rc = kx_token_make_csr(t, id, id_len, "Renew Co", "91360100MA35RENEW0", "Renew Co",
                               &csr);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!rc &&
        (!(req = tool_parse_req(csr)) || tool_envelope(X509_REQ_get0_pubkey(req), &enc, env) ||
         !(sign_pem = tool_sm2_issue(req, X509_REQ_get0_pubkey(req), 0, ca_key, ca)) ||
         !(enc_pem = tool_sm2_issue(req, enc, 1, ca_key, ca))))
        rc = KX_ERR_INTERNAL;
    clock_gettime(CLOCK_MONOTONIC, &t2);
    if (!rc)
        rc = kx_token_install_cert(t, sign_pem, KX_TOKEN_PENDING_LABEL, NULL, NULL);
    if (!rc)
        rc = kx_token_import_enc_keypair(t, id, id_len, env, sizeof(env));
    if (!rc)
        rc = kx_token_install_cert(t, enc_pem, KX_TOKEN_PENDING_LABEL, NULL, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t3);
    t4 = t3;
    if (!rc && old_len)
        rc = kx_token_renew_commit(t, id, id_len, old, old_len, "kx-cert");
    else if (!rc)
        rc = kx_token_relabel(t, id, id_len, "kx-cert");
    clock_gettime(CLOCK_MONOTONIC, &t5);
    if (ms) {
        ms[0] = tool_ms(&t0, &t1);
        ms[1] = tool_ms(&t2, &t3);
        ms[2] = tool_ms(&t4, &t5);
    }
    X509_REQ_free(req);
    EVP_PKEY_free(enc);
    free(csr);
    free(sign_pem);
    free(enc_pem);
    return rc;
}

static int tool_load_ca(const char *key_path, const char *ca_path, EVP_PKEY **key, X509 **ca)
{
    FILE *fk = fopen(key_path, "r"), *fc = fopen(ca_path, "r");
    *key = fk ? PEM_read_PrivateKey(fk, NULL, NULL, NULL) : NULL;
    *ca = fc ? PEM_read_X509(fc, NULL, NULL, NULL) : NULL;
    if (fk)
        fclose(fk);
    if (fc)
        fclose(fc);
    return *key && *ca ? 0 : -1;
}

static int tool_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define TOOL_BENCH_MAX 100

/* tool_bench - keygen, CSR and install timed n times on token t (logged
 * in); each round's pair is deleted afterwards. */
static int tool_bench(kx_token *t, kx_key_type type, long n, const char *key_path,
                      const char *ca_path)
{
    FILE *fk = fopen(key_path, "r"), *fc = fopen(ca_path, "r");
    EVP_PKEY *ca_key = fk ? PEM_read_PrivateKey(fk, NULL, NULL, NULL) : NULL;
    X509 *ca = fc ? PEM_read_X509(fc, NULL, NULL, NULL) : NULL;
    if (fk)
        fclose(fk);
    if (fc)
        fclose(fc);
    static double ms[4][TOOL_BENCH_MAX];
    kx_err rc = ca_key && ca && n > 0 && n <= TOOL_BENCH_MAX ? KX_OK : KX_ERR_INVALID_ARG;
    for (long i = 0; !rc && i < n; i++) {
        struct timespec t0, t1, t2, t3, t4;
        unsigned char id[KX_TOKEN_ID_MAX];
        size_t id_len = sizeof(id);
        char *csr = NULL, *cert = NULL;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = kx_token_generate_key(t, type, id, &id_len);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!rc)
            rc = kx_token_make_csr(t, id, id_len, "Bench Co", "91360100MA35BENCH0", "Bench Co",
                                   &csr);
        clock_gettime(CLOCK_MONOTONIC, &t2);
        if (!rc && !(cert = tool_issue(csr, ca_key, ca)))
            rc = KX_ERR_INTERNAL;
        clock_gettime(CLOCK_MONOTONIC, &t3);
        if (!rc)
            rc = kx_token_install_cert(t, cert, "kx-bench", NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t4);
        ms[0][i] = tool_ms(&t0, &t1);
        ms[1][i] = tool_ms(&t1, &t2);
        ms[2][i] = tool_ms(&t3, &t4);
        ms[3][i] = ms[0][i] + ms[1][i] + ms[2][i];
        if (!rc)
            rc = kx_token_delete_id(t, id, id_len);
        free(csr);
        free(cert);
    }
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    if (rc)
        return tool_fail(rc);
    static const char *const names[] = {"keygen", "csr", "install", "total"};
    for (int k = 0; k < 4; k++) {
        qsort(ms[k], (size_t)n, sizeof(double), tool_cmp_double);
        printf("%s median %.1f ms min %.1f max %.1f\n", names[k], ms[k][n / 2], ms[k][0],
               ms[k][n - 1]);
    }
    return 0;
}

/* tool_bench_sm2 - n SM2 dual issuances, each renewing the previous */
static int tool_bench_sm2(kx_token *t, long n, const char *key_path, const char *ca_path)
{
    EVP_PKEY *ca_key = NULL;
    X509 *ca = NULL;
    static double issue[TOOL_BENCH_MAX], renew[TOOL_BENCH_MAX];
    kx_err rc = !tool_load_ca(key_path, ca_path, &ca_key, &ca) && n > 0 && n <= TOOL_BENCH_MAX
                    ? KX_OK
                    : KX_ERR_INVALID_ARG;
    unsigned char old[KX_TOKEN_ID_MAX];
    size_t old_len = 0;
    for (long i = 0; !rc && i < n; i++) {
        double ms[3];
        rc = tool_renew_sm2(t, old, old_len, ca_key, ca, ms);
        issue[i] = ms[0] + ms[1];
        renew[i] = ms[0] + ms[1] + ms[2];
        kx_token_certs cs = {0};
        if (!rc)
            rc = kx_token_list_certs(t, &cs);
        if (!rc && cs.count > 0) {
            old_len = cs.items[0].id_len;
            memcpy(old, cs.items[0].id, old_len);
        }
        kx_token_certs_free(&cs);
    }
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    if (rc)
        return tool_fail(rc);
    qsort(issue, (size_t)n, sizeof(double), tool_cmp_double);
    qsort(renew, (size_t)n, sizeof(double), tool_cmp_double);
    printf("sm2-issue median %.1f ms min %.1f max %.1f\n", issue[n / 2], issue[0],
           issue[n - 1]);
    printf("sm2-renew median %.1f ms min %.1f max %.1f\n", renew[n / 2], renew[0],
           renew[n - 1]);
    return 0;
}

static int tool_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    int ok = fp && fwrite(data, 1, len, fp) == len;
    if (fp)
        ok &= fclose(fp) == 0;
    return ok ? 0 : -1;
}

/* tool_read_bin - a whole file (at most 64 KiB), malloc'd */
static unsigned char *tool_read_bin(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = fp ? malloc(65536) : NULL;
    *len = buf ? fread(buf, 1, 65536, fp) : 0;
    if (fp)
        fclose(fp);
    return buf;
}

/* tool_envelope_cmd - envelope CSR ENV KEY (no token) */
static int tool_envelope_cmd(char **a)
{
    char *csr = tool_read_file(a[0]);
    X509_REQ *req = csr ? tool_parse_req(csr) : NULL;
    EVP_PKEY *enc = NULL;
    uint8_t env[KX_SKF_ENV_LEN];
    FILE *fk = NULL;
    int code = 1;
    if (req && !tool_envelope(X509_REQ_get0_pubkey(req), &enc, env) &&
        !tool_write_file(a[1], env, sizeof(env)) && (fk = fopen(a[2], "w")) &&
        PEM_write_PrivateKey(fk, enc, NULL, NULL, 0, NULL, NULL) == 1)
        code = 0;
    if (fk)
        fclose(fk);
    if (code)
        fprintf(stderr, "token_tool: envelope failed\n");
    EVP_PKEY_free(enc);
    X509_REQ_free(req);
    free(csr);
    return code;
}

int main(int argc, char **argv)
{
    const char *module = "/usr/lib/softhsm/libsofthsm2.so", *serial = NULL, *backend = "pkcs11";
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--module") == 0)
            module = argv[i + 1];
        else if (strcmp(argv[i], "--serial") == 0)
            serial = argv[i + 1];
        else if (strcmp(argv[i], "--backend") == 0)
            backend = argv[i + 1];
    }
    if (i >= argc) {
        fprintf(stderr, "usage: token_tool [--module M] [--serial S] CMD ARGS...\n");
        return 2;
    }
    const char *cmd = argv[i];
    char **a = argv + i + 1;
    int na = argc - i - 1;
    kx_token_module *m = NULL;
    kx_token *t = NULL;
    kx_secbuf *pin = tool_secbuf_env("KX_TEST_PIN");
    kx_secbuf *new_pin = tool_secbuf_env("KX_TEST_NEW_PIN");
    kx_secbuf *so_pin = tool_secbuf_env("KX_TEST_SO_PIN");
    unsigned char id[KX_TOKEN_ID_MAX], id2[KX_TOKEN_ID_MAX];
    size_t id_len = 0, id2_len = 0;
    kx_pin_policy policy = {6, 8, 1, 1};
    int code = 2;
    if (strcmp(cmd, "envelope") == 0 && na == 3)
        return tool_envelope_cmd(a);
    kx_err rc = kx_token_module_open(backend, module, &m);
    if (rc) {
        code = tool_fail(rc);
        goto out;
    }
    if (strcmp(cmd, "poll") == 0 && na == 2) {
        code = tool_poll(m, strtol(a[0], NULL, 10), strtol(a[1], NULL, 10));
        goto out;
    }
    if (strcmp(cmd, "wait") == 0 && na == 2) {
        code = tool_wait(m, strtol(a[0], NULL, 10), strtol(a[1], NULL, 10));
        goto out;
    }
    if ((rc = kx_token_open(m, serial, &t))) {
        code = tool_fail(rc);
        goto out;
    }
    /* every command but login and the PIN changes works logged in */
    int wants_login = strcmp(cmd, "login") != 0 && strcmp(cmd, "change-pin") != 0 &&
                      strcmp(cmd, "reset-pin") != 0 && strcmp(cmd, "init-blank") != 0 &&
                      strcmp(cmd, "certs") != 0 && strcmp(cmd, "read-data") != 0;
    if (pin && (wants_login || strcmp(cmd, "login") == 0)) {
        unsigned flags = 0;
        int tries = -1;
        rc = kx_token_login_tries(t, pin, &flags, &tries);
        if (strcmp(cmd, "login") == 0) {
            tool_print_flags(flags);
            if (tries >= 0)
                printf("tries %d\n", tries);
        }
        if (rc) {
            code = tool_fail(rc);
            goto out;
        }
    }
    code = 0;
    if (strcmp(cmd, "login") == 0) {
        rc = pin ? KX_OK : KX_ERR_INVALID_ARG;
    } else if (strcmp(cmd, "keygen") == 0 && na == 1) {
        id_len = sizeof(id);
        rc = kx_token_generate_key(t,
                                   strcmp(a[0], "rsa") == 0   ? KX_KEY_RSA_2048
                                   : strcmp(a[0], "sm2") == 0 ? KX_KEY_SM2
                                                              : KX_KEY_EC_P256,
                                   id, &id_len);
        if (!rc)
            tool_print_id(id, id_len);
    } else if (strcmp(cmd, "csr") == 0 && na == 4 && !tool_hex_to_id(a[0], id, &id_len)) {
        char *pem = NULL;
        rc = kx_token_make_csr(t, id, id_len, a[1], a[2], a[3], &pem);
        if (!rc)
            fputs(pem, stdout);
        free(pem);
    } else if (strcmp(cmd, "install") == 0 && na == 2) {
        char *pem = tool_read_file(a[0]);
        rc = pem ? kx_token_install_cert(t, pem, a[1], id, &id_len) : KX_ERR_IO;
        if (!rc)
            tool_print_id(id, id_len);
        free(pem);
    } else if (strcmp(cmd, "verify") == 0 && na == 1 && !tool_hex_to_id(a[0], id, &id_len)) {
        rc = kx_token_verify_pair(t, id, id_len);
    } else if (strcmp(cmd, "delete") == 0 && na == 1 && !tool_hex_to_id(a[0], id, &id_len)) {
        rc = kx_token_delete_id(t, id, id_len);
    } else if (strcmp(cmd, "relabel") == 0 && na == 2 && !tool_hex_to_id(a[0], id, &id_len)) {
        rc = kx_token_relabel(t, id, id_len, a[1]);
    } else if (strcmp(cmd, "cleanup") == 0 && na == 0) {
        int removed = 0;
        rc = kx_token_cleanup(t, &removed);
        if (!rc)
            printf("removed %d\n", removed);
    } else if (strcmp(cmd, "commit") == 0 && na == 3 && !tool_hex_to_id(a[0], id, &id_len) &&
               !tool_hex_to_id(a[1], id2, &id2_len)) {
        rc = kx_token_renew_commit(t, id, id_len, id2, id2_len, a[2]);
    } else if (strcmp(cmd, "replug") == 0 && na == 1 && !tool_hex_to_id(a[0], id, &id_len)) {
        kx_token_info ti;
        rc = kx_token_get_info(t, &ti);
        char chosen[33];
        kx_strlcpy(chosen, rc ? "" : ti.serial, sizeof(chosen));
        if (!rc)
            rc = kx_token_verify_pair(t, id, id_len);
        printf("before %s\n", rc ? kx_err_name(rc) : "ok");
        const char *ctl = getenv("KX_SHIM_CONTROL");
        FILE *fp = ctl ? fopen(ctl, "w") : NULL;
        if (fp)
            fclose(fp);
        kx_token_close(t);
        t = NULL;
        rc = kx_token_open(m, chosen[0] ? chosen : serial, &t);
        if (!rc && pin)
            rc = kx_token_login(t, pin, NULL);
        if (!rc)
            rc = kx_token_verify_pair(t, id, id_len);
        printf("after %s\n", rc ? kx_err_name(rc) : "ok");
        code = rc ? 1 : 0;
        goto out;
    } else if (strcmp(cmd, "twice") == 0 && na == 0) {
        kx_token_module *m2 = NULL;
        kx_token_info ti;
        rc = kx_token_module_open(backend, module, &m2);
        kx_token_module_close(m2);
        if (!rc)
            rc = kx_token_get_info(t, &ti);
        kx_token_certs cs = {0};
        if (!rc)
            rc = kx_token_list_certs(t, &cs);
        kx_token_certs_free(&cs);
    } else if (strcmp(cmd, "bench") == 0 && na == 4) {
        code = tool_bench(t, strcmp(a[0], "rsa") == 0 ? KX_KEY_RSA_2048 : KX_KEY_EC_P256,
                          strtol(a[1], NULL, 10), a[2], a[3]);
        goto out;
    } else if (strcmp(cmd, "init-blank") == 0 && so_pin && new_pin) {
        rc = kx_token_init_blank(t, &policy, so_pin, new_pin);
    } else if (strcmp(cmd, "certs") == 0 && na == 0) {
        kx_token_certs cs = {0};
        rc = kx_token_list_certs(t, &cs);
        for (size_t k = 0; !rc && k < cs.count; k++)
            printf("%s %s %s %s %d\n", cs.items[k].id_hex,
                   cs.items[k].usage == KX_CERT_USAGE_ENCRYPT ? "encrypt" : "sign",
                   cs.items[k].label, kx_key_type_name(cs.items[k].key_type),
                   cs.items[k].has_private_key);
        kx_token_certs_free(&cs);
    } else if (strcmp(cmd, "sign") == 0 && na == 3 && !tool_hex_to_id(a[0], id, &id_len)) {
        size_t len = 0, sl = 0;
        unsigned char *data = tool_read_bin(a[1], &len), *sig = NULL;
        rc = data ? kx_token_sign(t, id, id_len, data, len, &sig, &sl) : KX_ERR_IO;
        if (!rc && tool_write_file(a[2], sig, sl))
            rc = KX_ERR_IO;
        free(data);
        free(sig);
    } else if (strcmp(cmd, "import-enc") == 0 && na == 2 &&
               !tool_hex_to_id(a[0], id, &id_len)) {
        size_t len = 0;
        unsigned char *env = tool_read_bin(a[1], &len);
        rc = env ? kx_token_import_enc_keypair(t, id, id_len, env, len) : KX_ERR_IO;
        free(env);
    } else if (strcmp(cmd, "write-data") == 0 && na == 2) {
        size_t len = 0;
        unsigned char *data = tool_read_bin(a[1], &len);
        rc = data ? kx_token_write_data(t, a[0], data, len) : KX_ERR_IO;
        free(data);
    } else if (strcmp(cmd, "read-data") == 0 && na == 2) {
        size_t len = 0;
        unsigned char *data = NULL;
        rc = kx_token_read_data(t, a[0], &data, &len);
        if (!rc && tool_write_file(a[1], data, len))
            rc = KX_ERR_IO;
        free(data);
    } else if (strcmp(cmd, "renew-sm2") == 0 && na == 3) {
        EVP_PKEY *ca_key = NULL;
        X509 *ca = NULL;
        if (strcmp(a[0], "-") == 0)
            id_len = 0;
        else if (tool_hex_to_id(a[0], id, &id_len))
            rc = KX_ERR_INVALID_ARG;
        if (!rc && tool_load_ca(a[1], a[2], &ca_key, &ca))
            rc = KX_ERR_IO;
        if (!rc)
            rc = tool_renew_sm2(t, id, id_len, ca_key, ca, NULL);
        if (!rc)
            printf("done\n");
        EVP_PKEY_free(ca_key);
        X509_free(ca);
    } else if (strcmp(cmd, "bench-sm2") == 0 && na == 3) {
        code = tool_bench_sm2(t, strtol(a[0], NULL, 10), a[1], a[2]);
        goto out;
    } else if (strcmp(cmd, "change-pin") == 0 && pin && new_pin) {
        rc = kx_token_change_pin(t, &policy, pin, new_pin);
    } else if (strcmp(cmd, "reset-pin") == 0 && so_pin && new_pin) {
        rc = kx_token_reset_pin(t, &policy, so_pin, new_pin);
    } else {
        fprintf(stderr, "token_tool: bad command or arguments\n");
        code = 2;
        goto out;
    }
    if (rc)
        code = tool_fail(rc);
out:
    kx_token_close(t);
    kx_token_module_close(m);
    kx_secbuf_free(pin);
    kx_secbuf_free(new_pin);
    kx_secbuf_free(so_pin);
    return code;
}
