/* SPDX-License-Identifier: MIT */
/*
 * ra_harness.c - what the RA integration tests share: a real ra-sim started
 * on 127.0.0.1 (port 0, port files, a fresh state dir), its admin listener,
 * client handles over mutual TLS, and case/CSR helpers.
 */
#include "ra_harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the simulator ---- */

ra_sim_state sim;

/* The last 64 KiB of a file as text (static buffer), NULL if unreadable. */
char *read_text(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    static char buf[65536];
    if (fseek(fp, 0, SEEK_END) == 0 && ftell(fp) > (long)sizeof buf - 1)
        fseek(fp, -(long)(sizeof buf - 1), SEEK_END);
    else
        rewind(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static unsigned read_port(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", sim.dir, name);
    char *t = read_text(path);
    return t ? (unsigned)strtoul(t, NULL, 10) : 0;
}

int sim_start(void **state)
{
    (void)state;
    const char *build = getenv("KX_BUILD");
    char exe[512], port_file[400], admin_file[400], log_file[400];
    snprintf(sim.dir, sizeof sim.dir, "/tmp/kx-ra-test-XXXXXX");
    if (!mkdtemp(sim.dir))
        return -1;
    snprintf(sim.state, sizeof sim.state, "%s/st", sim.dir);
    snprintf(exe, sizeof exe, "%s/tools/ra-sim/ra-sim", build ? build : ".");
    snprintf(port_file, sizeof port_file, "%s/port", sim.dir);
    snprintf(admin_file, sizeof admin_file, "%s/admin", sim.dir);
    snprintf(log_file, sizeof log_file, "%s/sim.log", sim.dir);
    sim.pid = fork();
    if (sim.pid == 0) {
        FILE *log = freopen(log_file, "w", stderr);
        (void)log;
        execl(exe, exe, "--state", sim.state, "--port", "0", "--port-file", port_file,
              "--admin-port-file", admin_file, "--verbose", "--token", "TOKEN-0001=87654321",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !(sim.port && sim.admin_port); i++) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        sim.port = read_port("port");
        sim.admin_port = read_port("admin");
    }
    if (!sim.port || !sim.admin_port) {
        fprintf(stderr, "ra-sim did not start (%s)\n", exe);
        return -1;
    }
    return kx_ra_global_init() == KX_OK ? 0 : -1;
}

/* Stop ra-sim; it must exit 0 and its log must show no sanitizer report
 * (it runs under ASan/UBSan in the test build). */
int sim_stop(void **state)
{
    (void)state;
    int clean = 1;
    if (sim.pid > 0) {
        kill(sim.pid, SIGTERM);
        int st = 0;
        waitpid(sim.pid, &st, 0);
        clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        char path[400];
        snprintf(path, sizeof path, "%s/sim.log", sim.dir);
        const char *log = read_text(path);
        if (log && (strstr(log, "Sanitizer") || strstr(log, "runtime error"))) {
            fputs(log, stderr);
            clean = 0;
        }
        if (!clean)
            fprintf(stderr, "ra-sim did not shut down cleanly\n");
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sim.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", sim.dir);
    curl_global_cleanup();
    return clean ? 0 : -1;
}

/* ---- admin listener (plain HTTP on loopback) ---- */

size_t on_body(char *p, size_t s, size_t n, void *ud)
{
    char *buf = ud;
    size_t have = strlen(buf), add = s * n;
    if (have + add >= 65536)
        add = 65535 - have;
    memcpy(buf + have, p, add);
    buf[have + add] = '\0';
    return s * n;
}

/* Returns the HTTP status; *out (may be NULL) gets the JSON reply. */
long admin(const char *method, const char *path, const char *body, json_t **out)
{
    static char buf[65536];
    char url[256];
    buf[0] = '\0';
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", sim.admin_port, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, buf);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (out) {
        json_error_t e;
        *out = json_loads(buf, 0, &e);
    }
    return status;
}

long counter(const char *name)
{
    json_t *j = NULL;
    admin("GET", "/admin/counters", NULL, &j);
    long v = (long)json_integer_value(json_object_get(j, name));
    json_decref(j);
    return v;
}

void fault(const char *spec)
{
    char body[200];
    snprintf(body, sizeof body, "{\"spec\":\"%s\"}", spec);
    assert_int_equal(admin("POST", "/admin/faults", body, NULL), 200);
}

/* POST /admin/<what>/<id>/<action> must succeed. */
void admin_ok(const char *what, const char *id, const char *action)
{
    char path[200];
    snprintf(path, sizeof path, "/admin/%s/%s/%s", what, id, action);
    assert_int_equal(admin("POST", path, "{\"reason\":\"documents unreadable\"}", NULL), 200);
}

/* ---- client helpers ---- */

void config(kx_ra_config *cfg)
{
    kx_ra_config_defaults(cfg);
    snprintf(cfg->url, sizeof cfg->url, "https://127.0.0.1:%u", sim.port);
    snprintf(cfg->ca_file, sizeof cfg->ca_file, "%s/ca.pem", sim.state);
    snprintf(cfg->cert_file, sizeof cfg->cert_file, "%s/kiosk.pem", sim.state);
    snprintf(cfg->key_file, sizeof cfg->key_file, "%s/kiosk.key", sim.state);
    cfg->connect_timeout_ms = 2000;
    cfg->timeout_ms = 3000;
    cfg->deadline_ms = 10000;
    cfg->max_attempts = 4;
    cfg->backoff_initial_ms = 20;
    cfg->backoff_max_ms = 200;
}

kx_ra *open_client(void)
{
    kx_ra_config cfg;
    kx_ra *ra = NULL;
    config(&cfg);
    assert_int_equal(kx_ra_open(&cfg, &ra), KX_OK);
    return ra;
}

const char *key(void)
{
    static char k[40];
    snprintf(k, sizeof k, "test-key-%d-%d", (int)getpid(), ++sim.key_seq);
    return k;
}

kx_ra_case_request new_request(const char *service)
{
    kx_ra_case_request r = {
        .service = service,
        .credit_code = "91110000600037341L",
        .company_name = "Example Electronics Co., Ltd.",
        .agent_name = "Zhang San",
        .agent_idnum = "360426199101010071",
        .phone = "13800000000",
        .email = "agent@example.com",
        .agreement_accepted_at = (int64_t)time(NULL) - 60,
    };
    return r;
}

/* An approved, paid (when not free) case of request r, ready for issuance. */
void ready_case_of(kx_ra *ra, const kx_ra_case_request *r, kx_ra_case *c)
{
    assert_int_equal(kx_ra_case_create(ra, key(), r, c), KX_OK);
    if (strcmp(r->service, "renew_nopin") == 0) {
        /* reviewed on the stamped credit-code copy (docs/ra-api.md) */
        static const unsigned char png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 'c'};
        kx_ra_document d = {KX_RA_DOC_USCC_COPY, "image/png", png, sizeof png, 0, 0};
        kx_ra_document_receipt rec;
        assert_int_equal(kx_ra_document_upload(ra, key(), c->case_id, &d, &rec), KX_OK);
    }
    assert_int_equal(kx_ra_case_submit(ra, key(), c->case_id, c), KX_OK);
    admin_ok("cases", c->case_id, "approve");
    if (c->fee_fen > 0) {
        kx_ra_order o;
        assert_int_equal(kx_ra_order_create(ra, key(), c->case_id, &o), KX_OK);
        admin_ok("orders", o.order_id, "pay");
    }
    assert_int_equal(kx_ra_case_get(ra, c->case_id, c), KX_OK);
    assert_int_equal(c->state, KX_RA_CASE_APPROVED);
    assert_true(c->paid);
}

/* An approved, paid (when not free) case of service, ready for issuance. */
void ready_case(kx_ra *ra, const char *service, const char *token, kx_ra_case *c)
{
    kx_ra_case_request r = new_request(service);
    r.token_serial = token;
    ready_case_of(ra, &r, c);
}

/* A P-256 key and its CSR (PEM text, static buffer). */
char *make_csr(EVP_PKEY **key_out, X509_REQ **req_out)
{
    static char pem[4096];
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509_REQ *req = X509_REQ_new();
    X509_NAME *n = X509_REQ_get_subject_name(req);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"ignored", -1, -1,
                               0);
    X509_REQ_set_pubkey(req, k);
    X509_REQ_sign(req, k, EVP_sha256());
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(b, req);
    int len = BIO_read(b, pem, sizeof pem - 1);
    pem[len > 0 ? len : 0] = '\0';
    BIO_free(b);
    *key_out = k;
    if (req_out)
        *req_out = req;
    else
        X509_REQ_free(req);
    return pem;
}

