/* SPDX-License-Identifier: MIT */
/*
 * staff.c - the staff and maintenance screens' state and their
 * request/reply client (docs/ui-staff-screens.md, docs/protocol.md "Staff
 * and maintenance"): opening and closing the screens, the hidden gesture,
 * numbered `request` messages and their replies, the staff keyboard's
 * text, the drawing helpers the screens share and the dispatch to them
 * (assisted mode: staff_assist.c; maintenance: staff_maint.c).
 *
 * These screens are local to the front end: kioskd does not publish them.
 * They are reached by a hidden gesture (five taps on the logo within three
 * seconds), cover the customer's screen while open, and talk to kioskd
 * with numbered `request` messages whose replies come back through
 * kx_ui_conn_next_reply(). kioskd decides everything: who may log in, the
 * lockout, which actions a member may take, and it records each one. The
 * UI only shows what the current screen allows and asks for a reason.
 *
 * Privacy: the staff PIN lives in a kx_secbuf and is sent from a wiped
 * buffer; the ID data typed by hand is wiped when the screen closes; the
 * maintenance replies (already masked by kioskd) are dropped on close.
 *
 * Map: state - requests - replies - the header hook - drawing helpers -
 * staff keyboard - dispatch.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "ui/staff_internal.h"

#define STAFF_LOGIN_IDLE_MS 60000u
#define STAFF_GESTURE_TAPS 5
#define STAFF_GESTURE_MS 3000u

/* screen ids, for screenshots and tap scripts (`wait screen=staff_login`) */
const char *const kx_staff_ids[STAFF_SCREEN_COUNT] = {
    [STAFF_NONE] = "",
    [STAFF_LOGIN] = "staff_login",
    [STAFF_PANEL] = "staff_panel",
    [STAFF_REASON] = "staff_reason",
    [STAFF_MANUAL_ID] = "staff_manual_id",
    [MAINT_MENU] = "maint_menu",
    [MAINT_SELFTEST] = "maint_selftest",
    [MAINT_OPEN_TX] = "maint_open_tx",
    [MAINT_SUMMARY] = "maint_summary",
    [MAINT_LOGS] = "maint_logs",
    [MAINT_CONFIG] = "maint_config",
    [MAINT_VERSION] = "maint_version",
    [MAINT_CONFIRM] = "maint_confirm",
    [STAFF_COUNTER] = "staff_counter_paid",
    [STAFF_REAUTH] = "staff_reauth",
};

/* ---- state ---- */

kx_err kx_staff_ui_new(kx_ui *ui)
{
    kx_staff_ui *s = calloc(1, sizeof *s);
    if (!s)
        return KX_ERR_NO_MEMORY;
    if (kx_secbuf_new(KX_PIN_MAX, &s->pin) != KX_OK) {
        free(s);
        return KX_ERR_NO_MEMORY;
    }
    s->preset = -1;
    ui->staff = s;
    return KX_OK;
}

/* kx_staff_wipe - forget everything typed and every reply. */
void kx_staff_wipe(kx_staff_ui *s)
{
    kx_secbuf_clear(s->pin);
    kx_wipe(s->id, sizeof s->id);
    kx_wipe(s->name, sizeof s->name);
    kx_wipe(s->idnum, sizeof s->idnum);
    kx_wipe(s->valid, sizeof s->valid);
    kx_wipe(s->other, sizeof s->other);
    kx_wipe(s->receipt, sizeof s->receipt);
    kx_wipe(s->reason, sizeof s->reason);
    s->long_term = 0;
    s->by_token = 0;
    s->card = 0;
    s->preset = -1;
    s->field = 0;
    s->page = 0;
    s->msg[0] = '\0';
    json_decref(s->result);
    s->result = NULL;
}

void kx_staff_ui_free(kx_ui *ui)
{
    if (!ui || !ui->staff)
        return;
    kx_staff_wipe(ui->staff);
    kx_secbuf_free(ui->staff->pin);
    free(ui->staff);
    ui->staff = NULL;
}

void kx_staff_shuffle(kx_ui *ui)
{
    kx_ui_shuffle(ui->staff->order);
}

