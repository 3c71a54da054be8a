package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The operator API's edges: where the API key may come from, which headers an answer carries,
 * a personal token that would replace an OAuth connection, and paths with dot segments.
 */
class ConnectionsApiTest extends BridgeTestSupport {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A request with exactly these headers (name, value, name, value, ...) and an optional body. */
    private HttpResponse<String> send(String method, String pathAndQuery, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theApiKeyCountsOnlyInTheRequestHeaderNeverInTheUrlOrAForm() {
        assertEquals(200, connectStore("x-series", "key-shop").statusCode());
        String id = connectionId("x-series", "key-shop");
        long apiRequests = stat("apiRequests");
        String before = connectionTableSnapshot();

        for (String path : List.of("/connections?X-Api-Key=" + apiKey, "/connections?x-api-key=" + apiKey,
                "/connections/" + id + "?X-Api-Key=" + apiKey, "/api/" + id + "/2.0/products?X-Api-Key=" + apiKey)) {
            HttpResponse<String> r = send("GET", path, null);
            assertEquals(401, r.statusCode(), () -> path + " answered " + r.body());
            assertTrue(r.body().contains("missing_api_key"), r.body());
            assertFalse(r.body().contains(apiKey), "the key is never echoed");
        }
        // a form field of that name is not the header either
        HttpResponse<String> form = send("POST", "/connections/" + id + "/refresh", "X-Api-Key=" + apiKey,
                "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(401, form.statusCode(), form::body);
        HttpResponse<String> deleteByQuery = send("DELETE", "/connections/" + id + "?X-Api-Key=" + apiKey, null);
        assertEquals(401, deleteByQuery.statusCode(), deleteByQuery::body);

        assertEquals(before, connectionTableSnapshot(), "nothing changed");
        assertEquals(apiRequests, stat("apiRequests"), "nothing reached Lightspeed");
        // the same calls with the header work
        assertEquals(200, send("GET", "/connections/" + id, null, "X-Api-Key", apiKey).statusCode());
        assertEquals(200, send("GET", "/api/" + id + "/2.0/products", null, "X-Api-Key", apiKey).statusCode());
    }

    @Test
    void answersCarryOnlyTheHeadersTheBridgeSets() {
        assertEquals(200, connectStore("o-series", "echo-shop").statusCode());
        String id = connectionId("o-series", "echo-shop");
        Map<String, Integer> calls = Map.of(
                "GET /connections", 200,
                "GET /connections/" + id, 200,
                "GET /connections/00000000-0000-0000-0000-000000000000", 404,
                "POST /connections/" + id + "/refresh", 200,
                "GET /api/00000000-0000-0000-0000-000000000000/v1/x", 404,
                "GET /no/such/path", 404);
        calls.forEach((call, status) -> {
            String method = call.split(" ")[0];
            String path = call.split(" ")[1];
            for (String query : List.of("", "?Retry-After=120&X-Evil=1&CamelHttpResponseCode=299")) {
                HttpResponse<String> r = send(method, path + query, null,
                        "X-Api-Key", apiKey, "Retry-After", "120", "X-Evil", "1");
                assertEquals(status, r.statusCode(), () -> call + query + ": " + r.body());
                assertTrue(r.headers().firstValue("retry-after").isEmpty(), () -> call + query + " echoed Retry-After");
                assertTrue(r.headers().firstValue("x-evil").isEmpty(), () -> call + query + " echoed X-Evil");
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), call);
            }
        });
        // and without the key: 401, still nothing echoed
        HttpResponse<String> r = send("GET", "/connections?Retry-After=5", null, "Retry-After", "5");
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("retry-after").isEmpty());
    }

    @Test
    void aPersonalTokenDoesNotReplaceAnOAuthConnectionUnlessAskedTo() {
        assertEquals(200, connectStore("x-series", "oauth-shop").statusCode());
        String id = connectionId("x-series", "oauth-shop");
        String row = rows("SELECT kind, status, access_token_enc, refresh_token_enc, updated_at FROM connection WHERE id = ?", id)
                .toString();
        long events = rows("SELECT 1 FROM connection_event WHERE connection_id = ?", id).size();

        String body = "{\"profile\":\"x-series\",\"domain_prefix\":\"oauth-shop\",\"token\":\"lsxs_pt_replacement_1234\"";
        HttpResponse<String> refused = send("POST", "/connections", body + "}", "X-Api-Key", apiKey,
                "Content-Type", "application/json");
        assertEquals(409, refused.statusCode(), refused::body);
        assertTrue(refused.body().contains("connection_exists"), refused.body());
        assertTrue(refused.body().contains("replace"), "says how to replace it: " + refused.body());
        assertFalse(refused.body().contains("lsxs_pt_replacement_1234"));
        assertEquals(row, rows("SELECT kind, status, access_token_enc, refresh_token_enc, updated_at FROM connection WHERE id = ?", id)
                .toString(), "the OAuth row is unchanged");
        assertEquals(events, rows("SELECT 1 FROM connection_event WHERE connection_id = ?", id).size());
        assertEquals("OAUTH", connection("x-series", "oauth-shop").get("kind"));

        // "replace": false is the same; a non-boolean is refused
        assertEquals(409, send("POST", "/connections", body + ",\"replace\":false}", "X-Api-Key", apiKey).statusCode());
        assertEquals(400, send("POST", "/connections", body + ",\"replace\":\"yes\"}", "X-Api-Key", apiKey).statusCode());
        assertEquals("OAUTH", connection("x-series", "oauth-shop").get("kind"));

        HttpResponse<String> replaced = send("POST", "/connections", body + ",\"replace\":true}", "X-Api-Key", apiKey);
        assertEquals(201, replaced.statusCode(), replaced::body);
        Map<String, Object> conn = connection("x-series", "oauth-shop");
        assertEquals(id, conn.get("id"), "the same connection, now with the personal token");
        assertEquals("PERSONAL", conn.get("kind"));
        assertEquals("lsxs_pt_replacement_1234", accessToken(id));

        // a personal token over a personal token is an update, no replace needed
        assertEquals(201, send("POST", "/connections", body.replace("replacement", "second_one") + "}",
                "X-Api-Key", apiKey).statusCode());
        assertEquals("lsxs_pt_second_one_1234", accessToken(id));
    }

    @Test
    void dotSegmentsWithPathParametersAreRefused() {
        assertEquals(200, connectStore("x-series", "dots-shop").statusCode());
        String id = connectionId("x-series", "dots-shop");
        long apiRequests = stat("apiRequests");
        String before = connectionTableSnapshot();
        List<String> paths = List.of(
                "/api/" + id + "/..;/..;/connections",
                "/api/" + id + "/2.0/..;/products",
                "/api/" + id + "/.;x/2.0/products",
                "/api/" + id + "/%2e%2e;/2.0/products",
                "/api/" + id + "/..%3B/2.0/products",
                "/api/" + id + "/%252e%252e%253b/2.0/products",
                "/api/" + id + "/..%5c2.0/products",
                "/connections/..;/connections",
                "/connections/.;x",
                "/connections/..;",
                "/connections/" + id + "/..;/refresh",
                "/callback/..;",
                "/callback/.;x?state=abc&code=def",
                "/callback/..;/connections",
                "/connect/..;x");
        for (String path : paths) {
            for (String method : List.of("GET", "POST", "DELETE")) {
                HttpResponse<String> r = send(method, path, null, "X-Api-Key", apiKey);
                assertEquals(400, r.statusCode(), () -> method + " " + path + ": " + r.body());
                assertTrue(r.body().contains("invalid_path"), () -> method + " " + path + ": " + r.body());
            }
        }
        // the browser routes answer with a page, the APIs with JSON
        assertTrue(send("GET", "/callback/.;x", null).headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(send("GET", "/connections/.;x", null, "X-Api-Key", apiKey).body().startsWith("{\"error\":\"invalid_path\""));
        assertEquals(apiRequests, stat("apiRequests"), "nothing reached Lightspeed");
        assertEquals(before, connectionTableSnapshot(), "nothing changed");
    }

    @Test
    void personalTokenRegistersAnXSeriesConnectionThatNeverExpires() {
        String body = "{\"profile\":\"x-series\",\"domain_prefix\":\"personal-shop\",\"token\":\"lsxs_pt_abcdefgh12345678\"}";
        HttpResponse<String> r = Browser.call("POST", base() + "/connections", apiKey, body);
        assertEquals(201, r.statusCode(), r::body);
        assertFalse(r.body().contains("lsxs_pt_abcdefgh12345678"), "the token is never echoed");
        Map<String, Object> conn = connection("x-series", "personal-shop");
        assertEquals("PERSONAL", conn.get("kind"));
        assertEquals("ACTIVE", conn.get("status"));
        assertEquals(null, conn.get("accessTokenExpiresAt"));

        // bad input is refused and stores nothing
        String before = connectionTableSnapshot();
        assertEquals(400, Browser.call("POST", base() + "/connections", apiKey,
                "{\"profile\":\"x-series\",\"domain_prefix\":\"evil.example/x\",\"token\":\"lsxs_pt_abcdefgh\"}").statusCode());
        assertEquals(400, Browser.call("POST", base() + "/connections", apiKey,
                "{\"profile\":\"r-series\",\"domain_prefix\":\"shop\",\"token\":\"lsxs_pt_abcdefgh\"}").statusCode());
        assertEquals(400, Browser.call("POST", base() + "/connections", apiKey, "not json").statusCode());
        assertEquals(before, connectionTableSnapshot());
    }

    @Test
    void deleteForgetsTheConnectionAndErasesItsTokens() {
        assertEquals(200, connectStore("o-series", "short-lived").statusCode());
        String id = (String) connection("o-series", io.lsbridge.sandbox.Sandbox.tenantId("o", "short-lived")).get("id");

        HttpResponse<String> r = Browser.call("DELETE", base() + "/connections/" + id, apiKey, null);
        assertEquals(200, r.statusCode(), r::body);
        assertEquals(404, Browser.call("GET", base() + "/connections/" + id, apiKey, null).statusCode());
        assertTrue(rows("SELECT access_token_enc FROM connection WHERE id = ?", id).isEmpty());
        assertEquals(1, rows("SELECT 1 FROM connection_event WHERE connection_id = ? AND event_type = 'DELETED'", id).size());
        assertEquals(404, Browser.call("DELETE", base() + "/connections/" + id, apiKey, null).statusCode());
    }

    @Test
    void operatorApiNeedsTheRightKey() {
        for (String path : List.of("/connections", "/connections/00000000-0000-0000-0000-000000000000")) {
            HttpResponse<String> none = Browser.call("GET", base() + path, null, null);
            assertEquals(401, none.statusCode());
            assertTrue(none.body().contains("missing_api_key"), none.body());
            HttpResponse<String> wrong = Browser.call("GET", base() + path, "wrong-" + apiKey, null);
            assertEquals(401, wrong.statusCode());
            assertTrue(wrong.body().contains("invalid_api_key"), wrong.body());
            assertFalse(wrong.body().contains(apiKey));
        }
        String before = connectionTableSnapshot();
        assertEquals(401, Browser.call("POST", base() + "/connections", "wrong", "{}").statusCode());
        assertEquals(401, Browser.call("DELETE", base() + "/connections/x", null, null).statusCode());
        assertEquals(401, Browser.call("POST", base() + "/connections/00000000-0000-0000-0000-000000000000/refresh", null, null)
                .statusCode());
        assertEquals(401, Browser.call("GET", base() + "/api/00000000-0000-0000-0000-000000000000/x", "wrong", null).statusCode());
        assertEquals(before, connectionTableSnapshot());
    }

    @Test
    void aDeferredRefreshNowSaysWhenToComeBackInItsOwnRetryAfter() {
        assertEquals(200, connectStore("r-series", "deferred-shop").statusCode());
        String id = connectionId("r-series", "deferred-shop");
        sandboxAdmin("faults", "{\"mode\":\"429\",\"count\":1,\"series\":\"r\",\"retryAfterSeconds\":5}");
        HttpResponse<String> r = send("POST", "/connections/" + id + "/refresh?Retry-After=7777", null,
                "X-Api-Key", apiKey, "Retry-After", "7777");
        assertEquals(503, r.statusCode(), r::body);
        assertTrue(r.body().contains("\"outcome\":\"DEFERRED\""), r.body());
        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow(() -> new AssertionError("no Retry-After")));
        assertTrue(retryAfter >= 1 && retryAfter <= 6, "the token endpoint's own wait, not the request's: " + retryAfter);
    }

    @Test
    void errorLogLinesNameTheRouteAndTheRequestSafely() throws IOException {
        java.nio.file.Path log = java.nio.file.Path.of("target/test-logs/bridge-tests.log");
        long start = java.nio.file.Files.size(log);
        assertEquals(404, send("GET", "/connect/no%0d%0aFAKE-LINE", null).statusCode());
        assertEquals(404, send("GET", "/connections/00000000-0000-0000-0000-000000000000", null, "X-Api-Key", apiKey).statusCode());
        String lines = java.nio.file.Files.readString(log).substring((int) start);
        assertTrue(lines.contains("connect refused for profile 'no??FAKE-LINE': 404 unknown_profile"), lines);
        assertTrue(lines.contains("show-connection failed: 404 unknown_connection"), lines);
        for (String line : lines.split("\n")) {
            assertFalse(line.startsWith("FAKE-LINE"), "a request cannot start a log line: " + line);
        }
    }

    @Test
    void aVerbTheApiDoesNotOfferGetsAJsonError() {
        for (String call : List.of("PUT /connections", "PATCH /connections/00000000-0000-0000-0000-000000000000",
                "GET /connections/00000000-0000-0000-0000-000000000000/refresh")) {
            HttpResponse<String> r = send(call.split(" ")[0], call.split(" ")[1], null, "X-Api-Key", apiKey);
            assertTrue(r.statusCode() == 404 || r.statusCode() == 405, () -> call + ": " + r.statusCode());
            assertTrue(r.body().startsWith("{\"error\":"), () -> call + ": " + r.body());
        }
    }
}
