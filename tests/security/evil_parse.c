/* SPDX-License-Identifier: MIT */
/*
 * evil_parse.c - a stand-in for a parsing helper taken over by its input:
 * it speaks the protocol's framing but answers what KX_PARSE_TEST says (the
 * one variable the client passes through besides the log's), so the
 * tests can show kioskd's side refuses every reply out of range.
 *   huge     an image 100000 px wide           short   fewer bytes than said
 *   payload  a licence payload of 5000 bytes   magic   a wrong magic
 *   code     a "valid" code whose check fails  status  an unknown status
 *   silent   no answer at all (timeout)
 *   cardsize a card crop the wrong size for its dpi
 *   cardfar  a card crop whose corners lie far off the scan
 *   idtext   an ID card text with a control character in the name
 * Test-only; never installed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/parse_proto.h"

static void out(const void *p, size_t n)
{
    if (write(3, p, n) != (ssize_t)n)
        exit(1);
}

int main(void)
{
    const char *mode = getenv("KX_PARSE_TEST");
    mode = mode ? mode : "";
    for (;;) {
        uint32_t h[4];
        if (read(3, h, sizeof h) != (ssize_t)sizeof h)
            return 0;
        for (uint32_t left = h[3]; left;) {
            uint8_t b[4096];
            ssize_t r = read(3, b, left < sizeof b ? left : sizeof b);
            if (r <= 0)
                return 0;
            left -= (uint32_t)r;
        }
        kx_wbuf w = {0};
        int32_t status = 0;
        uint32_t magic = KX_PARSE_MAGIC;
        if (!strcmp(mode, "silent")) {
            pause();
        } else if (!strcmp(mode, "huge") || !strcmp(mode, "short")) {
            kx_wbuf_i32(&w, !strcmp(mode, "huge") ? 100000 : 10);
            kx_wbuf_i32(&w, 10);
            kx_wbuf_i32(&w, 1);
            kx_wbuf_f64(&w, 300);
            uint8_t px[50] = {0};
            kx_wbuf_bytes(&w, px, sizeof px); /* 50 of the 100 said */
        } else if (!strcmp(mode, "payload") || !strcmp(mode, "code")) {
            kx_licence_qr q;
            memset(&q, 0, sizeof q);
            q.found = 1;
            q.payload_len = !strcmp(mode, "payload") ? 5000 : 18;
            memcpy(q.payload, "91110000600037341N", 18); /* check character wrong */
            q.uscc_status = KX_LICENCE_USCC_VALID;
            q.codes.n_valid = 1;
            memcpy(q.codes.valid[0], "91110000600037341N", 19);
            if (q.payload_len > sizeof q.payload) { /* say 5000, send 4096 */
                kx_wbuf_i32(&w, 1);
                kx_wbuf_i32(&w, 100);
                kx_wbuf_i32(&w, 100);
                for (int i = 0; i < 5; i++)
                    kx_wbuf_i32(&w, 0);
                kx_wbuf_u32(&w, 5000);
                kx_wbuf_bytes(&w, q.payload, sizeof q.payload - 1);
            } else {
                kx_parse_put_licence(&w, &q, 100, 100);
            }
        } else if (!strcmp(mode, "cardsize") || !strcmp(mode, "cardfar")) {
            kx_cardcrop_found f;
            memset(&f, 0, sizeof f);
            f.dpi = 300;
            f.corners[2][0] = !strcmp(mode, "cardfar") ? 1e7 : 50;
            kx_image *card = NULL;
            if (kx_image_new(!strcmp(mode, "cardsize") ? 20 : 1011, 638, 3, &card))
                return 1;
            card->dpi = 300;
            kx_parse_put_cardcrop(&w, &f, card);
            kx_image_free(card);
        } else if (!strcmp(mode, "idtext")) {
            kx_idcard c;
            memset(&c, 0, sizeof c);
            memcpy(c.name, "\x1b[2J", 4);
            c.sex = 'M';
            kx_parse_put_idcard(&w, &c);
        } else if (!strcmp(mode, "magic")) {
            magic = 0xdeadbeef;
        } else if (!strcmp(mode, "status")) {
            status = 77777;
        }
        uint32_t r[4] = {magic, h[1], (uint32_t)status, (uint32_t)w.len};
        out(r, sizeof r);
        if (w.len)
            out(w.data, w.len);
        kx_wbuf_free(&w);
    }
}