void kx_staff_go(kx_ui *ui, kx_staff_screen to)
{
    kx_staff_ui *s = ui->staff;
    if (to == STAFF_NONE || to == STAFF_LOGIN || to == MAINT_MENU || to == STAFF_PANEL)
        kx_staff_wipe(s);
    if (to == STAFF_LOGIN)
        kx_staff_shuffle(ui);
    s->screen = to;
    s->input_ms = ui->now_ms;
    s->seq = 0;
    s->cmd[0] = '\0';
}

int kx_staff_ui_active(const kx_ui *ui)
{
    return ui->staff && ui->staff->screen != STAFF_NONE;
}

const char *kx_staff_ui_screen_id(const kx_ui *ui)
{
    return kx_staff_ui_active(ui) ? kx_staff_ids[ui->staff->screen] : NULL;
}

int kx_staff_logged_in(const kx_ui *ui)
{
    return ui->st && ui->st->staff.present;
}

int kx_staff_admin(const kx_ui *ui)
{
    return kx_staff_logged_in(ui) && ui->st->staff.role &&
           strcmp(ui->st->staff.role, "admin") == 0;
}

/* ---- requests ---- */

const char *kx_staff_str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

long kx_staff_int(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_real(v) ? (long)json_real_value(v) : (long)json_integer_value(v);
}

void kx_staff_set_msg(kx_staff_ui *s, int bad, const char *text)
{
    kx_strlcpy(s->msg, text, sizeof s->msg);
    s->msg_bad = bad;
}

/* client_send - send msg (type and seq added) and remember it as pending. */
static void client_send(kx_ui *ui, json_t *msg, const char *type, const char *cmd)
{
    kx_staff_ui *s = ui->staff;
    char *line;
    json_object_set_new(msg, "v", json_integer(KX_PROTO_VERSION));
    json_object_set_new(msg, "type", json_string(type));
    json_object_set_new(msg, "seq", json_integer(++ui->seq));
    line = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!line)
        return;
    if (!ui->conn || kx_ui_conn_send(ui->conn, line, strlen(line)) != KX_OK) {
        kx_staff_set_msg(s, 1, kx_tr("The kiosk service cannot be reached."));
    } else {
        s->seq = ui->seq;
        kx_strlcpy(s->cmd, cmd, sizeof s->cmd);
        kx_log_info("ui.staff_request", "cmd=%s seq=%u", cmd, ui->seq);
    }
    kx_wipe(line, strlen(line));
    free(line);
}

void kx_staff_request(kx_ui *ui, const char *cmd, json_t *fields)
{
    json_t *msg = fields ? fields : json_object();
    json_object_set_new(msg, "cmd", json_string(cmd));
    client_send(ui, msg, "request", cmd);
}

void kx_staff_intent(kx_ui *ui, const char *intent, const char *reason)
{
    json_t *msg = json_pack("{s:s}", "intent", intent);
    if (reason && *reason)
        json_object_set_new(msg, "reason", json_string(reason));
    client_send(ui, msg, "intent", intent);
}

static int client_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > KX_STAFF_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-' || id[i] == '_'))
            return 0;
    return 1;
}

/* kx_staff_send_login - staff_login from a wiped buffer; the PIN is then wiped.
 * The id and PIN are restricted to characters JSON needs no escape for. */
void kx_staff_send_login(kx_ui *ui)
{
    kx_staff_ui *s = ui->staff;
    kx_secbuf *msg = NULL;
    int n;
    if ((!s->by_token && !client_id_ok(s->id)) || kx_secbuf_new(256, &msg) != KX_OK)
        goto out;
    if (s->by_token)
        n = snprintf((char *)msg->data, msg->cap + 1,
                     "{\"v\":1,\"type\":\"request\",\"seq\":%u,\"cmd\":\"staff_login_token\","
                     "\"pin\":\"%s\"}",
                     ui->seq + 1, kx_secbuf_str(s->pin));
    else
        n = snprintf((char *)msg->data, msg->cap + 1,
                     "{\"v\":1,\"type\":\"request\",\"seq\":%u,\"cmd\":\"staff_login\","
                     "\"staff_id\":\"%s\",\"pin\":\"%s\"}",
                     ui->seq + 1, s->id, kx_secbuf_str(s->pin));
    if (n > 0 && (size_t)n <= msg->cap) {
        if (ui->conn &&
            kx_ui_conn_send(ui->conn, (const char *)msg->data, (size_t)n) == KX_OK) {
            s->seq = ++ui->seq;
            kx_strlcpy(s->cmd, "staff_login", sizeof s->cmd);
            s->msg[0] = '\0';
        } else {
            kx_staff_set_msg(s, 1, kx_tr("The kiosk service cannot be reached."));
        }
    }
out:
    kx_secbuf_free(msg);
    kx_secbuf_clear(s->pin);
    kx_staff_shuffle(ui);
}

