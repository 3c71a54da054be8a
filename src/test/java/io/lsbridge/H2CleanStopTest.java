package io.lsbridge;

import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * A clean stop loses nothing, one node on the default H2 file: the node holds the database alone in its
 * own JVM (as {@code camel run} with the shipped bridge.db.url does; the URL's settings are the shipped ones),
 * refreshes 300 rotating connections (X, R, K) all due at once, the sandbox taking 1.5 s per token call,
 * and gets SIGTERM in the middle of the storm ({@link CleanStopTestSupport#sigtermMidStorm}). Then it starts
 * again, as after a deploy, and refreshes the rest. H2 closes its database from its own JVM shutdown hook
 * unless the URL says DB_CLOSE_ON_EXIT=FALSE: without that the commits in flight at SIGTERM fail.
 */
class H2CleanStopTest extends CleanStopTestSupport {

    /** The shipped default URL's settings (after the file name), with the file moved to {@code file}: no AUTO_SERVER. */
    static String shippedUrlFor(String file) throws Exception {
        java.util.Properties shipped = new java.util.Properties();
        try (java.io.FileInputStream in = new java.io.FileInputStream("config/application.properties")) {
            shipped.load(in);
        }
        String url = shipped.getProperty("bridge.db.url").trim();
        int settings = url.indexOf(';');
        return "jdbc:h2:file:./" + file + (settings < 0 ? "" : url.substring(settings));
    }

    @Test
    void aSingleNodeOnItsH2FileStoppedWithSigtermMidStormLosesNothing() throws Exception {
        String run = "h2stop-" + UUID.randomUUID().toString().substring(0, 8);
        TestDatabase db = new TestDatabase(shippedUrlFor("target/test-db/" + run), "sa", "sa");
        try (RotatingFleet fleet = new RotatingFleet(run, db, 300, 2, 600, LATENCY_MILLIS, LEASE_SECONDS, 20)) {
            long calls0 = fleet.refreshCalls();
            long revoked0 = fleet.revokedUses();
            int port = RotatingFleet.freePort();
            // this JVM lets go of the file: the node holds it alone, and this JVM reads it after the node has exited
            fleet.releaseDatabase();
            NodeProcess node = fleet.startNode("a", port);

            Stop stop = sigtermMidStorm(fleet, node, calls0, false);

            fleet.releaseDatabase();
            NodeProcess again = fleet.startNode("a-again", port);
            // the rest takes (300 - refreshed) / 16 x 1.5 s; then the node is stopped and the file read
            awaitTrue("the restarted node refreshed every connection", 240_000, () -> fleet.refreshCalls() - calls0 >= fleet.seeded());
            again.terminate(LEASE_SECONDS + 60);
            assertNothingLost(fleet, calls0, revoked0, stop, "one node on its H2 file, stopped with SIGTERM mid-storm and started again");
        }
    }
}
