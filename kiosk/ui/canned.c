/* SPDX-License-Identifier: MIT */
/*
 * canned.c - canned states for the screenshot harness and the benchmark:
 * at least one state per screen id of the protocol, plus the variants that
 * look different (activities, documents, errors, overlays), written as the
 * JSON kioskd would publish and parsed by the same code.
 *
 * Texts use the engine's msgids (po/zh_CN/engine.po), so screenshots show
 * what kioskd would show. Sample people and companies are fictitious.
 * Preview images (licence, ID card, seal sheet) are drawn here into PNG
 * files, like the scans kioskd writes to its spool. The staff screens'
 * sample entries (a typed staff number, a name typed by hand) are set by
 * kx_staff_ui_canned at the end.
 */
#include <errno.h>
#include <jansson.h>
#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/str.h"
#include "ui/staff_internal.h"
#include "ui/ui_internal.h"

#define CANNED_MAX 96

typedef struct canned_ctx {
    kx_canned *list;
    int n;
    const char *lang;
    const char *spool;
} canned_ctx;

/* ---- preview images ---- */

static void canned_rect(SDL_Surface *s, int x, int y, int w, int h, Uint32 rgb)
{
    SDL_Rect r = {x, y, w, h};
    SDL_FillRect(s, &r, 0xFF000000u | rgb);
}

/* canned_ring - a stamp: a ring with a star-like centre, in ink colour. */
static void canned_ring(SDL_Surface *s, int cx, int cy, int r, int t, Uint32 rgb)
{
    for (int y = cy - r; y <= cy + r; y++)
        for (int x = cx - r; x <= cx + r; x++) {
            int dx = x - cx, dy = y - cy, d2 = dx * dx + dy * dy;
            int in_ring = d2 <= r * r && d2 >= (r - t) * (r - t);
            int in_star = d2 <= (r / 4) * (r / 4);
            if ((in_ring || in_star) && x >= 0 && y >= 0 && x < s->w && y < s->h)
                ((Uint32 *)((Uint8 *)s->pixels + y * s->pitch))[x] = 0xFF000000u | rgb;
        }
}

static void canned_lines(SDL_Surface *s, int x, int y, int w, int n, int gap, Uint32 rgb)
{
    for (int i = 0; i < n; i++)
        canned_rect(s, x, y + i * gap, w - (i % 3) * w / 5, 10, rgb);
}

static kx_err canned_save(SDL_Surface *s, const char *dir, const char *name, char *path,
                          size_t n)
{
    snprintf(path, n, "%s/%s.png", dir, name);
    int ok = IMG_SavePNG(s, path) == 0;
    SDL_FreeSurface(s);
    if (!ok) {
        kx_err_set_detail("%s: %s", path, SDL_GetError());
        return KX_ERR_IO;
    }
    return KX_OK;
}

/* canned_write_form - the application form's review image (A4 at 150
 * dpi, as kioskd renders it): title, notes, the table's sections with
 * grey bars for the filled-in values, the declaration box. */
