package io.lsbridge.bench;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;

import io.lsbridge.Browser;
import io.lsbridge.ConnectionStore;
import io.lsbridge.InProcessBridge;
import io.lsbridge.NodeProcess;
import io.lsbridge.SchemaMigrator;
import io.lsbridge.TestDatabase;
import io.lsbridge.TokenCipher;

/**
 * Soak (not part of {@code mvn test}): several bridge processes on one PostgreSQL database refresh
 * rotating connections while one of them is killed with SIGKILL and restarted at a fixed interval.
 * The sandbox answers token calls slowly, from this JVM. At the end it prints the counts: refresh
 * calls, refreshes committed, uses of a revoked refresh token, connections NEEDS_REAUTH (each must be
 * the documented "answer lost in flight" case, one per revoked use), and the longest any connection
 * stayed due (its expiry within the refresh margin) without being refreshed: at most the lease time.
 *
 * <p>{@code bench/multinode-kill.sh [key=value ...]}: {@code nodes} (3), {@code connections} (1000),
 * {@code minutes} (5), {@code killEverySeconds} (30), {@code tokenSeconds} (sandbox access-token
 * lifetime, 60), {@code marginSeconds} (refresh margin, 20), {@code latencyMillis} (sandbox token
 * answers, 300), {@code leaseSeconds} (15), {@code database} ({@code postgres} or {@code h2}).
 * Exit status 0 when there was no revoked-token use beyond the lost answers and nothing was overdue.
 */
public final class MultiNodeKillSoak {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ROTATING = List.of("x-series", "r-series", "k-series");
    /** Seconds allowed beyond the lease for the loop to come round (1 s interval) and the token call (latency). */
    private static final int LOOP_SLACK = 5;

