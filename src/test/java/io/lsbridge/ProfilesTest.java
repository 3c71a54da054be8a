package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.lsbridge.profile.ProfileBlock;
import io.lsbridge.profile.ProfileProblem;
import io.lsbridge.profile.ProfileReader;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * Provider profiles are properties: a block may extend another, a broken block is listed
 * UNUSABLE naming the property to fix without breaking any other profile, and a public client
 * (no secret, PKCE) connects to a standard OAuth 2.0 server that the sandbox did not write
 * (no.nav.security's mock-oauth2-server, configured below by properties only).
 */
class ProfilesTest extends BridgeTestSupport {
    private static final String PUBLIC_CLIENT_ID = "bridge-public-app";
    private static final String SHIPPED = "x-series,r-series,o-series,l-series,l-series-staging,k-series,k-series-trial";

    /** Each broken block of the test, and the words its UNUSABLE reason must contain. */
    private static final Map<String, String> BROKEN = new LinkedHashMap<>();

    static {
        BROKEN.put("broken", "bridge.profile.broken.tenant-id-pointer is missing");
        BROKEN.put("no-discovery", "bridge.profile.no-discovery.tenant-param or bridge.profile.no-discovery.tenant-url is missing");
        BROKEN.put("bad-auth", "bridge.profile.bad-auth.client-auth = 'private-key-jwt' is not form, basic or none");
        BROKEN.put("bad-rate", "bridge.profile.bad-rate.rate-model = 'bucket' is not window, leaky-bucket, per-second or none");
        BROKEN.put("orphan", "bridge.profile.orphan.extends names 'nowhere', which is no profile");
        BROKEN.put("loop-a", "bridge.profile.loop-b.extends makes a cycle: loop-a -> loop-b -> loop-a");
        BROKEN.put("no-token-url", "bridge.profile.no-token-url.token-url is missing");
        BROKEN.put("public-no-pkce", "bridge.profile.public-no-pkce.pkce must be true for a public client");
    }

    private MockOAuth2Server oauthServer;

    private MockOAuth2Server oauthServer() {
        if (oauthServer == null) {
            oauthServer = new MockOAuth2Server();
            oauthServer.start();
        }
        return oauthServer;
    }

    @AfterAll
    void stopOauthServer() {
        if (oauthServer != null) {
            oauthServer.shutdown();
        }
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.profiles", SHIPPED + "," + String.join(",", BROKEN.keySet()) + ",loop-b,public-app");
        // a working block to copy from: r-series' shape, pointing at the sandbox
        Map<String, String> good = Map.of("authorize-url", "{{bridge.sandbox.base-url}}/r/oauth/authorize",
                "token-url", "{{bridge.sandbox.base-url}}/r/oauth/token",
                "tenant-url", "{{bridge.sandbox.base-url}}/api/r/API/V3/Account.json",
                "tenant-id-pointer", "/Account/accountID",
                "api-base-url", "{{bridge.sandbox.base-url}}/api/r/API/V3/Account/{tenant}");
        block(p, "broken", good, "tenant-id-pointer", null);
        block(p, "no-discovery", good, "tenant-url", null);
        block(p, "bad-auth", good, "client-auth", "private-key-jwt");
        block(p, "bad-rate", good, "rate-model", "bucket");
        p.setProperty("bridge.profile.orphan.extends", "nowhere");
        p.setProperty("bridge.profile.orphan.client-id-env", "ORPHAN_CLIENT_ID");
        p.setProperty("bridge.profile.loop-a.extends", "loop-b");
        p.setProperty("bridge.profile.loop-b.extends", "loop-a");
        block(p, "no-token-url", good, "token-url", null);
        block(p, "public-no-pkce", good, "client-auth", "none");

        // a public client at a standard OAuth 2.0 / OpenID Connect server: properties only
        String issuer = "lsb";
        String k = "bridge.profile.public-app.";
        p.setProperty(k + "authorize-url", oauthServer().authorizationEndpointUrl(issuer).toString());
        p.setProperty(k + "token-url", oauthServer().tokenEndpointUrl(issuer).toString());
        p.setProperty(k + "client-auth", "none");
        p.setProperty(k + "pkce", "true");
        p.setProperty(k + "scopes", "openid");
        p.setProperty(k + "client-id-env", "LSB_TEST_PUBLIC_CLIENT_ID");
        p.setProperty(k + "client-secret-env", "LSB_TEST_PUBLIC_CLIENT_SECRET_NEVER_READ");
        p.setProperty(k + "tenant-url", oauthServer().userInfoUrl(issuer).toString());
        p.setProperty(k + "tenant-id-pointer", "/sub");
        p.setProperty(k + "api-base-url", oauthServer().baseUrl() + "api");
        return p;
    }

    private static void block(Properties p, String name, Map<String, String> good, String key, String value) {
        good.forEach((k, v) -> p.setProperty("bridge.profile." + name + "." + k, v));
        p.setProperty("bridge.profile." + name + ".client-id-env", "BROKEN_CLIENT_ID");
        if (value == null) {
            p.remove("bridge.profile." + name + "." + key);
        } else {
            p.setProperty("bridge.profile." + name + "." + key, value);
        }
    }

    private static String startupLog() {
        try {
            return Files.readString(Path.of("target/test-logs/bridge-tests.log"), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ProviderProfiles profiles() {
        return context.getRegistry().lookupByNameAndType("providerProfiles", ProviderProfiles.class);
    }

    @Test
    void brokenBlocksAreListedUnusableNamingTheKeyAndAnswer503() throws Exception {
        String last = "Provider profile public-app is UNUSABLE";
        await("the startup report", 30_000, () -> startupLog().contains(last));
        String log = startupLog();
        String report = profiles().startupReport();
        for (Map.Entry<String, String> e : BROKEN.entrySet()) {
            String name = e.getKey();
            assertTrue(log.contains("Provider profile " + name + " is UNUSABLE: " + e.getValue()),
                    () -> "startup warns about " + name + " naming " + e.getValue());
            assertTrue(report.lines().anyMatch(l -> l.contains(name + " ") && l.contains("UNUSABLE") && l.contains(e.getValue())),
                    () -> report);

            HttpResponse<String> r = new Browser().get(base() + "/connect/" + name);
            assertEquals(503, r.statusCode(), r::body);
            assertTrue(r.body().contains("profile_not_configured"), r::body);
            assertTrue(r.body().contains(Pages.escape(e.getValue())), () -> "the page names the key: " + r.body());
            assertEquals(503, new Browser().get(base() + "/callback/" + name + "?state=s&code=c").statusCode());
        }
        // every shipped profile is unaffected
        for (String name : SHIPPED.split(",")) {
            assertTrue(report.lines().anyMatch(l -> l.contains(" " + name + " ") && l.contains("usable")
                    && !l.contains("UNUSABLE")), report);
        }
    }

    @Test
    void otherProfilesStillConnectCallTheApiAndRefresh() {
        for (String profile : List.of("x-series", "o-series")) {
            HttpResponse<String> page = connectStore(profile, "unbroken-shop");
            assertEquals(200, page.statusCode(), page::body);
            assertTrue(page.body().contains("Store connected"), page.body());
        }
        String x = connectionId("x-series", "unbroken-shop");
        assertEquals(200, Browser.call("GET", base() + "/api/" + x + "/2.0/products", apiKey, null).statusCode());
        HttpResponse<String> refreshed = Browser.call("POST", base() + "/connections/" + x + "/refresh", apiKey, null);
        assertEquals(200, refreshed.statusCode(), refreshed::body);

        // the refresh loop runs over every profile: a due connection is refreshed, the broken blocks are skipped
        String o = connectionId("o-series", "unbroken-shop");
        makeDue(o);
        await("the loop refreshes a due o-series connection", 60_000,
                () -> ((Number) view(o).getOrDefault("refreshCount", 0)).intValue() > 0);
    }

    @Test
    void extendsGivesTheSameEffectiveValuesAsTheShippedCopies() {
        String sandbox = context.resolvePropertyPlaceholders("{{bridge.sandbox.base-url}}");
        // the l-series-staging block as it was shipped before extends (application.properties)
        Map<String, String> staging = new LinkedHashMap<>();
        staging.put("series", "L");
        staging.put("authorize-url", sandbox + "/l/oauth/authorize");
        staging.put("token-url", sandbox + "/l/oauth/token");
        staging.put("client-auth", "basic");
        staging.put("pkce", "true");
        staging.put("client-id-env", "LIGHTSPEED_L_STAGING_CLIENT_ID");
        staging.put("client-secret-env", "LIGHTSPEED_L_STAGING_CLIENT_SECRET");
        staging.put("tenant-url", sandbox + "/api/l/resto/rest/core/company");
        staging.put("tenant-id-pointer", "/id");
        staging.put("tenant-name-pointer", "/name");
        staging.put("api-base-url", sandbox + "/api/l/resto/rest");
        staging.put("refresh-policy", "rotating");
        staging.put("refresh-grace-seconds", "60");
        staging.put("refresh-margin-seconds", "300");
        staging.put("refresh-idle-days", "30");
        staging.put("rate-model", "per-second");
        staging.put("rate-per-second", "5");
        assertEquals(staging, profiles().effectiveProperties("l-series-staging"));

        Map<String, String> trial = new LinkedHashMap<>();
        trial.put("series", "K");
        trial.put("authorize-url", sandbox + "/k/oauth/authorize");
        trial.put("token-url", sandbox + "/k/oauth/token");
        trial.put("client-auth", "basic");
        trial.put("scopes", "orders-api items financial-api offline_access");
        trial.put("client-id-env", "LIGHTSPEED_K_TRIAL_CLIENT_ID");
        trial.put("client-secret-env", "LIGHTSPEED_K_TRIAL_CLIENT_SECRET");
        trial.put("tenant-url", sandbox + "/api/k/f/data/businesses");
        trial.put("tenant-id-pointer", "/0/businessId");
        trial.put("tenant-name-pointer", "/0/businessName");
        trial.put("api-base-url", sandbox + "/api/k");
        trial.put("refresh-policy", "rotating");
        trial.put("refresh-margin-seconds", "300");
        trial.put("refresh-idle-days", "14");
        trial.put("rate-model", "per-second");
        trial.put("rate-per-second", "5");
        assertEquals(trial, profiles().effectiveProperties("k-series-trial"));

        // and the profiles read from them equal their bases but for the name (sandbox credentials here)
        assertSameButName(profiles().require("l-series"), profiles().require("l-series-staging"));
        assertSameButName(profiles().require("k-series"), profiles().require("k-series-trial"));
    }

    @Test
    void aBlockInheritsWhatItLeavesOutAndAProblemNamesWhereItsValueIs() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("bridge.profile.base.authorize-url", "https://auth.example/authorize");
        props.put("bridge.profile.base.token-url", "https://auth.example/token");
        props.put("bridge.profile.base.tenant-url", "https://api.example/me");
        props.put("bridge.profile.base.tenant-id-pointer", "/id");
        props.put("bridge.profile.base.api-base-url", "https://api.example/{tenant}");
        props.put("bridge.profile.base.client-auth", "none");
        props.put("bridge.profile.base.pkce", "true");
        props.put("bridge.profile.base.client-id-env", "BASE_CLIENT_ID");
        props.put("bridge.profile.child.extends", "base");
        props.put("bridge.profile.child.token-url", "https://staging.example/token");
        props.put("bridge.profile.child.client-id-env", "CHILD_CLIENT_ID");
        ProfileBlock child = ProfileBlock.read("child", k -> Optional.ofNullable(props.get(k)));
        assertEquals(List.of("base"), child.bases());
        assertEquals("https://staging.example/token", child.get("token-url"), "its own key wins");
        assertEquals("https://auth.example/authorize", child.get("authorize-url"), "the rest is inherited");
        assertEquals("bridge.profile.base.authorize-url", child.find("authorize-url").orElseThrow().property());

        ProfileReader.Credentials env = new ProfileReader.Credentials(
                name -> "CHILD_CLIENT_ID".equals(name) ? "child-app" : null, false, null, null, null);
        ProviderProfile p = ProfileReader.read(child, env);
        assertTrue(p.usable(), p.unusableReason());
        assertEquals(ProviderProfile.ClientAuth.NONE, p.clientAuth());
        assertEquals("child-app", p.clientId());
        assertNull(p.clientSecret());
        ProviderProfile base = ProfileReader.read(ProfileBlock.read("base", k -> Optional.ofNullable(props.get(k))), env);
        assertEquals("set BASE_CLIENT_ID to use it", base.unusableReason(), "a public client needs no secret variable");

        // in sandbox mode a public client pointing at the sandbox uses the sandbox's app id, and no secret
        props.put("bridge.profile.base.authorize-url", "http://localhost:1/sandbox/l/oauth/authorize");
        ProviderProfile sandboxed = ProfileReader.read(ProfileBlock.read("base", k -> Optional.ofNullable(props.get(k))),
                new ProfileReader.Credentials(name -> null, true, "http://localhost:1/sandbox", "sandbox-client", "sandbox-secret"));
        assertTrue(sandboxed.usable());
        assertEquals("sandbox-client", sandboxed.clientId());
        assertNull(sandboxed.clientSecret());

        // a bad value inherited from the base is reported where it is written
        props.put("bridge.profile.base.refresh-margin-seconds", "soon");
        ProfileProblem e = assertThrows(ProfileProblem.class, () -> ProfileReader.read(
                ProfileBlock.read("child", k -> Optional.ofNullable(props.get(k))), env));
        assertEquals("bridge.profile.base.refresh-margin-seconds = 'soon' is not a whole number", e.getMessage());
    }

    static void assertSameButName(ProviderProfile base, ProviderProfile child) {
        for (var c : ProviderProfile.class.getRecordComponents()) {
            if (!c.getName().equals("name")) {
                try {
                    assertEquals(c.getAccessor().invoke(base), c.getAccessor().invoke(child), c.getName());
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    @Test
    void aPublicClientConnectsWithPkceAndNoSecret() throws Exception {
        // without its client id it is unusable, naming that variable only (a public client has no secret)
        ProviderProfile before = profiles().require("public-app");
        assertFalse(before.usable());
        assertEquals("set LSB_TEST_PUBLIC_CLIENT_ID to use it", before.unusableReason());
        HttpResponse<String> refused = new Browser().get(base() + "/connect/public-app");
        assertEquals(503, refused.statusCode());
        assertTrue(refused.body().contains("LSB_TEST_PUBLIC_CLIENT_ID"), refused.body());

        profiles().setEnvironment(name -> "LSB_TEST_PUBLIC_CLIENT_ID".equals(name) ? PUBLIC_CLIENT_ID : System.getenv(name));
        try {
            assertTrue(profiles().require("public-app").usable());
            drain();
            Browser browser = new Browser();
            String authorize = connect(browser, "public-app");
            Map<String, String> q = Browser.query(authorize);
            assertTrue(authorize.startsWith(oauthServer.authorizationEndpointUrl("lsb").toString()), authorize);
            assertEquals(PUBLIC_CLIENT_ID, q.get("client_id"));
            assertEquals("S256", q.get("code_challenge_method"));
            assertEquals(43, q.get("code_challenge").length());
            assertFalse(authorize.contains("secret"), authorize);

            // the server logs in at once (no consent page) and redirects back with a code
            HttpResponse<String> login = new Browser().get(authorize);
            assertEquals(302, login.statusCode(), login::body);
            String callback = Browser.location(login);
            assertTrue(callback.startsWith(base() + "/callback/public-app?"), callback);
            HttpResponse<String> page = browser.get(callback);
            assertEquals(200, page.statusCode(), page::body);
            assertTrue(page.body().contains("Store connected"), page.body());

            Map<String, String> exchange = tokenRequest("authorization_code");
            assertEquals(PUBLIC_CLIENT_ID, exchange.get("client_id"));
            assertNotNull(exchange.get("code_verifier"), "PKCE verifier sent");
            assertFalse(exchange.containsKey("client_secret"), "a public client sends no secret: " + exchange.keySet());

            // the refresh sends the client id and no secret either
            String id = (String) connections().stream().filter(c -> "public-app".equals(c.get("profile")))
                    .findFirst().orElseThrow().get("id");
            HttpResponse<String> r = Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null);
            assertEquals(200, r.statusCode(), r::body);
            Map<String, String> refresh = tokenRequest("refresh_token");
            assertEquals(PUBLIC_CLIENT_ID, refresh.get("client_id"));
            assertFalse(refresh.containsKey("client_secret"), "a public client sends no secret: " + refresh.keySet());
            assertTrue(r.body().contains("REFRESHED"), r.body());
        } finally {
            profiles().setEnvironment(System::getenv);
        }
    }

    /** Forgets what the OAuth server recorded so far. */
    private void drain() {
        while (nextRequest(10) != null) {
            // discard
        }
    }

    /** The next request the OAuth server received, or null after the timeout. */
    private RecordedRequest nextRequest(long millis) {
        try {
            return oauthServer.takeRequest(millis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException timedOut) {
            return null;   // mock-oauth2-server throws instead of returning null
        }
    }

    /** The form of the token request of that grant type the OAuth server received (no Authorization header). */
    private Map<String, String> tokenRequest(String grantType) {
        List<String> seen = new ArrayList<>();
        for (RecordedRequest r; (r = nextRequest(5000)) != null; ) {
            String body = r.getBody().readUtf8();
            seen.add(r.getMethod() + " " + r.getPath());
            if ("POST".equals(r.getMethod()) && r.getPath().endsWith("/token") && body.contains("grant_type=" + grantType)) {
                assertNull(r.getHeader("Authorization"), "no client authentication header");
                return Browser.query("http://form/?" + body);
            }
        }
        throw new AssertionError("no " + grantType + " token request reached the server; saw " + seen);
    }
}
