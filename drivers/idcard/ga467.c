/* SPDX-License-Identifier: MIT */
/*
 * ga467.c - ID card reader back-end for SAM modules on a serial line
 * (GA 467 family protocol): find card (20 01), select card (20 02), read
 * base message (30 01), SAM status (11 FF).
 *
 * Every transaction writes one request frame and waits for one valid
 * response frame; garbage and corrupt frames on the line are skipped by the
 * codec, a corrupt exchange is retried. Blocking calls can be woken from
 * another thread through a self-pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "backends.h"
#include "core/log.h"
#include "core/secbuf.h"

struct ga467_dev {
    int fd;
    int wake[2];
    kx_ga467_parser parser;
};

static speed_t ga467_speed(int baud)
{
    switch (baud) {
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    default:
        return 0;
    }
}

static kx_err ga467_open(const char *path, int baud, void **out)
{
    speed_t sp = ga467_speed(baud);
    if (!sp) {
        kx_err_set_detail("unsupported baud rate %d", baud);
        return KX_ERR_CONFIG;
    }
    struct ga467_dev *d = calloc(1, sizeof(*d));
    if (!d)
        return KX_ERR_NO_MEMORY;
    d->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (d->fd < 0) {
        kx_err_set_detail("cannot open %s: %s", path, strerror(errno));
        free(d);
        return KX_ERR_SAM;
    }
    struct termios tio;
    if (tcgetattr(d->fd, &tio) == 0) {
        cfmakeraw(&tio);
        tio.c_cflag |= CLOCAL | CREAD;
        tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
        cfsetispeed(&tio, sp);
        cfsetospeed(&tio, sp);
        tcsetattr(d->fd, TCSANOW, &tio);
        tcflush(d->fd, TCIOFLUSH);
    }
    if (pipe2(d->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        close(d->fd);
        free(d);
        return KX_ERR_IO;
    }
    *out = d;
    return KX_OK;
}

static void ga467_close(void *dev)
{
    struct ga467_dev *d = dev;
    if (!d)
        return;
    close(d->fd);
    close(d->wake[0]);
    close(d->wake[1]);
    free(d);
}

static void ga467_interrupt(void *dev)
{
    struct ga467_dev *d = dev;
    ssize_t w = write(d->wake[1], "x", 1);
    (void)w;
}

static long ga467_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int ga467_woken(struct ga467_dev *d)
{
    char buf[16];
    int woken = 0;
    while (read(d->wake[0], buf, sizeof(buf)) > 0)
        woken = 1;
    return woken;
}

/* one request, one response; *sw3 and the response body in *resp */
static kx_err ga467_transact(struct ga467_dev *d, const uint8_t *body, size_t len,
                             kx_ga467_frame *resp, int timeout_ms)
{
    uint8_t req[64];
    size_t req_len;
    kx_err rc = kx_ga467_encode(body, len, req, sizeof(req), &req_len);
    if (rc)
        return rc;
    /* stale bytes from an earlier exchange would be taken for the answer */
    tcflush(d->fd, TCIFLUSH);
    uint8_t junk[256];
    while (read(d->fd, junk, sizeof(junk)) > 0)
        ;
    d->parser.len = 0;
    long deadline = ga467_now_ms() + timeout_ms;
    size_t sent = 0;
    while (sent < req_len) {
        ssize_t w = write(d->fd, req + sent, req_len - sent);
        if (w > 0) {
            sent += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            kx_err_set_detail("write to ID reader: %s", strerror(errno));
            return KX_ERR_SAM;
        }
        struct pollfd p = {d->fd, POLLOUT, 0};
        if (poll(&p, 1, 50) < 0 && errno != EINTR)
            return KX_ERR_IO;
        if (ga467_now_ms() > deadline)
            return KX_ERR_TIMEOUT;
    }
    int saw_bad = 0;
    for (;;) {
        rc = kx_ga467_next(&d->parser, resp);
        if (rc == KX_OK) {
            if (resp->len < 3) {
                saw_bad = 1;
                continue;
            }
            return KX_OK;
        }
        if (rc == KX_ERR_FRAME) {
            saw_bad = 1;
            continue;
        }
        long left = deadline - ga467_now_ms();
        if (left <= 0) {
            if (saw_bad)
                return KX_ERR_FRAME;
            kx_err_set_detail("ID reader did not answer in %d ms", timeout_ms);
            return KX_ERR_TIMEOUT;
        }
        struct pollfd p[2] = {{d->fd, POLLIN, 0}, {d->wake[0], POLLIN, 0}};
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno != EINTR)
            return KX_ERR_IO;
        if (p[1].revents && ga467_woken(d))
            return KX_ERR_CANCELLED;
        if (p[0].revents & (POLLHUP | POLLERR) && !(p[0].revents & POLLIN)) {
            kx_err_set_detail("ID reader line hung up");
            return KX_ERR_SAM;
        }
        if (p[0].revents & POLLIN) {
            uint8_t buf[1024];
            ssize_t r = read(d->fd, buf, sizeof(buf));
            if (r > 0)
                kx_ga467_feed(&d->parser, buf, (size_t)r);
        }
    }
}

