/* SPDX-License-Identifier: MIT */
/*
 * state.c - parse kioskd's published state (docs/protocol.md, "state") into
 * kx_ui_state, and format its translatable texts.
 *
 * The parser is strict about types (a field of the wrong type is a bad
 * message, reported with the field's name) and lenient about presence
 * (absent or null fields are simply absent), so kioskd can add fields
 * within a protocol version. It never logs message contents.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

#include "core/i18n.h"
#include "core/secbuf.h"
#include "core/str.h"
#include "ui/ui.h"

/* Field access helpers: each returns 0 when absent/null, 1 when present,
 * -1 (with detail) when present with the wrong type. */
static int state_str(json_t *o, const char *key, const char **out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        kx_err_set_detail("state field %s: not a string", key);
        return -1;
    }
    *out = json_string_value(v);
    return 1;
}

static int state_int(json_t *o, const char *key, long *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = (long)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        *out = (long)json_real_value(v);
        return 1;
    }
    kx_err_set_detail("state field %s: not a number", key);
    return -1;
}

static int state_obj(json_t *o, const char *key, json_t **out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v)) {
        kx_err_set_detail("state field %s: not an object", key);
        return -1;
    }
    *out = v;
    return 1;
}

static int state_arr(json_t *o, const char *key, json_t **out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v)) {
        kx_err_set_detail("state field %s: not an array", key);
        return -1;
    }
    *out = v;
    return 1;
}

/* A text is {"msgid","args"}; a bare string is accepted as a msgid. */
static int state_text(json_t *v, const char *key, kx_ui_text *out)
{
    out->msgid = NULL;
    out->args = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        out->msgid = json_string_value(v);
        return 1;
    }
    if (!json_is_object(v)) {
        kx_err_set_detail("state field %s: not a text", key);
        return -1;
    }
    json_t *m = json_object_get(v, "msgid");
    json_t *a = json_object_get(v, "args");
    if (!json_is_string(m) || (a && !json_is_null(a) && !json_is_object(a))) {
        kx_err_set_detail("state field %s: text needs msgid and object args", key);
        return -1;
    }
    out->msgid = json_string_value(m);
    out->args = (a && json_is_object(a)) ? a : NULL;
    return 1;
}

#define TRY(x)                                                                                 \
    do {                                                                                       \
        if ((x) < 0)                                                                           \
            goto bad;                                                                          \
    } while (0)

