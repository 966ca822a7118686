/* SPDX-License-Identifier: MIT */
/*
 * journal.c - the write-ahead journal on SQLite (journal.h).
 *
 * Map: open/close and schema; sessions; transactions; listing; spool.
 * Every write is its own transaction (autocommit) under WAL with
 * synchronous=FULL, so it is durable when sqlite3_step returns DONE.
 * Never stores a PIN or personal data.
 */
#include "journal.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"

struct kx_journal {
    sqlite3 *db;
    pthread_mutex_t mu;
    char path[4096];
};

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS sessions("
    " id TEXT PRIMARY KEY, service TEXT NOT NULL, case_id TEXT NOT NULL DEFAULT '',"
    " order_id TEXT NOT NULL DEFAULT '', token_serial TEXT NOT NULL DEFAULT '',"
    " old_serial TEXT NOT NULL DEFAULT '', new_serial TEXT NOT NULL DEFAULT '',"
    " outcome TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, ended INTEGER NOT NULL "
    "DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS tx("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL REFERENCES sessions(id),"
    " kind TEXT NOT NULL, idem_key TEXT NOT NULL UNIQUE, status INTEGER NOT NULL DEFAULT 0,"
    " ref TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '',"
    " amount_fen INTEGER NOT NULL DEFAULT 0, error INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS tx_session ON tx(session, kind);"
    "CREATE INDEX IF NOT EXISTS tx_status ON tx(status);"
    "CREATE TABLE IF NOT EXISTS spool("
    " path TEXT PRIMARY KEY, session TEXT NOT NULL, doc TEXT NOT NULL, created INTEGER NOT "
    "NULL);"
    "CREATE TABLE IF NOT EXISTS staff_actions("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, staff_id TEXT NOT NULL,"
    " role TEXT NOT NULL, action TEXT NOT NULL, session TEXT NOT NULL DEFAULT '',"
    " tx_id INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',"
    " detail TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS staff_actions_at ON staff_actions(at);"
    "PRAGMA user_version = 1;";

const char *kx_journal_status_name(kx_tx_status st)
{
    switch (st) {
    case KX_TX_OPEN:
        return "open";
    case KX_TX_DONE:
        return "done";
    case KX_TX_FAILED:
        return "failed";
    case KX_TX_COMPENSATED:
        return "compensated";
    }
    return "unknown";
}

static kx_err journal_fail(kx_journal *j, const char *what)
{
    kx_err_set_detail("journal %s: %s", what, sqlite3_errmsg(j->db));
    kx_log_error("journal.error", "what=%s sqlite=\"%s\"", what, sqlite3_errmsg(j->db));
    return KX_ERR_JOURNAL;
}

kx_err kx_journal_open(const char *state_dir, kx_journal **out)
{
    kx_journal *j = calloc(1, sizeof *j);
    if (!j)
        return KX_ERR_NO_MEMORY;
    pthread_mutex_init(&j->mu, NULL);
    if ((size_t)snprintf(j->path, sizeof j->path, "%s/journal.db", state_dir) >=
        sizeof j->path) {
        free(j);
        return KX_ERR_INVALID_ARG;
    }
    if (sqlite3_open_v2(j->path, &j->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        kx_err_set_detail("journal open %s: %s", j->path,
                          j->db ? sqlite3_errmsg(j->db) : "out of memory");
        sqlite3_close(j->db);
        free(j);
        return KX_ERR_JOURNAL;
    }
    sqlite3_busy_timeout(j->db, 5000);
    char *msg = NULL;
    /* The journal only grows (a row per session and step, kept for the
     * day's summary and the metrics) and kioskd runs for months: the page
     * cache is bounded explicitly, well below SQLite's default of 2000
     * KiB, so kioskd's memory does not follow the file's size (issue #11;
     * pages beyond it are re-read from the OS's cache). */
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
             " PRAGMA cache_size=-%d;",
             KX_JOURNAL_CACHE_KIB);
    if (sqlite3_exec(j->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(j->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        kx_err_set_detail("journal schema %s: %s", j->path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(j->db);
        free(j);
        return KX_ERR_JOURNAL;
    }
    *out = j;
    return KX_OK;
}

void kx_journal_close(kx_journal *j)
{
    if (!j)
        return;
    sqlite3_close(j->db);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

const char *kx_journal_path(const kx_journal *j)
{
    return j->path;
}

/* run one statement with text/int64 parameters described by types
 * ("t" text, "i" int64); returns rows changed in *changes */
static kx_err journal_exec(kx_journal *j, const char *sql, const char *types,
                           const void *const *args, int *changes, int64_t *rowid)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_OK;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = journal_fail(j, "prepare");
        goto out;
    }
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't')
            sqlite3_bind_text(st, i + 1, args[i] ? args[i] : "", -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, i + 1, *(const int64_t *)args[i]);
    }
    int s = sqlite3_step(st);
    if (s == SQLITE_CONSTRAINT) {
        rc = KX_ERR_RA_CONFLICT;
        kx_err_set_detail("journal: constraint: %s", sqlite3_errmsg(j->db));
        goto out;
    }
    if (s != SQLITE_DONE) {
        rc = journal_fail(j, "step");
        goto out;
    }
    if (changes)
        *changes = sqlite3_changes(j->db);
    if (rowid)
        *rowid = sqlite3_last_insert_rowid(j->db);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    return rc;
}

kx_err kx_journal_session_begin(kx_journal *j, const char *session, const char *service)
{
    int64_t now = (int64_t)time(NULL);
    const void *args[] = {session, service, &now};
    return journal_exec(j, "INSERT INTO sessions(id, service, created) VALUES(?,?,?)", "tti",
                        args, NULL, NULL);
}

kx_err kx_journal_session_set(kx_journal *j, const char *session, const char *field,
                              const char *value)
{
    static const char *const fields[] = {"case_id", "order_id", "token_serial", "old_serial",
                                         "new_serial"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (field && strcmp(field, fields[i]) == 0) {
            char sql[128];
            snprintf(sql, sizeof sql, "UPDATE sessions SET %s=? WHERE id=?", fields[i]);
            const void *args[] = {value, session};
            int n = 0;
            kx_err rc = journal_exec(j, sql, "tt", args, &n, NULL);
            return rc ? rc : (n ? KX_OK : KX_ERR_NOT_FOUND);
        }
    return KX_ERR_INVALID_ARG;
}

kx_err kx_journal_session_end(kx_journal *j, const char *session, const char *outcome)
{
    int64_t now = (int64_t)time(NULL);
    const void *args[] = {outcome, &now, session};
    int n = 0;
    kx_err rc = journal_exec(j, "UPDATE sessions SET outcome=?, ended=? WHERE id=?", "tit",
                             args, &n, NULL);
    return rc ? rc : (n ? KX_OK : KX_ERR_NOT_FOUND);
}

static void col_text(sqlite3_stmt *st, int col, char *out, size_t outsz)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    kx_strlcpy(out, t ? (const char *)t : "", outsz);
}

kx_err kx_journal_session_get(kx_journal *j, const char *session, kx_journal_session *out)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_ERR_NOT_FOUND;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db,
                           "SELECT id, service, case_id, order_id, token_serial, old_serial,"
                           " new_serial, outcome, created, ended FROM sessions WHERE id=?",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = journal_fail(j, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, session, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        col_text(st, 0, out->id, sizeof out->id);
        col_text(st, 1, out->service, sizeof out->service);
        col_text(st, 2, out->case_id, sizeof out->case_id);
        col_text(st, 3, out->order_id, sizeof out->order_id);
        col_text(st, 4, out->token_serial, sizeof out->token_serial);
        col_text(st, 5, out->old_serial, sizeof out->old_serial);
        col_text(st, 6, out->new_serial, sizeof out->new_serial);
        col_text(st, 7, out->outcome, sizeof out->outcome);
        out->created = sqlite3_column_int64(st, 8);
        out->ended = sqlite3_column_int64(st, 9);
        rc = KX_OK;
    } else if (s != SQLITE_DONE) {
        rc = journal_fail(j, "session_get");
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    return rc;
}

kx_err kx_journal_intent(kx_journal *j, const char *session, const char *kind,
                         const char *idem_key, const char *ref, int64_t amount_fen,
                         int64_t *tx_id_out)
{
    int64_t now = (int64_t)time(NULL), rowid = 0;
    const void *args[] = {session, kind, idem_key, ref, &amount_fen, &now, &now};
    kx_err rc = journal_exec(j,
                             "INSERT INTO tx(session, kind, idem_key, ref, amount_fen, created,"
                             " updated) VALUES(?,?,?,?,?,?,?)",
                             "ttttiii", args, NULL, &rowid);
    if (rc)
        return rc;
    if (tx_id_out)
        *tx_id_out = rowid;
    kx_log_info("journal.intent", "tx=%lld session=%s kind=%s", (long long)rowid, session,
                kind);
    return KX_OK;
}

kx_err kx_journal_outcome(kx_journal *j, int64_t tx_id, kx_tx_status status, const char *result,
                          kx_err error)
{
    int64_t now = (int64_t)time(NULL), st = status, er = error;
    const void *args[] = {&st, result, &er, &now, &tx_id};
    int n = 0;
    kx_err rc =
        journal_exec(j, "UPDATE tx SET status=?, result=?, error=?, updated=? WHERE id=?",
                     "itiii", args, &n, NULL);
    if (rc)
        return rc;
    if (!n)
        return KX_ERR_NOT_FOUND;
    kx_log_info("journal.outcome", "tx=%lld status=%s error=%s", (long long)tx_id,
                kx_journal_status_name(status), kx_err_name(error));
    return KX_OK;
}

#define TX_COLUMNS                                                                             \
    "SELECT tx.id, tx.session, sessions.service, tx.kind, tx.idem_key, tx.status, tx.ref,"     \
    " tx.result, tx.amount_fen, tx.error, tx.created, tx.updated FROM tx"                      \
    " JOIN sessions ON sessions.id = tx.session "

static void tx_from_row(sqlite3_stmt *st, kx_journal_tx *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, t->session, sizeof t->session);
    col_text(st, 2, t->service, sizeof t->service);
    col_text(st, 3, t->kind, sizeof t->kind);
    col_text(st, 4, t->idem_key, sizeof t->idem_key);
    t->status = (kx_tx_status)sqlite3_column_int(st, 5);
    col_text(st, 6, t->ref, sizeof t->ref);
    col_text(st, 7, t->result, sizeof t->result);
    t->amount_fen = sqlite3_column_int64(st, 8);
    t->error = sqlite3_column_int(st, 9);
    t->created = sqlite3_column_int64(st, 10);
    t->updated = sqlite3_column_int64(st, 11);
}

