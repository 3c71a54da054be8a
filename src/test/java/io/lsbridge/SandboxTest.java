package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import org.junit.jupiter.api.Test;

/** The emulated authorization servers refuse what the real ones refuse. */
class SandboxTest extends BridgeTestSupport {

    private String authorize(String series, String query) {
        return base() + "/sandbox/" + series + "/oauth/authorize?" + query;
    }

    private String redirect(String profile) {
        return URLEncoder.encode(base() + "/callback/" + profile, StandardCharsets.UTF_8);
    }

    @Test
    void authorizeChecksClientRedirectStateScopeAndPkce() {
        Browser b = new Browser();
        HttpResponse<String> wrongClient = b.get(authorize("x", "response_type=code&client_id=other&redirect_uri="
                + redirect("x-series") + "&state=abcdefghij&scope=products:read"));
        assertEquals(400, wrongClient.statusCode());
        assertTrue(wrongClient.body().contains("Unknown client"));

        HttpResponse<String> wrongRedirect = b.get(authorize("x", "response_type=code&client_id=sandbox-client&redirect_uri="
                + URLEncoder.encode("https://evil.example/cb", StandardCharsets.UTF_8) + "&state=abcdefghij&scope=products:read"));
        assertEquals(400, wrongRedirect.statusCode(), "never redirects to an unregistered address");
        assertTrue(wrongRedirect.body().contains("Redirect URI mismatch"));

        String shortState = Browser.location(b.get(authorize("x", "response_type=code&client_id=sandbox-client&redirect_uri="
                + redirect("x-series") + "&state=short&scope=products:read")));
        assertTrue(shortState.contains("error=invalid_request"), shortState);

        String noScope = Browser.location(b.get(authorize("k", "response_type=code&client_id=sandbox-client&redirect_uri="
                + redirect("k-series") + "&state=abcdefghij")));
        assertTrue(noScope.contains("error=invalid_scope"), noScope);

        String noPkce = Browser.location(b.get(authorize("l", "response_type=code&client_id=sandbox-client&redirect_uri="
                + redirect("l-series") + "&state=abcdefghij")));
        assertTrue(noPkce.contains("error=invalid_request"), noPkce);

        String badType = Browser.location(b.get(authorize("o", "response_type=token&client_id=sandbox-client&redirect_uri="
                + redirect("o-series") + "&state=abcdefghij")));
        assertTrue(badType.contains("error=unsupported_response_type"), badType);
    }

    @Test
    void tokenEndpointWantsEachSeriesClientAuthentication() {
        // R takes client credentials in the form body; HTTP Basic alone is refused
        HttpResponse<String> basicForR = Browser.call("POST", base() + "/sandbox/r/oauth/token", null, null);
        assertEquals(401, basicForR.statusCode());
        HttpResponse<String> wrongSecret = new Browser().postForm(base() + "/sandbox/o/oauth/token",
                "grant_type=authorization_code&code=x&client_id=sandbox-client&client_secret=wrong");
        assertEquals(401, wrongSecret.statusCode());
        assertTrue(wrongSecret.body().contains("invalid_client"));
        // L wants HTTP Basic: credentials in the body are not enough
        HttpResponse<String> formForL = new Browser().postForm(base() + "/sandbox/l/oauth/token",
                "grant_type=authorization_code&code=x&client_id=sandbox-client&client_secret=" + sandboxSecret);
        assertEquals(401, formForL.statusCode());
        // right credentials, unknown code
        HttpResponse<String> unknownCode = new Browser().postForm(base() + "/sandbox/o/oauth/token",
                "grant_type=authorization_code&code=nope&redirect_uri=x&client_id=sandbox-client&client_secret=" + sandboxSecret);
        assertEquals(400, unknownCode.statusCode());
        assertTrue(unknownCode.body().contains("invalid_grant"));
    }

