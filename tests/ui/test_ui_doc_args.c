/* SPDX-License-Identifier: MIT */
/*
 * test_ui_doc_args.c - the document step's refusal as the screen writes
 * it: kioskd sends error.args.seen/wanted as texts ({"msgid"}), and the
 * screen puts them into the message translated, in English and in
 * Chinese (kiosk/ui/state.c; docs/protocol.md "error").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/i18n.h"
#include "ui/ui.h"

static const char refusal[] =
    "{\"v\":1,\"type\":\"state\",\"screen\":\"error\",\"error\":{\"code\":201,"
    "\"name\":\"KX_ERR_SCAN_NO_DOCUMENT\",\"msgid\":\"This looks like {seen}; please place "
    "{wanted} on the glass, then scan again.\",\"action\":\"Put the document face down on the "
    "scanner glass and try again.\",\"args\":{\"tries_left\":\"0\",\"seen\":{\"msgid\":\"the "
    "seal collection sheet\"},\"wanted\":{\"msgid\":\"the business "
    "licence\"},\"odd\":{\"x\":1}}}}";

static void test_seen_wanted(void **state)
{
    (void)state;
    kx_ui_state *st = NULL;
    char buf[512];
    assert_int_equal(kx_ui_state_parse(refusal, strlen(refusal), &st), KX_OK);
    kx_ui_text_format(&st->error.text, buf, sizeof buf);
    assert_string_equal(buf, "This looks like the seal collection sheet; please place the "
                             "business licence on the glass, then scan again.");
    kx_i18n_set_lang("zh_CN");
    kx_ui_text_format(&st->error.text, buf, sizeof buf);
    assert_string_equal(
        buf, "这看起来是企业电子签章采集表；请将营业执照放在玻璃板上，然后重新扫描。");
    kx_i18n_set_lang("en");
    /* an object argument without a msgid stays a placeholder */
    kx_ui_text t = {.msgid = "Keep {odd}", .args = st->error.text.args};
    kx_ui_text_format(&t, buf, sizeof buf);
    assert_string_equal(buf, "Keep {odd}");
    kx_ui_state_free(st);
}

int main(void)
{
    kx_i18n_init(NULL, "en");
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_seen_wanted)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
