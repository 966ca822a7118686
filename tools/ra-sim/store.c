/* SPDX-License-Identifier: MIT */
/*
 * store.c - ra-sim's state in SQLite (state_dir/ra.db): enterprises, cases,
 * documents (metadata and digest only, never the image bytes), orders
 * (with the counter payments staff recorded), staff approvals of cases,
 * certificates, tokens, idempotency records and effect counters.
 *
 * Callers hold sim->lock; the single connection is used by one request at
 * a time. The simulation clock is lazy: store_tick() applies auto-approve,
 * auto-pay and order expiry whenever a request arrives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

static const char store_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS enterprises(credit_code TEXT PRIMARY KEY, name TEXT,"
    " address TEXT, legal_rep TEXT, status TEXT);"
    "CREATE TABLE IF NOT EXISTS cases(id TEXT PRIMARY KEY, service TEXT, credit_code TEXT,"
    " company TEXT, agent_name TEXT, agent_idnum TEXT, phone TEXT, email TEXT,"
    " agreement_at INTEGER, token_serial TEXT, old_serial TEXT, state TEXT,"
    " reject_reason TEXT, fee INTEGER, cert_serial TEXT, created INTEGER, updated INTEGER,"
    " submitted INTEGER);"
    "CREATE TABLE IF NOT EXISTS documents(id TEXT PRIMARY KEY, case_id TEXT, kind TEXT,"
    " media_type TEXT, sha256 TEXT, size INTEGER, width_mm REAL, height_mm REAL,"
    " UNIQUE(case_id, kind));"
    "CREATE TABLE IF NOT EXISTS orders(id TEXT PRIMARY KEY, case_id TEXT, state TEXT,"
    " amount INTEGER, qr TEXT, created INTEGER, expires INTEGER, paid_at INTEGER,"
    " refunded INTEGER, refund_id TEXT, refund_reason TEXT);"
    "CREATE TABLE IF NOT EXISTS counter_payments(order_id TEXT PRIMARY KEY, staff_id TEXT,"
    " receipt_no TEXT, method TEXT, amount INTEGER, reason TEXT, at INTEGER);"
    "CREATE TABLE IF NOT EXISTS staff_approvals(case_id TEXT PRIMARY KEY, kiosk_id TEXT,"
    " staff_id TEXT, reason TEXT, at INTEGER);"
    "CREATE TABLE IF NOT EXISTS certs(serial TEXT PRIMARY KEY, case_id TEXT,"
    " credit_code TEXT, subject TEXT, pem TEXT, not_before INTEGER, not_after INTEGER,"
    " status TEXT, revoked_at INTEGER, reason INTEGER);"
    "CREATE TABLE IF NOT EXISTS tokens(serial TEXT PRIMARY KEY, so_pin TEXT,"
    " released INTEGER DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS idem(key TEXT PRIMARY KEY, method TEXT, path TEXT,"
    " body_sha TEXT, status INTEGER, reply BLOB, ctype TEXT, created INTEGER);"
    "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);";

/* Columns added after the first schema: added to databases of older
 * ra-sim versions (and to new ones, through the same path). */
static const char *const store_columns[][2] = {
    {"cases", "cert_profile TEXT DEFAULT ''"},
    {"cases", "agreement_version TEXT DEFAULT ''"},
    {"cases", "revoke_reason INTEGER DEFAULT -1"},
    {"cases", "revoke_done INTEGER DEFAULT 0"},
    {"documents", "data BLOB"},
    {"orders", "refunded_at INTEGER DEFAULT 0"},
    {"certs", "profile TEXT DEFAULT ''"},
    {"certs", "usage TEXT DEFAULT 'general'"},
    {"certs", "pair TEXT DEFAULT ''"},
    {"certs", "ca TEXT DEFAULT 'main'"},
    {"certs", "token_serial TEXT DEFAULT ''"},
};

static int store_has_column(sim *s, const char *table, const char *column)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st = store_prep(s, sql, "");
    int found = 0;
    while (!found && st && sqlite3_step(st) == SQLITE_ROW)
        found = strcmp(store_text(st, 1), column) == 0;
    sqlite3_finalize(st);
    return found;
}

static int store_migrate(sim *s)
{
    /* the first schema made certs.case_id UNIQUE; a pair shares its case */
    sqlite3_stmt *st =
        store_prep(s, "SELECT sql FROM sqlite_master WHERE name='certs' AND type='table'", "");
    int old = st && sqlite3_step(st) == SQLITE_ROW &&
              strstr(store_text(st, 0), "case_id TEXT UNIQUE") != NULL;
    sqlite3_finalize(st);
    if (old &&
        store_exec(s, "ALTER TABLE certs RENAME TO certs_v1;"
                      "CREATE TABLE certs(serial TEXT PRIMARY KEY, case_id TEXT,"
                      " credit_code TEXT, subject TEXT, pem TEXT, not_before INTEGER,"
                      " not_after INTEGER, status TEXT, revoked_at INTEGER, reason INTEGER);"
                      "INSERT INTO certs SELECT * FROM certs_v1; DROP TABLE certs_v1;"))
        return -1;
    for (size_t i = 0; i < sizeof store_columns / sizeof store_columns[0]; i++) {
        char column[64], sql[256];
        snprintf(column, sizeof column, "%s", store_columns[i][1]);
        column[strcspn(column, " ")] = '\0';
        if (store_has_column(s, store_columns[i][0], column))
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s", store_columns[i][0],
                 store_columns[i][1]);
        if (store_exec(s, sql))
            return -1;
    }
    return store_exec(s, "CREATE TABLE IF NOT EXISTS case_revocations(case_id TEXT,"
                         " serial TEXT, PRIMARY KEY(case_id, serial));"
                         "CREATE TABLE IF NOT EXISTS seals(case_id TEXT, kind TEXT, es_id TEXT,"
                         " der BLOB, meta TEXT, PRIMARY KEY(case_id, kind));");
}

