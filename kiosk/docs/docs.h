/* SPDX-License-Identifier: MIT */
/*
 * docs.h - the documents the kiosk prints or shows: the acceptance slip /
 * receipt (受理回执), the CA's application form (附件1), the authorisation
 * letter (附件2), the electronic-seal collection sheet (附件3), the
 * maintenance test page and the daily summary.
 *
 * Rendered with cairo and pango as PDF (WenQuanYi Micro Hei, then Noto Sans
 * CJK SC, found through fontconfig; cairo embeds the subset of the font
 * each document uses; docs_internal.h says why not Noto first), or as PNG
 * for on-screen review. The renderers take plain structs that the
 * caller fills and owns (no engine, journal or driver types), so a job can
 * render from a copy of its input. Texts of the receipt, the test page and
 * the summary come from the project's catalogues (po/zh_CN) in the
 * document's own language, whatever language the process has; the CA's
 * forms are the CA's Chinese text.
 *
 * Personal data: the receipt prints the credit code masked (first 3 and
 * last 4 characters, as the logs mask ID numbers) and no ID number; the
 * application form and the letter are the CA's records and carry what the
 * agent entered. Nothing here logs personal data.
 *
 * Every renderer returns kx_err and writes to kx_doc_output: a file
 * (replaced atomically) or a malloc'd buffer the caller frees. Thread-safe:
 * each call has its own cairo surface; the catalogue is loaded once.
 */
#ifndef KX_DOCS_DOCS_H
#define KX_DOCS_DOCS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/services.h"

typedef enum kx_doc_lang {
    KX_DOC_LANG_ZH = 0, /* zh_CN */
    KX_DOC_LANG_EN = 1,
} kx_doc_lang;

typedef enum kx_doc_paper {
    KX_DOC_PAPER_ROLL80 = 0, /* 80 mm roll (72 mm printed), page as long as the text */
    KX_DOC_PAPER_A4 = 1,     /* 210 x 297 mm */
} kx_doc_paper;

/*
 * Where a document goes. Set path to write a file (written beside it under
 * a temporary name, then renamed: never half a file); leave it NULL to get
 * the bytes in data (malloc'd; the caller frees it with free()). len is the
 * document's size in both cases.
 */
typedef struct kx_doc_output {
    const char *path;
    unsigned char *data;
    size_t len;
} kx_doc_output;

/* kx_doc_lang_from_code - "zh_CN" / "en" (the session's language). */
kx_err kx_doc_lang_from_code(const char *code, kx_doc_lang *out);

/* ---- the receipt (受理回执) -------------------------------------------- */

typedef enum kx_receipt_result {
    KX_RECEIPT_ISSUED = 0,    /* certificate issued: serial and validity printed */
    KX_RECEIPT_SUBMITTED = 1, /* case accepted, waiting for the CA's review */
    KX_RECEIPT_REFUNDED = 2,  /* the payment was refunded: amount and reference */
    KX_RECEIPT_DONE = 3,      /* finished without a new certificate (unlock, revoke) */
} kx_receipt_result;

/* Everything printed on a receipt. Empty strings and zero times are left
 * out. Strings are UTF-8. */
typedef struct kx_receipt {
    kx_doc_lang lang;
    kx_doc_paper paper;
    char hall_name[128]; /* "江西省数字证书有限公司办证大厅" */
    char hall_phone[64]; /* "0791-82097407" */
    char kiosk_id[64];
    int64_t when; /* seconds since the epoch; printed in local time */
    kx_service service;
    kx_receipt_result result;
    char company[256];
    char credit_code[32]; /* full code; printed masked */
    char case_no[64];
    int64_t amount_fen;   /* fee charged; 0 prints "free of charge" */
    char pay_channel[16]; /* "qr", "counter", "cash", "card"; "" unpaid */
    char order_no[64];
    char cert_serial[80]; /* hex, as the RA gives it */
    int64_t cert_not_before, cert_not_after;
    int64_t refund_fen;
    char refund_ref[64];
    char qr_url[512];  /* the e-invoice link (invoice_url) or the case
                          status page; "" prints no code */
    int qr_is_invoice; /* 1: the caption says e-invoice */
} kx_receipt;

/* kx_docs_render_receipt - the receipt as a PDF, on the 80 mm roll (page
 * length follows the content) or A4. KX_ERR_INVALID_ARG for a missing
 * company or case number or an unknown service; KX_ERR_IO when the file
 * cannot be written; KX_ERR_INTERNAL when cairo fails. */
kx_err kx_docs_render_receipt(const kx_receipt *r, kx_doc_output *out);

/* ---- the application form (附件1) -------------------------------------- */

typedef struct kx_application_form {
    kx_service service;     /* 申请类别: the box ticked */
    char project_name[128]; /* 项目名称, may be empty */
    char company[256];      /* 单位名称 */
    char address[256];      /* 通信地址 */
    char credit_code[32];   /* 统一社会信用代码 */
    char agent_name[64];    /* 经办人 姓名 */
    char agent_idnum[32];   /* 身份证号 */
    char agent_phone[32];   /* 联系电话: mobile or landline */
    char agent_email[128];  /* 电子邮箱, may be empty */
    int year, month, day;   /* 申请日期; 0: today */
    /* 《江西CA数字证书用户协议》 for the back of the form (the process asks
     * for it there): the exact UTF-8 text the customer accepted, one
     * paragraph per line, its first line the title (assets/agreement/
     * zh_CN.txt). NULL: one page. Borrowed: must outlive the call. */
    const char *agreement;
} kx_application_form;

