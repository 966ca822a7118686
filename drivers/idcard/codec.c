/* SPDX-License-Identifier: MIT */
/*
 * codec.c - GA 467 family serial frames, the base-message text decoder, the
 * nation table and the kiosk's checks on a card. Pure functions, no I/O.
 *
 * Frame: AA AA AA 96 69 | LEN hi lo | body | CHK, where LEN counts body and
 * CHK, and CHK is the XOR of the two LEN bytes and every body byte.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/secbuf.h"
#include "core/str.h"
#include "domain/idnum.h"
#include "idcard.h"

static const uint8_t ga467_preamble[5] = {0xAA, 0xAA, 0xAA, 0x96, 0x69};

kx_err kx_ga467_encode(const uint8_t *body, size_t len, uint8_t *out, size_t outsz,
                       size_t *out_len)
{
    if (!body || !out || !out_len || len == 0 || len > KX_GA467_MAX_BODY)
        return KX_ERR_INVALID_ARG;
    if (outsz < len + 8)
        return KX_ERR_TOO_LARGE;
    memcpy(out, ga467_preamble, 5);
    size_t l = len + 1;
    out[5] = (uint8_t)(l >> 8);
    out[6] = (uint8_t)(l & 0xff);
    uint8_t chk = out[5] ^ out[6];
    for (size_t i = 0; i < len; i++) {
        out[7 + i] = body[i];
        chk ^= body[i];
    }
    out[7 + len] = chk;
    *out_len = len + 8;
    return KX_OK;
}

kx_err kx_ga467_feed(kx_ga467_parser *p, const uint8_t *data, size_t n)
{
    if (!p || (!data && n))
        return KX_ERR_INVALID_ARG;
    kx_err rc = KX_OK;
    if (n > sizeof(p->buf)) { /* keep the newest bytes */
        p->dropped += n - sizeof(p->buf);
        data += n - sizeof(p->buf);
        n = sizeof(p->buf);
        rc = KX_ERR_TOO_LARGE;
    }
    if (p->len + n > sizeof(p->buf)) {
        size_t drop = p->len + n - sizeof(p->buf);
        memmove(p->buf, p->buf + drop, p->len - drop);
        p->len -= drop;
        p->dropped += drop;
        rc = KX_ERR_TOO_LARGE;
    }
    if (n) /* data may be NULL when n is 0; memcpy must not see it */
        memcpy(p->buf + p->len, data, n);
    p->len += n;
    return rc;
}

static void parser_drop(kx_ga467_parser *p, size_t n)
{
    if (n > p->len)
        n = p->len;
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
}

kx_err kx_ga467_next(kx_ga467_parser *p, kx_ga467_frame *out)
{
    if (!p || !out)
        return KX_ERR_INVALID_ARG;
    for (;;) {
        /* resynchronise: skip to the first full or partial preamble */
        size_t i = 0;
        while (i < p->len) {
            size_t k = 0;
            while (k < 5 && i + k < p->len && p->buf[i + k] == ga467_preamble[k])
                k++;
            if (k == 5 || i + k == p->len)
                break;
            i++;
        }
        if (i) {
            p->dropped += i;
            parser_drop(p, i);
        }
        if (p->len < 7)
            return KX_ERR_NOT_FOUND;
        size_t l = ((size_t)p->buf[5] << 8) | p->buf[6];
        if (l < 2 || l > KX_GA467_MAX_BODY + 1) {
            /* impossible length: not a frame start; skip its first byte */
            p->dropped++;
            parser_drop(p, 1);
            kx_err_set_detail("ID reader frame length %zu out of range", l);
            return KX_ERR_FRAME;
        }
        if (p->len < 7 + l)
            return KX_ERR_NOT_FOUND;
        uint8_t chk = p->buf[5] ^ p->buf[6];
        for (size_t k = 0; k < l - 1; k++)
            chk ^= p->buf[7 + k];
        if (chk != p->buf[7 + l - 1]) {
            p->dropped++;
            parser_drop(p, 1); /* maybe a preamble hides inside: rescan */
            kx_err_set_detail("ID reader frame checksum mismatch");
            return KX_ERR_FRAME;
        }
        memcpy(out->body, p->buf + 7, l - 1);
        out->len = l - 1;
        parser_drop(p, 7 + l);
        return KX_OK;
    }
}

kx_err kx_ga467_status_err(uint8_t sw3)
{
    switch (sw3) {
    case 0x90:
    case 0x9F:
        return KX_OK;
    case 0x91: /* no content */
    case 0x80: /* find failed */
        return KX_ERR_CARD_ABSENT;
    case 0x81: /* select failed */
    case 0x41: /* read failed */
        return KX_ERR_CARD_LIFTED;
    case 0x10: /* checksum error: our frame reached it corrupted */
    case 0x11: /* length error */
        return KX_ERR_FRAME;
    case 0x21: /* bad command */
        return KX_ERR_UNSUPPORTED;
    case 0x40: /* unknown card */
    case 0x31:
    case 0x32: /* card-SAM authentication failed */
    case 0x33:
        return KX_ERR_CARD_READ;
    case 0x23: /* not authorised */
    case 0x47: /* random-number failure */
    case 0x60: /* SAM self-test failed */
    case 0x66: /* SAM not authorised */
        return KX_ERR_SAM;
    default:
        return KX_ERR_CARD_READ;
    }
}

