package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/**
 * A clean stop loses nothing (issue 9, item 3). Two bridge processes on one PostgreSQL database refresh
 * 600 rotating connections (X, R, K), all due at once, while the sandbox takes 1.5 s per token call: a
 * refresh storm. One node gets SIGTERM in the middle of it, the way a deploy, {@code kill PID} or Ctrl-C
 * stops {@code camel run} (Camel's JVM shutdown hook stops the context; see README "How a node stops").
 * It must let the refreshes it had in flight commit within camel.main.shutdownTimeout (the lease; nothing
 * forced), start no new one, leave no lease behind and exit; the other node refreshes the rest. At the end: no
 * NEEDS_REAUTH, no refresh token used twice at the sandbox, every connection refreshed.
 */
class PostgresCleanStopTest {
    private static final int CONNECTIONS = 600;
    private static final int LEASE_SECONDS = 15;
    private static final int PARALLELISM = 16;   // bridge.refresh.parallelism (the default)
    private static final int EXTRA_SECONDS = 15;   // camel.main.extraShutdownTimeout

    @Test
    void aNodeStoppedWithSigtermMidStormLetsItsRefreshesInFlightCommit() throws Exception {
        String run = "stop-" + UUID.randomUUID().toString().substring(0, 8);
        // sandbox tokens live 10 minutes: each connection is due once, at the start, and then not again
        try (RotatingFleet fleet = new RotatingFleet(run, TestDatabase.postgres("cleanstop"), CONNECTIONS, 2, 600, 1500,
                LEASE_SECONDS, 20)) {
            long calls0 = fleet.refreshCalls();
            long revoked0 = fleet.revokedUses();
            // both nodes start at once (a node takes 10-60 s to start on a busy machine)
            int portA = RotatingFleet.freePort();
            int portB = RotatingFleet.freePort();
            CompletableFuture<NodeProcess> startA = CompletableFuture.supplyAsync(() -> start(fleet, "a", portA));
            NodeProcess b = start(fleet, "b", portB);
            NodeProcess a = startA.join();

            // in the middle of the storm: well under way, and node a holding leases
            awaitTrue("refreshing under way with node a holding leases", 120_000,
                    () -> fleet.refreshCalls() - calls0 >= 60 && fleet.leasedBy(a) >= 4);
            List<String> inFlight = fleet.idsLeasedBy(a);
            OffsetDateTime sigtermAt = OffsetDateTime.now(ZoneOffset.UTC);
            long callsAtSigterm = fleet.refreshCalls() - calls0;
            long stopMillis = a.terminate(LEASE_SECONDS + 60);
            String owner = "%(by node-" + a.pid() + "@%";
            long committedAfter = fleet.count("SELECT COUNT(*) FROM connection_event WHERE event_type IN ('REFRESHED', 'REFRESH_NOT_YET')"
                    + " AND detail LIKE ? AND occurred_at >= ?", owner, sigtermAt);
            long leftLeased = fleet.leasedBy(a);
            long inFlightCommitted = 0;
            for (String id : inFlight) {
                inFlightCommitted += fleet.count("SELECT COUNT(*) FROM connection WHERE id = ? AND status = 'ACTIVE'"
                        + " AND refresh_count >= 1 AND lease_owner IS NULL", id);
            }
            System.out.printf(Locale.ROOT, "SIGTERM after %d refresh calls: node a held %d leases (refreshes in flight),"
                            + " committed %d refreshes after SIGTERM, exited in %d ms (bound %d s), left %d leases;"
                            + " %d of the %d in flight are ACTIVE and refreshed%n", callsAtSigterm, inFlight.size(), committedAfter,
                    stopMillis, LEASE_SECONDS, leftLeased, inFlightCommitted, inFlight.size());

            String log = java.nio.file.Files.readString(a.logFile().toPath());
            assertTrue(stopMillis >= 0, "node a exited after SIGTERM (it was killed after " + (LEASE_SECONDS + 60) + " s)");
            assertTrue(log.contains("JVM shutdown hook triggered by SIGTERM"), "Camel's shutdown hook stopped node a");
            assertTrue(!log.contains("Timeout occurred during graceful shutdown"),
                    "what node a had in flight ended within camel.main.shutdownTimeout (the lease): nothing was forced");
            assertTrue(stopMillis < (LEASE_SECONDS + EXTRA_SECONDS) * 1000L, "node a exited within camel.main.shutdownTimeout"
                    + " + camel.main.extraShutdownTimeout: " + stopMillis + " ms");
            assertEquals(0, leftLeased, "a clean stop leaves no lease behind");
            assertEquals(inFlight.size(), inFlightCommitted, "every refresh in flight at SIGTERM committed");
            assertTrue(committedAfter >= 1, "node a had refreshes to finish after SIGTERM (else this test proves nothing)");
            assertTrue(committedAfter <= PARALLELISM, "a stopping node starts no new refresh: it only finishes the ones"
                    + " running (at most the loop's " + PARALLELISM + "), committed " + committedAfter);

            // node b refreshes the rest, then stops as cleanly while idle
            awaitTrue("every connection refreshed once", 240_000, () -> fleet.count(
                    "SELECT COUNT(*) FROM connection WHERE refresh_count = 0 OR lease_owner IS NOT NULL") == 0);
            long idleStop = b.terminate(LEASE_SECONDS + 60);
            long reauth = fleet.count("SELECT COUNT(*) FROM connection WHERE status <> 'ACTIVE'");
            long revoked = fleet.revokedUses() - revoked0;
            long calls = fleet.refreshCalls() - calls0;
            long commits = fleet.count("SELECT COUNT(*) FROM connection_event WHERE event_type IN ('REFRESHED', 'REFRESH_NOT_YET')");
            System.out.printf(Locale.ROOT, "clean stop: %d connections, %d refresh calls, %d refreshes committed, %d NEEDS_REAUTH,"
                            + " %d revoked refresh-token uses; in flight at SIGTERM %d, committed after it %d; node a stopped in %d ms,"
                            + " idle node b in %d ms%n", fleet.seeded(), calls, commits, reauth, revoked, inFlight.size(), committedAfter,
                    stopMillis, idleStop);
            assertEquals(0, reauth, "no connection needs re-authorization after a clean stop");
            assertEquals(0, revoked, "no refresh token was used twice at the sandbox");
            assertEquals(fleet.seeded(), commits, "each connection refreshed exactly once");
            assertEquals(calls, commits, "every refresh call's answer was committed: none lost");
            assertTrue(idleStop >= 0 && idleStop < (LEASE_SECONDS + EXTRA_SECONDS) * 1000L, "idle node b stopped: " + idleStop + " ms");
        }
    }

    private static NodeProcess start(RotatingFleet fleet, String name, int port) {
        try {
            return fleet.startNode(name, port);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void awaitTrue(String what, long timeoutMillis, Check check) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!check.holds()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }
}
