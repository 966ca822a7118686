/* SPDX-License-Identifier: MIT */
/*
 * ctl_domain.c - offline checks: credit code, ID number, licence payload,
 * services and configuration.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/str.h"
#include "ctl.h"
#include "domain/idnum.h"
#include "domain/licence.h"
#include "domain/services.h"
#include "domain/sites.h"
#include "domain/uscc.h"
#include "staff/staff_config.h"

int ctl_cmd_uscc(int argc, char **argv)
{
    const char *code = ctl_positional(argc, argv, 0, NULL);
    if (!code || argc != 2)
        return ctl_fail(CTL_EXIT_USAGE, "uscc", "usage: kioskctl uscc CODE");
    kx_uscc_info info;
    kx_uscc_status st = kx_uscc_check(code, &info);
    json_t *o = json_object();
    json_t *in = json_string(code);
    json_object_set_new(o, "input", in ? in : json_string("(not UTF-8)"));
    json_object_set_new(o, "valid", json_boolean(st == KX_USCC_VALID));
    json_object_set_new(o, "status", json_string(kx_uscc_status_name(st)));
    if (st != KX_USCC_BAD_FORMAT) {
        char exp[2] = {info.expected_check, 0};
        json_object_set_new(o, "normalized", json_string(info.code));
        json_object_set_new(o, "region", json_string(info.region));
        json_object_set_new(o, "expected_check", json_string(exp));
        json_object_set_new(o, "org_code_check", json_boolean(info.org_check_ok));
    }
    ctl_print_json(o);
    if (st == KX_USCC_CHECK_FAILED)
        return ctl_fail(CTL_EXIT_INVALID, "uscc",
                        "check character is %c, expected %c (staff may override codes "
                        "from early pilot regions)",
                        info.code[17], info.expected_check);
    if (st == KX_USCC_BAD_FORMAT)
        return ctl_fail(CTL_EXIT_INVALID, "uscc",
                        "not 18 characters from 0-9 and A-Y without I, O, S, V, Z, "
                        "with a numeric region code");
    return CTL_EXIT_OK;
}

int ctl_cmd_idnum(int argc, char **argv)
{
    static const char *const with_value[] = {"--on", NULL};
    const char *num = ctl_positional(argc, argv, 0, with_value);
    const char *on = ctl_option(argc, argv, "--on");
    if (!num || ctl_positional(argc, argv, 1, with_value))
        return ctl_fail(CTL_EXIT_USAGE, "idnum",
                        "usage: kioskctl idnum NUMBER [--on YYYY-MM-DD]");
    int y, m, d;
    if (on) {
        if (kx_parse_date(on, &y, &m, &d))
            return ctl_fail(CTL_EXIT_USAGE, "idnum", "--on %s is not a date", on);
    } else {
        kx_today(&y, &m, &d);
    }
    kx_idnum_info info;
    kx_idnum_status st = kx_idnum_check(num, &info);
    json_t *o = json_object();
    json_t *in = json_string(num);
    json_object_set_new(o, "input", in ? in : json_string("(not UTF-8)"));
    json_object_set_new(o, "valid", json_boolean(st == KX_IDNUM_VALID));
    json_object_set_new(o, "status", json_string(kx_idnum_status_name(st)));
    if (st == KX_IDNUM_VALID || st == KX_IDNUM_CHECK_FAILED) {
        char birth[11], sex[2] = {info.sex, 0};
        snprintf(birth, sizeof(birth), "%04d-%02d-%02d", info.birth_year, info.birth_month,
                 info.birth_day);
        json_object_set_new(o, "normalized", json_string(info.number));
        json_object_set_new(o, "birth", json_string(birth));
        json_object_set_new(o, "sex", json_string(sex));
        int age = kx_age_on(info.birth_year, info.birth_month, info.birth_day, y, m, d);
        json_object_set_new(o, "age", age >= 0 ? json_integer(age) : json_null());
        json_object_set_new(o, "adult", json_boolean(age >= 18));
        json_object_set_new(o, "region", json_string(info.region));
    }
    ctl_print_json(o);
    switch (st) {
    case KX_IDNUM_VALID:
        return CTL_EXIT_OK;
    case KX_IDNUM_CHECK_FAILED:
        return ctl_fail(CTL_EXIT_INVALID, "idnum", "check character should be %c",
                        info.expected_check);
    case KX_IDNUM_BAD_DATE:
        return ctl_fail(CTL_EXIT_INVALID, "idnum", "the birth date is not a real date");
    default:
        return ctl_fail(CTL_EXIT_INVALID, "idnum", "not 17 digits followed by a digit or X");
    }
}

int ctl_cmd_license_payload(int argc, char **argv)
{
    const char *text = ctl_positional(argc, argv, 0, NULL);
    if (!text || argc != 2)
        return ctl_fail(CTL_EXIT_USAGE, "license-payload",
                        "usage: kioskctl license-payload TEXT");
    kx_licence_codes codes;
    kx_err rc = kx_licence_extract(text, strlen(text), &codes);
    if (rc == KX_ERR_TOO_LARGE)
        return ctl_fail(CTL_EXIT_USAGE, "license-payload", "payload over %d bytes",
                        KX_LICENCE_MAX_PAYLOAD);
    json_t *o = json_object();
    json_t *cand = json_array(), *failed = json_array();
    for (size_t i = 0; i < codes.n_valid; i++)
        json_array_append_new(cand, json_string(codes.valid[i]));
    for (size_t i = 0; i < codes.n_failed; i++)
        json_array_append_new(failed, json_string(codes.failed[i]));
    json_object_set_new(o, "uscc", codes.n_valid ? json_string(codes.valid[0]) : json_null());
    json_object_set_new(o, "candidates", cand);
    json_object_set_new(o, "check_failed", failed);
    ctl_print_json(o);
    if (!codes.n_valid)
        return ctl_fail(CTL_EXIT_INVALID, "license-payload",
                        codes.n_failed ? "a credit code is present but its check character "
                                         "is wrong; staff may confirm it"
                                       : "no credit code in the payload (opaque token): "
                                         "look the enterprise up or enter the code");
    return CTL_EXIT_OK;
}

static kx_err ctl_load_config(const char *path, kx_config **cfg)
{
    return path ? kx_config_load(path, cfg) : kx_config_new_empty(cfg);
}

int ctl_cmd_services(int argc, char **argv)
{
    const char *path = ctl_option(argc, argv, "--config");
    kx_config *cfg = NULL;
    kx_fees fees;
    if (ctl_load_config(path, &cfg))
        return ctl_fail(CTL_EXIT_USAGE, "services", "%s", kx_err_detail());
    kx_err rc = kx_fees_load(cfg, &fees);
    kx_config_free(cfg);
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "services", "%s", kx_err_detail());
    json_t *o = json_object(), *list = json_array();
    for (int s = 0; s < KX_SVC_COUNT; s++) {
        json_t *svc = json_object(), *docs = json_array();
        uint32_t mask = kx_service_documents((kx_service)s);
        for (int b = 0; b < KX_DOC_COUNT; b++)
            if (mask & (1u << b))
                json_array_append_new(docs, json_string(kx_doc_id((kx_doc)(1u << b))));
        char fee[32];
        kx_money_format(fees.fen[s], fee, sizeof(fee));
        json_object_set_new(svc, "id", json_string(kx_service_id((kx_service)s)));
        json_object_set_new(svc, "documents", docs);
        json_object_set_new(svc, "fee", json_string(fee));
        json_object_set_new(svc, "issues_certificate",
                            json_boolean(kx_service_issues_cert((kx_service)s)));
        json_array_append_new(list, svc);
    }
    json_object_set_new(o, "services", list);
    ctl_print_json(o);
    return CTL_EXIT_OK;
}

/*
 * ctl_sites_path - the sites file a kiosk configuration names ([kiosk]
 * sites_file, default /etc/jxca-kiosk/sites.conf). A relative path is taken
 * from the configuration's directory; when the named file is absent and a
 * sites.conf sits beside the configuration, that one is checked, so a
 * staged tree (a package's etc/) can be checked before it is installed.
 */
