/* SPDX-License-Identifier: MIT */
/*
 * test_ra_gm.c - integration tests of ra-sim's SM2 CA and simulated KMC
 * (certificate profiles per case, sm2-dual issuance with the enveloped
 * encryption key, revocation of both certificates, the SM2-signed CRL)
 * against a real ra-sim on 127.0.0.1 over mutual TLS.
 *
 * The kiosk's side is played by the test: it generates the SM2 signing
 * key, signs the CSR (SM2-with-SM3, default ID 1234567812345678), and
 * opens the ENVELOPEDKEYBLOB the KMC returns with that key. Certificates
 * are checked with the openssl command line.
 */
#include "ra_harness.h"
#include "ra/ra_internal.h"

#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SM2_ID "1234567812345678"

/* ---- the kiosk's side ---- */

/* An SM2 key and its CSR signed with the default ID (PEM, static). */
static const char *sm2_csr(EVP_PKEY **key_out)
{
    static char pem[4096];
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_non_null(k);
    X509_REQ *req = X509_REQ_new();
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
                               (const unsigned char *)"ignored", -1, -1, 0);
    X509_REQ_set_pubkey(req, k);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    assert_int_equal(EVP_DigestSignInit(md, &pc, EVP_sm3(), NULL, k), 1);
    assert_true(EVP_PKEY_CTX_set1_id(pc, SM2_ID, 16) > 0);
    assert_true(X509_REQ_sign_ctx(req, md) > 0);
    EVP_MD_CTX_free(md);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(b, req);
    int len = BIO_read(b, pem, sizeof pem - 1);
    pem[len > 0 ? len : 0] = '\0';
    BIO_free(b);
    X509_REQ_free(req);
    *key_out = k;
    return pem;
}

/* A case of service with cert_profile (NULL: none), submitted, approved,
 * paid when it has a fee; its id into id. */
static void raw_ready_case(const char *service, const char *profile, char *id, size_t idsz)
{
    json_t *req =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "service", service, "credit_code",
                  "91110000600037341L", "company_name", "Example Electronics Co., Ltd.",
                  "agent", "name", "Zhang San", "id_number", "360426199101010071", "phone",
                  "13800000000", "agreement_accepted_at", "2026-01-01T00:00:00Z");
    if (profile)
        json_object_set_new(req, "cert_profile", json_string(profile));
    json_t *c = NULL, *o = NULL;
    char path[200];
    assert_int_equal(api_post_json("/v1/cases", req, &c), 201);
    assert_string_equal(json_string_value(json_object_get(c, "cert_profile")),
                        profile ? profile : "");
    snprintf(id, idsz, "%s", json_string_value(json_object_get(c, "case_id")));
    json_decref(c);
    snprintf(path, sizeof path, "/v1/cases/%s/submit", id);
    assert_int_equal(api_call("POST", path, "{}", NULL), 200);
    admin_ok("cases", id, "approve");
    if (strcmp(service, "revoke") != 0 && strcmp(service, "unlock") != 0) {
        snprintf(path, sizeof path, "/v1/cases/%s/orders", id);
        assert_int_equal(api_call("POST", path, "{}", &o), 201);
        admin_ok("orders", json_string_value(json_object_get(o, "order_id")), "pay");
        json_decref(o);
    }
}

/* POST the CSR to the case; returns the status, *out the reply. */
static long raw_issue(const char *case_id, const char *csr_pem, json_t **out)
{
    char path[200];
    snprintf(path, sizeof path, "/v1/cases/%s/certificate", case_id);
    return api_post_json(path, json_pack("{s:s}", "csr", csr_pem), out);
}

static EVP_PKEY *pub_of_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(x);
    EVP_PKEY *k = X509_get_pubkey(x);
    X509_free(x);
    return k;
}

/* ---- opening the ENVELOPEDKEYBLOB as the UKEY would ---- */

typedef struct t_sm2_cipher {
    BIGNUM *x;
    BIGNUM *y;
    ASN1_OCTET_STRING *hash;
    ASN1_OCTET_STRING *ct;
} T_SM2_CIPHER;