void kx_staff_request_pin(kx_ui *ui, const char *cmd, json_t *fields)
{
    kx_staff_ui *s = ui->staff;
    kx_secbuf *msg = NULL;
    char *rest = NULL;
    json_t *m = fields ? fields : json_object();
    int n;
    json_object_set_new(m, "v", json_integer(KX_PROTO_VERSION));
    json_object_set_new(m, "type", json_string("request"));
    json_object_set_new(m, "seq", json_integer(ui->seq + 1));
    json_object_set_new(m, "cmd", json_string(cmd));
    rest = json_dumps(m, JSON_COMPACT); /* no secret in it: "{...}" */
    json_decref(m);
    if (!rest || rest[0] != '{' || kx_secbuf_new(KX_PROTO_MAX_LINE, &msg) != KX_OK)
        goto out;
    /* digits only: the PIN needs no escaping; the rest is jansson's */
    n = snprintf((char *)msg->data, msg->cap + 1, "{\"pin\":\"%s\",%s", kx_secbuf_str(s->pin),
                 rest + 1);
    if (n > 0 && (size_t)n <= msg->cap && ui->conn &&
        kx_ui_conn_send(ui->conn, (const char *)msg->data, (size_t)n) == KX_OK) {
        s->seq = ++ui->seq;
        kx_strlcpy(s->cmd, cmd, sizeof s->cmd);
        s->msg[0] = '\0';
        kx_log_info("ui.staff_request", "cmd=%s seq=%u", cmd, ui->seq);
    } else {
        kx_staff_set_msg(s, 1, kx_tr("The kiosk service cannot be reached."));
    }
out:
    if (rest) {
        kx_wipe(rest, strlen(rest));
        free(rest);
    }
    kx_secbuf_free(msg);
    kx_secbuf_clear(s->pin);
    kx_staff_shuffle(ui);
}

/* ---- replies ---- */

static void client_login_reply(kx_ui *ui, json_t *r, int ok)
{
    kx_staff_ui *s = ui->staff;
    if (ok) {
        const char *role =
            json_string_value(json_object_get(json_object_get(r, "result"), "role"));
        kx_log_info("ui.staff_login", "staff=%s role=%s", s->id, role ? role : "?");
        kx_staff_go(ui, role && strcmp(role, "admin") == 0 ? MAINT_MENU : STAFF_PANEL);
        return;
    }
    long code = (long)json_integer_value(json_object_get(r, "code"));
    const char *detail = json_string_value(json_object_get(r, "detail"));
    const char *p = detail ? strstr(detail, " for ") : NULL;
    char t[256], secs[16] = "?";
    if (code == KX_ERR_TOKEN_ABSENT) {
        kx_staff_set_msg(s, 1, kx_tr("No staff UKEY was found. Insert it and try again."));
    } else if (code == KX_ERR_PIN_LOCKED && detail && strstr(detail, "UKEY's PIN")) {
        kx_staff_set_msg(s, 1,
                         kx_tr("The staff UKEY's PIN is locked. Unlock it at the counter."));
    } else if (code == KX_ERR_EXPIRED) {
        kx_staff_set_msg(s, 1, kx_tr("The staff UKEY's certificate is not valid now."));
    } else if (code == KX_ERR_PIN_LOCKED) {
        long v = 0;
        if (p && sscanf(p, " for %ld s", &v) == 1)
            snprintf(secs, sizeof secs, "%ld", v);
        kx_ui_format(t, sizeof t, N_("Too many wrong PINs. Try again in {seconds} seconds."),
                     "seconds", secs, NULL, NULL);
        kx_staff_set_msg(s, 1, t);
    } else {
        kx_staff_set_msg(s, 1,
                         s->by_token ? kx_tr("Wrong PIN of the staff UKEY.")
                                     : kx_tr("Wrong staff number or PIN."));
    }
}