static kx_err canned_write_form(const char *dir)
{
    char path[600];
    const int mm6 = 59; /* ten times the pixels of a millimetre at 150 dpi */
#define MM(v) ((int)((v)*mm6 / 10))
    SDL_Surface *s =
        SDL_CreateRGBSurfaceWithFormat(0, 1240, 1754, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return KX_ERR_NO_MEMORY;
    canned_rect(s, 0, 0, 1240, 1754, 0xFFFFFF);
    canned_rect(s, MM(20), MM(12), MM(12), MM(4), 0x333333);
    canned_rect(s, MM(65), MM(22), MM(80), MM(8), 0x111111);
    canned_lines(s, MM(20), MM(38), MM(170), 3, MM(6), 0x555555);
    /* sections: business 2 rows, organisation 3, agent 4; rows of 13 mm */
    static const int rows[] = {2, 3, 4};
    int y = MM(62);
    for (int k = 0; k < 3; k++) {
        int h = rows[k] * MM(13);
        canned_rect(s, MM(20), y, MM(170), 3, 0x222222);
        canned_rect(s, MM(20), y, 3, h, 0x222222);
        canned_rect(s, MM(36), y, 3, h, 0x222222);
        canned_rect(s, MM(80), y, 3, h, 0x222222);
        canned_rect(s, MM(190), y, 3, h, 0x222222);
        canned_rect(s, MM(26), y + h / 2 - MM(6), MM(5), MM(12), 0x333333);
        for (int r = 0; r < rows[k]; r++) {
            int ry = y + r * MM(13);
            if (r)
                canned_rect(s, MM(36), ry, MM(154), 3, 0x222222);
            canned_rect(s, MM(40), ry + MM(5), MM(30), MM(3), 0x444444);
            canned_rect(s, MM(84), ry + MM(5), MM(60 + (r * 23 + k * 17) % 40), MM(3),
                        0x1A1A1A);
        }
        y += h;
    }
    canned_rect(s, MM(20), y, MM(170), 3, 0x222222);
    canned_rect(s, MM(20), y, 3, MM(62), 0x222222);
    canned_rect(s, MM(36), y, 3, MM(62), 0x222222);
    canned_rect(s, MM(190), y, 3, MM(62), 0x222222);
    canned_rect(s, MM(20), y + MM(62), MM(170), 3, 0x222222);
    canned_lines(s, MM(40), y + MM(5), MM(146), 2, MM(6), 0x555555);
    canned_rect(s, MM(110), y + MM(30), MM(50), MM(3), 0x444444);
    canned_rect(s, MM(110), y + MM(47), MM(60), MM(3), 0x444444);
#undef MM
    return canned_save(s, dir, "application_form", path, sizeof path);
}

kx_err kx_canned_write_previews(const char *dir)
{
    char path[600];
    kx_err rc;
    SDL_Surface *s;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return KX_ERR_IO;
    /* business licence: cream paper, red-brown frame, QR code bottom left */
    s = SDL_CreateRGBSurfaceWithFormat(0, 1100, 780, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return KX_ERR_NO_MEMORY;
    canned_rect(s, 0, 0, 1100, 780, 0xF7F1E3);
    canned_rect(s, 30, 30, 1040, 720, 0xB0532C);
    canned_rect(s, 42, 42, 1016, 696, 0xF7F1E3);
    canned_rect(s, 380, 90, 340, 40, 0x8A3A1E);
    canned_lines(s, 420, 200, 560, 11, 42, 0x6F6A60);
    canned_rect(s, 90, 420, 240, 240, 0xFFFFFF);
    for (int y = 0; y < 21; y++)
        for (int x = 0; x < 21; x++)
            if (((x * 7 + y * 13 + x * y) % 5 < 2) ||
                ((x < 7 || x > 13) && (y < 7 || y > 13) &&
                 !((x == 1 || x == 5 || x == 15 || x == 19) && y > 0 && y < 20)))
                if (!(x > 13 && y > 13))
                    canned_rect(s, 100 + x * 10, 430 + y * 10, 10, 10, 0x1A1A1A);
    canned_ring(s, 880, 620, 90, 8, 0xC8281E);
    if ((rc = canned_save(s, dir, "licence", path, sizeof path)))
        return rc;
    /* ID card front */
    s = SDL_CreateRGBSurfaceWithFormat(0, 856, 540, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return KX_ERR_NO_MEMORY;
    canned_rect(s, 0, 0, 856, 540, 0xE9EEF2);
    canned_rect(s, 20, 20, 816, 500, 0xF4F2EA);
    canned_lines(s, 60, 70, 420, 6, 60, 0x55606B);
    canned_rect(s, 560, 60, 230, 290, 0xC9D3DC);
    canned_rect(s, 620, 110, 110, 130, 0x8E9BA8);
    canned_rect(s, 590, 250, 170, 100, 0x8E9BA8);
    canned_rect(s, 60, 440, 700, 26, 0x3C4650);
    if ((rc = canned_save(s, dir, "id_front", path, sizeof path)))
        return rc;
    /* seal sheet: three rows, label cell + two capture cells */
    s = SDL_CreateRGBSurfaceWithFormat(0, 850, 1100, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return KX_ERR_NO_MEMORY;
    canned_rect(s, 0, 0, 850, 1100, 0xFFFFFF);
    canned_rect(s, 275, 70, 300, 30, 0x222222);
    for (int r = 0; r <= 3; r++)
        canned_rect(s, 60, 160 + r * 280, 730, 4, 0x222222);
    canned_rect(s, 60, 160, 4, 844, 0x222222);
    canned_rect(s, 250, 160, 4, 844, 0x222222);
    canned_rect(s, 520, 160, 4, 844, 0x222222);
    canned_rect(s, 786, 160, 4, 844, 0x222222);
    for (int r = 0; r < 3; r++)
        canned_rect(s, 90, 290 + r * 280, 130, 20, 0x444444);
    canned_ring(s, 385, 300, 100, 9, 0xC8281E);
    canned_ring(s, 655, 300, 100, 9, 0xC8281E);
    canned_ring(s, 385, 580, 70, 7, 0xC8281E);
    canned_ring(s, 640, 460, 70, 7, 0xC8281E); /* across the ruling line */
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 160; i++) {
            int x = 310 + k * 270 + i, y = 860 + (int)(30.0 * SDL_sin(i / 14.0));
            canned_rect(s, x, y, 5, 5, 0x1E2A6E);
        }
    if ((rc = canned_save(s, dir, "seal_sheet", path, sizeof path)))
        return rc;
    return canned_write_form(dir);
}

/* ---- states ---- */

static json_t *canned_text(const char *msgid, const char *k1, const char *v1, const char *k2,
                           const char *v2)
{
    json_t *args = json_object();
    if (k1)
        json_object_set_new(args, k1, json_string(v1));
    if (k2)
        json_object_set_new(args, k2, json_string(v2));
    return json_pack("{s:s, s:o}", "msgid", msgid, "args", args);
}

/* canned_state - the common fields; intents is a space-separated list. */
static json_t *canned_state(const canned_ctx *c, const char *screen, const char *service,
                            int step, int steps, const char *title, const char *intents)
{
    json_t *o = json_object(), *in = json_array();
    char list[256], *p, *save = NULL;
    json_object_set_new(o, "v", json_integer(1));
    json_object_set_new(o, "type", json_string("state"));
    json_object_set_new(o, "rev", json_integer(c->n + 1));
    json_object_set_new(o, "session",
                        service ? json_string("S20261123-101500-0001") : json_null());
    json_object_set_new(o, "screen", json_string(screen));
    json_object_set_new(o, "service", service ? json_string(service) : json_null());
    json_object_set_new(o, "lang", json_string(c->lang));
    if (service && steps > 0)
        json_object_set_new(o, "step", json_pack("{s:i, s:i}", "index", step, "count", steps));
    json_object_set_new(o, "title", canned_text(title, NULL, NULL, NULL, NULL));
    json_object_set_new(o, "body", json_array());
    kx_strlcpy(list, intents, sizeof list);
    for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save))
        json_array_append_new(in, json_string(p));
    json_array_append_new(in, json_string("set_language"));
    if (service) {
        json_array_append_new(in, json_string("activity"));
        json_object_set_new(o, "timeout", json_pack("{s:i, s:i}", "total", 180, "left", 174));
    }
    json_object_set_new(o, "intents", in);
    return o;
}

static void canned_body(json_t *o, json_t *text)
{
    json_array_append_new(json_object_get(o, "body"), text);
}

static void canned_add(canned_ctx *c, const char *name, json_t *o, int overlay, int typed,
                       int ukey)
{
    if (c->n >= CANNED_MAX) {
        json_decref(o);
        return;
    }
    c->list[c->n].name = name;
    c->list[c->n].json = json_dumps(o, JSON_COMPACT);
    c->list[c->n].overlay = overlay;
    c->list[c->n].typed = typed;
    c->list[c->n].ukey = ukey;
    json_decref(o);
    if (c->list[c->n].json)
        c->n++;
}

/* canned_add_staff - a state with a staff screen over it; reply is the
 * result of that screen's request (a JSON object, or NULL). */
static void canned_add_staff(canned_ctx *c, const char *name, json_t *o, const char *screen,
                             json_t *reply)
{
    int at = c->n;
    canned_add(c, name, o, 0, 0, 0);
    if (c->n == at) {
        json_decref(reply);
        return;
    }
    c->list[at].staff = screen;
    if (reply) {
        c->list[at].reply = json_dumps(reply, JSON_COMPACT);
        json_decref(reply);
    }
}

static json_t *canned_cert(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "company", "江西赣江数字科技有限公司",
                     "uscc", "91360106MA38K7QX2B", "subject",
                     "CN=江西赣江数字科技有限公司,O=JXCA", "serial", "4F2A 91C3 7D05 2B18",
                     "not_after", "2026-12-01", "days_left", 8);
}

static json_t *canned_company(void)
{
    return json_pack("{s:s, s:s, s:s}", "name", "江西赣江数字科技有限公司", "uscc",
                     "91360106MA38K7QX2B", "legal_rep", "李明");
}

