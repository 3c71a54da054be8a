package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;

import io.lsbridge.BridgeException;
import io.lsbridge.TokenEndpoint;

import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

/** The words for failures: what a caller and the operator's log are told. */
class FailuresTest {
    private final Failures failures = new Failures();

    @Test
    void describeFindsTheTypedErrorInsideWrappers() {
        BridgeException typed = new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        assertSame(typed, failures.describe(new RuntimeCamelException(typed)));

        BridgeException grant = failures.describe(new RuntimeCamelException(new TokenEndpoint.TokenCallFailed(400, "invalid_grant", null)));
        assertEquals(400, grant.getStatus());
        assertEquals("invalid_grant", grant.getCode());
        assertEquals("token_endpoint_busy", failures.describe(new TokenEndpoint.TokenCallFailed(429, null, "5")).getCode());
        assertEquals(502, failures.describe(new TokenEndpoint.TokenCallFailed(500, null, null)).getStatus());

        BridgeException unknown = failures.describe(new IllegalStateException("database error: secret-ish detail"));
        assertEquals(500, unknown.getStatus());
        assertEquals("internal_error", unknown.getCode());
        assertFalse(unknown.getMessage().contains("secret-ish"), "an unexpected exception's text stays in the log");
    }

    @Test
    void upstreamFailuresHaveTheStatusAndCodeTheRouteChose() {
        BridgeException refused = failures.upstream(502, "upstream_unreachable");
        assertEquals(502, refused.getStatus());
        assertEquals("upstream_unreachable", refused.getCode());
        assertTrue(refused.getMessage().contains("could not be reached"));
        BridgeException slow = failures.upstream(504, "upstream_timeout");
        assertEquals(504, slow.getStatus());
        assertTrue(slow.getMessage().contains("did not answer in time"));
    }

    @Test
    void logTextIsOneLineWithoutQueryStrings() {
        String d = failures.detail(new ConnectException("Connect to http://h:1/api/x?token=abc&b=c failed:\r\nrefused"));
        assertEquals(" (ConnectException: Connect to http://h:1/api/x?... failed: refused)", d);
        assertEquals("", failures.detail(null));
        assertTrue(failures.detail(new ConnectException("x".repeat(500))).length() < 210);

        assertEquals("x-series", failures.logValue("x-series"));
        assertEquals("a??FAKE?WARN", failures.logValue("a\r\nFAKE WARN"));
        assertEquals("", failures.logValue(null));
        assertEquals(67, failures.logValue("p".repeat(100)).length());
    }

    @Test
    void bridgeExceptionMessagesAreOneLine() {
        BridgeException e = new BridgeException(404, "unknown_profile", "There is no profile 'a\r\nFAKE'", 5L);
        assertEquals("There is no profile 'a??FAKE'", e.getMessage());
        assertEquals(5L, e.getRetryAfterSeconds());
        assertEquals(null, new BridgeException(400, "x", "y").getRetryAfterSeconds());
    }
}