/* GB/T 3304 nation codes */
static const char *const nation_names[] = {
    "汉",     "蒙古",   "回",       "藏",     "维吾尔",   "苗",   "彝",     "壮",
    "布依",   "朝鲜",   "满",       "侗",     "瑶",       "白",   "土家",   "哈尼",
    "哈萨克", "傣",     "黎",       "傈僳",   "佤",       "畲",   "高山",   "拉祜",
    "水",     "东乡",   "纳西",     "景颇",   "柯尔克孜", "土",   "达斡尔", "仫佬",
    "羌",     "布朗",   "撒拉",     "毛南",   "仡佬",     "锡伯", "阿昌",   "普米",
    "塔吉克", "怒",     "乌孜别克", "俄罗斯", "鄂温克",   "德昂", "保安",   "裕固",
    "京",     "塔塔尔", "独龙",     "鄂伦春", "赫哲",     "门巴", "珞巴",   "基诺"};

const char *kx_idcard_nation_name(const char *code)
{
    long v;
    if (!code || strlen(code) != 2 || kx_parse_long(code, 1, 98, &v))
        return NULL;
    if (v >= 1 && v <= 56)
        return nation_names[v - 1];
    if (v == 97)
        return "其他";
    if (v == 98)
        return "外国血统中国籍人士";
    return NULL;
}

/* one field: UCS-2LE bytes -> UTF-8, trailing spaces and NULs removed */
static kx_err text_field(const uint8_t *src, size_t n, char *out, size_t outsz)
{
    iconv_t cd = iconv_open("UTF-8", "UCS-2LE");
    if (cd == (iconv_t)-1)
        return KX_ERR_INTERNAL;
    char in[80];
    memcpy(in, src, n);
    char *ip = in, *op = out;
    size_t il = n, ol = outsz - 1;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    if (r == (size_t)-1) {
        out[0] = '\0';
        kx_err_set_detail("ID card text is not valid UCS-2");
        return KX_ERR_BAD_FORMAT;
    }
    *op = '\0';
    size_t len = (size_t)(op - out);
    while (len && (out[len - 1] == ' ' || out[len - 1] == '\0'))
        out[--len] = '\0';
    /* no control characters in anything shown or logged */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)out[i] < 0x20)
            return KX_ERR_BAD_FORMAT;
    return KX_OK;
}

static kx_err text_date(const char *in, char *out, size_t outsz)
{
    int y, m, d;
    if (kx_parse_date(in, &y, &m, &d))
        return KX_ERR_BAD_FORMAT;
    snprintf(out, outsz, "%04d-%02d-%02d", y, m, d);
    return KX_OK;
}

kx_err kx_idcard_decode_text(const uint8_t text[256], kx_idcard *out)
{
    if (!text || !out)
        return KX_ERR_INVALID_ARG;
    /* field widths in bytes (GA 467 base message) */
    char sex[8], nation[8], birth[24], number[48], from[24], to[24];
    kx_err rc;
    if ((rc = text_field(text + 0, 30, out->name, sizeof(out->name))) ||
        (rc = text_field(text + 30, 2, sex, sizeof(sex))) ||
        (rc = text_field(text + 32, 4, nation, sizeof(nation))) ||
        (rc = text_field(text + 36, 16, birth, sizeof(birth))) ||
        (rc = text_field(text + 52, 70, out->address, sizeof(out->address))) ||
        (rc = text_field(text + 122, 36, number, sizeof(number))) ||
        (rc = text_field(text + 158, 30, out->authority, sizeof(out->authority))) ||
        (rc = text_field(text + 188, 16, from, sizeof(from))) ||
        (rc = text_field(text + 204, 16, to, sizeof(to))))
        return rc;
    out->sex = strcmp(sex, "1") == 0 ? 'M' : strcmp(sex, "2") == 0 ? 'F' : 0;
    const char *nname = kx_idcard_nation_name(nation);
    if (!nname) {
        kx_err_set_detail("ID card nation code '%s' unknown", nation);
        return KX_ERR_BAD_FORMAT;
    }
    kx_strlcpy(out->nation_code, nation, sizeof(out->nation_code));
    kx_strlcpy(out->nation, nname, sizeof(out->nation));
    if (text_date(birth, out->birth, sizeof(out->birth)) ||
        text_date(from, out->valid_from, sizeof(out->valid_from))) {
        kx_err_set_detail("ID card date is not a real date");
        return KX_ERR_BAD_FORMAT;
    }
    if (strcmp(to, "长期") == 0)
        kx_strlcpy(out->valid_to, "long_term", sizeof(out->valid_to));
    else if (text_date(to, out->valid_to, sizeof(out->valid_to)))
        return KX_ERR_BAD_FORMAT;
    if (strlen(number) != 18) {
        kx_err_set_detail("ID card number has %zu characters", strlen(number));
        return KX_ERR_BAD_FORMAT;
    }
    for (int i = 0; i < 18; i++)
        out->id_number[i] = number[i] == 'x' ? 'X' : number[i];
    out->id_number[18] = '\0';
    return KX_OK;
}

void kx_idcard_check(const kx_idcard *card, const kx_rules *rules, int y, int m, int d,
                     kx_idcard_checks *out)
{
    memset(out, 0, sizeof(*out));
    kx_idnum_info info;
    out->id_number_valid = kx_idnum_check(card->id_number, &info) == KX_IDNUM_VALID;
    int by = 0, bm = 0, bd = 0;
    int birth_ok = kx_parse_date(card->birth, &by, &bm, &bd) == KX_OK;
    out->consistent = out->id_number_valid && birth_ok && info.birth_year == by &&
                      info.birth_month == bm && info.birth_day == bd && info.sex == card->sex;
    out->expired = kx_rule_id_card_valid(card->valid_to, y, m, d) != KX_OK;
    out->adult = birth_ok && kx_rule_agent_age(rules, by, bm, bd, y, m, d) == KX_OK;
}

void kx_idcard_clear(kx_idcard *card)
{
    if (!card)
        return;
    free(card->photo_rgb);
    kx_wipe(card, sizeof(*card));
}
