/* SPDX-License-Identifier: MIT */
/*
 * pki.c - ra-sim's certificate authority (OpenSSL 3).
 *
 * On first start it creates, in the state directory: a test CA (ca.pem,
 * ca.key), the RA's TLS server certificate (server.pem/.key, SAN 127.0.0.1
 * and localhost), the kiosk's client certificate (kiosk.pem/.key), and a
 * second, unrelated CA (other-ca.pem/.key) with a server certificate
 * (wrong-server.pem/.key) and a client certificate (other-kiosk.pem/.key)
 * for the "wrong CA" tests; an SM2 CA (sm2-ca.pem/.key) for sm2-dual
 * cases; the seal maker's certificates (seal-ec under the CA, seal-sm2
 * under the SM2 CA). Later starts reuse the files. A given CA
 * (--ca-cert/--ca-key) replaces the generated one (and its seal maker).
 *
 * It issues real X.509 certificates from PKCS#10 requests (validity
 * --validity-days, default 365) and signs real CRLs, one per CA. Keys are
 * EC P-256, SM2 for the SM2 CA; SM2 signatures are SM2-with-SM3 with the
 * default user ID 1234567812345678 (GM/T 0009), set explicitly because
 * OpenSSL 3.0 otherwise uses an empty ID. This is a test CA: its keys sit
 * unencrypted in the state directory.
 */
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

/* ---- small helpers ---- */

char *pki_bio_text(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *out = malloc((size_t)n + 1);
    if (!out)
        return NULL;
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    return out;
}

char *pki_cert_pem(X509 *cert)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && PEM_write_bio_X509(b, cert))
        out = pki_bio_text(b);
    BIO_free(b);
    return out;
}

static char *pki_key_pem(EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
        out = pki_bio_text(b);
    BIO_free(b);
    return out;
}

static int pki_write_file(const char *dir, const char *name, const char *text, int private)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    if (private)
        chmod(path, 0600);
    int ok = fputs(text, fp) >= 0;
    ok &= fclose(fp) == 0;
    return ok ? 0 : -1;
}

static char *pki_read_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    BIO *b = BIO_new(BIO_s_mem());
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        BIO_write(b, buf, (int)n);
    fclose(fp);
    char *out = pki_bio_text(b);
    BIO_free(b);
    return out;
}

EVP_PKEY *pki_key_from_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

X509 *pki_cert_from_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *c = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return c;
}

static EVP_PKEY *pki_new_key(void)
{
    return EVP_EC_gen("P-256");
}

static EVP_PKEY *pki_new_sm2_key(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
}

int pki_is_sm2(const EVP_PKEY *key)
{
    return key && EVP_PKEY_is_a(key, "SM2");
}

/* The digest context that signs (or verifies) with key: SM2 keys
 * SM2-with-SM3 with the default user ID of GM/T 0009 (OpenSSL 3.0 uses an
 * empty ID unless told: a signature without it verifies nowhere else);
 * other keys SHA-256. */
static EVP_MD_CTX *pki_md_ctx(EVP_PKEY *key, int verify)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    int sm2 = pki_is_sm2(key);
    const EVP_MD *dg = sm2 ? EVP_sm3() : EVP_sha256();
    int ok = md && (verify ? EVP_DigestVerifyInit(md, &pc, dg, NULL, key)
                           : EVP_DigestSignInit(md, &pc, dg, NULL, key)) == 1;
    if (ok && sm2)
        ok = EVP_PKEY_CTX_set1_id(pc, PKI_SM2_ID, PKI_SM2_ID_LEN) > 0;
    if (!ok) {
        EVP_MD_CTX_free(md);
        md = NULL;
    }
    return md;
}

EVP_MD_CTX *pki_sign_ctx(EVP_PKEY *key)
{
    return pki_md_ctx(key, 0);
}

EVP_MD_CTX *pki_verify_ctx(EVP_PKEY *pub)
{
    return pki_md_ctx(pub, 1);
}

static int pki_sign_x509(X509 *c, EVP_PKEY *key)
{
    EVP_MD_CTX *md = pki_sign_ctx(key);
    int ok = md && X509_sign_ctx(c, md) > 0;
    EVP_MD_CTX_free(md);
    return ok;
}

