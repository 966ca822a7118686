/* SPDX-License-Identifier: MIT */
/*
 * main.c - kioskctl entry point: the subcommand table and shared helpers.
 * Never exits below main(): subcommands return their exit code.
 *
 * Compiled twice (ctl.h): as the front `kioskctl` (KX_CTL_FRONT defined),
 * where the commands marked CTL_FULL are absent and run by exec'ing
 * kioskctl-full, and as kioskctl-full, which holds every command.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "ctl.h"

/* A command that needs libcurl, libcrypto, libsane, libcrypt or the device
 * drivers: only kioskctl-full links it. */
#ifdef KX_CTL_FRONT
#define CTL_FULL(fn) NULL
#else
#define CTL_FULL(fn) fn
#endif

static const struct ctl_command ctl_commands[] = {
    {"uscc", "CODE", "check a unified social credit code (GB 32100)", ctl_cmd_uscc},
    {"idnum", "NUMBER [--on YYYY-MM-DD]", "check a resident ID number (GB 11643)",
     ctl_cmd_idnum},
    {"license-payload", "TEXT", "extract credit codes from a licence QR payload",
     ctl_cmd_license_payload},
    {"services", "[--config FILE]", "list services, required documents and fees",
     ctl_cmd_services},
    {"config-check", "FILE", "validate a kiosk configuration file", ctl_cmd_config_check},
    {"seal-sheet", "IMAGE --out DIR [--dpi N]", "seal sheet scan to transparent seal images",
     ctl_cmd_seal_sheet},
    {"license", "IMAGE", "read the business licence QR code and its credit code",
     ctl_cmd_license},
    {"idcard-crop", "IMAGE --out FILE", "cut the ID card out of a flatbed scan",
     ctl_cmd_idcard_crop},
    {"doc-check", "IMAGE [--expect KIND]", "say which of the CA's documents a page is",
     ctl_cmd_doc_check},
    {"scan", "--device NAME --out FILE [--resolution N]",
     "scan a page through the scanner driver", CTL_FULL(ctl_cmd_scan)},
    {"status", "[--socket PATH]", "kioskd's state: session, screen, open transactions",
     ctl_cmd_status},
    {"journal", "[--open] [--limit N]", "transactions of kioskd's journal", ctl_cmd_journal},
    {"retry", "ID", "run recovery on an open transaction now", ctl_cmd_retry},
    {"refund", "ID", "refund the paid order of a transaction's session", ctl_cmd_refund},
    {"run-flow", "SCRIPT [--role ui]", "drive a scripted session (docs/protocol.md)",
     ctl_cmd_run_flow},
    {"ra-check", "[--config FILE] [--count N]",
     "check the RA link: TLS, certificate expiry, round trip", CTL_FULL(ctl_cmd_ra_check)},
    {"staff-hash", "< PIN", "hash a staff or admin PIN for [staff:ID] pin_hash",
     CTL_FULL(ctl_cmd_staff_hash)},
    {"staff-login", "--staff ID < PIN",
     "check a staff login (assisted mode ends when kioskctl exits)", ctl_cmd_staff_login},
    {"staff-login-token", "< UKEY_PIN",
     "open assisted mode with a staff UKEY (its PIN on stdin)", ctl_cmd_staff_login_token},
    {"staff-logout", "[--staff ID < PIN]", "end assisted mode", ctl_cmd_staff_logout},
    {"counter-paid",
     "--amount-fen N --receipt NO [--method cash|card] --reason TEXT [--staff ID < PIN]",
     "record that the customer at the payment screen paid at the counter",
     ctl_cmd_counter_paid},
    {"staff-actions", "[--staff ID < PIN] [--limit N]", "staff actions recorded in the journal",
     ctl_cmd_staff_actions},
    {"selftest", "[all|scanner|idcard|token|ra|printer] [--staff ID < PIN]",
     "device self-tests (the printer prints a test page) and the RA check (admin)",
     ctl_cmd_selftest},
    {"summary", "[--date YYYY-MM-DD] [--print] [--staff ID < PIN]",
     "the day's transactions and money, reconciled with the RA; --print prints it (admin)",
     ctl_cmd_summary},
    {"reprint", "[--staff ID < PIN]", "print the kiosk's last receipt again (staff)",
     ctl_cmd_reprint},
    {"logs", "[--lines N] [--staff ID < PIN]",
     "kioskd's recent log, ID and phone numbers masked (admin)", ctl_cmd_logs},
    {"config-show", "[--staff ID < PIN]", "the configuration in effect, secrets hidden (admin)",
     ctl_cmd_config_show},
    {"version", "[--staff ID < PIN]", "kioskd's version (admin)", ctl_cmd_version},
    {"idcard", "read --device PATH [--baud N]", "read an ID card on a serial reader",
     CTL_FULL(ctl_cmd_idcard)},
    {"token", "list|info|certs [--module PATH] [--serial S | --label L]",
     "UKEYs, PIN state and certificates through a PKCS#11 module", CTL_FULL(ctl_cmd_token)},
    {"print", "receipt|form|letter|sealsheet|testpage|summary|status [--out FILE] [--queue Q]",
     "render the kiosk's documents to PDF and print them through CUPS",
     CTL_FULL(ctl_cmd_print)},
};

