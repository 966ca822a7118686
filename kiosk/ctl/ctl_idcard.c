/* SPDX-License-Identifier: MIT */
/*
 * ctl_idcard.c - kioskctl idcard read: read a card on a serial reader and
 * print it with the kiosk's checks. For maintenance and tests; the ID
 * number is printed (the admin asked for it) but never logged unmasked.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "ctl.h"
#include "idcard/idcard.h"

int ctl_cmd_idcard(int argc, char **argv)
{
    static const char *const with_value[] = {"--device", "--baud", "--timeout", NULL};
    const char *verb = ctl_positional(argc, argv, 0, with_value);
    const char *device = ctl_option(argc, argv, "--device");
    const char *baud_s = ctl_option(argc, argv, "--baud");
    const char *timeout_s = ctl_option(argc, argv, "--timeout");
    long baud = 115200, timeout = 10;
    if (!verb || strcmp(verb, "read") != 0 || !device ||
        (baud_s && kx_parse_long(baud_s, 9600, 115200, &baud)) ||
        (timeout_s && kx_parse_long(timeout_s, 1, 600, &timeout)))
        return ctl_fail(CTL_EXIT_USAGE, "idcard",
                        "usage: kioskctl idcard read --device PATH [--baud N] [--timeout S]");
    kx_idcard_reader *r = NULL;
    kx_err rc = kx_idcard_open("ga467", device, (int)baud, &r);
    if (rc)
        return ctl_fail(CTL_EXIT_INVALID, "idcard", "cannot open the reader: %s (%s)",
                        kx_err_name(rc), kx_err_detail());
    kx_idcard card;
    rc = kx_idcard_read(r, (int)timeout * 1000, &card);
    kx_idcard_close(r);
    if (rc)
        return ctl_fail(CTL_EXIT_INVALID, "idcard", "%s: %s (%s)", kx_err_name(rc),
                        kx_err_message(rc), kx_err_detail());
    kx_config *cfg = NULL;
    kx_rules rules;
    kx_config_new_empty(&cfg);
    kx_rules_load(cfg, &rules);
    kx_config_free(cfg);
    int y, m, d;
    kx_today(&y, &m, &d);
    kx_idcard_checks checks;
    kx_idcard_check(&card, &rules, y, m, d, &checks);
    char sex[2] = {card.sex ? card.sex : '?', 0};
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(card.name));
    json_object_set_new(o, "sex", json_string(sex));
    json_object_set_new(o, "nation", json_string(card.nation));
    json_object_set_new(o, "nation_code", json_string(card.nation_code));
    json_object_set_new(o, "birth", json_string(card.birth));
    json_object_set_new(o, "address", json_string(card.address));
    json_object_set_new(o, "id_number", json_string(card.id_number));
    json_object_set_new(o, "authority", json_string(card.authority));
    json_object_set_new(o, "valid_from", json_string(card.valid_from));
    json_object_set_new(o, "valid_to", json_string(card.valid_to));
    json_object_set_new(o, "photo_bytes", json_integer((json_int_t)card.photo_len));
    json_object_set_new(o, "photo_decoded", json_boolean(card.photo_rgb != NULL));
    json_t *c = json_object();
    json_object_set_new(c, "id_number_valid", json_boolean(checks.id_number_valid));
    json_object_set_new(c, "consistent", json_boolean(checks.consistent));
    json_object_set_new(c, "expired", json_boolean(checks.expired));
    json_object_set_new(c, "adult", json_boolean(checks.adult));
    json_object_set_new(o, "checks", c);
    kx_idcard_clear(&card);
    ctl_print_json(o);
    return CTL_EXIT_OK;
}