static int state_parse_objects(json_t *root, kx_ui_state *st)
{
    json_t *o = NULL;
    int r = state_obj(root, "cert", &o);
    TRY(r);
    if (r > 0) {
        st->cert.present = 1;
        TRY(state_str(o, "company", &st->cert.company));
        TRY(state_str(o, "uscc", &st->cert.uscc));
        TRY(state_str(o, "subject", &st->cert.subject));
        TRY(state_str(o, "serial", &st->cert.serial));
        TRY(state_str(o, "not_after", &st->cert.not_after));
        TRY(state_int(o, "days_left", &st->cert.days_left));
        TRY(state_str(o, "enc_serial", &st->cert.enc_serial));
        TRY(state_str(o, "enc_not_after", &st->cert.enc_not_after));
    }
    r = state_obj(root, "company", &o);
    TRY(r);
    if (r > 0) {
        st->company.present = 1;
        TRY(state_str(o, "name", &st->company.name));
        TRY(state_str(o, "uscc", &st->company.uscc));
        TRY(state_str(o, "legal_rep", &st->company.legal_rep));
    }
    r = state_obj(root, "agent", &o);
    TRY(r);
    if (r > 0) {
        st->agent.present = 1;
        TRY(state_str(o, "name", &st->agent.name));
        TRY(state_str(o, "idnum_masked", &st->agent.idnum_masked));
        TRY(state_str(o, "valid_to", &st->agent.valid_to));
        st->agent.age = -1;
        TRY(state_int(o, "age", &st->agent.age));
    }
    r = state_obj(root, "fee", &o);
    TRY(r);
    if (r > 0) {
        st->fee.present = 1;
        TRY(state_int(o, "fen", &st->fee.fen));
        TRY(state_str(o, "text", &st->fee.text));
    }
    r = state_obj(root, "payment", &o);
    TRY(r);
    if (r > 0) {
        st->payment.present = 1;
        TRY(state_str(o, "order", &st->payment.order));
        TRY(state_str(o, "qr", &st->payment.qr));
        TRY(state_int(o, "expires_in", &st->payment.expires_in));
    }
    r = state_obj(root, "input", &o);
    TRY(r);
    if (r > 0) {
        long v;
        st->input.present = 1;
        TRY(state_str(o, "kind", &st->input.kind));
        st->input.min = KX_PIN_MIN;
        st->input.max = KX_PIN_MAX;
        st->input.tries_left = -1;
        if (state_int(o, "min", &v) > 0)
            st->input.min = (int)(v < 0 ? 0 : v > 64 ? 64 : v);
        if (state_int(o, "max", &v) > 0)
            st->input.max = (int)(v < 1 ? 1 : v > 64 ? 64 : v);
        if (state_int(o, "tries_left", &v) > 0)
            st->input.tries_left = (int)(v < 0 ? 0 : v > 99 ? 99 : v);
    }
    r = state_obj(root, "error", &o);
    TRY(r);
    if (r > 0) {
        st->error.present = 1;
        TRY(state_int(o, "code", &st->error.code));
        TRY(state_str(o, "name", &st->error.name));
        TRY(state_text(json_object_get(o, "msgid"), "error.msgid", &st->error.text));
        TRY(state_text(json_object_get(o, "action"), "error.action", &st->error.action));
        {
            /* kioskd may put the arguments beside plain-string texts */
            json_t *args = json_object_get(o, "args");
            if (args && json_is_object(args)) {
                if (!st->error.text.args)
                    st->error.text.args = args;
                if (!st->error.action.args)
                    st->error.action.args = args;
            }
        }
    }
    r = state_obj(root, "staff", &o);
    TRY(r);
    if (r > 0) {
        long idle = -1;
        st->staff.present = 1;
        st->staff.idle_left = -1;
        TRY(state_str(o, "id", &st->staff.id));
        TRY(state_str(o, "name", &st->staff.name));
        TRY(state_str(o, "role", &st->staff.role));
        TRY(state_int(o, "idle_left", &idle));
        if (idle >= 0)
            st->staff.idle_left = (int)(idle > 86400 ? 86400 : idle);
        if (!st->staff.id) {
            kx_err_set_detail("state field staff.id: missing");
            return -1;
        }
    }
    r = state_obj(root, "step", &o);
    TRY(r);
    if (r > 0) {
        long i = 0, n = 0;
        TRY(state_int(o, "index", &i));
        TRY(state_int(o, "count", &n));
        if (n > 0 && n < 100 && i >= 0 && i <= n) {
            st->step_index = (int)i;
            st->step_count = (int)n;
        }
    }
    r = state_obj(root, "timeout", &o);
    TRY(r);
    if (r > 0) {
        long t = 0, l = 0;
        TRY(state_int(o, "total", &t));
        TRY(state_int(o, "left", &l));
        if (t > 0 && l >= 0) {
            st->has_timeout = 1;
            st->timeout_total = (int)(t > 86400 ? 86400 : t);
            st->timeout_left = (int)(l > t ? t : l);
        }
    }
    return 0;
bad:
    return -1;
}

