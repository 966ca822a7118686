/* SPDX-License-Identifier: MIT */
/*
 * ra.c - the RA client (libcurl + jansson + OpenSSL), see ra.h.
 *
 * Sections:
 *   1. configuration and handle (TLS settings fixed at open: verification
 *      always on, the RA CA as the only trust anchor, optional key pin)
 *   2. transport: one attempt, error mapping, the retry loop
 *   3. strict reply readers (every field checked for presence and type)
 *   4. the operations of ra.h
 *
 * Must never: turn TLS verification off, retry a request without a key
 * (GETs excepted), log a request or reply body, or leave a secret in a
 * buffer it frees.
 */
#include "ra/ra.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "domain/phone.h"
#include "ra/ra_internal.h"

#define RA_MAX_REPLY (8u * 1024u * 1024u)
#define RA_MAX_DOCUMENT (16u * 1024u * 1024u)

struct kx_ra {
    kx_ra_config cfg;
    CURL *curl;
    kx_ra_error err;
    unsigned rng; /* jitter state */
};

/* ---- 1. configuration and handle ---- */

void kx_ra_config_defaults(kx_ra_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    kx_strlcpy(cfg->kiosk_id, "JXCA-KIOSK-0001", sizeof cfg->kiosk_id);
    cfg->connect_timeout_ms = 5000;
    cfg->timeout_ms = 20000;
    cfg->deadline_ms = 60000;
    cfg->max_attempts = 4;
    cfg->backoff_initial_ms = 200;
    cfg->backoff_max_ms = 5000;
}

/* The certificate profiles of docs/ra-api.md. */
static int ra_profile_known(const char *profile)
{
    return strcmp(profile, "sm2-dual") == 0 || strcmp(profile, "ec-p256") == 0 ||
           strcmp(profile, "rsa-2048") == 0;
}

static kx_err ra_config_str(const kx_config *ini, const char *key, char *dst, size_t dstsz,
                            int required)
{
    const char *v = kx_config_get_str(ini, "ra", key, "");
    if (required && !*v) {
        kx_err_set_detail("%s: [ra] %s is required", kx_config_name(ini), key);
        return KX_ERR_CONFIG;
    }
    if (kx_strlcpy(dst, v, dstsz) >= dstsz) {
        kx_err_set_detail("%s:%d: [ra] %s is too long", kx_config_name(ini),
                          kx_config_line(ini, "ra", key), key);
        return KX_ERR_CONFIG;
    }
    return KX_OK;
}

kx_err kx_ra_config_load(const kx_config *ini, kx_ra_config *out)
{
    kx_err rc;
    long n;
    kx_ra_config_defaults(out);
    if ((rc = ra_config_str(ini, "url", out->url, sizeof out->url, 1)) ||
        (rc = ra_config_str(ini, "ca_file", out->ca_file, sizeof out->ca_file, 1)) ||
        (rc = ra_config_str(ini, "cert_file", out->cert_file, sizeof out->cert_file, 1)) ||
        (rc = ra_config_str(ini, "key_file", out->key_file, sizeof out->key_file, 1)) ||
        (rc = ra_config_str(ini, "pinned_pubkey", out->pinned_pubkey, sizeof out->pinned_pubkey,
                            0)))
        return rc;
    if (strncmp(out->url, "https://", 8) != 0) {
        kx_err_set_detail("%s:%d: [ra] url=%s: must start with https://", kx_config_name(ini),
                          kx_config_line(ini, "ra", "url"), out->url);
        return KX_ERR_CONFIG;
    }
    if ((rc = ra_config_str(ini, "cert_profile", out->cert_profile, sizeof out->cert_profile,
                            0)))
        return rc;
    if (out->cert_profile[0] && !ra_profile_known(out->cert_profile)) {
        kx_err_set_detail("%s:%d: [ra] cert_profile=%s: not sm2-dual, ec-p256 or rsa-2048",
                          kx_config_name(ini), kx_config_line(ini, "ra", "cert_profile"),
                          out->cert_profile);
        return KX_ERR_CONFIG;
    }
    kx_strlcpy(out->kiosk_id, kx_config_get_str(ini, "kiosk", "id", out->kiosk_id),
               sizeof out->kiosk_id);
    struct {
        const char *key;
        long *dst, min, max;
    } longs[] = {{"connect_timeout_ms", &out->connect_timeout_ms, 100, 120000},
                 {"timeout_ms", &out->timeout_ms, 100, 600000},
                 {"deadline_ms", &out->deadline_ms, 100, 3600000},
                 {"backoff_initial_ms", &out->backoff_initial_ms, 1, 60000},
                 {"backoff_max_ms", &out->backoff_max_ms, 1, 600000}};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if ((rc = kx_config_get_int(ini, "ra", longs[i].key, *longs[i].dst, longs[i].min,
                                    longs[i].max, longs[i].dst)))
            return rc;
    if ((rc = kx_config_get_int(ini, "ra", "max_attempts", out->max_attempts, 1, 10, &n)))
        return rc;
    out->max_attempts = (int)n;
    return KX_OK;
}

static pthread_once_t ra_once = PTHREAD_ONCE_INIT;
static CURLcode ra_global_rc;

static void ra_global_init_once(void)
{
    ra_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

kx_err kx_ra_global_init(void)
{
    pthread_once(&ra_once, ra_global_init_once);
    return ra_global_rc == CURLE_OK ? KX_OK : KX_ERR_INTERNAL;
}

static kx_err ra_readable(const char *what, const char *path)
{
    if (!*path || access(path, R_OK) != 0) {
        kx_err_set_detail("[ra] %s '%s' is not readable", what, path);
        return KX_ERR_CONFIG;
    }
    return KX_OK;
}

kx_err kx_ra_open(const kx_ra_config *cfg, kx_ra **out)
{
    kx_err rc;
    *out = NULL;
    if (!cfg || strncmp(cfg->url, "https://", 8) != 0) {
        kx_err_set_detail("RA url must start with https://");
        return KX_ERR_CONFIG;
    }
    if ((rc = ra_readable("ca_file", cfg->ca_file)) ||
        (rc = ra_readable("cert_file", cfg->cert_file)) ||
        (rc = ra_readable("key_file", cfg->key_file)))
        return rc;
    if ((rc = kx_ra_global_init()))
        return rc;
    kx_ra *ra = calloc(1, sizeof *ra);
    if (!ra)
        return KX_ERR_NO_MEMORY;
    ra->cfg = *cfg;
    if (ra->cfg.max_attempts < 1)
        ra->cfg.max_attempts = 1;
    unsigned seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        seed = (unsigned)time(NULL);
    ra->rng = seed | 1u;
    ra->curl = curl_easy_init();
    if (!ra->curl) {
        free(ra);
        return KX_ERR_NO_MEMORY;
    }
    CURL *c = ra->curl;
    /* TLS: verification on, the RA CA as the only anchor (no system store). */
    int ok =
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CAINFO, ra->cfg.ca_file) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSLCERT, ra->cfg.cert_file) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSLKEY, ra->cfg.key_file) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ra->cfg.connect_timeout_ms) == CURLE_OK;
    if (ok && ra->cfg.pinned_pubkey[0])
        ok = curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, ra->cfg.pinned_pubkey) == CURLE_OK;
    if (!ok) {
        kx_err_set_detail("libcurl lacks a required TLS option");
        kx_ra_close(ra);
        return KX_ERR_TLS;
    }
    *out = ra;
    return KX_OK;
}

void kx_ra_close(kx_ra *ra)
{
    if (!ra)
        return;
    if (ra->curl)
        curl_easy_cleanup(ra->curl);
    free(ra);
}

const kx_ra_error *kx_ra_last_error(const kx_ra *ra)
{
    return &ra->err;
}

kx_err kx_ra_idem_key_new(char *out, size_t outsz)
{
    unsigned char raw[16];
    if (!out || outsz < 33)
        return KX_ERR_INVALID_ARG;
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return KX_ERR_IO;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return KX_OK;
}

static int ra_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n < 1 || n > 64)
        return 0;
    return strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") ==
           n;
}

/* A path segment we put in a URL: ids, serials, codes. */
static int ra_segment_valid(const char *seg)
{
    size_t n = seg ? strlen(seg) : 0;
    if (n < 1 || n > 80)
        return 0;
    return strspn(seg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
               n &&
           strcmp(seg, ".") != 0 && strcmp(seg, "..") != 0;
}

/* ---- 2. transport ---- */

typedef struct ra_buf {
    char *data;
    size_t len, cap;
    int overflow;
} ra_buf;

typedef struct ra_attempt {
    ra_buf body;
    long retry_after_s;
    int replay;
} ra_attempt;

static size_t ra_on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    ra_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n + 1 > RA_MAX_REPLY) {
        b->overflow = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static size_t ra_on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    ra_attempt *a = ud;
    size_t n = size * nmemb;
    char line[128];
    if (n < sizeof line) {
        memcpy(line, ptr, n);
        line[n] = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        long v;
        if (strncasecmp(line, "Retry-After:", 12) == 0) {
            const char *p = line + 12;
            while (*p == ' ')
                p++;
            if (kx_parse_long(p, 0, 86400, &v) == KX_OK)
                a->retry_after_s = v;
        } else if (strncasecmp(line, "Idempotent-Replay: true", 23) == 0) {
            a->replay = 1;
        }
    }
    return n;
}

static void ra_buf_wipe_free(ra_buf *b)
{
    if (b->data)
        kx_wipe(b->data, b->cap);
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* Map a curl failure. *retry: the failure may be transient. */
static kx_err ra_map_curl(CURLcode cc, int *retry)
{
    *retry = 0;
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        *retry = 1;
        return KX_ERR_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        *retry = 1;
        return KX_ERR_NETWORK;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return KX_ERR_TLS;
    case CURLE_WRITE_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
        *retry = 1;
        return KX_ERR_RA_BAD_REPLY;
    case CURLE_OUT_OF_MEMORY:
        return KX_ERR_NO_MEMORY;
    default:
        return KX_ERR_NETWORK;
    }
}

