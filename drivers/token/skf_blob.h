/* SPDX-License-Identifier: MIT */
/*
 * skf_blob.h - byte-exact (de)serialisers for the GM/T 0016-2012 SKF
 * structures the SKF back-end exchanges with a vendor library, and the
 * conversion between SKF's SM2 blobs and the DER forms OpenSSL uses. Pure
 * functions over caller buffers: no library calls, no allocation except
 * where an out-parameter says malloc'd, so each parser can be fuzzed alone
 * (tests/token/fuzz_skf_blob.c). Every parser checks the length it is
 * given before reading; nothing here trusts a length field.
 *
 * Wire layout (x86/x86-64 Linux vendor libraries): ULONG is a 32-bit
 * unsigned little-endian integer, BYTE arrays follow without padding (every
 * ULONG already falls on a 4-byte boundary). Coordinates are fixed 64-byte
 * fields for the standard's 512-bit maximum; a 256-bit SM2 value is
 * right-aligned (bytes 0..31 zero, value big-endian in 32..63).
 *
 *   ECCPUBLICKEYBLOB (132 bytes)
 *     0   ULONG BitLen (256)
 *     4   BYTE  XCoordinate[64]
 *     68  BYTE  YCoordinate[64]
 *   ECCPRIVATEKEYBLOB (68 bytes)
 *     0   ULONG BitLen (256)
 *     4   BYTE  PrivateKey[64]
 *   ECCSIGNATUREBLOB (128 bytes)
 *     0   BYTE  r[64]
 *     64  BYTE  s[64]
 *   ECCCIPHERBLOB (164 + CipherLen bytes)
 *     0   BYTE  XCoordinate[64]   C1.x
 *     64  BYTE  YCoordinate[64]   C1.y
 *     128 BYTE  HASH[32]          C3 = SM3(x2 || M || y2)
 *     160 ULONG CipherLen         length of C2
 *     164 BYTE  Cipher[CipherLen] C2
 *   ENVELOPEDKEYBLOB (208 + 164 + 16 = 388 bytes for an SM4 session key)
 *     0   ULONG Version (1)
 *     4   ULONG ulSymmAlgID (SGD_SM4_ECB 0x00000401)
 *     8   ULONG ulBits (256)
 *     12  BYTE  cbEncryptedPriKey[64]: the SM2 private key d
 *               right-aligned in 64 bytes (32 zero bytes, then d) and
 *               the 64 bytes SM4-ECB encrypted (no padding: four blocks)
 *               under the session key - DOMAIN.md's wording, and what
 *               ra-sim's KMC writes (tools/ra-sim/kmc.c)
 *     76  ECCPUBLICKEYBLOB PubKey (the encryption public key, 132 bytes)
 *     208 ECCCIPHERBLOB ECCCipherBlob: the 16-byte SM4 session key
 *               SM2-encrypted to the container's SIGNING public key,
 *               CipherLen = 16, the 16 cipher bytes at 372..387
 *   The standard declares Cipher[1]; a caller handing the structure to a
 *   library passes a buffer holding all CipherLen bytes.
 *
 * OpenSSL's SM2 ciphertext is DER SEQUENCE { INTEGER x, INTEGER y,
 * OCTET STRING hash (C3), OCTET STRING ciphertext (C2) } (GM/T 0009 order
 * C1C3C2); kx_skf_cipher_from_der/to_der convert.
 *
 * Thread rules: none (no state).
 */
#ifndef KX_DRIVERS_TOKEN_SKF_BLOB_H
#define KX_DRIVERS_TOKEN_SKF_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define KX_SKF_COORD_LEN 64 /* a coordinate field */
#define KX_SKF_SM2_LEN 32   /* a 256-bit SM2 value */
#define KX_SKF_PUBBLOB_LEN 132
#define KX_SKF_PRIVBLOB_LEN 68
#define KX_SKF_SIGBLOB_LEN 128
#define KX_SKF_CIPHER_HDR_LEN 164 /* ECCCIPHERBLOB before Cipher[] */
#define KX_SKF_CIPHER_MAX 1024    /* a sane bound on CipherLen for our uses */
#define KX_SKF_ENV_HDR_LEN 208    /* ENVELOPEDKEYBLOB before ECCCipherBlob */
#define KX_SKF_ENV_LEN (KX_SKF_ENV_HDR_LEN + KX_SKF_CIPHER_HDR_LEN + 16)
#define KX_SKF_SGD_SM4_ECB 0x00000401u
#define KX_SKF_SGD_SM2_1 0x00020100u
#define KX_SKF_SGD_SM2_3 0x00020400u

/* DEVINFO (GM/T 0016 7.1.6, packed): the fields the kiosk reads. */
#define KX_SKF_DEVINFO_MIN 194 /* through SerialNumber */
typedef struct kx_skf_devinfo {
    char manufacturer[65];
    char issuer[65];
    char label[33];
    char serial[33];
} kx_skf_devinfo;

/* An SM2 point or signature as two 32-byte big-endian values. */
typedef struct kx_skf_pair32 {
    uint8_t a[KX_SKF_SM2_LEN];
    uint8_t b[KX_SKF_SM2_LEN];
} kx_skf_pair32;

