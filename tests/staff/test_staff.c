/* SPDX-License-Identifier: MIT */
/* Unit tests: staff PIN hashes, verification, lockout and its persistence;
 * the staff UKEY's member lookup and signature check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "staff/staff.h"

static kx_secbuf *pin_of(const char *s)
{
    kx_secbuf *sb;
    assert_int_equal(kx_secbuf_new(32, &sb), KX_OK);
    assert_int_equal(kx_secbuf_set(sb, s, strlen(s)), KX_OK);
    return sb;
}

static char staff_hash[256], admin_hash[256];

static int setup_hashes(void **state)
{
    (void)state;
    kx_secbuf *p = pin_of("246810");
    assert_int_equal(kx_staff_hash_pin(p, staff_hash, sizeof(staff_hash)), KX_OK);
    kx_secbuf_free(p);
    p = pin_of("13579135");
    assert_int_equal(kx_staff_hash_pin(p, admin_hash, sizeof(admin_hash)), KX_OK);
    kx_secbuf_free(p);
    return 0;
}

static kx_config *make_config(void)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "[staff]\nmax_failures = 3\nlockout_seconds = 60\n"
             "[staff:1001]\nname = 王芳\nrole = staff\npin_hash = %s\n"
             "[staff:9000]\nname = admin\nrole = admin\npin_hash = %s\n",
             staff_hash, admin_hash);
    kx_config *cfg;
    assert_int_equal(kx_config_load_string(text, "staff.conf", &cfg), KX_OK);
    return cfg;
}

static void test_hash_policy(void **state)
{
    (void)state;
    assert_true(strncmp(staff_hash, "$y$", 3) == 0);
    char h[256];
    kx_secbuf *p = pin_of("12ab56");
    assert_int_equal(kx_staff_hash_pin(p, h, sizeof(h)), KX_ERR_PIN_POLICY);
    kx_secbuf_free(p);
    p = pin_of("12345");
    assert_int_equal(kx_staff_hash_pin(p, h, sizeof(h)), KX_ERR_PIN_POLICY);
    kx_secbuf_free(p);
    /* two hashes of one PIN differ: salted */
    p = pin_of("246810");
    assert_int_equal(kx_staff_hash_pin(p, h, sizeof(h)), KX_OK);
    kx_secbuf_free(p);
    assert_string_not_equal(h, staff_hash);
}

static void test_verify_and_roles(void **state)
{
    (void)state;
    kx_config *cfg = make_config();
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    assert_int_equal(kx_staff_count(db), 2);
    assert_string_equal(kx_staff_name(db, "1001"), "王芳");
    kx_staff_role role = KX_STAFF_ROLE_ADMIN;
    kx_secbuf *ok = pin_of("246810"), *bad = pin_of("246811"), *adm = pin_of("13579135");
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1000, &role, NULL), KX_OK);
    assert_int_equal(role, KX_STAFF_ROLE_STAFF);
    assert_int_equal(kx_staff_verify(db, "9000", adm, 1000, &role, NULL), KX_OK);
    assert_int_equal(role, KX_STAFF_ROLE_ADMIN);
    assert_int_equal(kx_staff_verify(db, "1001", adm, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "nobody", ok, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    kx_secbuf_free(ok);
    kx_secbuf_free(bad);
    kx_secbuf_free(adm);
    kx_staff_free(db);
    kx_config_free(cfg);
}

static void test_lockout_and_persistence(void **state)
{
    (void)state;
    char path[] = "/tmp/kxstaffXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    kx_config *cfg = make_config();
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, path, &db), KX_OK);
    kx_secbuf *ok = pin_of("246810"), *bad = pin_of("000000");
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1001, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1002, NULL, NULL), KX_ERR_PIN_LOCKED);
    long after = 0;
    /* locked: even the right PIN is refused, without being checked */
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1010, NULL, &after), KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 52);
    /* another member is not affected */
    kx_secbuf *adm = pin_of("13579135");
    assert_int_equal(kx_staff_verify(db, "9000", adm, 1010, NULL, NULL), KX_OK);
    kx_staff_free(db);

    /* a restart keeps the lockout */
    assert_int_equal(kx_staff_load(cfg, path, &db), KX_OK);
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1020, NULL, NULL), KX_ERR_PIN_LOCKED);
    /* and it ends */
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1063, NULL, NULL), KX_OK);
    kx_staff_free(db);
    /* the state file holds no PIN and no hash */
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    assert_null(strstr(buf, "246810"));
    assert_null(strstr(buf, "$y$"));
    unlink(path);
    kx_secbuf_free(ok);
    kx_secbuf_free(bad);
    kx_secbuf_free(adm);
    kx_config_free(cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    kx_config *cfg;
    kx_staff_db *db;
    assert_int_equal(
        kx_config_load_string("[staff:1]\nname=x\npin_hash = 123456\n", "s.conf", &cfg), KX_OK);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "s.conf:3"));
    kx_config_free(cfg);
    assert_int_equal(kx_config_load_string("[staff]\nmax_failures = 0\n", "s.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_ERR_CONFIG);
    kx_config_free(cfg);
}

/* a P-256 key and a self-signed certificate valid from now-60 s for days */
static X509 *make_cert(EVP_PKEY **key_out, long days, unsigned char **der, int *der_len)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), days * 86400L);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"Staff 2001", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    *der = NULL;
    *der_len = i2d_X509(x, der);
    assert_true(*der_len > 0);
    *key_out = key;
    return x;
}