static json_t *canned_preview(const canned_ctx *c, const char *doc, const char *file, int w,
                              int h)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.png", c->spool, file);
    return json_pack("[{s:s, s:s, s:i, s:i}]", "doc", doc, "path", path, "width", w, "height",
                     h);
}

static json_t *canned_error(kx_err code, const char *action, const char *tries)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:{s:s}}", "code", (int)code, "name",
                     kx_err_name(code), "msgid", kx_err_message(code), "action", action, "args",
                     "tries_left", tries);
}

/* canned_hall - the hall of config/sites.conf's first section as kioskd
 * publishes it on home, with five of the others (two pages of the list) */
static json_t *canned_hall(const char *lang)
{
    static const char *const halls[][5] = {
        {"江西省数字证书有限公司办证大厅", "Jiangxi Digital Certificate Co. service hall",
         "南昌市省府大院西二路3号3楼",
         "3F, No. 3 West Second Road, Provincial Government Compound, Nanchang",
         "0791-82097407、86212680、86212003"},
        {"江西省行政中心集中办事大厅（江西省新政府会议大楼东楼）",
         "Jiangxi Administrative Center service hall (East Building, new Provincial "
         "Government Conference Building)",
         "南昌市红谷滩新区卧龙路1000号",
         "No. 1000 Wolong Road, Honggutan New District, Nanchang", "0791-88901520"},
        {"抚州办证点", "Fuzhou service point", "抚州市玉茗大道801号(牛角湾农贸市场旁)",
         "No. 801 Yuming Avenue, Fuzhou (beside Niujiaowan farmers' market)", "0794-8208389"},
        {"赣州办证点", "Ganzhou service point", "赣州开发区精品汽车4s店-条街比亚迪汽车楼上六楼",
         "6F above the BYD dealer, car dealer street, Ganzhou Development Zone",
         "0797-8239608"},
        {"九江办证点", "Jiujiang service point", "九江市浔阳区滨江路213号民政局8楼",
         "8F, Civil Affairs Bureau, No. 213 Binjiang Road, Xunyang District, Jiujiang",
         "0792-8159907"},
        {"新余办证点", "Xinyu service point", "新余市赣西大道426号",
         "No. 426 Ganxi Avenue, Xinyu", "0790-6458559"},
    };
    int en = lang && strcmp(lang, "en") == 0;
    json_t *others = json_array();
    for (size_t i = 1; i < sizeof halls / sizeof halls[0]; i++)
        json_array_append_new(others,
                              json_pack("{s:s, s:s, s:s}", "name", halls[i][en], "address",
                                        halls[i][2 + en], "phone", halls[i][4]));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", "hall-provincial", "name",
                     halls[0][en], "address", halls[0][2 + en], "counter", "", "phone",
                     halls[0][4], "others", others);
}

static void canned_home_and_waits(canned_ctx *c)
{
    json_t *o = canned_state(c, "home", NULL, 0, 0, N_("Choose a service"), "choose_service");
    canned_body(o, canned_text(N_("Touch the service you need."), NULL, NULL, NULL, NULL));
    json_object_set_new(o, "hall", canned_hall(c->lang));
    json_t *list = json_deep_copy(o), *list2 = json_deep_copy(o), *bare = json_deep_copy(o);
    canned_add(c, "home", o, 0, 0, 0);
    /* the other halls (typed: the list's page shown), and a kiosk that
     * names no hall */
    if (list)
        canned_add(c, "home-halls", list, 0, 1, 0);
    if (list2)
        canned_add(c, "home-halls-2", list2, 0, 2, 0);
    if (bare) {
        json_object_set_new(bare, "hall", json_null());
        canned_add(c, "home-nohall", bare, 0, 0, 0);
    }

    o = canned_state(c, "busy", "renew", 2, 7, N_("Reading the UKEY"), "");
    json_object_set_new(o, "activity", json_string("reading_token"));
    canned_add(c, "busy", o, 0, 0, 1);
    o = canned_state(c, "busy", "new", 1, 20, N_("Scanning"), "cancel");
    json_object_set_new(o, "activity", json_string("scanning"));
    json_object_set_new(o, "progress", json_real(0.4));
    canned_add(c, "busy-scanning", o, 0, 0, 0);
    o = canned_state(c, "busy", "new", 3, 20, N_("Contacting the CA"), "");
    json_object_set_new(o, "activity", json_string("contacting_ra"));
    canned_add(c, "busy-contacting_ra", o, 0, 0, 0);
    o = canned_state(c, "busy", "new", 5, 20, N_("Reading the ID card"), "");
    json_object_set_new(o, "activity", json_string("reading_card"));
    canned_add(c, "busy-reading_card", o, 0, 0, 0);

    o = canned_state(c, "review_wait", "new", 16, 20,
                     N_("The CA is reviewing your application"), "cancel");
    json_object_set_new(o, "progress", json_real(0.35));
    canned_add(c, "review_wait", o, 0, 0, 0);
}

static void canned_token_screens(canned_ctx *c)
{
    json_t *o =
        canned_state(c, "ukey_insert", "renew", 1, 7, N_("Insert your UKEY"), "cancel back");
    canned_add(c, "ukey_insert", o, 0, 0, 0);
    o = canned_state(c, "ukey_blank_insert", "new", 18, 20, N_("Insert a new blank UKEY"),
                     "cancel");
    canned_body(o, canned_text(N_("Staff give you a new UKEY. Insert it into the slot."), NULL,
                               NULL, NULL, NULL));
    canned_add(c, "ukey_blank_insert", o, 0, 0, 0);
    o = canned_state(c, "cert_show", "renew", 2, 7, N_("Your certificate"), "confirm cancel");
    json_object_set_new(o, "cert", canned_cert());
    canned_body(o, canned_text(N_("Certificate of {company}, valid until {date}."), "company",
                               "江西赣江数字科技有限公司", "date", "2026-12-01"));
    canned_body(o, canned_text(N_("{days} days left."), "days", "8", NULL, NULL));
    canned_add(c, "cert_show", o, 0, 0, 1);
    o = canned_state(c, "pin_enter", "renew", 3, 7, N_("Enter the UKEY PIN"),
                     "pin cancel back");
    json_object_set_new(
        o, "input",
        json_pack("{s:s, s:i, s:i, s:i}", "kind", "pin", "min", 4, "max", 16, "tries_left", 5));
    canned_add(c, "pin_enter", o, 0, 4, 1);
    o = canned_state(c, "pin_enter", "renew", 3, 7, N_("Enter the UKEY PIN"),
                     "pin cancel back");
    json_object_set_new(
        o, "input",
        json_pack("{s:s, s:i, s:i, s:i}", "kind", "pin", "min", 4, "max", 16, "tries_left", 5));
    canned_add(c, "idle_warning", o, KX_OVERLAY_IDLE, 2, 1);
    o = canned_state(c, "pin_new", "new", 19, 20, N_("Choose a new PIN"), "new_pin cancel");
    json_object_set_new(o, "input",
                        json_pack("{s:s, s:i, s:i}", "kind", "new_pin", "min", 6, "max", 16));
    canned_add(c, "pin_new", o, 0, 6, 0);
}

