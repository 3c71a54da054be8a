package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.TreeMap;

import io.lsbridge.ApiKeyGuard;
import io.lsbridge.BridgeException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The API key under a servlet engine (Spring Boot's platform-http after `camel export`): read from the
 * servlet request's own headers, never from Camel's message headers, where the servlet binding also puts
 * query and form parameters. The Vert.x path (camel run, Quarkus) is covered over real HTTP by
 * ConnectionsApiTest; tools/export-check.sh checks both on the exported Spring Boot application.
 */
class RequestHeadersTest {
    private static final String KEY = "request-headers-test-key";
    private static final DefaultCamelContext CONTEXT = new DefaultCamelContext();

    /** The part of jakarta.servlet.http.HttpServletRequest that is read (case-insensitive names, as there). */
    public interface ServletLikeRequest {
        String getHeader(String name);
    }

    /** Like Spring Boot's PlatformHttpMessage: a Camel message that carries the servlet request. */
    public static class ServletLikeMessage extends DefaultMessage {
        private final ServletLikeRequest request;

        ServletLikeMessage(Map<String, String> requestHeaders) {
            super(CONTEXT);
            Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            h.putAll(requestHeaders);
            this.request = h::get;
        }

        public ServletLikeRequest getRequest() {
            return request;
        }
    }

    private static ApiKeyGuard guard() {
        ApiKeyGuard guard = new ApiKeyGuard();
        guard.setApiKey(KEY);
        return guard;
    }

    @AfterAll
    static void close() throws Exception {
        CONTEXT.close();
    }

    @Test
    void theServletRequestsHeaderIsTheKey() {
        ServletLikeMessage message = new ServletLikeMessage(Map.of("x-api-key", KEY));
        assertEquals(KEY, RequestHeaders.header(message, "X-Api-Key"));
        assertDoesNotThrow(() -> guard().verifyRequest(message));
    }

    @Test
    void aWrongKeyInTheServletRequestIsRefused() {
        BridgeException e = assertThrows(BridgeException.class,
                () -> guard().verifyRequest(new ServletLikeMessage(Map.of("X-Api-Key", KEY + "x"))));
        assertEquals(401, e.getStatus());
        assertEquals("invalid_api_key", e.getCode());
    }

    @Test
    void aQueryParameterNamedLikeTheKeyIsNoKey() {
        // the servlet binding copies ?X-Api-Key=... (and form fields) into the message headers: not the request's
        ServletLikeMessage message = new ServletLikeMessage(Map.of("Accept", "application/json"));
        message.setHeader("X-Api-Key", KEY);
        message.setHeader("CamelHttpQuery", "X-Api-Key=" + KEY);
        assertNull(RequestHeaders.header(message, "X-Api-Key"));
        BridgeException e = assertThrows(BridgeException.class, () -> guard().verifyRequest(message));
        assertEquals(401, e.getStatus());
        assertEquals("missing_api_key", e.getCode());
    }

    @Test
    void aMessageNotFromHttpHasNoKeyWhateverItsHeadersSay() {
        DefaultMessage message = new DefaultMessage(CONTEXT);
        message.setHeader("X-Api-Key", KEY);
        assertNull(RequestHeaders.header(message, "X-Api-Key"));
        assertEquals("missing_api_key",
                assertThrows(BridgeException.class, () -> guard().verifyRequest(message)).getCode());
        assertNull(RequestHeaders.header(null, "X-Api-Key"));
    }
}
