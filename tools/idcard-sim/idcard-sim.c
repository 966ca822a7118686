/* SPDX-License-Identifier: MIT */
/*
 * idcard-sim - a second-generation ID card reader (SAM module, GA 467
 * family serial protocol) on a pseudo-terminal, so that tests and the demo
 * drive the kiosk's real serial driver.
 *
 * usage: idcard-sim --card CARD.json [--link PATH] [--path-file FILE]
 *                   [--control FILE] [--fault NAME[:COUNT]] [--no-card]
 *
 * The card (JSON): name, sex ("M"/"F"), nation_code ("01"), birth
 * ("YYYY-MM-DD"), address, id_number, authority, valid_from, valid_to
 * ("YYYY-MM-DD" or "long_term").
 *
 * A card is read once per placement, as on a real reader: after a
 * successful read, "find" fails until the card is placed again. Place it
 * with SIGUSR1, or by writing a new number to the control file.
 *
 * Control file, re-read before every reply (lines, any order):
 *   place N          placement counter; a new N is a new placement
 *   absent           no card on the reader
 *   fault NAME [K]   inject NAME into the next K replies (0 or none: all)
 *   text-file PATH   the card's 256 text bytes are PATH's, as they are
 *                    (garbage for tests of the kiosk's decoding); without
 *                    the line, the card's own
 * Faults (also --fault NAME[:K]):
 *   no-card          find answers 80 (no card)
 *   lift             the card goes mid-read: read answers 41
 *   noise            random bytes before every reply
 *   bad-checksum     reply checksum corrupted
 *   slow             reply 400 ms late
 *   chunked          reply written a few bytes at a time
 *   sam-error        SAM self-test failed (60) on every command
 *   sam-unauthorised SAM not authorised (66)
 *   silent           no reply at all
 * Loopback only by nature (a pty); never touches a real device.
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"
#include "idcard/idcard.h"

static volatile sig_atomic_t sim_stop, sim_placements = 1;

struct sim {
    uint8_t text[256];
    uint8_t raw_text[256]; /* the control file's text-file, when has_raw */
    int has_raw;
    uint8_t photo[KX_IDCARD_PHOTO_BYTES];
    const char *control;
    char fault[32];
    long fault_left; /* -1: forever */
    int absent;
    long placement, read_placement;
};

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        sim_placements++;
    else
        sim_stop = 1;
}

static int put_field(uint8_t *dst, size_t width, const char *utf8)
{
    memset(dst, 0, width);
    for (size_t i = 0; i + 1 < width; i += 2) /* space padding */
        dst[i] = ' ';
    iconv_t cd = iconv_open("UCS-2LE", "UTF-8");
    if (cd == (iconv_t)-1)
        return -1;
    char in[256];
    kx_strlcpy(in, utf8 ? utf8 : "", sizeof(in));
    char *ip = in, *op = (char *)dst;
    size_t il = strlen(in), ol = width;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    return r == (size_t)-1 ? -1 : 0;
}

static int compact_date(const char *iso, char *out, size_t outsz)
{
    int y, m, d;
    if (kx_parse_date(iso, &y, &m, &d))
        return -1;
    snprintf(out, outsz, "%04d%02d%02d", y, m, d);
    return 0;
}

static int sim_load_card(struct sim *s, const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) {
        fprintf(stderr, "idcard-sim: %s:%d: %s\n", path, err.line, err.text);
        return -1;
    }
    const char *g[9];
    static const char *const keys[] = {"name",      "sex",        "nation_code",
                                       "birth",     "address",    "id_number",
                                       "authority", "valid_from", "valid_to"};
    for (int i = 0; i < 9; i++) {
        g[i] = json_string_value(json_object_get(j, keys[i]));
        if (!g[i]) {
            fprintf(stderr, "idcard-sim: %s: missing string '%s'\n", path, keys[i]);
            json_decref(j);
            return -1;
        }
    }
    char birth[16], from[16], to[16];
    int bad =
        compact_date(g[3], birth, sizeof(birth)) || compact_date(g[7], from, sizeof(from));
    if (strcmp(g[8], "long_term") == 0)
        kx_strlcpy(to, "长期", sizeof(to));
    else
        bad |= compact_date(g[8], to, sizeof(to));
    const char *sex = strcmp(g[1], "F") == 0 ? "2" : "1";
    bad |= put_field(s->text + 0, 30, g[0]) || put_field(s->text + 30, 2, sex) ||
           put_field(s->text + 32, 4, g[2]) || put_field(s->text + 36, 16, birth) ||
           put_field(s->text + 52, 70, g[4]) || put_field(s->text + 122, 36, g[5]) ||
           put_field(s->text + 158, 30, g[6]) || put_field(s->text + 188, 16, from) ||
           put_field(s->text + 204, 16, to) || put_field(s->text + 220, 36, "");
    json_decref(j);
    if (bad) {
        fprintf(stderr, "idcard-sim: %s: a field does not fit the card or a date is bad\n",
                path);
        return -1;
    }
    for (size_t i = 0; i < sizeof(s->photo); i++) /* stand-in WLT bytes */
        s->photo[i] = (uint8_t)(i * 7 + 0x57);
    return 0;
}

