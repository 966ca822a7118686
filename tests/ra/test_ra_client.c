/* SPDX-License-Identifier: MIT */
/*
 * test_ra_client.c - integration tests of the RA client (kiosk/ra) and the
 * payment "ra" back-end against a real ra-sim on 127.0.0.1 (mutual TLS).
 *
 * The test starts ra-sim itself (port 0 + port files, a fresh state dir),
 * drives every endpoint through kx_ra_*, arms every fault through the admin
 * listener, and reads ra-sim's counters to prove that no case, order,
 * issuance, refund or unlock happened twice. Issued certificates and CRLs
 * are checked with the openssl command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the above first */
#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/secbuf.h"
#include "payment/payment.h"
#include "ra/ra.h"

#include "ra_harness.h"

/* ---- test-specific helpers ---- */

/* A renewal with the PIN as the kiosk sends it: no agent, no phone, no
 * e-mail (the flow collects none of them). */
static kx_ra_case_request renew_request_bare(void)
{
    kx_ra_case_request r = new_request("renew");
    r.agent_name = NULL;
    r.agent_idnum = NULL;
    r.phone = NULL;
    r.email = NULL;
    r.token_serial = "TOKEN-0003";
    return r;
}

/* The case's personal data as ra-sim stored them: "name|idnum|phone|email". */
static const char *case_personal_data(const char *case_id)
{
    static char out[512];
    int st = run(out, sizeof out,
                 "sqlite3 '%s/ra.db' \"SELECT agent_name||'|'||agent_idnum||'|'||phone||'|'||"
                 "email FROM cases WHERE id='%s'\"",
                 sim.state, case_id);
    assert_int_equal(st, 0);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

/* ---- tests ---- */

static void test_health_and_probe(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_health h;
    assert_int_equal(kx_ra_health_get(ra, &h), KX_OK);
    assert_string_equal(h.status, "ok");
    assert_true(llabs((long long)(h.server_time - (int64_t)time(NULL))) < 60);
    kx_ra_probe p;
    assert_int_equal(kx_ra_probe_run(ra, &p), KX_OK);
    assert_true(p.reachable && p.tls_ok);
    assert_int_equal(p.http_status, 200);
    assert_true(p.server_cert_not_after > time(NULL) + 86400);
    assert_true(p.client_cert_not_after > time(NULL) + 86400);
    assert_true(p.rtt_ms > 0);
    kx_ra_close(ra);
}

static void test_enterprise(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_enterprise e;
    assert_int_equal(kx_ra_enterprise_lookup(ra, "91110000600037341L", &e), KX_OK);
    assert_string_equal(e.credit_code, "91110000600037341L");
    assert_string_equal(e.status, "active");
    assert_true(strlen(e.name) > 0 && strlen(e.legal_representative) > 0);
    assert_int_equal(kx_ra_enterprise_lookup(ra, "91310115MA1K3BTP2C", &e), KX_ERR_NOT_FOUND);
    assert_int_equal(kx_ra_enterprise_lookup(ra, "9111000060003IOZSV", &e), KX_ERR_RA_REJECTED);
    assert_string_equal(kx_ra_last_error(ra)->code, "bad_request");
    assert_int_equal(kx_ra_enterprise_lookup(ra, "../admin", &e), KX_ERR_INVALID_ARG);
    kx_ra_close(ra);
}

static void test_new_certificate_flow(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    long cases0 = counter("cases_created"), issued0 = counter("certs_issued");
    char *k_create = strdup(key());
    assert_int_equal(kx_ra_case_create(ra, k_create, &r, &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_DRAFT);
    assert_int_equal(c.fee_fen, 30000);
    /* same key, same body: same case, no second effect */
    kx_ra_case again;
    assert_int_equal(kx_ra_case_create(ra, k_create, &r, &again), KX_OK);
    assert_string_equal(again.case_id, c.case_id);
    assert_int_equal(counter("cases_created"), cases0 + 1);
    /* same key, other body: conflict */
    r.phone = "13900000000";
    assert_int_equal(kx_ra_case_create(ra, k_create, &r, &again), KX_ERR_RA_CONFLICT);
    free(k_create);

    /* documents: PNG, JPEG, seal with its size */
    unsigned char png[64] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};
    unsigned char jpg[64] = {0xff, 0xd8, 0xff, 0xe0, 4, 5, 6};
    kx_ra_document_receipt rec;
    kx_ra_document d = {KX_RA_DOC_LICENCE, "image/png", png, sizeof png, 0, 0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_OK);
    assert_int_equal(rec.size, sizeof png);
    d = (kx_ra_document){KX_RA_DOC_ID_FRONT, "image/jpeg", jpg, sizeof jpg, 0, 0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_OK);
    d = (kx_ra_document){KX_RA_DOC_SEAL_COMPANY, "image/png", png, sizeof png, 42.0, 42.0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_OK);
    d.width_mm = 0;
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_ERR_INVALID_ARG);
    d = (kx_ra_document){KX_RA_DOC_ID_BACK, "image/png", jpg, sizeof jpg, 0, 0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_ERR_RA_REJECTED);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_int_equal(c.documents, 3);

    /* no order, no issuance on a draft */
    kx_ra_order o;
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_ERR_STATE);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_ERR_STATE);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_PENDING_REVIEW);
    d = (kx_ra_document){KX_RA_DOC_ID_BACK, "image/png", png, sizeof png, 0, 0};
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_ERR_STATE);

    EVP_PKEY *k = NULL;
    X509_REQ *req = NULL;
    char *csr = make_csr(&k, &req);
    kx_ra_cert cert = {0};
    assert_int_equal(
        kx_ra_cert_issue(ra, key(), c.case_id, (unsigned char *)csr, strlen(csr), &cert),
        KX_ERR_RA_NOT_APPROVED);
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_OK);
    assert_int_equal(o.state, KX_RA_ORDER_PENDING);
    assert_int_equal(o.amount_fen, 30000);
    assert_true(strstr(o.qr_text, o.order_id) != NULL);
    assert_true(o.expires_at > time(NULL));
    kx_ra_order o2;
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o2), KX_ERR_STATE);
    admin_ok("cases", c.case_id, "approve");
    /* a refusal is not recorded: the same key succeeds once the state allows */
    char *k_issue = strdup(key());
    unsigned char *der = NULL;
    int der_len = i2d_X509_REQ(req, &der);
    assert_int_equal(kx_ra_cert_issue(ra, k_issue, c.case_id, der, (size_t)der_len, &cert),
                     KX_ERR_RA_NOT_PAID);
    admin_ok("orders", o.order_id, "pay");
    assert_int_equal(kx_ra_order_get(ra, o.order_id, &o), KX_OK);
    assert_int_equal(o.state, KX_RA_ORDER_PAID);
    assert_int_equal(kx_ra_order_cancel(ra, key(), o.order_id, &o), KX_ERR_STATE);

    /* issue from DER this time */
    assert_int_equal(kx_ra_cert_issue(ra, k_issue, c.case_id, der, (size_t)der_len, &cert),
                     KX_OK);
    assert_true(strstr(cert.subject, "serialNumber=91110000600037341L") != NULL);
    assert_true(strstr(cert.subject, "O=Example Electronics") != NULL);
    int64_t days = (cert.not_after - cert.not_before) / 86400;
    assert_true(days >= 365 && days <= 366);
    kx_ra_cert same = {0};
    assert_int_equal(kx_ra_cert_issue(ra, k_issue, c.case_id, der, (size_t)der_len, &same),
                     KX_OK);
    assert_string_equal(same.serial, cert.serial);
    kx_ra_cert_clear(&same);
    assert_int_equal(kx_ra_cert_issue(ra, key(), c.case_id, der, (size_t)der_len, &same),
                     KX_ERR_STATE);
    assert_int_equal(counter("certs_issued"), issued0 + 1);
    free(k_issue);
    OPENSSL_free(der);

    /* openssl verify against ra-sim's CA; the subject carries the credit code */
    char path[512], out[4096];
    write_file("issued.pem", cert.cert_pem, path, sizeof path);
    assert_int_equal(
        run(out, sizeof out, "openssl verify -CAfile '%s/ca.pem' '%s'", sim.state, path), 0);
    assert_non_null(strstr(out, ": OK"));
    assert_int_equal(
        run(out, sizeof out, "openssl x509 -in '%s' -noout -subject -ext keyUsage", path), 0);
    assert_non_null(strstr(out, "organizationIdentifier = NTRCN-91110000600037341L"));
    assert_non_null(strstr(out, "Non Repudiation"));

    /* no refund once issued */
    assert_int_equal(kx_ra_order_refund(ra, key(), o.order_id, "test", &o), KX_ERR_STATE);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_string_equal(c.cert_serial, cert.serial);

    /* revoke (needs an approved case of the same enterprise) and check the CRL */
    kx_ra_case rc;
    ready_case(ra, "revoke", NULL, &rc);
    int64_t at = 0;
    char *k_rev = strdup(key());
    assert_int_equal(
        kx_ra_cert_revoke(ra, k_rev, rc.case_id, cert.serial, KX_RA_REVOKE_KEY_COMPROMISE, &at),
        KX_OK);
    assert_true(at > 0);
    assert_int_equal(
        kx_ra_cert_revoke(ra, k_rev, rc.case_id, cert.serial, KX_RA_REVOKE_KEY_COMPROMISE, &at),
        KX_OK);
    assert_int_equal(
        kx_ra_cert_revoke(ra, key(), rc.case_id, cert.serial, KX_RA_REVOKE_KEY_COMPROMISE, &at),
        KX_ERR_STATE);
    free(k_rev);
    assert_int_equal(counter("certs_revoked"), 1);
    char *crl = NULL;
    assert_int_equal(kx_ra_crl_fetch(ra, &crl), KX_OK);
    write_file("crl.pem", crl, path, sizeof path);
    free(crl);
    assert_int_equal(run(out, sizeof out,
                         "openssl crl -in '%s' -CAfile '%s/ca.pem' -noout -text 2>&1", path,
                         sim.state),
                     0);
    char upper[KX_RA_SERIAL_MAX];
    for (size_t i = 0; i <= strlen(cert.serial); i++)
        upper[i] = (char)((cert.serial[i] >= 'a' && cert.serial[i] <= 'f') ? cert.serial[i] - 32
                                                                           : cert.serial[i]);
    assert_non_null(strstr(out, "verify OK"));
    assert_non_null(strstr(out, upper));
    assert_non_null(strstr(out, "Key Compromise"));
    write_file("issued.pem", cert.cert_pem, path, sizeof path);
    assert_int_not_equal(run(out, sizeof out,
                             "cat '%s/crl.pem' '%s/ca.pem' > '%s/bundle.pem' && "
                             "openssl verify -crl_check -CAfile '%s/bundle.pem' '%s' 2>&1",
                             sim.dir, sim.state, sim.dir, sim.dir, path),
                         0);
    assert_non_null(strstr(out, "revoked"));
    kx_ra_cert got = {0};
    assert_int_equal(kx_ra_cert_get(ra, cert.serial, &got), KX_OK);
    assert_string_equal(got.status, "revoked");
    kx_ra_cert_clear(&got);
    kx_ra_cert_clear(&cert);
    X509_REQ_free(req);
    EVP_PKEY_free(k);
    kx_ra_close(ra);
}

