/* SPDX-License-Identifier: MIT */
/*
 * ctl_token.c - kioskctl token list|info|certs: the UKEYs a PKCS#11 module
 * or an SKF vendor library (--skf-library) sees, one token's state (PIN
 * flags by name, PIN tries left where the back-end knows) and its
 * certificates with their usage (an SM2 pair shows a signing and an
 * encryption certificate under one id), as one JSON object each. For maintenance and tests;
 * never asks for or logs a PIN (everything shown is readable without login).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "ctl.h"
#include "token/token.h"

#define CTL_TOKEN_DEFAULT_MODULE "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#define CTL_TOKEN_MAX 16

static const char ctl_token_usage[] =
    "usage: kioskctl token list|info|certs [--module PATH | --skf-library PATH] [--serial S | "
    "--label L]";

/* the PIN and token flags by name, in the order of token.h */
static json_t *ctl_token_flags(unsigned flags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {KX_TOKEN_INITIALIZED, "initialized"},
        {KX_TOKEN_USER_PIN_SET, "user_pin_initialized"},
        {KX_TOKEN_PIN_COUNT_LOW, "pin_count_low"},
        {KX_TOKEN_PIN_FINAL_TRY, "pin_final_try"},
        {KX_TOKEN_PIN_LOCKED, "pin_locked"},
        {KX_TOKEN_PIN_TO_BE_CHANGED, "pin_to_be_changed"},
        {KX_TOKEN_SO_PIN_LOCKED, "so_pin_locked"},
        {KX_TOKEN_WRITE_PROTECTED, "write_protected"},
    };
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

static json_t *ctl_token_info_json(const kx_token_info *ti, int detailed)
{
    json_t *o = json_object();
    json_object_set_new(o, "serial", json_string(ti->serial));
    json_object_set_new(o, "label", json_string(ti->label));
    json_object_set_new(o, "manufacturer", json_string(ti->manufacturer));
    json_object_set_new(o, "model", json_string(ti->model));
    json_object_set_new(o, "flags", ctl_token_flags(ti->flags));
    if (detailed) {
        json_object_set_new(o, "min_pin_len", json_integer((json_int_t)ti->min_pin_len));
        json_object_set_new(o, "max_pin_len", json_integer((json_int_t)ti->max_pin_len));
        json_object_set_new(o, "pin_locked", json_boolean(ti->flags & KX_TOKEN_PIN_LOCKED));
        json_object_set_new(o, "pin_final_try",
                            json_boolean(ti->flags & KX_TOKEN_PIN_FINAL_TRY));
        json_object_set_new(o, "pin_count_low",
                            json_boolean(ti->flags & KX_TOKEN_PIN_COUNT_LOW));
        json_object_set_new(o, "pin_tries_left",
                            ti->pin_tries_left >= 0 ? json_integer(ti->pin_tries_left)
                                                    : json_null());
        json_object_set_new(o, "pin_tries_max",
                            ti->pin_tries_max >= 0 ? json_integer(ti->pin_tries_max)
                                                   : json_null());
    }
    return o;
}

static json_t *ctl_token_time(time_t t)
{
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *ctl_token_cert_json(const kx_token_cert *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(c->id_hex));
    json_object_set_new(o, "label", json_string(c->label));
    json_object_set_new(o, "subject", json_string(c->subject));
    json_object_set_new(o, "company", json_string(c->company));
    json_object_set_new(o, "credit_code", json_string(c->credit_code));
    json_object_set_new(o, "issuer", json_string(c->issuer));
    json_object_set_new(o, "serial", json_string(c->serial_hex));
    json_object_set_new(o, "not_before", ctl_token_time(c->not_before));
    json_object_set_new(o, "not_after", ctl_token_time(c->not_after));
    json_object_set_new(o, "days_left", json_integer(c->days_left));
    json_object_set_new(o, "key_type", json_string(kx_key_type_name(c->key_type)));
    json_object_set_new(o, "usage",
                        json_string(c->usage == KX_CERT_USAGE_ENCRYPT ? "encrypt" : "sign"));
    json_object_set_new(o, "has_private_key", json_boolean(c->has_private_key));
    return o;
}

/* ctl_token_pick - the serial of the token named by --serial/--label, or of
 * the only token present. Returns an exit code; the reason is printed. */
