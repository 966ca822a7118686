/* SPDX-License-Identifier: MIT */
/*
 * test_ui_state.c - the front end's reading of kioskd's state messages and
 * its text formatting: fields, absent and null fields, wrong types refused
 * with the field named, unknown screens and intents, argument substitution,
 * UTF-8-safe truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "ui/ui.h"

static const char full[] =
    "{\"v\":1,\"type\":\"state\",\"rev\":42,\"session\":\"S1\",\"screen\":\"payment\","
    "\"service\":\"renew\",\"lang\":\"en\",\"step\":{\"index\":7,\"count\":12},"
    "\"title\":{\"msgid\":\"Pay the fee\",\"args\":{}},"
    "\"body\":[{\"msgid\":\"Pay {amount} yuan to "
    "{who}.\",\"args\":{\"amount\":\"300.00\",\"who\":\"JXCA\"}}],"
    "\"activity\":null,\"doc\":\"licence\","
    "\"cert\":{\"company\":\"江西某某科技有限公司\",\"uscc\":\"91360100MA35XXXXXX\","
    "\"subject\":\"CN=x\","
    "\"serial\":\"4F2A\",\"not_after\":\"2026-12-01\",\"days_left\":8},"
    "\"company\":null,\"agent\":{\"name\":\"张伟\",\"idnum_masked\":\"360***********0071\","
    "\"age\":35,\"valid_to\":\"2036-05-01\"},"
    "\"fee\":{\"fen\":30000,\"text\":\"300.00\"},"
    "\"payment\":{\"order\":\"PO-1\",\"qr\":\"https://pay.example/x\",\"expires_in\":287},"
    "\"previews\":[{\"doc\":\"licence\",\"path\":\"/tmp/a.png\",\"width\":10,\"height\":20}],"
    "\"seal_cells\":[{\"row\":\"signature\",\"cell\":1,\"verdict\":\"faint\",\"msgid\":\"Too "
    "faint\"}],"
    "\"choices\":[{\"value\":\"ukey\",\"msgid\":\"I have the UKEY\"}],"
    "\"input\":{\"kind\":\"pin\",\"min\":4,\"max\":16,\"tries_left\":3},"
    "\"progress\":0.25,"
    "\"error\":{\"code\":402,\"name\":\"KX_ERR_PIN_INCORRECT\",\"msgid\":\"Wrong PIN\","
    "\"action\":\"Enter the PIN again. {tries_left} tries "
    "left.\",\"args\":{\"tries_left\":\"3\"}},"
    "\"intents\":[\"cancel\",\"activity\",\"set_language\",\"teleport\"],"
    "\"timeout\":{\"total\":300,\"left\":287},\"future_field\":[1,2,3]}";

static kx_ui_state *parse(const char *s)
{
    kx_ui_state *st = NULL;
    kx_err rc = kx_ui_state_parse(s, strlen(s), &st);
    return rc == KX_OK ? st : NULL;
}

static void test_full_state(void **state)
{
    (void)state;
    kx_ui_state *st = parse(full);
    char buf[256];
    assert_non_null(st);
    if (!st)
        return; /* for the compiler: cmocka does not return */
    assert_int_equal(st->rev, 42);
    assert_int_equal(st->screen, KX_SCREEN_PAYMENT);
    assert_string_equal(st->service, "renew");
    assert_string_equal(st->doc, "licence");
    assert_int_equal(st->step_index, 7);
    assert_int_equal(st->step_count, 12);
    assert_true(st->cert.present);
    assert_int_equal(st->cert.days_left, 8);
    assert_string_equal(st->cert.company, "江西某某科技有限公司");
    assert_false(st->company.present);
    assert_int_equal(st->agent.age, 35);
    assert_int_equal(st->fee.fen, 30000);
    assert_int_equal(st->payment.expires_in, 287);
    assert_int_equal(st->n_previews, 1);
    assert_int_equal(st->previews[0].height, 20);
    assert_int_equal(st->n_cells, 1);
    assert_int_equal(st->cells[0].cell, 1);
    assert_string_equal(st->cells[0].verdict, "faint");
    assert_int_equal(st->n_choices, 1);
    assert_int_equal(st->input.tries_left, 3);
    assert_true(st->has_progress);
    assert_true(st->progress > 0.24 && st->progress < 0.26);
    assert_int_equal(st->error.code, 402);
    assert_true(st->has_timeout);
    assert_int_equal(st->timeout_left, 287);
    /* intents: known ones become bits, unknown ones are ignored */
    assert_true(kx_ui_state_accepts(st, KX_INTENT_CANCEL));
    assert_true(kx_ui_state_accepts(st, KX_INTENT_ACTIVITY));
    assert_false(kx_ui_state_accepts(st, KX_INTENT_CONFIRM));
    assert_false(kx_ui_state_accepts(st, KX_INTENT_PIN));
    /* texts: arguments replaced; plain-string texts take the error's args */
    kx_ui_text_format(&st->body[0], buf, sizeof buf);
    assert_string_equal(buf, "Pay 300.00 yuan to JXCA.");
    kx_ui_text_format(&st->error.action, buf, sizeof buf);
    assert_string_equal(buf, "Enter the PIN again. 3 tries left.");
    kx_ui_state_free(st);
}