double ctl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double ctl_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void ctl_print_json(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(obj);
}

int ctl_fail(int code, const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kioskctl %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

const char *ctl_option(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

int ctl_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

const char *ctl_positional(int argc, char **argv, int index, const char *const *with_value)
{
    int seen = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
            for (int k = 0; with_value && with_value[k]; k++)
                if (strcmp(argv[i], with_value[k]) == 0) {
                    i++;
                    break;
                }
            continue;
        }
        if (seen++ == index)
            return argv[i];
    }
    return NULL;
}

static void ctl_usage(FILE *fp)
{
    fprintf(fp, "usage: kioskctl COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
        fprintf(fp, "  %-16s %-36s %s\n", ctl_commands[i].name, ctl_commands[i].usage,
                ctl_commands[i].summary);
    fprintf(fp, "\nEach command prints one JSON object. Exit: 0 ok, 1 invalid or "
                "failed, 2 usage or unreadable input.\n");
}

#ifdef KX_CTL_FRONT
/*
 * Run the command in kioskctl-full with the same arguments: beside this
 * program (the build tree), then at its installed place relative to this
 * program (KX_CTL_FULL_RELATIVE, so an unpacked package works too), then at
 * its absolute installed path. Returns only when none could be executed.
 */
static int ctl_exec_full(char **argv)
{
    char self[PATH_MAX], path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    int err = ENOENT;
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        static const char *const relative[] = {"kioskctl-full", KX_CTL_FULL_RELATIVE};
        for (size_t i = 0; i < sizeof(relative) / sizeof(relative[0]); i++) {
            int len = snprintf(path, sizeof(path), "%s/%s", self, relative[i]);
            if (len <= 0 || (size_t)len >= sizeof(path) || access(path, X_OK) != 0)
                continue;
            execv(path, argv);
            err = errno;
        }
    }
    if (access(KX_CTL_FULL_INSTALLED, X_OK) == 0) {
        execv(KX_CTL_FULL_INSTALLED, argv);
        err = errno;
    }
    fprintf(stderr, "kioskctl %s: cannot run kioskctl-full (%s)\n", argv[1], strerror(err));
    return CTL_EXIT_USAGE;
}
#else
static int ctl_exec_full(char **argv)
{
    fprintf(stderr, "kioskctl %s: not built into this program\n", argv[1]);
    return CTL_EXIT_USAGE;
}
#endif

int main(int argc, char **argv)
{
    kx_i18n_init(NULL, "zh_CN");
    if (argc < 2) {
        ctl_usage(stderr);
        return CTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        ctl_usage(stdout);
        return CTL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
        if (strcmp(argv[1], ctl_commands[i].name) == 0) {
            if (ctl_flag(argc - 1, argv + 1, "--help")) {
                printf("usage: kioskctl %s %s\n%s\n", ctl_commands[i].name,
                       ctl_commands[i].usage, ctl_commands[i].summary);
                return CTL_EXIT_OK;
            }
            if (!ctl_commands[i].run)
                return ctl_exec_full(argv);
            return ctl_commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "kioskctl: unknown command '%s'\n", argv[1]);
    ctl_usage(stderr);
    return CTL_EXIT_USAGE;
}
