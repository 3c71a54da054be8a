package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.type.TypeReference;
import com.zaxxer.hikari.HikariDataSource;

import org.junit.jupiter.api.Test;

/**
 * Issue 11: a refresh the bridge reported committed survives SIGKILL of the process that holds the
 * H2 file. Two bridge JVMs share one H2 file (AUTO_SERVER, a test setup): H opens it first and so
 * hosts it; R refreshes rotating connections through H's server. Right after reading what R reports
 * committed, H is killed; R then becomes the host, and is killed in turn. The rows read afterwards
 * must hold every commit seen before each kill, and no refresh token the sandbox revoked is ever used.
 * The nodes use the shipped default H2 URL's settings (config/application.properties), so dropping
 * the durability setting there fails this test.
 */
class H2KillDurabilityTest extends BridgeTestSupport {
    static final List<String> PROFILES = List.of("x-series", "r-series", "k-series");
    static final int CONNECTIONS = 60;
    /** The sandbox's count of refreshes answered with tokens, and the rows' refresh counts, when seeded. */
    private long answersAtSeed;
    private long committedAtSeed;

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.sandbox.access-token-lifetime-seconds", "4");
        return p;
    }

    /** The shipped default URL's settings (after the file name), with the file moved to {@code file}. */
    static String shippedUrlFor(String file) throws Exception {
        Properties shipped = new Properties();
        try (FileInputStream in = new FileInputStream("config/application.properties")) {
            shipped.load(in);
        }
        String url = shipped.getProperty("bridge.db.url").trim();
        int settings = url.indexOf(';');
        // H2 refuses AUTO_SERVER together with DB_CLOSE_ON_EXIT=FALSE (the shipped URL's setting for a clean stop)
        return "jdbc:h2:file:./" + file + (settings < 0 ? "" : url.substring(settings)).replace(";DB_CLOSE_ON_EXIT=FALSE", "")
                + ";AUTO_SERVER=TRUE;AUTO_RECONNECT=TRUE";
    }

    private Map<String, String> nodeProperties(String file, boolean refreshing) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("camel.main.routesIncludePattern", "file:routes/*.camel.yaml");   // no sandbox in the nodes
        p.put("bridge.db.url", shippedUrlFor(file));
        p.put("bridge.encryption.sandbox-key-file", file + ".key");
        p.put("bridge.sandbox.base-url", base() + "/sandbox");
        p.put("bridge.sandbox.client-secret", sandboxSecret);
        p.put("bridge.api-key", apiKey);
        // the host only holds the database; the refresher refreshes continuously
        p.put("bridge.refresh.interval-ms", refreshing ? "300" : "3600000");
        p.put("bridge.refresh.lease-seconds", "15");
        p.put("camel.component.http.connectTimeout", "2000");
        p.put("camel.component.http.responseTimeout", "10000");
        p.put("camel.component.http.soTimeout", "10000");
        for (String profile : PROFILES) {
            p.put("bridge.profile." + profile + ".refresh-margin-seconds", "2");
        }
        return p;
    }

    private HikariDataSource open(String file) throws Exception {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(shippedUrlFor(file));
        ds.setUsername("sa");
        ds.setPassword("sa");
        ds.setMaximumPoolSize(2);
        return ds;
    }

    /** Seeds rotating sandbox grants due within a few seconds; the test JVM closes the file afterwards. */
    private void seed(String file) throws Exception {
        try (HikariDataSource ds = open(file)) {
            SchemaMigrator migrator = new SchemaMigrator();
            migrator.setDataSource(ds);
            migrator.migrate();
            TokenCipher cipher = new TokenCipher();
            cipher.setKeyFile(file + ".key");
            cipher.init();
            ConnectionStore store = new ConnectionStore();
            store.setDataSource(ds);
            store.setCipher(cipher);
            for (int i = 0; i < PROFILES.size(); i++) {
                String profile = PROFILES.get(i);
                String body = sandboxAdmin("seed", "{\"series\":\"" + profile.substring(0, 1) + "\",\"count\":"
                        + CONNECTIONS / PROFILES.size() + ",\"storePrefix\":\"kill-" + UUID.randomUUID().toString().substring(0, 8)
                        + "\"}").body();
                for (Map<String, Object> g : parse(body, new TypeReference<List<Map<String, Object>>>() { })) {
                    Instant expires = Instant.now().plusMillis(ThreadLocalRandom.current().nextLong(500, 4000));
                    store.saveAuthorizedConnection(profile, (String) g.get("tenant"), null, new ConnectionStore.Tokens(
                            (String) g.get("accessToken"), (String) g.get("refreshToken"), expires, null, null), "OAUTH");
                }
            }
        }
    }

    /** refreshCount of each ACTIVE connection, as a node's GET /connections reports it (null: no answer). */
    private Map<String, Integer> reported(NodeProcess node) {
        HttpResponse<String> r;
        try {
            r = Browser.call("GET", node.base() + "/connections", apiKey, null);
        } catch (RuntimeException e) {
            return null;
        }
        if (r.statusCode() != 200) {
            return null;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (Map<String, Object> c : parse(r.body(), new TypeReference<List<Map<String, Object>>>() { })) {
            if ("ACTIVE".equals(c.get("status"))) {   // a NEEDS_REAUTH row is never refreshed again
                counts.put((String) c.get("id"), ((Number) c.get("refreshCount")).intValue());
            }
        }
        return counts;
    }

    /** What the file holds now, read by this JVM once every node is gone: id -> [refresh_count, status]. */
    private Map<String, Object[]> rowsOnDisk(String file) throws Exception {
        Map<String, Object[]> rows = new HashMap<>();
        try (HikariDataSource ds = open(file);
             var conn = ds.getConnection();
             var rs = conn.createStatement().executeQuery("SELECT id, refresh_count, status, last_error FROM connection")) {
            while (rs.next()) {
                rows.put(rs.getString(1), new Object[] {rs.getInt(2), rs.getString(3), rs.getString(4)});
            }
        }
        return rows;
    }

    /** Makes every connection due now (tokens issued with a long lifetime while quiescing). */
    private void makeAllDue(String file) throws Exception {
        try (HikariDataSource ds = open(file);
             var conn = ds.getConnection();
             var ps = conn.prepareStatement("UPDATE connection SET access_expires_at = ?")) {
            ps.setObject(1, Instant.now().atOffset(java.time.ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Holds new token calls at the sandbox (they hang, then fail, without rotating anything) and waits
     * until two readings in a row agree (no rotated answer is in flight); returns what is committed,
     * read through the database server of the process about to be killed (a plain JDBC connection,
     * closed before the kill). The last commits are then milliseconds old: inside H2's 500 ms
     * default write delay, so a commit held in memory would be lost by the kill and caught here.
     */
    private Map<String, Integer> quietSnapshot(String file) throws Exception {
        sandboxAdmin("faults", "{\"mode\":\"hang\",\"count\":100000,\"hangMillis\":1500}");
        try (var conn = java.sql.DriverManager.getConnection(shippedUrlFor(file).replace(";AUTO_RECONNECT=TRUE", ""), "sa", "sa")) {
            // no rotated answer is in flight once every refresh the sandbox answered is committed (two readings
            // 20 ms apart alone were not enough on a machine at load 40: an answer could take longer to land)
            long deadline = System.currentTimeMillis() + 60_000;
            Map<String, Integer> previous = committed(conn);
            while (true) {
                Thread.sleep(20);
                Map<String, Integer> now = committed(conn);
                boolean allLanded = total(now) - committedAtSeed == stat("refreshAnswers") - answersAtSeed;
                if (now.equals(previous) && (allLanded || System.currentTimeMillis() > deadline)) {
                    return now;
                }
                previous = now;
            }
        }
    }

    private static Map<String, Integer> committed(java.sql.Connection conn) throws java.sql.SQLException {
        Map<String, Integer> counts = new HashMap<>();
        try (var rs = conn.createStatement().executeQuery("SELECT id, refresh_count FROM connection")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
        }
        return counts;
    }

    private void releaseTokenCalls() {
        Browser.call("DELETE", base() + "/sandbox/admin/faults", null, null);
    }

    private static int wentBackwards(Map<String, Integer> before, Map<String, Integer> after) {
        int lost = 0;
        for (Map.Entry<String, Integer> e : before.entrySet()) {
            if (after.getOrDefault(e.getKey(), -1) < e.getValue()) {
                lost++;
            }
        }
        return lost;
    }

    @Test
    void commitsSurviveKillingTheProcessThatHoldsTheH2File() throws Exception {
        int cycles = Integer.getInteger("h2kill.cycles", 3);
        String file = "target/test-db/h2kill-" + UUID.randomUUID();
        sandboxAdmin("settings", "{\"accessTokenLifetimeSeconds\":4,\"refreshLatencyMillis\":0}");
        seed(file);
        answersAtSeed = stat("refreshAnswers");
        committedAtSeed = rowsOnDisk(file).values().stream().mapToInt(r -> (Integer) r[0]).sum();
        long revokedBefore = stat("revokedRefreshTokenUses");
        long callsBefore = stat("refreshCalls");
        int lostAfterHostKill = 0;
        int lostAfterSoleNodeKill = 0;
        int committed = 0;
        try {
            for (int cycle = 1; cycle <= cycles; cycle++) {
                makeAllDue(file);
                NodeProcess host = new NodeProcess("h2kill-host-" + cycle, freePort(), nodeProperties(file, false));
                NodeProcess refresher = new NodeProcess("h2kill-refresher-" + cycle, freePort(), nodeProperties(file, true));
                try {
                    Thread.sleep(6000);   // refreshes flowing through the host's database server
                    Map<String, Integer> beforeHostKill = quietSnapshot(file);
                    host.kill();           // SIGKILL right after the refresher's last commits
                    releaseTokenCalls();
                    assertEquals(CONNECTIONS, beforeHostKill.size(), "snapshot before the kill");

                    // the refresher reconnects (it now opens the file itself) and carries on
                    List<Map<String, Integer>> after = new java.util.ArrayList<>();
                    await("the surviving node answers again", 60_000, () -> {
                        Map<String, Integer> now = reported(refresher);
                        return now != null && after.add(now);
                    });
                    lostAfterHostKill += wentBackwards(beforeHostKill, after.get(0));
                    Thread.sleep(4000);    // more refreshes, the refresher now the file's only process
                    Map<String, Integer> beforeSoleKill = quietSnapshot(file);
                    refresher.kill();      // SIGKILL right after its last commits
                    releaseTokenCalls();
                    Map<String, Integer> disk = new HashMap<>();
                    rowsOnDisk(file).forEach((id, r) -> disk.put(id, (Integer) r[0]));
                    lostAfterSoleNodeKill += wentBackwards(beforeSoleKill, disk);
                    committed = total(beforeSoleKill);
                    System.out.println("h2 kill cycle " + cycle + ": " + total(beforeHostKill) + " refreshes reported before"
                            + " killing the host, " + committed + " before killing the sole node; rows gone backwards"
                            + " so far: " + lostAfterHostKill + " after host kills, " + lostAfterSoleNodeKill
                            + " after sole-node kills");
                } finally {
                    releaseTokenCalls();
                    host.kill();
                    refresher.kill();
                }
            }

            // every connection refreshes once more from what the file holds: a lost commit would send a revoked token
            makeAllDue(file);
            try (NodeProcess last = new NodeProcess("h2kill-final", freePort(), nodeProperties(file, true))) {
                await("every connection refreshed once more", 90_000, () -> {
                    Map<String, Integer> now = reported(last);
                    return now != null && rowsNotRefreshedSinceFirstReading(now) == 0;
                });
            }
        } finally {
            releaseTokenCalls();
        }
        Map<String, Object[]> end = rowsOnDisk(file);
        long revokedUses = stat("revokedRefreshTokenUses") - revokedBefore;
        System.out.println("h2 kill test: " + cycles + " host kills + " + cycles + " sole-node kills, "
                + (stat("refreshCalls") - callsBefore) + " refresh calls at the sandbox; commits reported then lost: "
                + lostAfterHostKill + " (host kills), " + lostAfterSoleNodeKill + " (sole-node kills); revoked"
                + " refresh-token uses " + revokedUses);
        end.forEach((id, r) -> assertEquals("ACTIVE", r[1], () -> id + " " + r[2]));
        assertEquals(0, lostAfterHostKill, "every refresh reported committed before the host was killed is still in its row");
        assertEquals(0, lostAfterSoleNodeKill, "every refresh reported committed before the sole node was killed is on disk");
        assertEquals(0, revokedUses, "no revoked refresh token was ever sent");
    }

    private Map<String, Integer> finalStart;

    /** Rows whose count has not grown since the final pass began (the first reading is the start). */
    private int rowsNotRefreshedSinceFirstReading(Map<String, Integer> now) {
        if (finalStart == null) {
            finalStart = now;
            return CONNECTIONS;
        }
        return (int) now.entrySet().stream().filter(e -> e.getValue() <= finalStart.getOrDefault(e.getKey(), 0)).count();
    }
}