static void test_renew(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    EVP_PKEY *old_key = NULL, *new_key = NULL;
    X509_REQ *req = NULL;
    ready_case(ra, "new", NULL, &c);
    char *csr = make_csr(&old_key, NULL);
    kx_ra_cert old = {0}, renewed = {0};
    assert_int_equal(
        kx_ra_cert_issue(ra, key(), c.case_id, (unsigned char *)csr, strlen(csr), &old), KX_OK);

    /* renew with the PIN: the old key signs the new CSR's DER; the case
     * names no agent and no phone (the signature is the proof) */
    kx_ra_case_request bare = renew_request_bare();
    bare.cert_serial = old.serial;
    ready_case_of(ra, &bare, &c);
    assert_string_equal(case_personal_data(c.case_id), "|||");
    csr = make_csr(&new_key, &req);
    unsigned char *der = NULL, sig[256];
    int der_len = i2d_X509_REQ(req, &der);
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, old_key), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &sig_len, der, (size_t)der_len), 1);
    EVP_MD_CTX_free(md);
    unsigned char bad[256];
    memcpy(bad, sig, sig_len);
    bad[sig_len - 1] ^= 1;
    assert_int_equal(kx_ra_cert_renew(ra, key(), c.case_id, old.serial, (unsigned char *)csr,
                                      strlen(csr), bad, sig_len, &renewed),
                     KX_ERR_RA_REJECTED);
    assert_string_equal(kx_ra_last_error(ra)->code, "invalid_signature");
    assert_int_equal(kx_ra_cert_renew(ra, key(), c.case_id, old.serial, (unsigned char *)csr,
                                      strlen(csr), NULL, 0, &renewed),
                     KX_ERR_RA_REJECTED);
    long renewed0 = counter("certs_renewed");
    assert_int_equal(kx_ra_cert_renew(ra, key(), c.case_id, old.serial, (unsigned char *)csr,
                                      strlen(csr), sig, sig_len, &renewed),
                     KX_OK);
    assert_string_not_equal(renewed.serial, old.serial);
    assert_int_equal(counter("certs_renewed"), renewed0 + 1);
    kx_ra_cert_clear(&renewed);
    OPENSSL_free(der);
    X509_REQ_free(req);
    EVP_PKEY_free(new_key);

    /* PIN-less renewal: approved after re-proofing, no signature */
    ready_case(ra, "renew_nopin", "TOKEN-0002", &c);
    csr = make_csr(&new_key, NULL);
    assert_int_equal(kx_ra_cert_renew(ra, key(), c.case_id, old.serial, (unsigned char *)csr,
                                      strlen(csr), NULL, 0, &renewed),
                     KX_OK);
    assert_int_equal(counter("certs_renewed"), renewed0 + 2);
    kx_ra_cert_clear(&renewed);
    kx_ra_cert_clear(&old);
    EVP_PKEY_free(new_key);
    EVP_PKEY_free(old_key);
    kx_ra_close(ra);
}