/* Map an RA error reply (status + code) to kx_err. */
static kx_err ra_map_status(long status, const char *code)
{
    static const struct {
        const char *code;
        kx_err err;
    } codes[] = {{"idempotency_conflict", KX_ERR_RA_CONFLICT},
                 {"not_paid", KX_ERR_RA_NOT_PAID},
                 {"not_approved", KX_ERR_RA_NOT_APPROVED},
                 {"not_found", KX_ERR_NOT_FOUND},
                 {"client_certificate_required", KX_ERR_TLS},
                 {"forbidden", KX_ERR_PERMISSION},
                 {"staff_approval_not_permitted", KX_ERR_PERMISSION},
                 {"invalid_state", KX_ERR_STATE},
                 {"already_issued", KX_ERR_STATE},
                 {"already_revoked", KX_ERR_STATE},
                 {"already_released", KX_ERR_STATE},
                 {"order_open", KX_ERR_STATE},
                 {"certificate_issued", KX_ERR_STATE},
                 {"already_paid", KX_ERR_STATE},
                 {"busy", KX_ERR_BUSY},
                 {"unavailable", KX_ERR_BUSY}};
    for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i].code) == 0)
            return codes[i].err;
    if (status >= 500 || status == 429)
        return KX_ERR_BUSY;
    if (status == 404)
        return KX_ERR_NOT_FOUND;
    if (status == 403 || status == 401)
        return KX_ERR_PERMISSION;
    if (status == 409)
        return KX_ERR_STATE;
    return KX_ERR_RA_REJECTED;
}

static int64_t ra_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ra_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Back-off before attempt number `attempt` (2, 3, ...): exponential with
 * "equal jitter" (half fixed, half random), at least Retry-After. */
static long ra_backoff_ms(kx_ra *ra, int attempt, long retry_after_s)
{
    long d = ra->cfg.backoff_initial_ms;
    for (int i = 2; i < attempt && d < ra->cfg.backoff_max_ms; i++)
        d *= 2;
    if (d > ra->cfg.backoff_max_ms)
        d = ra->cfg.backoff_max_ms;
    ra->rng ^= ra->rng << 13;
    ra->rng ^= ra->rng >> 17;
    ra->rng ^= ra->rng << 5;
    long half = d / 2;
    d = half + (half > 0 ? (long)(ra->rng % (unsigned)(half + 1)) : 0);
    if (retry_after_s * 1000 > d)
        d = retry_after_s * 1000;
    return d;
}

/* Parse an error body {code, message, retryable} into ra->err. */
static void ra_read_error(kx_ra *ra, const ra_buf *body)
{
    json_error_t jerr;
    json_t *j = body->data ? json_loadb(body->data, body->len, 0, &jerr) : NULL;
    json_t *code = json_object_get(j, "code"), *msg = json_object_get(j, "message");
    json_t *retry = json_object_get(j, "retryable");
    if (json_is_string(code))
        kx_strlcpy(ra->err.code, json_string_value(code), sizeof ra->err.code);
    if (json_is_string(msg))
        kx_strlcpy(ra->err.message, json_string_value(msg), sizeof ra->err.message);
    ra->err.retryable = json_is_true(retry);
    json_decref(j);
}

/*
 * ra_call - one request with retries. method "GET" or "POST"; body is
 * consumed (may be NULL for GET). On success (2xx) *reply gets the parsed
 * object (caller decrefs).
 */
static kx_err ra_call(kx_ra *ra, const char *method, const char *path, const char *idem_key,
                      json_t *body, json_t **reply)
{
    kx_err rc = KX_ERR_INTERNAL;
    char url[KX_RA_URL_MAX + 256];
    char *payload = NULL;
    int post = strcmp(method, "POST") == 0;
    struct curl_slist *hdrs = NULL;
    int64_t start = ra_now_ms();
    *reply = NULL;
    memset(&ra->err, 0, sizeof ra->err);
    if (post && !ra_key_valid(idem_key)) {
        kx_err_set_detail("RA %s: idempotency key missing or malformed", path);
        json_decref(body);
        return KX_ERR_INVALID_ARG;
    }
    snprintf(url, sizeof url, "%s%s", ra->cfg.url, path);
    if (post) {
        payload = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (!payload)
            return KX_ERR_NO_MEMORY;
    }
    char h[KX_RA_NAME_MAX + 32];
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    snprintf(h, sizeof h, "X-Kiosk-Id: %s", ra->cfg.kiosk_id);
    hdrs = curl_slist_append(hdrs, h);
    if (post) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        snprintf(h, sizeof h, "Idempotency-Key: %s", idem_key);
        hdrs = curl_slist_append(hdrs, h);
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    CURL *c = ra->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 0L);
    if (post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    for (int attempt = 1;; attempt++) {
        ra_attempt a = {{0}, 0, 0};
        int retry = 0;
        long status = 0;
        int64_t left = ra->cfg.deadline_ms - (ra_now_ms() - start);
        if (left <= 0) {
            if (rc == KX_ERR_INTERNAL)
                rc = KX_ERR_TIMEOUT;
            break;
        }
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                         (long)(left < ra->cfg.timeout_ms ? left : ra->cfg.timeout_ms));
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ra_on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ra_on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
        int64_t t0 = ra_now_ms();
        memset(&ra->err, 0, sizeof ra->err); /* the error of the last attempt only */
        CURLcode cc = curl_easy_perform(c);
        ra->err.attempts = attempt;
        if (cc != CURLE_OK) {
            rc = ra_map_curl(cc, &retry);
            if (a.body.overflow) {
                rc = KX_ERR_RA_BAD_REPLY;
                retry = 0;
            }
            kx_err_set_detail("RA %s %s: %s", method, path, curl_easy_strerror(cc));
            kx_log_warn("ra.request", "method=%s path=%s attempt=%d error=%s curl=%d ms=%lld",
                        method, path, attempt, kx_err_name(rc), (int)cc,
                        (long long)(ra_now_ms() - t0));
        } else {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            ra->err.http_status = status;
            kx_log_info("ra.request",
                        "method=%s path=%s attempt=%d status=%ld replay=%d ms=%lld", method,
                        path, attempt, status, a.replay, (long long)(ra_now_ms() - t0));
            if (status >= 200 && status < 300) {
                json_error_t jerr;
                json_t *j = a.body.data ? json_loadb(a.body.data, a.body.len,
                                                     JSON_REJECT_DUPLICATES, &jerr)
                                        : NULL;
                if (json_is_object(j)) {
                    *reply = j;
                    rc = KX_OK;
                } else {
                    json_decref(j);
                    rc = KX_ERR_RA_BAD_REPLY;
                    retry = 1;
                    kx_err_set_detail("RA %s %s: reply is not a JSON object", method, path);
                }
            } else {
                ra_read_error(ra, &a.body);
                rc = ra_map_status(status, ra->err.code);
                retry = status >= 500 || status == 429;
                kx_err_set_detail("RA %s %s: HTTP %ld %s: %s", method, path, status,
                                  ra->err.code, ra->err.message);
            }
        }
        ra_buf_wipe_free(&a.body);
        if (rc == KX_OK || !retry || attempt >= ra->cfg.max_attempts)
            break;
        long wait = ra_backoff_ms(ra, attempt + 1, a.retry_after_s);
        if (ra_now_ms() - start + wait >= ra->cfg.deadline_ms)
            break;
        kx_log_info("ra.retry", "method=%s path=%s next_attempt=%d wait_ms=%ld", method, path,
                    attempt + 1, wait);
        ra_sleep_ms(wait);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(hdrs);
    if (payload) {
        kx_wipe(payload, strlen(payload));
        free(payload);
    }
    return rc;
}

/* ---- 3. strict reply readers ---- */

static kx_err ra_bad(const char *what, const char *key)
{
    kx_err_set_detail("RA reply (%s): field '%s' missing or of the wrong type", what, key);
    return KX_ERR_RA_BAD_REPLY;
}

static kx_err ra_str(json_t *o, const char *what, const char *key, char *dst, size_t dstsz)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) >= dstsz ||
        strlen(json_string_value(v)) != json_string_length(v))
        return ra_bad(what, key);
    kx_strlcpy(dst, json_string_value(v), dstsz);
    return KX_OK;
}

/* A string field RAs before it did not send: absent leaves "" in dst. */
static kx_err ra_opt_str(json_t *o, const char *what, const char *key, char *dst, size_t dstsz)
{
    if (!json_object_get(o, key)) {
        dst[0] = '\0';
        return KX_OK;
    }
    return ra_str(o, what, key, dst, dstsz);
}

static kx_err ra_int(json_t *o, const char *what, const char *key, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return ra_bad(what, key);
    *out = (int64_t)json_integer_value(v);
    return KX_OK;
}

static kx_err ra_bool(json_t *o, const char *what, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_boolean(v))
        return ra_bad(what, key);
    *out = json_is_true(v);
    return KX_OK;
}

/* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ"; null allowed when nullable (-> 0). */
static kx_err ra_time(json_t *o, const char *what, const char *key, int nullable, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (nullable && json_is_null(v)) {
        *out = 0;
        return KX_OK;
    }
    struct tm tm = {0};
    const char *end =
        json_is_string(v) ? strptime(json_string_value(v), "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return ra_bad(what, key);
    *out = (int64_t)timegm(&tm);
    return KX_OK;
}

/* Map a string field onto an enum by its ids. */
static kx_err ra_enum(json_t *o, const char *what, const char *key, const char *(*name)(int),
                      int count, int *out)
{
    char v[KX_RA_SHORT_MAX];
    if (ra_str(o, what, key, v, sizeof v))
        return ra_bad(what, key);
    for (int i = 0; i < count; i++)
        if (strcmp(v, name(i)) == 0) {
            *out = i;
            return KX_OK;
        }
    return ra_bad(what, key);
}

static const char *const ra_case_states[] = {"draft", "submitted", "pending_review", "approved",
                                             "rejected"};
static const char *const ra_order_states[] = {"pending", "paid", "cancelled", "expired",
                                              "refunded"};
static const char *const ra_doc_kinds[] = {
    "licence",          "id_front",          "id_back",
    "seal_company",     "seal_legal_rep",    "signature_legal_rep",
    "auth_letter",      "reissue_statement", "uscc_copy",
    "application_form", "id_card_front",     "id_card_back"};

const char *kx_ra_case_state_id(kx_ra_case_state st)
{
    return (unsigned)st < 5 ? ra_case_states[st] : "unknown";
}

const char *kx_ra_order_state_id(kx_ra_order_state st)
{
    return (unsigned)st < 5 ? ra_order_states[st] : "unknown";
}

const char *kx_ra_doc_kind_id(kx_ra_doc_kind kind)
{
    return (unsigned)kind < KX_RA_DOC_COUNT ? ra_doc_kinds[kind] : "unknown";
}

const char *kx_ra_revoke_reason_id(kx_ra_revoke_reason reason)
{
    switch (reason) {
    case KX_RA_REVOKE_UNSPECIFIED:
        return "unspecified";
    case KX_RA_REVOKE_KEY_COMPROMISE:
        return "key_compromise";
    case KX_RA_REVOKE_AFFILIATION_CHANGED:
        return "affiliation_changed";
    case KX_RA_REVOKE_SUPERSEDED:
        return "superseded";
    case KX_RA_REVOKE_CESSATION:
        return "cessation_of_operation";
    }
    return "unknown";
}

static const char *ra_case_state_name(int i)
{
    return ra_case_states[i];
}

static const char *ra_order_state_name(int i)
{
    return ra_order_states[i];
}

/* A revocation case's "revocation": {serials, reason, done}. */
static kx_err ra_read_case_revocation(json_t *rv, kx_ra_case *out)
{
    const char *w = "case revocation";
    json_t *list = json_object_get(rv, "serials"), *v;
    size_t i;
    kx_err rc;
    if (!json_is_object(rv) || !json_is_array(list) || json_array_size(list) > KX_RA_REVOKE_MAX)
        return ra_bad(w, "serials");
    if ((rc = ra_str(rv, w, "reason", out->revoke_reason, sizeof out->revoke_reason)) ||
        (rc = ra_bool(rv, w, "done", &out->revoke_done)))
        return rc;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) >= KX_RA_SERIAL_MAX ||
            json_string_length(v) == 0)
            return ra_bad(w, "serials[]");
        kx_strlcpy(out->revoke_serials[i], json_string_value(v), KX_RA_SERIAL_MAX);
    }
    out->revoke_serial_count = (int)json_array_size(list);
    out->revocation = 1;
    return KX_OK;
}

static kx_err ra_read_case_into(json_t *o, kx_ra_case *out)
{
    const char *w = "case";
    int st = 0;
    kx_err rc;
    memset(out, 0, sizeof *out);
    if ((rc = ra_str(o, w, "case_id", out->case_id, sizeof out->case_id)) ||
        (rc = ra_str(o, w, "service", out->service, sizeof out->service)) ||
        (rc = ra_str(o, w, "credit_code", out->credit_code, sizeof out->credit_code)) ||
        (rc = ra_enum(o, w, "state", ra_case_state_name, 5, &st)) ||
        (rc = ra_str(o, w, "reject_reason", out->reject_reason, sizeof out->reject_reason)) ||
        (rc = ra_int(o, w, "fee_fen", &out->fee_fen)) ||
        (rc = ra_bool(o, w, "paid", &out->paid)) ||
        (rc = ra_str(o, w, "cert_serial", out->cert_serial, sizeof out->cert_serial)) ||
        (rc = ra_time(o, w, "created_at", 0, &out->created_at)) ||
        (rc = ra_time(o, w, "updated_at", 0, &out->updated_at)))
        return rc;
    int64_t docs = 0;
    if ((rc = ra_int(o, w, "documents", &docs)))
        return rc;
    /* optional (RAs before staff approval do not send it) */
    if (json_object_get(o, "approved_by") &&
        (rc = ra_str(o, w, "approved_by", out->approved_by, sizeof out->approved_by)))
        return rc;
    /* optional (RAs before profiles and agreement versions) */
    if ((rc = ra_opt_str(o, w, "cert_profile", out->cert_profile, sizeof out->cert_profile)) ||
        (rc = ra_opt_str(o, w, "agreement_version", out->agreement_version,
                         sizeof out->agreement_version)))
        return rc;
    if (json_object_get(o, "agreement_accepted_at") &&
        (rc = ra_time(o, w, "agreement_accepted_at", 1, &out->agreement_accepted_at)))
        return rc;
    json_t *rv = json_object_get(o, "revocation");
    if (rv && (rc = ra_read_case_revocation(rv, out)))
        return rc;
    if (docs < 0 || docs > 1000 || out->fee_fen < 0 || !out->case_id[0])
        return ra_bad(w, "documents/fee_fen/case_id");
    out->documents = (int)docs;
    out->state = (kx_ra_case_state)st;
    return KX_OK;
}

static kx_err ra_read_order_into(json_t *o, kx_ra_order *out)
{
    const char *w = "order";
    int st = 0;
    kx_err rc;
    memset(out, 0, sizeof *out);
    if ((rc = ra_str(o, w, "order_id", out->order_id, sizeof out->order_id)) ||
        (rc = ra_str(o, w, "case_id", out->case_id, sizeof out->case_id)) ||
        (rc = ra_enum(o, w, "state", ra_order_state_name, 5, &st)) ||
        (rc = ra_int(o, w, "amount_fen", &out->amount_fen)) ||
        (rc = ra_str(o, w, "currency", out->currency, sizeof out->currency)) ||
        (rc = ra_str(o, w, "qr_text", out->qr_text, sizeof out->qr_text)) ||
        (rc = ra_time(o, w, "created_at", 0, &out->created_at)) ||
        (rc = ra_time(o, w, "expires_at", 0, &out->expires_at)) ||
        (rc = ra_time(o, w, "paid_at", 1, &out->paid_at)) ||
        (rc = ra_int(o, w, "refunded_fen", &out->refunded_fen)) ||
        (rc = ra_str(o, w, "refund_id", out->refund_id, sizeof out->refund_id)))
        return rc;
    /* optional (RAs before the counter payment do not send it) */
    if (json_object_get(o, "channel") &&
        (rc = ra_str(o, w, "channel", out->channel, sizeof out->channel)))
        return rc;
    /* optional (RAs before e-invoices) */
    if ((rc = ra_opt_str(o, w, "invoice_url", out->invoice_url, sizeof out->invoice_url)))
        return rc;
    if (json_object_get(o, "refunded_at") &&
        (rc = ra_time(o, w, "refunded_at", 1, &out->refunded_at)))
        return rc;
    if (out->invoice_url[0] && strncmp(out->invoice_url, "https://", 8) != 0)
        return ra_bad(w, "invoice_url");
    out->state = (kx_ra_order_state)st;
    if (out->amount_fen < 0 || out->refunded_fen < 0 || !out->order_id[0])
        return ra_bad(w, "amount_fen/refunded_fen/order_id");
    if (out->state == KX_RA_ORDER_PAID && out->paid_at == 0)
        return ra_bad(w, "paid_at");
    return KX_OK;
}

/* The readers fill a copy and touch *out only on success: a failed call
 * never leaves a half-filled result. */
static kx_err ra_read_case(json_t *o, kx_ra_case *out)
{
    kx_ra_case tmp;
    kx_err rc = ra_read_case_into(o, &tmp);
    if (!rc)
        *out = tmp;
    return rc;
}

static kx_err ra_read_order(json_t *o, kx_ra_order *out)
{
    kx_ra_order tmp;
    kx_err rc = ra_read_order_into(o, &tmp);
    if (!rc)
        *out = tmp;
    return rc;
}

/* ---- 4. operations ---- */

static kx_err ra_need(const char *what, const void *p)
{
    if (p)
        return KX_OK;
    kx_err_set_detail("RA: %s missing", what);
    return KX_ERR_INVALID_ARG;
}

static kx_err ra_need_segment(const char *what, const char *seg)
{
    if (ra_segment_valid(seg))
        return KX_OK;
    kx_err_set_detail("RA: %s missing or malformed", what);
    return KX_ERR_INVALID_ARG;
}

/* ra_call_on - call prefix + id + suffix after checking id is a safe path
 * segment. body is consumed either way. */
static kx_err ra_call_on(kx_ra *ra, const char *method, const char *idem_key,
                         const char *prefix, const char *id, const char *suffix, json_t *body,
                         json_t **reply)
{
    char path[256];
    kx_err rc = ra_need("handle", ra);
    if (rc || (rc = ra_need_segment(prefix, id))) {
        json_decref(body);
        return rc;
    }
    snprintf(path, sizeof path, "%s%s%s", prefix, id, suffix);
    return ra_call(ra, method, path, idem_key, body, reply);
}

kx_err kx_ra_health_get(kx_ra *ra, kx_ra_health *out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("handle/out", ra && out ? out : NULL);
    if (rc || (rc = ra_call(ra, "GET", "/v1/health", NULL, NULL, &j)))
        return rc;
    memset(out, 0, sizeof *out);
    if (!(rc = ra_str(j, "health", "status", out->status, sizeof out->status)) &&
        !(rc = ra_str(j, "health", "version", out->version, sizeof out->version)))
        rc = ra_time(j, "health", "time", 0, &out->server_time);
    json_decref(j);
    return rc;
}

