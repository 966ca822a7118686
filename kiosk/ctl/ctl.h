/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - kioskctl: the staff and maintenance command line.
 *
 * Offline subcommands run the project's library code on files and devices;
 * online ones speak kioskd's socket. Every subcommand prints one JSON object
 * on stdout and a plain-words reason on stderr when it fails. Exit codes:
 * 0 valid/success, 1 invalid/rejected/not found, 2 usage or unreadable input.
 *
 * Two programs share this table (main.c). `kioskctl` is the front: it holds
 * the offline checks on files (domain, licence QR, ID-card crop, seal sheet)
 * and kioskd's socket commands, and links none of the heavy libraries
 * (libcurl, libcrypto, libsane, libcrypt), so that `kioskctl license` starts
 * in about a millisecond. Every other command runs in `kioskctl-full`
 * (beside the front in the build tree, in libexec/jxca-kiosk when
 * installed), which the front execs with the same arguments.
 */
#ifndef KX_CTL_H
#define KX_CTL_H

#include <jansson.h>

#define CTL_EXIT_OK 0
#define CTL_EXIT_INVALID 1
#define CTL_EXIT_USAGE 2

/* A subcommand: argv[0] is the subcommand's name. Returns the exit code. */
typedef int (*ctl_command_fn)(int argc, char **argv);

struct ctl_command {
    const char *name;
    const char *usage;   /* one line: arguments */
    const char *summary; /* one line: what it does */
    ctl_command_fn run;
};

/* ctl_now_ms - a monotonic clock in milliseconds, for the "ms" figures. */
double ctl_now_ms(void);
/* ctl_cpu_ms - CPU time this process has used, in milliseconds. */
double ctl_cpu_ms(void);

/* ctl_print_json - print obj as one line on stdout and release it. */
void ctl_print_json(json_t *obj);

/* ctl_fail - print "kioskctl NAME: reason" on stderr; returns code. */
int ctl_fail(int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ctl_option - find "--name VALUE" in argv; returns VALUE or NULL. */
const char *ctl_option(int argc, char **argv, const char *name);
/* ctl_flag - 1 when "--name" is present. */
int ctl_flag(int argc, char **argv, const char *name);
/* ctl_positional - the index-th argument that is not an option or an
 * option's value (options listed in with_value take one). NULL if none. */
const char *ctl_positional(int argc, char **argv, int index, const char *const *with_value);

/* Subcommands, one file per area. */
int ctl_cmd_uscc(int argc, char **argv);
int ctl_cmd_idnum(int argc, char **argv);
int ctl_cmd_license_payload(int argc, char **argv);
int ctl_cmd_services(int argc, char **argv);
int ctl_cmd_config_check(int argc, char **argv);
int ctl_cmd_seal_sheet(int argc, char **argv);
int ctl_cmd_license(int argc, char **argv);
int ctl_cmd_doc_check(int argc, char **argv);
int ctl_cmd_idcard_crop(int argc, char **argv);
int ctl_cmd_scan(int argc, char **argv);
int ctl_cmd_staff_hash(int argc, char **argv);
int ctl_cmd_idcard(int argc, char **argv);
/* ctl_engine.c: online commands through kioskd's socket */
int ctl_cmd_status(int argc, char **argv);
int ctl_cmd_journal(int argc, char **argv);
int ctl_cmd_retry(int argc, char **argv);
int ctl_cmd_refund(int argc, char **argv);
int ctl_cmd_run_flow(int argc, char **argv);
int ctl_cmd_ra_check(int argc, char **argv);
/* ctl_token.c: UKEYs through a PKCS#11 module */
int ctl_cmd_token(int argc, char **argv);
/* ctl_print.c: documents to PDF and the printer */
int ctl_cmd_print(int argc, char **argv);

/* ctl_engine.c: one request to kioskd (with --staff ID: log in first, PIN
 * on stdin; --reason TEXT added to the request); prints the result and
 * returns the exit code. Takes req. */
int ctl_engine_request(int argc, char **argv, const char *name, json_t *req);
/* ctl_maint.c: staff and maintenance commands */
int ctl_cmd_staff_login(int argc, char **argv);
int ctl_cmd_staff_login_token(int argc, char **argv);
int ctl_cmd_counter_paid(int argc, char **argv);
int ctl_cmd_staff_logout(int argc, char **argv);
int ctl_cmd_staff_actions(int argc, char **argv);
int ctl_cmd_selftest(int argc, char **argv);
int ctl_cmd_summary(int argc, char **argv);
int ctl_cmd_reprint(int argc, char **argv);
int ctl_cmd_logs(int argc, char **argv);
int ctl_cmd_config_show(int argc, char **argv);
int ctl_cmd_version(int argc, char **argv);

#endif