/* query returning tx rows; binds: text params in order */
static kx_err journal_query_tx(kx_journal *j, const char *sql, const char *const *params,
                               int n_params, kx_journal_tx *out, size_t max, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_OK;
    size_t n = 0;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = journal_fail(j, "prepare");
        goto out;
    }
    for (int i = 0; i < n_params; i++)
        sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && n < max)
        tx_from_row(st, &out[n++]);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = journal_fail(j, "query");
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    *n_out = n;
    return rc;
}

kx_err kx_journal_tx_get(kx_journal *j, int64_t tx_id, kx_journal_tx *out)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)tx_id);
    const char *p[] = {id};
    size_t n = 0;
    kx_err rc =
        journal_query_tx(j, TX_COLUMNS "WHERE tx.id = CAST(? AS INTEGER)", p, 1, out, 1, &n);
    return rc ? rc : (n ? KX_OK : KX_ERR_NOT_FOUND);
}

kx_err kx_journal_last(kx_journal *j, const char *session, const char *kind, kx_journal_tx *out)
{
    const char *p[] = {session, kind};
    size_t n = 0;
    kx_err rc = journal_query_tx(j,
                                 TX_COLUMNS "WHERE tx.session=? AND tx.kind=?"
                                            " ORDER BY tx.id DESC LIMIT 1",
                                 p, 2, out, 1, &n);
    return rc ? rc : (n ? KX_OK : KX_ERR_NOT_FOUND);
}

