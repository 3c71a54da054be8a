package io.lsbridge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.lsbridge.NodeProcess;
import io.lsbridge.RotatingFleet;
import io.lsbridge.TestDatabase;

/**
 * Several bridge processes on one database refresh rotating connections while one of them is killed with
 * SIGKILL and restarted at a fixed interval (issue 9, item 2). The sandbox answers token calls slowly,
 * from this JVM. Counts: refresh calls, refreshes committed, uses of a revoked refresh token, connections
 * NEEDS_REAUTH (each must be the documented "answer lost in flight" case, one per revoked use), and the
 * longest any connection stayed due (its expiry within the refresh margin) without being refreshed: at
 * most the lease time. Run by {@code PostgresMultiNodeKillTest} (in {@code mvn test}) and by
 * {@code bench/multinode-kill.sh [key=value ...]}: {@code nodes} (3), {@code connections} (1000),
 * {@code minutes} (5) or {@code seconds}, {@code killEverySeconds} (30), {@code tokenSeconds} (sandbox
 * access-token lifetime, 60), {@code marginSeconds} (refresh margin, 20), {@code latencyMillis} (sandbox
 * token answers, 300), {@code leaseSeconds} (15), {@code database} ({@code postgres} or {@code h2}).
 * The script's exit status is 0 when the counts pass.
 */
public final class MultiNodeKillSoak {
    /** Seconds allowed beyond the lease for the loop to come round (1 s interval) and the token call (latency). */
    public static final int LOOP_SLACK = 5;

    private MultiNodeKillSoak() {
    }

    /** What a run counted. {@code inFlightAtKills}: leases the killed nodes held when killed (their refreshes in flight). */
    public record Result(int nodes, int connections, long seconds, int kills, long inFlightAtKills, long refreshCalls,
                         long committed, long revokedUses, long reauth, long lostInFlight, long conflicts, long worstDue,
                         int leaseSeconds) {
        public String summary() {
            return String.format(Locale.ROOT, "%d nodes, %d connections, %d s, %d kills (SIGKILL, %d refreshes in flight at the"
                            + " kills): %d refresh calls, %d refreshes committed, %d revoked refresh-token uses, %d NEEDS_REAUTH"
                            + " (%d answer lost in flight), %d commit conflicts, longest a connection stayed due %d s (lease %d s"
                            + " + %d s for the loop)", nodes, connections, seconds, kills, inFlightAtKills, refreshCalls, committed,
                    revokedUses, reauth, lostInFlight, conflicts, worstDue, leaseSeconds, LOOP_SLACK);
        }

        /** No refresh token used twice beyond the answers lost in flight, each such one NEEDS_REAUTH saying so; nothing overdue. */
        public boolean ok() {
            return revokedUses == lostInFlight && reauth == lostInFlight && conflicts == 0 && worstDue <= leaseSeconds + LOOP_SLACK;
        }
    }