/* The SM2 ID an SM2-signed certificate or request is verified with. */
static ASN1_OCTET_STRING *pki_sm2_id(void)
{
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    if (id && !ASN1_OCTET_STRING_set(id, (const unsigned char *)PKI_SM2_ID, PKI_SM2_ID_LEN)) {
        ASN1_OCTET_STRING_free(id);
        id = NULL;
    }
    return id;
}

static int pki_random_serial(X509 *cert)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    raw[0] &= 0x7f; /* positive */
    raw[0] |= 0x10; /* and no leading zero byte: a fixed 16-byte length */
    BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

static int pki_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/*
 * pki_make_cert - a certificate for pub with subject name, signed by
 * issuer_key (issuer NULL: self-signed). exts is a list of nid/value pairs
 * ending with 0.
 */
static X509 *pki_make_cert(EVP_PKEY *pub, X509_NAME *name, X509 *issuer, EVP_PKEY *issuer_key,
                           long days, const int *nids, const char *const *values)
{
    X509 *c = X509_new();
    if (!c)
        return NULL;
    int ok =
        X509_set_version(c, 2) && pki_random_serial(c) == 0 && X509_set_subject_name(c, name) &&
        X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) &&
        X509_gmtime_adj(X509_getm_notBefore(c), 0) &&
        X509_time_adj_ex(X509_getm_notAfter(c), (int)days, 0, NULL) && X509_set_pubkey(c, pub);
    for (int i = 0; ok && nids[i]; i++)
        ok = pki_add_ext(c, issuer ? issuer : c, nids[i], values[i]) == 0;
    if (ok)
        ok = pki_sign_x509(c, issuer_key);
    if (!ok) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static X509_NAME *pki_name(const char *cn, const char *org)
{
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"CN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

static X509 *pki_make_ca(EVP_PKEY *key, const char *cn)
{
    static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                               0};
    static const char *const vals[] = {"critical,CA:TRUE", "critical,keyCertSign,cRLSign",
                                       "hash"};
    X509_NAME *n = pki_name(cn, "ra-sim test CA");
    X509 *c = pki_make_cert(key, n, NULL, key, 3650, nids, vals);
    X509_NAME_free(n);
    return c;
}

/* Kinds of leaf the simulator keeps for itself. */
enum { PKI_LEAF_CLIENT = 0, PKI_LEAF_SERVER = 1, PKI_LEAF_SEAL = 2 };

/* A leaf for TLS (server with SAN loopback, or client) or the seal
 * maker's certificate (signs electronic seals, no extended key usage). */
static X509 *pki_make_tls_leaf(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const char *cn,
                               int kind)
{
    static const int tls_nids[] = {NID_basic_constraints,
                                   NID_key_usage,
                                   NID_ext_key_usage,
                                   NID_subject_key_identifier,
                                   NID_authority_key_identifier,
                                   NID_subject_alt_name,
                                   0};
    static const int seal_nids[] = {NID_basic_constraints, NID_key_usage,
                                    NID_subject_key_identifier, NID_authority_key_identifier,
                                    0};
    int server = kind == PKI_LEAF_SERVER;
    const char *tls_vals[] = {"critical,CA:FALSE",
                              "critical,digitalSignature",
                              server ? "serverAuth" : "clientAuth",
                              "hash",
                              "keyid",
                              server ? "IP:127.0.0.1,IP:::1,DNS:localhost"
                                     : "DNS:kiosk.invalid"};
    const char *seal_vals[] = {"critical,CA:FALSE", "critical,digitalSignature,nonRepudiation",
                               "hash", "keyid"};
    int seal = kind == PKI_LEAF_SEAL;
    X509_NAME *n = pki_name(cn, "ra-sim");
    X509 *c = pki_make_cert(key, n, ca, ca_key, 825, seal ? seal_nids : tls_nids,
                            seal ? seal_vals : tls_vals);
    X509_NAME_free(n);
    return c;
}