/* A parsed ENVELOPEDKEYBLOB; pointers point into the parsed buffer. */
typedef struct kx_skf_envelope {
    uint32_t version, symm_alg, bits;
    const uint8_t *enc_priv; /* the 64 bytes of cbEncryptedPriKey */
    kx_skf_pair32 pub;       /* the encryption public key */
    kx_skf_pair32 c1;        /* ECCCipherBlob C1 */
    const uint8_t *c3;       /* 32 bytes */
    const uint8_t *c2;       /* 16 bytes: the wrapped SM4 key */
    size_t c2_len;
} kx_skf_envelope;

uint32_t kx_skf_get_u32(const uint8_t *p);
void kx_skf_put_u32(uint8_t *p, uint32_t v);

/* kx_skf_pub_parse - ECCPUBLICKEYBLOB of len bytes (>= 132) into x, y.
 * KX_ERR_BAD_FORMAT unless BitLen is 256 and the high halves are zero. */
kx_err kx_skf_pub_parse(const uint8_t *b, size_t len, kx_skf_pair32 *out);
/* kx_skf_pub_write - 132 bytes into out. */
void kx_skf_pub_write(const kx_skf_pair32 *xy, uint8_t out[KX_SKF_PUBBLOB_LEN]);

/* kx_skf_sig_parse - ECCSIGNATUREBLOB (>= 128 bytes) into r, s. */
kx_err kx_skf_sig_parse(const uint8_t *b, size_t len, kx_skf_pair32 *out);
void kx_skf_sig_write(const kx_skf_pair32 *rs, uint8_t out[KX_SKF_SIGBLOB_LEN]);
/* kx_skf_sig_to_der - r, s as DER SEQUENCE { INTEGER r, INTEGER s } into
 * out (room for 72 bytes); *out_len is its length. */
kx_err kx_skf_sig_to_der(const kx_skf_pair32 *rs, uint8_t *out, size_t outsz, size_t *out_len);
/* kx_skf_sig_from_der - the reverse; KX_ERR_BAD_FORMAT on anything else. */
kx_err kx_skf_sig_from_der(const uint8_t *der, size_t len, kx_skf_pair32 *out);

/* kx_skf_cipher_parse - ECCCIPHERBLOB of len bytes: C1, C3 and C2 (a
 * pointer into b). CipherLen must be 1..KX_SKF_CIPHER_MAX and within len. */
kx_err kx_skf_cipher_parse(const uint8_t *b, size_t len, kx_skf_pair32 *c1, const uint8_t **c3,
                           const uint8_t **c2, size_t *c2_len);
/* kx_skf_cipher_write - C1, C3, C2 into out (outsz >= 164 + c2_len). */
kx_err kx_skf_cipher_write(const kx_skf_pair32 *c1, const uint8_t c3[32], const uint8_t *c2,
                           size_t c2_len, uint8_t *out, size_t outsz, size_t *out_len);
/* kx_skf_cipher_from_der - OpenSSL's DER SM2 ciphertext as ECCCIPHERBLOB. */
kx_err kx_skf_cipher_from_der(const uint8_t *der, size_t len, uint8_t *out, size_t outsz,
                              size_t *out_len);
/* kx_skf_cipher_to_der - ECCCIPHERBLOB as OpenSSL's DER; *der malloc'd. */
kx_err kx_skf_cipher_to_der(const uint8_t *b, size_t len, uint8_t **der, size_t *der_len);

/* kx_skf_envelope_parse - ENVELOPEDKEYBLOB of len bytes; checks Version 1,
 * SGD_SM4_ECB, 256 bits, the public key (BitLen 256, zero high halves) and
 * CipherLen 16 within len. The encrypted private key is opaque here. */
kx_err kx_skf_envelope_parse(const uint8_t *b, size_t len, kx_skf_envelope *out);
/* kx_skf_envelope_write - the 388 bytes from its parts (test and RA use). */
void kx_skf_envelope_write(const uint8_t enc_priv[64], const kx_skf_pair32 *pub,
                           const kx_skf_pair32 *c1, const uint8_t c3[32], const uint8_t c2[16],
                           uint8_t out[KX_SKF_ENV_LEN]);

/* kx_skf_devinfo_parse - the text fields of a DEVINFO of len bytes (>= 194),
 * each NUL-terminated, trailing spaces dropped, non-printable bytes '?'. */
kx_err kx_skf_devinfo_parse(const uint8_t *b, size_t len, kx_skf_devinfo *out);

/* kx_skf_namelist_next - walk a double-NUL-terminated name list of len
 * bytes: *pos (start 0) advances; KX_OK with *name and *name_len for the next
 * name, KX_ERR_NOT_FOUND at the end, KX_ERR_BAD_FORMAT when a name runs
 * past len. Names are not NUL-terminated in the out-params' view. */
kx_err kx_skf_namelist_next(const char *list, size_t len, size_t *pos, const char **name,
                            size_t *name_len);

#endif