/* docs/ra-api.md: agent and phone are optional for the renewals only; sent,
 * they are kept; the client refuses (without a request) a case of another
 * service without them, or half an agent. */
static void test_case_personal_data(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    long cases0 = counter("cases_created");
    kx_ra_case_request r = renew_request_bare();
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_DRAFT);
    assert_string_equal(c.service, "renew");
    assert_int_equal(c.fee_fen, 30000);
    assert_string_equal(case_personal_data(c.case_id), "|||");
    /* empty strings are "none" as well: nothing sent, nothing stored */
    r.agent_name = r.agent_idnum = r.phone = r.email = "";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_string_equal(case_personal_data(c.case_id), "|||");
    /* a renewal that does carry them: kept */
    r = new_request("renew");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_string_equal(case_personal_data(c.case_id),
                        "Zhang San|360426199101010071|13800000000|agent@example.com");
    /* only a phone, no agent */
    r = renew_request_bare();
    r.phone = "13900000000";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_string_equal(case_personal_data(c.case_id), "||13900000000|");
    /* a landline, sent in its canonical form */
    r = renew_request_bare();
    r.phone = "079182097407-8012";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_string_equal(case_personal_data(c.case_id), "||0791-82097407-8012|");
    /* sent, they are checked as for any service: a number that is neither
     * a mobile nor a landline by the client (ra-sim's own check:
     * ra_sim_cli.sh), an ID number by ra-sim */
    long requests_bad = counter("requests.case_create");
    r = renew_request_bare();
    r.phone = "12345";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    assert_int_equal(counter("requests.case_create"), requests_bad);
    r = new_request("renew");
    r.agent_idnum = "36042619910102009X";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_RA_REJECTED);
    assert_int_equal(counter("cases_created"), cases0 + 5);

    /* a renewal without the PIN, as the CA's process has it: no agent, no
     * contact; reviewed on the stamped credit-code copy */
    r = renew_request_bare();
    r.service = "renew_nopin";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_string_equal(case_personal_data(c.case_id), "|||");
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_ERR_STATE);
    assert_string_equal(kx_ra_last_error(ra)->code, "documents_missing");

    /* other services: refused before any request */
    long requests0 = counter("requests.case_create");
    static const char *const others[] = {"new",  "reissue", "change",
                                         "swap", "unlock",  "revoke"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        r = renew_request_bare();
        r.service = others[i];
        assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
        r = new_request(others[i]);
        r.phone = NULL;
        assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
        r = new_request(others[i]);
        r.agent_name = "";
        assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    }
    /* half an agent, even for a renewal */
    r = renew_request_bare();
    r.agent_name = "Zhang San";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    assert_int_equal(counter("requests.case_create"), requests0);
    assert_int_equal(counter("cases_created"), cases0 + 6);
    kx_ra_close(ra);
}

static void test_unlock(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_secbuf *pin = NULL;
    assert_int_equal(kx_secbuf_new(64, &pin), KX_OK);
    kx_ra_case_request r = new_request("unlock");
    r.token_serial = "TOKEN-0001";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    assert_int_equal(kx_ra_token_unlock(ra, key(), c.case_id, "TOKEN-0001", pin),
                     KX_ERR_RA_NOT_APPROVED);
    admin_ok("cases", c.case_id, "approve");
    assert_int_equal(kx_ra_token_unlock(ra, key(), c.case_id, "TOKEN-0009", pin), KX_ERR_STATE);
    char *k = strdup(key());
    assert_int_equal(kx_ra_token_unlock(ra, k, c.case_id, "TOKEN-0001", pin), KX_OK);
    assert_string_equal(kx_secbuf_str(pin), "87654321");
    kx_secbuf_clear(pin);
    assert_int_equal(kx_ra_token_unlock(ra, k, c.case_id, "TOKEN-0001", pin), KX_OK);
    assert_string_equal(kx_secbuf_str(pin), "87654321");
    assert_int_equal(kx_ra_token_unlock(ra, key(), c.case_id, "TOKEN-0001", pin), KX_ERR_STATE);
    assert_int_equal(counter("unlocks_released"), 1);
    free(k);
    kx_secbuf_free(pin);
    kx_ra_close(ra);
}