static int64_t ra_cert_file_not_after(const char *path)
{
    FILE *fp = fopen(path, "r");
    X509 *x = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    int64_t t = 0;
    struct tm tm;
    if (x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
        t = (int64_t)timegm(&tm);
    X509_free(x);
    if (fp)
        fclose(fp);
    return t;
}

kx_err kx_ra_probe_run(kx_ra *ra, kx_ra_probe *out)
{
    if (!ra || !out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->client_cert_not_after = ra_cert_file_not_after(ra->cfg.cert_file);
    CURL *c = ra->curl;
    char url[KX_RA_URL_MAX + 32];
    snprintf(url, sizeof url, "%s/v1/health", ra->cfg.url);
    ra_buf body = {0};
    ra_attempt a = {{0}, 0, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ra->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ra_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ra_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 0L);
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 0L);
    curl_off_t t_connect = 0, t_tls = 0, t_total = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &t_connect);
    curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &t_tls);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &t_total);
    out->connect_ms = (double)t_connect / 1000.0;
    out->tls_ms = t_tls > t_connect ? (double)(t_tls - t_connect) / 1000.0 : 0.0;
    out->rtt_ms = (double)t_total / 1000.0;
    out->reachable = t_connect > 0;
    out->tls_ok = t_tls > 0;
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci && ci->num_of_certs > 0)
        for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
            if (strncmp(s->data, "Expire date:", 12) == 0) {
                struct tm tm = {0};
                if (strptime(s->data + 12, "%b %d %H:%M:%S %Y GMT", &tm))
                    out->server_cert_not_after = (int64_t)timegm(&tm);
            }
    kx_err rc = KX_OK;
    int retry;
    if (cc != CURLE_OK) {
        rc = ra_map_curl(cc, &retry);
        kx_strlcpy(out->tls_error, curl_easy_strerror(cc), sizeof out->tls_error);
        kx_err_set_detail("RA health probe: %s", curl_easy_strerror(cc));
        if (rc == KX_ERR_TLS) {
            out->tls_ok = 0;
            out->reachable = 1; /* a handshake needs a connection */
        }
    } else {
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        out->http_status = (int)status;
        json_error_t jerr;
        json_t *j = body.data ? json_loadb(body.data, body.len, 0, &jerr) : NULL;
        if (status != 200) {
            ra_read_error(ra, &body);
            rc = ra_map_status(status, ra->err.code);
            if (rc == KX_ERR_TLS)
                kx_strlcpy(out->tls_error, ra->err.message, sizeof out->tls_error);
            kx_err_set_detail("RA health probe: HTTP %ld %s", status, ra->err.code);
        } else if (!json_is_object(j) ||
                   ra_str(j, "health", "status", out->health.status,
                          sizeof out->health.status) ||
                   ra_str(j, "health", "version", out->health.version,
                          sizeof out->health.version) ||
                   ra_time(j, "health", "time", 0, &out->health.server_time)) {
            rc = KX_ERR_RA_BAD_REPLY;
            kx_err_set_detail("RA health probe: malformed reply");
        }
        json_decref(j);
    }
    ra_buf_wipe_free(&body);
    return rc;
}

kx_err kx_ra_enterprise_lookup(kx_ra *ra, const char *credit_code, kx_ra_enterprise *out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("out", out);
    if (rc || (rc = ra_call_on(ra, "GET", NULL, "/v1/enterprises/", credit_code, "", NULL, &j)))
        return rc;
    const char *w = "enterprise";
    memset(out, 0, sizeof *out);
    if (!(rc = ra_str(j, w, "credit_code", out->credit_code, sizeof out->credit_code)) &&
        !(rc = ra_str(j, w, "name", out->name, sizeof out->name)) &&
        !(rc = ra_str(j, w, "address", out->address, sizeof out->address)) &&
        !(rc = ra_str(j, w, "legal_representative", out->legal_representative,
                      sizeof out->legal_representative)))
        rc = ra_str(j, w, "status", out->status, sizeof out->status);
    json_decref(j);
    return rc;
}

char *kx_ra_time_format(int64_t t, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!out || outsz == 0)
        return out;
    out[0] = '\0';
    if (gmtime_r(&tt, &tm))
        strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

static json_t *ra_time_string(int64_t t)
{
    char buf[32];
    return json_string(kx_ra_time_format(t, buf, sizeof buf));
}

static const char *ra_opt(const char *s)
{
    return s ? s : "";
}

static int ra_given(const char *s)
{
    return s && *s;
}

/* the services whose case may come without the agent and a phone */
static int ra_renewal(const char *service)
{
    return strcmp(service, "renew") == 0 || strcmp(service, "renew_nopin") == 0;
}

/* The "revocation" member of a revoke case (checked by the caller). */
static kx_err ra_revocation_member(json_t *body, const kx_ra_revocation_request *rv)
{
    json_t *o = json_pack("{s:s}", "reason", kx_ra_revoke_reason_id(rv->reason));
    if (!o)
        return KX_ERR_NO_MEMORY;
    if (rv->all) {
        json_object_set_new(o, "all", json_true());
    } else {
        json_t *list = json_array();
        for (int i = 0; list && i < rv->serial_count; i++)
            json_array_append_new(list, json_string(rv->serials[i]));
        json_object_set_new(o, "serials", list);
    }
    return json_object_set_new(body, "revocation", o) == 0 ? KX_OK : KX_ERR_NO_MEMORY;
}

static int ra_revocation_valid(const kx_ra_revocation_request *rv)
{
    if (strcmp(kx_ra_revoke_reason_id((kx_ra_revoke_reason)rv->reason), "unknown") == 0)
        return 0;
    if (rv->all)
        return rv->serial_count == 0;
    if (!rv->serials || rv->serial_count < 1 || rv->serial_count > KX_RA_REVOKE_MAX)
        return 0;
    for (int i = 0; i < rv->serial_count; i++)
        if (!ra_segment_valid(rv->serials[i]))
            return 0;
    return 1;
}

kx_err kx_ra_case_create(kx_ra *ra, const char *idem_key, const kx_ra_case_request *req,
                         kx_ra_case *out)
{
    json_t *j = NULL;
    if (!ra || !req || !out || !req->service || !req->credit_code || !req->company_name ||
        req->agreement_accepted_at <= 0) {
        kx_err_set_detail("RA case: a required field is missing");
        return KX_ERR_INVALID_ARG;
    }
    /* docs/ra-api.md: agent and phone for every service but the two
     * renewals, where they are optional (with the PIN the renewal's
     * signature is the proof; without it the stamped credit-code copy and
     * the UKEY, as the CA's process asks); an agent is both name and ID
     * number or nothing; a phone is a mobile or a landline (domain/phone.h).
     * The RA has the final word. */
    int agent = ra_given(req->agent_name) || ra_given(req->agent_idnum);
    if (agent && !(ra_given(req->agent_name) && ra_given(req->agent_idnum))) {
        kx_err_set_detail("RA case: the agent needs both name and ID number");
        return KX_ERR_INVALID_ARG;
    }
    if (req->revocation &&
        (strcmp(req->service, "revoke") != 0 || !ra_revocation_valid(req->revocation))) {
        kx_err_set_detail("RA case: a revocation is a revoke case's, with a known reason and "
                          "1..%d serials or all",
                          KX_RA_REVOKE_MAX);
        return KX_ERR_INVALID_ARG;
    }
    if (ra_given(req->cert_profile) && !ra_profile_known(req->cert_profile)) {
        kx_err_set_detail("RA case: unknown certificate profile '%s'", req->cert_profile);
        return KX_ERR_INVALID_ARG;
    }
    if (ra_given(req->agreement_version) &&
        (strlen(req->agreement_version) != 64 ||
         strspn(req->agreement_version, "0123456789abcdef") != 64)) {
        kx_err_set_detail("RA case: agreement_version is not a lower-case hex SHA-256");
        return KX_ERR_INVALID_ARG;
    }
    if (!ra_renewal(req->service) && (!agent || !ra_given(req->phone))) {
        kx_err_set_detail("RA case: %s needs the agent and a phone number", req->service);
        return KX_ERR_INVALID_ARG;
    }
    kx_phone_info phone = {0};
    if (ra_given(req->phone) && kx_phone_check(req->phone, &phone) == KX_PHONE_BAD) {
        kx_err_set_detail("RA case: the phone number is neither a mobile nor a landline");
        return KX_ERR_INVALID_ARG;
    }
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "service", req->service, "credit_code",
                  req->credit_code, "company_name", req->company_name, "agreement_accepted_at",
                  ra_time_string(req->agreement_accepted_at), "token_serial",
                  ra_opt(req->token_serial), "cert_serial", ra_opt(req->cert_serial));
    /* personal data only when given: what the kiosk did not collect is not
     * sent, not even empty */
    int bad = !body;
    if (!bad && agent)
        bad = json_object_set_new(body, "agent",
                                  json_pack("{s:s, s:s}", "name", req->agent_name, "id_number",
                                            req->agent_idnum)) != 0;
    if (!bad && phone.kind != KX_PHONE_BAD)
        bad = json_object_set_new(body, "phone", json_string(phone.canonical)) != 0;
    if (!bad && ra_given(req->email))
        bad = json_object_set_new(body, "email", json_string(req->email)) != 0;
    if (!bad && req->revocation)
        bad = ra_revocation_member(body, req->revocation) != KX_OK;
    if (!bad && ra_given(req->cert_profile))
        bad = json_object_set_new(body, "cert_profile", json_string(req->cert_profile)) != 0;
    if (!bad && ra_given(req->agreement_version))
        bad = json_object_set_new(body, "agreement_version",
                                  json_string(req->agreement_version)) != 0;
    if (bad) {
        json_decref(body);
        kx_err_set_detail("RA case: a field is not valid UTF-8");
        return KX_ERR_INVALID_ARG;
    }
    kx_err rc = ra_call(ra, "POST", "/v1/cases", idem_key, body, &j);
    if (!rc)
        rc = ra_read_case(j, out);
    json_decref(j);
    return rc;
}

/* GET or POST on /v1/cases/{id}[/suffix] returning a case; body (taken)
 * for a POST, NULL for a GET. */
