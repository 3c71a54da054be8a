package io.lsbridge.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import com.fasterxml.jackson.core.type.TypeReference;

import io.lsbridge.BridgeTestSupport;
import io.lsbridge.Browser;

import org.apache.camel.CamelContext;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Health on the management port: readiness and liveness as a load balancer or Kubernetes sees
 * them. The bridge's database is an H2 server in TCP mode that the test stops and starts again.
 */
class HealthTest extends BridgeTestSupport {
    private int managementPort;
    private int dbPort;
    private String dbName;
    private Server dbServer;

    @Override
    protected Properties extraProperties() {
        if (dbServer == null) {
            dbPort = freePortForTest();
            dbName = "HealthTest-" + UUID.randomUUID();
            startDatabase();
        }
        Properties p = new Properties();
        p.setProperty("bridge.db.url", "jdbc:h2:tcp://localhost:" + dbPort + "/./" + dbName);
        return p;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        managementPort = freePortForTest();
        System.setProperty("camel.management.port", Integer.toString(managementPort));
        return super.createCamelContext();
    }

    @AfterAll
    void stopDatabase() {
        // back to what the build sets for every other test class (a dynamic port)
        System.setProperty("camel.management.port", "0");
        if (dbServer != null) {
            dbServer.stop();
        }
    }

    private void startDatabase() {
        try {
            dbServer = Server.createTcpServer("-tcpPort", Integer.toString(dbPort), "-ifNotExists",
                    "-baseDir", "target/test-db").start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the H2 server", e);
        }
    }

    private HttpResponse<String> health(String path) {
        return Browser.call("GET", "http://localhost:" + managementPort + "/observe/health" + path, null, null);
    }

    private Map<String, Object> json(HttpResponse<String> r) {
        return parse(r.body(), new TypeReference<>() { });
    }

    /** The checks by name from a full answer: {"checks":[{"name":..,"status":..}, ...]}. */
    @SuppressWarnings("unchecked")
    private Map<String, String> checks(String path) {
        Map<String, Object> body = json(health(path + "?exposureLevel=full"));
        Map<String, String> byName = new java.util.TreeMap<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) body.get("checks")) {
            byName.put((String) c.get("name"), (String) c.get("status"));
        }
        return byName;
    }

    private void awaitStatus(String path, int status, long millis) {
        await(path + " answers " + status, millis, () -> health(path).statusCode() == status);
    }

    @Test
    void readinessAndLivenessAreUpAfterStartWithEveryBridgeCheck() {
        awaitStatus("/ready", 200, 30_000);
        HttpResponse<String> ready = health("/ready");
        assertEquals("UP", json(ready).get("status"), ready.body());
        assertEquals(200, health("/live").statusCode());
        assertEquals(200, health("").statusCode());

        Map<String, String> readiness = checks("/ready");
        assertEquals("UP", readiness.get("database"), readiness::toString);
        assertEquals("UP", readiness.get("migrations"), readiness::toString);
        assertEquals("UP", readiness.get("refresh-loop"), readiness::toString);
        assertEquals("UP", readiness.get("context"), readiness::toString);
        assertTrue(readiness.keySet().stream().anyMatch(k -> k.startsWith("route:")), readiness::toString);

        Map<String, String> liveness = checks("/live");
        assertEquals("UP", liveness.get("refresh-loop"), liveness::toString);
        assertTrue(!liveness.containsKey("database"), "the database is a readiness check only: " + liveness);
    }

    @Test
    void readinessGoesDownWhileTheDatabaseIsUnreachableAndUpWhenItReturnsWhileLivenessStaysUp() {
        awaitStatus("/ready", 200, 30_000);
        dbServer.stop();
        try {
            awaitStatus("/ready", 503, 20_000);
            HttpResponse<String> down = health("/ready");
            assertEquals("DOWN", json(down).get("status"), down.body());
            assertTrue(down.body().contains("database"), down.body());
            assertEquals("DOWN", checks("/ready").get("database"));
            // liveness: restarting the bridge would not bring the database back
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> live = health("/live");
                assertEquals(200, live.statusCode(), live.body());
                sleep(500);
            }
        } finally {
            startDatabase();
        }
        awaitStatus("/ready", 200, 60_000);
        assertEquals("UP", checks("/ready").get("database"));
        assertEquals(200, health("/live").statusCode());
    }

    @Test
    void aSchemaOlderThanTheMigrationsIsNotReady() {
        awaitStatus("/ready", 200, 30_000);
        List<List<Object>> newest = rows("SELECT \"installed_rank\", \"version\" FROM \"flyway_schema_history\""
                + " WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\" DESC");
        Object rank = newest.get(0).get(0);
        assertEquals(1, execute("UPDATE \"flyway_schema_history\" SET \"success\" = FALSE WHERE \"installed_rank\" = ?", rank));
        try {
            awaitStatus("/ready", 503, 10_000);
            assertEquals("DOWN", checks("/ready").get("migrations"));
            assertTrue(health("/ready").body().contains("expected " + newest.get(0).get(1)), health("/ready").body());
        } finally {
            execute("UPDATE \"flyway_schema_history\" SET \"success\" = TRUE WHERE \"installed_rank\" = ?", rank);
        }
        awaitStatus("/ready", 200, 10_000);
    }

    @Test
    void aStoppedRefreshLoopIsNeitherLiveNorReady() throws Exception {
        awaitStatus("/live", 200, 30_000);
        context.getRouteController().stopRoute("refresh-loop");
        try {
            awaitStatus("/live", 503, 10_000);
            assertEquals("DOWN", checks("/live").get("refresh-loop"));
            assertEquals(503, health("/ready").statusCode());
        } finally {
            context.getRouteController().startRoute("refresh-loop");
        }
        awaitStatus("/live", 200, 10_000);
        awaitStatus("/ready", 200, 30_000);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePortForTest() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