/* client_error_text - what to tell staff about a refused request. */
static const char *client_error_text(const char *error, long code)
{
    if (error && strcmp(error, "busy") == 0)
        return kx_tr("A customer is being served. Try again when the kiosk is idle.");
    if (error && strcmp(error, "permission") == 0)
        return code == KX_ERR_PERMISSION ? kx_tr("You are not allowed to do this.")
                                         : kx_tr("Log in again.");
    if (error && strcmp(error, "state") == 0)
        return kx_tr("This cannot be done on the current screen.");
    if (error && strcmp(error, "bad_request") == 0)
        return kx_tr("The data was refused. Check what you entered.");
    return kx_tr("This could not be done. See the log.");
}

static void client_reply(kx_ui *ui, json_t *r)
{
    kx_staff_ui *s = ui->staff;
    const char *type = json_string_value(json_object_get(r, "type"));
    int ok = type && (strcmp(type, "reply") == 0 || strcmp(type, "ack") == 0);
    s->seq = 0; /* answered; a handler below may send the next request */
    if (strncmp(s->cmd, "staff_login", 11) == 0) {
        client_login_reply(ui, r, ok);
    } else if (!ok) {
        const char *e = json_string_value(json_object_get(r, "error"));
        long code = (long)json_integer_value(json_object_get(r, "code"));
        kx_log_warn("ui.staff_refused", "cmd=%s error=%s code=%ld", s->cmd, e ? e : "?", code);
        /* an intent is sent from the panel, which closes at once: reopen it */
        if (s->screen == STAFF_NONE)
            kx_staff_go(ui, STAFF_PANEL);
        kx_staff_set_msg(s, 1, client_error_text(e, code));
    } else if (strcmp(s->cmd, "manual_id") == 0 || strcmp(s->cmd, "staff_logout") == 0 ||
               strcmp(s->cmd, "counter_paid") == 0) {
        kx_staff_go(ui, STAFF_NONE);
    } else if (strcmp(s->cmd, "retry") == 0 || strcmp(s->cmd, "refund") == 0) {
        kx_staff_go(ui, MAINT_OPEN_TX);
        kx_staff_set_msg(s, 0, kx_tr("Done."));
        kx_staff_request(ui, "journal", json_pack("{s:b}", "open", 1));
    } else if (strcmp(s->cmd, "maintenance") == 0) {
        kx_staff_maintenance_go(ui, json_object_get(r, "result"));
    } else if (strcmp(type, "ack") != 0) {
        json_decref(s->result);
        s->result = json_incref(json_object_get(r, "result"));
    }
}

int kx_staff_ui_poll(kx_ui *ui)
{
    kx_staff_ui *s = ui->staff;
    json_t *r;
    int changed = 0;
    if (!s)
        return 0;
    kx_staff_screen was = s->screen;
    while (ui->conn && (r = kx_ui_conn_next_reply(ui->conn)) != NULL) {
        json_int_t seq = json_integer_value(json_object_get(r, "seq"));
        if (s->seq && seq == (json_int_t)s->seq) {
            client_reply(ui, r);
            changed = 1;
        }
        json_decref(r);
    }
    if (s->child > 0 && waitpid(s->child, NULL, WNOHANG) == s->child)
        s->child = 0;
    if (s->screen == STAFF_NONE)
        return changed || was != STAFF_NONE;
    if (!ui->st && !ui->offline) {
        /* without kioskd there is nobody to talk to */
        kx_staff_go(ui, STAFF_NONE);
    } else if (s->screen == STAFF_LOGIN) {
        if (ui->now_ms - s->input_ms > STAFF_LOGIN_IDLE_MS)
            kx_staff_go(ui, STAFF_NONE);
    } else if (!kx_staff_logged_in(ui) && !ui->offline && !s->seq &&
               ui->now_ms - s->input_ms > 2000) {
        /* kioskd ended assisted mode (logout, idle, a login elsewhere) */
        kx_staff_go(ui, STAFF_NONE);
    }
    return changed || was != s->screen;
}

