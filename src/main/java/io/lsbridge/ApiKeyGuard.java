package io.lsbridge;

import io.lsbridge.http.RequestHeaders;
import org.apache.camel.Message;

/**
 * The operator and proxy API key, compared in constant time. The route hands over the value of
 * the request's own {@code X-Api-Key} header, read from the HTTP request itself: Camel's
 * platform-http also copies query parameters into message headers, and a key in a URL would
 * end up in access logs and browser histories, so {@code ?X-Api-Key=} counts as no key.
 */
public class ApiKeyGuard {
    private String apiKey;

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    /**
     * Checks the {@code X-Api-Key} header of the HTTP request that carried this message (a message
     * that did not come over HTTP has no key): Vert.x's request under camel run and Quarkus, the
     * servlet request under Spring Boot ({@link RequestHeaders}). Camel binds the message by its type:
     * no expression is evaluated per request.
     */
    public void verifyRequest(Message message) {
        verify(RequestHeaders.header(message, "X-Api-Key"));
    }

    public void verify(String presented) {
        if (presented == null || presented.isEmpty()) {
            throw new BridgeException(401, "missing_api_key", "Send the bridge's API key in the X-Api-Key header.");
        }
        if (!Secrets.constantTimeEquals(apiKey, presented)) {
            throw new BridgeException(401, "invalid_api_key", "The X-Api-Key header does not hold this bridge's API key.");
        }
    }
}
