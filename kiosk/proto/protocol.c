/* SPDX-License-Identifier: MIT */
/*
 * protocol.c - names, limits and the bounded line reader of kioskd's socket
 * protocol (docs/protocol.md). Never logs message contents: a line may
 * carry a PIN.
 */
#include "protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/secbuf.h"
#include "core/str.h"

static const char *const screen_ids[KX_SCREEN_COUNT] = {
    [KX_SCREEN_HOME] = "home",
    [KX_SCREEN_BUSY] = "busy",
    [KX_SCREEN_UKEY_INSERT] = "ukey_insert",
    [KX_SCREEN_UKEY_BLANK_INSERT] = "ukey_blank_insert",
    [KX_SCREEN_CERT_SHOW] = "cert_show",
    [KX_SCREEN_PIN_ENTER] = "pin_enter",
    [KX_SCREEN_PIN_NEW] = "pin_new",
    [KX_SCREEN_FEE_CONFIRM] = "fee_confirm",
    [KX_SCREEN_PAYMENT] = "payment",
    [KX_SCREEN_LICENCE_PLACE] = "licence_place",
    [KX_SCREEN_COMPANY_CONFIRM] = "company_confirm",
    [KX_SCREEN_IDCARD_PLACE] = "idcard_place",
    [KX_SCREEN_AGENT_CONFIRM] = "agent_confirm",
    [KX_SCREEN_DOC_PLACE] = "doc_place",
    [KX_SCREEN_DOC_REVIEW] = "doc_review",
    [KX_SCREEN_CONTACT] = "contact",
    [KX_SCREEN_AGREEMENT] = "agreement",
    [KX_SCREEN_SEAL_PLACE] = "seal_place",
    [KX_SCREEN_SEAL_REVIEW] = "seal_review",
    [KX_SCREEN_REVIEW_WAIT] = "review_wait",
    [KX_SCREEN_REVOKE_METHOD] = "revoke_method",
    [KX_SCREEN_REVOKE_REASON] = "revoke_reason",
    [KX_SCREEN_REVOKE_CONFIRM] = "revoke_confirm",
    [KX_SCREEN_DONE] = "done",
    [KX_SCREEN_CANCELLED] = "cancelled",
    [KX_SCREEN_ERROR] = "error",
    [KX_SCREEN_STAFF_NEEDED] = "staff_needed",
    [KX_SCREEN_OUT_OF_SERVICE] = "out_of_service",
    [KX_SCREEN_REVOKE_PICK] = "revoke_pick",
    [KX_SCREEN_FORM_REVIEW] = "form_review",
};

static const char *const intent_names[KX_INTENT_COUNT] = {
    [KX_INTENT_CHOOSE_SERVICE] = "choose_service",
    [KX_INTENT_SET_LANGUAGE] = "set_language",
    [KX_INTENT_PIN] = "pin",
    [KX_INTENT_NEW_PIN] = "new_pin",
    [KX_INTENT_CONTACT] = "contact",
    [KX_INTENT_CHOOSE] = "choose",
    [KX_INTENT_CONFIRM] = "confirm",
    [KX_INTENT_RETRY] = "retry",
    [KX_INTENT_BACK] = "back",
    [KX_INTENT_CANCEL] = "cancel",
    [KX_INTENT_ACTIVITY] = "activity",
    [KX_INTENT_STAFF_APPROVE] = "staff_approve",
    [KX_INTENT_STAFF_REJECT] = "staff_reject",
    [KX_INTENT_STAFF_OVERRIDE] = "staff_override",
    [KX_INTENT_STAFF_RESET] = "staff_reset",
    [KX_INTENT_PRINT_AGAIN] = "print_again",
    [KX_INTENT_PRINT_FORM] = "print_form",
};

const char *kx_screen_id(kx_screen screen)
{
    return (unsigned)screen < KX_SCREEN_COUNT ? screen_ids[screen] : "unknown";
}

kx_err kx_screen_from_id(const char *id, kx_screen *out)
{
    for (int i = 0; id && i < KX_SCREEN_COUNT; i++)
        if (strcmp(id, screen_ids[i]) == 0) {
            *out = (kx_screen)i;
            return KX_OK;
        }
    return KX_ERR_NOT_FOUND;
}

const char *kx_intent_name(kx_intent intent)
{
    return (unsigned)intent < KX_INTENT_COUNT ? intent_names[intent] : "unknown";
}

kx_err kx_intent_from_name(const char *name, kx_intent *out)
{
    for (int i = 0; name && i < KX_INTENT_COUNT; i++)
        if (strcmp(name, intent_names[i]) == 0) {
            *out = (kx_intent)i;
            return KX_OK;
        }
    return KX_ERR_NOT_FOUND;
}

int kx_intent_is_staff(kx_intent intent)
{
    return intent == KX_INTENT_STAFF_APPROVE || intent == KX_INTENT_STAFF_REJECT ||
           intent == KX_INTENT_STAFF_OVERRIDE || intent == KX_INTENT_STAFF_RESET;
}

int kx_intent_carries_secret(kx_intent intent)
{
    return intent == KX_INTENT_PIN || intent == KX_INTENT_NEW_PIN;
}

const char *kx_role_name(kx_role role)
{
    switch (role) {
    case KX_ROLE_UI:
        return "ui";
    case KX_ROLE_STAFF:
        return "staff";
    default:
        return "none";
    }
}

