/* SPDX-License-Identifier: MIT */
/*
 * parse_client.c - starts kiosk-parse, sends it requests and checks its
 * replies (parse_client.h). Sections: starting and stopping the helper;
 * one request (write, read with a deadline, the helper's death); the
 * typed calls.
 */
#include "parse_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "parse_proto.h"
#include "sandbox.h"

#define CLIENT_FD_IN_HELPER 3
#define CLIENT_ENV_MAX 8

struct kx_parse_client {
    pthread_mutex_t lock;
    char path[512];
    int fd;    /* our end of the socketpair, -1 when no helper runs */
    pid_t pid; /* the helper, 0 when none */
    int timeout_ms;
    kx_parse_stats stats;
};

/* ---- starting and stopping the helper ---- */

static void client_env(char *env[CLIENT_ENV_MAX], char store[][256])
{
    static const char *const names[] = {"KX_LOG_LEVEL", "ASAN_OPTIONS",  "UBSAN_OPTIONS",
                                        "LSAN_OPTIONS", "KX_PARSE_TEST", "KX_DOCCHECK_OCR"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && n + 1 < CLIENT_ENV_MAX; i++) {
        const char *v = getenv(names[i]);
        if (v && snprintf(store[n], 256, "%s=%s", names[i], v) < 256) {
            env[n] = store[n];
            n++;
        }
    }
    env[n] = NULL;
}

static kx_err client_start(kx_parse_client *c)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        kx_err_set_detail("parse helper: socketpair: %s", strerror(errno));
        return KX_ERR_INTERNAL;
    }
    /* dup2 onto itself would keep close-on-exec set */
    if (sv[1] == CLIENT_FD_IN_HELPER) {
        int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, CLIENT_FD_IN_HELPER + 1);
        close(sv[1]);
        sv[1] = moved;
    }
    char store[CLIENT_ENV_MAX][256], *env[CLIENT_ENV_MAX];
    client_env(env, store);
    char *argv[] = {"kiosk-parse", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], CLIENT_FD_IN_HELPER);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    pid_t pid = 0;
    int e = sv[1] < 0 ? EMFILE : posix_spawn(&pid, c->path, &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (sv[1] >= 0)
        close(sv[1]);
    if (e) {
        close(sv[0]);
        kx_err_set_detail("parse helper %s cannot start: %s", c->path, strerror(e));
        return KX_ERR_INTERNAL;
    }
    c->fd = sv[0];
    c->pid = pid;
    c->stats.starts++;
    c->stats.pid = (int)pid;
    kx_log_info("parse.start", "pid=%d", (int)pid);
    return KX_OK;
}

/* end the helper: close its socket (it exits), or kill it, and reap it;
 * dead: it died or misbehaved mid-request (counted) */
static void client_stop(kx_parse_client *c, int kill_it, int dead)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->pid > 0) {
        if (kill_it)
            kill(c->pid, SIGKILL);
        int status = 0;
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (dead) {
            c->stats.deaths++;
            c->stats.last_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
            c->stats.last_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
    }
    c->pid = 0;
    c->stats.pid = 0;
}

/* the helper beside the running program (bin/../libexec/jxca-kiosk), else
 * the installed path */
static void client_default_path(char *out, size_t outsz)
{
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    kx_strlcpy(out, KX_PARSE_HELPER_INSTALLED, outsz);
    if (n <= 0)
        return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = 0;
    char beside[1024];
    if (snprintf(beside, sizeof beside, "%s/%s", exe, KX_PARSE_HELPER_RELATIVE) <
            (int)sizeof beside &&
        access(beside, X_OK) == 0)
        kx_strlcpy(out, beside, outsz);
}

kx_err kx_parse_client_new(const char *helper_path, kx_parse_client **out)
{
    kx_parse_client *c = calloc(1, sizeof *c);
    if (!c)
        return KX_ERR_NO_MEMORY;
    pthread_mutex_init(&c->lock, NULL);
    c->fd = -1;
    c->timeout_ms = 20000;
    if (helper_path)
        kx_strlcpy(c->path, helper_path, sizeof c->path);
    else
        client_default_path(c->path, sizeof c->path);
    kx_err rc = client_start(c);
    if (rc) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return rc;
    }
    *out = c;
    return KX_OK;
}

