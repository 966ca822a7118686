/* SPDX-License-Identifier: MIT */
/*
 * forms.c - the CA's paper forms as the seed process lays them out
 * (../shared/seed/jxca-certificate-process.txt): the application form
 * (附件1) filled in from what the kiosk read and checked, the
 * authorisation letter (附件2) filled in or blank, and the blank
 * electronic-seal collection sheet (附件3).
 *
 * The forms are the CA's Chinese documents: their fixed text is the CA's
 * wording, not a translation, and the CA accepts them only in Chinese.
 * The seal sheet is black only and keeps the geometry of
 * tools/forms/sealsheet_form.py, which the seal-sheet analyser is tuned
 * to; the letter's seal places are fixed (docs.h) for the scan check.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/str.h"
#include "docs/docs_internal.h"

#define FORM_LINE 0.35 /* table ruling, mm */

static void form_today(int *y, int *m, int *d)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
}

/* Text vertically centred in a cell. */
static void form_cell_text(docs_page *pg, double x, double y, double w, double h,
                           const char *text, double pt, unsigned flags)
{
    double th = docs_text_height(pg, w, text, pt, flags);
    docs_text(pg, x, y + (h - th) / 2, w, text, pt, flags);
}

/* ---- 附件1 the application form ---------------------------------------- */

static const char form_statement[] =
    "本单位在此郑重声明：表内所填内容完全属实，接受据此颁发的数字证书，保证遵守所附"
    "《江西CA数字证书用户协议》中所明确的职责，并承担相关法律责任。";

struct form_row {
    const char *label;
    const char *value;
};

/* One section of the table: its name down the first column, its rows. */
static double form_section(docs_page *pg, double y, const char *name,
                           const struct form_row *rows, size_t n)
{
    const double x0 = 20, x1 = 36, x2 = 80, x3 = 190, rh = 13;
    double h = rh * (double)n;
    docs_rect(pg, x0, y, x3 - x0, h, FORM_LINE);
    docs_line(pg, x1, y, x1, y + h, FORM_LINE);
    docs_line(pg, x2, y, x2, y + h, FORM_LINE);
    /* one character a line: the section name reads downwards */
    form_cell_text(pg, x0 + 5, y, 6, h, name, 11, DOCS_BOLD | DOCS_CENTER);
    for (size_t i = 0; i < n; i++) {
        double ry = y + rh * (double)i;
        if (i)
            docs_line(pg, x1, ry, x3, ry, FORM_LINE);
        form_cell_text(pg, x1 + 2, ry, x2 - x1 - 4, rh, rows[i].label, 11, 0);
        if (rows[i].value && rows[i].value[0])
            form_cell_text(pg, x2 + 3, ry, x3 - x2 - 6, rh, rows[i].value,
                           strlen(rows[i].value) > 60 ? 9.5 : 11.5, 0);
    }
    return h;
}

/* The agreement on the back: its first line the title, then paragraphs. */
static kx_err form_draw_agreement(docs_page *pg, const char *text)
{
    size_t title_len = strcspn(text, "\n");
    char title[256];
    if (title_len >= sizeof(title)) {
        kx_err_set_detail("agreement: first line (title) too long");
        return KX_ERR_TOO_LARGE;
    }
    memcpy(title, text, title_len);
    title[title_len] = '\0';
    double y = 15;
    y += docs_text(pg, 20, y, 170, title, 16, DOCS_BOLD | DOCS_CENTER) + 4;
    const char *body = text[title_len] ? text + title_len + 1 : "";
    double h = docs_text_height(pg, 170, body, 10, 0);
    if (y + h > 280) {
        kx_err_set_detail("agreement: %.0f mm of text do not fit the page", h);
        return KX_ERR_TOO_LARGE;
    }
    docs_text(pg, 20, y, 170, body, 10, 0);
    docs_text(pg, 20, 282, 170, "— 2 —", 10, DOCS_CENTER);
    return KX_OK;
}