static void canned_money(canned_ctx *c)
{
    json_t *o = canned_state(c, "fee_confirm", "renew", 5, 7, N_("Fee"), "confirm cancel back");
    json_object_set_new(o, "fee", json_pack("{s:i, s:s}", "fen", 30000, "text", "300.00"));
    canned_body(o, canned_text(N_("The fee for this service is {amount} yuan."), "amount",
                               "300.00", NULL, NULL));
    canned_add(c, "fee_confirm", o, 0, 0, 1);
    o = canned_state(c, "fee_confirm", "renew", 5, 7, N_("Fee"), "confirm cancel back");
    json_object_set_new(o, "fee", json_pack("{s:i, s:s}", "fen", 30000, "text", "300.00"));
    canned_add(c, "cancel_confirm", o, KX_OVERLAY_CANCEL, 0, 1);
    o = canned_state(c, "payment", "renew", 6, 7, N_("Pay the fee"), "cancel");
    json_object_set_new(o, "fee", json_pack("{s:i, s:s}", "fen", 30000, "text", "300.00"));
    json_object_set_new(o, "payment",
                        json_pack("{s:s, s:s, s:i}", "order", "PO-20261123-000042", "qr",
                                  "https://pay.example.cn/jxca/PO-20261123-000042?sig=3f9a1c",
                                  "expires_in", 287));
    canned_body(o, canned_text(N_("Scan the code with WeChat or Alipay to pay {amount} yuan."),
                               "amount", "300.00", NULL, NULL));
    canned_add(c, "payment", o, 0, 0, 1);
}

/* the state's "print" member (docs/protocol.md); the msgids as kioskd sends them */
static json_t *canned_print(const char *receipt, const char *qr, const char *invoice,
                            const char *form_doc, const char *form)
{
    const char *msg = strcmp(receipt, "failed") == 0
                          ? N_("The receipt could not be printed: printer problem, please ask "
                               "staff.")
                      : strcmp(receipt, "on_screen") == 0
                          ? N_("Scan the code to keep your receipt.")
                          : NULL;
    const char *fmsg = strcmp(form, "printed") == 0
                           ? N_("The form has been printed. Stamp it, then place it to be "
                                "scanned.")
                           : NULL;
    return json_pack("{s:b, s:s, s:s?, s:n, s:s?, s:b, s:s?, s:s, s:s?}", "printer", !qr,
                     "receipt", receipt, "msgid", msg, "advice", "qr", qr, "qr_invoice",
                     invoice != NULL, "form_doc", form_doc, "form", form, "form_msgid", fmsg);
}

/* canned_agreement - the agreement as kioskd publishes it: the CA's text
 * of lang read from the source tree (or the installed copy), one
 * paragraph per non-empty line; null when neither can be read. */
static json_t *canned_agreement(const char *lang)
{
    static const char *const dirs[] = {KX_AGREEMENT_BUILD, KX_AGREEMENT_INSTALL};
    char path[1100], line[4096];
    FILE *fp = NULL;
    for (size_t i = 0; !fp && i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.txt", dirs[i],
                 lang && strcmp(lang, "en") == 0 ? "en" : "zh_CN");
        fp = fopen(path, "r");
    }
    if (!fp)
        return json_null();
    json_t *paras = json_array();
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            json_array_append_new(paras, json_string(line));
    }
    fclose(fp);
    return json_pack("{s:s, s:s, s:o}", "version", "canned", "lang",
                     lang && strcmp(lang, "en") == 0 ? "en" : "zh_CN", "paragraphs", paras);
}