static int pki_exists(const char *dir, const char *name)
{
    char path[1200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static char *pki_read_in(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return pki_read_file(path);
}

/* Write a new key + leaf certificate pair under base name. */
static int pki_write_leaf(const char *dir, const char *base, X509 *ca, EVP_PKEY *ca_key,
                          const char *cn, int server)
{
    EVP_PKEY *k = pki_is_sm2(ca_key) ? pki_new_sm2_key() : pki_new_key();
    X509 *c = k ? pki_make_tls_leaf(k, ca, ca_key, cn, server) : NULL;
    char name[64];
    int rc = -1;
    char *cp = c ? pki_cert_pem(c) : NULL, *kp = k ? pki_key_pem(k) : NULL;
    if (cp && kp) {
        snprintf(name, sizeof name, "%s.pem", base);
        rc = pki_write_file(dir, name, cp, 0);
        snprintf(name, sizeof name, "%s.key", base);
        if (rc == 0)
            rc = pki_write_file(dir, name, kp, 1);
    }
    if (kp)
        OPENSSL_cleanse(kp, strlen(kp));
    free(cp);
    free(kp);
    X509_free(c);
    EVP_PKEY_free(k);
    return rc;
}

/* Create a CA pair under base ("ca", "other-ca") unless it exists. */
static int pki_ensure_ca(const char *dir, const char *base, const char *cn, int sm2)
{
    char cert_name[64], key_name[64];
    snprintf(cert_name, sizeof cert_name, "%s.pem", base);
    snprintf(key_name, sizeof key_name, "%s.key", base);
    if (pki_exists(dir, cert_name) && pki_exists(dir, key_name))
        return 0;
    EVP_PKEY *k = sm2 ? pki_new_sm2_key() : pki_new_key();
    X509 *c = k ? pki_make_ca(k, cn) : NULL;
    char *cp = c ? pki_cert_pem(c) : NULL, *kp = k ? pki_key_pem(k) : NULL;
    int rc = (cp && kp && pki_write_file(dir, key_name, kp, 1) == 0 &&
              pki_write_file(dir, cert_name, cp, 0) == 0)
                 ? 0
                 : -1;
    free(cp);
    free(kp);
    X509_free(c);
    EVP_PKEY_free(k);
    return rc;
}

static int pki_ensure_leaf(const char *dir, const char *ca_base, const char *base,
                           const char *cn, int server)
{
    char cert_name[64];
    snprintf(cert_name, sizeof cert_name, "%s.pem", base);
    if (pki_exists(dir, cert_name))
        return 0;
    char name[64];
    snprintf(name, sizeof name, "%s.pem", ca_base);
    char *cap = pki_read_in(dir, name);
    snprintf(name, sizeof name, "%s.key", ca_base);
    char *kap = pki_read_in(dir, name);
    X509 *ca = cap ? pki_cert_from_pem(cap) : NULL;
    EVP_PKEY *ck = kap ? pki_key_from_pem(kap) : NULL;
    int rc = (ca && ck) ? pki_write_leaf(dir, base, ca, ck, cn, server) : -1;
    free(cap);
    free(kap);
    X509_free(ca);
    EVP_PKEY_free(ck);
    return rc;
}

/* Copy a given certificate + key pair into the state dir as base.pem/.key. */
static int pki_take_given(const char *dir, const char *base, const char *cert_file,
                          const char *key_file)
{
    char cert_name[64], key_name[64];
    snprintf(cert_name, sizeof cert_name, "%s.pem", base);
    snprintf(key_name, sizeof key_name, "%s.key", base);
    char *cp = pki_read_file(cert_file), *kp = pki_read_file(key_file);
    int ok = cp && kp && pki_write_file(dir, cert_name, cp, 0) == 0 &&
             pki_write_file(dir, key_name, kp, 1) == 0;
    if (kp)
        OPENSSL_cleanse(kp, strlen(kp));
    free(cp);
    free(kp);
    if (!ok)
        fprintf(stderr, "ra-sim: cannot read the given %s %s / %s\n", base, cert_file,
                key_file);
    return ok ? 0 : -1;
}

/* Load base.pem and base.key (matching); *pem_out (may be NULL) gets the
 * certificate's PEM text. */
static int pki_load_pair(const char *dir, const char *base, X509 **cert, EVP_PKEY **key,
                         char **pem_out)
{
    char name[64];
    snprintf(name, sizeof name, "%s.pem", base);
    char *cp = pki_read_in(dir, name);
    snprintf(name, sizeof name, "%s.key", base);
    char *kp = pki_read_in(dir, name);
    *cert = cp ? pki_cert_from_pem(cp) : NULL;
    *key = kp ? pki_key_from_pem(kp) : NULL;
    if (kp)
        OPENSSL_cleanse(kp, strlen(kp));
    free(kp);
    int ok = *cert && *key && X509_check_private_key(*cert, *key) == 1;
    if (ok && pem_out)
        *pem_out = cp;
    else
        free(cp);
    return ok ? 0 : -1;
}

int pki_load_or_create(sim *s, const char *ca_cert_file, const char *ca_key_file,
                       const char *server_cert_file, const char *server_key_file)
{
    const char *d = s->state_dir;
    if (ca_cert_file) {
        if (pki_take_given(d, "ca", ca_cert_file, ca_key_file))
            return -1;
        /* leaves of an earlier CA must not survive it: issue them again */
        static const char *const leaves[] = {"server.pem", "server.key",  "kiosk.pem",
                                             "kiosk.key",  "seal-ec.pem", "seal-ec.key"};
        for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", d, leaves[i]);
            if (unlink(path) != 0 && errno != ENOENT)
                return -1;
        }
    }
    if (server_cert_file && pki_take_given(d, "server", server_cert_file, server_key_file))
        return -1;
    if (pki_ensure_ca(d, "ca", "ra-sim Test CA", 0) ||
        pki_ensure_ca(d, "other-ca", "Unrelated CA", 0) ||
        pki_ensure_ca(d, "sm2-ca", "ra-sim SM2 Test CA", 1) ||
        pki_ensure_leaf(d, "ca", "seal-ec", "ra-sim seal maker", PKI_LEAF_SEAL) ||
        pki_ensure_leaf(d, "sm2-ca", "seal-sm2", "ra-sim SM2 seal maker", PKI_LEAF_SEAL) ||
        pki_ensure_leaf(d, "ca", "server", "ra-sim server", 1) ||
        pki_ensure_leaf(d, "ca", "kiosk", "JXCA-KIOSK-0001", 0) ||
        pki_ensure_leaf(d, "other-ca", "wrong-server", "ra-sim impostor", 1) ||
        pki_ensure_leaf(d, "other-ca", "other-kiosk", "JXCA-KIOSK-0001", 0)) {
        fprintf(stderr, "ra-sim: cannot create certificates in %s\n", d);
        ERR_print_errors_fp(stderr);
        return -1;
    }
    sim_pki *p = &s->pki;
    p->ca_pem = pki_read_in(d, "ca.pem");
    char *ca_key_pem = pki_read_in(d, "ca.key");
    p->server_cert_pem = pki_read_in(d, "server.pem");
    p->server_key_pem = pki_read_in(d, "server.key");
    p->wrong_cert_pem = pki_read_in(d, "wrong-server.pem");
    p->wrong_key_pem = pki_read_in(d, "wrong-server.key");
    p->ca_cert = p->ca_pem ? pki_cert_from_pem(p->ca_pem) : NULL;
    p->ca_key = ca_key_pem ? pki_key_from_pem(ca_key_pem) : NULL;
    if (ca_key_pem)
        OPENSSL_cleanse(ca_key_pem, strlen(ca_key_pem));
    free(ca_key_pem);
    if (!p->ca_cert || !p->ca_key || !p->server_cert_pem || !p->server_key_pem ||
        !p->wrong_cert_pem || !p->wrong_key_pem) {
        fprintf(stderr, "ra-sim: unreadable certificates in %s\n", d);
        return -1;
    }
    if (X509_check_private_key(p->ca_cert, p->ca_key) != 1) {
        fprintf(stderr, "ra-sim: CA key does not match the CA certificate\n");
        return -1;
    }
    if (pki_load_pair(d, "sm2-ca", &p->sm2_ca_cert, &p->sm2_ca_key, &p->sm2_ca_pem) ||
        pki_load_pair(d, "seal-ec", &p->seal_cert[0], &p->seal_key[0], NULL) ||
        pki_load_pair(d, "seal-sm2", &p->seal_cert[1], &p->seal_key[1], NULL) ||
        !pki_is_sm2(p->sm2_ca_key) || !pki_is_sm2(p->seal_key[1])) {
        fprintf(stderr, "ra-sim: unreadable SM2 CA or seal maker certificates in %s\n", d);
        return -1;
    }
    return 0;
}

void pki_free(sim_pki *p)
{
    EVP_PKEY_free(p->ca_key);
    X509_free(p->ca_cert);
    free(p->ca_pem);
    free(p->server_cert_pem);
    if (p->server_key_pem)
        OPENSSL_cleanse(p->server_key_pem, strlen(p->server_key_pem));
    free(p->server_key_pem);
    free(p->wrong_cert_pem);
    free(p->wrong_key_pem);
    EVP_PKEY_free(p->sm2_ca_key);
    X509_free(p->sm2_ca_cert);
    free(p->sm2_ca_pem);
    for (int i = 0; i < 2; i++) {
        EVP_PKEY_free(p->seal_key[i]);
        X509_free(p->seal_cert[i]);
    }
    memset(p, 0, sizeof *p);
}

/* ---- CSR and issuance ---- */

/* The EC group of pub ("prime256v1", ...) into group; "" when none. */
static void pki_group(EVP_PKEY *pub, char *group, size_t n)
{
    size_t glen = 0;
    group[0] = '\0';
    if (!EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, n, &glen))
        group[0] = '\0';
}