/* ---- the header hook ---- */

void kx_staff_ui_header(kx_ui *ui, SDL_Rect logo, SDL_Rect title)
{
    kx_staff_ui *s = ui->staff;
    if (!s)
        return;
    if (kx_staff_logged_in(ui)) {
        /* in assisted mode the header title opens the staff menu */
        if (kx_hit(ui, "staff_menu", title) && s->screen == STAFF_NONE)
            kx_staff_go(ui, kx_staff_admin(ui) && !ui->st->session ? MAINT_MENU : STAFF_PANEL);
        return;
    }
    if (kx_hit(ui, "staff_corner", logo) && s->screen == STAFF_NONE) {
        if (ui->now_ms - s->tap0 > STAFF_GESTURE_MS) {
            s->tap0 = ui->now_ms;
            s->taps = 0;
        }
        if (++s->taps >= STAFF_GESTURE_TAPS) {
            s->taps = 0;
            kx_staff_go(ui, STAFF_LOGIN);
        }
    }
}

/* ---- drawing helpers ---- */

void kx_staff_title(kx_ui *ui, const kx_layout *L, const char *text)
{
    kx_text_style ts =
        kx_style(ui->portrait ? 56 : 50, KX_BOLD, KX_C_TEXT, KX_CENTER, KX_MIDDLE);
    ts.max_lines = 2;
    ts.min_size = 34;
    kx_text(ui, text, L->title, &ts);
}

void kx_staff_message(kx_ui *ui, SDL_Rect r)
{
    kx_staff_ui *s = ui->staff;
    if (!s->msg[0])
        return;
    kx_round(ui, r, 20, s->msg_bad ? KX_C_DANGER_LT : KX_C_OK_LT);
    kx_text_style ts =
        kx_style(30, KX_REGULAR, s->msg_bad ? KX_C_DANGER : KX_C_OK, KX_CENTER, KX_MIDDLE);
    kx_text(ui, s->msg, kx_inset(r, 16), &ts);
}

/* kx_staff_pending - a spinner while the screen's request runs; 1 when shown. */
int kx_staff_pending(kx_ui *ui, SDL_Rect r, const char *what)
{
    kx_staff_ui *s = ui->staff;
    if (!s->seq)
        return 0;
    kx_spinner(ui, r.x + r.w / 2, r.y + 120, 60, KX_C_PRIMARY);
    ui->animating = 1;
    kx_text_style ts = kx_style(34, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui, what, kx_rect(r.x, r.y + 220, r.w, 80), &ts);
    return 1;
}

/* kx_staff_footer - Back on the left, an optional primary on the right. */
int kx_staff_footer(kx_ui *ui, const kx_layout *L, const char *back_label,
                    kx_staff_screen back_to, const char *primary, int enabled)
{
    SDL_Rect f = L->footer;
    int bw = ui->portrait ? 300 : 360, pw = ui->portrait ? 460 : 600;
    if (back_label &&
        kx_button(ui, "staff_back", kx_rect(f.x, f.y, bw, f.h), back_label, KX_BTN_SECONDARY))
        kx_staff_go(ui, back_to);
    return primary &&
           kx_button_enabled(ui, "staff_primary", kx_rect(f.x + f.w - pw, f.y, pw, f.h),
                             primary, KX_BTN_PRIMARY, enabled);
}

/* kx_staff_lines - lines of small text from index first, as many as fit; returns
 * how many were drawn. */