static void ctl_sites_path(const kx_config *cfg, const char *conf_path, char *out, size_t outsz)
{
    const char *named =
        kx_config_get_str(cfg, "kiosk", "sites_file", "/etc/jxca-kiosk/sites.conf");
    char dir[1024];
    kx_strlcpy(dir, conf_path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        kx_strlcpy(dir, ".", sizeof dir);
    if (named[0] == '/')
        kx_strlcpy(out, named, outsz);
    else
        snprintf(out, outsz, "%s/%s", dir, named);
    if (access(out, R_OK) != 0) {
        char beside[1100];
        snprintf(beside, sizeof beside, "%s/sites.conf", dir);
        if (access(beside, R_OK) == 0)
            kx_strlcpy(out, beside, outsz);
    }
}

/* ctl_check_site - [kiosk] site names a hall of the sites file */
static kx_err ctl_check_site(const kx_config *cfg, const char *conf_path)
{
    char path[1100];
    ctl_sites_path(cfg, conf_path, path, sizeof path);
    kx_config *sc = NULL;
    kx_sites sites = {0};
    const kx_site *here = NULL;
    kx_err rc = kx_config_load(path, &sc);
    if (rc == KX_ERR_IO) {
        kx_err_set_detail("%s: [kiosk] sites_file %s cannot be read", kx_config_name(cfg),
                          path);
        rc = KX_ERR_CONFIG;
    }
    if (!rc)
        rc = kx_sites_from_config(sc, &sites);
    if (!rc)
        rc = kx_site_of_kiosk(cfg, &sites, &here);
    kx_sites_free(&sites);
    kx_config_free(sc);
    return rc;
}

int ctl_cmd_config_check(int argc, char **argv)
{
    const char *path = ctl_positional(argc, argv, 0, NULL);
    if (!path)
        return ctl_fail(CTL_EXIT_USAGE, "config-check", "usage: kioskctl config-check FILE");
    kx_config *cfg = NULL;
    kx_err rc = kx_config_load(path, &cfg);
    kx_fees fees;
    kx_rules rules;
    if (!rc)
        rc = kx_fees_load(cfg, &fees);
    if (!rc)
        rc = kx_rules_load(cfg, &rules);
    if (!rc)
        rc = ctl_check_site(cfg, path);
    if (!rc) /* the staff members kioskd would refuse (a serial without a digest...) */
        rc = kx_staff_config_check(cfg, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "valid", json_boolean(rc == KX_OK));
    if (rc)
        json_object_set_new(o, "error", json_string(kx_err_detail()));
    ctl_print_json(o);
    kx_config_free(cfg);
    if (rc == KX_ERR_IO)
        return ctl_fail(CTL_EXIT_USAGE, "config-check", "%s", kx_err_detail());
    if (rc)
        return ctl_fail(CTL_EXIT_INVALID, "config-check", "%s", kx_err_detail());
    return CTL_EXIT_OK;
}
