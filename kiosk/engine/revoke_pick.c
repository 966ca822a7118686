/* SPDX-License-Identifier: MIT */
/*
 * revoke_pick.c - revocation without the UKEY, the main loop's side: the
 * enterprise's certificates published on the revoke_pick screen (one
 * choice per certificate, and "all"), the agent's pick applied to the
 * session, and what the confirmation screen shows of it. The list comes
 * from jobs_revoke.c's job result; the session owns it until it ends.
 * Only certificates of the list can be picked: a value the list does not
 * hold is refused, so the RA never sees a serial the agent was not shown.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/str.h"
#include "domain/dn.h"
#include "engine_internal.h"
#include "ra/ra.h"

#define REVOKE_ALL "all"

/* "all" is offered for two certificates or more, and no more than one case
 * can carry (the RA refuses "all" over KX_RA_REVOKE_MAX) */
static int revoke_all_offered(const kx_ra_cert_list *l)
{
    return l && l->count > 1 && l->count <= KX_RA_REVOKE_MAX;
}

static void revoke_date(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || strftime(out, n, "%Y-%m-%d", &tm) == 0)
        kx_strlcpy(out, "-", n);
}

/* The name shown for a certificate: its subject's CN, else its O, unescaped
 * (RFC 4514: an escaped comma and UTF-8 written as hex pairs become text); the
 * subject as the RA gave it when it has neither or is not valid. */
static void revoke_subject_name(const char *subject, char *out, size_t n)
{
    if (kx_dn_attr(subject, "CN", out, n) != KX_OK && kx_dn_attr(subject, "O", out, n) != KX_OK)
        kx_strlcpy(out, subject, n);
}

static json_t *revoke_cert_json(const kx_ra_cert_summary *c)
{
    char from[16], to[16], name[KX_RA_SUBJECT_MAX];
    revoke_date(c->not_before, from, sizeof from);
    revoke_date(c->not_after, to, sizeof to);
    revoke_subject_name(c->subject, name, sizeof name);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "serial", c->serial, "subject",
                     c->subject, "name", name, "valid_from", from, "valid_to", to, "ukey",
                     c->token_serial, "paired_serial", c->paired_serial);
}

json_t *kx_revoke_pick_choices(const kx_session *s)
{
    json_t *a = json_array();
    const kx_ra_cert_list *l = s->revoke_certs;
    for (int i = 0; l && i < l->count; i++) {
        const kx_ra_cert_summary *c = &l->certs[i];
        json_t *args = revoke_cert_json(c);
        if (!c->token_serial[0])
            json_object_set_new(args, "ukey", json_string("-"));
        json_t *text = json_pack(
            "{s:s, s:o}", "msgid",
            N_("{name}: serial {serial}, valid {valid_from} to {valid_to}, UKEY {ukey}"),
            "args", args);
        json_array_append_new(a, json_pack("{s:s, s:o}", "value", c->serial, "msgid", text));
    }
    if (revoke_all_offered(l))
        json_array_append_new(a, json_pack("{s:s, s:s}", "value", REVOKE_ALL, "msgid",
                                           N_("All valid certificates of the company")));
    return a;
}

json_t *kx_revoke_pick_json(const kx_session *s)
{
    if (s->service != KX_SVC_REVOKE || s->revoke_with_ukey || !s->revoke_certs)
        return json_null();
    json_t *certs = json_array();
    json_t *picked = json_array();
    const kx_ra_cert_list *l = s->revoke_certs;
    for (int i = 0; i < l->count; i++) {
        json_array_append_new(certs, revoke_cert_json(&l->certs[i]));
        if (s->revoke_all || strcmp(s->revoke_pick, l->certs[i].serial) == 0)
            json_array_append_new(picked, json_string(l->certs[i].serial));
    }
    return json_pack("{s:o, s:b, s:o}", "certificates", certs, "all", s->revoke_all, "picked",
                     picked);
}

kx_err kx_revoke_pick_choose(kx_session *s, const char *value)
{
    const kx_ra_cert_list *l = s->revoke_certs;
    if (!l || !value)
        return KX_ERR_STATE;
    if (strcmp(value, REVOKE_ALL) == 0 && revoke_all_offered(l)) {
        s->revoke_all = 1;
        s->revoke_pick[0] = 0;
        return KX_OK;
    }
    for (int i = 0; i < l->count; i++)
        if (strcmp(value, l->certs[i].serial) == 0) {
            s->revoke_all = 0;
            kx_strlcpy(s->revoke_pick, value, sizeof s->revoke_pick);
            return KX_OK;
        }
    return KX_ERR_BAD_FORMAT;
}