static void test_payment_backend(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_payment *p = NULL;
    kx_payment_env env = {NULL, ra};
    kx_ra_case c;
    kx_ra_case_request r = new_request("change");
    assert_int_equal(kx_payment_open("nope", &env, &p), KX_ERR_NOT_FOUND);
    assert_int_equal(kx_payment_open(NULL, &env, &p), KX_OK);
    assert_true(kx_payment_caps(p) & KX_PAYMENT_CAP_REFUND);
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);

    long cancelled0 = counter("orders_cancelled"), refunds0 = counter("refunds");
    kx_payment_order o;
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &o), KX_OK);
    assert_int_equal(o.amount_fen, 10000);
    assert_int_equal(kx_payment_wait(p, o.order_id, 150, 50, NULL, &o), KX_ERR_TIMEOUT);
    volatile int stop = 1;
    assert_int_equal(kx_payment_wait(p, o.order_id, 1000, 50, &stop, &o), KX_ERR_CANCELLED);
    char *k = strdup(key());
    assert_int_equal(kx_payment_cancel(p, k, o.order_id, &o), KX_OK);
    assert_int_equal(o.state, KX_PAYMENT_CANCELLED);
    assert_int_equal(kx_payment_cancel(p, k, o.order_id, &o), KX_OK);
    assert_int_equal(counter("orders_cancelled"), cancelled0 + 1);
    free(k);
    assert_int_equal(kx_payment_wait(p, o.order_id, 1000, 50, NULL, &o), KX_ERR_STATE);

    /* a new order, paid by the simulator's auto-pay, then refunded once */
    assert_int_equal(admin("POST", "/admin/settings", "{\"auto_pay_s\":1}", NULL), 200);
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &o), KX_OK);
    kx_payment_inject_fault("query", KX_ERR_NETWORK, 2);
    assert_int_equal(kx_payment_wait(p, o.order_id, 5000, 100, NULL, &o), KX_OK);
    assert_int_equal(admin("POST", "/admin/settings", "{\"auto_pay_s\":-1}", NULL), 200);
    assert_int_equal(o.state, KX_PAYMENT_PAID);
    /* the driver carries the e-invoice link of a paid order (the receipt's QR) */
    assert_true(strncmp(o.invoice_url, "https://", 8) == 0);
    assert_non_null(strstr(o.invoice_url, o.order_id));
    assert_int_equal(o.refunded_at, 0);
    k = strdup(key());
    assert_int_equal(kx_payment_refund(p, k, o.order_id, "customer left", &o), KX_OK);
    assert_int_equal(o.state, KX_PAYMENT_REFUNDED);
    assert_true(o.refunded_at > 0); /* when, for the receipt */
    char refund_id[KX_RA_ID_MAX];
    snprintf(refund_id, sizeof refund_id, "%s", o.refund_id);
    fault("order_refund=reset*1");
    assert_int_equal(kx_payment_refund(p, k, o.order_id, "customer left", &o), KX_OK);
    assert_string_equal(o.refund_id, refund_id);
    assert_int_equal(o.refunded_fen, 10000);
    assert_int_equal(counter("refunds"), refunds0 + 1);
    free(k);
    kx_payment_inject_fault("create", KX_ERR_BUSY, 1);
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &o), KX_ERR_BUSY);
    kx_payment_close(p);
    kx_ra_close(ra);
}

/* A payment staff took at the counter: only the order's amount, only a
 * pending order, once per key (a lost reply is replayed), channel
 * "counter" afterwards; through the RA client and the payment driver. */
static void test_counter_payment(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_payment *p = NULL;
    kx_payment_env env = {NULL, ra};
    assert_int_equal(kx_payment_open(NULL, &env, &p), KX_OK);
    assert_true(kx_payment_caps(p) & KX_PAYMENT_CAP_COUNTER);
    kx_ra_case c;
    kx_ra_case_request r = new_request("change");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    long paid0 = counter("orders_paid"), counter0 = counter("counter_payments");
    kx_ra_order o;
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_OK);
    assert_string_equal(o.channel, "");
    kx_ra_counter_payment pay = {.staff_id = "1001",
                                 .receipt_no = "R-2026-0042",
                                 .method = "cash",
                                 .amount_fen = 9999,
                                 .reason = "customer paid cash"};
    /* another amount: refused on the merits, nothing changes */
    assert_int_equal(kx_ra_order_counter_pay(ra, key(), o.order_id, &pay, &o),
                     KX_ERR_RA_REJECTED);
    assert_string_equal(kx_ra_last_error(ra)->code, "amount_mismatch");
    assert_non_null(strstr(kx_err_detail(), "9999"));
    assert_int_equal(kx_ra_order_get(ra, o.order_id, &o), KX_OK);
    assert_int_equal(o.state, KX_RA_ORDER_PENDING);
    /* missing fields never leave the client; a bad method is the RA's 400 */
    kx_ra_counter_payment bad = pay;
    bad.receipt_no = NULL;
    assert_int_equal(kx_ra_order_counter_pay(ra, key(), o.order_id, &bad, &o),
                     KX_ERR_INVALID_ARG);
    bad = pay;
    bad.method = "cheque";
    bad.amount_fen = 10000;
    assert_int_equal(kx_ra_order_counter_pay(ra, key(), o.order_id, &bad, &o),
                     KX_ERR_RA_REJECTED);
    assert_string_equal(kx_ra_last_error(ra)->code, "bad_request");
    /* the right amount: paid at the counter; the reply lost once, then
     * replayed under the same key with one effect */
    pay.amount_fen = 10000;
    char *k = strdup(key());
    fault("order_counter=reset*1");
    assert_int_equal(kx_ra_order_counter_pay(ra, k, o.order_id, &pay, &o), KX_OK);
    assert_int_equal(o.state, KX_RA_ORDER_PAID);
    assert_string_equal(o.channel, "counter");
    assert_true(o.paid_at > 0);
    assert_int_equal(kx_ra_order_counter_pay(ra, k, o.order_id, &pay, &o), KX_OK);
    free(k);
    assert_int_equal(counter("counter_payments"), counter0 + 1);
    assert_int_equal(counter("orders_paid"), paid0 + 1);
    /* already paid: refused under a new key; the wait sees it paid */
    assert_int_equal(kx_ra_order_counter_pay(ra, key(), o.order_id, &pay, &o), KX_ERR_STATE);
    assert_string_equal(kx_ra_last_error(ra)->code, "already_paid");
    kx_payment_order po;
    assert_int_equal(kx_payment_wait(p, o.order_id, 1000, 50, NULL, &po), KX_OK);
    assert_string_equal(po.channel, "counter");
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_true(c.paid);

    /* through the driver: a cancelled order is refused, an unknown one is
     * not found, a QR-paid order says channel "qr" and is refused too */
    r = new_request("change");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &po), KX_OK);
    assert_int_equal(kx_payment_cancel(p, key(), po.order_id, &po), KX_OK);
    kx_payment_counter pc = {.staff_id = "1001",
                             .receipt_no = "R-1",
                             .method = "card",
                             .amount_fen = 10000,
                             .reason = "card at the counter"};
    assert_int_equal(kx_payment_record_counter(p, key(), po.order_id, &pc, &po), KX_ERR_STATE);
    assert_int_equal(kx_payment_record_counter(p, key(), "o-unknown", &pc, &po),
                     KX_ERR_NOT_FOUND);
    pc.method = "cheque";
    assert_int_equal(kx_payment_record_counter(p, key(), po.order_id, &pc, &po),
                     KX_ERR_INVALID_ARG);
    pc.method = "card";
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &po), KX_OK);
    admin_ok("orders", po.order_id, "pay");
    assert_int_equal(kx_payment_query(p, po.order_id, &po), KX_OK);
    assert_string_equal(po.channel, "qr");
    assert_int_equal(kx_payment_record_counter(p, key(), po.order_id, &pc, &po), KX_ERR_STATE);
    assert_int_equal(counter("counter_payments"), counter0 + 1);
    kx_payment_close(p);
    kx_ra_close(ra);
}