static void canned_documents(canned_ctx *c)
{
    json_t *o =
        canned_state(c, "licence_place", "new", 1, 20,
                     N_("Place the business licence on the scanner"), "confirm cancel back");
    json_object_set_new(o, "doc", json_string("licence"));
    canned_add(c, "licence_place", o, 0, 0, 0);
    o = canned_state(c, "company_confirm", "new", 2, 20, N_("Check the company details"),
                     "confirm retry cancel");
    json_object_set_new(o, "company", canned_company());
    json_object_set_new(o, "previews", canned_preview(c, "licence", "licence", 1100, 780));
    canned_add(c, "company_confirm", o, 0, 0, 0);
    o = canned_state(c, "idcard_place", "new", 3, 20,
                     N_("Place the agent's ID card on the reader"), "cancel back");
    canned_add(c, "idcard_place", o, 0, 0, 0);
    o = canned_state(c, "agent_confirm", "new", 4, 20, N_("Check the agent's details"),
                     "confirm retry cancel");
    json_object_set_new(o, "agent",
                        json_pack("{s:s, s:s, s:i, s:s}", "name", "张伟", "idnum_masked",
                                  "360***********0071", "age", 35, "valid_to", "2036-05-01"));
    canned_add(c, "agent_confirm", o, 0, 0, 0);
    /* an ID card valid for life: kioskd sends `long_term` */
    o = canned_state(c, "agent_confirm", "new", 4, 20, N_("Check the agent's details"),
                     "confirm retry cancel");
    json_object_set_new(o, "agent",
                        json_pack("{s:s, s:s, s:i, s:s}", "name", "张伟", "idnum_masked",
                                  "360***********0071", "age", 35, "valid_to", "long_term"));
    canned_add(c, "agent_confirm-long_term", o, 0, 0, 0);
    o = canned_state(c, "doc_place", "new", 5, 20, N_("ID card, front side (photo)"),
                     "confirm cancel back");
    json_object_set_new(o, "doc", json_string("agent_id_front"));
    canned_body(o, canned_text(N_("Place it face down on the glass, then touch Scan."), NULL,
                               NULL, NULL, NULL));
    canned_add(c, "doc_place", o, 0, 0, 0);
    o = canned_state(c, "doc_place", "new", 13, 20, N_("Authorisation letter"),
                     "confirm cancel back print_form");
    json_object_set_new(o, "doc", json_string("auth_letter"));
    json_object_set_new(o, "print", canned_print("none", NULL, NULL, "auth_letter", "printed"));
    canned_body(o, canned_text(N_("Place it face down on the glass, then touch Scan."), NULL,
                               NULL, NULL, NULL));
    canned_add(c, "doc_place-auth_letter", o, 0, 0, 0);
    o = canned_state(c, "doc_review", "new", 6, 20, N_("ID card, front side (photo)"),
                     "confirm retry cancel");
    json_object_set_new(o, "doc", json_string("agent_id_front"));
    json_object_set_new(o, "previews",
                        canned_preview(c, "agent_id_front", "id_front", 856, 540));
    canned_add(c, "doc_review", o, 0, 0, 0);
    o = canned_state(c, "contact", "new", 9, 20, N_("Contact details"), "contact cancel back");
    json_object_set_new(o, "input", json_pack("{s:s}", "kind", "contact"));
    canned_add(c, "contact", o, 0, 7, 0);
    /* the application form: zoomed in (the first view), its last part,
     * and the whole page (typed: the part shown; -1 the whole page) */
    o = canned_state(c, "form_review", "new", 10, 21, N_("Check your application form"),
                     "confirm cancel back");
    json_object_set_new(o, "doc", json_string("application_form"));
    json_object_set_new(o, "previews",
                        canned_preview(c, "application_form", "application_form", 1240, 1754));
    canned_body(o, canned_text(N_("This is the application form the kiosk sends to the CA "
                                  "with your case. Check the company and your details."),
                               NULL, NULL, NULL, NULL));
    canned_body(o, canned_text(N_("To change the phone number or e-mail, go back. If the "
                                  "company or your own details are wrong, ask staff."),
                               NULL, NULL, NULL, NULL));
    json_t *form_end = json_deep_copy(o), *form_whole = json_deep_copy(o);
    canned_add(c, "form_review", o, 0, 0, 0);
    if (form_end)
        canned_add(c, "form_review-end", form_end, 0, 999, 0);
    if (form_whole)
        canned_add(c, "form_review-whole", form_whole, 0, -1, 0);
    o = canned_state(c, "agreement", "new", 10, 20, N_("User agreement"), "confirm cancel");
    canned_body(
        o, canned_text(
               N_("By accepting, you agree to the JXCA digital certificate user agreement."),
               NULL, NULL, NULL, NULL));
    json_object_set_new(o, "agreement", canned_agreement(c->lang));
    json_t *end = json_deep_copy(o);
    canned_add(c, "agreement", o, 0, 0, 0);
    /* its last page (typed: the page shown, clamped to the last) */
    if (end)
        canned_add(c, "agreement-end", end, 0, 999, 0);
    o = canned_state(c, "seal_place", "new", 11, 20,
                     N_("Place the seal collection sheet on the scanner"),
                     "confirm cancel back print_form");
    json_object_set_new(o, "doc", json_string("seal_sheet"));
    json_object_set_new(o, "print", canned_print("none", NULL, NULL, "seal_sheet", "none"));
    canned_add(c, "seal_place", o, 0, 0, 0);
    o = canned_state(c, "seal_review", "new", 12, 20, N_("Check the seal impressions"),
                     "retry cancel");
    json_object_set_new(o, "previews",
                        canned_preview(c, "seal_sheet", "seal_sheet", 850, 1100));
    json_object_set_new(
        o, "seal_cells",
        json_pack(
            "[{s:s,s:i,s:s,s:s},{s:s,s:i,s:s,s:s},{s:s,s:i,s:s,s:s},{s:s,s:i,s:s,s:s},"
            "{s:s,s:i,s:s,s:s},{s:s,s:i,s:s,s:s}]",
            "row", "company_seal", "cell", 0, "verdict", "ok", "msgid", "", "row",
            "company_seal", "cell", 1, "verdict", "ok", "msgid", "", "row", "legal_seal",
            "cell", 0, "verdict", "ok", "msgid", "", "row", "legal_seal", "cell", 1, "verdict",
            "crosses_line", "msgid",
            "The legal representative's seal touches a ruling line: stamp it again in the "
            "middle of a box, clear of the lines.",
            "row", "signature", "cell", 0, "verdict", "ok", "msgid", "", "row", "signature",
            "cell", 1, "verdict", "ok", "msgid", ""));
    canned_body(o,
                canned_text(N_("Stamp or sign again in the cells marked red, then scan again."),
                            NULL, NULL, NULL, NULL));
    canned_add(c, "seal_review", o, 0, 0, 0);
}

static void canned_revoke(canned_ctx *c)
{
    json_t *o = canned_state(c, "revoke_method", "revoke", 1, 6,
                             N_("How do you identify the certificate?"), "choose cancel");
    json_object_set_new(o, "choices",
                        json_pack("[{s:s, s:s}, {s:s, s:s}]", "value", "ukey", "msgid",
                                  N_("I have the UKEY"), "value", "licence", "msgid",
                                  N_("I use the business licence and ID card")));
    canned_add(c, "revoke_method", o, 0, 0, 0);
    o = canned_state(c, "revoke_reason", "revoke", 4, 6,
                     N_("Why should the certificate be revoked?"), "choose cancel back");
    json_object_set_new(
        o, "choices",
        json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "value", "unspecified",
                  "msgid", N_("No reason given"), "value", "key_compromise", "msgid",
                  N_("The key or UKEY was compromised or lost"), "value", "affiliation_changed",
                  "msgid", N_("The company details changed"), "value", "superseded", "msgid",
                  N_("The certificate was replaced"), "value", "cessation_of_operation",
                  "msgid", N_("The company ceased operating")));
    canned_add(c, "revoke_reason", o, 0, 0, 1);
    /* without the UKEY: the company's valid certificates from the RA */
    o = canned_state(c, "revoke_pick", "revoke", 4, 8,
                     N_("Which certificate should be revoked?"), "choose cancel back");
    canned_body(o,
                canned_text(N_("These are the company's valid certificates. Touch the one to "
                               "revoke, or all of them. The CA revokes them once it has "
                               "checked your documents."),
                            NULL, NULL, NULL, NULL));
    json_object_set_new(
        o, "choices",
        json_pack("[{s:s,s:{s:s,s:{s:s,s:s,s:s,s:s,s:s}}},"
                  "{s:s,s:{s:s,s:{s:s,s:s,s:s,s:s,s:s}}},{s:s,s:s}]",
                  "value", "4F2A91C37D052B18", "msgid", "msgid",
                  N_("{name}: serial {serial}, valid {valid_from} to {valid_to}, UKEY {ukey}"),
                  "args", "name", "江西赣江数字科技有限公司", "serial", "4F2A91C37D052B18",
                  "valid_from", "2025-12-01", "valid_to", "2026-12-01", "ukey", "HS0192837",
                  "value", "6B0E11D2A9C4F305", "msgid", "msgid",
                  N_("{name}: serial {serial}, valid {valid_from} to {valid_to}, UKEY {ukey}"),
                  "args", "name", "江西赣江数字科技有限公司", "serial", "6B0E11D2A9C4F305",
                  "valid_from", "2026-03-15", "valid_to", "2027-03-15", "ukey", "-", "value",
                  "all", "msgid", N_("All valid certificates of the company")));
    canned_add(c, "revoke_pick", o, 0, 0, 0);
    /* a company with many certificates: a page of them, Previous / Next */
    o = canned_state(c, "revoke_pick", "revoke", 4, 8,
                     N_("Which certificate should be revoked?"), "choose cancel back");
    {
        json_t *many = json_array();
        for (int i = 0; i < 9; i++) {
            char serial[24];
            snprintf(serial, sizeof serial, "5DB418EF6099%04X", 0x0A55 + i * 7);
            json_array_append_new(
                many,
                json_pack("{s:s,s:{s:s,s:{s:s,s:s,s:s,s:s,s:s}}}", "value", serial, "msgid",
                          "msgid",
                          N_("{name}: serial {serial}, valid {valid_from} to {valid_to}, "
                             "UKEY {ukey}"),
                          "args", "name", "江西赣江数字科技有限公司", "serial", serial,
                          "valid_from", "2026-01-08", "valid_to", "2027-01-07", "ukey", "-"));
        }
        json_array_append_new(many, json_pack("{s:s,s:s}", "value", "all", "msgid",
                                              N_("All valid certificates of the company")));
        json_object_set_new(o, "choices", many);
    }
    canned_add(c, "revoke_pick-many", o, 0, 0, 0);
    o = canned_state(c, "revoke_confirm", "revoke", 5, 6, N_("Revoke the certificate?"),
                     "confirm cancel back");
    json_object_set_new(o, "cert", canned_cert());
    canned_add(c, "revoke_confirm", o, 0, 0, 1);
}