    @Test
    void accountLookupsAnswerOnlyForAValidBearerToken() {
        for (String path : new String[] {"/r/API/V3/Account.json", "/o/v1/companies/me.json", "/l/resto/rest/core/company",
                "/k/f/data/businesses", "/x/demo-store/2.0/products"}) {
            assertEquals(401, Browser.call("GET", base() + "/sandbox/api" + path, null, null).statusCode(), path);
        }
    }

    // ------------------------------------------------------------------ public clients (PKCE, no secret)

    /** The consent page granted for {@code store}: the code on the redirect. */
    private String grantedCode(String series, String profile, String extra, String store) {
        String url = authorize(series, "response_type=code&client_id=sandbox-client&redirect_uri=" + redirect(profile)
                + "&state=abcdefghij" + extra);
        Browser consent = new Browser();
        assertEquals(200, consent.get(url).statusCode());
        String back = Browser.location(consent.postForm(url, "decision=grant&store=" + store));
        String code = Browser.query(back).get("code");
        assertTrue(code != null, back);
        return code;
    }

    private HttpResponse<String> token(String series, String form, String basic) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/sandbox/" + series + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (basic != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> body(HttpResponse<String> r) {
        return parse(r.body(), new TypeReference<>() { });
    }

    @Test
    void aPublicClientWithPkceNeedsNoSecretButASecretSentMustBeRight() {
        String verifier = Pkce.newVerifier();
        String pkce = "&code_challenge=" + Pkce.challenge(verifier) + "&code_challenge_method=S256";
        String code = grantedCode("k", "k-series", "&scope=orders-api" + pkce, "public-shop");
        String exchange = "grant_type=authorization_code&code=" + code + "&redirect_uri=" + redirect("k-series")
                + "&code_verifier=" + verifier;

        // a wrong secret is refused even though PKCE would do (the code is not used up by it)
        HttpResponse<String> wrongSecret = token("k", exchange, "sandbox-client:wrong");
        assertEquals(401, wrongSecret.statusCode(), wrongSecret::body);
        assertTrue(wrongSecret.body().contains("invalid_client"));
        // an unknown client id is refused
        assertEquals(401, token("k", exchange + "&client_id=someone-else", null).statusCode());

        // client_id and the verifier, no secret at all: tokens
        HttpResponse<String> ok = token("k", exchange + "&client_id=sandbox-client", null);
        assertEquals(200, ok.statusCode(), ok::body);
        Map<String, Object> tokens = body(ok);
        String refresh = (String) tokens.get("refresh_token");
        assertEquals(200, sandboxApiStatus("k", "public-shop", (String) tokens.get("access_token")));

        // its refreshes need no secret either; rotation as K does it
        HttpResponse<String> refreshed = token("k", "grant_type=refresh_token&client_id=sandbox-client&refresh_token=" + refresh, null);
        assertEquals(200, refreshed.statusCode(), refreshed::body);
        assertNotEquals(refresh, body(refreshed).get("refresh_token"));
        HttpResponse<String> wrongOnRefresh = token("k", "grant_type=refresh_token&refresh_token="
                + body(refreshed).get("refresh_token"), "sandbox-client:wrong");
        assertEquals(401, wrongOnRefresh.statusCode(), "a wrong secret is refused on a refresh too");
    }

    @Test
    void withoutPkceAClientMustAuthenticate() {
        // a code without a challenge, exchanged with no secret: invalid_client
        String code = grantedCode("o", "o-series", "", "secret-shop");
        String exchange = "grant_type=authorization_code&code=" + code + "&redirect_uri=" + redirect("o-series");
        HttpResponse<String> noSecret = token("o", exchange + "&client_id=sandbox-client", null);
        assertEquals(401, noSecret.statusCode(), noSecret::body);
        assertTrue(noSecret.body().contains("invalid_client"));

        // a grant made for a confidential client: its refresh without the secret is refused, with it accepted
        String code2 = grantedCode("o", "o-series", "", "secret-shop");
        HttpResponse<String> ok = token("o", "grant_type=authorization_code&code=" + code2 + "&redirect_uri="
                + redirect("o-series") + "&client_id=sandbox-client&client_secret=" + sandboxSecret, null);
        assertEquals(200, ok.statusCode(), ok::body);
        String refresh = (String) body(ok).get("refresh_token");
        assertEquals(401, token("o", "grant_type=refresh_token&client_id=sandbox-client&refresh_token=" + refresh, null)
                .statusCode());
        assertEquals(200, token("o", "grant_type=refresh_token&client_id=sandbox-client&client_secret=" + sandboxSecret
                + "&refresh_token=" + refresh, null).statusCode());

        // a public client with the wrong verifier: invalid_grant
        String verifier = Pkce.newVerifier();
        String code3 = grantedCode("x", "x-series", "&scope=products:read&code_challenge=" + Pkce.challenge(verifier)
                + "&code_challenge_method=S256", "pkce-shop");
        HttpResponse<String> wrongVerifier = token("x", "grant_type=authorization_code&code=" + code3 + "&redirect_uri="
                + redirect("x-series") + "&client_id=sandbox-client&code_verifier=" + Pkce.newVerifier(), null);
        assertEquals(400, wrongVerifier.statusCode(), wrongVerifier::body);
        assertTrue(wrongVerifier.body().contains("invalid_grant"));
    }

    // ------------------------------------------------------------------ what the sandbox stores

    @Test
    void theSandboxTablesHoldNoTokenAndNoCode() {
        String verifier = Pkce.newVerifier();
        String code = grantedCode("l", "l-series", "&code_challenge=" + Pkce.challenge(verifier) + "&code_challenge_method=S256",
                "stored-shop");
        String pending = grantedCode("l", "l-series", "&code_challenge=" + Pkce.challenge(verifier) + "&code_challenge_method=S256",
                "stored-shop");
        HttpResponse<String> ok = token("l", "grant_type=authorization_code&code=" + code + "&redirect_uri=" + redirect("l-series")
                + "&code_verifier=" + verifier, "sandbox-client:" + sandboxSecret);
        assertEquals(200, ok.statusCode(), ok::body);
        Map<String, Object> tokens = body(ok);
        String tables = rows("SELECT * FROM sandbox.grants").toString() + rows("SELECT * FROM sandbox.codes");
        assertTrue(tables.contains("stored-shop"), "the grant and the pending code are stored");
        for (String secret : List.of(code, pending, (String) tokens.get("access_token"), (String) tokens.get("refresh_token"))) {
            assertFalse(tables.contains(secret), "no token or code in the sandbox's tables");
        }
        assertFalse(tables.contains("sbx-"), "nothing that looks like a sandbox token or code");
    }

    // ------------------------------------------------------------------ admin

    @Test
    void adminRefusesBadRequestsWithTheReasonAndClearsFaults() {
        HttpResponse<String> badMode = sandboxAdmin("faults", "{\"mode\":\"explode\"}");
        assertEquals(400, badMode.statusCode(), badMode::body);
        assertTrue(badMode.body().contains("mode must be 500, 429, hang or lose"), badMode.body());
        assertEquals(400, sandboxAdmin("seed", "{\"series\":\"z\",\"count\":1}").statusCode());
        assertEquals(400, sandboxAdmin("settings", "not json").statusCode());

        assertEquals(200, sandboxAdmin("faults", "{\"mode\":\"500\",\"count\":2,\"series\":\"o\"}").statusCode());
        assertEquals(2, stat("pendingFaults"));
        HttpResponse<String> cleared = Browser.call("DELETE", base() + "/sandbox/admin/faults", null, null);
        assertEquals(200, cleared.statusCode(), cleared::body);
        assertEquals(0, stat("pendingFaults"));
        assertEquals(200, Browser.call("DELETE", base() + "/sandbox/admin/requests", null, null).statusCode());
        assertEquals("[]", Browser.call("GET", base() + "/sandbox/admin/requests", null, null).body());
    }

    // ------------------------------------------------------------------ rotation rules and signed tokens

    private Map<String, Object> seedOne(String series, String prefix) {
        List<Map<String, Object>> grants = parse(sandboxAdmin("seed", "{\"series\":\"" + series + "\",\"count\":1,\"storePrefix\":\""
                + prefix + "\"}").body(), new TypeReference<>() { });
        return grants.get(0);
    }

    /** A refresh as each series wants it (X on the store's host, L and K with HTTP Basic). */
    private HttpResponse<String> refreshAt(String series, String store, String refreshToken) {
        String form = "grant_type=refresh_token&refresh_token=" + refreshToken;
        if ("l".equals(series) || "k".equals(series)) {
            return token(series, form, "sandbox-client:" + sandboxSecret);
        }
        String path = "x".equals(series) ? "/sandbox/x/" + store + "/api/1.0/token" : "/sandbox/" + series + "/oauth/token";
        return new Browser().postForm(base() + path, form + "&client_id=sandbox-client&client_secret=" + sandboxSecret);
    }

    @Test
    void eachSeriesRotatesAsLightspeedDoes() {
        long revoked = stat("revokedRefreshTokenUses");
        for (String series : List.of("x", "k")) {
            // X and K: the old refresh token is revoked, and a use of it is counted
            Map<String, Object> g = seedOne(series, "rotate-" + series);
            String first = (String) g.get("refreshToken");
            HttpResponse<String> r = refreshAt(series, (String) g.get("store"), first);
            assertEquals(200, r.statusCode(), r::body);
            assertNotEquals(first, body(r).get("refresh_token"));
            assertNotEquals(g.get("accessToken"), body(r).get("access_token"));
            HttpResponse<String> again = refreshAt(series, (String) g.get("store"), first);
            assertEquals(400, again.statusCode());
            assertTrue(again.body().contains("revoked"), again.body());
        }
        assertEquals(revoked + 2, stat("revokedRefreshTokenUses"));

        // L: the previous refresh token still works for 60 s and answers the current tokens
        Map<String, Object> l = seedOne("l", "grace");
        Map<String, Object> rotated = body(refreshAt("l", null, (String) l.get("refreshToken")));
        HttpResponse<String> grace = refreshAt("l", null, (String) l.get("refreshToken"));
        assertEquals(200, grace.statusCode(), grace::body);
        assertEquals(rotated.get("refresh_token"), body(grace).get("refresh_token"));
        assertEquals(rotated.get("access_token"), body(grace).get("access_token"));

        // O: the refresh token is reused, the access token renewed
        Map<String, Object> o = seedOne("o", "reuse");
        Map<String, Object> o1 = body(refreshAt("o", null, (String) o.get("refreshToken")));
        assertEquals(o.get("refreshToken"), o1.get("refresh_token"));
        assertNotEquals(o.get("accessToken"), o1.get("access_token"));
        assertEquals(200, refreshAt("o", null, (String) o.get("refreshToken")).statusCode());

        // R: refreshed early, the same access token comes back (the refresh token rotates)
        Map<String, Object> r = seedOne("r", "early");
        Map<String, Object> r1 = body(refreshAt("r", null, (String) r.get("refreshToken")));
        assertEquals(r.get("accessToken"), r1.get("access_token"));
        assertNotEquals(r.get("refreshToken"), r1.get("refresh_token"));
        assertEquals(revoked + 2, stat("revokedRefreshTokenUses"), "grace and reuse are not revoked uses");
    }

    @Test
    void tokensAreSignedForOneSeriesAndOneGrant() {
        Map<String, Object> g = seedOne("l", "signed");
        String token = (String) g.get("accessToken");
        assertEquals(200, sandboxApiStatus("l", null, token));
        char last = token.charAt(token.length() - 2);
        String forged = token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
        assertEquals(401, sandboxApiStatus("l", null, forged), "an altered token is refused");
        assertEquals(401, sandboxApiStatus("k", null, token.replace("sbx-at-l-", "sbx-at-k-")), "not a K token");
        assertEquals(401, sandboxApiStatus("l", null, "sbx-at-l-" + "A".repeat(48)), "made up");
        // a refresh token is not an access token
        assertEquals(401, sandboxApiStatus("l", null, (String) g.get("refreshToken")));
    }
}