kx_err kx_journal_list(kx_journal *j, int open_only, const char *session, kx_journal_tx *out,
                       size_t max, size_t *n_out)
{
    const char *p[] = {session};
    const char *sql;
    if (open_only && session)
        sql = TX_COLUMNS "WHERE tx.status=0 AND tx.session=? ORDER BY tx.id DESC";
    else if (open_only)
        sql = TX_COLUMNS "WHERE tx.status=0 ORDER BY tx.id DESC";
    else if (session)
        sql = TX_COLUMNS "WHERE tx.session=? ORDER BY tx.id DESC";
    else
        sql = TX_COLUMNS "ORDER BY tx.id DESC";
    return journal_query_tx(j, sql, p, session ? 1 : 0, out, max, n_out);
}

/* list one text column of a query */
static kx_err journal_query_text(kx_journal *j, const char *sql, const char *param, char *out,
                                 size_t width, size_t max, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_OK;
    size_t n = 0;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = journal_fail(j, "prepare");
        goto out;
    }
    if (param)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && n < max)
        col_text(st, 0, out + width * n++, width);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = journal_fail(j, "query");
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    *n_out = n;
    return rc;
}

kx_err kx_journal_open_sessions(kx_journal *j, char (*ids)[KX_JOURNAL_ID_MAX], size_t max,
                                size_t *n_out)
{
    return journal_query_text(j,
                              "SELECT id FROM sessions WHERE outcome='' ORDER BY created, id",
                              NULL, &ids[0][0], KX_JOURNAL_ID_MAX, max, n_out);
}

