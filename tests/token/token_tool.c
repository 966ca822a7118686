/*
 * token_tool.c - test driver for the UKEY driver: one kx_token_* call per
 * run, so the integration scripts can put openssl and pkcs11-tool checks
 * (and shim control-file changes) between the steps of a renewal. Test use
 * only: PINs come from the environment (KX_TEST_PIN, KX_TEST_NEW_PIN,
 * KX_TEST_SO_PIN) straight into kx_secbuf.
 *
 *   token_tool [--module M] [--serial S] CMD ARGS...
 *     login                         print the flags after the attempt
 *     keygen ec|rsa                 print the new id (hex)
 *     csr ID COMPANY CODE CN        print the PEM request
 *     install FILE LABEL            print the id the certificate went to
 *     verify ID | delete ID | relabel ID LABEL
 *     cleanup                       print the number of pairs removed
 *     commit NEW_ID OLD_ID LABEL    kx_token_renew_commit
 *     change-pin | reset-pin        policy from the defaults
 *     poll SECONDS COUNT            print COUNT events ("inserted SERIAL")
 *
 * Failure: "error KX_ERR_..." on stdout (the scripts match it), the detail
 * on stderr, exit 1. Usage errors exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "token/token.h"

static int tool_fail(kx_err rc)
{
    printf("error %s\n", kx_err_name(rc));
    fprintf(stderr, "token_tool: %s: %s\n", kx_err_name(rc), kx_err_detail());
    return 1;
}

static int tool_hex_to_id(const char *hex, unsigned char *id, size_t *len)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > KX_TOKEN_ID_MAX)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        id[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

static void tool_print_id(const unsigned char *id, size_t len)
{
    for (size_t i = 0; i < len; i++)
        printf("%02x", id[i]);
    printf("\n");
}

/* tool_secbuf_env - a secbuf holding env var `name`, or NULL when unset. */
static kx_secbuf *tool_secbuf_env(const char *name)
{
    const char *v = getenv(name);
    kx_secbuf *b = NULL;
    if (!v || kx_secbuf_new(64, &b) || kx_secbuf_set(b, v, strlen(v))) {
        kx_secbuf_free(b);
        return NULL;
    }
    return b;
}

static void tool_print_flags(unsigned f)
{
    printf("flags%s%s%s%s\n", f & KX_TOKEN_PIN_COUNT_LOW ? " count_low" : "",
           f & KX_TOKEN_PIN_FINAL_TRY ? " final_try" : "",
           f & KX_TOKEN_PIN_LOCKED ? " locked" : "", f & KX_TOKEN_USER_PIN_SET ? " pin_set" : "");
}

static char *tool_read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = calloc(1, 65536);
    if (buf)
        fread(buf, 1, 65535, fp);
    fclose(fp);
    return buf;
}

