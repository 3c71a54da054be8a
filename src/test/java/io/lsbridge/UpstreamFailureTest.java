package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Lightspeed refusing connections or never answering is named, not a 500: 502
 * {@code upstream_unreachable} and 504 {@code upstream_timeout}, as an HTML page at the callback
 * and as JSON at /api. Test profiles point the token URL or the API base at a closed local port
 * and at a server that accepts connections and never answers.
 */
class UpstreamFailureTest extends BridgeTestSupport {
    /** Nothing listens here (bound once, then closed). */
    private static final int CLOSED_PORT = freePort();
    /** Accepts connections and never answers. */
    private static final ServerSocket HANGING = hangingServer();
    private static final List<Socket> HELD = new CopyOnWriteArrayList<>();
    private static final int RESPONSE_TIMEOUT_MILLIS = 1500;

    private static ServerSocket hangingServer() {
        try {
            ServerSocket server = new ServerSocket(0);
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        HELD.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "hanging-upstream");
            t.setDaemon(true);
            t.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void closeHangingServer() throws IOException {
        HANGING.close();
        for (Socket s : HELD) {
            s.close();
        }
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("camel.component.http.responseTimeout", Integer.toString(RESPONSE_TIMEOUT_MILLIS));
        p.setProperty("camel.component.http.soTimeout", Integer.toString(RESPONSE_TIMEOUT_MILLIS));
        p.setProperty("bridge.profiles", "x-series,x-refused,x-hanging,x-dead-api,x-slow-api");
        String closed = "http://127.0.0.1:" + CLOSED_PORT;
        String hanging = "http://127.0.0.1:" + HANGING.getLocalPort();
        profile(p, "x-refused", closed + "/token", "{{bridge.sandbox.base-url}}/api/x/{tenant}");
        profile(p, "x-hanging", hanging + "/token", "{{bridge.sandbox.base-url}}/api/x/{tenant}");
        profile(p, "x-dead-api", "{{bridge.sandbox.base-url}}/x/{tenant}/api/1.0/token", closed + "/api/{tenant}");
        profile(p, "x-slow-api", "{{bridge.sandbox.base-url}}/x/{tenant}/api/1.0/token", hanging + "/api/{tenant}");
        return p;
    }

    private static void profile(Properties p, String name, String tokenUrl, String apiBaseUrl) {
        String k = "bridge.profile." + name + ".";
        p.setProperty(k + "series", "X");
        p.setProperty(k + "authorize-url", "{{bridge.sandbox.base-url}}/x/oauth/authorize");
        p.setProperty(k + "token-url", tokenUrl);
        p.setProperty(k + "scopes", "products:read");
        p.setProperty(k + "tenant-param", "domain_prefix");
        p.setProperty(k + "api-base-url", apiBaseUrl);
        p.setProperty(k + "rate-model", "none");
    }

    private HttpResponse<String> callback(String profile, String store) {
        Browser browser = new Browser();
        String callbackUrl = decide(connect(browser, profile), "grant", store);
        return browser.get(callbackUrl);
    }

    private static String logSince(long offset) throws IOException {
        Path log = Path.of("target/test-logs/bridge-tests.log");
        return Files.readString(log, StandardCharsets.UTF_8).substring((int) offset);
    }

    private static long logSize() throws IOException {
        Path log = Path.of("target/test-logs/bridge-tests.log");
        return Files.exists(log) ? Files.size(log) : 0;
    }

    private static void assertHtmlPage(HttpResponse<String> r, int status, String code) {
        assertEquals(status, r.statusCode(), r::body);
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"), r.headers()::toString);
        assertTrue(r.body().contains("<code>" + code + "</code>"), () -> "page names " + code + ": " + r.body());
        assertFalse(r.body().contains("internal_error"), r.body());
    }

    private static void assertJsonError(HttpResponse<String> r, int status, String code) {
        assertEquals(status, r.statusCode(), r::body);
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.headers()::toString);
        assertTrue(r.body().startsWith("{\"error\":\"" + code + "\""), r.body());
    }