static void canned_endings(canned_ctx *c)
{
    json_t *o = canned_state(c, "done", "renew", 7, 7, N_("Done"), "confirm");
    canned_body(o, canned_text(N_("Your new certificate is on the UKEY. Take your UKEY."), NULL,
                               NULL, NULL, NULL));
    canned_add(c, "done", o, 0, 0, 1);
    /* the receipt: the printer failed (print again); no printer (its link) */
    o = canned_state(c, "done", "renew", 7, 7, N_("Done"), "confirm print_again");
    canned_body(o, canned_text(N_("Your new certificate is on the UKEY. Take your UKEY."), NULL,
                               NULL, NULL, NULL));
    json_object_set_new(o, "print", canned_print("failed", NULL, NULL, NULL, "none"));
    canned_add(c, "done-print_failed", o, 0, 0, 1);
    o = canned_state(c, "done", "renew", 7, 7, N_("Done"), "confirm");
    canned_body(o, canned_text(N_("Your new certificate is on the UKEY. Take your UKEY."), NULL,
                               NULL, NULL, NULL));
    json_object_set_new(o, "print",
                        canned_print("on_screen",
                                     "https://invoice.example.cn/e/o-20261208-0001", "1", NULL,
                                     "none"));
    canned_add(c, "done-receipt_qr", o, 0, 0, 0);
    o = canned_state(c, "done", "revoke", 6, 6, N_("Done"), "confirm");
    canned_body(o, canned_text(N_("The certificate will be revoked within 24 hours."), NULL,
                               NULL, NULL, NULL));
    canned_add(c, "done-revoke", o, 0, 0, 0);
    /* a new certificate: its validity and the electronic seals on the UKEY */
    o = canned_state(c, "done", "new", 21, 21, N_("Done"), "confirm");
    canned_body(o, canned_text(N_("Your new certificate is on the UKEY. Take your UKEY."), NULL,
                               NULL, NULL, NULL));
    canned_body(o, canned_text(N_("It is valid from {from} to {to}."), "from", "2026-12-08",
                               "to", "2027-12-08"));
    canned_body(o,
                canned_text(N_("Electronic seals made for it and written onto the UKEY: {n}, "
                               "valid until {until}."),
                            "n", "3", "until", "2027-12-08"));
    canned_add(c, "done-new", o, 0, 0, 1);
    o = canned_state(c, "cancelled", "renew", 0, 0, N_("Cancelled"), "confirm");
    canned_body(o, canned_text(N_("Nothing was charged, or the payment was refunded."), NULL,
                               NULL, NULL, NULL));
    canned_add(c, "cancelled", o, 0, 0, 0);
    o = canned_state(c, "error", "renew", 3, 7, N_("Something went wrong"), "retry cancel");
    json_object_set_new(o, "error",
                        canned_error(KX_ERR_PIN_INCORRECT,
                                     N_("Enter the PIN again. {tries_left} tries left."), "2"));
    canned_add(c, "error", o, 0, 0, 1);
    o = canned_state(c, "error", "new", 1, 20, N_("Something went wrong"), "retry cancel");
    json_object_set_new(o, "error",
                        canned_error(KX_ERR_NO_QR,
                                     N_("No QR code was found. Place the licence with its QR "
                                        "code on the glass and try again."),
                                     "0"));
    canned_add(c, "error-no_qr", o, 0, 0, 0);
    o = canned_state(c, "staff_needed", "new", 2, 20, N_("Please call a member of staff"),
                     "cancel");
    canned_body(o, canned_text(N_("A member of staff will help you."), NULL, NULL, NULL, NULL));
    canned_add(c, "staff_needed", o, 0, 0, 0);
    o = canned_state(c, "out_of_service", NULL, 0, 0,
                     N_("This kiosk is temporarily out of service"), "");
    canned_add(c, "out_of_service", o, 0, 0, 0);
    o = canned_state(c, "home", NULL, 0, 0, N_("Choose a service"), "choose_service");
    canned_add(c, "unavailable", o, KX_OVERLAY_UNAVAILABLE, 0, 0);
    o = canned_state(c, "home", NULL, 0, 0, N_("Choose a service"), "choose_service");
    canned_body(o, canned_text(N_("Touch the service you need."), NULL, NULL, NULL, NULL));
    canned_add(c, "take_ukey_reminder", o, KX_OVERLAY_REMINDER, 0, 0);
    /* a screen id from a newer kioskd: the generic screen */
    o = canned_state(c, "future_screen", "renew", 6, 7, N_("Please wait"), "confirm cancel");
    canned_body(o, canned_text(N_("A member of staff will help you."), NULL, NULL, NULL, NULL));
    canned_add(c, "generic", o, 0, 0, 0);
}