int kx_staff_lines(kx_ui *ui, SDL_Rect r, const char *const *lines, int n, int first)
{
    kx_text_style ts = kx_style(ui->portrait ? 24 : 22, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
    int lh = ui->portrait ? 40 : 34, drawn = 0;
    ts.max_lines = 1;
    ts.min_size = ts.size;
    for (int i = first; i < n && (drawn + 1) * lh <= r.h; i++, drawn++) {
        /* one row per line: long lines are shortened with an ellipsis by
         * the caller, so the audit never sees text outside its box */
        kx_text(ui, lines[i], kx_rect(r.x, r.y + drawn * lh, r.w, lh), &ts);
    }
    return drawn;
}

/* kx_staff_regions - entry fields and a keypad: stacked in portrait (fields
 * top_h high, inset by side), side by side in landscape (fields_pct % of
 * the width on the left). */
void kx_staff_regions(const kx_ui *ui, const kx_layout *L, int top_h, int side, int fields_pct,
                      SDL_Rect *fields, SDL_Rect *pad)
{
    SDL_Rect c = L->content;
    if (ui->portrait) {
        *fields = kx_rect(c.x + side, c.y, c.w - 2 * side, top_h);
        *pad = kx_rect(c.x + 120, c.y + top_h + 30, c.w - 240, c.h - top_h - 30);
    } else {
        *fields = kx_rect(c.x, c.y, c.w * fields_pct / 100, c.h);
        *pad = kx_rect(c.x + c.w * (fields_pct + 6) / 100, c.y, c.w * (94 - fields_pct) / 100,
                       c.h);
    }
}

void kx_staff_ui_text(kx_ui *ui, const char *utf8)
{
    kx_staff_ui *s = ui->staff;
    if (!s || !utf8)
        return;
    s->input_ms = ui->now_ms;
    if (s->screen == STAFF_REASON && s->preset < 0 && strlen(s->other) + strlen(utf8) < 200)
        kx_strlcat(s->other, utf8, sizeof s->other);
    else if (s->screen == STAFF_COUNTER) {
        /* receipt numbers: A-Z a-z 0-9 _ - . / # only */
        for (const char *p = utf8; *p; p++) {
            size_t n = strlen(s->receipt);
            int allowed = (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                          (*p >= 'a' && *p <= 'z') || (*p && strchr("_-./#", *p));
            if (allowed && n + 1 < sizeof s->receipt) {
                s->receipt[n] = *p;
                s->receipt[n + 1] = '\0';
            }
        }
    } else if (s->screen == STAFF_MANUAL_ID && s->field == 0 &&
               strlen(s->name) + strlen(utf8) < sizeof s->name)
        kx_strlcat(s->name, utf8, sizeof s->name);
}

void kx_staff_ui_backspace(kx_ui *ui)
{
    kx_staff_ui *s = ui->staff;
    char *t = NULL;
    if (!s)
        return;
    if (s->screen == STAFF_REASON && s->preset < 0)
        t = s->other;
    else if (s->screen == STAFF_COUNTER)
        t = s->receipt;
    else if (s->screen == STAFF_MANUAL_ID && s->field == 0)
        t = s->name;
    if (!t || !*t)
        return;
    size_t n = strlen(t);
    /* remove one whole UTF-8 character */
    do
        n--;
    while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80);
    t[n] = '\0';
}

void kx_staff_ui_draw(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    if (ui->up)
        s->input_ms = ui->now_ms;
    switch (s->screen) {
    case STAFF_LOGIN:
        kx_staff_draw_login(ui, L);
        break;
    case STAFF_PANEL:
        kx_staff_draw_panel(ui, L);
        break;
    case STAFF_REASON:
        kx_staff_draw_reason(ui, L);
        break;
    case STAFF_MANUAL_ID:
        kx_staff_draw_manual_id(ui, L);
        break;
    case MAINT_MENU:
        kx_staff_draw_menu(ui, L);
        break;
    case MAINT_SELFTEST:
        kx_staff_draw_selftest(ui, L);
        break;
    case MAINT_OPEN_TX:
        kx_staff_draw_open_tx(ui, L);
        break;
    case MAINT_SUMMARY:
        kx_staff_draw_summary(ui, L);
        break;
    case MAINT_LOGS:
        kx_staff_draw_paged(ui, L, kx_tr("Recent log"));
        break;
    case MAINT_CONFIG:
        kx_staff_draw_paged(ui, L, kx_tr("Configuration"));
        break;
    case MAINT_VERSION:
        kx_staff_draw_version(ui, L);
        break;
    case MAINT_CONFIRM:
        kx_staff_draw_confirm(ui, L);
        break;
    case STAFF_REAUTH:
        kx_staff_draw_reauth(ui, L);
        break;
    case STAFF_COUNTER:
        kx_staff_draw_counter(ui, L);
        break;
    default:
        break;
    }
}