/* revoke_pick: a company with many certificates; every one can be picked
 * (the screen pages them), none is dropped */
static void test_many_choices(void **state)
{
    (void)state;
    char msg[8192];
    size_t n = (size_t)snprintf(msg, sizeof msg,
                                "{\"v\":1,\"type\":\"state\",\"screen\":\"revoke_pick\","
                                "\"lang\":\"en\",\"intents\":[\"choose\"],\"choices\":[");
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(msg + n, sizeof msg - n,
                              "{\"value\":\"5f%02d\",\"msgid\":\"certificate %d\"},", i, i);
    (void)snprintf(msg + n, sizeof msg - n, "{\"value\":\"all\",\"msgid\":\"All\"}]}");
    kx_ui_state *st = parse(msg);
    assert_non_null(st);
    if (!st)
        return; /* for the compiler: cmocka does not return */
    assert_int_equal(st->n_choices, 65);
    assert_string_equal(st->choices[19].value, "5f19");
    assert_string_equal(st->choices[63].value, "5f63");
    assert_string_equal(st->choices[64].value, "all");
    kx_ui_state_free(st);
}

static void test_minimal_and_unknown_screen(void **state)
{
    (void)state;
    kx_ui_state *st =
        parse("{\"v\":1,\"type\":\"state\",\"screen\":\"hologram\",\"lang\":\"zh_CN\"}");
    assert_non_null(st);
    if (!st)
        return; /* for the compiler: cmocka does not return */
    assert_int_equal(st->screen, KX_SCREEN_COUNT);
    assert_null(st->session);
    assert_false(st->cert.present);
    assert_false(st->has_timeout);
    assert_int_equal(st->n_body, 0);
    assert_false(kx_ui_state_accepts(st, KX_INTENT_CANCEL));
    kx_ui_state_free(st);
    st = parse("{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"session\":null,\"cert\":null,"
               "\"input\":null,\"progress\":null,\"intents\":[\"choose_service\"]}");
    assert_non_null(st);
    if (!st)
        return; /* for the compiler: cmocka does not return */
    assert_int_equal(st->screen, KX_SCREEN_HOME);
    assert_true(kx_ui_state_accepts(st, KX_INTENT_CHOOSE_SERVICE));
    kx_ui_state_free(st);
}

static void test_bad_messages(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"v\":1,\"type\":\"welcome\",\"screen\":\"home\"}",
        "{\"v\":2,\"type\":\"state\",\"screen\":\"home\"}",
        "{\"v\":1,\"type\":\"state\"}",
        "{\"v\":1,\"type\":\"state\",\"screen\":7}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"cert\":\"x\"}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"fee\":{\"fen\":\"lots\"}}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"body\":{}}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"body\":[{\"args\":{}}]}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"progress\":\"half\"}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"screen\":\"busy\"}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"staff\":\"1001\"}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"staff\":{\"id\":1001}}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"staff\":{\"name\":\"x\"}}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"agreement\",\"agreement\":[\"a\"]}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"agreement\",\"agreement\":"
        "{\"paragraphs\":[\"a\",7]}}",
        "{\"v\":1,\"type\":\"state\",\"screen\":\"agreement\",\"agreement\":"
        "{\"version\":1,\"paragraphs\":[\"a\"]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kx_ui_state *st = NULL;
        assert_int_equal(kx_ui_state_parse(bad[i], strlen(bad[i]), &st), KX_ERR_BAD_FORMAT);
        assert_null(st);
    }
    /* the detail names the field for the log */
    kx_ui_state *st = NULL;
    const char *m =
        "{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"fee\":{\"fen\":\"lots\"}}";
    assert_int_equal(kx_ui_state_parse(m, strlen(m), &st), KX_ERR_BAD_FORMAT);
    assert_non_null(strstr(kx_err_detail(), "fen"));
}