const char *pki_key_profile(EVP_PKEY *pub)
{
    char group[64];
    if (pki_is_sm2(pub))
        return "sm2-dual";
    if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA)
        return "rsa-2048";
    pki_group(pub, group, sizeof group);
    if (strcmp(group, "prime256v1") == 0)
        return "ec-p256";
    if (strcmp(group, "secp384r1") == 0)
        return "ec-p384";
    return "";
}

/* The key rules: a case's profile (docs/ra-api.md) fixes the key type; a
 * case without one takes RSA >= 2048 bits or EC P-256/P-384 as before. */
static int pki_key_policy(EVP_PKEY *pub, const char *profile, const char **why)
{
    const char *kp = pki_key_profile(pub);
    if (strcmp(kp, "rsa-2048") == 0 && EVP_PKEY_get_bits(pub) < 2048) {
        *why = "RSA key shorter than 2048 bits";
        return -1;
    }
    if (*profile && strcmp(kp, profile) != 0) {
        *why = strcmp(profile, "sm2-dual") == 0 ? "the case's profile sm2-dual needs an SM2 key"
               : strcmp(profile, "ec-p256") == 0
                   ? "the case's profile ec-p256 needs a P-256 key"
                   : "the case's profile rsa-2048 needs an RSA key";
        return -1;
    }
    if (!*profile && (!*kp || strcmp(kp, "sm2-dual") == 0)) {
        *why = strcmp(kp, "sm2-dual") == 0 ? "an SM2 key needs a case of profile sm2-dual"
                                           : "EC key not on P-256 or P-384";
        return -1;
    }
    return 0;
}

