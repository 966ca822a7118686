/* SPDX-License-Identifier: MIT */
/* Unit tests: service catalogue, fees, eligibility rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/config.h"
#include "domain/services.h"

static void test_catalogue(void **state)
{
    (void)state;
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        kx_service back;
        assert_int_equal(kx_service_from_id(kx_service_id((kx_service)s), &back), KX_OK);
        assert_int_equal(back, s);
        assert_true(strlen(kx_service_title((kx_service)s)) > 0);
    }
    kx_service x;
    assert_int_equal(kx_service_from_id("bogus", &x), KX_ERR_NOT_FOUND);
    /* the seed's rules */
    assert_true(kx_service_documents(KX_SVC_REISSUE) & KX_DOC_REISSUE_STATEMENT);
    assert_false(kx_service_documents(KX_SVC_NEW) & KX_DOC_REISSUE_STATEMENT);
    assert_true(kx_service_documents(KX_SVC_CHANGE) & KX_DOC_OLD_UKEY);
    assert_true(kx_service_documents(KX_SVC_NEW) & KX_DOC_SEAL_SHEET);
    assert_true(kx_service_documents(KX_SVC_RENEW) & KX_DOC_UKEY_PIN);
    assert_false(kx_service_documents(KX_SVC_RENEW) & KX_DOC_LICENCE);
    assert_true(kx_service_documents(KX_SVC_RENEW_NOPIN) & KX_DOC_USCC_COPY);
    assert_false(kx_service_documents(KX_SVC_RENEW_NOPIN) & KX_DOC_UKEY_PIN);
    /* the paper (section 4) asks no agent and no contact of it */
    assert_false(kx_service_documents(KX_SVC_RENEW_NOPIN) & KX_DOC_AGENT_ID);
    assert_false(kx_service_documents(KX_SVC_RENEW_NOPIN) & KX_DOC_APPLICATION);
    assert_true(kx_service_documents(KX_SVC_SWAP) & KX_DOC_NEW_UKEY);
    assert_false(kx_service_issues_cert(KX_SVC_REVOKE));
}

static void test_money(void **state)
{
    (void)state;
    int64_t f;
    assert_int_equal(kx_money_parse("300", &f), KX_OK);
    assert_int_equal(f, 30000);
    assert_int_equal(kx_money_parse("300.5", &f), KX_OK);
    assert_int_equal(f, 30050);
    assert_int_equal(kx_money_parse("0.01", &f), KX_OK);
    assert_int_equal(f, 1);
    assert_int_equal(kx_money_parse("1.234", &f), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_money_parse("-1", &f), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_money_parse("1.", &f), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_money_parse("", &f), KX_ERR_BAD_FORMAT);
    assert_int_equal(kx_money_parse("99999999999999", &f), KX_ERR_TOO_LARGE);
    char buf[32];
    kx_money_format(30050, buf, sizeof(buf));
    assert_string_equal(buf, "300.50");
}

static void test_fees_from_config(void **state)
{
    (void)state;
    kx_config *cfg;
    kx_fees fees;
    assert_int_equal(kx_config_load_string("[fees]\nnew = 250.00\nrevoke=0\n", "t.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_fees_load(cfg, &fees), KX_OK);
    assert_int_equal(fees.fen[KX_SVC_NEW], 25000);
    assert_int_equal(fees.fen[KX_SVC_RENEW], 30000); /* default */
    kx_config_free(cfg);
    assert_int_equal(kx_config_load_string("[fees]\n\nrenew = abc\n", "t.conf", &cfg), KX_OK);
    assert_int_equal(kx_fees_load(cfg, &fees), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "t.conf:3"));
    assert_non_null(strstr(kx_err_detail(), "renew"));
    kx_config_free(cfg);
}

static void test_rules(void **state)
{
    (void)state;
    kx_config *cfg;
    kx_rules r;
    assert_int_equal(kx_config_new_empty(&cfg), KX_OK);
    assert_int_equal(kx_rules_load(cfg, &r), KX_OK);
    kx_config_free(cfg);
    assert_int_equal(r.min_agent_age, 18);
    assert_int_equal(kx_rule_agent_age(&r, 2008, 11, 23, 2026, 11, 23), KX_OK);
    assert_int_equal(kx_rule_agent_age(&r, 2008, 11, 24, 2026, 11, 23), KX_ERR_UNDERAGE);
    assert_int_equal(kx_rule_id_card_valid("20261123", 2026, 11, 23), KX_OK);
    assert_int_equal(kx_rule_id_card_valid("2026-11-22", 2026, 11, 23), KX_ERR_EXPIRED);
    assert_int_equal(kx_rule_id_card_valid("long_term", 2026, 11, 23), KX_OK);
    assert_int_equal(kx_rule_id_card_valid("长期", 2026, 11, 23), KX_OK);
    assert_int_equal(kx_rule_id_card_valid("20260230", 2026, 11, 23), KX_ERR_BAD_FORMAT);
    /* the defaults refuse no renewal the counter would do */
    assert_int_equal(kx_rule_renew_window(&r, 30), KX_OK);
    assert_int_equal(kx_rule_renew_window(&r, 200), KX_OK);
    assert_int_equal(kx_rule_renew_window(&r, -1), KX_OK);
    assert_int_equal(kx_rule_renew_window(&r, -400), KX_OK);
    /* a site's limits */
    assert_int_equal(kx_config_load_string("[rules]\nrenew_window_days = 90\n"
                                           "renew_grace_days = 0\n",
                                           "k.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_rules_load(cfg, &r), KX_OK);
    kx_config_free(cfg);
    assert_int_equal(kx_rule_renew_window(&r, 30), KX_OK);
    assert_int_equal(kx_rule_renew_window(&r, 90), KX_OK);
    assert_int_equal(kx_rule_renew_window(&r, 200), KX_ERR_STATE);
    assert_int_equal(kx_rule_renew_window(&r, 0), KX_OK);
    assert_int_equal(kx_rule_renew_window(&r, -1), KX_ERR_EXPIRED);
    assert_int_equal(kx_days_between(2026, 2, 28, 2026, 3, 1), 1);
    assert_int_equal(kx_days_between(2024, 2, 28, 2024, 3, 1), 2);
    assert_int_equal(kx_days_between(2026, 11, 23, 2027, 11, 23), 365);
}

static void test_rules_config_errors(void **state)
{
    (void)state;
    kx_config *cfg;
    kx_rules r;
    assert_int_equal(kx_config_load_string("[rules]\nmin_agent_age = 16\n", "k.conf", &cfg),
                     KX_OK);
    assert_int_equal(kx_rules_load(cfg, &r), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "k.conf:2"));
    assert_non_null(strstr(kx_err_detail(), "min_agent_age"));
    kx_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),           cmocka_unit_test(test_money),
        cmocka_unit_test(test_fees_from_config),    cmocka_unit_test(test_rules),
        cmocka_unit_test(test_rules_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
