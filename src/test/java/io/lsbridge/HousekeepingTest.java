package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** The housekeeping route deletes authorization requests expired past their retention, and old events. */
class HousekeepingTest extends BridgeTestSupport {

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.housekeeping.interval-ms", "500");
        p.setProperty("bridge.housekeeping.authorization-request-retention-seconds", "3600");
        p.setProperty("bridge.housekeeping.event-retention-days", "30");
        return p;
    }

    private static OffsetDateTime ago(long seconds) {
        return Instant.now().minusSeconds(seconds).atOffset(ZoneOffset.UTC);
    }

    private int count(String sql, Object... args) {
        return ((Number) rows(sql, args).get(0).get(0)).intValue();
    }

    @Test
    void expiredAuthorizationRequestsAndOldEventsAreDeleted() {
        String insert = "INSERT INTO authorization_request (state_hash, profile, browser_binding_hash, created_at, expires_at,"
                + " used_at) VALUES (?, 'x-series', 'b', ?, ?, ?)";
        execute(insert, "hk-expired-long-ago", ago(7300), ago(7200), null);
        execute(insert, "hk-used-long-ago", ago(7300), ago(7200), ago(7250));
        execute(insert, "hk-expired-recently", ago(700), ago(100), null);
        execute(insert, "hk-pending", ago(10), ago(-600), null);
        String event = "INSERT INTO connection_event (connection_id, occurred_at, event_type, detail) VALUES (?, ?, 'TEST', 'x')";
        execute(event, "hk-connection", ago(31 * 86400L));
        execute(event, "hk-connection", ago(29 * 86400L));

        await("the old rows are deleted", 10_000, () -> count("SELECT COUNT(*) FROM authorization_request WHERE state_hash"
                + " LIKE 'hk-%'") == 2 && count("SELECT COUNT(*) FROM connection_event WHERE connection_id = 'hk-connection'") == 1);
        assertEquals(1, count("SELECT COUNT(*) FROM authorization_request WHERE state_hash = 'hk-expired-recently'"),
                "kept within its retention: a late callback still gets 'expired'");
        assertEquals(1, count("SELECT COUNT(*) FROM authorization_request WHERE state_hash = 'hk-pending'"));
        assertEquals(1, count("SELECT COUNT(*) FROM connection_event WHERE connection_id = 'hk-connection' AND occurred_at > ?",
                ago(30 * 86400L)));
    }
}
