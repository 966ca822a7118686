/* SPDX-License-Identifier: MIT */
/*
 * i18n.c - gettext binding and run-time language switching.
 *
 * glibc's gettext ignores LANGUAGE when LC_MESSAGES is the "C" locale, so the
 * process switches LC_MESSAGES to C.UTF-8 (always present on Debian) and
 * selects the catalogue through LANGUAGE.
 */
#include "i18n.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#ifndef KX_LOCALEDIR_BUILD
#define KX_LOCALEDIR_BUILD ""
#endif
#ifndef KX_LOCALEDIR_INSTALL
#define KX_LOCALEDIR_INSTALL "/usr/share/locale"
#endif
#define KX_TEXTDOMAIN "jxca-kiosk"

static char i18n_lang[8] = "zh_CN";

extern int _nl_msg_cat_cntr; /* glibc: bump to invalidate cached lookups */

kx_err kx_i18n_set_lang(const char *lang)
{
    if (!lang || (strcmp(lang, "zh_CN") != 0 && strcmp(lang, "en") != 0))
        return KX_ERR_INVALID_ARG;
    memcpy(i18n_lang, lang, strlen(lang) + 1);
    setenv("LANGUAGE", lang, 1);
    ++_nl_msg_cat_cntr;
    return KX_OK;
}

const char *kx_i18n_lang(void)
{
    return i18n_lang;
}

kx_err kx_i18n_init(const char *localedir, const char *lang)
{
    const char *dir = localedir;
    if (!dir)
        dir = getenv("KX_LOCALEDIR");
    if (!dir && KX_LOCALEDIR_BUILD[0])
        dir = KX_LOCALEDIR_BUILD;
    if (!dir)
        dir = KX_LOCALEDIR_INSTALL;
    setlocale(LC_ALL, "");
    if (!setlocale(LC_MESSAGES, "C.UTF-8"))
        return KX_ERR_CONFIG;
    setlocale(LC_CTYPE, "C.UTF-8");
    if (!bindtextdomain(KX_TEXTDOMAIN, dir) || !bind_textdomain_codeset(KX_TEXTDOMAIN, "UTF-8"))
        return KX_ERR_NO_MEMORY;
    return kx_i18n_set_lang(lang ? lang : "zh_CN");
}

const char *kx_tr(const char *msgid)
{
    return dgettext(KX_TEXTDOMAIN, msgid);
}