int store_open(sim *s)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/ra.db", s->state_dir);
    if (sqlite3_open(path, &s->db) != SQLITE_OK) {
        fprintf(stderr, "ra-sim: cannot open %s: %s\n", path, sqlite3_errmsg(s->db));
        return -1;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (store_exec(s, store_schema) || store_migrate(s))
        return -1;
    store_seed(s);
    return 0;
}

void store_close(sim *s)
{
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
}

int store_exec(sim *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "ra-sim: sqlite: %s\n", err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *store_vprep(sim *s, const char *sql, const char *fmt, va_list ap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "ra-sim: sqlite prepare: %s (%s)\n", sqlite3_errmsg(s->db), sql);
        return NULL;
    }
    for (int i = 0; fmt[i]; i++) {
        switch (fmt[i]) {
        case 's': {
            const char *v = va_arg(ap, const char *);
            if (v)
                sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'i':
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
            break;
        case 'd':
            sqlite3_bind_double(st, i + 1, va_arg(ap, double));
            break;
        default:
            sqlite3_finalize(st);
            return NULL;
        }
    }
    return st;
}

sqlite3_stmt *store_prep(sim *s, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = store_vprep(s, sql, fmt, ap);
    va_end(ap);
    return st;
}

int store_run(sim *s, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = store_vprep(s, sql, fmt, ap);
    va_end(ap);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "ra-sim: sqlite step: %s\n", sqlite3_errmsg(s->db));
        return -1;
    }
    return sqlite3_changes(s->db);
}

int store_blob(sim *s, const char *sql, const void *data, size_t len, const char *id)
{
    sqlite3_stmt *st = store_prep(s, sql, "");
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, data, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes(s->db) : -1;
}

const char *store_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

void store_count(sim *s, const char *name, long delta)
{
    store_run(s,
              "INSERT INTO counters(name, value) VALUES(?, ?) "
              "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
              "si", name, (int64_t)delta);
}

json_t *store_counters(sim *s)
{
    json_t *o = json_object();
    sqlite3_stmt *st = store_prep(s, "SELECT name, value FROM counters ORDER BY name", "");
    while (st && sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(o, store_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);
    return o;
}

void store_tick(sim *s)
{
    int64_t now = sim_now();
    int n;
    store_run(s, "UPDATE cases SET state='pending_review', updated=? WHERE state='submitted'",
              "i", now);
    if (s->auto_approve_s >= 0) {
        n = store_run(s,
                      "UPDATE cases SET state='approved', updated=? "
                      "WHERE state='pending_review' AND submitted + ? <= ?",
                      "iii", now, (int64_t)s->auto_approve_s, now);
        if (n > 0)
            store_count(s, "cases_approved", n);
    }
    if (s->auto_pay_s >= 0) {
        n = store_run(s,
                      "UPDATE orders SET state='paid', paid_at=? "
                      "WHERE state='pending' AND created + ? <= ? AND expires > ?",
                      "iiii", now, (int64_t)s->auto_pay_s, now, now);
        if (n > 0)
            store_count(s, "orders_paid", n);
    }
    n = store_run(s, "UPDATE orders SET state='expired' WHERE state='pending' AND expires <= ?",
                  "i", now);
    if (n > 0)
        store_count(s, "orders_expired", n);
    api_apply_revocations(s);
}

/* A few enterprises so lookups work out of the box; the admin listener
 * adds more. Codes pass the GB 32100 check. */
void store_seed(sim *s)
{
    static const char *const seed[][5] = {
        {"91110000600037341L", "Example Electronics Co., Ltd.", "1 Example Road, Beijing",
         "Zhang San", "active"},
        {"91310115MA1K3BTP2B", "Example Trading (Shanghai) Co., Ltd.",
         "2 Example Road, Shanghai", "Li Si", "active"},
        {"9144030071526726XG", "Example Technology (Shenzhen) Co., Ltd.",
         "3 Example Road, Shenzhen", "Wang Wu", "active"},
        {"121200004013590816", "Example Public Institution", "4 Example Road, Tianjin",
         "Zhao Liu", "cancelled"},
    };
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++)
        store_run(s, "INSERT OR IGNORE INTO enterprises VALUES(?, ?, ?, ?, ?)", "sssss",
                  seed[i][0], seed[i][1], seed[i][2], seed[i][3], seed[i][4]);
}

int64_t sim_now(void)
{
    return (int64_t)time(NULL);
}

json_t *sim_time_json(int64_t t)
{
    if (t <= 0)
        return json_null();
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

void reply_json(sim_reply *r, int status, json_t *body)
{
    r->status = status;
    json_decref(r->json);
    r->json = body;
}

void reply_error(sim_reply *r, int status, const char *code, const char *message)
{
    reply_json(r, status,
               json_pack("{s:s, s:s, s:b}", "code", code, "message", message, "retryable",
                         status >= 500 || status == 429));
}