static kx_err form_draw(docs_page *pg, const void *vctx, double *used)
{
    const kx_application_form *f = vctx;
    char cats[256] = "";
    static const kx_service order[] = {KX_SVC_NEW,   KX_SVC_RENEW,  KX_SVC_REISSUE,
                                       KX_SVC_SWAP,  KX_SVC_UNLOCK, KX_SVC_REVOKE,
                                       KX_SVC_CHANGE};
    const char *chosen = docs_category(f->service);
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *cat = docs_category(order[i]);
        kx_strlcat(cats, strcmp(cat, chosen) == 0 ? "■" : "□", sizeof(cats));
        kx_strlcat(cats, cat, sizeof(cats));
        kx_strlcat(cats, i + 1 < sizeof(order) / sizeof(order[0]) ? "  " : "", sizeof(cats));
    }
    docs_text(pg, 20, 12, 40, "附件1", 12, 0);
    docs_text(pg, 20, 22, 170, "数字证书单位用户申请表", 20, DOCS_BOLD | DOCS_CENTER);
    double y = 38;
    y += docs_text(pg, 20, y, 170, "注意事项：", 10.5, DOCS_BOLD);
    y += docs_text(pg, 20, y, 170, "1、请用户在申请前仔细阅读《江西CA数字证书用户协议》。",
                   10.5, 0);
    y += docs_text(pg, 20, y, 170,
                   "2、该表内容将作为数字证书中的身份信息，请如实、清晰的填写，"
                   "并加盖申请单位的公章。",
                   10.5, 0);
    y += 4;

    const struct form_row business[] = {{"项目名称", f->project_name}, {"申请类别", cats}};
    y += form_section(pg, y, "业务类", business, 2);
    const struct form_row org[] = {{"单位名称*", f->company},
                                   {"通信地址*", f->address},
                                   {"统一社会信用代码*", f->credit_code}};
    y += form_section(pg, y, "申请机构信息", org, 3);
    const struct form_row agent[] = {{"姓名*", f->agent_name},
                                     {"身份证号*", f->agent_idnum},
                                     {"联系电话*", f->agent_phone},
                                     {"电子邮箱", f->agent_email}};
    y += form_section(pg, y, "经办人信息", agent, 4);

    /* 申请机构声明: the statement, the seal and the date */
    const double h = 62;
    docs_rect(pg, 20, y, 170, h, FORM_LINE);
    docs_line(pg, 36, y, 36, y + h, FORM_LINE);
    form_cell_text(pg, 25, y, 6, h, "申请机构声明", 11, DOCS_BOLD | DOCS_CENTER);
    docs_text(pg, 40, y + 5, 146, form_statement, 11, 0);
    docs_text(pg, 110, y + 30, 76, "申请单位（盖章）：", 11, 0);
    int yy = f->year, mm = f->month, dd = f->day;
    if (!yy)
        form_today(&yy, &mm, &dd);
    char date[64];
    snprintf(date, sizeof(date), "申请日期：%d 年 %d 月 %d 日", yy, mm, dd);
    docs_text(pg, 110, y + 47, 76, date, 11, 0);
    y += h;
    docs_text(pg, 20, 282, 170, "— 1 —", 10, DOCS_CENTER);
    *used = y;
    if (f->agreement && docs_next_page(pg))
        return form_draw_agreement(pg, f->agreement);
    return KX_OK;
}

static kx_err form_check(const kx_application_form *f, kx_doc_output *out)
{
    if (!f || !out || !docs_category(f->service)) {
        kx_err_set_detail("application form: unknown service");
        return KX_ERR_INVALID_ARG;
    }
    if (f->year && !kx_date_valid(f->year, f->month, f->day)) {
        kx_err_set_detail("application form: bad date");
        return KX_ERR_INVALID_ARG;
    }
    return KX_OK;
}

kx_err kx_docs_render_application_form(const kx_application_form *f, kx_doc_output *out)
{
    kx_err rc = form_check(f, out);
    if (rc == KX_OK)
        rc = docs_render_pdf(DOCS_A4_W, DOCS_A4_H, 0, 0, "Application form", form_draw, f, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.form", "kind=application rc=%s bytes=%zu",
           kx_err_name(rc), out ? out->len : 0);
    return rc;
}