    private MultiNodeKillSoak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("nodes", "3", "connections", "1000", "minutes", "5",
                "killEverySeconds", "30", "tokenSeconds", "60", "marginSeconds", "20", "latencyMillis", "300",
                "leaseSeconds", "15", "database", "postgres"));
        for (String a : args) {
            o.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        int nodes = Integer.parseInt(o.get("nodes"));
        int lease = Integer.parseInt(o.get("leaseSeconds"));
        int margin = Integer.parseInt(o.get("marginSeconds"));
        String run = "soak-" + UUID.randomUUID().toString().substring(0, 8);
        String keyFile = "target/bench-db/" + run + ".key";
        new java.io.File("target/bench-db").mkdirs();
        // the sandbox's log to a file (WARN also on the console); each node logs to target/test-logs/node-*.log
        BenchLogging.configure(java.nio.file.Path.of("target/bench-db/" + run + "-sandbox.log"));
        TestDatabase shared = "h2".equals(o.get("database")) ? TestDatabase.h2File("target/bench-db/" + run)
                : TestDatabase.postgres(run);
        System.out.println("soak " + o + " on " + shared);

        // the sandbox: a bridge in sandbox mode in this JVM, with a database of its own
        Properties sandboxProps = new Properties();
        sandboxProps.putAll(TestDatabase.h2File("target/bench-db/" + run + "-sandbox").bridgeProperties());
        sandboxProps.setProperty("bridge.encryption.sandbox-key-file", keyFile + ".sandbox");
        sandboxProps.setProperty("bridge.refresh.interval-ms", "3600000");
        sandboxProps.setProperty("bridge.http.worker-threads", "128");
        int sandboxPort = freePort();
        try (InProcessBridge sandbox = new InProcessBridge(sandboxPort, sandboxProps);
             HikariDataSource ds = shared.open(4)) {
            String sandboxBase = sandbox.base() + "/sandbox";
            admin(sandbox, "settings", "{\"accessTokenLifetimeSeconds\":" + o.get("tokenSeconds") + ",\"refreshLatencyMillis\":"
                    + o.get("latencyMillis") + "}");
            SchemaMigrator migrator = new SchemaMigrator();
            migrator.setDataSource(ds);
            migrator.migrate();
            TokenCipher cipher = new TokenCipher();
            cipher.setKeyFile(keyFile);
            ConnectionStore store = new ConnectionStore();
            store.setDataSource(ds);
            store.setCipher(cipher);
            int seeded = seed(sandbox, store, Integer.parseInt(o.get("connections")), Integer.parseInt(o.get("tokenSeconds")));
            System.out.println("seeded " + seeded + " rotating connections (X, R, K) expiring within " + o.get("tokenSeconds") + " s");

            Map<String, String> props = new LinkedHashMap<>();
            props.put("camel.main.routesIncludePattern", "file:routes/*.camel.yaml");
            shared.bridgeProperties().forEach((k, v) -> props.put((String) k, (String) v));
            props.put("bridge.encryption.sandbox-key-file", keyFile);
            props.put("bridge.sandbox.base-url", sandboxBase);
            props.put("bridge.sandbox.client-secret", "sandbox-secret");
            props.put("bridge.refresh.interval-ms", "1000");
            props.put("bridge.refresh.lease-seconds", Integer.toString(lease));
            props.put("camel.component.http.connectTimeout", "2000");
            props.put("camel.component.http.responseTimeout", Integer.toString(lease * 1000 / 2));
            props.put("camel.component.http.soTimeout", Integer.toString(lease * 1000 / 2));
            ROTATING.forEach(p -> props.put("bridge.profile." + p + ".refresh-margin-seconds", Integer.toString(margin)));

            Stats start = Stats.of(sandbox);
            List<NodeProcess> running = new ArrayList<>();
            // the nodes are stopped however this ends (a node that does not start, an interrupt)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> running.forEach(n -> {
                try {
                    n.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })));
            int[] ports = new int[nodes];
            for (int i = 0; i < nodes; i++) {
                ports[i] = freePort();
                running.add(new NodeProcess(run + "-n" + i, ports[i], props));
            }
            long end = System.currentTimeMillis() + Long.parseLong(o.get("minutes")) * 60_000L;
            long killEvery = Long.parseLong(o.get("killEverySeconds")) * 1000L;
            long nextKill = System.currentTimeMillis() + killEvery;
            int kills = 0;
            long worstDue = 0;
            // what was due while the nodes were starting is not counted: measured from a lease (+10 s) after they are up
            long measureFrom = System.currentTimeMillis() + (lease + 10) * 1000L;
            while (System.currentTimeMillis() < end) {
                Thread.sleep(1000);
                if (System.currentTimeMillis() >= measureFrom) {
                    worstDue = Math.max(worstDue, dueForSeconds(ds, margin));
                }
                if (System.currentTimeMillis() >= nextKill) {
                    int victim = kills % nodes;
                    running.get(victim).kill();
                    kills++;
                    Stats now = Stats.of(sandbox).minus(start);
                    System.out.printf(Locale.ROOT, "kill %d: node %d killed (SIGKILL); so far %d refresh calls, %d revoked uses,"
                            + " %d NEEDS_REAUTH, longest due %d s%n", kills, victim, now.refreshCalls, now.revokedUses,
                            count(ds, "SELECT COUNT(*) FROM connection WHERE status = 'NEEDS_REAUTH'"), worstDue);
                    running.set(victim, new NodeProcess(run + "-n" + victim + "-k" + kills, ports[victim], props));
                    // a fixed clock: one kill every interval, however long the restart took
                    nextKill = Math.max(nextKill + killEvery, System.currentTimeMillis());
                }
            }
            for (NodeProcess n : running) {
                n.close();
            }
            Stats total = Stats.of(sandbox).minus(start);
            long committed = count(ds, "SELECT COUNT(*) FROM connection_event WHERE event_type IN ('REFRESHED', 'REFRESH_NOT_YET')");
            long reauth = count(ds, "SELECT COUNT(*) FROM connection WHERE status = 'NEEDS_REAUTH'");
            long lostInFlight = count(ds, "SELECT COUNT(*) FROM connection WHERE status = 'NEEDS_REAUTH' AND last_error LIKE '%lost in flight%'");
            long conflicts = count(ds, "SELECT COUNT(*) FROM connection_event WHERE event_type = 'REFRESH_CONFLICT'");
            System.out.printf(Locale.ROOT, "%n%d nodes, %d connections, %s min, %d kills: %d refresh calls, %d refreshes committed,"
                            + " %d revoked refresh-token uses, %d NEEDS_REAUTH (%d answer lost in flight), %d commit conflicts,"
                            + " longest a connection stayed due %d s (lease %d s + %d s for the loop)%n", nodes, seeded, o.get("minutes"), kills,
                    total.refreshCalls, committed, total.revokedUses, reauth, lostInFlight, conflicts, worstDue, lease, LOOP_SLACK);
            boolean ok = total.revokedUses == lostInFlight && reauth == lostInFlight && worstDue <= lease + LOOP_SLACK;
            System.out.println(ok ? "PASS: no refresh token used twice beyond the answers lost in flight; every due"
                    + " connection refreshed within the lease time" : "FAIL");
            System.exit(ok ? 0 : 1);
        }
    }

    /**
     * How long the longest-waiting ACTIVE connection has been due, seconds: due since its expiry minus the
     * margin, or since its next attempt when later (R-Series' "not yet" and back-offs put that off on purpose).
     */
    private static long dueForSeconds(HikariDataSource ds, int margin) throws SQLException {
        Instant now = Instant.now();
        long worst = 0;
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT access_expires_at, next_attempt_at FROM connection WHERE status = 'ACTIVE' AND access_expires_at < ?")) {
            ps.setObject(1, now.plusSeconds(margin).atOffset(java.time.ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant dueSince = rs.getObject(1, java.time.OffsetDateTime.class).toInstant().minusSeconds(margin);
                    java.time.OffsetDateTime next = rs.getObject(2, java.time.OffsetDateTime.class);
                    if (next != null && next.toInstant().isAfter(dueSince)) {
                        dueSince = next.toInstant();
                    }
                    worst = Math.max(worst, now.getEpochSecond() - dueSince.getEpochSecond());
                }
            }
        }
        return worst;
    }

    private static long count(HikariDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int seed(InProcessBridge sandbox, ConnectionStore store, int count, int tokenSeconds) throws Exception {
        int seeded = 0;
        for (int i = 0; i < ROTATING.size(); i++) {
            String profile = ROTATING.get(i);
            int n = count / ROTATING.size() + (i < count % ROTATING.size() ? 1 : 0);
            String body = admin(sandbox, "seed", "{\"series\":\"" + profile.charAt(0) + "\",\"count\":" + n
                    + ",\"storePrefix\":\"soak-" + UUID.randomUUID().toString().substring(0, 8) + "\"}").body();
            for (Map<String, Object> g : JSON.readValue(body, new TypeReference<List<Map<String, Object>>>() { })) {
                Instant expires = Instant.now().plusMillis(ThreadLocalRandom.current().nextLong(1000, tokenSeconds * 1000L));
                store.saveAuthorizedConnection(profile, (String) g.get("tenant"), null, new ConnectionStore.Tokens(
                        (String) g.get("accessToken"), (String) g.get("refreshToken"), expires, null, null), "OAUTH");
                seeded++;
            }
        }
        return seeded;
    }

    private static HttpResponse<String> admin(InProcessBridge sandbox, String path, String json) {
        HttpResponse<String> r = Browser.call("POST", sandbox.base() + "/sandbox/admin/" + path, null, json);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("sandbox admin " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r;
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The sandbox's counters that matter here. */
    private record Stats(long refreshCalls, long revokedUses) {
        static Stats of(InProcessBridge sandbox) throws Exception {
            Map<String, Object> m = JSON.readValue(Browser.call("GET", sandbox.base() + "/sandbox/admin/stats", null, null).body(),
                    new TypeReference<Map<String, Object>>() { });
            return new Stats(((Number) m.get("refreshCalls")).longValue(), ((Number) m.get("revokedRefreshTokenUses")).longValue());
        }

        Stats minus(Stats o) {
            return new Stats(refreshCalls - o.refreshCalls, revokedUses - o.revokedUses);
        }
    }
}