kx_err kx_journal_count_open(kx_journal *j, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_OK;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db, "SELECT count(*) FROM tx WHERE status=0", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        rc = journal_fail(j, "count");
    else
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    return rc;
}

kx_err kx_journal_spool_add(kx_journal *j, const char *session, const char *doc,
                            const char *path)
{
    int64_t now = (int64_t)time(NULL);
    const void *args[] = {path, session, doc, &now};
    return journal_exec(j,
                        "INSERT OR REPLACE INTO spool(path, session, doc, created)"
                        " VALUES(?,?,?,?)",
                        "ttti", args, NULL, NULL);
}

static void spool_unlink(const char *path)
{
    if (unlink(path) != 0 && errno != ENOENT)
        kx_log_warn("journal.spool_unlink", "path=%s errno=%d", path, errno);
}

kx_err kx_journal_spool_ack(kx_journal *j, const char *path)
{
    spool_unlink(path);
    const void *args[] = {path};
    return journal_exec(j, "DELETE FROM spool WHERE path=?", "t", args, NULL, NULL);
}

kx_err kx_journal_spool_reassign(kx_journal *j, const char *path, const char *session)
{
    const void *args[] = {session, path};
    return journal_exec(j, "UPDATE spool SET session=? WHERE path=?", "tt", args, NULL, NULL);
}

kx_err kx_journal_spool_list(kx_journal *j, const char *session,
                             char (*paths)[KX_JOURNAL_TEXT_MAX], size_t max, size_t *n_out)
{
    return journal_query_text(j,
                              session
                                  ? "SELECT path FROM spool WHERE session=? ORDER BY created"
                                  : "SELECT path FROM spool ORDER BY created",
                              session, &paths[0][0], KX_JOURNAL_TEXT_MAX, max, n_out);
}