/* Staff approval: the RA decides by the kiosk's client certificate (not
 * by the X-Kiosk-Id header) whether this kiosk's staff may approve; a
 * refused key may ask again once granted; a lost reply is replayed under
 * the same key with one effect; wrong states and unknown cases refused. */
static void test_staff_approval(void **state)
{
    (void)state;
    kx_ra_config cfg;
    kx_ra *ra = NULL;
    config(&cfg);
    snprintf(cfg.kiosk_id, sizeof cfg.kiosk_id, "JXCA-KIOSK-0002");
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    kx_ra_case c, d;
    kx_ra_case_request r = new_request("new");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_PENDING_REVIEW);
    assert_string_equal(c.approved_by, "");
    long approvals0 = counter("staff_approvals");
    char *k = strdup(key());
    /* by default no kiosk has the right */
    assert_int_equal(
        kx_ra_case_staff_approve(ra, k, c.case_id, "1001", "documents checked", &d),
        KX_ERR_PERMISSION);
    assert_string_equal(kx_ra_last_error(ra)->code, "staff_approval_not_permitted");
    assert_int_equal(kx_ra_last_error(ra)->http_status, 403);
    /* granted to the kiosk the header names, not to this certificate's CN */
    assert_int_equal(
        admin("POST", "/admin/settings", "{\"staff_approval\":[\"JXCA-KIOSK-0002\"]}", NULL),
        200);
    assert_int_equal(
        kx_ra_case_staff_approve(ra, k, c.case_id, "1001", "documents checked", &d),
        KX_ERR_PERMISSION);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_PENDING_REVIEW);
    /* granted to this kiosk: the refused key asks again; the reply is lost
     * once and the client's retry gets the approval replayed */
    json_t *set = NULL;
    assert_int_equal(
        admin("POST", "/admin/settings", "{\"staff_approval\":[\"JXCA-KIOSK-0001\"]}", &set),
        200);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(set, "staff_approval"), 0)),
        "JXCA-KIOSK-0001");
    json_decref(set);
    long replays0 = counter("idempotent_replays");
    fault("case_staff_approval=reset*1");
    assert_int_equal(
        kx_ra_case_staff_approve(ra, k, c.case_id, "1001", "documents checked", &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_APPROVED);
    assert_string_equal(c.approved_by, "kiosk-staff:JXCA-KIOSK-0001/1001");
    /* (libcurl or the client re-sent it: the RA replayed its stored reply) */
    assert_int_equal(counter("idempotent_replays"), replays0 + 1);
    replays0 = counter("idempotent_replays");
    assert_int_equal(
        kx_ra_case_staff_approve(ra, k, c.case_id, "1001", "documents checked", &c), KX_OK);
    assert_string_equal(c.approved_by, "kiosk-staff:JXCA-KIOSK-0001/1001");
    assert_int_equal(counter("idempotent_replays"), replays0 + 1);
    assert_int_equal(counter("staff_approvals"), approvals0 + 1);
    /* the same key with another reason is another request */
    assert_int_equal(kx_ra_case_staff_approve(ra, k, c.case_id, "1001", "other reason", &d),
                     KX_ERR_RA_CONFLICT);
    free(k);
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_string_equal(c.approved_by, "kiosk-staff:JXCA-KIOSK-0001/1001");
    /* wrong states: approved already, a draft, a rejected case */
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), c.case_id, "1001", "again", &d),
                     KX_ERR_STATE);
    assert_string_equal(kx_ra_last_error(ra)->code, "invalid_state");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &d), KX_OK);
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), d.case_id, "1001", NULL, &d),
                     KX_ERR_STATE);
    assert_int_equal(kx_ra_case_submit(ra, key(), d.case_id, &d), KX_OK);
    admin_ok("cases", d.case_id, "reject");
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), d.case_id, "1001", NULL, &d),
                     KX_ERR_STATE);
    assert_int_equal(kx_ra_case_get(ra, d.case_id, &d), KX_OK);
    assert_int_equal(d.state, KX_RA_CASE_REJECTED);
    /* unknown case; arguments checked before anything is sent */
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), "c-unknown", "1001", NULL, &d),
                     KX_ERR_NOT_FOUND);
    long requests0 = counter("requests");
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), c.case_id, NULL, NULL, &d),
                     KX_ERR_INVALID_ARG);
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), c.case_id,
                                              "123456789012345678901234567890123", NULL, &d),
                     KX_ERR_INVALID_ARG);
    assert_int_equal(counter("requests"), requests0);
    /* a reviewer's approval says so; the right withdrawn refuses again */
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &d), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), d.case_id, &d), KX_OK);
    assert_int_equal(admin("POST", "/admin/settings", "{\"staff_approval\":[]}", NULL), 200);
    assert_int_equal(kx_ra_case_staff_approve(ra, key(), d.case_id, "1001", NULL, &d),
                     KX_ERR_PERMISSION);
    admin_ok("cases", d.case_id, "approve");
    assert_int_equal(kx_ra_case_get(ra, d.case_id, &d), KX_OK);
    assert_string_equal(d.approved_by, "reviewer");
    assert_int_equal(counter("staff_approvals"), approvals0 + 1);
    kx_ra_close(ra);
}