ASN1_SEQUENCE(T_SM2_CIPHER) =
    {
        ASN1_SIMPLE(T_SM2_CIPHER, x, BIGNUM),
        ASN1_SIMPLE(T_SM2_CIPHER, y, BIGNUM),
        ASN1_SIMPLE(T_SM2_CIPHER, hash, ASN1_OCTET_STRING),
        ASN1_SIMPLE(T_SM2_CIPHER, ct, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(T_SM2_CIPHER)

        static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* The 32-byte value right-aligned in a 64-byte field, as a BIGNUM. */
static BIGNUM *field_bn(const unsigned char *field)
{
    assert_true(all_zero(field, 32));
    return BN_bin2bn(field + 32, 32, NULL);
}

/* Decrypt the blob's session key with the signing key, the private key
 * with the session key; check the private key's point is the blob's PubKey
 * and the encryption certificate's key. */
static void open_envelope(const unsigned char *blob, size_t len, EVP_PKEY *sign_key,
                          EVP_PKEY *enc_cert_pub)
{
    assert_int_equal(len, 388);
    assert_int_equal(le32(blob + 0), 1);          /* Version */
    assert_int_equal(le32(blob + 4), 0x00000401); /* SGD_SM4_ECB */
    assert_int_equal(le32(blob + 8), 256);        /* ulBits */
    assert_int_equal(le32(blob + 76), 256);       /* PubKey.BitLen */
    assert_int_equal(le32(blob + 368), 16);       /* ECCCipherBlob.CipherLen */
    /* ECCCIPHERBLOB -> OpenSSL's DER C1C3C2 */
    T_SM2_CIPHER *ct = (T_SM2_CIPHER *)ASN1_item_new(ASN1_ITEM_rptr(T_SM2_CIPHER));
    BN_free(ct->x);
    BN_free(ct->y);
    ct->x = field_bn(blob + 208);
    ct->y = field_bn(blob + 272);
    ASN1_OCTET_STRING_set(ct->hash, blob + 336, 32);
    ASN1_OCTET_STRING_set(ct->ct, blob + 372, 16);
    unsigned char *der = NULL;
    int der_len = ASN1_item_i2d((ASN1_VALUE *)ct, &der, ASN1_ITEM_rptr(T_SM2_CIPHER));
    ASN1_item_free((ASN1_VALUE *)ct, ASN1_ITEM_rptr(T_SM2_CIPHER));
    assert_true(der_len > 0);
    unsigned char sk[64];
    size_t sk_len = sizeof sk;
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(sign_key, NULL);
    assert_int_equal(EVP_PKEY_decrypt_init(dc), 1);
    assert_int_equal(EVP_PKEY_decrypt(dc, sk, &sk_len, der, (size_t)der_len), 1);
    EVP_PKEY_CTX_free(dc);
    OPENSSL_free(der);
    assert_int_equal(sk_len, 16);
    /* cbEncryptedPriKey: SM4-ECB under the session key */
    unsigned char priv[64];
    int n = 0, fin = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_DecryptInit_ex(c, EVP_sm4_ecb(), NULL, sk, NULL), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_DecryptUpdate(c, priv, &n, blob + 12, 64), 1);
    assert_int_equal(EVP_DecryptFinal_ex(c, priv + n, &fin), 1);
    EVP_CIPHER_CTX_free(c);
    assert_int_equal(n + fin, 64);
    assert_true(all_zero(priv, 32));
    /* d * G must be the blob's PubKey and the encryption certificate's key */
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
    EC_POINT *q = EC_POINT_new(g);
    BIGNUM *d = BN_bin2bn(priv + 32, 32, NULL), *x = BN_new(), *y = BN_new();
    assert_int_equal(EC_POINT_mul(g, q, d, NULL, NULL, NULL), 1);
    assert_int_equal(EC_POINT_get_affine_coordinates(g, q, x, y, NULL), 1);
    BIGNUM *bx = field_bn(blob + 80), *by = field_bn(blob + 144), *cx = NULL, *cy = NULL;
    assert_int_equal(BN_cmp(x, bx), 0);
    assert_int_equal(BN_cmp(y, by), 0);
    assert_int_equal(EVP_PKEY_get_bn_param(enc_cert_pub, OSSL_PKEY_PARAM_EC_PUB_X, &cx), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(enc_cert_pub, OSSL_PKEY_PARAM_EC_PUB_Y, &cy), 1);
    assert_int_equal(BN_cmp(x, cx), 0);
    assert_int_equal(BN_cmp(y, cy), 0);
    BN_clear_free(d);
    BN_free(x);
    BN_free(y);
    BN_free(bx);
    BN_free(by);
    BN_free(cx);
    BN_free(cy);
    EC_POINT_free(q);
    EC_GROUP_free(g);
    OPENSSL_cleanse(priv, sizeof priv);
}

/* openssl's view of a certificate PEM: writes it to sim.dir/name. */
static void cert_text(const char *name, const char *pem, char *text, size_t textsz)
{
    char path[512];
    write_file(name, pem, path, sizeof path);
    assert_int_equal(run(text, textsz, "openssl x509 -in '%s' -noout -text", path), 0);
}

/* ---- tests ---- */

static void test_sm2_dual_issuance(void **state)
{
    (void)state;
    char id[80], path[512], out[8192];
    EVP_PKEY *sign_key = NULL;
    const char *csr = sm2_csr(&sign_key);
    long env0 = counter("kmc_envelopes"), issued0 = counter("certs_issued");
    raw_ready_case("new", "sm2-dual", id, sizeof id);
    json_t *j = NULL;
    assert_int_equal(raw_issue(id, csr, &j), 201);
    json_t *enc = json_object_get(j, "encryption");
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "sm2-dual");
    assert_string_equal(json_string_value(json_object_get(j, "usage")), "signature");
    assert_string_equal(json_string_value(json_object_get(enc, "usage")), "encryption");
    assert_string_equal(json_string_value(json_object_get(enc, "paired_serial")),
                        json_string_value(json_object_get(j, "serial")));
    assert_string_equal(json_string_value(json_object_get(j, "paired_serial")),
                        json_string_value(json_object_get(enc, "serial")));
    assert_string_equal(json_string_value(json_object_get(j, "enveloped_key_format")),
                        "gmt0016-envelopedkeyblob");
    assert_int_equal(counter("kmc_envelopes"), env0 + 1);
    assert_int_equal(counter("certs_issued"), issued0 + 2);

    /* both verify against the SM2 CA with the default ID, and only so */
    char sm2ca[400], sign_path[512], enc_path[512];
    snprintf(sm2ca, sizeof sm2ca, "%s/sm2-ca.pem", sim.state);
    write_file("sign.pem", json_string_value(json_object_get(j, "certificate")), sign_path,
               sizeof sign_path);
    write_file("enc.pem", json_string_value(json_object_get(enc, "certificate")), enc_path,
               sizeof enc_path);
    write_file("chain.pem", json_string_value(json_object_get(j, "chain")), path, sizeof path);
    assert_int_equal(run(out, sizeof out, "cmp -s '%s' '%s'", path, sm2ca), 0);
    assert_int_equal(run(out, sizeof out,
                         "openssl verify -CAfile '%s' -vfyopt distid:" SM2_ID " '%s' '%s'",
                         sm2ca, sign_path, enc_path),
                     0);
    assert_non_null(strstr(out, "sign.pem: OK"));
    assert_non_null(strstr(out, "enc.pem: OK"));
    assert_int_not_equal(
        run(out, sizeof out, "openssl verify -CAfile '%s' '%s' 2>&1", sm2ca, sign_path), 0);
    /* the existing CA does not vouch for them */
    assert_int_not_equal(run(out, sizeof out, "openssl verify -CAfile '%s/ca.pem' '%s' 2>&1",
                             sim.state, sign_path),
                         0);

    cert_text("sign.pem", json_string_value(json_object_get(j, "certificate")), out,
              sizeof out);
    assert_non_null(strstr(out, "Signature Algorithm: SM2-with-SM3"));
    assert_non_null(strstr(out, "Digital Signature, Non Repudiation\n"));
    assert_null(strstr(out, "Key Encipherment"));
    assert_non_null(strstr(out, "serialNumber = 91110000600037341L"));
    cert_text("enc.pem", json_string_value(json_object_get(enc, "certificate")), out,
              sizeof out);
    assert_non_null(strstr(out, "Signature Algorithm: SM2-with-SM3"));
    assert_non_null(strstr(out, "Key Encipherment, Data Encipherment, Key Agreement\n"));
    assert_null(strstr(out, "Digital Signature"));

    /* the signing certificate carries the CSR's key */
    EVP_PKEY *sign_pub = pub_of_pem(json_string_value(json_object_get(j, "certificate")));
    assert_int_equal(EVP_PKEY_eq(sign_pub, sign_key), 1);
    EVP_PKEY_free(sign_pub);

    /* the envelope opens with the signing key to the encryption cert's key */
    size_t blob_len = 0;
    unsigned char blob[400];
    const char *b64 = json_string_value(json_object_get(j, "enveloped_key"));
    assert_non_null(b64);
    blob_len = (size_t)EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)strlen(b64));
    assert_int_equal(blob_len, 390); /* 388 + the two '=' of the padding */
    EVP_PKEY *enc_pub = pub_of_pem(json_string_value(json_object_get(enc, "certificate")));
    open_envelope(blob, 388, sign_key, enc_pub);
    EVP_PKEY_free(enc_pub);
    EVP_PKEY_free(sign_key);
    json_decref(j);
}