static unsigned char *sign_with(EVP_PKEY *key, const unsigned char *data, size_t len,
                                size_t *sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, NULL, sig_len, data, len), 1);
    unsigned char *sig = malloc(*sig_len);
    assert_int_equal(EVP_DigestSign(ctx, sig, sig_len, data, len), 1);
    EVP_MD_CTX_free(ctx);
    return sig;
}

/* the signature check of a staff UKEY: the certificate's own key verifies,
 * another key (a copied certificate beside a foreign key) does not, a
 * changed challenge does not, an expired certificate is refused */
static void test_token_signature(void **state)
{
    (void)state;
    EVP_PKEY *key, *other, *old;
    unsigned char *der, *der2, *der3;
    int len, len2, len3;
    X509 *x = make_cert(&key, 30, &der, &len);
    X509 *y = make_cert(&other, 30, &der2, &len2);
    X509 *z = make_cert(&old, 0, &der3, &len3);
    unsigned char challenge[32];
    for (size_t i = 0; i < sizeof challenge; i++)
        challenge[i] = (unsigned char)(i * 7 + 1);
    size_t sl, sl2, sl3;
    unsigned char *sig = sign_with(key, challenge, sizeof challenge, &sl);
    unsigned char *forged = sign_with(other, challenge, sizeof challenge, &sl2);
    unsigned char *sig_old = sign_with(old, challenge, sizeof challenge, &sl3);
    time_t now = time(NULL);
    assert_int_equal(
        kx_staff_verify_signature(der, (size_t)len, now, challenge, sizeof challenge, sig, sl),
        KX_OK);
    assert_int_equal(kx_staff_verify_signature(der, (size_t)len, now, challenge,
                                               sizeof challenge, forged, sl2),
                     KX_ERR_CHECK_FAILED);
    challenge[0] ^= 1;
    assert_int_equal(
        kx_staff_verify_signature(der, (size_t)len, now, challenge, sizeof challenge, sig, sl),
        KX_ERR_CHECK_FAILED);
    challenge[0] ^= 1;
    assert_int_equal(kx_staff_verify_signature(der3, (size_t)len3, now + 3600, challenge,
                                               sizeof challenge, sig_old, sl3),
                     KX_ERR_EXPIRED);
    assert_int_equal(
        kx_staff_verify_signature(der, 10, now, challenge, sizeof challenge, sig, sl),
        KX_ERR_BAD_FORMAT);
    /* the digest names the member */
    char hex[65];
    kx_staff_sha256_hex(der, (size_t)len, hex);
    assert_int_equal(strlen(hex), 64);
    char other_hex[65];
    kx_staff_sha256_hex(der2, (size_t)len2, other_hex);
    char text[1024];
    snprintf(text, sizeof(text),
             "[staff:2001]\nname = Token\nrole = admin\ntoken_cert_sha256 = %s\n"
             "[staff:2002]\nname = Both\ntoken_serial = ABC123\ntoken_cert_sha256 = %s\n"
             "pin_hash = %s\n",
             hex, other_hex, staff_hash);
    kx_config *cfg;
    assert_int_equal(kx_config_load_string(text, "t.conf", &cfg), KX_OK);
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    kx_staff_role role = KX_STAFF_ROLE_STAFF;
    assert_string_equal(kx_staff_find_token(db, hex, "ANY", &role), "2001");
    assert_int_equal(role, KX_STAFF_ROLE_ADMIN);
    /* digest and serial: both must match; the serial alone names nobody */
    assert_null(kx_staff_find_token(db, other_hex, "XYZ", NULL));
    assert_string_equal(kx_staff_find_token(db, other_hex, "ABC123", NULL), "2002");
    assert_null(kx_staff_find_token(db, "", "ABC123", NULL));
    /* a UKEY-only member has no PIN: a PIN login fails and is not counted */
    kx_secbuf *p = pin_of("246810");
    for (int i = 0; i < 8; i++)
        assert_int_equal(kx_staff_verify(db, "2001", p, 1000, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_lockout_check(db, "2001", 1000, NULL), KX_OK);
    kx_secbuf_free(p);
    kx_staff_free(db);
    kx_config_free(cfg);
    /* a malformed digest names file and line */
    assert_int_equal(
        kx_config_load_string("[staff:3]\ntoken_cert_sha256 = 12zz\n", "u.conf", &cfg), KX_OK);
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "u.conf:2"));
    kx_config_free(cfg);
    free(sig);
    free(forged);
    free(sig_old);
    OPENSSL_free(der);
    OPENSSL_free(der2);
    OPENSSL_free(der3);
    X509_free(x);
    X509_free(y);
    X509_free(z);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    EVP_PKEY_free(old);
}

