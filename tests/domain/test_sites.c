/* SPDX-License-Identifier: MIT */
/* Unit tests: the service halls (config/sites.conf) and [kiosk] site. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "domain/sites.h"

#ifndef KX_SOURCE_DIR
#error "KX_SOURCE_DIR must name the source tree"
#endif

/* the shipped sites.conf lists the 12 halls of the CA's process */
static void test_shipped_halls(void **state)
{
    (void)state;
    kx_config *cfg = NULL;
    assert_int_equal(kx_config_load(KX_SOURCE_DIR "/config/sites.conf", &cfg), KX_OK);
    kx_sites sites;
    assert_int_equal(kx_sites_from_config(cfg, &sites), KX_OK);
    assert_int_equal(sites.count, 12);
    const kx_site *h = kx_sites_find(&sites, "hall-provincial");
    assert_non_null(h);
    assert_string_equal(h->name, "江西省数字证书有限公司办证大厅");
    assert_non_null(strstr(h->phone, "0791-82097407"));
    assert_non_null(kx_sites_find(&sites, "yichun"));
    assert_null(kx_sites_find(&sites, "beijing"));
    for (size_t i = 0; i < sites.count; i++) {
        /* every hall has an English name and address for English screens */
        assert_true(sites.items[i].name_en[0] != '\0');
        assert_true(sites.items[i].address_en[0] != '\0');
        assert_string_not_equal(kx_site_name(&sites.items[i], "en"), sites.items[i].name);
        assert_string_equal(kx_site_name(&sites.items[i], "zh_CN"), sites.items[i].name);
    }
    kx_sites_free(&sites);
    kx_config_free(cfg);
}

static void test_kiosk_site(void **state)
{
    (void)state;
    kx_config *sc = NULL, *kc = NULL;
    assert_int_equal(kx_config_load_string("[a]\nname=甲\naddress=地址\nphone=0791-1\n"
                                           "[b]\nname=乙\naddress=地址乙\nphone=0791-2\n"
                                           "counter=2号窗口\n",
                                           "sites.conf", &sc),
                     KX_OK);
    kx_sites sites;
    assert_int_equal(kx_sites_from_config(sc, &sites), KX_OK);
    const kx_site *here = NULL;

    assert_int_equal(kx_config_load_string("[kiosk]\nsite = b\n", "k.conf", &kc), KX_OK);
    assert_int_equal(kx_site_of_kiosk(kc, &sites, &here), KX_OK);
    assert_string_equal(here->id, "b");
    assert_string_equal(here->counter, "2号窗口");
    /* no English name: the Chinese one is shown rather than nothing */
    assert_string_equal(kx_site_name(here, "en"), "乙");
    kx_config_free(kc);

    /* a site that is not in the file is refused, naming the key */
    assert_int_equal(kx_config_load_string("[kiosk]\nsite = c\n", "k.conf", &kc), KX_OK);
    assert_int_equal(kx_site_of_kiosk(kc, &sites, &here), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "site=c"));
    kx_config_free(kc);

    assert_int_equal(kx_config_load_string("[kiosk]\nid = x\n", "k.conf", &kc), KX_OK);
    assert_int_equal(kx_site_of_kiosk(kc, &sites, &here), KX_ERR_CONFIG);
    kx_config_free(kc);
    kx_sites_free(&sites);
    kx_config_free(sc);
}

static void test_bad_sites(void **state)
{
    (void)state;
    kx_config *sc = NULL;
    kx_sites sites;
    /* a hall without a telephone cannot be used for "call the counter" */
    assert_int_equal(kx_config_load_string("[a]\nname=甲\naddress=地址\n", "s", &sc), KX_OK);
    assert_int_equal(kx_sites_from_config(sc, &sites), KX_ERR_CONFIG);
    assert_non_null(strstr(kx_err_detail(), "phone"));
    assert_null(sites.items);
    kx_config_free(sc);
    assert_int_equal(kx_config_load_string("; nothing\n", "s", &sc), KX_OK);
    assert_int_equal(kx_sites_from_config(sc, &sites), KX_ERR_CONFIG);
    kx_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_halls),
        cmocka_unit_test(test_kiosk_site),
        cmocka_unit_test(test_bad_sites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