/* Profiles decide the key type; a case without one keeps the old rules. */
static void test_profiles(void **state)
{
    (void)state;
    char id[80];
    EVP_PKEY *sm2 = NULL, *ec = NULL;
    const char *sm2_pem = sm2_csr(&sm2);
    char sm2_copy[4096];
    snprintf(sm2_copy, sizeof sm2_copy, "%s", sm2_pem);
    const char *ec_pem = make_csr(&ec, NULL);
    json_t *j = NULL;

    raw_ready_case("new", "ec-p256", id, sizeof id);
    assert_int_equal(raw_issue(id, sm2_copy, &j), 400);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "invalid_csr");
    json_decref(j);
    assert_int_equal(raw_issue(id, ec_pem, &j), 201);
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "ec-p256");
    assert_null(json_object_get(j, "encryption"));
    assert_null(json_object_get(j, "enveloped_key"));
    json_decref(j);

    raw_ready_case("new", "sm2-dual", id, sizeof id);
    assert_int_equal(raw_issue(id, ec_pem, &j), 400);
    json_decref(j);

    raw_ready_case("new", "rsa-2048", id, sizeof id);
    assert_int_equal(raw_issue(id, ec_pem, &j), 400);
    json_decref(j);

    /* no profile requested: EC or RSA as before, SM2 refused */
    raw_ready_case("new", NULL, id, sizeof id);
    assert_int_equal(raw_issue(id, sm2_copy, &j), 400);
    json_decref(j);
    assert_int_equal(raw_issue(id, ec_pem, &j), 201);
    assert_string_equal(json_string_value(json_object_get(j, "profile")), "ec-p256");
    json_decref(j);

    /* an SM2 CSR signed with OpenSSL's default (empty) ID is refused, and
     * the RA says why */
    raw_ready_case("new", "sm2-dual", id, sizeof id);
    char path[512], empty_id[4096];
    write_file("sm2.key", "", path, sizeof path);
    BIO *kb = BIO_new_file(path, "w");
    PEM_write_bio_PrivateKey(kb, sm2, NULL, NULL, 0, NULL, NULL);
    BIO_free(kb);
    assert_int_equal(
        run(empty_id, sizeof empty_id, "openssl req -new -key '%s' -sm3 -subj /CN=x", path), 0);
    assert_int_equal(raw_issue(id, empty_id, &j), 400);
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "message")), "1234567812345678"));
    json_decref(j);

    /* an unknown profile is refused */
    json_t *req =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s}", "service", "new",
                  "credit_code", "91110000600037341L", "company_name", "X", "agent", "name",
                  "Zhang San", "id_number", "360426199101010071", "phone", "13800000000",
                  "agreement_accepted_at", "2026-01-01T00:00:00Z", "cert_profile", "sm9");
    assert_int_equal(api_post_json("/v1/cases", req, &j), 400);
    json_decref(j);
    EVP_PKEY_free(sm2);
    EVP_PKEY_free(ec);
}

/* An SM2 CRL signed SM2-with-SM3 with the default ID: verify its
 * signature over the TBS part. */
static void verify_sm2_crl(const char *pem, EVP_PKEY *ca_pub)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_CRL *crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(crl);
    const ASN1_BIT_STRING *sig = NULL;
    const X509_ALGOR *alg = NULL;
    X509_CRL_get0_signature(crl, &sig, &alg);
    const ASN1_OBJECT *oid = NULL;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    char txt[64];
    OBJ_obj2txt(txt, sizeof txt, oid, 1);
    assert_string_equal(txt, "1.2.156.10197.1.501");
    unsigned char *tbs = NULL;
    int tbs_len = i2d_re_X509_CRL_tbs(crl, &tbs);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    assert_int_equal(EVP_DigestVerifyInit(md, &pc, EVP_sm3(), NULL, ca_pub), 1);
    assert_true(EVP_PKEY_CTX_set1_id(pc, SM2_ID, 16) > 0);
    assert_int_equal(EVP_DigestVerify(md, ASN1_STRING_get0_data(sig),
                                      (size_t)ASN1_STRING_length(sig), tbs, (size_t)tbs_len),
                     1);
    EVP_MD_CTX_free(md);
    OPENSSL_free(tbs);
    X509_CRL_free(crl);
}

static void test_sm2_revocation_and_crl(void **state)
{
    (void)state;
    char id[80], rid[80], path[256], out[16384], crl_path[512];
    EVP_PKEY *k = NULL;
    const char *csr = sm2_csr(&k);
    json_t *j = NULL, *r = NULL, *crl = NULL;
    raw_ready_case("new", "sm2-dual", id, sizeof id);
    assert_int_equal(raw_issue(id, csr, &j), 201);
    const char *sign = json_string_value(json_object_get(j, "serial"));
    const char *enc = json_string_value(json_object_get(j, "paired_serial"));
    long revoked0 = counter("certs_revoked");
    raw_ready_case("revoke", NULL, rid, sizeof rid);
    snprintf(path, sizeof path, "/v1/certificates/%s/revoke", sign);
    assert_int_equal(
        api_post_json(path, json_pack("{s:s, s:s}", "case_id", rid, "reason", "key_compromise"),
                      &r),
        200);
    json_t *list = json_object_get(r, "revoked_serials");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(counter("certs_revoked"), revoked0 + 2);
    snprintf(path, sizeof path, "/v1/certificates/%s", enc);
    json_t *e = NULL;
    assert_int_equal(api_call("GET", path, NULL, &e), 200);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "revoked");
    json_decref(e);
    /* revoking the partner again: already revoked */
    snprintf(path, sizeof path, "/v1/certificates/%s/revoke", enc);
    assert_int_equal(
        api_post_json(path, json_pack("{s:s, s:s}", "case_id", rid, "reason", "key_compromise"),
                      NULL),
        409);

    /* the SM2 CA's CRL lists both, signed SM2-with-SM3; the other CA's not */
    assert_int_equal(api_call("GET", "/v1/crl/sm2", NULL, &crl), 200);
    const char *pem = json_string_value(json_object_get(crl, "crl"));
    assert_non_null(pem);
    write_file("sm2.crl", pem, crl_path, sizeof crl_path);
    assert_int_equal(run(out, sizeof out, "openssl crl -in '%s' -noout -text", crl_path), 0);
    assert_non_null(strstr(out, "SM2-with-SM3"));
    assert_non_null(strstr(out, "ra-sim SM2 Test CA"));
    char upper[2][96];
    for (int i = 0; i < 2; i++) {
        const char *s = i ? enc : sign;
        size_t n = 0;
        for (; s[n] && n + 1 < sizeof upper[i]; n++)
            upper[i][n] = (char)(s[n] >= 'a' && s[n] <= 'f' ? s[n] - 32 : s[n]);
        upper[i][n] = '\0';
        assert_non_null(strstr(out, upper[i]));
    }
    assert_non_null(strstr(out, "Key Compromise"));
    char ca_path[400];
    snprintf(ca_path, sizeof ca_path, "%s/sm2-ca.pem", sim.state);
    FILE *fp = fopen(ca_path, "r");
    X509 *ca = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    verify_sm2_crl(pem, X509_get0_pubkey(ca));
    X509_free(ca);
    json_decref(crl);
    assert_int_equal(api_call("GET", "/v1/crl", NULL, &crl), 200);
    write_file("main.crl", json_string_value(json_object_get(crl, "crl")), crl_path,
               sizeof crl_path);
    assert_int_equal(run(out, sizeof out, "openssl crl -in '%s' -noout -text", crl_path), 0);
    assert_null(strstr(out, upper[0]));
    json_decref(crl);
    /* DER form of the SM2 CRL */
    assert_int_equal(run(out, sizeof out,
                         "curl -sf --cacert '%s/ca.pem' --cert '%s/kiosk.pem' --key "
                         "'%s/kiosk.key' https://127.0.0.1:%u/v1/crl/sm2.der | openssl crl "
                         "-inform DER -noout -issuer",
                         sim.state, sim.state, sim.state, sim.port),
                     0);
    assert_non_null(strstr(out, "ra-sim SM2 Test CA"));
    json_decref(r);
    json_decref(j);
    EVP_PKEY_free(k);
}

/* ---- the client (kiosk/ra) ---- */

/* The DER of a PEM CSR (static buffer). */
static const unsigned char *csr_der(const char *pem, size_t *len)
{
    static unsigned char der[4096];
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(req);
    unsigned char *p = der;
    int n = i2d_X509_REQ(req, &p);
    X509_REQ_free(req);
    assert_true(n > 0 && n < (int)sizeof der);
    *len = (size_t)n;
    return der;
}

