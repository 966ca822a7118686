/* SPDX-License-Identifier: MIT */
/*
 * skf_probe.c - test helper that talks to an SKF library directly, for the
 * checks the kiosk's contract has no call for: that the encryption key a
 * container received through SKF_ImportECCKeyPair decrypts what another
 * party (the openssl command line) encrypted to the encryption
 * certificate. Test use only; the user PIN comes from KX_TEST_PIN.
 *
 *   skf_probe LIB DEVICE APP CONTAINER WRAPPED.der BLOCK_HEX
 *     SKF_ImportSessionKey of the SM2 ciphertext WRAPPED.der (OpenSSL's
 *     DER, converted to an ECCCIPHERBLOB) with the container's encryption
 *     key, then SKF_Encrypt of the 16-byte block under that session key
 *     (SM4-ECB, no padding); prints the ciphertext as hex.
 *
 *   skf_probe LIB wait MS    SKF_WaitForDevEvent (it blocks, GM/T 0016),
 *                            cancelled from another thread after MS: prints
 *                            "waiting" once loaded, then "inserted NAME",
 *                            "removed NAME" or "none"
 *   skf_probe LIB cancel     the same, cancelled after 300 ms: prints
 *                            "cancelled"
 *
 * Exit 0 on success, 1 with the failing call and SAR code on stderr.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/skf_blob.h"

typedef uint32_t probe_ulong;
typedef struct probe_param {
    uint8_t iv[32];
    probe_ulong iv_len, padding, feed_bits;
} probe_param;

static int probe_fail(const char *what, probe_ulong rv)
{
    fprintf(stderr, "skf_probe: %s: 0x%08lx\n", what, (unsigned long)rv);
    return 1;
}

static void *probe_sym(void *dl, const char *name)
{
    void *s = dlsym(dl, name);
    if (!s)
        fprintf(stderr, "skf_probe: no %s\n", name);
    return s;
}

static probe_ulong (*probe_cancel_fn)(void);
static long probe_cancel_ms = 300;

static void *probe_canceller(void *arg)
{
    (void)arg;
    struct timespec ts = {probe_cancel_ms / 1000, (probe_cancel_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    probe_cancel_fn();
    return NULL;
}

/* probe_events - the wait and cancel modes: the wait is always cancelled
 * from another thread after probe_cancel_ms (an event may come first) */
