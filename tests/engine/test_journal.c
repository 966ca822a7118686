/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the write-ahead journal (kiosk/engine/journal.c) on a real
 * SQLite file: intents survive a SIGKILL of the writer, keys are unique,
 * outcomes close transactions, spooled scans are deleted when acknowledged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/kx-journal-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_intent_outcome(void **state)
{
    (void)state;
    kx_journal *j;
    assert_int_equal(kx_journal_open(dir, &j), KX_OK);
    assert_int_equal(kx_journal_session_begin(j, "S1", "renew"), KX_OK);
    assert_int_equal(kx_journal_session_begin(j, "S1", "renew"), KX_ERR_RA_CONFLICT);
    int64_t id1, id2;
    assert_int_equal(kx_journal_intent(j, "S1", "order_create", "k1", "c-1", 30000, &id1),
                     KX_OK);
    /* the same key twice is refused: nothing is charged twice */
    assert_int_equal(kx_journal_intent(j, "S1", "order_create", "k1", "c-1", 30000, &id2),
                     KX_ERR_RA_CONFLICT);
    assert_int_equal(kx_journal_intent(j, "S1", "ra_renew", "k2", "o-1", 0, &id2), KX_OK);
    int64_t open = 0;
    assert_int_equal(kx_journal_count_open(j, &open), KX_OK);
    assert_int_equal(open, 2);
    assert_int_equal(kx_journal_outcome(j, id1, KX_TX_DONE, "o-1", KX_OK), KX_OK);
    assert_int_equal(kx_journal_outcome(j, 9999, KX_TX_DONE, "", KX_OK), KX_ERR_NOT_FOUND);
    kx_journal_tx t;
    assert_int_equal(kx_journal_tx_get(j, id1, &t), KX_OK);
    assert_int_equal(t.status, KX_TX_DONE);
    assert_string_equal(t.result, "o-1");
    assert_string_equal(t.service, "renew");
    assert_int_equal(t.amount_fen, 30000);
    assert_int_equal(kx_journal_last(j, "S1", "ra_renew", &t), KX_OK);
    assert_string_equal(t.idem_key, "k2");
    assert_int_equal(t.status, KX_TX_OPEN);
    assert_int_equal(kx_journal_last(j, "S1", "install", &t), KX_ERR_NOT_FOUND);
    kx_journal_tx list[8];
    size_t n = 0;
    assert_int_equal(kx_journal_list(j, 1, NULL, list, 8, &n), KX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].kind, "ra_renew");
    assert_int_equal(kx_journal_list(j, 0, "S1", list, 8, &n), KX_OK);
    assert_int_equal(n, 2);

    assert_int_equal(kx_journal_session_set(j, "S1", "order_id", "o-1"), KX_OK);
    assert_int_equal(kx_journal_session_set(j, "S1", "pin", "123456"), KX_ERR_INVALID_ARG);
    assert_int_equal(kx_journal_session_set(j, "S9", "order_id", "x"), KX_ERR_NOT_FOUND);
    char ids[4][KX_JOURNAL_ID_MAX];
    assert_int_equal(kx_journal_open_sessions(j, ids, 4, &n), KX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kx_journal_session_end(j, "S1", "done"), KX_OK);
    assert_int_equal(kx_journal_open_sessions(j, ids, 4, &n), KX_OK);
    assert_int_equal(n, 0);
    kx_journal_session s;
    assert_int_equal(kx_journal_session_get(j, "S1", &s), KX_OK);
    assert_string_equal(s.order_id, "o-1");
    assert_string_equal(s.outcome, "done");
    kx_journal_close(j);

    /* WAL mode persists in the file */
    sqlite3 *db;
    char path[300];
    snprintf(path, sizeof path, "%s/journal.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* an intent reported durable survives the writer being killed at once */
static void test_durable_across_sigkill(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        kx_journal *j;
        if (kx_journal_open(dir, &j) || kx_journal_session_begin(j, "S2", "new") ||
            kx_journal_intent(j, "S2", "ra_issue", "k-crash", "c-2", 0, NULL))
            _exit(3);
        raise(SIGKILL);
        _exit(4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    kx_journal *j;
    assert_int_equal(kx_journal_open(dir, &j), KX_OK);
    kx_journal_tx t;
    assert_int_equal(kx_journal_last(j, "S2", "ra_issue", &t), KX_OK);
    assert_string_equal(t.idem_key, "k-crash");
    assert_int_equal(t.status, KX_TX_OPEN);
    char ids[4][KX_JOURNAL_ID_MAX];
    size_t n;
    assert_int_equal(kx_journal_open_sessions(j, ids, 4, &n), KX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "S2");
    kx_journal_close(j);
}

static void test_spool(void **state)
{
    (void)state;
    kx_journal *j;
    assert_int_equal(kx_journal_open(dir, &j), KX_OK);
    assert_int_equal(kx_journal_session_begin(j, "S3", "new"), KX_OK);
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/a.png", dir);
    snprintf(b, sizeof b, "%s/b.png", dir);
    FILE *f = fopen(a, "w");
    assert_non_null(f);
    fclose(f);
    f = fopen(b, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(kx_journal_spool_add(j, "S3", "licence", a), KX_OK);
    assert_int_equal(kx_journal_spool_add(j, "S3", "agent_id_front", b), KX_OK);
    char paths[4][KX_JOURNAL_TEXT_MAX];
    size_t n;
    assert_int_equal(kx_journal_spool_list(j, "S3", paths, 4, &n), KX_OK);
    assert_int_equal(n, 2);
    /* a file taken over by another session (a seal sheet after a crash)
     * is that session's: listed and purged with it, not with the first */
    assert_int_equal(kx_journal_spool_reassign(j, b, "S4"), KX_OK);
    assert_int_equal(kx_journal_spool_list(j, "S3", paths, 4, &n), KX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kx_journal_spool_list(j, "S4", paths, 4, &n), KX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(paths[0], b);
    assert_int_equal(kx_journal_spool_purge_session(j, "S3"), KX_OK);
    assert_int_not_equal(access(a, F_OK), 0);
    assert_int_equal(access(b, F_OK), 0);
    assert_int_equal(kx_journal_spool_purge_session(j, "S4"), KX_OK);
    assert_int_not_equal(access(b, F_OK), 0);
    assert_int_equal(kx_journal_spool_list(j, NULL, paths, 4, &n), KX_OK);
    assert_int_equal(n, 0);
    kx_journal_close(j);
}

static void test_bad_dir(void **state)
{
    (void)state;
    kx_journal *j = NULL;
    assert_int_equal(kx_journal_open("/nonexistent/kx/dir", &j), KX_ERR_JOURNAL);
    assert_null(j);
}

/* 8000 finished renewals with three transactions each, as kioskd writes
 * them, in one SQLite transaction (fast; the journal's own calls would
 * fsync each row) */
static const char *const memory_fill_sql =
    "BEGIN;"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 8000)"
    " INSERT INTO sessions(id, service, case_id, order_id, token_serial, old_serial,"
    " new_serial, outcome, created, ended)"
    " SELECT printf('S20260101-%06d-%08x', i, i * 2654435761 % 4294967296), 'renew',"
    " printf('case-%032x', i), printf('order-%032x', i), printf('%016x', i),"
    " printf('%040x', i), printf('%040x', i + 1), 'done', 1767225600 + i * 60,"
    " 1767225600 + i * 60 + 45 FROM n;"
    "INSERT INTO tx(session, kind, idem_key, status, ref, result, amount_fen, created, updated)"
    " SELECT id, k.kind, printf('%s-%s', k.kind, hex(randomblob(16))), 1, case_id, order_id,"
    " 30000, created, ended FROM sessions, (SELECT 'order_create' AS kind UNION ALL"
    " SELECT 'ra_renew' UNION ALL SELECT 'install') AS k;"
    "COMMIT;";

/*
 * Issue #11: kioskd's memory must not follow the journal's size. A journal
 * of thousands of sessions (several MiB, far above the bound) is written
 * directly with SQLite, then kioskd's per-session use (a session with its
 * transactions, the metrics' full counts, a list by kind) runs on it:
 * SQLite's memory grows by at most the page cache bound (plus schema and
 * statements), where SQLite's default cache would take about 2 MiB.
 */
static void test_memory_bounded(void **state)
{
    (void)state;
    char sub[300], db[320];
    snprintf(sub, sizeof sub, "%s/mem", dir);
    snprintf(db, sizeof db, "%s/journal.db", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    kx_journal *j;
    assert_int_equal(kx_journal_open(sub, &j), KX_OK);
    kx_journal_close(j);

    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, memory_fill_sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
    struct stat sb;
    assert_int_equal(stat(db, &sb), 0);
    /* far larger than the bound: an unbounded cache would show */
    assert_true(sb.st_size > 6 * KX_JOURNAL_CACHE_KIB * 1024);

    sqlite3_int64 before = sqlite3_memory_used();
    assert_int_equal(kx_journal_open(sub, &j), KX_OK);
    kx_journal_count counts[16];
    kx_journal_tx *txs = calloc(64, sizeof *txs);
    assert_non_null(txs);
    for (int i = 0; i < 20; i++) {
        char sid[40], key[40];
        int64_t tx;
        size_t n = 0;
        int64_t open = 0;
        snprintf(sid, sizeof sid, "S20270101-%06d", i);
        snprintf(key, sizeof key, "mem-key-%d", i);
        assert_int_equal(kx_journal_session_begin(j, sid, "renew"), KX_OK);
        assert_int_equal(kx_journal_intent(j, sid, "order_create", key, "case", 30000, &tx),
                         KX_OK);
        assert_int_equal(kx_journal_outcome(j, tx, KX_TX_DONE, "order", KX_OK), KX_OK);
        assert_int_equal(kx_journal_session_end(j, sid, "done"), KX_OK);
        assert_int_equal(kx_journal_session_counts(j, 0, INT64_MAX, counts, 16, &n), KX_OK);
        assert_int_equal(n, 1);
        assert_int_equal(counts[0].count, 8001 + i);
        assert_int_equal(kx_journal_count_open(j, &open), KX_OK);
        assert_int_equal(kx_journal_list_kind(j, "install", 0, INT64_MAX, txs, 64, &n), KX_OK);
        assert_int_equal(n, 64);
    }
    sqlite3_int64 grown = sqlite3_memory_used() - before;
    print_message("journal of %lld KiB: SQLite memory grew by %lld KiB (bound %d KiB)\n",
                  (long long)sb.st_size / 1024, (long long)grown / 1024, KX_JOURNAL_CACHE_KIB);
    assert_true(grown <= (KX_JOURNAL_CACHE_KIB + 384) * 1024);
    free(txs);
    kx_journal_close(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intent_outcome), cmocka_unit_test(test_durable_across_sigkill),
        cmocka_unit_test(test_spool),          cmocka_unit_test(test_bad_dir),
        cmocka_unit_test(test_memory_bounded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