static void check_pair(const kx_ra_cert_pair *p, EVP_PKEY *sign_key)
{
    assert_true(p->dual);
    assert_string_equal(p->profile, "sm2-dual");
    assert_string_equal(p->sign.usage, "signature");
    assert_string_equal(p->enc.usage, "encryption");
    assert_string_equal(p->sign.paired_serial, p->enc.serial);
    assert_int_equal(p->enveloped.version, 1);
    assert_int_equal(p->enveloped.symm_alg_id, KX_RA_SGD_SM4_ECB);
    assert_int_equal(p->enveloped.cipher_len, 16);
    EVP_PKEY *enc_pub = pub_of_pem(p->enc.cert_pem);
    open_envelope(p->enveloped.blob, sizeof p->enveloped.blob, sign_key, enc_pub);
    EVP_PKEY_free(enc_pub);
}

static void test_client_sm2_pair(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    r.cert_profile = "sm2-dual";
    r.agreement_version = "5d41402abc4b2a76b9719d911017c592aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ready_case_of(ra, &r, &c);
    assert_string_equal(c.cert_profile, "sm2-dual");
    assert_string_equal(c.agreement_version, r.agreement_version);
    assert_int_equal(c.agreement_accepted_at, r.agreement_accepted_at);
    EVP_PKEY *k = NULL;
    size_t der_len = 0;
    const unsigned char *der = csr_der(sm2_csr(&k), &der_len);
    kx_ra_cert_pair p = {0}, again = {0};
    char *idem = strdup(key());
    long env0 = counter("kmc_envelopes");
    assert_int_equal(kx_ra_cert_issue_pair(ra, idem, c.case_id, der, der_len, &p), KX_OK);
    check_pair(&p, k);
    /* the lost reply is replayed with the same envelope, nothing twice */
    assert_int_equal(kx_ra_cert_issue_pair(ra, idem, c.case_id, der, der_len, &again), KX_OK);
    assert_string_equal(again.enc.serial, p.enc.serial);
    assert_memory_equal(again.enveloped.blob, p.enveloped.blob, KX_RA_EKB_LEN);
    assert_int_equal(counter("kmc_envelopes"), env0 + 1);
    kx_ra_cert_pair_clear(&again);
    free(idem);

    /* the old single-certificate call still reads the signing certificate */
    kx_ra_cert one = {0};
    assert_int_equal(kx_ra_cert_get(ra, p.enc.serial, &one), KX_OK);
    assert_string_equal(one.usage, "encryption");
    assert_string_equal(one.paired_serial, p.sign.serial);
    kx_ra_cert_clear(&one);

    /* renewal of the pair, proved with the current SM2 signing key */
    kx_ra_case_request rr = new_request("renew");
    rr.cert_profile = "sm2-dual";
    rr.cert_serial = p.sign.serial;
    kx_ra_case rc;
    ready_case_of(ra, &rr, &rc);
    EVP_PKEY *k2 = NULL;
    size_t der2_len = 0;
    const unsigned char *der2 = csr_der(sm2_csr(&k2), &der2_len);
    unsigned char sig[128];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    assert_int_equal(EVP_DigestSignInit(md, &pc, EVP_sm3(), NULL, k), 1);
    assert_true(EVP_PKEY_CTX_set1_id(pc, SM2_ID, 16) > 0);
    assert_int_equal(EVP_DigestSign(md, sig, &sig_len, der2, der2_len), 1);
    EVP_MD_CTX_free(md);
    kx_ra_cert_pair renewed = {0};
    /* a wrong proof is refused */
    sig[sig_len - 1] ^= 1;
    assert_int_equal(kx_ra_cert_renew_pair(ra, key(), rc.case_id, p.sign.serial, der2, der2_len,
                                           sig, sig_len, &renewed),
                     KX_ERR_RA_REJECTED);
    sig[sig_len - 1] ^= 1;
    assert_int_equal(kx_ra_cert_renew_pair(ra, key(), rc.case_id, p.sign.serial, der2, der2_len,
                                           sig, sig_len, &renewed),
                     KX_OK);
    check_pair(&renewed, k2);
    assert_string_not_equal(renewed.sign.serial, p.sign.serial);
    kx_ra_cert_pair_clear(&renewed);

    /* an ec-p256 case through the pair call: one certificate */
    kx_ra_case_request re = new_request("new");
    re.cert_profile = "ec-p256";
    ready_case_of(ra, &re, &c);
    EVP_PKEY *ek = NULL;
    const char *ec_pem = make_csr(&ek, NULL);
    kx_ra_cert_pair single = {0};
    assert_int_equal(kx_ra_cert_issue_pair(ra, key(), c.case_id, (const unsigned char *)ec_pem,
                                           strlen(ec_pem), &single),
                     KX_OK);
    assert_false(single.dual);
    assert_string_equal(single.profile, "ec-p256");
    assert_null(single.enc.cert_pem);
    kx_ra_cert_pair_clear(&single);

    /* the SM2 CRL through the client */
    char *crl = NULL;
    assert_int_equal(kx_ra_crl_fetch_sm2(ra, &crl), KX_OK);
    assert_non_null(strstr(crl, "BEGIN X509 CRL"));
    free(crl);
    /* bad arguments */
    r.cert_profile = "sm9";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    r.cert_profile = NULL;
    r.agreement_version = "ABC";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    kx_ra_cert_pair_clear(&p);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
    EVP_PKEY_free(ek);
    kx_ra_close(ra);
}

/* The reply reader refuses an envelope that does not belong to the
 * encryption certificate, and the blob parser every malformed blob. */
static void test_client_pair_checks(void **state)
{
    (void)state;
    char id1[80], id2[80];
    EVP_PKEY *k1 = NULL, *k2 = NULL;
    char csr1[4096];
    snprintf(csr1, sizeof csr1, "%s", sm2_csr(&k1));
    const char *csr2 = sm2_csr(&k2);
    json_t *j1 = NULL, *j2 = NULL;
    raw_ready_case("new", "sm2-dual", id1, sizeof id1);
    raw_ready_case("new", "sm2-dual", id2, sizeof id2);
    assert_int_equal(raw_issue(id1, csr1, &j1), 201);
    assert_int_equal(raw_issue(id2, csr2, &j2), 201);
    char *text = json_dumps(j1, 0);
    assert_int_equal(kx_ra_parse_pair_reply_any((const unsigned char *)text, strlen(text)),
                     KX_OK);
    free(text);
    json_object_set(j1, "enveloped_key", json_object_get(j2, "enveloped_key"));
    text = json_dumps(j1, 0);
    assert_int_equal(kx_ra_parse_pair_reply_any((const unsigned char *)text, strlen(text)),
                     KX_ERR_RA_BAD_REPLY);
    free(text);
    json_object_del(j1, "encryption");
    text = json_dumps(j1, 0);
    assert_int_equal(kx_ra_parse_pair_reply_any((const unsigned char *)text, strlen(text)),
                     KX_ERR_RA_BAD_REPLY);
    free(text);

    unsigned char blob[KX_RA_EKB_LEN + 1];
    const char *b64 = json_string_value(json_object_get(j2, "enveloped_key"));
    assert_int_equal(EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)strlen(b64)), 390);
    kx_ra_enveloped_key ek;
    assert_int_equal(kx_ra_enveloped_key_parse(blob, KX_RA_EKB_LEN, &ek), KX_OK);
    assert_memory_equal(ek.blob, blob, KX_RA_EKB_LEN);
    assert_int_equal(ek.bits, 256);
    assert_int_equal(kx_ra_enveloped_key_parse(blob, KX_RA_EKB_LEN - 1, &ek),
                     KX_ERR_RA_BAD_REPLY);
    assert_int_equal(kx_ra_enveloped_key_parse(blob, KX_RA_EKB_LEN + 1, &ek),
                     KX_ERR_RA_BAD_REPLY);
    static const size_t bad_at[] = {0, 4, 8, 76, 80, 144, 208, 272, 368};
    for (size_t i = 0; i < sizeof bad_at / sizeof bad_at[0]; i++) {
        blob[bad_at[i]] ^= 0x40;
        assert_int_equal(kx_ra_enveloped_key_parse(blob, KX_RA_EKB_LEN, &ek),
                         KX_ERR_RA_BAD_REPLY);
        blob[bad_at[i]] ^= 0x40;
    }
    json_decref(j1);
    json_decref(j2);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