static kx_err ra_case_op(kx_ra *ra, const char *method, const char *idem_key,
                         const char *case_id, const char *suffix, json_t *body, kx_ra_case *out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("out", out);
    if (rc) {
        json_decref(body);
        return rc;
    }
    rc = ra_call_on(ra, method, idem_key, "/v1/cases/", case_id, suffix, body, &j);
    if (!rc)
        rc = ra_read_case(j, out);
    json_decref(j);
    return rc;
}

kx_err kx_ra_case_get(kx_ra *ra, const char *case_id, kx_ra_case *out)
{
    return ra_case_op(ra, "GET", NULL, case_id, "", NULL, out);
}

kx_err kx_ra_case_submit(kx_ra *ra, const char *idem_key, const char *case_id, kx_ra_case *out)
{
    return ra_case_op(ra, "POST", idem_key, case_id, "/submit", json_object(), out);
}

kx_err kx_ra_case_staff_approve(kx_ra *ra, const char *idem_key, const char *case_id,
                                const char *staff_id, const char *reason, kx_ra_case *out)
{
    kx_err rc = ra_need("staff_id", staff_id);
    if (rc)
        return rc;
    if (!*staff_id || strlen(staff_id) > 32 || strlen(ra_opt(reason)) > 200) {
        kx_err_set_detail("RA staff approval: staff_id 1..32 chars, reason at most 200 bytes");
        return KX_ERR_INVALID_ARG;
    }
    json_t *body = json_pack("{s:s, s:s}", "staff_id", staff_id, "reason", ra_opt(reason));
    if (!body) {
        kx_err_set_detail("RA staff approval: a field is not valid UTF-8");
        return KX_ERR_INVALID_ARG;
    }
    return ra_case_op(ra, "POST", idem_key, case_id, "/staff-approval", body, out);
}

static void ra_sha256_hex(const void *data, size_t len, char out[KX_RA_SHA256_HEX])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static char *ra_base64(const unsigned char *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Strict base64 (RFC 4648, padded, no line breaks) to bytes (malloc'ed);
 * NULL when text is not that. */
static unsigned char *ra_unbase64(const char *text, size_t *len_out)
{
    size_t n = strlen(text);
    if (n == 0 || n % 4 != 0 || n > 32u * 1024u * 1024u ||
        strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
        return NULL;
    size_t pad = text[n - 1] == '=' ? (text[n - 2] == '=' ? 2 : 1) : 0;
    if (strchr(text, '=') != text + n - pad && pad)
        return NULL;
    if (!pad && strchr(text, '='))
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    int len = out ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : -1;
    if (len < 0 || (size_t)len < pad) {
        free(out);
        return NULL;
    }
    *len_out = (size_t)len - pad;
    return out;
}

kx_err kx_ra_document_upload(kx_ra *ra, const char *idem_key, const char *case_id,
                             const kx_ra_document *doc, kx_ra_document_receipt *out)
{
    char digest[KX_RA_SHA256_HEX];
    json_t *j = NULL;
    kx_err rc = ra_need("document/out", doc && out && doc->data ? out : NULL);
    if (rc)
        return rc;
    int pdf_ok = doc->kind == KX_RA_DOC_APPLICATION_FORM ||
                 doc->kind == KX_RA_DOC_AUTH_LETTER ||
                 doc->kind == KX_RA_DOC_REISSUE_STATEMENT || doc->kind == KX_RA_DOC_USCC_COPY ||
                 doc->kind == KX_RA_DOC_LICENCE;
    int pdf = doc->media_type && strcmp(doc->media_type, "application/pdf") == 0;
    if ((unsigned)doc->kind >= KX_RA_DOC_COUNT || doc->len == 0 || doc->len > RA_MAX_DOCUMENT ||
        !doc->media_type || (pdf && !pdf_ok) ||
        (doc->kind == KX_RA_DOC_APPLICATION_FORM && !pdf) ||
        (!pdf && strcmp(doc->media_type, "image/png") != 0 &&
         strcmp(doc->media_type, "image/jpeg") != 0)) {
        kx_err_set_detail("RA document: bad kind, size or media type");
        return KX_ERR_INVALID_ARG;
    }
    int seal = doc->kind == KX_RA_DOC_SEAL_COMPANY || doc->kind == KX_RA_DOC_SEAL_LEGAL_REP ||
               doc->kind == KX_RA_DOC_SIGNATURE_LEGAL_REP;
    if (seal && !(doc->width_mm > 0 && doc->height_mm > 0)) {
        kx_err_set_detail("RA document: a seal image needs its size in mm");
        return KX_ERR_INVALID_ARG;
    }
    ra_sha256_hex(doc->data, doc->len, digest);
    char *b64 = ra_base64(doc->data, doc->len);
    if (!b64)
        return KX_ERR_NO_MEMORY;
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s%}", "kind", ra_doc_kinds[doc->kind], "media_type",
                  doc->media_type, "sha256", digest, "data", b64, strlen(b64));
    free(b64);
    if (body && seal) {
        json_object_set_new(body, "width_mm", json_real(doc->width_mm));
        json_object_set_new(body, "height_mm", json_real(doc->height_mm));
    }
    if (!body)
        return KX_ERR_NO_MEMORY;
    if ((rc = ra_call_on(ra, "POST", idem_key, "/v1/cases/", case_id, "/documents", body, &j)))
        return rc;
    int64_t size = 0;
    memset(out, 0, sizeof *out);
    if (!(rc = ra_str(j, "document", "document_id", out->document_id,
                      sizeof out->document_id)) &&
        !(rc = ra_str(j, "document", "sha256", out->sha256, sizeof out->sha256)) &&
        !(rc = ra_int(j, "document", "size", &size))) {
        out->size = (size_t)size;
        if (strcmp(out->sha256, digest) != 0 || size != (int64_t)doc->len) {
            kx_err_set_detail("RA document: receipt digest or size differs from what was sent");
            rc = KX_ERR_RA_BAD_REPLY;
        }
    }
    json_decref(j);
    return rc;
}

/* POST or GET on prefix + id + suffix, reading an order. */
static kx_err ra_order_op(kx_ra *ra, const char *method, const char *idem_key,
                          const char *prefix, const char *id, const char *suffix, json_t *body,
                          kx_ra_order *out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("out", out);
    if (rc) {
        json_decref(body);
        return rc;
    }
    rc = ra_call_on(ra, method, idem_key, prefix, id, suffix, body, &j);
    if (!rc)
        rc = ra_read_order(j, out);
    json_decref(j);
    return rc;
}

kx_err kx_ra_order_create(kx_ra *ra, const char *idem_key, const char *case_id,
                          kx_ra_order *out)
{
    return ra_order_op(ra, "POST", idem_key, "/v1/cases/", case_id, "/orders", json_object(),
                       out);
}

kx_err kx_ra_order_get(kx_ra *ra, const char *order_id, kx_ra_order *out)
{
    return ra_order_op(ra, "GET", NULL, "/v1/orders/", order_id, "", NULL, out);
}

kx_err kx_ra_order_cancel(kx_ra *ra, const char *idem_key, const char *order_id,
                          kx_ra_order *out)
{
    return ra_order_op(ra, "POST", idem_key, "/v1/orders/", order_id, "/cancel", json_object(),
                       out);
}

kx_err kx_ra_order_refund(kx_ra *ra, const char *idem_key, const char *order_id,
                          const char *reason, kx_ra_order *out)
{
    json_t *body = json_pack("{s:s}", "reason", ra_opt(reason));
    if (!body) {
        kx_err_set_detail("RA refund: reason is not valid UTF-8");
        return KX_ERR_INVALID_ARG;
    }
    return ra_order_op(ra, "POST", idem_key, "/v1/orders/", order_id, "/refund", body, out);
}

kx_err kx_ra_order_counter_pay(kx_ra *ra, const char *idem_key, const char *order_id,
                               const kx_ra_counter_payment *pay, kx_ra_order *out)
{
    kx_err rc = ra_need("payment", pay);
    if (rc || (rc = ra_need("staff_id", pay->staff_id)) ||
        (rc = ra_need("receipt_no", pay->receipt_no)) || (rc = ra_need("method", pay->method)))
        return rc;
    json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:s}", "staff_id", pay->staff_id,
                             "receipt_no", pay->receipt_no, "method", pay->method, "amount_fen",
                             (json_int_t)pay->amount_fen, "reason", ra_opt(pay->reason));
    if (!body) {
        kx_err_set_detail("RA counter payment: a field is not valid UTF-8");
        return KX_ERR_INVALID_ARG;
    }
    return ra_order_op(ra, "POST", idem_key, "/v1/orders/", order_id, "/counter-payment", body,
                       out);
}

/* ---- certificates ---- */

void kx_ra_cert_clear(kx_ra_cert *cert)
{
    if (!cert)
        return;
    free(cert->cert_pem);
    free(cert->chain_pem);
    memset(cert, 0, sizeof *cert);
}