X509_REQ *pki_parse_csr(const unsigned char *data, size_t len, const char *profile,
                        const char **why)
{
    X509_REQ *req = NULL;
    if (len > 64 * 1024) {
        *why = "CSR too large";
        return NULL;
    }
    if (len >= 10 && memcmp(data, "-----BEGIN", 10) == 0) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        const unsigned char *p = data;
        req = d2i_X509_REQ(NULL, &p, (long)len);
        if (req && p != data + len) {
            X509_REQ_free(req);
            req = NULL;
        }
    }
    ERR_clear_error();
    if (!req) {
        *why = "not a PKCS#10 request";
        return NULL;
    }
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    /* an SM2 request is signed with the default user ID (GM/T 0009) */
    if (pub && pki_is_sm2(pub))
        X509_REQ_set0_distinguishing_id(req, pki_sm2_id());
    if (!pub || X509_REQ_verify(req, pub) != 1) {
        ERR_clear_error();
        *why = "CSR signature does not verify";
        /* a common mistake, worth its own message: OpenSSL 3.0 signs SM2
         * with an empty user ID unless told */
        if (pub && pki_is_sm2(pub)) {
            X509_REQ_set0_distinguishing_id(req, NULL);
            if (X509_REQ_verify(req, pub) == 1)
                *why = "CSR signed with an empty SM2 user ID: GM/T 0009 wants the default "
                       "ID 1234567812345678";
            ERR_clear_error();
        }
        X509_REQ_free(req);
        return NULL;
    }
    if (pki_key_policy(pub, profile ? profile : "", why)) {
        X509_REQ_free(req);
        return NULL;
    }
    return req;
}

