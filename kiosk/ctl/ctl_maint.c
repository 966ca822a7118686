/* SPDX-License-Identifier: MIT */
/*
 * ctl_maint.c - kioskctl's staff and maintenance commands through kioskd
 * (docs/protocol.md, "Staff and maintenance"): staff-login,
 * staff-login-token, staff-logout, staff-actions, selftest, summary, logs,
 * config-show, version, counter-paid. With [staff:ID] members configured,
 * `--staff ID` logs in first with the PIN read from standard input (never
 * from the command line); `--staff-token` logs in with the staff UKEY
 * instead (its PIN on standard input).
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "ctl.h"

static const char *const maint_opts[] = {"--socket", "--config", "--staff", "--reason",
                                         "--date",   "--lines",  "--limit", NULL};

int ctl_cmd_staff_login(int argc, char **argv)
{
    if (!ctl_option(argc, argv, "--staff") && !ctl_flag(argc, argv, "--staff-token"))
        return ctl_fail(CTL_EXIT_USAGE, "staff-login",
                        "usage: kioskctl staff-login --staff ID < PIN, "
                        "or kioskctl staff-login-token < UKEY_PIN");
    /* ctl_engine_request logs in; then print the login just recorded */
    return ctl_engine_request(argc, argv, "staff-login",
                              json_pack("{s:s, s:i}", "cmd", "staff_actions", "limit", 1));
}

int ctl_cmd_staff_login_token(int argc, char **argv)
{
    char *args[64];
    if (argc < 1 || argc > 62 || ctl_option(argc, argv, "--staff"))
        return ctl_fail(CTL_EXIT_USAGE, "staff-login-token",
                        "usage: kioskctl staff-login-token < UKEY_PIN");
    for (int i = 0; i < argc; i++)
        args[i] = argv[i];
    args[argc] = (char *)"--staff-token";
    args[argc + 1] = NULL;
    return ctl_engine_request(argc + 1, args, "staff-login-token",
                              json_pack("{s:s, s:i}", "cmd", "staff_actions", "limit", 1));
}

int ctl_cmd_counter_paid(int argc, char **argv)
{
    const char *amount = ctl_option(argc, argv, "--amount-fen");
    const char *receipt = ctl_option(argc, argv, "--receipt");
    const char *method = ctl_option(argc, argv, "--method");
    long fen = 0;
    if (!amount || !receipt || kx_parse_long(amount, 1, 100000000L, &fen))
        return ctl_fail(CTL_EXIT_USAGE, "counter-paid",
                        "usage: kioskctl counter-paid --amount-fen N --receipt NO "
                        "[--method cash|card] --reason TEXT [--staff ID | --staff-token]");
    return ctl_engine_request(argc, argv, "counter-paid",
                              json_pack("{s:s, s:I, s:s, s:s}", "cmd", "counter_paid",
                                        "amount_fen", (json_int_t)fen, "receipt_no", receipt,
                                        "method", method ? method : "cash"));
}

int ctl_cmd_staff_logout(int argc, char **argv)
{
    return ctl_engine_request(argc, argv, "staff-logout",
                              json_pack("{s:s}", "cmd", "staff_logout"));
}

int ctl_cmd_staff_actions(int argc, char **argv)
{
    long limit = 100;
    const char *l = ctl_option(argc, argv, "--limit");
    if (l && kx_parse_long(l, 1, 1000, &limit))
        return ctl_fail(CTL_EXIT_USAGE, "staff-actions", "--limit must be 1..1000");
    return ctl_engine_request(
        argc, argv, "staff-actions",
        json_pack("{s:s, s:i}", "cmd", "staff_actions", "limit", (int)limit));
}

int ctl_cmd_selftest(int argc, char **argv)
{
    const char *dev = ctl_positional(argc, argv, 0, maint_opts);
    if (!dev)
        dev = "all";
    if (strcmp(dev, "all") && strcmp(dev, "scanner") && strcmp(dev, "idcard") &&
        strcmp(dev, "token") && strcmp(dev, "ra") && strcmp(dev, "printer"))
        return ctl_fail(CTL_EXIT_USAGE, "selftest",
                        "device is all, scanner, idcard, token, ra or printer");
    return ctl_engine_request(argc, argv, "selftest",
                              json_pack("{s:s, s:s}", "cmd", "selftest", "device", dev));
}

int ctl_cmd_summary(int argc, char **argv)
{
    const char *date = ctl_option(argc, argv, "--date");
    /* --print: kioskd prints it on the kiosk's printer as well */
    json_t *req = json_pack("{s:s}", "cmd",
                            ctl_flag(argc, argv, "--print") ? "print_summary" : "summary");
    if (date)
        json_object_set_new(req, "date", json_string(date));
    return ctl_engine_request(argc, argv, "summary", req);
}

int ctl_cmd_reprint(int argc, char **argv)
{
    return ctl_engine_request(argc, argv, "reprint", json_pack("{s:s}", "cmd", "reprint"));
}

int ctl_cmd_logs(int argc, char **argv)
{
    long lines = 100;
    const char *l = ctl_option(argc, argv, "--lines");
    if (l && kx_parse_long(l, 1, 1000, &lines))
        return ctl_fail(CTL_EXIT_USAGE, "logs", "--lines must be 1..1000");
    return ctl_engine_request(argc, argv, "logs",
                              json_pack("{s:s, s:i}", "cmd", "logs", "lines", (int)lines));
}

int ctl_cmd_config_show(int argc, char **argv)
{
    return ctl_engine_request(argc, argv, "config-show", json_pack("{s:s}", "cmd", "config"));
}

int ctl_cmd_version(int argc, char **argv)
{
    return ctl_engine_request(argc, argv, "version", json_pack("{s:s}", "cmd", "version"));
}
