/* SPDX-License-Identifier: MIT */
/*
 * fuzz_skf_blob.c - libFuzzer target for every SKF blob parser of the SKF
 * back-end (drivers/token/skf_blob.c): the first byte chooses the parser,
 * the rest is the blob. Parsed values are written back and, where a
 * round trip exists, re-parsed and compared, so a parser that accepts
 * what its writer would not produce is found too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/skf_blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *b = data + 1;
    size_t n = size - 1;
    kx_skf_pair32 p, q;
    uint8_t out[KX_SKF_CIPHER_HDR_LEN + KX_SKF_CIPHER_MAX + 8];
    size_t ol = 0;
    switch (data[0] % 8) {
    case 0:
        if (kx_skf_pub_parse(b, n, &p) == KX_OK) {
            kx_skf_pub_write(&p, out);
            if (kx_skf_pub_parse(out, KX_SKF_PUBBLOB_LEN, &q) || memcmp(&p, &q, sizeof(p)))
                abort();
        }
        break;
    case 1:
        if (kx_skf_sig_parse(b, n, &p) == KX_OK) {
            uint8_t der[80];
            if (kx_skf_sig_to_der(&p, der, sizeof(der), &ol) ||
                kx_skf_sig_from_der(der, ol, &q) || memcmp(&p, &q, sizeof(p)))
                abort();
        }
        break;
    case 2:
        if (kx_skf_sig_from_der(b, n, &p) == KX_OK) {
            kx_skf_sig_write(&p, out);
            if (kx_skf_sig_parse(out, KX_SKF_SIGBLOB_LEN, &q) || memcmp(&p, &q, sizeof(p)))
                abort();
        }
        break;
    case 3: {
        const uint8_t *c3, *c2;
        size_t c2l;
        uint8_t *der = NULL;
        size_t dl = 0;
        if (kx_skf_cipher_parse(b, n, &p, &c3, &c2, &c2l) == KX_OK) {
            if (kx_skf_cipher_to_der(b, n, &der, &dl) ||
                kx_skf_cipher_from_der(der, dl, out, sizeof(out), &ol) ||
                ol != KX_SKF_CIPHER_HDR_LEN + c2l || memcmp(out, b, ol) != 0)
                abort();
            free(der);
        }
        break;
    }
    case 4:
        kx_skf_cipher_from_der(b, n, out, sizeof(out), &ol);
        break;
    case 5: {
        kx_skf_envelope env;
        if (kx_skf_envelope_parse(b, n, &env) == KX_OK) {
            uint8_t again[KX_SKF_ENV_LEN];
            kx_skf_envelope_write(env.enc_priv, &env.pub, &env.c1, env.c3, env.c2, again);
            if (memcmp(again, b, sizeof(again)) != 0)
                abort();
        }
        break;
    }
    case 6: {
        kx_skf_devinfo di;
        if (kx_skf_devinfo_parse(b, n, &di) == KX_OK &&
            (strlen(di.serial) >= sizeof(di.serial) || strlen(di.label) >= sizeof(di.label)))
            abort();
        break;
    }
    default: {
        size_t pos = 0, nl;
        const char *name;
        while (kx_skf_namelist_next((const char *)b, n, &pos, &name, &nl) == KX_OK)
            if (name + nl >= (const char *)b + n)
                abort();
        break;
    }
    }
    return 0;
}
