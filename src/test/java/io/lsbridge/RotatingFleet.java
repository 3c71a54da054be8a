package io.lsbridge;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Bridge processes ({@link NodeProcess}) sharing one database, refreshing rotating sandbox connections
 * (X, R, K) with short tokens; the sandbox is a bridge in sandbox mode in this JVM (its own H2 database)
 * answering token calls slowly. Used by the stop and kill tests and by bench/multinode-kill.sh.
 */
public final class RotatingFleet implements AutoCloseable {
    public static final List<String> ROTATING = List.of("x-series", "r-series", "k-series");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run;
    private final InProcessBridge sandbox;
    private final TestDatabase shared;
    private HikariDataSource ds;
    private final Map<String, String> nodeProps = new LinkedHashMap<>();
    private final List<NodeProcess> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int seeded;

    /**
     * @param run       a name for this run's files and logs (target/bench-db/RUN*)
     * @param shared    the nodes' database
     * @param count     rotating connections seeded, due within {@code dueWithinSeconds}
     * @param tokenSeconds sandbox access-token lifetime
     * @param latencyMillis how long the sandbox takes to answer a token call
     * @param leaseSeconds bridge.refresh.lease-seconds of the nodes (HTTP response timeout: half of it)
     * @param marginSeconds refresh margin of the rotating profiles on the nodes
     */
    public RotatingFleet(String run, TestDatabase shared, int count, int dueWithinSeconds, int tokenSeconds,
                         long latencyMillis, int leaseSeconds, int marginSeconds) throws Exception {
        this.run = run;
        this.shared = shared;
        String keyFile = "target/bench-db/" + run + ".key";
        new java.io.File("target/bench-db").mkdirs();
        Properties sandboxProps = new Properties();
        sandboxProps.putAll(TestDatabase.h2File("target/bench-db/" + run + "-sandbox").bridgeProperties());
        sandboxProps.setProperty("camel.main.name", "sandbox-" + run);
        sandboxProps.setProperty("bridge.encryption.sandbox-key-file", keyFile + ".sandbox");
        sandboxProps.setProperty("bridge.refresh.interval-ms", "3600000");
        sandboxProps.setProperty("bridge.http.worker-threads", "128");
        sandbox = new InProcessBridge(freePort(), sandboxProps);
        ds = shared.open(4);
        try {
            admin("settings", "{\"accessTokenLifetimeSeconds\":" + tokenSeconds + ",\"refreshLatencyMillis\":" + latencyMillis + "}");
            SchemaMigrator migrator = new SchemaMigrator();
            migrator.setDataSource(ds);
            migrator.migrate();
            TokenCipher cipher = new TokenCipher();
            cipher.setKeyFile(keyFile);
            ConnectionStore store = new ConnectionStore();
            store.setDataSource(ds);
            store.setCipher(cipher);
            seeded = seed(store, count, dueWithinSeconds);

            nodeProps.put("camel.main.routesIncludePattern", "file:routes/*.camel.yaml");   // no sandbox in the nodes
            shared.bridgeProperties().forEach((k, v) -> nodeProps.put((String) k, (String) v));
            nodeProps.put("bridge.encryption.sandbox-key-file", keyFile);
            nodeProps.put("bridge.sandbox.base-url", sandbox.base() + "/sandbox");
            nodeProps.put("bridge.sandbox.client-secret", "sandbox-secret");
            nodeProps.put("bridge.refresh.interval-ms", "1000");
            nodeProps.put("bridge.refresh.lease-seconds", Integer.toString(leaseSeconds));
            nodeProps.put("camel.component.http.connectTimeout", "2000");
            nodeProps.put("camel.component.http.responseTimeout", Integer.toString(leaseSeconds * 1000 / 2));
            nodeProps.put("camel.component.http.soTimeout", Integer.toString(leaseSeconds * 1000 / 2));
            ROTATING.forEach(p -> nodeProps.put("bridge.profile." + p + ".refresh-margin-seconds", Integer.toString(marginSeconds)));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    public int seeded() {
        return seeded;
    }

    /** This JVM's pool to the nodes' database (opened again after {@link #releaseDatabase()}). */
    public synchronized HikariDataSource dataSource() {
        if (ds.isClosed()) {
            ds = shared.open(4);
        }
        return ds;
    }

    /**
     * Closes this JVM's pool, so that on H2 (AUTO_SERVER) the next process to open the file hosts it:
     * a node started now holds the database in its own JVM, as a single node on the default H2 file does.
     */
    public synchronized void releaseDatabase() {
        ds.close();
    }

    /** Starts a node (waits until it answers); it is stopped with the fleet unless the caller stops it first. */
    public NodeProcess startNode(String name, int port) throws Exception {
        NodeProcess n = new NodeProcess(run + "-" + name, port, nodeProps);
        nodes.add(n);
        return n;
    }

    /** The sandbox's count of refresh-token grants answered or refused. */
    public long refreshCalls() throws Exception {
        return stat("refreshCalls");
    }

    /** The sandbox's count of refresh tokens presented after they had been rotated (revoked). */
    public long revokedUses() throws Exception {
        return stat("revokedRefreshTokenUses");
    }

    private long stat(String name) throws Exception {
        Map<String, Object> m = JSON.readValue(Browser.call("GET", sandbox.base() + "/sandbox/admin/stats", null, null).body(),
                new TypeReference<Map<String, Object>>() { });
        return ((Number) m.get(name)).longValue();
    }

    public long count(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Rows leased by that node process now: its refreshes in flight. */
    public long leasedBy(NodeProcess node) throws SQLException {
        return count("SELECT COUNT(*) FROM connection WHERE lease_owner LIKE ?", "node-" + node.pid() + "@%");
    }

    /** The connection the loops reach last (latest expiry) among those not refreshed nor leased yet. */
    public String lastDue() throws SQLException {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM connection WHERE refresh_count = 0 AND lease_owner IS NULL ORDER BY access_expires_at DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("no connection left to refresh");
            }
            return rs.getString(1);
        }
    }

    /** Ids of the rows leased by that node process now. */
    public List<String> idsLeasedBy(NodeProcess node) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM connection WHERE lease_owner LIKE ?")) {
            ps.setString(1, "node-" + node.pid() + "@%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /**
     * How long the longest-waiting ACTIVE connection has been due, seconds: due since its expiry minus the
     * margin, or since its next attempt when later (R-Series' "not yet" and back-offs put that off on purpose).
     */
    public long dueForSeconds(int margin) throws SQLException {
        Instant now = Instant.now();
        long worst = 0;
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT access_expires_at, next_attempt_at FROM connection WHERE status = 'ACTIVE' AND access_expires_at < ?")) {
            ps.setObject(1, now.plusSeconds(margin).atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant dueSince = rs.getObject(1, OffsetDateTime.class).toInstant().minusSeconds(margin);
                    OffsetDateTime next = rs.getObject(2, OffsetDateTime.class);
                    if (next != null && next.toInstant().isAfter(dueSince)) {
                        dueSince = next.toInstant();
                    }
                    worst = Math.max(worst, now.getEpochSecond() - dueSince.getEpochSecond());
                }
            }
        }
        return worst;
    }

    private int seed(ConnectionStore store, int count, int dueWithinSeconds) throws Exception {
        int n = 0;
        for (int i = 0; i < ROTATING.size(); i++) {
            String profile = ROTATING.get(i);
            int k = count / ROTATING.size() + (i < count % ROTATING.size() ? 1 : 0);
            String body = admin("seed", "{\"series\":\"" + profile.charAt(0) + "\",\"count\":" + k
                    + ",\"storePrefix\":\"fleet-" + UUID.randomUUID().toString().substring(0, 8) + "\"}").body();
            for (Map<String, Object> g : JSON.readValue(body, new TypeReference<List<Map<String, Object>>>() { })) {
                Instant expires = Instant.now().plusMillis(ThreadLocalRandom.current().nextLong(500, dueWithinSeconds * 1000L));
                store.saveAuthorizedConnection(profile, (String) g.get("tenant"), null, new ConnectionStore.Tokens(
                        (String) g.get("accessToken"), (String) g.get("refreshToken"), expires, null, null), "OAUTH");
                n++;
            }
        }
        return n;
    }

    /** Sets sandbox knobs: {@code {"refreshLatencyMillis": 300, ...}}. */
    public HttpResponse<String> admin(String path, String json) {
        HttpResponse<String> r = Browser.call("POST", sandbox.base() + "/sandbox/admin/" + path, null, json);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("sandbox admin " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r;
    }

    public static int freePort() throws java.io.IOException {
        return io.lsbridge.BridgeTestSupport.freePort();
    }

    /** Kills every node still running (SIGKILL: a test that wanted a clean stop has done it), then the pool and the sandbox. */
    @Override
    public void close() throws Exception {
        for (NodeProcess n : nodes) {
            n.kill();
        }
        ds.close();
        sandbox.close();
    }
}
