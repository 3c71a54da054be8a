package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The prod profile: sandbox routes are not loaded, profiles point at Lightspeed, and a profile
 * without client credentials in the environment is unusable with a clear page.
 */
class ProductionProfileTest extends BridgeTestSupport {

    @Override
    protected String getPropertyPlaceholderLocations() {
        // camel-main gives the first location precedence (camel run --properties gives it to the last)
        return "file:config/application-prod.properties,file:config/application.properties";
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.public-base-url", "https://bridge.example.test");
        // stand-ins for the environment variables the prod profile reads
        p.setProperty("bridge.encryption.sandbox-key-file", dbFile + ".key");
        // the opt-in (BRIDGE_DB_ALLOW_H2=true): this class runs the prod profile on the test's H2 file
        p.setProperty("bridge.db.allow-h2", "true");
        return p;
    }

    /**
     * With BRIDGE_DB_URL unset the prod profile's database is an H2 file: without the opt-in the bridge
     * does not start, says which property to set and how to point it at PostgreSQL, and creates no file.
     */
    @Test
    void withoutTheOptInTheProdProfileRefusesToStartOnH2() throws Exception {
        Assumptions.assumeTrue(System.getenv("BRIDGE_DB_URL") == null && System.getenv("BRIDGE_DB_ALLOW_H2") == null,
                "the environment chooses the database");
        Path shippedDefault = Path.of("data/bridge.mv.db");
        boolean existed = Files.exists(shippedDefault);
        long modified = existed ? Files.getLastModifiedTime(shippedDefault).toMillis() : 0;
        org.apache.camel.main.Main main = new org.apache.camel.main.Main();
        main.setPropertyPlaceholderLocations("file:config/application-prod.properties,file:config/application.properties");
        Properties p = new Properties();
        int refusedPort = freePort();
        p.setProperty("camel.server.port", Integer.toString(refusedPort));
        p.setProperty("camel.management.port", Integer.toString(freePort()));
        p.setProperty("camel.main.name", "prod-refusal");
        p.setProperty("bridge.public-base-url", "https://bridge.example.test");
        p.setProperty("bridge.api-key", apiKey);
        p.setProperty("bridge.encryption.sandbox-key-file", dbFile + "-refused.key");
        main.setOverrideProperties(p);
        String previousPort = System.getProperty("camel.server.port");
        Throwable failure = null;
        try {
            main.start();
        } catch (Throwable t) {
            failure = t;
        } finally {
            main.stop();
            System.setProperty("camel.server.port", previousPort == null ? Integer.toString(port) : previousPort);
        }
        assertNotNull(failure, "the prod profile started on H2 without bridge.db.allow-h2");
        String messages = "";
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages += t.getMessage() + "\n";
        }
        String all = messages;
        assertTrue(all.contains("bridge.db.allow-h2=false") && all.contains("BRIDGE_DB_ALLOW_H2=true"), all);
        assertTrue(all.contains("BRIDGE_DB_URL=jdbc:postgresql://HOST:5432/DATABASE"), all);
        assertTrue(all.contains("jdbc:h2:file:./data/bridge;..."), "names the database it refused: " + all);
        assertEquals(existed, Files.exists(shippedDefault), "no database file was created");
        if (existed) {
            assertEquals(modified, Files.getLastModifiedTime(shippedDefault).toMillis());
        }
        assertThrows(Exception.class, () -> Browser.call("GET", "http://localhost:" + refusedPort + "/connections", null, null),
                "nothing listens on the refused bridge's port");
    }

    /** The opt-in (set in extraProperties) is what lets this class's bridge run on H2: see the refusal above. */
    @Test
    void withTheOptInItRunsOnH2() {
        assertTrue(context.resolvePropertyPlaceholders("{{bridge.db.url}}").startsWith("jdbc:h2:")
                || database.isPostgres(), "this class's bridge runs on H2");
        assertEquals("true", context.resolvePropertyPlaceholders("{{bridge.db.allow-h2}}"));
        assertEquals(200, Browser.call("GET", base() + "/connections", apiKey, null).statusCode());
    }

    @Test
    void sandboxIsOffAndProfilesWithoutCredentialsAreUnusable() {
        ProviderProfiles profiles = context.getRegistry().lookupByNameAndType("providerProfiles", ProviderProfiles.class);
        String report = profiles.startupReport();
        assertTrue(report.contains("PRODUCTION MODE"), report);
        assertTrue(report.contains("UNUSABLE"), report);
        assertTrue(report.contains("LIGHTSPEED_X_CLIENT_ID"), report);
        assertEquals("https://secure.retail.lightspeed.app/connect", profiles.require("x-series").authorizeUrl());
        assertEquals("https://mystore.retail.lightspeed.app/api/1.0/token", profiles.require("x-series").tokenUrlFor("mystore"));

        HttpResponse<String> r = new Browser().get(base() + "/connect/x-series");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("profile_not_configured"), r.body());
        assertTrue(r.body().contains("LIGHTSPEED_X_CLIENT_ID"), r.body());

        assertEquals(404, new Browser().get(base() + "/sandbox/admin/stats").statusCode());
        assertEquals(404, new Browser().get(base() + "/sandbox/x/oauth/authorize").statusCode());
    }

    /** The staging and trial blocks extend their series: the same effective values as the copies shipped before. */
    @Test
    void stagingAndTrialExtendTheirSeriesWithTheirOwnUrlsAndCredentials() {
        ProviderProfiles profiles = context.getRegistry().lookupByNameAndType("providerProfiles", ProviderProfiles.class);
        Map<String, String> staging = new LinkedHashMap<>();
        staging.put("series", "L");
        staging.put("authorize-url", "https://test.lightspeedapis.com/resto/oauth2/v1/authorize");
        staging.put("token-url", "https://test.lightspeedapis.com/resto/oauth2/v1/token");
        staging.put("client-auth", "basic");
        staging.put("pkce", "true");
        staging.put("client-id-env", "LIGHTSPEED_L_STAGING_CLIENT_ID");
        staging.put("client-secret-env", "LIGHTSPEED_L_STAGING_CLIENT_SECRET");
        staging.put("tenant-url", "https://test.lightspeedapis.com/resto/rest/core/company");
        staging.put("tenant-id-pointer", "/id");
        staging.put("tenant-name-pointer", "/name");
        staging.put("api-base-url", "https://test.lightspeedapis.com/resto/rest");
        staging.put("refresh-policy", "rotating");
        staging.put("refresh-grace-seconds", "60");
        staging.put("refresh-margin-seconds", "300");
        staging.put("refresh-idle-days", "30");
        staging.put("rate-model", "per-second");
        staging.put("rate-per-second", "5");
        assertEquals(staging, profiles.effectiveProperties("l-series-staging"));

        Map<String, String> trial = new LinkedHashMap<>();
        trial.put("series", "K");
        trial.put("authorize-url", "https://auth.lsk-demo.app/realms/k-series/protocol/openid-connect/auth");
        trial.put("token-url", "https://auth.lsk-demo.app/realms/k-series/protocol/openid-connect/token");
        trial.put("client-auth", "basic");
        trial.put("scopes", "orders-api items financial-api offline_access");
        trial.put("client-id-env", "LIGHTSPEED_K_TRIAL_CLIENT_ID");
        trial.put("client-secret-env", "LIGHTSPEED_K_TRIAL_CLIENT_SECRET");
        trial.put("tenant-url", "https://api.trial.lsk.lightspeed.app/f/data/businesses");
        trial.put("tenant-id-pointer", "/0/businessId");
        trial.put("tenant-name-pointer", "/0/businessName");
        trial.put("api-base-url", "https://api.trial.lsk.lightspeed.app");
        trial.put("refresh-policy", "rotating");
        trial.put("refresh-margin-seconds", "300");
        trial.put("refresh-idle-days", "14");
        trial.put("rate-model", "per-second");
        trial.put("rate-per-second", "5");
        assertEquals(trial, profiles.effectiveProperties("k-series-trial"));

        // unusable without their own variables, which the page names (not the base profile's)
        ProviderProfile p = profiles.require("l-series-staging");
        assertEquals("set LIGHTSPEED_L_STAGING_CLIENT_ID and LIGHTSPEED_L_STAGING_CLIENT_SECRET to use it", p.unusableReason());
        HttpResponse<String> r = new Browser().get(base() + "/connect/k-series-trial");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("LIGHTSPEED_K_TRIAL_CLIENT_ID"), r.body());
    }
}
