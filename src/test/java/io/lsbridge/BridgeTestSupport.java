package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.CamelContext;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Boots the real routes/ and config/application.properties once per test class, on a free
 * port and a fresh H2 file database (or PostgreSQL: {@link #newDatabase}), in sandbox mode.
 * Helpers walk the flow as a browser would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BridgeTestSupport extends CamelMainTestSupport {
    protected static final ObjectMapper JSON = new ObjectMapper();

    // set in initOnce(): CamelTestSupport's constructor calls configureContext before field initialisers run
    protected int port;
    protected String dbFile;
    /** The bridge's database for this class. */
    protected TestDatabase database;
    /** A per-run API key and sandbox client secret, so the log and secret scans can look for them. */
    protected String apiKey;
    protected String sandboxSecret;

    private void initOnce() {
        if (dbFile == null) {
            port = freePort();
            dbFile = "target/test-db/" + getClass().getSimpleName() + "-" + UUID.randomUUID();
            apiKey = "test-key-" + UUID.randomUUID();
            sandboxSecret = "sandbox-secret-" + UUID.randomUUID();
            database = newDatabase();
        }
    }

    /**
     * The bridge's database for this class: a fresh H2 file ({@code dbFile}), or PostgreSQL when the
     * run says {@code -Dbridge.test.database=postgres}. The PostgreSQL variants of a test class
     * override this with {@code TestDatabase.postgres(...)}.
     */
    protected TestDatabase newDatabase() {
        return TestDatabase.byDefault(getClass().getSimpleName(), dbFile);
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "file:config/application.properties";
    }

    /** Extra or replaced properties for one test class. */
    protected Properties extraProperties() {
        return new Properties();
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        initOnce();
        Properties p = new Properties();
        p.setProperty("camel.server.port", Integer.toString(port));
        p.putAll(database.bridgeProperties());
        p.setProperty("bridge.api-key", apiKey);
        p.setProperty("bridge.sandbox.client-secret", sandboxSecret);
        p.setProperty("bridge.encryption.sandbox-key-file", dbFile + ".key");
        // one Quartz scheduler per test class (its name follows the context's): a refresh-loop job of the
        // class before, still firing while its context stops, cannot land in this class's context
        p.setProperty("camel.main.name", "lightspeed-oauth-bridge-" + getClass().getSimpleName());
        p.putAll(extraProperties());
        configuration.withUseOverridePropertiesWithPropertiesComponent(p);
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        initOnce();
        // camel-main reads the server port before override properties apply
        System.setProperty("camel.server.port", Integer.toString(port));
        return super.createCamelContext();
    }

    /**
     * Stops this class's bridge when its tests are done. Camel's per-class context manager
     * (LegacyCamelContextManager, whose stop() does nothing) only does that when the whole run ends,
     * so every earlier class's bridge (HTTP server, refresh loop, pool) would keep running beside the
     * next ones.
     */
    @AfterAll
    void stopThisClassesBridge() {
        contextManagerExtension.getContextManager().close();
    }

    protected String base() {
        return "http://localhost:" + port;
    }

    // ------------------------------------------------------------------ the browser flow

    /** GET /connect/{profile}: returns the authorize URL the bridge redirected to. */
    protected String connect(Browser browser, String profile) {
        HttpResponse<String> r = browser.get(base() + "/connect/" + profile);
        assertEquals(302, r.statusCode(), () -> "connect answered " + r.statusCode() + ": " + r.body());
        return Browser.location(r);
    }

    /** The retailer clicks Grant (or Deny) on the sandbox consent page: returns the callback URL. */
    protected String decide(String authorizeUrl, String decision, String store) {
        Browser consent = new Browser();
        HttpResponse<String> page = consent.get(authorizeUrl);
        assertEquals(200, page.statusCode(), () -> "consent page: " + page.body());
        HttpResponse<String> r = consent.postForm(authorizeUrl, "decision=" + decision + "&store=" + store);
        assertEquals(302, r.statusCode(), () -> "consent answered " + r.statusCode() + ": " + r.body());
        return Browser.location(r);
    }

    /** A whole successful flow; returns the callback page. */
    protected HttpResponse<String> connectStore(String profile, String store) {
        Browser browser = new Browser();
        String callbackUrl = decide(connect(browser, profile), "grant", store);
        return browser.get(callbackUrl);
    }

    // ------------------------------------------------------------------ the operator's view

    protected List<Map<String, Object>> connections() {
        HttpResponse<String> r = Browser.call("GET", base() + "/connections", apiKey, null);
        assertEquals(200, r.statusCode(), r::body);
        return parse(r.body(), new TypeReference<>() { });
    }

    protected Map<String, Object> connection(String profile, String tenant) {
        return connections().stream().filter(c -> profile.equals(c.get("profile")) && tenant.equals(c.get("tenant")))
                .findFirst().orElseThrow(() -> new AssertionError("no connection " + profile + "/" + tenant));
    }

    protected Map<String, Object> sandboxStats() {
        HttpResponse<String> r = Browser.call("GET", base() + "/sandbox/admin/stats", null, null);
        return parse(r.body(), new TypeReference<>() { });
    }

    protected long tokenCalls() {
        return ((Number) sandboxStats().get("tokenCalls")).longValue();
    }

    protected static <T> T parse(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    // ------------------------------------------------------------------ the database

    protected DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType("bridgeDataSource", DataSource.class);
    }

    protected List<List<Object>> rows(String sql, Object... args) {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<List<Object>> out = new ArrayList<>();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.add(rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected int execute(String sql, Object... args) {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The whole connection table as text: a cheap way to prove a rejected callback changed nothing. */
    protected String connectionTableSnapshot() {
        return rows("SELECT id, profile, tenant_key, status, access_token_enc, refresh_token_enc, updated_at"
                + " FROM connection ORDER BY id").toString();
    }

    // ------------------------------------------------------------------ refresh helpers

    protected String connectionId(String profile, String store) {
        String tenant = profile.startsWith("x") ? store : io.lsbridge.sandbox.Sandbox.tenantId(profile.substring(0, 1), store);
        return (String) connection(profile, tenant).get("id");
    }

    protected Map<String, Object> view(String id) {
        HttpResponse<String> r = Browser.call("GET", base() + "/connections/" + id, apiKey, null);
        assertEquals(200, r.statusCode(), r::body);
        return parse(r.body(), new TypeReference<>() { });
    }

    /** Makes a connection's access token due now, as if it were about to expire. */
    protected void makeDue(String id) {
        assertEquals(1, execute("UPDATE connection SET access_expires_at = CURRENT_TIMESTAMP WHERE id = ?", id));
    }

    protected long stat(String name) {
        return ((Number) sandboxStats().get(name)).longValue();
    }

    protected HttpResponse<String> sandboxAdmin(String path, String json) {
        return Browser.call("POST", base() + "/sandbox/admin/" + path, null, json);
    }

    /** Polls until the condition holds; fails after the timeout with the message. */
    protected static void await(String what, long timeoutMillis, java.util.function.BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The connection's current access token, decrypted by the bridge's own store. */
    protected String accessToken(String id) {
        return context.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class).accessToken(id);
    }

    /** Whether the sandbox accepts this token at the series' account lookup (or X's products). */
    protected int sandboxApiStatus(String series, String store, String token) {
        String path = switch (series) {
            case "x" -> "/x/" + store + "/2.0/products";
            case "r" -> "/r/API/V3/Account.json";
            case "o" -> "/o/v1/companies/me.json";
            case "l" -> "/l/resto/rest/core/company";
            default -> "/k/f/data/businesses";
        };
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + "/sandbox/api" + path))
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            return java.net.http.HttpClient.newHttpClient().send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A port for a test's server, below the kernel's ephemeral range (32768 and up here): a port taken
     * with bind(0) and released is soon handed to the next bind(0) of any process (an H2 AUTO_SERVER of
     * a node still stopping, a client socket), which then answered a test's HTTP request in the bridge's
     * place. Ports outside that range are handed out only on request.
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress(candidate));
                return candidate;
            } catch (IOException inUse) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free port between 20000 and 32000");
    }
}