static int64_t pki_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static void pki_serial_hex(X509 *c, char *out, size_t outsz)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    size_t i = 0;
    for (; hex && hex[i] && i + 1 < outsz; i++)
        out[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] + 32 : hex[i]);
    out[i] = '\0';
    OPENSSL_free(hex);
    BN_free(bn);
}

char *pki_issue(sim_pki *p, EVP_PKEY *pub, pki_usage usage, const char *company,
                const char *credit_code, char *serial_hex, char *subject, int64_t *not_before,
                int64_t *not_after)
{
    int rsa = EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA;
    char orgid[64];
    snprintf(orgid, sizeof orgid, "NTRCN-%s", credit_code);
    X509_NAME *n = X509_NAME_new();
    const unsigned char *u = (const unsigned char *)company;
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"CN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, u, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "organizationIdentifier", MBSTRING_UTF8,
                               (const unsigned char *)orgid, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "serialNumber", MBSTRING_UTF8,
                               (const unsigned char *)credit_code, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, u, -1, -1, 0);
    static const int nids[] = {NID_basic_constraints,      NID_key_usage,
                               NID_subject_key_identifier, NID_authority_key_identifier,
                               NID_ext_key_usage,          0};
    const char *ku = rsa ? "critical,digitalSignature,nonRepudiation,keyEncipherment"
                         : "critical,digitalSignature,nonRepudiation";
    if (usage == PKI_USAGE_SM2_ENC)
        ku = "critical,keyEncipherment,dataEncipherment,keyAgreement";
    const char *vals[] = {"critical,CA:FALSE", ku, "hash", "keyid",
                          "clientAuth,emailProtection"};
    /* the encryption certificate of a pair has no extended key usage */
    int next = usage == PKI_USAGE_SM2_ENC ? 4 : 5;
    int local_nids[6];
    memcpy(local_nids, nids, sizeof local_nids);
    local_nids[next] = 0;
    int sm2 = usage != PKI_USAGE_LEGACY;
    X509 *c =
        pki_make_cert(pub, n, sm2 ? p->sm2_ca_cert : p->ca_cert,
                      sm2 ? p->sm2_ca_key : p->ca_key, p->validity_days, local_nids, vals);
    X509_NAME_free(n);
    if (!c)
        return NULL;
    pki_serial_hex(c, serial_hex, 81);
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, X509_get_subject_name(c), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *subj = pki_bio_text(b);
    BIO_free(b);
    snprintf(subject, 512, "%s", subj ? subj : "");
    free(subj);
    *not_before = pki_time(X509_get0_notBefore(c));
    *not_after = pki_time(X509_get0_notAfter(c));
    char *pem = pki_cert_pem(c);
    X509_free(c);
    return pem;
}

int pki_verify_renewal(const char *cert_pem, X509_REQ *req, const unsigned char *sig,
                       size_t sig_len)
{
    X509 *old = pki_cert_from_pem(cert_pem);
    unsigned char *der = NULL;
    int der_len = i2d_X509_REQ(req, &der);
    int ok = 0;
    /* ECDSA/RSA with SHA-256, or SM2-with-SM3 (default ID) for an SM2 key */
    EVP_MD_CTX *md = old && der_len > 0 ? pki_verify_ctx(X509_get0_pubkey(old)) : NULL;
    if (md)
        ok = EVP_DigestVerify(md, sig, sig_len, der, (size_t)der_len) == 1;
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    X509_free(old);
    return ok ? 0 : -1;
}

/* ---- CRL ---- */

static int pki_crl_add(X509_CRL *crl, const char *serial_hex, int64_t revoked_at, int reason)
{
    BIGNUM *bn = NULL;
    if (!BN_hex2bn(&bn, serial_hex))
        return -1;
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)revoked_at);
    ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
    int ok = r && ai && t && e && X509_REVOKED_set_serialNumber(r, ai) &&
             X509_REVOKED_set_revocationDate(r, t) && ASN1_ENUMERATED_set(e, reason) &&
             X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0) &&
             X509_CRL_add0_revoked(crl, r);
    if (!ok)
        X509_REVOKED_free(r);
    ASN1_ENUMERATED_free(e);
    ASN1_TIME_free(t);
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return ok ? 0 : -1;
}

