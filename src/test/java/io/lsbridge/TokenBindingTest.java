package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Stored tokens are bound to their row (issue 9, item 5): a ciphertext copied to another connection,
 * or to another column of its own, does not open there, so the bridge never sends one connection's
 * token on behalf of another. Rows written by the version before the binding keep working, and are
 * bound at their next write and by the startup step.
 */
class TokenBindingTest extends BridgeTestSupport {
    private static final HttpServer WEBHOOK;
    private static final List<String> NOTICES = Collections.synchronizedList(new ArrayList<>());

    static {
        try {
            WEBHOOK = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        WEBHOOK.createContext("/hooks/reauth", exchange -> {
            NOTICES.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        WEBHOOK.start();
    }

    @AfterAll
    void stopWebhook() {
        WEBHOOK.stop(0);
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.webhook.url", "http://localhost:" + WEBHOOK.getAddress().getPort() + "/hooks/reauth");
        return p;
    }

    private TokenCipher cipher() {
        return context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
    }

    private ConnectionStore store() {
        return context.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
    }

    private String connected(String profile, String store) {
        assertEquals(200, connectStore(profile, store).statusCode());
        return connectionId(profile, store);
    }

    /** key_id, access_token_enc, refresh_token_enc of a row. */
    private List<Object> stored(String id) {
        return rows("SELECT key_id, access_token_enc, refresh_token_enc FROM connection WHERE id = ?", id).get(0);
    }

    private String refreshToken(String id) {
        List<Object> row = stored(id);
        return cipher().decrypt((String) row.get(0), (String) row.get(2), ConnectionStore.REFRESH, id);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> sandboxRequests() {
        return parse(Browser.call("GET", base() + "/sandbox/admin/requests", null, null).body(), new TypeReference<>() { });
    }

    /** The bearer tokens the sandbox's API received, in order. */
    @SuppressWarnings("unchecked")
    private List<String> bearersSeen() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> r : sandboxRequests()) {
            Object auth = ((Map<String, Object>) r.get("headers")).get("Authorization");
            if (auth != null) {
                out.add(auth.toString().replaceFirst("^Bearer ", ""));
            }
        }
        return out;
    }

    private static List<String> distinct(List<String> values) {
        return new ArrayList<>(new java.util.LinkedHashSet<>(values));
    }

    private HttpResponse<String> products(String id) {
        return Browser.call("GET", base() + "/api/" + id + "/2.0/products", apiKey, null);
    }

    @Test
    void tokensSwappedBetweenTwoConnectionsAreNeverUsedForTheOther() {
        String a = connected("x-series", "bound-a");
        String b = connected("x-series", "bound-b");
        String accessA = accessToken(a);
        String accessB = accessToken(b);
        String refreshA = refreshToken(a);
        String refreshB = refreshToken(b);
        assertNotEquals(accessA, accessB);
        List<Object> rowA = stored(a);
        List<Object> rowB = stored(b);
        assertTrue(rowA.get(1).toString().startsWith("v2.") && rowA.get(2).toString().startsWith("v2."), "written bound");

        // someone with write access to the database swaps the two rows' ciphertexts (same key id)
        assertEquals(rowA.get(0), rowB.get(0));
        assertEquals(1, execute("UPDATE connection SET access_token_enc = ?, refresh_token_enc = ? WHERE id = ?",
                rowB.get(1), rowB.get(2), a));
        assertEquals(1, execute("UPDATE connection SET access_token_enc = ?, refresh_token_enc = ? WHERE id = ?",
                rowA.get(1), rowA.get(2), b));
        store().forget(a);
        store().forget(b);
        Browser.call("DELETE", base() + "/sandbox/admin/requests", null, null);
        long tokenCallsBefore = tokenCalls();

        // the proxied call of each: a 500 that names the problem, nothing sent upstream
        for (String id : List.of(a, b)) {
            HttpResponse<String> r = products(id);
            assertEquals(500, r.statusCode(), r::body);
            Map<String, Object> error = parse(r.body(), new TypeReference<>() { });
            assertEquals("stored_token_mismatch", error.get("error"), r.body());
            assertTrue(error.get("message").toString().contains("The stored access token of connection " + id
                    + " does not belong to it"), r.body());
            assertTrue(error.get("message").toString().contains("Nothing was sent to Lightspeed"), r.body());
            for (String secret : List.of(accessA, accessB, refreshA, refreshB, rowA.get(1).toString(), rowB.get(1).toString())) {
                assertFalse(r.body().contains(secret), "the answer shows no token or ciphertext");
            }
        }
        assertEquals(List.of(), bearersSeen(), "the sandbox received no token at all");

        // the operator's refresh of each: NEEDS_REAUTH with the reason, an event, a notice; no token call
        for (String id : List.of(a, b)) {
            HttpResponse<String> r = Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null);
            assertEquals(409, r.statusCode(), r::body);
            assertTrue(r.body().contains("NEEDS_REAUTH"), r.body());
            Map<String, Object> v = view(id);
            assertEquals("NEEDS_REAUTH", v.get("status"), v::toString);
            assertTrue(String.valueOf(v.get("lastError")).contains("the stored refresh token does not belong to this connection"),
                    v::toString);
            assertTrue(v.get("events").toString().contains("does not belong to this connection"), v::toString);
            await("re-authorization notice for " + id, 20_000, () -> NOTICES.stream()
                    .anyMatch(n -> n.contains(id) && n.contains("does not belong to this connection")));
        }
        assertEquals(tokenCallsBefore, tokenCalls(), "neither refresh token was sent to the token endpoint");
        assertEquals(List.of(), bearersSeen());
        // and the loop leaves them alone now (NEEDS_REAUTH is not due); the store re-authorizes to recover
        assertEquals(200, connectStore("x-series", "bound-a").statusCode());
        assertEquals("ACTIVE", view(a).get("status"));
        assertEquals(200, products(a).statusCode());
        String newA = accessToken(a);
        assertEquals(List.of(newA), bearersSeen(), "after re-authorization, A's own new token and nothing else");
        assertFalse(List.of(accessA, accessB).contains(newA));
    }

    @Test
    void anAccessTokenMovedToAnotherColumnIsRefusedAndARefreshRenewsIt() {
        String id = connected("x-series", "bound-field");
        String access = accessToken(id);
        List<Object> row = stored(id);
        // the refresh token's ciphertext in the access token's column (and the other way round) of the same row
        assertEquals(1, execute("UPDATE connection SET access_token_enc = ?, refresh_token_enc = ? WHERE id = ?",
                row.get(2), row.get(1), id));
        store().forget(id);
        Browser.call("DELETE", base() + "/sandbox/admin/requests", null, null);
        long tokenCallsBefore = tokenCalls();
        HttpResponse<String> r = products(id);
        assertEquals(500, r.statusCode(), r::body);
        assertTrue(r.body().contains("stored_token_mismatch") && r.body().contains("POST /connections/" + id + "/refresh"), r.body());
        assertEquals(409, Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null).statusCode());
        assertEquals(tokenCallsBefore, tokenCalls(), "the access token was not sent as a refresh token");
        assertEquals(List.of(), bearersSeen(), "nor the refresh token as a bearer token");
        assertFalse(bearersSeen().contains(access));

        // only the access token moved: the operator's refresh renews it with the intact refresh token
        String id2 = connected("x-series", "bound-field-2");
        List<Object> row2 = stored(id2);
        assertEquals(1, execute("UPDATE connection SET access_token_enc = ? WHERE id = ?", row2.get(2), id2));
        store().forget(id2);
        assertEquals(500, products(id2).statusCode());
        HttpResponse<String> refreshed = Browser.call("POST", base() + "/connections/" + id2 + "/refresh", apiKey, null);
        assertEquals(200, refreshed.statusCode(), refreshed::body);
        assertTrue(refreshed.body().contains("REFRESHED"), refreshed.body());
        assertEquals(200, products(id2).statusCode());
        assertEquals(accessToken(id2), bearersSeen().get(bearersSeen().size() - 1));
    }