/* ---- staff and maintenance ---- */

static json_t *canned_staffed(const canned_ctx *c, const char *screen, const char *service,
                              const char *title, const char *intents, const char *role)
{
    json_t *o =
        canned_state(c, screen, service, service ? 5 : 0, service ? 20 : 0, title, intents);
    json_object_set_new(o, "staff",
                        json_pack("{s:s, s:s, s:s, s:i}", "id", "1001", "name", "王芳", "role",
                                  role, "idle_left", 90));
    return o;
}

static json_t *canned_selftest(const canned_ctx *c, int all_ok)
{
    char preview[600];
    snprintf(preview, sizeof preview, "%s/licence.png", c->spool);
    json_t *t = json_array();
    json_array_append_new(t, json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:{s:s, s:i, s:i}}",
                                       "device", "scanner", "msgid", N_("Scanner"), "ok", 1,
                                       "verdict", N_("Passed"), "error", "", "error_msgid", "",
                                       "detail", "preview", preview, "width", 2480, "height",
                                       3508));
    json_array_append_new(
        t, all_ok ? json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:{s:s}}", "device", "idcard",
                              "msgid", N_("ID card reader"), "ok", 1, "verdict", N_("Passed"),
                              "error", "", "error_msgid", "", "detail", "sam", "90 (ok)")
                  : json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:{s:s}}", "device", "idcard",
                              "msgid", N_("ID card reader"), "ok", 0, "verdict", N_("Failed"),
                              "error", kx_err_name(KX_ERR_SAM), "error_msgid",
                              kx_err_message(KX_ERR_SAM), "detail", "message",
                              "no answer on /dev/ttyUSB0"));
    json_array_append_new(t, json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:{s:i, s:[s]}}",
                                       "device", "token", "msgid", N_("UKEY reader"), "ok", 1,
                                       "verdict", N_("Passed"), "error", "", "error_msgid", "",
                                       "detail", "tokens", 1, "serials", "5A3F0C11"));
    json_array_append_new(
        t,
        json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:{s:b, s:b, s:i, s:f, s:i, s:i}}", "device",
                  "ra", "msgid", N_("RA connection"), "ok", 1, "verdict", N_("Passed"), "error",
                  "", "error_msgid", "", "detail", "reachable", 1, "tls_ok", 1, "http_status",
                  200, "rtt_ms", 38.0, "server_cert_days", 341, "client_cert_days", 27));
    return json_pack("{s:b, s:o}", "ok", all_ok, "tests", t);
}

static void canned_staff(canned_ctx *c)
{
    json_t *o =
        canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "staff");
    canned_body(o, canned_text(N_("Touch the service you need."), NULL, NULL, NULL, NULL));
    canned_add(c, "staff_banner", o, 0, 0, 0);
    o = canned_state(c, "home", NULL, 0, 0, N_("Choose a service"), "choose_service");
    canned_add_staff(c, "staff_login", o, "staff_login", NULL);
    o = canned_state(c, "home", NULL, 0, 0, N_("Choose a service"), "choose_service");
    canned_add_staff(c, "staff_login-locked", o, "staff_login-locked", NULL);
    o = canned_state(c, "home", NULL, 0, 0, N_("Choose a service"), "choose_service");
    canned_add_staff(c, "staff_login-token", o, "staff_login-token", NULL);
    o = canned_staffed(c, "review_wait", "new", N_("The CA is reviewing your application"),
                       "cancel", "staff");
    canned_add_staff(c, "staff_panel", o, "staff_panel", NULL);
    o = canned_staffed(c, "review_wait", "new", N_("The CA is reviewing your application"),
                       "cancel", "staff");
    json_object_set_new(
        o, "error",
        json_pack("{s:i, s:s, s:s}", "code", (int)KX_ERR_PERMISSION, "name",
                  kx_err_name(KX_ERR_PERMISSION), "msgid",
                  N_("The CA does not allow staff at this kiosk to approve cases.")));
    canned_add(c, "review_wait-staff_refused", o, 0, 0, 0);
    o = canned_staffed(c, "payment", "renew", N_("Pay the fee"), "cancel", "staff");
    json_object_set_new(o, "fee", json_pack("{s:i, s:s}", "fen", 30000, "text", "300.00"));
    json_object_set_new(o, "payment",
                        json_pack("{s:s, s:s, s:i}", "order", "PO202611230042", "qr",
                                  "https://pay.example/PO202611230042", "expires_in", 600));
    canned_add_staff(c, "staff_panel-payment", o, "staff_panel", NULL);
    o = canned_staffed(c, "payment", "renew", N_("Pay the fee"), "cancel", "staff");
    json_object_set_new(o, "fee", json_pack("{s:i, s:s}", "fen", 30000, "text", "300.00"));
    json_object_set_new(o, "payment",
                        json_pack("{s:s, s:s, s:i}", "order", "PO202611230042", "qr",
                                  "https://pay.example/PO202611230042", "expires_in", 600));
    canned_add_staff(c, "staff_counter_paid", o, "staff_counter_paid", NULL);
    o = canned_staffed(c, "payment", "renew", N_("Pay the fee"), "cancel", "staff");
    json_object_set_new(o, "fee", json_pack("{s:i, s:s}", "fen", 30000, "text", "300.00"));
    canned_add_staff(c, "staff_reauth", o, "staff_reauth", NULL);
    o = canned_staffed(c, "idcard_place", "new", N_("Place the agent's ID card on the reader"),
                       "cancel back", "admin");
    canned_add_staff(c, "staff_panel-idcard", o, "staff_panel", NULL);
    o = canned_staffed(c, "idcard_place", "new", N_("Place the agent's ID card on the reader"),
                       "cancel back", "staff");
    canned_add_staff(c, "staff_manual_id", o, "staff_manual_id", NULL);
    o = canned_staffed(c, "idcard_place", "new", N_("Place the agent's ID card on the reader"),
                       "cancel back", "staff");
    canned_add_staff(c, "staff_reason", o, "staff_reason", NULL);

    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(c, "maint_menu", o, "maint_menu", NULL);
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(c, "maint_selftest", o, "maint_selftest", canned_selftest(c, 1));
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(c, "maint_selftest-failed", o, "maint_selftest", canned_selftest(c, 0));
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(c, "maint_open_tx", o, "maint_open_tx",
                     json_pack("{s:[{s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s},"
                               " {s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}]}",
                               "transactions", "id", 41, "session", "S20261123-093012-0007",
                               "service", "renew", "kind", "payment", "status", "paid",
                               "amount_fen", 30000, "order", "PO202611230007", "created",
                               "2026-11-23 09:31:40", "error", "RA timeout", "id", 44,
                               "session", "S20261123-101500-0001", "service", "new", "kind",
                               "install", "status", "pending", "amount_fen", 0, "order", "",
                               "created", "2026-11-23 10:22:05", "error", ""));
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(
        c, "maint_summary", o, "maint_summary",
        json_pack(
            "{s:s, s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i}],"
            " s:i, s:i, s:i, s:b, s:i}",
            "date", "2026-11-23", "sessions", "service", "renew", "outcome", "done", "count",
            14, "service", "renew", "outcome", "cancelled", "count", 2, "service", "new",
            "outcome", "done", "count", 3, "service", "unlock", "outcome", "open", "count", 1,
            "paid_orders", 17, "taken_fen", 510000, "refunded_fen", 30000, "reconciled", 0,
            "mismatches", 1));
    {
        json_t *lines = json_array();
        static const char *const ev[] = {"session.start", "token.read",    "ra.request",
                                         "payment.paid",  "token.install", "session.end"};
        for (int i = 0; i < 40; i++) {
            char l[160];
            snprintf(
                l, sizeof l,
                "2026-11-23T10:%02d:%02d+08:00 kioskd[812]: info %s session=S20261123-1015%02d "
                "idnum=360***********0071",
                15 + i / 6, (i * 7) % 60, ev[i % 6], i / 6);
            json_array_append_new(lines, json_string(l));
        }
        o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
        canned_add_staff(
            c, "maint_logs", o, "maint_logs",
            json_pack("{s:s, s:o}", "file", "/var/log/jxca-kioskd.log", "lines", lines));
    }
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(
        c, "maint_config", o, "maint_config",
        json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}}",
                  "file", "/etc/jxca-kiosk/kiosk.conf", "config", "kiosk", "site",
                  "nanchang-hq", "language", "zh_CN", "ra", "url",
                  "https://ra.jxca.example:8443/", "client_cert",
                  "/etc/jxca-kiosk/tls/kiosk.crt", "key_passphrase", "(hidden)", "token",
                  "module", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "slot_poll_ms", "500",
                  "staff:1001", "name", "王芳", "pin_hash", "(hidden)"));
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(c, "maint_version", o, "maint_version",
                     json_pack("{s:s, s:s, s:i}", "kioskd", "0.1.0", "server", "ra-sim 0.1.0",
                               "protocol", 1));
    o = canned_staffed(c, "home", NULL, N_("Choose a service"), "choose_service", "admin");
    canned_add_staff(c, "maint_confirm", o, "maint_confirm", NULL);
}