/* Lost replies (reset, truncated, invalid JSON) on keyed POSTs: the client
 * retries with the same key and every effect happens once. */
static void test_faults_lost_replies(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    long cases0 = counter("cases_created"), replays0 = counter("idempotent_replays");
    /* libcurl itself re-sends once when a reused connection dies before a
     * reply, so count the requests ra-sim saw rather than our attempts */
    long req0 = counter("requests.case_create");
    fault("case_create=reset*1");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(counter("requests.case_create"), req0 + 2);
    assert_int_equal(counter("cases_created"), cases0 + 1);
    assert_int_equal(counter("idempotent_replays"), replays0 + 1);

    fault("case_submit=truncate*1");
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    assert_int_equal(counter("cases_submitted") >= 1, 1);
    admin_ok("cases", c.case_id, "approve");

    long orders0 = counter("orders_created");
    kx_ra_order o;
    fault("order_create=badjson*1");
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_OK);
    assert_int_equal(counter("orders_created"), orders0 + 1);
    admin_ok("orders", o.order_id, "pay");

    /* issuance: reset, then truncated, then invalid JSON, then success */
    long issued0 = counter("certs_issued");
    req0 = counter("requests.cert_issue");
    fault("cert_issue=reset*1");
    fault("cert_issue=truncate*1");
    fault("cert_issue=badjson*1");
    EVP_PKEY *k = NULL;
    char *csr = make_csr(&k, NULL);
    kx_ra_cert cert = {0};
    assert_int_equal(
        kx_ra_cert_issue(ra, key(), c.case_id, (unsigned char *)csr, strlen(csr), &cert),
        KX_OK);
    assert_true(kx_ra_last_error(ra)->attempts >= 3);
    assert_int_equal(counter("requests.cert_issue"), req0 + 4);
    assert_int_equal(counter("certs_issued"), issued0 + 1);
    kx_ra_cert_clear(&cert);

    /* wrongly typed fields: reported, not retried, no crash; a retry with
     * the same key gets the stored reply */
    char *kk = strdup(key());
    kx_ra_case c2;
    fault("case_create=badtype*1");
    assert_int_equal(kx_ra_case_create(ra, kk, &r, &c2), KX_ERR_RA_BAD_REPLY);
    assert_int_equal(kx_ra_case_create(ra, kk, &r, &c2), KX_OK);
    assert_int_equal(counter("cases_created"), cases0 + 2);
    free(kk);
    fault("case_get=badtype*1");
    assert_int_equal(kx_ra_case_get(ra, c2.case_id, &c2), KX_ERR_RA_BAD_REPLY);
    fault("order_get=badtype*1");
    assert_int_equal(kx_ra_order_get(ra, o.order_id, &o), KX_ERR_RA_BAD_REPLY);
    fault("health=badtype*1");
    kx_ra_health h;
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_RA_BAD_REPLY);
    fault("enterprise=badtype*1");
    kx_ra_enterprise e;
    assert_int_equal(kx_ra_enterprise_lookup(ra, "91110000600037341L", &e),
                     KX_ERR_RA_BAD_REPLY);
    fault("crl=badtype*1");
    char *crl = NULL;
    assert_int_equal(kx_ra_crl_fetch(ra, &crl), KX_ERR_RA_BAD_REPLY);
    assert_null(crl);
    /* invalid JSON on every attempt: reported as a bad reply */
    fault("case_get=badjson*inf");
    assert_int_equal(kx_ra_case_get(ra, c2.case_id, &c2), KX_ERR_RA_BAD_REPLY);
    assert_int_equal(kx_ra_last_error(ra)->attempts, 4);
    assert_int_equal(admin("DELETE", "/admin/faults", NULL, NULL), 200);
    EVP_PKEY_free(k);
    kx_ra_close(ra);
}