static int ctl_token_pick(kx_token_module *m, const char *serial, const char *label, char *out,
                          size_t outsz)
{
    kx_token_info list[CTL_TOKEN_MAX];
    size_t n = 0;
    kx_err rc = kx_token_list(m, list, CTL_TOKEN_MAX, &n);
    if (rc)
        return ctl_fail(CTL_EXIT_INVALID, "token", "%s (%s)", kx_err_name(rc), kx_err_detail());
    size_t found = 0, which = 0;
    for (size_t i = 0; i < n; i++)
        if ((serial && strcmp(list[i].serial, serial) == 0) ||
            (label && strcmp(list[i].label, label) == 0) || (!serial && !label)) {
            found++;
            which = i;
        }
    if (found == 0)
        return ctl_fail(CTL_EXIT_INVALID, "token", "%s", kx_tr(N_("No UKEY found")));
    if (found > 1)
        return ctl_fail(CTL_EXIT_INVALID, "token", "%s",
                        kx_tr(N_("Several UKEYs found: name one with --serial or --label")));
    snprintf(out, outsz, "%s", list[which].serial);
    return CTL_EXIT_OK;
}

int ctl_cmd_token(int argc, char **argv)
{
    static const char *const with_value[] = {"--module", "--skf-library", "--serial", "--label",
                                             NULL};
    const char *verb = ctl_positional(argc, argv, 0, with_value);
    const char *module = ctl_option(argc, argv, "--module");
    const char *serial = ctl_option(argc, argv, "--serial");
    const char *label = ctl_option(argc, argv, "--label");
    const char *skf = ctl_option(argc, argv, "--skf-library");
    if (!verb || (serial && label) || (skf && module) ||
        (strcmp(verb, "list") != 0 && strcmp(verb, "info") != 0 && strcmp(verb, "certs") != 0))
        return ctl_fail(CTL_EXIT_USAGE, "token", "%s", ctl_token_usage);
    kx_token_module *m = NULL;
    kx_err rc =
        skf ? kx_token_module_open("skf", skf, &m)
            : kx_token_module_open("pkcs11", module ? module : CTL_TOKEN_DEFAULT_MODULE, &m);
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "token", "%s: %s (%s)",
                        skf ? kx_tr(N_("Cannot load the SKF library"))
                            : kx_tr(N_("Cannot load the PKCS#11 module")),
                        kx_err_name(rc), kx_err_detail());
    int code = CTL_EXIT_OK;
    kx_token *t = NULL;
    json_t *o = NULL;
    if (strcmp(verb, "list") == 0) {
        kx_token_info list[CTL_TOKEN_MAX];
        size_t n = 0;
        if ((rc = kx_token_list(m, list, CTL_TOKEN_MAX, &n))) {
            code = ctl_fail(CTL_EXIT_INVALID, "token", "%s (%s)", kx_err_name(rc),
                            kx_err_detail());
            goto out;
        }
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            if ((!serial || strcmp(list[i].serial, serial) == 0) &&
                (!label || strcmp(list[i].label, label) == 0))
                json_array_append_new(a, ctl_token_info_json(&list[i], 0));
        o = json_object();
        json_object_set_new(o, "count", json_integer((json_int_t)json_array_size(a)));
        json_object_set_new(o, "tokens", a);
        goto out;
    }
    char chosen[33];
    if ((code = ctl_token_pick(m, serial, label, chosen, sizeof(chosen))))
        goto out;
    if ((rc = kx_token_open(m, chosen, &t))) {
        code = ctl_fail(CTL_EXIT_INVALID, "token", "%s (%s)", kx_err_name(rc), kx_err_detail());
        goto out;
    }
    kx_token_info ti;
    if ((rc = kx_token_get_info(t, &ti))) {
        code = ctl_fail(CTL_EXIT_INVALID, "token", "%s (%s)", kx_err_name(rc), kx_err_detail());
        goto out;
    }
    if (strcmp(verb, "info") == 0) {
        o = ctl_token_info_json(&ti, 1);
        goto out;
    }
    kx_token_certs certs = {0};
    if ((rc = kx_token_list_certs(t, &certs))) {
        code = ctl_fail(CTL_EXIT_INVALID, "token", "%s (%s)", kx_err_name(rc), kx_err_detail());
        goto out;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < certs.count; i++)
        json_array_append_new(a, ctl_token_cert_json(&certs.items[i]));
    kx_token_certs_free(&certs);
    o = json_object();
    json_object_set_new(o, "serial", json_string(ti.serial));
    json_object_set_new(o, "label", json_string(ti.label));
    json_object_set_new(o, "count", json_integer((json_int_t)json_array_size(a)));
    json_object_set_new(o, "certificates", a);
out:
    if (o)
        ctl_print_json(o);
    kx_token_close(t);
    kx_token_module_close(m);
    return code;
}
