package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Properties;

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
        return p;
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
}