static void test_faults_busy_and_latency(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("new");
    long cases0 = counter("cases_created");
    /* 503 twice (Retry-After 1 s once) then success */
    fault("case_create=error:503:1*1");
    fault("case_create=error:500*1");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(kx_ra_last_error(ra)->attempts, 3);
    assert_true(t1.tv_sec - t0.tv_sec >= 1 ||
                t1.tv_nsec >= t0.tv_nsec); /* waited Retry-After */
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 990);
    assert_int_equal(counter("cases_created"), cases0 + 1);
    /* always busy: KX_ERR_BUSY after max_attempts, nothing created */
    fault("case_create=error:503*inf");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_BUSY);
    assert_int_equal(kx_ra_last_error(ra)->attempts, 4);
    assert_int_equal(kx_ra_last_error(ra)->http_status, 503);
    assert_true(kx_ra_last_error(ra)->retryable);
    assert_int_equal(admin("DELETE", "/admin/faults", NULL, NULL), 200);
    assert_int_equal(counter("cases_created"), cases0 + 1);

    /* latency over the per-attempt timeout: the first attempt times out
     * (ra-sim still performs it), the retry and the late original share
     * the key: one case */
    kx_ra_config cfg;
    config(&cfg);
    cfg.timeout_ms = 400;
    kx_ra *slow = NULL;
    assert_int_equal(kx_ra_open(&cfg, &slow), KX_OK);
    fault("case_create=latency:1200*1");
    assert_int_equal(kx_ra_case_create(slow, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_last_error(slow)->attempts, 2);
    struct timespec nap = {1, 200000000L};
    nanosleep(&nap, NULL);
    assert_int_equal(counter("cases_created"), cases0 + 2);
    /* latency on every attempt: KX_ERR_TIMEOUT */
    cfg.max_attempts = 2;
    kx_ra_close(slow);
    assert_int_equal(kx_ra_open(&cfg, &slow), KX_OK);
    fault("health=latency:700*2");
    kx_ra_health h;
    assert_int_equal(kx_ra_health_get(slow, &h), KX_ERR_TIMEOUT);
    kx_ra_close(slow);
    nanosleep(&nap, NULL);
    assert_int_equal(admin("DELETE", "/admin/faults", NULL, NULL), 200);
    kx_ra_close(ra);
}

static void test_tls_refusals(void **state)
{
    (void)state;
    kx_ra_config cfg;
    kx_ra *ra = NULL;
    kx_ra_health h;
    long refused0 = counter("tls_refused");
    /* a client certificate from another CA is refused by the RA */
    config(&cfg);
    snprintf(cfg.cert_file, sizeof cfg.cert_file, "%s/other-kiosk.pem", sim.state);
    snprintf(cfg.key_file, sizeof cfg.key_file, "%s/other-kiosk.key", sim.state);
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_TLS);
    assert_string_equal(kx_ra_last_error(ra)->code, "client_certificate_required");
    kx_ra_close(ra);
    assert_int_equal(counter("tls_refused"), refused0 + 1);
    /* no client certificate at all (plain libcurl, RA CA trusted) */
    char url[128], out[1024] = "";
    snprintf(url, sizeof url, "https://127.0.0.1:%u/v1/health", sim.port);
    CURL *c = curl_easy_init();
    char ca[400];
    snprintf(ca, sizeof ca, "%s/ca.pem", sim.state);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    long status = 0;
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    assert_int_equal(status, 403);
    assert_non_null(strstr(out, "client_certificate_required"));
    assert_int_equal(counter("tls_refused"), refused0 + 2);
    /* the client trusting another CA refuses the RA */
    config(&cfg);
    snprintf(cfg.ca_file, sizeof cfg.ca_file, "%s/other-ca.pem", sim.state);
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_TLS);
    assert_int_equal(kx_ra_last_error(ra)->attempts, 1);
    kx_ra_probe p;
    assert_int_equal(kx_ra_probe_run(ra, &p), KX_ERR_TLS);
    assert_true(p.reachable && !p.tls_ok && p.tls_error[0]);
    kx_ra_close(ra);
    /* the RA presenting a certificate of another CA (wrongca fault) */
    fault("*=wrongca*1");
    ra = open_client();
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_TLS);
    kx_ra_close(ra);
    ra = open_client();
    assert_int_equal(kx_ra_health_get(ra, &h), KX_OK);
    kx_ra_close(ra);
    /* public-key pin: the right one passes, a wrong one fails */
    char pin[200];
    assert_int_equal(
        run(pin, sizeof pin,
            "openssl x509 -in '%s/server.pem' -pubkey -noout | openssl pkey -pubin "
            "-outform DER | openssl dgst -sha256 -binary | base64",
            sim.state),
        0);
    pin[strcspn(pin, "\n")] = '\0';
    config(&cfg);
    snprintf(cfg.pinned_pubkey, sizeof cfg.pinned_pubkey, "sha256//%s", pin);
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    assert_int_equal(kx_ra_health_get(ra, &h), KX_OK);
    kx_ra_close(ra);
    snprintf(cfg.pinned_pubkey, sizeof cfg.pinned_pubkey,
             "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_TLS);
    kx_ra_close(ra);
    /* plain http and unreadable files are refused before connecting */
    config(&cfg);
    snprintf(cfg.url, sizeof cfg.url, "http://127.0.0.1:%u", sim.port);
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_ERR_CONFIG);
    config(&cfg);
    snprintf(cfg.key_file, sizeof cfg.key_file, "%s/missing.key", sim.state);
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_ERR_CONFIG);
}

static void test_network_and_arguments(void **state)
{
    (void)state;
    kx_ra_config cfg;
    kx_ra *ra = NULL;
    kx_ra_health h;
    kx_ra_case c;
    /* nothing listening: network error after the retries */
    config(&cfg);
    snprintf(cfg.url, sizeof cfg.url, "https://127.0.0.1:1");
    cfg.max_attempts = 2;
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_NETWORK);
    assert_int_equal(kx_ra_last_error(ra)->attempts, 2);
    kx_ra_close(ra);
    ra = open_client();
    kx_ra_case_request r = new_request("new");
    assert_int_equal(kx_ra_case_create(ra, NULL, &r, &c), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_ra_case_create(ra, "bad key with spaces", &r, &c), KX_ERR_INVALID_ARG);
    r.agent_idnum = NULL;
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_INVALID_ARG);
    r = new_request("teleport");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_RA_REJECTED);
    r = new_request("new");
    r.agent_idnum = "36042619910102009X";
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_ERR_RA_REJECTED);
    assert_int_equal(kx_ra_case_get(ra, "c-doesnotexist", &c), KX_ERR_NOT_FOUND);
    kx_ra_cert cert = {0};
    assert_int_equal(
        kx_ra_cert_issue(ra, key(), "c-x", (const unsigned char *)"junk", 4, &cert),
        KX_ERR_INVALID_ARG);
    char k[KX_RA_IDEM_KEY_MAX], k2[KX_RA_IDEM_KEY_MAX];
    assert_int_equal(kx_ra_idem_key_new(k, sizeof k), KX_OK);
    assert_int_equal(kx_ra_idem_key_new(k2, sizeof k2), KX_OK);
    assert_int_equal(strlen(k), 32);
    assert_string_not_equal(k, k2);
    kx_ra_close(ra);
}