kx_err kx_docs_render_application_form_png(const kx_application_form *f, int dpi,
                                           kx_doc_output *out)
{
    kx_err rc = form_check(f, out);
    if (rc == KX_OK)
        rc = docs_render_png(DOCS_A4_W, DOCS_A4_H, dpi, form_draw, f, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.form",
           "kind=application format=png dpi=%d rc=%s bytes=%zu", dpi, kx_err_name(rc),
           out ? out->len : 0);
    return rc;
}

void kx_docs_application_form_png_size(int dpi, int *width, int *height)
{
    docs_png_pixels(DOCS_A4_W, DOCS_A4_H, dpi, width, height);
}

/* ---- 附件2 the authorisation letter ------------------------------------ */

/* An underlined slot of at least `min` characters' width holding value
 * (escaped for pango markup); appended to buf. */
static void letter_slot(GString *s, const char *value, int min)
{
    int len = value ? (int)g_utf8_strlen(value, -1) : 0;
    g_string_append(s, "<u>\u3000");
    if (len) {
        char *esc = g_markup_escape_text(value, -1);
        g_string_append(s, esc);
        g_free(esc);
    }
    for (int i = len; i < min; i++)
        g_string_append(s, "\u3000");
    g_string_append(s, "\u3000</u>");
}

static void letter_num_slot(GString *s, int v, int min)
{
    char num[16] = "";
    if (v)
        snprintf(num, sizeof(num), "%d", v);
    letter_slot(s, num, min);
}

static const char *letter_service(kx_service svc)
{
    return svc == KX_SVC_NEW ? "新制" : docs_category(svc);
}

static kx_err letter_draw(docs_page *pg, const void *vctx, double *used)
{
    static const kx_auth_letter blank = {.service = KX_SVC_COUNT};
    const kx_auth_letter *l = vctx ? vctx : &blank;
    const char *svc = (unsigned)l->service < KX_SVC_COUNT ? letter_service(l->service) : "";
    docs_text(pg, 20, 12, 40, "附件2", 12, 0);
    docs_text(pg, 20, 30, 170, "法人授权委托书", 22, DOCS_BOLD | DOCS_CENTER);

    GString *s = g_string_new("\u3000\u3000兹授权委托");
    letter_slot(s, l->agent_name, 4);
    g_string_append(s, "同志为我公司合法代理人，该同志全权代表我办理数字证书");
    letter_slot(s, svc, 2);
    g_string_append(s, "业务，代理人在此过程中所签署的一切文件和处理与之有关的一切事务，"
                       "我均予以承认。本委托书有效期自");
    letter_num_slot(s, l->from_year, 2);
    g_string_append(s, "年");
    letter_num_slot(s, l->from_month, 1);
    g_string_append(s, "月");
    letter_num_slot(s, l->from_day, 1);
    g_string_append(s, "日至");
    letter_num_slot(s, l->to_year, 2);
    g_string_append(s, "年");
    letter_num_slot(s, l->to_month, 1);
    g_string_append(s, "月");
    letter_num_slot(s, l->to_day, 1);
    g_string_append(s, "日。\n\u3000\u3000代理人无转委托权。\n\u3000\u3000特此委托。");
    double y = 55;
    y += docs_text(pg, 20, y, 170, s->str, 14, DOCS_MARKUP | DOCS_SPACIOUS);
    g_string_free(s, TRUE);

    const char *sex = l->agent_sex == KX_DOC_SEX_MALE     ? "男"
                      : l->agent_sex == KX_DOC_SEX_FEMALE ? "女"
                                                          : "";
    GString *line = g_string_new("代理人：");
    letter_slot(line, l->agent_name, 5);
    g_string_append(line, "\u3000性别：");
    letter_slot(line, sex, 1);
    g_string_append(line, "\u3000手机号码：");
    letter_slot(line, l->agent_mobile, 7);
    docs_text(pg, 20, 140, 170, line->str, 13, DOCS_MARKUP);
    g_string_assign(line, "身份证号码：");
    letter_slot(line, l->agent_idnum, 12);
    docs_text(pg, 20, 158, 170, line->str, 13, DOCS_MARKUP);
    g_string_assign(line, "单位全称：");
    letter_slot(line, l->company, 16);
    g_string_append(line, "（盖章）");
    docs_text(pg, 20, 180, 170, line->str, 13, DOCS_MARKUP);
    g_string_assign(line, "法定代表人：");
    letter_slot(line, "", 10);
    g_string_append(line, "（签字或盖章）");
    docs_text(pg, 20, 210, 170, line->str, 13, DOCS_MARKUP);
    g_string_assign(line, "授权委托日期：");
    letter_num_slot(line, 0, 3);
    g_string_append(line, "年");
    letter_num_slot(line, 0, 1);
    g_string_append(line, "月");
    letter_num_slot(line, 0, 1);
    g_string_append(line, "日");
    docs_text(pg, 20, 232, 170, line->str, 13, DOCS_MARKUP);
    g_string_free(line, TRUE);
    docs_text(pg, 20, 250, 170, "注：代理人必须年满 18 岁，否则授权无效。", 12, 0);
    *used = 260;
    return KX_OK;
}

