package io.lsbridge.kamelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import io.lsbridge.BridgeException;
import io.lsbridge.BridgeTestSupport;
import io.lsbridge.Browser;

import org.apache.camel.Exchange;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/**
 * The Kamelet kamelets/lightspeed-api-action.kamelet.yaml, used the way a platform route uses it:
 * a YAML route of the test's own calls it; the sandbox's request log shows what reached Lightspeed.
 */
class KameletTest extends BridgeTestSupport {
    private String xId;
    private String rId;

    /** Once per class, with the bridge running (the context starts before each test, not before @BeforeAll). */
    private void platformRoutes() throws Exception {
        if (xId != null) {
            return;
        }
        assertEquals(200, connectStore("x-series", "kamelet-shop").statusCode());
        assertEquals(200, connectStore("r-series", "kamelet-bikes").statusCode());
        xId = connectionId("x-series", "kamelet-shop");
        rId = connectionId("r-series", "kamelet-bikes");
        // what an integration engineer writes in the platform's own route file
        String yaml = """
                - route:
                    id: platform-products
                    from:
                      uri: direct:platform-products
                      steps:
                        - to:
                            uri: kamelet:lightspeed-api-action
                            parameters:
                              connectionId: "%s"
                              path: 2.0/products
                              query: page_size=2
                - route:
                    id: platform-new-item
                    from:
                      uri: direct:platform-new-item
                      steps:
                        - to:
                            uri: kamelet:lightspeed-api-action
                            parameters:
                              connectionId: "%s"
                              method: POST
                              path: Item.json
                - route:
                    id: platform-unknown-store
                    from:
                      uri: direct:platform-unknown-store
                      steps:
                        - to:
                            uri: kamelet:lightspeed-api-action
                            parameters:
                              connectionId: 00000000-0000-0000-0000-000000000000
                              path: 2.0/products
                """.formatted(xId, rId);
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("platform.camel.yaml", yaml));
    }

    private List<Map<String, Object>> sandboxRequests() {
        return parse(Browser.call("GET", base() + "/sandbox/admin/requests", null, null).body(), new TypeReference<>() { });
    }

    private Map<String, Object> lastSandboxRequest() {
        List<Map<String, Object>> all = sandboxRequests();
        return all.get(all.size() - 1);
    }

    @Test
    void aPlatformRouteGetsTheStoresAnswerAndTheSandboxSeesTheBearerToken() throws Exception {
        platformRoutes();
        // the caller's own inbound HTTP headers must not leak into the call
        Exchange out = template.request("direct:platform-products", e -> {
            e.getMessage().setHeader(Exchange.HTTP_QUERY, "leaked=1");
            e.getMessage().setHeader(Exchange.HTTP_PATH, "/elsewhere");
        });
        assertNull(out.getException());
        assertEquals(200, out.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
        String body = out.getMessage().getBody(String.class);
        assertTrue(body.contains("Sandbox coffee"), body);

        Map<String, Object> seen = lastSandboxRequest();
        Map<?, ?> headers = (Map<?, ?>) seen.get("headers");
        assertEquals("Bearer " + accessToken(xId), headers.get("Authorization"), "the sandbox saw the connection's bearer token");
        assertEquals("GET", seen.get("method"));
        assertEquals("page_size=2", seen.get("query"));
        assertTrue(String.valueOf(seen.get("path")).endsWith("/kamelet-shop/2.0/products"), seen::toString);
        assertFalse(String.valueOf(seen).contains("leaked"), seen::toString);
    }

    @Test
    void aWriteSendsTheBodyWithTheMethodGiven() throws Exception {
        platformRoutes();
        Exchange out = template.request("direct:platform-new-item",
                e -> e.getMessage().setBody("{\"Item\":{\"description\":\"from a platform route\"}}"));
        assertNull(out.getException());
        assertEquals(200, out.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
        assertTrue(out.getMessage().getBody(String.class).contains("created by the sandbox"));

        Map<String, Object> seen = lastSandboxRequest();
        assertEquals("POST", seen.get("method"));
        assertTrue(String.valueOf(seen.get("path")).endsWith("/Item.json"), seen::toString);
        assertNull(seen.get("query"), "no query when none was given: " + seen);
        assertEquals("Bearer " + accessToken(rId), ((Map<?, ?>) seen.get("headers")).get("Authorization"));
    }

    @Test
    void anUnknownConnectionFailsWithTheBridgesTypedErrorAndSendsNothing() throws Exception {
        platformRoutes();
        int before = sandboxRequests().size();
        Exchange out = template.request("direct:platform-unknown-store", e -> { });
        BridgeException e = assertInstanceOf(BridgeException.class, out.getException());
        assertEquals(404, e.getStatus());
        assertEquals(before, sandboxRequests().size(), "nothing reached the sandbox");
    }
}