unsigned char *pki_make_crl(sim *s, int sm2, int der, size_t *len_out, int64_t *this_update,
                            int64_t *next_update, long *number)
{
    sim_pki *p = &s->pki;
    X509 *ca_cert = sm2 ? p->sm2_ca_cert : p->ca_cert;
    EVP_PKEY *ca_key = sm2 ? p->sm2_ca_key : p->ca_key;
    const char *number_key = sm2 ? "crl_number_sm2" : "crl_number";
    X509_CRL *crl = X509_CRL_new();
    int64_t now = sim_now();
    int ok = crl && X509_CRL_set_version(crl, 1) &&
             X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca_cert));
    ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)now);
    ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)(now + 86400));
    ok = ok && X509_CRL_set1_lastUpdate(crl, t1) && X509_CRL_set1_nextUpdate(crl, t2);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    sqlite3_stmt *st = store_prep(s,
                                  "SELECT serial, revoked_at, reason FROM certs "
                                  "WHERE status='revoked' AND ca=? ORDER BY revoked_at",
                                  "s", sm2 ? "sm2" : "main");
    while (ok && st && sqlite3_step(st) == SQLITE_ROW)
        ok = pki_crl_add(crl, store_text(st, 0), sqlite3_column_int64(st, 1),
                         sqlite3_column_int(st, 2)) == 0;
    sqlite3_finalize(st);
    long num = 1;
    sqlite3_stmt *q = store_prep(s, "SELECT v FROM meta WHERE k=?", "s", number_key);
    if (q && sqlite3_step(q) == SQLITE_ROW)
        num = (long)sqlite3_column_int64(q, 0) + 1;
    sqlite3_finalize(q);
    store_run(s, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", "si", number_key,
              (int64_t)num);
    ASN1_INTEGER *n = ASN1_INTEGER_new();
    ok = ok && n && ASN1_INTEGER_set(n, num) &&
         X509_CRL_add1_ext_i2d(crl, NID_crl_number, n, 0, 0);
    ASN1_INTEGER_free(n);
    EVP_MD_CTX *md = ok ? pki_sign_ctx(ca_key) : NULL;
    ok = ok && md && X509_CRL_sort(crl) && X509_CRL_sign_ctx(crl, md) > 0;
    EVP_MD_CTX_free(md);
    unsigned char *out = NULL;
    if (ok && der) {
        int len = i2d_X509_CRL(crl, NULL);
        unsigned char *buf = len > 0 ? malloc((size_t)len) : NULL;
        unsigned char *w = buf;
        if (buf && i2d_X509_CRL(crl, &w) == len) {
            out = buf;
            *len_out = (size_t)len;
        } else {
            free(buf);
        }
    } else if (ok) {
        BIO *b = BIO_new(BIO_s_mem());
        if (b && PEM_write_bio_X509_CRL(b, crl)) {
            out = (unsigned char *)pki_bio_text(b);
            *len_out = out ? strlen((char *)out) : 0;
        }
        BIO_free(b);
    }
    X509_CRL_free(crl);
    *this_update = now;
    *next_update = now + 86400;
    *number = num;
    if (out)
        store_count(s, "crls_signed", 1);
    return out;
}

/* ---- encoding helpers ---- */

char *pki_b64_encode(const unsigned char *data, size_t len)
{
    size_t outlen = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(outlen);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *pki_b64_decode(const char *text, size_t *len_out)
{
    size_t n = strlen(text);
    if (n % 4 != 0)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    int len = n ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : 0;
    if (len < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts padding as zero bytes: remove them. */
    if (n >= 1 && text[n - 1] == '=')
        len--;
    if (n >= 2 && text[n - 2] == '=')
        len--;
    *len_out = (size_t)len;
    return out;
}

void pki_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void pki_random_id(const char *prefix, char *out, size_t outsz)
{
    unsigned char raw[10];
    char hex[21];
    RAND_bytes(raw, sizeof raw);
    for (unsigned i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    snprintf(out, outsz, "%s-%s", prefix, hex);
}
