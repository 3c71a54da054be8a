package io.lsbridge;

import org.apache.camel.Header;

/** The operator and proxy API key, sent as {@code X-Api-Key}, compared in constant time. */
public class ApiKeyGuard {
    private String apiKey;

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public void verify(@Header("X-Api-Key") String given) {
        if (given == null || given.isEmpty()) {
            throw new BridgeException(401, "missing_api_key", "Send the bridge's API key in the X-Api-Key header.");
        }
        if (!Secrets.constantTimeEquals(apiKey, given)) {
            throw new BridgeException(401, "invalid_api_key", "The X-Api-Key header does not hold this bridge's API key.");
        }
    }
}
