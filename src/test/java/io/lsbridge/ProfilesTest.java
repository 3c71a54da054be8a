package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Provider profiles are properties: a block may extend another, a broken block is listed
 * UNUSABLE naming the property to fix without breaking any other profile, and a public client
 * (no secret, PKCE) connects to a standard OAuth 2.0 server that the sandbox did not write
 * ({@link StandardOAuthServer}, configured below by properties only).
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

    private StandardOAuthServer oauthServer;

    /** Started on first use: the properties below need its port before the bridge starts. */
    private StandardOAuthServer oauthServer() {
        if (oauthServer == null) {
            oauthServer = new StandardOAuthServer("lsb");
        }
        return oauthServer;
    }

    @AfterAll
    void stopOauthServer() {
        if (oauthServer != null) {
            oauthServer.stop();
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
        String k = "bridge.profile.public-app.";
        p.setProperty(k + "authorize-url", oauthServer().authorizeUrl());
        p.setProperty(k + "token-url", oauthServer().tokenUrl());
        p.setProperty(k + "client-auth", "none");
        p.setProperty(k + "pkce", "true");
        p.setProperty(k + "scopes", "openid");
        p.setProperty(k + "client-id-env", "LSB_TEST_PUBLIC_CLIENT_ID");
        p.setProperty(k + "client-secret-env", "LSB_TEST_PUBLIC_CLIENT_SECRET_NEVER_READ");
        p.setProperty(k + "tenant-url", oauthServer().userInfoUrl());
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
        // the l-series-staging and k-series-trial blocks as they were shipped before extends (application.properties)
        assertEquals(block("""
                series = L
                authorize-url = SANDBOX/l/oauth/authorize
                token-url = SANDBOX/l/oauth/token
                client-auth = basic
                pkce = true
                client-id-env = LIGHTSPEED_L_STAGING_CLIENT_ID
                client-secret-env = LIGHTSPEED_L_STAGING_CLIENT_SECRET
                tenant-url = SANDBOX/api/l/resto/rest/core/company
                tenant-id-pointer = /id
                tenant-name-pointer = /name
                api-base-url = SANDBOX/api/l/resto/rest
                refresh-policy = rotating
                refresh-grace-seconds = 60
                refresh-margin-seconds = 300
                refresh-idle-days = 30
                rate-model = per-second
                rate-per-second = 5""", sandbox), profiles().effectiveProperties("l-series-staging"));
        assertEquals(block("""
                series = K
                authorize-url = SANDBOX/k/oauth/authorize
                token-url = SANDBOX/k/oauth/token
                client-auth = basic
                scopes = orders-api items financial-api offline_access
                client-id-env = LIGHTSPEED_K_TRIAL_CLIENT_ID
                client-secret-env = LIGHTSPEED_K_TRIAL_CLIENT_SECRET
                tenant-url = SANDBOX/api/k/f/data/businesses
                tenant-id-pointer = /0/businessId
                tenant-name-pointer = /0/businessName
                api-base-url = SANDBOX/api/k
                refresh-policy = rotating
                refresh-margin-seconds = 300
                refresh-idle-days = 14
                rate-model = per-second
                rate-per-second = 5""", sandbox), profiles().effectiveProperties("k-series-trial"));

        // and the profiles read from them equal their bases but for the name (sandbox credentials here)
        assertSameButName(profiles().require("l-series"), profiles().require("l-series-staging"));
        assertSameButName(profiles().require("k-series"), profiles().require("k-series-trial"));
    }

    /** "key = value" lines as a map, SANDBOX standing for the sandbox's base URL. */
    static Map<String, String> block(String lines, String sandbox) {
        Map<String, String> m = new LinkedHashMap<>();
        lines.lines().map(l -> l.split(" = ", 2)).forEach(kv -> m.put(kv[0].trim(), kv[1].replace("SANDBOX", sandbox)));
        return m;
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
            oauthServer.forgetRequests();
            Browser browser = new Browser();
            String authorize = connect(browser, "public-app");
            Map<String, String> q = Browser.query(authorize);
            assertTrue(authorize.startsWith(oauthServer.authorizeUrl()), authorize);
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

            Map<String, String> exchange = oauthServer.tokenRequest("authorization_code");
            assertEquals(PUBLIC_CLIENT_ID, exchange.get("client_id"));
            assertNotNull(exchange.get("code_verifier"), "PKCE verifier sent");
            assertFalse(exchange.containsKey("client_secret"), "a public client sends no secret: " + exchange.keySet());

            // the refresh sends the client id and no secret either
            String id = (String) connections().stream().filter(c -> "public-app".equals(c.get("profile")))
                    .findFirst().orElseThrow().get("id");
            HttpResponse<String> r = Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null);
            assertEquals(200, r.statusCode(), r::body);
            Map<String, String> refresh = oauthServer.tokenRequest("refresh_token");
            assertEquals(PUBLIC_CLIENT_ID, refresh.get("client_id"));
            assertFalse(refresh.containsKey("client_secret"), "a public client sends no secret: " + refresh.keySet());
            assertTrue(r.body().contains("REFRESHED"), r.body());
        } finally {
            profiles().setEnvironment(System::getenv);
        }
    }
}