kx_err kx_journal_spool_purge_session(kx_journal *j, const char *session)
{
    char paths[64][KX_JOURNAL_TEXT_MAX];
    size_t n = 0;
    kx_err rc;
    do {
        rc = kx_journal_spool_list(j, session, paths, 64, &n);
        for (size_t i = 0; !rc && i < n; i++)
            rc = kx_journal_spool_ack(j, paths[i]);
    } while (!rc && n == 64);
    return rc;
}

/* ---- staff actions (assisted mode, maintenance) ---- */

kx_err kx_journal_staff_record(kx_journal *j, const kx_journal_staff_action *a, int64_t *id_out)
{
    int64_t at = a->at ? a->at : (int64_t)time(NULL);
    const void *args[] = {&at,       a->staff_id, a->role,   a->action, a->session,
                          &a->tx_id, a->reason,   a->detail, a->outcome};
    return journal_exec(j,
                        "INSERT INTO staff_actions(at, staff_id, role, action, session, tx_id,"
                        " reason, detail, outcome) VALUES(?,?,?,?,?,?,?,?,?)",
                        "ittttittt", args, NULL, id_out);
}

kx_err kx_journal_staff_list(kx_journal *j, int64_t since, kx_journal_staff_action *out,
                             size_t max, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_OK;
    size_t n = 0;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db,
                           "SELECT id, at, staff_id, role, action, session, tx_id, reason,"
                           " detail, outcome FROM staff_actions WHERE at >= ? ORDER BY id DESC",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = journal_fail(j, "prepare");
        goto out;
    }
    sqlite3_bind_int64(st, 1, since);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && n < max) {
        kx_journal_staff_action *a = &out[n++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(st, 0);
        a->at = sqlite3_column_int64(st, 1);
        col_text(st, 2, a->staff_id, sizeof a->staff_id);
        col_text(st, 3, a->role, sizeof a->role);
        col_text(st, 4, a->action, sizeof a->action);
        col_text(st, 5, a->session, sizeof a->session);
        a->tx_id = sqlite3_column_int64(st, 6);
        col_text(st, 7, a->reason, sizeof a->reason);
        col_text(st, 8, a->detail, sizeof a->detail);
        col_text(st, 9, a->outcome, sizeof a->outcome);
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = journal_fail(j, "query");
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    *n_out = n;
    return rc;
}

kx_err kx_journal_session_counts(kx_journal *j, int64_t since, int64_t until,
                                 kx_journal_count *out, size_t max, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    kx_err rc = KX_OK;
    size_t n = 0;
    pthread_mutex_lock(&j->mu);
    if (sqlite3_prepare_v2(j->db,
                           "SELECT service, CASE outcome WHEN '' THEN 'open' ELSE outcome END,"
                           " count(*) FROM sessions WHERE created >= ? AND created < ?"
                           " GROUP BY 1, 2 ORDER BY 1, 2",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = journal_fail(j, "prepare");
        goto out;
    }
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, until);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && n < max) {
        col_text(st, 0, out[n].service, sizeof out[n].service);
        col_text(st, 1, out[n].outcome, sizeof out[n].outcome);
        out[n].count = sqlite3_column_int64(st, 2);
        n++;
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = journal_fail(j, "query");
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&j->mu);
    *n_out = n;
    return rc;
}

kx_err kx_journal_list_kind(kx_journal *j, const char *kind, int64_t since, int64_t until,
                            kx_journal_tx *out, size_t max, size_t *n_out)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", (long long)since);
    snprintf(b, sizeof b, "%lld", (long long)until);
    const char *p[] = {kind, a, b};
    return journal_query_tx(j,
                            TX_COLUMNS "WHERE tx.kind=? AND tx.created >= CAST(? AS INTEGER)"
                                       " AND tx.created < CAST(? AS INTEGER) ORDER BY tx.id",
                            p, 3, out, max, n_out);
}
