/* SPDX-License-Identifier: MIT */
/*
 * i18n.h - user-facing text through gettext (text domain "jxca-kiosk").
 *
 * Message ids are English; the zh_CN catalogue translates them, the en
 * catalogue is generated from the ids. The language can change at run time
 * (the kiosk has a language button on every screen).
 */
#ifndef KX_CORE_I18N_H
#define KX_CORE_I18N_H

#include "err.h"

/* Mark a string for extraction without translating it here. */
#define N_(s) (s)

/*
 * kx_i18n_init - bind the text domain. localedir NULL uses, in order, the
 * KX_LOCALEDIR environment variable, then the build tree, then the install
 * prefix. lang is "zh_CN" or "en" (NULL: zh_CN). Call once from main().
 */
kx_err kx_i18n_init(const char *localedir, const char *lang);

/* kx_i18n_set_lang - switch language ("zh_CN" or "en"). Not thread-safe
 * against concurrent kx_tr() calls; the UI calls it from its own thread. */
kx_err kx_i18n_set_lang(const char *lang);

/* kx_i18n_lang - current language code, static string. */
const char *kx_i18n_lang(void);

/* kx_tr - translate msgid into the current language. Returns a static or
 * catalogue-owned string; never free it. Thread-safe. */
const char *kx_tr(const char *msgid);

#endif