void kx_parse_client_free(kx_parse_client *c)
{
    if (!c)
        return;
    client_stop(c, 0, 0);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void kx_parse_client_set_timeout(kx_parse_client *c, int timeout_ms)
{
    pthread_mutex_lock(&c->lock);
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 20000;
    pthread_mutex_unlock(&c->lock);
}

void kx_parse_client_stats(kx_parse_client *c, kx_parse_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}

/* ---- one request ---- */

static long client_ms_left(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000L +
           (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

/* 0, or -1 on EOF/error, -2 on timeout */
static int client_io(int fd, int writing, void *buf, size_t n, const struct timespec *deadline)
{
    uint8_t *p = buf;
    while (n) {
        long left = client_ms_left(deadline);
        if (left <= 0)
            return -2;
        struct pollfd pfd = {fd, (short)(writing ? POLLOUT : POLLIN), 0};
        int pr = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -1;
        if (pr == 0)
            continue;
        ssize_t r = writing ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* the statuses a kind may answer */
static int client_status_ok(int kind, kx_err st)
{
    switch (st) {
    case KX_OK:
    case KX_ERR_INVALID_ARG:
    case KX_ERR_NO_MEMORY:
    case KX_ERR_TOO_LARGE:
    case KX_ERR_BAD_FORMAT:
        return 1;
    case KX_ERR_IMAGE_UNREADABLE:
        return kind != KX_PARSE_IDCARD;
    case KX_ERR_NO_QR:
        return kind == KX_PARSE_LICENCE;
    case KX_ERR_NO_TABLE:
        return kind == KX_PARSE_SEALSHEET;
    case KX_ERR_CARD_READ:
        return kind == KX_PARSE_IDCARD;
    case KX_ERR_NO_CARD:
        return kind == KX_PARSE_CARDCROP;
    default:
        return kind >= KX_PARSE_TEST_CRASH;
    }
}

/* the error a request gets when its helper failed: io -1 the socket
 * closed (it died), -2 no answer in time, -3 a reply outside the protocol */
static kx_err client_failed(kx_parse_client *c, int kind, int io)
{
    int timed_out = io == -2;
    client_stop(c, 1, 1);
    char why[64];
    if (io == -3)
        snprintf(why, sizeof why, "answered outside the protocol (killed)");
    else if (timed_out)
        snprintf(why, sizeof why, "gave no answer within %d ms", c->timeout_ms);
    else if (c->stats.last_signal)
        snprintf(why, sizeof why, "died of signal %d (%s)", c->stats.last_signal,
                 strsignal(c->stats.last_signal));
    else
        snprintf(why, sizeof why, "ended (exit %d) or broke the protocol", c->stats.last_exit);
    kx_log_warn("parse.helper_died", "kind=%d signal=%d timeout=%d", kind, c->stats.last_signal,
                timed_out);
    /* the next request finds a helper ready */
    kx_err rc = client_start(c);
    if (rc)
        kx_log_error("parse.restart", "result=%s detail=%s", kx_err_name(rc), kx_err_detail());
    kx_err_set_detail("the parsing helper %s on this input; restarted", why);
    if (timed_out)
        return KX_ERR_TIMEOUT;
    return kind == KX_PARSE_IDCARD ? KX_ERR_CARD_READ : KX_ERR_IMAGE_UNREADABLE;
}

/* the helper's CPU seconds so far (user and system, /proc/PID/stat), -1
 * when unknown */
static double client_cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    double secs = -1;
    (void)snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        (void)fclose(f);
    buf[n] = 0;
    /* after the command's closing parenthesis: state, then fields 4..; utime
     * and stime are fields 14 and 15 */
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p &&
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
        secs = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return secs;
}

/* send kind+param+head(+body), receive the reply: the helper's status,
 * its result bytes in *reply (KX_OK, and a licence's NO_QR/TOO_LARGE) */
static kx_err client_call(kx_parse_client *c, int kind, int param, const uint8_t *head,
                          size_t head_len, const uint8_t *body, size_t body_len,
                          uint8_t **reply, size_t *reply_len)
{
    *reply = NULL;
    *reply_len = 0;
    if (head_len + body_len > KX_PARSE_MAX_REQUEST) {
        kx_err_set_detail("input of %zu bytes is over the parsing limit", head_len + body_len);
        return KX_ERR_TOO_LARGE;
    }
    /* a helper half way to its CPU limit is replaced before it is hit */
    if (c->pid > 0 && client_cpu_seconds(c->pid) > KX_SANDBOX_CPU_SECONDS / 2.0) {
        kx_log_info("parse.recycle", "pid=%d reason=cpu", (int)c->pid);
        client_stop(c, 0, 0);
    }
    if (c->pid <= 0) {
        kx_err rc = client_start(c);
        if (rc)
            return rc;
    }
    c->stats.requests++;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += c->timeout_ms / 1000;
    deadline.tv_nsec += (long)(c->timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    uint32_t h[4] = {KX_PARSE_MAGIC, (uint32_t)kind, (uint32_t)param,
                     (uint32_t)(head_len + body_len)};
    int io = client_io(c->fd, 1, h, sizeof h, &deadline);
    if (!io && head_len)
        io = client_io(c->fd, 1, (void *)(uintptr_t)head, head_len, &deadline);
    if (!io && body_len)
        io = client_io(c->fd, 1, (void *)(uintptr_t)body, body_len, &deadline);
    uint32_t r[4] = {0};
    if (!io)
        io = client_io(c->fd, 0, r, sizeof r, &deadline);
    kx_err st = (kx_err)(int32_t)r[2];
    if (!io && (r[0] != KX_PARSE_MAGIC || r[1] != (uint32_t)kind || r[3] > KX_PARSE_MAX_REPLY ||
                !client_status_ok(kind, st)))
        io = -3; /* not our protocol: the helper is not to be trusted any more */
    uint8_t *buf = NULL;
    if (!io && r[3]) {
        buf = malloc(r[3]);
        io = buf ? client_io(c->fd, 0, buf, r[3], &deadline) : -1;
    }
    if (io) {
        free(buf);
        return client_failed(c, kind, io);
    }
    int result = st == KX_OK || (kind == KX_PARSE_LICENCE &&
                                 (st == KX_ERR_NO_QR || st == KX_ERR_TOO_LARGE) && r[3]);
    if (!result) {
        /* the helper's detail: printable text at most KX_PARSE_MAX_DETAIL */
        char d[KX_PARSE_MAX_DETAIL + 1];
        size_t n = r[3] < KX_PARSE_MAX_DETAIL ? r[3] : KX_PARSE_MAX_DETAIL;
        for (size_t i = 0; i < n; i++)
            d[i] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? (char)buf[i] : '?';
        d[n] = 0;
        free(buf);
        kx_err_set_detail("%s", d);
        return st;
    }
    *reply = buf;
    *reply_len = r[3];
    return st;
}

/* ---- the typed calls ---- */

kx_err kx_parse_request(kx_parse_client *c, int kind, int param, const uint8_t *buf, size_t len,
                        uint8_t **reply, size_t *reply_len)
{
    if (!c || (!buf && len) || !reply || !reply_len)
        return KX_ERR_INVALID_ARG;
    pthread_mutex_lock(&c->lock);
    kx_err rc = client_call(c, kind, param, NULL, 0, buf, len, reply, reply_len);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* a request whose input is buf, or img as a raw image (then param gets
 * KX_PARSE_IN_PIXELS); the reply read by get(r, arg) */
typedef kx_err (*client_get_fn)(kx_rbuf *r, void *arg);

static kx_err client_typed(kx_parse_client *c, int kind, int param, const uint8_t *buf,
                           size_t len, const kx_image *img, client_get_fn get, void *arg)
{
    if (!c || (!buf && !img) || (img && (!img->data || img->width < 1 || img->height < 1)))
        return KX_ERR_INVALID_ARG;
    kx_wbuf w = {0};
    const uint8_t *body = buf;
    size_t body_len = len;
    if (img) {
        /* header only; the rows follow without another copy when packed */
        size_t row = (size_t)img->width * (size_t)img->channels;
        if (img->stride == row) {
            kx_wbuf_i32(&w, img->width);
            kx_wbuf_i32(&w, img->height);
            kx_wbuf_i32(&w, img->channels);
            kx_wbuf_f64(&w, img->dpi);
            body = img->data;
            body_len = row * (size_t)img->height;
        } else {
            kx_wbuf_image(&w, img);
            body = NULL;
            body_len = 0;
        }
        param |= KX_PARSE_IN_PIXELS;
        if (w.failed) {
            kx_wbuf_free(&w);
            return KX_ERR_NO_MEMORY;
        }
    }
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    pthread_mutex_lock(&c->lock);
    kx_err rc = client_call(c, kind, param, w.data, w.len, body, body_len, &reply, &reply_len);
    /* a result is due with KX_OK (and a licence's NO_QR/TOO_LARGE) */
    if (reply || rc == KX_OK) {
        kx_rbuf r = {reply, reply_len, 0, 0};
        kx_err got = get(&r, arg);
        if (got) {
            /* a reply of the wrong shape: the helper is not to be trusted */
            char d[256];
            kx_strlcpy(d, kx_err_detail(), sizeof d);
            client_stop(c, 1, 1);
            kx_log_warn("parse.bad_reply", "kind=%d detail=%s", kind, d);
            if (client_start(c))
                kx_log_error("parse.restart", "detail=%s", kx_err_detail());
            kx_err_set_detail("%s", d);
            rc = kind == KX_PARSE_IDCARD ? KX_ERR_CARD_READ : KX_ERR_IMAGE_UNREADABLE;
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(reply);
    kx_wbuf_free(&w);
    return rc;
}

static kx_err client_get_image(kx_rbuf *r, void *arg)
{
    kx_err rc = kx_rbuf_image(r, arg);
    if (!rc && r->pos != r->len) {
        kx_image_free(*(kx_image **)arg);
        *(kx_image **)arg = NULL;
        kx_err_set_detail("parse reply: image longer than its header");
        rc = KX_ERR_BAD_FORMAT;
    }
    return rc;
}

static kx_err client_get_licence(kx_rbuf *r, void *arg)
{
    return kx_parse_get_licence(r, arg);
}

static kx_err client_get_sealsheet(kx_rbuf *r, void *arg)
{
    return kx_parse_get_sealsheet(r, arg);
}

static kx_err client_get_idcard(kx_rbuf *r, void *arg)
{
    return kx_parse_get_idcard(r, arg);
}

kx_err kx_parse_image(kx_parse_client *c, const uint8_t *buf, size_t len, int gray,
                      kx_image **out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    return client_typed(c, KX_PARSE_IMAGE, gray ? KX_PARSE_GRAY : 0, buf, len, NULL,
                        client_get_image, out);
}

static kx_err client_licence(kx_parse_client *c, const uint8_t *buf, size_t len,
                             const kx_image *img, kx_licence_qr *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->uscc_status = KX_LICENCE_USCC_ABSENT;
    kx_err rc = client_typed(c, KX_PARSE_LICENCE, 0, buf, len, img, client_get_licence, out);
    /* the helper's word on found must agree with its status */
    if ((rc == KX_OK) != (out->found == 1)) {
        if (rc == KX_OK) {
            kx_err_set_detail("parse reply: a read without a code");
            rc = KX_ERR_IMAGE_UNREADABLE;
        }
        memset(out, 0, sizeof *out);
        out->uscc_status = KX_LICENCE_USCC_ABSENT;
    }
    return rc;
}

kx_err kx_parse_licence(kx_parse_client *c, const uint8_t *buf, size_t len, kx_licence_qr *out)
{
    return client_licence(c, buf, len, NULL, out);
}

kx_err kx_parse_licence_image(kx_parse_client *c, const kx_image *img, kx_licence_qr *out)
{
    return client_licence(c, NULL, 0, img, out);
}

static kx_err client_sealsheet(kx_parse_client *c, const uint8_t *buf, size_t len,
                               const kx_image *img, double dpi, kx_sealsheet_result **out)
{
    if (!out || dpi > 2400)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    /* dpi in thousandths above the flag bits (parse_proto.h) */
    int param = dpi > 0 ? (int)(dpi * 1000.0 + 0.5) << KX_PARSE_FLAG_BITS : 0;
    return client_typed(c, KX_PARSE_SEALSHEET, param, buf, len, img, client_get_sealsheet, out);
}

kx_err kx_parse_sealsheet(kx_parse_client *c, const uint8_t *buf, size_t len, double dpi,
                          kx_sealsheet_result **out)
{
    return client_sealsheet(c, buf, len, NULL, dpi, out);
}

kx_err kx_parse_sealsheet_image(kx_parse_client *c, const kx_image *img, double dpi,
                                kx_sealsheet_result **out)
{
    return client_sealsheet(c, NULL, 0, img, dpi, out);
}

static kx_err client_get_doccheck(kx_rbuf *r, void *arg)
{
    return kx_parse_get_doccheck(r, arg);
}

kx_err kx_parse_doccheck_image(kx_parse_client *c, const kx_image *img, int wanted,
                               kx_parse_doc *out)
{
    if (!out || !img || wanted < KX_PAGE_UNKNOWN || wanted >= KX_PAGE_KIND_COUNT)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    kx_err rc = client_typed(c, KX_PARSE_DOCCHECK, wanted << KX_PARSE_FLAG_BITS, NULL, 0, img,
                             client_get_doccheck, out);
    /* the signature field comes with the letter asked for, and only then */
    if (!rc && out->have_sign != (wanted == KX_PAGE_AUTH_LETTER)) {
        kx_err_set_detail("parse reply: a signature field where none was asked, or none");
        memset(out, 0, sizeof *out);
        rc = KX_ERR_IMAGE_UNREADABLE;
    }
    return rc;
}

kx_err kx_parse_idcard_text(kx_parse_client *c, const uint8_t text[256], kx_idcard *out)
{
    if (!out || !text)
        return KX_ERR_INVALID_ARG;
    kx_idcard got = {0}; /* cleared below also when no reply came */
    kx_err rc = client_typed(c, KX_PARSE_IDCARD, 0, text, 256, NULL, client_get_idcard, &got);
    if (!rc) {
        /* the text fields only: the photo stays the caller's */
        memcpy(out->name, got.name, sizeof out->name);
        out->sex = got.sex;
        memcpy(out->nation_code, got.nation_code, sizeof out->nation_code);
        memcpy(out->nation, got.nation, sizeof out->nation);
        memcpy(out->birth, got.birth, sizeof out->birth);
        memcpy(out->address, got.address, sizeof out->address);
        memcpy(out->id_number, got.id_number, sizeof out->id_number);
        memcpy(out->authority, got.authority, sizeof out->authority);
        memcpy(out->valid_from, got.valid_from, sizeof out->valid_from);
        memcpy(out->valid_to, got.valid_to, sizeof out->valid_to);
    }
    kx_idcard_clear(&got);
    return rc;
}

/* the card cut from a scan: the reply checked against the scan sent */
typedef struct client_crop {
    const kx_image *in;
    kx_cardcrop_found found;
    kx_image *card;
} client_crop;

static kx_err client_get_cardcrop(kx_rbuf *r, void *arg)
{
    client_crop *cc = arg;
    return kx_parse_get_cardcrop(r, cc->in->width, cc->in->height, cc->in->channels, &cc->found,
                                 &cc->card);
}

kx_err kx_parse_cardcrop_image(kx_parse_client *c, const kx_image *img,
                               struct kx_cardcrop_found *found, kx_image **card)
{
    if (!img || !card)
        return KX_ERR_INVALID_ARG;
    *card = NULL;
    client_crop cc = {.in = img};
    kx_err rc = client_typed(c, KX_PARSE_CARDCROP, 0, NULL, 0, img, client_get_cardcrop, &cc);
    if (!rc) {
        *card = cc.card;
        if (found)
            *found = cc.found;
    } else {
        kx_image_free(cc.card);
    }
    return rc;
}
