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
    assert_int_equal(kx_journal_intent(j, "S1", "order_create", "k1", "c-1", 30000, &id1), KX_OK);
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
    assert_int_equal(kx_journal_spool_ack(j, a), KX_OK);
    assert_int_not_equal(access(a, F_OK), 0);
    assert_int_equal(access(b, F_OK), 0);
    assert_int_equal(kx_journal_spool_purge_session(j, "S3"), KX_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intent_outcome),
        cmocka_unit_test(test_durable_across_sigkill),
        cmocka_unit_test(test_spool),
        cmocka_unit_test(test_bad_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