/* a transaction retried when the exchange was corrupted on the line */
static kx_err ga467_command(struct ga467_dev *d, uint8_t cmd, uint8_t para,
                            kx_ga467_frame *resp, int timeout_ms)
{
    uint8_t body[2] = {cmd, para};
    kx_err rc = KX_ERR_FRAME;
    for (int attempt = 0; attempt < 3; attempt++) {
        rc = ga467_transact(d, body, sizeof(body), resp, timeout_ms);
        if (rc == KX_OK && kx_ga467_status_err(resp->body[2]) == KX_ERR_FRAME)
            rc = KX_ERR_FRAME; /* the reader got our frame corrupted */
        if (rc != KX_ERR_FRAME)
            break;
        kx_log_warn("idcard.frame", "cmd=%02x%02x attempt=%d result=corrupt", cmd, para,
                    attempt + 1);
    }
    return rc;
}

static kx_err ga467_read_once(void *dev, int timeout_ms, kx_idcard *out)
{
    struct ga467_dev *d = dev;
    kx_ga467_frame *f = malloc(sizeof(*f));
    if (!f)
        return KX_ERR_NO_MEMORY;
    kx_err rc = ga467_command(d, 0x20, 0x01, f, timeout_ms); /* find */
    if (!rc)
        rc = kx_ga467_status_err(f->body[2]);
    if (!rc) {
        rc = ga467_command(d, 0x20, 0x02, f, timeout_ms); /* select */
        if (!rc)
            rc = kx_ga467_status_err(f->body[2]);
    }
    if (!rc) {
        rc = ga467_command(d, 0x30, 0x01, f, timeout_ms); /* read base message */
        if (!rc)
            rc = kx_ga467_status_err(f->body[2]);
    }
    if (!rc) {
        size_t tl = f->len >= 7 ? ((size_t)f->body[3] << 8 | f->body[4]) : 0;
        size_t pl = f->len >= 7 ? ((size_t)f->body[5] << 8 | f->body[6]) : 0;
        if (tl != 256 || pl > KX_IDCARD_PHOTO_BYTES || f->len != 7 + tl + pl) {
            kx_err_set_detail("base message lengths text=%zu photo=%zu body=%zu", tl, pl,
                              f->len);
            rc = KX_ERR_CARD_READ;
        } else {
            /* decoded by kx_idcard_read() (the caller's decoder) */
            memcpy(out->text, f->body + 7, sizeof out->text);
            out->has_text = 1;
            memcpy(out->photo, f->body + 7 + tl, pl);
            out->photo_len = pl;
        }
    }
    kx_wipe(f, sizeof(*f));
    free(f);
    return rc;
}

static kx_err ga467_sam_status(void *dev, int timeout_ms)
{
    struct ga467_dev *d = dev;
    kx_ga467_frame *f = malloc(sizeof(*f));
    if (!f)
        return KX_ERR_NO_MEMORY;
    kx_err rc = ga467_command(d, 0x11, 0xFF, f, timeout_ms);
    if (!rc)
        rc = f->body[2] == 0x90 ? KX_OK : kx_ga467_status_err(f->body[2]);
    if (rc == KX_ERR_TIMEOUT)
        rc = KX_ERR_SAM;
    free(f);
    return rc;
}

const kx_idcard_ops kx_idcard_ga467_ops = {
    .name = "ga467",
    .open = ga467_open,
    .close = ga467_close,
    .read_once = ga467_read_once,
    .sam_status = ga467_sam_status,
    .interrupt = ga467_interrupt,
};