/* kx_docs_render_application_form - the filled form, A4 PDF with the
 * seed's layout (title, notes, the table with 业务类 / 申请机构信息 /
 * 经办人信息 / 申请机构声明), and the user agreement on a second page when
 * f->agreement is set (print duplex to have it on the back).
 * KX_ERR_INVALID_ARG for an unknown service, KX_ERR_TOO_LARGE for an
 * agreement that does not fit its page; empty fields stay blank for the
 * agent to write in. */
kx_err kx_docs_render_application_form(const kx_application_form *f, kx_doc_output *out);

/* kx_docs_render_application_form_png - the same page as a PNG at dpi
 * (72..300) for the review screen. */
kx_err kx_docs_render_application_form_png(const kx_application_form *f, int dpi,
                                           kx_doc_output *out);

/* kx_docs_application_form_png_size - the pixel size of that PNG at dpi
 * (A4: 1240 x 1754 at 150 dpi), for a screen that shows it. */
void kx_docs_application_form_png_size(int dpi, int *width, int *height);

/* ---- the authorisation letter (附件2) ---------------------------------- */

typedef enum kx_doc_sex {
    KX_DOC_SEX_UNKNOWN = 0,
    KX_DOC_SEX_MALE = 1,
    KX_DOC_SEX_FEMALE = 2,
} kx_doc_sex;

typedef struct kx_auth_letter {
    char agent_name[64];
    kx_doc_sex agent_sex;
    char agent_mobile[32];
    char agent_idnum[32];
    char company[256];
    kx_service service;
    int from_year, from_month, from_day; /* validity; 0: blank */
    int to_year, to_month, to_day;
} kx_auth_letter;

/* kx_docs_render_auth_letter - the letter, A4 PDF; letter NULL renders the
 * blank letter. The company seal goes over "（盖章）" inside
 * KX_DOCS_LETTER_COMPANY_SEAL_MM and the legal representative's seal or
 * signature inside KX_DOCS_LETTER_LEGAL_SEAL_MM (x, y, width, height in
 * millimetres from the page's top-left corner), for the scan check. */
kx_err kx_docs_render_auth_letter(const kx_auth_letter *letter, kx_doc_output *out);

#define KX_DOCS_LETTER_COMPANY_SEAL_MM                                                         \
    {                                                                                          \
        95.0, 160.0, 95.0, 40.0                                                                \
    }
#define KX_DOCS_LETTER_LEGAL_SEAL_MM                                                           \
    {                                                                                          \
        60.0, 200.0, 95.0, 22.0                                                                \
    }

/* ---- the seal sheet (附件3) -------------------------------------------- */

/* kx_docs_render_seal_sheet - the blank collection sheet, A4 PDF, black
 * only, drawn to the geometry the seal-sheet analyser and
 * tools/forms/sealsheet_form.py share: table's left line 20 mm from the
 * left edge, top line 52 mm from the top, label column 40 mm, two capture
 * columns of 65 mm, rows of 62, 50 and 50 mm, lines 0.35 mm. */
kx_err kx_docs_render_seal_sheet(kx_doc_output *out);

/* ---- maintenance ------------------------------------------------------- */

typedef struct kx_test_page {
    kx_doc_lang lang;
    kx_doc_paper paper;
    char hall_name[128];
    char kiosk_id[64];
    char printer[256]; /* the queue or URI, as staff know it */
    char version[32];
    int64_t when; /* 0: now */
} kx_test_page;

/* kx_docs_render_test_page - the printer test page: identification,
 * Chinese and English sample text, a millimetre ruler, grey steps and a
 * QR code, so staff can see what prints badly. */
kx_err kx_docs_render_test_page(const kx_test_page *t, kx_doc_output *out);

/* One line of the day's sessions. */
typedef struct kx_summary_row {
    char service[24]; /* service id ("new"), as the journal keeps it */
    char outcome[32]; /* "done", "cancelled", "abandoned", "recovered", "open"... */
    int64_t count;
} kx_summary_row;

#define KX_SUMMARY_MAX_ROWS 64

typedef struct kx_daily_summary {
    kx_doc_lang lang;
    kx_doc_paper paper;
    char hall_name[128];
    char kiosk_id[64];
    char date[16]; /* YYYY-MM-DD */
    kx_summary_row rows[KX_SUMMARY_MAX_ROWS];
    size_t n_rows;
    int64_t paid_orders;
    int64_t taken_fen;
    int64_t refunded_fen; /* by the RA's records */
    int64_t journal_refunds;
    int64_t mismatches;
    int reconciled;     /* the RA's records and the journal agree */
    int64_t printed_at; /* 0: now */
} kx_daily_summary;

/* kx_docs_render_daily_summary - the day's counts and money for staff. */
kx_err kx_docs_render_daily_summary(const kx_daily_summary *s, kx_doc_output *out);

struct json_t;
/* kx_docs_summary_from_json - the counts of kioskd's `summary` answer (its
 * "result" object, or that object itself; a jansson json_t) into *out
 * (date, rows, money, reconciliation; not lang, paper, hall or kiosk).
 * KX_ERR_BAD_FORMAT when it has no "date": not a summary. */
kx_err kx_docs_summary_from_json(const struct json_t *answer, kx_daily_summary *out);

/* kx_docs_mask_code - the credit code as the receipt prints it
 * ("913***********0071"). Returns out. */
char *kx_docs_mask_code(const char *code, char *out, size_t outsz);

/* kx_docs_release_caches - free the font caches the renderers built (this
 * thread's pango font map, cairo's and fontconfig's static data). For a
 * clean exit under a leak checker; no renderer may run at the same time
 * or afterwards. */
void kx_docs_release_caches(void);

/* kx_docs_tr - msgid in the document language (the zh_CN catalogue of the
 * build or install, whatever language the process uses). Static or
 * catalogue-owned string. Thread-safe. */
const char *kx_docs_tr(kx_doc_lang lang, const char *msgid);

#endif