static void sim_read_control(struct sim *s)
{
    s->placement = sim_placements;
    if (!s->control)
        return;
    FILE *fp = fopen(s->control, "r");
    if (!fp)
        return;
    char line[600];
    s->absent = 0;
    s->has_raw = 0;
    while (fgets(line, sizeof(line), fp)) {
        char word[32] = "", arg[32] = "", file[512] = "";
        if (sscanf(line, "text-file %511s", file) == 1) {
            FILE *tf = fopen(file, "rb");
            s->has_raw = tf && fread(s->raw_text, 1, sizeof s->raw_text, tf) == 256;
            if (tf)
                (void)fclose(tf);
            continue;
        }
        long k = -1;
        int n = sscanf(line, "%31s %31s %ld", word, arg, &k);
        if (n >= 2 && strcmp(word, "place") == 0) {
            long v;
            if (kx_parse_long(arg, 0, 1000000, &v) == KX_OK)
                s->placement = v + sim_placements;
        } else if (n >= 1 && strcmp(word, "absent") == 0) {
            s->absent = 1;
        } else if (n >= 2 && strcmp(word, "fault") == 0 && strcmp(arg, s->fault) != 0) {
            kx_strlcpy(s->fault, arg, sizeof(s->fault));
            s->fault_left = n == 3 && k > 0 ? k : -1;
        }
    }
    fclose(fp);
}

static int sim_fault(struct sim *s, const char *name)
{
    if (strcmp(s->fault, name) != 0 || s->fault_left == 0)
        return 0;
    return 1;
}

static void sim_write(int fd, const uint8_t *b, size_t n, int chunked)
{
    size_t off = 0;
    while (off < n && !sim_stop) {
        size_t k = chunked ? (n - off < 7 ? n - off : 7) : n - off;
        ssize_t w = write(fd, b + off, k);
        if (w > 0) {
            off += (size_t)w;
            if (chunked) {
                struct timespec ts = {0, 3 * 1000000L};
                nanosleep(&ts, NULL);
            }
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return;
        } else {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 20);
        }
    }
}