const char *kx_proto_error_name(kx_err code)
{
    switch (code) {
    case KX_ERR_STATE:
        return "state";
    case KX_ERR_PERMISSION:
    case KX_ERR_PIN_LOCKED: /* a staff member or staff UKEY locked out */
        return "permission";
    case KX_ERR_TOO_LARGE:
        return "too_large";
    case KX_ERR_NOT_FOUND:
    case KX_ERR_TOKEN_ABSENT: /* no staff UKEY present */
        return "not_found";
    case KX_ERR_BUSY:
        return "busy";
    case KX_ERR_UNSUPPORTED:
        return "unsupported_version";
    case KX_ERR_INVALID_ARG:
    case KX_ERR_BAD_FORMAT:
    case KX_ERR_PIN_POLICY:
        return "bad_request";
    default:
        return "internal";
    }
}

struct kx_line_reader {
    char *buf;    /* KX_PROTO_MAX_LINE + 1 bytes */
    size_t len;   /* bytes buffered */
    size_t start; /* start of the first unconsumed line */
};

kx_err kx_line_reader_new(kx_line_reader **out)
{
    kx_line_reader *lr = calloc(1, sizeof *lr);
    if (!lr)
        return KX_ERR_NO_MEMORY;
    lr->buf = calloc(1, KX_PROTO_MAX_LINE + 1);
    if (!lr->buf) {
        free(lr);
        return KX_ERR_NO_MEMORY;
    }
    *out = lr;
    return KX_OK;
}

void kx_line_reader_free(kx_line_reader *lr)
{
    if (!lr)
        return;
    kx_wipe(lr->buf, KX_PROTO_MAX_LINE + 1);
    free(lr->buf);
    free(lr);
}

/* drop consumed bytes at the front, wiping what moved */
static void reader_compact(kx_line_reader *lr)
{
    if (lr->start == 0)
        return;
    size_t rest = lr->len - lr->start;
    memmove(lr->buf, lr->buf + lr->start, rest);
    kx_wipe(lr->buf + rest, lr->len - rest);
    lr->len = rest;
    lr->start = 0;
}

/* the descriptors of one received message (SCM_RIGHTS) into fds, at most
 * max of them (the rest closed) */
static void reader_take_fds(struct msghdr *mh, int *fds, int max, int *nfds)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (*nfds < max)
                fds[(*nfds)++] = got;
            else
                close(got);
        }
    }
}

/* read once from fd (recvmsg when fds is not NULL, for a socket) */
static kx_err reader_fill(kx_line_reader *lr, int fd, int *fds, int max, int *nfds)
{
    reader_compact(lr);
    if (lr->len >= KX_PROTO_MAX_LINE)
        return KX_OK; /* full: next() reports the overlong line */
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } ctl;
    for (;;) {
        struct iovec iov = {lr->buf + lr->len, KX_PROTO_MAX_LINE - lr->len};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = ctl.buf,
                            .msg_controllen = sizeof ctl.buf};
        ssize_t n =
            fds ? recvmsg(fd, &mh, MSG_CMSG_CLOEXEC) : read(fd, iov.iov_base, iov.iov_len);
        if (fds && n >= 0)
            reader_take_fds(&mh, fds, max, nfds);
        if (n > 0) {
            lr->len += (size_t)n;
            return KX_OK;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return KX_ERR_BUSY;
        return KX_ERR_IO;
    }
}

kx_err kx_line_reader_fill(kx_line_reader *lr, int fd)
{
    return reader_fill(lr, fd, NULL, 0, NULL);
}

kx_err kx_line_reader_fill_fds(kx_line_reader *lr, int fd, int *fds, int max, int *nfds)
{
    *nfds = 0;
    return reader_fill(lr, fd, fds, max, nfds);
}

size_t kx_line_reader_pending(const kx_line_reader *lr)
{
    const char *end = memrchr(lr->buf + lr->start, '\n', lr->len - lr->start);
    return end ? lr->len - (size_t)(end - lr->buf) - 1 : lr->len - lr->start;
}

kx_err kx_line_reader_next(kx_line_reader *lr, char **line, size_t *len)
{
    char *p = memchr(lr->buf + lr->start, '\n', lr->len - lr->start);
    if (!p) {
        if (lr->len - lr->start >= KX_PROTO_MAX_LINE)
            return KX_ERR_TOO_LARGE;
        return KX_ERR_NOT_FOUND;
    }
    *p = '\0';
    *line = lr->buf + lr->start;
    if (len)
        *len = (size_t)(p - *line);
    lr->start = (size_t)(p - lr->buf) + 1;
    return KX_OK;
}

kx_err kx_proto_connect(const char *path, int *fd_out)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!path || kx_strlcpy(sa.sun_path, path, sizeof sa.sun_path) >= sizeof sa.sun_path) {
        kx_err_set_detail("socket path too long");
        return KX_ERR_INVALID_ARG;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return KX_ERR_IO;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        kx_err_set_detail("connect %s: %s", path, strerror(errno));
        close(fd);
        return KX_ERR_IO;
    }
    *fd_out = fd;
    return KX_OK;
}

kx_err kx_proto_send_line(int fd, const char *text)
{
    size_t n = strlen(text);
    const char *parts[2] = {text, "\n"};
    size_t lens[2] = {n, 1};
    for (int i = 0; i < 2; i++) {
        size_t off = 0;
        while (off < lens[i]) {
            ssize_t w = send(fd, parts[i] + off, lens[i] - off, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return KX_ERR_IO;
            off += (size_t)w;
        }
    }
    return KX_OK;
}