/* token failures and PIN failures share one lockout */
static void test_token_attempts_share_lockout(void **state)
{
    (void)state;
    kx_config *cfg = make_config();
    kx_staff_db *db;
    assert_int_equal(kx_staff_load(cfg, NULL, &db), KX_OK);
    kx_secbuf *bad = pin_of("000000"), *ok = pin_of("246810");
    assert_int_equal(kx_staff_lockout_check(db, "1001", 1000, NULL), KX_OK);
    assert_int_equal(kx_staff_lockout_check(db, "nobody", 1000, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_attempt(db, "1001", 0, 1000), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_verify(db, "1001", bad, 1001, NULL, NULL), KX_ERR_PERMISSION);
    assert_int_equal(kx_staff_attempt(db, "1001", 0, 1002), KX_ERR_PIN_LOCKED);
    long after = 0;
    assert_int_equal(kx_staff_lockout_check(db, "1001", 1012, &after), KX_ERR_PIN_LOCKED);
    assert_int_equal(after, 50);
    assert_int_equal(kx_staff_verify(db, "1001", ok, 1012, NULL, NULL), KX_ERR_PIN_LOCKED);
    assert_int_equal(kx_staff_attempt(db, "1001", 1, 1070), KX_OK);
    assert_int_equal(kx_staff_lockout_check(db, "1001", 1070, NULL), KX_OK);
    kx_secbuf_free(bad);
    kx_secbuf_free(ok);
    kx_staff_free(db);
    kx_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_policy),
        cmocka_unit_test(test_verify_and_roles),
        cmocka_unit_test(test_lockout_and_persistence),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_token_signature),
        cmocka_unit_test(test_token_attempts_share_lockout),
    };
    return cmocka_run_group_tests(tests, setup_hashes, NULL);
}
