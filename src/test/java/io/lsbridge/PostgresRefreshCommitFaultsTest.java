package io.lsbridge;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;

/**
 * {@link RefreshCommitFaultsTest} on PostgreSQL. The database failing a commit is a PL/pgSQL trigger
 * here (H2's Java trigger runs only inside H2): while a connection has failures left, an UPDATE that
 * changes its refresh token raises "connection failure" (SQLState 08006). The counters are sequences,
 * which a rolled-back transaction does not undo.
 */
class PostgresRefreshCommitFaultsTest extends RefreshCommitFaultsTest {
    private final Map<String, Integer> numbers = new ConcurrentHashMap<>();

    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }

    @Override
    protected void installTrigger() {
        execute("CREATE TABLE IF NOT EXISTS commit_fault (connection_id VARCHAR(36) PRIMARY KEY, fail_limit BIGINT NOT NULL,"
                + " tries VARCHAR(64) NOT NULL, failed VARCHAR(64) NOT NULL)");
        execute("CREATE OR REPLACE FUNCTION commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " DECLARE f commit_fault%ROWTYPE;"
                + " BEGIN"
                + "   IF OLD.refresh_token_enc IS DISTINCT FROM NEW.refresh_token_enc THEN"
                + "     SELECT * INTO f FROM commit_fault WHERE connection_id = OLD.id;"
                + "     IF FOUND AND nextval(f.tries::regclass) <= f.fail_limit THEN"
                + "       PERFORM nextval(f.failed::regclass);"
                + "       RAISE EXCEPTION 'database unavailable (test fault)' USING ERRCODE = '08006';"
                + "     END IF;"
                + "   END IF;"
                + "   RETURN NEW;"
                + " END $$");
        execute("CREATE OR REPLACE TRIGGER commit_fault BEFORE UPDATE ON connection FOR EACH ROW EXECUTE FUNCTION commit_fault()");
    }

    @Override
    @AfterAll
    void removeTrigger() {
        execute("DROP TRIGGER IF EXISTS commit_fault ON connection");
    }

    private int number(String connectionId) {
        return numbers.computeIfAbsent(connectionId, id -> {
            int n = numbers.size() + 1;
            execute("CREATE SEQUENCE IF NOT EXISTS commit_fault_tries_" + n);
            execute("CREATE SEQUENCE IF NOT EXISTS commit_fault_failed_" + n);
            return n;
        });
    }

    @Override
    protected void failCommits(String connectionId, int times) {
        int n = number(connectionId);
        rows("SELECT setval('commit_fault_tries_" + n + "', 1, false)");
        execute("INSERT INTO commit_fault (connection_id, fail_limit, tries, failed) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (connection_id) DO UPDATE SET fail_limit = EXCLUDED.fail_limit",
                connectionId, (long) times, "commit_fault_tries_" + n, "commit_fault_failed_" + n);
    }

    @Override
    protected int failedCommits(String connectionId) {
        int n = number(connectionId);
        return ((Number) rows("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM commit_fault_failed_" + n)
                .get(0).get(0)).intValue();
    }
}