static X509 *ra_pem_cert(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

/* The default SM2 user ID (GM/T 0009) as OpenSSL takes it. */
static ASN1_OCTET_STRING *ra_sm2_id(void)
{
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    if (id && !ASN1_OCTET_STRING_set(id, (const unsigned char *)"1234567812345678", 16)) {
        ASN1_OCTET_STRING_free(id);
        id = NULL;
    }
    return id;
}

/* Parse a CSR (PEM or DER). */
static X509_REQ *ra_parse_csr(const unsigned char *csr, size_t len)
{
    X509_REQ *req = NULL;
    if (len >= 10 && memcmp(csr, "-----BEGIN", 10) == 0) {
        BIO *b = BIO_new_mem_buf(csr, (int)len);
        req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        const unsigned char *p = csr;
        req = d2i_X509_REQ(NULL, &p, (long)len);
    }
    return req;
}

/* Read a certificate reply and check it: parses, chains to the returned CA
 * (signature), and (when req is given) carries the CSR's key. */
static kx_err ra_read_cert(json_t *j, X509_REQ *req, kx_ra_cert *out)
{
    const char *w = "certificate";
    kx_err rc;
    memset(out, 0, sizeof *out);
    json_t *cert = json_object_get(j, "certificate"), *chain = json_object_get(j, "chain");
    if ((rc = ra_str(j, w, "serial", out->serial, sizeof out->serial)) ||
        (rc = ra_str(j, w, "subject", out->subject, sizeof out->subject)) ||
        (rc = ra_str(j, w, "status", out->status, sizeof out->status)) ||
        (rc = ra_time(j, w, "not_before", 0, &out->not_before)) ||
        (rc = ra_time(j, w, "not_after", 0, &out->not_after)))
        return rc;
    if (!json_is_string(cert) || !json_is_string(chain))
        return ra_bad(w, "certificate/chain");
    if ((rc = ra_opt_str(j, w, "profile", out->profile, sizeof out->profile)) ||
        (rc = ra_opt_str(j, w, "usage", out->usage, sizeof out->usage)) ||
        (rc = ra_opt_str(j, w, "paired_serial", out->paired_serial,
                         sizeof out->paired_serial)) ||
        (rc = ra_opt_str(j, w, "token_serial", out->token_serial, sizeof out->token_serial)))
        return rc;
    X509 *x = ra_pem_cert(json_string_value(cert));
    X509 *ca = ra_pem_cert(json_string_value(chain));
    rc = KX_OK;
    /* an SM2 CA signs with the default user ID of GM/T 0009 */
    if (x && ca && EVP_PKEY_is_a(X509_get0_pubkey(ca), "SM2"))
        X509_set0_distinguishing_id(x, ra_sm2_id());
    if (!x || !ca || X509_verify(x, X509_get0_pubkey(ca)) != 1) {
        kx_err_set_detail("RA certificate does not parse or is not signed by the chain");
        rc = KX_ERR_RA_BAD_REPLY;
    } else if (req && EVP_PKEY_eq(X509_get0_pubkey(x), X509_REQ_get0_pubkey(req)) != 1) {
        kx_err_set_detail("RA certificate carries another key than the CSR");
        rc = KX_ERR_RA_BAD_REPLY;
    }
    X509_free(x);
    X509_free(ca);
    if (!rc) {
        out->cert_pem = strdup(json_string_value(cert));
        out->chain_pem = strdup(json_string_value(chain));
        if (!out->cert_pem || !out->chain_pem) {
            kx_ra_cert_clear(out);
            rc = KX_ERR_NO_MEMORY;
        }
    }
    return rc;
}

/* Put the CSR in body: PEM as "csr", DER as base64 "csr_der". */
static kx_err ra_csr_member(json_t *body, const unsigned char *csr, size_t len, X509_REQ **req)
{
    if (!csr || len == 0 || len > 64 * 1024 || !(*req = ra_parse_csr(csr, len))) {
        kx_err_set_detail("RA: CSR missing or not a PKCS#10 request");
        return KX_ERR_INVALID_ARG;
    }
    int pem = len >= 10 && memcmp(csr, "-----BEGIN", 10) == 0;
    char *b64 = pem ? NULL : ra_base64(csr, len);
    json_t *v = pem ? json_stringn((const char *)csr, len) : json_string(b64 ? b64 : "");
    free(b64);
    if (!v)
        return KX_ERR_INVALID_ARG;
    json_object_set_new(body, pem ? "csr" : "csr_der", v);
    return KX_OK;
}

kx_err kx_ra_cert_issue(kx_ra *ra, const char *idem_key, const char *case_id,
                        const unsigned char *csr, size_t csr_len, kx_ra_cert *out)
{
    return kx_ra_cert_renew(ra, idem_key, case_id, NULL, csr, csr_len, NULL, 0, out);
}

/* Issue (old_serial NULL) and renew share the request and reply shapes:
 * send the request, *reply the certificate reply, *req the parsed CSR
 * (both the caller's to free). */
static kx_err ra_issue_call(kx_ra *ra, const char *idem_key, const char *case_id,
                            const char *old_serial, const unsigned char *csr, size_t csr_len,
                            const unsigned char *signature, size_t signature_len,
                            json_t **reply, X509_REQ **req)
{
    kx_err rc = KX_OK;
    *reply = NULL;
    *req = NULL;
    if (old_serial && (rc = ra_need_segment("old serial", old_serial)))
        return rc;
    json_t *body = json_object();
    if (!body)
        return KX_ERR_NO_MEMORY;
    if ((rc = ra_csr_member(body, csr, csr_len, req)))
        goto out;
    if (old_serial) {
        json_object_set_new(body, "old_serial", json_string(old_serial));
        if (signature && signature_len) {
            char *b64 = ra_base64(signature, signature_len);
            if (!b64) {
                rc = KX_ERR_NO_MEMORY;
                goto out;
            }
            json_object_set_new(body, "signature", json_string(b64));
            free(b64);
        }
    }
    rc = ra_call_on(ra, "POST", idem_key, "/v1/cases/", case_id,
                    old_serial ? "/renewal" : "/certificate", body, reply);
    body = NULL;
out:
    json_decref(body);
    return rc;
}

/* ---- SM2 pairs and the enveloped key ---- */

static uint32_t ra_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The 32 leading bytes of a 64-byte field of a 256-bit value are zero. */
static int ra_field_256(const unsigned char *field)
{
    unsigned char any = 0;
    for (int i = 0; i < 32; i++)
        any |= field[i];
    return any == 0;
}

kx_err kx_ra_enveloped_key_parse(const unsigned char *blob, size_t len,
                                 kx_ra_enveloped_key *out)
{
    kx_ra_enveloped_key k;
    if (!blob || !out || len != KX_RA_EKB_LEN) {
        kx_err_set_detail("RA enveloped key: %zu bytes, not %d", blob ? len : 0, KX_RA_EKB_LEN);
        return KX_ERR_RA_BAD_REPLY;
    }
    memset(&k, 0, sizeof k);
    /* offsets: see KX_RA_EKB_LEN in ra.h */
    k.version = ra_le32(blob + 0);
    k.symm_alg_id = ra_le32(blob + 4);
    k.bits = ra_le32(blob + 8);
    memcpy(k.encrypted_priv, blob + 12, 64);
    k.pub_bits = ra_le32(blob + 76);
    memcpy(k.pub_x, blob + 80, 64);
    memcpy(k.pub_y, blob + 144, 64);
    memcpy(k.cipher_x, blob + 208, 64);
    memcpy(k.cipher_y, blob + 272, 64);
    memcpy(k.cipher_hash, blob + 336, 32);
    k.cipher_len = ra_le32(blob + 368);
    memcpy(k.cipher, blob + 372, 16);
    memcpy(k.blob, blob, KX_RA_EKB_LEN);
    if (k.version != 1 || k.symm_alg_id != KX_RA_SGD_SM4_ECB || k.bits != 256 ||
        k.pub_bits != 256 || k.cipher_len != 16 || !ra_field_256(k.pub_x) ||
        !ra_field_256(k.pub_y) || !ra_field_256(k.cipher_x) || !ra_field_256(k.cipher_y)) {
        kx_err_set_detail("RA enveloped key: not a 256-bit SM2/SM4-ECB ENVELOPEDKEYBLOB");
        kx_wipe(&k, sizeof k);
        return KX_ERR_RA_BAD_REPLY;
    }
    *out = k;
    kx_wipe(&k, sizeof k);
    return KX_OK;
}

void kx_ra_cert_pair_clear(kx_ra_cert_pair *pair)
{
    if (!pair)
        return;
    kx_ra_cert_clear(&pair->sign);
    kx_ra_cert_clear(&pair->enc);
    kx_wipe(pair, sizeof *pair);
}

/* The envelope's PubKey is the encryption certificate's key. */
static int ra_envelope_matches(const kx_ra_enveloped_key *k, const char *cert_pem)
{
    X509 *x = ra_pem_cert(cert_pem);
    EVP_PKEY *pub = x ? X509_get0_pubkey(x) : NULL;
    BIGNUM *cx = NULL, *cy = NULL, *bx = BN_bin2bn(k->pub_x + 32, 32, NULL),
           *by = BN_bin2bn(k->pub_y + 32, 32, NULL);
    int ok = pub && EVP_PKEY_is_a(pub, "SM2") &&
             EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_X, &cx) == 1 &&
             EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_Y, &cy) == 1 && bx && by &&
             BN_cmp(cx, bx) == 0 && BN_cmp(cy, by) == 0;
    BN_free(cx);
    BN_free(cy);
    BN_free(bx);
    BN_free(by);
    X509_free(x);
    return ok;
}

/* Read an issuance reply: the certificate, and for sm2-dual the
 * encryption certificate and the enveloped key, cross-checked. */
