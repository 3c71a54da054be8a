package io.lsbridge;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/**
 * A clean stop loses nothing, several nodes on PostgreSQL: two bridge processes on one PostgreSQL database
 * refresh 600 rotating connections (X, R, K), all due at once, the sandbox taking 1.5 s per token call.
 * One node gets SIGTERM in the middle of the storm ({@link CleanStopTestSupport#sigtermMidStorm}); the
 * other refreshes the rest, then stops as cleanly while idle. At the end: no NEEDS_REAUTH, no refresh
 * token used twice at the sandbox, every connection refreshed exactly once.
 */
class PostgresCleanStopTest extends CleanStopTestSupport {

    @Test
    void aNodeStoppedWithSigtermMidStormLetsItsRefreshesInFlightCommit() throws Exception {
        String run = "stop-" + UUID.randomUUID().toString().substring(0, 8);
        // sandbox tokens live 10 minutes: each connection is due once, at the start, and then not again
        try (RotatingFleet fleet = new RotatingFleet(run, TestDatabase.postgres("cleanstop"), 600, 2, 600, LATENCY_MILLIS,
                LEASE_SECONDS, 20)) {
            long calls0 = fleet.refreshCalls();
            long revoked0 = fleet.revokedUses();
            // both nodes start at once (a node takes 10-90 s to start on a busy machine)
            int portA = RotatingFleet.freePort();
            int portB = RotatingFleet.freePort();
            CompletableFuture<NodeProcess> startA = CompletableFuture.supplyAsync(() -> start(fleet, "a", portA));
            NodeProcess b = start(fleet, "b", portB);
            NodeProcess a = startA.join();

            Stop stop = sigtermMidStorm(fleet, a, calls0, true);

            awaitTrue("node b refreshed every connection", 240_000, () -> fleet.count(
                    "SELECT COUNT(*) FROM connection WHERE refresh_count = 0 OR lease_owner IS NOT NULL") == 0);
            long idleStop = b.terminate(LEASE_SECONDS + 60);
            System.out.println("idle node b stopped in " + idleStop + " ms");
            assertNothingLost(fleet, calls0, revoked0, stop, "two nodes on PostgreSQL, one stopped with SIGTERM mid-storm");
            org.junit.jupiter.api.Assertions.assertTrue(idleStop >= 0 && idleStop < (LEASE_SECONDS + EXTRA_SECONDS) * 1000L,
                    "idle node b stopped: " + idleStop + " ms");
        }
    }
}
