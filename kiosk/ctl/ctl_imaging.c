/* SPDX-License-Identifier: MIT */
/*
 * ctl_imaging.c - kioskctl subcommands for document imaging: `license`
 * (read the licence QR), `idcard-crop` (cut an ID card out of a flatbed
 * scan) and `doc-check` (which document a page is). All run in the kioskctl
 * front, which links no RA, scanner or
 * token library (`scan` is in ctl_scan.c).
 *
 * Each prints one JSON object on stdout. Exit codes: 0 success, 1 nothing
 * found, 2 usage or unreadable input. Never writes
 * anything but the --out file, and that atomically.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ctl.h"
#include "imaging/cardcrop.h"
#include "imaging/doccheck.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"

/*
 * A JSON string of len bytes that may not be UTF-8 (a QR code can carry any
 * bytes): valid sequences are kept, each invalid byte becomes U+FFFD.
 */
static json_t *ctl_imaging_json_text(const char *text, size_t len)
{
    json_t *j = json_stringn(text, len);
    if (j)
        return j;
    char *buf = malloc(len * 3 + 1);
    if (!buf)
        return json_null();
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80         ? 1
                   : (c >> 5) == 6  ? 2
                   : (c >> 4) == 14 ? 3
                   : (c >> 3) == 30 ? 4
                                    : 0;
        int ok = n > 0 && i + n <= len && c != 0;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)text[i + k] >> 6) == 2;
        if (ok && n > 1) { /* overlong forms and surrogates: jansson judges */
            json_t *one = json_stringn(text + i, n);
            ok = one != NULL;
            json_decref(one);
        }
        if (ok) {
            memcpy(buf + o, text + i, n);
            o += n;
            i += n;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(buf, o);
    free(buf);
    return j ? j : json_null();
}

/* Exit code and stderr line for a failed image load. */
static int ctl_imaging_load_failed(const char *cmd, const char *path, kx_err rc)
{
    return ctl_fail(CTL_EXIT_USAGE, cmd, "%s: %s (%s)", path, kx_tr(kx_err_message(rc)),
                    kx_err_detail());
}

int ctl_cmd_license(int argc, char **argv)
{
    const char *path = ctl_positional(argc, argv, 0, NULL);
    if (!path)
        return ctl_fail(CTL_EXIT_USAGE, "license", "%s",
                        kx_tr(N_("usage: kioskctl license IMAGE")));
    double t0 = ctl_now_ms();
    kx_image *img = NULL;
    /* the reader works on luminance: a JPEG then skips its colour planes */
    kx_image_decode_opts opts = {.gray = 1};
    kx_err rc = kx_image_load_ex(path, &opts, &img);
    if (rc)
        return ctl_imaging_load_failed("license", path, rc);
    kx_licence_qr *qr = malloc(sizeof(*qr));
    if (!qr) {
        kx_image_free(img);
        return ctl_fail(CTL_EXIT_USAGE, "license", "out of memory");
    }
    rc = kx_licence_qr_read(img, qr);
    kx_image_free(img);
    double ms = ctl_now_ms() - t0;
    int code = CTL_EXIT_OK;
    json_t *o = json_object();
    json_object_set_new(o, "found", json_boolean(qr->found));
    json_object_set_new(o, "payload",
                        qr->found ? ctl_imaging_json_text(qr->payload, qr->payload_len)
                                  : json_null());
    json_object_set_new(o, "uscc", qr->uscc ? json_string(qr->uscc) : json_null());
    json_object_set_new(o, "uscc_status",
                        json_string(kx_licence_uscc_status_name(qr->uscc_status)));
    json_object_set_new(o, "ms", json_integer((json_int_t)(ms + 0.5)));
    if (rc == KX_ERR_NO_QR) {
        code = ctl_fail(CTL_EXIT_INVALID, "license", "%s", kx_tr(kx_err_message(rc)));
    } else if (rc) {
        json_decref(o);
        free(qr);
        return ctl_fail(CTL_EXIT_USAGE, "license", "%s (%s)", kx_tr(kx_err_message(rc)),
                        kx_err_detail());
    }
    free(qr);
    ctl_print_json(o);
    return code;
}

