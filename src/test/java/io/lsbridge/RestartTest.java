package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/** Stop the bridge and start it again on the same database: connections are there and decrypt. */
class RestartTest {

    @Test
    void connectionsSurviveARestartAndStillDecrypt() throws Exception {
        String db = "target/test-db/RestartTest-" + UUID.randomUUID();
        String apiKey = "restart-key-" + UUID.randomUUID();
        Properties p = new Properties();
        p.putAll(TestDatabase.byDefault("RestartTest", db).bridgeProperties());
        p.setProperty("bridge.encryption.sandbox-key-file", db + ".key");
        p.setProperty("bridge.api-key", apiKey);

        int port = BridgeTestSupport.freePort();
        String before;
        Map<String, String> tokensBefore;
        try (InProcessBridge bridge = new InProcessBridge(port, p)) {
            for (String profile : List.of("x-series", "l-series", "k-series")) {
                Browser browser = new Browser();
                HttpResponse<String> r = browser.get(bridge.base() + "/connect/" + profile);
                String authorize = Browser.location(r);
                Browser consent = new Browser();
                String callback = Browser.location(consent.postForm(authorize, "decision=grant&store=restart-shop"));
                assertEquals(200, browser.get(callback).statusCode());
            }
            before = list(bridge, apiKey);
            tokensBefore = decryptAll(bridge);
        }
        assertEquals(3, new ObjectMapper().readValue(before, List.class).size());

        try (InProcessBridge again = new InProcessBridge(port, p)) {
            assertEquals(before, list(again, apiKey), "same connections after the restart");
            assertEquals(tokensBefore, decryptAll(again), "tokens decrypt to the same values");
        }
    }

    private static String list(InProcessBridge bridge, String apiKey) {
        HttpResponse<String> r = Browser.call("GET", bridge.base() + "/connections", apiKey, null);
        assertEquals(200, r.statusCode(), r::body);
        return r.body();
    }

    private static Map<String, String> decryptAll(InProcessBridge bridge) {
        ConnectionStore store = bridge.context().getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
        Map<String, String> out = new TreeMap<>();
        for (Map<String, Object> c : store.listConnections()) {
            String id = (String) c.get("id");
            String token = store.accessToken(id);
            assertTrue(token.startsWith("sbx-at-"), "decrypts to a sandbox token");
            out.put(id, token);
        }
        return out;
    }
}
