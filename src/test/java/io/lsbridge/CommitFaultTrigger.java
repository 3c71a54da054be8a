package io.lsbridge;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.api.Trigger;

/**
 * Test-only H2 trigger: makes the next N commits of new tokens to one connection fail as if the
 * database had gone away (an UPDATE that changes refresh_token_enc). Other updates pass.
 */
public class CommitFaultTrigger implements Trigger {
    static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
    /** Commits refused so far, per connection id. */
    static final Map<String, AtomicInteger> FAILED = new ConcurrentHashMap<>();
    /** Column index of refresh_token_enc in the connection table (V1__connections.sql). */
    private static final int REFRESH_TOKEN_ENC = 7;

    static int failed(String connectionId) {
        AtomicInteger n = FAILED.get(connectionId);
        return n == null ? 0 : n.get();
    }

    static void failCommits(String connectionId, int times) {
        FAILURES.put(connectionId, new AtomicInteger(times));
    }

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        if (oldRow == null || newRow == null || Objects.equals(oldRow[REFRESH_TOKEN_ENC], newRow[REFRESH_TOKEN_ENC])) {
            return;
        }
        AtomicInteger left = FAILURES.get(String.valueOf(oldRow[0]));
        if (left != null && left.getAndDecrement() > 0) {
            FAILED.computeIfAbsent(String.valueOf(oldRow[0]), k -> new AtomicInteger()).incrementAndGet();
            throw new SQLException("Database is already closed (test fault)", "90098");
        }
    }
}
