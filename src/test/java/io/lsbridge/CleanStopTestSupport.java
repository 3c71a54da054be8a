package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A clean stop loses nothing (issue 9, item 3): a node refreshing rotating connections in a storm (all due
 * at once, the sandbox taking 1.5 s per token call) gets SIGTERM, the way a deploy, {@code kill PID} or
 * Ctrl-C stops {@code camel run} (Camel's JVM shutdown hook stops the context; README "How a node stops").
 * It must let the refreshes it had in flight commit within camel.main.shutdownTimeout (the lease; nothing
 * forced), start no new one, answer the API call in flight before its HTTP server stops, leave no lease
 * behind and exit.
 */
abstract class CleanStopTestSupport {
    static final int LEASE_SECONDS = 15;
    /** bridge.refresh.parallelism (the default): the most refreshes a node runs at once. */
    static final int PARALLELISM = 16;
    /** camel.main.extraShutdownTimeout (the default config). */
    static final int EXTRA_SECONDS = 15;
    static final long LATENCY_MILLIS = 1500;

    /** What a stop showed. */
    record Stop(long callsAtSigterm, int inFlight, long inFlightCommitted, long committedAfter, long stopMillis, long leftLeased) {
        @Override
        public String toString() {
            String held = inFlight < 0 ? "the node held its H2 file alone (its leases not read)"
                    : String.format(Locale.ROOT, "the node held %d leases (refreshes in flight), %d of them ACTIVE and refreshed"
                    + " after the stop", inFlight, inFlightCommitted);
            return String.format(Locale.ROOT, "SIGTERM after %d refresh calls: %s, %d refreshes committed after SIGTERM,"
                    + " exited in %d ms (bound %d + %d s), left %d leases", callsAtSigterm, held, committedAfter,
                    stopMillis, LEASE_SECONDS, EXTRA_SECONDS, leftLeased);
        }
    }

    /**
     * Waits until the node is in the middle of the storm (holding leases) with an operator's call in flight
     * ({@code POST /connections/{id}/refresh}, waiting on its token call), sends it SIGTERM, and checks its stop.
     * {@code lookIn}: this JVM may read the database while the node runs (PostgreSQL); else (a node holding
     * its H2 file alone) the storm is judged by the sandbox's count, and the rows are read after the exit.
     */
    static Stop sigtermMidStorm(RotatingFleet fleet, NodeProcess node, long calls0, boolean lookIn) throws Exception {
        CompletableFuture<HttpResponse<String>> call = null;
        List<String> inFlight = List.of();
        if (lookIn) {
            awaitTrue("refreshing under way with the node holding leases", 120_000,
                    () -> fleet.refreshCalls() - calls0 >= 40 && fleet.leasedBy(node) >= 4);
            // an API call in flight at SIGTERM: a refresh-now of the connection due last, answered once its token call is
            String last = fleet.lastDue();
            call = CompletableFuture.supplyAsync(
                    () -> Browser.call("POST", node.base() + "/connections/" + last + "/refresh", "sandbox-api-key", null));
            CompletableFuture<HttpResponse<String>> pending = call;
            awaitTrue("the operator's refresh-now holding its lease on the node", 30_000,
                    () -> pending.isDone() || fleet.idsLeasedBy(node).contains(last));
            assertTrue(!call.isDone(), () -> "the refresh-now call was still in flight: " + pending.join().body());
            inFlight = fleet.idsLeasedBy(node);
        } else {
            // the node refreshes PARALLELISM at a time: past 40 calls of hundreds due, it has a full set in flight
            awaitTrue("refreshing under way", 120_000, () -> fleet.refreshCalls() - calls0 >= 40);
        }
        OffsetDateTime sigtermAt = OffsetDateTime.now(ZoneOffset.UTC);
        long callsAtSigterm = fleet.refreshCalls() - calls0;
        long stopMillis = node.terminate(LEASE_SECONDS + 60);
        long committedAfter = fleet.count("SELECT COUNT(*) FROM connection_event WHERE event_type IN ('REFRESHED', 'REFRESH_NOT_YET')"
                + " AND detail LIKE ? AND occurred_at >= ?", "%(by node-" + node.pid() + "@%", sigtermAt);
        long leftLeased = fleet.leasedBy(node);
        long inDoubt = fleet.count("SELECT COUNT(*) FROM connection WHERE refresh_in_doubt = TRUE OR status <> 'ACTIVE'");
        long inFlightCommitted = 0;
        for (String id : inFlight) {
            inFlightCommitted += fleet.count("SELECT COUNT(*) FROM connection WHERE id = ? AND status = 'ACTIVE'"
                    + " AND refresh_count >= 1 AND lease_owner IS NULL AND refresh_in_doubt = FALSE", id);
        }
        // -1: not read (the node held its H2 file alone)
        Stop stop = new Stop(callsAtSigterm, lookIn ? inFlight.size() : -1, inFlightCommitted, committedAfter, stopMillis, leftLeased);
        System.out.println(stop);
        if (call != null) {
            HttpResponse<String> answer = call.join();
            System.out.println("the refresh-now call in flight at SIGTERM was answered " + answer.statusCode() + " " + answer.body());
            assertEquals(200, answer.statusCode(), () -> "an API call in flight at SIGTERM is answered before the HTTP server"
                    + " stops: " + answer.body());
        }

        String log = Files.readString(node.logFile().toPath());
        assertTrue(stopMillis >= 0, "the node exited after SIGTERM (it was killed after " + (LEASE_SECONDS + 60) + " s)");
        assertTrue(log.contains("JVM shutdown hook triggered by SIGTERM"), "Camel's shutdown hook stopped the node");
        assertTrue(!log.contains("Timeout occurred during graceful shutdown"),
                "what the node had in flight ended within camel.main.shutdownTimeout (the lease): nothing was forced");
        assertTrue(stopMillis < (LEASE_SECONDS + EXTRA_SECONDS) * 1000L, "the node exited within camel.main.shutdownTimeout"
                + " + camel.main.extraShutdownTimeout: " + stop);
        assertEquals(0, leftLeased, "a clean stop leaves no lease behind: " + stop);
        assertEquals(inFlight.size(), inFlightCommitted, "every refresh in flight at SIGTERM committed: " + stop);
        assertEquals(0, inDoubt, "no row left in doubt or needing re-authorization by the stop: " + stop);
        assertTrue(committedAfter >= 1, "the node had refreshes to finish after SIGTERM (else this test proves nothing)");
        // at most the PARALLELISM running when the stop began, plus the few started between this test's clock
        // reading and the node's shutdown hook starting the stop; the queued rest (a hundred or more) never start
        assertTrue(committedAfter <= 2 * PARALLELISM, "a stopping node starts no new refresh: it only finishes the ones"
                + " running (at most the loop's " + PARALLELISM + ", and those started before the signal reached it): " + stop);
        return stop;
    }

    /** After the storm: nothing needs re-authorization, no refresh token was used twice, each connection refreshed exactly once. */
    static void assertNothingLost(RotatingFleet fleet, long calls0, long revoked0, Stop stop, String what) throws Exception {
        long reauth = fleet.count("SELECT COUNT(*) FROM connection WHERE status <> 'ACTIVE'");
        long revoked = fleet.revokedUses() - revoked0;
        long calls = fleet.refreshCalls() - calls0;
        long commits = fleet.count("SELECT COUNT(*) FROM connection_event WHERE event_type IN ('REFRESHED', 'REFRESH_NOT_YET')");
        System.out.printf(Locale.ROOT, "%s: %d connections, %d refresh calls, %d refreshes committed, %d NEEDS_REAUTH,"
                        + " %d revoked refresh-token uses; leases held at SIGTERM %s, committed after it %d; stopped in %d ms%n", what,
                fleet.seeded(), calls, commits, reauth, revoked, stop.inFlight() < 0 ? "not read" : Integer.toString(stop.inFlight()),
                stop.committedAfter(), stop.stopMillis());
        assertEquals(0, reauth, "no connection needs re-authorization after a clean stop");
        assertEquals(0, revoked, "no refresh token was used twice at the sandbox");
        assertEquals(fleet.seeded(), commits, "each connection refreshed exactly once");
        assertEquals(calls, commits, "every refresh call's answer was committed: none lost");
    }

    static NodeProcess start(RotatingFleet fleet, String name, int port) {
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