static kx_err ra_read_pair(json_t *j, X509_REQ *req, kx_ra_cert_pair *out)
{
    const char *w = "certificate pair";
    kx_ra_cert_pair p;
    kx_err rc;
    memset(&p, 0, sizeof p);
    if ((rc = ra_read_cert(j, req, &p.sign)))
        return rc;
    kx_strlcpy(p.profile, p.sign.profile, sizeof p.profile);
    json_t *enc = json_object_get(j, "encryption"), *env = json_object_get(j, "enveloped_key");
    p.dual = strcmp(p.profile, "sm2-dual") == 0;
    if (!p.dual && (enc || env)) {
        rc = ra_bad(w, "profile");
    } else if (p.dual) {
        char fmt[KX_RA_SHORT_MAX];
        size_t len = 0;
        unsigned char *blob = NULL;
        if (!json_is_object(enc) || !json_is_string(env) || json_string_length(env) > 1024 ||
            ra_str(j, w, "enveloped_key_format", fmt, sizeof fmt) ||
            strcmp(fmt, "gmt0016-envelopedkeyblob") != 0) {
            rc = ra_bad(w, "encryption/enveloped_key");
        } else if ((rc = ra_read_cert(enc, NULL, &p.enc))) {
            /* detail set */
        } else if (strcmp(p.sign.usage, "signature") != 0 ||
                   strcmp(p.enc.usage, "encryption") != 0 ||
                   strcmp(p.sign.paired_serial, p.enc.serial) != 0 ||
                   strcmp(p.enc.paired_serial, p.sign.serial) != 0 ||
                   strcmp(p.sign.chain_pem, p.enc.chain_pem) != 0 ||
                   (req && !EVP_PKEY_is_a(X509_REQ_get0_pubkey(req), "SM2"))) {
            rc = ra_bad(w, "usage/paired_serial/chain");
        } else if (!(blob = ra_unbase64(json_string_value(env), &len))) {
            rc = ra_bad(w, "enveloped_key");
        } else if (!(rc = kx_ra_enveloped_key_parse(blob, len, &p.enveloped)) &&
                   !ra_envelope_matches(&p.enveloped, p.enc.cert_pem)) {
            kx_err_set_detail("RA enveloped key: its public key is not the encryption "
                              "certificate's");
            rc = KX_ERR_RA_BAD_REPLY;
        }
        if (blob)
            kx_wipe(blob, len);
        free(blob);
    }
    if (rc) {
        kx_ra_cert_pair_clear(&p);
        return rc;
    }
    *out = p;
    return KX_OK;
}

static kx_err ra_pair_op(kx_ra *ra, const char *idem_key, const char *case_id,
                         const char *old_serial, const unsigned char *csr, size_t csr_len,
                         const unsigned char *signature, size_t signature_len,
                         kx_ra_cert_pair *out)
{
    json_t *j = NULL;
    X509_REQ *req = NULL;
    kx_err rc = ra_need("out", out);
    if (!rc)
        rc = ra_issue_call(ra, idem_key, case_id, old_serial, csr, csr_len, signature,
                           signature_len, &j, &req);
    if (!rc)
        rc = ra_read_pair(j, req, out);
    json_decref(j);
    X509_REQ_free(req);
    return rc;
}

/* The single-certificate calls read the same reply (every check of the
 * pair included) and keep the signing (or only) certificate. */
kx_err kx_ra_cert_renew(kx_ra *ra, const char *idem_key, const char *case_id,
                        const char *old_serial, const unsigned char *csr, size_t csr_len,
                        const unsigned char *signature, size_t signature_len, kx_ra_cert *out)
{
    kx_ra_cert_pair p;
    memset(&p, 0, sizeof p);
    kx_err rc = ra_need("out", out);
    if (!rc)
        rc = ra_pair_op(ra, idem_key, case_id, old_serial, csr, csr_len, signature,
                        signature_len, &p);
    if (!rc) {
        *out = p.sign;
        memset(&p.sign, 0, sizeof p.sign);
    }
    kx_ra_cert_pair_clear(&p);
    return rc;
}

kx_err kx_ra_cert_issue_pair(kx_ra *ra, const char *idem_key, const char *case_id,
                             const unsigned char *csr, size_t csr_len, kx_ra_cert_pair *out)
{
    return ra_pair_op(ra, idem_key, case_id, NULL, csr, csr_len, NULL, 0, out);
}

kx_err kx_ra_cert_renew_pair(kx_ra *ra, const char *idem_key, const char *case_id,
                             const char *old_serial, const unsigned char *csr, size_t csr_len,
                             const unsigned char *signature, size_t signature_len,
                             kx_ra_cert_pair *out)
{
    return ra_pair_op(ra, idem_key, case_id, old_serial ? old_serial : "", csr, csr_len,
                      signature, signature_len, out);
}

kx_err kx_ra_cert_get(kx_ra *ra, const char *serial, kx_ra_cert *out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("out", out);
    if (rc)
        return rc;
    if (!(rc = ra_call_on(ra, "GET", NULL, "/v1/certificates/", serial, "", NULL, &j)))
        rc = ra_read_cert(j, NULL, out);
    json_decref(j);
    return rc;
}

kx_err kx_ra_cert_revoke(kx_ra *ra, const char *idem_key, const char *case_id,
                         const char *serial, kx_ra_revoke_reason reason,
                         int64_t *revoked_at_out)
{
    char status[KX_RA_SHORT_MAX], got_serial[KX_RA_SERIAL_MAX];
    json_t *j = NULL;
    int64_t at = 0;
    kx_err rc = ra_need_segment("case id", case_id);
    if (rc)
        return rc;
    if (strcmp(kx_ra_revoke_reason_id(reason), "unknown") == 0) {
        kx_err_set_detail("RA revoke: unknown reason %d", (int)reason);
        return KX_ERR_INVALID_ARG;
    }
    json_t *body =
        json_pack("{s:s, s:s}", "case_id", case_id, "reason", kx_ra_revoke_reason_id(reason));
    if ((rc = ra_call_on(ra, "POST", idem_key, "/v1/certificates/", serial, "/revoke", body,
                         &j)))
        return rc;
    if (!(rc = ra_str(j, "revocation", "status", status, sizeof status)) &&
        !(rc = ra_str(j, "revocation", "serial", got_serial, sizeof got_serial)) &&
        !(rc = ra_time(j, "revocation", "revoked_at", 0, &at))) {
        if (strcmp(status, "revoked") != 0 || strcasecmp(got_serial, serial) != 0)
            rc = ra_bad("revocation", "status/serial");
        else if (revoked_at_out)
            *revoked_at_out = at;
    }
    json_decref(j);
    return rc;
}

/* GET path: a CRL reply, its PEM checked to parse. */
static kx_err ra_crl_get(kx_ra *ra, const char *path, char **pem_out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("handle/out", ra && pem_out ? pem_out : NULL);
    if (rc || (rc = ra_call(ra, "GET", path, NULL, NULL, &j)))
        return rc;
    *pem_out = NULL;
    json_t *v = json_object_get(j, "crl");
    BIO *b = json_is_string(v) ? BIO_new_mem_buf(json_string_value(v), -1) : NULL;
    X509_CRL *crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
    if (!crl) {
        rc = ra_bad("crl", "crl");
    } else if (!(*pem_out = strdup(json_string_value(v)))) {
        rc = KX_ERR_NO_MEMORY;
    }
    X509_CRL_free(crl);
    BIO_free(b);
    json_decref(j);
    return rc;
}

kx_err kx_ra_crl_fetch(kx_ra *ra, char **pem_out)
{
    return ra_crl_get(ra, "/v1/crl", pem_out);
}

kx_err kx_ra_crl_fetch_sm2(kx_ra *ra, char **pem_out)
{
    return ra_crl_get(ra, "/v1/crl/sm2", pem_out);
}

kx_err kx_ra_token_unlock(kx_ra *ra, const char *idem_key, const char *case_id,
                          const char *token_serial, kx_secbuf *so_pin)
{
    char got[KX_RA_NAME_MAX];
    json_t *j = NULL;
    kx_err rc = ra_need("secbuf", so_pin);
    if (rc || (rc = ra_need_segment("token serial", token_serial)))
        return rc;
    json_t *body = json_pack("{s:s}", "token_serial", token_serial);
    if ((rc = ra_call_on(ra, "POST", idem_key, "/v1/cases/", case_id, "/unlock", body, &j)))
        return rc;
    json_t *pin = json_object_get(j, "so_pin");
    if ((rc = ra_str(j, "unlock", "token_serial", got, sizeof got)) ||
        strcmp(got, token_serial) != 0 || !json_is_string(pin) ||
        json_string_length(pin) == 0 || json_string_length(pin) > so_pin->cap) {
        rc = ra_bad("unlock", "token_serial/so_pin");
    } else {
        rc = kx_secbuf_set(so_pin, json_string_value(pin), json_string_length(pin));
    }
    if (json_is_string(pin))
        kx_wipe((void *)(uintptr_t)json_string_value(pin), json_string_length(pin));
    json_decref(j);
    return rc;
}

/* ---- an enterprise's certificates ---- */

static kx_err ra_read_cert_summary(json_t *o, kx_ra_cert_summary *c)
{
    const char *w = "certificate list";
    kx_err rc;
    memset(c, 0, sizeof *c);
    if ((rc = ra_str(o, w, "serial", c->serial, sizeof c->serial)) ||
        (rc = ra_str(o, w, "subject", c->subject, sizeof c->subject)) ||
        (rc = ra_time(o, w, "not_before", 0, &c->not_before)) ||
        (rc = ra_time(o, w, "not_after", 0, &c->not_after)) ||
        (rc = ra_str(o, w, "profile", c->profile, sizeof c->profile)) ||
        (rc = ra_str(o, w, "usage", c->usage, sizeof c->usage)) ||
        (rc = ra_str(o, w, "paired_serial", c->paired_serial, sizeof c->paired_serial)) ||
        (rc = ra_str(o, w, "token_serial", c->token_serial, sizeof c->token_serial)))
        return rc;
    if (!c->serial[0] || c->not_after < c->not_before)
        return ra_bad(w, "serial/validity");
    return KX_OK;
}

static kx_err ra_read_cert_list(json_t *j, const char *code, kx_ra_cert_list *out)
{
    char got[KX_RA_CODE_MAX];
    json_t *list = json_object_get(j, "certificates"), *v;
    size_t i;
    kx_err rc = ra_str(j, "certificate list", "credit_code", got, sizeof got);
    if (rc)
        return rc;
    if ((code && strcmp(got, code) != 0) || !json_is_array(list) ||
        json_array_size(list) > KX_RA_CERT_LIST_MAX)
        return ra_bad("certificate list", "credit_code/certificates");
    kx_ra_cert_list *tmp = calloc(1, sizeof *tmp);
    if (!tmp)
        return KX_ERR_NO_MEMORY;
    json_array_foreach(list, i, v)
    {
        if (!rc)
            rc = ra_read_cert_summary(v, &tmp->certs[i]);
    }
    tmp->count = (int)json_array_size(list);
    if (!rc)
        *out = *tmp;
    free(tmp);
    return rc;
}

