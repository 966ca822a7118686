/* SPDX-License-Identifier: MIT */
/*
 * agreement.c - the CA's user agreement (《江西CA数字证书用户协议》) in
 * full on the agreement screen, and its acceptance: the text of the
 * session's language is read from [kiosk] agreement_dir (zh_CN.txt,
 * en.txt; assets/agreement/README), published paragraph by paragraph with
 * its version (SHA-256 of the exact bytes shown); on acceptance the
 * journal records the version and the moment (an "agreement"
 * transaction: ref the version, result "<lang> <unix seconds>"), from
 * which the RA case takes agreement_version and agreement_accepted_at.
 * The text is never shortened: a file that cannot be read fails the
 * acceptance, it is not replaced by a summary.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agreement.h"
#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"

#define AGREEMENT_DIR_DEFAULT "/usr/share/jxca-kiosk/assets/agreement"
#ifndef KX_AGREEMENT_BUILD
#define KX_AGREEMENT_BUILD AGREEMENT_DIR_DEFAULT
#endif
#define AGREEMENT_MAX (256 * 1024)

kx_err kx_agreement_read(const kx_config *cfg, const char *lang, char **text,
                         char version[KX_AGREEMENT_VERSION_LEN])
{
    char path[1100];
    /* not configured: the installed texts, else the source tree's (a
     * kioskd run from its build directory) */
    const char *dir = kx_config_get_str(cfg, "kiosk", "agreement_dir", NULL);
    if (!dir)
        dir = access(AGREEMENT_DIR_DEFAULT, R_OK) == 0 ? AGREEMENT_DIR_DEFAULT
                                                       : KX_AGREEMENT_BUILD;
    const char *file = lang && strcmp(lang, "en") == 0 ? "en" : "zh_CN";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    kx_err rc = KX_OK;
    *text = NULL;
    version[0] = 0;
    snprintf(path, sizeof path, "%s/%s.txt", dir, file);
    FILE *fp = fopen(path, "rb");
    char *buf = malloc(AGREEMENT_MAX + 1);
    size_t n = 0;
    if (!fp || !buf) {
        kx_err_set_detail("agreement %s: cannot open", path);
        rc = fp ? KX_ERR_NO_MEMORY : KX_ERR_IO;
        goto out;
    }
    n = fread(buf, 1, AGREEMENT_MAX + 1, fp);
    if (n == 0 || n > AGREEMENT_MAX) {
        kx_err_set_detail("agreement %s: %zu bytes", path, n);
        rc = KX_ERR_CONFIG;
        goto out;
    }
    buf[n] = 0;
    if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        rc = KX_ERR_INTERNAL;
        goto out;
    }
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(version + 2 * i, 3, "%02x", md[i]);
    *text = buf;
    buf = NULL;
out:
    if (fp)
        fclose(fp);
    free(buf);
    return rc;
}

json_t *kx_agreement_json(const kx_engine *e)
{
    char *text = NULL, version[KX_AGREEMENT_VERSION_LEN];
    if (kx_agreement_read(e->cfg, e->lang, &text, version)) {
        kx_log_error("agreement.read", "detail=\"%s\"", kx_err_detail());
        return json_null();
    }
    json_t *paras = json_array();
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (*line)
            json_array_append_new(paras, json_string(line));
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return json_pack("{s:s, s:s, s:o}", "version", version, "lang",
                     strcmp(e->lang, "en") == 0 ? "en" : "zh_CN", "paragraphs", paras);
}

kx_err kx_agreement_accept(kx_engine *e)
{
    kx_session *s = &e->s;
    char *text = NULL, version[KX_AGREEMENT_VERSION_LEN], key[96], result[64];
    kx_err rc = kx_agreement_read(e->cfg, e->lang, &text, version);
    free(text);
    if (rc)
        return rc;
    int64_t now = (int64_t)time(NULL), tx = 0;
    snprintf(key, sizeof key, "%.48s.agreement.%lld", s->id, (long long)now);
    snprintf(result, sizeof result, "%s %lld", e->lang, (long long)now);
    rc = kx_journal_intent(e->journal, s->id, "agreement", key, version, 0, &tx);
    if (!rc)
        rc = kx_journal_outcome(e->journal, tx, KX_TX_DONE, result, KX_OK);
    if (rc == KX_ERR_RA_CONFLICT) /* accepted twice in the same second */
        rc = KX_OK;
    if (rc)
        return rc;
    s->agreement_at = now;
    kx_log_info("agreement.accepted", "session=%s version=%s lang=%s", s->id, version, e->lang);
    return KX_OK;
}

kx_err kx_agreement_accepted(kx_journal *j, const char *session,
                             char version[KX_AGREEMENT_VERSION_LEN], int64_t *accepted_at)
{
    kx_journal_tx tx;
    char lang[16];
    long long at = 0;
    kx_err rc = kx_journal_last(j, session, "agreement", &tx);
    if (rc)
        return rc;
    if (tx.status != KX_TX_DONE || strlen(tx.ref) != KX_AGREEMENT_VERSION_LEN - 1 ||
        sscanf(tx.result, "%15s %lld", lang, &at) != 2)
        return KX_ERR_NOT_FOUND;
    kx_strlcpy(version, tx.ref, KX_AGREEMENT_VERSION_LEN);
    *accepted_at = (int64_t)at;
    return KX_OK;
}