static int state_parse_lists(json_t *root, kx_ui_state *st)
{
    json_t *a = NULL, *o = NULL, *v;
    size_t i;
    int r = state_arr(root, "body", &a);
    TRY(r);
    if (r > 0)
        json_array_foreach(a, i, v)
        {
            if (st->n_body >= KX_UI_MAX_BODY)
                break;
            TRY(state_text(v, "body[]", &st->body[st->n_body]));
            if (st->body[st->n_body].msgid)
                st->n_body++;
        }
    r = state_arr(root, "previews", &a);
    TRY(r);
    if (r > 0)
        json_array_foreach(a, i, v)
        {
            long w = 0, h = 0;
            if (st->n_previews >= KX_UI_MAX_PREVIEWS || !json_is_object(v))
                break;
            TRY(state_str(v, "doc", &st->previews[st->n_previews].doc));
            TRY(state_str(v, "path", &st->previews[st->n_previews].path));
            TRY(state_int(v, "width", &w));
            TRY(state_int(v, "height", &h));
            st->previews[st->n_previews].width = (int)w;
            st->previews[st->n_previews].height = (int)h;
            if (st->previews[st->n_previews].path)
                st->n_previews++;
        }
    r = state_arr(root, "seal_cells", &a);
    TRY(r);
    if (r > 0)
        json_array_foreach(a, i, v)
        {
            long cell = 0;
            if (st->n_cells >= KX_UI_MAX_CELLS || !json_is_object(v))
                break;
            TRY(state_str(v, "row", &st->cells[st->n_cells].row));
            TRY(state_str(v, "verdict", &st->cells[st->n_cells].verdict));
            TRY(state_int(v, "cell", &cell));
            TRY(state_text(json_object_get(v, "msgid"), "seal_cells[].msgid",
                           &st->cells[st->n_cells].text));
            st->cells[st->n_cells].cell = (int)(cell == 1);
            if (st->cells[st->n_cells].row && st->cells[st->n_cells].verdict)
                st->n_cells++;
        }
    r = state_arr(root, "choices", &a);
    TRY(r);
    if (r > 0)
        json_array_foreach(a, i, v)
        {
            if (st->n_choices >= KX_UI_MAX_CHOICES || !json_is_object(v))
                break;
            TRY(state_str(v, "value", &st->choices[st->n_choices].value));
            TRY(state_text(json_object_get(v, "msgid"), "choices[].msgid",
                           &st->choices[st->n_choices].text));
            if (st->choices[st->n_choices].value)
                st->n_choices++;
        }
    r = state_obj(root, "agreement", &o);
    TRY(r);
    if (r > 0) {
        TRY(state_str(o, "version", &st->agreement.version));
        TRY(state_str(o, "lang", &st->agreement.lang));
        r = state_arr(o, "paragraphs", &a);
        TRY(r);
        if (r > 0)
            json_array_foreach(a, i, v)
            {
                if (st->agreement.n_paras >= KX_UI_MAX_AGREEMENT)
                    break;
                if (!json_is_string(v)) {
                    kx_err_set_detail("state field agreement.paragraphs[]: not a string");
                    goto bad;
                }
                st->agreement.paras[st->agreement.n_paras++] = json_string_value(v);
            }
        st->agreement.present = st->agreement.n_paras > 0;
    }
    r = state_arr(root, "intents", &a);
    TRY(r);
    if (r > 0)
        json_array_foreach(a, i, v)
        {
            kx_intent in;
            if (json_is_string(v) && kx_intent_from_name(json_string_value(v), &in) == KX_OK)
                st->intents |= 1u << in;
        }
    return 0;
bad:
    return -1;
}

kx_err kx_ui_state_parse(const char *line, size_t len, kx_ui_state **out)
{
    json_error_t jerr;
    kx_ui_state *st = NULL;
    json_t *root;
    const char *type = NULL;
    long v = 0;

    if (!line || !out)
        return KX_ERR_INVALID_ARG;
    *out = NULL;
    root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        kx_err_set_detail("state: not a JSON object (line %d)", jerr.line);
        json_decref(root);
        return KX_ERR_BAD_FORMAT;
    }
    st = calloc(1, sizeof *st);
    if (!st) {
        json_decref(root);
        return KX_ERR_NO_MEMORY;
    }
    st->raw = root;
    st->screen = KX_SCREEN_COUNT;
    if (state_str(root, "type", &type) <= 0 || strcmp(type, "state") != 0) {
        kx_err_set_detail("state: type is not \"state\"");
        goto bad;
    }
    if (state_int(root, "v", &v) < 0 || v != KX_PROTO_VERSION) {
        kx_err_set_detail("state: unsupported version");
        goto bad;
    }
    TRY(state_int(root, "rev", &st->rev));
    TRY(state_str(root, "session", &st->session));
    if (state_str(root, "screen", &st->screen_id) <= 0) {
        kx_err_set_detail("state: no screen");
        goto bad;
    }
    if (kx_screen_from_id(st->screen_id, &st->screen) != KX_OK)
        st->screen = KX_SCREEN_COUNT;
    TRY(state_str(root, "service", &st->service));
    TRY(state_str(root, "lang", &st->lang));
    TRY(state_str(root, "activity", &st->activity));
    TRY(state_str(root, "doc", &st->doc));
    TRY(state_text(json_object_get(root, "title"), "title", &st->title));
    {
        json_t *p = json_object_get(root, "progress");
        if (p && json_is_number(p)) {
            double d = json_number_value(p);
            st->has_progress = 1;
            st->progress = d < 0 ? 0 : d > 1 ? 1 : d;
        } else if (p && !json_is_null(p)) {
            kx_err_set_detail("state field progress: not a number");
            goto bad;
        }
    }
    if (state_parse_objects(root, st) < 0 || state_parse_lists(root, st) < 0)
        goto bad;
    *out = st;
    return KX_OK;