    public static Map<String, String> defaults() {
        return new LinkedHashMap<>(Map.of("nodes", "3", "connections", "1000", "minutes", "5", "killEverySeconds", "30",
                "tokenSeconds", "60", "marginSeconds", "20", "latencyMillis", "300", "leaseSeconds", "15", "database", "postgres"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = defaults();
        for (String a : args) {
            o.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        String run = "soak-" + UUID.randomUUID().toString().substring(0, 8);
        // the sandbox's log to a file (WARN also on the console); each node logs to target/test-logs/node-*.log
        new java.io.File("target/bench-db").mkdirs();
        BenchLogging.configure(Path.of("target/bench-db/" + run + "-sandbox.log"));
        TestDatabase shared = "h2".equals(o.get("database")) ? TestDatabase.h2File("target/bench-db/" + run)
                : TestDatabase.postgres(run);
        Result r = run(run, o, shared);
        System.out.println();
        System.out.println(r.summary());
        System.out.println(r.ok() ? "PASS: no refresh token used twice beyond the answers lost in flight; every due"
                + " connection refreshed within the lease time" : "FAIL");
        System.exit(r.ok() ? 0 : 1);
    }

    /** One run: seeds the connections, starts the nodes, kills one every killEverySeconds, stops them all cleanly at the end. */
    public static Result run(String run, Map<String, String> o, TestDatabase shared) throws Exception {
        int nodes = Integer.parseInt(o.get("nodes"));
        int lease = Integer.parseInt(o.get("leaseSeconds"));
        int margin = Integer.parseInt(o.get("marginSeconds"));
        long seconds = o.containsKey("seconds") ? Long.parseLong(o.get("seconds")) : Long.parseLong(o.get("minutes")) * 60;
        int tokenSeconds = Integer.parseInt(o.get("tokenSeconds"));
        System.out.println("multi-node kill run " + o + " for " + seconds + " s on " + shared);
        try (RotatingFleet fleet = new RotatingFleet(run, shared, Integer.parseInt(o.get("connections")), tokenSeconds,
                tokenSeconds, Long.parseLong(o.get("latencyMillis")), lease, margin)) {
            System.out.println("seeded " + fleet.seeded() + " rotating connections (X, R, K) expiring within " + tokenSeconds + " s");
            long calls0 = fleet.refreshCalls();
            long revoked0 = fleet.revokedUses();
            int[] ports = new int[nodes];
            NodeProcess[] running = new NodeProcess[nodes];
            List<CompletableFuture<Void>> starting = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                ports[i] = RotatingFleet.freePort();
                starting.add(start(fleet, running, i, "n" + i, ports[i]));
            }
            // all nodes up before the clock starts (a node takes 10-90 s to start on a busy machine)
            CompletableFuture.allOf(starting.toArray(new CompletableFuture[0])).join();
            long end = System.currentTimeMillis() + seconds * 1000L;
            long killEvery = Long.parseLong(o.get("killEverySeconds")) * 1000L;
            long nextKill = System.currentTimeMillis() + killEvery;
            int kills = 0;
            long inFlightAtKills = 0;
            long worstDue = 0;
            // what was due while the nodes were starting is not counted: measured from a lease (+10 s) after they are up
            long measureFrom = System.currentTimeMillis() + (lease + 10) * 1000L;
            while (System.currentTimeMillis() < end) {
                Thread.sleep(1000);
                if (System.currentTimeMillis() >= measureFrom) {
                    worstDue = Math.max(worstDue, fleet.dueForSeconds(margin));
                }
                if (System.currentTimeMillis() >= nextKill) {
                    // the nodes in turn; one still restarting from an earlier kill is passed over
                    int victim = -1;
                    for (int k = 0; k < nodes && victim < 0; k++) {
                        int candidate = (kills + k) % nodes;
                        if (starting.get(candidate).isDone()) {
                            victim = candidate;
                        }
                    }
                    if (victim >= 0) {
                        long held = fleet.leasedBy(running[victim]);
                        running[victim].kill();
                        kills++;
                        inFlightAtKills += held;
                        System.out.printf(Locale.ROOT, "kill %d: node %d killed (SIGKILL) holding %d leases; so far %d refresh calls,"
                                        + " %d revoked uses, %d NEEDS_REAUTH, longest due %d s%n", kills, victim, held,
                                fleet.refreshCalls() - calls0, fleet.revokedUses() - revoked0,
                                fleet.count("SELECT COUNT(*) FROM connection WHERE status = 'NEEDS_REAUTH'"), worstDue);
                        // restarted in the background: the clock and the measurements go on meanwhile
                        starting.set(victim, start(fleet, running, victim, "n" + victim + "-k" + kills, ports[victim]));
                    }
                    // a fixed clock: one kill every interval, however long a restart takes
                    nextKill = Math.max(nextKill + killEvery, System.currentTimeMillis());
                }
            }
            CompletableFuture.allOf(starting.toArray(new CompletableFuture[0])).join();
            // the end: every node stopped cleanly (SIGTERM), at once, so no answer is lost at the end of the run
            List<CompletableFuture<Long>> stops = new ArrayList<>();
            for (NodeProcess n : running) {
                stops.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return n.terminate(lease + 60);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1L;
                    }
                }));
            }
            CompletableFuture.allOf(stops.toArray(new CompletableFuture[0])).join();
            long committed = fleet.count("SELECT COUNT(*) FROM connection_event WHERE event_type IN ('REFRESHED', 'REFRESH_NOT_YET')");
            long reauth = fleet.count("SELECT COUNT(*) FROM connection WHERE status = 'NEEDS_REAUTH'");
            long lost = fleet.count("SELECT COUNT(*) FROM connection WHERE status = 'NEEDS_REAUTH' AND last_error LIKE '%lost in flight%'");
            long conflicts = fleet.count("SELECT COUNT(*) FROM connection_event WHERE event_type = 'REFRESH_CONFLICT'");
            return new Result(nodes, fleet.seeded(), seconds, kills, inFlightAtKills, fleet.refreshCalls() - calls0, committed,
                    fleet.revokedUses() - revoked0, reauth, lost, conflicts, worstDue, lease);
        }
    }

    private static CompletableFuture<Void> start(RotatingFleet fleet, NodeProcess[] running, int i, String name, int port) {
        return CompletableFuture.runAsync(() -> {
            try {
                running[i] = fleet.startNode(name, port);
            } catch (Exception e) {
                throw new IllegalStateException("node " + name + " did not start", e);
            }
        });
    }
}