/* The site chooses the profile in [ra] cert_profile. */
static void test_config_profile(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[ra]\nurl = https://127.0.0.1:1\nca_file = a\ncert_file = b\nkey_file = c\n",
        "[ra]\nurl = https://127.0.0.1:1\nca_file = a\ncert_file = b\nkey_file = c\n"
        "cert_profile = sm2-dual\n",
        "[ra]\nurl = https://127.0.0.1:1\nca_file = a\ncert_file = b\nkey_file = c\n"
        "cert_profile = sm9\n"};
    static const char *const want[] = {"", "sm2-dual", NULL};
    for (int i = 0; i < 3; i++) {
        kx_config *ini = NULL;
        kx_ra_config cfg;
        assert_int_equal(kx_config_load_string(texts[i], "test.conf", &ini), KX_OK);
        if (want[i]) {
            assert_int_equal(kx_ra_config_load(ini, &cfg), KX_OK);
            assert_string_equal(cfg.cert_profile, want[i]);
        } else {
            assert_int_equal(kx_ra_config_load(ini, &cfg), KX_ERR_CONFIG);
        }
        kx_config_free(ini);
    }
}

/* ---- issue 19: documents, the enterprise's certificates, revocation
 * without the UKEY, electronic seals ---- */

/* A real PNG of w x h pixels of one colour (static buffer), written by
 * python3's standard library (zlib, struct). */
static const unsigned char *png_file(const char *colour, int w, int h, size_t *len)
{
    static unsigned char buf[65536];
    char path[400], out[64];
    static const struct {
        const char *name;
        int r, g, b;
    } colours[] = {{"red", 220, 20, 30},
                   {"black", 10, 10, 10},
                   {"blue", 20, 40, 200},
                   {"white", 250, 250, 250}};
    int r = 0, g = 0, b = 0;
    for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++)
        if (strcmp(colours[i].name, colour) == 0) {
            r = colours[i].r;
            g = colours[i].g;
            b = colours[i].b;
        }
    snprintf(path, sizeof path, "%s/%s.png", sim.dir, colour);
    assert_int_equal(
        run(out, sizeof out,
            "python3 -c 'import zlib,struct,sys\n"
            "w,h,c=%d,%d,bytes([%d,%d,%d])\n"
            "raw=b\"\".join(b\"\\0\"+c*w for _ in range(h))\n"
            "def ch(t,d):return struct.pack(\">I\",len(d))+t+d+struct.pack(\">I\","
            "zlib.crc32(t+d))\n"
            "sys.stdout.buffer.write(b\"\\x89PNG\\r\\n\\x1a\\n\"+ch(b\"IHDR\","
            "struct.pack(\">IIBBBBB\",w,h,8,2,0,0,0))+ch(b\"IDAT\",zlib.compress(raw))+"
            "ch(b\"IEND\",b\"\"))' > '%s'",
            w, h, r, g, b, path),
        0);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    *len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    assert_true(*len > 8 && buf[0] == 0x89);
    return buf;
}

static void upload(kx_ra *ra, const char *case_id, kx_ra_doc_kind kind, const char *media,
                   const unsigned char *data, size_t len, double w, double h)
{
    kx_ra_document d = {kind, media, data, len, w, h};
    kx_ra_document_receipt rec;
    assert_int_equal(kx_ra_document_upload(ra, key(), case_id, &d, &rec), KX_OK);
}

static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