kx_err kx_docs_render_auth_letter(const kx_auth_letter *letter, kx_doc_output *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    if (letter && (letter->service >= KX_SVC_COUNT ||
                   (letter->from_year &&
                    !kx_date_valid(letter->from_year, letter->from_month, letter->from_day)) ||
                   (letter->to_year &&
                    !kx_date_valid(letter->to_year, letter->to_month, letter->to_day)))) {
        kx_err_set_detail("authorisation letter: unknown service or bad date");
        return KX_ERR_INVALID_ARG;
    }
    kx_err rc = docs_render_pdf(DOCS_A4_W, DOCS_A4_H, 0, 0, "Authorisation letter", letter_draw,
                                letter, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.form", "kind=auth_letter blank=%d rc=%s",
           letter == NULL, kx_err_name(rc));
    return rc;
}

/* ---- 附件3 the seal sheet ---------------------------------------------- */

static kx_err seal_draw(docs_page *pg, const void *vctx, double *used)
{
    (void)vctx;
    static const double xs[] = {20, 60, 125, 190};
    static const double ys[] = {52, 114, 164, 214};
    static const char *const labels[] = {"企业公章采集区", "法人私章采集区",
                                         "法人手写签名\n采集区"};
    docs_text(pg, 20, 52 - 44, 40, "附件3", 11, 0);
    docs_text(pg, 20, 52 - 36, 170, "企业电子签章采集表", 20, DOCS_BOLD | DOCS_CENTER);
    const char *instruction =
        "【为保证采集到最清晰的电子签章，请在表格内居中盖（签）二次，切勿压线，保持页面整洁】";
    double ih = docs_text_height(pg, 170, instruction, 11, 0);
    docs_text(pg, 20, 52 - 6 - ih, 170, instruction, 11, 0);
    for (size_t i = 0; i < 4; i++)
        docs_line(pg, xs[0], ys[i], xs[3], ys[i], FORM_LINE);
    for (size_t i = 0; i < 4; i++)
        docs_line(pg, xs[i], ys[0] - FORM_LINE / 2, xs[i], ys[3] + FORM_LINE / 2, FORM_LINE);
    for (size_t r = 0; r < 3; r++)
        form_cell_text(pg, xs[0] + 2, ys[r], xs[1] - xs[0] - 4, ys[r + 1] - ys[r], labels[r],
                       13, DOCS_CENTER);
    double y = ys[3] + 4;
    y += docs_text(pg, 20, y, 170,
                   "备注：此表中的印章和签章仅限于江西省数字证书有限公司采集电子签章信息使用，"
                   "用于其他一律视为无效。",
                   11, 0);
    *used = y;
    return KX_OK;
}

kx_err kx_docs_render_seal_sheet(kx_doc_output *out)
{
    kx_err rc = docs_render_pdf(DOCS_A4_W, DOCS_A4_H, 0, 0, "Seal collection sheet", seal_draw,
                                NULL, out);
    kx_log(rc ? KX_LOG_WARN : KX_LOG_INFO, "docs.form", "kind=seal_sheet rc=%s",
           kx_err_name(rc));
    return rc;
}