static int tool_poll(kx_token_module *m, long seconds, long count)
{
    struct timespec start, now, nap = {0, 50 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &start);
    long seen = 0;
    do {
        kx_token_event ev;
        kx_err rc = kx_token_poll_event(m, &ev);
        if (rc == KX_OK) {
            printf("%s %s\n", ev.kind == KX_TOKEN_INSERTED ? "inserted" : "removed", ev.serial);
            fflush(stdout);
            if (++seen == count)
                return 0;
            continue;
        }
        if (rc != KX_ERR_NOT_FOUND)
            return tool_fail(rc);
        nanosleep(&nap, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < seconds);
    printf("timeout after %ld events\n", seen);
    return 1;
}

int main(int argc, char **argv)
{
    const char *module = "/usr/lib/softhsm/libsofthsm2.so", *serial = NULL;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--module") == 0)
            module = argv[i + 1];
        else if (strcmp(argv[i], "--serial") == 0)
            serial = argv[i + 1];
    }
    if (i >= argc) {
        fprintf(stderr, "usage: token_tool [--module M] [--serial S] CMD ARGS...\n");
        return 2;
    }
    const char *cmd = argv[i];
    char **a = argv + i + 1;
    int na = argc - i - 1;
    kx_token_module *m = NULL;
    kx_token *t = NULL;
    kx_secbuf *pin = tool_secbuf_env("KX_TEST_PIN");
    kx_secbuf *new_pin = tool_secbuf_env("KX_TEST_NEW_PIN");
    kx_secbuf *so_pin = tool_secbuf_env("KX_TEST_SO_PIN");
    unsigned char id[KX_TOKEN_ID_MAX], id2[KX_TOKEN_ID_MAX];
    size_t id_len = 0, id2_len = 0;
    kx_pin_policy policy = {6, 8, 1, 1};
    int code = 2;
    kx_err rc = kx_token_module_open("pkcs11", module, &m);
    if (rc) {
        code = tool_fail(rc);
        goto out;
    }
    if (strcmp(cmd, "poll") == 0 && na == 2) {
        code = tool_poll(m, strtol(a[0], NULL, 10), strtol(a[1], NULL, 10));
        goto out;
    }
    if ((rc = kx_token_open(m, serial, &t))) {
        code = tool_fail(rc);
        goto out;
    }
    /* every command but login and the PIN changes works logged in */
    int wants_login = strcmp(cmd, "login") != 0 && strcmp(cmd, "change-pin") != 0 &&
                      strcmp(cmd, "reset-pin") != 0;
    if (pin && (wants_login || strcmp(cmd, "login") == 0)) {
        unsigned flags = 0;
        rc = kx_token_login(t, pin, &flags);
        if (strcmp(cmd, "login") == 0)
            tool_print_flags(flags);
        if (rc) {
            code = tool_fail(rc);
            goto out;
        }
    }
    code = 0;
    if (strcmp(cmd, "login") == 0) {
        rc = pin ? KX_OK : KX_ERR_INVALID_ARG;
    } else if (strcmp(cmd, "keygen") == 0 && na == 1) {
        id_len = sizeof(id);
        rc = kx_token_generate_key(t, strcmp(a[0], "rsa") == 0 ? KX_KEY_RSA_2048 : KX_KEY_EC_P256,
                                   id, &id_len);
        if (!rc)
            tool_print_id(id, id_len);
    } else if (strcmp(cmd, "csr") == 0 && na == 4 && !tool_hex_to_id(a[0], id, &id_len)) {
        char *pem = NULL;
        rc = kx_token_make_csr(t, id, id_len, a[1], a[2], a[3], &pem);
        if (!rc)
            fputs(pem, stdout);
        free(pem);
    } else if (strcmp(cmd, "install") == 0 && na == 2) {
        char *pem = tool_read_file(a[0]);
        rc = pem ? kx_token_install_cert(t, pem, a[1], id, &id_len) : KX_ERR_IO;
        if (!rc)
            tool_print_id(id, id_len);
        free(pem);
    } else if (strcmp(cmd, "verify") == 0 && na == 1 && !tool_hex_to_id(a[0], id, &id_len)) {
        rc = kx_token_verify_pair(t, id, id_len);
    } else if (strcmp(cmd, "delete") == 0 && na == 1 && !tool_hex_to_id(a[0], id, &id_len)) {
        rc = kx_token_delete_id(t, id, id_len);
    } else if (strcmp(cmd, "relabel") == 0 && na == 2 && !tool_hex_to_id(a[0], id, &id_len)) {
        rc = kx_token_relabel(t, id, id_len, a[1]);
    } else if (strcmp(cmd, "cleanup") == 0 && na == 0) {
        int removed = 0;
        rc = kx_token_cleanup(t, &removed);
        if (!rc)
            printf("removed %d\n", removed);
    } else if (strcmp(cmd, "commit") == 0 && na == 3 && !tool_hex_to_id(a[0], id, &id_len) &&
               !tool_hex_to_id(a[1], id2, &id2_len)) {
        rc = kx_token_renew_commit(t, id, id_len, id2, id2_len, a[2]);
    } else if (strcmp(cmd, "change-pin") == 0 && pin && new_pin) {
        rc = kx_token_change_pin(t, &policy, pin, new_pin);
    } else if (strcmp(cmd, "reset-pin") == 0 && so_pin && new_pin) {
        rc = kx_token_reset_pin(t, &policy, so_pin, new_pin);
    } else {
        fprintf(stderr, "token_tool: bad command or arguments\n");
        code = 2;
        goto out;
    }
    if (rc)
        code = tool_fail(rc);
out:
    kx_token_close(t);
    kx_token_module_close(m);
    kx_secbuf_free(pin);
    kx_secbuf_free(new_pin);
    kx_secbuf_free(so_pin);
    return code;
}