static void test_documents_and_address(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_enterprise e;
    assert_int_equal(kx_ra_enterprise_lookup(ra, "91310115MA1K3BTP2B", &e), KX_OK);
    assert_string_equal(e.address, "2 Example Road, Shanghai");
    kx_ra_case c;
    kx_ra_case_request r = new_request("swap");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    size_t n = 0;
    const unsigned char *png = png_file("blue", 8, 5, &n);
    upload(ra, c.case_id, KX_RA_DOC_APPLICATION_FORM, "application/pdf",
           (const unsigned char *)pdf, sizeof pdf - 1, 0, 0);
    upload(ra, c.case_id, KX_RA_DOC_AUTH_LETTER, "application/pdf", (const unsigned char *)pdf,
           sizeof pdf - 1, 0, 0);
    upload(ra, c.case_id, KX_RA_DOC_ID_CARD_FRONT, "image/png", png, n, 0, 0);
    upload(ra, c.case_id, KX_RA_DOC_ID_CARD_BACK, "image/png", png, n, 0, 0);
    upload(ra, c.case_id, KX_RA_DOC_REISSUE_STATEMENT, "image/png", png, n, 0, 0);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_int_equal(c.documents, 5);
    kx_ra_document_receipt rec;
    kx_ra_document d = {KX_RA_DOC_APPLICATION_FORM, "image/png", png, n, 0, 0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_ERR_INVALID_ARG);
    d = (kx_ra_document){KX_RA_DOC_ID_CARD_FRONT,
                         "application/pdf",
                         (const unsigned char *)pdf,
                         sizeof pdf - 1,
                         0,
                         0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_ERR_INVALID_ARG);
    /* the RA refuses the same on the wire */
    char path[200];
    snprintf(path, sizeof path, "/v1/cases/%s/documents", c.case_id);
    char digest[65];
    unsigned char md[32];
    EVP_Digest(png, n, md, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(digest + 2 * i, 3, "%02x", md[i]);
    char b64[4096];
    EVP_EncodeBlock((unsigned char *)b64, png, (int)n);
    assert_int_equal(
        api_post_json(path,
                      json_pack("{s:s, s:s, s:s, s:s}", "kind", "application_form",
                                "media_type", "image/png", "sha256", digest, "data", b64),
                      NULL),
        400);
    /* the agreement version and acceptance time are kept with the case */
    r.agreement_version = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_string_equal(c.agreement_version, r.agreement_version);
    assert_int_equal(c.agreement_accepted_at, r.agreement_accepted_at);
    kx_ra_close(ra);
}

/* An issued certificate (profile, CSR key generated) of a case of the
 * given enterprise; serials into sign (and enc for sm2-dual). */
static void issue_for(kx_ra *ra, const char *code, const char *profile, char *sign, char *enc)
{
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    r.credit_code = code;
    r.cert_profile = profile;
    ready_case_of(ra, &r, &c);
    EVP_PKEY *k = NULL;
    char pem[4096];
    snprintf(pem, sizeof pem, "%s",
             strcmp(profile, "sm2-dual") == 0 ? sm2_csr(&k) : make_csr(&k, NULL));
    kx_ra_cert_pair p = {0};
    assert_int_equal(kx_ra_cert_issue_pair(ra, key(), c.case_id, (const unsigned char *)pem,
                                           strlen(pem), &p),
                     KX_OK);
    snprintf(sign, KX_RA_SERIAL_MAX, "%s", p.sign.serial);
    if (enc)
        snprintf(enc, KX_RA_SERIAL_MAX, "%s", p.enc.serial);
    kx_ra_cert_pair_clear(&p);
    EVP_PKEY_free(k);
}

static const kx_ra_cert_summary *find_cert(const kx_ra_cert_list *l, const char *serial)
{
    for (int i = 0; i < l->count; i++)
        if (strcmp(l->certs[i].serial, serial) == 0)
            return &l->certs[i];
    return NULL;
}

/* A revoke case on documents for what the agent picked; approved by the
 * RA's reviewer through the admin listener. */
static void revoke_without_ukey(kx_ra *ra, const kx_ra_revocation_request *rv, kx_ra_case *c,
                                int approve)
{
    kx_ra_case_request r = new_request("revoke");
    r.credit_code = "91310115MA1K3BTP2B";
    r.company_name = "Example Trading (Shanghai) Co., Ltd.";
    r.revocation = rv;
    assert_int_equal(kx_ra_case_create(ra, key(), &r, c), KX_OK);
    assert_true(c->revocation);
    assert_false(c->revoke_done);
    /* reviewed on documents: refused without them */
    assert_int_equal(kx_ra_case_submit(ra, key(), c->case_id, c), KX_ERR_STATE);
    assert_string_equal(kx_ra_last_error(ra)->code, "documents_missing");
    size_t n = 0;
    const unsigned char *png = png_file("white", 6, 4, &n);
    upload(ra, c->case_id, KX_RA_DOC_LICENCE, "application/pdf", (const unsigned char *)pdf,
           sizeof pdf - 1, 0, 0);
    upload(ra, c->case_id, KX_RA_DOC_ID_CARD_FRONT, "image/png", png, n, 0, 0);
    upload(ra, c->case_id, KX_RA_DOC_ID_CARD_BACK, "image/png", png, n, 0, 0);
    assert_int_equal(kx_ra_case_submit(ra, key(), c->case_id, c), KX_OK);
    assert_int_equal(kx_ra_case_get(ra, c->case_id, c), KX_OK);
    assert_false(c->revoke_done); /* nothing happens before the review */
    if (!approve) {
        admin_ok("cases", c->case_id, "reject");
        assert_int_equal(kx_ra_case_get(ra, c->case_id, c), KX_OK);
        assert_int_equal(c->state, KX_RA_CASE_REJECTED);
        assert_false(c->revoke_done);
        return;
    }
    admin_ok("cases", c->case_id, "approve");
    assert_int_equal(kx_ra_case_get(ra, c->case_id, c), KX_OK);
    assert_int_equal(c->state, KX_RA_CASE_APPROVED);
    assert_true(c->revoke_done);
}

static int crl_lists(const char *crl_pem, const char *serial)
{
    char path[512], out[16384], upper[96];
    size_t n = 0;
    for (; serial[n] && n + 1 < sizeof upper; n++)
        upper[n] = (char)(serial[n] >= 'a' && serial[n] <= 'f' ? serial[n] - 32 : serial[n]);
    upper[n] = '\0';
    write_file("check.crl", crl_pem, path, sizeof path);
    assert_int_equal(run(out, sizeof out, "openssl crl -in '%s' -noout -text", path), 0);
    return strstr(out, upper) != NULL;
}

static void test_revocation_without_ukey(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    const char *code = "91310115MA1K3BTP2B";
    char s_sign[KX_RA_SERIAL_MAX], s_enc[KX_RA_SERIAL_MAX], ec[KX_RA_SERIAL_MAX];
    issue_for(ra, code, "sm2-dual", s_sign, s_enc);
    issue_for(ra, code, "ec-p256", ec, NULL);
    kx_ra_cert_list *l = calloc(1, sizeof *l);
    assert_int_equal(kx_ra_enterprise_certs(ra, code, l), KX_OK);
    assert_int_equal(l->count, 3);
    const kx_ra_cert_summary *cs = find_cert(l, s_enc);
    assert_non_null(cs);
    if (!cs) /* cmocka's asserts are not noreturn: -O2 -Wnull-dereference */
        return;
    assert_string_equal(cs->usage, "encryption");
    assert_string_equal(cs->paired_serial, s_sign);
    assert_non_null(strstr(cs->subject, code));
    assert_true(cs->not_after > cs->not_before);
    /* the UKEY serial is recorded at install time, for a pair on both */
    assert_int_equal(kx_ra_cert_installed(ra, key(), s_sign, "UKEY-SKF-0042"), KX_OK);
    assert_int_equal(kx_ra_cert_installed(ra, key(), ec, "UKEY-P11-0007"), KX_OK);
    assert_int_equal(kx_ra_enterprise_certs(ra, code, l), KX_OK);
    cs = find_cert(l, s_enc);
    assert_non_null(cs);
    if (!cs) /* cmocka's asserts are not noreturn: -O2 -Wnull-dereference */
        return;
    assert_string_equal(cs->token_serial, "UKEY-SKF-0042");
    cs = find_cert(l, ec);
    assert_non_null(cs);
    if (!cs)
        return;
    assert_string_equal(cs->token_serial, "UKEY-P11-0007");
    assert_int_equal(kx_ra_enterprise_certs(ra, "91310115MA1K3BTP2C", l), KX_ERR_NOT_FOUND);

    /* one certificate: the EC one, reason recorded, CRL lists it */
    const char *pick[] = {ec};
    kx_ra_revocation_request rv = {pick, 1, 0, KX_RA_REVOKE_KEY_COMPROMISE};
    kx_ra_case c;
    long revoked0 = counter("certs_revoked");
    revoke_without_ukey(ra, &rv, &c, 1);
    assert_int_equal(c.revoke_serial_count, 1);
    assert_string_equal(c.revoke_serials[0], ec);
    assert_string_equal(c.revoke_reason, "key_compromise");
    assert_int_equal(counter("certs_revoked"), revoked0 + 1);
    kx_ra_cert cert = {0};
    assert_int_equal(kx_ra_cert_get(ra, ec, &cert), KX_OK);
    assert_string_equal(cert.status, "revoked");
    kx_ra_cert_clear(&cert);
    char *crl = NULL;
    assert_int_equal(kx_ra_crl_fetch(ra, &crl), KX_OK);
    assert_true(crl_lists(crl, ec));
    free(crl);
    assert_int_equal(kx_ra_enterprise_certs(ra, code, l), KX_OK);
    assert_int_equal(l->count, 2);
    assert_null(find_cert(l, ec));
    /* picking a revoked certificate is refused at once */
    kx_ra_case_request r = new_request("revoke");
    r.credit_code = code;
    r.revocation = &rv;
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_STATE);

    /* a rejected case revokes nothing */
    const char *pick_sign[] = {s_sign};
    kx_ra_revocation_request rs = {pick_sign, 1, 0, KX_RA_REVOKE_SUPERSEDED};
    long revoked1 = counter("certs_revoked");
    revoke_without_ukey(ra, &rs, &c, 0);
    assert_int_equal(counter("certs_revoked"), revoked1);
    assert_int_equal(kx_ra_enterprise_certs(ra, code, l), KX_OK);
    assert_int_equal(l->count, 2);

    /* all: the SM2 pair goes, on the SM2 CA's CRL */
    kx_ra_revocation_request all = {NULL, 0, 1, KX_RA_REVOKE_CESSATION};
    revoke_without_ukey(ra, &all, &c, 1);
    assert_int_equal(c.revoke_serial_count, 2);
    assert_string_equal(c.revoke_reason, "cessation_of_operation");
    assert_int_equal(kx_ra_enterprise_certs(ra, code, l), KX_OK);
    assert_int_equal(l->count, 0);
    assert_int_equal(kx_ra_crl_fetch_sm2(ra, &crl), KX_OK);
    assert_true(crl_lists(crl, s_sign));
    assert_true(crl_lists(crl, s_enc));
    free(crl);
    /* nothing left: an "all" case is refused */
    r.revocation = &all;
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_STATE);
    /* a revocation belongs to a revoke case */
    r = new_request("new");
    r.revocation = &all;
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    free(l);
    kx_ra_close(ra);
}

