/* SPDX-License-Identifier: MIT */
/*
 * kmc.c - ra-sim's simulated key management centre (KMC) for SM2 dual
 * certificates: it generates the encryption key pair of an sm2-dual case
 * and delivers the private key enveloped to the case's SIGNING public key
 * as the ENVELOPEDKEYBLOB of GM/T 0016-2012 (the blob a UKEY takes with
 * SKF_ImportECCKeyPair).
 *
 * The envelope: a random 16-byte SM4 session key encrypts the private key
 * (32 bytes right-aligned in 64, SM4-ECB, no padding); the session key is
 * SM2-encrypted (GB/T 32918.4, SM3 hash) to the signing public key. OpenSSL
 * writes that SM2 ciphertext as DER SEQUENCE { x INTEGER, y INTEGER,
 * hash OCTET STRING, ciphertext OCTET STRING } (C1 C3 C2); it is read with
 * an ASN.1 template and moved into the fixed-size ECCCIPHERBLOB.
 *
 * The private key exists here only long enough to be enveloped; the KMC
 * keeps nothing (a real KMC escrows it).
 */
#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

#include "sim.h"

/* OpenSSL's SM2 ciphertext (C1 as two INTEGERs, C3, C2). */
typedef struct kmc_sm2_cipher {
    BIGNUM *x;
    BIGNUM *y;
    ASN1_OCTET_STRING *hash;
    ASN1_OCTET_STRING *ct;
} KMC_SM2_CIPHER;

ASN1_SEQUENCE(KMC_SM2_CIPHER) =
    {
        ASN1_SIMPLE(KMC_SM2_CIPHER, x, BIGNUM),
        ASN1_SIMPLE(KMC_SM2_CIPHER, y, BIGNUM),
        ASN1_SIMPLE(KMC_SM2_CIPHER, hash, ASN1_OCTET_STRING),
        ASN1_SIMPLE(KMC_SM2_CIPHER, ct, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(KMC_SM2_CIPHER)

        static void kmc_put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    p[2] = (unsigned char)((v >> 16) & 0xff);
    p[3] = (unsigned char)((v >> 24) & 0xff);
}

/* A big number right-aligned in a 64-byte field (a 256-bit value gets 32
 * leading zero bytes, GM/T 0016's layout for the 512-bit maximum). */
static int kmc_put_bn(unsigned char *field64, const BIGNUM *bn)
{
    return bn && BN_num_bytes(bn) <= 32 && BN_bn2binpad(bn, field64 + 32, 32) == 32;
}

static int kmc_get_bn(EVP_PKEY *key, const char *name, unsigned char *field64)
{
    BIGNUM *bn = NULL;
    int ok = EVP_PKEY_get_bn_param(key, name, &bn) == 1 && kmc_put_bn(field64, bn);
    BN_clear_free(bn);
    return ok;
}

/* SM4-ECB without padding, 64 bytes. */
static int kmc_sm4_ecb(const unsigned char key[16], const unsigned char in[64],
                       unsigned char out[64])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    int ok = c && EVP_EncryptInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL) == 1 &&
             EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
             EVP_EncryptUpdate(c, out, &n, in, 64) == 1 &&
             EVP_EncryptFinal_ex(c, out + n, &fin) == 1 && n + fin == 64;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* SM2-encrypt 16 bytes to pub and write the envelope's ECCCIPHERBLOB. */
static int kmc_sm2_wrap(EVP_PKEY *pub, const unsigned char sk[16], unsigned char *blob)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);
    unsigned char der[256];
    size_t der_len = sizeof der;
    int ok =
        c && EVP_PKEY_encrypt_init(c) == 1 && EVP_PKEY_encrypt(c, der, &der_len, sk, 16) == 1;
    EVP_PKEY_CTX_free(c);
    if (!ok)
        return 0;
    const unsigned char *p = der;
    KMC_SM2_CIPHER *ct = (KMC_SM2_CIPHER *)ASN1_item_d2i(NULL, &p, (long)der_len,
                                                         ASN1_ITEM_rptr(KMC_SM2_CIPHER));
    ok = ct && p == der + der_len && ASN1_STRING_length(ct->hash) == 32 &&
         ASN1_STRING_length(ct->ct) == 16 && kmc_put_bn(blob + KMC_EKB_CIPHER_X, ct->x) &&
         kmc_put_bn(blob + KMC_EKB_CIPHER_Y, ct->y);
    if (ok) {
        memcpy(blob + KMC_EKB_CIPHER_HASH, ASN1_STRING_get0_data(ct->hash), 32);
        kmc_put_u32(blob + KMC_EKB_CIPHER_LEN, 16);
        memcpy(blob + KMC_EKB_CIPHER, ASN1_STRING_get0_data(ct->ct), 16);
    }
    ASN1_item_free((ASN1_VALUE *)ct, ASN1_ITEM_rptr(KMC_SM2_CIPHER));
    OPENSSL_cleanse(der, sizeof der);
    return ok;
}

int kmc_envelope(EVP_PKEY *sign_pub, EVP_PKEY **enc_pub_out, unsigned char blob[KMC_EKB_LEN])
{
    unsigned char priv[64] = {0}, sk[16];
    int ok = 0;
    *enc_pub_out = NULL;
    memset(blob, 0, KMC_EKB_LEN);
    if (!pki_is_sm2(sign_pub))
        return -1;
    EVP_PKEY *enc = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    /* layout: see KMC_EKB_* in sim.h (offsets from the blob's start) */
    ok = enc && RAND_bytes(sk, sizeof sk) == 1 &&
         kmc_get_bn(enc, OSSL_PKEY_PARAM_PRIV_KEY, priv) &&
         kmc_sm4_ecb(sk, priv, blob + KMC_EKB_ENC_PRIV) &&
         kmc_get_bn(enc, OSSL_PKEY_PARAM_EC_PUB_X, blob + KMC_EKB_PUB_X) &&
         kmc_get_bn(enc, OSSL_PKEY_PARAM_EC_PUB_Y, blob + KMC_EKB_PUB_Y) &&
         kmc_sm2_wrap(sign_pub, sk, blob);
    kmc_put_u32(blob + KMC_EKB_VERSION, 1);
    kmc_put_u32(blob + KMC_EKB_SYMM_ALG, KMC_SGD_SM4_ECB);
    kmc_put_u32(blob + KMC_EKB_BITS, 256);
    kmc_put_u32(blob + KMC_EKB_PUB_BITLEN, 256);
    OPENSSL_cleanse(priv, sizeof priv);
    OPENSSL_cleanse(sk, sizeof sk);
    ERR_clear_error();
    if (!ok) {
        EVP_PKEY_free(enc);
        OPENSSL_cleanse(blob, KMC_EKB_LEN);
        return -1;
    }
    /* the caller gets the public half only */
    unsigned char *spki = NULL;
    int spki_len = i2d_PUBKEY(enc, &spki);
    const unsigned char *sp = spki;
    *enc_pub_out = spki_len > 0 ? d2i_PUBKEY(NULL, &sp, spki_len) : NULL;
    OPENSSL_free(spki);
    EVP_PKEY_free(enc);
    if (!*enc_pub_out) {
        OPENSSL_cleanse(blob, KMC_EKB_LEN);
        return -1;
    }
    return 0;
}
