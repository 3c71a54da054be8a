package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Properties;

import com.zaxxer.hikari.HikariDataSource;

import org.junit.jupiter.api.Test;

/**
 * {@link StorageTest} on PostgreSQL: the lease, commit-if-current and consume races under READ COMMITTED;
 * and a bridge that stops leaves no session open on the database.
 */
class PostgresStorageTest extends StorageTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }

    @Test
    void aStoppedBridgeLeavesNoSessionOnTheDatabase() throws Exception {
        TestDatabase db = TestDatabase.postgres("stopped");
        Properties p = db.bridgeProperties();
        p.setProperty("bridge.encryption.sandbox-key-file", dbFile + "-stopped.key");
        p.setProperty("camel.main.name", "lightspeed-oauth-bridge-stopped");
        try (HikariDataSource watcher = db.open(1)) {
            try (InProcessBridge bridge = new InProcessBridge(freePort(), p)) {
                assertTrue(sessions(watcher) >= 1, "the running bridge has its pools open");
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (sessions(watcher) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(sessions(watcher) == 0, "sessions left open after the bridge stopped: " + sessions(watcher));
        }
    }

    /** Sessions on this database other than the watcher's own. */
    private static int sessions(HikariDataSource watcher) throws Exception {
        try (Connection c = watcher.getConnection(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