/* One TLV of DER at p (end e): its whole length and where its content
 * starts. */
static size_t der_tlv(const unsigned char *p, const unsigned char *e,
                      const unsigned char **body)
{
    assert_true(e - p >= 2);
    size_t len = p[1], hl = 2;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        assert_true(nb >= 1 && nb <= 4 && (size_t)(e - p) >= 2 + nb);
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = len << 8 | p[2 + i];
        hl = 2 + nb;
    }
    assert_true(hl + len <= (size_t)(e - p));
    *body = p + hl;
    return hl + len;
}

/* Verify a seal's signature with the openssl command line: the signed
 * SES_SealInfo and the signature value are cut out of the DER, the
 * maker's public key from the certificate in the seal. */
static void verify_seal_openssl(const kx_ra_seal *seal, const char *maker_chain, int sm2)
{
    const unsigned char *body, *p, *e = seal->der + seal->der_len, *c;
    der_tlv(seal->der, e, &body); /* SESeal */
    p = body;
    size_t info_len = der_tlv(p, e, &c);
    const unsigned char *info = p;
    p += info_len;
    size_t cert_len = der_tlv(p, e, &c) - (size_t)(c - p);
    const unsigned char *cert = c;
    assert_int_equal(p[0], 0x04);
    p = c + cert_len;
    assert_int_equal(p[0], 0x06);
    size_t oid_len = der_tlv(p, e, &c);
    p += oid_len;
    assert_int_equal(p[0], 0x03);
    size_t sig_len = der_tlv(p, e, &c) - (size_t)(c - p);
    assert_int_equal(c[0], 0); /* no unused bits */
    char tbs_path[400], sig_path[400], cert_path[400], pub_path[400], chain_path[512],
        out[4096];
    snprintf(tbs_path, sizeof tbs_path, "%s/seal-tbs.der", sim.dir);
    snprintf(sig_path, sizeof sig_path, "%s/seal-sig.der", sim.dir);
    snprintf(cert_path, sizeof cert_path, "%s/seal-maker.der", sim.dir);
    snprintf(pub_path, sizeof pub_path, "%s/seal-maker-pub.pem", sim.dir);
    FILE *fp = fopen(tbs_path, "wb");
    fwrite(info, 1, info_len, fp);
    fclose(fp);
    fp = fopen(sig_path, "wb");
    fwrite(c + 1, 1, sig_len - 1, fp);
    fclose(fp);
    fp = fopen(cert_path, "wb");
    fwrite(cert, 1, cert_len, fp);
    fclose(fp);
    assert_int_equal(run(out, sizeof out,
                         "openssl x509 -inform DER -in '%s' -pubkey -noout > '%s'", cert_path,
                         pub_path),
                     0);
    /* the maker's certificate chains to the CA */
    write_file("seal-chain.pem", maker_chain, chain_path, sizeof chain_path);
    assert_int_equal(run(out, sizeof out,
                         "openssl x509 -inform DER -in '%s' -out '%s.pem' && openssl verify "
                         "-CAfile '%s' %s '%s.pem'",
                         cert_path, cert_path, chain_path, sm2 ? "-vfyopt distid:" SM2_ID : "",
                         cert_path),
                     0);
    const char *verify_sm2 = "openssl pkeyutl -verify -pubin -inkey '%s' -rawin -digest sm3 "
                             "-pkeyopt distid:" SM2_ID " -in '%s' -sigfile '%s'";
    const char *verify_ec = "openssl dgst -sha256 -verify '%s' -signature '%s' '%s'";
    if (sm2)
        assert_int_equal(run(out, sizeof out, verify_sm2, pub_path, tbs_path, sig_path), 0);
    else
        assert_int_equal(run(out, sizeof out, verify_ec, pub_path, sig_path, tbs_path), 0);
    assert_non_null(strstr(out, sm2 ? "Signature Verified Successfully" : "Verified OK"));
    /* one changed byte of the signed part and it no longer verifies */
    fp = fopen(tbs_path, "r+b");
    fseek(fp, (long)info_len - 1, SEEK_SET);
    fputc(info[info_len - 1] ^ 1, fp);
    fclose(fp);
    if (sm2)
        assert_int_not_equal(run(out, sizeof out, verify_sm2, pub_path, tbs_path, sig_path), 0);
    else
        assert_int_not_equal(run(out, sizeof out, verify_ec, pub_path, sig_path, tbs_path), 0);
    /* openssl reads the structure: header "ES", version 4, the picture */
    char der_path[400];
    snprintf(der_path, sizeof der_path, "%s/seal.der", sim.dir);
    fp = fopen(der_path, "wb");
    fwrite(seal->der, 1, seal->der_len, fp);
    fclose(fp);
    static char parsed[65536];
    assert_int_equal(
        run(parsed, sizeof parsed, "openssl asn1parse -inform DER -in '%s'", der_path), 0);
    assert_non_null(strstr(parsed, "IA5STRING         :ES"));
    assert_non_null(strstr(parsed, "INTEGER           :04"));
    assert_non_null(strstr(parsed, "IA5STRING         :png"));
    assert_non_null(strstr(parsed, "GENERALIZEDTIME"));
    assert_non_null(
        strstr(parsed, sm2 ? "PRINTABLESTRING   :sm3" : "PRINTABLESTRING   :sha256"));
    assert_non_null(strstr(parsed, sm2 ? "SM2-with-SM3" : "ecdsa-with-SHA256"));
}

/* lose_reply: the reply of the seal making is lost once (connection reset
 * after the effect); the client's retry must replay it. */