int ctl_cmd_idcard_crop(int argc, char **argv)
{
    static const char *const with_value[] = {"--out", NULL};
    const char *path = ctl_positional(argc, argv, 0, with_value);
    const char *outp = ctl_option(argc, argv, "--out");
    if (!path || !outp)
        return ctl_fail(CTL_EXIT_USAGE, "idcard-crop", "%s",
                        kx_tr(N_("usage: kioskctl idcard-crop IMAGE --out FILE")));
    double t0 = ctl_now_ms();
    kx_image *img = NULL, *card = NULL;
    kx_err rc = kx_image_load(path, &img);
    if (rc)
        return ctl_imaging_load_failed("idcard-crop", path, rc);
    kx_cardcrop_found found;
    rc = kx_cardcrop_crop(img, &found, &card);
    kx_image_free(img);
    if (rc == KX_ERR_NO_CARD) {
        json_t *o = json_object();
        json_object_set_new(o, "found", json_false());
        json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_now_ms() - t0 + 0.5)));
        ctl_print_json(o);
        return ctl_fail(CTL_EXIT_INVALID, "idcard-crop", "%s", kx_tr(kx_err_message(rc)));
    }
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "idcard-crop", "%s (%s)", kx_tr(kx_err_message(rc)),
                        kx_err_detail());
    rc = kx_image_save(card, outp);
    if (rc) {
        kx_image_free(card);
        return ctl_fail(CTL_EXIT_USAGE, "idcard-crop", "%s: %s (%s)", outp,
                        kx_tr(kx_err_message(rc)), kx_err_detail());
    }
    json_t *o = json_object();
    json_object_set_new(o, "found", json_true());
    json_object_set_new(o, "file", json_string(outp));
    json_object_set_new(o, "size", json_pack("[ii]", card->width, card->height));
    json_t *corners = json_array();
    for (int i = 0; i < 4; i++)
        json_array_append_new(corners,
                              json_pack("[ff]", found.corners[i][0], found.corners[i][1]));
    json_object_set_new(o, "corners", corners);
    json_object_set_new(o, "angle", json_real(round(found.angle_deg * 100) / 100));
    json_object_set_new(o, "dpi", json_real(card->dpi));
    json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_now_ms() - t0 + 0.5)));
    kx_image_free(card);
    ctl_print_json(o);
    return CTL_EXIT_OK;
}

/* `kioskctl doc-check IMAGE [--expect KIND]`: prints {"kind","label",
 * "bbox","ink_share","faint_share","expected"?,"matches"?,"ms"}; exit 0 when
 * the page is a recognised document (and the one expected, when given), 1
 * when not, 2 for usage errors and unreadable images. */
int ctl_cmd_doc_check(int argc, char **argv)
{
    static const char *const with_value[] = {"--expect", NULL};
    const char *path = ctl_positional(argc, argv, 0, with_value);
    const char *expect = ctl_option(argc, argv, "--expect");
    int want = -1;
    for (int k = 0; expect && k < KX_PAGE_KIND_COUNT; k++)
        if (strcmp(expect, kx_doc_kind_name((kx_doc_kind)k)) == 0)
            want = k;
    if (!path || (expect && want < 0) || ctl_positional(argc, argv, 1, with_value))
        return ctl_fail(CTL_EXIT_USAGE, "doc-check", "%s",
                        kx_tr(N_("usage: kioskctl doc-check IMAGE [--expect KIND]")));
    double t0 = ctl_now_ms();
    kx_image *img = NULL;
    kx_err rc = kx_image_load(path, &img);
    if (rc)
        return ctl_imaging_load_failed("doc-check", path, rc);
    kx_doc_check dc;
    rc = kx_doccheck(img, &dc);
    kx_image_free(img);
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "doc-check", "%s (%s)", kx_tr(kx_err_message(rc)),
                        kx_err_detail());
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kx_doc_kind_name(dc.kind)));
    json_object_set_new(o, "label", json_string(kx_tr(kx_doc_kind_label(dc.kind))));
    json_object_set_new(o, "bbox",
                        json_pack("[iiii]", dc.bbox[0], dc.bbox[1], dc.bbox[2], dc.bbox[3]));
    json_object_set_new(o, "ink_share", json_real(round(dc.ink_share * 1e5) / 1e5));
    json_object_set_new(o, "faint_share", json_real(round(dc.faint_share * 1e5) / 1e5));
    int ok = dc.kind != KX_PAGE_UNKNOWN;
    if (want >= 0) {
        ok = (int)dc.kind == want;
        json_object_set_new(o, "expected", json_string(expect));
        json_object_set_new(o, "matches", json_boolean(ok));
    }
    json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_now_ms() - t0 + 0.5)));
    ctl_print_json(o);
    return ok ? CTL_EXIT_OK : CTL_EXIT_INVALID;
}