    @Test
    void aRefusedTokenEndpointAtTheCallbackIsA502PageNamingTheReason() throws IOException {
        long log = logSize();
        String before = connectionTableSnapshot();
        HttpResponse<String> r = callback("x-refused", "refused-shop");
        assertHtmlPage(r, 502, "upstream_unreachable");
        assertTrue(r.body().contains("could not be reached"), r.body());
        assertEquals(before, connectionTableSnapshot(), "no connection stored");

        String lines = logSince(log);
        // the log line names the profile (a step removes every header before the token call)
        assertTrue(lines.contains("callback refused for profile 'x-refused': 502 upstream_unreachable"), lines);
        assertNoStackTrace(lines);
    }

    @Test
    void aHangingTokenEndpointAtTheCallbackIsA504PageNamingTheReason() throws IOException {
        long log = logSize();
        long started = System.nanoTime();
        HttpResponse<String> r = callback("x-hanging", "hanging-shop");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertHtmlPage(r, 504, "upstream_timeout");
        assertTrue(r.body().contains("did not answer in time"), r.body());
        assertTrue(millis >= RESPONSE_TIMEOUT_MILLIS, "waited the response timeout: " + millis + " ms");
        String lines = logSince(log);
        assertTrue(lines.contains("callback refused for profile 'x-hanging': 504 upstream_timeout"), lines);
        assertNoStackTrace(lines);
    }

    @Test
    void aRefusedOrHangingApiIsA502Or504JsonError() throws IOException {
        String dead = personalConnection("x-dead-api", "dead-shop");
        String slow = personalConnection("x-slow-api", "slow-shop");
        long log = logSize();

        assertJsonError(Browser.call("GET", base() + "/api/" + dead + "/2.0/products", apiKey, null), 502, "upstream_unreachable");
        assertJsonError(Browser.call("POST", base() + "/api/" + dead + "/2.0/products", apiKey, "{}"), 502, "upstream_unreachable");
        assertJsonError(Browser.call("GET", base() + "/api/" + slow + "/2.0/products?page=2", apiKey, null), 504, "upstream_timeout");

        String lines = logSince(log);
        assertTrue(lines.contains("api-http failed: 502 upstream_unreachable"), lines);
        assertTrue(lines.contains("api-http failed: 504 upstream_timeout"), lines);
        assertFalse(lines.contains("page=2"), "no query string in the log");
        assertFalse(lines.contains("internal_error"), lines);
        assertNoStackTrace(lines);
        // the connections are kept as they were
        assertEquals("ACTIVE", view(dead).get("status"));
        assertEquals("ACTIVE", view(slow).get("status"));
    }


    /** The one failure that is not expected: 500 internal_error, its text and stack trace in the log only. */
    @Test
    void anUnexpectedFailureIsA500WhoseDetailsStayInTheLog() throws Exception {
        // the fallback route, as it is the last the server tries also after being advised (restarted)
        AdviceWith.adviceWith(context, "not-found", a -> a.weaveById("answer-not-found").replace()
                .throwException(new IllegalStateException("unexpected detail for the operator")));
        long log = logSize();
        HttpResponse<String> r = Browser.call("GET", base() + "/no/such/path", null, null);
        assertJsonError(r, 500, "internal_error");
        assertFalse(r.body().contains("unexpected detail"), r.body());
        String lines = logSince(log);
        assertTrue(lines.contains("not-found failed: 500 internal_error"), lines);
        assertTrue(lines.contains("ERROR") && lines.contains("java.lang.IllegalStateException: unexpected detail for the operator"),
                lines);
        assertTrue(lines.contains("\tat "), "with its stack trace: " + lines);
    }

    private String personalConnection(String profile, String store) {
        HttpResponse<String> r = Browser.call("POST", base() + "/connections", apiKey,
                "{\"profile\":\"" + profile + "\",\"domain_prefix\":\"" + store + "\",\"token\":\"lsxs_pt_" + store + "_12345\"}");
        assertEquals(201, r.statusCode(), r::body);
        return (String) connection(profile, store).get("id");
    }

    /** Expected network failures are one WARN line each: no exception class at the start of a line, no "at ..." frames. */
    private static void assertNoStackTrace(String lines) {
        for (String line : lines.split("\n")) {
            assertFalse(line.startsWith("\tat ") || line.matches("^(java|org)\\.[\\w.$]+(Exception|Error).*"),
                    () -> "stack trace in the log: " + line);
        }
    }
}