kx_err kx_ra_enterprise_certs(kx_ra *ra, const char *credit_code, kx_ra_cert_list *out)
{
    json_t *j = NULL;
    char path[128];
    kx_err rc = ra_need("out", out);
    if (rc || (rc = ra_need_segment("credit code", credit_code)))
        return rc;
    snprintf(path, sizeof path, "/v1/enterprises/%s/certificates", credit_code);
    if (!(rc = ra_call(ra, "GET", path, NULL, NULL, &j)))
        rc = ra_read_cert_list(j, credit_code, out);
    json_decref(j);
    return rc;
}

kx_err kx_ra_cert_installed(kx_ra *ra, const char *idem_key, const char *serial,
                            const char *token_serial)
{
    json_t *j = NULL;
    kx_ra_cert c;
    kx_err rc = ra_need_segment("token serial", token_serial);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:s}", "token_serial", token_serial);
    if (!(rc = ra_call_on(ra, "POST", idem_key, "/v1/certificates/", serial, "/install", body,
                          &j)) &&
        !(rc = ra_read_cert(j, NULL, &c))) {
        if (strcmp(c.token_serial, token_serial) != 0 || strcasecmp(c.serial, serial) != 0)
            rc = ra_bad("install", "serial/token_serial");
        kx_ra_cert_clear(&c);
    }
    json_decref(j);
    return rc;
}

/* ---- electronic seals ---- */

void kx_ra_seal_set_clear(kx_ra_seal_set *set)
{
    if (!set)
        return;
    for (int i = 0; i < KX_RA_SEAL_MAX; i++)
        free(set->seals[i].der);
    free(set->maker_cert_pem);
    free(set->maker_chain_pem);
    memset(set, 0, sizeof *set);
}

static kx_err ra_read_seal(json_t *o, kx_ra_seal *seal)
{
    const char *w = "seal";
    char kind[KX_RA_SHORT_MAX], digest[KX_RA_SHA256_HEX];
    int64_t type = 0, wmm = 0, hmm = 0;
    kx_err rc;
    if ((rc = ra_str(o, w, "kind", kind, sizeof kind)) ||
        (rc = ra_str(o, w, "es_id", seal->es_id, sizeof seal->es_id)) ||
        (rc = ra_int(o, w, "type", &type)) ||
        (rc = ra_str(o, w, "name", seal->name, sizeof seal->name)) ||
        (rc = ra_str(o, w, "cert_serial", seal->cert_serial, sizeof seal->cert_serial)) ||
        (rc = ra_time(o, w, "valid_start", 0, &seal->valid_start)) ||
        (rc = ra_time(o, w, "valid_end", 0, &seal->valid_end)) ||
        (rc = ra_int(o, w, "width_mm", &wmm)) || (rc = ra_int(o, w, "height_mm", &hmm)) ||
        (rc = ra_str(o, w, "signature_algorithm", seal->signature_algorithm,
                     sizeof seal->signature_algorithm)) ||
        (rc = ra_str(o, w, "sha256", seal->sha256, sizeof seal->sha256)))
        return rc;
    if (strcmp(kind, "seal_company") == 0)
        seal->kind = KX_RA_DOC_SEAL_COMPANY;
    else if (strcmp(kind, "seal_legal_rep") == 0)
        seal->kind = KX_RA_DOC_SEAL_LEGAL_REP;
    else if (strcmp(kind, "signature_legal_rep") == 0)
        seal->kind = KX_RA_DOC_SIGNATURE_LEGAL_REP;
    else
        return ra_bad(w, "kind");
    if ((type != 1 && type != 2) || wmm <= 0 || wmm > 1000 || hmm <= 0 || hmm > 1000 ||
        seal->valid_end <= seal->valid_start)
        return ra_bad(w, "type/size/validity");
    seal->type = (int)type;
    seal->width_mm = (long)wmm;
    seal->height_mm = (long)hmm;
    json_t *der = json_object_get(o, "der");
    if (!json_is_string(der) || json_string_length(der) > KX_RA_SEAL_DER_MAX / 3 * 4 + 4 ||
        !(seal->der = ra_unbase64(json_string_value(der), &seal->der_len)))
        return ra_bad(w, "der");
    ra_sha256_hex(seal->der, seal->der_len, digest);
    if (strcmp(digest, seal->sha256) != 0 || seal->der_len < 2 || seal->der[0] != 0x30) {
        kx_err_set_detail("RA seal: digest mismatch or not a DER SEQUENCE");
        return KX_ERR_RA_BAD_REPLY;
    }
    return KX_OK;
}

static kx_err ra_read_seals(json_t *j, const char *case_id, kx_ra_seal_set *out)
{
    const char *w = "seals";
    char got[KX_RA_ID_MAX];
    json_t *list = json_object_get(j, "seals"), *v;
    json_t *maker = json_object_get(j, "maker_certificate"),
           *chain = json_object_get(j, "maker_chain");
    size_t i;
    kx_ra_seal_set set;
    memset(&set, 0, sizeof set);
    kx_err rc = ra_str(j, w, "case_id", got, sizeof got);
    if (!rc && ((case_id && strcmp(got, case_id) != 0) || !json_is_array(list) ||
                json_array_size(list) == 0 || json_array_size(list) > KX_RA_SEAL_MAX ||
                !json_is_string(maker) || !json_is_string(chain)))
        rc = ra_bad(w, "case_id/seals/maker");
    json_array_foreach(list, i, v)
    {
        if (!rc && i < KX_RA_SEAL_MAX) {
            rc = ra_read_seal(v, &set.seals[i]);
            set.count = (int)i + 1;
        }
    }
    if (!rc) {
        X509 *m = ra_pem_cert(json_string_value(maker));
        X509 *ca = ra_pem_cert(json_string_value(chain));
        if (m && ca && EVP_PKEY_is_a(X509_get0_pubkey(ca), "SM2"))
            X509_set0_distinguishing_id(m, ra_sm2_id());
        if (!m || !ca || X509_verify(m, X509_get0_pubkey(ca)) != 1) {
            kx_err_set_detail("RA seals: the maker certificate is not signed by its chain");
            rc = KX_ERR_RA_BAD_REPLY;
        }
        X509_free(m);
        X509_free(ca);
    }
    if (!rc) {
        set.maker_cert_pem = strdup(json_string_value(maker));
        set.maker_chain_pem = strdup(json_string_value(chain));
        if (!set.maker_cert_pem || !set.maker_chain_pem)
            rc = KX_ERR_NO_MEMORY;
    }
    if (rc) {
        kx_ra_seal_set_clear(&set);
        return rc;
    }
    *out = set;
    return KX_OK;
}

static kx_err ra_seals_op(kx_ra *ra, const char *method, const char *idem_key,
                          const char *case_id, json_t *body, kx_ra_seal_set *out)
{
    json_t *j = NULL;
    kx_err rc = ra_need("out", out);
    if (rc) {
        json_decref(body);
        return rc;
    }
    if (!(rc = ra_call_on(ra, method, idem_key, "/v1/cases/", case_id, "/seals", body, &j)))
        rc = ra_read_seals(j, case_id, out);
    json_decref(j);
    return rc;
}

kx_err kx_ra_seals_make(kx_ra *ra, const char *idem_key, const char *case_id,
                        kx_ra_seal_set *out)
{
    return ra_seals_op(ra, "POST", idem_key, case_id, json_object(), out);
}

kx_err kx_ra_seals_get(kx_ra *ra, const char *case_id, kx_ra_seal_set *out)
{
    return ra_seals_op(ra, "GET", NULL, case_id, NULL, out);
}

/* ---- 5. test and fuzz entry ---- */

kx_err kx_ra_parse_pair_reply_any(const unsigned char *body, size_t len)
{
    kx_ra_enveloped_key k;
    kx_ra_cert_pair p;
    int accepted = kx_ra_enveloped_key_parse(body, len, &k) == KX_OK;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
    memset(&p, 0, sizeof p);
    if (json_is_object(j) && ra_read_pair(j, NULL, &p) == KX_OK) {
        accepted = 1;
        kx_ra_cert_pair_clear(&p);
    }
    json_decref(j);
    kx_wipe(&k, sizeof k);
    return accepted ? KX_OK : KX_ERR_RA_BAD_REPLY;
}

kx_err kx_ra_parse_reply_any(const char *body, size_t len)
{
    json_error_t jerr;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(j)) {
        json_decref(j);
        return KX_ERR_RA_BAD_REPLY;
    }
    kx_ra_case c;
    kx_ra_order o;
    kx_ra_cert cert;
    kx_ra_health h;
    kx_ra_enterprise e;
    int accepted = 0;
    accepted += ra_read_case(j, &c) == KX_OK;
    accepted += ra_read_order(j, &o) == KX_OK;
    if (ra_read_cert(j, NULL, &cert) == KX_OK) {
        accepted++;
        kx_ra_cert_clear(&cert);
    }
    accepted += ra_str(j, "health", "status", h.status, sizeof h.status) == KX_OK &&
                ra_time(j, "health", "time", 0, &h.server_time) == KX_OK;
    accepted +=
        ra_str(j, "enterprise", "credit_code", e.credit_code, sizeof e.credit_code) == KX_OK;
    kx_ra_seal_set seals;
    if (ra_read_seals(j, NULL, &seals) == KX_OK) {
        accepted++;
        kx_ra_seal_set_clear(&seals);
    }
    kx_ra_cert_list *list = calloc(1, sizeof *list);
    accepted += list && ra_read_cert_list(j, NULL, list) == KX_OK;
    free(list);
    ra_buf b = {(char *)(uintptr_t)body, len, len, 0};
    kx_ra ra_err;
    memset(&ra_err, 0, sizeof ra_err);
    ra_read_error(&ra_err, &b);
    json_decref(j);
    return accepted ? KX_OK : KX_ERR_RA_BAD_REPLY;
}