static void test_staff(void **state)
{
    (void)state;
    kx_ui_state *st = parse("{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"staff\":"
                            "{\"id\":\"9001\",\"name\":\"王芳\",\"role\":\"admin\","
                            "\"idle_left\":999999}}");
    assert_non_null(st);
    if (!st)
        return; /* for the compiler: cmocka does not return */
    assert_true(st->staff.present);
    assert_string_equal(st->staff.id, "9001");
    assert_string_equal(st->staff.name, "王芳");
    assert_string_equal(st->staff.role, "admin");
    assert_int_equal(st->staff.idle_left, 86400); /* clamped */
    kx_ui_state_free(st);
    st = parse("{\"v\":1,\"type\":\"state\",\"screen\":\"home\",\"staff\":null}");
    assert_non_null(st);
    if (!st)
        return;
    assert_false(st->staff.present);
    kx_ui_state_free(st);
}

/* the agreement screen's full text: every paragraph in order, version and
 * language; an agreement without paragraphs is absent */
static void test_agreement(void **state)
{
    (void)state;
    kx_ui_state *st =
        parse("{\"v\":1,\"type\":\"state\",\"screen\":\"agreement\","
              "\"agreement\":{\"version\":\"ab12\",\"lang\":\"zh_CN\","
              "\"paragraphs\":[\"江西CA数字证书用户协议\",\"第一条\",\"第二条\"]}}");
    assert_non_null(st);
    if (!st)
        return; /* for the compiler: cmocka does not return */
    assert_true(st->agreement.present);
    assert_string_equal(st->agreement.version, "ab12");
    assert_string_equal(st->agreement.lang, "zh_CN");
    assert_int_equal(st->agreement.n_paras, 3);
    assert_string_equal(st->agreement.paras[0], "江西CA数字证书用户协议");
    assert_string_equal(st->agreement.paras[2], "第二条");
    kx_ui_state_free(st);
    st = parse("{\"v\":1,\"type\":\"state\",\"screen\":\"agreement\",\"agreement\":"
               "{\"version\":\"ab12\",\"paragraphs\":[]}}");
    assert_non_null(st);
    if (!st)
        return;
    assert_false(st->agreement.present);
    kx_ui_state_free(st);
    st = parse("{\"v\":1,\"type\":\"state\",\"screen\":\"agreement\",\"agreement\":null}");
    assert_non_null(st);
    if (!st)
        return;
    assert_false(st->agreement.present);
    assert_int_equal(st->agreement.n_paras, 0);
    kx_ui_state_free(st);
}

static void test_format(void **state)
{
    (void)state;
    char buf[64], small[10];
    kx_ui_format(buf, sizeof buf, "Step {index} of {count}", "index", "3", "count", "12");
    assert_string_equal(buf, "Step 3 of 12");
    kx_ui_format(buf, sizeof buf, "Keep {unknown} as is", "index", "3", NULL, NULL);
    assert_string_equal(buf, "Keep {unknown} as is");
    kx_ui_format(buf, sizeof buf, "unterminated {brace", NULL, NULL, NULL, NULL);
    assert_string_equal(buf, "unterminated {brace");
    /* truncation never splits a UTF-8 sequence: 3 x 3 bytes fit in 10 */
    kx_ui_format(small, sizeof small, "{x}", "x", "江西省数字证书", NULL, NULL);
    assert_string_equal(small, "江西省");
    /* the zh_CN catalogue is used when it is the current language */
    kx_i18n_set_lang("zh_CN");
    kx_ui_format(buf, sizeof buf, "Step {index} of {count}", "index", "3", "count", "12");
    assert_string_equal(buf, "第 3 步，共 12 步");
    kx_i18n_set_lang("en");
}

int main(void)
{
    kx_i18n_init(NULL, "en");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_state),   cmocka_unit_test(test_minimal_and_unknown_screen),
        cmocka_unit_test(test_many_choices), cmocka_unit_test(test_bad_messages),
        cmocka_unit_test(test_staff),        cmocka_unit_test(test_format),
        cmocka_unit_test(test_agreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