static void sim_reply(struct sim *s, int fd, uint8_t sw3, const uint8_t *data, size_t n)
{
    int used_fault = s->fault[0] && s->fault_left != 0;
    if (sim_fault(s, "silent")) {
        if (s->fault_left > 0)
            s->fault_left--;
        return;
    }
    static uint8_t body[KX_GA467_MAX_BODY], frame[KX_GA467_MAX_BODY + 16];
    body[0] = 0;
    body[1] = 0;
    body[2] = sw3;
    if (n)
        memcpy(body + 3, data, n);
    size_t flen;
    if (kx_ga467_encode(body, 3 + n, frame, sizeof(frame), &flen))
        return;
    if (sim_fault(s, "slow")) {
        struct timespec ts = {0, 400 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (sim_fault(s, "noise")) {
        uint8_t junk[23];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)(rand() & 0xff);
        junk[3] = 0xAA; /* a false start of a preamble */
        junk[4] = 0xAA;
        sim_write(fd, junk, sizeof(junk), 0);
    }
    if (sim_fault(s, "bad-checksum"))
        frame[flen - 1] ^= 0x5A;
    sim_write(fd, frame, flen, sim_fault(s, "chunked"));
    if (used_fault && s->fault_left > 0)
        s->fault_left--;
}

static void sim_handle(struct sim *s, int fd, const kx_ga467_frame *req)
{
    sim_read_control(s);
    if (req->len < 2) {
        sim_reply(s, fd, 0x11, NULL, 0);
        return;
    }
    uint8_t cmd = req->body[0], para = req->body[1];
    uint8_t sam = sim_fault(s, "sam-error")          ? 0x60
                  : sim_fault(s, "sam-unauthorised") ? 0x66
                                                     : 0;
    if (cmd == 0x11 && para == 0xFF) {
        sim_reply(s, fd, sam ? sam : 0x90, NULL, 0);
        return;
    }
    if (sam) {
        sim_reply(s, fd, sam, NULL, 0);
        return;
    }
    int present = !s->absent && !sim_fault(s, "no-card") && s->placement != s->read_placement;
    if (cmd == 0x20 && para == 0x01) {
        sim_reply(s, fd, present ? 0x9F : 0x80, NULL, 0);
    } else if (cmd == 0x20 && para == 0x02) {
        sim_reply(s, fd, present ? 0x90 : 0x81, NULL, 0);
    } else if (cmd == 0x30 && para == 0x01) {
        if (!present || sim_fault(s, "lift")) {
            sim_reply(s, fd, 0x41, NULL, 0);
            return;
        }
        static uint8_t data[4 + 256 + KX_IDCARD_PHOTO_BYTES];
        data[0] = 0x01;
        data[1] = 0x00;
        data[2] = 0x04;
        data[3] = 0x00;
        memcpy(data + 4, s->has_raw ? s->raw_text : s->text, 256);
        memcpy(data + 4 + 256, s->photo, KX_IDCARD_PHOTO_BYTES);
        sim_reply(s, fd, 0x90, data, sizeof(data));
        s->read_placement = s->placement; /* must be lifted and placed again */
    } else {
        sim_reply(s, fd, 0x21, NULL, 0);
    }
}

static void usage(FILE *fp)
{
    fputs("usage: idcard-sim --card CARD.json [--link PATH] [--path-file FILE]\n"
          "                  [--control FILE] [--fault NAME[:COUNT]] [--no-card]\n"
          "A GA 467 ID card reader on a pseudo-terminal. See the comment at the top of\n"
          "tools/idcard-sim/idcard-sim.c for the card JSON, the control file and the\n"
          "faults: no-card lift noise bad-checksum slow chunked sam-error\n"
          "sam-unauthorised silent. SIGUSR1 places the card again; SIGTERM stops.\n",
          fp);
}

int main(int argc, char **argv)
{
    struct sim s;
    memset(&s, 0, sizeof(s));
    const char *card = NULL, *link_path = NULL, *path_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--card") == 0 && next) {
            card = argv[++i];
        } else if (strcmp(argv[i], "--link") == 0 && next) {
            link_path = argv[++i];
        } else if (strcmp(argv[i], "--path-file") == 0 && next) {
            path_file = argv[++i];
        } else if (strcmp(argv[i], "--control") == 0 && next) {
            s.control = argv[++i];
        } else if (strcmp(argv[i], "--no-card") == 0) {
            s.absent = 1;
        } else if (strcmp(argv[i], "--fault") == 0 && next) {
            const char *f = argv[++i];
            size_t n = strcspn(f, ":");
            snprintf(s.fault, sizeof(s.fault), "%.*s", (int)n, f);
            long k = 0;
            s.fault_left =
                f[n] == ':' && kx_parse_long(f + n + 1, 1, 1000000, &k) == KX_OK ? k : -1;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!card) {
        usage(stderr);
        return 2;
    }
    if (sim_load_card(&s, card))
        return 2;
    int absent_cli = s.absent;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) {
        perror("idcard-sim: pty");
        return 1;
    }
    const char *slave = ptsname(master);
    struct termios tio;
    int sfd = open(slave, O_RDWR | O_NOCTTY); /* keep the slave open: no EIO on close */
    if (sfd >= 0 && tcgetattr(sfd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(sfd, TCSANOW, &tio);
    }
    if (link_path) {
        unlink(link_path);
        if (symlink(slave, link_path) != 0) {
            perror("idcard-sim: link");
            return 1;
        }
    }
    if (path_file) {
        FILE *fp = fopen(path_file, "w");
        if (!fp) {
            perror("idcard-sim: path file");
            return 1;
        }
        /* a test waits for this file: a short write must not look like a
         * pty name, so a failed write or close is an error, not a warning */
        int bad = fprintf(fp, "%s\n", slave) < 0;
        if (fclose(fp) != 0 || bad) {
            perror("idcard-sim: path file");
            return 1;
        }
    }
    printf("%s\n", slave);
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    fcntl(master, F_SETFL, O_NONBLOCK);
    kx_ga467_parser parser;
    memset(&parser, 0, sizeof(parser));
    kx_ga467_frame *req = malloc(sizeof(*req));
    while (!sim_stop && req) {
        struct pollfd p = {master, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        uint8_t buf[512];
        ssize_t r = read(master, buf, sizeof(buf));
        if (r <= 0)
            continue;
        kx_ga467_feed(&parser, buf, (size_t)r);
        kx_err rc;
        while ((rc = kx_ga467_next(&parser, req)) != KX_ERR_NOT_FOUND) {
            if (rc == KX_OK) {
                s.absent = absent_cli;
                sim_handle(&s, master, req);
            } else {
                sim_reply(&s, master, 0x10, NULL, 0); /* checksum error */
            }
        }
    }
    free(req);
    if (link_path)
        unlink(link_path);
    if (sfd >= 0)
        close(sfd);
    close(master);
    return 0;
}