    @Test
    void aPkceVerifierSwappedBetweenTwoAuthorizationsFailsTheCallbackBeforeTheCodeIsUsed() {
        Browser first = new Browser();
        String authorize1 = connect(first, "l-series");
        Browser second = new Browser();
        String authorize2 = connect(second, "l-series");
        String hash1 = Secrets.sha256Hex(Browser.query(authorize1).get("state"));
        String hash2 = Secrets.sha256Hex(Browser.query(authorize2).get("state"));
        Object v1 = rows("SELECT verifier_enc FROM authorization_request WHERE state_hash = ?", hash1).get(0).get(0);
        Object v2 = rows("SELECT verifier_enc FROM authorization_request WHERE state_hash = ?", hash2).get(0).get(0);
        execute("UPDATE authorization_request SET verifier_enc = ? WHERE state_hash = ?", v2, hash1);
        execute("UPDATE authorization_request SET verifier_enc = ? WHERE state_hash = ?", v1, hash2);
        String callback = decide(authorize1, "grant", "bound-l");
        long tokenCallsBefore = tokenCalls();
        HttpResponse<String> page = first.get(callback);
        assertEquals(500, page.statusCode(), page::body);
        assertTrue(page.body().contains("PKCE verifier") && page.body().contains("connect link"), page.body());
        assertEquals(tokenCallsBefore, tokenCalls(), "the code was not exchanged with another authorization's verifier");
    }