static int probe_events(void *dl, int cancel)
{
    void *w = probe_sym(dl, "SKF_WaitForDevEvent"),
         *c = probe_sym(dl, "SKF_CancelWaitForDevEvent");
    if (!w || !c)
        return 1;
    probe_ulong (*wait_fn)(char *, probe_ulong *, probe_ulong *);
    memcpy(&wait_fn, &w, sizeof(w));
    memcpy(&probe_cancel_fn, &c, sizeof(c));
    pthread_t th;
    if (pthread_create(&th, NULL, probe_canceller, NULL) != 0)
        return 1;
    char name[128];
    probe_ulong len = sizeof(name), ev = 0;
    printf("waiting\n"); /* the library is loaded: events count from here */
    (void)fflush(stdout);
    probe_ulong rv = wait_fn(name, &len, &ev);
    pthread_join(th, NULL);
    if (rv == 0x0A000022u) /* SAR_NOT_EVENTERR */
        printf("%s\n", cancel ? "cancelled" : "none");
    else if (rv == 0 && len <= sizeof(name) && (ev == 1 || ev == 2))
        printf("%s %.*s\n", ev == 1 ? "inserted" : "removed", (int)strnlen(name, len), name);
    else
        return probe_fail("SKF_WaitForDevEvent", rv);
    dlclose(dl);
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc == 4 && strcmp(argv[2], "wait") == 0) ||
        (argc == 3 && strcmp(argv[2], "cancel") == 0)) {
        if (argc == 4)
            probe_cancel_ms = strtol(argv[3], NULL, 10);
        void *dl = dlopen(argv[1], RTLD_NOW);
        return dl ? probe_events(dl, strcmp(argv[2], "cancel") == 0) : probe_fail("dlopen", 0);
    }
    if (argc != 7 || strlen(argv[6]) != 32) {
        fprintf(stderr, "usage: skf_probe LIB DEVICE APP CONTAINER WRAPPED.der BLOCK_HEX\n");
        return 2;
    }
    void *dl = dlopen(argv[1], RTLD_NOW);
    if (!dl)
        return probe_fail("dlopen", 0);
    probe_ulong (*connect)(char *, void **);
    probe_ulong (*open_app)(void *, char *, void **);
    probe_ulong (*verify)(void *, probe_ulong, char *, probe_ulong *);
    probe_ulong (*open_con)(void *, char *, void **);
    probe_ulong (*import)(void *, probe_ulong, uint8_t *, probe_ulong, void **);
    probe_ulong (*enc_init)(void *, probe_param);
    probe_ulong (*enc)(void *, uint8_t *, probe_ulong, uint8_t *, probe_ulong *);
    void *s[7] = {probe_sym(dl, "SKF_ConnectDev"),       probe_sym(dl, "SKF_OpenApplication"),
                  probe_sym(dl, "SKF_VerifyPIN"),        probe_sym(dl, "SKF_OpenContainer"),
                  probe_sym(dl, "SKF_ImportSessionKey"), probe_sym(dl, "SKF_EncryptInit"),
                  probe_sym(dl, "SKF_Encrypt")};
    for (int i = 0; i < 7; i++)
        if (!s[i])
            return 1;
    memcpy(&connect, &s[0], sizeof(s[0]));
    memcpy(&open_app, &s[1], sizeof(s[1]));
    memcpy(&verify, &s[2], sizeof(s[2]));
    memcpy(&open_con, &s[3], sizeof(s[3]));
    memcpy(&import, &s[4], sizeof(s[4]));
    memcpy(&enc_init, &s[5], sizeof(s[5]));
    memcpy(&enc, &s[6], sizeof(s[6]));

    uint8_t der[512], blob[KX_SKF_CIPHER_HDR_LEN + 256], block[16], out[16];
    size_t dl_len = 0, bl = 0;
    FILE *fp = fopen(argv[5], "rb");
    if (fp) {
        dl_len = fread(der, 1, sizeof(der), fp);
        fclose(fp);
    }
    if (kx_skf_cipher_from_der(der, dl_len, blob, sizeof(blob), &bl) != KX_OK)
        return probe_fail("the wrapped key is not an SM2 ciphertext", 0);
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(argv[6] + 2 * i, "%2x", &v) != 1)
            return 2;
        block[i] = (uint8_t)v;
    }
    const char *pin_env = getenv("KX_TEST_PIN");
    char pin[33];
    snprintf(pin, sizeof(pin), "%s", pin_env ? pin_env : "");
    void *dev = NULL, *app = NULL, *con = NULL, *key = NULL;
    probe_ulong rv, left = 0, ol = sizeof(out);
    probe_param bp = {.padding = 0};
    if ((rv = connect(argv[2], &dev)))
        return probe_fail("SKF_ConnectDev", rv);
    if ((rv = open_app(dev, argv[3], &app)))
        return probe_fail("SKF_OpenApplication", rv);
    if ((rv = verify(app, 1, pin, &left)))
        return probe_fail("SKF_VerifyPIN", rv);
    if ((rv = open_con(app, argv[4], &con)))
        return probe_fail("SKF_OpenContainer", rv);
    if ((rv = import(con, KX_SKF_SGD_SM4_ECB, blob, (probe_ulong)bl, &key)))
        return probe_fail("SKF_ImportSessionKey", rv);
    if ((rv = enc_init(key, bp)))
        return probe_fail("SKF_EncryptInit", rv);
    if ((rv = enc(key, block, 16, out, &ol)) || ol != 16)
        return probe_fail("SKF_Encrypt", rv);
    for (int i = 0; i < 16; i++)
        printf("%02x", out[i]);
    printf("\n");
    static const char *const closers[] = {"SKF_CloseHandle", "SKF_CloseContainer",
                                          "SKF_CloseApplication", "SKF_DisConnectDev"};
    void *handles[] = {key, con, app, dev};
    for (int i = 0; i < 4; i++) {
        void *c = probe_sym(dl, closers[i]);
        probe_ulong (*close_fn)(void *);
        if (!c)
            return 1;
        memcpy(&close_fn, &c, sizeof(c));
        close_fn(handles[i]);
    }
    dlclose(dl);
    return 0;
}
