package io.lsbridge;

import io.vertx.core.http.HttpServerRequest;

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
     * Checks the {@code X-Api-Key} header of the HTTP request itself (null when the route was not
     * called over HTTP: then there is no key).
     */
    public void verifyRequest(HttpServerRequest request) {
        verify(request == null ? null : request.getHeader("X-Api-Key"));
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