/* what the former seeded shuffle gave, so the goldens did not change */
const int kx_canned_pin_order[10] = {5, 4, 1, 3, 7, 9, 2, 8, 6, 0};
const int kx_canned_staff_pin_order[10] = {2, 0, 7, 3, 9, 1, 6, 4, 8, 5};

kx_err kx_canned_build(const char *lang, const char *spool_dir, kx_canned **out, int *n_out)
{
    canned_ctx c = {0};
    kx_err rc;
    if (!lang || !out || !n_out)
        return KX_ERR_INVALID_ARG;
    /* no spool directory: no preview files, the paths lead nowhere */
    if (spool_dir && (rc = kx_canned_write_previews(spool_dir)))
        return rc;
    c.list = calloc(CANNED_MAX, sizeof *c.list);
    if (!c.list)
        return KX_ERR_NO_MEMORY;
    c.lang = lang;
    c.spool = spool_dir ? spool_dir : "/nonexistent";
    canned_home_and_waits(&c);
    canned_token_screens(&c);
    canned_money(&c);
    canned_documents(&c);
    canned_revoke(&c);
    canned_endings(&c);
    canned_staff(&c);
    *out = c.list;
    *n_out = c.n;
    return KX_OK;
}

void kx_canned_free(kx_canned *list, int n)
{
    if (!list)
        return;
    for (int i = 0; i < n; i++) {
        free(list[i].json);
        free(list[i].reply);
    }
    free(list);
}

/* ---- staff screens: sample entries (screenshots) ---- */

kx_err kx_staff_ui_canned(kx_ui *ui, const char *screen, const char *result_json)
{
    kx_staff_ui *s = ui->staff;
    if (!s)
        return KX_ERR_STATE;
    kx_staff_go(ui, STAFF_NONE);
    if (!screen)
        return KX_OK;
    for (int i = 1; i < STAFF_SCREEN_COUNT; i++) {
        if (strncmp(screen, kx_staff_ids[i], strlen(kx_staff_ids[i])) != 0)
            continue;
        kx_staff_go(ui, (kx_staff_screen)i);
        if (result_json) {
            s->result = json_loads(result_json, 0, NULL);
            if (!s->result)
                return KX_ERR_BAD_FORMAT;
        }
        /* sample entries, fictitious */
        if (i == STAFF_LOGIN) {
            memcpy(s->order, kx_canned_staff_pin_order, sizeof s->order);
            kx_strlcpy(s->id, "1001", sizeof s->id);
            s->field = 1;
            kx_secbuf_append(s->pin, '2');
            kx_secbuf_append(s->pin, '4');
            if (strstr(screen, "token")) {
                s->by_token = 1;
                kx_strlcpy(s->id, "", sizeof s->id);
            }
            if (strstr(screen, "locked")) {
                char t[256];
                kx_ui_format(t, sizeof t,
                             N_("Too many wrong PINs. Try again in {seconds} seconds."),
                             "seconds", "297", NULL, NULL);
                kx_staff_set_msg(s, 1, t);
            }
        } else if (i == STAFF_MANUAL_ID) {
            kx_strlcpy(s->name, "张伟", sizeof s->name);
            kx_strlcpy(s->idnum, "36010219900307", sizeof s->idnum);
            s->field = 1;
        } else if (i == STAFF_REASON) {
            s->action = STAFF_ACT_MANUAL_ID;
            s->back = STAFF_MANUAL_ID;
            s->preset = 0;
        } else if (i == STAFF_REAUTH) {
            s->action = STAFF_ACT_COUNTER_PAID;
            memcpy(s->order, kx_canned_staff_pin_order, sizeof s->order);
            kx_secbuf_append(s->pin, '2');
            kx_secbuf_append(s->pin, '4');
        } else if (i == STAFF_COUNTER) {
            kx_strlcpy(s->receipt, "2026-0042", sizeof s->receipt);
        } else if (i == MAINT_CONFIRM) {
            s->action = STAFF_ACT_RESTART;
            s->back = MAINT_MENU;
        }
        return KX_OK;
    }
    return KX_ERR_NOT_FOUND;
}
