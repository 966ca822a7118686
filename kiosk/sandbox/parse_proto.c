/* SPDX-License-Identifier: MIT */
/*
 * parse_proto.c - writing and checked reading of the parsing helper's
 * messages (parse_proto.h). The readers trust nothing: the helper that
 * wrote the bytes may have been taken over by the input it parsed.
 */
#include "parse_proto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/uscc.h"

/* ---- writing ---- */

void kx_wbuf_bytes(kx_wbuf *w, const void *p, size_t n)
{
    if (w->failed || !n)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *d = realloc(w->data, cap);
        if (!d) {
            w->failed = 1;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

void kx_wbuf_u32(kx_wbuf *w, uint32_t v)
{
    kx_wbuf_bytes(w, &v, sizeof v);
}

void kx_wbuf_i32(kx_wbuf *w, int32_t v)
{
    kx_wbuf_bytes(w, &v, sizeof v);
}

void kx_wbuf_f64(kx_wbuf *w, double v)
{
    kx_wbuf_bytes(w, &v, sizeof v);
}

void kx_wbuf_image(kx_wbuf *w, const kx_image *img)
{
    kx_wbuf_i32(w, img->width);
    kx_wbuf_i32(w, img->height);
    kx_wbuf_i32(w, img->channels);
    kx_wbuf_f64(w, img->dpi);
    size_t row = (size_t)img->width * (size_t)img->channels;
    for (int y = 0; y < img->height; y++)
        kx_wbuf_bytes(w, kx_image_row(img, y), row);
}

void kx_wbuf_free(kx_wbuf *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

/* ---- reading ---- */

const uint8_t *kx_rbuf_bytes(kx_rbuf *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint32_t kx_rbuf_u32(kx_rbuf *r)
{
    uint32_t v = 0;
    const uint8_t *p = kx_rbuf_bytes(r, sizeof v);
    if (p)
        memcpy(&v, p, sizeof v);
    return v;
}

int32_t kx_rbuf_i32(kx_rbuf *r, int32_t lo, int32_t hi)
{
    int32_t v = 0;
    const uint8_t *p = kx_rbuf_bytes(r, sizeof v);
    if (p)
        memcpy(&v, p, sizeof v);
    if (v < lo || v > hi) {
        r->failed = 1;
        v = 0;
    }
    return v;
}

double kx_rbuf_f64(kx_rbuf *r, double lo, double hi)
{
    double v = 0;
    const uint8_t *p = kx_rbuf_bytes(r, sizeof v);
    if (p)
        memcpy(&v, p, sizeof v);
    if (!isfinite(v) || v < lo || v > hi) {
        r->failed = 1;
        v = 0;
    }
    return v;
}

kx_err kx_rbuf_image(kx_rbuf *r, kx_image **out)
{
    *out = NULL;
    int w = kx_rbuf_i32(r, 1, KX_IMAGE_MAX_SIDE);
    int h = kx_rbuf_i32(r, 1, KX_IMAGE_MAX_SIDE);
    int ch = kx_rbuf_i32(r, 1, 4);
    double dpi = kx_rbuf_f64(r, 0, 100000);
    if (r->failed || ch == 2 || (long)w * h > KX_IMAGE_MAX_PIXELS) {
        r->failed = 1;
        kx_err_set_detail("parse reply: image header out of range");
        return KX_ERR_BAD_FORMAT;
    }
    const uint8_t *px = kx_rbuf_bytes(r, (size_t)w * (size_t)h * (size_t)ch);
    if (!px) {
        kx_err_set_detail("parse reply: image shorter than its header");
        return KX_ERR_BAD_FORMAT;
    }
    return kx_image_from_pixels(px, w, h, (size_t)w * (size_t)ch, ch, dpi, out);
}

/* ---- licence ---- */

void kx_parse_put_licence(kx_wbuf *w, const kx_licence_qr *q, int img_w, int img_h)
{
    kx_wbuf_i32(w, q->found);
    kx_wbuf_i32(w, img_w);
    kx_wbuf_i32(w, img_h);
    for (int i = 0; i < 4; i++)
        kx_wbuf_i32(w, q->bbox[i]);
    kx_wbuf_i32(w, q->attempts);
    kx_wbuf_u32(w, (uint32_t)q->payload_len);
    kx_wbuf_bytes(w, q->payload, q->payload_len);
    kx_wbuf_i32(w, (int32_t)q->uscc_status);
    kx_wbuf_u32(w, (uint32_t)q->codes.n_valid);
    for (size_t i = 0; i < q->codes.n_valid; i++)
        kx_wbuf_bytes(w, q->codes.valid[i], KX_USCC_LEN);
    kx_wbuf_u32(w, (uint32_t)q->codes.n_failed);
    for (size_t i = 0; i < q->codes.n_failed; i++)
        kx_wbuf_bytes(w, q->codes.failed[i], KX_USCC_LEN);
}

/* n codes of 18 bytes into list; each must pass kx_uscc_check with the
 * status `want` (the parent checks the helper's sorting) */
static int parse_get_codes(kx_rbuf *r, char list[][KX_USCC_LEN + 1], size_t *n_out,
                           kx_uscc_status want)
{
    uint32_t n = kx_rbuf_u32(r);
    if (n > KX_LICENCE_MAX_CANDIDATES)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *c = kx_rbuf_bytes(r, KX_USCC_LEN);
        if (!c)
            return 0;
        kx_uscc_info info;
        if (kx_uscc_check_n((const char *)c, KX_USCC_LEN, &info) != want ||
            memcmp(info.code, c, KX_USCC_LEN) != 0)
            return 0;
        memcpy(list[i], c, KX_USCC_LEN);
        list[i][KX_USCC_LEN] = 0;
    }
    *n_out = n;
    return 1;
}

kx_err kx_parse_get_licence(kx_rbuf *r, kx_licence_qr *out)
{
    memset(out, 0, sizeof *out);
    out->found = kx_rbuf_i32(r, 0, 1);
    int w = kx_rbuf_i32(r, 0, KX_IMAGE_MAX_SIDE);
    int h = kx_rbuf_i32(r, 0, KX_IMAGE_MAX_SIDE);
    for (int i = 0; i < 4; i++)
        out->bbox[i] = kx_rbuf_i32(r, 0, KX_IMAGE_MAX_SIDE);
    int bbox_ok =
        (long)out->bbox[0] + out->bbox[2] <= w && (long)out->bbox[1] + out->bbox[3] <= h;
    out->attempts = kx_rbuf_i32(r, 0, 1000000);
    uint32_t n = kx_rbuf_u32(r);
    const uint8_t *payload = n <= KX_LICENCE_MAX_PAYLOAD ? kx_rbuf_bytes(r, n) : NULL;
    if (payload || n == 0) {
        if (n)
            memcpy(out->payload, payload, n);
        out->payload[n] = 0;
        out->payload_len = n;
    }
    out->uscc_status =
        (kx_licence_uscc_status)kx_rbuf_i32(r, KX_LICENCE_USCC_VALID, KX_LICENCE_USCC_ABSENT);
    int codes_ok =
        parse_get_codes(r, out->codes.valid, &out->codes.n_valid, KX_USCC_VALID) &&
        parse_get_codes(r, out->codes.failed, &out->codes.n_failed, KX_USCC_CHECK_FAILED);
    /* the status must be the one the codes imply */
    kx_licence_uscc_status implied = out->codes.n_valid    ? KX_LICENCE_USCC_VALID
                                     : out->codes.n_failed ? KX_LICENCE_USCC_CHECK_FAILED
                                                           : KX_LICENCE_USCC_ABSENT;
    if (r->failed || !bbox_ok || !codes_ok || (n && !payload) || implied != out->uscc_status ||
        r->pos != r->len || (!out->found && (n || out->codes.n_valid || out->codes.n_failed))) {
        memset(out, 0, sizeof *out);
        out->uscc_status = KX_LICENCE_USCC_ABSENT;
        kx_err_set_detail("parse reply: licence result out of range");
        return KX_ERR_BAD_FORMAT;
    }
    out->uscc = out->uscc_status == KX_LICENCE_USCC_VALID          ? out->codes.valid[0]
                : out->uscc_status == KX_LICENCE_USCC_CHECK_FAILED ? out->codes.failed[0]
                                                                   : NULL;
    return KX_OK;
}

/* ---- seal sheet ---- */

void kx_parse_put_sealsheet(kx_wbuf *w, const kx_sealsheet_result *s)
{
    kx_wbuf_f64(w, s->dpi);
    kx_wbuf_f64(w, s->skew_deg);
    for (int i = 0; i < 4; i++)
        kx_wbuf_i32(w, s->table[i]);
    kx_wbuf_i32(w, s->upside_down ? 1 : 0);
    for (int a = 0; a < KX_SEAL_AREA_COUNT; a++) {
        const kx_sealsheet_area *ar = &s->areas[a];
        for (int c = 0; c < 2; c++) {
            kx_wbuf_i32(w, (int32_t)ar->cells[c].status);
            for (int i = 0; i < 4; i++)
                kx_wbuf_i32(w, ar->cells[c].bbox[i]);
            kx_wbuf_u32(w, ar->cells[c].lines);
            kx_wbuf_f64(w, ar->cells[c].strength);
        }
        kx_wbuf_i32(w, ar->best);
        kx_wbuf_f64(w, ar->size_mm[0]);
        kx_wbuf_f64(w, ar->size_mm[1]);
        kx_wbuf_bytes(w, ar->ink, 3);
        uint8_t has = ar->image != NULL;
        kx_wbuf_bytes(w, &has, 1);
        if (has)
            kx_wbuf_image(w, ar->image);
    }
}

kx_err kx_parse_get_sealsheet(kx_rbuf *r, kx_sealsheet_result **out)
{
    const int side = KX_IMAGE_MAX_SIDE;
    kx_err rc = KX_OK;
    *out = NULL;
    kx_sealsheet_result *s = calloc(1, sizeof *s);
    if (!s)
        return KX_ERR_NO_MEMORY;
    s->dpi = kx_rbuf_f64(r, 0, 100000);
    s->skew_deg = kx_rbuf_f64(r, -90, 90);
    for (int i = 0; i < 4; i++)
        s->table[i] = kx_rbuf_i32(r, 0, side);
    s->upside_down = kx_rbuf_i32(r, 0, 1);
    for (int a = 0; a < KX_SEAL_AREA_COUNT && !rc && !r->failed; a++) {
        kx_sealsheet_area *ar = &s->areas[a];
        for (int c = 0; c < 2; c++) {
            ar->cells[c].status = (kx_seal_status)kx_rbuf_i32(r, KX_SEAL_OK, KX_SEAL_FAINT);
            for (int i = 0; i < 4; i++)
                ar->cells[c].bbox[i] = kx_rbuf_i32(r, 0, side);
            ar->cells[c].lines = kx_rbuf_u32(r);
            ar->cells[c].strength = kx_rbuf_f64(r, 0, 1);
            if (ar->cells[c].lines > 15)
                r->failed = 1;
        }
        ar->best = kx_rbuf_i32(r, -1, 1);
        ar->size_mm[0] = kx_rbuf_f64(r, 0, 10000);
        ar->size_mm[1] = kx_rbuf_f64(r, 0, 10000);
        const uint8_t *ink = kx_rbuf_bytes(r, 3);
        if (ink)
            memcpy(ar->ink, ink, 3);
        const uint8_t *has = kx_rbuf_bytes(r, 1);
        if (!has || *has > 1 || (*has != (ar->best >= 0)) ||
            (ar->best >= 0 && ar->cells[ar->best].status != KX_SEAL_OK)) {
            r->failed = 1;
            break;
        }
        if (*has && (rc = kx_rbuf_image(r, &ar->image)) == KX_OK && ar->image->channels != 4)
            r->failed = 1;
    }
    if (!rc && (r->failed || r->pos != r->len)) {
        kx_err_set_detail("parse reply: seal sheet result out of range");
        rc = KX_ERR_BAD_FORMAT;
    }
    if (rc)
        kx_sealsheet_result_free(s);
    else
        *out = s;
    return rc;
}

/* ---- ID card text ---- */

static void parse_put_str(kx_wbuf *w, const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    kx_wbuf_u32(w, (uint32_t)n);
    kx_wbuf_bytes(w, s, n);
}

void kx_parse_put_idcard(kx_wbuf *w, const kx_idcard *c)
{
    char sex[2] = {c->sex, 0};
    parse_put_str(w, c->name, sizeof c->name);
    parse_put_str(w, sex, sizeof sex);
    parse_put_str(w, c->nation_code, sizeof c->nation_code);
    parse_put_str(w, c->nation, sizeof c->nation);
    parse_put_str(w, c->birth, sizeof c->birth);
    parse_put_str(w, c->address, sizeof c->address);
    parse_put_str(w, c->id_number, sizeof c->id_number);
    parse_put_str(w, c->authority, sizeof c->authority);
    parse_put_str(w, c->valid_from, sizeof c->valid_from);
    parse_put_str(w, c->valid_to, sizeof c->valid_to);
}

/* a string of at most outsz-1 bytes made only of the characters `allowed`
 * (NULL: any UTF-8 text without control characters) */
static void parse_get_str(kx_rbuf *r, char *out, size_t outsz, const char *allowed)
{
    uint32_t n = kx_rbuf_u32(r);
    const uint8_t *p = n < outsz ? kx_rbuf_bytes(r, n) : NULL;
    out[0] = 0;
    if (!p && n) {
        r->failed = 1;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] == 0x7f || (allowed && !strchr(allowed, p[i]))) {
            r->failed = 1;
            return;
        }
    if (n)
        memcpy(out, p, n);
    out[n] = 0;
}

kx_err kx_parse_get_idcard(kx_rbuf *r, kx_idcard *out)
{
    static const char date[] = "0123456789-";
    char sex[2];
    memset(out, 0, sizeof *out);
    parse_get_str(r, out->name, sizeof out->name, NULL);
    parse_get_str(r, sex, sizeof sex, "MF");
    out->sex = sex[0];
    parse_get_str(r, out->nation_code, sizeof out->nation_code, "0123456789");
    parse_get_str(r, out->nation, sizeof out->nation, NULL);
    parse_get_str(r, out->birth, sizeof out->birth, date);
    parse_get_str(r, out->address, sizeof out->address, NULL);
    parse_get_str(r, out->id_number, sizeof out->id_number, "0123456789X");
    parse_get_str(r, out->authority, sizeof out->authority, NULL);
    parse_get_str(r, out->valid_from, sizeof out->valid_from, date);
    parse_get_str(r, out->valid_to, sizeof out->valid_to, "0123456789-long_term");
    if (r->failed || r->pos != r->len) {
        kx_idcard_clear(out);
        kx_err_set_detail("parse reply: ID card text out of range");
        return KX_ERR_BAD_FORMAT;
    }
    return KX_OK;
}

/* ---- which document ---- */

static void parse_put_box(kx_wbuf *w, const int box[4])
{
    for (int i = 0; i < 4; i++)
        kx_wbuf_i32(w, box[i]);
}

void kx_parse_put_doccheck(kx_wbuf *w, const kx_parse_doc *d, int img_w, int img_h)
{
    kx_wbuf_i32(w, img_w);
    kx_wbuf_i32(w, img_h);
    kx_wbuf_i32(w, (int32_t)d->check.kind);
    kx_wbuf_i32(w, d->check.ocr ? 1 : 0);
    kx_wbuf_f64(w, d->check.ink_share);
    kx_wbuf_f64(w, d->check.faint_share);
    parse_put_box(w, d->check.bbox);
    kx_wbuf_i32(w, d->have_sign ? 1 : 0);
    if (!d->have_sign)
        return;
    kx_wbuf_i32(w, d->sign.field_found ? 1 : 0);
    parse_put_box(w, d->sign.field);
    kx_wbuf_f64(w, d->sign.ink_mm2);
    kx_wbuf_f64(w, d->sign.red_mm2);
    kx_wbuf_i32(w, d->sign.present ? 1 : 0);
}

/* a box x, y, w, h inside a w x h image */
static void parse_get_box(kx_rbuf *r, int box[4], int w, int h)
{
    for (int i = 0; i < 4; i++)
        box[i] = kx_rbuf_i32(r, 0, KX_IMAGE_MAX_SIDE);
    if ((long)box[0] + box[2] > w || (long)box[1] + box[3] > h)
        r->failed = 1;
}

kx_err kx_parse_get_doccheck(kx_rbuf *r, kx_parse_doc *out)
{
    memset(out, 0, sizeof *out);
    int w = kx_rbuf_i32(r, 1, KX_IMAGE_MAX_SIDE);
    int h = kx_rbuf_i32(r, 1, KX_IMAGE_MAX_SIDE);
    out->check.kind = (kx_doc_kind)kx_rbuf_i32(r, KX_PAGE_UNKNOWN, KX_PAGE_KIND_COUNT - 1);
    out->check.ocr = kx_rbuf_i32(r, 0, 1);
    out->check.ink_share = kx_rbuf_f64(r, 0, 1);
    out->check.faint_share = kx_rbuf_f64(r, 0, 1);
    parse_get_box(r, out->check.bbox, w, h);
    out->have_sign = kx_rbuf_i32(r, 0, 1);
    if (out->have_sign) {
        /* a page's area is under 10^6 mm² at any resolution the kiosk scans */
        out->sign.field_found = kx_rbuf_i32(r, 0, 1);
        parse_get_box(r, out->sign.field, w, h);
        out->sign.ink_mm2 = kx_rbuf_f64(r, 0, 1e6);
        out->sign.red_mm2 = kx_rbuf_f64(r, 0, 1e6);
        out->sign.present = kx_rbuf_i32(r, 0, 1);
    }
    if (r->failed || r->pos != r->len) {
        memset(out, 0, sizeof *out);
        kx_err_set_detail("parse reply: document check out of range");
        return KX_ERR_BAD_FORMAT;
    }
    return KX_OK;
}

/* ---- the ID card cut from a scan ---- */

void kx_parse_put_cardcrop(kx_wbuf *w, const kx_cardcrop_found *f, const kx_image *card)
{
    for (int i = 0; i < 4; i++) {
        kx_wbuf_f64(w, f->corners[i][0]);
        kx_wbuf_f64(w, f->corners[i][1]);
    }
    kx_wbuf_f64(w, f->angle_deg);
    kx_wbuf_f64(w, f->size_mm[0]);
    kx_wbuf_f64(w, f->size_mm[1]);
    kx_wbuf_f64(w, f->dpi);
    kx_wbuf_image(w, card);
}

kx_err kx_parse_get_cardcrop(kx_rbuf *r, int in_w, int in_h, int in_channels,
                             kx_cardcrop_found *f, kx_image **card)
{
    *card = NULL;
    memset(f, 0, sizeof *f);
    /* a corner may lie a little outside a card at the scan's edge */
    double mx = in_w * 0.1 + 1, my = in_h * 0.1 + 1;
    for (int i = 0; i < 4; i++) {
        f->corners[i][0] = kx_rbuf_f64(r, -mx, in_w + mx);
        f->corners[i][1] = kx_rbuf_f64(r, -my, in_h + my);
    }
    f->angle_deg = kx_rbuf_f64(r, -45, 45);
    f->size_mm[0] = kx_rbuf_f64(r, 0, 1000);
    f->size_mm[1] = kx_rbuf_f64(r, 0, 1000);
    f->dpi = kx_rbuf_f64(r, 1, 100000);
    kx_err rc = r->failed ? KX_ERR_BAD_FORMAT : kx_rbuf_image(r, card);
    if (!rc) {
        /* exactly the card's size at its dpi, the input's kind of pixels */
        const kx_image *c = *card;
        long want_w = lround(KX_CARD_WIDTH_MM / 25.4 * f->dpi);
        long want_h = lround(KX_CARD_HEIGHT_MM / 25.4 * f->dpi);
        int want_ch = in_channels == 1 ? 1 : 3;
        if (r->pos != r->len || c->width != want_w || c->height != want_h ||
            c->channels != want_ch || fabs(c->dpi - f->dpi) > 1e-6)
            rc = KX_ERR_BAD_FORMAT;
    }
    if (rc) {
        kx_image_free(*card);
        *card = NULL;
        memset(f, 0, sizeof *f);
        kx_err_set_detail("parse reply: card crop out of range");
        rc = KX_ERR_BAD_FORMAT;
    }
    return rc;
}