static void test_auto_approve(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("swap");
    assert_int_equal(admin("POST", "/admin/settings", "{\"auto_approve_s\":1}", NULL), 200);
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    for (int i = 0; i < 40 && c.state != KX_RA_CASE_APPROVED; i++) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    }
    assert_int_equal(c.state, KX_RA_CASE_APPROVED);
    assert_int_equal(admin("POST", "/admin/settings", "{\"auto_approve_s\":-1}", NULL), 200);
    /* rejection with a reason */
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    admin_ok("cases", c.case_id, "reject");
    assert_int_equal(kx_ra_case_get(ra, c.case_id, &c), KX_OK);
    assert_int_equal(c.state, KX_RA_CASE_REJECTED);
    assert_string_equal(c.reject_reason, "documents unreadable");
    kx_ra_order o;
    assert_int_equal(kx_ra_order_create(ra, key(), c.case_id, &o), KX_ERR_STATE);
    kx_ra_close(ra);
}

/* Four threads send the same keyed request at once: one effect, one case. */
struct same_key_arg {
    const char *key;
    kx_ra_case c;
    kx_err rc;
};

static void *same_key_thread(void *p)
{
    struct same_key_arg *a = p;
    kx_ra_config cfg;
    kx_ra *ra = NULL;
    config(&cfg);
    a->rc = kx_ra_open(&cfg, &ra);
    if (!a->rc) {
        kx_ra_case_request r = new_request("new");
        a->rc = kx_ra_case_create(ra, a->key, &r, &a->c);
    }
    kx_ra_close(ra);
    return NULL;
}

static void test_same_key_concurrently(void **state)
{
    (void)state;
    long cases0 = counter("cases_created");
    struct same_key_arg args[4];
    pthread_t th[4];
    char *k = strdup(key());
    for (int i = 0; i < 4; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].key = k;
        assert_int_equal(pthread_create(&th[i], NULL, same_key_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(args[i].rc, KX_OK);
        assert_string_equal(args[i].c.case_id, args[0].c.case_id);
    }
    assert_int_equal(counter("cases_created"), cases0 + 1);
    free(k);
}

static void test_expiry_busy_deadline_large(void **state)
{
    (void)state;
    kx_ra *ra = open_client();
    kx_ra_case c;
    kx_ra_case_request r = new_request("reissue");
    assert_int_equal(kx_ra_case_create(ra, key(), &r, &c), KX_OK);
    /* a 3 MiB scan travels in many chunks and its digest still matches */
    size_t big_len = 3u << 20;
    unsigned char *big = malloc(big_len);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (unsigned char)(i * 2654435761u >> 24);
    memcpy(big, "\x89PNG\r\n\x1a\n", 8);
    kx_ra_document d = {KX_RA_DOC_REISSUE_STATEMENT, "image/png", big, big_len, 0, 0};
    kx_ra_document_receipt rec;
    assert_int_equal(kx_ra_document_upload(ra, key(), c.case_id, &d, &rec), KX_OK);
    assert_int_equal(rec.size, big_len);
    free(big);
    assert_int_equal(kx_ra_case_submit(ra, key(), c.case_id, &c), KX_OK);
    /* an unpaid order expires; waiting on it reports so */
    assert_int_equal(admin("POST", "/admin/settings", "{\"order_ttl_s\":1}", NULL), 200);
    kx_payment *p = NULL;
    kx_payment_env env = {NULL, ra};
    kx_payment_order o;
    assert_int_equal(kx_payment_open("ra", &env, &p), KX_OK);
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &o), KX_OK);
    assert_int_equal(kx_payment_wait(p, o.order_id, 4000, 100, NULL, &o), KX_ERR_EXPIRED);
    assert_int_equal(o.state, KX_PAYMENT_EXPIRED);
    assert_int_equal(admin("POST", "/admin/settings", "{\"order_ttl_s\":900}", NULL), 200);
    /* an expired order may be replaced */
    assert_int_equal(kx_payment_create(p, key(), c.case_id, &o), KX_OK);
    assert_int_equal(o.state, KX_PAYMENT_PENDING);
    kx_payment_close(p);
    /* 429 on every attempt is busy too */
    fault("order_get=error:429*inf");
    kx_ra_order ro;
    assert_int_equal(kx_ra_order_get(ra, o.order_id, &ro), KX_ERR_BUSY);
    assert_int_equal(kx_ra_last_error(ra)->http_status, 429);
    assert_int_equal(admin("DELETE", "/admin/faults", NULL, NULL), 200);
    kx_ra_close(ra);
    /* the deadline bounds the whole call: a Retry-After beyond it ends it */
    kx_ra_config cfg;
    config(&cfg);
    cfg.deadline_ms = 500;
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    fault("health=error:503:5*1");
    struct timespec t0, t1;
    kx_ra_health h;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(kx_ra_health_get(ra, &h), KX_ERR_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(kx_ra_last_error(ra)->attempts, 1);
    assert_true(t1.tv_sec - t0.tv_sec < 2);
    kx_ra_close(ra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_probe),
        cmocka_unit_test(test_enterprise),
        cmocka_unit_test(test_new_certificate_flow),
        cmocka_unit_test(test_renew),
        cmocka_unit_test(test_case_personal_data),
        cmocka_unit_test(test_unlock),
        cmocka_unit_test(test_payment_backend),
        cmocka_unit_test(test_counter_payment),
        cmocka_unit_test(test_staff_approval),
        cmocka_unit_test(test_faults_lost_replies),
        cmocka_unit_test(test_faults_busy_and_latency),
        cmocka_unit_test(test_tls_refusals),
        cmocka_unit_test(test_network_and_arguments),
        cmocka_unit_test(test_auto_approve),
        cmocka_unit_test(test_same_key_concurrently),
        cmocka_unit_test(test_expiry_busy_deadline_large),
    };
    return cmocka_run_group_tests(tests, sim_start, sim_stop);
}