bad:
    kx_ui_state_free(st);
    return KX_ERR_BAD_FORMAT;
}

/* state_wipe - overwrite every string of a parsed message before it is
 * freed: a state carries names and masked ID numbers of the session. */
static void state_wipe(json_t *v, int depth)
{
    const char *key;
    json_t *item;
    size_t i;
    if (!v || depth > 16)
        return;
    if (json_is_string(v)) {
        char *p = (char *)(uintptr_t)json_string_value(v);
        kx_wipe(p, json_string_length(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, item) state_wipe(item, depth + 1);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item) state_wipe(item, depth + 1);
    }
}

void kx_ui_state_free(kx_ui_state *st)
{
    if (!st)
        return;
    state_wipe((json_t *)st->raw, 0);
    json_decref((json_t *)st->raw);
    free(st);
}

int kx_ui_state_accepts(const kx_ui_state *st, kx_intent intent)
{
    if (!st || (unsigned)intent >= KX_INTENT_COUNT)
        return 0;
    return (st->intents >> intent) & 1u;
}

/* Append n bytes of s to out at *pos, never splitting a UTF-8 sequence. */
static void state_put(char *out, size_t outsz, size_t *pos, const char *s, size_t n)
{
    size_t room = outsz - 1 - *pos;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out + *pos, s, n);
    *pos += n;
    out[*pos] = '\0';
}

/* state_subst - copy the translated template s into out, replacing {name}
 * by lookup(name); unknown names stay as they are. */
static void state_subst(const char *s, const char *(*lookup)(const void *ctx, const char *key),
                        const void *ctx, char *out, size_t outsz)
{
    size_t pos = 0;
    out[0] = '\0';
    while (*s) {
        const char *open = strchr(s, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            state_put(out, outsz, &pos, s, strlen(s));
            break;
        }
        state_put(out, outsz, &pos, s, (size_t)(open - s));
        {
            char key[48];
            size_t klen = (size_t)(close - open - 1);
            const char *val = NULL;
            if (klen < sizeof key) {
                memcpy(key, open + 1, klen);
                key[klen] = '\0';
                val = lookup(ctx, key);
            }
            if (val)
                state_put(out, outsz, &pos, val, strlen(val));
            else
                state_put(out, outsz, &pos, open, (size_t)(close - open + 1));
        }
        s = close + 1;
    }
}

static const char *state_json_arg(const void *ctx, const char *key)
{
    static char num[32];
    json_t *val = ctx ? json_object_get((const json_t *)ctx, key) : NULL;
    if (val && json_is_string(val))
        return json_string_value(val);
    if (val && json_is_integer(val)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(val));
        return num;
    }
    /* a text of its own ({"msgid"}: a document's name), translated */
    if (json_is_object(val) && json_is_string(json_object_get(val, "msgid")))
        return kx_tr(json_string_value(json_object_get(val, "msgid")));
    return NULL;
}

char *kx_ui_text_format(const kx_ui_text *t, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return out;
    out[0] = '\0';
    if (!t || !t->msgid || !t->msgid[0])
        return out;
    state_subst(kx_tr(t->msgid), state_json_arg, t->args, out, outsz);
    return out;
}

struct state_pairs {
    const char *k1, *v1, *k2, *v2;
};

static const char *state_pair_arg(const void *ctx, const char *key)
{
    const struct state_pairs *p = ctx;
    if (p->k1 && strcmp(p->k1, key) == 0)
        return p->v1;
    if (p->k2 && strcmp(p->k2, key) == 0)
        return p->v2;
    return NULL;
}

char *kx_ui_format(char *out, size_t outsz, const char *msgid, const char *k1, const char *v1,
                   const char *k2, const char *v2)
{
    struct state_pairs p = {k1, v1, k2, v2};
    if (!out || outsz == 0)
        return out;
    out[0] = '\0';
    if (msgid)
        state_subst(kx_tr(msgid), state_pair_arg, &p, out, outsz);
    return out;
}