    /** Rows written by the version before the binding: read the old way, bound at their next write and at startup. */
    @Test
    void rowsWrittenBeforeTheBindingKeepWorkingAndAreBound() throws Exception {
        String oauth = connected("x-series", "legacy-oauth");
        assertEquals(201, Browser.call("POST", base() + "/connections", apiKey,
                "{\"domain_prefix\":\"legacy-pt\",\"token\":\"legacy-personal-token-123456\"}").statusCode());
        String personal = connectionId("x-series", "legacy-pt");
        String access = accessToken(oauth);
        String refresh = refreshToken(oauth);

        // as the previous version wrote them: associated data = the field alone, no version prefix
        byte[] key = Base64.getDecoder().decode(Files.readString(Path.of(dbFile + ".key")).trim());
        assertEquals(1, execute("UPDATE connection SET access_token_enc = ?, refresh_token_enc = ? WHERE id = ?",
                CryptoTest.legacyEncrypt(key, access, ConnectionStore.ACCESS),
                CryptoTest.legacyEncrypt(key, refresh, ConnectionStore.REFRESH), oauth));
        assertEquals(1, execute("UPDATE connection SET access_token_enc = ? WHERE id = ?",
                CryptoTest.legacyEncrypt(key, "legacy-personal-token-123456", ConnectionStore.ACCESS), personal));
        store().forget(oauth);
        store().forget(personal);
        assertFalse(TokenCipher.isBound((String) stored(oauth).get(1)));
        Browser.call("DELETE", base() + "/sandbox/admin/requests", null, null);

        // read the old way: the proxy sends each connection's own token
        assertEquals(200, products(oauth).statusCode());
        Browser.call("GET", base() + "/api/" + personal + "/2.0/products", apiKey, null);
        assertEquals(List.of(access, "legacy-personal-token-123456"), distinct(bearersSeen()));

        // the next write (a refresh, with the old refresh token, which the provider accepts) stores them bound
        HttpResponse<String> r = Browser.call("POST", base() + "/connections/" + oauth + "/refresh", apiKey, null);
        assertEquals(200, r.statusCode(), r::body);
        assertTrue(r.body().contains("REFRESHED"), r.body());
        List<Object> row = stored(oauth);
        assertTrue(TokenCipher.isBound((String) row.get(1)) && TokenCipher.isBound((String) row.get(2)), row::toString);
        assertNotEquals(access, accessToken(oauth));

        // the personal token is never refreshed: the startup step binds it (run again here, as at the next start)
        assertFalse(TokenCipher.isBound((String) stored(personal).get(1)));
        context.getRouteController().stopRoute("bind-stored-tokens");
        context.getRouteController().startRoute("bind-stored-tokens");
        await("startup step binds the personal token's row", 20_000, () -> TokenCipher.isBound((String) stored(personal).get(1)));
        store().forget(personal);
        Browser.call("DELETE", base() + "/sandbox/admin/requests", null, null);
        Browser.call("GET", base() + "/api/" + personal + "/2.0/products", apiKey, null);
        assertEquals(List.of("legacy-personal-token-123456"), distinct(bearersSeen()), "still its own token after binding");
        assertEquals(cipher().currentKeyId(), stored(personal).get(0));
    }
}