static void check_seals(kx_ra *ra, const char *profile, int lose_reply)
{
    int sm2 = strcmp(profile, "sm2-dual") == 0;
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    r.cert_profile = profile;
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    size_t n1 = 0, n2 = 0;
    unsigned char red[65536], sig[65536];
    const unsigned char *p = png_file("red", 64, 64, &n1);
    memcpy(red, p, n1);
    p = png_file("black", 90, 30, &n2);
    memcpy(sig, p, n2);
    upload(ra, c.case_id, KX_RA_DOC_SEAL_COMPANY, "image/png", red, n1, 42.0, 42.0);
    upload(ra, c.case_id, KX_RA_DOC_SEAL_LEGAL_REP, "image/png", red, n1, 20.0, 20.0);
    upload(ra, c.case_id, KX_RA_DOC_SIGNATURE_LEGAL_REP, "image/png", sig, n2, 45.2, 14.8);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    admin_ok("cases", c.case_id, "approve");
    kx_ra_order o;
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_OK);
    admin_ok("orders", o.order_id, "pay");
    kx_ra_seal_set set = {0};
    /* no certificate yet: no seals */
    assert_int_equal(kx_ra_seals_make(ra, key(), c.case_id, &set), KX_ERR_STATE);
    EVP_PKEY *k = NULL;
    char pem[4096];
    snprintf(pem, sizeof pem, "%s", sm2 ? sm2_csr(&k) : make_csr(&k, NULL));
    kx_ra_cert_pair pair = {0};
    assert_int_equal(kx_ra_cert_issue_pair(ra, key(), c.case_id, (const unsigned char *)pem,
                                           strlen(pem), &pair),
                     KX_OK);
    long replays0 = counter("idempotent_replays");
    if (lose_reply)
        fault("seal_make=reset*1");
    assert_int_equal(kx_ra_seals_make(ra, key(), c.case_id, &set), KX_OK);
    assert_int_equal(set.count, 3);
    if (lose_reply)
        assert_int_equal(counter("idempotent_replays"), replays0 + 1);
    /* the holder certificate's digest (SM3 or SHA-256 of its DER) */
    BIO *b = BIO_new_mem_buf(pair.sign.cert_pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    unsigned char *xder = NULL, md[32];
    int xlen = i2d_X509(x, &xder);
    EVP_Digest(xder, (size_t)xlen, md, NULL, sm2 ? EVP_sm3() : EVP_sha256(), NULL);
    for (int i = 0; i < set.count; i++) {
        const kx_ra_seal *s = &set.seals[i];
        assert_string_equal(s->cert_serial, pair.sign.serial);
        assert_string_equal(s->signature_algorithm,
                            sm2 ? "1.2.156.10197.1.501" : "1.2.840.10045.4.3.2");
        assert_int_equal(s->valid_start, pair.sign.not_before);
        assert_int_equal(s->valid_end, pair.sign.not_after);
        assert_int_equal(s->type, s->kind == KX_RA_DOC_SEAL_COMPANY ? 1 : 2);
        assert_string_equal(s->name,
                            s->kind == KX_RA_DOC_SEAL_COMPANY ? r.company_name : "Zhang San");
        assert_non_null(memmem(s->der, s->der_len, md, 32));
        const unsigned char *pic = s->kind == KX_RA_DOC_SIGNATURE_LEGAL_REP ? sig : red;
        assert_non_null(memmem(s->der, s->der_len, pic,
                               s->kind == KX_RA_DOC_SIGNATURE_LEGAL_REP ? n2 : n1));
        if (s->kind == KX_RA_DOC_SIGNATURE_LEGAL_REP) {
            assert_int_equal(s->width_mm, 45);
            assert_int_equal(s->height_mm, 15);
        }
        verify_seal_openssl(s, set.maker_chain_pem, sm2);
    }
    OPENSSL_free(xder);
    X509_free(x);
    /* once per case; the seals can be fetched again */
    kx_ra_seal_set again = {0};
    assert_int_equal(kx_ra_seals_make(ra, key(), c.case_id, &again), KX_ERR_STATE);
    assert_int_equal(kx_ra_seals_get(ra, c.case_id, &again), KX_OK);
    assert_int_equal(again.count, 3);
    assert_string_equal(again.seals[0].sha256, set.seals[0].sha256);
    kx_ra_seal_set_clear(&again);
    kx_ra_seal_set_clear(&set);
    kx_ra_cert_pair_clear(&pair);
    EVP_PKEY_free(k);
}

static void test_electronic_seals(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    long made0 = counter("seals_made");
    check_seals(ra, "sm2-dual", 0);
    check_seals(ra, "ec-p256", 1);
    assert_int_equal(counter("seals_made"), made0 + 6); /* none made twice */
    kx_ra_seal_set set = {0};
    assert_int_equal(kx_ra_seals_get(ra, "c-00000000000000000000", &set), KX_ERR_NOT_FOUND);
    kx_ra_close(ra);
}

/* ---- issue 21: the e-invoice link and the refund's reference ---- */

static void test_invoice_and_refund(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    kx_ra_order o;
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_OK);
    assert_string_equal(o.invoice_url, ""); /* nothing to invoice yet */
    assert_int_equal(o.refunded_at, 0);
    admin_ok("orders", o.order_id, "pay");
    assert_int_equal(kx_ra_order_get(ra, o.order_id, &o), KX_OK);
    assert_int_equal(o.state, KX_RA_ORDER_PAID);
    assert_true(strncmp(o.invoice_url, "https://", 8) == 0);
    assert_non_null(strstr(o.invoice_url, o.order_id));
    int64_t before = (int64_t)time(NULL);
    assert_int_equal(kx_ra_order_refund(ra, key(), o.order_id, "customer left", &o), KX_OK);
    assert_int_equal(o.state, KX_RA_ORDER_REFUNDED);
    assert_true(o.refund_id[0] != '\0');
    assert_true(o.refunded_at >= before - 1 && o.refunded_at <= (int64_t)time(NULL) + 1);
    assert_int_equal(o.refunded_fen, o.amount_fen);
    assert_string_equal(o.invoice_url, ""); /* the refund reverses the invoice */
    /* a reply with a non-https invoice link is refused by the reader */
    const char *bad = "{\"order_id\":\"o-1\",\"case_id\":\"c-1\",\"state\":\"paid\","
                      "\"amount_fen\":1,\"currency\":\"CNY\",\"qr_text\":\"x\","
                      "\"created_at\":\"2026-01-01T00:00:00Z\",\"expires_at\":"
                      "\"2026-01-01T00:00:00Z\",\"paid_at\":\"2026-01-01T00:00:00Z\","
                      "\"refunded_fen\":0,\"refund_id\":\"\",\"invoice_url\":"
                      "\"http://x\"}";
    assert_int_equal(kx_ra_parse_reply_any(bad, strlen(bad)), KX_ERR_RA_BAD_REPLY);
    char good[1024];
    snprintf(good, sizeof good, "%s", bad);
    char *h = strstr(good, "http://");
    assert_non_null(h);
    memmove(h + 5, h + 4, strlen(h + 4) + 1);
    h[4] = 's';
    assert_int_equal(kx_ra_parse_reply_any(good, strlen(good)), KX_OK);
    kx_ra_close(ra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm2_dual_issuance),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_sm2_revocation_and_crl),
        cmocka_unit_test(test_client_sm2_pair),
        cmocka_unit_test(test_config_profile),
        cmocka_unit_test(test_client_pair_checks),
        cmocka_unit_test(test_documents_and_address),
        cmocka_unit_test(test_revocation_without_ukey),
        cmocka_unit_test(test_electronic_seals),
        cmocka_unit_test(test_invoice_and_refund),
    };
    return cmocka_run_group_tests(tests, sim_start, sim_stop);
}
