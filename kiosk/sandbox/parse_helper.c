/* SPDX-License-Identifier: MIT */
/*
 * parse_helper.c - kiosk-parse, the unprivileged helper that decodes data
 * from outside the kiosk for kioskd: images (PNG, JPEG, PNM), the business
 * licence's QR code (libzbar), the seal sheet, which document a page is
 * (doccheck.h: Tesseract, when installed, is loaded with its Chinese data
 * before the helper confines itself), the ID card's text. kioskd
 * starts it with one end of a socketpair as descriptor 3 (parse_client.c);
 * it confines itself (sandbox.h) before reading the first request, then
 * answers requests (parse_proto.h) one at a time until the socket closes.
 *
 * It holds no secret, opens no file and no connection, writes nothing but
 * its replies and its log lines (stderr). Whatever a hostile input does to
 * it, kioskd sees a reply it checks, or a closed socket.
 *
 * usage: kiosk-parse   (only as kioskd's child; exits 2 on a terminal)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "parse_proto.h"
#include "sandbox.h"

#define HELPER_FD 3

/* the title reader, loaded before confinement; NULL without Tesseract */
static kx_doc_ocr *helper_ocr;

static int helper_read_all(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = read(HELPER_FD, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int helper_write_all(const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = write(HELPER_FD, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* the request's input image: a file's bytes, or a raw image */
static kx_err helper_input_image(const uint8_t *in, size_t len, int param, int gray,
                                 kx_image **out)
{
    if (param & KX_PARSE_IN_PIXELS) {
        kx_rbuf r = {in, len, 0, 0};
        kx_err rc = kx_rbuf_image(&r, out);
        if (!rc && r.pos != len) {
            kx_image_free(*out);
            *out = NULL;
            kx_err_set_detail("raw image longer than its header says");
            rc = KX_ERR_BAD_FORMAT;
        }
        return rc;
    }
    kx_image_decode_opts opts = {.gray = gray};
    return kx_image_decode_ex(in, len, &opts, out);
}

#ifdef KX_PARSE_TEST_KINDS
/* test kinds: a crash, or a forbidden system call the filter must stop */
static kx_err helper_test(int kind, int param, const uint8_t *in, size_t len, kx_wbuf *w)
{
    if (kind == KX_PARSE_TEST_CRASH)
        abort();
    if (param == 1) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        kx_err_set_detail("socket() returned %d", s);
        return KX_ERR_INTERNAL;
    }
    if (param == 2) {
        int fd = open("/tmp/kx-parse-escape", O_WRONLY | O_CREAT, 0600);
        kx_err_set_detail("open for writing returned %d", fd);
        return KX_ERR_INTERNAL;
    }
    char path[512];
    if (param != 3 || len == 0 || len >= sizeof path)
        return KX_ERR_INVALID_ARG;
    memcpy(path, in, len);
    path[len] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        kx_err_set_detail("open %s: %s", path, strerror(errno));
        return KX_ERR_PERMISSION;
    }
    uint8_t buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n > 0)
        kx_wbuf_bytes(w, buf, (size_t)n);
    return KX_OK;
}
#endif

/* one request: the result into w, the status returned */
static kx_err helper_handle(int kind, int param, const uint8_t *in, size_t len, kx_wbuf *w)
{
    kx_err rc = KX_ERR_INVALID_ARG;
    kx_image *img = NULL;
    switch (kind) {
    case KX_PARSE_IMAGE:
        if (!(rc = helper_input_image(in, len, 0, param & KX_PARSE_GRAY, &img)))
            kx_wbuf_image(w, img);
        break;
    case KX_PARSE_LICENCE: {
        kx_licence_qr *q = calloc(1, sizeof *q);
        if (!q)
            return KX_ERR_NO_MEMORY;
        if (!(rc = helper_input_image(in, len, param, 1, &img))) {
            rc = kx_licence_qr_read(img, q);
            if (rc == KX_OK || rc == KX_ERR_NO_QR || rc == KX_ERR_TOO_LARGE)
                kx_parse_put_licence(w, q, img->width, img->height);
        }
        free(q);
        break;
    }
    case KX_PARSE_SEALSHEET: {
        kx_sealsheet_result *s = NULL;
        double dpi = (double)(param >> KX_PARSE_FLAG_BITS) / 1000.0;
        if (!(rc = helper_input_image(in, len, param & KX_PARSE_IN_PIXELS, 0, &img)) &&
            !(rc = kx_sealsheet_analyze(img, dpi, &s)))
            kx_parse_put_sealsheet(w, s);
        kx_sealsheet_result_free(s);
        break;
    }
    case KX_PARSE_DOCCHECK: {
        kx_parse_doc d = {0};
        kx_doc_kind want = (kx_doc_kind)(param >> KX_PARSE_FLAG_BITS);
        if (!(rc = helper_input_image(in, len, param & KX_PARSE_IN_PIXELS, 0, &img)) &&
            !(rc = kx_doccheck_hint(img, helper_ocr, want, &d.check)) &&
            want == KX_PAGE_AUTH_LETTER) {
            d.have_sign = 1;
            rc = kx_letter_signature(img, &d.sign);
        }
        if (!rc)
            kx_parse_put_doccheck(w, &d, img->width, img->height);
        break;
    }
    case KX_PARSE_CARDCROP: {
        kx_image *card = NULL;
        kx_cardcrop_found f;
        if (!(rc = helper_input_image(in, len, param & KX_PARSE_IN_PIXELS, 0, &img)) &&
            !(rc = kx_cardcrop_crop(img, &f, &card)))
            kx_parse_put_cardcrop(w, &f, card);
        kx_image_free(card);
        break;
    }
    case KX_PARSE_IDCARD: {
        kx_idcard *c = calloc(1, sizeof *c);
        if (!c)
            return KX_ERR_NO_MEMORY;
        if (len != 256)
            kx_err_set_detail("ID card text must be 256 bytes, not %zu", len);
        else if (!(rc = kx_idcard_decode_text(in, c)))
            kx_parse_put_idcard(w, c);
        kx_idcard_clear(c);
        free(c);
        break;
    }
    default:
#ifdef KX_PARSE_TEST_KINDS
        if ((kind == KX_PARSE_TEST_CRASH || kind == KX_PARSE_TEST_SYSCALL) &&
            getenv("KX_PARSE_TEST") && strcmp(getenv("KX_PARSE_TEST"), "1") == 0)
            return helper_test(kind, param, in, len, w);
#endif
        kx_err_set_detail("unknown request kind %d", kind);
        break;
    }
    kx_image_free(img);
    return rc;
}

static int helper_reply(uint32_t kind, kx_err status, kx_wbuf *w)
{
    if (w->failed)
        status = KX_ERR_NO_MEMORY;
    int with_result = status == KX_OK || (kind == KX_PARSE_LICENCE && w->len);
    if (!with_result) {
        /* the detail for kioskd's log, printable and bounded */
        char d[KX_PARSE_MAX_DETAIL];
        size_t n = 0;
        for (const char *s = kx_err_detail(); *s && n < sizeof d; s++)
            d[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        kx_wbuf_free(w);
        kx_wbuf_bytes(w, d, n);
    }
    uint32_t h[4] = {KX_PARSE_MAGIC, kind, (uint32_t)status, (uint32_t)w->len};
    return helper_write_all(h, sizeof h) || (w->len && helper_write_all(w->data, w->len)) ? -1
                                                                                          : 0;
}

/* once confined, leave without the exit handlers: LeakSanitizer's would
 * need ptrace and prctl, which the filter kills (a SIGSYS at every exit) */
static _Noreturn void helper_exit(int status)
{
    _exit(status);
}

int main(void)
{
    if (fcntl(HELPER_FD, F_GETFD) < 0 || isatty(HELPER_FD))
        return 2;
    signal(SIGPIPE, SIG_DFL);
    /* Tesseract reads its library and language data now or never */
    kx_err rc = kx_doc_ocr_open(&helper_ocr);
    kx_log_info("parse.ocr", "titles=%s detail=\"%s\"", rc ? "unread" : "read",
                rc ? kx_err_detail() : "");
    rc = kx_sandbox_enter(HELPER_FD + 1);
    if (rc) {
        kx_log_error("parse.sandbox", "result=%s detail=%s", kx_err_name(rc), kx_err_detail());
        return 1;
    }
    for (;;) {
        uint32_t h[4];
        if (helper_read_all(h, sizeof h))
            helper_exit(0); /* kioskd closed the socket */
        uint32_t len = h[3];
        if (h[0] != KX_PARSE_MAGIC || len > KX_PARSE_MAX_REQUEST)
            helper_exit(1);
        uint8_t *in = malloc(len ? len : 1);
        if (!in || helper_read_all(in, len))
            helper_exit(1);
        kx_wbuf w = {0};
        kx_err_set_detail("%s", "");
        kx_err st = helper_handle((int)h[1], (int32_t)h[2], in, len, &w);
        free(in);
        int bad = helper_reply(h[1], st, &w);
        kx_wbuf_free(&w);
        if (bad)
            helper_exit(1);
    }
}