/* Run a shell command; returns its exit status, stdout in out. */
int run(char *out, size_t outsz, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = out ? fread(out, 1, outsz - 1, p) : 0;
    if (out)
        out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void write_file(const char *name, const char *text, char *path, size_t pathsz)
{
    snprintf(path, pathsz, "%s/%s", sim.dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* ---- raw API calls (mutual TLS), for the RA's contract as such ---- */

typedef struct harness_buf {
    char *data;
    size_t len;
} harness_buf;

static size_t on_api_body(char *p, size_t s, size_t n, void *ud)
{
    harness_buf *b = ud;
    char *d = realloc(b->data, b->len + s * n + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, p, s * n);
    b->data = d;
    b->len += s * n;
    d[b->len] = '\0';
    return s * n;
}

long api_call(const char *method, const char *path, const char *body, json_t **out)
{
    char url[512], ca[400], cert[400], keyf[400], idem[96];
    harness_buf b = {0};
    snprintf(url, sizeof url, "https://127.0.0.1:%u%s", sim.port, path);
    snprintf(ca, sizeof ca, "%s/ca.pem", sim.state);
    snprintf(cert, sizeof cert, "%s/kiosk.pem", sim.state);
    snprintf(keyf, sizeof keyf, "%s/kiosk.key", sim.state);
    struct curl_slist *h = NULL;
    if (strcmp(method, "POST") == 0) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", key());
        h = curl_slist_append(h, idem);
        h = curl_slist_append(h, "Content-Type: application/json");
    }
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
    curl_easy_setopt(c, CURLOPT_SSLKEY, keyf);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_api_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (out) {
        json_error_t e;
        *out = b.data ? json_loads(b.data, 0, &e) : NULL;
    }
    free(b.data);
    return status;
}

long api_post_json(const char *path, json_t *body, json_t **out)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    long st = api_call("POST", path, text ? text : "{}", out);
    free(text);
    return st;
}
